//! Connect schemas ↔ Avro schemas, as Confluent's `io.confluent.connect.avro.AvroData` maps
//! them (`fromConnectSchema` / `toConnectSchema`, with `connect.meta.data=true`).
//!
//! The Avro side is the schema's JSON (`serde_json::Value`, keys in the order Avro Java's
//! `Schema.toString` writes them): the `connect.*` properties Confluent adds live there, and
//! `apache-avro`'s parsed `Schema` does not keep custom properties of primitive types.

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::{Map, Value as Json, json};

use crate::ConvertError;
use crate::json::DECIMAL_LOGICAL_NAME;
use switchyard_data::{Field, Schema, SchemaType, Value};

/// `org.apache.kafka.connect.data.Date`.
pub const DATE: &str = "org.apache.kafka.connect.data.Date";
/// `org.apache.kafka.connect.data.Time`.
pub const TIME: &str = "org.apache.kafka.connect.data.Time";
/// `org.apache.kafka.connect.data.Timestamp`.
pub const TIMESTAMP: &str = "org.apache.kafka.connect.data.Timestamp";
/// The record name AvroData gives a struct without a name.
pub const DEFAULT_RECORD: &str = "io.confluent.connect.avro.ConnectDefault";
/// The Connect parameter holding a decimal's precision.
pub const PRECISION: &str = "connect.decimal.precision";

fn bad(message: String) -> ConvertError {
    ConvertError::new(message)
}

/// Whether `name` is a valid Avro name (`[A-Za-z_][A-Za-z0-9_]*`).
fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Splits a full name into (namespace, name).
fn split_name(full: &str) -> (Option<&str>, &str) {
    match full.rsplit_once('.') {
        Some((space, name)) => (Some(space), name),
        None => (None, full),
    }
}

/// Connect → Avro (`AvroData.fromConnectSchema`).
#[derive(Default)]
pub struct ToAvro {
    /// Records already defined in this schema, by full name: later uses are name references.
    defined: HashMap<String, Arc<Schema>>,
    unnamed: usize,
}

impl ToAvro {
    /// The Avro schema JSON of a top-level Connect schema.
    pub fn convert(schema: &Schema) -> Result<Json, ConvertError> {
        ToAvro::default().schema(schema, None)
    }

    /// The schema of a value of `schema`: its base schema, in a union with null when optional
    /// (null first, unless the default is not null: an Avro union's default is of its first
    /// branch).
    fn schema(&mut self, schema: &Schema, space: Option<&str>) -> Result<Json, ConvertError> {
        let base = self.base(schema, space)?;
        if !schema.optional {
            return Ok(base);
        }
        Ok(match &schema.default {
            Some(d) if !d.is_null() => json!([base, "null"]),
            _ => json!(["null", base]),
        })
    }

    fn base(&mut self, schema: &Schema, space: Option<&str>) -> Result<Json, ConvertError> {
        let name = schema.name.as_deref();
        let mut object = Map::new();
        let mut logical = None;
        match (schema.kind, name) {
            (SchemaType::Bytes, Some(DECIMAL_LOGICAL_NAME)) => {
                let scale: i64 = schema
                    .parameter("scale")
                    .and_then(|s| s.trim().parse().ok())
                    .ok_or_else(|| {
                        bad("Invalid Decimal schema: scale parameter not found.".into())
                    })?;
                let precision: i64 = match schema.parameter(PRECISION) {
                    Some(p) => p
                        .trim()
                        .parse()
                        .map_err(|_| bad(format!("Invalid {PRECISION} parameter `{p}`")))?,
                    // AvroData's default precision when Connect names none.
                    None => 64,
                };
                object.insert("type".into(), json!("bytes"));
                object.insert("scale".into(), json!(scale));
                object.insert("precision".into(), json!(precision));
                logical = Some("decimal");
            }
            (SchemaType::Int32, Some(DATE)) => {
                object.insert("type".into(), json!("int"));
                logical = Some("date");
            }
            (SchemaType::Int32, Some(TIME)) => {
                object.insert("type".into(), json!("int"));
                logical = Some("time-millis");
            }
            (SchemaType::Int64, Some(TIMESTAMP)) => {
                object.insert("type".into(), json!("long"));
                logical = Some("timestamp-millis");
            }
            (SchemaType::Int8 | SchemaType::Int16, _) => {
                object.insert("type".into(), json!("int"));
                object.insert("connect.type".into(), json!(schema.kind.json_name()));
            }
            (SchemaType::Int32, _) => {
                object.insert("type".into(), json!("int"));
            }
            (SchemaType::Int64, _) => {
                object.insert("type".into(), json!("long"));
            }
            (SchemaType::Float32, _) => {
                object.insert("type".into(), json!("float"));
            }
            (SchemaType::Float64, _) => {
                object.insert("type".into(), json!("double"));
            }
            (SchemaType::Boolean, _) => {
                object.insert("type".into(), json!("boolean"));
            }
            (SchemaType::String, _) => {
                object.insert("type".into(), json!("string"));
            }
            (SchemaType::Bytes, _) => {
                object.insert("type".into(), json!("bytes"));
            }
            (SchemaType::Array, _) => {
                let items = schema
                    .value_schema
                    .as_ref()
                    .ok_or_else(|| bad("array schema without an element schema".into()))?;
                object.insert("type".into(), json!("array"));
                object.insert("items".into(), self.schema(items, space)?);
            }
            (SchemaType::Map, _) => {
                let (Some(key), Some(value)) = (&schema.key_schema, &schema.value_schema) else {
                    return Err(bad("map schema without key and value schemas".into()));
                };
                if key.kind != SchemaType::String || key.optional {
                    return Err(bad(
                        "maps with keys other than required strings are not supported by the AvroConverter here"
                            .into(),
                    ));
                }
                object.insert("type".into(), json!("map"));
                object.insert("values".into(), self.schema(value, space)?);
            }
            (SchemaType::Struct, _) => return self.record(schema, space),
        }
        self.meta(schema, &mut object, true);
        if let Some(logical) = logical {
            object.insert("logicalType".into(), json!(logical));
        }
        // A primitive with no property is written as its bare name, as Avro Java does.
        if object.len() == 1
            && let Some(t) = object.remove("type")
        {
            return Ok(t);
        }
        Ok(Json::Object(object))
    }

