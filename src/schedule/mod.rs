//! Durable timers and the scheduler that fires them; cron schedules planned one firing at a
//! time; the fire-season calendar.
pub mod season;

use crate::config::CronSchedule;
use crate::context::Ctx;
use crate::escalation;
use crate::store::{Fault, NewTimer, StoreError, Timer, Tx, Worker};
use crate::zero_report;
use futures::future::BoxFuture;
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;

pub const SCHEDULE: &str = "schedule";
/// A timer that keeps failing is given up after this many attempts (and logged as an error).
const MAX_ATTEMPTS: i64 = 10;
/// Other replicas may add earlier timers without telling us; look again at least this often.
const MAX_SLEEP: Duration = Duration::from_secs(5);

#[derive(Debug, thiserror::Error)]
pub enum TimerError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("timer {key}: bad payload: {detail}")]
    Payload { key: String, detail: String },
}

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
    crate::ops::metrics::timer_ran(now - timer.due_at);
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

/// A due timer, as the handler of its kind sees it.
pub struct Fired<'a> {
    pub timer: &'a Timer,
    payload: Value,
    pub now: i64,
}

impl Fired<'_> {
    /// A field of the timer's payload; a missing or mistyped one fails the timer.
    pub fn field<T: serde::de::DeserializeOwned>(&self, name: &str) -> Result<T, TimerError> {
        serde_json::from_value(self.payload[name].clone()).map_err(|e| TimerError::Payload {
            key: self.timer.key.clone(),
            detail: format!("{name}: {e}"),
        })
    }
}

/// What runs a timer of one kind, inside the timer's transaction.
pub type FireTimer =
    for<'a> fn(&'a Ctx, &'a mut Tx, &'a Fired<'a>) -> BoxFuture<'a, Result<(), TimerError>>;

/// Timer kinds and what runs them: each feature lists its own kinds.
pub type TimerKinds = &'static [(&'static str, FireTimer)];

fn kinds() -> impl Iterator<Item = &'static (&'static str, FireTimer)> {
    [
        escalation::TIMERS,
        zero_report::TIMERS,
        crate::hazard::TIMERS,
        crate::tip::flow::TIMERS,
        crate::warning::TIMERS,
        TIMERS,
    ]
    .into_iter()
    .flatten()
}

const TIMERS: TimerKinds = &[(SCHEDULE, |ctx, tx, t| {
    Box::pin(async move {
        let name: String = t.field("name")?;
        Ok(on_schedule(ctx, tx, &name, t.timer.due_at, t.now).await?)
    })
})];

async fn dispatch(ctx: &Ctx, tx: &mut Tx, timer: &Timer, now: i64) -> Result<String, TimerError> {
    let payload: Value = serde_json::from_str(&timer.payload).map_err(|e| TimerError::Payload {
        key: timer.key.clone(),
        detail: e.to_string(),
    })?;
    let Some((_, fire)) = kinds().find(|(kind, _)| *kind == timer.kind) else {
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

/// The configured cron schedules, by name.
pub fn schedules(ctx: &Ctx) -> Vec<(&'static str, CronSchedule)> {
    let z = &ctx.config.zero_report;
    vec![
        ("zero_report.remind", z.remind.clone()),
        ("zero_report.deadline", z.deadline.clone()),
        ("zero_report.summary", z.summary.clone()),
        ("roster.shift", ctx.config.roster.shift_change()),
    ]
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
    let Some((_, cron)) = schedules(ctx).into_iter().find(|(n, _)| *n == name) else {
        tracing::warn!(name, "a firing of a schedule that no longer exists");
        return Ok(());
    };
    if let Some(at) = next_firing(ctx, &cron, due_at.max(now)) {
        tx.add_timer(&firing(name, &cron, at)).await?;
    }
    tracing::info!(name, late_ms = now - due_at, "schedule fired");
    // The firing's own instant, not now: a late firing still belongs to its round.
    match name {
        "zero_report.remind" => zero_report::on_remind(ctx, tx, due_at).await,
        "zero_report.deadline" => zero_report::on_deadline(ctx, tx, due_at).await,
        "zero_report.summary" => zero_report::on_summary(ctx, tx, now).await,
        "roster.shift" => crate::roster::on_shift_change(ctx, tx, due_at).await,
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_timer_kind_has_one_handler() {
        let names: Vec<&str> = kinds().map(|(k, _)| *k).collect();
        for k in [
            escalation::STEP,
            escalation::RETRIGGER,
            escalation::WAKE,
            zero_report::NAG,
            crate::hazard::OVERDUE,
            crate::hazard::draft::EXPIRY,
            crate::tip::FORGET,
            crate::warning::RESEND,
            crate::warning::ESCALATE,
            crate::warning::EXPIRE,
            crate::warning::TALLY,
            SCHEDULE,
        ] {
            assert_eq!(
                names.iter().filter(|n| **n == k).count(),
                1,
                "{k} in {names:?}"
            );
        }
        assert_eq!(names.len(), 12, "{names:?}");
    }
}
