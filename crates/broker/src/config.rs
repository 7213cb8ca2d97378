//! The broker's static configuration: Kafka-named settings from a config
//! file, the environment and the command line, checked against the
//! definitions in strata-metadata, plus the few values the runtime needs
//! parsed (node id, addresses, data directory).

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use strata_metadata::config::{broker_config, broker_config_names};
use strata_quorum::QuorumConfig;

/// A setting that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The name is not a config strata knows.
    #[error("unknown config '{0}'")]
    Unknown(String),
    /// The value does not fit the config.
    #[error("{0}")]
    Invalid(String),
}

/// The broker's static configuration.
#[derive(Debug, Clone)]
pub struct BrokerConfig {
    /// Every statically set config, by Kafka's name (the STATIC_BROKER_CONFIG layer).
    pub statics: BTreeMap<String, String>,
    /// node.id.
    pub node_id: i32,
    /// The address to bind for clients (the PLAINTEXT listener).
    pub listen: String,
    /// The controller listener's address (the listener named by controller.listener.names).
    pub controller_listen: Option<String>,
    /// The controllers: node id → controller address (controller.quorum.voters;
    /// unset, this node alone).
    pub voters: BTreeMap<u64, String>,
    /// The host and port clients are told (advertised.listeners, else listeners).
    pub advertised: (String, u16),
    /// log.dirs.
    pub data_dir: PathBuf,
}

impl BrokerConfig {
    /// Checks every setting and derives the runtime values.
    pub fn new(statics: BTreeMap<String, String>) -> Result<BrokerConfig, ConfigError> {
        for (name, value) in &statics {
            let (def, _) = broker_config(name).ok_or_else(|| ConfigError::Unknown(name.clone()))?;
            def.validate(name, value).map_err(|e| ConfigError::Invalid(e.message))?;
        }
        let get = |name: &str| static_value(&statics, name);
        let node_id = get("node.id").parse().map_err(|_| ConfigError::Invalid("node.id must be a number".into()))?;
        let (listen, controller_listen) = listeners(&get("listeners"), &get("controller.listener.names"))?;
        let advertised = match statics.get("advertised.listeners") {
            Some(a) => listeners(a, "")?.0,
            None => listen.clone(),
        };
        let advertised = split_host_port(&advertised)?;
        let voters = match statics.get("controller.quorum.voters") {
            Some(v) => parse_voters(v)?,
            None => BTreeMap::from([(node_id as u64, controller_listen.clone().unwrap_or_default())]),
        };
        check_roles(&get("process.roles"), node_id, &voters)?;
        let is_voter = voters.contains_key(&(node_id as u64));
        if (voters.len() > 1 || !is_voter) && controller_listen.is_none() {
            return Err(ConfigError::Invalid(
                "with several controllers in controller.quorum.voters, or on a broker-only node, listeners needs a CONTROLLER://HOST:PORT listener (the controllers send the metadata log there)".into(),
            ));
        }
        let data_dir = PathBuf::from(get("log.dirs"));
        let config = BrokerConfig { node_id, listen, controller_listen, voters, advertised, data_dir, statics };
        if let Some(metrics) = config.metrics_listen() {
            split_host_port(metrics).map_err(|e| ConfigError::Invalid(format!("metrics.listen: {e}")))?;
        }
        Ok(config)
    }

    /// Where GET /metrics is served (metrics.listen), if anywhere.
    pub fn metrics_listen(&self) -> Option<&str> {
        self.statics.get("metrics.listen").map(String::as_str).filter(|a| !a.is_empty())
    }

    /// How this node takes part in the metadata quorum.
    pub fn quorum(&self) -> QuorumConfig {
        QuorumConfig {
            node_id: self.node_id as u64,
            voters: self.voters.clone(),
            listen: self
                .controller_listen
                .clone()
                .filter(|_| self.voters.len() > 1 || !self.voters.contains_key(&(self.node_id as u64))),
            data_dir: self.data_dir.clone(),
            election_timeout_ms: static_value(&self.statics, "controller.quorum.election.timeout.ms")
                .parse()
                .unwrap_or(1000),
            snapshot_after_entries: SNAPSHOT_AFTER_ENTRIES,
        }
    }
}

