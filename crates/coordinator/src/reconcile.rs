//! Moving one member towards its target assignment (Kafka's
//! `CurrentAssignmentBuilder`).
//!
//! A member never gets a partition another member still owns, and never
//! moves to a new epoch while it holds partitions it must give up:
//!
//! ```text
//! Stable ──new target──▶ UnrevokedPartitions (same epoch; keeps target ∩ owned, revokes the rest)
//!    │                        │ the member's heartbeat no longer lists the revoked partitions
//!    │                        ▼
//!    └──────────────▶ target epoch: Stable, or UnreleasedPartitions while others still own some
//! ```

use std::collections::BTreeSet;

use strata_protocol::Uuid;

use crate::consumer_group::{Assignment, Current, MemberState};

/// The partitions a member reports owning in its heartbeat (`None`: not sent).
pub(crate) type Owned = Option<Assignment>;

/// The member's next state. `owned_by_other` says whether another member
/// owns (or is revoking) a partition.
pub(crate) fn reconcile(
    current: &Current,
    target: &Assignment,
    target_epoch: i32,
    owned: &Owned,
    owned_by_other: &dyn Fn(&Uuid, i32) -> bool,
) -> Current {
    match current.state {
        MemberState::Stable if current.epoch == target_epoch => current.clone(),
        MemberState::UnrevokedPartitions if still_owns(owned, &current.revoking) => current.clone(),
        _ => next(current, target, target_epoch, owned_by_other),
    }
}

/// Whether the member's report still lists any partition it must revoke
/// (no report counts as still owning them).
fn still_owns(owned: &Owned, revoking: &Assignment) -> bool {
    let Some(owned) = owned else { return true };
    revoking.iter().any(|(t, ps)| owned.get(t).is_some_and(|o| !o.is_disjoint(ps)))
}

fn next(
    current: &Current,
    target: &Assignment,
    target_epoch: i32,
    owned_by_other: &dyn Fn(&Uuid, i32) -> bool,
) -> Current {
    let mut assigned = Assignment::new();
    let mut revoking = Assignment::new();
    let mut pending = Assignment::new();
    let mut unreleased = false;
    let topics: BTreeSet<Uuid> = target.keys().chain(current.assigned.keys()).copied().collect();
    for t in topics {
        let want = target.get(&t).cloned().unwrap_or_default();
        let have = current.assigned.get(&t).cloned().unwrap_or_default();
        let keep: BTreeSet<i32> = have.intersection(&want).copied().collect();
        let give: BTreeSet<i32> = have.difference(&keep).copied().collect();
        let mut get: BTreeSet<i32> = want.difference(&keep).copied().collect();
        let before = get.len();
        get.retain(|&p| !owned_by_other(&t, p));
        unreleased |= get.len() != before;
        for (map, set) in [(&mut assigned, keep), (&mut revoking, give), (&mut pending, get)] {
            if !set.is_empty() {
                map.insert(t, set);
            }
        }
    }
    let bump = |state, assigned| Current {
        epoch: target_epoch,
        previous_epoch: current.epoch,
        state,
        assigned,
        revoking: Assignment::new(),
    };
    if !revoking.is_empty() {
        return Current {
            epoch: current.epoch,
            previous_epoch: current.previous_epoch,
            state: MemberState::UnrevokedPartitions,
            assigned,
            revoking,
        };
    }
    for (t, ps) in pending {
        assigned.entry(t).or_default().extend(ps);
    }
    let state = if unreleased { MemberState::UnreleasedPartitions } else { MemberState::Stable };
    bump(state, assigned)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a(ps: &[i32]) -> Assignment {
        Assignment::from([(Uuid([1; 16]), ps.iter().copied().collect::<BTreeSet<i32>>())])
    }

    fn stable(epoch: i32, ps: &[i32]) -> Current {
        Current { epoch, previous_epoch: epoch - 1, state: MemberState::Stable, assigned: a(ps), revoking: a(&[]) }
    }

    #[test]
    fn revokes_before_moving_on() {
        let free = |_: &Uuid, _: i32| false;
        let c = reconcile(&stable(3, &[0, 1, 2]), &a(&[0, 1]), 5, &None, &free);
        assert_eq!(c.state, MemberState::UnrevokedPartitions);
        assert_eq!((c.epoch, c.assigned.clone(), c.revoking.clone()), (3, a(&[0, 1]), a(&[2])));
        // Still reporting partition 2: nothing changes.
        assert_eq!(reconcile(&c, &a(&[0, 1]), 5, &Some(a(&[0, 1, 2])), &free), c);
        let done = reconcile(&c, &a(&[0, 1]), 5, &Some(a(&[0, 1])), &free);
        assert_eq!((done.epoch, done.state, done.assigned), (5, MemberState::Stable, a(&[0, 1])));
    }

    #[test]
    fn waits_for_partitions_others_own() {
        let c = reconcile(&stable(1, &[0]), &a(&[0, 1]), 2, &None, &|_, p| p == 1);
        assert_eq!((c.epoch, c.state, c.assigned.clone()), (2, MemberState::UnreleasedPartitions, a(&[0])));
        let c = reconcile(&c, &a(&[0, 1]), 2, &None, &|_, _| false);
        assert_eq!((c.state, c.assigned), (MemberState::Stable, a(&[0, 1])));
    }
}
