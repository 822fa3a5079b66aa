//! The outbox sender: drains the durable outbox within each channel's limits, retries what
//! can be retried, and records what never can be delivered. A row's method says its channel:
//! Telegram's Bot API methods, or WeCom's (`wecom::render`), sent by `wecom_send`.
mod pacing;
mod wecom;

pub use pacing::{Limits, Pacer};

use crate::clock::Clock;
use crate::context::{Sealed, SEALED, SEALED_TO};
use crate::crypto::TipKey;
use crate::store::{DueMessage, Faults, Job, JobLock, SentState, Store, Worker};
use crate::telegram::api::{ApiError, BotApi};
use crate::wecom::api::WecomApi;
use serde_json::Value;
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{Notify, OnceCell, Semaphore};
use tokio::task::JoinSet;
use wecom::wecom_error;

/// How long a claimed message stays reserved for this sender: longer than a send may take.
/// Only one process sends, so this only matters if two briefly overlap (a holder that lost
/// its lock finishing a pass); a successor frees a dead sender's claims at once.
const LEASE: Duration = Duration::from_secs(30);
/// Sends on their way at once (Telegram answers in ~100 ms; 30/s needs only a few).
const IN_FLIGHT: u32 = 32;
const SEND_TIMEOUT: Duration = Duration::from_secs(20);
const MAX_BACKOFF_SECS: u64 = 300;
/// How often a standby asks for the sender lock, and the holder checks it still has it.
const LOCK_RETRY: Duration = Duration::from_secs(1);
/// Passes start at most this often.
const MIN_PASS_GAP: Duration = Duration::from_millis(25);
/// Look at the database at least this often (other processes may enqueue too).
const IDLE_CHECK: Duration = Duration::from_secs(1);
/// Waits for the overall send slot shorter than this happen inside a pass.
const SLOT_WAIT: Duration = Duration::from_millis(200);
/// A pass waits for slots at most this long before it looks at the queue again, so urgent
/// messages queued meanwhile (by this process or another) wait behind a few routine ones,
/// not behind the whole fetched batch.
const PASS_BUDGET: Duration = Duration::from_millis(250);
/// How soon a result that could not be recorded (a full disk, a lost database) is tried again.
const RECORD_RETRY: Duration = Duration::from_secs(1);
/// A message claimed this many times without a result (each time the process died while
/// sending it: an out-of-memory kill while decoding a file) is given up when next claimed.
pub const MAX_CLAIMS: i64 = 3;
/// Pictures downloaded and decoded at once (each may take up to 160 MB while decoding).
const DECODES: usize = 2;
/// A scrubbed picture is kept this long, so a tip's file is decoded once for every desk
/// member it goes to (they are sent within seconds of each other),
const KEEP_SCRUBBED: Duration = Duration::from_secs(300);
/// and at most this many are kept (a re-encoded picture is at most 2560 a side: ~1 MB).
const KEPT_SCRUBBED: usize = 16;

#[derive(Clone)]
pub struct Sender {
    store: Store,
    api: BotApi,
    /// WeCom's API, when `[wecom]` is configured.
    wecom: Option<WecomApi>,
    clock: Clock,
    pacer: Arc<Pacer>,
    wake: Arc<Notify>,
    in_flight: Arc<Semaphore>,
    /// Opens messages sealed by `Ctx::seal`.
    key: Option<TipKey>,
    /// Pictures that came as files, cleaned once for all their recipients.
    scrubbed: Arc<Scrubbed>,
    /// The sends on their way, so that stopping the sender stops them too.
    tasks: Arc<std::sync::Mutex<JoinSet<()>>>,
    /// Set by `stop`: take no more messages.
    stopping: Arc<AtomicBool>,
    /// Messages sent whose result is not recorded yet: no pass claims them meanwhile.
    recording: Arc<std::sync::Mutex<HashSet<i64>>>,
    faults: Faults,
}

/// A message in `Sender::recording` for as long as this lives.
struct Recording<'a>(&'a std::sync::Mutex<HashSet<i64>>, i64);

impl<'a> Recording<'a> {
    fn start(set: &'a std::sync::Mutex<HashSet<i64>>, id: i64) -> Recording<'a> {
        set.lock().unwrap_or_else(|p| p.into_inner()).insert(id);
        Recording(set, id)
    }
}

impl Drop for Recording<'_> {
    fn drop(&mut self) {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&self.1);
    }
}

