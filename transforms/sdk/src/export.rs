//! The traits a transform or predicate implements, and the macros that export them.

use crate::config::Context;
use crate::error::{ConfigError, Error};
use crate::record::Record;

/// What a transform passes on for one record.
#[derive(Debug)]
pub enum Output {
    /// Nothing: the record is dropped (a filter; Kafka's `apply` returning `null`).
    Drop,
    /// One record, usually the input itself.
    One(Record),
    /// Several records, in order.
    Many(Vec<Record>),
}

impl Output {
    fn into_records(self) -> Vec<Record> {
        match self {
            Output::Drop => Vec::new(),
            Output::One(record) => vec![record],
            Output::Many(records) => records,
        }
    }
}

impl From<Record> for Output {
    fn from(record: Record) -> Self {
        Output::One(record)
    }
}

impl From<Option<Record>> for Output {
    fn from(record: Option<Record>) -> Self {
        record.map_or(Output::Drop, Output::One)
    }
}

impl From<Vec<Record>> for Output {
    fn from(records: Vec<Record>) -> Self {
        Output::Many(records)
    }
}

/// A single message transform (Kafka Connect's `Transformation`). Export it with
/// [`crate::export_transform!`].
pub trait Transform: Sized + 'static {
    /// Builds the transform from its configuration; called once, before any record.
    fn configure(ctx: &Context) -> Result<Self, ConfigError>;

    /// Transforms one record.
    fn apply(&self, record: Record) -> Result<Output, Error>;
}

/// A predicate that decides whether a step applies to a record (Kafka Connect's `Predicate`).
/// Export it with [`crate::export_predicate!`].
pub trait Predicate: Sized + 'static {
    /// Builds the predicate from its configuration; called once, before any record.
    fn configure(ctx: &Context) -> Result<Self, ConfigError>;

    /// Whether the record matches. The host applies the step when `negate` xor this is true.
    fn test(&self, record: &Record) -> Result<bool, Error>;
}

/// Exports a [`Transform`] as this component's `transformer` (world `transform`).
///
/// Call it once, at the top level of a `cdylib` crate.
#[macro_export]
macro_rules! export_transform {
    ($t:ty) => {
        // Off wasm there is no component to export (and a native `cdylib` cannot carry export
        // names such as `switchyard:transform/…`): only check the type.
        #[cfg(not(target_arch = "wasm32"))]
        const _: () = $crate::__bindings::glue::assert_transform::<$t>();

        #[cfg(target_arch = "wasm32")]
        #[allow(
            unsafe_code,
            reason = "the canonical ABI exports are unsafe extern functions"
        )]
        const _: () = {
            ::std::thread_local! {
                static INSTANCE: ::std::cell::RefCell<::core::option::Option<$t>> =
                    const { ::std::cell::RefCell::new(::core::option::Option::None) };
            }

            struct Exported;

            impl $crate::__bindings::glue::TransformerGuest for Exported {
                fn configure(
                    context: $crate::__bindings::glue::WitContext,
                ) -> ::core::result::Result<(), $crate::__bindings::glue::WitConfigError> {
                    $crate::__bindings::glue::configure_transform::<$t>(&INSTANCE, context)
                }

                fn apply(
                    input: $crate::__bindings::glue::RawRecord,
                ) -> ::core::result::Result<
                    ::std::vec::Vec<$crate::__bindings::glue::RawRecord>,
                    $crate::__bindings::glue::WitTransformError,
                > {
                    $crate::__bindings::glue::apply_transform::<$t>(&INSTANCE, input)
                }
            }

            $crate::__bindings::transform::export_transform_world!(
                Exported with_types_in $crate::__bindings::transform
            );
        };
    };
}

