//! What a person does about zero reports from a chat: answer for a unit (`/zero`,
//! `/incident TEXT`, a reminder's buttons, the unit chosen from a list), the incident text and
//! the photos or locations that follow it, `/today`, `/pause` and `/stats`.
use super::{board, AnswerOutcome, Media};
use crate::action::Action;
use crate::context::Ctx;
use crate::conversation::{Conversation, Question};
use crate::inbound::{HandlerError, Input, Refusal, Replies};
use crate::notice::Button;
use crate::org::Role;
use crate::stats;
use crate::store::{StoreError, Tx};
use crate::tr;
use chrono::NaiveDate;

/// Incident texts are kept whole up to this length; longer ones are refused with a hint.
const MAX_INCIDENT: usize = 2000;
/// How long after an incident report its photos and locations are still taken.
const FOLLOWUP_MS: i64 = 30 * 60 * 1000;
/// A pause's reason is kept up to this length.
const MAX_REASON: usize = 500;
/// A button's popup shows a short text only.
const POPUP: usize = 190;

/// What a person asked of zero reports and may not have; the store failing.
#[derive(Debug, thiserror::Error)]
pub enum ZeroError {
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The sender answers for no such unit (or for none at all).
    #[error("not one of the sender's units")]
    NotAllowed,
    #[error("no round to answer")]
    NoRound,
    #[error("an incident needs a text of at most {MAX_INCIDENT} characters")]
    IncidentUsage,
    #[error("/pause needs a unit, two dates in order and a reason")]
    PauseUsage,
    /// Not a unit the sender administers: answered as if it did not exist.
    #[error("unit {0:?} is not the sender's to pause")]
    UnknownUnit(String),
    #[error("/stats is for supervisors and admins")]
    StatsNotAllowed,
}

impl From<ZeroError> for HandlerError {
    fn from(e: ZeroError) -> HandlerError {
        let refusal = match e {
            ZeroError::Store(e) => return HandlerError::Store(e),
            ZeroError::NotAllowed => Refusal::new("zr-not-allowed"),
            ZeroError::NoRound => Refusal::new("zr-no-round"),
            ZeroError::IncidentUsage => {
                Refusal::new("zr-incident-usage").with("max", MAX_INCIDENT as i64)
            }
            ZeroError::PauseUsage => Refusal::new("zr-pause-usage"),
            ZeroError::UnknownUnit(unit) => Refusal::new("invite-unknown-unit").with("unit", unit),
            ZeroError::StatsNotAllowed => Refusal::new("zr-stats-not-allowed"),
        };
        refusal.into()
    }
}

/// `/zero`: "nothing to report" for the sender's unit.
pub async fn zero(ctx: &Ctx, tx: &mut Tx, inc: &Input, r: &mut Replies) -> Result<(), ZeroError> {
    answer_for_unit(ctx, tx, inc, None, r).await
}

/// `/incident TEXT`: the sender's unit reports an incident.
pub async fn incident(
    ctx: &Ctx,
    tx: &mut Tx,
    inc: &Input,
    text: &str,
    r: &mut Replies,
) -> Result<(), ZeroError> {
    let text = incident_text_of(text)?;
    answer_for_unit(ctx, tx, inc, Some(text), r).await
}

/// A reminder's button: "nothing to report" answers at once; "incident" asks for the text.
pub async fn reminder_button(
    ctx: &Ctx,
    tx: &mut Tx,
    inc: &Input,
    round: i64,
    unit: &str,
    incident: bool,
    r: &mut Replies,
) -> Result<(), ZeroError> {
    if incident {
        ask_incident_text(ctx, tx, inc, unit, Some(round), r).await
    } else {
        record(ctx, tx, inc, unit, Some(round), None, r).await
    }
}

