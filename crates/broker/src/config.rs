//! The broker's static configuration: Kafka-named settings from a config
//! file, the environment and the command line, checked against the
//! definitions in strata-metadata, plus the few values the runtime needs
//! parsed (node id, addresses, data directory).

use std::collections::BTreeMap;
use std::path::PathBuf;

use strata_metadata::config::{broker_config, broker_config_names};

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
    /// The address to bind (from listeners).
    pub listen: String,
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
        let get = |name: &str| -> String {
            statics.get(name).cloned().unwrap_or_else(|| {
                let (_, def) = broker_config_names().find(|(n, _)| *n == name).expect("a defined config");
                def.default.unwrap_or_default().to_string()
            })
        };
        let node_id = get("node.id").parse().map_err(|_| ConfigError::Invalid("node.id must be a number".into()))?;
        let listen = listener_address(&get("listeners"))?;
        let advertised = match statics.get("advertised.listeners") {
            Some(a) => listener_address(a)?,
            None => listen.clone(),
        };
        let advertised = split_host_port(&advertised)?;
        Ok(BrokerConfig { node_id, listen, advertised, data_dir: PathBuf::from(get("log.dirs")), statics })
    }
}

/// `PLAINTEXT://host:port` or `host:port` → `host:port`. Only plaintext listeners exist so far.
fn listener_address(value: &str) -> Result<String, ConfigError> {
    let value = value.trim();
    if value.contains(',') {
        return Err(ConfigError::Invalid(format!("only one listener is supported, got '{value}'")));
    }
    let address = match value.split_once("://") {
        Some((protocol, rest)) if protocol.eq_ignore_ascii_case("PLAINTEXT") => rest,
        Some((protocol, _)) => {
            return Err(ConfigError::Invalid(format!("listener protocol {protocol} is not supported (PLAINTEXT only)")))
        }
        None => value,
    };
    split_host_port(address)?;
    Ok(address.to_string())
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
    }

    #[test]
    fn environment_names() {
        let vars = [("STRATA_LOG_RETENTION_MS", "5"), ("STRATA_PYTHON", "x"), ("HOME", "/")];
        let (known, unknown) = from_env(vars.iter().map(|(a, b)| (a.to_string(), b.to_string())));
        assert_eq!(known.get("log.retention.ms").map(String::as_str), Some("5"));
        assert_eq!(unknown, ["STRATA_PYTHON"]);
    }
}
