//! The consumer side of `switchyard run`: a consumer-group member over the raw topics.
//!
//! Offsets are stored only by the processing loop, from the
//! [`OffsetTracker`](super::offsets::OffsetTracker) (`enable.auto.offset.store=false`), and
//! committed by librdkafka's commit cycle. On a rebalance the partitions being revoked get a
//! bounded moment for their in-flight records to be acknowledged; what is done is committed,
//! what is not is dropped and will be consumed again by the partition's next owner.
//!
//! In exactly-once mode ([`Transactions`]) offsets are committed by the transactions instead:
//! on a revoke the open transaction is committed (aborted when the assignment was lost).

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use bytes::Bytes;
use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer, ConsumerContext, Rebalance};
use rdkafka::error::KafkaResult;
use rdkafka::message::{BorrowedMessage, Message};
use rdkafka::statistics::Statistics;
use rdkafka::{ClientContext, Offset, TopicPartitionList};

use super::Shared;
use super::sink::headers_of;
use super::transaction::Transactions;
use crate::metrics::Metrics;
use switchyard_convert::record::{Origin, Part, Record};

/// The consumer's callbacks.
pub struct SourceContext {
    shared: Arc<Shared>,
    metrics: Arc<Metrics>,
    task: u32,
    revoke_timeout: Duration,
    transactions: OnceLock<Arc<Transactions>>,
    parking: OnceLock<Arc<crate::parking::Refresher>>,
}

impl SourceContext {
    /// A context of task `task` reporting to `shared` and `metrics`; a revoked partition's
    /// in-flight records get `revoke_timeout` to be acknowledged.
    pub fn new(
        shared: Arc<Shared>,
        metrics: Arc<Metrics>,
        task: u32,
        revoke_timeout: Duration,
    ) -> Self {
        SourceContext {
            shared,
            metrics,
            task,
            revoke_timeout,
            transactions: OnceLock::new(),
            parking: OnceLock::new(),
        }
    }

    /// Reads the parking log again whenever partitions are assigned after the first time:
    /// another process may have parked records of their keys.
    pub fn set_parking(&self, refresher: Arc<crate::parking::Refresher>) {
        let _ = self.parking.set(refresher);
    }

    /// Switches rebalances to exactly-once handling: the open transaction is committed before
    /// partitions are revoked (aborted when the assignment was lost).
    pub fn set_transactions(&self, transactions: Arc<Transactions>) {
        let _ = self.transactions.set(transactions);
    }
}

impl ClientContext for SourceContext {
    fn log(&self, level: rdkafka::config::RDKafkaLogLevel, fac: &str, log_message: &str) {
        crate::logs::client_log(level, fac, log_message);
    }

    fn error(&self, error: rdkafka::error::KafkaError, reason: &str) {
        crate::logs::client_error(&error, reason);
    }

    fn stats(&self, statistics: Statistics) {
        for (name, topic) in &statistics.topics {
            for (&partition, p) in &topic.partitions {
                if partition < 0 || !p.desired {
                    continue;
                }
                // librdkafka's lag is from the committed offset, unknown (-1) until the first
                // commit: a partition with nothing to consume would never report one. Its
                // fetch position tells how far behind the end (the last stable offset under
                // read_committed) it is instead.
                let end = if p.ls_offset >= 0 {
                    p.ls_offset
                } else {
                    p.hi_offset
                };
                let lag = if p.consumer_lag >= 0 {
                    p.consumer_lag
                } else if end >= 0 && p.next_offset >= 0 {
                    (end - p.next_offset).max(0)
                } else {
                    continue;
                };
                self.metrics.set_lag(name, partition, lag);
            }
        }
    }
}

