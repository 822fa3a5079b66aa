//! Hazard reports (隐患随手报): grid workers report by message; the report goes to the
//! responsible unit's duty room, is tracked from acknowledgement to rectification to
//! verification, and escalates while nobody acknowledges or while it is overdue.
pub mod commands;
pub mod draft;
mod error;

pub use error::HazardError;

use crate::action::Action;
use crate::config::Lang;
use crate::context::{Ctx, Features};
use crate::conversation::Conversation;
use crate::escalation::{self, Item, Policy};
use crate::ids::{HazardId, Subject};
use crate::notice::{Button, Buttons, Notice};
use crate::org::tree::UnitTree;
use crate::org::{Member, Role};
use crate::schedule::TimerKinds;
use crate::store::{Hazard, HazardState, NewHazard, NewTimer, StoreError, Tx};
use crate::tr;
use draft::Draft;
use serde_json::json;
use std::collections::BTreeMap;

pub const OVERDUE: &str = "hz.overdue";

/// A report's deadline passing, and a draft left alone.
/// Its timers and the alert taker for an unacknowledged hazard.
pub fn register(r: &mut Features) {
    r.timers(TIMERS);
    r.alert_taker("hazard", take_from_alert);
    // The handover names the unit's reports past their deadline.
    r.handover_line(|_, tx, unit, at| {
        Box::pin(async move {
            let ids = tx.overdue_hazards_of(unit, at).await?;
            Ok(crate::registry::HandoverLine {
                key: "handover-hazards",
                value: crate::registry::HandoverValue::Items(
                    ids.into_iter().map(|n| HazardId(n).into()).collect(),
                ),
            })
        })
    });
}

pub const TIMERS: TimerKinds = &[
    (OVERDUE, |ctx, tx, t| {
        Box::pin(async move {
            let (id, due) = (t.field("id")?, t.field("due")?);
            Ok(on_overdue(ctx, tx, id, due, t.now).await?)
        })
    }),
    (draft::EXPIRY, |ctx, tx, t| {
        Box::pin(async move {
            let (chat, user, started) = (t.field("chat")?, t.field("user")?, t.field("started")?);
            Ok(on_draft_expiry(ctx, tx, chat, user, started, t.now).await?)
        })
    }),
];

pub fn category_name(ctx: &Ctx, l: Lang, category: &str) -> String {
    let key = format!("hz-cat-{category}");
    if ctx.i18n.has(l, &key) {
        ctx.i18n.t(l, &key, &[])
    } else {
        category.to_string()
    }
}

/// Units a person may report hazards for: every unit they belong to, in any role.
pub fn report_units(member: &Member) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for m in &member.memberships {
        if !out.iter().any(|(u, _)| *u == m.unit_id) {
            out.push((m.unit_id.clone(), m.unit_name.clone()));
        }
    }
    out
}

pub fn may_report_to(member: &Member, unit_id: &str) -> bool {
    member.memberships.iter().any(|m| m.unit_id == unit_id)
}

/// May `member` see report `h`: its reporter, and anyone with a role in its unit or a unit
/// above it (`Member::sees`). Everyone else is answered as if it did not exist.
pub fn may_see(tree: &UnitTree, member: &Member, h: &Hazard) -> bool {
    member
        .person
        .as_ref()
        .is_some_and(|p| p.id == h.reporter_id)
        || member.sees(tree, &h.unit_id)
}

/// Report `id` if `member` may see it; `None` whether it does not exist or is hidden.
pub async fn visible(
    ctx: &Ctx,
    tx: &mut Tx,
    member: &Member,
    id: i64,
) -> Result<Option<Hazard>, StoreError> {
    let Some(h) = tx.hazard(id).await? else {
        return Ok(None);
    };
    let tree = ctx.units.get_in(tx).await?;
    Ok(may_see(&tree, member, &h).then_some(h))
}

/// A state (or a step of a report's history) as people read it.
pub fn state_name(ctx: &Ctx, l: Lang, state: &str) -> String {
    ctx.i18n.t(l, &format!("hz-state-{state}"), &[])
}

/// Every acknowledgement round's chain of report `id` (`round`: one of them).
fn unacked_subject(id: i64, round: Option<i64>) -> String {
    let id = HazardId(id);
    Subject::Hazard { id, round }.to_string()
}

