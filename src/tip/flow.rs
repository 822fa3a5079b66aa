//! What happens to a tip, inside the caller's transaction: filing it, relaying between the
//! tipster and the desk, the desk's actions, rewards, and forgetting the tipster. Messages go
//! out as outbox rows; those to the tipster are ephemeral (recipient and text erased once sent).
use super::{Draft, Reward, State, FORGET};
use crate::action::Action;
use crate::config::Lang;
use crate::context::{Ctx, Features, SayError};
use crate::crypto::CryptoError;
use crate::escalation::{self, Item, Policy};
use crate::ids::{HazardId, TipId};
use crate::notice::{Button, Buttons, Notice};
use crate::org::{Member, Role};
use crate::schedule::TimerKinds;
use crate::store::{NewTimer, Recipient, StoreError, TipRow, Tx};
use crate::tr;
use serde_json::json;
use std::collections::BTreeMap;

#[derive(Debug, thiserror::Error)]
pub enum TipError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("tip {0}: {1}")]
    Crypto(i64, CryptoError),
    #[error("receipt code: {0}")]
    Code(CryptoError),
    #[error("no tip desk: tip.desk names no unit and there is no root unit")]
    NoDesk,
}

impl From<TipError> for crate::inbound::HandlerError {
    fn from(e: TipError) -> Self {
        match e {
            TipError::Store(e) => Self::Store(e),
            other => Self::Failed(Box::new(other)),
        }
    }
}

/// A closed tip's time being up (the tipster forgotten, unless a reward is on its way).
/// Its timer and the alert taker for a tip waiting for the desk.
pub fn register(r: &mut Features) {
    r.timers(TIMERS);
    r.alert_taker("tip", take_from_alert);
}

pub const TIMERS: TimerKinds = &[(FORGET, |ctx, tx, t| {
    Box::pin(async move { Ok(on_forget(ctx, tx, t.field("id")?, t.now).await?) })
})];

pub fn subject(id: i64) -> String {
    crate::ids::Subject::Tip(crate::ids::TipId(id)).to_string()
}

/// The unit whose supervisors and duty room handle tips (read in the transaction that files
/// the tip: in a batch, a read beside it would have to wait for it).
pub async fn desk_unit(ctx: &Ctx, tx: &mut Tx) -> Result<String, TipError> {
    match &ctx.config.tip.desk {
        Some(d) if tx.unit(d).await?.is_some() => Ok(d.clone()),
        Some(_) | None => tx.root_unit().await?.ok_or(TipError::NoDesk),
    }
}

/// May this member handle tips of the desk (supervisors and duty officers of the desk unit)?
pub fn is_handler(member: &Member, desk: &str) -> bool {
    member
        .memberships
        .iter()
        .any(|m| m.unit_id == desk && matches!(m.role, Role::Supervisor | Role::DutyOfficer))
}

pub fn is_desk_supervisor(member: &Member, desk: &str) -> bool {
    member
        .memberships
        .iter()
        .any(|m| m.unit_id == desk && m.role == Role::Supervisor)
}

fn lang_of(ctx: &Ctx, r: &Recipient) -> Lang {
    match &r.lang {
        Some(code) => Lang::from_telegram(Some(code)),
        None => ctx.config.locale,
    }
}

/// Who handles the desk's tips now: its supervisors and duty room, or, if nobody there can
/// be reached, the nearest unit above that has someone.
async fn desk_recipients(tx: &mut Tx, desk: &str) -> Result<Vec<Recipient>, StoreError> {
    for (unit, _) in tx.unit_chain(desk).await? {
        let r = tx.supervisors_and_room(&unit).await?;
        if !r.is_empty() {
            return Ok(r);
        }
    }
    tracing::error!(desk, "nobody reachable to handle tips");
    Ok(Vec::new())
}

fn desk_buttons(ctx: &Ctx, l: Lang, id: i64) -> Buttons {
    let b = |key: &str, a: Action| Button::new(ctx.i18n.t(l, key, &[]), a);
    vec![vec![
        b("tip-btn-ack", Action::TipAck(id)),
        b("tip-btn-reply", Action::TipReply(id)),
        b("tip-btn-close", Action::TipClose(id)),
    ]]
}

