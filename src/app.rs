//! Builds the whole bot from settings: the one place `run`, the demo and the tests start it.
use crate::channel::Channel;
use crate::clock::Clock;
use crate::config::{Config, Lang};
use crate::context::{Ctx, Features, Wakers};
use crate::crypto::TipKey;
use crate::delivery::{Limits, Sender};
use crate::i18n::I18n;
use crate::intake;
use crate::ops::{http, serve_lock};
use crate::schedule;
use crate::store::{Outgoing, Store};
use crate::telegram::api::BotApi;
use crate::telegram::webhook;
use anyhow::Context as _;
use serde_json::json;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub struct Settings {
    pub token: String,
    /// Bot API base URL (`TELOXIDE_API_URL`), e.g. `https://api.telegram.org/`.
    pub api_url: String,
    pub database_url: String,
    pub config: Config,
    pub clock: Clock,
    pub limits: Limits,
    /// Long-poll timeout; short in tests so a stopped bot lets go quickly.
    pub poll_timeout_secs: u64,
    /// Long-poll Telegram for updates (without a webhook). Among replicas on PostgreSQL one
    /// at a time does, holding the poller lock.
    pub poll: bool,
    /// The tip key (`LOOKOUT_TIP_KEY`, read by the command line); `None` reads the key file in
    /// the working directory, created when missing.
    pub tip_key: Option<[u8; 32]>,
    /// Take updates by webhook instead of long polling.
    pub webhook: Option<Webhook>,
    /// Caps every Bot API request's timeout; `None` keeps each request's own. Tests use a
    /// short one to see timeouts without waiting for them.
    pub api_timeout_cap: Option<Duration>,
    /// What the HTTP listeners grant a client; tests make these short or small.
    pub http: http::HttpLimits,
    /// How long a board built for one unit and language answers every page asking for it
    /// (`board::cache`); zero builds one per request (tests that look right after a change).
    pub board_cache: Duration,
    /// WeCom's secrets (from the environment), when `[wecom]` is configured.
    pub wecom: Option<WecomSecrets>,
}

/// The WeCom app's Secret and its callback's Token and EncodingAESKey. Never printed.
#[derive(Clone)]
pub struct WecomSecrets {
    pub secret: String,
    pub token: String,
    pub aes_key: String,
}

impl std::fmt::Debug for WecomSecrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WecomSecrets(..)")
    }
}

/// Webhook mode: where to listen, the secret Telegram must present, and optionally the
/// public address to register with Telegram (`setWebhook`) on start.
#[derive(Debug, Clone)]
pub struct Webhook {
    pub listen: SocketAddr,
    pub secret: String,
    pub public_url: Option<String>,
}

impl Settings {
    pub fn new(token: &str, api_url: &str, database_url: &str, config: Config) -> Settings {
        Settings {
            token: token.to_string(),
            api_url: api_url.to_string(),
            database_url: database_url.to_string(),
            config,
            clock: Clock::system(),
            limits: Limits::telegram(),
            poll_timeout_secs: 25,
            poll: true,
            tip_key: None,
            webhook: None,
            api_timeout_cap: None,
            http: http::HttpLimits::default(),
            board_cache: crate::board::cache::WINDOW,
            wecom: None,
        }
    }
}

/// A running bot: its background tasks and a handle on its store.
pub struct Running {
    pub store: Store,
    /// Wake the loops after changing the database from outside a handler.
    pub wake: Wakers,
    /// Where the webhook server listens, in webhook mode.
    pub webhook_addr: Option<SocketAddr>,
    /// Where `/healthz`, `/readyz` and `/metrics` answer (`[http] listen`, or the webhook's
    /// address in webhook mode).
    pub http_addr: Option<SocketAddr>,
    /// One server per SQLite file: held until this process stops.
    _serve_lock: Option<serve_lock::ServeLock>,
    sender: Sender,
    sending: JoinHandle<()>,
    /// Where updates come from: the poller or the webhook server.
    intake: Option<JoinHandle<()>>,
    stop_intake: watch::Sender<bool>,
    processor: JoinHandle<()>,
    stop_processor: watch::Sender<bool>,
    tasks: Vec<(&'static str, JoinHandle<()>)>,
}

impl Running {
    /// Resolves, naming it, when a loop of the bot ends although nothing stopped it (it
    /// panicked): this process cannot go on serving, and must exit so that its supervisor
    /// starts it again rather than stay up doing nothing.
    pub async fn died(&mut self) -> &'static str {
        let mut loops: Vec<(&'static str, &mut JoinHandle<()>)> = vec![
            ("the processor", &mut self.processor),
            ("the sender", &mut self.sending),
        ];
        if let Some(intake) = &mut self.intake {
            loops.push(("the intake", intake));
        }
        loops.extend(self.tasks.iter_mut().map(|(name, t)| (*name, t)));
        let waits = loops
            .into_iter()
            .map(|(name, t)| Box::pin(async move { (name, t.await) }));
        let ((name, ended), _, _) = futures::future::select_all(waits).await;
        if let Err(e) = ended {
            tracing::error!(error = %e, "{name} stopped");
        }
        name
    }

