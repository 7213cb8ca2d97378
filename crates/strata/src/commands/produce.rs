//! `strata produce TOPIC`: one record per line of standard input.

use std::collections::VecDeque;
use std::time::Duration;

use serde_json::json;
use strata_client::{Acks, Compression, Delivery, Producer, ProducerConfig, ProducerRecord};
use tokio::io::{AsyncBufReadExt, BufReader};

use crate::output::{fail, json, pair};
use crate::Connect;

/// Producer settings shared by `produce` and `bench produce`.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct ProducerOpts {
    /// acks: 0, 1 or all.
    #[arg(long, default_value = "all")]
    pub(crate) acks: String,
    /// compression.type: none, gzip, snappy, lz4 or zstd.
    #[arg(long, default_value = "none")]
    pub(crate) compression: String,
    /// linger.ms.
    #[arg(long, default_value_t = 5)]
    pub(crate) linger_ms: u64,
    /// batch.size in bytes.
    #[arg(long, default_value_t = 16384)]
    pub(crate) batch_size: usize,
}

impl ProducerOpts {
    /// The producer's config for `connect` with these settings.
    pub(crate) fn config(&self, connect: &Connect) -> Result<ProducerConfig, String> {
        let mut config = ProducerConfig::new(&connect.brokers);
        config.client = super::client_config(connect);
        config.acks = self.acks.parse::<Acks>().map_err(fail)?;
        config.compression = Compression::ALL
            .into_iter()
            .find(|c| c.name() == self.compression)
            .ok_or_else(|| format!("--compression {:?}: expected none, gzip, snappy, lz4 or zstd", self.compression))?;
        config.linger = Duration::from_millis(self.linger_ms);
        config.batch_size = self.batch_size;
        Ok(config)
    }
}

#[derive(Debug, clap::Args)]
pub(crate) struct ProduceArgs {
    /// The topic to write to.
    topic: String,
    /// Split each line at the first SEP into key and value (no SEP: null key).
    #[arg(long, value_name = "SEP")]
    key_separator: Option<String>,
    /// A header for every record, NAME=VALUE; repeatable.
    #[arg(long = "header", short = 'H', value_name = "NAME=VALUE")]
    headers: Vec<String>,
    /// Write every record to this partition instead of partitioning by key.
    #[arg(long, short)]
    partition: Option<i32>,
    #[command(flatten)]
    producer: ProducerOpts,
}

/// Deliveries awaited at most this far behind the line being read.
const OUTSTANDING: usize = 10_000;

pub(crate) async fn run(connect: Connect, args: ProduceArgs) -> Result<(), String> {
    if args.key_separator.as_deref() == Some("") {
        return Err("--key-separator must not be empty".into());
    }
    let headers = args.headers.iter().map(|h| pair(h)).collect::<Result<Vec<_>, _>>()?;
    let header_refs: Vec<(&str, Option<&[u8]>)> =
        headers.iter().map(|(k, v)| (k.as_str(), Some(v.as_bytes()))).collect();
    let producer = Producer::new(args.producer.config(&connect)?).map_err(fail)?;
    let mut stdin = BufReader::new(tokio::io::stdin());
    let mut line = Vec::new();
    let mut pending: VecDeque<Delivery> = VecDeque::new();
    let mut produced = 0u64;
    loop {
        line.clear();
        if stdin.read_until(b'\n', &mut line).await.map_err(|e| format!("reading standard input: {e}"))? == 0 {
            break;
        }
        if line.last() == Some(&b'\n') {
            line.pop();
        }
        let (key, value) = split(&line, args.key_separator.as_deref());
        let mut record = ProducerRecord::new(&args.topic, value).headers(&header_refs);
        record.key = key;
        record.partition = args.partition;
        pending.push_back(producer.send(record).await.map_err(fail)?);
        if pending.len() > OUTSTANDING {
            pending.pop_front().expect("not empty").await.map_err(fail)?;
        }
        produced += 1;
    }
    for delivery in pending {
        delivery.await.map_err(fail)?;
    }
    producer.close().await;
    if connect.json {
        json(&json!({ "topic": args.topic, "records": produced }));
    } else {
        eprintln!("produced {produced} records to {}", args.topic);
    }
    Ok(())
}

/// Key and value of a line: split at the first `sep`, or the whole line as value.
fn split<'a>(line: &'a [u8], sep: Option<&str>) -> (Option<&'a [u8]>, &'a [u8]) {
    let Some(sep) = sep.map(str::as_bytes) else { return (None, line) };
    match line.windows(sep.len()).position(|w| w == sep) {
        Some(at) => (Some(&line[..at]), &line[at + sep.len()..]),
        None => (None, line),
    }
}

#[cfg(test)]
mod tests {
    use super::split;

    #[test]
    fn splits_at_the_first_separator() {
        assert_eq!(split(b"k::v::w", Some("::")), (Some(&b"k"[..]), &b"v::w"[..]));
        assert_eq!(split(b"no-sep", Some(":")), (None, &b"no-sep"[..]));
        assert_eq!(split(b"a:b", None), (None, &b"a:b"[..]));
        assert_eq!(split(b":v", Some(":")), (Some(&b""[..]), &b"v"[..]));
    }
}
