//! Converters between a record's bytes and Connect data, as Kafka Connect's `Converter`s do.
//!
//! [`Converter::from_class`] builds one from a connector's `key.converter` /
//! `value.converter` class and its `key.converter.*` / `value.converter.*` settings.

#![deny(missing_docs)]

pub mod avro;
pub mod backoff;
pub mod json;
pub mod json_schema;
pub mod jsonl;
pub mod protobuf;
pub mod record;
pub mod registered;
pub mod simple;

use switchyard_data::ConnectData;

pub use avro::AvroConverter;
pub use json::JsonConverter;
pub use json_schema::JsonSchemaConverter;
pub use protobuf::ProtobufConverter;

/// A converter of one side (key or value) of a pipeline's records.
#[derive(Debug, Clone)]
pub enum Converter {
    /// `org.apache.kafka.connect.json.JsonConverter`.
    Json(JsonConverter),
    /// `org.apache.kafka.connect.storage.StringConverter`.
    String(simple::StringConverter),
    /// `org.apache.kafka.connect.converters.ByteArrayConverter`.
    ByteArray,
    /// `io.confluent.connect.avro.AvroConverter`.
    Avro(AvroConverter),
    /// `io.confluent.connect.json.JsonSchemaConverter`.
    JsonSchema(JsonSchemaConverter),
    /// `io.confluent.connect.protobuf.ProtobufConverter`.
    Protobuf(ProtobufConverter),
}

/// The class names of the converters Switchyard implements, with their short aliases.
pub const CONVERTER_CLASSES: &[&str] = &[
    "org.apache.kafka.connect.json.JsonConverter",
    "org.apache.kafka.connect.storage.StringConverter",
    "org.apache.kafka.connect.converters.ByteArrayConverter",
    "io.confluent.connect.avro.AvroConverter",
    "io.confluent.connect.json.JsonSchemaConverter",
    "io.confluent.connect.protobuf.ProtobufConverter",
];

impl Converter {
    /// Builds the converter named by `class` (a fully qualified class name or its simple name)
    /// from its settings (`schemas.enable`, `decimal.format`, …, without the
    /// `key.converter.` / `value.converter.` prefix). `is_key` tells which side it converts.
    pub fn from_class(
        class: &str,
        settings: &[(String, String)],
        is_key: bool,
    ) -> Result<Self, ConverterConfigError> {
        // The names Kafka's plugin loader resolves (`PluginUtils`): the class name, its simple
        // name, and the simple name without the `Converter` suffix (`Json`, `String`, …).
        let simple = CONVERTER_CLASSES
            .iter()
            .find_map(|full| {
                let simple = full.rsplit('.').next()?;
                let pruned = simple.strip_suffix("Converter")?;
                (class == *full || class == simple || class == pruned).then_some(simple)
            })
            .unwrap_or(class);
        match simple {
            "JsonConverter" => Ok(Converter::Json(JsonConverter::configure(settings, is_key)?)),
            "StringConverter" => Ok(Converter::String(simple::StringConverter::configure(
                settings,
            )?)),
            "ByteArrayConverter" => Ok(Converter::ByteArray),
            "AvroConverter" => Ok(Converter::Avro(AvroConverter::configure(settings, is_key)?)),
            "JsonSchemaConverter" => Ok(Converter::JsonSchema(JsonSchemaConverter::configure(
                settings, is_key,
            )?)),
            "ProtobufConverter" => Ok(Converter::Protobuf(ProtobufConverter::configure(
                settings, is_key,
            )?)),
            _ => Err(ConverterConfigError {
                key: "converter".into(),
                message: format!(
                    "unknown converter class {class}; supported: {}",
                    CONVERTER_CLASSES.join(", ")
                ),
            }),
        }
    }

