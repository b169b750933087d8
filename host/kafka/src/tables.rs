//! Materialises lookup tables from their compacted topics for `switchyard run`, as Kafka
//! Streams restores a `KTable` (`org.apache.kafka.streams.processor.internals.StoreChangelogReader`):
//! a consumer with no group is assigned every partition of the topic from the beginning, the
//! table is *restored* up to the end offsets the partitions had when the restore began, and
//! only then does the pipeline transform its first record. After that, one thread per table
//! keeps polling and applies every update, so a price changed in the database changes the
//! next enriched document.
//!
//! The consumer reads with `isolation.level=read_committed` (a table should not show what a
//! transaction later aborts), never joins a consumer group (it assigns itself the partitions)
//! and commits nothing: every start restores from the beginning, which is what a compacted
//! topic is for.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::Message;
use rdkafka::{Offset, TopicPartitionList};

use switchyard_convert::record::Converters;
use switchyard_engine::lookup::{LookupError, Lookups, Table};

/// How long `run` waits for its lookup tables to be restored before it gives up.
pub const RESTORE_TIMEOUT: Duration = Duration::from_secs(300);

/// How long one poll waits for a record.
const POLL: Duration = Duration::from_millis(100);

/// The background consumers keeping a pipeline's tables current; dropping it stops them.
#[derive(Debug)]
pub struct Followers {
    stop: Arc<AtomicBool>,
    threads: Vec<JoinHandle<()>>,
}

impl Followers {
    /// Stops the consumers and waits for their threads.
    fn shutdown(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        for thread in self.threads.drain(..) {
            let _ = thread.join();
        }
    }
}

