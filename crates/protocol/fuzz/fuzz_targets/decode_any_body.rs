//! Any request or response body of any API and version: the first three
//! bytes choose API key, version and direction, the rest is the body.
#![no_main]
use libfuzzer_sys::fuzz_target;
use strata_protocol::{ApiKey, Reader, RequestBody, ResponseBody};

fuzz_target!(|data: &[u8]| {
    let [k, v, dir, body @ ..] = data else { return };
    let key = ApiKey::ALL[*k as usize % ApiKey::ALL.len()];
    let valid = key.valid_versions();
    let version = valid.min + (*v as i16 % (valid.max - valid.min + 1));
    let mut r = Reader::new(bytes::Bytes::copy_from_slice(body));
    if dir & 1 == 0 {
        let _ = RequestBody::decode(key, version, &mut r);
    } else {
        let _ = ResponseBody::decode(key, version, &mut r);
    }
});
