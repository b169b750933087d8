//! The Kafka Connect transforms of `org.apache.kafka.connect.transforms`, on the cases of their
//! upstream test classes.
