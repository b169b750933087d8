//! Debezium change events (`io.debezium.data.Envelope`) and the test every Debezium SMT starts
//! with (`io.debezium.transforms.SmtManager.isValidEnvelope`).
//!
//! A change event's value is a struct whose schema is named `<prefix>.<schema>.<table>.Envelope`
//! with the fields `before`, `after`, `source`, `transaction`, `op`, `ts_ms`, `ts_us`,
//! `ts_ns`. Anything else — a heartbeat (`io.debezium.connector.common.Heartbeat`), a schema
//! change event, transaction metadata, schemaless JSON, a tombstone — is not an envelope, and
//! the Debezium SMTs pass it on unchanged.

use switchyard_sdk::prelude::*;

/// The suffix of every envelope schema name (`Envelope.isEnvelopeSchema`).
pub const ENVELOPE_SUFFIX: &str = ".Envelope";

/// `before`: the row before the change (`Envelope.FieldName.BEFORE`).
pub const BEFORE: &str = "before";
/// `after`: the row after the change (`Envelope.FieldName.AFTER`).
pub const AFTER: &str = "after";
/// `source`: where the change comes from (`Envelope.FieldName.SOURCE`).
pub const SOURCE: &str = "source";
/// `transaction`: the transaction block (`Envelope.FieldName.TRANSACTION`).
pub const TRANSACTION: &str = "transaction";
/// `op`: the operation code (`Envelope.FieldName.OPERATION`).
pub const OPERATION: &str = "op";

/// Whether the record's value schema is a Debezium envelope: it has a schema, the schema has a
/// name, and the name ends with `.Envelope` (`SmtManager.isValidEnvelope`). The value itself
/// may be null (a `{"schema":…,"payload":null}` record).
pub fn is_envelope(record: &Record) -> Result<bool, Error> {
    let schema = record.value().schema(&[])?;
    Ok(schema
        .and_then(|s| s.name)
        .is_some_and(|name| name.ends_with(ENVELOPE_SUFFIX)))
}

/// Whether the record's value is null (a tombstone, or a null payload with a schema).
pub fn is_tombstone(record: &Record) -> Result<bool, Error> {
    Ok(record.value().is_null()?)
}

/// The operation of a change event (`Envelope.Operation`), from its `op` field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    /// `r`: a snapshot read.
    Read,
    /// `c`: an insert.
    Create,
    /// `u`: an update.
    Update,
    /// `d`: a delete.
    Delete,
    /// `t`: a truncate.
    Truncate,
    /// `m`: a logical decoding message.
    Message,
}

impl Operation {
    /// The operation for a code (`Envelope.Operation.forCode`), `None` for an unknown code.
    pub fn for_code(code: &str) -> Option<Operation> {
        Some(match code {
            "r" => Operation::Read,
            "c" => Operation::Create,
            "u" => Operation::Update,
            "d" => Operation::Delete,
            "t" => Operation::Truncate,
            "m" => Operation::Message,
            _ => return None,
        })
    }

    /// The one-letter code.
    pub fn code(self) -> &'static str {
        match self {
            Operation::Read => "r",
            Operation::Create => "c",
            Operation::Update => "u",
            Operation::Delete => "d",
            Operation::Truncate => "t",
            Operation::Message => "m",
        }
    }
}

/// The `op` string of an envelope value (`Struct.getString("op")`), `None` when null.
pub fn op_code(record: &Record) -> Result<Option<String>, Error> {
    match record.value().get(&[OPERATION])? {
        Scalar::String(s) => Ok(Some(s)),
        Scalar::Null => Ok(None),
        other => Err(Error::bad_record(format!(
            "Field 'op' is not of type STRING, found {}",
            crate::java::scalar_class(&other)
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operation_codes() {
        for code in ["r", "c", "u", "d", "t", "m"] {
            assert_eq!(Operation::for_code(code).map(Operation::code), Some(code));
        }
        assert_eq!(Operation::for_code("x"), None);
    }
}
