//! Warnings from upstream systems (weather, forestry, a provincial platform): `lookout warn`
//! with flags, or a CAP 1.2 alert. A CAP Alert issues; an Update ends the warning it names and
//! issues the new one to the same people; a Cancel ends what it names. Anything that cannot
//! be acted on exactly is refused as a whole, naming the element, and nothing is sent.
use super::cap::{self, MsgType, Status};
use super::{end, issue, Ending, Issue, Issued, Issuer, Level};
use crate::context::Ctx;
use crate::org::tree::UnitTree;
use crate::store::{StoreError, Tx};

#[derive(Debug, thiserror::Error)]
pub enum UpstreamError {
    #[error(transparent)]
    Cap(#[from] cap::CapError),
    #[error("<{element}> {value:?} names no known unit (match by geocode value = unit id, or areaDesc = unit name)")]
    UnknownArea {
        element: &'static str,
        value: String,
    },
    #[error("<alert/references> names no warning issued here: {0}")]
    UnknownReference(String),
    #[error("<alert/info/expires> {0} has passed: nothing to warn about")]
    Expired(String),
    #[error("the text has {0} characters; at most {max} fit a warning", max = super::MAX_TEXT)]
    TooLong(usize),
    #[error("unknown unit {0:?}: import the org file first (`lookout org import FILE`)")]
    UnknownUnit(String),
    #[error("nobody holds a role in {0} or below it and no duty room is bound there: nothing was issued")]
    Nobody(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What an upstream message did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Done {
    Issued {
        id: i64,
        targeted: usize,
        unreachable: usize,
        /// The warning an Update replaced.
        replaced: Option<i64>,
    },
    /// A Cancel ended these.
    Ended(Vec<i64>),
    /// This alert was issued before, as `id`: nothing new was sent.
    Duplicate(i64),
}

fn issuer(tree: &UnitTree, name: Option<&str>) -> Issuer {
    // The district runs the CLI: without a sender's name, its root unit issues.
    let root = tree.all().iter().find(|u| u.parent.is_none());
    Issuer {
        name: name
            .map(str::to_string)
            .or_else(|| root.map(|u| u.name.clone()))
            .unwrap_or_default(),
        person: None,
    }
}

fn done(issued: Issued, targets: &str, replaced: Option<i64>) -> Result<Done, UpstreamError> {
    match issued {
        Issued::Issued {
            id,
            targeted,
            unreachable,
        } => Ok(Done::Issued {
            id,
            targeted,
            unreachable,
            replaced,
        }),
        Issued::Duplicate(id) => Ok(Done::Duplicate(id)),
        Issued::Nobody => Err(UpstreamError::Nobody(targets.to_string())),
    }
}

/// `lookout warn --unit ID --level LEVEL [--expires] [--exercise] TEXT`.
pub struct Flags {
    pub unit: String,
    pub level: Level,
    pub text: String,
    pub expires_at: Option<i64>,
    pub exercise: bool,
}

pub async fn from_flags(ctx: &Ctx, tx: &mut Tx, f: Flags, now: i64) -> Result<Done, UpstreamError> {
    let chars = f.text.chars().count();
    if chars > super::MAX_TEXT {
        return Err(UpstreamError::TooLong(chars));
    }
    let tree = ctx.units.get_in(tx).await?;
    if tree.get(&f.unit).is_none() {
        return Err(UpstreamError::UnknownUnit(f.unit));
    }
    let new = Issue {
        targets: vec![f.unit.clone()],
        level: f.level,
        text: f.text,
        exercise: f.exercise,
        expires_at: f.expires_at,
        issuer: issuer(&tree, None),
        cap: None,
        replaces: None,
    };
    done(issue(ctx, tx, &new, now).await?, &f.unit, None)
}

/// The units a CAP alert's areas name, each once, in the order written.
fn areas(tree: &UnitTree, info: &cap::Info) -> Result<Vec<String>, UpstreamError> {
    let mut units: Vec<String> = Vec::new();
    for area in &info.areas {
        let by_code = area.geocodes.iter().find(|g| tree.get(g).is_some());
        let by_name = || {
            tree.all()
                .iter()
                .find(|u| u.name == area.desc)
                .map(|u| &u.id)
        };
        let Some(id) = by_code.or_else(by_name) else {
            return Err(UpstreamError::UnknownArea {
                element: "alert/info/area/areaDesc",
                value: area.desc.clone(),
            });
        };
        if !units.contains(id) {
            units.push(id.clone());
        }
    }
    Ok(units)
}

/// An upstream system cannot be asked to shorten its text: a long one is cut, and says so.
fn shortened(text: String) -> String {
    if text.chars().count() <= super::MAX_TEXT {
        return text;
    }
    let mut cut: String = text.chars().take(super::MAX_TEXT - 1).collect();
    cut.push('…');
    cut
}

/// `lookout warn --cap FILE`.
pub async fn from_cap(ctx: &Ctx, tx: &mut Tx, xml: &str, now: i64) -> Result<Done, UpstreamError> {
    let alert = cap::parse(xml)?;
    let tree = ctx.units.get_in(tx).await?;
    let mut known = Vec::new();
    for r in &alert.references {
        if let Some(id) = tx.warning_by_cap(&r.sender, &r.identifier).await? {
            known.push(id);
        }
    }
    let references = || {
        alert
            .references
            .iter()
            .map(|r| format!("{},{},{}", r.sender, r.identifier, r.sent))
            .collect::<Vec<_>>()
            .join(" ")
    };
    if alert.msg_type == MsgType::Cancel {
        if known.is_empty() {
            return Err(UpstreamError::UnknownReference(references()));
        }
        let mut ended = Vec::new();
        for id in known {
            if let Some(w) = tx.warning(id).await? {
                if end(ctx, tx, &w, Ending::Said(None), now).await? {
                    ended.push(id);
                }
            }
        }
        return Ok(Done::Ended(ended));
    }
    let Some(info) = alert.info.as_ref() else {
        return Err(cap::CapError::Missing("alert/info").into());
    };
    if let Some(expires) = info.expires {
        if expires.timestamp_millis() <= now {
            return Err(UpstreamError::Expired(expires.to_rfc3339()));
        }
    }
    // An Update goes to the same people as the warning it replaces (the newest one it names);
    // one naming nothing issued here is a new alert to its areas.
    let replaces = match alert.msg_type {
        MsgType::Update => known.iter().max().copied(),
        _ => None,
    };
    let old = match replaces {
        Some(id) => tx.warning(id).await?,
        None => None,
    };
    let targets = match &old {
        Some(w) => w.targets.clone(),
        None => areas(&tree, info)?,
    };
    let new = Issue {
        targets: targets.clone(),
        level: Level::from_severity(info.severity),
        text: shortened(info.text()),
        exercise: alert.status != Status::Actual,
        expires_at: info.expires.map(|e| e.timestamp_millis()),
        issuer: issuer(
            &tree,
            Some(info.sender_name.as_deref().unwrap_or(&alert.sender)),
        ),
        cap: Some((alert.sender.clone(), alert.identifier.clone())),
        replaces,
    };
    let issued = issue(ctx, tx, &new, now).await?;
    if let (Issued::Issued { id, .. }, Some(old)) = (&issued, &old) {
        end(ctx, tx, old, Ending::Replaced(*id), now).await?;
    }
    done(issued, &targets.join(" "), replaces)
}

#[cfg(test)]
mod tests {
    #[test]
    fn long_cap_texts_are_cut_to_fit() {
        let long = "火".repeat(super::super::MAX_TEXT + 10);
        let cut = super::shortened(long);
        assert_eq!(cut.chars().count(), super::super::MAX_TEXT);
        assert!(cut.ends_with('…'));
        assert_eq!(super::shortened("短".into()), "短");
    }
}
