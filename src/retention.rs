//! Retention: rows that only record finished work (sent messages, run and cancelled timers,
//! handled updates, strangers' conversations, old rounds' reminder addresses, past duty
//! rosters and their swaps) are pruned
//! once older than `retention.keep`, so the database stays bounded over years. Counts of the
//! per-sender limits (`crate::limits`) go as soon as they have left the longest window. Statistics
//! and the audit trail (rounds, expected units, answers, hazards and their events, tips and
//! their entries, escalations and their events) are never pruned; see `store::retention`
//! for what else is kept and why.
use crate::clock::Clock;
use crate::config::Span;
use crate::store::{Store, StoreError};
use std::time::Duration;

/// Rows per statement: each batch holds SQLite's write lock for a few milliseconds.
pub const BATCH: i64 = 500;
/// Between batches, so the bot's own transactions get the lock in between.
pub const PAUSE: Duration = Duration::from_millis(20);
/// How often a pass runs.
pub const EVERY: Duration = Duration::from_secs(3600);
/// Telegram resends an update it has not seen confirmed for up to 24 hours (getUpdates and
/// webhook alike). A handled update's row is what makes such a resend a no-op, so it is kept
/// at least this long, whatever `keep` says.
pub const REPLAY_HORIZON: Span = Span::days(1);

/// How many rows one pass pruned, per table.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pruned {
    pub outbox: u64,
    pub timers: u64,
    pub inbox: u64,
    pub conversations: u64,
    pub zero_reminders: u64,
    pub rosters: u64,
    pub rate_hits: u64,
    pub card_codes: u64,
}

impl Pruned {
    /// (table, rows) pairs, e.g. for a metric labelled by table.
    pub fn per_table(&self) -> [(&'static str, u64); 8] {
        [
            ("outbox", self.outbox),
            ("timers", self.timers),
            ("inbox", self.inbox),
            ("conversations", self.conversations),
            ("zero_reminders", self.zero_reminders),
            ("roster", self.rosters),
            ("rate_hits", self.rate_hits),
            ("wecom_card_codes", self.card_codes),
        ]
    }

    pub fn total(&self) -> u64 {
        self.per_table().iter().map(|(_, n)| n).sum()
    }
}

fn ms(span: Span) -> i64 {
    i64::try_from(span.as_secs())
        .unwrap_or(i64::MAX)
        .saturating_mul(1000)
}

/// One pass at `now`: every table in batches of `BATCH`, `pause` between batches.
pub async fn prune(
    store: &Store,
    now: i64,
    keep: Span,
    pause: Duration,
) -> Result<Pruned, StoreError> {
    let before = now.saturating_sub(ms(keep));
    let updates_before = now.saturating_sub(ms(keep.max(REPLAY_HORIZON)));
    let counts_before = now.saturating_sub(crate::limits::LONGEST_WINDOW_MS);
    // WeCom takes a press's code for 72 hours; an older one updates no card.
    let codes_before = now.saturating_sub(ms(Span::days(3)));
    // A day's precision is enough for a window of days (UTC).
    let roster_day = crate::clock::from_ms(before).format("%Y-%m-%d").to_string();
    Ok(Pruned {
        outbox: batches(pause, || store.prune_outbox(before, BATCH)).await?,
        timers: batches(pause, || store.prune_timers(before, BATCH)).await?,
        inbox: batches(pause, || store.prune_updates(updates_before, BATCH)).await?,
        conversations: batches(pause, || store.prune_stranger_conversations(before, BATCH)).await?,
        zero_reminders: batches(pause, || store.prune_zero_reminders(before, BATCH)).await?,
        rosters: batches(pause, || store.prune_rosters(&roster_day, before, BATCH)).await?,
        rate_hits: batches(pause, || store.prune_rate_hits(counts_before, BATCH)).await?,
        card_codes: batches(pause, || store.prune_card_codes(codes_before, BATCH)).await?,
    })
}

/// Run one kind of batch until a batch comes back short.
async fn batches<F, Fut>(pause: Duration, mut batch: F) -> Result<u64, StoreError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<u64, StoreError>>,
{
    let mut total = 0;
    loop {
        let n = batch().await?;
        total += n;
        if n < BATCH as u64 {
            return Ok(total);
        }
        tokio::time::sleep(pause).await;
    }
}

/// The background task: a pass at start, then every `EVERY`, at the injected clock's time.
pub async fn run(store: Store, clock: Clock, keep: Span) {
    loop {
        match prune(&store, clock.now_ms(), keep, PAUSE).await {
            Ok(p) => tracing::debug!(
                outbox = p.outbox,
                timers = p.timers,
                inbox = p.inbox,
                conversations = p.conversations,
                zero_reminders = p.zero_reminders,
                rosters = p.rosters,
                rate_hits = p.rate_hits,
                "retention pass"
            ),
            Err(e) => tracing::warn!(error = %e, "retention pass failed; will try again"),
        }
        tokio::time::sleep(EVERY).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn totals_and_spans() {
        let p = Pruned {
            outbox: 3,
            timers: 2,
            inbox: 1,
            conversations: 0,
            zero_reminders: 4,
            rosters: 5,
            rate_hits: 6,
            card_codes: 7,
        };
        assert_eq!(p.total(), 28);
        assert_eq!(p.per_table()[3], ("conversations", 0));
        assert_eq!(ms(Span::days(90)), 90 * 86_400_000);
        assert_eq!(Span::hours(1).max(REPLAY_HORIZON), Span::days(1));
    }
}
