//! What a handler works with beside the domain's context: the sender of an update, and the
//! replies it produces (notices, committed with the update's other effects).
use crate::config::Lang;
use crate::context::{Ctx, SayError};
use crate::notice::{Body, Buttons, Notice, Priority};
use crate::org::tree::UnitTree;
use crate::org::Member;
use crate::store::{StoreError, Tx};
use crate::tip::crypto::CryptoError;
use crate::zero_report::Media;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use teloxide::types::{ChatKind, Update, UpdateKind, User};

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

impl HandlerError {
    /// The store's error behind this one, if a store operation failed.
    pub fn store(&self) -> Option<&StoreError> {
        match self {
            HandlerError::Store(e) | HandlerError::Tip(crate::tip::flow::TipError::Store(e)) => {
                Some(e)
            }
            _ => None,
        }
    }

    /// The store's error when the machine under it failed (a full disk, a lost database),
    /// else this error back.
    pub fn into_fault(self) -> Result<StoreError, HandlerError> {
        match self {
            HandlerError::Store(e) | HandlerError::Tip(crate::tip::flow::TipError::Store(e))
                if crate::store::Fault::of(&e).is_some() =>
            {
                Ok(e)
            }
            other => Err(other),
        }
    }
}

impl From<SayError> for HandlerError {
    fn from(e: SayError) -> HandlerError {
        match e {
            SayError::Store(e) => HandlerError::Store(e),
            SayError::Seal(e) => HandlerError::Seal(e),
        }
    }
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
    /// The unit tree as of this update.
    pub units: Arc<UnitTree>,
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
        let sender = ctx.store.sender(user_id, chat.id.0).await?;
        let units = ctx.units.at(&ctx.store, sender.tree_version).await?;
        let mut member = sender.member;
        if let Some(p) = member.person.as_mut().filter(|p| p.unreachable) {
            ctx.store.person_reachable(p.id).await?;
            p.unreachable = false;
        }
        let lang = user_lang(&member, sender.stranger_lang, &user);
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
            state: sender.state,
            units,
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

/// Replies to one update; their keys derive from the update id, so handling an update
/// twice queues its replies once.
pub struct Replies {
    update_id: i64,
    chat_id: i64,
    stranger: bool,
    press: Option<Press>,
    /// Each reply, and whether it leaves no trace (see `Ctx::say_ephemeral`).
    out: Vec<(Notice, bool)>,
    finished: Arc<AtomicBool>,
}

impl Replies {
    /// Every reply from here on is erased from the outbox once sent, member or not: used for
    /// anything a tipster sees, so a member's tip leaves no trace next to their chat id.
    pub fn anonymous(&mut self) {
        self.stranger = true;
    }

    fn push(&mut self, chat: i64, body: Body, ephemeral: bool) {
        let key = format!("u{}.{}", self.update_id, self.out.len());
        let notice = Notice {
            key,
            chat,
            body,
            priority: Priority::Routine,
        };
        self.out.push((notice, ephemeral || self.stranger));
    }

    pub fn text(&mut self, text: String) {
        self.text_with(text, Vec::new());
    }

    /// A reply that holds a secret (an invite code): erased from the outbox once sent or
    /// given up, as replies to tipsters are, so no table keeps the secret.
    pub fn secret_text(&mut self, text: String) {
        let buttons = Vec::new();
        self.push(self.chat_id, Body::Text { text, buttons }, true);
    }

    pub fn text_with(&mut self, text: String, buttons: Buttons) {
        self.push(self.chat_id, Body::Text { text, buttons }, false);
    }

    /// Stop the spinner on a pressed button, optionally with a short notice.
    pub fn answer_press(&mut self, text: Option<String>) {
        if let Some(p) = self.press.clone() {
            self.push(0, Body::PressAnswer { press: p.id, text }, false);
        }
    }

    /// Queue the replies in `tx`, ephemeral ones sealed.
    async fn queue(self, ctx: &Ctx, tx: &mut Tx) -> Result<Arc<AtomicBool>, HandlerError> {
        let now = ctx.clock.now_ms();
        for (notice, ephemeral) in &self.out {
            if *ephemeral {
                ctx.say_ephemeral(tx, notice, now).await?;
            } else {
                ctx.say(tx, notice, now).await?;
            }
        }
        Ok(self.finished)
    }

    /// Queue the replies and mark the update handled, then commit: all or nothing.
    pub async fn commit(self, ctx: &Ctx, mut tx: Tx) -> HandlerResult {
        let update_id = self.update_id;
        let finished = self.queue(ctx, &mut tx).await?;
        tx.finish_update(update_id).await?;
        tx.commit().await?;
        finished.store(true, Ordering::Relaxed);
        ctx.wake.outbox.notify_one();
        ctx.wake.timers.notify_one();
        Ok(())
    }

    /// Queue the replies without marking the update handled (telling a sender their update
    /// was given up).
    pub async fn send_only(self, ctx: &Ctx) -> HandlerResult {
        let mut tx = ctx.store.begin().await?;
        self.queue(ctx, &mut tx).await?;
        tx.commit().await?;
        ctx.wake.outbox.notify_one();
        Ok(())
    }

    /// For updates that change nothing but the replies.
    pub async fn send(self, ctx: &Ctx) -> HandlerResult {
        let tx = ctx.store.begin().await?;
        self.commit(ctx, tx).await
    }
}