/// Every deadline's chain of report `id` (`due`: one of them).
fn overdue_subject(id: i64, due: Option<i64>) -> String {
    let id = HazardId(id);
    Subject::HazardOverdue { id, due }.to_string()
}

/// Chains are per acknowledgement round and per deadline, so a reopened or re-dated report
/// escalates afresh; ending them goes by prefix.
async fn end_chains(ctx: &Ctx, tx: &mut Tx, id: i64, now: i64) -> Result<(), StoreError> {
    escalation::resolve_all(ctx, tx, &unacked_subject(id, None), now).await?;
    escalation::resolve_all(ctx, tx, &overdue_subject(id, None), now).await
}

fn policy(ctx: &Ctx, major: bool) -> Policy {
    let h = &ctx.config.hazard;
    if major {
        // Major hazards repeat their last step until someone takes them: nobody may forget.
        let every = h
            .escalate_major
            .last()
            .copied()
            .unwrap_or(crate::config::Span::ZERO);
        Policy::new(&h.escalate_major).repeat_every(every)
    } else {
        Policy::new(&h.escalate)
    }
}

fn what(h: &Hazard, unit_name: &str) -> BTreeMap<String, String> {
    BTreeMap::from([
        ("id".to_string(), HazardId(h.id).to_string()),
        ("unit".to_string(), unit_name.to_string()),
        (
            "text".to_string(),
            h.description.chars().take(200).collect(),
        ),
    ])
}

/// The buttons handlers use on a report.
fn handler_buttons(ctx: &Ctx, l: Lang, id: i64) -> Buttons {
    buttons(ctx, l, id, [("hz-btn-ack", 'a'), ("hz-btn-reject", 'r')])
}

/// One row of buttons acting on report `id`: each a label's key and the act it asks for.
fn buttons(ctx: &Ctx, l: Lang, id: i64, acts: [(&str, char); 2]) -> Buttons {
    let row = acts
        .into_iter()
        .map(|(label, act)| Button::new(ctx.i18n.t(l, label, &[]), Action::Hazard { act, id }))
        .collect();
    vec![row]
}

/// Send a report (text, photos by file id, location) to one chat.
#[allow(clippy::too_many_arguments)]
async fn send_report(
    ctx: &Ctx,
    tx: &mut Tx,
    h: &Hazard,
    chat: i64,
    l: Lang,
    key: &str,
    reporter: &str,
    photos: &[String],
    now: i64,
) -> Result<(), StoreError> {
    let unit = tx.unit_name(&h.unit_id).await?;
    let text = card_text(ctx, l, h, &unit, reporter);
    for (n, file_id) in photos.iter().enumerate() {
        let photo = Notice::photo(
            format!("{key}.photo{n}"),
            chat,
            file_id.clone(),
            HazardId(h.id).to_string(),
        );
        ctx.say(tx, &photo, now).await?;
    }
    if let Some((lat, lon)) = h.location {
        ctx.say(
            tx,
            &Notice::location(format!("{key}.loc"), chat, lat, lon),
            now,
        )
        .await?;
    }
    ctx.say(
        tx,
        &Notice::with_buttons(key.to_string(), chat, text, handler_buttons(ctx, l, h.id)),
        now,
    )
    .await?;
    tx.add_hazard_card(h.id, chat, l.code(), key).await
}

/// A report as handlers see it (the card that carries their buttons).
fn card_text(ctx: &Ctx, l: Lang, h: &Hazard, unit: &str, reporter: &str) -> String {
    let severity = tr!(ctx.i18n, l, if h.major { "hz-major" } else { "hz-normal" });
    tr!(
        ctx.i18n,
        l,
        "hz-report",
        id = HazardId(h.id),
        unit = unit,
        category = category_name(ctx, l, &h.category),
        severity = severity,
        who = reporter,
        text = h.description.clone()
    )
}

