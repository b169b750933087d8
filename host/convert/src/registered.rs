//! What the converters backed by a schema registry share (Confluent's
//! `AbstractKafkaSchemaSerDe` and its config): the settings of the registry and of subjects,
//! the subject name strategies, the wire format's header, fetching a writer's schema by id,
//! and validating a schema under a subject before writing (`auto.register.schemas`,
//! `use.latest.version`, lookup), with the wait for ids a restarting registry does not know yet.
//!
//! The [`AvroConverter`](crate::AvroConverter) and the
//! [`JsonSchemaConverter`](crate::JsonSchemaConverter) each add their format on top.

use std::collections::HashMap;
use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use lru::LruCache;

use super::{ConvertError, ConverterConfigError};
use switchyard_data::{ConnectData, Schema};
use switchyard_registry::{
    Client, REGISTRY_KEYS, RegistryConfig, RegistryError, RegistrySchema, SchemaId,
};

/// The magic byte that starts Confluent's wire format.
pub const MAGIC_BYTE: u8 = 0;

/// How the subject a schema is registered under is named
/// (`io.confluent.kafka.serializers.subject.*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SubjectNameStrategy {
    /// `TopicNameStrategy`: `<topic>-key` / `<topic>-value` (the default).
    #[default]
    TopicName,
    /// `RecordNameStrategy`: the record's fully-qualified name.
    RecordName,
    /// `TopicRecordNameStrategy`: `<topic>-<fully-qualified record name>`.
    TopicRecordName,
}

impl SubjectNameStrategy {
    /// The strategy a class name (fully qualified or simple) names.
    pub fn from_class(class: &str) -> Option<Self> {
        match class.trim().rsplit('.').next().unwrap_or(class) {
            "TopicNameStrategy" => Some(SubjectNameStrategy::TopicName),
            "RecordNameStrategy" => Some(SubjectNameStrategy::RecordName),
            "TopicRecordNameStrategy" => Some(SubjectNameStrategy::TopicRecordName),
            _ => None,
        }
    }

    /// The subject for a schema whose full name is `record` written to `topic`.
    pub fn subject(self, topic: &str, is_key: bool, record: &str) -> String {
        match self {
            SubjectNameStrategy::TopicName => {
                format!("{topic}-{}", if is_key { "key" } else { "value" })
            }
            SubjectNameStrategy::RecordName => record.to_owned(),
            SubjectNameStrategy::TopicRecordName => format!("{topic}-{record}"),
        }
    }
}

/// The settings every registry-backed converter has (Confluent's
/// `AbstractKafkaSchemaSerDeConfig` and the converter configs built on it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistryConverterConfig {
    /// The registry client's settings (`schema.registry.url`, `basic.auth.*`, …).
    pub registry: RegistryConfig,
    /// `key.subject.name.strategy` / `value.subject.name.strategy`.
    pub subject_name_strategy: SubjectNameStrategy,
    /// `auto.register.schemas` (default true).
    pub auto_register_schemas: bool,
    /// `use.latest.version` (default false).
    pub use_latest_version: bool,
    /// `latest.compatibility.strict` (default true): with `use.latest.version`, the latest
    /// schema must be able to read data of the record's own schema (backward compatible).
    pub latest_compatibility_strict: bool,
    /// `schemas.cache.config`: schema translations kept (default 1000).
    pub schemas_cache_size: NonZeroUsize,
    /// `unknown.schema.wait.ms` (Switchyard's; default 30000): how long a schema id the
    /// registry answers 40403 for is waited for (as a registry outage is) before the record
    /// that names it fails. A restarting registry (Karapace replaying its topic, for one)
    /// answers 40403 for ids it holds; zero fails such records at once, as Confluent's
    /// converters do.
    pub unknown_schema_wait: Duration,
}

/// The keys [`RegistryConverterConfig`] reads, besides [`REGISTRY_KEYS`].
const SHARED_KEYS: &[&str] = &[
    "key.subject.name.strategy",
    "value.subject.name.strategy",
    "auto.register.schemas",
    "use.latest.version",
    "latest.compatibility.strict",
    "schemas.cache.config",
    "unknown.schema.wait.ms",
];

