//! `lookout warn --cap FILE` with files shaped like real public feeds (PRODUCT.md "What bad
//! input gets", CAP from real feeds): an alert naming more areas than the district has warns
//! the matching units and lists the others before the id line; one naming none is refused,
//! naming its areas; the declared encoding (ISO-8859-1, GB2312, GBK, GB18030) is honoured;
//! an Update of something never seen here is issued, a Cancel of it is ignored with a
//! message; the XXE file is refused with nothing expanded. The real binary, both backends.

use crate::common::{self, stderr, stdout, Backend, TestBot, WAIT};
use lookout::config::Config;
use lookout::org::Role;
use lookout::sim::SimUser;
use std::process::Output;

/// The test org and, as a district may have them, units named as foreign feeds name their
/// areas: by name (`Montréal`, `Blue Mountains`) and by id = geocode (NWS zone `ILZ014`).
const FEED_UNITS: &str = r#"
[[unit]]
id = "montreal"
name = "Montréal"
parent = "zhoucun"

[[unit]]
id = "ILZ014"
name = "Cook County"
parent = "zhoucun"

[[unit]]
id = "bluemtns"
name = "Blue Mountains"
parent = "zhoucun"
"#;

/// One duty officer in each unit a feed names.
struct People {
    wangcun: SimUser,
    lijia: SimUser,
    nanjiao: SimUser,
    montreal: SimUser,
    cook: SimUser,
    blue: SimUser,
}

/// A fixture from tests/cap/ with every `<expires>` moved to six hours from now (expired
/// alerts are refused). Bytes: the files are in the encodings they declare, and the tags
/// are ASCII in each of them.
fn fixture(dir: &std::path::Path, name: &str) -> String {
    let mut bytes = std::fs::read(format!("tests/cap/{name}.xml")).expect("fixture");
    let expires = (chrono::Utc::now() + chrono::Duration::hours(6)).to_rfc3339();
    let (open, close) = (b"<expires>".as_slice(), b"</expires>".as_slice());
    let find = |hay: &[u8], needle: &[u8], from: usize| {
        hay[from..]
            .windows(needle.len())
            .position(|w| w == needle)
            .map(|i| i + from)
    };
    let mut at = 0;
    while let Some(a) = find(&bytes, open, at) {
        let start = a + open.len();
        let end = find(&bytes, close, start).expect("</expires>");
        bytes.splice(start..end, expires.bytes());
        at = start + expires.len();
    }
    let path = dir.join(format!("{name}.xml"));
    std::fs::write(&path, bytes).expect("write");
    path.display().to_string()
}

/// Issued: the id is the last line of stdout; the lines before it are returned.
fn issued(out: &Output, id: &str) -> Vec<String> {
    assert!(out.status.success(), "{}", stderr(out));
    let lines: Vec<String> = stdout(out).lines().map(str::to_string).collect();
    assert_eq!(lines.last().map(String::as_str), Some(id), "{lines:?}");
    lines
}

/// The lines listing areas that were not warned (indented, after the count line).
fn listed(lines: &[String]) -> Vec<&str> {
    lines.iter().filter_map(|l| l.strip_prefix("  ")).collect()
}

async fn copy_text(bot: &TestBot, user: &SimUser, id: i64) -> String {
    let data = format!("wok:{id}");
    bot.sim
        .wait_for(user.id(), WAIT, |m| m.button_data().contains(&data))
        .await
        .unwrap_or_else(|e| panic!("{} gets W-{id}: {e:?}", user.id()))
        .text()
        .to_string()
}

fn copies(bot: &TestBot, user: &SimUser) -> Vec<String> {
    bot.sim
        .sent(user.id())
        .iter()
        .flat_map(|m| m.button_data())
        .filter(|d| d.starts_with("wok:"))
        .collect()
}

