//! Followers: this broker pulls every partition it follows from its leader,
//! one task and one connection per leader, as Kafka's replica fetchers do.
//!
//! For each partition, in each leader epoch, first the divergent tail goes
//! (KIP-101, KIP-279): OffsetForLeaderEpoch with the latest epoch of the local
//! log answers where the leader's log stopped holding that epoch's records,
//! and the local log is truncated there (or at the end of its own copy of the
//! epoch the leader names, whichever is first). Then Fetch with this broker's
//! replica id from the log end: the batches are appended as they are, and
//! fsynced on a blocking thread while the next fetch goes out. Each fetch
//! tells the leader, beside its offset, the offset below which the log is
//! durable here ([`replication::DURABLE_OFFSET_TAG`]); the leader's high
//! watermark waits for that one. While an fsync runs the fetch does not
//! long-poll, and if it brings nothing the fetcher waits for the fsync, so
//! the fetch after it tells the new durable offset at once. A fetch answered
//! after the partition's leadership moved is dropped, under the partition's
//! lock, so no record from a deposed leader lands. Each answer also carries
//! the leader's log start offset, which the follower takes up to its own log
//! end: records deleted on the leader (DeleteRecords) stay deleted after a
//! failover.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;

use strata_protocol::generated::fetch_request::{FetchPartition, FetchTopic};
use strata_protocol::generated::fetch_response::PartitionData;
use strata_protocol::generated::offset_for_leader_epoch_request::{OffsetForLeaderPartition, OffsetForLeaderTopic};
use strata_protocol::generated::{FetchRequest, OffsetForLeaderEpochRequest};
use strata_protocol::{ErrorCode, RequestBody, ResponseBody};
use strata_storage::StorageError;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::broker::Broker;
use crate::leader_link::LeaderLink;
use crate::replicas::Partition;
use crate::replication;
use crate::time::now_ms;

const FETCH_VERSION: i16 = 12;
const LEADER_EPOCH_VERSION: i16 = 4;
/// How long a connection attempt or a retry waits.
const BACKOFF: Duration = Duration::from_millis(200);

/// A partition this broker follows: its name, index and replica.
type Followed = (String, i32, Arc<Partition>);

/// Starts and stops a fetcher per leader as leadership moves, until `shutdown`.
pub(crate) async fn run(broker: Arc<Broker>, mut shutdown: watch::Receiver<bool>) {
    let mut applied = broker.quorum.subscribe();
    let mut fetchers: HashMap<i32, JoinHandle<()>> = HashMap::new();
    loop {
        fetchers.retain(|_, task| !task.is_finished());
        for leader in leaders(&broker) {
            fetchers
                .entry(leader)
                .or_insert_with(|| tokio::spawn(fetch_from(broker.clone(), leader, shutdown.clone())));
        }
        tokio::select! {
            _ = applied.changed() => {}
            _ = tokio::time::sleep(Duration::from_secs(1)) => {}
            _ = shutdown.changed() => break,
        }
    }
    for (_, task) in fetchers {
        let _ = task.await;
    }
}

/// The leaders of the partitions this broker follows.
fn leaders(broker: &Broker) -> Vec<i32> {
    let mut leaders: Vec<i32> = followed(broker, None).iter().map(|(_, _, p)| p.leader()).collect();
    leaders.sort_unstable();
    leaders.dedup();
    leaders
}

/// The partitions this broker follows (led by `leader`, or by anyone). A
/// partition whose log went offline after a storage error (a full disk, say)
/// is left out: it cannot take what the leader sends until the broker
/// restarts, and the leader drops it from the ISR once it stops fetching.
fn followed(broker: &Broker, leader: Option<i32>) -> Vec<Followed> {
    let node = broker.config.node_id;
    broker
        .replicas
        .all()
        .into_iter()
        .filter(|(_, _, p)| {
            let l = p.leader();
            l >= 0
                && l != node
                && leader.is_none_or(|x| x == l)
                && p.replication().replicas.contains(&node)
                && !p.log.is_offline()
        })
        .map(|(topic, i, p)| (topic, i as i32, p))
        .collect()
}

