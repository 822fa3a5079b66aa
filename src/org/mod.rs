//! Units, people, memberships and invites.
pub mod file;
pub mod invite;

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// What a person may do in a unit (PRODUCT.md, "People and roles").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    GridWorker,
    DutyOfficer,
    Supervisor,
    Admin,
}

impl Role {
    pub const ALL: [Role; 4] = [
        Role::GridWorker,
        Role::DutyOfficer,
        Role::Supervisor,
        Role::Admin,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::GridWorker => "grid_worker",
            Role::DutyOfficer => "duty_officer",
            Role::Supervisor => "supervisor",
            Role::Admin => "admin",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, thiserror::Error)]
#[error("unknown role {0:?} (expected grid_worker, duty_officer, supervisor or admin)")]
pub struct UnknownRole(pub String);

impl FromStr for Role {
    type Err = UnknownRole;
    fn from_str(s: &str) -> Result<Role, UnknownRole> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| UnknownRole(s.to_string()))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unit {
    pub id: String,
    pub name: String,
    pub parent: Option<String>,
    pub duty_chat_id: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    pub id: i64,
    pub tg_user_id: i64,
    pub name: String,
    pub lang: String,
    /// Telegram refused delivery (blocked bot, deactivated account).
    pub unreachable: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Membership {
    pub unit_id: String,
    pub unit_name: String,
    pub role: Role,
}

/// A person as seen by the handlers: record (if any) and roles.
#[derive(Debug, Clone, Default)]
pub struct Member {
    pub person: Option<Person>,
    pub memberships: Vec<Membership>,
}

impl Member {
    pub fn has_role(&self, role: Role) -> bool {
        self.memberships.iter().any(|m| m.role == role)
    }

    pub fn units_with(&self, roles: &[Role]) -> Vec<&Membership> {
        let mut out: Vec<&Membership> = Vec::new();
        for m in &self.memberships {
            if roles.contains(&m.role) && !out.iter().any(|o| o.unit_id == m.unit_id) {
                out.push(m);
            }
        }
        out
    }
}

/// The ids of `roots` and every unit below them, in one pass over the tree (for filtering
/// long lists, where `is_within` per item would walk the tree each time).
pub fn subtree<'a>(units: &'a [Unit], roots: &[&str]) -> std::collections::HashSet<&'a str> {
    let mut children: std::collections::HashMap<&str, Vec<&str>> = Default::default();
    for u in units {
        if let Some(p) = &u.parent {
            children.entry(p.as_str()).or_default().push(&u.id);
        }
    }
    let mut found: std::collections::HashSet<&str> = Default::default();
    let mut todo: Vec<&str> = units
        .iter()
        .filter(|u| roots.contains(&u.id.as_str()))
        .map(|u| u.id.as_str())
        .collect();
    while let Some(id) = todo.pop() {
        // Each unit once, so a corrupted tree with a cycle still ends.
        if found.insert(id) {
            todo.extend(children.get(id).into_iter().flatten());
        }
    }
    found
}

/// Is `unit` equal to or below `ancestor` in the tree?
pub fn is_within(units: &[Unit], unit: &str, ancestor: &str) -> bool {
    let mut current = Some(unit.to_string());
    // Bounded by the number of units, so a corrupted tree cannot loop forever.
    for _ in 0..=units.len() {
        match current {
            Some(ref id) if id == ancestor => return true,
            Some(ref id) => {
                current = units
                    .iter()
                    .find(|u| &u.id == id)
                    .and_then(|u| u.parent.clone())
            }
            None => return false,
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(id: &str, parent: Option<&str>) -> Unit {
        Unit {
            id: id.into(),
            name: id.into(),
            parent: parent.map(Into::into),
            duty_chat_id: None,
        }
    }

    #[test]
    fn roles_round_trip() {
        for r in Role::ALL {
            assert_eq!(r.as_str().parse::<Role>().ok(), Some(r));
        }
        assert!("boss".parse::<Role>().is_err());
    }

    #[test]
    fn within_tree() {
        let units = vec![
            unit("d", None),
            unit("t", Some("d")),
            unit("v", Some("t")),
            unit("x", None),
        ];
        assert!(is_within(&units, "v", "d"));
        assert!(is_within(&units, "t", "t"));
        assert!(!is_within(&units, "d", "v"));
        assert!(!is_within(&units, "x", "d"));
        let below_t: Vec<&str> = {
            let mut v: Vec<&str> = subtree(&units, &["t"]).into_iter().collect();
            v.sort();
            v
        };
        assert_eq!(below_t, ["t", "v"]);
        assert_eq!(subtree(&units, &["d"]).len(), 3, "not x, another root");
        assert_eq!(subtree(&units, &["d", "x"]).len(), units.len());
        assert!(subtree(&units, &["nowhere"]).is_empty());
    }
}
