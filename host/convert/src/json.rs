//! Kafka's `org.apache.kafka.connect.json.JsonConverter` (with `JsonSchema`, `JsonConverterConfig`,
//! `JsonSerializer` and `JsonDeserializer` of `connect/json` in apache/kafka), byte for byte.
//!
//! # Encoding
//! With `schemas.enable=true` a key or value is the envelope `{"schema":…,"payload":…}`; with
//! `false` it is the payload alone, read without a schema. Null bytes are
//! [`ConnectData::NULL`] and back. Schemas are written with their keys in `JsonConverter`'s
//! order (`type`, `fields` | `items` | `keys`,`values`, `optional`, `name`, `version`, `doc`,
//! `parameters`, `default`, and `field` last in a struct's field entries); output is compact
//! JSON as Jackson writes it: strings escaped as Jackson's `UTF8JsonGenerator` escapes them,
//! doubles and floats as Java's `Double.toString` / `Float.toString`, non-finite numbers as the
//! strings `"NaN"`, `"Infinity"` and `"-Infinity"`, bytes and `Decimal`s as Base64 (or a JSON
//! number for `Decimal` with `decimal.format=NUMERIC`).
//!
//! Reading follows `JsonConverter.convertToConnect`: a JSON null or a missing struct field gives
//! the schema's default (with `replace.null.with.default`), or null when the schema is optional;
//! schemaless objects become [`Value::Map`]s with string keys in document order, integers
//! [`Value::Int64`] (integers beyond the range of a long keep their low 64 bits, as
//! `BigInteger.longValue()` does) and other numbers [`Value::Float64`]. Like Jackson with
//! Kafka's settings, leading zeros in numbers are accepted and a repeated object key keeps its
//! last value.
//!
//! # Deliberate differences from Kafka
//! - **Strict types.** Kafka (through Jackson's lenient `JsonNode` accessors) silently coerces a
//!   payload that does not match its schema: a string read as INT64 becomes `0`, a number read
//!   as STRING becomes `null`, `1.5` read as INT32 becomes `1`, `300` read as INT8 wraps to `44`.
//!   Switchyard returns a [`ConvertError`] instead, naming the path of the offending value
//!   (`payload.after.id`) and what was expected. The same holds for an integer out of range for
//!   a schema'd integer type, and for a schema `version` that does not fit an int. A whole
//!   number written with a fraction or an exponent (`1.0E2`, `100.0`) reads as that integer,
//!   as in Kafka.
//!
//! # Bytes that pass through
//! A key or value that no transform changes is written as it came only where Kafka's
//! re-encoding would write the same bytes ([`JsonConverter::check`], decided by one scan of the
//! text); otherwise it is decoded and encoded again, and bytes the converter cannot read fail
//! the record at `KEY_CONVERTER` / `VALUE_CONVERTER` whether a transform touches them or not,
//! as Kafka Connect converts every record before its transformations.
//! - **Non-finite floats read back.** Kafka writes NaN and ±Infinity as the strings `"NaN"`,
//!   `"Infinity"`, `"-Infinity"` but reads those strings back as `0.0`; Switchyard reads them
//!   as the non-finite values they stand for (for FLOAT32/FLOAT64 schemas only).
//! - **Decimal scale.** A `decimal.format=NUMERIC` payload number is held as the unscaled value
//!   at the schema's `scale` (Connect data here has no `BigDecimal`). A number with more
//!   fractional digits than the scale is an error; Kafka would keep it with its own scale and
//!   fail only when the record is written again.
//! - **Trailing content.** `{"a":1} x` is an error; Jackson's `readTree` ignores what follows
//!   the first value.
//! - **Logical types on other types.** A schema named like a logical type
//!   (`org.apache.kafka.connect.data.Decimal`, `Date`, `Time`, `Timestamp`) whose type is not
//!   the logical type's (BYTES, INT32, INT32, INT64) is treated as its plain type.
//! - **Java 19+ floating-point text.** Doubles are written as the shortest decimal that rounds
//!   to them (the `Double.toString` of Java 19 and later, and of Jackson's fast writer); the
//!   JDK 17 algorithm occasionally printed one more digit.
//! - Schemaless maps keep their document order where Kafka's `HashMap` reorders keys by hash;
//!   lone UTF-16 surrogates in `\u` escapes, which Java strings can hold, are an error.

