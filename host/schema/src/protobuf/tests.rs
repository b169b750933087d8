//! The cases of Confluent's `protobuf-provider` tests (`diff-schema-examples.json`, run by
//! `SchemaDiffTest`), each with the differences Confluent lists and its verdict, then a case
//! for each difference type and scalar group they leave out, the lines of the report and the
//! levels.

use super::*;

/// Compiles `text` as `schema.proto`, with `references` (import path, text).
fn schema_with(text: &str, references: &[(&str, &str)]) -> Schema {
    let references: Vec<(String, String)> = references
        .iter()
        .map(|(n, t)| ((*n).to_string(), (*t).to_string()))
        .collect();
    Schema::parse("schema.proto", text, &references).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

fn schema(text: &str) -> Schema {
    schema_with(text, &[])
}

/// The differences from `original` to `update`, as `TYPE #/PATH`, sorted (Confluent's order
/// is that of hash sets), and whether the registry would accept the update.
fn diff(original: &Schema, update: &Schema) -> (Vec<String>, bool) {
    let found = compare(original, update);
    let mut listed: Vec<String> = found.iter().map(Difference::summary).collect();
    listed.sort();
    (listed, found.iter().all(|d| d.kind.is_compatible()))
}

struct Case {
    description: &'static str,
    original: &'static str,
    update: &'static str,
    changes: &'static [&'static str],
    compatible: bool,
}

