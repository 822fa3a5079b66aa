//! What a button asks for, and its encoding: a button carries its action as a short string
//! of ids only, never text (at most 64 bytes, Telegram's limit for callback data).

/// What a button press asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    Lang(String),
    Bind(String),
    /// Acknowledge an escalation.
    Ack(i64),
    /// Answer a unit's zero report of a round (from its reminder).
    Zero {
        round: i64,
        unit: String,
        incident: bool,
    },
    /// Answer the current round for a unit chosen from a list.
    ZeroFor {
        unit: String,
        incident: bool,
    },
    /// Hazards: act on report `id`: 'a' acknowledge, 'r' reject, 'd' rectified, 'c' close,
    /// 'o' reopen.
    Hazard {
        act: char,
        id: i64,
    },
    /// Hazard drafts: category, unit, submit (major or not), cancel.
    HzCategory(String),
    HzUnit(String),
    HzSubmit {
        major: bool,
    },
    HzCancel,
    /// Add the draft to an existing report nearby instead.
    HzJoin(i64),
    /// Tips: the draft's Send and Cancel, and the tipster's reveal choice (the draft and the
    /// pending reveal are found by the chat, so these carry no tip id but the reveal's).
    TipSend,
    TipDrop,
    TipReveal(i64),
    TipStayAnonymous,
    /// Tips, at the desk.
    TipAck(i64),
    TipReply(i64),
    TipClose(i64),
    /// Rosters: the colleague asked to take a shift accepts or declines swap `id`.
    Swap {
        id: i64,
        accept: bool,
    },
    /// Warnings: Received (收到) on warning `id`.
    WarnOk(i64),
    /// Warning drafts (`/warn` step by step): the unit, the level, the expiry in hours, then
    /// issue (as an exercise or not) or cancel.
    WarnUnit(String),
    WarnLevel(String),
    WarnExpiry(u32),
    WarnIssue {
        exercise: bool,
    },
    WarnDrop,
    /// Open this page inside the messenger (a Telegram Mini App); it carries no callback.
    OpenApp(String),
}

impl Action {
    pub fn data(&self) -> String {
        match self {
            Action::Lang(l) => format!("lang:{l}"),
            Action::Bind(u) => format!("bind:{u}"),
            Action::Ack(id) => format!("ack:{id}"),
            Action::Zero {
                round,
                unit,
                incident,
            } => format!("zero:{round}:{}:{unit}", if *incident { "i" } else { "n" }),
            Action::ZeroFor { unit, incident } => {
                format!("zfor:{}:{unit}", if *incident { "i" } else { "n" })
            }
            Action::Hazard { act, id } => format!("hza:{act}:{id}"),
            Action::HzCategory(c) => format!("hzc:{c}"),
            Action::HzUnit(u) => format!("hzu:{u}"),
            Action::HzSubmit { major } => format!("hzs:{}", if *major { "m" } else { "n" }),
            Action::HzCancel => "hzx:".into(),
            Action::HzJoin(id) => format!("hzj:{id}"),
            Action::TipSend => "tip:send".into(),
            Action::TipDrop => "tip:drop".into(),
            Action::TipStayAnonymous => "tip:anon".into(),
            Action::TipReveal(id) => format!("tipreveal:{id}"),
            Action::TipAck(id) => format!("tipack:{id}"),
            Action::TipReply(id) => format!("tipreply:{id}"),
            Action::TipClose(id) => format!("tipclose:{id}"),
            Action::Swap { id, accept } => format!("swap:{}:{id}", if *accept { "a" } else { "d" }),
            Action::WarnOk(id) => format!("wok:{id}"),
            Action::WarnUnit(u) => format!("wu:{u}"),
            Action::WarnLevel(l) => format!("wl:{l}"),
            Action::WarnExpiry(h) => format!("wx:{h}"),
            Action::WarnIssue { exercise } => format!("wi:{}", if *exercise { "e" } else { "r" }),
            Action::WarnDrop => "wd:".into(),
            // Rendered as a web-app button, never as callback data (see `telegram::render`).
            Action::OpenApp(_) => String::new(),
        }
    }

