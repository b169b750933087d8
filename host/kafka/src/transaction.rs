//! Exactly-once delivery for `switchyard run` (`--delivery exactly-once`): Kafka's
//! consume-transform-produce loop with a transactional producer, as librdkafka's
//! `examples/transactions.c` does it (KIP-447: one producer per process, fenced through the
//! consumer group's metadata).
//!
//! A transaction is begun before the first record after a commit. Every output (and
//! dead-letter record) of the records consumed meanwhile is produced inside it, and the next
//! offset of every consumed record is handed to the transaction with
//! `send_offsets_to_transaction` and the consumer's group metadata, then
//! `commit_transaction` makes outputs and input offsets visible together. Consumers of the
//! output read with `isolation.level=read_committed`.
//!
//! `commit_transaction` waits until the broker acknowledged every record of the transaction.
//! The processing loop does not wait with it: the commit runs on a thread of its own
//! ([`Transactions::start_commit`]) while the loop goes on consuming and transforming, holding
//! the outputs back and producing them into the next transaction once the commit is done (or
//! dropping them, their records read again, when it aborted). A rebalance or the drain that
//! meets a commit in flight waits for it and drops what is held back.
//!
//! Failure handling follows librdkafka's classification of transactional errors:
//! - **abortable** (`txn_requires_abort`: a record that could not be delivered, an offset
//!   commit refused, …): the transaction is aborted and the consumer is rewound to the last
//!   committed positions, so the aborted records are processed again in a new transaction;
//! - **retriable**: the call is repeated a few times, then the transaction is aborted;
//! - **fatal**, fencing included (another process initialised the same `transactional.id`):
//!   the runner stops with an error naming the cause; nothing of the open transaction becomes
//!   visible.
//!
//! On a rebalance the open transaction is committed before the partitions are given away (or
//! aborted when the assignment was lost).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use rdkafka::consumer::{BaseConsumer, Consumer, ConsumerGroupMetadata};
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::producer::{Producer, ThreadedProducer};
use rdkafka::{Offset, TopicPartitionList};

use super::Shared;
use super::sink::{self, SinkContext};
use super::source::SourceContext;

/// How many transactions may abort in a row (no commit in between) before the runner stops:
/// a record that can never be delivered would otherwise be retried forever.
pub const MAX_ABORTS_IN_A_ROW: u32 = 10;

/// How often a retriable transactional call is repeated before the transaction is aborted.
const RETRIES: u32 = 3;

/// What fenced a transactional producer, from the error code the broker answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FenceCause {
    /// `PRODUCER_FENCED` (or librdkafka's `_FENCED`): a newer producer initialised the same
    /// `transactional.id` — another process, or this one restarted.
    NewerProducer,
    /// `INVALID_PRODUCER_EPOCH`: the coordinator bumped the producer's epoch itself, typically
    /// after aborting a transaction that outlived `transaction.timeout.ms`.
    EpochBumped,
}

impl FenceCause {
    fn of(code: RDKafkaErrorCode) -> Option<FenceCause> {
        match code {
            RDKafkaErrorCode::Fenced | RDKafkaErrorCode::ProducerFenced => {
                Some(FenceCause::NewerProducer)
            }
            RDKafkaErrorCode::InvalidProducerEpoch => Some(FenceCause::EpochBumped),
            _ => None,
        }
    }

    fn explain(self) -> &'static str {
        match self {
            FenceCause::NewerProducer => {
                "the broker answered PRODUCER_FENCED: another process started with the same transactional.id"
            }
            FenceCause::EpochBumped => {
                "the broker answered INVALID_PRODUCER_EPOCH: the transaction coordinator bumped the producer epoch itself, as it does when it aborts a transaction that outlived transaction.timeout.ms"
            }
        }
    }

    fn hint(self) -> &'static str {
        match self {
            FenceCause::NewerProducer => {
                " (give every process of a group its own --transactional-id)"
            }
            FenceCause::EpochBumped => {
                " (commit more often with --transaction-interval-ms, or raise producer.transaction.timeout.ms)"
            }
        }
    }
}

