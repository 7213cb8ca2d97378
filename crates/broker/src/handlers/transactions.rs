//! The transaction coordinator's APIs: InitProducerId with a transactional
//! id, AddPartitionsToTxn (v0–3 from clients; v4 from brokers verifying a
//! transaction, KIP-890), AddOffsetsToTxn,
//! EndTxn, DescribeTransactions and ListTransactions. The state machine is
//! strata-coordinator's; these handlers feed it, answer once its records are
//! durable, and start the markers that end a transaction (see
//! `crate::transactions`). FindCoordinator for transactional ids is in `groups`.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use futures_util::future::join_all;
use strata_coordinator::Init;
use strata_protocol::generated::add_partitions_to_txn_request::{
    AddPartitionsToTxnTopic, AddPartitionsToTxnTransaction,
};
use strata_protocol::generated::add_partitions_to_txn_response::{
    AddPartitionsToTxnPartitionResult, AddPartitionsToTxnResult, AddPartitionsToTxnTopicResult,
};
use strata_protocol::generated::{
    AddOffsetsToTxnRequest, AddOffsetsToTxnResponse, AddPartitionsToTxnRequest, AddPartitionsToTxnResponse,
    DescribeTransactionsRequest, DescribeTransactionsResponse, EndTxnRequest, EndTxnResponse, InitProducerIdResponse,
    ListTransactionsRequest, ListTransactionsResponse,
};
use strata_protocol::ErrorCode;

use super::groups::ensure_offsets_topic;
use crate::broker::Broker;
use crate::groups::OFFSETS_TOPIC;
use crate::time::now_ms;
use crate::transactions::{spawn_finish, until_finished};

/// PRODUCER_FENCED as versions before it existed say it: INVALID_PRODUCER_EPOCH.
fn fenced_as(code: ErrorCode, version: i16, first_with_fenced: i16) -> ErrorCode {
    if code == ErrorCode::PRODUCER_FENCED && version < first_with_fenced {
        ErrorCode::INVALID_PRODUCER_EPOCH
    } else {
        code
    }
}

/// InitProducerId with a transactional id: the id's producer id and next
/// epoch, fencing older instances; an open transaction of the id is aborted
/// first (the producer is told CONCURRENT_TRANSACTIONS and retries).
pub(super) async fn init_producer_id(
    broker: &Arc<Broker>,
    transactional_id: &str,
    timeout_ms: i32,
    expected: Option<(i64, i16)>,
    version: i16,
) -> InitProducerIdResponse {
    let fail = |code: ErrorCode| InitProducerIdResponse {
        error_code: fenced_as(code, version, 4).code(),
        producer_id: -1,
        producer_epoch: -1,
        ..Default::default()
    };
    let mut fresh = None;
    loop {
        let now = now_ms();
        let call = broker
            .transactions
            .call(&broker.replicas, |c, j| c.init_producer_id(now, transactional_id, timeout_ms, expected, fresh, j));
        match call.durable().await {
            Ok(Init::Answer(answer, markers)) => {
                drop(spawn_finish(broker, markers));
                return match answer {
                    Ok((producer_id, producer_epoch)) => {
                        InitProducerIdResponse { producer_id, producer_epoch, ..Default::default() }
                    }
                    Err(code) => fail(code),
                };
            }
            Ok(Init::NeedProducerId) if fresh.is_none() => match broker.producer_ids.next(broker).await {
                Ok(id) => fresh = Some(id),
                Err(e) => return fail(e.code),
            },
            Ok(Init::NeedProducerId) => return fail(ErrorCode::UNKNOWN_SERVER_ERROR),
            Err(code) => return fail(code),
        }
    }
}

