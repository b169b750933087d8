//! Avro Java's own reader/writer compatibility cases, as data: the schemas of
//! `lang/java/avro/src/test/java/org/apache/avro/TestSchemas.java` written as JSON, and the
//! pairs and expectations of `TestSchemaCompatibility` (its compatible pairs and single
//! cases), `TestSchemaCompatibilityNameMismatch`, `…FixedSizeMismatch`,
//! `…MissingEnumSymbols`, `…ReaderFieldMissingDefaultValue`, `…TypeMismatch`,
//! `…MissingUnionBranch` and `…Multiple` (Avro 1.12).

use super::IncompatibilityType::{self, *};
use super::*;

const NULL: &str = r#""null""#;
const BOOLEAN: &str = r#""boolean""#;
const INT: &str = r#""int""#;
const LONG: &str = r#""long""#;
const FLOAT: &str = r#""float""#;
const DOUBLE: &str = r#""double""#;
const STRING: &str = r#""string""#;
const BYTES: &str = r#""bytes""#;

const INT_ARRAY: &str = r#"{"type":"array","items":"int"}"#;
const LONG_ARRAY: &str = r#"{"type":"array","items":"long"}"#;
const STRING_ARRAY: &str = r#"{"type":"array","items":"string"}"#;
const INT_MAP: &str = r#"{"type":"map","values":"int"}"#;
const LONG_MAP: &str = r#"{"type":"map","values":"long"}"#;
const STRING_MAP: &str = r#"{"type":"map","values":"string"}"#;

const ENUM1_AB: &str = r#"{"type":"enum","name":"Enum1","symbols":["A","B"]}"#;
const ENUM1_AB_DEFAULT: &str =
    r#"{"type":"enum","name":"Enum1","symbols":["A","B"],"default":"A"}"#;
const ENUM1_AB_NAMESPACE_1: &str =
    r#"{"type":"enum","name":"Enum1","namespace":"namespace1","symbols":["A","B"]}"#;
const ENUM1_AB_NAMESPACE_2: &str =
    r#"{"type":"enum","name":"Enum1","namespace":"namespace2","symbols":["A","B"]}"#;
const ENUM1_ABC: &str = r#"{"type":"enum","name":"Enum1","symbols":["A","B","C"]}"#;
const ENUM1_BC: &str = r#"{"type":"enum","name":"Enum1","symbols":["B","C"]}"#;
const ENUM2_AB: &str = r#"{"type":"enum","name":"Enum2","symbols":["A","B"]}"#;
const ENUM_ABC_ENUM_DEFAULT_A_RECORD: &str = r#"{"type":"record","name":"Record","fields":[
    {"name":"Field","type":{"type":"enum","name":"Schema","symbols":["A","B","C"],"default":"A"}}]}"#;
const ENUM_AB_ENUM_DEFAULT_A_RECORD: &str = r#"{"type":"record","name":"Record","fields":[
    {"name":"Field","type":{"type":"enum","name":"Schema","symbols":["A","B"],"default":"A"}}]}"#;
const ENUM_ABC_FIELD_DEFAULT_B_ENUM_DEFAULT_A_RECORD: &str = r#"{"type":"record","name":"Record","fields":[
    {"name":"Field","type":{"type":"enum","name":"Schema","symbols":["A","B","C"],"default":"A"},"default":"B"}]}"#;
const ENUM_AB_FIELD_DEFAULT_A_ENUM_DEFAULT_B_RECORD: &str = r#"{"type":"record","name":"Record","fields":[
    {"name":"Field","type":{"type":"enum","name":"Schema","symbols":["A","B"],"default":"B"},"default":"A"}]}"#;

const EMPTY_UNION: &str = "[]";
const NULL_UNION: &str = r#"["null"]"#;
const INT_UNION: &str = r#"["int"]"#;
const LONG_UNION: &str = r#"["long"]"#;
const FLOAT_UNION: &str = r#"["float"]"#;
const DOUBLE_UNION: &str = r#"["double"]"#;
const STRING_UNION: &str = r#"["string"]"#;
const BYTES_UNION: &str = r#"["bytes"]"#;
const INT_STRING_UNION: &str = r#"["int","string"]"#;
const STRING_INT_UNION: &str = r#"["string","int"]"#;
const INT_FLOAT_UNION: &str = r#"["int","float"]"#;
const INT_LONG_UNION: &str = r#"["int","long"]"#;
const INT_LONG_FLOAT_DOUBLE_UNION: &str = r#"["int","long","float","double"]"#;

const EMPTY_RECORD1: &str = r#"{"type":"record","name":"Record1","fields":[]}"#;
const EMPTY_RECORD2: &str = r#"{"type":"record","name":"Record2","fields":[]}"#;
const A_INT_RECORD1: &str =
    r#"{"type":"record","name":"Record1","fields":[{"name":"a","type":"int"}]}"#;
const A_LONG_RECORD1: &str =
    r#"{"type":"record","name":"Record1","fields":[{"name":"a","type":"long"}]}"#;
const A_INT_B_INT_RECORD1: &str = r#"{"type":"record","name":"Record1","fields":[
    {"name":"a","type":"int"},{"name":"b","type":"int"}]}"#;
const A_DINT_RECORD1: &str =
    r#"{"type":"record","name":"Record1","fields":[{"name":"a","type":"int","default":0}]}"#;
const A_INT_B_DINT_RECORD1: &str = r#"{"type":"record","name":"Record1","fields":[
    {"name":"a","type":"int"},{"name":"b","type":"int","default":0}]}"#;
const A_DINT_B_DINT_RECORD1: &str = r#"{"type":"record","name":"Record1","fields":[
    {"name":"a","type":"int","default":0},{"name":"b","type":"int","default":0}]}"#;
