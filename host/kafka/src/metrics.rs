//! What `switchyard run` exposes over HTTP: `/metrics` in the Prometheus text format (records
//! in, out, filtered, failed and dead-lettered per topic; records, filtered and failed per
//! transform; latency histograms of the chain and of each transform; the end-to-end latency
//! from a record's timestamp to the acknowledgement of its output; the consumer lag per
//! partition) and `/health` (200 once partitions are assigned and caught up, 503 before).
//!
//! The exposition is `prometheus-client`'s (OpenMetrics text), from a snapshot of the runner's
//! counters; the server answers each connection on a thread of its own (see
//! [`Metrics::serve`]), which keeps an async runtime out of the process.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric, MetricEncoder, NoLabelSet};
use prometheus_client::metrics::MetricType;
use prometheus_client::metrics::counter::ConstCounter;
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::registry::Registry;
use switchyard_engine::lookup::TableSize;
use switchyard_pipeline::parking::{ParkingLot, TopicParked};

pub use switchyard_pipeline::stats::{Histogram, LATENCY_BUCKETS, StepStats};

/// Upper bounds of the end-to-end latency buckets, in seconds.
const END_TO_END_BUCKETS: &[f64] = &[
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 3600.0,
];

/// The seconds from `timestamp_ms` (milliseconds since the epoch) to now; none for a timestamp
/// that is unset or in the future.
fn end_to_end_seconds(timestamp_ms: i64) -> Option<f64> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64);
    (timestamp_ms > 0 && now >= timestamp_ms).then(|| (now - timestamp_ms) as f64 / 1000.0)
}

/// How many records an assigned partition may lag behind and still count as caught up, unless
/// the runner says otherwise.
pub const DEFAULT_READY_MAX_LAG: i64 = 1000;

/// Per-topic record counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TopicCounts {
    /// Records consumed from the topic.
    pub records_in: u64,
    /// Records produced to the topic.
    pub records_out: u64,
    /// Records of the topic a transform filtered out.
    pub filtered: u64,
    /// Records of the topic that failed.
    pub failed: u64,
    /// Records of the topic sent to the dead-letter topic.
    pub dead_lettered: u64,
    /// Records of the topic parked (not handled yet, or behind a parked record of their key).
    pub parked: u64,
}

/// What one task (`tasks.max`) reports.
#[derive(Debug, Default)]
struct TaskInfo {
    /// Partitions its consumer has assigned.
    assigned: usize,
    /// Records it consumed.
    records_in: u64,
    /// Its chain's per-step statistics.
    steps: Vec<StepStats>,
}

#[derive(Debug)]
struct Inner {
    topics: BTreeMap<String, TopicCounts>,
    chain_latency: Histogram,
    end_to_end: Histogram,
    tasks: BTreeMap<u32, TaskInfo>,
    lag: BTreeMap<(String, i32), i64>,
}

impl Inner {
    /// The steps of every task, each step's statistics summed over the tasks, in chain order.
    fn steps(&self) -> Vec<StepStats> {
        let mut steps: Vec<StepStats> = Vec::new();
        for task in self.tasks.values() {
            for step in &task.steps {
                match steps.iter_mut().find(|s| s.alias == step.alias) {
                    Some(sum) => sum.merge(step),
                    None => steps.push(step.clone()),
                }
            }
        }
        steps
    }

    /// Updates the counts of `topic`.
    fn count(&mut self, topic: &str, update: impl FnOnce(&mut TopicCounts)) {
        match self.topics.get_mut(topic) {
            Some(counts) => update(counts),
            None => update(self.topics.entry(topic.to_string()).or_default()),
        }
    }

    fn assigned(&self) -> usize {
        self.tasks.values().map(|t| t.assigned).sum()
    }
}

impl Default for Inner {
    fn default() -> Self {
        Inner {
            topics: BTreeMap::new(),
            chain_latency: Histogram::new(LATENCY_BUCKETS),
            end_to_end: Histogram::new(END_TO_END_BUCKETS),
            tasks: BTreeMap::new(),
            lag: BTreeMap::new(),
        }
    }
}

