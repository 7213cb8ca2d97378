//! The API keys and versions strata serves: the one table ApiVersions answers
//! from, and that the README's table of supported APIs is produced from.
//!
//! Lower bounds: strata stores only record batch format v2 (magic 2), so
//! Produce starts at v3 and Fetch at v4, the first versions that carry it, as
//! in Kafka 4.0. Every range lies within the versions the spec defines (a test
//! checks this).

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
    api(ApiKey::Produce, 3, 11),
    api(ApiKey::Fetch, 4, 16),
    api(ApiKey::ListOffsets, 1, 8),
    api(ApiKey::Metadata, 0, 12),
    api(ApiKey::ApiVersions, 0, 4),
    api(ApiKey::CreateTopics, 2, 7),
    api(ApiKey::DeleteTopics, 1, 6),
    api(ApiKey::DeleteRecords, 0, 2),
    api(ApiKey::DescribeConfigs, 1, 4),
    api(ApiKey::AlterConfigs, 0, 2),
    api(ApiKey::DescribeLogDirs, 1, 4),
    api(ApiKey::CreatePartitions, 0, 3),
    api(ApiKey::IncrementalAlterConfigs, 0, 1),
    api(ApiKey::DescribeCluster, 0, 1),
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

    #[test]
    fn table_is_in_key_order_without_repeats() {
        assert!(SUPPORTED_APIS.windows(2).all(|w| (w[0].key as i16) < (w[1].key as i16)));
    }
}
