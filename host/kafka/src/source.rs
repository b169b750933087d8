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
use rdkafka::message::{BorrowedMessage, Message};
use rdkafka::statistics::Statistics;
use rdkafka::{ClientContext, Offset, TopicPartitionList};

use super::Shared;
use super::sink::headers_of;
use super::transaction::Transactions;
use crate::metrics::Metrics;
use switchyard_convert::record::{Origin, Record};

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

/// A consumed message as a record for the chain, and where it came from. The partition is left
/// to the producer's partitioner (the output topic's partitions are its own).
pub fn to_record(message: &BorrowedMessage<'_>) -> (Record, Origin) {
    let mut record = Record::new(
        message.topic(),
        message.key().map(Bytes::copy_from_slice),
        message.payload().map(Bytes::copy_from_slice),
    );
    record.timestamp = message.timestamp().to_millis();
    record.headers = headers_of(message);
    let origin = Origin {
        topic: message.topic().to_string(),
        partition: Some(message.partition()),
        offset: Some(message.offset()),
    };
    (record, origin)
}
