//! The audit trail, read back from every table that records who did what and when:
//! `escalation_events`, `hazard_events`, the desk's side of `tip_entries` and `tips` (never
//! the tipster's side), `zero_answers`, `unit_pauses`, `admin_events`, and warnings: each
//! issue, end and confirmation.
use super::{on_pool, on_tx, Result, Store, Tx};
use crate::ids::{EscalationId, ItemId, Kind, Subject, TipId, WarningId};

/// One line of the trail. `item` is an id people use (`E-3`, `H-12`, `T-4`, a unit id);
/// `actor` is a member (person id and display name), never a tipster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRow {
    pub at: i64,
    pub kind: String,
    pub item: String,
    pub unit: Option<String>,
    pub actor_id: Option<i64>,
    pub actor: Option<String>,
    pub detail: String,
}

/// An admin change as the caller describes it; written in the caller's transaction.
pub struct AdminEvent<'a> {
    pub at: i64,
    /// `invite.created`, `invite.used`, `duty_room.bound`, `season.set`, `org.imported`.
    pub kind: &'a str,
    pub unit_id: Option<&'a str>,
    /// Who made the change; `None` for the operator's command line.
    pub person_id: Option<i64>,
    pub detail: &'a str,
}

impl Tx {
    pub async fn add_admin_event(&mut self, e: &AdminEvent<'_>) -> Result<()> {
        let sql = "INSERT INTO admin_events (at, kind, unit_id, person_id, detail) VALUES ($1, $2, $3, $4, $5)";
        on_tx!(self, c => sqlx::query(sql).bind(e.at).bind(e.kind).bind(e.unit_id).bind(e.person_id)
            .bind(e.detail).execute(&mut **c).await?.rows_affected());
        Ok(())
    }
}

type PlainRow = (
    i64,
    String,
    i64,
    Option<String>,
    Option<i64>,
    Option<String>,
    Option<String>,
);

fn plain(kind_prefix: &str, item: Kind, r: PlainRow) -> AuditRow {
    AuditRow {
        at: r.0,
        kind: format!("{kind_prefix}{}", r.1),
        item: ItemId { kind: item, n: r.2 }.to_string(),
        unit: r.3,
        actor_id: r.4,
        actor: r.5,
        detail: r.6.unwrap_or_default(),
    }
}

/// One row of the esc query.
type EscRaw = (
    i64,
    i64,
    String,
    Option<i64>,
    Option<String>,
    Option<i64>,
    Option<String>,
    Option<String>,
    String,
    i64,
);

/// One row of the hz query.
type HazardRaw = (
    i64,
    String,
    i64,
    Option<String>,
    Option<i64>,
    Option<String>,
    Option<String>,
    i64,
);

/// One row of the entries query.
type TipEntryRaw = (
    i64,
    String,
    i64,
    Option<String>,
    Option<i64>,
    Option<String>,
    String,
    i64,
);

/// One row of the answers query.
type AnswerRaw = (
    i64,
    String,
    i64,
    String,
    Option<i64>,
    Option<String>,
    String,
    i64,
);

/// One row of the pauses query.
type PauseRaw = (
    i64,
    String,
    Option<i64>,
    Option<String>,
    String,
    String,
    String,
    i64,
);

/// One row of the admin query.
type AdminRaw = (
    i64,
    String,
    Option<String>,
    Option<i64>,
    Option<String>,
    Option<String>,
    i64,
);

type WarnRaw = (
    i64,
    i64,
    String,
    Option<i64>,
    Option<String>,
    String,
    bool,
    String,
);
type ConfirmRaw = (
    i64,
    i64,
    String,
    Option<i64>,
    Option<String>,
    bool,
    bool,
    i64,
);

