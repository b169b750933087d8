//! A predicate built with the SDK (WIT 0.1.4) that knows only some topics: true for a record of
//! a topic listed in `known.topics` (comma-separated), and `unhandled` for any other, as a
//! predicate that does not know a new table yet answers. The host's tests use it to check that
//! a predicate's `unhandled` parks the record as a transform's does.

use switchyard_sdk::prelude::*;

/// The predicate: the topics it knows.
pub struct UnknownTopic {
    known: Vec<String>,
}

impl Predicate for UnknownTopic {
    fn configure(ctx: &Context) -> Result<Self, ConfigError> {
        let known = ctx
            .config()
            .string("known.topics")?
            .split(',')
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty())
            .collect();
        Ok(UnknownTopic { known })
    }

    fn test(&self, record: &Record) -> Result<bool, Error> {
        let topic = record.topic();
        if self.known.contains(&topic) {
            Ok(true)
        } else {
            Err(Error::unhandled(format!("no rule for topic {topic} yet")))
        }
    }
}

switchyard_sdk::export_predicate!(UnknownTopic);
