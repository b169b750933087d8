//! `switchyard replay`: runs dead letters through the pipeline's current chain.
//!
//! A dead letter is what Kafka Connect's `DeadLetterQueueReporter` writes and `apply --dlq`
//! writes the same way: the record's key, value, headers and timestamp as they were consumed,
//! with the `__connect.errors.*` headers naming where it came from and why it failed. Replay
//! takes the original record back out of it (its own headers without the `__connect.errors.*`
//! ones; the topic, partition and offset those name) and runs it through the chain as `apply`
//! would. What the chain writes goes to the output; a record that fails again, whatever
//! `errors.tolerance` says, goes to the remaining dead letters with its history: its earlier
//! `__connect.errors.*` headers, then this failure's (Kafka keeps every header of a key; the
//! last one is the latest).
//!
//! Order: a dead letter whose key has an earlier dead letter that stays dead (it failed again,
//! or a filter left it out) is held behind it — written to the remaining dead letters without
//! being run — so that the records of one key reach the output in their original order and a
//! query model never gets a newer state before an older one. Records with a null key have no
//! order to keep.

use std::collections::HashSet;
use std::io::{BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

use bytes::Bytes;

use switchyard_convert::json::SeenObjects;
use switchyard_convert::jsonl;
use switchyard_convert::record::{Header, OutputRecord, Record};
use switchyard_pipeline::errors::{Failure, Stage};
use switchyard_pipeline::task::{InputKinds, Processed, Task};

use super::{CliError, load_chain};

/// The prefix of the headers Kafka Connect adds to a dead letter.
const CONTEXT_PREFIX: &str = "__connect.errors.";

/// Arguments of `replay`.
#[derive(Debug, clap::Args)]
pub struct ReplayArgs {
    /// A Kafka Connect connector JSON or a Switchyard pipeline TOML: the chain the dead
    /// letters run through now.
    #[arg(long)]
    pub config: PathBuf,
    /// The dead letters: record JSONL as `apply --dlq` writes it (`-` is standard input).
    #[arg(long)]
    pub dlq: PathBuf,
    /// Where the chain's output records go (`-` is standard output).
    #[arg(long, default_value = "-")]
    pub output: PathBuf,
    /// Where the dead letters that stay dead go — failed again (with their history), held
    /// behind an earlier one of their key, or left out by a filter — so that nothing is lost.
    /// Required unless `--dry-run`.
    #[arg(long, required_unless_present = "dry_run")]
    pub remaining: Option<PathBuf>,
    /// Print what would happen to each dead letter on standard output; write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Replay only dead letters of this original topic (`__connect.errors.topic`); repeatable.
    #[arg(long = "topic", value_name = "TOPIC")]
    pub topics: Vec<String>,
    /// Replay only dead letters whose exception class (`__connect.errors.exception.class.name`)
    /// is this, by its full or its simple name; repeatable.
    #[arg(long = "error-class", value_name = "CLASS")]
    pub error_classes: Vec<String>,
    /// Replay only dead letters whose record timestamp is at or after this (milliseconds since
    /// the epoch, or RFC 3339 such as `2026-12-01T00:00:00Z`).
    #[arg(long, value_parser = parse_time)]
    pub since: Option<i64>,
    /// Replay only dead letters whose record timestamp is before this (as `--since`).
    #[arg(long, value_parser = parse_time)]
    pub until: Option<i64>,
    /// Do not print the summary on standard error.
    #[arg(long)]
    pub quiet: bool,
}

/// Milliseconds since the epoch, or an RFC 3339 time.
fn parse_time(text: &str) -> Result<i64, String> {
    if let Ok(millis) = text.parse::<i64>() {
        return Ok(millis);
    }
    humantime::parse_rfc3339_weak(text)
        .map_err(|e| {
            format!("`{text}` is neither milliseconds since the epoch nor an RFC 3339 time: {e}")
        })
        .and_then(|t| {
            let since = t
                .duration_since(std::time::UNIX_EPOCH)
                .map_err(|_| format!("`{text}` is before 1970"))?;
            i64::try_from(since.as_millis()).map_err(|_| format!("`{text}` is too late"))
        })
}

/// What `replay` did.
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
    /// Lines that were not records (copied to the remaining dead letters as they were).
    pub unreadable: u64,
}

