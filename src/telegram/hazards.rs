//! Endpoints of hazard reports: the draft (guided by `/report`, or started by a photo or a
//! location), the handlers' transitions (`/ack H-…`, `/work`, `/done`, `/close`, `/reject`,
//! `/reopen` and the report's buttons), `/status` and a report's history.
use crate::action::Action;
use crate::context::Ctx;
use crate::conversation::{Conversation, Question, ReasonFor};
use crate::hazard::draft::{self, Draft, Step};
use crate::hazard::{self, Outcome, Transition};
use crate::ids::HazardId;
use crate::inbound::command::Command;
use crate::inbound::{HandlerResult, Input, Replies};
use crate::notice::Button;
use crate::org::Role;
use crate::store::NewTimer;
use crate::tr;
use crate::zero_report::Media;
use serde_json::json;
use std::sync::Arc;

/// Does a command's first argument name a hazard (`H-12`)?
pub fn names_hazard(args: &str) -> bool {
    args.split_whitespace()
        .next()
        .is_some_and(|a| a.parse::<HazardId>().is_ok())
}

fn report_units(inc: &Input) -> Vec<(String, String)> {
    hazard::report_units(&inc.member)
}

/// Save the draft and ask for what it still needs (or show it for confirmation).
async fn save_and_ask(
    ctx: &Ctx,
    inc: &Input,
    d: &Draft,
    mut r: Replies,
    quiet: bool,
) -> HandlerResult {
    let l = inc.lang;
    let now = ctx.clock.now_ms();
    let mut tx = ctx.store.begin().await?;
    // An open report of the same kind close by is probably the same hazard: it is offered,
    // and the draft remembers the offer, so only that report can be joined.
    let mut d = d.clone();
    let near = match d.next() {
        Step::Confirm if !quiet => hazard::nearby(ctx, &mut tx, &inc.member, &d).await?,
        _ => None,
    };
    if !quiet {
        d.offered = near.iter().map(|(h, _)| h.id).collect();
    }
    let d = &d;
    let state = Conversation::HazardDraft { hazard: d.clone() };
    tx.set_conversation_state(inc.chat_id, inc.user_id(), &state, now)
        .await?;
    tx.add_timer(&NewTimer {
        key: format!("hzdraft:{}:{}:{}", inc.chat_id, inc.user_id(), d.started),
        group: format!("hzdraft:{}:{}", inc.chat_id, inc.user_id()),
        kind: draft::EXPIRY.into(),
        payload: json!({ "chat": inc.chat_id, "user": inc.user_id(), "started": d.started }),
        due_at: d.started + draft::EXPIRE_MS,
    })
    .await?;
    if !quiet {
        match d.next() {
            Step::Unit => {
                let rows = report_units(inc)
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
                        label: hazard::category_name(ctx, l, c),
                        action: Action::HzCategory(c.clone()),
                    })
                    .collect();
                let mut rows = Vec::new();
                let mut it = buttons.into_iter().peekable();
                while it.peek().is_some() {
                    rows.push(it.by_ref().take(2).collect());
                }
                r.text_with(tr!(ctx.i18n, l, "hz-ask-category"), rows);
            }
            Step::Text => r.text(tr!(ctx.i18n, l, "hz-ask-text")),
            Step::Confirm => {
                let mut summary = tr!(
                    ctx.i18n,
                    l,
                    "hz-confirm",
                    category =
                        hazard::category_name(ctx, l, d.category.as_deref().unwrap_or_default()),
                    text = d.text.clone().unwrap_or_default(),
                    photos = d.photos.len() as i64,
                    location = tr!(
                        ctx.i18n,
                        l,
                        if d.location.is_some() {
                            "hz-location-yes"
                        } else {
                            "hz-location-no"
                        }
                    )
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
        }
    }
    r.commit(ctx, tx).await
}

fn new_draft(ctx: &Ctx, inc: &Input) -> Draft {
    let units = report_units(inc);
    Draft {
        unit: (units.len() == 1).then(|| units[0].0.clone()),
        started: ctx.clock.now_ms(),
        ..Draft::default()
    }
}