impl RegistryConverterConfig {
    /// Reads the shared settings (without the `key.converter.` / `value.converter.` prefix).
    /// `own` is offered every other key first and answers whether it is one of the
    /// converter's own (`own_keys` lists them for the error of an unknown key); `class` names
    /// the converter in that error.
    pub fn parse(
        settings: &[(String, String)],
        is_key: bool,
        class: &str,
        own_keys: &[&str],
        own: &mut dyn FnMut(&str, &str) -> Result<bool, ConverterConfigError>,
    ) -> Result<Self, ConverterConfigError> {
        let registry = RegistryConfig::from_settings(settings).map_err(config_error)?;
        let mut config = RegistryConverterConfig {
            registry,
            subject_name_strategy: SubjectNameStrategy::default(),
            auto_register_schemas: true,
            use_latest_version: false,
            latest_compatibility_strict: true,
            schemas_cache_size: NonZeroUsize::new(1000).unwrap_or(NonZeroUsize::MIN),
            unknown_schema_wait: Duration::from_secs(30),
        };
        let strategy_key = if is_key {
            "key.subject.name.strategy"
        } else {
            "value.subject.name.strategy"
        };
        for (key, value) in settings {
            let error = |message: String| ConverterConfigError {
                key: key.clone(),
                message,
            };
            match key.as_str() {
                k if k == strategy_key => {
                    config.subject_name_strategy = SubjectNameStrategy::from_class(value)
                        .ok_or_else(|| {
                            error(format!(
                                "unknown subject name strategy {value}; supported: TopicNameStrategy, RecordNameStrategy, TopicRecordNameStrategy"
                            ))
                        })?;
                }
                "auto.register.schemas" => {
                    config.auto_register_schemas = super::json::parse_bool(key, value)?
                }
                "use.latest.version" => {
                    config.use_latest_version = super::json::parse_bool(key, value)?
                }
                "latest.compatibility.strict" => {
                    config.latest_compatibility_strict = super::json::parse_bool(key, value)?;
                }
                "unknown.schema.wait.ms" => {
                    let millis = value.trim().parse::<u64>().map_err(|_| {
                        error(format!(
                            "Invalid value {value} for configuration {key}: Not a number of type LONG"
                        ))
                    })?;
                    config.unknown_schema_wait = Duration::from_millis(millis);
                }
                "schemas.cache.config" => {
                    config.schemas_cache_size = value
                        .trim()
                        .parse::<usize>()
                        .ok()
                        .and_then(NonZeroUsize::new)
                        .ok_or_else(|| error(format!("`{value}` is not a positive integer")))?;
                }
                k if SHARED_KEYS.contains(&k) || REGISTRY_KEYS.contains(&k) => {}
                k if own(k, value)? => {}
                other => {
                    return Err(error(format!(
                        "`{other}` is not a setting of the {class} that Switchyard supports; supported: {}, {}, {}",
                        REGISTRY_KEYS.join(", "),
                        SHARED_KEYS.join(", "),
                        own_keys.join(", ")
                    )));
                }
            }
        }
        Ok(config)
    }
}

/// A registry client's configuration error as a converter's.
fn config_error(e: RegistryError) -> ConverterConfigError {
    match e {
        RegistryError::Config { key, message } => ConverterConfigError { key, message },
        other => ConverterConfigError {
            key: "schema.registry.url".into(),
            message: other.to_string(),
        },
    }
}

/// Locks a converter cache. Every update of a cache is one call: a panic elsewhere cannot leave
/// it half-done.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A registry failure as a converter error: transient when the registry is unavailable.
pub(crate) fn registry_error(context: String, error: &RegistryError) -> ConvertError {
    if error.is_transient() {
        ConvertError::transient(format!("{context}: {error}"))
    } else {
        ConvertError::new(format!("{context}: {error}"))
    }
}

/// What a registry answered "not found" for.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Unknown {
    /// A schema id (40403).
    Id(SchemaId),
    /// A subject, or a schema under it (40401, 40403 on lookup).
    Subject(String),
}

/// The registry side of a converter: its settings, its client, and when the registry first
/// answered "not found" for an id or a subject (see `unknown.schema.wait.ms`).
pub(crate) struct Registered {
    /// Whether the converter converts keys (else values).
    pub is_key: bool,
    /// The settings.
    pub config: RegistryConverterConfig,
    /// The client.
    pub registry: Client,
    unknown_since: Mutex<LruCache<Unknown, Instant>>,
}

