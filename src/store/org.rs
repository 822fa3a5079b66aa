//! Units, people, memberships, invites and conversations.
use super::{on_pool, on_tx, Result, Store, StoreError, Tx};
use crate::conversation::Conversation;
use crate::org::file::{parents_first, UnitEntry};
use crate::org::{Member, Membership, Person, Role, Unit};

type UnitRow = (
    String,
    String,
    Option<String>,
    Option<i64>,
    Option<f64>,
    Option<f64>,
);
type PersonRow = (i64, i64, String, String, bool);

fn unit_of(r: UnitRow) -> Unit {
    Unit {
        id: r.0,
        name: r.1,
        parent: r.2,
        duty_chat_id: r.3,
        place: r.4.zip(r.5),
    }
}

fn person_of(r: PersonRow) -> Person {
    Person {
        id: r.0,
        tg_user_id: r.1,
        name: r.2,
        lang: r.3,
        unreachable: r.4,
    }
}

fn role_of(s: &str) -> Result<Role> {
    s.parse()
        .map_err(|e: crate::org::UnknownRole| StoreError::Corrupt(e.to_string()))
}

/// What `/start CODE` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RedeemOutcome {
    Joined {
        unit_id: String,
        unit_name: String,
        role: Role,
        person_id: i64,
    },
    AlreadyMember {
        unit_id: String,
        unit_name: String,
        role: Role,
    },
    Unknown,
    Expired,
    UsedUp,
}

/// The person who redeems an invite, as Telegram describes them.
pub struct Joiner<'a> {
    pub tg_user_id: i64,
    pub name: &'a str,
    pub username: Option<&'a str>,
    pub lang: &'a str,
}

const UNIT_COLS: &str = "id, name, parent_id, duty_chat_id, lat, lon";

const PERSON_SQL: &str =
    "SELECT id, tg_user_id, name, lang, unreachable FROM people WHERE tg_user_id = $1";
const MEMBERSHIPS_SQL: &str =
    "SELECT m.unit_id, u.name, m.role FROM memberships m JOIN units u ON u.id = m.unit_id \
     WHERE m.person_id = $1 ORDER BY u.position, m.role";
const TREE_VERSION_SQL: &str = "SELECT version FROM unit_tree_version";
const STATE_SQL: &str = "SELECT state FROM conversations WHERE chat_id = $1 AND user_id = $2";

type MembershipRow = (String, String, String);

/// Who sent an update, read with one query: their record and roles, what their conversation
/// is in the middle of, a stranger's language, and the unit tree's version.
#[derive(Debug, Clone, Default)]
pub struct Sender {
    pub member: Member,
    pub state: Option<Conversation>,
    /// A stranger's language choice (kept with their private conversation).
    pub stranger_lang: Option<String>,
    pub tree_version: i64,
}

/// One row per membership (one row for strangers and people without roles).
const SENDER_SQL: &str = "SELECT p.id, p.tg_user_id, p.name, p.lang, p.unreachable, \
       m.unit_id, u.name, m.role, \
       (SELECT c.state FROM conversations c WHERE c.chat_id = $2 AND c.user_id = q.uid), \
       (SELECT c.lang FROM conversations c WHERE c.chat_id = q.uid AND c.user_id = q.uid), \
       (SELECT v.version FROM unit_tree_version v) \
     FROM (SELECT CAST($1 AS BIGINT) AS uid) q \
     LEFT JOIN people p ON p.tg_user_id = q.uid \
     LEFT JOIN memberships m ON m.person_id = p.id \
     LEFT JOIN units u ON u.id = m.unit_id \
     ORDER BY u.position, m.role";

type SenderRow = (
    Option<i64>,
    Option<i64>,
    Option<String>,
    Option<String>,
    Option<bool>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<i64>,
);