/// `/report` starts a guided report; `/report H-12` shows one report's history.
pub async fn report_command(ctx: Arc<Ctx>, inc: Input, cmd: Command) -> HandlerResult {
    let mut r = inc.replies();
    let l = inc.lang;
    if let Some(HazardId(id)) = cmd
        .args
        .split_whitespace()
        .next()
        .and_then(HazardId::from_arg)
    {
        return history(&ctx, &inc, id, r).await;
    }
    if !inc.private || report_units(&inc).is_empty() {
        r.text(tr!(
            ctx.i18n,
            l,
            if inc.private {
                "hz-not-member"
            } else {
                "private-only"
            }
        ));
        return r.send(&ctx).await;
    }
    if let Some(person) = &inc.member.person {
        // Told before writing a report that could not be filed yet.
        let key = crate::limits::Key::person(person.id);
        let (kind, now) = (crate::limits::Kind::Hazard, ctx.clock.now_ms());
        if let crate::limits::Admit::WaitUntil(until) =
            crate::limits::check_now(&ctx.store, kind, &key, now).await?
        {
            r.text(crate::limits::wait_text(&ctx, l, kind, until));
            return r.send(&ctx).await;
        }
    }
    let mut d = new_draft(&ctx, &inc);
    if !cmd.args.trim().is_empty() {
        d.add_text(&cmd.args.chars().take(draft::MAX_TEXT).collect::<String>());
    }
    save_and_ask(&ctx, &inc, &d, r, false).await
}

/// A plain message, photo or location in a private chat: part of a draft, or the start of a
/// quick report (a photo or a location). `None` when it is neither.
pub async fn draft_message(ctx: &Ctx, inc: &Input) -> Option<HandlerResult> {
    if !inc.private || inc.member.person.is_none() {
        return None;
    }
    let existing = inc
        .state
        .as_ref()
        .and_then(Conversation::hazard_draft)
        .cloned();
    let starts_report = inc.media.is_some() && !report_units(inc).is_empty();
    let mut d = match existing {
        Some(d) => d,
        None if starts_report => new_draft(ctx, inc),
        None => return None,
    };
    let mut r = inc.replies();
    let l = inc.lang;
    // The second and later photos of an album belong to the report the first one started.
    let same_album = inc.album.is_some() && d.album == inc.album;
    d.album = inc.album.clone().or(d.album);
    if let Some(text) = inc.text.as_deref() {
        if !d.add_text(text) {
            r.text(tr!(
                ctx.i18n,
                l,
                "hz-text-too-long",
                max = draft::MAX_TEXT as i64
            ));
            return Some(r.send(ctx).await);
        }
    }
    match &inc.media {
        Some(Media::Photo(file_id)) if !d.add_photo(file_id) => {
            r.text(tr!(
                ctx.i18n,
                l,
                "hz-too-many-photos",
                max = draft::MAX_PHOTOS as i64
            ));
            return Some(r.send(ctx).await);
        }
        Some(Media::Location(lat, lon)) => d.location = Some((*lat, *lon)),
        _ => {}
    }
    Some(save_and_ask(ctx, inc, &d, r, same_album).await)
}

/// Count a finished report against the sender's limit (`limits::Kind::Hazard`); when over
/// it, the reply says until when.
async fn may_report(
    ctx: &Ctx,
    tx: &mut crate::store::Tx,
    r: &mut Replies,
    inc: &Input,
) -> Result<bool, crate::inbound::HandlerError> {
    let Some(person) = &inc.member.person else {
        return Ok(true);
    };
    let key = crate::limits::Key::person(person.id);
    Ok(crate::limits::take_or_say(ctx, tx, r, inc.lang, crate::limits::Kind::Hazard, &key).await?)
}

