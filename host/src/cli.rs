//! The `switchyard` command line: `apply` and `validate`.
//!
//! Exit codes: 0 success; 1 a record failed with `errors.tolerance=none`; 2 a usage or
//! configuration error (the message names the file, the key and what was expected).

use std::io::{BufRead, BufReader, BufWriter, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::{Parser, Subcommand, ValueEnum};

use crate::chain::{Chain, ChainError};
use crate::config::{self, ConfigError, Pipeline, Tolerance};
use crate::convert::Converter;
use crate::engine::{Engine, StepError};
use crate::jsonl::{self, OutputRecord};
use crate::record::{Converters, Origin, Record};

/// WebAssembly single message transforms for Kafka.
#[derive(Debug, Parser)]
#[command(name = "switchyard", version, about)]
pub struct Cli {
    /// The command to run.
    #[command(subcommand)]
    pub command: Command,
    /// Log format on standard error.
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the chain over records in JSONL, without a broker.
    Apply(ApplyArgs),
    /// Check a configuration and load every component it names.
    Validate(ValidateArgs),
}

/// Arguments of `apply`.
#[derive(Debug, clap::Args)]
pub struct ApplyArgs {
    /// A Kafka Connect connector JSON or a Switchyard pipeline TOML.
    #[arg(long)]
    pub config: PathBuf,
    /// Record JSONL to read; `-` is standard input.
    #[arg(long, default_value = "-")]
    pub input: PathBuf,
    /// Where to write the resulting record JSONL; `-` is standard output.
    #[arg(long, default_value = "-")]
    pub output: PathBuf,
    /// Do not print the summary on standard error.
    #[arg(long)]
    pub quiet: bool,
}

/// Arguments of `validate`.
#[derive(Debug, clap::Args)]
pub struct ValidateArgs {
    /// A Kafka Connect connector JSON or a Switchyard pipeline TOML.
    #[arg(long)]
    pub config: PathBuf,
}

/// A command's failure, carrying its exit code.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// A usage or configuration error: exit 2.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// A file could not be read or written: exit 2.
    #[error("{path}: {message}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// A record failed and `errors.tolerance` is `none`: exit 1.
    #[error("{0}")]
    RecordFailed(String),
}

impl CliError {
    /// The process exit code for this error.
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::RecordFailed(_) => 1,
            CliError::Config(_) | CliError::Io { .. } => 2,
        }
    }
}

/// What `apply` did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    /// Records read.
    pub records_in: u64,
    /// Records written.
    pub records_out: u64,
    /// Records a transform filtered out.
    pub filtered: u64,
    /// Records that failed and were skipped (`errors.tolerance=all`).
    pub failed: u64,
}