mod canonical;
mod read;
mod write;

pub use read::SeenObjects;

#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::fmt;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use super::{ConvertError, ConverterConfigError};
use switchyard_data::{ConnectData, Schema, Value};

pub use write::{decimal_to_string, java_double_to_string, java_float_to_string};

/// The logical name of `org.apache.kafka.connect.data.Decimal`.
pub const DECIMAL_LOGICAL_NAME: &str = "org.apache.kafka.connect.data.Decimal";

/// How `Decimal` values are written (`decimal.format`, Kafka's `DecimalFormat`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DecimalFormat {
    /// Base64 of the unscaled value's big-endian two's complement bytes (the default).
    #[default]
    Base64,
    /// A JSON number, as `BigDecimal.toString()` prints it.
    Numeric,
}

/// The settings of a [`JsonConverter`] (Kafka's `JsonConverterConfig`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JsonConverterConfig {
    /// `schemas.enable` (default true): read and write the `{"schema":…,"payload":…}`
    /// envelope.
    pub schemas_enable: bool,
    /// `schemas.cache.size` (default 1000): how many schemas each of the converter's two
    /// schema caches holds; zero or less caches nothing.
    pub schemas_cache_size: i32,
    /// `decimal.format` (default BASE64).
    pub decimal_format: DecimalFormat,
    /// `replace.null.with.default` (default true): a null whose schema has a default is read
    /// and written as the default.
    pub replace_null_with_default: bool,
}

impl Default for JsonConverterConfig {
    fn default() -> Self {
        JsonConverterConfig {
            schemas_enable: true,
            schemas_cache_size: 1000,
            decimal_format: DecimalFormat::Base64,
            replace_null_with_default: true,
        }
    }
}

impl JsonConverterConfig {
    /// Parses converter settings as Kafka's `ConfigDef` does: booleans are `true`/`false`
    /// after trimming, in any case; `schemas.cache.size` is an int; `decimal.format` is
    /// `BASE64` or `NUMERIC` in any case. Keys it does not know are ignored, as Kafka's
    /// converter ignores them.
    pub fn parse(settings: &[(String, String)]) -> Result<Self, ConverterConfigError> {
        let mut config = JsonConverterConfig::default();
        for (key, value) in settings {
            match key.as_str() {
                "schemas.enable" => config.schemas_enable = parse_bool(key, value)?,
                "replace.null.with.default" => {
                    config.replace_null_with_default = parse_bool(key, value)?
                }
                "schemas.cache.size" => {
                    config.schemas_cache_size =
                        value.trim().parse().map_err(|_| ConverterConfigError {
                            key: key.clone(),
                            message: format!(
                                "Invalid value {value} for configuration {key}: Not a number of type INT"
                            ),
                        })?
                }
                "decimal.format" => {
                    let trimmed = value.trim();
                    config.decimal_format = if trimmed.eq_ignore_ascii_case("BASE64") {
                        DecimalFormat::Base64
                    } else if trimmed.eq_ignore_ascii_case("NUMERIC") {
                        DecimalFormat::Numeric
                    } else {
                        return Err(ConverterConfigError {
                            key: key.clone(),
                            message: format!(
                                "Invalid value {trimmed} for configuration {key}: String must be one of (case insensitive): BASE64, NUMERIC"
                            ),
                        });
                    }
                }
                _ => {}
            }
        }
        Ok(config)
    }
}

/// Parses a BOOLEAN setting as Kafka's `ConfigDef.parseType` does.
pub(crate) fn parse_bool(key: &str, value: &str) -> Result<bool, ConverterConfigError> {
    let trimmed = value.trim();
    if trimmed.eq_ignore_ascii_case("true") {
        Ok(true)
    } else if trimmed.eq_ignore_ascii_case("false") {
        Ok(false)
    } else {
        Err(ConverterConfigError {
            key: key.to_string(),
            message: format!(
                "Invalid value {value} for configuration {key}: Expected value to be either true or false"
            ),
        })
    }
}

