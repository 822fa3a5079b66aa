//! One board build shared by every page asking for the same board within a second. Each open
//! board page polls once a second and a district's board is a dozen queries over 10,000
//! units, on the pool the bot's handlers use: twenty pages on one unit would be twenty builds
//! a second. Here a request takes a build no older than `window` before it arrived; the first
//! to find none builds while those asking meanwhile wait for it (single flight), so each
//! board costs the database at most about one build per `window`, however many pages show it.
use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How old a build may be when a request arrives: the page polls once a second.
pub const WINDOW: Duration = Duration::from_secs(1);

/// A value and when its build started (its data is at least that recent).
struct Built<V> {
    started: Instant,
    value: V,
}

type Slot<V> = Arc<tokio::sync::Mutex<Option<Built<V>>>>;

/// Builds by key (a board: its unit and language). Bounded: a slot nobody waits on whose build
/// is past its window is dropped at the next request, so what stays is the boards asked for
/// within the last window plus those in flight (bounded by the listener's in-flight limit).
pub struct Shared<K, V> {
    window: Duration,
    slots: Mutex<HashMap<K, Slot<V>>>,
    /// `Instant::now`, or a test's clock.
    now: Box<dyn Fn() -> Instant + Send + Sync>,
}

impl<K: Eq + Hash + Clone, V: Clone> Shared<K, V> {
    pub fn new(window: Duration) -> Shared<K, V> {
        Shared::with_clock(window, Instant::now)
    }

    fn with_clock(
        window: Duration,
        now: impl Fn() -> Instant + Send + Sync + 'static,
    ) -> Shared<K, V> {
        Shared {
            window,
            slots: Mutex::default(),
            now: Box::new(now),
        }
    }

    /// The value for `key`: a build started at most `window` before now, or a new one made
    /// with `build` (failures too are shared for their window: the pages waiting get the same
    /// answer, and a database in trouble is not asked again by each of them).
    pub async fn get<F, Fut>(&self, key: K, build: F) -> V
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = V>,
    {
        let arrived = (self.now)();
        if self.window.is_zero() {
            return build().await;
        }
        let slot = {
            let mut slots = self.slots.lock().unwrap_or_else(|p| p.into_inner());
            let window = self.window;
            slots.retain(|_, s| {
                // Held by a request (it holds a clone), or built within its window.
                Arc::strong_count(s) > 1
                    || s.try_lock().map_or(true, |b| {
                        b.as_ref().is_some_and(|b| b.started + window > arrived)
                    })
            });
            slots.entry(key).or_default().clone()
        };
        let mut built = slot.lock().await;
        if let Some(b) = built.as_ref() {
            // Started before this request arrived, but within the window of it: it counts.
            if b.started + self.window > arrived {
                return b.value.clone();
            }
        }
        let started = (self.now)();
        let value = build().await;
        *built = Some(Built {
            started,
            value: value.clone(),
        });
        value
    }

    /// How many boards are kept (for tests of the bound).
    pub fn len(&self) -> usize {
        self.slots.lock().unwrap_or_else(|p| p.into_inner()).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
    use tokio::sync::Semaphore;

    /// A clock the test moves, and builds it holds back: each build waits for a permit
    /// (`open`), counts itself and gives its number.
    struct Rig {
        base: Instant,
        ms: Arc<AtomicU64>,
        count: AtomicUsize,
        gate: Semaphore,
    }

    impl Rig {
        fn new() -> Rig {
            Rig {
                base: Instant::now(),
                ms: Arc::default(),
                count: AtomicUsize::new(0),
                gate: Semaphore::new(0),
            }
        }

        fn shared(&self, window: Duration) -> Shared<&'static str, usize> {
            let (base, ms) = (self.base, self.ms.clone());
            Shared::with_clock(window, move || {
                base + Duration::from_millis(ms.load(Ordering::SeqCst))
            })
        }

        fn pass(&self, ms: u64) {
            self.ms.fetch_add(ms, Ordering::SeqCst);
        }

        async fn build(&self) -> usize {
            self.gate.acquire().await.expect("open").forget();
            self.count.fetch_add(1, Ordering::SeqCst) + 1
        }

        fn open(&self, builds: usize) {
            self.gate.add_permits(builds);
        }

        fn builds(&self) -> usize {
            self.count.load(Ordering::SeqCst)
        }
    }

    /// Lets every spawned future run until it waits.
    async fn settle() {
        for _ in 0..10 {
            tokio::task::yield_now().await;
        }
    }

    #[tokio::test]
    async fn requests_together_share_one_build() {
        let rig = Rig::new();
        let shared = rig.shared(WINDOW);
        // Twenty ask while the first build is still running (it waits for its permit).
        let all = futures::future::join_all((0..20).map(|_| shared.get("d", || rig.build())));
        rig.open(20);
        assert_eq!(all.await, vec![1; 20]);
        assert_eq!(rig.builds(), 1);
        // Within the window of that build: the same; another board is built apart.
        rig.pass(900);
        assert_eq!(shared.get("d", || rig.build()).await, 1);
        assert_eq!(shared.get("t1", || rig.build()).await, 2);
    }

    #[tokio::test]
    async fn a_build_past_its_window_is_made_again() {
        let rig = Rig::new();
        let shared = rig.shared(WINDOW);
        rig.open(2);
        assert_eq!(shared.get("d", || rig.build()).await, 1);
        rig.pass(1000);
        assert_eq!(shared.get("d", || rig.build()).await, 2);
    }

    /// A build slower than the window still serves those who arrived while it ran; those
    /// arriving after its window share the next one.
    #[tokio::test]
    async fn a_slow_build_serves_its_waiters_and_no_more() {
        let rig = Rig::new();
        let shared = rig.shared(WINDOW);
        let first = shared.get("d", || rig.build());
        let meanwhile = async {
            rig.pass(500);
            shared.get("d", || rig.build()).await
        };
        let later = async {
            settle().await;
            rig.pass(1000);
            let two = futures::future::join(
                shared.get("d", || rig.build()),
                shared.get("d", || rig.build()),
            );
            let open = async {
                settle().await;
                rig.open(2);
            };
            futures::future::join(two, open).await.0
        };
        let (a, b, (c, d)) = futures::future::join3(first, meanwhile, later).await;
        assert_eq!((a, b, c, d), (1, 1, 2, 2));
        assert_eq!(rig.builds(), 2);
    }

    #[tokio::test]
    async fn a_zero_window_builds_each_time() {
        let rig = Rig::new();
        let shared = rig.shared(Duration::ZERO);
        rig.open(2);
        shared.get("d", || rig.build()).await;
        shared.get("d", || rig.build()).await;
        assert_eq!(rig.builds(), 2);
        assert!(shared.is_empty());
    }

    #[tokio::test]
    async fn old_boards_are_let_go() {
        let rig = Rig::new();
        let shared = rig.shared(WINDOW);
        let units = ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"];
        rig.open(units.len() + 1);
        for unit in units {
            shared.get(unit, || rig.build()).await;
            rig.pass(200);
        }
        // Built at 0, 200, … 1800 ms; at 2000 ms those of the last second are kept.
        assert_eq!(shared.len(), 5);
        rig.pass(1000);
        shared.get("k", || rig.build()).await;
        assert_eq!(shared.len(), 1);
    }
}
