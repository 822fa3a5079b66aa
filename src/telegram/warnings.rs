//! Warnings in the chat: `/warn UNIT LEVEL TEXT` or step by step, Received (or `/ok W-7`),
//! `/warn_end W-7 [TEXT]` and the figures of `/warning W-7`.
use crate::action::Action;
use crate::config::Lang;
use crate::context::Ctx;
use crate::conversation::{Conversation, WarnDraft};
use crate::ids::WarningId;
use crate::inbound::command::Command;
use crate::inbound::{HandlerError, HandlerResult, Input, Replies};
use crate::limits;
use crate::notice::Button;
use crate::org::Role;
use crate::store::Tx;
use crate::tr;
use crate::warning::{self, Confirmed, Issue, Issued, Issuer, Level};
use std::sync::Arc;

use crate::warning::{DRAFT_EXPIRIES as EXPIRIES, MAX_TEXT};

fn usage(ctx: &Ctx, l: Lang) -> String {
    tr!(ctx.i18n, l, "warn-usage")
}

pub async fn warn_command(ctx: Arc<Ctx>, inc: Input, cmd: Command) -> HandlerResult {
    let mut r = inc.replies();
    let l = inc.lang;
    if !inc.private {
        r.text(tr!(ctx.i18n, l, "private-only"));
        return r.send(&ctx).await;
    }
    if inc
        .member
        .units_with(&[Role::Supervisor, Role::Admin])
        .is_empty()
    {
        r.text(tr!(ctx.i18n, l, "warn-not-allowed"));
        return r.send(&ctx).await;
    }
    if cmd.args.is_empty() {
        return start_draft(&ctx, &inc, r).await;
    }
    let mut parts = cmd.args.splitn(3, char::is_whitespace);
    let (unit, level, text) = (
        parts.next().unwrap_or(""),
        parts.next().unwrap_or(""),
        parts.next().unwrap_or("").trim(),
    );
    let echo = |s: &str| s.chars().take(24).collect::<String>();
    if inc.units.get(unit).is_none() {
        r.text(tr!(ctx.i18n, l, "warn-unknown-unit", unit = echo(unit)));
        return r.send(&ctx).await;
    }
    if warning::issuing_unit(&inc.units, &inc.member, unit).is_none() {
        r.text(tr!(ctx.i18n, l, "warn-not-allowed-unit", unit = echo(unit)));
        return r.send(&ctx).await;
    }
    let Some(level) = Level::parse(level) else {
        r.text(tr!(ctx.i18n, l, "warn-bad-level", level = echo(level)));
        return r.send(&ctx).await;
    };
    if text.is_empty() {
        r.text(usage(&ctx, l));
        return r.send(&ctx).await;
    }
    if text.chars().count() > MAX_TEXT {
        r.text(tr!(ctx.i18n, l, "warn-too-long", max = MAX_TEXT as i64));
        return r.send(&ctx).await;
    }
    let tx = ctx.store.begin().await?;
    issue_and_reply(&ctx, &inc, tx, r, unit, level, text, None, false).await
}

/// The draft's Issue button: issue, unless the sender is over the limit (`limits::Kind::
/// Warning`); then the reply says until when and the draft stays for then.
#[allow(clippy::too_many_arguments)]
async fn issue_draft(
    ctx: &Ctx,
    inc: &Input,
    mut tx: Tx,
    mut r: Replies,
    unit: &str,
    level: Level,
    text: &str,
    expires_h: Option<u32>,
    exercise: bool,
) -> HandlerResult {
    if let Some(person) = &inc.member.person {
        let now = ctx.clock.now_ms();
        let key = limits::Key::person(person.id);
        if let limits::Admit::WaitUntil(until) =
            limits::check(&mut tx, limits::Kind::Warning, &key, now).await?
        {
            r.text(crate::limits::wait_text(
                ctx,
                inc.lang,
                limits::Kind::Warning,
                until,
            ));
            return r.commit(ctx, tx).await;
        }
    }
    tx.clear_conversation_state(inc.chat_id, inc.user_id())
        .await?;
    issue_and_reply(ctx, inc, tx, r, unit, level, text, expires_h, exercise).await
}

