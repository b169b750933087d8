//! {{name}}: a Switchyard transform (a Kafka Connect single message transform as a WebAssembly
//! component). Edit [`transform`]; everything else is plumbing.
//!
//! The WIT contract is in `wit/` (`wit/README.md` explains it); `wit_bindgen::generate!` turns it
//! into the Rust types used here: `ConnectRecord` is a handle to a record the host keeps, and
//! every call on it (`get`, `set`, `set_topic`, …) asks the host.

wit_bindgen::generate!({ world: "transform", path: "wit", generate_all });

use std::cell::RefCell;

use exports::switchyard::transform::transformer::Guest;
use switchyard::transform::connect::{ConnectRecord, DataError, Part, Scalar};
use switchyard::transform::types::{ConfigError, Context, TransformError};

/// The step's configuration (`config = { … }` in the pipeline file).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Settings {
    /// The value field to mask.
    field: String,
    /// What a non-null string in that field becomes.
    replacement: String,
}

impl Settings {
    /// Reads the configuration; every key is optional here.
    fn from_config(config: &[(String, String)]) -> Result<Self, ConfigError> {
        let get = |key: &str| config.iter().find(|(k, _)| k == key).map(|(_, v)| v.trim());
        let settings = Settings {
            field: get("field").unwrap_or("email").to_owned(),
            replacement: get("replacement").unwrap_or("****").to_owned(),
        };
        if settings.field.is_empty() {
            return Err(ConfigError {
                key: "field".into(),
                message: "must name a field".into(),
            });
        }
        Ok(settings)
    }
}

/// The transform: masks `field` in the record value; passes everything else, tombstones
/// included, unchanged. Return no records to drop this one, several to fan out.
fn transform(settings: &Settings, record: ConnectRecord) -> Result<Vec<ConnectRecord>, TransformError> {
    let bad = |e: DataError| TransformError::BadRecord(format!("{e:?}"));
    if record.is_null(Part::Value).map_err(bad)? {
        return Ok(vec![record]);
    }
    let path = [settings.field.clone()];
    match record.get(Part::Value, &path) {
        Ok(Scalar::String(_)) => record
            .set(Part::Value, &path, &Scalar::String(settings.replacement.clone()))
            .map_err(bad)?,
        // A null or absent field stays as it is.
        Ok(_) | Err(DataError::NoSuchField(_)) => {}
        Err(e) => return Err(bad(e)),
    }
    Ok(vec![record])
}

thread_local! {
    static SETTINGS: RefCell<Option<Settings>> = const { RefCell::new(None) };
}

struct Component;

impl Guest for Component {
    fn configure(context: Context) -> Result<(), ConfigError> {
        let settings = Settings::from_config(&context.config)?;
        SETTINGS.with(|s| *s.borrow_mut() = Some(settings));
        Ok(())
    }

    fn apply(input: ConnectRecord) -> Result<Vec<ConnectRecord>, TransformError> {
        SETTINGS.with(|s| match &*s.borrow() {
            Some(settings) => transform(settings, input),
            None => Err(TransformError::Broken("apply before configure".into())),
        })
    }
}

// Natively (`cargo test`) there is no component to export.
#[cfg(target_arch = "wasm32")]
export!(Component);

#[cfg(test)]
mod tests {
    use super::*;

    fn config(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn settings_have_defaults_and_reject_a_blank_field() {
        let defaults = Settings::from_config(&[]).unwrap();
        assert_eq!(defaults.field, "email");
        assert_eq!(defaults.replacement, "****");
        let set = Settings::from_config(&config(&[("field", " phone "), ("replacement", "x")])).unwrap();
        assert_eq!(set.field, "phone");
        assert_eq!(Settings::from_config(&config(&[("field", " ")])).unwrap_err().key, "field");
    }
}
