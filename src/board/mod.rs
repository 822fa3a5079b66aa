//! The board (应急指挥“一张图”): one picture of a unit's subtree — today's zero-report round
//! over the unit tree, open hazards (a list and pins), running escalations, warnings in force
//! with their tallies, this month's timeliness, and tips only as a count. `view` gathers it
//! as plain data; `http` serves it as `/api/board` and the page at `/board`. Board links carry
//! a random token of which only the hash is stored.
pub mod cache;
pub mod http;
pub mod webapp;

use crate::config::Lang;
use crate::context::Ctx;
use crate::ids::{EscalationId, HazardId, WarningId};
use crate::org::tree::UnitTree;
use crate::store::{BoardLine, StoreError};
use crate::tr;
use rand::distributions::{Alphanumeric, DistString};
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

/// 32 letters and digits: about 190 random bits.
const TOKEN_LEN: usize = 32;
/// Characters of a token kept in clear, to revoke it by.
pub const PREFIX_LEN: usize = 8;

pub fn new_token() -> String {
    Alphanumeric.sample_string(&mut rand::rngs::OsRng, TOKEN_LEN)
}

pub fn hash_token(token: &str) -> String {
    crate::org::invite::hash_code(token)
}

pub fn prefix_of(token: &str) -> String {
    token.chars().take(PREFIX_LEN).collect()
}

/// A board link for `token`: `{base}/board?t=TOKEN`.
pub fn link(base: &url::Url, token: &str) -> String {
    let base = base.as_str().trim_end_matches('/');
    format!("{base}/board?t={token}")
}

/// The unit whose board a member sees: the highest they keep watch over (supervisor, duty
/// officer or admin), `None` for anyone else.
pub fn own_unit(tree: &UnitTree, member: &crate::org::Member) -> Option<String> {
    use crate::org::Role;
    member
        .units_with(&[Role::Supervisor, Role::DutyOfficer, Role::Admin])
        .into_iter()
        .min_by_key(|m| tree.chain(&m.unit_id).len())
        .map(|m| m.unit_id.clone())
}

/// Store a new token for `unit_id` (a personal one with `person_id`), valid until
/// `expires_at`; returns the token, which is kept nowhere else.
pub async fn issue_token(
    store: &crate::store::Store,
    unit_id: &str,
    person_id: Option<i64>,
    now: i64,
    expires_at: Option<i64>,
) -> Result<String, StoreError> {
    let mut tx = store.begin().await?;
    let token = issue_token_in(&mut tx, unit_id, person_id, now, expires_at).await?;
    tx.commit().await?;
    Ok(token)
}

/// [`issue_token`] inside `tx`.
pub async fn issue_token_in(
    tx: &mut crate::store::Tx,
    unit_id: &str,
    person_id: Option<i64>,
    now: i64,
    expires_at: Option<i64>,
) -> Result<String, StoreError> {
    let token = new_token();
    let (hash, prefix) = (hash_token(&token), prefix_of(&token));
    tx.add_board_token(&hash, &prefix, unit_id, person_id, now, expires_at)
        .await?;
    Ok(token)
}

#[derive(Debug, Serialize)]
pub struct View {
    pub generated_at: String,
    pub unit: UnitRef,
    pub lang: &'static str,
    pub tiles: Option<String>,
    pub texts: std::collections::BTreeMap<String, String>,
    pub round: Option<RoundView>,
    /// The scope's unit tree, depth first, whatever the round: in one, as `round.units`;
    /// outside one, each `no_round` with its last answer (issue 24).
    pub units: Vec<UnitTile>,
    /// Units of `units` without coordinates, so not on the map.
    pub unplaced: usize,
    pub season: SeasonView,
    pub hazards: Vec<HazardView>,
    pub escalations: Vec<EscalationView>,
    pub warnings: Vec<WarningView>,
    pub timeliness: Vec<Timeliness>,
    pub tips: Tips,
}

