//! Nobody floods others through the bot: every input that makes the bot send to other people
//! is counted per sender in a sliding window, and past its limit it is refused with the time
//! the sender may go on. One mechanism for every feature: the limits are the table below,
//! the counts live in the store (`rate_hits`, so they hold across restarts and replicas), and
//! an action is checked and counted in the same transaction as the action itself.
use crate::config::Lang;
use crate::context::Ctx;
use crate::inbound::Replies;
use crate::store::{Store, StoreError, Tx};
use crate::tr;

const MINUTE_MS: i64 = 60 * 1000;
const HOUR_MS: i64 = 60 * MINUTE_MS;

/// What is counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// New anonymous tips, per chat (keyed pseudonym).
    NewTip,
    /// Messages relayed to the tip desk from one tip session, per tip.
    TipRelay,
    /// Wrong receipt codes (`/tip CODE`, `/reveal CODE`), per chat (keyed pseudonym).
    TipCode,
    /// Hazard reports (new, or "the same as H-12"), per person.
    Hazard,
    /// Warnings issued in the bot (`/warn`, either form), per person.
    Warning,
    /// Invites made in the bot (`/invite`), per person. `lookout invite` is not limited.
    Invite,
}

/// How many actions of a kind one key may take within a window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    pub kind: Kind,
    pub max: usize,
    pub window_ms: i64,
}

/// Every limit, in one place (the README lists them).
pub const LIMITS: [Limit; 6] = [
    Limit {
        kind: Kind::NewTip,
        max: 3,
        window_ms: HOUR_MS,
    },
    Limit {
        kind: Kind::TipRelay,
        max: 30,
        window_ms: HOUR_MS,
    },
    Limit {
        kind: Kind::TipCode,
        max: 5,
        window_ms: 15 * MINUTE_MS,
    },
    Limit {
        kind: Kind::Hazard,
        max: 10,
        window_ms: HOUR_MS,
    },
    Limit {
        kind: Kind::Warning,
        max: 10,
        window_ms: HOUR_MS,
    },
    Limit {
        kind: Kind::Invite,
        max: 50,
        window_ms: HOUR_MS,
    },
];

/// Counts older than this matter to no limit (retention prunes them).
pub const LONGEST_WINDOW_MS: i64 = {
    let mut longest = 0;
    let mut i = 0;
    while i < LIMITS.len() {
        if LIMITS[i].window_ms > longest {
            longest = LIMITS[i].window_ms;
        }
        i += 1;
    }
    longest
};

impl Kind {
    /// As stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::NewTip => "tip.new",
            Kind::TipRelay => "tip.relay",
            Kind::TipCode => "tip.code",
            Kind::Hazard => "hazard",
            Kind::Warning => "warning",
            Kind::Invite => "invite",
        }
    }

    pub fn limit(self) -> Limit {
        LIMITS
            .into_iter()
            .find(|l| l.kind == self)
            .unwrap_or(Limit {
                kind: self,
                max: 0,
                window_ms: HOUR_MS,
            })
    }
}

/// Whose actions are counted: a person, a tip, or a keyed pseudonym of a chat (tipsters are
/// never counted by chat id).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key(String);

impl Key {
    pub fn person(id: i64) -> Key {
        Key(format!("p{id}"))
    }

    pub fn tip(id: i64) -> Key {
        Key(format!("t{id}"))
    }

