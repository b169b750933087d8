//! A Kafka record in flight through a pipeline, with its key and value decoded lazily.
//!
//! A [`Part`] (the key or the value) starts as the bytes read from Kafka or a record file. It is
//! decoded by the pipeline's converter the first time a transform asks for its data, and encoded
//! again only if a transform changed it: a chain that touches only the key and the topic passes
//! the value's bytes through untouched, never building its tree.
//!
//! The data operations here ([`schema_at`], [`reshape`], [`extract`], [`put`], …) are what the WIT
//! `connect-record` resource offers guests; the engine forwards to them.

use std::borrow::Cow;
use std::sync::Arc;

use bytes::Bytes;

use crate::{ConvertError, Converter};
use switchyard_data::derive::{Derivation, addr, derived};
use switchyard_data::{ConnectData, DataError, Field, Schema, SchemaType, Value};

mod cast;
mod diff;
pub mod plan;

pub use cast::{cast, host_casts};
pub use diff::diff;

/// A record header. A `None` value is a null header value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// The header key.
    pub key: String,
    /// The header value.
    pub value: Option<Bytes>,
}

/// Where a record was read from: its coordinates in the input, kept for error reports and
/// dead-letter context.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Origin {
    /// The topic the record was read from.
    pub topic: String,
    /// The partition it was read from.
    pub partition: Option<i32>,
    /// Its offset.
    pub offset: Option<i64>,
}

/// A record on its way out: the chain's output with its key and value encoded again, ready for a
/// sink (a record JSONL line, a Kafka message, a dead letter). Whether each part is known to be
/// JSON text spares the JSONL writer a validity check.
#[derive(Debug, Clone, PartialEq)]
pub struct OutputRecord {
    /// The topic.
    pub topic: String,
    /// The partition.
    pub partition: Option<i32>,
    /// The input offset, if the input had one.
    pub offset: Option<i64>,
    /// The timestamp.
    pub timestamp: Option<i64>,
    /// The headers.
    pub headers: Vec<Header>,
    /// The key bytes.
    pub key: Option<Bytes>,
    /// Whether the key bytes are known to be JSON text (skips a validity check).
    pub key_is_json: bool,
    /// The value bytes.
    pub value: Option<Bytes>,
    /// Whether the value bytes are known to be JSON text.
    pub value_is_json: bool,
}

/// A record as transforms see it.
#[derive(Debug, Clone)]
pub struct Record {
    /// The topic the record goes to.
    pub topic: String,
    /// The partition; `None` lets the producer's partitioner choose.
    pub partition: Option<i32>,
    /// The timestamp in milliseconds since the epoch.
    pub timestamp: Option<i64>,
    /// Headers, in order.
    pub headers: Vec<Header>,
    /// The key.
    pub key: Part,
    /// The value.
    pub value: Part,
}

impl Record {
    /// Fetches what decoding the key and value will need from outside (an AvroConverter's
    /// writer schemas), so that a schema registry being down shows here as a
    /// [transient](ConvertError::is_transient) error, before the record enters the chain.
    pub fn prefetch(&self, converters: &Converters) -> Result<(), ConvertError> {
        for (part, converter) in [
            (&self.key, &converters.key),
            (&self.value, &converters.value),
        ] {
            if let Some(Some(bytes)) = part.original_bytes() {
                converter.prefetch(&self.topic, Some(bytes))?;
            }
        }
        Ok(())
    }

    /// A record for `topic` with the given key and value bytes and no headers.
    pub fn new(topic: impl Into<String>, key: Option<Bytes>, value: Option<Bytes>) -> Self {
        Record {
            topic: topic.into(),
            partition: None,
            timestamp: None,
            headers: Vec::new(),
            key: Part::from_bytes(key),
            value: Part::from_bytes(value),
        }
    }

    /// A copy to restore the record from ([`Part::snapshot`] of its key and value).
    pub fn snapshot(&self) -> Record {
        Record {
            topic: self.topic.clone(),
            partition: self.partition,
            timestamp: self.timestamp,
            headers: self.headers.clone(),
            key: self.key.snapshot(),
            value: self.value.snapshot(),
        }
    }

    /// Copies the original key and value bytes out of any buffer they share, for a record
    /// kept for long: `switchyard run` borrows a consumed value from the consumer's fetch
    /// buffer, which a parked record must not hold on to.
    pub fn detach(&mut self) {
        for part in [&mut self.key, &mut self.value] {
            if let Some(bytes) = &mut part.bytes {
                *bytes = Bytes::copy_from_slice(bytes);
            }
        }
    }

    /// The part selected by `which`.
    pub fn part_mut(&mut self, which: Which) -> &mut Part {
        match which {
            Which::Key => &mut self.key,
            Which::Value => &mut self.value,
        }
    }
}

/// Selects the key or the value of a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Which {
    /// The key.
    Key,
    /// The value.
    Value,
}

/// The key and value converters of a pipeline.
#[derive(Debug, Clone)]
pub struct Converters {
    /// Converts keys.
    pub key: Converter,
    /// Converts values.
    pub value: Converter,
}

impl Converters {
    /// The converter for `which` part.
    pub fn get(&self, which: Which) -> &Converter {
        match which {
            Which::Key => &self.key,
            Which::Value => &self.value,
        }
    }
}

/// The key or the value of a record: its original bytes, and its Connect data once decoded.
#[derive(Debug, Clone)]
pub struct Part {
    bytes: Option<Bytes>,
    data: Option<ConnectData>,
    changed: bool,
    /// How many times the data was handed out for changing.
    edits: u32,
}

