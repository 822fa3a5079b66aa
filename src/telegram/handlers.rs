//! The handler tree: every route an update can take, in one place. Endpoints stay thin:
//! parse, call the domain and the store, render through the locales.
use super::escalation;
use super::hazards;
use super::tips;
use super::warnings;
use super::zero;
use crate::action::Action;
use crate::config::Lang;
use crate::context::Ctx;
use crate::inbound;
use crate::inbound::command::{self, Command, Known};
use crate::inbound::{HandlerResult, Input, Press};
use crate::notice::Button;
use crate::org::{invite, Member, Role};
use crate::store::RedeemOutcome;
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

pub(super) fn role_name(ctx: &Ctx, lang: Lang, role: Role) -> String {
    ctx.i18n.t(lang, &format!("role-{}", role.as_str()), &[])
}

async fn start(ctx: Arc<Ctx>, inc: Input, cmd: Command) -> HandlerResult {
    let mut r = inc.replies();
    let l = inc.lang;
    if !inc.private {
        r.text(tr!(ctx.i18n, l, "start-private-only"));
        return r.send(&ctx).await;
    }
    let code = cmd.args.trim();
    if code.is_empty() {
        r.text(tr!(ctx.i18n, l, "start-welcome"));
        return r.send(&ctx).await;
    }
    if !invite::looks_like_code(code) {
        r.text(tr!(ctx.i18n, l, "invite-unknown"));
        return r.send(&ctx).await;
    }
    let mut tx = ctx.store.begin().await?;
    let name = inc.display_name();
    let joiner = crate::store::Joiner {
        tg_user_id: inc.user_id(),
        name: &name,
        username: inc.from.username.as_deref(),
        lang: l.code(),
    };
    let outcome = tx
        .redeem_invite(&invite::hash_code(code), &joiner, ctx.clock.now_ms())
        .await?;
    let text = match outcome {
        RedeemOutcome::Joined {
            unit_name, role, ..
        } => {
            tracing::info!(unit = %unit_name, %role, "a person joined");
            tr!(
                ctx.i18n,
                l,
                "joined",
                unit = unit_name,
                role = role_name(&ctx, l, role)
            )
        }
        RedeemOutcome::AlreadyMember {
            unit_name, role, ..
        } => {
            tr!(
                ctx.i18n,
                l,
                "already-member",
                unit = unit_name,
                role = role_name(&ctx, l, role)
            )
        }
        RedeemOutcome::Unknown => tr!(ctx.i18n, l, "invite-unknown"),
        RedeemOutcome::Expired => tr!(ctx.i18n, l, "invite-expired"),
        RedeemOutcome::UsedUp => tr!(ctx.i18n, l, "invite-used-up"),
    };
    r.text(text);
    r.commit(&ctx, tx).await
}

/// The commands the sender's roles allow, in their language.
pub fn help_text(ctx: &Ctx, member: &Member, l: Lang) -> String {
    let mut lines = vec![tr!(ctx.i18n, l, "help-title")];
    let mut keys = vec![
        "help-start",
        "help-help",
        "help-lang",
        "help-cancel",
        "help-tip",
    ];
    if [Role::DutyOfficer, Role::Supervisor, Role::Admin]
        .iter()
        .any(|r| member.has_role(*r))
    {
        keys.push("help-bind");
    }
    if member.has_role(Role::DutyOfficer) || member.has_role(Role::Supervisor) {
        keys.extend(["help-zero", "help-incident", "help-ack", "help-swap"]);
    }
    if !member.memberships.is_empty() {
        keys.push("help-ok");
    }
    if !member.memberships.is_empty() {
        keys.extend([
            "help-today",
            "help-duty",
            "help-roster",
            "help-report",
            "help-status",
        ]);
    }
    if member.has_role(Role::DutyOfficer) || member.has_role(Role::Supervisor) {
        keys.push("help-hazard-handle");
    }
    if member.has_role(Role::Supervisor) {
        keys.extend(["help-hazard-verify", "help-hazard-deadline"]);
    }
    if member.has_role(Role::Supervisor) {
        keys.extend(["help-snooze", "help-stats"]);
    }
    if member.has_role(Role::DutyOfficer) || member.has_role(Role::Supervisor) {
        keys.push("help-tip-desk");
    }
    if member.has_role(Role::Supervisor) {
        keys.push("help-reward");
    }
    if member.has_role(Role::Supervisor) || member.has_role(Role::Admin) {
        keys.extend(["help-warn", "help-warn-end", "help-warning"]);
    }
    if [Role::DutyOfficer, Role::Supervisor, Role::Admin]
        .iter()
        .any(|r| member.has_role(*r))
    {
        keys.push("help-board");
    }
    if member.has_role(Role::Admin) {
        keys.extend(["help-invite", "help-season", "help-pause"]);
    }
    lines.extend(keys.into_iter().map(|k| ctx.i18n.t(l, k, &[])));
    lines.push(String::new());
    if member.memberships.is_empty() {
        lines.push(tr!(ctx.i18n, l, "help-stranger"));
    } else {
        let roles: Vec<String> = member
            .memberships
            .iter()
            .map(|m| format!("{} {}", m.unit_name, role_name(ctx, l, m.role)))
            .collect();
        lines.push(tr!(
            ctx.i18n,
            l,
            "help-roles",
            roles = roles.join(&tr!(ctx.i18n, l, "list-separator"))
        ));
    }
    lines.join("\n")
}

