//! The durable outbox: every message the bot sends is a row here first.
use super::{on_pool, on_tx, Result, Store, Tx};

/// Set in the transaction of a queue's head query on PostgreSQL (the sender's pass, the
/// inbox claim), so that it walks the queue's index in order and stops at the limit (0.1-0.2
/// ms). Right after a warning queued 10,000 copies the table's statistics still count a few
/// dozen pending rows, and the planner would rather scan and sort them all (10-12 ms a pass,
/// an eighth of the paid rate); without sorts and bitmap scans the walk is its only plan.
pub const PLAN_BY_QUEUE: &str =
    "SELECT set_config('enable_bitmapscan', 'off', true), set_config('enable_sort', 'off', true)";

/// A PostgreSQL transaction for one queue-head query, planned by `PLAN_BY_QUEUE`.
pub(super) async fn walking_the_queue(
    p: &sqlx::PgPool,
) -> Result<sqlx::Transaction<'static, sqlx::Postgres>> {
    let mut tx = p.begin().await?;
    sqlx::query(PLAN_BY_QUEUE).execute(&mut *tx).await?;
    Ok(tx)
}

/// A message to send, written in the same transaction as the change that causes it.
#[derive(Debug, Clone, PartialEq)]
pub struct Outgoing {
    /// Unique per logical message, so enqueueing twice sends once.
    pub idem_key: String,
    /// 0 for methods not addressed to a chat (callback answers, command menus).
    pub chat_id: i64,
    pub method: String,
    /// Bot API parameters, without `chat_id` (and without `message_id` for edits).
    pub payload: serde_json::Value,
    /// For edits: the idem key of the message being edited.
    pub edit_of: Option<String>,
    /// To someone who is not a member: once delivered (or given up) the row keeps neither
    /// the recipient nor the text, so a stranger leaves no trace.
    pub ephemeral: bool,
    /// Sent ahead of routine messages (an edit takes its original's priority instead).
    pub urgent: bool,
}

impl Outgoing {
    /// The row of a notice: its key, its chat, the channel's call and parameters; sent ahead
    /// of routine rows unless the notice is routine.
    pub fn of_notice(
        n: &crate::notice::Notice,
        method: &str,
        payload: serde_json::Value,
        edit_of: Option<String>,
    ) -> Outgoing {
        Outgoing {
            idem_key: n.key.clone(),
            chat_id: n.chat,
            method: method.into(),
            payload,
            edit_of,
            ephemeral: false,
            urgent: n.priority != crate::notice::Priority::Routine,
        }
    }
}

#[derive(Debug, Clone)]
pub struct DueMessage {
    pub id: i64,
    pub chat_id: i64,
    pub method: String,
    pub payload: String,
    pub edit_of: Option<String>,
    pub attempts: i64,
    pub ephemeral: bool,
}

impl DueMessage {
    /// The chat to name in a log line: never the recipient of an ephemeral message (a
    /// stranger or a tipster).
    pub fn log_chat(&self) -> i64 {
        if self.ephemeral {
            0
        } else {
            self.chat_id
        }
    }
}

/// What `Store::claim_messages` did with the ids it was given.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Claimed {
    /// Reserved for this sender.
    pub taken: Vec<i64>,
    /// Given up: claimed too often without a result.
    pub given_up: Vec<i64>,
}

/// The start of `last_error` for a message given up by `Store::claim_messages`.
pub const GIVEN_UP: &str = "given up: its send never finished";

/// Where a logical message stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SentState {
    Pending,
    Sent(Option<i64>),
    Failed,
}

