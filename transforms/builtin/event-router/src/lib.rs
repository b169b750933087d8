//! `io.debezium.transforms.outbox.EventRouter` as a Switchyard transform: turns the change events
//! of an outbox table into the domain events they carry (the outbox pattern), routed to one topic
//! per aggregate type.
//!
//! Follows `EventRouter`, `EventRouterDelegate`, `EventRouterConfigDefinition` and
//! `JsonSchemaData` of Debezium 3.x; the defaults have not changed since 2.x.
//!
//! | key | type | default |
//! |---|---|---|
//! | `table.field.event.id` | column, added as header `id` | `id` |
//! | `table.field.event.key` | column, the record key | `aggregateid` |
//! | `table.field.event.type` | column (used through additional fields only) | `type` |
//! | `table.field.event.payload` | column, the record value | `payload` |
//! | `table.field.event.timestamp` | column (`io.debezium.time.Timestamp`, `MicroTimestamp`, `NanoTimestamp`), the record timestamp | none: the envelope's `ts_ms` |
//! | `table.field.event.schema.version` | INT32 column, the value schema's version | none |
//! | `table.fields.additional.placement` | LIST of `column:header\|envelope\|partition[:alias]` | none |
//! | `table.field.additional.missing` | `error`, `ignore` | `error` |
//! | `route.by.field` | column whose value names the topic | `aggregatetype` |
//! | `route.topic.regex` | Java regex over that value | `(?<routedByValue>.*)` |
//! | `route.topic.replacement` | Java replacement | `outbox.event.${routedByValue}` |
//! | `route.tombstone.on.empty.payload` | BOOLEAN: a null or blank payload makes a tombstone | `false` |
//! | `table.op.invalid.behavior` | `warn`, `error`, `fatal` (for updates) | `warn` |
//! | `table.expand.json.payload` | BOOLEAN: a JSON text payload becomes a struct | `false` |
//! | `table.json.payload.null.behavior` | `ignore`, `optional_bytes` | `ignore` |
//! | `table.json.payload.empty.array.behavior` | `ignore`, `optional_string` | `ignore` |
//! | `field.name.adjustment.mode` | `none`, `avro`, `avro_unicode` (expanded JSON field names) | `none` |
//!
//! Per record, as upstream: a tombstone is dropped; anything that is not a Debezium envelope
//! passes unchanged; a delete (`d`) is dropped; an update (`u`) is dropped with a warning or an
//! error in the log (`warn`, `error`) or fails the record (`fatal`). A create or read becomes:
//! * topic: the `route.by.field` column, rewritten by `route.topic.regex` /
//!   `route.topic.replacement` when the regex matches the whole value;
//! * key: the `table.field.event.key` column, with its schema;
//! * value: the payload column with its schema — or, when some additional field is placed in
//!   the `envelope`, a struct `{payload, <aliases>…}` named after the row schema with the routed
//!   value inserted (`…outbox.Value` → `…outbox.<aggregatetype>.Value`); with
//!   `route.tombstone.on.empty.payload`, a null or blank payload makes a tombstone;
//! * headers: the original ones, then `id` and the `header` placements;
//! * partition: the `partition` placement (an INT32 column), else none;
//! * timestamp: as in the table above.
//!
//! With `table.expand.json.payload`, a string payload starting with `{` is parsed and typed as
//! `JsonSchemaData` types it (strings, booleans, INT32 / INT64 / FLOAT64 numbers, optional
//! structs named by their path, optional arrays of one element type); a payload that cannot be
//! expanded stays a string, with a warning.
//!
//! Like upstream, the envelope value schema is cached per payload schema (per version when
//! `table.field.event.schema.version` is set): its name carries the routed value of the first
//! record seen with that payload schema.
//!
//! Differences from upstream:
//! * a key, header or envelope column must be a scalar (the outbox table's columns are);
//! * JSON expansion merges the element schemas of an array of objects in the array's order
//!   (Debezium merges them in `HashSet` order);
//! * a configuration error names the key and the problem; a `route.topic.replacement` that
//!   refers to a group the regex does not have is rejected when configured;
//! * tracing (`tracing.*`) is not supported: Switchyard has no OpenTelemetry.

use std::cell::RefCell;
use std::collections::BTreeMap;

use debezium_support::config::{enumerated, field_invalid};
use debezium_support::envelope::{AFTER, is_envelope, op_code};
use debezium_support::headers::to_header;
use debezium_support::java::{class_name, is_blank, require_struct_message, split};
use debezium_support::json::{self, Json};
use debezium_support::names::{self, Adjustment};
use debezium_support::regex::Rewrite;
use debezium_support::schema::{default_scalar, plain, type_json_name};
use switchyard_sdk::log;
use switchyard_sdk::prelude::*;

/// Where an additional column goes (`AdditionalFieldPlacement`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placement {
    /// A record header.
    Header,
    /// A field of the value struct.
    Envelope,
    /// The record's partition.
    Partition,
}

const PLACEMENTS: &[(&str, Placement)] = &[
    ("header", Placement::Header),
    ("envelope", Placement::Envelope),
    ("partition", Placement::Partition),
];

/// One entry of `table.fields.additional.placement` (`AdditionalField`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdditionalField {
    /// Where it goes.
    pub placement: Placement,
    /// The outbox column.
    pub field: String,
    /// The header or field name (the column name unless an alias is given).
    pub alias: String,
}

