//! TOML text → `Config`. The document is first read into a tree that keeps the byte span
//! of every key and value, then walked key by key in document order, so that every
//! mistake (syntax, unknown key, wrong type, bad value) is reported with its exact line.
//!
//! We read through `toml_edit` rather than serde with `toml::Spanned`: the latter fails
//! outright on values that have no span of their own (tables made by dotted keys such as
//! `zero_report.remind = …`, date-times), and here every such value gets its key's line.

use std::ops::Range;

use toml_edit::{ImDocument, Item, TableLike, Value};

use super::{
    BoardConfig, Config, ConfigError, CronSchedule, FireSeason, HazardConfig, HttpConfig, Lang,
    Percent, RetentionConfig, RosterConfig, SeasonRange, Span, TipConfig, WarningConfig,
    WecomConfig, ZeroReportConfig, WECOM_API,
};

/// A key or value and the bytes of the file it was read from.
struct At<T> {
    span: Range<usize>,
    value: T,
}

type Entries = Vec<(At<String>, At<Node>)>;

/// A TOML value whose children keep their spans. Kinds that no key accepts keep only a name.
enum Node {
    Table(Entries),
    Array(Vec<At<Node>>),
    Str(String),
    Int(i64),
    Bool(bool),
    Other(&'static str),
}

impl Node {
    fn kind(&self) -> &'static str {
        match self {
            Node::Table(_) => "a table",
            Node::Array(_) => "an array",
            Node::Str(_) => "a string",
            Node::Int(_) => "an integer",
            Node::Bool(_) => "a boolean",
            Node::Other(kind) => kind,
        }
    }
}

/// `near` stands in for items without a span of their own (implicit tables).
fn item(item: &Item, near: &Range<usize>) -> At<Node> {
    let span = item.span().unwrap_or_else(|| near.clone());
    let node = match item {
        Item::Value(v) => return value(v, near),
        Item::Table(t) => Node::Table(entries(t, &span)),
        Item::ArrayOfTables(tables) => Node::Array(
            tables
                .iter()
                .map(|t| {
                    let at = t.span().unwrap_or_else(|| span.clone());
                    let node = Node::Table(entries(t, &at));
                    At {
                        span: at,
                        value: node,
                    }
                })
                .collect(),
        ),
        Item::None => Node::Other("nothing"),
    };
    At { span, value: node }
}

fn value(v: &Value, near: &Range<usize>) -> At<Node> {
    let span = v.span().unwrap_or_else(|| near.clone());
    let node = match v {
        Value::String(s) => Node::Str(s.value().clone()),
        Value::Integer(i) => Node::Int(*i.value()),
        Value::Float(_) => Node::Other("a float"),
        Value::Boolean(b) => Node::Bool(*b.value()),
        Value::Datetime(_) => Node::Other("a date-time"),
        Value::Array(items) => Node::Array(items.iter().map(|v| value(v, &span)).collect()),
        Value::InlineTable(t) => Node::Table(entries(t, &span)),
    };
    At { span, value: node }
}

/// Entries in document order, each key with its own span.
fn entries(table: &dyn TableLike, near: &Range<usize>) -> Entries {
    table
        .iter()
        .filter_map(|(name, _)| table.get_key_value(name))
        .map(|(key, it)| {
            let span = key.span().unwrap_or_else(|| near.clone());
            let node = item(it, &span);
            let key = At {
                span,
                value: key.get().to_owned(),
            };
            (key, node)
        })
        .collect()
}

pub(super) fn read(text: &str, file: &str) -> Result<Config, ConfigError> {
    let reader = Reader { text, file };
    let doc = ImDocument::parse(text).map_err(|e| reader.syntax(&e))?;
    reader.config(&entries(doc.as_table(), &(0..0)))
}

struct Reader<'a> {
    text: &'a str,
    file: &'a str,
}

