//! What a private conversation (or a person in a group) is in the middle of: a hazard draft,
//! a question the bot asked, a short window for photos after a report. One type, so every
//! handler reads the same states the compiler knows, instead of probing JSON keys.
//!
//! Stored as JSON in `conversations.state`. The shapes are exactly those earlier versions
//! wrote (untagged, told apart by their keys), so a conversation in progress during an upgrade
//! carries on; an unreadable state counts as none.
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Conversation {
    /// The bot asked a question; the next text answers it.
    Asked(Question),
    /// A hazard report being written.
    HazardDraft { hazard: HazardDraft },
    /// `/incident TEXT` from someone of several units: the text waits for the unit button.
    IncidentText { incident_text: String },
    /// Photos and locations sent until `until` go to those alerted of the unit's incident.
    IncidentFollowup { followup: String, until: i64 },
    /// Photos sent until `until` are the rectification evidence of hazard `hz_evidence`.
    HazardEvidence { hz_evidence: i64, until: i64 },
    /// A warning being written step by step (`/warn`).
    WarningDraft { warning: WarnDraft },
}

/// A hazard report being written (`hazard::draft` says what it still needs).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct HazardDraft {
    pub unit: Option<String>,
    pub category: Option<String>,
    pub text: Option<String>,
    #[serde(default)]
    pub photos: Vec<String>,
    pub location: Option<(f64, f64)>,
    /// The album (media group) being received, so its photos make one report and one answer.
    pub album: Option<String>,
    pub started: i64,
    /// The reports the last summary offered to add to instead ("Add to H-12"): a join is
    /// taken only for one of these, whatever a button says.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub offered: Vec<i64>,
}

/// `/warn` step by step: unit, level, text, expiry, then the preview.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WarnDraft {
    pub unit: Option<String>,
    pub level: Option<String>,
    pub text: Option<String>,
    pub expires_h: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "await", rename_all = "snake_case")]
pub enum Question {
    /// The text of an incident for a unit (and round, when asked from a reminder).
    Incident { unit: String, round: Option<i64> },
    /// Why a hazard is rejected or reopened.
    #[serde(rename = "hz_reason")]
    HazardReason { id: i64, t: ReasonFor },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ReasonFor {
    Reject,
    Reopen,
}

impl Conversation {
    pub fn from_json(s: &str) -> Option<Conversation> {
        serde_json::from_str(s).ok()
    }

    pub fn to_json(&self) -> String {
        // Plain data with string keys: serialising cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }

    pub fn hazard_draft(&self) -> Option<&HazardDraft> {
        match self {
            Conversation::HazardDraft { hazard } => Some(hazard),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_read_as_earlier_versions_wrote_them() {
        let cases = [
            (
                r#"{"await":"incident","unit":"lijia","round":7}"#,
                Conversation::Asked(Question::Incident {
                    unit: "lijia".into(),
                    round: Some(7),
                }),
            ),
            (
                r#"{"await":"incident","unit":"lijia","round":null}"#,
                Conversation::Asked(Question::Incident {
                    unit: "lijia".into(),
                    round: None,
                }),
            ),
            (
                r#"{"await":"hz_reason","id":12,"t":"reopen"}"#,
                Conversation::Asked(Question::HazardReason {
                    id: 12,
                    t: ReasonFor::Reopen,
                }),
            ),
            (
                r#"{"incident_text":"smoke on the hill"}"#,
                Conversation::IncidentText {
                    incident_text: "smoke on the hill".into(),
                },
            ),
            (
                r#"{"followup":"lijia","until":99}"#,
                Conversation::IncidentFollowup {
                    followup: "lijia".into(),
                    until: 99,
                },
            ),
            (
                r#"{"hz_evidence":3,"until":99}"#,
                Conversation::HazardEvidence {
                    hz_evidence: 3,
                    until: 99,
                },
            ),
        ];
        for (json, state) in cases {
            assert_eq!(Conversation::from_json(json), Some(state.clone()), "{json}");
            assert_eq!(Conversation::from_json(&state.to_json()), Some(state));
        }
        let draft = HazardDraft {
            text: Some("dead trees".into()),
            started: 5,
            ..HazardDraft::default()
        };
        let state = Conversation::HazardDraft {
            hazard: draft.clone(),
        };
        assert!(state.to_json().starts_with(r#"{"hazard":"#));
        assert_eq!(
            Conversation::from_json(&state.to_json())
                .as_ref()
                .and_then(Conversation::hazard_draft),
            Some(&draft)
        );
    }

    #[test]
    fn unreadable_states_are_none() {
        for json in [
            "",
            "[]",
            r#"{"await":"nothing"}"#,
            r#"{"await":"hz_reason","id":"x","t":"reject"}"#,
            r#"{"hz_evidence":3}"#,
        ] {
            assert_eq!(Conversation::from_json(json), None, "{json}");
        }
    }
}
