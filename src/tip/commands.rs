//! What a tipster does from a chat, whatever the channel: writing a tip and sending it,
//! following it up and reading it with its receipt code, and revealing themselves. The desk's
//! side is `super::desk`.
//!
//! Each runs in the processor's transaction (`inbound::run`). The one exception is Argon2:
//! receipt codes are checked, and a new one hashed, before it (`check_code`,
//! `code_for_draft`), so no transaction waits on the slow hash holding the store's lock.
//!
//! Every reply a tipster gets is anonymous (erased from the outbox once sent), and nothing here
//! logs a tipster's chat. For that reason a tipster is never answered with a `Refusal` (the
//! processor's answer to one is not anonymous): what they cannot do is a reply in their
//! `Replies`, made anonymous first, and the functions here fail only with a `TipError`.
use super::flow::{self, Content, TipError};
use super::{Draft, CHAT_LABEL, MAX_TEXT, RATE_LABEL};
use crate::action::Action;
use crate::channel::Channel;
use crate::config::Lang;
use crate::context::Ctx;
use crate::crypto::{self, CryptoError};
use crate::ids::TipId;
use crate::inbound::Media;
use crate::inbound::{Document, Input, Replies};
use crate::limits::{self, Admit, Key, Kind};
use crate::notice::{Button, Buttons};
use crate::store::{StoreError, TipRow, Tx};
use crate::tr;

/// A chat message holds a few thousand characters (Telegram's 4096): longer texts go in
/// pieces, with room to spare.
const CHUNK: usize = 3800;

fn now(ctx: &Ctx) -> i64 {
    ctx.clock.now_ms()
}

/// Everything about a tipster's chat is found by a keyed hash of it, never by its id.
fn chat_key(ctx: &Ctx, inc: &Input) -> String {
    ctx.tip_key.chat_key(CHAT_LABEL, inc.chat_id)
}

fn read_draft(json: &str) -> Option<Draft> {
    serde_json::from_str(json).ok()
}

/// Long texts in pieces a chat accepts, split at line ends where possible.
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

// ---- limits ----

/// Is one more action of `kind` admitted for `key`? Counted in `tx` when `count`. When it
/// is not, the reply says until when, and the caller writes nothing more.
#[allow(clippy::too_many_arguments)]
async fn admitted(
    ctx: &Ctx,
    tx: &mut Tx,
    inc: &Input,
    kind: Kind,
    key: &Key,
    count: bool,
    now: i64,
    r: &mut Replies,
) -> Result<bool, StoreError> {
    let admit = match count {
        true => limits::take(tx, kind, key, now).await?,
        false => limits::check(tx, kind, key, now).await?,
    };
    match admit {
        Admit::Go => Ok(true),
        Admit::WaitUntil(until) => {
            r.text(limits::wait_text(ctx, inc.lang, kind, until));
            Ok(false)
        }
    }
}

/// Where a new tip is when its limit is asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NewTipStep {
    /// `/tip`: only looked at, so the tipster is told before writing.
    Start,
    /// Send: counted with the tip it files.
    Send,
}

/// The limit on new tips from this chat (`Kind::NewTip`), the one place it is asked.
async fn new_tip_admitted(
    ctx: &Ctx,
    tx: &mut Tx,
    inc: &Input,
    step: NewTipStep,
    now: i64,
    r: &mut Replies,
) -> Result<bool, StoreError> {
    let key = Key::pseudonym(ctx.tip_key.chat_key(RATE_LABEL, inc.chat_id));
    let count = step == NewTipStep::Send;
    admitted(ctx, tx, inc, Kind::NewTip, &key, count, now, r).await
}

// ---- receipt codes, checked before the transaction ----

/// What a receipt code opened. Only `check_code` makes one, so nothing opens a tip without
/// the code.
#[derive(Debug)]
pub struct CodeCheck(Checked);