impl Sender {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        store: Store,
        api: BotApi,
        wecom: Option<WecomApi>,
        clock: Clock,
        limits: Limits,
        wake: Arc<Notify>,
        key: Option<TipKey>,
        faults: Faults,
    ) -> Sender {
        // On the context's clock, so that a test moving the clock moves the chats' spacing.
        let pacer = Arc::new(Pacer::new(limits, clock.clone()));
        Sender {
            store,
            api,
            wecom,
            clock,
            pacer,
            wake,
            in_flight: Arc::new(Semaphore::new(IN_FLIGHT as usize)),
            tasks: Arc::default(),
            stopping: Arc::default(),
            recording: Arc::default(),
            key,
            faults,
            scrubbed: Arc::new(Scrubbed::new()),
        }
    }

    /// Take no more messages; `run` returns at its next safe point (never between claiming
    /// a message and sending it, which would strand the claim until its lease ends).
    pub fn stop(&self) {
        self.stopping.store(true, Ordering::SeqCst);
        self.wake.notify_one();
    }

    /// Drop every send on its way, as a crash would (their messages stay claimed until the
    /// next process takes the sender lock).
    pub fn abort(&self) {
        self.tasks
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .abort_all();
    }

    /// Resolves once no send is in flight.
    async fn drained(&self) {
        let _ = self.in_flight.acquire_many(IN_FLIGHT).await;
    }

    /// Send for as long as this process holds the sender job; stand by while another does.
    pub async fn run(self) {
        while !self.stopping.load(Ordering::SeqCst) {
            match self.store.try_job(Job::Sender).await {
                Ok(Some(lock)) => {
                    tracing::info!("holding the sender lock: this process sends");
                    self.send_while_held(lock).await;
                }
                Ok(None) => {}
                Err(e) => {
                    if self
                        .faults
                        .failed(Worker::Sender, "asking for the sender lock", &e)
                        .is_none()
                    {
                        tracing::warn!(error = %e, "asking for the sender lock failed");
                    }
                }
            }
            if !self.stopping.load(Ordering::SeqCst) {
                tokio::time::sleep(LOCK_RETRY).await;
            }
        }
    }

    async fn send_while_held(&self, mut lock: JobLock) {
        // The previous sender is gone (its lock went with its connection): what it had
        // claimed it will never send, so it is free now rather than when its lease ends.
        if let Err(e) = self.store.release_leases().await {
            tracing::warn!(error = %e, "releasing the previous sender's leases failed");
        }
        let mut checked = Instant::now();
        while !self.stopping.load(Ordering::SeqCst) {
            if checked.elapsed() >= LOCK_RETRY {
                if !lock.held().await {
                    tracing::warn!("lost the sender lock");
                    return;
                }
                checked = Instant::now();
            }
            let started = Instant::now();
            let wait = match self.pass().await {
                Ok(wait) => {
                    self.faults.ok(Worker::Sender);
                    wait
                }
                Err(e) => {
                    if self
                        .faults
                        .failed(Worker::Sender, "an outbox pass", &e)
                        .is_none()
                    {
                        tracing::error!(error = %e, "outbox pass failed");
                    }
                    Duration::from_secs(1)
                }
            };
            tokio::select! {
                _ = self.wake.notified() => {}
                _ = tokio::time::sleep(wait.min(LOCK_RETRY)) => {}
            }
            // A burst of incoming updates wakes the sender with every commit; a pass costs
            // database work the handlers need, and Telegram takes 30 messages/s at most.
            tokio::time::sleep(MIN_PASS_GAP.saturating_sub(started.elapsed())).await;
        }
        // Stopping: keep the lock until the sends on their way are recorded, so no successor
        // sends them again.
        self.drained().await;
        drop(lock);
    }

    /// Start sending every message that may go now; returns how long to wait before the next pass.
    async fn pass(&self) -> Result<Duration, crate::store::StoreError> {
        let now = self.clock.now_ms();
        // About two seconds of sends at the overall limit: new messages (and callback answers)
        // are picked up at least that often.
        let mut due = self.store.due_messages(now, 60).await?;
        let mut wait = IDLE_CHECK;
        // Those whose chat may take a message now are claimed in one statement; what the
        // pass does not get to is given back at its end.
        let recording = self
            .recording
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        due.retain(|m| {
            if recording.contains(&m.id) {
                return false;
            }
            let chat_wait = self.pacer.chat_wait(m.chat_id);
            if !chat_wait.is_zero() {
                wait = wait.min(chat_wait);
            }
            chat_wait.is_zero()
        });
        let ids: Vec<i64> = due.iter().map(|m| m.id).collect();
        let lease_until = self.clock.now_ms() + LEASE.as_millis() as i64;
        let claim = self
            .store
            .claim_messages(&ids, now, lease_until, MAX_CLAIMS)
            .await?;
        for id in &claim.given_up {
            tracing::error!(
                id,
                claims = MAX_CLAIMS,
                "a message was given up: sending it never finished (the process stopped each time)"
            );
        }
        let claimed: HashSet<i64> = claim.taken.into_iter().collect();
        let mut unsent = Vec::new();
        let started = Instant::now();
        for msg in due.into_iter().filter(|m| claimed.contains(&m.id)) {
            if started.elapsed() >= PASS_BUDGET || self.stopping.load(Ordering::SeqCst) {
                wait = Duration::ZERO;
                unsent.push(msg.id);
                continue;
            }
            // A free chat waiting only for the next overall slot waits here, so the fetched
            // batch keeps the sender busy without another database round trip.
            let paid = is_paid(&msg);
            let reserved = loop {
                match self.pacer.reserve(msg.chat_id, paid) {
                    Ok(()) => break true,
                    Err(later)
                        if later <= SLOT_WAIT && self.pacer.chat_wait(msg.chat_id).is_zero() =>
                    {
                        tokio::time::sleep(later).await
                    }
                    Err(later) => {
                        wait = wait.min(later);
                        break false;
                    }
                }
            };
            let permit = match reserved {
                true => self.in_flight.clone().acquire_owned().await.ok(),
                false => None,
            };
            let Some(permit) = permit else {
                unsent.push(msg.id);
                continue;
            };
            let this = self.clone();
            let mut tasks = self.tasks.lock().unwrap_or_else(|p| p.into_inner());
            while tasks.try_join_next().is_some() {}
            tasks.spawn(async move {
                if let Err(e) = this.deliver(&msg).await {
                    tracing::error!(error = %e, id = msg.id, "recording a delivery result failed");
                }
                drop(permit);
                this.wake.notify_one();
            });
        }
        // Not given back, they would wait for their lease to end.
        self.store.release_claims(&unsent).await?;
        if let Some(next) = self.store.next_due().await? {
            let until = (next - self.clock.now_ms()).max(0) as u64;
            wait = wait.min(Duration::from_millis(until));
        }
        Ok(wait.max(Duration::from_millis(5)))
    }

    /// Wait until a request to this chat may leave without breaking the limits of any second.
    async fn admitted(&self, chat_id: i64, paid: bool) {
        while let Err(later) = self.pacer.admit(chat_id, paid) {
            tokio::time::sleep(later).await;
        }
    }

    async fn deliver(&self, msg: &DueMessage) -> Result<(), crate::store::StoreError> {
        let mut params: Value = serde_json::from_str(&msg.payload).unwrap_or(Value::Null);
        if !params.is_object() {
            return self
                .store
                .message_failed(msg.id, "payload is not a JSON object")
                .await;
        }
        if msg.chat_id != 0 {
            params["chat_id"] = msg.chat_id.into();
        }
        // Opened only now, just before sending: until here it waited sealed.
        if let Err(why) = self.open(&mut params) {
            return self.store.message_failed(msg.id, why).await;
        }
        if let Some(original) = &msg.edit_of {
            match self.store.sent_state(original).await? {
                Some(SentState::Sent(Some(message_id))) => params["message_id"] = message_id.into(),
                // A WeCom card has no message id: its update names its task id.
                Some(SentState::Sent(None)) if crate::wecom::render::is_wecom(&msg.method) => {}
                Some(SentState::Pending) => {
                    let later = self.clock.now_ms() + 1000;
                    return self
                        .store
                        .message_retry(msg.id, later, "original not sent yet", false)
                        .await;
                }
                _ => {
                    return self
                        .store
                        .message_failed(msg.id, "the edited message was never delivered")
                        .await
                }
            }
        }
        // The real chat: a sealed recipient's row is filed under a pseudonym, which the
        // pacer never saw.
        let chat = params["chat_id"].as_i64().unwrap_or(msg.chat_id);
        let paid = is_paid(msg);
        let result = if crate::wecom::render::is_wecom(&msg.method) {
            self.admitted(chat, paid).await;
            self.wecom_send(msg, params, chat).await
        } else {
            match crate::scrub::needed(&msg.method, &params) {
                Some(file_id) => self.send_scrubbed(&file_id, params, chat, paid).await,
                None => {
                    self.admitted(chat, paid).await;
                    self.api.call(&msg.method, &params, SEND_TIMEOUT).await
                }
            }
        };
        self.pacer.answered(chat);
        // Sent (or refused): the result is recorded whatever it takes, and until it is, no
        // pass claims the message again (a full disk must not make it go twice).
        let _recording = Recording::start(&self.recording, msg.id);
        loop {
            let now = self.clock.now_ms();
            match self.record(msg, &result, now).await {
                Err(e)
                    if self
                        .faults
                        .failed(Worker::Sender, "recording a delivery result", &e)
                        .is_some() =>
                {
                    tokio::time::sleep(RECORD_RETRY).await
                }
                done => return done,
            }
        }
    }

    /// Record what Telegram answered to `msg`.
    async fn record(
        &self,
        msg: &DueMessage,
        result: &Result<Value, ApiError>,
        now: i64,
    ) -> Result<(), crate::store::StoreError> {
        match result {
            Ok(result) => {
                self.store
                    .message_sent(msg.id, result["message_id"].as_i64(), now)
                    .await
            }
            Err(ApiError::RetryAfter(secs)) => {
                let wait = Duration::from_secs(*secs);
                self.pacer.hold(msg.chat_id, wait);
                tracing::warn!(chat = msg.log_chat(), secs, "429 from Telegram");
                self.store
                    .message_retry(msg.id, now + wait.as_millis() as i64, "429", false)
                    .await
            }
            Err(ApiError::Transient(e)) => {
                let secs = 1u64
                    .checked_shl(msg.attempts.clamp(0, 16) as u32)
                    .unwrap_or(MAX_BACKOFF_SECS);
                let backoff = secs.min(MAX_BACKOFF_SECS) * 1000;
                tracing::warn!(id = msg.id, error = %e, backoff_ms = backoff, "send failed, will retry");
                self.store
                    .message_retry(msg.id, now + backoff as i64, e, true)
                    .await
            }
            Err(ApiError::Migrated(new_id)) => {
                tracing::info!(
                    old = msg.chat_id,
                    new = new_id,
                    "group upgraded to supergroup"
                );
                self.store.migrate_chat(msg.chat_id, *new_id).await
            }
            Err(ApiError::Unreachable(e)) => {
                tracing::warn!(chat = msg.log_chat(), error = %e, "chat unreachable");
                self.store.message_failed(msg.id, e).await?;
                self.store.chat_unreachable(msg.chat_id).await
            }
            Err(ApiError::Rejected(e))
                if is_edit(&msg.method) && e.contains("message is not modified") =>
            {
                self.store.message_sent(msg.id, None, now).await
            }
            Err(ApiError::Rejected(e)) => {
                tracing::error!(id = msg.id, method = %msg.method, error = %e, "Telegram refused a message");
                self.store.message_failed(msg.id, e).await
            }
        }
    }
}

