//! Lookup tables for enrichment: named tables a transform reads through the WIT `lookup`
//! interface, a stream-table join as Kafka Streams' `KStream#join(KTable)` does it.
//!
//! A table maps a key, as a string, to the latest value read for it (Connect data, decoded by
//! the pipeline's converters); a tombstone, or a null node at `value.field` (a Debezium delete
//! event's `after`), deletes the key. It is filled from:
//!
//! * `switchyard apply`: a record JSONL file (`file`), read whole before the first record; then
//!   every input record of the table's `topic` updates it, in input order, before it goes
//!   through the chain — the input file stands for the interleaved log of every topic;
//! * `switchyard run`: its compacted `topic`, read from the beginning and restored up to the
//!   end offsets seen at start before the first record is transformed, then kept current by a
//!   background consumer ([`topic`]).
//!
//! Memory is bounded: a table counts the bytes of every entry it holds (the key string and the
//! stored value's size as the payload JSON text Kafka's JsonConverter writes: a serialized
//! size, not the decoded tree's, which is a few times larger) and refuses to grow past
//! `max.bytes`. A table that would outgrow its bound *fails*: it stops serving lookups
//! (`unavailable`, which a transform turns into a `broken` error, so the pipeline stops with a
//! message naming the table and the bound) rather than evicting entries, because an evicted
//! entry would silently join as "missing" and produce wrong documents. Raise `max.bytes`, or
//! narrow the table with `value.field`.
//!
//! Tables are shared between the thread that runs the chain and the thread that keeps them
//! current, behind a read-write lock per table: a lookup takes the read lock for the time of
//! one walk down the value.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

use switchyard_convert::json::{JsonConverter, JsonConverterConfig};
use switchyard_convert::record::Converters;
use switchyard_data::{ConnectData, Schema, Value};

/// The default memory bound of a table: 64 MiB of keys and values.
pub const DEFAULT_MAX_BYTES: u64 = 64 << 20;

/// One table of a pipeline, as configured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LookupSpec {
    /// The table's name, as transforms ask for it.
    pub name: String,
    /// `file`: a record JSONL file read by `apply` (relative to the pipeline file).
    pub file: Option<PathBuf>,
    /// `topic`: the compacted topic `run` materialises the table from; in `apply`, input
    /// records of this topic update the table, and a `file` is filtered to it.
    pub topic: Option<String>,
    /// `key.field`: the field (of a struct key) or entry (of a map key) whose value is the
    /// table key; `None` uses the whole key as payload JSON text (`{"product_id":10}`).
    pub key_field: Option<String>,
    /// `value.field`: the path (dot-separated in the configuration) of the node stored as the
    /// value, e.g. `after` for Debezium change events; empty stores the whole value.
    pub value_field: Vec<String>,
    /// `max.bytes`: the most bytes of keys and values the table may hold.
    pub max_bytes: u64,
}

impl LookupSpec {
    /// A table called `name` with no source and the default bound.
    pub fn new(name: impl Into<String>) -> Self {
        LookupSpec {
            name: name.into(),
            file: None,
            topic: None,
            key_field: None,
            value_field: Vec::new(),
            max_bytes: DEFAULT_MAX_BYTES,
        }
    }

    /// Sets one setting from its configuration key (the part after `lookups.<name>.`, dotted as
    /// in a connector JSON); the pipeline file's `key_field` style is translated by the caller.
    pub fn set(&mut self, key: &str, value: &str) -> Result<(), String> {
        match key {
            "file" => self.file = Some(PathBuf::from(value.trim())),
            "topic" => self.topic = Some(value.trim().to_string()).filter(|t| !t.is_empty()),
            "key.field" => {
                self.key_field = Some(value.trim().to_string()).filter(|f| !f.is_empty())
            }
            "value.field" => {
                self.value_field = value
                    .trim()
                    .split('.')
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect()
            }
            "max.bytes" => {
                self.max_bytes = value
                    .trim()
                    .parse()
                    .map_err(|_| format!("expected a number of bytes, found `{value}`"))?
            }
            other => {
                return Err(format!(
                    "unknown lookup setting `{other}`; expected one of {}",
                    SETTINGS.join(", ")
                ));
            }
        }
        Ok(())
    }
}

/// The settings of a table, as a connector JSON spells them after `lookups.<name>.`.
pub const SETTINGS: &[&str] = &["file", "topic", "key.field", "value.field", "max.bytes"];