/// Why an operation on a part failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PartError {
    /// The bytes could not be decoded.
    #[error("conversion failed: {0}")]
    Conversion(#[from] ConvertError),
    /// The operation does not fit the data.
    #[error(transparent)]
    Data(#[from] DataError),
}

impl Part {
    /// A part holding `bytes` (`None` for null), not yet decoded.
    pub fn from_bytes(bytes: Option<Bytes>) -> Self {
        Part {
            bytes,
            data: None,
            changed: false,
            edits: 0,
        }
    }

    /// A part holding decoded data, to be encoded on output.
    pub fn from_data(data: ConnectData) -> Self {
        Part {
            bytes: None,
            data: Some(data),
            changed: true,
            edits: 0,
        }
    }

    /// The original bytes, if the part was not changed by a transform.
    pub fn original_bytes(&self) -> Option<&Option<Bytes>> {
        (!self.changed).then_some(&self.bytes)
    }

    /// A copy to restore the part from: an unchanged part is copied as its bytes (decoded
    /// again if the copy is used), a changed one with its data.
    pub fn snapshot(&self) -> Part {
        match self.changed {
            false => Part::from_bytes(self.bytes.clone()),
            true => self.clone(),
        }
    }

    /// How many times the part's data was handed out for changing (or replaced): equal counts
    /// before and after a step tell that the step did not change it, also when an earlier step
    /// had.
    pub fn edits(&self) -> u32 {
        self.edits
    }

    /// The schema of the decoded data; `None` before decoding and for schemaless data.
    pub fn decoded_schema(&self) -> Option<&Arc<Schema>> {
        self.data.as_ref().and_then(|d| d.schema.as_ref())
    }

    /// Whether a transform changed the part.
    pub fn is_changed(&self) -> bool {
        self.changed
    }

    /// The decoded data, decoding the bytes with `converter` on first use.
    pub fn data(&mut self, converter: &Converter, topic: &str) -> Result<&ConnectData, PartError> {
        if self.data.is_none() {
            self.data = Some(converter.to_connect(topic, self.bytes.as_deref())?);
        }
        Ok(self.data.as_ref().unwrap_or(&ConnectData::NULL))
    }

    /// The decoded data for changing it; the part will be encoded again on output.
    pub fn data_mut(
        &mut self,
        converter: &Converter,
        topic: &str,
    ) -> Result<&mut ConnectData, PartError> {
        self.data(converter, topic)?;
        self.changed = true;
        self.edits = self.edits.wrapping_add(1);
        Ok(self.data.get_or_insert(ConnectData::NULL))
    }

    /// The decoded data for an operation that only reads it (the part stays unchanged, so its
    /// original bytes are written on output).
    pub fn data_in_place(
        &mut self,
        converter: &Converter,
        topic: &str,
    ) -> Result<&mut ConnectData, PartError> {
        self.data(converter, topic)?;
        Ok(self.data.get_or_insert(ConnectData::NULL))
    }

    /// Runs a change's [`plan::Plan`] on the decoded data, as [`Part::data_mut`] and the
    /// change would; `false`, with the part left as it is, where the plan cannot (the part is
    /// not decoded yet, or [`plan::Plan::run`] declines).
    pub fn run_plan(&mut self, plan: &plan::Plan) -> bool {
        let done = self.data.as_mut().is_some_and(|data| plan.run(data));
        if done {
            self.changed = true;
            self.edits = self.edits.wrapping_add(1);
        }
        done
    }

    /// Replaces the whole part.
    pub fn set_data(&mut self, data: ConnectData) {
        self.data = Some(data);
        self.changed = true;
        self.edits = self.edits.wrapping_add(1);
    }

    /// Whether the value is null, without decoding where the bytes tell.
    ///
    /// Null bytes are a null value, and so is schemaless JsonConverter text that is `null`.
    /// Envelope text (`schemas.enable=true`) that is an object is decoded: its payload may come
    /// first or be followed by spaces, so only the parsed structure tells
    /// (`JsonConverter.toConnectData` returns a null value for a null payload). Text that is
    /// neither an object nor `null` is not null (if the converter cannot read it, the record
    /// fails where the part is written, [`Part::encode`]).
    pub fn is_null(&mut self, converter: &Converter, topic: &str) -> Result<bool, PartError> {
        if let Some(data) = &self.data {
            return Ok(data.value.is_null());
        }
        let Some(bytes) = &self.bytes else {
            return Ok(true);
        };
        match converter {
            Converter::Json(json) if !json.config().schemas_enable => {
                return Ok(bytes.trim_ascii() == b"null");
            }
            Converter::Json(_) => {
                let text = bytes.trim_ascii();
                if !text.starts_with(b"{") && text != b"null" {
                    return Ok(false);
                }
            }
            Converter::String(_) | Converter::ByteArray => return Ok(false),
            // Only an optional top-level schema can hold a null datum: decode.
            Converter::Avro(_) | Converter::JsonSchema(_) | Converter::Protobuf(_) => {}
        }
        Ok(self.data(converter, topic)?.value.is_null())
    }

    /// Encodes the part for output: `converter`'s encoding of the data when changed; when
    /// unchanged, the original bytes if the converter's re-encoding would write them as they
    /// are ([`Converter::check`]), else its encoding of what it reads from them. Bytes the
    /// converter cannot read fail here, as Kafka Connect's converter fails every record it
    /// cannot read.
    pub fn encode(
        &self,
        converter: &Converter,
        topic: &str,
    ) -> Result<Option<Bytes>, ConvertError> {
        self.encode_read_from(converter, topic, topic)
    }

    /// [`Part::encode`] for output to `topic` of a part read from `source`: a failure to read
    /// unchanged bytes names the topic they were read from, as Kafka's converter, which reads
    /// them before any transform routes the record, names it.
    pub fn encode_read_from(
        &self,
        converter: &Converter,
        topic: &str,
        source: &str,
    ) -> Result<Option<Bytes>, ConvertError> {
        if let (Some(data), true) = (&self.data, self.changed) {
            return Ok(converter.from_connect(topic, data)?.map(Bytes::from));
        }
        // Unchanged: written as it came only where the converter's re-encoding would write
        // these very bytes; bytes it cannot read fail here, as Kafka's converter fails them.
        match converter.check(source, self.bytes.as_deref())? {
            None => converter.pass_through(topic, self.bytes.as_ref()),
            Some(decoded) => Ok(converter
                .from_connect(topic, self.data.as_ref().unwrap_or(&decoded))?
                .map(Bytes::from)),
        }
    }
}

/// A node inside Connect data: its schema (if schema'd) and its value.
struct Node<'a> {
    schema: Option<&'a Arc<Schema>>,
    value: &'a mut Value,
}

/// Walks `path` from the top of `data`: struct fields by name, map entries by string key.
fn walk<'a>(data: &'a mut ConnectData, path: &[String]) -> Result<Node<'a>, DataError> {
    let mut node = Node {
        schema: data.schema.as_ref(),
        value: &mut data.value,
    };
    for (depth, name) in path.iter().enumerate() {
        let here = || path[..=depth].join(".");
        node = match (node.schema, node.value) {
            (Some(schema), Value::Struct(values)) => {
                let index = schema
                    .field_index(name)
                    .ok_or_else(|| DataError::NoSuchField(here()))?;
                Node {
                    schema: Some(&schema.fields[index].schema),
                    value: &mut values[index],
                }
            }
            (schema, Value::Map(entries)) => {
                let value = entries
                    .iter_mut()
                    .find(|(k, _)| matches!(k, Value::String(s) if s == name))
                    .map(|(_, v)| v)
                    .ok_or_else(|| DataError::NoSuchField(here()))?;
                Node {
                    schema: schema.and_then(|s| s.value_schema.as_ref()),
                    value,
                }
            }
            (_, Value::Null) => return Err(DataError::NoSuchField(here())),
            (_, other) => {
                return Err(DataError::WrongType(format!(
                    "{} is a {}, not a struct or map",
                    path[..depth].join("."),
                    other.type_name()
                )));
            }
        };
    }
    Ok(node)
}

/// The schema of the node at `path`, `None` for schemaless data. Schema'd data is walked by its
/// schema, so the schema of a field inside a null struct (Debezium's `before` of an insert, a
/// `transaction` outside a transaction) is known too.
pub fn schema_at(
    data: &mut ConnectData,
    path: &[String],
) -> Result<Option<Arc<Schema>>, DataError> {
    match &data.schema {
        Some(schema) => schema_walk(schema, path).map(Some),
        None => walk(data, path).map(|_| None),
    }
}

/// Follows `path` through struct fields (and map values) of `schema`.
fn schema_walk(schema: &Arc<Schema>, path: &[String]) -> Result<Arc<Schema>, DataError> {
    let mut current = schema;
    for (depth, name) in path.iter().enumerate() {
        current = match current.kind {
            SchemaType::Struct => {
                let index = current
                    .field_index(name)
                    .ok_or_else(|| DataError::NoSuchField(path[..=depth].join(".")))?;
                &current.fields[index].schema
            }
            SchemaType::Map => current
                .value_schema
                .as_ref()
                .ok_or_else(|| DataError::WrongType("map schema without value schema".into()))?,
            other => {
                return Err(DataError::WrongType(format!(
                    "{} is a {}, not a struct or map",
                    path[..depth].join("."),
                    other.upper_name()
                )));
            }
        };
    }
    Ok(Arc::clone(current))
}

/// The field names of the struct, or the string keys of the map, at `path`.
pub fn field_names(data: &mut ConnectData, path: &[String]) -> Result<Vec<String>, DataError> {
    if let Some(schema) = &data.schema {
        let node = schema_walk(schema, path)?;
        if node.kind == SchemaType::Struct {
            return Ok(node.fields.iter().map(|f| f.name.clone()).collect());
        }
    }
    let node = walk(data, path)?;
    match (node.schema, &*node.value) {
        (Some(schema), _) if schema.kind == SchemaType::Struct => {
            Ok(schema.fields.iter().map(|f| f.name.clone()).collect())
        }
        (_, Value::Map(entries)) => Ok(entries
            .iter()
            .filter_map(|(k, _)| match k {
                Value::String(s) => Some(s.to_string()),
                _ => None,
            })
            .collect()),
        (_, Value::Null) => Ok(Vec::new()),
        (_, other) => Err(DataError::WrongType(format!(
            "{} is a {}, not a struct or map",
            path.join("."),
            other.type_name()
        ))),
    }
}