const CASES: &[Case] = &[
    Case {
        description: "package change",
        original: "syntax = \"proto3\";\npackage foo;\nmessage TestMessage {\n    string test_string = 1;\n    .foo.TestMessage.Status test_int = 2;\n    message Status {\n    string test_string = 1;\n    }\n}",
        update: "syntax = \"proto3\";\npackage bar;\nmessage TestMessage {\n    string test_string = 1;\n    .bar.TestMessage.Status test_int = 2;\n    message Status {\n    string test_string = 1;\n    }\n}",
        changes: &["PACKAGE_CHANGED #/"],
        compatible: true,
    },
    Case {
        description: "change to name qualification",
        original: "syntax = \"proto3\";\nmessage TestMessage {\n    string test_string = 1;\n    Status test_int = 2;\n    message Status {\n    string test_string = 1;\n    }\n}",
        update: "syntax = \"proto3\";\nmessage TestMessage {\n    string test_string = 1;\n    .TestMessage.Status test_int = 2;\n    message Status {\n    string test_string = 1;\n    }\n}",
        changes: &[],
        compatible: true,
    },
    Case {
        description: "change to name qualification with package",
        original: "syntax = \"proto3\";\npackage foo;\nmessage TestMessage {\n    string test_string = 1;\n    Status test_int = 2;\n    message Status {\n    string test_string = 1;\n    }\n}",
        update: "syntax = \"proto3\";\npackage foo;\nmessage TestMessage {\n    string test_string = 1;\n    .foo.TestMessage.Status test_int = 2;\n    message Status {\n    string test_string = 1;\n    }\n}",
        changes: &[],
        compatible: true,
    },
    Case {
        description: "added field",
        original: "syntax = \"proto3\";\nmessage TestMessage {\n    string test_string = 1;\n}",
        update: "syntax = \"proto3\";\nmessage TestMessage {\n    string test_string = 1;\n    string test_string2 = 2;\n}",
        changes: &["FIELD_ADDED #/TestMessage/2"],
        compatible: true,
    },
    Case {
        description: "added required field",
        original: "syntax = \"proto2\";\nmessage TestMessage {\n    optional string test_string = 1;\n}",
        update: "syntax = \"proto2\";\nmessage TestMessage {\n    optional string test_string = 1;\n    required string test_string2 = 2;\n}",
        changes: &["REQUIRED_FIELD_ADDED #/TestMessage/2"],
        compatible: false,
    },
    Case {
        description: "added field to nested type",
        original: "syntax = \"proto3\";\nmessage Wrapper {\n    int32 wrapperInt = 1;\n    message TestMessage {\n    string test_string = 1;\n}\n}",
        update: "syntax = \"proto3\";\nmessage Wrapper {\n    int32 wrapperInt = 1;\n    message TestMessage {\n    string test_string = 1;\n    string test_string2 = 2;\n}\n}",
        changes: &["FIELD_ADDED #/Wrapper/TestMessage/2"],
        compatible: true,
    },
    Case {
        description: "removed field",
        original: "syntax = \"proto3\";\nmessage TestMessage {\n    string test_string = 1;\n    string test_string2 = 2;\n}",
        update: "syntax = \"proto3\";\nmessage TestMessage {\n    string test_string = 1;\n}\n",
        changes: &["FIELD_REMOVED #/TestMessage/2"],
        compatible: true,
    },
    Case {
        description: "removed required field",
        original: "syntax = \"proto2\";\nmessage TestMessage {\n    optional string test_string = 1;\n    required string test_string2 = 2;\n}",
        update: "syntax = \"proto2\";\nmessage TestMessage {\n    optional string test_string = 1;\n}\n",
        changes: &["REQUIRED_FIELD_REMOVED #/TestMessage/2"],
        compatible: false,
    },
    Case {
        description: "changed field number",
        original: "syntax = \"proto3\";\nmessage TestMessage {\n    string test_string = 1;\n}",
        update: "syntax = \"proto3\";\nmessage TestMessage {\n    string test_string = 2;\n}",
        changes: &[
            "FIELD_ADDED #/TestMessage/2",
            "FIELD_REMOVED #/TestMessage/1",
        ],
        compatible: true,
    },
    Case {
        description: "compatible field number type change",
        original: "syntax = \"proto3\";\nmessage TestMessage {\n    string test_string = 1;\n    int32 test_int = 2;\n}",
        update: "syntax = \"proto3\";\nmessage TestMessage {\n    string test_string = 1;\n    int64 test_int = 2;\n}",
        changes: &[],
        compatible: true,
    },
    Case {
        description: "compatible field string type change",
        original: "syntax = \"proto3\";\nmessage TestMessage {\n    string test_string = 1;\n    string test_string2 = 2;\n}",
        update: "syntax = \"proto3\";\nmessage TestMessage {\n    string test_string = 1;\n    bytes test_string2 = 2;\n}",
        changes: &[],
        compatible: true,
    },
    Case {
        description: "field number type to enum change",
        original: "syntax = \"proto3\";\nmessage TestMessage {\n    string test_string = 1;\n    int32 test_int = 2;\n}",
        update: "syntax = \"proto3\";\nmessage TestMessage {\n    string test_string = 1;\n    Status test_int = 2;\n}\nenum Status {\n    ACTIVE = 0;\n    INACTIVE = 1;\n}",
        changes: &["ENUM_ADDED #/Status"],
        compatible: true,
    },
    Case {
        description: "enum type to field number change",
        original: "syntax = \"proto3\";\nmessage TestMessage {\n    string test_string = 1;\n    Status test_int = 2;\n}\nenum Status {\n    ACTIVE = 0;\n    INACTIVE = 1;\n}",
        update: "syntax = \"proto3\";\nmessage TestMessage {\n    string test_string = 1;\n    int32 test_int = 2;\n}",
        changes: &["ENUM_REMOVED #/Status"],
        compatible: true,
    },
    Case {
        description: "field number type to message with same name as enum",
        original: "syntax = \"proto3\";\nmessage TestMessage {\n    string test_string = 1;\n    int32 test_int = 2;\n}",
        update: "syntax = \"proto3\";\nmessage TestMessage {\n    string test_string = 1;\n    .TestMessage.Status test_int = 2;\n    message Status {\n    string test_string = 1;\n    }\n}\nenum Status {\n    ACTIVE = 0;\n    INACTIVE = 1;\n}",
        changes: &[
            "ENUM_ADDED #/Status",
            "FIELD_KIND_CHANGED #/TestMessage/2",
            "MESSAGE_ADDED #/TestMessage/Status",
        ],
        compatible: false,
    },
    Case {
        description: "message with same name as enum to field number change",
        original: "syntax = \"proto3\";\nmessage TestMessage {\n    string test_string = 1;\n    .TestMessage.Status test_int = 2;\n    message Status {\n    string test_string = 1;\n    }\n}\nenum Status {\n    ACTIVE = 0;\n    INACTIVE = 1;\n}",
        update: "syntax = \"proto3\";\nmessage TestMessage {\n    string test_string = 1;\n    int32 test_int = 2;\n}",
        changes: &[
            "ENUM_REMOVED #/Status",
            "FIELD_KIND_CHANGED #/TestMessage/2",
            "MESSAGE_REMOVED #/TestMessage/Status",
        ],
        compatible: false,
    },
    Case {
        description: "enum const change",
        original: "syntax = \"proto3\";\nmessage TestMessage {\n    string test_string = 1;\n    Status test_int = 2;\n}\nenum Status {\n    ACTIVE = 0;\n    INACTIVE = 1;\n}",
        update: "syntax = \"proto3\";\nmessage TestMessage {\n    string test_string = 1;\n    Status test_int = 2;\n}\nenum Status {\n    ACTIVE = 0;\n    NOT_ACTIVE = 1;\n}",
        changes: &["ENUM_CONST_CHANGED #/Status/1"],
        compatible: true,
    },
    Case {
        description: "compatible field to oneof change",
        original: "syntax = \"proto3\";\nmessage TestMessage {\n    string test_string = 1;\n    string test_string2 = 2;\n}",
        update: "syntax = \"proto3\";\nmessage TestMessage {\n    string test_string = 1;\n    oneof new_oneof {\n        string test_string2 = 2;\n        int32 other_id = 3;\n}\n}",
        changes: &["ONEOF_ADDED #/TestMessage/new_oneof"],
        compatible: true,
    },
    Case {
        description: "incompatible field to oneof change",
        original: "syntax = \"proto3\";\nmessage TestMessage {\n    string test_string = 1;\n    string test_string2 = 2;\n}",
        update: "syntax = \"proto3\";\nmessage TestMessage {\n    oneof new_oneof {\n    string test_string = 1;\n    string test_string2 = 2;\n        int32 other_id = 3;\n}\n}",
        changes: &[
            "MULTIPLE_FIELDS_MOVED_TO_ONEOF #/TestMessage/new_oneof",
            "ONEOF_ADDED #/TestMessage/new_oneof",
        ],
        compatible: false,
    },
    Case {
        description: "compatible add field to oneof",
        original: "syntax = \"proto3\";\nmessage TestMessage {\n    oneof new_oneof {\n    string test_string = 1;\n    string test_string2 = 2;\n}\n}",
        update: "syntax = \"proto3\";\nmessage TestMessage {\n    oneof new_oneof {\n    string test_string = 1;\n    string test_string2 = 2;\n        int32 other_id = 3;\n}\n}",
        changes: &["ONEOF_FIELD_ADDED #/TestMessage/new_oneof/3"],
        compatible: true,
    },
    Case {
        description: "incompatible remove field from oneof",
        original: "syntax = \"proto3\";\nmessage TestMessage {\n    oneof new_oneof {\n    string test_string = 1;\n    string test_string2 = 2;\n        int32 other_id = 3;\n}\n}",
        update: "syntax = \"proto3\";\nmessage TestMessage {\n    oneof new_oneof {\n    string test_string = 1;\n    string test_string2 = 2;\n}\n}",
        changes: &["ONEOF_FIELD_REMOVED #/TestMessage/new_oneof/3"],
        compatible: false,
    },
    Case {
        description: "compatible move field to oneof",
        original: "syntax = \"proto3\";\nmessage TestMessage {\n    string test_string = 1;\n    string test_string2 = 2;\n}",
        update: "syntax = \"proto3\";\nmessage TestMessage {\n    string test_string = 1;\n    oneof new_oneof {\n    string test_string2 = 2;\n}\n}",
        changes: &["ONEOF_ADDED #/TestMessage/new_oneof"],
        compatible: true,
    },
    Case {
        description: "incompatible move field to oneof",
        original: "syntax = \"proto3\";\nmessage TestMessage {\n    string test_string = 1;\n    oneof new_oneof {\n    string test_string2 = 2;\n    string test_string3 = 3;\n}\n}",
        update: "syntax = \"proto3\";\nmessage TestMessage {\n    oneof new_oneof {\n    string test_string = 1;\n    string test_string2 = 2;\n    string test_string3 = 3;\n}\n}",
        changes: &[
            "FIELD_MOVED_TO_EXISTING_ONEOF #/TestMessage/new_oneof",
            "ONEOF_FIELD_ADDED #/TestMessage/new_oneof/1",
        ],
        compatible: false,
    },
    Case {
        description: "incompatible move field to renamed oneof",
        original: "syntax = \"proto3\";\nmessage TestMessage {\n    string test_string = 1;\n    oneof new_oneof {\n    string test_string2 = 2;\n    string test_string3 = 3;\n}\n}",
        update: "syntax = \"proto3\";\nmessage TestMessage {\n    oneof new_oneof_2 {\n    string test_string = 1;\n    string test_string2 = 2;\n    string test_string3 = 3;\n}\n}",
        changes: &[
            "FIELD_MOVED_TO_EXISTING_ONEOF #/TestMessage/new_oneof_2",
            "ONEOF_ADDED #/TestMessage/new_oneof_2",
            "ONEOF_REMOVED #/TestMessage/new_oneof",
        ],
        compatible: false,
    },
    Case {
        description: "incompatible field type change to a message",
        original: "syntax = \"proto3\";\nmessage TestMessage {\n    string test_string = 1;\n    int32 test_int = 2;\n}",
        update: "syntax = \"proto3\";\nmessage TestMessage {\n    string test_string = 1;\n    TestMessage2 test_int = 2;\n}\nmessage TestMessage2 {\n    string s1 = 1;\n}",
        changes: &[
            "FIELD_KIND_CHANGED #/TestMessage/2",
            "MESSAGE_ADDED #/TestMessage2",
        ],
        compatible: false,
    },
    Case {
        description: "incompatible field type change to a string",
        original: "syntax = \"proto3\";\nmessage TestMessage {\n    string test_string = 1;\n    int32 test_int = 2;\n}",
        update: "syntax = \"proto3\";\nmessage TestMessage {\n    string test_string = 1;\n    string test_string2 = 2;\n}",
        changes: &[
            "FIELD_NAME_CHANGED #/TestMessage/2",
            "FIELD_SCALAR_KIND_CHANGED #/TestMessage/2",
        ],
        compatible: false,
    },
    Case {
        description: "incompatible field type change to another message",
        original: "syntax = \"proto3\";\nmessage TestMessage {\n    string test_string = 1;\n    TestMessage2 test_int = 2;\n}\nmessage TestMessage2 {\n    string s1 = 1;\n}",
        update: "syntax = \"proto3\";\nmessage TestMessage {\n    string test_string = 1;\n    TestMessage3 test_int = 2;\n}\nmessage TestMessage3 {\n    string s1 = 1;\n}",
        changes: &[
            "FIELD_NAMED_TYPE_CHANGED #/TestMessage/2",
            "MESSAGE_ADDED #/TestMessage3",
            "MESSAGE_REMOVED #/TestMessage2",
        ],
        compatible: false,
    },
    Case {
        description: "incompatible map value type change",
        original: "syntax = \"proto3\";\nmessage TestMessage {\n    string test_string = 1;\n    map<string, int32> test_map_int = 2;\n}",
        update: "syntax = \"proto3\";\nmessage TestMessage {\n    string test_string = 1;\n    map<string, string> test_map_string = 2;\n}",
        changes: &[
            "FIELD_NAME_CHANGED #/TestMessage/2",
            "FIELD_SCALAR_KIND_CHANGED #/TestMessage/2",
        ],
        compatible: false,
    },
    Case {
        description: "compatible name qualification in map",
        original: "syntax = \"proto3\";\nmessage TestMessage {\n    string test_string = 1;\n    map<string, Status> test_map = 2;\n    message Status {\n    string test_string = 1;\n    }\n}",
        update: "syntax = \"proto3\";\nmessage TestMessage {\n    string test_string = 1;\n    map<string, TestMessage.Status> test_map = 2;\n    message Status {\n    string test_string = 1;\n    }\n}",
        changes: &[],
        compatible: true,
    },
    Case {
        description: "compatible field label change for message",
        original: "syntax = \"proto3\";\nmessage TestMessage {\n    string test_string = 1;\n    optional Status test_status = 2;\n    message Status {\n    string test_string = 1;\n    }\n}",
        update: "syntax = \"proto3\";\nmessage TestMessage {\n    string test_string = 1;\n    repeated Status test_status = 2;\n    message Status {\n    string test_string = 1;\n    }\n}",
        changes: &[],
        compatible: true,
    },
    Case {
        description: "compatible field label change for string",
        original: "syntax = \"proto3\";\nmessage TestMessage {\n    optional string test_string = 1;\n    Status test_status = 2;\n    message Status {\n    string test_string = 1;\n    }\n}",
        update: "syntax = \"proto3\";\nmessage TestMessage {\n    repeated string test_string = 1;\n    Status test_status = 2;\n    message Status {\n    string test_string = 1;\n    }\n}",
        changes: &["FIELD_STRING_OR_BYTES_LABEL_CHANGED #/TestMessage/1"],
        compatible: true,
    },
    Case {
        description: "compatible field label change for bytes",
        original: "syntax = \"proto3\";\nmessage TestMessage {\n    optional bytes test_bytes = 1;\n    Status test_status = 2;\n    message Status {\n    string test_string = 1;\n    }\n}",
        update: "syntax = \"proto3\";\nmessage TestMessage {\n    repeated bytes test_bytes = 1;\n    Status test_status = 2;\n    message Status {\n    string test_string = 1;\n    }\n}",
        changes: &["FIELD_STRING_OR_BYTES_LABEL_CHANGED #/TestMessage/1"],
        compatible: true,
    },
    Case {
        description: "incompatible field label change for number",
        original: "syntax = \"proto3\";\nmessage TestMessage {\n    optional int32 test_int = 1;\n    Status test_status = 2;\n    message Status {\n    string test_string = 1;\n    }\n}",
        update: "syntax = \"proto3\";\nmessage TestMessage {\n    repeated int32 test_int = 1;\n    Status test_status = 2;\n    message Status {\n    string test_string = 1;\n    }\n}",
        changes: &["FIELD_NUMERIC_LABEL_CHANGED #/TestMessage/1"],
        compatible: false,
    },
    Case {
        description: "compatible message addition",
        original: "syntax = \"proto3\";\nmessage TestMessage {\n    string test_string = 1;\n}",
        update: "syntax = \"proto3\";\nmessage TestMessage {\n    string test_string = 1;\n}\nmessage TestMessage2 {\n    string test_string = 1;\n}",
        changes: &["MESSAGE_ADDED #/TestMessage2"],
        compatible: true,
    },
    Case {
        description: "compatible message index change by a message before it",
        original: "syntax = \"proto3\";\nmessage TestMessage {\n    string test_string = 1;\n}",
        update: "syntax = \"proto3\";\nmessage TestMessage2 {\n    string test_string = 1;\n}\nmessage TestMessage {\n    string test_string = 1;\n}",
        changes: &[
            "MESSAGE_ADDED #/TestMessage2",
            "MESSAGE_MOVED #/TestMessage",
        ],
        compatible: true,
    },
    Case {
        description: "compatible message index change by reordering",
        original: "syntax = \"proto3\";\nmessage TestMessage {\n    string test_string = 1;\n}\nmessage TestMessage2 {\n    string test_string = 1;\n}",
        update: "syntax = \"proto3\";\nmessage TestMessage2 {\n    string test_string = 1;\n}\nmessage TestMessage {\n    string test_string = 1;\n}",
        changes: &[
            "MESSAGE_MOVED #/TestMessage",
            "MESSAGE_MOVED #/TestMessage2",
        ],
        compatible: true,
    },
];

