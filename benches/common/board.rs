//! The board bench's district, shared by the benches that serve its board: 10,000 units on
//! the map, a month of closed rounds, today's open with a fifth of the villages answered, the
//! real bot with its HTTP listener.
use super::{count, exec, Backend, BenchDb, Org, Staff};
use lookout::app::{self, Running, Settings};
use lookout::clock::Clock;
use lookout::config::Config;
use lookout::delivery::Limits;
use lookout::sim::{SimConfig, SimUser, Simulator};
use lookout::store::Store;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

pub const TOWNS: usize = 100;
pub const VILLAGES: usize = 99;
/// The round opens at 08:00 (the default schedule); the clock starts just before it.
const START: &str = "2026-11-30T07:59:57+08:00";
/// The month's earlier rounds: November 1st to 29th.
const EARLIER_ROUNDS: i64 = 29;

pub struct District {
    pub sim: Simulator,
    pub db: BenchDb,
    pub store: Store,
    pub org: Org,
    pub users: Vec<SimUser>,
    pub units: i64,
    /// Villages that answered today's round (the first of `villages()`).
    pub answered: usize,
    /// The bot's clock: this much ahead of the system's.
    offset: chrono::Duration,
}

impl District {
    /// The district on `backend` with the bot serving it (`board_cache`: `None` keeps the
    /// default), once today's round is open, reminded and a fifth of the villages answered.
    pub async fn open(
        backend: Backend,
        towns: usize,
        tag: &str,
        board_cache: Option<Duration>,
    ) -> anyhow::Result<(District, Running)> {
        let sim = Simulator::start(SimConfig {
            limits: None,
            ..SimConfig::default()
        })
        .await?;
        let db = BenchDb::create(backend, tag).await?;
        let store = app::open_store(&db.url).await?;
        let one_officer = Staff {
            supervisors: 0,
            duty_officers: 1,
            grid_workers: 0,
        };
        let org = Org::district(towns, VILLAGES, [one_officer; 3], |_| false);
        org.load(&store).await?;
        // Every unit on the map, on a grid over the district.
        exec(
            &store,
            "UPDATE units SET lat = 36.5 + (position % 100) * 0.005, lon = 117.5 + (position / 100) * 0.005",
        )
        .await?;
        earlier_rounds(&store).await?;
        let users: Vec<SimUser> = org.in_simulator(&sim);
        let units = org.units.len() as i64;

        let start = chrono::DateTime::parse_from_rfc3339(START)?.with_timezone(&chrono::Utc);
        let offset = start - chrono::Utc::now();
        let s = settings(&sim, &db.url, offset, board_cache);
        let running = app::start(s).await?;

        // Today's round opens for every unit (the earlier ones have ids below 0) and its
        // reminders go out.
        wait_count(
            &store,
            "SELECT COUNT(*) FROM zero_expected WHERE round_id >= 0",
            units,
            Duration::from_secs(120),
        )
        .await?;
        wait_count(
            &store,
            "SELECT COUNT(*) FROM outbox WHERE state <> 'pending'",
            count(&store, "SELECT COUNT(*) FROM outbox").await?,
            Duration::from_secs(300),
        )
        .await?;
        // A fifth of the villages answer.
        let villages = villages(&org, &users);
        let answered = villages.len() / 5;
        for (_, u) in villages.iter().take(answered) {
            u.send_text("/zero");
        }
        wait_count(
            &store,
            "SELECT COUNT(*) FROM zero_answers WHERE round_id >= 0",
            answered as i64,
            Duration::from_secs(300),
        )
        .await?;
        println!("{}: {units} units, {answered} answered", backend.name());
        let district = District {
            sim,
            db,
            store,
            org,
            users,
            units,
            answered,
            offset,
        };
        Ok((district, running))
    }

    /// The settings the bot was started with, for starting it again (`board_cache` as in
    /// `open`).
    pub fn settings(&self, board_cache: Option<Duration>) -> Settings {
        settings(&self.sim, &self.db.url, self.offset, board_cache)
    }

