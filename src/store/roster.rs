//! Duty rosters: who is on shift per day, unit and role.
use super::{on_pool, on_tx, Result, Store, StoreError, Tx};
use crate::org::Role;
use chrono::NaiveDate;

fn role_of(s: &str) -> Result<Role> {
    s.parse()
        .map_err(|e: crate::org::UnknownRole| StoreError::Corrupt(e.to_string()))
}

fn day_of(s: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| StoreError::Corrupt(format!("roster day {s:?}")))
}

fn day_text(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

impl Tx {
    /// Import a checked roster: each (day, unit, role) it names is replaced by its rows.
    pub async fn replace_roster(&mut self, entries: &[Entry]) -> Result<()> {
        let mut cleared: Vec<(NaiveDate, &str, Role)> = Vec::new();
        for e in entries {
            let key = (e.day, e.unit_id.as_str(), e.role);
            if !cleared.contains(&key) {
                let sql = "DELETE FROM roster WHERE day = $1 AND unit_id = $2 AND role = $3";
                on_tx!(self, c => sqlx::query(sql).bind(day_text(e.day)).bind(&e.unit_id)
                    .bind(e.role.as_str()).execute(&mut **c).await?.rows_affected());
                cleared.push(key);
            }
        }
        for e in entries {
            let sql = "INSERT INTO roster (day, unit_id, role, person_id) VALUES ($1, $2, $3, $4)";
            on_tx!(self, c => sqlx::query(sql).bind(day_text(e.day)).bind(&e.unit_id)
                .bind(e.role.as_str()).bind(e.person_id).execute(&mut **c).await?.rows_affected());
        }
        Ok(())
    }

    /// The private chats of who stands on `day`'s shift of `unit` as `role`; `None` when the
    /// unit has no roster for it (then everyone of the role is meant).
    pub async fn on_shift(
        &mut self,
        unit_id: &str,
        role: Role,
        day: NaiveDate,
    ) -> Result<Option<Vec<i64>>> {
        let sql = "SELECT p.tg_user_id FROM roster r JOIN people p ON p.id = r.person_id \
                   WHERE r.day = $1 AND r.unit_id = $2 AND r.role = $3 ORDER BY p.id";
        let rows: Vec<(i64,)> = on_tx!(self, c => sqlx::query_as(sql).bind(day_text(day))
            .bind(unit_id).bind(role.as_str()).fetch_all(&mut **c).await?);
        Ok((!rows.is_empty()).then(|| rows.into_iter().map(|r| r.0).collect()))
    }
}

/// Someone on a shift: their private chat, language and name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OnShift {
    pub unit_id: String,
    pub chat_id: i64,
    pub lang: String,
    pub name: String,
}

impl Tx {
    /// The reachable duty officers (or supervisors) on `day`'s shift of every unit.
    pub async fn rostered(&mut self, day: NaiveDate, role: Role) -> Result<Vec<OnShift>> {
        let sql = "SELECT r.unit_id, p.tg_user_id, p.lang, p.name FROM roster r \
                   JOIN people p ON p.id = r.person_id JOIN units u ON u.id = r.unit_id \
                   WHERE r.day = $1 AND r.role = $2 AND NOT p.unreachable \
                   ORDER BY u.position, p.id";
        let rows: Vec<(String, i64, String, String)> = on_tx!(self, c => sqlx::query_as(sql)
            .bind(day_text(day)).bind(role.as_str()).fetch_all(&mut **c).await?);
        Ok(rows
            .into_iter()
            .map(|(unit_id, chat_id, lang, name)| OnShift {
                unit_id,
                chat_id,
                lang,
                name,
            })
            .collect())
    }

    /// A unit's escalations not yet resolved.
    pub async fn open_escalations_of(&mut self, unit_id: &str) -> Result<Vec<i64>> {
        let sql =
            "SELECT id FROM escalations WHERE unit_id = $1 AND state <> 'resolved' ORDER BY id";
        let rows: Vec<(i64,)> =
            on_tx!(self, c => sqlx::query_as(sql).bind(unit_id).fetch_all(&mut **c).await?);
        Ok(rows.into_iter().map(|r| r.0).collect())
    }

