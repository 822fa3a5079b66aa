//! Zero-report rounds and answers.
use std::collections::HashMap;

use super::{on_pool, on_tx, Result, Store, Tx};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Round {
    pub id: i64,
    pub opened_at: i64,
    pub closes_at: i64,
    pub day: String,
    pub state: String,
}

type RoundRow = (i64, i64, i64, String, String);

fn round_of(r: RoundRow) -> Round {
    Round {
        id: r.0,
        opened_at: r.1,
        closes_at: r.2,
        day: r.3,
        state: r.4,
    }
}

/// A unit expected to answer, and where its reminder goes.
#[derive(Debug, Clone)]
pub struct ExpectedUnit {
    pub id: String,
    pub name: String,
    pub duty_chat_id: Option<i64>,
}

impl From<(String, String, Option<i64>)> for ExpectedUnit {
    fn from((id, name, duty_chat_id): (String, String, Option<i64>)) -> Self {
        ExpectedUnit {
            id,
            name,
            duty_chat_id,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub kind: String,
    pub text: Option<String>,
    pub person_name: String,
    pub answered_at: i64,
    pub late: bool,
}

/// One unit's line on the board of a round.
#[derive(Debug, Clone)]
pub struct BoardLine {
    pub unit_id: String,
    pub unit_name: String,
    pub answer: Option<Answer>,
}

/// A unit's answer to the latest round it was expected in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LastAnswer {
    pub opened_at: i64,
    /// The round's local day, `YYYY-MM-DD`.
    pub day: String,
    /// The answer's kind (`nothing` or `incident`) and whether it was late; `None`: missing.
    pub answer: Option<(String, bool)>,
}

/// Per-unit figures over a period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitStats {
    pub unit_id: String,
    pub unit_name: String,
    pub expected: i64,
    pub on_time: i64,
    pub late: i64,
    pub incidents: i64,
}

impl UnitStats {
    pub fn missing(&self) -> i64 {
        self.expected - self.on_time - self.late
    }
}

const ROUND_COLS: &str = "id, opened_at, closes_at, day, state";

type ExpectedRow = (String, String);
type AnswerRow = (String, String, Option<String>, String, i64, bool);

/// The board's two lookups, joined in `board_lines`: as one query, a PostgreSQL planner
/// without fresh statistics compared every expected unit with every answer (20 million rows,
/// 1.5 s at 10,000 units) instead of looking each answer up.
struct BoardQueries<'a> {
    expected: String,
    answers: String,
    only: &'a [&'a str],
}

impl<'a> BoardQueries<'a> {
    /// `None` when `only` names no unit: nothing to read.
    fn new(only: Option<&'a [&'a str]>) -> Option<BoardQueries<'a>> {
        if only.is_some_and(|o| o.is_empty()) {
            return None;
        }
        let only = only.unwrap_or_default();
        let within = |column: &str| match only.len() {
            0 => String::new(),
            n => {
                let marks: Vec<String> = (2..n + 2).map(|k| format!("${k}")).collect();
                format!(" AND {column} IN ({})", marks.join(", "))
            }
        };
        Some(BoardQueries {
            expected: format!(
                "SELECT u.id, u.name FROM zero_expected e JOIN units u ON u.id = e.unit_id \
                 WHERE e.round_id = $1{} ORDER BY u.position, u.id",
                within("e.unit_id")
            ),
            answers: format!(
                "SELECT a.unit_id, a.kind, a.text, COALESCE(p.name, ''), a.answered_at, a.late \
                 FROM zero_answers a LEFT JOIN people p ON p.id = a.person_id WHERE a.round_id = $1{}",
                within("a.unit_id")
            ),
            only,
        })
    }
}

fn board_lines(expected: Vec<ExpectedRow>, answers: Vec<AnswerRow>) -> Vec<BoardLine> {
    let mut answers: HashMap<String, Answer> = answers
        .into_iter()
        .map(|(unit_id, kind, text, person_name, answered_at, late)| {
            let answer = Answer {
                kind,
                text,
                person_name,
                answered_at,
                late,
            };
            (unit_id, answer)
        })
        .collect();
    expected
        .into_iter()
        .map(|(unit_id, unit_name)| BoardLine {
            answer: answers.remove(&unit_id),
            unit_id,
            unit_name,
        })
        .collect()
}