    /// Where the bot serves the board.
    pub fn addr(running: &Running) -> anyhow::Result<SocketAddr> {
        running
            .http_addr
            .ok_or_else(|| anyhow::anyhow!("no HTTP listener"))
    }

    /// The bot's time now.
    pub fn now_ms(&self) -> i64 {
        chrono::Utc::now().timestamp_millis() + self.offset.num_milliseconds()
    }

    /// Each village's unit (its index in `org.units`) and its officer.
    pub fn villages(&self) -> Vec<(usize, &SimUser)> {
        villages(&self.org, &self.users)
    }

    /// Stop the bot as a crash would and drop the database.
    pub async fn close(self, running: Running) -> anyhow::Result<()> {
        running.kill();
        self.sim.shutdown();
        tokio::time::sleep(Duration::from_millis(300)).await;
        self.store.close().await;
        if let Some(s) = self.db.schema {
            s.drop_schema().await?;
        }
        Ok(())
    }
}

fn villages<'a>(org: &Org, users: &'a [SimUser]) -> Vec<(usize, &'a SimUser)> {
    org.people
        .iter()
        .zip(users)
        .filter(|(p, _)| org.units[p.unit].level == 2)
        .map(|(p, u)| (p.unit, u))
        .collect()
}

fn settings(
    sim: &Simulator,
    db_url: &str,
    offset: chrono::Duration,
    board_cache: Option<Duration>,
) -> Settings {
    let mut config = Config::default();
    config.http.listen = Some(([127, 0, 0, 1], 0).into());
    let mut s = Settings::new(&sim.token(), &sim.api_url(), db_url, config);
    s.poll_timeout_secs = 1;
    s.tip_key = Some([7; 32]);
    s.limits = Limits::none();
    s.clock = Clock::from_fn(move || chrono::Utc::now() + offset);
    if let Some(window) = board_cache {
        s.board_cache = window;
    }
    s
}

/// The month so far, closed: every unit expected each day, nine in ten answered (one in
/// seven of those late), under round ids below 0 so that today's keeps its own. Generated
/// values, inlined.
pub async fn earlier_rounds(store: &Store) -> anyhow::Result<()> {
    for day in 1..=EARLIER_ROUNDS {
        // 08:00 in Asia/Shanghai is midnight UTC.
        let opened = chrono::NaiveDate::from_ymd_opt(2026, 11, day as u32)
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .ok_or_else(|| anyhow::anyhow!("a day of November"))?
            .and_utc()
            .timestamp_millis();
        exec(
            store,
            &format!(
                "INSERT INTO zero_rounds (id, opened_at, closes_at, day, state) \
                 VALUES ({}, {opened}, {}, '2026-11-{day:02}', 'closed')",
                -day,
                opened + 2 * 3_600_000
            ),
        )
        .await?;
    }
    exec(
        store,
        "INSERT INTO zero_expected (round_id, unit_id) \
         SELECT r.id, u.id FROM zero_rounds r, units u WHERE r.id < 0",
    )
    .await?;
    exec(
        store,
        "INSERT INTO zero_answers (round_id, unit_id, kind, text, person_id, answered_at, late) \
         SELECT e.round_id, e.unit_id, 'nothing', NULL, (SELECT MIN(id) FROM people), \
                r.opened_at + 600000, u.position % 7 = 0 \
         FROM zero_expected e JOIN zero_rounds r ON r.id = e.round_id JOIN units u ON u.id = e.unit_id \
         WHERE r.id < 0 AND (u.position - r.id) % 10 <> 0",
    )
    .await
}

pub async fn wait_count(
    store: &Store,
    sql: &str,
    want: i64,
    within: Duration,
) -> anyhow::Result<()> {
    let deadline = Instant::now() + within;
    loop {
        let n = count(store, sql).await?;
        if n >= want {
            return Ok(());
        }
        anyhow::ensure!(Instant::now() < deadline, "{sql}: {n} of {want}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
