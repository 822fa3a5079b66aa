//! What a person does to escalations and the fire season from a chat: `/ack E-12` or an
//! alert's button, `/snooze`, `/season`.
use super::{AckOutcome, SnoozeOutcome, Took};
use crate::config::{Lang, Span};
use crate::context::Ctx;
use crate::ids::EscalationId;
use crate::inbound::{HandlerError, Input, Refusal, Replies};
use crate::notice::Notice;
use crate::org::Role;
use crate::schedule::season::{self, Mode};
use crate::store::{AdminEvent, StoreError, Tx};
use crate::tr;

/// A snooze's reason is kept up to this length.
const MAX_REASON: usize = 500;
/// A snooze lasts at most this long.
const MAX_SNOOZE_MS: u128 = 30 * 24 * 3600 * 1000;
/// A button's popup shows a short text only.
const POPUP: usize = 190;

/// What a person asked of an escalation or the season and may not have; the store failing.
#[derive(Debug, thiserror::Error)]
pub enum EscalationError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("/ack needs an alert's id")]
    AckUsage,
    #[error("/snooze needs an id, a duration and a reason")]
    SnoozeUsage,
    /// No such chain, or one of a unit the sender may not see: the answer never tells which.
    #[error("no escalation {0}")]
    Unknown(EscalationId),
    #[error("may not acknowledge this alert")]
    AckNotAllowed,
    /// The sender may acknowledge the alert but not take its item (a tip outside the desk).
    #[error("may not take this alert's item")]
    ItemRefused,
    #[error("acknowledged already by {by} at {when}")]
    Already { by: String, when: String },
    #[error("the alert's item is closed")]
    Closed,
    #[error("may not snooze this alert")]
    SnoozeNotAllowed,
    #[error("the chain is not running")]
    NotOpen,
    #[error("only admins set the season")]
    SeasonNotAllowed,
    #[error("/season takes on, off or auto")]
    SeasonUsage,
}

impl EscalationError {
    /// What the sender is told, or the store's failure.
    fn refusal(self) -> Result<Refusal, StoreError> {
        Ok(match self {
            EscalationError::Store(e) => return Err(e),
            EscalationError::AckUsage => Refusal::new("esc-ack-usage"),
            EscalationError::SnoozeUsage => Refusal::new("esc-snooze-usage"),
            EscalationError::Unknown(id) => Refusal::new("esc-unknown").with("id", id.to_string()),
            EscalationError::AckNotAllowed => Refusal::new("esc-ack-refused"),
            EscalationError::ItemRefused => Refusal::new("esc-ack-item-refused"),
            EscalationError::Already { by, when } => Refusal::new("esc-ack-already")
                .with("who", by)
                .with("when", when),
            EscalationError::Closed => Refusal::new("esc-ack-closed"),
            EscalationError::SnoozeNotAllowed => Refusal::new("esc-snooze-refused"),
            EscalationError::NotOpen => Refusal::new("esc-snooze-not-open"),
            EscalationError::SeasonNotAllowed => Refusal::new("season-not-allowed"),
            EscalationError::SeasonUsage => Refusal::new("season-usage"),
        })
    }
}

impl From<EscalationError> for HandlerError {
    fn from(e: EscalationError) -> HandlerError {
        match e.refusal() {
            Ok(refusal) => refusal.into(),
            Err(e) => e.into(),
        }
    }
}

/// `/ack E-12`: the sender takes the alert (see [`acknowledge`]).
pub async fn ack(
    ctx: &Ctx,
    tx: &mut Tx,
    inc: &Input,
    args: &str,
    r: &mut Replies,
) -> Result<(), EscalationError> {
    let id = args
        .split_whitespace()
        .next()
        .and_then(EscalationId::from_arg)
        .ok_or(EscalationError::AckUsage)?;
    acknowledge(ctx, tx, inc, id, r).await
}

/// `/ack E-12` or the alert's button: the sender takes the item; the chain stops. A press is
/// answered on its button, taken or refused (a short popup: the full notice reaches everyone
/// notified anyway); a refusal changes nothing either way.
pub async fn acknowledge(
    ctx: &Ctx,
    tx: &mut Tx,
    inc: &Input,
    id: EscalationId,
    r: &mut Replies,
) -> Result<(), EscalationError> {
    let outcome = super::acknowledge(ctx, tx, id.0, &inc.member, ctx.clock.now_ms()).await?;
    let answer = taken(ctx, inc.lang, id, outcome);
    if inc.press.is_none() {
        r.text(answer?);
        return Ok(());
    }
    let text = match answer {
        Ok(text) => text,
        Err(refused) => refused.refusal()?.text(ctx, inc.lang),
    };
    r.answer_press(Some(text.chars().take(POPUP).collect()));
    Ok(())
}