/// A report was acknowledged: every card of it says by whom, and its buttons become the next
/// step (rectified, or reject), so nobody presses Acknowledge on a taken report.
async fn edit_cards(
    ctx: &Ctx,
    tx: &mut Tx,
    h: &Hazard,
    who: &str,
    now: i64,
) -> Result<(), StoreError> {
    let unit = tx.unit_name(&h.unit_id).await?;
    let reporter = tx.person_name(h.reporter_id).await?.unwrap_or_default();
    for (chat, lang, key) in tx.hazard_cards(h.id).await? {
        let l = Lang::from_telegram(Some(&lang));
        let text = format!(
            "{}\n{}",
            card_text(ctx, l, h, &unit, &reporter),
            tr!(
                ctx.i18n,
                l,
                "hz-card-acked",
                who = who,
                time = escalation::format_time(ctx, now)
            )
        );
        let next = buttons(ctx, l, h.id, [("hz-btn-done", 'd'), ("hz-btn-reject", 'r')]);
        let edit = Notice::edit(format!("{key}.acked.{now}"), chat, key, text, next);
        ctx.say(tx, &edit, now).await?;
    }
    Ok(())
}

/// The escalation engine's hook: someone took the alert about an unacknowledged report
/// (`hazard:12`, or `hazard:12:REOPENED_AT`). They acknowledge the report itself, by the
/// same path as its own button; a report already past acknowledgement needs nothing.
pub fn take_from_alert<'a>(
    ctx: &'a Ctx,
    tx: &'a mut Tx,
    subject: &'a Subject,
    member: &'a Member,
    now: i64,
) -> futures::future::BoxFuture<'a, Result<escalation::Took, StoreError>> {
    Box::pin(async move {
        let Subject::Hazard {
            id: HazardId(id), ..
        } = *subject
        else {
            return Ok(escalation::Took::Nothing);
        };
        Ok(
            match transition(ctx, tx, member, id, Transition::Ack, None, now).await? {
                Outcome::Done { .. } => escalation::Took::Item,
                Outcome::NotAllowed => escalation::Took::Refused,
                Outcome::WrongState { .. } | Outcome::NeedsText | Outcome::Unknown => {
                    escalation::Took::Nothing
                }
            },
        )
    })
}

/// Where a unit's reports go: its duty room, else its duty officers; (chat, language).
async fn handlers_of(
    ctx: &Ctx,
    tx: &mut Tx,
    unit_id: &str,
) -> Result<Vec<(i64, Lang)>, StoreError> {
    if let Some(u) = tx.unit(unit_id).await? {
        if let Some(chat) = u.duty_chat_id {
            return Ok(vec![(chat, ctx.config.locale)]);
        }
    }
    let officers: Vec<(i64, Lang)> = tx
        .duty_officers(unit_id)
        .await?
        .into_iter()
        .map(|(chat, lang, _)| (chat, Lang::from_telegram(Some(&lang))))
        .collect();
    if !officers.is_empty() {
        return Ok(officers);
    }
    // No duty room and no duty officer: the supervisors must see it.
    Ok(tx
        .supervisors_and_room(unit_id)
        .await?
        .iter()
        .map(|r| (r.chat_id, escalation::recipient_lang(ctx, r)))
        .collect())
}

/// A person files their own draft: only for a unit they belong to (checked again now, as
/// the draft may be older than a change of roles). `None` when they may not.
pub async fn file_draft(
    ctx: &Ctx,
    tx: &mut Tx,
    member: &Member,
    d: &Draft,
    major: bool,
    now: i64,
) -> Result<Option<i64>, StoreError> {
    if !d.unit.as_deref().is_some_and(|u| may_report_to(member, u)) {
        return Ok(None);
    }
    submit(ctx, tx, member, d, major, now).await
}

