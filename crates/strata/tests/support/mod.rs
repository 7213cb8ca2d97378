//! Test support: the real `strata` binary as a child process, and the
//! Python scripts that drive it with real Kafka clients.
#![allow(dead_code, unreachable_pub)]

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

pub mod txn;

/// A broker process on a free port with its own data directory.
pub struct Broker {
    child: Option<Child>,
    pub port: u16,
    pub dir: PathBuf,
    args: Vec<String>,
    env: Vec<(String, String)>,
    file_size_limit: Option<u64>,
    /// The address it listens on, and the network namespace it runs in.
    host: String,
    netns: Option<String>,
    _tmp: Option<tempfile::TempDir>,
    pub log: PathBuf,
}

/// A free port below the kernel's ephemeral range (32768 and up), so that no
/// client connection of a test running beside this one takes it between this
/// check and the broker's bind (port 0 would hand out an ephemeral one).
/// Never the same one twice in a test binary: a port is free while its
/// broker is down or not started yet, and a test running beside it must not
/// pick it then.
pub fn free_port() -> u16 {
    use std::hash::BuildHasher;
    static HANDED_OUT: std::sync::Mutex<std::collections::BTreeSet<u16>> =
        std::sync::Mutex::new(std::collections::BTreeSet::new());
    loop {
        let random = std::collections::hash_map::RandomState::new().hash_one(0u8);
        let port = 20_000 + (random % 12_000) as u16;
        let mut handed_out = HANDED_OUT.lock().unwrap_or_else(|p| p.into_inner());
        if !handed_out.contains(&port) && TcpListener::bind(("127.0.0.1", port)).is_ok() {
            handed_out.insert(port);
            return port;
        }
    }
}

impl Broker {
    /// Starts a broker with extra `strata server` arguments.
    pub fn start(args: &[&str]) -> Broker {
        Broker::start_with_env(args, &[])
    }

    /// Starts a broker with extra arguments and environment variables.
    pub fn start_with_env(args: &[&str], env: &[(&str, &str)]) -> Broker {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("data");
        let mut b = Broker::new(&dir, args, env);
        b.spawn();
        b._tmp = Some(tmp);
        b
    }

    /// Starts a broker whose files cannot grow past `bytes` (RLIMIT_FSIZE, with
    /// SIGXFSZ ignored so that a write past it fails with EFBIG, as a full
    /// disk fails one with ENOSPC).
    pub fn start_with_file_size_limit(args: &[&str], bytes: u64) -> Broker {
        let tmp = tempfile::tempdir().unwrap();
        let mut b = Broker::start_in_with_file_size_limit(&tmp.path().join("data"), args, bytes);
        b._tmp = Some(tmp);
        b
    }

    /// Starts a broker on `dir` whose files cannot grow past `bytes`, as
    /// [`Broker::start_with_file_size_limit`] does.
    pub fn start_in_with_file_size_limit(dir: &Path, args: &[&str], bytes: u64) -> Broker {
        let mut b = Broker::new(dir, args, &[]);
        b.file_size_limit = Some(bytes);
        b.spawn();
        b
    }

    /// Starts a broker on `dir`.
    pub fn start_in(dir: &Path, args: &[&str]) -> Broker {
        let mut b = Broker::new(dir, args, &[]);
        b.spawn();
        b
    }

    /// Starts a broker on `dir` in network namespace `netns`, listening on
    /// `host` (its address there).
    pub fn start_in_netns(dir: &Path, netns: &str, host: &str, args: &[&str]) -> Broker {
        let mut b = Broker::new(dir, args, &[]);
        b.netns = Some(netns.to_string());
        b.host = host.to_string();
        b.spawn();
        b
    }

