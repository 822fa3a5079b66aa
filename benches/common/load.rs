//! The inbound workload shared by the inbound and replica benches: a district's members
//! writing to the bot, and how to measure what the bot made of it.
use super::{count, pairs, percentile, Org, Staff};
use lookout::sim::SimUser;
use lookout::store::Store;

/// What a member sends, in this order, over and over (it leaves no draft behind).
pub fn send(user: &SimUser, step: usize) {
    match step % 10 {
        0 => user.send_text("/help"),
        1 => user.send_text("/today"),
        2 => user.send_text("/status"),
        3 => user.send_text("/report 村口柴草堆离电线太近"),
        4 => user.send_text("柴草堆大约两米高，旁边是变压器"),
        5 => {
            user.send_location(36.80 + (user.id() % 100) as f64 * 1e-3, 117.90);
            0
        }
        6 => user.send_text("/cancel"),
        7 => user.send_text("今天巡查完毕，一切正常"),
        8 => user.send_text("/lang zh"),
        _ => user.send_text("/today"),
    };
}

/// The n-th message overall: people take turns, and each starts its script at a different
/// step, so every kind of message is spread over the whole run.
pub fn send_nth(users: &[SimUser], n: usize) {
    let u = n % users.len();
    send(&users[u], n / users.len() + u);
}

/// A district of `towns` towns with `villages` villages each; towns and the district have
/// duty rooms, villages are reminded through their officer.
pub fn district(towns: usize, villages: usize) -> Org {
    let staff = [
        Staff {
            supervisors: 3,
            duty_officers: 2,
            grid_workers: 0,
        },
        Staff {
            supervisors: 2,
            duty_officers: 2,
            grid_workers: 16,
        },
        Staff {
            supervisors: 0,
            duty_officers: 1,
            grid_workers: 3,
        },
    ];
    Org::district(towns, villages, staff, |_| false)
}

/// The updates with ids above some id: every one handled, each with its first reply.
pub struct Phase {
    pub updates: usize,
    /// Handled per second, first stored → last reply queued.
    pub rate: f64,
    pub p50: i64,
    pub p99: i64,
    pub max: i64,
    pub no_reply: i64,
    pub failed: i64,
}

/// Latency is each update's `inbox.received_at` (stored) to its first reply's
/// `outbox.created_at` (stamped in the handler's transaction just before it commits).
pub async fn measure(store: &Store, after: i64, updates: usize) -> anyhow::Result<Phase> {
    let join = format!(
        "FROM inbox i JOIN outbox o ON o.idem_key = 'u' || i.update_id || '.0' \
         WHERE i.update_id > {after}"
    );
    let mut lat: Vec<i64> = pairs(
        store,
        &format!("SELECT i.update_id, o.created_at - i.received_at {join}"),
    )
    .await?
    .into_iter()
    .map(|(_, l)| l)
    .collect();
    lat.sort_unstable();
    let span = pairs(
        store,
        &format!("SELECT MIN(i.received_at), MAX(o.created_at) {join}"),
    )
    .await?;
    let (first, last) = span.first().copied().unwrap_or((0, 0));
    let no_reply = updates as i64 - lat.len() as i64;
    let failed = count(
        store,
        &format!("SELECT COUNT(*) FROM inbox WHERE state = 'failed' AND update_id > {after}"),
    )
    .await?;
    Ok(Phase {
        updates,
        rate: updates as f64 / ((last - first).max(1) as f64 / 1000.0),
        p50: percentile(&lat, 0.5),
        p99: percentile(&lat, 0.99),
        max: lat.last().copied().unwrap_or(0),
        no_reply,
        failed,
    })
}
