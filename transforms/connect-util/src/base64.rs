//! Standard Base64 (`java.util.Base64.getEncoder()` / `getDecoder()`), the form Kafka Connect
//! gives bytes in JSON and in text: padded on output; on input, padding is accepted but not
//! required, as Java's basic decoder does.

use ::base64::Engine as _;
use ::base64::alphabet::STANDARD;
use ::base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

/// Java's basic encoder and decoder.
const JAVA: GeneralPurpose = GeneralPurpose::new(
    &STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Encodes `bytes`.
pub fn encode(bytes: &[u8]) -> String {
    JAVA.encode(bytes)
}

/// Decodes `text`; `None` if it is not standard Base64. Padding, when present, must complete
/// the last 4-character unit (Java: "Input byte array has wrong 4-byte ending unit").
pub fn decode(text: &str) -> Option<Vec<u8>> {
    if text.ends_with('=') && !text.len().is_multiple_of(4) {
        return None;
    }
    JAVA.decode(text).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        for (bytes, text) in [
            (&b""[..], ""),
            (b"f", "Zg=="),
            (b"fo", "Zm8="),
            (b"foo", "Zm9v"),
            (
                &[0xFE, 0xDC, 0xBA, 0x98, 0x76, 0x54, 0x32, 0x10],
                "/ty6mHZUMhA=",
            ),
            (&[0x07, 0xCF], "B88="),
        ] {
            assert_eq!(encode(bytes), text);
            assert_eq!(decode(text).as_deref(), Some(bytes));
        }
        // Java's decoder accepts input without its padding, not with the wrong padding.
        assert_eq!(decode("Zg").as_deref(), Some(&b"f"[..]));
        assert_eq!(decode("Zg="), None);
        assert_eq!(decode("Z===",), None);
        assert_eq!(decode("Zg==Zg=="), None);
        assert_eq!(decode("Z!=="), None);
    }
}
