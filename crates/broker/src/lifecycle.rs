//! This broker's lifecycle with the active controller: registration at
//! start (a new broker epoch for each run), a heartbeat every
//! `broker.heartbeat.interval.ms`, and controlled shutdown.
//!
//! Controlled shutdown (`controlled.shutdown.enable`, on by default): on
//! SIGTERM the broker keeps serving while its heartbeats carry WantShutDown;
//! the controller moves its leaderships to in-sync replicas and answers
//! ShouldShutDown once it leads nothing. Clients see NOT_LEADER_OR_FOLLOWER,
//! refresh their metadata and carry on with the new leaders before the
//! broker stops listening, instead of waiting out a session timeout. A
//! broker that is the only live one, or that gets no answer within
//! [`SHUTDOWN_WAIT`], exits without it.
//!
//! A broker with a partition log offline after a storage error (a full or
//! failing disk) retires: its heartbeats carry WantShutDown from then on, so
//! the controller fences it, takes it out of every ISR and moves its
//! leaderships to in-sync replicas, as a Kafka broker whose log directory
//! failed halts. It keeps running (the metadata quorum, what it can still
//! serve) until it is restarted. The only live broker has nowhere to move
//! its leaderships and does not retire.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use strata_protocol::generated::broker_registration_request::Listener;
use strata_protocol::generated::{BrokerHeartbeatRequest, BrokerRegistrationRequest};
use strata_protocol::{ErrorCode, RequestBody, ResponseBody};
use tokio::sync::watch;

use crate::broker::Broker;
use crate::controller::call;

const REGISTRATION_VERSION: i16 = 3;
const HEARTBEAT_VERSION: i16 = 1;
/// How long a controlled shutdown may wait for the controller.
const SHUTDOWN_WAIT: Duration = Duration::from_secs(30);

/// Whether this broker wants to shut down, and whether the controller let it.
#[derive(Debug)]
pub(crate) struct Lifecycle {
    want_shut_down: AtomicBool,
    /// Retired after a storage error (not exiting: heartbeats at the usual pace).
    retired: AtomicBool,
    may_shut_down: watch::Sender<bool>,
}

impl Default for Lifecycle {
    fn default() -> Lifecycle {
        Lifecycle {
            want_shut_down: AtomicBool::new(false),
            retired: AtomicBool::new(false),
            may_shut_down: watch::channel(false).0,
        }
    }
}

/// Registers this broker and heartbeats until `shutdown`; registers again
/// when the controller no longer knows this run.
pub(crate) async fn run(broker: Arc<Broker>, mut shutdown: watch::Receiver<bool>) {
    let interval = Duration::from_millis(broker.broker_value::<i64>("broker.heartbeat.interval.ms").max(10) as u64);
    let retry = Duration::from_millis(200).min(interval);
    let mut epoch = None;
    loop {
        retire_after_a_storage_error(&broker);
        let wait = match epoch {
            None => match register(&broker).await {
                Ok(e) => {
                    tracing::info!(epoch = e, "registered with the controller");
                    epoch = Some(e);
                    interval
                }
                Err(e) if e.contains("CLUSTER_ID") => {
                    tracing::error!(error = %e, "the controller belongs to another cluster; retrying");
                    interval
                }
                Err(e) => {
                    tracing::debug!(error = %e, "registration with the controller failed; retrying");
                    retry
                }
            },
            Some(e) => match heartbeat(&broker, e).await {
                Ok(Ok(should_shut_down)) => {
                    if should_shut_down {
                        broker.lifecycle.may_shut_down.send_replace(true);
                    }
                    let lifecycle = &broker.lifecycle;
                    if lifecycle.want_shut_down.load(Ordering::Relaxed) && !lifecycle.retired.load(Ordering::Relaxed) {
                        retry
                    } else {
                        interval
                    }
                }
                Ok(Err(code)) => {
                    tracing::warn!(error = code.name(), "the controller refused a heartbeat; registering again");
                    epoch = None;
                    retry
                }
                Err(e) => {
                    tracing::debug!(error = %e, "heartbeat failed");
                    retry
                }
            },
        };
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = shutdown.changed() => return,
        }
    }
}

