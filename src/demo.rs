//! `lookout demo`: the whole bot against the built-in simulators, with a sample district and
//! simulated people, printing the conversation. One village's people use WeCom (企业微信),
//! the others Telegram; each line of the transcript names its channel. No token, no network.
use crate::action::Action;
use crate::app::{self, Settings, WecomSecrets};
use crate::channel::WecomKind;
use crate::config::{Config, Lang, Span, WecomConfig};
use crate::delivery::Limits;
use crate::i18n::I18n;
use crate::org::{file as orgfile, invite, Role};
use crate::sim::wecom::{WecomEvent, WecomMessage, WecomSim, WecomSimConfig, WecomUser};
use crate::sim::{SimConfig, SimEvent, SimUser, Simulator};
use crate::store::Store;
use crate::tr;
use anyhow::Context as _;
use chrono::Timelike;
use std::time::Duration;
use tokio::sync::{broadcast, mpsc, oneshot};

/// The sample district and the people's words (`locales/demo.toml`).
const SCRIPT: &str = include_str!("../locales/demo.toml");

#[derive(serde::Deserialize)]
struct Script {
    district: String,
    people: std::collections::BTreeMap<String, String>,
    lines: std::collections::BTreeMap<String, String>,
}

impl Script {
    fn person<'a>(&'a self, key: &'a str) -> &'a str {
        self.people.get(key).map(String::as_str).unwrap_or(key)
    }

    fn line<'a>(&'a self, key: &'a str) -> &'a str {
        self.lines.get(key).map(String::as_str).unwrap_or(key)
    }
}

const WAIT: Duration = Duration::from_secs(10);
/// Long enough for the next firing of any fast-forwarded schedule.
const ROUND: Duration = Duration::from_secs(70);

/// What happened on either channel.
enum Event {
    Telegram(SimEvent),
    Wecom(WecomEvent),
}

/// Both simulators' events in the order they happened: a task reads them as they come, and
/// hands over, when asked, everything emitted before the asking.
struct Transcript {
    asks: mpsc::UnboundedSender<oneshot::Sender<Vec<Event>>>,
}

impl Transcript {
    fn start(
        mut telegram: broadcast::Receiver<SimEvent>,
        mut wecom: broadcast::Receiver<WecomEvent>,
    ) -> Transcript {
        let (asks, mut asked) = mpsc::unbounded_channel::<oneshot::Sender<Vec<Event>>>();
        tokio::spawn(async move {
            let mut seen = Vec::new();
            loop {
                tokio::select! {
                    Ok(e) = telegram.recv() => seen.push(Event::Telegram(e)),
                    Ok(e) = wecom.recv() => seen.push(Event::Wecom(e)),
                    ask = asked.recv() => {
                        let Some(answer) = ask else { break };
                        // What was emitted before the asking and not read yet.
                        drain(&mut telegram, &mut seen, Event::Telegram);
                        drain(&mut wecom, &mut seen, Event::Wecom);
                        let _ = answer.send(std::mem::take(&mut seen));
                    }
                }
            }
        });
        Transcript { asks }
    }

    async fn take(&self) -> Vec<Event> {
        let (answer, answered) = oneshot::channel();
        if self.asks.send(answer).is_err() {
            return Vec::new();
        }
        answered.await.unwrap_or_default()
    }
}

fn drain<T: Clone>(
    rx: &mut broadcast::Receiver<T>,
    seen: &mut Vec<Event>,
    wrap: impl Fn(T) -> Event,
) {
    loop {
        match rx.try_recv() {
            Ok(e) => seen.push(wrap(e)),
            Err(broadcast::error::TryRecvError::Lagged(_)) => continue,
            Err(_) => return,
        }
    }
}

/// A WeCom event as the simulator's Telegram lines read: `[chat] who: what`. Robots are
/// named by the room they are (the simulator numbers them: their keys are secrets).
fn wecom_line(e: &WecomEvent, rooms: &[String]) -> String {
    use crate::sim::wecom::describe;
    match e {
        WecomEvent::UserAction { user, what } => format!("[{user}] {user}: {what}"),
        WecomEvent::AppSent { user, message } => format!("[{user}] bot: {}", describe(message)),
        WecomEvent::AppUpdated { user, message } => {
            format!("[{user}] bot updated the card: {}", describe(message))
        }
        WecomEvent::RobotPosted { robot, message } => {
            let room = robot
                .parse::<usize>()
                .ok()
                .and_then(|n| rooms.get(n.checked_sub(1)?))
                .map_or(robot.as_str(), String::as_str);
            let mut line = format!("[{room}] bot: {}", message.text);
            if !message.mentioned.is_empty() {
                line.push_str(&format!(" (@{})", message.mentioned.join(" @")));
            }
            line
        }
    }
}

