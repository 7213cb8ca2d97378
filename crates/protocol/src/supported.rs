//! The API keys and versions strata serves: the one table ApiVersions answers
//! from, and that the README's table of supported APIs is produced from.
//!
//! Lower bounds. strata stores only record batch format v2 (magic 2), which
//! Produce carries from v3 and Fetch from v4. Yet Produce is advertised from
//! v0: librdkafka decides whether a broker "supports" gzip, snappy and lz4 by
//! asking whether it serves a Produce version in 0..=0 (measured with Debian
//! 12's kcat, librdkafka 2.0.2: without v0 it sends every batch uncompressed;
//! current librdkafka no longer does this). A Produce request below v3 carries
//! record format v0 or v1, which is refused per partition. librdkafka also
//! gates LZ4 on FindCoordinator v0, and balanced consumer groups on v0 of
//! JoinGroup, SyncGroup, Heartbeat and LeaveGroup, so those are served from v0.
//! The tests below pin librdkafka's feature map (src/rdkafka_feature.c).
//! Every range lies within the versions the spec defines (a test checks this).

use crate::generated::ApiKey;
use crate::VersionRange;

/// One served API and the versions served.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApiSupport {
    /// The API.
    pub key: ApiKey,
    /// The versions served.
    pub versions: VersionRange,
}

const fn api(key: ApiKey, min: i16, max: i16) -> ApiSupport {
    ApiSupport { key, versions: VersionRange::new(min, max) }
}

/// Every API strata serves, in key order.
pub const SUPPORTED_APIS: &[ApiSupport] = &[
    api(ApiKey::Produce, 0, 11),
    api(ApiKey::Fetch, 4, 16),
    api(ApiKey::ListOffsets, 1, 8),
    api(ApiKey::Metadata, 0, 12),
    api(ApiKey::OffsetCommit, 0, 9),
    api(ApiKey::OffsetFetch, 0, 9),
    api(ApiKey::FindCoordinator, 0, 6),
    api(ApiKey::JoinGroup, 0, 9),
    api(ApiKey::Heartbeat, 0, 4),
    api(ApiKey::LeaveGroup, 0, 5),
    api(ApiKey::SyncGroup, 0, 5),
    api(ApiKey::DescribeGroups, 0, 5),
    api(ApiKey::ListGroups, 0, 5),
    api(ApiKey::ApiVersions, 0, 4),
    api(ApiKey::CreateTopics, 2, 7),
    api(ApiKey::DeleteTopics, 1, 6),
    api(ApiKey::DeleteRecords, 0, 2),
    api(ApiKey::InitProducerId, 0, 5),
    api(ApiKey::OffsetForLeaderEpoch, 0, 4),
    api(ApiKey::AddPartitionsToTxn, 0, 4),
    api(ApiKey::AddOffsetsToTxn, 0, 4),
    api(ApiKey::EndTxn, 0, 4),
    api(ApiKey::WriteTxnMarkers, 0, 1),
    api(ApiKey::TxnOffsetCommit, 0, 4),
    api(ApiKey::DescribeConfigs, 1, 4),
    api(ApiKey::AlterConfigs, 0, 2),
    api(ApiKey::DescribeLogDirs, 1, 4),
    api(ApiKey::CreatePartitions, 0, 3),
    api(ApiKey::DeleteGroups, 0, 2),
    api(ApiKey::ElectLeaders, 0, 2),
    api(ApiKey::IncrementalAlterConfigs, 0, 1),
    api(ApiKey::OffsetDelete, 0, 0),
    api(ApiKey::DescribeQuorum, 0, 1),
    api(ApiKey::DescribeCluster, 0, 1),
    api(ApiKey::DescribeProducers, 0, 0),
    api(ApiKey::DescribeTransactions, 0, 0),
    api(ApiKey::ListTransactions, 0, 1),
    api(ApiKey::ConsumerGroupHeartbeat, 0, 1),
    api(ApiKey::ConsumerGroupDescribe, 0, 0),
];

/// The versions of `key` strata serves, if it serves the API at all.
pub fn supported_versions(key: ApiKey) -> Option<VersionRange> {
    SUPPORTED_APIS.iter().find(|a| a.key == key).map(|a| a.versions)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_served_range_is_within_the_spec() {
        for a in SUPPORTED_APIS {
            let spec = a.key.valid_versions();
            assert!(!a.versions.is_empty(), "{:?}", a.key);
            assert!(spec.min <= a.versions.min && a.versions.max <= spec.max, "{:?} outside {spec:?}", a.key);
        }
    }

    /// librdkafka's feature map (src/rdkafka_feature.c): a feature is enabled
    /// when every (API, min, max) it lists overlaps what the broker advertises.
    /// An API and the version range a client feature needs from it.
    type Depends = (ApiKey, i16, i16);

    const LIBRDKAFKA_FEATURES: &[(&str, &[Depends])] = &[
        ("gzip, snappy and lz4 in older librdkafka", &[(ApiKey::Produce, 0, 0)]),
        ("MsgVer2", &[(ApiKey::Produce, 3, 3), (ApiKey::Fetch, 4, 4)]),
        ("ApiVersion", &[(ApiKey::ApiVersions, 0, 0)]),
        ("OffsetTime", &[(ApiKey::ListOffsets, 1, 1)]),
        ("ZSTD", &[(ApiKey::Produce, 7, 7), (ApiKey::Fetch, 10, 10)]),
        ("BrokerGroupCoordinator", &[(ApiKey::FindCoordinator, 0, 0)]),
        ("IdempotentProducer", &[(ApiKey::InitProducerId, 0, 0)]),
        (
            "BrokerBalancedConsumer",
            &[
                (ApiKey::FindCoordinator, 0, 0),
                (ApiKey::OffsetCommit, 1, 2),
                (ApiKey::OffsetFetch, 1, 1),
                (ApiKey::JoinGroup, 0, 0),
                (ApiKey::SyncGroup, 0, 0),
                (ApiKey::Heartbeat, 0, 0),
                (ApiKey::LeaveGroup, 0, 0),
            ],
        ),
    ];

    #[test]
    fn librdkafka_enables_record_format_v2_and_every_codec_it_can() {
        for (feature, depends) in LIBRDKAFKA_FEATURES {
            for &(key, min, max) in *depends {
                let v = supported_versions(key).unwrap_or_else(|| panic!("{feature}: {key:?} not served"));
                assert!(min <= v.max && v.min <= max, "{feature}: {key:?} {min}..{max} vs served {v:?}");
            }
        }
    }

    #[test]
    fn table_is_in_key_order_without_repeats() {
        assert!(SUPPORTED_APIS.windows(2).all(|w| (w[0].key as i16) < (w[1].key as i16)));
    }
}
