//! A check that an Avro datum's claimed sizes fit its bytes, run before `apache-avro` decodes it.
//!
//! `apache-avro` 0.21 reserves memory from what a datum claims before reading what it claims:
//! an array or map block of `n` items reserves `n` values (its `safe_len` compares the item
//! *count* with a limit meant for *bytes*, 512 MiB), and a string or bytes of length `n`
//! allocates `n` zeroed bytes before reading them. Ten bytes claiming 512 Mi array items make it
//! ask for 30 GB and abort the process, whatever `errors.tolerance` says. Nesting is decoded by
//! recursion without a bound, so a deep enough datum overflows the stack.
//!
//! [`check`] walks the datum by its writer's schema without allocating and refuses, as that
//! record's conversion error, a datum that
//! * claims a string, bytes or a block of items that the bytes left cannot hold (each item's
//!   smallest encoding counted): such a datum can never decode, so refusing it early changes
//!   nothing but the message;
//! * holds more items whose encoding takes no bytes at all (nulls, empty records) than
//!   [`ZERO_SIZE_ITEMS_PER_BYTE`] per byte of the datum plus [`ZERO_SIZE_ITEMS_BASE`]: they
//!   would be valid Avro, but no producer writes a million nulls in a few bytes, and each costs
//!   a decoded value;
//! * nests deeper than [`MAX_DEPTH`];
//! * ends before its schema says it does (`apache-avro` reads a string or union cut off by the
//!   end of the bytes as null; Java's `BinaryDecoder`, which Kafka Connect's `AvroConverter`
//!   uses, throws `EOFException`, so refusing it is Kafka's behaviour).
//!
//! Hand-written because no crate validates Avro binary against a schema without decoding it.
//! Bytes after the datum are ignored, as both `apache-avro` and Confluent's deserializer do.

use std::collections::HashMap;

use apache_avro::Schema;
use apache_avro::schema::{Name, Namespace};

/// The deepest nesting of records, arrays, maps and unions a datum may have.
pub const MAX_DEPTH: usize = 256;

/// Items whose encoding takes no bytes allowed per byte of the datum.
pub const ZERO_SIZE_ITEMS_PER_BYTE: usize = 64;

/// Items whose encoding takes no bytes allowed in any datum.
pub const ZERO_SIZE_ITEMS_BASE: usize = 4096;

/// The named types a schema and its references define, by full name.
#[derive(Debug, Default, Clone)]
pub struct Names(HashMap<Name, Schema>);

impl Names {
    /// The named type `name` (fully qualified).
    pub fn get(&self, name: &Name) -> Option<&Schema> {
        self.0.get(name)
    }

    /// The named types of `schemata` (a writer's schema and the schemas it references).
    pub fn of<'s>(schemata: impl IntoIterator<Item = &'s Schema>) -> Names {
        let schemata: Vec<&Schema> = schemata.into_iter().collect();
        let names = apache_avro::schema::ResolvedSchema::try_from(schemata)
            .map(|resolved| {
                resolved
                    .get_names()
                    .iter()
                    .map(|(name, schema)| (name.clone(), (*schema).clone()))
                    .collect()
            })
            // A schema whose names do not resolve fails in `apache-avro` as well; without names
            // a reference here is refused.
            .unwrap_or_default();
        Names(names)
    }
}

/// Checks `datum` against `schema` (see the module's documentation); the error says why it is
/// refused.
pub fn check(schema: &Schema, names: &Names, datum: &[u8]) -> Result<(), String> {
    let mut walk = Walk {
        bytes: datum,
        at: 0,
        names,
        zero_size_budget: ZERO_SIZE_ITEMS_BASE
            .saturating_add(datum.len().saturating_mul(ZERO_SIZE_ITEMS_PER_BYTE)),
    };
    walk.value(schema, &None, 0)
}

struct Walk<'a> {
    bytes: &'a [u8],
    at: usize,
    names: &'a Names,
    zero_size_budget: usize,
}