const A_DINT_B_DFIXED_4_BYTES_RECORD1: &str = r#"{"type":"record","name":"Record1","fields":[
    {"name":"a","type":"int","default":0},
    {"name":"b","type":{"type":"fixed","name":"Fixed","size":4}}]}"#;
const A_DINT_B_DFIXED_8_BYTES_RECORD1: &str = r#"{"type":"record","name":"Record1","fields":[
    {"name":"a","type":"int","default":0},
    {"name":"b","type":{"type":"fixed","name":"Fixed","size":8}}]}"#;
const A_DINT_B_DINT_STRING_UNION_RECORD1: &str = r#"{"type":"record","name":"Record1","fields":[
    {"name":"a","type":"int","default":0},{"name":"b","type":["int","string"],"default":0}]}"#;
const A_DINT_B_DINT_UNION_RECORD1: &str = r#"{"type":"record","name":"Record1","fields":[
    {"name":"a","type":"int","default":0},{"name":"b","type":["int"],"default":0}]}"#;
const A_DINT_B_DENUM_1_RECORD1: &str = r#"{"type":"record","name":"Record1","fields":[
    {"name":"a","type":"int","default":0},
    {"name":"b","type":{"type":"enum","name":"Enum1","symbols":["A","B"]}}]}"#;
const A_DINT_B_DENUM_2_RECORD1: &str = r#"{"type":"record","name":"Record1","fields":[
    {"name":"a","type":"int","default":0},
    {"name":"b","type":{"type":"enum","name":"Enum2","symbols":["A","B"]}}]}"#;

const FIXED_4_BYTES: &str = r#"{"type":"fixed","name":"Fixed","size":4}"#;
const FIXED_8_BYTES: &str = r#"{"type":"fixed","name":"Fixed","size":8}"#;
const FIXED_4_ANOTHER_NAME: &str = r#"{"type":"fixed","name":"AnotherName","size":4}"#;

const NS_RECORD1: &str = r#"{"type":"record","name":"Record1","fields":[{"name":"f1","type":["null",
    {"type":"array","items":{"type":"record","name":"InnerRecord1","namespace":"ns1",
     "fields":[{"name":"a","type":"int"}]}}]}]}"#;
const NS_RECORD2: &str = r#"{"type":"record","name":"Record1","fields":[{"name":"f1","type":["null",
    {"type":"array","items":{"type":"record","name":"InnerRecord1","namespace":"ns2",
     "fields":[{"name":"a","type":"int"}]}}]}]}"#;
const WITHOUT_NS: &str =
    r#"{"type":"record","name":"Record","fields":[{"name":"f1","type":"int"}]}"#;
const WITH_NS: &str =
    r#"{"type":"record","name":"ns.Record","fields":[{"name":"f1","type":"int"}]}"#;

const INT_LIST_RECORD: &str = r#"{"type":"record","name":"List","fields":[
    {"name":"head","type":"int"},{"name":"tail","type":"List"}]}"#;
const LONG_LIST_RECORD: &str = r#"{"type":"record","name":"List","fields":[
    {"name":"head","type":"long"},{"name":"tail","type":"List"}]}"#;

// TestSchemaCompatibilityMissingUnionBranch's own schemas.
const UNION_INT_RECORD1: &str =
    r#"["int",{"type":"record","name":"Record1","fields":[{"name":"field1","type":"int"}]}]"#;
const UNION_INT_RECORD2: &str =
    r#"["int",{"type":"record","name":"Record2","fields":[{"name":"field1","type":"int"}]}]"#;
const UNION_INT_ENUM1_AB: &str = r#"["int",{"type":"enum","name":"Enum1","symbols":["A","B"]}]"#;
const UNION_INT_FIXED_4_BYTES: &str = r#"["int",{"type":"fixed","name":"Fixed","size":4}]"#;
const UNION_INT_BOOLEAN: &str = r#"["int","boolean"]"#;
const UNION_INT_ARRAY_INT: &str = r#"["int",{"type":"array","items":"int"}]"#;
const UNION_INT_MAP_INT: &str = r#"["int",{"type":"map","values":"int"}]"#;
const UNION_INT_NULL: &str = r#"["int","null"]"#;

// TestSchemaCompatibilityMissingEnumSymbols's own schemas.
const RECORD1_WITH_ENUM_AB: &str = r#"{"type":"record","name":"Record1","fields":[
    {"name":"field1","type":{"type":"enum","name":"Enum1","symbols":["A","B"]}}]}"#;
const RECORD1_WITH_ENUM_ABC: &str = r#"{"type":"record","name":"Record1","fields":[
    {"name":"field1","type":{"type":"enum","name":"Enum1","symbols":["A","B","C"]}}]}"#;

