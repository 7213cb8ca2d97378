//! `strata bench produce`: producers sending as fast as allowed (or at a
//! target rate); latency is from the send call to the acknowledgement.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use hdrhistogram::Histogram;
use strata_client::{Delivery, Producer, ProducerConfig, ProducerRecord};
use tokio::sync::mpsc;

use super::report::{histogram, Report};
use super::{ensure_topic, pace, payload_pool, progress, Budget, Load, Outputs};
use crate::commands::produce::ProducerOpts;
use crate::output::fail;
use crate::Connect;

#[derive(Debug, clap::Args)]
pub(crate) struct ProduceBench {
    #[command(flatten)]
    load: Load,
    #[command(flatten)]
    producer: ProducerOpts,
    /// Producers (each its own client and connections).
    #[arg(long, default_value_t = 1)]
    producers: u64,
    /// Target records/s over all producers (0: as fast as possible).
    #[arg(long, default_value_t = 0.0)]
    rate: f64,
    #[command(flatten)]
    pub(crate) outputs: Outputs,
}

pub(crate) async fn run(connect: &Connect, args: &ProduceBench) -> Result<Report, String> {
    if args.producers == 0 {
        return Err("--producers must be positive".into());
    }
    ensure_topic(connect, &args.load).await?;
    let config = args.producer.config(connect)?;
    let budget = Budget::new(&args.load)?;
    let done = Arc::new(AtomicU64::new(0));
    let _progress = progress(&budget, done.clone());
    let start = Instant::now();
    let tasks: Vec<_> = (0..args.producers)
        .map(|i| {
            let job = Job {
                config: config.clone(),
                topic: args.load.topic.clone(),
                record_size: args.load.record_size,
                budget: budget.share(i, args.producers),
                rate: args.rate / args.producers as f64,
                done: done.clone(),
            };
            tokio::spawn(job.run())
        })
        .collect();
    let mut latency = histogram();
    let mut records = 0;
    for task in tasks {
        let (n, h) = task.await.map_err(|e| e.to_string())??;
        records += n;
        latency.add(&h).map_err(|e| e.to_string())?;
    }
    let elapsed = start.elapsed();
    Ok(Report {
        name: "produce",
        records,
        bytes: records * args.load.record_size as u64,
        elapsed,
        latency,
        latency_of: "send to acknowledgement",
    })
}

/// One producer's share of the run.
struct Job {
    config: ProducerConfig,
    topic: String,
    record_size: usize,
    budget: Budget,
    rate: f64,
    done: Arc<AtomicU64>,
}

impl Job {
    /// Sends its records; a collector awaits deliveries in order and
    /// records each latency. Returns records sent and their latencies.
    async fn run(self) -> Result<(u64, Histogram<u64>), String> {
        let producer = Producer::new(self.config).map_err(fail)?;
        let (tx, rx) = mpsc::channel::<(Instant, Delivery)>(1 << 16);
        let collector = tokio::spawn(collect(rx, self.done.clone()));
        let pool = payload_pool(self.record_size);
        let start = Instant::now();
        let mut sent = 0u64;
        while self.budget.more(sent) {
            pace(start, sent, self.rate).await;
            let at = (sent % 4096) as usize;
            let record = ProducerRecord::new(&self.topic, &pool[at..at + self.record_size]);
            let t0 = Instant::now();
            let delivery = producer.send(record).await.map_err(fail)?;
            if tx.send((t0, delivery)).await.is_err() {
                break; // the collector stopped on an error, which it returns
            }
            sent += 1;
        }
        drop(tx);
        let latency = collector.await.map_err(|e| e.to_string())??;
        producer.close().await;
        Ok((sent, latency))
    }
}

async fn collect(mut rx: mpsc::Receiver<(Instant, Delivery)>, done: Arc<AtomicU64>) -> Result<Histogram<u64>, String> {
    let mut latency = histogram();
    while let Some((t0, delivery)) = rx.recv().await {
        delivery.await.map_err(fail)?;
        latency.saturating_record(t0.elapsed().as_micros() as u64);
        done.fetch_add(1, Ordering::Relaxed);
    }
    Ok(latency)
}
