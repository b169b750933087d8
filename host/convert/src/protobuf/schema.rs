//! Protobuf descriptors ↔ Connect schemas, as Confluent's `ProtobufData.toConnectSchema` and
//! `fromConnectSchema` map them; the Connect side is written as `.proto` text, which `protox`
//! compiles (and the registry stores).

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::sync::Arc;

use prost_reflect::{FieldDescriptor, Kind, MessageDescriptor, OneofDescriptor};
use switchyard_data::{Schema, SchemaType};

use crate::ConvertError;
use crate::json::DECIMAL_LOGICAL_NAME;

/// The parameter naming a Connect string's Protobuf enum (`PROTOBUF_TYPE_ENUM`); each symbol is
/// a parameter `<this>.<SYMBOL>` holding its number.
pub const ENUM: &str = "io.confluent.connect.protobuf.Enum";
/// The name prefix of the struct a `oneof` becomes (`PROTOBUF_TYPE_UNION_PREFIX`).
pub const UNION_PREFIX: &str = "io.confluent.connect.protobuf.Union.";
/// The parameter holding a field's number (`PROTOBUF_TYPE_TAG`).
pub const TAG: &str = "io.confluent.connect.protobuf.Tag";
/// `Date`, `Time`, `Timestamp`: Connect's logical type names.
pub const DATE: &str = "org.apache.kafka.connect.data.Date";
/// Connect's `Time`.
pub const TIME: &str = "org.apache.kafka.connect.data.Time";
/// Connect's `Timestamp`.
pub const TIMESTAMP: &str = "org.apache.kafka.connect.data.Timestamp";

pub(super) const DECIMAL_TYPE: &str = "confluent.type.Decimal";
pub(super) const DATE_TYPE: &str = "google.type.Date";
pub(super) const TIME_TYPE: &str = "google.type.TimeOfDay";
pub(super) const TIMESTAMP_TYPE: &str = "google.protobuf.Timestamp";
const CONNECT_TYPE: &str = "connect.type";
const PRECISION: &str = "connect.decimal.precision";

/// How deep messages may nest (a message that contains itself is refused before).
const MAX_DEPTH: usize = 64;

/// The `ProtobufData` settings that change the mapping.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Options {
    /// `enhanced.protobuf.schema.support`: structs are named by the message's full name
    /// (package included) rather than its simple name.
    pub enhanced: bool,
    /// `wrapper.for.nullables`: optional primitives are Google's wrapper messages
    /// (`google.protobuf.StringValue`, …), which keep a null apart from a default value.
    pub wrappers: bool,
}

fn bad(message: impl Into<String>) -> ConvertError {
    ConvertError::new(message.into())
}

/// The wrapper message of each primitive Connect type (`wrapper.for.nullables`).
fn wrapper_of(kind: SchemaType) -> Option<&'static str> {
    Some(match kind {
        SchemaType::Int8 | SchemaType::Int16 | SchemaType::Int32 => "google.protobuf.Int32Value",
        SchemaType::Int64 => "google.protobuf.Int64Value",
        SchemaType::Float32 => "google.protobuf.FloatValue",
        SchemaType::Float64 => "google.protobuf.DoubleValue",
        SchemaType::Boolean => "google.protobuf.BoolValue",
        SchemaType::String => "google.protobuf.StringValue",
        SchemaType::Bytes => "google.protobuf.BytesValue",
        _ => return None,
    })
}

/// The Connect type a wrapper message unwraps to.
pub(super) fn unwrapped(message: &str) -> Option<SchemaType> {
    Some(match message {
        "google.protobuf.DoubleValue" => SchemaType::Float64,
        "google.protobuf.FloatValue" => SchemaType::Float32,
        "google.protobuf.Int64Value"
        | "google.protobuf.UInt64Value"
        | "google.protobuf.UInt32Value" => SchemaType::Int64,
        "google.protobuf.Int32Value" => SchemaType::Int32,
        "google.protobuf.BoolValue" => SchemaType::Boolean,
        "google.protobuf.StringValue" => SchemaType::String,
        "google.protobuf.BytesValue" => SchemaType::Bytes,
        _ => return None,
    })
}