/// A table that cannot be loaded or updated.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LookupError {
    /// The table would hold more than `max.bytes`.
    #[error(
        "lookup table `{table}` would hold {bytes} bytes, more than its max.bytes of {max_bytes}; raise max.bytes or narrow the table with value.field"
    )]
    Full {
        /// The table.
        table: String,
        /// The bytes it would hold.
        bytes: u64,
        /// Its bound.
        max_bytes: u64,
    },
    /// A record of the table's source cannot be read or decoded.
    #[error("lookup table `{table}`: {source_name}: {message}")]
    Record {
        /// The table.
        table: String,
        /// Where the record came from: `file:line` or `topic/partition@offset`.
        source_name: String,
        /// What went wrong.
        message: String,
    },
    /// The table's source cannot be read at all.
    #[error("lookup table `{table}`: {message}")]
    Source {
        /// The table.
        table: String,
        /// What went wrong.
        message: String,
    },
}

/// A scalar read from a table, with its schema for schema'd data (the WIT `typed-scalar`).
pub type TypedValue = (Option<Arc<Schema>>, Value);

/// Why a lookup by a transform failed (the WIT `lookup-error`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GetError {
    /// No table has this name.
    NoSuchTable(String),
    /// The stored value has no field at the path.
    NoSuchField(String),
    /// The path does not lead to a scalar.
    WrongType(String),
    /// The table failed and serves no lookups.
    Unavailable(String),
}

#[derive(Debug)]
struct Entry {
    data: ConnectData,
    size: u64,
}

#[derive(Debug, Default)]
struct State {
    entries: HashMap<String, Entry>,
    bytes: u64,
    failure: Option<String>,
}

/// One lookup table: the latest value per key.
#[derive(Debug)]
pub struct Table {
    spec: LookupSpec,
    state: RwLock<State>,
}

/// The size of one table: what the `switchyard_lookup_*` gauges report.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TableSize {
    /// Keys held.
    pub entries: u64,
    /// Bytes of keys and values held.
    pub bytes: u64,
}

impl Table {
    /// An empty table.
    pub fn new(spec: LookupSpec) -> Self {
        Table {
            spec,
            state: RwLock::new(State::default()),
        }
    }

    /// How the table is configured.
    pub fn spec(&self) -> &LookupSpec {
        &self.spec
    }

