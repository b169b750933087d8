//! The walk of Confluent's `json.diff` package (`SchemaDiff`, `ObjectSchemaDiff`,
//! `ArraySchemaDiff`, `CombinedSchemaDiff`, `NumberSchemaDiff`, `StringSchemaDiff`,
//! `EnumSchemaDiff`, `ConstSchemaDiff`, `NotSchemaDiff`) over two loaded schemas.
//!
//! As in Confluent's registry, each pair of schema objects is compared once (later meetings
//! reuse the result, moved to their path) and a pair met again inside itself counts as
//! compatible, so recursive schemas end. Where Confluent iterates hash sets, differences come
//! here in the original's order, then what only the update has.

use std::collections::{HashMap, HashSet};

use serde_json::Value;

use super::load::{ArrayNode, Criterion, Kind, Node, NodeId, NumberNode, ObjectNode, StringNode};
use super::{Difference, DifferenceType as D, Schema};

/// Every difference between `original` and `update` (Confluent's
/// `SchemaDiff.compare(original, update)`), compatible ones included. The registry's backward
/// check passes the earlier version as `original` and the new schema as `update`.
pub fn compare(original: &Schema, update: &Schema) -> Vec<Difference> {
    let mut differ = Differ::new(original, update);
    let mut ctx = Ctx::default();
    differ.compare(&mut ctx, Some(original.root), Some(update.root));
    ctx.diffs
}

/// Confluent's `Context`: the path and the differences found under it.
#[derive(Default)]
struct Ctx {
    path: Vec<String>,
    diffs: Vec<Difference>,
}

impl Ctx {
    /// A context at the same path, with no differences yet (`getSubcontext`).
    fn sub(&self) -> Ctx {
        Ctx {
            path: self.path.clone(),
            diffs: Vec::new(),
        }
    }

    fn add(&mut self, kind: D, original: Option<String>, update: Option<String>) {
        self.diffs.push(Difference {
            kind,
            path: self.path.clone(),
            original,
            update,
        });
    }

    /// A difference at `attribute` below the path.
    fn add_at(
        &mut self,
        attribute: &str,
        kind: D,
        original: Option<String>,
        update: Option<String>,
    ) {
        self.path.push(attribute.to_string());
        self.add(kind, original, update);
        self.path.pop();
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

/// How many `not`s deep a comparison goes before it counts as compatible (a `not` that
/// contains itself would never end).
const MAX_NOT_DEPTH: usize = 32;

struct Differ<'a> {
    original: &'a Schema,
    update: &'a Schema,
    /// The differences of each pair compared, relative to the pair.
    memo: HashMap<(NodeId, NodeId), Vec<Difference>>,
    in_progress: HashSet<(NodeId, NodeId)>,
    /// How many `not`s this comparison is inside.
    not_depth: usize,
}

impl<'a> Differ<'a> {
    fn new(original: &'a Schema, update: &'a Schema) -> Differ<'a> {
        Differ {
            original,
            update,
            memo: HashMap::new(),
            in_progress: HashSet::new(),
            not_depth: 0,
        }
    }

