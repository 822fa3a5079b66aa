//! What a person does with warnings from a chat: `/warn UNIT LEVEL TEXT` or step by step,
//! Received (or `/ok W-7`), `/warn_end W-7 [TEXT]` and the figures of `/warning W-7`. Each
//! runs in the processor's transaction (`crate::inbound::run`) and answers in `Replies`.
use super::{Confirmed, Ending, Issue, Issued, Issuer, Level, DRAFT_EXPIRIES, MAX_TEXT};
use crate::action::Action;
use crate::context::Ctx;
use crate::conversation::{Conversation, WarnDraft};
use crate::ids::WarningId;
use crate::inbound::{HandlerError, Input, Refusal, Replies};
use crate::limits::{self, Admit, Key, Kind};
use crate::notice::Button;
use crate::org::{Membership, Role};
use crate::store::{RecipientState, StoreError, Tx, WarningRow};
use crate::tr;

/// Why a warning command is refused; what a person caused is answered with its locale key
/// (see the `From` below), anything else fails the update.
#[derive(Debug, thiserror::Error)]
pub enum WarningError {
    #[error(transparent)]
    Store(#[from] StoreError),
    /// `/warn` in a group: drafts are private.
    #[error("/warn outside a private chat")]
    PrivateOnly,
    /// Not a supervisor or admin of any unit.
    #[error("not allowed to issue warnings")]
    NotAllowed,
    /// The unit named (as shown back) is not in the tree.
    #[error("no unit {0:?}")]
    UnknownUnit(String),
    /// The unit named (as shown back) is not one the sender may warn.
    #[error("not allowed to warn {0:?}")]
    NotAllowedUnit(String),
    /// The level named (as shown back) is none of the four colours.
    #[error("no level {0:?}")]
    BadLevel(String),
    #[error("text over {MAX_TEXT} characters")]
    TooLong,
    /// No such warning, or one the sender may not follow (the same answer).
    #[error("{0} unknown to the sender")]
    Unknown(WarningId),
    #[error("not allowed to end {0}")]
    EndNotAllowed(WarningId),
    /// A command without what it needs: its usage is the answer.
    #[error("usage of {0:?}")]
    Usage(Usage),
    /// A draft button no step offered (a forged expiry).
    #[error("a button no step offered")]
    NotOffered,
}

/// Which command's usage to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Usage {
    Warn,
    WarnEnd,
    Warning,
    Ok,
}

impl From<WarningError> for HandlerError {
    fn from(e: WarningError) -> HandlerError {
        let refusal = match e {
            WarningError::Store(e) => return HandlerError::Store(e),
            WarningError::PrivateOnly => Refusal::new("private-only"),
            WarningError::NotAllowed => Refusal::new("warn-not-allowed"),
            WarningError::UnknownUnit(unit) => Refusal::new("warn-unknown-unit").with("unit", unit),
            WarningError::NotAllowedUnit(unit) => {
                Refusal::new("warn-not-allowed-unit").with("unit", unit)
            }
            WarningError::BadLevel(level) => Refusal::new("warn-bad-level").with("level", level),
            WarningError::TooLong => Refusal::new("warn-too-long").with("max", MAX_TEXT as i64),
            WarningError::Unknown(id) => Refusal::new("warn-unknown").with("id", id.to_string()),
            WarningError::EndNotAllowed(id) => {
                Refusal::new("warn-end-not-allowed").with("id", id.to_string())
            }
            WarningError::Usage(u) => Refusal::new(match u {
                Usage::Warn => "warn-usage",
                Usage::WarnEnd => "warn-end-usage",
                Usage::Warning => "warning-usage",
                Usage::Ok => "warn-ok-usage",
            }),
            WarningError::NotOffered => Refusal::new("button-expired"),
        };
        HandlerError::Refused(refusal)
    }
}

type Result<T = ()> = std::result::Result<T, WarningError>;

/// A draft's button, as pressed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DraftPress {
    Unit(String),
    Level(String),
    /// Hours until it expires.
    Expiry(u32),
    Issue {
        exercise: bool,
    },
    Drop,
}

/// What either form of `/warn` issues.
struct Warn<'a> {
    unit: &'a str,
    level: Level,
    text: &'a str,
    expires_h: Option<u32>,
    exercise: bool,
}

/// The units a member issues warnings for (supervisor or admin of them).
fn issuing_units(inc: &Input) -> Vec<&Membership> {
    inc.member.units_with(&[Role::Supervisor, Role::Admin])
}

fn check_text(text: &str) -> Result {
    if text.chars().count() > MAX_TEXT {
        return Err(WarningError::TooLong);
    }
    Ok(())
}