#[test]
fn confluent_cases() {
    for case in CASES {
        let (found, compatible) = diff(&schema(case.original), &schema(case.update));
        let mut expected: Vec<String> = case.changes.iter().map(|c| c.to_string()).collect();
        expected.sort();
        assert_eq!(found, expected, "{}", case.description);
        assert_eq!(compatible, case.compatible, "{}", case.description);
    }
}

const GOOGLE_HOME: &str = "syntax = \"proto3\";\n\npackage io.confluent.cloud.demo.domain;\n\noption java_outer_classname = \"GoogleImpl\";\n\nmessage GoogleHome {\n  int32 deviceID = 1;\n  bool enabled = 2;\n}";
const GOOGLE_HOME_STRING_ID: &str = "syntax = \"proto3\";\n\npackage io.confluent.cloud.demo.domain;\n\noption java_outer_classname = \"GoogleImpl2\";\n\nmessage GoogleHome {\n  string deviceID = 1;\n  bool enabled = 2;\n}";
const GOOGLE_HOME_PACKAGE_2: &str = "syntax = \"proto3\";\n\npackage io.confluent.cloud.demo.domain2;\n\noption java_outer_classname = \"GoogleImpl2\";\n\nmessage GoogleHome {\n  int32 deviceID = 1;\n  bool enabled = 2;\n}";
const OUTER: &str = "syntax = \"proto3\";\n\npackage io.confluent.cloud.demo.domain;\n\noption java_outer_classname = \"GoogleImpl\";\n\nmessage outer {\n  message GoogleHome {\n  int32 deviceID = 1;\n  bool enabled = 2;\n}\n}";
const OUTER_PACKAGE_2: &str = "syntax = \"proto3\";\n\npackage io.confluent.cloud.demo.domain2;\n\noption java_outer_classname = \"GoogleImpl2\";\n\nmessage outer {\n  message GoogleHome {\n  int32 deviceID = 1;\n  bool enabled = 2;\n}\n}";
const OUTER_PACKAGE_2_STRING_ID: &str = "syntax = \"proto3\";\n\npackage io.confluent.cloud.demo.domain2;\n\noption java_outer_classname = \"GoogleImpl2\";\n\nmessage outer {\n  message GoogleHome {\n  string deviceID = 1;\n  bool enabled = 2;\n}\n}";

