//! `Span`: a non-negative duration written `90s`, `30m`, `2h` or `7d`.

use std::fmt;

/// Largest span we accept: chrono's `TimeDelta` holds at most `i64::MAX` milliseconds,
/// so every `Span` converts to both std and chrono durations without loss or panic.
const MAX_SECS: u64 = (i64::MAX / 1000) as u64;

const UNITS: [(char, u64); 4] = [('d', 86_400), ('h', 3_600), ('m', 60), ('s', 1)];

/// A whole number of seconds, always within `MAX_SECS`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Span(u64);

impl Span {
    pub const ZERO: Span = Span(0);

    // Infallible constructors: a `u32` count of any unit stays far below `MAX_SECS`.
    pub const fn seconds(n: u32) -> Span {
        Span(n as u64)
    }
    pub const fn minutes(n: u32) -> Span {
        Span(n as u64 * 60)
    }
    pub const fn hours(n: u32) -> Span {
        Span(n as u64 * 3_600)
    }
    pub const fn days(n: u32) -> Span {
        Span(n as u64 * 86_400)
    }

    /// Parses `<whole number><unit>` with exactly one unit of `s`, `m`, `h`, `d`.
    pub fn parse(s: &str) -> Result<Span, String> {
        let bad = |why: &str| format!("invalid duration \"{s}\": {why}");
        let shape =
            "expected a whole number followed by one unit (s, m, h or d), e.g. 90s, 30m, 2h, 7d";
        let Some(unit) = s.chars().last() else {
            return Err(bad(shape));
        };
        let Some(&(_, per)) = UNITS.iter().find(|(u, _)| *u == unit) else {
            return Err(bad(shape));
        };
        let digits = &s[..s.len() - unit.len_utf8()];
        // `u64::from_str` would also take a leading `+`; only plain digits are allowed.
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad(shape));
        }
        digits
            .parse::<u64>()
            .ok()
            .and_then(|n| n.checked_mul(per))
            .filter(|&secs| secs <= MAX_SECS)
            .map(Span)
            .ok_or_else(|| bad("too large"))
    }

    pub fn as_secs(&self) -> u64 {
        self.0
    }

    pub fn as_std(&self) -> std::time::Duration {
        std::time::Duration::from_secs(self.0)
    }

    pub fn as_chrono(&self) -> chrono::Duration {
        // Both fallbacks are unreachable: `MAX_SECS` keeps the value in range.
        let secs = i64::try_from(self.0).unwrap_or(i64::MAX);
        chrono::Duration::try_seconds(secs).unwrap_or(chrono::Duration::MAX)
    }
}

/// Writes the span in the largest unit that divides it exactly (`0s` for zero).
impl fmt::Display for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (unit, per) = UNITS
            .iter()
            .copied()
            .find(|&(_, per)| self.0 > 0 && self.0.is_multiple_of(per))
            .unwrap_or(('s', 1));
        write!(f, "{}{unit}", self.0 / per)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_each_unit() {
        assert_eq!(Span::parse("90s"), Ok(Span::seconds(90)));
        assert_eq!(Span::parse("30m"), Ok(Span::minutes(30)));
        assert_eq!(Span::parse("2h"), Ok(Span::hours(2)));
        assert_eq!(Span::parse("7d"), Ok(Span::days(7)));
        assert_eq!(Span::parse("0s"), Ok(Span::ZERO));
    }

    #[test]
    fn refuses_malformed() {
        for s in [
            "", "s", "5", "-5m", "+5m", "1.5h", "5 m", " 5m", "5mm", "5w", "5ms", "１m", "5M",
        ] {
            assert!(Span::parse(s).is_err(), "{s:?} should be refused");
        }
    }

    #[test]
    fn refuses_overflow() {
        assert!(Span::parse("99999999999999999999s").is_err());
        assert!(Span::parse("213503982334601d").is_err()); // fits u64 secs, not chrono
        assert!(Span::parse(&format!("{MAX_SECS}s")).is_ok());
        assert!(Span::parse(&format!("{}s", MAX_SECS + 1)).is_err());
    }

    #[test]
    fn display_round_trips_in_shortest_exact_unit() {
        for (input, shown) in [
            ("0s", "0s"),
            ("0d", "0s"),
            ("90s", "90s"),
            ("120s", "2m"),
            ("90m", "90m"),
            ("180m", "3h"),
            ("24h", "1d"),
            ("25h", "25h"),
            ("7d", "7d"),
        ] {
            let span = Span::parse(input).unwrap();
            assert_eq!(span.to_string(), shown);
            assert_eq!(Span::parse(shown), Ok(span));
        }
    }

    #[test]
    fn converts() {
        let span = Span::hours(2);
        assert_eq!(span.as_std(), std::time::Duration::from_secs(7200));
        assert_eq!(span.as_chrono(), chrono::Duration::hours(2));
        let max = Span::parse(&format!("{MAX_SECS}s")).unwrap();
        assert_eq!(max.as_chrono().num_seconds() as u64, MAX_SECS);
    }
}
