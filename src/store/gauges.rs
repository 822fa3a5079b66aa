//! The figures `/metrics` reads at each scrape: what waits (outbox, inbox, timers), open
//! escalations, the latest zero-report round, and the warnings in force. Each is one indexed query.
use super::{on_pool, Result, Store};

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Gauges {
    pub outbox_pending: i64,
    /// When the oldest pending message was queued.
    pub outbox_oldest_at: Option<i64>,
    pub inbox_pending: i64,
    /// Pending timers already due.
    pub timers_overdue: i64,
    /// Escalations not yet resolved, by state (`open`, `acknowledged`, `snoozed`).
    pub escalations: Vec<(String, i64)>,
    /// The latest round opened by `now`: units expected, answered, answered late.
    pub round: (i64, i64, i64),
    /// Warnings in force, and their recipients by state (`waiting`, `confirmed`, `unreachable`).
    pub warnings_active: i64,
    pub warning_recipients: Vec<(String, i64)>,
}

impl Store {
    pub async fn gauges(&self, now: i64) -> Result<Gauges> {
        let outbox = "SELECT COUNT(*), MIN(created_at) FROM outbox WHERE state = 'pending'";
        let (outbox_pending, outbox_oldest_at): (i64, Option<i64>) =
            on_pool!(self, p => sqlx::query_as(outbox).fetch_one(p).await?);
        let timers = "SELECT COUNT(*) FROM timers WHERE state = 'pending' AND due_at <= $1";
        let timers_overdue: i64 =
            on_pool!(self, p => sqlx::query_scalar(timers).bind(now).fetch_one(p).await?);
        let esc =
            "SELECT state, COUNT(*) FROM escalations WHERE state <> 'resolved' GROUP BY state";
        let escalations: Vec<(String, i64)> =
            on_pool!(self, p => sqlx::query_as(esc).fetch_all(p).await?);
        let round = "SELECT COUNT(*), COUNT(a.unit_id), \
                     COALESCE(SUM(CASE WHEN a.late THEN 1 ELSE 0 END), 0) \
                     FROM zero_expected e LEFT JOIN zero_answers a \
                     ON a.round_id = e.round_id AND a.unit_id = e.unit_id \
                     WHERE e.round_id = (SELECT id FROM zero_rounds WHERE opened_at <= $1 \
                     ORDER BY opened_at DESC LIMIT 1)";
        let round: (i64, i64, i64) =
            on_pool!(self, p => sqlx::query_as(round).bind(now).fetch_one(p).await?);
        let active = "SELECT COUNT(*) FROM warnings WHERE ended_at IS NULL";
        let warnings_active: i64 =
            on_pool!(self, p => sqlx::query_scalar(active).fetch_one(p).await?);
        let recipients = "SELECT r.state, COUNT(*) FROM warning_recipients r JOIN warnings w \
                          ON w.id = r.warning_id WHERE w.ended_at IS NULL GROUP BY r.state";
        let warning_recipients: Vec<(String, i64)> =
            on_pool!(self, p => sqlx::query_as(recipients).fetch_all(p).await?);
        Ok(Gauges {
            outbox_pending,
            outbox_oldest_at,
            inbox_pending: self.pending_update_count().await?,
            timers_overdue,
            escalations,
            round,
            warnings_active,
            warning_recipients,
        })
    }
}