fn sender_of(rows: Vec<SenderRow>) -> Result<Sender> {
    let Some(first) = rows.first() else {
        return Err(StoreError::Corrupt(
            "the sender query returned no row".into(),
        ));
    };
    let tree_version = first.10.unwrap_or(0);
    let person = match first.clone() {
        (Some(id), Some(tg_user_id), Some(name), Some(lang), Some(unreachable), ..) => Person {
            id,
            tg_user_id,
            name,
            lang,
            unreachable,
        },
        _ => {
            return Ok(Sender {
                stranger_lang: first.9.clone(),
                tree_version,
                ..Sender::default()
            })
        }
    };
    let state = first.8.as_deref().and_then(Conversation::from_json);
    let memberships = rows
        .into_iter()
        .filter_map(|r| Some((r.5?, r.6?, r.7?)))
        .collect();
    Ok(Sender {
        member: member_of(person, memberships)?,
        state,
        stranger_lang: None,
        tree_version,
    })
}

fn member_of(person: Person, rows: Vec<MembershipRow>) -> Result<Member> {
    let memberships = rows
        .into_iter()
        .map(|(unit_id, unit_name, role)| {
            Ok(Membership {
                unit_id,
                unit_name,
                role: role_of(&role)?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Member {
        person: Some(person),
        memberships,
    })
}

fn state_of(row: Option<(Option<String>,)>) -> Option<Conversation> {
    row.and_then(|r| r.0)
        .and_then(|s| Conversation::from_json(&s))
}

impl Tx {
    /// All units in file order, and the tree's version, as this transaction sees them.
    pub async fn units_versioned(&mut self) -> Result<(i64, Vec<Unit>)> {
        let version: (i64,) =
            on_tx!(self, c => sqlx::query_as(TREE_VERSION_SQL).fetch_one(&mut **c).await?);
        let sql = format!("SELECT {UNIT_COLS} FROM units ORDER BY position, id");
        let rows: Vec<UnitRow> = on_tx!(self, c => sqlx::query_as(&sql).fetch_all(&mut **c).await?);
        Ok((version.0, rows.into_iter().map(unit_of).collect()))
    }

    pub async fn tree_version(&mut self) -> Result<i64> {
        let row: (i64,) =
            on_tx!(self, c => sqlx::query_as(TREE_VERSION_SQL).fetch_one(&mut **c).await?);
        Ok(row.0)
    }
}

impl Store {
    /// All units in file order.
    pub async fn units(&self) -> Result<Vec<Unit>> {
        let sql = format!("SELECT {UNIT_COLS} FROM units ORDER BY position, id");
        let rows: Vec<UnitRow> = on_pool!(self, p => sqlx::query_as(&sql).fetch_all(p).await?);
        Ok(rows.into_iter().map(unit_of).collect())
    }

    pub async fn unit(&self, id: &str) -> Result<Option<Unit>> {
        let sql = format!("SELECT {UNIT_COLS} FROM units WHERE id = $1");
        let row: Option<UnitRow> =
            on_pool!(self, p => sqlx::query_as(&sql).bind(id).fetch_optional(p).await?);
        Ok(row.map(unit_of))
    }

    /// The sender of an update in `chat_id`, in one query.
    pub async fn sender(&self, tg_user_id: i64, chat_id: i64) -> Result<Sender> {
        let rows: Vec<SenderRow> = on_pool!(self, p => sqlx::query_as(SENDER_SQL)
            .bind(tg_user_id).bind(chat_id).fetch_all(p).await?);
        sender_of(rows)
    }

    /// The unit tree's version (see `org::tree`).
    pub async fn tree_version(&self) -> Result<i64> {
        let row: (i64,) = on_pool!(self, p => sqlx::query_as(TREE_VERSION_SQL).fetch_one(p).await?);
        Ok(row.0)
    }

    /// Someone who blocked the bot wrote again: they can be reached once more.
    pub async fn person_reachable(&self, person_id: i64) -> Result<()> {
        let sql = "UPDATE people SET unreachable = FALSE WHERE id = $1";
        on_pool!(self, p => sqlx::query(sql).bind(person_id).execute(p).await?.rows_affected());
        Ok(())
    }

    pub async fn people_count(&self) -> Result<i64> {
        let row: (i64,) =
            on_pool!(self, p => sqlx::query_as("SELECT COUNT(*) FROM people").fetch_one(p).await?);
        Ok(row.0)
    }
}

/// The same reads inside a transaction, so they see what it changed.
impl Tx {
    pub async fn unit(&mut self, id: &str) -> Result<Option<Unit>> {
        let sql = format!("SELECT {UNIT_COLS} FROM units WHERE id = $1");
        let row: Option<UnitRow> =
            on_tx!(self, c => sqlx::query_as(&sql).bind(id).fetch_optional(&mut **c).await?);
        Ok(row.map(unit_of))
    }

    pub async fn member(&mut self, tg_user_id: i64) -> Result<Member> {
        let row: Option<PersonRow> = on_tx!(self, c => sqlx::query_as(PERSON_SQL)
            .bind(tg_user_id).fetch_optional(&mut **c).await?);
        let Some(person) = row.map(person_of) else {
            return Ok(Member::default());
        };
        let rows: Vec<MembershipRow> = on_tx!(self, c => sqlx::query_as(MEMBERSHIPS_SQL)
            .bind(person.id).fetch_all(&mut **c).await?);
        member_of(person, rows)
    }

    pub async fn conversation_state(
        &mut self,
        chat_id: i64,
        user_id: i64,
    ) -> Result<Option<Conversation>> {
        let row = on_tx!(self, c => sqlx::query_as(STATE_SQL).bind(chat_id).bind(user_id)
            .fetch_optional(&mut **c).await?);
        Ok(state_of(row))
    }
}

impl Tx {
    /// Upsert a checked org file: new units get positions after the stored ones, in file order.
    pub async fn import_units(&mut self, entries: &[UnitEntry]) -> Result<()> {
        let base: (Option<i64>,) = on_tx!(self, c => sqlx::query_as("SELECT MAX(position) FROM units").fetch_one(&mut **c).await?);
        let base = base.0.unwrap_or(0);
        for e in parents_first(entries) {
            let index = entries.iter().position(|x| x.id == e.id).unwrap_or(0) as i64;
            let sql = "INSERT INTO units (id, name, parent_id, position, lat, lon) VALUES ($1, $2, $3, $4, $5, $6) \
                       ON CONFLICT (id) DO UPDATE SET name = excluded.name, parent_id = excluded.parent_id, \
                       lat = excluded.lat, lon = excluded.lon";
            let (lat, lon) = (e.place.map(|p| p.0), e.place.map(|p| p.1));
            on_tx!(self, c => sqlx::query(sql).bind(&e.id).bind(&e.name).bind(&e.parent).bind(base + 1 + index)
                .bind(lat).bind(lon).execute(&mut **c).await?.rows_affected());
        }
        Ok(())
    }

    pub async fn create_invite(
        &mut self,
        code_hash: &str,
        unit_id: &str,
        role: Role,
        uses: i64,
        expires_at: Option<i64>,
        now: i64,
    ) -> Result<()> {
        let sql =
            "INSERT INTO invites (code_hash, unit_id, role, uses_left, expires_at, created_at) \
                   VALUES ($1, $2, $3, $4, $5, $6)";
        on_tx!(self, c => sqlx::query(sql).bind(code_hash).bind(unit_id).bind(role.as_str()).bind(uses)
            .bind(expires_at).bind(now).execute(&mut **c).await?.rows_affected());
        Ok(())
    }

    /// Join with an invite: creates the person on first join, adds the membership, uses the
    /// code once. Anything but `Joined` changes nothing.
    pub async fn redeem_invite(
        &mut self,
        code_hash: &str,
        who: &Joiner<'_>,
        now: i64,
    ) -> Result<RedeemOutcome> {
        // The claim is one statement: it takes a use only while one is left, so replicas
        // redeeming one code at once cannot both have it (PostgreSQL's second UPDATE waits for
        // the first and then finds none left).
        let claim = "UPDATE invites SET uses_left = uses_left - 1 WHERE code_hash = $1 \
                     AND uses_left > 0 AND (expires_at IS NULL OR expires_at > $2) \
                     RETURNING unit_id, role";
        let claimed: Option<(String, String)> = on_tx!(self, c => sqlx::query_as(claim)
            .bind(code_hash).bind(now).fetch_optional(&mut **c).await?);
        let Some((unit_id, role)) = claimed else {
            return self.why_not_redeemed(code_hash, now).await;
        };
        let role = role_of(&role)?;
        let unit_name: (String,) = on_tx!(self, c => sqlx::query_as("SELECT name FROM units WHERE id = $1")
            .bind(&unit_id).fetch_one(&mut **c).await?);
        let unit_name = unit_name.0;
        // The same person redeeming twice at once: the first insert wins, the second reads it.
        let sql = "INSERT INTO people (tg_user_id, name, username, lang, created_at) \
                   VALUES ($1, $2, $3, $4, $5) ON CONFLICT (tg_user_id) DO NOTHING";
        on_tx!(self, c => sqlx::query(sql).bind(who.tg_user_id).bind(who.name)
            .bind(who.username).bind(who.lang).bind(now).execute(&mut **c).await?.rows_affected());
        let person: (i64,) = on_tx!(self, c => sqlx::query_as("SELECT id FROM people WHERE tg_user_id = $1")
            .bind(who.tg_user_id).fetch_one(&mut **c).await?);
        let person_id = person.0;
        let sql = "INSERT INTO memberships (person_id, unit_id, role, created_at) VALUES ($1, $2, $3, $4) \
                   ON CONFLICT DO NOTHING";
        let added = on_tx!(self, c => sqlx::query(sql).bind(person_id).bind(&unit_id).bind(role.as_str()).bind(now)
            .execute(&mut **c).await?.rows_affected());
        if added == 0 {
            // Nothing changes for a member already: the use goes back (this transaction
            // still holds the row).
            on_tx!(self, c => sqlx::query("UPDATE invites SET uses_left = uses_left + 1 WHERE code_hash = $1")
                .bind(code_hash).execute(&mut **c).await?.rows_affected());
            return Ok(RedeemOutcome::AlreadyMember {
                unit_id,
                unit_name,
                role,
            });
        }
        self.add_admin_event(&super::AdminEvent {
            at: now,
            kind: "invite.used",
            unit_id: Some(&unit_id),
            person_id: Some(person_id),
            detail: &format!("joined as {}", role.as_str()),
        })
        .await?;
        // A stranger's conversation language now lives on their person record.
        on_tx!(self, c => sqlx::query("UPDATE conversations SET lang = NULL WHERE user_id = $1")
            .bind(who.tg_user_id).execute(&mut **c).await?.rows_affected());
        Ok(RedeemOutcome::Joined {
            unit_id,
            unit_name,
            role,
            person_id,
        })
    }

    /// Why a code gave no use: unknown, expired, or used up (in that order).
    async fn why_not_redeemed(&mut self, code_hash: &str, now: i64) -> Result<RedeemOutcome> {
        let sql = "SELECT expires_at FROM invites WHERE code_hash = $1";
        let row: Option<(Option<i64>,)> =
            on_tx!(self, c => sqlx::query_as(sql).bind(code_hash).fetch_optional(&mut **c).await?);
        Ok(match row {
            None => RedeemOutcome::Unknown,
            Some((Some(t),)) if t <= now => RedeemOutcome::Expired,
            Some(_) => RedeemOutcome::UsedUp,
        })
    }

    pub async fn person_name(&mut self, person_id: i64) -> Result<Option<String>> {
        let sql = "SELECT name FROM people WHERE id = $1";
        let row: Option<(String,)> =
            on_tx!(self, c => sqlx::query_as(sql).bind(person_id).fetch_optional(&mut **c).await?);
        Ok(row.map(|r| r.0))
    }

    /// Every reachable supervisor, for announcements (language, chat).
    pub async fn all_supervisors(&mut self) -> Result<Vec<(String, i64)>> {
        let sql = "SELECT DISTINCT p.lang, p.tg_user_id FROM memberships m JOIN people p ON p.id = m.person_id \
                   WHERE m.role = 'supervisor' AND NOT p.unreachable ORDER BY p.tg_user_id";
        Ok(on_tx!(self, c => sqlx::query_as(sql).fetch_all(&mut **c).await?))
    }

    pub async fn set_person_lang(&mut self, person_id: i64, lang: &str) -> Result<()> {
        on_tx!(self, c => sqlx::query("UPDATE people SET lang = $1 WHERE id = $2").bind(lang).bind(person_id)
            .execute(&mut **c).await?.rows_affected());
        Ok(())
    }

    pub async fn set_conversation_lang(
        &mut self,
        chat_id: i64,
        user_id: i64,
        lang: &str,
        now: i64,
    ) -> Result<()> {
        let sql = "INSERT INTO conversations (chat_id, user_id, lang, updated_at) VALUES ($1, $2, $3, $4) \
                   ON CONFLICT (chat_id, user_id) DO UPDATE SET lang = excluded.lang, updated_at = excluded.updated_at";
        on_tx!(self, c => sqlx::query(sql).bind(chat_id).bind(user_id).bind(lang).bind(now).execute(&mut **c).await?.rows_affected());
        Ok(())
    }

    pub async fn set_conversation_state(
        &mut self,
        chat_id: i64,
        user_id: i64,
        state: &Conversation,
        now: i64,
    ) -> Result<()> {
        let sql = "INSERT INTO conversations (chat_id, user_id, state, updated_at) VALUES ($1, $2, $3, $4) \
                   ON CONFLICT (chat_id, user_id) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at";
        let state = state.to_json();
        on_tx!(self, c => sqlx::query(sql).bind(chat_id).bind(user_id).bind(&state).bind(now).execute(&mut **c).await?.rows_affected());
        Ok(())
    }

    /// Drop any draft of this conversation; true when there was one.
    pub async fn clear_conversation_state(&mut self, chat_id: i64, user_id: i64) -> Result<bool> {
        let sql = "UPDATE conversations SET state = NULL WHERE chat_id = $1 AND user_id = $2 AND state IS NOT NULL";
        let n = on_tx!(self, c => sqlx::query(sql).bind(chat_id).bind(user_id).execute(&mut **c).await?.rows_affected());
        Ok(n > 0)
    }

    /// Leave the unit without a duty room.
    pub async fn clear_duty_room(&mut self, unit_id: &str) -> Result<()> {
        on_tx!(self, c => sqlx::query("UPDATE units SET duty_chat_id = NULL, duty_chat_unreachable = FALSE WHERE id = $1")
            .bind(unit_id).execute(&mut **c).await?.rows_affected());
        Ok(())
    }

    /// Make `chat_id` the unit's duty room; returns the unit that had it before, if another.
    pub async fn bind_duty_room(&mut self, unit_id: &str, chat_id: i64) -> Result<Option<String>> {
        let prev: Option<(String,)> = on_tx!(self, c => sqlx::query_as("SELECT id FROM units WHERE duty_chat_id = $1 AND id <> $2")
            .bind(chat_id).bind(unit_id).fetch_optional(&mut **c).await?);
        on_tx!(self, c => sqlx::query("UPDATE units SET duty_chat_id = NULL WHERE duty_chat_id = $1")
            .bind(chat_id).execute(&mut **c).await?.rows_affected());
        on_tx!(self, c => sqlx::query("UPDATE units SET duty_chat_id = $1, duty_chat_unreachable = FALSE WHERE id = $2")
            .bind(chat_id).bind(unit_id).execute(&mut **c).await?.rows_affected());
        Ok(prev.map(|p| p.0))
    }
}
