//! The parking lot of `run` (see `switchyard_pipeline::parking`): its log is partition 0 of
//! `parking.topic.name`. The lot is restored from the log before the first record is
//! consumed; unparkings write their outputs with the task's producer and wait for every
//! acknowledgement before they write a key's release.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::producer::{Producer, ThreadedProducer};
use rdkafka::{ClientConfig, Offset, TopicPartitionList};

use switchyard_convert::record::{Origin, OutputRecord};
use switchyard_pipeline::parking::{Destination, ParkingLot, UnparkSink};

use crate::Shared;
use crate::sink::{self, Delivery, SinkContext};

/// The partition of the parking topic that holds the log: one partition keeps one order
/// between a key's entries and its releases, whoever writes them.
pub const LOG_PARTITION: i32 = 0;

const POLL: Duration = Duration::from_millis(100);

/// Why the parking log could not be read.
#[derive(Debug, thiserror::Error)]
#[error("reading the parking log {topic}: {message}")]
pub struct RestoreError {
    /// The parking topic.
    pub topic: String,
    /// What went wrong.
    pub message: String,
}

/// Reads the parking log in `topic` from its start up to its end offset now, into `lot`;
/// answers how many log records were read. A record that is not a parking-log record is
/// skipped with a warning (it was not written by Switchyard).
pub fn restore(
    client: &ClientConfig,
    group: &str,
    topic: &str,
    lot: &ParkingLot,
    timeout: Duration,
) -> Result<u64, RestoreError> {
    let err = |message: String| RestoreError {
        topic: topic.to_string(),
        message,
    };
    let mut config = client.clone();
    // librdkafka wants a group.id even for `assign`; the consumer never joins the group and
    // commits nothing to it. Releases are written outside transactions: read_uncommitted.
    config
        .set("group.id", format!("{group}-parking"))
        .set("enable.auto.commit", "false")
        .set("enable.auto.offset.store", "false")
        .set("enable.partition.eof", "false");
    let consumer: BaseConsumer = config
        .create()
        .map_err(|e| err(format!("cannot create the consumer: {e}")))?;
    let deadline = Instant::now() + timeout;
    let remaining = || deadline.saturating_duration_since(Instant::now());
    let (low, high) = consumer
        .fetch_watermarks(topic, LOG_PARTITION, remaining())
        .map_err(|e| err(format!("cannot read the end offset: {e}")))?;
    let mut assignment = TopicPartitionList::new();
    assignment
        .add_partition_offset(topic, LOG_PARTITION, Offset::Beginning)
        .map_err(|e| err(e.to_string()))?;
    consumer
        .assign(&assignment)
        .map_err(|e| err(format!("cannot assign partition {LOG_PARTITION}: {e}")))?;
    let mut read = 0u64;
    let mut apply = |message: &rdkafka::message::BorrowedMessage<'_>| {
        let (record, _) = crate::source::to_record(message);
        if let Err(e) = lot.apply_log(record) {
            tracing::warn!(
                "skipping {topic}[{LOG_PARTITION}]@{}: not a parking-log record ({e})",
                rdkafka::Message::offset(message)
            );
        }
        read += 1;
    };
    let mut next = low;
    while next < high {
        if Instant::now() >= deadline {
            return Err(err(format!(
                "not read within {timeout:?}: at offset {next} of {high}"
            )));
        }
        match consumer.poll(POLL) {
            Some(Ok(message)) => {
                next = rdkafka::Message::offset(&message) + 1;
                apply(&message);
            }
            Some(Err(e)) => return Err(err(e.to_string())),
            None => {
                if let Ok(positions) = consumer.position()
                    && let Some(Offset::Offset(at)) = positions
                        .find_partition(topic, LOG_PARTITION)
                        .map(|p| p.offset())
                {
                    next = next.max(at);
                }
            }
        }
    }
    // Then what is already fetched, until the first empty poll: some brokers answer an end
    // offset that lags their log (see `crate::tables`).
    let until = Instant::now() + Duration::from_secs(1);
    while Instant::now() < until {
        match consumer.poll(POLL) {
            Some(Ok(message)) => apply(&message),
            Some(Err(e)) => return Err(err(e.to_string())),
            None => break,
        }
    }
    Ok(read)
}

