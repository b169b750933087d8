//! What Switchyard's built-in ports of Kafka Connect's transforms
//! (`org.apache.kafka.connect.transforms`) share: the parts of Kafka Connect's runtime they lean
//! on, rewritten for a WebAssembly guest.
//!
//! | module | Kafka | what |
//! |---|---|---|
//! | [`java`] | `Double.toString`, `Long.parseLong`, `Class.getName` | Java's number text and class names, for messages and casts |
//! | [`decimal`] | `java.math.BigDecimal`, `BigInteger` | Connect `Decimal` values: text, narrowing, rescaling |
//! | [`base64`] | `java.util.Base64` | standard Base64, as Connect writes bytes |
//! | [`date`] | `java.text.SimpleDateFormat` (UTC) | date patterns for `TimestampConverter` and `TimestampRouter` |
//! | [`values`] | `org.apache.kafka.connect.data.Values` | header text (`convertToString`), header literals (`parseString`) |
//! | [`json`] | `JsonConverter` | a key or value as schema and payload JSON, for structural rewrites |
//! | [`shape`] | `transforms.util.Requirements` | what a key or value is, and Kafka's messages when it is not what a transform needs |
//! | [`fields`] | `Struct.get`, `SchemaBuilder` | field values with defaults, Connect's logical schemas |
//!
//! Nothing here panics on input: every fallible step returns an error the transform turns into
//! a bad record or a configuration error.

pub mod base64;
pub mod date;
pub mod decimal;
pub mod fields;
pub mod java;
pub mod json;
pub mod shape;
pub mod values;
