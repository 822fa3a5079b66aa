//! Warnings (预警) with call and respond (叫应): a warning goes to everyone with a role in a
//! unit's subtree and to every duty room in it; each must confirm. The silent get it again
//! after `confirm_within`; after twice that, each unit with silent recipients escalates
//! through the engine, naming them, so someone phones them. The issuer's tally message is
//! kept up to date, coalesced so a warning to thousands does not spend the edit budget.
pub mod cap;
pub mod commands;
pub mod upstream;

use crate::action::Action;
use crate::config::Lang;
use crate::context::{Ctx, Features};
use crate::escalation::{self, Item, Policy, Took};
use crate::ids::WarningId;
use crate::notice::{Button, Notice, Priority};
use crate::org::{Member, Role};
use crate::schedule::TimerKinds;
use crate::store::{
    Candidate, NewTimer, NewWarning, RecipientState, StoreError, Tx, UnitTally, WarningRecipient,
    WarningRow,
};
use crate::tr;
use serde_json::json;
use std::collections::{BTreeMap, HashMap};

pub const RESEND: &str = "warning.resend";
pub const ESCALATE: &str = "warning.escalate";
pub const EXPIRE: &str = "warning.expire";
pub const TALLY: &str = "warning.tally";
/// Longest warning text: with its heading and the confirmation line it stays inside one
/// Telegram message (4,096 characters).
pub const MAX_TEXT: usize = 1500;
/// The tally message is edited at most this often.
const TALLY_GAP_MS: i64 = 3000;

/// Its timers and the alert taker for silent recipients.
pub fn register(r: &mut Features) {
    r.timers(TIMERS);
    r.alert_taker("warning", take_from_alert);
    // The handover names the warnings some of the unit have not confirmed.
    r.handover_line(|_, tx, unit, _| {
        Box::pin(async move {
            let ids = tx.waiting_warnings_of(unit).await?;
            Ok(crate::registry::HandoverLine {
                key: "handover-warnings",
                value: crate::registry::HandoverValue::Items(
                    ids.into_iter().map(|n| WarningId(n).into()).collect(),
                ),
            })
        })
    });
}

pub const TIMERS: TimerKinds = &[
    (RESEND, |ctx, tx, t| {
        Box::pin(async move { Ok(on_resend(ctx, tx, t.field("id")?, t.now).await?) })
    }),
    (ESCALATE, |ctx, tx, t| {
        Box::pin(async move { Ok(on_escalate(ctx, tx, t.field("id")?, t.now).await?) })
    }),
    (EXPIRE, |ctx, tx, t| {
        Box::pin(async move {
            let id = t.field("id")?;
            if let Some(w) = tx.warning(id).await? {
                end(ctx, tx, &w, Ending::Said(None), t.now).await?;
            }
            Ok(())
        })
    }),
    (TALLY, |ctx, tx, t| {
        Box::pin(async move { Ok(on_tally(ctx, tx, t.field("id")?, t.now).await?) })
    }),
];

/// China's four warning colours, least severe first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Blue,
    Yellow,
    Orange,
    Red,
}

impl Level {
    pub const ALL: [Level; 4] = [Level::Blue, Level::Yellow, Level::Orange, Level::Red];

    pub fn as_str(self) -> &'static str {
        match self {
            Level::Blue => "blue",
            Level::Yellow => "yellow",
            Level::Orange => "orange",
            Level::Red => "red",
        }
    }

    /// `red`, `Red`, `红`, `红色` (and so on for each colour).
    pub fn parse(s: &str) -> Option<Level> {
        let s = s.trim().to_lowercase();
        Level::ALL.into_iter().find(|l| {
            let zh = match l {
                Level::Blue => "蓝",
                Level::Yellow => "黄",
                Level::Orange => "橙",
                Level::Red => "红",
            };
            s == l.as_str() || s == zh || s == format!("{zh}色") || s == format!("{zh}色预警")
        })
    }

    pub fn from_severity(s: cap::Severity) -> Level {
        match s {
            cap::Severity::Minor => Level::Blue,
            cap::Severity::Moderate => Level::Yellow,
            cap::Severity::Severe => Level::Orange,
            cap::Severity::Extreme => Level::Red,
        }
    }

    /// The level's name in `l`, with its colour.
    pub fn name(self, ctx: &Ctx, l: Lang) -> String {
        ctx.i18n
            .t(l, &format!("warning-level-{}", self.as_str()), &[])
    }
}