/// A `oneof` Confluent maps (proto3 `optional` fields make synthetic ones, which are plain
/// fields here).
pub(super) fn real_oneof(field: &FieldDescriptor) -> Option<OneofDescriptor> {
    field.containing_oneof().filter(|o| !o.is_synthetic())
}

/// A message's fields outside its real `oneof`s, in the order its file declares them, as
/// Java's `Descriptor.getFields()` gives them to `ProtobufData` (prost-reflect's `fields()`
/// gives them by number).
pub(super) fn plain_fields(
    message: &MessageDescriptor,
) -> impl Iterator<Item = FieldDescriptor> + '_ {
    message
        .descriptor_proto()
        .field
        .iter()
        .filter_map(|f| message.get_field(u32::try_from(f.number()).ok()?))
        .filter(|f| real_oneof(f).is_none())
}

/// The name of the struct field a `oneof` becomes: its name and its index in the message.
pub(super) fn oneof_field_name(oneof: &OneofDescriptor) -> String {
    let index = oneof
        .parent_message()
        .oneofs()
        .position(|o| o == *oneof)
        .unwrap_or(0);
    format!("{}_{index}", oneof.name())
}

/// The `params` of a field's `(confluent.field_meta)` option.
fn meta_params(field: &FieldDescriptor) -> Vec<(String, String)> {
    let pool = field.parent_pool();
    let Some(extension) = pool.get_extension_by_name("confluent.field_meta") else {
        return Vec::new();
    };
    let options = field.options();
    if !options.has_extension(&extension) {
        return Vec::new();
    }
    let meta = options.get_extension(&extension);
    let Some(meta) = meta.as_message() else {
        return Vec::new();
    };
    let Some(params) = meta.get_field_by_name("params") else {
        return Vec::new();
    };
    let Some(map) = params.as_map() else {
        return Vec::new();
    };
    let mut out: Vec<(String, String)> = map
        .iter()
        .filter_map(|(k, v)| match (k, v.as_str()) {
            (prost_reflect::MapKey::String(k), Some(v)) => Some((k.clone(), v.to_owned())),
            _ => None,
        })
        .collect();
    out.sort();
    out
}

/// The Connect schema of a message (`ProtobufData.toConnectSchema`).
pub fn to_connect(message: &MessageDescriptor, options: Options) -> Result<Schema, ConvertError> {
    Reader {
        options,
        stack: Vec::new(),
    }
    .message(message)
}

struct Reader {
    options: Options,
    /// The messages being mapped, outermost first.
    stack: Vec<String>,
}

impl Reader {
    fn message(&mut self, message: &MessageDescriptor) -> Result<Schema, ConvertError> {
        if self.stack.iter().any(|m| m == message.full_name()) {
            return Err(bad(format!(
                "the message {} contains itself, which Connect schemas cannot express",
                message.full_name()
            )));
        }
        if self.stack.len() > MAX_DEPTH {
            return Err(bad("the message nests too deep"));
        }
        self.stack.push(message.full_name().to_owned());
        let name = if self.options.enhanced {
            message.full_name()
        } else {
            message.name()
        };
        let mut schema = Schema::new(SchemaType::Struct).named(name);
        for oneof in message.oneofs().filter(|o| !o.is_synthetic()) {
            let mut union = Schema::new(SchemaType::Struct)
                .named(format!("{UNION_PREFIX}{}", oneof.name()))
                .optional();
            for field in oneof.fields() {
                union = union.field(field.name(), self.field(&field)?);
            }
            schema = schema.field(oneof_field_name(&oneof), union);
        }
        for field in plain_fields(message) {
            schema = schema.field(field.name(), self.field(&field)?);
        }
        self.stack.pop();
        Ok(schema)
    }

