//! Changes resolved against one schema, for replay.
//!
//! A replayed change runs on a record whose part has the schema the recording saw (the same
//! `Arc`). Everything about it that follows from that schema — the field indices its paths
//! lead to, the schema each node is given, the part's new root schema — is then what it was
//! when it was recorded, and only its work on the values is left to do. A [`Plan`] holds that
//! work, resolved once when the change is recorded: a walk by index instead of by name, and
//! the recorded root schema instead of derivations looked up again in the memo.
//!
//! A plan runs only where it does exactly what its change does: on a part whose schema is its
//! input schema and whose values have the shape that change met when it was recorded (a
//! struct on its paths, not null where the change would fail or leave the part as it is).
//! Otherwise [`Plan::run`] leaves the data untouched and says so, and the change itself runs.

use std::sync::Arc;

use switchyard_data::{ConnectData, Schema, SchemaType, Value};

use super::{cast, flatten_struct};

/// A change of schema'd data, named as the WIT operation that made it; paths are field names
/// from the top of the part.
#[derive(Debug, Clone, Copy)]
pub enum Change<'a> {
    /// `copy` (the `optional` flag changes only the schema, which the plan records).
    Copy {
        /// Where the node is read.
        from: &'a [String],
        /// Where it is placed.
        to: &'a [String],
    },
    /// `put` of a scalar (already checked against its schema when recorded).
    Put {
        /// Where the value is placed.
        to: &'a [String],
        /// The value.
        value: &'a Value,
    },
    /// `rebuild` of a struct.
    Rebuild {
        /// The struct.
        path: &'a [String],
        /// Whether null fields take their defaults.
        apply_defaults: bool,
    },
    /// `extract`.
    Extract {
        /// The node that becomes the part.
        path: &'a [String],
        /// Whether a null node takes its default.
        apply_defaults: bool,
    },
    /// `flatten` of the part.
    Flatten,
    /// `cast` of a scalar.
    Cast {
        /// The scalar.
        path: &'a [String],
        /// The type it is cast to.
        to: SchemaType,
        /// Whether a null scalar is cast from its default.
        apply_defaults: bool,
    },
}

/// Where a node is placed: a field of the struct a path of indices leads to, or the part.
#[derive(Debug)]
enum Place {
    /// The whole part.
    Part,
    /// The field at `index` of the struct at `parent`, appended when `append` (the struct has
    /// `index` fields then).
    Field {
        parent: Box<[u32]>,
        index: u32,
        append: bool,
    },
}

/// The work on the values of a planned change.
#[derive(Debug)]
enum Work {
    Copy {
        from: Box<[u32]>,
        to: Place,
    },
    Put {
        to: Place,
        value: Value,
    },
    Rebuild {
        at: Box<[u32]>,
        defaults: Box<[(u32, Value)]>,
    },
    Extract {
        at: Box<[u32]>,
        default: Option<Value>,
    },
    Flatten {
        fields: usize,
    },
    Cast {
        at: Box<[u32]>,
        to: SchemaType,
        default: Option<Value>,
    },
}

/// A change resolved against its input schema (see the module's documentation).
#[derive(Debug)]
pub struct Plan {
    input: Arc<Schema>,
    output: Arc<Schema>,
    work: Work,
}

/// The field indices of `path` through the structs of `schema`, and the schema it leads to;
/// `None` where it leaves the structs (a map, a missing field).
fn indices<'s>(schema: &'s Arc<Schema>, path: &[String]) -> Option<(Box<[u32]>, &'s Arc<Schema>)> {
    let mut at = Vec::with_capacity(path.len());
    let mut node = schema;
    for name in path {
        if node.kind != SchemaType::Struct {
            return None;
        }
        let i = node.field_index(name)?;
        at.push(u32::try_from(i).ok()?);
        node = &node.fields[i].schema;
    }
    Some((at.into_boxed_slice(), node))
}

/// Where `put`'s placement rules place a node at `to` in data of schema `schema`.
fn place_of(schema: &Arc<Schema>, to: &[String]) -> Option<Place> {
    let Some((name, parent_path)) = to.split_last() else {
        return Some(Place::Part);
    };
    let (parent, parent_schema) = indices(schema, parent_path)?;
    if parent_schema.kind != SchemaType::Struct {
        return None;
    }
    let (index, append) = match parent_schema.field_index(name) {
        Some(i) => (i, false),
        None => (parent_schema.fields.len(), true),
    };
    Some(Place::Field {
        parent,
        index: u32::try_from(index).ok()?,
        append,
    })
}

