//! Parking in key order: a record that a transform cannot handle yet
//! ([`StepError::Unhandled`](switchyard_engine::StepError::Unhandled), WIT `unhandled`) waits in
//! a *parking lot* instead of the dead-letter queue, and every later record of its key waits
//! behind it, so that a query model never receives a newer state of a key before an older one.
//! Other keys flow on. When the chain changes (a reload, or a restart with a new component), the
//! parked records are run first, key by key in their original order, through the new chain
//! ([`unpark`]); a record the new chain still does not handle stays parked, with the records
//! behind it.
//!
//! No peer offers this: Kafka Connect and Debezium send such a record to the dead-letter queue
//! (or stop), and the later records of its key pass it.
//!
//! # The parking log
//!
//! The lot's state lives in a log — a topic (`parking.topic.name`, partition 0) for `run`, a
//! record JSONL file (`apply --parked`) — never only in memory, so it survives restarts and
//! rebalances. [`ParkingLot::apply_log`] rebuilds it by reading the log from its start. The log
//! holds two kinds of record, both keyed by the parked record's key:
//!
//! * an **entry**: a parked record's key, value, timestamp and headers as consumed, plus the
//!   headers `__switchyard.parking.topic`, `.partition` and `.offset` (where it was consumed),
//!   `.reason` (what the transform said), `.number` (its number among the entries of its key,
//!   from 0) and `.chain` (the [fingerprint](crate::chain::Chain::fingerprint) of the chain
//!   that could not handle it; absent for a record parked behind an earlier one of its key);
//! * a **release**: a null value with the headers `__switchyard.parking.topic`,
//!   `.released` (how many entries of the key, from the first, are done) and, when the key
//!   stays parked, `.chain` (the chain its first remaining entry was tried with).
//!
//! Applying the log is idempotent: an entry is known by its key and number, a release only
//! ever raises the count. A key is identified by the topic its records were consumed from and
//! its key bytes; records with a null key are one key per topic.
//!
//! # Order and delivery
//!
//! Unparking a key writes its outputs, waits until they are durable, then writes its release;
//! only then does the key stop holding its later records. A crash in between runs the key's
//! entries again after the restart (at least once, as every output of `run`), and never lets a
//! later record of the key out before them.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use bytes::Bytes;

use switchyard_convert::record::{Header, Origin, OutputRecord, Record};

use crate::task::{FailedRecord, InputKinds, Interrupted, Task, Unparked, describe_origin};

/// The prefix of the headers the parking log adds.
pub const HEADER_PREFIX: &str = "__switchyard.parking.";
const TOPIC: &str = "__switchyard.parking.topic";
const PARTITION: &str = "__switchyard.parking.partition";
const OFFSET: &str = "__switchyard.parking.offset";
const REASON: &str = "__switchyard.parking.reason";
const NUMBER: &str = "__switchyard.parking.number";
const CHAIN: &str = "__switchyard.parking.chain";
const RELEASED: &str = "__switchyard.parking.released";

/// The reason of a record parked only because an earlier record of its key is parked.
pub const BEHIND: &str = "behind an earlier parked record of its key";

/// A parked key: the topic its records were consumed from and the key bytes.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ParkedKey {
    /// The topic the records were consumed from.
    pub topic: String,
    /// The key bytes; `None` for a null key.
    pub key: Option<Bytes>,
}

impl std::fmt::Display for ParkedKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.key {
            None => write!(f, "the null key of {}", self.topic),
            Some(key) => write!(f, "key {} of {}", String::from_utf8_lossy(key), self.topic),
        }
    }
}

/// One parked record.
#[derive(Debug, Clone)]
pub struct Parked {
    /// The record as it was consumed (its original bytes and headers).
    pub record: Record,
    /// Where it was consumed.
    pub origin: Origin,
    /// Why it was parked.
    pub reason: String,
    /// Its number among the entries of its key, from 0.
    pub number: u64,
    /// The fingerprint of the chain that could not handle it; `None` when it was parked behind
    /// an earlier record of its key.
    pub chain: Option<String>,
}

/// A parking-log record that is not an entry or a release.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct LogError(String);

