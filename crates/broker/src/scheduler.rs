//! The background passes over every partition log: flush by flush.ms and
//! flush.messages, retention, compaction, recovery-point checkpoints, and
//! the expiry of idle producers (producer.id.expiration.ms).
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
    let producers = every("producer.id.expiration.check.interval.ms");
    let tick = flush.min(retention).min(cleaner).min(checkpoint).min(producers);
    let start = Instant::now();
    let mut last = [start; 5];
    loop {
        tokio::select! {
            _ = tokio::time::sleep(tick) => {}
            _ = shutdown.changed() => return,
        }
        let now = Instant::now();
        let due: Vec<bool> = [flush, retention, cleaner, checkpoint, producers]
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
        let due = Due {
            flush: due[0],
            retention: due[1],
            clean: due[2] && b.broker_value::<bool>("log.cleaner.enable"),
            checkpoint: due[3],
            expire_producers: due[4].then(|| b.broker_value::<i64>("producer.id.expiration.ms")),
        };
        let _ = tokio::task::spawn_blocking(move || pass(&b, due)).await;
    }
}

/// Which passes are due.
#[derive(Debug, Clone, Copy)]
struct Due {
    flush: bool,
    retention: bool,
    clean: bool,
    checkpoint: bool,
    /// producer.id.expiration.ms, when producers are to be expired.
    expire_producers: Option<i64>,
}

fn pass(broker: &Broker, due: Due) {
    let now = now_ms();
    for (topic, index, p) in broker.replicas.all() {
        let log = &p.log;
        let result = (|| {
            if due.flush {
                log.maybe_flush(now)?;
            }
            if due.retention {
                log.apply_retention(now)?;
            }
            if let Some(expiration_ms) = due.expire_producers {
                log.expire_producers(now, expiration_ms);
            }
            if due.clean {
                // A pass does nothing unless cleanup.policy compacts and the dirty ratio is reached.
                log.clean(now)?;
            }
            if due.checkpoint {
                log.checkpoint()?;
            }
            Ok::<_, strata_storage::StorageError>(())
        })();
        if let Err(e) = result {
            tracing::error!(%topic, partition = index, error = %e, "background log pass failed");
        }
    }
}