/// A draft's buttons: unit, category, submit, cancel, or add to a report offered nearby.
/// Each is checked as if typed: a unit the writer belongs to, a configured category, submit
/// and join only once the draft is complete, join only to the report its summary offered.
/// Anything else is refused with a short popup and changes nothing.
pub async fn draft_button(ctx: &Ctx, inc: &Input, action: Action) -> HandlerResult {
    let mut r = inc.replies();
    let l = inc.lang;
    let Some(mut d) = inc
        .state
        .as_ref()
        .and_then(Conversation::hazard_draft)
        .cloned()
        .filter(|_| inc.private)
    else {
        r.answer_press(Some(tr!(ctx.i18n, l, "hz-no-draft")));
        return r.send(ctx).await;
    };
    let complete = d.next() == Step::Confirm;
    match action {
        Action::HzUnit(u) if hazard::may_report_to(&inc.member, &u) => d.unit = Some(u),
        Action::HzCategory(c) if ctx.config.hazard.categories.contains(&c) => d.category = Some(c),
        Action::HzCancel => {
            r.answer_press(None);
            let mut tx = ctx.store.begin().await?;
            tx.clear_conversation_state(inc.chat_id, inc.user_id())
                .await?;
            tx.cancel_timers(&format!("hzdraft:{}:{}", inc.chat_id, inc.user_id()))
                .await?;
            r.text(tr!(ctx.i18n, l, "hz-cancelled"));
            return r.commit(ctx, tx).await;
        }
        Action::HzJoin(id) if complete => {
            let now = ctx.clock.now_ms();
            let mut tx = ctx.store.begin().await?;
            if !may_report(ctx, &mut tx, &mut r, inc).await? {
                r.answer_press(None);
                return r.commit(ctx, tx).await;
            }
            let joined = hazard::confirm_existing(ctx, &mut tx, &inc.member, &d, id, now).await?;
            let key = match joined {
                hazard::Joined::Joined => "hz-joined",
                // Refused: the draft stays as it was, to be submitted as a report of its own.
                hazard::Joined::Closed => "hz-join-closed",
                hazard::Joined::NotOffered => "hz-join-not-offered",
            };
            r.answer_press(None);
            r.text(tr!(ctx.i18n, l, key, id = HazardId(id)));
            if joined == hazard::Joined::Joined {
                tx.clear_conversation_state(inc.chat_id, inc.user_id())
                    .await?;
                tx.cancel_timers(&format!("hzdraft:{}:{}", inc.chat_id, inc.user_id()))
                    .await?;
            }
            return r.commit(ctx, tx).await;
        }
        Action::HzSubmit { major } if complete => {
            let now = ctx.clock.now_ms();
            let mut tx = ctx.store.begin().await?;
            if !may_report(ctx, &mut tx, &mut r, inc).await? {
                r.answer_press(None);
                return r.commit(ctx, tx).await;
            }
            let Some(id) = hazard::file_draft(ctx, &mut tx, &inc.member, &d, major, now).await?
            else {
                r.answer_press(Some(tr!(ctx.i18n, l, "hz-not-member")));
                return r.commit(ctx, tx).await;
            };
            r.answer_press(None);
            tx.clear_conversation_state(inc.chat_id, inc.user_id())
                .await?;
            tx.cancel_timers(&format!("hzdraft:{}:{}", inc.chat_id, inc.user_id()))
                .await?;
            r.text(tr!(ctx.i18n, l, "hz-submitted", id = HazardId(id)));
            return r.commit(ctx, tx).await;
        }
        _ => {
            r.answer_press(Some(tr!(ctx.i18n, l, "button-expired")));
            return r.send(ctx).await;
        }
    }
    r.answer_press(None);
    save_and_ask(ctx, inc, &d, r, false).await
}

fn outcome_text(ctx: &Ctx, inc: &Input, id: i64, o: Outcome) -> String {
    let l = inc.lang;
    match o {
        Outcome::Done { state } => tr!(
            ctx.i18n,
            l,
            "hz-done",
            id = HazardId(id),
            state = ctx.i18n.t(l, &format!("hz-state-{state}"), &[])
        ),
        Outcome::NotAllowed => tr!(ctx.i18n, l, "hz-not-allowed"),
        Outcome::WrongState { state } => {
            tr!(
                ctx.i18n,
                l,
                "hz-wrong-state",
                id = HazardId(id),
                state = ctx.i18n.t(l, &format!("hz-state-{state}"), &[])
            )
        }
        Outcome::NeedsText => tr!(ctx.i18n, l, "hz-needs-text"),
        Outcome::Unknown => tr!(ctx.i18n, l, "hz-unknown", id = HazardId(id)),
    }
}

async fn make(
    ctx: &Ctx,
    inc: &Input,
    id: i64,
    t: Transition,
    text: Option<&str>,
    mut r: Replies,
) -> HandlerResult {
    let now = ctx.clock.now_ms();
    let mut tx = ctx.store.begin().await?;
    let o = hazard::transition(ctx, &mut tx, &inc.member, id, t, text, now).await?;
    let done = matches!(o, Outcome::Done { .. });
    if done && t == Transition::Done {
        // Photos sent right after "rectified" are the evidence.
        let state = Conversation::HazardEvidence {
            hz_evidence: id,
            until: now + draft::EXPIRE_MS,
        };
        tx.set_conversation_state(inc.chat_id, inc.user_id(), &state, now)
            .await?;
    } else if done || inc.press.is_none() {
        // A refused button changes nothing, not even what the presser was in the middle of.
        tx.clear_conversation_state(inc.chat_id, inc.user_id())
            .await?;
    }
    let l = inc.lang;
    let mut text = outcome_text(ctx, inc, id, o);
    // The next step travels with the answer: a button after an acknowledgement, a request for
    // evidence photos after "rectified".
    let next = (done && t == Transition::Ack).then(|| {
        let button = Button {
            label: tr!(ctx.i18n, l, "hz-btn-done"),
            action: Action::Hazard { act: 'd', id },
        };
        (
            tr!(
                ctx.i18n,
                l,
                "hz-next-done",
                id = HazardId(id),
                who = inc.display_name()
            ),
            vec![vec![button]],
        )
    });
    if done && t == Transition::Done {
        text.push('\n');
        text.push_str(&tr!(ctx.i18n, l, "hz-ask-evidence", id = HazardId(id)));
    }
    match (inc.press.is_some(), next) {
        (true, Some((next, keyboard))) => {
            r.answer_press(Some(text.chars().take(190).collect()));
            r.text_with(next, keyboard);
        }
        (true, None) => {
            r.answer_press(Some(text.chars().take(190).collect()));
            if done && t == Transition::Done {
                r.text(text);
            }
        }
        (false, Some((next, keyboard))) => r.text_with(format!("{text}\n{next}"), keyboard),
        (false, None) => r.text(text),
    }
    r.commit(ctx, tx).await
}