impl Plan {
    /// The plan of `change`, which turned data of schema `input` into data of schema `output`
    /// and answered done; `None` for a change no plan can do.
    pub fn new(change: Change<'_>, input: &Arc<Schema>, output: &Arc<Schema>) -> Option<Plan> {
        let work = match change {
            Change::Copy { from, to } => Work::Copy {
                from: indices(input, from)?.0,
                to: place_of(input, to)?,
            },
            Change::Put { to, value } => Work::Put {
                to: place_of(input, to)?,
                value: value.clone(),
            },
            Change::Rebuild {
                path,
                apply_defaults,
            } => {
                let (at, node) = indices(input, path)?;
                if node.kind != SchemaType::Struct {
                    return None;
                }
                let defaults = node
                    .fields
                    .iter()
                    .enumerate()
                    .filter(|_| apply_defaults)
                    .filter_map(|(i, f)| Some((u32::try_from(i).ok()?, f.schema.default.clone()?)))
                    .collect();
                Work::Rebuild { at, defaults }
            }
            Change::Extract {
                path,
                apply_defaults,
            } => {
                let (at, node) = indices(input, path)?;
                Work::Extract {
                    at,
                    default: node.default.clone().filter(|_| apply_defaults),
                }
            }
            Change::Flatten => Work::Flatten {
                fields: output.fields.len(),
            },
            Change::Cast {
                path,
                to,
                apply_defaults,
            } => {
                let (at, node) = indices(input, path)?;
                if !cast::host_casts(node.kind, node.name.as_deref(), to) {
                    return None;
                }
                Work::Cast {
                    at,
                    to,
                    default: node.default.clone().filter(|_| apply_defaults),
                }
            }
        };
        Some(Plan {
            input: Arc::clone(input),
            output: Arc::clone(output),
            work,
        })
    }

    /// Does the change on `data`, as the change itself would, when `data` has the plan's input
    /// schema and the values the change met when it was recorded; otherwise leaves `data` as
    /// it is and returns `false`.
    pub fn run(&self, data: &mut ConnectData) -> bool {
        if !data
            .schema
            .as_ref()
            .is_some_and(|s| Arc::ptr_eq(s, &self.input))
        {
            return false;
        }
        let done = match &self.work {
            Work::Copy { from, to } => {
                let value = match read(&data.value, from) {
                    Read::Value(v) => v.clone(),
                    Read::InsideNull => Value::Null,
                    Read::Unlike => return false,
                };
                put(&mut data.value, to, value)
            }
            Work::Put { to, value } => put(&mut data.value, to, value.clone()),
            Work::Rebuild { at, defaults } => match struct_at(&mut data.value, at) {
                Some(values) => {
                    for (i, default) in defaults {
                        if let Some(v) = values.get_mut(*i as usize)
                            && v.is_null()
                        {
                            *v = default.clone();
                        }
                    }
                    true
                }
                None => false,
            },
            Work::Extract { at, default } => {
                let Some((last, parent)) = at.split_last() else {
                    return false;
                };
                let Some(node) = struct_at(&mut data.value, parent)
                    .and_then(|values| values.get_mut(*last as usize))
                else {
                    return false;
                };
                let mut value = std::mem::replace(node, Value::Null);
                if let (Value::Null, Some(default)) = (&value, default) {
                    value = default.clone();
                }
                data.value = value;
                true
            }
            Work::Flatten { fields } => {
                if data.value.is_null() {
                    return false;
                }
                let value = std::mem::replace(&mut data.value, Value::Null);
                let mut values = Vec::with_capacity(*fields);
                flatten_struct(&self.input, value, &mut values);
                data.value = Value::Struct(values);
                true
            }
            Work::Cast { at, to, default } => cast_at(&mut data.value, at, *to, default.as_ref()),
        };
        if done {
            data.schema = Some(Arc::clone(&self.output));
        }
        done
    }
}

/// What a walk by index found.
enum Read<'a> {
    /// The node.
    Value(&'a Value),
    /// A struct on the way is null: the node is null, as `copy` reads it.
    InsideNull,
    /// Values unlike the schema's: the change decides.
    Unlike,
}

/// The node at `at` through structs, as `copy` reads it.
fn read<'a>(mut value: &'a Value, at: &[u32]) -> Read<'a> {
    for &i in at {
        value = match value {
            Value::Struct(values) => match values.get(i as usize) {
                Some(v) => v,
                None => return Read::Unlike,
            },
            Value::Null => return Read::InsideNull,
            _ => return Read::Unlike,
        };
    }
    Read::Value(value)
}

/// The fields of the struct at `at`, when every node on the way and the node are structs (the
/// changes fail or do nothing on a null one).
fn struct_at<'a>(mut value: &'a mut Value, at: &[u32]) -> Option<&'a mut Vec<Value>> {
    for &i in at {
        value = match value {
            Value::Struct(values) => values.get_mut(i as usize)?,
            _ => return None,
        };
    }
    match value {
        Value::Struct(values) => Some(values),
        _ => None,
    }
}