/// `/warn UNIT LEVEL TEXT`, or `/warn` alone to be asked step by step; private, for
/// supervisors and admins of UNIT or a unit above it.
pub async fn warn(ctx: &Ctx, tx: &mut Tx, inc: &Input, args: &str, r: &mut Replies) -> Result {
    if !inc.private {
        return Err(WarningError::PrivateOnly);
    }
    if issuing_units(inc).is_empty() {
        return Err(WarningError::NotAllowed);
    }
    if args.is_empty() {
        return start_draft(ctx, tx, inc, r).await;
    }
    let mut parts = args.splitn(3, char::is_whitespace);
    let (unit, level, text) = (
        parts.next().unwrap_or(""),
        parts.next().unwrap_or(""),
        parts.next().unwrap_or("").trim(),
    );
    // What the sender typed, shown back no longer than this.
    let echo = |s: &str| s.chars().take(24).collect::<String>();
    if inc.units.get(unit).is_none() {
        return Err(WarningError::UnknownUnit(echo(unit)));
    }
    if super::issuing_unit(&inc.units, &inc.member, unit).is_none() {
        return Err(WarningError::NotAllowedUnit(echo(unit)));
    }
    let Some(level) = Level::parse(level) else {
        return Err(WarningError::BadLevel(echo(level)));
    };
    if text.is_empty() {
        return Err(WarningError::Usage(Usage::Warn));
    }
    check_text(text)?;
    let w = Warn {
        unit,
        level,
        text,
        expires_h: None,
        exercise: false,
    };
    issue(ctx, tx, inc, &w, false, r).await
}

/// Issue `w` as the sender, counted against their `/warn` limit; over it, the reply says
/// until when and nothing is written (a draft stays for then). `from_draft`: the draft is
/// done once the warning is admitted.
async fn issue(
    ctx: &Ctx,
    tx: &mut Tx,
    inc: &Input,
    w: &Warn<'_>,
    from_draft: bool,
    r: &mut Replies,
) -> Result {
    let l = inc.lang;
    let Some(person) = inc.member.person.as_ref() else {
        return Err(WarningError::NotAllowed);
    };
    let now = ctx.clock.now_ms();
    // Both forms end here: the warning and its count commit together. The limit is told
    // before a lost permission (a refusal then rolls the count back).
    if !limits::take_or_say(ctx, tx, r, l, Kind::Warning, &Key::person(person.id)).await? {
        return Ok(());
    }
    let Some(issuing) = super::issuing_unit(&inc.units, &inc.member, w.unit) else {
        return Err(WarningError::NotAllowed);
    };
    if from_draft {
        tx.clear_conversation_state(inc.chat_id, inc.user_id())
            .await?;
    }
    let new = Issue {
        targets: vec![w.unit.to_string()],
        level: w.level,
        text: w.text.to_string(),
        exercise: w.exercise,
        expires_at: w.expires_h.map(|h| now + i64::from(h) * 3_600_000),
        issuer: Issuer {
            name: issuing.unit_name.clone(),
            person: Some((person.id, inc.chat_id, l)),
        },
        cap: None,
        replaces: None,
    };
    // Issued: the tally message (kept up to date) is the answer.
    match super::issue(ctx, tx, &new, now).await? {
        Issued::Issued { .. } => {}
        Issued::Nobody => r.text(tr!(ctx.i18n, l, "warn-nobody")),
        Issued::Duplicate(id) => r.text(tr!(ctx.i18n, l, "warn-issued-before", id = WarningId(id))),
    }
    Ok(())
}

/// `/warn` alone: a draft, with the unit chosen when the sender has only one.
async fn start_draft(ctx: &Ctx, tx: &mut Tx, inc: &Input, r: &mut Replies) -> Result {
    if let Some(person) = &inc.member.person {
        // Told before the questions, not after.
        let key = Key::person(person.id);
        if let Admit::WaitUntil(until) =
            limits::check(tx, Kind::Warning, &key, ctx.clock.now_ms()).await?
        {
            r.text(limits::wait_text(ctx, inc.lang, Kind::Warning, until));
            return Ok(());
        }
    }
    let d = WarnDraft {
        unit: match issuing_units(inc).as_slice() {
            [one] => Some(one.unit_id.clone()),
            _ => None,
        },
        ..WarnDraft::default()
    };
    save_draft(ctx, tx, inc, &d).await?;
    next_question(ctx, inc, &d, r);
    Ok(())
}

