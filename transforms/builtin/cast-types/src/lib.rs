//! `org.apache.kafka.connect.transforms.Cast$Key` and `Cast$Value` as a Switchyard transform:
//! casts fields, or the whole key or value, to another primitive type.
//!
//! | key | type | default |
//! |---|---|---|
//! | `spec` | LIST of `field:type`, or one `type` for the whole key or value | required |
//! | `replace.null.with.default` | BOOLEAN | `true` — a null field with a default is read as the default |
//!
//! Types, in any case: `int8`, `int16`, `int32`, `int64`, `float32`, `float64`, `boolean`,
//! `string`. Inputs: those types and `bytes` (to `string` only, as Base64); logical types
//! (`Date`, `Time`, `Timestamp`, `Decimal`) included.
//!
//! The casts are Java's: numbers narrow by truncation and wrap (`(byte) 300` is 44, a
//! `Decimal` of 2147483648 to `int32` is -2147483648), floats to integers saturate, booleans
//! are 1 or 0, strings are parsed by `Integer.parseInt` and friends (`Value (x) was out of range
//! for requested data type`) or `Boolean.parseBoolean`, numbers are true when not 0 (as a
//! long), and to `string` numbers print as Java prints them, `Date`s as ISO-8601
//! (`Values.dateFormatFor`), bytes as Base64.
//!
//! As in Kafka: a null key or value passes unchanged; without a schema a cast field missing
//! from the map is added as null; with a schema a cast field keeps its optionality and its
//! default, cast too, and the whole-value cast keeps the schema's name, version, doc and
//! parameters. Each field is cast in place by the host (`put`); the data never passes
//! through the guest as a whole.

use std::collections::BTreeMap;

use connect_util::decimal::BigDecimal;
use connect_util::fields::{self, DATE, DECIMAL, TIME, TIMESTAMP, apply_defaults};
use connect_util::shape::{Kind, Top, class_part};
use connect_util::{base64, date, java, json};
use switchyard_sdk::batch::host_casts;
use switchyard_sdk::prelude::*;

const PURPOSE: &str = "cast types";
const INPUT_TYPES: &str = "[INT8, INT16, INT32, INT64, FLOAT32, FLOAT64, BOOLEAN, STRING, BYTES]";
const OUTPUT_TYPES: &str = "[INT8, INT16, INT32, INT64, FLOAT32, FLOAT64, BOOLEAN, STRING]";

/// A type a value can be cast to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// INT8.
    Int8,
    /// INT16.
    Int16,
    /// INT32.
    Int32,
    /// INT64.
    Int64,
    /// FLOAT32.
    Float32,
    /// FLOAT64.
    Float64,
    /// BOOLEAN.
    Boolean,
    /// STRING.
    String,
}

impl Target {
    fn schema_type(self) -> SchemaType {
        match self {
            Target::Int8 => SchemaType::Int8,
            Target::Int16 => SchemaType::Int16,
            Target::Int32 => SchemaType::Int32,
            Target::Int64 => SchemaType::Int64,
            Target::Float32 => SchemaType::Float32,
            Target::Float64 => SchemaType::Float64,
            Target::Boolean => SchemaType::Boolean,
            Target::String => SchemaType::String,
        }
    }
}

/// What `spec` asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Spec {
    /// Cast the whole key or value.
    Whole(Target),
    /// Cast these fields (a later entry for a field wins).
    Fields(BTreeMap<String, Target>),
}

/// `Schema.Type.valueOf(name.toUpperCase())` then `validCastType(type, OUTPUT)`: `Ok(None)` for
/// a type name Java does not know, `Err` for a known type Cast cannot produce.
fn output_type(name: &str) -> Result<Option<Target>, String> {
    let upper = name.to_ascii_uppercase();
    Ok(Some(match upper.as_str() {
        "INT8" => Target::Int8,
        "INT16" => Target::Int16,
        "INT32" => Target::Int32,
        "INT64" => Target::Int64,
        "FLOAT32" => Target::Float32,
        "FLOAT64" => Target::Float64,
        "BOOLEAN" => Target::Boolean,
        "STRING" => Target::String,
        "BYTES" | "ARRAY" | "MAP" | "STRUCT" => {
            return Err(format!(
                "Cast transformation does not support casting to {upper}; supported types are \
                 {OUTPUT_TYPES}"
            ));
        }
        _ => return Ok(None),
    }))
}

