//! `org.apache.kafka.connect.transforms.predicates.HasHeaderKey` as a Switchyard predicate.
//!
//! True for a record with at least one header whose key is exactly `name`.
//!
//! | key | type | default |
//! |---|---|---|
//! | `name` | STRING, non-empty | required |

use switchyard_sdk::prelude::*;

/// The predicate, configured with the header key to look for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HasHeaderKey {
    name: String,
}

impl HasHeaderKey {
    /// Reads the configuration (`HasHeaderKey.CONFIG_DEF`): `name` must be present and not empty
    /// (`String must be non-empty`).
    pub fn from_config(config: &Config) -> Result<Self, ConfigError> {
        Ok(HasHeaderKey {
            name: config.non_empty_string("name")?,
        })
    }
}

impl Predicate for HasHeaderKey {
    fn configure(ctx: &Context) -> Result<Self, ConfigError> {
        HasHeaderKey::from_config(ctx.config())
    }

    /// `record.headers().allWithName(name).hasNext()` (`HasHeaderKey.test`).
    fn test(&self, record: &Record) -> Result<bool, Error> {
        Ok(record.has_header(&self.name))
    }
}

switchyard_sdk::export_predicate!(HasHeaderKey);

#[cfg(test)]
mod tests {
    use super::*;

    fn configure(entries: &[(&str, &str)]) -> Result<HasHeaderKey, ConfigError> {
        HasHeaderKey::from_config(&entries.iter().copied().collect())
    }

    #[test]
    fn name_is_read_and_trimmed() {
        assert_eq!(
            configure(&[("name", " foo ")]),
            Ok(HasHeaderKey {
                name: "foo".to_owned()
            })
        );
    }

    /// `HasHeaderKeyTest`: `name=""` → `String must be non-empty`.
    #[test]
    fn empty_name_is_rejected() {
        assert_eq!(
            configure(&[("name", "")]),
            Err(ConfigError::new("name", "String must be non-empty"))
        );
    }

    #[test]
    fn missing_name_is_rejected() {
        assert_eq!(configure(&[]), Err(ConfigError::missing("name")));
    }
}
