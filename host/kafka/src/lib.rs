//! `switchyard run`: the long-running process that replaces the SMT step. A consumer-group
//! member reads the raw topics ([`source`]), every record goes through the chain on the
//! processing thread, and the results are produced to the topics the chain names ([`sink`]).
//!
//! Delivery is at-least-once: offsets are stored only once every record derived from them is
//! acknowledged by the broker, in order per partition ([`offsets`]). A record that fails is
//! handled as Kafka Connect's `errors.*` settings say: retried while its failure is transient
//! and `errors.retry.timeout` allows, logged (`errors.log.*`), sent to the dead-letter topic,
//! then skipped (`errors.tolerance=all`) or the runner stops without committing it
//! (`errors.tolerance=none`). SIGTERM and SIGINT drain: consumption stops, in-flight records are
//! flushed and acknowledged, done offsets are committed, and the process exits.
//!
//! With [`DeliveryGuarantee::ExactlyOnce`] the outputs and the input offsets are written in
//! Kafka transactions instead ([`transaction`]): consumers reading the output with
//! `isolation.level=read_committed` see every input record's outputs exactly once.
#![deny(missing_docs)]

mod logs;
pub mod metrics;
mod offsets;
mod parking;
mod properties;
mod reload;
pub mod replay;
mod sink;
mod source;
mod tables;
mod topics;
mod transaction;

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer};
use rdkafka::error::KafkaError;
use rdkafka::producer::{Producer, ThreadedProducer};
use rdkafka::{Offset, TopicPartitionList};

use crate::metrics::Metrics;
use offsets::{OffsetTracker, Ticket};
use parking_lot::{Condvar, Mutex, MutexGuard};
use properties::ClientSettings;
use sink::{Delivery, SinkContext};
use source::SourceContext;
use switchyard_convert::record::{Origin, OutputRecord, Record};
use switchyard_engine::Engine;
use switchyard_pipeline::chain::Chain;
use switchyard_pipeline::config::{self, ConfigError, Pipeline, Tolerance};
use switchyard_pipeline::errors::{Failure, Stage};
use switchyard_pipeline::task::{
    FailedRecord, InputKinds, Interrupted, Processed, Task, describe_origin,
};
use topics::Subscription;
use transaction::{Outcome, Transactions};

pub use properties::PropertiesError;
pub use switchyard_pipeline::config::DeliveryGuarantee;
pub use transaction::{FenceCause, TransactionError};

/// How often a transaction is committed in exactly-once mode when neither the command line nor
/// the configuration says.
pub const DEFAULT_TRANSACTION_INTERVAL: Duration = Duration::from_millis(100);

/// How `switchyard run` is started.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// The connector JSON or pipeline TOML.
    pub config: PathBuf,
    /// `bootstrap.servers`, overriding the worker file's.
    pub bootstrap_servers: Option<String>,
    /// A Kafka Connect worker properties file.
    pub worker: Option<PathBuf>,
    /// Topics to consume, overriding the configuration's.
    pub topics: Vec<String>,
    /// A regular expression of topics to consume, overriding the configuration's.
    pub topics_regex: Option<String>,
    /// The consumer group; `switchyard-<pipeline name>` when absent.
    pub group_id: Option<String>,
    /// librdkafka properties, `key=value`; `consumer.` / `producer.` select one client.
    pub properties: Vec<String>,
    /// Where to serve `/metrics` and `/health`; `None` for nowhere.
    pub metrics_address: Option<String>,
    /// How many records an assigned partition may lag behind for `/health` to answer ready;
    /// `None` for [`crate::metrics::DEFAULT_READY_MAX_LAG`].
    pub ready_max_lag: Option<i64>,
    /// How long shutdown and rebalances wait for in-flight records.
    pub drain_timeout: Duration,
    /// The delivery guarantee; `None` takes the configuration's (a connector's
    /// `exactly.once.support=required`, a worker's `exactly.once.source.support=enabled`),
    /// else at-least-once.
    pub delivery: Option<DeliveryGuarantee>,
    /// The `transactional.id` in exactly-once mode; by default a `producer.transactional.id`
    /// property, else `<group id>-<host name>`.
    pub transactional_id: Option<String>,
    /// Set (by a SIGHUP handler) to rebuild the chain from its component files between two
    /// records; changed component files do the same on their own ([`reload`]).
    pub reload: Arc<AtomicBool>,
    /// How many tasks to start (`--tasks`); `None` takes the configuration's (`tasks.max`),
    /// else one.
    pub tasks: Option<u32>,
    /// How often transactions are committed in exactly-once mode (zero: after every record);
    /// `None` takes the configuration's (`transaction.boundary`), else
    /// [`DEFAULT_TRANSACTION_INTERVAL`].
    pub transaction_interval: Option<Duration>,
}

/// What a run did: the task's counts.
pub use switchyard_pipeline::task::Summary as RunSummary;