/// `org.apache.kafka.connect.json.JsonConverter`: JSON bytes ⇔ Connect data.
///
/// Clones share their schema caches. See the [module documentation](self) for the encoding and
/// for where Switchyard is deliberately stricter than Kafka.
#[derive(Clone)]
pub struct JsonConverter {
    config: JsonConverterConfig,
    is_key: bool,
    caches: Arc<Caches>,
}

impl fmt::Debug for JsonConverter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JsonConverter")
            .field("config", &self.config)
            .field("is_key", &self.is_key)
            .finish_non_exhaustive()
    }
}

impl JsonConverter {
    /// Configures a converter from its settings (`schemas.enable`, `schemas.cache.size`,
    /// `decimal.format`, `replace.null.with.default`; see [`JsonConverterConfig::parse`]),
    /// as `JsonConverter.configure(configs, isKey)` does.
    pub fn configure(
        settings: &[(String, String)],
        is_key: bool,
    ) -> Result<Self, ConverterConfigError> {
        Ok(Self::new(JsonConverterConfig::parse(settings)?, is_key))
    }

    /// A converter with the given settings.
    pub fn new(config: JsonConverterConfig, is_key: bool) -> Self {
        JsonConverter {
            config,
            is_key,
            caches: Arc::new(Caches::default()),
        }
    }

    /// The converter's settings.
    pub fn config(&self) -> &JsonConverterConfig {
        &self.config
    }

    /// Whether the converter converts keys (else values).
    pub fn is_key(&self) -> bool {
        self.is_key
    }

    /// Decodes a key or value (`toConnectData`). `None` (a null key or value) gives
    /// [`ConnectData::NULL`]; so does an empty document without the envelope, as in Kafka.
    pub fn to_connect(
        &self,
        _topic: &str,
        bytes: Option<&[u8]>,
    ) -> Result<ConnectData, ConvertError> {
        let Some(bytes) = bytes else {
            return Ok(ConnectData::NULL);
        };
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        let text = switchyard_data::text::utf8(bytes).map_err(|e| {
            ConvertError::new(format!(
                "{DESERIALIZE_FAILED}invalid UTF-8 at byte {}",
                e.valid_up_to()
            ))
        })?;
        let replace = self.config.replace_null_with_default;
        let mut r = read::Reader::new(text);
        if !self.config.schemas_enable {
            r.ws();
            if r.at_end() {
                return Ok(ConnectData::NULL);
            }
            let value = r
                .any()
                .and_then(|v| r.end().map(|()| v))
                .map_err(|e| e.into_convert(text, DESERIALIZE_FAILED, "payload"))?;
            return Ok(ConnectData {
                schema: None,
                value,
            });
        }
        self.read_envelope(&mut r, replace)
            .map_err(|e| e.into_convert(text, DESERIALIZE_FAILED, "payload"))
    }

    /// Reads a key or value that no transform may change, as Kafka Connect's converter reads
    /// every one: `Ok(None)` when encoding its data again would write these very bytes (they
    /// pass through), `Ok(Some(data))` with its data when it would write others (a
    /// `decimal.format=NUMERIC` Decimal held as Base64, a null that reads as its default, an
    /// integer written `1.0E2`, whitespace), and the decoding error when the converter cannot
    /// read it. The first is decided by one scan of the text (`canonical`), without building
    /// the data.
    pub fn check(
        &self,
        topic: &str,
        bytes: Option<&[u8]>,
    ) -> Result<Option<ConnectData>, ConvertError> {
        match bytes {
            None => Ok(None),
            Some(b) if self.canonical(b) => Ok(None),
            Some(b) => self.to_connect(topic, Some(b)).map(Some),
        }
    }

