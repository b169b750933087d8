//! Confluent's `io.confluent.connect.json.JsonSchemaConverter`: JSON text in Confluent's wire
//! format with JSON Schemas (`schemaType` `JSON`) in a schema registry.
//!
//! # Wire format
//! The magic byte `0`, the schema's registry id as a 4-byte big-endian integer, then the JSON
//! text of the key or value (`AbstractKafkaJsonSchemaSerializer`). Null bytes are a null key or
//! value and back.
//!
//! # Reading (`toConnectData`)
//! The writer's schema is fetched by id (with its references, which `$ref`s name) and mapped
//! to a Connect schema as `JsonSchemaData.toConnectSchema` does ([`schema`]): `connect.type`
//! picks the Connect integer and float types (`integer` alone is INT64, `number` FLOAT64),
//! `connect.index` orders a struct's fields, `title` is the schema's name, `description` its
//! doc, `connect.version` / `connect.parameters` the rest, a `oneOf` / `anyOf` of null and one
//! type (or a `type` list of both) an optional schema, an `enum` a string schema with
//! `io.confluent.connect.json.Enum.*` parameters, an object with `connect.type: map` a map.
//!
//! The text is then read against that schema as `JsonSchemaData.toConnectData` reads it: for
//! every shape but two by the JsonConverter's payload reader (the same `Decimal` / `Date` /
//! `Time` / `Timestamp` / bytes rules, defaults for nulls); maps whose keys are not required
//! strings (arrays of `{"key", "value"}` objects) and `oneOf`s of several types (structs named
//! `io.confluent.connect.json.OneOf`, the first member whose type fits the value set) are
//! walked by [`value`]. Writing is the same, the other way.
//!
//! # Writing (`fromConnectData`)
//! The Connect schema is written as a JSON Schema (`fromConnectSchema`), validated against
//! the registry under the subject the subject name strategy gives, as the AvroConverter does
//! (`auto.register.schemas`, `use.latest.version`, lookup), and the value is written as
//! `fromConnectData` writes it (`decimal.format`, BASE64 by default, as Confluent's).
//!
//! With `json.fail.invalid.schema=true` every payload is validated against its JSON Schema
//! (the writer's on reading, the one registered on writing) and one that does not conform
//! fails the record; Confluent's default, false, reads and writes without that check (a value
//! that does not fit the Connect schema still fails).
//!
//! # Differences from Confluent's converter
//! - With `use.latest.version`, `latest.compatibility.strict` cannot be checked on schemas
//!   (Switchyard's offline compatibility rules are Avro's): the payload is validated against
//!   the latest schema instead, and a record that does not conform fails.
//! - A schema with `$ref`s to other registry subjects is read; one written by Switchyard has
//!   none (Connect schemas have no references).

pub mod schema;
pub mod value;

#[cfg(test)]
mod tests;

use std::fmt;
use std::sync::Arc;

use serde_json::Value as Json;

use super::{ConvertError, ConverterConfigError};
use crate::json::{DecimalFormat, JsonConverter, JsonConverterConfig};
use crate::registered::{
    Readers, Registered, RegistryConverterConfig, SubjectIds, Translation, Translations,
    expect_type, framed,
};
use switchyard_data::{ConnectData, Schema};
use switchyard_registry::{RegistrySchema, SchemaId};

/// The settings of a [`JsonSchemaConverter`]: the registry-backed converters' shared ones and
/// its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonSchemaConverterConfig {
    /// The settings every registry-backed converter has.
    pub shared: RegistryConverterConfig,
    /// `json.fail.invalid.schema` (default false): validate every payload against its schema.
    pub fail_invalid_schema: bool,
    /// `decimal.format` (default BASE64).
    pub decimal_format: DecimalFormat,
    /// `object.additional.properties` (default true): when false, the object schemas written
    /// say `"additionalProperties": false`.
    pub additional_properties: bool,
}

/// The JsonSchemaConverter's own keys.
const OWN_KEYS: &[&str] = &[
    "json.fail.invalid.schema",
    "decimal.format",
    "object.additional.properties",
    "use.optional.for.nonrequired",
];

impl JsonSchemaConverterConfig {
    /// Reads the settings (without the `key.converter.` / `value.converter.` prefix).
    pub fn parse(
        settings: &[(String, String)],
        is_key: bool,
    ) -> Result<Self, ConverterConfigError> {
        let mut fail_invalid_schema = false;
        let mut additional_properties = true;
        let mut decimal = Vec::new();
        let own = &mut |key: &str, value: &str| {
            match key {
                "json.fail.invalid.schema" => {
                    fail_invalid_schema = crate::json::parse_bool(key, value)?
                }
                "object.additional.properties" => {
                    additional_properties = crate::json::parse_bool(key, value)?
                }
                "decimal.format" => decimal.push((key.to_owned(), value.to_owned())),
                "use.optional.for.nonrequired" if crate::json::parse_bool(key, value)? => {
                    return Err(ConverterConfigError {
                        key: key.to_owned(),
                        message: "true is not supported: properties are optional when their schema allows null".into(),
                    });
                }
                other => return Ok(OWN_KEYS.contains(&other)),
            }
            Ok(true)
        };
        let shared =
            RegistryConverterConfig::parse(settings, is_key, "JsonSchemaConverter", OWN_KEYS, own)?;
        Ok(JsonSchemaConverterConfig {
            shared,
            fail_invalid_schema,
            decimal_format: JsonConverterConfig::parse(&decimal)?.decimal_format,
            additional_properties,
        })
    }
}