    /// The `connect.*` properties: doc (for non-records), version, parameters, default, name.
    fn meta(&self, schema: &Schema, object: &mut Map<String, Json>, with_doc: bool) {
        if with_doc && let Some(doc) = &schema.doc {
            object.insert("connect.doc".into(), json!(doc));
        }
        if let Some(version) = schema.version {
            object.insert("connect.version".into(), json!(version));
        }
        if !schema.parameters.is_empty() {
            let parameters: Map<String, Json> = schema
                .parameters
                .iter()
                .map(|(k, v)| (k.clone(), json!(v)))
                .collect();
            object.insert("connect.parameters".into(), Json::Object(parameters));
        }
        if let Some(default) = &schema.default
            && let Ok(json) = default_json(schema, default)
        {
            object.insert("connect.default".into(), json);
        }
        if let Some(name) = &schema.name {
            object.insert("connect.name".into(), json!(name));
        }
    }

    fn record(&mut self, schema: &Schema, space: Option<&str>) -> Result<Json, ConvertError> {
        let full = match &schema.name {
            Some(name) => name.clone(),
            None => {
                self.unnamed += 1;
                if self.unnamed == 1 {
                    DEFAULT_RECORD.to_owned()
                } else {
                    format!("{DEFAULT_RECORD}{}", self.unnamed)
                }
            }
        };
        let (record_space, short) = split_name(&full);
        if !valid_name(short) || record_space.is_some_and(|s| !s.split('.').all(valid_name)) {
            return Err(bad(format!(
                "the struct name `{full}` is not a valid Avro name"
            )));
        }
        if let Some(earlier) = self.defined.get(&full) {
            let same = earlier.fields == schema.fields && earlier.version == schema.version;
            if !same {
                return Err(bad(format!(
                    "two different structs are named `{full}`: Avro needs distinct record names"
                )));
            }
            return Ok(if record_space == space {
                json!(short)
            } else {
                json!(full)
            });
        }
        let mut required = schema.clone();
        required.optional = false;
        required.default = None;
        self.defined.insert(full.clone(), Arc::new(required));
        let mut object = Map::new();
        object.insert("type".into(), json!("record"));
        object.insert("name".into(), json!(short));
        if let Some(ns) = record_space
            && Some(ns) != space
        {
            object.insert("namespace".into(), json!(ns));
        }
        if let Some(doc) = &schema.doc {
            object.insert("doc".into(), json!(doc));
        }
        let mut fields = Vec::with_capacity(schema.fields.len());
        for field in &schema.fields {
            if !valid_name(&field.name) {
                return Err(bad(format!(
                    "the field name `{}` of `{full}` is not a valid Avro name",
                    field.name
                )));
            }
            let mut entry = Map::new();
            entry.insert("name".into(), json!(field.name));
            entry.insert("type".into(), self.schema(&field.schema, record_space)?);
            if let Some(doc) = &field.schema.doc {
                entry.insert("doc".into(), json!(doc));
            }
            match &field.schema.default {
                Some(default) => {
                    entry.insert("default".into(), default_json(&field.schema, default)?);
                }
                None if field.schema.optional => {
                    entry.insert("default".into(), Json::Null);
                }
                None => {}
            }
            fields.push(Json::Object(entry));
        }
        object.insert("fields".into(), Json::Array(fields));
        if schema.name.is_some() {
            self.meta(schema, &mut object, false);
        }
        Ok(Json::Object(object))
    }
}