async fn setup(b: Backend) -> (TestBot, People, tempfile::TempDir) {
    let bot = TestBot::spawn_fast(b, Config::default()).await;
    let dir = tempfile::tempdir().expect("dir");
    let org = dir.path().join("org.toml");
    std::fs::write(&org, format!("{}{FEED_UNITS}", common::ORG)).expect("org");
    let out = common::lookout(&bot.db.url, &["org", "import", &org.display().to_string()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let user = |id: i64, name: &str| bot.sim.user(id, name, Some("zh"));
    let people = People {
        wangcun: user(21, "Wang"),
        lijia: user(22, "Li"),
        nanjiao: user(23, "Nan"),
        montreal: user(24, "Mtl"),
        cook: user(25, "Cook"),
        blue: user(26, "Blue"),
    };
    for (who, unit) in [
        (&people.wangcun, "wangcun"),
        (&people.lijia, "lijia"),
        (&people.nanjiao, "nanjiao"),
        (&people.montreal, "montreal"),
        (&people.cook, "ILZ014"),
        (&people.blue, "bluemtns"),
    ] {
        bot.join(who, unit, Role::DutyOfficer).await;
    }
    (bot, people, dir)
}

async fn feeds_warn_the_areas_that_match_and_list_the_others(b: Backend) {
    let (bot, p, dir) = setup(b).await;
    let run = |file: &str| common::lookout(&bot.db.url, &["warn", "--cap", file]);

    // Environment Canada, declared ISO-8859-1 (Latin-1 bytes, French): Montréal is ours,
    // Laval and Longueuil are listed.
    let out = run(&fixture(dir.path(), "feed-ec-heat-fr-latin1"));
    let lines = issued(&out, "W-1");
    assert_eq!(
        listed(&lines),
        ["Laval [061200]", "Longueuil - Varennes [061300]"]
    );
    let text = copy_text(&bot, &p.montreal, 1).await;
    assert!(
        text.contains("Avertissement de chaleur – Montréal") && text.contains("Île de Montréal"),
        "{text}"
    );

    // 国家预警信息发布中心-shaped, declared GB2312: two towns are ours (by name, their
    // geocodes are not unit ids), the village below one of them is reached too; 萌水镇 is
    // listed.
    let out = run(&fixture(dir.path(), "feed-cn-rainstorm-gb2312"));
    let lines = issued(&out, "W-2");
    assert_eq!(listed(&lines), ["萌水镇 [370306104]"]);
    for who in [&p.wangcun, &p.lijia, &p.nanjiao] {
        let text = copy_text(&bot, who, 2).await;
        assert!(text.contains("周村区气象台发布暴雨橙色预警信号"), "{text}");
    }

    // NWS: one area naming three counties by code; the district has a unit for one zone.
    let out = run(&fixture(dir.path(), "feed-nws-winter-storm"));
    let lines = issued(&out, "W-3");
    assert!(listed(&lines).is_empty(), "{lines:?}");
    assert!(copy_text(&bot, &p.cook, 3)
        .await
        .contains("Winter Storm Warning"));

    // USGS: no area is ours: refused, naming them all; nothing is issued.
    let out = run(&fixture(dir.path(), "feed-usgs-earthquake"));
    let err = stderr(&out);
    assert!(!out.status.success(), "{}", stdout(&out));
    assert!(
        err.contains("12 km NE of Ridgecrest, CA; Kern County, California [006029]")
            && err.contains("nothing was sent"),
        "{err}"
    );
    assert!(out.stdout.is_empty(), "{}", stdout(&out));
    assert_eq!(bot.count("SELECT COUNT(*) FROM warnings").await, 3);

    bot.quiesce().await;
    assert_eq!(copies(&bot, &p.montreal), ["wok:1"]);
    assert_eq!(copies(&bot, &p.wangcun), ["wok:2"]);
    assert_eq!(copies(&bot, &p.lijia), ["wok:2"]);
    assert_eq!(copies(&bot, &p.cook), ["wok:3"]);
    assert!(copies(&bot, &p.blue).is_empty());
}

async fn unknown_references_update_issues_and_cancel_is_ignored(b: Backend) {
    let (bot, p, dir) = setup(b).await;
    let run = |file: &str| common::lookout(&bot.db.url, &["warn", "--cap", file]);

    // NSW RFS publishes Updates of alerts this district never received: a new warning to
    // its areas (nothing replaced), Lithgow listed.
    let out = run(&fixture(dir.path(), "feed-nsw-rfs-update"));
    let lines = issued(&out, "W-1");
    assert_eq!(
        lines.len(),
        4,
        "count line, one area, issued, id: {lines:?}"
    );
    assert_eq!(listed(&lines), ["Lithgow [NSW-LGA-14870]"]);
    assert!(copy_text(&bot, &p.blue, 1)
        .await
        .contains("Watch and Act - Grose Valley Fire"));

    // The same, declared GB18030.
    let out = run(&fixture(dir.path(), "feed-cn-thunder-update-gb18030"));
    let lines = issued(&out, "W-2");
    assert_eq!(listed(&lines), ["北郊镇"]);
    assert!(copy_text(&bot, &p.lijia, 2)
        .await
        .contains("周村区气象台更新雷电黄色预警信号"));

    // A Cancel of a warning never issued here (declared GBK): ignored, exit 0, said on
    // stderr with its references; stdout empty (no warning to name); nothing ends.
    let out = run(&fixture(dir.path(), "feed-cn-wind-cancel-gbk"));
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(out.stdout.is_empty(), "{}", stdout(&out));
    assert!(
        stderr(&out)
            .contains("37030641600000,37030641600000_20260717120000,2026-07-17T12:00:00+08:00"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        bot.count("SELECT COUNT(*) FROM warnings WHERE ended_at IS NULL")
            .await,
        2
    );
    bot.quiesce().await;
    assert_eq!(copies(&bot, &p.lijia), ["wok:2"]);
    assert_eq!(copies(&bot, &p.blue), ["wok:1"]);
    assert!(copies(&bot, &p.wangcun).is_empty());
}

async fn the_xxe_file_is_refused_with_nothing_expanded(b: Backend) {
    let (bot, p, _dir) = setup(b).await;
    let out = common::lookout(&bot.db.url, &["warn", "--cap", "tests/cap/hostile-xxe.xml"]);
    let err = stderr(&out);
    assert!(!out.status.success());
    assert!(err.contains("not a CAP 1.2 alert"), "{err}");
    assert!(!err.contains("root:") && !err.contains("lollol"), "{err}");
    assert!(out.stdout.is_empty());
    assert_eq!(bot.count("SELECT COUNT(*) FROM warnings").await, 0);
    bot.quiesce().await;
    assert!(copies(&bot, &p.wangcun).is_empty());
}

both_backends!(
    feeds_warn_the_areas_that_match_and_list_the_others,
    unknown_references_update_issues_and_cancel_is_ignored,
    the_xxe_file_is_refused_with_nothing_expanded,
);