/// `TestSchemaCompatibility.COMPATIBLE_READER_WRITER_TEST_CASES`, reader first.
const COMPATIBLE: &[(&str, &str)] = &[
    (BOOLEAN, BOOLEAN),
    (INT, INT),
    (LONG, INT),
    (LONG, LONG),
    (FLOAT, INT),
    (FLOAT, LONG),
    (DOUBLE, LONG),
    (DOUBLE, INT),
    (DOUBLE, FLOAT),
    (STRING, STRING),
    (BYTES, BYTES),
    (INT_ARRAY, INT_ARRAY),
    (LONG_ARRAY, INT_ARRAY),
    (INT_MAP, INT_MAP),
    (LONG_MAP, INT_MAP),
    (ENUM1_AB, ENUM1_AB),
    (ENUM1_ABC, ENUM1_AB),
    (ENUM1_AB_DEFAULT, ENUM1_ABC),
    (ENUM1_AB, ENUM1_AB_NAMESPACE_1),
    (ENUM1_AB_NAMESPACE_1, ENUM1_AB),
    (ENUM1_AB_NAMESPACE_1, ENUM1_AB_NAMESPACE_2),
    (STRING, BYTES),
    (BYTES, STRING),
    (EMPTY_UNION, EMPTY_UNION),
    (FLOAT_UNION, EMPTY_UNION),
    (FLOAT_UNION, INT_UNION),
    (FLOAT_UNION, LONG_UNION),
    (FLOAT_UNION, INT_LONG_UNION),
    (INT_UNION, INT_UNION),
    (INT_STRING_UNION, STRING_INT_UNION),
    (INT_UNION, EMPTY_UNION),
    (LONG_UNION, EMPTY_UNION),
    (LONG_UNION, INT_UNION),
    (FLOAT_UNION, INT_UNION),
    (DOUBLE_UNION, INT_UNION),
    (FLOAT_UNION, LONG_UNION),
    (DOUBLE_UNION, LONG_UNION),
    (FLOAT_UNION, EMPTY_UNION),
    (DOUBLE_UNION, FLOAT_UNION),
    (STRING_UNION, EMPTY_UNION),
    (STRING_UNION, BYTES_UNION),
    (BYTES_UNION, EMPTY_UNION),
    (BYTES_UNION, STRING_UNION),
    (DOUBLE_UNION, INT_FLOAT_UNION),
    (FLOAT, INT_FLOAT_UNION),
    (LONG, INT_LONG_UNION),
    (DOUBLE, INT_FLOAT_UNION),
    (DOUBLE, INT_LONG_FLOAT_DOUBLE_UNION),
    (FLOAT, FLOAT_UNION),
    (INT_UNION, INT),
    (INT, INT_UNION),
    (FIXED_4_BYTES, FIXED_4_BYTES),
    (EMPTY_RECORD1, EMPTY_RECORD1),
    (EMPTY_RECORD1, A_INT_RECORD1),
    (A_INT_RECORD1, A_INT_RECORD1),
    (A_DINT_RECORD1, A_INT_RECORD1),
    (A_DINT_RECORD1, A_DINT_RECORD1),
    (A_INT_RECORD1, A_DINT_RECORD1),
    (A_LONG_RECORD1, A_INT_RECORD1),
    (A_INT_RECORD1, A_INT_B_INT_RECORD1),
    (A_DINT_RECORD1, A_INT_B_INT_RECORD1),
    (A_INT_B_DINT_RECORD1, A_INT_RECORD1),
    (A_DINT_B_DINT_RECORD1, EMPTY_RECORD1),
    (A_DINT_B_DINT_RECORD1, A_INT_RECORD1),
    (A_INT_B_INT_RECORD1, A_DINT_B_DINT_RECORD1),
    (INT_LIST_RECORD, INT_LIST_RECORD),
    (LONG_LIST_RECORD, LONG_LIST_RECORD),
    (LONG_LIST_RECORD, INT_LIST_RECORD),
    (NULL, NULL),
    (
        ENUM_AB_ENUM_DEFAULT_A_RECORD,
        ENUM_ABC_ENUM_DEFAULT_A_RECORD,
    ),
    (
        ENUM_AB_FIELD_DEFAULT_A_ENUM_DEFAULT_B_RECORD,
        ENUM_ABC_FIELD_DEFAULT_B_ENUM_DEFAULT_A_RECORD,
    ),
    (NS_RECORD1, NS_RECORD2),
    (WITHOUT_NS, WITH_NS),
    // TestSchemaCompatibility.validateSchemaPair*, validateArrayWriterSchema,
    // validatePrimitiveWriterSchema: the compatible halves.
    (STRING_ARRAY, STRING_ARRAY),
    (STRING_MAP, STRING_MAP),
    (NULL_UNION, NULL),
];

type Expected = &'static [(IncompatibilityType, &'static str, &'static str)];

