//! `lookout demo --board`: the whole demo runs against the built-in simulators (Telegram's and
//! WeCom's), then the board stays open with its link printed, until the process is told to
//! stop.
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_runs_every_scene_then_keeps_the_board_open() {
    let dir = tempfile::tempdir().expect("dir");
    let mut child = Command::new(env!("CARGO_BIN_EXE_lookout"))
        .args(["demo", "--board"])
        .current_dir(dir.path())
        .env_remove("LOOKOUT_CONFIG")
        .env_remove("DATABASE_URL")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("lookout demo runs");
    let stdout = child.stdout.take().expect("stdout");
    let mut stderr = child.stderr.take().expect("stderr");
    let log = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = std::io::Read::read_to_string(&mut stderr, &mut text);
        text
    });
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut transcript = String::new();
    let link = loop {
        let line = rx
            .recv_timeout(Duration::from_secs(180))
            .unwrap_or_else(|_| panic!("no board link; the demo printed:\n{transcript}"));
        transcript.push_str(&line);
        transcript.push('\n');
        if line.starts_with("http://") && line.contains("/board?t=") {
            break line;
        }
    };
    // Every scene ran, the warning's included.
    for mark in [
        "零报告",
        "H-1",
        "T-1",
        "W-1",
        "叫应",
        "Ranger Xi",
        "按时响应率",
        "🔁",
    ] {
        assert!(
            transcript.contains(mark),
            "{mark} missing from:\n{transcript}"
        );
    }
    // Each line names its channel; Dongzhuang's people are in WeCom: they joined there, its
    // group robot posted the reminder, its officer pressed the card and the card showed it,
    // and its grid worker's hazard was posted by the robot.
    let wecom_lines: Vec<&str> = transcript
        .lines()
        .filter(|l| l.starts_with("[企业微信] "))
        .collect();
    let telegram = transcript
        .lines()
        .filter(|l| l.starts_with("[Telegram] "))
        .count();
    assert!(telegram > 100, "Telegram's lines untagged:\n{transcript}");
    for mark in [
        "[东庄村值班员] bot: 已加入：东庄村",
        "[东庄村网格员] bot: 已加入：东庄村",
        "[东庄村值班群] bot: 📋 东庄村",
        "[东庄村值班员] 东庄村值班员: pressed [✅ 零报告（无情况）]",
        "[东庄村值班员] bot updated the card: ✅ 东庄村",
        "[东庄村值班员] bot: 已记录：东庄村",
        "[东庄村网格员] bot: ✅ 已提交隐患 H-3",
        "[东庄村值班群] bot: ⚠️ 隐患 H-3",
        "[东庄村网格员] bot: 您上报的隐患 H-3 状态更新：已确认",
    ] {
        assert!(
            wecom_lines.iter().any(|l| l.contains(mark)),
            "no WeCom line with {mark} in:\n{transcript}"
        );
    }
    assert!(
        !transcript
            .lines()
            .any(|l| l.starts_with("[Telegram] [东庄村")),
        "Dongzhuang's people reached on Telegram:\n{transcript}"
    );
    let api = link.replace("/board?", "/api/board?");
    let body = reqwest::get(&api).await.expect("the board answers");
    assert_eq!(body.status().as_u16(), 200);
    let view: serde_json::Value = body.json().await.expect("JSON");
    assert_eq!(view["unit"]["id"], "zhoucun");
    // The press on the WeCom card was recorded as Dongzhuang's zero report, on time.
    let units = view["round"]["units"]
        .as_array()
        .expect("the round's units");
    let dongzhuang = units
        .iter()
        .find(|u| u["id"] == "dongzhuang")
        .unwrap_or_else(|| panic!("no Dongzhuang on the board: {view}"));
    assert_eq!(dongzhuang["state"], "on_time", "{dongzhuang}");
    assert!(
        view["hazards"].as_array().is_some_and(|h| !h.is_empty()),
        "{view}"
    );
    let _ = Command::new("kill").arg(child.id().to_string()).status();
    let status = child.wait().expect("exits");
    assert!(
        status.success(),
        "the demo stops cleanly on SIGTERM: {status:?}"
    );
    // A designed retry (an update handled again alone) is no error an operator should see.
    let log = log.join().expect("stderr read");
    assert!(!log.contains("ERROR"), "the demo logged an error:\n{log}");
}