impl View {
    /// Without `round.units`, which repeats `units`: the page reads `units`, and at 10,000
    /// units the repeat is a third of the data it parses before its first render.
    pub fn compact(&mut self) {
        if let Some(r) = self.round.as_mut() {
            r.units = Vec::new();
        }
    }
}

/// Whether rounds open now, and when the next one will.
#[derive(Debug, Serialize)]
pub struct SeasonView {
    /// The fire season is on (calendar or an admin's `/season`).
    pub on: bool,
    /// The next round's opening, local `YYYY-MM-DD HH:MM`; `None` when none is due (the
    /// season switched off).
    pub next_round: Option<String>,
}

/// A unit's answer to the latest round it was expected in.
#[derive(Debug, Serialize, Clone)]
pub struct LastView {
    pub date: String,
    /// `on_time`, `late`, `missing` or `incident`.
    pub state: &'static str,
}

#[derive(Debug, Serialize)]
pub struct UnitRef {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Serialize, Default)]
pub struct Counts {
    pub on_time: i64,
    pub late: i64,
    pub missing: i64,
    pub incident: i64,
    pub not_expected: i64,
}

#[derive(Debug, Serialize)]
pub struct RoundView {
    pub date: String,
    pub deadline: String,
    pub closed: bool,
    pub counts: Counts,
    pub units: Vec<UnitTile>,
}

#[derive(Debug, Serialize, Clone)]
pub struct UnitTile {
    pub id: String,
    pub name: String,
    pub parent: Option<String>,
    pub depth: usize,
    /// `on_time`, `late`, `missing`, `incident` or `not_expected`; outside a round
    /// `no_round`.
    pub state: &'static str,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    /// Outside a round, the unit's last answer; absent in a round or if never expected.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last: Option<LastView>,
}

#[derive(Debug, Serialize)]
pub struct HazardView {
    pub id: String,
    pub unit: String,
    pub unit_id: String,
    pub category: String,
    pub state: String,
    pub state_label: String,
    pub major: bool,
    pub age: String,
    pub deadline: Option<String>,
    pub overdue: bool,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
}

#[derive(Debug, Serialize)]
pub struct EscalationView {
    pub id: String,
    pub unit_id: String,
    pub unit: String,
    pub what: String,
    pub level: i64,
    pub state: String,
    pub state_label: String,
    pub alerted: Vec<String>,
    pub since: String,
}

#[derive(Debug, Serialize)]
pub struct WarningView {
    pub id: String,
    pub level: String,
    pub level_label: String,
    pub text: String,
    pub exercise: bool,
    pub targeted: i64,
    pub confirmed: i64,
    pub late: i64,
    pub waiting: i64,
    pub unreachable: i64,
    pub expires: String,
    /// How many of the viewed units it covers, and the first `WARNING_UNITS` of them by name.
    pub unit_count: usize,
    pub units: Vec<String>,
}

/// Unit names listed with a warning: a district-wide one covers thousands.
const WARNING_UNITS: usize = 50;

#[derive(Debug, Serialize)]
pub struct Timeliness {
    pub unit_id: String,
    pub unit: String,
    pub expected: i64,
    pub on_time: i64,
    pub rate: Option<f64>,
}

#[derive(Debug, Serialize)]
pub struct Tips {
    pub open: i64,
}

fn time(ctx: &Ctx, at: i64) -> String {
    crate::escalation::format_time(ctx, at)
}

/// How long ago, in the largest whole unit.
fn age(ctx: &Ctx, l: Lang, ms: i64) -> String {
    let minutes = (ms / 60_000).max(0);
    match minutes {
        m if m < 60 => tr!(ctx.i18n, l, "board-age-minutes", n = m),
        m if m < 48 * 60 => tr!(ctx.i18n, l, "board-age-hours", n = m / 60),
        m => tr!(ctx.i18n, l, "board-age-days", n = m / (24 * 60)),
    }
}

