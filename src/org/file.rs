//! The org file of `lookout org import` / `export` (PRODUCT.md, "Org file").
use super::Unit;
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use toml::Spanned;

/// A unit as the file describes it.
#[derive(Debug, Clone, PartialEq)]
pub struct UnitEntry {
    pub id: String,
    pub name: String,
    pub parent: Option<String>,
    /// `lat` and `lon`, both or neither: where the board's map places the unit.
    pub place: Option<(f64, f64)>,
}

#[derive(Debug, thiserror::Error)]
#[error("{file}:{line}: {key}: {message}")]
pub struct OrgFileError {
    pub file: String,
    pub line: usize,
    pub key: String,
    pub message: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    unit: Vec<RawUnit>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawUnit {
    id: Spanned<String>,
    name: Spanned<String>,
    parent: Option<Spanned<String>>,
    lat: Option<Spanned<f64>>,
    lon: Option<Spanned<f64>>,
}

#[derive(Serialize)]
struct OutFile<'a> {
    unit: Vec<OutUnit<'a>>,
}

#[derive(Serialize)]
struct OutUnit<'a> {
    id: &'a str,
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    parent: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    lat: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    lon: Option<f64>,
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 48
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// Parse and check a whole org file against the units already stored.
/// Either every entry is good or the file is refused with the first mistake.
pub fn parse(text: &str, file: &str, existing: &[Unit]) -> Result<Vec<UnitEntry>, OrgFileError> {
    let err = |span: std::ops::Range<usize>, key: &str, message: String| OrgFileError {
        file: file.to_string(),
        line: line_of(text, span.start),
        key: key.to_string(),
        message,
    };
    let raw: RawFile = toml::from_str(text).map_err(|e| {
        let span = e.span().unwrap_or(0..0);
        err(span, "unit", e.message().to_string())
    })?;

    let mut seen: HashMap<&str, usize> = HashMap::new();
    for (i, u) in raw.unit.iter().enumerate() {
        let id = u.id.get_ref();
        if !valid_id(id) {
            return Err(err(
                u.id.span(),
                "unit.id",
                format!("invalid id {id:?}: use 1-48 letters, digits, '_' or '-'"),
            ));
        }
        if u.name.get_ref().trim().is_empty() || u.name.get_ref().chars().count() > 128 {
            return Err(err(
                u.name.span(),
                "unit.name",
                format!("unit {id:?} needs a name of 1-128 characters"),
            ));
        }
        match (&u.lat, &u.lon) {
            (Some(lat), Some(lon)) => {
                if !(-90.0..=90.0).contains(lat.get_ref()) {
                    let message = format!("unit {id:?}: latitude must be from -90 to 90");
                    return Err(err(lat.span(), "unit.lat", message));
                }
                if !(-180.0..=180.0).contains(lon.get_ref()) {
                    let message = format!("unit {id:?}: longitude must be from -180 to 180");
                    return Err(err(lon.span(), "unit.lon", message));
                }
            }
            (None, None) => {}
            (Some(one), None) | (None, Some(one)) => {
                let key = if u.lat.is_some() {
                    "unit.lon"
                } else {
                    "unit.lat"
                };
                let message = format!("unit {id:?} needs both lat and lon, or neither");
                return Err(err(one.span(), key, message));
            }
        }
        if let Some(first) = seen.insert(id, i) {
            let first_line = line_of(text, raw.unit[first].id.span().start);
            return Err(err(
                u.id.span(),
                "unit.id",
                format!("duplicate id {id:?} (first defined on line {first_line})"),
            ));
        }
    }

    // The tree after import: stored units overridden by the file.
    let mut parent_of: HashMap<&str, Option<&str>> = existing
        .iter()
        .map(|u| (u.id.as_str(), u.parent.as_deref()))
        .collect();
    for u in &raw.unit {
        parent_of.insert(
            u.id.get_ref(),
            u.parent.as_ref().map(|p| p.get_ref().as_str()),
        );
    }
    for u in &raw.unit {
        if let Some(p) = &u.parent {
            if !parent_of.contains_key(p.get_ref().as_str()) {
                return Err(err(
                    p.span(),
                    "unit.parent",
                    format!(
                        "unit {:?} has unknown parent {:?}",
                        u.id.get_ref(),
                        p.get_ref()
                    ),
                ));
            }
        }
    }
    for u in &raw.unit {
        let start = u.id.get_ref().as_str();
        let mut path = vec![start];
        let mut current = parent_of.get(start).copied().flatten();
        while let Some(p) = current {
            if p == start {
                path.push(p);
                let span = u.parent.as_ref().map(|p| p.span()).unwrap_or(u.id.span());
                return Err(err(
                    span,
                    "unit.parent",
                    format!("cycle: {}", path.join(" -> ")),
                ));
            }
            if path.len() > parent_of.len() {
                break; // a cycle not through `start`; reported when its own member is checked
            }
            path.push(p);
            current = parent_of.get(p).copied().flatten();
        }
    }

    Ok(raw
        .unit
        .into_iter()
        .map(|u| UnitEntry {
            id: u.id.into_inner(),
            name: u.name.into_inner(),
            parent: u.parent.map(Spanned::into_inner),
            place: u
                .lat
                .map(Spanned::into_inner)
                .zip(u.lon.map(Spanned::into_inner)),
        })
        .collect())
}