/// Confluent's cases with references: a message type of an imported file is compared field
/// by field when the two schemas import different files (or versions of one).
#[test]
fn confluent_cases_with_imports() {
    type Imports = &'static [(&'static str, &'static str)];
    type Case = (
        &'static str,
        &'static str,
        Imports,
        &'static str,
        Imports,
        &'static [&'static str],
        bool,
    );
    let cases: [Case; 6] = [
        (
            "incompatible import change",
            "syntax = \"proto3\";\nimport \"google.proto\";\nmessage TestMessage {\n    .io.confluent.cloud.demo.domain.GoogleHome test_string = 1;\n    }",
            &[("google.proto", GOOGLE_HOME)],
            "syntax = \"proto3\";\nimport \"google2.proto\";\nmessage TestMessage {\n    .io.confluent.cloud.demo.domain.GoogleHome test_string = 1;\n    }",
            &[("google2.proto", GOOGLE_HOME_STRING_ID)],
            &[
                "FIELD_NAMED_TYPE_CHANGED #/TestMessage/1",
                "FIELD_SCALAR_KIND_CHANGED #/GoogleHome/1",
            ],
            false,
        ),
        (
            "moving to import",
            "syntax = \"proto3\";\nmessage TestMessage {\n    GoogleHome test_string = 1;\n    }\nmessage GoogleHome {\n  int32 deviceID = 1;\n  bool enabled = 2;\n}",
            &[],
            "syntax = \"proto3\";\nimport \"google.proto\";\nmessage TestMessage {\n    .io.confluent.cloud.demo.domain.GoogleHome test_string = 1;\n    }",
            &[("google.proto", GOOGLE_HOME)],
            &["MESSAGE_REMOVED #/GoogleHome"],
            false,
        ),
        (
            "moving from import",
            "syntax = \"proto3\";\nimport \"google.proto\";\nmessage TestMessage {\n    .io.confluent.cloud.demo.domain.GoogleHome test_string = 1;\n    }",
            &[("google.proto", GOOGLE_HOME)],
            "syntax = \"proto3\";\nmessage TestMessage {\n    GoogleHome test_string = 1;\n    }\nmessage GoogleHome {\n  int32 deviceID = 1;\n  bool enabled = 2;\n}",
            &[],
            &["MESSAGE_ADDED #/GoogleHome"],
            true,
        ),
        (
            "import change with different remote package name",
            "syntax = \"proto3\";\nimport \"google.proto\";\nmessage TestMessage {\n    .io.confluent.cloud.demo.domain.GoogleHome test_string = 1;\n    }",
            &[("google.proto", GOOGLE_HOME)],
            "syntax = \"proto3\";\nimport \"google2.proto\";\nmessage TestMessage {\n    .io.confluent.cloud.demo.domain2.GoogleHome test_string = 1;\n    }",
            &[("google2.proto", GOOGLE_HOME_PACKAGE_2)],
            &[],
            true,
        ),
        (
            "import change with different remote package nested name",
            "syntax = \"proto3\";\nimport \"google.proto\";\nmessage TestMessage {\n    .io.confluent.cloud.demo.domain.outer.GoogleHome test_string = 1;\n    }",
            &[("google.proto", OUTER)],
            "syntax = \"proto3\";\nimport \"google2.proto\";\nmessage TestMessage {\n    .io.confluent.cloud.demo.domain2.outer.GoogleHome test_string = 1;\n    }",
            &[("google2.proto", OUTER_PACKAGE_2)],
            &[],
            true,
        ),
        (
            "incompatible import change, same import path, another version",
            "syntax = \"proto3\";\nimport \"google.proto\";\nmessage TestMessage {\n    .io.confluent.cloud.demo.domain.outer.GoogleHome test_string = 1;\n    }",
            &[("google.proto", OUTER)],
            "syntax = \"proto3\";\nimport \"google.proto\";\nmessage TestMessage {\n    .io.confluent.cloud.demo.domain2.outer.GoogleHome test_string = 1;\n    }",
            &[("google.proto", OUTER_PACKAGE_2_STRING_ID)],
            &[
                "FIELD_NAMED_TYPE_CHANGED #/TestMessage/1",
                "FIELD_SCALAR_KIND_CHANGED #/outer/GoogleHome/1",
            ],
            false,
        ),
    ];
    for (description, original, o_refs, update, u_refs, changes, compatible) in cases {
        let (found, is_compatible) =
            diff(&schema_with(original, o_refs), &schema_with(update, u_refs));
        assert_eq!(found, changes, "{description}");
        assert_eq!(is_compatible, compatible, "{description}");
    }
}

