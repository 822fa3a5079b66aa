//! Endpoints of anonymous tips: `/tip` and its draft, the relay from the tipster's chat,
//! `/tip CODE [TEXT]`, `/reveal CODE`, and the desk's `/ack T-…`, `/reply`, `/close`,
//! `/reward`, `/forward` and buttons. Every reply a tipster gets is anonymous (erased from the
//! outbox once sent), and nothing here logs a tipster's chat.
use super::files::{self, FileCheck};
use crate::action::Action;
use crate::config::Lang;
use crate::context::Ctx;
use crate::ids::{HazardId, TipId};
use crate::inbound::command::Command;
use crate::inbound::{HandlerResult, Input, Replies};
use crate::limits::{self, Admit, Key, Kind};
use crate::notice::{Button, Buttons};
use crate::tip::flow::{self, Content, DeskOutcome};
use crate::tip::{self, crypto, guard, Draft};
use crate::tr;
use std::sync::Arc;
use teloxide::types::{Update, UpdateKind};

/// Telegram's text limit is 4096; leave room.
const CHUNK: usize = 3800;

/// What a message in a tipster's chat holds.
#[derive(Debug, Clone, PartialEq)]
enum Inbound {
    Content(Content),
    Document,
    /// A picture sent as a file that is too large (bytes, pixels or a side) to pass on.
    TooLarge,
    /// A file named as a picture that is none the bot can read.
    Unreadable,
    Other,
}

/// What a message holds; `check` is what intake learned of a picture sent as a file.
fn inbound(update: &Update, check: FileCheck) -> Inbound {
    let UpdateKind::Message(m) = &update.kind else {
        return Inbound::Other;
    };
    if let Some(best) = m.photo().and_then(|sizes| {
        sizes
            .iter()
            .max_by_key(|s| u64::from(s.width) * u64::from(s.height))
    }) {
        return Inbound::Content(Content::Photo {
            file_id: best.file.id.0.clone(),
            caption: m
                .caption()
                .map(str::to_string)
                .filter(|c| !c.trim().is_empty()),
        });
    }
    if let Some(l) = m.location() {
        return Inbound::Content(Content::Location(l.latitude, l.longitude));
    }
    if let Some(d) = m.document() {
        let mime = d.mime_type.as_ref().map(|t| t.to_string());
        if !files::is_image(mime.as_deref(), d.file_name.as_deref()) {
            return Inbound::Document;
        }
        if files::declared_too_large(u64::from(d.file.size)) {
            return Inbound::TooLarge;
        }
        // A picture sent as a file keeps its GPS and camera metadata: it travels as a
        // `scrub:` reference and is re-encoded from its pixels when sent (delivery::scrub).
        return match check {
            FileCheck::TooLarge => Inbound::TooLarge,
            FileCheck::Unreadable => Inbound::Unreadable,
            FileCheck::Fits | FileCheck::NotChecked => Inbound::Content(Content::Photo {
                file_id: format!("{}{}", crate::delivery::scrub::PREFIX, d.file.id.0),
                caption: m
                    .caption()
                    .map(str::to_string)
                    .filter(|c| !c.trim().is_empty()),
            }),
        };
    }
    match m.text() {
        Some(t) if !t.trim().is_empty() => Inbound::Content(Content::Text(t.to_string())),
        _ => Inbound::Other,
    }
}

fn chat_key(ctx: &Ctx, inc: &Input) -> String {
    ctx.tip_key.chat_key(tip::CHAT_LABEL, inc.chat_id)
}

/// Whose new tips are counted: the chat, by a keyed hash of its own.
fn rate_key(ctx: &Ctx, inc: &Input) -> Key {
    Key::pseudonym(ctx.tip_key.chat_key(tip::RATE_LABEL, inc.chat_id))
}

fn now(ctx: &Ctx) -> i64 {
    ctx.clock.now_ms()
}

/// Replies for a tipster: anonymous, whoever they are.
fn tipster_replies(inc: &Input) -> Replies {
    let mut r = inc.replies();
    r.anonymous();
    r
}

fn confirm_keyboard(ctx: &Ctx, l: Lang) -> Buttons {
    vec![vec![
        Button {
            label: tr!(ctx.i18n, l, "tip-send-button"),
            action: Action::TipSend,
        },
        Button {
            label: tr!(ctx.i18n, l, "tip-drop-button"),
            action: Action::TipDrop,
        },
    ]]
}