/// `/ack H-12`, `/work H-12 [TEXT]`, `/done H-12 [TEXT]`, `/close H-12`, `/reject H-12 TEXT`,
/// `/reopen H-12 TEXT`.
pub async fn transition_command(ctx: Arc<Ctx>, inc: Input, cmd: Command) -> HandlerResult {
    let t = match cmd.name.as_str() {
        "ack" => Transition::Ack,
        "work" => Transition::Work,
        "done" => Transition::Done,
        "close" => Transition::Close,
        "reject" => Transition::Reject,
        _ => Transition::Reopen,
    };
    let mut words = cmd.args.splitn(2, char::is_whitespace);
    let Some(HazardId(id)) = words.next().and_then(HazardId::from_arg) else {
        let mut r = inc.replies();
        r.text(tr!(ctx.i18n, inc.lang, "hz-usage"));
        return r.send(&ctx).await;
    };
    let text: Option<String> = words
        .next()
        .map(|s| s.chars().take(draft::MAX_TEXT).collect());
    make(&ctx, &inc, id, t, text.as_deref(), inc.replies()).await
}

/// `/merge H-5 H-3`: H-5 is the same hazard as H-3 and is closed as its duplicate.
pub async fn merge(ctx: Arc<Ctx>, inc: Input, cmd: Command) -> HandlerResult {
    let ids: Vec<i64> = cmd
        .args
        .split_whitespace()
        .filter_map(HazardId::from_arg)
        .map(|h| h.0)
        .collect();
    let [id, of] = ids[..] else {
        let mut r = inc.replies();
        r.text(tr!(ctx.i18n, inc.lang, "hz-merge-usage"));
        return r.send(&ctx).await;
    };
    let mut r = inc.replies();
    let mut tx = ctx.store.begin().await?;
    let o = hazard::merge(&ctx, &mut tx, &inc.member, id, of, ctx.clock.now_ms()).await?;
    r.text(outcome_text(&ctx, &inc, id, o));
    r.commit(&ctx, tx).await
}

/// A report's buttons: acknowledge at once; reject asks for the reason first.
pub async fn report_button(ctx: &Ctx, inc: &Input, act: char, id: i64) -> HandlerResult {
    match act {
        'a' => return make(ctx, inc, id, Transition::Ack, None, inc.replies()).await,
        'd' => return make(ctx, inc, id, Transition::Done, None, inc.replies()).await,
        'c' => return make(ctx, inc, id, Transition::Close, None, inc.replies()).await,
        _ => {}
    }
    let mut r = inc.replies();
    let mut tx = ctx.store.begin().await?;
    let (t, transition) = if act == 'o' {
        (ReasonFor::Reopen, Transition::Reopen)
    } else {
        (ReasonFor::Reject, Transition::Reject)
    };
    // Checked before asking for the reason, so a refused press asks nothing.
    if let Err(o) = hazard::check(ctx, &mut tx, &inc.member, id, transition).await? {
        let text: String = outcome_text(ctx, inc, id, o).chars().take(190).collect();
        r.answer_press(Some(text));
        return r.commit(ctx, tx).await;
    }
    r.answer_press(None);
    let state = Conversation::Asked(Question::HazardReason { id, t });
    tx.set_conversation_state(inc.chat_id, inc.user_id(), &state, ctx.clock.now_ms())
        .await?;
    r.text(tr!(
        ctx.i18n,
        inc.lang,
        "hz-ask-reason",
        who = inc.display_name(),
        id = HazardId(id)
    ));
    r.commit(ctx, tx).await
}