    fn read(&self) -> RwLockReadGuard<'_, State> {
        self.state.read().unwrap_or_else(|p| p.into_inner())
    }

    fn write(&self) -> RwLockWriteGuard<'_, State> {
        self.state.write().unwrap_or_else(|p| p.into_inner())
    }

    /// The number of entries and bytes held.
    pub fn size(&self) -> TableSize {
        let state = self.read();
        TableSize {
            entries: state.entries.len() as u64,
            bytes: state.bytes,
        }
    }

    /// Why the table stopped serving lookups, if it did.
    pub fn failure(&self) -> Option<String> {
        self.read().failure.clone()
    }

    /// Marks the table failed: lookups answer `unavailable` with `reason` from now on.
    pub fn fail(&self, reason: String) {
        let mut state = self.write();
        if state.failure.is_none() {
            state.failure = Some(reason);
        }
    }

    /// Stores `data` under `key` (`size` bytes of value), or deletes `key` when `data` is `None`.
    /// On growing past `max.bytes` the table fails and the error says so.
    pub fn put(
        &self,
        key: String,
        data: Option<ConnectData>,
        size: u64,
    ) -> Result<(), LookupError> {
        let mut state = self.write();
        let old = state.entries.get(&key).map_or(0, |e| e.size);
        match data {
            None => {
                if state.entries.remove(&key).is_some() {
                    state.bytes -= old;
                }
                Ok(())
            }
            Some(data) => {
                let size = size + key.len() as u64;
                let bytes = state.bytes - old + size;
                if bytes > self.spec.max_bytes {
                    let error = LookupError::Full {
                        table: self.spec.name.clone(),
                        bytes,
                        max_bytes: self.spec.max_bytes,
                    };
                    if state.failure.is_none() {
                        state.failure = Some(error.to_string());
                    }
                    return Err(error);
                }
                state.bytes = bytes;
                state.entries.insert(key, Entry { data, size });
                Ok(())
            }
        }
    }

    /// Applies one record of the table's source: its key and value bytes are decoded with
    /// `converters`; `source_name` names the record in errors.
    pub fn apply_record(
        &self,
        converters: &Converters,
        topic: &str,
        key: Option<&[u8]>,
        value: Option<&[u8]>,
        source_name: impl FnOnce() -> String,
    ) -> Result<(), LookupError> {
        let decoded = (|| {
            let key_data = converters
                .key
                .to_connect(topic, key)
                .map_err(|e| format!("cannot convert the key: {e}"))?;
            let key_text = self.key_text(&key_data)?;
            let Some(value) = value else {
                return Ok((key_text, None));
            };
            let data = converters
                .value
                .to_connect(topic, Some(value))
                .map_err(|e| format!("cannot convert the value: {e}"))?;
            let node = take_node(data, &self.spec.value_field).map_err(|e| e.message())?;
            if node.value.is_null() {
                return Ok((key_text, None));
            }
            let size = payload_json(node.schema.as_deref(), &node.value)?.len() as u64;
            Ok((key_text, Some((node, size))))
        })();
        let (key_text, data) = decoded.map_err(|message| LookupError::Record {
            table: self.spec.name.clone(),
            source_name: source_name(),
            message,
        })?;
        match data {
            Some((node, size)) => self.put(key_text, Some(node), size),
            None => self.put(key_text, None, 0),
        }
    }

    /// The table key of a record key: the `key.field` scalar as text, or the whole key as
    /// payload JSON text.
    fn key_text(&self, key: &ConnectData) -> Result<String, String> {
        match &self.spec.key_field {
            None => payload_json(key.schema.as_deref(), &key.value),
            Some(field) => {
                let node = walk(key, std::slice::from_ref(field)).map_err(|e| e.message())?;
                scalar_text(node.1)
                    .ok_or_else(|| format!("key.field `{field}` is a {}", node.1.type_name()))
            }
        }
    }

    /// Reads `key` with `f`, or says why the table cannot serve.
    fn with_entry<R>(
        &self,
        key: &str,
        f: impl FnOnce(&ConnectData) -> Result<R, GetError>,
    ) -> Result<Option<R>, GetError> {
        let state = self.read();
        if let Some(failure) = &state.failure {
            return Err(GetError::Unavailable(failure.clone()));
        }
        state.entries.get(key).map(|e| f(&e.data)).transpose()
    }

    /// The value under `key` as payload JSON text.
    pub fn get_json(&self, key: &str) -> Result<Option<String>, GetError> {
        self.with_entry(key, |data| {
            payload_json(data.schema.as_deref(), &data.value).map_err(GetError::WrongType)
        })
    }

    /// The scalar at `path` in the value under `key`, with its schema.
    pub fn get_field(&self, key: &str, path: &[String]) -> Result<Option<TypedValue>, GetError> {
        self.with_entry(key, |data| {
            let (schema, value) = walk(data, path).map_err(PathError::into_get)?;
            match value {
                Value::Array(_) | Value::Map(_) | Value::Struct(_) => {
                    Err(GetError::WrongType(format!(
                        "{} is a {}, not a scalar",
                        path.join("."),
                        value.type_name()
                    )))
                }
                scalar => Ok((schema.cloned(), scalar.clone())),
            }
        })
    }
}

/// The payload JSON text of Connect data, as Kafka's JsonConverter writes it.
fn payload_json(schema: Option<&Schema>, value: &Value) -> Result<String, String> {
    thread_local! {
        static JSON: JsonConverter = JsonConverter::new(JsonConverterConfig::default(), false);
    }
    JSON.with(|json| {
        json.payload_to_json(schema, value)
            .map_err(|e| e.into_message())
    })
}

/// A scalar as a table key: strings as they are, numbers and booleans as JSON text.
fn scalar_text(value: &Value) -> Option<String> {
    Some(match value {
        Value::String(s) => s.to_string(),
        Value::Int8(v) => v.to_string(),
        Value::Int16(v) => v.to_string(),
        Value::Int32(v) => v.to_string(),
        Value::Int64(v) => v.to_string(),
        Value::Boolean(v) => v.to_string(),
        Value::Float32(_) | Value::Float64(_) | Value::Bytes(_) => {
            payload_json(None, value).ok()?
        }
        Value::Null | Value::Array(_) | Value::Map(_) | Value::Struct(_) => return None,
    })
}

