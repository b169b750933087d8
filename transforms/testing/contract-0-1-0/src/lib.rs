//! A transform built against `switchyard:transform@0.1.0` as it was published (`wit/` here is a
//! frozen copy), without the SDK: the host must keep loading such components as the contract
//! grows. It renames the key field `id` to `product_id` with `reshape`, appends `__op` (the
//! envelope's `op`) to the value with `get` and `put`, and routes to `product-events`.

// The bindings wit-bindgen generates export the guest's functions by name.
#![allow(unsafe_code)]

wit_bindgen::generate!({
    world: "transform",
    path: "wit",
});

use exports::switchyard::transform::transformer::Guest;
use switchyard::transform::connect::{
    ConnectRecord, FieldMapping, Part, Scalar, SchemaInfo, SchemaType,
};
use switchyard::transform::types::{ConfigError, Context, TransformError};

struct Contract010;

fn bad(e: switchyard::transform::connect::DataError) -> TransformError {
    TransformError::BadRecord(format!("{e:?}"))
}

impl Guest for Contract010 {
    fn configure(_context: Context) -> Result<(), ConfigError> {
        Ok(())
    }

    fn apply(input: ConnectRecord) -> Result<Vec<ConnectRecord>, TransformError> {
        if !input.is_null(Part::Key).map_err(bad)? {
            let fields = input
                .field_names(Part::Key, &[])
                .map_err(bad)?
                .into_iter()
                .map(|name| FieldMapping {
                    target: if name == "id" {
                        "product_id".into()
                    } else {
                        name.clone()
                    },
                    source: name,
                })
                .collect::<Vec<_>>();
            input.reshape(Part::Key, &[], &fields, true).map_err(bad)?;
        }
        if !input.is_null(Part::Value).map_err(bad)? {
            let op = input.get(Part::Value, &["op".to_string()]).map_err(bad)?;
            let schema = input
                .has_schema(Part::Value)
                .map_err(bad)?
                .then(|| SchemaInfo {
                    type_: SchemaType::String,
                    optional: true,
                    name: None,
                    version: None,
                    doc: None,
                    parameters: Vec::new(),
                    default_json: None,
                });
            let op = match op {
                Scalar::String(s) => Scalar::String(s),
                _ => Scalar::Null,
            };
            input
                .put(Part::Value, &["__op".to_string()], schema.as_ref(), &op)
                .map_err(bad)?;
        }
        input.set_topic("product-events");
        Ok(vec![input])
    }
}

export!(Contract010);
