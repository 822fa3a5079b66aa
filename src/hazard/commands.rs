//! What a person does with hazard reports, whatever the channel: the draft (guided by
//! `/report`, or started by a photo or a location) and its buttons, joining a report nearby,
//! the transitions (`/ack H-…`, `/work`, `/done`, `/close`, `/reject`, `/reopen` and the
//! report's buttons, with the reason asked for reject and reopen), evidence photos,
//! `/status`, `/merge`, `/deadline` and a report's history.
//!
//! Each function gets the update's transaction from the processor (`inbound::run`). A typed
//! command that is refused returns its `HazardError` (nothing it wrote is kept, and the person
//! is told); a pressed button that is refused is answered with a short popup and changes
//! nothing (`popup`).
use super::draft::{self, Draft, Step};
use super::error::HazardError;
use super::{Joined, Outcome, Transition};
use crate::action::Action;
use crate::config::Lang;
use crate::context::Ctx;
use crate::conversation::{Conversation, Question, ReasonFor};
use crate::ids::HazardId;
use crate::inbound::command::{Command, Known};
use crate::inbound::Media;
use crate::inbound::{Input, Replies};
use crate::limits::{self, Admit, Key, Kind};
use crate::notice::Button;
use crate::org::Role;
use crate::store::{StoreError, Tx};
use crate::tr;

/// Popups are short: Telegram shows at most 200 characters.
const POPUP_CHARS: usize = 190;

/// Does a command's first argument name a hazard (`H-12`)?
pub fn names_hazard(args: &str) -> bool {
    args.split_whitespace()
        .next()
        .is_some_and(|a| a.parse::<HazardId>().is_ok())
}

/// A refusal answered on the pressed button, as a popup; the press changes nothing else.
pub fn popup(ctx: &Ctx, inc: &Input, r: &mut Replies, e: HazardError) -> Result<(), HazardError> {
    let text = e.refusal()?.text(ctx, inc.lang);
    r.answer_press(Some(text.chars().take(POPUP_CHARS).collect()));
    Ok(())
}

/// What came of a transition: the state it left the report in, or why it was refused.
fn settled(ctx: &Ctx, l: Lang, id: i64, o: Outcome) -> Result<String, HazardError> {
    Err(match o {
        Outcome::Done { state } => return Ok(state.as_str().to_string()),
        Outcome::NotAllowed => HazardError::NotAllowed,
        Outcome::WrongState { state } => HazardError::WrongState {
            id: HazardId(id),
            state: super::state_name(ctx, l, state.as_str()),
        },
        Outcome::NeedsText => HazardError::NeedsText,
        Outcome::Unknown => HazardError::Unknown(HazardId(id)),
    })
}

fn done_text(ctx: &Ctx, l: Lang, id: i64, state: &str) -> String {
    tr!(
        ctx.i18n,
        l,
        "hz-done",
        id = HazardId(id),
        state = super::state_name(ctx, l, state)
    )
}

// --- The draft ---------------------------------------------------------------------------

fn new_draft(ctx: &Ctx, inc: &Input) -> Draft {
    let units = super::report_units(&inc.member);
    Draft {
        unit: match units.as_slice() {
            [(only, _)] => Some(only.clone()),
            _ => None,
        },
        started: ctx.clock.now_ms(),
        ..Draft::default()
    }
}

/// The draft the sender is writing here: its buttons work only in the private chat.
fn open_draft(inc: &Input) -> Result<Draft, HazardError> {
    inc.state
        .as_ref()
        .and_then(Conversation::hazard_draft)
        .filter(|_| inc.private)
        .cloned()
        .ok_or(HazardError::NoDraft)
}

/// The open draft, once it has all it needs (submitting and joining wait for that).
fn complete_draft(inc: &Input) -> Result<Draft, HazardError> {
    open_draft(inc).and_then(|d| match d.next() {
        Step::Confirm => Ok(d),
        _ => Err(HazardError::Expired),
    })
}

/// The draft is done with (filed, joined or cancelled): its state and its expiry go.
async fn drop_draft(tx: &mut Tx, inc: &Input) -> Result<(), StoreError> {
    tx.clear_conversation_state(inc.chat_id, inc.user_id())
        .await?;
    tx.cancel_timers(&draft::timers_of(inc.chat_id, inc.user_id()))
        .await?;
    Ok(())
}

