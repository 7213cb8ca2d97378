//! `strata consume TOPIC`: print records, from a position or as a group member.

use std::io::Write;

use serde_json::json;
use strata_client::consumer::{IsolationLevel, OffsetReset};
use strata_client::{Consumer, ConsumerConfig, ConsumerRecord, Offset, TopicPartition};

use crate::output::fail;
use crate::Connect;

#[derive(Debug, clap::Args)]
pub(crate) struct ConsumeArgs {
    /// The topic to read.
    topic: String,
    /// Where to start: beginning, end, an OFFSET, or @TIMESTAMP_MS. With
    /// --group it applies only where the group has no committed offset
    /// (beginning or end).
    #[arg(long, default_value = "beginning")]
    from: String,
    /// Read as a member of this consumer group, committing its position.
    #[arg(long, short)]
    group: Option<String>,
    /// Read only this partition (without --group).
    #[arg(long, short)]
    partition: Option<i32>,
    /// Exit after this many records.
    #[arg(long, short = 'n')]
    count: Option<u64>,
    /// Output template: %t topic, %p partition, %o offset, %T timestamp,
    /// %k key, %v value, %h headers (k=v,...), %% a percent sign; \n and \t escapes.
    #[arg(long, short, default_value = "%v\\n")]
    format: String,
    /// Read only committed transactional records (isolation.level=read_committed).
    #[arg(long)]
    read_committed: bool,
}

pub(crate) async fn run(connect: Connect, args: ConsumeArgs) -> Result<(), String> {
    let from = super::parse_offset(&args.from).map_err(|e| format!("--from {e}"))?;
    let mut config = ConsumerConfig::new(&connect.brokers);
    config.client = super::client_config(&connect);
    config.group_id = args.group.clone();
    if args.read_committed {
        config.isolation_level = IsolationLevel::ReadCommitted;
    }
    config.auto_offset_reset = match from {
        Offset::End => OffsetReset::Latest,
        _ => OffsetReset::Earliest,
    };
    let mut consumer = Consumer::new(config).map_err(fail)?;
    match &args.group {
        Some(_) => {
            if matches!(from, Offset::At(_) | Offset::Timestamp(_)) {
                return Err("with --group, --from takes beginning or end (where nothing is committed)".into());
            }
            if args.partition.is_some() {
                return Err("--partition and --group cannot go together: the group assigns partitions".into());
            }
            consumer.subscribe(&[&args.topic]).map_err(fail)?;
        }
        None => assign(&connect, &mut consumer, &args, from).await?,
    }
    let template = parse_template(&args.format);
    let stdout = std::io::stdout();
    let mut seen = 0u64;
    while args.count.is_none_or(|n| seen < n) {
        let record = tokio::select! {
            r = consumer.recv() => r.map_err(fail)?,
            _ = tokio::signal::ctrl_c() => break,
        };
        let mut out = stdout.lock();
        let written = if connect.json {
            writeln!(out, "{}", record_json(&record))
        } else {
            write_template(&mut out, &template, &record)
        };
        if written.and_then(|_| out.flush()).is_err() {
            break; // the reader went away (a closed pipe): stop quietly
        }
        seen += 1;
    }
    consumer.close().await.map_err(fail)
}

/// Assigns the topic's partitions (or the one asked for) and seeks each.
async fn assign(connect: &Connect, consumer: &mut Consumer, args: &ConsumeArgs, from: Offset) -> Result<(), String> {
    let admin = super::admin(connect)?;
    let topic = admin.describe_topic(&args.topic).await.map_err(fail)?;
    let partitions: Vec<TopicPartition> = topic
        .partitions
        .iter()
        .filter(|p| args.partition.is_none_or(|want| want == p.partition))
        .map(|p| TopicPartition::new(&args.topic, p.partition))
        .collect();
    if partitions.is_empty() {
        return Err(format!("topic {} has no partition {}", args.topic, args.partition.unwrap_or(-1)));
    }
    consumer.assign(&partitions);
    for tp in &partitions {
        consumer.seek(tp, from).map_err(fail)?;
    }
    Ok(())
}