    /// Stop at once, as a crash would: whatever is not committed is redone on the next start.
    pub fn kill(self) {
        let own = [&self.processor, &self.sending];
        let tasks = self.tasks.iter().map(|(_, t)| t);
        for t in tasks.chain(&self.intake).chain(own) {
            t.abort();
        }
        self.sender.abort();
        // A dead process holds no database locks; an aborted task's open transaction does
        // until its connection closes, so close them as a crash would.
        let store = self.store;
        tokio::spawn(async move { store.close().await });
    }

    /// Stop taking updates, handle the ones already taken, let messages already on their way
    /// to Telegram finish (so their results are recorded and nothing is sent twice after a
    /// restart), then close.
    pub async fn shutdown(self) {
        let _ = self.stop_intake.send(true);
        if let Some(intake) = self.intake {
            // The webhook server finishes the requests in hand; a long poll is dropped
            // (Telegram resends what it did not see confirmed).
            finish(intake, "webhook requests").await;
        }
        let _ = self.stop_processor.send(true);
        finish(self.processor, "handling stored updates").await;
        for (_, t) in &self.tasks {
            t.abort();
        }
        // The sender keeps its lock until the sends on their way are recorded.
        self.sender.stop();
        finish(self.sending, "sending the messages on their way").await;
        self.store.close().await;
    }
}

/// Wait up to `GRACE` for a stopping task, then cut it off (what it did not commit is
/// redone by another process or the next start).
async fn finish(task: JoinHandle<()>, what: &str) {
    let abort = task.abort_handle();
    if tokio::time::timeout(GRACE, task).await.is_err() {
        tracing::warn!("{what} did not finish within {GRACE:?}; cut off");
        abort.abort();
    }
}

/// How long each stage of a graceful shutdown may take.
const GRACE: Duration = Duration::from_secs(10);

pub async fn open_store(database_url: &str) -> anyhow::Result<Store> {
    let store = Store::connect(database_url)
        .await
        .with_context(|| format!("opening database {}", redact(database_url)))?;
    store.migrate().await.context("applying migrations")?;
    Ok(store)
}

/// Hide a password in a database URL before it reaches a log or error.
fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        _ => url.to_string(),
    }
}

/// A notice as its recipient's channel sends it (a press answer, to no chat, is Telegram's).
fn render(n: &crate::notice::Notice) -> Outgoing {
    match Channel::of_chat(n.chat) {
        Channel::Telegram => crate::telegram::render::bot_api(n),
        Channel::Wecom => crate::wecom::render::wecom(n),
    }
}

/// Every feature's timer kinds, alert takers and schedules, registered into the one registry
/// the engines ask. Adding a feature is adding its `register` here.
pub fn features() -> Features {
    let mut r = Features::default();
    schedule::register(&mut r);
    // In this order the shift handover lists open alerts, overdue hazards, warnings waiting
    // for confirmation, then the day's zero report.
    crate::escalation::register(&mut r);
    crate::hazard::register(&mut r);
    crate::tip::flow::register(&mut r);
    crate::warning::register(&mut r);
    crate::zero_report::register(&mut r);
    crate::roster::register(&mut r);
    r
}

/// The domain's context for a command-line tool that queues messages for the running bot
/// (`lookout warn`): no Telegram connection of its own. Its tip key is a throwaway one, so
/// nothing it could seal would ever open; such tools queue no ephemeral messages.
pub fn offline_ctx(store: Store, config: Config, clock: Clock) -> anyhow::Result<Ctx> {
    Ok(Ctx {
        wake: Wakers::default(),
        store,
        i18n: I18n::load()?,
        config: Arc::new(config),
        clock,
        bot_username: String::new(),
        tip_key: TipKey::from_bytes(rand::random()),
        code_guard: Default::default(),
        render,
        units: Default::default(),
        faults: Default::default(),
        features: Arc::new(features()),
    })
}

