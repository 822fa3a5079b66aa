//! What a handler works with: the shared context, the sender of an update, and the replies
//! it produces (outbox rows, committed with the update's other effects).
use crate::clock::Clock;
use crate::config::{Config, Lang};
use crate::i18n::I18n;
use crate::org::Member;
use crate::store::{Outgoing, Store, StoreError, Tx};
use crate::tip::crypto::CryptoError;
use crate::zero_report::Media;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use teloxide::types::{ChatKind, Update, UpdateKind, User};
use tokio::sync::Notify;

/// Wakes the background loops when a transaction gave them work.
#[derive(Clone, Default)]
pub struct Wakers {
    pub outbox: Arc<Notify>,
    pub timers: Arc<Notify>,
}

pub struct Ctx {
    pub wake: Wakers,
    pub store: Store,
    pub i18n: I18n,
    pub config: Arc<Config>,
    pub clock: Clock,
    pub bot_username: String,
    /// The tip feature's master key (sealed tipster chats, keyed hashes).
    pub tip_key: crate::tip::crypto::TipKey,
    /// Bounds receipt-code checks (Argon2) across all chats.
    pub code_guard: crate::tip::guard::CodeGuard,
}

/// Where an outbox row keeps a sealed recipient.
pub const SEALED_TO: &str = "_sealed_to";

impl Ctx {
    /// An ephemeral message (to a stranger or a tipster) does not keep its recipient in clear
    /// even while it waits: the chat id is sealed into the payload, and the row is filed
    /// under a keyed pseudonym. Only the sender opens it, at the moment of sending. Sealing
    /// fails closed: an error, and nothing to queue.
    pub fn seal(&self, m: Outgoing) -> Result<Outgoing, CryptoError> {
        seal_with(
            m,
            |plain| self.tip_key.seal(plain, 0),
            |chat| self.tip_key.chat_pseudonym(chat),
        )
    }
}

/// `Ctx::seal` with the sealing and the pseudonym given, so its failure path can be tested.
fn seal_with(
    mut m: Outgoing,
    seal: impl FnOnce(&[u8]) -> Result<String, CryptoError>,
    pseudonym: impl FnOnce(i64) -> i64,
) -> Result<Outgoing, CryptoError> {
    if !m.ephemeral || m.chat_id == 0 {
        return Ok(m);
    }
    m.payload[SEALED_TO] = seal(&m.chat_id.to_be_bytes())?.into();
    m.chat_id = pseudonym(m.chat_id);
    Ok(m)
}

