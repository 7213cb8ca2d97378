//! A deterministic simulation of one partition's replication on three
//! brokers and the controller that manages them, under seeded faults:
//! message loss, delay and reordering, broker crashes that lose what was not
//! fsynced, restarts, and clock jumps on brokers and on the controller.
//!
//! What runs is the real decision code: the controller's
//! (`register_broker`, `fence_broker`, `unfence_broker`, `alter_partition`,
//! `rebalance_leaders`, on real [`MetadataImage`]s), the leader's
//! [`Replication`] (followers' progress, high watermark, ISR changes) and the
//! follower's [`truncation_point`]. What is modelled is the glue the broker
//! wraps them in (replicas.rs, fetcher.rs, isr.rs, controller.rs): messages
//! instead of sockets, a vector of (epoch, value) entries instead of segment
//! files, and a single controller whose commits are atomic (the Raft quorum
//! under it has its own tests). One simulated step is one millisecond.
//!
//! Checked throughout: a leader's high watermark never moves back within
//! its leadership and never passes its log end. Checked once the faults stop
//! and the cluster has healed: every replica holds the same log, and every
//! record acknowledged (acks=all, min.insync.replicas=2) is in it at the
//! offset it was acknowledged with.
//!
//! A failing run names its seed; `STRATA_SIM_SEED=N cargo test -p
//! strata-broker simulation` replays exactly that run.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use strata_metadata::controller::{
    alter_partition, create_topic, fence_broker, rebalance_leaders, register_broker, unfence_broker, Cluster,
    IsrChange, NewTopic,
};
use strata_metadata::MetadataImage;
use strata_protocol::Uuid;

use crate::fetcher::truncation_point;
use crate::replication::Replication;

const BROKERS: i32 = 3;
const MIN_INSYNC: usize = 2;
const SESSION_MS: i64 = 2000;
const HEARTBEAT_MS: i64 = 250;
const LAG_MS: i64 = 2000;
const CALL_TIMEOUT_MS: i64 = 3000;
const FAULT_STEPS: i64 = 20_000;
const HEAL_STEPS: i64 = 30_000;