/// AddPartitionsToTxn: v0–3 (the clients') add partitions to one
/// transaction; v4 (the brokers', KIP-890) names several, each to add to or,
/// with verify_only, to check (see `super::verification`).
pub(super) fn add_partitions(
    broker: &Arc<Broker>,
    req: AddPartitionsToTxnRequest,
    version: i16,
) -> impl Future<Output = AddPartitionsToTxnResponse> + Send + 'static {
    let transactions = match version {
        0..=3 => vec![AddPartitionsToTxnTransaction {
            transactional_id: req.v3_and_below_transactional_id,
            producer_id: req.v3_and_below_producer_id,
            producer_epoch: req.v3_and_below_producer_epoch,
            verify_only: false,
            topics: req.v3_and_below_topics,
            ..Default::default()
        }],
        _ => req.transactions,
    };
    // Each transaction's answer is built now (borrowing the broker) and
    // awaited with the others: they come together, not one after another.
    let answers: Vec<_> = transactions
        .into_iter()
        .map(|t| {
            let transactional_id = t.transactional_id.clone();
            let topic_results: TopicResults = match t.verify_only {
                true => Box::pin(std::future::ready(verify_only(broker, t))),
                false => Box::pin(add_to(broker, t, version)),
            };
            async move {
                AddPartitionsToTxnResult { transactional_id, topic_results: topic_results.await, ..Default::default() }
            }
        })
        .collect();
    async move {
        let mut results = join_all(answers).await;
        match version {
            0..=3 => AddPartitionsToTxnResponse {
                results_by_topic_v3_and_below: results.pop().map(|r| r.topic_results).unwrap_or_default(),
                ..Default::default()
            },
            _ => AddPartitionsToTxnResponse { results_by_transaction: results, ..Default::default() },
        }
    }
}

/// One transaction's answers, by topic, on their way.
type TopicResults = Pin<Box<dyn Future<Output = Vec<AddPartitionsToTxnTopicResult>> + Send>>;

/// Adds `t`'s partitions to its transaction. Every partition must exist
/// (else UNKNOWN_TOPIC_OR_PARTITION for it and OPERATION_NOT_ATTEMPTED for
/// the others); answered once the transaction's new state is durable.
fn add_to(
    broker: &Arc<Broker>,
    t: AddPartitionsToTxnTransaction,
    version: i16,
) -> impl Future<Output = Vec<AddPartitionsToTxnTopicResult>> + Send + 'static {
    let image = broker.image();
    let exists = |t: &str, p: i32| image.has_partition(t, p);
    let partitions = named(&t.topics);
    let missing = partitions.iter().any(|(t, p)| !exists(t, *p));
    let call = (!missing).then(|| {
        let now = now_ms();
        let (id, pid, epoch) = (t.transactional_id, t.producer_id, t.producer_epoch);
        broker.transactions.call(&broker.replicas, |c, j| c.add_partitions(now, &id, pid, epoch, &partitions, j))
    });
    let codes: Vec<(String, Vec<(i32, ErrorCode)>)> = t
        .topics
        .into_iter()
        .map(|t| {
            let codes = t
                .partitions
                .iter()
                .map(|&p| match exists(&t.name, p) {
                    false => (p, ErrorCode::UNKNOWN_TOPIC_OR_PARTITION),
                    true => (p, ErrorCode::OPERATION_NOT_ATTEMPTED),
                })
                .collect();
            (t.name, codes)
        })
        .collect();
    async move {
        let outcome = match call {
            Some(call) => Some(call.durable().await.and_then(|r| r).err().unwrap_or(ErrorCode::NONE)),
            None => None,
        };
        let code = |code: ErrorCode| fenced_as(outcome.unwrap_or(code), version, 2);
        codes.into_iter().map(|(name, partitions)| topic_result(name, partitions, code)).collect()
    }
}

/// Whether `t`'s partitions are in its ongoing transaction, each NONE or
/// INVALID_TXN_STATE (or one error for all); nothing is written.
fn verify_only(broker: &Broker, t: AddPartitionsToTxnTransaction) -> Vec<AddPartitionsToTxnTopicResult> {
    let partitions = named(&t.topics);
    let verdict =
        broker.transactions.direct(|c| c.verify(&t.transactional_id, t.producer_id, t.producer_epoch, &partitions));
    let mut answers = verdict.unwrap_or_else(|e| vec![e; partitions.len()]).into_iter();
    t.topics
        .into_iter()
        .map(|topic| {
            let next = |p: &i32| (*p, answers.next().unwrap_or(ErrorCode::UNKNOWN_SERVER_ERROR));
            let partitions = topic.partitions.iter().map(next).collect();
            topic_result(topic.name, partitions, |c| c)
        })
        .collect()
}

