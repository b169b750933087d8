//! The walk of Confluent's `protobuf.diff` package (`SchemaDiff`, `MessageSchemaDiff`,
//! `OneOfDiff`, `FieldSchemaDiff`, `EnumSchemaDiff`) over two compiled files.
//!
//! Confluent iterates hash sets of names and numbers, so its order of differences is
//! arbitrary; here they come in the original's order, then what only the update has.

use std::collections::{BTreeSet, HashMap, HashSet};

use prost_reflect::prost_types::field_descriptor_proto::{Label as ProtoLabel, Type};
use prost_reflect::prost_types::{DescriptorProto, EnumDescriptorProto, FieldDescriptorProto};

use super::{
    Definition, Difference, DifferenceType as D, Origin, Schema, Syntax, TypeInfo, qualify,
};

/// Every difference between `original` and `update` (Confluent's
/// `SchemaDiff.compare(original, update)`), compatible ones included. The registry's backward
/// check passes the earlier version as `original` and the new schema as `update`.
pub fn compare(original: &Schema, update: &Schema) -> Vec<Difference> {
    let differ = Differ { original, update };
    let mut ctx = Ctx::default();
    if original.package() != update.package() {
        ctx.add(
            D::PackageChanged,
            Some(package_name(original.package())),
            Some(package_name(update.package())),
        );
    }
    differ.compare_types(&mut ctx, Scope::file(original), Scope::file(update));
    ctx.diffs
}

fn package_name(package: &str) -> String {
    if package.is_empty() {
        "no package".into()
    } else {
        format!("package {package}")
    }
}

/// Confluent's `Context`: the path, the differences found, and the original messages being
/// compared (a message met again inside itself is not compared again).
#[derive(Default)]
struct Ctx {
    path: Vec<String>,
    diffs: Vec<Difference>,
    in_progress: HashSet<String>,
}

impl Ctx {
    fn add(&mut self, kind: D, original: Option<String>, update: Option<String>) {
        self.diffs.push(Difference {
            kind,
            path: self.path.clone(),
            original,
            update,
        });
    }

    fn is_compatible(&self) -> bool {
        self.diffs.iter().all(|d| d.kind.is_compatible())
    }

    fn enter(&mut self, segment: impl Into<String>) {
        self.path.push(segment.into());
    }

    fn leave(&mut self) {
        self.path.pop();
    }
}

/// The messages and enums declared in one place (a file, or a message's nested types), with
/// the full-name prefix of that place and the syntax of its file.
#[derive(Clone, Copy)]
struct Scope<'a> {
    messages: &'a [DescriptorProto],
    enums: &'a [EnumDescriptorProto],
    prefix: &'a str,
    syntax: Syntax,
}

impl<'a> Scope<'a> {
    fn file(schema: &'a Schema) -> Scope<'a> {
        Scope {
            messages: &schema.main.message_type,
            enums: &schema.main.enum_type,
            prefix: schema.main.package(),
            syntax: Syntax::of(&schema.main),
        }
    }
}

/// A message to compare: its descriptor, full name and file syntax.
#[derive(Clone, Copy)]
struct Message<'a> {
    descriptor: &'a DescriptorProto,
    full_name: &'a str,
    syntax: Syntax,
}

/// A field's label as it was written: Wire's `FieldElement.getLabel()`, `null` when the text
/// has none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Label {
    Optional,
    Required,
    Repeated,
}

impl Label {
    fn name(self) -> &'static str {
        match self {
            Label::Optional => "optional",
            Label::Required => "required",
            Label::Repeated => "repeated",
        }
    }
}

/// A field as Confluent sees it.
#[derive(Clone, Copy)]
struct Field<'a> {
    descriptor: &'a FieldDescriptorProto,
    label: Option<Label>,
}

/// `FieldSchemaDiff.ScalarKind`: scalars whose encodings can replace each other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ScalarKind {
    GeneralNumber,
    SignedNumber,
    StringOrBytes,
    Fixed32,
    Fixed64,
    Float,
    Double,
}

