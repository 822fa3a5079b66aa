//! What a person does with the organisation from a chat: joining with an invite code, the
//! help their roles allow, their language, binding a group as a unit's duty room, inviting
//! others (admins), and the link to their own board.
use super::Grant;
use crate::action::Action;
use crate::config::Lang;
use crate::context::Ctx;
use crate::inbound::{HandlerError, Input, Refusal, Replies};
use crate::notice::Button;
use crate::org::invite::{self, TermsError};
use crate::org::{Member, Role};
use crate::store::{AdminEvent, Joiner, RedeemOutcome, Tx};
use crate::tr;

/// `/start [CODE]` in a private chat: a welcome, or joining the unit of an invite code.
pub async fn start(
    ctx: &Ctx,
    tx: &mut Tx,
    inc: &Input,
    code: &str,
    r: &mut Replies,
) -> Result<(), HandlerError> {
    let l = inc.lang;
    if !inc.private {
        return Err(Refusal::new("start-private-only").into());
    }
    if code.is_empty() {
        r.text(tr!(ctx.i18n, l, "start-welcome"));
        return Ok(());
    }
    if !invite::looks_like_code(code) {
        return Err(Refusal::new("invite-unknown").into());
    }
    let name = inc.display_name();
    let joiner = Joiner {
        tg_user_id: inc.user_id(),
        name: &name,
        username: inc.from.username.as_deref(),
        lang: l.code(),
    };
    let outcome = tx
        .redeem_invite(&invite::hash_code(code), &joiner, ctx.clock.now_ms())
        .await?;
    r.text(match outcome {
        RedeemOutcome::Joined {
            unit_name, role, ..
        } => {
            tracing::info!(unit = %unit_name, %role, "a person joined");
            let role = role.name(&ctx.i18n, l);
            tr!(ctx.i18n, l, "joined", unit = unit_name, role = role)
        }
        RedeemOutcome::AlreadyMember {
            unit_name, role, ..
        } => {
            let role = role.name(&ctx.i18n, l);
            tr!(ctx.i18n, l, "already-member", unit = unit_name, role = role)
        }
        RedeemOutcome::Unknown => tr!(ctx.i18n, l, "invite-unknown"),
        RedeemOutcome::Expired => tr!(ctx.i18n, l, "invite-expired"),
        RedeemOutcome::UsedUp => tr!(ctx.i18n, l, "invite-used-up"),
    });
    Ok(())
}

/// `/bind [UNIT]` in a group: binds the unit named, or the sender's one unit they may bind,
/// or offers the units to choose from.
pub async fn bind(
    ctx: &Ctx,
    tx: &mut Tx,
    inc: &Input,
    unit_id: Option<&str>,
    r: &mut Replies,
) -> Result<(), HandlerError> {
    if inc.private {
        return Err(Refusal::new("bind-group-only").into());
    }
    if let Some(unit_id) = unit_id {
        return bind_unit(ctx, tx, inc, unit_id, r).await;
    }
    let units = inc
        .member
        .units_with(&[Role::DutyOfficer, Role::Supervisor, Role::Admin]);
    match units.as_slice() {
        [] => Err(Refusal::new("bind-not-allowed").into()),
        [one] => bind_unit(ctx, tx, inc, &one.unit_id.clone(), r).await,
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
            r.text_with(tr!(ctx.i18n, inc.lang, "bind-choose"), rows);
            Ok(())
        }
    }
}

/// `/bind UNIT` or its button in a group: this chat becomes the unit's duty room, moved
/// from the one it was bound to before, if any.
pub async fn bind_unit(
    ctx: &Ctx,
    tx: &mut Tx,
    inc: &Input,
    unit_id: &str,
    r: &mut Replies,
) -> Result<(), HandlerError> {
    if !inc.member.may_bind(&inc.units, unit_id) {
        return Err(Refusal::new("bind-unknown-unit")
            .with("unit", unit_id)
            .into());
    }
    let previous = tx.bind_duty_room(unit_id, inc.chat_id).await?;
    let moved = previous
        .as_deref()
        .map(|p| format!("moved from {p}"))
        .unwrap_or_default();
    tx.add_admin_event(&AdminEvent {
        at: ctx.clock.now_ms(),
        kind: "duty_room.bound",
        unit_id: Some(unit_id),
        person_id: inc.member.person.as_ref().map(|p| p.id),
        detail: &moved,
    })
    .await?;
    let name = inc
        .units
        .get(unit_id)
        .map_or_else(|| unit_id.to_string(), |u| u.name.clone());
    let previous_name = previous.map(|p| inc.units.get(&p).map_or(p, |u| u.name.clone()));
    tracing::info!(unit = unit_id, chat = inc.chat_id, "duty room bound");
    let l = inc.lang;
    r.answer_press(None);
    r.text(match previous_name {
        Some(previous) => tr!(ctx.i18n, l, "bind-moved", unit = name, previous = previous),
        None => tr!(ctx.i18n, l, "bind-done", unit = name),
    });
    Ok(())
}

/// A language as typed or carried by a button (`zh`, `en`…).
pub fn parse_lang(s: &str) -> Option<Lang> {
    match s.trim().to_lowercase().as_str() {
        "zh" | "zh-cn" | "cn" | "chinese" => Some(Lang::ZhCn),
        "en" | "english" => Some(Lang::En),
        _ => None,
    }
}

