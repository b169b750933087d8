//! Confluent's `io.confluent.connect.protobuf.ProtobufConverter`: Protobuf binary in Confluent's
//! wire format with `.proto` schemas (`schemaType` `PROTOBUF`) in a schema registry.
//!
//! # Wire format
//! The magic byte `0`, the schema's registry id as a 4-byte big-endian integer, the *message
//! indexes* — the path from the schema's top-level messages to the message written, as a
//! zig-zag varint count followed by zig-zag varint indexes, with the common path `[0]` written
//! as the single byte `0` — then the message's Protobuf binary
//! (`AbstractKafkaProtobufSerializer`, `MessageIndexes`). Null bytes are a null key or value.
//!
//! # Reading (`toConnectData`)
//! The schema is fetched by id, its references fetched as the files it imports (by reference
//! name), and compiled with `protox`; Confluent's bundled types (`confluent/meta.proto`,
//! `confluent/type/decimal.proto`, `google/type/date.proto`, `google/type/timeofday.proto`) and
//! Google's well-known types are imported without references, as Confluent's serializers do.
//! The message the indexes name is decoded with `prost-reflect` and mapped as Confluent's
//! `ProtobufData` maps it ([`schema`], [`value`]): a message is a struct named by the
//! message's simple name (its full name with `enhanced.protobuf.schema.support`), each field
//! optional (with `wrapper.for.nullables`, only messages, enums and repeated fields are) and
//! carrying its number in `io.confluent.connect.protobuf.Tag`, a `oneof` a struct of its
//! members, repeated fields arrays, maps maps, enums strings with their symbols as parameters,
//! `confluent.type.Decimal` / `google.type.Date` / `google.type.TimeOfDay` /
//! `google.protobuf.Timestamp` Connect's `Decimal` / `Date` / `Time` / `Timestamp`, and an
//! unset scalar its default (0, "", false), as proto3 reads it.
//!
//! # Writing (`fromConnectData`)
//! A Connect struct schema is written as a proto3 file (its package the namespace of the
//! struct's name) and compiled, validated against the registry under the subject the subject
//! name strategy gives (the record name is the message's full name), exactly as the
//! AvroConverter does, and the value is written field by name with the indexes `[0]`. Nulls
//! are left unset (so an optional scalar null reads back as its default, as with Confluent's
//! converter, unless `wrapper.for.nullables` writes it as a wrapper message); empty arrays are
//! left unset too.
//!
//! # Differences from Confluent's converter
//! - The `.proto` text registered is Switchyard's rendering of the same schema (field order,
//!   numbers, types and options as `ProtobufData` builds them; a registry compares schemas by
//!   their parsed form).
//! - A message that contains itself (directly or not) cannot be read: Connect schemas are
//!   trees here.
//! - A field written takes the number it carries (`io.confluent.connect.protobuf.Tag`) unless an
//!   earlier field of the message took it, and a field without one, or with one taken, the
//!   next number no field of the message carries. `ProtobufData` numbers the fields without a
//!   number 1, 2, … whatever the others carry, and so gives a number twice, and writes no
//!   schema, when a transform adds fields to a struct read from Protobuf (Debezium's
//!   `ExtractNewRecordState` copies `__op`, `__table` and `__lsn` with the numbers of the
//!   envelope's and the source's fields). Where it gives no number twice the numbers are the
//!   same.
//! - With `use.latest.version`, values are written with the latest schema field by name (a
//!   field the latest lacks fails the record, as Confluent's "Cannot find field"), without the
//!   schema-level check of `latest.compatibility.strict`.

pub mod bundled;
pub mod schema;
pub mod value;

#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use prost_reflect::prost::Message as _;
use prost_reflect::prost::encoding::decode_varint;
use prost_reflect::{DescriptorPool, DynamicMessage, MessageDescriptor};