/// A dead letter split into the record it was and its history.
struct DeadLetter {
    /// The original record: its own headers, topic, partition and offset.
    record: Record,
    /// Its `__connect.errors.*` headers, in order.
    history: Vec<Header>,
    /// Its offset as the dead-letter line had it.
    offset: Option<i64>,
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
    /// Splits a dead letter read from `topic` (the dead-letter topic, or the original topic
    /// when Kafka Connect had none to write to).
    fn split(mut record: Record, offset: Option<i64>) -> DeadLetter {
        let (history, own): (Vec<Header>, Vec<Header>) = std::mem::take(&mut record.headers)
            .into_iter()
            .partition(|h| h.key.starts_with(CONTEXT_PREFIX));
        record.headers = own;
        if let Some(topic) = last_text(&history, "__connect.errors.topic") {
            record.topic = topic.to_owned();
        }
        let mut letter = DeadLetter {
            record,
            history,
            offset,
        };
        letter.record.partition = letter.partition();
        letter
    }

    fn partition(&self) -> Option<i32> {
        last_text(&self.history, "__connect.errors.partition").and_then(|p| p.parse().ok())
    }

    fn original_offset(&self) -> Option<i64> {
        last_text(&self.history, "__connect.errors.offset").and_then(|o| o.parse().ok())
    }

    fn exception_class(&self) -> Option<&str> {
        last_text(&self.history, "__connect.errors.exception.class.name")
    }

    /// Whether the filters select it.
    fn selected(&self, args: &ReplayArgs) -> bool {
        let topic_ok = args.topics.is_empty() || args.topics.contains(&self.record.topic);
        let class_ok = args.error_classes.is_empty()
            || self.exception_class().is_some_and(|class| {
                let simple = class.rsplit('.').next().unwrap_or(class);
                args.error_classes
                    .iter()
                    .any(|wanted| wanted == class || wanted == simple)
            });
        let time = self.record.timestamp;
        let since_ok = args
            .since
            .is_none_or(|since| time.is_some_and(|t| t >= since));
        let until_ok = args
            .until
            .is_none_or(|until| time.is_some_and(|t| t < until));
        topic_ok && class_ok && since_ok && until_ok
    }
}

/// The key a dead letter's order is kept by: its original topic and key bytes; `None` for a
/// null key.
fn order_key(record: &Record) -> Option<(String, Bytes)> {
    let key = record.key.original_bytes()?.clone()?;
    Some((record.topic.clone(), key))
}

/// Where a dead letter ends.
enum Fate {
    /// The chain handled it; these are its outputs.
    Replayed(Vec<OutputRecord>),
    /// It failed again: the dead letter to keep, and why.
    FailedAgain(Box<OutputRecord>, String),
    /// Held behind an earlier dead letter of its key.
    Held,
    /// A filter left it out.
    NotSelected,
    /// A step declared itself broken: the replay stops here.
    Broken(String),
}

/// The dead letter `letter` as it stays dead, unchanged: its line's topic, its headers.
fn unchanged(topic: &str, letter: &DeadLetter) -> OutputRecord {
    let mut headers = letter.record.headers.clone();
    headers.extend(letter.history.iter().cloned());
    OutputRecord {
        topic: topic.to_owned(),
        partition: None,
        offset: letter.offset,
        timestamp: letter.record.timestamp,
        headers,
        key: letter.record.key.original_bytes().cloned().flatten(),
        key_is_json: false,
        value: letter.record.value.original_bytes().cloned().flatten(),
        value_is_json: false,
    }
}

/// Runs one dead letter through `task`, unless `held` has its key or the filters leave it out.
fn replay_one(
    task: &mut Task,
    connector: &str,
    args: &ReplayArgs,
    line_topic: &str,
    letter: &DeadLetter,
    kinds: InputKinds,
    held: &mut HashSet<(String, Bytes)>,
) -> Result<Fate, CliError> {
    let key = order_key(&letter.record);
    if key.as_ref().is_some_and(|k| held.contains(k)) {
        return Ok(Fate::Held);
    }
    if !letter.selected(args) {
        held.extend(key);
        return Ok(Fate::NotSelected);
    }
    let origin = switchyard_convert::record::Origin {
        topic: letter.record.topic.clone(),
        partition: letter.partition(),
        offset: letter.original_offset(),
    };
    // A registry that is down is waited for, as `apply` does.
    let mut sleep = |delay| {
        std::thread::sleep(delay);
        true
    };
    let failure = match task.process(letter.record.clone(), &origin, kinds, &mut sleep) {
        Ok(Processed::Outputs(outputs)) => return Ok(Fate::Replayed(outputs)),
        Ok(Processed::Failed(failed)) if failed.broken => {
            return Ok(Fate::Broken(failed.describe(&format!(
                "{} (replayed)",
                switchyard_pipeline::task::describe_origin(&origin)
            ))));
        }
        Ok(Processed::Failed(failed)) => failed.failure,
        Err(e) => Failure {
            origin,
            stage: Stage::Transformation,
            class: "task".into(),
            exception: "org.apache.kafka.connect.errors.ConnectException",
            message: Some(e.to_string()),
        },
    };
    held.extend(key);
    let mut dead = unchanged(line_topic, letter);
    dead.headers.extend(failure.context_headers(connector, 0));
    let why = failure.message.clone().unwrap_or_default();
    Ok(Fate::FailedAgain(Box::new(dead), why))
}

