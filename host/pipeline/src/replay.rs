//! Replaying dead letters through a pipeline's current chain, whatever reads and writes them
//! (`switchyard replay` over a dead-letter file, or over a dead-letter topic).
//!
//! A dead letter is what Kafka Connect's `DeadLetterQueueReporter` writes (and `apply --dlq`
//! writes the same way): the record's key, value, headers and timestamp as they were consumed,
//! with the `__connect.errors.*` headers naming where it came from and why it failed.
//! [`DeadLetter::split`] takes the original record back out of it (its own headers without
//! the `__connect.errors.*` ones; the topic, partition and offset those name), and a
//! [`Replayer`] runs it through the task. A record that fails again, whatever
//! `errors.tolerance` says, stays dead with its history: its earlier `__connect.errors.*`
//! headers, then this failure's (Kafka keeps every header of a key; the last one is the
//! latest).
//!
//! Order: a dead letter whose key has an earlier dead letter that stays dead (it failed again,
//! or a filter left it out) is held behind it — kept dead without being run — so that the
//! records of one key reach the output in their original order and a query model never gets a
//! newer state before an older one. Records with a null key have no order to keep.

use std::collections::HashSet;
use std::time::Duration;

use bytes::Bytes;

use switchyard_convert::record::{Header, Origin, OutputRecord, Record};

use crate::task::{InputKinds, Processed, Task, describe_origin};

/// The prefix of the headers Kafka Connect adds to a dead letter.
pub const CONTEXT_PREFIX: &str = "__connect.errors.";

/// Which dead letters a replay runs; the others stay dead. Empty lists select everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filters {
    /// Original topics (`__connect.errors.topic`).
    pub topics: Vec<String>,
    /// Exception classes (`__connect.errors.exception.class.name`), full or simple names.
    pub error_classes: Vec<String>,
    /// The record's timestamp is at or after this (milliseconds since the epoch).
    pub since: Option<i64>,
    /// The record's timestamp is before this.
    pub until: Option<i64>,
}

impl Filters {
    /// Whether the filters select `letter`.
    pub fn select(&self, letter: &DeadLetter) -> bool {
        let topic_ok = self.topics.is_empty() || self.topics.contains(&letter.record.topic);
        let class_ok = self.error_classes.is_empty()
            || letter.exception_class().is_some_and(|class| {
                let simple = class.rsplit('.').next().unwrap_or(class);
                self.error_classes
                    .iter()
                    .any(|wanted| wanted == class || wanted == simple)
            });
        let time = letter.record.timestamp;
        let since_ok = self
            .since
            .is_none_or(|since| time.is_some_and(|t| t >= since));
        let until_ok = self
            .until
            .is_none_or(|until| time.is_some_and(|t| t < until));
        topic_ok && class_ok && since_ok && until_ok
    }
}

/// What a replay did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ReplaySummary {
    /// Dead letters read.
    pub dead_letters: u64,
    /// Dead letters the chain handled (written, or filtered out by a transform).
    pub replayed: u64,
    /// Records the chain wrote.
    pub records_out: u64,
    /// Dead letters that failed again.
    pub failed_again: u64,
    /// Dead letters held behind an earlier dead letter of their key.
    pub held: u64,
    /// Dead letters a filter left out.
    pub not_selected: u64,
    /// Lines or messages that were not records (kept as they were).
    pub unreadable: u64,
}

impl ReplaySummary {
    /// Counts the fate of one dead letter.
    pub fn count(&mut self, fate: &Fate) {
        self.dead_letters += 1;
        match fate {
            Fate::Replayed(outputs) => {
                self.replayed += 1;
                self.records_out += outputs.len() as u64;
            }
            Fate::FailedAgain(..) => self.failed_again += 1,
            Fate::Held => self.held += 1,
            Fate::NotSelected => self.not_selected += 1,
            Fate::Broken(_) | Fate::Interrupted(_) => {}
        }
    }
}

