//! Endpoints of zero reports: `/zero`, `/incident TEXT`, the reminder's buttons, the
//! incident text that follows a button, `/today`, `/pause` and `/stats`.
use crate::action::Action;
use crate::context::Ctx;
use crate::conversation::{Conversation, Question};
use crate::inbound::command::Command;
use crate::inbound::{HandlerResult, Input, Replies};
use crate::notice::Button;
use crate::org::Role;
use crate::stats;
use crate::tr;
use crate::zero_report::{self, board, AnswerOutcome};
use std::sync::Arc;

/// Incident texts are kept whole up to this length; longer ones are refused with a hint.
const MAX_INCIDENT: usize = 2000;
/// How long after an incident report its photos and locations are still taken.
const FOLLOWUP_MS: i64 = 30 * 60 * 1000;

/// What a conversation waits for: the text of an incident for a unit (and round, when the
/// question came from a reminder).
fn awaiting_incident(inc: &Input) -> Option<(String, Option<i64>)> {
    match &inc.state {
        Some(Conversation::Asked(Question::Incident { unit, round })) => {
            Some((unit.clone(), *round))
        }
        _ => None,
    }
}

fn pending_incident_text(inc: &Input) -> Option<String> {
    match &inc.state {
        Some(Conversation::IncidentText { incident_text }) => Some(incident_text.clone()),
        _ => None,
    }
}

async fn record(
    ctx: &Ctx,
    inc: &Input,
    unit: &str,
    round: Option<i64>,
    incident: Option<&str>,
    mut r: Replies,
) -> HandlerResult {
    let now = ctx.clock.now_ms();
    let mut tx = ctx.store.begin().await?;
    let outcome =
        zero_report::answer(ctx, &mut tx, &inc.member, unit, round, incident, now).await?;
    // A refused button (another unit's, a round that does not exist) changes nothing, not
    // even what the presser was in the middle of.
    let refused_press = inc.press.is_some()
        && matches!(outcome, AnswerOutcome::NotAllowed | AnswerOutcome::NoRound);
    match (&outcome, incident) {
        _ if refused_press => {}
        // Photos or a location may follow an incident for a while.
        (AnswerOutcome::Recorded { .. }, Some(_)) => {
            let state = Conversation::IncidentFollowup {
                followup: unit.to_string(),
                until: now + FOLLOWUP_MS,
            };
            tx.set_conversation_state(inc.chat_id, inc.user_id(), &state, now)
                .await?;
        }
        _ => {
            tx.clear_conversation_state(inc.chat_id, inc.user_id())
                .await?;
        }
    }
    let text = outcome_text(ctx, inc, outcome, incident.is_some());
    r.answer_press(None);
    r.text(text);
    r.commit(ctx, tx).await
}

fn outcome_text(ctx: &Ctx, inc: &Input, outcome: AnswerOutcome, incident: bool) -> String {
    let l = inc.lang;
    match outcome {
        AnswerOutcome::Recorded {
            unit_name,
            day,
            late,
        } => {
            let key = match (incident, late) {
                (true, _) => "zr-recorded-incident",
                (false, true) => "zr-recorded-late",
                (false, false) => "zr-recorded",
            };
            tr!(ctx.i18n, l, key, unit = unit_name, date = day)
        }
        AnswerOutcome::Already { by, at } => tr!(
            ctx.i18n,
            l,
            "zr-already",
            who = by,
            time = zero_report::hhmm(ctx, at)
        ),
        AnswerOutcome::NotExpected => tr!(ctx.i18n, l, "zr-not-expected"),
        AnswerOutcome::NoRound => tr!(ctx.i18n, l, "zr-no-round"),
        AnswerOutcome::NotAllowed => tr!(ctx.i18n, l, "zr-not-allowed"),
    }
}

/// The unit an answer is for: the group's duty room, the sender's only unit, or a choice.
enum Target {
    Unit(String),
    Choose(Vec<(String, String)>),
    None,
}

fn target(inc: &Input) -> Target {
    let mine = zero_report::answering_units(&inc.member);
    if !inc.private {
        if let Some(room) = inc.units.by_duty_chat(inc.chat_id) {
            return if mine.iter().any(|(u, _)| *u == room.id) {
                Target::Unit(room.id.clone())
            } else {
                Target::None
            };
        }
    }
    match mine.len() {
        0 => Target::None,
        1 => Target::Unit(mine[0].0.clone()),
        _ => Target::Choose(mine),
    }
}