fn level_of(w: &WarningRow) -> Level {
    Level::parse(&w.level).unwrap_or(Level::Red)
}

/// Who issues a warning.
#[derive(Debug, Clone)]
pub struct Issuer {
    /// The issuing unit's name, or the upstream sender's.
    pub name: String,
    /// A person issuing by the bot: their id, private chat and language (for the tally).
    pub person: Option<(i64, i64, Lang)>,
}

/// A warning to issue.
#[derive(Debug, Clone)]
pub struct Issue {
    pub targets: Vec<String>,
    pub level: Level,
    pub text: String,
    pub exercise: bool,
    /// `None`: the configured default expiry.
    pub expires_at: Option<i64>,
    pub issuer: Issuer,
    /// From a CAP alert: its sender and identifier.
    pub cap: Option<(String, String)>,
    /// An update of this warning: the same people get the new one.
    pub replaces: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Issued {
    Issued {
        id: i64,
        targeted: usize,
        unreachable: usize,
    },
    /// Nobody holds a role in the subtree and no duty room is bound: nothing was issued.
    Nobody,
    /// This CAP alert was issued before (as `id`).
    Duplicate(i64),
}

/// Expiry choices of the step-by-step `/warn`, in hours: its buttons offer these, and a
/// press is taken only for one of them.
pub const DRAFT_EXPIRIES: [u32; 4] = [6, 12, 24, 72];

/// May this member warn `unit_id`? Supervisors and admins of it or a unit above; returns the
/// unit they issue as (the nearest one above).
pub fn issuing_unit<'m>(
    tree: &crate::org::tree::UnitTree,
    member: &'m Member,
    unit_id: &str,
) -> Option<&'m crate::org::Membership> {
    let chain = tree.chain(unit_id);
    chain.iter().find_map(|u| {
        member
            .memberships
            .iter()
            .find(|m| m.unit_id == u.id && matches!(m.role, Role::Supervisor | Role::Admin))
    })
}

/// May this member end warning `w` (its issuer, or a supervisor or admin above every unit
/// it went to)?
pub fn may_end(tree: &crate::org::tree::UnitTree, member: &Member, w: &WarningRow) -> bool {
    let issuer = member
        .person
        .as_ref()
        .is_some_and(|p| Some(p.id) == w.issued_by);
    issuer
        || w.targets
            .iter()
            .all(|t| issuing_unit(tree, member, t).is_some())
}

/// May this member follow warning `w` (`/warning`, `/warn_end`): they may end it, or may
/// issue to one of its units. Anyone else is answered as if it did not exist.
pub fn may_follow(tree: &crate::org::tree::UnitTree, member: &Member, w: &WarningRow) -> bool {
    may_end(tree, member, w)
        || w.targets
            .iter()
            .any(|t| issuing_unit(tree, member, t).is_some())
}