/// A unit chosen from the list `/zero` or `/incident` offered.
pub async fn chosen_unit(
    ctx: &Ctx,
    tx: &mut Tx,
    inc: &Input,
    unit: &str,
    incident: bool,
    r: &mut Replies,
) -> Result<(), ZeroError> {
    let waiting = match &inc.state {
        Some(Conversation::IncidentText { incident_text }) => Some(incident_text.as_str()),
        _ => None,
    };
    match (incident, waiting) {
        (false, _) => record(ctx, tx, inc, unit, None, None, r).await,
        (true, Some(text)) => record(ctx, tx, inc, unit, None, Some(text), r).await,
        (true, None) => ask_incident_text(ctx, tx, inc, unit, None, r).await,
    }
}

/// The text of an incident the conversation waits for, as a message brought it.
pub struct AwaitedIncident {
    unit: String,
    round: Option<i64>,
    text: String,
}

/// Does this message answer the question for an incident's text? Only a plain text that is
/// not a command, while the conversation waits for one.
pub fn awaited_incident(inc: &Input) -> Option<AwaitedIncident> {
    let Some(Conversation::Asked(Question::Incident { unit, round })) = &inc.state else {
        return None;
    };
    let text = inc
        .text
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty() && !t.starts_with('/'))?;
    Some(AwaitedIncident {
        unit: unit.clone(),
        round: *round,
        text: text.to_string(),
    })
}

/// The incident text the conversation waited for: the unit's answer, with it.
pub async fn incident_text(
    ctx: &Ctx,
    tx: &mut Tx,
    inc: &Input,
    awaited: &AwaitedIncident,
    r: &mut Replies,
) -> Result<(), ZeroError> {
    let text = incident_text_of(&awaited.text)?;
    record(ctx, tx, inc, &awaited.unit, awaited.round, Some(text), r).await
}

/// A photo or a location for those alerted of a unit's incident.
pub struct Followup {
    unit: String,
    media: Media,
}

/// Does this message follow up an incident report? A photo or a location while the
/// conversation still takes them.
pub fn followup(ctx: &Ctx, inc: &Input) -> Option<Followup> {
    let Some(Conversation::IncidentFollowup { followup, until }) = &inc.state else {
        return None;
    };
    let media = inc.media.clone()?;
    (*until >= ctx.clock.now_ms()).then(|| Followup {
        unit: followup.clone(),
        media,
    })
}

/// A photo or location right after an incident report goes to those alerted.
pub async fn forward_followup(
    ctx: &Ctx,
    tx: &mut Tx,
    inc: &Input,
    f: &Followup,
    r: &mut Replies,
) -> Result<(), ZeroError> {
    let key = format!("zf.{}", inc.update_id);
    let now = ctx.clock.now_ms();
    super::incident_followup(ctx, tx, &f.unit, &inc.display_name(), &f.media, &key, now).await?;
    r.text(tr!(ctx.i18n, inc.lang, "zr-incident-forwarded"));
    Ok(())
}

/// `/today`: the current round's board for the sender's units and the units below them, one
/// message per part.
pub async fn today(ctx: &Ctx, tx: &mut Tx, inc: &Input, r: &mut Replies) -> Result<(), ZeroError> {
    let l = inc.lang;
    let now = ctx.clock.now_ms();
    let roots: Vec<&str> = inc
        .member
        .memberships
        .iter()
        .map(|m| m.unit_id.as_str())
        .collect();
    if roots.is_empty() {
        return Err(ZeroError::NotAllowed);
    }
    let round = tx.current_round(now).await?.ok_or(ZeroError::NoRound)?;
    let mine = inc.units.subtree(&roots);
    // The whole district reads without a list of every unit in it.
    let whole = mine.len() == inc.units.all().len();
    let mine: Vec<&str> = mine.into_iter().collect();
    let lines = tx.board(round.id, (!whole).then_some(&mine[..])).await?;
    let title = tr!(
        ctx.i18n,
        l,
        "zr-today-title",
        date = round.day.clone(),
        deadline = super::hhmm(ctx, round.closes_at)
    );
    let tz = ctx.config.timezone;
    for part in board::render(&ctx.i18n, tz, l, &title, &round, &lines, now) {
        r.text(part);
    }
    Ok(())
}

