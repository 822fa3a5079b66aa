//! Whole-file behaviour: defaults, PRODUCT.md's example, and where mistakes are reported.

use super::*;

/// PRODUCT.md's example file, verbatim.
const EXAMPLE: &str = r#"timezone = "Asia/Shanghai"
locale = "zh-CN"                     # default language; "en" is the other shipped one

[fire_season]
periods = ["11-01..05-31"]           # annual MM-DD ranges, may wrap the year end

[zero_report]
remind   = "0 0 8 * * *"             # reminder to every unit that has not yet answered today
deadline = "0 0 10 * * *"            # after this an answer counts as late
nag      = "80%"                     # one more reminder to silent units, at this share of the window
summary  = "0 30 10 * * *"           # daily summary to supervisors
escalate = ["0s", "1h", "3h"]        # offsets after the deadline: step k notifies level k

[hazard]
categories   = ["forest_fire", "hazardous_chemicals", "mine", "gas_pipeline", "construction", "road_traffic", "geological", "flood", "other"]
escalate     = ["30m", "2h", "6h"]   # offsets after creation while nobody has acknowledged
escalate_major = ["5m", "15m", "30m"]
rectify_within = "7d"                # default rectification deadline (整改期限)
duplicate_radius_m = 200             # an open report of the same category this close is offered as a duplicate

[tip]
desk = "zhoucun"                     # unit whose supervisors handle tips (default: the root unit)
escalate = ["1h", "4h"]
forget_after = "90d"                 # a closed tip's encrypted identity is erased after this

[warning]
confirm_within = "10m"
escalate = ["0s", "10m", "30m"]      # offsets after 2 × confirm_within; level k as everywhere
expires = "24h"                      # default expiry
paid_broadcast = false
"#;

fn parse(text: &str) -> Result<Config, ConfigError> {
    Config::parse(text, "lookout.toml")
}

/// Parses `text`, expects a refusal and checks that it names file, line and key.
fn refused(text: &str, line: usize, key: &str) -> String {
    let message = parse(text).unwrap_err().to_string();
    let prefix = format!("lookout.toml:{line}: {key}: ");
    assert!(
        message.starts_with(&prefix),
        "expected {prefix:?}…, got {message:?}"
    );
    message
}

#[test]
fn defaults_match_product_md() {
    let c = Config::default();
    assert_eq!(c.timezone, chrono_tz::Asia::Shanghai);
    assert_eq!(c.locale, Lang::ZhCn);
    assert_eq!(c.fire_season.periods.len(), 1);
    assert_eq!(c.fire_season.periods[0].to_string(), "11-01..05-31");
    let z = &c.zero_report;
    assert_eq!(z.remind.source(), "0 0 8 * * *");
    assert_eq!(z.deadline.source(), "0 0 10 * * *");
    assert_eq!(z.nag.to_string(), "80%");
    assert_eq!(z.summary.source(), "0 30 10 * * *");
    let shown = |spans: &[Span]| spans.iter().map(Span::to_string).collect::<Vec<_>>();
    assert_eq!(shown(&z.escalate), ["0s", "1h", "3h"]);
    let h = &c.hazard;
    assert_eq!(h.categories.len(), 9);
    assert_eq!(h.categories[0], "forest_fire");
    assert_eq!(h.categories[8], "other");
    assert_eq!(shown(&h.escalate), ["30m", "2h", "6h"]);
    assert_eq!(shown(&h.escalate_major), ["5m", "15m", "30m"]);
    assert_eq!(h.rectify_within.to_string(), "7d");
    assert_eq!(h.duplicate_radius_m, 200);
    assert_eq!(c.tip.desk, None, "default desk is the root unit");
    assert_eq!(shown(&c.tip.escalate), ["1h", "4h"]);
    assert_eq!(c.tip.forget_after.to_string(), "90d");
}

#[test]
fn example_file_parses_to_the_defaults() {
    let mut expected = Config::default();
    // The example names the sample district's root as desk; the default leaves it to the root.
    expected.tip.desk = Some("zhoucun".into());
    assert_eq!(parse(EXAMPLE).unwrap(), expected);
}

#[test]
fn empty_file_and_partial_tables_use_defaults() {
    assert_eq!(parse("").unwrap(), Config::default());
    assert_eq!(parse("# nothing\n[hazard]\n").unwrap(), Config::default());
    let c = parse("locale = \"en\"\n[zero_report]\nnag = \"50%\"\n").unwrap();
    assert_eq!(c.locale, Lang::En);
    assert_eq!(c.zero_report.nag.get(), 50);
    assert_eq!(c.zero_report.remind, Config::default().zero_report.remind);
}