impl Drop for Followers {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// Restores every table of `lookups` that has a `topic` from the beginning of that topic, up
/// to the end offsets at the start, within `restore_timeout`; then follows each topic on a
/// thread of its own. `client` carries the connection settings (`bootstrap.servers`, security);
/// `group.id` and offset commits are not used.
pub fn materialise(
    lookups: &Arc<Lookups>,
    converters: &Arc<Converters>,
    client: &ClientConfig,
    restore_timeout: Duration,
) -> Result<Followers, LookupError> {
    let stop = Arc::new(AtomicBool::new(false));
    let mut followers = Followers {
        stop: Arc::clone(&stop),
        threads: Vec::new(),
    };
    for table in lookups.tables() {
        let Some(topic) = table.spec().topic.clone() else {
            continue;
        };
        let consumer = restore(table, converters, client, &topic, restore_timeout)?;
        let size = table.size();
        tracing::info!(
            table = table.spec().name.as_str(),
            "lookup table restored from {topic}: {} keys, {} bytes",
            size.entries,
            size.bytes
        );
        let name = table.spec().name.clone();
        let table = Arc::clone(table);
        let converters = Arc::clone(converters);
        let stop = Arc::clone(&stop);
        let thread = std::thread::Builder::new()
            .name(format!("switchyard-lookup-{}", table.spec().name))
            .spawn(move || follow(&table, &converters, &consumer, &topic, &stop))
            .map_err(|e| LookupError::Source {
                table: name,
                message: format!("cannot start the consumer thread: {e}"),
            })?;
        followers.threads.push(thread);
    }
    Ok(followers)
}

/// Creates the table's consumer and reads the topic up to the end offsets it has now.
fn restore(
    table: &Table,
    converters: &Converters,
    client: &ClientConfig,
    topic: &str,
    timeout: Duration,
) -> Result<BaseConsumer, LookupError> {
    let name = &table.spec().name;
    let err = |message: String| LookupError::Source {
        table: name.clone(),
        message: format!("topic {topic}: {message}"),
    };
    let mut config = client.clone();
    // librdkafka wants a group.id even for `assign`; the consumer never joins the group (no
    // `subscribe`) and commits nothing to it.
    config
        .set("group.id", format!("switchyard-lookup-{name}"))
        .set("enable.auto.commit", "false")
        .set("enable.auto.offset.store", "false")
        .set("isolation.level", "read_committed")
        .set("enable.partition.eof", "false");
    let consumer: BaseConsumer = config
        .create()
        .map_err(|e| err(format!("cannot create the consumer: {e}")))?;
    let deadline = Instant::now() + timeout;
    let remaining = || deadline.saturating_duration_since(Instant::now());
    let metadata = consumer
        .fetch_metadata(Some(topic), remaining())
        .map_err(|e| err(format!("cannot read the topic's metadata: {e}")))?;
    let partitions = crate::topics::partitions(&metadata, topic);
    if partitions.is_empty() {
        return Err(err("the topic does not exist or has no partitions".into()));
    }
    // The end of each partition now: the restore is complete once every partition is read
    // up to it (`StoreChangelogReader` restores to the end offsets it listed).
    let mut pending = Vec::new();
    let mut assignment = TopicPartitionList::new();
    for &partition in &partitions {
        let (low, high) = consumer
            .fetch_watermarks(topic, partition, remaining())
            .map_err(|e| {
                err(format!(
                    "cannot read the end offset of partition {partition}: {e}"
                ))
            })?;
        if high > low {
            pending.push((partition, high));
        }
        assignment
            .add_partition_offset(topic, partition, Offset::Beginning)
            .map_err(|e| err(e.to_string()))?;
    }
    consumer
        .assign(&assignment)
        .map_err(|e| err(format!("cannot assign the partitions: {e}")))?;
    tracing::info!(
        table = name.as_str(),
        "restoring from {topic}: end offsets {:?} (partition, end)",
        pending
    );
    let mut drained = false;
    loop {
        if pending.is_empty() {
            // Then what is already fetched, until the first empty poll (at most a second),
            // for brokers whose ListOffsets answer lags their log: tansu 0.6 answered 1 for a
            // partition holding 29 records written in one batch. Bounded, so a busy topic
            // cannot keep the restore going.
            if drained {
                break;
            }
            drained = true;
            let until = Instant::now() + Duration::from_secs(1);
            while Instant::now() < until {
                match consumer.poll(POLL) {
                    Some(Ok(message)) => apply(table, converters, &message)?,
                    Some(Err(e)) => return Err(err(e.to_string())),
                    None => break,
                }
            }
            continue;
        }
        if Instant::now() >= deadline {
            return Err(err(format!(
                "not restored within {timeout:?}: partitions {:?} are behind their end offsets",
                pending.iter().map(|(p, _)| *p).collect::<Vec<_>>()
            )));
        }
        match consumer.poll(POLL) {
            Some(Ok(message)) => {
                apply(table, converters, &message)?;
                let (partition, next) = (message.partition(), message.offset() + 1);
                pending.retain(|&(p, high)| p != partition || next < high);
            }
            Some(Err(e)) => return Err(err(e.to_string())),
            None => {
                // Control records of transactions take offsets but are never delivered: the
                // consumer's position tells when the end is reached anyway.
                pending.retain(|&(p, high)| {
                    position_of(&consumer, topic, p).is_none_or(|at| at < high)
                });
            }
        }
    }
    Ok(consumer)
}

/// The consumer's position in a partition (the offset after the last record delivered).
fn position_of(consumer: &BaseConsumer, topic: &str, partition: i32) -> Option<i64> {
    let positions = consumer.position().ok()?;
    match positions.find_partition(topic, partition)?.offset() {
        Offset::Offset(at) => Some(at),
        _ => None,
    }
}

/// Applies every record that arrives until `stop`; a failure marks the table failed (lookups
/// answer `unavailable`, which stops the pipeline) and ends the thread.
fn follow(
    table: &Table,
    converters: &Converters,
    consumer: &BaseConsumer,
    topic: &str,
    stop: &AtomicBool,
) {
    while !stop.load(Ordering::Relaxed) {
        let result = match consumer.poll(POLL) {
            None => Ok(()),
            Some(Ok(message)) => apply(table, converters, &message),
            // librdkafka reports broker trouble here and keeps retrying by itself.
            Some(Err(e)) => {
                tracing::warn!(
                    table = table.spec().name.as_str(),
                    "lookup table consumer of {topic}: {e}"
                );
                Ok(())
            }
        };
        if let Err(e) = result {
            tracing::error!("{e}");
            table.fail(e.to_string());
            return;
        }
    }
}

fn apply(
    table: &Table,
    converters: &Converters,
    message: &rdkafka::message::BorrowedMessage<'_>,
) -> Result<(), LookupError> {
    table.apply_record(
        converters,
        message.topic(),
        message.key(),
        message.payload(),
        || {
            format!(
                "{}/{}@{}",
                message.topic(),
                message.partition(),
                message.offset()
            )
        },
    )
}