/// `/lang`: the choice of languages, each named in itself.
pub fn choose_lang(ctx: &Ctx, inc: &Input, r: &mut Replies) {
    let buttons = vec![vec![
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
}

/// `/lang CODE` or a language's button: the sender's language from now on (a stranger's
/// is kept with their conversation).
pub async fn set_lang(
    ctx: &Ctx,
    tx: &mut Tx,
    inc: &Input,
    code: &str,
    r: &mut Replies,
) -> Result<(), HandlerError> {
    let Some(new) = parse_lang(code) else {
        if inc.press.is_some() {
            r.answer_press(Some(tr!(ctx.i18n, inc.lang, "lang-unknown")));
            return Ok(());
        }
        return Err(Refusal::new("lang-unknown").into());
    };
    match &inc.member.person {
        Some(p) => tx.set_person_lang(p.id, new.code()).await?,
        None => {
            let now = ctx.clock.now_ms();
            tx.set_conversation_lang(inc.user_id(), inc.user_id(), new.code(), now)
                .await?
        }
    }
    r.answer_press(None);
    r.text(tr!(ctx.i18n, new, "lang-set"));
    Ok(())
}

/// What `/invite` was asked for: unit, role and terms, or what to tell the admin.
fn invite_args(args: &str) -> Result<(&str, Role, invite::BotInviteTerms), Refusal> {
    let args: Vec<&str> = args.split_whitespace().collect();
    let [unit_id, role, extra @ ..] = args.as_slice() else {
        return Err(Refusal::new("invite-usage"));
    };
    let role = role
        .parse::<Role>()
        .map_err(|_| Refusal::new("invite-bad-role").with("role", *role))?;
    // Echo at most a little of what was typed.
    let echo = |s: &str| s.chars().take(24).collect::<String>();
    let terms = invite::bot_terms(extra).map_err(|e| match e {
        TermsError::Uses(u) => Refusal::new("invite-bad-uses")
            .with("uses", echo(&u))
            .with("max", i64::from(invite::BOT_MAX_USES)),
        TermsError::Expires(e) => Refusal::new("invite-bad-expires")
            .with("expires", echo(&e))
            .with("min", invite::BOT_MIN_EXPIRY.to_string())
            .with("max", invite::BOT_MAX_EXPIRY.to_string()),
        TermsError::TooMany => Refusal::new("invite-usage"),
    })?;
    Ok((unit_id, role, terms))
}

/// `/invite UNIT ROLE [USES] [EXPIRES]` (admins, in private): a code for the unit or one
/// below the admin's, shown once (the reply is erased from the outbox once sent).
pub async fn invite(
    ctx: &Ctx,
    tx: &mut Tx,
    inc: &Input,
    args: &str,
    r: &mut Replies,
) -> Result<(), HandlerError> {
    let l = inc.lang;
    if !inc.member.has_role(Role::Admin) {
        return Err(Refusal::new("invite-not-allowed").into());
    }
    if !inc.private {
        // Codes are secrets: never print one in a group.
        return Err(Refusal::new("private-only").into());
    }
    let (unit_id, role, terms) = invite_args(args)?;
    let Some(unit) = inc
        .units
        .get(unit_id)
        .filter(|_| inc.member.administers(&inc.units, unit_id))
    else {
        return Err(Refusal::new("invite-unknown-unit")
            .with("unit", unit_id)
            .into());
    };
    // Per admin (`limits::Kind::Invite`); `lookout invite` is for onboarding in bulk.
    if let Some(person) = &inc.member.person {
        let key = crate::limits::Key::person(person.id);
        if !crate::limits::take_or_say(ctx, tx, r, l, crate::limits::Kind::Invite, &key).await? {
            return Ok(());
        }
    }
    let now = ctx.clock.now_ms();
    let expires_at = now.saturating_add(terms.expires.as_std().as_millis() as i64);
    let when = crate::clock::from_ms(expires_at)
        .with_timezone(&ctx.config.timezone)
        .format("%Y-%m-%d %H:%M")
        .to_string();
    let grant = Grant {
        unit_id: &unit.id,
        role,
        uses: terms.uses,
        expires_at: Some(expires_at),
    };
    let by = inc.member.person.as_ref().map(|p| p.id);
    let expiry = format!("expires {when}");
    let code = super::issue_invite(tx, &grant, by, Some(&expiry), now).await?;
    let link = format!("https://t.me/{}?start={code}", ctx.bot_username);
    r.secret_text(tr!(
        ctx.i18n,
        l,
        "invite-created",
        unit = unit.name.clone(),
        role = role.name(&ctx.i18n, l),
        uses = terms.uses,
        expires = tr!(ctx.i18n, l, "invite-expires-at", when = when),
        link = link,
        code = code
    ));
    Ok(())
}

/// `/board`: the sender's own board. A Mini App button with an https `board.public_url`,
/// else a personal link valid for a day (a secret: erased from the outbox once sent).
pub async fn board(
    ctx: &Ctx,
    tx: &mut Tx,
    inc: &Input,
    r: &mut Replies,
) -> Result<(), HandlerError> {
    let l = inc.lang;
    if !inc.private {
        return Err(Refusal::new("private-only").into());
    }
    let (Some(unit), Some(person)) = (
        crate::board::own_unit(&inc.units, &inc.member),
        inc.member.person.as_ref(),
    ) else {
        return Err(Refusal::new("myboard-not-allowed").into());
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
            let text = tr!(ctx.i18n, l, "myboard-app", unit = name);
            r.text_with(text, vec![vec![button]]);
        }
        Some(base) => {
            let now = ctx.clock.now_ms();
            let day = Some(now + 24 * 3_600_000);
            let token = crate::board::issue_token_in(tx, &unit, Some(person.id), now, day).await?;
            let link = crate::board::link(&base, &token);
            r.secret_text(tr!(ctx.i18n, l, "myboard-link", unit = name, link = link));
        }
        None => r.text(tr!(ctx.i18n, l, "myboard-not-served")),
    }
    Ok(())
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
            .map(|m| format!("{} {}", m.unit_name, m.role.name(&ctx.i18n, l)))
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