impl Sender {
    /// A sealed message's recipient and parameters, in place of the seal (`Ctx::seal`).
    fn open(&self, params: &mut Value) -> Result<(), &'static str> {
        if let Some(sealed) = params.get(SEALED).and_then(Value::as_str) {
            let opened = self.key.as_ref().and_then(|k| k.open(sealed, 0).ok());
            let Some(inside) = opened.and_then(|b| serde_json::from_slice::<Sealed>(&b).ok())
            else {
                return Err("sealed message does not open with this key");
            };
            *params = inside.params;
            if !params.is_object() {
                return Err("sealed payload is not a JSON object");
            }
            if inside.chat_id != 0 {
                params["chat_id"] = inside.chat_id.into();
            }
            return Ok(());
        }
        // A row queued before messages were sealed whole: only its recipient is.
        if let Some(sealed) = params.get(SEALED_TO).and_then(Value::as_str) {
            let opened = self.key.as_ref().and_then(|k| k.open(sealed, 0).ok());
            let Some(chat) = opened
                .and_then(|b| <[u8; 8]>::try_from(b.as_slice()).ok())
                .map(i64::from_be_bytes)
            else {
                return Err("sealed recipient does not open with this key");
            };
            params["chat_id"] = chat.into();
            if let Some(obj) = params.as_object_mut() {
                obj.remove(SEALED_TO);
            }
        }
        Ok(())
    }

    /// A picture that came as a file: fetched, decoded and re-encoded, so none of its
    /// metadata (GPS position, camera) reaches anyone; then uploaded.
    async fn send_scrubbed(
        &self,
        file_id: &str,
        mut params: Value,
        chat: i64,
        paid: bool,
    ) -> Result<Value, ApiError> {
        let jpeg = self.picture(file_id).await?;
        if let Some(obj) = params.as_object_mut() {
            obj.remove("photo");
        }
        self.admitted(chat, paid).await;
        self.api.upload_photo(&params, jpeg).await
    }
}