/// Exports a [`Predicate`] as this component's `predicate` (world `condition`).
///
/// Call it once, at the top level of a `cdylib` crate.
#[macro_export]
macro_rules! export_predicate {
    ($t:ty) => {
        // Off wasm there is no component to export (and a native `cdylib` cannot carry export
        // names such as `switchyard:transform/…`): only check the type.
        #[cfg(not(target_arch = "wasm32"))]
        const _: () = $crate::__bindings::glue::assert_predicate::<$t>();

        #[cfg(target_arch = "wasm32")]
        #[allow(
            unsafe_code,
            reason = "the canonical ABI exports are unsafe extern functions"
        )]
        const _: () = {
            ::std::thread_local! {
                static INSTANCE: ::std::cell::RefCell<::core::option::Option<$t>> =
                    const { ::std::cell::RefCell::new(::core::option::Option::None) };
            }

            struct Exported;

            impl $crate::__bindings::glue::PredicateGuest for Exported {
                fn configure(
                    context: $crate::__bindings::glue::WitContext,
                ) -> ::core::result::Result<(), $crate::__bindings::glue::WitConfigError> {
                    $crate::__bindings::glue::configure_predicate::<$t>(&INSTANCE, context)
                }

                fn test(
                    input: &$crate::__bindings::glue::RawRecord,
                ) -> ::core::result::Result<bool, $crate::__bindings::glue::WitTransformError>
                {
                    $crate::__bindings::glue::test_predicate::<$t>(&INSTANCE, input)
                }
            }

            $crate::__bindings::condition::export_condition_world!(
                Exported with_types_in $crate::__bindings::condition
            );
        };
    };
}

/// What the export macros expand to; generic over the author's type. Not part of the API.
#[doc(hidden)]
pub mod glue {
    use std::cell::RefCell;
    use std::thread::LocalKey;

    use super::{Predicate, Transform};
    use crate::config::{Config, Context};
    use crate::error::{ConfigError, Error};
    use crate::record::Record;

    pub use crate::__bindings::condition::exports::switchyard::transform::predicate::Guest as PredicateGuest;
    pub use crate::__bindings::connect::ConnectRecord as RawRecord;
    pub use crate::__bindings::transform::exports::switchyard::transform::transformer::Guest as TransformerGuest;
    pub use crate::__bindings::types::{
        ConfigError as WitConfigError, Context as WitContext, TransformError as WitTransformError,
    };

    /// Checks at compile time that `T` is a [`Transform`].
    pub const fn assert_transform<T: Transform>() {}

    /// Checks at compile time that `T` is a [`Predicate`].
    pub const fn assert_predicate<T: Predicate>() {}

    /// Where an export macro keeps the configured instance.
    pub type Slot<T> = LocalKey<RefCell<Option<T>>>;

    fn context(wit: WitContext) -> Context {
        Context::new(wit.alias, wit.class, Config::new(wit.config))
    }

    fn config_error(e: ConfigError) -> WitConfigError {
        WitConfigError {
            key: e.key,
            message: e.message,
        }
    }

    fn transform_error(e: Error) -> WitTransformError {
        match e {
            Error::BadRecord(m) => WitTransformError::BadRecord(m),
            Error::Broken(m) => WitTransformError::Broken(m),
            Error::Transient(m) => WitTransformError::Transient(m),
            Error::Unhandled(m) => WitTransformError::Unhandled(m),
        }
    }

    fn not_configured() -> WitTransformError {
        WitTransformError::Broken("called before `configure` succeeded".to_owned())
    }

    /// `transformer.configure`.
    pub fn configure_transform<T: Transform>(
        slot: &'static Slot<T>,
        wit: WitContext,
    ) -> Result<(), WitConfigError> {
        let instance = T::configure(&context(wit)).map_err(config_error)?;
        slot.with(|cell| *cell.borrow_mut() = Some(instance));
        Ok(())
    }

    /// `transformer.apply`.
    pub fn apply_transform<T: Transform>(
        slot: &'static Slot<T>,
        input: RawRecord,
    ) -> Result<Vec<RawRecord>, WitTransformError> {
        slot.with(|cell| {
            let instance = cell.borrow();
            let instance = instance.as_ref().ok_or_else(not_configured)?;
            let output = instance
                .apply(Record::from_raw(input))
                .map_err(transform_error)?;
            Ok(output
                .into_records()
                .into_iter()
                .map(Record::into_raw)
                .collect())
        })
    }

    /// `predicate.configure`.
    pub fn configure_predicate<T: Predicate>(
        slot: &'static Slot<T>,
        wit: WitContext,
    ) -> Result<(), WitConfigError> {
        let instance = T::configure(&context(wit)).map_err(config_error)?;
        slot.with(|cell| *cell.borrow_mut() = Some(instance));
        Ok(())
    }

    /// `predicate.test`.
    pub fn test_predicate<T: Predicate>(
        slot: &'static Slot<T>,
        input: &RawRecord,
    ) -> Result<bool, WitTransformError> {
        slot.with(|cell| {
            let instance = cell.borrow();
            let instance = instance.as_ref().ok_or_else(not_configured)?;
            instance
                .test(Record::from_raw_ref(input))
                .map_err(transform_error)
        })
    }
}