/// A field's type: `FieldSchemaDiff.Kind` with what each kind needs.
#[derive(Debug, Clone)]
enum Shape {
    Scalar { kind: ScalarKind, name: String },
    Map { key: TypeRef, value: TypeRef },
    Message(String),
}

impl Shape {
    fn describe(&self) -> String {
        match self {
            Shape::Scalar { name, .. } => name.clone(),
            Shape::Map { key, value } => format!("map<{}, {}>", key.name(), value.name()),
            Shape::Message(name) => format!("message {name}"),
        }
    }
}

/// A type as a field names it: a scalar, or a message or enum by full name.
#[derive(Debug, Clone)]
enum TypeRef {
    Scalar(Type),
    Named(String),
}

impl TypeRef {
    fn of(field: &FieldDescriptorProto) -> TypeRef {
        match field.r#type() {
            Type::Message | Type::Enum | Type::Group => {
                TypeRef::Named(field.type_name().trim_start_matches('.').to_string())
            }
            scalar => TypeRef::Scalar(scalar),
        }
    }

    fn name(&self) -> String {
        match self {
            TypeRef::Scalar(t) => scalar_name(*t).to_string(),
            TypeRef::Named(n) => n.clone(),
        }
    }
}

fn scalar_name(t: Type) -> &'static str {
    match t {
        Type::Double => "double",
        Type::Float => "float",
        Type::Int64 => "int64",
        Type::Uint64 => "uint64",
        Type::Int32 => "int32",
        Type::Fixed64 => "fixed64",
        Type::Fixed32 => "fixed32",
        Type::Bool => "bool",
        Type::String => "string",
        Type::Group => "group",
        Type::Message => "message",
        Type::Bytes => "bytes",
        Type::Uint32 => "uint32",
        Type::Enum => "enum",
        Type::Sfixed32 => "sfixed32",
        Type::Sfixed64 => "sfixed64",
        Type::Sint32 => "sint32",
        Type::Sint64 => "sint64",
    }
}

/// Which schema a lookup is in.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Side {
    Original,
    Update,
}

struct Differ<'a> {
    original: &'a Schema,
    update: &'a Schema,
}