    /// A unit's hazard reports past their deadline for rectification at `now`.
    pub async fn overdue_hazards_of(&mut self, unit_id: &str, now: i64) -> Result<Vec<i64>> {
        let sql = "SELECT id FROM hazards WHERE unit_id = $1 AND state NOT IN ('closed', 'rejected', 'rectified') \
                   AND duplicate_of IS NULL AND rectify_due IS NOT NULL AND rectify_due < $2 ORDER BY id";
        let rows: Vec<(i64,)> = on_tx!(self, c => sqlx::query_as(sql).bind(unit_id).bind(now)
            .fetch_all(&mut **c).await?);
        Ok(rows.into_iter().map(|r| r.0).collect())
    }

    /// Warnings still in force that some of the unit's recipients have not confirmed.
    pub async fn waiting_warnings_of(&mut self, unit_id: &str) -> Result<Vec<i64>> {
        let sql = "SELECT DISTINCT r.warning_id FROM warning_recipients r JOIN warnings w ON w.id = r.warning_id \
                   WHERE r.unit_id = $1 AND w.ended_at IS NULL AND r.state <> 'confirmed' ORDER BY r.warning_id";
        let rows: Vec<(i64,)> =
            on_tx!(self, c => sqlx::query_as(sql).bind(unit_id).fetch_all(&mut **c).await?);
        Ok(rows.into_iter().map(|r| r.0).collect())
    }

    /// Has the unit answered round `round`?
    pub async fn has_answered(&mut self, round: i64, unit_id: &str) -> Result<bool> {
        let sql = "SELECT COUNT(*) FROM zero_answers WHERE round_id = $1 AND unit_id = $2";
        let n: (i64,) = on_tx!(self, c => sqlx::query_as(sql).bind(round).bind(unit_id)
            .fetch_one(&mut **c).await?);
        Ok(n.0 > 0)
    }

    /// Units that keep a duty-officer roster (a day of it within `near`) but have nobody on
    /// `day`'s.
    pub async fn roster_gaps(
        &mut self,
        day: NaiveDate,
        near: (NaiveDate, NaiveDate),
    ) -> Result<Vec<(String, String)>> {
        let sql = "SELECT u.id, u.name FROM units u WHERE EXISTS (SELECT 1 FROM roster r \
                   WHERE r.unit_id = u.id AND r.role = 'duty_officer' AND r.day >= $2 AND r.day <= $3) \
                   AND NOT EXISTS (SELECT 1 FROM roster r WHERE r.unit_id = u.id \
                   AND r.role = 'duty_officer' AND r.day = $1) ORDER BY u.position";
        Ok(
            on_tx!(self, c => sqlx::query_as(sql).bind(day_text(day)).bind(day_text(near.0))
            .bind(day_text(near.1)).fetch_all(&mut **c).await?),
        )
    }
}

/// One person on one day's shift.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub day: NaiveDate,
    pub unit_id: String,
    pub role: Role,
    pub person_id: i64,
}

/// Someone who may stand on a roster: one of their roles.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Staff {
    pub person_id: i64,
    pub name: String,
    pub username: Option<String>,
    pub unit_id: String,
    pub role: Role,
}

/// A shift one person asked a colleague to take.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Swap {
    pub id: i64,
    pub day: NaiveDate,
    pub unit_id: String,
    pub role: Role,
    pub from_person: i64,
    pub to_person: i64,
    pub state: SwapState,
}

/// Where a swap stands: asked until the colleague answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SwapState {
    Asked,
    Accepted,
    Declined,
}

impl SwapState {
    fn as_str(self) -> &'static str {
        match self {
            SwapState::Asked => "asked",
            SwapState::Accepted => "accepted",
            SwapState::Declined => "declined",
        }
    }

    fn parse(s: &str) -> Result<SwapState> {
        [SwapState::Asked, SwapState::Accepted, SwapState::Declined]
            .into_iter()
            .find(|v| v.as_str() == s)
            .ok_or_else(|| StoreError::Corrupt(format!("swap state {s:?}")))
    }
}

impl Tx {
    /// Who stands on `day`'s shift of `unit`: role, name and @username of each.
    pub async fn shift(
        &mut self,
        unit_id: &str,
        day: NaiveDate,
    ) -> Result<Vec<(Role, String, Option<String>)>> {
        let sql =
            "SELECT r.role, p.name, p.username FROM roster r JOIN people p ON p.id = r.person_id \
                   WHERE r.day = $1 AND r.unit_id = $2 ORDER BY r.role, p.id";
        let rows: Vec<(String, String, Option<String>)> = on_tx!(self, c => sqlx::query_as(sql)
            .bind(day_text(day)).bind(unit_id).fetch_all(&mut **c).await?);
        rows.into_iter()
            .map(|(role, name, username)| Ok((role_of(&role)?, name, username)))
            .collect()
    }