/// Something the tipster sent: copied to the desk, never forwarded.
#[derive(Debug, Clone, PartialEq)]
pub enum Content {
    Text(String),
    Photo {
        file_id: String,
        caption: Option<String>,
    },
    Location(f64, f64),
}

/// Copy content to every desk recipient: a text (with the desk's buttons when `buttons`),
/// then photos by file id (the bot sends them itself) and the location.
#[allow(clippy::too_many_arguments)]
async fn to_desk(
    ctx: &Ctx,
    tx: &mut Tx,
    tip_id: i64,
    desk: &str,
    key: &str,
    text: &(dyn Fn(Lang) -> String + Sync),
    buttons: bool,
    photos: &[String],
    location: Option<(f64, f64)>,
    now: i64,
) -> Result<(), StoreError> {
    let id = TipId(tip_id);
    for r in desk_recipients(tx, desk).await? {
        let l = lang_of(ctx, &r);
        let rows = match buttons {
            true => desk_buttons(ctx, l, tip_id),
            false => Vec::new(),
        };
        let base = format!("tip.{tip_id}.{key}.{}", r.chat_id);
        let words = Notice::with_buttons(format!("{base}.t"), r.chat_id, text(l), rows);
        ctx.say(tx, &words, now).await?;
        for (n, p) in photos.iter().enumerate() {
            let photo = Notice::photo(
                format!("{base}.p{n}"),
                r.chat_id,
                p.clone(),
                format!("📷 {id}"),
            );
            ctx.say(tx, &photo, now).await?;
        }
        if let Some((lat, lon)) = location {
            ctx.say(
                tx,
                &Notice::location(format!("{base}.l"), r.chat_id, lat, lon),
                now,
            )
            .await?;
        }
    }
    Ok(())
}

/// Where messages to the tipster go: their chat and language, sealed together.
fn seal_recipient(ctx: &Ctx, tip_id: i64, chat_id: i64, lang: Lang) -> Result<String, TipError> {
    ctx.tip_key
        .seal(format!("{chat_id} {}", lang.code()).as_bytes(), tip_id)
        .map_err(|e| TipError::Crypto(tip_id, e))
}

fn open_recipient(ctx: &Ctx, tip: &TipRow) -> Result<Option<(i64, Lang)>, TipError> {
    let Some(sealed) = tip.chat_sealed.as_deref() else {
        return Ok(None);
    };
    let plain = ctx
        .tip_key
        .open(sealed, tip.id)
        .map_err(|e| TipError::Crypto(tip.id, e))?;
    let text =
        String::from_utf8(plain).map_err(|_| TipError::Crypto(tip.id, CryptoError::Malformed))?;
    let (chat, lang) = text
        .split_once(' ')
        .ok_or(TipError::Crypto(tip.id, CryptoError::Malformed))?;
    let chat = chat
        .parse()
        .map_err(|_| TipError::Crypto(tip.id, CryptoError::Malformed))?;
    Ok(Some((chat, Lang::from_telegram(Some(lang)))))
}

/// Point replies at this chat (the latest account that used the receipt code).
pub async fn repoint(
    ctx: &Ctx,
    tx: &mut Tx,
    tip_id: i64,
    chat_id: i64,
    lang: Lang,
    now: i64,
) -> Result<(), TipError> {
    let sealed = seal_recipient(ctx, tip_id, chat_id, lang)?;
    tx.set_tip_chat_sealed(tip_id, &sealed).await?;
    let key = ctx.tip_key.chat_key(super::CHAT_LABEL, chat_id);
    tx.set_tip_session(&key, tip_id, now).await?;
    Ok(())
}

