//! `strata bench consume`: one consumer reading a topic's partitions from
//! the beginning; latency is how long each record took to come out of
//! `recv` (near zero from the buffer, a fetch round trip otherwise). A record
//! `recv` hands out at its first poll is recorded as 0 µs without reading
//! the clock: two clock reads per record were a tenth of the client's CPU.

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::task::Poll;
use std::time::Instant;

use strata_client::{Consumer, ConsumerConfig, Offset, TopicPartition};

use super::report::{histogram, Report};
use super::{progress, Budget, Load, Outputs};
use crate::output::fail;
use crate::Connect;

#[derive(Debug, clap::Args)]
pub(crate) struct ConsumeBench {
    #[command(flatten)]
    load: Load,
    /// fetch.max.bytes.
    #[arg(long, default_value_t = 50 * 1024 * 1024)]
    fetch_max_bytes: i32,
    /// max.partition.fetch.bytes.
    #[arg(long, default_value_t = 1024 * 1024)]
    max_partition_fetch_bytes: i32,
    #[command(flatten)]
    pub(crate) outputs: Outputs,
}

pub(crate) async fn run(connect: &Connect, args: &ConsumeBench) -> Result<Report, String> {
    let admin = crate::commands::admin(connect)?;
    let topic = admin.describe_topic(&args.load.topic).await.map_err(fail)?;
    let partitions: Vec<TopicPartition> =
        topic.partitions.iter().map(|p| TopicPartition::new(&args.load.topic, p.partition)).collect();
    let mut budget = Budget::new(&args.load)?;
    if args.load.count.is_none() && args.load.duration.is_none() {
        // By default read everything the topic holds now.
        let ask = |o| partitions.iter().map(|tp| (tp.clone(), o)).collect::<Vec<_>>();
        let starts = admin.list_offsets(&ask(Offset::Beginning)).await.map_err(fail)?;
        let ends = admin.list_offsets(&ask(Offset::End)).await.map_err(fail)?;
        let held: i64 = ends.iter().zip(&starts).map(|((_, e), (_, s))| e - s).sum();
        if held <= 0 {
            return Err(format!("topic {} holds no records; run `strata bench produce` first", args.load.topic));
        }
        budget.count = Some(held as u64);
    }
    let mut config = ConsumerConfig::new(&connect.brokers);
    config.client = crate::commands::client_config(connect);
    config.fetch_max_bytes = args.fetch_max_bytes;
    config.max_partition_fetch_bytes = args.max_partition_fetch_bytes;
    config.enable_auto_commit = false;
    let mut consumer = Consumer::new(config).map_err(fail)?;
    consumer.assign(&partitions);
    for tp in &partitions {
        consumer.seek(tp, Offset::Beginning).map_err(fail)?;
    }
    let done = Arc::new(AtomicU64::new(0));
    let _progress = progress(&budget, done.clone());
    let mut latency = histogram();
    let (mut records, mut bytes) = (0u64, 0u64);
    let start = Instant::now();
    while budget.more(records) {
        let mut recv = std::pin::pin!(consumer.recv());
        let at_once = std::future::poll_fn(|cx| Poll::Ready(recv.as_mut().poll(cx))).await;
        let record = match at_once {
            Poll::Ready(r) => {
                latency.saturating_record(0);
                r.map_err(fail)?
            }
            Poll::Pending => {
                let t0 = Instant::now();
                let record = tokio::select! {
                    r = recv => r.map_err(fail)?,
                    _ = sleep_until(budget.until) => break,
                };
                latency.saturating_record(t0.elapsed().as_micros() as u64);
                record
            }
        };
        bytes += record.value.as_ref().map_or(0, |v| v.len() as u64);
        records += 1;
        done.store(records, Ordering::Relaxed);
    }
    let elapsed = start.elapsed();
    Ok(Report { name: "consume", records, bytes, elapsed, latency, latency_of: "wait per record" })
}

/// Sleeps until `until`, or forever.
pub(crate) async fn sleep_until(until: Option<Instant>) {
    match until {
        Some(t) => tokio::time::sleep_until(t.into()).await,
        None => std::future::pending().await,
    }
}