/// A static config's value: as set, else its default (validated in `new`).
fn static_value(statics: &BTreeMap<String, String>, name: &str) -> String {
    statics.get(name).cloned().unwrap_or_else(|| {
        let (_, def) = broker_config_names().find(|(n, _)| *n == name).expect("a defined config");
        def.default.unwrap_or_default().to_string()
    })
}

/// The metadata log is snapshotted every this many entries.
const SNAPSHOT_AFTER_ENTRIES: u64 = 5000;

/// `listeners`: comma-separated `NAME://host:port` (or a bare `host:port`,
/// PLAINTEXT) → the PLAINTEXT address and the controller listener's, the
/// one named `controller_name`. Only plaintext listeners exist so far.
fn listeners(value: &str, controller_name: &str) -> Result<(String, Option<String>), ConfigError> {
    let (mut client, mut controller) = (None, None);
    for item in value.split(',').map(str::trim).filter(|i| !i.is_empty()) {
        let (name, address) = item.split_once("://").unwrap_or(("PLAINTEXT", item));
        split_host_port(address)?;
        let slot = if name.eq_ignore_ascii_case("PLAINTEXT") {
            &mut client
        } else if !controller_name.is_empty() && name.eq_ignore_ascii_case(controller_name) {
            &mut controller
        } else {
            return Err(ConfigError::Invalid(format!(
                "listener {name} is not supported (PLAINTEXT, and {controller_name} for the controller)"
            )));
        };
        if slot.replace(address.to_string()).is_some() {
            return Err(ConfigError::Invalid(format!("listener {name} is given twice in '{value}'")));
        }
    }
    let client = client.ok_or_else(|| ConfigError::Invalid(format!("no PLAINTEXT listener in '{value}'")))?;
    Ok((client, controller))
}

/// `process.roles`: a controller is a voter and also a broker; a broker
/// only is not a voter. Controller-only nodes are not served.
fn check_roles(roles: &str, node_id: i32, voters: &BTreeMap<u64, String>) -> Result<(), ConfigError> {
    let roles: BTreeSet<&str> = roles.split(',').map(str::trim).filter(|r| !r.is_empty()).collect();
    let is_voter = voters.contains_key(&(node_id as u64));
    if !roles.contains("broker") {
        return Err(ConfigError::Invalid(
            "process.roles: controller-only nodes are not supported; use broker,controller".into(),
        ));
    }
    match (roles.contains("controller"), is_voter) {
        (true, false) => Err(ConfigError::Invalid(format!(
            "node.id {node_id} is not among controller.quorum.voters; set process.roles=broker for a broker-only node"
        ))),
        (false, true) => Err(ConfigError::Invalid(format!(
            "node.id {node_id} is among controller.quorum.voters, so it is a controller: process.roles must be broker,controller"
        ))),
        _ => Ok(()),
    }
}

/// `controller.quorum.voters`: `ID@HOST:PORT,...`.
fn parse_voters(value: &str) -> Result<BTreeMap<u64, String>, ConfigError> {
    let mut voters = BTreeMap::new();
    for item in value.split(',').map(str::trim).filter(|i| !i.is_empty()) {
        let bad = || ConfigError::Invalid(format!("controller.quorum.voters: '{item}' is not ID@HOST:PORT"));
        let (id, address) = item.split_once('@').ok_or_else(bad)?;
        let id: u64 = id.parse().map_err(|_| bad())?;
        split_host_port(address).map_err(|_| bad())?;
        if voters.insert(id, address.to_string()).is_some() {
            return Err(ConfigError::Invalid(format!("controller.quorum.voters names node {id} twice")));
        }
    }
    if voters.is_empty() {
        return Err(ConfigError::Invalid("controller.quorum.voters is empty".into()));
    }
    Ok(voters)
}

fn split_host_port(address: &str) -> Result<(String, u16), ConfigError> {
    let bad = || ConfigError::Invalid(format!("'{address}' is not HOST:PORT"));
    let (host, port) = address.rsplit_once(':').ok_or_else(bad)?;
    let port = port.parse().map_err(|_| bad())?;
    Ok((host.trim_start_matches('[').trim_end_matches(']').to_string(), port))
}