#[derive(Debug)]
enum Checked {
    /// No code was given, or not in a private chat: nothing checked.
    NotAsked,
    Opens(i64),
    /// Malformed, wrong or erased: one answer for all.
    Unknown,
    /// Too many wrong codes from this chat: until when (no check was spent).
    Limited(i64),
    /// Too many checks overall: milliseconds until one is free (no check was spent).
    Busy(i64),
}

impl CodeCheck {
    fn asked(&self) -> bool {
        !matches!(self.0, Checked::NotAsked)
    }

    /// The tip the code opens; otherwise the reply says why not.
    fn opened(self, ctx: &Ctx, l: Lang, r: &mut Replies) -> Option<i64> {
        match self.0 {
            Checked::Opens(id) => return Some(id),
            Checked::NotAsked | Checked::Unknown => r.text(tr!(ctx.i18n, l, "tip-code-unknown")),
            Checked::Limited(until) => r.text(limits::wait_text(ctx, l, Kind::TipCode, until)),
            Checked::Busy(ms) => {
                let seconds = (ms + 999) / 1000;
                r.text(tr!(ctx.i18n, l, "tip-code-busy", seconds = seconds));
            }
        }
        None
    }
}

/// Check the receipt code `/tip CODE` or `/reveal CODE` gives, in a private chat (elsewhere, or
/// with no code, nothing is checked). Runs before the update's transaction and outside any: an
/// Argon2 check takes tens of milliseconds of a core, one at a time (`crate::crypto::guard`), and a
/// transaction held meanwhile would hold the store's write lock for everyone else. Wrong codes
/// are counted here, committed on their own.
///
/// A malformed, wrong or erased code costs the same check as a right one and gets the same
/// answer. Guessing is bounded: a limited chat is told when to try again, and checks run one
/// at a time, so a flood of them leaves a core to everyone else.
pub async fn check_code(ctx: &Ctx, inc: &Input, code: &str) -> Result<CodeCheck, StoreError> {
    if !inc.private || code.is_empty() {
        return Ok(CodeCheck(Checked::NotAsked));
    }
    let now = now(ctx);
    let key = Key::pseudonym(
        ctx.tip_key
            .chat_key(crate::crypto::guard::FAILURE_LABEL, inc.chat_id),
    );
    let kind = Kind::TipCode;
    if let Admit::WaitUntil(until) = limits::check_now(&ctx.store, kind, &key, now).await? {
        return Ok(CodeCheck(Checked::Limited(until)));
    }
    if let Err(ms) = ctx.code_guard.admit(now) {
        return Ok(CodeCheck(Checked::Busy(ms)));
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
        Some((id, _)) => Ok(CodeCheck(Checked::Opens(id))),
        None => {
            limits::count_now(&ctx.store, kind, &key, now).await?;
            Ok(CodeCheck(Checked::Unknown))
        }
    }
}

/// A new receipt code and its Argon2 hash.
pub struct NewCode {
    code: String,
    hash: String,
}

impl NewCode {
    async fn make() -> Result<NewCode, TipError> {
        let code = crypto::new_receipt_code();
        let for_hash = code.clone();
        let hash = tokio::task::spawn_blocking(move || crypto::hash_code(&for_hash))
            .await
            .map_err(|e| TipError::Code(CryptoError::Hash(e.to_string())))?
            .map_err(TipError::Code)?;
        Ok(NewCode { code, hash })
    }
}

/// The receipt code for the draft a tipster is about to send, when they have one ready: made
/// before the transaction (see `check_code`), and handed to `send`.
pub async fn code_for_draft(ctx: &Ctx, inc: &Input) -> Result<Option<NewCode>, TipError> {
    if !inc.private {
        return Ok(None);
    }
    let draft = ctx
        .store
        .tip_chat(&chat_key(ctx, inc))
        .await?
        .and_then(|c| c.draft)
        .and_then(|j| read_draft(&j));
    match draft {
        Some(d) if d.ready() => Ok(Some(NewCode::make().await?)),
        _ => Ok(None),
    }
}

// ---- the tipster ----

