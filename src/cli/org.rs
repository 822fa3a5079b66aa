//! The organisation from the command line: `org import|export`, `invite` and `board-link`.
use crate::app;
use crate::channel::WecomKind;
use crate::clock::Clock;
use crate::config::{Config, Span};
use crate::i18n::I18n;
use crate::membership;
use crate::org::{file as orgfile, Role, Unit};
use crate::store::{AdminEvent, Store};
use crate::tr;
use anyhow::{bail, Context as _};
use std::path::Path;

pub async fn import(database_url: &str, config: &Config, file: &Path) -> anyhow::Result<()> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    let store = app::open_store(database_url).await?;
    let source = file.display().to_string();
    let (added, updated) =
        membership::import_units(&store, &text, &source, Clock::system().now_ms()).await?;
    let (added, updated) = (added as i64, updated as i64);
    let i18n = I18n::load()?;
    let done = tr!(
        i18n,
        config.locale,
        "cli-imported",
        added = added,
        updated = updated
    );
    println!("{done}");
    Ok(())
}

pub async fn export(database_url: &str) -> anyhow::Result<()> {
    let store = app::open_store(database_url).await?;
    print!("{}", orgfile::export(&store.units().await?));
    Ok(())
}

/// A unit that must exist: the org file is imported first.
async fn known_unit(store: &Store, unit: &str) -> anyhow::Result<Unit> {
    match store.unit(unit).await? {
        Some(found) => Ok(found),
        None => {
            bail!("unknown unit {unit:?}: import the org file first (`lookout org import FILE`)")
        }
    }
}

/// `lookout invite`: a code for onboarding in bulk (no per-admin limit); the code is the
/// last line printed.
/// `lookout room`: the unit's duty room becomes the group robot with this webhook key, or
/// (`None`) the unit has none.
pub async fn room(
    database_url: &str,
    config: &Config,
    unit: &str,
    robot: Option<&str>,
) -> anyhow::Result<()> {
    let store = app::open_store(database_url).await?;
    let found = known_unit(&store, unit).await?;
    let (i18n, l) = (I18n::load()?, config.locale);
    let mut tx = store.begin().await?;
    let said = match robot {
        Some(key) => {
            let key = key.trim();
            if !crate::channel::valid_robot_key(key) {
                bail!(
                    "--wecom-robot takes the key from the robot's webhook address (…/send?key=KEY)"
                );
            }
            let chat = tx.remember_wecom(WecomKind::Robot, key).await?;
            tx.bind_duty_room(&found.id, chat).await?;
            tr!(i18n, l, "cli-room-robot", unit = found.name.clone())
        }
        None => {
            tx.clear_duty_room(&found.id).await?;
            tr!(i18n, l, "cli-room-cleared", unit = found.name.clone())
        }
    };
    let (kind, detail) = match robot {
        Some(_) => ("duty_room.bound", "WeCom group robot"),
        None => ("duty_room.cleared", ""),
    };
    tx.add_admin_event(&AdminEvent {
        at: Clock::system().now_ms(),
        kind,
        unit_id: Some(&found.id),
        person_id: None,
        detail,
    })
    .await?;
    tx.commit().await?;
    println!("{said}");
    Ok(())
}

pub async fn invite(
    database_url: &str,
    config: &Config,
    unit: &str,
    role: Role,
    uses: u32,
    expires: Option<Span>,
) -> anyhow::Result<()> {
    if uses == 0 {
        bail!("--uses must be at least 1");
    }
    let store = app::open_store(database_url).await?;
    let found = known_unit(&store, unit).await?;
    let now = Clock::system().now_ms();
    let grant = membership::Grant {
        unit_id: &found.id,
        role,
        uses,
        expires_at: expires.map(|s| now + s.as_std().as_millis() as i64),
    };
    let expiry = expires.map(|s| format!("expires in {s}"));
    let mut tx = store.begin().await?;
    let code = membership::issue_invite(&mut tx, &grant, None, expiry.as_deref(), now).await?;
    tx.commit().await?;
    let (i18n, l) = (I18n::load()?, config.locale);
    let expiry = match expires {
        Some(s) => tr!(i18n, l, "cli-expires-in", span = s.to_string()),
        None => tr!(i18n, l, "invite-expires-never"),
    };
    let role = role.name(&i18n, l);
    let unit = found.name;
    let made = tr!(
        i18n,
        l,
        "cli-invite",
        unit = unit,
        role = role,
        uses = uses,
        expires = expiry
    );
    println!("{made}");
    println!("{code}");
    Ok(())
}

/// `lookout board-link --unit UNIT`: a link to the unit's board, the last line printed.
pub async fn board_link(
    database_url: &str,
    config: &Config,
    unit: &str,
    expires: Option<Span>,
) -> anyhow::Result<()> {
    let store = app::open_store(database_url).await?;
    let found = known_unit(&store, unit).await?;
    let base = match (&config.board.public_url, config.http.listen) {
        (Some(u), _) => u.clone(),
        (None, Some(listen)) => url::Url::parse(&format!("http://{listen}"))?,
        (None, None) => bail!(
            "no address for the link: set [board] public_url (or [http] listen) in the config file"
        ),
    };
    let now = Clock::system().now_ms();
    let expires_at = expires.map(|s| now + s.as_std().as_millis() as i64);
    let token = crate::board::issue_token(&store, &found.id, None, now, expires_at).await?;
    let (i18n, l) = (I18n::load()?, config.locale);
    let until = match expires_at {
        Some(at) => {
            let when = crate::clock::from_ms(at)
                .with_timezone(&config.timezone)
                .format("%Y-%m-%d %H:%M")
                .to_string();
            tr!(i18n, l, "invite-expires-at", when = when)
        }
        None => tr!(i18n, l, "invite-expires-never"),
    };
    let unit = found.name;
    println!(
        "{}",
        tr!(i18n, l, "cli-board-link", unit = unit, expires = until)
    );
    println!("{}", crate::board::link(&base, &token));
    Ok(())
}

/// `lookout board-link --revoke PREFIX`: every link whose token starts with it stops working.
pub async fn revoke_board_links(
    database_url: &str,
    config: &Config,
    prefix: &str,
) -> anyhow::Result<()> {
    let len = crate::board::PREFIX_LEN;
    let prefix: String = prefix.chars().take(len).collect();
    if prefix.chars().count() < len {
        bail!("--revoke needs the token's first {len} characters");
    }
    let store = app::open_store(database_url).await?;
    let n = store
        .revoke_board_tokens(&prefix, Clock::system().now_ms())
        .await? as i64;
    let i18n = I18n::load()?;
    println!(
        "{}",
        tr!(i18n, config.locale, "cli-board-revoked", count = n)
    );
    Ok(())
}
