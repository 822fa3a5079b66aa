//! `/duty`: who is on shift now in the sender's units and the units above them; `/roster
//! [UNIT]`: a unit's roster for the coming week; `/swap DATE @someone`: hand a shift to a
//! colleague, who accepts with a button.
use crate::action::Action;
use crate::config::Lang;
use crate::context::Ctx;
use crate::inbound::{HandlerError, Input, Refusal, Replies};
use crate::notice::{Button, Notice};
use crate::org::{Role, Unit};
use crate::store::{Swap, SwapState, Tx};
use crate::tr;
use chrono::NaiveDate;

/// Days `/roster` shows, from the current shift's.
const WEEK: usize = 7;

/// A shift's people of one role, named with their @usernames; "no roster" when none.
fn names(ctx: &Ctx, l: Lang, shift: &[(Role, String, Option<String>)], role: Role) -> String {
    let named: Vec<String> = shift
        .iter()
        .filter(|(r, _, _)| *r == role)
        .map(|(_, name, username)| match username {
            Some(u) => format!("{name} @{u}"),
            None => name.clone(),
        })
        .collect();
    if named.is_empty() {
        tr!(ctx.i18n, l, "duty-nobody")
    } else {
        named.join(&tr!(ctx.i18n, l, "list-separator"))
    }
}

/// `/duty`: today's shift of the sender's units and of those above them, nearest first.
pub async fn duty(
    ctx: &Ctx,
    tx: &mut Tx,
    inc: &Input,
    r: &mut Replies,
) -> Result<(), HandlerError> {
    let l = inc.lang;
    if inc.member.memberships.is_empty() {
        return Err(Refusal::new("duty-not-allowed").into());
    }
    let mut units: Vec<&Unit> = Vec::new();
    for m in &inc.member.memberships {
        for u in inc.units.chain(&m.unit_id) {
            if !units.iter().any(|k| k.id == u.id) {
                units.push(u);
            }
        }
    }
    let day = ctx
        .config
        .roster
        .shift_day(ctx.config.timezone, ctx.clock.now_ms());
    let mut lines = vec![tr!(
        ctx.i18n,
        l,
        "duty-title",
        day = day.format("%Y-%m-%d").to_string(),
        start = ctx.config.roster.shift_start.format("%H:%M").to_string()
    )];
    for unit in units {
        let shift = tx.shift(&unit.id, day).await?;
        lines.push(tr!(
            ctx.i18n,
            l,
            "duty-unit",
            unit = unit.name.clone(),
            officers = names(ctx, l, &shift, Role::DutyOfficer),
            leaders = names(ctx, l, &shift, Role::Supervisor)
        ));
    }
    r.text(lines.join("\n").chars().take(4000).collect());
    Ok(())
}

/// `/roster [UNIT]`: the coming week's shifts of UNIT (default: the sender's first unit),
/// for members of it or of a unit above it.
pub async fn roster(
    ctx: &Ctx,
    tx: &mut Tx,
    inc: &Input,
    unit: Option<&str>,
    r: &mut Replies,
) -> Result<(), HandlerError> {
    let l = inc.lang;
    let Some(first) = inc.member.memberships.first() else {
        return Err(Refusal::new("duty-not-allowed").into());
    };
    let asked = unit.unwrap_or(&first.unit_id);
    let allowed = inc
        .member
        .memberships
        .iter()
        .any(|m| inc.units.is_within(asked, &m.unit_id));
    let Some(unit) = inc.units.get(asked).filter(|_| allowed) else {
        return Err(Refusal::new("roster-unknown-unit")
            .with("unit", asked)
            .into());
    };
    let today = ctx
        .config
        .roster
        .shift_day(ctx.config.timezone, ctx.clock.now_ms());
    let mut lines = vec![tr!(
        ctx.i18n,
        l,
        "roster-title",
        unit = unit.name.clone(),
        start = ctx.config.roster.shift_start.format("%H:%M").to_string()
    )];
    for day in today.iter_days().take(WEEK) {
        let shift = tx.shift(&unit.id, day).await?;
        lines.push(tr!(
            ctx.i18n,
            l,
            "roster-day",
            day = day.format("%Y-%m-%d").to_string(),
            officers = names(ctx, l, &shift, Role::DutyOfficer),
            leaders = names(ctx, l, &shift, Role::Supervisor)
        ));
    }
    r.text(lines.join("\n").chars().take(4000).collect());
    Ok(())
}

/// What `/swap` was given: the day and the colleague's @username.
pub fn swap_args(args: &str) -> Option<(NaiveDate, String)> {
    let mut args = args.split_whitespace();
    let day = args
        .next()
        .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())?;
    let who = args
        .next()
        .and_then(|w| w.strip_prefix('@'))
        .filter(|w| !w.is_empty())?;
    Some((day, who.to_string()))
}