/// Parses `spec` (`Cast.parseFieldTypes`).
pub fn parse_spec(mappings: &[String]) -> Result<Spec, ConfigError> {
    let error = |m: String| ConfigError::new("spec", m);
    if mappings.is_empty() {
        return Err(error("Must specify at least one field to cast.".into()));
    }
    let mut fields = BTreeMap::new();
    let mut whole = None;
    for mapping in mappings {
        // Java's `split(":")` drops trailing empty strings.
        let mut parts: Vec<&str> = mapping.split(':').collect();
        while parts.len() > 1 && parts.last() == Some(&"") {
            parts.pop();
        }
        if parts == [""] && mapping.contains(':') {
            parts.clear();
        }
        let java_trim = switchyard_sdk::config::java_trim;
        match parts[..] {
            [name] => {
                let name = java_trim(name);
                let target = output_type(name).map_err(error)?.ok_or_else(|| {
                    error(format!(
                        "No enum constant org.apache.kafka.connect.data.Schema.Type.{}",
                        name.to_ascii_uppercase()
                    ))
                })?;
                whole = Some(target);
            }
            [field, kind] => {
                let kind = java_trim(kind);
                let target = output_type(kind)
                    .map_err(error)?
                    .ok_or_else(|| error(format!("Invalid type found in casting spec: {kind}")))?;
                fields.insert(java_trim(field).to_owned(), target);
            }
            _ => return Err(error(format!("Invalid rename mapping: {mapping}"))),
        }
    }
    match whole {
        Some(_) if mappings.len() > 1 => Err(error(
            "Cast transformations that specify a type to cast the entire value to may ony \
             specify a single cast in their spec"
                .into(),
        )),
        Some(target) => Ok(Spec::Whole(target)),
        None => Ok(Spec::Fields(fields)),
    }
}

/// A value as Java's `Cast.castValueToType` sees it.
#[derive(Debug, Clone, PartialEq)]
enum Input {
    Boolean(bool),
    Byte(i8),
    Short(i16),
    Int(i32),
    Long(i64),
    Float(f32),
    Double(f64),
    Decimal(BigDecimal),
    Str(String),
    Bytes(Vec<u8>),
    /// A `java.util.Date` (logical `Date`, `Time`, `Timestamp`), in milliseconds.
    Date(i64),
}

impl Input {
    /// The Java value of a scalar with its schema (`None` without one); `Ok(None)` for null.
    fn of(
        info: Option<&SchemaInfo>,
        value: &Scalar,
        target: Target,
    ) -> Result<Option<Input>, Error> {
        let logical = info.and_then(|i| i.name.as_deref());
        Ok(Some(match value {
            Scalar::Null => return Ok(None),
            Scalar::Boolean(b) => Input::Boolean(*b),
            Scalar::Int8(v) => Input::Byte(*v),
            Scalar::Int16(v) => Input::Short(*v),
            // Logical types cast to anything but a string are first encoded to their integer
            // (`encodeLogicalType`), which is how they are held here.
            Scalar::Int32(v) if target == Target::String && logical == Some(DATE) => {
                Input::Date(i64::from(*v) * date::MILLIS_PER_DAY)
            }
            Scalar::Int32(v) if target == Target::String && logical == Some(TIME) => {
                Input::Date(i64::from(*v))
            }
            Scalar::Int32(v) => Input::Int(*v),
            Scalar::Int64(v) if target == Target::String && logical == Some(TIMESTAMP) => {
                Input::Date(*v)
            }
            Scalar::Int64(v) => Input::Long(*v),
            Scalar::Float32(v) => Input::Float(*v),
            Scalar::Float64(v) => Input::Double(*v),
            Scalar::String(s) => Input::Str(s.clone()),
            Scalar::Bytes(b) if logical == Some(DECIMAL) => {
                let scale = info.map_or(0, fields::decimal_scale);
                Input::Decimal(BigDecimal::from_connect(b, scale))
            }
            Scalar::Bytes(b) => Input::Bytes(b.clone()),
        }))
    }

