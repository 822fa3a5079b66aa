//! The `lookout` command line as an operator uses it: config errors, org import/export,
//! invites. Runs the real binary against both backends.

use crate::common::{self, fresh_db, lookout, stderr, stdout, Backend, TestBot, WAIT};
use std::process::Command;

both_backends!(org_import_export_and_invites_from_the_command_line);

async fn org_import_export_and_invites_from_the_command_line(b: Backend) {
    let db = fresh_db(b).await;
    let dir = tempfile::tempdir().expect("dir");
    let org = dir.path().join("org.toml");
    std::fs::write(&org, common::ORG).expect("write org");
    let out = lookout(&db.url, &["org", "import", org.to_str().expect("path")]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains('4'), "{}", stdout(&out));
    let out = lookout(&db.url, &["org", "export"]);
    assert_eq!(
        stdout(&out),
        common::ORG,
        "export reproduces the import exactly"
    );

    // A bad file is refused whole: nothing from it is stored.
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "[[unit]]\nid = \"new\"\nname = \"New\"\n[[unit]]\nid = \"x\"\nname = \"X\"\nparent = \"nowhere\"\n").expect("write");
    let out = lookout(&db.url, &["org", "import", bad.to_str().expect("path")]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("bad.toml:7: unit.parent"),
        "{}",
        stderr(&out)
    );
    assert_eq!(stdout(&lookout(&db.url, &["org", "export"])), common::ORG);

    let out = lookout(
        &db.url,
        &[
            "invite",
            "--unit",
            "lijia",
            "--role",
            "grid_worker",
            "--uses",
            "3",
            "--expires",
            "7d",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let code = stdout(&out).lines().last().expect("code line").to_string();
    assert!(
        code.len() >= 14 && code.chars().all(|c| c.is_ascii_alphanumeric()),
        "{code}"
    );
    let out = lookout(&db.url, &["invite", "--unit", "nowhere", "--role", "admin"]);
    assert!(
        !out.status.success() && stderr(&out).contains("unknown unit"),
        "{}",
        stderr(&out)
    );
    let out = lookout(&db.url, &["invite", "--unit", "lijia", "--role", "boss"]);
    assert!(
        !out.status.success() && stderr(&out).contains("unknown role"),
        "{}",
        stderr(&out)
    );

    // The printed code works in the bot.
    let mut bot = TestBot::spawn(b).await;
    bot.settle().await;
    bot.kill();
    bot.db = db;
    bot.store = lookout::app::open_store(&bot.db.url).await.expect("open");
    bot.start().await;
    let user = bot.sim.user(1, "Worker", Some("en"));
    user.send_text(&format!("/start {code}"));
    bot.sim
        .wait_for(user.id(), WAIT, |m| m.text().contains("李家村"))
        .await
        .expect("joined with the CLI code");
}

#[test]
fn bad_config_is_refused_with_file_line_and_key() {
    let dir = tempfile::tempdir().expect("dir");
    let cfg = dir.path().join("lookout.toml");
    std::fs::write(
        &cfg,
        "timezone = \"Asia/Shanghai\"\n\n[zero_report]\nremind = \"0 8 * * *\"\n",
    )
    .expect("write");
    let db = format!("sqlite://{}", dir.path().join("x.db").display());
    let out = lookout(&db, &["--config", cfg.to_str().expect("path"), "migrate"]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("lookout.toml:4: zero_report.remind"), "{err}");
    assert!(!err.contains("backtrace"), "{err}");
    assert!(
        !dir.path().join("x.db").exists(),
        "nothing done with a bad config"
    );
}

#[test]
fn run_without_a_token_says_so() {
    let out = Command::new(env!("CARGO_BIN_EXE_lookout"))
        .arg("run")
        .env_remove("TELOXIDE_TOKEN")
        .output()
        .expect("runs");
    assert!(!out.status.success());
    assert!(stderr(&out).contains("TELOXIDE_TOKEN"), "{}", stderr(&out));
}

#[test]
fn webhook_mode_needs_a_valid_secret() {
    let run = |secret: Option<&str>| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_lookout"));
        cmd.args(["run", "--webhook", "127.0.0.1:0"])
            .env("TELOXIDE_TOKEN", "123456:TEST")
            // Nothing listens here: the secret must be refused before any connection.
            .env("TELOXIDE_API_URL", "http://127.0.0.1:9/")
            .env("DATABASE_URL", "sqlite::memory:");
        match secret {
            Some(s) => cmd.env("LOOKOUT_WEBHOOK_SECRET", s),
            None => cmd.env_remove("LOOKOUT_WEBHOOK_SECRET"),
        };
        cmd.output().expect("runs")
    };
    let out = run(None);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("LOOKOUT_WEBHOOK_SECRET is not set"),
        "{}",
        stderr(&out)
    );
    let out = run(Some("has spaces"));
    assert!(!out.status.success());
    assert!(stderr(&out).contains("A-Z, a-z, 0-9"), "{}", stderr(&out));
    let out = Command::new(env!("CARGO_BIN_EXE_lookout"))
        .args(["run", "--public-url", "https://x.example/telegram"])
        .output()
        .expect("runs");
    assert!(!out.status.success(), "--public-url needs --webhook");
}

#[test]
fn wecom_needs_its_secrets_and_a_listener() {
    let dir = tempfile::tempdir().expect("dir");
    let config = dir.path().join("lookout.toml");
    std::fs::write(
        &config,
        "[wecom]\ncorp_id = \"ww0123456789abcdef\"\nagent_id = 1000002\n",
    )
    .expect("config");
    let run = |secrets: bool, http: bool| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_lookout"));
        cmd.arg("run")
            .arg("--config")
            .arg(&config)
            .env("TELOXIDE_TOKEN", "123456:TEST")
            // Nothing listens here: the settings must be refused before any connection.
            .env("TELOXIDE_API_URL", "http://127.0.0.1:9/")
            .env("DATABASE_URL", "sqlite::memory:");
        for (k, v) in [
            ("LOOKOUT_WECOM_SECRET", "s"),
            ("LOOKOUT_WECOM_TOKEN", "t"),
            ("LOOKOUT_WECOM_AES_KEY", "k"),
        ] {
            match secrets {
                true => cmd.env(k, v),
                false => cmd.env_remove(k),
            };
        }
        if http {
            cmd.args(["--http", "127.0.0.1:0"]);
        }
        cmd.output().expect("runs")
    };
    let out = run(false, true);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("LOOKOUT_WECOM_SECRET is not set"),
        "{}",
        stderr(&out)
    );
    let out = run(true, false);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("needs an HTTP listener"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn version_names_the_release_and_the_commit() {
    let out = Command::new(env!("CARGO_BIN_EXE_lookout"))
        .arg("--version")
        .output()
        .expect("lookout runs");
    assert!(out.status.success());
    let line = stdout(&out);
    let version = env!("CARGO_PKG_VERSION");
    // The commit is what git says HEAD is, when the tests run in a checkout.
    let head = Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_else(|| "unknown".into());
    assert_eq!(line.trim(), format!("lookout {version} (commit {head})"));
}
