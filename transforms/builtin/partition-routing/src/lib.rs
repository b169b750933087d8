//! `io.debezium.transforms.partitions.PartitionRouting` as a Switchyard transform: chooses a
//! change event's partition from the hash of some of its fields.
//!
//! | key | type | default |
//! |---|---|---|
//! | `partition.payload.fields` | LIST of dotted paths in the envelope (`after.name`, `source.table`, `change.name`) | required |
//! | `partition.topic.num` | positive INT: the topic's partition count | required |
//! | `partition.hash.function` | `java` (`Object.hashCode`) or `murmur` (Debezium's `MurmurHash3`) | `java` |
//!
//! Per record, as upstream: a tombstone, a value that is not a Debezium envelope, a truncate
//! (`t`) or a message (`m`) passes unchanged. Each configured path is read from the envelope
//! (`change` stands for `before` in a delete, `after` otherwise); a path that does not exist, or
//! whose value is null, is skipped; with no value found the record passes unchanged. Otherwise
//! the partition is `(Σ hash(value)) & 0x7fffffff` (with `Integer.MAX_VALUE` read as 0) modulo
//! `partition.topic.num`.
//!
//! The hashes are Java's, reproduced exactly: `String.hashCode` over UTF-16 code units,
//! `Long`, `Integer`, `Short`, `Byte`, `Boolean`, `Float`, `Double` hash codes; a `Decimal`
//! hashes as `BigDecimal`, Connect's `Date`, `Time` and `Timestamp` as `java.util.Date`; and
//! `murmur` is `MurmurHash3.hash(Object)` of Debezium's `debezium-util` (strings and byte
//! arrays hashed by content, everything else through its `hashCode`).
//!
//! Differences from upstream: Java hashes a `byte[]` by identity (a different partition on every
//! run); this port uses `Arrays.hashCode`. A struct, map or array value cannot be hashed here
//! (upstream hashes it with `Struct.hashCode`) and fails the record. Upstream casts the record to
//! a `SourceRecord` and so fails on sink connectors; Switchyard has no such distinction.

use debezium_support::config::{check_no_empty_elements, field_invalid, list};
use debezium_support::envelope::{AFTER, BEFORE, Operation, is_envelope, op_code};
use debezium_support::headers::{DATE, DECIMAL, TIME};
use debezium_support::schema::default_scalar;
use switchyard_sdk::prelude::*;

/// `partition.hash.function`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HashFunction {
    /// `Object.hashCode`.
    Java,
    /// `MurmurHash3.hash(Object)`.
    Murmur,
}

/// The transform, configured.
#[derive(Debug, Clone)]
pub struct PartitionRouting {
    fields: Vec<Vec<String>>,
    partitions: i32,
    hash: HashFunction,
}

impl PartitionRouting {
    /// Reads the configuration (`PartitionRouting.configure`).
    pub fn from_config(config: &Config) -> Result<Self, ConfigError> {
        let key = "partition.payload.fields";
        if config.raw(key).is_none_or(|v| v.trim().is_empty()) {
            return Err(field_invalid(key, "null", "A value is required"));
        }
        check_no_empty_elements(config, key)?;
        let fields = list(config, key)
            .unwrap_or_default()
            .iter()
            .map(|f| f.split('.').map(|s| s.trim().to_owned()).collect())
            .collect();
        let num_key = "partition.topic.num";
        let Some(raw) = config.raw(num_key) else {
            return Err(field_invalid(num_key, "null", "A value is required"));
        };
        let partitions = config.int(num_key)?;
        if partitions <= 0 {
            return Err(field_invalid(
                num_key,
                raw,
                "A positive, non-zero value is expected",
            ));
        }
        // `HashFunction.parse`: anything but `murmur` is `java`.
        let hash = match config.optional_string("partition.hash.function") {
            Some(v) if v.eq_ignore_ascii_case("murmur") => HashFunction::Murmur,
            _ => HashFunction::Java,
        };
        Ok(PartitionRouting {
            fields,
            partitions,
            hash,
        })
    }

    /// The partition for these hashes (`computePartition`).
    pub fn partition(&self, hashes: &[i32]) -> i32 {
        let total = hashes.iter().fold(0i32, |a, h| a.wrapping_add(*h));
        let mut normalized = total & i32::MAX;
        if normalized == i32::MAX {
            normalized = 0;
        }
        normalized % self.partitions
    }

    /// The hash of one value under the configured function.
    pub fn hash(&self, value: &Scalar, schema: Option<&SchemaInfo>) -> i32 {
        match self.hash {
            HashFunction::Java => java_hash(value, schema),
            HashFunction::Murmur => match value {
                Scalar::String(s) => murmur::hash_string(s),
                Scalar::Bytes(b) if logical(schema) != Some(DECIMAL) => murmur::hash_bytes(b),
                _ => murmur::hash_int(java_hash(value, schema)),
            },
        }
    }
}