/// Why the transactional producer cannot go on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransactionError {
    /// The producer was fenced: its epoch is no longer the current one for its
    /// `transactional.id`, and only a new producer can write transactions with it.
    #[error(
        "the transactional producer `{transactional_id}` was fenced while {context}: {} ({detail}); this process stops so that only one producer writes with that id{}",
        .cause.explain(),
        .cause.hint()
    )]
    Fenced {
        /// The `transactional.id`.
        transactional_id: String,
        /// What was being done.
        context: String,
        /// What the broker (or librdkafka) said fenced it.
        cause: FenceCause,
        /// librdkafka's description.
        detail: String,
    },
    /// A fatal error of the transactional producer.
    #[error("transactional producer `{transactional_id}`: fatal error while {context}: {detail}")]
    Fatal {
        /// The `transactional.id`.
        transactional_id: String,
        /// What was being done.
        context: String,
        /// librdkafka's description.
        detail: String,
    },
    /// Transactions kept aborting.
    #[error(
        "transactional producer `{transactional_id}`: {count} transactions aborted in a row, the last because {cause}"
    )]
    Aborts {
        /// The `transactional.id`.
        transactional_id: String,
        /// How many.
        count: u32,
        /// The last abort's cause.
        cause: String,
    },
}

/// What a commit attempt did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The transaction was committed (or none was open).
    Committed,
    /// The transaction was aborted for this reason; the consumer must be rewound.
    Aborted(String),
}

#[derive(Debug, Default)]
struct State {
    open: bool,
    opened: Option<Instant>,
    /// The next offset of every partition consumed in the open transaction.
    offsets: HashMap<(String, i32), i64>,
    /// The positions the last successful transactions committed, per partition.
    committed: HashMap<(String, i32), i64>,
    rewind: bool,
    last_abort: Option<String>,
    aborts_in_a_row: u32,
    failure: Option<TransactionError>,
    commits: u64,
    aborts: u64,
}

/// The transactional producer's state, shared by the processing loop and the consumer's
/// rebalance callback (both on the processing thread).
pub struct Transactions {
    producer: Arc<ThreadedProducer<SinkContext>>,
    shared: Arc<Shared>,
    transactional_id: String,
    interval: Duration,
    timeout: Duration,
    state: Mutex<State>,
    /// The thread of the commit in flight, if any.
    in_flight: Mutex<Option<InFlight>>,
}

/// A commit running on a thread of its own.
type InFlight = std::thread::JoinHandle<Result<Outcome, TransactionError>>;

/// What a commit needs, taken from the open transaction.
enum Prepared {
    /// No transaction is open.
    Nothing,
    /// The transaction had to be aborted.
    Aborted(String),
    /// The offsets to send, with the consumer's group metadata (none without offsets).
    Offsets(HashMap<(String, i32), i64>, Option<ConsumerGroupMetadata>),
}

enum Step {
    Retry(String),
    Abort(String),
    Fail(TransactionError),
}