/// Long texts in pieces Telegram accepts, split at line ends where possible.
fn chunks(text: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    for line in text.lines() {
        let mut line: String = line.to_string();
        loop {
            let cur = out.last_mut().map(|s| s.chars().count()).unwrap_or(0);
            let len = line.chars().count();
            if cur + len < CHUNK {
                if let Some(last) = out.last_mut() {
                    if !last.is_empty() {
                        last.push('\n');
                    }
                    last.push_str(&line);
                }
                break;
            }
            if cur > 0 {
                out.push(String::new());
                continue;
            }
            let head: String = line.chars().take(CHUNK - 1).collect();
            line = line.chars().skip(CHUNK - 1).collect();
            if let Some(last) = out.last_mut() {
                last.push_str(&head);
            }
            out.push(String::new());
        }
    }
    out.retain(|s| !s.is_empty());
    out
}

/// Has this chat something going on with tips (a draft, a relay session)? Used to route plain
/// messages; a database error says yes so the endpoint meets (and reports) it.
pub async fn in_tip_chat(ctx: Arc<Ctx>, inc: Input) -> bool {
    if !inc.private {
        return false;
    }
    match ctx.store.tip_chat(&chat_key(&ctx, &inc)).await {
        Ok(c) => c.is_some_and(|c| c.draft.is_some() || c.tip_id.is_some()),
        Err(_) => true,
    }
}

/// Is this handler expected to type a reply or outcome? Same error rule as `in_tip_chat`.
pub async fn awaiting_desk_text(ctx: Arc<Ctx>, inc: Input) -> bool {
    if inc.member.person.is_none() || inc.text.is_none() {
        return false;
    }
    ctx.store
        .tip_wait(inc.chat_id, inc.user_id())
        .await
        .map(|w| w.is_some())
        .unwrap_or(true)
}

/// `/cancel` drops a tip draft (a relay session ends too) and a handler's pending answer.
pub async fn cancel(ctx: &Ctx, tx: &mut crate::store::Tx, inc: &Input) -> HandlerResultBool {
    let mut had = tx.drop_tip_wait(inc.chat_id, inc.user_id()).await?;
    if inc.private {
        had |= tx.drop_tip_chat(&chat_key(ctx, inc)).await?;
    }
    Ok(had)
}

pub type HandlerResultBool = Result<bool, crate::inbound::HandlerError>;

// ---- the tipster ----

/// `/tip`, `/tip CODE`, `/tip CODE TEXT`.
pub async fn tip_command(ctx: Arc<Ctx>, inc: Input, cmd: Command) -> HandlerResult {
    let mut r = tipster_replies(&inc);
    if !inc.private {
        r.text(tr!(ctx.i18n, inc.lang, "tip-private-only"));
        return r.send(&ctx).await;
    }
    let args = cmd.args.trim();
    if args.is_empty() {
        return start_draft(&ctx, &inc, r).await;
    }
    let (code, text) = match args.split_once(char::is_whitespace) {
        Some((c, t)) => (c, t.trim()),
        None => (args, ""),
    };
    with_code(&ctx, &inc, r, code, text).await
}

async fn start_draft(ctx: &Ctx, inc: &Input, mut r: Replies) -> HandlerResult {
    let l = inc.lang;
    let now = now(ctx);
    let mut tx = ctx.store.begin().await?;
    // Told before writing, not after: the draft is counted when it is sent.
    if let Admit::WaitUntil(until) =
        limits::check(&mut tx, Kind::NewTip, &rate_key(ctx, inc), now).await?
    {
        r.text(crate::limits::wait_text(ctx, l, Kind::NewTip, until));
        return r.commit(ctx, tx).await;
    }
    let draft = serde_json::to_string(&Draft::default()).unwrap_or_default();
    tx.put_tip_draft(&chat_key(ctx, inc), &draft, now).await?;
    r.text(tr!(ctx.i18n, l, "tip-intro"));
    r.commit(ctx, tx).await
}

/// What a receipt code opens.
enum CodeCheck {
    Opens(i64),
    Unknown,
    /// Too many wrong codes from this chat, or too many checks overall: the reply says when
    /// to try again, and no check was spent.
    Wait(String),
}

