//! Every request and response of every API, in every version the spec
//! defines, encodes and decodes back to itself; so do the headers and the
//! data structs. Values come from proptest-chosen bytes, and every field the
//! version carries gets a generated value (nulls, tagged and unknown tagged
//! fields included).

use arbitrary::Unstructured;
use bytes::BytesMut;
use proptest::prelude::*;
use strata_protocol::generated::*;
use strata_protocol::{ApiKey, Message, Reader, RequestBody, ResponseBody};

fn roundtrip_body<T: PartialEq + std::fmt::Debug>(
    what: &str,
    value: T,
    encode: impl Fn(&T, &mut BytesMut) -> Result<(), strata_protocol::EncodeError>,
    decode: impl Fn(&mut Reader) -> Result<T, strata_protocol::DecodeError>,
) {
    let mut buf = BytesMut::new();
    encode(&value, &mut buf).unwrap_or_else(|e| panic!("{what}: encode {value:?}: {e}"));
    let mut r = Reader::new(buf.freeze());
    let back = decode(&mut r).unwrap_or_else(|e| panic!("{what}: decode: {e}"));
    assert_eq!(back, value, "{what}");
    assert_eq!(r.remaining(), 0, "{what}: bytes left over");
}

fn roundtrip_every_api(seed: &[u8]) {
    for &key in ApiKey::ALL {
        let v = key.valid_versions();
        for version in v.min..=v.max {
            let what = format!("{key:?} v{version}");
            let mut u = Unstructured::new(seed);
            let req = RequestBody::arbitrary(key, version, &mut u).unwrap();
            roundtrip_body(&what, req, |m, w| m.encode(w, version), |r| RequestBody::decode(key, version, r));
            let resp = ResponseBody::arbitrary(key, version, &mut u).unwrap();
            roundtrip_body(&what, resp, |m, w| m.encode(w, version), |r| ResponseBody::decode(key, version, r));
        }
    }
}

macro_rules! roundtrip_messages {
    ($seed:expr, $($t:ty),*) => {$(
        for version in <$t>::VERSIONS.min..=<$t>::VERSIONS.max {
            let mut u = Unstructured::new($seed);
            let value = <$t>::arbitrary(&mut u, version).unwrap();
            let what = format!("{} v{version}", <$t>::NAME);
            roundtrip_body(&what, value, |m, w| strata_protocol::encode_message(m, w, version),
                |r| strata_protocol::decode_message::<$t>(r, version));
        }
    )*};
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn every_request_and_response_roundtrips(seed in proptest::collection::vec(any::<u8>(), 0..768)) {
        roundtrip_every_api(&seed);
    }

    #[test]
    fn headers_and_data_structs_roundtrip(seed in proptest::collection::vec(any::<u8>(), 0..512)) {
        roundtrip_messages!(&seed, RequestHeader, ResponseHeader, ConsumerProtocolAssignment,
            ConsumerProtocolSubscription, DefaultPrincipalData, KRaftVersionRecord, LeaderChangeMessage,
            SnapshotFooterRecord, SnapshotHeaderRecord, VotersRecord);
    }
}

#[test]
fn empty_seed_gives_defaults_that_roundtrip() {
    roundtrip_every_api(&[]);
}

#[test]
fn a_field_the_version_lacks_is_refused_unless_ignorable() {
    // ValidateOnly (CreateTopics v1+) changes the meaning of the request: v0 must not drop it.
    let req = CreateTopicsRequest { validate_only: true, ..Default::default() };
    let err = strata_protocol::encode_message(&req, &mut BytesMut::new(), 0).unwrap_err();
    assert!(err.to_string().contains("CreateTopicsRequest.validateOnly"), "{err}");
    // ThrottleTimeMs is ignorable: ProduceResponse v0 silently drops it.
    let resp = ProduceResponse { throttle_time_ms: 5, ..Default::default() };
    strata_protocol::encode_message(&resp, &mut BytesMut::new(), 0).unwrap();
}

#[test]
fn unknown_tagged_fields_survive_a_roundtrip() {
    let header = RequestHeader {
        request_api_key: 18,
        request_api_version: 3,
        correlation_id: 7,
        client_id: Some("c".into()),
        unknown_tagged_fields: vec![strata_protocol::codec::RawTaggedField {
            tag: 9,
            data: bytes::Bytes::from_static(b"xyz"),
        }],
    };
    let mut w = BytesMut::new();
    strata_protocol::encode_message(&header, &mut w, 2).unwrap();
    // api key, version, correlation id, client id (classic string even in v2), 1 tagged field: tag 9, 3 bytes.
    assert_eq!(&w[..], &[0, 18, 0, 3, 0, 0, 0, 7, 0, 1, b'c', 1, 9, 3, b'x', b'y', b'z']);
    let back: RequestHeader = strata_protocol::decode_message(&mut Reader::new(w.freeze()), 2).unwrap();
    assert_eq!(back, header);
}