impl Reader<'_> {
    fn line(&self, span: &Range<usize>) -> usize {
        let end = span.start.min(self.text.len());
        1 + self.text.as_bytes()[..end]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
    }

    fn error(&self, span: &Range<usize>, key: &str, message: impl Into<String>) -> ConfigError {
        ConfigError::Invalid {
            file: self.file.to_owned(),
            line: self.line(span),
            key: key.to_owned(),
            message: message.into(),
        }
    }

    fn syntax(&self, e: &toml_edit::TomlError) -> ConfigError {
        ConfigError::Syntax {
            file: self.file.to_owned(),
            line: e.span().map_or(1, |s| self.line(&s)),
            // toml's messages span several lines; one line reads better in logs.
            message: e.message().split_whitespace().collect::<Vec<_>>().join(" "),
        }
    }

    /// Walks `entries` in document order, so the first mistake in the file is the one
    /// reported. Unknown keys stop here: `field` sees only names from `known`, which is
    /// why each caller's `match` ends with its last known key as `_`.
    fn each<'n>(
        &self,
        entries: &'n Entries,
        prefix: &str,
        known: &[&str],
        mut field: impl FnMut(&str, &str, &'n At<Node>) -> Result<(), ConfigError>,
    ) -> Result<(), ConfigError> {
        for (key, value) in entries {
            let path = format!("{prefix}{}", key.value);
            if !known.contains(&key.value.as_str()) {
                let message = format!("unknown key; expected one of: {}", known.join(", "));
                return Err(self.error(&key.span, &path, message));
            }
            field(&key.value, &path, value)?;
        }
        Ok(())
    }

    fn wrong_type(&self, node: &At<Node>, key: &str, expected: &str) -> ConfigError {
        let message = format!("expected {expected}, found {}", node.value.kind());
        self.error(&node.span, key, message)
    }

    fn table<'n>(&self, node: &'n At<Node>, key: &str) -> Result<&'n Entries, ConfigError> {
        match &node.value {
            Node::Table(entries) => Ok(entries),
            _ => Err(self.wrong_type(node, key, "a table")),
        }
    }

    fn array<'n>(&self, node: &'n At<Node>, key: &str) -> Result<&'n [At<Node>], ConfigError> {
        match &node.value {
            Node::Array(items) => Ok(items),
            _ => Err(self.wrong_type(node, key, "an array")),
        }
    }

    fn string<'n>(&self, node: &'n At<Node>, key: &str) -> Result<&'n str, ConfigError> {
        match &node.value {
            Node::Str(s) => Ok(s),
            _ => Err(self.wrong_type(node, key, "a string")),
        }
    }

    /// A string value checked by `parse`, whose message is reported at the value's line.
    fn parsed<T>(
        &self,
        node: &At<Node>,
        key: &str,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Result<T, ConfigError> {
        parse(self.string(node, key)?).map_err(|message| self.error(&node.span, key, message))
    }

    /// Escalation offsets: non-empty and non-decreasing.
    fn offsets(&self, node: &At<Node>, key: &str) -> Result<Vec<Span>, ConfigError> {
        let items = self.array(node, key)?;
        if items.is_empty() {
            return Err(self.error(&node.span, key, "needs at least one offset"));
        }
        let mut offsets: Vec<Span> = Vec::with_capacity(items.len());
        for item in items {
            let offset = self.parsed(item, key, Span::parse)?;
            if let Some(&before) = offsets.last().filter(|&&before| before > offset) {
                let message = format!("offsets must not decrease: {offset} comes after {before}");
                return Err(self.error(&item.span, key, message));
            }
            offsets.push(offset);
        }
        Ok(offsets)
    }

    fn config(&self, entries: &Entries) -> Result<Config, ConfigError> {
        let mut c = Config::default();
        let known = [
            "timezone",
            "locale",
            "fire_season",
            "zero_report",
            "hazard",
            "tip",
            "http",
            "retention",
            "roster",
            "warning",
            "board",
            "wecom",
        ];
        self.each(entries, "", &known, |name, key, v| {
            match name {
                "timezone" => c.timezone = self.parsed(v, key, parse_timezone)?,
                "locale" => c.locale = self.parsed(v, key, |s| s.parse::<Lang>())?,
                "fire_season" => self.fire_season(self.table(v, key)?, &mut c.fire_season)?,
                "zero_report" => self.zero_report(self.table(v, key)?, &mut c.zero_report)?,
                "hazard" => self.hazard(self.table(v, key)?, &mut c.hazard)?,
                "tip" => self.tip(self.table(v, key)?, &mut c.tip)?,
                "http" => self.http(self.table(v, key)?, &mut c.http)?,
                "retention" => self.retention(self.table(v, key)?, &mut c.retention)?,
                "roster" => self.roster(self.table(v, key)?, &mut c.roster)?,
                "warning" => self.warning(self.table(v, key)?, &mut c.warning)?,
                "board" => self.board(self.table(v, key)?, &mut c.board)?,
                _ => c.wecom = Some(self.wecom(v, key)?),
            }
            Ok(())
        })?;
        Ok(c)
    }

    fn fire_season(&self, entries: &Entries, season: &mut FireSeason) -> Result<(), ConfigError> {
        self.each(entries, "fire_season.", &["periods"], |_, key, v| {
            season.periods = self
                .array(v, key)?
                .iter()
                .map(|item| self.parsed(item, key, SeasonRange::parse))
                .collect::<Result<_, _>>()?;
            Ok(())
        })
    }

    fn zero_report(&self, entries: &Entries, z: &mut ZeroReportConfig) -> Result<(), ConfigError> {
        let known = ["remind", "deadline", "nag", "summary", "escalate"];
        self.each(entries, "zero_report.", &known, |name, key, v| {
            match name {
                "remind" => z.remind = self.parsed(v, key, CronSchedule::parse)?,
                "deadline" => z.deadline = self.parsed(v, key, CronSchedule::parse)?,
                "nag" => z.nag = self.parsed(v, key, Percent::parse)?,
                "summary" => z.summary = self.parsed(v, key, CronSchedule::parse)?,
                _ => z.escalate = self.offsets(v, key)?,
            }
            Ok(())
        })
    }

    fn hazard(&self, entries: &Entries, h: &mut HazardConfig) -> Result<(), ConfigError> {
        let known = [
            "categories",
            "escalate",
            "escalate_major",
            "rectify_within",
            "duplicate_radius_m",
        ];
        self.each(entries, "hazard.", &known, |name, key, v| {
            match name {
                "categories" => h.categories = self.categories(v, key)?,
                "escalate" => h.escalate = self.offsets(v, key)?,
                "escalate_major" => h.escalate_major = self.offsets(v, key)?,
                "rectify_within" => h.rectify_within = self.parsed(v, key, positive_span)?,
                _ => h.duplicate_radius_m = self.radius(v, key)?,
            }
            Ok(())
        })
    }

    fn tip(&self, entries: &Entries, t: &mut TipConfig) -> Result<(), ConfigError> {
        let known = ["desk", "escalate", "forget_after"];
        self.each(entries, "tip.", &known, |name, key, v| {
            match name {
                "desk" => t.desk = Some(self.parsed(v, key, unit_id)?),
                "escalate" => t.escalate = self.offsets(v, key)?,
                _ => t.forget_after = self.parsed(v, key, Span::parse)?,
            }
            Ok(())
        })
    }

    fn http(&self, entries: &Entries, h: &mut HttpConfig) -> Result<(), ConfigError> {
        self.each(entries, "http.", &["listen"], |_, key, v| {
            h.listen = Some(self.parsed(v, key, socket_addr)?);
            Ok(())
        })
    }

    fn retention(&self, entries: &Entries, r: &mut RetentionConfig) -> Result<(), ConfigError> {
        self.each(entries, "retention.", &["keep"], |_, key, v| {
            r.keep = self.parsed(v, key, positive_span)?;
            Ok(())
        })
    }

    fn roster(&self, entries: &Entries, r: &mut RosterConfig) -> Result<(), ConfigError> {
        self.each(entries, "roster.", &["shift_start"], |_, key, v| {
            r.shift_start = self.parsed(v, key, time_of_day)?;
            Ok(())
        })
    }

    fn warning(&self, entries: &Entries, w: &mut WarningConfig) -> Result<(), ConfigError> {
        let known = ["confirm_within", "escalate", "expires", "paid_broadcast"];
        self.each(entries, "warning.", &known, |name, key, v| {
            match name {
                "confirm_within" => w.confirm_within = self.parsed(v, key, positive_span)?,
                "escalate" => w.escalate = self.offsets(v, key)?,
                "expires" => w.expires = self.parsed(v, key, positive_span)?,
                _ => match &v.value {
                    Node::Bool(b) => w.paid_broadcast = *b,
                    _ => return Err(self.wrong_type(v, key, "a boolean")),
                },
            }
            Ok(())
        })
    }

    fn board(&self, entries: &Entries, b: &mut BoardConfig) -> Result<(), ConfigError> {
        self.each(
            entries,
            "board.",
            &["public_url", "tiles"],
            |name, key, v| {
                match name {
                    "public_url" => b.public_url = Some(self.parsed(v, key, public_url)?),
                    _ => b.tiles = self.parsed(v, key, tiles)?,
                }
                Ok(())
            },
        )
    }

    fn wecom(&self, node: &At<Node>, key: &str) -> Result<WecomConfig, ConfigError> {
        let (mut corp_id, mut agent_id) = (None, None);
        let mut api_url = WECOM_API.to_string();
        self.each(
            self.table(node, key)?,
            "wecom.",
            &["corp_id", "agent_id", "api_url"],
            |name, key, v| {
                match name {
                    "corp_id" => corp_id = Some(self.parsed(v, key, corp)?),
                    "agent_id" => match &v.value {
                        Node::Int(n) if *n > 0 => agent_id = Some(*n),
                        _ => return Err(self.wrong_type(v, key, "the app's AgentId (a number)")),
                    },
                    _ => api_url = self.parsed(v, key, public_url)?.to_string(),
                }
                Ok(())
            },
        )?;
        let missing = |k: &str| self.error(&node.span, &format!("wecom.{k}"), "missing");
        Ok(WecomConfig {
            corp_id: corp_id.ok_or_else(|| missing("corp_id"))?,
            agent_id: agent_id.ok_or_else(|| missing("agent_id"))?,
            api_url: api_url.trim_end_matches('/').to_string(),
        })
    }

    fn categories(&self, node: &At<Node>, key: &str) -> Result<Vec<String>, ConfigError> {
        let items = self.array(node, key)?;
        if items.is_empty() {
            return Err(self.error(&node.span, key, "needs at least one category"));
        }
        let mut names: Vec<String> = Vec::with_capacity(items.len());
        for item in items {
            let name = self.parsed(item, key, category)?;
            if names.contains(&name) {
                let message = format!("duplicate category \"{name}\"");
                return Err(self.error(&item.span, key, message));
            }
            names.push(name);
        }
        Ok(names)
    }

    fn radius(&self, node: &At<Node>, key: &str) -> Result<u32, ConfigError> {
        let Node::Int(n) = &node.value else {
            return Err(self.wrong_type(node, key, "a whole number of metres"));
        };
        u32::try_from(*n).map_err(|_| {
            let message = format!("{n} is out of range: expected 0 to {} metres", u32::MAX);
            self.error(&node.span, key, message)
        })
    }
}

