//! Protobuf schema compatibility, as Confluent Schema Registry decides it
//! (`ProtobufSchema.isBackwardCompatible`, which runs its `protobuf.diff.SchemaDiff`).
//!
//! A `.proto` file is compiled with `protox`, its imports taken from the references given
//! (import path → text), from the files Confluent's registry resolves without a reference
//! (`confluent/meta.proto`, `confluent/type/decimal.proto`, `google/type/date.proto`,
//! `google/type/timeofday.proto`) and from Google's well-known types that `protox` bundles.
//! [`compare`] then walks two files as Confluent's `SchemaDiff` walks them — messages and
//! enums by name, fields by number, oneofs by name — and lists every [`Difference`]; the
//! [`DifferenceType`]s Confluent counts as compatible (its `COMPATIBLE_CHANGES`) pass, the
//! others fail the check. [`check_level`] applies a compatibility [`Level`].
//!
//! The walk works on the compiled descriptors rather than on the parsed text Confluent walks
//! (Square Wire's `ProtoFileElement`), so it restores what the text said where Confluent's
//! rules look at it: a label counts only when written (`optional`, `repeated`, `required`;
//! a proto3 field without one, a `oneof` member and a map have none), the map entry messages
//! the compiler synthesizes are no messages, and the oneofs of proto3 `optional` fields are no
//! oneofs.

mod diff;
#[cfg(test)]
mod tests;

use std::collections::HashMap;

use prost_reflect::prost_types::{
    DescriptorProto, EnumDescriptorProto, FileDescriptorProto, SourceCodeInfo,
};
use protox::file::{ChainFileResolver, File, FileResolver, GoogleFileResolver};

use super::{Comparison, Direction, Finding, Level, difference_message};

pub use diff::compare;

difference_types! {
    /// Confluent's `protobuf.diff.Difference.Type`: what changed between two versions of a
    /// `.proto` file, and whether the registry accepts it.
    pub enum DifferenceType {
        PackageChanged = ("PACKAGE_CHANGED", true,
            "The file's package changed; the registry accepts it, as a record names its message by index in the file, not by full name."),
        MessageAdded = ("MESSAGE_ADDED", true, "A message type was added."),
        MessageRemoved = ("MESSAGE_REMOVED", false,
            "A message type was removed: records written with it, which name it by its index in the file, have no message to be read with."),
        MessageMoved = ("MESSAGE_MOVED", true,
            "A message moved in the file; a record's message index refers to the schema it was written with, so moving is safe."),
        EnumAdded = ("ENUM_ADDED", true, "An enum type was added."),
        EnumRemoved = ("ENUM_REMOVED", true,
            "An enum type was removed; a field that used it is checked on its own."),
        EnumConstAdded = ("ENUM_CONST_ADDED", true,
            "An enum value was added; a reader without it keeps the number as an unknown value."),
        EnumConstChanged = ("ENUM_CONST_CHANGED", true,
            "An enum value was renamed; the wire carries its number, which did not change."),
        EnumConstRemoved = ("ENUM_CONST_REMOVED", true,
            "An enum value was removed; a reader without it keeps the number as an unknown value."),
        FieldAdded = ("FIELD_ADDED", true, "A field was added; a reader without it skips it."),
        FieldRemoved = ("FIELD_REMOVED", true,
            "A field was removed; a reader skips it in old data (reserve its number, so that it is not reused with another type)."),
        FieldNameChanged = ("FIELD_NAME_CHANGED", true,
            "A field was renamed; the wire carries field numbers, not names."),
        FieldKindChanged = ("FIELD_KIND_CHANGED", false,
            "A field changed between a scalar or enum, a message and a map: the bytes of one cannot be read as the other."),
        FieldScalarKindChanged = ("FIELD_SCALAR_KIND_CHANGED", false,
            "A field's scalar type changed to one its bytes cannot be read as. The types that can replace each other are int32, uint32, int64, uint64, bool and enums; sint32 and sint64; fixed32 and sfixed32; fixed64 and sfixed64; string and bytes."),
        FieldNamedTypeChanged = ("FIELD_NAMED_TYPE_CHANGED", false,
            "A message field now has another message type: another name, or a type of another file whose fields are not compatible."),
        FieldNumericLabelChanged = ("FIELD_NUMERIC_LABEL_CHANGED", false,
            "A numeric field changed between optional and repeated: repeated numbers are packed, and a packed list is not a single number."),
        FieldStringOrBytesLabelChanged = ("FIELD_STRING_OR_BYTES_LABEL_CHANGED", true,
            "A string or bytes field changed between optional and repeated; one value and a list of them are written alike."),
        RequiredFieldAdded = ("REQUIRED_FIELD_ADDED", false,
            "A required field was added: data written without it does not parse."),
        RequiredFieldRemoved = ("REQUIRED_FIELD_REMOVED", false,
            "A required field was removed: a reader that requires it cannot parse data written without it."),
        OneofAdded = ("ONEOF_ADDED", true, "A oneof was added."),
        OneofRemoved = ("ONEOF_REMOVED", true, "A oneof was removed."),
        OneofFieldAdded = ("ONEOF_FIELD_ADDED", true, "A field was added to a oneof."),
        OneofFieldRemoved = ("ONEOF_FIELD_REMOVED", false,
            "A field was removed from a oneof: a record that set it reads as if no member of the oneof were set."),
        MultipleFieldsMovedToOneof = ("MULTIPLE_FIELDS_MOVED_TO_ONEOF", false,
            "Several existing fields moved into one oneof: a record that set more than one of them keeps only the last."),
        FieldMovedToExistingOneof = ("FIELD_MOVED_TO_EXISTING_ONEOF", false,
            "A field moved into a oneof that already had members: a record that set it and a member keeps only one of them."),
    }
}

