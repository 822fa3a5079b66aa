//! The escalation engine, shared by zero reports, hazards and tips. An item that waits has a
//! responsible unit and a policy (offsets from the start of its chain). At offset k the engine
//! notifies level k: level 1 is the supervisors and duty room of the responsible unit, level 2
//! those of its parent, and so on; past the root it notifies the root again. Acknowledging
//! stops the chain, resolving ends it; every step is recorded for the audit trail.
pub mod commands;

use crate::action::Action;
use crate::config::{Lang, Span};
use crate::context::{Ctx, Features};
use crate::ids::EscalationId;
use crate::notice::{Button, Notice};
use crate::org::{Member, Person, Role};
use crate::schedule::TimerKinds;
use crate::store::EscalationState;
use crate::store::{Event, NewEscalation, NewTimer, Recipient, StoreError, Tx};
use crate::tr;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::BTreeMap;

pub const STEP: &str = "esc.step";
pub const RETRIGGER: &str = "esc.retrigger";
pub const WAKE: &str = "esc.wake";

/// The engine's timers: the next step of a chain, a snooze ending, an acknowledged alert
/// nobody resolved coming back.
pub const TIMERS: TimerKinds = &[
    (STEP, |ctx, tx, t| {
        Box::pin(async move {
            let (id, step, start) = (t.field("id")?, t.field("step")?, t.field("chain_start")?);
            Ok(on_step(ctx, tx, id, step, start, t.now).await?)
        })
    }),
    (RETRIGGER, |ctx, tx, t| {
        Box::pin(async move {
            let (id, acked_at) = (t.field("id")?, t.field("acked_at")?);
            Ok(on_retrigger(ctx, tx, id, acked_at, t.now).await?)
        })
    }),
    (WAKE, |_, tx, t| {
        Box::pin(async move { Ok(on_wake(tx, t.field("id")?, t.now).await?) })
    }),
];

/// When to notify whom. Offsets count from the start of the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Policy {
    pub offsets_ms: Vec<i64>,
    /// After the last offset, notify the last level again this often until acknowledged.
    pub repeat_ms: Option<i64>,
    /// An acknowledged item not resolved within this time starts its chain again.
    pub ack_timeout_ms: Option<i64>,
}

fn ms(s: Span) -> i64 {
    s.as_std().as_millis().min(i64::MAX as u128) as i64
}

impl Policy {
    pub fn new(offsets: &[Span]) -> Policy {
        Policy {
            offsets_ms: offsets.iter().copied().map(ms).collect(),
            repeat_ms: None,
            ack_timeout_ms: None,
        }
    }

    pub fn repeat_every(mut self, every: Span) -> Policy {
        self.repeat_ms = Some(ms(every).max(1000));
        self
    }

    pub fn ack_timeout(mut self, timeout: Span) -> Policy {
        self.ack_timeout_ms = Some(ms(timeout));
        self
    }

    /// When step `step` (0-based) is due, or `None` when the chain has no such step.
    pub fn due(&self, chain_start: i64, step: usize) -> Option<i64> {
        if let Some(offset) = self.offsets_ms.get(step) {
            return Some(chain_start + offset);
        }
        let last = *self.offsets_ms.last()?;
        let extra = (step + 1 - self.offsets_ms.len()) as i64;
        self.repeat_ms.map(|r| chain_start + last + extra * r)
    }

    /// The level (1-based) step `step` notifies; repeats stay at the last level.
    pub fn level(&self, step: usize) -> usize {
        (step + 1).min(self.offsets_ms.len().max(1))
    }
}