    fn new(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Broker {
        let log = dir.with_extension("log");
        Broker {
            child: None,
            port: free_port(),
            dir: dir.to_path_buf(),
            args: args.iter().map(|s| s.to_string()).collect(),
            env: env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            file_size_limit: None,
            host: "127.0.0.1".into(),
            netns: None,
            _tmp: None,
            log,
        }
    }

    fn spawn(&mut self) {
        let log = std::fs::OpenOptions::new().create(true).append(true).open(&self.log).unwrap();
        let mut command = match &self.netns {
            // `ip netns exec` execs the program: the child's pid is strata's.
            Some(ns) => {
                let mut c = Command::new("ip");
                c.args(["netns", "exec", ns, env!("CARGO_BIN_EXE_strata")]);
                c
            }
            None => Command::new(env!("CARGO_BIN_EXE_strata")),
        };
        if let Some(limit) = self.file_size_limit {
            use std::os::unix::process::CommandExt;
            // SAFETY: between fork and exec only async-signal-safe calls (setrlimit, signal).
            unsafe {
                command.pre_exec(move || {
                    let lim = libc::rlimit { rlim_cur: limit, rlim_max: limit };
                    libc::setrlimit(libc::RLIMIT_FSIZE, &lim);
                    libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
                    Ok(())
                });
            }
        }
        let child = command
            .arg("server")
            .arg("--listen")
            .arg(self.addr())
            .arg("--data-dir")
            .arg(&self.dir)
            .args(&self.args)
            .env("RUST_LOG", "info,strata_broker::isr=debug,strata_broker::fetcher=debug")
            .envs(self.env.iter().map(|(k, v)| (k, v)))
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
        format!("{}:{}", self.host, self.port)
    }

    /// The broker's log so far.
    pub fn log_text(&self) -> String {
        String::from_utf8_lossy(&std::fs::read(&self.log).unwrap_or_default()).into_owned()
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
        // SAFETY: sending a signal to our own child process.
        unsafe { libc::kill(self.pid(), libc::SIGTERM) };
        self.terminate_wait(timeout)
    }

    /// Waits (at most `timeout`) for the exit status after a signal.
    pub fn terminate_wait(&mut self, timeout: Duration) -> ExitStatus {
        let mut c = self.child.take().expect("running");
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

    /// SIGKILL, then start again on the same directory and port with
    /// `args` in place of the extra arguments it was started with.
    pub fn restart_with(&mut self, args: &[&str]) {
        self.args = args.iter().map(|s| s.to_string()).collect();
        self.restart();
    }

    /// SIGKILL, then start again with no file size limit (the disk freed).
    pub fn restart_unlimited(&mut self) {
        self.file_size_limit = None;
        self.restart();
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
    run_checked_env(program, args, &[], timeout, broker)
}

/// [`run_checked`] with extra environment variables for the program.
pub fn run_checked_env(
    program: &Path,
    args: &[String],
    env: &[(&str, &Path)],
    timeout: Duration,
    broker: &Broker,
) -> String {
    let mut child = Command::new(program)
        .args(args)
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{}: {e}", program.display()));
    let drain = |pipe: Option<Box<dyn std::io::Read + Send>>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            if let Some(mut p) = pipe {
                let _ = p.read_to_end(&mut buf);
            }
            String::from_utf8_lossy(&buf).into_owned()
        })
    };
    let out = drain(child.stdout.take().map(|p| Box::new(p) as Box<dyn std::io::Read + Send>));
    let err = drain(child.stderr.take().map(|p| Box::new(p) as Box<dyn std::io::Read + Send>));
    let deadline = Instant::now() + timeout;
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break Some(s);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let stdout = out.join().unwrap();
    let stderr = err.join().unwrap();
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

/// A minimal Kafka client over strata-protocol, for tests that need exact
/// control of the bytes: one request, one response.
pub mod wire {
    use std::io::{Read, Write};
    use std::net::TcpStream;
    use std::time::Duration;

    use bytes::{Bytes, BytesMut};
    use strata_protocol::frame::{decode_response, encode_request};
    use strata_protocol::generated::RequestHeader;
    use strata_protocol::{RequestBody, ResponseBody};

