//! Endpoints of hazard reports: each hands what arrived to `hazard::commands` in the update's
//! transaction (`inbound::run`).
use crate::action::Action;
use crate::context::Ctx;
use crate::hazard::commands;
use crate::hazard::HazardError;
use crate::inbound::command::Command;
use crate::inbound::{self, HandlerResult, Input};
use std::sync::Arc;

pub use crate::hazard::commands::names_hazard;

/// `/report` starts a guided report; `/report H-12` shows one report's history.
pub async fn report_command(ctx: Arc<Ctx>, inc: Input, cmd: Command) -> HandlerResult {
    inbound::run(&ctx, &inc, async |tx, r| {
        commands::report(&ctx, tx, &inc, &cmd.args, r).await
    })
    .await
}

/// A plain message, photo or location in a private chat: part of a draft, or the start of a
/// quick report (a photo or a location). `None` when it is neither.
pub async fn draft_message(ctx: &Ctx, inc: &Input) -> Option<HandlerResult> {
    let d = commands::draft_for(ctx, inc)?;
    let run = inbound::run(ctx, inc, async |tx, r| {
        commands::add_to_draft(ctx, tx, inc, d, r).await
    });
    Some(run.await)
}

/// A draft's buttons: unit, category, submit, cancel, or add to a report offered nearby.
pub async fn draft_button(ctx: &Ctx, inc: &Input, action: Action) -> HandlerResult {
    inbound::run(ctx, inc, async |tx, r| match action {
        Action::HzUnit(unit) => commands::choose_unit(ctx, tx, inc, &unit, r).await,
        Action::HzCategory(c) => commands::choose_category(ctx, tx, inc, &c, r).await,
        Action::HzSubmit { major } => commands::submit(ctx, tx, inc, major, r).await,
        Action::HzCancel => commands::cancel_draft(ctx, tx, inc, r).await,
        Action::HzJoin(id) => commands::join(ctx, tx, inc, id, r).await,
        _ => commands::popup(ctx, inc, r, HazardError::Expired),
    })
    .await
}

/// `/ack H-12`, `/work H-12 [TEXT]`, `/done H-12 [TEXT]`, `/close H-12`, `/reject H-12 TEXT`,
/// `/reopen H-12 TEXT`.
pub async fn transition_command(ctx: Arc<Ctx>, inc: Input, cmd: Command) -> HandlerResult {
    inbound::run(&ctx, &inc, async |tx, r| {
        commands::transition(&ctx, tx, &inc, &cmd, r).await
    })
    .await
}

/// `/merge H-5 H-3`.
pub async fn merge(ctx: Arc<Ctx>, inc: Input, cmd: Command) -> HandlerResult {
    inbound::run(&ctx, &inc, async |tx, r| {
        commands::merge(&ctx, tx, &inc, &cmd.args, r).await
    })
    .await
}

/// A report's buttons: acknowledge, rectified, close at once; reject and reopen ask why.
pub async fn report_button(ctx: &Ctx, inc: &Input, act: char, id: i64) -> HandlerResult {
    inbound::run(ctx, inc, async |tx, r| {
        commands::report_pressed(ctx, tx, inc, act, id, r).await
    })
    .await
}

/// The reason after pressing reject or reopen; `None` when the conversation is not waiting
/// for one.
pub async fn reject_reason(ctx: &Ctx, inc: &Input) -> Option<HandlerResult> {
    let reason = commands::reason_given(inc)?;
    let run = inbound::run(ctx, inc, async |tx, r| {
        commands::give_reason(ctx, tx, inc, &reason, r).await
    });
    Some(run.await)
}

/// A photo right after "rectified": evidence, kept with the report; `None` otherwise.
pub async fn evidence_photo(ctx: &Ctx, inc: &Input) -> Option<HandlerResult> {
    let evidence = commands::evidence_in(ctx, inc)?;
    let run = inbound::run(ctx, inc, async |tx, r| {
        commands::add_evidence(ctx, tx, inc, &evidence, r).await
    });
    Some(run.await)
}

/// `/deadline H-12 3d`.
pub async fn deadline(ctx: Arc<Ctx>, inc: Input, cmd: Command) -> HandlerResult {
    inbound::run(&ctx, &inc, async |tx, r| {
        commands::deadline(&ctx, tx, &inc, &cmd.args, r).await
    })
    .await
}

/// `/status`.
pub async fn status(ctx: Arc<Ctx>, inc: Input) -> HandlerResult {
    inbound::run(&ctx, &inc, async |tx, r| {
        commands::status(&ctx, tx, &inc, r).await
    })
    .await
}
