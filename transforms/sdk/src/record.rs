//! The record a transform receives, and views of its key and value.
//!
//! A [`Record`] is a handle to a record the host holds: each accessor is one call to the host,
//! and the key and value are decoded by the pipeline's converters only when first asked for.
//! The key and value are reached through [`Record::key`] / [`Record::value`] (read) and
//! [`Record::key_mut`] / [`Record::value_mut`] (write); a node inside a part is addressed by a
//! path of struct field names or map keys (`&[]` is the part itself).

use std::fmt;

use crate::__bindings::connect::{self, ConnectRecord};

pub use connect::{
    DataError, FieldMapping, Header, JsonData, Part, Scalar, SchemaInfo, SchemaType,
};

/// One Kafka record: topic, partition, timestamp, headers, and the key and value as Connect
/// data with their schemas (Kafka's `ConnectRecord`).
#[repr(transparent)]
pub struct Record {
    inner: ConnectRecord,
}

impl fmt::Debug for Record {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Record")
            .field("handle", &self.inner.handle())
            .finish()
    }
}

impl Record {
    /// A new record for `topic` with a null key and value and no headers, for transforms that
    /// emit more records than they receive.
    pub fn new(topic: &str) -> Self {
        Record {
            inner: ConnectRecord::new(topic),
        }
    }

    pub(crate) fn from_raw(inner: ConnectRecord) -> Self {
        Record { inner }
    }

    pub(crate) fn into_raw(self) -> ConnectRecord {
        self.inner
    }

    /// The WIT `connect-record` handle itself, to call an import the SDK does not wrap (the
    /// typed `batch`, say).
    pub fn as_raw(&self) -> &ConnectRecord {
        &self.inner
    }

    /// Views a borrowed host record as a [`Record`].
    pub(crate) fn from_raw_ref(inner: &ConnectRecord) -> &Record {
        #[expect(
            unsafe_code,
            reason = "`Record` is `repr(transparent)` over `ConnectRecord`, so the layouts match"
        )]
        // SAFETY: `Record` is a `repr(transparent)` wrapper of `ConnectRecord`, and the returned
        // reference has the lifetime of the input.
        unsafe {
            &*(inner as *const ConnectRecord as *const Record)
        }
    }

    /// A deep copy of this record.
    pub fn duplicate(&self) -> Record {
        Record {
            inner: self.inner.duplicate(),
        }
    }

    /// The topic.
    pub fn topic(&self) -> String {
        self.inner.topic()
    }

    /// Sets the topic the record is written to.
    pub fn set_topic(&mut self, topic: &str) {
        self.inner.set_topic(topic)
    }

    /// The partition, if one is set.
    pub fn partition(&self) -> Option<i32> {
        self.inner.kafka_partition()
    }

    /// Sets the partition; `None` lets the producer's partitioner choose from the key.
    pub fn set_partition(&mut self, partition: Option<i32>) {
        self.inner.set_kafka_partition(partition)
    }

    /// The timestamp in milliseconds since the epoch, if the record has one.
    pub fn timestamp(&self) -> Option<i64> {
        self.inner.timestamp()
    }

    /// Sets the timestamp.
    pub fn set_timestamp(&mut self, timestamp: Option<i64>) {
        self.inner.set_timestamp(timestamp)
    }

    /// All headers, in order (a key may repeat).
    pub fn headers(&self) -> Vec<Header> {
        self.inner.headers()
    }

    /// Whether at least one header has this key.
    pub fn has_header(&self, key: &str) -> bool {
        self.inner.has_header(key)
    }

    /// The last header with this key (Kafka's `Headers.lastWithName`).
    pub fn last_header(&self, key: &str) -> Option<Header> {
        self.inner.last_header(key)
    }

    /// Appends a header; `None` is a null header value.
    pub fn add_header(&mut self, key: &str, value: Option<&[u8]>) {
        self.inner.add_header(&Header {
            key: key.to_owned(),
            value: value.map(<[u8]>::to_vec),
        })
    }

    /// Removes every header with this key.
    pub fn remove_headers(&mut self, key: &str) {
        self.inner.remove_headers(key)
    }

    /// The key, to read.
    pub fn key(&self) -> PartView<'_> {
        self.part(Part::Key)
    }

    /// The value, to read.
    pub fn value(&self) -> PartView<'_> {
        self.part(Part::Value)
    }

    /// The key or the value, to read.
    pub fn part(&self, part: Part) -> PartView<'_> {
        PartView { record: self, part }
    }

    /// The key, to change.
    pub fn key_mut(&mut self) -> PartViewMut<'_> {
        self.part_mut(Part::Key)
    }

    /// The value, to change.
    pub fn value_mut(&mut self) -> PartViewMut<'_> {
        self.part_mut(Part::Value)
    }

    /// The key or the value, to change.
    pub fn part_mut(&mut self, part: Part) -> PartViewMut<'_> {
        PartViewMut {
            view: PartView { record: self, part },
        }
    }
}

