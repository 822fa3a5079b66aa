//! Zero reports (零报告): every expected unit answers each round, "nothing to report" or an
//! incident. Rounds open at each `remind` firing during the fire season and close at the next
//! `deadline` firing; silence escalates, incidents alert at once.
pub mod board;
pub mod commands;

use crate::action::Action;
use crate::config::{CronSchedule, Lang};
use crate::context::{Ctx, Features};
use crate::escalation::{self, Item, Policy};
use crate::i18n::I18n;
use crate::ids::EscalationId;
use crate::inbound::Media;
use crate::notice::{Button, Buttons, Notice};
use crate::org::{Member, Role};
use crate::schedule::season;
use crate::schedule::TimerKinds;
use crate::store::{BoardLine, ExpectedUnit, NewTimer, Round, StoreError, Tx};
use crate::tr;
use serde_json::json;
use std::collections::{BTreeMap, HashMap};

pub const NAG: &str = "zero.nag";

/// The nag before a round's deadline (the round's own times are cron schedules).
/// The nag timer, the alert taker for a missing report, and the three daily schedules.
pub fn register(r: &mut Features) {
    r.timers(TIMERS);
    r.alert_taker("zero", take_from_alert);
    // The handover says whether the unit answered today's round.
    r.handover_line(|_, tx, unit, at| {
        Box::pin(async move {
            let state = match tx.current_round(at).await? {
                None => "handover-no-round",
                Some(round) if tx.has_answered(round.id, unit).await? => "handover-answered",
                Some(_) => "handover-unanswered",
            };
            let value = crate::registry::HandoverValue::State(state);
            Ok(crate::registry::HandoverLine {
                key: "handover-round",
                value,
            })
        })
    });
    // The firing's own instant, not now: a late firing still belongs to its round.
    r.schedule(
        "zero_report.remind",
        |c| c.zero_report.remind.clone(),
        |ctx, tx, due_at, _| Box::pin(on_remind(ctx, tx, due_at)),
    );
    r.schedule(
        "zero_report.deadline",
        |c| c.zero_report.deadline.clone(),
        |ctx, tx, due_at, _| Box::pin(on_deadline(ctx, tx, due_at)),
    );
    r.schedule(
        "zero_report.summary",
        |c| c.zero_report.summary.clone(),
        |ctx, tx, _, now| Box::pin(on_summary(ctx, tx, now)),
    );
}

pub const TIMERS: TimerKinds = &[(NAG, |ctx, tx, t| {
    Box::pin(async move { Ok(on_nag(ctx, tx, t.field("round")?, t.now).await?) })
})];

pub fn hhmm(ctx: &Ctx, at: i64) -> String {
    crate::clock::hhmm(ctx.config.timezone, at)
}

fn next_firing(ctx: &Ctx, cron: &CronSchedule, after: i64) -> Option<i64> {
    cron.next_after(crate::clock::from_ms(after), ctx.config.timezone)
        .map(|t| t.timestamp_millis())
}

/// Where a unit's reminders go: its duty room and, privately, the duty officers on today's
/// shift; without a roster for the shift (or with nobody on it reachable), the duty room,
/// else each of the unit's duty officers.
async fn unit_chats(
    ctx: &Ctx,
    tx: &mut Tx,
    unit_id: &str,
    duty_chat: Option<i64>,
    now: i64,
) -> Result<Vec<(i64, Lang)>, StoreError> {
    let room = duty_chat.map(|chat| (chat, ctx.config.locale));
    if let Some(mine) = crate::roster::officers_on_shift(ctx, tx, unit_id, now).await? {
        return Ok(room.into_iter().chain(mine).collect());
    }
    Ok(match room {
        Some(room) => vec![room],
        None => tx
            .duty_officers(unit_id)
            .await?
            .into_iter()
            .map(|(chat, lang, _)| (chat, Lang::from_telegram(Some(&lang))))
            .collect(),
    })
}

fn answer_buttons(ctx: &Ctx, l: Lang, round: i64, unit: &str) -> Buttons {
    let answer = |incident| Action::Zero {
        round,
        unit: unit.into(),
        incident,
    };
    vec![vec![
        Button::new(tr!(ctx.i18n, l, "zr-btn-nothing"), answer(false)),
        Button::new(tr!(ctx.i18n, l, "zr-btn-incident"), answer(true)),
    ]]
}