    /// A field's schema (`toConnectSchema(ctx, FieldDescriptor)`).
    fn field(&mut self, field: &FieldDescriptor) -> Result<Schema, ConvertError> {
        let mut schema = match field.kind() {
            Kind::Int32 | Kind::Sint32 | Kind::Sfixed32 => {
                let params = meta_params(field);
                let connect = params.iter().find(|(k, _)| k == CONNECT_TYPE);
                Schema::new(match connect.map(|(_, v)| v.as_str()) {
                    Some("int8") => SchemaType::Int8,
                    Some("int16") => SchemaType::Int16,
                    _ => SchemaType::Int32,
                })
            }
            Kind::Uint32
            | Kind::Fixed32
            | Kind::Int64
            | Kind::Uint64
            | Kind::Sint64
            | Kind::Fixed64
            | Kind::Sfixed64 => Schema::new(SchemaType::Int64),
            Kind::Float => Schema::new(SchemaType::Float32),
            Kind::Double => Schema::new(SchemaType::Float64),
            Kind::Bool => Schema::new(SchemaType::Boolean),
            Kind::String => Schema::new(SchemaType::String),
            Kind::Bytes => Schema::new(SchemaType::Bytes),
            Kind::Enum(enumeration) => {
                let mut schema = Schema::new(SchemaType::String).named(enumeration.name());
                schema
                    .parameters
                    .push((ENUM.into(), enumeration.name().to_owned()));
                for value in enumeration.values() {
                    schema.parameters.push((
                        format!("{ENUM}.{}", value.name()),
                        value.number().to_string(),
                    ));
                }
                schema.optional()
            }
            Kind::Message(message) if field.is_map() => {
                let key = self.field(&message.map_entry_key_field())?;
                let value = self.field(&message.map_entry_value_field())?;
                let mut map = Schema::new(SchemaType::Map).named(map_field_name(message.name()));
                map.key_schema = Some(Arc::new(key));
                map.value_schema = Some(Arc::new(value));
                map.optional()
            }
            Kind::Message(message) => match message.full_name() {
                DECIMAL_TYPE => {
                    let params = meta_params(field);
                    let param = |key: &str| {
                        params
                            .iter()
                            .find(|(k, _)| k == key)
                            .and_then(|(_, v)| v.parse::<i64>().ok())
                    };
                    let mut decimal = logical(SchemaType::Bytes, DECIMAL_LOGICAL_NAME).optional();
                    decimal
                        .parameters
                        .push(("scale".into(), param("scale").unwrap_or(0).to_string()));
                    if let Some(precision) = param("precision") {
                        decimal
                            .parameters
                            .push((PRECISION.into(), precision.to_string()));
                    }
                    decimal
                }
                DATE_TYPE => logical(SchemaType::Int32, DATE).optional(),
                TIME_TYPE => logical(SchemaType::Int32, TIME).optional(),
                TIMESTAMP_TYPE => logical(SchemaType::Int64, TIMESTAMP).optional(),
                wrapper if self.options.wrappers && unwrapped(wrapper).is_some() => {
                    Schema::new(unwrapped(wrapper).unwrap_or(SchemaType::String)).optional()
                }
                _ => self.message(&message)?.optional(),
            },
        };
        if field.is_list() {
            let mut array = Schema::new(SchemaType::Array).optional();
            array.value_schema = Some(Arc::new(schema.optional()));
            schema = array;
        }
        if !self.options.wrappers {
            schema.optional = true;
        }
        schema
            .parameters
            .push((TAG.into(), field.number().to_string()));
        Ok(schema)
    }
}

/// A Connect logical type's schema (version 1, as Connect's builders make them).
fn logical(kind: SchemaType, name: &str) -> Schema {
    let mut schema = Schema::new(kind).named(name);
    schema.version = Some(1);
    schema
}

