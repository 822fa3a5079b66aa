//! Anonymous tips: the tips, their exchange, tipsters' chats by keyed hash and handlers'
//! pending replies. Nothing here holds a tipster's chat id in the clear.
use super::{on_pool, on_tx, Result, Store, Tx};

#[derive(Debug, Clone)]
pub struct TipRow {
    pub id: i64,
    pub desk_unit: String,
    pub state: String,
    pub chat_sealed: Option<String>,
    pub code_hash: Option<String>,
    pub reward_state: String,
    pub reward_amount: Option<i64>,
    pub outcome: Option<String>,
    pub created_at: i64,
    pub forgotten_at: Option<i64>,
}

type Row = (
    i64,
    String,
    String,
    Option<String>,
    Option<String>,
    String,
    Option<i64>,
    Option<String>,
    i64,
    Option<i64>,
);

fn tip_of(r: Row) -> TipRow {
    TipRow {
        id: r.0,
        desk_unit: r.1,
        state: r.2,
        chat_sealed: r.3,
        code_hash: r.4,
        reward_state: r.5,
        reward_amount: r.6,
        outcome: r.7,
        created_at: r.8,
        forgotten_at: r.9,
    }
}

const COLS: &str = "id, desk_unit, state, chat_sealed, code_hash, reward_state, reward_amount, outcome, created_at, forgotten_at";

/// One line of a tip's exchange.
#[derive(Debug, Clone)]
pub struct TipEntry {
    pub at: i64,
    pub side: String,
    pub kind: String,
    pub body: String,
}

/// What a tipster's chat (by keyed hash) is in the middle of.
#[derive(Debug, Clone, Default)]
pub struct TipChat {
    pub draft: Option<String>,
    pub tip_id: Option<i64>,
    pub reveal_tip: Option<i64>,
}

/// A handler's pending answer to a tip.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TipWait {
    pub tip_id: i64,
    pub action: String,
}

impl Store {
    pub async fn tip_chat(&self, chat_key: &str) -> Result<Option<TipChat>> {
        let sql = "SELECT draft, tip_id, reveal_tip FROM tip_chats WHERE chat_key = $1";
        let row: Option<(Option<String>, Option<i64>, Option<i64>)> =
            on_pool!(self, p => sqlx::query_as(sql).bind(chat_key).fetch_optional(p).await?);
        Ok(row.map(|(draft, tip_id, reveal_tip)| TipChat {
            draft,
            tip_id,
            reveal_tip,
        }))
    }

    pub async fn tip_wait(&self, chat_id: i64, user_id: i64) -> Result<Option<TipWait>> {
        let sql = "SELECT tip_id, action FROM tip_waits WHERE chat_id = $1 AND user_id = $2";
        let row: Option<(i64, String)> = on_pool!(self, p => sqlx::query_as(sql).bind(chat_id).bind(user_id).fetch_optional(p).await?);
        Ok(row.map(|(tip_id, action)| TipWait { tip_id, action }))
    }

    /// The tip a receipt code's lookup value belongs to, with its Argon2 hash.
    pub async fn tip_by_lookup(&self, lookup: &str) -> Result<Option<(i64, String)>> {
        let sql = "SELECT id, code_hash FROM tips WHERE code_lookup = $1 AND code_hash IS NOT NULL";
        Ok(on_pool!(self, p => sqlx::query_as(sql).bind(lookup).fetch_optional(p).await?))
    }
}

const ROOT_UNIT: &str =
    "SELECT id FROM units WHERE parent_id IS NULL ORDER BY position, id LIMIT 1";

impl Tx {
    /// The root unit: no parent, first in file order.
    pub async fn root_unit(&mut self) -> Result<Option<String>> {
        let row: Option<(String,)> =
            on_tx!(self, c => sqlx::query_as(ROOT_UNIT).fetch_optional(&mut **c).await?);
        Ok(row.map(|r| r.0))
    }

    pub async fn tip_chat(&mut self, chat_key: &str) -> Result<Option<TipChat>> {
        let sql = "SELECT draft, tip_id, reveal_tip FROM tip_chats WHERE chat_key = $1";
        let row: Option<(Option<String>, Option<i64>, Option<i64>)> =
            on_tx!(self, c => sqlx::query_as(sql).bind(chat_key).fetch_optional(&mut **c).await?);
        Ok(row.map(|(draft, tip_id, reveal_tip)| TipChat {
            draft,
            tip_id,
            reveal_tip,
        }))
    }