async fn help(ctx: Arc<Ctx>, inc: Input) -> HandlerResult {
    let mut r = inc.replies();
    r.text(help_text(&ctx, &inc.member, inc.lang));
    r.send(&ctx).await
}

fn parse_lang(s: &str) -> Option<Lang> {
    match s.trim().to_lowercase().as_str() {
        "zh" | "zh-cn" | "cn" | "chinese" => Some(Lang::ZhCn),
        "en" | "english" => Some(Lang::En),
        _ => None,
    }
}

async fn set_lang(
    ctx: &Ctx,
    inc: &Input,
    new: Lang,
    mut r: crate::inbound::Replies,
) -> HandlerResult {
    let mut tx = ctx.store.begin().await?;
    match &inc.member.person {
        Some(p) => tx.set_person_lang(p.id, new.code()).await?,
        None => {
            tx.set_conversation_lang(inc.user_id(), inc.user_id(), new.code(), ctx.clock.now_ms())
                .await?
        }
    }
    r.text(tr!(ctx.i18n, new, "lang-set"));
    r.commit(ctx, tx).await
}

async fn lang(ctx: Arc<Ctx>, inc: Input, cmd: Command) -> HandlerResult {
    let mut r = inc.replies();
    if cmd.args.is_empty() {
        let buttons = vec![vec![
            // Each language is named in itself, whatever the current one.
            Button {
                label: tr!(ctx.i18n, Lang::ZhCn, "lang-name"),
                action: Action::Lang("zh-CN".into()),
            },
            Button {
                label: tr!(ctx.i18n, Lang::En, "lang-name"),
                action: Action::Lang("en".into()),
            },
        ]];
        r.text_with(tr!(ctx.i18n, inc.lang, "lang-choose"), buttons);
        return r.send(&ctx).await;
    }
    match parse_lang(&cmd.args) {
        Some(new) => set_lang(&ctx, &inc, new, r).await,
        None => {
            r.text(tr!(ctx.i18n, inc.lang, "lang-unknown"));
            r.send(&ctx).await
        }
    }
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
        crate::org::commands::bind(ctx, tx, inc, unit_id, r).await
    })
    .await
}

async fn bind(ctx: Arc<Ctx>, inc: Input, cmd: Command) -> HandlerResult {
    let mut r = inc.replies();
    let l = inc.lang;
    if inc.private {
        r.text(tr!(ctx.i18n, l, "bind-group-only"));
        return r.send(&ctx).await;
    }
    if !cmd.args.is_empty() {
        return bind_unit(&ctx, &inc, cmd.args.split_whitespace().next().unwrap_or("")).await;
    }
    let units = inc
        .member
        .units_with(&[Role::DutyOfficer, Role::Supervisor, Role::Admin]);
    match units.as_slice() {
        [] => {
            r.text(tr!(ctx.i18n, l, "bind-not-allowed"));
            r.send(&ctx).await
        }
        [one] => bind_unit(&ctx, &inc, &one.unit_id.clone()).await,
        many => {
            let rows = many
                .iter()
                .map(|m| {
                    vec![Button {
                        label: m.unit_name.clone(),
                        action: Action::Bind(m.unit_id.clone()),
                    }]
                })
                .collect();
            r.text_with(tr!(ctx.i18n, l, "bind-choose"), rows);
            r.send(&ctx).await
        }
    }
}

