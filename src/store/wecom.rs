//! What WeCom needs kept: the way back from an address to the member or robot it stands for
//! (`crate::channel`), messages stored once however often WeCom delivers them, and the
//! single-use code that updating a pressed card takes.
use super::{on_pool, on_tx, Result, Store, Tx};
use crate::channel::{self, WecomKind, WECOM_UPDATES};

/// A message from a WeCom member, as the callback received it.
#[derive(Debug, Clone)]
pub struct WecomArrival {
    /// MsgId, or sender and time: the same for a redelivery.
    pub source_key: String,
    /// The member's UserID.
    pub from: String,
    /// The decrypted message.
    pub payload: String,
    /// A press on a card: its task id and the code that updates it.
    pub card_code: Option<(String, String)>,
}

/// A card's latest code replaces any before it: each is single use, the latest is unspent.
const KEEP_CARD_CODE: &str =
    "INSERT INTO wecom_card_codes (task_id, response_code, at) VALUES ($1, $2, $3) \
     ON CONFLICT (task_id) DO UPDATE SET response_code = excluded.response_code, at = excluded.at";

/// Serialises the numbering of WeCom's inbox rows between replicas (PostgreSQL).
const NUMBERING_LOCK: i64 = 0x0057_4543_4f4d;

impl Store {
    /// Store a message before WeCom is answered; false when it was stored before (a
    /// redelivery). Its inbox id follows the last WeCom message's, so one member's messages
    /// are handled in the order they came.
    pub async fn add_wecom_message(&self, m: &WecomArrival, now: i64) -> Result<bool> {
        let chat = channel::wecom_address(WecomKind::Member, &m.from);
        let mut tx = self.begin().await?;
        if self.is_postgres() {
            on_tx!(&mut tx, c => sqlx::query("SELECT pg_advisory_xact_lock($1)")
                .bind(NUMBERING_LOCK).execute(&mut **c).await?.rows_affected());
        }
        let seen: Option<(i64,)> = on_tx!(&mut tx, c => sqlx::query_as("SELECT update_id FROM inbox WHERE source_key = $1")
            .bind(&m.source_key).fetch_optional(&mut **c).await?);
        if seen.is_some() {
            return Ok(false);
        }
        tx.remember_wecom(WecomKind::Member, &m.from).await?;
        let sql = "INSERT INTO inbox (update_id, chat_key, payload, received_at, source_key) \
                   SELECT COALESCE(MAX(update_id), $1) + 1, $2, $3, $4, $5 FROM inbox WHERE update_id >= $1";
        on_tx!(&mut tx, c => sqlx::query(sql).bind(WECOM_UPDATES).bind(chat).bind(&m.payload)
            .bind(now).bind(&m.source_key).execute(&mut **c).await?.rows_affected());
        if let Some((task, code)) = &m.card_code {
            on_tx!(&mut tx, c => sqlx::query(KEEP_CARD_CODE).bind(task).bind(code).bind(now)
                .execute(&mut **c).await?.rows_affected());
        }
        tx.commit().await?;
        Ok(true)
    }

    /// The UserID or robot key behind a WeCom address.
    pub async fn wecom_external(&self, chat: i64) -> Result<Option<String>> {
        let sql = "SELECT external FROM wecom_addresses WHERE chat_id = $1";
        let row: Option<(String,)> =
            on_pool!(self, p => sqlx::query_as(sql).bind(chat).fetch_optional(p).await?);
        Ok(row.map(|r| r.0))
    }

    /// The code WeCom gave with a card it was sent: it can update the card once, before
    /// anyone presses it (a typed answer, or someone else's, shown on it).
    pub async fn keep_card_code(&self, task_id: &str, code: &str, now: i64) -> Result<()> {
        on_pool!(self, p => sqlx::query(KEEP_CARD_CODE).bind(task_id).bind(code).bind(now)
            .execute(p).await?.rows_affected());
        Ok(())
    }

    /// The code of the last press on this card (or of its send): what updating it takes.
    pub async fn card_code(&self, task_id: &str) -> Result<Option<String>> {
        let sql = "SELECT response_code FROM wecom_card_codes WHERE task_id = $1";
        let row: Option<(String,)> =
            on_pool!(self, p => sqlx::query_as(sql).bind(task_id).fetch_optional(p).await?);
        Ok(row.map(|r| r.0))
    }

    /// The code updated its card: WeCom takes each once (a later press brings a new one).
    pub async fn card_code_used(&self, task_id: &str, code: &str) -> Result<()> {
        let sql = "DELETE FROM wecom_card_codes WHERE task_id = $1 AND response_code = $2";
        on_pool!(self, p => sqlx::query(sql).bind(task_id).bind(code).execute(p).await?.rows_affected());
        Ok(())
    }

    /// Forget up to `limit` card codes older than `before` (WeCom takes them for 72 hours).
    pub async fn prune_card_codes(&self, before: i64, limit: i64) -> Result<u64> {
        let sql = "DELETE FROM wecom_card_codes WHERE task_id IN \
                   (SELECT task_id FROM wecom_card_codes WHERE at < $1 LIMIT $2)";
        Ok(
            on_pool!(self, p => sqlx::query(sql).bind(before).bind(limit).execute(p).await?.rows_affected()),
        )
    }
}

impl Tx {
    /// Keep the way back from this member's or robot's address; returns the address.
    pub async fn remember_wecom(&mut self, kind: WecomKind, external: &str) -> Result<i64> {
        let chat = channel::wecom_address(kind, external);
        let sql = "INSERT INTO wecom_addresses (chat_id, kind, external) VALUES ($1, $2, $3) \
                   ON CONFLICT DO NOTHING";
        on_tx!(self, c => sqlx::query(sql).bind(chat).bind(kind.as_str()).bind(external)
            .execute(&mut **c).await?.rows_affected());
        Ok(chat)
    }
}
