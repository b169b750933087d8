//! Debezium's configuration conventions.
//!
//! Debezium validates an SMT's keys with its own `io.debezium.config.Field` definitions. A
//! failed check becomes Kafka's `ConfigException(name, value, message)`, whose text is
//! `Invalid value <value> for configuration <name>: <message>`, and the messages of the
//! validators read `The '<name>' value is invalid: <problem>` (`SmtManager.validate`). Enumerated
//! values are matched case-insensitively after trimming (`EnumeratedValue.parse`).

use switchyard_sdk::prelude::*;

/// `ConfigException(name, value, message)`: `Invalid value <value> for configuration <name>:
/// <message>`.
pub fn invalid(key: &str, value: &str, message: &str) -> ConfigError {
    ConfigError::new(
        key,
        format!("Invalid value {value} for configuration {key}: {message}"),
    )
}

/// A failed `io.debezium.config.Field` validator, wrapped as `SmtManager.validate` wraps it.
pub fn field_invalid(key: &str, value: &str, problem: &str) -> ConfigError {
    invalid(
        key,
        value,
        &format!("The '{key}' value is invalid: {problem}"),
    )
}

/// A required key that is absent or blank (`Field.isRequired`).
pub fn required(config: &Config, key: &str) -> Result<String, ConfigError> {
    match config.optional_string(key) {
        Some(v) if !v.is_empty() => Ok(v),
        _ => Err(field_invalid(key, "null", "A value is required")),
    }
}

/// An enumerated key (`Field.withEnum`): its value matched case-insensitively after trimming
/// against `options`; `default` when absent.
pub fn enumerated<T: Copy>(
    config: &Config,
    key: &str,
    options: &[(&str, T)],
    default: T,
) -> Result<T, ConfigError> {
    let Some(value) = config.optional_string(key) else {
        return Ok(default);
    };
    parse_enum(&value, options).ok_or_else(|| {
        let names: Vec<&str> = options.iter().map(|(n, _)| *n).collect();
        field_invalid(
            key,
            &value,
            &format!("Value must be one of {}", names.join(", ")),
        )
    })
}

/// `EnumeratedValue.parse`: trimmed, case-insensitive.
pub fn parse_enum<T: Copy>(value: &str, options: &[(&str, T)]) -> Option<T> {
    let value = value.trim();
    options
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(value))
        .map(|(_, v)| *v)
}

/// Debezium's `Configuration.getList` / `getStrings`: split on commas, each item trimmed, empty
/// items dropped; `None` when the key is absent.
pub fn list(config: &Config, key: &str) -> Option<Vec<String>> {
    config.raw(key).map(|raw| {
        raw.split(',')
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .collect()
    })
}

/// `Field.notContainEmptyElements`: no empty items in a comma-separated list.
pub fn check_no_empty_elements(config: &Config, key: &str) -> Result<(), ConfigError> {
    if let Some(raw) = config.raw(key)
        && !raw.trim().is_empty()
        && raw.split(',').any(|s| s.trim().is_empty())
    {
        return Err(field_invalid(
            key,
            raw,
            "Empty string element(s) not permitted",
        ));
    }
    Ok(())
}

/// `Field.notContainSpaceInAnyElement`: no item of a comma-separated list contains a space
/// after trimming.
pub fn check_no_spaces(config: &Config, key: &str) -> Result<(), ConfigError> {
    if let Some(raw) = config.raw(key)
        && raw.split(',').any(|s| s.trim().contains(' '))
    {
        return Err(field_invalid(
            key,
            raw,
            "Element(s) containing space not permitted",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone, Copy, PartialEq)]
    enum Op {
        Move,
        Copy,
    }

    const OPS: &[(&str, Op)] = &[("move", Op::Move), ("copy", Op::Copy)];

    fn config(entries: &[(&str, &str)]) -> Config {
        entries.iter().copied().collect()
    }

    #[test]
    fn enums_are_case_insensitive_and_name_the_options() {
        assert_eq!(
            enumerated(
                &config(&[("operation", " MOVE ")]),
                "operation",
                OPS,
                Op::Copy
            ),
            Ok(Op::Move)
        );
        assert_eq!(
            enumerated(&config(&[]), "operation", OPS, Op::Copy),
            Ok(Op::Copy)
        );
        let err = enumerated(
            &config(&[("operation", "invalidOp")]),
            "operation",
            OPS,
            Op::Copy,
        )
        .map(|_| ())
        .unwrap_err();
        assert_eq!(
            err.message,
            "Invalid value invalidOp for configuration operation: The 'operation' value is \
             invalid: Value must be one of move, copy"
        );
    }

    #[test]
    fn lists() {
        let c = config(&[
            ("a", " x , y,"),
            ("b", ",f2"),
            ("c", "header one"),
            ("d", " h1 , h2"),
        ]);
        assert_eq!(list(&c, "a"), Some(vec!["x".to_owned(), "y".to_owned()]));
        assert_eq!(list(&c, "zz"), None);
        assert!(check_no_empty_elements(&c, "b").is_err());
        assert!(check_no_empty_elements(&c, "d").is_ok());
        assert!(check_no_spaces(&c, "c").is_err());
        assert!(check_no_spaces(&c, "d").is_ok());
        assert_eq!(
            required(&c, "zz").map(|_| ()).unwrap_err().message,
            "Invalid value null for configuration zz: The 'zz' value is invalid: A value is required"
        );
    }
}