/// `/swap DATE @someone`: someone on DATE's shift asks a colleague of the same unit and
/// role to take it; the colleague accepts or declines with a button.
pub async fn swap(
    ctx: &Ctx,
    tx: &mut Tx,
    inc: &Input,
    args: &str,
    r: &mut Replies,
) -> Result<(), HandlerError> {
    let l = inc.lang;
    let (Some((day, who)), Some(me)) = (swap_args(args), inc.member.person.as_ref()) else {
        return Err(Refusal::new("swap-usage").into());
    };
    let now = ctx.clock.now_ms();
    let shown = day.format("%Y-%m-%d").to_string();
    if day < ctx.config.roster.shift_day(ctx.config.timezone, now) {
        return Err(Refusal::new("swap-past").with("day", shown).into());
    }
    let mine = tx.shifts_of(me.id, day).await?;
    if mine.is_empty() {
        return Err(Refusal::new("swap-not-on-shift").with("day", shown).into());
    }
    let Some((to_id, to_chat, _, to_lang)) = tx
        .person_by_username(&who)
        .await?
        .filter(|(id, ..)| *id != me.id)
    else {
        return Err(Refusal::new("swap-unknown-person").with("who", who).into());
    };
    let colleague = tx.member(to_chat).await?;
    let Some((unit_id, role)) = mine.into_iter().find(|(u, role)| {
        colleague
            .memberships
            .iter()
            .any(|m| m.unit_id == *u && m.role == *role)
    }) else {
        let refusal = Refusal::new("swap-not-colleague").with("who", who);
        return Err(refusal.with("day", shown).into());
    };
    if tx
        .shifts_of(to_id, day)
        .await?
        .contains(&(unit_id.clone(), role))
    {
        return Err(Refusal::new("swap-already-on").with("who", who).into());
    }
    let asked = Swap {
        id: 0,
        day,
        unit_id: unit_id.clone(),
        role,
        from_person: me.id,
        to_person: to_id,
        state: SwapState::Asked,
    };
    let id = tx.ask_swap(&asked, now).await?;
    let unit = tx.unit_name(&unit_id).await?;
    let tl = Lang::from_telegram(Some(&to_lang));
    let text = tr!(
        ctx.i18n,
        tl,
        "swap-ask",
        from = me.name.clone(),
        day = shown.clone(),
        unit = unit.clone(),
        role = role.name(&ctx.i18n, tl)
    );
    let buttons = vec![vec![
        Button::new(
            tr!(ctx.i18n, tl, "swap-accept-button"),
            Action::Swap { id, accept: true },
        ),
        Button::new(
            tr!(ctx.i18n, tl, "swap-decline-button"),
            Action::Swap { id, accept: false },
        ),
    ]];
    let ask = Notice::with_buttons(format!("swap.{id}.ask"), to_chat, text, buttons);
    ctx.say(tx, &ask, now).await?;
    r.text(tr!(
        ctx.i18n,
        l,
        "swap-asked",
        who = who,
        day = shown,
        unit = unit
    ));
    Ok(())
}

/// The colleague's answer to swap `id`: on acceptance they take the shift, the requester
/// and the unit's supervisors are told; the question is edited to show the answer. Anyone
/// but the colleague asked, or a swap already answered, finds the button expired.
pub async fn answer_swap(
    ctx: &Ctx,
    tx: &mut Tx,
    inc: &Input,
    id: i64,
    accept: bool,
    r: &mut Replies,
) -> Result<(), HandlerError> {
    let l = inc.lang;
    let now = ctx.clock.now_ms();
    let Some(s) = super::swap_for(tx, &inc.member, id, accept).await? else {
        r.answer_press(Some(tr!(ctx.i18n, l, "button-expired")));
        return Ok(());
    };
    r.answer_press(None);
    let day = s.day.format("%Y-%m-%d").to_string();
    let unit = tx.unit_name(&s.unit_id).await?;
    let past = s.day < ctx.config.roster.shift_day(ctx.config.timezone, now);
    let taken = !past && tx.settle_swap(&s, accept).await?;
    let mine = match (past || (accept && !taken), accept) {
        (true, _) => "swap-gone",
        (false, true) => "swap-accepted",
        (false, false) => "swap-declined",
    };
    let text = tr!(ctx.i18n, l, mine, day = day.clone(), unit = unit.clone());
    let answered = Notice::edit(
        format!("swap.{id}.answered"),
        inc.chat_id,
        format!("swap.{id}.ask"),
        text,
        Vec::new(),
    );
    ctx.say(tx, &answered, now).await?;
    if mine == "swap-gone" {
        return Ok(());
    }
    let to = inc.display_name();
    if let Some((chat, lang)) = tx.person_contact(s.from_person).await? {
        let fl = Lang::from_telegram(Some(&lang));
        let key = if accept {
            "swap-requester-accepted"
        } else {
            "swap-requester-declined"
        };
        let text = tr!(
            ctx.i18n,
            fl,
            key,
            to = to.clone(),
            day = day.clone(),
            unit = unit.clone()
        );
        let told = Notice::text(format!("swap.{id}.told"), chat, text);
        ctx.say(tx, &told, now).await?;
    }
    if accept {
        let from = tx.person_name(s.from_person).await?.unwrap_or_default();
        for sup in tx.supervisors_and_room(&s.unit_id).await? {
            let sl = crate::escalation::recipient_lang(ctx, &sup);
            let text = tr!(
                ctx.i18n,
                sl,
                "swap-notice",
                to = to.clone(),
                from = from.clone(),
                day = day.clone(),
                unit = unit.clone(),
                role = s.role.name(&ctx.i18n, sl)
            );
            let key = format!("swap.{id}.notice.{}", sup.chat_id);
            ctx.say(tx, &Notice::text(key, sup.chat_id, text), now)
                .await?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn swap_takes_a_day_and_an_at_name() {
        let day = NaiveDate::from_ymd_opt(2026, 3, 1).expect("date");
        assert_eq!(swap_args("2026-03-01 @li"), Some((day, "li".into())));
        assert_eq!(swap_args("2026-03-01 li"), None);
        assert_eq!(swap_args("2026-03-01 @"), None);
        assert_eq!(swap_args("tomorrow @li"), None);
        assert_eq!(swap_args(""), None);
    }
}