    fn class(&self) -> &'static str {
        match self {
            Input::Boolean(_) => "class java.lang.Boolean",
            Input::Byte(_) => "class java.lang.Byte",
            Input::Short(_) => "class java.lang.Short",
            Input::Int(_) => "class java.lang.Integer",
            Input::Long(_) => "class java.lang.Long",
            Input::Float(_) => "class java.lang.Float",
            Input::Double(_) => "class java.lang.Double",
            Input::Decimal(_) => "class java.math.BigDecimal",
            Input::Str(_) => "class java.lang.String",
            Input::Bytes(_) => "class [B",
            Input::Date(_) => "class java.util.Date",
        }
    }

    /// `Number.longValue()`, `None` for what is not a number.
    fn long_value(&self) -> Option<i64> {
        Some(match self {
            Input::Byte(v) => i64::from(*v),
            Input::Short(v) => i64::from(*v),
            Input::Int(v) => i64::from(*v),
            Input::Long(v) => *v,
            Input::Float(v) => *v as i64,
            Input::Double(v) => *v as i64,
            Input::Decimal(d) => d.long_value(),
            _ => return None,
        })
    }

    /// `Number.intValue()` (floats saturate, others wrap).
    fn int_value(&self) -> Option<i32> {
        match self {
            Input::Float(v) => Some(*v as i32),
            Input::Double(v) => Some(*v as i32),
            other => other.long_value().map(|v| v as i32),
        }
    }

    /// `Number.doubleValue()`.
    fn double_value(&self) -> Option<f64> {
        Some(match self {
            Input::Byte(v) => f64::from(*v),
            Input::Short(v) => f64::from(*v),
            Input::Int(v) => f64::from(*v),
            Input::Long(v) => *v as f64,
            Input::Float(v) => f64::from(*v),
            Input::Double(v) => *v,
            Input::Decimal(d) => d.double_value(),
            _ => return None,
        })
    }

    /// `Number.floatValue()`.
    fn float_value(&self) -> Option<f32> {
        Some(match self {
            Input::Long(v) => *v as f32,
            Input::Decimal(d) => d.float_value(),
            other => other.double_value()? as f32,
        })
    }

    /// `Cast.castValueToType` for a non-null value.
    fn cast(&self, target: Target) -> Result<Scalar, Error> {
        let out_of_range = |s: &str| {
            Error::bad_record(format!(
                "Value ({s}) was out of range for requested data type"
            ))
        };
        let unexpected = || {
            Error::bad_record(format!(
                "Unexpected type in Cast transformation: {}",
                self.class()
            ))
        };
        let flag = |b: bool| i64::from(b);
        Ok(match (target, self) {
            (Target::String, _) => Scalar::String(self.to_java_string()),
            (Target::Boolean, Input::Boolean(b)) => Scalar::Boolean(*b),
            (Target::Boolean, Input::Str(s)) => Scalar::Boolean(java::parse_boolean(s)),
            (Target::Boolean, _) => Scalar::Boolean(self.long_value().ok_or_else(unexpected)? != 0),
            (_, Input::Str(s)) => match target {
                Target::Int8 => Scalar::Int8(java::parse_byte(s).ok_or_else(|| out_of_range(s))?),
                Target::Int16 => {
                    Scalar::Int16(java::parse_short(s).ok_or_else(|| out_of_range(s))?)
                }
                Target::Int32 => Scalar::Int32(java::parse_int(s).ok_or_else(|| out_of_range(s))?),
                Target::Int64 => Scalar::Int64(java::parse_long(s).ok_or_else(|| out_of_range(s))?),
                Target::Float32 => {
                    Scalar::Float32(java::parse_float(s).ok_or_else(|| out_of_range(s))?)
                }
                _ => Scalar::Float64(java::parse_double(s).ok_or_else(|| out_of_range(s))?),
            },
            (_, Input::Boolean(b)) => match target {
                Target::Int8 => Scalar::Int8(flag(*b) as i8),
                Target::Int16 => Scalar::Int16(flag(*b) as i16),
                Target::Int32 => Scalar::Int32(flag(*b) as i32),
                Target::Int64 => Scalar::Int64(flag(*b)),
                Target::Float32 => Scalar::Float32(flag(*b) as f32),
                _ => Scalar::Float64(flag(*b) as f64),
            },
            (Target::Int8, _) => Scalar::Int8(self.int_value().ok_or_else(unexpected)? as i8),
            (Target::Int16, _) => Scalar::Int16(self.int_value().ok_or_else(unexpected)? as i16),
            (Target::Int32, _) => Scalar::Int32(self.int_value().ok_or_else(unexpected)?),
            (Target::Int64, _) => Scalar::Int64(self.long_value().ok_or_else(unexpected)?),
            (Target::Float32, _) => Scalar::Float32(self.float_value().ok_or_else(unexpected)?),
            (Target::Float64, _) => Scalar::Float64(self.double_value().ok_or_else(unexpected)?),
        })
    }

    /// `Cast.castToString`.
    fn to_java_string(&self) -> String {
        match self {
            Input::Boolean(b) => b.to_string(),
            Input::Byte(v) => v.to_string(),
            Input::Short(v) => v.to_string(),
            Input::Int(v) => v.to_string(),
            Input::Long(v) => v.to_string(),
            Input::Float(v) => java::float_to_string(*v),
            Input::Double(v) => java::double_to_string(*v),
            Input::Decimal(d) => d.to_java_string(),
            Input::Str(s) => s.clone(),
            Input::Bytes(b) => base64::encode(b),
            Input::Date(millis) => date::format_for(*millis),
        }
    }
}