#[derive(Debug, thiserror::Error)]
pub enum HandlerError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Tip(#[from] crate::tip::flow::TipError),
    /// A recipient could not be sealed: the message is not queued, the update fails.
    #[error("sealing a recipient failed: {0}")]
    Seal(#[from] CryptoError),
}

pub type HandlerResult = Result<(), HandlerError>;

/// A button press.
#[derive(Debug, Clone)]
pub struct Press {
    pub id: String,
    pub data: String,
}

/// Who sent an update, where, and in which language to answer.
#[derive(Debug, Clone)]
pub struct Incoming {
    pub update_id: i64,
    pub chat_id: i64,
    pub private: bool,
    pub user: User,
    pub member: Member,
    pub lang: Lang,
    pub text: Option<String>,
    /// A photo (largest size's file id) or location the message carries.
    pub media: Option<crate::zero_report::Media>,
    /// The album (media group) a photo belongs to.
    pub album: Option<String>,
    pub press: Option<Press>,
    /// What this conversation is in the middle of, if anything (members only).
    pub state: Option<crate::conversation::Conversation>,
    /// Set once a handler committed this update as done.
    pub finished: Arc<AtomicBool>,
}

fn user_lang(member: &Member, stored: Option<String>, user: &User) -> Lang {
    let chosen = member.person.as_ref().map(|p| p.lang.clone()).or(stored);
    match chosen.as_deref() {
        Some(code) => Lang::from_telegram(Some(code)),
        None => Lang::from_telegram(user.language_code.as_deref()),
    }
}

impl Incoming {
    /// Messages and button presses from people; everything else (channel posts, service
    /// updates, kinds we do not know) is `None` and ignored.
    pub async fn load(
        ctx: &Ctx,
        update_id: i64,
        update: &Update,
    ) -> Result<Option<Incoming>, StoreError> {
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
        let mut member = ctx.store.member(user_id).await?;
        if let Some(p) = member.person.as_mut().filter(|p| p.unreachable) {
            ctx.store.person_reachable(p.id).await?;
            p.unreachable = false;
        }
        let stored = if member.person.is_none() {
            ctx.store.conversation_lang(user_id, user_id).await?
        } else {
            None
        };
        let lang = user_lang(&member, stored, &user);
        let state = match member.person {
            Some(_) => ctx.store.conversation_state(chat.id.0, user_id).await?,
            None => None,
        };
        Ok(Some(Incoming {
            update_id,
            chat_id: chat.id.0,
            private,
            user,
            member,
            lang,
            text,
            media,
            album,
            press,
            state,
            finished: Arc::default(),
        }))
    }

    pub fn user_id(&self) -> i64 {
        self.user.id.0 as i64
    }

    pub fn display_name(&self) -> String {
        self.user.full_name()
    }

    pub fn replies(&self) -> Replies {
        Replies {
            update_id: self.update_id,
            chat_id: self.chat_id,
            stranger: self.member.person.is_none(),
            press: self.press.clone(),
            out: Vec::new(),
            finished: self.finished.clone(),
        }
    }
}

/// Replies to one update; idempotency keys derive from the update id, so handling an
/// update twice enqueues its replies once.
pub struct Replies {
    update_id: i64,
    chat_id: i64,
    stranger: bool,
    press: Option<Press>,
    out: Vec<Outgoing>,
    finished: Arc<AtomicBool>,
}

impl Replies {
    /// Every reply from here on is erased from the outbox once sent, member or not: used for
    /// anything a tipster sees, so a member's tip leaves no trace next to their chat id.
    pub fn anonymous(&mut self) {
        self.stranger = true;
    }

    fn push(&mut self, chat_id: i64, method: &str, payload: Value) {
        let idem_key = format!("u{}.{}", self.update_id, self.out.len());
        self.out.push(Outgoing {
            idem_key,
            chat_id,
            method: method.to_string(),
            payload,
            edit_of: None,
            ephemeral: self.stranger,
        });
    }

    pub fn text(&mut self, text: String) {
        self.push(self.chat_id, "sendMessage", json!({ "text": text }));
    }

    /// A reply that holds a secret (an invite code): erased from the outbox once sent or
    /// given up, as replies to tipsters are, so no table keeps the secret.
    pub fn secret_text(&mut self, text: String) {
        self.push(self.chat_id, "sendMessage", json!({ "text": text }));
        if let Some(m) = self.out.last_mut() {
            m.ephemeral = true;
        }
    }

    pub fn text_with(&mut self, text: String, keyboard: Value) {
        self.push(
            self.chat_id,
            "sendMessage",
            json!({ "text": text, "reply_markup": keyboard }),
        );
    }

    /// Stop the spinner on a pressed button, optionally with a short notice.
    pub fn answer_press(&mut self, notice: Option<String>) {
        if let Some(p) = self.press.clone() {
            let mut payload = json!({ "callback_query_id": p.id });
            if let Some(n) = notice {
                payload["text"] = n.into();
            }
            self.push(0, "answerCallbackQuery", payload);
        }
    }

    /// Enqueue the replies and mark the update handled, then commit: all or nothing.
    /// Replies to strangers and tipsters keep their recipient sealed (see `Ctx::seal`).
    pub async fn commit(self, ctx: &Ctx, mut tx: Tx) -> HandlerResult {
        let now = ctx.clock.now_ms();
        for m in self.out {
            tx.enqueue(&ctx.seal(m)?, now).await?;
        }
        tx.finish_update(self.update_id).await?;
        tx.commit().await?;
        self.finished.store(true, Ordering::Relaxed);
        ctx.wake.outbox.notify_one();
        ctx.wake.timers.notify_one();
        Ok(())
    }

    pub fn into_outgoing(self) -> Vec<Outgoing> {
        self.out
    }

    /// For updates that change nothing but the replies.
    pub async fn send(self, ctx: &Ctx) -> HandlerResult {
        let tx = ctx.store.begin().await?;
        self.commit(ctx, tx).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(chat_id: i64, ephemeral: bool) -> Outgoing {
        Outgoing {
            ephemeral,
            ..Outgoing::message("u1.0".into(), chat_id, "hello".into(), None)
        }
    }

    #[test]
    fn a_failing_seal_yields_an_error_and_nothing_to_send() {
        let failed = seal_with(reply(42, true), |_| Err(CryptoError::Malformed), |c| c + 1);
        assert!(matches!(failed, Err(CryptoError::Malformed)), "{failed:?}");
        // The handler's error says why, and `commit` propagates it before enqueueing.
        let e = HandlerError::from(failed.unwrap_err());
        assert!(e.to_string().contains("sealing"), "{e}");
    }

    #[test]
    fn sealing_hides_the_recipient_and_leaves_others_alone() {
        let key = crate::tip::crypto::TipKey::from_bytes([7; 32]);
        let sealed = seal_with(
            reply(42, true),
            |p| key.seal(p, 0),
            |c| key.chat_pseudonym(c),
        )
        .expect("seals");
        assert_eq!(sealed.chat_id, key.chat_pseudonym(42));
        let inside = sealed.payload[SEALED_TO]
            .as_str()
            .expect("sealed recipient");
        assert_eq!(key.open(inside, 0).expect("opens"), 42i64.to_be_bytes());
        let plain = reply(42, false);
        let untouched = seal_with(plain.clone(), |_| Err(CryptoError::Malformed), |c| c)
            .expect("nothing to seal");
        assert_eq!(untouched, plain);
    }
}