impl Registered {
    /// The registry side of a converter with these settings.
    pub fn new(
        config: RegistryConverterConfig,
        is_key: bool,
    ) -> Result<Self, ConverterConfigError> {
        let registry = Client::new(config.registry.clone()).map_err(config_error)?;
        Ok(Registered {
            is_key,
            registry,
            unknown_since: Mutex::new(LruCache::new(config.schemas_cache_size)),
            config,
        })
    }

    /// `key` or `value`, for messages.
    pub fn part(&self) -> &'static str {
        if self.is_key { "key" } else { "value" }
    }

    /// The schema id of wire-format bytes; `format` names the format in the error
    /// (`Failed to deserialize data for topic … to Avro: Unknown magic byte!`).
    pub fn id_of(topic: &str, bytes: &[u8], format: &str) -> Result<SchemaId, ConvertError> {
        match bytes {
            [MAGIC_BYTE, a, b, c, d, ..] => Ok(SchemaId(u32::from_be_bytes([*a, *b, *c, *d]))),
            _ => Err(ConvertError::new(format!(
                "Failed to deserialize data for topic {topic} to {format}: Unknown magic byte!"
            ))),
        }
    }

    /// The subject `topic`'s schema whose full name is `record` is registered under.
    pub fn subject(&self, topic: &str, record: &str) -> String {
        self.config
            .subject_name_strategy
            .subject(topic, self.is_key, record)
    }

    /// The schema the registry holds under `id`; `context` starts the error's message.
    pub fn schema_by_id(
        &self,
        id: SchemaId,
        context: &dyn Fn() -> String,
    ) -> Result<Arc<RegistrySchema>, ConvertError> {
        let found = self
            .registry
            .schema_by_id(id)
            .map_err(|e| self.not_found(Unknown::Id(id), context(), &e, &[40403]))?;
        lock(&self.unknown_since).pop(&Unknown::Id(id));
        Ok(found)
    }

    /// The schemas `registered` refers to, directly or not, each once, each after those it
    /// refers to: the name the reference gives it, and its text.
    pub fn references(
        &self,
        registered: &RegistrySchema,
    ) -> Result<Vec<(String, String)>, ConvertError> {
        let mut found_all: Vec<(String, String)> = Vec::new();
        let mut seen = Vec::new();
        let mut pending: Vec<_> = registered.references.iter().rev().cloned().collect();
        while let Some(reference) = pending.pop() {
            if seen.contains(&(reference.subject.clone(), reference.version)) {
                continue;
            }
            seen.push((reference.subject.clone(), reference.version));
            let found = self
                .registry
                .version(&reference.subject, reference.version)
                .map_err(|e| {
                    registry_error(
                        format!(
                            "cannot resolve the reference {} ({} version {})",
                            reference.name, reference.subject, reference.version
                        ),
                        &e,
                    )
                })?;
            pending.extend(found.schema.references.iter().rev().cloned());
            found_all.push((reference.name, found.schema.schema));
        }
        found_all.reverse();
        Ok(found_all)
    }

    /// Validates `schema` under `subject` as the settings say (`AbstractKafka…Serializer`):
    /// with `use.latest.version` the subject's latest schema is fetched and given to `latest`
    /// (which checks it may be written with and returns what to write with); else the schema
    /// is registered (`auto.register.schemas`) or looked up. Returns the id to write and what
    /// `latest` returned. `format` names the format in messages (`Avro`, `JSON`).
    pub fn validate<R>(
        &self,
        format: &str,
        topic: &str,
        subject: &str,
        schema: &RegistrySchema,
        latest: impl FnOnce(SchemaId) -> Result<R, ConvertError>,
    ) -> Result<(SchemaId, Option<R>), ConvertError> {
        let registry = &self.registry;
        let config = &self.config;
        let context = |what: &str| {
            format!(
                "Failed to serialize {format} data from topic {topic}: the schema registry {what} the {} schema under subject {subject}",
                self.part()
            )
        };
        let unknown = || Unknown::Subject(subject.to_owned());
        if config.use_latest_version {
            let found = registry.latest_version(subject).map_err(|e| {
                self.not_found(unknown(), context("has no latest version of"), &e, &[40401])
            })?;
            lock(&self.unknown_since).pop(&unknown());
            return Ok((found.id, Some(latest(found.id)?)));
        }
        if config.auto_register_schemas {
            let id = registry
                .register(subject, schema)
                .map_err(|e| registry_error(context("refused to register"), &e))?;
            return Ok((id, None));
        }
        let found = registry
            .lookup(subject, schema)
            .map_err(|e| self.not_found(unknown(), context("did not find"), &e, &[40401, 40403]))?;
        lock(&self.unknown_since).pop(&unknown());
        Ok((found.id, None))
    }

    /// The error a registry answer stands for. A "not found" (`codes`) for `key` is waited for
    /// as an outage is (a transient error) until `key` has been unknown for
    /// `unknown.schema.wait.ms`: a registry that is restarting (Karapace replaying its topic)
    /// answers so for what it holds. After that, and for any other answer, it is the record's.
    fn not_found(
        &self,
        key: Unknown,
        context: String,
        error: &RegistryError,
        codes: &[i64],
    ) -> ConvertError {
        if !error.error_code().is_some_and(|c| codes.contains(&c)) {
            return registry_error(context, error);
        }
        let wait = self.config.unknown_schema_wait;
        let since = *lock(&self.unknown_since).get_or_insert(key, Instant::now);
        if since.elapsed() < wait {
            return ConvertError::transient(format!(
                "{context}: {error} (waiting up to {} ms for the registry to know it: \
                 unknown.schema.wait.ms)",
                wait.as_millis()
            ));
        }
        registry_error(context, error)
    }
}