/// `validCastType(type, INPUT)` for a value that is not a scalar.
fn unsupported_input(kind: SchemaType) -> Error {
    Error::bad_record(format!(
        "Cast transformation does not support casting from {}; supported types are {INPUT_TYPES}",
        java::type_name(kind)
    ))
}

/// Casts a scalar (with its schema, if any) to `target`; null stays null.
fn cast_scalar(info: Option<&SchemaInfo>, value: &Scalar, target: Target) -> Result<Scalar, Error> {
    if let Some(info) = info
        && matches!(
            info.type_,
            SchemaType::Array | SchemaType::Map | SchemaType::Struct
        )
        && *value != Scalar::Null
    {
        return Err(unsupported_input(info.type_));
    }
    match Input::of(info, value, target)? {
        None => Ok(Scalar::Null),
        Some(input) => input.cast(target),
    }
}

/// The schema of a cast result: `kind` with the optionality of `from` and its default cast;
/// with `basics`, also its name, version, doc and parameters (`SchemaUtil.copySchemaBasics`).
fn cast_schema(from: &SchemaInfo, target: Target, basics: bool) -> Result<SchemaInfo, Error> {
    let mut schema = if basics {
        SchemaInfo {
            type_: target.schema_type(),
            default_json: None,
            ..from.clone()
        }
    } else {
        fields::plain(target.schema_type(), from.optional)
    };
    if from.default_json.is_some() {
        let Some(default) = fields::default_of(from) else {
            return Err(unsupported_input(from.type_));
        };
        let cast = cast_scalar(Some(from), &default, target)?;
        schema.default_json = Some(json::scalar_to_json(&cast).to_string());
    }
    Ok(schema)
}

/// The transform: which part, what to cast, how nulls with defaults are read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cast {
    part: Part,
    spec: Spec,
    replace_null_with_default: bool,
    /// The reads of a field cast, built once; `None` for a whole-part cast.
    plan: Option<FieldPlan>,
}

