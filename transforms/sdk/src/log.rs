//! Log lines written to the host's log, attributed to the step's alias.
//!
//! Kafka's transforms log through SLF4J; a Switchyard transform logs through the host, which
//! decides what reaches the output (`tracing` levels). Logging is a call to the host: avoid it
//! on every record.

pub use crate::__bindings::host::Level;

/// Writes one line at `level`.
pub fn write(level: Level, message: &str) {
    crate::__bindings::host::log(level, message)
}

/// Writes one line at `trace` level.
pub fn trace(message: &str) {
    write(Level::Trace, message)
}

/// Writes one line at `debug` level.
pub fn debug(message: &str) {
    write(Level::Debug, message)
}

/// Writes one line at `info` level.
pub fn info(message: &str) {
    write(Level::Info, message)
}

/// Writes one line at `warn` level.
pub fn warn(message: &str) {
    write(Level::Warn, message)
}

/// Writes one line at `error` level.
pub fn error(message: &str) {
    write(Level::Error, message)
}
