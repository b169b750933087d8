//! Connect `Decimal` values (`org.apache.kafka.connect.data.Decimal`): an unscaled integer in
//! big-endian two's complement and a `scale`, read as Java's `BigDecimal` would read them.

use std::fmt::Write as _;

/// An integer of any size: a sign and a magnitude (`java.math.BigInteger`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BigInt {
    negative: bool,
    /// Base 2³² digits, least significant first, without leading zeros (zero is empty).
    magnitude: Vec<u32>,
}

impl BigInt {
    /// The integer a big-endian two's-complement byte string holds (`new BigInteger(bytes)`);
    /// the empty string is zero.
    pub fn from_twos_complement(bytes: &[u8]) -> BigInt {
        let negative = bytes.first().is_some_and(|b| b & 0x80 != 0);
        let mut be: Vec<u8> = bytes.to_vec();
        if negative {
            // Magnitude = !x + 1.
            for b in &mut be {
                *b = !*b;
            }
            for b in be.iter_mut().rev() {
                let (v, carry) = b.overflowing_add(1);
                *b = v;
                if !carry {
                    break;
                }
            }
        }
        let mut magnitude = Vec::with_capacity(be.len() / 4 + 1);
        for chunk in be.rchunks(4) {
            let mut word = 0u32;
            for b in chunk {
                word = (word << 8) | u32::from(*b);
            }
            magnitude.push(word);
        }
        let mut n = BigInt {
            negative,
            magnitude,
        };
        n.trim();
        n
    }

    /// The shortest big-endian two's-complement form (`BigInteger.toByteArray`); zero is `[0]`.
    pub fn to_twos_complement(&self) -> Vec<u8> {
        let mut be: Vec<u8> = Vec::with_capacity(self.magnitude.len() * 4 + 1);
        be.push(0);
        for word in self.magnitude.iter().rev() {
            be.extend_from_slice(&word.to_be_bytes());
        }
        if self.negative {
            for b in &mut be {
                *b = !*b;
            }
            for b in be.iter_mut().rev() {
                let (v, carry) = b.overflowing_add(1);
                *b = v;
                if !carry {
                    break;
                }
            }
            while be.len() > 1 && be[0] == 0xFF && be[1] & 0x80 != 0 {
                be.remove(0);
            }
        } else {
            while be.len() > 1 && be[0] == 0 && be[1] & 0x80 == 0 {
                be.remove(0);
            }
        }
        be
    }

    /// The integer `v`.
    pub fn from_i64(v: i64) -> BigInt {
        let m = v.unsigned_abs();
        let mut n = BigInt {
            negative: v < 0,
            magnitude: vec![m as u32, (m >> 32) as u32],
        };
        n.trim();
        n
    }

    /// Whether this is zero.
    pub fn is_zero(&self) -> bool {
        self.magnitude.is_empty()
    }

    /// Whether this is below zero.
    pub fn is_negative(&self) -> bool {
        self.negative
    }

    fn trim(&mut self) {
        while self.magnitude.last() == Some(&0) {
            self.magnitude.pop();
        }
        if self.magnitude.is_empty() {
            self.negative = false;
        }
    }

    /// `self = self * m + a` on the magnitude.
    fn mul_add(&mut self, m: u32, a: u32) {
        let mut carry = u64::from(a);
        for word in &mut self.magnitude {
            let v = u64::from(*word) * u64::from(m) + carry;
            *word = v as u32;
            carry = v >> 32;
        }
        if carry != 0 {
            self.magnitude.push(carry as u32);
        }
    }

    /// Divides the magnitude by `d` (toward zero), returning the remainder's magnitude.
    fn div_rem(&mut self, d: u32) -> u32 {
        let mut rem = 0u64;
        for word in self.magnitude.iter_mut().rev() {
            let v = (rem << 32) | u64::from(*word);
            *word = (v / u64::from(d)) as u32;
            rem = v % u64::from(d);
        }
        self.trim();
        rem as u32
    }

    /// Multiplies by 10ⁿ.
    pub fn scale_up(&mut self, n: u32) {
        for _ in 0..n {
            self.mul_add(10, 0);
        }
        self.trim();
    }

    /// Divides by 10ⁿ toward zero; returns whether the division was exact.
    pub fn scale_down(&mut self, n: u32) -> bool {
        let mut exact = true;
        for _ in 0..n {
            exact &= self.div_rem(10) == 0;
        }
        exact
    }

