//! Reading CAP 1.2 (OASIS Common Alerting Protocol) alerts: the XML that weather services and
//! emergency agencies publish is turned into a small, checked [`Alert`] that Lookout can pass on
//! to its duty rooms. Only what Lookout uses is kept; every other CAP element is ignored.
//!
//! The XML is read by quick-xml's serde deserializer into private raw structs, which are then
//! checked and converted. Element names are matched by their local name, so both
//! `<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">` and a prefixed
//! `<cap:alert xmlns:cap="…">` are read; the namespace itself is not checked. A document type
//! declaration is skipped and its entities are never expanded.
//!
//! The file is read in the encoding it is written in: its byte order mark, else the `encoding`
//! of its XML declaration (UTF-8, GBK, GB2312, GB18030, ISO-8859-1, windows-1252 and every
//! other label of the WHATWG Encoding Standard, as `encoding_rs` knows them), else UTF-8. Bytes
//! that are not valid in that encoding refuse the file rather than being guessed at.
//!
//! An alert is refused when it is not one the bot can act on: `System` and `Draft` statuses,
//! `Ack` and `Error` message types, an `Unknown` severity, an Alert or Update without an area or
//! without any text. A Cancel needs only its references; its info block is kept when it reads
//! as one, and is `None` otherwise.

use chrono::{DateTime, FixedOffset};
use encoding_rs::Encoding;
use quick_xml::events::Event;
use serde::Deserialize;

/// Larger inputs are refused before they are parsed.
pub const MAX_BYTES: usize = 1024 * 1024;

/// A checked CAP alert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alert {
    pub sender: String,
    pub identifier: String,
    /// As written in the alert.
    pub sent: String,
    pub status: Status,
    pub msg_type: MsgType,
    /// The messages an Update or Cancel refers to, in the order written.
    pub references: Vec<Reference>,
    /// The first info block whose language starts with `zh`, else the first one.
    /// `None` only for a Cancel.
    pub info: Option<Info>,
}

/// One `sender,identifier,sent` triple of `<references>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    pub sender: String,
    pub identifier: String,
    pub sent: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Actual,
    Exercise,
    Test,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MsgType {
    Alert,
    Update,
    Cancel,
}

