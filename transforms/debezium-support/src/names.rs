//! Schema-name adjustment (`io.debezium.schema.SchemaNameAdjuster`,
//! `schema.name.adjustment.mode`).
//!
//! Avro full names allow `[A-Za-z_]` first and `[A-Za-z0-9_.]` after; `avro` replaces any other
//! character with `_`, `avro_unicode` with `_uxxxx` (its UTF-16 code unit in hex); `none`
//! leaves the name as it is.

/// How schema names are adjusted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Adjustment {
    /// `none`: names as they are.
    None,
    /// `avro`: invalid characters become `_`.
    Avro,
    /// `avro_unicode`: invalid characters become `_uxxxx`.
    AvroUnicode,
}

/// The values of `schema.name.adjustment.mode`.
pub const MODES: &[(&str, Adjustment)] = &[
    ("none", Adjustment::None),
    ("avro", Adjustment::Avro),
    ("avro_unicode", Adjustment::AvroUnicode),
];

impl Adjustment {
    /// The adjusted name (`SchemaNameAdjuster.validFullname`).
    pub fn adjust(self, name: &str) -> String {
        if self == Adjustment::None {
            return name.to_owned();
        }
        let mut out = String::with_capacity(name.len());
        for (i, c) in name.chars().enumerate() {
            let valid =
                c == '_' || c.is_ascii_alphabetic() || (i > 0 && (c == '.' || c.is_ascii_digit()));
            if valid {
                out.push(c);
            } else if self == Adjustment::Avro {
                out.push('_');
            } else {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    out.push_str(&format!("_u{unit:04x}"));
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn avro_names() {
        assert_eq!(
            Adjustment::Avro.adjust("mysql-server-1.inventory.customers_all_shards.Key"),
            "mysql_server_1.inventory.customers_all_shards.Key"
        );
        assert_eq!(Adjustment::Avro.adjust("1abc"), "_abc");
        assert_eq!(Adjustment::AvroUnicode.adjust("a-b"), "a_u002db");
        assert_eq!(Adjustment::None.adjust("a-b"), "a-b");
    }
}
