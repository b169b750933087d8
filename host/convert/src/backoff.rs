//! The one retry schedule of the pipeline: Kafka Connect's jittered exponential backoff.
//!
//! Written here rather than taken from a backoff crate because the schedule must be Connect's
//! to the millisecond, and no crate implements it: `RetryWithToleranceOperator.backoff` waits
//! `300 << (attempt - 1)` ms, and once that exceeds `errors.retry.delay.max.ms` a uniformly
//! random time in `[0, max)` instead (not the capped doubling crates offer), never past the
//! retry deadline (`errors.retry.timeout`, forever when `-1`). The randomness is `fastrand`'s.

use std::time::{Duration, Instant};

/// Connect's first wait (`RetryWithToleranceOperator.RETRIES_DELAY_MIN_MS`).
pub const FIRST_WAIT: Duration = Duration::from_millis(300);

/// The waits between attempts of one operation, as Kafka Connect's
/// `RetryWithToleranceOperator` schedules them.
#[derive(Debug, Clone)]
pub struct Backoff {
    /// The longest wait before jitter replaces doubling (`errors.retry.delay.max.ms`).
    max: Duration,
    /// When retrying stops; `None` retries forever.
    deadline: Option<Instant>,
    /// Attempts that failed so far.
    failures: u32,
}

impl Backoff {
    /// The schedule of `errors.retry.timeout` (`None` retries forever) and
    /// `errors.retry.delay.max.ms`, starting now.
    pub fn new(timeout: Option<Duration>, max: Duration) -> Self {
        Backoff {
            max,
            deadline: timeout.map(|t| Instant::now() + t),
            failures: 0,
        }
    }

    /// The schedule without a deadline: for waiting out a service that is down (a schema
    /// registry), where the record must wait rather than fail.
    pub fn unbounded(max: Duration) -> Self {
        Backoff {
            max,
            deadline: None,
            failures: 0,
        }
    }

    /// Counts a failed attempt and says how long to wait before the next one, or `None` when
    /// the deadline has passed and the failure is final.
    pub fn next_wait(&mut self) -> Option<Duration> {
        self.failures = self.failures.saturating_add(1);
        let now = Instant::now();
        if self.deadline.is_some_and(|d| now >= d) {
            return None;
        }
        let doubled = FIRST_WAIT.saturating_mul(1u32 << (self.failures - 1).min(20));
        let mut wait = if doubled > self.max {
            let max_ms = u64::try_from(self.max.as_millis()).unwrap_or(u64::MAX);
            Duration::from_millis(if max_ms == 0 {
                0
            } else {
                fastrand::u64(0..max_ms)
            })
        } else {
            doubled
        };
        if let Some(d) = self.deadline {
            wait = wait.min(d - now);
        }
        Some(wait)
    }

    /// Failed attempts so far.
    pub fn failures(&self) -> u32 {
        self.failures
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(timeout_ms: Option<u64>, max_ms: u64) -> Backoff {
        Backoff::new(
            timeout_ms.map(Duration::from_millis),
            Duration::from_millis(max_ms),
        )
    }

    #[test]
    fn doubles_from_300_ms_then_jitters_below_the_maximum() {
        let mut b = policy(None, 5_000);
        let waits: Vec<u128> = (0..5).map(|_| b.next_wait().unwrap().as_millis()).collect();
        assert_eq!(&waits[..5], &[300, 600, 1200, 2400, 4800]);
        for _ in 0..50 {
            let w = b.next_wait().unwrap();
            assert!(w < Duration::from_millis(5_000), "{w:?}");
        }
        assert_eq!(b.failures(), 55);
    }

    #[test]
    fn the_default_timeout_allows_no_retry() {
        let mut b = policy(Some(0), 60_000);
        assert_eq!(b.next_wait(), None);
    }

    #[test]
    fn waits_never_pass_the_deadline() {
        let mut b = policy(Some(100), 60_000);
        let w = b.next_wait().unwrap();
        assert!(w <= Duration::from_millis(100), "{w:?}");
    }

    #[test]
    fn a_zero_maximum_retries_at_once() {
        let mut b = Backoff::unbounded(Duration::ZERO);
        assert_eq!(b.next_wait(), Some(Duration::ZERO));
        assert_eq!(b.next_wait(), Some(Duration::ZERO));
    }
}