/// A malformed, wrong or erased code costs the same Argon2 check as a right one and gives the
/// same answer. Guessing is bounded (see `tip::guard`): a limited sender is told when to try
/// again, and checks run one at a time, so a flood of them leaves a core to everyone else.
async fn tip_by_code(
    ctx: &Ctx,
    inc: &Input,
    code: &str,
) -> Result<CodeCheck, crate::inbound::HandlerError> {
    let now = now(ctx);
    let key = Key::pseudonym(ctx.tip_key.chat_key(guard::FAILURE_LABEL, inc.chat_id));
    if let Admit::WaitUntil(until) = limits::check_now(&ctx.store, Kind::TipCode, &key, now).await?
    {
        let reply = crate::limits::wait_text(ctx, inc.lang, Kind::TipCode, until);
        return Ok(CodeCheck::Wait(reply));
    }
    if let Err(ms) = ctx.code_guard.admit(now) {
        let seconds = (ms + 999) / 1000;
        return Ok(CodeCheck::Wait(tr!(
            ctx.i18n,
            inc.lang,
            "tip-code-busy",
            seconds = seconds
        )));
    }
    let found = if crypto::looks_like_code(code) {
        ctx.store
            .tip_by_lookup(&ctx.tip_key.code_lookup(code))
            .await?
    } else {
        None
    };
    let hash = found.as_ref().map(|(_, h)| h.clone());
    let ok = {
        let _one_at_a_time = ctx.code_guard.hashing().await;
        let code = code.to_string();
        tokio::task::spawn_blocking(move || crypto::verify_code(&code, hash.as_deref()))
            .await
            .unwrap_or(false)
    };
    match found.filter(|_| ok) {
        Some((id, _)) => Ok(CodeCheck::Opens(id)),
        None => {
            limits::count_now(&ctx.store, Kind::TipCode, &key, now).await?;
            Ok(CodeCheck::Unknown)
        }
    }
}

/// The tip a code opens; otherwise the reply that says why not is queued and `None` returned.
async fn open_by_code(
    ctx: &Ctx,
    inc: &Input,
    r: &mut Replies,
    code: &str,
) -> Result<Option<i64>, crate::inbound::HandlerError> {
    Ok(match tip_by_code(ctx, inc, code).await? {
        CodeCheck::Opens(id) => Some(id),
        CodeCheck::Unknown => {
            r.text(tr!(ctx.i18n, inc.lang, "tip-code-unknown"));
            None
        }
        CodeCheck::Wait(reply) => {
            r.text(reply);
            None
        }
    })
}

async fn with_code(
    ctx: &Ctx,
    inc: &Input,
    mut r: Replies,
    code: &str,
    text: &str,
) -> HandlerResult {
    let l = inc.lang;
    let Some(id) = open_by_code(ctx, inc, &mut r, code).await? else {
        return r.send(ctx).await;
    };
    let now = now(ctx);
    let mut tx = ctx.store.begin().await?;
    let Some(tip) = tx.tip(id).await?.filter(|t| t.forgotten_at.is_none()) else {
        r.text(tr!(ctx.i18n, l, "tip-code-unknown"));
        return r.commit(ctx, tx).await;
    };
    // Whoever holds the code is the tipster: replies now come to this chat.
    flow::repoint(ctx, &mut tx, id, inc.chat_id, l, now).await?;
    if !text.is_empty() {
        if text.chars().count() > tip::MAX_TEXT {
            r.text(tr!(ctx.i18n, l, "tip-draft-too-long"));
            return r.commit(ctx, tx).await;
        }
        if !crate::limits::take_or_say(ctx, &mut tx, &mut r, l, Kind::TipRelay, &Key::tip(id))
            .await?
        {
            return r.commit(ctx, tx).await;
        }
        flow::from_tipster(ctx, &mut tx, &tip, &Content::Text(text.to_string()), now).await?;
        r.text(tr!(ctx.i18n, l, "tip-relayed", id = TipId(id)));
    }
    for part in chunks(&flow::status_text(ctx, &mut tx, &tip, l).await?) {
        r.text(part);
    }
    r.commit(ctx, tx).await
}