    /// A keyed hash (`TipKey::chat_key`), already pseudonymous.
    pub fn pseudonym(hash: String) -> Key {
        Key(hash)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// May the sender go on?
#[must_use]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admit {
    Go,
    /// Refused: the sender may go on at this instant (epoch ms).
    WaitUntil(i64),
}

impl Limit {
    /// When a key whose counted actions happened at `hits` (any order) may act again, if it
    /// must wait: once enough of them have left the window that one more fits.
    pub fn retry_at(&self, hits: &[i64], now: i64) -> Option<i64> {
        let mut recent: Vec<i64> = hits
            .iter()
            .copied()
            .filter(|&at| at > now - self.window_ms)
            .collect();
        if recent.len() < self.max {
            return None;
        }
        recent.sort_unstable();
        let oldest_to_leave = recent.get(recent.len() - self.max).copied().unwrap_or(now);
        Some(oldest_to_leave + self.window_ms)
    }
}

fn verdict(limit: Limit, hits: &[i64], now: i64) -> Admit {
    match limit.retry_at(hits, now) {
        Some(at) => {
            // Who reached it stays out of the log (a tipster, for one).
            tracing::info!(kind = limit.kind.as_str(), "a sender reached a limit");
            Admit::WaitUntil(at)
        }
        None => Admit::Go,
    }
}

/// Would one more action be admitted now? Counts nothing (e.g. before starting a draft).
pub async fn check(tx: &mut Tx, kind: Kind, key: &Key, now: i64) -> Result<Admit, StoreError> {
    let limit = kind.limit();
    tx.lock_rate(kind.as_str(), key.as_str()).await?;
    let hits = tx
        .rate_hits(kind.as_str(), key.as_str(), now - limit.window_ms)
        .await?;
    Ok(verdict(limit, &hits, now))
}

/// Check and count one action in the caller's transaction: if it commits, the action and its
/// count are stored together; `WaitUntil` counts nothing and the caller does nothing.
pub async fn take(tx: &mut Tx, kind: Kind, key: &Key, now: i64) -> Result<Admit, StoreError> {
    let admit = check(tx, kind, key, now).await?;
    if admit == Admit::Go {
        tx.add_rate_hit(kind.as_str(), key.as_str(), now).await?;
    }
    Ok(admit)
}

/// `check` outside a transaction, for a count that only guards (wrong receipt codes, counted
/// after an expensive check that runs outside any transaction).
pub async fn check_now(
    store: &Store,
    kind: Kind,
    key: &Key,
    now: i64,
) -> Result<Admit, StoreError> {
    let limit = kind.limit();
    let hits = store
        .rate_hits(kind.as_str(), key.as_str(), now - limit.window_ms)
        .await?;
    Ok(verdict(limit, &hits, now))
}

/// Count one action outside a transaction (see `check_now`).
pub async fn count_now(store: &Store, kind: Kind, key: &Key, now: i64) -> Result<(), StoreError> {
    store.add_rate_hit(kind.as_str(), key.as_str(), now).await
}

/// When a limited sender may go on, local time to the minute, rounded up so that at the time
/// named they are let through.
pub fn until_text(ctx: &Ctx, until: i64) -> String {
    let shown = (until + MINUTE_MS - 1).div_euclid(MINUTE_MS) * MINUTE_MS;
    crate::clock::hhmm(ctx.config.timezone, shown)
}

/// The reply to a refused action: what was limited, and the local time to go on at.
pub fn wait_text(ctx: &Ctx, l: Lang, kind: Kind, until: i64) -> String {
    let time = until_text(ctx, until);
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
pub async fn take_or_say(
    ctx: &Ctx,
    tx: &mut Tx,
    r: &mut Replies,
    l: Lang,
    kind: Kind,
    key: &Key,
) -> Result<bool, StoreError> {
    match take(tx, kind, key, ctx.clock.now_ms()).await? {
        Admit::Go => Ok(true),
        Admit::WaitUntil(until) => {
            r.text(wait_text(ctx, l, kind, until));
            Ok(false)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_one_limit_and_the_product_numbers_hold() {
        let kinds = [
            Kind::NewTip,
            Kind::TipRelay,
            Kind::TipCode,
            Kind::Hazard,
            Kind::Warning,
            Kind::Invite,
        ];
        for k in kinds {
            assert_eq!(LIMITS.iter().filter(|l| l.kind == k).count(), 1, "{k:?}");
            assert!(k.limit().max > 0);
        }
        assert_eq!(Kind::NewTip.limit().max, 3);
        assert_eq!(Kind::TipRelay.limit().max, 30);
        assert_eq!(Kind::Hazard.limit().max, 10);
        assert_eq!(Kind::Warning.limit().max, 10);
        assert_eq!(Kind::TipCode.limit().window_ms, 15 * MINUTE_MS);
        assert_eq!(LONGEST_WINDOW_MS, HOUR_MS);
    }

    #[test]
    fn a_key_waits_at_its_limit_until_the_oldest_leaves_the_window() {
        let l = Limit {
            kind: Kind::TipCode,
            max: 5,
            window_ms: 15 * MINUTE_MS,
        };
        let w = l.window_ms;
        let now = 100 * w;
        assert_eq!(l.retry_at(&[], now), None);
        let four = [now - 4, now - 3, now - 2, now - 1];
        assert_eq!(l.retry_at(&four, now), None);
        let five = [now - 1, now - 500, now - 3, now - 2, now - 4];
        assert_eq!(l.retry_at(&five, now), Some(now - 500 + w));
        // Counts older than the window do not count.
        let old = [now - w - 1, now - 1, now - 2, now - 3, now - 4];
        assert_eq!(l.retry_at(&old, now), None);
        // With more than the limit, the wait ends when only max - 1 remain in the window.
        let six = [now - 60, now - 50, now - 40, now - 30, now - 20, now - 10];
        assert_eq!(l.retry_at(&six, now), Some(now - 50 + w));
        // At the instant it names, one more fits.
        let at = l.retry_at(&five, now).unwrap_or_default();
        assert_eq!(l.retry_at(&five, at), None);
    }

    #[test]
    fn keys_of_different_things_do_not_collide() {
        assert_ne!(Key::person(5), Key::tip(5));
        assert_eq!(Key::person(5).as_str(), "p5");
    }
}