/// Until when the sender must wait, as a refusal.
fn limited(ctx: &Ctx, until: i64) -> HazardError {
    HazardError::Limited {
        time: limits::until_text(ctx, until),
    }
}

/// Count a finished report against the sender's limit (`limits::Kind::Hazard`) in `tx`;
/// over it, nothing is counted and the refusal says until when.
async fn count_report(ctx: &Ctx, tx: &mut Tx, inc: &Input) -> Result<(), HazardError> {
    let Some(person) = &inc.member.person else {
        return Ok(());
    };
    let key = Key::person(person.id);
    match limits::take(tx, Kind::Hazard, &key, ctx.clock.now_ms()).await? {
        Admit::Go => Ok(()),
        Admit::WaitUntil(until) => Err(limited(ctx, until)),
    }
}

/// `count_report` for a pressed button: over the limit, the sender is told until when and
/// the press is answered, and nothing else happens. False then.
async fn counted_press(
    ctx: &Ctx,
    tx: &mut Tx,
    inc: &Input,
    r: &mut Replies,
) -> Result<bool, HazardError> {
    match count_report(ctx, tx, inc).await {
        Ok(()) => Ok(true),
        Err(e @ HazardError::Limited { .. }) => {
            r.text(e.refusal()?.text(ctx, inc.lang));
            r.answer_press(None);
            Ok(false)
        }
        Err(e) => Err(e),
    }
}

/// Save the draft and ask for what it still needs (or show it for confirmation); `quiet`
/// saves only (the second and later photos of an album).
async fn save_and_ask(
    ctx: &Ctx,
    tx: &mut Tx,
    inc: &Input,
    d: &Draft,
    r: &mut Replies,
    quiet: bool,
) -> Result<(), HazardError> {
    let now = ctx.clock.now_ms();
    // An open report of the same kind close by is probably the same hazard: it is offered,
    // and the draft remembers the offer, so only that report can be joined.
    let mut d = d.clone();
    let near = match d.next() {
        Step::Confirm if !quiet => super::nearby(ctx, tx, &inc.member, &d).await?,
        _ => None,
    };
    if !quiet {
        d.offered = near.iter().map(|(h, _)| h.id).collect();
    }
    let state = Conversation::HazardDraft { hazard: d.clone() };
    tx.set_conversation_state(inc.chat_id, inc.user_id(), &state, now)
        .await?;
    tx.add_timer(&draft::expiry_timer(inc.chat_id, inc.user_id(), d.started))
        .await?;
    if !quiet {
        ask(ctx, inc, &d, near, r);
    }
    Ok(())
}

/// The question for the draft's next step, with its buttons.
fn ask(
    ctx: &Ctx,
    inc: &Input,
    d: &Draft,
    near: Option<(crate::store::Hazard, f64)>,
    r: &mut Replies,
) {
    let l = inc.lang;
    match d.next() {
        Step::Unit => {
            let rows = super::report_units(&inc.member)
                .into_iter()
                .map(|(id, name)| {
                    vec![Button {
                        label: name,
                        action: Action::HzUnit(id),
                    }]
                })
                .collect();
            r.text_with(tr!(ctx.i18n, l, "hz-ask-unit"), rows);
        }
        Step::Category => {
            let buttons: Vec<Button> = ctx
                .config
                .hazard
                .categories
                .iter()
                .map(|c| Button {
                    label: super::category_name(ctx, l, c),
                    action: Action::HzCategory(c.clone()),
                })
                .collect();
            let rows = buttons.chunks(2).map(<[Button]>::to_vec).collect();
            r.text_with(tr!(ctx.i18n, l, "hz-ask-category"), rows);
        }
        Step::Text => r.text(tr!(ctx.i18n, l, "hz-ask-text")),
        Step::Confirm => confirm(ctx, l, d, near, r),
    }
}

