//! DescribeConfigs, AlterConfigs and IncrementalAlterConfigs for topics and
//! brokers, with each value's source and synonyms as Kafka reports them.

use std::sync::Arc;

use strata_metadata::config::{
    broker_config, broker_config_names, ConfigDef, ConfigSource, Layers, Resolved, TOPIC_CONFIGS,
};
use strata_metadata::controller::{self, ConfigOp};
use strata_metadata::{ApiError, ConfigResource};
use strata_protocol::generated::describe_configs_response::{
    DescribeConfigsResourceResult, DescribeConfigsResult, DescribeConfigsSynonym,
};
use strata_protocol::generated::{
    alter_configs_response, incremental_alter_configs_response, AlterConfigsRequest, AlterConfigsResponse,
    DescribeConfigsRequest, DescribeConfigsResponse, IncrementalAlterConfigsRequest, IncrementalAlterConfigsResponse,
};
use strata_protocol::ErrorCode;

use crate::broker::Broker;

/// DescribeConfigs.
pub(super) fn describe(broker: &Arc<Broker>, req: DescribeConfigsRequest, version: i16) -> DescribeConfigsResponse {
    let image = broker.image();
    let layers = broker.layers(&image);
    let results = req
        .resources
        .into_iter()
        .map(|r| {
            let result = DescribeConfigsResult {
                resource_type: r.resource_type,
                resource_name: r.resource_name.clone(),
                ..Default::default()
            };
            let configs = resource(broker, r.resource_type, &r.resource_name).and_then(|res| {
                describe_resource(
                    &layers,
                    &res,
                    r.configuration_keys.as_deref(),
                    req.include_synonyms,
                    req.include_documentation,
                    version,
                )
            });
            match configs {
                Ok(configs) => DescribeConfigsResult { configs, ..result },
                Err(e) => DescribeConfigsResult { error_code: e.code.code(), error_message: Some(e.message), ..result },
            }
        })
        .collect();
    DescribeConfigsResponse { results, ..Default::default() }
}

fn resource(broker: &Broker, code: i8, name: &str) -> Result<ConfigResource, ApiError> {
    let resource = ConfigResource::from_code(code, name)
        .ok_or_else(|| ApiError::new(ErrorCode::INVALID_REQUEST, format!("Unsupported resource type {code}")))?;
    match &resource {
        ConfigResource::Topic(t) if broker.image().topic(t).is_none() => {
            Err(ApiError::new(ErrorCode::UNKNOWN_TOPIC_OR_PARTITION, format!("Topic {t} does not exist.")))
        }
        ConfigResource::Broker(b) if !b.is_empty() && b != &broker.config.node_id.to_string() => Err(ApiError::new(
            ErrorCode::INVALID_REQUEST,
            format!("Unexpected broker id, expected {} but received {b}", broker.config.node_id),
        )),
        _ => Ok(resource),
    }
}

fn describe_resource(
    layers: &Layers<'_>,
    resource: &ConfigResource,
    keys: Option<&[String]>,
    synonyms: bool,
    documentation: bool,
    version: i16,
) -> Result<Vec<DescribeConfigsResourceResult>, ApiError> {
    let wanted = |name: &str| keys.is_none_or(|k| k.iter().any(|n| n == name));
    let entries: Vec<(&str, &'static ConfigDef, Resolved, bool)> = match resource {
        ConfigResource::Topic(t) => {
            TOPIC_CONFIGS.iter().filter(|d| wanted(d.name)).map(|d| (d.name, d, layers.topic(t, d), false)).collect()
        }
        ConfigResource::Broker(_) => broker_config_names()
            .filter(|(n, _)| wanted(n))
            .map(|(n, d)| (n, d, layers.broker(n, d), broker_config(n).is_some_and(|(_, dynamic)| !dynamic)))
            .collect(),
    };
    Ok(entries
        .into_iter()
        .map(|(name, def, r, read_only)| DescribeConfigsResourceResult {
            name: name.to_string(),
            value: r.value.clone(),
            read_only,
            is_default: version == 0 && r.source == ConfigSource::Default,
            config_source: if version >= 1 { r.source as i8 } else { -1 },
            synonyms: if synonyms && version >= 1 {
                r.synonyms
                    .iter()
                    .map(|(n, v, s)| DescribeConfigsSynonym {
                        name: n.clone(),
                        value: v.clone(),
                        source: *s as i8,
                        ..Default::default()
                    })
                    .collect()
            } else {
                Vec::new()
            },
            config_type: if version >= 3 { def.ty as i8 } else { 0 },
            documentation: Some(def.doc.to_string()).filter(|_| documentation && version >= 3),
            ..Default::default()
        })
        .collect())
}