/// The scalar at `path`.
pub fn get(data: &mut ConnectData, path: &[String]) -> Result<Value, DataError> {
    let node = walk(data, path)?;
    match &*node.value {
        Value::Array(_) | Value::Map(_) | Value::Struct(_) => Err(DataError::WrongType(format!(
            "{} is a {}, not a scalar",
            path.join("."),
            node.value.type_name()
        ))),
        scalar => Ok(scalar.clone()),
    }
}

/// Replaces the scalar at `path`; a schema'd node must accept the new value.
pub fn set(data: &mut ConnectData, path: &[String], value: Value) -> Result<(), DataError> {
    if path.is_empty() {
        if let Some(schema) = &data.schema {
            schema.validate(&value)?;
        }
        data.value = value;
        return Ok(());
    }
    let node = walk(data, path)?;
    if let Some(schema) = node.schema {
        schema.validate(&value)?;
    }
    *node.value = value;
    Ok(())
}

/// Rebuilds the struct or map at `path` with `fields` (source, target) in order, as Kafka's
/// `ReplaceField` does (`org.apache.kafka.connect.transforms.ReplaceField`): the new struct
/// schema copies the name, version, doc and parameters of the old one
/// (`SchemaUtil.copySchemaBasics`, so not its optionality or default) and keeps every field's
/// schema. `apply_defaults` substitutes a field's default for a null value (`Struct.get`).
/// A null node is left unchanged.
pub fn reshape(
    data: &mut ConnectData,
    path: &[String],
    fields: &[(String, String)],
    apply_defaults: bool,
) -> Result<(), DataError> {
    for (i, (_, target)) in fields.iter().enumerate() {
        if fields[..i].iter().any(|(_, t)| t == target) {
            return Err(DataError::Invalid(format!(
                "Cannot create field because of field name duplication {target}"
            )));
        }
    }
    if path.is_empty() {
        let (schema, value) = reshape_node(
            data.schema.as_ref(),
            &mut data.value,
            fields,
            apply_defaults,
        )?;
        if let Some(schema) = schema {
            data.schema = Some(schema);
        }
        data.value = value;
        return Ok(());
    }
    // A nested node: its new schema must be spliced into every enclosing struct schema.
    let node = walk(data, path)?;
    let (schema, value) = reshape_node(node.schema, node.value, fields, apply_defaults)?;
    *node.value = value;
    if let (Some(new_schema), Some(root)) = (schema, data.schema.as_mut()) {
        *root = replace_schema_at(root, path, new_schema)?;
    }
    Ok(())
}

/// Makes the node at `path` the whole of `data`, with its schema (`ExtractField`).
/// `apply_defaults` substitutes the node's default for a null value (`Struct.get`).
pub fn extract(
    data: &mut ConnectData,
    path: &[String],
    apply_defaults: bool,
) -> Result<(), DataError> {
    if path.is_empty() {
        return Ok(());
    }
    let node = walk(data, path)?;
    let schema = node.schema.cloned();
    let mut value = std::mem::replace(node.value, Value::Null);
    if value.is_null()
        && apply_defaults
        && let Some(default) = schema.as_ref().and_then(|s| s.default.clone())
    {
        value = default;
    }
    *data = ConnectData { schema, value };
    Ok(())
}

/// Wraps the whole of `data` in a one-field struct (schema'd) or map (schemaless), as
/// `HoistField` does: the new struct schema is required and unnamed.
pub fn hoist(data: &mut ConnectData, field: &str) -> Result<(), DataError> {
    let value = std::mem::replace(&mut data.value, Value::Null);
    match data.schema.take() {
        Some(schema) => {
            let wrapper = derived::<DataError>(
                Derivation::Hoist {
                    node: addr(&schema),
                    field: Cow::Borrowed(field),
                },
                &[&schema],
                || {
                    let mut wrapper = Schema::new(SchemaType::Struct);
                    wrapper.fields.push(Field {
                        name: field.to_string(),
                        schema: Arc::clone(&schema),
                    });
                    Ok(Arc::new(wrapper))
                },
            )?;
            data.schema = Some(wrapper);
            data.value = Value::Struct(vec![value]);
        }
        None => data.value = Value::Map(vec![(Value::String(field.into()), value)]),
    }
    Ok(())
}

/// Puts a scalar with its schema at `path` (see the WIT `put`): the last name is a field of the
/// struct or map the rest of the path leads to, replaced in place or appended; the empty path
/// replaces the whole part.
pub fn put(
    data: &mut ConnectData,
    path: &[String],
    schema: Option<Arc<Schema>>,
    value: Value,
) -> Result<(), DataError> {
    if let Some(s) = &schema {
        if matches!(
            s.kind,
            SchemaType::Struct | SchemaType::Map | SchemaType::Array
        ) {
            return Err(DataError::WrongType(format!(
                "put takes a scalar schema, not {}",
                s.kind.upper_name()
            )));
        }
        s.validate(&value)?;
    }
    place(data, path, schema, value)
}

/// `put` without its check that the new node is a valid scalar: places any node.
fn place(
    data: &mut ConnectData,
    path: &[String],
    schema: Option<Arc<Schema>>,
    value: Value,
) -> Result<(), DataError> {
    let Some((name, parent_path)) = path.split_last() else {
        data.schema = schema;
        data.value = value;
        return Ok(());
    };
    let has_schema = data.schema.is_some();
    if has_schema != schema.is_some() {
        return Err(DataError::Invalid(if has_schema {
            "schema'd data needs a schema for the new field".into()
        } else {
            "schemaless data takes no schema".into()
        }));
    }
    let parent = walk(data, parent_path)?;
    match (parent.schema, &mut *parent.value) {
        (Some(parent_schema), Value::Struct(values)) => {
            let field_schema = schema.unwrap_or_else(|| Arc::new(Schema::new(SchemaType::String)));
            let existing = parent_schema.field_index(name);
            let new_parent = derived::<DataError>(
                Derivation::Put {
                    parent: addr(parent_schema),
                    name: Cow::Borrowed(name.as_str()),
                    field: addr(&field_schema),
                },
                &[parent_schema, &field_schema],
                || {
                    let mut new_parent = Schema::clone(parent_schema);
                    match existing {
                        Some(i) => new_parent.fields[i].schema = Arc::clone(&field_schema),
                        None => new_parent.fields.push(Field {
                            name: name.clone(),
                            schema: Arc::clone(&field_schema),
                        }),
                    }
                    Ok(Arc::new(new_parent))
                },
            )?;
            match existing {
                Some(i) => values[i] = value,
                None => values.push(value),
            }
            if let Some(root) = data.schema.as_mut() {
                *root = replace_schema_at(root, parent_path, new_parent)?;
            }
            Ok(())
        }
        (_, Value::Map(entries)) => {
            match entries
                .iter_mut()
                .find(|(k, _)| matches!(k, Value::String(s) if s == name))
            {
                Some((_, v)) => *v = value,
                None => entries.push((Value::String(name.as_str().into()), value)),
            }
            Ok(())
        }
        (_, other) => Err(DataError::WrongType(format!(
            "{} is a {}, not a struct or map",
            parent_path.join("."),
            other.type_name()
        ))),
    }
}

/// The schema and the scalar at `path` (the WIT `get-typed`): with a schema, a node inside a
/// null struct is null with its schema, as Debezium reads `transaction.id` outside a
/// transaction; a struct, map or array is `WrongType`.
pub fn get_typed(
    data: &mut ConnectData,
    path: &[String],
) -> Result<(Option<Arc<Schema>>, Value), DataError> {
    let schema = schema_at(data, path)?;
    if schema.is_some() && null_on_the_way(data, path) {
        if let Some(s) = &schema
            && matches!(
                s.kind,
                SchemaType::Struct | SchemaType::Map | SchemaType::Array
            )
        {
            return Err(DataError::WrongType(format!(
                "{} is a {}, not a scalar",
                path.join("."),
                s.kind.upper_name()
            )));
        }
        return Ok((schema, Value::Null));
    }
    Ok((schema, get(data, path)?))
}

