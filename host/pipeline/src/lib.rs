//! A Switchyard pipeline and the task that runs it.
//!
//! [`config`] reads a pipeline (Switchyard's TOML, or a Kafka Connect connector JSON as is,
//! through [`connect`]); [`chain`] instantiates its transforms and predicates — user components
//! or the [`builtin`] catalogue — on the engine; [`task`] is the Kafka Connect task that runs one
//! record through converters and chain and handles its failure as `errors.*` say, reporting it
//! as Connect does ([`errors`]). `switchyard apply` and `switchyard run` drive the same task;
//! [`replay`] runs dead letters through it again; [`parking`] holds the records a transform
//! cannot handle yet, in key order, until a changed chain handles them.
#![deny(missing_docs)]

pub mod builtin;
pub mod chain;
pub mod config;
pub mod connect;
pub mod errors;
pub mod parking;
pub mod replay;
pub mod stats;
pub mod task;
