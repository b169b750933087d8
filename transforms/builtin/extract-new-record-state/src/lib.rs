//! `io.debezium.transforms.ExtractNewRecordState` as a Switchyard transform: replaces a Debezium
//! change event by the row it carries (`after`, or `before` for a rewritten delete), the "flat"
//! record sinks and search indexes want.
//!
//! Follows `ExtractNewRecordState`, `AbstractExtractNewRecordState` and
//! `extractnewstate.DefaultDeleteHandlingStrategy` of Debezium 3.x (3.2 and later), and accepts
//! the keys Debezium 3.2 removed with their 2.x meaning (`LegacyDeleteHandlingStrategy`).
//!
//! | key | type | default |
//! |---|---|---|
//! | `delete.tombstone.handling.mode` | `drop`, `tombstone`, `rewrite`, `rewrite-with-tombstone`, `delete-to-tombstone` | `tombstone` |
//! | `route.by.field` | STRING: a row column whose value becomes the topic | `""` (off) |
//! | `add.fields` | LIST of `field`, `struct.field`, either with `:newName` | `""` |
//! | `add.fields.prefix` | STRING | `__` |
//! | `add.headers` | LIST, as `add.fields` | `""` |
//! | `add.headers.prefix` | STRING | `__` |
//! | `drop.fields.header.name` | STRING: a header listing fields to drop | none |
//! | `drop.fields.from.key` | BOOLEAN | `false` |
//! | `drop.fields.keep.schema.compatible` | BOOLEAN: only drop optional fields | `true` |
//! | `replace.null.with.default` | BOOLEAN: in rewrite modes, a null column with a default takes it | `true` |
//! | `drop.tombstones` (2.x, deprecated) | BOOLEAN | `true` |
//! | `delete.handling.mode` (2.x, deprecated) | `drop`, `none`, `rewrite` | `drop` |
//!
//! **Defaults, by version.** With no option at all, Debezium ≤ 3.1 dropped deletes and
//! tombstones (the legacy pair's defaults), while Debezium ≥ 3.2 keeps a delete as a null value
//! (`tombstone`). This port follows 3.2+: `delete.tombstone.handling.mode` defaults to
//! `tombstone`. When `delete.tombstone.handling.mode` is not set but `drop.tombstones` or
//! `delete.handling.mode` is, the legacy strategy runs exactly as in 2.x — the unset one of the
//! pair takes its 2.x default — and a deprecation warning is logged. When both generations are
//! set, `delete.tombstone.handling.mode` wins, as it did in 2.5 – 3.1.
//!
//! Per record, as upstream:
//! 1. For an envelope or a tombstone, the `add.headers` are appended (a tombstone only gets the
//!    `op` header, `d`).
//! 2. A tombstone is dropped, except in `rewrite-with-tombstone` (legacy: unless
//!    `drop.tombstones=false`).
//! 3. Anything that is not a Debezium envelope (heartbeats, schema changes, schemaless data)
//!    passes unchanged.
//! 4. `after` and `before` both null (a truncate): dropped (legacy: kept unchanged when
//!    `drop.tombstones=false`).
//! 5. A delete: `drop` drops it; `tombstone` keeps the key with a null value whose schema is the
//!    row schema; `delete-to-tombstone` makes a real tombstone (no value schema); the rewrite
//!    modes take `before` and append `__deleted = "true"`. Then `route.by.field` (from
//!    `before`), the dropped fields, and `add.fields` if the value is not null.
//! 6. Otherwise the value becomes `after` (plus `__deleted = "false"` in the rewrite modes), then
//!    `route.by.field`, `add.fields`, the dropped fields.
//!
//! The value never passes through the guest: the row is made the value with the host's
//! `extract`, added fields are appended with `put`, dropped ones removed with `reshape`. Only the
//! few scalars named in the configuration are read.
//!
//! Differences from upstream, all at the edges:
//! * a configuration error names the key and the problem (`The 'x' value is invalid: …`) where
//!   Debezium logs that and throws `Unable to validate config.`;
//! * only scalar envelope fields can be added (Debezium fails too on a struct field in
//!   `add.fields`, and renders a struct header as text, which this port refuses);
//! * the `drop.fields.header.name` header is read as a JSON array of strings (`["a","b"]`) or
//!   `[a, b]`, the forms Kafka's `SimpleHeaderConverter` reads into a `List`; with
//!   `delete-to-tombstone` a delete has no value schema and nothing is dropped from it (Debezium
//!   throws a `NullPointerException` there).

use debezium_support::config::{enumerated, field_invalid};
use debezium_support::envelope::{AFTER, BEFORE, OPERATION, SOURCE, TRANSACTION, is_envelope};
use debezium_support::headers::to_header;
use debezium_support::java::{self, class_name};
use debezium_support::json::{self, Json};
use debezium_support::schema::{optional_copy, plain};
use switchyard_sdk::log;
use switchyard_sdk::prelude::*;

/// `ExtractNewRecordStateConfigDefinition.DELETED_FIELD`.
pub const DELETED_FIELD: &str = "__deleted";

/// `delete.tombstone.handling.mode` (`ExtractNewRecordStateConfigDefinition.DeleteTombstoneHandling`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Deletes and tombstones are dropped.
    Drop,
    /// A delete becomes a null value (with the row schema); tombstones are dropped.
    Tombstone,
    /// A delete becomes its `before` row with `__deleted = "true"`; tombstones are dropped.
    Rewrite,
    /// As `Rewrite`, and tombstones are kept.
    RewriteWithTombstone,
    /// A delete becomes a tombstone (no value, no value schema); tombstones are dropped.
    DeleteToTombstone,
}

const MODES: &[(&str, Mode)] = &[
    ("drop", Mode::Drop),
    ("tombstone", Mode::Tombstone),
    ("rewrite", Mode::Rewrite),
    ("rewrite-with-tombstone", Mode::RewriteWithTombstone),
    ("delete-to-tombstone", Mode::DeleteToTombstone),
];

