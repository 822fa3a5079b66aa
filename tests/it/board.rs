//! The board over HTTP (PRODUCT.md "The board"): links made by `lookout board-link`, only
//! their hashes stored; 401 without a valid token; a link's scope; the page's security policy
//! and its files served by the binary; the JSON of `/api/board`; on both backends.

use crate::common::{self, place_units, Backend, TestBot, WAIT};
use lookout::config::Config;
use lookout::org::Role;
use lookout::sim::SimConfig;
use serde_json::Value;
use std::net::SocketAddr;

async fn bot_with_http(b: Backend) -> (TestBot, SocketAddr) {
    let mut config = Config::default();
    config.http.listen = Some("127.0.0.1:0".parse().expect("addr"));
    let bot = TestBot::spawn_with(b, SimConfig::default(), config).await;
    let addr = bot.running().http_addr.expect("an HTTP listener");
    (bot, addr)
}

/// `lookout board-link`, as an operator runs it; returns the link (its last line).
fn board_link(bot: &TestBot, addr: SocketAddr, args: &[&str]) -> String {
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("lookout.toml");
    std::fs::write(&file, format!("[board]\npublic_url = \"http://{addr}\"\n")).expect("config");
    let mut all = vec!["--config", file.to_str().expect("path"), "board-link"];
    all.extend(args);
    let out = common::lookout(&bot.db.url, &all);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    stdout.lines().last().unwrap_or_default().to_string()
}

fn token_of(link: &str) -> String {
    link.split("?t=")
        .nth(1)
        .expect("a token in the link")
        .to_string()
}

async fn get(url: &str) -> (u16, reqwest::header::HeaderMap, String) {
    let r = reqwest::get(url).await.expect("the HTTP listener answers");
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    (status, headers, r.text().await.expect("body"))
}

async fn api(addr: SocketAddr, token: &str, lang: &str) -> Value {
    let (status, _, body) = get(&format!("http://{addr}/api/board?t={token}&lang={lang}")).await;
    assert_eq!(status, 200, "{body}");
    serde_json::from_str(&body).expect("JSON")
}