/// What to do with an update of the outbox table (`InvalidOperationBehavior`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvalidOperation {
    /// Drop it with a warning.
    Warn,
    /// Drop it with an error in the log.
    Error,
    /// Fail the record.
    Fatal,
}

/// `table.json.payload.null.behavior`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NullBehavior {
    /// JSON nulls are left out of the schema.
    Ignore,
    /// JSON nulls become optional bytes.
    OptionalBytes,
}

/// `table.json.payload.empty.array.behavior`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmptyArrayBehavior {
    /// Empty arrays are left out of the schema.
    Ignore,
    /// Empty arrays become optional arrays of optional strings.
    OptionalString,
}

/// Parses `table.fields.additional.placement` (`parseAdditionalFieldsConfig`, after
/// `AdditionalFieldsValidator.isListOfStringPairs`).
pub fn parse_additional_fields(value: &str) -> Result<Vec<AdditionalField>, String> {
    let mappings: Vec<&str> = value.split(',').map(str::trim).collect();
    let invalid = || {
        format!(
            "A comma-separated list of valid String pairs or trios is expected but got: [{}]",
            mappings.join(", ")
        )
    };
    let mut fields = Vec::new();
    for mapping in &mappings {
        let parts = split(mapping, ':');
        if parts.len() != 2 && parts.len() != 3 {
            return Err(invalid());
        }
        let placement = debezium_support::config::parse_enum(parts[1], PLACEMENTS)
            .ok_or_else(|| format!("Invalid placement '{}' in '{mapping}'", parts[1].trim()))?;
        let field = parts[0].trim().to_owned();
        let alias = parts.get(2).map_or(field.clone(), |a| a.trim().to_owned());
        fields.push(AdditionalField {
            placement,
            field,
            alias,
        });
    }
    Ok(fields)
}

/// The transform, configured.
#[derive(Debug)]
pub struct EventRouter {
    field_event_id: String,
    field_event_key: String,
    field_payload: String,
    field_event_timestamp: Option<String>,
    field_schema_version: Option<String>,
    additional: Vec<AdditionalField>,
    ignore_missing: bool,
    route_by_field: String,
    route: Rewrite,
    tombstone_on_empty_payload: bool,
    invalid_operation: InvalidOperation,
    expand_json: bool,
    json: JsonSchemaData,
    /// The envelope value schema name per payload schema (`payloadSchemaCache`) or version
    /// (`versionedValueSchema`).
    schema_names: RefCell<BTreeMap<String, String>>,
}

impl EventRouter {
    /// Reads the configuration (`EventRouterDelegate.configure`).
    pub fn from_config(config: &Config) -> Result<Self, ConfigError> {
        let string = |key: &str, default: &str| config.raw(key).unwrap_or(default).to_owned();
        let additional = match config.raw("table.fields.additional.placement") {
            None => Vec::new(),
            Some(value) => parse_additional_fields(value)
                .map_err(|m| field_invalid("table.fields.additional.placement", value, &m))?,
        };
        let regex = string("route.topic.regex", "(?<routedByValue>.*)");
        let replacement = string("route.topic.replacement", "outbox.event.${routedByValue}");
        let route = Rewrite::new(
            "route.topic.regex",
            &regex,
            "route.topic.replacement",
            &replacement,
        )?;
        let invalid_operation = enumerated(
            config,
            "table.op.invalid.behavior",
            &[
                ("warn", InvalidOperation::Warn),
                ("error", InvalidOperation::Error),
                ("fatal", InvalidOperation::Fatal),
            ],
            InvalidOperation::Warn,
        )?;
        let ignore_missing = enumerated(
            config,
            "table.field.additional.missing",
            &[("error", false), ("ignore", true)],
            false,
        )?;
        let nulls = enumerated(
            config,
            "table.json.payload.null.behavior",
            &[
                ("ignore", NullBehavior::Ignore),
                ("optional_bytes", NullBehavior::OptionalBytes),
            ],
            NullBehavior::Ignore,
        )?;
        let empty_arrays = enumerated(
            config,
            "table.json.payload.empty.array.behavior",
            &[
                ("ignore", EmptyArrayBehavior::Ignore),
                ("optional_string", EmptyArrayBehavior::OptionalString),
            ],
            EmptyArrayBehavior::Ignore,
        )?;
        let field_names = enumerated(
            config,
            "field.name.adjustment.mode",
            names::MODES,
            Adjustment::None,
        )?;
        Ok(EventRouter {
            field_event_id: string("table.field.event.id", "id"),
            field_event_key: string("table.field.event.key", "aggregateid"),
            field_payload: string("table.field.event.payload", "payload"),
            field_event_timestamp: config.raw("table.field.event.timestamp").map(str::to_owned),
            field_schema_version: config
                .raw("table.field.event.schema.version")
                .map(str::to_owned),
            additional,
            ignore_missing,
            route_by_field: string("route.by.field", "aggregatetype"),
            route,
            tombstone_on_empty_payload: config
                .boolean_or("route.tombstone.on.empty.payload", false)?,
            invalid_operation,
            expand_json: config.boolean_or("table.expand.json.payload", false)?,
            json: JsonSchemaData {
                nulls,
                empty_arrays,
                field_names,
            },
            schema_names: RefCell::new(BTreeMap::new()),
        })
    }