/// The same imported file in both versions is not compared again, and a well-known type
/// imports without a reference.
#[test]
fn the_same_import_and_well_known_types_add_nothing() {
    let text = "syntax = \"proto3\";\nimport \"google.proto\";\nimport \"google/protobuf/timestamp.proto\";\nmessage M {\n  .io.confluent.cloud.demo.domain.GoogleHome home = 1;\n  google.protobuf.Timestamp at = 2;\n}";
    let refs = [("google.proto", GOOGLE_HOME)];
    assert_eq!(
        diff(&schema_with(text, &refs), &schema_with(text, &refs)),
        (vec![], true)
    );
    let missing = Schema::parse("schema.proto", text, &[]).expect_err("google.proto is missing");
    assert!(missing.0.contains("google.proto"), "{missing}");
}

/// Confluent's case with its bundled files (`diff-schema-examples-with-meta.json`): options
/// are not compared, and `confluent/meta.proto` and `confluent/type/decimal.proto` import
/// without a reference.
#[test]
fn options_and_bundled_imports() {
    let original = "syntax = \"proto3\";\n\nimport \"confluent/meta.proto\";\nimport \"confluent/type/decimal.proto\";\n\noption java_package = \"io.confluent.kafka.serializers.protobuf.test\";\n\n// Wrapper message for `Decimal`.\nmessage DecimalValue {\n  option (confluent.message_meta).doc = \"message\";\n\n  // The bytes value.\n  confluent.type.Decimal value = 1 [(confluent.field_meta) = { params: [\n    { key: \"precision\", value: \"8\" },\n    { key: \"scale\", value: \"3\" }\n  ]}];\n}\n";
    let update = "syntax = \"proto3\";\n\nimport \"confluent/meta.proto\";\nimport \"confluent/type/decimal.proto\";\n\noption java_package = \"io.confluent.kafka.serializers.protobuf.test\";\noption (confluent.file_meta) = {\n  doc: \"file\"\n};\n\nmessage DecimalValue {\n  option (confluent.message_meta) = {\n    doc: \"message\"\n  };\n\n  confluent.type.Decimal value = 1 [(confluent.field_meta) = {\n    doc: \"field\",\n    params: [\n      {\n        value: \"8\",\n        key: \"precision\"\n      },\n      {\n        value: \"3\",\n        key: \"scale\"\n      }\n    ]\n  }];\n}\nenum Status {\n  option (confluent.enum_meta) = {\n    doc: \"enum\"\n  };\n  ACTIVE = 0 [(confluent.enum_value_meta) = {\n    doc: \"enum_value\",\n    params: [\n      {\n        key: \"type\",\n        value: \"enum\"\n      }\n    ]\n  }];\n  INACTIVE = 1;\n}\n\n";
    assert_eq!(
        diff(&schema(original), &schema(update)),
        (vec!["ENUM_ADDED #/Status".to_string()], true)
    );
}

