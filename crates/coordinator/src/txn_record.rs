//! The records of `__transaction_state`, as Kafka writes them.
//!
//! ```text
//! key    int16 version 0, TransactionLogKey   {transactional id}
//! value  int16 version, TransactionLogValue  {producer id, epoch, timeout, status,
//!                                             partitions, last update, start}
//! ```
//!
//! strata writes value version 0 (Kafka's for transaction version 1, which
//! is what strata's coordinator implements) and reads 0 and 1. A null value
//! is a tombstone: the transactional id expired.

use bytes::{BufMut, Bytes, BytesMut};
use strata_protocol::internal::transaction::{TransactionLogKey, TransactionLogValue};
use strata_protocol::{DecodeError, Reader, Struct};

use crate::record::Encoded;

/// The TransactionLogValue version strata writes.
const VALUE_VERSION: i16 = 0;

/// One record of `__transaction_state`: a transactional id's state, or its
/// removal (`None`).
#[derive(Debug, Clone, PartialEq)]
pub struct TxnRecord {
    /// The transactional id.
    pub transactional_id: String,
    /// Its state, or `None` once it expired.
    pub value: Option<TransactionLogValue>,
}

fn versioned<S: Struct>(version: i16, s: &S) -> Bytes {
    let mut w = BytesMut::with_capacity(64);
    w.put_i16(version);
    s.encode(&mut w, version).expect("strata writes only fields its record versions carry");
    w.freeze()
}

impl TxnRecord {
    /// Encodes the record's key and value.
    pub fn encode(&self) -> Encoded {
        let key = TransactionLogKey { transactional_id: self.transactional_id.clone() };
        (versioned(0, &key), self.value.as_ref().map(|v| versioned(VALUE_VERSION, v)))
    }

    /// Decodes a record's key and value; `None` for a key version strata
    /// does not know (a later Kafka's).
    pub fn decode(key: &[u8], value: Option<&[u8]>) -> Result<Option<TxnRecord>, DecodeError> {
        let mut r = Reader::new(Bytes::copy_from_slice(key));
        if r.i16()? != 0 {
            return Ok(None);
        }
        let transactional_id = TransactionLogKey::decode(&mut r, 0)?.transactional_id;
        let value = match value {
            None => None,
            Some(bytes) => {
                let mut r = Reader::new(Bytes::copy_from_slice(bytes));
                let version = r.i16()?;
                Some(TransactionLogValue::decode(&mut r, version.clamp(0, 1))?)
            }
        };
        Ok(Some(TxnRecord { transactional_id, value }))
    }
}
