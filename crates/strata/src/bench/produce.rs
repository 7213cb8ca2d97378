//! `strata bench produce`: producers sending as fast as allowed (or at a
//! target rate); latency is from the send call to the acknowledgement.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::task::Poll;
use std::time::Instant;

use hdrhistogram::Histogram;
use strata_client::{Delivery, Producer, ProducerConfig, ProducerRecord};

use super::report::{histogram, Report};
use super::{ensure_topic, on_own_thread, pace, payload_pool, progress, Budget, Load, Outputs};
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
            on_own_thread(job.run())
        })
        .collect::<Result<_, _>>()?;
    let mut latency = histogram();
    let mut records = 0;
    for task in tasks {
        let (n, h) = task.await.map_err(|_| "a producer's thread panicked".to_string())??;
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
    /// Sends its records and, in the same task, awaits their deliveries
    /// oldest first, recording each latency. Returns records sent and their
    /// latencies.
    async fn run(self) -> Result<(u64, Histogram<u64>), String> {
        let producer = Producer::new(self.config).map_err(fail)?;
        let pool = payload_pool(self.record_size);
        let mut pending = Pending { deliveries: VecDeque::new(), latency: histogram(), done: self.done };
        let clock = Clock::new();
        let start = clock.start;
        let mut sent = 0u64;
        while self.budget.more(sent) {
            if self.rate > 0.0 {
                pending.meanwhile(std::pin::pin!(pace(start, sent, self.rate))).await?;
            }
            let at = (sent % 4096) as usize;
            let t0 = Instant::now();
            let record =
                ProducerRecord::new(&self.topic, &pool[at..at + self.record_size]).timestamp(clock.wall_ms(t0));
            let delivery = pending.meanwhile(std::pin::pin!(producer.send(record))).await?.map_err(fail)?;
            pending.push(t0, delivery).await?;
            sent += 1;
        }
        while !pending.deliveries.is_empty() {
            pending.oldest_ended().await?;
        }
        producer.close().await;
        Ok((sent, pending.latency))
    }
}

/// At most this many deliveries wait at once; the next send waits for the oldest.
const MAX_PENDING: usize = 1 << 16;

/// The deliveries not yet seen to end, oldest first (a producer ends a
/// partition's records in send order), and the latencies of those that
/// did. A record's latency is read when its delivery is seen to have
/// ended: after every send, and while a send or the pacing waits. No
/// channel, task or clock read per record beyond the send time: deliveries
/// that end together share one reading of the clock.
struct Pending {
    deliveries: VecDeque<(Instant, Delivery)>,
    latency: Histogram<u64>,
    done: Arc<AtomicU64>,
}

impl Pending {
    /// Runs `work`, meanwhile recording the deliveries that end. `work` is
    /// polled first: when it is ready at once, as a send usually is, no
    /// delivery is polled. It is pinned where the caller made it, not moved
    /// (a send's future is polled once per record).
    fn meanwhile<'a, F: Future>(
        &'a mut self,
        mut work: Pin<&'a mut F>,
    ) -> impl Future<Output = Result<F::Output, String>> + 'a {
        std::future::poll_fn(move |cx| {
            if let Poll::Ready(out) = work.as_mut().poll(cx) {
                return Poll::Ready(Ok(out));
            }
            while let Some((_, oldest)) = self.deliveries.front_mut() {
                if Pin::new(oldest).poll(cx).is_pending() {
                    break;
                }
                if let Err(e) = self.record_ended() {
                    return Poll::Ready(Err(e));
                }
            }
            Poll::Pending
        })
    }

    /// Adds a delivery, and records those that ended.
    async fn push(&mut self, sent_at: Instant, delivery: Delivery) -> Result<(), String> {
        self.deliveries.push_back((sent_at, delivery));
        match self.deliveries.len() >= MAX_PENDING {
            true => self.oldest_ended().await,
            false => self.record_ended(),
        }
    }

    /// Waits for the oldest delivery, then records it and every later one
    /// that has ended too.
    async fn oldest_ended(&mut self) -> Result<(), String> {
        if let Some((_, oldest)) = self.deliveries.front_mut() {
            oldest.await.map_err(fail)?;
        }
        self.record_ended()
    }

    /// Records the deliveries at the front that have ended, with one
    /// reading of the clock; the first failed one is the error.
    fn record_ended(&mut self) -> Result<(), String> {
        let mut now = None;
        let mut ended = 0;
        let result = loop {
            let Some((sent_at, delivery)) = self.deliveries.pop_front_if(|(_, d)| d.is_finished()) else {
                break Ok(());
            };
            if let Some(Err(e)) = delivery.offset() {
                break Err(fail(e));
            }
            let now = *now.get_or_insert_with(Instant::now);
            self.latency.saturating_record((now - sent_at).as_micros() as u64);
            ended += 1;
        };
        self.done.fetch_add(ended, Ordering::Relaxed);
        result
    }
}

/// The run's clock: a record's CreateTime is derived from the reading of
/// the monotonic clock its latency starts from, so a record costs one
/// reading of the clock, not two (the producer reads the wall clock for a
/// record without a timestamp).
struct Clock {
    start: Instant,
    start_ms: i64,
}

impl Clock {
    fn new() -> Clock {
        let start_ms =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64);
        Clock { start: Instant::now(), start_ms }
    }

    /// The wall-clock time in milliseconds at `at` (a reading after `start`).
    fn wall_ms(&self, at: Instant) -> i64 {
        self.start_ms + (at - self.start).as_millis() as i64
    }
}
