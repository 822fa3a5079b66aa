//! Escalation chains and their audit trail.
use super::{on_tx, Result, Tx};

#[derive(Debug, Clone)]
pub struct EscalationRow {
    pub id: i64,
    pub subject: String,
    pub unit_id: String,
    pub what_key: String,
    pub what_args: String,
    pub policy: String,
    pub state: EscalationState,
    pub since: i64,
    pub chain_start: i64,
    pub next_step: i64,
    pub acked_by: Option<i64>,
    pub acked_at: Option<i64>,
}

/// Where a chain stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EscalationState {
    /// Alerting, step after step.
    Open,
    /// Someone is on it; it may re-trigger if not resolved in time.
    Acknowledged,
    /// Paused until a wake-up timer opens it again.
    Snoozed,
    /// Over.
    Resolved,
}

impl EscalationState {
    const ALL: [EscalationState; 4] = [
        EscalationState::Open,
        EscalationState::Acknowledged,
        EscalationState::Snoozed,
        EscalationState::Resolved,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EscalationState::Open => "open",
            EscalationState::Acknowledged => "acknowledged",
            EscalationState::Snoozed => "snoozed",
            EscalationState::Resolved => "resolved",
        }
    }

    fn parse(s: &str) -> Result<EscalationState> {
        Self::ALL
            .into_iter()
            .find(|v| v.as_str() == s)
            .ok_or_else(|| super::StoreError::Corrupt(format!("escalation state {s:?}")))
    }
}

type Row = (
    i64,
    String,
    String,
    String,
    String,
    String,
    String,
    i64,
    i64,
    i64,
    Option<i64>,
    Option<i64>,
);

fn row_of(r: Row) -> Result<EscalationRow> {
    Ok(EscalationRow {
        id: r.0,
        subject: r.1,
        unit_id: r.2,
        what_key: r.3,
        what_args: r.4,
        policy: r.5,
        state: EscalationState::parse(&r.6)?,
        since: r.7,
        chain_start: r.8,
        next_step: r.9,
        acked_by: r.10,
        acked_at: r.11,
    })
}

const COLS: &str = "id, subject, unit_id, what_key, what_args, policy, state, since, chain_start, next_step, acked_by, acked_at";

/// Someone an escalation can notify.
#[derive(Debug, Clone, PartialEq)]
pub struct Recipient {
    pub chat_id: i64,
    pub person_id: Option<i64>,
    /// A person's name, or the unit's name for its duty room.
    pub name: String,
    /// The person's language; `None` for a duty room (the configured default).
    pub lang: Option<String>,
}

/// New escalation, as the engine describes it.
pub struct NewEscalation<'a> {
    pub subject: &'a str,
    pub unit_id: &'a str,
    pub what_key: &'a str,
    pub what_args: &'a str,
    pub policy: &'a str,
    pub since: i64,
    pub chain_start: i64,
}

/// One line of the audit trail.
pub struct Event<'a> {
    pub escalation_id: i64,
    pub at: i64,
    pub kind: &'a str,
    pub level: Option<i64>,
    pub unit_id: Option<&'a str>,
    pub person_id: Option<i64>,
    pub chat_id: Option<i64>,
    pub note: Option<&'a str>,
}

impl<'a> Event<'a> {
    /// An event with only its kind; add the rest with struct update syntax.
    pub fn of(escalation_id: i64, at: i64, kind: &'a str) -> Event<'a> {
        Event {
            escalation_id,
            at,
            kind,
            level: None,
            unit_id: None,
            person_id: None,
            chat_id: None,
            note: None,
        }
    }
}

impl Tx {
    /// Start a chain; `None` if one already exists for this subject.
    pub async fn insert_escalation(&mut self, e: &NewEscalation<'_>) -> Result<Option<i64>> {
        let sql = "INSERT INTO escalations (subject, unit_id, what_key, what_args, policy, state, since, chain_start) \
                   VALUES ($1, $2, $3, $4, $5, 'open', $6, $7) ON CONFLICT (subject) DO NOTHING RETURNING id";
        let row: Option<(i64,)> = on_tx!(self, c => sqlx::query_as(sql).bind(e.subject).bind(e.unit_id).bind(e.what_key)
            .bind(e.what_args).bind(e.policy).bind(e.since).bind(e.chain_start).fetch_optional(&mut **c).await?);
        Ok(row.map(|r| r.0))
    }

    /// The escalation, locked for the rest of this transaction.
    pub async fn escalation(&mut self, id: i64) -> Result<Option<EscalationRow>> {
        let sql = format!(
            "SELECT {COLS} FROM escalations WHERE id = $1{}",
            self.lock_clause(" FOR UPDATE")
        );
        let row: Option<Row> = on_tx!(self, c => sqlx::query_as(&sql)
                    .bind(id)
                    .fetch_optional(&mut **c)
                    .await?);
        row.map(row_of).transpose()
    }

    /// Unresolved chains whose subject is `prefix` or starts with `prefix:`.
    pub async fn open_escalations_under(&mut self, prefix: &str) -> Result<Vec<String>> {
        let sql = "SELECT subject FROM escalations WHERE state <> 'resolved' AND (subject = $1 OR subject LIKE $2) ORDER BY id";
        // Prefixes are built from ids (letters, digits, colons): no LIKE wildcards in them.
        let like = format!("{prefix}:%");
        let rows: Vec<(String,)> = on_tx!(self, c => sqlx::query_as(sql).bind(prefix).bind(&like).fetch_all(&mut **c).await?);
        Ok(rows.into_iter().map(|r| r.0).collect())
    }

