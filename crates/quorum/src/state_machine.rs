//! openraft's state machine: the [`MetadataImage`] built from the committed
//! entries, published to the broker after each apply, and snapshots of it.
//!
//! A snapshot is a file `<index>-<term>.checkpoint` (both zero-padded, as
//! Kafka names its metadata snapshots) in the metadata log's directory:
//!
//! ```text
//! meta length   u32 big-endian
//! meta          postcard: the last log id, membership and snapshot id
//! data          record batches of the metadata records that build the image
//!               from nothing (MetadataImage::to_records), CRC-checked on read
//! ```
//!
//! It is written aside and renamed, so a crash leaves the previous snapshot
//! whole; only the newest is kept. The data part alone is what travels to a
//! follower that is too far behind for the log.

use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use openraft::storage::{RaftStateMachine, Snapshot};
use openraft::{
    AnyError, BasicNode, EntryPayload, LogId, RaftSnapshotBuilder, SnapshotMeta, StorageError, StorageIOError,
    StoredMembership,
};
use strata_metadata::{MetadataImage, MetadataRecord};
use strata_records::{BatchBuilder, Batches, Compression};
use tokio::sync::watch;

use crate::{Applied, Entry, Outcome, TypeConfig};

type Result<T> = std::result::Result<T, StorageError<u64>>;
type Meta = SnapshotMeta<u64, BasicNode>;

const SUFFIX: &str = ".checkpoint";
const RECORDS_PER_BATCH: usize = 1000;

fn sm_err(e: impl ToString) -> StorageError<u64> {
    StorageIOError::write_state_machine(AnyError::error(e.to_string())).into()
}

fn snap_err(e: impl ToString) -> StorageError<u64> {
    StorageIOError::read_snapshot(None, AnyError::error(e.to_string())).into()
}

/// The image, where it stands, and the newest snapshot.
#[derive(Debug)]
struct State {
    image: Arc<MetadataImage>,
    last_applied: Option<LogId<u64>>,
    membership: StoredMembership<u64, BasicNode>,
}

/// The state machine; the snapshot builder shares its directory and snapshot slot.
#[derive(Debug)]
pub(crate) struct StateMachine {
    dir: PathBuf,
    state: State,
    snapshot: Arc<Mutex<Option<(Meta, Bytes)>>>,
    published: watch::Sender<Arc<Applied>>,
}

impl StateMachine {
    /// Loads the newest snapshot in `dir`, if any, as the starting image.
    pub(crate) fn open(dir: &Path) -> std::result::Result<(StateMachine, watch::Receiver<Arc<Applied>>), String> {
        let snapshot = load_newest(dir)?;
        let (image, last_applied, membership) = match &snapshot {
            Some((meta, data)) => (decode_image(data)?, meta.last_log_id, meta.last_membership.clone()),
            None => (MetadataImage::default(), None, StoredMembership::default()),
        };
        let image = Arc::new(image);
        let (published, rx) =
            watch::channel(Arc::new(Applied { image: image.clone(), index: last_applied.map(|l| l.index) }));
        let state = State { image, last_applied, membership };
        Ok((StateMachine { dir: dir.to_path_buf(), state, snapshot: Arc::new(Mutex::new(snapshot)), published }, rx))
    }

    fn publish(&self) {
        let applied = Applied { image: self.state.image.clone(), index: self.state.last_applied.map(|l| l.index) };
        self.published.send_replace(Arc::new(applied));
    }
}

/// Builds a snapshot of the state as it was when the builder was made.
#[derive(Debug)]
pub(crate) struct Builder {
    dir: PathBuf,
    image: Arc<MetadataImage>,
    last_applied: Option<LogId<u64>>,
    membership: StoredMembership<u64, BasicNode>,
    slot: Arc<Mutex<Option<(Meta, Bytes)>>>,
}

impl RaftSnapshotBuilder<TypeConfig> for Builder {
    async fn build_snapshot(&mut self) -> Result<Snapshot<TypeConfig>> {
        let data = encode_image(&self.image);
        let id = self.last_applied.map_or("empty".to_string(), |l| format!("{}-{}", l.index, l.leader_id.term));
        let meta = Meta { last_log_id: self.last_applied, last_membership: self.membership.clone(), snapshot_id: id };
        let (dir, m, d) = (self.dir.clone(), meta.clone(), data.clone());
        tokio::task::spawn_blocking(move || store(&dir, &m, &d)).await.map_err(sm_err)?.map_err(sm_err)?;
        *self.slot.lock().unwrap_or_else(|p| p.into_inner()) = Some((meta.clone(), data.clone()));
        Ok(Snapshot { meta, snapshot: Box::new(Cursor::new(data.to_vec())) })
    }
}

impl RaftStateMachine<TypeConfig> for StateMachine {
    type SnapshotBuilder = Builder;

    async fn applied_state(&mut self) -> Result<(Option<LogId<u64>>, StoredMembership<u64, BasicNode>)> {
        Ok((self.state.last_applied, self.state.membership.clone()))
    }

    async fn apply<I>(&mut self, entries: I) -> Result<Vec<Outcome>>
    where
        I: IntoIterator<Item = Entry> + Send,
        I::IntoIter: Send,
    {
        let mut outcomes = Vec::new();
        for entry in entries {
            self.state.last_applied = Some(entry.log_id);
            let outcome = match entry.payload {
                EntryPayload::Blank => Outcome(None),
                EntryPayload::Membership(m) => {
                    self.state.membership = StoredMembership::new(Some(entry.log_id), m);
                    Outcome(None)
                }
                EntryPayload::Normal(change) => match self.state.image.apply(&change.0) {
                    Ok(next) => {
                        self.state.image = Arc::new(next);
                        Outcome(None)
                    }
                    Err(e) => {
                        // Every replica refuses the same entry the same way, so
                        // the images stay equal; the proposer gets the reason.
                        tracing::error!(index = entry.log_id.index, error = %e, "a metadata change did not apply");
                        Outcome(Some(e.to_string()))
                    }
                },
            };
            outcomes.push(outcome);
        }
        self.publish();
        Ok(outcomes)
    }

