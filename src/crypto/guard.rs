//! Bounds receipt-code guessing. Every `/tip CODE` costs an Argon2 check (tens of
//! milliseconds of a core), so checks are limited per chat (wrong codes, counted by
//! `crate::limits` under a keyed pseudonym, so it survives restarts and names no chat) and
//! overall (a token bucket here, in memory: it protects this process's CPU), and only one
//! runs at a time, so a flood of guesses leaves the other core to everyone else.
use std::sync::Mutex;
use tokio::sync::{Semaphore, SemaphorePermit};

/// Keyed-hash purpose of the per-chat counter of wrong codes.
pub const FAILURE_LABEL: &str = "tip-code-failure";
/// Overall: checks per second, and how many may come at once after a quiet spell.
const CHECKS_PER_SEC: f64 = 10.0;
const BURST: f64 = 20.0;

pub struct CodeGuard {
    bucket: Mutex<Bucket>,
    hashing: Semaphore,
}

struct Bucket {
    tokens: f64,
    at_ms: i64,
}

impl Default for CodeGuard {
    fn default() -> Self {
        CodeGuard {
            bucket: Mutex::new(Bucket {
                tokens: BURST,
                at_ms: i64::MIN,
            }),
            hashing: Semaphore::new(1),
        }
    }
}

impl CodeGuard {
    /// Take one check from the overall budget; `Err(ms)` says how long until one is free.
    pub fn admit(&self, now_ms: i64) -> Result<(), i64> {
        let mut b = self.bucket.lock().unwrap_or_else(|p| p.into_inner());
        if b.at_ms != i64::MIN {
            let elapsed = (now_ms - b.at_ms).max(0) as f64 / 1000.0;
            b.tokens = (b.tokens + elapsed * CHECKS_PER_SEC).min(BURST);
        }
        b.at_ms = now_ms;
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            Ok(())
        } else {
            Err((((1.0 - b.tokens) / CHECKS_PER_SEC) * 1000.0).ceil() as i64)
        }
    }

    /// Hold this while hashing: one Argon2 check at a time in this process.
    pub async fn hashing(&self) -> Option<SemaphorePermit<'_>> {
        self.hashing.acquire().await.ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_overall_budget_allows_a_burst_then_its_rate() {
        let g = CodeGuard::default();
        let t = 1_000_000;
        for _ in 0..BURST as usize {
            assert_eq!(g.admit(t), Ok(()));
        }
        assert_eq!(g.admit(t), Err(100));
        // 10 per second: one more after 100 ms, not before.
        assert!(g.admit(t + 50).is_err());
        assert_eq!(g.admit(t + 100), Ok(()));
        assert!(g.admit(t + 100).is_err());
        // A long quiet spell refills only up to the burst.
        for _ in 0..BURST as usize {
            assert_eq!(g.admit(t + 3_600_000), Ok(()));
        }
        assert!(g.admit(t + 3_600_000).is_err());
    }
}