/// The incompatible pairs (reader, writer) with every expected (type, message, location), in
/// Java's order.
const INCOMPATIBLE: &[(&str, &str, &str, Expected)] = &[
    // TestSchemaCompatibilityNameMismatch
    (
        "name enum",
        ENUM1_AB,
        ENUM2_AB,
        &[(NameMismatch, "expected: Enum2", "/name")],
    ),
    (
        "name record",
        EMPTY_RECORD2,
        EMPTY_RECORD1,
        &[(NameMismatch, "expected: Record1", "/name")],
    ),
    (
        "name fixed",
        FIXED_4_BYTES,
        FIXED_4_ANOTHER_NAME,
        &[(NameMismatch, "expected: AnotherName", "/name")],
    ),
    (
        "name nested enum",
        A_DINT_B_DENUM_1_RECORD1,
        A_DINT_B_DENUM_2_RECORD1,
        &[(NameMismatch, "expected: Enum2", "/fields/1/type/name")],
    ),
    // TestSchemaCompatibilityFixedSizeMismatch
    (
        "fixed 4 8",
        FIXED_4_BYTES,
        FIXED_8_BYTES,
        &[(FixedSizeMismatch, "expected: 8, found: 4", "/size")],
    ),
    (
        "fixed 8 4",
        FIXED_8_BYTES,
        FIXED_4_BYTES,
        &[(FixedSizeMismatch, "expected: 4, found: 8", "/size")],
    ),
    (
        "fixed nested 8 4",
        A_DINT_B_DFIXED_8_BYTES_RECORD1,
        A_DINT_B_DFIXED_4_BYTES_RECORD1,
        &[(
            FixedSizeMismatch,
            "expected: 4, found: 8",
            "/fields/1/type/size",
        )],
    ),
    (
        "fixed nested 4 8",
        A_DINT_B_DFIXED_4_BYTES_RECORD1,
        A_DINT_B_DFIXED_8_BYTES_RECORD1,
        &[(
            FixedSizeMismatch,
            "expected: 8, found: 4",
            "/fields/1/type/size",
        )],
    ),
    // TestSchemaCompatibilityMissingEnumSymbols
    (
        "enum AB ABC",
        ENUM1_AB,
        ENUM1_ABC,
        &[(MissingEnumSymbols, "[C]", "/symbols")],
    ),
    (
        "enum BC ABC",
        ENUM1_BC,
        ENUM1_ABC,
        &[(MissingEnumSymbols, "[A]", "/symbols")],
    ),
    (
        "enum nested",
        RECORD1_WITH_ENUM_AB,
        RECORD1_WITH_ENUM_ABC,
        &[(MissingEnumSymbols, "[C]", "/fields/0/type/symbols")],
    ),
    // TestSchemaCompatibilityReaderFieldMissingDefaultValue
    (
        "missing default a",
        A_INT_RECORD1,
        EMPTY_RECORD1,
        &[(ReaderFieldMissingDefaultValue, "a", "/fields/0")],
    ),
    (
        "missing default a, b defaulted",
        A_INT_B_DINT_RECORD1,
        EMPTY_RECORD1,
        &[(ReaderFieldMissingDefaultValue, "a", "/fields/0")],
    ),
    // TestSchemaCompatibilityTypeMismatch
    (
        "null int",
        NULL,
        INT,
        &[(
            TypeMismatch,
            "reader type: NULL not compatible with writer type: INT",
            "/",
        )],
    ),
    (
        "null long",
        NULL,
        LONG,
        &[(
            TypeMismatch,
            "reader type: NULL not compatible with writer type: LONG",
            "/",
        )],
    ),
    (
        "boolean int",
        BOOLEAN,
        INT,
        &[(
            TypeMismatch,
            "reader type: BOOLEAN not compatible with writer type: INT",
            "/",
        )],
    ),
    (
        "int null",
        INT,
        NULL,
        &[(
            TypeMismatch,
            "reader type: INT not compatible with writer type: NULL",
            "/",
        )],
    ),
    (
        "int boolean",
        INT,
        BOOLEAN,
        &[(
            TypeMismatch,
            "reader type: INT not compatible with writer type: BOOLEAN",
            "/",
        )],
    ),
    (
        "int long",
        INT,
        LONG,
        &[(
            TypeMismatch,
            "reader type: INT not compatible with writer type: LONG",
            "/",
        )],
    ),
    (
        "int float",
        INT,
        FLOAT,
        &[(
            TypeMismatch,
            "reader type: INT not compatible with writer type: FLOAT",
            "/",
        )],
    ),
    (
        "int double",
        INT,
        DOUBLE,
        &[(
            TypeMismatch,
            "reader type: INT not compatible with writer type: DOUBLE",
            "/",
        )],
    ),
    (
        "long float",
        LONG,
        FLOAT,
        &[(
            TypeMismatch,
            "reader type: LONG not compatible with writer type: FLOAT",
            "/",
        )],
    ),
    (
        "long double",
        LONG,
        DOUBLE,
        &[(
            TypeMismatch,
            "reader type: LONG not compatible with writer type: DOUBLE",
            "/",
        )],
    ),
    (
        "float double",
        FLOAT,
        DOUBLE,
        &[(
            TypeMismatch,
            "reader type: FLOAT not compatible with writer type: DOUBLE",
            "/",
        )],
    ),
    (
        "double string",
        DOUBLE,
        STRING,
        &[(
            TypeMismatch,
            "reader type: DOUBLE not compatible with writer type: STRING",
            "/",
        )],
    ),
    (
        "fixed string",
        FIXED_4_BYTES,
        STRING,
        &[(
            TypeMismatch,
            "reader type: FIXED not compatible with writer type: STRING",
            "/",
        )],
    ),
    (
        "string boolean",
        STRING,
        BOOLEAN,
        &[(
            TypeMismatch,
            "reader type: STRING not compatible with writer type: BOOLEAN",
            "/",
        )],
    ),
    (
        "string int",
        STRING,
        INT,
        &[(
            TypeMismatch,
            "reader type: STRING not compatible with writer type: INT",
            "/",
        )],
    ),
    (
        "bytes null",
        BYTES,
        NULL,
        &[(
            TypeMismatch,
            "reader type: BYTES not compatible with writer type: NULL",
            "/",
        )],
    ),
    (
        "bytes int",
        BYTES,
        INT,
        &[(
            TypeMismatch,
            "reader type: BYTES not compatible with writer type: INT",
            "/",
        )],
    ),
    (
        "record int",
        A_INT_RECORD1,
        INT,
        &[(
            TypeMismatch,
            "reader type: RECORD not compatible with writer type: INT",
            "/",
        )],
    ),
    (
        "int array long array",
        INT_ARRAY,
        LONG_ARRAY,
        &[(
            TypeMismatch,
            "reader type: INT not compatible with writer type: LONG",
            "/items",
        )],
    ),
    (
        "map array",
        INT_MAP,
        INT_ARRAY,
        &[(
            TypeMismatch,
            "reader type: MAP not compatible with writer type: ARRAY",
            "/",
        )],
    ),
    (
        "array map",
        INT_ARRAY,
        INT_MAP,
        &[(
            TypeMismatch,
            "reader type: ARRAY not compatible with writer type: MAP",
            "/",
        )],
    ),
    (
        "int map long map",
        INT_MAP,
        LONG_MAP,
        &[(
            TypeMismatch,
            "reader type: INT not compatible with writer type: LONG",
            "/values",
        )],
    ),
    (
        "int enum",
        INT,
        ENUM2_AB,
        &[(
            TypeMismatch,
            "reader type: INT not compatible with writer type: ENUM",
            "/",
        )],
    ),
    (
        "enum int",
        ENUM2_AB,
        INT,
        &[(
            TypeMismatch,
            "reader type: ENUM not compatible with writer type: INT",
            "/",
        )],
    ),
    (
        "float writer union",
        FLOAT,
        INT_LONG_FLOAT_DOUBLE_UNION,
        &[(
            TypeMismatch,
            "reader type: FLOAT not compatible with writer type: DOUBLE",
            "/3",
        )],
    ),
    (
        "long writer union",
        LONG,
        INT_FLOAT_UNION,
        &[(
            TypeMismatch,
            "reader type: LONG not compatible with writer type: FLOAT",
            "/1",
        )],
    ),
    (
        "int writer union",
        INT,
        INT_FLOAT_UNION,
        &[(
            TypeMismatch,
            "reader type: INT not compatible with writer type: FLOAT",
            "/1",
        )],
    ),
    (
        "recursive list",
        INT_LIST_RECORD,
        LONG_LIST_RECORD,
        &[(
            TypeMismatch,
            "reader type: INT not compatible with writer type: LONG",
            "/fields/0/type",
        )],
    ),
    // TestSchemaCompatibilityMissingUnionBranch
    (
        "union int, int string",
        INT_UNION,
        INT_STRING_UNION,
        &[(
            MissingUnionBranch,
            "reader union lacking writer type: STRING",
            "/1",
        )],
    ),
    (
        "union string, int string",
        STRING_UNION,
        INT_STRING_UNION,
        &[(
            MissingUnionBranch,
            "reader union lacking writer type: INT",
            "/0",
        )],
    ),
    (
        "union int, int record1",
        INT_UNION,
        UNION_INT_RECORD1,
        &[(
            MissingUnionBranch,
            "reader union lacking writer type: RECORD",
            "/1",
        )],
    ),
    (
        "union int, int record2",
        INT_UNION,
        UNION_INT_RECORD2,
        &[(
            MissingUnionBranch,
            "reader union lacking writer type: RECORD",
            "/1",
        )],
    ),
    (
        "union record1, record2",
        UNION_INT_RECORD1,
        UNION_INT_RECORD2,
        &[(
            MissingUnionBranch,
            "reader union lacking writer type: RECORD",
            "/1",
        )],
    ),
    (
        "union int, int enum",
        INT_UNION,
        UNION_INT_ENUM1_AB,
        &[(
            MissingUnionBranch,
            "reader union lacking writer type: ENUM",
            "/1",
        )],
    ),
    (
        "union int, int fixed",
        INT_UNION,
        UNION_INT_FIXED_4_BYTES,
        &[(
            MissingUnionBranch,
            "reader union lacking writer type: FIXED",
            "/1",
        )],
    ),
    (
        "union int, int boolean",
        INT_UNION,
        UNION_INT_BOOLEAN,
        &[(
            MissingUnionBranch,
            "reader union lacking writer type: BOOLEAN",
            "/1",
        )],
    ),
    (
        "union int, long",
        INT_UNION,
        LONG_UNION,
        &[(
            MissingUnionBranch,
            "reader union lacking writer type: LONG",
            "/0",
        )],
    ),
    (
        "union int, float",
        INT_UNION,
        FLOAT_UNION,
        &[(
            MissingUnionBranch,
            "reader union lacking writer type: FLOAT",
            "/0",
        )],
    ),
    (
        "union int, double",
        INT_UNION,
        DOUBLE_UNION,
        &[(
            MissingUnionBranch,
            "reader union lacking writer type: DOUBLE",
            "/0",
        )],
    ),
    (
        "union int, bytes",
        INT_UNION,
        BYTES_UNION,
        &[(
            MissingUnionBranch,
            "reader union lacking writer type: BYTES",
            "/0",
        )],
    ),
    (
        "union int, int array",
        INT_UNION,
        UNION_INT_ARRAY_INT,
        &[(
            MissingUnionBranch,
            "reader union lacking writer type: ARRAY",
            "/1",
        )],
    ),
    (
        "union int, int map",
        INT_UNION,
        UNION_INT_MAP_INT,
        &[(
            MissingUnionBranch,
            "reader union lacking writer type: MAP",
            "/1",
        )],
    ),
    (
        "union int, int null",
        INT_UNION,
        UNION_INT_NULL,
        &[(
            MissingUnionBranch,
            "reader union lacking writer type: NULL",
            "/1",
        )],
    ),
    (
        "union int, int long float double",
        INT_UNION,
        INT_LONG_FLOAT_DOUBLE_UNION,
        &[
            (
                MissingUnionBranch,
                "reader union lacking writer type: LONG",
                "/1",
            ),
            (
                MissingUnionBranch,
                "reader union lacking writer type: FLOAT",
                "/2",
            ),
            (
                MissingUnionBranch,
                "reader union lacking writer type: DOUBLE",
                "/3",
            ),
        ],
    ),
    (
        "union nested",
        A_DINT_B_DINT_UNION_RECORD1,
        A_DINT_B_DINT_STRING_UNION_RECORD1,
        &[(
            MissingUnionBranch,
            "reader union lacking writer type: STRING",
            "/fields/1/type/1",
        )],
    ),
    // TestSchemaCompatibility's single cases.
    (
        "validateSchemaNewField",
        r#"{"type":"record","name":"R","fields":[{"name":"oldfield1","type":"int"},{"name":"newfield1","type":"int"}]}"#,
        r#"{"type":"record","name":"R","fields":[{"name":"oldfield1","type":"int"},{"name":"oldfield2","type":"string"}]}"#,
        &[(ReaderFieldMissingDefaultValue, "newfield1", "/fields/1")],
    ),
    (
        "validateArrayWriterSchema",
        STRING_MAP,
        STRING_ARRAY,
        &[(
            TypeMismatch,
            "reader type: MAP not compatible with writer type: ARRAY",
            "/",
        )],
    ),
    (
        "validatePrimitiveWriterSchema",
        INT,
        STRING,
        &[(
            TypeMismatch,
            "reader type: INT not compatible with writer type: STRING",
            "/",
        )],
    ),
    (
        "unionReaderWriterSubsetIncompatibility",
        r#"["int","string"]"#,
        r#"["int","string","long"]"#,
        &[(
            MissingUnionBranch,
            "reader union lacking writer type: LONG",
            "/2",
        )],
    ),
    (
        "unionWriterSimpleReaderIncompatibility",
        r#"{"type":"record","name":"Account","fields":[{"name":"age","type":"int"}]}"#,
        r#"{"type":"record","name":"Account","fields":[{"name":"age","type":["null","int"],"default":null}]}"#,
        &[(
            TypeMismatch,
            "reader type: INT not compatible with writer type: NULL",
            "/fields/0/type/0",
        )],
    ),
    // TestSchemaCompatibilityMultiple
    (
        "multipleIncompatibilities",
        MULTIPLE_READER,
        MULTIPLE_WRITER,
        &[
            (MissingEnumSymbols, "[B, D]", "/fields/0/type/symbols"),
            (
                NameMismatch,
                "expected: check_enum_name_type_ERR",
                "/fields/1/type/name",
            ),
            (
                TypeMismatch,
                "reader type: STRING not compatible with writer type: LONG",
                "/fields/2/type",
            ),
            (
                ReaderFieldMissingDefaultValue,
                "extra_no_default_field",
                "/fields/3/type/fields/1",
            ),
            (
                FixedSizeMismatch,
                "expected: 8, found: 4",
                "/fields/3/type/fields/2/type/size",
            ),
            (
                MissingUnionBranch,
                "reader union lacking writer type: DOUBLE",
                "/fields/3/type/fields/3/type/1",
            ),
            (
                MissingUnionBranch,
                "reader union lacking writer type: STRING",
                "/fields/3/type/fields/3/type/2",
            ),
            (
                MissingUnionBranch,
                "reader union lacking writer type: LONG",
                "/fields/3/type/fields/4/type",
            ),
            (
                TypeMismatch,
                "reader type: STRING not compatible with writer type: BOOLEAN",
                "/fields/3/type/fields/5/type/fields/1/type/items",
            ),
        ],
    ),
    // TestSchemaCompatibilityEnumDefaults.fieldDefaultNotAppliedForUnknownSymbol: a field
    // default does not stand in for an unknown symbol.
    (
        "enum field default is no enum default",
        r#"{"type":"record","name":"Record1","fields":[{"name":"field1","type":{"type":"enum","name":"Enum1","symbols":["A","B"]},"default":"A"}]}"#,
        RECORD1_WITH_ENUM_ABC,
        &[(MissingEnumSymbols, "[C]", "/fields/0/type/symbols")],
    ),
    // TestSchemaCompatibilityEnumDefaults.enumDefaultNotAppliedWhenWriterFieldMissing: what
    // `checkReaderWriterRecordFields` does with a missing field whose enum has a default.
    (
        "missing field of enum type with enum default",
        r#"{"type":"record","name":"Record1","fields":[{"name":"field1","type":{"type":"enum","name":"Enum","symbols":["A","B"],"default":"A"}}]}"#,
        r#"{"type":"record","name":"Record1","fields":[{"name":"field2","type":{"type":"enum","name":"Enum2","symbols":["A","B"]}}]}"#,
        &[(
            TypeMismatch,
            "reader type: ENUM not compatible with writer type: RECORD",
            "/fields/0/type",
        )],
    ),
];