    /// The low 64 bits, two's complement (`BigInteger.longValue`).
    pub fn low_i64(&self) -> i64 {
        let low = u64::from(self.magnitude.first().copied().unwrap_or(0))
            | (u64::from(self.magnitude.get(1).copied().unwrap_or(0)) << 32);
        if self.negative {
            low.wrapping_neg() as i64
        } else {
            low as i64
        }
    }

    /// The decimal digits of the magnitude.
    fn magnitude_digits(&self) -> String {
        if self.is_zero() {
            return "0".into();
        }
        let mut n = self.clone();
        let mut groups = Vec::new();
        while !n.is_zero() {
            groups.push(n.div_rem(1_000_000_000));
        }
        let mut out = String::with_capacity(groups.len() * 9);
        let mut iter = groups.iter().rev();
        if let Some(first) = iter.next() {
            let _ = write!(out, "{first}");
        }
        for g in iter {
            let _ = write!(out, "{g:09}");
        }
        out
    }

    /// Parses optional sign and ASCII digits.
    pub fn parse(text: &str) -> Option<BigInt> {
        let (negative, digits) = match text.as_bytes().first() {
            Some(b'-') => (true, &text[1..]),
            Some(b'+') => (false, &text[1..]),
            _ => (false, text),
        };
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let mut n = BigInt::default();
        for b in digits.bytes() {
            n.mul_add(10, u32::from(b - b'0'));
        }
        n.negative = negative;
        n.trim();
        Some(n)
    }
}

impl std::fmt::Display for BigInt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.negative {
            f.write_str("-")?;
        }
        f.write_str(&self.magnitude_digits())
    }
}

/// A decimal number: `unscaled × 10^-scale` (`java.math.BigDecimal`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BigDecimal {
    /// The unscaled value.
    pub unscaled: BigInt,
    /// The scale: digits after the point (negative: trailing zeros before it).
    pub scale: i32,
}

impl BigDecimal {
    /// A Connect `Decimal`: its bytes (`Decimal.toLogical`) and its schema's `scale`.
    pub fn from_connect(bytes: &[u8], scale: i32) -> BigDecimal {
        BigDecimal {
            unscaled: BigInt::from_twos_complement(bytes),
            scale,
        }
    }

    /// Zero at scale 0 (`BigDecimal.ZERO`).
    pub fn zero() -> BigDecimal {
        BigDecimal {
            unscaled: BigInt::default(),
            scale: 0,
        }
    }

    /// `new BigDecimal(text)`: an optional sign, digits with an optional point, an optional
    /// exponent.
    pub fn parse(text: &str) -> Option<BigDecimal> {
        let (mantissa, exponent) = match text.find(['e', 'E']) {
            Some(i) => {
                let e = &text[i + 1..];
                let e = e.strip_prefix('+').unwrap_or(e);
                (&text[..i], crate::java::parse_int(e)?)
            }
            None => (text, 0),
        };
        let (sign, body) = match mantissa.as_bytes().first() {
            Some(b'-') => ("-", &mantissa[1..]),
            Some(b'+') => ("", &mantissa[1..]),
            _ => ("", mantissa),
        };
        let (int, frac) = body.split_once('.').unwrap_or((body, ""));
        if int.is_empty() && frac.is_empty() || int.starts_with(['+', '-']) {
            return None;
        }
        let unscaled = BigInt::parse(&format!("{sign}{int}{frac}"))?;
        let scale = i64::try_from(frac.len()).ok()? - i64::from(exponent);
        Some(BigDecimal {
            unscaled,
            scale: i32::try_from(scale).ok()?,
        })
    }

    /// The bytes of the unscaled value (`Decimal.fromLogical`), once rescaled to `scale`
    /// exactly; `None` when that would lose digits.
    pub fn to_connect(&self, scale: i32) -> Option<Vec<u8>> {
        let mut n = self.unscaled.clone();
        let diff = i64::from(scale) - i64::from(self.scale);
        if diff >= 0 {
            n.scale_up(u32::try_from(diff).ok()?);
        } else if !n.scale_down(u32::try_from(-diff).ok()?) {
            return None;
        }
        Some(n.to_twos_complement())
    }

    /// The integer part, truncated toward zero.
    pub fn integer_part(&self) -> BigInt {
        let mut n = self.unscaled.clone();
        if self.scale > 0 {
            n.scale_down(self.scale.unsigned_abs());
        } else {
            n.scale_up(self.scale.unsigned_abs());
        }
        n
    }

    /// `BigDecimal.longValue()`: the low 64 bits of the integer part.
    pub fn long_value(&self) -> i64 {
        self.integer_part().low_i64()
    }

