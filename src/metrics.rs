//! Prometheus series recorded where things happen (intake, the Bot API client, the
//! scheduler, the store's faults), one line each; `ops::metrics` serves them with what waits
//! in the database. The series are per process, as Prometheus scrapes processes.
//!
//! No label ever carries a chat id, a user id, a name or the token: every label value is
//! one of the fixed words below.
use prometheus::{Histogram, HistogramOpts, IntCounter, IntCounterVec, Opts, Registry};
use serde::de::IgnoredAny;
use std::sync::LazyLock;
use std::time::Duration;

/// What kind of update was handled (the `kind` label).
pub const KINDS: [&str; 7] = [
    "command",
    "message",
    "edited_message",
    "callback",
    "member",
    "channel_post",
    "other",
];

/// How handling an update ended (the `outcome` label).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// A handler did its work and committed.
    Ok,
    /// Nothing to do for it (no handler, unreadable).
    Ignored,
    /// This attempt failed; it is tried again.
    Failed,
    /// It kept failing and was given up (its sender told).
    GivenUp,
}

impl Outcome {
    pub const ALL: [Outcome; 4] = [
        Outcome::Ok,
        Outcome::Ignored,
        Outcome::Failed,
        Outcome::GivenUp,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Ignored => "ignored",
            Outcome::Failed => "failed",
            Outcome::GivenUp => "given_up",
        }
    }
}

struct Series {
    registry: Registry,
    updates: IntCounterVec,
    handling: Histogram,
    rate_limited: IntCounter,
    server_errors: IntCounter,
    lateness: Histogram,
    store_errors: IntCounterVec,
    board_builds: IntCounter,
}

static SERIES: LazyLock<Series> = LazyLock::new(|| {
    // The names and buckets are constants: registering them cannot fail.
    Series::new().expect("metric definitions are valid")
});

impl Series {
    fn new() -> prometheus::Result<Series> {
        let registry = Registry::new();
        let updates = IntCounterVec::new(
            Opts::new(
                "lookout_updates_handled_total",
                "Updates handled, by kind and outcome",
            ),
            &["kind", "outcome"],
        )?;
        // Every combination from the start, so each series exists before its first event.
        for kind in KINDS {
            for outcome in Outcome::ALL {
                updates.with_label_values(&[kind, outcome.as_str()]);
            }
        }
        let handling = Histogram::with_opts(
            HistogramOpts::new(
                "lookout_update_handling_seconds",
                "Time from taking a stored update to its outcome",
            )
            .buckets(vec![
                0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
            ]),
        )?;
        let rate_limited = IntCounter::new(
            "lookout_telegram_rate_limited_total",
            "Bot API answers 429 Too Many Requests",
        )?;
        let server_errors = IntCounter::new(
            "lookout_telegram_server_errors_total",
            "Bot API answers with a 5xx status",
        )?;
        let lateness = Histogram::with_opts(
            HistogramOpts::new(
                "lookout_timer_lateness_seconds",
                "How long after its due time a timer ran",
            )
            .buckets(vec![
                0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 300.0, 3600.0,
            ]),
        )?;
        registry.register(Box::new(updates.clone()))?;
        registry.register(Box::new(handling.clone()))?;
        registry.register(Box::new(rate_limited.clone()))?;
        registry.register(Box::new(server_errors.clone()))?;
        let store_errors = IntCounterVec::new(
            Opts::new(
                "lookout_store_errors_total",
                "Store operations that failed on a fault of the machine, by kind",
            ),
            &["kind"],
        )?;
        registry.register(Box::new(lateness.clone()))?;
        registry.register(Box::new(store_errors.clone()))?;
        let board_builds = IntCounter::new(
            "lookout_board_builds_total",
            "Boards gathered from the database (pages asking within a second share one)",
        )?;
        registry.register(Box::new(board_builds.clone()))?;
        Ok(Series {
            registry,
            updates,
            handling,
            rate_limited,
            server_errors,
            lateness,
            store_errors,
            board_builds,
        })
    }
}

/// An update's handling ended; `payload` is the stored update (only its kind is read).
pub fn update_handled(payload: &str, outcome: Outcome, took: Duration) {
    let s = &*SERIES;
    s.updates
        .with_label_values(&[kind_of(payload), outcome.as_str()])
        .inc();
    s.handling.observe(took.as_secs_f64());
}

/// Telegram answered with this HTTP status; 429s and 5xx are counted.
pub fn telegram_answered(status: u16) {
    match status {
        429 => SERIES.rate_limited.inc(),
        500..=599 => SERIES.server_errors.inc(),
        _ => {}
    }
}

/// A timer ran `late_ms` after its due time.
pub fn timer_ran(late_ms: i64) {
    SERIES.lateness.observe(late_ms.max(0) as f64 / 1000.0);
}

/// A store operation failed on a fault of the machine (`Fault::kind`).
pub fn store_error(kind: &'static str) {
    SERIES.store_errors.with_label_values(&[kind]).inc();
}

/// A board was gathered from the database.
pub fn board_built() {
    SERIES.board_builds.inc();
}

/// The kind of a raw update, read without building the whole update.
fn kind_of(payload: &str) -> &'static str {
    #[derive(serde::Deserialize)]
    struct Message {
        text: Option<String>,
    }
    #[derive(serde::Deserialize)]
    struct Shape {
        message: Option<Message>,
        edited_message: Option<IgnoredAny>,
        callback_query: Option<IgnoredAny>,
        my_chat_member: Option<IgnoredAny>,
        chat_member: Option<IgnoredAny>,
        channel_post: Option<IgnoredAny>,
        edited_channel_post: Option<IgnoredAny>,
    }
    let Ok(u) = serde_json::from_str::<Shape>(payload) else {
        return "other";
    };
    match u.message {
        Some(m) if m.text.as_deref().is_some_and(|t| t.starts_with('/')) => "command",
        Some(_) => "message",
        None if u.edited_message.is_some() => "edited_message",
        None if u.callback_query.is_some() => "callback",
        None if u.my_chat_member.is_some() || u.chat_member.is_some() => "member",
        None if u.channel_post.is_some() || u.edited_channel_post.is_some() => "channel_post",
        None => "other",
    }
}

/// A kind of store fault, shown at zero before it first happens.
pub fn declare_store_error(kind: &'static str) {
    SERIES.store_errors.with_label_values(&[kind]);
}

/// Every series recorded so far.
pub fn recorded() -> Vec<prometheus::proto::MetricFamily> {
    SERIES.registry.gather()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_of_updates() {
        let k = |s: &str| kind_of(s);
        assert_eq!(
            k(r#"{"update_id":1,"message":{"text":"/help","chat":{"id":5}}}"#),
            "command"
        );
        assert_eq!(k(r#"{"update_id":1,"message":{"text":"hi"}}"#), "message");
        assert_eq!(k(r#"{"update_id":1,"message":{"photo":[]}}"#), "message");
        assert_eq!(
            k(r#"{"callback_query":{"data":"x"},"update_id":2}"#),
            "callback"
        );
        assert_eq!(k(r#"{"update_id":3,"my_chat_member":{}}"#), "member");
        assert_eq!(k(r#"{"update_id":3,"poll":{}}"#), "other");
        assert_eq!(k("not json"), "other");
    }
}