    async fn get_snapshot_builder(&mut self) -> Builder {
        Builder {
            dir: self.dir.clone(),
            image: self.state.image.clone(),
            last_applied: self.state.last_applied,
            membership: self.state.membership.clone(),
            slot: self.snapshot.clone(),
        }
    }

    async fn begin_receiving_snapshot(&mut self) -> Result<Box<Cursor<Vec<u8>>>> {
        Ok(Box::new(Cursor::new(Vec::new())))
    }

    async fn install_snapshot(&mut self, meta: &Meta, snapshot: Box<Cursor<Vec<u8>>>) -> Result<()> {
        let data = Bytes::from(snapshot.into_inner());
        let image = decode_image(&data).map_err(snap_err)?;
        let (dir, m, d) = (self.dir.clone(), meta.clone(), data.clone());
        tokio::task::spawn_blocking(move || store(&dir, &m, &d)).await.map_err(sm_err)?.map_err(sm_err)?;
        self.state =
            State { image: Arc::new(image), last_applied: meta.last_log_id, membership: meta.last_membership.clone() };
        *self.snapshot.lock().unwrap_or_else(|p| p.into_inner()) = Some((meta.clone(), data));
        self.publish();
        Ok(())
    }

    async fn get_current_snapshot(&mut self) -> Result<Option<Snapshot<TypeConfig>>> {
        let current = self.snapshot.lock().unwrap_or_else(|p| p.into_inner()).clone();
        Ok(current.map(|(meta, data)| Snapshot { meta, snapshot: Box::new(Cursor::new(data.to_vec())) }))
    }
}

/// The image's records as record batches.
fn encode_image(image: &MetadataImage) -> Bytes {
    let mut out = Vec::new();
    for chunk in image.to_records().chunks(RECORDS_PER_BATCH) {
        let mut builder = BatchBuilder::new(Compression::None);
        for record in chunk {
            builder.push(0, None, Some(&record.encode()), &[]);
        }
        out.extend_from_slice(&builder.build());
    }
    Bytes::from(out)
}

/// The image that snapshot data builds.
fn decode_image(data: &Bytes) -> std::result::Result<MetadataImage, String> {
    let mut records = Vec::new();
    for batch in Batches::new(data.clone()) {
        let batch = batch.map_err(|e| format!("snapshot: {e}"))?;
        let body = batch.records_data(64 << 20).map_err(|e| format!("snapshot: {e}"))?;
        for record in batch.records(&body) {
            let record = record.map_err(|e| format!("snapshot: {e}"))?;
            let value = record.value.ok_or("snapshot: a record without a value")?;
            records.push(MetadataRecord::decode(Bytes::copy_from_slice(value)).map_err(|e| format!("snapshot: {e}"))?);
        }
    }
    MetadataImage::default().apply(&records).map_err(|e| format!("snapshot: {e}"))
}

fn file_name(meta: &Meta) -> String {
    let (index, term) = meta.last_log_id.map_or((0, 0), |l| (l.index, l.leader_id.term));
    format!("{index:020}-{term:010}{SUFFIX}")
}

/// Writes the snapshot file and removes older ones.
fn store(dir: &Path, meta: &Meta, data: &[u8]) -> std::io::Result<()> {
    let meta_bytes = postcard::to_stdvec(meta).map_err(std::io::Error::other)?;
    let mut bytes = Vec::with_capacity(4 + meta_bytes.len() + data.len());
    bytes.extend_from_slice(&(meta_bytes.len() as u32).to_be_bytes());
    bytes.extend_from_slice(&meta_bytes);
    bytes.extend_from_slice(data);
    let name = file_name(meta);
    crate::write_atomically(dir, &name, &bytes)?;
    for old in checkpoints(dir)?.into_iter().filter(|n| *n != name) {
        std::fs::remove_file(dir.join(old))?;
    }
    Ok(())
}

fn checkpoints(dir: &Path) -> std::io::Result<Vec<String>> {
    let mut names = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let name = entry?.file_name().to_string_lossy().into_owned();
        if name.ends_with(SUFFIX) {
            names.push(name);
        }
    }
    names.sort();
    Ok(names)
}

/// The newest snapshot in `dir` (names sort by index).
fn load_newest(dir: &Path) -> std::result::Result<Option<(Meta, Bytes)>, String> {
    let Some(name) = checkpoints(dir).map_err(|e| e.to_string())?.pop() else { return Ok(None) };
    let bytes = Bytes::from(std::fs::read(dir.join(&name)).map_err(|e| format!("{name}: {e}"))?);
    let bad = |what: &str| format!("{name}: {what}");
    let len = bytes.get(..4).ok_or_else(|| bad("truncated"))?;
    let len = u32::from_be_bytes(len.try_into().expect("four bytes")) as usize;
    if bytes.len() - 4 < len {
        return Err(bad("truncated meta"));
    }
    let meta: Meta = postcard::from_bytes(&bytes[4..4 + len]).map_err(|e| bad(&e.to_string()))?;
    Ok(Some((meta, bytes.slice(4 + len..))))
}
