//! The Kafka Connect task, written once for `apply` and `run`: a consumed record in, its encoded
//! outputs or its failure out, and a failure handled as Connect's `errors.*` settings say.
//!
//! Per record, as `WorkerSinkTask.convertAndTransformRecord` and
//! `RetryWithToleranceOperator` do it: the converters' services are waited for (a schema
//! registry that is down makes the record wait, never fail), the chain runs, retrying a
//! [transient](StepError::Transient) failure on Connect's [`Backoff`] until
//! `errors.retry.timeout`, and each output is encoded again. A failure is reported to every
//! reporter first — the `LogReporter` line when `errors.log.enable`, the dead-letter record when
//! the sink has a dead-letter destination — and the tolerance applied after
//! (`RetryWithToleranceOperator.execute` reports in its `finally`, before `Tolerance exceeded`
//! propagates).
//!
//! Sources and sinks — record JSONL files for `apply`, Kafka for `run` — only move bytes: they
//! hand each record to [`Task::process`], write what it returns, and write or send the
//! dead-letter record [`Task::handle_failure`] gives them.
//!
//! With a parking lot ([`Task::set_parking`], [`crate::parking`]), a record whose key is parked
//! is parked behind it without being run, and one a step does not handle yet
//! ([`StepError::Unhandled`]) is parked instead of failing: [`Processed::Parked`] carries the
//! entry the sink writes to the parking log.

use std::sync::Arc;
use std::time::Duration;

use crate::chain::{Chain, ChainError};
use crate::config::{ErrorPolicy, Pipeline, Tolerance};
use crate::errors::{Failure, Stage, exception_class};
use crate::parking::{BEHIND, ParkingLot};
use crate::stats::StepStats;
use switchyard_convert::backoff::Backoff;
use switchyard_convert::record::{Converters, Header, Origin, OutputRecord, Part, Record};
use switchyard_convert::{ConvertError, Converter, retry_transient_with};
use switchyard_engine::StepError;

/// What a task did, counted the same way by `apply` and `run`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    /// Records read.
    pub records_in: u64,
    /// Records written (a record can have several outputs).
    pub records_out: u64,
    /// Records a transform filtered out.
    pub filtered: u64,
    /// Records that failed.
    pub failed: u64,
    /// Records written to the dead-letter destination.
    pub dead_lettered: u64,
    /// Records parked: not handled yet, or behind a parked record of their key.
    pub parked: u64,
}

impl Summary {
    /// Adds another task's counts.
    pub fn add(&mut self, other: &Summary) {
        self.records_in += other.records_in;
        self.records_out += other.records_out;
        self.filtered += other.filtered;
        self.failed += other.failed;
        self.dead_lettered += other.dead_lettered;
        self.parked += other.parked;
    }
}

/// Whether an input record's key and value bytes are known to be JSON text: an output part left
/// untouched keeps its input's bytes, and so what is known about them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct InputKinds {
    /// The key bytes are JSON text.
    pub key_is_json: bool,
    /// The value bytes are JSON text.
    pub value_is_json: bool,
}

/// A record that failed: Connect's description of the failure, and what the reports need.
#[derive(Debug, Clone)]
pub struct FailedRecord {
    /// The stage, class, exception and message, as Connect's reporters write them.
    pub failure: Failure,
    /// What failed, for people: the failing step and its error.
    pub detail: String,
    /// A step declared itself broken: the task cannot go on, whatever the tolerance.
    pub broken: bool,
    /// The record as it was consumed, for its dead letter; kept only when the task has a
    /// dead-letter destination.
    pub original: Option<Record>,
}

impl FailedRecord {
    /// `record <location>: <detail>`, where the sink says where the record was read from.
    pub fn describe(&self, location: &str) -> String {
        format!("record {location}: {}", self.detail)
    }
}

/// The outcome of one record.
#[derive(Debug)]
pub enum Processed {
    /// The chain's outputs, encoded; none when a transform filtered the record out.
    Outputs(Vec<OutputRecord>),
    /// The record failed; hand it to [`Task::handle_failure`].
    Failed(Box<FailedRecord>),
    /// The record was parked ([`crate::parking`]): write this entry to the parking log, and
    /// count the record as done once it is durable.
    Parked(OutputRecord),
}

