//! Anonymous whistleblower tips (吹哨人举报). Handlers see the tip, never the tipster: the
//! tipster's chat id is kept only sealed (see `crypto`), everything else about a tipster's chat
//! is found by a keyed hash, and messages to the tipster are erased from the outbox once sent.
pub mod commands;
pub mod desk;
pub mod flow;

use crate::ids::TipId;
use serde::{Deserialize, Serialize};

/// Timer kind: erase a closed tip's identity after `tip.forget_after`.
pub const FORGET: &str = "tip.forget";

/// Keyed-hash purposes, so one value cannot be matched against another table's.
pub const CHAT_LABEL: &str = "tip-chat";
pub const RATE_LABEL: &str = "tip-rate";

pub const MAX_TEXT: usize = 3000;
pub const MAX_PHOTOS: usize = 10;

/// Does a command's first argument name a tip (so `/ack T-45` and `/close T-45` come here)?
pub fn names_tip(args: &str) -> bool {
    args.split_whitespace()
        .next()
        .is_some_and(|a| a.parse::<TipId>().is_ok())
}

/// A tip being written, kept under the keyed hash of its chat.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Draft {
    pub body: String,
    pub photos: Vec<String>,
    pub location: Option<(f64, f64)>,
}

impl Draft {
    pub fn ready(&self) -> bool {
        !self.body.trim().is_empty()
    }

    /// Add text to the description; false when it would grow past the limit.
    pub fn add_text(&mut self, text: &str) -> bool {
        let text = text.trim();
        let extra = if self.body.is_empty() { 0 } else { 1 };
        if self.body.chars().count() + extra + text.chars().count() > MAX_TEXT {
            return false;
        }
        if !self.body.is_empty() {
            self.body.push('\n');
        }
        self.body.push_str(text);
        true
    }

    pub fn add_photo(&mut self, file_id: &str) -> bool {
        if self.photos.len() >= MAX_PHOTOS || self.photos.iter().any(|p| p == file_id) {
            return false;
        }
        self.photos.push(file_id.to_string());
        true
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    Open,
    Acknowledged,
    Closed,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::Open => "open",
            State::Acknowledged => "acknowledged",
            State::Closed => "closed",
        }
    }

    pub fn parse(s: &str) -> Option<State> {
        match s {
            "open" => Some(State::Open),
            "acknowledged" => Some(State::Acknowledged),
            "closed" => Some(State::Closed),
            _ => None,
        }
    }
}

/// none → proposed (amount) → approved → paid. A proposal may be revised until approved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reward {
    None,
    Proposed,
    Approved,
    Paid,
}

impl Reward {
    pub fn as_str(self) -> &'static str {
        match self {
            Reward::None => "none",
            Reward::Proposed => "proposed",
            Reward::Approved => "approved",
            Reward::Paid => "paid",
        }
    }

    pub fn parse(s: &str) -> Option<Reward> {
        match s.to_ascii_lowercase().as_str() {
            "none" => Some(Reward::None),
            "proposed" | "propose" => Some(Reward::Proposed),
            "approved" | "approve" => Some(Reward::Approved),
            "paid" | "pay" => Some(Reward::Paid),
            _ => None,
        }
    }

    /// May the reward move from `self` to `to`?
    pub fn may_become(self, to: Reward) -> bool {
        matches!(
            (self, to),
            (Reward::None, Reward::Proposed)
                | (Reward::Proposed, Reward::Proposed)
                | (Reward::Proposed, Reward::Approved)
                | (Reward::Approved, Reward::Paid)
        )
    }
}

/// `/reward T-45 proposed 500`, `/reward T-45 approved`, `/reward T-45 paid`.
pub fn parse_reward(args: &str) -> Option<(i64, Reward, Option<i64>)> {
    let mut w = args.split_whitespace();
    let TipId(id) = w.next()?.parse().ok()?;
    let step = Reward::parse(w.next()?)?;
    let amount = match (step, w.next()) {
        (Reward::Proposed, Some(a)) => Some(a.parse::<i64>().ok().filter(|a| *a > 0)?),
        (Reward::Proposed, None) => return None,
        (_, None) => None,
        (_, Some(_)) => return None,
    };
    if w.next().is_some() || step == Reward::None {
        return None;
    }
    Some((id, step, amount))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tip_is_named_by_its_letter() {
        assert!(names_tip("T-3 done"));
        assert!(!names_tip("E-3"));
        assert!(!names_tip(""));
    }

    #[test]
    fn reward_steps_go_forward_only() {
        use Reward::*;
        assert!(None.may_become(Proposed));
        assert!(Proposed.may_become(Proposed));
        assert!(Proposed.may_become(Approved));
        assert!(Approved.may_become(Paid));
        assert!(!None.may_become(Approved));
        assert!(!None.may_become(Paid));
        assert!(!Paid.may_become(Proposed));
        assert!(!Approved.may_become(Proposed));
        assert_eq!(
            parse_reward("T-4 proposed 500"),
            Some((4, Proposed, Some(500)))
        );
        assert_eq!(
            parse_reward("T-4 approved"),
            Some((4, Approved, Option::None))
        );
        assert_eq!(parse_reward("T-4 paid"), Some((4, Paid, Option::None)));
        for bad in [
            "",
            "T-4",
            "T-4 proposed",
            "T-4 proposed -5",
            "T-4 proposed x",
            "T-4 paid 5",
            "T-4 none",
            "T-4 bogus",
            "T-4 proposed 5 6",
        ] {
            assert_eq!(parse_reward(bad), Option::None, "{bad}");
        }
    }

    #[test]
    fn drafts_keep_limits() {
        let mut d = Draft::default();
        assert!(!d.ready());
        assert!(d.add_text("  a fire  "));
        assert!(d.ready());
        assert!(d.add_text("more"));
        assert_eq!(d.body, "a fire\nmore");
        assert!(!d.add_text(&"x".repeat(MAX_TEXT)));
        for i in 0..MAX_PHOTOS {
            assert!(d.add_photo(&format!("p{i}")));
        }
        assert!(!d.add_photo("another"));
        assert!(!d.add_photo("p0"));
    }
}
