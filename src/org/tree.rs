//! The unit tree held in memory: who is below whom, without a query per lookup. The store
//! keeps a version of the tree (changed by a trigger whenever a unit is added, moved,
//! renamed or bound to a room); the sender's query reads it with every update, and the
//! cache reloads the tree when it differs, so a change by another process or an earlier
//! update of the same batch is seen at once.
use super::Unit;
use std::collections::{HashMap, HashSet};

/// The units in file order, indexed.
#[derive(Debug, Default)]
pub struct UnitTree {
    units: Vec<Unit>,
    index: HashMap<String, usize>,
    children: Vec<Vec<usize>>,
    by_room: HashMap<i64, usize>,
}

impl UnitTree {
    pub fn new(units: Vec<Unit>) -> UnitTree {
        let index: HashMap<String, usize> = units
            .iter()
            .enumerate()
            .map(|(i, u)| (u.id.clone(), i))
            .collect();
        let mut children = vec![Vec::new(); units.len()];
        for (i, u) in units.iter().enumerate() {
            if let Some(p) = u.parent.as_ref().and_then(|p| index.get(p)) {
                children[*p].push(i);
            }
        }
        let by_room = units
            .iter()
            .enumerate()
            .filter_map(|(i, u)| Some((u.duty_chat_id?, i)))
            .collect();
        UnitTree {
            units,
            index,
            children,
            by_room,
        }
    }

    /// Every unit, in file order.
    pub fn all(&self) -> &[Unit] {
        &self.units
    }

    pub fn get(&self, id: &str) -> Option<&Unit> {
        self.index.get(id).map(|i| &self.units[*i])
    }

    /// The unit whose duty room this group is.
    pub fn by_duty_chat(&self, chat_id: i64) -> Option<&Unit> {
        self.by_room.get(&chat_id).map(|i| &self.units[*i])
    }

    /// The ids of `roots` and every unit below them.
    pub fn subtree<'a>(&'a self, roots: &[&str]) -> HashSet<&'a str> {
        let mut found = HashSet::new();
        let mut todo: Vec<usize> = roots
            .iter()
            .filter_map(|r| self.index.get(*r))
            .copied()
            .collect();
        while let Some(i) = todo.pop() {
            // Each unit once, so a damaged tree with a cycle still ends.
            if found.insert(self.units[i].id.as_str()) {
                todo.extend(&self.children[i]);
            }
        }
        found
    }

    /// `root` and the units below it depth first, children in file order, with their depth
    /// below `root` (each once, so a cycle ends).
    pub fn depth_first(&self, root: &str) -> Vec<(&Unit, usize)> {
        let mut out = Vec::new();
        let mut seen = HashSet::new();
        let mut todo: Vec<(usize, usize)> =
            self.index.get(root).map(|i| (*i, 0)).into_iter().collect();
        while let Some((i, depth)) = todo.pop() {
            if seen.insert(i) {
                out.push((&self.units[i], depth));
                todo.extend(self.children[i].iter().rev().map(|c| (*c, depth + 1)));
            }
        }
        out
    }

    /// The unit and the units above it, nearest first (each once, so a cycle ends).
    pub fn chain(&self, id: &str) -> Vec<&Unit> {
        let mut chain: Vec<&Unit> = Vec::new();
        let mut at = self.get(id);
        while let Some(u) = at {
            if chain.iter().any(|c| c.id == u.id) {
                break;
            }
            chain.push(u);
            at = u.parent.as_deref().and_then(|p| self.get(p));
        }
        chain
    }

    /// Is `unit` equal to or below `ancestor`?
    pub fn is_within(&self, unit: &str, ancestor: &str) -> bool {
        self.chain(unit).iter().any(|u| u.id == ancestor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(id: &str, parent: Option<&str>, room: Option<i64>) -> Unit {
        Unit {
            id: id.into(),
            name: id.into(),
            parent: parent.map(Into::into),
            duty_chat_id: room,
            place: None,
        }
    }

    fn sorted(set: HashSet<&str>) -> Vec<&str> {
        let mut v: Vec<&str> = set.into_iter().collect();
        v.sort();
        v
    }

    #[test]
    fn walks_up_and_down_the_tree() {
        let tree = UnitTree::new(vec![
            unit("d", None, Some(-1)),
            unit("t", Some("d"), None),
            unit("v", Some("t"), Some(-3)),
            unit("x", None, None),
        ]);
        assert!(tree.is_within("v", "d"));
        assert!(tree.is_within("t", "t"));
        assert!(!tree.is_within("d", "v"));
        assert!(!tree.is_within("x", "d"));
        assert!(!tree.is_within("nowhere", "d"));
        assert_eq!(sorted(tree.subtree(&["t"])), ["t", "v"]);
        assert_eq!(tree.subtree(&["d"]).len(), 3, "not x, another root");
        assert_eq!(tree.subtree(&["d", "x"]).len(), 4);
        assert!(tree.subtree(&["nowhere"]).is_empty());
        let chain: Vec<&str> = tree.chain("v").iter().map(|u| u.id.as_str()).collect();
        assert_eq!(chain, ["v", "t", "d"]);
        assert_eq!(tree.by_duty_chat(-3).map(|u| u.id.as_str()), Some("v"));
        assert!(tree.by_duty_chat(-2).is_none());
        assert_eq!(tree.get("t").and_then(|u| u.parent.as_deref()), Some("d"));
    }

    #[test]
    fn a_damaged_tree_with_a_cycle_still_ends() {
        let tree = UnitTree::new(vec![unit("a", Some("b"), None), unit("b", Some("a"), None)]);
        assert_eq!(tree.chain("a").len(), 2);
        assert_eq!(tree.subtree(&["a"]).len(), 2);
        assert!(!tree.is_within("a", "c"));
    }
}