impl Tx {
    /// `Store::board` as the open transaction sees it.
    pub async fn board(&mut self, round_id: i64, only: Option<&[&str]>) -> Result<Vec<BoardLine>> {
        let Some(q) = BoardQueries::new(only) else {
            return Ok(Vec::new());
        };
        let expected: Vec<ExpectedRow> = on_tx!(self, c => {
            let mut query = sqlx::query_as(&q.expected).bind(round_id);
            for u in q.only {
                query = query.bind(*u);
            }
            query.fetch_all(&mut **c).await?
        });
        let answers: Vec<AnswerRow> = on_tx!(self, c => {
            let mut query = sqlx::query_as(&q.answers).bind(round_id);
            for u in q.only {
                query = query.bind(*u);
            }
            query.fetch_all(&mut **c).await?
        });
        Ok(board_lines(expected, answers))
    }

    /// Open the round of a remind firing; `None` if it is open already.
    pub async fn open_round(
        &mut self,
        opened_at: i64,
        closes_at: i64,
        day: &str,
    ) -> Result<Option<i64>> {
        let sql = "INSERT INTO zero_rounds (opened_at, closes_at, day) VALUES ($1, $2, $3) \
                   ON CONFLICT (opened_at) DO NOTHING RETURNING id";
        let row: Option<(i64,)> = on_tx!(self, c => sqlx::query_as(sql).bind(opened_at).bind(closes_at).bind(day)
            .fetch_optional(&mut **c).await?);
        Ok(row.map(|r| r.0))
    }

    /// Units that answer zero reports on `day`: those with a duty officer or a duty room,
    /// and not paused that day.
    pub async fn units_due(&mut self, day: &str) -> Result<Vec<ExpectedUnit>> {
        let sql = "SELECT u.id, u.name, u.duty_chat_id FROM units u \
                   WHERE (u.duty_chat_id IS NOT NULL OR EXISTS (SELECT 1 FROM memberships m \
                          WHERE m.unit_id = u.id AND m.role = 'duty_officer')) \
                   AND NOT EXISTS (SELECT 1 FROM unit_pauses p WHERE p.unit_id = u.id AND p.from_day <= $1 AND p.to_day >= $1) \
                   ORDER BY u.position, u.id";
        let rows: Vec<(String, String, Option<i64>)> =
            on_tx!(self, c => sqlx::query_as(sql).bind(day).fetch_all(&mut **c).await?);
        Ok(rows.into_iter().map(ExpectedUnit::from).collect())
    }

    pub async fn expect_unit(&mut self, round_id: i64, unit_id: &str) -> Result<()> {
        let sql =
            "INSERT INTO zero_expected (round_id, unit_id) VALUES ($1, $2) ON CONFLICT DO NOTHING";
        on_tx!(self, c => sqlx::query(sql).bind(round_id).bind(unit_id).execute(&mut **c).await?.rows_affected());
        Ok(())
    }

    pub async fn is_expected(&mut self, round_id: i64, unit_id: &str) -> Result<bool> {
        let sql = "SELECT COUNT(*) FROM zero_expected WHERE round_id = $1 AND unit_id = $2";
        let row: (i64,) = on_tx!(self, c => sqlx::query_as(sql).bind(round_id).bind(unit_id).fetch_one(&mut **c).await?);
        Ok(row.0 > 0)
    }

    /// Reachable duty officers of a unit: (chat, language, name).
    pub async fn duty_officers(&mut self, unit_id: &str) -> Result<Vec<(i64, String, String)>> {
        let sql = "SELECT p.tg_user_id, p.lang, p.name FROM memberships m JOIN people p ON p.id = m.person_id \
                   WHERE m.unit_id = $1 AND m.role = 'duty_officer' AND NOT p.unreachable ORDER BY p.id";
        Ok(on_tx!(self, c => sqlx::query_as(sql).bind(unit_id).fetch_all(&mut **c).await?))
    }