/// File a finished draft: the report is stored, routed and starts escalating until someone
/// acknowledges it. Returns the new id.
pub async fn submit(
    ctx: &Ctx,
    tx: &mut Tx,
    member: &Member,
    d: &Draft,
    major: bool,
    now: i64,
) -> Result<Option<i64>, StoreError> {
    let (Some(person), Some(unit), Some(category), Some(text)) = (
        member.person.as_ref(),
        d.unit.as_deref(),
        d.category.as_deref(),
        d.text.as_deref(),
    ) else {
        return Ok(None);
    };
    let id = tx
        .insert_hazard(&NewHazard {
            unit_id: unit,
            reporter_id: person.id,
            category,
            description: text,
            major,
            location: d.location,
            at: now,
        })
        .await?;
    for file_id in &d.photos {
        tx.add_hazard_photo(id, file_id, person.id, now).await?;
    }
    tx.add_hazard_event(id, now, Some(person.id), "reported", Some(text))
        .await?;
    let Some(h) = tx.hazard(id).await? else {
        return Ok(None);
    };
    let mut chats = handlers_of(ctx, tx, unit).await?;
    if major {
        // A major hazard also goes at once to the unit's supervisors and the parent's duty room.
        for r in tx
            .supervisors_and_room(unit)
            .await?
            .into_iter()
            .filter(|r| r.person_id.is_some())
        {
            chats.push((r.chat_id, escalation::recipient_lang(ctx, &r)));
        }
        if let Some((parent, _)) = tx.unit_chain(unit).await?.get(1) {
            if let Some(room) = tx.unit(parent).await?.and_then(|u| u.duty_chat_id) {
                chats.push((room, ctx.config.locale));
            }
        }
    }
    chats.dedup_by_key(|c| c.0);
    for (chat, l) in chats {
        send_report(
            ctx,
            tx,
            &h,
            chat,
            l,
            &format!("hz.{id}.{chat}"),
            &person.name,
            &d.photos,
            now,
        )
        .await?;
    }
    let unit_name = tx.unit_name(unit).await?;
    let item = Item {
        subject: unacked_subject(id, None),
        unit_id: unit.to_string(),
        what_key: "hz-what-unacked".into(),
        what_args: what(&h, &unit_name),
        since: now,
        policy: policy(ctx, major),
    };
    // Offsets count from the report: the first alert comes only if nobody acknowledges.
    escalation::start(tx, &item, now).await?;
    Ok(Some(id))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    Ack,
    Work,
    Done,
    Close,
    Reject,
    Reopen,
}

impl Transition {
    /// The state a transition leaves the report in.
    fn to(self) -> HazardState {
        match self {
            Transition::Ack => HazardState::Acknowledged,
            Transition::Work => HazardState::Rectifying,
            Transition::Done => HazardState::Rectified,
            Transition::Close => HazardState::Closed,
            Transition::Reject => HazardState::Rejected,
            Transition::Reopen => HazardState::Reopened,
        }
    }

    /// The step's name in the report's history (and the reporter's message).
    fn name(self) -> &'static str {
        self.to().as_str()
    }

    /// States a transition starts from.
    fn from(self) -> &'static [HazardState] {
        use HazardState::*;
        match self {
            Transition::Ack => &[Reported, Reopened],
            Transition::Work => &[Acknowledged],
            Transition::Done => &[Acknowledged, Rectifying],
            Transition::Close => &[Rectified],
            Transition::Reject => &[Reported, Reopened, Acknowledged],
            Transition::Reopen => &[Rectified, Closed, Rejected],
        }
    }

    /// Roles that may make it, in the unit or a unit above. Verifying, closing and reopening
    /// are the supervisor's.
    fn roles(self) -> &'static [Role] {
        match self {
            Transition::Close | Transition::Reopen => &[Role::Supervisor],
            _ => &[Role::DutyOfficer, Role::Supervisor],
        }
    }

    fn needs_text(self) -> bool {
        matches!(self, Transition::Reject | Transition::Reopen)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Done { state: HazardState },
    NotAllowed,
    WrongState { state: HazardState },
    NeedsText,
    Unknown,
}

/// May `member` make transition `t` on report `id` now? The report, or why not: `Unknown`
/// when it does not exist or they may not see it (the same answer), `NotAllowed` without
/// the role, `WrongState` when its state does not allow it. Changes nothing, so a button
/// that asks a question first (reject, reopen) is checked before it asks.
pub async fn check(
    ctx: &Ctx,
    tx: &mut Tx,
    member: &Member,
    id: i64,
    t: Transition,
) -> Result<Result<Hazard, Outcome>, StoreError> {
    let Some(h) = visible(ctx, tx, member, id).await? else {
        return Ok(Err(Outcome::Unknown));
    };
    if member.person.is_none() || !escalation::allowed(tx, member, &h.unit_id, t.roles()).await? {
        return Ok(Err(Outcome::NotAllowed));
    }
    if !t.from().contains(&h.state) {
        return Ok(Err(Outcome::WrongState { state: h.state }));
    }
    Ok(Ok(h))
}