impl Tx {
    pub async fn enqueue(&mut self, m: &Outgoing, now: i64) -> Result<()> {
        // An edit never overtakes the message it edits: it waits in that message's lane.
        let sql = "INSERT INTO outbox (idem_key, chat_id, method, payload, edit_of, ephemeral, urgent, not_before, created_at) \
                   VALUES ($1, $2, $3, $4, $5, $6, COALESCE((SELECT e.urgent FROM outbox e WHERE e.idem_key = $5), $8), $7, $7) \
                   ON CONFLICT (idem_key) DO NOTHING";
        let payload = m.payload.to_string();
        on_tx!(self, c => sqlx::query(sql).bind(&m.idem_key).bind(m.chat_id).bind(&m.method).bind(&payload)
            .bind(&m.edit_of).bind(m.ephemeral).bind(now).bind(m.urgent).execute(&mut **c).await?.rows_affected());
        Ok(())
    }
}

impl Tx {
    /// Enqueue many messages with multi-row statements; edits go one by one (each takes its
    /// original's priority).
    pub async fn enqueue_all(&mut self, msgs: &[Outgoing], now: i64) -> Result<()> {
        let (edits, sends): (Vec<&Outgoing>, Vec<&Outgoing>) =
            msgs.iter().partition(|m| m.edit_of.is_some());
        for m in edits {
            self.enqueue(m, now).await?;
        }
        // 8 parameters a row, well under both backends' limits.
        for chunk in sends.chunks(500) {
            let head = "INSERT INTO outbox (idem_key, chat_id, method, payload, ephemeral, urgent, not_before, created_at) ";
            on_tx!(self, c => {
                let mut q = sqlx::QueryBuilder::new(head);
                q.push_values(chunk, |mut b, m| {
                    b.push_bind(m.idem_key.clone()).push_bind(m.chat_id).push_bind(m.method.clone())
                        .push_bind(m.payload.to_string()).push_bind(m.ephemeral).push_bind(m.urgent)
                        .push_bind(now).push_bind(now);
                });
                q.push(" ON CONFLICT (idem_key) DO NOTHING");
                q.build().execute(&mut **c).await?.rows_affected()
            });
        }
        Ok(())
    }
}

impl Store {
    /// Enqueue outside any other change (e.g. a CLI or a startup task).
    pub async fn enqueue(&self, msgs: &[Outgoing], now: i64) -> Result<()> {
        let mut tx = self.begin().await?;
        for m in msgs {
            tx.enqueue(m, now).await?;
        }
        tx.commit().await
    }

    /// Due messages that are first in line for their chat (so a chat's messages keep order
    /// even when one of them waits for a retry) and not leased by a sender. Urgent ones come
    /// first, in each chat's line and overall. The head of a chat is found with `LIMIT 1`
    /// rather than `NOT EXISTS`, which PostgreSQL with stale statistics (a queue that grew
    /// fast) ran as a scan of the whole queue per candidate: 240 ms with 44,000 pending,
    /// against 0.3 ms.
    pub async fn due_messages(&self, now: i64, limit: i64) -> Result<Vec<DueMessage>> {
        let sql = "SELECT o.id, o.chat_id, o.method, o.payload, o.edit_of, o.attempts, o.ephemeral FROM outbox o \
                   WHERE o.state = 'pending' AND o.not_before <= $1 AND (o.lease_until IS NULL OR o.lease_until < $1) \
                   AND (o.chat_id = 0 OR o.id = (SELECT e.id FROM outbox e WHERE e.chat_id = o.chat_id \
                        AND e.state = 'pending' ORDER BY e.urgent DESC, e.id LIMIT 1)) \
                   ORDER BY o.urgent DESC, o.id LIMIT $2";
        type Row = (i64, i64, String, String, Option<String>, i64, bool);
        let rows: Vec<Row> = if let Store::Postgres(p) = self {
            let mut tx = walking_the_queue(p).await?;
            let rows = sqlx::query_as(sql)
                .bind(now)
                .bind(limit)
                .fetch_all(&mut *tx)
                .await?;
            tx.commit().await?;
            rows
        } else {
            on_pool!(self, p => sqlx::query_as(sql).bind(now).bind(limit).fetch_all(p).await?)
        };
        Ok(rows
            .into_iter()
            .map(
                |(id, chat_id, method, payload, edit_of, attempts, ephemeral)| DueMessage {
                    id,
                    chat_id,
                    method,
                    payload,
                    edit_of,
                    attempts,
                    ephemeral,
                },
            )
            .collect())
    }

