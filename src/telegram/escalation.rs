//! Endpoints of the escalation engine and the fire-season override: `/ack`, the acknowledge
//! button, `/snooze`, `/season`.
use crate::config::Span;
use crate::context::Ctx;
use crate::escalation::{self, AckOutcome, SnoozeOutcome, Took};
use crate::ids::EscalationId;
use crate::inbound::command::Command;
use crate::inbound::{HandlerResult, Input};
use crate::notice::Notice;
use crate::org::Role;
use crate::schedule::season::{self, Mode};
use crate::tr;
use std::sync::Arc;

pub async fn ack_command(ctx: Arc<Ctx>, inc: Input, cmd: Command) -> HandlerResult {
    match cmd
        .args
        .split_whitespace()
        .next()
        .and_then(EscalationId::from_arg)
    {
        Some(EscalationId(id)) => acknowledge(&ctx, &inc, id).await,
        None => {
            let mut r = inc.replies();
            r.text(tr!(ctx.i18n, inc.lang, "esc-ack-usage"));
            r.send(&ctx).await
        }
    }
}

/// `/ack E-12` or the button: the sender takes the item; the chain stops.
pub async fn acknowledge(ctx: &Ctx, inc: &Input, id: i64) -> HandlerResult {
    let mut r = inc.replies();
    let l = inc.lang;
    let mut tx = ctx.store.begin().await?;
    let outcome =
        escalation::acknowledge(ctx, &mut tx, id, &inc.member, ctx.clock.now_ms()).await?;
    let text = match outcome {
        AckOutcome::Acknowledged {
            what,
            took: Took::OnIt,
        } => tr!(ctx.i18n, l, "esc-ack-on-it", what = what),
        AckOutcome::Acknowledged {
            what,
            took: Took::Calling,
        } => tr!(ctx.i18n, l, "esc-ack-calling", what = what),
        AckOutcome::Acknowledged { what, .. } => tr!(ctx.i18n, l, "esc-ack-done", what = what),
        AckOutcome::NotAllowed => tr!(ctx.i18n, l, "esc-ack-refused"),
        AckOutcome::ItemRefused => tr!(ctx.i18n, l, "esc-ack-item-refused"),
        AckOutcome::Already { by, at } => {
            tr!(
                ctx.i18n,
                l,
                "esc-ack-already",
                who = by,
                when = escalation::format_time(ctx, at)
            )
        }
        AckOutcome::Closed => tr!(ctx.i18n, l, "esc-ack-closed"),
        AckOutcome::Unknown => tr!(ctx.i18n, l, "esc-unknown", id = EscalationId(id)),
    };
    if inc.press.is_some() {
        // A short popup on the button; the full notice reaches everyone notified anyway.
        r.answer_press(Some(text.chars().take(190).collect()));
    } else {
        r.text(text);
    }
    r.commit(ctx, tx).await
}

pub async fn snooze(ctx: Arc<Ctx>, inc: Input, cmd: Command) -> HandlerResult {
    let mut r = inc.replies();
    let l = inc.lang;
    let mut words = cmd.args.splitn(3, char::is_whitespace);
    let id = words.next().and_then(EscalationId::from_arg).map(|e| e.0);
    let span = words
        .next()
        .and_then(|s| Span::parse(s).ok())
        .filter(|s| s.as_secs() > 0);
    let reason = words
        .next()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.chars().take(500).collect::<String>());
    let (Some(id), Some(span), Some(reason)) = (id, span, reason) else {
        r.text(tr!(ctx.i18n, l, "esc-snooze-usage"));
        return r.send(&ctx).await;
    };
    let for_ms = span.as_std().as_millis().min(30 * 24 * 3600 * 1000) as i64;
    let mut tx = ctx.store.begin().await?;
    let outcome = escalation::snooze(
        &ctx,
        &mut tx,
        id,
        &inc.member,
        for_ms,
        &reason,
        ctx.clock.now_ms(),
    )
    .await?;
    r.text(match outcome {
        SnoozeOutcome::Snoozed { until } => {
            tr!(
                ctx.i18n,
                l,
                "esc-snoozed",
                id = EscalationId(id),
                until = escalation::format_time(&ctx, until)
            )
        }
        SnoozeOutcome::NotAllowed => tr!(ctx.i18n, l, "esc-snooze-refused"),
        SnoozeOutcome::NotOpen => tr!(ctx.i18n, l, "esc-snooze-not-open"),
        SnoozeOutcome::Unknown => tr!(ctx.i18n, l, "esc-unknown", id = EscalationId(id)),
    });
    r.commit(&ctx, tx).await
}

fn describe(ctx: &Ctx, l: crate::config::Lang, mode: Mode, on: bool) -> (String, String) {
    let periods: Vec<String> = ctx
        .config
        .fire_season
        .periods
        .iter()
        .map(|p| p.to_string())
        .collect();
    let mode = match mode {
        Mode::On => tr!(ctx.i18n, l, "season-mode-on"),
        Mode::Off => tr!(ctx.i18n, l, "season-mode-off"),
        Mode::Auto => tr!(
            ctx.i18n,
            l,
            "season-mode-auto",
            periods = periods.join(", ")
        ),
    };
    let state = tr!(
        ctx.i18n,
        l,
        if on {
            "season-state-on"
        } else {
            "season-state-off"
        }
    );
    (mode, state)
}

/// `/season` shows the setting; `/season on|off|auto` (admins) changes it and tells every
/// supervisor.
pub async fn season_command(ctx: Arc<Ctx>, inc: Input, cmd: Command) -> HandlerResult {
    let mut r = inc.replies();
    let l = inc.lang;
    let now = ctx.clock.now();
    let arg = cmd.args.trim();
    if arg.is_empty() {
        let mode = season::mode(&ctx.store).await?;
        let (mode_text, state) = describe(&ctx, l, mode, season::is_on_with(&ctx, mode, now));
        r.text(tr!(
            ctx.i18n,
            l,
            "season-status",
            mode = mode_text,
            state = state
        ));
        return r.send(&ctx).await;
    }
    if !inc.member.has_role(Role::Admin) {
        r.text(tr!(ctx.i18n, l, "season-not-allowed"));
        return r.send(&ctx).await;
    }
    let Some(mode) = Mode::parse(arg) else {
        r.text(tr!(ctx.i18n, l, "season-usage"));
        return r.send(&ctx).await;
    };
    let on = season::is_on_with(&ctx, mode, now);
    let mut tx = ctx.store.begin().await?;
    season::set_mode(&mut tx, mode, now.timestamp_millis()).await?;
    tx.add_admin_event(&crate::store::AdminEvent {
        at: now.timestamp_millis(),
        kind: "season.set",
        unit_id: None,
        person_id: inc.member.person.as_ref().map(|p| p.id),
        detail: mode.as_str(),
    })
    .await?;
    let who = inc.display_name();
    for (lang, chat_id) in tx.all_supervisors().await? {
        let sl = crate::config::Lang::from_telegram(Some(&lang));
        let (mode_text, state) = describe(&ctx, sl, mode, on);
        let text = tr!(
            ctx.i18n,
            sl,
            "season-announce",
            who = who.clone(),
            mode = mode_text,
            state = state
        );
        let notice = Notice::text(format!("season.{}.{chat_id}", inc.update_id), chat_id, text);
        ctx.say(&mut tx, &notice, now.timestamp_millis()).await?;
    }
    let (mode_text, state) = describe(&ctx, l, mode, on);
    r.text(tr!(
        ctx.i18n,
        l,
        "season-status",
        mode = mode_text,
        state = state
    ));
    r.commit(&ctx, tx).await
}