/// The scalar groups of `FieldSchemaDiff.scalarKind`: within a group a type may replace
/// another, across groups it may not.
#[test]
fn scalar_groups() {
    let groups: &[&[&str]] = &[
        &["int32", "int64", "uint32", "uint64", "bool", "Color"],
        &["sint32", "sint64"],
        &["string", "bytes"],
        &["fixed32", "sfixed32"],
        &["fixed64", "sfixed64"],
        &["float"],
        &["double"],
    ];
    let file = |t: &str| {
        schema(&format!(
            "syntax = \"proto3\";\nenum Color {{ RED = 0; }}\nmessage M {{\n  {t} value = 1;\n}}"
        ))
    };
    for (gi, group) in groups.iter().enumerate() {
        for (hi, other) in groups.iter().enumerate() {
            for a in *group {
                for b in *other {
                    let (found, compatible) = diff(&file(a), &file(b));
                    if gi == hi {
                        assert_eq!((found, compatible), (vec![], true), "{a} → {b}");
                    } else {
                        assert_eq!(
                            (found, compatible),
                            (vec!["FIELD_SCALAR_KIND_CHANGED #/M/1".to_string()], false),
                            "{a} → {b}"
                        );
                    }
                }
            }
        }
    }
}

/// Labels count only where the text writes them: proto2's `optional` and `repeated` on a
/// number, but not a proto3 field without a label becoming repeated, and not a change of
/// syntax alone (Confluent's rules have no difference for the syntax).
#[test]
fn labels_as_written() {
    let cases = [
        (
            "syntax = \"proto2\";\nmessage M { optional int64 a = 1; }",
            "syntax = \"proto2\";\nmessage M { repeated int64 a = 1; }",
            vec!["FIELD_NUMERIC_LABEL_CHANGED #/M/1"],
            false,
        ),
        (
            "syntax = \"proto2\";\nmessage M { optional double a = 1; }",
            "syntax = \"proto2\";\nmessage M { repeated double a = 1; }",
            vec!["FIELD_NUMERIC_LABEL_CHANGED #/M/1"],
            false,
        ),
        (
            "syntax = \"proto3\";\nmessage M { int32 a = 1; }",
            "syntax = \"proto3\";\nmessage M { repeated int32 a = 1; }",
            vec![],
            true,
        ),
        (
            "syntax = \"proto2\";\nmessage M { optional int32 a = 1; }",
            "syntax = \"proto3\";\nmessage M { int32 a = 1; }",
            vec![],
            true,
        ),
        (
            "syntax = \"proto2\";\nmessage M { required string a = 1; }",
            "syntax = \"proto3\";\nmessage M { string a = 1; }",
            vec![],
            true,
        ),
        (
            "syntax = \"proto3\";\nmessage M { map<string, int32> a = 1; }",
            "syntax = \"proto3\";\nmessage M { map<string, int64> a = 1; }",
            vec![],
            true,
        ),
        (
            "syntax = \"proto3\";\nmessage M { map<string, int32> a = 1; }",
            "syntax = \"proto3\";\nmessage M { map<int32, int32> a = 1; }",
            vec!["FIELD_SCALAR_KIND_CHANGED #/M/1"],
            false,
        ),
        (
            "syntax = \"proto3\";\nmessage M { map<string, int32> a = 1; }",
            "syntax = \"proto3\";\nmessage M { repeated int32 a = 1; }",
            vec!["FIELD_KIND_CHANGED #/M/1"],
            false,
        ),
    ];
    for (original, update, expected, compatible) in cases {
        let expected: Vec<String> = expected.into_iter().map(String::from).collect();
        assert_eq!(
            diff(&schema(original), &schema(update)),
            (expected, compatible),
            "{original}\n→\n{update}"
        );
    }
}

