//! Endpoints of anonymous tips: `/tip` and its draft, the relay from the tipster's chat,
//! `/tip CODE [TEXT]`, `/reveal CODE`, and the desk's `/ack T-…`, `/reply`, `/close`,
//! `/reward`, `/forward` and buttons. Every rule is the domain's (`crate::tip::commands`),
//! run by the processor; what is left here is what Telegram shapes: which message a
//! tipster sent (photos, documents and their MIME types, what intake found of a picture sent
//! as a file) and how the desk finds a tipster who reveals themselves.
use super::files::{self, FileCheck};
use crate::action::Action;
use crate::context::Ctx;
use crate::inbound::command::Command;
use crate::inbound::{self, HandlerResult, Input};
use crate::store::{StoreError, Tx};
use crate::tip::commands::{self, Received, TipRequest};
use crate::tip::desk::{self, Answer};
use crate::tip::flow::Content;
use crate::tr;
use std::sync::Arc;
use teloxide::types::{Update, UpdateKind};

/// What a message in a tipster's chat holds; `check` is what intake learned of a picture sent
/// as a file.
fn received(update: &Update, check: FileCheck) -> Received {
    let UpdateKind::Message(m) = &update.kind else {
        return Received::Other;
    };
    let caption = || {
        m.caption()
            .map(str::to_string)
            .filter(|c| !c.trim().is_empty())
    };
    if let Some(best) = m.photo().and_then(|sizes| {
        sizes
            .iter()
            .max_by_key(|s| u64::from(s.width) * u64::from(s.height))
    }) {
        return Received::Content(Content::Photo {
            file_id: best.file.id.0.clone(),
            caption: caption(),
        });
    }
    if let Some(l) = m.location() {
        return Received::Content(Content::Location(l.latitude, l.longitude));
    }
    if let Some(d) = m.document() {
        let mime = d.mime_type.as_ref().map(|t| t.to_string());
        if !files::is_image(mime.as_deref(), d.file_name.as_deref()) {
            return Received::Document;
        }
        if files::declared_too_large(u64::from(d.file.size)) {
            return Received::TooLarge;
        }
        // A picture sent as a file keeps its GPS and camera metadata: it travels as a
        // `scrub:` reference and is re-encoded from its pixels when sent (delivery::scrub).
        return match check {
            FileCheck::TooLarge => Received::TooLarge,
            FileCheck::Unreadable => Received::Unreadable,
            FileCheck::Fits | FileCheck::NotChecked => Received::Content(Content::Photo {
                file_id: format!("{}{}", crate::delivery::scrub::PREFIX, d.file.id.0),
                caption: caption(),
            }),
        };
    }
    match m.text() {
        Some(t) if !t.trim().is_empty() => Received::Content(Content::Text(t.to_string())),
        _ => Received::Other,
    }
}

/// How the desk finds a tipster who reveals themselves: their name and Telegram account.
fn identity(inc: &Input) -> String {
    match &inc.from.username {
        Some(u) => format!(
            "{} (@{u}, Telegram id {})",
            inc.display_name(),
            inc.user_id()
        ),
        None => format!("{} (Telegram id {})", inc.display_name(), inc.user_id()),
    }
}

/// Has this chat something going on with tips (a draft, a relay session)?
pub async fn in_tip_chat(ctx: Arc<Ctx>, inc: Input) -> bool {
    commands::takes_message(&ctx, &inc).await
}

/// Is this handler expected to type a reply or outcome?
pub async fn awaiting_desk_text(ctx: Arc<Ctx>, inc: Input) -> bool {
    desk::awaits_answer(&ctx, &inc).await
}

/// `/cancel`'s part for tips (see `commands::cancel`).
pub async fn cancel(ctx: &Ctx, tx: &mut Tx, inc: &Input) -> Result<bool, StoreError> {
    commands::cancel(ctx, tx, inc).await
}

// ---- the tipster ----

