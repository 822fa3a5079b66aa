//! The configuration file (PRODUCT.md, "Config file"): every key optional, built-in
//! defaults otherwise. A file with any mistake is refused as a whole, naming the file,
//! the line and the key, so a typo never silently falls back to a default.

mod read;
mod schedule;
mod season;
mod span;

use std::path::Path;
use std::str::FromStr;

pub use schedule::CronSchedule;
pub use season::{FireSeason, MonthDay, SeasonRange};
pub use span::Span;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    pub timezone: chrono_tz::Tz,
    pub locale: Lang,
    pub fire_season: FireSeason,
    pub zero_report: ZeroReportConfig,
    pub hazard: HazardConfig,
    pub tip: TipConfig,
    pub http: HttpConfig,
    pub retention: RetentionConfig,
    pub roster: RosterConfig,
    pub warning: WarningConfig,
    pub board: BoardConfig,
    /// WeCom as a second channel; `None` (no `[wecom]`): Telegram only.
    pub wecom: Option<WecomConfig>,
}

/// The WeCom app Lookout runs as (`[wecom]`); its secrets come from the environment only.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WecomConfig {
    /// 企业ID.
    pub corp_id: String,
    /// The self-built app's AgentId.
    pub agent_id: i64,
    pub api_url: String,
}

/// Where WeCom's API is unless `[wecom] api_url` says otherwise.
pub const WECOM_API: &str = "https://qyapi.weixin.qq.com";

/// Zero-report rounds: one opens at each `remind` firing and closes at the next `deadline`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ZeroReportConfig {
    pub remind: CronSchedule,
    pub deadline: CronSchedule,
    /// One more reminder to silent units at this share of the remind → deadline window.
    pub nag: Percent,
    pub summary: CronSchedule,
    /// Offsets after the deadline; step k notifies level k. Non-empty, non-decreasing.
    pub escalate: Vec<Span>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HazardConfig {
    /// Non-empty, unique, each `[a-z0-9_]+`.
    pub categories: Vec<String>,
    /// Offsets after creation while nobody has acknowledged. Non-empty, non-decreasing.
    pub escalate: Vec<Span>,
    pub escalate_major: Vec<Span>,
    /// Default rectification deadline; never zero.
    pub rectify_within: Span,
    pub duplicate_radius_m: u32,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TipConfig {
    /// Unit whose supervisors handle tips; `None` means the root unit.
    pub desk: Option<String>,
    pub escalate: Vec<Span>,
    /// A closed tip's encrypted identity is erased after this.
    pub forget_after: Span,
}

/// The HTTP listener for health, metrics (and in webhook mode, updates).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HttpConfig {
    /// Unset: no listener in polling mode (`--http ADDR` sets one too).
    pub listen: Option<std::net::SocketAddr>,
}

/// How long handled updates, sent messages and finished timers are kept.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetentionConfig {
    /// Never zero: a sent message is kept at least until its send is recorded.
    pub keep: Span,
}

/// Duty rosters (值班表): when each day's shift begins.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RosterConfig {
    /// Local time; a shift lasts a day from here, so the night belongs to the day before.
    pub shift_start: chrono::NaiveTime,
}

impl RosterConfig {
    /// Each day at the shift's start (the handover, and tomorrow's gaps).
    pub fn shift_change(&self) -> CronSchedule {
        use chrono::Timelike;
        let t = self.shift_start;
        let (h, m, sec) = (t.hour(), t.minute(), t.second());
        // Always valid (a time of day); the default is only a formality.
        CronSchedule::parse(&format!("{sec} {m} {h} * * *"))
            .unwrap_or_else(|_| CronSchedule::builtin("0 30 8 * * *"))
    }

    /// The roster day whose shift is on at `at`, in `tz`.
    pub fn shift_day(&self, tz: chrono_tz::Tz, at: i64) -> chrono::NaiveDate {
        let local = crate::clock::from_ms(at).with_timezone(&tz).naive_local();
        (local - (self.shift_start - chrono::NaiveTime::MIN)).date()
    }
}

/// The board (应急指挥“一张图”).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BoardConfig {
    /// Base of board links and of the Mini App; `None`: `http://` + the HTTP listener.
    pub public_url: Option<url::Url>,
    /// An XYZ tile URL template for the map's base layer; `None`: a plain ground.
    pub tiles: Option<String>,
}

/// Warnings (预警) and their call and respond (叫应).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WarningConfig {
    /// A recipient silent this long gets the warning again; twice this, their unit escalates.
    pub confirm_within: Span,
    /// Offsets after 2 × `confirm_within`; step k notifies level k. Non-empty, non-decreasing.
    pub escalate: Vec<Span>,
    /// Expiry of a warning issued without one.
    pub expires: Span,
    /// Red warnings go out through Telegram's paid broadcast (up to 1,000 messages/s).
    pub paid_broadcast: bool,
}

