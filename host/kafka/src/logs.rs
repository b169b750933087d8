//! Client errors logged without flooding the log: while a broker is down, librdkafka reports
//! the same error many times a second (`AllBrokersDown`, a failed connection, a failed fetch),
//! each a line. A line of one kind is written at most once per [`QUIET`], and the next one says
//! how many were held back in between.
//!
//! Written by hand: `tracing` has no rate limit of its own, and the few lines here are simpler
//! than a layer over every event.

use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};
use std::time::{Duration, Instant};

use rdkafka::config::RDKafkaLogLevel;
use rdkafka::error::KafkaError;

/// How long a kind of line stays quiet after it was written.
pub(crate) const QUIET: Duration = Duration::from_secs(10);

/// Kinds of lines remembered at most; past it, the memory starts again.
const KINDS: usize = 1024;

/// When each kind of line was last written, and how many were held back since.
#[derive(Debug, Default)]
pub(crate) struct Throttle {
    kinds: Mutex<HashMap<String, (Instant, u64)>>,
}

impl Throttle {
    /// Whether a line of `kind` is written at `now`: `Some(n)` with the number of lines of
    /// its kind held back since the last one written, `None` to hold it back.
    pub(crate) fn admit(&self, kind: &str, now: Instant) -> Option<u64> {
        let mut kinds = self.kinds.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((last, held)) = kinds.get_mut(kind) {
            if now.saturating_duration_since(*last) < QUIET {
                *held += 1;
                return None;
            }
            *last = now;
            return Some(std::mem::take(held));
        }
        if kinds.len() >= KINDS {
            kinds.clear();
        }
        kinds.insert(kind.to_owned(), (now, 0));
        Some(0)
    }
}

/// The throttle of every client of the process.
static THROTTLE: LazyLock<Throttle> = LazyLock::new(Throttle::default);

/// ` (N more like it held back)` for `held` lines, or nothing.
fn held_back(held: u64) -> String {
    match held {
        0 => String::new(),
        n => format!(
            " ({n} more like it in the last {}s not shown)",
            QUIET.as_secs()
        ),
    }
}

/// Logs a warning of `kind` unless one of its kind was written within [`QUIET`].
pub(crate) fn warn(kind: &str, message: impl std::fmt::Display) {
    if let Some(held) = THROTTLE.admit(kind, Instant::now()) {
        tracing::warn!("{message}{}", held_back(held));
    }
}

/// An error the consumer's poll returned, throttled by its error code.
pub(crate) fn consumer_error(error: &KafkaError) {
    warn(
        &format!("consumer {:?}", error.rdkafka_error_code()),
        format!("consumer: {error}"),
    );
}

/// A client's global error (`ClientContext::error`), throttled by its error code.
pub(crate) fn client_error(error: &KafkaError, reason: &str) {
    let kind = format!("error {:?}", error.rdkafka_error_code());
    if let Some(held) = THROTTLE.admit(&kind, Instant::now()) {
        tracing::error!("librdkafka: {error}: {reason}{}", held_back(held));
    }
}

/// A librdkafka log line (`ClientContext::log`): warnings and worse are throttled by their
/// facility (`FAIL`, `BROKERFAIL`, …); the rest go to `debug`.
pub(crate) fn client_log(level: RDKafkaLogLevel, facility: &str, message: &str) {
    use RDKafkaLogLevel::*;
    match level {
        Emerg | Alert | Critical | Error | Warning => {
            if let Some(held) = THROTTLE.admit(&format!("log {facility}"), Instant::now()) {
                let held = held_back(held);
                if matches!(level, Warning) {
                    tracing::warn!("librdkafka: {facility}: {message}{held}");
                } else {
                    tracing::error!("librdkafka: {facility}: {message}{held}");
                }
            }
        }
        Notice | Info => tracing::info!("librdkafka: {facility}: {message}"),
        Debug => tracing::debug!("librdkafka: {facility}: {message}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kind_is_written_once_per_quiet_period_with_what_was_held_back() {
        let throttle = Throttle::default();
        let start = Instant::now();
        assert_eq!(throttle.admit("down", start), Some(0));
        for i in 1..=49 {
            let at = start + QUIET * i / 50;
            assert_eq!(throttle.admit("down", at), None);
        }
        // Another kind is not held back by the first.
        assert_eq!(throttle.admit("refused", start), Some(0));
        assert_eq!(throttle.admit("down", start + QUIET), Some(49));
        assert_eq!(throttle.admit("down", start + QUIET * 2), Some(0));
    }
}