impl std::fmt::Display for ReplaySummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "dead letters: {}, replayed: {} (records out: {}), failed again: {}, held behind their key: {}, not selected: {}, not records: {}",
            self.dead_letters,
            self.replayed,
            self.records_out,
            self.failed_again,
            self.held,
            self.not_selected,
            self.unreadable,
        )
    }
}

/// A dead letter split into the record it was and its history.
#[derive(Debug, Clone)]
pub struct DeadLetter {
    /// The original record: its own headers, topic and partition.
    pub record: Record,
    /// Its `__connect.errors.*` headers, in order.
    pub history: Vec<Header>,
    /// Where the dead letter itself was read: the dead-letter topic (or the original topic,
    /// when Kafka Connect had no dead-letter topic to write to), and its offset there.
    pub read_from: Origin,
}

/// The last value of header `key` as text.
fn last_text<'h>(headers: &'h [Header], key: &str) -> Option<&'h str> {
    headers
        .iter()
        .rev()
        .find(|h| h.key == key)
        .and_then(|h| h.value.as_deref())
        .and_then(|v| std::str::from_utf8(v).ok())
}

impl DeadLetter {
    /// Splits the dead letter `record`, read from `read_from`.
    pub fn split(mut record: Record, read_from: Origin) -> DeadLetter {
        let (history, own): (Vec<Header>, Vec<Header>) = std::mem::take(&mut record.headers)
            .into_iter()
            .partition(|h| h.key.starts_with(CONTEXT_PREFIX));
        record.headers = own;
        if let Some(topic) = last_text(&history, "__connect.errors.topic") {
            record.topic = topic.to_owned();
        }
        DeadLetter {
            record,
            history,
            read_from,
        }
    }

    /// Where the original record was consumed, as its context headers say.
    pub fn origin(&self) -> Origin {
        Origin {
            topic: self.record.topic.clone(),
            partition: last_text(&self.history, "__connect.errors.partition")
                .and_then(|p| p.parse().ok()),
            offset: last_text(&self.history, "__connect.errors.offset")
                .and_then(|o| o.parse().ok()),
        }
    }

    /// The exception class of the latest failure.
    pub fn exception_class(&self) -> Option<&str> {
        last_text(&self.history, "__connect.errors.exception.class.name")
    }

    /// `topic[partition]@offset` of the original record, as far as its headers tell.
    pub fn describe(&self) -> String {
        let origin = self.origin();
        format!(
            "{}{}{}",
            origin.topic,
            origin
                .partition
                .map(|p| format!("[{p}]"))
                .unwrap_or_default(),
            origin.offset.map(|o| format!("@{o}")).unwrap_or_default()
        )
    }

    /// The dead letter as it stays dead, unchanged: to the topic it was read from, with its
    /// headers and history.
    pub fn unchanged(&self) -> OutputRecord {
        let mut headers = self.record.headers.clone();
        headers.extend(self.history.iter().cloned());
        OutputRecord {
            topic: self.read_from.topic.clone(),
            partition: None,
            offset: self.read_from.offset,
            timestamp: self.record.timestamp,
            headers,
            key: self.record.key.original_bytes().cloned().flatten(),
            key_is_json: false,
            value: self.record.value.original_bytes().cloned().flatten(),
            value_is_json: false,
        }
    }

    /// The key its order is kept by: its original topic and key bytes; `None` for a null key.
    fn order_key(&self) -> Option<(String, Bytes)> {
        let key = self.record.key.original_bytes()?.clone()?;
        Some((self.record.topic.clone(), key))
    }
}

/// Where a dead letter ends.
#[derive(Debug)]
pub enum Fate {
    /// The chain handled it; these are its outputs (none when a transform filtered it out).
    Replayed(Vec<OutputRecord>),
    /// It failed again: the dead letter to keep (with its history), and why.
    FailedAgain(Box<OutputRecord>, String),
    /// Held behind an earlier dead letter of its key: keep [`DeadLetter::unchanged`].
    Held,
    /// A filter left it out: keep [`DeadLetter::unchanged`].
    NotSelected,
    /// A step declared itself broken: the replay must stop here, keeping this dead letter and
    /// the ones after it.
    Broken(String),
    /// The replay was asked to stop while this dead letter waited for a service its converters
    /// need (a schema registry that is down): it was not run, and stays where it is.
    Interrupted(String),
}

