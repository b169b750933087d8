//! The producer side of `switchyard run`: records go to the topics the chain names, keys
//! partitioned like Java clients (murmur2), and each broker acknowledgement is handed to the
//! [`OffsetTracker`](super::offsets::OffsetTracker) so the input offset it stands for can be
//! committed.
//!
//! Deliveries are served on the [`ThreadedProducer`]'s own thread. A failed delivery (after
//! librdkafka's own retries of transient errors) is queued for the processing thread, which
//! dead-letters it or stops: it is never acknowledged silently.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use rdkafka::ClientContext;
use rdkafka::error::{KafkaError, KafkaResult, RDKafkaErrorCode};
use rdkafka::message::{BorrowedMessage, Header as KafkaHeader, Headers, Message, OwnedHeaders};
use rdkafka::producer::{BaseRecord, DeliveryResult, Producer, ProducerContext, ThreadedProducer};

use super::Shared;
use super::offsets::Ticket;
use crate::metrics::Metrics;
use switchyard_convert::record::{Header, OutputRecord};

/// What a produced record stands for.
#[derive(Debug, Clone)]
pub struct Delivery {
    /// The consumed record it was derived from.
    pub ticket: Ticket,
    /// Whether it is a dead-letter record.
    pub dead_letter: bool,
}

/// The record a delivered (or failed) message carried.
pub fn record_of(message: &BorrowedMessage<'_>) -> OutputRecord {
    OutputRecord {
        topic: message.topic().to_string(),
        partition: None,
        offset: None,
        timestamp: message.timestamp().to_millis(),
        headers: headers_of(message),
        key: message.key().map(Bytes::copy_from_slice),
        key_is_json: false,
        value: message.payload().map(Bytes::copy_from_slice),
        value_is_json: false,
    }
}

/// The headers of a Kafka message.
pub fn headers_of<M: Message>(message: &M) -> Vec<Header> {
    message
        .headers()
        .map(|headers| {
            headers
                .iter()
                .map(|h| Header {
                    key: h.key.to_string(),
                    value: h.value.map(Bytes::copy_from_slice),
                })
                .collect()
        })
        .unwrap_or_default()
}

/// A delivery that failed after librdkafka gave up on it.
#[derive(Debug)]
pub struct FailedDelivery {
    /// What the record stood for.
    pub delivery: Delivery,
    /// The record.
    pub record: OutputRecord,
    /// Why it failed.
    pub error: KafkaError,
}

/// The producer's callbacks.
pub struct SinkContext {
    shared: Arc<Shared>,
    metrics: Arc<Metrics>,
    failed: Mutex<Vec<FailedDelivery>>,
}

impl SinkContext {
    /// A context reporting to `shared` and `metrics`.
    pub fn new(shared: Arc<Shared>, metrics: Arc<Metrics>) -> Self {
        SinkContext {
            shared,
            metrics,
            failed: Mutex::new(Vec::new()),
        }
    }

    /// Takes the deliveries that failed since the last call.
    pub fn take_failed(&self) -> Vec<FailedDelivery> {
        std::mem::take(&mut *self.failed.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

impl ClientContext for SinkContext {
    fn log(&self, level: rdkafka::config::RDKafkaLogLevel, fac: &str, log_message: &str) {
        crate::logs::client_log(level, fac, log_message);
    }

    fn error(&self, error: rdkafka::error::KafkaError, reason: &str) {
        crate::logs::client_error(&error, reason);
    }
}

impl ProducerContext for SinkContext {
    type DeliveryOpaque = Box<Delivery>;

    fn delivery(&self, result: &DeliveryResult<'_>, delivery: Box<Delivery>) {
        match result {
            Ok(message) => {
                if !delivery.dead_letter {
                    self.metrics
                        .delivered(message.topic(), message.timestamp().to_millis());
                }
                self.shared.acknowledged(&delivery.ticket);
            }
            Err((error, message)) => {
                let failed = FailedDelivery {
                    delivery: *delivery,
                    record: record_of(message),
                    error: error.clone(),
                };
                self.failed
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push(failed);
                self.shared.notify();
            }
        }
    }
}

/// The message of `record`, carrying `opaque` to its delivery report.
pub fn message<D: rdkafka::util::IntoOpaque>(
    record: &OutputRecord,
    opaque: D,
) -> BaseRecord<'_, [u8], [u8], D> {
    let mut base = BaseRecord::<[u8], [u8], D>::with_opaque_to(&record.topic, opaque);
    // No header list at all for a record without headers: librdkafka would allocate one.
    if !record.headers.is_empty() {
        let mut headers = OwnedHeaders::new_with_capacity(record.headers.len());
        for h in &record.headers {
            headers = headers.insert(KafkaHeader {
                key: &h.key,
                value: h.value.as_deref(),
            });
        }
        base = base.headers(headers);
    }
    if let Some(key) = &record.key {
        base = base.key(key);
    }
    if let Some(value) = &record.value {
        base = base.payload(value);
    }
    if let Some(partition) = record.partition {
        base = base.partition(partition);
    }
    if let Some(timestamp) = record.timestamp {
        base = base.timestamp(timestamp);
    }
    base
}

/// Waits until every message handed to `producer` was delivered or failed and its delivery
/// report was served, for at most `timeout`.
///
/// Hand-written because rdkafka's `Producer::flush` waits in turns of `poll(100 ms)`, and
/// each turn lasts its full 100 ms however early the last report comes. With a
/// [`ThreadedProducer`], whose own thread serves the reports, every flush took at least
/// 100 ms, and so did every `commit_transaction`, which flushes first: a transaction
/// committed every 100 ms spent half its time waiting. librdkafka's `rd_kafka_flush`, when
/// the application serves the reports as events elsewhere (as rdkafka's producers do), waits on
/// a condition variable for the count of outstanding messages to reach zero.
#[allow(unsafe_code)]
pub fn flush<C: ProducerContext + 'static>(
    producer: &ThreadedProducer<C>,
    timeout: Duration,
) -> KafkaResult<()> {
    let timeout_ms = i32::try_from(timeout.as_millis()).unwrap_or(i32::MAX);
    // SAFETY: the handle is the live producer's, borrowed for the duration of the call, and
    // `rd_kafka_flush` may be called from any thread.
    let code =
        unsafe { rdkafka::bindings::rd_kafka_flush(producer.client().native_ptr(), timeout_ms) };
    match RDKafkaErrorCode::from(code) {
        RDKafkaErrorCode::NoError => Ok(()),
        code => Err(KafkaError::Flush(code)),
    }
}

/// Sends one record, waiting while librdkafka's queue is full.
pub fn send(
    producer: &ThreadedProducer<SinkContext>,
    record: &OutputRecord,
    delivery: Delivery,
) -> Result<(), KafkaError> {
    let mut base = message(record, Box::new(delivery));
    loop {
        match producer.send(base) {
            Ok(()) => return Ok(()),
            Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), back)) => {
                base = back;
                // The producer's thread drains the queue; give it a moment.
                std::thread::sleep(std::time::Duration::from_millis(5));
            }
            Err((e, _)) => return Err(e),
        }
    }
}
