//! A Telegram update read as the domain's [`Input`]: the sender looked up, their language
//! chosen, the message's text, photo or location, or the button pressed.
use crate::config::Lang;
use crate::context::Ctx;
use crate::inbound::{Input, Press, Sender};
use crate::org::Member;
use crate::store::StoreError;
use crate::zero_report::Media;
use std::sync::Arc;
use teloxide::types::{ChatKind, Update, UpdateKind, User};

fn user_lang(member: &Member, stored: Option<String>, user: &User) -> Lang {
    let chosen = member.person.as_ref().map(|p| p.lang.clone()).or(stored);
    match chosen.as_deref() {
        Some(code) => Lang::from_telegram(Some(code)),
        None => Lang::from_telegram(user.language_code.as_deref()),
    }
}

/// A Telegram update as the domain's input: messages and button presses from people;
/// everything else (channel posts, service updates, kinds we do not know) is `None` and
/// ignored.
pub async fn load(ctx: &Ctx, update_id: i64, update: &Update) -> Result<Option<Input>, StoreError> {
    let album = match &update.kind {
        UpdateKind::Message(m) => m.media_group_id().map(|g| g.to_string()),
        _ => None,
    };
    let (chat, user, text, press, media) = match &update.kind {
        UpdateKind::Message(m) => {
            let Some(user) = m.from.clone() else {
                return Ok(None);
            };
            let text = m.text().or(m.caption()).map(str::to_string);
            let photo = m
                .photo()
                .and_then(|sizes| sizes.last())
                .map(|p| Media::Photo(p.file.id.to_string()));
            let location = m
                .location()
                .map(|l| Media::Location(l.latitude, l.longitude));
            (m.chat.clone(), user, text, None, photo.or(location))
        }
        UpdateKind::CallbackQuery(q) => {
            let Some(chat) = q.message.as_ref().map(|m| m.chat().clone()) else {
                return Ok(None);
            };
            let data = q.data.clone().unwrap_or_default();
            let press = Press {
                id: q.id.to_string(),
                data,
            };
            (chat, q.from.clone(), None, Some(press), None)
        }
        _ => return Ok(None),
    };
    if user.is_bot {
        return Ok(None);
    }
    let private = matches!(chat.kind, ChatKind::Private(_));
    let user_id = user.id.0 as i64;
    let sender = ctx.store.sender(user_id, chat.id.0).await?;
    let units = ctx.units.at(&ctx.store, sender.tree_version).await?;
    let mut member = sender.member;
    if let Some(p) = member.person.as_mut().filter(|p| p.unreachable) {
        ctx.store.person_reachable(p.id).await?;
        p.unreachable = false;
    }
    let lang = user_lang(&member, sender.stranger_lang, &user);
    Ok(Some(Input {
        update_id,
        chat_id: chat.id.0,
        private,
        from: Sender {
            id: user_id,
            name: user.full_name(),
            username: user.username.clone(),
        },
        member,
        lang,
        text,
        media,
        album,
        press,
        state: sender.state,
        units,
        finished: Arc::default(),
    }))
}
