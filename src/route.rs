//! Where an input goes: a button press to the feature its action names, a command to the
//! feature that owns it, any other message to the dialog waiting for it. Channel-neutral:
//! every adapter hands its [`Input`] here, and each route runs the feature in the
//! processor's transaction (`inbound::run`).
use crate::action::Action;
use crate::context::Ctx;
use crate::ids::{EscalationId, WarningId};
use crate::inbound::command::{self, Command, Known};
use crate::inbound::{self, HandlerResult, Input};
use crate::tr;
use crate::{escalation, hazard, membership, roster, tip, warning, zero_report};

/// Handle `inc`: the update is committed as handled with what it did and its replies.
pub async fn handle(ctx: &Ctx, inc: &Input) -> HandlerResult {
    if let Some(press) = &inc.press {
        return pressed(ctx, inc, Action::parse(&press.data)).await;
    }
    let parsed = inc
        .text
        .as_deref()
        .and_then(|t| command::parse(t, &ctx.bot_username));
    match parsed {
        Some(cmd) => commanded(ctx, inc, &cmd).await,
        None => message(ctx, inc).await,
    }
}

async fn commanded(ctx: &Ctx, inc: &Input, cmd: &Command) -> HandlerResult {
    use membership::commands as m;
    use tip::desk;
    let args = cmd.args.as_str();
    let first = args.split_whitespace().next();
    // `/ack` and `/close` name a tip, a hazard or (for `/ack`) an alert.
    let names_tip = tip::names_tip(args);
    let names_hazard = hazard::commands::names_hazard(args);
    match cmd.known() {
        Some(Known::Start) => {
            inbound::run(ctx, inc, async |tx, r| {
                m::start(ctx, tx, inc, args.trim(), r).await
            })
            .await
        }
        Some(Known::Help) => {
            let mut r = inc.replies();
            r.text(m::help_text(ctx, &inc.member, inc.lang));
            r.send(ctx).await
        }
        Some(Known::Lang) if args.is_empty() => {
            let mut r = inc.replies();
            m::choose_lang(ctx, inc, &mut r);
            r.send(ctx).await
        }
        Some(Known::Lang) => {
            inbound::run(ctx, inc, async |tx, r| {
                m::set_lang(ctx, tx, inc, args, r).await
            })
            .await
        }
        Some(Known::Cancel) => {
            inbound::run(ctx, inc, async |tx, r| cancel(ctx, tx, inc, r).await).await
        }
        Some(Known::Bind) => {
            inbound::run(ctx, inc, async |tx, r| {
                m::bind(ctx, tx, inc, first, r).await
            })
            .await
        }
        Some(Known::Invite) => {
            inbound::run(ctx, inc, async |tx, r| {
                m::invite(ctx, tx, inc, args, r).await
            })
            .await
        }
        Some(Known::Board) => {
            inbound::run(ctx, inc, async |tx, r| m::board(ctx, tx, inc, r).await).await
        }
        Some(Known::Ack) if names_tip => {
            inbound::run(ctx, inc, async |tx, r| {
                desk::ack_command(ctx, tx, inc, args, r).await
            })
            .await
        }
        Some(Known::Ack | Known::Close) if names_hazard => hazard_transition(ctx, inc, cmd).await,
        Some(Known::Work | Known::Done | Known::Reject | Known::Reopen) => {
            hazard_transition(ctx, inc, cmd).await
        }
        Some(Known::Report) => {
            use hazard::commands as h;
            inbound::run(ctx, inc, async |tx, r| {
                h::report(ctx, tx, inc, args, r).await
            })
            .await
        }
        Some(Known::Status) => {
            use hazard::commands as h;
            inbound::run(ctx, inc, async |tx, r| h::status(ctx, tx, inc, r).await).await
        }
        Some(Known::Merge) => {
            use hazard::commands as h;
            inbound::run(ctx, inc, async |tx, r| {
                h::merge(ctx, tx, inc, args, r).await
            })
            .await
        }
        Some(Known::Deadline) => {
            use hazard::commands as h;
            inbound::run(ctx, inc, async |tx, r| {
                h::deadline(ctx, tx, inc, args, r).await
            })
            .await
        }
        Some(Known::Ack) => {
            use escalation::commands as e;
            inbound::run(ctx, inc, async |tx, r| e::ack(ctx, tx, inc, args, r).await).await
        }
        Some(Known::Snooze) => {
            use escalation::commands as e;
            inbound::run(ctx, inc, async |tx, r| {
                e::snooze(ctx, tx, inc, args, r).await
            })
            .await
        }
        Some(Known::Season) if args.trim().is_empty() => {
            use escalation::commands as e;
            inbound::run(ctx, inc, async |tx, r| {
                e::season_status(ctx, tx, inc, r).await
            })
            .await
        }
        Some(Known::Season) => {
            use escalation::commands as e;
            let arg = args.trim();
            inbound::run(ctx, inc, async |tx, r| {
                e::set_season(ctx, tx, inc, arg, r).await
            })
            .await
        }
        Some(Known::Zero) => {
            use zero_report::commands as z;
            inbound::run(ctx, inc, async |tx, r| z::zero(ctx, tx, inc, r).await).await
        }
        Some(Known::Incident) => {
            use zero_report::commands as z;
            inbound::run(ctx, inc, async |tx, r| {
                z::incident(ctx, tx, inc, args, r).await
            })
            .await
        }
        Some(Known::Today) => {
            use zero_report::commands as z;
            inbound::run(ctx, inc, async |tx, r| z::today(ctx, tx, inc, r).await).await
        }
        Some(Known::Pause) => {
            use zero_report::commands as z;
            inbound::run(ctx, inc, async |tx, r| {
                z::pause(ctx, tx, inc, args, r).await
            })
            .await
        }
        Some(Known::Stats) => {
            use zero_report::commands as z;
            inbound::run(ctx, inc, async |tx, r| {
                z::month_stats(ctx, tx, inc, r).await
            })
            .await
        }
        Some(Known::Duty) => {
            use roster::commands as ro;
            inbound::run(ctx, inc, async |tx, r| ro::duty(ctx, tx, inc, r).await).await
        }
        Some(Known::Roster) => {
            use roster::commands as ro;
            inbound::run(ctx, inc, async |tx, r| {
                ro::roster(ctx, tx, inc, first, r).await
            })
            .await
        }
        Some(Known::Swap) => {
            use roster::commands as ro;
            inbound::run(ctx, inc, async |tx, r| {
                ro::swap(ctx, tx, inc, args, r).await
            })
            .await
        }
        Some(Known::Tip) => {
            use tip::commands as t;
            let request = t::TipRequest::parse(args);
            // The receipt code's slow hash is checked before the transaction.
            let code = t::check_code(ctx, inc, request.code()).await?;
            inbound::run(ctx, inc, async |tx, r| {
                t::tip(ctx, tx, inc, &request, code, r).await
            })
            .await
        }
        Some(Known::Reveal) => {
            use tip::commands as t;
            let code = t::check_code(ctx, inc, first.unwrap_or("")).await?;
            inbound::run(ctx, inc, async |tx, r| {
                t::reveal(ctx, tx, inc, code, r).await
            })
            .await
        }
        Some(Known::Reply) => {
            inbound::run(ctx, inc, async |tx, r| {
                desk::reply_command(ctx, tx, inc, args, r).await
            })
            .await
        }
        Some(Known::Close) => {
            inbound::run(ctx, inc, async |tx, r| {
                desk::close_command(ctx, tx, inc, args, r).await
            })
            .await
        }
        Some(Known::Reward) => {
            inbound::run(ctx, inc, async |tx, r| {
                desk::reward_command(ctx, tx, inc, args, r).await
            })
            .await
        }
        Some(Known::Forward) => {
            inbound::run(ctx, inc, async |tx, r| {
                desk::forward_command(ctx, tx, inc, args, r).await
            })
            .await
        }
        Some(Known::Warn) => {
            use warning::commands as w;
            inbound::run(ctx, inc, async |tx, r| w::warn(ctx, tx, inc, args, r).await).await
        }
        Some(Known::WarnEnd) => {
            use warning::commands as w;
            inbound::run(ctx, inc, async |tx, r| {
                w::warn_end(ctx, tx, inc, args, r).await
            })
            .await
        }
        Some(Known::Warning) => {
            use warning::commands as w;
            inbound::run(ctx, inc, async |tx, r| {
                w::figures(ctx, tx, inc, args, r).await
            })
            .await
        }
        Some(Known::Ok) => {
            use warning::commands as w;
            inbound::run(ctx, inc, async |tx, r| w::ok(ctx, tx, inc, args, r).await).await
        }
        None => {
            let mut r = inc.replies();
            // Groups hold other bots and people talking to them: stay quiet there.
            if inc.private {
                r.text(tr!(ctx.i18n, inc.lang, "unknown-command"));
            }
            r.send(ctx).await
        }
    }
}