/// The finished draft to confirm: submit, submit as major, cancel, and first, if a report
/// nearby looks like the same hazard, add to that one instead.
fn confirm(
    ctx: &Ctx,
    l: Lang,
    d: &Draft,
    near: Option<(crate::store::Hazard, f64)>,
    r: &mut Replies,
) {
    let location = if d.location.is_some() {
        "hz-location-yes"
    } else {
        "hz-location-no"
    };
    let mut summary = tr!(
        ctx.i18n,
        l,
        "hz-confirm",
        category = super::category_name(ctx, l, d.category.as_deref().unwrap_or_default()),
        text = d.text.clone().unwrap_or_default(),
        photos = d.photos.len() as i64,
        location = tr!(ctx.i18n, l, location)
    );
    let mut rows = vec![
        vec![
            Button {
                label: tr!(ctx.i18n, l, "hz-btn-submit"),
                action: Action::HzSubmit { major: false },
            },
            Button {
                label: tr!(ctx.i18n, l, "hz-btn-submit-major"),
                action: Action::HzSubmit { major: true },
            },
        ],
        vec![Button {
            label: tr!(ctx.i18n, l, "hz-btn-cancel"),
            action: Action::HzCancel,
        }],
    ];
    if let Some((near, metres)) = near {
        summary.push_str("\n\n");
        summary.push_str(&tr!(
            ctx.i18n,
            l,
            "hz-nearby",
            id = HazardId(near.id),
            metres = metres.round() as i64,
            text = near.description.chars().take(100).collect::<String>()
        ));
        let label = tr!(ctx.i18n, l, "hz-btn-join", id = HazardId(near.id));
        rows.insert(
            0,
            vec![Button {
                label,
                action: Action::HzJoin(near.id),
            }],
        );
    }
    r.text_with(summary, rows);
}

/// `/report` starts a guided report (its arguments, if any, are the first text);
/// `/report H-12` shows one report's history.
pub async fn report(
    ctx: &Ctx,
    tx: &mut Tx,
    inc: &Input,
    args: &str,
    r: &mut Replies,
) -> Result<(), HazardError> {
    if let Some(HazardId(id)) = args.split_whitespace().next().and_then(HazardId::from_arg) {
        return history(ctx, tx, inc, id, r).await;
    }
    if !inc.private {
        return Err(HazardError::PrivateOnly);
    }
    if super::report_units(&inc.member).is_empty() {
        return Err(HazardError::NotMember);
    }
    if let Some(person) = &inc.member.person {
        // Told before writing a report that could not be filed yet.
        let key = Key::person(person.id);
        if let Admit::WaitUntil(until) =
            limits::check(tx, Kind::Hazard, &key, ctx.clock.now_ms()).await?
        {
            return Err(limited(ctx, until));
        }
    }
    let mut d = new_draft(ctx, inc);
    if !args.trim().is_empty() {
        // Cut to what a draft holds, so it always fits.
        d.add_text(&args.chars().take(draft::MAX_TEXT).collect::<String>());
    }
    save_and_ask(ctx, tx, inc, &d, r, false).await
}

/// The draft a plain message, photo or location in a private chat belongs to: the one being
/// written, or a new one that a photo or a location starts. `None` when it is neither.
pub fn draft_for(ctx: &Ctx, inc: &Input) -> Option<Draft> {
    if !inc.private || inc.member.person.is_none() {
        return None;
    }
    match inc.state.as_ref().and_then(Conversation::hazard_draft) {
        Some(d) => Some(d.clone()),
        None if inc.media.is_some() && !super::report_units(&inc.member).is_empty() => {
            Some(new_draft(ctx, inc))
        }
        None => None,
    }
}

/// A message's text, photo or location added to draft `d` (from `draft_for`).
pub async fn add_to_draft(
    ctx: &Ctx,
    tx: &mut Tx,
    inc: &Input,
    mut d: Draft,
    r: &mut Replies,
) -> Result<(), HazardError> {
    // The second and later photos of an album belong to the report the first one started.
    let same_album = inc.album.is_some() && d.album == inc.album;
    d.album = inc.album.clone().or(d.album);
    if let Some(text) = inc.text.as_deref() {
        if !d.add_text(text) {
            return Err(HazardError::TextTooLong);
        }
    }
    match &inc.media {
        Some(Media::Photo(file_id)) if !d.add_photo(file_id) => {
            return Err(HazardError::TooManyPhotos);
        }
        Some(Media::Location(lat, lon)) => d.location = Some((*lat, *lon)),
        _ => {}
    }
    save_and_ask(ctx, tx, inc, &d, r, same_album).await
}

// A draft's buttons are each checked as if typed: a unit the writer belongs to, a configured
// category, submit and join only once the draft is complete, join only to the report its
// summary offered. Anything else is refused with a short popup and changes nothing.

