//! `org.apache.kafka.connect.transforms.ExtractField$Key` and `ExtractField$Value` as a
//! Switchyard transform: replaces the key or value with one of its fields.
//!
//! | key | type | default |
//! |---|---|---|
//! | `field` | STRING | required — a field name, or with `V2` a dotted path |
//! | `field.syntax.version` | `V1` or `V2`, any case | `V1` |
//! | `replace.null.with.default` | BOOLEAN | `true` — a null field with a default gives the default |
//!
//! With `V1` the field name is taken as it is, dots included. With `V2` (KIP-821) it is a path:
//! `after.id`; a name holding dots is quoted in backticks (`` `a.b`.c ``), a backtick that ends a
//! quoted name early is escaped with a backslash; a trailing dot adds an empty name
//! (`SingleFieldPath`).
//!
//! As in Kafka: without a schema, a null value stays null and a missing field (or a missing
//! map on the way) gives null; with a schema, the path must exist in the schema
//! (`Unknown field: …`, a bad record, even when the value is null), the result takes the
//! field's schema, and a null struct gives null with that schema. The host moves the field up
//! (`extract`); only the rare cases it cannot decide (a null struct on the way, a field missing
//! from the schema) read the part as JSON.

use connect_util::java;
use connect_util::json::{self, JsonPart, Value};
use connect_util::shape::{Kind, Top, class_part};
use switchyard_sdk::prelude::*;

const PURPOSE: &str = "field extraction";

/// The transform: which part, the path to extract, and how nulls with defaults are read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtractField {
    part: Part,
    /// The field path as configured, for messages.
    original: String,
    steps: Vec<String>,
    replace_null_with_default: bool,
}

impl ExtractField {
    /// Reads the configuration (`ExtractField.CONFIG_DEF` with `FieldSyntaxVersion`).
    pub fn from_config(part: Part, config: &Config) -> Result<Self, ConfigError> {
        let original = config.string("field")?;
        let version = config.string_or("field.syntax.version", "V1");
        let steps = if version.eq_ignore_ascii_case("V1") {
            vec![original.clone()]
        } else if version.eq_ignore_ascii_case("V2") {
            parse_path_v2(&original).map_err(|m| ConfigError::new("field", m))?
        } else {
            return Err(ConfigError::new(
                "field.syntax.version",
                "String must be one of (case insensitive): V1, V2",
            ));
        };
        Ok(ExtractField {
            part,
            original,
            steps,
            replace_null_with_default: config.boolean_or("replace.null.with.default", true)?,
        })
    }

    fn steps(&self) -> Vec<&str> {
        self.steps.iter().map(String::as_str).collect()
    }

    /// Without a schema: `SingleFieldPath.valueFrom(Map)`.
    fn schemaless(&self, mut record: Record, top: &Top) -> Result<Output, Error> {
        if top.kind == Kind::Null {
            return Ok(Output::One(record));
        }
        top.require_map(PURPOSE)?;
        let steps = self.steps();
        if steps.is_empty() {
            return Err(Error::bad_record("Index -1 out of bounds for length 0"));
        }
        match record.part_mut(self.part).extract(&steps, false) {
            Ok(()) => {}
            Err(DataError::NoSuchField(_)) => {
                let null = JsonPart {
                    schema: None,
                    payload: Value::Null,
                };
                json::write(&mut record, self.part, &null)?;
            }
            Err(DataError::WrongType(_)) => {
                // A step on the way is not a map: Kafka's `requireMapOrNull`.
                let view = record.part(self.part);
                for i in 1..steps.len() {
                    let class = match view.get(&steps[..i]) {
                        Ok(scalar) => java::class_of_scalar(&scalar).unwrap_or("null"),
                        Err(DataError::WrongType(m)) if m.contains("array") => {
                            "java.util.ArrayList"
                        }
                        _ => continue,
                    };
                    return Err(Error::bad_record(format!(
                        "Only Map objects supported in absence of schema for [nested field \
                         access], found: {class}"
                    )));
                }
                return Err(Error::bad_record("cannot extract the field"));
            }
            Err(e) => return Err(e.into()),
        }
        Ok(Output::One(record))
    }