/// Tell the tipster, decrypting their chat only now. False when their identity was erased.
pub async fn tell_tipster(
    ctx: &Ctx,
    tx: &mut Tx,
    tip: &TipRow,
    key: &str,
    text: impl Fn(Lang) -> String,
    now: i64,
) -> Result<bool, TipError> {
    let Some((chat, lang)) = open_recipient(ctx, tip)? else {
        return Ok(false);
    };
    let notice = Notice::text(format!("tip.{}.to.{key}", tip.id), chat, text(lang));
    match ctx.say_ephemeral(tx, &notice, now).await {
        Ok(()) => Ok(true),
        Err(SayError::Store(e)) => Err(e.into()),
        Err(SayError::Seal(e)) => Err(TipError::Crypto(tip.id, e)),
    }
}

/// File a confirmed draft: store it, seal the chat, open the relay session, tell the desk and
/// start the escalation chain (the caller counted it: `limits::Kind::NewTip`). Returns the
/// tip id.
#[allow(clippy::too_many_arguments)]
pub async fn submit(
    ctx: &Ctx,
    tx: &mut Tx,
    draft: &Draft,
    chat_id: i64,
    lang: Lang,
    code_lookup: &str,
    code_hash: &str,
    now: i64,
) -> Result<i64, TipError> {
    let desk = desk_unit(ctx, tx).await?;
    let id = tx.insert_tip(&desk, code_lookup, code_hash, now).await?;
    repoint(ctx, tx, id, chat_id, lang, now).await?;
    tx.add_tip_entry(id, "tipster", "text", &draft.body, None, now)
        .await?;
    for p in &draft.photos {
        tx.add_tip_entry(id, "tipster", "photo", p, None, now)
            .await?;
    }
    if let Some((lat, lon)) = draft.location {
        tx.add_tip_entry(
            id,
            "tipster",
            "location",
            &format!("{lat},{lon}"),
            None,
            now,
        )
        .await?;
    }
    let tid = TipId(id).to_string();
    let text = |l: Lang| {
        let location = if draft.location.is_some() {
            tr!(ctx.i18n, l, "tip-location-yes")
        } else {
            tr!(ctx.i18n, l, "tip-location-no")
        };
        tr!(
            ctx.i18n,
            l,
            "tip-desk-new",
            id = tid.clone(),
            body = draft.body.clone(),
            photos = draft.photos.len() as i64,
            location = location
        )
    };
    to_desk(
        ctx,
        tx,
        id,
        &desk,
        "new",
        &text,
        true,
        &draft.photos,
        draft.location,
        now,
    )
    .await?;
    // The escalation's text names only the tip id: nothing about the tipster.
    let item = Item {
        subject: subject(id),
        unit_id: desk.clone(),
        what_key: "tip-what".into(),
        what_args: BTreeMap::from([("id".to_string(), tid.clone())]),
        since: now,
        policy: Policy::new(&ctx.config.tip.escalate),
    };
    escalation::start(tx, &item, now).await?;
    Ok(id)
}

/// The tipster sent more (in their chat, or with `/tip CODE TEXT`): record and copy to the desk.
pub async fn from_tipster(
    ctx: &Ctx,
    tx: &mut Tx,
    tip: &TipRow,
    content: &Content,
    now: i64,
) -> Result<(), TipError> {
    let tid = TipId(tip.id).to_string();
    let (kind, body) = match content {
        Content::Text(t) => ("text", t.clone()),
        Content::Photo { file_id, .. } => ("photo", file_id.clone()),
        Content::Location(lat, lon) => ("location", format!("{lat},{lon}")),
    };
    let entry = tx
        .add_tip_entry(tip.id, "tipster", kind, &body, None, now)
        .await?;
    if let Content::Photo {
        caption: Some(c), ..
    } = content
    {
        tx.add_tip_entry(tip.id, "tipster", "text", c, None, now)
            .await?;
    }
    let key = format!("in{entry}");
    match content {
        Content::Text(t) => {
            let text = |l: Lang| {
                tr!(
                    ctx.i18n,
                    l,
                    "tip-desk-followup",
                    id = tid.clone(),
                    text = t.clone()
                )
            };
            to_desk(
                ctx,
                tx,
                tip.id,
                &tip.desk_unit,
                &key,
                &text,
                true,
                &[],
                None,
                now,
            )
            .await?;
        }
        Content::Photo { file_id, caption } => {
            let text = |l: Lang| {
                tr!(
                    ctx.i18n,
                    l,
                    "tip-desk-followup-photo",
                    id = tid.clone(),
                    text = caption.clone().unwrap_or_default()
                )
            };
            let photos = [file_id.clone()];
            to_desk(
                ctx,
                tx,
                tip.id,
                &tip.desk_unit,
                &key,
                &text,
                false,
                &photos,
                None,
                now,
            )
            .await?;
        }
        Content::Location(lat, lon) => {
            let text = |l: Lang| tr!(ctx.i18n, l, "tip-desk-followup-location", id = tid.clone());
            to_desk(
                ctx,
                tx,
                tip.id,
                &tip.desk_unit,
                &key,
                &text,
                false,
                &[],
                Some((*lat, *lon)),
                now,
            )
            .await?;
        }
    }
    Ok(())
}

