//! Request dispatch: one module per API (or family of APIs).
//!
//! A handler runs in two parts. The ordered part runs before the next request
//! of the connection is read (appends, metadata changes), so a connection's
//! requests take effect in the order sent. It returns a [`Reply`], a future
//! the connection's writer awaits in request order (a long-polling fetch, an
//! fsync for acks=all), so slow replies never hold up reading.

mod api_versions;
mod cluster;
mod configs;
mod elect_leaders;
mod fetch;
mod fetch_response;
mod groups;
mod leader_epoch;
mod list_offsets;
mod metadata;
mod offsets;
mod produce;
mod producers;
mod records;
mod topics;
mod transactions;
mod txn_markers;
mod verification;

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;

use bytes::Bytes;
use strata_coordinator::Client;
use strata_protocol::frame::{decode_request, decode_request_ignoring_trailing, RequestPrefix};
use strata_protocol::supported::supported_versions;
use strata_protocol::{ApiKey, RequestBody, ResponseBody};

use crate::broker::Broker;
use crate::controller;
use crate::response::Response;

/// A reply on its way: `None` for a request that gets no response (acks=0).
pub(crate) type Reply = Pin<Box<dyn Future<Output = Option<Response>> + Send>>;

/// What dispatching a frame gave.
pub(crate) enum Dispatched {
    /// A reply to queue.
    Reply(Reply),
    /// The connection must close, for this reason (logged with the peer).
    Close(String),
}

fn now(response: Option<Response>) -> Dispatched {
    Dispatched::Reply(Box::pin(std::future::ready(response)))
}

/// A reply that is ready later.
fn later(
    encode: impl FnOnce(ResponseBody) -> Option<Response> + Send + 'static,
    body: impl Future<Output = ResponseBody> + Send + 'static,
) -> Dispatched {
    Dispatched::Reply(Box::pin(async move { encode(body.await) }))
}

/// Decodes a frame from `peer` and runs the ordered part of its handler,
/// counting the request in the metrics; also its API, when the header names
/// one. Requests only the active controller can answer are forwarded to it
/// when this node is not it (and answered here, with NOT_CONTROLLER, when no
/// controller can be reached).
pub(crate) async fn dispatch(broker: &Arc<Broker>, peer: SocketAddr, frame: Bytes) -> (Dispatched, Option<ApiKey>) {
    match peek(&frame) {
        Ok((prefix, key)) => {
            broker.probe.request(key);
            (dispatch_as(broker, peer, frame, prefix, key, true).await, Some(key))
        }
        Err(reason) => (Dispatched::Close(reason), None),
    }
}

/// A frame's header prefix and its API, or why the connection must close.
fn peek(frame: &Bytes) -> Result<(RequestPrefix, ApiKey), String> {
    let prefix = RequestPrefix::peek(frame).map_err(|e| format!("malformed request header: {e}"))?;
    let key = ApiKey::from_i16(prefix.api_key).ok_or_else(|| format!("unknown API key {}", prefix.api_key))?;
    Ok((prefix, key))
}

/// Serves a call from another node: a request it forwarded, or one of the
/// controller APIs brokers send (BrokerRegistration, BrokerHeartbeat).
pub(crate) async fn serve_call(broker: &Arc<Broker>, frame: Bytes) -> Option<Response> {
    let (prefix, key) = peek(&frame).ok()?;
    if !matches!(
        key,
        ApiKey::BrokerRegistration | ApiKey::BrokerHeartbeat | ApiKey::AlterPartition | ApiKey::AllocateProducerIds
    ) {
        let from = SocketAddr::from(([127, 0, 0, 1], 0));
        return match dispatch_as(broker, from, frame, prefix, key, false).await {
            Dispatched::Reply(reply) => reply.await,
            Dispatched::Close(reason) => {
                tracing::warn!(%reason, "a forwarded request was refused");
                None
            }
        };
    }
    let request = decode_request(frame).ok()?;
    let (correlation_id, version) = (request.header.correlation_id, request.header.request_api_version);
    let body = match request.body {
        RequestBody::BrokerRegistration(r) => {
            ResponseBody::BrokerRegistration(controller::registration(broker, r).await)
        }
        RequestBody::BrokerHeartbeat(r) => {
            ResponseBody::BrokerHeartbeat(controller::heartbeat_received(broker, r).await)
        }
        RequestBody::AlterPartition(r) => {
            ResponseBody::AlterPartition(controller::alter_partition_received(broker, r).await)
        }
        RequestBody::AllocateProducerIds(r) => {
            ResponseBody::AllocateProducerIds(crate::producer_ids::allocation_received(broker, r).await)
        }
        _ => return None,
    };
    Some(Response::encode(correlation_id, version, &body))
}

