//! Telegram's send limits, enforced so that our own sender is tested against them.
//!
//! A send with `allow_paid_broadcast` is held to the paid broadcast's limit instead: at most
//! `paid_per_sec` sends of every kind in any second (free sends keep their own 30/s among
//! themselves); the per-chat limits hold for both.
//!
//! Only accepted sends are recorded: a request answered 429 does not use up the budget,
//! which is what Telegram appears to do and what keeps retry_after honest.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

/// The limits Telegram documents for bots.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Accepted sends in any sliding 1000 ms window, over all chats.
    pub global_per_sec: u32,
    /// Minimum gap between two accepted sends to one private chat.
    pub private_min_interval: Duration,
    /// Accepted sends to one group in any sliding 60 s window.
    pub group_per_minute: u32,
    /// Accepted sends in any sliding 1000 ms window, over all chats, while paid broadcasts
    /// are among them (Telegram's `allow_paid_broadcast`: up to 1,000 messages/s).
    pub paid_per_sec: u32,
}

impl Limits {
    /// The numbers from Telegram's FAQ: 30/s overall, 1/s per private chat, 20/min per group.
    pub fn telegram() -> Limits {
        Limits {
            global_per_sec: 30,
            private_min_interval: Duration::from_secs(1),
            group_per_minute: 20,
            paid_per_sec: 1000,
        }
    }
}

const SECOND: Duration = Duration::from_secs(1);
const MINUTE: Duration = Duration::from_secs(60);

#[derive(Debug, Default)]
pub(crate) struct RateLimiter {
    limits: Option<Limits>,
    /// Free sends.
    global: VecDeque<Instant>,
    /// All sends, paid or free.
    all: VecDeque<Instant>,
    private_last: HashMap<i64, Instant>,
    groups: HashMap<i64, VecDeque<Instant>>,
}

impl RateLimiter {
    pub(crate) fn new(limits: Option<Limits>) -> RateLimiter {
        RateLimiter {
            limits,
            ..RateLimiter::default()
        }
    }

    /// `Err(retry_after_secs)` if a send to `chat_id` now would break a limit.
    pub(crate) fn check(&mut self, chat_id: i64, paid: bool, now: Instant) -> Result<(), u32> {
        let Some(limits) = self.limits.clone() else {
            return Ok(());
        };
        let mut wait = Duration::ZERO;
        let overall = if paid {
            window_wait(&mut self.all, limits.paid_per_sec, SECOND, now)
        } else {
            window_wait(&mut self.global, limits.global_per_sec, SECOND, now)
        };
        if let Some(w) = overall {
            wait = wait.max(w);
        }
        if chat_id > 0 {
            if let Some(last) = self.private_last.get(&chat_id) {
                let allowed = *last + limits.private_min_interval;
                if allowed > now {
                    wait = wait.max(allowed - now);
                }
            }
        } else {
            let q = self.groups.entry(chat_id).or_default();
            if let Some(w) = window_wait(q, limits.group_per_minute, MINUTE, now) {
                wait = wait.max(w);
            }
        }
        if wait.is_zero() {
            Ok(())
        } else {
            Err(ceil_secs(wait))
        }
    }

    pub(crate) fn record(&mut self, chat_id: i64, paid: bool, now: Instant) {
        let Some(limits) = &self.limits else {
            return;
        };
        if !paid {
            self.global.push_back(now);
        }
        self.all.push_back(now);
        // Only the paid window reads this queue; keep it bounded when none ever comes.
        let _ = window_wait(&mut self.all, limits.paid_per_sec.max(1) * 2, SECOND, now);
        if chat_id > 0 {
            self.private_last.insert(chat_id, now);
        } else {
            self.groups.entry(chat_id).or_default().push_back(now);
        }
    }
}

/// Drops entries older than `window`; if `max` remain, how long until the oldest leaves.
fn window_wait(
    q: &mut VecDeque<Instant>,
    max: u32,
    window: Duration,
    now: Instant,
) -> Option<Duration> {
    while q.front().is_some_and(|t| now.duration_since(*t) >= window) {
        q.pop_front();
    }
    let max = max as usize;
    if q.len() < max {
        return None;
    }
    // The entry whose expiry brings the count below `max`.
    let t = q.get(q.len() - max).copied().unwrap_or(now);
    Some((t + window).saturating_duration_since(now))
}

fn ceil_secs(d: Duration) -> u32 {
    let ms = d.as_millis().max(1);
    ms.div_ceil(1000).min(u32::MAX as u128) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_chat_needs_a_second_between_sends() {
        let mut l = RateLimiter::new(Some(Limits::telegram()));
        let t0 = Instant::now();
        assert_eq!(l.check(7, false, t0), Ok(()));
        l.record(7, false, t0);
        assert_eq!(l.check(7, false, t0 + Duration::from_millis(300)), Err(1));
        assert_eq!(l.check(8, false, t0 + Duration::from_millis(300)), Ok(()));
        assert_eq!(l.check(7, false, t0 + Duration::from_millis(1000)), Ok(()));
    }

    #[test]
    fn group_allows_twenty_a_minute() {
        let mut l = RateLimiter::new(Some(Limits::telegram()));
        let t0 = Instant::now();
        for i in 0..20 {
            let t = t0 + Duration::from_millis(100 * i);
            assert_eq!(l.check(-5, false, t), Ok(()));
            l.record(-5, false, t);
        }
        assert_eq!(l.check(-5, false, t0 + Duration::from_secs(3)), Err(57));
        assert_eq!(l.check(-5, false, t0 + Duration::from_secs(60)), Ok(()));
    }

    #[test]
    fn global_limit_counts_all_chats() {
        let mut l = RateLimiter::new(Some(Limits::telegram()));
        let t0 = Instant::now();
        for id in 1..=30 {
            assert_eq!(l.check(id, false, t0), Ok(()));
            l.record(id, false, t0);
        }
        assert_eq!(l.check(31, false, t0 + Duration::from_millis(10)), Err(1));
        assert_eq!(l.check(31, false, t0 + Duration::from_millis(1000)), Ok(()));
    }

    #[test]
    fn paid_broadcasts_go_beyond_the_free_rate_but_not_the_paid_one() {
        let mut l = RateLimiter::new(Some(Limits::telegram()));
        let t0 = Instant::now();
        for id in 1..=30 {
            l.record(id, false, t0);
        }
        assert_eq!(l.check(31, false, t0), Err(1), "the free rate is spent");
        for id in 31..=1000 {
            assert_eq!(l.check(id, true, t0), Ok(()), "paid send {id}");
            l.record(id, true, t0);
        }
        assert_eq!(
            l.check(1001, true, t0),
            Err(1),
            "1,000 in the second, paid or not"
        );
        // A private chat still takes one a second, paid or not.
        assert_eq!(l.check(31, true, t0 + Duration::from_millis(1000)), Ok(()));
        l.record(31, true, t0 + Duration::from_millis(1000));
        assert_eq!(l.check(31, true, t0 + Duration::from_millis(1500)), Err(1));
    }

    #[test]
    fn no_limits_means_no_limits() {
        let mut l = RateLimiter::new(None);
        let t0 = Instant::now();
        for _ in 0..100 {
            assert_eq!(l.check(1, false, t0), Ok(()));
            l.record(1, false, t0);
        }
    }
}