async fn invite(ctx: Arc<Ctx>, inc: Input, cmd: Command) -> HandlerResult {
    let mut r = inc.replies();
    let l = inc.lang;
    if !inc.member.has_role(Role::Admin) {
        r.text(tr!(ctx.i18n, l, "invite-not-allowed"));
        return r.send(&ctx).await;
    }
    if !inc.private {
        // Codes are secrets: never print one in a group.
        r.text(tr!(ctx.i18n, l, "private-only"));
        return r.send(&ctx).await;
    }
    let args: Vec<&str> = cmd.args.split_whitespace().collect();
    let (unit_id, role, extra) = match args.as_slice() {
        [unit, role, extra @ ..] if extra.len() <= 2 => (*unit, *role, extra),
        _ => {
            r.text(tr!(ctx.i18n, l, "invite-usage"));
            return r.send(&ctx).await;
        }
    };
    let Ok(role) = role.parse::<Role>() else {
        r.text(tr!(ctx.i18n, l, "invite-bad-role", role = role));
        return r.send(&ctx).await;
    };
    // Echo at most a little of what was typed.
    let echo = |s: &str| s.chars().take(24).collect::<String>();
    let terms = match invite::bot_terms(extra) {
        Ok(t) => t,
        Err(invite::TermsError::Uses(u)) => {
            let max = invite::BOT_MAX_USES;
            r.text(tr!(
                ctx.i18n,
                l,
                "invite-bad-uses",
                uses = echo(&u),
                max = max
            ));
            return r.send(&ctx).await;
        }
        Err(invite::TermsError::Expires(e)) => {
            r.text(tr!(
                ctx.i18n,
                l,
                "invite-bad-expires",
                expires = echo(&e),
                min = invite::BOT_MIN_EXPIRY.to_string(),
                max = invite::BOT_MAX_EXPIRY.to_string()
            ));
            return r.send(&ctx).await;
        }
        Err(invite::TermsError::TooMany) => {
            r.text(tr!(ctx.i18n, l, "invite-usage"));
            return r.send(&ctx).await;
        }
    };
    let unit = inc.units.get(unit_id);
    let allowed = inc
        .member
        .memberships
        .iter()
        .any(|m| m.role == Role::Admin && inc.units.is_within(unit_id, &m.unit_id));
    let Some(unit) = unit.filter(|_| allowed) else {
        r.text(tr!(ctx.i18n, l, "invite-unknown-unit", unit = unit_id));
        return r.send(&ctx).await;
    };
    let code = invite::new_code();
    let now = ctx.clock.now_ms();
    let expires_at = now.saturating_add(terms.expires.as_std().as_millis() as i64);
    let mut tx = ctx.store.begin().await?;
    // Per admin (`limits::Kind::Invite`); `lookout invite` is for onboarding in bulk.
    if let Some(person) = &inc.member.person {
        let key = crate::limits::Key::person(person.id);
        let kind = crate::limits::Kind::Invite;
        if !super::limited::take(&ctx, &mut tx, &mut r, l, kind, &key).await? {
            return r.commit(&ctx, tx).await;
        }
    }
    tx.create_invite(
        &invite::hash_code(&code),
        &unit.id,
        role,
        i64::from(terms.uses),
        Some(expires_at),
        now,
    )
    .await?;
    let when = crate::clock::from_ms(expires_at)
        .with_timezone(&ctx.config.timezone)
        .format("%Y-%m-%d %H:%M")
        .to_string();
    tx.add_admin_event(&crate::store::AdminEvent {
        at: now,
        kind: "invite.created",
        unit_id: Some(&unit.id),
        person_id: inc.member.person.as_ref().map(|p| p.id),
        detail: &format!("{}, uses {}, expires {when}", role.as_str(), terms.uses),
    })
    .await?;
    let link = format!("https://t.me/{}?start={code}", ctx.bot_username);
    // The code is a secret: the reply is erased from the outbox once sent.
    r.secret_text(tr!(
        ctx.i18n,
        l,
        "invite-created",
        unit = unit.name.clone(),
        role = role_name(&ctx, l, role),
        uses = terms.uses,
        expires = tr!(ctx.i18n, l, "invite-expires-at", when = when),
        link = link,
        code = code.clone()
    ));
    r.commit(&ctx, tx).await
}

/// `/board`: the sender's own board. A Mini App button with an https `board.public_url`,
/// else a personal link valid for a day (a secret: erased from the outbox once sent).
async fn board(ctx: Arc<Ctx>, inc: Input) -> HandlerResult {
    let mut r = inc.replies();
    let l = inc.lang;
    if !inc.private {
        r.text(tr!(ctx.i18n, l, "private-only"));
        return r.send(&ctx).await;
    }
    let (Some(unit), Some(person)) = (
        crate::board::own_unit(&inc.units, &inc.member),
        inc.member.person.as_ref(),
    ) else {
        r.text(tr!(ctx.i18n, l, "myboard-not-allowed"));
        return r.send(&ctx).await;
    };
    let name = inc
        .units
        .get(&unit)
        .map_or_else(|| unit.clone(), |u| u.name.clone());
    let base = match (&ctx.config.board.public_url, ctx.config.http.listen) {
        (Some(u), _) => Some(u.clone()),
        (None, Some(listen)) => url::Url::parse(&format!("http://{listen}")).ok(),
        (None, None) => None,
    };
    match base {
        Some(base) if base.scheme() == "https" => {
            let app = format!("{}/board/app", base.as_str().trim_end_matches('/'));
            let button = Button::new(tr!(ctx.i18n, l, "myboard-open"), Action::OpenApp(app));
            r.text_with(
                tr!(ctx.i18n, l, "myboard-app", unit = name),
                vec![vec![button]],
            );
        }
        Some(base) => {
            let now = ctx.clock.now_ms();
            let day = Some(now + 24 * 3_600_000);
            let token =
                crate::board::issue_token(&ctx.store, &unit, Some(person.id), now, day).await?;
            let link = crate::board::link(&base, &token);
            r.secret_text(tr!(ctx.i18n, l, "myboard-link", unit = name, link = link));
        }
        None => r.text(tr!(ctx.i18n, l, "myboard-not-served")),
    }
    r.send(&ctx).await
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
        Some(Action::Lang(code)) => {
            let mut r = inc.replies();
            match parse_lang(&code) {
                Some(new) => {
                    r.answer_press(None);
                    set_lang(&ctx, &inc, new, r).await
                }
                None => {
                    r.answer_press(Some(tr!(ctx.i18n, inc.lang, "lang-unknown")));
                    r.send(&ctx).await
                }
            }
        }
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