/// A Connect default value as Avro JSON (`AvroData.defaultValueFromConnect`): bytes as a string
/// of ISO-8859-1 characters, structs as objects.
fn default_json(schema: &Schema, value: &Value) -> Result<Json, ConvertError> {
    Ok(match value {
        Value::Null => Json::Null,
        Value::Boolean(b) => json!(b),
        Value::Int8(n) => json!(n),
        Value::Int16(n) => json!(n),
        Value::Int32(n) => json!(n),
        Value::Int64(n) => json!(n),
        Value::Float32(n) => json!(n),
        Value::Float64(n) => json!(n),
        Value::String(s) => json!(s.as_str()),
        Value::Bytes(b) => Json::String(b.iter().map(|&c| char::from(c)).collect()),
        Value::Array(items) => {
            let element = schema
                .value_schema
                .as_ref()
                .ok_or_else(|| bad("array default without an element schema".into()))?;
            Json::Array(
                items
                    .iter()
                    .map(|v| default_json(element, v))
                    .collect::<Result<_, _>>()?,
            )
        }
        Value::Map(entries) => {
            let value_schema = schema
                .value_schema
                .as_ref()
                .ok_or_else(|| bad("map default without a value schema".into()))?;
            let mut object = Map::new();
            for (k, v) in entries {
                let Value::String(k) = k else {
                    return Err(bad("map default with a key that is not a string".into()));
                };
                object.insert(k.to_string(), default_json(value_schema, v)?);
            }
            Json::Object(object)
        }
        Value::Struct(values) => {
            let mut object = Map::new();
            for (field, v) in schema.fields.iter().zip(values) {
                object.insert(field.name.clone(), default_json(&field.schema, v)?);
            }
            Json::Object(object)
        }
    })
}

/// Avro → Connect (`AvroData.toConnectSchema`).
#[derive(Default)]
pub struct ToConnect {
    /// Named types seen so far (records, and referenced schemas), by full name.
    named: HashMap<String, Schema>,
}

impl ToConnect {
    /// Learns the named types a referenced schema defines, so the main schema can use them.
    pub fn learn(&mut self, json: &Json) -> Result<(), ConvertError> {
        self.schema(json, None).map(|_| ())
    }

    /// The Connect schema of an Avro schema JSON.
    pub fn convert(&mut self, json: &Json) -> Result<Schema, ConvertError> {
        self.schema(json, None)
    }

    fn schema(&mut self, json: &Json, space: Option<&str>) -> Result<Schema, ConvertError> {
        match json {
            Json::String(name) => self.named_or_primitive(name, space),
            Json::Array(branches) => {
                let non_null: Vec<&Json> = branches.iter().filter(|b| *b != "null").collect();
                if non_null.len() == 1 && branches.len() == 2 {
                    let mut schema = self.schema(non_null[0], space)?;
                    schema.optional = true;
                    Ok(schema)
                } else {
                    Err(bad(format!(
                        "Avro unions other than [\"null\", T] are not supported: {json}"
                    )))
                }
            }
            Json::Object(object) => self.object(object, space),
            other => Err(bad(format!("not an Avro schema: {other}"))),
        }
    }

    fn named_or_primitive(&self, name: &str, space: Option<&str>) -> Result<Schema, ConvertError> {
        let kind = match name {
            "boolean" => SchemaType::Boolean,
            "int" => SchemaType::Int32,
            "long" => SchemaType::Int64,
            "float" => SchemaType::Float32,
            "double" => SchemaType::Float64,
            "bytes" => SchemaType::Bytes,
            "string" => SchemaType::String,
            "null" => {
                return Err(bad("a schema of type null alone is not supported".into()));
            }
            _ => {
                let qualified = match space {
                    Some(ns) if !name.contains('.') => format!("{ns}.{name}"),
                    _ => name.to_owned(),
                };
                return self
                    .named
                    .get(&qualified)
                    .or_else(|| self.named.get(name))
                    .cloned()
                    .ok_or_else(|| bad(format!("unknown Avro type `{name}`")));
            }
        };
        Ok(Schema::new(kind))
    }