    /// With a schema: `SingleFieldPath.fieldFrom(schema)` then `valueFrom(struct)`.
    fn with_schema(&self, mut record: Record, top: &Top) -> Result<Output, Error> {
        if top.kind == Kind::Null {
            return self.through_json(record);
        }
        top.require_struct(PURPOSE)?;
        let steps = self.steps();
        if steps.is_empty() {
            return Err(Error::bad_record("Index -1 out of bounds for length 0"));
        }
        let view = record.part(self.part);
        for i in 1..steps.len() {
            match view.schema(&steps[..i]) {
                Ok(Some(info)) if info.type_ == SchemaType::Struct => {}
                Ok(Some(_)) => {
                    return Err(Error::bad_record(
                        "Cannot look up fields on non-struct type",
                    ));
                }
                _ => return self.through_json(record),
            }
        }
        match record
            .part_mut(self.part)
            .extract(&steps, self.replace_null_with_default)
        {
            Ok(()) => Ok(Output::One(record)),
            Err(DataError::NoSuchField(_)) => self.through_json(record),
            Err(e) => Err(e.into()),
        }
    }

    /// The schema'd cases the host's `extract` cannot decide, on the JSON form: a null struct,
    /// a null struct on the way, a field missing from the schema.
    fn through_json(&self, mut record: Record) -> Result<Output, Error> {
        let data = json::read(&record.part(self.part))?;
        let Some(mut schema) = data.schema.as_ref() else {
            return Err(Error::bad_record("Schema required"));
        };
        let unknown = || Error::bad_record(format!("Unknown field: {}", self.original));
        let mut payload = Some(&data.payload);
        for step in &self.steps {
            if json::type_of(schema) != Some(SchemaType::Struct) {
                return Err(Error::bad_record(
                    "Cannot look up fields on non-struct type",
                ));
            }
            schema = json::field(schema, step).ok_or_else(unknown)?;
            payload = payload
                .and_then(|p| p.get(step.as_str()))
                .filter(|v| !v.is_null());
        }
        let mut field_schema = schema.clone();
        if let Value::Object(map) = &mut field_schema {
            map.remove("field");
        }
        let has_default = field_schema.get("default").is_some();
        let value = payload.cloned().unwrap_or(Value::Null);
        let null = value.is_null();
        json::write(
            &mut record,
            self.part,
            &JsonPart {
                schema: Some(field_schema),
                payload: value,
            },
        )?;
        if null && has_default {
            // Kafka's result is null; reading JSON null under a default gave the default.
            record.part_mut(self.part).set(&[], Scalar::Null)?;
        }
        Ok(Output::One(record))
    }
}

/// Splits a `V2` field path into its steps (`SingleFieldPath.buildFieldPathV2`).
pub fn parse_path_v2(path: &str) -> Result<Vec<String>, String> {
    let chars: Vec<char> = path.chars().collect();
    let find = |c: char, from: usize| {
        chars[from.min(chars.len())..]
            .iter()
            .position(|x| *x == c)
            .map(|i| i + from)
    };
    let text = |from: usize, to: usize| chars[from..to].iter().collect::<String>();
    let incomplete = |at: usize| {
        format!(
            "Incomplete backtick pair in path: [{path}], consider adding a backslash before \
             backtick at position {at} to escape it"
        )
    };
    let mut steps = Vec::new();
    let mut idx = 0;
    while idx < chars.len() {
        if chars[idx] != '`' {
            let start = idx;
            match find('.', idx) {
                Some(dot) => {
                    steps.push(text(start, dot));
                    idx = dot + 1;
                }
                None => {
                    steps.push(text(start, chars.len()));
                    idx = chars.len();
                }
            }
            continue;
        }
        let backtick_at = idx;
        idx += 1;
        let mut field = String::new();
        let mut start = idx;
        loop {
            idx = find('`', idx).ok_or_else(|| incomplete(backtick_at))?;
            let escaped = chars[idx - 1] == '\\';
            if idx >= chars.len() - 1 {
                if escaped {
                    return Err(incomplete(backtick_at));
                }
                field.push_str(&text(start, idx));
                steps.push(field);
                idx += 1;
                break;
            }
            if chars[idx + 1] != '.' {
                idx += 1;
                continue;
            }
            if escaped {
                field.push_str(&text(start, idx - 1));
                field.push('`');
                idx += 1;
                start = idx;
                continue;
            }
            field.push_str(&text(start, idx));
            steps.push(field);
            idx += 2;
            break;
        }
    }
    if path.ends_with('.') {
        steps.push(String::new());
    }
    Ok(steps)
}