/// A path that does not fit the data.
enum PathError {
    NoSuchField(String),
    WrongType(String),
}

impl PathError {
    fn message(self) -> String {
        match self {
            PathError::NoSuchField(p) => format!("no field `{p}`"),
            PathError::WrongType(m) => m,
        }
    }

    fn into_get(self) -> GetError {
        match self {
            PathError::NoSuchField(p) => GetError::NoSuchField(p),
            PathError::WrongType(m) => GetError::WrongType(m),
        }
    }
}

/// Walks `path` down struct fields and string-keyed map entries, read-only. Hand-written
/// beside `record`'s walk, which works on `&mut` data for the operations that change it.
fn walk<'a>(
    data: &'a ConnectData,
    path: &[String],
) -> Result<(Option<&'a Arc<Schema>>, &'a Value), PathError> {
    let mut schema = data.schema.as_ref();
    let mut value = &data.value;
    for (depth, name) in path.iter().enumerate() {
        let here = || path[..=depth].join(".");
        (schema, value) = match (schema, value) {
            (Some(s), Value::Struct(values)) => {
                let index = s
                    .field_index(name)
                    .ok_or_else(|| PathError::NoSuchField(here()))?;
                (Some(&s.fields[index].schema), &values[index])
            }
            (s, Value::Map(entries)) => {
                let found = entries
                    .iter()
                    .find(|(k, _)| matches!(k, Value::String(k) if k == name))
                    .map(|(_, v)| v)
                    .ok_or_else(|| PathError::NoSuchField(here()))?;
                (s.and_then(|s| s.value_schema.as_ref()), found)
            }
            (_, Value::Null) => return Err(PathError::NoSuchField(here())),
            (_, other) => {
                return Err(PathError::WrongType(format!(
                    "{} is a {}, not a struct or map",
                    path[..depth].join("."),
                    other.type_name()
                )));
            }
        };
    }
    Ok((schema, value))
}

/// The node at `path` as data of its own (the whole data for the empty path).
fn take_node(data: ConnectData, path: &[String]) -> Result<ConnectData, PathError> {
    if path.is_empty() {
        return Ok(data);
    }
    let (schema, value) = walk(&data, path)?;
    Ok(ConnectData {
        schema: schema.cloned(),
        value: value.clone(),
    })
}

/// The lookup tables of one pipeline, by name.
#[derive(Debug, Default)]
pub struct Lookups {
    tables: Vec<Arc<Table>>,
}

impl Lookups {
    /// No tables.
    pub fn empty() -> Arc<Self> {
        Arc::new(Lookups::default())
    }

    /// Empty tables for `specs`.
    pub fn new(specs: &[LookupSpec]) -> Arc<Self> {
        Arc::new(Lookups {
            tables: specs
                .iter()
                .cloned()
                .map(Table::new)
                .map(Arc::new)
                .collect(),
        })
    }

    /// The table called `name`.
    pub fn table(&self, name: &str) -> Option<&Arc<Table>> {
        self.tables.iter().find(|t| t.spec.name == name)
    }

    /// Every table, in configuration order.
    pub fn tables(&self) -> &[Arc<Table>] {
        &self.tables
    }

    /// Whether the pipeline has no tables.
    pub fn is_empty(&self) -> bool {
        self.tables.is_empty()
    }

    /// The value under `key` in `table` as payload JSON text (WIT `get`).
    pub fn get_json(&self, table: &str, key: &str) -> Result<Option<String>, GetError> {
        self.table(table)
            .ok_or_else(|| GetError::NoSuchTable(table.to_string()))?
            .get_json(key)
    }

    /// The scalar at `path` of the value under `key` in `table` (WIT `get-field`).
    pub fn get_field(
        &self,
        table: &str,
        key: &str,
        path: &[String],
    ) -> Result<Option<TypedValue>, GetError> {
        self.table(table)
            .ok_or_else(|| GetError::NoSuchTable(table.to_string()))?
            .get_field(key, path)
    }