/// The reads that settle a field cast in the common case (a struct with a schema) in one host
/// call: the part's schema, whether it is null, and each cast field's schema. A field the host
/// casts (`host_casts`) is cast by the host's `cast`, so only schemas are read and the call is
/// replayed for records that differ in the values cast; the values of the others are read in
/// a second batch.
#[derive(Debug, Clone, PartialEq, Eq)]
struct FieldPlan {
    reads: Batch,
    schema: usize,
    null: usize,
    /// Per cast field, in the spec's order: its path and its `schema`.
    fields: Vec<(Path, usize)>,
    /// Each cast field's `get-typed`, in the spec's order.
    values: Batch,
}

impl FieldPlan {
    fn new(part: Part, casts: &BTreeMap<String, Target>) -> Self {
        let mut reads = Batch::new();
        let mut values = Batch::new();
        let schema = reads.schema(part, &[]);
        let null = reads.is_null(part);
        let fields = casts
            .keys()
            .map(|name| {
                let path = Path::new(&[name.as_str()]);
                values.get_typed(part, &path);
                (path, reads.schema(part, &path))
            })
            .collect();
        FieldPlan {
            reads,
            schema,
            null,
            fields,
            values,
        }
    }
}

impl Cast {
    /// Reads the configuration (`Cast.CONFIG_DEF`).
    pub fn from_config(part: Part, config: &Config) -> Result<Self, ConfigError> {
        let spec = parse_spec(&config.list("spec")?)?;
        let plan = match &spec {
            Spec::Fields(casts) => Some(FieldPlan::new(part, casts)),
            Spec::Whole(_) => None,
        };
        Ok(Cast {
            part,
            spec,
            replace_null_with_default: config.boolean_or("replace.null.with.default", true)?,
            plan,
        })
    }

    fn whole(&self, record: &mut Record, top: &Top, target: Target) -> Result<(), Error> {
        let value = match (top.kind, &top.scalar) {
            (Kind::Scalar, Some(value)) => value.clone(),
            (Kind::Array, _) => return Err(unsupported_input(SchemaType::Array)),
            (Kind::Struct, _) => return Err(unsupported_input(SchemaType::Struct)),
            _ => return Err(unsupported_input(SchemaType::Map)),
        };
        let cast = cast_scalar(top.schema.as_ref(), &value, target)?;
        let schema = top
            .schema
            .as_ref()
            .map(|from| cast_schema(from, target, true))
            .transpose()?;
        record.part_mut(self.part).put(&[], schema.as_ref(), cast)?;
        Ok(())
    }

    /// The schema and value a field of schema `info` holding `value` takes when cast to
    /// `target` (a null takes the field's default first when `replace.null.with.default`).
    fn cast_field(
        &self,
        info: &SchemaInfo,
        value: &Scalar,
        target: Target,
    ) -> Result<(SchemaInfo, Scalar), Error> {
        let schema = cast_schema(info, target, false)?;
        let value = match (value, self.replace_null_with_default) {
            (Scalar::Null, true) => fields::default_of(info).unwrap_or(Scalar::Null),
            (value, _) => value.clone(),
        };
        Ok((schema, cast_scalar(Some(info), &value, target)?))
    }