/// Why `switchyard run` stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The configuration cannot be used.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The worker file or a property cannot be used.
    #[error(transparent)]
    Properties(#[from] PropertiesError),
    /// Nothing says what to consume.
    #[error(
        "{0}: no topics to consume: pass --topics or --topics-regex, set `topics` / `topics_regex` in the pipeline's [source], or use a connector JSON with `topics`, `topics.regex` or Debezium's `topic.prefix`"
    )]
    NoTopics(PathBuf),
    /// `replay` was given no dead-letter topic.
    #[error(
        "{0}: no dead-letter topic to replay: pass --dlq-topic, or set errors.deadletterqueue.topic.name"
    )]
    NoDeadLetterTopic(PathBuf),
    /// No bootstrap servers were given.
    #[error(
        "no bootstrap servers: pass --bootstrap-servers or a --worker file with bootstrap.servers"
    )]
    NoBootstrapServers,
    /// The engine could not start.
    #[error("{0}")]
    Engine(String),
    /// A Kafka client could not be created or used.
    #[error("{context}: {source}")]
    Kafka {
        /// What was being done.
        context: String,
        /// The client's error.
        source: KafkaError,
    },
    /// An error whose message quoted the value of a secret setting (a password, a JAAS
    /// configuration, a token…), with the value hidden: librdkafka's message about a setting
    /// it refuses quotes the value.
    #[error("{0}")]
    Hidden(String),
    /// The metrics endpoint could not be served.
    #[error("cannot serve metrics on {address}: {message}")]
    Metrics {
        /// The address.
        address: String,
        /// What went wrong.
        message: String,
    },
    /// A record failed with `errors.tolerance=none`.
    #[error("{0}")]
    RecordFailed(String),
    /// A record could not be delivered and could not be dead-lettered.
    #[error("{0}")]
    Delivery(String),
    /// The open transaction became abortable while a record was being produced (exactly-once
    /// mode): the runner aborts it and processes its records again; `run` never returns this.
    #[error("{0}")]
    Aborted(String),
    /// The transactional producer failed fatally (fenced, say) or kept aborting.
    #[error(transparent)]
    Transaction(#[from] TransactionError),
    /// The process was asked to stop while a record waited for a service its converter needs
    /// (a schema registry that is down); the record is left unprocessed and uncommitted.
    #[error(transparent)]
    Interrupted(#[from] Interrupted),
    /// A lookup table could not be restored from its topic.
    #[error(transparent)]
    Lookup(#[from] switchyard_engine::lookup::LookupError),
    /// The parking log could not be read, or an unparking could not go on; what was not
    /// released stays parked.
    #[error("{0}")]
    Parking(String),
}

impl RunError {
    /// Whether this is a usage or configuration error (exit 2) rather than a runtime failure.
    pub fn is_config(&self) -> bool {
        matches!(
            self,
            RunError::Config(_)
                | RunError::Properties(_)
                | RunError::NoTopics(_)
                | RunError::NoDeadLetterTopic(_)
                | RunError::NoBootstrapServers
        )
    }
}

/// State shared between the processing loop and the clients' callback threads: the offset
/// tracker and a condition variable signalled on every acknowledgement or failure.
///
/// `parking_lot`'s: the producer's delivery thread signals the condition on every
/// acknowledgement, and waits on it are rare (a revoke, the drain); its `notify_all` with
/// nobody waiting is an atomic load, where the standard library's makes a `futex` system call
/// each time (measured with the `run` bench: a system call per delivered record).
#[derive(Debug, Default)]
pub struct Shared {
    tracker: Mutex<OffsetTracker>,
    changed: Condvar,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, OffsetTracker> {
        self.tracker.lock()
    }

    /// Registers a consumed record with its number of outputs.
    pub fn consumed(&self, origin: &Origin, outputs: u32) -> Ticket {
        self.lock().consumed(
            &origin.topic,
            origin.partition.unwrap_or(0),
            origin.offset.unwrap_or(0),
            outputs,
        )
    }

    /// A ticket for an output that does not stand for its record's offset: the dead letter of
    /// a record that stops the run, whose offset must stay uncommitted.
    pub fn detached(&self, origin: &Origin) -> Ticket {
        self.lock().detached(
            &origin.topic,
            origin.partition.unwrap_or(0),
            origin.offset.unwrap_or(0),
        )
    }

    /// Records one acknowledged output.
    pub fn acknowledged(&self, ticket: &Ticket) {
        self.lock().acknowledged(ticket);
        self.changed.notify_all();
    }

    /// Starts a new generation of every partition (after an aborted transaction): pending
    /// records are forgotten and their late delivery reports ignored.
    pub fn renew(&self) {
        self.lock().renew();
        self.changed.notify_all();
    }

    /// Whether a ticket belongs to the current generation of its partition.
    pub fn is_current(&self, ticket: &Ticket) -> bool {
        self.lock().is_current(ticket)
    }

    /// The name of the input topic a ticket numbers.
    pub fn topic_name(&self, ticket: &Ticket) -> String {
        self.lock().topic_name(ticket.topic).map_or_else(
            || format!("topic #{}", ticket.topic),
            |name| name.to_string(),
        )
    }

    /// Wakes waiters (a delivery failed).
    pub fn notify(&self) {
        self.changed.notify_all();
    }

    /// The safe position of a partition.
    pub fn position(&self, topic: &str, partition: i32) -> Option<i64> {
        self.lock().position(topic, partition)
    }

    /// Starts tracking assigned partitions.
    pub fn assign(&self, partitions: &[(String, i32)]) {
        let mut tracker = self.lock();
        for (t, p) in partitions {
            tracker.assign(t, *p);
        }
    }

    /// Stops tracking revoked partitions.
    pub fn revoke(&self, partitions: &[(String, i32)]) {
        let mut tracker = self.lock();
        for (t, p) in partitions {
            tracker.revoke(t, *p);
        }
    }

    /// Waits until the partitions have nothing in flight, or `timeout`.
    pub fn wait_until_done(&self, partitions: &[(String, i32)], timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        let mut tracker = self.lock();
        loop {
            if partitions
                .iter()
                .all(|(t, p)| tracker.pending_in(t, *p) == 0)
            {
                return true;
            }
            let now = Instant::now();
            if now >= deadline {
                return false;
            }
            self.changed.wait_for(&mut tracker, deadline - now);
        }
    }

    /// Waits until nothing is in flight at all, or `timeout`.
    pub fn wait_until_idle(&self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        let mut tracker = self.lock();
        while tracker.pending() > 0 {
            let now = Instant::now();
            if now >= deadline {
                return false;
            }
            self.changed.wait_for(&mut tracker, deadline - now);
        }
        true
    }

    fn committable(&self) -> Vec<((String, i32), i64)> {
        self.lock().committable()
    }
}

/// A Connect worker's converters apply to connectors that name none.
fn with_worker_converters(pipeline: &mut Pipeline, settings: &ClientSettings) {
    if !pipeline.key_converter.explicit
        && let Some(spec) = &settings.key_converter
    {
        pipeline.key_converter = spec.clone();
    }
    if !pipeline.value_converter.explicit
        && let Some(spec) = &settings.value_converter
    {
        pipeline.value_converter = spec.clone();
    }
}

/// Loads the pipeline for `run`: the connector's or worker's converters, and the subscription.
fn load(
    options: &RunOptions,
    settings: &ClientSettings,
) -> Result<(Pipeline, Subscription, DeliveryGuarantee), RunError> {
    let mut pipeline = config::load(&options.config)?;
    with_worker_converters(&mut pipeline, settings);
    let subscription = if !options.topics.is_empty() {
        Subscription::Topics(
            options
                .topics
                .iter()
                .flat_map(|t| switchyard_pipeline::connect::parse_list(t))
                .collect(),
        )
    } else if let Some(regex) = &options.topics_regex {
        Subscription::Regex(regex.clone())
    } else {
        pipeline
            .source
            .subscription
            .clone()
            .ok_or_else(|| RunError::NoTopics(options.config.clone()))?
    };
    // The command line, then the connector (`exactly.once.support=required`), then the
    // worker (`exactly.once.source.support=enabled`).
    let delivery = options.delivery.or(pipeline.source.delivery).unwrap_or(
        if settings.exactly_once_source_support {
            DeliveryGuarantee::ExactlyOnce
        } else {
            DeliveryGuarantee::AtLeastOnce
        },
    );
    Ok((pipeline, subscription, delivery))
}

impl RunError {
    /// This error, or [`RunError::Hidden`] with the values of `secrets` hidden when its
    /// message quotes one.
    fn hiding(self, secrets: &properties::Secrets) -> RunError {
        let text = self.to_string();
        let hidden = secrets.hide(&text);
        if hidden == text {
            self
        } else {
            RunError::Hidden(hidden)
        }
    }
}

fn kafka(context: impl Into<String>) -> impl FnOnce(KafkaError) -> RunError {
    let context = context.into();
    move |source| RunError::Kafka { context, source }
}

fn client_config(
    common: &[(String, String)],
    defaults: &[(&str, String)],
    own: &[(String, String)],
) -> ClientConfig {
    let mut config = ClientConfig::new();
    for (k, v) in defaults {
        config.set(*k, v);
    }
    for (k, v) in common.iter().chain(own) {
        config.set(k, v);
    }
    config
}

/// What the tasks of one run share: the loaded pipeline, the engine with its compiled
/// components, the clients' settings and the metrics.
struct Setup<'a> {
    options: &'a RunOptions,
    settings: &'a ClientSettings,
    pipeline: &'a Pipeline,
    engine: &'a Engine,
    metrics: &'a Arc<Metrics>,
    patterns: Vec<String>,
    group_id: String,
    /// The base `transactional.id` (exactly-once); task `i` of several uses `<base>-<i>`.
    transactional_id: String,
    exactly_once: bool,
    transaction_interval: Duration,
    tasks: u32,
    /// The parking lot, shared by the tasks, and its topic (`parking.topic.name`).
    parking: Option<(Arc<switchyard_pipeline::parking::ParkingLot>, String)>,
}

impl Setup<'_> {
    /// What a task needs to read the parking log again after a rebalance.
    fn parking_refresher(&self) -> Option<Arc<parking::Refresher>> {
        let (lot, topic) = self.parking.as_ref()?;
        Some(Arc::new(parking::Refresher::new(
            client_config(&self.settings.common, &[], &self.settings.consumer),
            self.group_id.clone(),
            topic.clone(),
            Arc::clone(lot),
        )))
    }
}