/// The 2.x `delete.handling.mode` (`ExtractNewRecordStateConfigDefinition.DeleteHandling`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LegacyMode {
    /// Deletes are dropped.
    Drop,
    /// A delete becomes a null value with the row schema.
    None,
    /// A delete becomes its `before` row with `__deleted = "true"`.
    Rewrite,
}

const LEGACY_MODES: &[(&str, LegacyMode)] = &[
    ("drop", LegacyMode::Drop),
    ("none", LegacyMode::None),
    ("rewrite", LegacyMode::Rewrite),
];

/// How deletes, tombstones and truncates are handled (`ExtractRecordStrategy`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strategy {
    /// `DefaultDeleteHandlingStrategy`, from `delete.tombstone.handling.mode`.
    Default(Mode),
    /// `LegacyDeleteHandlingStrategy`, from `drop.tombstones` and `delete.handling.mode`.
    Legacy {
        /// `drop.tombstones`.
        drop_tombstones: bool,
        /// `delete.handling.mode`.
        mode: LegacyMode,
    },
}

/// What becomes of a delete event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeleteAction {
    /// Dropped.
    Drop,
    /// A null value with the row schema (a "flattened delete").
    NullValue,
    /// A real tombstone: no value, no value schema.
    Tombstone,
    /// The `before` row with `__deleted = "true"`.
    Rewrite,
}

impl Strategy {
    /// Whether a tombstone is passed on (`handleTombstoneRecord`).
    pub fn keeps_tombstones(self) -> bool {
        match self {
            Strategy::Default(mode) => mode == Mode::RewriteWithTombstone,
            Strategy::Legacy {
                drop_tombstones, ..
            } => !drop_tombstones,
        }
    }

    /// Whether a truncate event is passed on unchanged (`handleTruncateRecord`).
    pub fn keeps_truncates(self) -> bool {
        matches!(
            self,
            Strategy::Legacy {
                drop_tombstones: false,
                ..
            }
        )
    }

    /// What a delete becomes (`handleDeleteRecord`).
    pub fn delete(self) -> DeleteAction {
        match self {
            Strategy::Default(Mode::Drop)
            | Strategy::Legacy {
                mode: LegacyMode::Drop,
                ..
            } => DeleteAction::Drop,
            Strategy::Default(Mode::Tombstone)
            | Strategy::Legacy {
                mode: LegacyMode::None,
                ..
            } => DeleteAction::NullValue,
            Strategy::Default(Mode::DeleteToTombstone) => DeleteAction::Tombstone,
            Strategy::Default(Mode::Rewrite | Mode::RewriteWithTombstone)
            | Strategy::Legacy {
                mode: LegacyMode::Rewrite,
                ..
            } => DeleteAction::Rewrite,
        }
    }

    /// Whether inserts and updates get `__deleted = "false"` (`isRewriteMode`).
    pub fn rewrites(self) -> bool {
        self.delete() == DeleteAction::Rewrite
    }
}

/// An envelope field named in `add.fields` or `add.headers`
/// (`AbstractExtractNewRecordState.FieldReference`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldReference {
    /// The struct holding the field (`source`, `transaction`), `None` for a top-level field.
    pub parent: Option<String>,
    /// The field's name.
    pub field: String,
    /// The name of the added field or header.
    pub new_field: String,
}

impl FieldReference {
    /// Parses one entry: `field`, `struct.field`, either followed by `:newName`. An unqualified
    /// field lives in `transaction` (`id`, `total_order`, `data_collection_order`), at the top
    /// (`op`, `ts_ms`, `ts_us`, `ts_ns`), in `updateDescription` (MongoDB) or in `source`.
    pub fn parse(prefix: &str, entry: &str) -> Result<FieldReference, String> {
        let parts = java::split(entry, ':');
        let first = parts.first().copied().unwrap_or("");
        let splits = java::split(first, '.');
        let qualified = splits.len() > 1;
        let field = if qualified {
            splits[1]
        } else {
            splits.first().copied().unwrap_or("")
        };
        let parent = if qualified {
            Some(splits[0].to_owned())
        } else {
            match field {
                "id" | "total_order" | "data_collection_order" => Some(TRANSACTION.to_owned()),
                "op" | "ts_ms" | "ts_us" | "ts_ns" => None,
                "updateDescription" => Some("updateDescription".to_owned()),
                _ => Some(SOURCE.to_owned()),
            }
        };
        let new_field = match parts.len() {
            0 | 1 if qualified => format!("{prefix}{}_{field}", splits[0]),
            0 | 1 => format!("{prefix}{field}"),
            2 => format!("{prefix}{}", parts[1]),
            _ => return Err(format!("Unexpected field name: {entry}")),
        };
        Ok(FieldReference {
            parent,
            field: field.to_owned(),
            new_field,
        })
    }

    /// Parses a whole `add.fields` / `add.headers` value: split on `,`, each entry trimmed
    /// (`FieldReference.fromConfiguration`).
    pub fn parse_list(prefix: &str, value: &str) -> Result<Vec<FieldReference>, String> {
        if value.is_empty() {
            return Ok(Vec::new());
        }
        java::split(value, ',')
            .into_iter()
            .map(|entry| FieldReference::parse(prefix, entry.trim()))
            .collect()
    }
}

/// The transform, configured.
#[derive(Debug, Clone)]
pub struct ExtractNewRecordState {
    strategy: Strategy,
    route_by_field: Option<String>,
    add_fields: Vec<FieldReference>,
    add_headers: Vec<FieldReference>,
    drop_fields_header: Option<String>,
    drop_fields_from_key: bool,
    drop_fields_keep_schema_compatible: bool,
    replace_null_with_default: bool,
    /// The reads of every record in one batch, built once; `None` when `drop.fields.header.name`
    /// is set (that rarer configuration reads field by field).
    plan: Option<ReadPlan>,
}