use super::{ConvertError, ConverterConfigError};
use crate::registered::{
    Readers, Registered, RegistryConverterConfig, SubjectIds, Translation, Translations,
    expect_type, framed, lock,
};
use schema::Options;
use switchyard_data::{ConnectData, Schema};
use switchyard_registry::{RegistrySchema, SchemaId};

/// The settings of a [`ProtobufConverter`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProtobufConverterConfig {
    /// The settings every registry-backed converter has.
    pub shared: RegistryConverterConfig,
    /// `enhanced.protobuf.schema.support` and `wrapper.for.nullables`.
    pub options: Options,
}

/// The ProtobufConverter's own keys.
const OWN_KEYS: &[&str] = &[
    "enhanced.protobuf.schema.support",
    "wrapper.for.nullables",
    "scrub.invalid.names",
];

impl ProtobufConverterConfig {
    /// Reads the settings (without the `key.converter.` / `value.converter.` prefix).
    pub fn parse(
        settings: &[(String, String)],
        is_key: bool,
    ) -> Result<Self, ConverterConfigError> {
        let mut options = Options::default();
        let own = &mut |key: &str, value: &str| {
            match key {
                "enhanced.protobuf.schema.support" => {
                    options.enhanced = crate::json::parse_bool(key, value)?
                }
                "wrapper.for.nullables" => options.wrappers = crate::json::parse_bool(key, value)?,
                "scrub.invalid.names" if crate::json::parse_bool(key, value)? => {
                    return Err(ConverterConfigError {
                        key: key.to_owned(),
                        message: "true is not supported: names that are not Protobuf names fail the record".into(),
                    });
                }
                other => return Ok(OWN_KEYS.contains(&other)),
            }
            Ok(true)
        };
        let shared =
            RegistryConverterConfig::parse(settings, is_key, "ProtobufConverter", OWN_KEYS, own)?;
        Ok(ProtobufConverterConfig { shared, options })
    }
}

/// A message of a schema and its Connect schema.
type Located = (MessageDescriptor, Arc<Schema>);

/// A writer's schema, compiled once per id.
struct Reader {
    pool: DescriptorPool,
    /// The name the schema's own file was compiled under.
    file: String,
    /// Per message-index path: the message and its Connect schema.
    messages: Mutex<HashMap<Vec<i32>, Located>>,
}

/// A Connect schema written as a `.proto` file, with the ids it has under each subject.
struct Writer {
    connect: Arc<Schema>,
    message: MessageDescriptor,
    registered: RegistrySchema,
    full_name: String,
    ids: SubjectIds<Reader>,
    /// The size of the last record written with this schema, to allocate the next at once.
    last_size: AtomicUsize,
}

impl Translation for Writer {
    fn connect(&self) -> &Arc<Schema> {
        &self.connect
    }
}

struct Inner {
    registered: Registered,
    options: Options,
    readers: Readers<Reader>,
    writers: Translations<Writer>,
}

/// Confluent's `ProtobufConverter`. Cheap to clone: clones share the registry client and caches.
#[derive(Clone)]
pub struct ProtobufConverter {
    inner: Arc<Inner>,
}

impl fmt::Debug for ProtobufConverter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProtobufConverter")
            .field("is_key", &self.inner.registered.is_key)
            .field("config", &self.inner.registered.config)
            .field("options", &self.inner.options)
            .finish_non_exhaustive()
    }
}

/// The file name a schema's own text is compiled under (not an import path of any reference).
const ROOT_FILE: &str = "switchyard/registered-schema.proto";

/// Compiles `text` (with `imports`: import path → text) into a pool.
fn compile(text: &str, imports: Vec<(String, String)>) -> Result<DescriptorPool, ConvertError> {
    let mut sources = imports;
    sources.push((ROOT_FILE.to_owned(), text.to_owned()));
    let mut compiler = protox::Compiler::with_file_resolver(bundled::resolver(sources));
    compiler.include_imports(true);
    compiler
        .open_file(ROOT_FILE)
        .map_err(|e| ConvertError::new(format!("invalid Protobuf schema: {e}")))?;
    Ok(compiler.descriptor_pool())
}