#[test]
fn one_minute_rounds_for_tests() {
    let text = "timezone = \"UTC\"\n[zero_report]\nremind = \"0 * * * * *\"\ndeadline = \"30 * * * * *\"\nescalate = [\"0s\", \"10s\"]\n";
    let c = parse(text).unwrap();
    assert_eq!(c.timezone, chrono_tz::UTC);
    assert_eq!(c.zero_report.escalate, [Span::ZERO, Span::seconds(10)]);
}

#[test]
fn load_reads_the_file_and_names_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("lookout.toml");
    std::fs::write(&path, "[tip]\nforget_after = \"30d\"\n").unwrap();
    assert_eq!(
        Config::load(&path).unwrap().tip.forget_after,
        Span::days(30)
    );

    std::fs::write(&path, "[tip]\nforget_after = \"30\"\n").unwrap();
    let message = Config::load(&path).unwrap_err().to_string();
    assert!(message.starts_with(&format!("{}:2: tip.forget_after: ", path.display())));

    let missing = dir.path().join("absent.toml");
    let message = Config::load(&missing).unwrap_err().to_string();
    assert!(message.contains("absent.toml"), "{message}");
}

#[test]
fn syntax_error_names_the_line() {
    let message = parse("locale = \"en\"\n\n[zero_report\nremind = \"0 0 8 * * *\"\n")
        .unwrap_err()
        .to_string();
    assert!(
        message.starts_with("lookout.toml:3: invalid TOML: "),
        "{message}"
    );
    assert!(!message.contains('\n'), "{message}");

    let message = parse("[tip]\ndesk = \"a\"\ndesk = \"b\"\n")
        .unwrap_err()
        .to_string();
    assert!(
        message.starts_with("lookout.toml:3: invalid TOML: "),
        "{message}"
    );
}

#[test]
fn bad_cron_names_line_and_key() {
    let text = "\n\n\n\n\n[zero_report]\nremind = \"0 8 * * *\"\n";
    let message = refused(text, 7, "zero_report.remind");
    assert_eq!(
        message,
        "lookout.toml:7: zero_report.remind: invalid cron expression \"0 8 * * *\": expected six fields (seconds first), got 5"
    );
    refused(
        "[zero_report]\n\nsummary = \"0 0 8 * * * 2030\"\n",
        3,
        "zero_report.summary",
    );
    refused(
        "[zero_report]\ndeadline = \"0 0 25 * * *\"\n",
        2,
        "zero_report.deadline",
    );
}

#[test]
fn bad_duration() {
    refused("[tip]\nforget_after = \"1.5d\"\n", 2, "tip.forget_after");
    refused(
        "[hazard]\nrectify_within = \"-7d\"\n",
        2,
        "hazard.rectify_within",
    );
    refused(
        "[hazard]\nrectify_within = \"0s\"\n",
        2,
        "hazard.rectify_within",
    );
    // An element on its own line is reported on that line.
    let text = "[hazard]\nescalate = [\n  \"30m\",\n  \"2 h\",\n]\n";
    let message = refused(text, 4, "hazard.escalate");
    assert!(message.contains("invalid duration \"2 h\""), "{message}");
}

#[test]
fn decreasing_or_empty_offsets() {
    let text = "[zero_report]\nescalate = [\n  \"1h\",\n  \"30m\",\n]\n";
    let message = refused(text, 4, "zero_report.escalate");
    assert!(
        message.contains("must not decrease: 30m comes after 1h"),
        "{message}"
    );
    refused("[tip]\nescalate = []\n", 2, "tip.escalate");
    // Equal offsets are allowed (non-decreasing).
    assert!(parse("[tip]\nescalate = [\"1h\", \"60m\"]\n").is_ok());
}

#[test]
fn bad_timezone() {
    let message = refused("timezone = \"Asia/Shangai\"\n", 1, "timezone");
    assert!(
        message.contains("unknown time zone \"Asia/Shangai\""),
        "{message}"
    );
}

#[test]
fn bad_locale() {
    let message = refused("\nlocale = \"fr\"\n", 2, "locale");
    assert!(
        message.contains("expected \"zh-CN\" or \"en\""),
        "{message}"
    );
}