/// Loads a pipeline and builds its chain (what `validate` checks).
pub fn load_chain(path: &Path) -> Result<(Pipeline, Chain), CliError> {
    let pipeline = config::load(path)?;
    let engine = Engine::new(pipeline.limits).map_err(|e| CliError::Io {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    let chain = Chain::build(&pipeline, &engine)?;
    Ok((pipeline, chain))
}

/// `switchyard validate`.
pub fn validate(args: &ValidateArgs) -> Result<String, CliError> {
    let (pipeline, _) = load_chain(&args.config)?;
    Ok(format!(
        "{}: ok ({} transforms, {} predicates, key converter {}, value converter {})",
        args.config.display(),
        pipeline.transforms.len(),
        pipeline.predicates.len(),
        pipeline.key_converter.class,
        pipeline.value_converter.class,
    ))
}

/// A record that failed, for reports.
struct Failure {
    line: usize,
    origin: Option<Origin>,
    stage: &'static str,
    class: String,
    message: String,
}

impl Failure {
    fn describe(&self) -> String {
        let mut s = format!("record on line {}", self.line);
        if let Some(o) = &self.origin {
            s.push_str(&format!(" (topic {}", o.topic));
            if let Some(p) = o.partition {
                s.push_str(&format!(", partition {p}"));
            }
            if let Some(off) = o.offset {
                s.push_str(&format!(", offset {off}"));
            }
            s.push(')');
        }
        format!("{s}: {}", self.message)
    }

    /// Connect's `LogReporter` line (`org.apache.kafka.connect.runtime.errors.LogReporter`).
    fn connect_log_line(&self, task: &str, include_messages: bool) -> String {
        let mut s = format!(
            "Error encountered in task {task}. Executing stage '{}' with class '{}'",
            self.stage, self.class
        );
        if include_messages && let Some(o) = &self.origin {
            s.push_str(&format!(", where consumed record is {{topic='{}'", o.topic));
            if let Some(p) = o.partition {
                s.push_str(&format!(", partition={p}"));
            }
            if let Some(off) = o.offset {
                s.push_str(&format!(", offset={off}"));
            }
            s.push('}');
        }
        s.push('.');
        s
    }
}

fn encode_output(
    converters: &Converters,
    record: &Record,
    offset: Option<i64>,
    key_was_json: bool,
    value_was_json: bool,
) -> Result<OutputRecord, (&'static str, &'static str, String)> {
    let encode =
        |part: &crate::record::Part, conv: &Converter, stage: &'static str, was_json: bool| {
            let bytes = part
                .encode(conv, &record.topic)
                .map_err(|e| (stage, conv.class_name(), e.0))?;
            let known_json = if part.is_changed() {
                matches!(conv, Converter::Json(_))
            } else {
                was_json
            };
            Ok((bytes, known_json))
        };
    let (key, key_is_json) = encode(&record.key, &converters.key, "KEY_CONVERTER", key_was_json)?;
    let (value, value_is_json) = encode(
        &record.value,
        &converters.value,
        "VALUE_CONVERTER",
        value_was_json,
    )?;
    Ok(OutputRecord {
        topic: record.topic.clone(),
        partition: record.partition,
        offset,
        timestamp: record.timestamp,
        headers: record.headers.clone(),
        key,
        key_is_json,
        value,
        value_is_json,
    })
}

/// `switchyard apply`: runs the chain over every line of the input.
pub fn apply(args: &ApplyArgs) -> Result<Summary, CliError> {
    let (pipeline, mut chain) = load_chain(&args.config)?;
    let io_err = |path: &Path, e: std::io::Error| CliError::Io {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    let input: Box<dyn Read> = if args.input.as_os_str() == "-" {
        Box::new(std::io::stdin().lock())
    } else {
        Box::new(std::fs::File::open(&args.input).map_err(|e| io_err(&args.input, e))?)
    };
    let output: Box<dyn Write> = if args.output.as_os_str() == "-" {
        Box::new(std::io::stdout().lock())
    } else {
        Box::new(std::fs::File::create(&args.output).map_err(|e| io_err(&args.output, e))?)
    };
    let mut output = BufWriter::with_capacity(1 << 16, output);
    let converters = std::sync::Arc::clone(chain.converters());
    let task = format!("{}-0", pipeline.name);
    let progress = !args.quiet && std::io::stderr().is_terminal();
    let started = Instant::now();
    let mut summary = Summary::default();
    let mut line_buf = Vec::with_capacity(4096);
    let mut reader = BufReader::with_capacity(1 << 16, input);
    let mut text = String::new();
    let mut line_no = 0usize;
    loop {
        text.clear();
        let n = reader
            .read_line(&mut text)
            .map_err(|e| io_err(&args.input, e))?;
        if n == 0 {
            break;
        }
        line_no += 1;
        if text.trim().is_empty() {
            continue;
        }
        summary.records_in += 1;
        let outcome = process_line(&text, line_no, &mut chain, &converters, &mut line_buf);
        match outcome {
            Ok(0) => summary.filtered += 1,
            Ok(n) => {
                summary.records_out += n as u64;
                output
                    .write_all(&line_buf)
                    .map_err(|e| io_err(&args.output, e))?;
            }
            Err(failure) => {
                if pipeline.errors.log_enable {
                    tracing::error!(
                        "{}",
                        failure.connect_log_line(&task, pipeline.errors.log_include_messages)
                    );
                }
                match pipeline.errors.tolerance {
                    Tolerance::None => {
                        output.flush().map_err(|e| io_err(&args.output, e))?;
                        return Err(CliError::RecordFailed(format!(
                            "{} (errors.tolerance=none stops at the first failing record; set errors.tolerance=all to skip such records)",
                            failure.describe()
                        )));
                    }
                    Tolerance::All => {
                        summary.failed += 1;
                        tracing::warn!("skipping {}", failure.describe());
                    }
                }
            }
        }
        if progress && summary.records_in % 100_000 == 0 {
            eprint!("\r{} records", summary.records_in);
        }
    }
    output.flush().map_err(|e| io_err(&args.output, e))?;
    if !args.quiet {
        let secs = started.elapsed().as_secs_f64();
        eprintln!(
            "{}records in: {}, out: {}, filtered: {}, failed: {} in {:.3} s ({:.0} records/s)",
            if progress { "\r" } else { "" },
            summary.records_in,
            summary.records_out,
            summary.filtered,
            summary.failed,
            secs,
            summary.records_in as f64 / secs.max(1e-9),
        );
    }
    Ok(summary)
}

/// Runs one line through the chain, writing its output lines to `out`; returns how many.
fn process_line(
    text: &str,
    line: usize,
    chain: &mut Chain,
    converters: &Converters,
    out: &mut Vec<u8>,
) -> Result<usize, Failure> {
    out.clear();
    let input = jsonl::parse_line(text.trim_end()).map_err(|e| Failure {
        line,
        origin: None,
        stage: "TASK_POLL",
        class: "record JSONL".into(),
        message: format!("malformed record line: {e}"),
    })?;
    let origin = input.origin.clone();
    let fail = |stage: &'static str, class: String, message: String| Failure {
        line,
        origin: Some(origin.clone()),
        stage,
        class,
        message,
    };
    let outputs = chain
        .apply(input.record)
        .map_err(|e: ChainError| match &e.error {
            StepError::Conversion { key: true, .. } => fail(
                "KEY_CONVERTER",
                converters.key.class_name().into(),
                e.to_string(),
            ),
            StepError::Conversion { key: false, .. } => fail(
                "VALUE_CONVERTER",
                converters.value.class_name().into(),
                e.to_string(),
            ),
            _ => fail("TRANSFORMATION", e.class.clone(), e.to_string()),
        })?;
    let count = outputs.len();
    for record in &outputs {
        let encoded = encode_output(
            converters,
            record,
            input.offset,
            input.key_is_json,
            input.value_is_json,
        )
        .map_err(|(stage, class, message)| fail(stage, class.to_string(), message))?;
        jsonl::write_line(out, &input.layout, &encoded);
    }
    Ok(count)
}
