//! The local metadata log: the cluster's metadata records in a partition log
//! of their own (`<data>/__cluster_metadata-0`), one record batch per change,
//! fsynced before the change is acknowledged, and replayed into the image at
//! start. The cluster issue replaces this with a Raft-replicated log of the
//! same records.

use std::path::Path;
use std::sync::Arc;

use bytes::Bytes;
use strata_metadata::{MetadataImage, MetadataRecord};
use strata_records::{BatchBuilder, Batches, Compression, RecordBatch};
use strata_storage::{AppendOptions, Log, LogConfig, OpenFiles};

use crate::error::BrokerError;
use crate::time::now_ms;

/// The directory of the metadata log within the data directory.
pub(crate) const METADATA_DIR: &str = "__cluster_metadata-0";

/// The metadata log and the image as of its end.
#[derive(Debug)]
pub(crate) struct MetadataLog {
    log: Log,
}

impl MetadataLog {
    /// Opens the log and replays it into an image.
    pub(crate) fn open(data_dir: &Path, files: Arc<OpenFiles>) -> Result<(MetadataLog, MetadataImage), BrokerError> {
        let config = LogConfig { retention_ms: -1, ..LogConfig::default() };
        let log = Log::open(&data_dir.join(METADATA_DIR), config, now_ms(), files)?;
        let mut image = MetadataImage::default();
        for_each_batch(&log, "the metadata log", |batch| {
            let records = decode_batch(batch)?;
            image = image.apply(&records).map_err(|e| BrokerError::Startup(format!("metadata log: {e}")))?;
            Ok(())
        })?;
        Ok((MetadataLog { log }, image))
    }

    /// Appends one change (its records as one batch) and waits until it is durable.
    pub(crate) fn append(&self, records: &[MetadataRecord]) -> Result<(), BrokerError> {
        let mut builder = BatchBuilder::new(Compression::None);
        let now = now_ms();
        for r in records {
            builder.push(now, None, Some(&r.encode()), &[]);
        }
        let info = self.log.append(&builder.build(), AppendOptions { leader_epoch: 0, now_ms: now })?;
        self.log.flush_to(info.last_offset + 1)?;
        Ok(())
    }

    /// Flushes and closes the log.
    pub(crate) fn close(self) -> Result<(), BrokerError> {
        self.log.flush()?;
        Ok(self.log.close()?)
    }
}

/// Reads every batch of `log` from its start to its end, in order (replay at
/// start); `what` names the log in errors.
pub(crate) fn for_each_batch(
    log: &Log,
    what: &str,
    mut f: impl FnMut(&RecordBatch) -> Result<(), BrokerError>,
) -> Result<(), BrokerError> {
    let mut offset = log.log_start_offset();
    while offset < log.log_end_offset() {
        let read = log.read(offset, 1 << 20, i64::MAX, true)?;
        let Some(region) = read.region else { break };
        let bytes = region.read().map_err(|e| BrokerError::Startup(format!("reading {what}: {e}")))?;
        for batch in Batches::new(bytes) {
            let batch = batch.map_err(|e| BrokerError::Startup(format!("{what}: {e}")))?;
            f(&batch)?;
            offset = batch.header.last_offset() + 1;
        }
    }
    Ok(())
}

fn decode_batch(batch: &RecordBatch) -> Result<Vec<MetadataRecord>, BrokerError> {
    let corrupt = |e: String| BrokerError::Startup(format!("metadata log: {e}"));
    let data = batch.records_data(64 << 20).map_err(|e| corrupt(e.to_string()))?;
    let mut records = Vec::new();
    for record in batch.records(&data) {
        let record = record.map_err(|e| corrupt(e.to_string()))?;
        let value = record.value.ok_or_else(|| corrupt("a record without a value".into()))?;
        records.push(MetadataRecord::decode(Bytes::copy_from_slice(value)).map_err(|e| corrupt(e.to_string()))?);
    }
    Ok(records)
}