/// `/tip`, `/tip CODE`, `/tip CODE TEXT`. A code is checked before the transaction (Argon2:
/// see `commands::check_code`); such updates come here from intake's side lane.
pub async fn tip_command(ctx: Arc<Ctx>, inc: Input, cmd: Command) -> HandlerResult {
    let request = TipRequest::parse(&cmd.args);
    let code = commands::check_code(&ctx, &inc, request.code()).await?;
    inbound::run(&ctx, &inc, async |tx, r| {
        commands::tip(&ctx, tx, &inc, &request, code, r).await
    })
    .await
}

/// `/reveal CODE`: the code is checked as `/tip CODE`'s is.
pub async fn reveal_command(ctx: Arc<Ctx>, inc: Input, cmd: Command) -> HandlerResult {
    let code = cmd.args.split_whitespace().next().unwrap_or("");
    let code = commands::check_code(&ctx, &inc, code).await?;
    inbound::run(&ctx, &inc, async |tx, r| {
        commands::reveal(&ctx, tx, &inc, code, r).await
    })
    .await
}

/// A plain message in a chat with a tip draft or relay session.
pub async fn tipster_message(
    ctx: Arc<Ctx>,
    inc: Input,
    update: Update,
    check: FileCheck,
) -> HandlerResult {
    let received = received(&update, check);
    inbound::run(&ctx, &inc, async |tx, r| {
        commands::message(&ctx, tx, &inc, received, r).await
    })
    .await
}

// ---- the desk ----

/// `/ack T-45`.
pub async fn ack_command(ctx: Arc<Ctx>, inc: Input, cmd: Command) -> HandlerResult {
    inbound::run(&ctx, &inc, async |tx, r| {
        desk::ack_command(&ctx, tx, &inc, &cmd.args, r).await
    })
    .await
}

/// `/reply T-45 TEXT`.
pub async fn reply_command(ctx: Arc<Ctx>, inc: Input, cmd: Command) -> HandlerResult {
    inbound::run(&ctx, &inc, async |tx, r| {
        desk::reply_command(&ctx, tx, &inc, &cmd.args, r).await
    })
    .await
}

/// `/close T-45 OUTCOME`.
pub async fn close_command(ctx: Arc<Ctx>, inc: Input, cmd: Command) -> HandlerResult {
    inbound::run(&ctx, &inc, async |tx, r| {
        desk::close_command(&ctx, tx, &inc, &cmd.args, r).await
    })
    .await
}

/// `/reward T-45 proposed 500 | approved | paid`.
pub async fn reward_command(ctx: Arc<Ctx>, inc: Input, cmd: Command) -> HandlerResult {
    inbound::run(&ctx, &inc, async |tx, r| {
        desk::reward_command(&ctx, tx, &inc, &cmd.args, r).await
    })
    .await
}

/// `/forward T-45 UNIT`.
pub async fn forward_command(ctx: Arc<Ctx>, inc: Input, cmd: Command) -> HandlerResult {
    inbound::run(&ctx, &inc, async |tx, r| {
        desk::forward_command(&ctx, tx, &inc, &cmd.args, r).await
    })
    .await
}

/// A handler's text after pressing Reply or Close.
pub async fn desk_text(ctx: Arc<Ctx>, inc: Input) -> HandlerResult {
    inbound::run(&ctx, &inc, async |tx, r| {
        desk::answer(&ctx, tx, &inc, r).await
    })
    .await
}

