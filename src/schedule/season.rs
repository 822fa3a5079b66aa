//! Is the fire season on? The calendar from the config, unless an admin overrode it.
use crate::context::Ctx;
use crate::store::{Store, StoreError, Tx};
use chrono::{DateTime, Utc};

const KEY: &str = "season_override";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    On,
    Off,
    Auto,
}

impl Mode {
    pub fn parse(s: &str) -> Option<Mode> {
        match s.trim().to_ascii_lowercase().as_str() {
            "on" => Some(Mode::On),
            "off" => Some(Mode::Off),
            "auto" => Some(Mode::Auto),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Mode::On => "on",
            Mode::Off => "off",
            Mode::Auto => "auto",
        }
    }
}

pub async fn mode(store: &Store) -> Result<Mode, StoreError> {
    Ok(mode_of(store.setting(KEY).await?))
}

/// [`mode`] as the open transaction `tx` sees it.
pub async fn mode_in(tx: &mut Tx) -> Result<Mode, StoreError> {
    Ok(mode_of(tx.setting(KEY).await?))
}

/// The stored setting; none, or one no version writes, follows the calendar.
fn mode_of(stored: Option<String>) -> Mode {
    stored
        .as_deref()
        .and_then(Mode::parse)
        .unwrap_or(Mode::Auto)
}

pub async fn set_mode(tx: &mut Tx, mode: Mode, now: i64) -> Result<(), StoreError> {
    tx.set_setting(KEY, mode.as_str(), now).await
}

/// The answer for one instant, given the override.
pub fn is_on_with(ctx: &Ctx, mode: Mode, at: DateTime<Utc>) -> bool {
    match mode {
        Mode::On => true,
        Mode::Off => false,
        Mode::Auto => ctx
            .config
            .fire_season
            .contains(at.with_timezone(&ctx.config.timezone).date_naive()),
    }
}

pub async fn is_on(ctx: &Ctx, at: DateTime<Utc>) -> Result<bool, StoreError> {
    Ok(is_on_with(ctx, mode(&ctx.store).await?, at))
}

/// The first firing of `cron` after `after` that falls in the fire season (the next round's
/// opening, as `on_remind` skips firings outside it); `None` when the season is switched off
/// or the calendar holds no day of it within a year.
pub fn next_firing_in_season(
    season: &crate::config::FireSeason,
    tz: chrono_tz::Tz,
    mode: Mode,
    cron: &crate::config::CronSchedule,
    after: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    use chrono::TimeZone;
    let on = |at: DateTime<Utc>| match mode {
        Mode::On => true,
        Mode::Off => false,
        Mode::Auto => season.contains(at.with_timezone(&tz).date_naive()),
    };
    if mode == Mode::Off {
        return None;
    }
    let mut after = after;
    // Each pass either finds the firing or jumps to the next day in season: a year at most.
    for _ in 0..400 {
        let firing = cron.next_after(after, tz)?;
        if on(firing) {
            return Some(firing);
        }
        let day = firing.with_timezone(&tz).date_naive();
        let next = (1..=366)
            .filter_map(|k| day.checked_add_days(chrono::Days::new(k)))
            .find(|d| season.contains(*d))?;
        let midnight = tz
            .from_local_datetime(&next.and_hms_opt(0, 0, 0)?)
            .earliest()?
            .with_timezone(&Utc);
        after = midnight - chrono::Duration::milliseconds(1);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{CronSchedule, FireSeason, SeasonRange};

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn the_next_round_is_the_first_firing_in_season() {
        let tz: chrono_tz::Tz = "Asia/Shanghai".parse().unwrap();
        let season = FireSeason {
            periods: vec![SeasonRange::parse("11-01..05-31").unwrap()],
        };
        let cron = CronSchedule::parse("0 0 8 * * *").unwrap();
        let next = |mode, now| next_firing_in_season(&season, tz, mode, &cron, at(now));
        // In season, before and after the day's firing.
        assert_eq!(
            next(Mode::Auto, "2026-11-16T07:00:00+08:00"),
            Some(at("2026-11-16T08:00:00+08:00"))
        );
        assert_eq!(
            next(Mode::Auto, "2026-11-16T09:00:00+08:00"),
            Some(at("2026-11-17T08:00:00+08:00"))
        );
        // Off season: the season's first morning; the last day of a season still has its own.
        assert_eq!(
            next(Mode::Auto, "2026-07-10T12:00:00+08:00"),
            Some(at("2026-11-01T08:00:00+08:00"))
        );
        assert_eq!(
            next(Mode::Auto, "2026-05-31T07:00:00+08:00"),
            Some(at("2026-05-31T08:00:00+08:00"))
        );
        assert_eq!(
            next(Mode::Auto, "2026-05-31T09:00:00+08:00"),
            Some(at("2026-11-01T08:00:00+08:00"))
        );
        // Overridden: on is the next firing whatever the calendar; off is never.
        assert_eq!(
            next(Mode::On, "2026-07-10T12:00:00+08:00"),
            Some(at("2026-07-11T08:00:00+08:00"))
        );
        assert_eq!(next(Mode::Off, "2026-11-16T07:00:00+08:00"), None);
        let never = FireSeason { periods: vec![] };
        assert_eq!(
            next_firing_in_season(
                &never,
                tz,
                Mode::Auto,
                &cron,
                at("2026-11-16T07:00:00+08:00")
            ),
            None
        );
    }
}