/// The most bytes a varint of the message indexes takes: Java's `ByteUtils.readVarint` reads
/// an `int`, seven bits a byte, and refuses a sixth byte ("Varint is too long").
const MAX_VARINT_BYTES: usize = 5;

/// Reads a zig-zag varint (`ByteUtils.readVarint`) from `bytes` at `*at`: `None` when the
/// bytes end inside it or it runs past [`MAX_VARINT_BYTES`]. As in Java, the bits of a fifth
/// byte beyond the 32nd are dropped.
fn read_varint(bytes: &[u8], at: &mut usize) -> Option<i32> {
    let rest = bytes.get(*at..)?;
    let mut window = rest.get(..MAX_VARINT_BYTES).unwrap_or(rest);
    let before = window.len();
    // Within the window a varint that does not end is cut short: an error either way.
    let raw = decode_varint(&mut window).ok()?;
    *at += before - window.len();
    Some(zig_zag(raw as u32))
}

/// The signed integer a zig-zag encoded one stands for (0, -1, 1, -2, … for 0, 1, 2, 3, …).
fn zig_zag(raw: u32) -> i32 {
    ((raw >> 1) as i32) ^ -((raw & 1) as i32)
}

/// The message indexes at the start of `body`, and where the message starts.
fn message_indexes(body: &[u8]) -> Option<(Vec<i32>, usize)> {
    let mut at = 0;
    let count = read_varint(body, &mut at)?;
    if count == 0 {
        return Some((vec![0], at));
    }
    // Each index takes a byte at least: a count beyond the bytes is malformed.
    if count < 0 || count as usize > body.len() {
        return None;
    }
    let mut indexes = Vec::with_capacity(count as usize);
    for _ in 0..count {
        indexes.push(read_varint(body, &mut at)?);
    }
    Some((indexes, at))
}

impl Reader {
    /// The message the indexes name: top-level messages of the schema's file, then nested ones.
    fn message(
        &self,
        indexes: &[i32],
        options: Options,
    ) -> Result<(MessageDescriptor, Arc<Schema>), ConvertError> {
        if let Some(found) = lock(&self.messages).get(indexes) {
            return Ok(found.clone());
        }
        let file = self
            .pool
            .get_file_by_name(&self.file)
            .ok_or_else(|| ConvertError::new("the compiled schema has no file".into()))?;
        let missing =
            || ConvertError::new(format!("the schema has no message at indexes {indexes:?}"));
        let mut indexes_left = indexes.iter();
        let first = *indexes_left.next().ok_or_else(missing)?;
        let mut message = file
            .messages()
            .nth(usize::try_from(first).map_err(|_| missing())?)
            .ok_or_else(missing)?;
        for index in indexes_left {
            let nested = message
                .child_messages()
                .filter(|m| !m.is_map_entry())
                .nth(usize::try_from(*index).map_err(|_| missing())?)
                .ok_or_else(missing)?;
            message = nested;
        }
        let connect = Arc::new(schema::to_connect(&message, options)?);
        let found = (message, connect);
        lock(&self.messages).insert(indexes.to_vec(), found.clone());
        Ok(found)
    }
}

impl ProtobufConverter {
    /// Builds a converter from its settings (without the `value.converter.` prefix).
    pub fn configure(
        settings: &[(String, String)],
        is_key: bool,
    ) -> Result<Self, ConverterConfigError> {
        Self::new(ProtobufConverterConfig::parse(settings, is_key)?, is_key)
    }