/// Where a picture is fetched from.
#[derive(Clone, Copy)]
enum Source<'a> {
    Telegram(&'a BotApi),
    /// WeCom, by the media id.
    Wecom(&'a WecomApi, &'a str),
}

impl Sender {
    /// A picture, fetched from where it came and cleaned (once for all its recipients).
    async fn picture(&self, file_id: &str) -> Result<bytes::Bytes, ApiError> {
        let from = match file_id.strip_prefix(crate::notice::WECOM_MEDIA_PREFIX) {
            Some(media) => Source::Wecom(self.wecom_api()?, media),
            None => Source::Telegram(&self.api),
        };
        self.scrubbed.jpeg(from, file_id).await
    }

    fn wecom_api(&self) -> Result<&WecomApi, ApiError> {
        self.wecom
            .as_ref()
            .ok_or_else(|| ApiError::Rejected("WeCom is not configured ([wecom])".into()))
    }
}

/// A picture's cleaned JPEG, or why it cannot be sent (final: sending again would not help).
type Scrub = Result<bytes::Bytes, String>;

/// Pictures being or lately cleaned, by file id: however many people one goes to, it is
/// downloaded and decoded once (the first send does it, the others wait for it), and never
/// more than `DECODES` at a time. A failure worth trying again (the download broke) is not
/// kept, so the next send tries again.
struct Scrubbed {
    cells: std::sync::Mutex<HashMap<String, Cell>>,
    decodes: Arc<Semaphore>,
}

