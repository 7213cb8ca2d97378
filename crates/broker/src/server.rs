//! The listener: accepts connections, serves each on its own task, runs the
//! background passes, and shuts down cleanly on request.

use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::{watch, Semaphore};
use tokio::task::JoinSet;

use crate::broker::Broker;
use crate::config::BrokerConfig;
use crate::connection::{self, Limits};
use crate::controller;
use crate::error::BrokerError;
use crate::fetcher;
use crate::groups;
use crate::isr;
use crate::lifecycle;
use crate::metrics_http;
use crate::scheduler;
use crate::transactions;

/// How long shutdown waits for in-flight requests.
const DRAIN: Duration = Duration::from_secs(10);

/// A broker that is listening.
#[derive(Debug)]
pub struct Server {
    broker: Arc<Broker>,
    listener: TcpListener,
    /// The metrics listener (metrics.listen), if set.
    metrics: Option<TcpListener>,
}

impl Server {
    /// Opens the data directory and binds the listener.
    pub async fn bind(config: BrokerConfig) -> Result<Server, BrokerError> {
        let address = config.listen.clone();
        let broker = Broker::open(config).await?;
        broker.quorum.serve_calls(controller::call_handler(Arc::downgrade(&broker)));
        let listener = TcpListener::bind(&address).await.map_err(|source| BrokerError::Listen { address, source })?;
        let metrics = match broker.config.metrics_listen() {
            Some(address) => Some(
                TcpListener::bind(address)
                    .await
                    .map_err(|source| BrokerError::Listen { address: address.to_string(), source })?,
            ),
            None => None,
        };
        Ok(Server { broker, listener, metrics })
    }

    /// The bound address (useful with port 0).
    pub fn local_addr(&self) -> std::io::Result<std::net::SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves until `stop` resolves and a controlled shutdown has moved this
    /// broker's leaderships away, then stops reading requests, finishes the
    /// ones in flight (up to 10 s), flushes and closes every log.
    pub async fn run(self, stop: impl std::future::Future<Output = ()>) -> Result<(), BrokerError> {
        let Server { broker, listener, metrics } = self;
        let limits = limits(&broker);
        let (shutdown_tx, shutdown) = watch::channel(false);
        let background = tokio::spawn(scheduler::run(broker.clone(), shutdown.clone()));
        let follower = tokio::spawn(follow_metadata(broker.clone(), shutdown.clone()));
        let lifecycle = tokio::spawn(lifecycle::run(broker.clone(), shutdown.clone()));
        let fencing = tokio::spawn(controller::run_fencing(broker.clone(), shutdown.clone()));
        let rebalancing = tokio::spawn(controller::run_rebalancing(broker.clone(), shutdown.clone()));
        let fetchers = tokio::spawn(fetcher::run(broker.clone(), shutdown.clone()));
        let isr = tokio::spawn(isr::run(broker.clone(), shutdown.clone()));
        let timer = tokio::spawn(groups::run_timer(broker.clone(), shutdown.clone()));
        transactions::resume(&broker)?;
        let txn_timer = tokio::spawn(transactions::run_timer(broker.clone(), shutdown.clone()));
        if let Some(metrics) = metrics {
            tokio::spawn(metrics_http::serve(metrics, broker.clone(), shutdown.clone()));
        }
        let mut connections = JoinSet::new();
        // Connections are served on during a controlled shutdown.
        let stop = async {
            stop.await;
            lifecycle::shut_down(&broker).await;
        };
        tokio::pin!(stop);
        loop {
            tokio::select! {
                accepted = listener.accept() => match accepted {
                    Ok((stream, peer)) => {
                        connections.spawn(connection::serve(stream, peer, broker.clone(), limits.clone(), shutdown.clone()));
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                    }
                },
                Some(_) = connections.join_next(), if !connections.is_empty() => {}
                () = &mut stop => break,
            }
        }
        tracing::info!(connections = connections.len(), "shutting down: finishing in-flight requests");
        drop(listener);
        let _ = shutdown_tx.send(true);
        let drained = tokio::time::timeout(DRAIN, async { while connections.join_next().await.is_some() {} }).await;
        if drained.is_err() {
            tracing::warn!("in-flight requests did not finish within {DRAIN:?}; closing anyway");
            connections.shutdown().await;
        }
        let _ = background.await;
        let _ = follower.await;
        let _ = lifecycle.await;
        let _ = fencing.await;
        let _ = rebalancing.await;
        let _ = fetchers.await;
        let _ = isr.await;
        let _ = timer.await;
        let _ = txn_timer.await;
        broker.close().await;
        tracing::info!("shut down cleanly");
        Ok(())
    }
}

/// Makes the partitions follow each image the quorum applies (changes made
/// by other nodes, or by this one before it answered).
async fn follow_metadata(broker: Arc<Broker>, mut shutdown: watch::Receiver<bool>) {
    let mut applied = broker.quorum.subscribe();
    loop {
        tokio::select! {
            changed = applied.changed() => {
                if changed.is_err() {
                    return;
                }
                if let Err(e) = broker.sync_replicas() {
                    tracing::error!(error = %e, "the partitions could not follow the metadata");
                }
                follow_coordinators(&broker);
            }
            _ = shutdown.changed() => return,
        }
    }
}

/// The coordinators serve the internal partitions this broker leads now.
fn follow_coordinators(broker: &Arc<Broker>) {
    if broker.image().topic(groups::OFFSETS_TOPIC).is_some() {
        if let Err(e) = tokio::task::block_in_place(|| broker.groups.load(&broker.replicas)) {
            tracing::error!(error = %e, "the group coordinator could not follow the metadata");
        }
    }
    if let Err(e) = transactions::resume(broker) {
        tracing::error!(error = %e, "the transaction coordinator could not follow the metadata");
    }
}

fn limits(broker: &Broker) -> Limits {
    let total: i64 = broker.broker_value("queued.max.request.bytes");
    let total = usize::try_from(total).unwrap_or(usize::MAX).min(Semaphore::MAX_PERMITS).min(u32::MAX as usize);
    Limits {
        max_request: broker.broker_value::<i32>("socket.request.max.bytes").max(0) as usize,
        idle: Duration::from_millis(broker.broker_value::<i64>("connections.max.idle.ms").max(1) as u64),
        request_memory: Arc::new(Semaphore::new(total)),
        request_memory_total: total,
    }
}