    /// Start (or restart) a draft in this chat; a relay session it had stays for afterwards.
    pub async fn put_tip_draft(&mut self, chat_key: &str, draft: &str, now: i64) -> Result<()> {
        let sql = "INSERT INTO tip_chats (chat_key, draft, updated_at) VALUES ($1, $2, $3) \
                   ON CONFLICT (chat_key) DO UPDATE SET draft = excluded.draft, reveal_tip = NULL, \
                   updated_at = excluded.updated_at";
        on_tx!(self, c => sqlx::query(sql).bind(chat_key).bind(draft).bind(now).execute(&mut **c).await?.rows_affected());
        Ok(())
    }

    /// From now on plain messages in this chat go to `tip_id`.
    pub async fn set_tip_session(&mut self, chat_key: &str, tip_id: i64, now: i64) -> Result<()> {
        let sql = "INSERT INTO tip_chats (chat_key, tip_id, updated_at) VALUES ($1, $2, $3) \
                   ON CONFLICT (chat_key) DO UPDATE SET draft = NULL, tip_id = excluded.tip_id, \
                   reveal_tip = NULL, updated_at = excluded.updated_at";
        on_tx!(self, c => sqlx::query(sql).bind(chat_key).bind(tip_id).bind(now).execute(&mut **c).await?.rows_affected());
        Ok(())
    }

    pub async fn set_tip_reveal(
        &mut self,
        chat_key: &str,
        tip_id: Option<i64>,
        now: i64,
    ) -> Result<()> {
        let sql = "INSERT INTO tip_chats (chat_key, reveal_tip, updated_at) VALUES ($1, $2, $3) \
                   ON CONFLICT (chat_key) DO UPDATE SET reveal_tip = excluded.reveal_tip, \
                   updated_at = excluded.updated_at";
        on_tx!(self, c => sqlx::query(sql).bind(chat_key).bind(tip_id).bind(now).execute(&mut **c).await?.rows_affected());
        Ok(())
    }

    /// Forget whatever this chat was doing with tips; true when there was something.
    pub async fn drop_tip_chat(&mut self, chat_key: &str) -> Result<bool> {
        let n = on_tx!(self, c => sqlx::query("DELETE FROM tip_chats WHERE chat_key = $1")
            .bind(chat_key).execute(&mut **c).await?.rows_affected());
        Ok(n > 0)
    }

    pub async fn insert_tip(
        &mut self,
        desk_unit: &str,
        code_lookup: &str,
        code_hash: &str,
        now: i64,
    ) -> Result<i64> {
        let sql = "INSERT INTO tips (desk_unit, code_lookup, code_hash, created_at) VALUES ($1, $2, $3, $4) RETURNING id";
        let row: (i64,) = on_tx!(self, c => sqlx::query_as(sql).bind(desk_unit).bind(code_lookup).bind(code_hash)
            .bind(now).fetch_one(&mut **c).await?);
        Ok(row.0)
    }

    /// Where replies to the tipster go (sealed); the latest account that used the code.
    pub async fn set_tip_chat_sealed(&mut self, id: i64, sealed: &str) -> Result<()> {
        on_tx!(self, c => sqlx::query("UPDATE tips SET chat_sealed = $2 WHERE id = $1 AND forgotten_at IS NULL")
            .bind(id).bind(sealed).execute(&mut **c).await?.rows_affected());
        Ok(())
    }

    /// The tip, locked for the rest of this transaction.
    pub async fn tip(&mut self, id: i64) -> Result<Option<TipRow>> {
        let sql = format!(
            "SELECT {COLS} FROM tips WHERE id = $1{}",
            self.lock_clause(" FOR UPDATE")
        );
        let row: Option<Row> = on_tx!(self, c => sqlx::query_as(&sql)
                    .bind(id)
                    .fetch_optional(&mut **c)
                    .await?);
        Ok(row.map(tip_of))
    }

    pub async fn add_tip_entry(
        &mut self,
        tip_id: i64,
        side: &str,
        kind: &str,
        body: &str,
        person_id: Option<i64>,
        now: i64,
    ) -> Result<i64> {
        let sql = "INSERT INTO tip_entries (tip_id, at, side, kind, body, person_id) \
                   VALUES ($1, $2, $3, $4, $5, $6) RETURNING id";
        let row: (i64,) = on_tx!(self, c => sqlx::query_as(sql).bind(tip_id).bind(now).bind(side).bind(kind)
            .bind(body).bind(person_id).fetch_one(&mut **c).await?);
        Ok(row.0)
    }