fn logical(schema: Option<&SchemaInfo>) -> Option<&str> {
    schema.and_then(|s| s.name.as_deref())
}

/// `Object.hashCode` of the Java object Connect holds for this value.
pub fn java_hash(value: &Scalar, schema: Option<&SchemaInfo>) -> i32 {
    let long_hash = |v: i64| (v ^ ((v as u64) >> 32) as i64) as i32;
    match value {
        Scalar::Null => 0,
        Scalar::Boolean(b) => {
            if *b {
                1231
            } else {
                1237
            }
        }
        Scalar::Int8(v) => i32::from(*v),
        Scalar::Int16(v) => i32::from(*v),
        Scalar::Int32(v) => match logical(schema) {
            Some(DATE) => long_hash(i64::from(*v) * 86_400_000),
            Some(TIME) => long_hash(i64::from(*v)),
            _ => *v,
        },
        Scalar::Int64(v) => long_hash(*v),
        Scalar::Float32(v) => {
            let bits = if v.is_nan() { 0x7fc0_0000 } else { v.to_bits() };
            bits as i32
        }
        Scalar::Float64(v) => {
            let bits = if v.is_nan() {
                0x7ff8_0000_0000_0000
            } else {
                v.to_bits()
            };
            long_hash(bits as i64)
        }
        Scalar::String(s) => s
            .encode_utf16()
            .fold(0i32, |h, c| h.wrapping_mul(31).wrapping_add(i32::from(c))),
        Scalar::Bytes(b) => match logical(schema) {
            Some(DECIMAL) => {
                let scale = schema
                    .and_then(|s| s.parameters.iter().find(|(k, _)| k == "scale"))
                    .and_then(|(_, v)| v.parse::<i32>().ok())
                    .unwrap_or(0);
                big_integer_hash(b).wrapping_mul(31).wrapping_add(scale)
            }
            // `Arrays.hashCode(byte[])`.
            _ => b.iter().fold(1i32, |h, x| {
                h.wrapping_mul(31).wrapping_add(i32::from(*x as i8))
            }),
        },
    }
}

/// `BigInteger.hashCode` of a big-endian two's-complement integer: the magnitude's 32-bit words
/// folded with 31, times the sign.
pub fn big_integer_hash(bytes: &[u8]) -> i32 {
    let negative = bytes.first().is_some_and(|b| b & 0x80 != 0);
    // The magnitude, big-endian.
    let mut magnitude: Vec<u8> = if negative {
        let mut m: Vec<u8> = bytes.iter().map(|b| !b).collect();
        for byte in m.iter_mut().rev() {
            let (v, carry) = byte.overflowing_add(1);
            *byte = v;
            if !carry {
                break;
            }
        }
        m
    } else {
        bytes.to_vec()
    };
    while magnitude.first() == Some(&0) {
        magnitude.remove(0);
    }
    if magnitude.is_empty() {
        return 0;
    }
    let pad = (4 - magnitude.len() % 4) % 4;
    let mut padded = vec![0u8; pad];
    padded.extend(magnitude);
    let hash = padded.chunks(4).fold(0i32, |h, w| {
        let word = u32::from_be_bytes([w[0], w[1], w[2], w[3]]);
        (31i64 * i64::from(h) + i64::from(word)) as i32
    });
    if negative { hash.wrapping_neg() } else { hash }
}

/// Debezium's `io.debezium.util.MurmurHash3` (x64, 64-bit state, seed 9001, top 32 bits).
pub mod murmur {
    struct State {
        h1: i64,
        h2: i64,
        k1: i64,
        k2: i64,
        c1: i64,
        c2: i64,
    }

    impl State {
        fn new(seed: i64) -> State {
            State {
                h1: -7_824_752_305_899_900_300 ^ seed,
                h2: 6_371_974_587_529_090_045 ^ seed,
                k1: 0,
                k2: 0,
                c1: -8_663_945_395_140_668_459,
                c2: 5_545_529_020_109_919_103,
            }
        }

        fn bmix(&mut self) {
            self.k1 = self.k1.wrapping_mul(self.c1);
            self.k1 = self.k1.rotate_left(23);
            self.k1 = self.k1.wrapping_mul(self.c2);
            self.h1 ^= self.k1;
            self.h1 = self.h1.wrapping_add(self.h2);
            self.h2 = self.h2.rotate_left(41);
            self.k2 = self.k2.wrapping_mul(self.c2);
            self.k2 = self.k2.rotate_left(23);
            self.k2 = self.k2.wrapping_mul(self.c1);
            self.h2 ^= self.k2;
            self.h2 = self.h2.wrapping_add(self.h1);
            self.h1 = self.h1.wrapping_mul(3).wrapping_add(1_390_208_809);
            self.h2 = self.h2.wrapping_mul(3).wrapping_add(944_331_445);
            self.c1 = self.c1.wrapping_mul(5).wrapping_add(2_071_795_100);
            self.c2 = self.c2.wrapping_mul(5).wrapping_add(1_808_688_022);
        }