/// The name of the map a `…Entry` message stands for (`ProtobufSchema.toMapField`):
/// `TagsEntry` → `tags`, `UserAddressEntry` → `user_address`.
fn map_field_name(entry: &str) -> String {
    let Some(stem) = entry.strip_suffix("Entry") else {
        return entry.to_owned();
    };
    let mut out = String::with_capacity(stem.len() + 4);
    for (i, c) in stem.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// A Connect struct schema written as a `.proto` file (`ProtobufData.fromConnectSchema`):
/// proto3, its package the namespace of the schema's name, one top-level message named by the
/// rest, nested messages and enums for the structs and enums it holds. Returns the text and
/// the message's full name.
pub fn to_proto(schema: &Schema, options: Options) -> Result<(String, String), ConvertError> {
    if schema.kind != SchemaType::Struct {
        return Err(bad(format!(
            "Unsupported root schema of type {}: the ProtobufConverter writes structs",
            schema.kind.upper_name()
        )));
    }
    let full = match schema.name.as_deref() {
        Some(name) if !name.is_empty() => name.to_owned(),
        _ => "ConnectDefault1".to_owned(),
    };
    let (package, name) = match full.rsplit_once('.') {
        Some((package, name)) => (Some(package), name),
        None => (None, full.as_str()),
    };
    let mut writer = Writer {
        options,
        imports: BTreeSet::new(),
        defined: BTreeSet::from([full.clone()]),
        unnamed: 1,
    };
    let body = writer.message(name, schema, 0)?;
    let mut text = String::from("syntax = \"proto3\";\n");
    if let Some(package) = package {
        let _ = writeln!(text, "package {package};");
    }
    text.push('\n');
    for import in &writer.imports {
        let _ = writeln!(text, "import \"{import}\";");
    }
    if !writer.imports.is_empty() {
        text.push('\n');
    }
    text.push_str(&body);
    Ok((text, full))
}

struct Writer {
    options: Options,
    imports: BTreeSet<&'static str>,
    /// The structs given a message so far, by full name (`FromConnectContext`).
    defined: BTreeSet<String>,
    /// Unnamed structs so far (`ConnectDefault<n>`).
    unnamed: usize,
}

/// The simple name of a Connect schema name (`getUnqualifiedName`).
fn unqualified(name: &str) -> &str {
    name.rsplit('.').next().unwrap_or(name)
}

fn indent(depth: usize) -> String {
    "  ".repeat(depth)
}

impl Writer {
    fn message(
        &mut self,
        name: &str,
        schema: &Schema,
        depth: usize,
    ) -> Result<String, ConvertError> {
        if depth > MAX_DEPTH {
            return Err(bad("the Connect schema nests too deep"));
        }
        let pad = indent(depth + 1);
        let mut fields = String::new();
        let mut nested = String::new();
        // A field keeps the number it carries unless an earlier field of the message took it;
        // a field without one, or with one taken, takes the next number no field carries:
        // fields a transform adds to a struct read from Protobuf come without a number
        // (InsertField) or with one of another message (Debezium's unwrap). Where no number
        // repeats, these are `ProtobufData`'s numbers; where one does, it writes no schema
        // (the module's "Differences from Confluent's converter").
        let taken = carried_tags(schema);
        let mut given = BTreeSet::new();
        let mut last = 0;
        let mut number = |schema: &Schema| match tag_of(schema) {
            Some(tag) if given.insert(tag) => tag,
            _ => {
                last += 1;
                while taken.contains(&last) {
                    last += 1;
                }
                last
            }
        };
        for field in &schema.fields {
            if is_union(&field.schema) {
                let union_name = field
                    .schema
                    .name
                    .as_deref()
                    .map(|n| unqualified(&n[UNION_PREFIX.len()..]).to_owned())
                    .unwrap_or_default();
                let _ = writeln!(fields, "{pad}oneof {union_name} {{");
                for member in &field.schema.fields {
                    let tag = number(&member.schema);
                    let line =
                        self.field(&member.schema, &member.name, tag, false, &mut nested, depth)?;
                    let _ = writeln!(fields, "{pad}  {line}");
                }
                let _ = writeln!(fields, "{pad}}}");
                continue;
            }
            let tag = number(&field.schema);
            let line = self.field(&field.schema, &field.name, tag, true, &mut nested, depth)?;
            let _ = writeln!(fields, "{pad}{line}");
        }
        Ok(format!(
            "{}message {name} {{\n{fields}{nested}{}}}\n",
            indent(depth),
            indent(depth)
        ))
    }

    /// One field's line (`fieldDefinitionFromConnectSchema`); the messages and enums it needs
    /// are appended to `nested`.
    fn field(
        &mut self,
        schema: &Schema,
        name: &str,
        tag: u32,
        may_repeat: bool,
        nested: &mut String,
        depth: usize,
    ) -> Result<String, ConvertError> {
        let mut params: Vec<(&str, String)> = Vec::new();
        let (label, type_name) = match schema.kind {
            SchemaType::Array if may_repeat => {
                let element = schema
                    .value_schema
                    .as_deref()
                    .ok_or_else(|| bad("an array schema without its element schema"))?;
                if matches!(element.kind, SchemaType::Array | SchemaType::Map) {
                    return Err(bad(format!(
                        "field {name}: arrays of {} cannot be written as Protobuf",
                        element.kind.upper_name()
                    )));
                }
                let type_name = self.type_name(element, name, &mut params, nested, depth)?;
                ("repeated ", type_name)
            }
            SchemaType::Map if may_repeat => {
                let (Some(key), Some(value)) =
                    (schema.key_schema.as_deref(), schema.value_schema.as_deref())
                else {
                    return Err(bad("a map schema without its key or value schema"));
                };
                let key_type = match key.kind {
                    SchemaType::Int8 | SchemaType::Int16 | SchemaType::Int32 => "int32",
                    SchemaType::Int64 => "int64",
                    SchemaType::Boolean => "bool",
                    SchemaType::String if key.parameter(ENUM).is_none() => "string",
                    other => {
                        return Err(bad(format!(
                            "field {name}: maps with {} keys cannot be written as Protobuf",
                            other.upper_name()
                        )));
                    }
                };
                let mut value_params = Vec::new();
                let value_type = self.type_name(value, name, &mut value_params, nested, depth)?;
                ("", format!("map<{key_type}, {value_type}>"))
            }
            SchemaType::Array | SchemaType::Map => {
                return Err(bad(format!(
                    "field {name}: a oneof member cannot be an {}",
                    schema.kind.upper_name()
                )));
            }
            _ => (
                "",
                self.type_name(schema, name, &mut params, nested, depth)?,
            ),
        };
        let mut line = format!("{label}{type_name} {name} = {tag}");
        if !params.is_empty() {
            self.imports.insert("confluent/meta.proto");
            line.push_str(" [(confluent.field_meta) = {");
            for (key, value) in &params {
                let _ = write!(line, " params {{ key: {key:?} value: {value:?} }}");
            }
            line.push_str(" }]");
        }
        line.push(';');
        Ok(line)
    }

    /// The Protobuf type of a field of `schema` (`dataTypeFromConnectSchema`).
    fn type_name(
        &mut self,
        schema: &Schema,
        field_name: &str,
        params: &mut Vec<(&'static str, String)>,
        nested: &mut String,
        depth: usize,
    ) -> Result<String, ConvertError> {
        match schema.name.as_deref() {
            Some(DECIMAL_LOGICAL_NAME) => {
                if let Some(precision) = schema.parameter(PRECISION) {
                    params.push(("precision", precision.to_owned()));
                }
                if let Some(scale) = schema.parameter("scale") {
                    params.push(("scale", scale.to_owned()));
                }
                self.imports.insert("confluent/type/decimal.proto");
                return Ok(DECIMAL_TYPE.into());
            }
            Some(DATE) => {
                self.imports.insert("google/type/date.proto");
                return Ok(DATE_TYPE.into());
            }
            Some(TIME) => {
                self.imports.insert("google/type/timeofday.proto");
                return Ok(TIME_TYPE.into());
            }
            Some(TIMESTAMP) => {
                self.imports.insert("google/protobuf/timestamp.proto");
                return Ok(TIMESTAMP_TYPE.into());
            }
            _ => {}
        }
        let wrapped = self.options.wrappers && schema.optional;
        if wrapped
            && schema.parameter(ENUM).is_none()
            && let Some(wrapper) = wrapper_of(schema.kind)
        {
            match schema.kind {
                SchemaType::Int8 => params.push((CONNECT_TYPE, "int8".into())),
                SchemaType::Int16 => params.push((CONNECT_TYPE, "int16".into())),
                _ => {}
            }
            self.imports.insert("google/protobuf/wrappers.proto");
            return Ok(wrapper.into());
        }
        Ok(match schema.kind {
            SchemaType::Int8 => {
                params.push((CONNECT_TYPE, "int8".into()));
                "int32".into()
            }
            SchemaType::Int16 => {
                params.push((CONNECT_TYPE, "int16".into()));
                "int32".into()
            }
            SchemaType::Int32 => "int32".into(),
            SchemaType::Int64 => "int64".into(),
            SchemaType::Float32 => "float".into(),
            SchemaType::Float64 => "double".into(),
            SchemaType::Boolean => "bool".into(),
            SchemaType::Bytes => "bytes".into(),
            SchemaType::String => match schema.parameter(ENUM) {
                Some(enumeration) => {
                    let mut symbols: Vec<(&str, i32)> = Vec::new();
                    let prefix = format!("{ENUM}.");
                    for (key, value) in &schema.parameters {
                        if let Some(symbol) = key.strip_prefix(&prefix) {
                            let number = value.parse::<i32>().map_err(|_| {
                                bad(format!("enum {enumeration}: {value} is not a number"))
                            })?;
                            symbols.push((symbol, number));
                        }
                    }
                    let pad = indent(depth + 1);
                    let opening = format!("{pad}enum {enumeration} {{\n");
                    // Two fields of one message may share an enum: it is defined once.
                    if !nested.contains(&opening) {
                        nested.push_str(&opening);
                        for (symbol, number) in symbols {
                            let _ = writeln!(nested, "{pad}  {symbol} = {number};");
                        }
                        let _ = writeln!(nested, "{pad}}}");
                    }
                    enumeration.to_owned()
                }
                None => "string".into(),
            },
            SchemaType::Struct => {
                let full = match schema.name.as_deref() {
                    Some(name) if !name.is_empty() => name.to_owned(),
                    _ => {
                        self.unnamed += 1;
                        format!("ConnectDefault{}", self.unnamed)
                    }
                };
                let mut name = unqualified(&full).to_owned();
                if name == field_name {
                    // A message and a field cannot share a name.
                    name.push_str("Message");
                }
                if self.defined.insert(full) {
                    let message = self.message(&name, schema, depth + 1)?;
                    nested.push_str(&message);
                }
                name
            }
            SchemaType::Array | SchemaType::Map => {
                return Err(bad(format!(
                    "field {field_name}: {} inside a collection cannot be written as Protobuf",
                    schema.kind.upper_name()
                )));
            }
        })
    }
}

/// Whether a struct schema is the struct of a `oneof` (named with [`UNION_PREFIX`]).
pub(super) fn is_union(schema: &Schema) -> bool {
    schema.kind == SchemaType::Struct
        && schema
            .name
            .as_deref()
            .is_some_and(|n| n.starts_with(UNION_PREFIX))
}

/// The field number a schema carries in its parameters.
fn tag_of(schema: &Schema) -> Option<u32> {
    schema.parameter(TAG).and_then(|t| t.parse().ok())
}

/// The field numbers the fields of a struct carry, a `oneof`'s members included (they number
/// fields of the same message).
fn carried_tags(schema: &Schema) -> BTreeSet<u32> {
    let mut tags = BTreeSet::new();
    for field in &schema.fields {
        let members = if is_union(&field.schema) {
            &field.schema.fields[..]
        } else {
            std::slice::from_ref(field)
        };
        tags.extend(members.iter().filter_map(|m| tag_of(&m.schema)));
    }
    tags
}