    /// The earliest time a pending message becomes due, if any.
    pub async fn next_due(&self) -> Result<Option<i64>> {
        let sql = "SELECT MIN(not_before) FROM outbox WHERE state = 'pending'";
        let row: (Option<i64>,) = on_pool!(self, p => sqlx::query_as(sql).fetch_one(p).await?);
        Ok(row.0)
    }

    /// Take these messages for sending until `lease_until` (not another sender's, still
    /// pending). A claim counts as begun until a result is recorded: a message already
    /// claimed `max_claims` times with no result (each time the process died while sending
    /// it) is given up instead, with an ephemeral one's recipient and text erased.
    pub async fn claim_messages(
        &self,
        ids: &[i64],
        now: i64,
        lease_until: i64,
        max_claims: i64,
    ) -> Result<Claimed> {
        if ids.is_empty() {
            return Ok(Claimed::default());
        }
        // Ids are our own integers: listed inline, one statement for the whole pass. In SET
        // every column is read as it was before the statement.
        let sql = format!(
            "UPDATE outbox SET claims = claims + 1, \
             state = CASE WHEN claims >= $3 THEN 'failed' ELSE state END, \
             lease_until = CASE WHEN claims >= $3 THEN NULL ELSE $2 END, \
             last_error = CASE WHEN claims >= $3 THEN $4 ELSE last_error END, \
             chat_id = CASE WHEN claims >= $3 AND ephemeral THEN 0 ELSE chat_id END, \
             payload = CASE WHEN claims >= $3 AND ephemeral THEN '{{}}' ELSE payload END \
             WHERE id IN ({}) AND state = 'pending' \
             AND (lease_until IS NULL OR lease_until < $1) RETURNING id, state",
            id_list(ids)
        );
        let given_up = format!("{GIVEN_UP} {max_claims} times");
        let rows: Vec<(i64, String)> = on_pool!(self, p => sqlx::query_as(&sql).bind(now).bind(lease_until)
            .bind(max_claims).bind(&given_up).fetch_all(p).await?);
        let mut claimed = Claimed::default();
        for (id, state) in rows {
            match state.as_str() {
                "pending" => claimed.taken.push(id),
                _ => claimed.given_up.push(id),
            }
        }
        Ok(claimed)
    }

    /// Give back claimed messages this pass did not send (their claim was no attempt).
    pub async fn release_claims(&self, ids: &[i64]) -> Result<()> {
        if ids.is_empty() {
            return Ok(());
        }
        let sql = format!(
            "UPDATE outbox SET lease_until = NULL, \
             claims = CASE WHEN claims > 0 THEN claims - 1 ELSE 0 END \
             WHERE id IN ({}) AND state = 'pending'",
            id_list(ids)
        );
        on_pool!(self, p => sqlx::query(&sql).execute(p).await?.rows_affected());
        Ok(())
    }

    pub async fn release_leases(&self) -> Result<u64> {
        let sql = "UPDATE outbox SET lease_until = NULL WHERE state = 'pending' AND lease_until IS NOT NULL";
        Ok(on_pool!(self, p => sqlx::query(sql).execute(p).await?.rows_affected()))
    }

    pub async fn message_sent(&self, id: i64, tg_message_id: Option<i64>, now: i64) -> Result<()> {
        let sql = "UPDATE outbox SET state = 'sent', sent_at = $2, tg_message_id = $3, lease_until = NULL, \
                   last_error = NULL, claims = 0, \
                   chat_id = CASE WHEN ephemeral THEN 0 ELSE chat_id END, \
                   payload = CASE WHEN ephemeral THEN '{}' ELSE payload END WHERE id = $1";
        on_pool!(self, p => sqlx::query(sql).bind(id).bind(now).bind(tg_message_id).execute(p).await?.rows_affected());
        Ok(())
    }