/// One change between two Protobuf versions ([`crate::Difference`]). Its `path` holds message,
/// enum and oneof names, and field and enum value numbers (`["Product", "6"]` is
/// `#/Product/6`); the path of a message found through a field whose type comes from another
/// file starts at that message's name within its package.
pub type Difference = crate::Difference<DifferenceType>;

/// A `.proto` file that does not compile, with `protox`'s message (file, line and column
/// first).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ParseError(pub String);

/// `confluent/meta.proto`, which Confluent's registry resolves without a reference.
const CONFLUENT_META: &str = r#"syntax = "proto3";
package confluent;

import "google/protobuf/descriptor.proto";

message Meta {
  string doc = 1;
  map<string, string> params = 2;
  repeated string tags = 3;
}

extend google.protobuf.FileOptions { Meta file_meta = 1088; }
extend google.protobuf.MessageOptions { Meta message_meta = 1088; }
extend google.protobuf.FieldOptions { Meta field_meta = 1088; }
extend google.protobuf.EnumOptions { Meta enum_meta = 1088; }
extend google.protobuf.EnumValueOptions { Meta enum_value_meta = 1088; }
"#;

/// `confluent/type/decimal.proto`.
const CONFLUENT_DECIMAL: &str = r#"syntax = "proto3";
package confluent.type;

message Decimal {
  bytes value = 1;
  uint32 precision = 2;
  int32 scale = 3;
}
"#;

/// `google/type/date.proto`.
const GOOGLE_DATE: &str = r#"syntax = "proto3";
package google.type;

message Date {
  int32 year = 1;
  int32 month = 2;
  int32 day = 3;
}
"#;

/// `google/type/timeofday.proto`.
const GOOGLE_TIME_OF_DAY: &str = r#"syntax = "proto3";
package google.type;

message TimeOfDay {
  int32 hours = 1;
  int32 minutes = 2;
  int32 seconds = 3;
  int32 nanos = 4;
}
"#;

/// The files besides Google's well-known types that import without a reference.
const BUNDLED: &[(&str, &str)] = &[
    ("confluent/meta.proto", CONFLUENT_META),
    ("confluent/type/decimal.proto", CONFLUENT_DECIMAL),
    ("google/type/date.proto", GOOGLE_DATE),
    ("google/type/timeofday.proto", GOOGLE_TIME_OF_DAY),
];

/// `.proto` texts by import path; the schema's own file also by the path it is opened with.
struct Sources {
    files: Vec<(String, String)>,
    main: Option<String>,
}

impl FileResolver for Sources {
    fn resolve_path(&self, path: &std::path::Path) -> Option<String> {
        let main = self.main.as_deref()?;
        (path.to_str() == Some(main)).then(|| main.to_string())
    }

    fn open_file(&self, name: &str) -> Result<File, protox::Error> {
        match self.files.iter().find(|(n, _)| n == name) {
            Some((name, text)) => File::from_source(name, text),
            None => Err(protox::Error::file_not_found(name)),
        }
    }
}

/// The syntax of a file, which decides what a field without a label means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Syntax {
    Proto2,
    Proto3,
    Editions,
}

impl Syntax {
    fn of(file: &FileDescriptorProto) -> Syntax {
        match file.syntax() {
            "proto3" => Syntax::Proto3,
            "editions" => Syntax::Editions,
            _ => Syntax::Proto2,
        }
    }
}