const MULTIPLE_READER: &str = r#"{"type":"record","name":"base","fields":[
  {"name":"check_enum_symbols_field","type":{"type":"enum","name":"check_enum_symbols_type","symbols":["A","C"]}},
  {"name":"check_enum_name_field","type":{"type":"enum","name":"check_enum_name_type","symbols":["A","B","C","D"]}},
  {"name":"type_mismatch_field","type":"string"},
  {"name":"sub_record","type":{"type":"record","name":"sub_record_type","fields":[
    {"name":"identical_1_field","type":"long","default":42},
    {"name":"extra_no_default_field","type":"long"},
    {"name":"fixed_length_mismatch_field","type":{"type":"fixed","name":"fixed_length_mismatch_type","size":4}},
    {"name":"union_missing_branches_field","type":["boolean"]},
    {"name":"reader_union_does_not_support_type_field","type":["boolean"]},
    {"name":"record_fqn_mismatch_field","type":{"type":"record","name":"recordA","namespace":"not_nsA","fields":[
      {"name":"A_field_0","type":"boolean","default":true},
      {"name":"array_type_mismatch_field","type":{"type":"array","items":"string"}}]}}]}}]}"#;

const MULTIPLE_WRITER: &str = r#"{"type":"record","name":"base","fields":[
  {"name":"check_enum_symbols_field","type":{"type":"enum","name":"check_enum_symbols_type","symbols":["A","B","C","D"]}},
  {"name":"check_enum_name_field","type":{"type":"enum","name":"check_enum_name_type_ERR","symbols":["A","B","C","D"]}},
  {"name":"type_mismatch_field","type":"long"},
  {"name":"sub_record","type":{"type":"record","name":"sub_record_type","fields":[
    {"name":"identical_1_field","type":"long","default":42},
    {"name":"fixed_length_mismatch_field","type":{"type":"fixed","name":"fixed_length_mismatch_type","size":8}},
    {"name":"union_missing_branches_field","type":["boolean","double","string"]},
    {"name":"reader_union_does_not_support_type_field","type":"long"},
    {"name":"record_fqn_mismatch_field","type":{"type":"record","name":"recordA","namespace":"nsA","fields":[
      {"name":"A_field_0","type":"boolean","default":true},
      {"name":"array_type_mismatch_field","type":{"type":"array","items":"boolean"}}]}}]}}]}"#;

