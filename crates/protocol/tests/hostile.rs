//! Hostile and broken input: every decoder returns an error value, never
//! panics, and never allocates more than the input justifies. A counting
//! allocator records the largest single allocation made while decoding.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use arbitrary::Unstructured;
use bytes::{BufMut, Bytes, BytesMut};
use proptest::prelude::*;
use strata_protocol::frame::{decode_request, encode_request, frame_size, FrameSizeError};
use strata_protocol::generated::RequestHeader;
use strata_protocol::{ApiKey, DecodeErrorKind, Reader, RequestBody, ResponseBody};

struct Counting;

thread_local! {
    /// The largest allocation this thread made since it last reset this.
    static LARGEST: Cell<usize> = const { Cell::new(0) };
}

/// The largest single allocation `f` makes on this thread.
fn largest_allocation(f: impl FnOnce()) -> usize {
    LARGEST.with(|l| l.set(0));
    f();
    LARGEST.with(Cell::get)
}

// SAFETY: forwards to the system allocator; only records sizes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = LARGEST.try_with(|l| l.set(l.get().max(layout.size())));
        // SAFETY: same contract as ours.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as ours.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// Decodes `body` as every request and response of every version; returns how
/// many decodes succeeded. Panics (failing the test) only if a decoder does.
fn decode_everything(body: &[u8]) -> usize {
    let bytes = Bytes::copy_from_slice(body);
    let mut ok = 0;
    for &key in ApiKey::ALL {
        let v = key.valid_versions();
        for version in v.min..=v.max {
            ok += usize::from(RequestBody::decode(key, version, &mut Reader::new(bytes.clone())).is_ok());
            ok += usize::from(ResponseBody::decode(key, version, &mut Reader::new(bytes.clone())).is_ok());
        }
    }
    ok
}

#[test]
fn array_count_of_i32_max_in_a_ten_byte_body_allocates_nothing_large() {
    // Also the compact form: an unsigned varint of u32::MAX.
    for body in [
        [0x7f, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0],
        [0xff, 0xff, 0xff, 0xff, 0x0f, 0, 0, 0, 0, 0],
        [0, 0, 0x7f, 0xff, 0xff, 0xff, 0, 0, 0, 0],
        [0, 0, 0, 0, 0x7f, 0xff, 0xff, 0xff, 0, 0],
    ] {
        let largest = largest_allocation(|| {
            decode_everything(&body);
        });
        assert!(largest < 4096, "a 10-byte body caused a {largest}-byte allocation");
    }
}

#[test]
fn a_huge_declared_count_in_a_large_frame_reserves_no_more_than_the_frame() {
    // Metadata v1: 8 Mi topics declared in an 8 MiB body whose first topic is
    // broken (name length -5), so nothing decodes. Only the reservation is left
    // to measure, and it must stay within the body's size.
    let len = 8 << 20;
    let mut body = vec![0u8; len];
    body[..4].copy_from_slice(&((len - 4) as i32).to_be_bytes());
    body[4..6].copy_from_slice(&(-5i16).to_be_bytes());
    let body = Bytes::from(body);
    let largest = largest_allocation(|| {
        let err = RequestBody::decode(ApiKey::Metadata, 1, &mut Reader::new(body.clone())).unwrap_err();
        assert_eq!(err.kind, DecodeErrorKind::NegativeLength(-5));
    });
    assert!(largest <= len, "reserved {largest} bytes for an {len}-byte body");
}

#[test]
fn the_error_names_the_message_and_field() {
    // Metadata v1: topics array with count i32::MAX.
    let err = RequestBody::decode(ApiKey::Metadata, 1, &mut Reader::new(Bytes::from_static(&[0x7f, 0xff, 0xff, 0xff])))
        .unwrap_err();
    assert_eq!(err.kind, DecodeErrorKind::CountTooLarge { count: i32::MAX as usize, remaining: 0 });
    assert_eq!(
        err.to_string(),
        "MetadataRequest v1: MetadataRequest.Topics: count 2147483647 exceeds the 0 bytes left"
    );
}

