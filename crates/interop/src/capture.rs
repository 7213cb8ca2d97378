//! A minimal broker that records what producers send.
//!
//! It answers just enough of the protocol for a producer to deliver: ApiVersions
//! (strata's table of served versions), Metadata (one broker, one partition per topic, auto-created) and
//! Produce (every partition acknowledged with increasing offsets; acks=0 gets
//! no answer). It keeps each produced `records` field as the bytes received.
//! It is strata's codec talking to a real client, which is what the tests
//! want; it is not the broker.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

use bytes::{Bytes, BytesMut};
use strata_protocol::frame::{decode_request, encode_response, frame_size};
use strata_protocol::generated::{
    api_versions_response, metadata_response, produce_response, ApiVersionsResponse, MetadataResponse, ProduceResponse,
};
use strata_protocol::supported::SUPPORTED_APIS;
use strata_protocol::{ApiKey, RequestBody, ResponseBody};

/// One `records` field of a produce request.
#[derive(Debug, Clone)]
pub struct Produced {
    /// The topic.
    pub topic: String,
    /// The partition.
    pub partition: i32,
    /// The Produce request version the client used.
    pub version: i16,
    /// The record set exactly as received.
    pub records: Bytes,
}

/// A running capture broker on 127.0.0.1.
pub struct CaptureBroker {
    /// The port it listens on.
    pub port: u16,
    produced: Arc<Mutex<Vec<Produced>>>,
}

impl CaptureBroker {
    /// Starts listening on an ephemeral port; serves each connection on a thread.
    pub fn start() -> CaptureBroker {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let produced = Arc::new(Mutex::new(Vec::new()));
        let sink = produced.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let sink = sink.clone();
                std::thread::spawn(move || serve(stream, port, &sink));
            }
        });
        CaptureBroker { port, produced }
    }

    /// `host:port` for clients.
    pub fn address(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// Everything produced so far.
    pub fn produced(&self) -> Vec<Produced> {
        self.produced.lock().expect("lock").clone()
    }
}

fn serve(mut stream: TcpStream, port: u16, sink: &Mutex<Vec<Produced>>) {
    let mut next_offset = 0i64;
    loop {
        let mut size = [0u8; 4];
        if stream.read_exact(&mut size).is_err() {
            return;
        }
        let Ok(len) = frame_size(size, 64 << 20) else { return };
        let mut frame = vec![0u8; len];
        if stream.read_exact(&mut frame).is_err() {
            return;
        }
        let request = match decode_request(Bytes::from(frame)) {
            Ok(r) => r,
            Err(e) => panic!("the capture broker could not decode a client request: {e}"),
        };
        let version = request.header.request_api_version;
        let response = match request.body {
            RequestBody::ApiVersions(_) => ResponseBody::ApiVersions(api_versions()),
            RequestBody::Metadata(m) => {
                let names = m.topics.unwrap_or_default().into_iter().filter_map(|t| t.name).collect();
                ResponseBody::Metadata(metadata(port, names))
            }
            RequestBody::Produce(p) => {
                let acks = p.acks;
                let resp = produce(p, version, &mut next_offset, sink);
                if acks == 0 {
                    continue;
                }
                ResponseBody::Produce(resp)
            }
            other => panic!("the capture broker does not serve {:?}", other.api_key()),
        };
        let mut out = BytesMut::new();
        encode_response(request.header.correlation_id, version, &response, &mut out).expect("encode response");
        if stream.write_all(&out).is_err() {
            return;
        }
    }
}

/// Advertises strata's whole table, from which clients derive features
/// (librdkafka enables record format v2 only when Produce v3 and Fetch v4 are
/// served), plus FindCoordinator v0, on which librdkafka gates LZ4 and which
/// strata serves once its group coordinator exists.
fn api_versions() -> ApiVersionsResponse {
    let find_coordinator = api_versions_response::ApiVersion {
        api_key: ApiKey::FindCoordinator as i16,
        min_version: 0,
        max_version: 0,
        ..Default::default()
    };
    let api_keys = SUPPORTED_APIS
        .iter()
        .map(|a| api_versions_response::ApiVersion {
            api_key: a.key as i16,
            min_version: a.versions.min,
            max_version: a.versions.max,
            ..Default::default()
        })
        .chain([find_coordinator])
        .collect();
    ApiVersionsResponse { api_keys, ..Default::default() }
}

fn metadata(port: u16, topics: Vec<String>) -> MetadataResponse {
    let broker = metadata_response::MetadataResponseBroker {
        node_id: 0,
        host: "127.0.0.1".into(),
        port: i32::from(port),
        ..Default::default()
    };
    let topics = topics
        .into_iter()
        .map(|name| metadata_response::MetadataResponseTopic {
            name: Some(name),
            partitions: vec![metadata_response::MetadataResponsePartition {
                partition_index: 0,
                leader_id: 0,
                replica_nodes: vec![0],
                isr_nodes: vec![0],
                ..Default::default()
            }],
            ..Default::default()
        })
        .collect();
    MetadataResponse {
        brokers: vec![broker],
        cluster_id: Some("capture".into()),
        controller_id: 0,
        topics,
        ..Default::default()
    }
}

fn produce(
    req: strata_protocol::generated::ProduceRequest,
    version: i16,
    next_offset: &mut i64,
    sink: &Mutex<Vec<Produced>>,
) -> ProduceResponse {
    let mut responses = Vec::new();
    for topic in req.topic_data {
        let mut partitions = Vec::new();
        for p in topic.partition_data {
            let records = p.records.unwrap_or_default();
            sink.lock().expect("lock").push(Produced {
                topic: topic.name.clone(),
                partition: p.index,
                version,
                records: records.clone(),
            });
            partitions.push(produce_response::PartitionProduceResponse {
                index: p.index,
                base_offset: *next_offset,
                ..Default::default()
            });
            *next_offset += 1000;
        }
        responses.push(produce_response::TopicProduceResponse {
            name: topic.name,
            partition_responses: partitions,
            ..Default::default()
        });
    }
    ProduceResponse { responses, ..Default::default() }
}