    pub async fn add_reminder(
        &mut self,
        round_id: i64,
        unit_id: &str,
        chat_id: i64,
        idem_key: &str,
    ) -> Result<()> {
        let sql = "INSERT INTO zero_reminders (round_id, unit_id, chat_id, idem_key) VALUES ($1, $2, $3, $4) \
                   ON CONFLICT (idem_key) DO NOTHING";
        on_tx!(self, c => sqlx::query(sql).bind(round_id).bind(unit_id).bind(chat_id).bind(idem_key)
            .execute(&mut **c).await?.rows_affected());
        Ok(())
    }

    /// Reminders sent for a unit's report of a round: (chat, idem key).
    pub async fn reminders(&mut self, round_id: i64, unit_id: &str) -> Result<Vec<(i64, String)>> {
        let sql = "SELECT chat_id, idem_key FROM zero_reminders WHERE round_id = $1 AND unit_id = $2 ORDER BY idem_key";
        Ok(
            on_tx!(self, c => sqlx::query_as(sql).bind(round_id).bind(unit_id).fetch_all(&mut **c).await?),
        )
    }

    pub async fn round(&mut self, round_id: i64) -> Result<Option<Round>> {
        let sql = format!("SELECT {ROUND_COLS} FROM zero_rounds WHERE id = $1");
        let row: Option<RoundRow> =
            on_tx!(self, c => sqlx::query_as(&sql).bind(round_id).fetch_optional(&mut **c).await?);
        Ok(row.map(round_of))
    }

    /// The round answers go to now: the latest one opened.
    pub async fn current_round(&mut self, now: i64) -> Result<Option<Round>> {
        let row: Option<RoundRow> = on_tx!(self, c => sqlx::query_as(&current_round_sql())
            .bind(now).fetch_optional(&mut **c).await?);
        Ok(row.map(round_of))
    }

    /// Record an answer unless the unit answered already; true when this one counts.
    pub async fn insert_answer(
        &mut self,
        round_id: i64,
        unit_id: &str,
        incident: Option<&str>,
        person_id: i64,
        at: i64,
        late: bool,
    ) -> Result<bool> {
        let kind = if incident.is_some() {
            "incident"
        } else {
            "nothing"
        };
        let sql = "INSERT INTO zero_answers (round_id, unit_id, kind, text, person_id, answered_at, late) \
                   VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING";
        let n = on_tx!(self, c => sqlx::query(sql).bind(round_id).bind(unit_id).bind(kind).bind(incident).bind(person_id)
            .bind(at).bind(late).execute(&mut **c).await?.rows_affected());
        Ok(n == 1)
    }

    pub async fn answer(&mut self, round_id: i64, unit_id: &str) -> Result<Option<Answer>> {
        let sql = "SELECT a.kind, a.text, p.name, a.answered_at, a.late FROM zero_answers a JOIN people p ON p.id = a.person_id \
                   WHERE a.round_id = $1 AND a.unit_id = $2";
        let row: Option<(String, Option<String>, String, i64, bool)> = on_tx!(self, c => sqlx::query_as(sql).bind(round_id).bind(unit_id).fetch_optional(&mut **c).await?);
        Ok(
            row.map(|(kind, text, person_name, answered_at, late)| Answer {
                kind,
                text,
                person_name,
                answered_at,
                late,
            }),
        )
    }

    /// Expected units of a round that have not answered, in tree order.
    pub async fn silent_units(&mut self, round_id: i64) -> Result<Vec<ExpectedUnit>> {
        let sql = "SELECT u.id, u.name, u.duty_chat_id FROM zero_expected e JOIN units u ON u.id = e.unit_id \
                   WHERE e.round_id = $1 AND NOT EXISTS (SELECT 1 FROM zero_answers a WHERE a.round_id = e.round_id AND a.unit_id = e.unit_id) \
                   ORDER BY u.position, u.id";
        let rows: Vec<(String, String, Option<i64>)> =
            on_tx!(self, c => sqlx::query_as(sql).bind(round_id).fetch_all(&mut **c).await?);
        Ok(rows.into_iter().map(ExpectedUnit::from).collect())
    }

