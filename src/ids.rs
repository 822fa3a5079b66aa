//! Item kinds and their display ids: `H-12`, `T-4`, `W-7`, `E-3`.
//!
//! What people may type for an item is one syntax: the kind's letter in either case, an
//! optional hyphen, and the number in plain digits (`H-12`, `h-12`, `H12`, `h12`; never a
//! sign, never zero). A command that takes one kind only also takes the bare number
//! (`/done 12`, `/warn_end 7`, `/ack 12` for an escalation) — except for tips: `/ack` and
//! `/close` serve tips and other kinds alike, so a tip is always named with its letter.

use fluent_bundle::FluentValue;
use std::fmt;
use std::str::FromStr;

/// The kinds of item people name by a display id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    Hazard,
    Tip,
    Warning,
    Escalation,
}

impl Kind {
    pub const fn letter(self) -> char {
        match self {
            Kind::Hazard => 'H',
            Kind::Tip => 'T',
            Kind::Warning => 'W',
            Kind::Escalation => 'E',
        }
    }

    fn from_letter(c: char) -> Option<Kind> {
        Some(match c.to_ascii_uppercase() {
            'H' => Kind::Hazard,
            'T' => Kind::Tip,
            'W' => Kind::Warning,
            'E' => Kind::Escalation,
            _ => return None,
        })
    }

    /// May a command of this kind name an item by its bare number?
    const fn bare_number_ok(self) -> bool {
        !matches!(self, Kind::Tip)
    }

    /// `s` as an id of this kind; the bare number only where `bare` and the kind allow it.
    fn parse(self, s: &str, bare: bool) -> Option<i64> {
        let s = s.trim();
        let digits = match s.chars().next().and_then(Kind::from_letter) {
            Some(k) if k == self => {
                let rest = &s[1..];
                rest.strip_prefix('-').unwrap_or(rest)
            }
            Some(_) => return None,
            None if bare && self.bare_number_ok() => s,
            None => return None,
        };
        number(digits)
    }
}

/// Plain ASCII digits, greater than zero.
fn number(digits: &str) -> Option<i64> {
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok().filter(|n| *n > 0)
}

/// Text that does not name an item of the kind wanted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{text:?} is not {wanted}")]
pub struct BadId {
    pub text: String,
    /// What was wanted, for a log line: `a hazard id like H-12`.
    pub wanted: &'static str,
}

/// An item of any kind: `H-12`, `T-4`, …
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ItemId {
    pub kind: Kind,
    pub n: i64,
}

impl fmt::Display for ItemId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.kind.letter(), self.n)
    }
}

/// Any kind, so the letter is required.
impl FromStr for ItemId {
    type Err = BadId;

    fn from_str(s: &str) -> Result<Self, BadId> {
        s.trim()
            .chars()
            .next()
            .and_then(Kind::from_letter)
            .and_then(|kind| {
                Some(ItemId {
                    kind,
                    n: kind.parse(s, false)?,
                })
            })
            .ok_or_else(|| BadId {
                text: s.to_string(),
                wanted: "an id like H-12",
            })
    }
}

macro_rules! item_id {
    ($(#[$doc:meta])* $name:ident, $kind:expr, $wanted:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(pub i64);

        impl $name {
            pub const KIND: Kind = $kind;

            /// A command's argument where only this kind is meant: the bare number is taken
            /// too, if the kind allows it (tips do not).
            pub fn from_arg(s: &str) -> Option<Self> {
                Self::KIND.parse(s, true).map(Self)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                ItemId::from(*self).fmt(f)
            }
        }

        /// The letter is required (`H-12`): where the kind is not implied by the command.
        impl FromStr for $name {
            type Err = BadId;

            fn from_str(s: &str) -> Result<Self, BadId> {
                Self::KIND.parse(s, false).map(Self).ok_or_else(|| BadId {
                    text: s.to_string(),
                    wanted: $wanted,
                })
            }
        }

        impl From<$name> for ItemId {
            fn from(id: $name) -> ItemId {
                ItemId {
                    kind: $name::KIND,
                    n: id.0,
                }
            }
        }

        /// So a message's `{id}` is given the id itself.
        impl From<$name> for FluentValue<'_> {
            fn from(id: $name) -> Self {
                FluentValue::from(id.to_string())
            }
        }
    };
}

