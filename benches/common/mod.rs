//! Shared by the benchmarks: a generated district (units, people, memberships, duty rooms)
//! loaded straight into the database, SQL helpers for both backends, a fresh PostgreSQL
//! schema, the markdown results file, and the inbound workload (`load`).
#![allow(dead_code)]

pub mod board;
pub mod load;

use lookout::sim::{SimUser, Simulator};
use lookout::store::Store;
use std::path::PathBuf;

/// A number from the environment (a bench's scale or window), else `default`.
pub fn env_num<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// CPU seconds this process (bot and simulator) has used so far, from /proc/self/stat
/// (utime + stime, in the kernel's 100 Hz clock ticks).
pub fn cpu_secs() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the parenthesised command name; utime and stime are the 12th and 13th.
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let f: Vec<f64> = rest
        .split_whitespace()
        .skip(11)
        .take(2)
        .filter_map(|v| v.parse().ok())
        .collect();
    f.iter().sum::<f64>() / 100.0
}

pub fn pg_base() -> String {
    std::env::var("LOOKOUT_BENCH_PG")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

pub async fn exec(store: &Store, sql: &str) -> anyhow::Result<()> {
    match store {
        Store::Sqlite(p) => sqlx::query(sql).execute(p).await.map(|_| ())?,
        Store::Postgres(p) => sqlx::query(sql).execute(p).await.map(|_| ())?,
        Store::Batch(_) => unreachable!("only the update processor works in a batch"),
    }
    Ok(())
}

pub async fn count(store: &Store, sql: &str) -> anyhow::Result<i64> {
    Ok(match store {
        Store::Sqlite(p) => sqlx::query_scalar(sql).fetch_one(p).await?,
        Store::Postgres(p) => sqlx::query_scalar(sql).fetch_one(p).await?,
        Store::Batch(_) => unreachable!("only the update processor works in a batch"),
    })
}

pub async fn pairs(store: &Store, sql: &str) -> anyhow::Result<Vec<(i64, i64)>> {
    Ok(match store {
        Store::Sqlite(p) => sqlx::query_as(sql).fetch_all(p).await?,
        Store::Postgres(p) => sqlx::query_as(sql).fetch_all(p).await?,
        Store::Batch(_) => unreachable!("only the update processor works in a batch"),
    })
}

/// The two storage backends a bench compares.
#[derive(Clone, Copy, PartialEq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "SQLite",
            Backend::Postgres => "PostgreSQL",
        }
    }
}

/// A fresh database for one run: a SQLite file in a temporary folder (kept while `dir`
/// lives) or a PostgreSQL schema of its own (`schema`, to drop when done).
pub struct BenchDb {
    pub url: String,
    pub dir: Option<tempfile::TempDir>,
    pub schema: Option<PgSchema>,
}

impl BenchDb {
    pub async fn create(backend: Backend, tag: &str) -> anyhow::Result<BenchDb> {
        Ok(match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir()?;
                let url = format!("sqlite://{}", dir.path().join("bench.db").display());
                BenchDb {
                    url,
                    dir: Some(dir),
                    schema: None,
                }
            }
            Backend::Postgres => {
                let schema = PgSchema::create(tag).await?;
                BenchDb {
                    url: schema.url.clone(),
                    dir: None,
                    schema: Some(schema),
                }
            }
        })
    }
}

/// A schema of its own in the shared PostgreSQL database, dropped by `drop_schema`.
pub struct PgSchema {
    pub url: String,
    name: String,
}

impl PgSchema {
    pub async fn create(tag: &str) -> anyhow::Result<PgSchema> {
        let base = pg_base();
        let name = format!("bench_{tag}_{}", std::process::id());
        let admin = Store::connect(&base).await?;
        exec(&admin, &format!("DROP SCHEMA IF EXISTS {name} CASCADE")).await?;
        exec(&admin, &format!("CREATE SCHEMA {name}")).await?;
        admin.close().await;
        let sep = if base.contains('?') { '&' } else { '?' };
        let url = format!("{base}{sep}options=-c%20search_path%3D{name}");
        Ok(PgSchema { url, name })
    }

    pub async fn drop_schema(self) -> anyhow::Result<()> {
        let admin = Store::connect(&pg_base()).await?;
        exec(&admin, &format!("DROP SCHEMA {} CASCADE", self.name)).await?;
        admin.close().await;
        Ok(())
    }
}

pub struct UnitSpec {
    pub id: String,
    pub name: String,
    pub parent: Option<String>,
    /// The bound duty-room group, if any.
    pub duty_chat: Option<i64>,
    /// 0 the district, 1 a town, 2 a village.
    pub level: usize,
}

pub struct PersonSpec {
    pub tg_user_id: i64,
    pub unit: usize,
    pub role: &'static str,
}

/// How many people of each role a unit at one level of the tree has.
#[derive(Clone, Copy)]
pub struct Staff {
    pub supervisors: usize,
    pub duty_officers: usize,
    pub grid_workers: usize,
}

impl Staff {
    fn roles(&self) -> impl Iterator<Item = &'static str> {
        std::iter::repeat_n("supervisor", self.supervisors)
            .chain(std::iter::repeat_n("duty_officer", self.duty_officers))
            .chain(std::iter::repeat_n("grid_worker", self.grid_workers))
    }
}

pub struct Org {
    pub units: Vec<UnitSpec>,
    pub people: Vec<PersonSpec>,
}

/// Telegram ids of generated people start here (groups are negative).
pub const FIRST_USER: i64 = 1_000_000;