/// Converts a path of `&str` into the owned list the host call takes.
fn owned(path: &[&str]) -> Vec<String> {
    path.iter().map(|s| (*s).to_owned()).collect()
}

/// Read access to the key or the value of a [`Record`].
#[derive(Debug, Clone, Copy)]
pub struct PartView<'a> {
    record: &'a Record,
    part: Part,
}

impl PartView<'_> {
    /// Which part this is.
    pub fn part(&self) -> Part {
        self.part
    }

    /// Whether the part is null (a null value is a tombstone).
    pub fn is_null(&self) -> Result<bool, DataError> {
        self.record.inner.is_null(self.part)
    }

    /// Whether the part carries a schema (JsonConverter with schemas, Avro) or is schemaless.
    pub fn has_schema(&self) -> Result<bool, DataError> {
        self.record.inner.has_schema(self.part)
    }

    /// The schema of the node at `path`, or `None` for schemaless data.
    pub fn schema(&self, path: &[&str]) -> Result<Option<SchemaInfo>, DataError> {
        self.record.inner.schema(self.part, &owned(path))
    }

    /// The field names of the struct (in schema order) or the keys of the map (in order) at
    /// `path`.
    pub fn field_names(&self, path: &[&str]) -> Result<Vec<String>, DataError> {
        self.record.inner.field_names(self.part, &owned(path))
    }

    /// The scalar at `path`; [`DataError::WrongType`] for a struct, map or array.
    pub fn get(&self, path: &[&str]) -> Result<Scalar, DataError> {
        self.record.inner.get(self.part, &owned(path))
    }

    /// The whole part in the JSON form of Kafka's `JsonConverter`.
    pub fn to_json(&self) -> Result<JsonData, DataError> {
        self.record.inner.to_json(self.part)
    }
}

/// Write access to the key or the value of a [`Record`]; dereferences to [`PartView`] to read.
#[derive(Debug)]
pub struct PartViewMut<'a> {
    view: PartView<'a>,
}

impl<'a> std::ops::Deref for PartViewMut<'a> {
    type Target = PartView<'a>;

    fn deref(&self) -> &PartView<'a> {
        &self.view
    }
}

