//! `switchyard replay` over a dead-letter topic: see `switchyard_pipeline::replay` for what
//! happens to each dead letter.
//!
//! The replay reads each partition of the dead-letter topic from the consumer group's committed
//! offset (the beginning, the first time) up to the end it had when the replay started, so it
//! always ends. What the chain writes goes where the chain sends it; a dead letter that stays
//! dead (failed again, with its history; held behind its key; left out by a filter) is written
//! again to the end of the dead-letter topic, past the end this replay reads to, where the next
//! replay finds it in the same order. After each batch the replay waits for every write to be
//! acknowledged and then commits the offsets it read up to: a replay that stops (a signal, a
//! crash) resumes after what it committed, at least once.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rdkafka::consumer::{BaseConsumer, Consumer, ConsumerContext};
use rdkafka::error::{KafkaError, KafkaResult, RDKafkaErrorCode};
use rdkafka::message::Message;
use rdkafka::producer::{BaseProducer, DeliveryResult, Producer, ProducerContext};
use rdkafka::{ClientContext, Offset, TopicPartitionList};

use switchyard_convert::record::{Origin, OutputRecord};
use switchyard_engine::Engine;
use switchyard_pipeline::chain::Chain;
use switchyard_pipeline::replay::{DeadLetter, Fate, Filters, ReplaySummary, Replayer};
use switchyard_pipeline::task::{InputKinds, Task};

use crate::{RunError, client_config, client_settings_from, kafka, with_worker_converters};

/// How long a metadata, offset or watermark request may take.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// How many dead letters are replayed between two commits.
const BATCH: usize = 500;

/// What `switchyard replay` over a dead-letter topic needs.
#[derive(Debug, Clone, Default)]
pub struct ReplayOptions {
    /// The connector JSON or pipeline TOML.
    pub config: PathBuf,
    /// `--bootstrap-servers`.
    pub bootstrap_servers: Option<String>,
    /// `--worker`.
    pub worker: Option<PathBuf>,
    /// `--property key=value`.
    pub properties: Vec<String>,
    /// The dead-letter topic; the pipeline's `errors.deadletterqueue.topic.name` by default.
    pub topic: Option<String>,
    /// The consumer group whose offsets record the progress (`switchyard-replay-<name>` by
    /// default).
    pub group_id: Option<String>,
    /// Which dead letters to run.
    pub filters: Filters,
    /// Read and run, but write and commit nothing.
    pub dry_run: bool,
}

/// What the replay's writes came to: the first that failed, and where its own dead letters
/// landed in the dead-letter topic (the first offset per partition), so that reading stops
/// there.
#[derive(Default)]
struct Writes {
    failed: Mutex<Option<String>>,
    /// The dead-letter topic.
    topic: String,
    /// Per partition of the dead-letter topic, the first offset the replay wrote.
    own_first: Mutex<std::collections::HashMap<i32, i64>>,
}

impl ClientContext for Writes {}

impl ProducerContext for Writes {
    type DeliveryOpaque = ();

    fn delivery(&self, result: &DeliveryResult<'_>, _: ()) {
        match result {
            Err((e, message)) => {
                let mut failed = self.failed.lock().unwrap_or_else(|e| e.into_inner());
                failed.get_or_insert_with(|| format!("writing to {}: {e}", message.topic()));
            }
            Ok(message) if message.topic() == self.topic => {
                let mut own = self.own_first.lock().unwrap_or_else(|e| e.into_inner());
                let first = own.entry(message.partition()).or_insert(message.offset());
                *first = (*first).min(message.offset());
            }
            Ok(_) => {}
        }
    }
}

impl Writes {
    fn own_first(&self, partition: i32) -> Option<i64> {
        self.own_first
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&partition)
            .copied()
    }
}

impl ConsumerContext for Writes {}

/// Sends one record, waiting while the producer's queue is full.
fn send(producer: &BaseProducer<Writes>, record: &OutputRecord) -> Result<(), RunError> {
    let mut base = crate::sink::message(record, ());
    loop {
        match producer.send(base) {
            Ok(()) => return Ok(()),
            Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), back)) => {
                base = back;
                producer.poll(Duration::from_millis(10));
            }
            Err((e, _)) => return Err(kafka(format!("writing to {}", record.topic))(e)),
        }
    }
}

/// Waits for the delivery report of every write, serving them on this thread, for at most
/// `timeout`.
///
/// Not rdkafka's `Producer::flush`: it serves the reports in turns of `poll(100 ms)`, each of
/// which lasts its full 100 ms however early the last report comes, so every batch of
/// [`BATCH`] writes waited at least 100 ms. Turns of a millisecond end soon after it.
fn flush(producer: &BaseProducer<Writes>, timeout: Duration) -> KafkaResult<()> {
    let deadline = Instant::now() + timeout;
    while producer.in_flight_count() > 0 {
        if Instant::now() >= deadline {
            return Err(KafkaError::Flush(RDKafkaErrorCode::OperationTimedOut));
        }
        producer.poll(Duration::from_millis(1));
    }
    Ok(())
}