        fn finish(mut self, length: i64) -> i64 {
            self.h2 ^= length;
            self.h1 = self.h1.wrapping_add(self.h2);
            self.h2 = self.h2.wrapping_add(self.h1);
            self.h1 = fmix(self.h1);
            self.h2 = fmix(self.h2);
            self.h1 = self.h1.wrapping_add(self.h2);
            self.h1
        }
    }

    fn fmix(mut k: i64) -> i64 {
        k ^= ((k as u64) >> 33) as i64;
        k = k.wrapping_mul(-49_064_778_989_728_563);
        k ^= ((k as u64) >> 33) as i64;
        k = k.wrapping_mul(-4_265_267_296_055_464_877);
        k ^= ((k as u64) >> 33) as i64;
        k
    }

    /// Mixes the last 1 – 15 bytes, each sign-extended as Java's `(long) byte` is.
    fn tail(state: &mut State, tail: &[u8]) {
        state.k1 = 0;
        state.k2 = 0;
        if tail.is_empty() {
            return;
        }
        for (i, b) in tail.iter().enumerate().rev() {
            let v = i64::from(*b as i8);
            if i >= 8 {
                state.k2 ^= v << (8 * (i - 8));
            } else {
                state.k1 ^= v << (8 * i);
            }
        }
        state.bmix();
    }

    fn block(bytes: &[u8]) -> i64 {
        let mut word = [0u8; 8];
        word.copy_from_slice(&bytes[..8]);
        i64::from_le_bytes(word)
    }

    /// `MurmurHash3_x64_64(byte[], 9001)`.
    fn x64_64(key: &[u8]) -> i64 {
        let mut state = State::new(9001);
        let blocks = key.len() / 16;
        for i in 0..blocks {
            state.k1 = block(&key[i * 16..]);
            state.k2 = block(&key[i * 16 + 8..]);
            state.bmix();
        }
        tail(&mut state, &key[blocks * 16..]);
        state.finish(key.len() as i64)
    }

    /// `hash(byte[])`.
    pub fn hash_bytes(bytes: &[u8]) -> i32 {
        ((x64_64(bytes) as u64) >> 32) as i32
    }

    /// `hashString`: the string's UTF-8 bytes (unpaired surrogates as `?`), hashed the same way.
    pub fn hash_string(s: &str) -> i32 {
        hash_bytes(s.as_bytes())
    }

    /// `hash(int)`: the four bytes of a hash code, little-endian, sign-extended.
    pub fn hash_int(hashcode: i32) -> i32 {
        let mut state = State::new(0);
        state.h1 = -7_824_752_305_899_908_771;
        state.h2 = 6_371_974_587_529_097_428;
        tail(&mut state, &hashcode.to_le_bytes());
        ((state.finish(4) as u64) >> 32) as i32
    }
}