/// The draft's next step after a button chose a unit or a category, or the popup refusing it.
async fn chosen(
    ctx: &Ctx,
    tx: &mut Tx,
    inc: &Input,
    d: Result<Draft, HazardError>,
    r: &mut Replies,
) -> Result<(), HazardError> {
    match d {
        Ok(d) => {
            r.answer_press(None);
            save_and_ask(ctx, tx, inc, &d, r, false).await
        }
        Err(e) => popup(ctx, inc, r, e),
    }
}

/// The unit button: a unit the writer belongs to.
pub async fn choose_unit(
    ctx: &Ctx,
    tx: &mut Tx,
    inc: &Input,
    unit: &str,
    r: &mut Replies,
) -> Result<(), HazardError> {
    let d = open_draft(inc).and_then(|mut d| {
        if !super::may_report_to(&inc.member, unit) {
            return Err(HazardError::Expired);
        }
        d.unit = Some(unit.to_string());
        Ok(d)
    });
    chosen(ctx, tx, inc, d, r).await
}

/// The category button: a configured category.
pub async fn choose_category(
    ctx: &Ctx,
    tx: &mut Tx,
    inc: &Input,
    category: &str,
    r: &mut Replies,
) -> Result<(), HazardError> {
    let d = open_draft(inc).and_then(|mut d| {
        if !ctx.config.hazard.categories.iter().any(|c| c == category) {
            return Err(HazardError::Expired);
        }
        d.category = Some(category.to_string());
        Ok(d)
    });
    chosen(ctx, tx, inc, d, r).await
}

/// Cancel: the draft is dropped.
pub async fn cancel_draft(
    ctx: &Ctx,
    tx: &mut Tx,
    inc: &Input,
    r: &mut Replies,
) -> Result<(), HazardError> {
    if let Err(e) = open_draft(inc) {
        return popup(ctx, inc, r, e);
    }
    r.answer_press(None);
    drop_draft(tx, inc).await?;
    r.text(tr!(ctx.i18n, inc.lang, "hz-cancelled"));
    Ok(())
}

/// Submit (as major or not): the draft becomes a report, counted against the limit.
pub async fn submit(
    ctx: &Ctx,
    tx: &mut Tx,
    inc: &Input,
    major: bool,
    r: &mut Replies,
) -> Result<(), HazardError> {
    let d = match complete_draft(inc) {
        Ok(d) => d,
        Err(e) => return popup(ctx, inc, r, e),
    };
    if !counted_press(ctx, tx, inc, r).await? {
        return Ok(());
    }
    let now = ctx.clock.now_ms();
    let Some(id) = super::file_draft(ctx, tx, &inc.member, &d, major, now).await? else {
        // No longer a member of the draft's unit; the attempt stays counted.
        return popup(ctx, inc, r, HazardError::NotMember);
    };
    r.answer_press(None);
    drop_draft(tx, inc).await?;
    r.text(tr!(ctx.i18n, inc.lang, "hz-submitted", id = HazardId(id)));
    Ok(())
}

/// "Add to H-12": the draft confirms the report nearby its summary offered, counted against
/// the limit like a report. Refused (closed since, or never offered), the draft stays as it
/// was, to be submitted as a report of its own.
pub async fn join(
    ctx: &Ctx,
    tx: &mut Tx,
    inc: &Input,
    id: i64,
    r: &mut Replies,
) -> Result<(), HazardError> {
    let d = match complete_draft(inc) {
        Ok(d) => d,
        Err(e) => return popup(ctx, inc, r, e),
    };
    if !counted_press(ctx, tx, inc, r).await? {
        return Ok(());
    }
    let now = ctx.clock.now_ms();
    let joined = super::confirm_existing(ctx, tx, &inc.member, &d, id, now).await?;
    let key = match joined {
        Joined::Joined => "hz-joined",
        Joined::Closed => "hz-join-closed",
        Joined::NotOffered => "hz-join-not-offered",
    };
    r.answer_press(None);
    r.text(tr!(ctx.i18n, inc.lang, key, id = HazardId(id)));
    if joined == Joined::Joined {
        drop_draft(tx, inc).await?;
    }
    Ok(())
}

// --- Transitions -------------------------------------------------------------------------