/// A key's entries and what is known of them.
#[derive(Debug, Default)]
struct KeyState {
    /// Entries numbered below this are done.
    released: u64,
    /// The number the next entry takes.
    next: u64,
    /// The entries not yet released, by number.
    entries: std::collections::BTreeMap<u64, Parked>,
    /// The chain the first remaining entry was last tried with.
    tried_with: Option<String>,
    /// An unparking of this key is in progress.
    claimed: bool,
    /// When the key's first remaining entry was parked, in the order of this process: keys are
    /// unparked oldest first.
    since: u64,
}

#[derive(Debug, Default)]
struct Lot {
    /// By topic, then key: a record's key is looked up without building a [`ParkedKey`].
    keys: HashMap<String, HashMap<Option<Bytes>, KeyState>>,
    /// Orders keys by when their first remaining entry was parked.
    clock: u64,
}

/// The parked keys of a pipeline and their records, shared by the tasks of a process. A
/// stream with nothing parked pays one atomic load per record.
#[derive(Debug, Default)]
pub struct ParkingLot {
    lot: Mutex<Lot>,
    /// How many records are parked; the fast path of [`ParkingLot::holds`].
    parked: AtomicU64,
}

/// Parked records of one topic, for the metrics.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicParked {
    /// The topic the records were consumed from.
    pub topic: String,
    /// How many records are parked.
    pub records: u64,
    /// How many keys are parked.
    pub keys: u64,
    /// The timestamp of the oldest parked record (milliseconds since the epoch), when the
    /// records have timestamps.
    pub oldest_timestamp: Option<i64>,
}

fn header<'a>(headers: &'a [Header], key: &str) -> Option<&'a str> {
    headers
        .iter()
        .rev()
        .find(|h| h.key == key)
        .and_then(|h| h.value.as_deref())
        .and_then(|v| std::str::from_utf8(v).ok())
}

fn text_header(key: &str, value: impl ToString) -> Header {
    Header {
        key: key.to_string(),
        value: Some(Bytes::from(value.to_string())),
    }
}

impl ParkingLot {
    /// An empty lot.
    pub fn new() -> Self {
        ParkingLot::default()
    }

    fn lock(&self) -> MutexGuard<'_, Lot> {
        // A task that panicked while holding the lock left it consistent: every change is
        // made in one step.
        self.lot.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// How many records are parked.
    pub fn parked(&self) -> u64 {
        self.parked.load(Ordering::Acquire)
    }

    /// Whether records of `key` on `topic` are parked, so that the next one must park behind
    /// them.
    pub fn holds(&self, topic: &str, key: Option<&Bytes>) -> bool {
        if self.parked() == 0 {
            return false;
        }
        self.lock()
            .keys
            .get(topic)
            .and_then(|keys| keys.get(&key.cloned()))
            .is_some_and(|state| !state.entries.is_empty())
    }

    /// Parks `record`, consumed at `origin`: adds it to the lot and returns its entry for the
    /// log, addressed to `destination` (partition 0). `chain` is the fingerprint of the chain
    /// that could not handle it, `None` for a record parked behind an earlier one of its key.
    pub fn park(
        &self,
        mut record: Record,
        origin: &Origin,
        reason: String,
        chain: Option<&str>,
        destination: &str,
    ) -> OutputRecord {
        let key = ParkedKey {
            topic: origin.topic.clone(),
            key: record.key.original_bytes().cloned().flatten(),
        };
        let mut lot = self.lock();
        lot.clock += 1;
        let clock = lot.clock;
        let state = lot.state(key);
        let number = state.next;
        state.next += 1;
        if state.entries.is_empty() {
            state.since = clock;
        }
        if let Some(chain) = chain {
            state.tried_with = Some(chain.to_string());
        }
        // It may wait for hours: it must not hold a consumer's buffer meanwhile.
        record.detach();
        let parked = Parked {
            record,
            origin: origin.clone(),
            reason,
            number,
            chain: chain.map(str::to_string),
        };
        let entry = entry_record(&parked, destination);
        state.entries.insert(number, parked);
        self.parked.fetch_add(1, Ordering::AcqRel);
        entry
    }