fn schema(text: &str) -> Schema {
    Schema::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"))
}

#[test]
fn avro_java_compatible_pairs() {
    for (reader, writer) in COMPATIBLE {
        let found = check_reader_writer(&schema(reader), &schema(writer)).expect("check");
        assert!(
            found.is_empty(),
            "reader {reader} should read writer {writer}, found {found:?}"
        );
    }
}

#[test]
fn avro_java_incompatible_pairs() {
    for (name, reader, writer, expected) in INCOMPATIBLE {
        let found = check_reader_writer(&schema(reader), &schema(writer)).expect("check");
        let found: Vec<(IncompatibilityType, &str, &str)> = found
            .iter()
            .map(|i| (i.kind, i.message.as_str(), i.location.as_str()))
            .collect();
        assert_eq!(&found, expected, "{name}");
    }
}

#[test]
fn aliases_let_renamed_fields_and_types_resolve() {
    let writer = schema(
        r#"{"type":"record","name":"v1.Product","fields":[{"name":"title","type":"string"}]}"#,
    );
    let reader = schema(
        r#"{"type":"record","name":"Item","namespace":"v2","aliases":["v1.Product"],
            "fields":[{"name":"name","type":"string","aliases":["title"]}]}"#,
    );
    assert_eq!(check_reader_writer(&reader, &writer).unwrap(), []);
    // Without the aliases: the name and the field both fail.
    let bare =
        schema(r#"{"type":"record","name":"v2.Item","fields":[{"name":"name","type":"string"}]}"#);
    let found = check_reader_writer(&bare, &writer).unwrap();
    let kinds: Vec<_> = found
        .iter()
        .map(|i| (i.kind, i.location.as_str()))
        .collect();
    assert_eq!(
        kinds,
        [
            (NameMismatch, "/name"),
            (ReaderFieldMissingDefaultValue, "/fields/0")
        ]
    );
}

