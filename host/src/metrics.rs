//! What `switchyard run` exposes over HTTP: `/metrics` in the Prometheus text format (records
//! in, out, filtered, failed and dead-lettered per topic, the chain's latency histogram, the
//! consumer lag per partition) and `/health` (200 once partitions are assigned, 503 before).
//!
//! The server is a plain thread on a `std::net::TcpListener`: scrapes are rare and small, and
//! it keeps an async runtime out of the process.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

/// Upper bounds of the latency histogram's buckets, in seconds.
const LATENCY_BUCKETS: &[f64] = &[
    0.000_01, 0.000_025, 0.000_05, 0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025,
    0.05, 0.1, 0.25, 0.5, 1.0,
];

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
}

#[derive(Debug, Default)]
struct Inner {
    topics: BTreeMap<String, TopicCounts>,
    latency_buckets: Vec<u64>,
    latency_count: u64,
    latency_sum: f64,
    lag: BTreeMap<(String, i32), i64>,
}

/// The runner's metrics, shared between the processing thread, client callbacks and the HTTP
/// server.
#[derive(Debug, Default)]
pub struct Metrics {
    inner: Mutex<Inner>,
    ready: AtomicBool,
    reloads: [std::sync::atomic::AtomicU64; 2],
    lookups: std::sync::OnceLock<Arc<crate::lookup::Lookups>>,
}

impl Metrics {
    /// Empty metrics, not ready.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Updates the counts of `topic`.
    pub fn count(&self, topic: &str, update: impl FnOnce(&mut TopicCounts)) {
        let mut inner = self.lock();
        match inner.topics.get_mut(topic) {
            Some(counts) => update(counts),
            None => update(inner.topics.entry(topic.to_string()).or_default()),
        }
    }

    /// The counts of `topic`.
    pub fn counts(&self, topic: &str) -> TopicCounts {
        self.lock().topics.get(topic).copied().unwrap_or_default()
    }

    /// Records one run of the chain.
    pub fn observe_latency(&self, elapsed: Duration) {
        let seconds = elapsed.as_secs_f64();
        let mut inner = self.lock();
        if inner.latency_buckets.is_empty() {
            inner.latency_buckets = vec![0; LATENCY_BUCKETS.len()];
        }
        if let Some(i) = LATENCY_BUCKETS.iter().position(|&b| seconds <= b) {
            inner.latency_buckets[i] += 1;
        }
        inner.latency_count += 1;
        inner.latency_sum += seconds;
    }

    /// Sets the consumer lag of a partition (from librdkafka's statistics).
    pub fn set_lag(&self, topic: &str, partition: i32, lag: i64) {
        self.lock().lag.insert((topic.to_string(), partition), lag);
    }

    /// Forgets the lag of partitions no longer assigned.
    pub fn retain_lag(&self, keep: impl Fn(&str, i32) -> bool) {
        self.lock().lag.retain(|(t, p), _| keep(t, *p));
    }

    /// Marks the runner ready (partitions assigned) or not.
    pub fn set_ready(&self, ready: bool) {
        self.ready.store(ready, Ordering::Relaxed);
    }

    /// Counts a hot reload of the chain that succeeded or failed
    /// (`switchyard_reloads_total{result}`).
    pub fn reloaded(&self, ok: bool) {
        self.reloads[usize::from(!ok)].fetch_add(1, Ordering::Relaxed);
    }

    /// Whether the runner is ready.
    pub fn is_ready(&self) -> bool {
        self.ready.load(Ordering::Relaxed)
    }

    /// Reports the size of these lookup tables (`switchyard_lookup_entries{table}`,
    /// `switchyard_lookup_bytes{table}`); the first call wins.
    pub fn set_lookups(&self, lookups: Arc<crate::lookup::Lookups>) {
        let _ = self.lookups.set(lookups);
    }