/// Fetches from `leader` while this broker follows partitions it leads.
async fn fetch_from(broker: Arc<Broker>, leader: i32, shutdown: watch::Receiver<bool>) {
    let node = broker.config.node_id;
    let mut link: Option<LeaderLink> = None;
    // The leader epoch each partition's log was last checked against the leader in.
    let mut checked: HashMap<(String, i32), i32> = HashMap::new();
    // The fsync of what earlier fetches brought, while it runs.
    let mut syncing: Option<JoinHandle<()>> = None;
    while !*shutdown.borrow() {
        let partitions = followed(&broker, Some(leader));
        if partitions.is_empty() {
            return;
        }
        let wait = Duration::from_millis(broker.broker_value::<i64>("replica.fetch.wait.max.ms").max(0) as u64);
        let timeout = wait + Duration::from_secs(10);
        let connection = match link.as_mut() {
            Some(l) => l,
            None => match LeaderLink::to_broker(&broker, leader).await {
                Ok(l) => link.insert(l),
                Err(e) => {
                    tracing::debug!(leader, error = %e, "cannot reach a partition leader");
                    tokio::time::sleep(BACKOFF).await;
                    continue;
                }
            },
        };
        let (unchecked, ready): (Vec<Followed>, Vec<Followed>) =
            partitions.into_iter().partition(|(t, i, p)| checked.get(&(t.clone(), *i)) != Some(&p.leader_epoch()));
        let round = async {
            if !unchecked.is_empty() {
                truncate(connection, &unchecked, &mut checked, timeout).await?;
            }
            if ready.is_empty() {
                tokio::time::sleep(BACKOFF).await;
                return Ok(());
            }
            if syncing.as_ref().is_none_or(|t| t.is_finished()) {
                syncing = sync(&ready);
            }
            let request = fetch_request(&broker, node, &ready, if syncing.is_some() { Duration::ZERO } else { wait });
            match connection.call(&request, FETCH_VERSION, timeout).await? {
                ResponseBody::Fetch(r) if r.error_code == 0 => {
                    let answers = r.responses.into_iter().flat_map(|t| {
                        let topic = t.topic;
                        t.partitions.into_iter().map(move |p| (topic.clone(), p))
                    });
                    let brought = appended(leader, &ready, answers.collect(), &mut checked).await;
                    if let (false, Some(task)) = (brought, syncing.take()) {
                        let _ = task.await;
                    }
                    Ok(())
                }
                ResponseBody::Fetch(r) => Err(format!("fetch refused: error {}", r.error_code)),
                _ => Err("an answer of another kind".into()),
            }
        };
        if let Err(e) = round.await {
            tracing::debug!(leader, error = %e, "fetching from a partition leader failed");
            link = None;
            tokio::time::sleep(BACKOFF).await;
        }
    }
}