impl Walk<'_> {
    fn left(&self) -> usize {
        self.bytes.len() - self.at
    }

    fn take(&mut self, n: usize, what: &str) -> Result<(), String> {
        if n > self.left() {
            return Err(format!(
                "{what} of {n} bytes at byte {} but only {} bytes are left",
                self.at,
                self.left()
            ));
        }
        self.at += n;
        Ok(())
    }

    /// A zig-zag variable-length long.
    fn long(&mut self) -> Result<i64, String> {
        let mut raw: u64 = 0;
        for shift in (0..70).step_by(7) {
            let Some(&b) = self.bytes.get(self.at) else {
                return Err(format!(
                    "the datum ends at byte {} inside a number",
                    self.at
                ));
            };
            self.at += 1;
            raw |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok((raw >> 1) as i64 ^ -((raw & 1) as i64));
            }
        }
        Err(format!(
            "a number longer than 10 bytes ends at byte {}",
            self.at
        ))
    }

    /// A length (of a string, bytes): not negative and within the bytes left.
    fn length(&mut self, what: &str) -> Result<(), String> {
        let at = self.at;
        let n = self.long()?;
        let n = usize::try_from(n).map_err(|_| format!("{what} of length {n} at byte {at}"))?;
        self.take(n, what)
    }

    fn value(&mut self, schema: &Schema, ns: &Namespace, depth: usize) -> Result<(), String> {
        if depth > MAX_DEPTH {
            return Err(format!("the datum nests deeper than {MAX_DEPTH} levels"));
        }
        match schema {
            Schema::Null => Ok(()),
            Schema::Boolean => self.take(1, "a boolean"),
            // Java's `BinaryDecoder.readInt` refuses a varint beyond an int ("Invalid int
            // encoding"), `readEnum` an index beyond the symbols.
            Schema::Int | Schema::Date | Schema::TimeMillis => {
                let at = self.at;
                let v = self.long()?;
                i32::try_from(v)
                    .map(drop)
                    .map_err(|_| format!("an int of {v} at byte {at} is out of range"))
            }
            Schema::Enum(e) => {
                let at = self.at;
                let index = self.long()?;
                match usize::try_from(index) {
                    Ok(i) if i < e.symbols.len() => Ok(()),
                    _ => Err(format!(
                        "enum index {index} at byte {at} of an enum of {} symbols",
                        e.symbols.len()
                    )),
                }
            }
            Schema::Long
            | Schema::TimeMicros
            | Schema::TimestampMillis
            | Schema::TimestampMicros
            | Schema::TimestampNanos
            | Schema::LocalTimestampMillis
            | Schema::LocalTimestampMicros
            | Schema::LocalTimestampNanos => self.long().map(drop),
            Schema::Float => self.take(4, "a float"),
            Schema::Double => self.take(8, "a double"),
            Schema::Duration => self.take(12, "a duration"),
            Schema::Fixed(fixed) => self.take(fixed.size, "a fixed"),
            Schema::Bytes | Schema::BigDecimal | Schema::Uuid => self.length("bytes"),
            Schema::String => self.length("a string"),
            Schema::Decimal(decimal) => self.value(&decimal.inner, ns, depth),
            Schema::Array(array) => self.blocks(None, &array.items, ns, depth),
            Schema::Map(map) => self.blocks(Some(&Schema::String), &map.types, ns, depth),
            Schema::Union(union) => {
                let at = self.at;
                let index = self.long()?;
                let variants = union.variants();
                let variant = usize::try_from(index)
                    .ok()
                    .and_then(|i| variants.get(i))
                    .ok_or_else(|| {
                        format!(
                            "union branch {index} at byte {at} of a union of {}",
                            variants.len()
                        )
                    })?;
                self.value(variant, ns, depth + 1)
            }
            Schema::Record(record) => {
                let inner = record.name.fully_qualified_name(ns).namespace;
                record
                    .fields
                    .iter()
                    .try_for_each(|field| self.value(&field.schema, &inner, depth + 1))
            }
            Schema::Ref { name } => {
                let full = name.fully_qualified_name(ns);
                let resolved = self
                    .names
                    .0
                    .get(&full)
                    .ok_or_else(|| format!("the schema names an unknown type {}", full.name))?;
                self.value(resolved, &full.namespace, depth)
            }
        }
    }

    /// The blocks of an array (`key` none) or a map (`key` the string schema of its keys).
    fn blocks(
        &mut self,
        key: Option<&Schema>,
        item: &Schema,
        ns: &Namespace,
        depth: usize,
    ) -> Result<(), String> {
        let smallest = key.map_or(0, |_| 1) + min_size(item, self.names, ns, 0);
        loop {
            let at = self.at;
            let count = self.long()?;
            if count == 0 {
                return Ok(());
            }
            if count < 0 {
                // A negative count is followed by the block's size in bytes.
                self.long()?;
            }
            let count = usize::try_from(count.unsigned_abs()).unwrap_or(usize::MAX);
            match self.left().checked_div(smallest) {
                Some(room) if count > room => {
                    return Err(format!(
                        "a block of {count} items at byte {at} but only {} bytes are left",
                        self.left()
                    ));
                }
                Some(_) => {}
                None if count > self.zero_size_budget => {
                    return Err(format!(
                        "a block of {count} items that take no bytes at byte {at}: more than \
                         a datum of {} bytes may hold",
                        self.bytes.len()
                    ));
                }
                None => self.zero_size_budget -= count,
            }
            for _ in 0..count {
                if let Some(key) = key {
                    self.value(key, ns, depth + 1)?;
                }
                self.value(item, ns, depth + 1)?;
            }
        }
    }
}