/// Runs dead letters through a task in key order.
#[derive(Debug)]
pub struct Replayer {
    filters: Filters,
    connector: String,
    /// The keys with a dead letter that stays dead.
    held: HashSet<(String, Bytes)>,
}

impl Replayer {
    /// A replayer of the connector `connector`'s dead letters.
    pub fn new(filters: Filters, connector: &str) -> Self {
        Replayer {
            filters,
            connector: connector.to_owned(),
            held: HashSet::new(),
        }
    }

    /// Runs `letter` through `task`, unless its key is held or the filters leave it out.
    /// `wait` sleeps while a service the converters need is down (see [`Task::process`]).
    pub fn replay(
        &mut self,
        task: &mut Task,
        letter: &DeadLetter,
        kinds: InputKinds,
        wait: &mut dyn FnMut(Duration) -> bool,
    ) -> Fate {
        let key = letter.order_key();
        if key.as_ref().is_some_and(|k| self.held.contains(k)) {
            return Fate::Held;
        }
        if !self.filters.select(letter) {
            self.held.extend(key);
            return Fate::NotSelected;
        }
        let origin = letter.origin();
        let failure = match task.process(letter.record.clone(), &origin, kinds, wait) {
            Ok(Processed::Outputs(outputs)) => return Fate::Replayed(outputs),
            Ok(Processed::Failed(failed)) if failed.broken => {
                return Fate::Broken(
                    failed.describe(&format!("{} (replayed)", describe_origin(&origin))),
                );
            }
            Ok(Processed::Failed(failed)) => failed.failure,
            // A replay's task has no parking lot: an unhandled record fails again.
            Ok(Processed::Parked(_)) => {
                return Fate::Broken("a replay cannot park records".into());
            }
            Err(interrupted) => return Fate::Interrupted(interrupted.to_string()),
        };
        self.held.extend(key);
        let mut dead = letter.unchanged();
        dead.headers
            .extend(failure.context_headers(&self.connector, 0));
        let why = failure.message.clone().unwrap_or_default();
        Fate::FailedAgain(Box::new(dead), why)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dead_letter_gives_back_the_record_it_was() {
        let text = |key: &str, value: &str| Header {
            key: key.into(),
            value: Some(Bytes::from(value.to_owned())),
        };
        let mut record = Record::new("dlq", None, Some(Bytes::from_static(b"1")));
        record.headers = vec![
            text("trace", "a"),
            text("__connect.errors.topic", "orders"),
            text("__connect.errors.partition", "3"),
            text("__connect.errors.offset", "41"),
            text(
                "__connect.errors.exception.class.name",
                "org.apache.kafka.connect.errors.DataException",
            ),
        ];
        let read_from = Origin {
            topic: "dlq".into(),
            partition: Some(0),
            offset: Some(7),
        };
        let letter = DeadLetter::split(record, read_from);
        assert_eq!(letter.record.topic, "orders");
        let origin = letter.origin();
        assert_eq!((origin.partition, origin.offset), (Some(3), Some(41)));
        assert_eq!(letter.record.headers, vec![text("trace", "a")]);
        assert_eq!(letter.history.len(), 4);
        assert_eq!(letter.describe(), "orders[3]@41");
        let mut filters = Filters {
            error_classes: vec!["DataException".into()],
            ..Filters::default()
        };
        assert!(filters.select(&letter));
        filters.error_classes = vec!["ConnectException".into()];
        assert!(!filters.select(&letter));
        let kept = letter.unchanged();
        assert_eq!((kept.topic.as_str(), kept.offset), ("dlq", Some(7)));
        assert_eq!(kept.headers.len(), 5);
    }
}
