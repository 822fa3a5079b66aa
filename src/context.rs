//! What the domain works with: the store, config, locales, clock and keys, and the way it
//! speaks (notices, turned into the transport's calls by the renderer the adapter gives).
use crate::clock::Clock;
use crate::config::Config;
use crate::crypto::CryptoError;
use crate::i18n::I18n;
use crate::notice::Notice;
use crate::org::tree::UnitTree;
use crate::org::Unit;
use crate::store::{Outgoing, Store, StoreError, Tx};
use std::sync::{Arc, RwLock};
use tokio::sync::Notify;

/// Wakes the background loops when a transaction gave them work.
#[derive(Clone, Default)]
pub struct Wakers {
    pub outbox: Arc<Notify>,
    pub timers: Arc<Notify>,
}

/// What the features registered with the engines (timer kinds, alert takers, schedules);
/// built once by `app::features`.
pub type Features = crate::registry::Registry<Ctx>;

/// Turns a notice into the outbox row its transport sends (`telegram::render::bot_api`).
pub type Render = fn(&Notice) -> Outgoing;

#[derive(Clone)]
pub struct Ctx {
    pub wake: Wakers,
    pub store: Store,
    pub i18n: I18n,
    pub config: Arc<Config>,
    pub clock: Clock,
    pub bot_username: String,
    /// The tip feature's master key (sealed tipster chats, keyed hashes).
    pub tip_key: crate::crypto::TipKey,
    /// Bounds receipt-code checks (Argon2) across all chats.
    pub code_guard: Arc<crate::crypto::guard::CodeGuard>,
    pub render: Render,
    /// The unit tree, held in memory (see `org::tree`).
    pub units: Arc<UnitCache>,
    /// Faults of the machine the loops met (a full disk, an unreachable database).
    pub faults: crate::store::Faults,
    /// What each feature registered; the engines ask it (see `registry`).
    pub features: Arc<Features>,
}

/// Where an outbox row queued by an earlier version keeps its sealed recipient (its text
/// in clear); the sender still opens such rows.
pub const SEALED_TO: &str = "_sealed_to";
/// The one field of a sealed outbox row's payload: recipient and parameters, sealed whole.
pub const SEALED: &str = "_sealed";

/// Queueing an ephemeral notice failed: the store, or sealing its recipient.
#[derive(Debug, thiserror::Error)]
pub enum SayError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("sealing a recipient failed: {0}")]
    Seal(#[from] CryptoError),
}

impl Ctx {
    /// The same context working inside a batch's transaction (`store`). Its wakers wake
    /// nobody: the batch wakes the loops once it has committed.
    pub fn in_batch(&self, store: Store) -> Ctx {
        Ctx {
            store,
            wake: Wakers::default(),
            ..self.clone()
        }
    }

    /// A context for the engines' unit tests: `features` only, a fixed key, and no renderer
    /// (a test that says something fails loudly).
    #[cfg(test)]
    pub fn for_engine_tests(store: Store, clock: Clock, features: Features) -> Ctx {
        Ctx {
            wake: Wakers::default(),
            store,
            i18n: I18n::load().expect("the locales load"),
            config: Arc::default(),
            clock,
            bot_username: "test".into(),
            tip_key: crate::crypto::TipKey::from_bytes([7; 32]),
            code_guard: Default::default(),
            render: |_| panic!("an engine test has nothing to say"),
            units: Default::default(),
            faults: Default::default(),
            features: Arc::new(features),
        }
    }

    /// Queue a notice in the transaction, to be sent once it commits.
    pub async fn say(&self, tx: &mut Tx, notice: &Notice, now: i64) -> Result<(), StoreError> {
        let row = self.rendered(tx, notice, now).await?;
        tx.enqueue(&row, now).await
    }

    /// Queue many notices at once (a warning's fan-out): fewer statements than one each.
    pub async fn say_all(
        &self,
        tx: &mut Tx,
        notices: &[Notice],
        now: i64,
    ) -> Result<(), StoreError> {
        let mut rows = Vec::with_capacity(notices.len());
        for n in notices {
            rows.push(self.rendered(tx, n, now).await?);
        }
        tx.enqueue_all(&rows, now).await
    }

    /// The outbox row of `notice`; one to a duty room first gets what rooms are told
    /// (`room::note`).
    async fn rendered(
        &self,
        tx: &mut Tx,
        notice: &Notice,
        now: i64,
    ) -> Result<Outgoing, StoreError> {
        Ok(match crate::room::note(self, tx, notice, now).await? {
            Some(room) => (self.render)(&Notice {
                room: Some(room),
                ..notice.clone()
            }),
            None => (self.render)(notice),
        })
    }

    /// Queue a notice that leaves no trace: for strangers, tipsters and secrets. Its row is
    /// erased once sent, and while it waits it is sealed whole (see `seal`).
    pub async fn say_ephemeral(
        &self,
        tx: &mut Tx,
        notice: &Notice,
        now: i64,
    ) -> Result<(), SayError> {
        let row = Outgoing {
            ephemeral: true,
            ..(self.render)(notice)
        };
        tx.enqueue(&self.seal(row)?, now).await?;
        Ok(())
    }