    /// The command typed instead of pressing this button, where one does the same (a room
    /// whose channel shows no buttons, a WeCom group robot's, is answered so in the app).
    /// `None` for the buttons of a conversation, which only make sense pressed.
    pub fn command(&self) -> Option<String> {
        use crate::ids::{EscalationId, HazardId, TipId, WarningId};
        Some(match self {
            Action::Ack(id) => format!("/ack {}", EscalationId(*id)),
            Action::Zero {
                incident: false, ..
            } => "/zero".into(),
            Action::Zero { incident: true, .. } => "/incident".into(),
            Action::Hazard { act, id } => {
                let name = match act {
                    'a' => "ack",
                    'r' => "reject",
                    'd' => "done",
                    'c' => "close",
                    'o' => "reopen",
                    _ => return None,
                };
                format!("/{name} {}", HazardId(*id))
            }
            Action::TipAck(id) => format!("/ack {}", TipId(*id)),
            Action::TipReply(id) => format!("/reply {}", TipId(*id)),
            Action::TipClose(id) => format!("/close {}", TipId(*id)),
            Action::WarnOk(id) => format!("/ok {}", WarningId(*id)),
            _ => return None,
        })
    }

    /// `None` for anything malformed or unknown.
    pub fn parse(data: &str) -> Option<Action> {
        if data.len() > 64 {
            return None;
        }
        let (kind, arg) = data.split_once(':')?;
        match kind {
            "lang" => Some(Action::Lang(arg.to_string())),
            "bind" if !arg.is_empty() => Some(Action::Bind(arg.to_string())),
            "ack" => arg.parse().ok().filter(|id| *id > 0).map(Action::Ack),
            "zero" => {
                let mut parts = arg.splitn(3, ':');
                let round = parts.next()?.parse().ok().filter(|r| *r > 0)?;
                let incident = flag(parts.next()?)?;
                let unit = parts.next().filter(|u| !u.is_empty())?.to_string();
                Some(Action::Zero {
                    round,
                    unit,
                    incident,
                })
            }
            "zfor" => {
                let (kind, unit) = arg.split_once(':')?;
                let incident = flag(kind)?;
                (!unit.is_empty()).then(|| Action::ZeroFor {
                    unit: unit.to_string(),
                    incident,
                })
            }
            "hza" => {
                let (act, id) = arg.split_once(':')?;
                let act = match act {
                    "a" | "r" | "d" | "c" | "o" => act.chars().next()?,
                    _ => return None,
                };
                let id = id.parse().ok().filter(|id: &i64| *id > 0)?;
                Some(Action::Hazard { act, id })
            }
            "hzc" if !arg.is_empty() => Some(Action::HzCategory(arg.to_string())),
            "hzu" if !arg.is_empty() => Some(Action::HzUnit(arg.to_string())),
            "hzs" => flag_major(arg).map(|major| Action::HzSubmit { major }),
            "hzx" => Some(Action::HzCancel),
            "hzj" => arg
                .parse()
                .ok()
                .filter(|id: &i64| *id > 0)
                .map(Action::HzJoin),
            "tip" => match arg {
                "send" => Some(Action::TipSend),
                "drop" => Some(Action::TipDrop),
                "anon" => Some(Action::TipStayAnonymous),
                _ => None,
            },
            "tipreveal" | "tipack" | "tipreply" | "tipclose" => {
                let id: i64 = arg.parse().ok().filter(|id| *id > 0)?;
                Some(match kind {
                    "tipreveal" => Action::TipReveal(id),
                    "tipack" => Action::TipAck(id),
                    "tipreply" => Action::TipReply(id),
                    _ => Action::TipClose(id),
                })
            }
            "swap" => {
                let (answer, id) = arg.split_once(':')?;
                let accept = match answer {
                    "a" => true,
                    "d" => false,
                    _ => return None,
                };
                let id = id.parse().ok().filter(|id: &i64| *id > 0)?;
                Some(Action::Swap { id, accept })
            }
            "wok" => arg
                .parse()
                .ok()
                .filter(|id: &i64| *id > 0)
                .map(Action::WarnOk),
            "wu" if !arg.is_empty() => Some(Action::WarnUnit(arg.to_string())),
            "wl" if !arg.is_empty() => Some(Action::WarnLevel(arg.to_string())),
            "wx" => arg
                .parse()
                .ok()
                .filter(|h: &u32| (1..=24 * 30).contains(h))
                .map(Action::WarnExpiry),
            "wi" => match arg {
                "e" => Some(Action::WarnIssue { exercise: true }),
                "r" => Some(Action::WarnIssue { exercise: false }),
                _ => None,
            },
            "wd" => Some(Action::WarnDrop),
            _ => None,
        }
    }
}