fn parse_timezone(s: &str) -> Result<chrono_tz::Tz, String> {
    s.parse().map_err(|_| {
        format!("unknown time zone \"{s}\": expected an IANA name such as \"Asia/Shanghai\"")
    })
}

fn socket_addr(s: &str) -> Result<std::net::SocketAddr, String> {
    s.parse()
        .map_err(|_| format!("invalid address \"{s}\": expected IP:PORT, e.g. \"127.0.0.1:8088\""))
}

/// A corp id: what WeCom shows as 企业ID (letters and digits).
fn corp(s: &str) -> Result<String, String> {
    match !s.is_empty() && s.len() <= 64 && s.bytes().all(|b| b.is_ascii_alphanumeric()) {
        true => Ok(s.to_string()),
        false => Err(format!(
            "invalid corp id \"{s}\": expected the corp ID from WeCom's admin console, e.g. \"ww0123456789abcdef\""
        )),
    }
}

fn public_url(s: &str) -> Result<url::Url, String> {
    match url::Url::parse(s) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => Ok(u),
        _ => Err(format!(
            "invalid URL \"{s}\": expected http:// or https:// and a host, e.g. \"https://duty.example.org\""
        )),
    }
}

/// Empty: no base map. Else an http(s) XYZ template with `{z}`, `{x}` and `{y}`.
fn tiles(s: &str) -> Result<Option<String>, String> {
    if s.is_empty() {
        return Ok(None);
    }
    let placeholders = ["{z}", "{x}", "{y}"].iter().all(|p| s.contains(p));
    let web = s.starts_with("https://") || s.starts_with("http://");
    if placeholders && web && url::Url::parse(s).is_ok() {
        Ok(Some(s.to_string()))
    } else {
        Err(format!(
            "invalid tile template \"{s}\": expected an http(s) URL with {{z}}, {{x}} and {{y}}, or \"\" for none"
        ))
    }
}

fn time_of_day(s: &str) -> Result<chrono::NaiveTime, String> {
    chrono::NaiveTime::parse_from_str(s, "%H:%M")
        .map_err(|_| format!("invalid time \"{s}\": expected HH:MM, e.g. \"08:30\""))
}

fn positive_span(s: &str) -> Result<Span, String> {
    match Span::parse(s)? {
        Span::ZERO => Err(format!("\"{s}\" must be longer than zero")),
        span => Ok(span),
    }
}

fn category(s: &str) -> Result<String, String> {
    let ok = !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if ok {
        Ok(s.to_owned())
    } else {
        Err(format!(
            "invalid category \"{s}\": use lowercase letters, digits and _ only"
        ))
    }
}

/// Unit ids are defined by the org file; here we only refuse an empty or blank one.
fn unit_id(s: &str) -> Result<String, String> {
    if s.trim().is_empty() || s.trim() != s {
        Err(format!(
            "invalid unit id \"{s}\": must be non-empty, without surrounding spaces"
        ))
    } else {
        Ok(s.to_owned())
    }
}
