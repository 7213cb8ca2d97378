//! `strata`: the command line. `strata server` runs a broker; the other
//! subcommands are clients of any Kafka-compatible cluster (strata-client):
//! `topic`, `produce`, `consume`, `group`, `cluster` and `bench`.

mod bench;
mod commands;
mod output;
mod settings;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// strata: a streaming platform that speaks the Kafka protocol.
#[derive(Debug, Parser)]
#[command(name = "strata", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// Where the client subcommands connect, and how they print.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct Connect {
    /// Brokers to bootstrap from, HOST:PORT,...
    #[arg(long, env = "STRATA_BROKERS", default_value = "127.0.0.1:9092", global = true)]
    pub(crate) brokers: String,
    /// Print JSON (one object, or one per line for streams) instead of tables.
    #[arg(long, global = true)]
    pub(crate) json: bool,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run a broker (by default on 127.0.0.1:9092 with data in ./data).
    Server(ServerArgs),
    /// Create, list, describe, delete topics and change their configs.
    Topic {
        #[command(flatten)]
        connect: Connect,
        #[command(subcommand)]
        command: commands::topic::TopicCommand,
    },
    /// Produce one record per line of standard input.
    Produce {
        #[command(flatten)]
        connect: Connect,
        #[command(flatten)]
        args: commands::produce::ProduceArgs,
    },
    /// Print a topic's records.
    Consume {
        #[command(flatten)]
        connect: Connect,
        #[command(flatten)]
        args: commands::consume::ConsumeArgs,
    },
    /// List, describe, reset the offsets of, and delete consumer groups.
    Group {
        #[command(flatten)]
        connect: Connect,
        #[command(subcommand)]
        command: commands::group::GroupCommand,
    },
    /// The cluster's id, controller and brokers.
    Cluster {
        #[command(flatten)]
        connect: Connect,
        #[command(subcommand)]
        command: commands::cluster::ClusterCommand,
    },
    /// Measure a Kafka-compatible broker: produce, consume, end-to-end, and references.
    Bench {
        #[command(flatten)]
        connect: Connect,
        #[command(subcommand)]
        command: bench::BenchCommand,
    },
}

/// Settings of `strata server`. Precedence, lowest first: built-in defaults,
/// --config, STRATA_* environment variables, --set, the flags below.
#[derive(Debug, clap::Args)]
struct ServerArgs {
    /// This node's id (Kafka's `node.id`).
    #[arg(long, env = "STRATA_NODE_ID")]
    node_id: Option<i32>,
    /// Address to listen on, HOST:PORT (Kafka's `listeners`).
    #[arg(long, env = "STRATA_LISTEN")]
    listen: Option<String>,
    /// Address clients are told to use, HOST:PORT (Kafka's `advertised.listeners`).
    #[arg(long, env = "STRATA_ADVERTISED_LISTENER")]
    advertised_listener: Option<String>,
    /// Controller listener, HOST:PORT: Raft and broker-to-controller traffic
    /// (Kafka's `CONTROLLER://` entry in `listeners`).
    #[arg(long, env = "STRATA_CONTROLLER_LISTEN")]
    controller_listen: Option<String>,
    /// The controllers, ID@HOST:PORT,... at their controller listeners
    /// (Kafka's `controller.quorum.voters`). Unset: a single node.
    #[arg(long, env = "STRATA_VOTERS")]
    voters: Option<String>,
    /// Serve GET /metrics (Prometheus text format, Kafka's metric names)
    /// on HOST:PORT (strata's `metrics.listen`). Unset: not served.
    #[arg(long, env = "STRATA_METRICS_LISTEN")]
    metrics_listen: Option<String>,
    /// Data directory (Kafka's `log.dirs`).
    #[arg(long, env = "STRATA_DATA_DIR")]
    data_dir: Option<PathBuf>,
    /// TOML file of Kafka-named settings, e.g. `num.partitions = 3`.
    #[arg(long, env = "STRATA_CONFIG")]
    config: Option<PathBuf>,
    /// A Kafka-named setting, NAME=VALUE; repeatable.
    #[arg(long = "set", value_name = "NAME=VALUE")]
    set: Vec<String>,
}

fn main() -> ExitCode {
    keep_freed_memory();
    tracing_subscriber::fmt()
        .with_env_filter(log_filter())
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Server(args) => server(args),
        Command::Topic { connect, command } => client(commands::topic::run(connect, command)),
        Command::Produce { connect, args } => client(commands::produce::run(connect, args)),
        Command::Consume { connect, args } => client(commands::consume::run(connect, args)),
        Command::Group { connect, command } => client(commands::group::run(connect, command)),
        Command::Cluster { connect, command } => client(commands::cluster::run(connect, command)),
        Command::Bench { connect, command } => client(bench::run(connect, command)),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("strata: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Has glibc's malloc keep freed memory for reuse. By default it maps
/// blocks above a threshold (128 KiB at first, raised as they are freed)
/// afresh and gives memory at the top of a heap back to the kernel, so the
/// 1 MiB buffers of each produce request, fetch response and follower fetch
/// come back as new pages, each a page fault and a zeroing (and on a virtual
/// machine that hands freed pages back to its host, a fault on the host too).
/// Blocks up to 64 MiB now come from the heap, which keeps up to 256 MiB
/// free. Measured: `strata bench consume` reads 1 GiB about 15% faster
/// (BENCHMARKS.md). Called first, before any thread starts, as mallopt wants.
fn keep_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets allocator parameters; no thread runs yet.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 64 << 20);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 256 << 20);
    }
}

/// RUST_LOG, or `info`; openraft's own chatter is kept to warnings unless
/// RUST_LOG names it.
fn log_filter() -> tracing_subscriber::EnvFilter {
    let spec = std::env::var("RUST_LOG").unwrap_or_else(|_| "info".into());
    let spec = if spec.contains("openraft") { spec } else { format!("{spec},openraft=warn") };
    tracing_subscriber::EnvFilter::try_new(&spec)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,openraft=warn"))
}

/// Runs a client subcommand on a runtime of its own; its error is one line.
fn client(work: impl std::future::Future<Output = Result<(), String>>) -> Result<(), String> {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().map_err(|e| e.to_string())?;
    runtime.block_on(work)
}

fn server(args: ServerArgs) -> Result<(), String> {
    let config = settings::broker_config(&args)?;
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().map_err(|e| e.to_string())?;
    runtime.block_on(async {
        let server = strata_broker::Server::bind(config).await.map_err(|e| e.to_string())?;
        let address = server.local_addr().map_err(|e| e.to_string())?;
        tracing::info!(%address, "strata broker listening");
        server.run(shutdown_signal()).await.map_err(|e| e.to_string())
    })
}

/// Resolves on SIGTERM or Ctrl-C (SIGINT).
async fn shutdown_signal() {
    use tokio::signal::unix::{signal, SignalKind};
    let mut term = signal(SignalKind::terminate()).expect("a SIGTERM handler can be installed");
    tokio::select! {
        _ = term.recv() => tracing::info!("SIGTERM received"),
        _ = tokio::signal::ctrl_c() => tracing::info!("Ctrl-C received"),
    }
}