impl Store {
    /// Every recorded step with `from <= at < to`, oldest first (ties in the order the
    /// steps were written).
    pub async fn audit_rows(&self, from: i64, to: i64) -> Result<Vec<AuditRow>> {
        let mut rows: Vec<(AuditRow, u8, i64)> = Vec::new();

        let sql = "SELECT e.at, e.escalation_id, e.kind, e.level, COALESCE(e.unit_id, x.unit_id), e.person_id, p.name, \
                   e.note, x.subject, e.id FROM escalation_events e JOIN escalations x ON x.id = e.escalation_id \
                   LEFT JOIN people p ON p.id = e.person_id WHERE e.at >= $1 AND e.at < $2";
        let esc: Vec<EscRaw> =
            on_pool!(self, p => sqlx::query_as(sql).bind(from).bind(to).fetch_all(p).await?);
        for (at, id, kind, level, unit, person, name, note, subject, seq) in esc {
            let mut detail = vec![format!("about {}", about(&subject))];
            if let Some(l) = level {
                detail.push(format!("level {l}"));
            }
            if kind == "notified" && person.is_none() {
                detail.push("duty room".into());
            }
            detail.extend(note);
            rows.push((
                AuditRow {
                    at,
                    kind: format!("escalation.{kind}"),
                    item: EscalationId(id).to_string(),
                    unit,
                    actor_id: person,
                    actor: name,
                    detail: detail.join("; "),
                },
                0,
                seq,
            ));
        }

        // The report's own text is left out: the trail says who did what, the report is in
        // the hazard's history. Notes and reasons of later steps are kept.
        let sql = "SELECT e.at, e.action, e.hazard_id, h.unit_id, e.person_id, p.name, \
                   CASE WHEN e.action IN ('reported', 'confirmed', 'evidence') THEN NULL ELSE e.text END, e.id \
                   FROM hazard_events e JOIN hazards h ON h.id = e.hazard_id LEFT JOIN people p ON p.id = e.person_id \
                   WHERE e.at >= $1 AND e.at < $2";
        let hz: Vec<HazardRaw> =
            on_pool!(self, p => sqlx::query_as(sql).bind(from).bind(to).fetch_all(p).await?);
        for r in hz {
            let seq = r.7;
            rows.push((
                plain("hazard.", Kind::Hazard, (r.0, r.1, r.2, r.3, r.4, r.5, r.6)),
                1,
                seq,
            ));
        }

        // A tip's arrival, with nothing about who sent it.
        let sql = "SELECT created_at, 'received', id, desk_unit, CAST(NULL AS BIGINT), CAST(NULL AS TEXT), CAST(NULL AS TEXT) \
                   FROM tips WHERE created_at >= $1 AND created_at < $2";
        let tips: Vec<PlainRow> =
            on_pool!(self, p => sqlx::query_as(sql).bind(from).bind(to).fetch_all(p).await?);
        for r in tips {
            let seq = r.2;
            rows.push((plain("tip.", Kind::Tip, r), 2, seq));
        }
        // Only the desk's side: what handlers did. Replies are named, not quoted.
        let sql = "SELECT e.at, e.kind, e.tip_id, t.desk_unit, e.person_id, p.name, e.body, e.id FROM tip_entries e \
                   JOIN tips t ON t.id = e.tip_id LEFT JOIN people p ON p.id = e.person_id \
                   WHERE e.side = 'desk' AND e.at >= $1 AND e.at < $2";
        let entries: Vec<TipEntryRaw> =
            on_pool!(self, p => sqlx::query_as(sql).bind(from).bind(to).fetch_all(p).await?);
        for (at, kind, tip, unit, person, name, body, seq) in entries {
            let (kind, detail) = tip_step(&kind, &body);
            rows.push((
                AuditRow {
                    at,
                    kind,
                    item: TipId(tip).to_string(),
                    unit,
                    actor_id: person,
                    actor: name,
                    detail,
                },
                3,
                seq,
            ));
        }

        let sql = "SELECT a.answered_at, a.kind, a.round_id, a.unit_id, a.person_id, p.name, \
                   CASE WHEN a.late THEN 'late' ELSE 'on time' END, a.round_id FROM zero_answers a \
                   LEFT JOIN people p ON p.id = a.person_id WHERE a.answered_at >= $1 AND a.answered_at < $2";
        let answers: Vec<AnswerRaw> =
            on_pool!(self, p => sqlx::query_as(sql).bind(from).bind(to).fetch_all(p).await?);
        for (at, kind, round, unit, person, name, late, seq) in answers {
            rows.push((
                AuditRow {
                    at,
                    kind: "zero.answered".into(),
                    item: unit.clone(),
                    unit: Some(unit),
                    actor_id: person,
                    actor: name,
                    detail: format!("round {round}; {kind}; {late}"),
                },
                4,
                seq,
            ));
        }

        let sql = "SELECT u.created_at, u.unit_id, u.person_id, p.name, u.from_day, u.to_day, u.reason, u.id \
                   FROM unit_pauses u LEFT JOIN people p ON p.id = u.person_id WHERE u.created_at >= $1 AND u.created_at < $2";
        let pauses: Vec<PauseRaw> =
            on_pool!(self, p => sqlx::query_as(sql).bind(from).bind(to).fetch_all(p).await?);
        for (at, unit, person, name, from_day, to_day, reason, seq) in pauses {
            rows.push((
                AuditRow {
                    at,
                    kind: "unit.paused".into(),
                    item: unit.clone(),
                    unit: Some(unit),
                    actor_id: person,
                    actor: name,
                    detail: format!("{from_day}..{to_day}; {reason}"),
                },
                5,
                seq,
            ));
        }

        let sql = "SELECT a.at, a.kind, a.unit_id, a.person_id, p.name, a.detail, a.id FROM admin_events a \
                   LEFT JOIN people p ON p.id = a.person_id WHERE a.at >= $1 AND a.at < $2";
        let admin: Vec<AdminRaw> =
            on_pool!(self, p => sqlx::query_as(sql).bind(from).bind(to).fetch_all(p).await?);
        for (at, kind, unit, person, name, detail, seq) in admin {
            rows.push((
                AuditRow {
                    at,
                    kind,
                    item: unit.clone().unwrap_or_default(),
                    unit,
                    actor_id: person,
                    actor: name,
                    detail: detail.unwrap_or_default(),
                },
                6,
                seq,
            ));
        }

        // Warnings: issued and ended (by whom is known for those issued in the bot), and every
        // confirmation, with who pressed (in a duty room, any member of it).
        let sql = "SELECT w.issued_at, w.id, w.targets, w.issued_by, p.name, w.level, w.exercise, w.issuer_name \
                   FROM warnings w LEFT JOIN people p ON p.id = w.issued_by \
                   WHERE w.issued_at >= $1 AND w.issued_at < $2";
        let issued: Vec<WarnRaw> =
            on_pool!(self, p => sqlx::query_as(sql).bind(from).bind(to).fetch_all(p).await?);
        for (at, id, targets, person, name, level, exercise, issuer) in issued {
            let exercise = if exercise { "; exercise" } else { "" };
            rows.push((
                AuditRow {
                    at,
                    kind: "warning.issued".into(),
                    item: WarningId(id).to_string(),
                    unit: targets.split_whitespace().next().map(str::to_string),
                    actor_id: person,
                    actor: name,
                    detail: format!("{level}; to {targets}; by {issuer}{exercise}"),
                },
                7,
                id,
            ));
        }
        let sql =
            "SELECT ended_at, id, targets FROM warnings WHERE ended_at >= $1 AND ended_at < $2";
        let ended: Vec<(i64, i64, String)> =
            on_pool!(self, p => sqlx::query_as(sql).bind(from).bind(to).fetch_all(p).await?);
        for (at, id, targets) in ended {
            rows.push((
                AuditRow {
                    at,
                    kind: "warning.ended".into(),
                    item: WarningId(id).to_string(),
                    unit: targets.split_whitespace().next().map(str::to_string),
                    actor_id: None,
                    actor: None,
                    detail: String::new(),
                },
                8,
                id,
            ));
        }
        let sql =
            "SELECT r.confirmed_at, r.warning_id, r.unit_id, r.confirmed_by, r.confirmed_name, \
                   r.person_id IS NULL, r.confirmed_at > w.confirm_by, r.chat_id \
                   FROM warning_recipients r JOIN warnings w ON w.id = r.warning_id \
                   WHERE r.confirmed_at >= $1 AND r.confirmed_at < $2";
        let confirmed: Vec<ConfirmRaw> =
            on_pool!(self, p => sqlx::query_as(sql).bind(from).bind(to).fetch_all(p).await?);
        for (at, id, unit, person, name, room, late, seq) in confirmed {
            let mut detail = vec![if late { "late" } else { "in time" }];
            if room {
                detail.push("for the duty room");
            }
            rows.push((
                AuditRow {
                    at,
                    kind: "warning.confirmed".into(),
                    item: WarningId(id).to_string(),
                    unit: Some(unit),
                    actor_id: person,
                    actor: name,
                    detail: detail.join("; "),
                },
                9,
                seq,
            ));
        }

        rows.sort_by_key(|(r, source, seq)| (r.at, *source, *seq));
        Ok(rows.into_iter().map(|(r, _, _)| r).collect())
    }
}