/// Something that is waiting for an answer.
pub struct Item {
    /// Unique per waiting thing, e.g. `zero:wangcun:2026-11-29`.
    pub subject: String,
    pub unit_id: String,
    /// Locale key saying what is waiting, and its arguments.
    pub what_key: String,
    pub what_args: BTreeMap<String, String>,
    pub since: i64,
    pub policy: Policy,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AckOutcome {
    Acknowledged {
        what: String,
        took: Took,
    },
    NotAllowed,
    /// The sender may acknowledge alerts of this unit but not take the item itself (a tip
    /// outside the tip desk, say): nothing changed and the alerts go on.
    ItemRefused,
    Already {
        by: String,
        at: i64,
    },
    Closed,
    Unknown,
}

pub use crate::registry::Took;

/// A feature's hook: the alert about `subject` was taken by `member`; take the item by the
/// feature's own path (registered with `Features::alert_taker`).
pub type TakeItem = crate::registry::TakeItem<Ctx>;

/// The engine's own timer kinds.
pub fn register(r: &mut Features) {
    r.timers(TIMERS);
    // The handover names the unit's chains not yet resolved.
    r.handover_line(|_, tx, unit, _| {
        Box::pin(async move {
            let ids = tx.open_escalations_of(unit).await?;
            Ok(crate::registry::HandoverLine {
                key: "handover-escalations",
                value: crate::registry::HandoverValue::Items(
                    ids.into_iter().map(|n| EscalationId(n).into()).collect(),
                ),
            })
        })
    });
}

async fn take_item(
    ctx: &Ctx,
    tx: &mut Tx,
    subject: &str,
    member: &Member,
    now: i64,
) -> Result<Took, StoreError> {
    // Kinds without a taker (an incident, an overdue hazard), and a subject no version
    // writes any more, are acknowledged as alerts only.
    let Ok(subject) = subject.parse::<crate::ids::Subject>() else {
        return Ok(Took::Nothing);
    };
    match ctx.features.taker(subject.kind()) {
        Some(take) => take(ctx, tx, &subject, member, now).await,
        None => Ok(Took::Nothing),
    }
}

fn group(id: i64) -> String {
    format!("esc:{id}")
}

fn step_timer(id: i64, step: usize, chain_start: i64, due_at: i64) -> NewTimer {
    NewTimer {
        key: format!("esc:{id}:step:{step}:{chain_start}"),
        group: group(id),
        kind: STEP.into(),
        payload: json!({ "id": id, "step": step, "chain_start": chain_start }),
        due_at,
    }
}

/// Start a chain for `item` (in the caller's transaction). Returns the escalation id, or
/// `None` when one exists already for the subject.
pub async fn start(tx: &mut Tx, item: &Item, now: i64) -> Result<Option<i64>, StoreError> {
    start_at_step(tx, item, now, 0).await
}

async fn start_at_step(
    tx: &mut Tx,
    item: &Item,
    now: i64,
    step: usize,
) -> Result<Option<i64>, StoreError> {
    let args = serde_json::to_string(&item.what_args).unwrap_or_else(|_| "{}".into());
    let policy = serde_json::to_string(&item.policy).unwrap_or_else(|_| "{}".into());
    let new = NewEscalation {
        subject: &item.subject,
        unit_id: &item.unit_id,
        what_key: &item.what_key,
        what_args: &args,
        policy: &policy,
        since: item.since,
        chain_start: now,
    };
    let Some(id) = tx.insert_escalation(&new).await? else {
        return Ok(None);
    };
    if step > 0 {
        tx.update_escalation(id, EscalationState::Open, step as i64, now, None, None)
            .await?;
    }
    if let Some(due) = item.policy.due(now, step) {
        tx.add_timer(&step_timer(id, step, now, due)).await?;
    }
    Ok(Some(id))
}

/// Start a chain whose first step the caller has just carried out itself (an urgent alert
/// sent at once): the next timer is the second step.
pub async fn start_after_first(
    tx: &mut Tx,
    item: &Item,
    now: i64,
) -> Result<Option<i64>, StoreError> {
    start_at_step(tx, item, now, 1).await
}

/// Record a notification the caller sent for a chain (for the audit trail and so that an
/// acknowledgement reaches them).
pub async fn record_notified(
    tx: &mut Tx,
    id: i64,
    level: i64,
    unit_id: &str,
    r: &Recipient,
    now: i64,
) -> Result<(), StoreError> {
    tx.add_event(&Event {
        level: Some(level),
        unit_id: Some(unit_id),
        person_id: r.person_id,
        chat_id: Some(r.chat_id),
        ..Event::of(id, now, "notified")
    })
    .await
}

struct Loaded {
    row: crate::store::EscalationRow,
    policy: Policy,
    args: BTreeMap<String, String>,
}

/// Chain `id` if `member` may see it (a role in its unit or a unit above it); `None` whether
/// it does not exist or is another branch's, so the answer never tells which.
async fn load_visible(
    ctx: &Ctx,
    tx: &mut Tx,
    member: &Member,
    id: i64,
) -> Result<Option<Loaded>, StoreError> {
    let Some(e) = load(tx, id).await? else {
        return Ok(None);
    };
    let tree = ctx.units.get_in(tx).await?;
    Ok(member.sees(&tree, &e.row.unit_id).then_some(e))
}

async fn load(tx: &mut Tx, id: i64) -> Result<Option<Loaded>, StoreError> {
    let Some(row) = tx.escalation(id).await? else {
        return Ok(None);
    };
    let policy = serde_json::from_str(&row.policy)
        .map_err(|e| StoreError::Corrupt(format!("policy of {}: {e}", EscalationId(id))))?;
    let args = serde_json::from_str(&row.what_args).unwrap_or_default();
    Ok(Some(Loaded { row, policy, args }))
}

/// The language to address a recipient in: theirs, or the default for a duty room.
pub fn recipient_lang(ctx: &Ctx, r: &Recipient) -> Lang {
    match &r.lang {
        Some(code) => Lang::from_telegram(Some(code)),
        None => ctx.config.locale,
    }
}

fn what(ctx: &Ctx, l: Lang, e: &Loaded) -> String {
    let args: Vec<(&str, fluent_bundle::FluentValue)> = e
        .args
        .iter()
        .map(|(k, v)| (k.as_str(), fluent_bundle::FluentValue::from(v.as_str())))
        .collect();
    ctx.i18n.t(l, &e.row.what_key, &args)
}

pub fn format_time(ctx: &Ctx, at: i64) -> String {
    crate::clock::from_ms(at)
        .with_timezone(&ctx.config.timezone)
        .format("%m-%d %H:%M")
        .to_string()
}

/// Who a level at `unit_id` alerts: its duty room and the supervisor on today's shift; all
/// its reachable supervisors when it has no roster for the shift or nobody on it reachable.
async fn level_recipients(
    ctx: &Ctx,
    tx: &mut Tx,
    unit_id: &str,
    now: i64,
) -> Result<Vec<Recipient>, StoreError> {
    let all = tx.supervisors_and_room(unit_id).await?;
    let day = ctx.config.roster.shift_day(ctx.config.timezone, now);
    let Some(on) = tx.on_shift(unit_id, Role::Supervisor, day).await? else {
        return Ok(all);
    };
    if !all
        .iter()
        .any(|r| r.person_id.is_some() && on.contains(&r.chat_id))
    {
        return Ok(all);
    }
    Ok(all
        .into_iter()
        .filter(|r| r.person_id.is_none() || on.contains(&r.chat_id))
        .collect())
}

/// Timer: notify the level of step `step`, then plan the next step.
pub async fn on_step(
    ctx: &Ctx,
    tx: &mut Tx,
    id: i64,
    step: usize,
    chain_start: i64,
    now: i64,
) -> Result<(), StoreError> {
    let Some(e) = load(tx, id).await? else {
        return Ok(());
    };
    // A timer left from an earlier chain or state is stale: the cancel raced it, skip.
    if e.row.state != EscalationState::Open
        || e.row.chain_start != chain_start
        || e.row.next_step != step as i64
    {
        return Ok(());
    }
    let chain = tx.unit_chain(&e.row.unit_id).await?;
    let level = e.policy.level(step);
    // Level k is the (k-1)th ancestor, the root past the top. A level with nobody reachable
    // hands over to the next one up, so the step always reaches someone if anyone can be.
    let start_at = (level - 1).min(chain.len().saturating_sub(1));
    let mut recipients = Vec::new();
    let mut unit_name = String::new();
    let mut unit_id = String::new();
    for (uid, name) in chain.iter().skip(start_at) {
        recipients = level_recipients(ctx, tx, uid, now).await?;
        unit_id = uid.clone();
        unit_name = name.clone();
        if !recipients.is_empty() {
            break;
        }
        tx.add_event(&Event {
            level: Some(level as i64),
            unit_id: Some(uid),
            note: Some("no reachable supervisor or duty room"),
            ..Event::of(id, now, "unreachable")
        })
        .await?;
    }
    let earlier: Vec<String> = tx.notified(id).await?.into_iter().map(|r| r.name).collect();
    let responsible = chain.first().map(|(_, n)| n.clone()).unwrap_or_default();
    for r in &recipients {
        let l = recipient_lang(ctx, r);
        let notified = if earlier.is_empty() {
            tr!(ctx.i18n, l, "esc-notified-none")
        } else {
            earlier.join(&tr!(ctx.i18n, l, "list-separator"))
        };
        let text = tr!(
            ctx.i18n,
            l,
            "esc-notify",
            id = EscalationId(id),
            level = level as i64,
            what = what(ctx, l, &e),
            unit = responsible.clone(),
            since = format_time(ctx, e.row.since),
            notified = notified
        );
        let button = Button::new(tr!(ctx.i18n, l, "esc-ack-button"), Action::Ack(id));
        let key = format!("esc.{id}.{chain_start}.{step}.{}", r.chat_id);
        let alert = Notice::with_buttons(key, r.chat_id, text, vec![vec![button]]).urgent();
        ctx.say(tx, &alert, now).await?;
        record_notified(tx, id, level as i64, &unit_id, r, now).await?;
    }
    if recipients.is_empty() {
        tracing::error!(escalation = id, unit = %unit_name, "nobody reachable anywhere up the tree");
    }
    tx.update_escalation(
        id,
        EscalationState::Open,
        step as i64 + 1,
        chain_start,
        None,
        None,
    )
    .await?;
    if let Some(due) = e.policy.due(chain_start, step + 1) {
        tx.add_timer(&step_timer(id, step + 1, chain_start, due.max(now)))
            .await?;
    }
    Ok(())
}

/// May this member acknowledge (or snooze, with `roles`) an item of `unit_id`? Only with one
/// of `roles` in the unit or a unit above it.
pub async fn allowed(
    tx: &mut Tx,
    member: &Member,
    unit_id: &str,
    roles: &[Role],
) -> Result<bool, StoreError> {
    let chain = tx.unit_chain(unit_id).await?;
    Ok(member
        .memberships
        .iter()
        .any(|m| roles.contains(&m.role) && chain.iter().any(|(u, _)| *u == m.unit_id)))
}

/// Tell everyone notified so far; `key` makes each notice unique per event.
async fn tell_notified(
    ctx: &Ctx,
    tx: &mut Tx,
    e: &Loaded,
    key: &str,
    now: i64,
    render: impl Fn(Lang, String) -> String,
) -> Result<(), StoreError> {
    for r in tx.notified(e.row.id).await? {
        let l = recipient_lang(ctx, &r);
        let text = render(l, what(ctx, l, e));
        ctx.say(
            tx,
            &Notice::text(
                format!("esc.{}.{key}.{}", e.row.id, r.chat_id),
                r.chat_id,
                text,
            ),
            now,
        )
        .await?;
    }
    Ok(())
}

pub async fn acknowledge(
    ctx: &Ctx,
    tx: &mut Tx,
    id: i64,
    member: &Member,
    now: i64,
) -> Result<AckOutcome, StoreError> {
    let Some(e) = load_visible(ctx, tx, member, id).await? else {
        return Ok(AckOutcome::Unknown);
    };
    let Some(person) = member.person.as_ref() else {
        return Ok(AckOutcome::NotAllowed);
    };
    if !allowed(
        tx,
        member,
        &e.row.unit_id,
        &[Role::Supervisor, Role::DutyOfficer],
    )
    .await?
    {
        return Ok(AckOutcome::NotAllowed);
    }
    match e.row.state {
        EscalationState::Resolved => return Ok(AckOutcome::Closed),
        EscalationState::Acknowledged => {
            let by = match e.row.acked_by {
                Some(pid) if pid == person.id => person.name.clone(),
                Some(pid) => tx.person_name(pid).await?.unwrap_or_default(),
                None => String::new(),
            };
            return Ok(AckOutcome::Already {
                by,
                at: e.row.acked_at.unwrap_or(now),
            });
        }
        EscalationState::Open | EscalationState::Snoozed => {}
    }
    // Taking the alert takes its item, by the item's own path, or nothing happens at all: an
    // alert stopped while its item stays untaken would leave the item silently stuck.
    let took = take_item(ctx, tx, &e.row.subject, member, now).await?;
    if took == Took::Refused {
        return Ok(AckOutcome::ItemRefused);
    }
    // The item's path may have ended this chain already (and told everyone who took it).
    let Some(e) = load(tx, id).await? else {
        return Ok(AckOutcome::Unknown);
    };
    if e.row.state == EscalationState::Resolved {
        return Ok(AckOutcome::Acknowledged {
            what: what(ctx, ctx.config.locale, &e),
            took,
        });
    }
    tx.cancel_timers(&group(id)).await?;
    tx.update_escalation(
        id,
        EscalationState::Acknowledged,
        e.row.next_step,
        e.row.chain_start,
        Some((person.id, now)),
        None,
    )
    .await?;
    tx.add_event(&Event {
        person_id: Some(person.id),
        ..Event::of(id, now, "acknowledged")
    })
    .await?;
    let unit = tx.unit_name(&e.row.unit_id).await?;
    let notice = match took {
        Took::OnIt => "esc-acked-on-it",
        Took::Calling => "esc-acked-calling",
        _ => "esc-acked",
    };
    tell_notified(ctx, tx, &e, &format!("ack.{now}"), now, |l, what| {
        tr!(
            ctx.i18n,
            l,
            notice,
            who = person.name.clone(),
            what = what,
            unit = unit.clone()
        )
    })
    .await?;
    if let Some(timeout) = e.policy.ack_timeout_ms {
        tx.add_timer(&NewTimer {
            key: format!("esc:{id}:retrigger:{now}"),
            group: group(id),
            kind: RETRIGGER.into(),
            payload: json!({ "id": id, "acked_at": now }),
            due_at: now + timeout,
        })
        .await?;
    }
    Ok(AckOutcome::Acknowledged {
        what: what(ctx, ctx.config.locale, &e),
        took,
    })
}

/// The item is done (answered, rectified, closed): end its chain and tell those notified.
pub async fn resolve(ctx: &Ctx, tx: &mut Tx, subject: &str, now: i64) -> Result<bool, StoreError> {
    end(ctx, tx, subject, None, now).await
}

/// Someone took the item by its own path (acknowledged a hazard, took a tip): the chain is
/// acknowledged by them and ends, and everyone alerted hears who took it.
pub async fn resolve_taken(
    ctx: &Ctx,
    tx: &mut Tx,
    subject: &str,
    by: &Person,
    now: i64,
) -> Result<bool, StoreError> {
    end(ctx, tx, subject, Some(by), now).await
}

async fn end(
    ctx: &Ctx,
    tx: &mut Tx,
    subject: &str,
    taken_by: Option<&Person>,
    now: i64,
) -> Result<bool, StoreError> {
    let Some(id) = tx.escalation_id_by_subject(subject).await? else {
        return Ok(false);
    };
    let Some(e) = load(tx, id).await? else {
        return Ok(false);
    };
    if e.row.state == EscalationState::Resolved {
        return Ok(false);
    }
    // Taken now, unless someone had already taken the alert (then this is only its end).
    let taken_by = taken_by.filter(|_| e.row.state != EscalationState::Acknowledged);
    tx.cancel_timers(&group(id)).await?;
    if let Some(p) = taken_by {
        tx.add_event(&Event {
            person_id: Some(p.id),
            ..Event::of(id, now, "acknowledged")
        })
        .await?;
    }
    tx.update_escalation(
        id,
        EscalationState::Resolved,
        e.row.next_step,
        e.row.chain_start,
        taken_by.map(|p| (p.id, now)),
        Some(now),
    )
    .await?;
    tx.add_event(&Event::of(id, now, "resolved")).await?;
    let unit = tx.unit_name(&e.row.unit_id).await?;
    tell_notified(ctx, tx, &e, "resolved", now, |l, what| match taken_by {
        Some(p) => tr!(
            ctx.i18n,
            l,
            "esc-acked",
            who = p.name.clone(),
            what = what,
            unit = unit.clone()
        ),
        None => tr!(
            ctx.i18n,
            l,
            "esc-resolved",
            what = what,
            unit = unit.clone()
        ),
    })
    .await?;
    Ok(true)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SnoozeOutcome {
    Snoozed { until: i64 },
    NotAllowed,
    NotOpen,
    Unknown,
}

/// End every chain of one item (`prefix`, or `prefix:` followed by anything), e.g. all
/// chains a hazard has had through reopenings.
pub async fn resolve_all(ctx: &Ctx, tx: &mut Tx, prefix: &str, now: i64) -> Result<(), StoreError> {
    for subject in tx.open_escalations_under(prefix).await? {
        resolve(ctx, tx, &subject, now).await?;
    }
    Ok(())
}

/// `resolve_taken` for every chain of one item (see `resolve_all`).
pub async fn resolve_all_taken(
    ctx: &Ctx,
    tx: &mut Tx,
    prefix: &str,
    by: &Person,
    now: i64,
) -> Result<(), StoreError> {
    for subject in tx.open_escalations_under(prefix).await? {
        resolve_taken(ctx, tx, &subject, by, now).await?;
    }
    Ok(())
}

/// A supervisor pauses a chain for a while, with a reason; it resumes where it was.
pub async fn snooze(
    ctx: &Ctx,
    tx: &mut Tx,
    id: i64,
    member: &Member,
    for_ms: i64,
    reason: &str,
    now: i64,
) -> Result<SnoozeOutcome, StoreError> {
    let Some(e) = load_visible(ctx, tx, member, id).await? else {
        return Ok(SnoozeOutcome::Unknown);
    };
    let Some(person) = member.person.as_ref() else {
        return Ok(SnoozeOutcome::NotAllowed);
    };
    if !allowed(tx, member, &e.row.unit_id, &[Role::Supervisor]).await? {
        return Ok(SnoozeOutcome::NotAllowed);
    }
    if e.row.state != EscalationState::Open {
        return Ok(SnoozeOutcome::NotOpen);
    }
    let until = now + for_ms;
    tx.cancel_timers(&group(id)).await?;
    tx.update_escalation(
        id,
        EscalationState::Snoozed,
        e.row.next_step,
        e.row.chain_start,
        None,
        None,
    )
    .await?;
    tx.add_event(&Event {
        person_id: Some(person.id),
        note: Some(reason),
        ..Event::of(id, now, "snoozed")
    })
    .await?;
    tx.add_timer(&NewTimer {
        key: format!("esc:{id}:wake:{now}"),
        group: group(id),
        kind: WAKE.into(),
        payload: json!({ "id": id }),
        due_at: until,
    })
    .await?;
    let until_text = format_time(ctx, until);
    tell_notified(ctx, tx, &e, &format!("snooze.{now}"), now, |l, what| {
        tr!(
            ctx.i18n,
            l,
            "esc-snooze-notice",
            who = person.name.clone(),
            until = until_text.clone(),
            what = what,
            reason = reason
        )
    })
    .await?;
    Ok(SnoozeOutcome::Snoozed { until })
}

/// Timer: a snooze is over; the chain continues with its next step now.
pub async fn on_wake(tx: &mut Tx, id: i64, now: i64) -> Result<(), StoreError> {
    let Some(e) = load(tx, id).await? else {
        return Ok(());
    };
    if e.row.state != EscalationState::Snoozed {
        return Ok(());
    }
    let step = e.row.next_step.max(0) as usize;
    // Offsets after the wake keep their spacing: shift the chain start by the time asleep.
    let chain_start = match e.policy.due(e.row.chain_start, step) {
        Some(due) if due < now => e.row.chain_start + (now - due),
        _ => e.row.chain_start,
    };
    tx.update_escalation(
        id,
        EscalationState::Open,
        step as i64,
        chain_start,
        None,
        None,
    )
    .await?;
    if let Some(due) = e.policy.due(chain_start, step) {
        // The snooze cancelled this step's timer under its usual key (a woken chain that was
        // not overdue keeps its start), so the resumed one needs a key of its own.
        let mut timer = step_timer(id, step, chain_start, due.max(now));
        timer.key = format!("{}:woken:{now}", timer.key);
        tx.add_timer(&timer).await?;
    }
    Ok(())
}

/// Timer: acknowledged but not resolved in time; the chain starts again from level 1.
pub async fn on_retrigger(
    ctx: &Ctx,
    tx: &mut Tx,
    id: i64,
    acked_at: i64,
    now: i64,
) -> Result<(), StoreError> {
    let Some(e) = load(tx, id).await? else {
        return Ok(());
    };
    if e.row.state != EscalationState::Acknowledged || e.row.acked_at != Some(acked_at) {
        return Ok(());
    }
    tx.update_escalation(id, EscalationState::Open, 0, now, None, None)
        .await?;
    tx.add_event(&Event::of(id, now, "retriggered")).await?;
    tell_notified(ctx, tx, &e, &format!("retrigger.{now}"), now, |l, what| {
        tr!(ctx.i18n, l, "esc-retriggered", what = what)
    })
    .await?;
    if let Some(due) = e.policy.due(now, 0) {
        tx.add_timer(&step_timer(id, 0, now, due)).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(offsets: &[i64], repeat: Option<i64>) -> Policy {
        Policy {
            offsets_ms: offsets.to_vec(),
            repeat_ms: repeat,
            ack_timeout_ms: None,
        }
    }

    #[test]
    fn steps_follow_offsets_then_repeat_at_the_last_level() {
        let p = policy(&[0, 1000, 3000], Some(500));
        assert_eq!(p.due(10, 0), Some(10));
        assert_eq!(p.due(10, 2), Some(3010));
        assert_eq!(p.due(10, 3), Some(3510));
        assert_eq!(p.due(10, 4), Some(4010));
        assert_eq!((p.level(0), p.level(2), p.level(7)), (1, 3, 3));
        let once = policy(&[0, 1000], None);
        assert_eq!(once.due(0, 2), None);
    }
}