    /// `apply`: reads every table's `file` (relative to `base`, the pipeline file's folder),
    /// keeping only records of the table's `topic` when it has one.
    pub fn load_files(&self, base: &Path, converters: &Converters) -> Result<(), LookupError> {
        for table in &self.tables {
            let Some(file) = &table.spec.file else {
                continue;
            };
            let path = base.join(file);
            let source_err = |message: String| LookupError::Source {
                table: table.spec.name.clone(),
                message,
            };
            let text =
                switchyard_data::files::read_text(&path, switchyard_data::files::TABLE_LIMIT)
                    .map_err(|e| source_err(format!("cannot read {}: {e}", path.display())))?;
            for (index, line) in text.lines().enumerate() {
                if line.trim().is_empty() {
                    continue;
                }
                let name = || format!("{}:{}", path.display(), index + 1);
                let input = switchyard_convert::jsonl::parse_line(line).map_err(|e| {
                    LookupError::Record {
                        table: table.spec.name.clone(),
                        source_name: name(),
                        message: e.0,
                    }
                })?;
                let topic = &input.origin.topic;
                if table.spec.topic.as_ref().is_some_and(|t| t != topic) {
                    continue;
                }
                let record = &input.record;
                table.apply_record(
                    converters,
                    topic,
                    record.key.original_bytes().and_then(|b| b.as_deref()),
                    record.value.original_bytes().and_then(|b| b.as_deref()),
                    name,
                )?;
            }
        }
        Ok(())
    }

    /// `apply`: an input record of a table's `topic` updates that table (what the background
    /// consumer does in `run`). `source_name` names the record in errors.
    pub fn observe(
        &self,
        converters: &Converters,
        topic: &str,
        key: Option<&[u8]>,
        value: Option<&[u8]>,
        source_name: impl Fn() -> String,
    ) -> Result<(), LookupError> {
        for table in &self.tables {
            if table.spec.topic.as_deref() == Some(topic) {
                table.apply_record(converters, topic, key, value, &source_name)?;
            }
        }
        Ok(())
    }

