//! Schemas derived by the data operations, remembered so that the same operation on the same
//! schema yields the same [`Arc`].
//!
//! A transform that appends a field (`put`), rebuilds a struct (`reshape`), renames a schema or
//! flattens a value derives a new schema from the record's schema. Records of one topic share
//! their decoded schema (the converters cache it), so every record would derive an equal schema
//! again: cloning every field of the parent on each call, and leaving the output converter a new
//! `Arc` each time, whose JSON text it must write afresh (its cache is keyed by the `Arc`).
//! Remembering the derivation by the input schemas' addresses makes the second record's
//! derivation a hash lookup and its output schema pointer-equal to the first record's, so the
//! output converter finds its text cached.
//!
//! The memo is per thread (a pipeline's chain runs on one thread) and bounded: it starts afresh
//! when full. Every entry holds the `Arc`s of its inputs, so an address in a key cannot be
//! reused by another schema while the entry lives.

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::HashMap;
use std::hash::BuildHasherDefault;
use std::hash::{BuildHasher, Hash};
use std::sync::Arc;

use crate::Schema;

/// How many derivations a thread remembers before starting afresh.
const CAPACITY: usize = 4096;

/// What a derivation was: the operation and its arguments, with schemas by address.
///
/// Borrowed for a lookup (no allocation when the memo has it), owned once stored.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Derivation<'a> {
    /// `put` of a field `name` with schema `field` into the struct schema `parent`.
    Put {
        /// The struct's schema.
        parent: usize,
        /// The field's name.
        name: Cow<'a, str>,
        /// The field's schema.
        field: usize,
    },
    /// `reshape` of the struct schema `node` to `fields` (source, target).
    Reshape {
        /// The struct's schema.
        node: usize,
        /// The fields kept, renamed.
        fields: Cow<'a, [(String, String)]>,
    },
    /// `rebuild` of the struct schema `node`: every field kept under its name.
    Rebuild {
        /// The struct's schema.
        node: usize,
    },
    /// The schema `root` with the schema at `path` replaced by `replacement`.
    Replace {
        /// The enclosing schema.
        root: usize,
        /// The path to the replaced node.
        path: Cow<'a, [String]>,
        /// The replacement.
        replacement: usize,
    },
    /// `rename-schema` of `node`.
    Rename {
        /// The renamed schema.
        node: usize,
        /// The new name, if any.
        name: Option<Cow<'a, str>>,
        /// The new version, if any.
        version: Option<i32>,
    },
    /// `hoist` of `node` into a one-field struct.
    Hoist {
        /// The wrapped schema.
        node: usize,
        /// The field's name.
        field: Cow<'a, str>,
    },
    /// `flatten` of the struct schema `node` with `delimiter`.
    Flatten {
        /// The flattened schema.
        node: usize,
        /// The delimiter between names.
        delimiter: Cow<'a, str>,
    },
    /// The schema of `node` cast to `to` (with `basics`, keeping its name, version, doc and
    /// parameters).
    Cast {
        /// The schema cast.
        node: usize,
        /// The target type.
        to: crate::SchemaType,
        /// Whether the name, version, doc and parameters are kept.
        basics: bool,
    },
    /// The optional copy of a schema.
    Optional {
        /// The schema made optional.
        node: usize,
    },
}

impl Derivation<'_> {
    /// The derivation with its borrowed parts copied, to be stored.
    fn into_owned(self) -> Derivation<'static> {
        fn own<T: ToOwned + ?Sized>(c: Cow<'_, T>) -> Cow<'static, T> {
            Cow::Owned(c.into_owned())
        }
        match self {
            Derivation::Put {
                parent,
                name,
                field,
            } => Derivation::Put {
                parent,
                name: own(name),
                field,
            },
            Derivation::Reshape { node, fields } => Derivation::Reshape {
                node,
                fields: own(fields),
            },
            Derivation::Rebuild { node } => Derivation::Rebuild { node },
            Derivation::Replace {
                root,
                path,
                replacement,
            } => Derivation::Replace {
                root,
                path: own(path),
                replacement,
            },
            Derivation::Rename {
                node,
                name,
                version,
            } => Derivation::Rename {
                node,
                name: name.map(own),
                version,
            },
            Derivation::Hoist { node, field } => Derivation::Hoist {
                node,
                field: own(field),
            },
            Derivation::Flatten { node, delimiter } => Derivation::Flatten {
                node,
                delimiter: own(delimiter),
            },
            Derivation::Cast { node, to, basics } => Derivation::Cast { node, to, basics },
            Derivation::Optional { node } => Derivation::Optional { node },
        }
    }
}

/// One remembered derivation.
struct Entry {
    derivation: Derivation<'static>,
    /// The input schemas, kept alive so their addresses stay theirs.
    _inputs: Vec<Arc<Schema>>,
    output: Arc<Schema>,
    /// The entry asked for right after this one the last time (`NONE`: not known).
    next: u32,
}

/// No entry.
const NONE: u32 = u32::MAX;

#[derive(Default)]
struct Memo {
    entries: Vec<Entry>,
    /// Entry numbers by the hash of their derivation (already a hash: not hashed again).
    index: HashMap<u64, Vec<u32>, BuildHasherDefault<Prehashed>>,
    /// The entry asked for last (`NONE` before any).
    last: u32,
    /// Seeded per thread, so that schemas made to collide cannot be planned.
    hasher: foldhash::fast::RandomState,
}