pub async fn start(settings: Settings) -> anyhow::Result<Running> {
    let serve_lock = serve_lock::acquire(&settings.database_url)?;
    let store = open_store(&settings.database_url).await?;
    let mut api = BotApi::new(&settings.api_url, &settings.token);
    if let Some(cap) = settings.api_timeout_cap {
        api = api.with_timeout_cap(cap);
    }
    let me = api
        .get_me()
        .await
        .context("asking Telegram who this bot is (getMe); check TELOXIDE_TOKEN")?;
    let bot_username = me["username"].as_str().unwrap_or_default().to_string();
    let i18n = I18n::load()?;
    let tip_key = match settings.tip_key {
        Some(k) => TipKey::from_bytes(k),
        None => TipKey::load_file(&std::path::Path::new(".").join(crate::crypto::KEY_FILE))?,
    };
    let ctx = Arc::new(Ctx {
        wake: Wakers::default(),
        store: store.clone(),
        i18n,
        config: Arc::new(settings.config),
        clock: settings.clock.clone(),
        bot_username,
        tip_key,
        code_guard: Default::default(),
        render,
        units: Default::default(),
        faults: Default::default(),
        features: Arc::new(features()),
    });
    store
        .enqueue(&command_menus(&ctx), settings.clock.now_ms())
        .await
        .context("queueing the command menus")?;

    schedule::plan(&ctx)
        .await
        .context("planning the configured schedules")?;
    if let Store::Sqlite(_) = store {
        // SQLite has one process: inbox leases left by its previous life belong to nobody.
        // (Outbox leases are freed by whichever process takes the sender lock.)
        store
            .release_update_leases()
            .await
            .context("releasing stale inbox leases")?;
    }

    // The webhook's listener serves the operator routes too; `[http] listen` at another
    // address adds a listener with only those (e.g. a private one for Prometheus). Bound
    // before anything starts, so a taken address stops the start cleanly.
    let hook_listen = settings.webhook.as_ref().map(|h| h.listen);
    let ops_listener = match ctx.config.http.listen.filter(|a| Some(*a) != hook_listen) {
        Some(listen) => Some(
            tokio::net::TcpListener::bind(listen)
                .await
                .with_context(|| format!("listening for health and metrics on {listen}"))?,
        ),
        None => None,
    };
    let inbox = crate::inbound::Inbox::new(ctx.faults.clone());
    let wecom = wecom_parts(&ctx.config, settings.wecom.as_ref())?.map(|(api, crypto)| {
        match settings.api_timeout_cap {
            Some(cap) => (api.with_timeout_cap(cap), crypto),
            None => (api, crypto),
        }
    });

    let sender = Sender::new(
        store.clone(),
        api.clone(),
        wecom.as_ref().map(|(api, _)| api.clone()),
        settings.clock.clone(),
        settings.limits,
        ctx.wake.outbox.clone(),
        Some(ctx.tip_key.clone()),
        ctx.faults.clone(),
    );
    let (stop_processor, stop) = watch::channel(false);
    let processor = tokio::spawn(intake::process(
        ctx.clone(),
        inbox.clone(),
        stop,
        api.clone(),
    ));
    let sending = tokio::spawn(sender.clone().run());
    let mut tasks = vec![
        ("the timers", tokio::spawn(schedule::run(ctx.clone()))),
        (
            "retention",
            tokio::spawn(crate::retention::run(
                store.clone(),
                settings.clock.clone(),
                ctx.config.retention.keep,
            )),
        ),
    ];
    let (stop_intake, stop) = watch::channel(false);
    let mut webhook_addr = None;
    let mut ops = http::router(store.clone(), settings.clock.clone(), ctx.faults.clone()).merge(
        crate::board::http::router(
            ctx.clone(),
            Some(crate::board::webapp::WebAppKey::from_bot_token(
                &settings.token,
            )),
            settings.board_cache,
        ),
    );
    if let Some((_, crypto)) = wecom {
        let clock = settings.clock.clone();
        ops = ops.merge(crate::wecom::callback::router(
            crypto,
            store.clone(),
            clock,
            inbox.clone(),
        ));
    }
    let mut http_addr = None;
    if let Some(listener) = ops_listener {
        http_addr = Some(listener.local_addr()?);
        tasks.push((
            "the HTTP listener",
            tokio::spawn(http::serve(
                listener,
                ops.clone(),
                settings.http,
                stop.clone(),
            )),
        ));
    }
    let intake = match settings.webhook {
        Some(hook) => {
            let listener = tokio::net::TcpListener::bind(hook.listen)
                .await
                .with_context(|| format!("listening for webhooks on {}", hook.listen))?;
            webhook_addr = Some(listener.local_addr()?);
            http_addr = http_addr.or(webhook_addr);
            let app =
                webhook::router(store.clone(), settings.clock, &hook.secret, inbox).merge(ops);
            if let Some(url) = &hook.public_url {
                let params = json!({ "url": url, "secret_token": hook.secret });
                api.call("setWebhook", &params, Duration::from_secs(30))
                    .await
                    .with_context(|| {
                        format!("registering the webhook {url} with Telegram (setWebhook)")
                    })?;
            }
            Some(tokio::spawn(http::serve(
                listener,
                app,
                settings.http,
                stop,
            )))
        }
        None if settings.poll => Some(tokio::spawn(crate::telegram::poller::poll(
            api,
            ctx.clone(),
            settings.poll_timeout_secs,
            inbox,
            stop,
        ))),
        None => None,
    };
    Ok(Running {
        wake: ctx.wake.clone(),
        store,
        webhook_addr,
        http_addr,
        _serve_lock: serve_lock,
        sender,
        sending,
        intake,
        stop_intake,
        processor,
        stop_processor,
        tasks,
    })
}

