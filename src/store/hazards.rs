//! Hazard reports, their photos and their history.
use super::{on_pool, on_tx, Result, Store, Tx};

#[derive(Debug, Clone, PartialEq)]
pub struct Hazard {
    pub id: i64,
    pub unit_id: String,
    pub reporter_id: i64,
    pub category: String,
    pub description: String,
    pub major: bool,
    pub location: Option<(f64, f64)>,
    pub state: HazardState,
    pub created_at: i64,
    pub rectify_due: Option<i64>,
    pub duplicate_of: Option<i64>,
}

/// Where a hazard report stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HazardState {
    Reported,
    Acknowledged,
    Rectifying,
    Rectified,
    Closed,
    Rejected,
    Reopened,
}

impl HazardState {
    const ALL: [HazardState; 7] = [
        HazardState::Reported,
        HazardState::Acknowledged,
        HazardState::Rectifying,
        HazardState::Rectified,
        HazardState::Closed,
        HazardState::Rejected,
        HazardState::Reopened,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            HazardState::Reported => "reported",
            HazardState::Acknowledged => "acknowledged",
            HazardState::Rectifying => "rectifying",
            HazardState::Rectified => "rectified",
            HazardState::Closed => "closed",
            HazardState::Rejected => "rejected",
            HazardState::Reopened => "reopened",
        }
    }

    /// Closed or rejected: nothing more happens to it unless it is reopened.
    pub fn is_final(self) -> bool {
        matches!(self, HazardState::Closed | HazardState::Rejected)
    }

    fn parse(s: &str) -> Result<HazardState> {
        Self::ALL
            .into_iter()
            .find(|v| v.as_str() == s)
            .ok_or_else(|| super::StoreError::Corrupt(format!("hazard state {s:?}")))
    }
}

type Row = (
    i64,
    String,
    i64,
    String,
    String,
    bool,
    Option<f64>,
    Option<f64>,
    String,
    i64,
    Option<i64>,
    Option<i64>,
);

fn hazard_of(r: Row) -> Result<Hazard> {
    Ok(Hazard {
        id: r.0,
        unit_id: r.1,
        reporter_id: r.2,
        category: r.3,
        description: r.4,
        major: r.5,
        location: r.6.zip(r.7),
        state: HazardState::parse(&r.8)?,
        created_at: r.9,
        rectify_due: r.10,
        duplicate_of: r.11,
    })
}

const COLS: &str =
    "id, unit_id, reporter_id, category, description, major, lat, lon, state, created_at, rectify_due, duplicate_of";

/// A new report as the reporter finished it.
pub struct NewHazard<'a> {
    pub unit_id: &'a str,
    pub reporter_id: i64,
    pub category: &'a str,
    pub description: &'a str,
    pub major: bool,
    pub location: Option<(f64, f64)>,
    pub at: i64,
}

/// One line of a hazard's history.
#[derive(Debug, Clone)]
pub struct HazardEvent {
    pub at: i64,
    pub person: Option<String>,
    pub action: String,
    pub text: Option<String>,
}

impl Tx {
    pub async fn insert_hazard(&mut self, h: &NewHazard<'_>) -> Result<i64> {
        let sql = "INSERT INTO hazards (unit_id, reporter_id, category, description, major, lat, lon, state, created_at) \
                   VALUES ($1, $2, $3, $4, $5, $6, $7, 'reported', $8) RETURNING id";
        let row: (i64,) = on_tx!(self, c => sqlx::query_as(sql).bind(h.unit_id).bind(h.reporter_id).bind(h.category)
            .bind(h.description).bind(h.major).bind(h.location.map(|l| l.0)).bind(h.location.map(|l| l.1)).bind(h.at)
            .fetch_one(&mut **c).await?);
        Ok(row.0)
    }

    /// The hazard, locked for the rest of the transaction (two officers, one transition).
    pub async fn hazard(&mut self, id: i64) -> Result<Option<Hazard>> {
        let sql = format!(
            "SELECT {COLS} FROM hazards WHERE id = $1{}",
            self.lock_clause(" FOR UPDATE")
        );
        let row: Option<Row> = on_tx!(self, c => sqlx::query_as(&sql)
                    .bind(id)
                    .fetch_optional(&mut **c)
                    .await?);
        row.map(hazard_of).transpose()
    }

    pub async fn set_hazard_state(&mut self, id: i64, state: HazardState, now: i64) -> Result<()> {
        let sql = "UPDATE hazards SET state = $2, \
                   acked_at = CASE WHEN $2 = 'acknowledged' THEN $3 ELSE acked_at END, \
                   rectified_at = CASE WHEN $2 = 'rectified' THEN $3 ELSE rectified_at END, \
                   closed_at = CASE WHEN $2 IN ('closed', 'rejected') THEN $3 ELSE closed_at END WHERE id = $1";
        on_tx!(self, c => sqlx::query(sql).bind(id).bind(state.as_str()).bind(now).execute(&mut **c).await?.rows_affected());
        Ok(())
    }

    pub async fn set_rectify_due(&mut self, id: i64, due: Option<i64>) -> Result<()> {
        on_tx!(self, c => sqlx::query("UPDATE hazards SET rectify_due = $2 WHERE id = $1").bind(id).bind(due)
            .execute(&mut **c).await?.rows_affected());
        Ok(())
    }

    /// Remember where a report was shown with its handler buttons, to edit it later.
    pub async fn add_hazard_card(
        &mut self,
        hazard_id: i64,
        chat_id: i64,
        lang: &str,
        idem_key: &str,
    ) -> Result<()> {
        let sql = "INSERT INTO hazard_cards (hazard_id, chat_id, lang, idem_key) VALUES ($1, $2, $3, $4) \
                   ON CONFLICT (idem_key) DO NOTHING";
        on_tx!(self, c => sqlx::query(sql).bind(hazard_id).bind(chat_id).bind(lang).bind(idem_key)
            .execute(&mut **c).await?.rows_affected());
        Ok(())
    }

