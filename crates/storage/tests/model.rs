//! Property test: the log behaves like a simple in-memory model under random
//! sequences of appends, truncations, DeleteRecords, retention by size, and
//! clean or unclean reopens.

use std::collections::BTreeMap;

use proptest::prelude::*;
use strata_records::{BatchBuilder, Batches, Compression};
use strata_storage::{AppendOptions, Log, LogConfig, OpenFiles};

#[derive(Debug, Clone)]
enum Op {
    Append { records: u8, codec: u8 },
    Truncate { at: u16 },
    DeleteRecords { at: u16 },
    RetainBytes { bytes: u16 },
    Reopen { clean: bool },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => (1u8..20, 0u8..5).prop_map(|(records, codec)| Op::Append { records, codec }),
        1 => any::<u16>().prop_map(|at| Op::Truncate { at }),
        1 => any::<u16>().prop_map(|at| Op::DeleteRecords { at }),
        1 => (500u16..6000).prop_map(|bytes| Op::RetainBytes { bytes }),
        1 => any::<bool>().prop_map(|clean| Op::Reopen { clean }),
    ]
}

fn config() -> LogConfig {
    LogConfig { segment_bytes: 700, index_interval_bytes: 128, ..LogConfig::default() }
}

struct Model {
    records: BTreeMap<i64, String>,
    start: i64,
    end: i64,
}

fn read_all(log: &Log) -> BTreeMap<i64, String> {
    let mut out = BTreeMap::new();
    let mut next = log.log_start_offset();
    while next < log.log_end_offset() {
        let region = log.read(next, 4096, i64::MAX, true).unwrap().region.unwrap();
        for b in Batches::new(region.read().unwrap()).map_while(Result::ok) {
            b.validate_crc().unwrap();
            let data = b.records_data(1 << 20).unwrap();
            for r in b.records(&data) {
                let r = r.unwrap();
                let offset = b.header.base_offset + i64::from(r.offset_delta);
                if offset >= next {
                    out.insert(offset, String::from_utf8(r.value.unwrap().to_vec()).unwrap());
                }
            }
            next = b.header.last_offset() + 1;
        }
    }
    out
}

fn run(ops: Vec<Op>) {
    let dir = tempfile::tempdir().unwrap();
    let mut log = Some(Log::open(dir.path(), config(), 0, OpenFiles::new(64)).unwrap());
    let mut model = Model { records: BTreeMap::new(), start: 0, end: 0 };
    let mut id = 0u64;
    for op in ops {
        let l = log.as_ref().unwrap();
        match op {
            Op::Append { records, codec } => {
                let mut b = BatchBuilder::new(Compression::from_id(codec).unwrap());
                let values: Vec<String> = (0..records)
                    .map(|_| {
                        id += 1;
                        format!("v{id}")
                    })
                    .collect();
                for v in &values {
                    b.push(0, None, Some(v.as_bytes()), &[]);
                }
                let info = l.append(&b.build(), AppendOptions { leader_epoch: 0, now_ms: 0 }).unwrap();
                assert_eq!(info.first_offset, model.end);
                for v in values {
                    model.records.insert(model.end, v);
                    model.end += 1;
                }
            }
            Op::Truncate { at } => {
                let target = model.start + i64::from(at) % (model.end - model.start + 1);
                l.truncate_to(target).unwrap();
                // A batch holding `target` goes whole: the log says where it ended.
                let end = l.log_end_offset();
                assert!(end <= target, "truncation never keeps offsets at or past its target");
                model.records.retain(|o, _| *o < end);
                model.end = end;
                model.start = model.start.min(end);
            }
            Op::DeleteRecords { at } => {
                let target = model.start + i64::from(at) % (model.end - model.start + 1);
                assert_eq!(l.delete_records_before(target).unwrap(), target.max(model.start));
                model.start = model.start.max(target);
                model.records.retain(|o, _| *o >= model.start);
            }
            Op::RetainBytes { bytes } => {
                l.reconfigure(LogConfig { retention_bytes: i64::from(bytes), ..config() });
                l.apply_retention(0).unwrap();
                l.reconfigure(config());
                let start = l.log_start_offset();
                assert!(start >= model.start && start <= model.end);
                model.start = start;
                model.records.retain(|o, _| *o >= start);
            }
            Op::Reopen { clean } => {
                let l = log.take().unwrap();
                if clean {
                    l.close().unwrap();
                } else {
                    l.flush().unwrap();
                    drop(l);
                }
                log = Some(Log::open(dir.path(), config(), 0, OpenFiles::new(64)).unwrap());
            }
        }
        let l = log.as_ref().unwrap();
        assert_eq!((l.log_start_offset(), l.log_end_offset()), (model.start, model.end));
        assert_eq!(read_all(l), model.records);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn the_log_matches_the_model(ops in proptest::collection::vec(op(), 1..40)) {
        run(ops);
    }
}
