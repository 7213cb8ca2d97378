//! `strata bench`: load generators for any Kafka-compatible broker
//! (`produce`, `consume`, `e2e`) and the references to compare them with,
//! measured on the same machine in the same run (`tcp-to-file`, `sendfile`).

mod consume;
mod e2e;
mod produce;
mod raw;
mod report;

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};
use strata_client::admin::NewTopic;
use strata_client::ErrorCode;

use crate::output::{fail, json};
use crate::Connect;

#[derive(Debug, clap::Subcommand)]
pub(crate) enum BenchCommand {
    /// Produce records as fast as allowed; latency is send to acknowledgement.
    Produce(produce::ProduceBench),
    /// Read a topic's records from the beginning; latency is the wait per record.
    Consume(consume::ConsumeBench),
    /// Produce and consume at once; latency is send to receipt.
    E2e(e2e::E2eBench),
    /// Reference for produce: the same bytes copied from a TCP socket to a file.
    TcpToFile(raw::RawArgs),
    /// Reference for consume: the same bytes sent from a file to a TCP socket with sendfile(2).
    Sendfile(raw::RawArgs),
}

/// What to run against: topic, record size, and how much.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct Load {
    /// The topic (created with --partitions when missing).
    #[arg(long, default_value = "strata-bench")]
    topic: String,
    /// Bytes per record value.
    #[arg(long, default_value_t = 1024)]
    record_size: usize,
    /// Records in all (default 1,000,000 unless --duration is given).
    #[arg(long)]
    count: Option<u64>,
    /// Run for this many seconds instead of a count.
    #[arg(long)]
    duration: Option<f64>,
    /// Partitions of the topic when it is created.
    #[arg(long, default_value_t = 1)]
    partitions: i32,
}

/// Where to write the latency distribution.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct Outputs {
    /// Write the latency percentile distribution as CSV here.
    #[arg(long, value_name = "FILE")]
    csv: Option<PathBuf>,
    /// Write a plot of latency by percentile (SVG) here.
    #[arg(long, value_name = "FILE.svg")]
    plot: Option<PathBuf>,
}

/// When a run stops: after a count of records, or at a deadline.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Budget {
    count: Option<u64>,
    until: Option<Instant>,
}

impl Budget {
    fn new(load: &Load) -> Result<Budget, String> {
        let until = match load.duration {
            Some(s) if s > 0.0 && s.is_finite() => Some(Instant::now() + Duration::from_secs_f64(s)),
            Some(s) => return Err(format!("--duration {s}: expected a positive number of seconds")),
            None => None,
        };
        let count = match (load.count, until) {
            (Some(0), _) => return Err("--count must be positive".into()),
            (None, None) => Some(1_000_000),
            (count, _) => count,
        };
        Ok(Budget { count, until })
    }

    /// True while record number `done` (from 0) is still in the budget.
    fn more(&self, done: u64) -> bool {
        self.count.is_none_or(|n| done < n) && self.until.is_none_or(|t| Instant::now() < t)
    }

    /// This budget split `n` ways: share `i` of the count.
    fn share(&self, i: u64, n: u64) -> Budget {
        let count = self.count.map(|c| c / n + u64::from(i < c % n));
        Budget { count, until: self.until }
    }
}

pub(crate) async fn run(connect: Connect, command: BenchCommand) -> Result<(), String> {
    let (report, outputs) = match command {
        BenchCommand::Produce(args) => (produce::run(&connect, &args).await?, args.outputs),
        BenchCommand::Consume(args) => {
            let (outputs, connect) = (args.outputs.clone(), connect.clone());
            let consumer = on_own_thread(async move { consume::run(&connect, &args).await })?;
            (consumer.await.map_err(|_| "the consumer's thread panicked".to_string())??, outputs)
        }
        BenchCommand::E2e(args) => (e2e::run(&connect, &args).await?, args.outputs),
        BenchCommand::TcpToFile(args) => (raw::tcp_to_file(&args).await?, args.outputs),
        BenchCommand::Sendfile(args) => (raw::sendfile(&args).await?, args.outputs),
    };
    if connect.json {
        json(&report.to_json());
    } else {
        print!("{}", report.to_text());
    }
    if let Some(path) = &outputs.csv {
        report.write_csv(path)?;
    }
    if let Some(path) = &outputs.plot {
        report.write_plot(path)?;
    }
    Ok(())
}

/// Creates the topic with `partitions` unless it exists; returns its partition count.
async fn ensure_topic(connect: &Connect, load: &Load) -> Result<i32, String> {
    let admin = crate::commands::admin(connect)?;
    let topic =
        NewTopic { name: load.topic.clone(), partitions: load.partitions, replication_factor: -1, configs: Vec::new() };
    match admin.create_topic(&topic).await {
        Ok(()) => {}
        Err(e) if e.code() == Some(ErrorCode::TOPIC_ALREADY_EXISTS) => {}
        Err(e) => return Err(fail(e)),
    }
    Ok(admin.describe_topic(&load.topic).await.map_err(fail)?.partitions.len() as i32)
}

/// Runs `work` on a thread of its own, on a current-thread runtime, and
/// returns the receiver of its result. A client's tasks (a producer's
/// sends, its sender and its connection; a consumer's fetches) then hand
/// each other their work on one thread, as in a load generator with a
/// thread per client. On a runtime of two workers a producer's tasks woke
/// each other across threads: the same run took 0.83 CPU-seconds per GB
/// there and 0.56 on one thread, and went 1330 against 1725 MB/s
/// (BENCHMARKS.md, issue 6).
fn on_own_thread<T: Send + 'static>(
    work: impl std::future::Future<Output = T> + Send + 'static,
) -> Result<tokio::sync::oneshot::Receiver<T>, String> {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| e.to_string())?;
    let (tx, rx) = tokio::sync::oneshot::channel();
    std::thread::Builder::new()
        .name("strata-bench".into())
        .spawn(move || {
            let _ = tx.send(runtime.block_on(work));
        })
        .map_err(|e| e.to_string())?;
    Ok(rx)
}

/// Record values: slices of one pseudo-random pool, so compression sees
/// realistic bytes and no record is built from scratch.
fn payload_pool(record_size: usize) -> Vec<u8> {
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    (0..record_size + 4096)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % 64) as u8 + b' '
        })
        .collect()
}

/// A progress bar on stderr (hidden when stderr is not a terminal), fed
/// from `done` until the returned guard is dropped.
fn progress(budget: &Budget, done: Arc<AtomicU64>) -> ProgressGuard {
    let bar = match budget.count {
        Some(n) => ProgressBar::new(n),
        None => ProgressBar::new_spinner(),
    };
    bar.set_style(
        ProgressStyle::with_template("{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} records ({per_sec})")
            .expect("a valid template"),
    );
    let ticker_bar = bar.clone();
    let ticker = tokio::spawn(async move {
        loop {
            ticker_bar.set_position(done.load(Ordering::Relaxed));
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    });
    ProgressGuard { bar, ticker }
}

struct ProgressGuard {
    bar: ProgressBar,
    ticker: tokio::task::JoinHandle<()>,
}

impl Drop for ProgressGuard {
    fn drop(&mut self) {
        self.ticker.abort();
        self.bar.finish_and_clear();
    }
}

/// Sleeps when a paced sender is ahead of `rate` records/s (0: unpaced).
async fn pace(start: Instant, sent: u64, rate: f64) {
    if rate <= 0.0 {
        return;
    }
    let due = start + Duration::from_secs_f64(sent as f64 / rate);
    let now = Instant::now();
    if due > now + Duration::from_millis(1) {
        tokio::time::sleep(due - now).await;
    }
}