async fn answer_command(ctx: &Ctx, inc: &Input, incident: Option<String>) -> HandlerResult {
    let mut r = inc.replies();
    let l = inc.lang;
    match target(inc) {
        Target::Unit(unit) => record(ctx, inc, &unit, None, incident.as_deref(), r).await,
        Target::None => {
            r.text(tr!(ctx.i18n, l, "zr-not-allowed"));
            r.send(ctx).await
        }
        Target::Choose(units) => {
            let is_incident = incident.is_some();
            let rows = units
                .into_iter()
                .map(|(id, name)| {
                    let answer = Action::ZeroFor {
                        unit: id,
                        incident: is_incident,
                    };
                    vec![Button::new(name, answer)]
                })
                .collect();
            let mut tx = ctx.store.begin().await?;
            if let Some(text) = incident {
                // The choice arrives as a button press; the text waits in the conversation.
                let state = Conversation::IncidentText {
                    incident_text: text.to_string(),
                };
                tx.set_conversation_state(inc.chat_id, inc.user_id(), &state, ctx.clock.now_ms())
                    .await?;
            }
            r.text_with(tr!(ctx.i18n, l, "zr-choose-unit"), rows);
            r.commit(ctx, tx).await
        }
    }
}

pub async fn zero(ctx: Arc<Ctx>, inc: Input) -> HandlerResult {
    answer_command(&ctx, &inc, None).await
}

pub async fn incident(ctx: Arc<Ctx>, inc: Input, cmd: Command) -> HandlerResult {
    let text = cmd.args.trim();
    if text.is_empty() || text.chars().count() > MAX_INCIDENT {
        let mut r = inc.replies();
        r.text(tr!(
            ctx.i18n,
            inc.lang,
            "zr-incident-usage",
            max = MAX_INCIDENT as i64
        ));
        return r.send(&ctx).await;
    }
    answer_command(&ctx, &inc, Some(text.to_string())).await
}

/// A reminder's button: "nothing to report" answers at once; "incident" asks for the text.
pub async fn reminder_button(
    ctx: &Ctx,
    inc: &Input,
    round: i64,
    unit: &str,
    incident: bool,
) -> HandlerResult {
    let r = inc.replies();
    if !incident {
        return record(ctx, inc, unit, Some(round), None, r).await;
    }
    ask_incident_text(ctx, inc, unit, Some(round), r).await
}

async fn ask_incident_text(
    ctx: &Ctx,
    inc: &Input,
    unit: &str,
    round: Option<i64>,
    mut r: Replies,
) -> HandlerResult {
    let mut tx = ctx.store.begin().await?;
    let now = ctx.clock.now_ms();
    if let Err(o) = zero_report::check_answer(&mut tx, &inc.member, unit, round, now).await? {
        let text: String = outcome_text(ctx, inc, o, true).chars().take(190).collect();
        r.answer_press(Some(text));
        return r.commit(ctx, tx).await;
    }
    let state = Conversation::Asked(Question::Incident {
        unit: unit.to_string(),
        round,
    });
    tx.set_conversation_state(inc.chat_id, inc.user_id(), &state, ctx.clock.now_ms())
        .await?;
    r.answer_press(None);
    r.text(tr!(
        ctx.i18n,
        inc.lang,
        "zr-incident-ask",
        who = inc.display_name()
    ));
    r.commit(ctx, tx).await
}

/// A unit chosen from the list `/zero` or `/incident` offered.
pub async fn chosen_unit(ctx: &Ctx, inc: &Input, unit: &str, incident: bool) -> HandlerResult {
    let r = inc.replies();
    match (incident, pending_incident_text(inc)) {
        (false, _) => record(ctx, inc, unit, None, None, r).await,
        (true, Some(text)) => record(ctx, inc, unit, None, Some(&text), r).await,
        (true, None) => ask_incident_text(ctx, inc, unit, None, r).await,
    }
}

/// A plain message while the conversation waits for an incident text; `None` if it does not.
pub async fn incident_text(ctx: &Ctx, inc: &Input) -> Option<HandlerResult> {
    let (unit, round) = awaiting_incident(inc)?;
    let text = inc
        .text
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())?;
    if text.starts_with('/') {
        return None;
    }
    if text.chars().count() > MAX_INCIDENT {
        let mut r = inc.replies();
        r.text(tr!(
            ctx.i18n,
            inc.lang,
            "zr-incident-usage",
            max = MAX_INCIDENT as i64
        ));
        return Some(r.send(ctx).await);
    }
    Some(record(ctx, inc, &unit, round, Some(text), inc.replies()).await)
}

/// A photo or location right after an incident report goes to those alerted; `None` when the
/// conversation is not following up an incident or the message carries neither.
pub async fn incident_media(ctx: &Ctx, inc: &Input) -> Option<HandlerResult> {
    let Some(Conversation::IncidentFollowup {
        followup: unit,
        until,
    }) = inc.state.clone()
    else {
        return None;
    };
    let media = inc.media.clone()?;
    let now = ctx.clock.now_ms();
    if until < now {
        return None;
    }
    let result = async {
        let mut r = inc.replies();
        let mut tx = ctx.store.begin().await?;
        let key = format!("zf.{}", inc.update_id);
        zero_report::incident_followup(ctx, &mut tx, &unit, &inc.display_name(), &media, &key, now)
            .await?;
        r.text(tr!(ctx.i18n, inc.lang, "zr-incident-forwarded"));
        r.commit(ctx, tx).await
    };
    Some(result.await)
}

