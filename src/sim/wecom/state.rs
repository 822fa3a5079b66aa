//! Everything the WeCom simulator remembers, behind one mutex (never held across an await),
//! and WeCom's per-member and per-robot send limits.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::net::SocketAddr;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use tokio::sync::{broadcast, Notify};
use tokio::task::JoinHandle;

use super::{RobotMessage, WecomEvent, WecomMessage, WecomSimStats};
use crate::wecom::crypto::Crypto;

/// access_token lifetime, as gettoken answers (`expires_in`).
pub(crate) const TOKEN_LIFETIME_SECS: i64 = 7200;

pub(crate) struct Inner {
    pub corp_id: String,
    pub agent_id: i64,
    pub secret: String,
    pub crypto: Crypto,
    pub addr: SocketAddr,
    pub clock: crate::clock::Clock,
    /// How long a callback push waits for the bot's answer before trying again.
    pub answer_within: Duration,
    pub state: Mutex<State>,
    /// Woken on every message sent, card updated or robot post (waits register first).
    pub changed: Notify,
    pub events: broadcast::Sender<WecomEvent>,
    pub http: reqwest::Client,
    pub tasks: Mutex<Vec<JoinHandle<()>>>,
}

impl Inner {
    /// The state; a panic elsewhere while holding the lock must not wedge every test after it.
    pub fn st(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn emit(&self, e: WecomEvent) {
        // No receivers is fine: nobody is watching the transcript.
        let _ = self.events.send(e);
    }

    pub fn now_secs(&self) -> i64 {
        self.clock.now().timestamp()
    }

    pub fn shutdown(&self) {
        for h in self
            .tasks
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .drain(..)
        {
            h.abort();
        }
    }
}

/// A member, kept under their lowercase UserID (WeCom matches UserIDs without regard to case).
pub(crate) struct Member {
    pub name: String,
}

/// One copy of a message in one member's chat with the app.
pub(crate) struct Delivered {
    /// The member's key (lowercase UserID).
    pub member: String,
    pub msg: WecomMessage,
}

/// A single-use `response_code`: from message/send (a card for its recipients) or from a
/// press (the presser's card).
pub(crate) struct ResponseCode {
    pub task_id: String,
    pub used: bool,
    /// When it was issued (ms on the simulator's clock): it lasts 72 hours.
    pub issued_ms: i64,
}

pub(crate) struct Robot {
    /// Its name in transcripts ("1", "2"…): the key is a secret.
    pub n: usize,
    pub posts: Vec<RobotMessage>,
    /// Removed from its group: its key is refused, what it posted is kept to look at.
    pub removed: bool,
}

pub(crate) struct Media {
    pub bytes: Vec<u8>,
    pub content_type: &'static str,
}

#[derive(Default)]
pub(crate) struct Faults {
    /// The next n rate-counted calls are answered with this HTTP status.
    pub fail_next: (u32, u16),
    /// The next n rate-counted calls are answered HTTP 200 with this errcode.
    pub errcode_next: (u32, i64),
    pub delay: Duration,
}

#[derive(Default)]
pub(crate) struct State {
    /// access_token → expiry (ms on the simulator's clock).
    pub tokens: HashMap<String, i64>,
    pub members: BTreeMap<String, Member>,
    pub robots: HashMap<String, Robot>,
    pub delivered: Vec<Delivered>,
    /// Every task_id the app has used: WeCom never accepts one twice.
    pub task_ids: HashSet<String>,
    pub response_codes: HashMap<String, ResponseCode>,
    pub media: HashMap<String, Media>,
    pub callback_url: Option<String>,
    pub next_id: u64,
    pub limiter: Limiter,
    pub faults: Faults,
    pub stats: WecomSimStats,
}

impl State {
    /// A fresh id with this prefix ("SIMMEDIA12").
    pub fn id(&mut self, prefix: &str) -> String {
        self.next_id += 1;
        format!("{prefix}{}", self.next_id)
    }

