//! `org.apache.kafka.connect.transforms.DropHeaders` as a Switchyard transform: removes every
//! header whose key is one of `headers`.
//!
//! | key | type | default |
//! |---|---|---|
//! | `headers` | LIST, not empty | required |
//!
//! Keys match exactly (case matters); every header with a listed key goes, the others keep their
//! order. Key and value are never decoded.

use std::collections::BTreeSet;

use connect_util::shape::non_empty_list;
use switchyard_sdk::prelude::*;

/// The transform, with the header keys to drop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DropHeaders {
    headers: BTreeSet<String>,
}

impl DropHeaders {
    /// Reads the configuration (`DropHeaders.CONFIG_DEF`): `headers` must list at least one key
    /// (`Empty list`).
    pub fn from_config(config: &Config) -> Result<Self, ConfigError> {
        Ok(DropHeaders {
            headers: non_empty_list(config, "headers")?.into_iter().collect(),
        })
    }
}

impl Transform for DropHeaders {
    fn configure(ctx: &Context) -> Result<Self, ConfigError> {
        DropHeaders::from_config(ctx.config())
    }

    fn apply(&self, mut record: Record) -> Result<Output, Error> {
        for key in &self.headers {
            record.remove_headers(key);
        }
        Ok(Output::One(record))
    }
}

switchyard_sdk::export_transform!(DropHeaders);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_rejects_an_empty_list() {
        let config = |v: &str| DropHeaders::from_config(&[("headers", v)].into_iter().collect());
        assert_eq!(config(""), Err(ConfigError::new("headers", "Empty list")));
        assert_eq!(
            DropHeaders::from_config(&Config::default()),
            Err(ConfigError::missing("headers"))
        );
        let t = config("a, b,a").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(t.headers.len(), 2);
    }
}