/// Config names from `STRATA_*` environment variables: `STRATA_LOG_RETENTION_MS`
/// is `log.retention.ms`. Variables that name no config are returned apart,
/// for the caller to warn about.
pub fn from_env(vars: impl Iterator<Item = (String, String)>) -> (BTreeMap<String, String>, Vec<String>) {
    let mut known = BTreeMap::new();
    let mut unknown = Vec::new();
    for (var, value) in vars {
        let Some(rest) = var.strip_prefix("STRATA_") else { continue };
        let name = rest.to_ascii_lowercase().replace('_', ".");
        if broker_config(&name).is_some() {
            known.insert(name, value);
        } else {
            unknown.push(var);
        }
    }
    (known, unknown)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_overrides() {
        let c = BrokerConfig::new(BTreeMap::new()).unwrap();
        assert_eq!((c.node_id, c.listen.as_str()), (1, "127.0.0.1:9092"));
        assert_eq!(c.advertised, ("127.0.0.1".to_string(), 9092));
        let set = |pairs: &[(&str, &str)]| pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let c =
            BrokerConfig::new(set(&[("listeners", "PLAINTEXT://0.0.0.0:19092"), ("advertised.listeners", "broker:9")]))
                .unwrap();
        assert_eq!((c.listen.as_str(), c.advertised.1), ("0.0.0.0:19092", 9));
        assert!(matches!(BrokerConfig::new(set(&[("num.partitionz", "1")])), Err(ConfigError::Unknown(_))));
        assert!(matches!(BrokerConfig::new(set(&[("num.partitions", "many")])), Err(ConfigError::Invalid(_))));
        assert!(BrokerConfig::new(set(&[("listeners", "SSL://h:1")])).is_err());
        assert_eq!(c.voters.len(), 1, "alone, a node is its own quorum");
    }

    #[test]
    fn a_three_node_quorum() {
        let set = |pairs: &[(&str, &str)]| pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let voters = ("controller.quorum.voters", "1@127.0.0.1:9093,2@127.0.0.1:9193,3@127.0.0.1:9293");
        let c = BrokerConfig::new(set(&[
            ("node.id", "2"),
            ("listeners", "PLAINTEXT://127.0.0.1:9192,CONTROLLER://127.0.0.1:9193"),
            voters,
        ]))
        .unwrap();
        assert_eq!((c.listen.as_str(), c.controller_listen.as_deref()), ("127.0.0.1:9192", Some("127.0.0.1:9193")));
        assert_eq!(c.voters[&3], "127.0.0.1:9293");
        assert_eq!(c.quorum().listen.as_deref(), Some("127.0.0.1:9193"));
        let no_controller_listener = BrokerConfig::new(set(&[("node.id", "2"), voters]));
        assert!(no_controller_listener.unwrap_err().to_string().contains("CONTROLLER"));
        let not_a_voter = BrokerConfig::new(set(&[("node.id", "4"), voters]));
        assert!(not_a_voter.unwrap_err().to_string().contains("not among"));
        let broker_only = [("node.id", "4"), ("process.roles", "broker"), voters];
        let no_listener = BrokerConfig::new(set(&broker_only));
        assert!(no_listener.unwrap_err().to_string().contains("CONTROLLER"));
        let listeners = ("listeners", "PLAINTEXT://127.0.0.1:9392,CONTROLLER://127.0.0.1:9393");
        let c = BrokerConfig::new(set(&[broker_only[0], broker_only[1], voters, listeners])).unwrap();
        assert_eq!(c.quorum().listen.as_deref(), Some("127.0.0.1:9393"), "it listens for the metadata log");
        let voter_as_broker =
            BrokerConfig::new(set(&[("node.id", "2"), ("process.roles", "broker"), voters, listeners]));
        assert!(voter_as_broker.unwrap_err().to_string().contains("among"));
        let controller_only = BrokerConfig::new(set(&[("process.roles", "controller")]));
        assert!(controller_only.unwrap_err().to_string().contains("controller-only"));
        let bad = BrokerConfig::new(set(&[("controller.quorum.voters", "1@x")]));
        assert!(bad.unwrap_err().to_string().contains("ID@HOST:PORT"));
    }

    #[test]
    fn environment_names() {
        let vars = [("STRATA_LOG_RETENTION_MS", "5"), ("STRATA_PYTHON", "x"), ("HOME", "/")];
        let (known, unknown) = from_env(vars.iter().map(|(a, b)| (a.to_string(), b.to_string())));
        assert_eq!(known.get("log.retention.ms").map(String::as_str), Some("5"));
        assert_eq!(unknown, ["STRATA_PYTHON"]);
    }
}