#[test]
fn bad_season_range() {
    let text = "[fire_season]\nperiods = [\"11-01..05-31\", \"02-30..03-10\"]\n";
    let message = refused(text, 2, "fire_season.periods");
    assert!(
        message.contains("\"02-30\" is not a day of the year"),
        "{message}"
    );
    refused(
        "[fire_season]\nperiods = \"11-01..05-31\"\n",
        2,
        "fire_season.periods",
    );
}

#[test]
fn bad_categories() {
    let text = "[hazard]\ncategories = [\n  \"mine\",\n  \"flood\",\n  \"mine\",\n]\n";
    let message = refused(text, 5, "hazard.categories");
    assert!(message.contains("duplicate category \"mine\""), "{message}");
    refused(
        "[hazard]\ncategories = [\"Forest Fire\"]\n",
        2,
        "hazard.categories",
    );
    refused("[hazard]\ncategories = []\n", 2, "hazard.categories");
}

#[test]
fn bad_nag() {
    for nag in ["\"100%\"", "\"0%\"", "\"80\"", "\"80.5%\"", "\"-5%\"", "80"] {
        refused(
            &format!("[zero_report]\nnag = {nag}\n"),
            2,
            "zero_report.nag",
        );
    }
    assert_eq!(Percent::parse("1%").unwrap().get(), 1);
    assert_eq!(Percent::parse("99%").unwrap().get(), 99);
    let window = chrono::Duration::hours(2);
    assert_eq!(
        Percent::parse("80%").unwrap().of(window),
        chrono::Duration::minutes(96)
    );
}

#[test]
fn bad_radius() {
    refused(
        "[hazard]\nduplicate_radius_m = -1\n",
        2,
        "hazard.duplicate_radius_m",
    );
    refused(
        "[hazard]\nduplicate_radius_m = \"200\"\n",
        2,
        "hazard.duplicate_radius_m",
    );
    refused(
        "[hazard]\nduplicate_radius_m = 2.5\n",
        2,
        "hazard.duplicate_radius_m",
    );
    assert_eq!(
        parse("[hazard]\nduplicate_radius_m = 0\n")
            .unwrap()
            .hazard
            .duplicate_radius_m,
        0
    );
}

#[test]
fn unknown_keys_are_refused() {
    let message = refused(
        "[zero_report]\nremind = \"0 0 8 * * *\"\nremnd = \"x\"\n",
        3,
        "zero_report.remnd",
    );
    assert!(
        message.contains("unknown key; expected one of: remind,"),
        "{message}"
    );
    refused("timezone = \"UTC\"\nlanguage = \"en\"\n", 2, "language");
    refused("[fire_seasons]\nperiods = []\n", 1, "fire_seasons");
    refused("[tip]\n[tip.extra]\nx = 1\n", 2, "tip.extra");
    refused("hazard.categorys = [\"mine\"]\n", 1, "hazard.categorys");
}

#[test]
fn wrong_types() {
    let message = refused("\ntimezone = 8\n", 2, "timezone");
    assert!(
        message.contains("expected a string, found an integer"),
        "{message}"
    );
    refused("zero_report = \"daily\"\n", 1, "zero_report");
    refused("[tip]\ndesk = true\n", 2, "tip.desk");
    refused("[tip]\ndesk = \"\"\n", 2, "tip.desk");
    refused("[tip]\nforget_after = 1979-05-27\n", 2, "tip.forget_after");
    refused("[hazard]\nescalate = [\"1h\", 2]\n", 2, "hazard.escalate");
}

#[test]
fn warning_keys() {
    let c = parse("[warning]\nconfirm_within = \"2m\"\npaid_broadcast = true\n").expect("parses");
    assert_eq!(c.warning.confirm_within, Span::minutes(2));
    assert!(c.warning.paid_broadcast);
    assert_eq!(c.warning.expires, Span::hours(24));
    refused(
        "[warning]\npaid_broadcast = \"yes\"\n",
        2,
        "warning.paid_broadcast",
    );
    refused(
        "[warning]\nconfirm_within = \"0s\"\n",
        2,
        "warning.confirm_within",
    );
    refused("[warning]\nescalate = []\n", 2, "warning.escalate");
    refused("[warning]\nexpire = \"1h\"\n", 2, "warning.expire");
}

#[test]
fn board_keys() {
    let c = parse("[board]\npublic_url = \"https://duty.example.org\"\ntiles = \"https://t0.example/{z}/{x}/{y}.png\"\n")
        .expect("parses");
    assert_eq!(
        c.board.public_url.map(|u| u.to_string()).as_deref(),
        Some("https://duty.example.org/")
    );
    assert_eq!(
        c.board.tiles.as_deref(),
        Some("https://t0.example/{z}/{x}/{y}.png")
    );
    assert_eq!(
        parse("[board]\ntiles = \"\"\n")
            .expect("parses")
            .board
            .tiles,
        None
    );
    refused(
        "[board]\npublic_url = \"duty.example.org\"\n",
        2,
        "board.public_url",
    );
    refused(
        "[board]\ntiles = \"https://t0.example/tile.png\"\n",
        2,
        "board.tiles",
    );
}

