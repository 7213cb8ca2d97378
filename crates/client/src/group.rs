//! Membership of a consumer group by Kafka's classic protocol: find the
//! coordinator, JoinGroup, (as leader) assign, SyncGroup, then heartbeat
//! in the background until the coordinator asks for a rebalance.
//!
//! Invariants:
//! * `generation` and `member_id` are those of the last successful
//!   SyncGroup; commits carry them so the coordinator can fence a member
//!   that missed a rebalance.
//! * The heartbeat task of a generation ends when the next join starts;
//!   it only ever sets `rejoin`, the consumer's own call acts on it.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use strata_protocol::generated::heartbeat_request::HeartbeatRequest;
use strata_protocol::generated::join_group_request::{JoinGroupRequest, JoinGroupRequestProtocol};
use strata_protocol::generated::join_group_response::JoinGroupResponse;
use strata_protocol::generated::leave_group_request::{LeaveGroupRequest, MemberIdentity};
use strata_protocol::generated::sync_group_request::{SyncGroupRequest, SyncGroupRequestAssignment};
use strata_protocol::ErrorCode;

use crate::assignor::{self, Strategy};
use crate::cluster::Cluster;
use crate::error::{Error, Result};
use crate::TopicPartition;

/// What a member needs to join.
#[derive(Debug, Clone)]
pub(crate) struct GroupConfig {
    pub(crate) group_id: String,
    pub(crate) instance_id: Option<String>,
    pub(crate) session_timeout: Duration,
    pub(crate) rebalance_timeout: Duration,
    pub(crate) heartbeat_interval: Duration,
    pub(crate) strategies: Vec<Strategy>,
}

/// This consumer's membership in its group.
#[derive(Debug)]
pub(crate) struct Membership {
    config: GroupConfig,
    cluster: Arc<Cluster>,
    pub(crate) member_id: String,
    pub(crate) generation: i32,
    pub(crate) strategy: Option<Strategy>,
    /// Set when the group must be joined again (by the heartbeat task, or
    /// after a cooperative revocation).
    pub(crate) rejoin: Arc<AtomicBool>,
    heartbeat: Option<tokio::task::JoinHandle<()>>,
}

impl Drop for Membership {
    fn drop(&mut self) {
        if let Some(h) = self.heartbeat.take() {
            h.abort();
        }
    }
}

impl Membership {
    pub(crate) fn new(config: GroupConfig, cluster: Arc<Cluster>) -> Membership {
        Membership {
            config,
            cluster,
            member_id: String::new(),
            generation: -1,
            strategy: None,
            rejoin: Arc::new(AtomicBool::new(true)),
            heartbeat: None,
        }
    }

    pub(crate) fn instance_id(&self) -> Option<String> {
        self.config.instance_id.clone()
    }

    /// True when the consumer must call [`Membership::join`] before fetching.
    pub(crate) fn needs_join(&self) -> bool {
        self.rejoin.load(Ordering::Relaxed)
    }

    /// True when the last join chose an eager strategy (revoke everything first).
    pub(crate) fn is_eager(&self) -> bool {
        !self.strategy.is_some_and(Strategy::is_cooperative)
    }

    /// Forgets the coordinator after an error that says it moved.
    fn coordinator_failed(&self, e: &Error) {
        if e.needs_refresh() {
            self.cluster.forget_coordinators();
        }
    }

    /// Joins (or rejoins) the group and returns this member's assignment.
    /// `owned` is what the member holds now (sent for cooperative rebalancing).
    pub(crate) async fn join(&mut self, topics: &[String], owned: &[TopicPartition]) -> Result<Vec<TopicPartition>> {
        if let Some(h) = self.heartbeat.take() {
            h.abort();
        }
        loop {
            match self.join_once(topics, owned).await {
                Ok(assignment) => {
                    self.rejoin.store(false, Ordering::Relaxed);
                    self.start_heartbeat().await;
                    return Ok(assignment);
                }
                Err(e) => self.recover(&e).await?,
            }
        }
    }

    /// Decides what a failed join step means: retry (after fixing what the
    /// error names), or give up with the error.
    async fn recover(&mut self, e: &Error) -> Result<()> {
        match e.code() {
            Some(ErrorCode::UNKNOWN_MEMBER_ID) => self.member_id.clear(),
            Some(ErrorCode::ILLEGAL_GENERATION) => self.generation = -1,
            Some(ErrorCode::REBALANCE_IN_PROGRESS | ErrorCode::MEMBER_ID_REQUIRED) => {}
            _ if e.is_retriable() => {
                self.coordinator_failed(e);
                self.cluster.backoff().await;
            }
            _ => return Err(e.clone()),
        }
        Ok(())
    }