/// Issue a warning in the caller's transaction: record it and its recipients, queue every
/// copy ahead of routine messages, and plan the resend, escalation, expiry and tally.
pub async fn issue(ctx: &Ctx, tx: &mut Tx, new: &Issue, now: i64) -> Result<Issued, StoreError> {
    if let Some((sender, identifier)) = &new.cap {
        if let Some(id) = tx.warning_by_cap(sender, identifier).await? {
            return Ok(Issued::Duplicate(id));
        }
    }
    let mut audience = match new.replaces {
        Some(old) => tx.warning_audience(old).await?,
        None => audience(ctx, tx, &new.targets).await?,
    };
    // The issuer knows: they follow the tally instead of confirming their own warning.
    if let Some((issuer, _, _)) = new.issuer.person {
        audience.retain(|c| c.person_id != Some(issuer));
    }
    if audience.is_empty() {
        return Ok(Issued::Nobody);
    }
    let w = &ctx.config.warning;
    let confirm_within = w.confirm_within.as_std().as_millis() as i64;
    let expires_at = new
        .expires_at
        .unwrap_or(now + w.expires.as_std().as_millis() as i64);
    let tally_lang = new.issuer.person.map(|(_, _, l)| l.code());
    let row = NewWarning {
        targets: &new.targets,
        level: new.level.as_str(),
        text: &new.text,
        exercise: new.exercise,
        issuer_name: &new.issuer.name,
        issued_by: new.issuer.person.map(|(id, _, _)| id),
        tally_chat: new.issuer.person.map(|(_, chat, _)| chat),
        tally_lang,
        cap: new.cap.as_ref().map(|(s, i)| (s.as_str(), i.as_str())),
        issued_at: now,
        confirm_by: now + confirm_within,
        expires_at,
    };
    let Some(id) = tx.insert_warning(&row).await? else {
        // The same CAP alert, issued by another process in the meantime.
        let (sender, identifier) = new.cap.clone().unwrap_or_default();
        let id = tx.warning_by_cap(&sender, &identifier).await?.unwrap_or(0);
        return Ok(Issued::Duplicate(id));
    };
    tx.add_warning_recipients(id, &audience).await?;
    let Some(warning) = tx.warning(id).await? else {
        return Err(StoreError::Corrupt(format!("{} vanished", WarningId(id))));
    };
    let texts = Texts::of(ctx, tx, &warning).await?;
    let copies: Vec<Notice> = audience
        .iter()
        .filter(|c| !c.unreachable)
        .map(|c| texts.copy(c.chat_id, lang_of(ctx, c.lang.as_deref()), false))
        .collect();
    ctx.say_all(tx, &copies, now).await?;
    let unreachable = audience.len() - copies.len();
    if let Some(chat) = warning.tally_chat {
        let text = tally_text(ctx, &warning, &tx.warning_tally(id).await?);
        let notice = Notice::text(tally_key(id), chat, text).urgent();
        ctx.say(tx, &notice, now).await?;
    }
    let plan = [
        (RESEND, warning.confirm_by),
        (ESCALATE, escalate_at(&warning)),
        (EXPIRE, expires_at),
    ];
    for (kind, due_at) in plan {
        tx.add_timer(&timer(id, kind, kind, due_at)).await?;
    }
    schedule_tally(tx, id, now).await?;
    tracing::info!(
        warning = id,
        targeted = audience.len(),
        unreachable,
        "warning issued"
    );
    Ok(Issued::Issued {
        id,
        targeted: audience.len(),
        unreachable,
    })
}

/// Every person with a role in the targets' subtrees, once each (counted for the deepest of
/// their units there), and every bound duty room in them.
async fn audience(
    ctx: &Ctx,
    tx: &mut Tx,
    targets: &[String],
) -> Result<Vec<Candidate>, StoreError> {
    let tree = ctx.units.get_in(tx).await?;
    let roots: Vec<&str> = targets.iter().map(String::as_str).collect();
    let within = tree.subtree(&roots);
    let depth = |u: &str| tree.chain(u).len();
    let mut by_chat: HashMap<i64, Candidate> = HashMap::new();
    for c in tx.warning_candidates().await? {
        if !within.contains(c.unit_id.as_str()) {
            continue;
        }
        match by_chat.get(&c.chat_id) {
            Some(had) if depth(&had.unit_id) >= depth(&c.unit_id) => {}
            _ => {
                by_chat.insert(c.chat_id, c);
            }
        }
    }
    let mut out: Vec<Candidate> = by_chat.into_values().collect();
    out.sort_by(|a, b| (&a.unit_id, a.chat_id).cmp(&(&b.unit_id, b.chat_id)));
    Ok(out)
}

fn lang_of(ctx: &Ctx, code: Option<&str>) -> Lang {
    match code {
        Some(c) => Lang::from_telegram(Some(c)),
        None => ctx.config.locale,
    }
}

fn timer(id: i64, kind: &str, suffix: &str, due_at: i64) -> NewTimer {
    NewTimer {
        key: format!("warning:{id}:{suffix}"),
        group: group(id),
        kind: kind.into(),
        payload: json!({ "id": id }),
        due_at,
    }
}

fn group(id: i64) -> String {
    format!("warning:{id}")
}

/// Ask for a tally edit at the end of the current slot (one timer per slot, however many
/// confirmations arrive in it).
async fn schedule_tally(tx: &mut Tx, id: i64, now: i64) -> Result<(), StoreError> {
    let slot = now / TALLY_GAP_MS + 1;
    tx.add_timer(&timer(
        id,
        TALLY,
        &format!("tally:{slot}"),
        slot * TALLY_GAP_MS,
    ))
    .await
}