/// The shipped languages.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Lang {
    #[default]
    ZhCn,
    En,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::ZhCn, Lang::En];

    pub fn code(&self) -> &'static str {
        match self {
            Lang::ZhCn => "zh-CN",
            Lang::En => "en",
        }
    }

    /// A person's language when first seen, from Telegram's `language_code`:
    /// `zh*` → zh-CN, anything else → en; no code at all → zh-CN (the district's language).
    pub fn from_telegram(code: Option<&str>) -> Lang {
        match code {
            None => Lang::ZhCn,
            Some(c) if c.get(..2).is_some_and(|p| p.eq_ignore_ascii_case("zh")) => Lang::ZhCn,
            Some(_) => Lang::En,
        }
    }
}

impl FromStr for Lang {
    type Err = String;

    /// Exactly a shipped code: `zh-CN` or `en`.
    fn from_str(s: &str) -> Result<Lang, String> {
        Lang::ALL
            .into_iter()
            .find(|l| l.code() == s)
            .ok_or_else(|| format!("unknown locale \"{s}\": expected \"zh-CN\" or \"en\""))
    }
}

/// A share strictly between 0% and 100%, written `80%`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Percent(u8);

impl Percent {
    pub fn parse(s: &str) -> Result<Percent, String> {
        let bad = || {
            format!("invalid percentage \"{s}\": expected a whole number from 1% to 99%, e.g. 80%")
        };
        let digits = s.strip_suffix('%').ok_or_else(bad)?;
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        match digits.parse::<u8>() {
            Ok(p @ 1..=99) => Ok(Percent(p)),
            _ => Err(bad()),
        }
    }

    pub fn get(&self) -> u8 {
        self.0
    }

    /// This share of `window`, e.g. 80% of 2h is 96m.
    pub fn of(&self, window: chrono::Duration) -> chrono::Duration {
        window * i32::from(self.0) / 100
    }
}

impl std::fmt::Display for Percent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}%", self.0)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{file}: cannot read the config file: {source}")]
    Read {
        file: String,
        #[source]
        source: std::io::Error,
    },
    /// The file is not valid TOML.
    #[error("{file}:{line}: invalid TOML: {message}")]
    Syntax {
        file: String,
        line: usize,
        message: String,
    },
    /// Valid TOML, but a key is unknown or its value is not acceptable.
    #[error("{file}:{line}: {key}: {message}")]
    Invalid {
        file: String,
        line: usize,
        /// Dotted path, e.g. `zero_report.remind`.
        key: String,
        message: String,
    },
}

impl Config {
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let file = path.display().to_string();
        match std::fs::read_to_string(path) {
            Ok(text) => Config::parse(&text, &file),
            Err(source) => Err(ConfigError::Read { file, source }),
        }
    }

    /// `file_name` is only used in error messages.
    pub fn parse(text: &str, file_name: &str) -> Result<Config, ConfigError> {
        read::read(text, file_name)
    }
}

impl Default for Config {
    /// The values of PRODUCT.md's example file (except `tip.desk`: the root unit).
    fn default() -> Self {
        let categories = [
            "forest_fire",
            "hazardous_chemicals",
            "mine",
            "gas_pipeline",
            "construction",
            "road_traffic",
            "geological",
            "flood",
            "other",
        ];
        Config {
            timezone: chrono_tz::Asia::Shanghai,
            locale: Lang::ZhCn,
            fire_season: FireSeason::default(),
            zero_report: ZeroReportConfig {
                remind: CronSchedule::builtin("0 0 8 * * *"),
                deadline: CronSchedule::builtin("0 0 10 * * *"),
                nag: Percent(80),
                summary: CronSchedule::builtin("0 30 10 * * *"),
                escalate: vec![Span::ZERO, Span::hours(1), Span::hours(3)],
            },
            hazard: HazardConfig {
                categories: categories.map(String::from).to_vec(),
                escalate: vec![Span::minutes(30), Span::hours(2), Span::hours(6)],
                escalate_major: vec![Span::minutes(5), Span::minutes(15), Span::minutes(30)],
                rectify_within: Span::days(7),
                duplicate_radius_m: 200,
            },
            tip: TipConfig {
                desk: None,
                escalate: vec![Span::hours(1), Span::hours(4)],
                forget_after: Span::days(90),
            },
            http: HttpConfig::default(),
            retention: RetentionConfig {
                keep: Span::days(90),
            },
            roster: RosterConfig {
                shift_start: chrono::NaiveTime::from_hms_opt(8, 30, 0).unwrap_or_default(),
            },
            board: BoardConfig::default(),
            wecom: None,
            warning: WarningConfig {
                confirm_within: Span::minutes(10),
                escalate: vec![Span::ZERO, Span::minutes(10), Span::minutes(30)],
                expires: Span::hours(24),
                paid_broadcast: false,
            },
        }
    }
}

#[cfg(test)]
mod tests;