/// What a desk action did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeskOutcome {
    Done {
        told_tipster: bool,
    },
    /// Not a handler of the tip's desk: answered exactly as `Unknown`, so nobody learns
    /// which tips exist.
    NotAllowed,
    /// A handler of the desk, but the step is a supervisor's (rewards).
    NotSupervisor,
    Unknown,
    AlreadyAcked,
    Closed,
    Forgotten,
    BadStep {
        current: Reward,
    },
}

/// Load a tip for a desk action by `member`; `Err(outcome)` when the action cannot go on.
async fn for_desk(
    tx: &mut Tx,
    id: i64,
    member: &Member,
    supervisor_only: bool,
) -> Result<Result<TipRow, DeskOutcome>, TipError> {
    let Some(tip) = tx.tip(id).await? else {
        return Ok(Err(DeskOutcome::Unknown));
    };
    // Not even whether the tip exists is told to someone who may not handle tips: the
    // adapter answers `NotAllowed` as it answers `Unknown`.
    if !is_handler(member, &tip.desk_unit) || member.person.is_none() {
        return Ok(Err(DeskOutcome::NotAllowed));
    }
    if supervisor_only && !is_desk_supervisor(member, &tip.desk_unit) {
        return Ok(Err(DeskOutcome::NotSupervisor));
    }
    Ok(Ok(tip))
}

/// The desk's Reply or Close button asks for a text first: may `member` reply to (or close,
/// with `close`) tip `id` now? Checked before asking, so a refused press asks nothing.
pub async fn may_answer(
    tx: &mut Tx,
    id: i64,
    member: &Member,
    close: bool,
) -> Result<Result<(), DeskOutcome>, TipError> {
    let tip = match for_desk(tx, id, member, false).await? {
        Ok(t) => t,
        Err(o) => return Ok(Err(o)),
    };
    if close && tip.state == State::Closed.as_str() {
        return Ok(Err(DeskOutcome::Closed));
    }
    if !close && (tip.forgotten_at.is_some() || tip.chat_sealed.is_none()) {
        return Ok(Err(DeskOutcome::Forgotten));
    }
    Ok(Ok(()))
}

fn person_id(member: &Member) -> Option<i64> {
    member.person.as_ref().map(|p| p.id)
}

/// A handler takes the tip: the escalation chain ends, the tipster learns it is being handled.
pub async fn acknowledge(
    ctx: &Ctx,
    tx: &mut Tx,
    id: i64,
    member: &Member,
    now: i64,
) -> Result<DeskOutcome, TipError> {
    let tip = match for_desk(tx, id, member, false).await? {
        Ok(t) => t,
        Err(o) => return Ok(o),
    };
    match State::parse(&tip.state) {
        Some(State::Acknowledged) => return Ok(DeskOutcome::AlreadyAcked),
        Some(State::Closed) => return Ok(DeskOutcome::Closed),
        _ => {}
    }
    let Some(person) = member.person.as_ref() else {
        return Ok(DeskOutcome::NotAllowed);
    };
    tx.ack_tip(id, person.id).await?;
    let entry = tx
        .add_tip_entry(id, "desk", "state", "acknowledged", Some(person.id), now)
        .await?;
    escalation::resolve_taken(ctx, tx, &subject(id), person, now).await?;
    let tid = TipId(id).to_string();
    let told = tell_tipster(
        ctx,
        tx,
        &tip,
        &format!("e{entry}"),
        |l| tr!(ctx.i18n, l, "tip-to-tipster-acked", id = tid.clone()),
        now,
    )
    .await?;
    Ok(DeskOutcome::Done { told_tipster: told })
}

