//! Server-side assignors of KIP-848 (`group.consumer.assignors`): they turn
//! the members' subscriptions into each member's target assignment.
//!
//! - `uniform` (the default): every subscribed partition goes to exactly one
//!   subscriber; members keep the partitions they were last given where they
//!   still subscribe to them, and partitions move only from a member with at
//!   least two more than another subscriber of the topic, so the counts end
//!   as even as the subscriptions allow.
//! - `range`: per topic, the subscribers in member-id order each get a
//!   contiguous range, the first ones one partition more (co-partitioned
//!   topics line up, as with the classic range assignor).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use strata_protocol::Uuid;

use crate::consumer_group::Assignment;

/// The assignors strata serves, the default first.
pub(crate) const ASSIGNORS: [&str; 2] = ["uniform", "range"];

/// A member as an assignor sees it.
#[derive(Debug)]
pub(crate) struct Subscriber<'a> {
    /// The member id.
    pub(crate) id: &'a str,
    /// The ids of the topics it subscribes to.
    pub(crate) topics: BTreeSet<Uuid>,
    /// Its previous target assignment.
    pub(crate) previous: Option<&'a Assignment>,
}

/// Runs the named assignor over `partitions` (topic id → partition count).
pub(crate) fn assign(
    assignor: &str,
    members: &[Subscriber<'_>],
    partitions: &BTreeMap<Uuid, i32>,
) -> HashMap<String, Assignment> {
    let owners = match assignor {
        "range" => range(members, partitions),
        _ => uniform(members, partitions),
    };
    let mut out: HashMap<String, Assignment> = members.iter().map(|m| (m.id.to_string(), Assignment::new())).collect();
    for ((topic, partition), owner) in owners {
        if let Some(a) = out.get_mut(members[owner].id) {
            a.entry(topic).or_default().insert(partition);
        }
    }
    out
}

/// Owner (index into `members`) of each partition.
type Owners = BTreeMap<(Uuid, i32), usize>;

fn uniform(members: &[Subscriber<'_>], partitions: &BTreeMap<Uuid, i32>) -> Owners {
    let mut owners = Owners::new();
    let mut counts = vec![0usize; members.len()];
    let exists = |t: &Uuid, p: i32| partitions.get(t).is_some_and(|n| p >= 0 && p < *n);
    for (i, m) in members.iter().enumerate() {
        for (t, ps) in m.previous.into_iter().flatten() {
            for &p in ps.iter().filter(|&&p| m.topics.contains(t) && exists(t, p)) {
                if let std::collections::btree_map::Entry::Vacant(e) = owners.entry((*t, p)) {
                    e.insert(i);
                    counts[i] += 1;
                }
            }
        }
    }
    let subscribers = |t: Uuid| members.iter().enumerate().filter(move |(_, m)| m.topics.contains(&t)).map(|(i, _)| i);
    for (t, n) in partitions {
        for p in 0..*n {
            if owners.contains_key(&(*t, p)) {
                continue;
            }
            if let Some(i) = subscribers(*t).min_by_key(|&i| (counts[i], i)) {
                owners.insert((*t, p), i);
                counts[i] += 1;
            }
        }
    }
    // Move partitions from fuller to emptier subscribers until no move helps;
    // each move lowers the sum of squared counts, so this ends.
    loop {
        let mut moved = false;
        let keys: Vec<(Uuid, i32)> = owners.keys().rev().copied().collect();
        for key in keys {
            let from = owners[&key];
            let to = subscribers(key.0).min_by_key(|&i| (counts[i], i));
            if let Some(to) = to.filter(|&to| counts[to] + 1 < counts[from]) {
                owners.insert(key, to);
                counts[from] -= 1;
                counts[to] += 1;
                moved = true;
            }
        }
        if !moved {
            return owners;
        }
    }
}

fn range(members: &[Subscriber<'_>], partitions: &BTreeMap<Uuid, i32>) -> Owners {
    let mut owners = Owners::new();
    let mut order: Vec<usize> = (0..members.len()).collect();
    order.sort_by_key(|&i| members[i].id);
    for (t, &n) in partitions {
        let subs: Vec<usize> = order.iter().copied().filter(|&i| members[i].topics.contains(t)).collect();
        if subs.is_empty() {
            continue;
        }
        let n = usize::try_from(n).unwrap_or(0);
        let (each, extra) = (n / subs.len(), n % subs.len());
        let mut next = 0;
        for (k, &i) in subs.iter().enumerate() {
            let take = each + usize::from(k < extra);
            for p in next..next + take {
                owners.insert((*t, i32::try_from(p).unwrap_or(i32::MAX)), i);
            }
            next += take;
        }
    }
    owners
}

#[cfg(test)]
mod tests {
    use super::*;

    fn topic(b: u8) -> Uuid {
        Uuid([b; 16])
    }

    fn counts(out: &HashMap<String, Assignment>) -> Vec<usize> {
        let mut c: Vec<usize> = out.values().map(|a| a.values().map(BTreeSet::len).sum()).collect();
        c.sort_unstable();
        c
    }

    #[test]
    fn uniform_spreads_evenly_and_keeps_what_it_can() {
        let t = topic(1);
        let parts = BTreeMap::from([(t, 6)]);
        let ids = ["a", "b", "c"];
        let subs: Vec<Subscriber<'_>> =
            ids.iter().map(|id| Subscriber { id, topics: BTreeSet::from([t]), previous: None }).collect();
        let first = assign("uniform", &subs, &parts);
        assert_eq!(counts(&first), vec![2, 2, 2]);
        let mut ids4 = ids.to_vec();
        ids4.push("d");
        let subs: Vec<Subscriber<'_>> =
            ids4.iter().map(|id| Subscriber { id, topics: BTreeSet::from([t]), previous: first.get(*id) }).collect();
        let second = assign("uniform", &subs, &parts);
        assert_eq!(counts(&second), vec![1, 1, 2, 2]);
        for id in ids {
            let before = &first[id][&t];
            let after = second[id].get(&t).cloned().unwrap_or_default();
            assert!(after.is_subset(before), "{id} gained a partition it did not have");
        }
    }

    #[test]
    fn uniform_respects_subscriptions() {
        let (t1, t2) = (topic(1), topic(2));
        let parts = BTreeMap::from([(t1, 4), (t2, 2)]);
        let subs = vec![
            Subscriber { id: "a", topics: BTreeSet::from([t1]), previous: None },
            Subscriber { id: "b", topics: BTreeSet::from([t1, t2]), previous: None },
        ];
        let out = assign("uniform", &subs, &parts);
        assert!(!out["a"].contains_key(&t2));
        assert_eq!(counts(&out), vec![3, 3]);
    }

    #[test]
    fn range_gives_contiguous_ranges_in_member_order() {
        let t = topic(1);
        let parts = BTreeMap::from([(t, 5)]);
        let subs = vec![
            Subscriber { id: "b", topics: BTreeSet::from([t]), previous: None },
            Subscriber { id: "a", topics: BTreeSet::from([t]), previous: None },
        ];
        let out = assign("range", &subs, &parts);
        assert_eq!(out["a"][&t], BTreeSet::from([0, 1, 2]));
        assert_eq!(out["b"][&t], BTreeSet::from([3, 4]));
    }
}
