//! What the Debezium single message transforms share, for their Switchyard ports.
//!
//! Debezium's SMTs (`io.debezium.transforms.*`) lean on a few helpers of their own and on Kafka
//! Connect's data API; this crate holds the Rust counterparts, so that each port in
//! `transforms/builtin/` reads like the Java class it follows:
//!
//! | module | what | upstream |
//! |---|---|---|
//! | [`envelope`] | is this record a Debezium change event? which operation? | `io.debezium.transforms.SmtManager`, `io.debezium.data.Envelope` |
//! | [`schema`] | schema defaults (`Struct.get`), schemas read from JSON, optional copies | `org.apache.kafka.connect.data.Struct`, `SchemaUtil.copySchemaBasics` |
//! | [`headers`] | header values to and from bytes | `org.apache.kafka.connect.storage.SimpleHeaderConverter`, `org.apache.kafka.connect.data.Values` |
//! | [`config`] | Debezium's configuration messages and enumerations | `io.debezium.config.Field`, `io.debezium.transforms.SmtManager.validate` |
//! | [`java`] | `Double.toString`, `String.split`, class names in messages | the JDK |
//! | [`names`] | Avro schema-name adjustment | `io.debezium.schema.SchemaNameAdjuster` |
//! | [`regex`] | a Java regex and replacement, whole-topic match | `java.util.regex.Matcher` |
//! | [`json`] | a small JSON reader for defaults and schemas the host hands over as text | — |
//!
//! Everything here is plain code over the SDK's types: the parts that need no record are
//! unit-tested with `cargo test`.

pub mod config;
pub mod envelope;
pub mod headers;
pub mod java;
pub mod json;
pub mod names;
pub mod regex;
pub mod schema;
