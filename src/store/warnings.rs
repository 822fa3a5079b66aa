//! Warnings and their recipients: who was warned, who confirmed and when.
use super::{on_tx, Result, Tx};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WarningRow {
    pub id: i64,
    pub targets: Vec<String>,
    pub level: String,
    pub text: String,
    pub exercise: bool,
    pub issuer_name: String,
    pub issued_by: Option<i64>,
    pub tally_chat: Option<i64>,
    pub tally_lang: Option<String>,
    pub issued_at: i64,
    pub confirm_by: i64,
    pub expires_at: i64,
    pub ended_at: Option<i64>,
    pub end_text: Option<String>,
    pub tally_shown: Option<String>,
}

type Row = (
    i64,
    String,
    String,
    String,
    bool,
    String,
    Option<i64>,
    Option<i64>,
    Option<String>,
    i64,
    i64,
    i64,
    Option<i64>,
    Option<String>,
    Option<String>,
);

const COLS: &str = "id, targets, level, text, exercise, issuer_name, issued_by, tally_chat, \
                    tally_lang, issued_at, confirm_by, expires_at, ended_at, end_text, tally_shown";

fn row_of(r: Row) -> WarningRow {
    WarningRow {
        id: r.0,
        targets: r.1.split_whitespace().map(str::to_string).collect(),
        level: r.2,
        text: r.3,
        exercise: r.4,
        issuer_name: r.5,
        issued_by: r.6,
        tally_chat: r.7,
        tally_lang: r.8,
        issued_at: r.9,
        confirm_by: r.10,
        expires_at: r.11,
        ended_at: r.12,
        end_text: r.13,
        tally_shown: r.14,
    }
}

pub struct NewWarning<'a> {
    pub targets: &'a [String],
    pub level: &'a str,
    pub text: &'a str,
    pub exercise: bool,
    pub issuer_name: &'a str,
    pub issued_by: Option<i64>,
    pub tally_chat: Option<i64>,
    pub tally_lang: Option<&'a str>,
    /// The CAP alert's sender and identifier, so a later Update or Cancel finds it.
    pub cap: Option<(&'a str, &'a str)>,
    pub issued_at: i64,
    pub confirm_by: i64,
    pub expires_at: i64,
}

/// Someone a warning may go to: a person through one of their units, or a duty room.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub chat_id: i64,
    pub person_id: Option<i64>,
    pub unit_id: String,
    pub lang: Option<String>,
    pub unreachable: bool,
}

/// A recipient of a warning, with what it takes to address and name them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WarningRecipient {
    pub chat_id: i64,
    pub person_id: Option<i64>,
    pub unit_id: String,
    pub state: RecipientState,
    pub resent: bool,
    pub confirmed_at: Option<i64>,
    pub confirmed_name: Option<String>,
    /// The person's name, or the unit's for its duty room.
    pub name: String,
    pub username: Option<String>,
    /// `None` for a duty room (the configured default).
    pub lang: Option<String>,
}

/// Where a warning's recipient stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecipientState {
    /// Sent, not yet confirmed (收到).
    Waiting,
    Confirmed,
    /// Telegram refused their copy for good (or they were unreachable already).
    Unreachable,
}

impl RecipientState {
    pub const ALL: [RecipientState; 3] = [
        RecipientState::Waiting,
        RecipientState::Confirmed,
        RecipientState::Unreachable,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RecipientState::Waiting => "waiting",
            RecipientState::Confirmed => "confirmed",
            RecipientState::Unreachable => "unreachable",
        }
    }

    fn parse(s: &str) -> Result<RecipientState> {
        Self::ALL
            .into_iter()
            .find(|v| v.as_str() == s)
            .ok_or_else(|| super::StoreError::Corrupt(format!("warning recipient state {s:?}")))
    }
}

/// One unit's part of a warning.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UnitTally {
    pub unit_id: String,
    pub targeted: i64,
    pub in_time: i64,
    pub late: i64,
    pub waiting: i64,
    pub unreachable: i64,
}

impl UnitTally {
    pub fn add(&mut self, o: &UnitTally) {
        self.targeted += o.targeted;
        self.in_time += o.in_time;
        self.late += o.late;
        self.waiting += o.waiting;
        self.unreachable += o.unreachable;
    }
}

const RECIPIENT: &str =
    "SELECT r.chat_id, r.person_id, r.unit_id, r.state, r.resent, r.confirmed_at, \
     r.confirmed_name, COALESCE(p.name, u.name, ''), p.username, p.lang \
     FROM warning_recipients r LEFT JOIN people p ON p.id = r.person_id \
     LEFT JOIN units u ON u.id = r.unit_id";

type RecipientRow = (
    i64,
    Option<i64>,
    String,
    String,
    bool,
    Option<i64>,
    Option<String>,
    String,
    Option<String>,
    Option<String>,
);