/// Whether a struct on the way to `path` (not the node itself) is null.
fn null_on_the_way(data: &ConnectData, path: &[String]) -> bool {
    let Some((_, parents)) = path.split_last() else {
        return false;
    };
    let mut value = &data.value;
    let mut schema = data.schema.as_ref();
    for name in parents {
        let Some(s) = schema else { return false };
        match value {
            Value::Null => return true,
            Value::Struct(values) => match s.field_index(name) {
                Some(i) => {
                    value = &values[i];
                    schema = Some(&s.fields[i].schema);
                }
                None => return false,
            },
            _ => return false,
        }
    }
    value.is_null()
}

/// Whether the node at `path` is null (the WIT `is-null-at`): with a schema, a node inside a
/// null struct is null; a missing field is `NoSuchField`.
pub fn is_null_at(data: &mut ConnectData, path: &[String]) -> Result<bool, DataError> {
    if let Some((_, value)) = struct_node(data, path) {
        return Ok(value.is_none_or(Value::is_null));
    }
    if data.schema.is_some() {
        schema_at(data, path)?;
        if null_on_the_way(data, path) {
            return Ok(true);
        }
    }
    Ok(walk(data, path)?.value.is_null())
}

/// Whether the node at `path` exists (the WIT `exists`): with a schema, whether the schema has
/// it; schemaless, whether the data does.
pub fn exists(data: &mut ConnectData, path: &[String]) -> bool {
    match &data.schema {
        // Walked without `schema_walk`, whose error would name the path only to be dropped: a
        // probe that misses is an answer here, not an error.
        Some(schema) => {
            let mut current = schema;
            for name in path {
                current = match current.kind {
                    SchemaType::Struct => match current.field_index(name) {
                        Some(i) => &current.fields[i].schema,
                        None => return false,
                    },
                    SchemaType::Map => match &current.value_schema {
                        Some(values) => values,
                        None => return false,
                    },
                    _ => return false,
                };
            }
            true
        }
        None => walk(data, path).is_ok(),
    }
}

/// Gives every null field of the struct at `path` whose schema has a default that default,
/// except the fields named in `skip` (the WIT `fill-defaults`; what Kafka's transforms do when
/// they copy a struct with `Struct.get`). The schema is unchanged; schemaless data and a null
/// struct are left as they are. Tells whether any default was given, and whether one was a
/// struct, map or array.
pub fn fill_defaults(
    data: &mut ConnectData,
    path: &[String],
    skip: &[String],
) -> Result<(bool, bool), DataError> {
    if data.schema.is_none() {
        return Ok((false, false));
    }
    let node = walk(data, path)?;
    let (Some(schema), Value::Struct(values)) = (node.schema, node.value) else {
        return Ok((false, false));
    };
    let mut filled = false;
    let mut container = false;
    for (value, field) in values.iter_mut().zip(&schema.fields) {
        if !value.is_null() || skip.contains(&field.name) {
            continue;
        }
        if let Some(default) = &field.schema.default {
            container |= matches!(default, Value::Struct(_) | Value::Map(_) | Value::Array(_));
            filled = true;
            *value = default.clone();
        }
    }
    Ok((filled, container))
}

/// Copies the node at `from` with its schema to `to` in the same data (the WIT `copy`), with
/// `put`'s placement rules; `optional` makes the copy's schema optional without a default
/// (`SchemaUtil.copySchemaBasics(schema).optional()`).
pub fn copy(
    data: &mut ConnectData,
    from: &[String],
    to: &[String],
    optional: bool,
) -> Result<(), DataError> {
    let (schema, value) = match struct_node(data, from) {
        Some((schema, value)) => (
            Some(Arc::clone(schema)),
            value.cloned().unwrap_or(Value::Null),
        ),
        None => {
            let schema = schema_at(data, from)?;
            let value = if schema.is_some() && null_on_the_way(data, from) {
                Value::Null
            } else {
                walk(data, from)?.value.clone()
            };
            (schema, value)
        }
    };
    let schema = match schema {
        Some(s) if optional && (!s.optional || s.default.is_some()) => Some(derived::<DataError>(
            Derivation::Optional { node: addr(&s) },
            &[&s],
            || {
                let mut copy = Schema::clone(&s);
                copy.optional = true;
                copy.default = None;
                Ok(Arc::new(copy))
            },
        )?),
        other => other,
    };
    place(data, to, schema, value)
}

/// The schema and the value (`None` inside a null struct) at `path` of schema'd data, in one
/// walk of the schema and the value together, where the path runs through structs only and
/// leads somewhere; `None` otherwise, where [`schema_at`], [`null_on_the_way`] and [`walk`]
/// decide (and name the error).
fn struct_node<'a>(
    data: &'a ConnectData,
    path: &[String],
) -> Option<(&'a Arc<Schema>, Option<&'a Value>)> {
    let mut schema = data.schema.as_ref()?;
    let mut value = Some(&data.value);
    for name in path {
        if schema.kind != SchemaType::Struct {
            return None;
        }
        let i = schema.field_index(name)?;
        value = match value {
            Some(Value::Struct(values)) => Some(values.get(i)?),
            Some(Value::Null) | None => None,
            Some(_) => return None,
        };
        schema = &schema.fields[i].schema;
    }
    Some((schema, value))
}

/// Rebuilds the struct at `path` keeping every field (the WIT `rebuild`): `reshape` with the
/// identity mapping.
pub fn rebuild(
    data: &mut ConnectData,
    path: &[String],
    apply_defaults: bool,
) -> Result<(), DataError> {
    let Some(schema) = schema_at(data, path)?.filter(|s| s.kind == SchemaType::Struct) else {
        let names: Vec<(String, String)> = field_names(data, path)?
            .into_iter()
            .map(|n| (n.clone(), n))
            .collect();
        return reshape(data, path, &names, apply_defaults);
    };
    let node = walk(data, path)?;
    match node.value {
        Value::Null => return Ok(()),
        Value::Struct(values) if apply_defaults => {
            for (value, field) in values.iter_mut().zip(&schema.fields) {
                if value.is_null()
                    && let Some(default) = &field.schema.default
                {
                    *value = default.clone();
                }
            }
        }
        Value::Struct(_) => {}
        other => {
            return Err(DataError::WrongType(format!(
                "expected a struct or map, found {}",
                other.type_name()
            )));
        }
    }
    let rebuilt = derived::<DataError>(
        Derivation::Rebuild {
            node: addr(&schema),
        },
        &[&schema],
        || {
            let mut rebuilt = struct_basics(&schema);
            rebuilt.fields = schema.fields.clone();
            Ok(Arc::new(rebuilt))
        },
    )?;
    match data.schema.as_mut() {
        Some(root) if path.is_empty() => *root = rebuilt,
        Some(root) => *root = replace_schema_at(root, path, rebuilt)?,
        None => {}
    }
    Ok(())
}

/// A struct schema without fields that keeps `schema`'s name, version, doc and parameters, but
/// not its optionality or default (`SchemaUtil.copySchemaBasics(schema, SchemaBuilder.struct())`).
fn struct_basics(schema: &Schema) -> Schema {
    let mut basics = Schema::new(SchemaType::Struct);
    basics.name = schema.name.clone();
    basics.version = schema.version;
    basics.doc = schema.doc.clone();
    basics.parameters = schema.parameters.clone();
    basics
}

/// Flattens the struct (or, schemaless, the map) that is the whole of `data` into one level,
/// joining names with `delimiter`, as `org.apache.kafka.connect.transforms.Flatten` does:
///
/// * with a schema (`applyWithSchema`, `buildUpdatedSchema`, `buildWithSchema`): the new struct
///   schema copies the name, version, doc and parameters of the old one
///   (`SchemaUtil.copySchemaBasics`), not its optionality; a leaf field is optional when it or
///   any struct above it is, and takes its own default or else the value its parent's default
///   struct holds for it; a nested struct's value is read with `Struct.get` (its default when
///   null), a leaf's with `getWithoutDefault`; a MAP field is an error; two leaves with one
///   name are an error (`SchemaBuilder.field`);
/// * schemaless (`applySchemaless`): nested maps are walked depth first, everything else is
///   kept as it is.
///
/// A null part is left as it is. The part must otherwise be a struct (with a schema) or a map.
pub fn flatten(data: &mut ConnectData, delimiter: &str) -> Result<(), DataError> {
    if data.value.is_null() {
        return Ok(());
    }
    match data.schema.clone() {
        Some(schema) => {
            let flat = flattened_schema(&schema, delimiter)?;
            let value = std::mem::replace(&mut data.value, Value::Null);
            let mut values = Vec::with_capacity(flat.fields.len());
            flatten_struct(&schema, value, &mut values);
            data.schema = Some(flat);
            data.value = Value::Struct(values);
            Ok(())
        }
        None => {
            if !matches!(data.value, Value::Map(_)) {
                return Err(DataError::WrongType(format!(
                    "the part is a {}, not a map",
                    data.value.type_name()
                )));
            }
            let Value::Map(entries) = std::mem::replace(&mut data.value, Value::Null) else {
                return Ok(());
            };
            let mut out = Vec::with_capacity(entries.len());
            let result = flatten_map(entries, "", delimiter, &mut out);
            data.value = Value::Map(out);
            result
        }
    }
}

