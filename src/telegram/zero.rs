//! Endpoints of zero reports: `/zero`, `/incident TEXT`, the reminder's buttons, the
//! incident text and media that follow, `/today`, `/pause` and `/stats`. The rules are in
//! `zero_report::commands`.
use crate::context::Ctx;
use crate::inbound::command::Command;
use crate::inbound::{self, HandlerResult, Input};
use crate::zero_report::commands;
use std::sync::Arc;

pub async fn zero(ctx: Arc<Ctx>, inc: Input) -> HandlerResult {
    inbound::run(&ctx, &inc, async |tx, r| {
        commands::zero(&ctx, tx, &inc, r).await
    })
    .await
}

pub async fn incident(ctx: Arc<Ctx>, inc: Input, cmd: Command) -> HandlerResult {
    inbound::run(&ctx, &inc, async |tx, r| {
        commands::incident(&ctx, tx, &inc, &cmd.args, r).await
    })
    .await
}

/// A reminder's button: "nothing to report" or "incident".
pub async fn reminder_button(
    ctx: &Ctx,
    inc: &Input,
    round: i64,
    unit: &str,
    incident: bool,
) -> HandlerResult {
    inbound::run(ctx, inc, async |tx, r| {
        commands::reminder_button(ctx, tx, inc, round, unit, incident, r).await
    })
    .await
}

/// A unit chosen from the list `/zero` or `/incident` offered.
pub async fn chosen_unit(ctx: &Ctx, inc: &Input, unit: &str, incident: bool) -> HandlerResult {
    inbound::run(ctx, inc, async |tx, r| {
        commands::chosen_unit(ctx, tx, inc, unit, incident, r).await
    })
    .await
}

/// A plain message while the conversation waits for an incident text; `None` if it does not.
pub async fn incident_text(ctx: &Ctx, inc: &Input) -> Option<HandlerResult> {
    let awaited = commands::awaited_incident(inc)?;
    let done = inbound::run(ctx, inc, async |tx, r| {
        commands::incident_text(ctx, tx, inc, &awaited, r).await
    });
    Some(done.await)
}

/// A photo or location right after an incident report; `None` when the conversation is not
/// following up an incident or the message carries neither.
pub async fn incident_media(ctx: &Ctx, inc: &Input) -> Option<HandlerResult> {
    let followup = commands::followup(ctx, inc)?;
    let done = inbound::run(ctx, inc, async |tx, r| {
        commands::forward_followup(ctx, tx, inc, &followup, r).await
    });
    Some(done.await)
}

/// `/today`: read before the update's transaction (see `commands::today`).
pub async fn today(ctx: Arc<Ctx>, inc: Input) -> HandlerResult {
    let board = commands::today(&ctx, &inc).await;
    inbound::run(&ctx, &inc, async |_, r| {
        board.map(|parts| parts.into_iter().for_each(|part| r.text(part)))
    })
    .await
}

pub async fn pause(ctx: Arc<Ctx>, inc: Input, cmd: Command) -> HandlerResult {
    inbound::run(&ctx, &inc, async |tx, r| {
        commands::pause(&ctx, tx, &inc, &cmd.args, r).await
    })
    .await
}

/// `/stats`: read before the update's transaction (see `commands::month_stats`).
pub async fn month_stats(ctx: Arc<Ctx>, inc: Input) -> HandlerResult {
    let table = commands::month_stats(&ctx, &inc).await;
    inbound::run(&ctx, &inc, async |_, r| table.map(|t| r.text(t))).await
}