/// Make transition `t` on report `id`, typed or pressed. Who may is checked once, for both
/// (`hazard::check`, inside `hazard::transition`).
async fn make(
    ctx: &Ctx,
    tx: &mut Tx,
    inc: &Input,
    id: i64,
    t: Transition,
    text: Option<&str>,
    r: &mut Replies,
) -> Result<(), HazardError> {
    let (l, now) = (inc.lang, ctx.clock.now_ms());
    let pressed = inc.press.is_some();
    let o = super::transition(ctx, tx, &inc.member, id, t, text, now).await?;
    let state = match settled(ctx, l, id, o) {
        Ok(state) => state,
        // A refused button changes nothing, not even what the presser was in the middle of.
        Err(e) if pressed => return popup(ctx, inc, r, e),
        Err(e) => {
            // A typed command ends whatever the sender was in the middle of, refused or not.
            tx.clear_conversation_state(inc.chat_id, inc.user_id())
                .await?;
            r.text(e.refusal()?.text(ctx, l));
            return Ok(());
        }
    };
    if t == Transition::Done {
        // Photos sent right after "rectified" are the evidence.
        let state = Conversation::HazardEvidence {
            hz_evidence: id,
            until: now + draft::EXPIRE_MS,
        };
        tx.set_conversation_state(inc.chat_id, inc.user_id(), &state, now)
            .await?;
    } else {
        tx.clear_conversation_state(inc.chat_id, inc.user_id())
            .await?;
    }
    let mut text = done_text(ctx, l, id, &state);
    if t == Transition::Done {
        text.push('\n');
        text.push_str(&tr!(ctx.i18n, l, "hz-ask-evidence", id = HazardId(id)));
    }
    // The next step travels with the answer: a button after an acknowledgement, a request for
    // evidence photos after "rectified".
    let next = (t == Transition::Ack).then(|| {
        let button = Button {
            label: tr!(ctx.i18n, l, "hz-btn-done"),
            action: Action::Hazard { act: 'd', id },
        };
        let who = inc.display_name();
        let next = tr!(ctx.i18n, l, "hz-next-done", id = HazardId(id), who = who);
        (next, vec![vec![button]])
    });
    match (pressed, next) {
        (true, Some((next, keyboard))) => {
            r.answer_press(Some(text.chars().take(POPUP_CHARS).collect()));
            r.text_with(next, keyboard);
        }
        (true, None) => {
            r.answer_press(Some(text.chars().take(POPUP_CHARS).collect()));
            if t == Transition::Done {
                r.text(text);
            }
        }
        (false, Some((next, keyboard))) => r.text_with(format!("{text}\n{next}"), keyboard),
        (false, None) => r.text(text),
    }
    Ok(())
}

/// `/ack H-12`, `/work H-12 [TEXT]`, `/done H-12 [TEXT]`, `/close H-12`, `/reject H-12 TEXT`,
/// `/reopen H-12 TEXT`.
pub async fn transition(
    ctx: &Ctx,
    tx: &mut Tx,
    inc: &Input,
    cmd: &Command,
    r: &mut Replies,
) -> Result<(), HazardError> {
    let t = match cmd.known() {
        Some(Known::Ack) => Transition::Ack,
        Some(Known::Work) => Transition::Work,
        Some(Known::Done) => Transition::Done,
        Some(Known::Close) => Transition::Close,
        Some(Known::Reject) => Transition::Reject,
        Some(Known::Reopen) => Transition::Reopen,
        _ => return Err(HazardError::Usage("hz-usage")),
    };
    let mut words = cmd.args.splitn(2, char::is_whitespace);
    let Some(HazardId(id)) = words.next().and_then(HazardId::from_arg) else {
        return Err(HazardError::Usage("hz-usage"));
    };
    let text: Option<String> = words
        .next()
        .map(|s| s.chars().take(draft::MAX_TEXT).collect());
    make(ctx, tx, inc, id, t, text.as_deref(), r).await
}