/// Truncates each partition's divergent tail, asking the leader where the
/// latest local epoch ended there.
async fn truncate(
    link: &mut LeaderLink,
    partitions: &[Followed],
    checked: &mut HashMap<(String, i32), i32>,
    timeout: Duration,
) -> Result<(), String> {
    let mut topics: BTreeMap<&str, Vec<OffsetForLeaderPartition>> = BTreeMap::new();
    for (topic, index, p) in partitions {
        topics.entry(topic).or_default().push(OffsetForLeaderPartition {
            partition: *index,
            current_leader_epoch: p.leader_epoch(),
            leader_epoch: p.log.latest_epoch().unwrap_or(-1),
            ..Default::default()
        });
    }
    let topics = topics
        .into_iter()
        .map(|(topic, partitions)| OffsetForLeaderTopic { topic: topic.into(), partitions, ..Default::default() })
        .collect();
    let request = RequestBody::OffsetForLeaderEpoch(OffsetForLeaderEpochRequest {
        replica_id: link.node(),
        topics,
        ..Default::default()
    });
    let ResponseBody::OffsetForLeaderEpoch(r) = link.call(&request, LEADER_EPOCH_VERSION, timeout).await? else {
        return Err("an answer of another kind".into());
    };
    for t in r.topics {
        for answer in t.partitions {
            let Some((_, _, p)) = partitions.iter().find(|(n, i, _)| *n == t.topic && *i == answer.partition) else {
                continue;
            };
            if answer.error_code != 0 {
                tracing::debug!(topic = %t.topic, partition = answer.partition, error = answer.error_code, "the leader did not say where to truncate");
                continue;
            }
            let epoch = p.leader_epoch();
            let named = (answer.leader_epoch >= 0 && answer.end_offset >= 0)
                .then_some((answer.leader_epoch, answer.end_offset));
            let local_end = |e| p.log.end_offset_for_epoch(e).map(|(_, end)| end);
            let to = truncation_point(p.log.log_end_offset(), p.high_watermark(), named, local_end);
            let p = p.clone();
            let done = tokio::task::spawn_blocking(move || p.truncate_as_follower(to, epoch)).await;
            match done {
                Ok(Ok(true)) => {
                    checked.insert((t.topic.clone(), answer.partition), epoch);
                }
                Ok(Ok(false)) => {}
                Ok(Err(e)) => {
                    tracing::error!(topic = %t.topic, partition = answer.partition, error = %e, "truncation failed")
                }
                Err(e) => tracing::error!(error = %e, "truncation task failed"),
            }
        }
    }
    Ok(())
}

/// Where a follower's log (ending at `leo`, high watermark `hw`) must end,
/// given the leader's answer for its latest epoch, `named`: the epoch the
/// leader named and its end there, or the end of the local copy of that epoch
/// (`local_end`) if earlier. With no answer (the leader's log no longer
/// reaches back that far) the high watermark is kept, as Kafka does.
pub(crate) fn truncation_point(
    leo: i64,
    hw: i64,
    named: Option<(i32, i64)>,
    local_end: impl FnOnce(i32) -> Option<i64>,
) -> i64 {
    match named {
        None => hw.min(leo),
        Some((epoch, end)) => end.min(local_end(epoch).unwrap_or(end)).min(leo),
    }
}

/// Fsyncs, on a blocking thread, each partition's records appended but not
/// yet durable, and drops them from the page cache
/// ([`strata_storage::Log::flush_dropping_page_cache`]); None if there are none.
fn sync(partitions: &[Followed]) -> Option<JoinHandle<()>> {
    let behind: Vec<Followed> =
        partitions.iter().filter(|(_, _, p)| p.log.flushed_offset() < p.log.log_end_offset()).cloned().collect();
    if behind.is_empty() {
        return None;
    }
    Some(tokio::task::spawn_blocking(move || {
        for (topic, index, p) in behind {
            if let Err(e) = p.log.flush_dropping_page_cache() {
                // Not durable, so not reported durable: the leader's high
                // watermark waits, and the next round tries again.
                tracing::error!(%topic, partition = index, error = %e, "a follower's fsync failed");
            }
        }
    }))
}

fn fetch_request(broker: &Broker, node: i32, partitions: &[Followed], wait: Duration) -> RequestBody {
    let max_partition = broker.broker_value::<i32>("replica.fetch.max.bytes");
    let mut topics: BTreeMap<&str, Vec<FetchPartition>> = BTreeMap::new();
    for (topic, index, p) in partitions {
        let leo = p.log.log_end_offset();
        topics.entry(topic).or_default().push(FetchPartition {
            partition: *index,
            current_leader_epoch: p.leader_epoch(),
            fetch_offset: leo,
            last_fetched_epoch: -1,
            log_start_offset: p.log.log_start_offset(),
            partition_max_bytes: max_partition,
            unknown_tagged_fields: vec![replication::durable_offset_field(p.log.flushed_offset().min(leo))],
            ..Default::default()
        });
    }
    let topics = topics.into_iter().map(|(topic, partitions)| FetchTopic {
        topic: topic.into(),
        partitions,
        ..Default::default()
    });
    RequestBody::Fetch(FetchRequest {
        replica_id: node,
        max_wait_ms: wait.as_millis() as i32,
        min_bytes: 1,
        max_bytes: broker.broker_value::<i32>("replica.fetch.response.max.bytes"),
        isolation_level: 0,
        session_id: 0,
        session_epoch: -1,
        topics: topics.collect(),
        ..Default::default()
    })
}

