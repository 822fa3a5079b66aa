//! Durable timers and the scheduler that fires them; cron schedules planned one firing at a
//! time; the fire-season calendar.
pub mod season;

use crate::config::CronSchedule;
use crate::context::{Ctx, Features};
pub use crate::registry::{Fired, TimerError};
use crate::store::{Fault, NewTimer, StoreError, Timer, Tx, Worker};
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;

pub const SCHEDULE: &str = "schedule";
/// A timer that keeps failing is given up after this many attempts (and logged as an error).
const MAX_ATTEMPTS: i64 = 10;
/// Other replicas may add earlier timers without telling us; look again at least this often.
const MAX_SLEEP: Duration = Duration::from_secs(5);

/// Run due timers as they come due, each in its own transaction; sleep until the next one
/// (or until woken because an earlier one was added).
pub async fn run(ctx: Arc<Ctx>) {
    loop {
        match fire_due(&ctx).await {
            Ok(true) => {
                ctx.wake.outbox.notify_one();
                continue;
            }
            Ok(false) => {}
            Err(e) => {
                if ctx
                    .faults
                    .failed(Worker::Timers, "running timers", &e)
                    .is_none()
                {
                    tracing::error!(error = %e, "running timers failed");
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        }
        ctx.faults.ok(Worker::Timers);
        let wait = match ctx.store.next_timer_due().await {
            Ok(Some(due)) => {
                Duration::from_millis((due - ctx.clock.now_ms()).clamp(0, i64::MAX) as u64)
            }
            Ok(None) => MAX_SLEEP,
            Err(e) => {
                tracing::error!(error = %e, "reading the next timer failed");
                Duration::from_secs(1)
            }
        };
        tokio::select! {
            _ = ctx.wake.timers.notified() => {}
            _ = tokio::time::sleep(wait.min(MAX_SLEEP)) => {}
        }
    }
}

/// Fire one due timer if there is one; true when one was handled.
pub async fn fire_due(ctx: &Ctx) -> Result<bool, StoreError> {
    let now = ctx.clock.now_ms();
    // A cheap look first, so an idle scheduler never takes SQLite's write lock.
    match ctx.store.next_timer_due().await? {
        Some(due) if due <= now => {}
        _ => return Ok(false),
    }
    let mut tx = ctx.store.begin().await?;
    let Some(timer) = tx.claim_due_timer(now).await? else {
        tx.commit().await?;
        return Ok(false);
    };
    crate::metrics::timer_ran(now - timer.due_at);
    match dispatch(ctx, &mut tx, &timer, now).await {
        Ok(result) => {
            tx.finish_timer(timer.id, now, &result).await?;
            tx.commit().await?;
        }
        // A full disk or a lost database is no fault of the timer: it runs again once the
        // store works, with no attempt counted (a long outage gives up no escalation).
        Err(TimerError::Store(e)) if Fault::of(&e).is_some() => return Err(e),
        Err(e) => {
            drop(tx); // roll back whatever the timer did
            let backoff = 1000 * (1i64 << timer.attempts.clamp(0, 8));
            let gave_up = ctx
                .store
                .timer_failed(timer.id, now + backoff, &e.to_string(), MAX_ATTEMPTS)
                .await?;
            if gave_up {
                tracing::error!(key = %timer.key, error = %e, "timer failed for good");
            } else {
                tracing::warn!(key = %timer.key, error = %e, "timer failed; will retry");
            }
        }
    }
    Ok(true)
}

/// What runs a timer of one kind, inside the timer's transaction.
pub type FireTimer = crate::registry::FireTimer<Ctx>;

/// Timer kinds and what runs them: each feature lists its own kinds and registers them.
pub type TimerKinds = &'static [(&'static str, FireTimer)];