async fn save_draft(ctx: &Ctx, tx: &mut Tx, inc: &Input, d: &WarnDraft) -> Result {
    let state = Conversation::WarningDraft { warning: d.clone() };
    tx.set_conversation_state(inc.chat_id, inc.user_id(), &state, ctx.clock.now_ms())
        .await?;
    Ok(())
}

/// The sender's draft, in their private chat.
fn draft_of(inc: &Input) -> Option<WarnDraft> {
    match &inc.state {
        Some(Conversation::WarningDraft { warning }) if inc.private => Some(warning.clone()),
        _ => None,
    }
}

/// Ask for what the draft lacks next, or show the preview.
fn next_question(ctx: &Ctx, inc: &Input, d: &WarnDraft, r: &mut Replies) {
    let l = inc.lang;
    if d.unit.is_none() {
        let rows = issuing_units(inc)
            .into_iter()
            .map(|m| {
                vec![Button::new(
                    m.unit_name.clone(),
                    Action::WarnUnit(m.unit_id.clone()),
                )]
            })
            .collect();
        r.text_with(tr!(ctx.i18n, l, "warn-choose-unit"), rows);
    } else if d.level.is_none() {
        let row = Level::ALL
            .into_iter()
            .map(|lv| Button::new(lv.name(ctx, l), Action::WarnLevel(lv.as_str().into())))
            .collect();
        r.text_with(tr!(ctx.i18n, l, "warn-choose-level"), vec![row]);
    } else if d.text.is_none() {
        r.text(tr!(ctx.i18n, l, "warn-ask-text", max = MAX_TEXT as i64));
    } else if d.expires_h.is_none() {
        let row = DRAFT_EXPIRIES
            .into_iter()
            .map(|h| {
                Button::new(
                    tr!(ctx.i18n, l, "warn-expiry-hours", hours = h as i64),
                    Action::WarnExpiry(h),
                )
            })
            .collect();
        r.text_with(tr!(ctx.i18n, l, "warn-choose-expiry"), vec![row]);
    } else {
        preview(ctx, inc, d, r);
    }
}

/// The finished draft as it will go out, with Issue, Issue as exercise and Cancel.
fn preview(ctx: &Ctx, inc: &Input, d: &WarnDraft, r: &mut Replies) {
    let l = inc.lang;
    let unit = d.unit.as_deref().unwrap_or("");
    let level = d
        .level
        .as_deref()
        .and_then(Level::parse)
        .unwrap_or(Level::Red);
    let rows = vec![
        vec![
            Button::new(
                tr!(ctx.i18n, l, "warn-issue-button"),
                Action::WarnIssue { exercise: false },
            ),
            Button::new(
                tr!(ctx.i18n, l, "warn-exercise-button"),
                Action::WarnIssue { exercise: true },
            ),
        ],
        vec![Button::new(
            tr!(ctx.i18n, l, "warn-cancel-button"),
            Action::WarnDrop,
        )],
    ];
    r.text_with(
        tr!(
            ctx.i18n,
            l,
            "warn-preview",
            unit = inc
                .units
                .get(unit)
                .map_or_else(|| unit.to_string(), |u| u.name.clone()),
            level = level.name(ctx, l),
            text = d.text.clone().unwrap_or_default(),
            hours = d.expires_h.unwrap_or(24) as i64
        ),
        rows,
    );
}

/// A draft's button: fill in a step, drop the draft, or issue it from the preview.
pub async fn draft_press(
    ctx: &Ctx,
    tx: &mut Tx,
    inc: &Input,
    press: DraftPress,
    r: &mut Replies,
) -> Result {
    let l = inc.lang;
    let Some(mut d) = draft_of(inc) else {
        r.answer_press(Some(tr!(ctx.i18n, l, "button-expired")));
        return Ok(());
    };
    r.answer_press(None);
    match press {
        DraftPress::Unit(u) => {
            if super::issuing_unit(&inc.units, &inc.member, &u).is_none() {
                return Err(WarningError::NotAllowedUnit(u));
            }
            d.unit = Some(u);
        }
        DraftPress::Level(lv) => match Level::parse(&lv) {
            Some(lv) => d.level = Some(lv.as_str().into()),
            None => return Err(WarningError::BadLevel(lv)),
        },
        // Only the choices offered: a forged expiry is not one the step-by-step /warn gives.
        DraftPress::Expiry(h) if DRAFT_EXPIRIES.contains(&h) => d.expires_h = Some(h),
        DraftPress::Expiry(_) => return Err(WarningError::NotOffered),
        DraftPress::Drop => {
            tx.clear_conversation_state(inc.chat_id, inc.user_id())
                .await?;
            r.text(tr!(ctx.i18n, l, "warn-cancelled"));
            return Ok(());
        }
        DraftPress::Issue { exercise } => {
            // Issued only from the preview, which comes once every step is answered.
            let (Some(unit), Some(level), Some(text), Some(expires_h)) = (
                d.unit.as_deref(),
                d.level.as_deref().and_then(Level::parse),
                d.text.as_deref(),
                d.expires_h,
            ) else {
                next_question(ctx, inc, &d, r);
                return Ok(());
            };
            let w = Warn {
                unit,
                level,
                text,
                expires_h: Some(expires_h),
                exercise,
            };
            return issue(ctx, tx, inc, &w, true, r).await;
        }
    }
    save_draft(ctx, tx, inc, &d).await?;
    next_question(ctx, inc, &d, r);
    Ok(())
}