/// Runs the pipeline until `shutdown` is set (SIGTERM / SIGINT) or a record fails with
/// `errors.tolerance=none`.
///
/// `tasks.max` (or `--tasks`) tasks run on threads of their own, each a member of the consumer
/// group with its own consumer, producer (its own transactional producer in exactly-once
/// mode), chain instances and offsets, as Kafka Connect runs a connector's tasks: the group
/// spreads the partitions over them, so each key is still processed in order by one task. The
/// compiled components and the lookup tables are shared. A task that stops on an error stops
/// the others, which drain and commit what they did.
pub fn run(options: &RunOptions, shutdown: Arc<AtomicBool>) -> Result<RunSummary, RunError> {
    let settings = client_settings(options)?;
    let secrets = settings.secrets();
    run_with(options, settings, shutdown).map_err(|e| e.hiding(&secrets))
}

/// The clients' settings: the worker file, then `--bootstrap-servers`, then `--property`.
fn client_settings(options: &RunOptions) -> Result<ClientSettings, RunError> {
    client_settings_from(
        options.worker.as_deref(),
        options.bootstrap_servers.as_deref(),
        &options.properties,
    )
}

/// [`client_settings`] from the worker file, the bootstrap servers and the properties.
fn client_settings_from(
    worker: Option<&std::path::Path>,
    bootstrap_servers: Option<&str>,
    properties: &[String],
) -> Result<ClientSettings, RunError> {
    let mut settings = match worker {
        Some(path) => ClientSettings::from_worker_file(path)?,
        None => ClientSettings::default(),
    };
    if let Some(servers) = bootstrap_servers {
        settings.add("bootstrap.servers", servers)?;
    }
    settings.add_cli_properties(properties)?;
    if !settings
        .common
        .iter()
        .any(|(k, _)| k == "bootstrap.servers")
    {
        return Err(RunError::NoBootstrapServers);
    }
    Ok(settings)
}

/// [`run`] with the clients' settings read.
fn run_with(
    options: &RunOptions,
    mut settings: ClientSettings,
    shutdown: Arc<AtomicBool>,
) -> Result<RunSummary, RunError> {
    let (pipeline, subscription, delivery) = load(options, &settings)?;
    let exactly_once = delivery == DeliveryGuarantee::ExactlyOnce;
    let transaction_interval = options
        .transaction_interval
        .or(pipeline.source.transaction_interval)
        .unwrap_or(DEFAULT_TRANSACTION_INTERVAL);
    let tasks = options.tasks.or(pipeline.source.tasks).unwrap_or(1).max(1);
    let engine = Engine::new(pipeline.limits).map_err(|e| RunError::Engine(e.to_string()))?;
    let first_chain = Chain::build(&pipeline, &engine)?;

    let metrics = Arc::new(Metrics::new());
    if let Some(max_lag) = options.ready_max_lag {
        metrics.set_ready_max_lag(max_lag);
    }
    if let Some(address) = &options.metrics_address {
        let bound = metrics.serve(address).map_err(|e| RunError::Metrics {
            address: address.clone(),
            message: e.to_string(),
        })?;
        tracing::info!("serving /metrics and /health on http://{bound}");
    }
    let group_id = options
        .group_id
        .clone()
        .unwrap_or_else(|| format!("switchyard-{}", pipeline.name));
    // In exactly-once mode the transactional.id is the producer's own: a property naming one
    // is taken out of the shared settings (the consumer would not understand it).
    let mut property_id = None;
    for list in [&mut settings.common, &mut settings.producer] {
        if let Some(i) = list.iter().position(|(k, _)| k == "transactional.id") {
            property_id = Some(list.remove(i).1);
        }
    }
    let transactional_id = options
        .transactional_id
        .clone()
        .or(property_id)
        .unwrap_or_else(|| transaction::default_transactional_id(&group_id));
    if let Some(topic) = &pipeline.errors.dead_letter_topic {
        ensure_topic(
            &settings,
            "dead-letter",
            topic,
            pipeline.errors.dead_letter_replication_factor,
        )?;
    }
    // Lookup tables are restored from their topics before the first record is transformed,
    // then followed in the background until the run ends (crate::tables).
    metrics.set_lookups(Arc::clone(first_chain.lookups()));
    let _lookup_followers = crate::tables::materialise(
        first_chain.lookups(),
        first_chain.converters(),
        &client_config(&settings.common, &[], &settings.consumer),
        crate::tables::RESTORE_TIMEOUT,
    )?;
    // The parking lot is restored from its log before the first record, and shared by the
    // tasks: a key's records may move between them on a rebalance.
    let parking = match &pipeline.errors.parking_topic {
        None => None,
        Some(topic) => {
            let lot = open_parking_lot(&pipeline, &settings, &group_id, topic, exactly_once)?;
            metrics.set_parking(Arc::clone(&lot));
            Some((lot, topic.clone()))
        }
    };
    let mut chains = vec![first_chain];
    for _ in 1..tasks {
        let lookups = Arc::clone(chains[0].lookups());
        chains.push(Chain::build_with_lookups(&pipeline, &engine, lookups)?);
    }
    let setup = Setup {
        options,
        settings: &settings,
        pipeline: &pipeline,
        engine: &engine,
        metrics: &metrics,
        patterns: subscription.patterns(),
        group_id,
        transactional_id,
        exactly_once,
        transaction_interval,
        tasks,
        parking,
    };
    run_tasks(&setup, chains, &shutdown)
}