    /// Whether `b` is exactly what this converter writes for the data it reads from `b`.
    fn canonical(&self, b: &[u8]) -> bool {
        let opts = self.write_opts();
        let mut scan =
            canonical::Scan::new(b, opts.numeric_decimals, opts.replace_null_with_default);
        if !self.config.schemas_enable {
            return !b.is_empty()
                && switchyard_data::text::utf8(b).is_ok()
                && scan.value(None)
                && scan.at_end();
        }
        const SCHEMA: &[u8] = b"{\"schema\":";
        if !scan.lit(SCHEMA) {
            return false;
        }
        let schema = if scan.lit(b"null") {
            None
        } else {
            if self.config.schemas_cache_size <= 0 {
                return false;
            }
            let rest = &b[SCHEMA.len()..];
            let found = self.caches.decoding().recent(rest);
            let (len, cached) = match found {
                Some(found) => found,
                None => {
                    // Not among the recent texts: find the schema's extent, then its entry.
                    let Ok(text) = switchyard_data::text::utf8(b) else {
                        return false;
                    };
                    let mut r = read::Reader::new(text);
                    r.set_pos(SCHEMA.len());
                    if r.skip_value().is_err() {
                        return false;
                    }
                    let raw = &b[SCHEMA.len()..r.pos()];
                    match self.caches.decoding().get(raw) {
                        Some(cached) => (raw.len(), cached),
                        None => return false,
                    }
                }
            };
            if !cached.canonical {
                return false;
            }
            scan.set_plain_names(cached.plain_names);
            scan.skip(len);
            Some(cached.schema)
        };
        // The schema's text is a cached one, UTF-8 already: the rest is checked here.
        scan.lit(b",\"payload\":")
            && switchyard_data::text::utf8(scan.rest()).is_ok()
            && scan.value(schema.as_deref())
            && scan.lit(b"}")
            && scan.at_end()
    }

    fn read_envelope(
        &self,
        r: &mut read::Reader<'_>,
        replace: bool,
    ) -> Result<ConnectData, read::JErr> {
        // Schema: None = not seen; Some(Err) = seen but invalid (reported after the envelope
        // check, as Kafka checks the envelope first).
        let mut schema: Option<Result<Option<Arc<Schema>>, read::JErr>> = None;
        let mut payload: Option<(usize, Option<Result<Value, read::JErr>>)> = None;
        let mut extra = false;
        r.ws();
        if r.peek() != Some(b'{') {
            if !r.at_end() {
                r.skip_value()?;
                r.end()?;
            }
            return Err(read::JErr::data(ENVELOPE_REQUIRED));
        }
        r.object(|r, key| {
            match key {
                "schema" => {
                    let read = self.read_schema(r, replace);
                    if let Err(e) = &read
                        && e.is_syntax()
                    {
                        return read.map(|_| ());
                    }
                    schema = Some(read);
                    // A payload read before (with another schema) is read again at the end.
                    if let Some((_, parsed)) = &mut payload {
                        *parsed = None;
                    }
                }
                "payload" => {
                    let start = r.pos();
                    let mark = r.mark();
                    let parsed = match &schema {
                        Some(Ok(s)) => match r.value_opt(s.as_deref(), replace) {
                            Ok(v) => Some(Ok(v)),
                            Err(e) if e.is_syntax() => return Err(e),
                            Err(e) => {
                                // Skip the payload to check the rest of the envelope.
                                r.reset(mark);
                                r.skip_value()?;
                                Some(Err(e))
                            }
                        },
                        _ => {
                            r.skip_value()?;
                            None
                        }
                    };
                    payload = Some((start, parsed));
                }
                _ => {
                    extra = true;
                    r.skip_value()?;
                }
            }
            Ok(())
        })?;
        r.end()?;
        let (Some(schema), Some((start, parsed)), false) = (schema, payload, extra) else {
            return Err(read::JErr::data(ENVELOPE_REQUIRED));
        };
        let schema = schema?;
        let value = match parsed {
            Some(v) => v?,
            None => {
                r.set_pos(start);
                r.value_opt(schema.as_deref(), replace)?
            }
        };
        Ok(ConnectData { schema, value })
    }

    /// Reads the envelope's `schema` through the cache of parsed schemas.
    fn read_schema(
        &self,
        r: &mut read::Reader<'_>,
        replace: bool,
    ) -> Result<Option<Arc<Schema>>, read::JErr> {
        r.ws();
        let start = r.pos();
        let rest = &r.bytes()[start..];
        let caching = self.config.schemas_cache_size > 0;
        if caching && let Some((len, cached)) = self.caches.decoding().recent(rest) {
            r.set_pos(start + len);
            r.plain_names = cached.plain_names;
            return Ok(Some(cached.schema));
        }
        if rest.starts_with(b"null") {
            r.value_opt(None, replace)?;
            return Ok(None);
        }
        r.skip_value()?;
        let end = r.pos();
        let raw = &r.bytes()[start..end];
        if caching && let Some(cached) = self.caches.decoding().get(raw) {
            r.plain_names = cached.plain_names;
            return Ok(Some(cached.schema));
        }
        let schema = read::schema_at(r.text(), start, replace).map_err(|e| e.at_root("schema"))?;
        let plain_names = read::plain_names(&schema);
        r.plain_names = plain_names;
        if caching {
            let mut written = Vec::with_capacity(raw.len());
            let canonical = write::schema(&mut written, &schema, &self.write_opts(), true).is_ok()
                && written == raw;
            let cached = Cached {
                schema: schema.clone(),
                canonical,
                plain_names,
            };
            self.caches
                .decoding()
                .insert(raw, cached, self.config.schemas_cache_size as usize);
        }
        Ok(Some(schema))
    }