/// The batch of reads that decides what becomes of a record, and where each answer is.
#[derive(Debug, Clone)]
struct ReadPlan {
    reads: Batch,
    value_null: usize,
    value_schema: usize,
    after: usize,
    before: usize,
    route_after: Option<usize>,
    route_before: Option<usize>,
    /// Probes of `add.fields`, then of `add.headers`, in their order.
    refs: Vec<RefProbe>,
    /// Whether each added field's name is already a field of `after` / `before`.
    taken_after: Vec<usize>,
    taken_before: Vec<usize>,
    /// The rows, and the places the changes write in each.
    after_row: RowPaths,
    before_row: RowPaths,
    /// Where each added field is read when its struct (or the top) has it.
    sources: Vec<Path>,
}

/// The registered paths of one row of the envelope (`after` or `before`) that the changes
/// name.
#[derive(Debug, Clone)]
struct RowPaths {
    row: Path,
    deleted: Path,
    /// Each added field's place in the row.
    added: Vec<Path>,
}

impl RowPaths {
    fn new(row: &str, add_fields: &[FieldReference]) -> Self {
        RowPaths {
            row: Path::new(&[row]),
            deleted: Path::new(&[row, DELETED_FIELD]),
            added: add_fields
                .iter()
                .map(|r| Path::new(&[row, r.new_field.as_str()]))
                .collect(),
        }
    }
}

/// The reads that resolve one field reference (`FieldReference.getSchema` / `getValue`).
#[derive(Debug, Clone, Copy)]
struct RefProbe {
    /// `exists` of the named struct.
    parent: Option<usize>,
    /// `is-null-at` of the named struct (for headers: a field is copied by the host, which
    /// knows).
    parent_value: Option<usize>,
    /// `get-typed` of the field in the struct (or at the top without a struct); a field the
    /// struct lacks (Debezium then looks at the top) is read field by field.
    nested: usize,
}

impl ReadPlan {
    fn new(
        route_by_field: Option<&str>,
        add_fields: &[FieldReference],
        add_headers: &[FieldReference],
    ) -> Self {
        let mut reads = Batch::new();
        let value_null = reads.is_null(Part::Value);
        let value_schema = reads.schema(Part::Value, &[]);
        let after = reads.is_null_at(Part::Value, &[AFTER]);
        let before = reads.is_null_at(Part::Value, &[BEFORE]);
        let (route_after, route_before) = match route_by_field {
            Some(field) => (
                Some(reads.get(Part::Value, &[AFTER, field])),
                Some(reads.get(Part::Value, &[BEFORE, field])),
            ),
            None => (None, None),
        };
        let header_from = add_fields.len();
        let refs = add_fields
            .iter()
            .chain(add_headers)
            .enumerate()
            .map(|(i, r)| {
                // A header needs the field's value; an added field is copied by the host, so
                // its schema says all (and the answers do not vary with the value).
                let header = i >= header_from;
                let mut probe = |path: &[&str]| match header {
                    true => reads.get_typed(Part::Value, path),
                    false => reads.schema(Part::Value, path),
                };
                match &r.parent {
                    Some(parent) => {
                        let nested = probe(&[parent.as_str(), &r.field]);
                        RefProbe {
                            parent: Some(reads.exists(Part::Value, &[parent.as_str()])),
                            parent_value: header
                                .then(|| reads.is_null_at(Part::Value, &[parent.as_str()])),
                            nested,
                        }
                    }
                    None => RefProbe {
                        parent: None,
                        parent_value: None,
                        nested: probe(&[r.field.as_str()]),
                    },
                }
            })
            .collect();
        let taken_after = add_fields
            .iter()
            .map(|r| reads.exists(Part::Value, &[AFTER, &r.new_field]))
            .collect();
        let taken_before = add_fields
            .iter()
            .map(|r| reads.exists(Part::Value, &[BEFORE, &r.new_field]))
            .collect();
        ReadPlan {
            reads,
            value_null,
            value_schema,
            after,
            before,
            route_after,
            route_before,
            refs,
            taken_after,
            taken_before,
            after_row: RowPaths::new(AFTER, add_fields),
            before_row: RowPaths::new(BEFORE, add_fields),
            sources: add_fields
                .iter()
                .map(|r| match &r.parent {
                    Some(parent) => Path::new(&[parent.as_str(), &r.field]),
                    None => Path::new(&[r.field.as_str()]),
                })
                .collect(),
        }
    }
}

/// A log line to write once configured.
pub type Notice = String;

impl ExtractNewRecordState {
    /// Reads the configuration (`AbstractExtractNewRecordState.configure`,
    /// `ExtractNewRecordState.configure`); returns the warnings to log.
    pub fn from_config(config: &Config) -> Result<(Self, Vec<Notice>), ConfigError> {
        let mut notices = Vec::new();
        let legacy_set =
            config.contains("drop.tombstones") || config.contains("delete.handling.mode");
        let mode_set = config
            .optional_string("delete.tombstone.handling.mode")
            .is_some_and(|v| !v.is_empty());
        let strategy = if mode_set || !legacy_set {
            if legacy_set {
                notices.push(
                    "\"drop.tombstones\" and \"delete.handling.mode\" are ignored: \
                     \"delete.tombstone.handling.mode\" is set"
                        .to_owned(),
                );
            }
            Strategy::Default(enumerated(
                config,
                "delete.tombstone.handling.mode",
                MODES,
                Mode::Tombstone,
            )?)
        } else {
            notices.push(
                "The deleted record handling configs \"drop.tombstones\" and \
                 \"delete.handling.mode\" have been deprecated, please use \
                 \"delete.tombstone.handling.mode\" instead."
                    .to_owned(),
            );
            Strategy::Legacy {
                drop_tombstones: config.boolean_or("drop.tombstones", true)?,
                mode: enumerated(
                    config,
                    "delete.handling.mode",
                    LEGACY_MODES,
                    LegacyMode::Drop,
                )?,
            }
        };
        let route_by_field = config
            .optional_string("route.by.field")
            .filter(|s| !s.is_empty());
        let list = |key: &str, prefix_key: &str| {
            let prefix = config.raw(prefix_key).unwrap_or("__");
            let value = config.raw(key).unwrap_or("");
            FieldReference::parse_list(prefix, value).map_err(|m| field_invalid(key, value, &m))
        };
        let add_fields = list("add.fields", "add.fields.prefix")?;
        let add_headers = list("add.headers", "add.headers.prefix")?;
        let drop_fields_header = config
            .optional_string("drop.fields.header.name")
            .filter(|s| !s.is_empty());
        let plan = drop_fields_header
            .is_none()
            .then(|| ReadPlan::new(route_by_field.as_deref(), &add_fields, &add_headers));
        Ok((
            ExtractNewRecordState {
                strategy,
                route_by_field,
                add_fields,
                add_headers,
                drop_fields_header,
                drop_fields_from_key: config.boolean_or("drop.fields.from.key", false)?,
                drop_fields_keep_schema_compatible: config
                    .boolean_or("drop.fields.keep.schema.compatible", true)?,
                replace_null_with_default: config.boolean_or("replace.null.with.default", true)?,
                plan,
            },
            notices,
        ))
    }

