//! Inline keyboards and callback data. Callback data carries ids only, never text (≤ 64 bytes).

use serde_json::{json, Value};

pub struct Button {
    pub label: String,
    pub data: String,
}

pub fn inline(rows: Vec<Vec<Button>>) -> Value {
    let rows: Vec<Vec<Value>> = rows
        .into_iter()
        .map(|row| {
            row.into_iter()
                .map(|b| json!({"text": b.label, "callback_data": b.data}))
                .collect()
        })
        .collect();
    json!({ "inline_keyboard": rows })
}

/// What a button press asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    Lang(String),
    Bind(String),
    /// Acknowledge an escalation.
    Ack(i64),
}

impl Action {
    pub fn data(&self) -> String {
        match self {
            Action::Lang(l) => format!("lang:{l}"),
            Action::Bind(u) => format!("bind:{u}"),
            Action::Ack(id) => format!("ack:{id}"),
        }
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
            _ => None,
        }
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
        ] {
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
            &"a".repeat(100),
        ] {
            assert_eq!(Action::parse(bad), None, "{bad}");
        }
    }
}