    /// Connects with a read timeout.
    pub fn connect(addr: &str) -> TcpStream {
        let s = TcpStream::connect(addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        s
    }

    /// Encodes a request frame.
    pub fn frame(version: i16, correlation_id: i32, body: &RequestBody) -> BytesMut {
        let header = RequestHeader {
            request_api_key: body.api_key() as i16,
            request_api_version: version,
            correlation_id,
            client_id: Some("strata-test".into()),
            ..Default::default()
        };
        let mut out = BytesMut::new();
        encode_request(&header, body, &mut out).unwrap();
        out
    }

    /// Reads one response frame (without its size prefix); `None` when the broker closed the connection.
    pub fn read_frame(s: &mut TcpStream) -> Option<Bytes> {
        let mut prefix = [0u8; 4];
        if let Err(e) = s.read_exact(&mut prefix) {
            eprintln!("read_frame: {e}");
            return None;
        }
        let mut body = vec![0u8; i32::from_be_bytes(prefix) as usize];
        s.read_exact(&mut body).ok()?;
        Some(Bytes::from(body))
    }

    /// Sends a request and decodes its response.
    pub fn call(s: &mut TcpStream, version: i16, body: RequestBody) -> ResponseBody {
        let key = body.api_key();
        s.write_all(&frame(version, 7, &body)).unwrap();
        let bytes = read_frame(s).expect("a response");
        let (header, body) = decode_response(key, version, bytes).unwrap();
        assert_eq!(header.correlation_id, 7);
        body
    }

    /// Creates a topic with one partition (replication factor 1); panics on an error.
    pub fn create_topic(s: &mut TcpStream, name: &str) {
        use strata_protocol::generated::create_topics_request::CreatableTopic;
        use strata_protocol::generated::CreateTopicsRequest;
        let topic =
            CreatableTopic { name: name.into(), num_partitions: 1, replication_factor: 1, ..Default::default() };
        let req = CreateTopicsRequest { topics: vec![topic], timeout_ms: 5000, ..Default::default() };
        let ResponseBody::CreateTopics(r) = call(s, 7, RequestBody::CreateTopics(req)) else { panic!() };
        assert_eq!(r.topics[0].error_code, 0, "creating {name}");
    }

    /// InitProducerId v4: (error code, producer id, epoch).
    pub fn init_producer_id(
        s: &mut TcpStream,
        req: strata_protocol::generated::InitProducerIdRequest,
    ) -> (i16, i64, i16) {
        let ResponseBody::InitProducerId(r) = call(s, 4, RequestBody::InitProducerId(req)) else { panic!() };
        (r.error_code, r.producer_id, r.producer_epoch)
    }

    /// A new idempotent producer id (epoch 0); panics on an error.
    pub fn new_producer_id(s: &mut TcpStream) -> i64 {
        let req = strata_protocol::generated::InitProducerIdRequest {
            transactional_id: None,
            producer_id: -1,
            producer_epoch: -1,
            ..Default::default()
        };
        let (error, id, epoch) = init_producer_id(s, req);
        assert_eq!((error, epoch), (0, 0));
        id
    }

    /// Produces a record set to partition 0 of `topic` with acks=all (v9):
    /// (error code, base offset).
    pub fn produce(s: &mut TcpStream, topic: &str, records: Bytes) -> (i16, i64) {
        produce_as(s, None, topic, records)
    }

    /// [`produce`] as the transactional producer `transactional_id`.
    pub fn produce_as(s: &mut TcpStream, transactional_id: Option<&str>, topic: &str, records: Bytes) -> (i16, i64) {
        produce_to(s, transactional_id, topic, &[0], records, 5000)[0]
    }

    /// One Produce request (v9, acks=all, `timeout_ms`) with `records` for
    /// each of `partitions` of `topic`: each partition's (error code, base
    /// offset), in request order.
    pub fn produce_to(
        s: &mut TcpStream,
        transactional_id: Option<&str>,
        topic: &str,
        partitions: &[i32],
        records: Bytes,
        timeout_ms: i32,
    ) -> Vec<(i16, i64)> {
        use strata_protocol::generated::produce_request::{PartitionProduceData, TopicProduceData};
        let partition_data = partitions
            .iter()
            .map(|&index| PartitionProduceData { index, records: Some(records.clone()), ..Default::default() })
            .collect();
        let data = TopicProduceData { name: topic.into(), partition_data, ..Default::default() };
        let req = strata_protocol::generated::ProduceRequest {
            transactional_id: transactional_id.map(String::from),
            acks: -1,
            timeout_ms,
            topic_data: vec![data],
            ..Default::default()
        };
        let ResponseBody::Produce(r) = call(s, 9, RequestBody::Produce(req)) else { panic!() };
        r.responses[0].partition_responses.iter().map(|p| (p.error_code, p.base_offset)).collect()
    }

    /// ListOffsets v7 of partition 0 of `topic` for `timestamp` (-1: latest).
    pub fn list_offsets(s: &mut TcpStream, topic: &str, isolation_level: i8, timestamp: i64) -> i64 {
        use strata_protocol::generated::list_offsets_request::{ListOffsetsPartition, ListOffsetsTopic};
        let partition = ListOffsetsPartition { partition_index: 0, timestamp, ..Default::default() };
        let t = ListOffsetsTopic { name: topic.into(), partitions: vec![partition], ..Default::default() };
        let req = strata_protocol::generated::ListOffsetsRequest {
            replica_id: -1,
            isolation_level,
            topics: vec![t],
            ..Default::default()
        };
        let ResponseBody::ListOffsets(r) = call(s, 7, RequestBody::ListOffsets(req)) else { panic!() };
        r.topics[0].partitions[0].offset
    }

    /// True when the broker closed the connection (reads end) within the read timeout.
    pub fn closed(s: &mut TcpStream) -> bool {
        let mut buf = [0u8; 1024];
        loop {
            match s.read(&mut buf) {
                Ok(0) => return true,
                Ok(_) => continue,
                Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => return true,
                Err(_) => return false,
            }
        }
    }
}

/// A TCP proxy in front of a broker that can lose responses: after
/// [`LossyProxy::drop_next_response`], the next bytes the broker sends on
/// any connection are discarded and that connection is closed, so the
/// client never learns that its request was carried out, and retries it.
/// Start the broker with `advertised.listeners` set to the proxy's address so
/// that clients stay behind it.
pub mod proxy {
    use std::collections::VecDeque;
    use std::io::{Read, Write};
    use std::net::{Shutdown, TcpListener, TcpStream};
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{Arc, Mutex};