/// What an escalation is about, by the item's own id: `hazard:12` → `H-12`.
fn about(subject: &str) -> String {
    match subject.parse::<Subject>() {
        Ok(Subject::Hazard { id, .. }) => id.to_string(),
        Ok(Subject::HazardOverdue { id, .. }) => format!("{id} overdue"),
        Ok(Subject::Tip(id)) => id.to_string(),
        Ok(Subject::Zero { round, unit }) => format!("zero report of {unit}, round {round}"),
        Ok(Subject::Incident { round, unit }) => format!("incident of {unit}, round {round}"),
        Ok(Subject::Warning { id, unit }) => format!("{id}, not confirmed in {unit}"),
        Err(_) => subject.to_string(),
    }
}

/// A desk entry as an audit step: its kind and what may be said of it. Texts exchanged with
/// the tipster are never quoted.
fn tip_step(kind: &str, body: &str) -> (String, String) {
    match kind {
        "state" => match body.split_once(':') {
            Some((state, outcome)) => (format!("tip.{state}"), outcome.to_string()),
            None => (format!("tip.{body}"), String::new()),
        },
        "reward" => {
            let (step, amount) = body.split_once(':').unwrap_or((body, ""));
            (
                "tip.reward".into(),
                format!("{step} {amount}").trim().to_string(),
            )
        }
        "text" => ("tip.replied".into(), String::new()),
        other => (format!("tip.{other}"), String::new()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subjects_name_their_items() {
        assert_eq!(about("hazard:12"), "H-12");
        assert_eq!(about("hazard:12:1700"), "H-12");
        assert_eq!(about("hazard-overdue:3:99"), "H-3 overdue");
        assert_eq!(about("tip:4"), "T-4");
        assert_eq!(about("warning:7:lijia"), "W-7, not confirmed in lijia");
        assert_eq!(about("zero:7:wangcun"), "zero report of wangcun, round 7");
        assert_eq!(about("custom"), "custom");
    }

    #[test]
    fn desk_steps_never_quote_the_exchange() {
        assert_eq!(
            tip_step("state", "acknowledged"),
            ("tip.acknowledged".into(), String::new())
        );
        assert_eq!(
            tip_step("state", "closed:fined"),
            ("tip.closed".into(), "fined".into())
        );
        assert_eq!(
            tip_step("reward", "proposed:500"),
            ("tip.reward".into(), "proposed 500".into())
        );
        assert_eq!(
            tip_step("text", "When did you see it?"),
            ("tip.replied".into(), String::new())
        );
    }
}