/// A plain message in a chat with a tip draft or relay session.
pub async fn tipster_message(
    ctx: Arc<Ctx>,
    inc: Input,
    update: Update,
    check: FileCheck,
) -> HandlerResult {
    let mut r = tipster_replies(&inc);
    let l = inc.lang;
    let key = chat_key(&ctx, &inc);
    let now = now(&ctx);
    let mut tx = ctx.store.begin().await?;
    let chat = tx.tip_chat(&key).await?.unwrap_or_default();
    let what = inbound(&update, check);
    let refusal = match &what {
        Inbound::Document => Some("tip-document"),
        Inbound::TooLarge => Some("file-too-large"),
        Inbound::Unreadable => Some("file-unreadable"),
        Inbound::Other => Some("tip-unsupported"),
        Inbound::Content(_) => None,
    };
    if let Some(key) = refusal {
        r.text(tr!(ctx.i18n, l, key));
        return r.commit(&ctx, tx).await;
    }
    let Inbound::Content(content) = what else {
        return r.commit(&ctx, tx).await;
    };
    if let Some(json) = chat.draft {
        let mut draft: Draft = serde_json::from_str(&json).unwrap_or_default();
        let (ok, reply_key) = match &content {
            Content::Text(t) => (draft.add_text(t), "tip-got-text"),
            Content::Photo { file_id, caption } => {
                let mut ok = draft.add_photo(file_id);
                if let Some(c) = caption {
                    ok &= draft.add_text(c);
                }
                (ok, "tip-got-photo")
            }
            Content::Location(lat, lon) => {
                draft.location = Some((*lat, *lon));
                (true, "tip-got-location")
            }
        };
        if !ok {
            let key = if matches!(content, Content::Text(_)) {
                "tip-draft-too-long"
            } else {
                "tip-draft-full"
            };
            r.text(tr!(ctx.i18n, l, key));
            return r.commit(&ctx, tx).await;
        }
        let json = serde_json::to_string(&draft).unwrap_or_default();
        tx.put_tip_draft(&key, &json, now).await?;
        let text = tr!(ctx.i18n, l, reply_key, photos = draft.photos.len() as i64);
        if draft.ready() {
            r.text_with(
                format!("{text}\n{}", tr!(ctx.i18n, l, "tip-ready")),
                confirm_keyboard(&ctx, l),
            );
        } else {
            r.text(format!("{text}\n{}", tr!(ctx.i18n, l, "tip-need-text")));
        }
        return r.commit(&ctx, tx).await;
    }
    let tip = match chat.tip_id {
        Some(id) => tx.tip(id).await?,
        None => None,
    };
    match tip.filter(|t| t.forgotten_at.is_none()) {
        Some(tip) => {
            if let Content::Text(t) = &content {
                if t.chars().count() > tip::MAX_TEXT {
                    r.text(tr!(ctx.i18n, l, "tip-draft-too-long"));
                    return r.commit(&ctx, tx).await;
                }
            }
            let relay = Key::tip(tip.id);
            if !crate::limits::take_or_say(&ctx, &mut tx, &mut r, l, Kind::TipRelay, &relay).await?
            {
                return r.commit(&ctx, tx).await;
            }
            flow::from_tipster(&ctx, &mut tx, &tip, &content, now).await?;
            r.text(tr!(ctx.i18n, l, "tip-relayed", id = TipId(tip.id)));
        }
        None => {
            tx.drop_tip_chat(&key).await?;
            r.text(tr!(ctx.i18n, l, "tip-session-ended"));
        }
    }
    r.commit(&ctx, tx).await
}

async fn send_draft(ctx: &Ctx, inc: &Input, mut r: Replies) -> HandlerResult {
    let l = inc.lang;
    let key = chat_key(ctx, inc);
    let draft = ctx
        .store
        .tip_chat(&key)
        .await?
        .and_then(|c| c.draft)
        .and_then(|j| serde_json::from_str::<Draft>(&j).ok());
    match draft {
        None => {
            r.text(tr!(ctx.i18n, l, "tip-no-draft"));
            return r.send(ctx).await;
        }
        Some(d) if !d.ready() => {
            r.text(tr!(ctx.i18n, l, "tip-need-text"));
            return r.send(ctx).await;
        }
        Some(_) => {}
    }
    // The slow hash is computed before the transaction, so no lock waits on it.
    let code = crypto::new_receipt_code();
    let for_hash = code.clone();
    let hash = tokio::task::spawn_blocking(move || crypto::hash_code(&for_hash))
        .await
        .map_err(|e| flow::TipError::Code(crypto::CryptoError::Hash(e.to_string())))?
        .map_err(flow::TipError::Code)?;
    let now = now(ctx);
    let mut tx = ctx.store.begin().await?;
    // Read again under the lock: a second press of Send finds the draft gone.
    let Some(draft) = tx
        .tip_chat(&key)
        .await?
        .and_then(|c| c.draft)
        .and_then(|j| serde_json::from_str::<Draft>(&j).ok())
        .filter(Draft::ready)
    else {
        r.text(tr!(ctx.i18n, l, "tip-no-draft"));
        return r.commit(ctx, tx).await;
    };
    if !crate::limits::take_or_say(ctx, &mut tx, &mut r, l, Kind::NewTip, &rate_key(ctx, inc))
        .await?
    {
        return r.commit(ctx, tx).await;
    }
    let lookup = ctx.tip_key.code_lookup(&code);
    let id = flow::submit(ctx, &mut tx, &draft, inc.chat_id, l, &lookup, &hash, now).await?;
    r.text(tr!(ctx.i18n, l, "tip-sent", id = TipId(id), code = code));
    r.commit(ctx, tx).await
}