/// The schema [`flatten`] gives a non-null part of schema `schema`: its only failures, so that
/// flattening a part of this schema fails if and only if this does.
pub fn flattened_schema(schema: &Arc<Schema>, delimiter: &str) -> Result<Arc<Schema>, DataError> {
    if schema.kind != SchemaType::Struct {
        return Err(DataError::WrongType(format!(
            "the part is a {}, not a struct",
            schema.kind.upper_name()
        )));
    }
    derived::<DataError>(
        Derivation::Flatten {
            node: addr(schema),
            delimiter: Cow::Borrowed(delimiter),
        },
        &[schema],
        || {
            let mut flat = struct_basics(schema);
            flatten_schema(
                schema,
                "",
                schema.optional,
                schema.default.as_ref(),
                delimiter,
                &mut flat.fields,
            )?;
            Ok(Arc::new(flat))
        },
    )
}

/// The name of a flattened field: `name` under `prefix`, joined by `delimiter`.
fn flat_name(prefix: &str, delimiter: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_owned()
    } else {
        format!("{prefix}{delimiter}{name}")
    }
}

/// `Flatten.buildUpdatedSchema`: appends the flattened leaf fields of `schema` to `out`.
fn flatten_schema(
    schema: &Schema,
    prefix: &str,
    optional: bool,
    parent_default: Option<&Value>,
    delimiter: &str,
    out: &mut Vec<Field>,
) -> Result<(), DataError> {
    for (index, field) in schema.fields.iter().enumerate() {
        let name = flat_name(prefix, delimiter, &field.name);
        let field_optional = optional || field.schema.optional;
        let default = match &field.schema.default {
            Some(own) if !own.is_null() => Some(own),
            _ => match parent_default {
                Some(Value::Struct(values)) => values.get(index).filter(|v| !v.is_null()),
                _ => None,
            },
        };
        match field.schema.kind {
            SchemaType::Struct => {
                flatten_schema(
                    &field.schema,
                    &name,
                    field_optional,
                    default,
                    delimiter,
                    out,
                )?;
            }
            SchemaType::Map => {
                return Err(DataError::Invalid(format!(
                    "Flatten transformation does not support MAP for record with schemas (for field {name})."
                )));
            }
            _ => {
                // `convertFieldSchema`: `copySchemaBasics`, then optionality and default.
                let mut leaf = Schema::new(field.schema.kind);
                leaf.name = field.schema.name.clone();
                leaf.version = field.schema.version;
                leaf.doc = field.schema.doc.clone();
                leaf.parameters = field.schema.parameters.clone();
                leaf.key_schema = field.schema.key_schema.clone();
                leaf.value_schema = field.schema.value_schema.clone();
                leaf.optional = field_optional;
                leaf.default = default.cloned();
                if out.iter().any(|f| f.name == name) {
                    return Err(DataError::Invalid(format!(
                        "Cannot create field because of field name duplication {name}"
                    )));
                }
                out.push(Field {
                    name,
                    schema: Arc::new(leaf),
                });
            }
        }
    }
    Ok(())
}

/// `Flatten.buildWithSchema`: appends the leaf values of a struct in schema order; a null
/// nested struct takes its default (`Struct.getStruct`), else leaves its fields null.
fn flatten_struct(schema: &Schema, value: Value, out: &mut Vec<Value>) {
    let mut values = match value {
        Value::Struct(values) => values,
        _ => Vec::new(),
    };
    for (index, field) in schema.fields.iter().enumerate() {
        let value = values
            .get_mut(index)
            .map_or(Value::Null, |v| std::mem::replace(v, Value::Null));
        if field.schema.kind == SchemaType::Struct {
            let value = match (value, &field.schema.default) {
                (Value::Null, Some(default)) => default.clone(),
                (value, _) => value,
            };
            flatten_struct(&field.schema, value, out);
        } else {
            out.push(value);
        }
    }
}

/// `Flatten.applySchemaless`: nested maps walked depth first; other values kept.
fn flatten_map(
    entries: Vec<(Value, Value)>,
    prefix: &str,
    delimiter: &str,
    out: &mut Vec<(Value, Value)>,
) -> Result<(), DataError> {
    for (key, value) in entries {
        let Value::String(key) = key else {
            return Err(DataError::WrongType(format!(
                "a map key is a {}, not a string",
                key.type_name()
            )));
        };
        let name = flat_name(prefix, delimiter, &key);
        match value {
            Value::Map(nested) => flatten_map(nested, &name, delimiter, out)?,
            other => out.push((Value::String(name.into()), other)),
        }
    }
    Ok(())
}

/// Sets the name and version of the schema at `path` (`SetSchemaMetadata`); `None` keeps them.
pub fn rename_schema(
    data: &mut ConnectData,
    path: &[String],
    name: Option<String>,
    version: Option<i32>,
) -> Result<(), DataError> {
    let current = schema_at(data, path)?
        .ok_or_else(|| DataError::WrongType("schemaless data has no schema to rename".into()))?;
    let renamed = derived::<DataError>(
        Derivation::Rename {
            node: addr(&current),
            name: name.as_deref().map(Cow::Borrowed),
            version,
        },
        &[&current],
        || {
            let mut renamed = Schema::clone(&current);
            if name.is_some() {
                renamed.name = name.clone();
            }
            if version.is_some() {
                renamed.version = version;
            }
            Ok(Arc::new(renamed))
        },
    )?;
    if let Some(root) = data.schema.as_mut() {
        *root = replace_schema_at(root, path, renamed)?;
    }
    Ok(())
}

/// Returns `root` with the schema at `path` (through struct fields) replaced.
fn replace_schema_at(
    root: &Arc<Schema>,
    path: &[String],
    replacement: Arc<Schema>,
) -> Result<Arc<Schema>, DataError> {
    if path.is_empty() {
        return Ok(replacement);
    }
    derived(
        Derivation::Replace {
            root: addr(root),
            path: Cow::Borrowed(path),
            replacement: addr(&replacement),
        },
        &[root, &replacement],
        || replace_schema_in(root, path, &replacement),
    )
}

/// [`replace_schema_at`] without the memo.
fn replace_schema_in(
    root: &Arc<Schema>,
    path: &[String],
    replacement: &Arc<Schema>,
) -> Result<Arc<Schema>, DataError> {
    let Some((first, rest)) = path.split_first() else {
        return Ok(Arc::clone(replacement));
    };
    let mut schema = Schema::clone(root);
    match schema.kind {
        SchemaType::Struct => {
            let index = schema
                .field_index(first)
                .ok_or_else(|| DataError::NoSuchField(first.clone()))?;
            let child = replace_schema_in(&schema.fields[index].schema, rest, replacement)?;
            schema.fields[index].schema = child;
        }
        SchemaType::Map => {
            let values = schema
                .value_schema
                .as_ref()
                .ok_or_else(|| DataError::WrongType("map without value schema".into()))?;
            schema.value_schema = Some(replace_schema_in(values, rest, replacement)?);
        }
        _ => {
            return Err(DataError::WrongType(format!(
                "{first} is not in a struct or map"
            )));
        }
    }
    Ok(Arc::new(schema))
}

type Reshaped = (Option<Arc<Schema>>, Value);

