//! The `switchyard` command line: `apply`, `replay`, `run`, `validate`, `new` and `schema`.
//!
//! Exit codes: 0 success; 1 a record failed with `errors.tolerance=none`; 2 a usage or
//! configuration error (the message names the file, the key and what was expected).

use std::io::{BufReader, BufWriter, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use clap::{Parser, Subcommand, ValueEnum};

use switchyard_convert::json::SeenObjects;
use switchyard_convert::jsonl::{self, Layout};
use switchyard_convert::record::{Origin, Record};
use switchyard_engine::Engine;
use switchyard_pipeline::chain::Chain;
use switchyard_pipeline::config::{self, ConfigError, Pipeline};
use switchyard_pipeline::errors::{Failure, Stage};
use switchyard_pipeline::task::{FailedRecord, InputKinds, Processed, Task};

mod parked;
mod replay;
mod schema;
pub use replay::{ReplayArgs, replay};
pub use schema::{
    CheckArgs, Earlier, RegistryArgs, RegistryVersion, ReportFormat, SchemaCheckError,
    SchemaCommand,
};
pub use switchyard_pipeline::replay::ReplaySummary;

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
    /// Schema compatibility for CI (`schema check`): Avro offline or against a registry,
    /// Protobuf and JSON Schema against a registry.
    #[command(subcommand)]
    Schema(SchemaCommand),
    /// Run dead letters (`apply --dlq` output) through the current chain, in key order.
    Replay(ReplayArgs),
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
    #[arg(long, default_value_t = switchyard_kafka::metrics::DEFAULT_READY_MAX_LAG)]
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
    /// How many tasks to run in this process, each a member of the consumer group with its own
    /// consumer, producer and chain (default: the connector's `tasks.max`, else 1).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    pub tasks: Option<u32>,
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
    /// Park records a transform does not handle yet in this record JSONL file, with every
    /// later record of their key behind them, instead of failing them. The file is read back
    /// first: records the current chain has not tried are run before the input, and those it
    /// handles come out first.
    #[arg(long)]
    pub parked: Option<PathBuf>,
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
    /// A usage error (a lookup file that cannot be read, a project that cannot be created):
    /// exit 2.
    #[error("{0}")]
    Usage(String),
    /// `run` could not start or stopped with an error: exit 2 for a configuration the runner
    /// cannot use (no topics, no brokers, a malformed property), 1 for a broker, delivery or
    /// transaction failure.
    #[error(transparent)]
    Run(switchyard_kafka::RunError),
    /// `schema check` found an incompatibility (exit 1) or could not read a schema (exit 2).
    #[error(transparent)]
    Schema(#[from] SchemaCheckError),
}

impl CliError {
    /// The process exit code for this error.
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::RecordFailed(_) => 1,
            CliError::Run(e) if e.is_config() => 2,
            CliError::Run(_) => 1,
            CliError::Config(_) | CliError::Io { .. } | CliError::Usage(_) => 2,
            CliError::Schema(e) => e.exit_code(),
        }
    }
}

pub use switchyard_pipeline::task::Summary;

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

/// The topic named in the records of `apply --parked` when the pipeline names no
/// `parking.topic.name`.
const DEFAULT_PARKING_TOPIC: &str = "switchyard-parked";