#[allow(clippy::too_many_arguments)]
async fn issue_and_reply(
    ctx: &Ctx,
    inc: &Input,
    mut tx: Tx,
    mut r: Replies,
    unit: &str,
    level: Level,
    text: &str,
    expires_h: Option<u32>,
    exercise: bool,
) -> HandlerResult {
    let l = inc.lang;
    let (Some(person), Some(issuing)) = (
        inc.member.person.as_ref(),
        warning::issuing_unit(&inc.units, &inc.member, unit),
    ) else {
        r.text(tr!(ctx.i18n, l, "warn-not-allowed"));
        return r.send(ctx).await;
    };
    let now = ctx.clock.now_ms();
    // Both forms end here: the warning and its count commit together.
    let key = limits::Key::person(person.id);
    if !crate::limits::take_or_say(ctx, &mut tx, &mut r, l, limits::Kind::Warning, &key).await? {
        return r.commit(ctx, tx).await;
    }
    let new = Issue {
        targets: vec![unit.to_string()],
        level,
        text: text.to_string(),
        exercise,
        expires_at: expires_h.map(|h| now + i64::from(h) * 3_600_000),
        issuer: Issuer {
            name: issuing.unit_name.clone(),
            person: Some((person.id, inc.chat_id, l)),
        },
        cap: None,
        replaces: None,
    };
    // Issued: the tally message (kept up to date) is the answer.
    match warning::issue(ctx, &mut tx, &new, now).await? {
        Issued::Issued { .. } => {}
        Issued::Nobody => r.text(tr!(ctx.i18n, l, "warn-nobody")),
        Issued::Duplicate(id) => r.text(tr!(ctx.i18n, l, "warn-issued-before", id = WarningId(id))),
    }
    r.commit(ctx, tx).await
}

async fn save_draft(ctx: &Ctx, tx: &mut Tx, inc: &Input, d: WarnDraft) -> HandlerResult {
    let state = Conversation::WarningDraft { warning: d };
    tx.set_conversation_state(inc.chat_id, inc.user_id(), &state, ctx.clock.now_ms())
        .await?;
    Ok(())
}