/// The partitions `topics` name, in order.
fn named(topics: &[AddPartitionsToTxnTopic]) -> Vec<(String, i32)> {
    topics.iter().flat_map(|t| t.partitions.iter().map(|p| (t.name.clone(), *p))).collect()
}

/// One topic's answers, each partition's code passed through `code`.
fn topic_result(
    name: String,
    partitions: Vec<(i32, ErrorCode)>,
    mut code: impl FnMut(ErrorCode) -> ErrorCode,
) -> AddPartitionsToTxnTopicResult {
    let results_by_partition = partitions
        .into_iter()
        .map(|(partition_index, c)| AddPartitionsToTxnPartitionResult {
            partition_index,
            partition_error_code: code(c).code(),
            ..Default::default()
        })
        .collect();
    AddPartitionsToTxnTopicResult { name, results_by_partition, ..Default::default() }
}

/// AddOffsetsToTxn: adds the group's `__consumer_offsets` partition to the
/// transaction (creating the topic if needed), so that the producer's
/// TxnOffsetCommit for the group is ended by the transaction's marker.
pub(super) async fn add_offsets(
    broker: &Arc<Broker>,
    req: AddOffsetsToTxnRequest,
    version: i16,
) -> AddOffsetsToTxnResponse {
    let fail = |code: ErrorCode| AddOffsetsToTxnResponse {
        error_code: fenced_as(code, version, 2).code(),
        ..Default::default()
    };
    if let Err(e) = ensure_offsets_topic(broker).await {
        return fail(e.code);
    }
    let partition = broker.groups.direct(|g| strata_coordinator::partition_for(&req.group_id, g.config().partitions));
    let now = now_ms();
    let added = [(OFFSETS_TOPIC.to_string(), partition)];
    let call = broker.transactions.call(&broker.replicas, |c, j| {
        c.add_partitions(now, &req.transactional_id, req.producer_id, req.producer_epoch, &added, j)
    });
    match call.durable().await.and_then(|r| r) {
        Ok(()) => AddOffsetsToTxnResponse::default(),
        Err(code) => fail(code),
    }
}

/// EndTxn: once the transaction's PrepareCommit or PrepareAbort is durable,
/// its markers are written; the answer waits for them (see
/// `transactions::until_finished`).
pub(super) fn end(
    broker: &Arc<Broker>,
    req: EndTxnRequest,
    version: i16,
) -> impl Future<Output = EndTxnResponse> + Send + 'static {
    let now = now_ms();
    let call = broker.transactions.call(&broker.replicas, |c, j| {
        c.end_txn(now, &req.transactional_id, req.producer_id, req.producer_epoch, req.committed, j)
    });
    let broker = broker.clone();
    async move {
        let outcome = match call.durable().await {
            Ok((outcome, markers)) => {
                until_finished(spawn_finish(&broker, markers)).await;
                outcome
            }
            Err(code) => Err(code),
        };
        let code = outcome.err().map_or(ErrorCode::NONE, |c| fenced_as(c, version, 2));
        EndTxnResponse { error_code: code.code(), producer_id: -1, producer_epoch: -1, ..Default::default() }
    }
}

/// DescribeTransactions.
pub(super) fn describe(broker: &Arc<Broker>, req: DescribeTransactionsRequest) -> DescribeTransactionsResponse {
    broker.transactions.direct(|c| c.describe(req.transactional_ids))
}

/// ListTransactions.
pub(super) fn list(broker: &Arc<Broker>, req: ListTransactionsRequest) -> ListTransactionsResponse {
    let now = now_ms();
    broker.transactions.direct(|c| c.list(now, &req))
}