    /// The API key of Produce.
    const PRODUCE: i16 = 0;

    /// The running proxy (its threads end with the process).
    pub struct LossyProxy {
        /// The address clients connect to.
        pub addr: String,
        target: Arc<Mutex<String>>,
        faults: Arc<Faults>,
    }

    /// Responses to lose, and how many were lost.
    #[derive(Default)]
    struct Faults {
        /// Responses to lose, whatever their request.
        any: AtomicUsize,
        /// Produce responses to lose.
        produce: AtomicUsize,
        dropped: AtomicUsize,
    }

    impl Faults {
        /// Whether to lose the response to a request with `api_key`.
        fn lose(&self, api_key: Option<i16>) -> bool {
            let take =
                |n: &AtomicUsize| n.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |d| d.checked_sub(1)).is_ok();
            let lost = take(&self.any) || (api_key == Some(PRODUCE) && take(&self.produce));
            if lost {
                self.dropped.fetch_add(1, Ordering::SeqCst);
            }
            lost
        }
    }

    impl LossyProxy {
        /// Listens on a free port; forwards to `set_target`'s address.
        pub fn start() -> LossyProxy {
            let listener = TcpListener::bind("127.0.0.1:0").unwrap();
            let addr = listener.local_addr().unwrap().to_string();
            let proxy = LossyProxy { addr, target: Arc::default(), faults: Arc::default() };
            let (target, faults) = (proxy.target.clone(), proxy.faults.clone());
            std::thread::spawn(move || {
                for client in listener.incoming().flatten() {
                    let to = target.lock().unwrap().clone();
                    let Ok(server) = TcpStream::connect(&to) else { continue };
                    let in_flight = Arc::new(Mutex::new(VecDeque::new()));
                    let requests = Frames::new(in_flight.clone(), true);
                    pump(client.try_clone().unwrap(), server.try_clone().unwrap(), requests, None);
                    let responses = Frames::new(in_flight, false);
                    pump(server, client, responses, Some(faults.clone()));
                }
            });
            proxy
        }