    /// A field cast on a struct with a schema in two host calls: the plan's reads, then the
    /// casts and the defaults together. `Ok(false)` when the record needs the general path
    /// (schemaless or not a struct, a field that is not a scalar, a value the cast refuses),
    /// which then reports exactly what Kafka does; nothing has been changed by then.
    fn fields_batched(
        &self,
        plan: &FieldPlan,
        casts: &BTreeMap<String, Target>,
        record: &mut Record,
    ) -> Result<bool, Error> {
        let answers = record.run(&plan.reads);
        let Ok(Some(top)) = answers.schema(plan.schema) else {
            return Ok(false);
        };
        if answers.flag(plan.null)? {
            return Ok(true);
        }
        if top.type_ != SchemaType::Struct || top.default_json.is_some() {
            return Ok(false);
        }
        let mut changes = Batch::new();
        let mut cast_fields = Vec::new();
        // The values of the fields the host does not cast, read once any needs them.
        let mut values = None;
        for (i, ((name, &target), &(path, index))) in casts.iter().zip(&plan.fields).enumerate() {
            let info = match answers.schema(index) {
                Ok(Some(info)) => info,
                Err(DataError::NoSuchField(_)) => continue,
                Ok(None) | Err(_) => return Ok(false),
            };
            if host_casts(info, target.schema_type()) {
                changes.cast(
                    self.part,
                    &path,
                    target.schema_type(),
                    self.replace_null_with_default,
                );
            } else {
                let values = values.get_or_insert_with(|| record.run(&plan.values));
                let Ok(typed) = values.typed(i) else {
                    return Ok(false);
                };
                let Ok((schema, cast)) = self.cast_field(info, &typed.value, target) else {
                    return Ok(false);
                };
                changes.put(self.part, &path, Some(&schema), cast);
            }
            cast_fields.push(name.as_str());
        }
        let filled = self
            .replace_null_with_default
            .then(|| changes.fill_defaults(self.part, &[], &cast_fields));
        if changes.is_empty() {
            return Ok(true);
        }
        let done = record.run(&changes);
        done.check()?;
        if let Some(filled) = filled
            && done.flag(filled)?
        {
            // A default that is a struct, map or array: rewritten whole, as `apply_defaults`.
            apply_defaults(record, self.part, &cast_fields)?;
        }
        Ok(true)
    }

    fn fields_schemaless(
        &self,
        record: &mut Record,
        casts: &BTreeMap<String, Target>,
    ) -> Result<(), Error> {
        for (field, target) in casts {
            let cast = match record.part(self.part).get(&[field]) {
                Ok(value) => cast_scalar(None, &value, *target)?,
                Err(DataError::NoSuchField(_)) => Scalar::Null,
                Err(DataError::WrongType(m)) if m.contains("array") => {
                    return Err(unsupported_input(SchemaType::Array));
                }
                Err(DataError::WrongType(_)) => return Err(unsupported_input(SchemaType::Map)),
                Err(e) => return Err(e.into()),
            };
            record.part_mut(self.part).put(&[field], None, cast)?;
        }
        Ok(())
    }

    fn fields_with_schema(
        &self,
        record: &mut Record,
        top: &Top,
        casts: &BTreeMap<String, Target>,
    ) -> Result<(), Error> {
        if let Some(schema) = &top.schema
            && schema.default_json.is_some()
        {
            return Err(unsupported_input(SchemaType::Struct));
        }
        // Reads in one batch (the names, then each cast field's schema and value), the casts
        // in another.
        let mut names = Batch::new();
        let list = names.field_names(self.part, &[]);
        let names = record.run(&names).names(list)?.to_vec();
        let mut reads = Batch::new();
        let probes: Vec<(&str, Target, usize)> = names
            .iter()
            .filter_map(|name| Some((name.as_str(), *casts.get(name)?)))
            .map(|(name, target)| (name, target, reads.get_typed(self.part, &[name])))
            .collect();
        let answers = if probes.is_empty() {
            None
        } else {
            Some(record.run(&reads))
        };
        let mut changes = Batch::new();
        let mut cast_fields = Vec::new();
        for (name, target, index) in probes {
            let Some(answers) = &answers else { break };
            let typed = match answers.typed(index) {
                Ok(typed) => typed,
                Err(DataError::WrongType(_)) => {
                    // A struct, map or array field: its schema first (the cast may refuse it),
                    // then Kafka names its type.
                    let Some(info) = record.part(self.part).schema(&[name])? else {
                        continue;
                    };
                    cast_schema(&info, target, false)?;
                    return Err(unsupported_input(info.type_));
                }
                Err(e) => return Err(e.into()),
            };
            let Some(info) = &typed.schema else {
                continue;
            };
            let (schema, cast) = self.cast_field(info, &typed.value, target)?;
            changes.put(self.part, &[name], Some(&schema), cast);
            cast_fields.push(name);
        }
        if !changes.is_empty() {
            record.run(&changes).check()?;
        }
        if self.replace_null_with_default {
            apply_defaults(record, self.part, &cast_fields)?;
        }
        Ok(())
    }
}

