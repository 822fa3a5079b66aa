//! Long polling: whichever process holds the poller lock fetches updates and stores each
//! (`intake::Inbox`) before Telegram is told it may forget it.
use super::api::{ApiError, BotApi};
use crate::context::Ctx;
use crate::inbound::Inbox;
use crate::store::{Job, JobLock, NewUpdate, Worker};
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// How soon updates that could not be stored are fetched and stored again: well within the
/// 10 s in which the bot must resume once its store works again.
const STORE_RETRY: Duration = Duration::from_secs(1);

/// How often a replica without the poller lock asks for it again.
const LOCK_RETRY: Duration = Duration::from_secs(1);

/// Long polling, by whichever process holds the poller lock; the others wait their turn.
/// Ends when `stop` turns true.
pub async fn poll(
    api: BotApi,
    ctx: Arc<Ctx>,
    timeout_secs: u64,
    inbox: Inbox,
    mut stop: watch::Receiver<bool>,
) {
    let polling = async {
        loop {
            take_turn(&api, &ctx, timeout_secs, &inbox).await;
            tokio::time::sleep(LOCK_RETRY).await;
        }
    };
    tokio::select! {
        _ = polling => {}
        _ = stop.wait_for(|s| *s) => {}
    }
}

/// Poll for as long as this process holds the poller lock, if it can get it.
async fn take_turn(api: &BotApi, ctx: &Ctx, timeout_secs: u64, inbox: &Inbox) {
    match ctx.store.try_job(Job::Poller).await {
        Ok(Some(lock)) => {
            tracing::info!("holding the poller lock: this process polls Telegram");
            poll_while_held(api, ctx, timeout_secs, inbox, lock).await;
            tracing::warn!("lost the poller lock");
        }
        Ok(None) => {}
        Err(e) => {
            if ctx
                .faults
                .failed(Worker::Intake, "asking for the poller lock", &e)
                .is_none()
            {
                tracing::warn!(error = %e, "asking for the poller lock failed");
            }
        }
    }
}

async fn poll_while_held(
    api: &BotApi,
    ctx: &Ctx,
    timeout_secs: u64,
    inbox: &Inbox,
    mut lock: JobLock,
) {
    let mut offset = 0i64;
    let mut backoff = Duration::from_millis(200);
    while lock.held().await {
        match api.get_updates(offset, timeout_secs).await {
            Ok(updates) => {
                backoff = Duration::from_millis(200);
                let batch: Vec<NewUpdate> = updates
                    .iter()
                    .filter_map(|u| {
                        Some(NewUpdate {
                            update_id: u["update_id"].as_i64()?,
                            chat_key: chat_key(u),
                            payload: u.to_string(),
                        })
                    })
                    .collect();
                let Some(last) = batch.iter().map(|u| u.update_id).max() else {
                    continue;
                };
                // Confirm to Telegram (the next offset) only once the batch is stored.
                // Not stored: Telegram keeps them, and they are fetched again (the failure
                // is said by `Inbox::store`).
                match inbox.store(&ctx.store, &batch, ctx.clock.now_ms()).await {
                    Ok(_) => offset = last + 1,
                    Err(_) => tokio::time::sleep(STORE_RETRY).await,
                }
            }
            Err(e) => {
                match e {
                    // Said once per outage, not once per retry.
                    ApiError::Transient(_) if backoff > Duration::from_millis(200) => {
                        tracing::debug!(error = %e, "getUpdates failed again")
                    }
                    ApiError::Transient(_) => {
                        tracing::warn!(error = %e, "getUpdates failed; retrying")
                    }
                    _ => tracing::warn!(error = %e, "getUpdates refused"),
                }
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(5));
            }
        }
    }
}

/// The chat an update belongs to, so one chat's updates are handled in order; 0 when it
/// names none.
pub fn chat_key(update: &Value) -> i64 {
    let Some(body) = update
        .as_object()
        .and_then(|o| o.iter().find(|(k, _)| *k != "update_id"))
        .map(|(_, v)| v)
    else {
        return 0;
    };
    body["chat"]["id"]
        .as_i64()
        .or_else(|| body["message"]["chat"]["id"].as_i64())
        .or_else(|| body["from"]["id"].as_i64())
        .or_else(|| body["user"]["id"].as_i64())
        .unwrap_or(0)
}