/// Does a draft wait for this message (a text in the sender's private chat)?
pub fn takes_text(inc: &Input) -> bool {
    inc.text.is_some() && draft_of(inc).is_some()
}

/// The text of a draft waiting for it (see [`takes_text`]).
pub async fn draft_text(ctx: &Ctx, tx: &mut Tx, inc: &Input, r: &mut Replies) -> Result {
    let (Some(mut d), Some(text)) = (draft_of(inc), inc.text.as_deref()) else {
        return Ok(());
    };
    let text = text.trim();
    if d.unit.is_none() || d.level.is_none() || d.text.is_some() {
        // Waiting for a button: say which.
        next_question(ctx, inc, &d, r);
        return Ok(());
    }
    if text.is_empty() {
        r.text(tr!(
            ctx.i18n,
            inc.lang,
            "warn-ask-text",
            max = MAX_TEXT as i64
        ));
        return Ok(());
    }
    check_text(text)?;
    d.text = Some(text.to_string());
    save_draft(ctx, tx, inc, &d).await?;
    next_question(ctx, inc, &d, r);
    Ok(())
}

/// Received, by button or `/ok W-7`: for the person in a private chat, for the room in a
/// duty room; and, from a duty officer's or supervisor's private chat, for their units' rooms
/// that cannot be answered in themselves (a WeCom group robot's group: its officers answer
/// in the app). Says what to tell the sender.
async fn confirm(ctx: &Ctx, tx: &mut Tx, inc: &Input, id: WarningId) -> Result<String> {
    let l = inc.lang;
    let by = inc.member.person.as_ref().map(|p| p.id);
    let name = inc.display_name();
    let now = ctx.clock.now_ms();
    let wid = id.to_string();
    let mut outcome = super::confirm(ctx, tx, id.0, inc.chat_id, by, &name, now).await?;
    for room in rooms_answered_from(inc) {
        let for_room = super::confirm(ctx, tx, id.0, room, by, &name, now).await?;
        // Someone who is no recipient themselves (the issuer) is told the room's outcome.
        if outcome == Confirmed::Unknown {
            outcome = for_room;
        }
    }
    let text = match outcome {
        Confirmed::Confirmed { late: false, .. } => tr!(ctx.i18n, l, "warn-ok-done", id = wid),
        Confirmed::Confirmed { late: true, .. } => tr!(ctx.i18n, l, "warn-ok-late", id = wid),
        Confirmed::Already { at } => tr!(
            ctx.i18n,
            l,
            "warn-ok-already",
            when = crate::escalation::format_time(ctx, at)
        ),
        Confirmed::Ended => tr!(ctx.i18n, l, "warn-ok-ended", id = wid),
        Confirmed::Unknown => tr!(ctx.i18n, l, "warn-unknown", id = wid),
    };
    Ok(text)
}

/// The duty rooms that a confirmation from this private chat answers for: those of the
/// sender's units as duty officer or supervisor whose channel takes no answer in the room.
fn rooms_answered_from(inc: &Input) -> Vec<i64> {
    let mut rooms = Vec::new();
    if !inc.private {
        return rooms;
    }
    for m in &inc.member.memberships {
        if !matches!(m.role, Role::DutyOfficer | Role::Supervisor) {
            continue;
        }
        let room = inc.units.get(&m.unit_id).and_then(|u| u.duty_chat_id);
        if let Some(room) = room.filter(|r| !crate::channel::answers_in_itself(*r)) {
            if !rooms.contains(&room) {
                rooms.push(room);
            }
        }
    }
    rooms
}

/// The Received (收到) button on a warning's copy: the answer shows on the button.
pub async fn received(
    ctx: &Ctx,
    tx: &mut Tx,
    inc: &Input,
    id: WarningId,
    r: &mut Replies,
) -> Result {
    let text = confirm(ctx, tx, inc, id).await?;
    r.answer_press(Some(text));
    Ok(())
}