/// One picture's cleaning: when it began, and its outcome once there is one.
type Cell = (Instant, Arc<OnceCell<Scrub>>);

impl Scrubbed {
    fn new() -> Scrubbed {
        Scrubbed {
            cells: Default::default(),
            decodes: Arc::new(Semaphore::new(DECODES)),
        }
    }

    fn cell(&self, file_id: &str) -> Arc<OnceCell<Scrub>> {
        let mut cells = self.cells.lock().unwrap_or_else(|p| p.into_inner());
        cells.retain(|_, (at, _)| at.elapsed() < KEEP_SCRUBBED);
        if !cells.contains_key(file_id) && cells.len() >= KEPT_SCRUBBED {
            let oldest = cells
                .iter()
                .min_by_key(|(_, (at, _))| *at)
                .map(|(k, _)| k.clone());
            if let Some(k) = oldest {
                cells.remove(&k);
            }
        }
        cells
            .entry(file_id.to_string())
            .or_insert_with(|| (Instant::now(), Arc::default()))
            .1
            .clone()
    }

    async fn jpeg(&self, from: Source<'_>, file_id: &str) -> Result<bytes::Bytes, ApiError> {
        let cell = self.cell(file_id);
        let scrub = cell.get_or_try_init(|| self.scrub(from, file_id)).await?;
        scrub.clone().map_err(ApiError::Rejected)
    }

    /// Download (capped) and re-encode, holding one of the `DECODES` turns throughout: the
    /// turn goes into the blocking task, so even a send dropped meanwhile (the sender
    /// stopping) frees it only once its decoder is done.
    async fn scrub(&self, from: Source<'_>, file_id: &str) -> Result<Scrub, ApiError> {
        let turn = self
            .decodes
            .clone()
            .acquire_owned()
            .await
            .map_err(|e| ApiError::Transient(e.to_string()))?;
        let max = crate::scrub::MAX_BYTES;
        let fetched = match from {
            Source::Telegram(api) => api.download(file_id, max).await,
            Source::Wecom(api, media) => api
                .download_media(media, max as u64)
                .await
                .map(|b| b.to_vec())
                .map_err(wecom_error),
        };
        let bytes = match fetched {
            Ok(bytes) => bytes,
            Err(ApiError::Rejected(e)) => return Ok(Err(e)),
            Err(e) => return Err(e),
        };
        let decoded = tokio::task::spawn_blocking(move || {
            let _turn = turn;
            crate::scrub::reencode(&bytes)
        })
        .await;
        match decoded {
            Ok(Ok(jpeg)) => Ok(Ok(jpeg.into())),
            Ok(Err(e)) => Ok(Err(e.to_string())),
            // A decoder that panics on this file would panic on it again.
            Err(e) if e.is_panic() => Ok(Err("the picture's decoder failed".into())),
            Err(e) => Err(ApiError::Transient(format!("re-encoding stopped: {e}"))),
        }
    }
}

/// A send through Telegram's paid broadcast (its own overall rate).
fn is_paid(msg: &DueMessage) -> bool {
    msg.payload.contains("allow_paid_broadcast")
        && serde_json::from_str::<Value>(&msg.payload)
            .is_ok_and(|p| p["allow_paid_broadcast"].as_bool() == Some(true))
}

fn is_edit(method: &str) -> bool {
    method.to_ascii_lowercase().starts_with("edit")
}
