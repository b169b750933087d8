//! `org.apache.kafka.connect.transforms.Flatten$Key` and `Flatten$Value` as a Switchyard
//! transform: flattens nested structs (or maps) into one level, joining the names.
//!
//! | key | type | default |
//! |---|---|---|
//! | `delimiter` | STRING | `.` |
//!
//! `{"a":{"b":1},"c":2}` becomes `{"a.b":1,"c":2}`. Arrays are kept as they are, not descended
//! into; an empty nested map adds nothing; a null nested struct leaves its flattened fields
//! null.
//!
//! With a schema, as in Kafka: the new struct schema keeps the name, version, doc and
//! parameters of the old one (not its optionality); a flattened field is optional when it or
//! any struct above it is, and takes its own default or the one the defaults of the structs
//! above it give; a MAP field is a bad record (`Flatten transformation does not support MAP for
//! record with schemas (for field …)`). A null key or value passes unchanged. The host
//! flattens the part where it lives (WIT `flatten`, one call).

use connect_util::json::{self, JsonPart, Map, Value};
use connect_util::shape::{Kind, Top, class_part};
use switchyard_sdk::prelude::*;

const PURPOSE: &str = "flattening";

/// The transform: which part, and the delimiter between names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flatten {
    part: Part,
    delimiter: String,
}

impl Flatten {
    /// Reads the configuration (`Flatten.CONFIG_DEF`).
    pub fn from_config(part: Part, config: &Config) -> Self {
        Flatten {
            part,
            delimiter: config.string_or("delimiter", "."),
        }
    }

    fn name(&self, prefix: &str, field: &str) -> String {
        if prefix.is_empty() {
            field.to_owned()
        } else {
            format!("{prefix}{}{field}", self.delimiter)
        }
    }

    /// `Flatten.applySchemaless`: nested maps are walked depth first; everything else is kept.
    pub fn flatten_map(
        &self,
        map: &Map<String, Value>,
        prefix: &str,
        out: &mut Map<String, Value>,
    ) {
        for (key, value) in map {
            let name = self.name(prefix, key);
            match value {
                Value::Object(nested) => self.flatten_map(nested, &name, out),
                other => {
                    out.insert(name, other.clone());
                }
            }
        }
    }

    /// `Flatten.buildUpdatedSchema`: the flattened field entries of a struct schema.
    pub fn flatten_schema(
        &self,
        schema: &Value,
        prefix: &str,
        optional: bool,
        parent_default: Option<&Value>,
        out: &mut Vec<Value>,
    ) -> Result<(), Error> {
        for field in json::fields(schema) {
            let field_name = json::field_name(field);
            let name = self.name(prefix, field_name);
            let field_optional = optional || json::is_optional(field);
            let default = field
                .get("default")
                .filter(|d| !d.is_null())
                .or_else(|| parent_default.and_then(|d| d.get(field_name)))
                .filter(|d| !d.is_null());
            match json::type_of(field) {
                Some(SchemaType::Struct) => {
                    self.flatten_schema(field, &name, field_optional, default, out)?;
                }
                Some(SchemaType::Map) | None => {
                    return Err(Error::bad_record(format!(
                        "Flatten transformation does not support MAP for record with schemas \
                         (for field {name})."
                    )));
                }
                Some(_) => {
                    // `SchemaUtil.copySchemaBasics` of the field, then optionality and default.
                    let mut entry = Map::new();
                    for key in [
                        "type",
                        "items",
                        "optional",
                        "name",
                        "version",
                        "doc",
                        "parameters",
                    ] {
                        if let Some(v) = field.get(key) {
                            entry.insert(key.into(), v.clone());
                        }
                    }
                    entry.insert("optional".into(), field_optional.into());
                    if let Some(default) = default {
                        entry.insert("default".into(), default.clone());
                    }
                    if out.iter().any(|f| json::field_name(f) == name) {
                        return Err(Error::bad_record(format!(
                            "Cannot create field because of field name duplication {name}"
                        )));
                    }
                    entry.insert("field".into(), Value::String(name));
                    out.push(Value::Object(entry));
                }
            }
        }
        Ok(())
    }

    /// `Flatten.buildWithSchema`: the flattened values of a struct; the fields of a null
    /// nested struct are left out (null).
    pub fn flatten_struct(
        &self,
        schema: &Value,
        payload: &Value,
        prefix: &str,
        out: &mut Map<String, Value>,
    ) {
        if !payload.is_object() {
            return;
        }
        for field in json::fields(schema) {
            let field_name = json::field_name(field);
            let name = self.name(prefix, field_name);
            let value = payload.get(field_name).unwrap_or(&Value::Null);
            if json::type_of(field) == Some(SchemaType::Struct) {
                self.flatten_struct(field, value, &name, out);
            } else {
                out.insert(name, value.clone());
            }
        }
    }

