//! ListGroups, DescribeGroups and DeleteGroups.

use strata_protocol::generated::delete_groups_response::DeletableGroupResult;
use strata_protocol::generated::describe_groups_response::{DescribedGroup, DescribedGroupMember};
use strata_protocol::generated::list_groups_request::ListGroupsRequest;
use strata_protocol::generated::list_groups_response::{ListGroupsResponse, ListedGroup};
use strata_protocol::ErrorCode;

use crate::coordinator::{GroupCoordinator, Journal};
use crate::group::{Group, State};

/// The group type of classic groups (ListGroups v5).
const CLASSIC: &str = "classic";
/// The group type of KIP-848 groups.
const CONSUMER: &str = "consumer";

/// A group's type and Kafka's name for its state.
fn kind(group: &Group) -> (&'static str, &'static str) {
    match &group.consumer {
        Some(c) => (CONSUMER, c.state_name()),
        None => (CLASSIC, group.state.name()),
    }
}

fn describe(group: &Group) -> DescribedGroup {
    let stable = group.state == State::Stable;
    let protocol = group.protocol.clone().unwrap_or_default();
    let members = group
        .ordered()
        .map(|m| DescribedGroupMember {
            member_id: m.id.clone(),
            group_instance_id: m.instance_id.clone(),
            client_id: m.client_id.clone(),
            client_host: m.client_host.clone(),
            member_metadata: if stable { m.metadata(&protocol) } else { Default::default() },
            member_assignment: if stable { m.assignment.clone() } else { Default::default() },
            ..Default::default()
        })
        .collect();
    let shows_protocol = matches!(group.state, State::Stable | State::CompletingRebalance);
    DescribedGroup {
        group_id: group.id.clone(),
        group_state: group.state.name().to_string(),
        protocol_type: group.protocol_type.clone().unwrap_or_default(),
        protocol_data: if shows_protocol { protocol } else { String::new() },
        members,
        ..Default::default()
    }
}

impl GroupCoordinator {
    /// ListGroups: every group served, filtered by state (v4+) and type (v5+).
    pub fn list_groups(&self, req: &ListGroupsRequest) -> ListGroupsResponse {
        let wanted =
            |filter: &[String], value: &str| filter.is_empty() || filter.iter().any(|f| f.eq_ignore_ascii_case(value));
        let groups = self
            .groups
            .values()
            .filter(|g| self.serving(&g.id).is_ok())
            .filter(|g| {
                let (group_type, state) = kind(g);
                wanted(&req.types_filter, group_type) && wanted(&req.states_filter, state)
            })
            .map(|g| ListedGroup {
                group_id: g.id.clone(),
                protocol_type: g.protocol_type.clone().unwrap_or_default(),
                group_state: kind(g).1.to_string(),
                group_type: kind(g).0.to_string(),
                ..Default::default()
            })
            .collect();
        ListGroupsResponse { groups, ..Default::default() }
    }

    /// DescribeGroups, one group: a group that does not exist is described as Dead.
    pub fn describe_group(&self, group_id: &str) -> DescribedGroup {
        let error = |code: ErrorCode| DescribedGroup {
            error_code: code.code(),
            group_id: group_id.to_string(),
            ..Default::default()
        };
        if let Err(code) = self.serving(group_id) {
            return error(code);
        }
        match self.groups.get(group_id) {
            // As Kafka: a KIP-848 group is described by ConsumerGroupDescribe.
            Some(group) if group.consumer.is_some() => error(ErrorCode::GROUP_ID_NOT_FOUND),
            Some(group) => describe(group),
            None => DescribedGroup { group_state: "Dead".to_string(), ..error(ErrorCode::NONE) },
        }
    }

    /// DeleteGroups, one group: only an empty group can go.
    pub fn delete_group_request(&mut self, group_id: &str, journal: &mut dyn Journal) -> DeletableGroupResult {
        let code = if group_id.is_empty() {
            Err(ErrorCode::INVALID_GROUP_ID)
        } else {
            self.serving(group_id).and_then(|_| match self.groups.get(group_id) {
                None => Err(ErrorCode::GROUP_ID_NOT_FOUND),
                Some(g) if g.state != State::Empty => Err(ErrorCode::NON_EMPTY_GROUP),
                Some(_) => self.delete_group(group_id, journal),
            })
        };
        DeletableGroupResult {
            group_id: group_id.to_string(),
            error_code: code.err().unwrap_or(ErrorCode::NONE).code(),
            ..Default::default()
        }
    }
}
