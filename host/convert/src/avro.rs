//! Confluent's `io.confluent.connect.avro.AvroConverter`: Avro binary in Confluent's wire format
//! with schemas in a schema registry.
//!
//! # Wire format
//! A key or value is the magic byte `0`, the schema's registry id as a 4-byte big-endian
//! integer, and the Avro binary encoding of the datum (`AbstractKafkaSchemaSerDe`). Null bytes
//! are a null key or value and back.
//!
//! # Reading (`toConnectData`)
//! The writer's schema is fetched by id (`GET /schemas/ids/{id}`, with its references) and
//! cached; the datum is decoded with `apache-avro` and mapped to Connect data as
//! `AvroData.toConnectData` does (submodules `schema` and `value`): a union with null is an optional
//! schema, `connect.name` / `connect.version` / `connect.doc` / `connect.parameters` /
//! `connect.default` give the Connect schema's metadata, and the `decimal`, `date`,
//! `time-millis` and `timestamp-millis` logical types become Connect's `Decimal`, `Date`, `Time`
//! and `Timestamp`. Debezium's semantic types (`io.debezium.time.MicroTimestamp`, …) are plain
//! Avro types whose `connect.name` is kept as the Connect schema's name.
//!
//! # Writing (`fromConnectData`)
//! The Connect schema is mapped to an Avro schema (`AvroData.fromConnectSchema`), and the
//! schema is validated against the registry under the subject the subject name strategy gives
//! (`key.subject.name.strategy` / `value.subject.name.strategy`: `TopicNameStrategy`,
//! `RecordNameStrategy` or `TopicRecordNameStrategy`) before any byte is written, as
//! `AbstractKafkaAvroSerializer.serializeImpl` does:
//! - `use.latest.version=true`: the subject's latest schema is used (and its id written), the
//!   record written with it field by name (a field only the latest has is null, one only the
//!   record has is left out); with `latest.compatibility.strict` (the default) the latest must
//!   be able to read the record's own schema, else the record fails;
//! - else `auto.register.schemas=true` (the default): the schema is registered (a schema the
//!   subject already has keeps its id);
//! - else: the schema is looked up under the subject and must be registered there.
//!
//! A schema the registry refuses (409 incompatible, 42201 invalid, 40401 / 40403 not found on
//! lookup) fails the record with the registry's reason (a bad record, dead-lettered with
//! `errors.tolerance=all`); a registry that cannot be reached is a
//! [transient](ConvertError::is_transient) error, which the pipeline retries until the
//! registry is back. Ids are cached per (subject, schema), so a registry is asked once per
//! schema and subject.
//!
//! An output key or value that no transform changed keeps its bytes, but is validated the same
//! way: its schema (the one its id names) is registered or looked up under the output topic's
//! subject, and when the registry gives it another id, that id is written instead.

mod bounds;
mod schema;
mod value;

use std::fmt;
use std::sync::{Arc, Mutex};

use lru::LruCache;

use super::{ConvertError, ConverterConfigError};
use crate::registered::{
    Readers, Registered, RegistryConverterConfig, SubjectIds, Translation, Translations,
    expect_type, framed, lock,
};
use switchyard_data::{ConnectData, Schema};
use switchyard_registry::{RegistrySchema, SchemaId};

pub use crate::registered::{MAGIC_BYTE, SubjectNameStrategy};

pub use schema::{ToAvro, ToConnect};

/// A fixed 10-byte header for `apache-avro`'s single-object reader and writer.
///
/// `apache-avro` 0.21 resolves a schema's named types on every `from_avro_datum` /
/// `to_avro_datum` call; only its single-object reader and writer keep the resolved schema.
/// They frame a datum with a header of 10 to 20 bytes, so the converter gives them this
/// constant header, puts it before the datum it reads and cuts it from the datum it writes:
/// the datum itself is plain Avro binary either way. (A 6-byte key decodes about 40 % faster.)
struct Frame;