/// Keeps a task's view of the parking lot current across rebalances: a partition assigned to
/// this process may hold keys another process parked since the lot was restored. On every
/// assignment but the first (the lot was restored just before), the log is read again into
/// the lot (applying it again is idempotent), and an unparking is due: the records another
/// process parked may not have been tried by this process's chain.
pub struct Refresher {
    /// The clients' settings.
    pub client: ClientConfig,
    /// The consumer group, which names the log's reader.
    pub group: String,
    /// The parking topic.
    pub topic: String,
    /// The lot.
    pub lot: Arc<ParkingLot>,
    assignments: AtomicU64,
    due: AtomicBool,
    failure: Mutex<Option<String>>,
}

impl Refresher {
    /// A refresher of `lot` from `topic`.
    pub fn new(client: ClientConfig, group: String, topic: String, lot: Arc<ParkingLot>) -> Self {
        Refresher {
            client,
            group,
            topic,
            lot,
            assignments: AtomicU64::new(0),
            due: AtomicBool::new(false),
            failure: Mutex::new(None),
        }
    }

    /// Called when partitions are assigned (from the rebalance callback, before their records
    /// are fetched).
    pub fn assigned(&self) {
        if self.assignments.fetch_add(1, Ordering::AcqRel) == 0 {
            return;
        }
        match restore(
            &self.client,
            &self.group,
            &self.topic,
            &self.lot,
            crate::tables::RESTORE_TIMEOUT,
        ) {
            Ok(read) => {
                tracing::info!(
                    "parking lot read again after a rebalance: {read} log record(s), {} record(s) parked",
                    self.lot.parked()
                );
            }
            Err(e) => {
                let mut failure = self.failure.lock().unwrap_or_else(|e| e.into_inner());
                *failure = Some(e.to_string());
            }
        }
        // Either way the task has something to do before its next record.
        self.due.store(true, Ordering::Release);
    }

    /// Whether an unparking is due since the last call; a log that could not be read again
    /// stops the task (its view of the parked keys could be stale). Called before every
    /// record: one atomic swap unless a rebalance happened.
    pub fn take_due(&self) -> Result<bool, String> {
        if !self.due.swap(false, Ordering::AcqRel) {
            return Ok(false);
        }
        match self
            .failure
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
        {
            Some(failure) => Err(failure),
            None => Ok(true),
        }
    }
}

/// Writes an unparking's records with a task's producer.
pub struct KafkaSink<'a> {
    /// The task's producer.
    pub producer: &'a ThreadedProducer<SinkContext>,
    /// The task's offset tracker: unparked records stand for no consumed offset.
    pub shared: &'a Arc<Shared>,
    /// How long a flush may take.
    pub timeout: Duration,
}

impl UnparkSink for KafkaSink<'_> {
    fn write(&mut self, destination: Destination, record: OutputRecord) -> Result<(), String> {
        // An unparked record stands for no consumed offset: its ticket names no topic (no
        // topic is named ""), so its acknowledgement moves no input partition's position.
        let delivery = Delivery {
            ticket: self.shared.detached(&Origin::default()),
            dead_letter: destination == Destination::DeadLetter,
        };
        sink::send(self.producer, &record, delivery)
            .map_err(|e| format!("producing to {}: {e}", record.topic))
    }

    fn flush(&mut self) -> Result<(), String> {
        sink::flush(self.producer, self.timeout)
            .map_err(|e| format!("waiting for the acknowledgements: {e}"))?;
        match self.producer.context().take_failed().into_iter().next() {
            None => Ok(()),
            Some(failed) => Err(format!(
                "delivery to {} failed: {}",
                failed.record.topic, failed.error
            )),
        }
    }
}