    /// The strategy for deletes and tombstones.
    pub fn strategy(&self) -> Strategy {
        self.strategy
    }

    /// The added fields, parsed.
    pub fn add_fields(&self) -> &[FieldReference] {
        &self.add_fields
    }

    /// The added headers, parsed.
    pub fn add_headers(&self) -> &[FieldReference] {
        &self.add_headers
    }
}

/// Whether the envelope field `name` is null: `Ok(true)` for null, `Ok(false)` for a struct.
fn is_null_field(record: &Record, name: &str) -> Result<bool, Error> {
    match record.value().get(&[name]) {
        Ok(Scalar::Null) => Ok(true),
        Ok(_) | Err(DataError::WrongType(_)) => Ok(false),
        Err(DataError::NoSuchField(_)) => Err(Error::bad_record(format!("Unknown field: {name}"))),
        Err(e) => Err(e.into()),
    }
}

/// `Struct.getString(field)` of a row struct, for `route.by.field`.
fn get_string(record: &Record, row: &str, field: &str) -> Result<Option<String>, Error> {
    string_field(record.value().get(&[row, field]).as_ref(), field)
}

/// What `Struct.getString(field)` makes of a field read: its text, `None` for null, or the
/// error Kafka throws.
fn string_field(found: Result<&Scalar, &DataError>, field: &str) -> Result<Option<String>, Error> {
    match found {
        Ok(Scalar::String(s)) => Ok(Some(s.clone())),
        Ok(Scalar::Null) => Ok(None),
        Ok(_) | Err(DataError::WrongType(_)) => Err(Error::bad_record(format!(
            "Field '{field}' is not of type STRING"
        ))),
        Err(DataError::NoSuchField(_)) => Err(Error::bad_record(format!(
            "{field} is not a valid field name"
        ))),
        Err(e) => Err(e.clone().into()),
    }
}

/// A header to append: its key and value (`None` for a null value).
type NewHeader = (String, Option<Vec<u8>>);

/// Where an added field's value comes from.
enum Added {
    /// The envelope path the host copies it from.
    Copy(Path),
    /// Its schema and value, read field by field.
    Put(Resolved),
}

/// One resolved field reference: the name to add, its schema (made optional) and its value.
struct Resolved {
    name: String,
    schema: SchemaInfo,
    value: Scalar,
}

impl ExtractNewRecordState {
    /// Reads a field reference from the original envelope (`FieldReference.getSchema` and
    /// `getValue`): `None` when the field is in neither the named struct nor the envelope.
    fn resolve(&self, r: &FieldReference, record: &Record) -> Result<Option<Resolved>, Error> {
        let value = record.value();
        // Probing one path is one host call; listing a struct's fields lowers every name.
        let exists = |path: &[&str]| match value.schema(path) {
            Ok(_) => Ok(true),
            Err(DataError::NoSuchField(_)) => Ok(false),
            Err(e) => Err(Error::from(e)),
        };
        let parent: Vec<&str> = r.parent.iter().map(String::as_str).collect();
        if !parent.is_empty() && !exists(&parent)? {
            // `originalRecordSchema.field(struct).schema()` on a missing struct.
            return Err(Error::bad_record(
                "Cannot invoke \"org.apache.kafka.connect.data.Field.schema()\" because the \
                 return value of \"org.apache.kafka.connect.data.Schema.field(String)\" is null",
            ));
        }
        let nested: Vec<&str> = parent.iter().copied().chain([r.field.as_str()]).collect();
        let in_parent = exists(&nested)?;
        let path: Vec<&str> = if in_parent {
            nested
        } else if exists(&[r.field.as_str()])? {
            vec![r.field.as_str()]
        } else {
            return Ok(None);
        };
        let parent_is_null = !parent.is_empty() && value.get(&parent) == Ok(Scalar::Null);
        let (schema, scalar) = if parent_is_null {
            // `transaction` outside a transaction: the field is added, null, with its schema.
            (value.schema(&path)?, Scalar::Null)
        } else {
            let scalar = match value.get(&path) {
                Ok(s) => s,
                Err(DataError::WrongType(_)) => {
                    return Err(Error::bad_record(format!(
                        "Cannot add {}: {} is a {}, only scalar fields can be added",
                        r.new_field,
                        path.join("."),
                        class_name(&value, &path)
                    )));
                }
                Err(e) => return Err(e.into()),
            };
            (value.schema(&path)?, scalar)
        };
        let schema = schema.ok_or_else(|| Error::bad_record("a Debezium envelope has a schema"))?;
        Ok(Some(Resolved {
            name: r.new_field.clone(),
            schema: optional_copy(&schema),
            value: scalar,
        }))
    }

    fn resolve_all(
        &self,
        refs: &[FieldReference],
        record: &Record,
    ) -> Result<Vec<Resolved>, Error> {
        let mut out = Vec::with_capacity(refs.len());
        for r in refs {
            if let Some(resolved) = self.resolve(r, record)? {
                out.push(resolved);
            }
        }
        Ok(out)
    }