impl ConsumerContext for SourceContext {
    fn pre_rebalance(&self, consumer: &BaseConsumer<Self>, rebalance: &Rebalance<'_>) {
        match rebalance {
            Rebalance::Revoke(list) => {
                let partitions: Vec<(String, i32)> = list
                    .elements()
                    .iter()
                    .map(|e| (e.topic().to_string(), e.partition()))
                    .collect();
                if let Some(txn) = self.transactions.get() {
                    let result = if consumer.assignment_lost() {
                        txn.abort("the consumer group assignment was lost")
                    } else {
                        txn.commit(consumer)
                    };
                    if let Err(e) = result {
                        txn.fail(e);
                    }
                    txn.revoked(&partitions);
                } else if consumer.assignment_lost() {
                    tracing::warn!(
                        "assignment lost: dropping {} partitions without committing",
                        partitions.len()
                    );
                } else {
                    self.shared
                        .wait_until_done(&partitions, self.revoke_timeout);
                    let mut commit = TopicPartitionList::new();
                    for (topic, partition) in &partitions {
                        if let Some(position) = self.shared.position(topic, *partition)
                            && let Err(e) = commit.add_partition_offset(
                                topic,
                                *partition,
                                Offset::Offset(position),
                            )
                        {
                            tracing::warn!("{topic}[{partition}]: {e}");
                        }
                    }
                    if commit.count() > 0
                        && let Err(e) = consumer.commit(&commit, CommitMode::Sync)
                    {
                        tracing::warn!("committing revoked partitions: {e}");
                    }
                }
                self.shared.revoke(&partitions);
                self.metrics
                    .retain_lag(|t, p| !partitions.iter().any(|(rt, rp)| rt == t && *rp == p));
                tracing::info!("partitions revoked: {}", describe(&partitions));
            }
            Rebalance::Assign(list) => {
                let partitions: Vec<(String, i32)> = list
                    .elements()
                    .iter()
                    .map(|e| (e.topic().to_string(), e.partition()))
                    .collect();
                self.shared.assign(&partitions);
                tracing::info!("partitions assigned: {}", describe(&partitions));
                // Before the first record of the new partitions is fetched.
                if let Some(refresher) = self.parking.get() {
                    refresher.assigned();
                }
            }
            Rebalance::Error(e) => tracing::warn!("rebalance error: {e}"),
        }
    }

    fn post_rebalance(&self, consumer: &BaseConsumer<Self>, _rebalance: &Rebalance<'_>) {
        let assigned = consumer.assignment().map(|a| a.count()).unwrap_or(0);
        self.metrics.set_assigned(self.task, assigned);
    }
}

