//! The handler tree: every route an update can take, in one place. Endpoints stay thin:
//! parse, call the domain and the store, render through the locales.
use super::escalation;
use super::hazards;
use super::tips;
use super::warnings;
use super::zero;
use crate::action::Action;
use crate::context::Ctx;
use crate::inbound;
use crate::inbound::command::{self, Command, Known};
use crate::inbound::{HandlerResult, Input, Press};
use crate::org::commands as org;
use crate::tr;
use std::sync::Arc;
use teloxide::dptree::{self, Handler};

pub type Schema = dptree::Handler<'static, HandlerResult, dptree::description::Unspecified>;

fn command(k: Known) -> Handler<'static, HandlerResult, dptree::description::Unspecified> {
    dptree::filter(move |c: Command| c.known() == Some(k))
}

pub fn schema() -> Schema {
    let commands = dptree::filter_map(|inc: Input, ctx: Arc<Ctx>| {
        inc.text
            .as_deref()
            .and_then(|t| command::parse(t, &ctx.bot_username))
    })
    .branch(command(Known::Start).endpoint(start))
    .branch(command(Known::Help).endpoint(help))
    .branch(command(Known::Lang).endpoint(lang))
    .branch(command(Known::Cancel).endpoint(cancel))
    .branch(command(Known::Bind).endpoint(bind))
    .branch(command(Known::Invite).endpoint(invite))
    .branch(
        command(Known::Ack)
            .filter(|c: Command| crate::tip::names_tip(&c.args))
            .endpoint(tips::ack_command),
    )
    .branch(
        command(Known::Ack)
            .filter(|c: Command| hazards::names_hazard(&c.args))
            .endpoint(hazards::transition_command),
    )
    .branch(
        command(Known::Close)
            .filter(|c: Command| hazards::names_hazard(&c.args))
            .endpoint(hazards::transition_command),
    )
    .branch(command(Known::Report).endpoint(hazards::report_command))
    .branch(command(Known::Work).endpoint(hazards::transition_command))
    .branch(command(Known::Done).endpoint(hazards::transition_command))
    .branch(command(Known::Reject).endpoint(hazards::transition_command))
    .branch(command(Known::Reopen).endpoint(hazards::transition_command))
    .branch(command(Known::Status).endpoint(hazards::status))
    .branch(command(Known::Merge).endpoint(hazards::merge))
    .branch(command(Known::Deadline).endpoint(hazards::deadline))
    .branch(command(Known::Ack).endpoint(escalation::ack_command))
    .branch(command(Known::Snooze).endpoint(escalation::snooze))
    .branch(command(Known::Season).endpoint(escalation::season_command))
    .branch(command(Known::Zero).endpoint(zero::zero))
    .branch(command(Known::Incident).endpoint(zero::incident))
    .branch(command(Known::Today).endpoint(zero::today))
    .branch(command(Known::Duty).endpoint(super::roster::duty))
    .branch(command(Known::Roster).endpoint(super::roster::roster))
    .branch(command(Known::Swap).endpoint(super::roster::swap))
    .branch(command(Known::Pause).endpoint(zero::pause))
    .branch(command(Known::Stats).endpoint(zero::month_stats))
    .branch(command(Known::Tip).endpoint(tips::tip_command))
    .branch(command(Known::Reply).endpoint(tips::reply_command))
    .branch(command(Known::Close).endpoint(tips::close_command))
    .branch(command(Known::Reward).endpoint(tips::reward_command))
    .branch(command(Known::Reveal).endpoint(tips::reveal_command))
    .branch(command(Known::Forward).endpoint(tips::forward_command))
    .branch(command(Known::Warn).endpoint(warnings::warn_command))
    .branch(command(Known::WarnEnd).endpoint(warnings::end_command))
    .branch(command(Known::Warning).endpoint(warnings::figures_command))
    .branch(command(Known::Ok).endpoint(warnings::ok_command))
    .branch(command(Known::Board).endpoint(board))
    .endpoint(unknown_command);

    dptree::entry()
        .branch(dptree::filter_map(|inc: Input| inc.press.clone()).endpoint(press))
        .branch(commands)
        // A handler's reply or outcome after pressing a tip's button, then a tipster's
        // draft or follow-up: both before the generic answer.
        .branch(dptree::filter_async(tips::awaiting_desk_text).endpoint(tips::desk_text))
        .branch(dptree::filter_async(tips::in_tip_chat).endpoint(tips::tipster_message))
        .endpoint(other_message)
}

async fn start(ctx: Arc<Ctx>, inc: Input, cmd: Command) -> HandlerResult {
    let code = cmd.args.trim();
    inbound::run(&ctx, &inc, async |tx, r| {
        org::start(&ctx, tx, &inc, code, r).await
    })
    .await
}

async fn help(ctx: Arc<Ctx>, inc: Input) -> HandlerResult {
    let mut r = inc.replies();
    r.text(org::help_text(&ctx, &inc.member, inc.lang));
    r.send(&ctx).await
}

async fn lang(ctx: Arc<Ctx>, inc: Input, cmd: Command) -> HandlerResult {
    if cmd.args.is_empty() {
        let mut r = inc.replies();
        org::choose_lang(&ctx, &inc, &mut r);
        return r.send(&ctx).await;
    }
    set_lang(&ctx, &inc, &cmd.args).await
}