/// Creates `topic` (one partition) unless it exists, saying so; `what` names its use.
fn ensure_topic(
    settings: &ClientSettings,
    what: &str,
    topic: &str,
    replication_factor: i16,
) -> Result<(), RunError> {
    let created = topics::ensure_topic(
        &client_config(&settings.common, &[], &[]),
        topic,
        replication_factor,
        Duration::from_secs(30),
    )
    .map_err(kafka(format!("creating the {what} topic {topic}")))?;
    if created {
        tracing::info!(
            "created the {what} topic {topic} (1 partition, replication factor {replication_factor})"
        );
    }
    Ok(())
}

/// The parking lot of `topic`, created if need be and restored from its log. Parking runs at
/// least once: with exactly-once delivery the configuration is refused.
fn open_parking_lot(
    pipeline: &Pipeline,
    settings: &ClientSettings,
    group_id: &str,
    topic: &str,
    exactly_once: bool,
) -> Result<Arc<switchyard_pipeline::parking::ParkingLot>, RunError> {
    if exactly_once {
        return Err(RunError::Config(ConfigError::Key {
            file: pipeline.file.clone(),
            key: "parking.topic.name".into(),
            message:
                "parking runs at least once: it cannot be combined with exactly.once.support (yet)"
                    .into(),
        }));
    }
    ensure_topic(
        settings,
        "parking",
        topic,
        pipeline.errors.parking_replication_factor,
    )?;
    let lot = Arc::new(switchyard_pipeline::parking::ParkingLot::new());
    let read = parking::restore(
        &client_config(&settings.common, &[], &settings.consumer),
        group_id,
        topic,
        &lot,
        crate::tables::RESTORE_TIMEOUT,
    )
    .map_err(|e| RunError::Parking(e.to_string()))?;
    tracing::info!(
        "parking lot restored from {topic}: {read} log record(s), {} record(s) parked",
        lot.parked()
    );
    Ok(lot)
}

/// Starts one thread per task and waits for them. The first task to fail stops the others; a
/// SIGHUP (`options.reload`) is passed on to every task.
fn run_tasks(
    setup: &Setup<'_>,
    chains: Vec<Chain>,
    shutdown: &Arc<AtomicBool>,
) -> Result<RunSummary, RunError> {
    let reloads: Vec<Arc<AtomicBool>> = chains
        .iter()
        .map(|_| Arc::new(AtomicBool::new(false)))
        .collect();
    let (done, finished) = std::sync::mpsc::channel::<(u32, Result<RunSummary, RunError>)>();
    std::thread::scope(|scope| {
        for (id, (chain, reload)) in chains.into_iter().zip(&reloads).enumerate() {
            let id = id as u32;
            let task_done = done.clone();
            let reload = Arc::clone(reload);
            let spawned = std::thread::Builder::new()
                .name(format!("switchyard-task-{id}"))
                .spawn_scoped(scope, move || {
                    let result = run_task(setup, id, chain, reload, shutdown);
                    let _ = task_done.send((id, result));
                });
            if let Err(e) = spawned {
                shutdown.store(true, Ordering::Relaxed);
                let _ = done.send((
                    id,
                    Err(RunError::Engine(format!("starting task {id}: {e}"))),
                ));
            }
        }
        drop(done);
        let mut summary = RunSummary::default();
        let mut first_error: Option<RunError> = None;
        let mut remaining = reloads.len();
        while remaining > 0 {
            if setup.options.reload.swap(false, Ordering::Relaxed) {
                for r in &reloads {
                    r.store(true, Ordering::Relaxed);
                }
            }
            match finished.recv_timeout(Duration::from_millis(100)) {
                Ok((id, result)) => {
                    remaining -= 1;
                    match result {
                        Ok(s) => summary.add(&s),
                        Err(e) => {
                            if setup.tasks > 1 {
                                tracing::error!("task {id} stopped: {e}; stopping the other tasks");
                            }
                            shutdown.store(true, Ordering::Relaxed);
                            first_error.get_or_insert(e);
                        }
                    }
                }
                Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
                Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => break,
            }
        }
        match first_error {
            Some(e) => Err(e),
            None => Ok(summary),
        }
    })
}