/// The runner's metrics, shared between the processing thread, client callbacks and the HTTP
/// server.
#[derive(Debug)]
pub struct Metrics {
    inner: Mutex<Inner>,
    ready_max_lag: AtomicI64,
    reloads: [std::sync::atomic::AtomicU64; 2],
    lookups: std::sync::OnceLock<Arc<switchyard_engine::lookup::Lookups>>,
    parking: std::sync::OnceLock<Arc<ParkingLot>>,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics {
            inner: Mutex::default(),
            ready_max_lag: AtomicI64::new(DEFAULT_READY_MAX_LAG),
            reloads: Default::default(),
            lookups: Default::default(),
            parking: Default::default(),
        }
    }
}

impl Metrics {
    /// Empty metrics, not ready.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets how many records an assigned partition may lag behind and still count as caught
    /// up for `/health`.
    pub fn set_ready_max_lag(&self, max_lag: i64) {
        self.ready_max_lag.store(max_lag, Ordering::Relaxed);
    }

    /// Replaces the per-transform statistics of task `task` with its chain's latest.
    pub fn set_steps(&self, task: u32, steps: &[StepStats]) {
        let mut inner = self.lock();
        let info = inner.tasks.entry(task).or_default();
        info.steps.clear();
        info.steps.extend_from_slice(steps);
    }

    /// Counts a record task `task` consumed.
    pub fn task_consumed(&self, task: u32) {
        self.lock().tasks.entry(task).or_default().records_in += 1;
    }

    /// Counts an acknowledged output whose record timestamp is `timestamp_ms`: the time from
    /// the record's timestamp (for Debezium, when the change was captured) to now.
    pub fn observe_end_to_end(&self, timestamp_ms: i64) {
        if let Some(seconds) = end_to_end_seconds(timestamp_ms) {
            self.lock().end_to_end.observe(seconds);
        }
    }

    /// Counts a record the chain processed in `elapsed`, consumed by task `task` from `topic`:
    /// what [`Metrics::count`] (`records_in`), [`Metrics::task_consumed`] and
    /// [`Metrics::observe_latency`] count, under one lock.
    pub fn processed(&self, task: u32, topic: &str, elapsed: Duration) {
        let mut inner = self.lock();
        inner.count(topic, |c| c.records_in += 1);
        inner.tasks.entry(task).or_default().records_in += 1;
        inner.chain_latency.observe(elapsed.as_secs_f64());
    }

