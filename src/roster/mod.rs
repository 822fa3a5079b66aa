//! Duty rosters (值班表): who is on shift each day in a unit, as duty officer (值班员) or leading
//! supervisor (带班领导). A unit with a roster for the current shift is reminded and alerted
//! through the people on it; a unit without one works as before (everyone of the role).
pub mod commands;

use crate::config::Lang;
use crate::context::{Ctx, Features};
use crate::notice::Notice;
use crate::org::tree::UnitTree;
use crate::org::Role;
use crate::registry::{HandoverLine, HandoverValue};
use crate::store::{StoreError, Tx};
use crate::tr;
use chrono::{Days, NaiveDate};
use std::collections::HashMap;

/// A roster's rows are the store's (`store::roster`).
pub use crate::store::{Entry, Staff};

/// The roles a roster names.
pub const ROLES: [Role; 2] = [Role::DutyOfficer, Role::Supervisor];

pub const HEADER: &str = "date,unit,role,person";

/// A roster file that cannot be imported: every problem, each with its line.
#[derive(Debug, thiserror::Error)]
#[error("{}", .0.join("\n"))]
pub struct RosterFileError(pub Vec<String>);

/// Read a roster CSV (`date,unit,role,person`; `person` an id from `lookout people` or an
/// @username). Every line is checked against the units and the people's roles, and every
/// problem is reported: the file is imported whole or not at all.
pub fn parse(
    text: &str,
    file: &str,
    units: &UnitTree,
    staff: &[Staff],
) -> Result<Vec<Entry>, RosterFileError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let mut problems = Vec::new();
    let mut entries: Vec<Entry> = Vec::new();
    let mut seen: HashMap<(NaiveDate, String, Role, i64), u64> = HashMap::new();
    let mut header = false;
    for (n, record) in reader.records().enumerate() {
        let line = record
            .as_ref()
            .ok()
            .and_then(|r| r.position())
            .map_or(n as u64 + 1, |p| p.line());
        let mut problem = |message: String| problems.push(format!("{file}:{line}: {message}"));
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                problem(format!("unreadable: {e}"));
                continue;
            }
        };
        let fields: Vec<&str> = record.iter().collect();
        if n == 0 {
            header = true;
            if fields.join(",") != HEADER {
                problem(format!("the first line must be the header `{HEADER}`"));
            }
            continue;
        }
        if fields.iter().all(|f| f.is_empty()) {
            continue;
        }
        let [date, unit, role, person] = fields[..] else {
            problem(format!(
                "expected 4 fields ({HEADER}), found {}",
                fields.len()
            ));
            continue;
        };
        let day = NaiveDate::parse_from_str(date, "%Y-%m-%d").ok();
        if day.is_none() {
            problem(format!("invalid date \"{date}\": expected YYYY-MM-DD"));
        }
        let known_unit = units.get(unit);
        if known_unit.is_none() {
            problem(format!("unknown unit \"{unit}\""));
        }
        let role = role.parse::<Role>().ok().filter(|r| ROLES.contains(r));
        if role.is_none() {
            problem(format!(
                "role must be duty_officer or supervisor, not \"{}\"",
                fields[2]
            ));
        }
        let who = find_person(person, staff);
        if who.is_none() {
            problem(format!(
                "unknown person \"{person}\": use an id from `lookout people` or an @username"
            ));
        }
        let (Some(day), Some(unit), Some(role), Some(person_id)) = (day, known_unit, role, who)
        else {
            continue;
        };
        let has_role = staff
            .iter()
            .any(|s| s.person_id == person_id && s.unit_id == unit.id && s.role == role);
        if !has_role {
            problem(format!(
                "person {person} is not a {role} of {} ({})",
                unit.name, unit.id
            ));
            continue;
        }
        let key = (day, unit.id.clone(), role, person_id);
        if let Some(first) = seen.get(&key) {
            problem(format!("the same as line {first}"));
            continue;
        }
        seen.insert(key, line);
        entries.push(Entry {
            day,
            unit_id: unit.id.clone(),
            role,
            person_id,
        });
    }
    if !header {
        problems.push(format!("{file}: empty; the first line must be `{HEADER}`"));
    }
    if problems.is_empty() {
        Ok(entries)
    } else {
        Err(RosterFileError(problems))
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error(transparent)]
    File(#[from] RosterFileError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Import the roster file `text` (named `source` in messages and the audit trail): each
/// (day, unit, role) in it replaces what was planned, the whole file or nothing. How many
/// rows and shifts it held.
pub async fn import(
    store: &crate::store::Store,
    text: &str,
    source: &str,
    now: i64,
) -> Result<(usize, usize), ImportError> {
    let units = UnitTree::new(store.units().await?);
    let staff = store.staff(None).await?;
    let entries = parse(text, source, &units, &staff)?;
    let mut shifts: Vec<_> = entries
        .iter()
        .map(|e| (e.day, &e.unit_id, e.role))
        .collect();
    shifts.sort();
    shifts.dedup();
    let mut tx = store.begin().await?;
    tx.replace_roster(&entries).await?;
    let detail = format!(
        "{} rows for {} shifts from {source}",
        entries.len(),
        shifts.len()
    );
    tx.add_admin_event(&crate::store::AdminEvent {
        at: now,
        kind: "roster.imported",
        unit_id: None,
        person_id: None,
        detail: &detail,
    })
    .await?;
    tx.commit().await?;
    Ok((entries.len(), shifts.len()))
}

/// Swap `id` if `member` is the colleague it asks and it still waits for their answer;
/// accepting also needs them to hold the shift's role in its unit still (as `/swap` asked).
/// `None` for anyone else, and whether the swap exists is not told.
pub async fn swap_for(
    tx: &mut Tx,
    member: &crate::org::Member,
    id: i64,
    accept: bool,
) -> Result<Option<crate::store::Swap>, StoreError> {
    let Some(me) = member.person.as_ref().map(|p| p.id) else {
        return Ok(None);
    };
    Ok(tx.swap(id).await?.filter(|s| {
        s.state == crate::store::SwapState::Asked
            && s.to_person == me
            && (!accept
                || member
                    .memberships
                    .iter()
                    .any(|m| m.unit_id == s.unit_id && m.role == s.role))
    }))
}

/// The reachable duty officers of `unit_id` on the shift of `now`, when its roster names any
/// (`None`: the unit keeps no roster for this shift, or nobody on it can be reached).
pub async fn officers_on_shift(
    ctx: &Ctx,
    tx: &mut Tx,
    unit_id: &str,
    now: i64,
) -> Result<Option<Vec<(i64, Lang)>>, StoreError> {
    let day = ctx.config.roster.shift_day(ctx.config.timezone, now);
    let Some(on) = tx.on_shift(unit_id, Role::DutyOfficer, day).await? else {
        return Ok(None);
    };
    let mine: Vec<(i64, Lang)> = tx
        .duty_officers(unit_id)
        .await?
        .into_iter()
        .filter(|(chat, _, _)| on.contains(chat))
        .map(|(chat, lang, _)| (chat, Lang::from_telegram(Some(&lang))))
        .collect();
    Ok((!mine.is_empty()).then_some(mine))
}

/// The daily shift change, at the configured shift start.
pub fn register(r: &mut Features) {
    r.schedule(
        "roster.shift",
        |c| c.roster.shift_change(),
        |ctx, tx, due_at, _| Box::pin(on_shift_change(ctx, tx, due_at)),
    );
}

/// Schedule `roster.shift` fired (at `roster.shift_start`): the incoming duty officers of
/// every unit with a roster get the handover (交接班) and the outgoing ones are told it was
/// delivered; during the fire season, units with nobody on tomorrow's roster are reported to
/// their supervisors ("明天无人值班").
pub async fn on_shift_change(ctx: &Ctx, tx: &mut Tx, at: i64) -> Result<(), StoreError> {
    let today = ctx.config.roster.shift_day(ctx.config.timezone, at);
    handover(ctx, tx, today, at).await?;
    if crate::schedule::season::is_on(ctx, crate::clock::from_ms(at)).await? {
        report_gaps(ctx, tx, today, at).await?;
    }
    Ok(())
}

/// A feature's handover line in `l`.
fn line(ctx: &Ctx, l: Lang, line: &HandoverLine) -> String {
    let value = match &line.value {
        HandoverValue::Items(ids) if ids.is_empty() => tr!(ctx.i18n, l, "handover-none"),
        HandoverValue::Items(ids) => {
            let shown: Vec<String> = ids.iter().map(ToString::to_string).collect();
            shown.join(&tr!(ctx.i18n, l, "list-separator"))
        }
        HandoverValue::State(key) => ctx.i18n.t(l, key, &[]),
    };
    ctx.i18n.t(l, line.key, &[("value", value.into())])
}

async fn handover(ctx: &Ctx, tx: &mut Tx, today: NaiveDate, at: i64) -> Result<(), StoreError> {
    let incoming = tx.rostered(today, Role::DutyOfficer).await?;
    if incoming.is_empty() {
        return Ok(());
    }
    let yesterday = today - Days::new(1);
    let outgoing = tx.rostered(yesterday, Role::DutyOfficer).await?;
    let day = today.format("%Y-%m-%d").to_string();
    let mut units: Vec<&str> = incoming.iter().map(|p| p.unit_id.as_str()).collect();
    units.dedup();
    for unit_id in units {
        // What each feature hands over, in the order they registered.
        let mut lines = Vec::new();
        for take in ctx.features.handover_lines() {
            lines.push(take(ctx, tx, unit_id, at).await?);
        }
        let unit = tx.unit_name(unit_id).await?;
        let mut told = Vec::new();
        for p in incoming.iter().filter(|p| p.unit_id == unit_id) {
            let l = Lang::from_telegram(Some(&p.lang));
            let mut text = tr!(
                ctx.i18n,
                l,
                "handover",
                unit = unit.clone(),
                day = day.clone()
            );
            for each in &lines {
                text.push('\n');
                text.push_str(&line(ctx, l, each));
            }
            let key = format!("ho.{unit_id}.{day}.{}", p.chat_id);
            ctx.say(tx, &Notice::text(key, p.chat_id, text), at).await?;
            told.push(p.name.clone());
        }
        // Someone on both shifts hands over to themselves: the handover is enough.
        let staying: Vec<i64> = incoming
            .iter()
            .filter(|p| p.unit_id == unit_id)
            .map(|p| p.chat_id)
            .collect();
        for p in outgoing
            .iter()
            .filter(|p| p.unit_id == unit_id && !staying.contains(&p.chat_id))
        {
            let l = Lang::from_telegram(Some(&p.lang));
            let names = told.join(&tr!(ctx.i18n, l, "list-separator"));
            let text = tr!(
                ctx.i18n,
                l,
                "handover-delivered",
                unit = unit.clone(),
                to = names
            );
            let key = format!("hod.{unit_id}.{day}.{}", p.chat_id);
            ctx.say(tx, &Notice::text(key, p.chat_id, text), at).await?;
        }
    }
    Ok(())
}

/// How far around tomorrow a unit's roster must reach for a missing day to be a gap rather
/// than a unit that keeps no roster.
const GAP_WINDOW: u64 = 7;

async fn report_gaps(ctx: &Ctx, tx: &mut Tx, today: NaiveDate, at: i64) -> Result<(), StoreError> {
    let tomorrow = today + Days::new(1);
    let near = (today - Days::new(GAP_WINDOW), today + Days::new(GAP_WINDOW));
    let day = tomorrow.format("%Y-%m-%d").to_string();
    for (unit_id, unit) in tx.roster_gaps(tomorrow, near).await? {
        for r in tx.supervisors_and_room(&unit_id).await? {
            let l = crate::escalation::recipient_lang(ctx, &r);
            let text = tr!(
                ctx.i18n,
                l,
                "roster-gap",
                unit = unit.clone(),
                day = day.clone()
            );
            let key = format!("gap.{unit_id}.{day}.{}", r.chat_id);
            ctx.say(tx, &Notice::text(key, r.chat_id, text), at).await?;
        }
    }
    Ok(())
}

/// A person id, or an @username (case-insensitive, as Telegram treats them).
fn find_person(given: &str, staff: &[Staff]) -> Option<i64> {
    match given.strip_prefix('@') {
        Some(name) => staff
            .iter()
            .find(|s| {
                s.username
                    .as_deref()
                    .is_some_and(|u| u.eq_ignore_ascii_case(name))
            })
            .map(|s| s.person_id),
        None => given
            .parse::<i64>()
            .ok()
            .filter(|id| staff.iter().any(|s| s.person_id == *id)),
    }
}

/// The roster as CSV, in the format `parse` reads.
pub fn export(rows: &[Entry]) -> String {
    let mut out = format!("{HEADER}\n");
    for r in rows {
        out.push_str(&format!(
            "{},{},{},{}\n",
            r.day.format("%Y-%m-%d"),
            crate::stats::csv_field(&r.unit_id),
            r.role,
            r.person_id
        ));
    }
    out
}

/// People and their roles as CSV (`lookout people`): the ids a roster file names.
pub fn people(staff: &[Staff]) -> String {
    let mut out = String::from("id,name,username,unit,role\n");
    for s in staff {
        let username = s
            .username
            .as_deref()
            .map(|u| format!("@{u}"))
            .unwrap_or_default();
        out.push_str(&format!(
            "{},{},{},{},{}\n",
            s.person_id,
            crate::stats::csv_field(&s.name),
            crate::stats::csv_field(&username),
            crate::stats::csv_field(&s.unit_id),
            s.role
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::org::Unit;

    fn units() -> UnitTree {
        let unit = |id: &str, name: &str, parent: Option<&str>| Unit {
            id: id.into(),
            name: name.into(),
            parent: parent.map(Into::into),
            duty_chat_id: None,
            place: None,
        };
        UnitTree::new(vec![
            unit("town", "王村镇", None),
            unit("lijia", "李家村", Some("town")),
        ])
    }

    fn staff() -> Vec<Staff> {
        let s = |id, username: Option<&str>, unit: &str, role| Staff {
            person_id: id,
            name: format!("p{id}"),
            username: username.map(Into::into),
            unit_id: unit.into(),
            role,
        };
        vec![
            s(1, Some("Zhang"), "lijia", Role::DutyOfficer),
            s(2, None, "lijia", Role::DutyOfficer),
            s(3, Some("li"), "town", Role::Supervisor),
            s(4, None, "lijia", Role::GridWorker),
        ]
    }

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn reads_ids_and_usernames_and_round_trips() {
        let text = "date,unit,role,person\n\
                    2026-03-01,lijia,duty_officer,@zhang\n\
                    2026-03-01, lijia ,duty_officer,2\n\
                    \n\
                    2026-03-01,town,supervisor,@Li\n";
        let got = parse(text, "r.csv", &units(), &staff()).unwrap();
        assert_eq!(got.len(), 3);
        assert_eq!(
            got[0],
            Entry {
                day: day("2026-03-01"),
                unit_id: "lijia".into(),
                role: Role::DutyOfficer,
                person_id: 1
            }
        );
        assert_eq!((got[2].unit_id.as_str(), got[2].person_id), ("town", 3));
        let again = parse(&export(&got), "e.csv", &units(), &staff()).unwrap();
        assert_eq!(again, got);
        assert!(
            parse("date,unit,role,person\n", "h.csv", &units(), &staff())
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn every_problem_is_named_with_its_line() {
        let text = "date,unit,role,person\n\
                    2026-02-30,lijia,duty_officer,1\n\
                    2026-03-01,nowhere,duty_officer,1\n\
                    2026-03-01,lijia,boss,1\n\
                    2026-03-01,lijia,grid_worker,4\n\
                    2026-03-01,lijia,supervisor,1\n\
                    2026-03-01,lijia,duty_officer,@nobody\n\
                    2026-03-01,lijia,duty_officer,1\n\
                    2026-03-01,lijia,duty_officer,@zhang\n\
                    2026-03-01,lijia\n";
        let e = parse(text, "r.csv", &units(), &staff()).unwrap_err().0;
        let expect = [
            "r.csv:2: invalid date \"2026-02-30\"",
            "r.csv:3: unknown unit \"nowhere\"",
            "r.csv:4: role must be duty_officer or supervisor, not \"boss\"",
            "r.csv:5: role must be duty_officer or supervisor, not \"grid_worker\"",
            "r.csv:6: person 1 is not a supervisor of 李家村 (lijia)",
            "r.csv:7: unknown person \"@nobody\"",
            "r.csv:9: the same as line 8",
            "r.csv:10: expected 4 fields",
        ];
        assert_eq!(e.len(), expect.len(), "{e:#?}");
        for (got, want) in e.iter().zip(expect) {
            assert!(got.starts_with(want), "{got:?} should start with {want:?}");
        }
        let bad_header = parse("day,unit,role,who\n", "h.csv", &units(), &staff());
        assert!(bad_header.unwrap_err().0[0].starts_with("h.csv:1: the first line"));
        assert!(parse("", "e.csv", &units(), &staff()).is_err());
    }
}