    /// The topic for a `route.by.field` value: rewritten when the regex matches it whole, as is
    /// otherwise (`RegexRouter`).
    pub fn topic_for(&self, routed: &str) -> String {
        self.route
            .apply(routed)
            .unwrap_or_else(|| routed.to_owned())
    }

    /// Whether the value is a struct wrapping the payload (some field placed in `envelope`).
    fn wraps_payload(&self) -> bool {
        self.additional
            .iter()
            .any(|f| f.placement == Placement::Envelope)
    }
}

/// The envelope value schema name (`getSchemaName`): the routed value inserted before the last
/// segment of the row schema's name.
pub fn envelope_schema_name(row_schema_name: Option<&str>, routed: &str) -> String {
    match row_schema_name {
        Some(name) => match name.rfind('.') {
            Some(dot) => format!("{}{routed}.{}", &name[..=dot], &name[dot + 1..]),
            None => format!("{routed}.{name}"),
        },
        None => routed.to_owned(),
    }
}

// ---------------------------------------------------------------------------------------------
// Reading the outbox row.

/// The outbox row (`after`) of one change event, read through the host.
struct Row<'a> {
    record: &'a Record,
    fields: Vec<String>,
}

impl Row<'_> {
    fn has(&self, field: &str) -> bool {
        self.fields.iter().any(|f| f == field)
    }

    fn schema(&self, field: &str) -> Result<SchemaInfo, Error> {
        self.record
            .value()
            .schema(&[AFTER, field])?
            .ok_or_else(|| Error::bad_record("an outbox row has a schema"))
    }

    /// `Struct.get(field)`: the value, or the schema's default when null; a missing column is
    /// Connect's `DataException`.
    fn get(&self, field: &str) -> Result<Scalar, Error> {
        if !self.has(field) {
            return Err(Error::bad_record(format!(
                "{field} is not a valid field name"
            )));
        }
        let value = self.record.value();
        match value.get(&[AFTER, field]) {
            Ok(Scalar::Null) => Ok(default_scalar(&self.schema(field)?).unwrap_or(Scalar::Null)),
            Ok(scalar) => Ok(scalar),
            Err(DataError::WrongType(_)) => Err(Error::bad_record(format!(
                "column {field} is a {}: only scalar columns can be used as key, header or \
                 envelope field",
                class_name(&value, &[AFTER, field])
            ))),
            Err(e) => Err(e.into()),
        }
    }

    /// A typed getter (`getString`, `getInt32`, `getInt64`): no default; the schema type must
    /// match.
    fn get_typed(&self, field: &str, kind: SchemaType, name: &str) -> Result<Scalar, Error> {
        if !self.has(field) {
            return Err(Error::bad_record(format!(
                "{field} is not a valid field name"
            )));
        }
        if self.schema(field)?.type_ != kind {
            return Err(Error::bad_record(format!(
                "Field '{field}' is not of type {name}"
            )));
        }
        Ok(self.record.value().get(&[AFTER, field])?)
    }

    fn get_string(&self, field: &str) -> Result<Option<String>, Error> {
        match self.get_typed(field, SchemaType::String, "STRING")? {
            Scalar::String(s) => Ok(Some(s)),
            _ => Ok(None),
        }
    }

    fn get_int32(&self, field: &str) -> Result<Option<i32>, Error> {
        match self.get_typed(field, SchemaType::Int32, "INT32")? {
            Scalar::Int32(v) => Ok(Some(v)),
            _ => Ok(None),
        }
    }
}

/// The envelope's `ts_ms` (`getInt64("ts_ms")`).
fn envelope_ts_ms(record: &Record) -> Result<Option<i64>, Error> {
    match record.value().get(&["ts_ms"]) {
        Ok(Scalar::Int64(v)) => Ok(Some(v)),
        Ok(Scalar::Null) => Ok(None),
        Ok(_) => Err(Error::bad_record("Field 'ts_ms' is not of type INT64")),
        Err(DataError::NoSuchField(_)) => Err(Error::bad_record("ts_ms is not a valid field name")),
        Err(e) => Err(e.into()),
    }
}

impl EventRouter {
    /// `getEventTimestampMs`.
    fn timestamp(&self, record: &Record, row: &Row<'_>) -> Result<Option<i64>, Error> {
        let Some(field) = &self.field_event_timestamp else {
            return envelope_ts_ms(record);
        };
        if !row.has(field) {
            return Err(Error::bad_record(format!(
                "Unable to find timestamp field {field} in event"
            )));
        }
        let Scalar::Int64(timestamp) = row.get_typed(field, SchemaType::Int64, "INT64")? else {
            return envelope_ts_ms(record);
        };
        match row.schema(field)?.name.as_deref() {
            None => Err(Error::bad_record(
                "Unsupported field type INT64 (without logical schema name) for event timestamp",
            )),
            Some("io.debezium.time.Timestamp") => Ok(Some(timestamp)),
            Some("io.debezium.time.MicroTimestamp") => Ok(Some(timestamp / 1_000)),
            Some("io.debezium.time.NanoTimestamp") => Ok(Some(timestamp / 1_000_000)),
            Some(other) => Err(Error::bad_record(format!(
                "Unsupported field type {other} for event timestamp"
            ))),
        }
    }

    /// The cached envelope value schema name (`getValueSchema`).
    fn schema_name(&self, cache_key: String, compute: impl FnOnce() -> String) -> String {
        let mut cache = self.schema_names.borrow_mut();
        if cache.len() >= 10_000 {
            cache.clear();
        }
        cache.entry(cache_key).or_insert_with(compute).clone()
    }
}