    /// Where a report was shown: (chat, language, idempotency key of the card).
    pub async fn hazard_cards(&mut self, hazard_id: i64) -> Result<Vec<(i64, String, String)>> {
        let sql = "SELECT chat_id, lang, idem_key FROM hazard_cards WHERE hazard_id = $1 ORDER BY idem_key";
        Ok(on_tx!(self, c => sqlx::query_as(sql).bind(hazard_id).fetch_all(&mut **c).await?))
    }

    pub async fn mark_duplicate(&mut self, id: i64, of: i64) -> Result<()> {
        on_tx!(self, c => sqlx::query("UPDATE hazards SET duplicate_of = $2 WHERE id = $1").bind(id).bind(of)
            .execute(&mut **c).await?.rows_affected());
        Ok(())
    }

    pub async fn add_hazard_photo(
        &mut self,
        id: i64,
        file_id: &str,
        person_id: i64,
        at: i64,
    ) -> Result<()> {
        let sql =
            "INSERT INTO hazard_photos (hazard_id, file_id, person_id, at) VALUES ($1, $2, $3, $4)";
        on_tx!(self, c => sqlx::query(sql).bind(id).bind(file_id).bind(person_id).bind(at).execute(&mut **c).await?.rows_affected());
        Ok(())
    }

    pub async fn add_hazard_event(
        &mut self,
        id: i64,
        at: i64,
        person_id: Option<i64>,
        action: &str,
        text: Option<&str>,
    ) -> Result<()> {
        let sql = "INSERT INTO hazard_events (hazard_id, at, person_id, action, text) VALUES ($1, $2, $3, $4, $5)";
        on_tx!(self, c => sqlx::query(sql).bind(id).bind(at).bind(person_id).bind(action).bind(text).execute(&mut **c).await?.rows_affected());
        Ok(())
    }

    /// Open reports of a category with a location, for the duplicate check.
    pub async fn open_hazards_with_location(&mut self, category: &str) -> Result<Vec<Hazard>> {
        let sql = format!(
            "SELECT {COLS} FROM hazards WHERE category = $1 AND lat IS NOT NULL \
             AND state NOT IN ('closed', 'rejected') AND duplicate_of IS NULL ORDER BY id"
        );
        let rows: Vec<Row> =
            on_tx!(self, c => sqlx::query_as(&sql).bind(category).fetch_all(&mut **c).await?);
        rows.into_iter().map(hazard_of).collect()
    }

    /// A person's language and chat, to tell them about their report.
    pub async fn person_contact(&mut self, person_id: i64) -> Result<Option<(i64, String)>> {
        let sql = "SELECT tg_user_id, lang FROM people WHERE id = $1 AND NOT unreachable";
        Ok(on_tx!(self, c => sqlx::query_as(sql).bind(person_id).fetch_optional(&mut **c).await?))
    }

    /// A report's history, oldest first, with who made each step.
    pub async fn hazard_history(&mut self, id: i64) -> Result<Vec<HazardEvent>> {
        let sql = "SELECT e.at, p.name, e.action, e.text FROM hazard_events e LEFT JOIN people p ON p.id = e.person_id \
                   WHERE e.hazard_id = $1 ORDER BY e.id";
        let rows: Vec<(i64, Option<String>, String, Option<String>)> =
            on_tx!(self, c => sqlx::query_as(sql).bind(id).fetch_all(&mut **c).await?);
        Ok(rows
            .into_iter()
            .map(|(at, person, action, text)| HazardEvent {
                at,
                person,
                action,
                text,
            })
            .collect())
    }

    /// Open reports in these units, or reported by this person (`Store::open_hazards`).
    pub async fn open_hazards(
        &mut self,
        units: &std::collections::HashSet<&str>,
        reporter: Option<i64>,
    ) -> Result<Vec<Hazard>> {
        let sql = open_sql();
        let rows: Vec<Row> = on_tx!(self, c => sqlx::query_as(&sql).fetch_all(&mut **c).await?);
        open_of(rows, units, reporter)
    }
}

fn open_sql() -> String {
    format!("SELECT {COLS} FROM hazards WHERE state NOT IN ('closed', 'rejected') ORDER BY id")
}

fn open_of(
    rows: Vec<Row>,
    units: &std::collections::HashSet<&str>,
    reporter: Option<i64>,
) -> Result<Vec<Hazard>> {
    let mut open = Vec::new();
    for h in rows.into_iter().map(hazard_of) {
        let h = h?;
        if units.contains(h.unit_id.as_str()) || Some(h.reporter_id) == reporter {
            open.push(h);
        }
    }
    Ok(open)
}

impl Store {
    pub async fn hazard_photos(&self, id: i64) -> Result<Vec<String>> {
        let sql = "SELECT file_id FROM hazard_photos WHERE hazard_id = $1 ORDER BY id";
        let rows: Vec<(String,)> =
            on_pool!(self, p => sqlx::query_as(sql).bind(id).fetch_all(p).await?);
        Ok(rows.into_iter().map(|r| r.0).collect())
    }

    /// Open reports in these units, or reported by this person.
    pub async fn open_hazards(
        &self,
        units: &std::collections::HashSet<&str>,
        reporter: Option<i64>,
    ) -> Result<Vec<Hazard>> {
        let sql = open_sql();
        let rows: Vec<Row> = on_pool!(self, p => sqlx::query_as(&sql).fetch_all(p).await?);
        open_of(rows, units, reporter)
    }
}