    /// Encodes a key or value (`fromConnectData`). No schema and a null value give `None`
    /// (a null key or value); a schema with a null value gives `{"schema":…,"payload":null}`
    /// (or `null` without the envelope), as in Kafka.
    pub fn from_connect(
        &self,
        _topic: &str,
        data: &ConnectData,
    ) -> Result<Option<Vec<u8>>, ConvertError> {
        if data.schema.is_none() && data.value.is_null() {
            return Ok(None);
        }
        let mut out = Vec::with_capacity(self.caches.size_hint());
        let mut opts = self.write_opts();
        if self.config.schemas_enable {
            out.extend_from_slice(b"{\"schema\":");
            match &data.schema {
                None => out.extend_from_slice(b"null"),
                Some(schema) => opts.plain_names = self.write_schema_cached(&mut out, schema)?,
            }
            out.extend_from_slice(b",\"payload\":");
            write::value(&mut out, data.schema.as_deref(), &data.value, &opts)
                .map_err(|e| e.into_convert("", SERIALIZE_FAILED, "payload"))?;
            out.push(b'}');
        } else {
            write::value(&mut out, data.schema.as_deref(), &data.value, &opts)
                .map_err(|e| e.into_convert("", SERIALIZE_FAILED, "payload"))?;
        }
        self.caches.record_size(out.len());
        Ok(Some(out))
    }

    /// Writes `schema`'s JSON through the cache of written schemas; tells whether its field
    /// names are plain (`read::plain_names`), which the cache remembers too.
    fn write_schema_cached(
        &self,
        out: &mut Vec<u8>,
        schema: &Arc<Schema>,
    ) -> Result<bool, ConvertError> {
        let caching = self.config.schemas_cache_size > 0;
        if caching && let Some((json, plain)) = self.caches.encoding().get(schema) {
            out.extend_from_slice(json);
            return Ok(plain);
        }
        let start = out.len();
        write::schema(out, schema, &self.write_opts(), true)
            .map_err(|e| e.into_convert("", SERIALIZE_FAILED, "schema"))?;
        let plain = read::plain_names(schema);
        if caching {
            self.caches.encoding().insert(
                schema,
                (out[start..].into(), plain),
                self.config.schemas_cache_size as usize,
            );
        }
        Ok(plain)
    }

    fn write_opts(&self) -> write::Opts {
        write::Opts {
            numeric_decimals: self.config.decimal_format == DecimalFormat::Numeric,
            replace_null_with_default: self.config.replace_null_with_default,
            plain_names: false,
        }
    }

    /// The JSON of a payload as this converter writes it (without the envelope), for the
    /// WebAssembly `to-json` API. Fails where [`JsonConverter::from_connect`] would: a value
    /// that does not fit its schema, or a required null without a default.
    pub fn payload_to_json(
        &self,
        schema: Option<&Schema>,
        value: &Value,
    ) -> Result<String, ConvertError> {
        let mut out = Vec::with_capacity(128);
        write::value(&mut out, schema, value, &self.write_opts())
            .map_err(|e| e.into_convert("", "", "payload"))?;
        Ok(into_string(out))
    }

    /// Reads a payload (without the envelope) as this converter reads one, for the
    /// WebAssembly `set-json` API: guided by `schema`, or schemaless when it is `None`.
    pub fn payload_from_json(
        &self,
        schema: Option<&Arc<Schema>>,
        text: &str,
    ) -> Result<Value, ConvertError> {
        let mut r = read::Reader::new(text);
        r.value_opt(schema.map(|s| &**s), self.config.replace_null_with_default)
            .and_then(|v| r.end().map(|()| v))
            .map_err(|e| e.into_convert(text, "invalid JSON: ", "payload"))
    }