/// A report's button (`Action::Hazard`): 'a' acknowledge, 'd' rectified and 'c' close at
/// once; 'r' reject and 'o' reopen ask for the reason first.
pub async fn report_pressed(
    ctx: &Ctx,
    tx: &mut Tx,
    inc: &Input,
    act: char,
    id: i64,
    r: &mut Replies,
) -> Result<(), HazardError> {
    let (t, reason) = match act {
        'a' => (Transition::Ack, None),
        'd' => (Transition::Done, None),
        'c' => (Transition::Close, None),
        'o' => (Transition::Reopen, Some(ReasonFor::Reopen)),
        _ => (Transition::Reject, Some(ReasonFor::Reject)),
    };
    let Some(reason) = reason else {
        return make(ctx, tx, inc, id, t, None, r).await;
    };
    // Checked before asking for the reason, so a refused press asks nothing.
    if let Err(o) = super::check(ctx, tx, &inc.member, id, t).await? {
        if let Err(e) = settled(ctx, inc.lang, id, o) {
            return popup(ctx, inc, r, e);
        }
    }
    r.answer_press(None);
    let state = Conversation::Asked(Question::HazardReason { id, t: reason });
    tx.set_conversation_state(inc.chat_id, inc.user_id(), &state, ctx.clock.now_ms())
        .await?;
    let who = inc.display_name();
    let asked = tr!(
        ctx.i18n,
        inc.lang,
        "hz-ask-reason",
        who = who,
        id = HazardId(id)
    );
    r.text(asked);
    Ok(())
}

/// The reason asked for after pressing reject or reopen.
#[derive(Debug, Clone)]
pub struct Reason {
    id: i64,
    t: Transition,
    text: String,
}

/// The reason, if the conversation waits for one and the message is text (not a command).
pub fn reason_given(inc: &Input) -> Option<Reason> {
    let Some(Conversation::Asked(Question::HazardReason { id, t })) = inc.state else {
        return None;
    };
    let t = match t {
        ReasonFor::Reopen => Transition::Reopen,
        ReasonFor::Reject => Transition::Reject,
    };
    let text = inc
        .text
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty() && !t.starts_with('/'))?;
    Some(Reason {
        id,
        t,
        text: text.to_string(),
    })
}

/// The transition a reason was asked for, with it.
pub async fn give_reason(
    ctx: &Ctx,
    tx: &mut Tx,
    inc: &Input,
    reason: &Reason,
    r: &mut Replies,
) -> Result<(), HazardError> {
    make(ctx, tx, inc, reason.id, reason.t, Some(&reason.text), r).await
}

/// A photo sent right after "rectified": evidence for that report.
#[derive(Debug, Clone)]
pub struct Evidence {
    hazard: i64,
    file_id: String,
    person: i64,
}

/// The evidence a message carries: a member's photo while their "rectified" waits for it.
pub fn evidence_in(ctx: &Ctx, inc: &Input) -> Option<Evidence> {
    let Some(Conversation::HazardEvidence {
        hz_evidence: hazard,
        until,
    }) = inc.state
    else {
        return None;
    };
    let Some(Media::Photo(file_id)) = &inc.media else {
        return None;
    };
    let person = inc.member.person.as_ref()?;
    (until >= ctx.clock.now_ms()).then(|| Evidence {
        hazard,
        file_id: file_id.clone(),
        person: person.id,
    })
}

/// Keep an evidence photo with its report, and its caption in the history.
pub async fn add_evidence(
    ctx: &Ctx,
    tx: &mut Tx,
    inc: &Input,
    e: &Evidence,
    r: &mut Replies,
) -> Result<(), HazardError> {
    let now = ctx.clock.now_ms();
    tx.add_hazard_photo(e.hazard, &e.file_id, e.person, now)
        .await?;
    tx.add_hazard_event(
        e.hazard,
        now,
        Some(e.person),
        "evidence",
        inc.text.as_deref(),
    )
    .await?;
    let id = HazardId(e.hazard);
    r.text(tr!(ctx.i18n, inc.lang, "hz-evidence-added", id = id));
    Ok(())
}

/// `/merge H-5 H-3`: H-5 is the same hazard as H-3 and is closed as its duplicate.
pub async fn merge(
    ctx: &Ctx,
    tx: &mut Tx,
    inc: &Input,
    args: &str,
    r: &mut Replies,
) -> Result<(), HazardError> {
    let ids: Vec<i64> = args
        .split_whitespace()
        .filter_map(HazardId::from_arg)
        .map(|h| h.0)
        .collect();
    let [id, of] = ids[..] else {
        return Err(HazardError::Usage("hz-merge-usage"));
    };
    let o = super::merge(ctx, tx, &inc.member, id, of, ctx.clock.now_ms()).await?;
    let state = settled(ctx, inc.lang, id, o)?;
    r.text(done_text(ctx, inc.lang, id, &state));
    Ok(())
}

