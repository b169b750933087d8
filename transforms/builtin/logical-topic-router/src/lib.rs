//! `io.debezium.transforms.ToLogicalTopicRouter` and its deprecated predecessor
//! `io.debezium.transforms.ByLogicalTableRouter` as one Switchyard transform: sends the change
//! events of several physical tables (shards) to one logical topic, and keeps their keys unique
//! by adding a field that names the source.
//!
//! | key | type | default |
//! |---|---|---|
//! | `topic.regex` | Java regex, matched against the whole topic | required |
//! | `topic.replacement` | Java replacement (`$1`, `${name}`) | required, non-empty |
//! | `key.enforce.uniqueness` | BOOLEAN: add the source field to the key | `true` |
//! | `key.field.name` | STRING | `__dbz__sourceIdentifier` (`ToLogicalTopicRouter`), `__dbz__physicalTableIdentifier` (`ByLogicalTableRouter`) |
//! | `key.field.regex` | Java regex over the original topic | none |
//! | `key.field.replacement` | Java replacement; required when `key.field.regex` is set | none |
//! | `schema.name.adjustment.mode` | `none`, `avro`, `avro_unicode` | `none` |
//! | `logical.destination.cache.size` (`logical.table.cache.size` for `ByLogicalTableRouter`) | INT | `16` (accepted; the port caches nothing) |
//!
//! Per record, as upstream: a topic that does not match `topic.regex` leaves the record as it
//! is; a replacement that yields an empty topic too (with a warning). Otherwise the topic
//! changes and:
//! * a non-null key (a struct) gets the schema name `<new topic>.Key` and, with
//!   `key.enforce.uniqueness`, a required string field `key.field.name` holding the original
//!   topic — or, with `key.field.regex` matching it, the regex's replacement of it; null
//!   fields with a default take it (the key is copied with `Struct.get`);
//! * a tombstone or a value that is not a Debezium envelope (heartbeats, schema changes) keeps
//!   its value;
//! * an envelope is renamed `<new topic>.Envelope`, and its `before` / `after` row schemas
//!   `<new topic>.Value` (the rows copied with `Struct.get`, so null columns with a default take
//!   it).
//!
//! Every name is adjusted by `schema.name.adjustment.mode`. The data never passes through the
//! guest: schemas are renamed with the host's `rename-schema`, the key field added with `put`.
//!
//! Differences from upstream: a `topic.replacement` or `key.field.replacement` referring to a
//! group the regex does not have is a configuration error (Debezium fails on each record), and
//! a configuration error names the key and the problem where Debezium logs that and throws
//! `Unable to validate config.`.

use debezium_support::config::{enumerated, field_invalid};
use debezium_support::envelope::{AFTER, BEFORE, is_envelope};
use debezium_support::java::{class_name, require_struct_message};
use debezium_support::names::{Adjustment, MODES};
use debezium_support::regex::Rewrite;
use debezium_support::schema::{default_scalar, plain};
use switchyard_sdk::log;
use switchyard_sdk::prelude::*;

/// The deprecated class, whose `key.field.name` default differs.
pub const BY_LOGICAL_TABLE_ROUTER: &str = "io.debezium.transforms.ByLogicalTableRouter";

/// The transform, configured.
#[derive(Debug, Clone)]
pub struct LogicalTopicRouter {
    topic: Rewrite,
    key_enforce_uniqueness: bool,
    key_field_name: String,
    key_field: Option<Rewrite>,
    adjustment: Adjustment,
}