/// SplitMix64: a small, fully determined generator (the seed is the run).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// True with probability `per_million` / 1,000,000.
    fn chance(&mut self, per_million: u64) -> bool {
        self.below(1_000_000) < per_million
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Entry {
    epoch: i32,
    value: u64,
}

#[derive(Debug, Clone)]
enum Message {
    /// The controller's newest image, to a broker.
    Image(usize),
    Register {
        from: i32,
        incarnation: u64,
    },
    Heartbeat {
        from: i32,
        broker_epoch: i64,
    },
    AlterIsr {
        from: i32,
        change: IsrChange,
    },
    AlterIsrAnswered,
    /// OffsetForLeaderEpoch: the follower's leader epoch and latest local epoch.
    EpochQuery {
        from: i32,
        leader_epoch: i32,
        latest: i32,
    },
    EpochAnswer {
        leader_epoch: i32,
        named: Option<(i32, i64)>,
    },
    Fetch {
        from: i32,
        leader_epoch: i32,
        offset: i64,
        durable: i64,
    },
    Fetched {
        leader_epoch: i32,
        offset: i64,
        entries: Vec<Entry>,
        hw: i64,
    },
    Produce {
        value: u64,
    },
    Acked {
        value: u64,
        offset: i64,
    },
}

/// A message in flight: delivered to `to` (-1: the controller, -2: the
/// producer) at `at`.
struct InFlight {
    at: i64,
    seq: u64,
    to: i32,
    message: Message,
}

/// One broker's state; what `crashed` loses is everything but `log[..synced]`.
#[derive(Default)]
struct Node {
    id: i32,
    up: bool,
    incarnation: u64,
    broker_epoch: Option<i64>,
    clock_skew: i64,
    log: Vec<Entry>,
    synced: usize,
    hw: i64,
    image: usize,
    leader: i32,
    leader_epoch: i32,
    replication: Replication,
    /// The leader epoch this follower checked its log for (OffsetForLeaderEpoch).
    checked: Option<i32>,
    waiting: Option<i64>,
    last_heartbeat: i64,
    last_isr_check: i64,
    /// When the AlterPartition call in flight was sent (isr.rs: one at a
    /// time, given up after a timeout).
    isr_call: Option<i64>,
    /// acks=all produces waiting for the high watermark: (offset, value).
    acks: Vec<(i64, u64)>,
}

impl Node {
    fn leo(&self) -> i64 {
        self.log.len() as i64
    }

    fn latest_epoch(&self) -> i32 {
        self.log.last().map_or(-1, |e| e.epoch)
    }

    /// The largest epoch at most `epoch` and where it ended (Log::end_offset_for_epoch).
    fn end_of_epoch(&self, epoch: i32) -> Option<(i32, i64)> {
        let found = self.log.iter().rposition(|e| e.epoch <= epoch)?;
        let named = self.log[found].epoch;
        let end = self.log.iter().position(|e| e.epoch > named).unwrap_or(self.log.len());
        Some((named, end as i64))
    }

    fn is_leader(&self) -> bool {
        self.up && self.leader == self.id
    }
}

struct Simulation {
    seed: u64,
    rng: Rng,
    now: i64,
    faults: bool,
    images: Vec<Arc<MetadataImage>>,
    topic: Uuid,
    nodes: Vec<Node>,
    controller_skew: i64,
    last_heard: HashMap<i32, i64>,
    net: Vec<InFlight>,
    seq: u64,
    next_value: u64,
    acked: BTreeMap<u64, i64>,
    /// The high watermark each (leader, leader epoch) reached.
    hw_seen: HashMap<(i32, i32), i64>,
}

impl Simulation {
    fn new(seed: u64) -> Simulation {
        let mut image = MetadataImage::default();
        for id in 1..=BROKERS {
            let (_, records) = register_broker(&image, id, incarnation(id, 0), ("sim", 9000), None);
            image = image.apply(&records).expect("registration applies");
        }
        let cluster = Cluster {
            brokers: (1..=BROKERS).collect(),
            racks: BTreeMap::new(),
            default_partitions: 1,
            default_replication_factor: 3,
        };
        let topic = Uuid([7; 16]);
        let t = NewTopic { name: "t".into(), num_partitions: 1, replication_factor: 3, ..Default::default() };
        let records = create_topic(&image, &t, &cluster, topic).expect("the topic is created");
        image = image.apply(&records).expect("the topic applies");
        let nodes = (1..=BROKERS)
            .map(|id| Node { id, up: true, broker_epoch: Some(1), leader: -1, leader_epoch: -1, ..Default::default() })
            .collect();
        let mut sim = Simulation {
            seed,
            rng: Rng(seed),
            now: 0,
            faults: true,
            images: vec![Arc::new(image)],
            topic,
            nodes,
            controller_skew: 0,
            last_heard: (1..=BROKERS).map(|id| (id, 0)).collect(),
            net: Vec::new(),
            seq: 0,
            next_value: 0,
            acked: BTreeMap::new(),
            hw_seen: HashMap::new(),
        };
        for id in 1..=BROKERS {
            sim.apply_image(id, 0);
        }
        sim
    }

    fn fail(&self, what: String) -> ! {
        panic!(
            "simulation seed {} failed at step {}: {what} (replay: STRATA_SIM_SEED={})",
            self.seed, self.now, self.seed
        )
    }

    fn node(&mut self, id: i32) -> &mut Node {
        &mut self.nodes[id as usize - 1]
    }

    fn image(&self) -> &Arc<MetadataImage> {
        self.images.last().expect("an image")
    }

    /// Sends `message` to `to`: lost, or delayed 1–30 steps, while faults run.
    fn send(&mut self, to: i32, message: Message) {
        let (lost, delay) =
            if self.faults { (self.rng.chance(30_000), 1 + self.rng.below(30) as i64) } else { (false, 1) };
        if lost {
            return;
        }
        self.seq += 1;
        self.net.push(InFlight { at: self.now + delay, seq: self.seq, to, message });
    }

    /// A broker's clock (the simulation's plus its jumps).
    fn clock(&self, id: i32) -> i64 {
        self.now + self.nodes[id as usize - 1].clock_skew
    }

    fn run(&mut self) {
        while self.now < FAULT_STEPS + HEAL_STEPS {
            if self.now == FAULT_STEPS {
                self.heal();
            }
            self.step();
            self.now += 1;
        }
        self.check_converged();
    }

    fn step(&mut self) {
        if self.faults {
            self.inject();
        }
        if self.now < FAULT_STEPS + HEAL_STEPS / 2 && self.rng.chance(300_000) {
            self.produce();
        }
        self.deliver();
        for id in 1..=BROKERS {
            if self.nodes[id as usize - 1].up {
                self.tick(id);
            }
        }
        self.controller_tick();
    }

    fn inject(&mut self) {
        if self.rng.chance(300) {
            let id = 1 + self.rng.below(BROKERS as u64) as i32;
            self.crash(id);
        }
        for id in 1..=BROKERS {
            if !self.nodes[id as usize - 1].up && self.rng.chance(2_000) {
                self.restart(id);
            }
        }
        if self.rng.chance(100) {
            let id = 1 + self.rng.below(BROKERS as u64) as i32;
            let jump = self.rng.below(10_000) as i64 - 5_000;
            self.node(id).clock_skew += jump;
        }
        if self.rng.chance(50) {
            self.controller_skew += self.rng.below(6_000) as i64 - 3_000;
        }
    }

    /// The faults stop: every broker runs, clocks stop jumping, no message is lost.
    fn heal(&mut self) {
        self.faults = false;
        for id in 1..=BROKERS {
            if !self.nodes[id as usize - 1].up {
                self.restart(id);
            }
        }
    }

    /// SIGKILL: what was not fsynced is gone, and so is everything in memory.
    fn crash(&mut self, id: i32) {
        let n = self.node(id);
        if !n.up {
            return;
        }
        let (log, synced, incarnation, skew) = (std::mem::take(&mut n.log), n.synced, n.incarnation, n.clock_skew);
        *n = Node { id, up: false, incarnation, clock_skew: skew, leader: -1, leader_epoch: -1, ..Default::default() };
        n.log = log;
        n.log.truncate(synced);
        n.synced = synced;
        self.net.retain(|m| m.to != id);
    }

    /// A new run of a crashed broker: it registers again, then follows the
    /// image it is sent. Its high watermark starts at its log start.
    fn restart(&mut self, id: i32) {
        let n = self.node(id);
        n.up = true;
        n.incarnation += 1;
        n.broker_epoch = None;
        n.last_heartbeat = i64::MIN / 2;
    }

    fn produce(&mut self) {
        // The producer sends to the leader in the controller's image (its
        // metadata); a stale view only costs an unacknowledged record.
        let leader = self.partition().leader;
        if leader > 0 {
            let value = self.next_value;
            self.next_value += 1;
            self.send(leader, Message::Produce { value });
        }
    }

    fn partition(&self) -> strata_metadata::image::PartitionImage {
        self.image().topic_by_id(&self.topic).expect("the topic").partitions[0].clone()
    }

    fn deliver(&mut self) {
        let mut due: Vec<InFlight> = Vec::new();
        let mut i = 0;
        while i < self.net.len() {
            if self.net[i].at <= self.now {
                due.push(self.net.swap_remove(i));
            } else {
                i += 1;
            }
        }
        due.sort_by_key(|m| (m.at, m.seq));
        for m in due {
            match m.to {
                -1 => self.controller_receive(m.message),
                -2 => {
                    if let Message::Acked { value, offset } = m.message {
                        self.acked.insert(value, offset);
                    }
                }
                id if self.nodes[id as usize - 1].up => self.receive(id, m.message),
                _ => {}
            }
        }
    }

    // ---- the controller (controller.rs's handlers and duties) ----

    fn commit(&mut self, records: Vec<strata_metadata::MetadataRecord>) {
        if records.is_empty() {
            return;
        }
        let next = self.image().apply(&records).unwrap_or_else(|e| self.fail(format!("a decision did not apply: {e}")));
        self.images.push(Arc::new(next));
        let version = self.images.len() - 1;
        for id in 1..=BROKERS {
            self.send(id, Message::Image(version));
        }
    }

    fn controller_receive(&mut self, message: Message) {
        let now = self.now + self.controller_skew;
        match message {
            Message::Register { from, incarnation: run } => {
                let (epoch, records) = register_broker(self.image(), from, incarnation(from, run), ("sim", 9000), None);
                self.last_heard.insert(from, now);
                self.commit(records);
                let version = self.images.len() - 1;
                if self.nodes[from as usize - 1].incarnation == run {
                    self.node(from).broker_epoch = Some(epoch);
                }
                self.send(from, Message::Image(version));
            }
            Message::Heartbeat { from, broker_epoch }
                if self.image().broker(from).is_some_and(|b| b.epoch == broker_epoch) =>
            {
                self.last_heard.insert(from, now);
                let records = unfence_broker(self.image(), from);
                self.commit(records);
            }
            Message::AlterIsr { from, change } => {
                let current = self.image().broker(from).is_some_and(|b| !b.fenced);
                if current {
                    if let Ok(records) = alter_partition(self.image(), &change) {
                        self.commit(records);
                    }
                }
                self.send(from, Message::AlterIsrAnswered);
            }
            _ => {}
        }
    }

    fn controller_tick(&mut self) {
        let now = self.now + self.controller_skew;
        for id in 1..=BROKERS {
            let silent = now - self.last_heard.get(&id).copied().unwrap_or(now) > SESSION_MS;
            if silent {
                let records = fence_broker(self.image(), id);
                self.commit(records);
            }
        }
        if self.now % 1000 == 0 {
            let records = rebalance_leaders(self.image());
            self.commit(records);
        }
        // Raft delivers every committed entry in the end: the newest image
        // reaches each broker again every 100 steps.
        if self.now % 100 == 0 {
            let version = self.images.len() - 1;
            for id in 1..=BROKERS {
                self.send(id, Message::Image(version));
            }
        }
    }

    // ---- a broker (replicas.rs, fetcher.rs, isr.rs, the handlers) ----

    /// Partition::follow_image: the newest image's leader, epoch and ISR (and
    /// no leadership for a run the controller has not registered yet).
    fn apply_image(&mut self, id: i32, version: usize) {
        if version < self.nodes[id as usize - 1].image && version != 0 {
            return;
        }
        let image = self.images[version].clone();
        let p = image.topic_by_id(&self.topic).expect("the topic").partitions[0].clone();
        let now = self.clock(id);
        let n = self.node(id);
        let registered = image.broker(id).is_some_and(|b| b.incarnation_id == incarnation(id, n.incarnation));
        let leader = if p.leader == id && !registered { -1 } else { p.leader };
        n.image = version;
        let new_epoch = n.leader_epoch != p.leader_epoch;
        let new_leader = n.leader != leader;
        n.leader_epoch = p.leader_epoch;
        n.leader = leader;
        let leading = ((new_epoch || new_leader) && leader == id).then_some(now);
        n.replication.update(&p.replicas, &p.isr, p.partition_epoch, leading);
        n.replication.min_insync = MIN_INSYNC;
        if new_epoch {
            n.checked = None;
            n.waiting = None;
            n.acks.clear();
        }
        self.advance_hw(id);
    }

    fn advance_hw(&mut self, id: i32) {
        let n = self.node(id);
        if !n.is_leader() {
            return;
        }
        n.hw = n.replication.high_watermark(n.id, n.leo(), n.hw);
        let (hw, leo, key) = (n.hw, n.leo(), (n.id, n.leader_epoch));
        if hw > leo {
            self.fail(format!("leader {id}'s high watermark {hw} passed its log end {leo}"));
        }
        let seen = self.hw_seen.entry(key).or_insert(hw);
        if hw < *seen {
            let was = *seen;
            self.fail(format!("leader {id}'s high watermark went back from {was} to {hw} in epoch {}", key.1));
        }
        *seen = hw;
    }

    fn receive(&mut self, id: i32, message: Message) {
        let now = self.clock(id);
        match message {
            Message::Image(version) => self.apply_image(id, version),
            Message::AlterIsrAnswered => {
                let n = self.node(id);
                n.replication.answered();
                n.isr_call = None;
            }
            Message::Produce { value } => {
                let n = self.node(id);
                if n.is_leader() && n.replication.isr.len() >= MIN_INSYNC {
                    n.log.push(Entry { epoch: n.leader_epoch, value });
                    let offset = n.leo() - 1;
                    n.acks.push((offset, value));
                    self.advance_hw(id);
                }
            }
            Message::EpochQuery { from, leader_epoch, latest } => {
                let n = &self.nodes[id as usize - 1];
                if n.is_leader() && n.leader_epoch == leader_epoch {
                    let named = n.end_of_epoch(latest);
                    self.send(from, Message::EpochAnswer { leader_epoch, named });
                }
            }
            Message::EpochAnswer { leader_epoch, named } => {
                let n = self.node(id);
                if n.is_leader() || n.leader_epoch != leader_epoch || n.checked.is_some() {
                    return;
                }
                let local = |e: i32| n.end_of_epoch(e).map(|(_, end)| end);
                let to = truncation_point(n.leo(), n.hw, named, local);
                n.log.truncate(to as usize);
                n.synced = n.synced.min(n.log.len());
                n.hw = n.hw.min(n.leo());
                n.checked = Some(leader_epoch);
                n.waiting = None;
            }
            Message::Fetch { from, leader_epoch, offset, durable } => {
                let n = self.node(id);
                if !n.is_leader() || n.leader_epoch != leader_epoch || offset > n.leo() {
                    return;
                }
                n.replication.fetched(from, offset, durable, n.leo(), now);
                self.advance_hw(id);
                let n = &self.nodes[id as usize - 1];
                let end = (offset as usize + 1 + self.rng.below(8) as usize).min(n.log.len());
                let entries = n.log[offset as usize..end].to_vec();
                let hw = n.hw;
                self.send(from, Message::Fetched { leader_epoch, offset, entries, hw });
            }
            Message::Fetched { leader_epoch, offset, entries, hw } => {
                let n = self.node(id);
                if n.is_leader() || n.leader_epoch != leader_epoch || n.checked != Some(leader_epoch) {
                    return;
                }
                if offset == n.leo() {
                    n.log.extend(entries);
                    n.hw = hw.min(n.leo());
                }
                n.waiting = None;
            }
            _ => {}
        }
    }

    fn tick(&mut self, id: i32) {
        let now = self.clock(id);
        let n = &self.nodes[id as usize - 1];
        if now - n.last_heartbeat >= HEARTBEAT_MS || now < n.last_heartbeat {
            // Heartbeats, or registration again until it is answered.
            let message = match n.broker_epoch {
                Some(broker_epoch) => Message::Heartbeat { from: id, broker_epoch },
                None => Message::Register { from: id, incarnation: n.incarnation },
            };
            self.node(id).last_heartbeat = now;
            self.send(-1, message);
        }
        if self.nodes[id as usize - 1].is_leader() {
            self.lead(id, now);
        } else {
            self.follow(id);
        }
    }

    /// The leader: group-committed fsyncs, acks=all answers, ISR checks.
    fn lead(&mut self, id: i32, now: i64) {
        if self.rng.chance(200_000) {
            let n = self.node(id);
            n.synced = n.log.len();
        }
        let n = self.node(id);
        let (hw, synced, isr) = (n.hw, n.synced as i64, n.replication.isr.len());
        let (done, waiting): (Vec<_>, Vec<_>) = n.acks.drain(..).partition(|(offset, _)| *offset < hw.min(synced));
        n.acks = waiting;
        if isr >= MIN_INSYNC {
            for (offset, value) in done {
                self.send(-2, Message::Acked { value, offset });
            }
        }
        let step = self.now;
        let n = self.node(id);
        if n.isr_call.is_some_and(|sent| step - sent > CALL_TIMEOUT_MS) {
            n.replication.answered();
            n.isr_call = None;
        }
        if n.isr_call.is_none() && (now - n.last_isr_check >= 250 || now < n.last_isr_check) {
            n.last_isr_check = now;
            let (leader_epoch, partition_epoch) = (n.leader_epoch, n.replication.partition_epoch);
            if let Some(new_isr) = n.replication.isr_change(id, n.hw, now, LAG_MS, &|_| true) {
                let change = IsrChange {
                    topic_id: self.topic,
                    partition: 0,
                    leader: id,
                    leader_epoch,
                    partition_epoch,
                    new_isr,
                };
                self.send(-1, Message::AlterIsr { from: id, change });
                self.node(id).isr_call = Some(self.now);
            }
        }
    }

    /// A follower: checks its log in each new leader epoch, then fetches
    /// from its log end, telling the offset below which its log is durable;
    /// its fsyncs run beside the fetches, so a fetch may come before the
    /// fsync of what the last one brought (half of them do).
    fn follow(&mut self, id: i32) {
        let now = self.now;
        let fsynced_first = self.rng.chance(500_000);
        let n = self.node(id);
        let leader = n.leader;
        if leader <= 0 || n.waiting.is_some_and(|since| now - since < 500) {
            return;
        }
        n.waiting = Some(now);
        let leader_epoch = n.leader_epoch;
        let message = if n.checked == Some(leader_epoch) {
            if fsynced_first {
                n.synced = n.log.len();
            }
            Message::Fetch { from: id, leader_epoch, offset: n.leo(), durable: n.synced as i64 }
        } else {
            Message::EpochQuery { from: id, leader_epoch, latest: n.latest_epoch() }
        };
        self.send(leader, message);
    }

    /// After healing: one log on every replica, holding every acknowledged record.
    fn check_converged(&self) {
        let logs: Vec<&Vec<Entry>> = self.nodes.iter().map(|n| &n.log).collect();
        let p = self.partition();
        if p.isr.len() != BROKERS as usize || p.leader <= 0 {
            let nodes: Vec<String> = self
                .nodes
                .iter()
                .map(|n| {
                    format!(
                        "node {}: leader {} epoch {} checked {:?} leo {} hw {} skew {} {:?}",
                        n.id,
                        n.leader,
                        n.leader_epoch,
                        n.checked,
                        n.leo(),
                        n.hw,
                        n.clock_skew,
                        n.replication
                    )
                })
                .collect();
            self.fail(format!("the cluster did not heal: {p:?}\n{}", nodes.join("\n")));
        }
        for (i, log) in logs.iter().enumerate() {
            if *log != logs[0] {
                self.fail(format!(
                    "replica {} differs from replica 1: {} vs {} entries",
                    i + 1,
                    log.len(),
                    logs[0].len()
                ));
            }
        }
        for (value, offset) in &self.acked {
            if logs[0].get(*offset as usize).map(|e| e.value) != Some(*value) {
                self.fail(format!("acknowledged record {value} is not at offset {offset}"));
            }
        }
    }
}

/// Broker `id`'s run `run`, as an incarnation id.
fn incarnation(id: i32, run: u64) -> Uuid {
    let mut bytes = [0u8; 16];
    bytes[..4].copy_from_slice(&id.to_be_bytes());
    bytes[8..].copy_from_slice(&run.to_be_bytes());
    Uuid(bytes)
}

#[test]
fn hundreds_of_seeded_runs_lose_no_acknowledged_record_and_end_with_one_log() {
    let seeds: Vec<u64> = match std::env::var("STRATA_SIM_SEED") {
        Ok(seed) => vec![seed.parse().expect("STRATA_SIM_SEED is a number")],
        Err(_) => (1..=300).collect(),
    };
    let mut acked = 0;
    for seed in seeds {
        let mut sim = Simulation::new(seed);
        sim.run();
        acked += sim.acked.len();
    }
    assert!(acked > 1000, "the runs acknowledged records: {acked}");
}
