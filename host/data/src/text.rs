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

/// Whether `a` and `b` are the same bytes, compared in place for the short names of fields
/// (a few words read, where `==` on slices calls `memcmp`): the record path compares several
/// dozen field names per record.
#[inline]
pub fn same(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    // Two overlapping words cover lengths from one word to two.
    fn word<const W: usize>(s: &[u8], at: usize) -> [u8; W] {
        let mut w = [0; W];
        w.copy_from_slice(&s[at..at + W]);
        w
    }
    match n {
        0 => true,
        1..=3 => a.iter().zip(b).all(|(x, y)| x == y),
        4..=7 => word::<4>(a, 0) == word::<4>(b, 0) && word::<4>(a, n - 4) == word::<4>(b, n - 4),
        8..=16 => word::<8>(a, 0) == word::<8>(b, 0) && word::<8>(a, n - 8) == word::<8>(b, n - 8),
        _ => a == b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_bytes_of_every_short_length() {
        let text = b"abcdefghijklmnopqrstuvwxyz";
        for n in 0..=text.len() {
            let a = &text[..n];
            assert!(same(a, a), "{n}");
            assert!(!same(a, &text[..n.saturating_sub(1)]) || n == 0, "{n}");
            for i in 0..n {
                let mut b = a.to_vec();
                b[i] ^= 0x20;
                assert!(!same(a, &b), "{n} {i}");
            }
        }
    }

    #[test]
    fn valid_text_passes_and_invalid_text_names_the_valid_prefix() {
        let long = "é".repeat(100);
        assert_eq!(utf8(long.as_bytes()), Ok(long.as_str()));
        let mut bad = long.into_bytes();
        bad[150] = 0xff;
        assert_eq!(utf8(&bad).map_err(|e| e.valid_up_to()), Err(150));
    }
}