/// The scheduler's own timer kind: a cron schedule's firing.
pub fn register(r: &mut Features) {
    r.timer(SCHEDULE, |ctx, tx, t| {
        Box::pin(async move {
            let name: String = t.field("name")?;
            Ok(on_schedule(ctx, tx, &name, t.timer.due_at, t.now).await?)
        })
    });
}

async fn dispatch(ctx: &Ctx, tx: &mut Tx, timer: &Timer, now: i64) -> Result<String, TimerError> {
    let payload: Value = serde_json::from_str(&timer.payload).map_err(|e| TimerError::Payload {
        key: timer.key.clone(),
        detail: e.to_string(),
    })?;
    let Some(fire) = ctx.features.fire(&timer.kind) else {
        return Err(TimerError::Payload {
            key: timer.key.clone(),
            detail: format!("unknown kind {}", timer.kind),
        });
    };
    fire(
        ctx,
        tx,
        &Fired {
            timer,
            payload,
            now,
        },
    )
    .await?;
    Ok("ok".into())
}

/// The registered cron schedules, by name, with their configured expressions.
pub fn schedules(ctx: &Ctx) -> Vec<(&'static str, CronSchedule)> {
    let schedules = ctx.features.schedules().iter();
    schedules.map(|s| (s.name, (s.cron)(&ctx.config))).collect()
}

fn firing(name: &str, cron: &CronSchedule, at: i64) -> NewTimer {
    NewTimer {
        key: format!("sched:{name}:{at}"),
        group: format!("sched:{name}"),
        kind: SCHEDULE.into(),
        payload: json!({ "name": name, "cron": cron.source() }),
        due_at: at,
    }
}

fn next_firing(ctx: &Ctx, cron: &CronSchedule, after: i64) -> Option<i64> {
    cron.next_after(crate::clock::from_ms(after), ctx.config.timezone)
        .map(|t| t.timestamp_millis())
}

/// Make sure each schedule has exactly its next firing pending. A schedule whose expression
/// changed since the last start is planned afresh; an unchanged one keeps its pending firing
/// (even an overdue one: it fires once, now).
pub async fn plan(ctx: &Ctx) -> Result<(), StoreError> {
    let now = ctx.clock.now_ms();
    let mut tx = ctx.store.begin().await?;
    for (name, cron) in schedules(ctx) {
        let group = format!("sched:{name}");
        let pending = tx.pending_timers(&group).await?;
        let current = pending.iter().any(|t| {
            serde_json::from_str::<Value>(&t.payload)
                .is_ok_and(|p| p["cron"].as_str() == Some(cron.source()))
        });
        if current && pending.len() == 1 {
            continue;
        }
        tx.cancel_timers(&group).await?;
        if let Some(at) = next_firing(ctx, &cron, now) {
            tx.add_timer(&firing(name, &cron, at)).await?;
        }
    }
    tx.commit().await
}

