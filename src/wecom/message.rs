//! The XML of WeCom's callbacks: the outer envelope POSTed to `/wecom`, and the message
//! decrypted from its `Encrypt` ("接收消息与事件": 消息格式, 事件格式).
//!
//! Both are flat: `<xml>` with one element per field, values as text or CDATA. The parser
//! reads only that shape, from hostile input: bounded in size and depth, no DTD (a DOCTYPE is
//! refused, so no entity can be declared or expanded), only XML's five predefined entities
//! and character references, and never a panic.

use std::collections::HashMap;

use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::Event;
use quick_xml::Reader;

/// Callback bodies are small (a text message is at most 2,048 bytes of content); anything
/// much larger is not from WeCom.
pub const MAX_XML: usize = 64 * 1024;
const MAX_DEPTH: usize = 8;
const MAX_FIELDS: usize = 64;

#[derive(thiserror::Error, Debug, Clone, PartialEq, Eq)]
pub enum MessageError {
    #[error("the XML is larger than {MAX_XML} bytes")]
    TooLarge,
    #[error("a DOCTYPE is refused")]
    Doctype,
    #[error("malformed XML: {0}")]
    Malformed(&'static str),
    #[error("missing field {0}")]
    Missing(&'static str),
    #[error("bad value in field {0}")]
    BadField(&'static str),
}

/// The outer body of a callback POST.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    pub to_user_name: String,
    pub agent_id: Option<String>,
    pub encrypt: String,
}

impl Envelope {
    /// The body as WeCom sends it (for the simulator).
    pub fn to_xml(&self) -> String {
        let mut s = String::from("<xml>");
        field(&mut s, "ToUserName", &self.to_user_name);
        if let Some(a) = &self.agent_id {
            field(&mut s, "AgentID", a);
        }
        field(&mut s, "Encrypt", &self.encrypt);
        s.push_str("</xml>");
        s
    }
}

pub fn envelope(xml: &str) -> Result<Envelope, MessageError> {
    let f = fields(xml)?;
    let encrypt = f.required("Encrypt")?.trim().to_string();
    if encrypt.is_empty() {
        return Err(MessageError::Missing("Encrypt"));
    }
    Ok(Envelope {
        to_user_name: f.required("ToUserName")?.to_string(),
        agent_id: f.optional("AgentID").map(|a| a.trim().to_string()),
        encrypt,
    })
}

/// A decrypted callback: a member's message, or an event.
#[derive(Debug, Clone, PartialEq)]
pub struct Inbound {
    /// `ToUserName`: the corp id.
    pub to_corp: String,
    /// `FromUserName`: the member's UserID.
    pub from: String,
    /// Seconds since the epoch.
    pub create_time: i64,
    pub agent_id: Option<i64>,
    /// Messages carry one; events do not.
    pub msg_id: Option<String>,
    pub kind: Kind,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    Text {
        content: String,
    },
    Image {
        pic_url: String,
        media_id: String,
    },
    Location {
        lat: f64,
        lon: f64,
        label: Option<String>,
    },
    /// A button of a `button_interaction` template card (`template_card_event`).
    CardPress {
        task_id: String,
        event_key: String,
        /// Single use: lets the app update the card once (`update_template_card`).
        response_code: String,
    },
    /// Anything else (voice, video, link, other events): the caller answers or ignores it.
    Other {
        msg_type: String,
        event: Option<String>,
    },
}

pub fn parse(xml: &str) -> Result<Inbound, MessageError> {
    let f = fields(xml)?;
    let msg_type = f.required("MsgType")?.trim().to_string();
    let kind = match msg_type.as_str() {
        "text" => Kind::Text {
            content: f.required("Content")?.to_string(),
        },
        "image" => Kind::Image {
            pic_url: f.optional("PicUrl").unwrap_or_default().trim().to_string(),
            media_id: non_empty(f.required("MediaId")?, "MediaId")?,
        },
        "location" => {
            let lat = number(f.required("Location_X")?, "Location_X")?;
            let lon = number(f.required("Location_Y")?, "Location_Y")?;
            if !(-90.0..=90.0).contains(&lat) {
                return Err(MessageError::BadField("Location_X"));
            }
            if !(-180.0..=180.0).contains(&lon) {
                return Err(MessageError::BadField("Location_Y"));
            }
            Kind::Location {
                lat,
                lon,
                label: f
                    .optional("Label")
                    .filter(|l| !l.is_empty())
                    .map(str::to_string),
            }
        }
        "event" => {
            let event = f.required("Event")?.trim().to_string();
            if event == "template_card_event" {
                Kind::CardPress {
                    task_id: non_empty(f.required("TaskId")?, "TaskId")?,
                    event_key: non_empty(f.required("EventKey")?, "EventKey")?,
                    response_code: non_empty(f.required("ResponseCode")?, "ResponseCode")?,
                }
            } else {
                Kind::Other {
                    msg_type,
                    event: Some(event),
                }
            }
        }
        _ => Kind::Other {
            msg_type,
            event: None,
        },
    };
    let agent_id = match f.optional("AgentID").map(str::trim) {
        None | Some("") => None,
        Some(a) => Some(a.parse().map_err(|_| MessageError::BadField("AgentID"))?),
    };
    Ok(Inbound {
        to_corp: non_empty(f.required("ToUserName")?, "ToUserName")?,
        from: non_empty(f.required("FromUserName")?, "FromUserName")?,
        create_time: f
            .required("CreateTime")?
            .trim()
            .parse()
            .map_err(|_| MessageError::BadField("CreateTime"))?,
        agent_id,
        msg_id: f
            .optional("MsgId")
            .map(str::trim)
            .filter(|m| !m.is_empty())
            .map(str::to_string),
        kind,
    })
}

impl Inbound {
    /// Identifies a redelivery: WeCom retries an unanswered callback with the same content.
    /// Messages carry `MsgId`; events do not, so they are told apart by sender and time
    /// (as WeCom advises), plus what was pressed.
    pub fn dedup_key(&self) -> String {
        if let Some(id) = &self.msg_id {
            return format!("msg:{id}");
        }
        let what = match &self.kind {
            Kind::CardPress {
                task_id, event_key, ..
            } => format!("press:{task_id}:{event_key}"),
            Kind::Other { msg_type, event } => {
                format!("{msg_type}:{}", event.as_deref().unwrap_or(""))
            }
            Kind::Text { .. } => "text".into(),
            Kind::Image { media_id, .. } => format!("image:{media_id}"),
            Kind::Location { .. } => "location".into(),
        };
        format!("evt:{}:{}:{what}", self.from, self.create_time)
    }

    /// The XML as WeCom would send it (for the simulator).
    pub fn to_xml(&self) -> String {
        let mut s = String::from("<xml>");
        field(&mut s, "ToUserName", &self.to_corp);
        field(&mut s, "FromUserName", &self.from);
        plain(&mut s, "CreateTime", &self.create_time.to_string());
        match &self.kind {
            Kind::Text { content } => {
                field(&mut s, "MsgType", "text");
                field(&mut s, "Content", content);
            }
            Kind::Image { pic_url, media_id } => {
                field(&mut s, "MsgType", "image");
                field(&mut s, "PicUrl", pic_url);
                field(&mut s, "MediaId", media_id);
            }
            Kind::Location { lat, lon, label } => {
                field(&mut s, "MsgType", "location");
                plain(&mut s, "Location_X", &lat.to_string());
                plain(&mut s, "Location_Y", &lon.to_string());
                plain(&mut s, "Scale", "15");
                field(&mut s, "Label", label.as_deref().unwrap_or(""));
            }
            Kind::CardPress {
                task_id,
                event_key,
                response_code,
            } => {
                field(&mut s, "MsgType", "event");
                field(&mut s, "Event", "template_card_event");
                field(&mut s, "EventKey", event_key);
                field(&mut s, "TaskId", task_id);
                field(&mut s, "CardType", "button_interaction");
                field(&mut s, "ResponseCode", response_code);
            }
            Kind::Other { msg_type, event } => {
                field(&mut s, "MsgType", msg_type);
                if let Some(e) = event {
                    field(&mut s, "Event", e);
                }
            }
        }
        if let Some(id) = &self.msg_id {
            plain(&mut s, "MsgId", id);
        }
        if let Some(a) = self.agent_id {
            plain(&mut s, "AgentID", &a.to_string());
        }
        s.push_str("</xml>");
        s
    }
}

/// `<name><![CDATA[value]]></name>`; a `]]>` inside is split across two sections.
fn field(s: &mut String, name: &str, value: &str) {
    s.push('<');
    s.push_str(name);
    s.push_str("><![CDATA[");
    s.push_str(&value.replace("]]>", "]]]]><![CDATA[>"));
    s.push_str("]]></");
    s.push_str(name);
    s.push('>');
}

/// `<name>value</name>` for numbers, which WeCom sends without CDATA.
fn plain(s: &mut String, name: &str, value: &str) {
    s.push_str(&format!(
        "<{name}>{}</{name}>",
        quick_xml::escape::escape(value)
    ));
}

fn non_empty(v: &str, name: &'static str) -> Result<String, MessageError> {
    let v = v.trim();
    if v.is_empty() {
        return Err(MessageError::BadField(name));
    }
    Ok(v.to_string())
}

fn number(v: &str, name: &'static str) -> Result<f64, MessageError> {
    v.trim()
        .parse::<f64>()
        .ok()
        .filter(|x| x.is_finite())
        .ok_or(MessageError::BadField(name))
}

/// The root's child elements and their text. Elements nested deeper (e.g. a card event's
/// `SelectedItems`) are skipped.
struct Fields(HashMap<String, String>);

impl Fields {
    fn required(&self, name: &'static str) -> Result<&str, MessageError> {
        self.0
            .get(name)
            .map(String::as_str)
            .ok_or(MessageError::Missing(name))
    }
    fn optional(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }
}

fn fields(xml: &str) -> Result<Fields, MessageError> {
    if xml.len() > MAX_XML {
        return Err(MessageError::TooLarge);
    }
    let bad = MessageError::Malformed;
    let mut reader = Reader::from_str(xml);
    let mut out: HashMap<String, String> = HashMap::new();
    // Depth 0: before/after the root; 1: inside <xml>; 2: inside a field; deeper: skipped.
    let mut depth = 0usize;
    let mut root_seen = false;
    let mut current: Option<(String, String)> = None;
    loop {
        let event = reader.read_event().map_err(|_| bad("not well-formed"))?;
        match event {
            Event::DocType(_) => return Err(MessageError::Doctype),
            Event::Eof => {
                if depth != 0 || !root_seen {
                    return Err(bad("unexpected end"));
                }
                return Ok(Fields(out));
            }
            Event::Decl(_) | Event::Comment(_) => {}
            Event::PI(_) => return Err(bad("processing instruction")),
            Event::Start(e) => {
                match depth {
                    0 => {
                        if root_seen || e.name().as_ref() != "xml" {
                            return Err(bad("the root must be one <xml>"));
                        }
                        root_seen = true;
                    }
                    1 => current = Some((e.name().as_ref().to_string(), String::new())),
                    _ if depth >= MAX_DEPTH => return Err(bad("nested too deep")),
                    _ => {}
                }
                depth += 1;
            }
            Event::Empty(e) => match depth {
                0 => {
                    if root_seen || e.name().as_ref() != "xml" {
                        return Err(bad("the root must be one <xml>"));
                    }
                    root_seen = true;
                }
                1 => insert(&mut out, e.name().as_ref().to_string(), String::new())?,
                _ => {}
            },
            Event::End(_) => {
                depth = depth.checked_sub(1).ok_or(bad("unbalanced"))?;
                if depth == 1 {
                    if let Some((name, text)) = current.take() {
                        insert(&mut out, name, text)?;
                    }
                }
            }
            Event::Text(t) => {
                if depth == 2 {
                    if let Some((_, text)) = current.as_mut() {
                        text.push_str(&t.xml10_content());
                    }
                } else if depth <= 1 && !t.trim_ascii().is_empty() {
                    return Err(bad("text outside a field"));
                }
            }
            Event::CData(c) => {
                if depth == 2 {
                    if let Some((_, text)) = current.as_mut() {
                        text.push_str(&c.xml10_content());
                    }
                } else if depth <= 1 {
                    return Err(bad("text outside a field"));
                }
            }
            Event::GeneralRef(r) => {
                // Only the five predefined entities and character references exist without
                // a DTD; anything else is an undeclared entity.
                let resolved = match r.resolve_char_ref() {
                    Ok(Some(ch)) => ch.to_string(),
                    Ok(None) => resolve_predefined_entity(&r)
                        .ok_or(bad("undeclared entity"))?
                        .to_string(),
                    Err(_) => return Err(bad("bad character reference")),
                };
                if depth == 2 {
                    if let Some((_, text)) = current.as_mut() {
                        text.push_str(&resolved);
                    }
                } else if depth <= 1 {
                    return Err(bad("text outside a field"));
                }
            }
        }
    }
}

fn insert(
    out: &mut HashMap<String, String>,
    name: String,
    text: String,
) -> Result<(), MessageError> {
    if out.len() >= MAX_FIELDS {
        return Err(MessageError::Malformed("too many fields"));
    }
    // A field given twice could be read two ways: refuse it.
    if out.insert(name, text).is_some() {
        return Err(MessageError::Malformed("a field appears twice"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The plaintext of the sample in WeCom's "加解密方案说明", as decrypted by crypto.rs.
    const SAMPLE: &str = "<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName>\n<FromUserName><![CDATA[mycreate]]></FromUserName>\n<CreateTime>1409659813</CreateTime>\n<MsgType><![CDATA[text]]></MsgType>\n<Content><![CDATA[hello]]></Content>\n<MsgId>4561255354251345929</MsgId>\n<AgentID>218</AgentID>\n</xml>";

    #[test]
    fn parses_the_documented_text_message() {
        let m = parse(SAMPLE).expect("parses");
        assert_eq!(
            m,
            Inbound {
                to_corp: "wx5823bf96d3bd56c7".into(),
                from: "mycreate".into(),
                create_time: 1409659813,
                agent_id: Some(218),
                msg_id: Some("4561255354251345929".into()),
                kind: Kind::Text {
                    content: "hello".into()
                },
            }
        );
        assert_eq!(m.dedup_key(), "msg:4561255354251345929");
    }

    #[test]
    fn parses_the_documented_envelope() {
        let body = "<xml>\n<ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName>\n<Encrypt><![CDATA[RypEvHKD8QQ==]]></Encrypt>\n<AgentID><![CDATA[218]]></AgentID>\n</xml>";
        let e = envelope(body).expect("parses");
        assert_eq!(e.to_user_name, "wx5823bf96d3bd56c7");
        assert_eq!(e.agent_id.as_deref(), Some("218"));
        assert_eq!(e.encrypt, "RypEvHKD8QQ==");
        assert_eq!(envelope(&e.to_xml()), Ok(e));
        assert_eq!(
            envelope("<xml><ToUserName>x</ToUserName></xml>"),
            Err(MessageError::Missing("Encrypt"))
        );
    }

    #[test]
    fn parses_documented_image_location_and_card_event_shapes() {
        let image = "<xml><ToUserName><![CDATA[toUser]]></ToUserName><FromUserName><![CDATA[fromUser]]></FromUserName><CreateTime>1348831860</CreateTime><MsgType><![CDATA[image]]></MsgType><PicUrl><![CDATA[this is a url]]></PicUrl><MediaId><![CDATA[media_id]]></MediaId><MsgId>1234567890123456</MsgId><AgentID>1</AgentID></xml>";
        assert_eq!(
            parse(image).expect("image").kind,
            Kind::Image {
                pic_url: "this is a url".into(),
                media_id: "media_id".into()
            }
        );
        let location = "<xml><ToUserName><![CDATA[toUser]]></ToUserName><FromUserName><![CDATA[fromUser]]></FromUserName><CreateTime>1351776360</CreateTime><MsgType><![CDATA[location]]></MsgType><Location_X>23.134521</Location_X><Location_Y>113.358803</Location_Y><Scale>20</Scale><Label><![CDATA[位置信息]]></Label><MsgId>1234567890123456</MsgId><AgentID>1</AgentID><AppType><![CDATA[wxwork]]></AppType></xml>";
        assert_eq!(
            parse(location).expect("location").kind,
            Kind::Location {
                lat: 23.134521,
                lon: 113.358803,
                label: Some("位置信息".into())
            }
        );
        let press = "<xml><ToUserName><![CDATA[toUser]]></ToUserName><FromUserName><![CDATA[FromUser]]></FromUserName><CreateTime>123456789</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[template_card_event]]></Event><EventKey><![CDATA[key111]]></EventKey><TaskId><![CDATA[taskid111]]></TaskId><CardType><![CDATA[vote_interaction]]></CardType><ResponseCode><![CDATA[ResponseCode]]></ResponseCode><AgentID>1</AgentID><SelectedItems><SelectedItem><QuestionKey><![CDATA[QuestionKey1]]></QuestionKey><OptionIds><OptionId><![CDATA[OptionId1]]></OptionId></OptionIds></SelectedItem></SelectedItems></xml>";
        let m = parse(press).expect("press");
        assert_eq!(
            m.kind,
            Kind::CardPress {
                task_id: "taskid111".into(),
                event_key: "key111".into(),
                response_code: "ResponseCode".into()
            }
        );
        assert_eq!(m.msg_id, None);
        assert_eq!(
            m.dedup_key(),
            "evt:FromUser:123456789:press:taskid111:key111"
        );
        let enter = "<xml><ToUserName><![CDATA[toUser]]></ToUserName><FromUserName><![CDATA[FromUser]]></FromUserName><CreateTime>1408091189</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[enter_agent]]></Event><EventKey><![CDATA[]]></EventKey><AgentID>1</AgentID></xml>";
        assert_eq!(
            parse(enter).expect("enter").kind,
            Kind::Other {
                msg_type: "event".into(),
                event: Some("enter_agent".into())
            }
        );
    }

    fn samples() -> Vec<Inbound> {
        let base = |kind, msg_id: Option<&str>| Inbound {
            to_corp: "ww1".into(),
            from: "zhang.san".into(),
            create_time: 1_700_000_000,
            agent_id: Some(1000002),
            msg_id: msg_id.map(str::to_string),
            kind,
        };
        vec![
            base(
                Kind::Text {
                    content: "a ]]> b <c> & \"d\" 你好\n".into(),
                },
                Some("1"),
            ),
            base(
                Kind::Image {
                    pic_url: "http://x/y?a=1&b=2".into(),
                    media_id: "M1".into(),
                },
                Some("2"),
            ),
            base(
                Kind::Location {
                    lat: 36.65,
                    lon: 117.12,
                    label: Some("济南".into()),
                },
                Some("3"),
            ),
            base(
                Kind::Location {
                    lat: -1.5,
                    lon: 0.0,
                    label: None,
                },
                Some("4"),
            ),
            base(
                Kind::CardPress {
                    task_id: "t-1_@x".into(),
                    event_key: "ack:42".into(),
                    response_code: "RC1".into(),
                },
                None,
            ),
            base(
                Kind::Other {
                    msg_type: "voice".into(),
                    event: None,
                },
                Some("5"),
            ),
        ]
    }

    #[test]
    fn to_xml_round_trips() {
        for m in samples() {
            assert_eq!(parse(&m.to_xml()), Ok(m.clone()), "{}", m.to_xml());
        }
    }

    #[test]
    fn entities_are_the_predefined_five_and_character_references() {
        let xml = "<xml><ToUserName>c</ToUserName><FromUserName>u</FromUserName><CreateTime>1</CreateTime><MsgType>text</MsgType><Content>a &lt;b&gt; &amp; &quot;&apos; &#20320;&#x597D;</Content></xml>";
        assert_eq!(
            parse(xml).expect("parses").kind,
            Kind::Text {
                content: "a <b> & \"' 你好".into()
            }
        );
        let undeclared = xml.replace("&amp;", "&nbsp;");
        assert!(matches!(
            parse(&undeclared),
            Err(MessageError::Malformed(_))
        ));
        let nul = xml.replace("&amp;", "&#0;");
        assert!(matches!(parse(&nul), Err(MessageError::Malformed(_))));
    }

    #[test]
    fn refuses_xxe_and_any_doctype() {
        let xxe = r#"<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><xml><ToUserName>c</ToUserName><FromUserName>u</FromUserName><CreateTime>1</CreateTime><MsgType>text</MsgType><Content>&xxe;</Content></xml>"#;
        assert_eq!(parse(xxe), Err(MessageError::Doctype));
        assert_eq!(envelope(xxe), Err(MessageError::Doctype));
        let laughs = r#"<!DOCTYPE xml [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><xml><Encrypt>&b;</Encrypt><ToUserName>x</ToUserName></xml>"#;
        assert_eq!(envelope(laughs), Err(MessageError::Doctype));
        let plain = "<!DOCTYPE xml><xml><ToUserName>x</ToUserName><Encrypt>y</Encrypt></xml>";
        assert_eq!(envelope(plain), Err(MessageError::Doctype));
        // Without a DOCTYPE an external entity is just undeclared.
        let bare = "<xml><ToUserName>x</ToUserName><Encrypt>&xxe;</Encrypt></xml>";
        assert!(matches!(envelope(bare), Err(MessageError::Malformed(_))));
    }

    #[test]
    fn refuses_what_is_not_one_flat_xml() {
        let ok = "<xml><ToUserName>x</ToUserName><Encrypt>y</Encrypt></xml>";
        assert!(envelope(ok).is_ok());
        for bad in [
            "",
            "   ",
            "<xml>",
            "<xml></xml><xml></xml>",
            "<notxml><ToUserName>x</ToUserName><Encrypt>y</Encrypt></notxml>",
            "<xml><ToUserName>x</ToUserName><Encrypt>y</Encrypt></xml>trailing",
            "<xml><ToUserName>x</ToUserName><Encrypt>y</Encrypt><Encrypt>z</Encrypt></xml>",
            "<xml><ToUserName>x</Encrypt><Encrypt>y</ToUserName></xml>",
            "<xml>loose<ToUserName>x</ToUserName><Encrypt>y</Encrypt></xml>",
            "<?php x?><xml><ToUserName>x</ToUserName><Encrypt>y</Encrypt></xml>",
            "<xml><ToUserName>x</ToUserName><Encrypt> </Encrypt></xml>",
        ] {
            assert!(envelope(bad).is_err(), "{bad:?}");
        }
        let deep = format!(
            "<xml><ToUserName>x</ToUserName><Encrypt>y</Encrypt><A>{}{}</A></xml>",
            "<b>".repeat(100),
            "</b>".repeat(100)
        );
        assert_eq!(
            envelope(&deep),
            Err(MessageError::Malformed("nested too deep"))
        );
        let big = format!(
            "<xml><ToUserName>x</ToUserName><Encrypt>{}</Encrypt></xml>",
            "A".repeat(MAX_XML)
        );
        assert_eq!(envelope(&big), Err(MessageError::TooLarge));
        let many: String = (0..100).map(|i| format!("<F{i}>1</F{i}>")).collect();
        let many = format!("<xml><ToUserName>x</ToUserName><Encrypt>y</Encrypt>{many}</xml>");
        assert_eq!(
            envelope(&many),
            Err(MessageError::Malformed("too many fields"))
        );
    }

    #[test]
    fn refuses_bad_values() {
        let base = samples()[2].to_xml();
        for (from, to, field) in [
            ("<Location_X>36.65", "<Location_X>91", "Location_X"),
            ("<Location_X>36.65", "<Location_X>NaN", "Location_X"),
            ("<Location_Y>117.12", "<Location_Y>-181", "Location_Y"),
            ("<Location_Y>117.12", "<Location_Y>inf", "Location_Y"),
            ("<CreateTime>1700000000", "<CreateTime>soon", "CreateTime"),
            ("<AgentID>1000002", "<AgentID>x", "AgentID"),
        ] {
            let xml = base.replace(from, to);
            assert_ne!(xml, base);
            assert_eq!(parse(&xml), Err(MessageError::BadField(field)), "{to}");
        }
        let press = samples()[4].to_xml();
        let no_code = press.replace("<ResponseCode><![CDATA[RC1]]></ResponseCode>", "");
        assert_eq!(parse(&no_code), Err(MessageError::Missing("ResponseCode")));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn arbitrary_text_never_panics(s in "\\PC{0,300}") {
            let _ = parse(&s);
            let _ = envelope(&s);
        }

        #[test]
        fn xmlish_garbage_never_panics(s in "[<>/!?&;#x\\[\\]CDATAxmlEncrypt =\"'a-z0-9]{0,200}") {
            let _ = parse(&s);
            let _ = envelope(&s);
        }

        #[test]
        fn mutated_messages_never_panic(
            which in 0usize..6,
            cuts in proptest::collection::vec((0usize..400, 0usize..8, "[<>&;/\\]!a]{0,3}"), 1..4),
        ) {
            let mut xml = samples()[which].to_xml();
            for (at, len, insert) in cuts {
                let mut at = at.min(xml.len());
                while !xml.is_char_boundary(at) { at -= 1; }
                let mut end = (at + len).min(xml.len());
                while !xml.is_char_boundary(end) { end -= 1; }
                xml.replace_range(at..end.max(at), &insert);
            }
            let _ = parse(&xml);
            let _ = envelope(&xml);
        }
    }
}
