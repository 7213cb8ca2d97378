//! The broker's settings from their four sources: a TOML file, STRATA_*
//! environment variables, --set NAME=VALUE, and the dedicated flags.

use std::collections::BTreeMap;

use strata_broker::config::{from_env, BrokerConfig};

use crate::ServerArgs;

/// Collects and checks every setting.
pub(crate) fn broker_config(args: &ServerArgs) -> Result<BrokerConfig, String> {
    let mut statics = BTreeMap::new();
    if let Some(path) = &args.config {
        let text = std::fs::read_to_string(path).map_err(|e| format!("--config {}: {e}", path.display()))?;
        statics.extend(parse_toml(&text).map_err(|e| format!("--config {}: {e}", path.display()))?);
    }
    let flag_vars = [
        "STRATA_NODE_ID",
        "STRATA_LISTEN",
        "STRATA_CONTROLLER_LISTEN",
        "STRATA_VOTERS",
        "STRATA_ADVERTISED_LISTENER",
        "STRATA_DATA_DIR",
        "STRATA_METRICS_LISTEN",
        "STRATA_CONFIG",
    ];
    let (env, unknown) = from_env(std::env::vars().filter(|(k, _)| !flag_vars.contains(&k.as_str())));
    for var in unknown {
        tracing::debug!(%var, "environment variable names no strata config; ignored");
    }
    statics.extend(env);
    for pair in &args.set {
        let (name, value) = pair.split_once('=').ok_or_else(|| format!("--set {pair}: expected NAME=VALUE"))?;
        statics.insert(name.trim().to_string(), value.trim().to_string());
    }
    if let Some(id) = args.node_id {
        statics.insert("node.id".into(), id.to_string());
    }
    if let Some(listen) = &args.listen {
        let listen = if listen.contains("://") { listen.clone() } else { format!("PLAINTEXT://{listen}") };
        statics.insert("listeners".into(), listen);
    }
    if let Some(controller) = &args.controller_listen {
        let client = statics.get("listeners").cloned().unwrap_or_else(|| "PLAINTEXT://127.0.0.1:9092".into());
        let client: Vec<&str> = client.split(',').filter(|l| !l.trim().starts_with("CONTROLLER://")).collect();
        statics.insert("listeners".into(), format!("{},CONTROLLER://{controller}", client.join(",")));
    }
    if let Some(voters) = &args.voters {
        statics.insert("controller.quorum.voters".into(), voters.clone());
    }
    if let Some(advertised) = &args.advertised_listener {
        statics.insert("advertised.listeners".into(), advertised.clone());
    }
    if let Some(metrics) = &args.metrics_listen {
        statics.insert("metrics.listen".into(), metrics.clone());
    }
    if let Some(dir) = &args.data_dir {
        statics.insert("log.dirs".into(), dir.display().to_string());
    }
    BrokerConfig::new(statics).map_err(|e| e.to_string())
}

/// Flattens a TOML document to Kafka names: `log.retention.ms = 5` (a dotted
/// key, so nested tables), `"log.retention.ms" = 5` and `[log] retention.ms = 5`
/// all give `log.retention.ms`.
fn parse_toml(text: &str) -> Result<BTreeMap<String, String>, String> {
    let table: toml::Table = text.parse().map_err(|e: toml::de::Error| e.to_string())?;
    let mut out = BTreeMap::new();
    flatten("", &toml::Value::Table(table), &mut out)?;
    Ok(out)
}

fn flatten(prefix: &str, value: &toml::Value, out: &mut BTreeMap<String, String>) -> Result<(), String> {
    let text = match value {
        toml::Value::Table(t) => {
            for (k, v) in t {
                let name = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
                flatten(&name, v, out)?;
            }
            return Ok(());
        }
        toml::Value::String(s) => s.clone(),
        toml::Value::Integer(i) => i.to_string(),
        toml::Value::Float(f) => f.to_string(),
        toml::Value::Boolean(b) => b.to_string(),
        toml::Value::Array(items) => items
            .iter()
            .map(|i| match i {
                toml::Value::String(s) => Ok(s.clone()),
                other => Ok(other.to_string()),
            })
            .collect::<Result<Vec<_>, String>>()?
            .join(","),
        toml::Value::Datetime(_) => return Err(format!("{prefix}: dates are not config values")),
    };
    out.insert(prefix.to_string(), text);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::parse_toml;

    #[test]
    fn toml_keys_flatten_to_kafka_names() {
        let m = parse_toml("num.partitions = 3\n\"log.retention.ms\" = 5\ncleanup.policy = [\"compact\", \"delete\"]\n[log]\nsegment.bytes = 1024\n").unwrap();
        assert_eq!(m["num.partitions"], "3");
        assert_eq!(m["log.retention.ms"], "5");
        assert_eq!(m["log.segment.bytes"], "1024");
        assert_eq!(m["cleanup.policy"], "compact,delete");
    }
}
