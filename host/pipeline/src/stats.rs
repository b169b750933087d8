//! What each step of a chain did: records seen, filtered and failed, and a histogram of the
//! time it took, kept by the chain and exported by `switchyard run`'s metrics.

/// Upper bounds of the chain's and the transforms' latency buckets, in seconds.
pub const LATENCY_BUCKETS: &[f64] = &[
    0.000_001,
    0.000_002_5,
    0.000_005,
    0.000_01,
    0.000_025,
    0.000_05,
    0.000_1,
    0.000_25,
    0.000_5,
    0.001,
    0.002_5,
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    1.0,
];

/// A Prometheus histogram: cumulative counts rendered from per-bucket counts.
#[derive(Debug, Clone, PartialEq)]
pub struct Histogram {
    bounds: &'static [f64],
    buckets: Vec<u64>,
    count: u64,
    sum: f64,
}

impl Histogram {
    /// An empty histogram with these bucket upper bounds (ascending, in seconds).
    pub fn new(bounds: &'static [f64]) -> Self {
        Histogram {
            bounds,
            buckets: vec![0; bounds.len()],
            count: 0,
            sum: 0.0,
        }
    }

    /// Counts one observation.
    pub fn observe(&mut self, seconds: f64) {
        if let Some(i) = self.bounds.iter().position(|&b| seconds <= b) {
            self.buckets[i] += 1;
        }
        self.count += 1;
        self.sum += seconds;
    }

    /// Adds the observations of `other`, which has the same bounds (the same step in another
    /// task); a histogram with other bounds is left out.
    pub fn merge(&mut self, other: &Histogram) {
        if !std::ptr::eq(self.bounds, other.bounds) && self.bounds != other.bounds {
            return;
        }
        for (mine, theirs) in self.buckets.iter_mut().zip(&other.buckets) {
            *mine += theirs;
        }
        self.count += other.count;
        self.sum += other.sum;
    }

    /// How many observations were counted.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// The observations per bucket (not cumulative), each with its upper bound, the last
    /// bound `f64::MAX` (`+Inf`) holding those above every bound.
    pub fn buckets(&self) -> Vec<(f64, u64)> {
        let counted: u64 = self.buckets.iter().sum();
        self.bounds
            .iter()
            .copied()
            .zip(self.buckets.iter().copied())
            .chain(std::iter::once((f64::MAX, self.count - counted)))
            .collect()
    }

    /// The sum of the observations, in seconds.
    pub fn sum(&self) -> f64 {
        self.sum
    }
}

/// What one step of the chain did: the records it saw, filtered and failed, and how long it
/// took (its predicate included).
#[derive(Debug, Clone, PartialEq)]
pub struct StepStats {
    /// The step's alias.
    pub alias: String,
    /// Records the step was given.
    pub records: u64,
    /// Records it filtered out.
    pub filtered: u64,
    /// Records it failed on (the transform or its predicate).
    pub failed: u64,
    /// Time per record.
    pub duration: Histogram,
}

impl StepStats {
    /// Adds what the same step did in another task.
    pub fn merge(&mut self, other: &StepStats) {
        self.records += other.records;
        self.filtered += other.filtered;
        self.failed += other.failed;
        self.duration.merge(&other.duration);
    }

    /// Empty statistics of the step `alias`.
    pub fn new(alias: &str) -> Self {
        StepStats {
            alias: alias.to_string(),
            records: 0,
            filtered: 0,
            failed: 0,
            duration: Histogram::new(LATENCY_BUCKETS),
        }
    }
}
