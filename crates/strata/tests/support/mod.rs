//! Test support: the real `strata` binary as a child process, and the
//! Python scripts that drive it with real Kafka clients.
#![allow(dead_code, unreachable_pub)]

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// A broker process on a free port with its own data directory.
pub struct Broker {
    child: Option<Child>,
    pub port: u16,
    pub dir: PathBuf,
    args: Vec<String>,
    _tmp: Option<tempfile::TempDir>,
    pub log: PathBuf,
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

impl Broker {
    /// Starts a broker with extra `strata server` arguments.
    pub fn start(args: &[&str]) -> Broker {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("data");
        let mut b = Broker::start_in(&dir, args);
        b._tmp = Some(tmp);
        b
    }

    /// Starts a broker on `dir`.
    pub fn start_in(dir: &Path, args: &[&str]) -> Broker {
        let log = dir.with_extension("log");
        let mut b = Broker {
            child: None,
            port: free_port(),
            dir: dir.to_path_buf(),
            args: args.iter().map(|s| s.to_string()).collect(),
            _tmp: None,
            log,
        };
        b.spawn();
        b
    }

    fn spawn(&mut self) {
        let log = std::fs::OpenOptions::new().create(true).append(true).open(&self.log).unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_strata"))
            .arg("server")
            .arg("--listen")
            .arg(self.addr())
            .arg("--data-dir")
            .arg(&self.dir)
            .args(&self.args)
            .env("RUST_LOG", "info")
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("the strata binary starts");
        self.child = Some(child);
        self.wait_ready();
    }

    fn wait_ready(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(self.addr()).is_err() {
            if let Some(status) = self.child.as_mut().unwrap().try_wait().unwrap() {
                panic!("strata exited with {status} before listening:\n{}", self.log_text());
            }
            assert!(Instant::now() < deadline, "strata did not listen within 20 s:\n{}", self.log_text());
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// host:port.
    pub fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// The broker's log so far.
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// The process id.
    pub fn pid(&self) -> i32 {
        self.child.as_ref().map(|c| c.id() as i32).unwrap_or(-1)
    }

    /// SIGKILL, and wait for the process to be gone.
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// SIGTERM, and wait (at most `timeout`) for the exit status.
    pub fn terminate(&mut self, timeout: Duration) -> ExitStatus {
        let mut c = self.child.take().expect("running");
        // SAFETY: sending a signal to our own child process.
        unsafe { libc::kill(c.id() as i32, libc::SIGTERM) };
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = c.try_wait().unwrap() {
                return status;
            }
            if Instant::now() > deadline {
                let _ = c.kill();
                panic!("strata did not exit within {timeout:?} of SIGTERM:\n{}", self.log_text());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Starts the broker again on the same directory and port.
    pub fn restart(&mut self) {
        self.kill();
        self.spawn();
    }

    /// True while the process runs.
    pub fn alive(&mut self) -> bool {
        self.child.as_mut().is_some_and(|c| c.try_wait().unwrap().is_none())
    }
}

impl Drop for Broker {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A Python script of these tests.
pub fn script(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/python").join(name)
}

/// Runs a test script against `broker` with extra arguments; panics (with
/// the script's output and the broker's log) unless it exits 0 in time.
pub fn run_script(broker: &Broker, name: &str, args: &[&str], timeout: Duration) -> String {
    let mut all = vec![script(name).display().to_string(), broker.addr()];
    all.extend(args.iter().map(|s| s.to_string()));
    run_checked(&strata_interop::python(), &all, timeout, broker)
}

/// Runs a program; panics with its output and the broker's log on failure.
pub fn run_checked(program: &Path, args: &[String], timeout: Duration, broker: &Broker) -> String {
    let mut child = Command::new(program)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{}: {e}", program.display()));
    let deadline = Instant::now() + timeout;
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break Some(s);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr);
    match status {
        Some(s) if s.success() => stdout,
        other => panic!(
            "{} {:?} {}:\n--- stdout\n{stdout}\n--- stderr\n{stderr}\n--- broker log\n{}",
            program.display(),
            args,
            other.map_or("timed out".to_string(), |s| s.to_string()),
            broker.log_text()
        ),
    }
}