/// One task: its consumer (a member of the group), its producer, its chain; consumes until
/// `shutdown`, then drains and commits.
fn run_task(
    setup: &Setup<'_>,
    id: u32,
    chain: Chain,
    reload: Arc<AtomicBool>,
    shutdown: &AtomicBool,
) -> Result<RunSummary, RunError> {
    let Setup {
        options,
        settings,
        pipeline,
        metrics,
        ..
    } = *setup;
    let shared = Arc::new(Shared::default());
    let mut consumer_defaults = vec![
        ("group.id", setup.group_id.clone()),
        ("enable.auto.offset.store", "false".into()),
        // A sink connector's default: a new group starts at the beginning.
        ("auto.offset.reset", "earliest".into()),
        ("statistics.interval.ms", "5000".into()),
        // librdkafka postpones a partition's next fetch by this much once the local queue is
        // over its thresholds (1 s by default): a runner that drains the queue while the
        // chain works then sits idle for most of a second. Measured with the `run` bench: at
        // 1000 ms the stream stalls ~700 ms after every 64 MB.
        ("fetch.queue.backoff.ms", "10".into()),
    ];
    if setup.tasks > 1 {
        consumer_defaults.push(("client.id", format!("{}-{id}", setup.group_id)));
    }
    if setup.exactly_once {
        // Offsets are committed by the transactions; only committed input is read.
        consumer_defaults.push(("enable.auto.commit", "false".into()));
        consumer_defaults.push(("isolation.level", "read_committed".into()));
    } else {
        consumer_defaults.push(("enable.auto.commit", "true".into()));
        consumer_defaults.push(("auto.commit.interval.ms", "1000".into()));
    }
    // Shared with the records whose values borrow its buffers (`source::poll`).
    let consumer: source::SharedConsumer = Arc::new(
        client_config(&settings.common, &consumer_defaults, &settings.consumer)
            .create_with_context(SourceContext::new(
                Arc::clone(&shared),
                Arc::clone(metrics),
                id,
                options.drain_timeout,
            ))
            .map_err(kafka("creating the consumer"))?,
    );
    // One transactional id per task, derived from the base as Kafka Connect derives its
    // tasks' ids from the connector's; a single task keeps the base id itself.
    let transactional_id = if setup.tasks > 1 {
        format!("{}-{id}", setup.transactional_id)
    } else {
        setup.transactional_id.clone()
    };
    let mut producer_defaults = vec![
        ("enable.idempotence", "true".into()),
        // Java clients' partitioner: the same key lands on the same partition as with
        // Kafka Connect's producer.
        ("partitioner", "murmur2_random".into()),
        ("linger.ms", "5".into()),
    ];
    if setup.exactly_once {
        producer_defaults.push(("transactional.id", transactional_id.clone()));
        // A timeout that outlasts the commit interval (a `producer.transaction.timeout.ms`
        // property still wins).
        let timeout =
            transaction::transaction_timeout(setup.transaction_interval, options.drain_timeout);
        producer_defaults.push(("transaction.timeout.ms", timeout.as_millis().to_string()));
        if setup.transaction_interval >= transaction::BROKER_MAX_TRANSACTION_TIMEOUT {
            tracing::warn!(
                "committing every {:?} needs a transaction timeout above the brokers' default transaction.max.timeout.ms (15 minutes): raise it on the brokers and set producer.transaction.timeout.ms, or commit more often",
                setup.transaction_interval
            );
        }
    }
    let producer: Arc<ThreadedProducer<SinkContext>> = Arc::new(
        client_config(&settings.common, &producer_defaults, &settings.producer)
            .create_with_context(SinkContext::new(Arc::clone(&shared), Arc::clone(metrics)))
            .map_err(kafka("creating the producer"))?,
    );
    let transactions = if setup.exactly_once {
        let txn = Arc::new(Transactions::new(
            Arc::clone(&producer),
            Arc::clone(&shared),
            transactional_id.clone(),
            setup.transaction_interval,
            options.drain_timeout.max(Duration::from_secs(10)),
        ));
        txn.init()?;
        consumer.context().set_transactions(Arc::clone(&txn));
        tracing::info!(
            "exactly-once: transactional.id {transactional_id}, committing every {:?}",
            setup.transaction_interval
        );
        Some(txn)
    } else {
        None
    };
    let refresher = setup.parking_refresher();
    if let Some(refresher) = &refresher {
        consumer.context().set_parking(Arc::clone(refresher));
    }
    let pattern_refs: Vec<&str> = setup.patterns.iter().map(String::as_str).collect();
    consumer
        .subscribe(&pattern_refs)
        .map_err(kafka("subscribing"))?;
    if setup.tasks > 1 {
        tracing::info!(
            "task {id} consuming {} as group {}",
            setup.patterns.join(", "),
            setup.group_id
        );
    } else {
        tracing::info!(
            "consuming {} as group {}",
            setup.patterns.join(", "),
            setup.group_id
        );
    }

    let dead_letters = pipeline.errors.dead_letter_topic.is_some();
    let mut task = Task::new(chain, pipeline, id, dead_letters);
    if let Some((lot, topic)) = &setup.parking {
        task.set_parking(Arc::clone(lot), topic.clone());
    }
    let mut runner = Runner {
        pipeline,
        engine: setup.engine,
        watcher: reload::Watcher::new(pipeline, reload),
        stats_published: quanta::Instant::now(),
        task,
        refresher,
        id,
        held: std::collections::VecDeque::new(),
        producer: &producer,
        transactions: transactions.as_ref(),
        held_back: Vec::new(),
        held_back_bytes: 0,
        shared: &shared,
        metrics,
        shutdown,
    };
    // Parked records the chain has not tried go first (each key is claimed by one task).
    let outcome = runner
        .unpark(options.drain_timeout.max(UNPARK_FLUSH_TIMEOUT))
        .and_then(|()| runner.consume(&consumer));
    let summary = runner.task.summary();
    if let Some(txn) = &transactions {
        return finish_transactional(txn, &consumer, outcome, summary);
    }

    // Drain: everything handed to the producer is delivered (or fails), then what is done
    // is committed.
    tracing::info!("draining: flushing the producer and committing done offsets");
    if let Err(e) = sink::flush(&producer, options.drain_timeout) {
        tracing::warn!("flushing the producer: {e}");
    }
    if !shared.wait_until_idle(options.drain_timeout) {
        tracing::warn!(
            "records still in flight after the drain timeout; their offsets are not committed"
        );
    }
    let late_failure = producer
        .context()
        .take_failed()
        .into_iter()
        .next()
        .map(|f| RunError::Delivery(format!("{}: {}", f.record.topic, f.error)));
    store_offsets(&consumer, &shared);
    match consumer.commit_consumer_state(CommitMode::Sync) {
        Ok(()) | Err(KafkaError::ConsumerCommit(rdkafka::types::RDKafkaErrorCode::NoOffset)) => {}
        Err(e) => tracing::warn!("final commit: {e}"),
    }
    consumer.unsubscribe();
    outcome?;
    if let Some(e) = late_failure {
        return Err(e);
    }
    Ok(summary)
}

/// Ends an exactly-once run: the open transaction is committed when the run stopped on a
/// signal or at a failing record (whose offset it does not include), aborted after any other
/// error, and left alone after a fatal producer error.
fn finish_transactional(
    txn: &Transactions,
    consumer: &BaseConsumer<SourceContext>,
    outcome: Result<(), RunError>,
    summary: RunSummary,
) -> Result<RunSummary, RunError> {
    let end = match &outcome {
        Ok(()) | Err(RunError::RecordFailed(_)) => {
            tracing::info!("draining: committing the open transaction");
            txn.commit(consumer).map(|o| match o {
                Outcome::Committed => {}
                Outcome::Aborted(cause) => {
                    tracing::warn!("the last transaction was aborted ({cause}); its records are processed again on restart")
                }
            })
        }
        // A fenced or otherwise failed producer can neither commit nor abort: what it left
        // open is aborted by the broker (or by the next producer with its id).
        Err(RunError::Transaction(_)) => {
            tracing::info!("draining: the transactional producer failed, nothing is committed");
            Ok(())
        }
        Err(e) => {
            tracing::info!("draining: aborting the open transaction");
            txn.abort(&format!("stopping after an error: {e}"))
                .map(|_| ())
        }
    };
    consumer.unsubscribe();
    let (commits, aborts) = txn.counts();
    tracing::info!("transactions committed: {commits}, aborted: {aborts}");
    outcome?;
    end?;
    Ok(summary)
}

