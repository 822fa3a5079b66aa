//! Storing what arrives, before anything acts on it: shared by every channel's receiver.
use crate::store::{Faults, NewUpdate, Store, StoreError, WecomArrival, Worker};
use std::sync::Arc;
use tokio::sync::Notify;

/// Where this process's receivers (Telegram's poller or webhook, WeCom's callback) store what
/// arrives, and how they tell the processor (`crate::intake`). Storing and a SQLite batch take turns at one fair gate: the write lock is
/// the same, and SQLite's own waiting (sleeps that grow up to 100 ms) would leave the
/// poller behind batch after batch.
#[derive(Clone)]
pub struct Inbox {
    pub wake: Arc<Notify>,
    pub(crate) gate: Arc<tokio::sync::Mutex<()>>,
    faults: Faults,
}

impl Inbox {
    pub fn new(faults: Faults) -> Inbox {
        Inbox {
            wake: Arc::default(),
            gate: Arc::default(),
            faults,
        }
    }

    /// Store arrived updates (one commit) and wake the processor. A failure is said by the
    /// store's faults (once a minute for a full disk or a lost database) or here.
    pub async fn store(
        &self,
        store: &Store,
        updates: &[NewUpdate],
        now: i64,
    ) -> Result<u64, StoreError> {
        let added = {
            let _turn = self.gate.lock().await;
            store.add_updates(updates, now).await
        };
        let added = match added {
            Ok(n) => {
                self.faults.ok(Worker::Intake);
                n
            }
            Err(e) => {
                if self
                    .faults
                    .failed(Worker::Intake, "storing arrived updates", &e)
                    .is_none()
                {
                    tracing::error!(updates = updates.len(), error = %e, "storing arrived updates failed");
                }
                return Err(e);
            }
        };
        self.wake.notify_one();
        Ok(added)
    }
}

impl Inbox {
    /// Store a message WeCom delivered (false: it was stored before) and wake the processor.
    pub async fn store_wecom(
        &self,
        store: &Store,
        arrival: &WecomArrival,
        now: i64,
    ) -> Result<bool, StoreError> {
        let added = {
            let _turn = self.gate.lock().await;
            store.add_wecom_message(arrival, now).await
        };
        match &added {
            Ok(_) => self.faults.ok(Worker::Intake),
            Err(e) => {
                if self
                    .faults
                    .failed(Worker::Intake, "storing a WeCom message", e)
                    .is_none()
                {
                    tracing::error!(error = %e, "storing a WeCom message failed");
                }
            }
        }
        if added.as_ref().is_ok_and(|new| *new) {
            self.wake.notify_one();
        }
        added
    }
}
