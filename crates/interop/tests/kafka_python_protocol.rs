//! strata's codec against kafka-python's, in both directions.
//!
//! kafka-python → strata: every message and version of kafka-python's
//! hand-written classic classes, filled with values (and an unknown tagged
//! field in flexible versions), plus every version of its newer classes at
//! their defaults, decodes in strata and re-encodes to the same bytes.
//!
//! strata → kafka-python: arbitrary values of every message and version that
//! kafka-python knows, encoded by strata, decode in kafka-python and re-encode
//! to the same bytes.

use std::time::Duration;

use arbitrary::Unstructured;
use bytes::{Bytes, BytesMut};
use serde_json::{json, Value};
use strata_interop::{from_hex, python, run, script, to_hex};
use strata_protocol::{ApiKey, Reader, RequestBody, ResponseBody};

fn decode_body(key: ApiKey, version: i16, kind: &str, bytes: Bytes) -> Result<BytesMut, String> {
    let mut r = Reader::new(bytes);
    let mut out = BytesMut::new();
    match kind {
        "request" => RequestBody::decode(key, version, &mut r).map_err(|e| e.to_string())?.encode(&mut out, version),
        _ => ResponseBody::decode(key, version, &mut r).map_err(|e| e.to_string())?.encode(&mut out, version),
    }
    .map_err(|e| format!("re-encode: {e}"))?;
    if r.remaining() != 0 {
        return Err(format!("{} bytes left over", r.remaining()));
    }
    Ok(out)
}

/// Classic classes of kafka-python that disagree with Kafka's own spec; strata
/// follows the spec. Each must still fail, for the reason given.
const KAFKA_PYTHON_DEFECTS: &[(&str, i64, &str)] = &[
    // Its v2 reuses v1's classic schema, but Kafka's v2 is flexible (compact strings, tagged fields).
    ("DescribeAclsRequest", 2, "needs"),
    ("DescribeAclsResponse", 2, "exceeds"),
    // Declares Partitions as int32; Kafka's spec has []int32.
    ("DescribeLogDirsRequest", 0, "exceeds"),
];

#[test]
fn kafka_python_bytes_decode_and_reencode_identically() {
    let out = run(&python(), &[script("protocol_golden.py").to_str().unwrap(), "emit"], b"", Duration::from_secs(120));
    let cases: Vec<Value> = serde_json::from_slice(&out).expect("golden JSON");
    assert!(cases.len() > 500, "only {} golden cases", cases.len());
    let mut failures = Vec::new();
    let mut classic = 0;
    let mut newer = 0;
    let mut defects_seen = 0;
    for case in &cases {
        let name = case["name"].as_str().unwrap();
        let version = case["version"].as_i64().unwrap() as i16;
        let key = ApiKey::from_i16(case["api_key"].as_i64().unwrap() as i16).expect("known API key");
        if version > key.valid_versions().max {
            // kafka-python knows versions newer than the specs strata is generated from.
            newer += 1;
            continue;
        }
        let defect = KAFKA_PYTHON_DEFECTS
            .iter()
            .find(|d| d.0 == name && d.1 == i64::from(version) && case["source"] == "classic");
        let bytes = from_hex(case["hex"].as_str().unwrap());
        classic += usize::from(case["source"] == "classic");
        let result = decode_body(key, version, case["kind"].as_str().unwrap(), Bytes::from(bytes.clone()));
        if let Some((_, _, reason)) = defect {
            let err = result.expect_err("a kafka-python defect now decodes: remove it from KAFKA_PYTHON_DEFECTS");
            assert!(err.contains(reason), "{name} v{version}: {err}");
            defects_seen += 1;
            continue;
        }
        match result {
            Ok(again) if again[..] == bytes[..] => {}
            Ok(again) => {
                failures.push(format!("{name} v{version}: re-encoded as {} not {}", to_hex(&again), to_hex(&bytes)))
            }
            Err(e) => failures.push(format!("{name} v{version} ({}): {e}", case["source"])),
        }
    }
    assert!(classic > 250, "only {classic} classic cases");
    assert_eq!(defects_seen, KAFKA_PYTHON_DEFECTS.len());
    assert!(newer < cases.len() / 10, "{newer} cases are newer than the specs");
    assert!(failures.is_empty(), "{} of {} cases failed:\n{}", failures.len(), cases.len(), failures.join("\n"));
}

#[test]
fn strata_bytes_decode_in_kafka_python() {
    let out =
        run(&python(), &[script("protocol_golden.py").to_str().unwrap(), "classes"], b"", Duration::from_secs(60));
    let known: Vec<String> = serde_json::from_slice(&out).unwrap();
    // kafka-python drops tagged fields it does not know when it re-encodes, as
    // the protocol allows; leave them out so the bytes can be compared.
    strata_protocol::codec::arb::set_unknown_tagged_fields(false);
    let seed: Vec<u8> = (0..4096u32).map(|i| (i.wrapping_mul(2654435761) >> 13) as u8).collect();
    let mut cases = Vec::new();
    for &key in ApiKey::ALL {
        let v = key.valid_versions();
        for version in v.min..=v.max {
            let mut u = Unstructured::new(&seed[(version as usize * 37) % 1024..]);
            let req = RequestBody::arbitrary(key, version, &mut u).unwrap();
            let mut resp = ResponseBody::arbitrary(key, version, &mut u).unwrap();
            if let ResponseBody::ApiVersions(r) = &mut resp {
                // Clients read an ApiVersions body with an error as v0 (KIP-511).
                r.error_code = 0;
            }
            for (name, body) in [
                (format!("{}Request", key.name()), {
                    let mut w = BytesMut::new();
                    req.encode(&mut w, version).unwrap();
                    w
                }),
                (format!("{}Response", key.name()), {
                    let mut w = BytesMut::new();
                    resp.encode(&mut w, version).unwrap();
                    w
                }),
            ] {
                if known.contains(&name) {
                    cases.push(json!({"name": name, "version": version, "hex": to_hex(&body)}));
                }
            }
        }
    }
    assert!(cases.len() > 300, "only {} cases", cases.len());
    let input = serde_json::to_vec(&cases).unwrap();
    let out =
        run(&python(), &[script("protocol_golden.py").to_str().unwrap(), "check"], &input, Duration::from_secs(120));
    let results: Vec<Value> = serde_json::from_slice(&out).unwrap();
    let failures: Vec<String> = results
        .iter()
        .filter(|r| r["ok"] != true)
        .map(|r| {
            format!(
                "{} v{}: {}",
                r["name"],
                r["version"],
                r["error"].as_str().unwrap_or_default().chars().take(300).collect::<String>()
            )
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} failed in kafka-python:\n{}",
        failures.len(),
        results.len(),
        failures.join("\n")
    );
}
