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
//! An alert is refused when it is not one the bot can act on: `System` and `Draft` statuses,
//! `Ack` and `Error` message types, an `Unknown` severity, an Alert or Update without an area or
//! without any text. A Cancel needs only its references; its info block is kept when it reads
//! as one, and is `None` otherwise.

use chrono::{DateTime, FixedOffset};
use serde::Deserialize;

/// Larger inputs are refused before they are parsed.
const MAX_BYTES: usize = 1024 * 1024;

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
}

/// Reads and checks one CAP 1.2 alert.
pub fn parse(xml: &str) -> Result<Alert, CapError> {
    if xml.len() > MAX_BYTES {
        return Err(CapError::Invalid {
            element: "alert",
            value: "larger than 1 MiB".to_string(),
        });
    }
    let xml = xml.strip_prefix('\u{feff}').unwrap_or(xml);
    let RawRoot::Alert(raw) =
        quick_xml::de::from_str::<RawRoot>(xml).map_err(|e| CapError::Xml(e.to_string()))?;

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
    fn example(name: &str) -> &'static str {
        match name {
            "issue" => include_str!("../../tests/cap/issue.xml"),
            "update" => include_str!("../../tests/cap/update.xml"),
            "cancel" => include_str!("../../tests/cap/cancel.xml"),
            "exercise" => include_str!("../../tests/cap/exercise.xml"),
            "broken-not-xml" => include_str!("../../tests/cap/broken-not-xml.xml"),
            "broken-no-severity" => include_str!("../../tests/cap/broken-no-severity.xml"),
            "broken-unknown-severity" => {
                include_str!("../../tests/cap/broken-unknown-severity.xml")
            }
            "broken-no-area" => include_str!("../../tests/cap/broken-no-area.xml"),
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
        match parse(xml) {
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
            match parse(&xml) {
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
            parse(&xml),
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
        let a = parse(xml).expect("prefixed");
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
            matches!(parse(&xml), Err(CapError::Xml(_))),
            "{:?}",
            parse(&xml)
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
                matches!(parse(junk), Err(CapError::Xml(_))),
                "{junk:?}: {:?}",
                parse(junk)
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
            match parse(&xml) {
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
            parse(&xml),
            Err(CapError::Missing("alert/identifier"))
        ));
    }

    #[test]
    fn alert_and_update_need_info_area_and_text() {
        let refs = format!("<references>{ISSUE_REF}</references>");
        for (msg_type, head) in [("Alert", ""), ("Update", refs.as_str())] {
            let none = alert("Actual", msg_type, head);
            assert!(matches!(parse(&none), Err(CapError::Missing("alert/info"))));

            let no_desc = alert(
                "Actual",
                msg_type,
                &format!("{head}<info><severity>Minor</severity><headline>h</headline><area><geocode><value>x</value></geocode></area></info>"),
            );
            assert!(matches!(
                parse(&no_desc),
                Err(CapError::Missing("alert/info/area/areaDesc"))
            ));

            let no_text = alert(
                "Actual",
                msg_type,
                &format!("{head}<info><severity>Minor</severity><headline> </headline><description/><area><areaDesc>a</areaDesc></area></info>"),
            );
            assert!(matches!(
                parse(&no_text),
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
            parse(&update),
            Err(CapError::Missing("alert/references"))
        ));
        let cancel = alert("Actual", "Cancel", "<references>\n </references>");
        assert!(matches!(
            parse(&cancel),
            Err(CapError::Missing("alert/references"))
        ));

        for bad in ["a,b", "a,b,c,d", "a,,c", ",b,c", "a,b,"] {
            let xml = alert(
                "Actual",
                "Update",
                &format!("<references>{ISSUE_REF} {bad}</references>{body}"),
            );
            match parse(&xml) {
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
        assert_eq!(parse(&xml).map(|a| a.references.len()).ok(), Some(1));
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
        let a = parse(&xml).expect("cancel with unreadable info");
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
            match parse(&xml) {
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
            parse(&xml),
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

    #[test]
    fn doctype_entities_are_not_expanded() {
        let xml = r#"<?xml version="1.0"?>
            <!DOCTYPE alert [<!ENTITY boom "BOOM">]>
            <alert><identifier>&boom;</identifier></alert>"#;
        assert!(
            matches!(parse(xml), Err(CapError::Xml(_))),
            "{:?}",
            parse(xml)
        );
    }

    #[test]
    fn over_one_mib_is_refused_before_parsing() {
        let big = "x".repeat(MAX_BYTES + 1);
        match parse(&big) {
            Err(CapError::Invalid { element, value }) => {
                assert_eq!((element, value.as_str()), ("alert", "larger than 1 MiB"));
            }
            other => panic!("{other:?}"),
        }
        // exactly 1 MiB is still read (here: a valid alert padded with whitespace)
        let xml = alert("Actual", "Alert", &info("zh", "h"));
        let padded = format!("{xml}{}", " ".repeat(MAX_BYTES - xml.len()));
        assert_eq!(padded.len(), MAX_BYTES);
        assert!(parse(&padded).is_ok());
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
