//! The one place a notice becomes a WeCom call: an app message to a member (text, or a
//! button card where the notice has buttons), an update of a pressed card, a picture, or a
//! group robot's post. The recipient's UserID or robot key is filled in by the sender, from
//! the address (`crate::channel`); this turns the notice's content alone.
use crate::action::Action;
use crate::channel::{wecom_kind, WecomKind};
use crate::notice::{Body, Buttons, Notice, RoomNote};
use crate::store::Outgoing;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

/// The calls the sender makes for each kind of row.
pub const TEXT: &str = "wecom.text";
pub const CARD: &str = "wecom.card";
pub const UPDATE: &str = "wecom.update";
pub const IMAGE: &str = "wecom.image";
pub const ROBOT: &str = "wecom.robot";
/// A group robot's picture (its image post; robots' images have no caption).
pub const ROBOT_IMAGE: &str = "wecom.robot_image";
/// Nothing to call: what WeCom has no use for (the spinner of a pressed button).
pub const NONE: &str = "wecom.none";

/// A card shows at most this many buttons.
const MAX_BUTTONS: usize = 6;
/// A card's title: its text's first line, at most this long (as WeCom advises).
const TITLE_CHARS: usize = 26;

/// Is this row one of WeCom's?
pub fn is_wecom(method: &str) -> bool {
    method.starts_with("wecom.")
}

/// The outbox row that sends `n` through WeCom.
pub fn wecom(n: &Notice) -> Outgoing {
    let robot = wecom_kind(n.chat) == Some(WecomKind::Robot);
    let (method, payload, edit_of) = match &n.body {
        Body::Text { text, buttons } if robot => {
            (ROBOT, robot_text(text, buttons, n.room.as_ref()), None)
        }
        Body::Text { text, buttons } if buttons.is_empty() => (TEXT, plain(text), None),
        Body::Text { text, buttons } => (CARD, card(&n.key, text, buttons), None),
        Body::Photo { file, caption } => {
            let method = if robot { ROBOT_IMAGE } else { IMAGE };
            let caption = fit(caption, TEXT_BYTES);
            (method, json!({ "file": file, "caption": caption }), None)
        }
        Body::Location { lat, lon } if robot => {
            (ROBOT, robot_text(&place(*lat, *lon), &[], None), None)
        }
        Body::Location { lat, lon } => (TEXT, plain(&place(*lat, *lon)), None),
        // Group robots' posts cannot be changed.
        Body::Edit { .. } if robot => (NONE, json!({}), None),
        Body::Edit { of, text, buttons } => (
            UPDATE,
            json!({ "task_id": task_id(of), "template_card": card_body(of, text, buttons) }),
            Some(of.clone()),
        ),
        // A press has no spinner to stop in WeCom; a word for the presser comes as a message.
        Body::PressAnswer { text: Some(t), .. } => (TEXT, plain(t), None),
        Body::PressAnswer { text: None, .. } => (NONE, json!({}), None),
    };
    Outgoing::of_notice(n, method, payload, edit_of)
}

fn plain(text: &str) -> Value {
    json!({ "msgtype": "text", "text": { "content": fit(text, TEXT_BYTES) } })
}

/// What a text message holds (an app's, a robot's): WeCom cuts or refuses the rest.
const TEXT_BYTES: usize = 2048;

/// `text` within `max` bytes: cut at a character, with an ellipsis, when it is longer.
fn fit(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_string();
    }
    let mut end = max.saturating_sub('…'.len_utf8());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}

fn place(lat: f64, lon: f64) -> String {
    format!("{lat:.5}, {lon:.5}")
}

/// The card's id for WeCom, from the notice's key: the same for the card and its updates.
pub fn task_id(key: &str) -> String {
    let digest = Sha256::digest(key.as_bytes());
    let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    format!("lk{hex}")
}

/// Where the buttons a card cannot hold go (past its six): further cards with its title,
/// sent right after it (`n` of them: the title says "2/n"…).
pub const MORE_CARDS: &str = "more_cards";