    /// The JSON of `schema` as this converter writes it (its `decimal.format` affects
    /// `Decimal` defaults). Fails when a default value does not fit its schema.
    pub fn schema_json(&self, schema: &Schema) -> Result<String, ConvertError> {
        let mut out = Vec::with_capacity(256);
        write::schema(&mut out, schema, &self.write_opts(), true)
            .map_err(|e| e.into_convert("", "", "schema"))?;
        Ok(into_string(out))
    }
}

const DESERIALIZE_FAILED: &str =
    "Converting byte[] to Kafka Connect data failed due to serialization error: ";
const SERIALIZE_FAILED: &str = "";
const ENVELOPE_REQUIRED: &str = "JsonConverter with schemas.enable requires \"schema\" and \"payload\" fields and may not contain additional fields. If you are trying to deserialize plain JSON data, set schemas.enable=false in your converter configuration.";

/// The JSON of a schema as `JsonConverter.asJsonSchema` writes it, with the default settings
/// (`Decimal` defaults in Base64). A default value that does not fit its schema (which
/// Kafka would refuse) is written without its schema, or left out if even that fails.
pub fn schema_to_json(schema: &Schema) -> String {
    let mut out = Vec::with_capacity(256);
    // With `strict` false, writing cannot fail.
    let _ = write::schema(&mut out, schema, &write::Opts::default(), false);
    into_string(out)
}

/// Parses the JSON of a schema as `JsonConverter.asConnectSchema` does (`null` is an error
/// here: it means "no schema").
pub fn schema_from_json(text: &str) -> Result<Arc<Schema>, ConvertError> {
    let mut r = read::Reader::new(text);
    r.ws();
    if r.bytes()[r.pos()..].starts_with(b"null") {
        return Err(ConvertError::new("schema JSON is null".into()));
    }
    let start = r.pos();
    read::schema_at(text, start, true)
        .map_err(|e| e.at_root("schema"))
        .and_then(|schema| {
            r.skip_value()?;
            r.end()?;
            Ok(schema)
        })
        .map_err(|e| e.into_convert(text, "invalid schema JSON: ", "schema"))
}

/// The JSON of a schema's default value, as it appears under `"default"` in the schema's JSON
/// (default settings). `None` when the schema has no default, or when the default cannot be
/// written at all (a struct default that does not fit its schema).
pub fn default_to_json(schema: &Schema) -> Option<String> {
    let default = schema.default.as_ref()?;
    let mut out = Vec::with_capacity(64);
    write::default_value(&mut out, schema, default, &write::Opts::default(), false).ok()?;
    Some(into_string(out))
}

fn into_string(out: Vec<u8>) -> String {
    // The writer only ever writes UTF-8 (Rust strings, ASCII escapes and digits).
    String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// The fields of the JSON object `text`, in order: each key, and the text of its value exactly
/// as it appears, checked to be well-formed JSON but not decoded (the record JSONL format's
/// `key` and `value` are decoded later, by the pipeline's converters). The error names the
/// line, column and byte of the first malformed byte. Objects inside the values that `seen`
/// holds are recognised by their bytes instead of scanned (see [`SeenObjects`]).
pub fn object_fields<'t>(
    text: &'t str,
    seen: &mut SeenObjects,
) -> Result<Vec<(std::borrow::Cow<'t, str>, &'t str)>, ConvertError> {
    read::raw_fields(text, seen).map_err(|e| e.into_convert(text, "", "line"))
}

// ---------------------------------------------------------------------------------------------
// Schema caches

#[derive(Default)]
struct Caches {
    to_connect: Mutex<ToConnectCache>,
    from_connect: Mutex<FromConnectCache>,
    /// The size of the last output, to allocate the next one at once.
    last_size: AtomicUsize,
}

impl Caches {
    fn size_hint(&self) -> usize {
        (self.last_size.load(Ordering::Relaxed) + 64).next_power_of_two()
    }

    fn record_size(&self, size: usize) {
        self.last_size.store(size, Ordering::Relaxed);
    }