/// The reason after pressing "reject"; `None` when the conversation is not waiting for one.
pub async fn reject_reason(ctx: &Ctx, inc: &Input) -> Option<HandlerResult> {
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
    Some(make(ctx, inc, id, t, Some(text), inc.replies()).await)
}

/// A photo right after "rectified": evidence, kept with the report; `None` otherwise.
pub async fn evidence_photo(ctx: &Ctx, inc: &Input) -> Option<HandlerResult> {
    let Some(Conversation::HazardEvidence {
        hz_evidence: id,
        until,
    }) = inc.state
    else {
        return None;
    };
    let Some(Media::Photo(file_id)) = &inc.media else {
        return None;
    };
    let person = inc.member.person.as_ref()?;
    let now = ctx.clock.now_ms();
    if until < now {
        return None;
    }
    let result = async {
        let mut r = inc.replies();
        let mut tx = ctx.store.begin().await?;
        tx.add_hazard_photo(id, file_id, person.id, now).await?;
        tx.add_hazard_event(id, now, Some(person.id), "evidence", inc.text.as_deref())
            .await?;
        r.text(tr!(
            ctx.i18n,
            inc.lang,
            "hz-evidence-added",
            id = HazardId(id)
        ));
        r.commit(ctx, tx).await
    };
    Some(result.await)
}

/// `/deadline H-12 3d` (supervisors): a new rectification deadline, counted from now.
pub async fn deadline(ctx: Arc<Ctx>, inc: Input, cmd: Command) -> HandlerResult {
    let mut r = inc.replies();
    let mut words = cmd.args.split_whitespace();
    let id = words.next().and_then(HazardId::from_arg).map(|h| h.0);
    let span = words
        .next()
        .and_then(|s| crate::config::Span::parse(s).ok())
        .filter(|s| s.as_secs() > 0);
    let (Some(id), Some(span)) = (id, span) else {
        r.text(tr!(ctx.i18n, inc.lang, "hz-deadline-usage"));
        return r.send(&ctx).await;
    };
    let within = span.as_std().as_millis().min(365 * 86_400_000) as i64;
    let mut tx = ctx.store.begin().await?;
    let o =
        hazard::set_deadline(&ctx, &mut tx, &inc.member, id, within, ctx.clock.now_ms()).await?;
    r.text(outcome_text(&ctx, &inc, id, o));
    r.commit(&ctx, tx).await
}

async fn history(ctx: &Ctx, inc: &Input, id: i64, mut r: Replies) -> HandlerResult {
    let l = inc.lang;
    // The reporter, and members of the unit or a unit above it, may look.
    let h = ctx
        .store
        .hazard_by_id(id)
        .await?
        .filter(|h| hazard::may_see(&inc.units, &inc.member, h));
    let Some(h) = h else {
        r.text(tr!(ctx.i18n, l, "hz-unknown", id = HazardId(id)));
        return r.send(ctx).await;
    };
    let mut lines = vec![tr!(
        ctx.i18n,
        l,
        "hz-history-title",
        id = HazardId(id),
        category = hazard::category_name(ctx, l, &h.category),
        state = ctx.i18n.t(l, &format!("hz-state-{}", h.state), &[]),
        text = h.description.clone()
    )];
    for e in ctx.store.hazard_history(id).await? {
        let mut line = format!(
            "{} {} {}",
            crate::escalation::format_time(ctx, e.at),
            e.person.unwrap_or_default(),
            ctx.i18n.t(l, &format!("hz-state-{}", e.action), &[])
        );
        if let Some(t) = e.text.filter(|t| e.action != "reported" && !t.is_empty()) {
            line.push_str(": ");
            line.push_str(&t);
        }
        lines.push(line);
    }
    r.text(lines.join("\n").chars().take(4000).collect());
    r.send(ctx).await
}

/// `/status`: open reports of the sender's units (and, for supervisors, below them) and the
/// sender's own reports, with age and state.
pub async fn status(ctx: Arc<Ctx>, inc: Input) -> HandlerResult {
    let mut r = inc.replies();
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
    let open = ctx.store.open_hazards(&scope, me).await?;
    if open.is_empty() {
        r.text(tr!(ctx.i18n, l, "hz-status-none"));
        return r.send(&ctx).await;
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
            category = hazard::category_name(&ctx, l, &h.category),
            state = ctx.i18n.t(l, &format!("hz-state-{}", h.state), &[]),
            hours = (now - h.created_at) / 3_600_000
        ));
    }
    r.text(lines.join("\n").chars().take(4000).collect());
    r.send(&ctx).await
}