async fn dispatch_as(
    broker: &Arc<Broker>,
    peer: SocketAddr,
    frame: Bytes,
    prefix: RequestPrefix,
    key: ApiKey,
    may_forward: bool,
) -> Dispatched {
    let served = supported_versions(key);
    if !served.is_some_and(|v| v.contains(prefix.api_version)) {
        if key == ApiKey::ApiVersions {
            return now(Some(api_versions::unsupported(prefix.correlation_id)));
        }
        let served = served.map_or("none".to_string(), |v| format!("{}-{}", v.min, v.max));
        return Dispatched::Close(format!(
            "{} v{} is not supported (versions served: {served})",
            key.name(),
            prefix.api_version
        ));
    }
    if may_forward && controller::is_controller_api(key) && !broker.quorum.is_leader() {
        if let Some(answer) = controller::forward(broker, frame.clone()).await {
            return now(Some(Response::from_bytes(answer)));
        }
    }
    let request = match decode_request_ignoring_trailing(frame) {
        Ok((r, 0)) => r,
        Ok((r, trailing)) => {
            tracing::trace!(
                api = key.name(),
                version = prefix.api_version,
                trailing,
                "ignored bytes after a request body, as Kafka does"
            );
            r
        }
        Err(e) => return Dispatched::Close(format!("malformed {} v{} request: {e}", key.name(), prefix.api_version)),
    };
    let (correlation_id, version) = (request.header.correlation_id, request.header.request_api_version);
    let encode = move |body: ResponseBody| Some(Response::encode(correlation_id, version, &body));
    let b = broker;
    let body = match request.body {
        RequestBody::ApiVersions(_) => ResponseBody::ApiVersions(api_versions::handle()),
        RequestBody::Metadata(r) => ResponseBody::Metadata(metadata::handle(b, r, version).await),
        RequestBody::CreateTopics(r) => ResponseBody::CreateTopics(topics::create(b, r, version).await),
        RequestBody::DeleteTopics(r) => ResponseBody::DeleteTopics(topics::delete(b, r, version).await),
        RequestBody::CreatePartitions(r) => ResponseBody::CreatePartitions(topics::create_partitions(b, r).await),
        RequestBody::ElectLeaders(r) => ResponseBody::ElectLeaders(elect_leaders::elect(b, r).await),
        RequestBody::DescribeConfigs(r) => ResponseBody::DescribeConfigs(configs::describe(b, r, version)),
        RequestBody::AlterConfigs(r) => ResponseBody::AlterConfigs(configs::alter(b, r).await),
        RequestBody::IncrementalAlterConfigs(r) => {
            ResponseBody::IncrementalAlterConfigs(configs::incremental_alter(b, r).await)
        }
        RequestBody::ListOffsets(r) => ResponseBody::ListOffsets(list_offsets::handle(b, r, version)),
        RequestBody::OffsetForLeaderEpoch(r) => ResponseBody::OffsetForLeaderEpoch(leader_epoch::handle(b, r)),
        RequestBody::DeleteRecords(r) => ResponseBody::DeleteRecords(records::delete(b, r)),
        RequestBody::DescribeCluster(r) => ResponseBody::DescribeCluster(cluster::describe(b, r)),
        RequestBody::DescribeQuorum(r) => ResponseBody::DescribeQuorum(cluster::describe_quorum(b, r)),
        RequestBody::DescribeLogDirs(r) => ResponseBody::DescribeLogDirs(cluster::log_dirs(b, r, version)),
        RequestBody::FindCoordinator(r) => ResponseBody::FindCoordinator(groups::find_coordinator(b, r, version).await),
        RequestBody::JoinGroup(r) => {
            let client_id = request.header.client_id.unwrap_or_default();
            let host = format!("/{}", peer.ip());
            let client = Client { client_id: &client_id, host: &host };
            let reply = groups::join(b, client, r, version);
            return later(encode, async move { ResponseBody::JoinGroup(reply.await) });
        }
        RequestBody::SyncGroup(r) => {
            let reply = groups::sync(b, r, version);
            return later(encode, async move { ResponseBody::SyncGroup(reply.await) });
        }
        RequestBody::Heartbeat(r) => ResponseBody::Heartbeat(groups::heartbeat(b, r)),
        RequestBody::ConsumerGroupHeartbeat(r) => {
            let client_id = request.header.client_id.unwrap_or_default();
            let host = format!("/{}", peer.ip());
            let client = Client { client_id: &client_id, host: &host };
            let reply = groups::consumer_heartbeat(b, client, r);
            return later(encode, async move { ResponseBody::ConsumerGroupHeartbeat(reply.await) });
        }
        RequestBody::ConsumerGroupDescribe(r) => ResponseBody::ConsumerGroupDescribe(groups::consumer_describe(b, r)),
        RequestBody::LeaveGroup(r) => {
            let reply = groups::leave(b, r, version);
            return later(encode, async move { ResponseBody::LeaveGroup(reply.await) });
        }
        RequestBody::ListGroups(r) => ResponseBody::ListGroups(groups::list(b, r)),
        RequestBody::DescribeGroups(r) => ResponseBody::DescribeGroups(groups::describe(b, r)),
        RequestBody::DeleteGroups(r) => {
            let reply = groups::delete(b, r);
            return later(encode, async move { ResponseBody::DeleteGroups(reply.await) });
        }
        RequestBody::OffsetCommit(r) => {
            let reply = offsets::commit(b, r, version);
            return later(encode, async move { ResponseBody::OffsetCommit(reply.await) });
        }
        RequestBody::OffsetFetch(r) => ResponseBody::OffsetFetch(offsets::fetch(b, r, version)),
        RequestBody::OffsetDelete(r) => {
            let reply = offsets::delete(b, r);
            return later(encode, async move { ResponseBody::OffsetDelete(reply.await) });
        }
        RequestBody::InitProducerId(r) => {
            ResponseBody::InitProducerId(producers::init_producer_id(b, r, version).await)
        }
        RequestBody::AddPartitionsToTxn(r) => {
            let reply = transactions::add_partitions(b, r, version);
            return later(encode, async move { ResponseBody::AddPartitionsToTxn(reply.await) });
        }
        RequestBody::AddOffsetsToTxn(r) => {
            ResponseBody::AddOffsetsToTxn(transactions::add_offsets(b, r, version).await)
        }
        RequestBody::EndTxn(r) => {
            let reply = transactions::end(b, r, version);
            return later(encode, async move { ResponseBody::EndTxn(reply.await) });
        }
        RequestBody::TxnOffsetCommit(r) => {
            let verified = verification::verify_offsets(b, &r).await;
            let reply = offsets::txn_commit(b, r, version, verified);
            return later(encode, async move { ResponseBody::TxnOffsetCommit(reply.await) });
        }
        RequestBody::DescribeTransactions(r) => ResponseBody::DescribeTransactions(transactions::describe(b, r)),
        RequestBody::ListTransactions(r) => ResponseBody::ListTransactions(transactions::list(b, r)),
        RequestBody::WriteTxnMarkers(r) => {
            let reply = txn_markers::handle(b, r);
            return later(encode, async move { ResponseBody::WriteTxnMarkers(reply.await) });
        }
        RequestBody::DescribeProducers(r) => ResponseBody::DescribeProducers(producers::describe(b, r)),
        RequestBody::Produce(r) => {
            let verified = verification::verify(b, &r).await;
            let reply = produce::handle(b, r, &verified);
            return Dispatched::Reply(Box::pin(
                async move { reply.await.and_then(|r| encode(ResponseBody::Produce(r))) },
            ));
        }
        RequestBody::Fetch(r) => {
            let reply = fetch::handle(b, r, version);
            return Dispatched::Reply(Box::pin(async move {
                Some(fetch_response::encode(correlation_id, version, reply.await))
            }));
        }
        other => return Dispatched::Close(format!("{} has no handler", other.api_key().name())),
    };
    now(encode(body))
}