fn recipient_of(r: RecipientRow) -> Result<WarningRecipient> {
    Ok(WarningRecipient {
        chat_id: r.0,
        person_id: r.1,
        unit_id: r.2,
        state: RecipientState::parse(&r.3)?,
        resent: r.4,
        confirmed_at: r.5,
        confirmed_name: r.6,
        name: r.7,
        username: r.8,
        lang: r.9,
    })
}

pub(super) const TALLY: &str = "SELECT r.unit_id, COUNT(*), \
     SUM(CASE WHEN r.state = 'confirmed' AND r.confirmed_at <= w.confirm_by THEN 1 ELSE 0 END), \
     SUM(CASE WHEN r.state = 'confirmed' AND r.confirmed_at > w.confirm_by THEN 1 ELSE 0 END), \
     SUM(CASE WHEN r.state = 'waiting' THEN 1 ELSE 0 END), \
     SUM(CASE WHEN r.state = 'unreachable' THEN 1 ELSE 0 END) \
     FROM warning_recipients r JOIN warnings w ON w.id = r.warning_id";

pub(super) type TallyRow = (String, i64, i64, i64, i64, i64);

pub(super) fn tally_of(r: TallyRow) -> UnitTally {
    UnitTally {
        unit_id: r.0,
        targeted: r.1,
        in_time: r.2,
        late: r.3,
        waiting: r.4,
        unreachable: r.5,
    }
}

/// Rows per multi-row INSERT: well under both backends' limits on bound parameters.
const CHUNK: usize = 500;

impl Tx {
    /// `None` when a warning from the same CAP alert exists already.
    pub async fn insert_warning(&mut self, w: &NewWarning<'_>) -> Result<Option<i64>> {
        let sql = "INSERT INTO warnings (targets, level, text, exercise, issuer_name, issued_by, tally_chat, \
                   tally_lang, cap_sender, cap_identifier, issued_at, confirm_by, expires_at) \
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) \
                   ON CONFLICT DO NOTHING RETURNING id";
        let targets = w.targets.join(" ");
        let row: Option<(i64,)> = on_tx!(self, c => sqlx::query_as(sql).bind(&targets).bind(w.level)
            .bind(w.text).bind(w.exercise).bind(w.issuer_name).bind(w.issued_by).bind(w.tally_chat)
            .bind(w.tally_lang).bind(w.cap.map(|c| c.0)).bind(w.cap.map(|c| c.1)).bind(w.issued_at).bind(w.confirm_by)
            .bind(w.expires_at).fetch_optional(&mut **c).await?);
        Ok(row.map(|r| r.0))
    }

    /// The warning, locked for the rest of this transaction.
    pub async fn warning(&mut self, id: i64) -> Result<Option<WarningRow>> {
        let sql = format!(
            "SELECT {COLS} FROM warnings WHERE id = $1{}",
            self.lock_clause(" FOR UPDATE")
        );
        let row: Option<Row> =
            on_tx!(self, c => sqlx::query_as(&sql).bind(id).fetch_optional(&mut **c).await?);
        Ok(row.map(row_of))
    }

    pub async fn warning_by_cap(&mut self, sender: &str, identifier: &str) -> Result<Option<i64>> {
        let sql = "SELECT id FROM warnings WHERE cap_sender = $1 AND cap_identifier = $2";
        let row: Option<(i64,)> = on_tx!(self, c => sqlx::query_as(sql).bind(sender).bind(identifier)
            .fetch_optional(&mut **c).await?);
        Ok(row.map(|r| r.0))
    }

    /// Everyone who may be warned: each person once per unit they hold a role in, and each
    /// bound duty room. The caller keeps those of the warned subtree.
    pub async fn warning_candidates(&mut self) -> Result<Vec<Candidate>> {
        let sql = "SELECT DISTINCT p.tg_user_id, p.id, m.unit_id, p.lang, p.unreachable \
                   FROM memberships m JOIN people p ON p.id = m.person_id";
        let people: Vec<(i64, i64, String, String, bool)> =
            on_tx!(self, c => sqlx::query_as(sql).fetch_all(&mut **c).await?);
        let sql = "SELECT duty_chat_id, id, duty_chat_unreachable FROM units WHERE duty_chat_id IS NOT NULL";
        let rooms: Vec<(i64, String, bool)> =
            on_tx!(self, c => sqlx::query_as(sql).fetch_all(&mut **c).await?);
        let mut out: Vec<Candidate> = people
            .into_iter()
            .map(|(chat_id, id, unit_id, lang, unreachable)| Candidate {
                chat_id,
                person_id: Some(id),
                unit_id,
                lang: Some(lang),
                unreachable,
            })
            .collect();
        out.extend(
            rooms
                .into_iter()
                .map(|(chat_id, unit_id, unreachable)| Candidate {
                    chat_id,
                    person_id: None,
                    unit_id,
                    lang: None,
                    unreachable,
                }),
        );
        Ok(out)
    }

