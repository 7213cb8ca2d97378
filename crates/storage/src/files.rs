//! A bounded set of open segment files, shared by every partition of a broker,
//! so that thousands of partitions work under default file-descriptor limits.
//!
//! Least recently used files are closed when the set is full. Closing is safe
//! at any time: a reader or a flush that obtained a file holds its own
//! `Arc<File>` until done, and an fdatasync through a later handle of the same
//! file still writes back every dirty page of that file.

use std::collections::{BTreeMap, HashMap};
use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::error::{io, StorageError};

#[derive(Debug, Default)]
struct Lru {
    files: HashMap<PathBuf, (Arc<File>, u64)>,
    by_use: BTreeMap<u64, PathBuf>,
    clock: u64,
}

/// The open segment files of a broker, at most `capacity` of them.
#[derive(Debug)]
pub struct OpenFiles {
    capacity: usize,
    lru: Mutex<Lru>,
}

impl OpenFiles {
    /// A set that keeps at most `capacity` files open (at least 1).
    pub fn new(capacity: usize) -> Arc<OpenFiles> {
        Arc::new(OpenFiles { capacity: capacity.max(1), lru: Mutex::new(Lru::default()) })
    }

    /// The open file at `path` (read, append), opening it if needed. The file must exist.
    pub fn get(&self, path: &Path) -> Result<Arc<File>, StorageError> {
        let mut lru = self.lru.lock().unwrap_or_else(|p| p.into_inner());
        lru.clock += 1;
        let now = lru.clock;
        if let Some((file, used)) = lru.files.get_mut(path) {
            let (file, old) = (file.clone(), std::mem::replace(used, now));
            lru.by_use.remove(&old);
            lru.by_use.insert(now, path.to_path_buf());
            return Ok(file);
        }
        let file = Arc::new(OpenOptions::new().read(true).append(true).open(path).map_err(io("open", path))?);
        lru.files.insert(path.to_path_buf(), (file.clone(), now));
        lru.by_use.insert(now, path.to_path_buf());
        while lru.files.len() > self.capacity {
            let Some((_, oldest)) = lru.by_use.pop_first() else { break };
            lru.files.remove(&oldest);
        }
        Ok(file)
    }

    /// Closes the file at `path` if open (before it is deleted).
    pub fn forget(&self, path: &Path) {
        let mut lru = self.lru.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((_, used)) = lru.files.remove(path) {
            lru.by_use.remove(&used);
        }
    }

    /// Closes every open file under `dir` (before the directory is deleted:
    /// a file later created at the same path must not reach the old inode).
    pub fn forget_under(&self, dir: &Path) {
        let mut lru = self.lru.lock().unwrap_or_else(|p| p.into_inner());
        let gone: Vec<(PathBuf, u64)> = lru
            .files
            .iter()
            .filter(|(path, _)| path.starts_with(dir))
            .map(|(p, (_, used))| (p.clone(), *used))
            .collect();
        for (path, used) in gone {
            lru.files.remove(&path);
            lru.by_use.remove(&used);
        }
    }

    /// How many files are open in the set.
    pub fn open_count(&self) -> usize {
        self.lru.lock().unwrap_or_else(|p| p.into_inner()).files.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn least_recently_used_files_close_first() {
        let dir = tempfile::tempdir().unwrap();
        let files = OpenFiles::new(2);
        let paths: Vec<PathBuf> = (0..3).map(|i| dir.path().join(format!("{i}"))).collect();
        for p in &paths {
            File::create(p).unwrap();
        }
        let a = files.get(&paths[0]).unwrap();
        files.get(&paths[1]).unwrap();
        files.get(&paths[0]).unwrap(); // 0 is now the most recent
        files.get(&paths[2]).unwrap(); // evicts 1
        assert_eq!(files.open_count(), 2);
        let lru = files.lru.lock().unwrap();
        assert!(lru.files.contains_key(&paths[0]) && lru.files.contains_key(&paths[2]));
        drop(lru);
        assert!(Arc::strong_count(&a) >= 2, "a holder keeps its handle");
        assert!(files.get(&dir.path().join("absent")).is_err(), "never creates files");
        files.forget_under(dir.path());
        assert_eq!(files.open_count(), 0, "a deleted directory's files are closed");
    }
}