async fn drop_draft(ctx: &Ctx, inc: &Input, mut r: Replies) -> HandlerResult {
    let key = chat_key(ctx, inc);
    let mut tx = ctx.store.begin().await?;
    let Some(chat) = tx.tip_chat(&key).await?.filter(|c| c.draft.is_some()) else {
        // No draft to drop: nothing changes, not even the session's age.
        r.text(tr!(ctx.i18n, inc.lang, "tip-no-draft"));
        return r.commit(ctx, tx).await;
    };
    match chat.tip_id {
        // Back to the tip this chat was talking about before the new draft.
        Some(tip_id) => tx.set_tip_session(&key, tip_id, now(ctx)).await?,
        None => {
            tx.drop_tip_chat(&key).await?;
        }
    }
    r.text(tr!(ctx.i18n, inc.lang, "cancel-done"));
    r.commit(ctx, tx).await
}

/// `/reveal CODE`: the tipster may choose to say who they are, after an explicit confirm.
pub async fn reveal_command(ctx: Arc<Ctx>, inc: Input, cmd: Command) -> HandlerResult {
    let mut r = tipster_replies(&inc);
    let l = inc.lang;
    let code = cmd.args.split_whitespace().next().unwrap_or("");
    if !inc.private || code.is_empty() {
        r.text(tr!(ctx.i18n, l, "tip-reveal-usage"));
        return r.send(&ctx).await;
    }
    let Some(id) = open_by_code(&ctx, &inc, &mut r, code).await? else {
        return r.send(&ctx).await;
    };
    let mut tx = ctx.store.begin().await?;
    tx.set_tip_reveal(&chat_key(&ctx, &inc), Some(id), now(&ctx))
        .await?;
    let buttons = vec![
        vec![Button {
            label: tr!(ctx.i18n, l, "tip-reveal-button"),
            action: Action::TipReveal(id),
        }],
        vec![Button {
            label: tr!(ctx.i18n, l, "tip-stay-anonymous-button"),
            action: Action::TipStayAnonymous,
        }],
    ];
    r.text_with(tr!(ctx.i18n, l, "tip-reveal-ask", id = TipId(id)), buttons);
    r.commit(&ctx, tx).await
}

async fn confirm_reveal(ctx: &Ctx, inc: &Input, id: i64, mut r: Replies) -> HandlerResult {
    let l = inc.lang;
    let key = chat_key(ctx, inc);
    let now = now(ctx);
    let mut tx = ctx.store.begin().await?;
    // Only the chat that proved the code with /reveal may confirm, and only that tip.
    let pending = tx.tip_chat(&key).await?.and_then(|c| c.reveal_tip);
    let tip = match pending {
        Some(p) if p == id => tx.tip(id).await?.filter(|t| t.forgotten_at.is_none()),
        _ => None,
    };
    let Some(tip) = tip else {
        r.text(tr!(ctx.i18n, l, "button-expired"));
        return r.commit(ctx, tx).await;
    };
    let who = match &inc.from.username {
        Some(u) => format!(
            "{} (@{u}, Telegram id {})",
            inc.display_name(),
            inc.user_id()
        ),
        None => format!("{} (Telegram id {})", inc.display_name(), inc.user_id()),
    };
    flow::reveal(ctx, &mut tx, &tip, &who, now).await?;
    tx.set_tip_reveal(&key, None, now).await?;
    r.text(tr!(ctx.i18n, l, "tip-reveal-done", id = TipId(id)));
    r.commit(ctx, tx).await
}

async fn stay_anonymous(ctx: &Ctx, inc: &Input, mut r: Replies) -> HandlerResult {
    let key = chat_key(ctx, inc);
    let mut tx = ctx.store.begin().await?;
    // Only a reveal this chat asked for can be declined; otherwise nothing is written (not
    // even a row for this chat).
    if tx
        .tip_chat(&key)
        .await?
        .and_then(|c| c.reveal_tip)
        .is_none()
    {
        r.text(tr!(ctx.i18n, inc.lang, "button-expired"));
        return r.commit(ctx, tx).await;
    }
    tx.set_tip_reveal(&key, None, now(ctx)).await?;
    r.text(tr!(ctx.i18n, inc.lang, "tip-reveal-kept"));
    r.commit(ctx, tx).await
}

// ---- the desk ----