    fn object(
        &mut self,
        object: &Map<String, Json>,
        space: Option<&str>,
    ) -> Result<Schema, ConvertError> {
        let kind = object
            .get("type")
            .ok_or_else(|| bad("an Avro schema object without `type`".into()))?;
        let text = |key: &str| object.get(key).and_then(Json::as_str);
        let mut schema = match kind {
            Json::String(kind) => match kind.as_str() {
                "record" | "error" => return self.record(object, space),
                "array" => {
                    let items = object
                        .get("items")
                        .ok_or_else(|| bad("an Avro array without `items`".into()))?;
                    let mut schema = Schema::new(SchemaType::Array);
                    schema.value_schema = Some(Arc::new(self.schema(items, space)?));
                    schema
                }
                "map" => {
                    let values = object
                        .get("values")
                        .ok_or_else(|| bad("an Avro map without `values`".into()))?;
                    let mut schema = Schema::new(SchemaType::Map);
                    schema.key_schema = Some(Arc::new(Schema::new(SchemaType::String)));
                    schema.value_schema = Some(Arc::new(self.schema(values, space)?));
                    schema
                }
                "enum" | "fixed" => {
                    let name = text("name").unwrap_or_default();
                    let full = match (text("namespace").or(space), name.contains('.')) {
                        (Some(ns), false) => format!("{ns}.{name}"),
                        _ => name.to_owned(),
                    };
                    let mut schema = Schema::new(if kind == "enum" {
                        SchemaType::String
                    } else {
                        SchemaType::Bytes
                    });
                    schema.name = Some(full.clone());
                    self.named.insert(full, schema.clone());
                    schema
                }
                primitive => {
                    let mut schema = self.named_or_primitive(primitive, space)?;
                    match (text("logicalType"), primitive) {
                        (Some("decimal"), "bytes") => {
                            schema.name = Some(DECIMAL_LOGICAL_NAME.into());
                            let scale = object.get("scale").and_then(Json::as_i64).unwrap_or(0);
                            schema.parameters.push(("scale".into(), scale.to_string()));
                            if let Some(p) = object.get("precision").and_then(Json::as_i64) {
                                schema.parameters.push((PRECISION.into(), p.to_string()));
                            }
                        }
                        (Some("date"), "int") => schema.name = Some(DATE.into()),
                        (Some("time-millis"), "int") => schema.name = Some(TIME.into()),
                        (Some("timestamp-millis"), "long") => schema.name = Some(TIMESTAMP.into()),
                        _ => {}
                    }
                    if primitive == "int" {
                        match text("connect.type") {
                            Some("int8") => schema.kind = SchemaType::Int8,
                            Some("int16") => schema.kind = SchemaType::Int16,
                            _ => {}
                        }
                    }
                    schema
                }
            },
            nested => self.schema(nested, space)?,
        };
        self.apply_meta(object, &mut schema)?;
        Ok(schema)
    }

    /// Applies `connect.name`, `connect.version`, `connect.doc`, `connect.parameters` and
    /// `connect.default`.
    fn apply_meta(
        &self,
        object: &Map<String, Json>,
        schema: &mut Schema,
    ) -> Result<(), ConvertError> {
        if let Some(name) = object.get("connect.name").and_then(Json::as_str) {
            schema.name = Some(name.to_owned());
        }
        if let Some(version) = object.get("connect.version") {
            let version = version
                .as_i64()
                .and_then(|v| i32::try_from(v).ok())
                .ok_or_else(|| bad(format!("connect.version `{version}` is not an int")))?;
            schema.version = Some(version);
        }
        if let Some(doc) = object.get("connect.doc").and_then(Json::as_str) {
            schema.doc = Some(doc.to_owned());
        }
        if let Some(Json::Object(parameters)) = object.get("connect.parameters") {
            schema.parameters = parameters
                .iter()
                .map(|(k, v)| {
                    let v = match v {
                        Json::String(s) => s.clone(),
                        other => other.to_string(),
                    };
                    (k.clone(), v)
                })
                .collect();
        }
        if let Some(default) = object.get("connect.default") {
            let value = value_of_default(schema, default)?;
            if !value.is_null() {
                schema.default = Some(value);
            }
        }
        Ok(())
    }