/// Waits `delay` while keeping the consumer a live member of its group: its partitions are
/// paused and it is polled, which serves rebalances and the poll interval. Pausing makes
/// librdkafka drop what it had fetched for a partition and fetch again from the position after
/// the last message it returned, on resume. A message of a partition assigned meanwhile (not
/// yet paused) is held, to be processed next, and its partition paused. Answers false when
/// the process is asked to stop.
fn wait_polling(
    consumer: &source::SharedConsumer,
    shutdown: &AtomicBool,
    delay: Duration,
    paused: &mut bool,
    held: &mut Vec<(Record, Origin)>,
) -> bool {
    let deadline = Instant::now() + delay;
    loop {
        if shutdown.load(Ordering::Relaxed) {
            return false;
        }
        if !*paused {
            match consumer.assignment() {
                Ok(assignment) => {
                    if let Err(e) = consumer.pause(&assignment) {
                        tracing::warn!("pausing the partitions: {e}");
                    }
                }
                Err(e) => tracing::warn!("pausing the partitions: {e}"),
            }
            *paused = true;
        }
        let now = Instant::now();
        if now >= deadline {
            return true;
        }
        match source::poll(consumer, (deadline - now).min(Duration::from_millis(100))) {
            Some(Ok((record, origin))) => {
                let mut partition = TopicPartitionList::with_capacity(1);
                let number = origin.partition.unwrap_or(0);
                partition.add_partition(&origin.topic, number);
                if let Err(e) = consumer.pause(&partition) {
                    tracing::warn!("pausing {}[{number}]: {e}", origin.topic);
                }
                held.push((record, origin));
            }
            Some(Err(e)) => logs::consumer_error(&e),
            None => {}
        }
    }
}

fn store_offsets(consumer: &BaseConsumer<SourceContext>, shared: &Shared) {
    let positions = shared.committable();
    if positions.is_empty() {
        return;
    }
    let mut list = TopicPartitionList::with_capacity(positions.len());
    for ((topic, partition), offset) in &positions {
        if let Err(e) = list.add_partition_offset(topic, *partition, Offset::Offset(*offset)) {
            tracing::warn!("{topic}[{partition}]: {e}");
        }
    }
    if let Err(e) = consumer.store_offsets(&list) {
        // A partition revoked in the meantime cannot be stored; its new owner replays it.
        tracing::debug!("storing offsets: {e}");
    }
}

struct Runner<'a> {
    pipeline: &'a Pipeline,
    engine: &'a Engine,
    watcher: reload::Watcher,
    stats_published: quanta::Instant,
    task: Task,
    /// Reads the parking log again after a rebalance, when the pipeline parks.
    refresher: Option<Arc<parking::Refresher>>,
    /// The task's number.
    id: u32,
    /// Records polled while the previous one waited, to be processed before polling again.
    held: std::collections::VecDeque<(Record, Origin)>,
    producer: &'a ThreadedProducer<SinkContext>,
    transactions: Option<&'a Arc<Transactions>>,
    /// Exactly-once: outputs held back while a commit is in flight, for the next transaction.
    held_back: Vec<(OutputRecord, Delivery)>,
    /// The key and value bytes of `held_back`.
    held_back_bytes: usize,
    shared: &'a Arc<Shared>,
    metrics: &'a Arc<Metrics>,
    shutdown: &'a AtomicBool,
}

/// How many key and value bytes the exactly-once loop holds back while a commit is in flight
/// before it waits for the commit: memory stays bounded when the broker acknowledges slowly.
const MAX_HELD_BACK_BYTES: usize = 64 << 20;

/// How long an unparking waits for its outputs' acknowledgements before it gives up (and the
/// key stays parked).
const UNPARK_FLUSH_TIMEOUT: Duration = Duration::from_secs(30);

/// How often done offsets are handed to librdkafka (which commits them on its own cycle).
const STORE_INTERVAL: Duration = Duration::from_millis(50);