fn outcome_text(ctx: &Ctx, l: Lang, id: i64, o: &DeskOutcome, done_key: &str) -> String {
    let tid = TipId(id).to_string();
    match o {
        DeskOutcome::Done { told_tipster: true } => tr!(ctx.i18n, l, done_key, id = tid),
        DeskOutcome::Done {
            told_tipster: false,
        } => format!(
            "{}\n{}",
            tr!(ctx.i18n, l, done_key, id = tid.clone()),
            tr!(ctx.i18n, l, "tip-forgotten", id = tid)
        ),
        // Not found and not theirs read the same.
        DeskOutcome::NotAllowed | DeskOutcome::Unknown => tr!(ctx.i18n, l, "tip-unknown", id = tid),
        DeskOutcome::NotSupervisor => tr!(ctx.i18n, l, "tip-not-supervisor"),
        DeskOutcome::AlreadyAcked => tr!(ctx.i18n, l, "tip-already-acked", id = tid),
        DeskOutcome::Closed => tr!(ctx.i18n, l, "tip-already-closed", id = tid),
        DeskOutcome::Forgotten => tr!(ctx.i18n, l, "tip-forgotten", id = tid),
        DeskOutcome::BadStep { current } => tr!(
            ctx.i18n,
            l,
            "tip-reward-bad-step",
            id = tid,
            current = tr!(
                ctx.i18n,
                l,
                &format!("tip-reward-word-{}", current.as_str())
            )
        ),
    }
}

/// The tip id and the rest of a desk command's arguments.
fn id_and_rest(args: &str) -> Option<(i64, String)> {
    let args = args.trim();
    let (first, rest) = match args.split_once(char::is_whitespace) {
        Some((f, r)) => (f, r.trim()),
        None => (args, ""),
    };
    Some((
        first.parse::<TipId>().ok()?.0,
        rest.chars().take(tip::MAX_TEXT).collect(),
    ))
}

async fn desk_ack(ctx: &Ctx, inc: &Input, id: i64) -> HandlerResult {
    let mut r = inc.replies();
    let mut tx = ctx.store.begin().await?;
    let o = flow::acknowledge(ctx, &mut tx, id, &inc.member, now(ctx)).await?;
    let text = outcome_text(ctx, inc.lang, id, &o, "tip-acked");
    if inc.press.is_some() {
        r.answer_press(Some(text.chars().take(190).collect()));
    } else {
        r.text(text);
    }
    r.commit(ctx, tx).await
}

/// `/ack T-45`.
pub async fn ack_command(ctx: Arc<Ctx>, inc: Input, cmd: Command) -> HandlerResult {
    match id_and_rest(&cmd.args) {
        Some((id, _)) => desk_ack(&ctx, &inc, id).await,
        None => {
            let mut r = inc.replies();
            r.text(tr!(ctx.i18n, inc.lang, "esc-ack-usage"));
            r.send(&ctx).await
        }
    }
}

async fn desk_reply(
    ctx: &Ctx,
    inc: &Input,
    r: &mut Replies,
    tx: &mut crate::store::Tx,
    id: i64,
    text: &str,
) -> HandlerResult {
    let o = flow::reply(ctx, tx, id, &inc.member, text, now(ctx)).await?;
    r.text(outcome_text(ctx, inc.lang, id, &o, "tip-replied"));
    Ok(())
}

async fn desk_close(
    ctx: &Ctx,
    inc: &Input,
    r: &mut Replies,
    tx: &mut crate::store::Tx,
    id: i64,
    outcome: &str,
) -> HandlerResult {
    let o = flow::close(ctx, tx, id, &inc.member, outcome, now(ctx)).await?;
    r.text(outcome_text(ctx, inc.lang, id, &o, "tip-closed"));
    Ok(())
}

/// `/reply T-45 TEXT`.
pub async fn reply_command(ctx: Arc<Ctx>, inc: Input, cmd: Command) -> HandlerResult {
    let mut r = inc.replies();
    let Some((id, text)) = id_and_rest(&cmd.args).filter(|(_, t)| !t.is_empty()) else {
        r.text(tr!(ctx.i18n, inc.lang, "tip-reply-usage"));
        return r.send(&ctx).await;
    };
    let mut tx = ctx.store.begin().await?;
    desk_reply(&ctx, &inc, &mut r, &mut tx, id, &text).await?;
    r.commit(&ctx, tx).await
}

/// `/close T-45 OUTCOME`.
pub async fn close_command(ctx: Arc<Ctx>, inc: Input, cmd: Command) -> HandlerResult {
    let mut r = inc.replies();
    let Some((id, outcome)) = id_and_rest(&cmd.args).filter(|(_, t)| !t.is_empty()) else {
        r.text(tr!(ctx.i18n, inc.lang, "tip-close-usage"));
        return r.send(&ctx).await;
    };
    let mut tx = ctx.store.begin().await?;
    desk_close(&ctx, &inc, &mut r, &mut tx, id, &outcome).await?;
    r.commit(&ctx, tx).await
}