impl Transform for ExtractField {
    fn configure(ctx: &Context) -> Result<Self, ConfigError> {
        ExtractField::from_config(class_part(ctx, "ExtractField")?, ctx.config())
    }

    fn apply(&self, record: Record) -> Result<Output, Error> {
        let top = Top::inspect(&record.part(self.part))?;
        if top.has_schema() {
            self.with_schema(record, &top)
        } else {
            self.schemaless(record, &top)
        }
    }
}

switchyard_sdk::export_transform!(ExtractField);

#[cfg(test)]
mod tests {
    use super::*;

    fn v2(path: &str) -> Vec<String> {
        parse_path_v2(path).unwrap_or_else(|e| panic!("{e}"))
    }

    /// `FieldPathNotationTest`.
    #[test]
    fn v2_paths_follow_kafka() {
        let cases: &[(&str, &[&str])] = &[
            ("..", &["", "", ""]),
            ("foo..", &["foo", "", ""]),
            (".bar.", &["", "bar", ""]),
            ("..baz", &["", "", "baz"]),
            ("", &[]),
            ("foobarbaz", &["foobarbaz"]),
            ("foo.bar.baz", &["foo", "bar", "baz"]),
            ("foo`bar`baz", &["foo`bar`baz"]),
            ("`foo.bar.baz`", &["foo.bar.baz"]),
            ("foo.`bar.baz`", &["foo", "bar.baz"]),
            ("`foo.bar`.baz", &["foo.bar", "baz"]),
            ("foo.`bar`.baz", &["foo", "bar", "baz"]),
            ("foo.``bar.baz`", &["foo", "`bar.baz"]),
            ("foo.`bar.baz``", &["foo", "bar.baz`"]),
            ("foo.`ba`r.baz`", &["foo", "ba`r.baz"]),
            ("foo.ba`r.baz", &["foo", "ba`r", "baz"]),
            ("foo.``bar``.baz", &["foo", "`bar`", "baz"]),
            ("``foo.bar.baz``", &["`foo.bar.baz`"]),
            ("foo.`bar\\`.baz`", &["foo", "bar`.baz"]),
            ("foo.`bar.`baz`", &["foo", "bar.`baz"]),
            ("foo.`bar\\`.`baz`", &["foo", "bar`.`baz"]),
        ];
        for (path, steps) in cases {
            assert_eq!(v2(path), *steps, "{path}");
        }
    }

    #[test]
    fn v2_rejects_incomplete_backticks() {
        for (path, at) in [
            ("`foo.bar.baz", 0),
            ("foo.`bar.baz", 4),
            ("foo.bar.`baz", 8),
            ("foo.bar.`baz\\`", 8),
        ] {
            assert_eq!(
                parse_path_v2(path),
                Err(format!(
                    "Incomplete backtick pair in path: [{path}], consider adding a backslash \
                     before backtick at position {at} to escape it"
                ))
            );
        }
    }

    #[test]
    fn config() {
        let configure = |entries: &[(&str, &str)]| {
            ExtractField::from_config(Part::Key, &entries.iter().copied().collect())
        };
        let t = configure(&[("field", "magic.foo")]).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(t.steps, vec!["magic.foo"]);
        let t = configure(&[("field", "magic.foo"), ("field.syntax.version", "v2")])
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(t.steps, vec!["magic", "foo"]);
        assert!(t.replace_null_with_default);
        assert_eq!(
            configure(&[("field", "a"), ("field.syntax.version", "V3")]),
            Err(ConfigError::new(
                "field.syntax.version",
                "String must be one of (case insensitive): V1, V2"
            ))
        );
        assert_eq!(configure(&[]), Err(ConfigError::missing("field")));
        assert!(matches!(
            configure(&[("field", "`a"), ("field.syntax.version", "V2")]),
            Err(ConfigError { key, .. }) if key == "field"
        ));
    }
}
