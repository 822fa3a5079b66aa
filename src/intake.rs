//! Intake, whatever the channel: each channel's receiver (Telegram's poller or webhook,
//! WeCom's callback) stores what arrives before anything acts on it, and the processor runs
//! stored updates through the domain's routes (`route::handle`), each read as an `Input` by
//! its channel's reader. A crash at any point loses no update, and the update id makes a
//! replayed one a no-op. Several processes may share the inbox: see `store::inbox` for how
//! they divide it.
use crate::channel::Channel;
use crate::context::Ctx;
use crate::inbound::{HandlerError, Inbox, Input};
use crate::metrics::{self, Outcome};
use crate::store::{Batch, InboxItem, StoreError, Worker};
use crate::telegram::api::BotApi;
use crate::telegram::files::{self, FileCheck};
use crate::tr;
use serde_json::Value;
use std::collections::HashSet;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{watch, Notify};

/// An update that keeps failing is given up after this many attempts (and its sender told).
const MAX_ATTEMPTS: i64 = 5;

/// How long a process may hold an update before others may take it over.
const LEASE_MS: i64 = 10_000;

/// At most this many updates share one SQLite transaction,
const BATCH: i64 = 256;
/// and a batch takes no new update after running this long: it holds the write lock, so
/// the poller stores what arrives only between batches.
const BATCH_TIME: Duration = Duration::from_millis(20);

/// Updates that check a receipt code wait for Argon2, and pictures sent as files for their
/// header to be fetched; they run beside the others, so they never hold up other people's
/// messages, and outside any batch's transaction.
struct SideLane {
    tasks: tokio::task::JoinSet<()>,
    /// Chats with an update in the lane: their later updates wait for it.
    busy: Arc<std::sync::Mutex<HashSet<i64>>>,
    /// Fetches the headers of pictures sent as files.
    api: BotApi,
}

impl SideLane {
    fn new(api: BotApi) -> SideLane {
        SideLane {
            tasks: tokio::task::JoinSet::new(),
            busy: Arc::default(),
            api,
        }
    }

