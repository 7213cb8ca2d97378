//! Writes `generated/mod.rs`: the module list, the `ApiKey` table with header
//! versions, and the request/response enums that dispatch on an API key.

use std::fmt::Write as _;

use crate::emit::module_name;
use crate::spec::Spec;

/// One API: its request and response specs.
struct Api<'a> {
    key: i16,
    variant: String,
    request: &'a Spec,
    response: &'a Spec,
}

/// Emits the index module over all specs (unformatted Rust source).
pub(crate) fn module(specs: &[Spec]) -> Result<String, String> {
    let apis = pair_apis(specs)?;
    let mut out = String::new();
    out.push_str(
        "//! Every message of the Kafka protocol, generated from Kafka's message specs by\n\
         //! strata-protocol-gen; do not edit. Regenerate with `cargo xtask codegen`.\n\n",
    );
    out.push_str("use bytes::BytesMut;\nuse crate::codec::Reader;\nuse crate::error::{DecodeError, EncodeError};\nuse crate::{decode_message, encode_message, Message, VersionRange};\n\n");
    for spec in specs {
        let m = module_name(spec);
        writeln!(out, "pub mod {m};\npub use {m}::{};", spec.name).unwrap();
    }
    emit_api_key(&mut out, &apis);
    emit_body_enum(&mut out, &apis, "RequestBody", "request", |a| a.request);
    emit_body_enum(&mut out, &apis, "ResponseBody", "response", |a| a.response);
    emit_request_trait_impls(&mut out, &apis);
    Ok(out)
}

/// Emits the index of a folder of record specs: its modules and their structs.
pub(crate) fn modules_only(specs: &[Spec]) -> String {
    let mut out = String::from(
        "//! Kafka's internal records of one kind, generated from Kafka's record specs by\n\
         //! strata-protocol-gen; do not edit. Regenerate with `cargo xtask codegen`.\n\n",
    );
    for spec in specs {
        let m = module_name(spec);
        writeln!(out, "pub mod {m};\npub use {m}::{};", spec.name).unwrap();
    }
    out
}

fn pair_apis(specs: &[Spec]) -> Result<Vec<Api<'_>>, String> {
    let mut apis = Vec::new();
    for req in specs.iter().filter(|s| s.kind == "request") {
        let key = req.api_key.ok_or_else(|| format!("{} has no apiKey", req.name))?;
        let variant = req.name.strip_suffix("Request").ok_or_else(|| format!("{}: odd request name", req.name))?;
        let response = specs
            .iter()
            .find(|s| s.kind == "response" && s.api_key == Some(key))
            .ok_or_else(|| format!("{} has no response", req.name))?;
        apis.push(Api { key, variant: variant.to_string(), request: req, response });
    }
    apis.sort_by_key(|a| a.key);
    Ok(apis)
}