/// One piece of an output template.
#[derive(Debug, PartialEq, Eq)]
enum Piece {
    Text(Vec<u8>),
    Field(u8),
}

fn parse_template(format: &str) -> Vec<Piece> {
    let mut pieces = Vec::new();
    let mut text = Vec::new();
    let mut bytes = format.bytes();
    while let Some(b) = bytes.next() {
        match b {
            b'%' => match bytes.next() {
                Some(b'%') => text.push(b'%'),
                Some(f @ (b't' | b'p' | b'o' | b'T' | b'k' | b'v' | b'h')) => {
                    pieces.push(Piece::Text(std::mem::take(&mut text)));
                    pieces.push(Piece::Field(f));
                }
                Some(other) => text.extend_from_slice(&[b'%', other]),
                None => text.push(b'%'),
            },
            b'\\' => match bytes.next() {
                Some(b'n') => text.push(b'\n'),
                Some(b't') => text.push(b'\t'),
                Some(b'\\') => text.push(b'\\'),
                Some(other) => text.extend_from_slice(&[b'\\', other]),
                None => text.push(b'\\'),
            },
            _ => text.push(b),
        }
    }
    pieces.push(Piece::Text(text));
    pieces.retain(|p| *p != Piece::Text(Vec::new()));
    pieces
}

fn write_template(out: &mut impl Write, template: &[Piece], r: &ConsumerRecord) -> std::io::Result<()> {
    for piece in template {
        match piece {
            Piece::Text(t) => out.write_all(t)?,
            Piece::Field(b't') => out.write_all(r.topic.as_bytes())?,
            Piece::Field(b'p') => write!(out, "{}", r.partition)?,
            Piece::Field(b'o') => write!(out, "{}", r.offset)?,
            Piece::Field(b'T') => write!(out, "{}", r.timestamp)?,
            Piece::Field(b'k') => out.write_all(r.key.as_deref().unwrap_or_default())?,
            Piece::Field(b'v') => out.write_all(r.value.as_deref().unwrap_or_default())?,
            Piece::Field(_) => {
                for (i, h) in r.headers.iter().enumerate() {
                    if i > 0 {
                        out.write_all(b",")?;
                    }
                    write!(out, "{}=", h.key)?;
                    out.write_all(h.value.as_deref().unwrap_or_default())?;
                }
            }
        }
    }
    Ok(())
}

/// A record as one JSON object; keys, values and headers as (lossy) UTF-8, null for null.
fn record_json(r: &ConsumerRecord) -> serde_json::Value {
    let text = |b: &Option<bytes::Bytes>| b.as_ref().map(|b| String::from_utf8_lossy(b).into_owned());
    let headers: serde_json::Map<String, serde_json::Value> =
        r.headers.iter().map(|h| (h.key.clone(), json!(text(&h.value)))).collect();
    json!({
        "topic": &*r.topic,
        "partition": r.partition,
        "offset": r.offset,
        "timestamp": r.timestamp,
        "key": text(&r.key),
        "value": text(&r.value),
        "headers": headers,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_substitutes_fields() {
        let r = ConsumerRecord {
            topic: "t".into(),
            partition: 2,
            offset: 7,
            timestamp: 99,
            timestamp_type: strata_client::consumer::TimestampType::CreateTime,
            key: Some("k".into()),
            value: Some("v".into()),
            headers: vec![strata_client::consumer::Header { key: "h".into(), value: Some("x".into()) }],
        };
        let mut out = Vec::new();
        write_template(&mut out, &parse_template("%t/%p@%o %T %k=%v [%h] 100%%\\n"), &r).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "t/2@7 99 k=v [h=x] 100%\n");
    }
}
