//! `org.apache.kafka.connect.transforms.InsertHeader` as a Switchyard transform: appends a header
//! with a literal value.
//!
//! | key | type | default |
//! |---|---|---|
//! | `header` | STRING | required |
//! | `value.literal` | STRING | required |
//!
//! As in Kafka, the header is appended (headers with the same key stay), and the literal is
//! parsed once with `Values.parseString` and written by the default header converter, so the
//! header holds the text Kafka would write: `1.0` becomes `1`, `null` a null header, other
//! text stays as it is (see `connect_util::values::parse_literal`).

use connect_util::values::parse_literal;
use switchyard_sdk::prelude::*;

/// The transform, with the header to append.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InsertHeader {
    header: String,
    value: Option<Vec<u8>>,
}

impl InsertHeader {
    /// Reads the configuration (`InsertHeader.CONFIG_DEF`).
    pub fn from_config(config: &Config) -> Result<Self, ConfigError> {
        let header = config.string("header")?;
        let literal = config.string("value.literal")?;
        Ok(InsertHeader {
            header,
            value: parse_literal(&literal).map(String::into_bytes),
        })
    }
}

impl Transform for InsertHeader {
    fn configure(ctx: &Context) -> Result<Self, ConfigError> {
        InsertHeader::from_config(ctx.config())
    }

    fn apply(&self, mut record: Record) -> Result<Output, Error> {
        record.add_header(&self.header, self.value.as_deref());
        Ok(Output::One(record))
    }
}

switchyard_sdk::export_transform!(InsertHeader);

#[cfg(test)]
mod tests {
    use super::*;

    fn configure(entries: &[(&str, &str)]) -> Result<InsertHeader, ConfigError> {
        InsertHeader::from_config(&entries.iter().copied().collect())
    }

    #[test]
    fn both_keys_are_required() {
        assert_eq!(
            configure(&[("value.literal", "x")]),
            Err(ConfigError::missing("header"))
        );
        assert_eq!(
            configure(&[("header", "h")]),
            Err(ConfigError::missing("value.literal"))
        );
    }

    #[test]
    fn literals_are_parsed_once() {
        let t = configure(&[("header", "inserted"), ("value.literal", "1")]);
        assert_eq!(t.map(|t| t.value), Ok(Some(b"1".to_vec())));
        let t = configure(&[("header", "h"), ("value.literal", "null")]);
        assert_eq!(t.map(|t| t.value), Ok(None));
    }
}