/// Make a transition, if the sender may and the report is in a state that allows it. Each is
/// recorded, the reporter is told in their language, and the escalations follow.
pub async fn transition(
    ctx: &Ctx,
    tx: &mut Tx,
    member: &Member,
    id: i64,
    t: Transition,
    text: Option<&str>,
    now: i64,
) -> Result<Outcome, StoreError> {
    let h = match check(ctx, tx, member, id, t).await? {
        Ok(h) => h,
        Err(o) => return Ok(o),
    };
    let Some(person) = member.person.as_ref() else {
        return Ok(Outcome::NotAllowed);
    };
    let text = text.map(str::trim).filter(|s| !s.is_empty());
    if t.needs_text() && text.is_none() {
        return Ok(Outcome::NeedsText);
    }
    tx.set_hazard_state(id, t.to(), now).await?;
    tx.add_hazard_event(id, now, Some(person.id), t.name(), text)
        .await?;
    let unit_name = tx.unit_name(&h.unit_id).await?;
    match t {
        Transition::Ack => {
            escalation::resolve_all_taken(ctx, tx, &unacked_subject(id, None), person, now).await?;
            let due = now + ctx.config.hazard.rectify_within.as_std().as_millis() as i64;
            arm_deadline(tx, id, due).await?;
            edit_cards(ctx, tx, &h, &person.name, now).await?;
        }
        Transition::Done | Transition::Reject => {
            tx.cancel_timers(&format!("hz:{id}")).await?;
            end_chains(ctx, tx, id, now).await?;
            if t == Transition::Done {
                ask_to_verify(ctx, tx, &h, &person.name, text, now).await?;
            }
        }
        Transition::Reopen => {
            // Back to the start: it must be acknowledged again, and escalates until it is.
            let item = Item {
                subject: unacked_subject(id, Some(now)),
                unit_id: h.unit_id.clone(),
                what_key: "hz-what-unacked".into(),
                what_args: what(&h, &unit_name),
                since: now,
                policy: policy(ctx, h.major),
            };
            escalation::start(tx, &item, now).await?;
        }
        Transition::Work | Transition::Close => {}
    }
    tell_reporter(ctx, tx, &h, t.name(), &person.name, text, now).await?;
    Ok(Outcome::Done { state: t.to() })
}

/// A rectified report waits for a supervisor to verify it: the nearest supervisors up the
/// tree get it with Close and Reopen buttons.
async fn ask_to_verify(
    ctx: &Ctx,
    tx: &mut Tx,
    h: &Hazard,
    who: &str,
    note: Option<&str>,
    now: i64,
) -> Result<(), StoreError> {
    for (unit, _) in tx.unit_chain(&h.unit_id).await? {
        let supervisors: Vec<_> = tx
            .supervisors_and_room(&unit)
            .await?
            .into_iter()
            .filter(|r| r.person_id.is_some())
            .collect();
        if supervisors.is_empty() {
            continue;
        }
        let unit_name = tx.unit_name(&h.unit_id).await?;
        for r in supervisors {
            let l = escalation::recipient_lang(ctx, &r);
            let text = tr!(
                ctx.i18n,
                l,
                "hz-verify",
                id = HazardId(h.id),
                unit = unit_name.clone(),
                who = who,
                note = note.unwrap_or_default(),
                text = h.description.chars().take(200).collect::<String>()
            );
            let buttons = buttons(
                ctx,
                l,
                h.id,
                [("hz-btn-close", 'c'), ("hz-btn-reopen", 'o')],
            );
            ctx.say(
                tx,
                &Notice::with_buttons(
                    format!("hz.{}.verify.{now}.{}", h.id, r.chat_id),
                    r.chat_id,
                    text,
                    buttons,
                ),
                now,
            )
            .await?;
        }
        break;
    }
    Ok(())
}

/// Set the rectification deadline and the timer that escalates the report if it passes.
async fn arm_deadline(tx: &mut Tx, id: i64, due: i64) -> Result<(), StoreError> {
    tx.set_rectify_due(id, Some(due)).await?;
    tx.add_timer(&NewTimer {
        key: format!("hz:{id}:overdue:{due}"),
        group: format!("hz:{id}"),
        kind: OVERDUE.into(),
        payload: json!({ "id": id, "due": due }),
        due_at: due,
    })
    .await?;
    Ok(())
}

