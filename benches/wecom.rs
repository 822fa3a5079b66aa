//! A red warning to 2,000 WeCom members, on SQLite and PostgreSQL, through the real bot and
//! the WeCom simulator with WeCom's limits on both sides: `cargo bench --bench wecom`.
//!
//! One town with its villages, `WECOM_MEMBERS` (default 2,000) people on WeCom holding a role
//! there, and the town's supervisor, also on WeCom, who sends `/warn t0 red TEXT` in the app.
//! Measured: the time from that message being pushed to the bot's `/wecom` to the first copy
//! accepted by the simulator, the copies per second from the first to the last, every copy
//! delivered, and the messages WeCom's limits would have dropped (the target is none).
mod common;

use common::{env_num, write_section, Backend, BenchDb, Org, PersonSpec, UnitSpec};
use lookout::app::{self, Settings, WecomSecrets};
use lookout::channel::{wecom_address, WecomKind};
use lookout::config::{Config, WecomConfig};
use lookout::delivery::Limits;
use lookout::sim::wecom::{WecomEvent, WecomSim, WecomSimConfig};
use lookout::sim::{SimConfig, Simulator};
use std::fmt::Write as _;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const FULL: usize = 2_000;
const TEXT: &str = "今日森林火险等级极高，严禁野外用火";
const FIRST_TARGET_S: f64 = 1.0;

fn userid(i: usize) -> String {
    format!("wm{i:05}")
}

/// The district `d` → the town `t0` → villages; person 0 (`wm00000`) is the town's
/// supervisor, the `n` others its members.
fn town(n: usize) -> Org {
    let villages = (n / 100).clamp(1, 100);
    let unit = |id: String, name: String, parent: Option<&str>, level| UnitSpec {
        id,
        name,
        parent: parent.map(str::to_string),
        duty_chat: None,
        level,
    };
    let mut units = vec![
        unit("d".into(), "周村区".into(), None, 0),
        unit("t0".into(), "王村镇".into(), Some("d"), 1),
    ];
    for v in 0..villages {
        units.push(unit(
            format!("t0v{v}"),
            format!("王村镇{v}村"),
            Some("t0"),
            2,
        ));
    }
    let person = |i: usize, unit, role| PersonSpec {
        tg_user_id: wecom_address(WecomKind::Member, &userid(i)),
        unit,
        role,
    };
    let mut people = vec![person(0, 1, "supervisor")];
    for i in 1..=n {
        let role = if i % 10 == 1 {
            "duty_officer"
        } else {
            "grid_worker"
        };
        people.push(person(i, 2 + i % villages, role));
    }
    Org { units, people }
}

struct Run {
    backend: Backend,
    first_copy_s: f64,
    per_sec: f64,
    delivered: usize,
    dropped: u64,
    token_fetches: u64,
}