/// The difference types the cases above leave out (an enum declared before or after a
/// message moves no message index).
#[test]
fn other_difference_types() {
    let cases = [
        (
            "syntax = \"proto3\";\nenum E { A = 0; }",
            "syntax = \"proto3\";\nenum E { A = 0; B = 1; }",
            "ENUM_CONST_ADDED #/E/1",
            true,
        ),
        (
            "syntax = \"proto3\";\nenum E { A = 0; B = 1; }",
            "syntax = \"proto3\";\nenum E { A = 0; }",
            "ENUM_CONST_REMOVED #/E/1",
            true,
        ),
        (
            "syntax = \"proto3\";\nmessage M { oneof o { int32 a = 1; } int32 b = 2; }",
            "syntax = \"proto3\";\nmessage M { int32 b = 2; }",
            "ONEOF_REMOVED #/M/o",
            true,
        ),
        (
            "syntax = \"proto3\";\nmessage M { message N { int32 a = 1; } }",
            "syntax = \"proto3\";\nmessage M { }",
            "MESSAGE_REMOVED #/M/N",
            false,
        ),
        (
            "syntax = \"proto3\";\nenum Suit { SPADES = 0; }\nmessage TestEnum { int32 suit = 1; }",
            "syntax = \"proto3\";\nmessage TestEnum { int32 suit = 1; }\nenum Suit { SPADES = 0; HEARTS = 1; }",
            "ENUM_CONST_ADDED #/Suit/1",
            true,
        ),
        (
            "syntax = \"proto3\";\nmessage M { message N { enum E { A = 0; } } }",
            "syntax = \"proto3\";\nmessage M { message N { enum E { A = 0; B = 1; } } }",
            "ENUM_CONST_ADDED #/M/N/E/1",
            true,
        ),
    ];
    for (original, update, expected, compatible) in cases {
        assert_eq!(
            diff(&schema(original), &schema(update)),
            (vec![expected.to_string()], compatible),
            "{expected}"
        );
    }
}

/// A message that contains itself is compared once, and a type of another file that
/// contains itself ends too.
#[test]
fn recursive_messages_end() {
    let text =
        "syntax = \"proto3\";\nmessage Node { int32 value = 1; repeated Node children = 2; }";
    assert_eq!(diff(&schema(text), &schema(text)), (vec![], true));
    let tree = "syntax = \"proto3\";\npackage t;\nmessage Node { int32 value = 1; repeated Node children = 2; }";
    let tree2 = "syntax = \"proto3\";\npackage t;\nmessage Node { string value = 1; repeated Node children = 2; }";
    let user = "syntax = \"proto3\";\nimport \"tree.proto\";\nmessage M { t.Node root = 1; }";
    let (found, compatible) = diff(
        &schema_with(user, &[("tree.proto", tree)]),
        &schema_with(user, &[("tree.proto", tree2)]),
    );
    assert!(!compatible);
    assert!(
        found.contains(&"FIELD_SCALAR_KIND_CHANGED #/Node/1".to_string()),
        "{found:?}"
    );
}

