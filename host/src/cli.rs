//! The `switchyard` command line: `apply`, `run` and `validate`.
//!
//! Exit codes: 0 success; 1 a record failed with `errors.tolerance=none`; 2 a usage or
//! configuration error (the message names the file, the key and what was expected).

use std::io::{BufRead, BufReader, BufWriter, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use clap::{Parser, Subcommand, ValueEnum};

use crate::chain::{Chain, ChainError};
use crate::config::{self, ConfigError, ErrorPolicy, Pipeline, Tolerance};
use crate::convert::Converter;
use crate::convert::json::SeenObjects;
use crate::engine::{Engine, StepError};
use crate::errors::{self, Failure, Stage};
use crate::jsonl::{self, Layout, OutputRecord};
use crate::record::{Converters, Origin, Record};

mod schema;
pub use schema::{
    CheckArgs, Earlier, RegistryArgs, RegistryVersion, ReportFormat, SchemaCheckError,
    SchemaCommand,
};

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
    /// The service: consume the raw topics, run the chain, produce the results.
    Run(RunArgs),
    /// Write a new transform project (Rust, JavaScript or Python) that builds with one command.
    New(NewArgs),
    /// Avro schema compatibility for CI (`schema check`).
    #[command(subcommand)]
    Schema(SchemaCommand),
}

/// Arguments of `run`.
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// A Kafka Connect connector JSON or a Switchyard pipeline TOML.
    #[arg(long)]
    pub config: PathBuf,
    /// The brokers (`bootstrap.servers`); overrides the worker file's.
    #[arg(long)]
    pub bootstrap_servers: Option<String>,
    /// A Kafka Connect worker properties file (`connect-distributed.properties`):
    /// `bootstrap.servers`, `consumer.*`, `producer.*` and the default converters.
    #[arg(long)]
    pub worker: Option<PathBuf>,
    /// Topics to consume (comma-separated or repeated); overrides the configuration's.
    #[arg(long, conflicts_with = "topics_regex")]
    pub topics: Vec<String>,
    /// A regular expression of topics to consume; overrides the configuration's.
    #[arg(long)]
    pub topics_regex: Option<String>,
    /// The consumer group (default `switchyard-<connector name>`). Processes with the same
    /// group share the partitions.
    #[arg(long)]
    pub group_id: Option<String>,
    /// A librdkafka property `key=value` for both clients, or for one with a `consumer.` /
    /// `producer.` prefix; repeatable, applied last.
    #[arg(long = "property", value_name = "KEY=VALUE")]
    pub properties: Vec<String>,
    /// Where to serve `/metrics` (Prometheus) and `/health`.
    #[arg(long, default_value = "0.0.0.0:9464")]
    pub metrics_address: String,
    /// Do not serve `/metrics` and `/health`.
    #[arg(long)]
    pub no_metrics: bool,
    /// `/health` answers ready once partitions are assigned and each lags at most this many
    /// records behind the end of its partition.
    #[arg(long, default_value_t = crate::metrics::DEFAULT_READY_MAX_LAG)]
    pub ready_max_lag: i64,
    /// Seconds that shutdown and rebalances wait for in-flight records.
    #[arg(long, default_value_t = 30)]
    pub drain_timeout_secs: u64,
    /// The delivery guarantee. Default: exactly-once when the connector says
    /// `exactly.once.support=required` (or the worker `exactly.once.source.support=enabled`),
    /// else at-least-once.
    #[arg(long, value_enum)]
    pub delivery: Option<DeliveryArg>,
    /// The transactional producer's `transactional.id` in exactly-once mode: unique per
    /// process, stable across its restarts. Default: a `producer.transactional.id` property,
    /// else `<group id>-<host name>`.
    #[arg(long)]
    pub transactional_id: Option<String>,
    /// Milliseconds between transaction commits in exactly-once mode. Default: the
    /// connector's `transaction.boundary` (`interval` with `transaction.boundary.interval.ms`),
    /// else 100.
    #[arg(long)]
    pub transaction_interval_ms: Option<u64>,
}

/// `--delivery` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DeliveryArg {
    /// Commit offsets once outputs are acknowledged; a crash may duplicate outputs.
    AtLeastOnce,
    /// Kafka transactions: outputs and input offsets are committed atomically.
    ExactlyOnce,
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
    /// Write records that fail to this record JSONL file (the original bytes, with the
    /// `__connect.errors.*` headers when `errors.deadletterqueue.context.headers.enable` is
    /// true), as Kafka Connect writes them to its dead-letter topic.
    #[arg(long)]
    pub dlq: Option<PathBuf>,
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
    /// A usage error of `run` (no topics, no brokers, a malformed property): exit 2.
    #[error("{0}")]
    Usage(String),
    /// `run` stopped on a broker or delivery failure: exit 1.
    #[error("{0}")]
    Runtime(String),
    /// `schema check` found an incompatibility (exit 1) or could not read a schema (exit 2).
    #[error(transparent)]
    Schema(#[from] SchemaCheckError),
}