impl PartViewMut<'_> {
    /// Replaces the scalar at `path`; with a schema the value must fit the field's schema.
    pub fn set(&mut self, path: &[&str], value: impl Into<Scalar>) -> Result<(), DataError> {
        let view = self.view;
        view.record
            .inner
            .set(view.part, &owned(path), &value.into())
    }

    /// Rebuilds the struct or map at `path` with exactly `fields`, in that order and under their
    /// target names, as Kafka's `ReplaceField` does; the data never passes through the guest.
    ///
    /// With `apply_defaults`, a null field whose schema has a default takes the default
    /// (`Struct.get`); otherwise it stays null (`Struct.getWithoutDefault`). A null struct or map
    /// is left as it is; a source missing from a map is skipped; a source missing from a struct
    /// is [`DataError::NoSuchField`]; two fields with one target are [`DataError::Invalid`].
    pub fn reshape(
        &mut self,
        path: &[&str],
        fields: &[FieldMapping],
        apply_defaults: bool,
    ) -> Result<(), DataError> {
        let view = self.view;
        view.record
            .inner
            .reshape(view.part, &owned(path), fields, apply_defaults)
    }

    /// Makes the node at `path` the whole part, with its schema (Kafka's `ExtractField`,
    /// Debezium's unwrap of `after`); with `apply_defaults` a null node takes its schema's
    /// default.
    pub fn extract(&mut self, path: &[&str], apply_defaults: bool) -> Result<(), DataError> {
        let view = self.view;
        view.record
            .inner
            .extract(view.part, &owned(path), apply_defaults)
    }

    /// Wraps the whole part in a struct (or a map, without a schema) whose one field is
    /// `field` (Kafka's `HoistField`).
    pub fn hoist(&mut self, field: &str) -> Result<(), DataError> {
        let view = self.view;
        view.record.inner.hoist(view.part, field)
    }

    /// Puts a scalar with its schema at `path`: an existing field keeps its position and takes
    /// the new schema and value, a new one is appended; the empty path replaces the whole part.
    /// Schema'd data needs `schema`; schemaless data takes `None`.
    pub fn put(
        &mut self,
        path: &[&str],
        schema: Option<&SchemaInfo>,
        value: impl Into<Scalar>,
    ) -> Result<(), DataError> {
        let view = self.view;
        view.record
            .inner
            .put(view.part, &owned(path), schema, &value.into())
    }

    /// Sets the name and version of the schema at `path` (Kafka's `SetSchemaMetadata`); `None`
    /// keeps the current one.
    pub fn rename_schema(
        &mut self,
        path: &[&str],
        name: Option<&str>,
        version: Option<i32>,
    ) -> Result<(), DataError> {
        let view = self.view;
        view.record
            .inner
            .rename_schema(view.part, &owned(path), name, version)
    }

    /// Replaces the whole part with data in `JsonConverter`'s form.
    pub fn set_json(&mut self, data: &JsonData) -> Result<(), DataError> {
        let view = self.view;
        view.record.inner.set_json(view.part, data)
    }
}

impl FieldMapping {
    /// Keeps the field `name` under its name.
    pub fn keep(name: impl Into<String>) -> Self {
        let name = name.into();
        FieldMapping {
            target: name.clone(),
            source: name,
        }
    }

    /// Moves the field `source` to the name `target`.
    pub fn rename(source: impl Into<String>, target: impl Into<String>) -> Self {
        FieldMapping {
            source: source.into(),
            target: target.into(),
        }
    }
}

impl Header {
    /// The value as UTF-8 text; `None` for a null or non-UTF-8 value.
    pub fn value_str(&self) -> Option<&str> {
        self.value
            .as_deref()
            .and_then(|bytes| std::str::from_utf8(bytes).ok())
    }
}

impl Part {
    /// `"key"` or `"value"`.
    pub fn name(self) -> &'static str {
        match self {
            Part::Key => "key",
            Part::Value => "value",
        }
    }
}

macro_rules! scalar_from {
    ($($t:ty => $variant:ident),* $(,)?) => {
        $(
            impl From<$t> for Scalar {
                fn from(v: $t) -> Self {
                    Scalar::$variant(v.into())
                }
            }
        )*
    };
}

scalar_from!(
    bool => Boolean,
    i8 => Int8,
    i16 => Int16,
    i32 => Int32,
    i64 => Int64,
    f32 => Float32,
    f64 => Float64,
    String => String,
    &str => String,
    Vec<u8> => Bytes,
    &[u8] => Bytes,
);

impl<T: Into<Scalar>> From<Option<T>> for Scalar {
    fn from(v: Option<T>) -> Self {
        v.map_or(Scalar::Null, Into::into)
    }
}

/// A one-line description of a data error, for an [`crate::Error`] message.
pub(crate) fn describe(e: &DataError) -> String {
    match e {
        DataError::Conversion(m) => format!("conversion failed: {m}"),
        DataError::NoSuchField(path) => format!("{path} is not a valid field name"),
        DataError::WrongType(m) => format!("wrong type: {m}"),
        DataError::Invalid(m) => m.clone(),
    }
}