async fn hazard_transition(ctx: &Ctx, inc: &Input, cmd: &Command) -> HandlerResult {
    use hazard::commands as h;
    inbound::run(ctx, inc, async |tx, r| {
        h::transition(ctx, tx, inc, cmd, r).await
    })
    .await
}

/// `/cancel`: whatever the conversation was in the middle of (a draft, a question), and a
/// tip draft or relay session.
async fn cancel(
    ctx: &Ctx,
    tx: &mut crate::store::Tx,
    inc: &Input,
    r: &mut inbound::Replies,
) -> Result<(), crate::store::StoreError> {
    let had = tx
        .clear_conversation_state(inc.chat_id, inc.user_id())
        .await?;
    let had_tip = tip::commands::cancel(ctx, tx, inc).await?;
    if had_tip {
        // The answer may go to a tipster: keep it out of the outbox once sent.
        r.anonymous();
    }
    let key = if had || had_tip {
        "cancel-done"
    } else {
        "cancel-nothing"
    };
    r.text(tr!(ctx.i18n, inc.lang, key));
    Ok(())
}

async fn pressed(ctx: &Ctx, inc: &Input, action: Option<Action>) -> HandlerResult {
    use hazard::commands as h;
    use tip::{commands as t, desk};
    use warning::commands::{self as w, DraftPress};
    use zero_report::commands as z;
    let Some(action) = action else {
        return expired(ctx, inc).await;
    };
    match action {
        Action::Lang(code) => {
            inbound::run(ctx, inc, async |tx, r| {
                membership::commands::set_lang(ctx, tx, inc, &code, r).await
            })
            .await
        }
        Action::Bind(unit) if !inc.private => {
            inbound::run(ctx, inc, async |tx, r| {
                membership::commands::bind_unit(ctx, tx, inc, &unit, r).await
            })
            .await
        }
        Action::Ack(id) => {
            use escalation::commands as e;
            inbound::run(ctx, inc, async |tx, r| {
                e::acknowledge(ctx, tx, inc, EscalationId(id), r).await
            })
            .await
        }
        Action::Hazard { act, id } => {
            inbound::run(ctx, inc, async |tx, r| {
                h::report_pressed(ctx, tx, inc, act, id, r).await
            })
            .await
        }
        Action::HzUnit(unit) => {
            inbound::run(ctx, inc, async |tx, r| {
                h::choose_unit(ctx, tx, inc, &unit, r).await
            })
            .await
        }
        Action::HzCategory(c) => {
            inbound::run(ctx, inc, async |tx, r| {
                h::choose_category(ctx, tx, inc, &c, r).await
            })
            .await
        }
        Action::HzSubmit { major } => {
            inbound::run(ctx, inc, async |tx, r| {
                h::submit(ctx, tx, inc, major, r).await
            })
            .await
        }
        Action::HzCancel => {
            inbound::run(ctx, inc, async |tx, r| {
                h::cancel_draft(ctx, tx, inc, r).await
            })
            .await
        }
        Action::HzJoin(id) => {
            inbound::run(ctx, inc, async |tx, r| h::join(ctx, tx, inc, id, r).await).await
        }
        Action::Zero {
            round,
            unit,
            incident,
        } => {
            inbound::run(ctx, inc, async |tx, r| {
                z::reminder_button(ctx, tx, inc, round, &unit, incident, r).await
            })
            .await
        }
        Action::ZeroFor { unit, incident } => {
            inbound::run(ctx, inc, async |tx, r| {
                z::chosen_unit(ctx, tx, inc, &unit, incident, r).await
            })
            .await
        }
        Action::TipAck(id) => {
            inbound::run(ctx, inc, async |tx, r| {
                desk::acknowledge(ctx, tx, inc, id, r).await
            })
            .await
        }
        Action::TipReply(id) => {
            let answer = desk::Answer::Reply;
            inbound::run(ctx, inc, async |tx, r| {
                desk::ask_answer(ctx, tx, inc, id, answer, r).await
            })
            .await
        }
        Action::TipClose(id) => {
            let answer = desk::Answer::Close;
            inbound::run(ctx, inc, async |tx, r| {
                desk::ask_answer(ctx, tx, inc, id, answer, r).await
            })
            .await
        }
        Action::TipSend => {
            // The receipt code's slow hash is made before the transaction.
            let code = t::code_for_draft(ctx, inc).await?;
            inbound::run(ctx, inc, async |tx, r| t::send(ctx, tx, inc, code, r).await).await
        }
        Action::TipDrop => {
            inbound::run(ctx, inc, async |tx, r| t::drop_draft(ctx, tx, inc, r).await).await
        }
        Action::TipReveal(id) => {
            let who = &inc.from.account;
            inbound::run(ctx, inc, async |tx, r| {
                t::confirm_reveal(ctx, tx, inc, id, who, r).await
            })
            .await
        }
        Action::TipStayAnonymous => {
            inbound::run(ctx, inc, async |tx, r| {
                t::stay_anonymous(ctx, tx, inc, r).await
            })
            .await
        }
        Action::WarnOk(id) => {
            let id = WarningId(id);
            inbound::run(ctx, inc, async |tx, r| {
                w::received(ctx, tx, inc, id, r).await
            })
            .await
        }
        Action::WarnUnit(u) => warn_draft(ctx, inc, DraftPress::Unit(u)).await,
        Action::WarnLevel(lv) => warn_draft(ctx, inc, DraftPress::Level(lv)).await,
        Action::WarnExpiry(h) => warn_draft(ctx, inc, DraftPress::Expiry(h)).await,
        Action::WarnIssue { exercise } => {
            warn_draft(ctx, inc, DraftPress::Issue { exercise }).await
        }
        Action::WarnDrop => warn_draft(ctx, inc, DraftPress::Drop).await,
        Action::Swap { id, accept } => {
            use roster::commands as ro;
            inbound::run(ctx, inc, async |tx, r| {
                ro::answer_swap(ctx, tx, inc, id, accept, r).await
            })
            .await
        }
        // A group's bind button pressed in private, or a button that carries no callback.
        Action::Bind(_) | Action::OpenApp(_) => expired(ctx, inc).await,
    }
}

