//! A record set as a producer sends it or a segment holds it: every batch is
//! parsed, its CRC checked, and its records decompressed (capped) and read,
//! even when the CRC is wrong, so the record reader sees hostile bytes too.
#![no_main]
use libfuzzer_sys::fuzz_target;
use strata_records::{Batches, ControlRecord};

const CAP: usize = 1 << 20;

fuzz_target!(|data: &[u8]| {
    for batch in Batches::new(bytes::Bytes::copy_from_slice(data)).flatten() {
        let _ = batch.validate_crc();
        let _ = batch.validate_for_append(CAP);
        if let Ok(records) = batch.records_data(CAP) {
            for record in batch.records(&records).flatten() {
                let _ = record.headers.count();
                let _ = ControlRecord::parse(&record);
            }
        }
    }
});