/// Send a unit its reminder (with the answer buttons) wherever it is reminded, and remember
/// each message so the answer can be shown on it.
async fn remind(
    ctx: &Ctx,
    tx: &mut Tx,
    round: i64,
    unit: &ExpectedUnit,
    suffix: &str,
    now: i64,
    text: impl Fn(Lang) -> String,
) -> Result<(), StoreError> {
    for (chat, l) in unit_chats(ctx, tx, &unit.id, unit.duty_chat_id, now).await? {
        let key = format!("zr.{round}.{}.{chat}{suffix}", unit.id);
        let buttons = answer_buttons(ctx, l, round, &unit.id);
        let notice = Notice::with_buttons(key.clone(), chat, text(l), buttons);
        ctx.say(tx, &notice, now).await?;
        tx.add_reminder(round, &unit.id, chat, &key).await?;
    }
    Ok(())
}

/// Schedule `zero_report.remind` fired: open a round and remind every expected unit.
pub async fn on_remind(ctx: &Ctx, tx: &mut Tx, fired_at: i64) -> Result<(), StoreError> {
    if !season::is_on(ctx, crate::clock::from_ms(fired_at)).await? {
        tracing::info!("zero-report reminder skipped: outside the fire season");
        return Ok(());
    }
    let Some(closes_at) = next_firing(ctx, &ctx.config.zero_report.deadline, fired_at) else {
        return Ok(());
    };
    let day = crate::clock::from_ms(fired_at)
        .with_timezone(&ctx.config.timezone)
        .format("%Y-%m-%d")
        .to_string();
    let Some(round) = tx.open_round(fired_at, closes_at, &day).await? else {
        return Ok(());
    };
    let units = tx.units_due(&day).await?;
    for unit in &units {
        tx.expect_unit(round, &unit.id).await?;
        remind(ctx, tx, round, unit, "", fired_at, |l| {
            tr!(
                ctx.i18n,
                l,
                "zr-remind",
                unit = unit.name.clone(),
                date = day.clone(),
                deadline = hhmm(ctx, closes_at)
            )
        })
        .await?;
    }
    // One more reminder to the silent, at the configured share of the window.
    let nag_at =
        fired_at + (closes_at - fired_at) * i64::from(ctx.config.zero_report.nag.get()) / 100;
    tx.add_timer(&NewTimer {
        key: format!("zr:{round}:nag"),
        group: format!("zr:{round}"),
        kind: NAG.into(),
        payload: json!({ "round": round }),
        due_at: nag_at,
    })
    .await?;
    tracing::info!(round, units = units.len(), "zero-report round opened");
    Ok(())
}

/// Before the deadline: remind the units that have not answered, naming them.
pub async fn on_nag(ctx: &Ctx, tx: &mut Tx, round_id: i64, now: i64) -> Result<(), StoreError> {
    let Some(round) = tx.round(round_id).await? else {
        return Ok(());
    };
    if round.state != "open" {
        return Ok(());
    }
    let silent = tx.silent_units(round_id).await?;
    let names: Vec<String> = silent.iter().map(|u| u.name.clone()).collect();
    for unit in &silent {
        remind(ctx, tx, round_id, unit, ".nag", now, |l| {
            tr!(
                ctx.i18n,
                l,
                "zr-nag",
                unit = unit.name.clone(),
                date = round.day.clone(),
                deadline = hhmm(ctx, round.closes_at),
                silent = name_list(&ctx.i18n, l, &names)
            )
        })
        .await?;
    }
    Ok(())
}

/// The chain policy for zero reports: the configured offsets, then the last step again at
/// the last interval (at least an hour) until someone acknowledges — nobody gets to forget.
fn policy(ctx: &Ctx) -> Policy {
    let offsets = &ctx.config.zero_report.escalate;
    let gap = match offsets.as_slice() {
        [.., a, b] => b.as_secs().saturating_sub(a.as_secs()),
        _ => 0,
    };
    let every = crate::config::Span::parse(&format!("{}s", gap.max(3600)))
        .unwrap_or(crate::config::Span::ZERO);
    Policy::new(offsets).repeat_every(every)
}

fn missing_subject(round: i64, unit: &str) -> String {
    let unit = unit.to_string();
    crate::ids::Subject::Zero { round, unit }.to_string()
}