impl Transform for Cast {
    fn configure(ctx: &Context) -> Result<Self, ConfigError> {
        let cast = Cast::from_config(class_part(ctx, "Cast")?, ctx.config())?;
        // `apply` is a function of what the record answers; with the host casting by schema,
        // records that differ only in the values cast answer alike and are replayed.
        switchyard_sdk::declare::depends_only_on_answers();
        Ok(cast)
    }

    fn apply(&self, mut record: Record) -> Result<Output, Error> {
        if let (Some(plan), Spec::Fields(casts)) = (&self.plan, &self.spec)
            && self.fields_batched(plan, casts, &mut record)?
        {
            return Ok(Output::One(record));
        }
        let top = Top::inspect(&record.part(self.part))?;
        if top.kind == Kind::Null {
            return Ok(Output::One(record));
        }
        match &self.spec {
            Spec::Whole(target) => self.whole(&mut record, &top, *target)?,
            Spec::Fields(casts) => {
                top.require_container(PURPOSE)?;
                if top.has_schema() {
                    self.fields_with_schema(&mut record, &top, casts)?;
                } else {
                    self.fields_schemaless(&mut record, casts)?;
                }
            }
        }
        Ok(Output::One(record))
    }
}

switchyard_sdk::export_transform!(Cast);

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(text: &str) -> Result<Spec, ConfigError> {
        parse_spec(&switchyard_sdk::config::parse_list(text))
    }

    /// `CastTest.testConfig*`.
    #[test]
    fn config_errors_follow_kafka() {
        for (text, message) in [
            ("", "Must specify at least one field to cast."),
            (
                "foo:faketype",
                "Invalid type found in casting spec: faketype",
            ),
            (
                "foo:array",
                "Cast transformation does not support casting to ARRAY; supported types are \
                 [INT8, INT16, INT32, INT64, FLOAT32, FLOAT64, BOOLEAN, STRING]",
            ),
            (
                "array",
                "Cast transformation does not support casting to ARRAY; supported types are \
                 [INT8, INT16, INT32, INT64, FLOAT32, FLOAT64, BOOLEAN, STRING]",
            ),
            (
                "foo:bytes",
                "Cast transformation does not support casting to BYTES; supported types are \
                 [INT8, INT16, INT32, INT64, FLOAT32, FLOAT64, BOOLEAN, STRING]",
            ),
            ("foo:int8:extra", "Invalid rename mapping: foo:int8:extra"),
            (
                "foo:int8,int32",
                "Cast transformations that specify a type to cast the entire value to may ony \
                 specify a single cast in their spec",
            ),
            (
                "faketype",
                "No enum constant org.apache.kafka.connect.data.Schema.Type.FAKETYPE",
            ),
        ] {
            assert_eq!(spec(text), Err(ConfigError::new("spec", message)), "{text}");
        }
    }

    #[test]
    fn specs_parse() {
        assert_eq!(spec(" INT8 "), Ok(Spec::Whole(Target::Int8)));
        let Ok(Spec::Fields(fields)) = spec("a:int8, b : String,a:float64,c:int8:") else {
            panic!("fields");
        };
        assert_eq!(fields.get("a"), Some(&Target::Float64));
        assert_eq!(fields.get("b"), Some(&Target::String));
        assert_eq!(fields.get("c"), Some(&Target::Int8));
    }

    fn cast(value: Scalar, target: Target) -> Result<Scalar, Error> {
        cast_scalar(None, &value, target)
    }

    /// `CastTest.castFieldsSchemaless` and friends.
    #[test]
    fn casts_follow_java() {
        assert_eq!(cast(Scalar::Int8(8), Target::Int16), Ok(Scalar::Int16(8)));
        assert_eq!(
            cast(Scalar::Int32(32), Target::Int64),
            Ok(Scalar::Int64(32))
        );
        assert_eq!(
            cast(Scalar::Int64(64), Target::Boolean),
            Ok(Scalar::Boolean(true))
        );
        assert_eq!(
            cast(Scalar::Float32(32.0), Target::Float64),
            Ok(Scalar::Float64(32.0))
        );
        assert_eq!(
            cast(Scalar::Float64(-64.0), Target::Boolean),
            Ok(Scalar::Boolean(true))
        );
        assert_eq!(
            cast(Scalar::Float64(0.5), Target::Boolean),
            Ok(Scalar::Boolean(false))
        );
        assert_eq!(
            cast(Scalar::Boolean(true), Target::Int8),
            Ok(Scalar::Int8(1))
        );
        assert_eq!(
            cast(Scalar::String("42".into()), Target::Int32),
            Ok(Scalar::Int32(42))
        );
        assert_eq!(cast(Scalar::Int32(300), Target::Int8), Ok(Scalar::Int8(44)));
        assert_eq!(
            cast(Scalar::Float64(1e20), Target::Int32),
            Ok(Scalar::Int32(i32::MAX))
        );
        assert_eq!(
            cast(Scalar::Float64(1e20), Target::Int8),
            Ok(Scalar::Int8(-1))
        );
        assert_eq!(
            cast(Scalar::Int32(42), Target::String),
            Ok(Scalar::String("42".into()))
        );
        assert_eq!(
            cast(Scalar::Float32(42.125), Target::String),
            Ok(Scalar::String("42.125".into()))
        );
        assert_eq!(
            cast(Scalar::String("yes".into()), Target::Boolean),
            Ok(Scalar::Boolean(false))
        );
        assert_eq!(
            cast(Scalar::String("2147483648".into()), Target::Int32),
            Err(Error::bad_record(
                "Value (2147483648) was out of range for requested data type"
            ))
        );
        assert_eq!(
            cast(Scalar::Bytes(vec![1]), Target::Int32),
            Err(Error::bad_record(
                "Unexpected type in Cast transformation: class [B"
            ))
        );
        assert_eq!(
            cast(
                Scalar::Bytes(vec![0xFE, 0xDC, 0xBA, 0x98, 0x76, 0x54, 0x32, 0x10]),
                Target::String
            ),
            Ok(Scalar::String("/ty6mHZUMhA=".into()))
        );
        assert_eq!(cast(Scalar::Null, Target::Int8), Ok(Scalar::Null));
    }

    /// `CastTest.castLogicalToPrimitive` / `castLogicalToString`.
    #[test]
    fn logical_types() {
        let logical = |name: &str| fields::logical(name, false);
        let decimal = SchemaInfo {
            name: Some(DECIMAL.into()),
            version: Some(1),
            parameters: vec![("scale".into(), "0".into())],
            ..fields::plain(SchemaType::Bytes, false)
        };
        let c = |info: &SchemaInfo, value: Scalar, target| cast_scalar(Some(info), &value, target);
        assert_eq!(
            c(&logical(DATE), Scalar::Int32(1), Target::Int32),
            Ok(Scalar::Int32(1))
        );
        assert_eq!(
            c(
                &logical(TIMESTAMP),
                Scalar::Int64(i64::MAX),
                Target::Float64
            ),
            Ok(Scalar::Float64(9.223_372_036_854_776e18))
        );
        assert_eq!(
            c(
                &decimal,
                Scalar::Bytes(vec![0, 0x80, 0, 0, 0]),
                Target::Int32
            ),
            Ok(Scalar::Int32(i32::MIN))
        );
        assert_eq!(
            c(&decimal, Scalar::Bytes(vec![0x07, 0xBE]), Target::String),
            Ok(Scalar::String("1982".into()))
        );
        assert_eq!(
            c(&logical(DATE), Scalar::Int32(1), Target::String),
            Ok(Scalar::String("1970-01-02".into()))
        );
        assert_eq!(
            c(&logical(TIME), Scalar::Int32(1), Target::String),
            Ok(Scalar::String("00:00:00.001Z".into()))
        );
    }
}