/// A supervisor moves the rectification deadline of an acknowledged report.
pub async fn set_deadline(
    ctx: &Ctx,
    tx: &mut Tx,
    member: &Member,
    id: i64,
    within_ms: i64,
    now: i64,
) -> Result<Outcome, StoreError> {
    let Some(h) = visible(ctx, tx, member, id).await? else {
        return Ok(Outcome::Unknown);
    };
    let Some(person) = member.person.as_ref() else {
        return Ok(Outcome::NotAllowed);
    };
    if !escalation::allowed(tx, member, &h.unit_id, &[Role::Supervisor]).await? {
        return Ok(Outcome::NotAllowed);
    }
    if !matches!(h.state, HazardState::Acknowledged | HazardState::Rectifying) {
        return Ok(Outcome::WrongState { state: h.state });
    }
    let due = now + within_ms;
    tx.cancel_timers(&format!("hz:{id}")).await?;
    escalation::resolve_all(ctx, tx, &overdue_subject(id, None), now).await?;
    arm_deadline(tx, id, due).await?;
    let when = escalation::format_time(ctx, due);
    tx.add_hazard_event(id, now, Some(person.id), "deadline", Some(&when))
        .await?;
    tell_reporter(ctx, tx, &h, "deadline", &person.name, Some(&when), now).await?;
    Ok(Outcome::Done { state: h.state })
}

async fn tell_reporter(
    ctx: &Ctx,
    tx: &mut Tx,
    h: &Hazard,
    state: &str,
    who: &str,
    text: Option<&str>,
    now: i64,
) -> Result<(), StoreError> {
    let Some((chat, lang)) = tx.person_contact(h.reporter_id).await? else {
        return Ok(());
    };
    let l = Lang::from_telegram(Some(&lang));
    let mut body = tr!(
        ctx.i18n,
        l,
        "hz-reporter-update",
        id = HazardId(h.id),
        state = state_name(ctx, l, state),
        who = who
    );
    if let Some(t) = text {
        body.push('\n');
        body.push_str(t);
    }
    ctx.say(
        tx,
        &Notice::text(format!("hz.{}.{state}.{now}.reporter", h.id), chat, body),
        now,
    )
    .await
}

/// Timer: an acknowledged report is past its rectification deadline; it escalates until it
/// is rectified.
pub async fn on_overdue(
    ctx: &Ctx,
    tx: &mut Tx,
    id: i64,
    due: i64,
    now: i64,
) -> Result<(), StoreError> {
    let Some(h) = tx.hazard(id).await? else {
        return Ok(());
    };
    let rectifying = matches!(h.state, HazardState::Acknowledged | HazardState::Rectifying);
    if !rectifying || h.rectify_due != Some(due) {
        return Ok(());
    }
    let unit_name = tx.unit_name(&h.unit_id).await?;
    let item = Item {
        subject: overdue_subject(id, Some(due)),
        unit_id: h.unit_id.clone(),
        what_key: "hz-what-overdue".into(),
        what_args: what(&h, &unit_name),
        since: due,
        policy: policy(ctx, h.major),
    };
    escalation::start(tx, &item, now).await?;
    Ok(())
}

/// Distance in metres between two points (haversine; plenty for a few hundred metres).
pub fn distance_m(a: (f64, f64), b: (f64, f64)) -> f64 {
    let (lat1, lon1) = (a.0.to_radians(), a.1.to_radians());
    let (lat2, lon2) = (b.0.to_radians(), b.1.to_radians());
    let h = ((lat2 - lat1) / 2.0).sin().powi(2)
        + lat1.cos() * lat2.cos() * ((lon2 - lon1) / 2.0).sin().powi(2);
    2.0 * 6_371_000.0 * h.sqrt().asin()
}

/// The nearest open report of the same category within the configured radius, among those
/// `member` may see (`may_see`): a location never shows another branch's report.
pub async fn nearby(
    ctx: &Ctx,
    tx: &mut Tx,
    member: &Member,
    d: &Draft,
) -> Result<Option<(Hazard, f64)>, StoreError> {
    let (Some(here), Some(category)) = (d.location, d.category.as_deref()) else {
        return Ok(None);
    };
    let radius = f64::from(ctx.config.hazard.duplicate_radius_m);
    let tree = ctx.units.get_in(tx).await?;
    let mut best: Option<(Hazard, f64)> = None;
    for h in tx.open_hazards_with_location(category).await? {
        let Some(there) = h.location else { continue };
        if !may_see(&tree, member, &h) {
            continue;
        }
        let dist = distance_m(here, there);
        if dist <= radius && best.as_ref().is_none_or(|(_, b)| dist < *b) {
            best = Some((h, dist));
        }
    }
    Ok(best)
}