/// `/deadline H-12 3d` (supervisors): a new rectification deadline, counted from now (a
/// year at most).
pub async fn deadline(
    ctx: &Ctx,
    tx: &mut Tx,
    inc: &Input,
    args: &str,
    r: &mut Replies,
) -> Result<(), HazardError> {
    let mut words = args.split_whitespace();
    let id = words.next().and_then(HazardId::from_arg).map(|h| h.0);
    let span = words
        .next()
        .and_then(|s| crate::config::Span::parse(s).ok())
        .filter(|s| s.as_secs() > 0);
    let (Some(id), Some(span)) = (id, span) else {
        return Err(HazardError::Usage("hz-deadline-usage"));
    };
    let within = span.as_std().as_millis().min(365 * 86_400_000) as i64;
    let o = super::set_deadline(ctx, tx, &inc.member, id, within, ctx.clock.now_ms()).await?;
    let state = settled(ctx, inc.lang, id, o)?;
    r.text(done_text(ctx, inc.lang, id, &state));
    Ok(())
}

// --- Looking ---------------------------------------------------------------------------

/// Messages are cut to fit one Telegram message (4096), with room to spare.
const MESSAGE_CHARS: usize = 4000;

/// `/report H-12`: the report and its history, for those who may see it (`hazard::visible`).
async fn history(
    ctx: &Ctx,
    tx: &mut Tx,
    inc: &Input,
    id: i64,
    r: &mut Replies,
) -> Result<(), HazardError> {
    let l = inc.lang;
    let Some(h) = super::visible(ctx, tx, &inc.member, id).await? else {
        return Err(HazardError::Unknown(HazardId(id)));
    };
    let mut lines = vec![tr!(
        ctx.i18n,
        l,
        "hz-history-title",
        id = HazardId(id),
        category = super::category_name(ctx, l, &h.category),
        state = super::state_name(ctx, l, h.state.as_str()),
        text = h.description.clone()
    )];
    for e in tx.hazard_history(id).await? {
        let mut line = format!(
            "{} {} {}",
            crate::escalation::format_time(ctx, e.at),
            e.person.unwrap_or_default(),
            super::state_name(ctx, l, &e.action)
        );
        // The report's own text is its title already.
        if let Some(t) = e.text.filter(|t| e.action != "reported" && !t.is_empty()) {
            line.push_str(": ");
            line.push_str(&t);
        }
        lines.push(line);
    }
    r.text(lines.join("\n").chars().take(MESSAGE_CHARS).collect());
    Ok(())
}

/// `/status`: open reports of the sender's units (and, for supervisors and admins, below
/// them) and the sender's own reports, with age and state.
pub async fn status(
    ctx: &Ctx,
    tx: &mut Tx,
    inc: &Input,
    r: &mut Replies,
) -> Result<(), HazardError> {
    let l = inc.lang;
    let mut scope: std::collections::HashSet<&str> = Default::default();
    for m in &inc.member.memberships {
        if m.role == Role::Supervisor || m.role == Role::Admin {
            scope.extend(inc.units.subtree(&[&m.unit_id]));
        } else if m.role == Role::DutyOfficer {
            scope.insert(&m.unit_id);
        }
    }
    let me = inc.member.person.as_ref().map(|p| p.id);
    let open = tx.open_hazards(&scope, me).await?;
    if open.is_empty() {
        r.text(tr!(ctx.i18n, l, "hz-status-none"));
        return Ok(());
    }
    let now = ctx.clock.now_ms();
    let mut lines = vec![tr!(
        ctx.i18n,
        l,
        "hz-status-title",
        count = open.len() as i64
    )];
    for h in open.iter().take(50) {
        let unit = inc
            .units
            .get(&h.unit_id)
            .map(|u| u.name.clone())
            .unwrap_or_default();
        lines.push(tr!(
            ctx.i18n,
            l,
            "hz-status-line",
            id = HazardId(h.id),
            unit = unit,
            category = super::category_name(ctx, l, &h.category),
            state = super::state_name(ctx, l, h.state.as_str()),
            hours = (now - h.created_at) / 3_600_000
        ));
    }
    r.text(lines.join("\n").chars().take(MESSAGE_CHARS).collect());
    Ok(())
}