/// `switchyard apply`: runs the chain over every line of the input: a [`Task`] fed from a
/// record JSONL file, writing record JSONL (and dead letters to `--dlq`).
pub fn apply(args: &ApplyArgs) -> Result<Summary, CliError> {
    let (pipeline, chain) = load_chain(&args.config)?;
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
    let mut dlq = match &args.dlq {
        None => None,
        Some(path) => Some((
            BufWriter::new(std::fs::File::create(path).map_err(|e| io_err(path, e))?),
            path,
        )),
    };
    let mut task = Task::new(chain, &pipeline, 0, dlq.is_some());
    let mut parked = match &args.parked {
        None => None,
        Some(path) => {
            let file = parked::ParkedFile::open(path)?;
            // The log's records name the topic `run` would keep them in.
            let topic = pipeline
                .errors
                .parking_topic
                .clone()
                .unwrap_or_else(|| DEFAULT_PARKING_TOPIC.to_string());
            task.set_parking(Arc::clone(&file.lot), topic);
            Some(file)
        }
    };
    if let Some(file) = parked.as_mut() {
        let mut sink = parked::FileSink {
            output: &mut output,
            dlq: dlq.as_mut().map(|(w, _)| w as &mut dyn Write),
            parked: file,
            line: Vec::new(),
        };
        let mut sleep = |delay| {
            std::thread::sleep(delay);
            true
        };
        let unparked = switchyard_pipeline::parking::unpark(&mut task, &mut sink, &mut sleep)
            .map_err(|e| match e {
                switchyard_pipeline::parking::UnparkError::Stopped { .. } => {
                    CliError::RecordFailed(e.to_string())
                }
                other => CliError::Usage(other.to_string()),
            })?;
        if unparked.keys > 0 && !args.quiet {
            eprintln!(
                "unparked: {} record(s) of {} key(s) ({} key(s) released, {} record(s) out, {} failed)",
                unparked.records,
                unparked.keys,
                unparked.keys_released,
                unparked.records_out,
                unparked.failed
            );
        }
    }
    let progress = !args.quiet && std::io::stderr().is_terminal();
    let started = Instant::now();
    let mut state = LineState {
        out: Vec::with_capacity(4096),
        seen: SeenObjects::default(),
        layout: Layout::default(),
        parked: None,
    };
    let mut dlq_buf = Vec::new();
    let mut reader = BufReader::with_capacity(1 << 16, input);
    let mut bytes = Vec::with_capacity(4096);
    let mut line_no = 0usize;
    loop {
        let limit = switchyard_data::files::LINE_LIMIT;
        let read = switchyard_data::files::read_line(&mut reader, &mut bytes, limit)
            .map_err(|e| io_err(&args.input, e))?;
        let too_long = match read {
            switchyard_data::files::Line::End => break,
            switchyard_data::files::Line::Read => None,
            switchyard_data::files::Line::TooLong { len } => Some(len),
        };
        line_no += 1;
        // A byte order mark before the first line is not part of it.
        let line = match line_no {
            1 => bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes),
            _ => &bytes[..],
        };
        // Checked with SIMD; a line that is not UTF-8 is that line's failure, not the file's.
        let processed = match (too_long, switchyard_data::text::utf8(line)) {
            // Not a record: only its first bytes were kept, which go to the dead-letter file.
            (Some(len), _) => Err(unreadable_line(
                &mut task,
                &mut state,
                &line[..line.len().min(1024)],
                line_no,
                format!(
                    "the line is {len} bytes long, longer than the {limit} a record line may be"
                ),
            )),
            (None, Ok(text)) if text.trim().is_empty() => continue,
            (None, Ok(text)) => process_line(text, line_no, &mut task, &mut state),
            (None, Err(_)) => Err(unreadable_line(
                &mut task,
                &mut state,
                line.trim_ascii_end(),
                line_no,
                format!(
                    "the line is not valid UTF-8 (from byte {})",
                    std::str::from_utf8(line).map_or_else(|e| e.valid_up_to(), |_| 0)
                ),
            )),
        };
        let failed = match processed {
            Ok(()) => {
                output
                    .write_all(&state.out)
                    .map_err(|e| io_err(&args.output, e))?;
                if let Some(entry) = state.parked.take() {
                    // `set_parking` was called only with a file.
                    if let Some(file) = parked.as_mut() {
                        file.append(&entry)?;
                    }
                }
                None
            }
            Err(failed) => Some(failed),
        };
        if let Some((failed, location)) = failed {
            let handling = task.handle_failure(&failed, &location);
            if let (Some(record), Some((dlq, path))) = (&handling.dead_letter, dlq.as_mut()) {
                dlq_buf.clear();
                jsonl::write_line(&mut dlq_buf, &state.layout, record);
                dlq.write_all(&dlq_buf).map_err(|e| io_err(path, e))?;
            }
            if let Some(reason) = handling.stop {
                output.flush().map_err(|e| io_err(&args.output, e))?;
                if let Some((dlq, path)) = dlq.as_mut() {
                    dlq.flush().map_err(|e| io_err(path, e))?;
                }
                if let Some(file) = parked.as_mut() {
                    file.flush()?;
                }
                return Err(CliError::RecordFailed(reason));
            }
        }
        if progress && task.summary().records_in.is_multiple_of(100_000) {
            eprint!("\r{} records", task.summary().records_in);
        }
    }
    if let Some((dlq, path)) = dlq.as_mut() {
        dlq.flush().map_err(|e| io_err(path, e))?;
    }
    if let Some(file) = parked.as_mut() {
        file.flush()?;
    }
    output.flush().map_err(|e| io_err(&args.output, e))?;
    let summary = task.summary();
    if !args.quiet {
        let secs = started.elapsed().as_secs_f64();
        eprintln!(
            "{}records in: {}, out: {}, filtered: {}, failed: {}, dead-lettered: {}{} in {:.3} s ({:.0} records/s)",
            if progress { "\r" } else { "" },
            summary.records_in,
            summary.records_out,
            summary.filtered,
            summary.failed,
            summary.dead_lettered,
            if parked.is_some() {
                format!(", parked: {}", summary.parked)
            } else {
                String::new()
            },
            secs,
            summary.records_in as f64 / secs.max(1e-9),
        );
    }
    Ok(summary)
}

/// What `apply` carries from one line to the next.
struct LineState {
    /// The output lines of the current line.
    out: Vec<u8>,
    /// Objects earlier lines' keys and values held (their schemas).
    seen: SeenObjects,
    /// The field order of the current line, which its outputs and dead letter keep.
    layout: Layout,
    /// The parking entry of the current line, when it was parked.
    parked: Option<switchyard_convert::record::OutputRecord>,
}

/// Where a record of line `line` came from, for messages: `on line 3 (topic t, partition 0,
/// offset 7)`.
fn line_location(line: usize, origin: &Origin) -> String {
    let mut s = format!("on line {line}");
    if !origin.topic.is_empty() {
        s.push_str(&format!(" (topic {}", origin.topic));
        if let Some(p) = origin.partition {
            s.push_str(&format!(", partition {p}"));
        }
        if let Some(off) = origin.offset {
            s.push_str(&format!(", offset {off}"));
        }
        s.push(')');
    }
    s
}

