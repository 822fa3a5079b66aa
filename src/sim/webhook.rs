//! Webhook push: once `setWebhook` names a URL, queued updates are posted there (with the
//! secret-token header) instead of waiting for getUpdates, up to `max_connections` at a time,
//! each until it is answered 2xx, as Telegram does. Tests may put a load balancer in front:
//! several target URLs taken in turn, skipping any that refuses connections.
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use tokio::task::JoinSet;
use tokio::time::Instant;

use super::state::Inner;

/// First wait after a failed delivery; doubles up to `MAX_RETRY`.
const FIRST_RETRY: Duration = Duration::from_millis(100);
const MAX_RETRY: Duration = Duration::from_secs(2);

pub(crate) async fn push(inner: Arc<Inner>) {
    let client = reqwest::Client::new();
    let mut in_flight: HashSet<i64> = HashSet::new();
    // Failed updates wait until then before the next try, and how long the last wait was.
    let mut retry: HashMap<i64, (Instant, Duration)> = HashMap::new();
    let mut jobs = JoinSet::new();
    let mut turn = 0usize;
    loop {
        let notified = inner.updates_changed.notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        let now = Instant::now();
        let (hook, ready) = {
            let st = inner.st();
            match &st.webhook {
                None => (None, Vec::new()),
                Some(hook) => {
                    let targets = if st.webhook_balance.is_empty() {
                        vec![hook.url.clone()]
                    } else {
                        st.webhook_balance.clone()
                    };
                    let room = hook.max_connections.saturating_sub(in_flight.len());
                    let ready: Vec<(i64, Value)> = st
                        .updates
                        .iter()
                        .filter_map(|u| Some((u.get("update_id")?.as_i64()?, u.clone())))
                        .filter(|(id, _)| !in_flight.contains(id))
                        .filter(|(id, _)| retry.get(id).is_none_or(|(at, _)| *at <= now))
                        .take(room)
                        .collect();
                    (Some((targets, hook.secret.clone())), ready)
                }
            }
        };
        if let Some((targets, secret)) = hook {
            for (id, update) in ready {
                in_flight.insert(id);
                turn = turn.wrapping_add(1);
                let (client, targets, secret) = (client.clone(), targets.clone(), secret.clone());
                jobs.spawn(async move {
                    (
                        id,
                        deliver(&client, &targets, secret.as_deref(), turn, &update).await,
                    )
                });
            }
        }
        tokio::select! {
            Some(done) = jobs.join_next() => {
                let Ok((id, delivered)) = done else { continue };
                in_flight.remove(&id);
                let mut st = inner.st();
                if delivered {
                    retry.remove(&id);
                    st.updates.retain(|u| u.get("update_id").and_then(Value::as_i64) != Some(id));
                    st.stats.webhook_delivered += 1;
                    drop(st);
                    inner.updates_confirmed.notify_waiters();
                } else {
                    st.stats.webhook_failed += 1;
                    let wait = retry.get(&id).map_or(FIRST_RETRY, |(_, w)| (*w * 2).min(MAX_RETRY));
                    retry.insert(id, (Instant::now() + wait, wait));
                }
            }
            _ = notified => {}
            // Failed updates come due again.
            _ = tokio::time::sleep(FIRST_RETRY) => {}
        }
    }
}

/// Post one update, starting at target `turn`; true once a target answered 2xx.
async fn deliver(
    client: &reqwest::Client,
    targets: &[String],
    secret: Option<&str>,
    turn: usize,
    update: &Value,
) -> bool {
    for k in 0..targets.len() {
        let url = &targets[(turn + k) % targets.len()];
        let mut req = client
            .post(url)
            .json(update)
            .timeout(Duration::from_secs(30));
        if let Some(s) = secret {
            req = req.header("X-Telegram-Bot-Api-Secret-Token", s);
        }
        match req.send().await {
            Ok(r) => return r.status().is_success(),
            // Refused: the balancer tries the next replica.
            Err(e) if e.is_connect() => continue,
            Err(_) => return false,
        }
    }
    false
}