impl LogicalTopicRouter {
    /// Reads the configuration of `class` (`ToLogicalTopicRouter.configure`).
    pub fn from_config(class: &str, config: &Config) -> Result<Self, ConfigError> {
        let required = |key: &str| match config.raw(key) {
            Some(v) if !v.trim().is_empty() => Ok(v.to_owned()),
            _ => Err(field_invalid(key, "null", "A value is required")),
        };
        let topic_regex = required("topic.regex")?;
        let topic_replacement = required("topic.replacement")?;
        let topic = Rewrite::new(
            "topic.regex",
            &topic_regex,
            "topic.replacement",
            &topic_replacement,
        )?;
        let key_enforce_uniqueness = config.boolean_or("key.enforce.uniqueness", true)?;
        let key_field = match config
            .optional_string("key.field.regex")
            .filter(|r| !r.is_empty())
        {
            None => None,
            Some(regex) => {
                let replacement = config
                    .optional_string("key.field.replacement")
                    .filter(|r| !r.is_empty())
                    .ok_or_else(|| {
                        field_invalid(
                            "key.field.replacement",
                            "null",
                            "key.field.replacement must be non-empty if key.field.regex is set.",
                        )
                    })?;
                // Upstream compiles the untrimmed value and reads the replacement as is.
                let raw_regex = config.raw("key.field.regex").unwrap_or(&regex);
                let raw_replacement = config.raw("key.field.replacement").unwrap_or(&replacement);
                Some(Rewrite::new(
                    "key.field.regex",
                    raw_regex,
                    "key.field.replacement",
                    raw_replacement,
                )?)
            }
        };
        let by_table = class == BY_LOGICAL_TABLE_ROUTER;
        let default_name = if by_table {
            "__dbz__physicalTableIdentifier"
        } else {
            "__dbz__sourceIdentifier"
        };
        let key_field_name = config
            .raw("key.field.name")
            .map_or(default_name.to_owned(), str::to_owned);
        let adjustment = enumerated(
            config,
            "schema.name.adjustment.mode",
            MODES,
            Adjustment::None,
        )?;
        let cache_key = if by_table && !config.contains("logical.destination.cache.size") {
            "logical.table.cache.size"
        } else {
            "logical.destination.cache.size"
        };
        config.int_or(cache_key, 16)?;
        Ok(LogicalTopicRouter {
            topic,
            key_enforce_uniqueness,
            key_field_name,
            key_field,
            adjustment,
        })
    }

    /// The new topic for `topic` (`determineNewTopic`), `None` when the regex does not match.
    pub fn new_topic(&self, topic: &str) -> Option<String> {
        self.topic.apply(topic)
    }

    /// The value of the key field for a record from `topic`: the original topic, or its
    /// rewrite by `key.field.regex` when that matches.
    pub fn source_identifier(&self, topic: &str) -> String {
        self.key_field
            .as_ref()
            .and_then(|r| r.apply(topic))
            .unwrap_or_else(|| topic.to_owned())
    }

    /// An adjusted schema name.
    pub fn schema_name(&self, name: &str) -> String {
        self.adjustment.adjust(name)
    }
}

/// Copies the struct at `path` with `Struct.get`: each null field whose schema has a default
/// takes it.
fn apply_defaults(record: &mut Record, part: Part, path: &[&str]) -> Result<(), Error> {
    let names = record.part(part).field_names(path)?;
    for name in &names {
        let field_path: Vec<&str> = path.iter().copied().chain([name.as_str()]).collect();
        if record.part(part).get(&field_path) != Ok(Scalar::Null) {
            continue;
        }
        if let Some(default) = record
            .part(part)
            .schema(&field_path)?
            .as_ref()
            .and_then(default_scalar)
        {
            record.part_mut(part).set(&field_path, default)?;
        }
    }
    Ok(())
}

impl Transform for LogicalTopicRouter {
    fn configure(ctx: &Context) -> Result<Self, ConfigError> {
        LogicalTopicRouter::from_config(ctx.class(), ctx.config())
    }

    fn apply(&self, mut record: Record) -> Result<Output, Error> {
        let old_topic = record.topic();
        let Some(new_topic) = self.new_topic(&old_topic) else {
            return Ok(Output::One(record));
        };
        if new_topic.is_empty() {
            log::warn("Routing regex returned an empty topic name, propagating original record");
            return Ok(Output::One(record));
        }

        if !record.key().is_null()? {
            let key = record.key();
            let is_struct = key
                .schema(&[])?
                .is_some_and(|s| s.type_ == SchemaType::Struct);
            if !is_struct {
                return Err(Error::bad_record(require_struct_message(
                    "Updating schema",
                    &class_name(&key, &[]),
                )));
            }
            let fields = key.field_names(&[])?;
            if self.key_enforce_uniqueness && fields.contains(&self.key_field_name) {
                return Err(Error::bad_record(format!(
                    "Cannot create field because of field name duplication {}",
                    self.key_field_name
                )));
            }
            apply_defaults(&mut record, Part::Key, &[])?;
            let name = self.schema_name(&format!("{new_topic}.Key"));
            let mut key = record.key_mut();
            key.rename_schema(&[], Some(&name), None)?;
            if self.key_enforce_uniqueness {
                key.put(
                    &[self.key_field_name.as_str()],
                    Some(&plain(SchemaType::String, false)),
                    self.source_identifier(&old_topic),
                )?;
            }
        }

        if !record.value().is_null()? && is_envelope(&record)? {
            let fields = record.value().field_names(&[])?;
            let rows: Vec<&str> = [BEFORE, AFTER]
                .into_iter()
                .filter(|f| fields.iter().any(|n| n == f))
                .collect();
            let row_name = self.schema_name(&format!("{new_topic}.Value"));
            let envelope_name = self.schema_name(&format!("{new_topic}.Envelope"));
            for row in &rows {
                if record.value().get(&[row]) != Ok(Scalar::Null) {
                    apply_defaults(&mut record, Part::Value, &[row])?;
                }
                record
                    .value_mut()
                    .rename_schema(&[row], Some(&row_name), None)?;
            }
            record
                .value_mut()
                .rename_schema(&[], Some(&envelope_name), None)?;
        }
        record.set_topic(&new_topic);
        Ok(Output::One(record))
    }
}

