//! Update intake: long polling stores each update before anything acts on it, and the
//! processor runs stored updates through the handler tree. A crash at any point loses no
//! update, and the update id makes a replayed one a no-op.
use super::api::{ApiError, BotApi};
use super::context::{Ctx, Incoming};
use super::handlers::Schema;
use crate::tr;
use std::ops::ControlFlow;
use std::sync::Arc;
use std::time::Duration;
use teloxide::types::Update;
use tokio::sync::Notify;

/// An update that keeps failing is given up after this many attempts (and its sender told).
const MAX_ATTEMPTS: i64 = 5;

pub async fn poll(api: BotApi, ctx: Arc<Ctx>, timeout_secs: u64, wake: Arc<Notify>) {
    let mut offset = 0i64;
    let mut backoff = Duration::from_millis(200);
    loop {
        match api.get_updates(offset, timeout_secs).await {
            Ok(updates) => {
                backoff = Duration::from_millis(200);
                if updates.is_empty() {
                    continue;
                }
                let batch: Vec<(i64, String)> = updates
                    .iter()
                    .filter_map(|u| u["update_id"].as_i64().map(|id| (id, u.to_string())))
                    .collect();
                let Some(last) = batch.iter().map(|(id, _)| *id).max() else {
                    continue;
                };
                // Confirm to Telegram (the next offset) only once the batch is stored.
                match ctx.store.add_updates(&batch, ctx.clock.now_ms()).await {
                    Ok(_) => {
                        offset = last + 1;
                        wake.notify_one();
                    }
                    Err(e) => {
                        tracing::error!(error = %e, "storing updates failed; will fetch them again");
                        tokio::time::sleep(backoff).await;
                    }
                }
            }
            Err(e) => {
                if !matches!(e, ApiError::Transient(_)) {
                    tracing::warn!(error = %e, "getUpdates refused");
                }
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(30));
            }
        }
    }
}

pub async fn process(ctx: Arc<Ctx>, schema: Arc<Schema>, wake: Arc<Notify>) {
    loop {
        let batch = match ctx.store.pending_updates(200).await {
            Ok(b) => b,
            Err(e) => {
                tracing::error!(error = %e, "reading the inbox failed");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        if batch.is_empty() {
            tokio::select! {
                _ = wake.notified() => {}
                _ = tokio::time::sleep(Duration::from_secs(1)) => {}
            }
            continue;
        }
        for item in batch {
            handle_one(&ctx, &schema, item.update_id, &item.payload).await;
        }
        ctx.wake.outbox.notify_one();
    }
}

async fn handle_one(ctx: &Arc<Ctx>, schema: &Schema, update_id: i64, payload: &str) {
    let result = run_handlers(ctx, schema, update_id, payload).await;
    let failure = match result {
        Ok(()) => None,
        Err(e) => Some(e),
    };
    let Some(error) = failure else {
        // Handled (or nothing to do); make sure it is marked even if no handler wrote anything.
        if let Err(e) = finish_unhandled(ctx, update_id).await {
            tracing::error!(update_id, error = %e, "marking an update handled failed");
        }
        return;
    };
    tracing::error!(update_id, error = %error, "handling an update failed");
    match ctx.store.update_failed(update_id, MAX_ATTEMPTS).await {
        Ok(true) => tell_sender_it_failed(ctx, update_id, payload).await,
        Ok(false) => tokio::time::sleep(Duration::from_millis(100)).await,
        Err(e) => tracing::error!(update_id, error = %e, "recording a failed update failed"),
    }
}

async fn run_handlers(
    ctx: &Arc<Ctx>,
    schema: &Schema,
    update_id: i64,
    payload: &str,
) -> Result<(), String> {
    // Unknown update kinds parse as `UpdateKind::Error`; only non-objects fail here.
    let update: Update = match serde_json::from_str(payload) {
        Ok(u) => u,
        Err(e) => {
            tracing::debug!(update_id, error = %e, "unreadable update ignored");
            return Ok(());
        }
    };
    let incoming = Incoming::load(ctx, update_id, &update)
        .await
        .map_err(|e| e.to_string())?;
    let Some(incoming) = incoming else {
        return Ok(());
    };
    match schema
        .dispatch(teloxide::dptree::deps![ctx.clone(), incoming, update])
        .await
    {
        ControlFlow::Break(result) => result.map_err(|e| e.to_string()),
        ControlFlow::Continue(_) => Ok(()),
    }
}

async fn finish_unhandled(ctx: &Ctx, update_id: i64) -> Result<(), crate::store::StoreError> {
    let mut tx = ctx.store.begin().await?;
    tx.finish_update(update_id).await?;
    tx.commit().await
}

/// Nothing is dropped silently: the person learns their message was not handled.
async fn tell_sender_it_failed(ctx: &Arc<Ctx>, update_id: i64, payload: &str) {
    let Ok(update) = serde_json::from_str::<Update>(payload) else {
        return;
    };
    let Ok(Some(inc)) = Incoming::load(ctx, update_id, &update).await else {
        return;
    };
    let mut r = inc.replies();
    r.text(tr!(ctx.i18n, inc.lang, "internal-error"));
    let now = ctx.clock.now_ms();
    let out = async {
        let mut tx = ctx.store.begin().await?;
        for m in r.into_outgoing() {
            tx.enqueue(&ctx.seal(m), now).await?;
        }
        tx.commit().await
    };
    if let Err(e) = out.await {
        tracing::error!(update_id, error = %e, "could not tell the sender their update failed");
    }
}
