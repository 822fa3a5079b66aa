//! The replies to one update, committed with its other effects: notices keyed by the update,
//! so handling an update twice queues its replies once.
use super::input::Press;
use crate::channel::Channel;
use crate::context::Ctx;
use crate::inbound::HandlerResult;
use crate::notice::{Body, Buttons, Notice, Priority};
use crate::store::Tx;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

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
    pub(super) fn new(
        update_id: i64,
        chat_id: i64,
        stranger: bool,
        press: Option<Press>,
        finished: Arc<AtomicBool>,
    ) -> Replies {
        Replies {
            update_id,
            chat_id,
            stranger,
            press,
            out: Vec::new(),
            finished,
        }
    }

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
            room: None,
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
        // Telegram answers a press by its id alone; WeCom's word goes to the presser's chat.
        let chat = match Channel::of_chat(self.chat_id) {
            Channel::Telegram => 0,
            Channel::Wecom => self.chat_id,
        };
        if let Some(p) = self.press.clone() {
            self.push(chat, Body::PressAnswer { press: p.id, text }, false);
        }
    }

    /// Queue the replies in `tx`, ephemeral ones sealed.
    pub(super) async fn queue(
        self,
        ctx: &Ctx,
        tx: &mut Tx,
    ) -> Result<Arc<AtomicBool>, crate::inbound::HandlerError> {
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
