//! `strata group list|describe|reset-offsets|delete`.

use serde_json::json;
use strata_client::{Offset, TopicPartition};

use crate::output::{fail, json, Table};
use crate::Connect;

#[derive(Debug, clap::Subcommand)]
pub(crate) enum GroupCommand {
    /// List the consumer groups.
    List,
    /// A group's state, members, and committed offsets with their lag.
    Describe {
        /// The group's id.
        group: String,
    },
    /// Set a group's committed offsets (the group must have no members).
    ResetOffsets {
        /// The group's id.
        group: String,
        /// The topic whose offsets to reset.
        #[arg(long)]
        topic: String,
        /// Only this partition.
        #[arg(long)]
        partition: Option<i32>,
        /// earliest, latest, an OFFSET, or @TIMESTAMP_MS.
        #[arg(long)]
        to: String,
    },
    /// Delete a group and its committed offsets (it must have no members).
    Delete {
        /// The group's id.
        group: String,
    },
}

pub(crate) async fn run(connect: Connect, command: GroupCommand) -> Result<(), String> {
    let admin = super::admin(&connect)?;
    match command {
        GroupCommand::List => {
            let groups = admin.list_groups().await.map_err(fail)?;
            if connect.json {
                let list: Vec<_> = groups
                    .iter()
                    .map(|g| json!({ "group": g.group_id, "state": g.state, "protocol_type": g.protocol_type }))
                    .collect();
                json(&json!(list));
            } else {
                let mut table = Table::new(&["GROUP", "STATE", "PROTOCOL_TYPE"]);
                for g in groups {
                    table.row(vec![g.group_id, g.state, g.protocol_type]);
                }
                table.print();
            }
        }
        GroupCommand::Describe { group } => {
            let description = admin.describe_group(&group).await.map_err(fail)?;
            if description.state == "Dead" {
                return Err(format!("unknown group {group}"));
            }
            let offsets = admin.group_offsets(&group).await.map_err(fail)?;
            let owner = |tp: &TopicPartition| {
                description.members.iter().find(|m| m.assignment.contains(tp)).map(|m| m.member_id.clone())
            };
            if connect.json {
                let members: Vec<_> = description
                    .members
                    .iter()
                    .map(|m| {
                        json!({
                            "member_id": m.member_id,
                            "instance_id": m.instance_id,
                            "client_id": m.client_id,
                            "host": m.client_host,
                            "partitions": m.assignment.iter().map(ToString::to_string).collect::<Vec<_>>(),
                        })
                    })
                    .collect();
                let offsets: Vec<_> = offsets
                    .iter()
                    .map(|o| {
                        json!({
                            "topic": o.partition.topic,
                            "partition": o.partition.partition,
                            "committed": o.committed,
                            "end": o.end,
                            "lag": o.lag(),
                            "member_id": owner(&o.partition),
                        })
                    })
                    .collect();
                json(&json!({
                    "group": description.group_id,
                    "state": description.state,
                    "protocol": description.protocol,
                    "members": members,
                    "offsets": offsets,
                }));
            } else {
                println!(
                    "group {} ({}, {} members, assignor {})",
                    group,
                    description.state,
                    description.members.len(),
                    dash(&description.protocol)
                );
                let mut table = Table::new(&["TOPIC", "PARTITION", "COMMITTED", "END", "LAG", "MEMBER"]);
                for o in &offsets {
                    table.row(vec![
                        o.partition.topic.clone(),
                        o.partition.partition.to_string(),
                        o.committed.to_string(),
                        o.end.to_string(),
                        o.lag().to_string(),
                        owner(&o.partition).unwrap_or_else(|| "-".into()),
                    ]);
                }
                table.print();
            }
        }
        GroupCommand::ResetOffsets { group, topic, partition, to } => {
            let target = super::parse_offset(&to).map_err(|e| format!("--to {e}"))?;
            let info = admin.describe_topic(&topic).await.map_err(fail)?;
            let wanted: Vec<(TopicPartition, Offset)> = info
                .partitions
                .iter()
                .filter(|p| partition.is_none_or(|want| want == p.partition))
                .map(|p| (TopicPartition::new(&topic, p.partition), target))
                .collect();
            if wanted.is_empty() {
                return Err(format!("topic {topic} has no partition {}", partition.unwrap_or(-1)));
            }
            let offsets = admin.list_offsets(&wanted).await.map_err(fail)?;
            admin.alter_group_offsets(&group, &offsets).await.map_err(fail)?;
            if connect.json {
                let list: Vec<_> = offsets
                    .iter()
                    .map(|(tp, o)| json!({ "topic": tp.topic, "partition": tp.partition, "offset": o }))
                    .collect();
                json(&json!({ "group": group, "offsets": list }));
            } else {
                let mut table = Table::new(&["TOPIC", "PARTITION", "NEW_OFFSET"]);
                for (tp, o) in offsets {
                    table.row(vec![tp.topic, tp.partition.to_string(), o.to_string()]);
                }
                table.print();
            }
        }
        GroupCommand::Delete { group } => {
            admin.delete_group(&group).await.map_err(fail)?;
            if connect.json {
                json(&json!({ "deleted": group }));
            } else {
                println!("deleted group {group}");
            }
        }
    }
    Ok(())
}

fn dash(s: &str) -> &str {
    if s.is_empty() {
        "-"
    } else {
        s
    }
}