    fn o(&self, id: NodeId) -> &'a Node {
        &self.original.nodes[id]
    }

    fn u(&self, id: NodeId) -> &'a Node {
        &self.update.nodes[id]
    }

    /// `SchemaDiff.compare(ctx, original, update)`: an absent schema on either side, or the
    /// two compared (after following references).
    fn compare(&mut self, ctx: &mut Ctx, original: Option<NodeId>, update: Option<NodeId>) {
        let (o, u) = match (original, update) {
            (None, None) => return,
            (None, Some(_)) => return ctx.add(D::SchemaAdded, None, None),
            (Some(_), None) => return ctx.add(D::SchemaRemoved, None, None),
            (Some(o), Some(u)) => (self.original.resolve(o), self.update.resolve(u)),
        };
        let relative = match self.memo.get(&(o, u)) {
            Some(found) => found.clone(),
            None if !self.in_progress.insert((o, u)) => Vec::new(),
            None => {
                let mut sub = Ctx::default();
                self.compare_nodes(&mut sub, o, u);
                self.in_progress.remove(&(o, u));
                self.memo.insert((o, u), sub.diffs.clone());
                sub.diffs
            }
        };
        for mut d in relative {
            let mut path = ctx.path.clone();
            path.append(&mut d.path);
            d.path = path;
            ctx.diffs.push(d);
        }
    }

    fn compare_nodes(&mut self, ctx: &mut Ctx, o: NodeId, u: NodeId) {
        let (on, un) = (self.o(o), self.u(u));
        match (&on.kind, &un.kind) {
            (
                kind,
                Kind::Combined {
                    criterion,
                    subschemas,
                },
            ) if !matches!(kind, Kind::Combined { .. }) => {
                // A schema that became a union: compatible when one branch reads it.
                if subschemas.len() == 1 {
                    let mut sub = ctx.sub();
                    self.compare(&mut sub, Some(o), Some(subschemas[0]));
                    if sub.is_compatible() {
                        ctx.diffs.extend(sub.diffs);
                        return;
                    }
                } else if matches!(criterion, Criterion::Any | Criterion::One) {
                    for &s in subschemas {
                        let mut sub = ctx.sub();
                        self.compare(&mut sub, Some(o), Some(s));
                        if sub.is_compatible() {
                            ctx.diffs.extend(sub.diffs);
                            ctx.add(D::SumTypeExtended, None, None);
                            return;
                        }
                    }
                }
            }
            (
                Kind::Combined {
                    criterion,
                    subschemas,
                },
                kind,
            ) if !matches!(kind, Kind::Combined { .. }) => {
                // A combination that became one of its parts.
                if subschemas.len() == 1 {
                    let mut sub = ctx.sub();
                    self.compare(&mut sub, Some(subschemas[0]), Some(u));
                    if sub.is_compatible() {
                        ctx.diffs.extend(sub.diffs);
                        return;
                    }
                }
                if *criterion == Criterion::All {
                    for &s in subschemas {
                        let mut sub = ctx.sub();
                        self.compare(&mut sub, Some(s), Some(u));
                        if sub.is_compatible() {
                            ctx.diffs.extend(sub.diffs);
                            ctx.add(D::ProductTypeNarrowed, None, None);
                            return;
                        }
                    }
                }
            }
            _ => {}
        }
        if !same_class(&on.kind, &un.kind) {
            let bytes = |n: &Node| n.common.connect_type.as_deref() == Some("bytes");
            if matches!(on.kind, Kind::False) || matches!(un.kind, Kind::Empty) {
                return;
            }
            // Connect's `bytes` (a decimal) written as a string or as a number.
            if bytes(on) && bytes(un) {
                return;
            }
            ctx.add(
                D::TypeChanged,
                Some(on.kind.describe().to_string()),
                Some(un.kind.describe().to_string()),
            );
            return;
        }
        let (oc, uc) = (&on.common, &un.common);
        if oc.id != uc.id {
            ctx.add(D::IdChanged, oc.id.clone(), uc.id.clone());
        }
        if oc.title != uc.title {
            ctx.add(D::TitleChanged, oc.title.clone(), uc.title.clone());
        }
        if oc.description != uc.description {
            ctx.add(D::DescriptionChanged, None, None);
        }
        if oc.default != uc.default {
            ctx.add(
                D::DefaultChanged,
                oc.default.as_ref().map(Value::to_string),
                uc.default.as_ref().map(Value::to_string),
            );
        }
        match (&on.kind, &un.kind) {
            (Kind::String(o), Kind::String(u)) => compare_strings(ctx, o, u),
            (Kind::Number(o), Kind::Number(u)) => compare_numbers(ctx, o, u),
            (Kind::Enum(o), Kind::Enum(u)) => compare_enums(ctx, o, u),
            (Kind::Const(o), Kind::Const(u)) if o != u => {
                ctx.add_at(
                    "const",
                    D::EnumArrayChanged,
                    Some(o.to_string()),
                    Some(u.to_string()),
                );
            }
            (
                Kind::Combined {
                    criterion: oc,
                    subschemas: os,
                },
                Kind::Combined {
                    criterion: uc,
                    subschemas: us,
                },
            ) => self.compare_combined(ctx, (*oc, os), (*uc, us)),
            (Kind::Not(o), Kind::Not(u)) => {
                // The inner schemas trade places: `not` reverses what a change means.
                ctx.enter("not");
                let mut reversed = Differ::new(self.update, self.original);
                reversed.not_depth = self.not_depth + 1;
                let mut sub = ctx.sub();
                if reversed.not_depth <= MAX_NOT_DEPTH {
                    reversed.compare(&mut sub, Some(*u), Some(*o));
                }
                if sub.is_compatible() {
                    ctx.add(D::NotTypeNarrowed, None, None);
                } else {
                    ctx.add(D::NotTypeExtended, None, None);
                }
                ctx.leave();
            }
            (Kind::Object(o), Kind::Object(u)) => self.compare_objects(ctx, o, u),
            (Kind::Array(o), Kind::Array(u)) => self.compare_arrays(ctx, o, u),
            _ => {}
        }
    }

    /// `CombinedSchemaDiff.compare`: the criteria, the number of distinct subschemas, and a
    /// matching of original subschemas to compatible update subschemas that covers the
    /// smaller side.
    fn compare_combined(
        &mut self,
        ctx: &mut Ctx,
        (original_criterion, original): (Criterion, &[NodeId]),
        (update_criterion, update): (Criterion, &[NodeId]),
    ) {
        let singleton = |s: &[NodeId]| s.len() == 1;
        if original_criterion != update_criterion {
            let extended = update_criterion == Criterion::Any
                || (singleton(original) && singleton(update))
                || (singleton(original) && update_criterion == Criterion::One)
                || (singleton(update) && original_criterion == Criterion::All);
            let kind = if extended {
                D::CombinedTypeExtended
            } else {
                D::CombinedTypeChanged
            };
            ctx.add(
                kind,
                Some(original_criterion.keyword().to_string()),
                Some(update_criterion.keyword().to_string()),
            );
            if !extended {
                return;
            }
        }
        let originals = distinct(original, |id| &self.o(id).key);
        let updates = distinct(update, |id| &self.u(id).key);
        let count = |n: usize| format!("{n} distinct subschema{}", if n == 1 { "" } else { "s" });
        let sizes = (Some(count(originals.len())), Some(count(updates.len())));
        if originals.len() < updates.len() {
            let kind = if update_criterion == Criterion::All {
                D::ProductTypeExtended
            } else {
                D::SumTypeExtended
            };
            ctx.add(kind, sizes.0, sizes.1);
        } else if originals.len() > updates.len() {
            let kind = if matches!(original_criterion, Criterion::Any | Criterion::One) {
                D::SumTypeNarrowed
            } else {
                D::ProductTypeNarrowed
            };
            ctx.add(kind, sizes.0, sizes.1);
        }
        // The compatible pairs, each with its differences.
        let mut edges: Vec<Vec<(usize, Vec<Difference>)>> = Vec::new();
        for (i, &o) in originals.iter().enumerate() {
            ctx.enter(format!("{}/{i}", original_criterion.keyword()));
            let mut found = Vec::new();
            for (j, &u) in updates.iter().enumerate() {
                let mut sub = ctx.sub();
                self.compare(&mut sub, Some(o), Some(u));
                if sub.is_compatible() {
                    found.push((j, sub.diffs));
                }
            }
            // Pairs with fewer differences are tried first.
            found.sort_by_key(|(j, d)| (d.len(), *j));
            edges.push(found);
            ctx.leave();
        }
        let matching = maximum_matching(&edges, updates.len());
        let mut matched = 0;
        for (i, j) in matching.iter().enumerate() {
            if let Some(j) = j
                && let Some((_, diffs)) = edges[i].iter().find(|(k, _)| k == j)
            {
                ctx.diffs.extend(diffs.iter().cloned());
                matched += 1;
            }
        }
        if matched < originals.len().min(updates.len()) {
            ctx.add(D::CombinedTypeSubschemasChanged, None, None);
        }
    }

    /// `ObjectSchemaDiff.compare`.
    fn compare_objects(&mut self, ctx: &mut Ctx, original: &ObjectNode, update: &ObjectNode) {
        let property = |object: &ObjectNode, key: &str| {
            object
                .properties
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, id)| *id)
        };
        let required = |object: &ObjectNode, key: &str| object.required.iter().any(|r| r == key);
        let has_default = |schema: &Schema, id: NodeId| schema.nodes[id].common.default.is_some();
        // Required.
        ctx.enter("required");
        for (key, _) in &original.properties {
            let Some(update_property) = property(update, key) else {
                continue;
            };
            let (was, is) = (required(original, key), required(update, key));
            let state = |r: bool| {
                Some(format!(
                    "`{key}` {}",
                    if r { "required" } else { "optional" }
                ))
            };
            if was && !is {
                ctx.add_at(key, D::RequiredAttributeRemoved, state(was), state(is));
            } else if !was && is {
                let kind = if has_default(self.update, update_property) {
                    D::RequiredAttributeWithDefaultAdded
                } else {
                    D::RequiredAttributeAdded
                };
                ctx.add_at(key, kind, state(was), state(is));
            }
        }
        ctx.leave();
        // Properties.
        ctx.enter("properties");
        let keys = union(
            original.properties.iter().map(|(k, _)| k.as_str()),
            update.properties.iter().map(|(k, _)| k.as_str()),
        );
        for key in keys {
            ctx.enter(key);
            let named = Some(format!("property `{key}`"));
            match (property(original, key), property(update, key)) {
                (Some(o), None) => {
                    if is_open(update) {
                        ctx.add(D::PropertyRemovedFromOpenContentModel, named, None);
                    } else if let Some(partial) = partially_open(update, key) {
                        let mut sub = ctx.sub();
                        self.compare(&mut sub, Some(o), Some(partial));
                        let compatible = sub.is_compatible();
                        ctx.diffs.extend(sub.diffs);
                        let kind = if compatible {
                            D::PropertyRemovedIsCoveredByPartiallyOpenContentModel
                        } else {
                            D::PropertyRemovedNotCoveredByPartiallyOpenContentModel
                        };
                        ctx.add(kind, named, None);
                    } else if matches!(self.o(self.original.resolve(o)).kind, Kind::False) {
                        ctx.add(
                            D::PropertyWithFalseRemovedFromClosedContentModel,
                            named,
                            None,
                        );
                    } else {
                        ctx.add(D::PropertyRemovedFromClosedContentModel, named, None);
                    }
                }
                (None, Some(u)) => {
                    if is_open(original) {
                        let kind = if matches!(self.u(u).kind, Kind::Empty) {
                            D::PropertyWithEmptySchemaAddedToOpenContentModel
                        } else {
                            D::PropertyAddedToOpenContentModel
                        };
                        ctx.add(kind, None, named);
                    } else {
                        if let Some(partial) = partially_open(original, key) {
                            let mut sub = ctx.sub();
                            self.compare(&mut sub, Some(partial), Some(u));
                            let compatible = sub.is_compatible();
                            ctx.diffs.extend(sub.diffs);
                            let kind = if compatible {
                                D::PropertyAddedIsCoveredByPartiallyOpenContentModel
                            } else {
                                D::PropertyAddedNotCoveredByPartiallyOpenContentModel
                            };
                            ctx.add(kind, None, named.clone());
                        }
                        let kind = if !required(update, key) {
                            D::OptionalPropertyAddedToUnopenContentModel
                        } else if has_default(self.update, u) {
                            D::RequiredPropertyWithDefaultAddedToUnopenContentModel
                        } else {
                            D::RequiredPropertyAddedToUnopenContentModel
                        };
                        ctx.add(kind, None, named);
                    }
                }
                (Some(o), Some(u)) => self.compare(ctx, Some(o), Some(u)),
                (None, None) => {}
            }
            ctx.leave();
        }
        ctx.leave();
        // Dependencies.
        ctx.enter("dependencies");
        for key in union(
            original
                .property_dependencies
                .iter()
                .map(|(k, _)| k.as_str()),
            update.property_dependencies.iter().map(|(k, _)| k.as_str()),
        ) {
            let list = |names: &Vec<String>| Some(format!("[{}]", names.join(", ")));
            // Lists of the same names in another order are the same set.
            let set = |names: &Vec<String>| names.iter().cloned().collect::<HashSet<String>>();
            match (
                original
                    .property_dependencies
                    .iter()
                    .find(|(k, _)| k == key)
                    .map(|(_, v)| v),
                update
                    .property_dependencies
                    .iter()
                    .find(|(k, _)| k == key)
                    .map(|(_, v)| v),
            ) {
                (Some(o), None) => ctx.add_at(key, D::DependencyArrayRemoved, list(o), None),
                (None, Some(u)) => ctx.add_at(key, D::DependencyArrayAdded, None, list(u)),
                (Some(o), Some(u)) if set(o) != set(u) => {
                    let kind = if set(u).is_superset(&set(o)) {
                        D::DependencyArrayExtended
                    } else if set(o).is_superset(&set(u)) {
                        D::DependencyArrayNarrowed
                    } else {
                        D::DependencyArrayChanged
                    };
                    ctx.add_at(key, kind, list(o), list(u));
                }
                _ => {}
            }
        }
        let schema_dependency = |object: &ObjectNode, key: &str| {
            object
                .schema_dependencies
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, id)| *id)
        };
        for key in union(
            original.schema_dependencies.iter().map(|(k, _)| k.as_str()),
            update.schema_dependencies.iter().map(|(k, _)| k.as_str()),
        ) {
            ctx.enter(key);
            match (
                schema_dependency(original, key),
                schema_dependency(update, key),
            ) {
                (Some(_), None) => ctx.add(D::DependencySchemaRemoved, None, None),
                (None, Some(_)) => ctx.add(D::DependencySchemaAdded, None, None),
                (Some(o), Some(u)) => self.compare(ctx, Some(o), Some(u)),
                (None, None) => {}
            }
            ctx.leave();
        }
        ctx.leave();
        // Additional properties.
        ctx.enter("additionalProperties");
        if original.permits_additional != update.permits_additional {
            let allowed = |p: bool| Some(if p { "allowed" } else { "not allowed" }.to_string());
            let kind = if update.permits_additional {
                D::AdditionalPropertiesAdded
            } else {
                D::AdditionalPropertiesRemoved
            };
            ctx.add(
                kind,
                allowed(original.permits_additional),
                allowed(update.permits_additional),
            );
        } else if original.additional.is_none() && update.additional.is_some() {
            ctx.add(D::AdditionalPropertiesNarrowed, None, None);
        } else if original.additional.is_some() && update.additional.is_none() {
            ctx.add(D::AdditionalPropertiesExtended, None, None);
        } else {
            self.compare(ctx, original.additional, update.additional);
        }
        ctx.leave();
        // Counts.
        compare_limit(
            ctx,
            "maxProperties",
            original.max_properties.map(|n| n as f64),
            update.max_properties.map(|n| n as f64),
            [
                D::MaxPropertiesAdded,
                D::MaxPropertiesRemoved,
                D::MaxPropertiesIncreased,
                D::MaxPropertiesDecreased,
            ],
        );
        compare_limit(
            ctx,
            "minProperties",
            original.min_properties.map(|n| n as f64),
            update.min_properties.map(|n| n as f64),
            [
                D::MinPropertiesAdded,
                D::MinPropertiesRemoved,
                D::MinPropertiesIncreased,
                D::MinPropertiesDecreased,
            ],
        );
    }

    /// `ArraySchemaDiff.compare`, for draft 7.
    fn compare_arrays(&mut self, ctx: &mut Ctx, original: &ArrayNode, update: &ArrayNode) {
        ctx.enter("items");
        self.compare(ctx, original.all_items, update.all_items);
        ctx.leave();
        // Tuples: items by position.
        let (os, us) = (
            original.item_schemas.as_deref().unwrap_or_default(),
            update.item_schemas.as_deref().unwrap_or_default(),
        );
        for index in 0..os.len().max(us.len()) {
            ctx.enter(format!("items/{index}"));
            match (os.get(index), us.get(index)) {
                (Some(&o), Some(&u)) => self.compare(ctx, Some(o), Some(u)),
                (Some(&o), None) => {
                    if is_open_array(update) {
                        ctx.add(D::ItemRemovedFromOpenContentModel, None, None);
                    } else if let Some(partial) = update.additional {
                        let mut sub = ctx.sub();
                        self.compare(&mut sub, Some(o), Some(partial));
                        let compatible = sub.is_compatible();
                        ctx.diffs.extend(sub.diffs);
                        let kind = if compatible {
                            D::ItemRemovedIsCoveredByPartiallyOpenContentModel
                        } else {
                            D::ItemRemovedNotCoveredByPartiallyOpenContentModel
                        };
                        ctx.add(kind, None, None);
                    } else if matches!(self.o(self.original.resolve(o)).kind, Kind::False) {
                        ctx.add(D::ItemWithFalseRemovedFromClosedContentModel, None, None);
                    } else {
                        ctx.add(D::ItemRemovedFromClosedContentModel, None, None);
                    }
                }
                (None, Some(&u)) => {
                    if is_open_array(original) {
                        let kind = if matches!(self.u(u).kind, Kind::Empty) {
                            D::ItemWithEmptySchemaAddedToOpenContentModel
                        } else {
                            D::ItemAddedToOpenContentModel
                        };
                        ctx.add(kind, None, None);
                    } else if let Some(partial) = original.additional {
                        let mut sub = ctx.sub();
                        self.compare(&mut sub, Some(partial), Some(u));
                        let compatible = sub.is_compatible();
                        ctx.diffs.extend(sub.diffs);
                        let kind = if compatible {
                            D::ItemAddedIsCoveredByPartiallyOpenContentModel
                        } else {
                            D::ItemAddedNotCoveredByPartiallyOpenContentModel
                        };
                        ctx.add(kind, None, None);
                    } else {
                        ctx.add(D::ItemAddedToClosedContentModel, None, None);
                    }
                }
                (None, None) => {}
            }
            ctx.leave();
        }
        ctx.enter("additionalItems");
        if original.permits_additional != update.permits_additional {
            let kind = if original.permits_additional {
                D::AdditionalItemsRemoved
            } else {
                D::AdditionalItemsAdded
            };
            ctx.add(kind, None, None);
        } else if original.additional.is_none() && update.additional.is_some() {
            ctx.add(D::AdditionalItemsNarrowed, None, None);
        } else if original.additional.is_some() && update.additional.is_none() {
            ctx.add(D::AdditionalItemsExtended, None, None);
        } else {
            self.compare(ctx, original.additional, update.additional);
        }
        ctx.leave();
        compare_limit(
            ctx,
            "maxItems",
            original.max_items.map(|n| n as f64),
            update.max_items.map(|n| n as f64),
            [
                D::MaxItemsAdded,
                D::MaxItemsRemoved,
                D::MaxItemsIncreased,
                D::MaxItemsDecreased,
            ],
        );
        compare_limit(
            ctx,
            "minItems",
            original.min_items.map(|n| n as f64),
            update.min_items.map(|n| n as f64),
            [
                D::MinItemsAdded,
                D::MinItemsRemoved,
                D::MinItemsIncreased,
                D::MinItemsDecreased,
            ],
        );
        if original.unique_items != update.unique_items {
            let kind = if original.unique_items {
                D::UniqueItemsRemoved
            } else {
                D::UniqueItemsAdded
            };
            ctx.add_at("uniqueItems", kind, None, None);
        }
    }
}

