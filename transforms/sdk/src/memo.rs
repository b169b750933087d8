//! A small memo for results that depend only on a string, such as a topic name.
//!
//! A pipeline sees few distinct topics, and routing or matching one with a regular expression
//! costs microseconds in a guest, against tens of nanoseconds for a lookup: the topic
//! predicates and routers remember their answers per topic.

use std::cell::RefCell;
use std::collections::BTreeMap;

/// Remembers up to `capacity` results by key; when full it starts over, so a stream of distinct
/// keys costs at most one extra comparison per record, never unbounded memory.
#[derive(Debug)]
pub struct Memo<T> {
    entries: RefCell<BTreeMap<String, T>>,
    capacity: usize,
}

impl<T: Clone> Memo<T> {
    /// A memo holding at most `capacity` results.
    pub fn new(capacity: usize) -> Self {
        Memo {
            entries: RefCell::new(BTreeMap::new()),
            capacity,
        }
    }

    /// The result for `key`, computed by `compute` the first time.
    pub fn get_or_insert_with(&self, key: &str, compute: impl FnOnce(&str) -> T) -> T {
        if let Some(found) = self.entries.borrow().get(key) {
            return found.clone();
        }
        let value = compute(key);
        let mut entries = self.entries.borrow_mut();
        if entries.len() >= self.capacity {
            entries.clear();
        }
        entries.insert(key.to_owned(), value.clone());
        value
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn computes_once_per_key_and_stays_bounded() {
        let memo = Memo::new(2);
        let calls = std::cell::Cell::new(0);
        let len = |k: &str| {
            calls.set(calls.get() + 1);
            k.len()
        };
        assert_eq!(memo.get_or_insert_with("abc", len), 3);
        assert_eq!(memo.get_or_insert_with("abc", len), 3);
        assert_eq!(calls.get(), 1);
        memo.get_or_insert_with("de", len);
        memo.get_or_insert_with("f", len);
        assert!(memo.entries.borrow().len() <= 2);
        assert_eq!(memo.get_or_insert_with("f", len), 1);
    }
}