/// The escalation engine's hook: someone took the alert about tip `tip:45`. A handler of the
/// desk takes the tip itself, exactly as with its own Acknowledge; anyone else may not.
pub fn take_from_alert<'a>(
    ctx: &'a Ctx,
    tx: &'a mut Tx,
    subject: &'a crate::ids::Subject,
    member: &'a Member,
    now: i64,
) -> futures::future::BoxFuture<'a, Result<escalation::Took, StoreError>> {
    Box::pin(async move {
        let crate::ids::Subject::Tip(crate::ids::TipId(id)) = *subject else {
            return Ok(escalation::Took::Nothing);
        };
        let outcome = acknowledge(ctx, tx, id, member, now)
            .await
            .map_err(|e| match e {
                TipError::Store(e) => e,
                other => StoreError::Corrupt(other.to_string()),
            })?;
        Ok(match outcome {
            DeskOutcome::Done { .. } => escalation::Took::Item,
            DeskOutcome::NotAllowed | DeskOutcome::NotSupervisor => escalation::Took::Refused,
            _ => escalation::Took::Nothing,
        })
    })
}

/// `/reply T-45 TEXT`: to the tipster through the bot, without the handler's name.
pub async fn reply(
    ctx: &Ctx,
    tx: &mut Tx,
    id: i64,
    member: &Member,
    text: &str,
    now: i64,
) -> Result<DeskOutcome, TipError> {
    let tip = match for_desk(tx, id, member, false).await? {
        Ok(t) => t,
        Err(o) => return Ok(o),
    };
    if tip.forgotten_at.is_some() || tip.chat_sealed.is_none() {
        return Ok(DeskOutcome::Forgotten);
    }
    let pid = person_id(member);
    let entry = tx.add_tip_entry(id, "desk", "text", text, pid, now).await?;
    if tip.state == State::Open.as_str() {
        tx.ack_tip(id, pid.unwrap_or_default()).await?;
    }
    escalation::resolve(ctx, tx, &subject(id), now).await?;
    let tid = TipId(id).to_string();
    let told = tell_tipster(
        ctx,
        tx,
        &tip,
        &format!("e{entry}"),
        |l| {
            tr!(
                ctx.i18n,
                l,
                "tip-to-tipster-reply",
                id = tid.clone(),
                text = text
            )
        },
        now,
    )
    .await?;
    Ok(DeskOutcome::Done { told_tipster: told })
}

/// `/close T-45 OUTCOME`: closed for good; the identity is forgotten after `tip.forget_after`.
pub async fn close(
    ctx: &Ctx,
    tx: &mut Tx,
    id: i64,
    member: &Member,
    outcome: &str,
    now: i64,
) -> Result<DeskOutcome, TipError> {
    let tip = match for_desk(tx, id, member, false).await? {
        Ok(t) => t,
        Err(o) => return Ok(o),
    };
    if tip.state == State::Closed.as_str() {
        return Ok(DeskOutcome::Closed);
    }
    tx.close_tip(id, outcome, now).await?;
    let entry = tx
        .add_tip_entry(
            id,
            "desk",
            "state",
            &format!("closed:{outcome}"),
            person_id(member),
            now,
        )
        .await?;
    escalation::resolve(ctx, tx, &subject(id), now).await?;
    schedule_forget(ctx, tx, id, now).await?;
    let tid = TipId(id).to_string();
    let told = tell_tipster(
        ctx,
        tx,
        &tip,
        &format!("e{entry}"),
        |l| {
            tr!(
                ctx.i18n,
                l,
                "tip-to-tipster-closed",
                id = tid.clone(),
                outcome = outcome
            )
        },
        now,
    )
    .await?;
    Ok(DeskOutcome::Done { told_tipster: told })
}

