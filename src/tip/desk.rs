//! What the tip desk does from a chat, whatever the channel: acknowledge, reply to the
//! tipster, close, reward and forward, as commands and as buttons alike. Who may do what is
//! checked once, in `flow` (`for_desk`), for the command and the button. Each runs in the
//! processor's transaction; a refusal is a `DeskError`, answered by the processor (rolling
//! back nothing: a refused action has written nothing).
use super::flow::{self, DeskOutcome, TipError};
use super::{Reward, MAX_TEXT};
use crate::config::Lang;
use crate::context::Ctx;
use crate::ids::{HazardId, TipId};
use crate::inbound::{HandlerError, Input, Refusal, Replies};
use crate::store::{StoreError, Tx};
use crate::tr;

/// The notice on a pressed button is short (Telegram's holds 200 characters).
const PRESS_NOTICE: usize = 190;

/// What the desk's actions refuse, and what failed under them. The processor answers a
/// refusal with its message (`From<DeskError> for HandlerError`, the one place).
#[derive(Debug, thiserror::Error)]
pub enum DeskError {
    #[error(transparent)]
    Tip(#[from] TipError),
    /// The command's arguments do not parse: its usage (a message key) is the answer.
    #[error("usage ({0})")]
    Usage(&'static str),
    /// No such tip, or one the sender may not handle: one answer for both, so nobody learns
    /// which tips exist.
    #[error("{0}: unknown, or not the sender's to handle")]
    Unknown(TipId),
    /// A handler of the desk, but the step is a supervisor's (rewards).
    #[error("the step is for the desk's supervisors")]
    NotSupervisor,
    #[error("{0}: already acknowledged")]
    AlreadyAcked(TipId),
    #[error("{0}: already closed")]
    Closed(TipId),
    /// The tipster's identity is erased: nothing reaches them any more.
    #[error("{0}: the tipster is forgotten")]
    Forgotten(TipId),
    /// The reward cannot take that step from where it is; `current` is that step in the
    /// sender's words (a refusal's arguments are plain text).
    #[error("{id}: the reward cannot take that step from {current}")]
    BadStep { id: TipId, current: String },
    #[error("no unit {0:?}")]
    UnknownUnit(String),
}

impl From<StoreError> for DeskError {
    fn from(e: StoreError) -> DeskError {
        DeskError::Tip(TipError::Store(e))
    }
}

impl DeskError {
    /// What the sender is told when they caused this; the failure under it otherwise.
    pub fn refusal(self) -> Result<Refusal, TipError> {
        let (key, id) = match self {
            DeskError::Tip(e) => return Err(e),
            DeskError::Usage(key) => return Ok(Refusal::new(key)),
            DeskError::NotSupervisor => return Ok(Refusal::new("tip-not-supervisor")),
            DeskError::UnknownUnit(unit) => {
                return Ok(Refusal::new("tip-forward-unknown-unit").with("unit", unit))
            }
            DeskError::BadStep { id, current } => {
                return Ok(Refusal::new("tip-reward-bad-step")
                    .with("id", id.to_string())
                    .with("current", current))
            }
            DeskError::Unknown(id) => ("tip-unknown", id),
            DeskError::AlreadyAcked(id) => ("tip-already-acked", id),
            DeskError::Closed(id) => ("tip-already-closed", id),
            DeskError::Forgotten(id) => ("tip-forgotten", id),
        };
        Ok(Refusal::new(key).with("id", id.to_string()))
    }

    /// The refusal's text, for where it is an answer among others rather than a rollback (a
    /// pressed button's notice, a handler's answer already taken).
    fn told(self, ctx: &Ctx, l: Lang) -> Result<String, TipError> {
        Ok(self.refusal()?.text(ctx, l))
    }
}

impl From<DeskError> for HandlerError {
    fn from(e: DeskError) -> HandlerError {
        match e.refusal() {
            Ok(refusal) => HandlerError::Refused(refusal),
            Err(e) => e.into(),
        }
    }
}

fn now(ctx: &Ctx) -> i64 {
    ctx.clock.now_ms()
}

/// A desk action's outcome: whether the tipster was told, when it was done; the refusal
/// otherwise.
fn outcome(ctx: &Ctx, l: Lang, id: i64, o: DeskOutcome) -> Result<bool, DeskError> {
    let tid = TipId(id);
    Err(match o {
        DeskOutcome::Done { told_tipster } => return Ok(told_tipster),
        // Not found and not theirs read the same.
        DeskOutcome::NotAllowed | DeskOutcome::Unknown => DeskError::Unknown(tid),
        DeskOutcome::NotSupervisor => DeskError::NotSupervisor,
        DeskOutcome::AlreadyAcked => DeskError::AlreadyAcked(tid),
        DeskOutcome::Closed => DeskError::Closed(tid),
        DeskOutcome::Forgotten => DeskError::Forgotten(tid),
        DeskOutcome::BadStep { current } => DeskError::BadStep {
            id: tid,
            current: tr!(
                ctx.i18n,
                l,
                &format!("tip-reward-word-{}", current.as_str())
            ),
        },
    })
}

/// The answer to a done desk action (`done_key`), saying so when the tipster's identity was
/// erased and they could not be told.
fn done_text(ctx: &Ctx, l: Lang, id: i64, done_key: &str, told_tipster: bool) -> String {
    let tid = TipId(id).to_string();
    let done = tr!(ctx.i18n, l, done_key, id = tid.clone());
    match told_tipster {
        true => done,
        false => format!("{done}\n{}", tr!(ctx.i18n, l, "tip-forgotten", id = tid)),
    }
}

fn press_notice(text: String) -> Option<String> {
    Some(text.chars().take(PRESS_NOTICE).collect())
}

/// The tip id and the rest of a desk command's arguments (at most a tip's text).
fn id_and_rest(args: &str) -> Option<(i64, String)> {
    let args = args.trim();
    let (first, rest) = match args.split_once(char::is_whitespace) {
        Some((f, r)) => (f, r.trim()),
        None => (args, ""),
    };
    Some((
        first.parse::<TipId>().ok()?.0,
        rest.chars().take(MAX_TEXT).collect(),
    ))
}

/// The tip id and the (non-empty) rest, or the command's usage.
fn id_and_text(args: &str, usage: &'static str) -> Result<(i64, String), DeskError> {
    id_and_rest(args)
        .filter(|(_, t)| !t.is_empty())
        .ok_or(DeskError::Usage(usage))
}

/// `/ack T-45`.
pub async fn ack_command(
    ctx: &Ctx,
    tx: &mut Tx,
    inc: &Input,
    args: &str,
    r: &mut Replies,
) -> Result<(), DeskError> {
    let (id, _) = id_and_rest(args).ok_or(DeskError::Usage("esc-ack-usage"))?;
    acknowledge(ctx, tx, inc, id, r).await
}

/// `/ack T-45` or the Acknowledge button: the desk takes the tip. On a button, the answer
/// (done or refused) is the button's notice.
pub async fn acknowledge(
    ctx: &Ctx,
    tx: &mut Tx,
    inc: &Input,
    id: i64,
    r: &mut Replies,
) -> Result<(), DeskError> {
    let l = inc.lang;
    let o = flow::acknowledge(ctx, tx, id, &inc.member, now(ctx)).await?;
    let answer = outcome(ctx, l, id, o).map(|told| done_text(ctx, l, id, "tip-acked", told));
    if inc.press.is_none() {
        r.text(answer?);
        return Ok(());
    }
    let text = match answer {
        Ok(text) => text,
        Err(refused) => refused.told(ctx, l)?,
    };
    r.answer_press(press_notice(text));
    Ok(())
}

/// `/reply T-45 TEXT`.
pub async fn reply_command(
    ctx: &Ctx,
    tx: &mut Tx,
    inc: &Input,
    args: &str,
    r: &mut Replies,
) -> Result<(), DeskError> {
    let (id, text) = id_and_text(args, "tip-reply-usage")?;
    reply(ctx, tx, inc, id, &text, r).await
}

/// To the tipster through the bot, without the handler's name.
pub async fn reply(
    ctx: &Ctx,
    tx: &mut Tx,
    inc: &Input,
    id: i64,
    text: &str,
    r: &mut Replies,
) -> Result<(), DeskError> {
    let o = flow::reply(ctx, tx, id, &inc.member, text, now(ctx)).await?;
    let told = outcome(ctx, inc.lang, id, o)?;
    r.text(done_text(ctx, inc.lang, id, "tip-replied", told));
    Ok(())
}

/// `/close T-45 OUTCOME`.
pub async fn close_command(
    ctx: &Ctx,
    tx: &mut Tx,
    inc: &Input,
    args: &str,
    r: &mut Replies,
) -> Result<(), DeskError> {
    let (id, outcome) = id_and_text(args, "tip-close-usage")?;
    close(ctx, tx, inc, id, &outcome, r).await
}

/// Closed for good, with `result` told to the tipster.
pub async fn close(
    ctx: &Ctx,
    tx: &mut Tx,
    inc: &Input,
    id: i64,
    result: &str,
    r: &mut Replies,
) -> Result<(), DeskError> {
    let o = flow::close(ctx, tx, id, &inc.member, result, now(ctx)).await?;
    let told = outcome(ctx, inc.lang, id, o)?;
    r.text(done_text(ctx, inc.lang, id, "tip-closed", told));
    Ok(())
}

/// `/reward T-45 proposed 500 | approved | paid` (desk supervisors).
pub async fn reward_command(
    ctx: &Ctx,
    tx: &mut Tx,
    inc: &Input,
    args: &str,
    r: &mut Replies,
) -> Result<(), DeskError> {
    let (id, step, amount) =
        super::parse_reward(args).ok_or(DeskError::Usage("tip-reward-usage"))?;
    reward(ctx, tx, inc, id, step, amount, r).await
}

/// The reward takes a step, announced to the tipster.
pub async fn reward(
    ctx: &Ctx,
    tx: &mut Tx,
    inc: &Input,
    id: i64,
    step: Reward,
    amount: Option<i64>,
    r: &mut Replies,
) -> Result<(), DeskError> {
    let o = flow::reward(ctx, tx, id, &inc.member, step, amount, now(ctx)).await?;
    let told = outcome(ctx, inc.lang, id, o)?;
    let done_key = format!("tip-reward-done-{}", step.as_str());
    r.text(done_text(ctx, inc.lang, id, &done_key, told));
    Ok(())
}

/// `/forward T-45 UNIT`.
pub async fn forward_command(
    ctx: &Ctx,
    tx: &mut Tx,
    inc: &Input,
    args: &str,
    r: &mut Replies,
) -> Result<(), DeskError> {
    let (id, unit) = id_and_text(args, "tip-forward-usage")?;
    let unit_id = unit.split_whitespace().next().unwrap_or("");
    forward(ctx, tx, inc, id, unit_id, r).await
}

/// The tip becomes a hazard report of `unit_id`, carrying nothing of the tipster.
pub async fn forward(
    ctx: &Ctx,
    tx: &mut Tx,
    inc: &Input,
    id: i64,
    unit_id: &str,
    r: &mut Replies,
) -> Result<(), DeskError> {
    let l = inc.lang;
    let Some(unit) = tx.unit(unit_id).await? else {
        return Err(DeskError::UnknownUnit(unit_id.to_string()));
    };
    let (o, hazard) = flow::forward(ctx, tx, id, &inc.member, &unit.id, now(ctx)).await?;
    outcome(ctx, l, id, o)?;
    r.text(tr!(
        ctx.i18n,
        l,
        "tip-forwarded",
        id = TipId(id),
        unit = unit.name,
        hazard = hazard.map(|n| HazardId(n).to_string()).unwrap_or_default()
    ));
    Ok(())
}

/// What a handler's next text in the chat answers, after pressing Reply or Close on a tip.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    Reply,
    Close,
}

impl Answer {
    /// As the store keeps it (`tip_waits.action`).
    pub fn as_str(self) -> &'static str {
        match self {
            Answer::Reply => "reply",
            Answer::Close => "close",
        }
    }