/// Retires this broker (see the module doc) once one of its partition logs
/// is offline, if another broker is live to take over.
fn retire_after_a_storage_error(broker: &Broker) {
    let lifecycle = &broker.lifecycle;
    if lifecycle.want_shut_down.load(Ordering::Relaxed) {
        return;
    }
    let Some(dir) = broker.replicas.offline_log() else { return };
    if !broker.image().brokers().any(|b| b.id != broker.config.node_id && !b.fenced) {
        return;
    }
    tracing::error!(
        partition = %dir.display(),
        "a partition log is offline after a storage error: this broker asks the controller to fence it and \
         move its leaderships; restart it once the disk is fixed"
    );
    lifecycle.retired.store(true, Ordering::Relaxed);
    lifecycle.want_shut_down.store(true, Ordering::Relaxed);
}

/// Controlled shutdown: returns once the controller has moved this broker's
/// leaderships away (or at once when it is off, or no other broker is live).
pub(crate) async fn shut_down(broker: &Broker) {
    let image = broker.image();
    let others = image.brokers().any(|b| b.id != broker.config.node_id && !b.fenced);
    if !others || !broker.broker_value::<bool>("controlled.shutdown.enable") {
        return;
    }
    tracing::info!("controlled shutdown: asking the controller to move this broker's leaderships");
    broker.lifecycle.want_shut_down.store(true, Ordering::Relaxed);
    let mut allowed = broker.lifecycle.may_shut_down.subscribe();
    let answered = tokio::time::timeout(SHUTDOWN_WAIT, allowed.wait_for(|may| *may)).await.is_ok();
    if answered {
        tracing::info!("controlled shutdown: this broker leads no partition now");
    } else {
        tracing::warn!("controlled shutdown: no answer from the controller in {SHUTDOWN_WAIT:?}; exiting");
    }
}

async fn register(broker: &Broker) -> Result<i64, String> {
    let (host, port) = broker.config.advertised.clone();
    let request = BrokerRegistrationRequest {
        broker_id: broker.config.node_id,
        cluster_id: broker.cluster_id.clone(),
        incarnation_id: broker.incarnation_id,
        listeners: vec![Listener { name: "PLAINTEXT".into(), host, port, security_protocol: 0, ..Default::default() }],
        rack: broker.config.statics.get("broker.rack").cloned(),
        previous_broker_epoch: -1,
        ..Default::default()
    };
    match call(broker, RequestBody::BrokerRegistration(request), REGISTRATION_VERSION).await? {
        ResponseBody::BrokerRegistration(r) if r.error_code == 0 => Ok(r.broker_epoch),
        ResponseBody::BrokerRegistration(r) => {
            Err(ErrorCode::from_code(r.error_code).map_or("an unknown error", |c| c.name()).to_string())
        }
        _ => Err("an answer of another kind".into()),
    }
}

/// One heartbeat: whether the broker should shut down now, or the
/// controller's refusal.
async fn heartbeat(broker: &Broker, epoch: i64) -> Result<Result<bool, ErrorCode>, String> {
    let request = BrokerHeartbeatRequest {
        broker_id: broker.config.node_id,
        broker_epoch: epoch,
        current_metadata_offset: broker.quorum.applied().index.map_or(-1, |i| i as i64),
        want_shut_down: broker.lifecycle.want_shut_down.load(Ordering::Relaxed),
        ..Default::default()
    };
    match call(broker, RequestBody::BrokerHeartbeat(request), HEARTBEAT_VERSION).await? {
        ResponseBody::BrokerHeartbeat(r) if r.error_code == 0 => Ok(Ok(r.should_shut_down)),
        ResponseBody::BrokerHeartbeat(r) => {
            Ok(Err(ErrorCode::from_code(r.error_code).unwrap_or(ErrorCode::UNKNOWN_SERVER_ERROR)))
        }
        _ => Err("an answer of another kind".into()),
    }
}