/// The tip buttons, for the tipster and the desk.
pub async fn press(ctx: &Ctx, inc: &Input, action: Action) -> HandlerResult {
    match action {
        Action::TipAck(id) => {
            inbound::run(ctx, inc, async |tx, r| {
                desk::acknowledge(ctx, tx, inc, id, r).await
            })
            .await
        }
        Action::TipReply(id) => {
            inbound::run(ctx, inc, async |tx, r| {
                desk::ask_answer(ctx, tx, inc, id, Answer::Reply, r).await
            })
            .await
        }
        Action::TipClose(id) => {
            inbound::run(ctx, inc, async |tx, r| {
                desk::ask_answer(ctx, tx, inc, id, Answer::Close, r).await
            })
            .await
        }
        Action::TipSend => {
            // The receipt code's slow hash is made before the transaction.
            let code = commands::code_for_draft(ctx, inc).await?;
            inbound::run(ctx, inc, async |tx, r| {
                commands::send(ctx, tx, inc, code, r).await
            })
            .await
        }
        Action::TipDrop => {
            inbound::run(ctx, inc, async |tx, r| {
                commands::drop_draft(ctx, tx, inc, r).await
            })
            .await
        }
        Action::TipReveal(id) => {
            let who = identity(inc);
            inbound::run(ctx, inc, async |tx, r| {
                commands::confirm_reveal(ctx, tx, inc, id, &who, r).await
            })
            .await
        }
        Action::TipStayAnonymous => {
            inbound::run(ctx, inc, async |tx, r| {
                commands::stay_anonymous(ctx, tx, inc, r).await
            })
            .await
        }
        _ => {
            // Not a tip's button (the router sends only those): expired, said anonymously.
            let mut r = inc.replies();
            r.anonymous();
            r.answer_press(None);
            r.text(tr!(ctx.i18n, inc.lang, "button-expired"));
            r.send(ctx).await
        }
    }
}

#[cfg(test)]
mod received_tests {
    use super::*;

    fn update(extra: serde_json::Value) -> Update {
        let mut msg = serde_json::json!({
            "message_id": 5, "date": 0,
            "chat": {"id": 9, "type": "private", "first_name": "A"},
            "from": {"id": 9, "is_bot": false, "first_name": "A"},
        });
        if let (Some(m), Some(e)) = (msg.as_object_mut(), extra.as_object()) {
            m.extend(e.clone());
        }
        // As the intake does: from the stored text (teloxide needs borrowed strings for MIME types).
        serde_json::from_str(&serde_json::json!({"update_id": 1, "message": msg}).to_string())
            .expect("update")
    }

    #[test]
    fn documents_photos_and_locations_are_told_apart() {
        let doc = |name: &str, mime: &str| {
            update(
                serde_json::json!({"document": {"file_id": "F", "file_unique_id": "U", "file_size": 3, "file_name": name, "mime_type": mime}}),
            )
        };
        let scrubbed = Received::Content(Content::Photo {
            file_id: "scrub:F".into(),
            caption: None,
        });
        assert_eq!(
            received(&doc("a.jpg", "image/jpeg"), FileCheck::Fits),
            scrubbed
        );
        assert_eq!(
            received(&doc("a.bin", "image/png"), FileCheck::NotChecked),
            scrubbed
        );
        assert_eq!(
            received(
                &doc("IMG.HEIC", "application/octet-stream"),
                FileCheck::NotChecked
            ),
            scrubbed
        );
        assert_eq!(
            received(&doc("r.pdf", "application/pdf"), FileCheck::NotChecked),
            Received::Document
        );
        // What intake found in the header, or the declared size, refuses a picture.
        assert_eq!(
            received(&doc("a.png", "image/png"), FileCheck::TooLarge),
            Received::TooLarge
        );
        assert_eq!(
            received(&doc("a.png", "image/png"), FileCheck::Unreadable),
            Received::Unreadable
        );
        let huge = update(
            serde_json::json!({"document": {"file_id": "F", "file_unique_id": "U", "file_size": 21 << 20, "file_name": "a.png", "mime_type": "image/png"}}),
        );
        assert_eq!(received(&huge, FileCheck::NotChecked), Received::TooLarge);
        let photo = update(serde_json::json!({"photo": [
            {"file_id": "small", "file_unique_id": "u1", "width": 90, "height": 60},
            {"file_id": "big", "file_unique_id": "u2", "width": 1280, "height": 960}], "caption": "look"}));
        assert_eq!(
            received(&photo, FileCheck::NotChecked),
            Received::Content(Content::Photo {
                file_id: "big".into(),
                caption: Some("look".into())
            })
        );
        let loc = update(serde_json::json!({"location": {"latitude": 1.5, "longitude": 2.5}}));
        assert_eq!(
            received(&loc, FileCheck::NotChecked),
            Received::Content(Content::Location(1.5, 2.5))
        );
        assert_eq!(
            received(
                &update(serde_json::json!({"text": "hi"})),
                FileCheck::NotChecked
            ),
            Received::Content(Content::Text("hi".into()))
        );
    }
}