    /// Counts an output acknowledged by the broker on `topic`, whose record timestamp is
    /// `timestamp_ms`: what [`Metrics::count`] (`records_out`) and
    /// [`Metrics::observe_end_to_end`] count, under one lock.
    pub fn delivered(&self, topic: &str, timestamp_ms: Option<i64>) {
        let seconds = timestamp_ms.and_then(end_to_end_seconds);
        let mut inner = self.lock();
        inner.count(topic, |c| c.records_out += 1);
        if let Some(seconds) = seconds {
            inner.end_to_end.observe(seconds);
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Updates the counts of `topic`.
    pub fn count(&self, topic: &str, update: impl FnOnce(&mut TopicCounts)) {
        self.lock().count(topic, update);
    }

    /// The counts of `topic`.
    pub fn counts(&self, topic: &str) -> TopicCounts {
        self.lock().topics.get(topic).copied().unwrap_or_default()
    }

    /// Records one run of the chain.
    pub fn observe_latency(&self, elapsed: Duration) {
        self.lock().chain_latency.observe(elapsed.as_secs_f64());
    }

    /// Sets the consumer lag of a partition (from librdkafka's statistics).
    pub fn set_lag(&self, topic: &str, partition: i32, lag: i64) {
        self.lock().lag.insert((topic.to_string(), partition), lag);
    }

    /// Forgets the lag of partitions no longer assigned.
    pub fn retain_lag(&self, keep: impl Fn(&str, i32) -> bool) {
        self.lock().lag.retain(|(t, p), _| keep(t, *p));
    }

    /// Sets how many partitions the consumer of task `task` has assigned.
    pub fn set_assigned(&self, task: u32, partitions: usize) {
        self.lock().tasks.entry(task).or_default().assigned = partitions;
    }

    /// Counts a hot reload of the chain that succeeded or failed
    /// (`switchyard_reloads_total{result}`).
    pub fn reloaded(&self, ok: bool) {
        self.reloads[usize::from(!ok)].fetch_add(1, Ordering::Relaxed);
    }

    /// Whether the runner is ready: partitions are assigned, and the lag of each (from the
    /// consumer's statistics) is known and within the ready lag.
    pub fn is_ready(&self) -> bool {
        self.readiness().is_ok()
    }

    /// Ready, or why not.
    fn readiness(&self) -> Result<(), String> {
        let max = self.ready_max_lag.load(Ordering::Relaxed);
        let inner = self.lock();
        let assigned = inner.assigned();
        if assigned == 0 {
            return Err("no partitions assigned".into());
        }
        if inner.lag.len() < assigned {
            return Err(format!(
                "{assigned} partitions assigned, the lag of {} known so far",
                inner.lag.len()
            ));
        }
        match inner.lag.iter().find(|(_, lag)| **lag > max) {
            Some(((topic, partition), lag)) => Err(format!(
                "catching up: {topic}[{partition}] lags {lag} records (ready at {max} or fewer)"
            )),
            None => Ok(()),
        }
    }

    /// Reports the size of these lookup tables (`switchyard_lookup_entries{table}`,
    /// `switchyard_lookup_bytes{table}`); the first call wins.
    pub fn set_lookups(&self, lookups: Arc<switchyard_engine::lookup::Lookups>) {
        let _ = self.lookups.set(lookups);
    }

    /// Reports what this parking lot holds (`switchyard_parked_records{topic}`,
    /// `switchyard_parked_keys{topic}`, `switchyard_parked_oldest_age_seconds{topic}`); the
    /// first call wins.
    pub fn set_parking(&self, lot: Arc<ParkingLot>) {
        let _ = self.parking.set(lot);
    }

    /// The metrics in the OpenMetrics text format (which Prometheus scrapes), encoded by
    /// `prometheus-client` from a snapshot taken under the lock.
    pub fn render(&self) -> String {
        let inner = self.lock();
        let snapshot = Snapshot {
            topics: inner.topics.iter().map(|(t, c)| (t.clone(), *c)).collect(),
            chain_latency: inner.chain_latency.clone(),
            end_to_end: inner.end_to_end.clone(),
            steps: inner.steps(),
            lag: inner.lag.iter().map(|(k, v)| (k.clone(), *v)).collect(),
            tasks: inner
                .tasks
                .iter()
                .map(|(id, t)| (*id, t.records_in, t.assigned))
                .collect(),
            ready: false,
            reloads: [
                self.reloads[0].load(Ordering::Relaxed),
                self.reloads[1].load(Ordering::Relaxed),
            ],
            lookups: self.lookups.get().map(|l| l.sizes()).unwrap_or_default(),
            parked: self.parking.get().map(|l| l.by_topic()),
            now_ms: std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX)),
        };
        drop(inner);
        let snapshot = Snapshot {
            ready: self.is_ready(),
            ..snapshot
        };
        let mut registry = Registry::default();
        registry.register_collector(Box::new(snapshot));
        let mut out = String::new();
        // Encoding into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &registry);
        out
    }

