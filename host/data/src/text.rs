//! UTF-8 validation on the per-record path: every JSON key and value the converter decodes and
//! every line `apply` reads is checked, several kilobytes per record.

/// `bytes` as `&str`, checked with SIMD (`simdutf8`); on invalid input, std's error, which
/// tells where the valid prefix ends.
pub fn utf8(bytes: &[u8]) -> Result<&str, std::str::Utf8Error> {
    match simdutf8::basic::from_utf8(bytes) {
        Ok(text) => Ok(text),
        Err(_) => std::str::from_utf8(bytes),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_text_passes_and_invalid_text_names_the_valid_prefix() {
        let long = "é".repeat(100);
        assert_eq!(utf8(long.as_bytes()), Ok(long.as_str()));
        let mut bad = long.into_bytes();
        bad[150] = 0xff;
        assert_eq!(utf8(&bad).map_err(|e| e.valid_up_to()), Err(150));
    }
}