/// A schedule fired: plan its next firing (after now, so a long outage fires once, not once
/// per missed firing) and run what it is for.
async fn on_schedule(
    ctx: &Ctx,
    tx: &mut Tx,
    name: &str,
    due_at: i64,
    now: i64,
) -> Result<(), StoreError> {
    let Some(schedule) = ctx.features.schedules().iter().find(|s| s.name == name) else {
        tracing::warn!(name, "a firing of a schedule that no longer exists");
        return Ok(());
    };
    let cron = (schedule.cron)(&ctx.config);
    if let Some(at) = next_firing(ctx, &cron, due_at.max(now)) {
        tx.add_timer(&firing(name, &cron, at)).await?;
    }
    tracing::info!(name, late_ms = now - due_at, "schedule fired");
    (schedule.run)(ctx, tx, due_at, now).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::Clock;
    use crate::store::Store;
    use std::sync::atomic::{AtomicI64, Ordering};

    const PROBE: &str = "test.probe";
    const SEEN: &str = "test.seen";

    /// A witness the hooks leave in the timer's transaction (they are plain functions, so
    /// they cannot capture): a far-off timer in group `test.seen`, keyed by what ran.
    async fn witness(tx: &mut Tx, key: String) -> Result<(), StoreError> {
        let seen = NewTimer {
            key,
            group: SEEN.into(),
            kind: SEEN.into(),
            payload: json!({}),
            due_at: i64::MAX / 2,
        };
        tx.add_timer(&seen).await
    }

    async fn seen(ctx: &Ctx) -> Vec<String> {
        let mut tx = ctx.store.begin().await.expect("begin");
        let timers = tx.pending_timers(SEEN).await.expect("read");
        timers.into_iter().map(|t| t.key).collect()
    }

    /// The engine runs a timer kind and a schedule that only this test module knows: it
    /// asks the registry, and needs no feature to be built or tested.
    #[tokio::test]
    async fn fires_timers_and_schedules_registered_by_whoever_registers_them() {
        let dir = tempfile::tempdir().expect("dir");
        let url = format!("sqlite://{}", dir.path().join("t.db").display());
        let store = Store::connect(&url).await.expect("connect");
        store.migrate().await.expect("migrate");
        let now = Arc::new(AtomicI64::new(1_700_000_000_000));
        let clock = {
            let now = now.clone();
            Clock::from_fn(move || crate::clock::from_ms(now.load(Ordering::SeqCst)))
        };
        let mut features = Features::default();
        register(&mut features);
        features.timer(PROBE, |_, tx, t| {
            Box::pin(async move {
                let n: i64 = t.field("n")?;
                Ok(witness(tx, format!("probe {n}")).await?)
            })
        });
        features.schedule(
            "test.minutely",
            |_| CronSchedule::parse("0 * * * * *").expect("cron"),
            |_, tx, due_at, _| Box::pin(witness(tx, format!("minutely {due_at}"))),
        );
        let ctx = Ctx::for_engine_tests(store, clock, features);

        let mut tx = ctx.store.begin().await.expect("begin");
        for (key, kind) in [("p", PROBE), ("u", "test.unknown")] {
            let t = NewTimer {
                key: key.into(),
                group: key.into(),
                kind: kind.into(),
                payload: json!({ "n": 7 }),
                due_at: now.load(Ordering::SeqCst),
            };
            tx.add_timer(&t).await.expect("add");
        }
        tx.commit().await.expect("commit");
        assert!(fire_due(&ctx).await.expect("fires"));
        assert!(fire_due(&ctx).await.expect("fires"));
        assert_eq!(seen(&ctx).await, ["probe 7"]);
        // A kind nobody registered fails (and is tried again later), nothing else runs.
        let mut tx = ctx.store.begin().await.expect("begin");
        let unknown = tx.pending_timers("u").await.expect("read");
        assert_eq!(unknown.len(), 1);
        assert_eq!(unknown[0].attempts, 1);
        drop(tx);

        // Only the registered schedule is planned: its next minute, and nothing else.
        plan(&ctx).await.expect("plan");
        let mut tx = ctx.store.begin().await.expect("begin");
        let planned = tx
            .pending_timers("sched:test.minutely")
            .await
            .expect("read");
        assert_eq!(planned.len(), 1);
        let due = planned[0].due_at;
        assert!(tx
            .pending_timers("sched:zero_report.remind")
            .await
            .expect("read")
            .is_empty());
        drop(tx);
        now.store(due, Ordering::SeqCst);
        // (The unknown kind, due again by now, fails once more on the way.)
        while fire_due(&ctx).await.expect("fires") {}
        assert!(seen(&ctx).await.contains(&format!("minutely {due}")));
        let mut tx = ctx.store.begin().await.expect("begin");
        let next = tx
            .pending_timers("sched:test.minutely")
            .await
            .expect("read");
        assert_eq!(
            next.iter().map(|t| t.due_at).collect::<Vec<_>>(),
            [due + 60_000]
        );
    }
}
