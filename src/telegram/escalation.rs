//! Endpoints of the escalation engine and the fire-season override: `/ack`, the acknowledge
//! button, `/snooze`, `/season`. The rules are in `escalation::commands`.
use crate::context::Ctx;
use crate::escalation::commands;
use crate::ids::EscalationId;
use crate::inbound::command::Command;
use crate::inbound::{self, HandlerResult, Input};
use std::sync::Arc;

pub async fn ack_command(ctx: Arc<Ctx>, inc: Input, cmd: Command) -> HandlerResult {
    inbound::run(&ctx, &inc, async |tx, r| {
        commands::ack(&ctx, tx, &inc, &cmd.args, r).await
    })
    .await
}

/// The acknowledge button of an alert.
pub async fn acknowledge(ctx: &Ctx, inc: &Input, id: i64) -> HandlerResult {
    inbound::run(ctx, inc, async |tx, r| {
        commands::acknowledge(ctx, tx, inc, EscalationId(id), r).await
    })
    .await
}

pub async fn snooze(ctx: Arc<Ctx>, inc: Input, cmd: Command) -> HandlerResult {
    inbound::run(&ctx, &inc, async |tx, r| {
        commands::snooze(&ctx, tx, &inc, &cmd.args, r).await
    })
    .await
}

/// `/season` shows the setting, read before the update's transaction (see
/// `commands::season_status`); `/season on|off|auto` changes it.
pub async fn season_command(ctx: Arc<Ctx>, inc: Input, cmd: Command) -> HandlerResult {
    let arg = cmd.args.trim();
    if arg.is_empty() {
        let status = commands::season_status(&ctx, &inc).await;
        return inbound::run(&ctx, &inc, async |_, r| status.map(|s| r.text(s))).await;
    }
    inbound::run(&ctx, &inc, async |tx, r| {
        commands::set_season(&ctx, tx, &inc, arg, r).await
    })
    .await
}