/// WeCom's API client and the callback's cryptography, when `[wecom]` is configured.
fn wecom_parts(
    config: &Config,
    secrets: Option<&WecomSecrets>,
) -> anyhow::Result<Option<(crate::wecom::api::WecomApi, crate::wecom::crypto::Crypto)>> {
    let Some(w) = &config.wecom else {
        return Ok(None);
    };
    let s = secrets.context("[wecom] is configured but its secrets were not given")?;
    let crypto = crate::wecom::crypto::Crypto::new(&s.token, &s.aes_key, &w.corp_id)
        .map_err(|e| anyhow::anyhow!("LOOKOUT_WECOM_AES_KEY: {e}"))?;
    let api =
        crate::wecom::api::WecomApi::new(&w.api_url, &w.corp_id, w.agent_id, s.secret.clone());
    Ok(Some((api, crypto)))
}

/// The command menu, per language (setMyCommands). The idempotency key follows the content,
/// so a changed menu is registered once after an upgrade.
fn command_menus(ctx: &Ctx) -> Vec<Outgoing> {
    let mut out = Vec::new();
    for (lang, code) in [(Lang::ZhCn, None), (Lang::En, Some("en"))] {
        for (scope, names) in [
            (
                "default",
                &[
                    "start", "help", "report", "zero", "incident", "today", "duty", "status",
                    "ack", "ok", "warn", "board", "tip", "lang", "cancel", "stats", "invite",
                    "season",
                ][..],
            ),
            (
                "all_group_chats",
                &["zero", "incident", "today", "ack", "ok", "bind", "help"][..],
            ),
        ] {
            let commands: Vec<_> = names
                .iter()
                .map(|n| json!({ "command": n, "description": ctx.i18n.t(lang, &format!("cmd-{n}"), &[]) }))
                .collect();
            let mut payload = json!({ "commands": commands, "scope": { "type": scope } });
            if let Some(c) = code {
                payload["language_code"] = c.into();
            }
            let digest = crate::org::invite::hash_code(&payload.to_string());
            out.push(Outgoing {
                idem_key: format!("menu.{}", &digest[..16]),
                chat_id: 0,
                method: "setMyCommands".into(),
                payload,
                edit_of: None,
                ephemeral: false,
                urgent: false,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_feature_registers_its_timers_takers_and_schedules() {
        let r = features(); // registering a name twice would panic here
        let mut kinds: Vec<&str> = r.timer_kinds().collect();
        kinds.sort_unstable();
        let mut expected = vec![
            crate::escalation::STEP,
            crate::escalation::RETRIGGER,
            crate::escalation::WAKE,
            crate::zero_report::NAG,
            crate::hazard::OVERDUE,
            crate::hazard::draft::EXPIRY,
            crate::tip::FORGET,
            crate::warning::RESEND,
            crate::warning::ESCALATE,
            crate::warning::EXPIRE,
            crate::warning::TALLY,
            schedule::SCHEDULE,
        ];
        expected.sort_unstable();
        assert_eq!(kinds, expected);
        for kind in ["hazard", "tip", "warning", "zero"] {
            assert!(r.taker(kind).is_some(), "{kind}");
        }
        // Alerts about these are acknowledged as alerts only.
        for kind in ["zincident", "hazard-overdue"] {
            assert!(r.taker(kind).is_none(), "{kind}");
        }
        let names: Vec<&str> = r.schedules().iter().map(|s| s.name).collect();
        assert_eq!(
            names,
            [
                "zero_report.remind",
                "zero_report.deadline",
                "zero_report.summary",
                "roster.shift"
            ]
        );
    }
}
