//! The transaction coordinator's marker channel (Kafka's
//! `TransactionMarkerChannelManager`): a transaction's COMMIT or ABORT
//! marker goes to the leader of each of its partitions.
//!
//! Each round looks the leaders up in the current metadata image. Partitions
//! this broker leads are written here (`crate::markers`); the others go to
//! their leader in one WriteTxnMarkers request per broker, over links kept
//! open between transactions (`crate::leader_link::Links`). A partition is tried again,
//! with backoff and the leaders looked up afresh, until its marker is
//! durable on its ISR, its topic no longer exists, or it has moved on to a
//! newer producer epoch or coordinator (INVALID_PRODUCER_EPOCH,
//! TRANSACTION_COORDINATOR_FENCED: the partition's leader refuses a marker
//! from a coordinator epoch older than the producer's last marker's). A
//! coordinator that no longer serves the transactional id in the epoch the
//! markers carry stops retrying them: its successor writes them.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;

use futures_util::future::join_all;
use strata_coordinator::Markers;
use strata_protocol::generated::write_txn_markers_request::{WritableTxnMarker, WritableTxnMarkerTopic};
use strata_protocol::generated::WriteTxnMarkersRequest;
use strata_protocol::{ErrorCode, RequestBody, ResponseBody};
use strata_records::control::{ControlRecord, ControlType};

use crate::broker::Broker;
use crate::leader_link::by_topic;
use crate::markers;

/// The WriteTxnMarkers version sent (the newest strata speaks).
const MARKERS_VERSION: i16 = 1;
/// How long a remote leader may take to answer: it answers once the markers
/// are on its ISR, which it waits for up to 30 s (`crate::markers`).
const CALL_TIMEOUT: Duration = Duration::from_secs(40);
/// The first pause before a round that retries partitions; it doubles up to
/// [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_millis(50);
const MAX_BACKOFF: Duration = Duration::from_secs(5);

/// One partition of a transaction.
type TopicPartition = (String, i32);

