//! Materialises lookup tables from their compacted topics for `switchyard run`.
