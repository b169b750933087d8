//! Where a JSON pointer points in a schema file's text: the line GitHub annotations name.
//!
//! `serde_json` does not keep positions, so this is a small scanner of its own over text that
//! `serde_json` has already accepted. A pointer is followed as far as the document goes: a
//! location that passes through a named-type reference (`"type": "Value"`) or a union branch
//! numbered from the writer's side stops at the deepest element that exists, which is still
//! the right place to look.

/// The 1-based line of the element `pointer` (e.g. `/fields/7/type`) reaches in `text`, or of
/// the deepest element on its way; `None` when `text` holds no JSON value.
pub fn line_of(text: &str, pointer: &str) -> Option<usize> {
    let tokens: Vec<String> = pointer
        .split('/')
        .skip(1)
        .filter(|t| !t.is_empty())
        .map(|t| t.replace("~1", "/").replace("~0", "~"))
        .collect();
    let mut scanner = Scanner {
        bytes: text.as_bytes(),
        at: 0,
    };
    let offset = scanner.find(&tokens)?;
    Some(text[..offset].bytes().filter(|b| *b == b'\n').count() + 1)
}

struct Scanner<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Scanner<'_> {
    fn skip_space(&mut self) {
        while self.at < self.bytes.len() && self.bytes[self.at].is_ascii_whitespace() {
            self.at += 1;
        }
    }

    fn peek(&mut self) -> Option<u8> {
        self.skip_space();
        self.bytes.get(self.at).copied()
    }

    fn eat(&mut self, byte: u8) -> Option<()> {
        (self.peek()? == byte).then(|| self.at += 1)
    }

    /// The offset of the element `tokens` leads to from the value at the cursor (or of the
    /// deepest one that exists).
    fn find(&mut self, tokens: &[String]) -> Option<usize> {
        self.skip_space();
        let start = self.at;
        let Some((first, rest)) = tokens.split_first() else {
            return Some(start);
        };
        match self.peek()? {
            b'{' => {
                self.at += 1;
                loop {
                    if self.eat(b'}').is_some() {
                        return Some(start);
                    }
                    let key = self.string()?;
                    self.eat(b':')?;
                    if key == *first {
                        return self.find(rest);
                    }
                    self.skip_value()?;
                    let _ = self.eat(b',');
                }
            }
            b'[' => {
                self.at += 1;
                let wanted: usize = first.parse().ok().unwrap_or(usize::MAX);
                let mut index = 0;
                loop {
                    if self.eat(b']').is_some() {
                        return Some(start);
                    }
                    if index == wanted {
                        return self.find(rest);
                    }
                    self.skip_value()?;
                    let _ = self.eat(b',');
                    index += 1;
                }
            }
            _ => Some(start),
        }
    }

    /// A string at the cursor, unescaped enough to compare keys.
    fn string(&mut self) -> Option<String> {
        self.eat(b'"')?;
        let mut out = Vec::new();
        while let Some(&b) = self.bytes.get(self.at) {
            self.at += 1;
            match b {
                b'"' => return String::from_utf8(out).ok(),
                b'\\' => {
                    let escaped = *self.bytes.get(self.at)?;
                    self.at += 1;
                    match escaped {
                        b'n' => out.push(b'\n'),
                        b't' => out.push(b'\t'),
                        b'r' => out.push(b'\r'),
                        b'u' => {
                            // Keys of Avro schemas are ASCII names; keep the escape as text.
                            out.extend_from_slice(b"\\u");
                        }
                        other => out.push(other),
                    }
                }
                other => out.push(other),
            }
        }
        None
    }

    fn skip_value(&mut self) -> Option<()> {
        match self.peek()? {
            b'"' => self.string().map(|_| ()),
            open @ (b'{' | b'[') => {
                let close = if open == b'{' { b'}' } else { b']' };
                self.at += 1;
                loop {
                    if self.eat(close).is_some() {
                        return Some(());
                    }
                    if open == b'{' {
                        self.string()?;
                        self.eat(b':')?;
                    }
                    self.skip_value()?;
                    let _ = self.eat(b',');
                }
            }
            _ => {
                while self.at < self.bytes.len()
                    && !matches!(self.bytes[self.at], b',' | b'}' | b']')
                    && !self.bytes[self.at].is_ascii_whitespace()
                {
                    self.at += 1;
                }
                Some(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::line_of;

    const TEXT: &str = r#"{
  "type": "record",
  "name": "Value",
  "fields": [
    {"name": "id", "type": "long"},
    {
      "name": "tags\"x",
      "type": {"type": "array", "items": "string"}
    },
    {"name": "next", "type": ["null", "Value"], "default": null}
  ]
}"#;

    #[test]
    fn pointers_find_their_lines() {
        assert_eq!(line_of(TEXT, "/"), Some(1));
        assert_eq!(line_of(TEXT, "/name"), Some(3));
        assert_eq!(line_of(TEXT, "/fields/0"), Some(5));
        assert_eq!(line_of(TEXT, "/fields/1"), Some(6));
        assert_eq!(line_of(TEXT, "/fields/1/type/items"), Some(8));
        assert_eq!(line_of(TEXT, "/fields/2/type/1"), Some(10));
        // Through the reference `"Value"`: the deepest element that exists.
        assert_eq!(line_of(TEXT, "/fields/2/type/1/fields/0"), Some(10));
        // Past the end of an array or a missing key: the container.
        assert_eq!(line_of(TEXT, "/fields/9"), Some(4));
        assert_eq!(line_of(TEXT, "/symbols"), Some(1));
        assert_eq!(line_of("not json", "/fields/0"), Some(1));
    }
}
