//! What the features add to the engines: the timer kinds they fire, the items an alert can
//! take, the cron schedules they run. Each feature registers its own (`register`), `app.rs`
//! builds the registry once, and it travels in the context; the scheduler and the escalation
//! engine ask it and never learn what a feature does.
//!
//! Generic over the context the hooks receive, so that this module needs nothing above the
//! core (`context` holds a `Registry<Ctx>`; see `context::Features`).
use crate::config::{Config, CronSchedule};
use crate::org::Member;
use crate::store::{StoreError, Timer, Tx};
use futures::future::BoxFuture;
use serde_json::Value;

#[derive(Debug, thiserror::Error)]
pub enum TimerError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("timer {key}: bad payload: {detail}")]
    Payload { key: String, detail: String },
}

/// A due timer, as the handler of its kind sees it.
pub struct Fired<'a> {
    pub timer: &'a Timer,
    pub(crate) payload: Value,
    pub now: i64,
}

impl Fired<'_> {
    /// A field of the timer's payload; a missing or mistyped one fails the timer.
    pub fn field<T: serde::de::DeserializeOwned>(&self, name: &str) -> Result<T, TimerError> {
        serde_json::from_value(self.payload[name].clone()).map_err(|e| TimerError::Payload {
            key: self.timer.key.clone(),
            detail: format!("{name}: {e}"),
        })
    }
}

/// What runs a timer of one kind, inside the timer's transaction.
pub type FireTimer<C> =
    for<'a> fn(&'a C, &'a mut Tx, &'a Fired<'a>) -> BoxFuture<'a, Result<(), TimerError>>;

/// What taking an alert did to the item it is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Took {
    /// The item was taken through its own path (a hazard acknowledged, a tip taken for the
    /// desk), exactly as if the sender had pressed the item's own button.
    Item,
    /// Nobody can take the item for someone else (a unit's missing zero report): the sender
    /// is on it, and the item still waits for its own answer.
    OnIt,
    /// The silent recipients of a warning: the sender is phoning them (叫应); the alert
    /// ends once they have all confirmed.
    Calling,
    /// Nothing to take: the item is already taken or done, or its kind has no acknowledgement.
    Nothing,
    /// The sender may not take the item; the feature changed nothing.
    Refused,
}

/// A feature's hook: the alert about `subject` was taken by `member`; take the item by the
/// feature's own path. It must change nothing when it answers `Refused`.
pub type TakeItem<C> = for<'a> fn(
    &'a C,
    &'a mut Tx,
    &'a crate::ids::Subject,
    &'a Member,
    i64,
) -> BoxFuture<'a, Result<Took, StoreError>>;

/// What a schedule does when it fires: given the firing's own instant (`due_at`, to which a
/// late firing still belongs) and now.
pub type RunSchedule<C> =
    for<'a> fn(&'a C, &'a mut Tx, i64, i64) -> BoxFuture<'a, Result<(), StoreError>>;

/// A feature's line in the shift handover (交接班) of a unit: a message of the locales whose
/// `$value` is the items it names ("none" without any) or a state of its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandoverLine {
    pub key: &'static str,
    pub value: HandoverValue,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HandoverValue {
    Items(Vec<crate::ids::ItemId>),
    /// A message of the locales saying the state.
    State(&'static str),
}

/// What a feature tells the incoming duty officers of `unit` at `at`.
pub type Handover<C> =
    for<'a> fn(&'a C, &'a mut Tx, &'a str, i64) -> BoxFuture<'a, Result<HandoverLine, StoreError>>;

/// A named cron schedule; its expression is read from the configuration.
pub struct Schedule<C> {
    pub name: &'static str,
    pub cron: fn(&Config) -> CronSchedule,
    pub run: RunSchedule<C>,
}

pub struct Registry<C> {
    timers: Vec<(&'static str, FireTimer<C>)>,
    takers: Vec<(&'static str, TakeItem<C>)>,
    schedules: Vec<Schedule<C>>,
    handover: Vec<Handover<C>>,
}

impl<C> Default for Registry<C> {
    fn default() -> Self {
        Registry {
            timers: Vec::new(),
            takers: Vec::new(),
            schedules: Vec::new(),
            handover: Vec::new(),
        }
    }
}

// Registering a name twice is a programming error found at the first start (and by the
// tests), never something a user or the database can cause: it panics.
impl<C> Registry<C> {
    /// Timers of `kind` are run by `fire`.
    pub fn timer(&mut self, kind: &'static str, fire: FireTimer<C>) {
        assert!(
            self.fire(kind).is_none(),
            "timer kind {kind} registered twice"
        );
        self.timers.push((kind, fire));
    }

    pub fn timers(&mut self, kinds: &[(&'static str, FireTimer<C>)]) {
        for (kind, fire) in kinds {
            self.timer(kind, *fire);
        }
    }

    /// An alert about an item of `item_kind` (a subject's text before its first colon) is
    /// taken by `take`. Kinds without one are acknowledged as alerts only.
    pub fn alert_taker(&mut self, item_kind: &'static str, take: TakeItem<C>) {
        assert!(
            self.taker(item_kind).is_none(),
            "alert taker {item_kind} registered twice"
        );
        self.takers.push((item_kind, take));
    }

    pub fn schedule(
        &mut self,
        name: &'static str,
        cron: fn(&Config) -> CronSchedule,
        run: RunSchedule<C>,
    ) {
        assert!(
            self.schedules.iter().all(|s| s.name != name),
            "schedule {name} registered twice"
        );
        self.schedules.push(Schedule { name, cron, run });
    }

    /// A line of the shift handover; lines come in the order features register them.
    pub fn handover_line(&mut self, line: Handover<C>) {
        self.handover.push(line);
    }

    pub fn handover_lines(&self) -> &[Handover<C>] {
        &self.handover
    }

    pub fn fire(&self, kind: &str) -> Option<FireTimer<C>> {
        self.timers
            .iter()
            .find(|(k, _)| *k == kind)
            .map(|(_, f)| *f)
    }

    pub fn taker(&self, item_kind: &str) -> Option<TakeItem<C>> {
        self.takers
            .iter()
            .find(|(k, _)| *k == item_kind)
            .map(|(_, t)| *t)
    }

    pub fn timer_kinds(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.timers.iter().map(|(k, _)| *k)
    }

    pub fn schedules(&self) -> &[Schedule<C>] {
        &self.schedules
    }
}