fn copy_key(id: i64, chat: i64, again: bool) -> String {
    if again {
        format!("w{id}.{chat}.again")
    } else {
        // The store knows a warning's messages by this key (`mark_unreachable_recipients`,
        // `warning_copies_unsent`).
        format!("w{id}.{chat}")
    }
}

fn tally_key(id: i64) -> String {
    format!("w{id}.tally")
}

fn priority(ctx: &Ctx, w: &WarningRow) -> Priority {
    if ctx.config.warning.paid_broadcast && level_of(w) == Level::Red {
        Priority::Broadcast
    } else {
        Priority::Urgent
    }
}

fn when(ctx: &Ctx, at: i64) -> String {
    escalation::format_time(ctx, at)
}

/// What a warning's recipients read, rendered once per language for a whole fan-out.
struct Texts<'w> {
    w: &'w WarningRow,
    /// Per language: the warning, its resent form's first line, the button's label.
    by_lang: Vec<(Lang, String, String, String)>,
    priority: Priority,
}

impl<'w> Texts<'w> {
    async fn of(ctx: &Ctx, tx: &mut Tx, w: &'w WarningRow) -> Result<Texts<'w>, StoreError> {
        let tree = ctx.units.get_in(tx).await?;
        let by_lang = Lang::ALL
            .into_iter()
            .map(|l| {
                let names: Vec<String> = w
                    .targets
                    .iter()
                    .map(|t| tree.get(t).map_or_else(|| t.clone(), |u| u.name.clone()))
                    .collect();
                let body = tr!(
                    ctx.i18n,
                    l,
                    "warning-copy",
                    exercise = exercise_mark(ctx, w, l),
                    level = level_of(w).name(ctx, l),
                    id = WarningId(w.id),
                    issuer = w.issuer_name.clone(),
                    units = names.join(&tr!(ctx.i18n, l, "list-separator")),
                    text = w.text.clone(),
                    expires = when(ctx, w.expires_at)
                );
                let again = tr!(ctx.i18n, l, "warning-again");
                let button = tr!(ctx.i18n, l, "warning-received-button");
                (l, body, again, button)
            })
            .collect();
        Ok(Texts {
            w,
            by_lang,
            priority: priority(ctx, w),
        })
    }

    fn lang(&self, l: Lang) -> (&str, &str, &str) {
        let found = self
            .by_lang
            .iter()
            .find(|t| t.0 == l)
            .or(self.by_lang.first());
        found.map_or(("", "", ""), |(_, b, a, k)| {
            (b.as_str(), a.as_str(), k.as_str())
        })
    }

    fn body(&self, l: Lang) -> &str {
        self.lang(l).0
    }

    /// A recipient's copy, with its Received button (`again`: the resend to the silent).
    fn copy(&self, chat: i64, l: Lang, again: bool) -> Notice {
        let (body, first, label) = self.lang(l);
        let text = if again {
            format!("{first}\n{body}")
        } else {
            body.to_string()
        };
        let button = Button::new(label.to_string(), Action::WarnOk(self.w.id));
        Notice::with_buttons(
            copy_key(self.w.id, chat, again),
            chat,
            text,
            vec![vec![button]],
        )
        .with_priority(self.priority)
    }
}

/// Confirmed, waiting, unreachable; and per unit when several.
pub fn totals(tally: &[UnitTally]) -> UnitTally {
    let mut all = UnitTally::default();
    for t in tally {
        all.add(t);
    }
    all
}

fn tally_text(ctx: &Ctx, w: &WarningRow, tally: &[UnitTally]) -> String {
    let l = lang_of(ctx, w.tally_lang.as_deref());
    let t = totals(tally);
    let key = if w.ended_at.is_some() {
        "warning-tally-ended"
    } else {
        "warning-tally"
    };
    tr!(
        ctx.i18n,
        l,
        key,
        exercise = exercise_mark(ctx, w, l),
        id = WarningId(w.id),
        level = level_of(w).name(ctx, l),
        targeted = t.targeted,
        confirmed = t.in_time + t.late,
        late = t.late,
        waiting = t.waiting,
        unreachable = t.unreachable,
        rate = rate(&t)
    )
}

/// Confirmed in time ÷ targeted, as a percentage with one decimal.
pub fn rate(t: &UnitTally) -> String {
    if t.targeted == 0 {
        return "-".into();
    }
    format!("{:.1}%", 100.0 * t.in_time as f64 / t.targeted as f64)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Confirmed {
    Confirmed {
        late: bool,
        id: i64,
    },
    Already {
        at: i64,
    },
    Ended,
    /// No such warning, or this chat is not one of its recipients (the same answer).
    Unknown,
}

/// `chat` confirms warning `id` (a person privately, or a duty room through any member's
/// press): recorded once, every copy of theirs edited to show it, the tally and the unit's
/// alert brought up to date.
pub async fn confirm(
    ctx: &Ctx,
    tx: &mut Tx,
    id: i64,
    chat: i64,
    by: Option<i64>,
    by_name: &str,
    now: i64,
) -> Result<Confirmed, StoreError> {
    let Some(w) = tx.warning(id).await? else {
        return Ok(Confirmed::Unknown);
    };
    // Only a recipient learns anything about the warning, even that it ended.
    let Some(r) = tx.warning_recipient(id, chat).await? else {
        return Ok(Confirmed::Unknown);
    };
    if w.ended_at.is_some() {
        return Ok(Confirmed::Ended);
    }
    if let (Some(at), RecipientState::Confirmed) = (r.confirmed_at, r.state) {
        return Ok(Confirmed::Already { at });
    }
    if !tx.confirm_warning(id, chat, by, by_name, now).await? {
        return Ok(Confirmed::Already { at: now });
    }
    let l = lang_of(ctx, r.lang.as_deref());
    let line = if r.person_id.is_none() {
        tr!(
            ctx.i18n,
            l,
            "warning-confirmed-room",
            who = by_name,
            when = when(ctx, now)
        )
    } else {
        tr!(ctx.i18n, l, "warning-confirmed", when = when(ctx, now))
    };
    let text = format!("{}\n\n{line}", Texts::of(ctx, tx, &w).await?.body(l));
    let mut copies = vec![false];
    if r.resent {
        copies.push(true);
    }
    for again in copies {
        let of = copy_key(id, chat, again);
        let edit = Notice::edit(format!("{of}.ok"), chat, of, text.clone(), Vec::new());
        ctx.say(tx, &edit, now).await?;
    }
    schedule_tally(tx, id, now).await?;
    if now >= escalate_at(&w) {
        refresh_alert(ctx, tx, &w, &r.unit_id, now).await?;
    }
    Ok(Confirmed::Confirmed {
        late: now > w.confirm_by,
        id,
    })
}

/// When silent units escalate: twice `confirm_within` after issuing.
fn escalate_at(w: &WarningRow) -> i64 {
    w.confirm_by + (w.confirm_by - w.issued_at)
}

fn alert_subject(id: i64, unit_id: &str) -> String {
    let (id, unit) = (WarningId(id), unit_id.to_string());
    crate::ids::Subject::Warning { id, unit }.to_string()
}

/// Names of who has not confirmed, with their @usernames, for the alert.
fn silent_names(ctx: &Ctx, silent: &[WarningRecipient]) -> String {
    let l = ctx.config.locale;
    let names: Vec<String> = silent
        .iter()
        .map(|r| {
            let mut n = match (&r.person_id, &r.username) {
                (Some(_), Some(u)) => format!("{} (@{u})", r.name),
                (Some(_), None) => r.name.clone(),
                (None, _) => tr!(ctx.i18n, l, "warning-duty-room", unit = r.name.clone()),
            };
            if r.state == RecipientState::Unreachable {
                n = tr!(ctx.i18n, l, "warning-unreachable-mark", name = n);
            }
            n
        })
        .collect();
    names.join(&tr!(ctx.i18n, l, "list-separator"))
}

fn alert_args(w: &WarningRow, names: String) -> BTreeMap<String, String> {
    BTreeMap::from([
        ("id".to_string(), WarningId(w.id).to_string()),
        ("names".to_string(), names),
    ])
}

/// A unit's alert after a late confirmation: it names only who is still silent, and ends
/// once nobody is.
async fn refresh_alert(
    ctx: &Ctx,
    tx: &mut Tx,
    w: &WarningRow,
    unit_id: &str,
    now: i64,
) -> Result<(), StoreError> {
    let subject = alert_subject(w.id, unit_id);
    let silent = tx.silent_recipients(w.id, unit_id).await?;
    if silent.is_empty() {
        escalation::resolve(ctx, tx, &subject, now).await?;
    } else {
        let args = alert_args(w, silent_names(ctx, &silent));
        tx.set_escalation_args(&subject, &serde_json::to_string(&args).unwrap_or_default())
            .await?;
    }
    Ok(())
}

/// Timer: those silent after `confirm_within` get the warning again.
async fn on_resend(ctx: &Ctx, tx: &mut Tx, id: i64, now: i64) -> Result<(), StoreError> {
    let Some(w) = tx.warning(id).await?.filter(|w| w.ended_at.is_none()) else {
        return Ok(());
    };
    tx.mark_unreachable_recipients(id).await?;
    let waiting = tx
        .warning_recipients(id, &[RecipientState::Waiting])
        .await?;
    let texts = Texts::of(ctx, tx, &w).await?;
    let again: Vec<Notice> = waiting
        .iter()
        .map(|r| texts.copy(r.chat_id, lang_of(ctx, r.lang.as_deref()), true))
        .collect();
    ctx.say_all(tx, &again, now).await?;
    let chats: Vec<i64> = waiting.iter().map(|r| r.chat_id).collect();
    tx.mark_resent(id, &chats).await?;
    schedule_tally(tx, id, now).await?;
    tracing::info!(
        warning = id,
        resent = chats.len(),
        "warning sent again to the silent"
    );
    Ok(())
}

/// Timer: after twice `confirm_within`, each unit with silent recipients escalates.
async fn on_escalate(ctx: &Ctx, tx: &mut Tx, id: i64, now: i64) -> Result<(), StoreError> {
    let Some(w) = tx.warning(id).await?.filter(|w| w.ended_at.is_none()) else {
        return Ok(());
    };
    tx.mark_unreachable_recipients(id).await?;
    for unit in tx.warning_tally(id).await? {
        if unit.waiting + unit.unreachable == 0 {
            continue;
        }
        let silent = tx.silent_recipients(id, &unit.unit_id).await?;
        let item = Item {
            subject: alert_subject(id, &unit.unit_id),
            unit_id: unit.unit_id.clone(),
            what_key: "warning-esc-what".into(),
            what_args: alert_args(&w, silent_names(ctx, &silent)),
            since: w.issued_at,
            policy: Policy::new(&ctx.config.warning.escalate),
        };
        escalation::start(tx, &item, now).await?;
    }
    Ok(())
}

/// Timer: bring the issuer's tally message up to date; look again while copies are still
/// on their way (a refused one counts as unreachable).
async fn on_tally(ctx: &Ctx, tx: &mut Tx, id: i64, now: i64) -> Result<(), StoreError> {
    let Some(w) = tx.warning(id).await? else {
        return Ok(());
    };
    show_tally(ctx, tx, &w, now).await?;
    if w.ended_at.is_none() && tx.warning_copies_unsent(id).await? {
        schedule_tally(tx, id, now).await?;
    }
    Ok(())
}

async fn show_tally(ctx: &Ctx, tx: &mut Tx, w: &WarningRow, now: i64) -> Result<(), StoreError> {
    if w.ended_at.is_none() {
        tx.mark_unreachable_recipients(w.id).await?;
    }
    let Some(chat) = w.tally_chat else {
        return Ok(());
    };
    let text = tally_text(ctx, w, &tx.warning_tally(w.id).await?);
    if w.tally_shown.as_deref() == Some(text.as_str()) {
        return Ok(());
    }
    tx.set_tally_shown(w.id, &text).await?;
    let edit = Notice::edit(
        format!("{}.{now}", tally_key(w.id)),
        chat,
        tally_key(w.id),
        text,
        Vec::new(),
    );
    ctx.say(tx, &edit, now).await
}

/// What the all-clear says beside it.
#[derive(Debug, Clone, Copy)]
pub enum Ending<'a> {
    /// `/warn_end`'s text, or nothing (the expiry, a CAP Cancel).
    Said(Option<&'a str>),
    /// A CAP Update replaced it with this warning.
    Replaced(i64),
}

/// End a warning (by `/warn_end`, a CAP Cancel or Update, or its expiry): everyone is told,
/// its alerts end, nothing more is resent. False if it had ended already.
pub async fn end(
    ctx: &Ctx,
    tx: &mut Tx,
    w: &WarningRow,
    ending: Ending<'_>,
    now: i64,
) -> Result<bool, StoreError> {
    let said = match ending {
        Ending::Said(text) => text.map(str::trim).filter(|t| !t.is_empty()),
        Ending::Replaced(_) => None,
    };
    if !tx.end_warning(w.id, said, now).await? {
        return Ok(false);
    }
    tx.cancel_timers(&group(w.id)).await?;
    escalation::resolve_all(ctx, tx, &group(w.id), now).await?;
    let recipients = tx.warning_recipients(w.id, &[]).await?;
    let words: Vec<(Lang, String)> = Lang::ALL
        .into_iter()
        .map(|l| (l, all_clear(ctx, w, l, ending)))
        .collect();
    let clear: Vec<Notice> = recipients
        .iter()
        .filter(|r| r.state != RecipientState::Unreachable)
        .map(|r| {
            let l = lang_of(ctx, r.lang.as_deref());
            let text = words.iter().find(|(w, _)| *w == l).map(|(_, t)| t.clone());
            let key = format!("w{}.{}.end", w.id, r.chat_id);
            Notice::text(key, r.chat_id, text.unwrap_or_default()).with_priority(priority(ctx, w))
        })
        .collect();
    ctx.say_all(tx, &clear, now).await?;
    if let Some(ended) = tx.warning(w.id).await? {
        show_tally(ctx, tx, &ended, now).await?;
    }
    tracing::info!(warning = w.id, "warning ended");
    Ok(true)
}

/// 【演练】 before everything an exercise says.
pub fn exercise_mark(ctx: &Ctx, w: &WarningRow, l: Lang) -> String {
    if w.exercise {
        tr!(ctx.i18n, l, "warning-exercise-mark")
    } else {
        String::new()
    }
}

fn all_clear(ctx: &Ctx, w: &WarningRow, l: Lang, ending: Ending) -> String {
    let line = tr!(
        ctx.i18n,
        l,
        "warning-all-clear",
        exercise = exercise_mark(ctx, w, l),
        id = WarningId(w.id),
        level = level_of(w).name(ctx, l)
    );
    match ending {
        Ending::Said(Some(t)) if !t.trim().is_empty() => format!("{line}\n{}", t.trim()),
        Ending::Said(_) => line,
        Ending::Replaced(by) => {
            let by = tr!(ctx.i18n, l, "warning-replaced", id = WarningId(by));
            format!("{line}\n{by}")
        }
    }
}

/// An alert about silent recipients was taken: the taker is calling them; the alert stays
/// until they have all confirmed (or the warning ends).
pub fn take_from_alert<'a>(
    _ctx: &'a Ctx,
    _tx: &'a mut Tx,
    _subject: &'a crate::ids::Subject,
    _member: &'a Member,
    _now: i64,
) -> futures::future::BoxFuture<'a, Result<Took, StoreError>> {
    Box::pin(async { Ok(Took::Calling) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_read_in_either_language() {
        assert_eq!(Level::parse("red"), Some(Level::Red));
        assert_eq!(Level::parse(" Orange "), Some(Level::Orange));
        assert_eq!(Level::parse("黄色"), Some(Level::Yellow));
        assert_eq!(Level::parse("蓝"), Some(Level::Blue));
        assert_eq!(Level::parse("红色预警"), Some(Level::Red));
        assert_eq!(Level::parse("purple"), None);
        assert_eq!(Level::parse(""), None);
        assert_eq!(Level::from_severity(cap::Severity::Extreme), Level::Red);
        assert_eq!(Level::from_severity(cap::Severity::Minor), Level::Blue);
    }

    #[test]
    fn the_rate_counts_only_confirmations_in_time() {
        let t = UnitTally {
            unit_id: "x".into(),
            targeted: 8,
            in_time: 6,
            late: 1,
            waiting: 0,
            unreachable: 1,
        };
        assert_eq!(rate(&t), "75.0%");
        assert_eq!(rate(&UnitTally::default()), "-");
    }
}
