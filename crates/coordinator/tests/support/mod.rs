//! What the coordinator tests share: a journal that keeps every append.

use strata_coordinator::record::Encoded;
use strata_coordinator::Journal;
use strata_protocol::ErrorCode;

/// One appended record: its partition, the producer id and epoch of a
/// transactional append, and the record.
pub(crate) type Written = (i32, Option<(i64, i16)>, Encoded);

/// Keeps every append, and fails them on demand.
#[derive(Default)]
pub(crate) struct Recorded {
    pub(crate) records: Vec<Written>,
    pub(crate) fail: Option<ErrorCode>,
}

impl Recorded {
    fn keep(&mut self, partition: i32, producer: Option<(i64, i16)>, records: Vec<Encoded>) -> Result<(), ErrorCode> {
        if let Some(code) = self.fail {
            return Err(code);
        }
        self.records.extend(records.into_iter().map(|r| (partition, producer, r)));
        Ok(())
    }
}

impl Journal for Recorded {
    fn append(&mut self, partition: i32, records: Vec<Encoded>) -> Result<(), ErrorCode> {
        self.keep(partition, None, records)
    }

    fn append_transactional(
        &mut self,
        partition: i32,
        producer_id: i64,
        producer_epoch: i16,
        records: Vec<Encoded>,
    ) -> Result<(), ErrorCode> {
        self.keep(partition, Some((producer_id, producer_epoch)), records)
    }
}