/// `/today`: the current round's board for the sender's units and the units below them.
pub async fn today(ctx: Arc<Ctx>, inc: Input) -> HandlerResult {
    let mut r = inc.replies();
    let l = inc.lang;
    let now = ctx.clock.now_ms();
    let round = ctx.store.current_round(now).await?;
    let roots: Vec<String> = inc
        .member
        .memberships
        .iter()
        .map(|m| m.unit_id.clone())
        .collect();
    let Some(round) = round.filter(|_| !roots.is_empty()) else {
        r.text(tr!(
            ctx.i18n,
            l,
            if roots.is_empty() {
                "zr-not-allowed"
            } else {
                "zr-no-round"
            }
        ));
        return r.send(&ctx).await;
    };
    let roots: Vec<&str> = roots.iter().map(String::as_str).collect();
    let mine = inc.units.subtree(&roots);
    // The whole district reads without a list of every unit in it.
    let whole = mine.len() == inc.units.all().len();
    let mine: Vec<&str> = mine.into_iter().collect();
    let lines = ctx
        .store
        .board(round.id, (!whole).then_some(&mine[..]))
        .await?;
    let title = tr!(
        ctx.i18n,
        l,
        "zr-today-title",
        date = round.day.clone(),
        deadline = zero_report::hhmm(&ctx, round.closes_at)
    );
    for part in board::render(
        &ctx.i18n,
        ctx.config.timezone,
        l,
        &title,
        &round,
        &lines,
        now,
    ) {
        r.text(part);
    }
    r.send(&ctx).await
}

/// `/pause UNIT FROM TO REASON` (admins): the unit is neither expected nor counted those days.
pub async fn pause(ctx: Arc<Ctx>, inc: Input, cmd: Command) -> HandlerResult {
    let mut r = inc.replies();
    let l = inc.lang;
    let mut words = cmd.args.splitn(4, char::is_whitespace);
    let (unit, from, to, reason) = (
        words.next(),
        words.next(),
        words.next(),
        words.next().map(str::trim),
    );
    let day =
        |s: Option<&str>| s.and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
    let (Some(unit), Some(from), Some(to), Some(reason)) =
        (unit, day(from), day(to), reason.filter(|s| !s.is_empty()))
    else {
        r.text(tr!(ctx.i18n, l, "zr-pause-usage"));
        return r.send(&ctx).await;
    };
    if from > to {
        r.text(tr!(ctx.i18n, l, "zr-pause-usage"));
        return r.send(&ctx).await;
    }
    let allowed = inc
        .member
        .memberships
        .iter()
        .any(|m| m.role == Role::Admin && inc.units.is_within(unit, &m.unit_id));
    let Some(found) = inc.units.get(unit).filter(|_| allowed) else {
        r.text(tr!(ctx.i18n, l, "invite-unknown-unit", unit = unit));
        return r.send(&ctx).await;
    };
    let reason: String = reason.chars().take(500).collect();
    let (from, to) = (from.to_string(), to.to_string());
    let mut tx = ctx.store.begin().await?;
    let person = inc.member.person.as_ref().map(|p| p.id);
    tx.add_pause(&found.id, &from, &to, &reason, person, ctx.clock.now_ms())
        .await?;
    r.text(tr!(
        ctx.i18n,
        l,
        "zr-paused",
        unit = found.name.clone(),
        from = from,
        to = to,
        reason = reason
    ));
    r.commit(&ctx, tx).await
}

/// `/stats`: this month's timeliness for the units the sender supervises and those below.
pub async fn month_stats(ctx: Arc<Ctx>, inc: Input) -> HandlerResult {
    let mut r = inc.replies();
    let l = inc.lang;
    let roots: Vec<String> = inc
        .member
        .memberships
        .iter()
        .filter(|m| matches!(m.role, Role::Supervisor | Role::Admin))
        .map(|m| m.unit_id.clone())
        .collect();
    if roots.is_empty() {
        r.text(tr!(ctx.i18n, l, "zr-stats-not-allowed"));
        return r.send(&ctx).await;
    }
    let today = crate::clock::from_ms(ctx.clock.now_ms())
        .with_timezone(&ctx.config.timezone)
        .date_naive();
    let (from, to) = stats::month_of(today);
    let mut figures =
        stats::gather(&ctx.store, &ctx.config, &from, &to, ctx.clock.now_ms()).await?;
    let roots: Vec<&str> = roots.iter().map(String::as_str).collect();
    let mine = inc.units.subtree(&roots);
    figures
        .units
        .retain(|u| mine.contains(u.zero.unit_id.as_str()));
    let title = tr!(ctx.i18n, l, "zr-stats-title", from = from, to = to);
    r.text(format!("{title}\n{}", stats::table(&ctx.i18n, l, &figures)));
    r.send(&ctx).await
}
