//! Telling a sender who reached a limit (`crate::limits`) when they may go on.
use crate::config::Lang;
use crate::context::Ctx;
use crate::inbound::{HandlerError, Replies};
use crate::limits::{self, Admit, Key, Kind};
use crate::store::Tx;
use crate::tr;

const MINUTE_MS: i64 = 60_000;

/// The reply to a refused action: what was limited, and the local time to go on at.
pub fn wait_text(ctx: &Ctx, l: Lang, kind: Kind, until: i64) -> String {
    // Shown to the minute, rounded up, so at the time named the sender is let through.
    let shown = (until + MINUTE_MS - 1).div_euclid(MINUTE_MS) * MINUTE_MS;
    let time = crate::zero_report::hhmm(ctx, shown);
    let key = match kind {
        Kind::NewTip => "tip-rate-limited",
        Kind::TipRelay => "limit-tip-relay",
        Kind::TipCode => "tip-code-wait",
        Kind::Hazard => "limit-hazard",
        Kind::Warning => "limit-warning",
        Kind::Invite => "limit-invite",
    };
    tr!(ctx.i18n, l, key, time = time, max = kind.limit().max as i64)
}

/// Count one action of `kind` in `tx` (`limits::take`); when it is refused, queue the reply
/// that says until when, and say false: the caller then does nothing but commit.
pub async fn take(
    ctx: &Ctx,
    tx: &mut Tx,
    r: &mut Replies,
    l: Lang,
    kind: Kind,
    key: &Key,
) -> Result<bool, HandlerError> {
    match limits::take(tx, kind, key, ctx.clock.now_ms()).await? {
        Admit::Go => Ok(true),
        Admit::WaitUntil(until) => {
            r.text(wait_text(ctx, l, kind, until));
            Ok(false)
        }
    }
}