switchyard_sdk::export_transform!(LogicalTopicRouter);

#[cfg(test)]
mod tests {
    use super::*;

    const TO: &str = "io.debezium.transforms.ToLogicalTopicRouter";

    fn router(class: &str, entries: &[(&str, &str)]) -> Result<LogicalTopicRouter, ConfigError> {
        LogicalTopicRouter::from_config(class, &entries.iter().copied().collect())
    }

    fn ok(class: &str, entries: &[(&str, &str)]) -> LogicalTopicRouter {
        router(class, entries).unwrap_or_else(|e| panic!("{e}"))
    }

    /// `ByLogicalTableRouterTest.testKeyReplacementWorkingConfiguration`.
    #[test]
    fn shard_routing() {
        let r = ok(
            BY_LOGICAL_TABLE_ROUTER,
            &[
                ("topic.regex", "(.*)customers_shard(.*)"),
                ("topic.replacement", "$1customers_all_shards"),
                ("key.field.name", "shard_id"),
                ("key.field.regex", "(.*)customers_shard_(.*)"),
                ("key.field.replacement", "$2"),
            ],
        );
        assert_eq!(
            r.new_topic("mysql-server-1.inventory.customers_shard_1")
                .as_deref(),
            Some("mysql-server-1.inventory.customers_all_shards")
        );
        assert_eq!(
            r.source_identifier("mysql-server-1.inventory.customers_shard_2"),
            "2"
        );
        assert_eq!(r.source_identifier("other"), "other");
        assert_eq!(r.new_topic("unrelated"), None);
        let avro = ok(
            TO,
            &[
                ("topic.regex", "(.*)"),
                ("topic.replacement", "$1"),
                ("schema.name.adjustment.mode", "avro"),
            ],
        );
        assert_eq!(
            avro.schema_name("mysql-server-1.inventory.customers_all_shards.Key"),
            "mysql_server_1.inventory.customers_all_shards.Key"
        );
    }

    #[test]
    fn key_field_name_defaults_by_class() {
        let entries = [("topic.regex", "(.*)"), ("topic.replacement", "x")];
        assert_eq!(ok(TO, &entries).key_field_name, "__dbz__sourceIdentifier");
        assert_eq!(
            ok(BY_LOGICAL_TABLE_ROUTER, &entries).key_field_name,
            "__dbz__physicalTableIdentifier"
        );
    }

    #[test]
    fn config_errors() {
        let key = |entries: &[(&str, &str)]| router(TO, entries).map(|_| ()).unwrap_err().key;
        assert_eq!(key(&[("topic.replacement", "x")]), "topic.regex");
        assert_eq!(key(&[("topic.regex", "(.*)")]), "topic.replacement");
        assert_eq!(
            key(&[("topic.regex", "(.*)"), ("topic.replacement", " ")]),
            "topic.replacement"
        );
        assert_eq!(
            key(&[("topic.regex", "("), ("topic.replacement", "x")]),
            "topic.regex"
        );
        for replacement in [None, Some("")] {
            let mut entries = vec![
                ("topic.regex", "(.*)"),
                ("topic.replacement", "x"),
                ("key.field.regex", "(.*)"),
            ];
            if let Some(r) = replacement {
                entries.push(("key.field.replacement", r));
            }
            let err = router(TO, &entries).map(|_| ()).unwrap_err();
            assert_eq!(err.key, "key.field.replacement");
            assert!(
                err.message
                    .contains("key.field.replacement must be non-empty if key.field.regex is set.")
            );
        }
        assert_eq!(
            key(&[
                ("topic.regex", "(.*)"),
                ("topic.replacement", "x"),
                ("schema.name.adjustment.mode", "bogus")
            ]),
            "schema.name.adjustment.mode"
        );
    }
}