/// The outcome of one parked record run again ([`Task::unpark_one`]).
#[derive(Debug)]
pub enum Unparked {
    /// The chain's outputs, encoded; none when a transform filtered the record out.
    Outputs(Vec<OutputRecord>),
    /// The record failed; hand it to [`Task::handle_failure`].
    Failed(Box<FailedRecord>),
    /// The chain still does not handle it: it stays parked.
    StillUnhandled(String),
}

/// What running one record came to, before parking.
enum Ran {
    Outputs(Vec<OutputRecord>),
    Failed(Box<FailedRecord>),
    /// Not handled yet (only with a parking lot).
    Unhandled(Box<ToPark>),
}

/// A record the chain does not handle yet: the record as consumed, why, and the lot and log to
/// park it in.
struct ToPark {
    record: Record,
    reason: String,
    lot: Arc<ParkingLot>,
    destination: String,
}

/// The task was asked to stop while a record waited for a service its converters need (a schema
/// registry that is down) or for a transient failure to pass: the record is left unprocessed,
/// and its offset must not be committed.
#[derive(Debug, Clone, thiserror::Error)]
#[error("stopped while waiting for {}: {message}; it is processed again on restart", describe_origin(.origin))]
pub struct Interrupted {
    /// The record.
    pub origin: Origin,
    /// What it was waiting for.
    pub message: String,
}

/// What a sink does about a failed record, once it was reported.
#[derive(Debug)]
pub struct Handling {
    /// The dead-letter record to write, when the task has a dead-letter destination.
    pub dead_letter: Option<OutputRecord>,
    /// Why the task must stop (`errors.tolerance=none`, or a broken step); `None` skips the
    /// record and goes on.
    pub stop: Option<String>,
}

/// The per-record task of one pipeline: the chain and what Connect's error handling needs.
pub struct Task {
    chain: Chain,
    converters: Arc<Converters>,
    errors: ErrorPolicy,
    connector: String,
    id: u32,
    dead_letters: bool,
    /// The parking lot and the log its entries are written to, when the pipeline parks.
    parking: Option<(Arc<ParkingLot>, String)>,
    summary: Summary,
}

impl Task {
    /// A task running `chain` for `pipeline`, numbered `id` (Connect's task id, in the
    /// dead-letter headers and log lines). With `dead_letters`, failed records are kept as
    /// consumed so that [`Task::handle_failure`] can return their dead letters.
    pub fn new(chain: Chain, pipeline: &Pipeline, id: u32, dead_letters: bool) -> Self {
        Task {
            converters: Arc::clone(chain.converters()),
            chain,
            errors: pipeline.errors.clone(),
            connector: pipeline.name.clone(),
            id,
            dead_letters,
            parking: None,
            summary: Summary::default(),
        }
    }

    /// Parks records the chain does not handle yet in `lot`, whose entries go to the log
    /// `destination` (a topic, or a file's name), and every later record of their key behind
    /// them.
    pub fn set_parking(&mut self, lot: Arc<ParkingLot>, destination: impl Into<String>) {
        self.parking = Some((lot, destination.into()));
    }

    /// The parking lot and its log's destination, when the task parks.
    pub fn parking(&self) -> Option<(Arc<ParkingLot>, String)> {
        self.parking.clone()
    }

    /// The chain.
    pub fn chain(&self) -> &Chain {
        &self.chain
    }

    /// The converters of the chain.
    pub fn converters(&self) -> &Arc<Converters> {
        &self.converters
    }

    /// Replaces the chain (a reload), carrying its statistics over.
    pub fn replace_chain(&mut self, mut chain: Chain) {
        chain.continue_stats(&self.chain);
        self.converters = Arc::clone(chain.converters());
        self.chain = chain;
    }

    /// What each step of the chain did.
    pub fn stats(&self) -> &[StepStats] {
        self.chain.stats()
    }

    /// What the task did so far.
    pub fn summary(&self) -> Summary {
        self.summary
    }

    /// Counts a dead letter a sink wrote for a failure outside the task (a delivery).
    pub fn count_dead_letter(&mut self) {
        self.summary.dead_lettered += 1;
    }

    /// The `errors.*` settings.
    pub fn errors(&self) -> &ErrorPolicy {
        &self.errors
    }

