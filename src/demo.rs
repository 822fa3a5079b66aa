//! `lookout demo`: the whole bot against the built-in simulator, with a sample district and
//! simulated people, printing the conversation. No token, no network.
use crate::app::{self, Settings};
use crate::config::Config;
use crate::delivery::Limits;
use crate::org::{file as orgfile, invite, Role};
use crate::sim::{SimConfig, SimEvent, SimUser, Simulator};
use crate::store::Store;
use anyhow::Context as _;
use std::time::Duration;

const DISTRICT: &str = r#"[[unit]]
id = "zhoucun"
name = "周村区"

[[unit]]
id = "wangcun"
name = "王村镇"
parent = "zhoucun"

[[unit]]
id = "nanjiao"
name = "南郊镇"
parent = "zhoucun"

[[unit]]
id = "lijia"
name = "李家村"
parent = "wangcun"

[[unit]]
id = "xihe"
name = "西河村"
parent = "wangcun"

[[unit]]
id = "nanjiaocun"
name = "南郊村"
parent = "nanjiao"
"#;

const WAIT: Duration = Duration::from_secs(10);

struct Demo {
    sim: Simulator,
    store: Store,
    events: tokio::sync::broadcast::Receiver<SimEvent>,
}

impl Demo {
    /// Print what happened so far, then a heading, so the transcript reads in order.
    fn narrate(&mut self, heading: &str) {
        self.flush();
        println!("\n== {heading} ==");
    }

    fn flush(&mut self) {
        while let Ok(e) = self.events.try_recv() {
            if !matches!(e, SimEvent::CallbackAnswered { text: None, .. }) {
                println!("{e}");
            }
        }
    }

    /// A person sends a text and the demo waits for the bot's answer in that chat.
    async fn say(&self, who: &SimUser, text: &str) -> anyhow::Result<String> {
        let before = self.sim.sent(who.id()).len();
        who.send_text(text);
        let all = self.sim.wait_for_count(who.id(), before + 1, WAIT).await?;
        Ok(all.last().map(|m| m.text().to_string()).unwrap_or_default())
    }

    /// An invite made on the command line, as an admin would (`lookout invite`).
    async fn invite(&self, unit: &str, role: Role) -> anyhow::Result<String> {
        let code = invite::new_code();
        let mut tx = self.store.begin().await?;
        tx.create_invite(&invite::hash_code(&code), unit, role, 1, None, 0)
            .await?;
        tx.commit().await?;
        Ok(code)
    }

    async fn join(&self, who: &SimUser, unit: &str, role: Role) -> anyhow::Result<()> {
        let code = self.invite(unit, role).await?;
        self.say(who, &format!("/start {code}")).await?;
        Ok(())
    }
}

pub async fn run(config: Config) -> anyhow::Result<()> {
    let sim = Simulator::start(SimConfig {
        limits: None,
        ..SimConfig::default()
    })
    .await?;
    let dir =
        tempfile::tempdir().context("creating a temporary directory for the demo database")?;
    let db_url = format!("sqlite://{}", dir.path().join("demo.db").display());
    let store = app::open_store(&db_url).await?;
    let entries = orgfile::parse(DISTRICT, "demo-district.toml", &[])?;
    let mut tx = store.begin().await?;
    tx.import_units(&entries).await?;
    tx.commit().await?;

    let events = sim.events();
    let mut settings = Settings::new(&sim.token(), &sim.api_url(), &db_url, config);
    // A throwaway database gets a throwaway tip key (no key file left behind).
    settings.tip_key = Some(rand::random());
    settings.limits = Limits::none();
    settings.poll_timeout_secs = 1;
    let running = app::start(settings).await?;
    let mut demo = Demo {
        sim: sim.clone(),
        store: store.clone(),
        events,
    };

    demo.narrate(&format!(
        "Lookout demo: {} units imported; people join with invites",
        entries.len()
    ));
    let admin = sim.user(1001, "区应急局小王", Some("zh-CN"));
    let leader = sim.user(1002, "王村镇带班领导", Some("zh-CN"));
    let officer = sim.user(1003, "王村镇值班员", Some("zh-CN"));
    let worker = sim.user(1004, "李家村网格员", Some("zh-CN"));
    let ranger = sim.user(1005, "Ranger Li", Some("en"));
    let stranger = sim.user(1006, "路人", Some("zh-CN"));

    demo.say(&stranger, "/start").await?;
    demo.join(&admin, "zhoucun", Role::Admin).await?;
    demo.join(&leader, "wangcun", Role::Supervisor).await?;
    demo.join(&officer, "wangcun", Role::DutyOfficer).await?;

    demo.narrate("The admin invites a grid worker from inside the bot");
    let reply = demo.say(&admin, "/invite lijia grid_worker").await?;
    let code = reply
        .lines()
        .last()
        .and_then(|l| l.strip_prefix("/start "))
        .context("the bot's invite reply ends with the /start line")?
        .to_string();
    demo.say(&worker, &format!("/start {code}")).await?;
    demo.say(&worker, "/help").await?;

    demo.narrate("The duty officer makes the town's group its duty room");
    let room = sim.group(-2001, "王村镇应急值班室");
    officer.in_group(&room).send_text("/bind");
    sim.wait_for(room.id(), WAIT, |m| m.text().contains("王村镇"))
        .await?;

    demo.narrate("A ranger prefers English");
    demo.join(&ranger, "xihe", Role::GridWorker).await?;
    demo.say(&ranger, "/help").await?;
    demo.say(&ranger, "/lang zh").await?;
    demo.say(&ranger, "/whatever").await?;

    demo.narrate("Everything the bot sent went through its outbox");
    // The last replies may still be on their way; the outbox drains within moments.
    let mut counts = store.outbox_counts().await?;
    for _ in 0..100 {
        if counts.0 == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        counts = store.outbox_counts().await?;
    }
    demo.flush();
    let (pending, sent, failed) = counts;
    println!("outbox: {sent} sent, {pending} pending, {failed} failed");

    running.kill();
    sim.shutdown();
    Ok(())
}
