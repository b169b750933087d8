//! `org.apache.kafka.connect.transforms.Filter` as a Switchyard transform: drops every record it
//! is applied to.
//!
//! It has no configuration. On its own it drops everything; it is meant to run under a
//! predicate, as in Kafka:
//!
//! ```toml
//! [[transforms]]
//! alias = "dropTombstones"
//! class = "org.apache.kafka.connect.transforms.Filter"
//! predicate = "isTombstone"
//! ```

use switchyard_sdk::prelude::*;

/// The transform (`Filter.apply` returns `null`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Filter;

impl Transform for Filter {
    fn configure(_ctx: &Context) -> Result<Self, ConfigError> {
        Ok(Filter)
    }

    fn apply(&self, _record: Record) -> Result<Output, Error> {
        Ok(Output::Drop)
    }
}

switchyard_sdk::export_transform!(Filter);