#[test]
fn a_field_matching_two_writer_fields_is_an_error() {
    let writer = schema(
        r#"{"type":"record","name":"R","fields":[{"name":"a","type":"int"},{"name":"b","type":"int"}]}"#,
    );
    let reader = schema(
        r#"{"type":"record","name":"R","fields":[{"name":"a","type":"int","aliases":["b"]}]}"#,
    );
    let e = check_reader_writer(&reader, &writer).unwrap_err();
    assert_eq!(
        e.to_string(),
        "reader record field a matches multiple fields in writer record schema R"
    );
}

/// A second reference to the same pair of named types returns the memoised result: Java
/// reports it again with the first reference's location.
#[test]
fn memoised_pairs_keep_their_first_location() {
    let writer = schema(
        r#"{"type":"record","name":"E","fields":[
            {"name":"before","type":{"type":"record","name":"V","fields":[{"name":"a","type":"long"}]}},
            {"name":"after","type":"V"}]}"#,
    );
    let reader = schema(
        r#"{"type":"record","name":"E","fields":[
            {"name":"before","type":{"type":"record","name":"V","fields":[{"name":"a","type":"int"}]}},
            {"name":"after","type":"V"}]}"#,
    );
    let found = check_reader_writer(&reader, &writer).unwrap();
    let locations: Vec<&str> = found.iter().map(|i| i.location.as_str()).collect();
    assert_eq!(locations, ["/fields/0/type/fields/0/type"; 2]);
}

