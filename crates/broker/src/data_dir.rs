//! The data directory: its lock, and `meta.properties`, which names the
//! cluster and node the data belongs to.
//!
//! ```text
//! <data>/.lock                 flock()ed while a broker runs on the directory
//! <data>/meta.properties       version=1, cluster.id=<id>, node.id=<n> (Kafka's format)
//! <data>/__cluster_metadata-0  the metadata log and quorum-state (strata-quorum)
//! <data>/<topic>-<partition>   partition logs (strata-storage FORMAT.md)
//! ```

use std::fs::File;
use std::os::fd::AsRawFd;
use std::path::Path;

use crate::error::BrokerError;

/// The held lock on a data directory; released when dropped (or the process dies).
#[derive(Debug)]
pub(crate) struct DirLock(#[allow(dead_code)] File);

/// Creates the data directory if needed and locks it, so that two brokers
/// never share one.
pub(crate) fn lock(dir: &Path) -> Result<DirLock, BrokerError> {
    let fail = |what: &str, e: std::io::Error| BrokerError::Startup(format!("{what} {}: {e}", dir.display()));
    std::fs::create_dir_all(dir).map_err(|e| fail("cannot create the data directory", e))?;
    let file = File::create(dir.join(".lock")).map_err(|e| fail("cannot create the lock file in", e))?;
    // SAFETY: flock on a file descriptor this function owns; no memory is passed.
    let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
    if rc != 0 {
        return Err(fail("another broker is using the data directory", std::io::Error::last_os_error()));
    }
    Ok(DirLock(file))
}

/// Reads meta.properties, or writes it on first start with the cluster id
/// `new_id` gives. Returns the cluster id. A node.id that differs from the
/// configured one is an error: the data belongs to another broker.
pub(crate) fn cluster_id(
    dir: &Path,
    node_id: i32,
    new_id: impl FnOnce() -> Result<String, BrokerError>,
) -> Result<String, BrokerError> {
    let path = dir.join("meta.properties");
    match std::fs::read_to_string(&path) {
        Ok(text) => {
            let get = |key: &str| {
                text.lines().find_map(|l| l.strip_prefix(key).and_then(|r| r.strip_prefix('='))).map(str::trim)
            };
            let cluster =
                get("cluster.id").ok_or_else(|| BrokerError::Startup(format!("{}: no cluster.id", path.display())))?;
            if let Some(stored) = get("node.id").filter(|n| *n != node_id.to_string()) {
                return Err(BrokerError::Startup(format!(
                    "{} belongs to node.id {stored}, but this broker is node.id {node_id}",
                    path.display()
                )));
            }
            Ok(cluster.to_string())
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let cluster = new_id()?;
            let text = format!("version=1\ncluster.id={cluster}\nnode.id={node_id}\n");
            let tmp = path.with_extension("tmp");
            std::fs::write(&tmp, text)
                .and_then(|()| File::open(&tmp)?.sync_all())
                .and_then(|()| std::fs::rename(&tmp, &path))
                .map_err(|e| BrokerError::Startup(format!("{}: {e}", path.display())))?;
            Ok(cluster)
        }
        Err(e) => Err(BrokerError::Startup(format!("{}: {e}", path.display()))),
    }
}

/// A new cluster's id: `cluster.id` when set; for a quorum of several
/// controllers, one derived from their list, so that every node of the
/// cluster names it alike without being told; alone, a random one.
pub(crate) fn new_cluster_id(configured: Option<&str>, voters: &str, alone: bool) -> Result<String, BrokerError> {
    if let Some(id) = configured {
        return Ok(id.to_string());
    }
    if alone {
        return Ok(base64_url(&random_bytes::<16>()?));
    }
    // Two 64-bit FNV-1a hashes of the voters, one of them salted: a stable
    // function (std's hasher may change between Rust releases).
    let fnv = |salt: u8| {
        std::iter::once(salt)
            .chain(voters.bytes())
            .fold(0xcbf2_9ce4_8422_2325_u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
    };
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&fnv(0).to_be_bytes());
    bytes[8..].copy_from_slice(&fnv(1).to_be_bytes());
    Ok(base64_url(&bytes))
}

/// Random bytes from the kernel.
pub(crate) fn random_bytes<const N: usize>() -> Result<[u8; N], BrokerError> {
    use std::io::Read;
    let mut out = [0u8; N];
    File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut out))
        .map_err(|e| BrokerError::Startup(format!("/dev/urandom: {e}")))?;
    Ok(out)
}

/// URL-safe base64 without padding, as Kafka prints cluster and topic ids.
pub(crate) fn base64_url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::with_capacity(bytes.len() * 4 / 3 + 2);
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (i, b)| n | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..=chunk.len() {
            out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_kafka_ids() {
        assert_eq!(base64_url(&[0; 16]), "AAAAAAAAAAAAAAAAAAAAAA");
        assert_eq!(base64_url(b"foobar"), "Zm9vYmFy");
        assert_eq!(base64_url(b"fo"), "Zm8");
        assert_eq!(base64_url(&[0xfb, 0xff]), "-_8");
    }

    #[test]
    fn meta_properties_keep_the_cluster_and_node() {
        let dir = tempfile::tempdir().unwrap();
        let _lock = lock(dir.path()).unwrap();
        assert!(lock(dir.path()).is_err(), "a second broker cannot take the directory");
        let new = || new_cluster_id(None, "", true);
        let id = cluster_id(dir.path(), 1, new).unwrap();
        assert_eq!(cluster_id(dir.path(), 1, new).unwrap(), id);
        assert!(cluster_id(dir.path(), 2, new).is_err());
    }

    #[test]
    fn nodes_of_one_quorum_derive_one_cluster_id() {
        let voters = "1@h:1,2@h:2";
        let a = new_cluster_id(None, voters, false).unwrap();
        assert_eq!(a, new_cluster_id(None, voters, false).unwrap());
        assert_ne!(a, new_cluster_id(None, "1@h:1,2@h:3", false).unwrap());
        assert_eq!(a.len(), 22);
        assert_eq!(new_cluster_id(Some("given"), voters, false).unwrap(), "given");
    }
}
