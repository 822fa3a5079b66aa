//! Telegram's send limits, kept by the sender so that it never provokes a 429: an overall
//! rate, one message a second per private chat, 20 a minute per group. Paid broadcasts
//! (`allow_paid_broadcast`) have an overall rate of their own, up to 1,000 a second with the
//! free sends included; the per-chat limits hold for them too.
//!
//! Two mechanisms: `reserve` spaces sends at an even cadence when the pass schedules them,
//! and `admit`, just before each request leaves, counts what left in the last second. The
//! cadence alone is not enough: a send delayed after its slot (a slow database write before
//! it) arrives together with the next ones, and Telegram counts arrivals.
//!
//! Time is the context's clock (`Clock::instant`): the system's monotonic time in production,
//! the test's when a test moves the clock over a chat's spacing.
use crate::channel::{wecom_kind, WecomKind};
use crate::clock::Clock;
use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Minimum spacing between any two free sends.
    pub global: Duration,
    /// Minimum spacing between two paid broadcasts (the free sends come on top, so this
    /// leaves room for them under the paid limit).
    pub paid: Duration,
    /// Minimum spacing between sends to one private chat.
    pub private: Duration,
    /// Minimum spacing between sends to one group.
    pub group: Duration,
    /// Free sends that may leave in any second.
    pub free_per_sec: usize,
    /// Sends of any kind that may leave in any second.
    pub all_per_sec: usize,
    /// Minimum spacing between messages to one WeCom member (its limits are per member).
    pub wecom_member: Duration,
    /// Minimum spacing between posts of one WeCom group robot.
    pub wecom_robot: Duration,
}

/// A slot due sooner than this is granted now, keeping the cadence: tokio's timers fire on
/// a millisecond grid, so sleeping for one paid slot (1.04 ms) would take two.
const EARLY: Duration = Duration::from_millis(2);
/// A lane this late (a timer that fired late, a slow pass) catches up on the slots it
/// missed instead of starting afresh, which would lose them; `admit` still bounds any second.
const CATCH_UP: Duration = Duration::from_millis(8);
const SECOND: Duration = Duration::from_secs(1);

impl Limits {
    /// Just inside Telegram's published limits (30/s, 1/s per chat, 20/min per group),
    /// leaving a small margin for timing jitter on the way.
    pub fn telegram() -> Limits {
        Limits {
            global: Duration::from_micros(1_000_000 / 29),
            // 960/s, so that with the free 29/s the total stays under 1,000/s.
            paid: Duration::from_micros(1_000_000 / 960),
            private: Duration::from_millis(1_050),
            group: Duration::from_millis(3_050),
            // One below Telegram's 30 and 1,000, for requests that arrive out of step.
            free_per_sec: 29,
            all_per_sec: 990,
            // WeCom drops, without a word, what passes 30 a minute or 1,000 an hour to one
            // member: 3.6 s apart keeps under both, whatever the window. 20 a minute per robot.
            wecom_member: Duration::from_millis(3_650),
            wecom_robot: Duration::from_millis(3_050),
        }
    }

    /// No pacing at all (benchmarks of the rest of the system).
    pub fn none() -> Limits {
        Limits {
            global: Duration::ZERO,
            paid: Duration::ZERO,
            private: Duration::ZERO,
            group: Duration::ZERO,
            free_per_sec: usize::MAX,
            all_per_sec: usize::MAX,
            wecom_member: Duration::ZERO,
            wecom_robot: Duration::ZERO,
        }
    }

    fn for_chat(&self, chat_id: i64) -> Duration {
        match wecom_kind(chat_id) {
            Some(WecomKind::Member) => return self.wecom_member,
            Some(WecomKind::Robot) => return self.wecom_robot,
            None => {}
        }
        match chat_id {
            0 => Duration::ZERO,
            id if id > 0 => self.private,
            _ => self.group,
        }
    }
}

/// Next free instants: one for everything, one per chat.
pub struct Pacer {
    limits: Limits,
    clock: Clock,
    state: Mutex<PacerState>,
}