/// Per unit, how often it was expected and answered on time in this month's rounds but the
/// latest, counted once and kept until another round opens (or the month turns): only the
/// latest round takes answers, and at 10,000 units the others are up to 300,000 rows, 0.4 s a
/// poll counted afresh.
///
/// Also each unit's last answer, shown outside a round: it changes only when a round opens or
/// closes, so it is read once per round (and state) and kept.
#[derive(Default)]
pub struct MonthCounts {
    month: Mutex<Option<(MonthKey, Arc<MonthTally>)>>,
    last: Mutex<Option<(LastKey, Arc<LastAnswers>)>>,
}

/// Each unit's last answer, by unit id.
type LastAnswers = HashMap<String, crate::store::LastAnswer>;

/// The latest round and its state.
type LastKey = Option<(i64, String)>;

type MonthKey = (String, String, Option<i64>);

/// Per unit: the earlier rounds of the month it was expected in, and answered on time.
type MonthTally = HashMap<String, (i64, i64)>;

impl MonthCounts {
    async fn get(
        &self,
        store: &crate::store::Store,
        from: &str,
        to: &str,
        current: Option<i64>,
    ) -> Result<Arc<MonthTally>, StoreError> {
        let key = (from.to_string(), to.to_string(), current);
        if let Some((k, counts)) = &*self.month.lock().unwrap_or_else(|p| p.into_inner()) {
            if *k == key {
                return Ok(counts.clone());
            }
        }
        let counts: MonthTally = store
            .zero_counts(from, to, current)
            .await?
            .into_iter()
            .map(|(unit, expected, on_time)| (unit, (expected, on_time)))
            .collect();
        let counts = Arc::new(counts);
        *self.month.lock().unwrap_or_else(|p| p.into_inner()) = Some((key, counts.clone()));
        Ok(counts)
    }

    async fn last_answers(
        &self,
        store: &crate::store::Store,
        key: LastKey,
    ) -> Result<Arc<HashMap<String, crate::store::LastAnswer>>, StoreError> {
        if let Some((k, last)) = &*self.last.lock().unwrap_or_else(|p| p.into_inner()) {
            if *k == key {
                return Ok(last.clone());
            }
        }
        let last = Arc::new(store.last_answers().await?);
        *self.last.lock().unwrap_or_else(|p| p.into_inner()) = Some((key, last.clone()));
        Ok(last)
    }
}

/// A round's answer as a unit's state on the board.
fn answer_state(answer: Option<(&str, bool)>) -> &'static str {
    match answer {
        None => "missing",
        Some(("incident", _)) => "incident",
        Some((_, true)) => "late",
        Some(_) => "on_time",
    }
}

/// When the next round opens (the remind schedule's next firing in the fire season).
async fn season_view(ctx: &Ctx, now: i64) -> Result<SeasonView, StoreError> {
    use crate::schedule::season;
    let mode = season::mode(&ctx.store).await?;
    let at = crate::clock::from_ms(now);
    let next = season::next_firing_in_season(
        &ctx.config.fire_season,
        ctx.config.timezone,
        mode,
        &ctx.config.zero_report.remind,
        at,
    );
    Ok(SeasonView {
        on: season::is_on_with(ctx, mode, at),
        next_round: next.map(|t| {
            t.with_timezone(&ctx.config.timezone)
                .format("%Y-%m-%d %H:%M")
                .to_string()
        }),
    })
}