impl Org {
    /// A district → `towns` towns → `villages` villages each. `village_room(k)` says whether
    /// the k-th village has bound a duty-room group (the district and towns always have).
    pub fn district(
        towns: usize,
        villages: usize,
        staff: [Staff; 3],
        village_room: impl Fn(usize) -> bool,
    ) -> Org {
        let mut units = vec![UnitSpec {
            id: "d".into(),
            name: "周村区".into(),
            parent: None,
            duty_chat: Some(-1),
            level: 0,
        }];
        for t in 0..towns {
            let town = format!("t{t}");
            units.push(UnitSpec {
                id: town.clone(),
                name: format!("第{t}镇"),
                parent: Some("d".into()),
                duty_chat: Some(-(units.len() as i64) - 1),
                level: 1,
            });
            for v in 0..villages {
                let k = t * villages + v;
                units.push(UnitSpec {
                    id: format!("t{t}v{v}"),
                    name: format!("第{t}镇{v}村"),
                    parent: Some(town.clone()),
                    duty_chat: village_room(k).then(|| -(units.len() as i64) - 1),
                    level: 2,
                });
            }
        }
        let mut people = Vec::new();
        for (unit, spec) in units.iter().enumerate() {
            for role in staff[spec.level].roles() {
                people.push(PersonSpec {
                    tg_user_id: FIRST_USER + people.len() as i64,
                    unit,
                    role,
                });
            }
        }
        Org { units, people }
    }

    /// The people and the duty-room groups, in the simulator.
    pub fn in_simulator(&self, sim: &Simulator) -> Vec<SimUser> {
        for u in &self.units {
            if let Some(chat) = u.duty_chat {
                sim.group(chat, &format!("{}值班室", u.name));
            }
        }
        self.people
            .iter()
            .map(|p| {
                sim.user(
                    p.tg_user_id,
                    &format!("巡查员{}", p.tg_user_id),
                    Some("zh-CN"),
                )
            })
            .collect()
    }

    /// Written with multi-row INSERTs in one transaction: seconds for 100,000 people.
    /// Values are generated here, never user input, so they are inlined into the SQL.
    pub async fn load(&self, store: &Store) -> anyhow::Result<()> {
        let mut tx = store.begin().await?;
        let mut batch = Vec::new();
        for (i, u) in self.units.iter().enumerate() {
            let parent = u
                .parent
                .as_ref()
                .map_or("NULL".into(), |p| format!("'{p}'"));
            let room = u.duty_chat.map_or("NULL".into(), |c| c.to_string());
            batch.push(format!("('{}', '{}', {parent}, {i}, {room})", u.id, u.name));
            if batch.len() == 500 || i + 1 == self.units.len() {
                let sql = format!(
                    "INSERT INTO units (id, name, parent_id, position, duty_chat_id) VALUES {}",
                    batch.join(",")
                );
                tx_exec(&mut tx, &sql).await?;
                batch.clear();
            }
        }
        for (chunk_no, chunk) in self.people.chunks(500).enumerate() {
            let mut people = Vec::new();
            let mut members = Vec::new();
            for (j, p) in chunk.iter().enumerate() {
                let id = (chunk_no * 500 + j + 1) as i64;
                people.push(format!(
                    "({id}, {}, '巡查员{}', 'zh-CN', 0)",
                    p.tg_user_id, p.tg_user_id
                ));
                members.push(format!(
                    "({id}, '{}', '{}', 0)",
                    self.units[p.unit].id, p.role
                ));
            }
            tx_exec(
                &mut tx,
                &format!(
                    "INSERT INTO people (id, tg_user_id, name, lang, created_at) VALUES {}",
                    people.join(",")
                ),
            )
            .await?;
            tx_exec(
                &mut tx,
                &format!(
                    "INSERT INTO memberships (person_id, unit_id, role, created_at) VALUES {}",
                    members.join(",")
                ),
            )
            .await?;
        }
        if let lookout::store::Tx::Postgres(_) = tx {
            // Explicit ids leave the sequence behind; someone joining later needs a free id.
            tx_exec(
                &mut tx,
                "SELECT setval('people_id_seq', (SELECT MAX(id) FROM people))",
            )
            .await?;
        }
        tx.commit().await?;
        // PostgreSQL's autovacuum would analyze the org tables after such a load; SQLite never
        // analyzes by itself, and the bot does not either. Statistics taken now would also
        // describe the outbox and inbox as empty and mislead the planner once they fill up.
        if let Store::Postgres(_) = store {
            exec(store, "ANALYZE units, people, memberships").await?;
        }
        Ok(())
    }
}

async fn tx_exec(tx: &mut lookout::store::Tx, sql: &str) -> anyhow::Result<()> {
    match tx {
        lookout::store::Tx::Sqlite(t) => sqlx::query(sql).execute(&mut **t).await.map(|_| ())?,
        lookout::store::Tx::Postgres(t) => sqlx::query(sql).execute(&mut **t).await.map(|_| ())?,
        lookout::store::Tx::Batch(_) => unreachable!("only the update processor works in a batch"),
    }
    Ok(())
}

pub fn percentile(sorted: &[i64], p: f64) -> i64 {
    if sorted.is_empty() {
        return 0;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

/// `target/bench-results/NAME.md`, read by `benches/run` to assemble BENCHMARKS.md.
pub fn write_section(name: &str, markdown: &str) -> anyhow::Result<PathBuf> {
    let path = results_dir()?.join(format!("{name}.md"));
    std::fs::write(&path, markdown)?;
    Ok(path)
}

/// `target/bench-results` (under `CARGO_TARGET_DIR` when set), created if missing.
pub fn results_dir() -> anyhow::Result<PathBuf> {
    let target = std::env::var("CARGO_TARGET_DIR")
        .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/target").into());
    let dir = PathBuf::from(target).join("bench-results");
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}