struct PacerState {
    global_next: Instant,
    paid_next: Instant,
    chat_next: HashMap<i64, Instant>,
    /// When the free sends, and all sends, of the last second left.
    left_free: VecDeque<Instant>,
    left_all: VecDeque<Instant>,
}

impl Pacer {
    pub fn new(limits: Limits, clock: Clock) -> Pacer {
        let now = clock.instant();
        Pacer {
            limits,
            clock,
            state: Mutex::new(PacerState {
                global_next: now,
                paid_next: now,
                chat_next: HashMap::new(),
                left_free: VecDeque::new(),
                left_all: VecDeque::new(),
            }),
        }
    }

    /// Take a send slot for `chat_id` now (a paid broadcast's if `paid`), or say how long
    /// until one is free.
    pub fn reserve(&self, chat_id: i64, paid: bool) -> Result<(), Duration> {
        let now = self.clock.instant();
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let chat_free = s.chat_next.get(&chat_id).copied().unwrap_or(now);
        let (lane, spacing) = if paid {
            (&mut s.paid_next, self.limits.paid)
        } else {
            (&mut s.global_next, self.limits.global)
        };
        // Callback answers and menus (chat 0) are not chat messages, and WeCom's limits are
        // per member: no slot of Telegram's overall rate.
        let overall = chat_id != 0 && wecom_kind(chat_id).is_none();
        let global_free = if overall { *lane } else { now };
        let free = chat_free.max(global_free);
        if free > now + EARLY {
            // Woken this early, the slot is granted at once.
            return Err(free - now - EARLY);
        }
        if overall {
            // Late by a little (a database round trip, a timer's granularity): keep the ideal
            // cadence instead of drifting below the limit; later than that, start afresh.
            let late = now.saturating_duration_since(*lane);
            let base = if late < spacing.max(CATCH_UP) {
                *lane
            } else {
                now
            };
            *lane = base + spacing;
        }
        if chat_id != 0 {
            s.chat_next
                .insert(chat_id, now + self.limits.for_chat(chat_id));
        }
        if s.chat_next.len() > 100_000 {
            s.chat_next.retain(|_, t| *t > now);
        }
        Ok(())
    }

    /// A request to a chat (any but 0) leaves now: `Err` says how long to wait first so that
    /// no second holds more than the limits allow.
    pub fn admit(&self, chat_id: i64, paid: bool) -> Result<(), Duration> {
        if chat_id == 0 || wecom_kind(chat_id).is_some() {
            return Ok(());
        }
        let now = self.clock.instant();
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let mut wait = window_wait(&mut s.left_all, self.limits.all_per_sec, now);
        if !paid {
            wait = wait.max(window_wait(&mut s.left_free, self.limits.free_per_sec, now));
        }
        if !wait.is_zero() {
            return Err(wait);
        }
        if self.limits.all_per_sec != usize::MAX {
            s.left_all.push_back(now);
            if !paid {
                s.left_free.push_back(now);
            }
        }
        Ok(())
    }

    /// A send to this chat was answered: its spacing counts from now, since the send may have
    /// reached Telegram well after its slot was reserved (a slow database claim before it),
    /// or under a sealed recipient's pseudonym the pacer reserved instead of the chat.
    pub fn answered(&self, chat_id: i64) {
        if chat_id == 0 {
            return;
        }
        let until = self.clock.instant() + self.limits.for_chat(chat_id);
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let entry = s.chat_next.entry(chat_id).or_insert(until);
        *entry = (*entry).max(until);
    }

    /// How long until this chat's own spacing is satisfied (whatever the overall rate).
    pub fn chat_wait(&self, chat_id: i64) -> Duration {
        let now = self.clock.instant();
        let s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        s.chat_next
            .get(&chat_id)
            .map_or(Duration::ZERO, |t| t.saturating_duration_since(now))
    }

    /// Telegram asked us to wait on this chat.
    pub fn hold(&self, chat_id: i64, wait: Duration) {
        let until = self.clock.instant() + wait;
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let entry = s.chat_next.entry(chat_id).or_insert(until);
        *entry = (*entry).max(until);
    }
}