fn describe(partitions: &[(String, i32)]) -> String {
    partitions
        .iter()
        .map(|(t, p)| format!("{t}[{p}]"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A consumed message as a record for the chain, and where it came from, its bytes copied: for
/// records kept for long (lookup tables, the parking log, dead letters being replayed). The
/// partition is left to the producer's partitioner (the output topic's partitions are its own).
pub fn to_record(message: &BorrowedMessage<'_>) -> (Record, Origin) {
    let (mut record, origin) = record_without_value(message);
    record.value = Part::from_bytes(message.payload().map(Bytes::copy_from_slice));
    (record, origin)
}

/// The record of `message` with a null value, and its origin.
fn record_without_value(message: &BorrowedMessage<'_>) -> (Record, Origin) {
    // Read once: each call looks the name up in librdkafka and checks it is UTF-8.
    let topic = message.topic();
    let mut record = Record::new(topic, message.key().map(Bytes::copy_from_slice), None);
    record.timestamp = message.timestamp().to_millis();
    record.headers = headers_of(message);
    let origin = Origin {
        topic: topic.to_string(),
        partition: Some(message.partition()),
        offset: Some(message.offset()),
    };
    (record, origin)
}

/// Values at least this long are borrowed from the consumer's buffer rather than copied; a
/// shorter one costs less to copy than the shared handle that borrowing allocates.
const BORROW_FROM: usize = 512;

/// The consumer of a task, shared with the records whose values borrow its messages' bytes.
pub type SharedConsumer = Arc<BaseConsumer<SourceContext>>;

/// Polls `consumer` for the next record of the stream (`None` when nothing came within
/// `timeout`). A value of [`BORROW_FROM`] bytes or more is not copied: the record's value
/// borrows librdkafka's buffer, which stays alive until the last handle on the value is
/// dropped (once the outputs are handed to the producer, which copies them, in the common
/// case). Keys and headers are copied.
pub fn poll(consumer: &SharedConsumer, timeout: Duration) -> Option<KafkaResult<(Record, Origin)>> {
    Some(consumer.poll(timeout)?.map(|message| {
        let (mut record, origin) = record_without_value(&message);
        let value = match message.payload() {
            Some(payload) if payload.len() >= BORROW_FROM => {
                Some(borrow_payload(message, consumer))
            }
            other => other.map(Bytes::copy_from_slice),
        };
        record.value = Part::from_bytes(value);
        (record, origin)
    }))
}

/// A message kept alive for the bytes of its payload.
struct Payload {
    /// Declared first, so dropped first: the message must not outlive its consumer.
    message: BorrowedMessage<'static>,
    /// The consumer the message was polled from.
    _consumer: SharedConsumer,
}

impl AsRef<[u8]> for Payload {
    fn as_ref(&self) -> &[u8] {
        self.message.payload().unwrap_or_default()
    }
}

/// The payload of `message`, polled from `consumer`, as bytes that borrow librdkafka's buffer.
///
/// Hand-written because rdkafka offers no owned message that keeps its buffer: its
/// `OwnedMessage` copies. A `BorrowedMessage<'a>` holds its own reference-counted handle on
/// the librdkafka event its bytes live in; the lifetime `'a` only stands for "while the
/// consumer is alive" (librdkafka must not be destroyed under it). [`Payload`] holds a
/// reference on that consumer and drops the message before it, which keeps that promise for
/// as long as the bytes live, whichever thread drops them.
#[allow(unsafe_code)]
fn borrow_payload(message: BorrowedMessage<'_>, consumer: &SharedConsumer) -> Bytes {
    // SAFETY: the message was polled from `consumer` (the only caller, [`poll`], passes the
    // consumer it polled), and the `Payload` keeps that consumer alive until after the message
    // is dropped; nothing else in a `BorrowedMessage` borrows the consumer.
    let message =
        unsafe { std::mem::transmute::<BorrowedMessage<'_>, BorrowedMessage<'static>>(message) };
    Bytes::from_owner(Payload {
        message,
        _consumer: Arc::clone(consumer),
    })
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::{Duration, Instant};

    use rdkafka::ClientConfig;
    use rdkafka::consumer::Consumer;
    use rdkafka::mocking::MockCluster;
    use rdkafka::producer::{BaseProducer, BaseRecord, Producer};

    use super::{BORROW_FROM, SharedConsumer, SourceContext, poll};
    use crate::Shared;
    use crate::metrics::Metrics;

    /// A value borrowed from the consumer's buffer stays readable after the task let go of
    /// its consumer (the value keeps it alive), and short values and keys are copied.
    #[test]
    fn a_borrowed_value_outlives_the_tasks_handle_on_its_consumer() {
        let cluster = MockCluster::new(1).expect("mock cluster");
        cluster.create_topic("t", 1, 1).expect("topic");
        let bootstrap = cluster.bootstrap_servers();
        let long: Vec<u8> = (0..BORROW_FROM * 3).map(|i| (i % 251) as u8).collect();
        let producer: BaseProducer = ClientConfig::new()
            .set("bootstrap.servers", &bootstrap)
            .create()
            .expect("producer");
        for value in [&long[..], b"short"] {
            producer
                .send(BaseRecord::to("t").key("k").payload(value))
                .map_err(|(e, _)| e)
                .expect("send");
        }
        producer.flush(Duration::from_secs(10)).expect("flush");

        let consumer: SharedConsumer = Arc::new(
            ClientConfig::new()
                .set("bootstrap.servers", &bootstrap)
                .set("group.id", "borrow")
                .set("auto.offset.reset", "earliest")
                .create_with_context(SourceContext::new(
                    Arc::new(Shared::default()),
                    Arc::new(Metrics::default()),
                    0,
                    Duration::from_secs(1),
                ))
                .expect("consumer"),
        );
        consumer.subscribe(&["t"]).expect("subscribe");
        let mut records = Vec::new();
        let deadline = Instant::now() + Duration::from_secs(30);
        while records.len() < 2 && Instant::now() < deadline {
            if let Some(polled) = poll(&consumer, Duration::from_millis(100)) {
                records.push(polled.expect("a record"));
            }
        }
        assert_eq!(records.len(), 2, "both records consumed");
        assert_eq!(
            Arc::strong_count(&consumer),
            2,
            "the long value holds the consumer"
        );
        drop(consumer);

        let bytes = |part: &switchyard_convert::record::Part| {
            part.original_bytes().cloned().flatten().expect("bytes")
        };
        let (long_record, origin) = &records[0];
        assert_eq!((origin.topic.as_str(), origin.offset), ("t", Some(0)));
        assert_eq!(bytes(&long_record.value), long);
        assert_eq!(bytes(&long_record.key), "k");
        assert_eq!(bytes(&records[1].0.value), "short");
        // Detached, the value no longer holds the consumer's buffer, and reads the same.
        let mut detached = long_record.clone();
        detached.detach();
        records.clear();
        assert_eq!(bytes(&detached.value), long);
    }
}
