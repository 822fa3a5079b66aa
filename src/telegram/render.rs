//! The one place a notice becomes a Bot API call: method, parameters, inline keyboard, and
//! each button's action encoded as callback data.
use crate::action::Action;
use crate::notice::{Body, Buttons, Notice, Priority};
use crate::store::Outgoing;
use serde_json::{json, Value};

/// The outbox row that sends `n` through the Bot API.
pub fn bot_api(n: &Notice) -> Outgoing {
    let (method, payload, edit_of) = match &n.body {
        Body::Text { text, buttons } => (
            "sendMessage",
            with_keyboard(json!({ "text": text }), buttons),
            None,
        ),
        Body::Photo { file, caption } => (
            "sendPhoto",
            json!({ "photo": file, "caption": caption }),
            None,
        ),
        Body::Location { lat, lon } => (
            "sendLocation",
            json!({ "latitude": lat, "longitude": lon }),
            None,
        ),
        Body::Edit { of, text, buttons } => (
            "editMessageText",
            with_keyboard(json!({ "text": text }), buttons),
            Some(of.clone()),
        ),
        Body::PressAnswer { press, text } => {
            let mut payload = json!({ "callback_query_id": press });
            if let Some(t) = text {
                payload["text"] = t.as_str().into();
            }
            ("answerCallbackQuery", payload, None)
        }
    };
    let mut payload = payload;
    // Telegram's paid broadcast applies to sends; an edit goes at the free rate.
    if n.priority == Priority::Broadcast && edit_of.is_none() && n.chat != 0 {
        payload["allow_paid_broadcast"] = true.into();
    }
    Outgoing::of_notice(n, method, payload, edit_of)
}

/// No buttons, no keyboard: a message shows none, and an edit drops the old ones (Telegram
/// keeps no keyboard an edit does not repeat).
fn with_keyboard(mut payload: Value, buttons: &Buttons) -> Value {
    if !buttons.is_empty() {
        payload["reply_markup"] = keyboard(buttons);
    }
    payload
}

fn keyboard(rows: &Buttons) -> Value {
    let rows: Vec<Vec<Value>> = rows
        .iter()
        .map(|row| {
            row.iter()
                .map(|b| match &b.action {
                    Action::OpenApp(url) => json!({ "text": b.label, "web_app": { "url": url } }),
                    a => json!({ "text": b.label, "callback_data": a.data() }),
                })
                .collect()
        })
        .collect();
    json!({ "inline_keyboard": rows })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::notice::Button;

    #[test]
    fn notices_become_bot_api_calls() {
        let n = Notice::with_buttons(
            "k1".into(),
            42,
            "零报告".into(),
            vec![vec![Button::new("无事".into(), Action::Ack(7))]],
        );
        let m = bot_api(&n);
        assert_eq!(
            (m.method.as_str(), m.chat_id, m.idem_key.as_str()),
            ("sendMessage", 42, "k1")
        );
        assert_eq!(
            m.payload,
            json!({"text": "零报告", "reply_markup": {"inline_keyboard": [[{"text": "无事", "callback_data": "ack:7"}]]}})
        );
        assert!(!m.ephemeral && m.edit_of.is_none());

        let app = Notice::with_buttons(
            "k9".into(),
            42,
            "board".into(),
            vec![vec![Button::new(
                "open".into(),
                Action::OpenApp("https://d.example/board/app".into()),
            )]],
        );
        assert_eq!(
            bot_api(&app).payload["reply_markup"],
            json!({"inline_keyboard": [[{"text": "open", "web_app": {"url": "https://d.example/board/app"}}]]})
        );

        let plain = bot_api(&Notice::text("k2".into(), 42, "hi".into()));
        assert_eq!(plain.payload, json!({"text": "hi"}));

        let edit = bot_api(&Notice::edit(
            "k3".into(),
            42,
            "k1".into(),
            "done".into(),
            vec![],
        ));
        assert_eq!(
            (edit.method.as_str(), edit.edit_of.as_deref()),
            ("editMessageText", Some("k1"))
        );
        assert_eq!(edit.payload, json!({"text": "done"}));

        let photo = bot_api(&Notice::photo("k4".into(), 1, "F1".into(), "H-1".into()));
        assert_eq!(
            (photo.method.as_str(), photo.payload),
            ("sendPhoto", json!({"photo": "F1", "caption": "H-1"}))
        );
        let at = bot_api(&Notice::location("k5".into(), 1, 36.5, 117.25).urgent());
        assert_eq!(at.payload, json!({"latitude": 36.5, "longitude": 117.25}));
        assert!(at.urgent, "urgent notices stay urgent in the outbox");

        let paid = bot_api(
            &Notice::text("k7".into(), 5, "红色预警".into()).with_priority(Priority::Broadcast),
        );
        assert!(paid.urgent);
        assert_eq!(
            paid.payload,
            json!({"text": "红色预警", "allow_paid_broadcast": true})
        );
        let paid_edit = Notice::edit("k8".into(), 5, "k7".into(), "ok".into(), vec![]);
        let paid_edit = bot_api(&paid_edit.with_priority(Priority::Broadcast));
        assert_eq!(paid_edit.payload, json!({"text": "ok"}));

        let press = Notice {
            key: "k6".into(),
            chat: 0,
            body: Body::PressAnswer {
                press: "q9".into(),
                text: Some("ok".into()),
            },
            priority: Priority::Routine,
            room: None,
        };
        let p = bot_api(&press);
        assert!(!p.urgent);
        assert_eq!(
            (p.method.as_str(), p.payload),
            (
                "answerCallbackQuery",
                json!({"callback_query_id": "q9", "text": "ok"})
            )
        );
    }
}
