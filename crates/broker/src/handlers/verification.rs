//! A partition leader's transaction verification (KIP-890, Kafka's
//! `AddPartitionsToTxnManager`), run by Produce before it appends, and by
//! TxnOffsetCommit before the group coordinator writes the offsets into its
//! `__consumer_offsets` partition.
//!
//! A transactional batch that would open its producer's transaction on a
//! partition is appended only once the transaction coordinator has said
//! that the partition is in the producer's ongoing transaction: asked in
//! place when this broker is the coordinator, else with AddPartitionsToTxn
//! v4 and verify_only. A late retry of a batch from a transaction that has
//! been aborted meanwhile is so refused (INVALID_TXN_STATE) instead of
//! opening a transaction that no marker ends, which would hold every
//! read_committed consumer of the partition back for good. The log's guard
//! refuses the append if a marker came while the question was out
//! (`strata_storage::verification`). A late TxnOffsetCommit would likewise
//! leave pending offsets that no marker ends, and every consumer asking for
//! stable offsets (OffsetFetch with require_stable) would be told
//! UNSTABLE_OFFSET_COMMIT for good.
//!
//! Only a transaction's first batch on each partition asks, and only when
//! `transaction.partition.verification.enable` is true (the default). The
//! question runs in the ordered part of the Produce handler: the
//! connection's next request waits for it, as in Kafka, which serves a
//! connection one request at a time.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};

use strata_protocol::generated::add_partitions_to_txn_request::{
    AddPartitionsToTxnTopic, AddPartitionsToTxnTransaction,
};
use strata_protocol::generated::{AddPartitionsToTxnRequest, ProduceRequest, TxnOffsetCommitRequest};
use strata_protocol::{ErrorCode, RequestBody, ResponseBody};
use strata_records::BatchHeader;
use strata_storage::{TxnVerification, VerificationGuard};

use super::groups::coordinator_of;
use crate::broker::Broker;
use crate::groups::OFFSETS_TOPIC;
use crate::leader_link::by_topic;
use crate::time::now_ms;
use crate::transactions::TXN_TOPIC;

/// The AddPartitionsToTxn version that verifies (the first with verify_only).
const VERIFY_VERSION: i16 = 4;
/// How long the coordinator may take to answer.
const VERIFY_TIMEOUT: Duration = Duration::from_secs(10);

/// A partition of a Produce request.
type TopicPartition = (String, i32);

/// A verified partition's guard, or the error (and message) to answer.
type Outcome = Result<VerificationGuard, (ErrorCode, String)>;

/// How each partition of one Produce request is appended.
#[derive(Debug)]
pub(super) struct Verified {
    enabled: bool,
    /// The verified partitions (few: a transaction's new ones in this request).
    outcomes: Vec<(TopicPartition, Outcome)>,
}

impl Verified {
    /// How the append to `topic`-`index` checks a transactional batch, or
    /// the error to answer instead of appending.
    pub(super) fn append_as(&self, topic: &str, index: i32) -> Result<TxnVerification, (ErrorCode, String)> {
        if !self.enabled {
            return Ok(TxnVerification::Off);
        }
        let outcome = self.outcomes.iter().find(|((t, i), _)| t == topic && *i == index).map(|(_, o)| o);
        match outcome {
            None => Ok(TxnVerification::Required(None)),
            Some(Ok(guard)) => Ok(TxnVerification::Required(Some(*guard))),
            Some(Err(e)) => Err(e.clone()),
        }
    }
}

/// Verifies the partitions of `req` whose batch opens its producer's
/// transaction here. Other partitions are appended with verification
/// required but no guard (or off, when the request holds no transactional
/// batch): the log lets through what opens no transaction, and refuses a
/// transactional batch of a request without a transactional id.
pub(super) async fn verify(broker: &Arc<Broker>, req: &ProduceRequest) -> Verified {
    // Most requests carry no transactional batch: no config lookup for them.
    let partitions = || req.topic_data.iter().flat_map(|t| &t.partition_data);
    let any_transactional = partitions().any(|p| opening_header(p.records.as_deref()).is_some());
    let enabled = any_transactional && verification_enabled(broker);
    let mut verified = Verified { enabled, outcomes: Vec::new() };
    let Some(id) = req.transactional_id.as_deref().filter(|id| enabled && !id.is_empty()) else {
        return verified;
    };
    for ((producer_id, epoch), opening) in opening_batches(broker, req) {
        let partitions: Vec<TopicPartition> = opening.iter().map(|(p, _)| p.clone()).collect();
        let codes = verdicts(broker, id, producer_id, epoch, &partitions).await;
        for ((partition, guard), code) in opening.into_iter().zip(codes) {
            let outcome = if code == ErrorCode::NONE { Ok(guard) } else { Err(refusal(code, PRODUCE_RETRY)) };
            verified.outcomes.push((partition, outcome));
        }
    }
    verified
}