async fn links_need_their_token_and_keep_to_their_scope(b: Backend) {
    let (bot, addr) = bot_with_http(b).await;
    let link = board_link(&bot, addr, &["--unit", "wangcun", "--expires", "30d"]);
    assert!(
        link.starts_with(&format!("http://{addr}/board?t=")),
        "{link}"
    );
    let token = token_of(&link);
    assert!(token.len() >= 22, "at least 128 random bits: {token}");
    // Only the hash is kept.
    let stored = bot
        .count(&format!(
            "SELECT COUNT(*) FROM board_tokens WHERE token_hash = '{token}' OR prefix = '{token}'"
        ))
        .await;
    assert_eq!(stored, 0, "the token itself is never stored");

    // Without a valid token: 401 and nothing else, for the page and the data.
    for path in [
        "/board",
        "/board?t=nope",
        "/api/board",
        "/api/board?t=wrongwrongwrongwrong",
    ] {
        let (status, _, body) = get(&format!("http://{addr}{path}")).await;
        assert_eq!((status, body.as_str()), (401, "401\n"), "{path}");
    }
    // The page: its own files only, under a same-origin policy.
    let (status, headers, html) = get(&link).await;
    assert_eq!(status, 200);
    let csp = headers["content-security-policy"].to_str().expect("ascii");
    assert!(
        csp.contains("default-src 'self'") && csp.contains("script-src 'self'"),
        "{csp}"
    );
    for src in [
        "/board/assets/board.js",
        "/board/assets/leaflet/leaflet.js",
        "/board/assets/board.css",
    ] {
        assert!(html.contains(src), "{src} in the page");
        let (status, headers, _) = get(&format!("http://{addr}{src}")).await;
        assert_eq!(status, 200, "{src}");
        assert!(
            headers["content-type"]
                .to_str()
                .expect("ascii")
                .starts_with("text/"),
            "{src}"
        );
    }
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "no other host"
    );
    let (status, _, licence) = get(&format!("http://{addr}/board/assets/leaflet/LICENSE")).await;
    assert!(status == 200 && licence.contains("Agafonkin"), "{licence}");

    // The data, by query or by bearer header; a town's link shows nothing of another town.
    let lead = bot.sim.user(21, "Lead", Some("en"));
    let worker = bot.sim.user(22, "Worker", Some("en"));
    let other = bot.sim.user(23, "Elsewhere", Some("en"));
    bot.join(&lead, "wangcun", Role::Supervisor).await;
    bot.join(&worker, "lijia", Role::GridWorker).await;
    bot.join(&other, "nanjiao", Role::GridWorker).await;
    for (who, caption) in [
        (&worker, "Dry brush by the lijia path"),
        (&other, "Gas smell in nanjiao"),
    ] {
        who.send_photo(Some(caption));
        bot.press_label(who, "forest fire risk").await;
        who.send_location(36.81, 117.92);
        bot.press_label(who, "Submit (ordinary)").await;
        bot.sim
            .wait_for(who.id(), WAIT, |m| m.text().contains("submitted"))
            .await
            .expect("hazard submitted");
    }
    bot.ask(&lead, "/warn lijia yellow Gale tonight").await;
    let view = api(addr, &token, "en").await;
    assert_eq!(view["unit"]["id"], "wangcun");
    assert_eq!(view["lang"], "en");
    let hazards = view["hazards"].as_array().expect("hazards");
    assert_eq!(hazards.len(), 1, "{hazards:?}");
    assert_eq!(hazards[0]["id"], "H-1");
    assert_eq!(hazards[0]["lat"], 36.81);
    assert_eq!(view["warnings"][0]["id"], "W-1");
    assert_eq!(view["warnings"][0]["targeted"], 1);
    assert!(
        view["texts"]["board-title"].is_string(),
        "{}",
        view["texts"]
    );
    let client = reqwest::Client::new();
    let by_header = client
        .get(format!("http://{addr}/api/board"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("answers");
    assert_eq!(by_header.status().as_u16(), 200);

    // Data the asker has already (its ETag): 304, no body, and when it was gathered.
    let url = format!("http://{addr}/api/board?t={token}&lang=en");
    let conditional =
        |etag: reqwest::header::HeaderValue| client.get(&url).header("If-None-Match", etag).send();
    let mut unchanged = None;
    // Twice at most: ages shown in whole minutes may tick over between two requests.
    for _ in 0..2 {
        let etag = client.get(&url).send().await.expect("answers").headers()["etag"].clone();
        let r = conditional(etag.clone()).await.expect("answers");
        if r.status().as_u16() == 304 {
            assert!(r.headers().contains_key("x-board-generated"));
            assert_eq!(r.text().await.expect("body"), "");
            unchanged = Some(etag);
            break;
        }
    }
    let etag = unchanged.expect("304 for data unchanged");
    // Asked for gzip, it comes in gzip (a district's board is megabytes of JSON).
    let zipped = client
        .get(&url)
        .header("Accept-Encoding", "gzip")
        .send()
        .await
        .expect("answers");
    assert_eq!(zipped.headers()["content-encoding"], "gzip");
    let bytes = zipped.bytes().await.expect("body");
    assert_eq!(&bytes[..2], &[0x1f, 0x8b], "a gzip stream");
    // A change: the whole data again, under a new ETag.
    bot.ask(&lead, "/warn lijia blue Fog in the morning").await;
    let r = conditional(etag.clone()).await.expect("answers");
    assert_eq!(r.status().as_u16(), 200);
    assert_ne!(r.headers()["etag"], etag);
    let text = serde_json::to_string(&view).expect("json");
    assert!(
        !text.contains("nanjiao") && !text.contains("Gas smell"),
        "{text}"
    );

    // Revoked: 401 from then on.
    let out = common::lookout(&bot.db.url, &["board-link", "--revoke", &token[..8]]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (status, _, _) = get(&link).await;
    assert_eq!(status, 401);
    // Expired: 401.
    let expired = lookout::board::issue_token(&bot.store, "wangcun", None, 0, Some(1))
        .await
        .expect("token");
    let (status, _, _) = get(&format!("http://{addr}/api/board?t={expired}")).await;
    assert_eq!(status, 401);
}

async fn tips_are_only_a_count(b: Backend) {
    let (bot, addr) = bot_with_http(b).await;
    let token = token_of(&board_link(&bot, addr, &["--unit", "zhoucun"]));
    let tipster = bot.sim.user(31, "Tipster", Some("en"));
    bot.ask(&tipster, "/tip").await;
    bot.ask(&tipster, "Fireworks hidden in the old mine at night")
        .await;
    bot.press_label(&tipster, "✅ Send tip").await;
    bot.sim
        .wait_for(tipster.id(), WAIT, |m| m.text().contains("T-1"))
        .await
        .expect("the tip is received");
    let view = api(addr, &token, "zh").await;
    assert_eq!(view["tips"]["open"], 1);
    let text = serde_json::to_string(&view).expect("json");
    assert!(
        !text.contains("Fireworks") && !text.contains("Tipster"),
        "{text}"
    );
}

both_backends!(
    links_need_their_token_and_keep_to_their_scope,
    tips_are_only_a_count
);

async fn the_bot_gives_personal_links_or_the_mini_app(b: Backend) {
    // A personal link, valid for a day, on the listener's own address.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port");
    let mut config = Config::default();
    config.http.listen = Some(format!("127.0.0.1:{port}").parse().expect("addr"));
    let bot = TestBot::spawn_with(b, SimConfig::default(), config).await;
    let addr = bot.running().http_addr.expect("an HTTP listener");
    let lead = bot.sim.user(51, "Lead", Some("en"));
    let worker = bot.sim.user(52, "Worker", Some("en"));
    bot.join(&lead, "wangcun", Role::Supervisor).await;
    bot.join(&worker, "lijia", Role::GridWorker).await;
    let refused = bot.ask(&worker, "/board").await;
    assert!(
        refused.text().contains("duty officers, supervisors"),
        "{}",
        refused.text()
    );
    let reply = bot.ask(&lead, "/board").await;
    let link = reply
        .text()
        .lines()
        .find(|l| l.starts_with("http://"))
        .unwrap_or_else(|| panic!("a link in {}", reply.text()))
        .to_string();
    assert!(
        link.starts_with(&format!("http://{addr}/board?t=")),
        "{link}"
    );
    let view = api(addr, &token_of(&link), "en").await;
    assert_eq!(view["unit"]["id"], "wangcun");
    let day = bot
        .scalar("SELECT expires_at - created_at FROM board_tokens WHERE person_id IS NOT NULL")
        .await;
    assert_eq!(day, Some(24 * 3_600_000));
    drop(bot);

    // With an https address: a Mini App button; its page checks Telegram's signature.
    let mut config = Config::default();
    config.http.listen = Some("127.0.0.1:0".parse().expect("addr"));
    config.board.public_url = Some("https://duty.example.org".parse().expect("url"));
    let bot = TestBot::spawn_with(b, SimConfig::default(), config).await;
    let addr = bot.running().http_addr.expect("an HTTP listener");
    let lead = bot.sim.user(61, "Lead", Some("en"));
    let stranger = bot.sim.user(62, "Stranger", Some("en"));
    bot.join(&lead, "lijia", Role::DutyOfficer).await;
    let reply = bot.ask(&lead, "/board").await;
    assert_eq!(
        reply.buttons[0][0].1, "",
        "a web-app button carries no callback"
    );
    let sent = bot
        .text_of("SELECT payload FROM outbox WHERE payload LIKE '%web_app%'")
        .await
        .expect("the button's message");
    assert!(
        sent.contains("https://duty.example.org/board/app"),
        "{sent}"
    );
    let (status, headers, _) = get(&format!("http://{addr}/board/app")).await;
    assert!(status == 200 && headers.contains_key("content-security-policy"));
    let now = chrono::Utc::now().timestamp();
    let init = |user: i64, at: i64| bot.sim.web_app_init_data(user, "Lead", at);
    let url = |data: String| {
        let data: String = url::form_urlencoded::byte_serialize(data.as_bytes()).collect();
        format!("http://{addr}/api/board?init={data}")
    };
    let (status, _, body) = get(&url(init(lead.id(), now))).await;
    assert_eq!(status, 200, "{body}");
    let view: Value = serde_json::from_str(&body).expect("JSON");
    assert_eq!(view["unit"]["id"], "lijia", "the person's own unit");
    // Stale, forged, or someone without a unit to watch: 401.
    let stale = init(lead.id(), now - 2 * 24 * 3600);
    let forged = init(lead.id(), now).replace("Lead", "Boss");
    for data in [stale, forged, init(stranger.id(), now)] {
        let (status, _, _) = get(&url(data)).await;
        assert_eq!(status, 401);
    }
}

both_backends!(the_bot_gives_personal_links_or_the_mini_app);

/// This month's timeliness per unit: the earlier rounds (counted once and kept) and today's,
/// which follows each answer.
async fn timeliness_counts_the_month_and_follows_today(b: Backend) {
    let mut config = Config::default();
    config.http.listen = Some("127.0.0.1:0".parse().expect("addr"));
    let bot = TestBot::spawn_fast_on(b, config, common::TestClock::at("2026-11-16 07:55")).await;
    let addr = bot.running().http_addr.expect("an HTTP listener");
    let officer = bot.sim.user(31, "Officer", Some("en"));
    bot.join(&officer, "lijia", Role::DutyOfficer).await;
    let token = lookout::board::issue_token(&bot.store, "wangcun", None, 0, None)
        .await
        .expect("token");
    let lijia = |view: &Value| {
        view["timeliness"]
            .as_array()
            .and_then(|rows| rows.iter().find(|r| r["unit_id"] == "lijia").cloned())
            .map(|r| {
                (
                    r["on_time"].as_i64(),
                    r["expected"].as_i64(),
                    r["rate"].as_f64(),
                )
            })
    };

    // Day one: expected, then answered on time.
    bot.advance_to_timer("sched:zero_report.remind").await;
    assert_eq!(
        lijia(&api(addr, &token, "en").await),
        Some((Some(0), Some(1), Some(0.0)))
    );
    bot.ask(&officer, "/zero").await;
    assert_eq!(
        lijia(&api(addr, &token, "en").await),
        Some((Some(1), Some(1), Some(1.0)))
    );
    // Day two: yesterday's round is counted with the month's others; today's follows.
    bot.advance_to_timer("sched:zero_report.remind").await;
    assert_eq!(
        lijia(&api(addr, &token, "en").await),
        Some((Some(1), Some(2), Some(0.5)))
    );
    bot.ask(&officer, "/zero").await;
    assert_eq!(
        lijia(&api(addr, &token, "en").await),
        Some((Some(2), Some(2), Some(1.0)))
    );
}

both_backends!(timeliness_counts_the_month_and_follows_today);

/// `(id, state, last)` of each unit in `units` (the tree, whatever the round).
fn tiles(view: &Value) -> Vec<(String, String, Value)> {
    view["units"]
        .as_array()
        .expect("units, always")
        .iter()
        .map(|u| {
            (
                u["id"].as_str().unwrap_or_default().to_string(),
                u["state"].as_str().unwrap_or_default().to_string(),
                u["last"].clone(),
            )
        })
        .collect()
}

/// Issue 24: the scope's unit tree with or without a round; outside one each unit's last
/// answer (or none), the next round's opening, the units the map cannot place; in a round
/// `round` as before and `units` the same tiles.
async fn the_tree_is_there_with_or_without_a_round(b: Backend) {
    let mut config = Config::default();
    config.http.listen = Some("127.0.0.1:0".parse().expect("addr"));
    let bot = TestBot::spawn_fast_on(b, config, common::TestClock::at("2026-11-16 07:55")).await;
    let addr = bot.running().http_addr.expect("an HTTP listener");
    place_units(&bot).await;
    let officer = bot.sim.user(31, "Officer", Some("en"));
    bot.join(&officer, "lijia", Role::DutyOfficer).await;
    let token = lookout::board::issue_token(&bot.store, "wangcun", None, 0, None)
        .await
        .expect("token");
    let no_round = |id: &str| (id.to_string(), "no_round".to_string(), Value::Null);

    // Before the day's round: no round, every unit there in grey, the next round's time.
    let view = api(addr, &token, "en").await;
    assert_eq!(view["round"], Value::Null);
    assert_eq!(
        tiles(&view),
        vec![no_round("wangcun"), no_round("lijia"), no_round("zhaojia")]
    );
    assert_eq!(view["units"][1]["lat"], 36.81);
    assert_eq!(view["units"][2]["lat"], Value::Null);
    assert_eq!(view["unplaced"], 1);
    assert_eq!(view["season"]["on"], true);
    assert_eq!(view["season"]["next_round"], "2026-11-16 08:00");
    assert!(view["texts"]["board-off-round-next"].is_string());

    // In the round: as before, and `units` the same tiles.
    bot.advance_to_timer("sched:zero_report.remind").await;
    bot.ask(&officer, "/zero").await;
    let view = api(addr, &token, "en").await;
    assert_eq!(view["round"]["date"], "2026-11-16");
    assert_eq!(view["round"]["units"], view["units"]);
    assert_eq!(
        tiles(&view)[1],
        ("lijia".to_string(), "on_time".to_string(), Value::Null)
    );
    assert_eq!(tiles(&view)[2].1, "not_expected");
    assert_eq!(view["round"]["counts"]["on_time"], 1);
    // The page asks with `compact=1`: the tree once, in `units`.
    let (status, _, body) = get(&format!(
        "http://{addr}/api/board?t={token}&lang=en&compact=1"
    ))
    .await;
    assert_eq!(status, 200);
    let compact: Value = serde_json::from_str(&body).expect("JSON");
    assert_eq!(compact["round"]["units"], serde_json::json!([]));
    assert_eq!(compact["units"], view["units"]);
    // Past its deadline the day's round stays on the board, closed.
    bot.advance_to_timer("sched:zero_report.deadline").await;
    let view = api(addr, &token, "en").await;
    assert_eq!(view["round"]["closed"], true);

    // The next morning before the reminder: the last answers, with their dates.
    let morning = bot.now_ms() + 20 * 3_600_000;
    bot.advance_to(morning).await;
    let view = api(addr, &token, "en").await;
    assert_eq!(view["round"], Value::Null);
    assert_eq!(
        tiles(&view),
        vec![
            no_round("wangcun"),
            (
                "lijia".to_string(),
                "no_round".to_string(),
                serde_json::json!({ "date": "2026-11-16", "state": "on_time" })
            ),
            no_round("zhaojia"),
        ]
    );
    assert_eq!(view["season"]["next_round"], "2026-11-17 08:00");
    // The next round colours them again; a silent unit is missing.
    bot.advance_to_timer("sched:zero_report.remind").await;
    let view = api(addr, &token, "en").await;
    assert_eq!(view["round"]["date"], "2026-11-17");
    assert_eq!(tiles(&view)[1].1, "missing");
    assert_eq!(tiles(&view)[1].2, Value::Null, "no last answer in a round");
}

/// Off season: the tree, the lists and the map as in season; the next round is the season's
/// first; a warning lists the units it covers.
async fn off_season_the_board_stays_useful(b: Backend) {
    let mut config = Config::default();
    config.http.listen = Some("127.0.0.1:0".parse().expect("addr"));
    let bot = TestBot::spawn_fast_on(b, config, common::TestClock::at("2026-07-10 12:00")).await;
    let addr = bot.running().http_addr.expect("an HTTP listener");
    place_units(&bot).await;
    let lead = bot.sim.user(21, "Lead", Some("en"));
    let worker = bot.sim.user(22, "Worker", Some("en"));
    bot.join(&lead, "wangcun", Role::Supervisor).await;
    bot.join(&worker, "lijia", Role::GridWorker).await;
    bot.ask(&lead, "/warn lijia yellow Gale tonight").await;
    let token = lookout::board::issue_token(&bot.store, "wangcun", None, 0, None)
        .await
        .expect("token");
    let view = api(addr, &token, "en").await;
    assert_eq!(view["round"], Value::Null);
    assert_eq!(view["season"]["on"], false);
    assert_eq!(view["season"]["next_round"], "2026-11-01 08:00");
    let ids: Vec<String> = tiles(&view).into_iter().map(|t| t.0).collect();
    assert_eq!(ids, ["wangcun", "lijia", "zhaojia"]);
    assert_eq!(view["unplaced"], 1);
    let w = &view["warnings"][0];
    assert_eq!(
        (w["id"].as_str(), w["unit_count"].as_i64()),
        (Some("W-1"), Some(1))
    );
    assert_eq!(w["units"], serde_json::json!(["李家村"]));
    assert_eq!(w["targeted"], 1, "{w}");
}

both_backends!(
    the_tree_is_there_with_or_without_a_round,
    off_season_the_board_stays_useful
);