    /// Close the rounds whose deadline has come.
    pub async fn close_rounds(&mut self, upto: i64) -> Result<Vec<Round>> {
        let sql = format!("SELECT {ROUND_COLS} FROM zero_rounds WHERE state = 'open' AND closes_at <= $1 ORDER BY opened_at");
        let rows: Vec<RoundRow> =
            on_tx!(self, c => sqlx::query_as(&sql).bind(upto).fetch_all(&mut **c).await?);
        on_tx!(self, c => sqlx::query("UPDATE zero_rounds SET state = 'closed' WHERE state = 'open' AND closes_at <= $1")
            .bind(upto).execute(&mut **c).await?.rows_affected());
        Ok(rows.into_iter().map(round_of).collect())
    }

    /// The most recently closed round at `now`, for the daily summary.
    pub async fn last_closed_round(&mut self, now: i64) -> Result<Option<Round>> {
        let sql = format!("SELECT {ROUND_COLS} FROM zero_rounds WHERE closes_at <= $1 ORDER BY closes_at DESC LIMIT 1");
        let row: Option<RoundRow> =
            on_tx!(self, c => sqlx::query_as(&sql).bind(now).fetch_optional(&mut **c).await?);
        Ok(row.map(round_of))
    }

    /// Supervisors and the units they supervise: (person id, chat, language, unit).
    pub async fn supervisor_units(&mut self) -> Result<Vec<(i64, i64, String, String)>> {
        let sql = "SELECT p.id, p.tg_user_id, p.lang, m.unit_id FROM memberships m JOIN people p ON p.id = m.person_id \
                   WHERE m.role = 'supervisor' AND NOT p.unreachable ORDER BY p.id, m.unit_id";
        Ok(on_tx!(self, c => sqlx::query_as(sql).fetch_all(&mut **c).await?))
    }

    pub async fn add_pause(
        &mut self,
        unit_id: &str,
        from: &str,
        to: &str,
        reason: &str,
        person_id: Option<i64>,
        now: i64,
    ) -> Result<()> {
        let sql = "INSERT INTO unit_pauses (unit_id, from_day, to_day, reason, person_id, created_at) VALUES ($1, $2, $3, $4, $5, $6)";
        on_tx!(self, c => sqlx::query(sql).bind(unit_id).bind(from).bind(to).bind(reason).bind(person_id).bind(now)
            .execute(&mut **c).await?.rows_affected());
        Ok(())
    }
}

impl Store {
    /// `Tx::current_round` for readers, without taking the write lock.
    pub async fn current_round(&self, now: i64) -> Result<Option<Round>> {
        let row: Option<RoundRow> = on_pool!(self, p => sqlx::query_as(&current_round_sql())
            .bind(now).fetch_optional(p).await?);
        Ok(row.map(round_of))
    }

    /// The expected units of a round with their answers, in tree order: all of them, or
    /// only those in `only` (a unit's own board need not read the district's).
    pub async fn board(&self, round_id: i64, only: Option<&[&str]>) -> Result<Vec<BoardLine>> {
        let Some(q) = BoardQueries::new(only) else {
            return Ok(Vec::new());
        };
        let expected: Vec<ExpectedRow> = on_pool!(self, p => {
            let mut query = sqlx::query_as(&q.expected).bind(round_id);
            for u in q.only {
                query = query.bind(*u);
            }
            query.fetch_all(p).await?
        });
        let answers: Vec<AnswerRow> = on_pool!(self, p => {
            let mut query = sqlx::query_as(&q.answers).bind(round_id);
            for u in q.only {
                query = query.bind(*u);
            }
            query.fetch_all(p).await?
        });
        Ok(board_lines(expected, answers))
    }