/// The result of altering one resource, in the two responses' shapes.
struct Altered {
    code: ErrorCode,
    message: Option<String>,
    resource_type: i8,
    resource_name: String,
}

async fn alter_resource(
    broker: &Arc<Broker>,
    code: i8,
    name: String,
    ops: Result<Vec<(String, ConfigOp)>, ApiError>,
    replace: bool,
    validate_only: bool,
) -> Altered {
    let node = broker.config.node_id;
    let result = match (resource(broker, code, &name), ops) {
        (Err(e), _) | (_, Err(e)) => Err(e),
        (Ok(resource), Ok(ops)) => broker
            .commit(validate_only, |image| controller::alter_configs(image, node, &resource, &ops, replace))
            .await
            .map(|_| tracing::info!(resource = %name, "altered configs")),
    };
    let (code2, message) = match result {
        Ok(()) => (ErrorCode::NONE, None),
        Err(e) => (e.code, Some(e.message)),
    };
    Altered { code: code2, message, resource_type: code, resource_name: name }
}

/// AlterConfigs: replaces the resource's whole set of configs.
pub(super) async fn alter(broker: &Arc<Broker>, req: AlterConfigsRequest) -> AlterConfigsResponse {
    let mut responses = Vec::new();
    for r in req.resources {
        let ops = r.configs.into_iter().map(|c| (c.name, c.value.map_or(ConfigOp::Delete, ConfigOp::Set))).collect();
        let a = alter_resource(broker, r.resource_type, r.resource_name, Ok(ops), true, req.validate_only).await;
        responses.push(alter_configs_response::AlterConfigsResourceResponse {
            error_code: a.code.code(),
            error_message: a.message,
            resource_type: a.resource_type,
            resource_name: a.resource_name,
            ..Default::default()
        });
    }
    AlterConfigsResponse { responses, ..Default::default() }
}

/// IncrementalAlterConfigs: SET, DELETE, APPEND and SUBTRACT per config.
pub(super) async fn incremental_alter(
    broker: &Arc<Broker>,
    req: IncrementalAlterConfigsRequest,
) -> IncrementalAlterConfigsResponse {
    let mut responses = Vec::new();
    for r in req.resources {
        let ops = r
            .configs
            .into_iter()
            .map(|c| {
                let value = c.value.unwrap_or_default();
                let op = match c.config_operation {
                    0 => ConfigOp::Set(value),
                    1 => ConfigOp::Delete,
                    2 => ConfigOp::Append(value),
                    3 => ConfigOp::Subtract(value),
                    other => {
                        return Err(ApiError::new(
                            ErrorCode::INVALID_REQUEST,
                            format!("Unknown config operation {other}"),
                        ))
                    }
                };
                Ok((c.name, op))
            })
            .collect::<Result<Vec<_>, _>>();
        let a = alter_resource(broker, r.resource_type, r.resource_name, ops, false, req.validate_only).await;
        responses.push(incremental_alter_configs_response::AlterConfigsResourceResponse {
            error_code: a.code.code(),
            error_message: a.message,
            resource_type: a.resource_type,
            resource_name: a.resource_name,
            ..Default::default()
        });
    }
    IncrementalAlterConfigsResponse { responses, ..Default::default() }
}