/// The board of `unit_id`'s subtree, in `l`.
pub async fn view(
    ctx: &Ctx,
    months: &MonthCounts,
    unit_id: &str,
    l: Lang,
) -> Result<View, StoreError> {
    let now = ctx.clock.now_ms();
    let tree = ctx.units.get(&ctx.store).await?;
    let Some(root) = tree.get(unit_id) else {
        return Err(StoreError::Corrupt(format!(
            "board of unknown unit {unit_id}"
        )));
    };
    let units = tree.depth_first(unit_id);
    let within: HashSet<&str> = units.iter().map(|(u, _)| u.id.as_str()).collect();
    let name_of = |id: &str| {
        tree.get(id)
            .map_or_else(|| id.to_string(), |u| u.name.clone())
    };

    let current = ctx.store.current_round(now).await?;
    // The whole round, matched in memory: a list of 10,000 units is no query parameter.
    let lines = match &current {
        Some(r) => ctx.store.board(r.id, None).await?,
        None => Vec::new(),
    };
    let lines: HashMap<&str, &BoardLine> = lines.iter().map(|b| (b.unit_id.as_str(), b)).collect();
    let today = crate::clock::from_ms(now)
        .with_timezone(&ctx.config.timezone)
        .date_naive();
    let today_text = today.format("%Y-%m-%d").to_string();
    // The round on the board: the open one, or today's past its deadline. An older one is
    // history: each unit shows its last answer instead.
    let shown = current
        .as_ref()
        .filter(|r| r.state == "open" || r.day == today_text);
    let last = match shown {
        Some(_) => None,
        None => {
            let key = current.as_ref().map(|r| (r.id, r.state.clone()));
            Some(months.last_answers(&ctx.store, key).await?)
        }
    };
    let mut counts = Counts::default();
    let tiles: Vec<UnitTile> = units
        .iter()
        .map(|(u, depth)| {
            let (state, last) = match &last {
                None => {
                    let state = match lines.get(u.id.as_str()) {
                        None => "not_expected",
                        Some(b) => {
                            answer_state(b.answer.as_ref().map(|a| (a.kind.as_str(), a.late)))
                        }
                    };
                    match state {
                        "not_expected" => counts.not_expected += 1,
                        "missing" => counts.missing += 1,
                        "incident" => counts.incident += 1,
                        "late" => counts.late += 1,
                        _ => counts.on_time += 1,
                    }
                    (state, None)
                }
                Some(last) => {
                    let view = last.get(&u.id).map(|l| LastView {
                        date: l.day.clone(),
                        state: answer_state(l.answer.as_ref().map(|(k, late)| (k.as_str(), *late))),
                    });
                    ("no_round", view)
                }
            };
            UnitTile {
                id: u.id.clone(),
                name: u.name.clone(),
                parent: u.parent.clone().filter(|p| within.contains(p.as_str())),
                depth: *depth,
                state,
                lat: u.place.map(|p| p.0),
                lon: u.place.map(|p| p.1),
                last,
            }
        })
        .collect();
    let unplaced = units.iter().filter(|(u, _)| u.place.is_none()).count();
    let round = shown.map(|r| RoundView {
        date: r.day.clone(),
        deadline: crate::clock::from_ms(r.closes_at)
            .with_timezone(&ctx.config.timezone)
            .format("%H:%M")
            .to_string(),
        closed: r.state != "open",
        counts,
        units: tiles.clone(),
    });

    let hazards = ctx
        .store
        .open_hazards(&within, None)
        .await?
        .into_iter()
        .filter(|h| h.duplicate_of.is_none())
        .map(|h| HazardView {
            id: HazardId(h.id).to_string(),
            unit: name_of(&h.unit_id),
            unit_id: h.unit_id,
            category: ctx.i18n.t(l, &format!("hz-cat-{}", h.category), &[]),
            state_label: ctx
                .i18n
                .t(l, &format!("hz-state-{}", h.state.as_str()), &[]),
            state: h.state.as_str().to_string(),
            major: h.major,
            age: age(ctx, l, now - h.created_at),
            deadline: h.rectify_due.map(|d| time(ctx, d)),
            overdue: h.rectify_due.is_some_and(|d| d < now),
            lat: h.location.map(|p| p.0),
            lon: h.location.map(|p| p.1),
        })
        .collect();

    let escalations = ctx
        .store
        .board_escalations(&within)
        .await?
        .into_iter()
        .map(|e| {
            let args: std::collections::BTreeMap<String, String> =
                serde_json::from_str(&e.what_args).unwrap_or_default();
            let args: Vec<(&str, fluent_bundle::FluentValue)> = args
                .iter()
                .map(|(k, v)| (k.as_str(), fluent_bundle::FluentValue::from(v.as_str())))
                .collect();
            EscalationView {
                id: EscalationId(e.id).to_string(),
                unit: name_of(&e.unit_id),
                unit_id: e.unit_id,
                what: ctx.i18n.t(l, &e.what_key, &args),
                level: e.next_step.max(1),
                state_label: ctx.i18n.t(l, &format!("board-esc-{}", e.state), &[]),
                state: e.state,
                alerted: e.alerted,
                since: time(ctx, e.since),
            }
        })
        .collect();

    let warnings = ctx
        .store
        .board_warnings(&within)
        .await?
        .into_iter()
        .map(|w| {
            let level =
                crate::warning::Level::parse(&w.level).unwrap_or(crate::warning::Level::Red);
            WarningView {
                id: WarningId(w.id).to_string(),
                level_label: level.name(ctx, l),
                level: w.level,
                text: w.text,
                exercise: w.exercise,
                targeted: w.tally.targeted,
                confirmed: w.tally.in_time + w.tally.late,
                late: w.tally.late,
                waiting: w.tally.waiting,
                unreachable: w.tally.unreachable,
                expires: time(ctx, w.expires_at),
                unit_count: w.units.len(),
                // In tree order, as the unit tree shows them.
                units: {
                    let covered: HashSet<&str> = w.units.iter().map(String::as_str).collect();
                    units
                        .iter()
                        .filter(|(u, _)| covered.contains(u.id.as_str()))
                        .take(WARNING_UNITS)
                        .map(|(u, _)| u.name.clone())
                        .collect()
                },
            }
        })
        .collect();

    let (from, to) = crate::stats::month_of(today);
    // The month's other rounds take no more answers: counted once, kept until a round opens.
    let earlier = months
        .get(&ctx.store, &from, &to, current.as_ref().map(|r| r.id))
        .await?;
    let live = current
        .as_ref()
        .is_some_and(|r| r.day.as_str() >= from.as_str() && r.day.as_str() <= to.as_str());
    let timeliness = units
        .iter()
        .filter_map(|(u, _)| {
            let (mut expected, mut on_time) = earlier.get(&u.id).copied().unwrap_or((0, 0));
            if let Some(line) = lines.get(u.id.as_str()).filter(|_| live) {
                expected += 1;
                on_time += i64::from(line.answer.as_ref().is_some_and(|a| !a.late));
            }
            (expected > 0).then(|| Timeliness {
                unit_id: u.id.clone(),
                unit: u.name.clone(),
                expected,
                on_time,
                rate: Some(on_time as f64 / expected as f64),
            })
        })
        .collect();

    let desk = ctx
        .config
        .tip
        .desk
        .clone()
        .or_else(|| {
            tree.all()
                .iter()
                .find(|u| u.parent.is_none())
                .map(|u| u.id.clone())
        })
        .unwrap_or_default();
    let desks: HashSet<&str> = within.iter().copied().filter(|u| *u == desk).collect();
    Ok(View {
        generated_at: crate::clock::from_ms(now)
            .with_timezone(&ctx.config.timezone)
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, false),
        unit: UnitRef {
            id: root.id.clone(),
            name: root.name.clone(),
        },
        lang: l.code(),
        tiles: ctx.config.board.tiles.clone(),
        texts: ctx.i18n.templates(l, "board-"),
        round,
        units: tiles,
        unplaced,
        season: season_view(ctx, now).await?,
        hazards,
        escalations,
        warnings,
        timeliness,
        tips: Tips {
            open: ctx.store.open_tip_count(&desks).await?,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::answer_state;

    #[test]
    fn an_answer_is_a_state() {
        assert_eq!(answer_state(None), "missing");
        assert_eq!(answer_state(Some(("nothing", false))), "on_time");
        assert_eq!(answer_state(Some(("nothing", true))), "late");
        // An incident is shown as one, late or not.
        assert_eq!(answer_state(Some(("incident", true))), "incident");
    }
}
