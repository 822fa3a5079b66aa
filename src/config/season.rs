//! The fire-season calendar: annual `MM-DD..MM-DD` ranges that may wrap the year end.

use std::fmt;

use chrono::{Datelike, NaiveDate};

/// A day of the year as month and day; ordered by month, then day.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MonthDay {
    month: u32,
    day: u32,
}

impl MonthDay {
    /// Checks the day against the month; 02-29 is allowed (it exists in leap years).
    pub fn new(month: u32, day: u32) -> Option<MonthDay> {
        let last = match month {
            2 => 29,
            4 | 6 | 9 | 11 => 30,
            1..=12 => 31,
            _ => return None,
        };
        (1..=last).contains(&day).then_some(MonthDay { month, day })
    }

    pub fn of(date: NaiveDate) -> MonthDay {
        MonthDay {
            month: date.month(),
            day: date.day(),
        }
    }

    pub fn month(&self) -> u32 {
        self.month
    }

    pub fn day(&self) -> u32 {
        self.day
    }

    /// Exactly `MM-DD`, two digits each.
    fn parse(s: &str) -> Option<MonthDay> {
        let (m, d) = s.split_once('-')?;
        let two_digits = |t: &str| t.len() == 2 && t.bytes().all(|b| b.is_ascii_digit());
        if !two_digits(m) || !two_digits(d) {
            return None;
        }
        MonthDay::new(m.parse().ok()?, d.parse().ok()?)
    }
}

impl fmt::Display for MonthDay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}-{:02}", self.month, self.day)
    }
}

/// Both ends inclusive. `start > end` wraps the year end (`11-01..05-31`);
/// `start == end` is that single day.
///
/// Dates compare by month and day, so in a non-leap year an end of 02-29 behaves as
/// 02-28 (the season ends on the last day of February) and a start of 02-29 as 03-01.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SeasonRange {
    pub start: MonthDay,
    pub end: MonthDay,
}

impl SeasonRange {
    pub fn parse(s: &str) -> Result<SeasonRange, String> {
        let bad = |why: String| format!("invalid season range \"{s}\": {why}");
        let Some((a, b)) = s.split_once("..") else {
            return Err(bad("expected MM-DD..MM-DD, e.g. 11-01..05-31".into()));
        };
        let day = |t: &str| {
            MonthDay::parse(t)
                .ok_or_else(|| bad(format!("\"{t}\" is not a day of the year (MM-DD)")))
        };
        Ok(SeasonRange {
            start: day(a)?,
            end: day(b)?,
        })
    }

    pub fn contains(&self, date: NaiveDate) -> bool {
        let day = MonthDay::of(date);
        if self.start <= self.end {
            self.start <= day && day <= self.end
        } else {
            day >= self.start || day <= self.end
        }
    }
}

impl fmt::Display for SeasonRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}..{}", self.start, self.end)
    }
}

/// The calendar fire season: on when any period contains the date.
/// No periods means the calendar never turns it on (an admin may still with `/season on`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FireSeason {
    pub periods: Vec<SeasonRange>,
}

impl FireSeason {
    pub fn contains(&self, date: NaiveDate) -> bool {
        self.periods.iter().any(|p| p.contains(date))
    }
}

impl Default for FireSeason {
    /// `11-01..05-31`.
    fn default() -> Self {
        let period = SeasonRange {
            start: MonthDay { month: 11, day: 1 },
            end: MonthDay { month: 5, day: 31 },
        };
        FireSeason {
            periods: vec![period],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn range(s: &str) -> SeasonRange {
        SeasonRange::parse(s).unwrap()
    }

    #[test]
    fn parses_and_displays() {
        assert_eq!(range("11-01..05-31").to_string(), "11-01..05-31");
        assert_eq!(FireSeason::default().periods, vec![range("11-01..05-31")]);
        assert!(SeasonRange::parse("02-29..03-01").is_ok());
    }

    #[test]
    fn refuses_bad_ranges() {
        for s in [
            "",
            "11-01",
            "11-01-05-31",
            "11-01..",
            "..05-31",
            "02-30..03-01",
            "04-31..05-01",
            "13-01..05-31",
            "00-10..05-31",
            "11-00..05-31",
            "1-1..5-31",
            "11-01..05-31..06-01",
            " 11-01..05-31",
            "+1-01..05-31",
        ] {
            assert!(SeasonRange::parse(s).is_err(), "{s:?} should be refused");
        }
        let e = SeasonRange::parse("02-30..03-01").unwrap_err();
        assert!(e.contains("\"02-30\" is not a day of the year"), "{e}");
    }

    #[test]
    fn non_wrapping_range() {
        let r = range("03-15..06-30");
        assert!(!r.contains(date(2026, 3, 14)));
        assert!(r.contains(date(2026, 3, 15)));
        assert!(r.contains(date(2026, 5, 1)));
        assert!(r.contains(date(2026, 6, 30)));
        assert!(!r.contains(date(2026, 7, 1)));
        assert!(!r.contains(date(2026, 12, 31)));
    }

    #[test]
    fn wrapping_range_covers_both_year_ends() {
        let r = range("11-01..05-31");
        assert!(r.contains(date(2026, 11, 1)));
        assert!(r.contains(date(2026, 12, 31)));
        assert!(r.contains(date(2027, 1, 1)));
        assert!(r.contains(date(2027, 5, 31)));
        assert!(!r.contains(date(2027, 6, 1)));
        assert!(!r.contains(date(2026, 10, 31)));
        assert!(!r.contains(date(2026, 8, 15)));
    }

    #[test]
    fn single_day_range() {
        let r = range("04-05..04-05");
        assert!(r.contains(date(2026, 4, 5)));
        assert!(!r.contains(date(2026, 4, 4)));
        assert!(!r.contains(date(2026, 4, 6)));
    }

    #[test]
    fn leap_day() {
        let ends_on_leap_day = range("12-01..02-29");
        assert!(ends_on_leap_day.contains(date(2028, 2, 29)));
        assert!(!ends_on_leap_day.contains(date(2028, 3, 1)));
        // Non-leap year: the season ends on 02-28.
        assert!(ends_on_leap_day.contains(date(2027, 2, 28)));
        assert!(!ends_on_leap_day.contains(date(2027, 3, 1)));

        let starts_on_leap_day = range("02-29..03-10");
        assert!(starts_on_leap_day.contains(date(2028, 2, 29)));
        assert!(!starts_on_leap_day.contains(date(2028, 2, 28)));
        // Non-leap year: the season starts on 03-01.
        assert!(!starts_on_leap_day.contains(date(2027, 2, 28)));
        assert!(starts_on_leap_day.contains(date(2027, 3, 1)));
    }

    #[test]
    fn any_period_counts() {
        let season = FireSeason {
            periods: vec![range("03-01..03-31"), range("10-01..10-31")],
        };
        assert!(season.contains(date(2026, 3, 10)));
        assert!(season.contains(date(2026, 10, 10)));
        assert!(!season.contains(date(2026, 6, 10)));
        assert!(!FireSeason { periods: vec![] }.contains(date(2026, 3, 10)));
    }
}
