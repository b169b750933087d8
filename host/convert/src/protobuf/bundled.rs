//! The `.proto` files a Protobuf schema may import without registering them, as Confluent's
//! serializers treat them: Google's well-known types (from `protox`), and the types
//! `ProtobufData` maps Connect's logical types and field metadata to.

use protox::file::{ChainFileResolver, File, FileResolver, GoogleFileResolver};

/// `confluent/meta.proto`: the `Meta` options Confluent's converter reads and writes
/// (`connect.type` of INT8 / INT16 fields, the precision and scale of decimals).
pub const META: &str = r#"syntax = "proto3";
package confluent;

import "google/protobuf/descriptor.proto";

message Meta {
  string doc = 1;
  map<string, string> params = 2;
  repeated string tags = 3;
}

extend google.protobuf.FileOptions { Meta file_meta = 1088; }
extend google.protobuf.MessageOptions { Meta message_meta = 1088; }
extend google.protobuf.FieldOptions { Meta field_meta = 1088; }
extend google.protobuf.EnumOptions { Meta enum_meta = 1088; }
extend google.protobuf.EnumValueOptions { Meta enum_value_meta = 1088; }
"#;

/// `confluent/type/decimal.proto`: Connect's `Decimal` (the unscaled value as big-endian two's
/// complement bytes, with its precision and scale).
pub const DECIMAL: &str = r#"syntax = "proto3";
package confluent.type;

message Decimal {
  bytes value = 1;
  uint32 precision = 2;
  int32 scale = 3;
}
"#;

/// `google/type/date.proto`: Connect's `Date`.
pub const DATE: &str = r#"syntax = "proto3";
package google.type;

message Date {
  int32 year = 1;
  int32 month = 2;
  int32 day = 3;
}
"#;

/// `google/type/timeofday.proto`: Connect's `Time`.
pub const TIME_OF_DAY: &str = r#"syntax = "proto3";
package google.type;

message TimeOfDay {
  int32 hours = 1;
  int32 minutes = 2;
  int32 seconds = 3;
  int32 nanos = 4;
}
"#;

/// The import path of each bundled file.
pub const FILES: &[(&str, &str)] = &[
    ("confluent/meta.proto", META),
    ("confluent/type/decimal.proto", DECIMAL),
    ("google/type/date.proto", DATE),
    ("google/type/timeofday.proto", TIME_OF_DAY),
];

/// Files held in memory, by import path: `.proto` text, or a serialized
/// `FileDescriptorProto` in Base64, which a registry also holds (Confluent's Python and Go
/// serializers register that form).
pub struct Sources(pub Vec<(String, String)>);

impl FileResolver for Sources {
    fn open_file(&self, name: &str) -> Result<File, protox::Error> {
        let Some((name, source)) = self.0.iter().find(|(n, _)| n == name) else {
            return Err(protox::Error::file_not_found(name));
        };
        if let Some(mut descriptor) = descriptor_in_base64(source) {
            // The file is known by the name it is imported under.
            descriptor.name = Some(name.clone());
            return Ok(File::from_file_descriptor_proto(descriptor));
        }
        File::from_source(name, source)
    }
}

/// The `FileDescriptorProto` a schema text holds in Base64, if it is one (`.proto` text has
/// spaces, `;` and quotes, which Base64 does not).
fn descriptor_in_base64(source: &str) -> Option<prost_reflect::prost_types::FileDescriptorProto> {
    use base64::Engine as _;
    use prost_reflect::prost::Message as _;
    let text = source.trim();
    if text.is_empty() || text.contains(|c: char| c.is_whitespace() || c == ';' || c == '"') {
        return None;
    }
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(text)
        .ok()?;
    prost_reflect::prost_types::FileDescriptorProto::decode(bytes.as_slice()).ok()
}

/// A resolver of `sources` first, then of the bundled files and Google's well-known types.
pub fn resolver(sources: Vec<(String, String)>) -> ChainFileResolver {
    let mut chain = ChainFileResolver::new();
    chain.add(Sources(sources));
    chain.add(Sources(
        FILES
            .iter()
            .map(|(n, s)| ((*n).to_owned(), (*s).to_owned()))
            .collect(),
    ));
    chain.add(GoogleFileResolver::new());
    chain
}
