//! `CronSchedule`: a six-field cron expression (seconds first), read in a time zone.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

/// A validated cron schedule and the text it was written as.
///
/// Day-of-week follows the `cron` crate: 1 = Sunday, so prefer names (`MON-FRI`).
#[derive(Clone)]
pub struct CronSchedule {
    schedule: cron::Schedule,
    source: String,
}

impl CronSchedule {
    /// The six-field expression that fires at `at`'s second, minute, hour, day and month in
    /// its timezone: once, for demos and fast-forwarded runs.
    pub fn once_text<Z: chrono::TimeZone>(at: &DateTime<Z>) -> String {
        use chrono::{Datelike, Timelike};
        format!(
            "{} {} {} {} {} *",
            at.second(),
            at.minute(),
            at.hour(),
            at.day(),
            at.month()
        )
    }

    /// Exactly six fields: the `cron` crate also takes a seventh (year) field, but
    /// PRODUCT.md promises six, so five- and seven-field lines are refused here.
    pub fn parse(text: &str) -> Result<CronSchedule, String> {
        let fields = text.split_whitespace().count();
        if fields != 6 {
            return Err(format!(
                "invalid cron expression \"{text}\": expected six fields (seconds first), got {fields}"
            ));
        }
        let schedule = cron::Schedule::from_str(text).map_err(|e| {
            // The crate's message repeats the expression and a caret line; keep the reason.
            let e = e.to_string();
            let reason = e.lines().last().unwrap_or_default();
            format!("invalid cron expression \"{text}\": {reason}")
        })?;
        Ok(CronSchedule {
            schedule,
            source: text.to_owned(),
        })
    }

    /// For expressions compiled into the binary; the tests parse every one of them.
    pub(super) fn builtin(text: &'static str) -> CronSchedule {
        match CronSchedule::parse(text) {
            Ok(schedule) => schedule,
            Err(e) => panic!("built-in schedule is invalid: {e}"),
        }
    }

    /// The first firing strictly after `after`, with the fields read as wall-clock time in `tz`.
    pub fn next_after(&self, after: DateTime<Utc>, tz: Tz) -> Option<DateTime<Utc>> {
        self.schedule
            .after(&after.with_timezone(&tz))
            .next()
            .map(|t| t.with_timezone(&Utc))
    }

    pub fn source(&self) -> &str {
        &self.source
    }
}

impl fmt::Display for CronSchedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)
    }
}

impl fmt::Debug for CronSchedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CronSchedule({:?})", self.source)
    }
}

/// Two schedules are equal when they fire at the same times (`0 0 8 * * *` == `0 0 8 * * * `).
impl PartialEq for CronSchedule {
    fn eq(&self, other: &Self) -> bool {
        self.schedule.timeunitspec_eq(&other.schedule)
    }
}

impl Eq for CronSchedule {}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn refuses_five_and_seven_fields() {
        let five = CronSchedule::parse("0 8 * * *").unwrap_err();
        assert!(
            five.contains("expected six fields (seconds first), got 5"),
            "{five}"
        );
        let seven = CronSchedule::parse("0 0 8 * * * 2030").unwrap_err();
        assert!(seven.contains("got 7"), "{seven}");
        assert!(CronSchedule::parse("").is_err());
        assert!(CronSchedule::parse("@daily").is_err());
    }

    #[test]
    fn refuses_bad_fields() {
        let e = CronSchedule::parse("0 0 25 * * *").unwrap_err();
        assert!(
            e.starts_with("invalid cron expression \"0 0 25 * * *\": Hours"),
            "{e}"
        );
        assert!(CronSchedule::parse("0 0 8 * * Funday").is_err());
    }

    #[test]
    fn next_after_reads_the_time_zone() {
        let at = Utc.with_ymd_and_hms(2026, 11, 29, 0, 30, 5).unwrap();
        assert_eq!(CronSchedule::once_text(&at), "5 30 0 29 11 *");
        assert!(CronSchedule::parse(&CronSchedule::once_text(&at)).is_ok());
        let eight = CronSchedule::parse("0 0 8 * * *").unwrap();
        let shanghai = chrono_tz::Asia::Shanghai;
        // 00:30Z is 08:30 in Shanghai: today's 08:00 has passed, so tomorrow's 08:00 (00:00Z).
        let after = Utc.with_ymd_and_hms(2026, 11, 29, 0, 30, 0).unwrap();
        let next = Utc.with_ymd_and_hms(2026, 11, 30, 0, 0, 0).unwrap();
        assert_eq!(eight.next_after(after, shanghai), Some(next));
        // Strictly after: a firing instant is not its own successor.
        let following = Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap();
        assert_eq!(eight.next_after(next, shanghai), Some(following));
        // Read in UTC the same expression fires eight hours later.
        let utc_next = Utc.with_ymd_and_hms(2026, 11, 29, 8, 0, 0).unwrap();
        assert_eq!(eight.next_after(after, Tz::UTC), Some(utc_next));
    }

    #[test]
    fn weekday_names() {
        // 2026-11-28 is a Saturday; MON-FRI skips to Monday 2026-11-30 08:00 Shanghai.
        let weekdays = CronSchedule::parse("0 0 8 * * MON-FRI").unwrap();
        let after = Utc.with_ymd_and_hms(2026, 11, 28, 0, 0, 0).unwrap();
        let next = Utc.with_ymd_and_hms(2026, 11, 30, 0, 0, 0).unwrap();
        assert_eq!(
            weekdays.next_after(after, chrono_tz::Asia::Shanghai),
            Some(next)
        );
    }

    #[test]
    fn keeps_source_and_compares_by_meaning() {
        let a = CronSchedule::parse("0 0 8 * * *").unwrap();
        let b = CronSchedule::parse("0  0 8 * * *").unwrap();
        assert_eq!(a.source(), "0 0 8 * * *");
        assert_eq!(a.to_string(), "0 0 8 * * *");
        assert_eq!(a, b);
        assert_ne!(a, CronSchedule::parse("0 0 9 * * *").unwrap());
    }
}
