//! Rosters' commands and the swap button, run by the processor (`roster::commands`).
use crate::context::Ctx;
use crate::inbound::command::Command;
use crate::inbound::{self, HandlerResult, Input};
use crate::roster::commands;
use std::sync::Arc;

pub async fn duty(ctx: Arc<Ctx>, inc: Input) -> HandlerResult {
    inbound::run(&ctx, &inc, async |tx, r| {
        commands::duty(&ctx, tx, &inc, r).await
    })
    .await
}

pub async fn roster(ctx: Arc<Ctx>, inc: Input, cmd: Command) -> HandlerResult {
    let unit = cmd.args.split_whitespace().next();
    inbound::run(&ctx, &inc, async |tx, r| {
        commands::roster(&ctx, tx, &inc, unit, r).await
    })
    .await
}

pub async fn swap(ctx: Arc<Ctx>, inc: Input, cmd: Command) -> HandlerResult {
    inbound::run(&ctx, &inc, async |tx, r| {
        commands::swap(&ctx, tx, &inc, &cmd.args, r).await
    })
    .await
}

pub async fn swap_button(ctx: &Ctx, inc: &Input, id: i64, accept: bool) -> HandlerResult {
    inbound::run(ctx, inc, async |tx, r| {
        commands::answer_swap(ctx, tx, inc, id, accept, r).await
    })
    .await
}