/// Whether two nodes are of the same everit class (`TrueSchema` and `EmptySchema` count as
/// one, as do all numbers and all combinations).
fn same_class(original: &Kind, update: &Kind) -> bool {
    std::mem::discriminant(original) == std::mem::discriminant(update)
}

/// `StringSchemaDiff.compare`.
fn compare_strings(ctx: &mut Ctx, original: &StringNode, update: &StringNode) {
    compare_limit(
        ctx,
        "maxLength",
        original.max_length.map(|n| n as f64),
        update.max_length.map(|n| n as f64),
        [
            D::MaxLengthAdded,
            D::MaxLengthRemoved,
            D::MaxLengthIncreased,
            D::MaxLengthDecreased,
        ],
    );
    compare_limit(
        ctx,
        "minLength",
        original.min_length.map(|n| n as f64),
        update.min_length.map(|n| n as f64),
        [
            D::MinLengthAdded,
            D::MinLengthRemoved,
            D::MinLengthIncreased,
            D::MinLengthDecreased,
        ],
    );
    match (&original.pattern, &update.pattern) {
        (None, Some(u)) => ctx.add_at("pattern", D::PatternAdded, None, Some(quote(u))),
        (Some(o), None) => ctx.add_at("pattern", D::PatternRemoved, Some(quote(o)), None),
        (Some(o), Some(u)) if o != u => {
            ctx.add_at("pattern", D::PatternChanged, Some(quote(o)), Some(quote(u)))
        }
        _ => {}
    }
}