/// Places `value` as `put` does, when the parent struct is there.
fn put(root: &mut Value, to: &Place, value: Value) -> bool {
    match to {
        Place::Part => *root = value,
        Place::Field {
            parent,
            index,
            append,
        } => {
            let Some(values) = struct_at(root, parent) else {
                return false;
            };
            let index = *index as usize;
            match (append, values.len()) {
                (false, n) if index < n => values[index] = value,
                (true, n) if index == n => values.push(value),
                _ => return false,
            }
        }
    }
    true
}

/// `cast` of the scalar at `at` (not the part itself, whose null the change leaves alone).
fn cast_at(root: &mut Value, at: &[u32], to: SchemaType, default: Option<&Value>) -> bool {
    if root.is_null() {
        return false;
    }
    let node = match at.split_last() {
        None => root,
        Some((last, parent)) => {
            match struct_at(root, parent).and_then(|values| values.get_mut(*last as usize)) {
                Some(node) => node,
                None => return false,
            }
        }
    };
    let source = match (&*node, default) {
        (Value::Null, Some(default)) => default,
        (other, _) => other,
    };
    let cast = match source {
        Value::Null => Value::Null,
        other => match cast::cast_value(other, to) {
            Ok(v) => v,
            Err(_) => return false,
        },
    };
    *node = cast;
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{copy, extract, flatten, put as put_op, rebuild};
    use switchyard_data::DataError;

    fn names(path: &[&str]) -> Vec<String> {
        path.iter().map(|s| (*s).to_owned()).collect()
    }

    /// A Debezium-like envelope: `before` and `after` rows (with a nested struct and a field
    /// with a default), `source.table`, `op`.
    fn envelope(after: Value) -> ConnectData {
        let dims = Schema::new(SchemaType::Struct)
            .optional()
            .field("w", Schema::new(SchemaType::Int32))
            .field("h", {
                let mut s = Schema::new(SchemaType::Int32).optional();
                s.default = Some(Value::Int32(1));
                s
            });
        let row = Schema::new(SchemaType::Struct)
            .optional()
            .named("row")
            .field("id", Schema::new(SchemaType::Int64))
            .field("dims", dims);
        let source = Schema::new(SchemaType::Struct)
            .optional()
            .field("table", Schema::new(SchemaType::String));
        let schema = Schema::new(SchemaType::Struct)
            .named("x.Envelope")
            .field("before", row.clone())
            .field("after", row)
            .field("source", source)
            .field("op", Schema::new(SchemaType::String));
        ConnectData {
            schema: Some(Arc::new(schema)),
            value: Value::Struct(vec![
                Value::Null,
                after,
                Value::Struct(vec![Value::String("products".into())]),
                Value::String("c".into()),
            ]),
        }
    }

    fn row() -> Value {
        Value::Struct(vec![
            Value::Int64(6),
            Value::Struct(vec![Value::Int32(2), Value::Null]),
        ])
    }

    /// The operation that makes a change.
    type Operation = fn(&mut ConnectData) -> Result<(), DataError>;

    /// Each change that a plan does, with the operation that makes it.
    fn changes() -> Vec<(Change<'static>, Operation)> {
        fn leak(path: &[&str]) -> &'static [String] {
            Box::leak(names(path).into_boxed_slice())
        }
        let value: &'static Value = Box::leak(Box::new(Value::Boolean(false)));
        vec![
            (
                Change::Copy {
                    from: leak(&["source", "table"]),
                    to: leak(&["after", "__table"]),
                },
                |d| {
                    copy(
                        d,
                        &names(&["source", "table"]),
                        &names(&["after", "__table"]),
                        true,
                    )
                },
            ),
            (
                Change::Copy {
                    from: leak(&["op"]),
                    to: leak(&["after", "id"]),
                },
                |d| copy(d, &names(&["op"]), &names(&["after", "id"]), false),
            ),
            (
                Change::Copy {
                    from: leak(&["before", "id"]),
                    to: leak(&["after", "was"]),
                },
                |d| {
                    copy(
                        d,
                        &names(&["before", "id"]),
                        &names(&["after", "was"]),
                        true,
                    )
                },
            ),
            (
                Change::Copy {
                    from: leak(&["after"]),
                    to: leak(&[]),
                },
                |d| copy(d, &names(&["after"]), &[], false),
            ),
            (
                Change::Put {
                    to: leak(&["after", "__deleted"]),
                    value,
                },
                |d| {
                    let schema = Arc::new(Schema::new(SchemaType::Boolean));
                    put_op(
                        d,
                        &names(&["after", "__deleted"]),
                        Some(schema),
                        Value::Boolean(false),
                    )
                },
            ),
            (
                Change::Rebuild {
                    path: leak(&["after", "dims"]),
                    apply_defaults: true,
                },
                |d| rebuild(d, &names(&["after", "dims"]), true),
            ),
            (
                Change::Rebuild {
                    path: leak(&["after"]),
                    apply_defaults: false,
                },
                |d| rebuild(d, &names(&["after"]), false),
            ),
            (
                Change::Extract {
                    path: leak(&["after"]),
                    apply_defaults: true,
                },
                |d| extract(d, &names(&["after"]), true),
            ),
            (Change::Flatten, |d| flatten(d, "_")),
            (
                Change::Cast {
                    path: leak(&["after", "id"]),
                    to: SchemaType::String,
                    apply_defaults: false,
                },
                |d| cast::cast(d, &names(&["after", "id"]), SchemaType::String, false),
            ),
            (
                Change::Cast {
                    path: leak(&["after", "dims", "h"]),
                    to: SchemaType::Int64,
                    apply_defaults: true,
                },
                |d| cast::cast(d, &names(&["after", "dims", "h"]), SchemaType::Int64, true),
            ),
        ]
    }

    /// On data with the recorded schema, a plan runs on values like the recorded ones, and
    /// wherever it runs it leaves what its change leaves, schema and values, the change
    /// answering done; where it declines (a null struct on the way or a null part, on which the
    /// change fails or leaves the part as it is) it leaves the data untouched. On a part with
    /// another schema `Arc`, even an equal one, it declines.
    #[test]
    fn a_plan_does_what_its_change_does_or_declines() {
        let variants = || {
            let mut null_part = envelope(row());
            null_part.value = Value::Null;
            [
                envelope(Value::Struct(vec![Value::Int64(7), Value::Null])),
                envelope(Value::Null),
                null_part,
            ]
        };
        for (n, (change, operation)) in changes().into_iter().enumerate() {
            let mut recorded = envelope(row());
            let input = recorded.schema.clone().expect("schema'd");
            operation(&mut recorded).expect("the change is done");
            let output = recorded.schema.clone().expect("schema'd");
            let plan = Plan::new(change, &input, &output).expect("a plan");

            let mut like_recorded = envelope(row());
            like_recorded.schema = Some(Arc::clone(&input));
            assert!(plan.run(&mut like_recorded), "change {n}");
            assert_eq!(like_recorded, recorded, "change {n}");

            let mut other_arc = envelope(row());
            assert!(!plan.run(&mut other_arc), "change {n}: another schema Arc");
            assert_eq!(other_arc, envelope(row()));

            let mut declined = 0;
            for mut data in variants() {
                data.schema = Some(Arc::clone(&input));
                let mut by_plan = data.clone();
                if plan.run(&mut by_plan) {
                    let mut by_change = data.clone();
                    operation(&mut by_change).expect("the change is done where the plan runs");
                    assert_eq!(by_plan, by_change, "change {n} on {:?}", data.value);
                } else {
                    declined += 1;
                    assert_eq!(by_plan, data, "change {n} declined on {:?}", data.value);
                }
            }
            // Every change but a copy that reads `after` or `before` meets a null it declines.
            assert!(
                declined > 0 || matches!(change, Change::Copy { .. }),
                "change {n} declined nothing"
            );
        }
    }

    /// Paths through a map or to a field that is not there, and casts the host does not make,
    /// have no plan.
    #[test]
    fn changes_off_the_structs_have_no_plan() {
        let schema = Arc::new(
            Schema::new(SchemaType::Struct)
                .field("tags", {
                    let mut map = Schema::new(SchemaType::Map);
                    map.key_schema = Some(Arc::new(Schema::new(SchemaType::String)));
                    map.value_schema = Some(Arc::new(Schema::new(SchemaType::String)));
                    map
                })
                .field("price", Schema::new(SchemaType::Float64)),
        );
        let tags = names(&["tags", "a"]);
        let nope = names(&["nope"]);
        let price = names(&["price"]);
        for change in [
            Change::Copy {
                from: &tags,
                to: &price,
            },
            Change::Copy {
                from: &nope,
                to: &price,
            },
            Change::Put {
                to: &tags,
                value: &Value::Null,
            },
            Change::Rebuild {
                path: &price,
                apply_defaults: false,
            },
            Change::Cast {
                path: &price,
                to: SchemaType::String,
                apply_defaults: false,
            },
        ] {
            assert!(Plan::new(change, &schema, &schema).is_none(), "{change:?}");
        }
    }
}