/// Ask for what the draft lacks next, or show the preview.
fn next_question(ctx: &Ctx, inc: &Input, d: &WarnDraft, r: &mut Replies) {
    let l = inc.lang;
    if d.unit.is_none() {
        let rows = inc
            .member
            .units_with(&[Role::Supervisor, Role::Admin])
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
        let row = EXPIRIES
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
}

async fn start_draft(ctx: &Ctx, inc: &Input, mut r: Replies) -> HandlerResult {
    if let Some(person) = &inc.member.person {
        // Told before the questions, not after.
        let (kind, key) = (limits::Kind::Warning, limits::Key::person(person.id));
        if let limits::Admit::WaitUntil(until) =
            limits::check_now(&ctx.store, kind, &key, ctx.clock.now_ms()).await?
        {
            r.text(crate::limits::wait_text(ctx, inc.lang, kind, until));
            return r.send(ctx).await;
        }
    }
    let units = inc.member.units_with(&[Role::Supervisor, Role::Admin]);
    let d = WarnDraft {
        unit: (units.len() == 1).then(|| units[0].unit_id.clone()),
        ..WarnDraft::default()
    };
    let mut tx = ctx.store.begin().await?;
    save_draft(ctx, &mut tx, inc, d.clone()).await?;
    next_question(ctx, inc, &d, &mut r);
    r.commit(ctx, tx).await
}

fn draft_of(inc: &Input) -> Option<WarnDraft> {
    match &inc.state {
        Some(Conversation::WarningDraft { warning }) => Some(warning.clone()),
        _ => None,
    }
}

/// The draft's buttons.
pub async fn draft_button(ctx: &Ctx, inc: &Input, a: Action) -> HandlerResult {
    let mut r = inc.replies();
    let l = inc.lang;
    let Some(mut d) = draft_of(inc).filter(|_| inc.private) else {
        r.answer_press(Some(tr!(ctx.i18n, l, "button-expired")));
        return r.send(ctx).await;
    };
    r.answer_press(None);
    let mut tx = ctx.store.begin().await?;
    match a {
        Action::WarnUnit(u) => {
            if warning::issuing_unit(&inc.units, &inc.member, &u).is_none() {
                r.text(tr!(ctx.i18n, l, "warn-not-allowed-unit", unit = u));
                return r.commit(ctx, tx).await;
            }
            d.unit = Some(u);
        }
        Action::WarnLevel(lv) => match Level::parse(&lv) {
            Some(lv) => d.level = Some(lv.as_str().into()),
            None => {
                r.text(tr!(ctx.i18n, l, "warn-bad-level", level = lv));
                return r.commit(ctx, tx).await;
            }
        },
        // Only the choices offered: a forged expiry is not one the step-by-step /warn gives.
        Action::WarnExpiry(h) if EXPIRIES.contains(&h) => d.expires_h = Some(h),
        Action::WarnExpiry(_) => {
            r.text(tr!(ctx.i18n, l, "button-expired"));
            return r.commit(ctx, tx).await;
        }
        Action::WarnDrop => {
            tx.clear_conversation_state(inc.chat_id, inc.user_id())
                .await?;
            r.text(tr!(ctx.i18n, l, "warn-cancelled"));
            return r.commit(ctx, tx).await;
        }
        Action::WarnIssue { exercise } => {
            // Issued only from the preview, which comes once every step is answered.
            let (Some(unit), Some(level), Some(text), Some(_)) = (
                d.unit.clone(),
                d.level.as_deref().and_then(Level::parse),
                d.text.clone(),
                d.expires_h,
            ) else {
                next_question(ctx, inc, &d, &mut r);
                return r.commit(ctx, tx).await;
            };
            return issue_draft(ctx, inc, tx, r, &unit, level, &text, d.expires_h, exercise).await;
        }
        _ => {}
    }
    save_draft(ctx, &mut tx, inc, d.clone()).await?;
    next_question(ctx, inc, &d, &mut r);
    r.commit(ctx, tx).await
}

/// The text of a draft waiting for it.
pub async fn draft_text(ctx: &Ctx, inc: &Input) -> Option<HandlerResult> {
    let mut d = draft_of(inc).filter(|_| inc.private)?;
    let text = inc.text.as_deref()?.trim();
    let mut r = inc.replies();
    let l = inc.lang;
    if d.unit.is_none() || d.level.is_none() || d.text.is_some() {
        // Waiting for a button: say which.
        next_question(ctx, inc, &d, &mut r);
        return Some(r.send(ctx).await);
    }
    if text.is_empty() {
        r.text(tr!(ctx.i18n, l, "warn-ask-text", max = MAX_TEXT as i64));
        return Some(r.send(ctx).await);
    }
    if text.chars().count() > MAX_TEXT {
        r.text(tr!(ctx.i18n, l, "warn-too-long", max = MAX_TEXT as i64));
        return Some(r.send(ctx).await);
    }
    d.text = Some(text.to_string());
    Some(
        async {
            let mut tx = ctx.store.begin().await?;
            save_draft(ctx, &mut tx, inc, d.clone()).await?;
            next_question(ctx, inc, &d, &mut r);
            r.commit(ctx, tx).await
        }
        .await,
    )
}

/// Received, by button or `/ok W-7`: for the person in a private chat, for the room in a
/// duty room. Returns the open transaction and what to tell the sender.
async fn confirm(ctx: &Ctx, inc: &Input, id: i64) -> Result<(Tx, String), HandlerError> {
    let l = inc.lang;
    let mut tx = ctx.store.begin().await?;
    let by = inc.member.person.as_ref().map(|p| p.id);
    let name = inc.display_name();
    let now = ctx.clock.now_ms();
    let wid = WarningId(id).to_string();
    let text = match warning::confirm(ctx, &mut tx, id, inc.chat_id, by, &name, now).await? {
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
    Ok((tx, text))
}

pub async fn ok_button(ctx: &Ctx, inc: &Input, id: i64) -> HandlerResult {
    let (tx, text) = confirm(ctx, inc, id).await?;
    let mut r = inc.replies();
    r.answer_press(Some(text));
    r.commit(ctx, tx).await
}

pub async fn ok_command(ctx: Arc<Ctx>, inc: Input, cmd: Command) -> HandlerResult {
    let Some(WarningId(id)) = WarningId::from_arg(&cmd.args) else {
        let mut r = inc.replies();
        r.text(tr!(ctx.i18n, inc.lang, "warn-ok-usage"));
        return r.send(&ctx).await;
    };
    let (tx, text) = confirm(&ctx, &inc, id).await?;
    let mut r = inc.replies();
    r.text(text);
    r.commit(&ctx, tx).await
}

/// `/warn_end W-7 [TEXT]`: the issuer or a supervisor above ends a warning.
pub async fn end_command(ctx: Arc<Ctx>, inc: Input, cmd: Command) -> HandlerResult {
    let mut r = inc.replies();
    let l = inc.lang;
    let (id, text) = match cmd.args.split_once(char::is_whitespace) {
        Some((id, text)) => (id, text.trim()),
        None => (cmd.args.as_str(), ""),
    };
    let Some(WarningId(id)) = WarningId::from_arg(id) else {
        r.text(tr!(ctx.i18n, l, "warn-end-usage"));
        return r.send(&ctx).await;
    };
    let wid = WarningId(id).to_string();
    let mut tx = ctx.store.begin().await?;
    let w = tx.warning(id).await?;
    let Some(w) = w.filter(|w| warning::may_follow(&inc.units, &inc.member, w)) else {
        r.text(tr!(ctx.i18n, l, "warn-unknown", id = wid));
        return r.commit(&ctx, tx).await;
    };
    if !warning::may_end(&inc.units, &inc.member, &w) {
        r.text(tr!(ctx.i18n, l, "warn-end-not-allowed", id = wid));
        return r.commit(&ctx, tx).await;
    }
    if text.chars().count() > MAX_TEXT {
        r.text(tr!(ctx.i18n, l, "warn-too-long", max = MAX_TEXT as i64));
        return r.commit(&ctx, tx).await;
    }
    let now = ctx.clock.now_ms();
    let ended = warning::end(&ctx, &mut tx, &w, warning::Ending::Said(Some(text)), now).await?;
    r.text(if ended {
        tr!(ctx.i18n, l, "warn-ended", id = wid)
    } else {
        tr!(ctx.i18n, l, "warn-ok-ended", id = wid)
    });
    r.commit(&ctx, tx).await
}

/// `/warning W-7`: per unit, targeted, confirmed in time, late, not confirmed, unreachable,
/// and who is still waiting; for its issuer and the supervisors and admins above it.
pub async fn figures_command(ctx: Arc<Ctx>, inc: Input, cmd: Command) -> HandlerResult {
    let mut r = inc.replies();
    let l = inc.lang;
    let Some(WarningId(id)) = WarningId::from_arg(&cmd.args) else {
        r.text(tr!(ctx.i18n, l, "warning-usage"));
        return r.send(&ctx).await;
    };
    let wid = WarningId(id).to_string();
    let mut tx = ctx.store.begin().await?;
    let w = tx.warning(id).await?;
    let Some(w) = w.filter(|w| warning::may_follow(&inc.units, &inc.member, w)) else {
        r.text(tr!(ctx.i18n, l, "warn-unknown", id = wid));
        return r.commit(&ctx, tx).await;
    };
    let tally = tx.warning_tally(id).await?;
    let all = warning::totals(&tally);
    let state = match w.ended_at {
        Some(at) => tr!(
            ctx.i18n,
            l,
            "warning-state-ended",
            when = crate::escalation::format_time(&ctx, at)
        ),
        None => tr!(ctx.i18n, l, "warning-state-active"),
    };
    let mut lines = vec![tr!(
        ctx.i18n,
        l,
        "warning-figures-title",
        id = wid,
        exercise = warning::exercise_mark(&ctx, &w, l),
        level = Level::parse(&w.level).unwrap_or(Level::Red).name(&ctx, l),
        state = state,
        rate = warning::rate(&all)
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
    let silent: Vec<String> = tx
        .warning_recipients(id, &["waiting", "unreachable"])
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
    if text.chars().count() > 4000 {
        text = text.chars().take(3990).collect::<String>() + "…";
    }
    r.text(text);
    r.commit(&ctx, tx).await
}