impl Transform for EventRouter {
    fn configure(ctx: &Context) -> Result<Self, ConfigError> {
        EventRouter::from_config(ctx.config())
    }

    fn apply(&self, record: Record) -> Result<Output, Error> {
        if record.value().is_null()? {
            return Ok(Output::Drop);
        }
        if !is_envelope(&record)? {
            return Ok(Output::One(record));
        }
        match op_code(&record)?.as_deref() {
            Some("d") => return Ok(Output::Drop),
            Some("u") => {
                let key = record
                    .key()
                    .to_json()
                    .map(|j| j.payload)
                    .unwrap_or_default();
                match self.invalid_operation {
                    InvalidOperation::Warn => {
                        log::warn(&format!(
                            "Unexpected update message received {key} and ignored"
                        ));
                    }
                    InvalidOperation::Error => {
                        log::error(&format!(
                            "Unexpected update message received {key} and ignored"
                        ));
                    }
                    InvalidOperation::Fatal => {
                        return Err(Error::bad_record(format!(
                            "Unexpected update message received {key}, fail."
                        )));
                    }
                }
                return Ok(Output::Drop);
            }
            _ => {}
        }

        // `afterExtractor` then `requireStruct(…, "Read Outbox Event")`.
        let after_is_struct = record
            .value()
            .schema(&[AFTER])
            .ok()
            .flatten()
            .is_some_and(|s| s.type_ == SchemaType::Struct)
            && record.value().get(&[AFTER]) != Ok(Scalar::Null);
        if !after_is_struct {
            let found = if record.value().get(&[AFTER]) == Ok(Scalar::Null) {
                "null".to_owned()
            } else {
                class_name(&record.value(), &[AFTER])
            };
            return Err(Error::bad_record(require_struct_message(
                "Read Outbox Event",
                &found,
            )));
        }

        let plan = {
            let row = Row {
                record: &record,
                fields: record.value().field_names(&[AFTER])?,
            };
            self.plan(&record, &row)?
        };
        self.build(record, plan)
    }
}

/// Everything read from the outbox row before the record is rebuilt.
struct Plan {
    topic: String,
    key: (SchemaInfo, Scalar),
    headers: Vec<(String, Option<Vec<u8>>)>,
    partition: Option<i32>,
    timestamp: Option<i64>,
    /// `None`: the value is the payload column; `Some`: a struct wrapping it.
    envelope: Option<Wrapper>,
    /// The expanded payload (schema and payload JSON), when `table.expand.json.payload`
    /// succeeded.
    expanded: Option<(Json, Json)>,
    tombstone: bool,
}

/// The value struct wrapping the payload when some field is placed in the `envelope`.
struct Wrapper {
    /// The schema name.
    name: String,
    /// The schema version (`table.field.event.schema.version`).
    version: Option<i32>,
    /// The `(column, alias)` fields after `payload`.
    fields: Vec<(String, String)>,
}

impl EventRouter {
    fn plan(&self, record: &Record, row: &Row<'_>) -> Result<Plan, Error> {
        if !row.has(&self.field_payload) {
            return Err(Error::bad_record(format!(
                "Unable to find payload field {} in event",
                self.field_payload
            )));
        }
        let payload_schema = row.schema(&self.field_payload)?;
        let timestamp = self.timestamp(record, row)?;
        let event_id = row.get(&self.field_event_id)?;
        let payload = match row
            .record
            .value()
            .get(&[AFTER, self.field_payload.as_str()])
        {
            Ok(Scalar::Null) => default_scalar(&payload_schema)
                .map(Some)
                .unwrap_or(Some(Scalar::Null)),
            Ok(scalar) => Some(scalar),
            Err(DataError::WrongType(_)) => None, // a struct, map or array payload
            Err(e) => return Err(e.into()),
        };
        let id_schema = row.schema(&self.field_event_id)?;
        let mut headers = vec![("id".to_owned(), to_header(&event_id, Some(&id_schema)))];

        let mut expanded = None;
        if self.expand_json {
            match &payload {
                Some(Scalar::String(text)) => match self.json.expand(&self.field_payload, text) {
                    Ok(e) => expanded = Some(e),
                    Err(cause) => log::warn(&format!(
                        "JSON expansion of the '{}' field failed; keeping it as an unexpanded \
                         string. Cause: {cause}",
                        self.field_payload
                    )),
                },
                Some(Scalar::Null) => {}
                _ => log::warn("Expand JSON payload is turned on but payload is not a string"),
            }
        }

        let routed = row.get_string(&self.route_by_field)?;
        let envelope = if self.wraps_payload() {
            let routed_name = routed.clone().unwrap_or_else(|| "null".to_owned());
            let row_name = record.value().schema(&[AFTER])?.and_then(|s| s.name);
            let version = match &self.field_schema_version {
                Some(field) => row.get_int32(field)?,
                None => None,
            };
            let cache_key = match (&self.field_schema_version, &expanded) {
                (Some(_), _) => format!("version:{version:?}"),
                (None, Some((schema, _))) => format!("expanded:{}", schema.to_text()),
                (None, None) => format!("column:{payload_schema:?}"),
            };
            let name = self.schema_name(cache_key, || {
                envelope_schema_name(row_name.as_deref(), &routed_name)
            });
            let mut fields = Vec::new();
            for f in &self.additional {
                if f.placement != Placement::Envelope {
                    continue;
                }
                if !row.has(&f.field) {
                    if self.ignore_missing {
                        continue;
                    }
                    return Err(Error::bad_record(format!(
                        "Unable to find field {} in event",
                        f.field
                    )));
                }
                fields.push((f.field.clone(), f.alias.clone()));
            }
            Some(Wrapper {
                name,
                version,
                fields,
            })
        } else {
            None
        };

        let mut partition = None;
        for f in &self.additional {
            if self.ignore_missing && !row.has(&f.field) {
                continue;
            }
            match f.placement {
                Placement::Envelope => {}
                Placement::Header => {
                    let value = row.get(&f.field)?;
                    let schema = row.schema(&f.field)?;
                    headers.push((f.alias.clone(), to_header(&value, Some(&schema))));
                }
                Placement::Partition => partition = row.get_int32(&f.field)?,
            }
        }

        let tombstone = self.tombstone_on_empty_payload
            && expanded.is_none()
            && match &payload {
                Some(Scalar::Null) => true,
                Some(Scalar::String(s)) => is_blank(s),
                _ => false,
            };

        let key_field = &self.field_event_key;
        let key_value = row.get(key_field)?;
        let key_schema = row.schema(key_field)?;
        let Some(topic_value) = routed else {
            return Err(Error::bad_record(format!(
                "the route.by.field column {} is null",
                self.route_by_field
            )));
        };
        Ok(Plan {
            topic: self.topic_for(&topic_value),
            key: (key_schema, key_value),
            headers,
            partition,
            timestamp,
            envelope,
            expanded,
            tombstone,
        })
    }