    /// The (unit, role) shifts `person_id` stands on `day`.
    pub async fn shifts_of(
        &mut self,
        person_id: i64,
        day: NaiveDate,
    ) -> Result<Vec<(String, Role)>> {
        let sql = "SELECT unit_id, role FROM roster WHERE person_id = $1 AND day = $2 ORDER BY unit_id, role";
        let rows: Vec<(String, String)> = on_tx!(self, c => sqlx::query_as(sql).bind(person_id)
            .bind(day_text(day)).fetch_all(&mut **c).await?);
        rows.into_iter()
            .map(|(unit, role)| Ok((unit, role_of(&role)?)))
            .collect()
    }

    pub async fn ask_swap(&mut self, s: &Swap, now: i64) -> Result<i64> {
        let sql =
            "INSERT INTO roster_swaps (day, unit_id, role, from_person, to_person, created_at) \
                   VALUES ($1, $2, $3, $4, $5, $6) RETURNING id";
        let row: (i64,) = on_tx!(self, c => sqlx::query_as(sql).bind(day_text(s.day)).bind(&s.unit_id)
            .bind(s.role.as_str()).bind(s.from_person).bind(s.to_person).bind(now)
            .fetch_one(&mut **c).await?);
        Ok(row.0)
    }

    pub async fn swap(&mut self, id: i64) -> Result<Option<Swap>> {
        let sql = format!(
            "SELECT id, day, unit_id, role, from_person, to_person, state FROM roster_swaps WHERE id = $1{}",
            self.lock_clause(" FOR UPDATE")
        );
        let row: Option<(i64, String, String, String, i64, i64, String)> =
            on_tx!(self, c => sqlx::query_as(&sql).bind(id).fetch_optional(&mut **c).await?);
        let Some((id, day, unit_id, role, from_person, to_person, state)) = row else {
            return Ok(None);
        };
        Ok(Some(Swap {
            id,
            day: day_of(&day)?,
            unit_id,
            role: role_of(&role)?,
            from_person,
            to_person,
            state: SwapState::parse(&state)?,
        }))
    }

    /// Settle a swap; on acceptance the colleague takes the requester's place on the roster.
    /// False if the requester is no longer on that shift (the roster changed since).
    pub async fn settle_swap(&mut self, s: &Swap, accept: bool) -> Result<bool> {
        if accept {
            let sql = "DELETE FROM roster WHERE day = $1 AND unit_id = $2 AND role = $3 AND person_id = $4";
            let gone = on_tx!(self, c => sqlx::query(sql).bind(day_text(s.day)).bind(&s.unit_id)
                .bind(s.role.as_str()).bind(s.from_person).execute(&mut **c).await?.rows_affected());
            if gone == 0 {
                return Ok(false);
            }
            let sql = "INSERT INTO roster (day, unit_id, role, person_id) VALUES ($1, $2, $3, $4) \
                       ON CONFLICT DO NOTHING";
            on_tx!(self, c => sqlx::query(sql).bind(day_text(s.day)).bind(&s.unit_id)
                .bind(s.role.as_str()).bind(s.to_person).execute(&mut **c).await?.rows_affected());
        }
        let sql = "UPDATE roster_swaps SET state = $2 WHERE id = $1";
        let state = if accept {
            SwapState::Accepted
        } else {
            SwapState::Declined
        };
        on_tx!(self, c => sqlx::query(sql).bind(s.id).bind(state.as_str()).execute(&mut **c).await?.rows_affected());
        Ok(true)
    }

    /// A person by @username (case-insensitive): id, private chat, name, language.
    pub async fn person_by_username(
        &mut self,
        username: &str,
    ) -> Result<Option<(i64, i64, String, String)>> {
        let sql = "SELECT id, tg_user_id, name, lang FROM people WHERE LOWER(username) = LOWER($1) ORDER BY id";
        Ok(on_tx!(self, c => sqlx::query_as(sql).bind(username).fetch_optional(&mut **c).await?))
    }
}