    /// Serves `/metrics` and `/health` on `address` from background threads; returns the
    /// bound address (useful with port 0).
    ///
    /// Each connection is answered on a thread of its own, so scrapes are served concurrently
    /// and a client that is slow or never finishes its request holds up no other: a request
    /// must arrive within [`REQUEST_TIMEOUT`] and fit in [`MAX_REQUEST_BYTES`], and at most
    /// [`MAX_CONNECTIONS`] are served at once (more are closed at once). Written here rather
    /// than taken from `tiny_http`, which sets no read timeout (a burst of unfinished requests
    /// starved its thread pool when tried against the test below), or from `hyper`, which needs
    /// an async runtime the process does not otherwise have.
    pub fn serve(self: &Arc<Self>, address: &str) -> std::io::Result<SocketAddr> {
        let listener = TcpListener::bind(address)?;
        let bound = listener.local_addr()?;
        let metrics = Arc::clone(self);
        let open = Arc::new(AtomicUsize::new(0));
        std::thread::Builder::new()
            .name("switchyard-http".into())
            .spawn(move || {
                for stream in listener.incoming().flatten() {
                    if open.fetch_add(1, Ordering::AcqRel) >= MAX_CONNECTIONS {
                        open.fetch_sub(1, Ordering::AcqRel);
                        continue;
                    }
                    let (metrics, open) = (Arc::clone(&metrics), Arc::clone(&open));
                    let spawned = std::thread::Builder::new()
                        .name("switchyard-http-conn".into())
                        .spawn(move || {
                            if let Err(e) = metrics.respond(stream) {
                                tracing::debug!("metrics request: {e}");
                            }
                            open.fetch_sub(1, Ordering::AcqRel);
                        });
                    if let Err(e) = spawned {
                        tracing::debug!("metrics request: {e}");
                    }
                }
            })?;
        Ok(bound)
    }