    /// `makeHeaders`: the headers to append, from the original envelope, or for a tombstone
    /// only `op` = `d`.
    fn headers(&self, record: &Record, tombstone: bool) -> Result<Vec<NewHeader>, Error> {
        if tombstone {
            return Ok(self
                .add_headers
                .iter()
                .filter(|r| r.field == OPERATION)
                .map(|r| (r.new_field.clone(), Some(b"d".to_vec())))
                .collect());
        }
        Ok(self
            .resolve_all(&self.add_headers, record)?
            .into_iter()
            .map(|r| {
                let bytes = to_header(&r.value, Some(&r.schema));
                (r.name, bytes)
            })
            .collect())
    }

    /// `addFields`: the value rebuilt (`copySchemaBasics`, values without defaults) with the
    /// resolved fields appended.
    fn add_fields_to(&self, record: &mut Record, fields: Vec<Resolved>) -> Result<(), Error> {
        let existing = record.value().field_names(&[])?;
        let identity: Vec<FieldMapping> = existing.iter().map(FieldMapping::keep).collect();
        let mut value = record.value_mut();
        value.reshape(&[], &identity, false)?;
        let mut names = existing;
        for field in fields {
            if names.contains(&field.name) {
                return Err(Error::bad_record(format!(
                    "Cannot create field because of field name duplication {}",
                    field.name
                )));
            }
            value.put(&[field.name.as_str()], Some(&field.schema), field.value)?;
            names.push(field.name);
        }
        Ok(())
    }

    /// `InsertField` of `__deleted`: the value rebuilt (`copySchemaBasics`, defaults applied as
    /// `replace.null.with.default` says) with the optional string field appended.
    fn mark_deleted(&self, record: &mut Record, deleted: bool) -> Result<(), Error> {
        let existing = record.value().field_names(&[])?;
        let identity: Vec<FieldMapping> = existing.iter().map(FieldMapping::keep).collect();
        let mut value = record.value_mut();
        value.reshape(&[], &identity, self.replace_null_with_default)?;
        value.put(
            &[DELETED_FIELD],
            Some(&plain(SchemaType::String, true)),
            if deleted { "true" } else { "false" },
        )?;
        Ok(())
    }

    /// `dropFields`: removes the fields the `drop.fields.header.name` header lists.
    fn drop_fields(&self, record: &mut Record) -> Result<(), Error> {
        let Some(header_name) = &self.drop_fields_header else {
            return Ok(());
        };
        // `getHeaderByName`: the first header with that name.
        let Some(header) = record.headers().into_iter().find(|h| h.key == *header_name) else {
            return Ok(());
        };
        let Some(bytes) = header.value else {
            return Ok(());
        };
        let names = parse_string_list(&bytes).ok_or_else(|| {
            Error::bad_record(
                "class java.lang.String cannot be cast to class java.util.List \
                 (drop.fields.header.name must name a header holding a list of field names)",
            )
        })?;
        if names.is_empty() {
            return Ok(());
        }
        if self.drop_fields_from_key && !record.key().is_null()? {
            self.drop_from(record, Part::Key, &names)?;
        }
        if !record.value().is_null()? {
            self.drop_from(record, Part::Value, &names)?;
        }
        Ok(())
    }

    /// `ReplaceField` with `exclude` on one part, restricted to its optional fields when
    /// `drop.fields.keep.schema.compatible` is set (`getFieldsToDropFromSchema`).
    fn drop_from(&self, record: &mut Record, part: Part, names: &[String]) -> Result<(), Error> {
        let view = record.part(part);
        let fields = view.field_names(&[])?;
        let has_schema = view.has_schema()?;
        if self.drop_fields_keep_schema_compatible && !has_schema {
            return Err(Error::bad_record(
                "Cannot invoke \"org.apache.kafka.connect.data.Schema.fields()\" because \
                 \"schema\" is null",
            ));
        }
        let mut drop = Vec::new();
        for field in &fields {
            if !names.contains(field) {
                continue;
            }
            let optional = !self.drop_fields_keep_schema_compatible
                || view.schema(&[field.as_str()])?.is_some_and(|s| s.optional);
            if optional {
                drop.push(field.as_str());
            }
        }
        if drop.is_empty() {
            return Ok(());
        }
        let keep: Vec<FieldMapping> = fields
            .iter()
            .filter(|f| !drop.contains(&f.as_str()))
            .map(FieldMapping::keep)
            .collect();
        record.part_mut(part).reshape(&[], &keep, true)?;
        Ok(())
    }

    fn set_topic(record: &mut Record, topic: Option<String>) {
        // `setTopic`: a null or blank value leaves the topic as it is.
        if let Some(topic) = topic.filter(|t| !t.trim().is_empty()) {
            record.set_topic(&topic);
        }
    }
}

/// A header value read as a list of strings: a JSON array of strings, or `[a, b]`.
pub fn parse_string_list(bytes: &[u8]) -> Option<Vec<String>> {
    let text = std::str::from_utf8(bytes).ok()?.trim();
    if let Ok(Json::Array(items)) = json::parse(text) {
        return items
            .iter()
            .map(|i| i.as_str().map(str::to_owned))
            .collect();
    }
    let inner = text.strip_prefix('[')?.strip_suffix(']')?.trim();
    if inner.is_empty() {
        return Some(Vec::new());
    }
    Some(inner.split(',').map(|s| s.trim().to_owned()).collect())
}

impl Transform for ExtractNewRecordState {
    fn configure(ctx: &Context) -> Result<Self, ConfigError> {
        let (transform, notices) = ExtractNewRecordState::from_config(ctx.config())?;
        for notice in notices {
            log::warn(&notice);
        }
        // `apply` is a function of what the record answers (the batched path reads no value it
        // only copies): the host may replay it.
        switchyard_sdk::declare::depends_only_on_answers();
        Ok(transform)
    }

    fn apply(&self, record: Record) -> Result<Output, Error> {
        match &self.plan {
            Some(plan) => self.apply_batched(plan, record),
            None => self.apply_by_field(record),
        }
    }
}