/// Waits for every write, then commits `next` (the offset after the last dead letter read, per
/// partition): nothing is committed unless everything before it was written.
fn settle(
    producer: &BaseProducer<Writes>,
    consumer: &BaseConsumer<Writes>,
    topic: &str,
    next: &[(i32, Option<i64>)],
) -> Result<(), RunError> {
    flush(producer, REQUEST_TIMEOUT).map_err(kafka("waiting for the replay's writes"))?;
    let failed = producer
        .context()
        .failed
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .take();
    if let Some(failed) = failed {
        return Err(RunError::Delivery(format!(
            "{failed}; nothing after the last commit is committed, and the next replay runs it again"
        )));
    }
    let mut offsets = TopicPartitionList::new();
    for (partition, offset) in next {
        if let Some(offset) = offset {
            offsets
                .add_partition_offset(topic, *partition, Offset::Offset(*offset))
                .map_err(kafka("committing the replay's progress"))?;
        }
    }
    if offsets.count() > 0 {
        consumer
            .commit(&offsets, rdkafka::consumer::CommitMode::Sync)
            .map_err(kafka("committing the replay's progress"))?;
    }
    Ok(())
}

/// Replays the dead letters of a topic; `report` hears the fate of each (with `--dry-run`,
/// all that happens). Stops early, after committing what it wrote, when `shutdown` is set.
pub fn replay(
    options: &ReplayOptions,
    shutdown: Arc<AtomicBool>,
    mut report: impl FnMut(&DeadLetter, &Fate),
) -> Result<ReplaySummary, RunError> {
    let settings = client_settings_from(
        options.worker.as_deref(),
        options.bootstrap_servers.as_deref(),
        &options.properties,
    )?;
    let secrets = settings.secrets();
    replay_with(options, &settings, &shutdown, &mut report).map_err(|e| e.hiding(&secrets))
}