/// What `/tip` asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TipRequest {
    /// `/tip`: a new draft.
    Draft,
    /// `/tip CODE [TEXT]`: the tip's status and exchange, after adding `text` if any.
    Code { code: String, text: String },
}

impl TipRequest {
    pub fn parse(args: &str) -> TipRequest {
        let args = args.trim();
        if args.is_empty() {
            return TipRequest::Draft;
        }
        let (code, text) = match args.split_once(char::is_whitespace) {
            Some((c, t)) => (c, t.trim()),
            None => (args, ""),
        };
        TipRequest::Code {
            code: code.to_string(),
            text: text.to_string(),
        }
    }

    /// The receipt code to check before the transaction ("" for none).
    pub fn code(&self) -> &str {
        match self {
            TipRequest::Draft => "",
            TipRequest::Code { code, .. } => code,
        }
    }
}

/// `/tip`, `/tip CODE`, `/tip CODE TEXT`; `code` is what `check_code` found of the code.
pub async fn tip(
    ctx: &Ctx,
    tx: &mut Tx,
    inc: &Input,
    request: &TipRequest,
    code: CodeCheck,
    r: &mut Replies,
) -> Result<(), TipError> {
    r.anonymous();
    if !inc.private {
        r.text(tr!(ctx.i18n, inc.lang, "tip-private-only"));
        return Ok(());
    }
    // A WeCom member is known to their enterprise: a tip there could not be anonymous, so
    // none is taken; they are told where it can be.
    if Channel::of_chat(inc.chat_id) == Channel::Wecom {
        let bot = ctx.bot_username.clone();
        r.text(tr!(ctx.i18n, inc.lang, "tip-wecom", bot = bot));
        return Ok(());
    }
    match request {
        TipRequest::Draft => start_draft(ctx, tx, inc, r).await,
        TipRequest::Code { text, .. } => with_code(ctx, tx, inc, code, text, r).await,
    }
}

async fn start_draft(ctx: &Ctx, tx: &mut Tx, inc: &Input, r: &mut Replies) -> Result<(), TipError> {
    let now = now(ctx);
    if !new_tip_admitted(ctx, tx, inc, NewTipStep::Start, now, r).await? {
        return Ok(());
    }
    let draft = serde_json::to_string(&Draft::default()).unwrap_or_default();
    tx.put_tip_draft(&chat_key(ctx, inc), &draft, now).await?;
    r.text(tr!(ctx.i18n, inc.lang, "tip-intro"));
    Ok(())
}

async fn with_code(
    ctx: &Ctx,
    tx: &mut Tx,
    inc: &Input,
    code: CodeCheck,
    text: &str,
    r: &mut Replies,
) -> Result<(), TipError> {
    let l = inc.lang;
    let Some(id) = code.opened(ctx, l, r) else {
        return Ok(());
    };
    let Some(tip) = tx.tip(id).await?.filter(|t| t.forgotten_at.is_none()) else {
        r.text(tr!(ctx.i18n, l, "tip-code-unknown"));
        return Ok(());
    };
    let now = now(ctx);
    // Whoever holds the code is the tipster: replies now come to this chat.
    flow::repoint(ctx, tx, id, inc.chat_id, l, now).await?;
    if !text.is_empty() {
        let content = Content::Text(text.to_string());
        if !relay(ctx, tx, inc, &tip, &content, now, r).await? {
            return Ok(());
        }
    }
    for part in chunks(&flow::status_text(ctx, tx, &tip, l).await?) {
        r.text(part);
    }
    Ok(())
}

/// Pass what the tipster sent on to the desk, within the relay limit; false when it was not
/// (the reply says why).
async fn relay(
    ctx: &Ctx,
    tx: &mut Tx,
    inc: &Input,
    tip: &TipRow,
    content: &Content,
    now: i64,
    r: &mut Replies,
) -> Result<bool, TipError> {
    let l = inc.lang;
    if let Content::Text(t) = content {
        if t.chars().count() > MAX_TEXT {
            r.text(tr!(ctx.i18n, l, "tip-draft-too-long"));
            return Ok(false);
        }
    }
    let key = Key::tip(tip.id);
    if !admitted(ctx, tx, inc, Kind::TipRelay, &key, true, now, r).await? {
        return Ok(false);
    }
    flow::from_tipster(ctx, tx, tip, content, now).await?;
    r.text(tr!(ctx.i18n, l, "tip-relayed", id = TipId(tip.id)));
    Ok(true)
}