fn reshape_node(
    schema: Option<&Arc<Schema>>,
    value: &mut Value,
    fields: &[(String, String)],
    apply_defaults: bool,
) -> Result<Reshaped, DataError> {
    let value = std::mem::replace(value, Value::Null);
    match (schema, value) {
        (schema, Value::Null) => Ok((schema.cloned(), Value::Null)),
        (Some(schema), Value::Struct(mut values)) => {
            let mut new_values = Vec::with_capacity(fields.len());
            for (source, _) in fields {
                let index = schema
                    .field_index(source)
                    .ok_or_else(|| DataError::NoSuchField(source.clone()))?;
                let field_schema = &schema.fields[index].schema;
                let mut v = std::mem::replace(&mut values[index], Value::Null);
                if v.is_null()
                    && apply_defaults
                    && let Some(default) = &field_schema.default
                {
                    v = default.clone();
                }
                new_values.push(v);
            }
            let new_schema = derived::<DataError>(
                Derivation::Reshape {
                    node: addr(schema),
                    fields: Cow::Borrowed(fields),
                },
                &[schema],
                || {
                    let mut new_schema = struct_basics(schema);
                    for (source, target) in fields {
                        let index = schema
                            .field_index(source)
                            .ok_or_else(|| DataError::NoSuchField(source.clone()))?;
                        new_schema.fields.push(Field {
                            name: target.clone(),
                            schema: Arc::clone(&schema.fields[index].schema),
                        });
                    }
                    Ok(Arc::new(new_schema))
                },
            )?;
            Ok((Some(new_schema), Value::Struct(new_values)))
        }
        (schema, Value::Map(mut entries)) => {
            let mut new_entries = Vec::with_capacity(fields.len());
            for (source, target) in fields {
                let found = entries
                    .iter_mut()
                    .find(|(k, _)| matches!(k, Value::String(s) if s == source));
                if let Some((_, v)) = found {
                    new_entries.push((
                        Value::String(target.as_str().into()),
                        std::mem::replace(v, Value::Null),
                    ));
                }
            }
            Ok((schema.cloned(), Value::Map(new_entries)))
        }
        (_, other) => Err(DataError::WrongType(format!(
            "expected a struct or map, found {}",
            other.type_name()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(p: &[&str]) -> Vec<String> {
        p.iter().map(|s| s.to_string()).collect()
    }

    fn key_data() -> ConnectData {
        let mut schema = Schema::new(SchemaType::Struct)
            .named("product.public.products.Key")
            .field("id", Schema::new(SchemaType::Int64))
            .field("note", {
                let mut s = Schema::new(SchemaType::Int32).optional();
                s.default = Some(Value::Int32(42));
                s
            });
        schema.version = Some(3);
        ConnectData {
            schema: Some(Arc::new(schema)),
            value: Value::Struct(vec![Value::Int64(6), Value::Null]),
        }
    }

    #[test]
    fn reshape_renames_in_schema_and_value_keeping_schema_name() {
        let mut data = key_data();
        let fields = vec![("id".to_string(), "product_id".to_string())];
        reshape(&mut data, &[], &fields, true).unwrap();
        let schema = data.schema.as_ref().unwrap();
        assert_eq!(schema.name.as_deref(), Some("product.public.products.Key"));
        assert_eq!(schema.version, Some(3));
        assert_eq!(schema.fields.len(), 1);
        assert_eq!(schema.fields[0].name, "product_id");
        assert_eq!(data.value, Value::Struct(vec![Value::Int64(6)]));
    }

    #[test]
    fn reshape_applies_defaults_only_when_asked() {
        let fields = vec![("note".to_string(), "n".to_string())];
        let mut with = key_data();
        reshape(&mut with, &[], &fields, true).unwrap();
        assert_eq!(with.value, Value::Struct(vec![Value::Int32(42)]));
        let mut without = key_data();
        reshape(&mut without, &[], &fields, false).unwrap();
        assert_eq!(without.value, Value::Struct(vec![Value::Null]));
    }

    #[test]
    fn reshape_rejects_duplicate_targets_and_unknown_struct_fields() {
        let mut data = key_data();
        let dup = vec![
            ("id".to_string(), "x".to_string()),
            ("note".to_string(), "x".to_string()),
        ];
        assert!(matches!(
            reshape(&mut data, &[], &dup, true),
            Err(DataError::Invalid(_))
        ));
        let unknown = vec![("nope".to_string(), "x".to_string())];
        assert!(matches!(
            reshape(&mut data, &[], &unknown, true),
            Err(DataError::NoSuchField(_))
        ));
    }

    #[test]
    fn reshape_skips_missing_map_keys_and_keeps_null() {
        let mut data = ConnectData {
            schema: None,
            value: Value::Map(vec![
                (Value::String("id".into()), Value::Int64(1)),
                (Value::String("x".into()), Value::Int64(2)),
            ]),
        };
        let fields = vec![
            ("id".to_string(), "product_id".to_string()),
            ("missing".to_string(), "m".to_string()),
        ];
        reshape(&mut data, &[], &fields, true).unwrap();
        assert_eq!(
            data.value,
            Value::Map(vec![(Value::String("product_id".into()), Value::Int64(1))])
        );
        let mut null = ConnectData::NULL;
        reshape(&mut null, &[], &fields, true).unwrap();
        assert_eq!(null, ConnectData::NULL);
    }

    #[test]
    fn nested_reshape_updates_the_enclosing_schema() {
        let inner = Schema::new(SchemaType::Struct)
            .optional()
            .named("row")
            .field("a", Schema::new(SchemaType::Int32))
            .field("b", Schema::new(SchemaType::Int32));
        let outer = Schema::new(SchemaType::Struct).field("after", inner);
        let mut data = ConnectData {
            schema: Some(Arc::new(outer)),
            value: Value::Struct(vec![Value::Struct(vec![Value::Int32(1), Value::Int32(2)])]),
        };
        let fields = vec![("b".to_string(), "bee".to_string())];
        reshape(&mut data, &path(&["after"]), &fields, true).unwrap();
        let names = field_names(&mut data, &path(&["after"])).unwrap();
        assert_eq!(names, vec!["bee"]);
        assert_eq!(
            get(&mut data, &path(&["after", "bee"])).unwrap(),
            Value::Int32(2)
        );
    }

    #[test]
    fn extract_makes_a_nested_node_the_whole_part() {
        let inner = Schema::new(SchemaType::Struct)
            .optional()
            .named("row")
            .field("a", Schema::new(SchemaType::Int32));
        let outer = Schema::new(SchemaType::Struct).field("after", inner);
        let mut data = ConnectData {
            schema: Some(Arc::new(outer)),
            value: Value::Struct(vec![Value::Struct(vec![Value::Int32(1)])]),
        };
        extract(&mut data, &path(&["after"]), true).unwrap();
        assert_eq!(data.schema.as_ref().unwrap().name.as_deref(), Some("row"));
        assert_eq!(data.value, Value::Struct(vec![Value::Int32(1)]));
        assert!(matches!(
            extract(&mut data, &path(&["nope"]), true),
            Err(DataError::NoSuchField(_))
        ));
    }

    #[test]
    fn hoist_wraps_schemad_and_schemaless_data() {
        let mut data = key_data();
        hoist(&mut data, "k").unwrap();
        let schema = data.schema.as_ref().unwrap();
        assert_eq!(schema.fields[0].name, "k");
        assert_eq!(schema.name, None);
        assert_eq!(
            field_names(&mut data, &path(&["k"])).unwrap(),
            vec!["id", "note"]
        );
        let mut schemaless = ConnectData {
            schema: None,
            value: Value::Int64(42),
        };
        hoist(&mut schemaless, "magic").unwrap();
        assert_eq!(
            schemaless.value,
            Value::Map(vec![(Value::String("magic".into()), Value::Int64(42))])
        );
    }

    #[test]
    fn put_replaces_in_place_or_appends_and_updates_schemas() {
        let mut data = key_data();
        put(
            &mut data,
            &path(&["id"]),
            Some(Arc::new(Schema::new(SchemaType::String))),
            Value::String("6".into()),
        )
        .unwrap();
        put(
            &mut data,
            &path(&["__op"]),
            Some(Arc::new(Schema::new(SchemaType::String).optional())),
            Value::String("c".into()),
        )
        .unwrap();
        assert_eq!(
            field_names(&mut data, &[]).unwrap(),
            vec!["id", "note", "__op"]
        );
        assert_eq!(
            schema_at(&mut data, &path(&["id"])).unwrap().unwrap().kind,
            SchemaType::String
        );
        assert_eq!(
            data.schema.as_ref().unwrap().name.as_deref(),
            Some("product.public.products.Key")
        );
        assert!(put(&mut data, &path(&["x"]), None, Value::Int32(1)).is_err());
        assert!(
            put(
                &mut data,
                &path(&["x"]),
                Some(Arc::new(Schema::new(SchemaType::Int32))),
                Value::Null
            )
            .is_err()
        );
        let mut schemaless = ConnectData {
            schema: None,
            value: Value::Map(vec![]),
        };
        put(&mut schemaless, &path(&["a"]), None, Value::Int64(1)).unwrap();
        assert_eq!(
            get(&mut schemaless, &path(&["a"])).unwrap(),
            Value::Int64(1)
        );
    }

    #[test]
    fn rename_schema_keeps_what_is_not_given() {
        let mut data = key_data();
        rename_schema(&mut data, &[], Some("renamed".into()), None).unwrap();
        let schema = data.schema.as_ref().unwrap();
        assert_eq!(
            (schema.name.as_deref(), schema.version),
            (Some("renamed"), Some(3))
        );
        let mut schemaless = ConnectData {
            schema: None,
            value: Value::Int64(1),
        };
        assert!(rename_schema(&mut schemaless, &[], None, Some(1)).is_err());
    }

    #[test]
    fn schemas_and_field_names_are_known_inside_null_structs() {
        let inner = Schema::new(SchemaType::Struct)
            .optional()
            .field("a", Schema::new(SchemaType::Int32));
        let outer = Schema::new(SchemaType::Struct).field("before", inner);
        let mut data = ConnectData {
            schema: Some(Arc::new(outer)),
            value: Value::Struct(vec![Value::Null]),
        };
        let a = schema_at(&mut data, &path(&["before", "a"]))
            .unwrap()
            .unwrap();
        assert_eq!(a.kind, SchemaType::Int32);
        assert_eq!(
            field_names(&mut data, &path(&["before"])).unwrap(),
            vec!["a"]
        );
        assert!(matches!(
            schema_at(&mut data, &path(&["before", "b"])),
            Err(DataError::NoSuchField(p)) if p == "before.b"
        ));
        assert!(matches!(
            get(&mut data, &path(&["before", "a"])),
            Err(DataError::NoSuchField(_))
        ));
    }

    #[test]
    fn get_and_set_follow_paths_and_validate() {
        let mut data = key_data();
        assert_eq!(get(&mut data, &path(&["id"])).unwrap(), Value::Int64(6));
        assert!(matches!(
            get(&mut data, &path(&["nope"])),
            Err(DataError::NoSuchField(_))
        ));
        assert!(set(&mut data, &path(&["id"]), Value::String("x".into())).is_err());
        set(&mut data, &path(&["id"]), Value::Int64(7)).unwrap();
        assert_eq!(get(&mut data, &path(&["id"])).unwrap(), Value::Int64(7));
        assert!(matches!(get(&mut data, &[]), Err(DataError::WrongType(_))));
    }

    /// A Debezium-like envelope: `before` (null), `after` (a row with a nested struct and a
    /// field with a default), `source.table`.
    fn envelope() -> ConnectData {
        let dims = Schema::new(SchemaType::Struct)
            .optional()
            .field("w", Schema::new(SchemaType::Int32))
            .field("h", {
                let mut s = Schema::new(SchemaType::Int32).optional();
                s.default = Some(Value::Int32(1));
                s
            });
        let row = Schema::new(SchemaType::Struct)
            .optional()
            .named("row")
            .field("id", Schema::new(SchemaType::Int64))
            .field("dims", dims);
        let source =
            Schema::new(SchemaType::Struct).field("table", Schema::new(SchemaType::String));
        let schema = Schema::new(SchemaType::Struct)
            .named("x.Envelope")
            .field("before", row.clone())
            .field("after", row)
            .field("source", source);
        ConnectData {
            schema: Some(Arc::new(schema)),
            value: Value::Struct(vec![
                Value::Null,
                Value::Struct(vec![
                    Value::Int64(6),
                    Value::Struct(vec![Value::Int32(2), Value::Null]),
                ]),
                Value::Struct(vec![Value::String("products".into())]),
            ]),
        }
    }

    /// The one-walk read of `copy` and `is-null-at` finds what the schema walk, the null check
    /// on the way and the value walk find, on every path of the envelope (and leaves the paths
    /// it cannot decide to them).
    #[test]
    fn struct_node_reads_what_the_three_walks_read() {
        let mut data = envelope();
        let paths: &[&[&str]] = &[
            &[],
            &["before"],
            &["before", "id"],
            &["before", "dims", "w"],
            &["after"],
            &["after", "id"],
            &["after", "dims"],
            &["after", "dims", "h"],
            &["after", "nope"],
            &["after", "id", "deeper"],
            &["source", "table"],
            &["nope"],
        ];
        for p in paths {
            let p = path(p);
            let found = struct_node(&data, &p).map(|(s, v)| (Arc::clone(s), v.cloned()));
            let Some((schema, value)) = found else {
                // Undecided only where the walks fail.
                let walked = schema_at(&mut data, &p).and_then(|_| walk(&mut data, &p).map(|_| ()));
                assert!(walked.is_err(), "{p:?}");
                continue;
            };
            let expected_schema = schema_at(&mut data, &p).unwrap().unwrap();
            assert!(Arc::ptr_eq(&schema, &expected_schema), "{p:?}");
            let expected = match null_on_the_way(&data, &p) {
                true => None,
                false => Some(walk(&mut data, &p).unwrap().value.clone()),
            };
            assert_eq!(value, expected, "{p:?}");
        }
    }

    #[test]
    fn get_typed_reads_schema_and_value_and_nulls_inside_null_structs() {
        let mut data = envelope();
        let (schema, value) = get_typed(&mut data, &path(&["source", "table"])).unwrap();
        assert_eq!(schema.unwrap().kind, SchemaType::String);
        assert_eq!(value, Value::String("products".into()));
        // `before` is null: its field is null with its schema.
        let (schema, value) = get_typed(&mut data, &path(&["before", "id"])).unwrap();
        assert_eq!(schema.unwrap().kind, SchemaType::Int64);
        assert_eq!(value, Value::Null);
        assert!(matches!(
            get_typed(&mut data, &path(&["after", "nope"])),
            Err(DataError::NoSuchField(p)) if p == "after.nope"
        ));
        assert!(matches!(
            get_typed(&mut data, &path(&["after", "dims"])),
            Err(DataError::WrongType(_))
        ));
        let mut schemaless = ConnectData {
            schema: None,
            value: Value::Map(vec![(Value::String("a".into()), Value::Int64(1))]),
        };
        assert_eq!(
            get_typed(&mut schemaless, &path(&["a"])).unwrap(),
            (None, Value::Int64(1))
        );
    }

    #[test]
    fn copy_moves_any_node_with_its_schema_made_optional() {
        let mut data = envelope();
        copy(
            &mut data,
            &path(&["after", "dims"]),
            &path(&["source", "dims"]),
            true,
        )
        .unwrap();
        copy(
            &mut data,
            &path(&["before", "id"]),
            &path(&["source", "old_id"]),
            true,
        )
        .unwrap();
        let source = schema_at(&mut data, &path(&["source"])).unwrap().unwrap();
        let names: Vec<&str> = source.fields.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["table", "dims", "old_id"]);
        assert!(source.fields[2].schema.optional, "made optional");
        assert_eq!(
            get(&mut data, &path(&["source", "dims", "w"])).unwrap(),
            Value::Int32(2)
        );
        assert_eq!(
            get(&mut data, &path(&["source", "old_id"])).unwrap(),
            Value::Null
        );
        assert!(matches!(
            copy(&mut data, &path(&["nope"]), &path(&["x"]), false),
            Err(DataError::NoSuchField(_))
        ));
    }

    #[test]
    fn rebuild_keeps_every_field_drops_optionality_and_applies_defaults_when_asked() {
        let mut with = envelope();
        extract(&mut with, &path(&["after"]), true).unwrap();
        rebuild(&mut with, &path(&["dims"]), true).unwrap();
        assert_eq!(
            get(&mut with, &path(&["dims", "h"])).unwrap(),
            Value::Int32(1),
            "the default"
        );
        rebuild(&mut with, &[], false).unwrap();
        let schema = with.schema.clone().unwrap();
        assert!(!schema.optional);
        assert_eq!(schema.name.as_deref(), Some("row"));
        let mut without = envelope();
        extract(&mut without, &path(&["after"]), true).unwrap();
        rebuild(&mut without, &[], false).unwrap();
        assert_eq!(
            get(&mut without, &path(&["dims", "h"])).unwrap(),
            Value::Null
        );
        // The same rebuild of the same schema yields the same schema, shared.
        // Two records of one topic share their decoded schema.
        let shared = envelope().schema;
        let mut again = envelope();
        again.schema = shared.clone();
        let mut twice = envelope();
        twice.schema = shared;
        extract(&mut again, &path(&["after"]), true).unwrap();
        extract(&mut twice, &path(&["after"]), true).unwrap();
        rebuild(&mut again, &[], false).unwrap();
        rebuild(&mut twice, &[], false).unwrap();
        assert!(Arc::ptr_eq(
            again.schema.as_ref().unwrap(),
            twice.schema.as_ref().unwrap()
        ));
        let mut null = envelope();
        rebuild(&mut null, &path(&["before"]), true).unwrap();
        assert_eq!(get(&mut null, &path(&["before"])).unwrap(), Value::Null);
    }

    /// Each field of a struct schema: its name, whether it is optional, its default.
    fn field_shapes(schema: &Schema) -> Vec<(&str, bool, Option<&Value>)> {
        schema
            .fields
            .iter()
            .map(|f| {
                (
                    f.name.as_str(),
                    f.schema.optional,
                    f.schema.default.as_ref(),
                )
            })
            .collect()
    }

    #[test]
    fn flatten_follows_kafka_with_and_without_schemas() {
        let mut data = envelope();
        extract(&mut data, &path(&["after"]), true).unwrap();
        flatten(&mut data, "_").unwrap();
        let schema = data.schema.clone().unwrap();
        let fields = field_shapes(&schema);
        assert_eq!(
            fields,
            [
                ("id", true, None),
                ("dims_w", true, None),
                ("dims_h", true, Some(&Value::Int32(1)))
            ],
            "optional because the row is; the default kept"
        );
        assert_eq!(schema.name.as_deref(), Some("row"));
        assert!(!schema.optional);
        assert_eq!(
            data.value,
            Value::Struct(vec![Value::Int64(6), Value::Int32(2), Value::Null])
        );

        let mut schemaless = ConnectData {
            schema: None,
            value: Value::Map(vec![
                (
                    Value::String("a".into()),
                    Value::Map(vec![(Value::String("b".into()), Value::Int64(1))]),
                ),
                (Value::String("e".into()), Value::Map(vec![])),
                (Value::String("n".into()), Value::Null),
                (
                    Value::String("arr".into()),
                    Value::Array(vec![Value::Map(vec![])]),
                ),
            ]),
        };
        flatten(&mut schemaless, ".").unwrap();
        assert_eq!(
            schemaless.value,
            Value::Map(vec![
                (Value::String("a.b".into()), Value::Int64(1)),
                (Value::String("n".into()), Value::Null),
                (
                    Value::String("arr".into()),
                    Value::Array(vec![Value::Map(vec![])]),
                ),
            ]),
            "arrays are kept, not descended into"
        );

        let mut null = ConnectData::NULL;
        flatten(&mut null, ".").unwrap();
        assert_eq!(null, ConnectData::NULL);
        let mut scalar = ConnectData {
            schema: None,
            value: Value::Int64(1),
        };
        assert!(matches!(
            flatten(&mut scalar, "."),
            Err(DataError::WrongType(_))
        ));
        assert_eq!(scalar.value, Value::Int64(1), "left as it was");

        let with_map = Schema::new(SchemaType::Struct).field("m", {
            let mut m = Schema::new(SchemaType::Map);
            m.key_schema = Some(Arc::new(Schema::new(SchemaType::String)));
            m.value_schema = Some(Arc::new(Schema::new(SchemaType::String)));
            m
        });
        let mut data = ConnectData {
            schema: Some(Arc::new(with_map)),
            value: Value::Struct(vec![Value::Map(vec![])]),
        };
        assert_eq!(
            flatten(&mut data, "."),
            Err(DataError::Invalid(
                "Flatten transformation does not support MAP for record with schemas (for field m)."
                    .into()
            ))
        );
        let dup = Schema::new(SchemaType::Struct)
            .field(
                "a",
                Schema::new(SchemaType::Struct).field("b", Schema::new(SchemaType::Int32)),
            )
            .field("a_b", Schema::new(SchemaType::Int32));
        let mut data = ConnectData {
            schema: Some(Arc::new(dup)),
            value: Value::Struct(vec![Value::Struct(vec![Value::Int32(1)]), Value::Int32(2)]),
        };
        assert_eq!(
            flatten(&mut data, "_"),
            Err(DataError::Invalid(
                "Cannot create field because of field name duplication a_b".into()
            ))
        );
    }

    /// `FlattenTest.testOptionalAndDefaultValuesNested`: a leaf takes its own default, else the
    /// value its parent's default struct holds; every leaf under an optional struct is optional.
    #[test]
    fn flatten_takes_defaults_from_the_struct_above() {
        let mut inner = Schema::new(SchemaType::Struct)
            .optional()
            .field("req_field", Schema::new(SchemaType::String))
            .field("opt_field", {
                let mut s = Schema::new(SchemaType::String).optional();
                s.default = Some(Value::String("child_default".into()));
                s
            });
        inner.default = Some(Value::Struct(vec![
            Value::String("req_default".into()),
            Value::Null,
        ]));
        let mut data = ConnectData {
            schema: Some(Arc::new(Schema::new(SchemaType::Struct).field("s", inner))),
            value: Value::Struct(vec![Value::Null]),
        };
        flatten(&mut data, ".").unwrap();
        let schema = data.schema.clone().unwrap();
        let fields = field_shapes(&schema);
        assert_eq!(
            fields,
            [
                (
                    "s.req_field",
                    true,
                    Some(&Value::String("req_default".into()))
                ),
                (
                    "s.opt_field",
                    true,
                    Some(&Value::String("child_default".into()))
                )
            ]
        );
    }

    #[test]
    fn fill_defaults_gives_null_fields_their_defaults_except_skipped_ones() {
        let mut data = envelope();
        let dims = path(&["after", "dims"]);
        assert_eq!(
            fill_defaults(&mut data, &dims, &["h".into()]),
            Ok((false, false))
        );
        assert_eq!(
            get(&mut data, &path(&["after", "dims", "h"])).unwrap(),
            Value::Null
        );
        assert_eq!(fill_defaults(&mut data, &dims, &[]), Ok((true, false)));
        assert_eq!(
            get(&mut data, &path(&["after", "dims", "h"])).unwrap(),
            Value::Int32(1)
        );
        // A null struct and schemaless data are left as they are.
        assert_eq!(
            fill_defaults(&mut data, &path(&["before"]), &[]),
            Ok((false, false))
        );
        let mut schemaless = ConnectData {
            schema: None,
            value: Value::Map(vec![(Value::String("a".into()), Value::Null)]),
        };
        assert_eq!(fill_defaults(&mut schemaless, &[], &[]), Ok((false, false)));
        assert!(matches!(
            fill_defaults(&mut data, &path(&["nope"]), &[]),
            Err(DataError::NoSuchField(_))
        ));
    }
}