    pub fn parse(s: &str) -> Option<Answer> {
        match s {
            "reply" => Some(Answer::Reply),
            "close" => Some(Answer::Close),
            _ => None,
        }
    }
}

/// The Reply or Close button: the handler's next text in this chat is the answer. Checked
/// now, so a refused press asks nothing (and says why on the button).
pub async fn ask_answer(
    ctx: &Ctx,
    tx: &mut Tx,
    inc: &Input,
    id: i64,
    answer: Answer,
    r: &mut Replies,
) -> Result<(), DeskError> {
    let l = inc.lang;
    if let Err(o) = flow::may_answer(tx, id, &inc.member, answer == Answer::Close).await? {
        // `may_answer` never says done; were it to, the press would be refused as unknown.
        let refused = outcome(ctx, l, id, o)
            .err()
            .unwrap_or(DeskError::Unknown(TipId(id)));
        r.answer_press(press_notice(refused.told(ctx, l)?));
        return Ok(());
    }
    r.answer_press(None);
    tx.set_tip_wait(inc.chat_id, inc.user_id(), id, answer.as_str(), now(ctx))
        .await?;
    let key = match answer {
        Answer::Reply => "tip-ask-reply",
        Answer::Close => "tip-ask-close",
    };
    r.text(tr!(ctx.i18n, l, key, id = TipId(id)));
    Ok(())
}