/// `/ok W-7`: Received, typed.
pub async fn ok(ctx: &Ctx, tx: &mut Tx, inc: &Input, args: &str, r: &mut Replies) -> Result {
    let id = WarningId::from_arg(args).ok_or(WarningError::Usage(Usage::Ok))?;
    let text = confirm(ctx, tx, inc, id).await?;
    r.text(text);
    Ok(())
}

/// Warning `id` if the sender may follow it (`/warning`, `/warn_end`); to anyone else it
/// does not exist.
async fn followed(tx: &mut Tx, inc: &Input, id: WarningId) -> Result<WarningRow> {
    tx.warning(id.0)
        .await?
        .filter(|w| super::may_follow(&inc.units, &inc.member, w))
        .ok_or(WarningError::Unknown(id))
}

/// `/warn_end W-7 [TEXT]`: the issuer or a supervisor above ends a warning.
pub async fn warn_end(ctx: &Ctx, tx: &mut Tx, inc: &Input, args: &str, r: &mut Replies) -> Result {
    let l = inc.lang;
    let (id, text) = match args.split_once(char::is_whitespace) {
        Some((id, text)) => (id, text.trim()),
        None => (args, ""),
    };
    let id = WarningId::from_arg(id).ok_or(WarningError::Usage(Usage::WarnEnd))?;
    let w = followed(tx, inc, id).await?;
    if !super::may_end(&inc.units, &inc.member, &w) {
        return Err(WarningError::EndNotAllowed(id));
    }
    check_text(text)?;
    let now = ctx.clock.now_ms();
    let ended = super::end(ctx, tx, &w, Ending::Said(Some(text)), now).await?;
    let key = if ended { "warn-ended" } else { "warn-ok-ended" };
    r.text(tr!(ctx.i18n, l, key, id = id.to_string()));
    Ok(())
}

/// `/warning W-7`: per unit, targeted, confirmed in time, late, not confirmed, unreachable,
/// and who is still waiting; for its issuer and the supervisors and admins above it.
pub async fn figures(ctx: &Ctx, tx: &mut Tx, inc: &Input, args: &str, r: &mut Replies) -> Result {
    let l = inc.lang;
    let id = WarningId::from_arg(args).ok_or(WarningError::Usage(Usage::Warning))?;
    let w = followed(tx, inc, id).await?;
    let tally = tx.warning_tally(id.0).await?;
    let all = super::totals(&tally);
    let state = match w.ended_at {
        Some(at) => tr!(
            ctx.i18n,
            l,
            "warning-state-ended",
            when = crate::escalation::format_time(ctx, at)
        ),
        None => tr!(ctx.i18n, l, "warning-state-active"),
    };
    let mut lines = vec![tr!(
        ctx.i18n,
        l,
        "warning-figures-title",
        id = id.to_string(),
        exercise = super::exercise_mark(ctx, &w, l),
        level = super::level_of(&w).name(ctx, l),
        state = state,
        rate = super::rate(&all)
    )];
    for t in std::iter::once(&all).chain(tally.iter()) {
        let unit = if std::ptr::eq(t, &all) {
            tr!(ctx.i18n, l, "warning-all-units")
        } else {
            inc.units
                .get(&t.unit_id)
                .map_or_else(|| t.unit_id.clone(), |u| u.name.clone())
        };
        lines.push(tr!(
            ctx.i18n,
            l,
            "warning-figures-unit",
            unit = unit,
            targeted = t.targeted,
            in_time = t.in_time,
            late = t.late,
            waiting = t.waiting,
            unreachable = t.unreachable
        ));
    }
    // The store's recipient states (`warning_recipients.state`), shared with the gauges.
    let silent: Vec<String> = tx
        .warning_recipients(
            id.0,
            &[RecipientState::Waiting, RecipientState::Unreachable],
        )
        .await?
        .into_iter()
        .map(|r| match (&r.person_id, &r.username) {
            (Some(_), Some(u)) => format!("{} (@{u})", r.name),
            (Some(_), None) => r.name,
            (None, _) => tr!(ctx.i18n, l, "warning-duty-room", unit = r.name),
        })
        .collect();
    if !silent.is_empty() {
        lines.push(tr!(
            ctx.i18n,
            l,
            "warning-figures-waiting",
            names = silent.join(&tr!(ctx.i18n, l, "list-separator"))
        ));
    }
    let mut text = lines.join("\n");
    // Inside one Telegram message (4,096 characters), with room for the ellipsis.
    if text.chars().count() > 4000 {
        text = text.chars().take(3990).collect::<String>() + "…";
    }
    r.text(text);
    Ok(())
}