    /// Each table's name and size, in the order the tables were declared (for metrics).
    pub fn sizes(&self) -> Vec<(String, TableSize)> {
        self.tables
            .iter()
            .map(|t| (t.spec.name.clone(), t.size()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use switchyard_convert::Converter;

    fn converters(schemas: bool) -> Converters {
        let settings = vec![("schemas.enable".to_string(), schemas.to_string())];
        Converters {
            key: Converter::from_class("JsonConverter", &settings, true).unwrap(),
            value: Converter::from_class("JsonConverter", &settings, false).unwrap(),
        }
    }

    fn prices(max_bytes: u64) -> Table {
        let mut spec = LookupSpec::new("prices");
        spec.set("key.field", "product_id").unwrap();
        spec.set("value.field", "after").unwrap();
        spec.max_bytes = max_bytes;
        Table::new(spec)
    }

    fn put(table: &Table, id: i64, after: Option<&str>) -> Result<(), LookupError> {
        let key = format!(r#"{{"product_id":{id}}}"#);
        let value = after.map(|a| format!(r#"{{"op":"u","after":{a}}}"#));
        table.apply_record(
            &converters(false),
            "prices",
            Some(key.as_bytes()),
            value.as_deref().map(str::as_bytes),
            || "test".into(),
        )
    }

    #[test]
    fn the_latest_value_wins_and_tombstones_and_null_afters_delete() {
        let table = prices(DEFAULT_MAX_BYTES);
        put(&table, 6, Some(r#"{"price":10,"currency":"EUR"}"#)).unwrap();
        put(&table, 6, Some(r#"{"price":12,"currency":"EUR"}"#)).unwrap();
        put(&table, 7, Some(r#"{"price":3,"currency":"USD"}"#)).unwrap();
        let price = |id: &str| {
            table
                .get_field(id, &["price".to_string()])
                .unwrap()
                .map(|(_, v)| v)
        };
        assert_eq!(price("6"), Some(Value::Int64(12)));
        assert_eq!(
            table.get_json("7").unwrap().as_deref(),
            Some(r#"{"price":3,"currency":"USD"}"#)
        );
        assert_eq!(table.size().entries, 2);
        // A tombstone deletes; so does a Debezium delete event (`after` null).
        put(&table, 6, None).unwrap();
        put(&table, 7, Some("null")).unwrap();
        assert_eq!(price("6"), None);
        assert_eq!(price("7"), None);
        assert_eq!(table.size(), TableSize::default());
        // Deleting an absent key is no error.
        put(&table, 99, None).unwrap();
    }

    #[test]
    fn bytes_are_counted_per_entry_and_replaced_on_update() {
        let table = prices(DEFAULT_MAX_BYTES);
        put(&table, 1, Some(r#"{"price":1}"#)).unwrap();
        let one = table.size().bytes;
        // Key "1" plus the stored `after` as payload JSON text.
        assert_eq!(one, 1 + r#"{"price":1}"#.len() as u64);
        put(&table, 1, Some(r#"{"price":100}"#)).unwrap();
        assert_eq!(table.size().bytes, one + 2);
        put(&table, 1, None).unwrap();
        assert_eq!(table.size().bytes, 0);
    }

    #[test]
    fn a_table_that_outgrows_max_bytes_fails_and_stops_serving() {
        let row = r#"{"price":1}"#;
        let entry = 1 + row.len() as u64;
        let table = prices(2 * entry);
        put(&table, 1, Some(row)).unwrap();
        put(&table, 2, Some(row)).unwrap();
        // Replacing an entry by one of the same size fits.
        put(&table, 2, Some(row)).unwrap();
        let error = put(&table, 3, Some(row)).unwrap_err();
        assert_eq!(
            error,
            LookupError::Full {
                table: "prices".into(),
                bytes: 3 * entry,
                max_bytes: 2 * entry,
            }
        );
        assert!(error.to_string().contains("max.bytes"), "{error}");
        assert_eq!(table.size().entries, 2);
        assert!(matches!(
            table.get_json("1"),
            Err(GetError::Unavailable(m)) if m.contains("max.bytes")
        ));
    }

    #[test]
    fn keys_are_a_field_as_text_or_the_whole_key_as_json() {
        let whole = Table::new(LookupSpec::new("whole"));
        let json = converters(true);
        let key = br#"{"schema":{"type":"struct","fields":[{"type":"int64","optional":false,"field":"id"}],"optional":false},"payload":{"id":6}}"#;
        let value = br#"{"schema":{"type":"struct","fields":[{"type":"bytes","optional":false,"name":"org.apache.kafka.connect.data.Decimal","version":1,"parameters":{"scale":"2"},"field":"price"}],"optional":false},"payload":{"price":"BNI="}}"#;
        whole
            .apply_record(&json, "t", Some(key), Some(value), || "test".into())
            .unwrap();
        let (schema, price) = whole
            .get_field(r#"{"id":6}"#, &["price".to_string()])
            .unwrap()
            .expect("entry");
        assert_eq!(price, Value::Bytes(vec![0x04, 0xd2]));
        let schema = schema.expect("schema'd");
        assert_eq!(
            schema.name.as_deref(),
            Some("org.apache.kafka.connect.data.Decimal")
        );
        assert_eq!(schema.parameter("scale"), Some("2"));
        assert_eq!(
            whole.get_json(r#"{"id":6}"#).unwrap().as_deref(),
            Some(r#"{"price":"BNI="}"#)
        );
        let mut spec = LookupSpec::new("by-name");
        spec.set("key.field", "name").unwrap();
        let by_name = Table::new(spec);
        by_name
            .apply_record(
                &converters(false),
                "t",
                Some(br#"{"name":"kilo"}"#),
                Some(br#"{"n":1}"#),
                || "test".into(),
            )
            .unwrap();
        assert!(by_name.get_json("kilo").unwrap().is_some());
        assert!(matches!(
            by_name.get_field("kilo", &["n".into(), "x".into()]),
            Err(GetError::WrongType(_))
        ));
        assert!(matches!(
            by_name.get_field("kilo", &["m".into()]),
            Err(GetError::NoSuchField(p)) if p == "m"
        ));
    }

    #[test]
    fn unknown_tables_and_settings_are_named() {
        let lookups = Lookups::new(&[LookupSpec::new("prices")]);
        assert_eq!(
            lookups.get_json("stock", "1"),
            Err(GetError::NoSuchTable("stock".into()))
        );
        assert_eq!(lookups.get_json("prices", "1"), Ok(None));
        let err = LookupSpec::new("x").set("max.byte", "1").unwrap_err();
        assert!(
            err.contains("max.byte") && err.contains("max.bytes"),
            "{err}"
        );
        let sizes = lookups.sizes();
        assert_eq!(sizes.len(), 1);
        assert_eq!(sizes[0].0, "prices");
        assert_eq!((sizes[0].1.entries, sizes[0].1.bytes), (0, 0));
    }
}
