//! The one source of time, so tests can control it.
use chrono::{DateTime, TimeZone, Utc};
use std::sync::Arc;
use std::time::Instant;

#[derive(Clone)]
pub struct Clock {
    now: Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>,
    /// A driven clock's reading when it was made, and the system's instant then: where its
    /// `instant` counts from. `None` on the system clock.
    origin: Option<(Instant, DateTime<Utc>)>,
}

impl Clock {
    pub fn system() -> Clock {
        Clock {
            now: Arc::new(Utc::now),
            origin: None,
        }
    }

    /// A clock driven by the caller (tests, demo fast-forward).
    pub fn from_fn(f: impl Fn() -> DateTime<Utc> + Send + Sync + 'static) -> Clock {
        let origin = Some((Instant::now(), f()));
        Clock {
            now: Arc::new(f),
            origin,
        }
    }

    pub fn now(&self) -> DateTime<Utc> {
        (self.now)()
    }

    pub fn now_ms(&self) -> i64 {
        self.now().timestamp_millis()
    }

    /// Monotonic time, for spacing things out (the sender's pacing). On the system clock the
    /// system's own, which a wall clock set back or forward does not move; on a driven clock
    /// its time since it was made, so that moving the clock moves this too.
    pub fn instant(&self) -> Instant {
        match self.origin {
            None => Instant::now(),
            Some((at, from)) => at + (self.now() - from).to_std().unwrap_or_default(),
        }
    }
}

pub fn from_ms(ms: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(ms).single().unwrap_or_default()
}

impl std::fmt::Debug for Clock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Clock({})", self.now())
    }
}

/// The local time of day of `at` in `tz`, as people read it ("08:05").
pub fn hhmm(tz: chrono_tz::Tz, at: i64) -> String {
    from_ms(at).with_timezone(&tz).format("%H:%M").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicI64, Ordering};
    use std::time::Duration;

    #[test]
    fn a_driven_clocks_instant_moves_with_it() {
        let ahead = Arc::new(AtomicI64::new(0));
        let a = ahead.clone();
        let clock = Clock::from_fn(move || from_ms(1_000_000 + a.load(Ordering::SeqCst)));
        let before = clock.instant();
        ahead.store(90_000, Ordering::SeqCst);
        assert_eq!(clock.instant() - before, Duration::from_secs(90));
    }
}