/// What the sender is told of taking alert `id`, or why they did not.
fn taken(
    ctx: &Ctx,
    l: Lang,
    id: EscalationId,
    outcome: AckOutcome,
) -> Result<String, EscalationError> {
    Err(match outcome {
        AckOutcome::Acknowledged { what, took } => {
            let key = match took {
                Took::OnIt => "esc-ack-on-it",
                Took::Calling => "esc-ack-calling",
                _ => "esc-ack-done",
            };
            return Ok(tr!(ctx.i18n, l, key, what = what));
        }
        AckOutcome::NotAllowed => EscalationError::AckNotAllowed,
        AckOutcome::ItemRefused => EscalationError::ItemRefused,
        AckOutcome::Already { by, at } => EscalationError::Already {
            by,
            when: super::format_time(ctx, at),
        },
        AckOutcome::Closed => EscalationError::Closed,
        AckOutcome::Unknown => EscalationError::Unknown(id),
    })
}

/// `/snooze E-12 DURATION REASON` (supervisors): the chain pauses, then resumes where it was.
pub async fn snooze(
    ctx: &Ctx,
    tx: &mut Tx,
    inc: &Input,
    args: &str,
    r: &mut Replies,
) -> Result<(), EscalationError> {
    let mut words = args.splitn(3, char::is_whitespace);
    let id = words.next().and_then(EscalationId::from_arg);
    let span = words
        .next()
        .and_then(|s| Span::parse(s).ok())
        .filter(|s| s.as_secs() > 0);
    let reason = words
        .next()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.chars().take(MAX_REASON).collect::<String>());
    let (Some(id), Some(span), Some(reason)) = (id, span, reason) else {
        return Err(EscalationError::SnoozeUsage);
    };
    let for_ms = span.as_std().as_millis().min(MAX_SNOOZE_MS) as i64;
    let now = ctx.clock.now_ms();
    let until = match super::snooze(ctx, tx, id.0, &inc.member, for_ms, &reason, now).await? {
        SnoozeOutcome::Snoozed { until } => until,
        SnoozeOutcome::NotAllowed => return Err(EscalationError::SnoozeNotAllowed),
        SnoozeOutcome::NotOpen => return Err(EscalationError::NotOpen),
        SnoozeOutcome::Unknown => return Err(EscalationError::Unknown(id)),
    };
    r.text(tr!(
        ctx.i18n,
        inc.lang,
        "esc-snoozed",
        id = id,
        until = super::format_time(ctx, until)
    ));
    Ok(())
}

/// `/season`: the setting and whether the season is on now.
pub async fn season_status(
    ctx: &Ctx,
    tx: &mut Tx,
    inc: &Input,
    r: &mut Replies,
) -> Result<(), EscalationError> {
    let mode = season::mode_in(tx).await?;
    let on = season::is_on_with(ctx, mode, ctx.clock.now());
    r.text(status(ctx, inc.lang, mode, on));
    Ok(())
}

/// `/season on|off|auto` (admins): the season follows the calendar no more, or again; every
/// supervisor is told.
pub async fn set_season(
    ctx: &Ctx,
    tx: &mut Tx,
    inc: &Input,
    arg: &str,
    r: &mut Replies,
) -> Result<(), EscalationError> {
    if !inc.member.has_role(Role::Admin) {
        return Err(EscalationError::SeasonNotAllowed);
    }
    let mode = Mode::parse(arg.trim()).ok_or(EscalationError::SeasonUsage)?;
    let now = ctx.clock.now();
    let on = season::is_on_with(ctx, mode, now);
    let now = now.timestamp_millis();
    season::set_mode(tx, mode, now).await?;
    tx.add_admin_event(&AdminEvent {
        at: now,
        kind: "season.set",
        unit_id: None,
        person_id: inc.member.person.as_ref().map(|p| p.id),
        detail: mode.as_str(),
    })
    .await?;
    let who = inc.display_name();
    for (lang, chat_id) in tx.all_supervisors().await? {
        let sl = Lang::from_telegram(Some(&lang));
        let (mode_text, state) = describe(ctx, sl, mode, on);
        let text = tr!(
            ctx.i18n,
            sl,
            "season-announce",
            who = who.clone(),
            mode = mode_text,
            state = state
        );
        let notice = Notice::text(format!("season.{}.{chat_id}", inc.update_id), chat_id, text);
        ctx.say(tx, &notice, now).await?;
    }
    r.text(status(ctx, inc.lang, mode, on));
    Ok(())
}

fn status(ctx: &Ctx, l: Lang, mode: Mode, on: bool) -> String {
    let (mode, state) = describe(ctx, l, mode, on);
    tr!(ctx.i18n, l, "season-status", mode = mode, state = state)
}

/// The season's setting and whether it is on, in words.
fn describe(ctx: &Ctx, l: Lang, mode: Mode, on: bool) -> (String, String) {
    let mode = match mode {
        Mode::On => tr!(ctx.i18n, l, "season-mode-on"),
        Mode::Off => tr!(ctx.i18n, l, "season-mode-off"),
        Mode::Auto => {
            let periods: Vec<String> = ctx
                .config
                .fire_season
                .periods
                .iter()
                .map(|p| p.to_string())
                .collect();
            tr!(
                ctx.i18n,
                l,
                "season-mode-auto",
                periods = periods.join(", ")
            )
        }
    };
    let state = if on {
        "season-state-on"
    } else {
        "season-state-off"
    };
    (mode, tr!(ctx.i18n, l, state))
}
