//! `strata topic create|list|describe|delete|alter-config`.

use serde_json::json;
use strata_client::admin::{ConfigChange, ConfigResource, NewTopic};
use strata_client::cluster::TopicInfo;
use strata_client::Admin;

use crate::output::{fail, json, pair, Table};
use crate::Connect;

#[derive(Debug, clap::Subcommand)]
pub(crate) enum TopicCommand {
    /// Create a topic.
    Create {
        /// The topic's name.
        name: String,
        /// Partitions (default: the broker's num.partitions).
        #[arg(long, short)]
        partitions: Option<i32>,
        /// Replication factor (default: the broker's default.replication.factor).
        #[arg(long, short)]
        replication_factor: Option<i16>,
        /// A topic config, NAME=VALUE (retention.ms=60000); repeatable.
        #[arg(long = "config", short = 'c', value_name = "NAME=VALUE")]
        configs: Vec<String>,
    },
    /// List topics.
    List {
        /// Include internal topics (__consumer_offsets, ...).
        #[arg(long)]
        internal: bool,
    },
    /// A topic's partitions, leaders, replicas and configs set on it.
    Describe {
        /// The topic's name.
        name: String,
    },
    /// Delete a topic and its records.
    Delete {
        /// The topic's name.
        name: String,
    },
    /// Set or remove configs of a topic.
    AlterConfig {
        /// The topic's name.
        name: String,
        /// NAME=VALUE to set; repeatable.
        #[arg(long = "set", value_name = "NAME=VALUE")]
        set: Vec<String>,
        /// NAME to reset to its default; repeatable.
        #[arg(long = "delete", value_name = "NAME")]
        delete: Vec<String>,
    },
}

/// A topic the controller has just created, described by a broker: that
/// broker may apply the creation a moment later, so UNKNOWN_TOPIC is asked
/// again for up to 10 s.
async fn created(admin: &Admin, name: &str) -> strata_client::Result<TopicInfo> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        match admin.describe_topic(name).await {
            Err(strata_client::Error::UnknownTopic(_)) if std::time::Instant::now() < deadline => {
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
            result => return result,
        }
    }
}

pub(crate) async fn run(connect: Connect, command: TopicCommand) -> Result<(), String> {
    let admin = super::admin(&connect)?;
    match command {
        TopicCommand::Create { name, partitions, replication_factor, configs } => {
            let configs = configs.iter().map(|c| pair(c)).collect::<Result<Vec<_>, _>>()?;
            let topic = NewTopic {
                name,
                partitions: partitions.unwrap_or(-1),
                replication_factor: replication_factor.unwrap_or(-1),
                configs,
            };
            admin.create_topic(&topic).await.map_err(fail)?;
            let created = created(&admin, &topic.name).await.map_err(fail)?;
            if connect.json {
                json(&topic_json(&created));
            } else {
                println!("created topic {} with {} partitions", created.name, created.partitions.len());
            }
        }
        TopicCommand::List { internal } => {
            let topics: Vec<TopicInfo> =
                admin.list_topics().await.map_err(fail)?.into_iter().filter(|t| internal || !t.internal).collect();
            if connect.json {
                json(&json!(topics.iter().map(topic_json).collect::<Vec<_>>()));
            } else {
                let mut table = Table::new(&["TOPIC", "PARTITIONS", "REPLICAS"]);
                for t in &topics {
                    let replicas = t.partitions.first().map_or(0, |p| p.replicas.len());
                    table.row(vec![t.name.clone(), t.partitions.len().to_string(), replicas.to_string()]);
                }
                table.print();
            }
        }
        TopicCommand::Describe { name } => {
            let topic = admin.describe_topic(&name).await.map_err(fail)?;
            let configs = admin.describe_configs(&ConfigResource::Topic(name)).await.map_err(fail)?;
            let set: Vec<_> = configs.iter().filter(|c| c.source == "DYNAMIC_TOPIC_CONFIG").collect();
            if connect.json {
                let mut value = topic_json(&topic);
                value["configs"] = set.iter().map(|c| (c.name.clone(), json!(c.value))).collect();
                json(&value);
            } else {
                println!("topic {} ({} partitions)", topic.name, topic.partitions.len());
                let mut table = Table::new(&["PARTITION", "LEADER", "EPOCH", "REPLICAS", "ISR"]);
                for p in &topic.partitions {
                    table.row(vec![
                        p.partition.to_string(),
                        p.leader.to_string(),
                        p.leader_epoch.to_string(),
                        ids(&p.replicas),
                        ids(&p.isr),
                    ]);
                }
                table.print();
                if !set.is_empty() {
                    println!();
                    let mut table = Table::new(&["CONFIG", "VALUE"]);
                    for c in set {
                        table.row(vec![c.name.clone(), c.value.clone().unwrap_or_default()]);
                    }
                    table.print();
                }
            }
        }
        TopicCommand::Delete { name } => {
            admin.delete_topic(&name).await.map_err(fail)?;
            if connect.json {
                json(&json!({ "deleted": name }));
            } else {
                println!("deleted topic {name}");
            }
        }
        TopicCommand::AlterConfig { name, set, delete } => {
            let mut changes = Vec::new();
            for s in &set {
                let (k, v) = pair(s)?;
                changes.push(ConfigChange::Set(k, v));
            }
            changes.extend(delete.into_iter().map(ConfigChange::Delete));
            if changes.is_empty() {
                return Err("alter-config: nothing to change; give --set NAME=VALUE or --delete NAME".into());
            }
            admin.alter_configs(&ConfigResource::Topic(name.clone()), &changes).await.map_err(fail)?;
            if connect.json {
                json(&json!({ "altered": name, "changes": changes.len() }));
            } else {
                println!("altered {} config(s) of topic {name}", changes.len());
            }
        }
    }
    Ok(())
}

fn ids(ids: &[i32]) -> String {
    ids.iter().map(i32::to_string).collect::<Vec<_>>().join(",")
}

fn topic_json(t: &TopicInfo) -> serde_json::Value {
    json!({
        "name": t.name,
        "internal": t.internal,
        "partitions": t.partitions.iter().map(|p| json!({
            "partition": p.partition,
            "leader": p.leader,
            "leader_epoch": p.leader_epoch,
            "replicas": p.replicas,
            "isr": p.isr,
        })).collect::<Vec<_>>(),
    })
}
