//! strata-interop: test support for checking strata against real Kafka
//! clients. It finds the clients the test command installs (kafka-python and
//! confluent-kafka in `target/venv`, kcat from Debian) and runs them; the
//! [`capture`] module is a minimal broker that records what producers send.
//!
//! Nothing here ships: it exists for the tests in `tests/`.

pub mod capture;

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The workspace root.
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The Python of the test virtual environment (`STRATA_PYTHON` overrides).
/// Panics with the set-up command when it is missing: these tests do not skip.
pub fn python() -> PathBuf {
    let path = std::env::var_os("STRATA_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target/venv/bin/python"));
    assert!(
        path.exists(),
        "{} is missing: run `scripts/test.sh` once (it installs kafka-python, confluent-kafka and kcat)",
        path.display()
    );
    path
}

/// The path of a Python script of this crate.
pub fn script(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("python").join(name)
}

/// Runs `program args`, feeding `stdin`, and returns its stdout. Panics with
/// its stderr if it fails or outlives `timeout`.
pub fn run(program: &std::path::Path, args: &[&str], stdin: &[u8], timeout: Duration) -> Vec<u8> {
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", program.display()));
    let mut input = child.stdin.take().expect("piped stdin");
    let data = stdin.to_vec();
    let feeder = std::thread::spawn(move || {
        let _ = input.write_all(&data);
    });
    let stdout = drain(child.stdout.take().expect("piped stdout"));
    let stderr = drain(child.stderr.take().expect("piped stderr"));
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if start.elapsed() > timeout {
            let _ = child.kill();
            panic!("{} {args:?} took longer than {timeout:?}", program.display());
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let _ = feeder.join();
    let stdout = stdout.join().expect("stdout reader");
    let stderr = stderr.join().expect("stderr reader");
    assert!(status.success(), "{} {args:?} failed: {}", program.display(), String::from_utf8_lossy(&stderr));
    stdout
}

/// Reads all of `r` on a thread, so a chatty child never blocks on a full pipe.
fn drain(mut r: impl Read + Send + 'static) -> std::thread::JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = r.read_to_end(&mut buf);
        buf
    })
}

/// Decodes lowercase or uppercase hex.
pub fn from_hex(s: &str) -> Vec<u8> {
    let digit = |c: u8| match c {
        b'0'..=b'9' => c - b'0',
        b'a'..=b'f' => c - b'a' + 10,
        b'A'..=b'F' => c - b'A' + 10,
        _ => panic!("not hex: {c}"),
    };
    s.as_bytes().chunks(2).map(|p| digit(p[0]) << 4 | digit(p[1])).collect()
}

/// Encodes as lowercase hex.
pub fn to_hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}