    pub async fn tip_entries(&mut self, tip_id: i64) -> Result<Vec<TipEntry>> {
        let sql = "SELECT at, side, kind, body FROM tip_entries WHERE tip_id = $1 ORDER BY id";
        let rows: Vec<(i64, String, String, String)> =
            on_tx!(self, c => sqlx::query_as(sql).bind(tip_id).fetch_all(&mut **c).await?);
        Ok(rows
            .into_iter()
            .map(|(at, side, kind, body)| TipEntry {
                at,
                side,
                kind,
                body,
            })
            .collect())
    }

    pub async fn ack_tip(&mut self, id: i64, person_id: i64) -> Result<()> {
        let sql = "UPDATE tips SET state = 'acknowledged', acked_by = $2 WHERE id = $1 AND state = 'open'";
        on_tx!(self, c => sqlx::query(sql).bind(id).bind(person_id).execute(&mut **c).await?.rows_affected());
        Ok(())
    }

    pub async fn close_tip(&mut self, id: i64, outcome: &str, now: i64) -> Result<()> {
        let sql = "UPDATE tips SET state = 'closed', outcome = $2, closed_at = $3 WHERE id = $1";
        on_tx!(self, c => sqlx::query(sql).bind(id).bind(outcome).bind(now).execute(&mut **c).await?.rows_affected());
        Ok(())
    }

    pub async fn set_tip_reward(
        &mut self,
        id: i64,
        state: &str,
        amount: Option<i64>,
    ) -> Result<()> {
        let sql = "UPDATE tips SET reward_state = $2, reward_amount = COALESCE($3, reward_amount) WHERE id = $1";
        on_tx!(self, c => sqlx::query(sql).bind(id).bind(state).bind(amount).execute(&mut **c).await?.rows_affected());
        Ok(())
    }

    pub async fn record_tip_reveal(&mut self, id: i64, revealed_as: &str, now: i64) -> Result<()> {
        let sql = "UPDATE tips SET revealed_at = $2, revealed_as = $3 WHERE id = $1";
        on_tx!(self, c => sqlx::query(sql).bind(id).bind(now).bind(revealed_as).execute(&mut **c).await?.rows_affected());
        Ok(())
    }

    /// Erase everything that could lead back to the tipster: the sealed chat, the receipt
    /// code's lookup and hash (so the code now answers like any wrong one), and the chats'
    /// sessions. The exchange itself stays for the record.
    pub async fn forget_tip(&mut self, id: i64, now: i64) -> Result<()> {
        let sql = "UPDATE tips SET chat_sealed = NULL, code_lookup = NULL, code_hash = NULL, \
                   forgotten_at = $2 WHERE id = $1";
        on_tx!(self, c => sqlx::query(sql).bind(id).bind(now).execute(&mut **c).await?.rows_affected());
        on_tx!(self, c => sqlx::query("DELETE FROM tip_chats WHERE tip_id = $1 OR reveal_tip = $1")
            .bind(id).execute(&mut **c).await?.rows_affected());
        on_tx!(self, c => sqlx::query("DELETE FROM tip_waits WHERE tip_id = $1")
            .bind(id).execute(&mut **c).await?.rows_affected());
        Ok(())
    }

    pub async fn set_tip_wait(
        &mut self,
        chat_id: i64,
        user_id: i64,
        tip_id: i64,
        action: &str,
        now: i64,
    ) -> Result<()> {
        let sql = "INSERT INTO tip_waits (chat_id, user_id, tip_id, action, at) VALUES ($1, $2, $3, $4, $5) \
                   ON CONFLICT (chat_id, user_id) DO UPDATE SET tip_id = excluded.tip_id, \
                   action = excluded.action, at = excluded.at";
        on_tx!(self, c => sqlx::query(sql).bind(chat_id).bind(user_id).bind(tip_id).bind(action).bind(now)
            .execute(&mut **c).await?.rows_affected());
        Ok(())
    }

    /// The handler's pending answer, removed as it is taken.
    pub async fn take_tip_wait(&mut self, chat_id: i64, user_id: i64) -> Result<Option<TipWait>> {
        let sql =
            "DELETE FROM tip_waits WHERE chat_id = $1 AND user_id = $2 RETURNING tip_id, action";
        let row: Option<(i64, String)> = on_tx!(self, c => sqlx::query_as(sql).bind(chat_id).bind(user_id).fetch_optional(&mut **c).await?);
        Ok(row.map(|(tip_id, action)| TipWait { tip_id, action }))
    }

    pub async fn drop_tip_wait(&mut self, chat_id: i64, user_id: i64) -> Result<bool> {
        let n = on_tx!(self, c => sqlx::query("DELETE FROM tip_waits WHERE chat_id = $1 AND user_id = $2")
            .bind(chat_id).bind(user_id).execute(&mut **c).await?.rows_affected());
        Ok(n > 0)
    }
}