async fn set_lang(ctx: &Ctx, inc: &Input, code: &str) -> HandlerResult {
    inbound::run(ctx, inc, async |tx, r| {
        org::set_lang(ctx, tx, inc, code, r).await
    })
    .await
}

async fn cancel(ctx: Arc<Ctx>, inc: Input) -> HandlerResult {
    let mut r = inc.replies();
    let mut tx = ctx.store.begin().await?;
    let had = tx
        .clear_conversation_state(inc.chat_id, inc.user_id())
        .await?;
    let had_tip = tips::cancel(&ctx, &mut tx, &inc).await?;
    if had_tip {
        // The answer may go to a tipster: keep it out of the outbox once sent.
        r.anonymous();
    }
    r.text(tr!(
        ctx.i18n,
        inc.lang,
        if had || had_tip {
            "cancel-done"
        } else {
            "cancel-nothing"
        }
    ));
    r.commit(&ctx, tx).await
}

async fn bind_unit(ctx: &Ctx, inc: &Input, unit_id: &str) -> HandlerResult {
    inbound::run(ctx, inc, async |tx, r| {
        org::bind_unit(ctx, tx, inc, unit_id, r).await
    })
    .await
}

async fn bind(ctx: Arc<Ctx>, inc: Input, cmd: Command) -> HandlerResult {
    let unit = cmd.args.split_whitespace().next();
    inbound::run(&ctx, &inc, async |tx, r| {
        org::bind(&ctx, tx, &inc, unit, r).await
    })
    .await
}

async fn invite(ctx: Arc<Ctx>, inc: Input, cmd: Command) -> HandlerResult {
    inbound::run(&ctx, &inc, async |tx, r| {
        org::invite(&ctx, tx, &inc, &cmd.args, r).await
    })
    .await
}

async fn board(ctx: Arc<Ctx>, inc: Input) -> HandlerResult {
    inbound::run(&ctx, &inc, async |tx, r| {
        org::board(&ctx, tx, &inc, r).await
    })
    .await
}

async fn unknown_command(ctx: Arc<Ctx>, inc: Input) -> HandlerResult {
    let mut r = inc.replies();
    // Groups hold other bots and people talking to them: stay quiet there.
    if inc.private {
        r.text(tr!(ctx.i18n, inc.lang, "unknown-command"));
    }
    r.send(&ctx).await
}

async fn other_message(ctx: Arc<Ctx>, inc: Input) -> HandlerResult {
    if let Some(done) = warnings::draft_text(&ctx, &inc).await {
        return done;
    }
    if let Some(done) = zero::incident_text(&ctx, &inc).await {
        return done;
    }
    if let Some(done) = zero::incident_media(&ctx, &inc).await {
        return done;
    }
    if let Some(done) = hazards::reject_reason(&ctx, &inc).await {
        return done;
    }
    if let Some(done) = hazards::evidence_photo(&ctx, &inc).await {
        return done;
    }
    if let Some(done) = hazards::draft_message(&ctx, &inc).await {
        return done;
    }
    let mut r = inc.replies();
    if inc.private {
        r.text(tr!(ctx.i18n, inc.lang, "not-understood"));
    }
    r.send(&ctx).await
}

async fn press(ctx: Arc<Ctx>, inc: Input, press: Press) -> HandlerResult {
    match Action::parse(&press.data) {
        Some(Action::Lang(code)) => set_lang(&ctx, &inc, &code).await,
        Some(Action::Bind(unit)) if !inc.private => bind_unit(&ctx, &inc, &unit).await,
        Some(Action::Ack(id)) => escalation::acknowledge(&ctx, &inc, id).await,
        Some(Action::Hazard { act, id }) => hazards::report_button(&ctx, &inc, act, id).await,
        Some(
            a @ (Action::HzCategory(_)
            | Action::HzUnit(_)
            | Action::HzSubmit { .. }
            | Action::HzCancel
            | Action::HzJoin(_)),
        ) => hazards::draft_button(&ctx, &inc, a).await,
        Some(Action::Zero {
            round,
            unit,
            incident,
        }) => zero::reminder_button(&ctx, &inc, round, &unit, incident).await,
        Some(Action::ZeroFor { unit, incident }) => {
            zero::chosen_unit(&ctx, &inc, &unit, incident).await
        }
        Some(
            a @ (Action::TipSend
            | Action::TipDrop
            | Action::TipReveal(_)
            | Action::TipStayAnonymous
            | Action::TipAck(_)
            | Action::TipReply(_)
            | Action::TipClose(_)),
        ) => tips::press(&ctx, &inc, a).await,
        Some(Action::WarnOk(id)) => warnings::ok_button(&ctx, &inc, id).await,
        Some(
            a @ (Action::WarnUnit(_)
            | Action::WarnLevel(_)
            | Action::WarnExpiry(_)
            | Action::WarnIssue { .. }
            | Action::WarnDrop),
        ) => warnings::draft_button(&ctx, &inc, a).await,
        Some(Action::Swap { id, accept }) => {
            super::roster::swap_button(&ctx, &inc, id, accept).await
        }
        _ => {
            let mut r = inc.replies();
            r.answer_press(Some(tr!(ctx.i18n, inc.lang, "button-expired")));
            r.send(&ctx).await
        }
    }
}