async fn schedule_forget(ctx: &Ctx, tx: &mut Tx, id: i64, now: i64) -> Result<(), StoreError> {
    let after = ctx
        .config
        .tip
        .forget_after
        .as_std()
        .as_millis()
        .min(i64::MAX as u128) as i64;
    tx.add_timer(&NewTimer {
        key: format!("tip:{id}:forget:{now}"),
        group: format!("tip:{id}"),
        kind: FORGET.into(),
        payload: json!({ "id": id }),
        due_at: now.saturating_add(after),
    })
    .await
}

/// Timer: a closed tip's time is up. A reward still on its way keeps the tipster reachable
/// for another period; otherwise everything that leads back to them is erased.
pub async fn on_forget(ctx: &Ctx, tx: &mut Tx, id: i64, now: i64) -> Result<(), StoreError> {
    let Some(tip) = tx.tip(id).await? else {
        return Ok(());
    };
    if tip.forgotten_at.is_some() || tip.state != State::Closed.as_str() {
        return Ok(());
    }
    if matches!(
        Reward::parse(&tip.reward_state),
        Some(Reward::Proposed | Reward::Approved)
    ) {
        return schedule_forget(ctx, tx, id, now).await;
    }
    tx.forget_tip(id, now).await?;
    tracing::info!(tip = %TipId(id).to_string(), "tipster identity erased");
    Ok(())
}

/// `/reward T-45 proposed 500 | approved | paid` (desk supervisors), announced to the tipster.
pub async fn reward(
    ctx: &Ctx,
    tx: &mut Tx,
    id: i64,
    member: &Member,
    to: Reward,
    amount: Option<i64>,
    now: i64,
) -> Result<DeskOutcome, TipError> {
    let tip = match for_desk(tx, id, member, true).await? {
        Ok(t) => t,
        Err(o) => return Ok(o),
    };
    let current = Reward::parse(&tip.reward_state).unwrap_or(Reward::None);
    if !current.may_become(to) {
        return Ok(DeskOutcome::BadStep { current });
    }
    tx.set_tip_reward(id, to.as_str(), amount).await?;
    let amount = amount.or(tip.reward_amount).unwrap_or_default();
    let entry = tx
        .add_tip_entry(
            id,
            "desk",
            "reward",
            &format!("{}:{amount}", to.as_str()),
            person_id(member),
            now,
        )
        .await?;
    let tid = TipId(id).to_string();
    let key = format!("tip-to-tipster-reward-{}", to.as_str());
    let told = tell_tipster(
        ctx,
        tx,
        &tip,
        &format!("e{entry}"),
        |l| tr!(ctx.i18n, l, &key, id = tid.clone(), amount = amount),
        now,
    )
    .await?;
    Ok(DeskOutcome::Done { told_tipster: told })
}

/// Forward a tip to a unit as a hazard. Hazard reports do not exist yet: recorded as a note.
/// A handler turns a tip into a hazard report of `unit_id`: the tipster's text, photos and
/// location, reported by the handler — nothing of the tipster goes with it.
pub async fn forward(
    ctx: &Ctx,
    tx: &mut Tx,
    id: i64,
    member: &Member,
    unit_id: &str,
    now: i64,
) -> Result<(DeskOutcome, Option<i64>), TipError> {
    if let Err(o) = for_desk(tx, id, member, false).await? {
        return Ok((o, None));
    }
    let mut draft = crate::hazard::draft::Draft {
        unit: Some(unit_id.to_string()),
        started: now,
        ..Default::default()
    };
    let categories = &ctx.config.hazard.categories;
    draft.category = categories
        .iter()
        .find(|c| *c == "other")
        .or(categories.first())
        .cloned();
    for e in tx
        .tip_entries(id)
        .await?
        .into_iter()
        .filter(|e| e.side == "tipster")
    {
        match e.kind.as_str() {
            "text" => {
                draft.add_text(&e.body);
            }
            "photo" => {
                draft.add_photo(&e.body);
            }
            "location" => {
                let mut parts = e.body.split(',').map(|p| p.trim().parse::<f64>());
                if let (Some(Ok(lat)), Some(Ok(lon))) = (parts.next(), parts.next()) {
                    draft.location = Some((lat, lon));
                }
            }
            _ => {}
        }
    }
    if draft.text.is_none() {
        draft.add_text(&TipId(id).to_string());
    }
    let hazard = crate::hazard::submit(ctx, tx, member, &draft, false, now).await?;
    let note = format!(
        "forwarded as hazard {} to {unit_id}",
        hazard.map(|n| HazardId(n).to_string()).unwrap_or_default()
    );
    tx.add_tip_entry(id, "desk", "note", &note, person_id(member), now)
        .await?;
    Ok((
        DeskOutcome::Done {
            told_tipster: false,
        },
        hazard,
    ))
}