    /// `BigDecimal.doubleValue()`, correctly rounded.
    pub fn double_value(&self) -> f64 {
        format!("{}e{}", self.unscaled, -i64::from(self.scale))
            .parse()
            .unwrap_or(f64::NAN)
    }

    /// `BigDecimal.floatValue()`, correctly rounded.
    pub fn float_value(&self) -> f32 {
        format!("{}e{}", self.unscaled, -i64::from(self.scale))
            .parse()
            .unwrap_or(f32::NAN)
    }

    /// `BigDecimal.toString()`: plain notation when the scale is not negative and the adjusted
    /// exponent is at least -6, else scientific (`1.23E+5`, `1E-10`).
    pub fn to_java_string(&self) -> String {
        let coefficient = self.unscaled.magnitude_digits();
        let sign = if self.unscaled.is_negative() { "-" } else { "" };
        let adjusted = -i64::from(self.scale) + (coefficient.len() as i64 - 1);
        if self.scale == 0 {
            return format!("{sign}{coefficient}");
        }
        if self.scale > 0 && adjusted >= -6 {
            let scale = self.scale as usize;
            return if coefficient.len() > scale {
                let point = coefficient.len() - scale;
                format!("{sign}{}.{}", &coefficient[..point], &coefficient[point..])
            } else {
                format!(
                    "{sign}0.{}{coefficient}",
                    "0".repeat(scale - coefficient.len())
                )
            };
        }
        let mut out = format!("{sign}{}", &coefficient[..1]);
        if coefficient.len() > 1 {
            out.push('.');
            out.push_str(&coefficient[1..]);
        }
        if adjusted != 0 {
            out.push('E');
            if adjusted > 0 {
                out.push('+');
            }
            out.push_str(&adjusted.to_string());
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn twos_complement_round_trips() {
        for v in [
            0i64,
            1,
            -1,
            127,
            128,
            -128,
            -129,
            255,
            1999,
            i64::MAX,
            i64::MIN,
        ] {
            let n = BigInt::from_i64(v);
            let bytes = n.to_twos_complement();
            assert_eq!(BigInt::from_twos_complement(&bytes), n, "{v}");
            assert_eq!(n.low_i64(), v);
            assert_eq!(n.to_string(), v.to_string());
        }
        assert_eq!(BigInt::from_i64(128).to_twos_complement(), vec![0, 128]);
        assert_eq!(BigInt::from_i64(-128).to_twos_complement(), vec![0x80]);
        assert_eq!(BigInt::from_i64(0).to_twos_complement(), vec![0]);
        // 2147483648 wraps to Integer.MIN_VALUE when narrowed.
        let big = BigDecimal::from_connect(&[0x00, 0x80, 0, 0, 0], 0);
        assert_eq!(big.long_value() as i32, i32::MIN);
    }

    #[test]
    fn big_decimal_strings_follow_java() {
        let d = |digits: &str, scale| BigDecimal {
            unscaled: BigInt::parse(digits).unwrap_or_default(),
            scale,
        };
        assert_eq!(d("1999", 2).to_java_string(), "19.99");
        assert_eq!(d("42", 0).to_java_string(), "42");
        assert_eq!(d("-5", 3).to_java_string(), "-0.005");
        assert_eq!(d("1", 10).to_java_string(), "1E-10");
        assert_eq!(d("123", -2).to_java_string(), "1.23E+4");
        assert_eq!(d("1", 6).to_java_string(), "0.000001");
        assert_eq!(d("1", 7).to_java_string(), "1E-7");
        assert_eq!(
            d("12345678901234567890123", 3).to_java_string(),
            "12345678901234567890.123"
        );
    }

    #[test]
    fn big_decimal_parses_and_rescales() {
        let p = |t: &str| BigDecimal::parse(t);
        assert_eq!(p("123").map(|d| d.to_java_string()), Some("123".into()));
        assert_eq!(p("-1.50").map(|d| d.scale), Some(2));
        assert_eq!(p("1e3").map(|d| d.double_value()), Some(1000.0));
        assert_eq!(p("foo"), None);
        assert_eq!(p("."), None);
        let v = p("1.5").and_then(|d| d.to_connect(2));
        assert_eq!(v, Some(vec![0, 150]));
        assert_eq!(p("1.55").and_then(|d| d.to_connect(1)), None);
        assert_eq!(p("2147483648").map(|d| d.long_value()), Some(2_147_483_648));
        assert_eq!(p("-7.9").map(|d| d.long_value()), Some(-7));
    }
}