    /// The recipients of an earlier warning, as candidates for its update.
    pub async fn warning_audience(&mut self, id: i64) -> Result<Vec<Candidate>> {
        let sql = "SELECT r.chat_id, r.person_id, r.unit_id, p.lang, \
                   COALESCE(p.unreachable, u.duty_chat_unreachable, FALSE) \
                   FROM warning_recipients r LEFT JOIN people p ON p.id = r.person_id \
                   LEFT JOIN units u ON u.id = r.unit_id AND r.person_id IS NULL \
                   WHERE r.warning_id = $1 ORDER BY r.chat_id";
        type AudienceRow = (i64, Option<i64>, String, Option<String>, bool);
        let rows: Vec<AudienceRow> =
            on_tx!(self, c => sqlx::query_as(sql).bind(id).fetch_all(&mut **c).await?);
        Ok(rows
            .into_iter()
            .map(
                |(chat_id, person_id, unit_id, lang, unreachable)| Candidate {
                    chat_id,
                    person_id,
                    unit_id,
                    lang,
                    unreachable,
                },
            )
            .collect())
    }

    /// Record who a warning goes to; the unreachable ones are counted so at once.
    pub async fn add_warning_recipients(&mut self, id: i64, list: &[Candidate]) -> Result<()> {
        for chunk in list.chunks(CHUNK) {
            let head =
                "INSERT INTO warning_recipients (warning_id, chat_id, person_id, unit_id, state) ";
            on_tx!(self, c => {
                let mut q = sqlx::QueryBuilder::new(head);
                q.push_values(chunk, |mut b, r| {
                    let state = if r.unreachable {
                        RecipientState::Unreachable
                    } else {
                        RecipientState::Waiting
                    };
                    b.push_bind(id).push_bind(r.chat_id).push_bind(r.person_id)
                        .push_bind(r.unit_id.clone()).push_bind(state.as_str());
                });
                q.build().execute(&mut **c).await?.rows_affected()
            });
        }
        Ok(())
    }

    /// Recipients of a warning in `states` (all when empty), in chat order.
    pub async fn warning_recipients(
        &mut self,
        id: i64,
        states: &[RecipientState],
    ) -> Result<Vec<WarningRecipient>> {
        let sql = format!("{RECIPIENT} WHERE r.warning_id = $1 ORDER BY r.unit_id, r.chat_id");
        let rows: Vec<RecipientRow> =
            on_tx!(self, c => sqlx::query_as(&sql).bind(id).fetch_all(&mut **c).await?);
        let mut chosen = Vec::new();
        for r in rows.into_iter().map(recipient_of) {
            let r = r?;
            if states.is_empty() || states.contains(&r.state) {
                chosen.push(r);
            }
        }
        Ok(chosen)
    }

    pub async fn warning_recipient(
        &mut self,
        id: i64,
        chat_id: i64,
    ) -> Result<Option<WarningRecipient>> {
        let sql = format!("{RECIPIENT} WHERE r.warning_id = $1 AND r.chat_id = $2");
        let row: Option<RecipientRow> = on_tx!(self, c => sqlx::query_as(&sql).bind(id).bind(chat_id)
            .fetch_optional(&mut **c).await?);
        row.map(recipient_of).transpose()
    }

    /// Record a confirmation; false if the recipient had confirmed already.
    pub async fn confirm_warning(
        &mut self,
        id: i64,
        chat_id: i64,
        by: Option<i64>,
        by_name: &str,
        now: i64,
    ) -> Result<bool> {
        let sql = "UPDATE warning_recipients SET state = 'confirmed', confirmed_at = $3, \
                   confirmed_by = $4, confirmed_name = $5 \
                   WHERE warning_id = $1 AND chat_id = $2 AND state <> 'confirmed'";
        let n = on_tx!(self, c => sqlx::query(sql).bind(id).bind(chat_id).bind(now).bind(by)
            .bind(by_name).execute(&mut **c).await?.rows_affected());
        Ok(n == 1)
    }

    /// Those still waiting whose copy Telegram refused for good, or who are known to be
    /// unreachable since: counted unreachable. Returns how many changed.
    pub async fn mark_unreachable_recipients(&mut self, id: i64) -> Result<u64> {
        // Driven by the few unreachable chats and failed sends, each list read once.
        let sql = "UPDATE warning_recipients SET state = 'unreachable' WHERE warning_id = $1 AND state = 'waiting' \
                   AND (chat_id IN (SELECT o.chat_id FROM outbox o WHERE o.state = 'failed' \
                                    AND o.idem_key = $2 || CAST(o.chat_id AS TEXT)) \
                        OR person_id IN (SELECT p.id FROM people p WHERE p.unreachable) \
                        OR (person_id IS NULL AND chat_id IN \
                            (SELECT u.duty_chat_id FROM units u WHERE u.duty_chat_unreachable)))";
        let prefix = format!("w{id}.");
        Ok(
            on_tx!(self, c => sqlx::query(sql).bind(id).bind(&prefix).execute(&mut **c).await?.rows_affected()),
        )
    }