    fn respond(&self, stream: TcpStream) -> std::io::Result<()> {
        stream.set_read_timeout(Some(REQUEST_TIMEOUT))?;
        let mut reader = BufReader::new(Read::take(stream.try_clone()?, MAX_REQUEST_BYTES));
        let mut request_line = String::new();
        reader.read_line(&mut request_line)?;
        // Skip the request headers.
        let mut line = String::new();
        while reader.read_line(&mut line)? > 2 {
            line.clear();
        }
        let path = request_line.split_whitespace().nth(1).unwrap_or("/");
        let (status, content_type, body) = match path {
            "/metrics" => (
                "200 OK",
                "application/openmetrics-text; version=1.0.0; charset=utf-8",
                self.render(),
            ),
            "/health" => match self.readiness() {
                Ok(()) => ("200 OK", "text/plain", "ready\n".to_string()),
                Err(why) => ("503 Service Unavailable", "text/plain", format!("{why}\n")),
            },
            _ => ("404 Not Found", "text/plain", "not found\n".to_string()),
        };
        let mut stream = stream;
        write!(
            stream,
            "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )?;
        stream.flush()
    }
}

/// How long a client may take to send its request.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(2);
/// The longest request (line and headers) read.
pub const MAX_REQUEST_BYTES: u64 = 8 * 1024;
/// Connections served at once.
pub const MAX_CONNECTIONS: usize = 32;

/// What one scrape reports, copied out of the shared state so that encoding holds no lock.
#[derive(Debug)]
struct Snapshot {
    topics: Vec<(String, TopicCounts)>,
    chain_latency: Histogram,
    end_to_end: Histogram,
    steps: Vec<StepStats>,
    lag: Vec<((String, i32), i64)>,
    /// Per task: its number, records consumed, partitions assigned.
    tasks: Vec<(u32, u64, usize)>,
    ready: bool,
    reloads: [u64; 2],
    lookups: Vec<(String, TableSize)>,
    /// What the parking lot holds, when the pipeline parks.
    parked: Option<Vec<TopicParked>>,
    /// The wall clock, in milliseconds since the epoch, for the age of parked records.
    now_ms: i64,
}

type Encoder<'a> = DescriptorEncoder<'a>;

/// A counter per label value.
fn counters(
    encoder: &mut Encoder<'_>,
    name: &str,
    help: &str,
    label: &str,
    values: impl Iterator<Item = (String, u64)>,
) -> std::fmt::Result {
    let mut metric = encoder.encode_descriptor(name, help, None, MetricType::Counter)?;
    for (value, n) in values {
        let labels = [(label, escape(&value))];
        ConstCounter::new(n).encode(metric.encode_family(&labels)?)?;
    }
    Ok(())
}

/// A gauge per label set.
fn gauges(
    encoder: &mut Encoder<'_>,
    name: &str,
    help: &str,
    values: impl Iterator<Item = (Vec<(&'static str, String)>, i64)>,
) -> std::fmt::Result {
    let mut metric = encoder.encode_descriptor(name, help, None, MetricType::Gauge)?;
    for (labels, n) in values {
        ConstGauge::new(n).encode(metric.encode_family(&labels)?)?;
    }
    Ok(())
}

impl Collector for Snapshot {
    fn encode(&self, mut encoder: DescriptorEncoder<'_>) -> std::fmt::Result {
        type Count = (&'static str, &'static str, fn(&TopicCounts) -> u64);
        let per_topic: [Count; 6] = [
            (
                "switchyard_records_in",
                "Records consumed, by input topic.",
                |c| c.records_in,
            ),
            (
                "switchyard_records_out",
                "Records produced and acknowledged, by output topic.",
                |c| c.records_out,
            ),
            (
                "switchyard_records_filtered",
                "Records a transform filtered out, by input topic.",
                |c| c.filtered,
            ),
            (
                "switchyard_records_failed",
                "Records that failed, by input topic.",
                |c| c.failed,
            ),
            (
                "switchyard_records_dead_lettered",
                "Failed records sent to the dead-letter topic, by input topic.",
                |c| c.dead_lettered,
            ),
            (
                "switchyard_records_parked",
                "Records parked (not handled yet, or behind a parked record of their key), by input topic.",
                |c| c.parked,
            ),
        ];
        for (name, help, get) in per_topic {
            counters(
                &mut encoder,
                name,
                help,
                "topic",
                self.topics.iter().map(|(t, c)| (t.clone(), get(c))),
            )?;
        }
        let mut metric = encoder.encode_descriptor(
            "switchyard_chain_duration_seconds",
            "Time to run the chain over one record.",
            None,
            MetricType::Histogram,
        )?;
        histogram(&mut metric, &self.chain_latency)?;
        let mut metric = encoder.encode_descriptor(
            "switchyard_transform_duration_seconds",
            "Time one transform (and its predicate) takes over one record.",
            None,
            MetricType::Histogram,
        )?;
        for step in &self.steps {
            let labels = [("transform", escape(&step.alias))];
            histogram(&mut metric.encode_family(&labels)?, &step.duration)?;
        }
        type StepCount = (&'static str, &'static str, fn(&StepStats) -> u64);
        let per_step: [StepCount; 3] = [
            (
                "switchyard_transform_records",
                "Records a transform was given.",
                |s| s.records,
            ),
            (
                "switchyard_transform_filtered",
                "Records a transform filtered out.",
                |s| s.filtered,
            ),
            (
                "switchyard_transform_failed",
                "Records a transform (or its predicate) failed on.",
                |s| s.failed,
            ),
        ];
        for (name, help, get) in per_step {
            counters(
                &mut encoder,
                name,
                help,
                "transform",
                self.steps.iter().map(|s| (s.alias.clone(), get(s))),
            )?;
        }
        let mut metric = encoder.encode_descriptor(
            "switchyard_end_to_end_latency_seconds",
            "From a record's timestamp to the acknowledgement of its output.",
            None,
            MetricType::Histogram,
        )?;
        histogram(&mut metric, &self.end_to_end)?;
        gauges(
            &mut encoder,
            "switchyard_consumer_lag",
            "Records between the committed offset and the end of the partition.",
            self.lag.iter().map(|((topic, partition), lag)| {
                (
                    vec![
                        ("topic", escape(topic)),
                        ("partition", partition.to_string()),
                    ],
                    *lag,
                )
            }),
        )?;
        counters(
            &mut encoder,
            "switchyard_task_records_in",
            "Records consumed, by task (tasks.max).",
            "task",
            self.tasks.iter().map(|(id, n, _)| (id.to_string(), *n)),
        )?;
        gauges(
            &mut encoder,
            "switchyard_task_assigned_partitions",
            "Partitions assigned to the consumer of each task.",
            self.tasks.iter().map(|(id, _, assigned)| {
                (
                    vec![("task", id.to_string())],
                    i64::try_from(*assigned).unwrap_or(i64::MAX),
                )
            }),
        )?;
        let ready = ConstGauge::new(i64::from(self.ready));
        ready.encode(encoder.encode_descriptor(
            "switchyard_ready",
            "Whether partitions are assigned and caught up.",
            None,
            MetricType::Gauge,
        )?)?;
        counters(
            &mut encoder,
            "switchyard_reloads",
            "Hot reloads of the chain, by result.",
            "result",
            [
                ("ok".to_string(), self.reloads[0]),
                ("failed".to_string(), self.reloads[1]),
            ]
            .into_iter(),
        )?;
        if !self.lookups.is_empty() {
            gauges(
                &mut encoder,
                "switchyard_lookup_entries",
                "Keys held by a lookup table.",
                self.lookups.iter().map(|(name, size)| {
                    (
                        vec![("table", escape(name))],
                        i64::try_from(size.entries).unwrap_or(i64::MAX),
                    )
                }),
            )?;
            gauges(
                &mut encoder,
                "switchyard_lookup_bytes",
                "Bytes of keys and values held by a lookup table (values as payload JSON text).",
                self.lookups.iter().map(|(name, size)| {
                    (
                        vec![("table", escape(name))],
                        i64::try_from(size.bytes).unwrap_or(i64::MAX),
                    )
                }),
            )?;
        }
        if let Some(parked) = &self.parked {
            type Parked = (&'static str, &'static str, fn(&TopicParked, i64) -> i64);
            let per_topic: [Parked; 3] = [
                (
                    "switchyard_parked_records",
                    "Records waiting in the parking lot, by input topic.",
                    |t, _| i64::try_from(t.records).unwrap_or(i64::MAX),
                ),
                (
                    "switchyard_parked_keys",
                    "Keys holding their records in the parking lot, by input topic.",
                    |t, _| i64::try_from(t.keys).unwrap_or(i64::MAX),
                ),
                (
                    "switchyard_parked_oldest_age_seconds",
                    "Age of the oldest parked record (from its timestamp), by input topic.",
                    |t, now| t.oldest_timestamp.map_or(0, |ts| (now - ts).max(0) / 1000),
                ),
            ];
            for (name, help, get) in per_topic {
                gauges(
                    &mut encoder,
                    name,
                    help,
                    parked
                        .iter()
                        .map(|t| (vec![("topic", escape(&t.topic))], get(t, self.now_ms))),
                )?;
            }
        }
        Ok(())
    }
}

/// Encodes one of the pipeline's histograms.
fn histogram(metric: &mut MetricEncoder<'_>, histogram: &Histogram) -> std::fmt::Result {
    metric.encode_histogram::<NoLabelSet>(
        histogram.sum(),
        histogram.count(),
        &histogram.buckets(),
        None,
    )
}

/// A label value with backslash, double quote and newline escaped, as the exposition formats
/// require: `prometheus-client` 0.24 writes label values as they are.
fn escape(label: &str) -> String {
    label
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counters_histogram_and_lag() {
        let m = Metrics::new();
        m.count("a", |c| c.records_in += 2);
        m.count("b", |c| c.records_out += 1);
        m.observe_latency(Duration::from_micros(30));
        m.set_lag("a", 1, 7);
        let text = m.render();
        assert!(
            text.contains("switchyard_records_in_total{topic=\"a\"} 2\n"),
            "{text}"
        );
        assert!(
            text.contains("switchyard_records_out_total{topic=\"b\"} 1\n"),
            "{text}"
        );
        assert!(
            text.contains("switchyard_chain_duration_seconds_bucket{le=\"0.00005\"} 1\n"),
            "{text}"
        );
        assert!(
            text.contains("switchyard_chain_duration_seconds_bucket{le=\"0.000025\"} 0\n"),
            "{text}"
        );
        assert!(text.contains("switchyard_consumer_lag{topic=\"a\",partition=\"1\"} 7\n"));
        assert!(text.contains("switchyard_ready 0\n"));
    }

    #[test]
    fn health_answers_503_until_ready() {
        let m = Arc::new(Metrics::new());
        let addr = m.serve("127.0.0.1:0").unwrap();
        let get = |path: &str| {
            let mut s = TcpStream::connect(addr).unwrap();
            write!(s, "GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
            let mut out = String::new();
            std::io::Read::read_to_string(&mut s, &mut out).unwrap();
            out
        };
        assert!(get("/health").contains("no partitions assigned"));
        m.set_assigned(0, 2);
        m.set_lag("a", 0, 0);
        let health = get("/health");
        assert!(health.starts_with("HTTP/1.1 503"), "{health}");
        assert!(health.contains("the lag of 1 known"), "{health}");
        m.set_lag("a", 1, 5000);
        let health = get("/health");
        assert!(health.contains("a[1] lags 5000 records"), "{health}");
        m.set_lag("a", 1, 1000);
        assert!(get("/health").starts_with("HTTP/1.1 200"));
        assert!(get("/metrics").contains("switchyard_ready 1"));
        m.set_ready_max_lag(10);
        assert!(get("/health").starts_with("HTTP/1.1 503"));
    }

    #[test]
    fn renders_per_transform_statistics_and_end_to_end_latency() {
        let m = Metrics::new();
        let mut step = StepStats::new("Route\"r");
        step.records = 3;
        step.filtered = 1;
        step.failed = 2;
        step.duration.observe(0.000_003);
        m.set_steps(0, &[step]);
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis() as i64;
        m.observe_end_to_end(now - 2_000);
        m.observe_end_to_end(0);
        let text = m.render();
        for line in [
            "switchyard_transform_records_total{transform=\"Route\\\"r\"} 3\n",
            "switchyard_transform_filtered_total{transform=\"Route\\\"r\"} 1\n",
            "switchyard_transform_failed_total{transform=\"Route\\\"r\"} 2\n",
            "switchyard_transform_duration_seconds_bucket{le=\"0.000005\",transform=\"Route\\\"r\"} 1\n",
            "switchyard_transform_duration_seconds_bucket{le=\"0.0000025\",transform=\"Route\\\"r\"} 0\n",
            "switchyard_transform_duration_seconds_count{transform=\"Route\\\"r\"} 1\n",
            "switchyard_end_to_end_latency_seconds_bucket{le=\"1.0\"} 0\n",
            "switchyard_end_to_end_latency_seconds_bucket{le=\"2.5\"} 1\n",
            "switchyard_end_to_end_latency_seconds_count 1\n",
        ] {
            assert!(text.contains(line), "{line}in\n{text}");
        }
    }

    #[test]
    fn tasks_add_up_and_report_their_own_partitions_and_records() {
        let m = Metrics::new();
        for task in [0, 1] {
            let mut step = StepStats::new("route");
            step.records = 2 + u64::from(task);
            step.duration.observe(0.000_003);
            m.set_steps(task, &[step]);
            m.set_assigned(task, 3);
        }
        m.task_consumed(1);
        let text = m.render();
        for line in [
            "switchyard_transform_records_total{transform=\"route\"} 5\n",
            "switchyard_transform_duration_seconds_count{transform=\"route\"} 2\n",
            "switchyard_task_assigned_partitions{task=\"0\"} 3\n",
            "switchyard_task_assigned_partitions{task=\"1\"} 3\n",
            "switchyard_task_records_in_total{task=\"0\"} 0\n",
            "switchyard_task_records_in_total{task=\"1\"} 1\n",
        ] {
            assert!(text.contains(line), "{line}in\n{text}");
        }
        // Six partitions are assigned in all, and the lag of none is known yet.
        let why = m.readiness().unwrap_err();
        assert!(why.contains("6 partitions assigned"), "{why}");
    }

    #[test]
    fn clients_that_never_finish_their_request_hold_up_no_other_scrape() {
        let m = Arc::new(Metrics::new());
        let addr = m.serve("127.0.0.1:0").unwrap();
        // Four connections with a request that never ends: a server that read one connection
        // at a time (2 s each before giving up) would answer the fifth after 8 s.
        let slow: Vec<TcpStream> = (0..4)
            .map(|_| {
                let mut s = TcpStream::connect(addr).unwrap();
                s.write_all(b"GET /metr").unwrap();
                s
            })
            .collect();
        let mut s = TcpStream::connect(addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(3))).unwrap();
        write!(
            s,
            "GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut out = String::new();
        std::io::Read::read_to_string(&mut s, &mut out).unwrap();
        assert!(out.contains("no partitions assigned"), "{out}");
        drop(slow);
    }
}