/// The partitions led here whose batch opens its producer's transaction,
/// with the guard each verification started, by producer id and epoch.
fn opening_batches(
    broker: &Broker,
    req: &ProduceRequest,
) -> BTreeMap<(i64, i16), Vec<(TopicPartition, VerificationGuard)>> {
    let now = now_ms();
    let mut opening: BTreeMap<(i64, i16), Vec<_>> = BTreeMap::new();
    for t in &req.topic_data {
        for p in &t.partition_data {
            let Some(h) = opening_header(p.records.as_deref()) else { continue };
            let Some(partition) = broker.replicas.get(&t.name, p.index) else { continue };
            if !partition.is_led_by(broker.config.node_id) {
                continue;
            }
            if let Some(guard) = partition.log.start_verification(h.producer_id, now) {
                opening.entry((h.producer_id, h.producer_epoch)).or_default().push(((t.name.clone(), p.index), guard));
            }
        }
    }
    opening
}

/// The header of a record set's first batch if it is a transactional
/// producer's (a producer's batch comes alone: the log refuses others).
fn opening_header(records: Option<&[u8]>) -> Option<BatchHeader> {
    let h = BatchHeader::parse(records?).ok()?;
    (h.attributes.transactional() && h.producer_id >= 0).then_some(h)
}

/// The coordinator's answer for each of `partitions`, in order (one error
/// it gave for all is repeated), timed and counted in the metrics.
async fn verdicts(
    broker: &Arc<Broker>,
    id: &str,
    producer_id: i64,
    epoch: i16,
    partitions: &[TopicPartition],
) -> Vec<ErrorCode> {
    let started = Instant::now();
    let codes = match ask(broker, id, producer_id, epoch, partitions).await {
        Ok(codes) => codes,
        Err(code) => vec![code; partitions.len()],
    };
    broker.probe.verified(started.elapsed(), codes.iter().filter(|c| **c != ErrorCode::NONE).count());
    codes
}

/// The coordinator's answer for each of `partitions`, or one error for all.
async fn ask(
    broker: &Arc<Broker>,
    id: &str,
    producer_id: i64,
    epoch: i16,
    partitions: &[TopicPartition],
) -> Result<Vec<ErrorCode>, ErrorCode> {
    let (coordinator, _, _) = coordinator_of(broker, &broker.image(), TXN_TOPIC, id).map_err(|e| e.code)?;
    if coordinator == broker.config.node_id {
        return broker.transactions.direct(|c| c.verify(id, producer_id, epoch, partitions));
    }
    let topics = by_topic(partitions)
        .into_iter()
        .map(|(name, partitions)| AddPartitionsToTxnTopic { name: name.to_string(), partitions, ..Default::default() })
        .collect();
    let transaction = AddPartitionsToTxnTransaction {
        transactional_id: id.to_string(),
        producer_id,
        producer_epoch: epoch,
        verify_only: true,
        topics,
        ..Default::default()
    };
    let request = RequestBody::AddPartitionsToTxn(AddPartitionsToTxnRequest {
        transactions: vec![transaction],
        ..Default::default()
    });
    let answer = broker.links.call(broker, coordinator, &request, VERIFY_VERSION, VERIFY_TIMEOUT).await;
    let response = match answer {
        Ok(ResponseBody::AddPartitionsToTxn(r)) => r,
        Ok(_) => return Err(ErrorCode::UNKNOWN_SERVER_ERROR),
        Err(e) => {
            tracing::debug!(coordinator, error = %e, "verifying a transaction failed");
            return Err(ErrorCode::NETWORK_EXCEPTION);
        }
    };
    if response.error_code != 0 {
        return Err(ErrorCode::from_code(response.error_code).unwrap_or(ErrorCode::UNKNOWN_SERVER_ERROR));
    }
    let mut codes: HashMap<(&str, i32), i16> = HashMap::new();
    for result in response.results_by_transaction.iter().filter(|r| r.transactional_id == id) {
        for topic in &result.topic_results {
            for p in &topic.results_by_partition {
                codes.insert((topic.name.as_str(), p.partition_index), p.partition_error_code);
            }
        }
    }
    let code = |(topic, index): &TopicPartition| codes.get(&(topic.as_str(), *index)).copied();
    Ok(partitions
        .iter()
        .map(|p| code(p).and_then(ErrorCode::from_code).unwrap_or(ErrorCode::UNKNOWN_SERVER_ERROR))
        .collect())
}