fn flag_major(s: &str) -> Option<bool> {
    match s {
        "m" => Some(true),
        "n" => Some(false),
        _ => None,
    }
}

fn flag(s: &str) -> Option<bool> {
    match s {
        "i" => Some(true),
        "n" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn callback_data_round_trips_and_rejects_garbage() {
        for a in [
            Action::Lang("en".into()),
            Action::Bind("wangcun".into()),
            Action::Ack(42),
            Action::Zero {
                round: 7,
                unit: "li:jia".into(),
                incident: true,
            },
            Action::ZeroFor {
                unit: "wangcun".into(),
                incident: false,
            },
            Action::Hazard { act: 'r', id: 9 },
            Action::HzCategory("forest_fire".into()),
            Action::HzUnit("lijia".into()),
            Action::HzSubmit { major: true },
            Action::HzCancel,
            Action::HzJoin(4),
            Action::TipSend,
            Action::TipDrop,
            Action::TipStayAnonymous,
            Action::TipReveal(3),
            Action::TipAck(4),
            Action::TipReply(5),
            Action::TipClose(i64::MAX),
            Action::Swap {
                id: 7,
                accept: true,
            },
            Action::Swap {
                id: 8,
                accept: false,
            },
            Action::WarnOk(7),
            Action::WarnUnit("wangcun".into()),
            Action::WarnLevel("red".into()),
            Action::WarnExpiry(24),
            Action::WarnIssue { exercise: true },
            Action::WarnIssue { exercise: false },
            Action::WarnDrop,
        ] {
            assert!(a.data().len() <= 64);
            assert_eq!(Action::parse(&a.data()), Some(a));
        }
        for bad in [
            "",
            "lang",
            "bind:",
            "x:y",
            "ack:",
            "ack:-1",
            "ack:x",
            "zero:1:x:u",
            "zero:0:n:u",
            "zero:1:n:",
            "zfor:i:",
            "zfor:q:u",
            "hza:x:1",
            "hza:a:0",
            "hzs:q",
            "hzc:",
            "tip:",
            "tip:other",
            "tipack:0",
            "tipreply:-2",
            "tipclose:x",
            "wok:0",
            "wok:x",
            "wx:0",
            "wx:99999",
            "wi:q",
            "wu:",
            &"a".repeat(100),
        ] {
            assert_eq!(Action::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn buttons_that_a_command_does_the_same_as_name_it() {
        let zero = |incident| Action::Zero {
            round: 3,
            unit: "lijia".into(),
            incident,
        };
        for (a, typed) in [
            (Action::Ack(12), Some("/ack E-12")),
            (zero(false), Some("/zero")),
            (zero(true), Some("/incident")),
            (Action::Hazard { act: 'a', id: 3 }, Some("/ack H-3")),
            (Action::Hazard { act: 'd', id: 3 }, Some("/done H-3")),
            (Action::Hazard { act: 'c', id: 3 }, Some("/close H-3")),
            (Action::TipReply(4), Some("/reply T-4")),
            (Action::WarnOk(7), Some("/ok W-7")),
            (Action::HzSubmit { major: false }, None),
            (Action::OpenApp("https://d".into()), None),
        ] {
            assert_eq!(a.command().as_deref(), typed, "{a:?}");
        }
    }
}