async fn warn_draft(ctx: &Ctx, inc: &Input, press: warning::commands::DraftPress) -> HandlerResult {
    use warning::commands as w;
    inbound::run(ctx, inc, async |tx, r| {
        w::draft_press(ctx, tx, inc, press, r).await
    })
    .await
}

/// A button nobody handles (unreadable, or from before an upgrade).
async fn expired(ctx: &Ctx, inc: &Input) -> HandlerResult {
    let mut r = inc.replies();
    r.answer_press(Some(tr!(ctx.i18n, inc.lang, "button-expired")));
    r.send(ctx).await
}

/// A message that is no command: the dialog waiting for it, in order, or "not understood".
async fn message(ctx: &Ctx, inc: &Input) -> HandlerResult {
    use hazard::commands as h;
    use tip::{commands as t, desk};
    use warning::commands as w;
    use zero_report::commands as z;
    // A handler's reply or outcome after pressing a tip's button, then a tipster's draft or
    // follow-up: both before the other dialogs.
    if desk::awaits_answer(ctx, inc).await {
        return inbound::run(ctx, inc, async |tx, r| desk::answer(ctx, tx, inc, r).await).await;
    }
    if t::takes_message(ctx, inc).await {
        let received = t::Received::of(inc);
        return inbound::run(ctx, inc, async |tx, r| {
            t::message(ctx, tx, inc, received, r).await
        })
        .await;
    }
    if w::takes_text(inc) {
        return inbound::run(ctx, inc, async |tx, r| w::draft_text(ctx, tx, inc, r).await).await;
    }
    if let Some(awaited) = z::awaited_incident(inc) {
        return inbound::run(ctx, inc, async |tx, r| {
            z::incident_text(ctx, tx, inc, &awaited, r).await
        })
        .await;
    }
    if let Some(followup) = z::followup(ctx, inc) {
        return inbound::run(ctx, inc, async |tx, r| {
            z::forward_followup(ctx, tx, inc, &followup, r).await
        })
        .await;
    }
    if let Some(reason) = h::reason_given(inc) {
        return inbound::run(ctx, inc, async |tx, r| {
            h::give_reason(ctx, tx, inc, &reason, r).await
        })
        .await;
    }
    if let Some(evidence) = h::evidence_in(ctx, inc) {
        return inbound::run(ctx, inc, async |tx, r| {
            h::add_evidence(ctx, tx, inc, &evidence, r).await
        })
        .await;
    }
    if let Some(d) = h::draft_for(ctx, inc) {
        return inbound::run(ctx, inc, async |tx, r| {
            h::add_to_draft(ctx, tx, inc, d, r).await
        })
        .await;
    }
    let mut r = inc.replies();
    if inc.private {
        r.text(tr!(ctx.i18n, inc.lang, "not-understood"));
    }
    r.send(ctx).await
}