/// Whether the envelope field answered at `index` is null: `Ok(true)` for null, `Ok(false)`
/// for a struct (as [`is_null_field`]).
fn answered_null(answers: &Answers, index: usize, name: &str) -> Result<bool, Error> {
    match answers.flag(index) {
        Ok(null) => Ok(null),
        Err(DataError::NoSuchField(_)) => Err(Error::bad_record(format!("Unknown field: {name}"))),
        Err(e) => Err(e.into()),
    }
}

/// `Struct.getString(field)` of a row struct from its answer (as [`get_string`]).
fn answered_string(answers: &Answers, index: usize, field: &str) -> Result<Option<String>, Error> {
    let found = answers.scalar(index);
    string_field(found.as_ref().map(|s| *s), field)
}

impl ExtractNewRecordState {
    /// A field reference resolved from the batch's answers, as [`Self::resolve`] does; the
    /// outer `None` when the answers hold something unusual (a struct-valued field, an envelope
    /// without a schema), which [`Self::resolve`] then reads and reports field by field.
    fn resolve_answered(
        r: &FieldReference,
        probe: &RefProbe,
        answers: &Answers,
    ) -> Option<Result<Option<Resolved>, Error>> {
        if let Some(parent) = probe.parent
            && answers.flag(parent) != Ok(true)
        {
            return None;
        }
        let typed = match answers.typed(probe.nested) {
            Ok(typed) => typed,
            Err(DataError::NoSuchField(_)) if probe.parent.is_none() => return Some(Ok(None)),
            Err(_) => return None,
        };
        let parent_is_null = probe
            .parent_value
            .is_some_and(|i| answers.flag(i) == Ok(true));
        let schema = typed.schema.as_ref()?;
        Some(Ok(Some(Resolved {
            name: r.new_field.clone(),
            schema: optional_copy(schema),
            value: if parent_is_null {
                Scalar::Null
            } else {
                typed.value.clone()
            },
        })))
    }

    /// The references `refs` (probed at `probes`) resolved from the answers, falling back to
    /// field-by-field reads for any the answers cannot settle.
    fn resolve_all_answered(
        &self,
        refs: &[FieldReference],
        probes: &[RefProbe],
        answers: &Answers,
        record: &Record,
    ) -> Result<Vec<Resolved>, Error> {
        let mut out = Vec::with_capacity(refs.len());
        for (r, probe) in refs.iter().zip(probes) {
            let resolved = match Self::resolve_answered(r, probe, answers) {
                Some(resolved) => resolved?,
                None => self.resolve(r, record)?,
            };
            out.extend(resolved);
        }
        Ok(out)
    }

    /// Where each added field comes from, settled from the batch's answers; a reference the
    /// answers cannot settle (a struct-valued field, a field its struct lacks) is read field by
    /// field.
    fn settle_added(
        &self,
        plan: &ReadPlan,
        answers: &Answers,
        record: &Record,
    ) -> Result<Vec<(usize, Added)>, Error> {
        let mut out = Vec::with_capacity(self.add_fields.len());
        for (i, (r, probe)) in self.add_fields.iter().zip(&plan.refs).enumerate() {
            let parent_found = probe.parent.is_none_or(|p| answers.flag(p) == Ok(true));
            // The probe of an added field is its schema: a scalar one is what `get-typed`
            // would read.
            let scalar = matches!(
                answers.schema(probe.nested),
                Ok(Some(s)) if !matches!(
                    s.type_,
                    SchemaType::Struct | SchemaType::Array | SchemaType::Map
                )
            );
            let settled = match answers.ok(probe.nested) {
                // The host copies it, with its schema made optional, and null when its struct
                // is null (`transaction` outside a transaction).
                Ok(()) if parent_found && scalar => Some(Added::Copy(plan.sources[i])),
                Err(DataError::NoSuchField(_)) if probe.parent.is_none() => None,
                _ => self.resolve(r, record)?.map(Added::Put),
            };
            out.extend(settled.map(|added| (i, added)));
        }
        Ok(out)
    }

    /// The changes that make `row` the value: `__deleted` appended in the rewrite modes (the
    /// row rebuilt with defaults as `replace.null.with.default` says), then the row rebuilt
    /// without defaults and the added fields appended (`addFields`), then the row extracted. A
    /// name the row (`taken`) or an earlier added field already has is an error.
    fn row_changes(
        &self,
        row: &RowPaths,
        added: Vec<(usize, Added)>,
        taken: &[usize],
        answers: &Answers,
        deleted: Option<bool>,
    ) -> Result<Batch, Error> {
        let mut changes = Batch::new();
        if let Some(deleted) = deleted {
            changes.rebuild(Part::Value, &row.row, self.replace_null_with_default);
            changes.put(
                Part::Value,
                &row.deleted,
                Some(&plain(SchemaType::String, true)),
                if deleted { "true" } else { "false" },
            );
        }
        changes.rebuild(Part::Value, &row.row, false);
        for (n, &(i, _)) in added.iter().enumerate() {
            let name = &self.add_fields[i].new_field;
            let in_row = taken.get(i).is_some_and(|&t| answers.flag(t) != Ok(false));
            if in_row
                || (deleted.is_some() && name == DELETED_FIELD)
                || added[..n]
                    .iter()
                    .any(|&(j, _)| self.add_fields[j].new_field == *name)
            {
                return Err(Error::bad_record(format!(
                    "Cannot create field because of field name duplication {name}"
                )));
            }
        }
        for (i, source) in added {
            match source {
                Added::Copy(from) => changes.copy(Part::Value, &from, &row.added[i], true),
                Added::Put(field) => {
                    changes.put(Part::Value, &row.added[i], Some(&field.schema), field.value)
                }
            };
        }
        changes.extract(Part::Value, &row.row, true);
        Ok(changes)
    }

