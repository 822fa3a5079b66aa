//! A hazard report being written: kept in the conversation until it is filed, cancelled or
//! left alone too long.
use crate::store::NewTimer;
use serde_json::json;

/// Timer kind: a draft left alone is dropped (`hazard::on_draft_expiry`).
pub const EXPIRY: &str = "hz.draft";
/// A draft left alone this long is dropped, with a notice.
pub const EXPIRE_MS: i64 = 30 * 60 * 1000;
/// Photos one report may carry.
pub const MAX_PHOTOS: usize = 10;
pub const MAX_TEXT: usize = 2000;

/// The draft itself is plain data of the conversation (`conversation::HazardDraft`); what
/// it needs and how it grows is here.
pub use crate::conversation::HazardDraft as Draft;

/// The timers of the drafts one person writes in one chat: cancelled together when the draft
/// is filed, joined to a report or dropped.
pub fn timers_of(chat: i64, user: i64) -> String {
    format!("hzdraft:{chat}:{user}")
}

/// The timer that drops the draft begun at `started` if it is left alone (`EXPIRY`); saving
/// the draft again sets the same timer, once.
pub fn expiry_timer(chat: i64, user: i64, started: i64) -> NewTimer {
    let group = timers_of(chat, user);
    NewTimer {
        key: format!("{group}:{started}"),
        group,
        kind: EXPIRY.into(),
        payload: json!({ "chat": chat, "user": user, "started": started }),
        due_at: started + EXPIRE_MS,
    }
}

/// What the draft still needs, in the order it is asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Unit,
    Category,
    Text,
    Confirm,
}

impl Draft {
    pub fn next(&self) -> Step {
        if self.unit.is_none() {
            Step::Unit
        } else if self.category.is_none() {
            Step::Category
        } else if self.text.is_none() {
            Step::Text
        } else {
            Step::Confirm
        }
    }

    /// Add a text: the description, or more of it.
    pub fn add_text(&mut self, text: &str) -> bool {
        let text = text.trim();
        if text.is_empty() {
            return true;
        }
        let joined = match &self.text {
            Some(t) => format!("{t}\n{text}"),
            None => text.to_string(),
        };
        if joined.chars().count() > MAX_TEXT {
            return false;
        }
        self.text = Some(joined);
        true
    }

    pub fn add_photo(&mut self, file_id: &str) -> bool {
        if self.photos.len() >= MAX_PHOTOS {
            return false;
        }
        if !self.photos.iter().any(|p| p == file_id) {
            self.photos.push(file_id.to_string());
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_and_state_round_trip() {
        let mut d = Draft {
            started: 5,
            ..Draft::default()
        };
        assert_eq!(d.next(), Step::Unit);
        d.unit = Some("lijia".into());
        assert_eq!(d.next(), Step::Category);
        d.category = Some("forest_fire".into());
        assert_eq!(d.next(), Step::Text);
        assert!(d.add_text("  smoke  "));
        assert!(d.add_text("near the road"));
        assert_eq!(d.text.as_deref(), Some("smoke\nnear the road"));
        assert_eq!(d.next(), Step::Confirm);
        assert!(!d.add_text(&"x".repeat(MAX_TEXT)));
        for n in 0..MAX_PHOTOS {
            assert!(d.add_photo(&format!("f{n}")));
        }
        assert!(!d.add_photo("one too many"));
    }

    #[test]
    fn a_drafts_timer_keeps_its_stored_key() {
        // Timers already stored under these names must still be found and cancelled.
        let t = expiry_timer(-5, 7, 1000);
        assert_eq!(
            (t.key.as_str(), t.group.as_str()),
            ("hzdraft:-5:7:1000", "hzdraft:-5:7")
        );
        assert_eq!((t.kind.as_str(), t.due_at), (EXPIRY, 1000 + EXPIRE_MS));
    }

    #[test]
    fn offers_are_kept_and_older_drafts_have_none() {
        let d = Draft {
            offered: vec![12],
            ..Draft::default()
        };
        let json = serde_json::to_string(&d).expect("serialises");
        assert_eq!(serde_json::from_str::<Draft>(&json).ok(), Some(d));
        // A draft saved before offers were recorded offers nothing to join.
        let old = r#"{"unit":"lijia","category":null,"text":"x","location":null,"album":null,"started":5}"#;
        let d: Draft = serde_json::from_str(old).expect("an older draft");
        assert!(d.offered.is_empty());
    }
}
