//! CreateTopics, DeleteTopics and CreatePartitions: each topic is one
//! metadata change, refused or committed on its own.

use std::sync::Arc;

use strata_metadata::config::{Layers, TOPIC_CONFIGS};
use strata_metadata::controller::{self, NewTopic};
use strata_metadata::ApiError;
use strata_protocol::generated::create_partitions_response::CreatePartitionsTopicResult;
use strata_protocol::generated::create_topics_request::CreatableTopic;
use strata_protocol::generated::create_topics_response::{CreatableTopicConfigs, CreatableTopicResult};
use strata_protocol::generated::delete_topics_response::DeletableTopicResult;
use strata_protocol::generated::{
    CreatePartitionsRequest, CreatePartitionsResponse, CreateTopicsRequest, CreateTopicsResponse, DeleteTopicsRequest,
    DeleteTopicsResponse,
};
use strata_protocol::{ErrorCode, Uuid};

use crate::broker::Broker;

/// CreateTopics, with validate_only and Kafka's defaults for -1.
pub(super) async fn create(broker: &Arc<Broker>, req: CreateTopicsRequest, version: i16) -> CreateTopicsResponse {
    let mut topics = Vec::with_capacity(req.topics.len());
    for (i, t) in req.topics.iter().enumerate() {
        let duplicate = req.topics[..i].iter().chain(&req.topics[i + 1..]).any(|o| o.name == t.name);
        let result = if duplicate {
            Err(ApiError::new(
                ErrorCode::INVALID_REQUEST,
                format!("Create topics request from client contains duplicate topic {}", t.name),
            ))
        } else {
            create_one(broker, t, req.validate_only).await
        };
        topics.push(match result {
            Ok(result) => result,
            Err(e) => CreatableTopicResult {
                name: t.name.clone(),
                error_code: e.code.code(),
                error_message: Some(e.message),
                num_partitions: -1,
                replication_factor: -1,
                configs: None,
                ..Default::default()
            },
        });
    }
    if version < 5 {
        for t in &mut topics {
            t.configs = None;
            t.num_partitions = -1;
            t.replication_factor = -1;
        }
    }
    CreateTopicsResponse { topics, ..Default::default() }
}

async fn create_one(
    broker: &Arc<Broker>,
    t: &CreatableTopic,
    validate_only: bool,
) -> Result<CreatableTopicResult, ApiError> {
    let new = NewTopic {
        name: t.name.clone(),
        num_partitions: t.num_partitions,
        replication_factor: t.replication_factor,
        assignments: t.assignments.iter().map(|a| (a.partition_index, a.broker_ids.clone())).collect(),
        configs: t.configs.iter().map(|c| (c.name.clone(), c.value.clone())).collect(),
    };
    let id = Broker::new_topic_id()?;
    let cluster = broker.cluster();
    let mut created = None;
    let image = broker
        .commit(validate_only, |image| {
            let records = controller::create_topic(image, &new, &cluster, id)?;
            created =
                Some(image.apply(&records).map_err(|e| ApiError::new(ErrorCode::UNKNOWN_SERVER_ERROR, e.to_string()))?);
            Ok(records)
        })
        .await?;
    let image = if validate_only { created.map(Arc::new).unwrap_or(image) } else { image };
    let topic = image
        .topic(&t.name)
        .ok_or_else(|| ApiError::new(ErrorCode::UNKNOWN_SERVER_ERROR, "the new topic is missing"))?;
    if !validate_only {
        tracing::info!(topic = %t.name, partitions = topic.partitions.len(), "created topic");
    }
    let layers = broker.layers(&image);
    Ok(CreatableTopicResult {
        name: t.name.clone(),
        topic_id: if validate_only { Uuid::ZERO } else { topic.id },
        num_partitions: topic.partitions.len() as i32,
        replication_factor: topic.partitions.first().map_or(0, |p| p.replicas.len() as i16),
        configs: Some(topic_configs(&layers, &t.name)),
        ..Default::default()
    })
}

fn topic_configs(layers: &Layers<'_>, topic: &str) -> Vec<CreatableTopicConfigs> {
    TOPIC_CONFIGS
        .iter()
        .map(|def| {
            let r = layers.topic(topic, def);
            CreatableTopicConfigs {
                name: def.name.to_string(),
                value: r.value,
                config_source: r.source as i8,
                ..Default::default()
            }
        })
        .collect()
}

/// DeleteTopics, by name (v0-5) or by name or id (v6).
pub(super) async fn delete(broker: &Arc<Broker>, req: DeleteTopicsRequest, version: i16) -> DeleteTopicsResponse {
    let named: Vec<(Option<String>, Uuid)> = if version >= 6 {
        req.topics.into_iter().map(|t| (t.name, t.topic_id)).collect()
    } else {
        req.topic_names.into_iter().map(|n| (Some(n), Uuid::ZERO)).collect()
    };
    let enabled = broker.broker_value::<bool>("delete.topic.enable");
    let mut responses = Vec::with_capacity(named.len());
    for (name, id) in named {
        let image = broker.image();
        let topic = match &name {
            Some(n) => image.topic(n),
            None => image.topic_by_id(&id),
        };
        let result = match topic {
            _ if !enabled => Err(ApiError::new(ErrorCode::TOPIC_DELETION_DISABLED, "Topic deletion is disabled.")),
            None if name.is_none() => {
                Err(ApiError::new(ErrorCode::UNKNOWN_TOPIC_ID, "This server does not host this topic ID."))
            }
            None => Err(ApiError::new(
                ErrorCode::UNKNOWN_TOPIC_OR_PARTITION,
                "This server does not host this topic-partition.",
            )),
            Some(t) => {
                let t = t.clone();
                broker.commit(false, |image| controller::delete_topic(image, &t.name)).await.map(|_| t)
            }
        };
        responses.push(match result {
            Ok(t) => {
                tracing::info!(topic = %t.name, "deleted topic");
                DeletableTopicResult {
                    name: Some(t.name.clone()),
                    topic_id: if version >= 6 { t.id } else { Uuid::ZERO },
                    ..Default::default()
                }
            }
            Err(e) => DeletableTopicResult {
                name,
                topic_id: id,
                error_code: e.code.code(),
                error_message: Some(e.message).filter(|_| version >= 5),
                ..Default::default()
            },
        });
    }
    DeleteTopicsResponse { responses, ..Default::default() }
}

/// CreatePartitions, with validate_only.
pub(super) async fn create_partitions(broker: &Arc<Broker>, req: CreatePartitionsRequest) -> CreatePartitionsResponse {
    let mut results = Vec::with_capacity(req.topics.len());
    for t in req.topics {
        let cluster = broker.cluster();
        let assignments = t.assignments.map(|a| a.into_iter().map(|p| p.broker_ids).collect());
        let result = broker
            .commit(req.validate_only, |image| {
                controller::create_partitions(image, &t.name, t.count, assignments, &cluster)
            })
            .await;
        let (code, message) = match result {
            Ok(_) => (ErrorCode::NONE, None),
            Err(e) => (e.code, Some(e.message)),
        };
        results.push(CreatePartitionsTopicResult {
            name: t.name,
            error_code: code.code(),
            error_message: message,
            ..Default::default()
        });
    }
    CreatePartitionsResponse { results, ..Default::default() }
}
