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
    /// The transform does not know this event yet (a new table, an unknown Debezium `op`); a
    /// newer version may. The host parks the record when the pipeline has a parking lot, and
    /// otherwise treats it as a bad record (WIT 0.1.4).
    Unhandled(String),
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

    /// A record this transform cannot handle yet: the pipeline parks it for a later version
    /// of the transform, or fails it as a bad record when it has no parking lot.
    pub fn unhandled(message: impl Into<String>) -> Self {
        Error::Unhandled(message.into())
    }

    /// The message, whatever the kind.
    pub fn message(&self) -> &str {
        match self {
            Error::BadRecord(m) | Error::Broken(m) | Error::Transient(m) | Error::Unhandled(m) => m,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::BadRecord(m) => write!(f, "bad record: {m}"),
            Error::Broken(m) => write!(f, "broken: {m}"),
            Error::Transient(m) => write!(f, "transient: {m}"),
            Error::Unhandled(m) => write!(f, "not handled yet: {m}"),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_has_its_constructor_message_and_display() {
        for (error, kind, display) in [
            (
                Error::bad_record("m"),
                Error::BadRecord("m".into()),
                "bad record: m",
            ),
            (Error::broken("m"), Error::Broken("m".into()), "broken: m"),
            (
                Error::transient("m"),
                Error::Transient("m".into()),
                "transient: m",
            ),
            (
                Error::unhandled("m"),
                Error::Unhandled("m".into()),
                "not handled yet: m",
            ),
        ] {
            assert_eq!(error, kind);
            assert_eq!(error.message(), "m");
            assert_eq!(error.to_string(), display);
        }
    }
}