#[test]
fn lang_codes() {
    assert_eq!(Lang::ZhCn.code(), "zh-CN");
    assert_eq!(Lang::En.code(), "en");
    for lang in Lang::ALL {
        assert_eq!(lang.code().parse::<Lang>(), Ok(lang));
    }
    assert_eq!(Lang::from_telegram(None), Lang::ZhCn);
    assert_eq!(Lang::from_telegram(Some("zh-hans")), Lang::ZhCn);
    assert_eq!(Lang::from_telegram(Some("zh")), Lang::ZhCn);
    assert_eq!(Lang::from_telegram(Some("ZH-TW")), Lang::ZhCn);
    assert_eq!(Lang::from_telegram(Some("en-US")), Lang::En);
    assert_eq!(Lang::from_telegram(Some("ru")), Lang::En);
    assert_eq!(Lang::from_telegram(Some("")), Lang::En);
    assert_eq!(Lang::from_telegram(Some("z")), Lang::En);
}

#[test]
fn dotted_keys_and_inline_tables() {
    let c = parse("zero_report.nag = \"60%\"\ntip = { forget_after = \"1d\" }\n").unwrap();
    assert_eq!(c.zero_report.nag.get(), 60);
    assert_eq!(c.tip.forget_after, Span::days(1));
    refused(
        "\nzero_report.remind = \"0 8 * * *\"\n",
        2,
        "zero_report.remind",
    );
    refused("tip = { escalate = [\"2h\", \"1h\"] }\n", 1, "tip.escalate");
    // An implicit table (no header of its own) is reported at its key.
    refused("\n[hazard.sub]\nx = 1\n", 2, "hazard.sub");
    refused("[[tip]]\ndesk = \"a\"\n", 1, "tip");
}

#[test]
fn http_and_retention() {
    let c = parse("[http]\nlisten = \"127.0.0.1:8088\"\n[retention]\nkeep = \"30d\"\n").unwrap();
    assert_eq!(c.http.listen, Some("127.0.0.1:8088".parse().unwrap()));
    assert_eq!(c.retention.keep, Span::days(30));
    assert_eq!(Config::default().http.listen, None);
    assert_eq!(Config::default().retention.keep, Span::days(90));
    refused("[http]\nlisten = \"localhost\"\n", 2, "http.listen");
    refused("[retention]\nkeep = \"0s\"\n", 2, "retention.keep");
    refused("[retention]\nkept = \"1d\"\n", 2, "retention.kept");
}

#[test]
fn roster_shift_start_and_the_shift_day() {
    let c = parse("[roster]\nshift_start = \"07:45\"\n").unwrap();
    assert_eq!(
        c.roster.shift_start,
        chrono::NaiveTime::from_hms_opt(7, 45, 0).unwrap()
    );
    let r = &Config::default().roster;
    assert_eq!(
        r.shift_start,
        chrono::NaiveTime::from_hms_opt(8, 30, 0).unwrap()
    );
    refused("[roster]\nshift_start = \"8h\"\n", 2, "roster.shift_start");
    refused(
        "[roster]\nshift_start = \"25:00\"\n",
        2,
        "roster.shift_start",
    );
    refused("[roster]\nstart = \"08:00\"\n", 2, "roster.start");
    // Shanghai is UTC+8: 08:29 local is still the day before's shift, 08:30 today's.
    let tz = chrono_tz::Asia::Shanghai;
    let at = |s: &str| {
        chrono::DateTime::parse_from_rfc3339(s)
            .unwrap()
            .timestamp_millis()
    };
    let day = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    assert_eq!(
        r.shift_day(tz, at("2026-03-02T08:29:00+08:00")),
        day("2026-03-01")
    );
    assert_eq!(
        r.shift_day(tz, at("2026-03-02T08:30:00+08:00")),
        day("2026-03-02")
    );
    assert_eq!(
        r.shift_day(tz, at("2026-03-02T23:59:00+08:00")),
        day("2026-03-02")
    );
    assert_eq!(
        r.shift_day(tz, at("2026-03-03T02:00:00+08:00")),
        day("2026-03-02")
    );
}