/// Where a type is defined.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Origin {
    /// In the schema's own file.
    Main,
    /// In an imported file (an index into [`Schema::imports`]).
    Import(usize),
}

/// A message (with its descriptor) or an enum.
#[derive(Debug, Clone)]
pub(crate) enum Definition {
    Message(Box<DescriptorProto>),
    Enum,
}

/// A type of the schema or of one of its imports, by full name.
#[derive(Debug, Clone)]
pub(crate) struct TypeInfo {
    /// The package of its file (empty for none).
    pub package: String,
    pub origin: Origin,
    pub syntax: Syntax,
    pub definition: Definition,
}

impl TypeInfo {
    /// A map field's synthesized entry message.
    pub fn is_map_entry(&self) -> bool {
        match &self.definition {
            Definition::Message(m) => m.options.as_ref().is_some_and(|o| o.map_entry()),
            Definition::Enum => false,
        }
    }
}

/// An imported file: its import path and descriptor (without source positions), which tell
/// whether two schemas import the same file.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Import {
    pub name: String,
    pub descriptor: FileDescriptorProto,
}

/// A compiled `.proto` file, with the types of its imports.
#[derive(Debug, Clone)]
pub struct Schema {
    /// The schema's own file, with source positions.
    pub(crate) main: FileDescriptorProto,
    pub(crate) imports: Vec<Import>,
    /// Every type of the file and its imports, by full name without the leading dot.
    pub(crate) types: HashMap<String, TypeInfo>,
    /// The 0-based line of each element of the file, by its source path.
    lines: HashMap<Vec<i32>, usize>,
}

impl Schema {
    /// Compiles `text`, the file `name`; `references` are the files it may import, each
    /// `(import path, text)`. The well-known types and Confluent's bundled files need none.
    pub fn parse(
        name: &str,
        text: &str,
        references: &[(String, String)],
    ) -> Result<Schema, ParseError> {
        // The schema's own file first: a reference by its name does not hide it.
        let mut files: Vec<(String, String)> = vec![(name.to_string(), text.to_string())];
        files.extend(references.iter().cloned());
        let mut resolver = ChainFileResolver::new();
        resolver.add(Sources {
            files,
            main: Some(name.to_string()),
        });
        resolver.add(Sources {
            files: BUNDLED
                .iter()
                .map(|(n, t)| ((*n).to_string(), (*t).to_string()))
                .collect(),
            main: None,
        });
        resolver.add(GoogleFileResolver::new());
        let mut compiler = protox::Compiler::with_file_resolver(resolver);
        compiler.include_imports(true).include_source_info(true);
        compiler
            .open_file(name)
            .map_err(|e| ParseError(format!("{e:?}")))?;
        let pool = compiler.descriptor_pool();
        let mut main = None;
        let mut imports = Vec::new();
        let mut types = HashMap::new();
        for file in pool.files() {
            let proto = file.file_descriptor_proto();
            let origin = if file.name() == name {
                main = Some(proto.clone());
                Origin::Main
            } else {
                imports.push(Import {
                    name: file.name().to_string(),
                    descriptor: FileDescriptorProto {
                        source_code_info: None,
                        ..proto.clone()
                    },
                });
                Origin::Import(imports.len() - 1)
            };
            collect_types(proto, origin, &mut types);
        }
        let main = main.ok_or_else(|| ParseError(format!("{name}: not compiled")))?;
        let lines = main
            .source_code_info
            .as_ref()
            .map(source_lines)
            .unwrap_or_default();
        Ok(Schema {
            main,
            imports,
            types,
            lines,
        })
    }

    /// The package of the schema's file (empty for none).
    pub fn package(&self) -> &str {
        self.main.package()
    }