/// A writer's schema, read once per id.
struct Reader {
    connect: Arc<Schema>,
    /// Whether values hold the shapes [`value`] walks.
    walked: bool,
    /// The schema as a validator (built when payloads are validated).
    validator: Option<jsonschema::Validator>,
}

/// A Connect schema written as a JSON Schema, with the ids it has under each subject.
struct Writer {
    connect: Arc<Schema>,
    /// Whether values hold the shapes [`value`] walks.
    walked: bool,
    registered: RegistrySchema,
    full_name: String,
    validator: Option<jsonschema::Validator>,
    /// Per subject: the id to write and, with `use.latest.version`, the latest schema.
    ids: SubjectIds<Reader>,
}

impl Translation for Writer {
    fn connect(&self) -> &Arc<Schema> {
        &self.connect
    }
}

struct Inner {
    registered: Registered,
    fail_invalid_schema: bool,
    additional_properties: bool,
    /// Reads and writes payloads (see the module's documentation).
    payloads: JsonConverter,
    readers: Readers<Reader>,
    writers: Translations<Writer>,
}

/// Confluent's `JsonSchemaConverter`. Cheap to clone: clones share the registry client and
/// caches.
#[derive(Clone)]
pub struct JsonSchemaConverter {
    inner: Arc<Inner>,
}

impl fmt::Debug for JsonSchemaConverter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JsonSchemaConverter")
            .field("is_key", &self.inner.registered.is_key)
            .field("config", &self.inner.registered.config)
            .finish_non_exhaustive()
    }
}

/// A validator of `schema`, whose `$ref`s to registry references resolve by their names.
fn validator(
    schema: &Json,
    references: &[(String, Json)],
) -> Result<jsonschema::Validator, ConvertError> {
    let resources = references.iter().map(|(name, document)| {
        (
            name.clone(),
            jsonschema::Resource::from_contents(document.clone()),
        )
    });
    jsonschema::options()
        .with_resources(resources)
        .build(schema)
        .map_err(|e| ConvertError::new(format!("invalid JSON schema: {e}")))
}

/// Fails when `value` does not conform to `validator`'s schema.
fn conform(
    validator: Option<&jsonschema::Validator>,
    text: &str,
    context: &dyn Fn() -> String,
) -> Result<(), ConvertError> {
    let Some(validator) = validator else {
        return Ok(());
    };
    let value: Json =
        serde_json::from_str(text).map_err(|e| ConvertError::new(format!("{}: {e}", context())))?;
    validator.validate(&value).map_err(|e| {
        ConvertError::new(format!(
            "{}: the JSON does not conform to its schema: {e} (at {})",
            context(),
            e.instance_path()
        ))
    })
}

impl JsonSchemaConverter {
    /// Builds a converter from its settings (without the `value.converter.` prefix).
    pub fn configure(
        settings: &[(String, String)],
        is_key: bool,
    ) -> Result<Self, ConverterConfigError> {
        Self::new(JsonSchemaConverterConfig::parse(settings, is_key)?, is_key)
    }

    /// A converter with the given settings.
    pub fn new(
        config: JsonSchemaConverterConfig,
        is_key: bool,
    ) -> Result<Self, ConverterConfigError> {
        let capacity = config.shared.schemas_cache_size;
        let payloads = JsonConverter::new(
            JsonConverterConfig {
                decimal_format: config.decimal_format,
                ..JsonConverterConfig::default()
            },
            is_key,
        );
        Ok(JsonSchemaConverter {
            inner: Arc::new(Inner {
                registered: Registered::new(config.shared, is_key)?,
                fail_invalid_schema: config.fail_invalid_schema,
                additional_properties: config.additional_properties,
                payloads,
                readers: Readers::new(capacity),
                writers: Translations::new(capacity),
            }),
        })
    }

    /// The shared settings.
    pub fn config(&self) -> &RegistryConverterConfig {
        &self.inner.registered.config
    }

    /// The writer's schema with this id, from the cache or the registry (with its references).
    fn reader(&self, topic: &str, id: SchemaId) -> Result<Arc<Reader>, ConvertError> {
        let registered = &self.inner.registered;
        self.inner
            .readers
            .get(registered, topic, id, "JSON", |r| self.parse_registered(r))
    }

