//! strata-storage: the partition log.
//!
//! A partition is a directory of segments (`<base>.log`, `.index`,
//! `.timeindex`) plus small state files (`partition.state`,
//! `leader-epoch-checkpoint`). Record batches are appended as the producer
//! sent them, with only their base offset, leader epoch and (for
//! LogAppendTime topics) timestamp patched in the header; they are read back
//! as file regions that a fetch can send with sendfile. FORMAT.md documents
//! every byte on disk.
//!
//! Layer L1: no sockets, no async runtime; time comes in as arguments.

pub mod checkpoint;
pub mod cleaner;
pub mod config;
pub mod epoch;
mod error;
pub mod files;
pub mod index;
pub mod log;
pub mod producers;
pub mod segment;
pub mod txn_index;
pub mod verification;

pub use cleaner::CleanStats;
pub use config::{CleanupPolicy, LogConfig};
pub use error::StorageError;
pub use files::OpenFiles;
pub use log::{AppendInfo, AppendOptions, FileRegion, Log, ReadResult};
pub use producers::{ProducerEntry, ProducerError};
pub use txn_index::AbortedTxn;
pub use verification::{TxnVerification, VerificationGuard};
