//! The metrics page (`GET /metrics`): the series recorded in `crate::metrics`, then what
//! waits in the database, read at each scrape.
//!
//! No label ever carries a chat id, a user id, a name or the token: every label value is
//! one of the fixed words of `crate::metrics` or below.
use crate::store::{Fault, Store};
use prometheus::{Encoder, IntGauge, IntGaugeVec, Opts, Registry, TextEncoder};

/// The metrics page: the recorded series, then what waits in the database now.
/// A database that does not answer gives `lookout_database_up 0` and no database figures.
pub async fn render(store: &Store, now: i64) -> String {
    for fault in Fault::ALL {
        crate::metrics::declare_store_error(fault.kind());
    }
    let mut families = crate::metrics::recorded();
    match database_families(store, now).await {
        Ok(mut more) => families.append(&mut more),
        Err(e) => {
            tracing::warn!(error = %e, "metrics: the database did not answer");
            if let Ok(up) = gauge("lookout_database_up", "1 while the database answers", 0) {
                families.append(&mut up.gather());
            }
        }
    }
    let mut out = Vec::new();
    if let Err(e) = TextEncoder::new().encode(&families, &mut out) {
        tracing::error!(error = %e, "metrics: encoding failed");
    }
    String::from_utf8(out).unwrap_or_default()
}

#[derive(Debug, thiserror::Error)]
enum ScrapeError {
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error(transparent)]
    Metric(#[from] prometheus::Error),
}

/// A registry of one gauge with this value.
fn gauge(name: &str, help: &str, value: i64) -> prometheus::Result<Registry> {
    let r = Registry::new();
    let g = IntGauge::new(name, help)?;
    g.set(value);
    r.register(Box::new(g))?;
    Ok(r)
}

async fn database_families(
    store: &Store,
    now: i64,
) -> Result<Vec<prometheus::proto::MetricFamily>, ScrapeError> {
    let g = store.gauges(now).await?;
    let oldest = g.outbox_oldest_at.map_or(0, |at| (now - at).max(0) / 1000);
    let plain = [
        ("lookout_database_up", "1 while the database answers", 1),
        (
            "lookout_outbox_pending",
            "Messages waiting to be sent",
            g.outbox_pending,
        ),
        (
            "lookout_outbox_oldest_pending_age_seconds",
            "Age of the oldest message waiting to be sent (0 when none waits)",
            oldest,
        ),
        (
            "lookout_inbox_pending",
            "Stored updates not yet handled",
            g.inbox_pending,
        ),
        (
            "lookout_timers_overdue",
            "Timers past their due time and not yet run",
            g.timers_overdue,
        ),
        (
            "lookout_zero_round_units_expected",
            "Units expected to answer the latest zero-report round",
            g.round.0,
        ),
        (
            "lookout_zero_round_units_answered",
            "Units that answered the latest zero-report round",
            g.round.1,
        ),
        (
            "lookout_zero_round_units_late",
            "Units that answered the latest zero-report round after its deadline",
            g.round.2,
        ),
        (
            "lookout_warnings_active",
            "Warnings in force (issued, not yet ended)",
            g.warnings_active,
        ),
    ];
    let mut families = Vec::new();
    for (name, help, value) in plain {
        families.append(&mut gauge(name, help, value)?.gather());
    }
    let r = Registry::new();
    let escalations = IntGaugeVec::new(
        Opts::new(
            "lookout_escalations_open",
            "Escalations not yet resolved, by state",
        ),
        &["state"],
    )?;
    for state in ["open", "acknowledged", "snoozed"] {
        let n = g
            .escalations
            .iter()
            .find(|(s, _)| s == state)
            .map_or(0, |(_, n)| *n);
        escalations.with_label_values(&[state]).set(n);
    }
    r.register(Box::new(escalations))?;
    let recipients = IntGaugeVec::new(
        Opts::new(
            "lookout_warning_recipients",
            "Recipients of the warnings in force, by state",
        ),
        &["state"],
    )?;
    for state in crate::store::RecipientState::ALL.map(|s| s.as_str()) {
        let n = g
            .warning_recipients
            .iter()
            .find(|(s, _)| s == state)
            .map_or(0, |(_, n)| *n);
        recipients.with_label_values(&[state]).set(n);
    }
    r.register(Box::new(recipients))?;
    families.append(&mut r.gather());
    Ok(families)
}
