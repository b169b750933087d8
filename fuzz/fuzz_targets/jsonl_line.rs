//! The record JSONL reader (`switchyard apply`'s input) on arbitrary text.
#![no_main]

libfuzzer_sys::fuzz_target!(|text: &str| {
    let _ = switchyard_convert::jsonl::parse_line(text);
});