impl Store {
    /// Every role of every person (of one unit, if given), in unit order: who may stand on
    /// a roster, and what `lookout people` lists.
    pub async fn staff(&self, unit: Option<&str>) -> Result<Vec<Staff>> {
        let sql = "SELECT p.id, p.name, p.username, m.unit_id, m.role FROM memberships m \
                   JOIN people p ON p.id = m.person_id JOIN units u ON u.id = m.unit_id \
                   WHERE ($1 IS NULL OR m.unit_id = $1) ORDER BY u.position, m.role, p.id";
        let rows: Vec<(i64, String, Option<String>, String, String)> =
            on_pool!(self, p => sqlx::query_as(sql).bind(unit).fetch_all(p).await?);
        rows.into_iter()
            .map(|(person_id, name, username, unit_id, role)| {
                Ok(Staff {
                    person_id,
                    name,
                    username,
                    unit_id,
                    role: role_of(&role)?,
                })
            })
            .collect()
    }

    /// The roster over `from..=to` (of one unit, if given), by day and unit.
    pub async fn roster(
        &self,
        unit: Option<&str>,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<Entry>> {
        let rows: Vec<RosterRow> = on_pool!(self, p => sqlx::query_as(ROSTER)
            .bind(day_text(from)).bind(day_text(to)).bind(unit).fetch_all(p).await?);
        entries(rows)
    }
}

impl Tx {
    /// `Store::roster` as the open transaction sees it.
    pub async fn roster(
        &mut self,
        unit: Option<&str>,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<Entry>> {
        let rows: Vec<RosterRow> = on_tx!(self, c => sqlx::query_as(ROSTER)
            .bind(day_text(from)).bind(day_text(to)).bind(unit).fetch_all(&mut **c).await?);
        entries(rows)
    }

    /// Zero-report answers of the rounds of days `from..=to`: unit, who answered, when
    /// (`since`: the first roster day that may hold them, the day before `from`).
    pub async fn answers_by(
        &mut self,
        from: &str,
        to: &str,
        since: NaiveDate,
    ) -> Result<Vec<(String, Option<i64>, i64)>> {
        // Only units that kept a duty-officer roster then: `/stats` runs this too, and a
        // district without rosters should not read a month of answers for nothing.
        let sql = "SELECT a.unit_id, a.person_id, a.answered_at FROM zero_answers a \
                   JOIN zero_rounds z ON z.id = a.round_id WHERE z.day >= $1 AND z.day <= $2 \
                   AND EXISTS (SELECT 1 FROM roster r WHERE r.unit_id = a.unit_id \
                               AND r.role = 'duty_officer' AND r.day >= $3 AND r.day <= $2)";
        Ok(
            on_tx!(self, c => sqlx::query_as(sql).bind(from).bind(to).bind(day_text(since))
            .fetch_all(&mut **c).await?),
        )
    }

    /// Escalations taken in `start..end` while they had reached level 1 only: unit, who
    /// took it, when.
    pub async fn level_one_takes(
        &mut self,
        start: i64,
        end: i64,
    ) -> Result<Vec<(String, i64, i64)>> {
        let sql = "SELECT e.unit_id, a.person_id, a.at FROM escalation_events a \
                   JOIN escalations e ON e.id = a.escalation_id \
                   WHERE a.kind = 'acknowledged' AND a.person_id IS NOT NULL AND a.at >= $1 AND a.at < $2 \
                   AND COALESCE((SELECT MAX(n.level) FROM escalation_events n WHERE n.escalation_id = a.escalation_id \
                                 AND n.kind = 'notified' AND n.at <= a.at), 1) = 1";
        Ok(on_tx!(self, c => sqlx::query_as(sql).bind(start).bind(end).fetch_all(&mut **c).await?))
    }
}

/// The roster's days, of one unit or all (`$3` null), read by `Store::roster` and `Tx::roster`.
const ROSTER: &str = "SELECT r.day, r.unit_id, r.role, r.person_id FROM roster r \
                      JOIN units u ON u.id = r.unit_id \
                      WHERE r.day >= $1 AND r.day <= $2 AND ($3 IS NULL OR r.unit_id = $3) \
                      ORDER BY r.day, u.position, r.role, r.person_id";

type RosterRow = (String, String, String, i64);

fn entries(rows: Vec<RosterRow>) -> Result<Vec<Entry>> {
    rows.into_iter()
        .map(|(day, unit_id, role, person_id)| {
            Ok(Entry {
                day: day_of(&day)?,
                unit_id,
                role: role_of(&role)?,
                person_id,
            })
        })
        .collect()
}
