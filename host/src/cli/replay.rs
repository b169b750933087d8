//! `switchyard replay` over a dead-letter file: see `switchyard_pipeline::replay` for what
//! happens to each dead letter. The output file gets what the chain writes; `--remaining` gets
//! every dead letter that stays dead, so that the two together hold each dead letter once.

use std::io::{BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

use switchyard_convert::json::SeenObjects;
use switchyard_convert::jsonl;
use switchyard_pipeline::replay::{DeadLetter, Fate, Filters, ReplaySummary, Replayer};
use switchyard_pipeline::task::{InputKinds, Task};

use super::{CliError, load_chain};

/// Arguments of `replay`.
#[derive(Debug, clap::Args)]
pub struct ReplayArgs {
    /// A Kafka Connect connector JSON or a Switchyard pipeline TOML: the chain the dead
    /// letters run through now.
    #[arg(long)]
    pub config: PathBuf,
    /// The dead letters: record JSONL as `apply --dlq` writes it (`-` is standard input).
    /// Without it, the dead-letter topic is read (`--dlq-topic`).
    #[arg(long, conflicts_with_all = ["dlq_topic", "bootstrap_servers", "worker", "group_id"])]
    pub dlq: Option<PathBuf>,
    /// The dead-letter topic to read (default: the configuration's
    /// `errors.deadletterqueue.topic.name`). Dead letters that stay dead are written back to
    /// its end; progress is committed in the consumer group `--group-id`.
    #[arg(long)]
    pub dlq_topic: Option<String>,
    /// The brokers (`bootstrap.servers`); overrides the worker file's.
    #[arg(long)]
    pub bootstrap_servers: Option<String>,
    /// A Kafka Connect worker properties file, as `run` takes it.
    #[arg(long)]
    pub worker: Option<PathBuf>,
    /// The consumer group that records the replay's progress (default
    /// `switchyard-replay-<connector name>`).
    #[arg(long)]
    pub group_id: Option<String>,
    /// A librdkafka property `key=value`, as `run` takes it; repeatable.
    #[arg(long = "property", value_name = "KEY=VALUE")]
    pub properties: Vec<String>,
    /// Where the chain's output records go, with `--dlq` (`-` is standard output).
    #[arg(long)]
    pub output: Option<PathBuf>,
    /// Where the dead letters that stay dead go — failed again (with their history), held
    /// behind an earlier one of their key, or left out by a filter — so that nothing is lost.
    /// Required with `--dlq` unless `--dry-run`.
    #[arg(long)]
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

impl ReplayArgs {
    /// The filters the arguments name.
    pub fn filters(&self) -> Filters {
        Filters {
            topics: self.topics.clone(),
            error_classes: self.error_classes.clone(),
            since: self.since,
            until: self.until,
        }
    }
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

/// `switchyard replay`: reads dead letters from `--dlq`, writes the chain's outputs to
/// `--output` and what stays dead to `--remaining` (or, with `--dry-run`, says what would
/// happen to each).
pub fn replay(
    args: &ReplayArgs,
    shutdown: std::sync::Arc<std::sync::atomic::AtomicBool>,
) -> Result<ReplaySummary, CliError> {
    let Some(dlq) = &args.dlq else {
        return replay_topic(args, shutdown);
    };
    if args.remaining.is_none() && !args.dry_run {
        return Err(CliError::Usage(
            "replay --dlq needs --remaining FILE for the dead letters that stay dead (or --dry-run)"
                .into(),
        ));
    }
    let (pipeline, chain) = load_chain(&args.config)?;
    let io_err = |path: &Path, e: std::io::Error| CliError::Io {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    let input: Box<dyn std::io::Read> = if dlq.as_os_str() == "-" {
        Box::new(std::io::stdin().lock())
    } else {
        Box::new(std::fs::File::open(dlq).map_err(|e| io_err(dlq, e))?)
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
    let output_path = match (&args.output, args.dry_run) {
        (Some(path), false) => path.as_path(),
        _ => Path::new("-"),
    };
    let mut output = BufWriter::new(create(output_path)?);
    let mut remaining = match (&args.remaining, args.dry_run) {
        (Some(path), false) => Some((BufWriter::new(create(path)?), path.clone())),
        _ => None,
    };
    let mut task = Task::new(chain, &pipeline, 0, true);
    let mut replayer = Replayer::new(args.filters(), &pipeline.name);
    let mut summary = ReplaySummary::default();
    let mut seen = SeenObjects::default();
    let mut reader = BufReader::new(input);
    let mut bytes = Vec::new();
    let mut out = Vec::new();
    let mut line_no = 0usize;
    // A registry that is down is waited for, as `apply` does.
    let mut sleep = |delay| {
        std::thread::sleep(delay);
        true
    };
    loop {
        let read = switchyard_data::files::read_line(
            &mut reader,
            &mut bytes,
            switchyard_data::files::LINE_LIMIT,
        )
        .map_err(|e| io_err(dlq, e))?;
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
                        .map_err(|e| io_err(output_path, e))?;
                } else if let Some((remaining, path)) = remaining.as_mut() {
                    remaining
                        .write_all(bytes.trim_ascii_end())
                        .and_then(|()| remaining.write_all(b"\n"))
                        .map_err(|e| io_err(path, e))?;
                }
                continue;
            }
        };
        let kinds = InputKinds {
            key_is_json: input.key_is_json,
            value_is_json: input.value_is_json,
        };
        let mut read_from = input.origin.clone();
        read_from.offset = input.offset;
        let mut letter = DeadLetter::split(input.record, read_from);
        // `apply` keeps a line's partition on its outputs: so does its replay.
        letter.record.partition = letter.origin().partition;
        let fate = replayer.replay(&mut task, &letter, kinds, &mut sleep);
        summary.count(&fate);
        let at = format!("line {line_no} ({})", letter.describe());
        if args.dry_run {
            writeln!(output, "{at}: {}", describe_fate(&fate))
                .map_err(|e| io_err(output_path, e))?;
            if let Fate::Broken(reason) | Fate::Interrupted(reason) = fate {
                return Err(CliError::RecordFailed(reason));
            }
            continue;
        }
        let kept = match fate {
            Fate::Replayed(outputs) => {
                for record in &outputs {
                    jsonl::write_line(&mut out, &input.layout, record);
                }
                output.write_all(&out).map_err(|e| io_err(output_path, e))?;
                None
            }
            Fate::FailedAgain(dead, why) => {
                tracing::warn!("{at} failed again: {why}");
                Some(*dead)
            }
            Fate::Held | Fate::NotSelected => Some(letter.unchanged()),
            // (`apply`'s replay waits for a registry without being interrupted.)
            Fate::Broken(reason) | Fate::Interrupted(reason) => {
                // This dead letter and every later line stay dead as they were: the output
                // and the remaining dead letters together still hold every record.
                if let Some((remaining, path)) = remaining.as_mut() {
                    out.clear();
                    jsonl::write_line(&mut out, &input.layout, &letter.unchanged());
                    remaining.write_all(&out).map_err(|e| io_err(path, e))?;
                    std::io::copy(&mut reader, remaining).map_err(|e| io_err(path, e))?;
                    remaining.flush().map_err(|e| io_err(path, e))?;
                }
                output.flush().map_err(|e| io_err(output_path, e))?;
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
    output.flush().map_err(|e| io_err(output_path, e))?;
    if let Some((remaining, path)) = remaining.as_mut() {
        remaining.flush().map_err(|e| io_err(path, e))?;
    }
    if !args.quiet {
        eprintln!("{summary}");
    }
    Ok(summary)
}

/// `replay` over a dead-letter topic (`switchyard_kafka::replay`).
fn replay_topic(
    args: &ReplayArgs,
    shutdown: std::sync::Arc<std::sync::atomic::AtomicBool>,
) -> Result<ReplaySummary, CliError> {
    // Over a topic, outputs go where the chain sends them and what stays dead goes back to the
    // topic: files named for them would be silently left empty.
    if args.output.is_some() || args.remaining.is_some() {
        return Err(CliError::Usage(
            "replay over a dead-letter topic writes to Kafka: --output and --remaining go with --dlq FILE"
                .into(),
        ));
    }
    let options = switchyard_kafka::replay::ReplayOptions {
        config: args.config.clone(),
        bootstrap_servers: args.bootstrap_servers.clone(),
        worker: args.worker.clone(),
        properties: args.properties.clone(),
        topic: args.dlq_topic.clone(),
        group_id: args.group_id.clone(),
        filters: args.filters(),
        dry_run: args.dry_run,
    };
    let summary = switchyard_kafka::replay::replay(&options, shutdown, |letter, fate| {
        let at = letter.read_from.offset.map_or_else(
            || letter.describe(),
            |o| format!("{}@{o} ({})", letter.read_from.topic, letter.describe()),
        );
        if args.dry_run {
            println!("{at}: {}", describe_fate(fate));
        } else if let Fate::FailedAgain(_, why) = fate {
            tracing::warn!("{at} failed again: {why}");
        }
    })
    .map_err(|e| match e {
        switchyard_kafka::RunError::Config(e) => CliError::Config(e),
        switchyard_kafka::RunError::RecordFailed(m) => CliError::RecordFailed(m),
        e => CliError::Run(e),
    })?;
    if !args.quiet {
        eprintln!("{summary}");
    }
    Ok(summary)
}

/// What happens to a dead letter, for `--dry-run`.
pub fn describe_fate(fate: &Fate) -> String {
    match fate {
        Fate::Replayed(outputs) if outputs.is_empty() => {
            "would be filtered out by the chain".to_owned()
        }
        Fate::Replayed(outputs) => {
            let topics: Vec<&str> = outputs.iter().map(|o| o.topic.as_str()).collect();
            format!("would write to {}", topics.join(", "))
        }
        Fate::FailedAgain(_, why) => format!("would fail again: {why}"),
        Fate::Held => "held behind an earlier dead letter of its key".to_owned(),
        Fate::NotSelected => "not selected".to_owned(),
        Fate::Broken(reason) => format!("would stop the replay: {reason}"),
        Fate::Interrupted(reason) => format!("not run: {reason}"),
    }
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
}