    /// Applies one record read back from the log (see the module documentation); a record
    /// that is neither an entry nor a release is refused.
    pub fn apply_log(&self, mut record: Record) -> Result<(), LogError> {
        let topic = header(&record.headers, TOPIC)
            .ok_or_else(|| LogError(format!("it has no {TOPIC} header")))?
            .to_string();
        let key = ParkedKey {
            topic,
            key: record.key.original_bytes().cloned().flatten(),
        };
        let number = |name: &str| -> Result<Option<u64>, LogError> {
            header(&record.headers, name)
                .map(|v| {
                    v.parse::<u64>()
                        .map_err(|_| LogError(format!("its {name} header is not a count: {v}")))
                })
                .transpose()
        };
        let chain = header(&record.headers, CHAIN).map(str::to_string);
        let mut lot = self.lock();
        lot.clock += 1;
        let clock = lot.clock;
        if let Some(released) = number(RELEASED)? {
            let state = lot.state(key);
            let before = state.entries.len();
            if released > state.released {
                state.released = released;
                state.entries = state.entries.split_off(&released);
                state.next = state.next.max(released);
            }
            if chain.is_some() {
                state.tried_with = chain;
            }
            let dropped = (before - state.entries.len()) as u64;
            self.parked.fetch_sub(dropped, Ordering::AcqRel);
            return Ok(());
        }
        let n = number(NUMBER)?.ok_or_else(|| LogError(format!("it has no {NUMBER} header")))?;
        let origin = Origin {
            topic: key.topic.clone(),
            partition: header(&record.headers, PARTITION).and_then(|v| v.parse().ok()),
            offset: header(&record.headers, OFFSET).and_then(|v| v.parse().ok()),
        };
        let reason = header(&record.headers, REASON)
            .unwrap_or(BEHIND)
            .to_string();
        record.headers.retain(|h| !h.key.starts_with(HEADER_PREFIX));
        record.topic.clone_from(&key.topic);
        record.partition = None;
        let state = lot.state(key);
        state.next = state.next.max(n + 1);
        if n < state.released || state.entries.contains_key(&n) {
            return Ok(());
        }
        if state.entries.is_empty() {
            state.since = clock;
        }
        if chain.is_some() {
            state.tried_with.clone_from(&chain);
        }
        state.entries.insert(
            n,
            Parked {
                record,
                origin,
                reason,
                number: n,
                chain,
            },
        );
        self.parked.fetch_add(1, Ordering::AcqRel);
        Ok(())
    }

    /// Claims the keys that `chain` has not tried yet, oldest first: their unparking is then
    /// the caller's, and no other task's.
    pub fn claim_due(&self, chain: &str) -> Vec<ParkedKey> {
        let mut lot = self.lock();
        let mut due: Vec<(u64, ParkedKey)> = Vec::new();
        for (topic, keys) in &mut lot.keys {
            for (key, s) in keys.iter_mut() {
                if !s.entries.is_empty() && !s.claimed && s.tried_with.as_deref() != Some(chain) {
                    s.claimed = true;
                    let key = ParkedKey {
                        topic: topic.clone(),
                        key: key.clone(),
                    };
                    due.push((s.since, key));
                }
            }
        }
        due.sort_by_key(|(since, _)| *since);
        due.into_iter().map(|(_, k)| k).collect()
    }

    /// The entries of `key` numbered `from` or higher, in order.
    fn entries_from(&self, key: &ParkedKey, from: u64) -> Vec<Parked> {
        self.lock()
            .get(key)
            .map(|s| s.entries.range(from..).map(|(_, p)| p.clone()).collect())
            .unwrap_or_default()
    }

    /// The number of the first remaining entry of `key`.
    fn first(&self, key: &ParkedKey) -> u64 {
        self.lock().get(key).map_or(0, |s| s.released)
    }