/// `/reward T-45 proposed 500 | approved | paid`.
pub async fn reward_command(ctx: Arc<Ctx>, inc: Input, cmd: Command) -> HandlerResult {
    let mut r = inc.replies();
    let l = inc.lang;
    let Some((id, step, amount)) = tip::parse_reward(&cmd.args) else {
        r.text(tr!(ctx.i18n, l, "tip-reward-usage"));
        return r.send(&ctx).await;
    };
    let mut tx = ctx.store.begin().await?;
    let o = flow::reward(&ctx, &mut tx, id, &inc.member, step, amount, now(&ctx)).await?;
    let done_key = format!("tip-reward-done-{}", step.as_str());
    r.text(outcome_text(&ctx, l, id, &o, &done_key));
    r.commit(&ctx, tx).await
}

/// `/forward T-45 UNIT`: recorded as a note until hazard reports exist.
pub async fn forward_command(ctx: Arc<Ctx>, inc: Input, cmd: Command) -> HandlerResult {
    let mut r = inc.replies();
    let l = inc.lang;
    let Some((id, unit)) = id_and_rest(&cmd.args).filter(|(_, u)| !u.is_empty()) else {
        r.text(tr!(ctx.i18n, l, "tip-forward-usage"));
        return r.send(&ctx).await;
    };
    let unit_id = unit.split_whitespace().next().unwrap_or("").to_string();
    let Some(unit) = ctx.store.unit(&unit_id).await? else {
        r.text(tr!(ctx.i18n, l, "tip-forward-unknown-unit", unit = unit_id));
        return r.send(&ctx).await;
    };
    let mut tx = ctx.store.begin().await?;
    let (o, hazard) = flow::forward(&ctx, &mut tx, id, &inc.member, &unit.id, now(&ctx)).await?;
    let text = match o {
        DeskOutcome::Done { .. } => {
            tr!(
                ctx.i18n,
                l,
                "tip-forwarded",
                id = TipId(id),
                unit = unit.name.clone(),
                hazard = hazard.map(|n| HazardId(n).to_string()).unwrap_or_default()
            )
        }
        o => outcome_text(&ctx, l, id, &o, "tip-forwarded"),
    };
    r.text(text);
    r.commit(&ctx, tx).await
}

/// The Reply or Close button: the handler's next text in this chat is the answer.
async fn desk_ask(ctx: &Ctx, inc: &Input, id: i64, action: &str) -> HandlerResult {
    let mut r = inc.replies();
    let l = inc.lang;
    let mut tx = ctx.store.begin().await?;
    if let Err(o) = flow::may_answer(&mut tx, id, &inc.member, action == "close").await? {
        let text = outcome_text(ctx, l, id, &o, "tip-unknown");
        r.answer_press(Some(text.chars().take(190).collect()));
        return r.commit(ctx, tx).await;
    }
    r.answer_press(None);
    tx.set_tip_wait(inc.chat_id, inc.user_id(), id, action, now(ctx))
        .await?;
    let key = if action == "reply" {
        "tip-ask-reply"
    } else {
        "tip-ask-close"
    };
    r.text(tr!(ctx.i18n, l, key, id = TipId(id)));
    r.commit(ctx, tx).await
}

/// A handler's text after pressing Reply or Close.
pub async fn desk_text(ctx: Arc<Ctx>, inc: Input) -> HandlerResult {
    let mut r = inc.replies();
    let mut tx = ctx.store.begin().await?;
    let wait = tx.take_tip_wait(inc.chat_id, inc.user_id()).await?;
    let text: String = inc
        .text
        .as_deref()
        .unwrap_or("")
        .trim()
        .chars()
        .take(tip::MAX_TEXT)
        .collect();
    match wait {
        Some(w) if !text.is_empty() => {
            if w.action == "close" {
                desk_close(&ctx, &inc, &mut r, &mut tx, w.tip_id, &text).await?;
            } else {
                desk_reply(&ctx, &inc, &mut r, &mut tx, w.tip_id, &text).await?;
            }
        }
        _ => {
            if inc.private {
                r.text(tr!(ctx.i18n, inc.lang, "not-understood"));
            }
        }
    }
    r.commit(&ctx, tx).await
}