    /// Runs one consumed record through the converters and the chain and encodes its outputs.
    /// Every wait (for a service, before a retry) is done by `wait`, given the delay; when it
    /// answers false (the process is stopping) the record is left [`Interrupted`].
    pub fn process(
        &mut self,
        record: Record,
        origin: &Origin,
        kinds: InputKinds,
        wait: &mut dyn FnMut(Duration) -> bool,
    ) -> Result<Processed, Interrupted> {
        self.summary.records_in += 1;
        if let Some((lot, destination)) = &self.parking
            && lot.holds(
                &origin.topic,
                record.key.original_bytes().and_then(Option::as_ref),
            )
        {
            self.summary.parked += 1;
            let entry = lot.park(record, origin, BEHIND.into(), None, destination);
            return Ok(Processed::Parked(entry));
        }
        Ok(match self.run(record, origin, kinds, wait)? {
            Ran::Outputs(outputs) => Processed::Outputs(outputs),
            Ran::Failed(failed) => Processed::Failed(failed),
            Ran::Unhandled(p) => {
                self.summary.parked += 1;
                let chain = self.chain.fingerprint();
                Processed::Parked(p.lot.park(
                    p.record,
                    origin,
                    p.reason,
                    Some(chain),
                    &p.destination,
                ))
            }
        })
    }

    /// Runs a parked record through the current chain again ([`crate::parking::unpark`]):
    /// as [`Task::process`], except that the record is not held behind its own key and one
    /// the chain still does not handle is left to stay parked.
    pub fn unpark_one(
        &mut self,
        record: Record,
        origin: &Origin,
        kinds: InputKinds,
        wait: &mut dyn FnMut(Duration) -> bool,
    ) -> Result<Unparked, Interrupted> {
        Ok(match self.run(record, origin, kinds, wait)? {
            Ran::Outputs(outputs) => Unparked::Outputs(outputs),
            Ran::Failed(failed) => Unparked::Failed(failed),
            Ran::Unhandled(p) => Unparked::StillUnhandled(p.reason),
        })
    }

    /// Converts, transforms and encodes one record.
    fn run(
        &mut self,
        record: Record,
        origin: &Origin,
        kinds: InputKinds,
        wait: &mut dyn FnMut(Duration) -> bool,
    ) -> Result<Ran, Interrupted> {
        // The record as consumed is kept for its dead letter. A parking entry needs only its
        // headers and timestamp besides the bytes kept below: a stream that parks nothing
        // pays for no copy of the record.
        let original = self.dead_letters.then(|| record.clone());
        let headers = (original.is_none() && self.parking.is_some())
            .then(|| (record.headers.clone(), record.timestamp));
        let interrupted = |e: &dyn std::fmt::Display| Interrupted {
            origin: origin.clone(),
            message: e.to_string(),
        };
        // A schema registry that is down makes the record wait, never fail or be
        // dead-lettered (prefetch reports nothing else).
        if let Err(e) = retry_transient_with(self.errors.retry_delay_max, wait, || {
            record.prefetch(&self.converters)
        }) && e.is_transient()
        {
            return Err(interrupted(&e));
        }
        // Kafka Connect converts every key and value before the transformations, so bytes
        // its converter cannot read fail the record at that stage whether a transform touches
        // them or not. Here a part a transform reads is decoded then, and an untouched one is
        // checked where it is written (`Part::encode`); the bytes are kept (a reference count)
        // to check them also when the chain drops the record.
        let topic = record.topic.clone();
        let untouched = [
            (Stage::KeyConverter, record.key.original_bytes().cloned()),
            (
                Stage::ValueConverter,
                record.value.original_bytes().cloned(),
            ),
        ];
        let outputs = match self.apply_with_retries(record, wait) {
            Retried::Done(outputs) => outputs,
            Retried::Stopped(e) => return Err(interrupted(&e)),
            Retried::Failed(e) => {
                if let (StepError::Unhandled(reason), Some((lot, destination))) =
                    (&e.error, &self.parking)
                {
                    let record = original.unwrap_or_else(|| {
                        let [(_, key), (_, value)] = untouched;
                        let mut record =
                            Record::new(origin.topic.clone(), key.flatten(), value.flatten());
                        (record.headers, record.timestamp) = headers.unwrap_or_default();
                        record
                    });
                    return Ok(Ran::Unhandled(Box::new(ToPark {
                        record,
                        reason: reason.clone(),
                        lot: Arc::clone(lot),
                        destination: destination.clone(),
                    })));
                }
                return Ok(self.failed(self.chain_failure(origin, &e, original)));
            }
        };
        let mut encoded = Vec::with_capacity(outputs.len());
        for output in outputs {
            match self.encode(output, origin, kinds, wait) {
                Ok(record) => encoded.push(record),
                Err((_, e)) if e.is_transient() => return Err(interrupted(&e)),
                Err((stage, e)) => {
                    let failed = self.converter_failure(stage, &e, origin, original);
                    return Ok(self.failed(failed));
                }
            }
        }
        if encoded.is_empty() {
            for (stage, bytes) in untouched {
                let Some(bytes) = bytes else { continue };
                let converter = self.converter(stage);
                match retry_transient_with(self.errors.retry_delay_max, wait, || {
                    converter.check(&topic, bytes.as_deref())
                }) {
                    Ok(_) => {}
                    Err(e) if e.is_transient() => return Err(interrupted(&e)),
                    Err(e) => {
                        let failed = self.converter_failure(stage, &e, origin, original);
                        return Ok(self.failed(failed));
                    }
                }
            }
            self.summary.filtered += 1;
        } else {
            self.summary.records_out += encoded.len() as u64;
        }
        Ok(Ran::Outputs(encoded))
    }