    fn decoding(&self) -> MutexGuard<'_, ToConnectCache> {
        self.to_connect.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn encoding(&self) -> MutexGuard<'_, FromConnectCache> {
        self.from_connect.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// How many recently used schema texts are compared against the input before the schema's
/// extent is scanned and hashed.
const RECENT: usize = 8;

/// Parsed schemas by their exact JSON text (`toConnectSchemaCache`, keyed by text instead of
/// by `JsonNode`). The `recent` list is the fast path: a JSON object is self-delimiting, so if
/// the input at the schema's position starts with the text of a schema seen before, that text
/// *is* the schema, found with one `memcmp` and no scan.
#[derive(Default)]
struct ToConnectCache {
    map: HashMap<Arc<[u8]>, Cached, BuildHasherDefault<FxHasher>>,
    recent: Vec<(Arc<[u8]>, Cached)>,
}

/// A parsed schema, and whether its text is exactly what `JsonConverter` writes for it (so
/// that an envelope holding it can pass through as it is).
#[derive(Clone)]
struct Cached {
    schema: Arc<Schema>,
    canonical: bool,
    /// Whether every field name in the schema is JSON text as it is (`read::plain_names`).
    plain_names: bool,
}

impl ToConnectCache {
    fn recent(&mut self, input: &[u8]) -> Option<(usize, Cached)> {
        let i = self
            .recent
            .iter()
            .position(|(text, _)| input.starts_with(text))?;
        if i > 0 {
            self.recent[..=i].rotate_right(1);
        }
        let (text, cached) = &self.recent[0];
        Some((text.len(), cached.clone()))
    }

    fn get(&mut self, raw: &[u8]) -> Option<Cached> {
        let (text, cached) = self.map.get_key_value(raw)?;
        let (text, cached) = (text.clone(), cached.clone());
        if text.first() == Some(&b'{') {
            self.promote(text, cached.clone());
        }
        Some(cached)
    }

    fn insert(&mut self, raw: &[u8], cached: Cached, capacity: usize) {
        if self.map.len() >= capacity {
            self.map.clear();
            self.recent.clear();
        }
        let text: Arc<[u8]> = raw.into();
        self.map.insert(text.clone(), cached.clone());
        // Only objects are self-delimiting (a schema that is not an object is an error anyway).
        if text.first() == Some(&b'{') {
            self.promote(text, cached);
        }
    }

    fn promote(&mut self, text: Arc<[u8]>, cached: Cached) {
        if self.recent.len() == RECENT {
            self.recent.pop();
        }
        self.recent.insert(0, (text, cached));
    }
}

/// Serialized schema JSON by schema (`fromConnectSchemaCache`, keyed by the `Arc`'s address
/// instead of by deep equality; the entry holds the `Arc`, so the address cannot be reused
/// while it is cached).
/// A schema and its JSON.
type SchemaJson = (Arc<Schema>, Box<[u8]>, bool);

#[derive(Default)]
struct FromConnectCache {
    map: HashMap<usize, SchemaJson, BuildHasherDefault<FxHasher>>,
}

impl FromConnectCache {
    /// The JSON of `schema` and whether its field names are plain.
    fn get(&self, schema: &Arc<Schema>) -> Option<(&[u8], bool)> {
        let (_, json, plain) = self.map.get(&(Arc::as_ptr(schema) as usize))?;
        Some((json, *plain))
    }

    fn insert(&mut self, schema: &Arc<Schema>, (json, plain): (Box<[u8]>, bool), capacity: usize) {
        if self.map.len() >= capacity {
            self.map.clear();
        }
        self.map
            .insert(Arc::as_ptr(schema) as usize, (schema.clone(), json, plain));
    }
}

/// A fast non-cryptographic hasher (the Firefox/rustc "Fx" hash, eight bytes a step): schema
/// texts are a few kilobytes and hashed on every record whose schema is not among the recent
/// ones, where SipHash would cost several times more. Inputs are not attacker-chosen keys of
/// a long-lived table (the table is bounded and cleared when full).
#[derive(Default, Clone, Copy)]
struct FxHasher {
    hash: u64,
}

const FX_SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FxHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(FX_SEED);
    }
}

impl Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(word));
        }
    }

    #[inline]
    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }

    #[inline]
    fn finish(&self) -> u64 {
        self.hash
    }
}
