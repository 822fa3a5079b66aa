//! Durable timers and the scheduler that fires them; cron schedules planned one firing at a
//! time; the fire-season calendar.
pub mod season;

use crate::config::CronSchedule;
use crate::escalation;
use crate::store::{NewTimer, StoreError, Timer, Tx};
use crate::telegram::context::Ctx;
use crate::zero_report;
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
                tracing::error!(error = %e, "running timers failed");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        }
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

fn field<T: serde::de::DeserializeOwned>(
    timer: &Timer,
    payload: &Value,
    name: &str,
) -> Result<T, TimerError> {
    serde_json::from_value(payload[name].clone()).map_err(|e| TimerError::Payload {
        key: timer.key.clone(),
        detail: format!("{name}: {e}"),
    })
}

async fn dispatch(ctx: &Ctx, tx: &mut Tx, timer: &Timer, now: i64) -> Result<String, TimerError> {
    let payload: Value = serde_json::from_str(&timer.payload).map_err(|e| TimerError::Payload {
        key: timer.key.clone(),
        detail: e.to_string(),
    })?;
    match timer.kind.as_str() {
        escalation::STEP => {
            let (id, step, start) = (
                field(timer, &payload, "id")?,
                field(timer, &payload, "step")?,
                field(timer, &payload, "chain_start")?,
            );
            escalation::on_step(ctx, tx, id, step, start, now).await?;
        }
        escalation::RETRIGGER => {
            escalation::on_retrigger(
                ctx,
                tx,
                field(timer, &payload, "id")?,
                field(timer, &payload, "acked_at")?,
                now,
            )
            .await?;
        }
        escalation::WAKE => escalation::on_wake(tx, field(timer, &payload, "id")?, now).await?,
        zero_report::NAG => {
            zero_report::on_nag(ctx, tx, field(timer, &payload, "round")?, now).await?
        }
        crate::hazard::OVERDUE => {
            let (id, due) = (
                field(timer, &payload, "id")?,
                field(timer, &payload, "due")?,
            );
            crate::hazard::on_overdue(ctx, tx, id, due, now).await?
        }
        crate::hazard::draft::EXPIRY => {
            let (chat, user, started) = (
                field(timer, &payload, "chat")?,
                field(timer, &payload, "user")?,
                field(timer, &payload, "started")?,
            );
            crate::hazard::on_draft_expiry(ctx, tx, chat, user, started, now).await?
        }
        crate::tip::FORGET => {
            crate::tip::flow::on_forget(ctx, tx, field(timer, &payload, "id")?, now).await?
        }
        SCHEDULE => {
            let name: String = field(timer, &payload, "name")?;
            on_schedule(ctx, tx, &name, timer.due_at, now).await?;
        }
        other => {
            return Err(TimerError::Payload {
                key: timer.key.clone(),
                detail: format!("unknown kind {other}"),
            });
        }
    }
    Ok("ok".into())
}

/// The configured cron schedules, by name.
pub fn schedules(ctx: &Ctx) -> Vec<(&'static str, &CronSchedule)> {
    let z = &ctx.config.zero_report;
    vec![
        ("zero_report.remind", &z.remind),
        ("zero_report.deadline", &z.deadline),
        ("zero_report.summary", &z.summary),
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
        if let Some(at) = next_firing(ctx, cron, now) {
            tx.add_timer(&firing(name, cron, at)).await?;
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
    if let Some(at) = next_firing(ctx, cron, due_at.max(now)) {
        tx.add_timer(&firing(name, cron, at)).await?;
    }
    tracing::info!(name, late_ms = now - due_at, "schedule fired");
    // The firing's own instant, not now: a late firing still belongs to its round.
    match name {
        "zero_report.remind" => zero_report::on_remind(ctx, tx, due_at).await,
        "zero_report.deadline" => zero_report::on_deadline(ctx, tx, due_at).await,
        "zero_report.summary" => zero_report::on_summary(ctx, tx, now).await,
        _ => Ok(()),
    }
}