        /// The broker address new connections go to.
        pub fn set_target(&self, addr: &str) {
            *self.target.lock().unwrap() = addr.to_string();
        }

        /// Loses the next response (whichever connection it is on).
        pub fn drop_next_response(&self) {
            self.faults.any.fetch_add(1, Ordering::SeqCst);
        }

        /// Loses the next response to a Produce (whichever connection it is on).
        pub fn drop_next_produce_response(&self) {
            self.faults.produce.fetch_add(1, Ordering::SeqCst);
        }

        /// Responses lost so far.
        pub fn dropped(&self) -> usize {
            self.faults.dropped.load(Ordering::SeqCst)
        }
    }

    /// Follows the frames of one direction of a connection: requests push
    /// their API key on the connection's in-flight queue, responses (which
    /// come in request order) pop it.
    struct Frames {
        in_flight: Arc<Mutex<VecDeque<i16>>>,
        requests: bool,
        /// Bytes of the current frame's size and API key read so far.
        head: Vec<u8>,
        /// Bytes of the current frame still to come after its size.
        left: usize,
    }

    impl Frames {
        fn new(in_flight: Arc<Mutex<VecDeque<i16>>>, requests: bool) -> Frames {
            Frames { in_flight, requests, head: Vec::new(), left: 0 }
        }

        /// The API key of the request the next response answers, when the
        /// next byte starts a response.
        fn next_response_to(&self) -> Option<i16> {
            (self.left == 0 && self.head.is_empty()).then(|| self.in_flight.lock().unwrap().front().copied()).flatten()
        }

        fn feed(&mut self, mut bytes: &[u8]) {
            while !bytes.is_empty() {
                if self.left > 0 {
                    let n = self.left.min(bytes.len());
                    (self.left, bytes) = (self.left - n, &bytes[n..]);
                    continue;
                }
                self.head.push(bytes[0]);
                bytes = &bytes[1..];
                if self.head.len() < if self.requests { 6 } else { 4 } {
                    continue;
                }
                let size = i32::from_be_bytes(self.head[..4].try_into().unwrap()).max(0) as usize;
                let mut in_flight = self.in_flight.lock().unwrap();
                if self.requests {
                    in_flight.push_back(i16::from_be_bytes([self.head[4], self.head[5]]));
                } else {
                    in_flight.pop_front();
                }
                self.left = size.saturating_sub(self.head.len() - 4);
                self.head.clear();
            }
        }
    }

    /// Copies `from` to `to` until either closes, following its frames;
    /// with `faults`, a response to lose is discarded and both sockets are
    /// shut down.
    fn pump(mut from: TcpStream, mut to: TcpStream, mut frames: Frames, faults: Option<Arc<Faults>>) {
        std::thread::spawn(move || {
            let mut buf = vec![0u8; 64 << 10];
            loop {
                let n = match from.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => n,
                };
                if faults.as_ref().is_some_and(|f| f.lose(frames.next_response_to())) {
                    break;
                }
                frames.feed(&buf[..n]);
                if to.write_all(&buf[..n]).is_err() {
                    break;
                }
            }
            let _ = from.shutdown(Shutdown::Both);
            let _ = to.shutdown(Shutdown::Both);
        });
    }
}

/// Hosts on one machine for network faults: each a network namespace with
/// its own address, joined to the test's namespace by a veth pair on one
/// bridge. Cutting a host's link isolates it from every other host and from
/// the test's clients, as a pulled cable would; healing restores it.
pub struct Network {
    tag: String,
    subnet: u32,
    hosts: usize,
}