fn card(key: &str, text: &str, buttons: &Buttons) -> Value {
    let first = card_body(key, text, buttons);
    let mut payload = json!({ "msgtype": "template_card", "template_card": first });
    let rest: Vec<&crate::notice::Button> = buttons
        .iter()
        .flatten()
        .filter(|b| !matches!(b.action, Action::OpenApp(_)))
        .skip(MAX_BUTTONS)
        .collect();
    if rest.is_empty() {
        return payload;
    }
    let title = payload["template_card"]["main_title"]["title"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let total = 1 + rest.len().div_ceil(MAX_BUTTONS);
    let more: Vec<Value> = rest
        .chunks(MAX_BUTTONS)
        .zip(2..)
        .map(|(chunk, n)| {
            let list: Vec<Value> = chunk
                .iter()
                .map(|b| json!({ "text": b.label, "style": 2, "key": b.action.data() }))
                .collect();
            json!({
                "card_type": "button_interaction",
                "main_title": { "title": format!("{title} ({n}/{total})") },
                "task_id": task_id(&format!("{key}#{n}")),
                "button_list": list,
            })
        })
        .collect();
    payload[MORE_CARDS] = more.into();
    payload
}

/// A button card: the first line as its title, the rest below, and the buttons (a button
/// opening a page cannot be one: its address goes into the text).
fn card_body(key: &str, text: &str, buttons: &Buttons) -> Value {
    let (first, rest) = text.split_once('\n').unwrap_or((text, ""));
    // A first line too long for a title is cut there, and the whole text shown below.
    let long = first.chars().count() > TITLE_CHARS;
    let mut title: String = first.chars().take(TITLE_CHARS - 1).collect();
    let mut below = match long {
        true => {
            title.push('…');
            text.to_string()
        }
        false => {
            title = first.to_string();
            rest.trim_start().to_string()
        }
    };
    let mut list = Vec::new();
    for b in buttons.iter().flatten() {
        match &b.action {
            Action::OpenApp(url) => below.push_str(&format!("\n{}: {url}", b.label)),
            a if list.len() < MAX_BUTTONS => {
                let style = if list.is_empty() { 1 } else { 2 };
                list.push(json!({ "text": b.label, "style": style, "key": a.data() }));
            }
            _ => {}
        }
    }
    let mut body = json!({
        "card_type": "button_interaction",
        "main_title": { "title": title },
        "task_id": task_id(key),
        "button_list": list,
    });
    if !below.is_empty() {
        body["sub_title_text"] = below.into();
    }
    if list_is_empty(&body) {
        // A card needs a button; one that has none left shows the outcome as its only, spent one.
        body["button_list"] = json!([{ "text": "✓", "style": 2, "key": "done" }]);
        body["replace_text"] = "✓".into();
    }
    body
}

fn list_is_empty(body: &Value) -> bool {
    body["button_list"].as_array().is_none_or(|l| l.is_empty())
}

/// Where a robot's post names the members it mentions: the sender puts their UserIDs in
/// `mentioned_list` in place of these addresses.
pub const MENTION: &str = "mention";

/// What a duty room's robot posts: the text, then, for the buttons it cannot show, what to
/// send in the app instead (officers answer there), mentioning the room's officers on shift
/// who are in WeCom. Without a room's note, the buttons are shown as what they say.
fn robot_text(
    text: &str,
    buttons: &[Vec<crate::notice::Button>],
    room: Option<&RoomNote>,
) -> Value {
    let answer = match room {
        Some(r) if !r.answer_by.is_empty() => format!("\n{}", r.answer_by.join("\n")),
        _ => {
            let labels: Vec<&str> = buttons
                .iter()
                .flatten()
                .filter(|b| !matches!(b.action, Action::OpenApp(_)))
                .map(|b| b.label.as_str())
                .collect();
            match labels.is_empty() {
                true => String::new(),
                false => format!("\n[{}]", labels.join(" | ")),
            }
        }
    };
    // A long text is cut, not how to answer it.
    let room_for_text = TEXT_BYTES.saturating_sub(answer.len());
    let content = fit(&format!("{}{answer}", fit(text, room_for_text)), TEXT_BYTES);
    let mut post = json!({ "msgtype": "text", "text": { "content": content } });
    let members: Vec<i64> = room
        .map(|r| r.on_shift.as_slice())
        .unwrap_or_default()
        .iter()
        .copied()
        .filter(|chat| wecom_kind(*chat) == Some(WecomKind::Member))
        .collect();
    if !members.is_empty() {
        post[MENTION] = json!(members);
    }
    post
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::channel::wecom_address;
    use crate::notice::Button;

    #[test]
    fn notices_become_wecom_calls() {
        let member = wecom_address(WecomKind::Member, "zhang");
        let robot = wecom_address(WecomKind::Robot, "k");
        let ask = Notice::with_buttons(
            "k1".into(),
            member,
            "零报告提醒\n请回复".into(),
            vec![vec![
                Button::new("无隐患".into(), Action::Ack(7)),
                Button::new("看板".into(), Action::OpenApp("https://d/b".into())),
            ]],
        );
        let m = wecom(&ask);
        assert_eq!((m.method.as_str(), m.chat_id), (CARD, member));
        let c = &m.payload["template_card"];
        assert_eq!(c["card_type"], "button_interaction");
        assert_eq!(c["main_title"]["title"], "零报告提醒");
        assert_eq!(c["sub_title_text"], "请回复\n看板: https://d/b");
        assert_eq!(c["task_id"], task_id("k1"));
        assert_eq!(
            c["button_list"],
            json!([{"text": "无隐患", "style": 1, "key": "ack:7"}])
        );

        // Buttons past a card's six go on the cards after it, under its title.
        let nine: Vec<Button> = (1..=9)
            .map(|i| Button::new(format!("b{i}"), Action::Ack(i)))
            .collect();
        let many = wecom(&Notice::with_buttons(
            "k9".into(),
            member,
            "类别".into(),
            vec![nine],
        ));
        assert_eq!(
            many.payload["template_card"]["button_list"]
                .as_array()
                .map(Vec::len),
            Some(6)
        );
        let more = &many.payload[MORE_CARDS];
        assert_eq!(more.as_array().map(Vec::len), Some(1));
        assert_eq!(more[0]["main_title"]["title"], "类别 (2/2)");
        assert_eq!(more[0]["task_id"], task_id("k9#2"));
        assert_eq!(
            more[0]["button_list"][2],
            json!({"text": "b9", "style": 2, "key": "ack:9"})
        );
        assert!(
            m.payload.get(MORE_CARDS).is_none(),
            "six or fewer: one card"
        );

        let edit = wecom(&Notice::edit(
            "k2".into(),
            member,
            "k1".into(),
            "已报".into(),
            vec![],
        ));
        assert_eq!(
            (edit.method.as_str(), edit.edit_of.as_deref()),
            (UPDATE, Some("k1"))
        );
        assert_eq!(edit.payload["task_id"], task_id("k1"));
        assert_eq!(edit.payload["template_card"]["main_title"]["title"], "已报");

        let posted = wecom(&Notice::with_buttons(
            "k3".into(),
            robot,
            "零报告".into(),
            vec![vec![Button::new("无隐患".into(), Action::Ack(7))]],
        ));
        assert_eq!(posted.method, ROBOT);
        assert_eq!(posted.payload["text"]["content"], "零报告\n[无隐患]");
        // A room's note: what to type instead of each button, and the officers on shift
        // who are in WeCom, to mention (the sender turns addresses into UserIDs).
        let noted = wecom(&Notice {
            room: Some(RoomNote {
                on_shift: vec![member, 42],
                answer_by: vec!["无隐患：请在应用中发送 /ack E-7".into()],
            }),
            ..Notice::with_buttons(
                "k3".into(),
                robot,
                "零报告".into(),
                vec![vec![Button::new("无隐患".into(), Action::Ack(7))]],
            )
        });
        assert_eq!(
            noted.payload,
            json!({"msgtype": "text", "mention": [member],
                   "text": {"content": "零报告\n无隐患：请在应用中发送 /ack E-7"}})
        );
        assert_eq!(
            wecom(&Notice::edit(
                "k4".into(),
                robot,
                "k3".into(),
                "x".into(),
                vec![]
            ))
            .method,
            NONE
        );
        // A robot takes no uploaded media: its picture is posted by the sender itself.
        let photo = |chat| Notice::photo("k6".into(), chat, "wecom:M1".into(), "H-1".into());
        assert_eq!(wecom(&photo(robot)).method, ROBOT_IMAGE);
        assert_eq!(wecom(&photo(member)).method, IMAGE);
        let plain = wecom(&Notice::text("k5".into(), member, "hi".into()).urgent());
        assert_eq!(
            plain.payload,
            json!({"msgtype": "text", "text": {"content": "hi"}})
        );
        assert!(plain.urgent);
        // Texts past WeCom's 2,048 bytes are cut at a character, with an ellipsis.
        let long = "预".repeat(1000);
        let cut = wecom(&Notice::text("k10".into(), member, long.clone()));
        let content = cut.payload["text"]["content"].as_str().unwrap_or_default();
        assert!(
            content.len() <= TEXT_BYTES && content.ends_with("预…"),
            "{}",
            content.len()
        );
        assert_eq!(fit("预警", 6), "预警");
        assert_eq!(fit("预警!", 6), "预…");
        // Ids WeCom accepts: at most 128 of A-Za-z0-9_-@.
        let id = task_id("u123.4");
        assert!(id.len() <= 128 && id.chars().all(|c| c.is_ascii_alphanumeric()));
    }
}