/// Runs one line through the task, writing its output lines to `state.out`; a line that fails
/// (or is not a record at all) comes back with where it was.
/// The failure of a line that is not a record (`why`): its dead letter keeps the whole line's
/// bytes as the value.
fn unreadable_line(
    task: &mut Task,
    state: &mut LineState,
    raw: &[u8],
    line: usize,
    why: String,
) -> (Box<FailedRecord>, String) {
    task.count_unreadable();
    state.layout = Layout::default();
    let message = format!("malformed record line: {why}");
    let failed = FailedRecord {
        failure: Failure {
            origin: Origin::default(),
            stage: Stage::TaskPoll,
            class: "record JSONL".into(),
            exception: "org.apache.kafka.connect.errors.DataException",
            message: Some(message.clone()),
        },
        detail: message,
        broken: false,
        original: Some(Record::new(
            String::new(),
            None,
            Some(bytes::Bytes::copy_from_slice(raw)),
        )),
    };
    (Box::new(failed), line_location(line, &Origin::default()))
}

fn process_line(
    text: &str,
    line: usize,
    task: &mut Task,
    state: &mut LineState,
) -> Result<(), (Box<FailedRecord>, String)> {
    state.out.clear();
    let input = match jsonl::parse_line_after(text.trim_end(), &mut state.seen) {
        Ok(input) => input,
        Err(e) => {
            return Err(unreadable_line(
                task,
                state,
                text.trim_end().as_bytes(),
                line,
                e.to_string(),
            ));
        }
    };
    state.layout = input.layout;
    let origin = input.origin;
    // A record of a lookup table's topic updates the table first, as `run`'s table consumer
    // would have; a table that cannot take it stops the run.
    let record = &input.record;
    if let Err(e) = task.chain().lookups().observe(
        task.converters(),
        &origin.topic,
        record.key.original_bytes().and_then(|b| b.as_deref()),
        record.value.original_bytes().and_then(|b| b.as_deref()),
        || format!("line {line}"),
    ) {
        task.count_unreadable();
        let message = e.to_string();
        let failed = FailedRecord {
            failure: Failure {
                origin: origin.clone(),
                stage: Stage::Transformation,
                class: "lookup table".into(),
                exception: "org.apache.kafka.connect.errors.ConnectException",
                message: Some(message.clone()),
            },
            detail: message,
            broken: true,
            original: Some(input.record),
        };
        return Err((Box::new(failed), line_location(line, &origin)));
    }
    let kinds = InputKinds {
        key_is_json: input.key_is_json,
        value_is_json: input.value_is_json,
    };
    // `apply` has no shutdown to wait for: a registry that is down is waited for.
    let mut sleep = |delay| {
        std::thread::sleep(delay);
        true
    };
    match task.process(input.record, &origin, kinds, &mut sleep) {
        Ok(Processed::Outputs(outputs)) => {
            for encoded in &outputs {
                jsonl::write_line(&mut state.out, &state.layout, encoded);
            }
            Ok(())
        }
        Ok(Processed::Failed(failed)) => Err((failed, line_location(line, &origin))),
        Ok(Processed::Parked(entry)) => {
            state.parked = Some(entry);
            Ok(())
        }
        // Unreachable without a stop signal; reported as a failure rather than assumed away.
        Err(e) => Err((
            Box::new(FailedRecord {
                failure: Failure {
                    origin: origin.clone(),
                    stage: Stage::Transformation,
                    class: "task".into(),
                    exception: "org.apache.kafka.connect.errors.ConnectException",
                    message: Some(e.to_string()),
                },
                detail: e.to_string(),
                broken: true,
                original: None,
            }),
            line_location(line, &origin),
        )),
    }
}

/// `switchyard run`: consumes, transforms and produces until `shutdown` is set (by SIGTERM or
/// SIGINT in the binary), then drains and commits.
pub fn run(
    args: &RunArgs,
    shutdown: std::sync::Arc<std::sync::atomic::AtomicBool>,
    reload: std::sync::Arc<std::sync::atomic::AtomicBool>,
) -> Result<switchyard_kafka::RunSummary, CliError> {
    let options = switchyard_kafka::RunOptions {
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
            DeliveryArg::AtLeastOnce => switchyard_kafka::DeliveryGuarantee::AtLeastOnce,
            DeliveryArg::ExactlyOnce => switchyard_kafka::DeliveryGuarantee::ExactlyOnce,
        }),
        transactional_id: args.transactional_id.clone(),
        tasks: args.tasks,
        reload,
        transaction_interval: args
            .transaction_interval_ms
            .map(std::time::Duration::from_millis),
    };
    let summary = switchyard_kafka::run(&options, shutdown).map_err(|e| match e {
        switchyard_kafka::RunError::Config(e) => CliError::Config(e),
        switchyard_kafka::RunError::RecordFailed(m) => CliError::RecordFailed(m),
        e => CliError::Run(e),
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