/// `/pause UNIT FROM TO REASON` (admins of the unit or above it): the unit is neither
/// expected nor counted those days.
pub async fn pause(
    ctx: &Ctx,
    tx: &mut Tx,
    inc: &Input,
    args: &str,
    r: &mut Replies,
) -> Result<(), ZeroError> {
    let p = PauseArgs::parse(args).ok_or(ZeroError::PauseUsage)?;
    let unit = inc
        .units
        .get(p.unit)
        .filter(|_| inc.member.administers(&inc.units, p.unit))
        .ok_or_else(|| ZeroError::UnknownUnit(p.unit.to_string()))?;
    let reason: String = p.reason.chars().take(MAX_REASON).collect();
    let (from, to) = (p.from.to_string(), p.to.to_string());
    let person = inc.member.person.as_ref().map(|p| p.id);
    tx.add_pause(&unit.id, &from, &to, &reason, person, ctx.clock.now_ms())
        .await?;
    r.text(tr!(
        ctx.i18n,
        inc.lang,
        "zr-paused",
        unit = unit.name.clone(),
        from = from,
        to = to,
        reason = reason
    ));
    Ok(())
}

/// `/stats`: this month's timeliness for the units the sender supervises or administers and
/// those below them.
pub async fn month_stats(
    ctx: &Ctx,
    tx: &mut Tx,
    inc: &Input,
    r: &mut Replies,
) -> Result<(), ZeroError> {
    let l = inc.lang;
    let roots: Vec<&str> = inc
        .member
        .memberships
        .iter()
        .filter(|m| matches!(m.role, Role::Supervisor | Role::Admin))
        .map(|m| m.unit_id.as_str())
        .collect();
    if roots.is_empty() {
        return Err(ZeroError::StatsNotAllowed);
    }
    let now = ctx.clock.now_ms();
    let today = crate::clock::from_ms(now)
        .with_timezone(&ctx.config.timezone)
        .date_naive();
    let (from, to) = stats::month_of(today);
    let mut figures = stats::gather_in(tx, &ctx.config, &from, &to, now).await?;
    let mine = inc.units.subtree(&roots);
    figures
        .units
        .retain(|u| mine.contains(u.zero.unit_id.as_str()));
    let title = tr!(ctx.i18n, l, "zr-stats-title", from = from, to = to);
    r.text(format!("{title}\n{}", stats::table(&ctx.i18n, l, &figures)));
    Ok(())
}

/// `/pause`'s arguments: a unit, the first and last day, and why.
struct PauseArgs<'a> {
    unit: &'a str,
    from: NaiveDate,
    to: NaiveDate,
    reason: &'a str,
}

impl PauseArgs<'_> {
    fn parse(args: &str) -> Option<PauseArgs<'_>> {
        let mut words = args.splitn(4, char::is_whitespace);
        let day = |s: Option<&str>| s.and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
        let unit = words.next()?;
        let (from, to) = (day(words.next())?, day(words.next())?);
        let reason = words.next().map(str::trim).filter(|s| !s.is_empty())?;
        (from <= to).then_some(PauseArgs {
            unit,
            from,
            to,
            reason,
        })
    }
}

/// An incident's text as typed: trimmed, neither empty nor too long.
fn incident_text_of(text: &str) -> Result<&str, ZeroError> {
    let text = text.trim();
    if text.is_empty() || text.chars().count() > MAX_INCIDENT {
        return Err(ZeroError::IncidentUsage);
    }
    Ok(text)
}

/// The unit an answer is for: the group's duty room, the sender's only unit, or a choice.
enum Target {
    Unit(String),
    Choose(Vec<(String, String)>),
}

fn target(inc: &Input) -> Result<Target, ZeroError> {
    let mine = super::answering_units(&inc.member);
    if !inc.private {
        if let Some(room) = inc.units.by_duty_chat(inc.chat_id) {
            return if mine.iter().any(|(u, _)| *u == room.id) {
                Ok(Target::Unit(room.id.clone()))
            } else {
                Err(ZeroError::NotAllowed)
            };
        }
    }
    match mine.as_slice() {
        [] => Err(ZeroError::NotAllowed),
        [(one, _)] => Ok(Target::Unit(one.clone())),
        _ => Ok(Target::Choose(mine)),
    }
}