    /// A record that a converter failed on (a `DataException` at its stage).
    fn converter_failure(
        &self,
        stage: Stage,
        e: &ConvertError,
        origin: &Origin,
        original: Option<Record>,
    ) -> FailedRecord {
        let class = self.converter(stage).class_name().to_string();
        FailedRecord {
            detail: format!("{} ({class}) failed: {e}", stage.as_str()),
            failure: Failure {
                origin: origin.clone(),
                stage,
                class,
                exception: "org.apache.kafka.connect.errors.DataException",
                message: Some(e.to_string()),
            },
            broken: false,
            original,
        }
    }

    fn failed(&mut self, failed: FailedRecord) -> Ran {
        self.summary.failed += 1;
        Ran::Failed(Box::new(failed))
    }

    /// Counts a record that failed before it reached the task (a line that is not a record):
    /// read, and failed.
    pub fn count_unreadable(&mut self) {
        self.summary.records_in += 1;
        self.summary.failed += 1;
    }

    fn converter(&self, stage: Stage) -> &Converter {
        match stage {
            Stage::KeyConverter => &self.converters.key,
            _ => &self.converters.value,
        }
    }

    /// Runs the chain, retrying a transient failure as Connect's `RetryWithToleranceOperator`
    /// does, until `errors.retry.timeout` or until `wait` says to stop.
    fn apply_with_retries(
        &mut self,
        record: Record,
        wait: &mut dyn FnMut(Duration) -> bool,
    ) -> Retried {
        if self.errors.retry_timeout == Some(Duration::ZERO) {
            return match self.chain.apply(record) {
                Ok(outputs) => Retried::Done(outputs),
                Err(e) => Retried::Failed(e),
            };
        }
        let mut backoff = Backoff::new(self.errors.retry_timeout, self.errors.retry_delay_max);
        loop {
            match self.chain.apply(record.clone()) {
                Ok(outputs) => return Retried::Done(outputs),
                Err(e) if matches!(e.error, StepError::Transient(_)) => {
                    let Some(delay) = backoff.next_wait() else {
                        return Retried::Failed(e);
                    };
                    tracing::debug!("retrying in {delay:?} after a transient failure: {e}");
                    if !wait(delay) {
                        return Retried::Stopped(e);
                    }
                }
                Err(e) => return Retried::Failed(e),
            }
        }
    }

    fn chain_failure(
        &self,
        origin: &Origin,
        e: &ChainError,
        original: Option<Record>,
    ) -> FailedRecord {
        let (stage, class) = match &e.error {
            StepError::Conversion { key: true, .. } => (
                Stage::KeyConverter,
                self.converters.key.class_name().to_string(),
            ),
            StepError::Conversion { key: false, .. } => (
                Stage::ValueConverter,
                self.converters.value.class_name().to_string(),
            ),
            _ => (Stage::Transformation, e.class.clone()),
        };
        // A part a transform asked for and the converter could not read is the converter's
        // failure, reported as such (not as the transform's), as Kafka reports it.
        let detail = match &e.error {
            StepError::Conversion { message, .. } => {
                format!("{} ({class}) failed: {message}", stage.as_str())
            }
            _ => e.to_string(),
        };
        FailedRecord {
            failure: Failure {
                origin: origin.clone(),
                stage,
                class,
                exception: exception_class(&e.error),
                message: Some(e.error.to_string()),
            },
            detail,
            broken: matches!(e.error, StepError::Broken(_)),
            original,
        }
    }

