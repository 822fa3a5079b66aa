//! What tests and the demo read back: sent messages, counters, the transcript. Waiting is
//! done on `Notify`, registered before each look so no change slips between look and wait.

use std::time::Duration;

use tokio::sync::broadcast;

use super::{describe, SentMessage, SimEvent, SimStats, Simulator};

impl Simulator {
    /// What the bot sent to this chat (current state, edits applied), in send order.
    pub fn sent(&self, chat_id: i64) -> Vec<SentMessage> {
        self.inner
            .st()
            .sent
            .iter()
            .filter(|m| m.chat_id == chat_id)
            .cloned()
            .collect()
    }

    pub fn all_sent(&self) -> Vec<SentMessage> {
        self.inner.st().sent.clone()
    }

    /// The first message in this chat (already sent or yet to come, edits included) that
    /// matches; on timeout, an error naming the chat and listing what it did get.
    pub async fn wait_for(
        &self,
        chat_id: i64,
        timeout: Duration,
        pred: impl Fn(&SentMessage) -> bool,
    ) -> anyhow::Result<SentMessage> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let notified = self.inner.sent_changed.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            let sent = self.sent(chat_id);
            if let Some(m) = sent.iter().find(|m| pred(m)) {
                return Ok(m.clone());
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                let sent = self.sent(chat_id);
                if let Some(m) = sent.iter().find(|m| pred(m)) {
                    return Ok(m.clone());
                }
                anyhow::bail!(
                    "no matching message in chat {chat_id} ({}) within {timeout:?}; it got {}:{}",
                    self.inner.st().chat_name(chat_id),
                    sent.len(),
                    listing(&sent)
                );
            }
        }
    }

    /// Waits until this chat has at least `n` messages from the bot; returns them all.
    pub async fn wait_for_count(
        &self,
        chat_id: i64,
        n: usize,
        timeout: Duration,
    ) -> anyhow::Result<Vec<SentMessage>> {
        self.wait_for_all(chat_id, timeout, |sent| sent.len() >= n)
            .await
            .map_err(|e| anyhow::anyhow!("expected {n} messages: {e}"))
    }

    /// Waits until the messages of this chat (edits included) satisfy `pred`; returns them.
    pub async fn wait_for_all(
        &self,
        chat_id: i64,
        timeout: Duration,
        pred: impl Fn(&[SentMessage]) -> bool,
    ) -> anyhow::Result<Vec<SentMessage>> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let notified = self.inner.sent_changed.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            let sent = self.sent(chat_id);
            if pred(&sent) {
                return Ok(sent);
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                let sent = self.sent(chat_id);
                if pred(&sent) {
                    return Ok(sent);
                }
                anyhow::bail!(
                    "chat {chat_id} ({}) got {} messages within {timeout:?}, not what was awaited:{}",
                    self.inner.st().chat_name(chat_id),
                    sent.len(),
                    listing(&sent)
                );
            }
        }
    }

    /// Waits until the bot has confirmed (via getUpdates offset) every queued update.
    pub async fn wait_updates_consumed(&self, timeout: Duration) -> anyhow::Result<()> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let notified = self.inner.updates_confirmed.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            let pending = self.pending_updates();
            if pending == 0 {
                return Ok(());
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                anyhow::bail!("{pending} updates still unconfirmed after {timeout:?}");
            }
        }
    }

    pub fn stats(&self) -> SimStats {
        self.inner.st().stats.clone()
    }

    /// What setMyCommands stored, by key: "default", "default/en", "all_private_chats/zh",
    /// "chat:<id>", "chat_member:<chat>:<user>" (scope, then "/language" when one was given).
    pub fn commands(&self) -> Vec<(String, Vec<(String, String)>)> {
        self.inner
            .st()
            .commands
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }

    /// Every person's action and every bot send, edit and callback answer, from now on.
    pub fn events(&self) -> broadcast::Receiver<SimEvent> {
        self.inner.events.subscribe()
    }

    /// Updates queued and not yet confirmed by the bot.
    pub fn pending_updates(&self) -> usize {
        self.inner.st().updates.len()
    }

    /// Every callback answer: (user id, query id, popup text).
    pub fn callback_answers(&self) -> Vec<(i64, String, Option<String>)> {
        self.inner.st().callback_answers.clone()
    }
}

fn listing(sent: &[SentMessage]) -> String {
    sent.iter()
        .map(|m| {
            format!(
                "\n  #{} {}",
                m.message_id,
                describe(m).replace('\n', "\n  ")
            )
        })
        .collect()
}
