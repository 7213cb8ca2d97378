//! Whole request frames, as a server reads them off a socket.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = strata_protocol::frame::RequestPrefix::peek(data);
    let _ = strata_protocol::frame::decode_request(bytes::Bytes::copy_from_slice(data));
});