/// `NumberSchemaDiff.compare`.
fn compare_numbers(ctx: &mut Ctx, original: &NumberNode, update: &NumberNode) {
    compare_limit(
        ctx,
        "maximum",
        original.maximum,
        update.maximum,
        [
            D::MaximumAdded,
            D::MaximumRemoved,
            D::MaximumIncreased,
            D::MaximumDecreased,
        ],
    );
    compare_limit(
        ctx,
        "minimum",
        original.minimum,
        update.minimum,
        [
            D::MinimumAdded,
            D::MinimumRemoved,
            D::MinimumIncreased,
            D::MinimumDecreased,
        ],
    );
    compare_limit(
        ctx,
        "exclusiveMaximum",
        original.exclusive_maximum,
        update.exclusive_maximum,
        [
            D::ExclusiveMaximumAdded,
            D::ExclusiveMaximumRemoved,
            D::ExclusiveMaximumIncreased,
            D::ExclusiveMaximumDecreased,
        ],
    );
    compare_limit(
        ctx,
        "exclusiveMinimum",
        original.exclusive_minimum,
        update.exclusive_minimum,
        [
            D::ExclusiveMinimumAdded,
            D::ExclusiveMinimumRemoved,
            D::ExclusiveMinimumIncreased,
            D::ExclusiveMinimumDecreased,
        ],
    );
    match (original.multiple_of, update.multiple_of) {
        (None, Some(u)) => ctx.add_at("multipleOf", D::MultipleOfAdded, None, Some(number(u))),
        (Some(o), None) => ctx.add_at("multipleOf", D::MultipleOfRemoved, Some(number(o)), None),
        (Some(o), Some(u)) if o != u => {
            // A multiple of the original's step: fewer values (expanded); a divisor of it:
            // more (reduced).
            let kind = if divides(o, u) {
                D::MultipleOfExpanded
            } else if divides(u, o) {
                D::MultipleOfReduced
            } else {
                D::MultipleOfChanged
            };
            ctx.add_at("multipleOf", kind, Some(number(o)), Some(number(u)));
        }
        _ => {}
    }
    if original.requires_integer != update.requires_integer {
        let name = |integer: bool| Some(if integer { "integer" } else { "number" }.to_string());
        let kind = if original.requires_integer {
            D::TypeExtended
        } else {
            D::TypeNarrowed
        };
        ctx.add(
            kind,
            name(original.requires_integer),
            name(update.requires_integer),
        );
    }
}