    /// Are some of the warning's messages to recipients (copies, resends) still unsent?
    pub async fn warning_copies_unsent(&mut self, id: i64) -> Result<bool> {
        let sql =
            "SELECT EXISTS (SELECT 1 FROM outbox WHERE state = 'pending' AND edit_of IS NULL \
                   AND idem_key LIKE $1 AND idem_key <> $2)";
        let pattern = format!("w{id}.%");
        let (unsent,): (bool,) = on_tx!(self, c => sqlx::query_as(sql).bind(&pattern).bind(format!("w{id}.tally")).fetch_one(&mut **c).await?);
        Ok(unsent)
    }

    /// The warning's figures per unit, in unit id order.
    pub async fn warning_tally(&mut self, id: i64) -> Result<Vec<UnitTally>> {
        let sql = format!("{TALLY} WHERE r.warning_id = $1 GROUP BY r.unit_id ORDER BY r.unit_id");
        let rows: Vec<TallyRow> =
            on_tx!(self, c => sqlx::query_as(&sql).bind(id).fetch_all(&mut **c).await?);
        Ok(rows.into_iter().map(tally_of).collect())
    }

    pub async fn set_tally_shown(&mut self, id: i64, shown: &str) -> Result<()> {
        let sql = "UPDATE warnings SET tally_shown = $2 WHERE id = $1";
        on_tx!(self, c => sqlx::query(sql).bind(id).bind(shown).execute(&mut **c).await?.rows_affected());
        Ok(())
    }

    pub async fn mark_resent(&mut self, id: i64, chats: &[i64]) -> Result<()> {
        for chunk in chats.chunks(CHUNK) {
            on_tx!(self, c => {
                let mut q = sqlx::QueryBuilder::new("UPDATE warning_recipients SET resent = TRUE WHERE warning_id = ");
                q.push_bind(id).push(" AND chat_id IN (");
                let mut list = q.separated(", ");
                for chat in chunk {
                    list.push_bind(*chat);
                }
                list.push_unseparated(")");
                q.build().execute(&mut **c).await?.rows_affected()
            });
        }
        Ok(())
    }

    /// End a warning; false if it had ended already.
    pub async fn end_warning(&mut self, id: i64, text: Option<&str>, now: i64) -> Result<bool> {
        let sql =
            "UPDATE warnings SET ended_at = $2, end_text = $3 WHERE id = $1 AND ended_at IS NULL";
        let n = on_tx!(self, c => sqlx::query(sql).bind(id).bind(now).bind(text).execute(&mut **c).await?.rows_affected());
        Ok(n == 1)
    }

    /// Warnings not ended yet, newest first.
    pub async fn active_warnings(&mut self) -> Result<Vec<WarningRow>> {
        let sql = format!("SELECT {COLS} FROM warnings WHERE ended_at IS NULL ORDER BY id DESC");
        let rows: Vec<Row> = on_tx!(self, c => sqlx::query_as(&sql).fetch_all(&mut **c).await?);
        Ok(rows.into_iter().map(row_of).collect())
    }

    /// A unit's recipients of a warning still waiting or unreachable: who someone must call.
    pub async fn silent_recipients(
        &mut self,
        id: i64,
        unit_id: &str,
    ) -> Result<Vec<WarningRecipient>> {
        let sql = format!(
            "{RECIPIENT} WHERE r.warning_id = $1 AND r.unit_id = $2 AND r.state <> 'confirmed' ORDER BY r.chat_id"
        );
        let rows: Vec<RecipientRow> = on_tx!(self, c => sqlx::query_as(&sql).bind(id).bind(unit_id)
            .fetch_all(&mut **c).await?);
        rows.into_iter().map(recipient_of).collect()
    }
}

impl Tx {
    /// Per unit, over real warnings (not exercises) issued in `[from, to)`.
    pub async fn warning_figures(&mut self, from: i64, to: i64) -> Result<Vec<UnitTally>> {
        let sql = format!(
            "{TALLY} WHERE NOT w.exercise AND w.issued_at >= $1 AND w.issued_at < $2 \
             GROUP BY r.unit_id ORDER BY r.unit_id"
        );
        let rows: Vec<TallyRow> =
            on_tx!(self, c => sqlx::query_as(&sql).bind(from).bind(to).fetch_all(&mut **c).await?);
        Ok(rows.into_iter().map(tally_of).collect())
    }
}