/// Entries ordered so that every parent comes before its children (for foreign keys).
pub fn parents_first(entries: &[UnitEntry]) -> Vec<&UnitEntry> {
    let ids: HashSet<&str> = entries.iter().map(|e| e.id.as_str()).collect();
    let mut done: HashSet<&str> = HashSet::new();
    let mut out = Vec::with_capacity(entries.len());
    while out.len() < entries.len() {
        let before = out.len();
        for e in entries {
            let ready = match &e.parent {
                Some(p) => !ids.contains(p.as_str()) || done.contains(p.as_str()),
                None => true,
            };
            if ready && !done.contains(e.id.as_str()) {
                done.insert(&e.id);
                out.push(e);
            }
        }
        if out.len() == before {
            break; // only reachable with a cycle, which parse() refuses
        }
    }
    out
}

pub fn export(units: &[Unit]) -> String {
    let file = OutFile {
        unit: units
            .iter()
            .map(|u| OutUnit {
                id: &u.id,
                name: &u.name,
                parent: u.parent.as_deref(),
                lat: u.place.map(|p| p.0),
                lon: u.place.map(|p| p.1),
            })
            .collect(),
    };
    toml::to_string(&file).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "[[unit]]\nid = \"zhoucun\"\nname = \"周村区\"\n\n[[unit]]\nid = \"wangcun\"\nname = \"王村镇\"\nparent = \"zhoucun\"\n";

    fn stored(entries: &[UnitEntry]) -> Vec<Unit> {
        entries
            .iter()
            .map(|e| Unit {
                id: e.id.clone(),
                name: e.name.clone(),
                parent: e.parent.clone(),
                duty_chat_id: None,
                place: e.place,
            })
            .collect()
    }

    #[test]
    fn sample_round_trips_exactly() {
        let entries = parse(SAMPLE, "org.toml", &[]).expect("sample parses");
        assert_eq!(export(&stored(&entries)), SAMPLE);
        let placed = format!("{SAMPLE}lat = 36.8\nlon = 117.9\n");
        let entries = parse(&placed, "org.toml", &[]).expect("a place parses");
        assert_eq!(entries[1].place, Some((36.8, 117.9)));
        assert_eq!(export(&stored(&entries)), placed);
    }

    #[test]
    fn places_need_both_coordinates_in_range() {
        let base = "[[unit]]\nid = \"a\"\nname = \"A\"\n";
        let e = parse(&format!("{base}lat = 36.8\n"), "org.toml", &[]).unwrap_err();
        assert!(e.to_string().starts_with("org.toml:4: unit.lon: "), "{e}");
        let e = parse(&format!("{base}lat = 91.0\nlon = 1.0\n"), "org.toml", &[]).unwrap_err();
        assert!(e.to_string().starts_with("org.toml:4: unit.lat: "), "{e}");
        let e = parse(&format!("{base}lat = 1.0\nlon = 200.5\n"), "org.toml", &[]).unwrap_err();
        assert!(e.to_string().starts_with("org.toml:5: unit.lon: "), "{e}");
    }

    #[test]
    fn child_before_parent_is_fine() {
        let text = "[[unit]]\nid = \"v\"\nname = \"V\"\nparent = \"d\"\n[[unit]]\nid = \"d\"\nname = \"D\"\n";
        let entries = parse(text, "f", &[]).expect("parses");
        let order: Vec<_> = parents_first(&entries)
            .iter()
            .map(|e| e.id.as_str())
            .collect();
        assert_eq!(order, ["d", "v"]);
    }

    #[test]
    fn mistakes_name_file_line_and_key() {
        let dup = "[[unit]]\nid = \"a\"\nname = \"A\"\n[[unit]]\nid = \"a\"\nname = \"B\"\n";
        let e = parse(dup, "org.toml", &[]).unwrap_err().to_string();
        assert!(
            e.starts_with("org.toml:5: unit.id: duplicate id \"a\""),
            "{e}"
        );

        let unknown = "[[unit]]\nid = \"a\"\nname = \"A\"\nparent = \"zz\"\n";
        let e = parse(unknown, "org.toml", &[]).unwrap_err().to_string();
        assert!(
            e.starts_with("org.toml:4: unit.parent: unit \"a\" has unknown parent \"zz\""),
            "{e}"
        );

        let cycle = "[[unit]]\nid = \"a\"\nname = \"A\"\nparent = \"b\"\n[[unit]]\nid = \"b\"\nname = \"B\"\nparent = \"a\"\n";
        let e = parse(cycle, "org.toml", &[]).unwrap_err().to_string();
        assert!(
            e.contains("org.toml:4: unit.parent: cycle: a -> b -> a"),
            "{e}"
        );

        let typo = "[[unit]]\nid = \"a\"\nnmae = \"A\"\n";
        let e = parse(typo, "org.toml", &[]).unwrap_err().to_string();
        assert!(e.starts_with("org.toml:"), "{e}");
        assert!(e.contains("nmae"), "{e}");

        let syntax = "[[unit]]\nid = \"a\nname = \"A\"\n";
        let e = parse(syntax, "org.toml", &[]).unwrap_err().to_string();
        assert!(e.starts_with("org.toml:2:"), "{e}");
    }

    #[test]
    fn cycle_through_stored_units_is_refused() {
        let existing = vec![
            Unit {
                id: "a".into(),
                name: "A".into(),
                parent: None,
                duty_chat_id: None,
                place: None,
            },
            Unit {
                id: "b".into(),
                name: "B".into(),
                parent: Some("a".into()),
                duty_chat_id: None,
                place: None,
            },
        ];
        let text = "[[unit]]\nid = \"a\"\nname = \"A\"\nparent = \"b\"\n";
        let e = parse(text, "f", &existing).unwrap_err().to_string();
        assert!(e.contains("cycle: a -> b -> a"), "{e}");
    }
}