fn replay_with(
    options: &ReplayOptions,
    settings: &crate::properties::ClientSettings,
    shutdown: &AtomicBool,
    report: &mut dyn FnMut(&DeadLetter, &Fate),
) -> Result<ReplaySummary, RunError> {
    let mut pipeline = switchyard_pipeline::config::load(&options.config)?;
    with_worker_converters(&mut pipeline, settings);
    let topic = options
        .topic
        .clone()
        .or_else(|| pipeline.errors.dead_letter_topic.clone())
        .ok_or_else(|| RunError::NoDeadLetterTopic(options.config.clone()))?;
    let group_id = options
        .group_id
        .clone()
        .unwrap_or_else(|| format!("switchyard-replay-{}", pipeline.name));
    let engine = Engine::new(pipeline.limits).map_err(|e| RunError::Engine(e.to_string()))?;
    let chain = Chain::build(&pipeline, &engine)?;
    let _lookup_followers = crate::tables::materialise(
        chain.lookups(),
        chain.converters(),
        &client_config(&settings.common, &[], &settings.consumer),
        crate::tables::RESTORE_TIMEOUT,
    )?;
    let consumer: BaseConsumer<Writes> = client_config(
        &settings.common,
        &[
            ("group.id", group_id.clone()),
            ("enable.auto.commit", "false".into()),
            ("enable.auto.offset.store", "false".into()),
            ("auto.offset.reset", "earliest".into()),
        ],
        &settings.consumer,
    )
    .create_with_context(Writes::default())
    .map_err(kafka("creating the consumer"))?;
    let producer: BaseProducer<Writes> = client_config(
        &settings.common,
        &[("enable.idempotence", "true".into())],
        &settings.producer,
    )
    .create_with_context(Writes {
        topic: topic.clone(),
        ..Writes::default()
    })
    .map_err(kafka("creating the producer"))?;

    // Each partition from the committed offset (or its beginning) to its end now.
    let metadata = consumer
        .fetch_metadata(Some(&topic), REQUEST_TIMEOUT)
        .map_err(kafka(format!("reading the metadata of {topic}")))?;
    let partitions = crate::topics::partitions(&metadata, &topic);
    if partitions.is_empty() {
        return Err(RunError::Kafka {
            context: format!("reading the dead-letter topic {topic}"),
            source: KafkaError::MetadataFetch(RDKafkaErrorCode::UnknownTopicOrPartition),
        });
    }
    let mut wanted = TopicPartitionList::new();
    for &p in &partitions {
        wanted.add_partition(&topic, p);
    }
    let committed = consumer
        .committed_offsets(wanted, REQUEST_TIMEOUT)
        .map_err(kafka(format!(
            "reading the committed offsets of {group_id}"
        )))?;
    let mut assignment = TopicPartitionList::new();
    // Per partition: where reading ends, and the offset after the last dead letter read.
    let mut ends: Vec<(i32, i64)> = Vec::new();
    let mut next: Vec<(i32, Option<i64>)> = Vec::new();
    for &p in &partitions {
        let (low, high) = consumer
            .fetch_watermarks(&topic, p, REQUEST_TIMEOUT)
            .map_err(kafka(format!("reading the end of {topic}[{p}]")))?;
        let start = match committed.find_partition(&topic, p).map(|e| e.offset()) {
            Some(Offset::Offset(o)) if o >= low => o,
            _ => low,
        };
        if start < high {
            assignment
                .add_partition_offset(&topic, p, Offset::Offset(start))
                .map_err(kafka("assigning the dead-letter topic"))?;
            ends.push((p, high));
            next.push((p, None));
        }
    }
    let mut summary = ReplaySummary::default();
    if ends.is_empty() {
        return Ok(summary);
    }
    consumer
        .assign(&assignment)
        .map_err(kafka("assigning the dead-letter topic"))?;

    let mut task = Task::new(chain, &pipeline, 0, true);
    let mut replayer = Replayer::new(options.filters.clone(), &pipeline.name);
    let mut wait = |delay: Duration| {
        if shutdown.load(Ordering::Relaxed) {
            return false;
        }
        std::thread::sleep(delay);
        !shutdown.load(Ordering::Relaxed)
    };
    let mut since_commit = 0;
    // Partitions read to their end: up to the end listed at the start, and past it up to the
    // first dead letter this replay wrote back (some brokers list an end short of the log's:
    // tansu 0.6 lists the last batch's base offset + 1), or until nothing more comes.
    let mut finished = vec![false; ends.len()];
    loop {
        if shutdown.load(Ordering::Relaxed) {
            break;
        }
        let Some(message) = consumer.poll(Duration::from_millis(500)) else {
            // Nothing more came: every partition read up to its listed end is finished.
            let positions = consumer.position().ok();
            let read_to_end = |i: usize| {
                let (p, end) = ends[i];
                next[i].1.is_some_and(|n| n >= end)
                    || positions.as_ref().is_some_and(|list| {
                        matches!(
                            list.find_partition(&topic, p).map(|e| e.offset()),
                            Some(Offset::Offset(at)) if at >= end
                        )
                    })
            };
            if (0..ends.len()).all(|i| finished[i] || read_to_end(i)) {
                break;
            }
            continue;
        };
        let message = match message {
            Ok(m) => m,
            // Transient for a consumer (a broker restarting): librdkafka goes on.
            Err(e) => {
                tracing::warn!("reading {topic}: {e}");
                continue;
            }
        };
        let (p, offset) = (message.partition(), message.offset());
        let Some(i) = ends.iter().position(|(q, _)| *q == p) else {
            continue;
        };
        if finished[i] {
            continue;
        }
        if offset >= ends[i].1 && !options.dry_run {
            // Past the listed end: a dead letter this replay wrote back ends the partition.
            // The writes are waited for first, so that where they landed is known.
            settle(&producer, &consumer, &topic, &next)?;
            since_commit = 0;
            if producer
                .context()
                .own_first(p)
                .is_some_and(|first| offset >= first)
            {
                finished[i] = true;
                let mut paused = TopicPartitionList::new();
                paused.add_partition(&topic, p);
                consumer
                    .pause(&paused)
                    .map_err(kafka("pausing a partition read to its end"))?;
                continue;
            }
        }
        let (record, read_from): (_, Origin) = crate::source::to_record(&message);
        drop(message);
        let letter = DeadLetter::split(record, read_from);
        let fate = replayer.replay(&mut task, &letter, InputKinds::default(), &mut wait);
        summary.count(&fate);
        report(&letter, &fate);
        if !options.dry_run {
            let writes: Vec<OutputRecord> = match &fate {
                Fate::Replayed(outputs) => outputs.clone(),
                Fate::FailedAgain(dead, _) => vec![(**dead).clone()],
                Fate::Held | Fate::NotSelected => vec![letter.unchanged()],
                Fate::Broken(reason) => {
                    // What came before is written and committed; this one is not.
                    settle(&producer, &consumer, &topic, &next)?;
                    return Err(RunError::RecordFailed(format!(
                        "{reason}; the replay stopped before this dead letter, which the next replay runs again"
                    )));
                }
                Fate::Interrupted(reason) => {
                    // Asked to stop: what came before is written and committed; this dead
                    // letter is left for the next replay.
                    tracing::info!("stopping: {reason}");
                    break;
                }
            };
            for record in &writes {
                send(&producer, record)?;
            }
            producer.poll(Duration::ZERO);
        } else if let Fate::Broken(reason) | Fate::Interrupted(reason) = &fate {
            return Err(RunError::RecordFailed(reason.clone()));
        }
        next[i].1 = Some(offset + 1);
        since_commit += 1;
        if since_commit >= BATCH && !options.dry_run {
            settle(&producer, &consumer, &topic, &next)?;
            since_commit = 0;
        }
    }
    if !options.dry_run {
        settle(&producer, &consumer, &topic, &next)?;
    }
    Ok(summary)
}
