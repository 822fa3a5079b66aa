//! A Telegram update read as the domain's [`Input`]: the sender looked up, their language
//! chosen, the message's text, photo, location or file, or the button pressed.
use super::files::{self, FileCheck};
use crate::context::Ctx;
use crate::inbound::Media;
use crate::inbound::{Arrival, Document, Input, Press, Sender};
use crate::store::StoreError;
use teloxide::types::{ChatKind, Message, PhotoSize, Update, UpdateKind, User};

/// The largest size of a photo.
fn best(sizes: &[PhotoSize]) -> Option<&PhotoSize> {
    sizes
        .iter()
        .max_by_key(|s| u64::from(s.width) * u64::from(s.height))
}

/// A file sent as a document: a picture or not, and whether it may be passed on (`check` is
/// what intake learned of a picture from its header).
fn document(m: &Message, check: FileCheck) -> Option<Document> {
    let d = m.document()?;
    let mime = d.mime_type.as_ref().map(|t| t.to_string());
    Some(
        if !files::is_image(mime.as_deref(), d.file_name.as_deref()) {
            Document::Other
        } else if files::declared_too_large(u64::from(d.file.size)) {
            Document::TooLarge
        } else {
            match check {
                FileCheck::TooLarge => Document::TooLarge,
                FileCheck::Unreadable => Document::Unreadable,
                FileCheck::Fits | FileCheck::NotChecked => Document::Picture(d.file.id.0.clone()),
            }
        },
    )
}

/// How a colleague finds this person on Telegram.
fn account(user: &User) -> String {
    let (name, id) = (user.full_name(), user.id.0);
    match &user.username {
        Some(u) => format!("{name} (@{u}, Telegram id {id})"),
        None => format!("{name} (Telegram id {id})"),
    }
}

/// A stored Telegram update as the domain's input: messages and button presses from people;
/// everything else (channel posts, service updates, kinds we do not know, an unreadable
/// payload) is `None` and ignored.
pub async fn read(
    ctx: &Ctx,
    update_id: i64,
    payload: &str,
    check: FileCheck,
) -> Result<Option<Input>, StoreError> {
    // Unknown update kinds parse as `UpdateKind::Error`; only non-objects fail here.
    let update: Update = match serde_json::from_str(payload) {
        Ok(u) => u,
        Err(e) => {
            tracing::debug!(update_id, error = %e, "unreadable update ignored");
            return Ok(None);
        }
    };
    let Some(arrival) = arrival(update_id, &update, check) else {
        return Ok(None);
    };
    Ok(Some(arrival.load(ctx).await?))
}

fn arrival(update_id: i64, update: &Update, check: FileCheck) -> Option<Arrival> {
    let (chat, user, text, press, media, document, album) = match &update.kind {
        UpdateKind::Message(m) => {
            let user = m.from.clone()?;
            let text = m.text().or(m.caption()).map(str::to_string);
            let photo = m
                .photo()
                .and_then(best)
                .map(|p| Media::Photo(p.file.id.to_string()));
            let location = m
                .location()
                .map(|l| Media::Location(l.latitude, l.longitude));
            let album = m.media_group_id().map(|g| g.to_string());
            let media = photo.or(location);
            (
                m.chat.clone(),
                user,
                text,
                None,
                media,
                document(m, check),
                album,
            )
        }
        UpdateKind::CallbackQuery(q) => {
            let chat = q.message.as_ref().map(|m| m.chat().clone())?;
            let press = Press {
                id: q.id.to_string(),
                data: q.data.clone().unwrap_or_default(),
            };
            (chat, q.from.clone(), None, Some(press), None, None, None)
        }
        _ => return None,
    };
    if user.is_bot {
        return None;
    }
    Some(Arrival {
        update_id,
        chat_id: chat.id.0,
        private: matches!(chat.kind, ChatKind::Private(_)),
        from: Sender {
            id: user.id.0 as i64,
            name: user.full_name(),
            username: user.username.clone(),
            account: account(&user),
        },
        lang_hint: user.language_code.clone(),
        text,
        media,
        document,
        album,
        press,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(extra: serde_json::Value) -> Message {
        let mut msg = serde_json::json!({
            "message_id": 5, "date": 0,
            "chat": {"id": 9, "type": "private", "first_name": "A"},
            "from": {"id": 9, "is_bot": false, "first_name": "A", "username": "a_b"},
        });
        if let (Some(m), Some(e)) = (msg.as_object_mut(), extra.as_object()) {
            m.extend(e.clone());
        }
        serde_json::from_value(msg).expect("message")
    }

    #[test]
    fn documents_are_pictures_or_not_and_checked() {
        let doc = |name: &str, mime: &str, size: u64| {
            message(
                serde_json::json!({"document": {"file_id": "F", "file_unique_id": "U",
                "file_size": size, "file_name": name, "mime_type": mime}}),
            )
        };
        let picture = Some(Document::Picture("F".into()));
        let check = FileCheck::NotChecked;
        assert_eq!(
            document(&doc("a.jpg", "image/jpeg", 3), FileCheck::Fits),
            picture
        );
        assert_eq!(document(&doc("a.bin", "image/png", 3), check), picture);
        assert_eq!(
            document(&doc("IMG.HEIC", "application/octet-stream", 3), check),
            picture
        );
        let pdf = doc("r.pdf", "application/pdf", 3);
        assert_eq!(document(&pdf, check), Some(Document::Other));
        // What intake found in the header, or the declared size, refuses a picture.
        let png = doc("a.png", "image/png", 3);
        assert_eq!(
            document(&png, FileCheck::TooLarge),
            Some(Document::TooLarge)
        );
        assert_eq!(
            document(&png, FileCheck::Unreadable),
            Some(Document::Unreadable)
        );
        let huge = doc("a.png", "image/png", 21 << 20);
        assert_eq!(document(&huge, check), Some(Document::TooLarge));
        assert_eq!(
            document(&message(serde_json::json!({"text": "hi"})), check),
            None
        );
    }

    #[test]
    fn the_largest_photo_and_the_account() {
        let m = message(serde_json::json!({"photo": [
            {"file_id": "big", "file_unique_id": "u2", "width": 1280, "height": 960},
            {"file_id": "small", "file_unique_id": "u1", "width": 90, "height": 60}]}));
        let sizes = m.photo().expect("photo");
        assert_eq!(best(sizes).map(|p| p.file.id.0.as_str()), Some("big"));
        let user = m.from.expect("from");
        assert_eq!(account(&user), "A (@a_b, Telegram id 9)");
    }
}