/// Forgets what left over a second ago; if `max` remain, how long until the oldest goes.
fn window_wait(left: &mut VecDeque<Instant>, max: usize, now: Instant) -> Duration {
    while left
        .front()
        .is_some_and(|t| now.duration_since(*t) >= SECOND)
    {
        left.pop_front();
    }
    match left.len().checked_sub(max) {
        Some(over) => left.get(over).map_or(Duration::ZERO, |t| {
            (*t + SECOND).saturating_duration_since(now)
        }),
        None => Duration::ZERO,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spaces_sends_per_chat_and_overall() {
        let limits = Limits {
            global: Duration::from_millis(10),
            paid: Duration::from_micros(1_500),
            private: Duration::from_secs(60),
            group: Duration::from_secs(60),
            free_per_sec: usize::MAX,
            all_per_sec: usize::MAX,
            wecom_member: Duration::from_secs(30),
            wecom_robot: Duration::from_secs(20),
        };
        let p = Pacer::new(limits, Clock::system());
        assert!(p.reserve(1, false).is_ok());
        // Same chat: must wait for the private spacing.
        assert!(p.reserve(1, false).unwrap_err() > Duration::from_secs(59));
        // Another chat at once: must wait for the global spacing only.
        let wait = p.reserve(2, false).unwrap_err();
        assert!(wait <= Duration::from_millis(10) - EARLY && wait > Duration::ZERO);
        // Callback answers are never held back.
        assert!(p.reserve(0, false).is_ok());
        // A paid broadcast has its own overall lane, but the same chat spacing; a slot due
        // within `EARLY` is granted at once, the cadence kept.
        assert!(p.reserve(4, true).is_ok());
        assert!(p.reserve(5, true).is_ok());
        assert!(p.reserve(6, true).unwrap_err() > Duration::ZERO);
        assert!(p.reserve(4, true).unwrap_err() > Duration::from_secs(59));
        p.hold(3, Duration::from_secs(5));
        assert!(p.reserve(3, false).unwrap_err() > Duration::from_secs(4));
        // WeCom: spaced per member and per robot, never by Telegram's overall rate.
        let member = crate::channel::wecom_address(WecomKind::Member, "m");
        let robot = crate::channel::wecom_address(WecomKind::Robot, "r");
        assert!(p.reserve(member, false).is_ok());
        assert!(p.reserve(robot, false).is_ok());
        let wait = p.reserve(member, false).unwrap_err();
        assert!(wait > Duration::from_secs(29) && wait <= Duration::from_secs(30));
        assert!(p.reserve(robot, false).unwrap_err() > Duration::from_secs(19));
        assert_eq!(p.admit(member, false), Ok(()));
    }

    #[test]
    fn a_moved_clock_frees_the_chats() {
        let ahead = std::sync::Arc::new(std::sync::atomic::AtomicI64::new(0));
        let a = ahead.clone();
        let clock = Clock::from_fn(move || {
            crate::clock::from_ms(1_000_000 + a.load(std::sync::atomic::Ordering::SeqCst))
        });
        let p = Pacer::new(Limits::telegram(), clock);
        assert!(p.reserve(-5, false).is_ok());
        assert!(p.chat_wait(-5) > Duration::from_secs(3));
        ahead.store(3_100, std::sync::atomic::Ordering::SeqCst);
        assert_eq!(p.chat_wait(-5), Duration::ZERO);
        assert!(p.reserve(-5, false).is_ok());
    }

    #[test]
    fn no_second_holds_more_than_the_limits() {
        let p = Pacer::new(
            Limits {
                free_per_sec: 3,
                all_per_sec: 5,
                ..Limits::none()
            },
            Clock::system(),
        );
        for chat in 1..=3 {
            assert_eq!(p.admit(chat, false), Ok(()));
        }
        let wait = p.admit(4, false).unwrap_err();
        assert!(
            wait > Duration::from_millis(900) && wait <= SECOND,
            "{wait:?}"
        );
        // Paid sends have room left under the overall limit, then none.
        assert_eq!(p.admit(4, true), Ok(()));
        assert_eq!(p.admit(5, true), Ok(()));
        assert!(p.admit(6, true).is_err());
        // Callback answers are not counted.
        assert_eq!(p.admit(0, false), Ok(()));
    }
}