struct Demo {
    sim: Simulator,
    wecom: WecomSim,
    store: Store,
    transcript: Transcript,
    /// Each line's channel tag: Telegram's, WeCom's.
    tags: (String, String),
    /// The WeCom group robots' rooms, in the order they were added.
    rooms: Vec<String>,
}

impl Demo {
    /// Print what happened so far, then a heading, so the transcript reads in order.
    async fn narrate(&mut self, heading: &str) {
        self.flush().await;
        println!("\n== {heading} ==");
    }

    async fn flush(&mut self) {
        for e in self.transcript.take().await {
            match e {
                Event::Telegram(SimEvent::CallbackAnswered { text: None, .. }) => {}
                Event::Telegram(e) => println!("{} {e}", self.tags.0),
                Event::Wecom(e) => println!("{} {}", self.tags.1, wecom_line(&e, &self.rooms)),
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

    /// A WeCom member writes to the app and the demo waits for the app's next message to them.
    async fn say_wecom(&self, who: &WecomUser, text: &str) -> anyhow::Result<WecomMessage> {
        let before = who.messages().len();
        let pushed = who.send_text(text).await;
        anyhow::ensure!(pushed.delivered(), "/wecom did not take {text:?}");
        self.wecom
            .wait_for(who.userid(), |_| who.messages().len() > before, WAIT)
            .await
            .with_context(|| format!("no answer to {text:?} in WeCom"))?;
        who.messages()
            .get(before)
            .cloned()
            .context("the answer in WeCom")
    }

    /// The first card to this WeCom member with a button whose key matches, not pressed
    /// yet: its task and that key.
    async fn wecom_card(
        &self,
        who: &WecomUser,
        key: impl Fn(&str) -> bool,
    ) -> anyhow::Result<(String, String)> {
        let button = |m: &WecomMessage| {
            let card = m.card.as_ref().filter(|c| c.chosen.is_none())?;
            let (_, k) = card.buttons.iter().find(|(_, k)| key(k))?;
            Some((card.task_id.clone(), k.clone()))
        };
        self.wecom
            .wait_for(who.userid(), |m| button(m).is_some(), WAIT)
            .await
            .as_ref()
            .and_then(button)
            .with_context(|| format!("no such card for {} in WeCom", who.userid()))
    }

    /// A WeCom member presses a card's button, and the demo waits for the app's next
    /// message to them (each press here is answered with one).
    async fn press_wecom(&self, who: &WecomUser, card: &(String, String)) -> anyhow::Result<()> {
        let before = who.messages().len();
        let pushed = who.press(&card.0, &card.1).await;
        anyhow::ensure!(
            pushed.delivered(),
            "/wecom did not take the press {}",
            card.1
        );
        self.wecom
            .wait_for(who.userid(), |_| who.messages().len() > before, WAIT)
            .await
            .with_context(|| format!("no answer to the press {} in WeCom", card.1))?;
        Ok(())
    }
}

/// When the demo's next shift begins, in seconds from its start.
const SHIFT_CHANGE_S: i64 = 30;

/// The demo's own schedule: a whole morning in about fifteen seconds. Each expression fires
/// once a minute at a second a little after now, so the day starts at once.
fn fast_forward(mut config: Config) -> anyhow::Result<Config> {
    let now = chrono::Utc::now().with_timezone(&config.timezone);
    // Each fires once, on today's date at a second a little after now (cron is read in the
    // configured timezone), so the morning is not repeated while the demo runs.
    let at = |offset: i64| {
        crate::config::CronSchedule::once_text(&(now + chrono::Duration::seconds(offset)))
    };
    config.fire_season.periods =
        vec![crate::config::SeasonRange::parse("01-01..12-31").map_err(anyhow::Error::msg)?];
    let z = &mut config.zero_report;
    z.remind = crate::config::CronSchedule::parse(&at(3)).map_err(anyhow::Error::msg)?;
    z.deadline = crate::config::CronSchedule::parse(&at(13)).map_err(anyhow::Error::msg)?;
    z.summary = crate::config::CronSchedule::parse(&at(19)).map_err(anyhow::Error::msg)?;
    z.escalate = vec![Span::ZERO, Span::seconds(3)];
    config.hazard.escalate = vec![Span::seconds(3), Span::seconds(6)];
    config.hazard.escalate_major = vec![Span::seconds(2), Span::seconds(4)];
    // The next shift begins half a minute in: the morning is still the night shift's.
    // Whole seconds, as the shift-change schedule fires on them.
    let start = (now + chrono::Duration::seconds(SHIFT_CHANGE_S)).time();
    config.roster.shift_start = start.with_nanosecond(0).unwrap_or(start);
    // Warnings: the silent get it again after 4 s, and are named to their supervisors at 8 s.
    config.warning.confirm_within = Span::seconds(4);
    config.warning.escalate = vec![Span::ZERO];
    Ok(config)
}

/// The WeCom members of the village whose people use WeCom (their UserIDs).
const WECOM_OFFICER: &str = "LiuQiang";
const WECOM_WORKER: &str = "ChenJing";

/// The person id of someone who joined, by their chat (what `lookout people` lists).
async fn person_of(store: &Store, chat: i64) -> anyhow::Result<i64> {
    store
        .sender(chat, chat)
        .await?
        .member
        .person
        .map(|p| p.id)
        .context("a person who joined")
}

/// Run the demo; with `board`, keep the board open afterwards (printing its link) until that
/// future ends.
pub async fn run(
    config: Config,
    board: Option<std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>>>,
) -> anyhow::Result<()> {
    let sim = Simulator::start(SimConfig {
        limits: None,
        ..SimConfig::default()
    })
    .await?;
    // Unpaced, as Telegram's is here: the demo's few messages are far from WeCom's limits.
    let wecom_sim = WecomSimConfig {
        limits: false,
        ..WecomSimConfig::default()
    };
    let wecom = WecomSim::try_start(wecom_sim.clone()).await?;
    let dir =
        tempfile::tempdir().context("creating a temporary directory for the demo database")?;
    let db_url = format!("sqlite://{}", dir.path().join("demo.db").display());
    let store = app::open_store(&db_url).await?;
    let script: Script = toml::from_str(SCRIPT).context("reading locales/demo.toml")?;
    let entries = orgfile::parse(&script.district, "locales/demo.toml", &[])?;
    let mut tx = store.begin().await?;
    tx.import_units(&entries).await?;
    tx.commit().await?;

    let i18n = I18n::load()?;
    let l = config.locale;
    let config = fast_forward(config)?;
    let running_config = config.clone();
    let transcript = Transcript::start(sim.events(), wecom.events());
    let mut config = config;
    // The HTTP listener serves /wecom (and the board with --board).
    config.http.listen = Some(std::net::SocketAddr::from(([127, 0, 0, 1], 0)));
    config.wecom = Some(WecomConfig {
        corp_id: wecom.corp_id(),
        agent_id: wecom.agent_id(),
        api_url: wecom.base_url(),
    });
    let mut settings = Settings::new(&sim.token(), &sim.api_url(), &db_url, config);
    // A throwaway database gets a throwaway tip key (no key file left behind).
    settings.tip_key = Some(rand::random());
    settings.limits = Limits::none();
    settings.poll_timeout_secs = 1;
    // The simulator's app secrets, given as `run` takes them from the environment.
    settings.wecom = Some(WecomSecrets {
        secret: wecom_sim.secret,
        token: wecom_sim.token,
        aes_key: wecom_sim.aes_key,
    });
    let running = app::start(settings).await?;
    let http = running.http_addr.context("the demo's HTTP listener")?;
    // WeCom pushes what members do to /wecom, once an admin saved it as the callback URL
    // (WeCom checks it first).
    wecom.set_callback(format!("http://{http}/wecom"));
    anyhow::ensure!(
        wecom.verify_callback().await,
        "/wecom did not pass WeCom's URL check"
    );
    let mut demo = Demo {
        sim: sim.clone(),
        wecom: wecom.clone(),
        store: store.clone(),
        transcript,
        tags: (tr!(i18n, l, "demo-telegram"), tr!(i18n, l, "demo-wecom")),
        rooms: vec![script.person("dz_room").to_string()],
    };

    demo.narrate(&tr!(i18n, l, "demo-join", units = entries.len() as i64))
        .await;
    let stranger = sim.user(1000, script.person("stranger"), Some("zh-CN"));
    let admin = sim.user(1001, script.person("admin"), Some("zh-CN"));
    let chief = sim.user(1002, script.person("chief"), Some("zh-CN"));
    let town_lead = sim.user(1003, script.person("town_lead"), Some("zh-CN"));
    let town_officer = sim.user(1004, script.person("town_officer"), Some("zh-CN"));
    let li_officer = sim.user(1005, script.person("li_officer"), Some("zh-CN"));
    let xihe_officer = sim.user(1006, script.person("xihe_officer"), Some("en"));
    let nanjiao_officer = sim.user(1007, script.person("nanjiao_officer"), Some("zh-CN"));
    let village_officer = sim.user(1008, script.person("village_officer"), Some("zh-CN"));
    let worker = sim.user(1009, script.person("worker"), Some("zh-CN"));

    demo.say(&stranger, "/start").await?;
    demo.join(&admin, "zhoucun", Role::Admin).await?;
    demo.join(&chief, "zhoucun", Role::Supervisor).await?;
    demo.join(&town_lead, "wangcun", Role::Supervisor).await?;
    demo.join(&town_officer, "wangcun", Role::DutyOfficer)
        .await?;
    demo.join(&li_officer, "lijia", Role::DutyOfficer).await?;
    demo.join(&xihe_officer, "xihe", Role::DutyOfficer).await?;
    demo.join(&nanjiao_officer, "nanjiao", Role::DutyOfficer)
        .await?;
    demo.join(&village_officer, "nanjiaocun", Role::DutyOfficer)
        .await?;
    let li_relief = sim.user(1011, script.person("li_relief"), Some("zh-CN"));
    demo.join(&li_relief, "lijia", Role::DutyOfficer).await?;

    demo.narrate(&tr!(i18n, l, "demo-invite")).await;
    let reply = demo.say(&admin, "/invite lijia grid_worker").await?;
    let code = reply
        .lines()
        .last()
        .and_then(|l| l.strip_prefix("/start "))
        .context("the bot's invite reply ends with the /start line")?
        .to_string();
    demo.say(&worker, &format!("/start {code}")).await?;
    demo.say(&worker, "/help").await?;

    demo.narrate(&tr!(i18n, l, "demo-bind")).await;
    let room = sim.group(-2001, script.person("room"));
    town_officer.in_group(&room).send_text("/bind");
    sim.wait_for_count(room.id(), 1, WAIT).await?;

    demo.narrate(&tr!(i18n, l, "demo-wecom-join")).await;
    // `lookout room --unit dongzhuang --wecom-robot KEY`, with the key of the village
    // group's robot.
    let robot_key = format!("{:032x}", rand::random::<u128>());
    wecom.add_robot(&robot_key);
    let mut tx = store.begin().await?;
    let robot = tx.remember_wecom(WecomKind::Robot, &robot_key).await?;
    tx.bind_duty_room("dongzhuang", robot).await?;
    tx.commit().await?;
    let dz_name = entries
        .iter()
        .find(|e| e.id == "dongzhuang")
        .map(|e| e.name.clone())
        .unwrap_or_default();
    println!("{}", tr!(i18n, l, "cli-room-robot", unit = dz_name.clone()));
    let dz_officer = wecom.user(WECOM_OFFICER, script.person("dz_officer"));
    let dz_worker = wecom.user(WECOM_WORKER, script.person("dz_worker"));
    let code = demo.invite("dongzhuang", Role::DutyOfficer).await?;
    demo.say_wecom(&dz_officer, &format!("/start {code}"))
        .await?;
    let code = demo.invite("dongzhuang", Role::GridWorker).await?;
    demo.say_wecom(&dz_worker, &format!("/start {code}"))
        .await?;

    // The roster, as `lookout roster import` reads it: Lijia's officer has the night shift,
    // the relief the one starting soon; Dongzhuang's officer has both, so they are reminded
    // in the app as well as in the village's group, and get the handover there.
    let shifts = &running_config.roster;
    let now = chrono::Utc::now().timestamp_millis();
    let night = shifts.shift_day(running_config.timezone, now);
    let next = shifts.shift_day(running_config.timezone, now + (SHIFT_CHANGE_S + 1) * 1000);
    let dz_chat = crate::channel::wecom_address(WecomKind::Member, WECOM_OFFICER);
    let csv = format!(
        "{}\n{night},lijia,duty_officer,{}\n{next},lijia,duty_officer,{}\n\
         {night},dongzhuang,duty_officer,{dz}\n{next},dongzhuang,duty_officer,{dz}\n",
        crate::roster::HEADER,
        person_of(&store, li_officer.id()).await?,
        person_of(&store, li_relief.id()).await?,
        dz = person_of(&store, dz_chat).await?
    );
    let units = crate::org::tree::UnitTree::new(store.units().await?);
    let roster = crate::roster::parse(&csv, "roster.csv", &units, &store.staff(None).await?)?;
    let mut tx = store.begin().await?;
    tx.replace_roster(&roster).await?;
    tx.commit().await?;

    demo.narrate(&tr!(i18n, l, "demo-morning")).await;
    let is_reminder =
        |m: &crate::sim::SentMessage| m.button_data().iter().any(|d| d.starts_with("zero:"));
    let in_room = sim.wait_for(room.id(), ROUND, is_reminder).await?;
    town_officer
        .in_group(&room)
        .press(&in_room, &in_room.button_data()[0]);
    sim.wait_for(room.id(), WAIT, |m| {
        m.message_id == in_room.message_id && m.edits > 0
    })
    .await?;
    sim.wait_for(li_officer.id(), WAIT, is_reminder).await?;
    demo.say(&li_officer, "/zero").await?;
    // Dongzhuang's group robot posts the reminder; its officer answers on the app's card.
    wecom
        .wait_for_robot(&robot_key, |m| m.text.contains(&dz_name), WAIT)
        .await
        .context("the reminder posted by Dongzhuang's group robot")?;
    let nothing = |k: &str| k.starts_with("zero:") && k.ends_with(":n:dongzhuang");
    let reminder = demo.wecom_card(&dz_officer, nothing).await?;
    demo.press_wecom(&dz_officer, &reminder).await?;
    wecom
        .wait_for(WECOM_OFFICER, |m| m.updates > 0, WAIT)
        .await
        .context("the WeCom reminder card updated after the press")?;
    let nanjiao = sim
        .wait_for(nanjiao_officer.id(), WAIT, is_reminder)
        .await?;
    nanjiao_officer.press(&nanjiao, &nanjiao.button_data()[1]);
    sim.wait_for(nanjiao_officer.id(), WAIT, |m| m.text().contains("/cancel"))
        .await?;
    demo.say(&nanjiao_officer, script.line("incident")).await?;
    let incident = sim
        .wait_for(chief.id(), WAIT, |m| {
            m.text().contains(script.line("incident"))
        })
        .await?;
    chief.press(&incident, &incident.button_data()[0]);

    demo.narrate(&tr!(i18n, l, "demo-deadline")).await;
    let village = entries
        .iter()
        .find(|e| e.id == "nanjiaocun")
        .map(|e| e.name.clone())
        .unwrap_or_default();
    let missing = sim
        .wait_for(chief.id(), ROUND, |m| {
            m.text().contains(&village) && !m.buttons.is_empty()
        })
        .await?;
    demo.say(&xihe_officer, "/zero").await?;
    // The same item's next alert, one level up.
    sim.wait_for(chief.id(), ROUND, |m| {
        m.message_id != missing.message_id && m.button_data() == missing.button_data()
    })
    .await?;
    chief.press(&missing, &missing.button_data()[0]);

    demo.narrate(&tr!(i18n, l, "demo-summary")).await;
    sim.wait_for(chief.id(), ROUND, |m| m.text().contains("📊"))
        .await?;
    demo.say(&town_lead, "/today").await?;

    demo.narrate(&tr!(i18n, l, "demo-hazard")).await;
    worker.send_photo(Some(script.line("hazard_photo")));
    let forest = Action::HzCategory("forest_fire".into()).data();
    let kind = sim
        .wait_for(worker.id(), WAIT, |m| m.button_data().contains(&forest))
        .await?;
    worker.press(&kind, &forest);
    let submit = Action::HzSubmit { major: false }.data();
    let confirm = sim
        .wait_for(worker.id(), WAIT, |m| m.button_data().contains(&submit))
        .await?;
    worker.press(&confirm, &submit);
    let report = sim
        .wait_for(li_officer.id(), WAIT, |m| {
            m.text().contains("H-1") && !m.buttons.is_empty()
        })
        .await?;
    li_officer.press(&report, &report.button_data()[0]);
    let acknowledged = tr!(i18n, Lang::ZhCn, "hz-state-acknowledged");
    sim.wait_for(worker.id(), WAIT, |m| {
        m.text().contains("H-1") && m.text().contains(&acknowledged)
    })
    .await?;
    demo.say(
        &li_officer,
        &format!("/done H-1 {}", script.line("done_note")),
    )
    .await?;
    demo.say(&town_lead, "/close H-1").await?;
    demo.say(&worker, "/report H-1").await?;

    demo.narrate(&tr!(i18n, l, "demo-hazard-ignored")).await;
    xihe_officer.send_location(36.79, 117.93);
    let geological = Action::HzCategory("geological".into()).data();
    let kind = sim
        .wait_for(xihe_officer.id(), WAIT, |m| {
            m.button_data().contains(&geological)
        })
        .await?;
    xihe_officer.press(&kind, &geological);
    demo.say(&xihe_officer, script.line("major_hazard")).await?;
    let major = Action::HzSubmit { major: true }.data();
    let confirm = sim
        .wait_for(xihe_officer.id(), WAIT, |m| {
            m.button_data().contains(&major)
        })
        .await?;
    xihe_officer.press(&confirm, &major);
    sim.wait_for(town_lead.id(), ROUND, |m| {
        m.text().contains("H-2") && m.button_data().iter().any(|d| d.starts_with("ack:"))
    })
    .await?;

    demo.narrate(&tr!(i18n, l, "demo-wecom-hazard")).await;
    // A location, a kind on a card, the words, and the card that files it.
    let pushed = dz_worker
        .send_location(36.7, 117.9, script.line("dz_place"))
        .await;
    anyhow::ensure!(pushed.delivered(), "/wecom did not take the location");
    let forest = Action::HzCategory("forest_fire".into()).data();
    let kind = demo.wecom_card(&dz_worker, |k| k == forest).await?;
    demo.press_wecom(&dz_worker, &kind).await?;
    let submit = Action::HzSubmit { major: false }.data();
    demo.say_wecom(&dz_worker, script.line("dz_hazard")).await?;
    let confirm = demo.wecom_card(&dz_worker, |k| k == submit).await?;
    demo.press_wecom(&dz_worker, &confirm).await?;
    // The third hazard of the day.
    let id = "H-3";
    // The village's group robot posts it; a robot has no buttons, so the officer answers in
    // the app.
    wecom
        .wait_for_robot(&robot_key, |m| m.text.contains(id), WAIT)
        .await
        .context("the hazard posted by the group robot")?;
    demo.say_wecom(&dz_officer, &format!("/ack {id}")).await?;
    wecom
        .wait_for(
            WECOM_WORKER,
            |m| m.text.contains(id) && m.text.contains(&acknowledged),
            WAIT,
        )
        .await
        .context("the grid worker told in WeCom")?;
    demo.say_wecom(
        &dz_officer,
        &format!("/done {id} {}", script.line("dz_done")),
    )
    .await?;

    demo.narrate(&tr!(i18n, l, "demo-roster")).await;
    sim.wait_for(li_relief.id(), ROUND, |m| m.text().contains("🔁"))
        .await?;
    sim.wait_for(li_officer.id(), WAIT, |m| m.text().contains("🔁"))
        .await?;
    demo.say(&li_relief, "/duty").await?;

    demo.narrate(&tr!(i18n, l, "demo-warning")).await;
    demo.say(
        &chief,
        &format!("/warn wangcun red {}", script.line("warning")),
    )
    .await?;
    let ok = Action::WarnOk(1).data();
    let is_copy = |m: &crate::sim::SentMessage| m.button_data().contains(&ok);
    for who in [&town_lead, &li_officer, &li_relief, &town_officer, &worker] {
        let copy = sim.wait_for(who.id(), WAIT, is_copy).await?;
        who.press(&copy, &ok);
    }
    let in_room = sim.wait_for(room.id(), WAIT, is_copy).await?;
    town_officer.in_group(&room).press(&in_room, &ok);
    // Ranger Xi stays silent: the warning again, then the town's supervisor is told to call.
    sim.wait_for(xihe_officer.id(), ROUND, |m| {
        is_copy(m) && m.text().contains("⏰")
    })
    .await?;
    let call = sim
        .wait_for(town_lead.id(), ROUND, |m| {
            m.text().contains(script.person("xihe_officer"))
                && m.button_data().iter().any(|d| d.starts_with("ack:"))
        })
        .await?;
    town_lead.press(&call, &call.button_data()[0]);
    let late = sim.wait_for(xihe_officer.id(), WAIT, is_copy).await?;
    xihe_officer.press(&late, &ok);
    sim.wait_for(town_lead.id(), WAIT, |m| {
        m.text().contains("✅") && m.message_id > call.message_id
    })
    .await?;
    chief.send_text(&format!("/warn_end W-1 {}", script.line("warning_end")));
    sim.wait_for(xihe_officer.id(), WAIT, |m| {
        m.text().contains(script.line("warning_end"))
    })
    .await?;
    let ended = tr!(i18n, Lang::ZhCn, "warn-ended", id = "W-1");
    sim.wait_for(chief.id(), WAIT, |m| m.text() == ended)
        .await?;
    chief.send_text("/warning W-1");
    let all = tr!(i18n, Lang::ZhCn, "warning-all-units");
    sim.wait_for(chief.id(), WAIT, |m| m.text().contains(&all))
        .await?;

    demo.narrate(&tr!(i18n, l, "demo-tip")).await;
    let tipster = sim.user(1010, script.person("tipster"), Some("zh-CN"));
    demo.say(&tipster, "/tip").await?;
    demo.say(&tipster, script.line("tip")).await?;
    let ready = sim
        .wait_for(tipster.id(), WAIT, |m| !m.buttons.is_empty())
        .await?;
    tipster.press(&ready, &ready.button_data()[0]);
    sim.wait_for(tipster.id(), WAIT, |m| m.text().contains("T-1"))
        .await?;
    sim.wait_for(chief.id(), WAIT, |m| {
        m.text().contains("T-1") && !m.buttons.is_empty()
    })
    .await?;
    demo.say(
        &chief,
        &format!("/reply T-1 {}", script.line("tip_question")),
    )
    .await?;
    sim.wait_for(tipster.id(), WAIT, |m| {
        m.text().contains(script.line("tip_question"))
    })
    .await?;
    tipster.send_text(script.line("tip_answer"));
    sim.wait_for(chief.id(), WAIT, |m| {
        m.text().contains(script.line("tip_answer"))
    })
    .await?;
    demo.say(&chief, "/reward T-1 proposed 500").await?;
    sim.wait_for(tipster.id(), WAIT, |m| m.text().contains("500"))
        .await?;

    demo.narrate(&tr!(i18n, l, "demo-outbox")).await;
    // The last replies may still be on their way; the outbox drains within moments.
    let mut counts = store.outbox_counts().await?;
    for _ in 0..100 {
        if counts.0 == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        counts = store.outbox_counts().await?;
    }
    demo.flush().await;
    let (pending, sent, failed) = counts;
    println!(
        "{}",
        tr!(
            i18n,
            l,
            "demo-counts",
            sent = sent,
            pending = pending,
            failed = failed
        )
    );

    if let (Some(until), Some(addr)) = (board, running.http_addr) {
        let now = chrono::Utc::now().timestamp_millis();
        let token = crate::board::issue_token(&store, "zhoucun", None, now, None).await?;
        let base = url::Url::parse(&format!("http://{addr}"))?;
        println!("\n{}", tr!(i18n, l, "demo-board"));
        println!("{}", crate::board::link(&base, &token));
        until.await;
    }
    running.shutdown().await;
    sim.shutdown();
    wecom.shutdown();
    Ok(())
}
