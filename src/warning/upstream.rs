//! Warnings from upstream systems (weather, forestry, a provincial platform): `lookout warn`
//! with flags, or a CAP 1.2 alert. A CAP Alert issues to the units its areas name (an upstream
//! alert names more areas than one district has: the others are reported back, and only an
//! alert naming none of ours is refused); an Update ends the warning it names and issues the
//! new one to the same people, and is a new alert when it names nothing issued here; a Cancel
//! ends what it names, and is ignored (reported back) when that is nothing issued here.
//! Anything else that cannot be acted on exactly is refused as a whole, naming the element,
//! and nothing is sent.
use super::cap::{self, MsgType, Status};
use super::{end, issue, Ending, Issue, Issued, Issuer, Level};
use crate::context::Ctx;
use crate::org::tree::UnitTree;
use crate::store::{StoreError, Tx};

#[derive(Debug, thiserror::Error)]
pub enum UpstreamError {
    #[error(transparent)]
    Cap(#[from] cap::CapError),
    #[error("none of the alert's areas names a known unit (match by geocode value = unit id, or areaDesc = unit name): {}", .0.join("; "))]
    NoKnownArea(Vec<String>),
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
        /// The alert's areas that match no unit here, as `areaDesc [geocode, …]`: not
        /// warned.
        unmatched: Vec<String>,
    },
    /// A Cancel ended these.
    Ended(Vec<i64>),
    /// A Cancel whose references (written here as in the alert) name nothing issued here:
    /// nothing to end, nothing changed.
    Ignored(String),
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

fn done(
    issued: Issued,
    targets: &str,
    replaced: Option<i64>,
    unmatched: Vec<String>,
) -> Result<Done, UpstreamError> {
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
            unmatched,
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
    done(issue(ctx, tx, &new, now).await?, &f.unit, None, Vec::new())
}

/// The units a CAP alert's areas name, and the areas that name none (as [`area_label`] writes
/// them). An area names every unit whose id is one of its geocodes (an NWS-style area lists
/// several counties' codes), else the first unit whose name is its `areaDesc`. A unit below
/// another named one is left out: a warning reaches its targets' whole subtrees anyway, and
/// the issuer reads the top-most units as where it went.
fn areas(tree: &UnitTree, info: &cap::Info) -> (Vec<String>, Vec<String>) {
    let mut named: Vec<&str> = Vec::new();
    let mut unmatched = Vec::new();
    for area in &info.areas {
        let mut ids: Vec<&str> = area
            .geocodes
            .iter()
            .filter_map(|g| tree.get(g))
            .map(|u| u.id.as_str())
            .collect();
        if ids.is_empty() {
            ids.extend(
                tree.all()
                    .iter()
                    .find(|u| u.name == area.desc)
                    .map(|u| u.id.as_str()),
            );
        }
        if ids.is_empty() {
            unmatched.push(area_label(area));
        }
        for id in ids {
            if !named.contains(&id) {
                named.push(id);
            }
        }
    }
    let top_most = named
        .iter()
        .filter(|u| !named.iter().any(|a| a != *u && tree.is_within(u, a)))
        .map(|u| u.to_string())
        .collect();
    (top_most, unmatched)
}

/// `areaDesc [geocode, …]`: what an operator needs to tell whether the district should have
/// a unit for that area.
fn area_label(area: &cap::Area) -> String {
    if area.geocodes.is_empty() {
        area.desc.clone()
    } else {
        format!("{} [{}]", area.desc, area.geocodes.join(", "))
    }
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

/// `lookout warn --cap FILE`, given the file's bytes (the file says its own encoding).
pub async fn from_cap(ctx: &Ctx, tx: &mut Tx, xml: &[u8], now: i64) -> Result<Done, UpstreamError> {
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
        // Feeds cancel alerts that went to other districts, or that were sent before Lookout
        // was running: there is nothing to end, and a script feeding every file of a feed
        // must not stop on them.
        if known.is_empty() {
            return Ok(Done::Ignored(references()));
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
    let (targets, unmatched) = match &old {
        Some(w) => (w.targets.clone(), Vec::new()),
        None => areas(&tree, info),
    };
    if targets.is_empty() {
        return Err(UpstreamError::NoKnownArea(unmatched));
    }
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
    done(issued, &targets.join(" "), replaces, unmatched)
}

#[cfg(test)]
mod tests {
    use super::{area_label, areas};
    use crate::org::tree::UnitTree;
    use crate::org::Unit;
    use crate::warning::cap::{Area, Info, Severity};

    fn tree() -> UnitTree {
        let unit = |id: &str, name: &str, parent: Option<&str>| Unit {
            id: id.into(),
            name: name.into(),
            parent: parent.map(Into::into),
            duty_chat_id: None,
            place: None,
        };
        UnitTree::new(vec![
            unit("zhoucun", "周村区", None),
            unit("wangcun", "王村镇", Some("zhoucun")),
            unit("lijia", "李家村", Some("wangcun")),
            unit("nanjiao", "南郊镇", Some("zhoucun")),
            unit("ILZ014", "Cook", Some("zhoucun")),
            unit("ILZ103", "Lake", Some("zhoucun")),
        ])
    }

    fn info(areas: &[(&str, &[&str])]) -> Info {
        Info {
            severity: Severity::Minor,
            event: String::new(),
            headline: Some("h".into()),
            description: None,
            instruction: None,
            sender_name: None,
            expires: None,
            areas: areas
                .iter()
                .map(|(desc, codes)| Area {
                    desc: desc.to_string(),
                    geocodes: codes.iter().map(|c| c.to_string()).collect(),
                })
                .collect(),
        }
    }

    #[test]
    fn matched_areas_are_targets_and_the_others_are_listed() {
        let (units, unmatched) = areas(
            &tree(),
            &info(&[
                ("Montréal", &["061000"]),
                ("王村镇", &["370306102"]),
                ("南郊镇", &[]),
                ("萌水镇", &[]),
            ]),
        );
        assert_eq!(units, ["wangcun", "nanjiao"]);
        assert_eq!(unmatched, ["Montréal [061000]", "萌水镇"]);
    }

    #[test]
    fn every_geocode_of_an_area_names_its_unit_before_the_name_is_tried() {
        let (units, unmatched) = areas(
            &tree(),
            &info(&[(
                "Cook; DuPage; Lake",
                &["017031", "ILZ014", "ILZ013", "ILZ103"],
            )]),
        );
        assert_eq!(units, ["ILZ014", "ILZ103"]);
        assert!(unmatched.is_empty());
        // A geocode match wins over the name.
        let (units, _) = areas(&tree(), &info(&[("南郊镇", &["lijia"])]));
        assert_eq!(units, ["lijia"]);
    }

    #[test]
    fn only_top_most_units_are_targets() {
        let (units, _) = areas(
            &tree(),
            &info(&[
                ("李家村", &[]),
                ("南郊镇", &[]),
                ("王村镇", &[]),
                ("李家村", &[]),
            ]),
        );
        assert_eq!(units, ["nanjiao", "wangcun"]);
        let (units, _) = areas(&tree(), &info(&[("x", &["lijia", "zhoucun"])]));
        assert_eq!(units, ["zhoucun"]);
    }

    #[test]
    fn no_match_leaves_no_targets() {
        let (units, unmatched) = areas(
            &tree(),
            &info(&[("12 km NE of Ridgecrest, CA", &[]), ("Kern", &["006029"])]),
        );
        assert!(units.is_empty());
        assert_eq!(unmatched, ["12 km NE of Ridgecrest, CA", "Kern [006029]"]);
        assert_eq!(
            area_label(&Area {
                desc: "a".into(),
                geocodes: vec!["1".into(), "2".into()]
            }),
            "a [1, 2]"
        );
    }

    #[test]
    fn long_cap_texts_are_cut_to_fit() {
        let long = "火".repeat(super::super::MAX_TEXT + 10);
        let cut = super::shortened(long);
        assert_eq!(cut.chars().count(), super::super::MAX_TEXT);
        assert!(cut.ends_with('…'));
        assert_eq!(super::shortened("短".into()), "短");
    }
}