impl Network {
    /// `hosts` namespaces on a bridge (needs root; `ip` from iproute2).
    pub fn new(hosts: usize) -> Network {
        let pid = std::process::id();
        let net = Network { tag: format!("s{pid}"), subnet: pid % 250, hosts };
        let bridge = format!("{}b", net.tag);
        net.ip(&["link", "add", &bridge, "type", "bridge"]);
        net.ip(&["addr", "add", &format!("10.213.{}.254/24", net.subnet), "dev", &bridge]);
        net.ip(&["link", "set", &bridge, "up"]);
        for i in 1..=hosts {
            let (ns, veth) = (net.namespace(i), net.link(i));
            net.ip(&["netns", "add", &ns]);
            net.ip(&["link", "add", &veth, "type", "veth", "peer", "name", "eth0", "netns", &ns]);
            net.ip(&["link", "set", &veth, "master", &bridge]);
            net.ip(&["link", "set", &veth, "up"]);
            net.ip(&["-n", &ns, "addr", "add", &format!("{}/24", net.address(i)), "dev", "eth0"]);
            net.ip(&["-n", &ns, "link", "set", "eth0", "up"]);
            net.ip(&["-n", &ns, "link", "set", "lo", "up"]);
        }
        net
    }

    /// Host `i`'s namespace (from 1).
    pub fn namespace(&self, i: usize) -> String {
        format!("{}n{i}", self.tag)
    }

    /// Host `i`'s address.
    pub fn address(&self, i: usize) -> String {
        format!("10.213.{}.{i}", self.subnet)
    }

    /// Cuts host `i` off from every other host.
    pub fn cut(&self, i: usize) {
        self.ip(&["link", "set", &self.link(i), "down"]);
    }

    /// Joins host `i` again.
    pub fn heal(&self, i: usize) {
        self.ip(&["link", "set", &self.link(i), "up"]);
    }

    fn link(&self, i: usize) -> String {
        format!("{}v{i}", self.tag)
    }

    fn ip(&self, args: &[&str]) {
        let out = Command::new("ip").args(args).output().expect("ip (iproute2) runs");
        assert!(out.status.success(), "ip {}: {}", args.join(" "), String::from_utf8_lossy(&out.stderr));
    }
}

impl Drop for Network {
    fn drop(&mut self) {
        for i in 1..=self.hosts {
            let _ = Command::new("ip").args(["netns", "del", &self.namespace(i)]).output();
        }
        let _ = Command::new("ip").args(["link", "del", &format!("{}b", self.tag)]).output();
    }
}

/// Sends `request` (an HTTP request head, or any bytes) to `addr` and
/// returns all it answers before closing, within 10 s.
pub fn http(addr: &str, request: &[u8]) -> String {
    use std::io::{Read, Write};
    let mut s = TcpStream::connect(addr).expect("the metrics listener accepts");
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.write_all(request).unwrap();
    let mut answer = Vec::new();
    let _ = s.read_to_end(&mut answer);
    String::from_utf8_lossy(&answer).into_owned()
}

/// `GET /metrics` from a broker's metrics listener: the body, after checking
/// the status line and content type.
pub fn scrape(addr: &str) -> String {
    let answer = http(addr, b"GET /metrics HTTP/1.1\r\nHost: strata\r\n\r\n");
    let (head, body) = answer.split_once("\r\n\r\n").expect("an HTTP answer");
    assert!(head.starts_with("HTTP/1.1 200 OK"), "{head}");
    assert!(head.contains("Content-Type: text/plain; version=0.0.4"), "{head}");
    body.to_string()
}

/// The value of sample `series` (a metric name with its labels, as
/// written) in a Prometheus text `body`.
pub fn sample(body: &str, series: &str) -> Option<u64> {
    body.lines().find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
}

/// Scrapes `addr` until sample `series` satisfies `ok` (up to 10 s); the body that did.
pub fn until_sample(addr: &str, series: &str, ok: impl Fn(u64) -> bool) -> String {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let body = scrape(addr);
        if sample(&body, series).is_some_and(&ok) {
            return body;
        }
        assert!(Instant::now() < deadline, "{series} as expected within 10 s:\n{body}");
        std::thread::sleep(Duration::from_millis(100));
    }
}