/// The value at a configured path (`toValue`), with its schema; `None` when the path does not
/// exist, leads through a null or a non-struct, or ends on a null.
fn value_at(
    record: &Record,
    path: &[String],
    op: Option<Operation>,
) -> Result<Option<(Scalar, Option<SchemaInfo>)>, Error> {
    let resolved: Vec<&str> = path
        .iter()
        .enumerate()
        .map(|(i, p)| {
            if i + 1 < path.len() && p == "change" {
                if op == Some(Operation::Delete) {
                    BEFORE
                } else {
                    AFTER
                }
            } else {
                p.as_str()
            }
        })
        .collect();
    let value = record.value();
    // Every step but the last must be a non-null struct (`getStruct`).
    for depth in 1..resolved.len() {
        let prefix = &resolved[..depth];
        match value.schema(prefix) {
            Ok(Some(s)) if s.type_ == SchemaType::Struct => {}
            Ok(_) | Err(DataError::NoSuchField(_) | DataError::WrongType(_)) => return Ok(None),
            Err(e) => return Err(e.into()),
        }
        if value.get(prefix) == Ok(Scalar::Null) {
            return Ok(None);
        }
    }
    let schema = match value.schema(&resolved) {
        Ok(s) => s,
        Err(DataError::NoSuchField(_) | DataError::WrongType(_)) => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    let scalar = match value.get(&resolved) {
        Ok(Scalar::Null) => schema.as_ref().and_then(default_scalar),
        Ok(s) => Some(s),
        Err(DataError::WrongType(_)) => {
            return Err(Error::bad_record(format!(
                "Unprocessable message: {} is a struct, map or array; only scalar fields can be \
                 hashed",
                path.join(".")
            )));
        }
        Err(DataError::NoSuchField(_)) => None,
        Err(e) => return Err(e.into()),
    };
    Ok(scalar.filter(|s| *s != Scalar::Null).map(|s| (s, schema)))
}

impl Transform for PartitionRouting {
    fn configure(ctx: &Context) -> Result<Self, ConfigError> {
        PartitionRouting::from_config(ctx.config())
    }

    fn apply(&self, mut record: Record) -> Result<Output, Error> {
        if record.value().is_null()? || !is_envelope(&record)? {
            return Ok(Output::One(record));
        }
        let op = op_code(&record)?.as_deref().and_then(Operation::for_code);
        if matches!(op, Some(Operation::Truncate | Operation::Message)) {
            return Ok(Output::One(record));
        }
        let mut hashes = Vec::new();
        for path in &self.fields {
            if let Some((value, schema)) = value_at(&record, path, op)? {
                hashes.push(self.hash(&value, schema.as_ref()));
            }
        }
        if hashes.is_empty() {
            return Ok(Output::One(record));
        }
        let partition = self.partition(&hashes);
        record.set_partition(Some(partition));
        Ok(Output::One(record))
    }
}

switchyard_sdk::export_transform!(PartitionRouting);

#[cfg(test)]
mod tests {
    use super::*;

    fn routing(entries: &[(&str, &str)]) -> Result<PartitionRouting, ConfigError> {
        PartitionRouting::from_config(&entries.iter().copied().collect())
    }

    fn ok(entries: &[(&str, &str)]) -> PartitionRouting {
        routing(entries).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn java_hash_codes() {
        assert_eq!(
            java_hash(&Scalar::String("orange".into()), None),
            -1_008_851_410
        );
        assert_eq!(java_hash(&Scalar::String(String::new()), None), 0);
        assert_eq!(java_hash(&Scalar::Int64(1), None), 1);
        assert_eq!(java_hash(&Scalar::Int64(-1), None), 0);
        assert_eq!(java_hash(&Scalar::Int64(1 << 32), None), 1);
        assert_eq!(java_hash(&Scalar::Boolean(true), None), 1231);
        assert_eq!(java_hash(&Scalar::Float64(1.0), None), 1_072_693_248);
        assert_eq!(java_hash(&Scalar::Float32(1.0), None), 1_065_353_216);
        assert_eq!(big_integer_hash(&[0x07, 0xcf]), 1999);
        assert_eq!(big_integer_hash(&[0xf8, 0x31]), -1999);
        assert_eq!(big_integer_hash(&[0x01, 0, 0, 0, 0]), 31);
    }

    /// `byDefaultJavaHashIsUsed` (39) and `murmurHashWillBeUsed` (65): `id=1L`,
    /// `product="orange"`, 100 partitions.
    #[test]
    fn upstream_partitions() {
        let values = [Scalar::Int64(1), Scalar::String("orange".into())];
        let java = ok(&[
            ("partition.payload.fields", "change.id,change.product"),
            ("partition.topic.num", "100"),
        ]);
        let hashes: Vec<i32> = values.iter().map(|v| java.hash(v, None)).collect();
        assert_eq!(java.partition(&hashes), 39);
        let murmur = ok(&[
            ("partition.payload.fields", "change.id,change.product"),
            ("partition.topic.num", "100"),
            ("partition.hash.function", "murmur"),
        ]);
        let hashes: Vec<i32> = values.iter().map(|v| murmur.hash(v, None)).collect();
        assert_eq!(murmur.partition(&hashes), 65);
    }

    #[test]
    fn config() {
        let r = ok(&[
            ("partition.payload.fields", "change . product"),
            ("partition.topic.num", "2"),
        ]);
        assert_eq!(
            r.fields,
            vec![vec!["change".to_owned(), "product".to_owned()]]
        );
        let message = |entries: &[(&str, &str)]| routing(entries).map(|_| ()).unwrap_err().message;
        assert_eq!(
            message(&[("partition.topic.num", "2")]),
            "Invalid value null for configuration partition.payload.fields: The \
             'partition.payload.fields' value is invalid: A value is required"
        );
        assert!(
            message(&[
                ("partition.payload.fields", ",source.table"),
                ("partition.topic.num", "2")
            ])
            .contains("Empty string element(s) not permitted")
        );
        assert!(
            message(&[
                ("partition.payload.fields", "a"),
                ("partition.topic.num", "0")
            ])
            .contains("partition.topic.num")
        );
        assert!(message(&[("partition.payload.fields", "a")]).contains("A value is required"));
    }
}