    /// Records that the entries of `key` below `released` are done, and, with `tried_with`,
    /// that the rest were tried with that chain; the claim ends. Answers whether entries
    /// remain (parked behind while the key was being unparked, or not handled).
    fn release(
        &self,
        key: &ParkedKey,
        released: u64,
        tried_with: Option<&str>,
        unclaim: bool,
    ) -> bool {
        let mut lot = self.lock();
        let Some(state) = lot
            .keys
            .get_mut(&key.topic)
            .and_then(|keys| keys.get_mut(&key.key))
        else {
            return false;
        };
        let before = state.entries.len();
        if released > state.released {
            state.released = released;
            state.entries = state.entries.split_off(&released);
        }
        if let Some(chain) = tried_with {
            state.tried_with = Some(chain.to_string());
        }
        let remaining = !state.entries.is_empty();
        if unclaim || !remaining {
            state.claimed = false;
        }
        let dropped = (before - state.entries.len()) as u64;
        self.parked.fetch_sub(dropped, Ordering::AcqRel);
        remaining
    }

    /// Parked records by the topic they were consumed from.
    pub fn by_topic(&self) -> Vec<TopicParked> {
        let lot = self.lock();
        let mut topics: HashMap<&str, TopicParked> = HashMap::new();
        for (topic, state) in lot
            .keys
            .iter()
            .flat_map(|(topic, keys)| keys.values().map(move |s| (topic, s)))
        {
            if state.entries.is_empty() {
                continue;
            }
            let t = topics.entry(topic.as_str()).or_insert_with(|| TopicParked {
                topic: topic.clone(),
                records: 0,
                keys: 0,
                oldest_timestamp: None,
            });
            t.records += state.entries.len() as u64;
            t.keys += 1;
            let oldest = state
                .entries
                .values()
                .filter_map(|p| p.record.timestamp)
                .min();
            t.oldest_timestamp = match (t.oldest_timestamp, oldest) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
        }
        let mut out: Vec<TopicParked> = topics.into_values().collect();
        out.sort_by(|a, b| a.topic.cmp(&b.topic));
        out
    }
}

impl Lot {
    /// The state of `key`, created empty.
    fn state(&mut self, key: ParkedKey) -> &mut KeyState {
        self.keys
            .entry(key.topic)
            .or_default()
            .entry(key.key)
            .or_default()
    }

    fn get(&self, key: &ParkedKey) -> Option<&KeyState> {
        self.keys
            .get(&key.topic)
            .and_then(|keys| keys.get(&key.key))
    }
}

/// The log entry of a parked record.
fn entry_record(parked: &Parked, destination: &str) -> OutputRecord {
    let record = &parked.record;
    let mut headers = record.headers.clone();
    headers.push(text_header(TOPIC, &parked.origin.topic));
    if let Some(p) = parked.origin.partition {
        headers.push(text_header(PARTITION, p));
    }
    if let Some(o) = parked.origin.offset {
        headers.push(text_header(OFFSET, o));
    }
    headers.push(text_header(REASON, &parked.reason));
    headers.push(text_header(NUMBER, parked.number));
    if let Some(chain) = &parked.chain {
        headers.push(text_header(CHAIN, chain));
    }
    OutputRecord {
        topic: destination.to_string(),
        partition: Some(0),
        offset: parked.origin.offset,
        timestamp: record.timestamp,
        headers,
        key: record.key.original_bytes().cloned().flatten(),
        key_is_json: false,
        value: record.value.original_bytes().cloned().flatten(),
        value_is_json: false,
    }
}

/// The release of `key`'s entries below `released`; with `tried_with`, the key stays parked.
fn release_record(
    key: &ParkedKey,
    released: u64,
    tried_with: Option<&str>,
    destination: &str,
) -> OutputRecord {
    let mut headers = vec![
        text_header(TOPIC, &key.topic),
        text_header(RELEASED, released),
    ];
    if let Some(chain) = tried_with {
        headers.push(text_header(CHAIN, chain));
    }
    OutputRecord {
        topic: destination.to_string(),
        partition: Some(0),
        offset: None,
        timestamp: None,
        headers,
        key: key.key.clone(),
        key_is_json: false,
        value: None,
        value_is_json: false,
    }
}

/// Where the records an unparking writes go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Destination {
    /// An output of the chain.
    Output,
    /// A dead letter (an unparked record that failed).
    DeadLetter,
    /// The parking log (a release).
    Log,
}