    /// Each unit's answer to the latest round it was expected in (by opening time): its day,
    /// the answer's kind and lateness, `None` when it did not answer. Units never expected are
    /// absent. One pass over all rounds: the board reads it once per round and keeps it.
    pub async fn last_answers(&self) -> Result<HashMap<String, LastAnswer>> {
        let sql = "SELECT e.unit_id, r.opened_at, r.day, a.kind, a.late FROM zero_expected e \
                   JOIN zero_rounds r ON r.id = e.round_id \
                   LEFT JOIN zero_answers a ON a.round_id = e.round_id AND a.unit_id = e.unit_id";
        type Row = (String, i64, String, Option<String>, Option<bool>);
        let rows: Vec<Row> = on_pool!(self, p => sqlx::query_as(sql).fetch_all(p).await?);
        let mut out: HashMap<String, LastAnswer> = HashMap::new();
        for (unit_id, opened_at, day, kind, late) in rows {
            if out.get(&unit_id).is_some_and(|l| l.opened_at >= opened_at) {
                continue;
            }
            let answer = kind.map(|kind| (kind, late.unwrap_or(false)));
            out.insert(
                unit_id,
                LastAnswer {
                    opened_at,
                    day,
                    answer,
                },
            );
        }
        Ok(out)
    }

    /// Per unit (expected in any), the rounds expected and answered on time among those
    /// opened on local days `from..=to`, round `except` left out.
    pub async fn zero_counts(
        &self,
        from: &str,
        to: &str,
        except: Option<i64>,
    ) -> Result<Vec<(String, i64, i64)>> {
        let sql = "SELECT e.unit_id, COUNT(*), COALESCE(SUM(CASE WHEN a.late = FALSE THEN 1 ELSE 0 END), 0) \
                   FROM zero_expected e \
                   LEFT JOIN zero_answers a ON a.round_id = e.round_id AND a.unit_id = e.unit_id \
                   WHERE e.round_id IN (SELECT id FROM zero_rounds WHERE day >= $1 AND day <= $2 AND id <> $3) \
                   GROUP BY e.unit_id";
        let except = except.unwrap_or(i64::MIN);
        Ok(
            on_pool!(self, p => sqlx::query_as(sql).bind(from).bind(to).bind(except).fetch_all(p).await?),
        )
    }
}

impl Tx {
    /// Per-unit timeliness over the rounds opened on local days `from..=to` (YYYY-MM-DD).
    pub async fn zero_stats(&mut self, from: &str, to: &str) -> Result<Vec<UnitStats>> {
        let sql = "SELECT u.id, u.name, COUNT(e.round_id), \
                   COALESCE(SUM(CASE WHEN a.late = FALSE THEN 1 ELSE 0 END), 0), \
                   COALESCE(SUM(CASE WHEN a.late = TRUE THEN 1 ELSE 0 END), 0), \
                   COALESCE(SUM(CASE WHEN a.kind = 'incident' THEN 1 ELSE 0 END), 0) \
                   FROM units u \
                   LEFT JOIN zero_expected e ON e.unit_id = u.id AND e.round_id IN (SELECT id FROM zero_rounds WHERE day >= $1 AND day <= $2) \
                   LEFT JOIN zero_answers a ON a.round_id = e.round_id AND a.unit_id = e.unit_id \
                   GROUP BY u.id, u.name, u.position ORDER BY u.position, u.id";
        let rows: Vec<(String, String, i64, i64, i64, i64)> =
            on_tx!(self, c => sqlx::query_as(sql).bind(from).bind(to).fetch_all(&mut **c).await?);
        Ok(rows
            .into_iter()
            .map(
                |(unit_id, unit_name, expected, on_time, late, incidents)| UnitStats {
                    unit_id,
                    unit_name,
                    expected,
                    on_time,
                    late,
                    incidents,
                },
            )
            .collect())
    }
}

/// The round opened last before a time: the one `/today` shows.
fn current_round_sql() -> String {
    format!("SELECT {ROUND_COLS} FROM zero_rounds WHERE opened_at <= $1 ORDER BY opened_at DESC LIMIT 1")
}
