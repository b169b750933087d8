//! Integration tests, as modules of one test binary (one link on a 2-core CI machine).

mod apply;
mod avro;
mod brokers;
mod common;
mod compose;
mod config_errors;
mod conformance;
mod contract;
mod debezium_transforms;
mod guests;
mod json_schema;
mod kafka_transforms;
mod languages;
mod lookup;
mod parking;
mod protobuf;
mod registry;
mod registry_fake;
mod replay;
mod run;
mod scaffold;
mod schema_check;
mod security;
mod toolchains;
mod transforms;
mod wire;