    fn build(&self, mut record: Record, plan: Plan) -> Result<Output, Error> {
        if plan.tombstone {
            record.value_mut().put(&[], None, Scalar::Null)?;
        } else {
            match (&plan.envelope, &plan.expanded) {
                (None, None) => record
                    .value_mut()
                    .extract(&[AFTER, self.field_payload.as_str()], true)?,
                (None, Some((schema, payload))) => record.value_mut().set_json(&JsonData {
                    schema: Some(schema.to_text()),
                    payload: payload.to_text(),
                })?,
                (
                    Some(Wrapper {
                        name,
                        version,
                        fields,
                    }),
                    expanded,
                ) => {
                    let mut value = record.value_mut();
                    value.extract(&[AFTER], true)?;
                    let mut mapping =
                        vec![FieldMapping::rename(self.field_payload.as_str(), "payload")];
                    let mut later = Vec::new();
                    for (field, alias) in fields {
                        if mapping.iter().any(|m| m.source == *field) {
                            later.push((field.clone(), alias.clone()));
                        } else {
                            mapping.push(FieldMapping::rename(field.as_str(), alias.as_str()));
                        }
                    }
                    // Read the columns placed twice before the row is reshaped.
                    let mut repeated = Vec::new();
                    for (field, alias) in later {
                        let schema = value.schema(&[field.as_str()])?;
                        let scalar = value.get(&[field.as_str()])?;
                        repeated.push((alias, schema, scalar));
                    }
                    if let Some(dup) = mapping
                        .iter()
                        .enumerate()
                        .find(|(i, m)| mapping[..*i].iter().any(|o| o.target == m.target))
                    {
                        return Err(Error::bad_record(format!(
                            "Cannot create field because of field name duplication {}",
                            dup.1.target
                        )));
                    }
                    value.reshape(&[], &mapping, true)?;
                    for (alias, schema, scalar) in repeated {
                        value.put(&[alias.as_str()], schema.as_ref(), scalar)?;
                    }
                    value.rename_schema(&[], Some(name), *version)?;
                    if let Some((schema, payload)) = expanded {
                        let data = value.to_json()?;
                        let wrapped = wrap_expanded(&data, schema, payload)?;
                        value.set_json(&wrapped)?;
                    }
                }
            }
        }
        let (key_schema, key_value) = plan.key;
        record.key_mut().put(&[], Some(&key_schema), key_value)?;
        for (key, value) in plan.headers {
            record.add_header(&key, value.as_deref());
        }
        record.set_partition(plan.partition);
        record.set_timestamp(plan.timestamp);
        record.set_topic(&plan.topic);
        Ok(Output::One(record))
    }
}

/// Replaces the `payload` field of an envelope value (schema and payload) by the expanded JSON.
fn wrap_expanded(data: &JsonData, schema: &Json, payload: &Json) -> Result<JsonData, Error> {
    let bad = |m: String| Error::bad_record(format!("expanding the payload: {m}"));
    let mut value_schema = json::parse(data.schema.as_deref().unwrap_or("null")).map_err(bad)?;
    let mut value = json::parse(&data.payload).map_err(bad)?;
    if let Json::Object(members) = &mut value_schema
        && let Some((_, Json::Array(fields))) = members.iter_mut().find(|(k, _)| k == "fields")
        && let Some(first) = fields.first_mut()
    {
        let mut field = schema.clone();
        if let Json::Object(m) = &mut field {
            m.push(("field".into(), Json::String("payload".into())));
        }
        *first = field;
    }
    if let Json::Object(members) = &mut value
        && let Some((_, v)) = members.iter_mut().find(|(k, _)| k == "payload")
    {
        *v = payload.clone();
    }
    Ok(JsonData {
        schema: Some(value_schema.to_text()),
        payload: value.to_text(),
    })
}