#[test]
fn negative_lengths_are_errors() {
    // Metadata v1 with one topic whose name has length -2.
    let body = [0, 0, 0, 1, 0xff, 0xfe];
    let err = RequestBody::decode(ApiKey::Metadata, 1, &mut Reader::new(Bytes::copy_from_slice(&body))).unwrap_err();
    assert_eq!(err.kind, DecodeErrorKind::NegativeLength(-2));
    assert_eq!(err.field, "MetadataRequestTopic.Name");
    // A null (-1) name where the version does not allow one.
    let body = [0, 0, 0, 1, 0xff, 0xff];
    let err = RequestBody::decode(ApiKey::Metadata, 1, &mut Reader::new(Bytes::copy_from_slice(&body))).unwrap_err();
    assert_eq!(err.kind, DecodeErrorKind::UnexpectedNull);
}

#[test]
fn a_two_gib_frame_prefix_is_refused_before_reading() {
    let err = frame_size([0x80, 0, 0, 0], 100 << 20).unwrap_err();
    assert_eq!(err, FrameSizeError::Negative(i32::MIN));
    let err = frame_size([0x7f, 0xff, 0xff, 0xff], 100 << 20).unwrap_err();
    assert!(matches!(err, FrameSizeError::TooLarge { size: 2147483647, .. }));
}

#[test]
fn unknown_api_keys_and_versions_are_typed_errors() {
    let frame = [0x7f, 0x00, 0, 0, 0, 0, 0, 1, 0xff, 0xff];
    let err = decode_request(Bytes::copy_from_slice(&frame)).unwrap_err();
    assert_eq!(err.kind, DecodeErrorKind::UnknownApiKey(0x7f00));
    let frame = [0, 0, 0x7f, 0, 0, 0, 0, 1, 0xff, 0xff];
    let err = decode_request(Bytes::copy_from_slice(&frame)).unwrap_err();
    assert!(matches!(err.kind, DecodeErrorKind::UnsupportedVersion { version: 0x7f00, .. }), "{err}");
}

fn frame_of(key: ApiKey, version: i16, seed: &[u8]) -> Bytes {
    let body = RequestBody::arbitrary(key, version, &mut Unstructured::new(seed)).unwrap();
    let header = RequestHeader {
        request_api_key: key as i16,
        request_api_version: version,
        correlation_id: 42,
        client_id: Some("hostile-test".into()),
        ..Default::default()
    };
    let mut out = BytesMut::new();
    encode_request(&header, &body, &mut out).unwrap();
    out.freeze().slice(4..)
}

#[test]
fn truncation_at_every_byte_of_every_request_is_an_error() {
    let seed: Vec<u8> = (0..600u32).map(|i| (i * 7 + 3) as u8).collect();
    for &key in ApiKey::ALL {
        let v = key.valid_versions();
        for version in v.min..=v.max {
            let frame = frame_of(key, version, &seed);
            let whole = decode_request(frame.clone()).unwrap_or_else(|e| panic!("{key:?} v{version}: {e}"));
            assert_eq!(whole.body.api_key(), key);
            for cut in 0..frame.len() {
                assert!(decode_request(frame.slice(..cut)).is_err(), "{key:?} v{version} cut at {cut} decoded");
            }
            let mut longer = BytesMut::from(&frame[..]);
            longer.put_u8(0);
            let err = decode_request(longer.freeze()).unwrap_err();
            assert_eq!(err.kind, DecodeErrorKind::TrailingBytes(1), "{key:?} v{version}");
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic_or_allocate_beyond_their_size(body in proptest::collection::vec(any::<u8>(), 0..64)) {
        let largest = largest_allocation(|| {
            decode_everything(&body);
        });
        // Bound: elements are at most a few hundred bytes in memory and an
        // array holds at most one element per byte left.
        prop_assert!(largest <= 64 * 1024, "largest allocation {}", largest);
    }

    #[test]
    fn random_frames_never_panic(frame in proptest::collection::vec(any::<u8>(), 0..128)) {
        let _ = decode_request(Bytes::from(frame));
    }
}
