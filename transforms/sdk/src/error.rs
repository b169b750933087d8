//! The two kinds of failure a transform reports: a configuration it cannot run with
//! ([`ConfigError`]) and a record it could not process ([`Error`]).

use std::fmt;

use crate::record::DataError;

/// A configuration the transform cannot run with: Kafka's `ConfigException`.
///
/// The host stops with exit status 2 and prints `key` and `message`. Keep `message` to what
/// Kafka's own transform says (e.g. `String must be non-empty`), without the key: the host
/// names the key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// The configuration key at fault, without the `transforms.<alias>.` prefix.
    pub key: String,
    /// What was expected.
    pub message: String,
}

impl ConfigError {
    /// An error for `key` with `message`.
    pub fn new(key: impl Into<String>, message: impl Into<String>) -> Self {
        ConfigError {
            key: key.into(),
            message: message.into(),
        }
    }

    /// A required key that is absent, in the words of Kafka's `ConfigDef`:
    /// `Missing required configuration "x" which has no default value.`
    pub fn missing(key: impl Into<String>) -> Self {
        let key = key.into();
        let message =
            format!("Missing required configuration \"{key}\" which has no default value.");
        ConfigError { key, message }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.key, self.message)
    }
}

impl std::error::Error for ConfigError {}

/// Why a transform or predicate failed on one record; the variant tells the host what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// The record cannot be transformed (wrong shape, missing field, undecodable bytes). The host
    /// applies `errors.tolerance`: it stops, skips the record or dead-letters it.
    BadRecord(String),
    /// The transform itself is broken and cannot go on; the host stops the pipeline.
    Broken(String),
    /// A temporary failure; the host retries the record within `errors.retry.timeout`.
    Transient(String),
}

impl Error {
    /// A record this transform cannot process (Kafka's `DataException`).
    pub fn bad_record(message: impl Into<String>) -> Self {
        Error::BadRecord(message.into())
    }

    /// A failure of the transform itself: the pipeline stops.
    pub fn broken(message: impl Into<String>) -> Self {
        Error::Broken(message.into())
    }

    /// A failure worth retrying (Kafka's `RetriableException`).
    pub fn transient(message: impl Into<String>) -> Self {
        Error::Transient(message.into())
    }

    /// The message, whatever the kind.
    pub fn message(&self) -> &str {
        match self {
            Error::BadRecord(m) | Error::Broken(m) | Error::Transient(m) => m,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::BadRecord(m) => write!(f, "bad record: {m}"),
            Error::Broken(m) => write!(f, "broken: {m}"),
            Error::Transient(m) => write!(f, "transient: {m}"),
        }
    }
}

impl std::error::Error for Error {}

/// A failed operation on the record's data makes the record bad: the data did not have the
/// shape the transform needs, or its bytes could not be decoded.
impl From<DataError> for Error {
    fn from(e: DataError) -> Self {
        Error::BadRecord(crate::record::describe(&e))
    }
}