    /// Try again at `not_before`; `attempt` counts it as a failed attempt (429s do not).
    pub async fn message_retry(
        &self,
        id: i64,
        not_before: i64,
        error: &str,
        attempt: bool,
    ) -> Result<()> {
        let sql = "UPDATE outbox SET not_before = $2, last_error = $3, lease_until = NULL, \
                   attempts = attempts + $4, claims = 0 WHERE id = $1";
        on_pool!(self, p => sqlx::query(sql).bind(id).bind(not_before).bind(error).bind(i64::from(attempt))
            .execute(p).await?.rows_affected());
        Ok(())
    }

    pub async fn message_failed(&self, id: i64, error: &str) -> Result<()> {
        // Given up is as final as sent: an ephemeral row keeps neither recipient nor text.
        let sql =
            "UPDATE outbox SET state = 'failed', last_error = $2, lease_until = NULL, claims = 0, \
                   chat_id = CASE WHEN ephemeral THEN 0 ELSE chat_id END, \
                   payload = CASE WHEN ephemeral THEN '{}' ELSE payload END WHERE id = $1";
        on_pool!(self, p => sqlx::query(sql).bind(id).bind(error).execute(p).await?.rows_affected());
        Ok(())
    }

    /// Telegram will never deliver to this chat: remember it on the person or duty room, so
    /// features can escalate around them.
    pub async fn chat_unreachable(&self, chat_id: i64) -> Result<()> {
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, c => sqlx::query("UPDATE people SET unreachable = TRUE WHERE tg_user_id = $1")
            .bind(chat_id).execute(&mut **c).await?.rows_affected());
        on_tx!(&mut tx, c => sqlx::query("UPDATE units SET duty_chat_unreachable = TRUE WHERE duty_chat_id = $1")
            .bind(chat_id).execute(&mut **c).await?.rows_affected());
        tx.commit().await
    }

    /// A group became a supergroup: its new id replaces the old one everywhere.
    pub async fn migrate_chat(&self, old: i64, new: i64) -> Result<()> {
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, c => sqlx::query("UPDATE units SET duty_chat_id = $2 WHERE duty_chat_id = $1")
            .bind(old).bind(new).execute(&mut **c).await?.rows_affected());
        on_tx!(&mut tx, c => sqlx::query("UPDATE outbox SET chat_id = $2, lease_until = NULL, claims = 0 WHERE chat_id = $1 AND state = 'pending'")
            .bind(old).bind(new).execute(&mut **c).await?.rows_affected());
        on_tx!(&mut tx, c => sqlx::query("UPDATE conversations SET chat_id = $2 WHERE chat_id = $1")
            .bind(old).bind(new).execute(&mut **c).await?.rows_affected());
        tx.commit().await
    }

    pub async fn sent_state(&self, idem_key: &str) -> Result<Option<SentState>> {
        let sql = "SELECT state, tg_message_id FROM outbox WHERE idem_key = $1";
        let row: Option<(String, Option<i64>)> =
            on_pool!(self, p => sqlx::query_as(sql).bind(idem_key).fetch_optional(p).await?);
        Ok(row.map(|(state, id)| match state.as_str() {
            "sent" => SentState::Sent(id),
            "failed" => SentState::Failed,
            _ => SentState::Pending,
        }))
    }

    /// (pending, sent, failed) counts, for tests, the demo and health checks.
    pub async fn outbox_counts(&self) -> Result<(i64, i64, i64)> {
        let sql = "SELECT COALESCE(SUM(CASE WHEN state = 'pending' THEN 1 ELSE 0 END), 0), \
                   COALESCE(SUM(CASE WHEN state = 'sent' THEN 1 ELSE 0 END), 0), \
                   COALESCE(SUM(CASE WHEN state = 'failed' THEN 1 ELSE 0 END), 0) FROM outbox";
        let row: (i64, i64, i64) = on_pool!(self, p => sqlx::query_as(sql).fetch_one(p).await?);
        Ok(row)
    }
}

fn id_list(ids: &[i64]) -> String {
    ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
}