    /// The metrics in the Prometheus text exposition format.
    pub fn render(&self) -> String {
        let inner = self.lock();
        let mut out = String::new();
        type Counter = (&'static str, &'static str, fn(&TopicCounts) -> u64);
        let counters: [Counter; 5] = [
            (
                "switchyard_records_in_total",
                "Records consumed, by input topic.",
                |c| c.records_in,
            ),
            (
                "switchyard_records_out_total",
                "Records produced and acknowledged, by output topic.",
                |c| c.records_out,
            ),
            (
                "switchyard_records_filtered_total",
                "Records a transform filtered out, by input topic.",
                |c| c.filtered,
            ),
            (
                "switchyard_records_failed_total",
                "Records that failed, by input topic.",
                |c| c.failed,
            ),
            (
                "switchyard_records_dead_lettered_total",
                "Failed records sent to the dead-letter topic, by input topic.",
                |c| c.dead_lettered,
            ),
        ];
        for (name, help, get) in counters {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} counter");
            for (topic, counts) in &inner.topics {
                let _ = writeln!(out, "{name}{{topic=\"{}\"}} {}", escape(topic), get(counts));
            }
        }
        let name = "switchyard_transform_duration_seconds";
        let _ = writeln!(
            out,
            "# HELP {name} Time to run the chain over one record.\n# TYPE {name} histogram"
        );
        let mut cumulative = 0;
        for (i, bound) in LATENCY_BUCKETS.iter().enumerate() {
            cumulative += inner.latency_buckets.get(i).copied().unwrap_or(0);
            let _ = writeln!(out, "{name}_bucket{{le=\"{bound}\"}} {cumulative}");
        }
        let _ = writeln!(
            out,
            "{name}_bucket{{le=\"+Inf\"}} {}\n{name}_sum {}\n{name}_count {}",
            inner.latency_count, inner.latency_sum, inner.latency_count
        );
        let name = "switchyard_consumer_lag";
        let _ = writeln!(
            out,
            "# HELP {name} Records between the committed offset and the end of the partition.\n# TYPE {name} gauge"
        );
        for ((topic, partition), lag) in &inner.lag {
            let _ = writeln!(
                out,
                "{name}{{topic=\"{}\",partition=\"{partition}\"}} {lag}",
                escape(topic)
            );
        }
        let _ = writeln!(
            out,
            "# HELP switchyard_ready Whether partitions are assigned.\n# TYPE switchyard_ready gauge\nswitchyard_ready {}",
            u8::from(self.is_ready())
        );
        let _ = writeln!(
            out,
            "# HELP switchyard_reloads_total Hot reloads of the chain, by result.\n# TYPE switchyard_reloads_total counter\nswitchyard_reloads_total{{result=\"ok\"}} {}\nswitchyard_reloads_total{{result=\"failed\"}} {}",
            self.reloads[0].load(Ordering::Relaxed),
            self.reloads[1].load(Ordering::Relaxed)
        );
        if let Some(lookups) = self.lookups.get() {
            lookups.render_metrics(&mut out);
        }
        out
    }

    /// Serves `/metrics` and `/health` on `address` from a background thread; returns the
    /// bound address (useful with port 0).
    pub fn serve(self: &Arc<Self>, address: &str) -> std::io::Result<SocketAddr> {
        let listener = TcpListener::bind(address)?;
        let bound = listener.local_addr()?;
        let metrics = Arc::clone(self);
        std::thread::Builder::new()
            .name("switchyard-http".into())
            .spawn(move || {
                for stream in listener.incoming().flatten() {
                    if let Err(e) = metrics.respond(stream) {
                        tracing::debug!("metrics request: {e}");
                    }
                }
            })?;
        Ok(bound)
    }

    fn respond(&self, stream: TcpStream) -> std::io::Result<()> {
        stream.set_read_timeout(Some(Duration::from_secs(2)))?;
        let mut reader = BufReader::new(stream.try_clone()?);
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
                "text/plain; version=0.0.4; charset=utf-8",
                self.render(),
            ),
            "/health" if self.is_ready() => ("200 OK", "text/plain", "ready\n".to_string()),
            "/health" => (
                "503 Service Unavailable",
                "text/plain",
                "no partitions assigned\n".to_string(),
            ),
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
            text.contains("switchyard_transform_duration_seconds_bucket{le=\"0.00005\"} 1\n"),
            "{text}"
        );
        assert!(
            text.contains("switchyard_transform_duration_seconds_bucket{le=\"0.000025\"} 0\n"),
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
        assert!(get("/health").starts_with("HTTP/1.1 503"));
        m.set_ready(true);
        assert!(get("/health").starts_with("HTTP/1.1 200"));
        assert!(get("/metrics").contains("switchyard_ready 1"));
    }
}