// ---------------------------------------------------------------------------------------------
// JSON payload expansion (`JsonSchemaData`).

/// A schema inferred from JSON.
#[derive(Debug, Clone, PartialEq)]
pub enum Inferred {
    /// `OPTIONAL_STRING_SCHEMA`.
    String,
    /// `OPTIONAL_BOOLEAN_SCHEMA`.
    Boolean,
    /// `OPTIONAL_INT32_SCHEMA`.
    Int32,
    /// `OPTIONAL_INT64_SCHEMA`.
    Int64,
    /// `OPTIONAL_FLOAT64_SCHEMA`.
    Float64,
    /// `OPTIONAL_BYTES_SCHEMA` (JSON nulls with `optional_bytes`).
    Bytes,
    /// An optional array.
    Array(Box<Inferred>),
    /// A struct: its name, whether optional, its fields.
    Struct(Option<String>, bool, Vec<(String, Inferred)>),
}

/// A JSON number as Jackson types it.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Number {
    Int(i32),
    Long(i64),
    BigInteger,
    Double(f64),
}

fn number(text: &str) -> Number {
    if text.contains(['.', 'e', 'E']) {
        return Number::Double(text.parse().unwrap_or(f64::NAN));
    }
    match text.parse::<i64>() {
        Ok(v) => i32::try_from(v).map_or(Number::Long(v), Number::Int),
        Err(_) => Number::BigInteger,
    }
}

/// The settings of `JsonSchemaData`.
#[derive(Debug, Clone, Copy)]
pub struct JsonSchemaData {
    nulls: NullBehavior,
    empty_arrays: EmptyArrayBehavior,
    field_names: Adjustment,
}

impl JsonSchemaData {
    /// Expands a payload string: its inferred schema and its payload, both in
    /// `JsonConverter`'s JSON form, or why it cannot be expanded.
    pub fn expand(&self, key: &str, text: &str) -> Result<(Json, Json), String> {
        if !text.starts_with('{') && !text.starts_with('[') {
            let first = text.chars().next().map(String::from).unwrap_or_default();
            return Err(format!("Unable to parse payload starting with '{first}'"));
        }
        let node = json::parse(text)?;
        let schema = self
            .schema(Some(key), &node)?
            .ok_or_else(|| "no schema for the payload".to_owned())?;
        if !matches!(schema, Inferred::Struct(..)) {
            return Err(
                "org.apache.kafka.connect.errors.DataException: Not a struct schema".into(),
            );
        }
        let payload = self.data(&node, &schema)?;
        Ok((schema_json(&schema), payload))
    }

    /// `toConnectSchema`.
    pub fn schema(&self, key: Option<&str>, node: &Json) -> Result<Option<Inferred>, String> {
        Ok(match node {
            Json::String(_) => Some(Inferred::String),
            Json::Bool(_) => Some(Inferred::Boolean),
            Json::Number(n) => Some(match number(n) {
                Number::Int(_) => Inferred::Int32,
                Number::Long(_) => Inferred::Int64,
                Number::BigInteger | Number::Double(_) => Inferred::Float64,
            }),
            Json::Array(items) if items.is_empty() => match self.empty_arrays {
                EmptyArrayBehavior::OptionalString => {
                    Some(Inferred::Array(Box::new(Inferred::String)))
                }
                EmptyArrayBehavior::Ignore => None,
            },
            Json::Array(items) => Some(Inferred::Array(Box::new(self.element_schema(key, items)?))),
            Json::Object(members) => {
                let mut fields: Vec<(String, Inferred)> = Vec::new();
                for (name, value) in members {
                    let name = self.field_names.adjust(name);
                    let field_key = match key {
                        Some(k) if !k.trim().is_empty() => format!("{k}.{name}"),
                        _ => name.clone(),
                    };
                    if let Some(schema) = self.schema(Some(&field_key), value)?
                        && !fields.iter().any(|(n, _)| *n == name)
                    {
                        fields.push((name, schema));
                    }
                }
                Some(Inferred::Struct(key.map(str::to_owned), true, fields))
            }
            Json::Null => match self.nulls {
                NullBehavior::OptionalBytes => Some(Inferred::Bytes),
                NullBehavior::Ignore => None,
            },
        })
    }

    /// `toConnectSchemaWithCycles`: the element schema of a non-empty array.
    fn element_schema(&self, key: Option<&str>, items: &[Json]) -> Result<Inferred, String> {
        let sample = first_array_element(items)?;
        if let Json::Object(_) = sample {
            let mut distinct: Vec<Inferred> = Vec::new();
            for item in items.iter().filter(|i| matches!(i, Json::Object(_))) {
                if let Some(schema) = self.schema(key, item)?
                    && !distinct.contains(&schema)
                {
                    distinct.push(schema);
                }
            }
            let mut merged: Option<Inferred> = None;
            for schema in distinct {
                merged = Some(match merged {
                    None => schema,
                    Some(left) => merge(left, schema),
                });
            }
            return merged.ok_or_else(|| "Array has unrecognized member schema.".to_owned());
        }
        self.schema(None, sample)?.ok_or_else(|| {
            format!(
                "Array '{}' has unrecognized member schema.",
                sample.to_text()
            )
        })
    }