    /// The fully qualified Java class name of the converter (for error reports and DLQ
    /// headers).
    pub fn class_name(&self) -> &'static str {
        match self {
            Converter::Json(_) => CONVERTER_CLASSES[0],
            Converter::String(_) => CONVERTER_CLASSES[1],
            Converter::ByteArray => CONVERTER_CLASSES[2],
            Converter::Avro(_) => CONVERTER_CLASSES[3],
            Converter::JsonSchema(_) => CONVERTER_CLASSES[4],
            Converter::Protobuf(_) => CONVERTER_CLASSES[5],
        }
    }

    /// Decodes bytes (`None` for a null key or value) into Connect data (`toConnectData`).
    pub fn to_connect(
        &self,
        topic: &str,
        bytes: Option<&[u8]>,
    ) -> Result<ConnectData, ConvertError> {
        match self {
            Converter::Json(c) => c.to_connect(topic, bytes),
            Converter::String(c) => c.to_connect(topic, bytes),
            Converter::ByteArray => simple::byte_array_to_connect(bytes),
            Converter::Avro(c) => c.to_connect(topic, bytes),
            Converter::JsonSchema(c) => c.to_connect(topic, bytes),
            Converter::Protobuf(c) => c.to_connect(topic, bytes),
        }
    }

    /// Encodes Connect data into bytes (`fromConnectData`); `None` is a null key or value.
    pub fn from_connect(
        &self,
        topic: &str,
        data: &ConnectData,
    ) -> Result<Option<Vec<u8>>, ConvertError> {
        match self {
            Converter::Json(c) => c.from_connect(topic, data),
            Converter::String(c) => c.from_connect(topic, data),
            Converter::ByteArray => simple::byte_array_from_connect(data),
            Converter::Avro(c) => c.from_connect(topic, data),
            Converter::JsonSchema(c) => c.from_connect(topic, data),
            Converter::Protobuf(c) => c.from_connect(topic, data),
        }
    }

    /// The bytes to write for a key or value no transform changed: the original bytes, except
    /// that the AvroConverter first validates their schema under the output topic's subject
    /// (and writes the id it has there).
    pub fn pass_through(
        &self,
        topic: &str,
        bytes: Option<&bytes::Bytes>,
    ) -> Result<Option<bytes::Bytes>, ConvertError> {
        match self {
            Converter::Avro(c) => Ok(c
                .pass_through(topic, bytes.map(|b| b.as_ref()))?
                .map(bytes::Bytes::from)),
            _ => Ok(bytes.cloned()),
        }
    }

    /// Reads a key or value that no transform has changed yet, as Kafka Connect's converter
    /// reads every one before the transformations: `Ok(None)` when its bytes can be written
    /// as they are, `Ok(Some(data))` when encoding its data would write other bytes (the part
    /// must then be encoded from `data`), the decoding error when the converter cannot read
    /// it. Only the JsonConverter's text can differ from its own re-encoding; ByteArray and
    /// String bytes are what those converters write back, and an Avro datum, once checked
    /// against its writer's schema, is written with the bytes it came with (the id is
    /// rewritten in [`Converter::pass_through`]).
    pub fn check(
        &self,
        topic: &str,
        bytes: Option<&[u8]>,
    ) -> Result<Option<ConnectData>, ConvertError> {
        match self {
            Converter::Json(c) => c.check(topic, bytes),
            Converter::Avro(c) => c.check(topic, bytes).map(|()| None),
            // The JSON text and the Protobuf message are written again from their data, as
            // Kafka Connect writes them (under the output topic's subject).
            Converter::JsonSchema(c) => c.to_connect(topic, bytes).map(Some),
            Converter::Protobuf(c) => c.to_connect(topic, bytes).map(Some),
            Converter::String(_) | Converter::ByteArray => Ok(None),
        }
    }

    /// Fetches what decoding `bytes` will need from outside (the AvroConverter's writer
    /// schema), so that a service being unavailable shows as a transient error here, before
    /// the record enters the chain. Other failures are left to decoding.
    pub fn prefetch(&self, topic: &str, bytes: Option<&[u8]>) -> Result<(), ConvertError> {
        match self {
            Converter::Avro(c) => c.prefetch(topic, bytes),
            Converter::JsonSchema(c) => c.prefetch(topic, bytes),
            Converter::Protobuf(c) => c.prefetch(topic, bytes),
            _ => Ok(()),
        }
    }
}

/// Runs `op` until it succeeds or fails for a reason that is not
/// [transient](ConvertError::is_transient), waiting between attempts with Kafka Connect's
/// backoff ([`Backoff`](crate::backoff::Backoff) without a deadline: 300 ms doubling, a random
/// time below `max_delay` (`errors.retry.delay.max.ms`) once past it): a converter whose
/// schema registry is down makes the pipeline wait, and the record is neither failed, skipped
/// nor dead-lettered for it. Each wait is logged as a warning. When `stop` answers true (the
/// process is shutting down) the transient error is returned instead of waiting again: the
/// caller must then leave the record unprocessed, not fail it.
pub fn retry_transient<T>(
    max_delay: std::time::Duration,
    stop: &dyn Fn() -> bool,
    op: impl FnMut() -> Result<T, ConvertError>,
) -> Result<T, ConvertError> {
    retry_transient_with(
        max_delay,
        &mut |delay| {
            if stop() {
                return false;
            }
            std::thread::sleep(delay);
            true
        },
        op,
    )
}