    fn record(
        &mut self,
        object: &Map<String, Json>,
        space: Option<&str>,
    ) -> Result<Schema, ConvertError> {
        let name = object
            .get("name")
            .and_then(Json::as_str)
            .ok_or_else(|| bad("an Avro record without `name`".into()))?;
        let namespace = object.get("namespace").and_then(Json::as_str).or(space);
        let full = match namespace {
            Some(ns) if !name.contains('.') && !ns.is_empty() => format!("{ns}.{name}"),
            _ => name.to_owned(),
        };
        let (record_space, _) = split_name(&full);
        let record_space = record_space.map(str::to_owned);
        let mut schema = Schema::new(SchemaType::Struct);
        if !full.starts_with(DEFAULT_RECORD) {
            schema.name = Some(full.clone());
        }
        schema.doc = object.get("doc").and_then(Json::as_str).map(str::to_owned);
        let fields = object
            .get("fields")
            .and_then(Json::as_array)
            .ok_or_else(|| bad(format!("the Avro record `{full}` has no `fields`")))?;
        for field in fields {
            let field_name = field
                .get("name")
                .and_then(Json::as_str)
                .ok_or_else(|| bad(format!("a field of `{full}` has no `name`")))?;
            let field_type = field.get("type").ok_or_else(|| {
                bad(format!(
                    "the field `{field_name}` of `{full}` has no `type`"
                ))
            })?;
            let mut field_schema = self.schema(field_type, record_space.as_deref())?;
            if field_schema.doc.is_none() {
                field_schema.doc = field.get("doc").and_then(Json::as_str).map(str::to_owned);
            }
            if field_schema.default.is_none()
                && let Some(default) = field.get("default")
            {
                let value = value_of_default(&field_schema, default)?;
                if !value.is_null() {
                    field_schema.default = Some(value);
                }
            }
            schema.fields.push(Field {
                name: field_name.to_owned(),
                schema: Arc::new(field_schema),
            });
        }
        self.apply_meta(object, &mut schema)?;
        if schema
            .name
            .as_deref()
            .is_some_and(|n| n.starts_with(DEFAULT_RECORD))
        {
            schema.name = None;
        }
        self.named.insert(full, schema.clone());
        Ok(schema)
    }
}

/// A default value in Avro JSON as Connect data of `schema` (`AvroData.defaultValueFromAvro`).
fn value_of_default(schema: &Schema, json: &Json) -> Result<Value, ConvertError> {
    let wrong = || {
        bad(format!(
            "the default {json} does not fit a {} schema",
            schema.kind.upper_name()
        ))
    };
    if json.is_null() {
        return Ok(Value::Null);
    }
    let int = || json.as_i64().ok_or_else(wrong);
    Ok(match schema.kind {
        SchemaType::Int8 => Value::Int8(i8::try_from(int()?).map_err(|_| wrong())?),
        SchemaType::Int16 => Value::Int16(i16::try_from(int()?).map_err(|_| wrong())?),
        SchemaType::Int32 => Value::Int32(i32::try_from(int()?).map_err(|_| wrong())?),
        SchemaType::Int64 => Value::Int64(int()?),
        SchemaType::Float32 => Value::Float32(json.as_f64().ok_or_else(wrong)? as f32),
        SchemaType::Float64 => Value::Float64(json.as_f64().ok_or_else(wrong)?),
        SchemaType::Boolean => Value::Boolean(json.as_bool().ok_or_else(wrong)?),
        SchemaType::String => Value::String(json.as_str().ok_or_else(wrong)?.into()),
        SchemaType::Bytes => Value::Bytes(
            json.as_str()
                .ok_or_else(wrong)?
                .chars()
                .map(|c| u8::try_from(u32::from(c)).map_err(|_| wrong()))
                .collect::<Result<_, _>>()?,
        ),
        SchemaType::Array => {
            let element = schema.value_schema.as_ref().ok_or_else(wrong)?;
            Value::Array(
                json.as_array()
                    .ok_or_else(wrong)?
                    .iter()
                    .map(|v| value_of_default(element, v))
                    .collect::<Result<_, _>>()?,
            )
        }
        SchemaType::Map => {
            let value_schema = schema.value_schema.as_ref().ok_or_else(wrong)?;
            Value::Map(
                json.as_object()
                    .ok_or_else(wrong)?
                    .iter()
                    .map(|(k, v)| {
                        Ok((
                            Value::String(k.as_str().into()),
                            value_of_default(value_schema, v)?,
                        ))
                    })
                    .collect::<Result<_, ConvertError>>()?,
            )
        }
        SchemaType::Struct => {
            let object = json.as_object().ok_or_else(wrong)?;
            Value::Struct(
                schema
                    .fields
                    .iter()
                    .map(|f| match object.get(&f.name) {
                        Some(v) => value_of_default(&f.schema, v),
                        None => Ok(f.schema.default.clone().unwrap_or(Value::Null)),
                    })
                    .collect::<Result<_, _>>()?,
            )
        }
    })
}