impl CliError {
    /// The process exit code for this error.
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::RecordFailed(_) | CliError::Runtime(_) => 1,
            CliError::Config(_) | CliError::Io { .. } | CliError::Usage(_) => 2,
            CliError::Schema(e) => e.exit_code(),
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
    /// Failed records written to the dead-letter file.
    pub dead_lettered: u64,
}

/// Loads a pipeline and builds its chain (what `validate` checks).
pub fn load_chain(path: &Path) -> Result<(Pipeline, Chain), CliError> {
    let pipeline = config::load(path)?;
    let engine = Engine::new(pipeline.limits).map_err(|e| CliError::Io {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    let chain = Chain::build(&pipeline, &engine)?;
    // `apply` and `validate` read the lookup tables' files before the first record.
    chain
        .lookups()
        .load_files(pipeline.folder(), chain.converters())
        .map_err(|e| CliError::Usage(format!("{}: {e}", path.display())))?;
    Ok((pipeline, chain))
}

/// `switchyard schema …`: prints its report on standard output.
pub fn schema(command: &SchemaCommand) -> Result<(), CliError> {
    Ok(schema::run(command)?)
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

/// A record that failed, for reports: the line it was on, Connect's failure description and
/// the original record (for the dead-letter file), when the line could be read.
struct LineFailure {
    line: usize,
    /// What failed, for the command line (the failing step and its error).
    detail: String,
    /// The step's error, when a step failed.
    error: Option<StepError>,
    failure: Failure,
    original: Option<Box<(Record, Layout)>>,
}

impl LineFailure {
    fn describe(&self) -> String {
        let o = &self.failure.origin;
        let mut s = format!("record on line {}", self.line);
        if !o.topic.is_empty() {
            s.push_str(&format!(" (topic {}", o.topic));
            if let Some(p) = o.partition {
                s.push_str(&format!(", partition {p}"));
            }
            if let Some(off) = o.offset {
                s.push_str(&format!(", offset {off}"));
            }
            s.push(')');
        }
        format!("{s}: {}", self.detail)
    }
}

fn encode_output(
    converters: &Converters,
    record: &Record,
    offset: Option<i64>,
    key_was_json: bool,
    value_was_json: bool,
    retry_delay_max: Duration,
) -> Result<OutputRecord, (Stage, &'static str, String)> {
    let encode = |part: &crate::record::Part, conv: &Converter, stage: Stage, was_json: bool| {
        let bytes = crate::convert::retry_transient(retry_delay_max, &|| false, || {
            part.encode(conv, &record.topic)
        })
        .map_err(|e| (stage, conv.class_name(), e.0))?;
        let known_json = if part.is_changed() {
            matches!(conv, Converter::Json(_))
        } else {
            was_json
        };
        Ok((bytes, known_json))
    };
    let (key, key_is_json) = encode(
        &record.key,
        &converters.key,
        Stage::KeyConverter,
        key_was_json,
    )?;
    let (value, value_is_json) = encode(
        &record.value,
        &converters.value,
        Stage::ValueConverter,
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
    let mut dlq = match &args.dlq {
        None => None,
        Some(path) => Some(BufWriter::new(
            std::fs::File::create(path).map_err(|e| io_err(path, e))?,
        )),
    };
    let errors = &pipeline.errors;
    let progress = !args.quiet && std::io::stderr().is_terminal();
    let started = Instant::now();
    let mut summary = Summary::default();
    let mut state = LineState {
        out: Vec::with_capacity(4096),
        seen: SeenObjects::default(),
    };
    let mut dlq_buf = Vec::new();
    let mut reader = BufReader::with_capacity(1 << 16, input);
    let mut bytes = Vec::with_capacity(4096);
    let mut line_no = 0usize;
    loop {
        bytes.clear();
        let n = reader
            .read_until(b'\n', &mut bytes)
            .map_err(|e| io_err(&args.input, e))?;
        if n == 0 {
            break;
        }
        // What `read_line` would say, checked with SIMD.
        let text = crate::text::utf8(&bytes).map_err(|_| {
            io_err(
                &args.input,
                std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    "stream did not contain valid UTF-8",
                ),
            )
        })?;
        line_no += 1;
        if text.trim().is_empty() {
            continue;
        }
        summary.records_in += 1;
        let outcome = process_line(
            text,
            line_no,
            &mut chain,
            &converters,
            dlq.is_some(),
            errors,
            &mut state,
        );
        match outcome {
            Ok(0) => summary.filtered += 1,
            Ok(n) => {
                summary.records_out += n as u64;
                output
                    .write_all(&state.out)
                    .map_err(|e| io_err(&args.output, e))?;
            }
            Err(failed) => {
                // Connect reports to every reporter first, then applies the tolerance
                // (`RetryWithToleranceOperator`).
                if errors.log_enable {
                    tracing::error!(
                        "{}",
                        failed
                            .failure
                            .log_line(&pipeline.name, 0, errors.log_include_messages)
                    );
                }
                if let (Some(dlq), Some(path)) = (dlq.as_mut(), &args.dlq) {
                    dlq_buf.clear();
                    write_dead_letter(&mut dlq_buf, &pipeline, &failed, text);
                    dlq.write_all(&dlq_buf).map_err(|e| io_err(path, e))?;
                    summary.dead_lettered += 1;
                }
                // A step that declares itself broken cannot go on, whatever the tolerance.
                let broken = matches!(failed.error, Some(StepError::Broken(_)));
                match errors.tolerance {
                    _ if broken => {
                        output.flush().map_err(|e| io_err(&args.output, e))?;
                        return Err(CliError::RecordFailed(failed.describe()));
                    }
                    Tolerance::None => {
                        output.flush().map_err(|e| io_err(&args.output, e))?;
                        if let (Some(dlq), Some(path)) = (dlq.as_mut(), &args.dlq) {
                            dlq.flush().map_err(|e| io_err(path, e))?;
                        }
                        return Err(CliError::RecordFailed(format!(
                            "{} (errors.tolerance=none stops at the first failing record; set errors.tolerance=all to skip such records)",
                            failed.describe()
                        )));
                    }
                    Tolerance::All => {
                        summary.failed += 1;
                        tracing::warn!("skipping {}", failed.describe());
                    }
                }
            }
        }
        if progress && summary.records_in % 100_000 == 0 {
            eprint!("\r{} records", summary.records_in);
        }
    }
    if let (Some(dlq), Some(path)) = (dlq.as_mut(), &args.dlq) {
        dlq.flush().map_err(|e| io_err(path, e))?;
    }
    output.flush().map_err(|e| io_err(&args.output, e))?;
    if !args.quiet {
        let secs = started.elapsed().as_secs_f64();
        eprintln!(
            "{}records in: {}, out: {}, filtered: {}, failed: {}, dead-lettered: {} in {:.3} s ({:.0} records/s)",
            if progress { "\r" } else { "" },
            summary.records_in,
            summary.records_out,
            summary.filtered,
            summary.failed,
            summary.dead_lettered,
            secs,
            summary.records_in as f64 / secs.max(1e-9),
        );
    }
    Ok(summary)
}

/// The dead-letter record of a failure (`DeadLetterQueueReporter.report`): the original key,
/// value, headers and timestamp, sent to `errors.deadletterqueue.topic.name` (or the original
/// topic when none is set), with the context headers when enabled. A line that could not be
/// read at all is kept whole as the value's bytes.
fn write_dead_letter(out: &mut Vec<u8>, pipeline: &Pipeline, failed: &LineFailure, line: &str) {
    let errors = &pipeline.errors;
    let (mut record, layout) = match failed.original.as_deref() {
        Some((record, layout)) => (record.clone(), layout.clone()),
        None => (
            Record::new(
                failed.failure.origin.topic.clone(),
                None,
                Some(bytes::Bytes::copy_from_slice(line.trim_end().as_bytes())),
            ),
            Layout::default(),
        ),
    };
    if errors.dead_letter_context_headers {
        record
            .headers
            .extend(failed.failure.context_headers(&pipeline.name, 0));
    }
    let topic = errors
        .dead_letter_topic
        .clone()
        .unwrap_or_else(|| record.topic.clone());
    let output = OutputRecord {
        topic,
        partition: None,
        offset: failed.failure.origin.offset,
        timestamp: record.timestamp,
        headers: record.headers,
        key: record.key.original_bytes().cloned().flatten(),
        // Checked when written: failures are rare, and a malformed line may hold anything.
        key_is_json: false,
        value: record.value.original_bytes().cloned().flatten(),
        value_is_json: false,
    };
    jsonl::write_line(out, &layout, &output);
}

/// Runs the chain, retrying a transient failure as Connect's `RetryWithToleranceOperator`
/// does: up to `errors.retry.timeout` (forever when `-1`), waiting `300 << (attempt - 1)` ms
/// between attempts, or a random time below `errors.retry.delay.max.ms` once that is exceeded,
/// never past the deadline.
fn apply_with_retries(
    chain: &mut Chain,
    record: Record,
    policy: &ErrorPolicy,
) -> Result<Vec<Record>, ChainError> {
    if policy.retry_timeout == Some(Duration::ZERO) {
        return chain.apply(record);
    }
    let deadline = policy.retry_timeout.map(|t| Instant::now() + t);
    let mut attempt: u32 = 0;
    loop {
        match chain.apply(record.clone()) {
            Err(e) if matches!(e.error, StepError::Transient(_)) => {
                attempt += 1;
                let now = Instant::now();
                if deadline.is_some_and(|d| now >= d) {
                    return Err(e);
                }
                let mut wait = Duration::from_millis(300u64 << (attempt - 1).min(20));
                if wait > policy.retry_delay_max {
                    let max = policy.retry_delay_max.as_millis().max(1) as u64;
                    wait = Duration::from_millis(pseudo_random(attempt) % max);
                }
                if let Some(d) = deadline {
                    wait = wait.min(d - now);
                }
                tracing::debug!("retrying in {wait:?} after a transient failure: {e}");
                std::thread::sleep(wait);
            }
            other => return other,
        }
    }
}

/// A cheap, non-cryptographic jitter for retry delays (the standard library offers none).
fn pseudo_random(salt: u32) -> u64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos() as u64);
    (nanos ^ (u64::from(salt) << 32)).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 11
}

/// What `apply` carries from one line to the next.
struct LineState {
    /// The output lines of the current line.
    out: Vec<u8>,
    /// Objects earlier lines' keys and values held (their schemas).
    seen: SeenObjects,
}

/// Runs one line through the chain, writing its output lines to `state.out`; returns how many.
fn process_line(
    text: &str,
    line: usize,
    chain: &mut Chain,
    converters: &Converters,
    keep_original: bool,
    retry: &ErrorPolicy,
    state: &mut LineState,
) -> Result<usize, Box<LineFailure>> {
    state.out.clear();
    let input = jsonl::parse_line_after(text.trim_end(), &mut state.seen).map_err(|e| {
        Box::new(LineFailure {
            line,
            detail: format!("malformed record line: {e}"),
            error: None,
            failure: Failure {
                origin: Origin::default(),
                stage: Stage::TaskPoll,
                class: "record JSONL".into(),
                exception: "org.apache.kafka.connect.errors.DataException",
                message: Some(format!("malformed record line: {e}")),
            },
            original: None,
        })
    })?;
    let original = keep_original.then(|| Box::new((input.record.clone(), input.layout.clone())));
    let origin = input.origin.clone();
    let fail = |stage: Stage,
                class: String,
                exception: &'static str,
                message: String,
                detail: String,
                error: Option<StepError>| {
        Box::new(LineFailure {
            line,
            detail,
            error,
            failure: Failure {
                origin: origin.clone(),
                stage,
                class,
                exception,
                message: Some(message),
            },
            original: original.clone(),
        })
    };
    // A record of a lookup table's topic updates the table first, as `run`'s table consumer
    // would have; a table that cannot take it stops the run.
    let record = &input.record;
    chain
        .lookups()
        .observe(
            converters,
            &input.origin.topic,
            record.key.original_bytes().and_then(|b| b.as_deref()),
            record.value.original_bytes().and_then(|b| b.as_deref()),
            || format!("line {line}"),
        )
        .map_err(|e| {
            let message = e.to_string();
            fail(
                Stage::Transformation,
                "lookup table".into(),
                "org.apache.kafka.connect.errors.ConnectException",
                message.clone(),
                message.clone(),
                Some(StepError::Broken(message)),
            )
        })?;
    // A registry that is down makes the record wait, never fail (prefetch reports nothing else).
    let _ = crate::convert::retry_transient(retry.retry_delay_max, &|| false, || {
        input.record.prefetch(converters)
    });
    let outputs = apply_with_retries(chain, input.record, retry).map_err(|e: ChainError| {
        let exception = errors::exception_class(&e.error);
        let (stage, class) = match &e.error {
            StepError::Conversion { key: true, .. } => {
                (Stage::KeyConverter, converters.key.class_name().to_string())
            }
            StepError::Conversion { key: false, .. } => (
                Stage::ValueConverter,
                converters.value.class_name().to_string(),
            ),
            _ => (Stage::Transformation, e.class.clone()),
        };
        fail(
            stage,
            class,
            exception,
            e.error.to_string(),
            e.to_string(),
            Some(e.error.clone()),
        )
    })?;
    let count = outputs.len();
    for record in &outputs {
        let encoded = encode_output(
            converters,
            record,
            input.offset,
            input.key_is_json,
            input.value_is_json,
            retry.retry_delay_max,
        )
        .map_err(|(stage, class, message)| {
            let detail = format!("{} ({class}) failed: {message}", stage.as_str());
            fail(
                stage,
                class.to_string(),
                "org.apache.kafka.connect.errors.DataException",
                message,
                detail,
                None,
            )
        })?;
        jsonl::write_line(&mut state.out, &input.layout, &encoded);
    }
    Ok(count)
}

/// `switchyard run`: consumes, transforms and produces until `shutdown` is set (by SIGTERM or
/// SIGINT in the binary), then drains and commits.
pub fn run(
    args: &RunArgs,
    shutdown: std::sync::Arc<std::sync::atomic::AtomicBool>,
    reload: std::sync::Arc<std::sync::atomic::AtomicBool>,
) -> Result<crate::kafka::RunSummary, CliError> {
    let options = crate::kafka::RunOptions {
        config: args.config.clone(),
        bootstrap_servers: args.bootstrap_servers.clone(),
        worker: args.worker.clone(),
        topics: args.topics.clone(),
        topics_regex: args.topics_regex.clone(),
        group_id: args.group_id.clone(),
        properties: args.properties.clone(),
        metrics_address: (!args.no_metrics).then(|| args.metrics_address.clone()),
        ready_max_lag: Some(args.ready_max_lag),
        drain_timeout: std::time::Duration::from_secs(args.drain_timeout_secs),
        delivery: args.delivery.map(|d| match d {
            DeliveryArg::AtLeastOnce => crate::kafka::DeliveryGuarantee::AtLeastOnce,
            DeliveryArg::ExactlyOnce => crate::kafka::DeliveryGuarantee::ExactlyOnce,
        }),
        transactional_id: args.transactional_id.clone(),
        reload,
        transaction_interval: args
            .transaction_interval_ms
            .map(std::time::Duration::from_millis),
    };
    let summary = crate::kafka::run(&options, shutdown).map_err(|e| match e {
        crate::kafka::RunError::Config(e) => CliError::Config(e),
        crate::kafka::RunError::RecordFailed(m) => CliError::RecordFailed(m),
        e if e.is_config() => CliError::Usage(e.to_string()),
        e => CliError::Runtime(e.to_string()),
    })?;
    tracing::info!(
        "records in: {}, out: {}, filtered: {}, failed: {}, dead-lettered: {}",
        summary.records_in,
        summary.records_out,
        summary.filtered,
        summary.failed,
        summary.dead_lettered
    );
    Ok(summary)
}

/// Arguments of `new`.
#[derive(Debug, clap::Args)]
pub struct NewArgs {
    /// The transform's name: lowercase letters, digits, `-` and `_`.
    pub name: String,
    /// The language of the project.
    #[arg(long, value_enum)]
    pub lang: LangArg,
    /// The folder to create (absent or empty); default `./NAME`.
    #[arg(long)]
    pub dir: Option<PathBuf>,
}

/// `--lang` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LangArg {
    /// Rust with wit-bindgen, built by cargo.
    Rust,
    /// JavaScript, built by componentize-js.
    Js,
    /// Python, built by componentize-py.
    Python,
}

/// `switchyard new`: writes the project and says how to build and run it.
pub fn new_project(args: &NewArgs) -> Result<String, CliError> {
    use crate::scaffold::{self, Language, ScaffoldError};
    let language = match args.lang {
        LangArg::Rust => Language::Rust,
        LangArg::Js => Language::JavaScript,
        LangArg::Python => Language::Python,
    };
    let dir = args
        .dir
        .clone()
        .unwrap_or_else(|| PathBuf::from(&args.name));
    let files = scaffold::create(&args.name, language, &dir).map_err(|e| match e {
        ScaffoldError::Io { path, message } => CliError::Io { path, message },
        e => CliError::Usage(e.to_string()),
    })?;
    let file_name = args.name.replace('-', "_");
    Ok(format!(
        "created {} ({} transform, {} files)\n\n  cd {}\n  {}\n  switchyard apply --config pipeline.toml --input sample/input.jsonl\n\nREADME.md says how to load it in a pipeline or a connector.",
        dir.display(),
        language.display_name(),
        files.len(),
        dir.display(),
        language.build_command(&file_name),
    ))
}