/// Is this person's next text in this chat an answer they were asked for (`ask_answer`)? A
/// store error says yes, so `answer` meets (and reports) it.
pub async fn awaits_answer(ctx: &Ctx, inc: &Input) -> bool {
    if inc.member.person.is_none() || inc.text.is_none() {
        return false;
    }
    ctx.store
        .tip_wait(inc.chat_id, inc.user_id())
        .await
        .map(|w| w.is_some())
        .unwrap_or(true)
}

/// A handler's text after pressing Reply or Close: the reply to the tipster, or the outcome.
pub async fn answer(ctx: &Ctx, tx: &mut Tx, inc: &Input, r: &mut Replies) -> Result<(), DeskError> {
    let wait = tx.take_tip_wait(inc.chat_id, inc.user_id()).await?;
    let text: String = inc
        .text
        .as_deref()
        .unwrap_or("")
        .trim()
        .chars()
        .take(MAX_TEXT)
        .collect();
    let asked = wait.and_then(|w| Some((w.tip_id, Answer::parse(&w.action)?)));
    let done = match asked {
        Some((id, Answer::Reply)) if !text.is_empty() => reply(ctx, tx, inc, id, &text, r).await,
        Some((id, Answer::Close)) if !text.is_empty() => close(ctx, tx, inc, id, &text, r).await,
        _ => {
            if inc.private {
                r.text(tr!(ctx.i18n, inc.lang, "not-understood"));
            }
            return Ok(());
        }
    };
    // The question is answered even when the action is refused (the tip closed meanwhile):
    // the refusal is a reply, not a rollback, which would ask the question again and take
    // the handler's next text as its answer.
    if let Err(refused) = done {
        r.text(refused.told(ctx, inc.lang)?);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn desk_arguments_parse() {
        assert_eq!(
            id_and_rest("T-4 hello there"),
            Some((4, "hello there".into()))
        );
        assert_eq!(id_and_rest("T-4"), Some((4, String::new())));
        assert_eq!(id_and_rest("E-4 x"), None);
        assert_eq!(id_and_rest(""), None);
        assert!(matches!(
            id_and_text("T-4", "tip-reply-usage"),
            Err(DeskError::Usage("tip-reply-usage"))
        ));
    }

    #[test]
    fn answers_read_back() {
        for a in [Answer::Reply, Answer::Close] {
            assert_eq!(Answer::parse(a.as_str()), Some(a));
        }
        assert_eq!(Answer::parse("bogus"), None);
    }

    #[test]
    fn desk_refusals_keep_their_messages() {
        let r = DeskError::Unknown(TipId(4)).refusal().expect("a refusal");
        assert_eq!(r, Refusal::new("tip-unknown").with("id", "T-4"));
        let r = DeskError::BadStep {
            id: TipId(4),
            current: "paid".into(),
        }
        .refusal()
        .expect("a refusal");
        assert_eq!(
            r,
            Refusal::new("tip-reward-bad-step")
                .with("id", "T-4")
                .with("current", "paid")
        );
        let failed = DeskError::Tip(TipError::NoDesk);
        assert!(matches!(
            HandlerError::from(failed),
            HandlerError::Failed(_)
        ));
    }
}