/// A buffer for a wire-format key or value, started with its header (the magic byte and the
/// schema id).
pub(crate) fn framed(id: SchemaId, capacity: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(capacity);
    out.push(MAGIC_BYTE);
    out.extend_from_slice(&id.0.to_be_bytes());
    out
}

/// Writers' schemas read from the registry, by id, each parsed once (the format's own form:
/// an `apache-avro` schema, a JSON Schema and its Connect schema, a compiled `.proto`).
pub(crate) struct Readers<R> {
    cache: Mutex<LruCache<SchemaId, Arc<R>>>,
}

impl<R> Readers<R> {
    /// An empty cache of `capacity` schemas.
    pub fn new(capacity: NonZeroUsize) -> Self {
        Readers {
            cache: Mutex::new(LruCache::new(capacity)),
        }
    }

    /// The schema with `id`, from the cache, or fetched from the registry and parsed by
    /// `parse` (for decoding a record of `topic`; `format` names the format in messages). A
    /// failure keeps its kind: an outage stays transient.
    pub fn get(
        &self,
        registered: &Registered,
        topic: &str,
        id: SchemaId,
        format: &str,
        parse: impl FnOnce(&Arc<RegistrySchema>) -> Result<R, ConvertError>,
    ) -> Result<Arc<R>, ConvertError> {
        if let Some(found) = lock(&self.cache).get(&id) {
            return Ok(Arc::clone(found));
        }
        let context = || {
            format!(
                "Failed to deserialize data for topic {topic} to {format}: Error retrieving {format} {} schema for id {id}",
                registered.part()
            )
        };
        let schema = registered.schema_by_id(id, &context)?;
        let parsed = Arc::new(parse(&schema).map_err(|e| e.context(&context()))?);
        lock(&self.cache).put(id, Arc::clone(&parsed));
        Ok(parsed)
    }
}

/// Fails unless `schema` is of type `expected` (`AVRO`, `JSON`, `PROTOBUF`; an absent type is
/// `AVRO`).
pub(crate) fn expect_type(schema: &RegistrySchema, expected: &str) -> Result<(), ConvertError> {
    let kind = schema.schema_type.as_deref().unwrap_or("AVRO");
    if kind == expected {
        Ok(())
    } else {
        Err(ConvertError::new(format!(
            "the schema is of type {kind}, not {expected}"
        )))
    }
}

/// A Connect schema translated to a format, as a converter writes it.
pub(crate) trait Translation {
    /// The Connect schema translated.
    fn connect(&self) -> &Arc<Schema>;
}

/// Translations of the Connect schemas a converter has written, each made once.
pub(crate) struct Translations<T> {
    /// By the schema's address; converters share schemas behind `Arc`s, and equality confirms
    /// an entry (a freed schema's address may be reused by another).
    cache: Mutex<LruCache<usize, Vec<Arc<T>>>>,
}