    /// `toConnectData`: the payload JSON for `node` under `schema`, checked as `Struct.put`
    /// checks it.
    fn data(&self, node: &Json, schema: &Inferred) -> Result<Json, String> {
        let mismatch = || {
            format!(
                "org.apache.kafka.connect.errors.DataException: Invalid Java object for schema \
                 with type {}",
                match schema {
                    Inferred::String => "STRING",
                    Inferred::Boolean => "BOOLEAN",
                    Inferred::Int32 => "INT32",
                    Inferred::Int64 => "INT64",
                    Inferred::Float64 => "FLOAT64",
                    Inferred::Bytes => "BYTES",
                    Inferred::Array(_) => "ARRAY",
                    Inferred::Struct(..) => "STRUCT",
                }
            )
        };
        Ok(match (node, schema) {
            (Json::Null, Inferred::Struct(_, false, _)) => {
                return Err("Invalid value: null used for required field".into());
            }
            (Json::Null, _) => Json::Null,
            (Json::String(s), Inferred::String) => Json::String(s.clone()),
            (Json::Bool(b), Inferred::Boolean) => Json::Bool(*b),
            (Json::Number(n), Inferred::Int32) if matches!(number(n), Number::Int(_)) => {
                Json::Number(n.clone())
            }
            (Json::Number(n), Inferred::Int64) if matches!(number(n), Number::Long(_)) => {
                Json::Number(n.clone())
            }
            (Json::Number(n), Inferred::Float64) if matches!(number(n), Number::Double(_)) => {
                Json::Number(n.clone())
            }
            (Json::Array(items), Inferred::Array(element)) => Json::Array(
                items
                    .iter()
                    .map(|i| self.data(i, element))
                    .collect::<Result<_, _>>()?,
            ),
            (Json::Object(members), Inferred::Struct(_, _, fields)) => {
                let mut out = Vec::with_capacity(fields.len());
                for (name, field_schema) in fields {
                    let value = members
                        .iter()
                        .find(|(k, _)| self.field_names.adjust(k) == *name)
                        .map(|(_, v)| self.data(v, field_schema))
                        .transpose()?
                        .unwrap_or(Json::Null);
                    out.push((name.clone(), value));
                }
                Json::Object(out)
            }
            _ => return Err(mismatch()),
        })
    }
}

/// `getFirstArrayElement`: the first non-null element, after checking that every element has
/// its type (and, for numbers, its schema).
fn first_array_element(items: &[Json]) -> Result<&Json, String> {
    fn kind(j: &Json) -> &'static str {
        match j {
            Json::Null => "NULL",
            Json::Bool(_) => "BOOLEAN",
            Json::Number(_) => "NUMBER",
            Json::String(_) => "STRING",
            Json::Array(_) => "ARRAY",
            Json::Object(_) => "OBJECT",
        }
    }
    let mut reference: Option<&Json> = None;
    for item in items {
        if matches!(item, Json::Null) {
            continue;
        }
        let first = *reference.get_or_insert(item);
        if kind(item) != kind(first) {
            return Err(format!(
                "Field is not a homogenous array ({} x {}).",
                first.to_text(),
                kind(item)
            ));
        }
        if let (Json::Number(a), Json::Number(b)) = (first, item) {
            let class = |n: Number| match n {
                Number::Int(_) => 0,
                Number::Long(_) => 1,
                _ => 2,
            };
            if class(number(a)) != class(number(b)) {
                return Err(format!(
                    "Field is not a homogenous array ({a} x {b}), different number types"
                ));
            }
        }
    }
    Ok(reference.unwrap_or(&Json::Null))
}

/// `mergeSchema`: fields of both, the left's first; a BYTES field (from a null) gives way to a
/// typed one. The result is a required struct (`copySchemaBasics`).
fn merge(left: Inferred, right: Inferred) -> Inferred {
    let (Inferred::Struct(name, _, mut fields), Inferred::Struct(_, _, right_fields)) =
        (left.clone(), right)
    else {
        return left;
    };
    for (name, schema) in right_fields {
        match fields.iter_mut().find(|(n, _)| *n == name) {
            None => fields.push((name, schema)),
            Some((_, old)) => {
                if *old != schema && *old == Inferred::Bytes && schema != Inferred::Bytes {
                    *old = schema;
                }
            }
        }
    }
    Inferred::Struct(name, false, fields)
}

/// An inferred schema in `JsonConverter`'s JSON form.
pub fn schema_json(schema: &Inferred) -> Json {
    let simple = |kind: SchemaType| {
        let info = plain(kind, true);
        Json::Object(vec![
            (
                "type".into(),
                Json::String(type_json_name(info.type_).into()),
            ),
            ("optional".into(), Json::Bool(true)),
        ])
    };
    match schema {
        Inferred::String => simple(SchemaType::String),
        Inferred::Boolean => simple(SchemaType::Boolean),
        Inferred::Int32 => simple(SchemaType::Int32),
        Inferred::Int64 => simple(SchemaType::Int64),
        Inferred::Float64 => simple(SchemaType::Float64),
        Inferred::Bytes => simple(SchemaType::Bytes),
        Inferred::Array(items) => Json::Object(vec![
            ("type".into(), Json::String("array".into())),
            ("items".into(), schema_json(items)),
            ("optional".into(), Json::Bool(true)),
        ]),
        Inferred::Struct(name, optional, fields) => {
            let fields = fields
                .iter()
                .map(|(n, s)| {
                    let mut f = schema_json(s);
                    if let Json::Object(m) = &mut f {
                        m.push(("field".into(), Json::String(n.clone())));
                    }
                    f
                })
                .collect();
            let mut members = vec![
                ("type".into(), Json::String("struct".into())),
                ("fields".into(), Json::Array(fields)),
                ("optional".into(), Json::Bool(*optional)),
            ];
            if let Some(name) = name {
                members.push(("name".into(), Json::String(name.clone())));
            }
            Json::Object(members)
        }
    }
}