    /// A converter with the given settings.
    pub fn new(
        config: ProtobufConverterConfig,
        is_key: bool,
    ) -> Result<Self, ConverterConfigError> {
        let capacity = config.shared.schemas_cache_size;
        Ok(ProtobufConverter {
            inner: Arc::new(Inner {
                registered: Registered::new(config.shared, is_key)?,
                options: config.options,
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
            .get(registered, topic, id, "Protobuf", |r| {
                self.parse_registered(r)
            })
    }

    /// Compiles a registered schema and its references into a [`Reader`].
    fn parse_registered(&self, registered: &RegistrySchema) -> Result<Reader, ConvertError> {
        expect_type(registered, "PROTOBUF")?;
        let imports = self.inner.registered.references(registered)?;
        Ok(Reader {
            pool: compile(&registered.schema, imports)?,
            file: ROOT_FILE.to_owned(),
            messages: Mutex::new(HashMap::new()),
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
        let context = || format!("Failed to deserialize data for topic {topic} to Protobuf");
        let id = Registered::id_of(topic, bytes, "Protobuf")?;
        let reader = self.reader(topic, id)?;
        let (indexes, start) = message_indexes(&bytes[5..]).ok_or_else(|| {
            ConvertError::new(format!("{}: malformed message indexes", context()))
        })?;
        let (descriptor, connect) = reader
            .message(&indexes, self.inner.options)
            .map_err(|e| e.context(&context()))?;
        let message = DynamicMessage::decode(descriptor, &bytes[5 + start..])
            .map_err(|e| ConvertError::new(format!("{}: {e}", context())))?;
        let value = value::to_connect(&message, &connect, self.inner.options)
            .map_err(|e| e.context(&context()))?;
        Ok(ConnectData {
            schema: Some(connect),
            value,
        })
    }

    /// Makes sure the writer's schema of wire-format bytes is at hand, so decoding them later
    /// does not need the registry. Only a transient failure is reported.
    pub fn prefetch(&self, topic: &str, bytes: Option<&[u8]>) -> Result<(), ConvertError> {
        Registered::prefetch(topic, bytes, "Protobuf", |id| self.reader(topic, id))
    }

    /// The `.proto` rendering of a Connect schema, cached.
    fn writer(&self, schema: &Arc<Schema>) -> Result<Arc<Writer>, ConvertError> {
        self.inner.writers.get(schema, || {
            let (text, full_name) = schema::to_proto(schema, self.inner.options)?;
            let pool = compile(&text, Vec::new())
                .map_err(|e| e.context(&format!("the schema written for {full_name}")))?;
            let message = pool.get_message_by_name(&full_name).ok_or_else(|| {
                ConvertError::new(format!("the schema written has no message {full_name}"))
            })?;
            Ok(Writer {
                connect: Arc::clone(schema),
                message,
                registered: RegistrySchema {
                    schema: text,
                    schema_type: Some("PROTOBUF".into()),
                    references: Vec::new(),
                },
                full_name,
                ids: SubjectIds::default(),
                last_size: AtomicUsize::new(64),
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
        let context = || format!("Failed to serialize Protobuf data from topic {topic}");
        let Some(schema) =
            self.inner
                .registered
                .schema_to_write(data, topic, "Protobuf", "ProtobufConverter")?
        else {
            return Ok(None);
        };
        let writer = self.writer(schema).map_err(|e| e.context(&context()))?;
        let (id, latest) = self.inner.registered.id_for(
            "Protobuf",
            topic,
            &writer.full_name,
            &writer.registered,
            &writer.ids,
            |latest| self.reader(topic, latest),
        )?;
        let descriptor = match &latest {
            Some(reader) => reader.message(&[0], self.inner.options)?.0,
            None => writer.message.clone(),
        };
        let message = value::from_connect(&descriptor, &writer.connect, &data.value)
            .map_err(|e| e.context(&context()))?;
        // `encode_raw` rather than `encode`, which computes the whole message's size first
        // (nested messages compute theirs again for their length prefixes): a vector grows.
        let mut out = framed(id, writer.last_size.load(Ordering::Relaxed) + 16);
        // The message indexes `[0]`: the first message of the schema.
        out.push(0);
        message.encode_raw(&mut out);
        writer.last_size.store(out.len(), Ordering::Relaxed);
        Ok(Some(out))
    }
}