async fn run(backend: Backend, n: usize) -> anyhow::Result<Run> {
    let db = BenchDb::create(backend, "wecom").await?;
    let store = app::open_store(&db.url).await?;
    town(n).load(&store).await?;
    let mut tx = store.begin().await?;
    for i in 0..=n {
        tx.remember_wecom(WecomKind::Member, &userid(i)).await?;
    }
    tx.commit().await?;
    store.close().await;

    let wecom = WecomSim::start(WecomSimConfig::default()).await;
    for i in 0..=n {
        wecom.user(&userid(i), &userid(i));
    }
    let telegram = Simulator::start(SimConfig::default()).await?;
    let listen = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?;
    let mut config = Config::default();
    config.http.listen = Some(listen);
    config.wecom = Some(WecomConfig {
        corp_id: wecom.corp_id(),
        agent_id: wecom.agent_id(),
        api_url: wecom.base_url(),
    });
    let mut settings = Settings::new(&telegram.token(), &telegram.api_url(), &db.url, config);
    let secrets = WecomSimConfig::default();
    settings.wecom = Some(WecomSecrets {
        secret: secrets.secret,
        token: secrets.token,
        aes_key: secrets.aes_key,
    });
    settings.limits = Limits::telegram();
    settings.tip_key = Some([7; 32]);
    let running = app::start(settings).await?;
    let addr = running.http_addr.expect("the HTTP listener");
    wecom.set_callback(format!("http://{addr}/wecom"));

    // Each copy's arrival, from the simulator's events (the issuer's own replies excluded).
    let copies: Arc<Mutex<Vec<Instant>>> = Arc::default();
    let mut events = wecom.events();
    let seen = copies.clone();
    let issuer = userid(0);
    let not_issuer = issuer.clone();
    tokio::spawn(async move {
        while let Ok(e) = events.recv().await {
            if let WecomEvent::AppSent { user, message } = e {
                if user != not_issuer && message.text.contains(TEXT) {
                    seen.lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .push(Instant::now());
                }
            }
        }
    });
    let boss = wecom.user(&issuer, "王镇长");
    let sent = Instant::now();
    let pushed = boss.send_text(&format!("/warn t0 red {TEXT}")).await;
    anyhow::ensure!(pushed.delivered(), "the bot did not take /warn");
    let deadline = Instant::now() + Duration::from_secs(600);
    while copies.lock().unwrap_or_else(|p| p.into_inner()).len() < n {
        anyhow::ensure!(Instant::now() < deadline, "copies missing after 600 s");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let at = copies.lock().unwrap_or_else(|p| p.into_inner()).clone();
    let (first, last) = (at[0], at[at.len() - 1]);
    let stats = wecom.stats();
    running.shutdown().await;
    if let Some(s) = db.schema {
        s.drop_schema().await?;
    }
    Ok(Run {
        backend,
        first_copy_s: (first - sent).as_secs_f64(),
        per_sec: (at.len() - 1) as f64 / (last - first).as_secs_f64().max(1e-3),
        delivered: at.len(),
        dropped: stats.dropped,
        token_fetches: stats.token_fetches,
    })
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let n = env_num("WECOM_MEMBERS", FULL);
    let mut runs = Vec::new();
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let r = run(backend, n).await?;
        eprintln!(
            "{}: first copy {:.2} s, {:.0} copies/s, {} delivered, {} dropped",
            r.backend.name(),
            r.first_copy_s,
            r.per_sec,
            r.delivered,
            r.dropped
        );
        runs.push(r);
    }
    if n != FULL {
        return Ok(());
    }
    let mut md = String::from("## A warning to WeCom members (`cargo bench --bench wecom`)\n\n");
    md.push_str(
        "A red warning from a town supervisor in the WeCom app to 2,000 members of the town \
         and its villages, all on WeCom; the real bot (release) with `[wecom]`, WeCom's limits \
         in the simulator (30 a minute and 1,000 an hour per member, excess dropped silently \
         and counted) and in the sender. First copy: the `/warn` message pushed to `/wecom` → \
         the first copy accepted; rate: copies from the first to the last.\n\n",
    );
    md.push_str("| backend | members | first copy s | copies/s | delivered | dropped by the limits | token fetches |\n|---|---:|---:|---:|---:|---:|---:|\n");
    for r in &runs {
        let _ = writeln!(
            md,
            "| {} | {n} | {:.2} | {:.0} | {} | {} | {} |",
            r.backend.name(),
            r.first_copy_s,
            r.per_sec,
            r.delivered,
            r.dropped,
            r.token_fetches
        );
    }
    let met = runs
        .iter()
        .all(|r| r.first_copy_s <= FIRST_TARGET_S && r.dropped == 0 && r.delivered == n);
    let _ = writeln!(
        md,
        "\nTarget: the first copy within {FIRST_TARGET_S} s, every copy delivered and none dropped: **{}**.",
        if met { "met" } else { "missed" }
    );
    write_section("wecom", &md)?;
    Ok(())
}