impl<'a> Differ<'a> {
    fn schema(&self, side: Side) -> &'a Schema {
        match side {
            Side::Original => self.original,
            Side::Update => self.update,
        }
    }

    fn type_info(&self, side: Side, full_name: &str) -> Option<&'a TypeInfo> {
        self.schema(side).types.get(full_name)
    }

    /// `SchemaDiff.compareTypeElements`: messages by name (added, removed, compared, moved),
    /// then enums by name.
    fn compare_types(&self, ctx: &mut Ctx, original: Scope<'a>, update: Scope<'a>) {
        let (original_messages, update_messages) = (
            self.messages_by_name(Side::Original, original),
            self.messages_by_name(Side::Update, update),
        );
        for name in union(
            original_messages.iter().map(|(n, _, _)| n.as_str()),
            update_messages.iter().map(|(n, _, _)| n.as_str()),
        ) {
            let o = original_messages.iter().find(|(n, _, _)| n == name);
            let u = update_messages.iter().find(|(n, _, _)| n == name);
            ctx.enter(name);
            let named = Some(format!("message {name}"));
            match (o, u) {
                (Some(_), None) => ctx.add(D::MessageRemoved, named, None),
                (None, Some(_)) => ctx.add(D::MessageAdded, None, named),
                (Some((_, oi, om)), Some((_, ui, um))) => {
                    let (of, uf) = (qualify(original.prefix, name), qualify(update.prefix, name));
                    self.compare_messages(
                        ctx,
                        Message {
                            descriptor: om,
                            full_name: &of,
                            syntax: original.syntax,
                        },
                        Message {
                            descriptor: um,
                            full_name: &uf,
                            syntax: update.syntax,
                        },
                    );
                    if oi != ui {
                        ctx.add(
                            D::MessageMoved,
                            Some(format!("index {oi}")),
                            Some(format!("index {ui}")),
                        );
                    }
                }
                (None, None) => {}
            }
            ctx.leave();
        }
        for name in union(
            original.enums.iter().map(|e| e.name()),
            update.enums.iter().map(|e| e.name()),
        ) {
            let o = original.enums.iter().find(|e| e.name() == name);
            let u = update.enums.iter().find(|e| e.name() == name);
            ctx.enter(name);
            let named = Some(format!("enum {name}"));
            match (o, u) {
                (Some(_), None) => ctx.add(D::EnumRemoved, named, None),
                (None, Some(_)) => ctx.add(D::EnumAdded, None, named),
                (Some(o), Some(u)) => compare_enums(ctx, o, u),
                (None, None) => {}
            }
            ctx.leave();
        }
    }

    /// The messages of a scope with their message indexes, without map entries (which the
    /// text does not declare).
    fn messages_by_name(
        &self,
        side: Side,
        scope: Scope<'a>,
    ) -> Vec<(String, usize, &'a DescriptorProto)> {
        scope
            .messages
            .iter()
            .filter(|m| {
                let full = qualify(scope.prefix, m.name());
                !self
                    .type_info(side, &full)
                    .is_some_and(TypeInfo::is_map_entry)
            })
            .enumerate()
            .map(|(index, m)| (m.name().to_string(), index, m))
            .collect()
    }

    /// `MessageSchemaDiff.compare`.
    fn compare_messages(&self, ctx: &mut Ctx, original: Message<'a>, update: Message<'a>) {
        let entered = ctx.in_progress.insert(original.full_name.to_string());
        if entered {
            self.compare_fields(ctx, original, update);
        }
        self.compare_types(
            ctx,
            Scope {
                messages: &original.descriptor.nested_type,
                enums: &original.descriptor.enum_type,
                prefix: original.full_name,
                syntax: original.syntax,
            },
            Scope {
                messages: &update.descriptor.nested_type,
                enums: &update.descriptor.enum_type,
                prefix: update.full_name,
                syntax: update.syntax,
            },
        );
        if entered {
            ctx.in_progress.remove(original.full_name);
        }
    }

    /// The fields and oneofs of two versions of a message.
    fn compare_fields(&self, ctx: &mut Ctx, original: Message<'a>, update: Message<'a>) {
        let o = self.fields(Side::Original, original);
        let u = self.fields(Side::Update, update);
        // Top-level fields by number; a field that moved into a oneof leaves this map.
        let mut original_by_tag: Vec<(i32, Field<'a>)> = o.top_level.clone();
        let update_by_tag = &u.top_level;
        let original_oneof_tags: HashSet<i32> = o
            .oneofs
            .iter()
            .flat_map(|(_, fields)| fields.iter().map(|f| f.descriptor.number()))
            .collect();
        for (name, fields) in &u.oneofs {
            ctx.enter(*name);
            let mut moved = Vec::new();
            let mut existing = 0;
            for field in fields {
                let tag = field.descriptor.number();
                if let Some(i) = original_by_tag.iter().position(|(t, _)| *t == tag) {
                    original_by_tag.remove(i);
                    moved.push(field.descriptor.name());
                } else if original_oneof_tags.contains(&tag) {
                    existing += 1;
                }
            }
            let names = moved.join(", ");
            if moved.len() > 1 {
                ctx.add(
                    D::MultipleFieldsMovedToOneof,
                    Some(format!("fields {names} outside a oneof")),
                    Some(format!("fields {names} in oneof {name}")),
                );
            } else if moved.len() == 1 && existing > 0 {
                ctx.add(
                    D::FieldMovedToExistingOneof,
                    Some(format!("field {names} outside a oneof")),
                    Some(format!(
                        "field {names} in oneof {name}, with fields it had before"
                    )),
                );
            }
            ctx.leave();
        }
        for name in union(
            o.oneofs.iter().map(|(n, _)| *n),
            u.oneofs.iter().map(|(n, _)| *n),
        ) {
            let of = o.oneofs.iter().find(|(n, _)| *n == name);
            let uf = u.oneofs.iter().find(|(n, _)| *n == name);
            ctx.enter(name);
            let named = Some(format!("oneof {name}"));
            match (of, uf) {
                (Some(_), None) => ctx.add(D::OneofRemoved, named, None),
                (None, Some(_)) => ctx.add(D::OneofAdded, None, named),
                (Some((_, of)), Some((_, uf))) => {
                    // `OneOfDiff.compare`.
                    let of: Vec<(i32, Field)> =
                        of.iter().map(|f| (f.descriptor.number(), *f)).collect();
                    let uf: Vec<(i32, Field)> =
                        uf.iter().map(|f| (f.descriptor.number(), *f)).collect();
                    for tag in union(of.iter().map(|(t, _)| *t), uf.iter().map(|(t, _)| *t)) {
                        ctx.enter(tag.to_string());
                        match (find(&of, tag), find(&uf, tag)) {
                            (Some(f), None) => {
                                ctx.add(D::OneofFieldRemoved, Some(field_name(f)), None)
                            }
                            (None, Some(f)) => {
                                ctx.add(D::OneofFieldAdded, None, Some(field_name(f)))
                            }
                            (Some(of), Some(uf)) => self.compare_field(ctx, of, uf),
                            (None, None) => {}
                        }
                        ctx.leave();
                    }
                }
                (None, None) => {}
            }
            ctx.leave();
        }
        for tag in union(
            original_by_tag.iter().map(|(t, _)| *t),
            update_by_tag.iter().map(|(t, _)| *t),
        ) {
            ctx.enter(tag.to_string());
            match (find(&original_by_tag, tag), find(update_by_tag, tag)) {
                (Some(f), None) => {
                    let kind = if f.label == Some(Label::Required) {
                        D::RequiredFieldRemoved
                    } else {
                        D::FieldRemoved
                    };
                    ctx.add(kind, Some(field_name(f)), None);
                }
                (None, Some(f)) => {
                    let kind = if f.label == Some(Label::Required) {
                        D::RequiredFieldAdded
                    } else {
                        D::FieldAdded
                    };
                    ctx.add(kind, None, Some(field_name(f)));
                }
                (Some(of), Some(uf)) => self.compare_field(ctx, of, uf),
                (None, None) => {}
            }
            ctx.leave();
        }
        // Fields whose oneof changed (moved into or out of one, or their oneof renamed) are
        // compared by number too, in number order.
        let original_all: HashMap<i32, (Field, Option<&str>)> = o.all();
        let update_all: HashMap<i32, (Field, Option<&str>)> = u.all();
        let common: BTreeSet<i32> = original_all
            .keys()
            .filter(|t| update_all.contains_key(t))
            .copied()
            .collect();
        for tag in common {
            let (of, o_oneof) = original_all[&tag];
            let (uf, u_oneof) = update_all[&tag];
            let top_level_in_both = o_oneof.is_none() && u_oneof.is_none();
            let same_oneof = o_oneof.is_some() && o_oneof == u_oneof;
            if top_level_in_both || same_oneof {
                continue;
            }
            ctx.enter(tag.to_string());
            self.compare_field(ctx, of, uf);
            ctx.leave();
        }
    }

    /// A message's fields as the text declares them: top-level fields (with proto3
    /// `optional` ones) and the members of each oneof.
    fn fields(&self, side: Side, message: Message<'a>) -> Fields<'a> {
        let descriptor = message.descriptor;
        // Oneofs the compiler made for proto3 `optional` fields are not in the text.
        let synthetic: HashSet<i32> = descriptor
            .field
            .iter()
            .filter(|f| f.proto3_optional())
            .filter_map(|f| f.oneof_index)
            .collect();
        let mut top_level = Vec::new();
        let mut oneofs: Vec<(&str, Vec<Field>)> = descriptor
            .oneof_decl
            .iter()
            .enumerate()
            .filter(|(i, _)| !synthetic.contains(&(*i as i32)))
            .map(|(_, o)| (o.name(), Vec::new()))
            .collect();
        for field in &descriptor.field {
            let oneof = field.oneof_index.filter(|i| !synthetic.contains(i));
            let is_map = matches!(TypeRef::of(field), TypeRef::Named(ref n)
                if self.type_info(side, n).is_some_and(TypeInfo::is_map_entry));
            let label = written_label(field, message.syntax, oneof.is_some(), is_map);
            let f = Field {
                descriptor: field,
                label,
            };
            match oneof.and_then(|i| descriptor.oneof_decl.get(i as usize)) {
                Some(decl) => {
                    if let Some((_, members)) = oneofs.iter_mut().find(|(n, _)| *n == decl.name()) {
                        members.push(f);
                    }
                }
                None => top_level.push((field.number(), f)),
            }
        }
        Fields { top_level, oneofs }
    }

    /// `FieldSchemaDiff.compare`.
    fn compare_field(&self, ctx: &mut Ctx, original: Field<'a>, update: Field<'a>) {
        if original.descriptor.name() != update.descriptor.name() {
            ctx.add(
                D::FieldNameChanged,
                Some(field_name(original)),
                Some(field_name(update)),
            );
        }
        self.compare_labels_and_types(
            ctx,
            original.label,
            update.label,
            &TypeRef::of(original.descriptor),
            &TypeRef::of(update.descriptor),
        );
    }

    /// A type's kind: a scalar (enums included), a map (by its entry message) or a message.
    fn shape(&self, side: Side, type_ref: &TypeRef) -> Shape {
        match type_ref {
            TypeRef::Scalar(t) => Shape::Scalar {
                kind: scalar_kind(*t),
                name: scalar_name(*t).to_string(),
            },
            TypeRef::Named(name) => match self.type_info(side, name) {
                Some(info) if info.is_map_entry() => {
                    let Definition::Message(entry) = &info.definition else {
                        return Shape::Message(name.clone());
                    };
                    let part = |number| {
                        entry
                            .field
                            .iter()
                            .find(|f| f.number() == number)
                            .map(TypeRef::of)
                            .unwrap_or(TypeRef::Scalar(Type::Bytes))
                    };
                    Shape::Map {
                        key: part(1),
                        value: part(2),
                    }
                }
                Some(TypeInfo {
                    definition: Definition::Enum,
                    ..
                }) => Shape::Scalar {
                    kind: ScalarKind::GeneralNumber,
                    name: format!("enum {name}"),
                },
                _ => Shape::Message(name.clone()),
            },
        }
    }

    /// `FieldSchemaDiff.compareLabelsAndTypes`.
    fn compare_labels_and_types(
        &self,
        ctx: &mut Ctx,
        original_label: Option<Label>,
        update_label: Option<Label>,
        original: &TypeRef,
        update: &TypeRef,
    ) {
        let o = self.shape(Side::Original, original);
        let u = self.shape(Side::Update, update);
        match (&o, &u) {
            (Shape::Scalar { kind: ok, name: on }, Shape::Scalar { kind: uk, name: un }) => {
                if ok != uk {
                    ctx.add(
                        D::FieldScalarKindChanged,
                        Some(on.clone()),
                        Some(un.clone()),
                    );
                } else if let (Some(ol), Some(ul)) = (original_label, update_label)
                    && ol != ul
                {
                    let kind = if *ok == ScalarKind::StringOrBytes {
                        D::FieldStringOrBytesLabelChanged
                    } else {
                        D::FieldNumericLabelChanged
                    };
                    ctx.add(
                        kind,
                        Some(format!("{} {on}", ol.name())),
                        Some(format!("{} {un}", ul.name())),
                    );
                }
            }
            (Shape::Message(on), Shape::Message(un)) => self.compare_message_types(ctx, on, un),
            (Shape::Map { key: ok, value: ov }, Shape::Map { key: uk, value: uv }) => {
                self.compare_labels_and_types(ctx, None, None, ok, uk);
                self.compare_labels_and_types(ctx, None, None, ov, uv);
            }
            _ => ctx.add(D::FieldKindChanged, Some(o.describe()), Some(u.describe())),
        }
    }

    /// `FieldSchemaDiff.compareMessageTypes`: message types match by their name within their
    /// package; a type of another file (an import) is compared field by field, and its
    /// differences count.
    fn compare_message_types(&self, ctx: &mut Ctx, original: &str, update: &str) {
        let (Some(o), Some(u)) = (
            self.type_info(Side::Original, original),
            self.type_info(Side::Update, update),
        ) else {
            if original != update {
                ctx.add(
                    D::FieldNamedTypeChanged,
                    Some(original.to_string()),
                    Some(update.to_string()),
                );
            }
            return;
        };
        let (o_local, u_local) = (local_name(original, o), local_name(update, u));
        if o_local != u_local {
            ctx.add(
                D::FieldNamedTypeChanged,
                Some(original.to_string()),
                Some(update.to_string()),
            );
            return;
        }
        if self.same_origin(o, u) {
            return;
        }
        let (Definition::Message(om), Definition::Message(um)) = (&o.definition, &u.definition)
        else {
            return;
        };
        let mut sub = Ctx {
            path: o_local.split('.').map(str::to_string).collect(),
            diffs: Vec::new(),
            in_progress: ctx.in_progress.clone(),
        };
        self.compare_messages(
            &mut sub,
            Message {
                descriptor: om,
                full_name: original,
                syntax: o.syntax,
            },
            Message {
                descriptor: um,
                full_name: update,
                syntax: u.syntax,
            },
        );
        let compatible = sub.is_compatible();
        ctx.diffs.extend(sub.diffs);
        if !compatible {
            ctx.add(
                D::FieldNamedTypeChanged,
                Some(original.to_string()),
                Some(update.to_string()),
            );
        }
    }

    /// Whether two types need no comparison of their own: both of the schemas' own files
    /// (their messages are compared by name), or both of the same imported file (Confluent:
    /// the same subject and version).
    fn same_origin(&self, original: &TypeInfo, update: &TypeInfo) -> bool {
        match (original.origin, update.origin) {
            (Origin::Main, Origin::Main) => true,
            (Origin::Import(o), Origin::Import(u)) => {
                self.original.imports[o] == self.update.imports[u]
            }
            _ => false,
        }
    }
}

/// A message's fields: top level by number, and each oneof's members.
struct Fields<'a> {
    top_level: Vec<(i32, Field<'a>)>,
    oneofs: Vec<(&'a str, Vec<Field<'a>>)>,
}

impl<'a> Fields<'a> {
    /// Every field by number, with its oneof's name.
    fn all(&self) -> HashMap<i32, (Field<'a>, Option<&'a str>)> {
        let mut all: HashMap<i32, (Field<'a>, Option<&'a str>)> = self
            .top_level
            .iter()
            .map(|(t, f)| (*t, (*f, None)))
            .collect();
        for (name, fields) in &self.oneofs {
            for f in fields {
                all.insert(f.descriptor.number(), (*f, Some(*name)));
            }
        }
        all
    }
}

/// `EnumSchemaDiff.compare`: values by number (the last name of an aliased number counts).
fn compare_enums(ctx: &mut Ctx, original: &EnumDescriptorProto, update: &EnumDescriptorProto) {
    let by_number = |e: &EnumDescriptorProto| -> Vec<(i32, String)> {
        let mut values: Vec<(i32, String)> = Vec::new();
        for v in &e.value {
            match values.iter_mut().find(|(n, _)| *n == v.number()) {
                Some(entry) => entry.1 = v.name().to_string(),
                None => values.push((v.number(), v.name().to_string())),
            }
        }
        values
    };
    let (o, u) = (by_number(original), by_number(update));
    for number in union(o.iter().map(|(n, _)| *n), u.iter().map(|(n, _)| *n)) {
        ctx.enter(number.to_string());
        let on = o.iter().find(|(n, _)| *n == number).map(|(_, s)| s);
        let un = u.iter().find(|(n, _)| *n == number).map(|(_, s)| s);
        match (on, un) {
            (Some(name), None) => ctx.add(D::EnumConstRemoved, Some(name.clone()), None),
            (None, Some(name)) => ctx.add(D::EnumConstAdded, None, Some(name.clone())),
            (Some(on), Some(un)) if on != un => {
                ctx.add(D::EnumConstChanged, Some(on.clone()), Some(un.clone()))
            }
            _ => {}
        }
        ctx.leave();
    }
}

/// The label the text wrote: a map, a oneof member and a proto3 (or editions) field without
/// a keyword have none.
fn written_label(
    field: &FieldDescriptorProto,
    syntax: Syntax,
    in_oneof: bool,
    is_map: bool,
) -> Option<Label> {
    match field.label() {
        ProtoLabel::Repeated if is_map => None,
        ProtoLabel::Repeated => Some(Label::Repeated),
        ProtoLabel::Required => Some(Label::Required),
        ProtoLabel::Optional => match syntax {
            Syntax::Proto3 if field.proto3_optional() => Some(Label::Optional),
            Syntax::Proto2 if !in_oneof => Some(Label::Optional),
            _ => None,
        },
    }
}

/// `FieldSchemaDiff.scalarKind`, after the proto3 guide's groups of compatible types.
fn scalar_kind(t: Type) -> ScalarKind {
    match t {
        Type::Int32 | Type::Int64 | Type::Uint32 | Type::Uint64 | Type::Bool | Type::Enum => {
            ScalarKind::GeneralNumber
        }
        Type::Sint32 | Type::Sint64 => ScalarKind::SignedNumber,
        Type::String | Type::Bytes => ScalarKind::StringOrBytes,
        Type::Fixed32 | Type::Sfixed32 => ScalarKind::Fixed32,
        Type::Fixed64 | Type::Sfixed64 => ScalarKind::Fixed64,
        Type::Float => ScalarKind::Float,
        Type::Double => ScalarKind::Double,
        // Not scalars; `TypeRef::of` names them.
        Type::Group | Type::Message => ScalarKind::StringOrBytes,
    }
}

/// A type's name without its file's package (`outer.GoogleHome` for
/// `io.confluent.demo.outer.GoogleHome` in package `io.confluent.demo`).
fn local_name<'n>(full_name: &'n str, info: &TypeInfo) -> &'n str {
    if info.package.is_empty() {
        return full_name;
    }
    full_name
        .strip_prefix(info.package.as_str())
        .and_then(|rest| rest.strip_prefix('.'))
        .unwrap_or(full_name)
}

fn field_name(field: Field) -> String {
    format!("field {}", field.descriptor.name())
}

fn find<'a>(fields: &[(i32, Field<'a>)], tag: i32) -> Option<Field<'a>> {
    fields.iter().find(|(t, _)| *t == tag).map(|(_, f)| *f)
}

/// The items of `first`, then those of `second` it lacks, each once.
fn union<T: PartialEq + Copy>(
    first: impl Iterator<Item = T>,
    second: impl Iterator<Item = T>,
) -> Vec<T> {
    let mut all: Vec<T> = Vec::new();
    for item in first.chain(second) {
        if !all.contains(&item) {
            all.push(item);
        }
    }
    all
}