/// Writes the transaction's marker into each of its partitions; returns once
/// every partition is settled (see the module doc). Other leaders are asked
/// in parallel tasks while this broker writes its own share in place (on a
/// single broker, that is all there is).
pub(crate) async fn write_all(broker: &Arc<Broker>, markers: &Markers) {
    let mut left = markers.partitions.clone();
    let mut backoff = FIRST_BACKOFF;
    loop {
        let mut groups = by_leader(broker, left);
        let here = groups.remove(&broker.config.node_id);
        let remote: Vec<_> = groups
            .into_iter()
            .map(|(leader, partitions)| {
                let (broker, header, sent) = (broker.clone(), header(markers), partitions.clone());
                (partitions, tokio::spawn(async move { send(&broker, leader, &header, sent).await }))
            })
            .collect();
        let mut outcomes = match here {
            Some(partitions) => write_here(broker, markers, partitions).await,
            None => Vec::new(),
        };
        for (partitions, round) in remote {
            // A round that panicked settled none of its partitions.
            outcomes.extend(
                round
                    .await
                    .unwrap_or_else(|_| partitions.into_iter().map(|p| (p, ErrorCode::UNKNOWN_SERVER_ERROR)).collect()),
            );
        }
        left = unsettled(markers, outcomes);
        let deposed =
            || !broker.transactions.direct(|c| c.serves(&markers.transactional_id, markers.coordinator_epoch));
        if left.is_empty() || deposed() {
            return;
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(MAX_BACKOFF);
    }
}

/// The partitions whose marker must be tried again, each failure logged.
fn unsettled(markers: &Markers, outcomes: Vec<(TopicPartition, ErrorCode)>) -> Vec<TopicPartition> {
    let mut left = Vec::new();
    for ((topic, index), code) in outcomes {
        // A newer producer epoch or coordinator has moved on: its own
        // markers end this transaction there.
        let superseded = [ErrorCode::INVALID_PRODUCER_EPOCH, ErrorCode::TRANSACTION_COORDINATOR_FENCED];
        if code != ErrorCode::NONE && !superseded.contains(&code) {
            tracing::warn!(
                transactional_id = markers.transactional_id,
                topic,
                partition = index,
                error = code.name(),
                "writing a transaction marker failed; retrying"
            );
            left.push((topic, index));
        }
    }
    left
}

/// `markers` without its partitions, for one broker's share.
fn header(markers: &Markers) -> Markers {
    Markers { partitions: Vec::new(), transactional_id: markers.transactional_id.clone(), ..*markers }
}

/// The partitions grouped by their leader in the current image; those whose
/// topic is gone are dropped (nothing is left to mark), and those without a
/// leader are kept under -1 to be answered LEADER_NOT_AVAILABLE.
fn by_leader(broker: &Broker, partitions: Vec<TopicPartition>) -> BTreeMap<i32, Vec<TopicPartition>> {
    let image = broker.image();
    let mut grouped: BTreeMap<i32, Vec<TopicPartition>> = BTreeMap::new();
    for (topic, index) in partitions {
        let Some(partition) = image.topic(&topic).and_then(|t| t.partitions.get(usize::try_from(index).ok()?)) else {
            tracing::debug!(topic, partition = index, "no marker for a partition that no longer exists");
            continue;
        };
        grouped.entry(partition.leader.max(-1)).or_default().push((topic, index));
    }
    grouped
}

/// Writes the marker into `partitions`, all led by `leader`, another broker:
/// each one's outcome.
async fn send(
    broker: &Arc<Broker>,
    leader: i32,
    markers: &Markers,
    partitions: Vec<TopicPartition>,
) -> Vec<(TopicPartition, ErrorCode)> {
    if leader < 0 {
        return partitions.into_iter().map(|p| (p, ErrorCode::LEADER_NOT_AVAILABLE)).collect();
    }
    match call(broker, leader, markers, &partitions).await {
        Ok(answers) => partitions
            .into_iter()
            .map(|p| {
                let code = answers.get(&p).copied().unwrap_or(ErrorCode::UNKNOWN_SERVER_ERROR);
                (p, code)
            })
            .collect(),
        Err(e) => {
            tracing::debug!(leader, error = %e, "sending transaction markers failed");
            partitions.into_iter().map(|p| (p, ErrorCode::NETWORK_EXCEPTION)).collect()
        }
    }
}

/// Writes the marker into partitions this broker leads: all appended first,
/// then all awaited together until durable on their ISRs.
async fn write_here(
    broker: &Broker,
    markers: &Markers,
    partitions: Vec<TopicPartition>,
) -> Vec<(TopicPartition, ErrorCode)> {
    let marker = control(markers);
    let (id, epoch) = (markers.producer_id, markers.producer_epoch);
    let written: Vec<_> = partitions
        .into_iter()
        .map(|(topic, index)| {
            let outcome = markers::write(broker, &topic, index, id, epoch, marker);
            ((topic, index), outcome)
        })
        .collect();
    join_all(written.into_iter().map(|((topic, index), outcome)| async move {
        let code = markers::settle(broker, &topic, index, id, marker, outcome).await;
        ((topic, index), code)
    }))
    .await
}

/// Sends one WriteTxnMarkers request to `leader`: each partition's error code.
async fn call(
    broker: &Broker,
    leader: i32,
    markers: &Markers,
    partitions: &[TopicPartition],
) -> Result<HashMap<TopicPartition, ErrorCode>, String> {
    let topics = by_topic(partitions);
    let request = RequestBody::WriteTxnMarkers(WriteTxnMarkersRequest {
        markers: vec![WritableTxnMarker {
            producer_id: markers.producer_id,
            producer_epoch: markers.producer_epoch,
            transaction_result: markers.commit,
            coordinator_epoch: markers.coordinator_epoch,
            topics: topics
                .into_iter()
                .map(|(name, partition_indexes)| WritableTxnMarkerTopic {
                    name: name.to_string(),
                    partition_indexes,
                    ..Default::default()
                })
                .collect(),
            ..Default::default()
        }],
        ..Default::default()
    });
    let answer = broker.links.call(broker, leader, &request, MARKERS_VERSION, CALL_TIMEOUT).await?;
    let ResponseBody::WriteTxnMarkers(response) = answer else {
        return Err("an answer of another kind".into());
    };
    let mut codes = HashMap::new();
    for result in response.markers.into_iter().filter(|m| m.producer_id == markers.producer_id) {
        for topic in result.topics {
            for p in topic.partitions {
                codes.insert(
                    (topic.name.clone(), p.partition_index),
                    ErrorCode::from_code(p.error_code).unwrap_or(ErrorCode::UNKNOWN_SERVER_ERROR),
                );
            }
        }
    }
    Ok(codes)
}

/// The control record the markers carry.
pub(crate) fn control(markers: &Markers) -> ControlRecord {
    let kind = if markers.commit { ControlType::Commit } else { ControlType::Abort };
    ControlRecord { kind, coordinator_epoch: markers.coordinator_epoch }
}