    /// An ephemeral message keeps neither its recipient nor its text in clear even while it
    /// waits (a receipt code or an invite code would otherwise sit in the outbox, in backups
    /// and in PostgreSQL's WAL during an outage): the chat id and the parameters are sealed
    /// together into the payload, and the row is filed under a keyed pseudonym. Only the
    /// sender opens it, at the moment of sending. Sealing fails closed: an error, and
    /// nothing to queue.
    fn seal(&self, m: Outgoing) -> Result<Outgoing, CryptoError> {
        seal_with(
            m,
            |plain| self.tip_key.seal(plain, 0),
            |chat| self.tip_key.chat_pseudonym(chat),
        )
    }
}

/// What a sealed outbox payload holds.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct Sealed {
    pub chat_id: i64,
    pub params: serde_json::Value,
}

/// `Ctx::seal` with the sealing and the pseudonym given, so its failure path can be tested.
fn seal_with(
    mut m: Outgoing,
    seal: impl FnOnce(&[u8]) -> Result<String, CryptoError>,
    pseudonym: impl FnOnce(i64) -> i64,
) -> Result<Outgoing, CryptoError> {
    if !m.ephemeral {
        return Ok(m);
    }
    let inside = Sealed {
        chat_id: m.chat_id,
        params: m.payload,
    };
    let plain = serde_json::to_vec(&inside).map_err(|_| CryptoError::Malformed)?;
    m.payload = serde_json::json!({ SEALED: seal(&plain)? });
    if m.chat_id != 0 {
        m.chat_id = pseudonym(m.chat_id);
    }
    Ok(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(chat_id: i64, ephemeral: bool) -> Outgoing {
        Outgoing {
            idem_key: "u1.0".into(),
            chat_id,
            method: "send".into(),
            payload: serde_json::json!({ "text": "hello" }),
            edit_of: None,
            ephemeral,
            urgent: false,
        }
    }

    #[test]
    fn a_failing_seal_yields_an_error_and_nothing_to_send() {
        let failed = seal_with(reply(42, true), |_| Err(CryptoError::Malformed), |c| c + 1);
        assert!(matches!(failed, Err(CryptoError::Malformed)), "{failed:?}");
        // The error says why, and `say_ephemeral` propagates it before enqueueing.
        let e = SayError::from(failed.unwrap_err());
        assert!(e.to_string().contains("sealing"), "{e}");
    }

    #[test]
    fn sealing_hides_the_recipient_and_the_text_and_leaves_others_alone() {
        let key = crate::crypto::TipKey::from_bytes([7; 32]);
        let sealed = seal_with(
            reply(42, true),
            |p| key.seal(p, 0),
            |c| key.chat_pseudonym(c),
        )
        .expect("seals");
        assert_eq!(sealed.chat_id, key.chat_pseudonym(42));
        let fields: Vec<&String> = sealed.payload.as_object().expect("object").keys().collect();
        assert_eq!(fields, [SEALED], "nothing else in clear");
        let inside = sealed.payload[SEALED].as_str().expect("sealed whole");
        let opened: Sealed =
            serde_json::from_slice(&key.open(inside, 0).expect("opens")).expect("json");
        assert_eq!(opened.chat_id, 42);
        assert_eq!(opened.params, serde_json::json!({ "text": "hello" }));
        let plain = reply(42, false);
        let untouched = seal_with(plain.clone(), |_| Err(CryptoError::Malformed), |c| c)
            .expect("nothing to seal");
        assert_eq!(untouched, plain);
    }
}

/// The tree as of the store's last version this process saw.
#[derive(Default)]
pub struct UnitCache(RwLock<Option<(i64, Arc<UnitTree>)>>);

impl UnitCache {
    fn cached(&self, version: i64) -> Option<Arc<UnitTree>> {
        let held = self.0.read().unwrap_or_else(|p| p.into_inner());
        held.as_ref()
            .filter(|(v, _)| *v == version)
            .map(|(_, t)| t.clone())
    }

    fn keep(&self, version: i64, units: Vec<Unit>) -> Arc<UnitTree> {
        let tree = Arc::new(UnitTree::new(units));
        *self.0.write().unwrap_or_else(|p| p.into_inner()) = Some((version, tree.clone()));
        tree
    }

    /// The tree at `version` (read with the sender), loaded through `store` if it changed.
    pub async fn at(&self, store: &Store, version: i64) -> Result<Arc<UnitTree>, StoreError> {
        match self.cached(version) {
            Some(t) => Ok(t),
            None => Ok(self.keep(version, store.units().await?)),
        }
    }

    /// The current tree, as the open transaction `tx` sees it.
    pub async fn get_in(&self, tx: &mut Tx) -> Result<Arc<UnitTree>, StoreError> {
        let version = tx.tree_version().await?;
        match self.cached(version) {
            Some(t) => Ok(t),
            None => {
                let (version, units) = tx.units_versioned().await?;
                Ok(self.keep(version, units))
            }
        }
    }

    /// The current tree, as `store` sees it.
    pub async fn get(&self, store: &Store) -> Result<Arc<UnitTree>, StoreError> {
        let version = store.tree_version().await?;
        self.at(store, version).await
    }
}
