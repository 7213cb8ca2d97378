//! The background passes over every partition log: flush by flush.ms and
//! flush.messages, retention, compaction, and recovery-point checkpoints.
//! Each pass runs on a blocking thread, since it may fsync or rewrite files.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::watch;

use crate::broker::Broker;
use crate::time::now_ms;

/// Runs the passes until shutdown.
pub(crate) async fn run(broker: Arc<Broker>, mut shutdown: watch::Receiver<bool>) {
    let every = |name: &str| Duration::from_millis(broker.broker_value::<i64>(name).max(1) as u64);
    let flush = every("log.flush.scheduler.interval.ms");
    let retention = every("log.retention.check.interval.ms");
    let cleaner = every("log.cleaner.backoff.ms");
    let checkpoint = every("log.flush.offset.checkpoint.interval.ms");
    let tick = flush.min(retention).min(cleaner).min(checkpoint);
    let start = Instant::now();
    let mut last = [start; 4];
    loop {
        tokio::select! {
            _ = tokio::time::sleep(tick) => {}
            _ = shutdown.changed() => return,
        }
        let now = Instant::now();
        let due: Vec<bool> = [flush, retention, cleaner, checkpoint]
            .iter()
            .zip(last.iter_mut())
            .map(|(interval, last)| {
                let due = now.duration_since(*last) >= *interval;
                if due {
                    *last = now;
                }
                due
            })
            .collect();
        let b = broker.clone();
        let clean = due[2] && b.broker_value::<bool>("log.cleaner.enable");
        let _ = tokio::task::spawn_blocking(move || pass(&b, due[0], due[1], clean, due[3])).await;
    }
}

fn pass(broker: &Broker, flush: bool, retention: bool, clean: bool, checkpoint: bool) {
    let now = now_ms();
    for (topic, index, p) in broker.replicas.all() {
        let log = &p.log;
        let result = (|| {
            if flush {
                log.maybe_flush(now)?;
            }
            if retention {
                log.apply_retention(now)?;
            }
            if clean {
                // A pass does nothing unless cleanup.policy compacts and the dirty ratio is reached.
                log.clean(now)?;
            }
            if checkpoint {
                log.checkpoint()?;
            }
            Ok::<_, strata_storage::StorageError>(())
        })();
        if let Err(e) = result {
            tracing::error!(%topic, partition = index, error = %e, "background log pass failed");
        }
    }
}