    /// Per record in two host calls: one batch of reads (the plan), one of changes.
    fn apply_batched(&self, plan: &ReadPlan, mut record: Record) -> Result<Output, Error> {
        let answers = record.run(&plan.reads);
        let tombstone = answers.flag(plan.value_null)?;
        // A value the converter cannot decode fails here, as `is_envelope` would.
        let envelope = answers
            .schema_name(plan.value_schema)?
            .is_some_and(|name| name.ends_with(debezium_support::envelope::ENVELOPE_SUFFIX));
        if tombstone && !self.add_headers.is_empty() {
            return self.apply_by_field(record);
        }
        let mut record = match self.tombstone_or_other(record, tombstone, envelope) {
            Ok(done) => return Ok(done),
            Err(envelope) => envelope,
        };
        // A delete whose null `after` becomes the value and gets the added fields is done
        // field by field (below), headers included: decide it before adding them here.
        if self.strategy.delete() == DeleteAction::NullValue
            && !self.add_fields.is_empty()
            && answered_null(&answers, plan.after, AFTER)?
        {
            return self.apply_by_field(record);
        }
        let header_probes = &plan.refs[self.add_fields.len()..];
        if !self.add_headers.is_empty() {
            let headers =
                self.resolve_all_answered(&self.add_headers, header_probes, &answers, &record)?;
            for r in headers {
                let bytes = to_header(&r.value, Some(&r.schema));
                record.add_header(&r.name, bytes.as_deref());
            }
        }

        let after_null = answered_null(&answers, plan.after, AFTER)?;
        if after_null && answered_null(&answers, plan.before, BEFORE)? {
            return Ok(if self.strategy.keeps_truncates() {
                Output::One(record)
            } else {
                Output::Drop
            });
        }
        let mut changes = Batch::new();
        let topic = if after_null {
            let action = self.strategy.delete();
            if action == DeleteAction::Drop {
                return Ok(Output::Drop);
            }
            let topic = match (&self.route_by_field, plan.route_before) {
                (Some(field), Some(i)) => answered_string(&answers, i, field)?,
                _ => None,
            };
            match action {
                // A null `after` whose schema has a default becomes that default, which then
                // gets the added fields: read field by field to see.
                DeleteAction::NullValue if !self.add_fields.is_empty() => {
                    return self.apply_by_field(record);
                }
                DeleteAction::NullValue => {
                    changes.extract(Part::Value, &[AFTER], true);
                }
                DeleteAction::Tombstone => {
                    changes.put(Part::Value, &[], None, Scalar::Null);
                }
                DeleteAction::Rewrite => {
                    let added = self.settle_added(plan, &answers, &record)?;
                    changes = self.row_changes(
                        &plan.before_row,
                        added,
                        &plan.taken_before,
                        &answers,
                        Some(true),
                    )?;
                }
                DeleteAction::Drop => {}
            }
            topic
        } else {
            let topic = match (&self.route_by_field, plan.route_after) {
                (Some(field), Some(i)) => answered_string(&answers, i, field)?,
                _ => None,
            };
            let added = self.settle_added(plan, &answers, &record)?;
            changes = self.row_changes(
                &plan.after_row,
                added,
                &plan.taken_after,
                &answers,
                self.strategy.rewrites().then_some(false),
            )?;
            topic
        };
        record.run(&changes).check()?;
        Self::set_topic(&mut record, topic);
        Ok(Output::One(record))
    }

    /// What becomes of a tombstone (kept or dropped, per the strategy) or of a record that is
    /// not a Debezium envelope (passed on as it is); `Err` gives an envelope back to unwrap.
    fn tombstone_or_other(
        &self,
        record: Record,
        tombstone: bool,
        envelope: bool,
    ) -> Result<Output, Record> {
        if tombstone {
            return Ok(if self.strategy.keeps_tombstones() {
                Output::One(record)
            } else {
                Output::Drop
            });
        }
        if !envelope {
            return Ok(Output::One(record));
        }
        Err(record)
    }

    /// Per record field by field: each read and change is one host call.
    fn apply_by_field(&self, mut record: Record) -> Result<Output, Error> {
        let tombstone = record.value().is_null()?;
        let envelope = is_envelope(&record)?;

        if (envelope || tombstone) && !self.add_headers.is_empty() {
            for (key, value) in self.headers(&record, tombstone)? {
                record.add_header(&key, value.as_deref());
            }
        }
        let mut record = match self.tombstone_or_other(record, tombstone, envelope) {
            Ok(done) => return Ok(done),
            Err(envelope) => envelope,
        };

        let after_null = is_null_field(&record, AFTER)?;
        if after_null && is_null_field(&record, BEFORE)? {
            // A truncate (or a delete without `before`).
            return Ok(if self.strategy.keeps_truncates() {
                Output::One(record)
            } else {
                Output::Drop
            });
        }

        if after_null {
            let action = self.strategy.delete();
            if action == DeleteAction::Drop {
                return Ok(Output::Drop);
            }
            let topic = match &self.route_by_field {
                Some(field) => get_string(&record, BEFORE, field)?,
                None => None,
            };
            let added = if action == DeleteAction::Rewrite {
                self.resolve_all(&self.add_fields, &record)?
            } else {
                Vec::new()
            };
            match action {
                DeleteAction::NullValue => record.value_mut().extract(&[AFTER], true)?,
                DeleteAction::Tombstone => record.value_mut().put(&[], None, Scalar::Null)?,
                DeleteAction::Rewrite => {
                    record.value_mut().extract(&[BEFORE], true)?;
                    self.mark_deleted(&mut record, true)?;
                }
                DeleteAction::Drop => {}
            }
            Self::set_topic(&mut record, topic);
            self.drop_fields(&mut record)?;
            if !record.value().is_null()? {
                self.add_fields_to(&mut record, added)?;
            }
        } else {
            let topic = match &self.route_by_field {
                Some(field) => get_string(&record, AFTER, field)?,
                None => None,
            };
            let added = self.resolve_all(&self.add_fields, &record)?;
            record.value_mut().extract(&[AFTER], true)?;
            if self.strategy.rewrites() {
                self.mark_deleted(&mut record, false)?;
            }
            Self::set_topic(&mut record, topic);
            self.add_fields_to(&mut record, added)?;
            self.drop_fields(&mut record)?;
        }
        Ok(Output::One(record))
    }
}

