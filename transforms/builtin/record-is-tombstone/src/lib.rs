//! `org.apache.kafka.connect.transforms.predicates.RecordIsTombstone` as a Switchyard predicate.
//!
//! True for a record whose value is null (a tombstone), whatever the schema; the key is not
//! looked at. It takes no configuration.
//!
//! The smallest complete example of a predicate: one `impl Predicate`, one
//! `export_predicate!`.

use switchyard_sdk::prelude::*;

/// The predicate; it has no state.
pub struct RecordIsTombstone;

impl Predicate for RecordIsTombstone {
    fn configure(_ctx: &Context) -> Result<Self, ConfigError> {
        Ok(RecordIsTombstone)
    }

    /// `record.value() == null` (`RecordIsTombstone.test`).
    fn test(&self, record: &Record) -> Result<bool, Error> {
        Ok(record.value().is_null()?)
    }
}

switchyard_sdk::export_predicate!(RecordIsTombstone);