/// The header [`Frame`] builds (single-object encoding's marker and a zero fingerprint).
const FRAME: [u8; 10] = [0xC3, 0x01, 0, 0, 0, 0, 0, 0, 0, 0];

impl apache_avro::headers::HeaderBuilder for Frame {
    fn build_header(&self) -> Vec<u8> {
        FRAME.to_vec()
    }
}

/// The settings of an [`AvroConverter`] (Confluent's `AvroConverterConfig` and
/// `AbstractKafkaSchemaSerDeConfig`).
pub type AvroConverterConfig = RegistryConverterConfig;

/// The AvroConverter's own keys, besides the shared ones.
const AVRO_KEYS: &[&str] = &["connect.meta.data", "enhanced.avro.schema.support"];

/// Reads an AvroConverter's settings (without the `key.converter.` / `value.converter.`
/// prefix).
pub fn parse_config(
    settings: &[(String, String)],
    is_key: bool,
) -> Result<AvroConverterConfig, ConverterConfigError> {
    let own = &mut |key: &str, value: &str| {
        let error = |message: &str| ConverterConfigError {
            key: key.to_owned(),
            message: message.to_owned(),
        };
        match key {
            "connect.meta.data" if !super::json::parse_bool(key, value)? => Err(error(
                "false is not supported: the converter always writes and reads the connect.* schema properties",
            )),
            "enhanced.avro.schema.support" if super::json::parse_bool(key, value)? => Err(error(
                "true is not supported (Avro enums and general unions are not mapped)",
            )),
            other => Ok(AVRO_KEYS.contains(&other)),
        }
    };
    RegistryConverterConfig::parse(settings, is_key, "AvroConverter", AVRO_KEYS, own)
}

/// A writer's schema, decoded once per id.
struct Reader {
    /// The schema with its named types resolved, when it has no references.
    resolved: Option<apache_avro::GenericSingleObjectReader>,
    avro: apache_avro::Schema,
    references: Vec<apache_avro::Schema>,
    /// The texts of `references`, in the same order (each after those it names).
    reference_texts: Vec<String>,
    /// The named types of `avro` and `references`, for [`bounds::check`].
    names: bounds::Names,
    connect: Arc<Schema>,
    /// The schema as the registry holds it (for registering it under another subject).
    registered: Arc<RegistrySchema>,
    /// The full name of the top-level type (for record name strategies).
    full_name: String,
}

impl Reader {
    /// The schemas that define the writer's named types, its references first: apache-avro
    /// resolves a list of schemas in order, so a schema must come after those it names.
    fn schemata(&self) -> Vec<&apache_avro::Schema> {
        self.references
            .iter()
            .chain(std::iter::once(&self.avro))
            .collect()
    }
}

/// A Connect schema translated to Avro, with the ids it has under each subject.
struct Writer {
    /// The schema with its named types resolved (see [`Frame`]).
    resolved: Mutex<apache_avro::GenericSingleObjectWriter>,
    connect: Arc<Schema>,
    registered: RegistrySchema,
    full_name: String,
    /// Per subject: the id to write and, with `use.latest.version`, the schema to write with.
    ids: SubjectIds<Reader>,
}

impl Translation for Writer {
    fn connect(&self) -> &Arc<Schema> {
        &self.connect
    }
}

struct Inner {
    registered: Registered,
    readers: Readers<Reader>,
    writers: Translations<Writer>,
    /// Unchanged bytes validated under a subject: (subject, id read) → id to write.
    passed: Mutex<LruCache<(String, SchemaId), SchemaId>>,
}

/// Confluent's `AvroConverter`. Cheap to clone: clones share the registry client and caches.
#[derive(Clone)]
pub struct AvroConverter {
    inner: Arc<Inner>,
}

impl fmt::Debug for AvroConverter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AvroConverter")
            .field("is_key", &self.inner.registered.is_key)
            .field("config", &self.inner.registered.config)
            .finish_non_exhaustive()
    }
}

impl AvroConverter {
    /// Builds a converter from its settings (without the `value.converter.` prefix).
    pub fn configure(
        settings: &[(String, String)],
        is_key: bool,
    ) -> Result<Self, ConverterConfigError> {
        Self::new(parse_config(settings, is_key)?, is_key)
    }