    async fn join_once(&mut self, topics: &[String], owned: &[TopicPartition]) -> Result<Vec<TopicPartition>> {
        let coordinator = self.cluster.coordinator(&self.config.group_id).await?;
        let protocols = self
            .config
            .strategies
            .iter()
            .map(|s| JoinGroupRequestProtocol {
                name: s.name().to_string(),
                metadata: assignor::encode_subscription(topics, owned, self.generation),
                ..Default::default()
            })
            .collect();
        let request = JoinGroupRequest {
            group_id: self.config.group_id.clone(),
            session_timeout_ms: millis(self.config.session_timeout),
            rebalance_timeout_ms: millis(self.config.rebalance_timeout),
            member_id: self.member_id.clone(),
            group_instance_id: self.config.instance_id.clone(),
            protocol_type: "consumer".into(),
            protocols,
            reason: None,
            ..Default::default()
        };
        let wait = self.config.rebalance_timeout + Duration::from_secs(5);
        let response = coordinator.call_timed(&request, 9, wait).await?;
        if !response.member_id.is_empty() {
            self.member_id = response.member_id.clone();
        }
        crate::error::check(response.error_code, None)?;
        let name = response.protocol_name.clone().unwrap_or_default();
        let strategy = Strategy::from_name(&name)
            .ok_or_else(|| Error::Malformed(format!("the coordinator chose unknown assignor {name:?}").into()))?;
        let assignments = if response.leader == self.member_id && !response.skip_assignment {
            self.assign(strategy, &response).await?
        } else {
            Vec::new()
        };
        let since_v5 = coordinator.version::<SyncGroupRequest>(5)? >= 5;
        let sync = SyncGroupRequest {
            group_id: self.config.group_id.clone(),
            generation_id: response.generation_id,
            member_id: self.member_id.clone(),
            group_instance_id: self.config.instance_id.clone(),
            protocol_type: since_v5.then(|| "consumer".into()),
            protocol_name: since_v5.then_some(name),
            assignments,
            ..Default::default()
        };
        let synced = coordinator.call_timed(&sync, 5, wait).await?;
        crate::error::check(synced.error_code, None)?;
        self.generation = response.generation_id;
        self.strategy = Some(strategy);
        assignor::decode_assignment(synced.assignment)
    }

    /// The leader's part: every member's assignment, by `strategy`.
    async fn assign(
        &self,
        strategy: Strategy,
        response: &JoinGroupResponse,
    ) -> Result<Vec<SyncGroupRequestAssignment>> {
        let members = response
            .members
            .iter()
            .map(|m| assignor::decode_subscription(&m.member_id, m.metadata.clone()))
            .collect::<Result<Vec<_>>>()?;
        let mut topics: Vec<String> = members.iter().flat_map(|m| m.topics.iter().cloned()).collect();
        topics.sort();
        topics.dedup();
        let metadata = self.cluster.refresh(Some(&topics), false).await?;
        let counts: BTreeMap<String, i32> = topics
            .iter()
            .filter_map(|t| metadata.topic(t).map(|info| (t.clone(), info.partitions.len() as i32)))
            .collect();
        let assignments = strategy.assign(&counts, &members);
        Ok(assignments
            .into_iter()
            .map(|(member_id, partitions)| SyncGroupRequestAssignment {
                member_id,
                assignment: assignor::encode_assignment(&partitions),
                ..Default::default()
            })
            .collect())
    }

    async fn start_heartbeat(&mut self) {
        let Ok(coordinator) = self.cluster.coordinator(&self.config.group_id).await else {
            self.rejoin.store(true, Ordering::Relaxed);
            return;
        };
        let request = HeartbeatRequest {
            group_id: self.config.group_id.clone(),
            generation_id: self.generation,
            member_id: self.member_id.clone(),
            group_instance_id: self.config.instance_id.clone(),
            ..Default::default()
        };
        let (rejoin, interval) = (self.rejoin.clone(), self.config.heartbeat_interval);
        self.heartbeat = Some(tokio::spawn(async move {
            loop {
                tokio::time::sleep(interval).await;
                let code = match coordinator.call_capped(&request, 4).await {
                    Ok(r) => r.error_code,
                    Err(_) => ErrorCode::COORDINATOR_NOT_AVAILABLE.code(),
                };
                if code != 0 {
                    tracing::debug!(code, "heartbeat asks for a rejoin");
                    rejoin.store(true, Ordering::Relaxed);
                    return;
                }
            }
        }));
    }

    /// Leaves the group (LeaveGroup), best effort.
    pub(crate) async fn leave(&mut self) {
        if let Some(h) = self.heartbeat.take() {
            h.abort();
        }
        if self.member_id.is_empty() || self.config.instance_id.is_some() {
            return;
        }
        let Ok(coordinator) = self.cluster.coordinator(&self.config.group_id).await else { return };
        let Ok(version) = coordinator.version::<LeaveGroupRequest>(5) else { return };
        // v3 replaced the member id with a list of members (KIP-345).
        let request = if version >= 3 {
            let member = MemberIdentity {
                member_id: self.member_id.clone(),
                reason: (version >= 5).then(|| "the consumer is closing".into()),
                ..Default::default()
            };
            LeaveGroupRequest { group_id: self.config.group_id.clone(), members: vec![member], ..Default::default() }
        } else {
            LeaveGroupRequest {
                group_id: self.config.group_id.clone(),
                member_id: self.member_id.clone(),
                ..Default::default()
            }
        };
        let _ = coordinator.call_at(&request, version).await;
        self.member_id.clear();
        self.generation = -1;
    }
}

fn millis(d: Duration) -> i32 {
    d.as_millis().min(i32::MAX as u128) as i32
}