/// `/zero` or `/incident`: the answer for the unit the sender answers for here, or the
/// list of their units to choose from (the incident's text waiting in the conversation).
async fn answer_for_unit(
    ctx: &Ctx,
    tx: &mut Tx,
    inc: &Input,
    incident: Option<&str>,
    r: &mut Replies,
) -> Result<(), ZeroError> {
    let units = match target(inc)? {
        Target::Unit(unit) => return record(ctx, tx, inc, &unit, None, incident, r).await,
        Target::Choose(units) => units,
    };
    let rows = units
        .into_iter()
        .map(|(id, name)| {
            let answer = Action::ZeroFor {
                unit: id,
                incident: incident.is_some(),
            };
            vec![Button::new(name, answer)]
        })
        .collect();
    if let Some(text) = incident {
        // The choice arrives as a button press; the text waits in the conversation.
        let state = Conversation::IncidentText {
            incident_text: text.to_string(),
        };
        tx.set_conversation_state(inc.chat_id, inc.user_id(), &state, ctx.clock.now_ms())
            .await?;
    }
    r.text_with(tr!(ctx.i18n, inc.lang, "zr-choose-unit"), rows);
    Ok(())
}

/// Record the unit's answer and tell the sender how it went. Whatever the outcome, the
/// conversation moves on: to the incident's follow-up window, or to nothing.
async fn record(
    ctx: &Ctx,
    tx: &mut Tx,
    inc: &Input,
    unit: &str,
    round: Option<i64>,
    incident: Option<&str>,
    r: &mut Replies,
) -> Result<(), ZeroError> {
    let now = ctx.clock.now_ms();
    let outcome = super::answer(ctx, tx, &inc.member, unit, round, incident, now).await?;
    // A refused button (another unit's, a round that does not exist) changes nothing, not
    // even what the presser was in the middle of.
    if inc.press.is_some() {
        match outcome {
            AnswerOutcome::NotAllowed => return Err(ZeroError::NotAllowed),
            AnswerOutcome::NoRound => return Err(ZeroError::NoRound),
            _ => {}
        }
    }
    match (&outcome, incident) {
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
    r.answer_press(None);
    r.text(outcome_text(ctx, inc, outcome, incident.is_some()));
    Ok(())
}

/// The "incident" button (or the unit chosen for `/incident` without a text): ask for the
/// text, if the unit may answer now. Otherwise the button's popup says why and nothing
/// changes.
async fn ask_incident_text(
    ctx: &Ctx,
    tx: &mut Tx,
    inc: &Input,
    unit: &str,
    round: Option<i64>,
    r: &mut Replies,
) -> Result<(), ZeroError> {
    let now = ctx.clock.now_ms();
    if let Err(o) = super::check_answer(tx, &inc.member, unit, round, now).await? {
        let text = outcome_text(ctx, inc, o, true)
            .chars()
            .take(POPUP)
            .collect();
        r.answer_press(Some(text));
        return Ok(());
    }
    let state = Conversation::Asked(Question::Incident {
        unit: unit.to_string(),
        round,
    });
    tx.set_conversation_state(inc.chat_id, inc.user_id(), &state, now)
        .await?;
    r.answer_press(None);
    r.text(tr!(
        ctx.i18n,
        inc.lang,
        "zr-incident-ask",
        who = inc.display_name()
    ));
    Ok(())
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
            time = super::hhmm(ctx, at)
        ),
        AnswerOutcome::NotExpected => tr!(ctx.i18n, l, "zr-not-expected"),
        AnswerOutcome::NoRound => tr!(ctx.i18n, l, "zr-no-round"),
        AnswerOutcome::NotAllowed => tr!(ctx.i18n, l, "zr-not-allowed"),
    }
}
