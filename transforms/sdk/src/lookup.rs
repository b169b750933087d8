//! Reads the pipeline's lookup tables, for enrichment (a stream-table join).
//!
//! A pipeline names its tables (`[lookups.<name>]` in a pipeline file, `lookups.<name>.*` in a
//! connector JSON); each maps a key, as a string, to the latest value the host has read for it.
//! The host keeps the tables current while the transform runs.
//!
//! ```no_run
//! use switchyard_sdk::lookup;
//!
//! # fn demo() -> Result<(), switchyard_sdk::Error> {
//! // The price of product 6, with its schema (a `Decimal` stays a `Decimal`).
//! if let Some(price) = lookup::get_field("prices", "6", &["price"])? {
//!     let _ = (price.schema, price.value);
//! }
//! // The whole row as JSON text.
//! let _row: Option<String> = lookup::get("prices", "6")?;
//! # Ok(())
//! # }
//! ```
//!
//! A [`LookupError`] converts into an [`Error`](crate::Error): an unknown table or an
//! unavailable one breaks the transform (the pipeline stops), a path that does not fit the
//! stored value makes the record bad. Call [`get_field`] with any key from `configure` to check
//! that a table exists before the first record.

use crate::__bindings::lookup as wit;

pub use wit::{LookupError, TypedScalar};

/// The latest value under `key` in `table`, as the payload JSON text Kafka's `JsonConverter`
/// writes; `None` when the table holds no value for `key`. The host encodes the value on every
/// call: prefer [`get_field`] for a few fields.
pub fn get(table: &str, key: &str) -> Result<Option<String>, LookupError> {
    wit::get(table, key)
}

/// The scalar at `path` in the latest value under `key` in `table`, with its schema; `None`
/// when the table holds no value for `key`.
pub fn get_field(
    table: &str,
    key: &str,
    path: &[&str],
) -> Result<Option<TypedScalar>, LookupError> {
    let path: Vec<String> = path.iter().map(|s| s.to_string()).collect();
    wit::get_field(table, key, &path)
}

/// A sentence describing a lookup failure (the generated `Display` prints the variant's debug
/// form).
pub fn describe(e: &LookupError) -> String {
    match e {
        LookupError::NoSuchTable(t) => format!("no lookup table `{t}` is configured"),
        LookupError::NoSuchField(p) => format!("the looked-up value has no field `{p}`"),
        LookupError::WrongType(m) => format!("wrong type in the looked-up value: {m}"),
        LookupError::Unavailable(m) => format!("lookup table unavailable: {m}"),
    }
}

impl From<LookupError> for crate::Error {
    fn from(e: LookupError) -> Self {
        match &e {
            LookupError::NoSuchTable(_) | LookupError::Unavailable(_) => {
                crate::Error::broken(describe(&e))
            }
            LookupError::NoSuchField(_) | LookupError::WrongType(_) => {
                crate::Error::bad_record(describe(&e))
            }
        }
    }
}