    /// Reads a registered schema and its references into a [`Reader`].
    fn parse_registered(&self, registered: &RegistrySchema) -> Result<Reader, ConvertError> {
        expect_type(registered, "JSON")?;
        let parse = |text: &str| -> Result<Json, ConvertError> {
            serde_json::from_str(text)
                .map_err(|e| ConvertError::new(format!("invalid JSON schema: {e}")))
        };
        let references = (self.inner.registered.references(registered)?)
            .into_iter()
            .map(|(name, text)| Ok((name, parse(&text)?)))
            .collect::<Result<Vec<_>, ConvertError>>()?;
        let root = parse(&registered.schema)?;
        let connect = schema::to_connect(&schema::Documents {
            root: &root,
            references: &references,
        })?;
        let validator = if self.inner.fail_invalid_schema || self.config().use_latest_version {
            Some(validator(&root, &references)?)
        } else {
            None
        };
        Ok(Reader {
            walked: value::walked(&connect),
            connect: Arc::new(connect),
            validator,
        })
    }

    /// Decodes wire-format bytes into Connect data (`toConnectData`).
    pub fn to_connect(
        &self,
        topic: &str,
        bytes: Option<&[u8]>,
    ) -> Result<ConnectData, ConvertError> {
        let Some(bytes) = bytes else {
            return Ok(ConnectData::NULL);
        };
        let context = || format!("Failed to deserialize data for topic {topic} to JSON");
        let id = Registered::id_of(topic, bytes, "JSON")?;
        let reader = self.reader(topic, id)?;
        let text = switchyard_data::text::utf8(&bytes[5..]).map_err(|e| {
            ConvertError::new(format!(
                "{}: invalid UTF-8 at byte {}",
                context(),
                e.valid_up_to()
            ))
        })?;
        if self.inner.fail_invalid_schema {
            conform(reader.validator.as_ref(), text, &context)?;
        }
        let payloads = &self.inner.payloads;
        let value = if reader.walked {
            value::read(&reader.connect, text, payloads)
        } else {
            payloads.payload_from_json(Some(&reader.connect), text)
        }
        .map_err(|e| e.context(&context()))?;
        Ok(ConnectData {
            schema: Some(Arc::clone(&reader.connect)),
            value,
        })
    }

    /// Makes sure the writer's schema of wire-format bytes is at hand, so decoding them later
    /// does not need the registry. Only a transient failure is reported.
    pub fn prefetch(&self, topic: &str, bytes: Option<&[u8]>) -> Result<(), ConvertError> {
        Registered::prefetch(topic, bytes, "JSON", |id| self.reader(topic, id))
    }

    /// The JSON Schema of a Connect schema, cached.
    fn writer(&self, schema: &Arc<Schema>) -> Result<Arc<Writer>, ConvertError> {
        self.inner.writers.get(schema, || {
            let json = schema::from_connect(schema, self.inner.additional_properties)?;
            let validator = if self.inner.fail_invalid_schema {
                Some(validator(&json, &[])?)
            } else {
                None
            };
            Ok(Writer {
                walked: value::walked(schema),
                connect: Arc::clone(schema),
                // `JsonSchema.name()`: the title, else Confluent's default name.
                full_name: schema
                    .name
                    .clone()
                    .unwrap_or_else(|| "JsonSchema".to_owned()),
                registered: RegistrySchema {
                    schema: json.to_string(),
                    schema_type: Some("JSON".into()),
                    references: Vec::new(),
                },
                validator,
                ids: SubjectIds::default(),
            })
        })
    }

    /// Encodes Connect data into wire-format bytes (`fromConnectData`), after validating its
    /// schema against the registry.
    pub fn from_connect(
        &self,
        topic: &str,
        data: &ConnectData,
    ) -> Result<Option<Vec<u8>>, ConvertError> {
        let context = || format!("Failed to serialize JSON data from topic {topic}");
        let Some(schema) =
            self.inner
                .registered
                .schema_to_write(data, topic, "JSON", "JsonSchemaConverter")?
        else {
            return Ok(None);
        };
        let writer = self.writer(schema)?;
        let (id, latest) = self.inner.registered.id_for(
            "JSON",
            topic,
            &writer.full_name,
            &writer.registered,
            &writer.ids,
            |latest| self.reader(topic, latest),
        )?;
        let payloads = &self.inner.payloads;
        let text = if writer.walked {
            value::write(&writer.connect, &data.value, payloads)
        } else {
            payloads.payload_to_json(Some(&writer.connect), &data.value)
        }
        .map_err(|e| e.context(&context()))?;
        match &latest {
            // With `use.latest.version` the payload must conform to the latest schema (see
            // the module's documentation), unless the check is turned off.
            Some(reader)
                if self.config().latest_compatibility_strict || self.inner.fail_invalid_schema =>
            {
                conform(reader.validator.as_ref(), &text, &context)?
            }
            Some(_) => {}
            None => conform(writer.validator.as_ref(), &text, &context)?,
        }
        let mut out = framed(id, 5 + text.len());
        out.extend_from_slice(text.as_bytes());
        Ok(Some(out))
    }
}