    /// Encodes a chain output; an untouched part passes through as its bytes. A converter
    /// waiting for its registry retries until `wait` says to stop.
    fn encode(
        &self,
        record: Record,
        origin: &Origin,
        kinds: InputKinds,
        wait: &mut dyn FnMut(Duration) -> bool,
    ) -> Result<OutputRecord, (Stage, ConvertError)> {
        let mut encode = |part: &Part, converter: &Converter, stage: Stage, was_json: bool| {
            let bytes = retry_transient_with(self.errors.retry_delay_max, wait, || {
                part.encode_read_from(converter, &record.topic, &origin.topic)
            })
            .map_err(|e| (stage, e))?;
            let is_json = if part.is_changed() {
                matches!(converter, Converter::Json(_))
            } else {
                was_json
            };
            Ok((bytes, is_json))
        };
        let (key, key_is_json) = encode(
            &record.key,
            &self.converters.key,
            Stage::KeyConverter,
            kinds.key_is_json,
        )?;
        let (value, value_is_json) = encode(
            &record.value,
            &self.converters.value,
            Stage::ValueConverter,
            kinds.value_is_json,
        )?;
        Ok(OutputRecord {
            topic: record.topic,
            partition: record.partition,
            offset: origin.offset,
            timestamp: record.timestamp,
            headers: record.headers,
            key,
            key_is_json,
            value,
            value_is_json,
        })
    }

    /// Reports a failed record as Connect's reporters do — the `LogReporter` line when
    /// `errors.log.enable`, the dead letter when the task has a dead-letter destination — then
    /// applies the tolerance: a step that declared itself broken, or `errors.tolerance=none`,
    /// stops the task; `all` skips the record.
    pub fn handle_failure(&mut self, failed: &FailedRecord, location: &str) -> Handling {
        if self.errors.log_enable {
            tracing::error!(
                "{}",
                failed
                    .failure
                    .log_line(&self.connector, self.id, self.errors.log_include_messages)
            );
        }
        let dead_letter = match (&failed.original, self.dead_letters) {
            (Some(original), true) => Some(self.dead_letter(original, &failed.failure)),
            _ => None,
        };
        if dead_letter.is_some() {
            self.summary.dead_lettered += 1;
        }
        let stop = if failed.broken {
            Some(failed.describe(location))
        } else if self.errors.tolerance == Tolerance::None {
            Some(format!(
                "{} (errors.tolerance=none stops at the first failing record, which is not committed; set errors.tolerance=all to skip such records)",
                failed.describe(location)
            ))
        } else {
            tracing::warn!("skipping {}", failed.describe(location));
            None
        };
        Handling { dead_letter, stop }
    }

    /// The dead letter of a record (`DeadLetterQueueReporter.report`): its key, value, headers
    /// and timestamp as consumed, to `errors.deadletterqueue.topic.name` (or its own topic when
    /// none is set), with the `__connect.errors.*` headers when
    /// `errors.deadletterqueue.context.headers.enable`.
    pub fn dead_letter(&self, original: &Record, failure: &Failure) -> OutputRecord {
        let mut headers = original.headers.clone();
        headers.extend(self.context_headers(failure));
        OutputRecord {
            topic: self
                .errors
                .dead_letter_topic
                .clone()
                .unwrap_or_else(|| original.topic.clone()),
            partition: None,
            offset: failure.origin.offset,
            timestamp: original.timestamp,
            headers,
            key: original.key.original_bytes().cloned().flatten(),
            // Checked when written: failures are rare, and a malformed line may hold anything.
            key_is_json: false,
            value: original.value.original_bytes().cloned().flatten(),
            value_is_json: false,
        }
    }

    /// The `__connect.errors.*` headers of a failure, when
    /// `errors.deadletterqueue.context.headers.enable`; none otherwise.
    pub fn context_headers(&self, failure: &Failure) -> Vec<Header> {
        if self.errors.dead_letter_context_headers {
            failure.context_headers(&self.connector, self.id)
        } else {
            Vec::new()
        }
    }
}

/// How running the chain with retries ended.
enum Retried {
    /// The chain's outputs.
    Done(Vec<Record>),
    /// The record failed (retries exhausted, or a failure that is not transient).
    Failed(ChainError),
    /// A transient failure was being retried when the process was asked to stop.
    Stopped(ChainError),
}

/// `topic[partition]@offset`.
pub fn describe_origin(origin: &Origin) -> String {
    format!(
        "{}[{}]@{}",
        origin.topic,
        origin.partition.unwrap_or(-1),
        origin.offset.unwrap_or(-1)
    )
}
