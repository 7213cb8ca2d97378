//! Record batches that strata builds, with each codec, read correctly in
//! kafka-python's record classes (an implementation independent of strata):
//! CRC, codec, keys, values, null keys and values, duplicate headers, timestamps.
//! (The other direction, kafka-python's batches read by strata, is in
//! client_batches.rs.)

use std::time::Duration;

use serde_json::{json, Value};
use strata_interop::{python, run, script, to_hex};
use strata_records::{BatchBuilder, Compression};

#[test]
fn strata_batches_read_in_kafka_python() {
    let mut cases = Vec::new();
    for codec in Compression::ALL {
        let mut b = BatchBuilder::new(codec);
        let mut expected = Vec::new();
        for i in 0..300i64 {
            let key = (i % 9 != 4).then(|| format!("key-{i}").into_bytes());
            let value = (i % 9 != 7).then(|| format!("value-{i} ").repeat(1 + (i as usize) % 5).into_bytes());
            let headers: Vec<(String, Option<Vec<u8>>)> = if i % 4 == 0 {
                vec![
                    ("h".into(), Some(b"a".to_vec())),
                    ("h".into(), None),
                    ("h".into(), Some(i.to_string().into_bytes())),
                ]
            } else {
                vec![]
            };
            let timestamp = 1_700_000_000_000 + i * 7 - (i % 3) * 1000;
            let refs: Vec<(&str, Option<&[u8]>)> = headers.iter().map(|(k, v)| (k.as_str(), v.as_deref())).collect();
            b.push(timestamp, key.as_deref(), value.as_deref(), &refs);
            expected.push(json!({
                "key": key.as_deref().map(to_hex),
                "value": value.as_deref().map(to_hex),
                "headers": headers.iter().map(|(k, v)| json!([k, v.as_deref().map(to_hex)])).collect::<Vec<_>>(),
                "timestamp": timestamp,
            }));
        }
        cases.push(json!({"codec": codec.name(), "hex": to_hex(&b.build()), "records": expected}));
    }
    let input = serde_json::to_vec(&cases).unwrap();
    let out = run(&python(), &[script("records_check.py").to_str().unwrap()], &input, Duration::from_secs(60));
    let results: Vec<Value> = serde_json::from_slice(&out).unwrap();
    assert_eq!(results.len(), Compression::ALL.len());
    for r in &results {
        assert_eq!(r["ok"], true, "{}: {}", r["codec"], r["error"]);
    }
}