/// Whether `multiple` is a whole multiple of `step`.
fn divides(step: f64, multiple: f64) -> bool {
    let ratio = multiple / step;
    ratio.is_finite() && (ratio - ratio.round()).abs() < 1e-9
}

/// `EnumSchemaDiff.compare`: the values as sets.
fn compare_enums(ctx: &mut Ctx, original: &[Value], update: &[Value]) {
    let contains_all = |all: &[Value], some: &[Value]| some.iter().all(|v| all.contains(v));
    if contains_all(original, update) && contains_all(update, original) {
        return;
    }
    let list = |values: &[Value]| {
        Some(format!(
            "[{}]",
            values
                .iter()
                .map(Value::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ))
    };
    let kind = if contains_all(update, original) {
        D::EnumArrayExtended
    } else if contains_all(original, update) {
        D::EnumArrayNarrowed
    } else {
        D::EnumArrayChanged
    };
    ctx.add_at("enum", kind, list(original), list(update));
}

/// A bound or count at `attribute`: added, removed, increased or decreased (in that order
/// in `kinds`).
fn compare_limit(
    ctx: &mut Ctx,
    attribute: &str,
    original: Option<f64>,
    update: Option<f64>,
    [added, removed, increased, decreased]: [D; 4],
) {
    let named = |n: f64| Some(format!("{attribute} {}", number(n)));
    match (original, update) {
        (None, Some(u)) => ctx.add_at(attribute, added, None, named(u)),
        (Some(o), None) => ctx.add_at(attribute, removed, named(o), None),
        (Some(o), Some(u)) if o < u => ctx.add_at(attribute, increased, named(o), named(u)),
        (Some(o), Some(u)) if o > u => ctx.add_at(attribute, decreased, named(o), named(u)),
        _ => {}
    }
}

/// A number as JSON writes it (`10`, not `10.0`).
fn number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        n.to_string()
    }
}