/// What adding a draft to an existing report came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Joined {
    Joined,
    /// It was offered, but is closed or rejected since.
    Closed,
    /// Not offered to this person in their draft's last summary (whether it exists, and
    /// whose it is, is not told).
    NotOffered,
}

/// Instead of a new report, the draft's text and photos confirm an existing one; its
/// reporter is told someone confirmed it. Only a report the draft's summary offered, that
/// its writer may still see, and that is still open.
pub async fn confirm_existing(
    ctx: &Ctx,
    tx: &mut Tx,
    member: &Member,
    d: &Draft,
    id: i64,
    now: i64,
) -> Result<Joined, StoreError> {
    let Some(person) = member.person.as_ref() else {
        return Ok(Joined::NotOffered);
    };
    if !d.offered.contains(&id) {
        return Ok(Joined::NotOffered);
    }
    let Some(h) = visible(ctx, tx, member, id).await? else {
        return Ok(Joined::NotOffered);
    };
    if h.state.is_final() {
        return Ok(Joined::Closed);
    }
    for file_id in &d.photos {
        tx.add_hazard_photo(id, file_id, person.id, now).await?;
    }
    tx.add_hazard_event(id, now, Some(person.id), "confirmed", d.text.as_deref())
        .await?;
    if let Some((chat, lang)) = tx.person_contact(h.reporter_id).await? {
        let l = Lang::from_telegram(Some(&lang));
        let text = tr!(
            ctx.i18n,
            l,
            "hz-confirmed-by",
            id = HazardId(id),
            who = person.name.clone()
        );
        ctx.say(
            tx,
            &Notice::text(format!("hz.{id}.confirmed.{now}.{}", person.id), chat, text),
            now,
        )
        .await?;
    }
    Ok(Joined::Joined)
}

/// A handler marks `id` as a duplicate of `of`: it is closed as rejected with that reason.
pub async fn merge(
    ctx: &Ctx,
    tx: &mut Tx,
    member: &Member,
    id: i64,
    of: i64,
    now: i64,
) -> Result<Outcome, StoreError> {
    if id == of || visible(ctx, tx, member, of).await?.is_none() {
        return Ok(Outcome::Unknown);
    }
    let reason = tr!(
        ctx.i18n,
        ctx.config.locale,
        "hz-duplicate-of",
        id = HazardId(of)
    );
    let outcome = transition(ctx, tx, member, id, Transition::Reject, Some(&reason), now).await?;
    if matches!(outcome, Outcome::Done { .. }) {
        tx.mark_duplicate(id, of).await?;
    }
    Ok(outcome)
}

/// Timer: a draft left alone is dropped, and its writer told.
pub async fn on_draft_expiry(
    ctx: &Ctx,
    tx: &mut Tx,
    chat: i64,
    user: i64,
    started: i64,
    now: i64,
) -> Result<(), StoreError> {
    let state = tx.conversation_state(chat, user).await?;
    if state
        .as_ref()
        .and_then(Conversation::hazard_draft)
        .is_none_or(|d| d.started != started)
    {
        return Ok(());
    }
    tx.clear_conversation_state(chat, user).await?;
    let l = tx
        .member(user)
        .await?
        .person
        .map(|p| Lang::from_telegram(Some(&p.lang)))
        .unwrap_or(ctx.config.locale);
    let text = tr!(ctx.i18n, l, "hz-draft-expired");
    let notice = Notice::text(format!("hzdraft.{chat}.{started}.expired"), chat, text);
    ctx.say(tx, &notice, now).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances() {
        let a = (36.8000, 117.9000);
        let b = (36.8010, 117.9000); // about 111 m north
        let d = distance_m(a, b);
        assert!((d - 111.2).abs() < 1.0, "{d}");
        assert!(distance_m(a, a) < 0.001);
        assert!(distance_m(a, (36.81, 117.91)) > 1000.0);
    }

    #[test]
    fn ids_and_transitions() {
        assert!(Transition::Close.roles() == [Role::Supervisor]);
        assert!(Transition::Ack.from().contains(&HazardState::Reopened));
        assert!(!Transition::Close.from().contains(&HazardState::Reported));
        assert!(Transition::Reject.needs_text() && !Transition::Done.needs_text());
    }
}