/// [`retry_transient`] with the waiting done by `wait`, which is given each delay and answers
/// false when the caller must stop instead (the transient error is then returned). `run` waits
/// by polling its consumer with the partitions paused, so that the group keeps it as a member.
pub fn retry_transient_with<T>(
    max_delay: std::time::Duration,
    wait: &mut dyn FnMut(std::time::Duration) -> bool,
    mut op: impl FnMut() -> Result<T, ConvertError>,
) -> Result<T, ConvertError> {
    let mut backoff = crate::backoff::Backoff::unbounded(max_delay);
    loop {
        match op() {
            Err(e) if e.is_transient() => {
                let delay = backoff.next_wait().unwrap_or_default();
                tracing::warn!("{e}; retrying in {} ms", delay.as_millis());
                if !wait(delay) {
                    return Err(e);
                }
            }
            other => return other,
        }
    }
}

/// A converter setting that is not valid.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{key}: {message}")]
pub struct ConverterConfigError {
    /// The setting's key, without the `key.converter.` / `value.converter.` prefix.
    pub key: String,
    /// What was expected.
    pub message: String,
}

/// Why a key or value could not be converted.
///
/// Kafka's converters throw a `DataException` for data that cannot be converted, and a
/// `RetriableException` when a service they need is unavailable; Connect's
/// `RetryWithToleranceOperator` retries the second kind and applies `errors.tolerance` to the
/// first. Switchyard keeps the two apart the same way: an [`ConvertError::Unavailable`] failure
/// is retried until it goes away, and the record is never failed, skipped or dead-lettered for
/// it.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ConvertError {
    /// The data itself cannot be converted: the record is bad.
    #[error("{0}")]
    Data(String),
    /// A service the converter needs (a schema registry) cannot be reached right now.
    #[error("{0}")]
    Unavailable(String),
}

impl ConvertError {
    /// A failure of the data itself: the record is bad.
    pub fn new(message: String) -> Self {
        ConvertError::Data(message)
    }

    /// A failure that may go away by itself (a schema registry that is unavailable).
    pub fn transient(message: String) -> Self {
        ConvertError::Unavailable(message)
    }

    /// Whether the failure may go away by itself.
    pub fn is_transient(&self) -> bool {
        matches!(self, ConvertError::Unavailable(_))
    }

    /// The message.
    pub fn message(&self) -> &str {
        match self {
            ConvertError::Data(m) | ConvertError::Unavailable(m) => m,
        }
    }

    /// The same failure, of the same kind, with its message preceded by `context` and `: `.
    pub fn context(self, context: &str) -> Self {
        match self {
            ConvertError::Data(m) => ConvertError::Data(format!("{context}: {m}")),
            ConvertError::Unavailable(m) => ConvertError::Unavailable(format!("{context}: {m}")),
        }
    }

    /// The message, taken.
    pub fn into_message(self) -> String {
        match self {
            ConvertError::Data(m) | ConvertError::Unavailable(m) => m,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Converter;

    #[test]
    fn converters_are_found_by_the_names_kafkas_plugin_loader_resolves() {
        for (class, expected) in [
            (
                "org.apache.kafka.connect.json.JsonConverter",
                "JsonConverter",
            ),
            ("JsonConverter", "JsonConverter"),
            ("Json", "JsonConverter"),
            ("String", "StringConverter"),
            ("StringConverter", "StringConverter"),
            ("ByteArray", "ByteArrayConverter"),
            (
                "org.apache.kafka.connect.converters.ByteArrayConverter",
                "ByteArrayConverter",
            ),
            ("AvroConverter", "AvroConverter"),
        ] {
            let settings = [(
                "schema.registry.url".to_owned(),
                "http://localhost:1".to_owned(),
            )];
            let converter = Converter::from_class(class, &settings, false)
                .unwrap_or_else(|e| panic!("{class}: {}", e.message));
            assert!(converter.class_name().ends_with(expected), "{class}");
        }
        for unknown in ["json", "com.example.JsonConverter", "Converter", "JSON"] {
            assert!(
                Converter::from_class(unknown, &[], false).is_err(),
                "{unknown}"
            );
        }
    }
}
