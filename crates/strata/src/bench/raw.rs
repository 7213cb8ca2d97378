//! The references the broker is measured against, on the same machine in
//! the same run: the bytes of `count` records of `record-size`, copied
//! from a TCP socket into a file (what produce must at least do), and sent
//! from a file to a TCP socket with sendfile(2) (what consume must at least
//! do). Plain blocking threads and syscalls: nothing of strata is involved.

use std::fs::File;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;

use super::report::{histogram, Report};
use super::Outputs;

#[derive(Debug, clap::Args)]
pub(crate) struct RawArgs {
    /// Bytes per record.
    #[arg(long, default_value_t = 1024)]
    record_size: usize,
    /// Records in all.
    #[arg(long, default_value_t = 1_000_000)]
    count: u64,
    /// Bytes per write(2) or sendfile(2) call.
    #[arg(long, default_value_t = 1024 * 1024)]
    chunk_size: usize,
    /// Directory for the scratch file (removed afterwards).
    #[arg(long, default_value = ".")]
    dir: PathBuf,
    #[command(flatten)]
    pub(crate) outputs: Outputs,
}

impl RawArgs {
    fn total(&self) -> Result<u64, String> {
        if self.record_size == 0 || self.chunk_size == 0 || self.count == 0 {
            return Err("--record-size, --count and --chunk-size must be positive".into());
        }
        Ok(self.count * self.record_size as u64)
    }

    fn scratch(&self) -> PathBuf {
        self.dir.join(format!("strata-bench-reference-{}.tmp", std::process::id()))
    }

    fn report(
        &self,
        name: &'static str,
        elapsed: Duration,
        latency: Histogram<u64>,
        latency_of: &'static str,
    ) -> Report {
        Report { name, records: self.count, bytes: self.count * self.record_size as u64, elapsed, latency, latency_of }
    }
}

/// Removes the scratch file however the run ends.
struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn io(what: &str) -> impl Fn(std::io::Error) -> String + '_ {
    move |e| format!("{what}: {e}")
}

/// A client thread writes the bytes to a socket; the server thread copies
/// them into a file. Timed until the last byte is in the file.
pub(crate) async fn tcp_to_file(args: &RawArgs) -> Result<Report, String> {
    let total = args.total()?;
    let scratch = Scratch(args.scratch());
    let (path, chunk) = (scratch.0.clone(), args.chunk_size);
    let (elapsed, latency) =
        tokio::task::spawn_blocking(move || copy_to_file(&path, total, chunk)).await.map_err(|e| e.to_string())??;
    drop(scratch);
    Ok(args.report("tcp-to-file", elapsed, latency, "write(2) per chunk"))
}

fn copy_to_file(path: &Path, total: u64, chunk: usize) -> Result<(Duration, Histogram<u64>), String> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(io("bind"))?;
    let address = listener.local_addr().map_err(io("bind"))?;
    let mut file = File::create(path).map_err(io("scratch file"))?;
    let server = std::thread::spawn(move || -> Result<u64, String> {
        let (mut socket, _) = listener.accept().map_err(io("accept"))?;
        let mut buf = vec![0u8; chunk.max(64 * 1024)];
        let mut copied = 0;
        loop {
            let n = socket.read(&mut buf).map_err(io("read"))?;
            if n == 0 {
                return Ok(copied);
            }
            file.write_all(&buf[..n]).map_err(io("write"))?;
            copied += n as u64;
        }
    });
    let data = super::payload_pool(chunk.saturating_sub(4096).max(1));
    let mut latency = histogram();
    let start = Instant::now();
    let mut socket = TcpStream::connect(address).map_err(io("connect"))?;
    let mut left = total;
    while left > 0 {
        let n = left.min(chunk as u64).min(data.len() as u64) as usize;
        let t0 = Instant::now();
        socket.write_all(&data[..n]).map_err(io("send"))?;
        latency.saturating_record(t0.elapsed().as_micros() as u64);
        left -= n as u64;
    }
    drop(socket);
    let copied = server.join().map_err(|_| "the server thread panicked".to_string())??;
    let elapsed = start.elapsed();
    if copied != total {
        return Err(format!("copied {copied} of {total} bytes"));
    }
    Ok((elapsed, latency))
}

/// The bytes are written to a file first (not timed); then the server
/// thread sends the file with sendfile(2) and a client thread reads it.
/// Timed until the client has the last byte.
pub(crate) async fn sendfile(args: &RawArgs) -> Result<Report, String> {
    let total = args.total()?;
    let scratch = Scratch(args.scratch());
    let (path, chunk) = (scratch.0.clone(), args.chunk_size);
    let (elapsed, latency) =
        tokio::task::spawn_blocking(move || send_file(&path, total, chunk)).await.map_err(|e| e.to_string())??;
    drop(scratch);
    Ok(args.report("sendfile", elapsed, latency, "sendfile(2) per chunk"))
}

fn send_file(path: &Path, total: u64, chunk: usize) -> Result<(Duration, Histogram<u64>), String> {
    let data = super::payload_pool(1024 * 1024);
    let mut file = File::create(path).map_err(io("scratch file"))?;
    let mut left = total;
    while left > 0 {
        let n = left.min(1024 * 1024) as usize;
        file.write_all(&data[..n]).map_err(io("scratch file"))?;
        left -= n as u64;
    }
    drop(file);
    let file = File::open(path).map_err(io("scratch file"))?;
    let listener = TcpListener::bind("127.0.0.1:0").map_err(io("bind"))?;
    let address = listener.local_addr().map_err(io("bind"))?;
    let client = std::thread::spawn(move || -> Result<u64, String> {
        let mut socket = TcpStream::connect(address).map_err(io("connect"))?;
        let mut buf = vec![0u8; 1024 * 1024];
        let mut got = 0;
        while got < total {
            let n = socket.read(&mut buf).map_err(io("read"))?;
            if n == 0 {
                break;
            }
            got += n as u64;
        }
        Ok(got)
    });
    let (socket, _) = listener.accept().map_err(io("accept"))?;
    let mut latency = histogram();
    let start = Instant::now();
    let mut offset: libc::off_t = 0;
    while (offset as u64) < total {
        let n = (total - offset as u64).min(chunk as u64) as usize;
        let t0 = Instant::now();
        // SAFETY: both descriptors are open for the duration of the call and
        // `offset` is a valid, exclusively borrowed off_t.
        let sent = unsafe { libc::sendfile(socket.as_raw_fd(), file.as_raw_fd(), &mut offset, n) };
        if sent <= 0 {
            return Err(format!("sendfile: {}", std::io::Error::last_os_error()));
        }
        latency.saturating_record(t0.elapsed().as_micros() as u64);
    }
    let got = client.join().map_err(|_| "the client thread panicked".to_string())??;
    let elapsed = start.elapsed();
    if got != total {
        return Err(format!("received {got} of {total} bytes"));
    }
    Ok((elapsed, latency))
}