/// What a message in a tipster's chat holds, as the adapter makes it out.
#[derive(Debug, Clone, PartialEq)]
pub enum Received {
    Content(Content),
    /// A file that is not a picture.
    Document,
    /// A picture sent as a file that is too large (bytes, pixels or a side) to pass on.
    TooLarge,
    /// A file named as a picture that is none the bot can read.
    Unreadable,
    Other,
}

impl Received {
    /// What a message in a tipster's chat holds. A picture sent as a file keeps its GPS and
    /// camera metadata: it travels as a `scrub:` reference and is re-encoded from its pixels
    /// when sent (`crate::scrub`).
    pub fn of(inc: &Input) -> Received {
        let caption = || inc.text.clone().filter(|c| !c.trim().is_empty());
        match (&inc.media, &inc.document) {
            (Some(Media::Photo(file_id)), _) => Received::Content(Content::Photo {
                file_id: file_id.clone(),
                caption: caption(),
            }),
            (Some(Media::Location(lat, lon)), _) => {
                Received::Content(Content::Location(*lat, *lon))
            }
            (None, Some(Document::Picture(file_id))) => Received::Content(Content::Photo {
                file_id: format!("{}{file_id}", crate::notice::SCRUB_PREFIX),
                caption: caption(),
            }),
            (None, Some(Document::TooLarge)) => Received::TooLarge,
            (None, Some(Document::Unreadable)) => Received::Unreadable,
            (None, Some(Document::Other)) => Received::Document,
            (None, None) => match caption() {
                Some(text) => Received::Content(Content::Text(text)),
                None => Received::Other,
            },
        }
    }

    /// What is passed on, or the message that says why nothing is.
    fn content(self) -> Result<Content, &'static str> {
        match self {
            Received::Content(content) => Ok(content),
            Received::Document => Err("tip-document"),
            Received::TooLarge => Err("file-too-large"),
            Received::Unreadable => Err("file-unreadable"),
            Received::Other => Err("tip-unsupported"),
        }
    }
}

/// Has this chat something going on with tips (a draft, a relay session)? Decides whether
/// `message` takes a plain message; a store error says yes, so `message` meets (and reports)
/// it.
pub async fn takes_message(ctx: &Ctx, inc: &Input) -> bool {
    if !inc.private {
        return false;
    }
    match ctx.store.tip_chat(&chat_key(ctx, inc)).await {
        Ok(c) => c.is_some_and(|c| c.draft.is_some() || c.tip_id.is_some()),
        Err(_) => true,
    }
}

