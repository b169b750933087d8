//! Kafka's JsonConverter on arbitrary bytes, with and without the schema envelope: decoding
//! never panics, and whatever decodes encodes to bytes that decode and encode to the same
//! bytes again (the converter's output is a fixed point of a round trip).
#![no_main]

use switchyard_convert::json::JsonConverter;

libfuzzer_sys::fuzz_target!(|bytes: &[u8]| {
    for schemas in ["true", "false"] {
        let settings = [("schemas.enable".to_string(), schemas.to_string())];
        let Ok(converter) = JsonConverter::configure(&settings, false) else {
            return;
        };
        let _ = converter.check("t", Some(bytes));
        let Ok(data) = converter.to_connect("t", Some(bytes)) else {
            continue;
        };
        let Ok(Some(encoded)) = converter.from_connect("t", &data) else {
            continue;
        };
        let again = converter
            .to_connect("t", Some(&encoded))
            .expect("the converter reads what it wrote");
        let reencoded = converter
            .from_connect("t", &again)
            .expect("the converter writes what it read")
            .expect("not null");
        assert_eq!(encoded, reencoded, "a round trip changed the bytes");
    }
});