/// What Produce answers when the coordinator could not say, so that the
/// producer retries (Kafka's `ReplicaManager`).
const PRODUCE_RETRY: ErrorCode = ErrorCode::NOT_ENOUGH_REPLICAS;
/// What TxnOffsetCommit answers then: retried by the Java client and
/// librdkafka alike, without looking for another group coordinator.
const OFFSETS_RETRY: ErrorCode = ErrorCode::COORDINATOR_LOAD_IN_PROGRESS;

/// A coordinator's refusal as the request answers it: what the client
/// should retry becomes `retry`, a fenced producer INVALID_PRODUCER_EPOCH.
fn refusal(code: ErrorCode, retry: ErrorCode) -> (ErrorCode, String) {
    match code {
        ErrorCode::INVALID_TXN_STATE => (code, "Partition was not added to the transaction".into()),
        ErrorCode::CONCURRENT_TRANSACTIONS
        | ErrorCode::COORDINATOR_LOAD_IN_PROGRESS
        | ErrorCode::COORDINATOR_NOT_AVAILABLE
        | ErrorCode::NOT_COORDINATOR
        | ErrorCode::NETWORK_EXCEPTION => (
            retry,
            format!(
                "Unable to verify the partition has been added to the transaction. Underlying error: {}",
                code.name()
            ),
        ),
        ErrorCode::PRODUCER_FENCED => (ErrorCode::INVALID_PRODUCER_EPOCH, "the producer has been fenced".into()),
        other => (other, format!("verifying the transaction failed: {}", other.name())),
    }
}

/// Whether transactions are verified (transaction.partition.verification.enable).
fn verification_enabled(broker: &Broker) -> bool {
    broker.broker_value::<bool>("transaction.partition.verification.enable")
}

/// Verifies a TxnOffsetCommit whose offsets would open the producer's
/// transaction in the group's `__consumer_offsets` partition: how the group
/// coordinator's append checks them, or the error to answer for every
/// partition instead.
pub(super) async fn verify_offsets(
    broker: &Arc<Broker>,
    req: &TxnOffsetCommitRequest,
) -> Result<TxnVerification, ErrorCode> {
    if !verification_enabled(broker) {
        return Ok(TxnVerification::Off);
    }
    let index = broker.groups.direct(|g| strata_coordinator::partition_for(&req.group_id, g.config().partitions));
    let led = broker.replicas.get(OFFSETS_TOPIC, index).filter(|p| p.is_led_by(broker.config.node_id));
    // Not led here: the group coordinator answers NOT_COORDINATOR, writing nothing.
    let Some(partition) = led else { return Ok(TxnVerification::Off) };
    let Some(guard) = partition.log.start_verification(req.producer_id, now_ms()) else {
        return Ok(TxnVerification::Required(None));
    };
    let offsets = [(OFFSETS_TOPIC.to_string(), index)];
    let codes = verdicts(broker, &req.transactional_id, req.producer_id, req.producer_epoch, &offsets).await;
    match codes.first().copied().unwrap_or(ErrorCode::UNKNOWN_SERVER_ERROR) {
        ErrorCode::NONE => Ok(TxnVerification::Required(Some(guard))),
        code => Err(refusal(code, OFFSETS_RETRY).0),
    }
}