#[test]
fn lines_of_paths() {
    let text = "syntax = \"proto3\";\n\
        package shop;\n\
        \n\
        message Product {\n\
        \x20 int64 id = 1;\n\
        \x20 oneof price {\n\
        \x20   string amount = 2;\n\
        \x20   int64 cents = 3;\n\
        \x20 }\n\
        \x20 enum Status {\n\
        \x20   ACTIVE = 0;\n\
        \x20   GONE = 1;\n\
        \x20 }\n\
        }\n";
    let s = schema(text);
    let line = |path: &[&str]| s.line_of(&path.iter().map(|p| p.to_string()).collect::<Vec<_>>());
    assert_eq!(line(&[]), Some(2));
    assert_eq!(line(&["Product"]), Some(4));
    assert_eq!(line(&["Product", "1"]), Some(5));
    assert_eq!(line(&["Product", "price"]), Some(6));
    assert_eq!(line(&["Product", "price", "3"]), Some(8));
    assert_eq!(line(&["Product", "3"]), Some(8));
    assert_eq!(line(&["Product", "Status", "1"]), Some(12));
    // The deepest element the file has.
    assert_eq!(line(&["Product", "9"]), Some(4));
    assert_eq!(line(&["Product", "Gone", "2"]), Some(4));
    assert_eq!(line(&["Nothing"]), None);
}

#[test]
fn levels_and_messages() {
    let v1 = schema("syntax = \"proto3\";\nmessage M {\n  int32 a = 1;\n}");
    let v2 = schema("syntax = \"proto3\";\nmessage M {\n  int32 a = 1;\n  int32 b = 2;\n}");
    let v3 = schema("syntax = \"proto3\";\nmessage M {\n  int64 a = 1;\n  string b = 2;\n}");
    let earlier = [v2, v1];
    let summary = |new: &Schema, level: Level| -> Vec<(usize, Direction, Vec<&'static str>)> {
        check_level(new, &earlier, level)
            .iter()
            .map(|c| {
                (
                    c.against,
                    c.direction,
                    c.incompatibilities.iter().map(|i| i.kind).collect(),
                )
            })
            .collect()
    };
    use Direction::{Backward as B, Forward as F};
    assert_eq!(
        summary(&v3, Level::Backward),
        [(0, B, vec!["FIELD_SCALAR_KIND_CHANGED"])]
    );
    // Against v1, which has no field 2, nothing breaks.
    assert_eq!(
        summary(&v3, Level::FullTransitive),
        [
            (0, B, vec!["FIELD_SCALAR_KIND_CHANGED"]),
            (0, F, vec!["FIELD_SCALAR_KIND_CHANGED"]),
            (1, B, vec![]),
            (1, F, vec![]),
        ]
    );
    assert_eq!(summary(&v3, Level::None), []);
    let checks = check_level(&v3, &earlier, Level::Full);
    let backward = &checks[0].incompatibilities[0];
    assert_eq!(backward.location, "#/M/2");
    assert_eq!(
        backward.message,
        "int32 in the earlier version, string in the new schema"
    );
    assert_eq!(backward.line, Some(4));
    assert_eq!(
        checks[1].incompatibilities[0].message,
        "string in the new schema, int32 in the earlier version"
    );
}

#[test]
fn parse_errors_name_the_file_and_line() {
    let e = Schema::parse(
        "shop.proto",
        "syntax = \"proto3\";\nmessage M {\n  int32 a = ;\n}",
        &[],
    )
    .expect_err("invalid");
    assert!(e.0.starts_with("shop.proto:3:"), "{e}");
    let e = Schema::parse(
        "shop.proto",
        "syntax = \"proto3\";\nmessage M { Missing a = 1; }",
        &[],
    )
    .expect_err("unresolved");
    assert!(e.0.contains("Missing"), "{e}");
}

#[test]
fn every_difference_type_is_named_and_explained() {
    assert_eq!(DifferenceType::ALL.len(), 25);
    for kind in DifferenceType::ALL {
        assert!(
            kind.as_str()
                .chars()
                .all(|c| c.is_ascii_uppercase() || c == '_')
        );
        assert!(kind.explain().ends_with('.'), "{kind}");
    }
    let compatible: Vec<&str> = DifferenceType::ALL
        .iter()
        .filter(|k| k.is_compatible())
        .map(|k| k.as_str())
        .collect();
    assert_eq!(
        compatible,
        [
            "PACKAGE_CHANGED",
            "MESSAGE_ADDED",
            "MESSAGE_MOVED",
            "ENUM_ADDED",
            "ENUM_REMOVED",
            "ENUM_CONST_ADDED",
            "ENUM_CONST_CHANGED",
            "ENUM_CONST_REMOVED",
            "FIELD_ADDED",
            "FIELD_REMOVED",
            "FIELD_NAME_CHANGED",
            "FIELD_STRING_OR_BYTES_LABEL_CHANGED",
            "ONEOF_ADDED",
            "ONEOF_REMOVED",
            "ONEOF_FIELD_ADDED",
        ]
    );
}
