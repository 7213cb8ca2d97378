//! ApiVersions: the served APIs and versions, from strata-protocol's table.

use strata_protocol::generated::api_versions_response::ApiVersion;
use strata_protocol::generated::ApiVersionsResponse;
use strata_protocol::supported::SUPPORTED_APIS;
use strata_protocol::{ErrorCode, ResponseBody};

use crate::response::Response;

fn api_keys() -> Vec<ApiVersion> {
    SUPPORTED_APIS
        .iter()
        .map(|a| ApiVersion {
            api_key: a.key as i16,
            min_version: a.versions.min,
            max_version: a.versions.max,
            ..Default::default()
        })
        .collect()
}

/// The response to a served version.
pub(super) fn handle() -> ApiVersionsResponse {
    ApiVersionsResponse { api_keys: api_keys(), ..Default::default() }
}

/// KIP-511: a client that asks with a version newer than the broker serves
/// gets UNSUPPORTED_VERSION with the served versions, as a v0 response, and
/// retries with the highest version both sides know.
pub(super) fn unsupported(correlation_id: i32) -> Response {
    let body = ApiVersionsResponse {
        error_code: ErrorCode::UNSUPPORTED_VERSION.code(),
        api_keys: api_keys(),
        ..Default::default()
    };
    Response::encode(correlation_id, 0, &ResponseBody::ApiVersions(body))
}
