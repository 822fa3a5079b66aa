//! Warnings in the chat: `/warn UNIT LEVEL TEXT` or step by step, Received (or `/ok W-7`),
//! `/warn_end W-7 [TEXT]` and the figures of `/warning W-7`. The rules are the domain's
//! (`crate::warning::commands`); these endpoints only hand over what arrived.
use crate::action::Action;
use crate::context::Ctx;
use crate::ids::WarningId;
use crate::inbound::command::Command;
use crate::inbound::{self, HandlerResult, Input};
use crate::tr;
use crate::warning::commands::{self, DraftPress};
use std::sync::Arc;

pub async fn warn_command(ctx: Arc<Ctx>, inc: Input, cmd: Command) -> HandlerResult {
    let ctx = &*ctx;
    inbound::run(ctx, &inc, async |tx, r| {
        commands::warn(ctx, tx, &inc, &cmd.args, r).await
    })
    .await
}

/// The draft's buttons (only these actions are routed here).
pub async fn draft_button(ctx: &Ctx, inc: &Input, a: Action) -> HandlerResult {
    let press = match a {
        Action::WarnUnit(u) => DraftPress::Unit(u),
        Action::WarnLevel(lv) => DraftPress::Level(lv),
        Action::WarnExpiry(h) => DraftPress::Expiry(h),
        Action::WarnIssue { exercise } => DraftPress::Issue { exercise },
        Action::WarnDrop => DraftPress::Drop,
        _ => {
            // Not a draft's button: answered as any button nobody handles.
            let mut r = inc.replies();
            r.answer_press(Some(tr!(ctx.i18n, inc.lang, "button-expired")));
            return r.send(ctx).await;
        }
    };
    inbound::run(ctx, inc, async |tx, r| {
        commands::draft_press(ctx, tx, inc, press, r).await
    })
    .await
}

/// The text of a draft waiting for it.
pub async fn draft_text(ctx: &Ctx, inc: &Input) -> Option<HandlerResult> {
    if !commands::takes_text(inc) {
        return None;
    }
    Some(
        inbound::run(ctx, inc, async |tx, r| {
            commands::draft_text(ctx, tx, inc, r).await
        })
        .await,
    )
}

pub async fn ok_button(ctx: &Ctx, inc: &Input, id: i64) -> HandlerResult {
    let id = WarningId(id);
    inbound::run(ctx, inc, async |tx, r| {
        commands::received(ctx, tx, inc, id, r).await
    })
    .await
}

pub async fn ok_command(ctx: Arc<Ctx>, inc: Input, cmd: Command) -> HandlerResult {
    let ctx = &*ctx;
    inbound::run(ctx, &inc, async |tx, r| {
        commands::ok(ctx, tx, &inc, &cmd.args, r).await
    })
    .await
}

pub async fn end_command(ctx: Arc<Ctx>, inc: Input, cmd: Command) -> HandlerResult {
    let ctx = &*ctx;
    inbound::run(ctx, &inc, async |tx, r| {
        commands::warn_end(ctx, tx, &inc, &cmd.args, r).await
    })
    .await
}

pub async fn figures_command(ctx: Arc<Ctx>, inc: Input, cmd: Command) -> HandlerResult {
    let ctx = &*ctx;
    inbound::run(ctx, &inc, async |tx, r| {
        commands::figures(ctx, tx, &inc, &cmd.args, r).await
    })
    .await
}