    pub fn member_key(&self, userid: &str) -> Option<String> {
        let key = userid.to_lowercase();
        self.members.contains_key(&key).then_some(key)
    }
}

const MINUTE: Duration = Duration::from_secs(60);
const HOUR: Duration = Duration::from_secs(3600);

/// WeCom's limits on what reaches people: per app and member, 30 messages in any minute and
/// 1,000 in any hour (the excess is dropped without an error); per group robot, 20 a minute
/// (the excess is refused with 45009). Only what got through is counted.
#[derive(Default)]
pub(crate) struct Limiter {
    pub on: bool,
    members: HashMap<String, VecDeque<Instant>>,
    robots: HashMap<String, VecDeque<Instant>>,
}

pub(crate) const MEMBER_PER_MINUTE: usize = 30;
pub(crate) const MEMBER_PER_HOUR: usize = 1000;
pub(crate) const ROBOT_PER_MINUTE: usize = 20;

impl Limiter {
    pub fn new(on: bool) -> Limiter {
        Limiter {
            on,
            ..Limiter::default()
        }
    }

    /// Whether a message to this member gets through now; if it does, it is counted.
    pub fn member(&mut self, member: &str, now: Instant) -> bool {
        if !self.on {
            return true;
        }
        let q = self.members.entry(member.to_string()).or_default();
        prune(q, HOUR, now);
        let last_minute = q
            .iter()
            .rev()
            .take_while(|t| now.duration_since(**t) < MINUTE)
            .count();
        if last_minute >= MEMBER_PER_MINUTE || q.len() >= MEMBER_PER_HOUR {
            return false;
        }
        q.push_back(now);
        true
    }

    /// Whether a post to this robot is accepted now; if it is, it is counted.
    pub fn robot(&mut self, key: &str, now: Instant) -> bool {
        if !self.on {
            return true;
        }
        let q = self.robots.entry(key.to_string()).or_default();
        prune(q, MINUTE, now);
        if q.len() >= ROBOT_PER_MINUTE {
            return false;
        }
        q.push_back(now);
        true
    }
}

fn prune(q: &mut VecDeque<Instant>, window: Duration, now: Instant) {
    while q.front().is_some_and(|t| now.duration_since(*t) >= window) {
        q.pop_front();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_member_gets_thirty_a_minute_and_a_thousand_an_hour() {
        let mut l = Limiter::new(true);
        let t0 = Instant::now();
        for i in 0..30 {
            assert!(l.member("a", t0 + Duration::from_millis(i)), "message {i}");
        }
        assert!(!l.member("a", t0 + Duration::from_secs(59)));
        assert!(l.member("b", t0), "another member has their own budget");
        assert!(l.member("a", t0 + Duration::from_secs(60)));
        // Thirty a minute for 33 minutes would be 990, then the hour runs out at 1,000.
        let mut l = Limiter::new(true);
        let mut sent = 0;
        for minute in 0..40u64 {
            for i in 0..30u64 {
                if l.member(
                    "a",
                    t0 + Duration::from_secs(minute * 60) + Duration::from_millis(i),
                ) {
                    sent += 1;
                }
            }
        }
        assert_eq!(sent, 1000);
        assert!(l.member("a", t0 + HOUR + Duration::from_millis(1)));
    }

    #[test]
    fn a_robot_gets_twenty_a_minute() {
        let mut l = Limiter::new(true);
        let t0 = Instant::now();
        for i in 0..20 {
            assert!(l.robot("k", t0 + Duration::from_secs(i)));
        }
        assert!(!l.robot("k", t0 + Duration::from_secs(30)));
        assert!(l.robot("k", t0 + Duration::from_secs(60)));
    }

    #[test]
    fn off_means_off() {
        let mut l = Limiter::new(false);
        let t0 = Instant::now();
        assert!((0..2000).all(|_| l.member("a", t0) && l.robot("k", t0)));
    }
}
