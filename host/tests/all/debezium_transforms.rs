//! The Debezium transforms of `io.debezium.transforms`, on the cases of their upstream test
//! classes.