impl Memo {
    /// The entry `derivation` names: first the one asked for after the last entry the
    /// previous time (the records of a topic make the same derivations in the same order, so
    /// this is nearly always it, found with one comparison and no hashing), then by hash.
    fn find(&mut self, derivation: &Derivation<'_>) -> Option<Arc<Schema>> {
        let last = self.last as usize;
        let predicted = self.entries.get(last).map_or(NONE, |e| e.next);
        if let Some(entry) = self.entries.get(predicted as usize)
            && entry.derivation == *derivation
        {
            self.last = predicted;
            return Some(Arc::clone(&entry.output));
        }
        let hash = self.hasher.hash_one(derivation);
        let found = self
            .index
            .get(&hash)?
            .iter()
            .copied()
            .find(|&i| self.entries[i as usize].derivation == *derivation)?;
        self.follow(found);
        Some(Arc::clone(&self.entries[found as usize].output))
    }

    /// Notes that entry `i` was asked for after the last one.
    fn follow(&mut self, i: u32) {
        if let Some(last) = self.entries.get_mut(self.last as usize) {
            last.next = i;
        }
        self.last = i;
    }

    /// Remembers a new derivation; starts afresh when full.
    fn insert(
        &mut self,
        derivation: Derivation<'_>,
        inputs: &[&Arc<Schema>],
        output: &Arc<Schema>,
    ) {
        if self.entries.len() >= CAPACITY {
            self.entries.clear();
            self.index.clear();
            self.last = NONE;
        }
        let i = self.entries.len() as u32;
        let hash = self.hasher.hash_one(&derivation);
        self.entries.push(Entry {
            derivation: derivation.into_owned(),
            _inputs: inputs.iter().map(|s| Arc::clone(s)).collect(),
            output: Arc::clone(output),
            next: NONE,
        });
        self.index.entry(hash).or_default().push(i);
        self.follow(i);
    }
}

/// A hasher for keys that are hashes already: it keeps the `u64`.
#[derive(Default)]
struct Prehashed(u64);

impl std::hash::Hasher for Prehashed {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // Only `write_u64` is used (the map's key is a `u64`); fold anything else in.
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

thread_local! {
    static MEMO: RefCell<Memo> = RefCell::new(Memo {
        last: NONE,
        ..Memo::default()
    });
}

/// The address of a schema, as a derivation names it.
pub fn addr(schema: &Arc<Schema>) -> usize {
    Arc::as_ptr(schema) as usize
}

/// The schema `derive` makes for `derivation`, from the memo when this thread derived it
/// before. `inputs` are the schemas the derivation names by address.
pub fn derived<E>(
    derivation: Derivation<'_>,
    inputs: &[&Arc<Schema>],
    derive: impl FnOnce() -> Result<Arc<Schema>, E>,
) -> Result<Arc<Schema>, E> {
    if let Some(output) = MEMO.with_borrow_mut(|memo| memo.find(&derivation)) {
        return Ok(output);
    }
    // Not borrowed while deriving: a derivation may derive the schemas inside it.
    let output = derive()?;
    MEMO.with_borrow_mut(|memo| memo.insert(derivation, inputs, &output));
    Ok(output)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SchemaType;

    /// `put` of a field `name` of schema `field` into `parent`, through the memo; `calls`
    /// counts the derivations made.
    fn put(parent: &Arc<Schema>, field: &Arc<Schema>, name: &str, calls: &mut u32) -> Arc<Schema> {
        derived::<()>(
            Derivation::Put {
                parent: addr(parent),
                name: name.into(),
                field: addr(field),
            },
            &[parent, field],
            || {
                *calls += 1;
                Ok(Arc::new(
                    Schema::new(SchemaType::Struct).field(name, Schema::clone(field)),
                ))
            },
        )
        .unwrap()
    }

    #[test]
    fn the_same_derivation_yields_the_same_arc_and_another_does_not() {
        let parent = Arc::new(Schema::new(SchemaType::Struct));
        let field = Arc::new(Schema::new(SchemaType::String));
        let mut calls = 0;
        let first = put(&parent, &field, "a", &mut calls);
        let again = put(&parent, &field, "a", &mut calls);
        let other = put(&parent, &field, "b", &mut calls);
        assert!(Arc::ptr_eq(&first, &again));
        assert!(!Arc::ptr_eq(&first, &other));
        assert_eq!(calls, 2);
    }

    #[test]
    fn a_predicted_entry_is_used_only_for_its_own_derivation() {
        let parent = Arc::new(Schema::new(SchemaType::Struct));
        let field = Arc::new(Schema::new(SchemaType::String));
        let mut calls = 0;
        let mut put = |name: &str| put(&parent, &field, name, &mut calls);
        // `a` then `b`, twice: the second time each is predicted from the one before.
        let (a, b) = (put("a"), put("b"));
        assert!(Arc::ptr_eq(&put("a"), &a));
        assert!(Arc::ptr_eq(&put("b"), &b));
        // After `a`, `b` is predicted; `c` must not be answered with it.
        assert!(Arc::ptr_eq(&put("a"), &a));
        let c = put("c");
        assert_eq!(c.fields[0].name, "c");
        assert!(Arc::ptr_eq(&put("a"), &a));
        assert!(Arc::ptr_eq(&put("c"), &c));
        assert!(Arc::ptr_eq(&put("b"), &b));
        // Each was derived once.
        assert_eq!(calls, 3);
    }
}