#[test]
fn levels_pick_versions_and_directions() {
    let v1 = schema(r#"{"type":"record","name":"R","fields":[{"name":"a","type":"int"}]}"#);
    let v2 = schema(
        r#"{"type":"record","name":"R","fields":[{"name":"a","type":"int"},{"name":"b","type":"int","default":0}]}"#,
    );
    // v3 drops `a` (no default in v2 or v1: forward-incompatible) and adds `c` with a default.
    let v3 = schema(
        r#"{"type":"record","name":"R","fields":[{"name":"b","type":"int","default":0},{"name":"c","type":"int","default":1}]}"#,
    );
    let earlier = [v2, v1];
    let summary = |level: Level| -> Vec<(usize, Direction, usize)> {
        check_level(&v3, &earlier, level)
            .unwrap()
            .iter()
            .map(|c| (c.against, c.direction, c.incompatibilities.len()))
            .collect()
    };
    use Direction::{Backward as B, Forward as F};
    assert_eq!(summary(Level::Backward), [(0, B, 0)]);
    assert_eq!(summary(Level::BackwardTransitive), [(0, B, 0), (1, B, 0)]);
    assert_eq!(summary(Level::Forward), [(0, F, 1)]);
    assert_eq!(summary(Level::ForwardTransitive), [(0, F, 1), (1, F, 1)]);
    assert_eq!(summary(Level::Full), [(0, B, 0), (0, F, 1)]);
    assert_eq!(
        summary(Level::FullTransitive),
        [(0, B, 0), (0, F, 1), (1, B, 0), (1, F, 1)]
    );
    assert_eq!(summary(Level::None), []);
}

#[test]
fn level_names() {
    for level in Level::ALL {
        assert_eq!(level.as_str().parse::<Level>(), Ok(level));
    }
    assert_eq!(
        "full-transitive".parse::<Level>(),
        Ok(Level::FullTransitive)
    );
    assert!("SIDEWAYS".parse::<Level>().is_err());
}

/// Java reports a nested record that no longer resolves, inside an optional field, only as
/// `MISSING_UNION_BRANCH` at the union; the causes say why.
#[test]
fn missing_union_branches_carry_their_causes() {
    let writer = schema(
        r#"{"type":"record","name":"Envelope","fields":[
            {"name":"before","type":["null",{"type":"record","name":"Value","fields":[{"name":"id","type":"long"}]}],"default":null},
            {"name":"after","type":["null","Value"],"default":null}]}"#,
    );
    let reader = schema(
        r#"{"type":"record","name":"Envelope","fields":[
            {"name":"before","type":["null",{"type":"record","name":"Value","fields":[{"name":"id","type":"long"},{"name":"name","type":"string"}]}],"default":null},
            {"name":"after","type":["null","Value"],"default":null}]}"#,
    );
    let found = check_reader_writer(&reader, &writer).unwrap();
    let summary: Vec<_> = found
        .iter()
        .map(|i| {
            let causes: Vec<_> = i
                .causes
                .iter()
                .map(|c| (c.kind, c.location.as_str(), c.message.as_str()))
                .collect();
            (i.kind, i.location.as_str(), causes)
        })
        .collect();
    let cause = vec![(
        ReaderFieldMissingDefaultValue,
        "/fields/0/type/1/fields/1",
        "name",
    )];
    let cause_after = vec![(
        ReaderFieldMissingDefaultValue,
        "/fields/1/type/1/fields/1",
        "name",
    )];
    assert_eq!(
        summary,
        [
            (MissingUnionBranch, "/fields/0/type/1", cause),
            (MissingUnionBranch, "/fields/1/type/1", cause_after),
        ]
    );
}

/// `TestSchemaValidation`: Avro's `SchemaValidatorBuilder` strategies are Confluent's levels
/// (`canRead` BACKWARD, `canBeRead` FORWARD, `mutualRead` FULL; `validateAll` the transitive
/// forms). The prior schemas are listed newest first. (Its two `ReflectData` cases, which rely
/// on a resolver that ignores record names, have no JSON counterpart.)
#[test]
fn avro_java_schema_validation_strategies() {
    let rec = r#"{"type":"record","name":"test.Rec","fields":[
        {"name":"a","type":"int","default":1},{"name":"b","type":"long"}]}"#;
    let rec2 = r#"{"type":"record","name":"test.Rec","fields":[
        {"name":"a","type":"int","default":1},{"name":"b","type":"long"},
        {"name":"c","type":"int","default":0}]}"#;
    let rec3 = r#"{"type":"record","name":"test.Rec","fields":[
        {"name":"b","type":"long"},{"name":"c","type":"int","default":0}]}"#;
    let rec4 = r#"{"type":"record","name":"test.Rec","fields":[
        {"name":"b","type":"long"},{"name":"c","type":"int"}]}"#;
    let rec5 = r#"{"type":"record","name":"test.Rec","fields":[
        {"name":"a","type":"string","default":""},{"name":"b","type":"long"},
        {"name":"c","type":"int","default":0}]}"#;
    let all_types = r#"{"type":"record","name":"r","fields":[
        {"name":"boolF","type":"boolean"},{"name":"intF","type":"int"},
        {"name":"longF","type":"long"},{"name":"floatF","type":"float"},
        {"name":"doubleF","type":"double"},{"name":"stringF","type":"string"},
        {"name":"bytesF","type":"bytes"},
        {"name":"fixedF1","type":{"type":"fixed","name":"F1","size":1}},
        {"name":"enumF","type":{"type":"enum","name":"E1","symbols":["S"]}},
        {"name":"mapF","type":{"type":"map","values":"string"}},
        {"name":"arrayF","type":{"type":"array","items":"string"}},
        {"name":"recordF","type":{"type":"record","name":"inner","fields":[{"name":"f","type":"int"}]}},
        {"name":"boolO","type":["null","boolean"],"default":null}]}"#;
    let cases: &[(Level, &str, &[&str], bool)] = &[
        (Level::Full, all_types, &[all_types], true),
        (Level::Backward, rec3, &[rec], true),
        (Level::Backward, rec5, &[rec3], true),
        (Level::Backward, rec4, &[rec], false),
        (Level::BackwardTransitive, rec3, &[rec2, rec], true),
        (Level::BackwardTransitive, rec4, &[rec3, rec2, rec], false),
        (Level::BackwardTransitive, rec5, &[rec3, rec2, rec], false),
        (Level::Forward, rec, &[rec3], true),
        (Level::Forward, rec, &[rec4], false),
        (Level::ForwardTransitive, rec, &[rec2, rec3], true),
        (Level::ForwardTransitive, rec, &[rec2, rec3, rec4], false),
        (Level::Full, rec, &[rec3], true),
        (Level::Full, rec, &[rec4], false),
        (Level::FullTransitive, rec, &[rec2, rec3], true),
        (Level::FullTransitive, rec, &[rec2, rec3, rec4], false),
    ];
    for (i, (level, new, prior, passes)) in cases.iter().enumerate() {
        let prior: Vec<Schema> = prior.iter().map(|p| schema(p)).collect();
        let checks = check_level(&schema(new), &prior, *level).expect("check");
        let compatible = checks.iter().all(|c| c.incompatibilities.is_empty());
        assert_eq!(compatible, *passes, "case {i} at {level}: {checks:?}");
    }
}