impl Transactions {
    /// Wraps a producer created with `transactional.id` = `transactional_id`; transactions are
    /// committed every `interval`, and each transactional call waits at most `timeout`.
    pub fn new(
        producer: Arc<ThreadedProducer<SinkContext>>,
        shared: Arc<Shared>,
        transactional_id: String,
        interval: Duration,
        timeout: Duration,
    ) -> Self {
        Transactions {
            producer,
            shared,
            transactional_id,
            interval,
            timeout,
            state: Mutex::new(State::default()),
            in_flight: Mutex::new(None),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Transactions committed and aborted so far.
    pub fn counts(&self) -> (u64, u64) {
        let state = self.lock();
        (state.commits, state.aborts)
    }

    /// `init_transactions`: registers the `transactional.id` with its coordinator, fencing
    /// any earlier producer with the same id and aborting what it left open.
    pub fn init(&self) -> Result<(), TransactionError> {
        let mut attempts = 0;
        loop {
            match self.producer.init_transactions(self.timeout) {
                Ok(()) => return Ok(()),
                Err(e) => match self.classify("initialising transactions", e) {
                    Step::Retry(_) if attempts < RETRIES => attempts += 1,
                    Step::Retry(detail) | Step::Abort(detail) => {
                        return Err(self.fatal("initialising transactions", detail));
                    }
                    Step::Fail(e) => return Err(e),
                },
            }
        }
    }

    /// Begins a transaction unless one is open.
    pub fn begin(&self) -> Result<(), TransactionError> {
        let mut state = self.lock();
        if state.open {
            return Ok(());
        }
        self.producer
            .begin_transaction()
            .map_err(|e| self.fatal("beginning a transaction", e.to_string()))?;
        state.open = true;
        state.opened = Some(Instant::now());
        Ok(())
    }

    /// Records that the input record at `offset` was processed in the open transaction.
    pub fn processed(&self, topic: &str, partition: i32, offset: i64) {
        let mut state = self.lock();
        let next = state
            .offsets
            .entry((topic.to_string(), partition))
            .or_insert(offset + 1);
        *next = (*next).max(offset + 1);
    }

    /// Whether records were processed since the last commit.
    pub fn has_offsets(&self) -> bool {
        !self.lock().offsets.is_empty()
    }

    /// Whether the open transaction is due for a commit.
    pub fn due(&self) -> bool {
        let state = self.lock();
        state.open && state.opened.is_some_and(|t| t.elapsed() >= self.interval)
    }

    /// Commits the open transaction with the consumed offsets (`send_offsets_to_transaction`
    /// with the consumer's group metadata, then `commit_transaction`). An abortable failure
    /// aborts it instead and asks for a rewind.
    ///
    /// A commit in flight ([`Transactions::start_commit`]) is waited for first, and a rewind
    /// is asked for: whatever the processing loop holds back for the next transaction is
    /// dropped and its records are read again (this is how the rebalance callback and the
    /// drain meet a commit in flight).
    pub fn commit(
        &self,
        consumer: &BaseConsumer<SourceContext>,
    ) -> Result<Outcome, TransactionError> {
        if let Some(result) = self.finished_commit(true) {
            self.forget_held_back();
            if let Outcome::Aborted(cause) = result? {
                return Ok(Outcome::Aborted(cause));
            }
        }
        match self.prepare_commit(consumer)? {
            Prepared::Nothing => Ok(Outcome::Committed),
            Prepared::Aborted(cause) => Ok(Outcome::Aborted(cause)),
            Prepared::Offsets(offsets, group) => self.complete_commit(offsets, group),
        }
    }

    /// Starts committing the open transaction on a thread of its own, so that the processing
    /// loop goes on consuming and transforming meanwhile. Until [`Transactions::committing`]
    /// turns false the loop holds back what it would produce (a transactional producer cannot
    /// produce into the next transaction before this one is committed) and produces it into
    /// the next transaction once [`Transactions::finished_commit`] answered
    /// [`Outcome::Committed`].
    ///
    /// Answers the outcome at once when there was nothing to commit or the transaction had to
    /// be aborted before the commit began; `None` when the commit is under way.
    pub fn start_commit(
        self: &Arc<Self>,
        consumer: &BaseConsumer<SourceContext>,
    ) -> Result<Option<Outcome>, TransactionError> {
        if self.committing() {
            return Ok(None);
        }
        let (offsets, group) = match self.prepare_commit(consumer)? {
            Prepared::Nothing => return Ok(Some(Outcome::Committed)),
            Prepared::Aborted(cause) => return Ok(Some(Outcome::Aborted(cause))),
            Prepared::Offsets(offsets, group) => (offsets, group),
        };
        let this = Arc::clone(self);
        let thread = std::thread::Builder::new()
            .name("switchyard-commit".into())
            .spawn(move || this.complete_commit(offsets, group))
            .map_err(|e| self.fatal("starting the commit thread", e.to_string()))?;
        *self.in_flight_lock() = Some(thread);
        Ok(None)
    }

    /// Whether a commit started by [`Transactions::start_commit`] has not been collected yet
    /// by [`Transactions::finished_commit`].
    pub fn committing(&self) -> bool {
        self.in_flight_lock().is_some()
    }

    /// The outcome of the commit in flight once it is done (waiting for it with `wait`);
    /// `None` when none is in flight, or it is still running and `wait` is false.
    pub fn finished_commit(&self, wait: bool) -> Option<Result<Outcome, TransactionError>> {
        let thread = {
            let mut in_flight = self.in_flight_lock();
            match in_flight.as_ref() {
                Some(thread) if wait || thread.is_finished() => in_flight.take()?,
                _ => return None,
            }
        };
        Some(thread.join().unwrap_or_else(|_| {
            Err(self.fatal(
                "committing the transaction",
                "the commit thread panicked".into(),
            ))
        }))
    }

    /// After a commit in flight was waited for outside the processing loop: the records the
    /// loop processed meanwhile (whose outputs it holds back) are forgotten and read again.
    fn forget_held_back(&self) {
        tracing::info!(
            "waited for the commit in flight; the records processed meanwhile are read again"
        );
        let mut state = self.lock();
        state.offsets.clear();
        state.rewind = true;
    }

    fn in_flight_lock(&self) -> MutexGuard<'_, Option<InFlight>> {
        self.in_flight.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Takes the open transaction's offsets and the consumer's group metadata for a commit.
    fn prepare_commit(
        &self,
        consumer: &BaseConsumer<SourceContext>,
    ) -> Result<Prepared, TransactionError> {
        let mut state = self.lock();
        if !state.open {
            return Ok(Prepared::Nothing);
        }
        if state.offsets.is_empty() {
            return Ok(Prepared::Offsets(HashMap::new(), None));
        }
        let Some(group) = consumer.group_metadata() else {
            return match self.abort_locked(
                &mut state,
                "the consumer has no group metadata (its assignment was lost)".into(),
            )? {
                Outcome::Aborted(cause) => Ok(Prepared::Aborted(cause)),
                Outcome::Committed => Ok(Prepared::Nothing),
            };
        };
        Ok(Prepared::Offsets(
            std::mem::take(&mut state.offsets),
            Some(group),
        ))
    }

    /// Sends `offsets` to the open transaction and commits it. The blocking calls run without
    /// the state's lock, so that records processed meanwhile can be counted for the next
    /// transaction.
    fn complete_commit(
        &self,
        offsets: HashMap<(String, i32), i64>,
        group: Option<ConsumerGroupMetadata>,
    ) -> Result<Outcome, TransactionError> {
        let started = Instant::now();
        if let Some(group) = &group {
            let mut list = TopicPartitionList::with_capacity(offsets.len());
            for ((topic, partition), offset) in &offsets {
                if let Err(e) =
                    list.add_partition_offset(topic, *partition, Offset::Offset(*offset))
                {
                    return Err(self.fatal("listing the offsets to commit", e.to_string()));
                }
            }
            let mut attempts = 0;
            loop {
                match self
                    .producer
                    .send_offsets_to_transaction(&list, group, self.timeout)
                {
                    Ok(()) => break,
                    Err(e) => match self.classify("sending offsets to the transaction", e) {
                        Step::Retry(_) if attempts < RETRIES => attempts += 1,
                        Step::Retry(cause) | Step::Abort(cause) => {
                            return self.abort_open(&format!(
                                "sending offsets to the transaction failed: {cause}"
                            ));
                        }
                        Step::Fail(e) => return Err(e),
                    },
                }
            }
        }
        // `commit_transaction` waits for the transaction's records first; this wait wakes as
        // soon as they are acknowledged (see `sink::flush`).
        if let Err(e) = sink::flush(&self.producer, self.timeout) {
            return Err(self.fatal("committing the transaction", e.to_string()));
        }
        let mut attempts = 0;
        loop {
            match self.producer.commit_transaction(self.timeout) {
                Ok(()) => break,
                Err(e) => match self.classify("committing the transaction", e) {
                    Step::Retry(_) if attempts < RETRIES => attempts += 1,
                    Step::Retry(cause) | Step::Abort(cause) => {
                        return self
                            .abort_open(&format!("committing the transaction failed: {cause}"));
                    }
                    Step::Fail(e) => return Err(e),
                },
            }
        }
        tracing::debug!(
            "transaction committed in {:?} with offsets of {} partitions",
            started.elapsed(),
            offsets.len()
        );
        let mut state = self.lock();
        state.committed.extend(offsets);
        state.open = false;
        state.aborts_in_a_row = 0;
        state.commits += 1;
        Ok(Outcome::Committed)
    }

    /// Aborts the open transaction (nothing of it becomes visible to `read_committed`
    /// consumers) and asks for a rewind to the last committed positions.
    ///
    /// A commit in flight is waited for first (and a rewind asked for, as by
    /// [`Transactions::commit`]).
    pub fn abort(&self, cause: &str) -> Result<Outcome, TransactionError> {
        if let Some(result) = self.finished_commit(true) {
            self.forget_held_back();
            result?;
        }
        self.abort_open(cause)
    }

    /// Aborts the open transaction, if any.
    fn abort_open(&self, cause: &str) -> Result<Outcome, TransactionError> {
        let mut state = self.lock();
        if !state.open {
            return Ok(Outcome::Committed);
        }
        self.abort_locked(&mut state, cause.to_string())
    }

    fn abort_locked(&self, state: &mut State, cause: String) -> Result<Outcome, TransactionError> {
        tracing::warn!(
            "aborting the transaction: {cause}; rewinding to the last committed offsets"
        );
        let mut attempts = 0;
        loop {
            match self.producer.abort_transaction(self.timeout) {
                Ok(()) => break,
                Err(e) => match self.classify("aborting the transaction", e) {
                    Step::Retry(_) if attempts < RETRIES => attempts += 1,
                    Step::Retry(detail) | Step::Abort(detail) => {
                        return Err(self.fatal("aborting the transaction", detail));
                    }
                    Step::Fail(e) => return Err(e),
                },
            }
        }
        // Deliveries of the aborted transaction that are still reported from now on belong
        // to an old generation and are ignored.
        self.shared.renew();
        state.open = false;
        state.offsets.clear();
        state.rewind = true;
        state.aborts_in_a_row += 1;
        state.aborts += 1;
        state.last_abort = Some(cause.clone());
        Ok(Outcome::Aborted(cause))
    }

    /// Records a failure met in a callback, for the processing loop to return.
    pub fn fail(&self, error: TransactionError) {
        let mut state = self.lock();
        state.failure.get_or_insert(error);
    }

    /// A failure met in a callback, if any.
    pub fn take_failure(&self) -> Option<TransactionError> {
        self.lock().failure.take()
    }

    /// Whether an abort asked for a rewind (cleared by the call).
    pub fn take_rewind(&self) -> bool {
        std::mem::take(&mut self.lock().rewind)
    }

    /// Forgets the committed positions of revoked partitions: their next owner reads the
    /// group's committed offsets.
    pub fn revoked(&self, partitions: &[(String, i32)]) {
        let mut state = self.lock();
        for tp in partitions {
            state.committed.remove(tp);
            state.offsets.remove(tp);
        }
    }

    /// Seeks every assigned partition back to its last committed position (the positions of
    /// this process's committed transactions, else the group's committed offset, else the
    /// beginning), as after an abort. Stops with an error when too many transactions aborted
    /// in a row.
    pub fn rewind(&self, consumer: &BaseConsumer<SourceContext>) -> Result<(), TransactionError> {
        let (known, count, cause) = {
            let mut state = self.lock();
            // What was processed since the last commit is read again.
            state.offsets.clear();
            (
                state.committed.clone(),
                state.aborts_in_a_row,
                state.last_abort.clone().unwrap_or_default(),
            )
        };
        if count >= MAX_ABORTS_IN_A_ROW {
            return Err(TransactionError::Aborts {
                transactional_id: self.transactional_id.clone(),
                count,
                cause,
            });
        }
        let assignment = consumer
            .assignment()
            .map_err(|e| self.fatal("reading the assignment to rewind", e.to_string()))?;
        let mut seek = TopicPartitionList::with_capacity(assignment.count());
        let mut unknown = TopicPartitionList::new();
        for e in assignment.elements() {
            match known.get(&(e.topic().to_string(), e.partition())) {
                Some(&offset) => {
                    let _ =
                        seek.add_partition_offset(e.topic(), e.partition(), Offset::Offset(offset));
                }
                None => {
                    unknown.add_partition(e.topic(), e.partition());
                }
            }
        }
        if unknown.count() > 0 {
            let committed = consumer
                .committed_offsets(unknown, self.timeout)
                .map_err(|e| self.fatal("fetching the committed offsets", e.to_string()))?;
            for e in committed.elements() {
                let offset = match e.offset() {
                    Offset::Offset(o) if o >= 0 => Offset::Offset(o),
                    _ => Offset::Beginning,
                };
                let _ = seek.add_partition_offset(e.topic(), e.partition(), offset);
            }
        }
        if seek.count() == 0 {
            return Ok(());
        }
        let result = consumer
            .seek_partitions(seek, self.timeout)
            .map_err(|e| self.fatal("rewinding the consumer", e.to_string()))?;
        for e in result.elements() {
            if let Err(err) = e.error() {
                return Err(self.fatal(
                    "rewinding the consumer",
                    format!("{}[{}]: {err}", e.topic(), e.partition()),
                ));
            }
        }
        tracing::info!(
            "rewound {} partitions to their last committed offsets",
            result.count()
        );
        Ok(())
    }

    /// The producer's fatal error, if it has one (a failed `send` on a fenced producer, say).
    pub fn fatal_error(&self, context: &str) -> Option<TransactionError> {
        let (code, detail) = self.producer.client().fatal_error()?;
        Some(self.fatal_with(context, code, detail))
    }

    fn fatal(&self, context: &str, detail: String) -> TransactionError {
        match self.producer.client().fatal_error() {
            Some((code, fatal)) => self.fatal_with(context, code, format!("{detail}: {fatal}")),
            None => TransactionError::Fatal {
                transactional_id: self.transactional_id.clone(),
                context: context.to_string(),
                detail,
            },
        }
    }

    fn fatal_with(
        &self,
        context: &str,
        code: RDKafkaErrorCode,
        detail: String,
    ) -> TransactionError {
        if let Some(cause) = FenceCause::of(code) {
            TransactionError::Fenced {
                transactional_id: self.transactional_id.clone(),
                context: context.to_string(),
                cause,
                detail,
            }
        } else {
            TransactionError::Fatal {
                transactional_id: self.transactional_id.clone(),
                context: context.to_string(),
                detail,
            }
        }
    }

    fn classify(&self, context: &str, error: KafkaError) -> Step {
        match &error {
            KafkaError::Transaction(e) if e.is_fatal() => {
                let detail = format!("{}: {}", e.name(), e.string());
                Step::Fail(match self.producer.client().fatal_error() {
                    Some((code, fatal)) => {
                        let code = if FenceCause::of(e.code()).is_some() {
                            e.code()
                        } else {
                            code
                        };
                        self.fatal_with(context, code, format!("{detail} ({fatal})"))
                    }
                    None => self.fatal_with(context, e.code(), detail),
                })
            }
            KafkaError::Transaction(e) if e.txn_requires_abort() => {
                Step::Abort(format!("{}: {}", e.name(), e.string()))
            }
            KafkaError::Transaction(e) if e.is_retriable() => {
                Step::Retry(format!("{}: {}", e.name(), e.string()))
            }
            other => Step::Fail(self.fatal(context, other.to_string())),
        }
    }
}

/// librdkafka's (and the Java producer's) default `transaction.timeout.ms`.
pub const DEFAULT_TRANSACTION_TIMEOUT: Duration = Duration::from_secs(60);

/// The brokers' default `transaction.max.timeout.ms`: a producer asking for more is refused
/// at `InitProducerId`.
pub const BROKER_MAX_TRANSACTION_TIMEOUT: Duration = Duration::from_secs(900);

/// The `transaction.timeout.ms` the producer asks for when the user sets none: a transaction
/// stays open for about one commit interval, plus the record being processed and the commit
/// itself (bounded by `drain`), so the timeout is twice the interval plus `drain`, never below
/// the client default, and never above the brokers' default maximum. With the client default
/// alone, `transaction.boundary=interval` and its 60 s default interval would have the
/// coordinator abort every transaction just before it is committed.
pub fn transaction_timeout(interval: Duration, drain: Duration) -> Duration {
    interval
        .saturating_mul(2)
        .saturating_add(drain)
        .clamp(DEFAULT_TRANSACTION_TIMEOUT, BROKER_MAX_TRANSACTION_TIMEOUT)
}

/// The default `transactional.id`: stable for a process across restarts, as librdkafka
/// recommends, so that a restarted process fences its predecessor and aborts what it left
/// open: the group id and the host name (a pod's name under Kubernetes).
pub fn default_transactional_id(group_id: &str) -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "switchyard".into());
    format!("{group_id}-{host}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_transaction_timeout_outlasts_the_commit_interval() {
        let drain = Duration::from_secs(30);
        // The default interval of 100 ms keeps the client default.
        assert_eq!(
            transaction_timeout(Duration::from_millis(100), drain),
            Duration::from_secs(60)
        );
        // `transaction.boundary=interval` with its 60 s default: 150 s, not librdkafka's 60 s.
        assert_eq!(
            transaction_timeout(Duration::from_secs(60), drain),
            Duration::from_secs(150)
        );
        // Never above what brokers accept by default.
        assert_eq!(
            transaction_timeout(Duration::from_secs(3600), drain),
            BROKER_MAX_TRANSACTION_TIMEOUT
        );
    }

    #[test]
    fn fencing_says_what_the_broker_answered() {
        let error = |code| TransactionError::Fenced {
            transactional_id: "t-1".into(),
            context: "committing the transaction".into(),
            cause: FenceCause::of(code).expect("a fencing code"),
            detail: "detail".into(),
        };
        let newer = error(RDKafkaErrorCode::ProducerFenced).to_string();
        assert!(
            newer.contains("another process started with the same transactional.id"),
            "{newer}"
        );
        let bumped = error(RDKafkaErrorCode::InvalidProducerEpoch).to_string();
        assert!(bumped.contains("INVALID_PRODUCER_EPOCH"), "{bumped}");
        assert!(!bumped.contains("another process"), "{bumped}");
        assert_eq!(FenceCause::of(RDKafkaErrorCode::NotCoordinator), None);
    }
}