impl Runner<'_> {
    fn consume(&mut self, consumer: &source::SharedConsumer) -> Result<(), RunError> {
        if let Some(txn) = self.transactions {
            return self.consume_transactional(consumer, txn);
        }
        let mut last_store = quanta::Instant::now();
        while !self.shutdown.load(Ordering::Relaxed) {
            self.reload_if_due()?;
            self.unpark_if_due()?;
            // The time a record's processing ended stands for "now" below: one clock
            // reading less per record.
            let mut processed = None;
            if let Some((record, origin)) = self.held.pop_front() {
                processed = Some(self.process(record, origin, consumer)?);
            } else if let Some(polled) = source::poll(consumer, Duration::from_millis(100)) {
                match polled {
                    Ok((record, origin)) => {
                        processed = Some(self.process(record, origin, consumer)?)
                    }
                    Err(e) => logs::consumer_error(&e),
                }
            }
            for failed in self.producer.context().take_failed() {
                self.delivery_failed(failed)?;
            }
            let now = processed.unwrap_or_else(quanta::Instant::now);
            if now.duration_since(last_store) >= STORE_INTERVAL {
                store_offsets(consumer, self.shared);
                last_store = now;
            }
            self.publish_stats(now);
        }
        Ok(())
    }

    /// The exactly-once loop: records are processed inside a transaction that is committed
    /// with their offsets every `transaction_interval`; an abort (here or in the rebalance
    /// callback) rewinds the consumer to the last committed positions.
    ///
    /// A commit runs on a thread of its own while the loop goes on consuming and transforming:
    /// the outputs of the records processed meanwhile are held back (up to
    /// [`MAX_HELD_BACK_BYTES`]) and produced into the next transaction once the commit is
    /// done, or dropped with their records read again when it aborted. The broker's
    /// acknowledgement of the committed transaction's records, which `commit_transaction`
    /// waits for, then no longer stops the chain.
    fn consume_transactional(
        &mut self,
        consumer: &source::SharedConsumer,
        txn: &Arc<Transactions>,
    ) -> Result<(), RunError> {
        while !self.shutdown.load(Ordering::Relaxed) {
            self.reload_if_due()?;
            self.unpark_if_due()?;
            let polled = source::poll(consumer, Duration::from_millis(100));
            if let Some(e) = txn.take_failure() {
                return Err(e.into());
            }
            // A commit that aborted asks for a rewind, as does a commit in flight that the
            // rebalance callback waited for: either way what is held back is dropped.
            let committed = txn.finished_commit(false).transpose()?;
            if txn.take_rewind() {
                // A message polled together with the abort comes from before the rewind.
                drop(polled);
                self.rewind(consumer, txn)?;
                continue;
            }
            if (committed.is_some() || (!txn.committing() && !self.held_back.is_empty()))
                && !self.release_held_back(consumer, txn)?
            {
                drop(polled);
                continue;
            }
            match polled {
                Some(Ok((record, origin))) => {
                    if !txn.committing() {
                        txn.begin()?;
                    }
                    let (partition, offset) =
                        (origin.partition.unwrap_or(0), origin.offset.unwrap_or(0));
                    let topic = origin.topic.clone();
                    match self.process(record, origin, consumer) {
                        Ok(_) => txn.processed(&topic, partition, offset),
                        Err(RunError::Aborted(reason)) => {
                            let cause = self.failed_delivery().unwrap_or(reason);
                            txn.abort(&cause)?;
                            txn.take_rewind();
                            self.rewind(consumer, txn)?;
                            continue;
                        }
                        Err(e) => return Err(e),
                    }
                }
                Some(Err(e)) => logs::consumer_error(&e),
                None => {}
            }
            if txn.committing() {
                // Too much held back: wait for the commit.
                if self.held_back_bytes > MAX_HELD_BACK_BYTES
                    && let Some(outcome) = txn.finished_commit(true).transpose()?
                {
                    if let Outcome::Committed = outcome {
                        self.release_held_back(consumer, txn)?;
                    } else {
                        txn.take_rewind();
                        self.rewind(consumer, txn)?;
                    }
                }
            } else {
                // A record that could not be delivered makes the transaction abortable: abort
                // it now and process its records again. Reports of aborted transactions are
                // stale.
                let outcome = match self.failed_delivery() {
                    Some(cause) => Some(txn.abort(&cause)?),
                    None if txn.due() => txn.start_commit(consumer)?,
                    None => None,
                };
                if let Some(Outcome::Aborted(_)) = outcome {
                    txn.take_rewind();
                    self.rewind(consumer, txn)?;
                }
            }
            self.publish_stats(quanta::Instant::now());
        }
        // Stopping: what the commit in flight leaves held back goes into the transaction the
        // drain commits.
        if let Some(Outcome::Committed) = txn.finished_commit(true).transpose()?
            && !txn.take_rewind()
        {
            self.release_held_back(consumer, txn)?;
        }
        Ok(())
    }

    /// Produces the outputs held back during a commit into a new transaction, which also
    /// takes the offsets of the records processed meanwhile. Answers false when producing
    /// failed and the transaction was aborted and the consumer rewound.
    fn release_held_back(
        &mut self,
        consumer: &BaseConsumer<SourceContext>,
        txn: &Transactions,
    ) -> Result<bool, RunError> {
        if self.held_back.is_empty() && !txn.has_offsets() {
            return Ok(true);
        }
        txn.begin()?;
        self.held_back_bytes = 0;
        for (out, delivery) in std::mem::take(&mut self.held_back) {
            match self.produce(&out, delivery) {
                Ok(()) => {}
                // The records held back after this one are dropped, and read again.
                Err(RunError::Aborted(reason)) => {
                    let cause = self.failed_delivery().unwrap_or(reason);
                    txn.abort(&cause)?;
                    txn.take_rewind();
                    self.rewind(consumer, txn)?;
                    return Ok(false);
                }
                Err(e) => return Err(e),
            }
        }
        Ok(true)
    }

    /// Rewinds the consumer to the last committed positions, dropping the outputs held back:
    /// their records are read again.
    fn rewind(
        &mut self,
        consumer: &BaseConsumer<SourceContext>,
        txn: &Transactions,
    ) -> Result<(), RunError> {
        if !self.held_back.is_empty() {
            self.held_back.clear();
            self.held_back_bytes = 0;
            // Their tickets will never be acknowledged.
            self.shared.renew();
        }
        txn.rewind(consumer)?;
        Ok(())
    }

    /// Hands the chain's per-transform statistics to the metrics, at most every
    /// [`STORE_INTERVAL`].
    fn publish_stats(&mut self, now: quanta::Instant) {
        if now.duration_since(self.stats_published) >= STORE_INTERVAL {
            self.metrics.set_steps(self.id, self.task.stats());
            self.stats_published = now;
        }
    }

    /// Rebuilds the chain from its component files when they changed or SIGHUP asked for it,
    /// keeping the lookup tables; a chain that fails to build leaves the running one in place.
    fn reload_if_due(&mut self) -> Result<(), RunError> {
        let Some(trigger) = self.watcher.due() else {
            return Ok(());
        };
        let mut reloaded = false;
        match Chain::build_with_lookups(
            self.pipeline,
            self.engine,
            Arc::clone(self.task.chain().lookups()),
        ) {
            Ok(chain) => {
                self.task.replace_chain(chain);
                self.metrics.reloaded(true);
                tracing::info!("reloaded the chain {trigger}");
                reloaded = true;
            }
            Err(e) => {
                self.metrics.reloaded(false);
                tracing::error!(
                    "reloading the chain {trigger} failed, the running chain goes on: {e}"
                );
            }
        }
        // A new chain runs the parked records it has not tried before the next record.
        if reloaded {
            self.unpark(UNPARK_FLUSH_TIMEOUT)?;
        }
        Ok(())
    }

    /// Unparks what another process parked, once a rebalance read the parking log again.
    fn unpark_if_due(&mut self) -> Result<(), RunError> {
        let Some(refresher) = &self.refresher else {
            return Ok(());
        };
        if refresher.take_due().map_err(RunError::Parking)? {
            self.unpark(UNPARK_FLUSH_TIMEOUT)?;
        }
        Ok(())
    }

    /// The first delivery of the current generation that failed since the last call, as the
    /// cause of an abort (exactly-once mode).
    fn failed_delivery(&self) -> Option<String> {
        self.producer
            .context()
            .take_failed()
            .into_iter()
            .find(|f| self.shared.is_current(&f.delivery.ticket))
            .map(|f| {
                format!(
                    "delivery to {} of the record from {}[{}]@{} failed: {}",
                    f.record.topic,
                    self.shared.topic_name(&f.delivery.ticket),
                    f.delivery.ticket.partition,
                    f.delivery.ticket.offset,
                    f.error
                )
            })
    }

    /// Runs `record` through the task and hands what comes out to the producer (or the
    /// dead-letter path); answers when its processing ended.
    fn process(
        &mut self,
        record: Record,
        origin: Origin,
        consumer: &source::SharedConsumer,
    ) -> Result<quanta::Instant, RunError> {
        // quanta's clock, read twice per record (see `Chain::apply`).
        let started = quanta::Instant::now();
        let shutdown = self.shutdown;
        // At-least-once, a record that waits (for a retry, or a registry that is down) keeps
        // the consumer polling with its partitions paused, as `WorkerSinkTask` does, so that
        // the group keeps it a member however long the wait. In exactly-once mode the wait
        // sleeps: a rebalance served meanwhile would commit the open transaction under the
        // record being processed.
        let poll_while_waiting = self.transactions.is_none();
        let mut paused = false;
        let mut held = Vec::new();
        let mut wait = |delay: Duration| {
            if poll_while_waiting {
                wait_polling(consumer, shutdown, delay, &mut paused, &mut held)
            } else if shutdown.load(Ordering::Relaxed) {
                false
            } else {
                std::thread::sleep(delay);
                true
            }
        };
        let processed = self
            .task
            .process(record, &origin, InputKinds::default(), &mut wait);
        if paused {
            match consumer.assignment() {
                Ok(assignment) => {
                    if let Err(e) = consumer.resume(&assignment) {
                        tracing::warn!("resuming the partitions: {e}");
                    }
                }
                Err(e) => tracing::warn!("resuming the partitions: {e}"),
            }
        }
        self.held.extend(held);
        let processed = processed.map_err(RunError::Interrupted)?;
        let finished = quanta::Instant::now();
        self.metrics
            .processed(self.id, &origin.topic, finished - started);
        match processed {
            Processed::Outputs(outputs) if outputs.is_empty() => {
                self.metrics.count(&origin.topic, |c| c.filtered += 1);
                self.shared.consumed(&origin, 0);
            }
            Processed::Outputs(outputs) => {
                let count = u32::try_from(outputs.len()).unwrap_or(u32::MAX);
                let ticket = self.shared.consumed(&origin, count);
                for out in outputs {
                    self.send(out, &ticket, false)?;
                }
            }
            Processed::Failed(failed) => self.record_failed(&failed)?,
            Processed::Parked(entry) => {
                self.metrics.count(&origin.topic, |c| c.parked += 1);
                let ticket = self.shared.consumed(&origin, 1);
                self.send(entry, &ticket, false)?;
            }
        }
        Ok(finished)
    }

    /// Runs the parked records the current chain has not tried through it
    /// (`switchyard_pipeline::parking::unpark`), writing with this task's producer.
    fn unpark(&mut self, timeout: Duration) -> Result<(), RunError> {
        if self.task.parking().is_none() {
            return Ok(());
        }
        let shutdown = self.shutdown;
        let mut wait = |delay: Duration| {
            if shutdown.load(Ordering::Relaxed) {
                return false;
            }
            std::thread::sleep(delay);
            true
        };
        let mut sink = parking::KafkaSink {
            producer: self.producer,
            shared: self.shared,
            timeout,
        };
        switchyard_pipeline::parking::unpark(&mut self.task, &mut sink, &mut wait)
            .map(|_| ())
            .map_err(|e| match e {
                switchyard_pipeline::parking::UnparkError::Interrupted(i) => {
                    RunError::Interrupted(i)
                }
                other => RunError::Parking(other.to_string()),
            })
    }

    /// Produces `out` for the record of `ticket`, or, in exactly-once mode while a commit is
    /// in flight, holds it back for the next transaction.
    fn send(
        &mut self,
        out: OutputRecord,
        ticket: &Ticket,
        dead_letter: bool,
    ) -> Result<(), RunError> {
        let delivery = Delivery {
            ticket: *ticket,
            dead_letter,
        };
        if let Some(txn) = self.transactions
            && (txn.committing() || !self.held_back.is_empty())
        {
            self.held_back_bytes +=
                out.key.as_ref().map_or(0, |k| k.len()) + out.value.as_ref().map_or(0, |v| v.len());
            self.held_back.push((out, delivery));
            return Ok(());
        }
        self.produce(&out, delivery)
    }

    /// Hands `out` to the producer.
    fn produce(&self, out: &OutputRecord, delivery: Delivery) -> Result<(), RunError> {
        sink::send(self.producer, out, delivery).map_err(|e| {
            let context = format!("producing to {}", out.topic);
            if let Some(txn) = self.transactions {
                if let Some(fatal) = txn.fatal_error(&context) {
                    return RunError::Transaction(fatal);
                }
                // Any other refusal aborts the transaction and reprocesses its records: once
                // a produce request failed, librdkafka refuses later records with `State`, or
                // with the broker's error itself when it also marked the topic (a topic
                // authorization failure empties its metadata). A refusal that persists stops
                // the run after [`transaction::MAX_ABORTS_IN_A_ROW`] aborts, naming it.
                return RunError::Aborted(format!(
                    "{context}: the transaction must be aborted ({e})"
                ));
            }
            kafka(context)(e)
        })
    }

    /// A failed record, reported and tolerated by the task; its dead letter, if any, is sent
    /// to the dead-letter topic. The record's offset is done once its dead letter is
    /// acknowledged (or at once when skipped), and never when the failure stops the run.
    fn record_failed(&mut self, failed: &FailedRecord) -> Result<(), RunError> {
        let origin = &failed.failure.origin;
        self.metrics.count(&origin.topic, |c| c.failed += 1);
        let handling = self.task.handle_failure(failed, &describe_origin(origin));
        if let Some(record) = &handling.dead_letter {
            self.metrics.count(&origin.topic, |c| c.dead_lettered += 1);
            // A record that stops the run stays uncommitted: its dead letter is sent on a
            // ticket that does not stand for its offset.
            let ticket = if handling.stop.is_some() {
                self.shared.detached(origin)
            } else {
                self.shared.consumed(origin, 1)
            };
            self.send(record.clone(), &ticket, true)?;
        } else if handling.stop.is_none() {
            self.shared.consumed(origin, 0);
        }
        match handling.stop {
            Some(reason) => Err(RunError::RecordFailed(reason)),
            None => Ok(()),
        }
    }

    /// A record librdkafka could not deliver: dead-lettered at stage `KAFKA_PRODUCE` under
    /// `errors.tolerance=all` with a dead-letter topic, otherwise the runner stops and its
    /// input offset is not committed.
    fn delivery_failed(&mut self, failed: sink::FailedDelivery) -> Result<(), RunError> {
        let errors = &self.pipeline.errors;
        let ticket = failed.delivery.ticket;
        let input_topic = self.shared.topic_name(&ticket);
        let detail = format!(
            "delivery to {} of the record from {input_topic}[{}]@{} failed: {}",
            failed.record.topic, ticket.partition, ticket.offset, failed.error
        );
        let dead_letter_topic = match (&errors.dead_letter_topic, errors.tolerance) {
            (Some(topic), Tolerance::All) if !failed.delivery.dead_letter => topic.clone(),
            _ => return Err(RunError::Delivery(detail)),
        };
        tracing::error!("{detail}; sending it to the dead-letter topic {dead_letter_topic}");
        let failure = Failure {
            origin: Origin {
                topic: input_topic.clone(),
                partition: Some(ticket.partition),
                offset: Some(ticket.offset),
            },
            stage: Stage::KafkaProduce,
            class: "org.apache.kafka.clients.producer.KafkaProducer".into(),
            exception: "org.apache.kafka.common.KafkaException",
            message: Some(failed.error.to_string()),
        };
        let mut record = failed.record;
        record.headers.extend(self.task.context_headers(&failure));
        record.topic = dead_letter_topic;
        record.partition = None;
        self.task.count_dead_letter();
        self.metrics.count(&input_topic, |c| c.dead_lettered += 1);
        // The dead-letter record takes the failed output's place in the tracker.
        self.send(record, &ticket, true)
    }
}