fn quote(text: &str) -> String {
    format!("`{text}`")
}

/// `isOpenContentModel` of an object: no pattern properties, and additional properties
/// allowed without a schema.
fn is_open(object: &ObjectNode) -> bool {
    object.pattern_properties.is_empty() && object.additional.is_none() && object.permits_additional
}

/// The schema a partially open object gives a property it does not list: the first pattern
/// property whose regular expression finds a match in the name, else its additional
/// properties' schema.
fn partially_open(object: &ObjectNode, key: &str) -> Option<NodeId> {
    object
        .pattern_properties
        .iter()
        .find(|(pattern, _)| pattern.is_match(key))
        .map(|(_, id)| *id)
        .or(object.additional)
}

/// `isOpenContentModel` of an array: additional items allowed without a schema.
fn is_open_array(array: &ArrayNode) -> bool {
    array.permits_additional && array.additional.is_none()
}

/// The subschemas without repeats (equal ones collapse, as in Confluent's sets), in order.
fn distinct<'k>(ids: &[NodeId], key: impl Fn(NodeId) -> &'k String) -> Vec<NodeId> {
    let mut seen: Vec<&String> = Vec::new();
    let mut out = Vec::new();
    for &id in ids {
        let k = key(id);
        if !seen.contains(&k) {
            seen.push(k);
            out.push(id);
        }
    }
    out
}

