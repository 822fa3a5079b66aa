//! `lookout demo --board`: the whole demo runs against the built-in simulator, then the board
//! stays open with its link printed, until the process is told to stop.
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
    let api = link.replace("/board?", "/api/board?");
    let body = reqwest::get(&api).await.expect("the board answers");
    assert_eq!(body.status().as_u16(), 200);
    let view: serde_json::Value = body.json().await.expect("JSON");
    assert_eq!(view["unit"]["id"], "zhoucun");
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