    fn with_schema(&self, record: &mut Record) -> Result<(), Error> {
        let data = json::read(&record.part(self.part))?;
        let Some(schema) = &data.schema else {
            return Ok(());
        };
        let mut fields = Vec::new();
        self.flatten_schema(
            schema,
            "",
            json::is_optional(schema),
            schema.get("default"),
            &mut fields,
        )?;
        let mut values = Map::new();
        self.flatten_struct(schema, &data.payload, "", &mut values);
        let mut payload = Map::new();
        let mut nulls = Vec::new();
        for field in &fields {
            let name = json::field_name(field);
            let value = values.remove(name).unwrap_or(Value::Null);
            if value.is_null() && field.get("default").is_some() {
                // Kafka leaves the field null; reading JSON null under a default would not.
                nulls.push(vec![name.to_owned()]);
            }
            payload.insert(name.to_owned(), value);
        }
        let mut new_schema = Map::new();
        new_schema.insert("type".into(), "struct".into());
        new_schema.insert("fields".into(), Value::Array(fields));
        new_schema.insert("optional".into(), false.into());
        for key in ["name", "version", "doc", "parameters"] {
            if let Some(v) = schema.get(key) {
                new_schema.insert(key.into(), v.clone());
            }
        }
        let flat = JsonPart {
            schema: Some(Value::Object(new_schema)),
            payload: Value::Object(payload),
        };
        json::write(record, self.part, &flat)?;
        json::restore_nulls(record, self.part, &nulls)
    }

    fn schemaless(&self, record: &mut Record) -> Result<(), Error> {
        let data = json::read(&record.part(self.part))?;
        let mut out = Map::new();
        if let Value::Object(map) = &data.payload {
            self.flatten_map(map, "", &mut out);
        }
        let flat = JsonPart {
            schema: None,
            payload: Value::Object(out),
        };
        json::write(record, self.part, &flat)
    }
}

impl Transform for Flatten {
    fn configure(ctx: &Context) -> Result<Self, ConfigError> {
        Ok(Flatten::from_config(
            class_part(ctx, "Flatten")?,
            ctx.config(),
        ))
    }

    fn apply(&self, mut record: Record) -> Result<Output, Error> {
        // One host call: the host flattens the part where it lives (WIT `flatten`).
        let mut batch = Batch::new();
        batch.flatten(self.part, &self.delimiter);
        match record.run(&batch).check() {
            Ok(()) => Ok(Output::One(record)),
            // Not a struct or map: inspect the part to name it as Kafka does.
            Err(DataError::WrongType(_)) => {
                let top = Top::inspect(&record.part(self.part))?;
                if top.has_schema() {
                    top.require_struct(PURPOSE)?;
                } else {
                    top.require_map(PURPOSE)?;
                }
                self.apply_on_json(record)
            }
            Err(e) => Err(e.into()),
        }
    }
}

impl Flatten {
    /// The rewrite on the part's JSON form, for a part whose top is a struct or map that the
    /// host's `flatten` still refused.
    pub fn apply_on_json(&self, mut record: Record) -> Result<Output, Error> {
        let top = Top::inspect(&record.part(self.part))?;
        if top.kind == Kind::Null {
            return Ok(Output::One(record));
        }
        if top.has_schema() {
            top.require_struct(PURPOSE)?;
            self.with_schema(&mut record)?;
        } else {
            top.require_map(PURPOSE)?;
            self.schemaless(&mut record)?;
        }
        Ok(Output::One(record))
    }
}

switchyard_sdk::export_transform!(Flatten);

#[cfg(test)]
mod tests {
    use super::*;

    fn flatten(delimiter: &str) -> Flatten {
        Flatten::from_config(
            Part::Value,
            &[("delimiter", delimiter)].into_iter().collect(),
        )
    }

    fn j(text: &str) -> Value {
        serde_json_from(text)
    }

    fn serde_json_from(text: &str) -> Value {
        text.parse().unwrap_or(Value::Null)
    }

    /// `FlattenTest.testNestedMapWithDelimiter`, `testSchemalessArray`, `testMapWithNullFields`.
    #[test]
    fn maps() {
        let mut out = Map::new();
        let input = j(
            r#"{"A":{"B":{"int8":8,"string":"s","bytes":"AA=="}},"e":{},"n":null,"arr":["bar",{"baz":{"lfg":"lfg"}}]}"#,
        );
        if let Value::Object(map) = &input {
            flatten("#").flatten_map(map, "", &mut out);
        }
        assert_eq!(
            Value::Object(out).to_string(),
            r#"{"A#B#int8":8,"A#B#string":"s","A#B#bytes":"AA==","n":null,"arr":["bar",{"baz":{"lfg":"lfg"}}]}"#
        );
    }

    /// `FlattenTest.testOptionalAndDefaultValuesNested`.
    #[test]
    fn optional_and_defaults_come_from_above() {
        let schema = j(
            r#"{"type":"struct","fields":[{"type":"struct","fields":[{"type":"string","optional":false,"field":"req_field"},{"type":"string","optional":true,"default":"child_default","field":"opt_field"}],"optional":true,"default":{"req_field":"req_default","opt_field":null},"field":"s"}],"optional":false}"#,
        );
        let mut fields = Vec::new();
        let result = flatten(".").flatten_schema(&schema, "", false, None, &mut fields);
        assert_eq!(result, Ok(()));
        assert_eq!(
            Value::Array(fields).to_string(),
            r#"[{"type":"string","optional":true,"default":"req_default","field":"s.req_field"},{"type":"string","optional":true,"default":"child_default","field":"s.opt_field"}]"#
        );
    }

    #[test]
    fn maps_with_schemas_are_refused() {
        let schema = j(
            r#"{"type":"struct","fields":[{"type":"struct","fields":[{"type":"map","keys":{"type":"string"},"values":{"type":"string"},"field":"m"}],"field":"a"}]}"#,
        );
        let result = flatten(".").flatten_schema(&schema, "", false, None, &mut Vec::new());
        assert_eq!(
            result,
            Err(Error::bad_record(
                "Flatten transformation does not support MAP for record with schemas (for field a.m)."
            ))
        );
    }
}
