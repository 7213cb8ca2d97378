//! `strata bench e2e`: a producer and a consumer at once; each record
//! carries its send time (ns since the epoch, first 8 bytes of the value)
//! and latency is from that send to the consumer receiving it.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use strata_client::{Consumer, ConsumerConfig, Offset, Producer, ProducerRecord, TopicPartition};

use super::consume::sleep_until;
use super::report::{histogram, Report};
use super::{ensure_topic, pace, payload_pool, progress, Budget, Load, Outputs};
use crate::commands::produce::ProducerOpts;
use crate::output::fail;
use crate::Connect;

#[derive(Debug, clap::Args)]
pub(crate) struct E2eBench {
    #[command(flatten)]
    load: Load,
    #[command(flatten)]
    producer: ProducerOpts,
    /// Target records/s (0: as fast as possible).
    #[arg(long, default_value_t = 10_000.0)]
    rate: f64,
    #[command(flatten)]
    pub(crate) outputs: Outputs,
}

fn now_ns() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos() as u64)
}

pub(crate) async fn run(connect: &Connect, args: &E2eBench) -> Result<Report, String> {
    if args.load.record_size < 8 {
        return Err("--record-size must be at least 8 (the send time travels in the value)".into());
    }
    let partitions = ensure_topic(connect, &args.load).await?;
    let budget = Budget::new(&args.load)?;
    let mut consumer = start_at_end(connect, &args.load.topic, partitions).await?;
    let producer = Producer::new(args.producer.config(connect)?).map_err(fail)?;
    let (topic, size, rate) = (args.load.topic.clone(), args.load.record_size, args.rate);
    let sender = tokio::spawn(async move {
        let pool = payload_pool(size);
        let mut value = vec![0u8; size];
        let start = Instant::now();
        let mut sent = 0u64;
        while budget.more(sent) {
            pace(start, sent, rate).await;
            let at = (sent % 4096) as usize;
            value.copy_from_slice(&pool[at..at + size]);
            value[..8].copy_from_slice(&now_ns().to_be_bytes());
            producer.send(ProducerRecord::new(&topic, &value)).await.map_err(fail)?;
            sent += 1;
        }
        producer.close().await;
        Ok::<u64, String>(sent)
    });
    let done = Arc::new(AtomicU64::new(0));
    let _progress = progress(&budget, done.clone());
    let mut latency = histogram();
    let (mut records, mut bytes) = (0u64, 0u64);
    let start = Instant::now();
    let mut last = start;
    // Stop at the count, or a little after the deadline for records in flight;
    // throughput is measured up to the last record received.
    let drain_until = budget.until.map(|t| t + std::time::Duration::from_secs(5));
    while budget.count.is_none_or(|n| records < n) {
        let record = tokio::select! {
            r = consumer.recv() => r.map_err(fail)?,
            _ = sleep_until(drain_until) => break,
        };
        last = Instant::now();
        let value = record.value.as_deref().unwrap_or_default();
        let sent_at = value.get(..8).map_or(0, |b| u64::from_be_bytes(b.try_into().expect("8 bytes")));
        latency.saturating_record(now_ns().saturating_sub(sent_at) / 1000);
        bytes += value.len() as u64;
        records += 1;
        done.store(records, Ordering::Relaxed);
    }
    let sent = sender.await.map_err(|e| e.to_string())??;
    if records < sent {
        return Err(format!("the consumer received {records} of the {sent} records sent"));
    }
    Ok(Report { name: "e2e", records, bytes, elapsed: last - start, latency, latency_of: "send to receipt" })
}

/// A consumer of every partition, positioned at the current end.
async fn start_at_end(connect: &Connect, topic: &str, partitions: i32) -> Result<Consumer, String> {
    let admin = crate::commands::admin(connect)?;
    let tps: Vec<TopicPartition> = (0..partitions).map(|p| TopicPartition::new(topic, p)).collect();
    let ends =
        admin.list_offsets(&tps.iter().map(|tp| (tp.clone(), Offset::End)).collect::<Vec<_>>()).await.map_err(fail)?;
    let mut config = ConsumerConfig::new(&connect.brokers);
    config.client = crate::commands::client_config(connect);
    config.enable_auto_commit = false;
    config.fetch_max_wait = std::time::Duration::from_millis(100);
    let mut consumer = Consumer::new(config).map_err(fail)?;
    consumer.assign(&tps);
    for (tp, end) in ends {
        consumer.seek(&tp, Offset::At(end)).map_err(fail)?;
    }
    Ok(consumer)
}