/// Appends what the leader sent and takes the leader's high watermark and
/// log start offset; an offset out of range after the leader's log start
/// restarts the log there, any other answer has the partition checked again.
/// All of one answer's partitions are written on one blocking thread (a
/// thread hand-off per partition cost more than a small append). Whether any
/// records came.
async fn appended(
    leader: i32,
    partitions: &[Followed],
    answers: Vec<(String, PartitionData)>,
    checked: &mut HashMap<(String, i32), i32>,
) -> bool {
    let by_name: HashMap<(&str, i32), &Followed> = partitions.iter().map(|f| ((f.0.as_str(), f.1), f)).collect();
    let answered: Vec<(Followed, PartitionData)> = answers
        .into_iter()
        .filter_map(|(topic, answer)| {
            let followed: &Followed = by_name.get(&(topic.as_str(), answer.partition_index))?;
            Some((followed.clone(), answer))
        })
        .collect();
    let brought = answered.iter().any(|(_, a)| a.error_code == 0 && a.records.as_ref().is_some_and(|r| !r.is_empty()));
    let written = tokio::task::spawn_blocking(move || {
        answered
            .into_iter()
            .map(|(followed, answer)| {
                let result = take(&followed, leader, &answer);
                (followed, answer.high_watermark, result)
            })
            .collect::<Vec<_>>()
    })
    .await;
    let Ok(written) = written else {
        checked.clear();
        return brought;
    };
    for ((topic, index, p), high_watermark, result) in written {
        match result {
            Ok(Taken::Appended) => p.follow_high_watermark(high_watermark),
            Ok(Taken::Restarted) => {}
            Ok(Taken::Refused) => {
                checked.remove(&(topic, index));
            }
            Err(e) => {
                tracing::error!(%topic, partition = index, error = %e, "a follower's append failed");
                checked.remove(&(topic, index));
            }
        }
    }
    brought
}

/// What became of one partition's answer.
enum Taken {
    /// The leader's batches (if any) are appended, its log start followed.
    Appended,
    /// The log restarted at the leader's log start, past its own end.
    Restarted,
    /// The leader refused the fetch: the partition is checked again.
    Refused,
}

/// Takes one partition's answer, on a blocking thread: appends the leader's
/// batches as they are and follows its log start offset (the batches' fsync
/// comes after), or restarts the log at the leader's log start.
fn take((topic, index, p): &Followed, leader: i32, answer: &PartitionData) -> Result<Taken, StorageError> {
    let code = ErrorCode::from_code(answer.error_code).unwrap_or(ErrorCode::UNKNOWN_SERVER_ERROR);
    match code {
        ErrorCode::NONE => {
            if let Some(records) = answer.records.as_ref().filter(|r| !r.is_empty()) {
                if p.append_as_follower(leader, records, now_ms())?.is_some() {
                    p.traffic.replicated_in(records.len());
                }
            }
            p.follow_log_start(leader, answer.log_start_offset)?;
            Ok(Taken::Appended)
        }
        ErrorCode::OFFSET_OUT_OF_RANGE if p.log.log_end_offset() < answer.log_start_offset => {
            p.log.truncate_fully_and_start_at(answer.log_start_offset)?;
            Ok(Taken::Restarted)
        }
        _ => {
            tracing::debug!(%topic, partition = index, error = code.name(), "the leader refused a follower's fetch");
            Ok(Taken::Refused)
        }
    }
}