/// The tipster chose, and confirmed, to say who they are.
pub async fn reveal(
    ctx: &Ctx,
    tx: &mut Tx,
    tip: &TipRow,
    who: &str,
    now: i64,
) -> Result<(), TipError> {
    tx.record_tip_reveal(tip.id, who, now).await?;
    let entry = tx
        .add_tip_entry(tip.id, "tipster", "reveal", who, None, now)
        .await?;
    let tid = TipId(tip.id).to_string();
    let text = |l: Lang| {
        tr!(
            ctx.i18n,
            l,
            "tip-desk-revealed",
            id = tid.clone(),
            who = who
        )
    };
    to_desk(
        ctx,
        tx,
        tip.id,
        &tip.desk_unit,
        &format!("rv{entry}"),
        &text,
        false,
        &[],
        None,
        now,
    )
    .await?;
    Ok(())
}

/// The tip's state and whole exchange, as the tipster sees it (no handler names, no notes).
pub async fn status_text(
    ctx: &Ctx,
    tx: &mut Tx,
    tip: &TipRow,
    l: Lang,
) -> Result<String, TipError> {
    let state = match State::parse(&tip.state) {
        Some(State::Open) | None => tr!(ctx.i18n, l, "tip-state-open"),
        Some(State::Acknowledged) => tr!(ctx.i18n, l, "tip-state-acknowledged"),
        Some(State::Closed) => tr!(
            ctx.i18n,
            l,
            "tip-state-closed",
            outcome = tip.outcome.clone().unwrap_or_default()
        ),
    };
    let reward = tr!(
        ctx.i18n,
        l,
        &format!("tip-reward-{}", tip.reward_state),
        amount = tip.reward_amount.unwrap_or_default()
    );
    let mut lines = Vec::new();
    for e in tx.tip_entries(tip.id).await? {
        let when = escalation::format_time(ctx, e.at);
        let what = match (e.side.as_str(), e.kind.as_str()) {
            (_, "note") => continue,
            (_, "photo") => tr!(ctx.i18n, l, "tip-line-photo"),
            (_, "location") => tr!(ctx.i18n, l, "tip-line-location"),
            (_, "reveal") => tr!(ctx.i18n, l, "tip-line-reveal"),
            (_, "state") if e.body == "acknowledged" => tr!(ctx.i18n, l, "tip-state-acknowledged"),
            (_, "state") => tr!(
                ctx.i18n,
                l,
                "tip-state-closed",
                outcome = e.body.strip_prefix("closed:").unwrap_or(&e.body)
            ),
            (_, "reward") => {
                let (step, amount) = e.body.split_once(':').unwrap_or((&e.body, "0"));
                tr!(
                    ctx.i18n,
                    l,
                    &format!("tip-reward-{step}"),
                    amount = amount.parse::<i64>().unwrap_or_default()
                )
            }
            _ => e.body.clone(),
        };
        let key = if e.side == "desk" {
            "tip-line-desk"
        } else {
            "tip-line-tipster"
        };
        lines.push(tr!(ctx.i18n, l, key, when = when, text = what));
    }
    Ok(tr!(
        ctx.i18n,
        l,
        "tip-status",
        id = TipId(tip.id),
        state = state,
        reward = reward,
        exchange = lines.join("\n")
    ))
}
