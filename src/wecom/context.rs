//! A stored WeCom message read as the domain's [`Input`]: a member's text, picture or
//! location in the app chat, or a press on a card.
use super::message::{self, Kind};
use crate::channel::{self, WecomKind};
use crate::context::Ctx;
use crate::inbound::{Arrival, Input, Media, Press, Sender};
use crate::store::StoreError;

use crate::notice::WECOM_MEDIA_PREFIX as MEDIA_PREFIX;

pub async fn read(ctx: &Ctx, update_id: i64, payload: &str) -> Result<Option<Input>, StoreError> {
    let Ok(m) = message::parse(payload) else {
        tracing::debug!(update_id, "unreadable WeCom message ignored");
        return Ok(None);
    };
    let (text, media, press) = match m.kind {
        Kind::Text { content } => (Some(content), None, None),
        Kind::Image { media_id, .. } => (
            None,
            Some(Media::Photo(format!("{MEDIA_PREFIX}{media_id}"))),
            None,
        ),
        Kind::Location { lat, lon, .. } => (None, Some(Media::Location(lat, lon)), None),
        Kind::CardPress {
            event_key,
            response_code,
            ..
        } => (
            None,
            None,
            Some(Press {
                id: response_code,
                data: event_key,
            }),
        ),
        Kind::Other { .. } => return Ok(None),
    };
    let chat = channel::wecom_address(WecomKind::Member, &m.from);
    let arrival = Arrival {
        update_id,
        chat_id: chat,
        // A member writes to the app alone; group robots send nothing back.
        private: true,
        from: Sender {
            id: chat,
            name: m.from.clone(),
            username: None,
            account: format!("WeCom UserID {}", m.from),
        },
        lang_hint: None,
        text,
        media,
        document: None,
        album: None,
        press,
    };
    Ok(Some(arrival.load(ctx).await?))
}

/// The text of a stored message, if it is one (to tell apart those that check a code).
pub fn text_of(payload: &str) -> Option<String> {
    match message::parse(payload).ok()?.kind {
        Kind::Text { content } => Some(content),
        _ => None,
    }
}