/// The tip buttons, for the tipster and the desk.
pub async fn press(ctx: &Ctx, inc: &Input, action: Action) -> HandlerResult {
    match action {
        Action::TipAck(id) => return desk_ack(ctx, inc, id).await,
        Action::TipReply(id) => return desk_ask(ctx, inc, id, "reply").await,
        Action::TipClose(id) => return desk_ask(ctx, inc, id, "close").await,
        _ => {}
    }
    let mut r = tipster_replies(inc);
    r.answer_press(None);
    if !inc.private {
        r.text(tr!(ctx.i18n, inc.lang, "button-expired"));
        return r.send(ctx).await;
    }
    match action {
        Action::TipSend => send_draft(ctx, inc, r).await,
        Action::TipDrop => drop_draft(ctx, inc, r).await,
        Action::TipReveal(id) => confirm_reveal(ctx, inc, id, r).await,
        Action::TipStayAnonymous => stay_anonymous(ctx, inc, r).await,
        _ => {
            r.text(tr!(ctx.i18n, inc.lang, "button-expired"));
            r.send(ctx).await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_texts_split_below_the_limit() {
        assert_eq!(chunks("a\nb"), vec!["a\nb".to_string()]);
        let long = format!("{}\n{}", "x".repeat(3000), "y".repeat(3000));
        let parts = chunks(&long);
        assert_eq!(parts.len(), 2);
        let huge = "z".repeat(10_000);
        let parts = chunks(&huge);
        assert!(parts.iter().all(|p| p.chars().count() < 4096));
        assert_eq!(parts.concat().len(), 10_000);
        assert!(chunks("").is_empty());
    }

    #[test]
    fn desk_arguments_parse() {
        assert_eq!(
            id_and_rest("T-4 hello there"),
            Some((4, "hello there".into()))
        );
        assert_eq!(id_and_rest("T-4"), Some((4, String::new())));
        assert_eq!(id_and_rest("E-4 x"), None);
        assert_eq!(id_and_rest(""), None);
    }
}

#[cfg(test)]
mod inbound_tests {
    use super::*;

    fn update(extra: serde_json::Value) -> Update {
        let mut msg = serde_json::json!({
            "message_id": 5, "date": 0,
            "chat": {"id": 9, "type": "private", "first_name": "A"},
            "from": {"id": 9, "is_bot": false, "first_name": "A"},
        });
        if let (Some(m), Some(e)) = (msg.as_object_mut(), extra.as_object()) {
            m.extend(e.clone());
        }
        // As the intake does: from the stored text (teloxide needs borrowed strings for MIME types).
        serde_json::from_str(&serde_json::json!({"update_id": 1, "message": msg}).to_string())
            .expect("update")
    }

    #[test]
    fn documents_photos_and_locations_are_told_apart() {
        let doc = |name: &str, mime: &str| {
            update(
                serde_json::json!({"document": {"file_id": "F", "file_unique_id": "U", "file_size": 3, "file_name": name, "mime_type": mime}}),
            )
        };
        let scrubbed = Inbound::Content(Content::Photo {
            file_id: "scrub:F".into(),
            caption: None,
        });
        assert_eq!(
            inbound(&doc("a.jpg", "image/jpeg"), FileCheck::Fits),
            scrubbed
        );
        assert_eq!(
            inbound(&doc("a.bin", "image/png"), FileCheck::NotChecked),
            scrubbed
        );
        assert_eq!(
            inbound(
                &doc("IMG.HEIC", "application/octet-stream"),
                FileCheck::NotChecked
            ),
            scrubbed
        );
        assert_eq!(
            inbound(&doc("r.pdf", "application/pdf"), FileCheck::NotChecked),
            Inbound::Document
        );
        // What intake found in the header, or the declared size, refuses a picture.
        assert_eq!(
            inbound(&doc("a.png", "image/png"), FileCheck::TooLarge),
            Inbound::TooLarge
        );
        assert_eq!(
            inbound(&doc("a.png", "image/png"), FileCheck::Unreadable),
            Inbound::Unreadable
        );
        let huge = update(
            serde_json::json!({"document": {"file_id": "F", "file_unique_id": "U", "file_size": 21 << 20, "file_name": "a.png", "mime_type": "image/png"}}),
        );
        assert_eq!(inbound(&huge, FileCheck::NotChecked), Inbound::TooLarge);
        let photo = update(serde_json::json!({"photo": [
            {"file_id": "small", "file_unique_id": "u1", "width": 90, "height": 60},
            {"file_id": "big", "file_unique_id": "u2", "width": 1280, "height": 960}], "caption": "look"}));
        assert_eq!(
            inbound(&photo, FileCheck::NotChecked),
            Inbound::Content(Content::Photo {
                file_id: "big".into(),
                caption: Some("look".into())
            })
        );
        let loc = update(serde_json::json!({"location": {"latitude": 1.5, "longitude": 2.5}}));
        assert_eq!(
            inbound(&loc, FileCheck::NotChecked),
            Inbound::Content(Content::Location(1.5, 2.5))
        );
        assert_eq!(
            inbound(
                &update(serde_json::json!({"text": "hi"})),
                FileCheck::NotChecked
            ),
            Inbound::Content(Content::Text("hi".into()))
        );
    }
}