impl<T: Translation> Translations<T> {
    /// An empty cache of `capacity` schemas.
    pub fn new(capacity: NonZeroUsize) -> Self {
        Translations {
            cache: Mutex::new(LruCache::new(capacity)),
        }
    }

    /// The translation of `schema`, from the cache or made by `make`.
    pub fn get(
        &self,
        schema: &Arc<Schema>,
        make: impl FnOnce() -> Result<T, ConvertError>,
    ) -> Result<Arc<T>, ConvertError> {
        let key = Arc::as_ptr(schema) as usize;
        let same = |t: &Arc<T>| Arc::ptr_eq(t.connect(), schema) || **t.connect() == **schema;
        if let Some(entries) = lock(&self.cache).get(&key)
            && let Some(found) = entries.iter().find(|t| same(t))
        {
            return Ok(Arc::clone(found));
        }
        let made = Arc::new(make()?);
        let mut cache = lock(&self.cache);
        match cache.get_mut(&key) {
            Some(entries) => {
                entries.retain(|t| !same(t));
                entries.push(Arc::clone(&made));
            }
            None => {
                cache.put(key, vec![Arc::clone(&made)]);
            }
        }
        Ok(made)
    }
}

/// What validating a schema under a subject gave: the id to write and, with
/// `use.latest.version`, the latest schema to write with.
pub(crate) type Validated<R> = (SchemaId, Option<Arc<R>>);

/// The id a written schema has under the subject of each topic it was written to and, with
/// `use.latest.version`, the latest schema to write with. Keyed by topic: for one schema (one
/// record name) the subject is a function of the topic, so a record finds its id without
/// building the subject's name.
pub(crate) struct SubjectIds<R> {
    ids: Mutex<HashMap<String, Validated<R>>>,
}

impl<R> Default for SubjectIds<R> {
    fn default() -> Self {
        SubjectIds {
            ids: Mutex::new(HashMap::new()),
        }
    }
}

impl Registered {
    /// The id to write `schema` (whose record name is `full_name`) with to `topic`, and the
    /// latest schema to write with: from `ids`, or validated under the topic's subject
    /// ([`Registered::validate`], with `latest` checking and fetching the latest schema).
    pub fn id_for<R>(
        &self,
        format: &str,
        topic: &str,
        full_name: &str,
        schema: &RegistrySchema,
        ids: &SubjectIds<R>,
        latest: impl FnOnce(SchemaId) -> Result<Arc<R>, ConvertError>,
    ) -> Result<Validated<R>, ConvertError> {
        if let Some(found) = lock(&ids.ids).get(topic) {
            return Ok(found.clone());
        }
        let subject = self.subject(topic, full_name);
        let found = self.validate(format, topic, &subject, schema, latest)?;
        lock(&ids.ids).insert(topic.to_owned(), found.clone());
        Ok(found)
    }

    /// The schema of data to write, or `None` when the data is a null to write as null bytes
    /// (a null value without a schema, or of an optional schema); `class` names the converter
    /// in the error for data without a schema, which a registry-backed converter cannot write.
    pub fn schema_to_write<'d>(
        &self,
        data: &'d ConnectData,
        topic: &str,
        format: &str,
        class: &str,
    ) -> Result<Option<&'d Arc<Schema>>, ConvertError> {
        if data.value.is_null() && data.schema.as_ref().is_none_or(|s| s.optional) {
            return Ok(None);
        }
        match &data.schema {
            Some(schema) => Ok(Some(schema)),
            None => Err(ConvertError::new(format!(
                "Failed to serialize {format} data from topic {topic}: the {} has no schema (the {class} writes schema'd data only)",
                self.part()
            ))),
        }
    }

    /// [`prefetch`](crate::Converter::prefetch) for a format whose schema `fetch` gets by id:
    /// only a transient failure is reported, anything else is left to decoding.
    pub fn prefetch<R>(
        topic: &str,
        bytes: Option<&[u8]>,
        format: &str,
        fetch: impl FnOnce(SchemaId) -> Result<R, ConvertError>,
    ) -> Result<(), ConvertError> {
        let Some(Ok(id)) = bytes.map(|b| Self::id_of(topic, b, format)) else {
            return Ok(());
        };
        match fetch(id) {
            Err(e) if e.is_transient() => Err(e),
            _ => Ok(()),
        }
    }
}
