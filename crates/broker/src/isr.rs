//! The leader's side of the ISR: every 250 ms each partition this broker
//! leads is checked for followers to drop (not caught up for
//! `replica.lag.time.max.ms`) or take back (caught up to the high
//! watermark), and the changes go to the active controller in one
//! AlterPartition. The controller commits each only if the leader saw the
//! partition's current state; the new ISR reaches the leader with the image.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use strata_protocol::generated::alter_partition_request::{PartitionData, TopicData};
use strata_protocol::generated::AlterPartitionRequest;
use strata_protocol::{ErrorCode, RequestBody, ResponseBody, Uuid};
use tokio::sync::watch;

use crate::broker::Broker;
use crate::controller;
use crate::replicas::Partition;
use crate::time::now_ms;

const ALTER_PARTITION_VERSION: i16 = 2;
const PERIOD: Duration = Duration::from_millis(250);

/// Proposes ISR changes until `shutdown`.
pub(crate) async fn run(broker: Arc<Broker>, mut shutdown: watch::Receiver<bool>) {
    loop {
        tokio::select! {
            _ = tokio::time::sleep(PERIOD) => {}
            _ = shutdown.changed() => return,
        }
        let (request, asked) = changes(&broker);
        if asked.is_empty() {
            continue;
        }
        match controller::call(&broker, RequestBody::AlterPartition(request), ALTER_PARTITION_VERSION).await {
            Ok(ResponseBody::AlterPartition(r)) => {
                for t in r.topics {
                    for p in t.partitions.iter().filter(|p| p.error_code != 0) {
                        let error = ErrorCode::from_code(p.error_code).map_or("unknown", |c| c.name());
                        tracing::debug!(partition = p.partition_index, error, "the controller refused an ISR change");
                    }
                    for p in t.partitions.iter().filter(|p| p.error_code == 0) {
                        tracing::info!(partition = p.partition_index, isr = ?p.isr, "the ISR changed");
                        let old = asked.iter().find(|a| a.0 == t.topic_id && a.1 == p.partition_index);
                        if let Some((_, _, _, old)) = old {
                            broker.probe.isr_changed(old, &p.isr);
                        }
                    }
                }
            }
            Ok(_) => tracing::warn!("AlterPartition got an answer of another kind"),
            Err(e) => tracing::debug!(error = %e, "AlterPartition failed"),
        }
        for (_, _, p, _) in asked {
            p.replication().answered();
        }
    }
}

/// A partition asked about: its topic id, index, replica, and ISR before.
type Asked = (Uuid, i32, Arc<Partition>, Vec<i32>);

/// The AlterPartition request for every led partition whose ISR should
/// change, and those partitions.
fn changes(broker: &Broker) -> (AlterPartitionRequest, Vec<Asked>) {
    let node = broker.config.node_id;
    let lag = broker.broker_value::<i64>("replica.lag.time.max.ms");
    let now = now_ms();
    let mut topics: BTreeMap<Uuid, Vec<PartitionData>> = BTreeMap::new();
    let mut asked = Vec::new();
    let image = broker.image();
    let unfenced = |b: i32| image.broker(b).is_some_and(|x| !x.fenced);
    for (_, index, p) in broker.replicas.all().into_iter().filter(|(_, _, p)| p.is_led_by(node)) {
        let hw = p.high_watermark();
        let mut r = p.replication();
        let Some(new_isr) = r.isr_change(node, hw, now, lag, &unfenced) else { continue };
        topics.entry(p.topic_id).or_default().push(PartitionData {
            partition_index: index as i32,
            leader_epoch: p.leader_epoch(),
            new_isr,
            partition_epoch: r.partition_epoch,
            ..Default::default()
        });
        let old = r.isr.clone();
        drop(r);
        asked.push((p.topic_id, index as i32, p, old));
    }
    let request = AlterPartitionRequest {
        broker_id: node,
        broker_epoch: image.broker(node).map_or(-1, |b| b.epoch),
        topics: topics
            .into_iter()
            .map(|(topic_id, partitions)| TopicData { topic_id, partitions, ..Default::default() })
            .collect(),
        ..Default::default()
    };
    (request, asked)
}