/// The fewest bytes a value of `schema` is encoded in (a lower bound: a type that refers back
/// to itself counts as 0 past a few levels).
fn min_size(schema: &Schema, names: &Names, ns: &Namespace, depth: usize) -> usize {
    if depth > 16 {
        return 0;
    }
    match schema {
        Schema::Null => 0,
        Schema::Float => 4,
        Schema::Double => 8,
        Schema::Duration => 12,
        Schema::Fixed(fixed) => fixed.size,
        Schema::Decimal(decimal) => min_size(&decimal.inner, names, ns, depth + 1),
        Schema::Record(record) => {
            let inner = record.name.fully_qualified_name(ns).namespace;
            record.fields.iter().fold(0, |sum, field| {
                sum.saturating_add(min_size(&field.schema, names, &inner, depth + 1))
            })
        }
        Schema::Ref { name } => {
            let full = name.fully_qualified_name(ns);
            names.0.get(&full).map_or(0, |resolved| {
                min_size(resolved, names, &full.namespace, depth + 1)
            })
        }
        // A number, a length, a block count or a branch index: at least one byte.
        _ => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schema(text: &str) -> Schema {
        Schema::parse_str(text).expect("schema")
    }

    fn checked(text: &str, datum: &[u8]) -> Result<(), String> {
        let schema = schema(text);
        let names = Names::of([&schema]);
        check(&schema, &names, datum)
    }

    #[test]
    fn an_array_block_claiming_more_items_than_bytes_is_refused() {
        // 512 Mi longs claimed in five bytes: the datum of the report that aborted the process.
        let err = checked(
            r#"{"type":"array","items":"long"}"#,
            &[0x80, 0x80, 0x80, 0x80, 0x04, 0x02],
        )
        .unwrap_err();
        assert!(err.contains("536870912 items"), "{err}");
        assert!(err.contains("only 1 bytes are left"), "{err}");
    }

    #[test]
    fn zero_size_items_are_bounded_by_the_datum_length() {
        let empty = r#"{"type":"array","items":{"type":"record","name":"E","fields":[]}}"#;
        // 16 Mi empty records claimed in five bytes.
        let err = checked(empty, &[0x80, 0x80, 0x80, 0x10, 0x00]).unwrap_err();
        assert!(err.contains("take no bytes"), "{err}");
        // A hundred nulls are fine.
        assert_eq!(
            checked(r#"{"type":"array","items":"null"}"#, &[200, 1, 0]),
            Ok(())
        );
    }

    #[test]
    fn strings_and_bytes_longer_than_the_datum_are_refused() {
        let err = checked(r#""string""#, &[0xfe, 0xff, 0xff, 0xff, 0x0f]).unwrap_err();
        assert!(err.contains("a string of 2147483647 bytes"), "{err}");
        assert!(checked(r#""bytes""#, &[0x01]).is_err(), "negative length");
        assert_eq!(checked(r#""string""#, b"\x06abc"), Ok(()));
    }

    #[test]
    fn a_datum_cut_short_is_refused() {
        let record = r#"{"type":"record","name":"R","fields":[
            {"name":"a","type":"string"},{"name":"b","type":["null","string"]}]}"#;
        assert_eq!(checked(record, b"\x02a\x02\x02b"), Ok(()));
        let err = checked(record, b"\x02a").unwrap_err();
        assert!(err.contains("ends at byte 2"), "{err}");
        assert!(
            checked(record, b"\x02a\x04")
                .unwrap_err()
                .contains("union branch 2")
        );
    }

    #[test]
    fn maps_count_their_keys() {
        let map = r#"{"type":"map","values":"null"}"#;
        assert_eq!(checked(map, b"\x04\x02a\x02b\x00"), Ok(()));
        // Two entries claimed, one byte left: each entry needs its key's length byte.
        assert!(checked(map, b"\x04\x00").is_err());
    }

    #[test]
    fn negative_block_counts_carry_their_size() {
        let array = r#"{"type":"array","items":"int"}"#;
        // -2 items, 2 bytes, then the items 1 and 2, then the end.
        assert_eq!(checked(array, &[0x03, 0x04, 0x02, 0x04, 0x00]), Ok(()));
    }

    #[test]
    fn enum_indexes_and_ints_stay_in_range() {
        let e = schema(r#"{"type":"enum","name":"E","symbols":["A","B"]}"#);
        assert_eq!(check(&e, &Names::default(), &[2]), Ok(()));
        assert!(check(&e, &Names::default(), &[4]).is_err());
        assert!(check(&e, &Names::default(), &[1]).is_err());
        let int = schema(r#""int""#);
        assert_eq!(
            check(&int, &Names::default(), &[0xfe, 0xff, 0xff, 0xff, 0x0f]),
            Ok(())
        );
        assert!(check(&int, &Names::default(), &[0x80, 0x80, 0x80, 0x80, 0x10]).is_err());
    }

    #[test]
    fn nesting_is_bounded() {
        let list = r#"{"type":"record","name":"Node","fields":[
            {"name":"next","type":["null","Node"]}]}"#;
        let mut deep = vec![0x02; MAX_DEPTH];
        deep.push(0x00);
        let err = checked(list, &deep).unwrap_err();
        assert!(err.contains("deeper than"), "{err}");
        assert_eq!(checked(list, &[0x02, 0x02, 0x00]), Ok(()));
    }

    #[test]
    fn named_types_resolve_with_their_namespace() {
        let text = r#"{"type":"record","name":"Outer","namespace":"a.b","fields":[
            {"name":"x","type":{"type":"fixed","name":"F","size":2}},
            {"name":"y","type":"F"},
            {"name":"z","type":{"type":"array","items":"a.b.F"}}]}"#;
        assert_eq!(checked(text, b"abcd\x02ef\x00"), Ok(()));
        // One fixed of two bytes claimed per item: three items need six bytes.
        assert!(checked(text, b"abcd\x06ef\x00").is_err());
    }
}