    /// A converter with the given settings.
    pub fn new(config: AvroConverterConfig, is_key: bool) -> Result<Self, ConverterConfigError> {
        let capacity = config.schemas_cache_size;
        Ok(AvroConverter {
            inner: Arc::new(Inner {
                registered: Registered::new(config, is_key)?,
                readers: Readers::new(capacity),
                writers: Translations::new(capacity),
                passed: Mutex::new(LruCache::new(capacity)),
            }),
        })
    }

    /// The converter's settings.
    pub fn config(&self) -> &AvroConverterConfig {
        &self.inner.registered.config
    }

    /// Whether the converter converts keys (else values).
    pub fn is_key(&self) -> bool {
        self.inner.registered.is_key
    }

    fn part(&self) -> &'static str {
        self.inner.registered.part()
    }

    /// The schema id of wire-format bytes.
    fn id_of(topic: &str, bytes: &[u8]) -> Result<SchemaId, ConvertError> {
        Registered::id_of(topic, bytes, "Avro")
    }

    /// The writer's schema with this id, from the cache or the registry (with its references).
    fn reader(&self, topic: &str, id: SchemaId) -> Result<Arc<Reader>, ConvertError> {
        let registered = &self.inner.registered;
        self.inner
            .readers
            .get(registered, topic, id, "Avro", |r| self.parse_registered(r))
    }

    /// Parses a registered schema and its references into a [`Reader`].
    fn parse_registered(&self, registered: &Arc<RegistrySchema>) -> Result<Reader, ConvertError> {
        expect_type(registered, "AVRO")?;
        let texts: Vec<String> = (self.inner.registered.references(registered)?)
            .into_iter()
            .map(|(_, text)| text)
            .collect();
        let bad = |e: String| ConvertError::new(format!("invalid Avro schema: {e}"));
        let (avro, references) = if texts.is_empty() {
            (
                apache_avro::Schema::parse_str(&registered.schema)
                    .map_err(|e| bad(e.to_string()))?,
                Vec::new(),
            )
        } else {
            apache_avro::Schema::parse_str_with_list(&registered.schema, texts.iter())
                .map_err(|e| bad(e.to_string()))?
        };
        let mut to_connect = ToConnect::default();
        for text in &texts {
            let json: serde_json::Value =
                serde_json::from_str(text).map_err(|e| bad(e.to_string()))?;
            to_connect.learn(&json)?;
        }
        let json: serde_json::Value =
            serde_json::from_str(&registered.schema).map_err(|e| bad(e.to_string()))?;
        let connect = to_connect.convert(&json)?;
        let full_name = full_name_of(&avro);
        let resolved = if references.is_empty() {
            apache_avro::GenericSingleObjectReader::new_with_header_builder(avro.clone(), Frame)
                .ok()
        } else {
            None
        };
        Ok(Reader {
            resolved,
            names: bounds::Names::of(references.iter().chain(std::iter::once(&avro))),
            avro,
            references,
            reference_texts: texts,
            connect: Arc::new(connect),
            registered: Arc::clone(registered),
            full_name,
        })
    }

    /// Checks wire-format bytes that no transform changed as Kafka's converter would read them,
    /// without decoding them: the framing, the writer's schema (from the registry), and the
    /// datum walked by that schema (`bounds::check`: sizes, union and enum indexes, ints,
    /// truncation). The datum's bytes are then written as they came.
    pub fn check(&self, topic: &str, bytes: Option<&[u8]>) -> Result<(), ConvertError> {
        let Some(bytes) = bytes else {
            return Ok(());
        };
        let id = Self::id_of(topic, bytes)?;
        let reader = self.reader(topic, id)?;
        bounds::check(&reader.avro, &reader.names, &bytes[5..]).map_err(|e| {
            ConvertError::new(format!(
                "Failed to deserialize data for topic {topic} to Avro: {e}"
            ))
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
        let id = Self::id_of(topic, bytes)?;
        let reader = self.reader(topic, id)?;
        let mut datum = &bytes[5..];
        // Claimed sizes are checked against the bytes before `apache-avro` reserves memory
        // for them.
        bounds::check(&reader.avro, &reader.names, datum).map_err(|e| {
            ConvertError::new(format!(
                "Failed to deserialize data for topic {topic} to Avro: {e}"
            ))
        })?;
        let decoded = match &reader.resolved {
            Some(resolved) => resolved.read_value(&mut std::io::Read::chain(&FRAME[..], datum)),
            None => apache_avro::from_avro_datum_schemata(
                &reader.avro,
                // The writer's named types: its references' first, so that its own names
                // resolve (apache-avro resolves the list in order).
                reader.schemata(),
                &mut datum,
                None,
            ),
        }
        .map_err(|e| {
            ConvertError::new(format!(
                "Failed to deserialize data for topic {topic} to Avro: {e}"
            ))
        })?;
        let value = value::to_connect(&reader.connect, decoded, "").map_err(|e| {
            ConvertError::new(format!(
                "Failed to deserialize data for topic {topic} to Avro: {}",
                e.message()
            ))
        })?;
        Ok(ConnectData {
            schema: Some(Arc::clone(&reader.connect)),
            value,
        })
    }

    /// Makes sure the writer's schema of wire-format bytes is at hand, so decoding them later
    /// does not need the registry. Only a transient failure (the registry is unavailable) is
    /// reported: anything else is reported when the bytes are decoded.
    pub fn prefetch(&self, topic: &str, bytes: Option<&[u8]>) -> Result<(), ConvertError> {
        Registered::prefetch(topic, bytes, "Avro", |id| self.reader(topic, id))
    }

    /// The translation of a Connect schema, cached.
    fn writer(&self, schema: &Arc<Schema>) -> Result<Arc<Writer>, ConvertError> {
        self.inner.writers.get(schema, || {
            let json = ToAvro::convert(schema)?;
            let text = json.to_string();
            let avro = apache_avro::Schema::parse_str(&text)
                .map_err(|e| ConvertError::new(format!("invalid Avro schema {text}: {e}")))?;
            let resolved =
                apache_avro::GenericSingleObjectWriter::new_with_capacity_and_header_builder(
                    &avro, 256, Frame,
                )
                .map_err(|e| ConvertError::new(format!("invalid Avro schema {text}: {e}")))?;
            Ok(Writer {
                resolved: Mutex::new(resolved),
                connect: Arc::clone(schema),
                full_name: full_name_of(&avro),
                registered: RegistrySchema::avro(text),
                ids: SubjectIds::default(),
            })
        })
    }

    /// The latest schema under `subject` (id `latest`) to write a record of `schema` with,
    /// checked to read it when `latest.compatibility.strict` (`AbstractKafkaSchemaSerDe
    /// .lookupLatestVersion` with `latestCompatStrict`).
    fn latest(
        &self,
        topic: &str,
        subject: &str,
        schema: &RegistrySchema,
        latest: SchemaId,
    ) -> Result<Arc<Reader>, ConvertError> {
        let reader = self.reader(topic, latest)?;
        if self.config().latest_compatibility_strict
            && let Some(reason) = not_backward(&reader, &schema.schema)
        {
            return Err(ConvertError::new(format!(
                "Failed to serialize Avro data from topic {topic}: the latest schema (id {latest}) under subject {subject} cannot read the {} schema ({reason}); set latest.compatibility.strict=false to write with it anyway",
                self.part()
            )));
        }
        Ok(reader)
    }

    /// Encodes Connect data into wire-format bytes (`fromConnectData`), after validating its
    /// schema against the registry.
    pub fn from_connect(
        &self,
        topic: &str,
        data: &ConnectData,
    ) -> Result<Option<Vec<u8>>, ConvertError> {
        let Some(schema) =
            self.inner
                .registered
                .schema_to_write(data, topic, "Avro", "AvroConverter")?
        else {
            return Ok(None);
        };
        let writer = self.writer(schema)?;
        let (id, latest) = self.inner.registered.id_for(
            "Avro",
            topic,
            &writer.full_name,
            &writer.registered,
            &writer.ids,
            |latest| {
                let subject = self.inner.registered.subject(topic, &writer.full_name);
                self.latest(topic, &subject, &writer.registered, latest)
            },
        )?;
        let datum = value::to_avro(&writer.connect, &data.value, "").map_err(|e| {
            ConvertError::new(format!(
                "Failed to serialize Avro data from topic {topic}: {}",
                e.message()
            ))
        })?;
        let mut out = framed(id, 256);
        let written = match &latest {
            Some(reader) => {
                // Confluent's serializer writes the record with the latest schema, field by
                // name (`GenericDatumWriter` over the record `AvroData` built).
                let datum = project(datum, &reader.avro, &reader.names, 0).map_err(|e| {
                    ConvertError::new(format!(
                        "Failed to serialize Avro data from topic {topic}: {e}"
                    ))
                })?;
                apache_avro::to_avro_datum_schemata(&reader.avro, reader.schemata(), datum)
                    .map(|body| out.extend_from_slice(&body))
            }
            None => {
                let start = out.len();
                lock(&writer.resolved)
                    .write_value(datum, &mut out)
                    .map(|_| {
                        // Cut the frame the single-object writer put before the datum.
                        out.drain(start..start + FRAME.len());
                    })
            }
        };
        written.map_err(|e| {
            ConvertError::new(format!(
                "Failed to serialize Avro data from topic {topic}: {e}"
            ))
        })?;
        Ok(Some(out))
    }

    /// The bytes to write for a key or value no transform changed: its schema is validated
    /// under the output topic's subject like any other, and the id the registry gives there is
    /// written (the datum is the same: the schema is the same).
    pub fn pass_through(
        &self,
        topic: &str,
        bytes: Option<&[u8]>,
    ) -> Result<Option<Vec<u8>>, ConvertError> {
        let Some(bytes) = bytes else {
            return Ok(None);
        };
        let id = Self::id_of(topic, bytes)?;
        let rewrite = |out_id: SchemaId| {
            let mut out = bytes.to_vec();
            out[1..5].copy_from_slice(&out_id.0.to_be_bytes());
            Some(out)
        };
        let reader = self.reader(topic, id)?;
        let subject = self.inner.registered.subject(topic, &reader.full_name);
        if self.config().use_latest_version {
            // Written with the latest schema: decode and encode again.
            let data = self.to_connect(topic, Some(bytes))?;
            return self.from_connect(topic, &data);
        }
        let key = (subject, id);
        if let Some(out_id) = lock(&self.inner.passed).get(&key) {
            return Ok(rewrite(*out_id));
        }
        let (out_id, _) = self.inner.registered.validate(
            "Avro",
            topic,
            &key.0,
            &reader.registered,
            |latest| self.latest(topic, &key.0, &reader.registered, latest),
        )?;
        lock(&self.inner.passed).put(key, out_id);
        Ok(rewrite(out_id))
    }
}

/// Why the latest schema cannot read data written with `writer` (Avro Java's
/// `SchemaCompatibility`, as `AvroSchema.isBackwardCompatible`), or `None` when it can. The
/// latest schema's references are resolved as they were to decode with it; `writer` is the
/// record's own schema, which Switchyard writes whole, without references.
fn not_backward(latest: &Reader, writer: &str) -> Option<String> {
    let references: Vec<&str> = latest.reference_texts.iter().map(String::as_str).collect();
    let latest =
        switchyard_schema::Schema::parse_with_references(&latest.registered.schema, &references)
            .ok()?;
    let writer = switchyard_schema::Schema::parse(writer).ok()?;
    let found = switchyard_schema::check_reader_writer(&latest, &writer).ok()?;
    found.first().map(|i| format!("{i:?}"))
}

/// A datum built for one schema, as Avro Java's `GenericDatumWriter` writes it with another:
/// record fields by name (a field the datum lacks is null, which only a union with null
/// takes), unions by the branch the value fits. How deep it may go is [`bounds::MAX_DEPTH`].
fn project(
    value: apache_avro::types::Value,
    schema: &apache_avro::Schema,
    names: &bounds::Names,
    depth: usize,
) -> Result<apache_avro::types::Value, String> {
    use apache_avro::Schema as S;
    use apache_avro::types::Value as V;
    if depth > bounds::MAX_DEPTH {
        return Err("the datum nests too deep".into());
    }
    Ok(match (schema, value) {
        (S::Ref { name }, value) => match names.get(name) {
            Some(named) => project(value, named, names, depth + 1)?,
            None => {
                return Err(format!(
                    "the latest schema names an unknown type {}",
                    name.name
                ));
            }
        },
        (S::Union(union), V::Union(_, inner)) => project_union(*inner, union, names, depth)?,
        // An optional value of the record's schema into a field the latest schema requires.
        (schema, V::Union(_, inner)) => project(*inner, schema, names, depth + 1)?,
        (S::Union(union), value) => project_union(value, union, names, depth)?,
        (S::Record(record), V::Record(fields)) => {
            let mut fields: Vec<(String, V)> = fields;
            let mut out = Vec::with_capacity(record.fields.len());
            for field in &record.fields {
                let value = match fields.iter().position(|(n, _)| *n == field.name) {
                    Some(i) => fields.swap_remove(i).1,
                    None => V::Null,
                };
                let value = project(value, &field.schema, names, depth + 1)
                    .map_err(|e| format!("field {}: {e}", field.name))?;
                out.push((field.name.clone(), value));
            }
            V::Record(out)
        }
        (S::Array(array), V::Array(items)) => V::Array(
            items
                .into_iter()
                .map(|v| project(v, &array.items, names, depth + 1))
                .collect::<Result<_, _>>()?,
        ),
        (S::Map(map), V::Map(entries)) => V::Map(
            entries
                .into_iter()
                .map(|(k, v)| Ok((k, project(v, &map.types, names, depth + 1)?)))
                .collect::<Result<_, String>>()?,
        ),
        (S::Null, V::Null) => V::Null,
        (_, V::Null) => return Err("null value for a schema that is not nullable".into()),
        (_, value) => value,
    })
}

/// [`project`] into a union: null into its null branch, anything else into its first other
/// branch (Connect's unions are `[null, T]`).
fn project_union(
    value: apache_avro::types::Value,
    union: &apache_avro::schema::UnionSchema,
    names: &bounds::Names,
    depth: usize,
) -> Result<apache_avro::types::Value, String> {
    use apache_avro::Schema as S;
    use apache_avro::types::Value as V;
    let variants = union.variants();
    let null = matches!(value, V::Null);
    let index = variants
        .iter()
        .position(|v| matches!(v, S::Null) == null)
        .ok_or_else(|| "a union without a branch for the value".to_string())?;
    let inner = project(value, &variants[index], names, depth + 1)?;
    Ok(V::Union(index as u32, Box::new(inner)))
}

/// The full name of a schema's top-level type (the primitive's name for primitives), as
/// Confluent's `AvroSchema.name()` gives it.
fn full_name_of(schema: &apache_avro::Schema) -> String {
    match schema.name() {
        Some(name) => name.fullname(None),
        None => match schema {
            apache_avro::Schema::Union(union) => union
                .variants()
                .iter()
                .find_map(|v| v.name().map(|n| n.fullname(None)))
                .unwrap_or_else(|| "union".into()),
            other => serde_json::to_value(other)
                .ok()
                .and_then(|v| match v {
                    serde_json::Value::String(s) => Some(s),
                    serde_json::Value::Object(o) => {
                        o.get("type").and_then(|t| t.as_str()).map(str::to_owned)
                    }
                    _ => None,
                })
                .unwrap_or_else(|| "unknown".into()),
        },
    }
}

#[cfg(test)]
mod tests;