/// `switchyard replay`: reads dead letters from `--dlq`, writes the chain's outputs to
/// `--output` and what stays dead to `--remaining` (or, with `--dry-run`, says what would
/// happen to each).
pub fn replay(args: &ReplayArgs) -> Result<ReplaySummary, CliError> {
    let (pipeline, chain) = load_chain(&args.config)?;
    let io_err = |path: &Path, e: std::io::Error| CliError::Io {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    let input: Box<dyn std::io::Read> = if args.dlq.as_os_str() == "-" {
        Box::new(std::io::stdin().lock())
    } else {
        Box::new(std::fs::File::open(&args.dlq).map_err(|e| io_err(&args.dlq, e))?)
    };
    let create = |path: &Path| -> Result<Box<dyn Write>, CliError> {
        if path.as_os_str() == "-" {
            Ok(Box::new(std::io::stdout().lock()))
        } else {
            Ok(Box::new(
                std::fs::File::create(path).map_err(|e| io_err(path, e))?,
            ))
        }
    };
    let mut output = BufWriter::new(create(if args.dry_run {
        Path::new("-")
    } else {
        &args.output
    })?);
    let mut remaining = match (&args.remaining, args.dry_run) {
        (Some(path), false) => Some((BufWriter::new(create(path)?), path.clone())),
        _ => None,
    };
    let mut task = Task::new(chain, &pipeline, 0, true);
    let mut summary = ReplaySummary::default();
    let mut held = HashSet::new();
    let mut seen = SeenObjects::default();
    let mut reader = BufReader::new(input);
    let mut bytes = Vec::new();
    let mut out = Vec::new();
    let mut line_no = 0usize;
    loop {
        let read = switchyard_data::files::read_line(
            &mut reader,
            &mut bytes,
            switchyard_data::files::LINE_LIMIT,
        )
        .map_err(|e| io_err(&args.dlq, e))?;
        if matches!(read, switchyard_data::files::Line::End) {
            break;
        }
        line_no += 1;
        out.clear();
        let parsed = match (read, std::str::from_utf8(&bytes)) {
            (switchyard_data::files::Line::Read, Ok(text)) if text.trim().is_empty() => continue,
            (switchyard_data::files::Line::Read, Ok(text)) => {
                jsonl::parse_line_after(text.trim_end(), &mut seen).map_err(|e| e.to_string())
            }
            (_, Err(e)) => Err(format!("not valid UTF-8 from byte {}", e.valid_up_to())),
            (_, Ok(_)) => Err("longer than a record line may be".to_owned()),
        };
        let input = match parsed {
            Ok(input) => input,
            Err(why) => {
                // Not a record: kept as it was, so that nothing is lost.
                summary.unreadable += 1;
                tracing::warn!("line {line_no} of the dead letters is not a record ({why}): kept");
                if args.dry_run {
                    writeln!(output, "line {line_no}: not a record ({why}); kept")
                        .map_err(|e| io_err(&args.output, e))?;
                } else if let Some((remaining, path)) = remaining.as_mut() {
                    remaining
                        .write_all(bytes.trim_ascii_end())
                        .and_then(|()| remaining.write_all(b"\n"))
                        .map_err(|e| io_err(path, e))?;
                }
                continue;
            }
        };
        summary.dead_letters += 1;
        let line_topic = input.origin.topic.clone();
        let kinds = InputKinds {
            key_is_json: input.key_is_json,
            value_is_json: input.value_is_json,
        };
        let letter = DeadLetter::split(input.record, input.offset);
        let fate = replay_one(
            &mut task,
            &pipeline.name,
            args,
            &line_topic,
            &letter,
            kinds,
            &mut held,
        )?;
        let coordinates = format!(
            "line {line_no} ({}{}{})",
            letter.record.topic,
            letter
                .partition()
                .map(|p| format!("[{p}]"))
                .unwrap_or_default(),
            letter
                .original_offset()
                .map(|o| format!("@{o}"))
                .unwrap_or_default()
        );
        let kept = match fate {
            Fate::Replayed(outputs) => {
                summary.replayed += 1;
                summary.records_out += outputs.len() as u64;
                if args.dry_run {
                    let topics: Vec<&str> = outputs.iter().map(|o| o.topic.as_str()).collect();
                    let what = match topics.as_slice() {
                        [] => "would be filtered out by the chain".to_owned(),
                        _ => format!("would write to {}", topics.join(", ")),
                    };
                    writeln!(output, "{coordinates}: {what}")
                        .map_err(|e| io_err(&args.output, e))?;
                } else {
                    for record in &outputs {
                        jsonl::write_line(&mut out, &input.layout, record);
                    }
                    output
                        .write_all(&out)
                        .map_err(|e| io_err(&args.output, e))?;
                }
                None
            }
            Fate::FailedAgain(dead, why) => {
                summary.failed_again += 1;
                tracing::warn!("{coordinates} failed again: {why}");
                if args.dry_run {
                    writeln!(output, "{coordinates}: would fail again: {why}")
                        .map_err(|e| io_err(&args.output, e))?;
                }
                Some(*dead)
            }
            Fate::Held => {
                summary.held += 1;
                if args.dry_run {
                    writeln!(
                        output,
                        "{coordinates}: held behind an earlier dead letter of its key"
                    )
                    .map_err(|e| io_err(&args.output, e))?;
                }
                Some(unchanged(&line_topic, &letter))
            }
            Fate::NotSelected => {
                summary.not_selected += 1;
                if args.dry_run {
                    writeln!(output, "{coordinates}: not selected")
                        .map_err(|e| io_err(&args.output, e))?;
                }
                Some(unchanged(&line_topic, &letter))
            }
            Fate::Broken(reason) => {
                // This dead letter and every later line stay dead as they were: the output
                // and the remaining dead letters together still hold every record.
                if let Some((remaining, path)) = remaining.as_mut() {
                    out.clear();
                    jsonl::write_line(&mut out, &input.layout, &unchanged(&line_topic, &letter));
                    remaining.write_all(&out).map_err(|e| io_err(path, e))?;
                    std::io::copy(&mut reader, remaining).map_err(|e| io_err(path, e))?;
                    remaining.flush().map_err(|e| io_err(path, e))?;
                }
                output.flush().map_err(|e| io_err(&args.output, e))?;
                return Err(CliError::RecordFailed(format!(
                    "{reason}; the replay stopped, and this dead letter and the ones after it were written to the remaining dead letters as they were"
                )));
            }
        };
        if let (Some(dead), Some((remaining, path))) = (kept, remaining.as_mut()) {
            out.clear();
            jsonl::write_line(&mut out, &input.layout, &dead);
            remaining.write_all(&out).map_err(|e| io_err(path, e))?;
        }
    }
    output.flush().map_err(|e| io_err(&args.output, e))?;
    if let Some((remaining, path)) = remaining.as_mut() {
        remaining.flush().map_err(|e| io_err(path, e))?;
    }
    if !args.quiet {
        eprintln!(
            "dead letters: {}, replayed: {} (records out: {}), failed again: {}, held behind their key: {}, not selected: {}, not records: {}",
            summary.dead_letters,
            summary.replayed,
            summary.records_out,
            summary.failed_again,
            summary.held,
            summary.not_selected,
            summary.unreadable,
        );
    }
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_milliseconds_or_rfc_3339() {
        assert_eq!(parse_time("1764028800549"), Ok(1_764_028_800_549));
        assert_eq!(
            parse_time("2025-11-25T00:00:00.549Z"),
            Ok(1_764_028_800_549)
        );
        assert!(parse_time("yesterday").unwrap_err().contains("RFC 3339"));
    }

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
        let letter = DeadLetter::split(record, Some(7));
        assert_eq!(letter.record.topic, "orders");
        assert_eq!(letter.record.partition, Some(3));
        assert_eq!(letter.original_offset(), Some(41));
        assert_eq!(letter.record.headers, vec![text("trace", "a")]);
        assert_eq!(letter.history.len(), 4);
        assert_eq!(
            letter.exception_class(),
            Some("org.apache.kafka.connect.errors.DataException")
        );
    }
}