    /// Change what an open chain's later alerts say (who is still silent, say).
    pub async fn set_escalation_args(&mut self, subject: &str, args: &str) -> Result<()> {
        let sql =
            "UPDATE escalations SET what_args = $2 WHERE subject = $1 AND state <> 'resolved'";
        on_tx!(self, c => sqlx::query(sql).bind(subject).bind(args).execute(&mut **c).await?.rows_affected());
        Ok(())
    }

    pub async fn escalation_id_by_subject(&mut self, subject: &str) -> Result<Option<i64>> {
        let sql = "SELECT id FROM escalations WHERE subject = $1";
        let row: Option<(i64,)> =
            on_tx!(self, c => sqlx::query_as(sql).bind(subject).fetch_optional(&mut **c).await?);
        Ok(row.map(|r| r.0))
    }

    /// Move a chain to `state`; the other columns change only where given.
    pub async fn update_escalation(
        &mut self,
        id: i64,
        state: EscalationState,
        next_step: i64,
        chain_start: i64,
        acked: Option<(i64, i64)>,
        resolved_at: Option<i64>,
    ) -> Result<()> {
        let sql = "UPDATE escalations SET state = $2, next_step = $3, chain_start = $4, \
                   acked_by = COALESCE($5, acked_by), acked_at = COALESCE($6, acked_at), \
                   resolved_at = COALESCE($7, resolved_at) WHERE id = $1";
        on_tx!(self, c => sqlx::query(sql).bind(id).bind(state.as_str()).bind(next_step).bind(chain_start)
            .bind(acked.map(|a| a.0)).bind(acked.map(|a| a.1)).bind(resolved_at).execute(&mut **c).await?.rows_affected());
        Ok(())
    }

    pub async fn add_event(&mut self, e: &Event<'_>) -> Result<()> {
        let sql = "INSERT INTO escalation_events (escalation_id, at, kind, level, unit_id, person_id, chat_id, note) \
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
        on_tx!(self, c => sqlx::query(sql).bind(e.escalation_id).bind(e.at).bind(e.kind).bind(e.level).bind(e.unit_id)
            .bind(e.person_id).bind(e.chat_id).bind(e.note).execute(&mut **c).await?.rows_affected());
        Ok(())
    }

    /// Everyone notified so far in this chain, once each, in notification order.
    pub async fn notified(&mut self, escalation_id: i64) -> Result<Vec<Recipient>> {
        let sql = "SELECT e.chat_id, e.person_id, COALESCE(p.name, u.name, ''), p.lang FROM escalation_events e \
                   LEFT JOIN people p ON p.id = e.person_id LEFT JOIN units u ON u.id = e.unit_id \
                   WHERE e.escalation_id = $1 AND e.kind = 'notified' ORDER BY e.id";
        // chat, person, name, language
        type Row = (Option<i64>, Option<i64>, String, Option<String>);
        let rows: Vec<Row> =
            on_tx!(self, c => sqlx::query_as(sql).bind(escalation_id).fetch_all(&mut **c).await?);
        let mut out: Vec<Recipient> = Vec::new();
        for (chat, person_id, name, lang) in rows {
            let Some(chat_id) = chat else { continue };
            if !out.iter().any(|r| r.chat_id == chat_id) {
                out.push(Recipient {
                    chat_id,
                    person_id,
                    name,
                    lang,
                });
            }
        }
        Ok(out)
    }

    /// The reachable supervisors of a unit and its duty room.
    pub async fn supervisors_and_room(&mut self, unit_id: &str) -> Result<Vec<Recipient>> {
        let sql = "SELECT p.tg_user_id, p.id, p.name, p.lang FROM memberships m JOIN people p ON p.id = m.person_id \
                   WHERE m.unit_id = $1 AND m.role = 'supervisor' AND NOT p.unreachable ORDER BY p.id";
        let people: Vec<(i64, i64, String, String)> =
            on_tx!(self, c => sqlx::query_as(sql).bind(unit_id).fetch_all(&mut **c).await?);
        let mut out: Vec<Recipient> = people
            .into_iter()
            .map(|(chat_id, id, name, lang)| Recipient {
                chat_id,
                person_id: Some(id),
                name,
                lang: Some(lang),
            })
            .collect();
        let sql = "SELECT duty_chat_id, name FROM units WHERE id = $1 AND duty_chat_id IS NOT NULL AND NOT duty_chat_unreachable";
        let room: Option<(i64, String)> =
            on_tx!(self, c => sqlx::query_as(sql).bind(unit_id).fetch_optional(&mut **c).await?);
        if let Some((chat_id, name)) = room {
            out.push(Recipient {
                chat_id,
                person_id: None,
                name,
                lang: None,
            });
        }
        Ok(out)
    }

    /// A unit's name ("" for an unknown id: names are for display only).
    pub async fn unit_name(&mut self, unit_id: &str) -> Result<String> {
        Ok(self
            .unit_chain(unit_id)
            .await?
            .into_iter()
            .next()
            .map(|(_, n)| n)
            .unwrap_or_default())
    }

    /// The unit and its ancestors, nearest first (bounded, so a damaged tree cannot loop).
    pub async fn unit_chain(&mut self, unit_id: &str) -> Result<Vec<(String, String)>> {
        let mut chain: Vec<(String, String)> = Vec::new();
        let mut next = Some(unit_id.to_string());
        while let Some(id) = next.take() {
            if chain.len() > 64 || chain.iter().any(|(u, _)| *u == id) {
                break;
            }
            let sql = "SELECT name, parent_id FROM units WHERE id = $1";
            let row: Option<(String, Option<String>)> =
                on_tx!(self, c => sqlx::query_as(sql).bind(&id).fetch_optional(&mut **c).await?);
            let Some((name, parent)) = row else { break };
            chain.push((id, name));
            next = parent;
        }
        Ok(chain)
    }
}