/// Writes what an unparking produces: `apply` to its files, `run` to Kafka.
pub trait UnparkSink {
    /// Writes `record` to `destination`.
    fn write(&mut self, destination: Destination, record: OutputRecord) -> Result<(), String>;
    /// Returns once everything written is durable (delivered, or flushed to its file).
    fn flush(&mut self) -> Result<(), String>;
}

/// What an unparking did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UnparkSummary {
    /// Keys tried.
    pub keys: u64,
    /// Keys whose every record was handled: they no longer hold their records.
    pub keys_released: u64,
    /// Parked records handled (written, filtered, or failed as `errors.*` say).
    pub records: u64,
    /// Records the chain wrote for them.
    pub records_out: u64,
    /// Parked records that failed and were handled as `errors.*` say.
    pub failed: u64,
}

/// Why an unparking stopped.
#[derive(Debug, thiserror::Error)]
pub enum UnparkError {
    /// A parked record failed and the task must stop (`errors.tolerance=none`, a broken step).
    #[error("unparking {key}: {reason}")]
    Stopped {
        /// The key.
        key: String,
        /// Why.
        reason: String,
    },
    /// The process was asked to stop while a parked record waited.
    #[error(transparent)]
    Interrupted(#[from] Interrupted),
    /// The sink could not write.
    #[error("unparking {key}: {message}")]
    Sink {
        /// The key.
        key: String,
        /// What failed.
        message: String,
    },
}

/// Unparks what the task's current chain has not tried yet (see the module documentation):
/// key by key, oldest first, each key's records in order; a record the chain still does not
/// handle stays parked with the records behind it. Does nothing when the task has no lot.
pub fn unpark(
    task: &mut Task,
    sink: &mut dyn UnparkSink,
    wait: &mut dyn FnMut(Duration) -> bool,
) -> Result<UnparkSummary, UnparkError> {
    let mut summary = UnparkSummary::default();
    let Some((lot, destination)) = task.parking() else {
        return Ok(summary);
    };
    let chain = task.chain().fingerprint().to_string();
    let keys = lot.claim_due(&chain);
    if keys.is_empty() {
        return Ok(summary);
    }
    tracing::info!(
        "unparking {} key(s) through the current chain ({chain})",
        keys.len()
    );
    let mut keys = keys.into_iter();
    while let Some(key) = keys.next() {
        summary.keys += 1;
        let result = unpark_key(
            task,
            sink,
            wait,
            &lot,
            &destination,
            &chain,
            &key,
            &mut summary,
        );
        if let Err(e) = result {
            // The keys not reached keep their entries, unclaimed, for the next unparking.
            for rest in keys {
                let first = lot.first(&rest);
                lot.release(&rest, first, None, true);
            }
            return Err(e);
        }
    }
    tracing::info!(
        "unparked {} record(s) of {} key(s), {} key(s) released",
        summary.records,
        summary.keys,
        summary.keys_released
    );
    Ok(summary)
}

#[allow(clippy::too_many_arguments)]
fn unpark_key(
    task: &mut Task,
    sink: &mut dyn UnparkSink,
    wait: &mut dyn FnMut(Duration) -> bool,
    lot: &ParkingLot,
    destination: &str,
    chain: &str,
    key: &ParkedKey,
    summary: &mut UnparkSummary,
) -> Result<(), UnparkError> {
    let sink_err = |message: String| UnparkError::Sink {
        key: key.to_string(),
        message,
    };
    let mut next = lot.first(key);
    loop {
        let entries = lot.entries_from(key, next);
        let mut still_unhandled = None;
        for parked in entries {
            let location = describe_origin(&parked.origin);
            match task.unpark_one(parked.record, &parked.origin, InputKinds::default(), wait) {
                Ok(Unparked::Outputs(outputs)) => {
                    summary.records_out += outputs.len() as u64;
                    for out in outputs {
                        sink.write(Destination::Output, out).map_err(sink_err)?;
                    }
                }
                Ok(Unparked::Failed(failed)) => {
                    summary.failed += 1;
                    let stop = handle_failed(task, sink, &failed, &location).map_err(sink_err)?;
                    if let Some(reason) = stop {
                        // What was done so far is released; this record stays parked.
                        finish(sink, lot, destination, key, next, None, true).map_err(sink_err)?;
                        return Err(UnparkError::Stopped {
                            key: key.to_string(),
                            reason,
                        });
                    }
                }
                Ok(Unparked::StillUnhandled(reason)) => {
                    tracing::info!("{location} of {key} stays parked: {reason}");
                    still_unhandled = Some(reason);
                    break;
                }
                Err(e) => {
                    finish(sink, lot, destination, key, next, None, true).map_err(sink_err)?;
                    return Err(e.into());
                }
            }
            summary.records += 1;
            next = parked.number + 1;
        }
        if still_unhandled.is_some() {
            finish(sink, lot, destination, key, next, Some(chain), true).map_err(sink_err)?;
            return Ok(());
        }
        // Every entry seen is done; records parked behind meanwhile are run too before the
        // key lets its records through.
        if !finish(sink, lot, destination, key, next, None, false).map_err(sink_err)? {
            summary.keys_released += 1;
            return Ok(());
        }
    }
}

/// Makes the outputs written so far durable, then writes and makes durable the release of
/// `key`'s entries below `released`, then releases them in the lot. Answers whether entries
/// remain.
fn finish(
    sink: &mut dyn UnparkSink,
    lot: &ParkingLot,
    destination: &str,
    key: &ParkedKey,
    released: u64,
    tried_with: Option<&str>,
    unclaim: bool,
) -> Result<bool, String> {
    sink.flush()?;
    sink.write(
        Destination::Log,
        release_record(key, released, tried_with, destination),
    )?;
    sink.flush()?;
    Ok(lot.release(key, released, tried_with, unclaim))
}

/// Reports an unparked record that failed and writes its dead letter; answers why the
/// unparking must stop, if it must.
fn handle_failed(
    task: &mut Task,
    sink: &mut dyn UnparkSink,
    failed: &FailedRecord,
    location: &str,
) -> Result<Option<String>, String> {
    let handling = task.handle_failure(failed, location);
    if let Some(letter) = handling.dead_letter {
        sink.write(Destination::DeadLetter, letter)?;
    }
    Ok(handling.stop)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(topic: &str, key: &str, value: &str) -> Record {
        let mut r = Record::new(
            topic,
            Some(Bytes::from(key.to_owned())),
            Some(Bytes::from(value.to_owned())),
        );
        r.timestamp = Some(1_000);
        r
    }

    fn origin(topic: &str, offset: i64) -> Origin {
        Origin {
            topic: topic.into(),
            partition: Some(2),
            offset: Some(offset),
        }
    }

    /// Parks `value` of key `key` on topic `t`, consumed at `offset`; `chain` is the chain that
    /// did not handle it, `None` parks it behind an earlier record of its key.
    fn park(
        lot: &ParkingLot,
        key: &str,
        value: &str,
        offset: i64,
        chain: Option<&str>,
    ) -> OutputRecord {
        let reason = if chain.is_some() { "new" } else { BEHIND };
        lot.park(
            record("t", key, value),
            &origin("t", offset),
            reason.into(),
            chain,
            "lot",
        )
    }

    /// An output record read back as the log's reader sees it.
    fn read_back(out: &OutputRecord) -> Record {
        let mut r = Record::new(out.topic.clone(), out.key.clone(), out.value.clone());
        r.timestamp = out.timestamp;
        r.headers = out.headers.clone();
        r
    }

    #[test]
    fn a_parked_key_holds_its_later_records_and_no_other() {
        let lot = ParkingLot::new();
        let key = Bytes::from_static(b"1");
        assert!(!lot.holds("t", Some(&key)));
        park(&lot, "1", "a", 5, Some("c1"));
        assert!(lot.holds("t", Some(&key)));
        assert!(!lot.holds("t", Some(&Bytes::from_static(b"2"))));
        assert!(!lot.holds("u", Some(&key)), "a key is a key of its topic");
        assert_eq!(lot.parked(), 1);
    }

    #[test]
    fn the_log_rebuilds_the_lot_and_applying_it_twice_changes_nothing() {
        let lot = ParkingLot::new();
        let mut log = vec![
            park(&lot, "1", "a", 5, Some("c1")),
            park(&lot, "1", "b", 6, None),
            park(&lot, "2", "c", 7, Some("c1")),
        ];
        let first = &log[0];
        assert_eq!(first.partition, Some(0));
        assert_eq!(header(&first.headers, NUMBER), Some("0"));
        assert_eq!(header(&first.headers, CHAIN), Some("c1"));
        assert_eq!(header(&log[1].headers, NUMBER), Some("1"));
        assert_eq!(header(&log[1].headers, CHAIN), None);
        log.push(release_record(
            &ParkedKey {
                topic: "t".into(),
                key: Some(Bytes::from_static(b"1")),
            },
            1,
            Some("c2"),
            "lot",
        ));
        let restored = ParkingLot::new();
        for _ in 0..2 {
            for out in &log {
                restored.apply_log(read_back(out)).expect("a log record");
            }
        }
        assert_eq!(restored.parked(), 2, "one of key 1 released, one of key 2");
        let key1 = ParkedKey {
            topic: "t".into(),
            key: Some(Bytes::from_static(b"1")),
        };
        let left = restored.entries_from(&key1, 0);
        assert_eq!(left.len(), 1);
        let parked = &left[0];
        assert_eq!(parked.number, 1);
        assert_eq!(parked.reason, BEHIND);
        assert_eq!(parked.origin, origin("t", 6));
        assert_eq!(parked.record.topic, "t");
        assert!(
            parked.record.headers.is_empty(),
            "{:?}",
            parked.record.headers
        );
        // Key 1 was tried with c2 since; key 2 was not.
        assert_eq!(restored.claim_due("c2").len(), 1);
        // A record parked after the restore continues the numbering.
        let next = park(&restored, "1", "d", 9, None);
        assert_eq!(header(&next.headers, NUMBER), Some("2"));
    }

    #[test]
    fn a_claimed_key_is_no_other_tasks_and_a_release_ends_the_claim() {
        let lot = ParkingLot::new();
        park(&lot, "1", "a", 5, Some("c1"));
        let key = ParkedKey {
            topic: "t".into(),
            key: Some(Bytes::from_static(b"1")),
        };
        assert_eq!(lot.claim_due("c1"), Vec::<ParkedKey>::new(), "c1 tried it");
        assert_eq!(lot.claim_due("c2"), vec![key.clone()]);
        assert_eq!(lot.claim_due("c2"), Vec::<ParkedKey>::new(), "claimed");
        // Parked behind while claimed, then everything before it released: it remains.
        park(&lot, "1", "b", 6, None);
        assert!(lot.release(&key, 1, None, false));
        assert!(lot.holds("t", Some(&Bytes::from_static(b"1"))));
        assert!(!lot.release(&key, 2, None, false));
        assert!(!lot.holds("t", Some(&Bytes::from_static(b"1"))));
        assert_eq!(lot.parked(), 0);
    }

    #[test]
    fn metrics_count_records_keys_and_the_oldest_timestamp_by_topic() {
        let lot = ParkingLot::new();
        let mut old = record("t", "1", "a");
        old.timestamp = Some(500);
        lot.park(old, &origin("t", 1), "new".into(), Some("c"), "lot");
        park(&lot, "1", "b", 2, None);
        park(&lot, "2", "c", 3, Some("c"));
        assert_eq!(
            lot.by_topic(),
            vec![TopicParked {
                topic: "t".into(),
                records: 3,
                keys: 2,
                oldest_timestamp: Some(500),
            }]
        );
    }

    #[test]
    fn a_record_that_is_not_a_log_record_is_refused() {
        let lot = ParkingLot::new();
        assert!(lot.apply_log(record("t", "1", "a")).is_err());
        let mut r = record("t", "1", "a");
        r.headers.push(text_header(TOPIC, "t"));
        r.headers.push(text_header(NUMBER, "x"));
        assert!(lot.apply_log(r).is_err());
        assert_eq!(lot.parked(), 0);
    }
}
