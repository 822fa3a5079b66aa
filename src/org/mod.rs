//! Units, people, memberships and invites.
pub mod file;
pub mod invite;
pub mod tree;

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
    /// The role's name in `lang`.
    pub fn name(self, i18n: &crate::i18n::I18n, lang: crate::config::Lang) -> String {
        i18n.t(lang, &format!("role-{}", self.as_str()), &[])
    }

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

#[derive(Debug, Clone, PartialEq)]
pub struct Unit {
    pub id: String,
    pub name: String,
    pub parent: Option<String>,
    pub duty_chat_id: Option<i64>,
    /// Latitude and longitude, to place it on the board's map.
    pub place: Option<(f64, f64)>,
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

    /// May this member see the items of `unit_id` (hazards, alerts)? With any role in the
    /// unit or a unit above it: a grid worker sees their own units and those below them,
    /// never a sibling branch. Whoever may not see an item is answered as if it did not
    /// exist.
    pub fn sees(&self, tree: &tree::UnitTree, unit_id: &str) -> bool {
        let chain = tree.chain(unit_id);
        self.memberships
            .iter()
            .any(|m| chain.iter().any(|u| u.id == m.unit_id))
    }

    /// May this member make a group the duty room of `unit_id`? Duty officers and
    /// supervisors (who may do all a duty officer may) of the unit, and admins of it or of
    /// any unit above it.
    pub fn may_bind(&self, tree: &tree::UnitTree, unit_id: &str) -> bool {
        if self
            .memberships
            .iter()
            .any(|m| m.unit_id == unit_id && matches!(m.role, Role::DutyOfficer | Role::Supervisor))
        {
            return true;
        }
        self.administers(tree, unit_id)
    }

    /// Is this member an admin of `unit_id` or of a unit above it (who may invite to it,
    /// pause it)? Never for a unit the tree does not hold.
    pub fn administers(&self, tree: &tree::UnitTree, unit_id: &str) -> bool {
        self.memberships
            .iter()
            .any(|m| m.role == Role::Admin && tree.is_within(unit_id, &m.unit_id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip() {
        for r in Role::ALL {
            assert_eq!(r.as_str().parse::<Role>().ok(), Some(r));
        }
        assert!("boss".parse::<Role>().is_err());
    }

    /// 周村区 above 王村镇 (above 李家村) and 南郊镇.
    fn district() -> tree::UnitTree {
        let unit = |id: &str, parent: Option<&str>| Unit {
            id: id.into(),
            name: id.into(),
            parent: parent.map(str::to_string),
            duty_chat_id: None,
            place: None,
        };
        tree::UnitTree::new(vec![
            unit("zhoucun", None),
            unit("wangcun", Some("zhoucun")),
            unit("lijia", Some("wangcun")),
            unit("nanjiao", Some("zhoucun")),
        ])
    }

    fn member(roles: &[(&str, Role)]) -> Member {
        Member {
            person: None,
            memberships: roles
                .iter()
                .map(|(u, role)| Membership {
                    unit_id: u.to_string(),
                    unit_name: u.to_string(),
                    role: *role,
                })
                .collect(),
        }
    }

    #[test]
    fn members_see_their_units_and_below_never_a_sibling_branch() {
        let t = district();
        let worker = member(&[("wangcun", Role::GridWorker)]);
        assert!(worker.sees(&t, "wangcun") && worker.sees(&t, "lijia"));
        assert!(!worker.sees(&t, "zhoucun") && !worker.sees(&t, "nanjiao"));
        assert!(!worker.sees(&t, "nosuch"));
        assert!(member(&[("zhoucun", Role::Admin)]).sees(&t, "nanjiao"));
        assert!(!Member::default().sees(&t, "lijia"));
    }

    #[test]
    fn admins_administer_their_unit_and_below_never_a_sibling_branch() {
        let t = district();
        let admin = member(&[("wangcun", Role::Admin)]);
        assert!(admin.administers(&t, "wangcun") && admin.administers(&t, "lijia"));
        assert!(!admin.administers(&t, "zhoucun") && !admin.administers(&t, "nanjiao"));
        assert!(!admin.administers(&t, "nosuch"));
        assert!(!member(&[("zhoucun", Role::Supervisor)]).administers(&t, "lijia"));
    }

    #[test]
    fn binding_needs_the_unit_or_an_admin_above() {
        let t = district();
        assert!(member(&[("lijia", Role::DutyOfficer)]).may_bind(&t, "lijia"));
        assert!(!member(&[("lijia", Role::GridWorker)]).may_bind(&t, "lijia"));
        assert!(!member(&[("wangcun", Role::Supervisor)]).may_bind(&t, "lijia"));
        let admin = member(&[("wangcun", Role::Admin)]);
        assert!(admin.may_bind(&t, "lijia") && !admin.may_bind(&t, "nanjiao"));
        assert!(!admin.may_bind(&t, "nosuch"));
    }
}