/// A maximum matching of the bipartite graph whose left vertex `i` may take the right
/// vertices `edges[i]` (tried in that order): augmenting paths (Kuhn). Returns each left
/// vertex's partner.
fn maximum_matching<T>(edges: &[Vec<(usize, T)>], right: usize) -> Vec<Option<usize>> {
    fn augment<T>(
        i: usize,
        edges: &[Vec<(usize, T)>],
        seen: &mut [bool],
        partner_of_right: &mut [Option<usize>],
    ) -> bool {
        for (j, _) in &edges[i] {
            if seen[*j] {
                continue;
            }
            seen[*j] = true;
            let free = match partner_of_right[*j] {
                None => true,
                Some(k) => augment(k, edges, seen, partner_of_right),
            };
            if free {
                partner_of_right[*j] = Some(i);
                return true;
            }
        }
        false
    }
    let mut partner_of_right: Vec<Option<usize>> = vec![None; right];
    for i in 0..edges.len() {
        let mut seen = vec![false; right];
        augment(i, edges, &mut seen, &mut partner_of_right);
    }
    let mut partner_of_left = vec![None; edges.len()];
    for (j, i) in partner_of_right.iter().enumerate() {
        if let Some(i) = i {
            partner_of_left[*i] = Some(j);
        }
    }
    partner_of_left
}

/// The items of `first`, then those of `second` it lacks, each once.
fn union<'s>(
    first: impl Iterator<Item = &'s str>,
    second: impl Iterator<Item = &'s str>,
) -> Vec<&'s str> {
    let mut all: Vec<&str> = Vec::new();
    for item in first.chain(second) {
        if !all.contains(&item) {
            all.push(item);
        }
    }
    all
}