fn emit_api_key(out: &mut String, apis: &[Api<'_>]) {
    out.push_str("\n/// A Kafka API, by its key.\n#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]\n#[repr(i16)]\npub enum ApiKey {\n");
    for a in apis {
        writeln!(out, "    /// {} (key {}).", a.variant, a.key).unwrap();
        writeln!(out, "    {} = {},", a.variant, a.key).unwrap();
    }
    out.push_str("}\n\nimpl ApiKey {\n    /// Every API, in key order.\n    pub const ALL: &'static [ApiKey] = &[");
    for a in apis {
        write!(out, "ApiKey::{}, ", a.variant).unwrap();
    }
    out.push_str("];\n\n    /// The API with wire key `key`, if there is one.\n    pub fn from_i16(key: i16) -> Option<ApiKey> {\n        match key {\n");
    for a in apis {
        writeln!(out, "            {} => Some(ApiKey::{}),", a.key, a.variant).unwrap();
    }
    out.push_str("            _ => None,\n        }\n    }\n");
    key_method(out, apis, "The API's name as Kafka spells it.", "name(self) -> &'static str", |a| {
        format!("{:?}", a.variant)
    });
    key_method(
        out,
        apis,
        "The versions the spec defines for the request.",
        "valid_versions(self) -> VersionRange",
        |a| format!("{}::VERSIONS", a.request.name),
    );
    key_method(out, apis, "The request's flexible versions.", "request_flexible(self) -> VersionRange", |a| {
        format!("{}::FLEXIBLE", a.request.name)
    });
    key_method(out, apis, "The response's flexible versions.", "response_flexible(self) -> VersionRange", |a| {
        format!("{}::FLEXIBLE", a.response.name)
    });
    out.push_str("}\n");
}

/// Writes an `ApiKey` method whose body maps each API to `value(api)`.
fn key_method(out: &mut String, apis: &[Api<'_>], doc: &str, signature: &str, value: impl Fn(&Api<'_>) -> String) {
    writeln!(out, "\n    /// {doc}\n    pub fn {signature} {{\n        match self {{").unwrap();
    for a in apis {
        writeln!(out, "            ApiKey::{} => {},", a.variant, value(a)).unwrap();
    }
    out.push_str("        }\n    }\n");
}

fn emit_body_enum<'s>(out: &mut String, apis: &[Api<'s>], name: &str, what: &str, spec: impl Fn(&Api<'s>) -> &'s Spec) {
    writeln!(out, "\n/// The body of any {what}, by API.\n#[derive(Debug, Clone, PartialEq)]\npub enum {name} {{")
        .unwrap();
    for a in apis {
        writeln!(out, "    /// A {} {what}.\n    {}({}),", a.variant, a.variant, spec(a).name).unwrap();
    }
    writeln!(out, "}}\n\nimpl {name} {{").unwrap();
    writeln!(out, "    /// The API of this {what}.\n    pub fn api_key(&self) -> ApiKey {{\n        match self {{")
        .unwrap();
    for a in apis {
        writeln!(out, "            {name}::{}(_) => ApiKey::{},", a.variant, a.variant).unwrap();
    }
    out.push_str("        }\n    }\n\n");
    writeln!(
        out,
        "    /// Decodes a {what} body of API `key` at `version`; the version must be one the spec defines.\n    pub fn decode(key: ApiKey, version: i16, r: &mut Reader) -> Result<Self, DecodeError> {{\n        match key {{"
    )
    .unwrap();
    for a in apis {
        writeln!(
            out,
            "            ApiKey::{0} => decode_message::<{1}>(r, version).map({name}::{0}),",
            a.variant,
            spec(a).name
        )
        .unwrap();
    }
    out.push_str("        }\n    }\n\n");
    writeln!(out, "    /// Encodes the body at `version`.\n    pub fn encode(&self, w: &mut BytesMut, version: i16) -> Result<(), EncodeError> {{\n        match self {{").unwrap();
    for a in apis {
        writeln!(out, "            {name}::{}(m) => encode_message(m, w, version),", a.variant).unwrap();
    }
    out.push_str("        }\n    }\n\n");
    writeln!(
        out,
        "    /// An arbitrary body of API `key` that `version` carries exactly.\n    #[cfg(feature = \"arbitrary\")]\n    pub fn arbitrary(key: ApiKey, version: i16, u: &mut arbitrary::Unstructured<'_>) -> arbitrary::Result<Self> {{\n        match key {{"
    )
    .unwrap();
    for a in apis {
        writeln!(
            out,
            "            ApiKey::{0} => {1}::arbitrary(u, version).map({name}::{0}),",
            a.variant,
            spec(a).name
        )
        .unwrap();
    }
    out.push_str("        }\n    }\n}\n");
}

fn emit_request_trait_impls(out: &mut String, apis: &[Api<'_>]) {
    for a in apis {
        writeln!(
            out,
            "\nimpl crate::Request for {} {{\n    const KEY: ApiKey = ApiKey::{};\n    type Response = {};\n}}",
            a.request.name, a.variant, a.response.name
        )
        .unwrap();
    }
}