switchyard_sdk::export_transform!(ExtractNewRecordState);

#[cfg(test)]
mod tests {
    use super::*;

    fn configure(
        entries: &[(&str, &str)],
    ) -> Result<(ExtractNewRecordState, Vec<Notice>), ConfigError> {
        ExtractNewRecordState::from_config(&entries.iter().copied().collect())
    }

    fn strategy(entries: &[(&str, &str)]) -> Strategy {
        configure(entries)
            .unwrap_or_else(|e| panic!("{e}"))
            .0
            .strategy()
    }

    fn reference(prefix: &str, entry: &str) -> (Option<String>, String, String) {
        let r = FieldReference::parse(prefix, entry).unwrap_or_else(|e| panic!("{e}"));
        (r.parent, r.field, r.new_field)
    }

    #[test]
    fn defaults_follow_debezium_3_2() {
        let (t, notices) = configure(&[]).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(t.strategy(), Strategy::Default(Mode::Tombstone));
        assert!(notices.is_empty());
        assert_eq!(t.strategy().delete(), DeleteAction::NullValue);
        assert!(!t.strategy().keeps_tombstones());
    }

    #[test]
    fn every_mode() {
        for (name, delete, tombstones, rewrites) in [
            ("drop", DeleteAction::Drop, false, false),
            ("tombstone", DeleteAction::NullValue, false, false),
            ("rewrite", DeleteAction::Rewrite, false, true),
            ("rewrite-with-tombstone", DeleteAction::Rewrite, true, true),
            ("delete-to-tombstone", DeleteAction::Tombstone, false, false),
            (" REWRITE ", DeleteAction::Rewrite, false, true),
        ] {
            let s = strategy(&[("delete.tombstone.handling.mode", name)]);
            assert_eq!(s.delete(), delete, "{name}");
            assert_eq!(s.keeps_tombstones(), tombstones, "{name}");
            assert_eq!(s.rewrites(), rewrites, "{name}");
            assert!(!s.keeps_truncates());
        }
    }

    /// `shouldRejectInvalidEnumValueForDeleteHandlingMode`.
    #[test]
    fn invalid_mode_is_a_config_error() {
        let err = configure(&[("delete.tombstone.handling.mode", "jbsdfkjsd")])
            .map(|_| ())
            .unwrap_err();
        assert_eq!(err.key, "delete.tombstone.handling.mode");
        assert!(
            err.message
                .contains("Value must be one of drop, tombstone, rewrite"),
            "{}",
            err.message
        );
    }

    #[test]
    fn legacy_keys_keep_their_2x_meaning() {
        let (t, notices) =
            configure(&[("delete.handling.mode", "rewrite")]).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            t.strategy(),
            Strategy::Legacy {
                drop_tombstones: true,
                mode: LegacyMode::Rewrite
            }
        );
        assert_eq!(notices.len(), 1);
        assert!(!t.strategy().keeps_tombstones());
        assert!(t.strategy().rewrites());

        let s = strategy(&[("drop.tombstones", "false")]);
        assert_eq!(s.delete(), DeleteAction::Drop);
        assert!(s.keeps_tombstones());
        assert!(s.keeps_truncates());

        let s = strategy(&[
            ("drop.tombstones", "false"),
            ("delete.handling.mode", "none"),
        ]);
        assert_eq!(s.delete(), DeleteAction::NullValue);

        // The new key wins over the legacy pair.
        let (t, notices) = configure(&[
            ("delete.handling.mode", "rewrite"),
            ("delete.tombstone.handling.mode", "drop"),
        ])
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(t.strategy(), Strategy::Default(Mode::Drop));
        assert_eq!(notices.len(), 1);

        assert_eq!(
            configure(&[("delete.handling.mode", "bogus")])
                .map(|_| ())
                .unwrap_err()
                .key,
            "delete.handling.mode"
        );
    }

    #[test]
    fn field_references() {
        let t = Some("transaction".to_owned());
        let s = Some("source".to_owned());
        assert_eq!(reference("__", "op"), (None, "op".into(), "__op".into()));
        assert_eq!(
            reference("__", "ts_ns"),
            (None, "ts_ns".into(), "__ts_ns".into())
        );
        assert_eq!(
            reference("__", "lsn"),
            (s.clone(), "lsn".into(), "__lsn".into())
        );
        assert_eq!(
            reference("__", "id"),
            (t.clone(), "id".into(), "__id".into())
        );
        assert_eq!(
            reference("__", "source.ts_ms"),
            (s.clone(), "ts_ms".into(), "__source_ts_ms".into())
        );
        assert_eq!(
            reference("", "transaction.total_order:TOTAL_ORDER"),
            (t, "total_order".into(), "TOTAL_ORDER".into())
        );
        assert_eq!(
            reference("__", "ts_ms:META_TS_MS"),
            (None, "ts_ms".into(), "__META_TS_MS".into())
        );
        assert!(FieldReference::parse("__", "a:b:c").is_err());
        let list =
            FieldReference::parse_list("prefix.", "op , lsn,id").unwrap_or_else(|e| panic!("{e}"));
        let names: Vec<&str> = list.iter().map(|r| r.new_field.as_str()).collect();
        assert_eq!(names, vec!["prefix.op", "prefix.lsn", "prefix.id"]);
        assert!(
            FieldReference::parse_list("__", "")
                .unwrap_or_else(|e| panic!("{e}"))
                .is_empty()
        );
        let err = configure(&[("add.fields", "op:a:b")])
            .map(|_| ())
            .unwrap_err();
        assert_eq!(err.key, "add.fields");
    }

    #[test]
    fn drop_field_lists() {
        assert_eq!(
            parse_string_list(br#"["id","name"]"#),
            Some(vec!["id".to_owned(), "name".to_owned()])
        );
        assert_eq!(
            parse_string_list(b"[id, name]"),
            Some(vec!["id".to_owned(), "name".to_owned()])
        );
        assert_eq!(parse_string_list(b"[]"), Some(vec![]));
        assert_eq!(parse_string_list(b"id"), None);
    }
}