/// Ordered from the mildest to the gravest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Minor,
    Moderate,
    Severe,
    Extreme,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Info {
    pub severity: Severity,
    /// Empty when the alert names no event.
    pub event: String,
    pub headline: Option<String>,
    pub description: Option<String>,
    pub instruction: Option<String>,
    pub sender_name: Option<String>,
    pub expires: Option<DateTime<FixedOffset>>,
    pub areas: Vec<Area>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Area {
    /// `<areaDesc>`.
    pub desc: String,
    /// The `<value>` of each `<geocode>`.
    pub geocodes: Vec<String>,
}

impl Info {
    /// Headline, description and instruction, those present and not blank, trimmed and joined
    /// by `"\n"`.
    pub fn text(&self) -> String {
        [&self.headline, &self.description, &self.instruction]
            .into_iter()
            .flatten()
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join("\n")
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CapError {
    /// Not XML, or not an `<alert>`.
    #[error("not a CAP 1.2 alert: {0}")]
    Xml(String),
    /// An element path like `alert/info/severity`.
    #[error("missing <{0}>")]
    Missing(&'static str),
    #[error("<{element}>: {value:?} is not allowed here")]
    Invalid {
        element: &'static str,
        value: String,
    },
    #[error("<{element}> {value:?} is not supported")]
    Unsupported {
        element: &'static str,
        value: String,
    },
    #[error("the XML declaration names encoding {0:?}, which is not one this reader knows")]
    UnknownEncoding(String),
    /// The name is the encoding's canonical one (`GBK` for a file that says `GB2312`).
    #[error("the file is not valid {0} (the encoding its byte order mark or XML declaration names, else UTF-8)")]
    Encoding(&'static str),
}

/// Reads and checks one CAP 1.2 alert from a file's bytes, in the encoding they are written in.
pub fn parse(bytes: &[u8]) -> Result<Alert, CapError> {
    if bytes.len() > MAX_BYTES {
        return Err(CapError::Invalid {
            element: "alert",
            value: "larger than 1 MiB".to_string(),
        });
    }
    // A byte order mark, when there is one, wins over the declaration (encoding_rs's
    // `decode` sniffs it and removes it).
    let (xml, used, malformed) = declared_encoding(bytes)?.decode(bytes);
    if malformed {
        return Err(CapError::Encoding(used.name()));
    }
    let RawRoot::Alert(raw) =
        quick_xml::de::from_str::<RawRoot>(&xml).map_err(|e| CapError::Xml(e.to_string()))?;

    let identifier = required(raw.identifier, "alert/identifier")?;
    let sender = required(raw.sender, "alert/sender")?;
    let sent = required(raw.sent, "alert/sent")?;
    let status = match required(raw.status, "alert/status")?.as_str() {
        "Actual" => Status::Actual,
        "Exercise" => Status::Exercise,
        "Test" => Status::Test,
        other => return Err(refused("alert/status", other, &["System", "Draft"])),
    };
    let msg_type = match required(raw.msg_type, "alert/msgType")?.as_str() {
        "Alert" => MsgType::Alert,
        "Update" => MsgType::Update,
        "Cancel" => MsgType::Cancel,
        other => return Err(refused("alert/msgType", other, &["Ack", "Error"])),
    };

    let references = match text(raw.references) {
        Some(refs) => parse_references(&refs)?,
        None => Vec::new(),
    };
    if msg_type != MsgType::Alert && references.is_empty() {
        return Err(CapError::Missing("alert/references"));
    }

    let chosen = raw
        .info
        .iter()
        .position(|i| {
            i.language
                .as_deref()
                .map(str::trim)
                .and_then(|l| l.get(..2))
                .is_some_and(|p| p.eq_ignore_ascii_case("zh"))
        })
        .unwrap_or(0);
    let raw_info = raw.info.into_iter().nth(chosen);
    let info = match (msg_type, raw_info) {
        (MsgType::Cancel, raw_info) => raw_info.and_then(|i| convert_info(i).ok()),
        (_, None) => return Err(CapError::Missing("alert/info")),
        (_, Some(raw_info)) => {
            let info = convert_info(raw_info)?;
            if info.areas.is_empty() {
                return Err(CapError::Missing("alert/info/area"));
            }
            if info.text().is_empty() {
                return Err(CapError::Missing("alert/info/headline"));
            }
            Some(info)
        }
    };

    Ok(Alert {
        sender,
        identifier,
        sent,
        status,
        msg_type,
        references,
        info,
    })
}

/// The encoding the XML declaration names; UTF-8 (XML's default) when there is none. The
/// declaration is ASCII in every encoding it can name, so quick-xml reads it from the raw bytes.
fn declared_encoding(bytes: &[u8]) -> Result<&'static Encoding, CapError> {
    let mut reader = quick_xml::Reader::from_reader(bytes);
    let decl = match reader.read_event() {
        Ok(Event::Decl(decl)) => decl,
        _ => return Ok(encoding_rs::UTF_8),
    };
    let label = match decl.encoding() {
        None => return Ok(encoding_rs::UTF_8),
        Some(Ok(label)) => label.into_owned(),
        Some(Err(e)) => return Err(CapError::Xml(e.to_string())),
    };
    match Encoding::for_label(label.trim().as_bytes()) {
        // A declaration readable as ASCII cannot be UTF-16 without a byte order mark: the
        // label is wrong and the file is UTF-8 (as the WHATWG rules for HTML also decide).
        Some(e) if e == encoding_rs::UTF_16LE || e == encoding_rs::UTF_16BE => {
            Ok(encoding_rs::UTF_8)
        }
        Some(e) => Ok(e),
        None => Err(CapError::UnknownEncoding(label)),
    }
}

/// Checks one info block; whether areas and text are required is left to the caller.
fn convert_info(raw: RawInfo) -> Result<Info, CapError> {
    let severity = match required(raw.severity, "alert/info/severity")?.as_str() {
        "Minor" => Severity::Minor,
        "Moderate" => Severity::Moderate,
        "Severe" => Severity::Severe,
        "Extreme" => Severity::Extreme,
        other => return Err(invalid("alert/info/severity", other)),
    };
    let expires = match text(raw.expires) {
        Some(e) => {
            Some(DateTime::parse_from_rfc3339(&e).map_err(|_| invalid("alert/info/expires", &e))?)
        }
        None => None,
    };
    let areas = raw
        .area
        .into_iter()
        .map(|a| {
            Ok(Area {
                desc: required(a.area_desc, "alert/info/area/areaDesc")?,
                geocodes: a
                    .geocode
                    .into_iter()
                    .filter_map(|g| text(g.value))
                    .collect(),
            })
        })
        .collect::<Result<Vec<_>, CapError>>()?;
    Ok(Info {
        severity,
        event: text(raw.event).unwrap_or_default(),
        headline: text(raw.headline),
        description: text(raw.description),
        instruction: text(raw.instruction),
        sender_name: text(raw.sender_name),
        expires,
        areas,
    })
}

/// Whitespace-separated `sender,identifier,sent` triples.
fn parse_references(refs: &str) -> Result<Vec<Reference>, CapError> {
    refs.split_whitespace()
        .map(|triple| match triple.split(',').collect::<Vec<_>>()[..] {
            [sender, identifier, sent]
                if !sender.is_empty() && !identifier.is_empty() && !sent.is_empty() =>
            {
                Ok(Reference {
                    sender: sender.to_string(),
                    identifier: identifier.to_string(),
                    sent: sent.to_string(),
                })
            }
            _ => Err(invalid("alert/references", triple)),
        })
        .collect()
}

/// The trimmed text, `None` when absent or blank.
fn text(value: Option<String>) -> Option<String> {
    value
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

fn required(value: Option<String>, element: &'static str) -> Result<String, CapError> {
    text(value).ok_or(CapError::Missing(element))
}

fn invalid(element: &'static str, value: &str) -> CapError {
    CapError::Invalid {
        element,
        value: value.to_string(),
    }
}

/// `Unsupported` for a valid CAP value Lookout does not handle, `Invalid` for anything else.
fn refused(element: &'static str, value: &str, unsupported: &[&str]) -> CapError {
    if unsupported.contains(&value) {
        CapError::Unsupported {
            element,
            value: value.to_string(),
        }
    } else {
        invalid(element, value)
    }
}

// The raw shapes quick-xml reads. Every field is optional so that a missing element is
// reported by the checks above rather than as a generic deserializer error; unknown elements
// (and attributes such as xmlns) are ignored.

/// The root element's name picks the variant, so anything but `<alert>` is refused.
#[derive(Deserialize)]
enum RawRoot {
    #[serde(rename = "alert")]
    Alert(RawAlert),
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RawAlert {
    identifier: Option<String>,
    sender: Option<String>,
    sent: Option<String>,
    status: Option<String>,
    #[serde(rename = "msgType")]
    msg_type: Option<String>,
    references: Option<String>,
    info: Vec<RawInfo>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RawInfo {
    language: Option<String>,
    event: Option<String>,
    severity: Option<String>,
    headline: Option<String>,
    description: Option<String>,
    instruction: Option<String>,
    #[serde(rename = "senderName")]
    sender_name: Option<String>,
    expires: Option<String>,
    area: Vec<RawArea>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RawArea {
    #[serde(rename = "areaDesc")]
    area_desc: Option<String>,
    geocode: Vec<RawValue>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RawValue {
    value: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    // paths: tests/cap/
    fn example(name: &str) -> &'static [u8] {
        match name {
            "issue" => include_bytes!("../../tests/cap/issue.xml"),
            "update" => include_bytes!("../../tests/cap/update.xml"),
            "cancel" => include_bytes!("../../tests/cap/cancel.xml"),
            "exercise" => include_bytes!("../../tests/cap/exercise.xml"),
            "broken-not-xml" => include_bytes!("../../tests/cap/broken-not-xml.xml"),
            "broken-no-severity" => include_bytes!("../../tests/cap/broken-no-severity.xml"),
            "broken-unknown-severity" => {
                include_bytes!("../../tests/cap/broken-unknown-severity.xml")
            }
            "broken-no-area" => include_bytes!("../../tests/cap/broken-no-area.xml"),
            "feed-ec-heat-fr-latin1" => {
                include_bytes!("../../tests/cap/feed-ec-heat-fr-latin1.xml")
            }
            "feed-cn-rainstorm-gb2312" => {
                include_bytes!("../../tests/cap/feed-cn-rainstorm-gb2312.xml")
            }
            "feed-cn-thunder-update-gb18030" => {
                include_bytes!("../../tests/cap/feed-cn-thunder-update-gb18030.xml")
            }
            "feed-cn-wind-cancel-gbk" => {
                include_bytes!("../../tests/cap/feed-cn-wind-cancel-gbk.xml")
            }
            "feed-nws-winter-storm" => include_bytes!("../../tests/cap/feed-nws-winter-storm.xml"),
            "feed-usgs-earthquake" => include_bytes!("../../tests/cap/feed-usgs-earthquake.xml"),
            "feed-nsw-rfs-update" => include_bytes!("../../tests/cap/feed-nsw-rfs-update.xml"),
            "hostile-xxe" => include_bytes!("../../tests/cap/hostile-xxe.xml"),
            other => panic!("no example {other}"),
        }
    }

    const ISSUE_REF: &str = "weather@zhoucun.example,ZC-2026-0007,2026-12-01T10:00:00+08:00";

    /// A minimal alert around the given `<info>` (or other) body.
    fn alert(status: &str, msg_type: &str, extra: &str) -> String {
        format!(
            r#"<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
                 <identifier>T-1</identifier><sender>t@example</sender>
                 <sent>2026-12-01T10:00:00+08:00</sent>
                 <status>{status}</status><msgType>{msg_type}</msgType>{extra}</alert>"#
        )
    }

    fn info(lang: &str, headline: &str) -> String {
        format!(
            "<info><language>{lang}</language><event>e</event><severity>Minor</severity>\
             <headline>{headline}</headline><area><areaDesc>a</areaDesc></area></info>"
        )
    }

    fn info_of(xml: &str) -> Info {
        match parse(xml.as_bytes()) {
            Ok(Alert {
                info: Some(info), ..
            }) => info,
            other => panic!("expected an alert with info, got {other:?}"),
        }
    }

    #[test]
    fn issue_parses() {
        let a = parse(example("issue")).expect("issue.xml");
        assert_eq!(a.identifier, "ZC-2026-0007");
        assert_eq!(a.sender, "weather@zhoucun.example");
        assert_eq!(a.sent, "2026-12-01T10:00:00+08:00");
        assert_eq!(a.status, Status::Actual);
        assert_eq!(a.msg_type, MsgType::Alert);
        assert!(a.references.is_empty());
        let info = a.info.expect("info");
        assert_eq!(info.severity, Severity::Extreme);
        assert_eq!(info.event, "森林火险");
        assert_eq!(info.sender_name.as_deref(), Some("周村区应急管理局"));
        assert_eq!(info.headline.as_deref(), Some("周村区发布森林火险红色预警"));
        let expires = info.expires.expect("expires");
        assert_eq!(expires.offset().local_minus_utc(), 8 * 3600);
        assert_eq!(expires.to_rfc3339(), "2026-12-01T18:00:00+08:00");
        assert_eq!(
            info.areas,
            vec![
                Area {
                    desc: "王村镇".into(),
                    geocodes: vec!["wangcun".into()]
                },
                Area {
                    desc: "李家村".into(),
                    geocodes: vec![]
                },
            ]
        );
        let text = info.text();
        assert!(
            text.starts_with("周村区发布森林火险红色预警\n受持续干旱"),
            "{text}"
        );
        assert!(
            text.ends_with("\n严禁一切野外用火；进山人员立即撤离；各值班室保持二十四小时值守。")
        );
        assert_eq!(text.lines().count(), 4);
    }

    #[test]
    fn update_parses_references() {
        let a = parse(example("update")).expect("update.xml");
        assert_eq!(a.msg_type, MsgType::Update);
        assert_eq!(
            a.references,
            vec![Reference {
                sender: "weather@zhoucun.example".into(),
                identifier: "ZC-2026-0007".into(),
                sent: "2026-12-01T10:00:00+08:00".into(),
            }]
        );
        assert_eq!(a.info.expect("info").severity, Severity::Severe);
    }

    #[test]
    fn cancel_parses_without_info() {
        let a = parse(example("cancel")).expect("cancel.xml");
        assert_eq!(a.msg_type, MsgType::Cancel);
        assert_eq!(a.info, None);
        let ids: Vec<_> = a.references.iter().map(|r| r.identifier.as_str()).collect();
        assert_eq!(ids, ["ZC-2026-0007", "ZC-2026-0008"]);
        assert!(a
            .references
            .iter()
            .all(|r| r.sender == "weather@zhoucun.example"));
        assert_eq!(a.references[1].sent, "2026-12-01T14:00:00+08:00");
    }

    #[test]
    fn exercise_parses() {
        let a = parse(example("exercise")).expect("exercise.xml");
        assert_eq!(a.status, Status::Exercise);
        let info = a.info.expect("info");
        assert_eq!(info.severity, Severity::Moderate);
        assert_eq!(info.expires, None);
        assert_eq!(info.description, None);
        assert_eq!(
            info.areas,
            vec![Area {
                desc: "王村镇".into(),
                geocodes: vec![]
            }]
        );
        assert_eq!(
            info.text(),
            "【演练】周村区暴雨蓝色预警\n演练：各值班室按预案上报零报告。"
        );
    }

    #[test]
    fn broken_examples_are_refused() {
        assert!(matches!(
            parse(example("broken-not-xml")),
            Err(CapError::Xml(_))
        ));
        assert!(matches!(
            parse(example("broken-no-severity")),
            Err(CapError::Missing("alert/info/severity"))
        ));
        match parse(example("broken-unknown-severity")) {
            Err(CapError::Invalid { element, value }) => {
                assert_eq!(
                    (element, value.as_str()),
                    ("alert/info/severity", "Unknown")
                );
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            parse(example("broken-no-area")),
            Err(CapError::Missing("alert/info/area"))
        ));
    }

    #[test]
    fn unsupported_status_and_msg_type() {
        for (status, msg_type, element, value) in [
            ("Actual", "Ack", "alert/msgType", "Ack"),
            ("Actual", "Error", "alert/msgType", "Error"),
            ("System", "Alert", "alert/status", "System"),
            ("Draft", "Alert", "alert/status", "Draft"),
        ] {
            let xml = alert(status, msg_type, &info("zh", "h"));
            match parse(xml.as_bytes()) {
                Err(CapError::Unsupported {
                    element: e,
                    value: v,
                }) => {
                    assert_eq!((e, v.as_str()), (element, value));
                }
                other => panic!("{status}/{msg_type}: {other:?}"),
            }
        }
        let xml = alert("Actual", "Warning", &info("zh", "h"));
        assert!(matches!(
            parse(xml.as_bytes()),
            Err(CapError::Invalid {
                element: "alert/msgType",
                ..
            })
        ));
    }

    #[test]
    fn zh_info_is_preferred() {
        let xml = alert(
            "Actual",
            "Alert",
            &format!(
                "{}{}",
                info("en-US", "Fire warning"),
                info("zh-CN", "火险预警")
            ),
        );
        assert_eq!(info_of(&xml).headline.as_deref(), Some("火险预警"));
        let xml = alert(
            "Actual",
            "Alert",
            &format!("{}{}", info("en-US", "first"), info("fr", "second")),
        );
        assert_eq!(info_of(&xml).headline.as_deref(), Some("first"));
        let xml = alert(
            "Actual",
            "Alert",
            &format!("{}{}", info("en", "english"), info(" ZH-hans ", "中文")),
        );
        assert_eq!(info_of(&xml).headline.as_deref(), Some("中文"));
    }

    #[test]
    fn prefixed_namespace_is_read() {
        let xml = r#"<?xml version="1.0"?>
            <cap:alert xmlns:cap="urn:oasis:names:tc:emergency:cap:1.2">
              <cap:identifier>P-1</cap:identifier><cap:sender>p@example</cap:sender>
              <cap:sent>2026-12-01T10:00:00+08:00</cap:sent>
              <cap:status>Test</cap:status><cap:msgType>Alert</cap:msgType>
              <cap:info><cap:severity>Severe</cap:severity><cap:headline>测试</cap:headline>
                <cap:area><cap:areaDesc>王村镇</cap:areaDesc>
                  <cap:geocode><cap:valueName>unit</cap:valueName><cap:value>wangcun</cap:value></cap:geocode>
                </cap:area></cap:info>
            </cap:alert>"#;
        let a = parse(xml.as_bytes()).expect("prefixed");
        assert_eq!(a.identifier, "P-1");
        assert_eq!(a.status, Status::Test);
        let info = a.info.expect("info");
        assert_eq!(info.severity, Severity::Severe);
        assert_eq!(info.areas[0].geocodes, ["wangcun"]);
    }

    #[test]
    fn no_namespace_and_bom_are_read() {
        let xml = format!("\u{feff}{}", alert("Actual", "Alert", &info("zh", "h")))
            .replace(r#" xmlns="urn:oasis:names:tc:emergency:cap:1.2""#, "");
        assert!(!xml.contains("xmlns"));
        assert_eq!(info_of(&xml).text(), "h");
    }

    #[test]
    fn wrong_root_or_not_xml() {
        let xml = alert("Actual", "Alert", &info("zh", "h")).replace("alert", "warning");
        assert!(
            matches!(parse(xml.as_bytes()), Err(CapError::Xml(_))),
            "{:?}",
            parse(xml.as_bytes())
        );
        for junk in [
            "",
            "   ",
            "hello",
            "{\"alert\":1}",
            "<alert>",
            "<alert></info></alert>",
        ] {
            assert!(
                matches!(parse(junk.as_bytes()), Err(CapError::Xml(_))),
                "{junk:?}: {:?}",
                parse(junk.as_bytes())
            );
        }
    }

    #[test]
    fn required_header_fields() {
        let full = alert("Actual", "Alert", &info("zh", "h"));
        for (element, cut) in [
            ("alert/identifier", "<identifier>T-1</identifier>"),
            ("alert/sender", "<sender>t@example</sender>"),
            ("alert/sent", "<sent>2026-12-01T10:00:00+08:00</sent>"),
            ("alert/status", "<status>Actual</status>"),
            ("alert/msgType", "<msgType>Alert</msgType>"),
        ] {
            assert!(full.contains(cut));
            let xml = full.replace(cut, "");
            match parse(xml.as_bytes()) {
                Err(CapError::Missing(e)) => assert_eq!(e, element),
                other => panic!("{element}: {other:?}"),
            }
        }
        // blank counts as missing
        let xml = full.replace(
            "<identifier>T-1</identifier>",
            "<identifier>  </identifier>",
        );
        assert!(matches!(
            parse(xml.as_bytes()),
            Err(CapError::Missing("alert/identifier"))
        ));
    }

    #[test]
    fn alert_and_update_need_info_area_and_text() {
        let refs = format!("<references>{ISSUE_REF}</references>");
        for (msg_type, head) in [("Alert", ""), ("Update", refs.as_str())] {
            let none = alert("Actual", msg_type, head);
            assert!(matches!(
                parse(none.as_bytes()),
                Err(CapError::Missing("alert/info"))
            ));

            let no_desc = alert(
                "Actual",
                msg_type,
                &format!("{head}<info><severity>Minor</severity><headline>h</headline><area><geocode><value>x</value></geocode></area></info>"),
            );
            assert!(matches!(
                parse(no_desc.as_bytes()),
                Err(CapError::Missing("alert/info/area/areaDesc"))
            ));

            let no_text = alert(
                "Actual",
                msg_type,
                &format!("{head}<info><severity>Minor</severity><headline> </headline><description/><area><areaDesc>a</areaDesc></area></info>"),
            );
            assert!(matches!(
                parse(no_text.as_bytes()),
                Err(CapError::Missing("alert/info/headline"))
            ));
        }
    }

    #[test]
    fn text_joins_present_parts() {
        let xml = alert(
            "Actual",
            "Alert",
            "<info><severity>Minor</severity><description>\n  only description \n</description>\
             <instruction>do this</instruction><area><areaDesc> a </areaDesc></area></info>",
        );
        let info = info_of(&xml);
        assert_eq!(info.headline, None);
        assert_eq!(info.event, "");
        assert_eq!(info.areas[0].desc, "a");
        assert_eq!(info.text(), "only description\ndo this");
    }

    #[test]
    fn references_rules() {
        let body = info("zh", "h");
        let update = alert("Actual", "Update", &body);
        assert!(matches!(
            parse(update.as_bytes()),
            Err(CapError::Missing("alert/references"))
        ));
        let cancel = alert("Actual", "Cancel", "<references>\n </references>");
        assert!(matches!(
            parse(cancel.as_bytes()),
            Err(CapError::Missing("alert/references"))
        ));

        for bad in ["a,b", "a,b,c,d", "a,,c", ",b,c", "a,b,"] {
            let xml = alert(
                "Actual",
                "Update",
                &format!("<references>{ISSUE_REF} {bad}</references>{body}"),
            );
            match parse(xml.as_bytes()) {
                Err(CapError::Invalid { element, value }) => {
                    assert_eq!((element, value.as_str()), ("alert/references", bad));
                }
                other => panic!("{bad}: {other:?}"),
            }
        }

        // An Alert may carry references too.
        let xml = alert(
            "Actual",
            "Alert",
            &format!("<references>{ISSUE_REF}</references>{body}"),
        );
        assert_eq!(
            parse(xml.as_bytes()).map(|a| a.references.len()).ok(),
            Some(1)
        );
    }

    #[test]
    fn cancel_info_is_kept_when_it_reads() {
        let refs = format!("<references>{ISSUE_REF}</references>");
        let xml = alert(
            "Actual",
            "Cancel",
            &format!("{refs}<info><severity>Minor</severity><headline>解除</headline></info>"),
        );
        let info = info_of(&xml);
        assert_eq!(info.text(), "解除");
        assert!(info.areas.is_empty());

        let xml = alert(
            "Actual",
            "Cancel",
            &format!("{refs}<info><severity>Unknown</severity><headline>解除</headline></info>"),
        );
        let a = parse(xml.as_bytes()).expect("cancel with unreadable info");
        assert_eq!(a.info, None);
    }

    #[test]
    fn expires_must_be_a_cap_datetime() {
        for bad in ["tomorrow", "2026-12-01 18:00", "2026-12-01T18:00:00"] {
            let xml = alert(
                "Actual",
                "Alert",
                &format!("<info><severity>Minor</severity><expires>{bad}</expires><headline>h</headline><area><areaDesc>a</areaDesc></area></info>"),
            );
            match parse(xml.as_bytes()) {
                Err(CapError::Invalid { element, value }) => {
                    assert_eq!((element, value.as_str()), ("alert/info/expires", bad));
                }
                other => panic!("{bad}: {other:?}"),
            }
        }
        let xml = alert(
            "Actual",
            "Alert",
            "<info><severity>Minor</severity><expires> 2026-12-01T18:00:00-05:00 </expires><headline>h</headline><area><areaDesc>a</areaDesc></area></info>",
        );
        let expires = info_of(&xml).expires.expect("expires");
        assert_eq!(expires.offset().local_minus_utc(), -5 * 3600);
    }

    #[test]
    fn severity_values() {
        for (value, severity) in [
            ("Minor", Severity::Minor),
            ("Moderate", Severity::Moderate),
            ("Severe", Severity::Severe),
            ("Extreme", Severity::Extreme),
        ] {
            let xml = alert(
                "Actual",
                "Alert",
                &info("zh", "h").replace("<severity>Minor", &format!("<severity> {value}")),
            );
            assert_eq!(info_of(&xml).severity, severity);
        }
        let xml = alert(
            "Actual",
            "Alert",
            &info("zh", "h").replace("Minor", "Catastrophic"),
        );
        assert!(matches!(
            parse(xml.as_bytes()),
            Err(CapError::Invalid {
                element: "alert/info/severity",
                ..
            })
        ));
        assert!(Severity::Extreme > Severity::Minor);
    }

    #[test]
    fn unknown_elements_entities_and_cdata() {
        let xml = alert(
            "Actual",
            "Alert",
            "<code>X</code><addresses>a b</addresses><restriction>r</restriction>\
             <info><severity>Minor</severity><category>Met</category>\
             <headline>A &amp; B</headline><description><![CDATA[<b>bold</b> & more]]></description>\
             <resource><resourceDesc>map</resourceDesc><uri>https://x.example/m.png</uri></resource>\
             <area><areaDesc>a</areaDesc><circle>36.7,117.8 5</circle>\
             <geocode><valueName>unit</valueName><value>w1</value></geocode>\
             <geocode><valueName>unit</valueName><value>w2</value></geocode>\
             <geocode><valueName>unit</valueName><value> </value></geocode>\
             <altitude>0</altitude></area></info>",
        );
        let info = info_of(&xml);
        assert_eq!(info.headline.as_deref(), Some("A & B"));
        assert_eq!(info.description.as_deref(), Some("<b>bold</b> & more"));
        assert_eq!(info.areas[0].geocodes, ["w1", "w2"]);
    }

    fn descs(info: &Info) -> Vec<&str> {
        info.areas.iter().map(|a| a.desc.as_str()).collect()
    }

    #[test]
    fn latin1_feed_is_decoded() {
        let bytes = example("feed-ec-heat-fr-latin1");
        assert!(
            std::str::from_utf8(bytes).is_err(),
            "the fixture is Latin-1"
        );
        let a = parse(bytes).expect("Environment Canada, ISO-8859-1");
        let info = a.info.expect("info");
        // Declared ISO-8859-1; the en dash is windows-1252's 0x96, as real feeds write it.
        assert_eq!(
            info.headline.as_deref(),
            Some("Avertissement de chaleur – Montréal")
        );
        assert_eq!(info.sender_name.as_deref(), Some("Environnement Canada"));
        assert_eq!(descs(&info), ["Montréal", "Laval", "Longueuil - Varennes"]);
        assert_eq!(info.areas[0].geocodes, ["061000", "2466023"]);
        assert!(info.text().contains("Île de Montréal"), "{}", info.text());
        assert!(info.text().contains("31 à 33 °C"), "{}", info.text());
    }

    #[test]
    fn chinese_feeds_are_decoded() {
        let bytes = example("feed-cn-rainstorm-gb2312");
        assert!(std::str::from_utf8(bytes).is_err(), "the fixture is GBK");
        let a = parse(bytes).expect("GB2312 (read as GBK)");
        let info = a.info.expect("info");
        assert_eq!(info.severity, Severity::Severe);
        assert_eq!(descs(&info), ["王村镇", "南郊镇", "萌水镇"]);
        assert_eq!(
            info.headline.as_deref(),
            Some("周村区气象台发布暴雨橙色预警信号")
        );
        assert_eq!(info.sender_name.as_deref(), Some("淄博市周村区气象台"));

        let a = parse(example("feed-cn-thunder-update-gb18030")).expect("GB18030");
        assert_eq!(a.msg_type, MsgType::Update);
        assert_eq!(a.references[0].identifier, "37030641600000_20260718060000");
        assert_eq!(descs(&a.info.expect("info")), ["李家村", "北郊镇"]);

        let a = parse(example("feed-cn-wind-cancel-gbk")).expect("GBK");
        assert_eq!(a.msg_type, MsgType::Cancel);
        assert_eq!(
            a.info.and_then(|i| i.headline).as_deref(),
            Some("周村区气象台解除大风蓝色预警信号")
        );
    }

    #[test]
    fn utf8_feeds_parse() {
        let info = parse(example("feed-nws-winter-storm"))
            .expect("NWS")
            .info
            .expect("info");
        assert_eq!(info.severity, Severity::Severe);
        assert_eq!(descs(&info), ["Cook; DuPage; Lake"]);
        assert_eq!(info.areas[0].geocodes.len(), 6);
        let info = parse(example("feed-usgs-earthquake"))
            .expect("USGS")
            .info
            .expect("info");
        assert_eq!(info.expires, None);
        assert_eq!(
            descs(&info),
            ["12 km NE of Ridgecrest, CA", "Kern County, California"]
        );
        let a = parse(example("feed-nsw-rfs-update")).expect("NSW RFS");
        assert_eq!(a.msg_type, MsgType::Update);
        assert_eq!(a.references[0].sender, "https://www.rfs.nsw.gov.au");
    }

    #[test]
    fn encodings_bom_and_declaration() {
        let body = alert("Actual", "Alert", &info("fr", "Montréal"));
        let with_decl = |label: &str| format!("<?xml version=\"1.0\" encoding=\"{label}\"?>{body}");
        let headline = |bytes: &[u8]| info_of_bytes(bytes).headline;

        // Latin-1 bytes under every label that names them.
        for label in [
            "ISO-8859-1",
            "iso-8859-1",
            "latin1",
            "windows-1252",
            " cp1252 ",
        ] {
            let bytes = encoded(encoding_rs::WINDOWS_1252, &with_decl(label));
            assert_eq!(headline(&bytes).as_deref(), Some("Montréal"), "{label}");
        }
        // The same bytes declared (or defaulting to) UTF-8 are refused, naming the encoding.
        for decl in [
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>",
            "<?xml version=\"1.0\"?>",
            "",
        ] {
            let bytes = encoded(encoding_rs::WINDOWS_1252, &format!("{decl}{body}"));
            match parse(&bytes) {
                Err(e @ CapError::Encoding("UTF-8")) => {
                    assert!(e.to_string().contains("not valid UTF-8"), "{e}")
                }
                other => panic!("{decl:?}: {other:?}"),
            }
        }
        // GBK text under the Chinese labels.
        let zh = alert("Actual", "Alert", &info("zh", "暴雨橙色预警"));
        for label in ["GBK", "gb2312", "GB18030", "x-gbk"] {
            let bytes = encoded(
                encoding_rs::GB18030,
                &format!("<?xml version=\"1.0\" encoding=\"{label}\"?>{zh}"),
            );
            assert_eq!(headline(&bytes).as_deref(), Some("暴雨橙色预警"), "{label}");
        }
        // An unknown label is refused by name rather than guessed.
        match parse(with_decl("klingon-8").as_bytes()) {
            Err(CapError::UnknownEncoding(label)) => assert_eq!(label, "klingon-8"),
            other => panic!("{other:?}"),
        }
        // A byte order mark wins over the declaration; UTF-16 is read only with one.
        let utf8_bom = [b"\xef\xbb\xbf".as_slice(), with_decl("GBK").as_bytes()].concat();
        assert_eq!(headline(&utf8_bom).as_deref(), Some("Montréal"));
        let utf16: Vec<u8> = [0xfeff_u16]
            .into_iter()
            .chain(with_decl("UTF-16").encode_utf16())
            .flat_map(u16::to_le_bytes)
            .collect();
        assert_eq!(headline(&utf16).as_deref(), Some("Montréal"));
        // A declaration saying UTF-16 over ASCII-readable bytes is wrong: they are UTF-8.
        assert_eq!(
            headline(with_decl("UTF-16").as_bytes()).as_deref(),
            Some("Montréal")
        );
    }

    fn encoded(encoding: &'static Encoding, text: &str) -> Vec<u8> {
        encoding.encode(text).0.into_owned()
    }

    fn info_of_bytes(bytes: &[u8]) -> Info {
        match parse(bytes) {
            Ok(Alert {
                info: Some(info), ..
            }) => info,
            other => panic!("expected an alert with info, got {other:?}"),
        }
    }

    #[test]
    fn xxe_file_is_refused_with_nothing_expanded() {
        match parse(example("hostile-xxe")) {
            Err(CapError::Xml(e)) => {
                assert!(!e.contains("root:") && !e.contains("lollol"), "{e}")
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn doctype_entities_are_not_expanded() {
        let xml = r#"<?xml version="1.0"?>
            <!DOCTYPE alert [<!ENTITY boom "BOOM">]>
            <alert><identifier>&boom;</identifier></alert>"#;
        assert!(
            matches!(parse(xml.as_bytes()), Err(CapError::Xml(_))),
            "{:?}",
            parse(xml.as_bytes())
        );
    }

    #[test]
    fn over_one_mib_is_refused_before_parsing() {
        let big = "x".repeat(MAX_BYTES + 1);
        match parse(big.as_bytes()) {
            Err(CapError::Invalid { element, value }) => {
                assert_eq!((element, value.as_str()), ("alert", "larger than 1 MiB"));
            }
            other => panic!("{other:?}"),
        }
        // exactly 1 MiB is still read (here: a valid alert padded with whitespace)
        let xml = alert("Actual", "Alert", &info("zh", "h"));
        let padded = format!("{xml}{}", " ".repeat(MAX_BYTES - xml.len()));
        assert_eq!(padded.len(), MAX_BYTES);
        assert!(parse(padded.as_bytes()).is_ok());
    }

    #[test]
    fn error_messages() {
        assert_eq!(
            CapError::Missing("alert/info/severity").to_string(),
            "missing <alert/info/severity>"
        );
        assert_eq!(
            invalid("alert/info/severity", "Unknown").to_string(),
            "<alert/info/severity>: \"Unknown\" is not allowed here"
        );
    }
}