/// The escalation engine's hook: someone took the alert about a unit's missing report
/// (`zero:ROUND:UNIT`). Nobody can answer for a unit by pressing an alert: they are on it,
/// the unit stays missing (late once it answers) and may still answer.
pub fn take_from_alert<'a>(
    _ctx: &'a Ctx,
    _tx: &'a mut Tx,
    _subject: &'a crate::ids::Subject,
    _member: &'a Member,
    _now: i64,
) -> futures::future::BoxFuture<'a, Result<escalation::Took, StoreError>> {
    Box::pin(async { Ok(escalation::Took::OnIt) })
}

fn incident_subject(round: i64, unit: &str) -> String {
    let unit = unit.to_string();
    crate::ids::Subject::Incident { round, unit }.to_string()
}

/// At most this many units are named in a nag; a district of hundreds would not fit a
/// message, and nobody reads past the first few anyway.
const NAMED_IN_NAG: usize = 20;

/// "A、B、C 等 N 个": the first names of a list and how many more.
fn name_list(i18n: &I18n, l: Lang, names: &[String]) -> String {
    let sep = tr!(i18n, l, "list-separator");
    let shown = names[..names.len().min(NAMED_IN_NAG)].join(&sep);
    match names.len().saturating_sub(NAMED_IN_NAG) {
        0 => shown,
        more => tr!(i18n, l, "list-more", list = shown, more = more as i64),
    }
}

/// Schedule `zero_report.deadline` fired: close due rounds; silent units start escalating.
pub async fn on_deadline(ctx: &Ctx, tx: &mut Tx, fired_at: i64) -> Result<(), StoreError> {
    for round in tx.close_rounds(fired_at).await? {
        for unit in tx.silent_units(round.id).await? {
            let item = Item {
                subject: missing_subject(round.id, &unit.id),
                unit_id: unit.id.clone(),
                what_key: "zr-what-missing".into(),
                what_args: BTreeMap::from([
                    ("unit".to_string(), unit.name.clone()),
                    ("date".to_string(), round.day.clone()),
                ]),
                since: round.closes_at,
                policy: policy(ctx),
            };
            escalation::start(tx, &item, fired_at).await?;
        }
    }
    Ok(())
}

