//! Duty rosters: who is on shift per day, unit and role.
use super::{on_pool, on_tx, Result, Store, StoreError, Tx};
use crate::org::Role;
use crate::roster::{Entry, Staff};
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

    /// Who stands on `day`'s shift of `unit`: role, name and @username of each.
    pub async fn shift(
        &self,
        unit_id: &str,
        day: NaiveDate,
    ) -> Result<Vec<(Role, String, Option<String>)>> {
        let sql =
            "SELECT r.role, p.name, p.username FROM roster r JOIN people p ON p.id = r.person_id \
                   WHERE r.day = $1 AND r.unit_id = $2 ORDER BY r.role, p.id";
        let rows: Vec<(String, String, Option<String>)> = on_pool!(self, p => sqlx::query_as(sql)
            .bind(day_text(day)).bind(unit_id).fetch_all(p).await?);
        rows.into_iter()
            .map(|(role, name, username)| Ok((role_of(&role)?, name, username)))
            .collect()
    }

    /// The roster over `from..=to` (of one unit, if given), by day and unit.
    pub async fn roster(
        &self,
        unit: Option<&str>,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<Entry>> {
        let sql = "SELECT r.day, r.unit_id, r.role, r.person_id FROM roster r \
                   JOIN units u ON u.id = r.unit_id \
                   WHERE r.day >= $1 AND r.day <= $2 AND ($3 IS NULL OR r.unit_id = $3) \
                   ORDER BY r.day, u.position, r.role, r.person_id";
        let rows: Vec<(String, String, String, i64)> = on_pool!(self, p => sqlx::query_as(sql)
            .bind(day_text(from)).bind(day_text(to)).bind(unit).fetch_all(p).await?);
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
}
