//! What the board reads (through the pool, never a write transaction: a wall screen asks
//! every second) and its links' tokens, kept only as hashes.
use super::{on_pool, on_tx, Result, Store, Tx};
use std::collections::HashSet;

/// A running escalation as the board shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BoardEscalation {
    pub id: i64,
    pub unit_id: String,
    pub what_key: String,
    pub what_args: String,
    pub state: String,
    pub next_step: i64,
    pub since: i64,
    /// Who was alerted, once each, in order.
    pub alerted: Vec<String>,
}

/// A warning in force, counted over the recipients of the viewed units.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BoardWarning {
    pub id: i64,
    pub level: String,
    pub text: String,
    pub exercise: bool,
    pub expires_at: i64,
    pub tally: super::UnitTally,
    /// The viewed units it has recipients in, in the order the tally met them.
    pub units: Vec<String>,
}

impl Tx {
    pub async fn add_board_token(
        &mut self,
        hash: &str,
        prefix: &str,
        unit_id: &str,
        person_id: Option<i64>,
        now: i64,
        expires_at: Option<i64>,
    ) -> Result<()> {
        let sql = "INSERT INTO board_tokens (token_hash, prefix, unit_id, person_id, created_at, expires_at) \
                   VALUES ($1, $2, $3, $4, $5, $6)";
        on_tx!(self, c => sqlx::query(sql).bind(hash).bind(prefix).bind(unit_id).bind(person_id)
            .bind(now).bind(expires_at).execute(&mut **c).await?.rows_affected());
        Ok(())
    }
}

impl Store {
    /// The unit a valid (unexpired, unrevoked) token opens.
    pub async fn board_token(&self, hash: &str, now: i64) -> Result<Option<String>> {
        let sql = "SELECT unit_id FROM board_tokens WHERE token_hash = $1 AND revoked_at IS NULL \
                   AND (expires_at IS NULL OR expires_at > $2)";
        let row: Option<(String,)> =
            on_pool!(self, p => sqlx::query_as(sql).bind(hash).bind(now).fetch_optional(p).await?);
        Ok(row.map(|r| r.0))
    }

    /// Revoke every live token starting with `prefix`; how many.
    pub async fn revoke_board_tokens(&self, prefix: &str, now: i64) -> Result<u64> {
        let sql =
            "UPDATE board_tokens SET revoked_at = $2 WHERE prefix = $1 AND revoked_at IS NULL";
        Ok(
            on_pool!(self, p => sqlx::query(sql).bind(prefix).bind(now).execute(p).await?.rows_affected()),
        )
    }

    /// Unresolved escalations of these units, oldest first, with who was alerted.
    pub async fn board_escalations(&self, units: &HashSet<&str>) -> Result<Vec<BoardEscalation>> {
        // One row per notification (or one with no name for an escalation not yet notified).
        let sql =
            "SELECT x.id, x.unit_id, x.what_key, x.what_args, x.state, x.next_step, x.since, \
                   CASE WHEN e.id IS NULL THEN NULL ELSE COALESCE(p.name, u.name, '') END \
                   FROM escalations x \
                   LEFT JOIN escalation_events e ON e.escalation_id = x.id AND e.kind = 'notified' \
                   LEFT JOIN people p ON p.id = e.person_id LEFT JOIN units u ON u.id = e.unit_id \
                   WHERE x.state <> 'resolved' ORDER BY x.id, e.id";
        type Row = (
            i64,
            String,
            String,
            String,
            String,
            i64,
            i64,
            Option<String>,
        );
        let rows: Vec<Row> = on_pool!(self, p => sqlx::query_as(sql).fetch_all(p).await?);
        let mut out: Vec<BoardEscalation> = Vec::new();
        for (id, unit_id, what_key, what_args, state, next_step, since, name) in rows {
            if !units.contains(unit_id.as_str()) {
                continue;
            }
            if out.last().is_none_or(|e| e.id != id) {
                out.push(BoardEscalation {
                    id,
                    unit_id,
                    what_key,
                    what_args,
                    state,
                    next_step,
                    since,
                    alerted: Vec::new(),
                });
            }
            if let (Some(e), Some(name)) = (out.last_mut(), name) {
                if !e.alerted.contains(&name) {
                    e.alerted.push(name);
                }
            }
        }
        Ok(out)
    }

    /// Warnings in force with recipients among these units, newest first.
    pub async fn board_warnings(&self, units: &HashSet<&str>) -> Result<Vec<BoardWarning>> {
        let sql = "SELECT id, level, text, exercise, expires_at FROM warnings WHERE ended_at IS NULL ORDER BY id DESC";
        type Row = (i64, String, String, bool, i64);
        let rows: Vec<Row> = on_pool!(self, p => sqlx::query_as(sql).fetch_all(p).await?);
        let mut out = Vec::new();
        for (id, level, text, exercise, expires_at) in rows {
            let sql = format!(
                "{} WHERE r.warning_id = $1 GROUP BY r.unit_id",
                super::warnings::TALLY
            );
            let tallies: Vec<super::warnings::TallyRow> =
                on_pool!(self, p => sqlx::query_as(&sql).bind(id).fetch_all(p).await?);
            let mut tally = super::UnitTally::default();
            let mut covered = Vec::new();
            for t in tallies.into_iter().map(super::warnings::tally_of) {
                if units.contains(t.unit_id.as_str()) {
                    tally.add(&t);
                    covered.push(t.unit_id.clone());
                }
            }
            if tally.targeted > 0 {
                out.push(BoardWarning {
                    id,
                    level,
                    text,
                    exercise,
                    expires_at,
                    tally,
                    units: covered,
                });
            }
        }
        Ok(out)
    }

    /// Tips not closed at these desks: a count, nothing more.
    pub async fn open_tip_count(&self, desks: &HashSet<&str>) -> Result<i64> {
        let sql = "SELECT desk_unit, COUNT(*) FROM tips WHERE state <> 'closed' GROUP BY desk_unit";
        let rows: Vec<(String, i64)> = on_pool!(self, p => sqlx::query_as(sql).fetch_all(p).await?);
        Ok(rows
            .into_iter()
            .filter(|(d, _)| desks.contains(d.as_str()))
            .map(|(_, n)| n)
            .sum())
    }
}