    fn busy_chats(&self) -> HashSet<i64> {
        self.busy.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    async fn spawn(&mut self, ctx: &Arc<Ctx>, wake: &Arc<Notify>, item: InboxItem) {
        while self.tasks.try_join_next().is_some() {}
        while self.tasks.len() >= MAX_CODE_CHECKS {
            self.tasks.join_next().await;
        }
        self.busy
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(item.chat_key);
        let (ctx, wake, busy, api) = (
            ctx.clone(),
            wake.clone(),
            self.busy.clone(),
            self.api.clone(),
        );
        self.tasks.spawn(async move {
            let check = match files::to_inspect(&item.payload) {
                Some(file_id) => files::check(&api, &file_id).await,
                None => FileCheck::NotChecked,
            };
            handle_counted(&ctx, &item, check).await;
            busy.lock()
                .unwrap_or_else(|p| p.into_inner())
                .remove(&item.chat_key);
            ctx.wake.outbox.notify_one();
            // The chat's next update may go now.
            wake.notify_one();
        });
    }
}

/// Handle stored updates in batches: one transaction per batch with a savepoint per update,
/// one commit and one wake per batch. On SQLite a batch is every pending update (up to
/// `BATCH`) in update order; on PostgreSQL, where replicas share the inbox, it is the updates
/// this process leased, the oldest pending one of each chat. Once `stop` turns true, return
/// when none is left to take.
pub async fn process(ctx: Arc<Ctx>, inbox: Inbox, mut stop: watch::Receiver<bool>, api: BotApi) {
    let mut lane = SideLane::new(api);
    let mut alone: Vec<InboxItem> = Vec::new();
    loop {
        // An update that failed in a batch is retried alone, in a transaction of its own.
        for item in std::mem::take(&mut alone) {
            handle_counted(&ctx, &item, FileCheck::NotChecked).await;
            ctx.wake.outbox.notify_one();
        }
        let handled = match run_batch(&ctx, &inbox, &mut lane, &mut alone).await {
            Ok(n) => {
                ctx.faults.ok(Worker::Processor);
                n
            }
            Err(e) => {
                let what = "a batch of updates (rolled back, taken again)";
                if ctx.faults.failed(Worker::Processor, what, &e).is_none() {
                    tracing::error!(error = %e, "{what} failed");
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        if handled > 0 || !alone.is_empty() {
            continue;
        }
        if *stop.borrow() {
            // Nothing was left but what the side lane holds back: once it is done, look again.
            if lane.tasks.is_empty() {
                return;
            }
            while lane.tasks.join_next().await.is_some() {}
            continue;
        }
        // Other processes store updates too (PostgreSQL); look again now and then.
        tokio::select! {
            _ = inbox.wake.notified() => {}
            _ = stop.changed() => {}
            _ = tokio::time::sleep(Duration::from_millis(500)) => {}
        }
    }
}

/// PostgreSQL: updates leased at once (at most one per chat).
const LEASED: i64 = 64;

/// One batch; how many updates it handled or sent to the side lane.
async fn run_batch(
    ctx: &Arc<Ctx>,
    inbox: &Inbox,
    lane: &mut SideLane,
    alone: &mut Vec<InboxItem>,
) -> Result<usize, StoreError> {
    let shared = ctx.store.is_postgres();
    let leased = if shared {
        let now = ctx.clock.now_ms();
        let items = ctx.store.claim_updates(LEASED, now, now + LEASE_MS).await?;
        if items.is_empty() {
            return Ok(0);
        }
        Some(items)
    } else {
        // A look first, so an idle processor never takes SQLite's write lock.
        if !ctx.store.has_pending_updates().await? {
            return Ok(0);
        }
        None
    };
    // SQLite's one write lock: the poller's turn comes between batches.
    let turn = match leased {
        None => Some(inbox.gate.lock().await),
        Some(_) => None,
    };
    let batch = Batch::begin(&ctx.store).await?;
    let inner = Arc::new(ctx.in_batch(batch.store()));
    let items = match leased {
        Some(items) => items,
        None => inner.store.pending_updates(BATCH).await?,
    };
    // Chats whose next update must wait: one in the side lane, or one that failed here.
    let mut held = lane.busy_chats();
    let mut to_lane = Vec::new();
    let mut handled = 0;
    let begun = std::time::Instant::now();
    for item in items {
        // Leased updates are all handled now: another process may take them only later.
        if !shared && begun.elapsed() >= BATCH_TIME {
            break;
        }
        if held.contains(&item.chat_key) {
            continue;
        }
        handled += 1;
        if goes_aside(&item) {
            held.insert(item.chat_key);
            to_lane.push(item);
            continue;
        }
        let started = std::time::Instant::now();
        batch.start_update().await?;
        let check = FileCheck::NotChecked;
        let outcome = match run_handlers(&inner, item.update_id, &item.payload, check).await {
            Ok(done) => {
                if !done {
                    inner.store.finish_stray_update(item.update_id).await?;
                }
                batch.end_update(true).await?;
                if done {
                    Outcome::Ok
                } else {
                    Outcome::Ignored
                }
            }
            Err(HandlerError::Store(StoreError::AlreadyHandled(_))) => {
                // Its lease ran out and another process handled it.
                batch.end_update(false).await?;
                continue;
            }
            Err(error) => {
                // The machine failed, not the update: the whole batch is rolled back and
                // taken again once the store works.
                let error = match error.into_fault() {
                    Ok(fault) => return Err(fault),
                    Err(error) => error,
                };
                // A handler that reads beside its own open transaction is a bug to fix: it
                // would wait for itself in a batch, so it fails and is retried alone.
                debug_assert!(
                    !matches!(error.store(), Some(StoreError::Busy(_))),
                    "update {}: {error}",
                    item.update_id
                );
                batch.end_update(false).await?;
                held.insert(item.chat_key);
                let outcome = failed(&inner, item.update_id, &item.payload, &error).await;
                if outcome == Outcome::Failed {
                    alone.push(item.clone());
                }
                outcome
            }
        };
        metrics::update_handled(&item.payload, outcome, started.elapsed());
    }
    drop(inner);
    batch.commit().await?;
    drop(turn);
    ctx.wake.outbox.notify_one();
    ctx.wake.timers.notify_one();
    for item in to_lane {
        lane.spawn(ctx, &inbox.wake, item).await;
    }
    Ok(handled)
}

async fn handle_counted(ctx: &Arc<Ctx>, item: &InboxItem, check: FileCheck) {
    let started = std::time::Instant::now();
    if let Some(o) = handle_one(ctx, item.update_id, &item.payload, check).await {
        metrics::update_handled(&item.payload, o, started.elapsed());
    }
}

/// Updates checking receipt codes in flight at once (Argon2 itself runs one at a time).
const MAX_CODE_CHECKS: usize = 32;

/// Does this update wait on something slow, so that it goes to the side lane: a receipt
/// code to check, or (Telegram) a picture sent as a file whose header must be fetched?
fn goes_aside(item: &InboxItem) -> bool {
    // Most updates are told apart without parsing them twice.
    let may_check_code = item.payload.contains("/tip") || item.payload.contains("/reveal");
    match Channel::of_update(item.update_id) {
        Channel::Telegram => {
            (may_check_code && checks_a_code(&item.payload))
                || files::to_inspect(&item.payload).is_some()
        }
        Channel::Wecom => {
            may_check_code
                && crate::wecom::context::text_of(&item.payload).is_some_and(|t| gives_a_code(&t))
        }
    }
}

/// Does this Telegram update give a receipt code (`/tip CODE`, `/reveal CODE`)?
fn checks_a_code(payload: &str) -> bool {
    let Ok(update) = serde_json::from_str::<Value>(payload) else {
        return false;
    };
    update["message"]["text"].as_str().is_some_and(gives_a_code)
}

fn gives_a_code(text: &str) -> bool {
    let mut words = text.split_whitespace();
    let command = words.next().unwrap_or("");
    let name = command.split('@').next().unwrap_or("");
    matches!(name, "/tip" | "/reveal") && words.next().is_some()
}

/// Handle one stored update in a transaction of its own; `None` when another process had
/// handled it.
async fn handle_one(
    ctx: &Arc<Ctx>,
    update_id: i64,
    payload: &str,
    check: FileCheck,
) -> Option<Outcome> {
    let error = match run_handlers(ctx, update_id, payload, check).await {
        Ok(true) => return Some(Outcome::Ok),
        Ok(false) => {
            // Nothing to do: mark it, as no handler did.
            if let Err(e) = ctx.store.finish_stray_update(update_id).await {
                tracing::error!(update_id, error = %e, "marking an update handled failed");
            }
            return Some(Outcome::Ignored);
        }
        Err(HandlerError::Store(StoreError::AlreadyHandled(_))) => {
            tracing::debug!(update_id, "another process handled this update first");
            return None;
        }
        Err(e) => e,
    };
    let outcome = failed(ctx, update_id, payload, &error).await;
    if outcome == Outcome::Failed {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Some(outcome)
}

/// Count a failed attempt; after the last one the update is given up and its sender told.
async fn failed(ctx: &Arc<Ctx>, update_id: i64, payload: &str, error: &HandlerError) -> Outcome {
    if let Some(e) = error.store() {
        // A full disk or a lost database is no fault of the update: no attempt is counted,
        // so nothing is given up however long the fault lasts.
        if ctx
            .faults
            .failed(Worker::Processor, "handling an update", e)
            .is_some()
        {
            return Outcome::Failed;
        }
    }
    tracing::error!(update_id, error = %error, "handling an update failed");
    match ctx.store.update_failed(update_id, MAX_ATTEMPTS).await {
        Ok(true) => {
            tell_sender_it_failed(ctx, update_id, payload).await;
            Outcome::GivenUp
        }
        Ok(false) => Outcome::Failed,
        Err(e) => {
            tracing::error!(update_id, error = %e, "recording a failed update failed");
            Outcome::Failed
        }
    }
}

/// A stored update read as the domain's input by the reader of the channel it came through.
async fn read(
    ctx: &Ctx,
    update_id: i64,
    payload: &str,
    check: FileCheck,
) -> Result<Option<Input>, StoreError> {
    match Channel::of_update(update_id) {
        Channel::Telegram => crate::telegram::context::read(ctx, update_id, payload, check).await,
        Channel::Wecom => crate::wecom::context::read(ctx, update_id, payload).await,
    }
}

/// Route the update (`route::handle`); true if it was committed as done. `check` is what
/// intake learned of a picture sent as a file.
async fn run_handlers(
    ctx: &Arc<Ctx>,
    update_id: i64,
    payload: &str,
    check: FileCheck,
) -> Result<bool, HandlerError> {
    let Some(input) = read(ctx, update_id, payload, check).await? else {
        return Ok(false);
    };
    crate::route::handle(ctx, &input).await?;
    Ok(input.finished.load(Ordering::Relaxed))
}

/// Nothing is dropped silently: the person learns their message was not handled.
async fn tell_sender_it_failed(ctx: &Arc<Ctx>, update_id: i64, payload: &str) {
    let Ok(Some(inc)) = read(ctx, update_id, payload, FileCheck::NotChecked).await else {
        return;
    };
    let mut r = inc.replies();
    r.text(tr!(ctx.i18n, inc.lang, "internal-error"));
    if let Err(e) = r.send_only(ctx).await {
        tracing::error!(update_id, error = %e, "could not tell the sender their update failed");
    }
}

#[cfg(test)]
mod tests {
    use super::checks_a_code;

    #[test]
    fn updates_with_a_receipt_code_are_told_apart() {
        let msg = |text: &str| {
            serde_json::json!({"update_id": 1, "message": {"chat": {"id": 5}, "text": text}})
                .to_string()
        };
        assert!(checks_a_code(&msg("/tip abcdefgh12345678")));
        assert!(checks_a_code(&msg("/tip@lookout_bot abc more text")));
        assert!(checks_a_code(&msg("/reveal abc")));
        assert!(!checks_a_code(&msg("/tip")));
        assert!(!checks_a_code(&msg("/tips abc")));
        assert!(!checks_a_code(&msg("/help")));
        assert!(!checks_a_code(&msg("tip abc")));
        assert!(!checks_a_code(r#"{"update_id": 2, "callback_query": {}}"#));
        assert!(!checks_a_code("not json"));
    }
}