    /// The 1-based line in the schema's file of what `path` (a [`Difference::path`]) names:
    /// a message, enum, oneof, field or enum value, or the deepest of them on the path that
    /// the file has (the `package` statement for the empty path); `None` when the file has
    /// none of it.
    pub fn line_of(&self, path: &[String]) -> Option<usize> {
        let mut source: Vec<i32> = Vec::new();
        let mut found: Option<Vec<i32>> = None;
        if path.is_empty() {
            return self.lines.get(&vec![2]).map(|l| l + 1);
        }
        enum At<'a> {
            File,
            Message(&'a DescriptorProto),
            Oneof(&'a DescriptorProto, i32),
            Enum(&'a EnumDescriptorProto),
        }
        let mut at = At::File;
        let mut message_path: Vec<i32> = Vec::new();
        for segment in path {
            let number: Option<i32> = segment.parse().ok();
            let (messages, enums, message_tag, enum_tag) =
                match at {
                    At::File => (&self.main.message_type, &self.main.enum_type, 4, 5),
                    At::Message(m) => (&m.nested_type, &m.enum_type, 3, 4),
                    At::Oneof(m, index) => {
                        let Some(i) = m.field.iter().position(|f| {
                            Some(f.number()) == number && f.oneof_index == Some(index)
                        }) else {
                            break;
                        };
                        source = message_path.clone();
                        source.extend([2, i as i32]);
                        found = Some(source.clone());
                        break;
                    }
                    At::Enum(e) => {
                        if let Some(i) = e.value.iter().position(|v| Some(v.number()) == number) {
                            source.extend([2, i as i32]);
                            found = Some(source.clone());
                        }
                        break;
                    }
                };
            if let Some(i) = messages.iter().position(|m| m.name() == segment) {
                source.extend([message_tag, i as i32]);
                message_path = source.clone();
                found = Some(source.clone());
                at = At::Message(&messages[i]);
                continue;
            }
            if let Some(i) = enums.iter().position(|e| e.name() == segment) {
                source.extend([enum_tag, i as i32]);
                found = Some(source.clone());
                at = At::Enum(&enums[i]);
                continue;
            }
            let At::Message(m) = at else { break };
            if let Some(k) = m.oneof_decl.iter().position(|o| o.name() == segment) {
                source.extend([8, k as i32]);
                found = Some(source.clone());
                at = At::Oneof(m, k as i32);
                continue;
            }
            if let Some(i) = m.field.iter().position(|f| Some(f.number()) == number) {
                source.extend([2, i as i32]);
                found = Some(source.clone());
            }
            break;
        }
        found.and_then(|p| self.lines.get(&p)).map(|l| l + 1)
    }
}

/// Indexes the messages and enums of `file`, nested ones included, by full name.
fn collect_types(
    file: &FileDescriptorProto,
    origin: Origin,
    types: &mut HashMap<String, TypeInfo>,
) {
    let package = file.package().to_string();
    let syntax = Syntax::of(file);
    let info = |definition| TypeInfo {
        package: package.clone(),
        origin,
        syntax,
        definition,
    };
    fn messages(prefix: &str, list: &[DescriptorProto], out: &mut Vec<(String, Definition)>) {
        for message in list {
            let full = qualify(prefix, message.name());
            for e in &message.enum_type {
                out.push((qualify(&full, e.name()), Definition::Enum));
            }
            messages(&full, &message.nested_type, out);
            out.push((full, Definition::Message(Box::new(message.clone()))));
        }
    }
    let mut found = Vec::new();
    messages(file.package(), &file.message_type, &mut found);
    for e in &file.enum_type {
        found.push((qualify(file.package(), e.name()), Definition::Enum));
    }
    for (name, definition) in found {
        types.insert(name, info(definition));
    }
}

/// `prefix.name`, or `name` without a prefix.
pub(crate) fn qualify(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_string()
    } else {
        format!("{prefix}.{name}")
    }
}

/// The 0-based start line of every element with a source position.
fn source_lines(info: &SourceCodeInfo) -> HashMap<Vec<i32>, usize> {
    info.location
        .iter()
        .filter_map(|l| Some((l.path.clone(), usize::try_from(*l.span.first()?).ok()?)))
        .collect()
}

/// Checks `new` against its `earlier` versions (newest first) at `level`
/// ([`Level::pairs`]), as Confluent's registry does: a backward check compares the earlier
/// version (Confluent's original) with the new one (its update), a forward check the new one
/// with the earlier. Only the differences Confluent does not accept are kept.
pub fn check_level(new: &Schema, earlier: &[Schema], level: Level) -> Vec<Comparison> {
    crate::differences_by_level(
        new,
        earlier,
        level,
        compare,
        |d| d.kind.is_compatible(),
        finding,
    )
}

/// A difference as the report shows it, on its line of the new schema.
fn finding(difference: &Difference, direction: Direction, new: &Schema) -> Finding {
    let what = difference.kind.as_str().to_lowercase().replace('_', " ");
    Finding {
        kind: difference.kind.as_str(),
        location: difference.location(),
        message: difference_message(
            &what,
            difference.original.as_deref(),
            difference.update.as_deref(),
            direction,
        ),
        causes: Vec::new(),
        explanation: difference.kind.explain(),
        line: new.line_of(&difference.path),
    }
}