item_id!(
    /// A hazard report: `H-12`.
    HazardId,
    Kind::Hazard,
    "a hazard id like H-12"
);
item_id!(
    /// An anonymous tip: `T-4`.
    TipId,
    Kind::Tip,
    "a tip id like T-4"
);
item_id!(
    /// A warning: `W-7`.
    WarningId,
    Kind::Warning,
    "a warning id like W-7"
);
item_id!(
    /// An escalation: `E-3`.
    EscalationId,
    Kind::Escalation,
    "an escalation id like E-3"
);

/// What an escalation is about: an item that waits for an answer. Stored as text
/// (`hazard:12`, `zero:7:wangcun`…), written and read here only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject {
    /// A hazard report not yet acknowledged; `round` sets a reopened report's chain apart
    /// (`None` names every round, for ending them all).
    Hazard { id: HazardId, round: Option<i64> },
    /// A hazard report past its deadline; `due` sets a re-dated report's chain apart.
    HazardOverdue { id: HazardId, due: Option<i64> },
    /// A tip waiting for the desk.
    Tip(TipId),
    /// A unit's missing zero report of a round.
    Zero { round: i64, unit: String },
    /// An incident a unit reported in a round.
    Incident { round: i64, unit: String },
    /// A warning not yet confirmed by everyone in a unit.
    Warning { id: WarningId, unit: String },
}

impl Subject {
    /// The item's kind, as features register their alert takers.
    pub fn kind(&self) -> &'static str {
        match self {
            Subject::Hazard { .. } => "hazard",
            Subject::HazardOverdue { .. } => "hazard-overdue",
            Subject::Tip(_) => "tip",
            Subject::Zero { .. } => "zero",
            Subject::Incident { .. } => "zincident",
            Subject::Warning { .. } => "warning",
        }
    }
}

impl fmt::Display for Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = self.kind();
        match self {
            Subject::Hazard { id, round: extra } | Subject::HazardOverdue { id, due: extra } => {
                match extra {
                    Some(x) => write!(f, "{kind}:{}:{x}", id.0),
                    None => write!(f, "{kind}:{}", id.0),
                }
            }
            Subject::Tip(id) => write!(f, "{kind}:{}", id.0),
            Subject::Zero { round, unit } | Subject::Incident { round, unit } => {
                write!(f, "{kind}:{round}:{unit}")
            }
            Subject::Warning { id, unit } => write!(f, "{kind}:{}:{unit}", id.0),
        }
    }
}

/// Stored text that names no subject (one written by a version that no longer exists).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not an escalation's subject")]
pub struct BadSubject(pub String);

impl FromStr for Subject {
    type Err = BadSubject;

