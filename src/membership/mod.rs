//! Who belongs where: joining with an invite code, inviting (from the bot and the command
//! line alike), binding a group as a unit's duty room, importing the unit tree, a person's
//! language and the help their roles allow. The organisation's data is `crate::org`'s.
pub mod commands;

use crate::org::file::{self as orgfile, OrgFileError};
use crate::org::invite::{hash_code, new_code};
use crate::org::Role;
use crate::store::{AdminEvent, Store, StoreError, Tx};

/// What a new invite grants: a role in a unit, so many uses, until when (never: `None`).
pub struct Grant<'a> {
    pub unit_id: &'a str,
    pub role: Role,
    pub uses: u32,
    pub expires_at: Option<i64>,
}

/// Create an invite for `grant` and record it in the audit trail (by `by`, a person, or the
/// command line when `None`; `expiry` as the trail says it). The code is returned once and
/// stored only as its hash. The bot's `/invite` and `lookout invite` both come here.
pub async fn issue_invite(
    tx: &mut Tx,
    grant: &Grant<'_>,
    by: Option<i64>,
    expiry: Option<&str>,
    now: i64,
) -> Result<String, StoreError> {
    let code = new_code();
    tx.create_invite(
        &hash_code(&code),
        grant.unit_id,
        grant.role,
        i64::from(grant.uses),
        grant.expires_at,
        now,
    )
    .await?;
    let (role, uses) = (grant.role.as_str(), grant.uses);
    let detail = match expiry {
        Some(e) => format!("{role}, uses {uses}, {e}"),
        None => format!("{role}, uses {uses}"),
    };
    tx.add_admin_event(&AdminEvent {
        at: now,
        kind: "invite.created",
        unit_id: Some(grant.unit_id),
        person_id: by,
        detail: &detail,
    })
    .await?;
    Ok(code)
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error(transparent)]
    File(#[from] OrgFileError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Import the org file `text` (named `source` in messages and the audit trail): units
/// upserted by id, the whole file or nothing. How many units were added and updated.
pub async fn import_units(
    store: &Store,
    text: &str,
    source: &str,
    now: i64,
) -> Result<(usize, usize), ImportError> {
    let existing = store.units().await?;
    let entries = orgfile::parse(text, source, &existing)?;
    let added = entries
        .iter()
        .filter(|e| !existing.iter().any(|u| u.id == e.id))
        .count();
    let updated = entries.len() - added;
    let mut tx = store.begin().await?;
    tx.import_units(&entries).await?;
    let detail = format!("{added} added, {updated} updated from {source}");
    tx.add_admin_event(&AdminEvent {
        at: now,
        kind: "org.imported",
        unit_id: None,
        person_id: None,
        detail: &detail,
    })
    .await?;
    tx.commit().await?;
    Ok((added, updated))
}