/// Schedule `zero_report.summary` fired: each supervisor gets the last round's board of their
/// units and everything below them.
pub async fn on_summary(ctx: &Ctx, tx: &mut Tx, fired_at: i64) -> Result<(), StoreError> {
    let Some(round) = tx.last_closed_round(fired_at).await? else {
        return Ok(());
    };
    let lines = ctx.store.board(round.id, None).await?;
    let tree = ctx.units.get(&ctx.store).await?;
    // Each supervisor sees the lines of their unit and the units below it: index the lines
    // by every unit above them once, rather than walking the tree per supervisor and line.
    let mut within: HashMap<&str, Vec<BoardLine>> = HashMap::new();
    for b in &lines {
        for u in tree.chain(&b.unit_id) {
            within.entry(u.id.as_str()).or_default().push(b.clone());
        }
    }
    for (person_id, chat, lang, unit_id) in tx.supervisor_units().await? {
        let l = Lang::from_telegram(Some(&lang));
        let Some(mine) = within.get(unit_id.as_str()) else {
            continue;
        };
        let unit_name = tree
            .get(&unit_id)
            .map(|u| u.name.clone())
            .unwrap_or_default();
        let title = tr!(
            ctx.i18n,
            l,
            "zr-summary-title",
            date = round.day.clone(),
            unit = unit_name
        );
        for (n, part) in board::render(
            &ctx.i18n,
            ctx.config.timezone,
            l,
            &title,
            &round,
            mine,
            fired_at,
        )
        .into_iter()
        .enumerate()
        {
            let key = format!("zs.{}.{person_id}.{unit_id}.{n}", round.id);
            ctx.say(tx, &Notice::text(key, chat, part), fired_at)
                .await?;
        }
    }
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AnswerOutcome {
    Recorded {
        unit_name: String,
        day: String,
        late: bool,
    },
    Already {
        by: String,
        at: i64,
    },
    NotExpected,
    NoRound,
    NotAllowed,
}

/// Units this member may answer for: where they are duty officer or supervisor.
pub fn answering_units(member: &Member) -> Vec<(String, String)> {
    member
        .units_with(&[Role::DutyOfficer, Role::Supervisor])
        .into_iter()
        .map(|m| (m.unit_id.clone(), m.unit_name.clone()))
        .collect()
}

/// May `member` answer for `unit_id` in round `round_id` (the current one if `None`) now?
/// The round, or why not; changes nothing, so the "incident" button is checked before it
/// asks for the text. The unit is checked first: about another unit nothing is told.
pub async fn check_answer(
    tx: &mut Tx,
    member: &Member,
    unit_id: &str,
    round_id: Option<i64>,
    now: i64,
) -> Result<Result<Round, AnswerOutcome>, StoreError> {
    if member.person.is_none() || !answering_units(member).iter().any(|(u, _)| u == unit_id) {
        return Ok(Err(AnswerOutcome::NotAllowed));
    }
    let round = match round_id {
        Some(id) => tx.round(id).await?,
        None => tx.current_round(now).await?,
    };
    let Some(round) = round else {
        return Ok(Err(AnswerOutcome::NoRound));
    };
    if !tx.is_expected(round.id, unit_id).await? {
        return Ok(Err(AnswerOutcome::NotExpected));
    }
    if let Some(a) = tx.answer(round.id, unit_id).await? {
        return Ok(Err(AnswerOutcome::Already {
            by: a.person_name,
            at: a.answered_at,
        }));
    }
    Ok(Ok(round))
}

/// Record a unit's answer to the current round (or to `round_id` from a reminder button).
/// The first answer counts; the reminders are edited to show it; a late answer resolves the
/// unit's escalation; an incident alerts supervisors at once and starts its own chain.
pub async fn answer(
    ctx: &Ctx,
    tx: &mut Tx,
    member: &Member,
    unit_id: &str,
    round_id: Option<i64>,
    incident: Option<&str>,
    now: i64,
) -> Result<AnswerOutcome, StoreError> {
    let round = match check_answer(tx, member, unit_id, round_id, now).await? {
        Ok(round) => round,
        Err(o) => return Ok(o),
    };
    let Some(person) = member.person.as_ref() else {
        return Ok(AnswerOutcome::NotAllowed);
    };
    let late = now > round.closes_at;
    if !tx
        .insert_answer(round.id, unit_id, incident, person.id, now, late)
        .await?
    {
        let first = tx.answer(round.id, unit_id).await?;
        return Ok(match first {
            Some(a) => AnswerOutcome::Already {
                by: a.person_name,
                at: a.answered_at,
            },
            None => AnswerOutcome::NotExpected,
        });
    }
    let unit_name = tx.unit_name(unit_id).await?;
    edit_reminders(
        ctx,
        tx,
        &round,
        unit_id,
        &unit_name,
        &person.name,
        incident,
        late,
        now,
    )
    .await?;
    escalation::resolve(ctx, tx, &missing_subject(round.id, unit_id), now).await?;
    if let Some(text) = incident {
        alert_incident(
            ctx,
            tx,
            &round,
            unit_id,
            &unit_name,
            &person.name,
            text,
            now,
        )
        .await?;
    }
    Ok(AnswerOutcome::Recorded {
        unit_name,
        day: round.day,
        late,
    })
}

#[allow(clippy::too_many_arguments)]
async fn edit_reminders(
    ctx: &Ctx,
    tx: &mut Tx,
    round: &Round,
    unit_id: &str,
    unit_name: &str,
    who: &str,
    incident: Option<&str>,
    late: bool,
    now: i64,
) -> Result<(), StoreError> {
    for (chat, key) in tx.reminders(round.id, unit_id).await? {
        let l = if chat < 0 {
            ctx.config.locale
        } else {
            tx.member(chat)
                .await?
                .person
                .map(|p| Lang::from_telegram(Some(&p.lang)))
                .unwrap_or(ctx.config.locale)
        };
        let status = match (incident, late) {
            (Some(_), _) => tr!(ctx.i18n, l, "zr-status-incident"),
            (None, true) => tr!(ctx.i18n, l, "zr-status-late"),
            (None, false) => tr!(ctx.i18n, l, "zr-status-nothing"),
        };
        let text = tr!(
            ctx.i18n,
            l,
            "zr-answered",
            unit = unit_name,
            date = round.day.clone(),
            status = status,
            who = who,
            time = hhmm(ctx, now)
        );
        let edit = Notice::edit(format!("{key}.answered"), chat, key, text, Vec::new());
        ctx.say(tx, &edit, now).await?;
    }
    Ok(())
}

/// Who hears of a unit's incident, with the level each stands at: the unit's supervisors
/// (1), the parent unit's duty room and supervisors (2).
pub async fn incident_recipients(
    tx: &mut Tx,
    unit_id: &str,
) -> Result<Vec<(i64, crate::store::Recipient)>, StoreError> {
    let chain = tx.unit_chain(unit_id).await?;
    let mut recipients: Vec<(i64, crate::store::Recipient)> = tx
        .supervisors_and_room(unit_id)
        .await?
        .into_iter()
        .filter(|r| r.person_id.is_some())
        .map(|r| (1, r))
        .collect();
    if let Some((parent, _)) = chain.get(1) {
        recipients.extend(
            tx.supervisors_and_room(parent)
                .await?
                .into_iter()
                .map(|r| (2, r)),
        );
    }
    Ok(recipients)
}

/// A photo or location sent after an incident report goes to the same people, copied by
/// Telegram file id (never re-uploaded), with a caption saying whose and for which unit.
pub async fn incident_followup(
    ctx: &Ctx,
    tx: &mut Tx,
    unit_id: &str,
    who: &str,
    media: &Media,
    key: &str,
    now: i64,
) -> Result<(), StoreError> {
    let unit_name = tx.unit_name(unit_id).await?;
    for (_, r) in incident_recipients(tx, unit_id).await? {
        let l = escalation::recipient_lang(ctx, &r);
        let caption = tr!(
            ctx.i18n,
            l,
            "zr-incident-more",
            unit = unit_name.clone(),
            who = who
        );
        let at = format!("{key}.{}", r.chat_id);
        match media {
            Media::Photo(file) => {
                let photo = Notice::photo(at, r.chat_id, file.clone(), caption).urgent();
                ctx.say(tx, &photo, now).await?;
            }
            // A location has no caption: the words follow it.
            Media::Location(lat, lon) => {
                let words = Notice::text(format!("{at}.caption"), r.chat_id, caption).urgent();
                let place = Notice::location(at, r.chat_id, *lat, *lon).urgent();
                ctx.say(tx, &place, now).await?;
                ctx.say(tx, &words, now).await?;
            }
        }
    }
    Ok(())
}

/// An incident is urgent: the unit's supervisors and the parent unit's duty room and
/// supervisors hear at once, and a chain runs until a supervisor acknowledges.
#[allow(clippy::too_many_arguments)]
async fn alert_incident(
    ctx: &Ctx,
    tx: &mut Tx,
    round: &Round,
    unit_id: &str,
    unit_name: &str,
    who: &str,
    text: &str,
    now: i64,
) -> Result<(), StoreError> {
    let item = Item {
        subject: incident_subject(round.id, unit_id),
        unit_id: unit_id.into(),
        what_key: "zr-what-incident".into(),
        what_args: BTreeMap::from([
            ("unit".to_string(), unit_name.to_string()),
            ("text".to_string(), text.to_string()),
        ]),
        since: now,
        policy: policy(ctx),
    };
    // The immediate alerts below are the chain's first step; later steps follow the offsets.
    let Some(esc) = escalation::start_after_first(tx, &item, now).await? else {
        return Ok(());
    };
    let chain = tx.unit_chain(unit_id).await?;
    for (level, r) in incident_recipients(tx, unit_id).await? {
        let l = escalation::recipient_lang(ctx, &r);
        let body = tr!(
            ctx.i18n,
            l,
            "zr-incident-alert",
            unit = unit_name,
            who = who,
            time = hhmm(ctx, now),
            text = text,
            id = EscalationId(esc)
        );
        let button = Button::new(tr!(ctx.i18n, l, "esc-ack-button"), Action::Ack(esc));
        let key = format!("zi.{}.{unit_id}.{}", round.id, r.chat_id);
        let alert = Notice::with_buttons(key, r.chat_id, body, vec![vec![button]]).urgent();
        ctx.say(tx, &alert, now).await?;
        let level_unit = chain
            .get((level - 1) as usize)
            .map(|(u, _)| u.as_str())
            .unwrap_or(unit_id);
        escalation::record_notified(tx, esc, level, level_unit, &r, now).await?;
    }
    Ok(())
}