    fn from_str(s: &str) -> Result<Self, BadSubject> {
        let bad = || BadSubject(s.to_string());
        let (kind, rest) = s.split_once(':').ok_or_else(bad)?;
        let int = |t: &str| t.parse::<i64>().map_err(|_| bad());
        // `N` or `N:X`, both numbers.
        let numbered = |t: &str| match t.split_once(':') {
            Some((n, x)) => Ok((int(n)?, Some(int(x)?))),
            None => Ok((int(t)?, None)),
        };
        // `N:UNIT`.
        let of_unit = |t: &str| match t.split_once(':') {
            Some((n, unit)) if !unit.is_empty() => Ok((int(n)?, unit.to_string())),
            _ => Err(bad()),
        };
        Ok(match kind {
            "hazard" => {
                let (n, round) = numbered(rest)?;
                Subject::Hazard {
                    id: HazardId(n),
                    round,
                }
            }
            "hazard-overdue" => {
                let (n, due) = numbered(rest)?;
                Subject::HazardOverdue {
                    id: HazardId(n),
                    due,
                }
            }
            "tip" => Subject::Tip(TipId(int(rest)?)),
            "zero" => {
                let (round, unit) = of_unit(rest)?;
                Subject::Zero { round, unit }
            }
            "zincident" => {
                let (round, unit) = of_unit(rest)?;
                Subject::Incident { round, unit }
            }
            "warning" => {
                let (n, unit) = of_unit(rest)?;
                Subject::Warning {
                    id: WarningId(n),
                    unit,
                }
            }
            _ => return Err(bad()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_print_with_their_letter() {
        assert_eq!(HazardId(12).to_string(), "H-12");
        assert_eq!(TipId(4).to_string(), "T-4");
        assert_eq!(WarningId(7).to_string(), "W-7");
        assert_eq!(EscalationId(3).to_string(), "E-3");
        assert_eq!(
            ItemId {
                kind: Kind::Warning,
                n: 9
            }
            .to_string(),
            "W-9"
        );
    }

    #[test]
    fn the_letter_in_either_case_with_or_without_the_hyphen() {
        for s in ["H-12", "h-12", "H12", "h12", " H-12 "] {
            assert_eq!(s.parse(), Ok(HazardId(12)), "{s}");
        }
        assert_eq!("T-45".parse(), Ok(TipId(45)));
        assert_eq!("t45".parse(), Ok(TipId(45)));
        assert_eq!("w-7".parse(), Ok(WarningId(7)));
        assert_eq!("e12".parse(), Ok(EscalationId(12)));
        assert_eq!("H-012".parse(), Ok(HazardId(12)));
    }

    #[test]
    fn anything_else_is_refused() {
        for s in [
            "",
            "H",
            "H-",
            "H--1",
            "H-+4",
            "H+4",
            "H-0",
            "H-1.5",
            "H-1x",
            "H 1",
            "HH-1",
            "+12",
            "-12",
            "0",
            "x",
            "H-99999999999999999999",
            "Ｈ-1",
            "H-１",
        ] {
            assert!(s.parse::<HazardId>().is_err(), "{s:?}");
            assert_eq!(HazardId::from_arg(s), None, "{s:?}");
        }
        assert!("E-4".parse::<TipId>().is_err());
        assert!("H-7".parse::<WarningId>().is_err());
        assert!("W-7".parse::<EscalationId>().is_err());
        assert_eq!(HazardId::from_arg("E-12"), None);
    }

    #[test]
    fn a_bare_number_only_where_the_command_implies_the_kind() {
        assert!("12".parse::<HazardId>().is_err());
        assert_eq!(HazardId::from_arg("12"), Some(HazardId(12)));
        assert_eq!(WarningId::from_arg("7"), Some(WarningId(7)));
        assert_eq!(EscalationId::from_arg(" 12 "), Some(EscalationId(12)));
        assert_eq!(
            TipId::from_arg("45"),
            None,
            "a bare number may be another kind of id"
        );
        assert_eq!(TipId::from_arg("T-45"), Some(TipId(45)));
    }

    #[test]
    fn any_kind_by_its_letter() {
        assert_eq!(
            "w-7".parse(),
            Ok(ItemId {
                kind: Kind::Warning,
                n: 7
            })
        );
        assert_eq!(ItemId::from(TipId(4)).to_string(), "T-4");
        assert!("12".parse::<ItemId>().is_err());
        assert!("X-12".parse::<ItemId>().is_err());
        let e = "x".parse::<WarningId>().unwrap_err();
        assert_eq!(e.to_string(), "\"x\" is not a warning id like W-7");
    }

    #[test]
    fn subjects_are_written_and_read_back() {
        let all = [
            (
                Subject::Hazard {
                    id: HazardId(12),
                    round: None,
                },
                "hazard:12",
            ),
            (
                Subject::Hazard {
                    id: HazardId(12),
                    round: Some(1700),
                },
                "hazard:12:1700",
            ),
            (
                Subject::HazardOverdue {
                    id: HazardId(3),
                    due: Some(99),
                },
                "hazard-overdue:3:99",
            ),
            (Subject::Tip(TipId(4)), "tip:4"),
            (
                Subject::Zero {
                    round: 7,
                    unit: "wangcun".into(),
                },
                "zero:7:wangcun",
            ),
            (
                Subject::Incident {
                    round: 7,
                    unit: "lijia".into(),
                },
                "zincident:7:lijia",
            ),
            (
                Subject::Warning {
                    id: WarningId(7),
                    unit: "lijia".into(),
                },
                "warning:7:lijia",
            ),
        ];
        for (subject, text) in all {
            assert_eq!(subject.to_string(), text);
            assert_eq!(text.parse::<Subject>(), Ok(subject));
        }
        assert_eq!(
            "hazard:12:1700".parse::<Subject>().map(|s| s.kind()),
            Ok("hazard")
        );
        for bad in [
            "plain", "hazard:", "hazard:x", "tip:4:5", "zero:7", "zero:7:", "nosuch:1",
        ] {
            assert!(bad.parse::<Subject>().is_err(), "{bad}");
        }
    }
}