/// A plain message in a chat with a tip draft (added to it) or a relay session (passed on).
pub async fn message(
    ctx: &Ctx,
    tx: &mut Tx,
    inc: &Input,
    received: Received,
    r: &mut Replies,
) -> Result<(), TipError> {
    r.anonymous();
    let l = inc.lang;
    let content = match received.content() {
        Ok(content) => content,
        Err(refused) => {
            r.text(tr!(ctx.i18n, l, refused));
            return Ok(());
        }
    };
    let key = chat_key(ctx, inc);
    let now = now(ctx);
    let chat = tx.tip_chat(&key).await?.unwrap_or_default();
    if let Some(json) = chat.draft {
        return add_to_draft(ctx, tx, inc, &key, &json, &content, now, r).await;
    }
    let tip = match chat.tip_id {
        Some(id) => tx.tip(id).await?,
        None => None,
    };
    match tip.filter(|t| t.forgotten_at.is_none()) {
        Some(tip) => {
            relay(ctx, tx, inc, &tip, &content, now, r).await?;
        }
        None => {
            tx.drop_tip_chat(&key).await?;
            r.text(tr!(ctx.i18n, l, "tip-session-ended"));
        }
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
async fn add_to_draft(
    ctx: &Ctx,
    tx: &mut Tx,
    inc: &Input,
    key: &str,
    json: &str,
    content: &Content,
    now: i64,
    r: &mut Replies,
) -> Result<(), TipError> {
    let l = inc.lang;
    let mut draft = read_draft(json).unwrap_or_default();
    let (ok, reply_key) = match content {
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
        let key = match content {
            Content::Text(_) => "tip-draft-too-long",
            _ => "tip-draft-full",
        };
        r.text(tr!(ctx.i18n, l, key));
        return Ok(());
    }
    let json = serde_json::to_string(&draft).unwrap_or_default();
    tx.put_tip_draft(key, &json, now).await?;
    let text = tr!(ctx.i18n, l, reply_key, photos = draft.photos.len() as i64);
    if draft.ready() {
        r.text_with(
            format!("{text}\n{}", tr!(ctx.i18n, l, "tip-ready")),
            confirm_buttons(ctx, l),
        );
    } else {
        r.text(format!("{text}\n{}", tr!(ctx.i18n, l, "tip-need-text")));
    }
    Ok(())
}

fn confirm_buttons(ctx: &Ctx, l: Lang) -> Buttons {
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

/// A tipster's button: answered anonymously, and only in a private chat. False when it was
/// answered as expired.
fn tipster_press(ctx: &Ctx, inc: &Input, r: &mut Replies) -> bool {
    r.anonymous();
    r.answer_press(None);
    if !inc.private {
        r.text(tr!(ctx.i18n, inc.lang, "button-expired"));
        return false;
    }
    true
}

/// Send: file the draft, with the receipt code `code_for_draft` made for it.
pub async fn send(
    ctx: &Ctx,
    tx: &mut Tx,
    inc: &Input,
    code: Option<NewCode>,
    r: &mut Replies,
) -> Result<(), TipError> {
    if !tipster_press(ctx, inc, r) {
        return Ok(());
    }
    let l = inc.lang;
    let now = now(ctx);
    // Read under the lock: a second press of Send finds the draft gone.
    let draft = tx
        .tip_chat(&chat_key(ctx, inc))
        .await?
        .and_then(|c| c.draft)
        .and_then(|j| read_draft(&j));
    let draft = match draft {
        None => {
            r.text(tr!(ctx.i18n, l, "tip-no-draft"));
            return Ok(());
        }
        Some(d) if !d.ready() => {
            r.text(tr!(ctx.i18n, l, "tip-need-text"));
            return Ok(());
        }
        Some(d) => d,
    };
    if !new_tip_admitted(ctx, tx, inc, NewTipStep::Send, now, r).await? {
        return Ok(());
    }
    // Made here only if the draft was not ready when `code_for_draft` looked: a chat's
    // updates are handled one at a time, so not in practice.
    let code = match code {
        Some(c) => c,
        None => NewCode::make().await?,
    };
    let lookup = ctx.tip_key.code_lookup(&code.code);
    let id = flow::submit(ctx, tx, &draft, inc.chat_id, l, &lookup, &code.hash, now).await?;
    let text = tr!(ctx.i18n, l, "tip-sent", id = TipId(id), code = code.code);
    r.text(text);
    Ok(())
}

/// Drop the draft: back to the tip this chat was talking about before it, if any.
pub async fn drop_draft(
    ctx: &Ctx,
    tx: &mut Tx,
    inc: &Input,
    r: &mut Replies,
) -> Result<(), TipError> {
    if !tipster_press(ctx, inc, r) {
        return Ok(());
    }
    let key = chat_key(ctx, inc);
    let Some(chat) = tx.tip_chat(&key).await?.filter(|c| c.draft.is_some()) else {
        // No draft to drop: nothing changes, not even the session's age.
        r.text(tr!(ctx.i18n, inc.lang, "tip-no-draft"));
        return Ok(());
    };
    match chat.tip_id {
        Some(tip_id) => tx.set_tip_session(&key, tip_id, now(ctx)).await?,
        None => {
            tx.drop_tip_chat(&key).await?;
        }
    }
    r.text(tr!(ctx.i18n, inc.lang, "cancel-done"));
    Ok(())
}

/// `/cancel`: a tip draft is dropped (a relay session ends too), and a handler's pending
/// answer. True when there was either.
pub async fn cancel(ctx: &Ctx, tx: &mut Tx, inc: &Input) -> Result<bool, StoreError> {
    let mut had = tx.drop_tip_wait(inc.chat_id, inc.user_id()).await?;
    if inc.private {
        had |= tx.drop_tip_chat(&chat_key(ctx, inc)).await?;
    }
    Ok(had)
}

/// `/reveal CODE`: the tipster may choose to say who they are, after an explicit confirm.
/// `code` is what `check_code` found of the code.
pub async fn reveal(
    ctx: &Ctx,
    tx: &mut Tx,
    inc: &Input,
    code: CodeCheck,
    r: &mut Replies,
) -> Result<(), TipError> {
    r.anonymous();
    let l = inc.lang;
    // Asked only with a code in a private chat.
    if !code.asked() {
        r.text(tr!(ctx.i18n, l, "tip-reveal-usage"));
        return Ok(());
    }
    let Some(id) = code.opened(ctx, l, r) else {
        return Ok(());
    };
    tx.set_tip_reveal(&chat_key(ctx, inc), Some(id), now(ctx))
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
    Ok(())
}

/// The reveal confirmed: the desk learns `who` (as the adapter names the person on its
/// channel). Only the chat that proved the code with `/reveal` may confirm, and only that tip.
pub async fn confirm_reveal(
    ctx: &Ctx,
    tx: &mut Tx,
    inc: &Input,
    id: i64,
    who: &str,
    r: &mut Replies,
) -> Result<(), TipError> {
    if !tipster_press(ctx, inc, r) {
        return Ok(());
    }
    let l = inc.lang;
    let key = chat_key(ctx, inc);
    let now = now(ctx);
    let pending = tx.tip_chat(&key).await?.and_then(|c| c.reveal_tip);
    let tip = match pending {
        Some(p) if p == id => tx.tip(id).await?.filter(|t| t.forgotten_at.is_none()),
        _ => None,
    };
    let Some(tip) = tip else {
        r.text(tr!(ctx.i18n, l, "button-expired"));
        return Ok(());
    };
    flow::reveal(ctx, tx, &tip, who, now).await?;
    tx.set_tip_reveal(&key, None, now).await?;
    r.text(tr!(ctx.i18n, l, "tip-reveal-done", id = TipId(id)));
    Ok(())
}

/// The reveal declined.
pub async fn stay_anonymous(
    ctx: &Ctx,
    tx: &mut Tx,
    inc: &Input,
    r: &mut Replies,
) -> Result<(), TipError> {
    if !tipster_press(ctx, inc, r) {
        return Ok(());
    }
    let key = chat_key(ctx, inc);
    // Only a reveal this chat asked for can be declined; otherwise nothing is written (not
    // even a row for this chat).
    if tx
        .tip_chat(&key)
        .await?
        .and_then(|c| c.reveal_tip)
        .is_none()
    {
        r.text(tr!(ctx.i18n, inc.lang, "button-expired"));
        return Ok(());
    }
    tx.set_tip_reveal(&key, None, now(ctx)).await?;
    r.text(tr!(ctx.i18n, inc.lang, "tip-reveal-kept"));
    Ok(())
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
    fn tip_requests_parse() {
        assert_eq!(TipRequest::parse("  "), TipRequest::Draft);
        assert_eq!(
            TipRequest::parse(" abc  more  text "),
            TipRequest::Code {
                code: "abc".into(),
                text: "more  text".into()
            }
        );
        assert_eq!(TipRequest::parse("abc").code(), "abc");
        assert_eq!(TipRequest::Draft.code(), "");
    }
}
