//! `strata cluster info`.

use serde_json::json;

use crate::output::{fail, json, Table};
use crate::Connect;

#[derive(Debug, clap::Subcommand)]
pub(crate) enum ClusterCommand {
    /// The cluster's id, its controller and its brokers.
    Info,
}

pub(crate) async fn run(connect: Connect, command: ClusterCommand) -> Result<(), String> {
    let ClusterCommand::Info = command;
    let admin = super::admin(&connect)?;
    let meta = admin.describe_cluster().await.map_err(fail)?;
    if connect.json {
        let brokers: Vec<_> = meta
            .brokers
            .values()
            .map(|b| json!({ "id": b.id, "host": b.host, "port": b.port, "rack": b.rack }))
            .collect();
        json(&json!({ "cluster_id": meta.cluster_id, "controller": meta.controller, "brokers": brokers }));
    } else {
        println!("cluster id: {}", meta.cluster_id);
        println!("controller: {}", meta.controller);
        let mut table = Table::new(&["BROKER", "HOST", "PORT", "RACK"]);
        for b in meta.brokers.values() {
            table.row(vec![b.id.to_string(), b.host.clone(), b.port.to_string(), b.rack.clone().unwrap_or_default()]);
        }
        table.print();
    }
    Ok(())
}