switchyard_sdk::export_transform!(EventRouter);

#[cfg(test)]
mod tests {
    use super::*;

    fn router(entries: &[(&str, &str)]) -> Result<EventRouter, ConfigError> {
        EventRouter::from_config(&entries.iter().copied().collect())
    }

    fn expand(text: &str) -> Result<(String, String), String> {
        let data = JsonSchemaData {
            nulls: NullBehavior::Ignore,
            empty_arrays: EmptyArrayBehavior::Ignore,
            field_names: Adjustment::None,
        };
        data.expand("payload", text)
            .map(|(s, p)| (s.to_text(), p.to_text()))
    }

    #[test]
    fn default_routing() {
        let r = router(&[]).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.topic_for("User"), "outbox.event.User");
        assert_eq!(r.topic_for("Address"), "outbox.event.Address");
        let r = router(&[("route.topic.regex", "(?<routedByValue>us.*)")])
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.topic_for("user"), "outbox.event.user");
        assert_eq!(r.topic_for("Order"), "Order", "no match: the raw value");
    }

    #[test]
    fn envelope_names() {
        assert_eq!(
            envelope_schema_name(Some("product.public.outbox.Value"), "Order"),
            "product.public.outbox.Order.Value"
        );
        assert_eq!(envelope_schema_name(Some("Value"), "Order"), "Order.Value");
        assert_eq!(envelope_schema_name(None, "Order"), "Order");
    }

    #[test]
    fn additional_fields() {
        let parsed = parse_additional_fields("type:envelope:payloadType, aggregateid:envelope:payloadId,type:header:payloadType,p:partition")
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(parsed.len(), 4);
        assert_eq!(parsed[0].alias, "payloadType");
        assert_eq!(parsed[3].placement, Placement::Partition);
        assert_eq!(parsed[3].alias, "p");
        for bad in ["type", "", "a:b:c:d"] {
            assert!(parse_additional_fields(bad).is_err(), "{bad}");
        }
        assert!(parse_additional_fields("type:bogus").is_err());
    }

    /// The configuration errors of `EventRouterTest`.
    #[test]
    fn config_errors() {
        let key = |entries: &[(&str, &str)]| router(entries).map(|_| ()).unwrap_err().key;
        assert_eq!(
            key(&[("route.topic.regex", " [[a-z]")]),
            "route.topic.regex"
        );
        assert_eq!(
            key(&[("table.fields.additional.placement", "type")]),
            "table.fields.additional.placement"
        );
        assert_eq!(
            key(&[("table.fields.additional.placement", "")]),
            "table.fields.additional.placement"
        );
        assert_eq!(
            key(&[("table.op.invalid.behavior", "invalidOption")]),
            "table.op.invalid.behavior"
        );
    }

    #[test]
    fn json_expansion() {
        let (schema, payload) =
            expand(r#"{"productId":39,"type":"ProductCreated","price":9.5,"big":10000000000,"ok":true,"tags":["a","b"],"none":null,"empty":[],"nested":{"x":1}}"#)
                .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            schema,
            r#"{"type":"struct","fields":[{"type":"int32","optional":true,"field":"productId"},{"type":"string","optional":true,"field":"type"},{"type":"double","optional":true,"field":"price"},{"type":"int64","optional":true,"field":"big"},{"type":"boolean","optional":true,"field":"ok"},{"type":"array","items":{"type":"string","optional":true},"optional":true,"field":"tags"},{"type":"struct","fields":[{"type":"int32","optional":true,"field":"x"}],"optional":true,"name":"payload.nested","field":"nested"}],"optional":true,"name":"payload"}"#
        );
        assert_eq!(
            payload,
            r#"{"productId":39,"type":"ProductCreated","price":9.5,"big":10000000000,"ok":true,"tags":["a","b"],"nested":{"x":1}}"#
        );
        // Arrays of objects merge their element schemas into one required struct.
        let (schema, payload) =
            expand(r#"{"items":[{"a":1},{"b":"x"}]}"#).unwrap_or_else(|e| panic!("{e}"));
        assert!(schema.contains(r#""items":{"type":"struct","fields":[{"type":"int32","optional":true,"field":"a"},{"type":"string","optional":true,"field":"b"}],"optional":false,"name":"payload.items"}"#), "{schema}");
        assert_eq!(
            payload,
            r#"{"items":[{"a":1,"b":null},{"a":null,"b":"x"}]}"#
        );
        for bad in [
            "not json",
            "[1,2]",
            r#"{"a":[1,"x"]}"#,
            r#"{"a":[1,10000000000]}"#,
            r#"{"a":[null]}"#,
            r#"{"a":123456789012345678901234567890}"#,
            r#"{"a":[{"b":1},{"b":10000000000}]}"#,
        ] {
            assert!(expand(bad).is_err(), "{bad}");
        }
    }
}
