//! Java compatibility for ports of Kafka Connect transforms: `java.util.regex` patterns and
//! `Matcher` replacement strings, for the Rust `regex` crate.
//!
//! [`translate_regex`] rewrites a Java pattern into one the `regex` crate reads the same way,
//! and rejects, with a message, the Java features that crate lacks:
//!
//! * back-references (`\1`, `\k<name>`), look-around (`(?=`, `(?!`, `(?<=`, `(?<!`), atomic
//!   groups (`(?>`) and possessive quantifiers (`*+`, `++`, `?+`, `{n}+`): the `regex` crate
//!   guarantees linear-time matching and has none of them;
//! * `\G`, `\R`, `\X`, `\N{name}`, `\p{InBlock}` and the `\p{javaXxx}` classes.
//!
//! What it rewrites, so that the meaning stays Java's:
//!
//! * `\d \w \s` (and `\D \W \S`) are ASCII-only in Java, Unicode in Rust: they become explicit
//!   ASCII classes; `\p{Lower}`, `\p{Alpha}`, `\p{Punct}` and the other POSIX names are ASCII
//!   classes in Java and become those;
//! * `\h`, `\H`, `\v`, `\V` (Java's horizontal and vertical whitespace; `\v` is a vertical tab
//!   in Rust), `\e`, `\cX`, `\0oct`, `\Q…\E`, and escaped punctuation such as `\<` (a literal in
//!   Java, a word boundary in Rust) become the characters they stand for;
//! * the inline flags `d`, `u` and `U` (unix lines, Unicode case, Unicode classes) are dropped:
//!   in Rust case folding and classes other than the rewritten ones are Unicode already, and `U`
//!   would mean "swap greed"; comments of the `x` flag are removed.
//!
//! What stays different, and never matters for Kafka topic names (which are ASCII letters,
//! digits, `.`, `_` and `-`): Java's `.`, `$` and `\Z` also treat `\r`, `\u0085`, `\u2028` and
//! `\u2029` as line terminators, and `(?i)` folds only ASCII letters unless `(?u)` is set.

use std::fmt::Write as _;

/// Rewrites a `java.util.regex.Pattern` into the syntax of the Rust `regex` crate, or says
/// which Java feature it uses that the `regex` crate cannot do. The result still has to be
/// compiled, which reports the syntax errors both dialects share.
pub fn translate_regex(pattern: &str) -> Result<String, String> {
    Translator {
        chars: pattern.chars().collect(),
        pos: 0,
        out: String::with_capacity(pattern.len() + 8),
        class_depth: 0,
        comments: vec![false],
    }
    .run()
}

/// Wraps a translated pattern so that it matches only the whole text, as Java's
/// `Matcher.matches()` does.
pub fn full_match(translated: &str) -> String {
    format!(r"\A(?:{translated})\z")
}

struct Translator {
    chars: Vec<char>,
    pos: usize,
    out: String,
    /// How many character classes the cursor is inside.
    class_depth: usize,
    /// Whether the `x` (comments) flag is on, per open group.
    comments: Vec<bool>,
}

impl Translator {
    fn peek(&self, ahead: usize) -> Option<char> {
        self.chars.get(self.pos + ahead).copied()
    }

    fn comments_on(&self) -> bool {
        self.comments.last().copied().unwrap_or(false)
    }

    fn run(mut self) -> Result<String, String> {
        while let Some(c) = self.peek(0) {
            self.pos += 1;
            match c {
                '\\' => self.escape()?,
                '[' => {
                    self.class_depth += 1;
                    self.out.push('[');
                    if self.peek(0) == Some('^') {
                        self.pos += 1;
                        self.out.push('^');
                    }
                }
                ']' if self.class_depth > 0 => {
                    self.class_depth -= 1;
                    self.out.push(']');
                }
                // `~~` is symmetric difference in a Rust class; in Java `~` is a plain character.
                '~' if self.class_depth > 0 => self.out.push_str(r"\~"),
                _ if self.class_depth > 0 => self.out.push(c),
                '#' if self.comments_on() => {
                    while let Some(c) = self.peek(0) {
                        self.pos += 1;
                        if c == '\n' {
                            break;
                        }
                    }
                }
                c if self.comments_on() && c.is_whitespace() => {}
                '(' => self.group()?,
                ')' => {
                    if self.comments.len() > 1 {
                        self.comments.pop();
                    }
                    self.out.push(')');
                    self.possessive_check()?;
                }
                '*' | '+' | '?' => {
                    self.out.push(c);
                    self.possessive_check()?;
                }
                '{' => {
                    self.counted_repetition();
                    self.possessive_check()?;
                }
                _ => self.out.push(c),
            }
        }
        Ok(self.out)
    }

    /// After a quantifier: a lazy `?` is fine, a possessive `+` is not supported.
    fn possessive_check(&mut self) -> Result<(), String> {
        let last = self.out.chars().last();
        if matches!(last, Some('*' | '+' | '?' | '}')) && self.peek(0) == Some('+') {
            return Err(format!(
                "possessive quantifiers are not supported (near index {})",
                self.pos
            ));
        }
        Ok(())
    }

    /// `{n}`, `{n,}` or `{n,m}` after an atom; anything else is left for the compiler.
    fn counted_repetition(&mut self) {
        self.out.push('{');
        let rest: String = self.chars[self.pos..]
            .iter()
            .take_while(|c| c.is_ascii_digit() || **c == ',')
            .collect();
        if !rest.is_empty() && self.peek(rest.chars().count()) == Some('}') {
            self.pos += rest.chars().count() + 1;
            self.out.push_str(&rest);
            self.out.push('}');
            if self.peek(0) == Some('?') {
                self.pos += 1;
                self.out.push('?');
            }
        }
    }

    /// After `(`: a group, possibly with `?` syntax.
    fn group(&mut self) -> Result<(), String> {
        let outer = self.comments_on();
        if self.peek(0) != Some('?') {
            self.comments.push(outer);
            self.out.push('(');
            return Ok(());
        }
        match self.peek(1) {
            Some(':') | Some('=') | Some('!') | Some('>') => {
                if matches!(self.peek(1), Some('=' | '!')) {
                    return Err("look-ahead is not supported".to_owned());
                }
                if self.peek(1) == Some('>') {
                    return Err("atomic groups are not supported".to_owned());
                }
                self.pos += 2;
                self.comments.push(outer);
                self.out.push_str("(?:");
                Ok(())
            }
            Some('<') if matches!(self.peek(2), Some('=' | '!')) => {
                Err("look-behind is not supported".to_owned())
            }
            Some('<') => {
                self.pos += 2;
                self.comments.push(outer);
                self.out.push_str("(?<");
                Ok(())
            }
            _ => self.flags(outer),
        }
    }

    /// `(?flags)` or `(?flags:…)`, with the cursor on the `?`.
    fn flags(&mut self, outer: bool) -> Result<(), String> {
        self.pos += 1;
        let mut on = String::new();
        let mut off = String::new();
        let mut negated = false;
        let mut comments = outer;
        loop {
            let Some(c) = self.peek(0) else {
                return Err("unclosed group".to_owned());
            };
            self.pos += 1;
            match c {
                '-' if !negated => negated = true,
                'i' | 'm' | 's' | 'x' => {
                    if c == 'x' {
                        comments = !negated;
                    }
                    if negated { &mut off } else { &mut on }.push(c);
                }
                // UNIX_LINES, UNICODE_CASE, UNICODE_CHARACTER_CLASS: see the module docs.
                'd' | 'u' | 'U' => {}
                ')' | ':' => {
                    let mut flags = on;
                    if !off.is_empty() {
                        flags.push('-');
                        flags.push_str(&off);
                    }
                    if c == ')' {
                        // Applies to the rest of the enclosing group.
                        if let Some(top) = self.comments.last_mut() {
                            *top = comments;
                        }
                        if !flags.is_empty() {
                            let _ = write!(self.out, "(?{flags})");
                        }
                    } else {
                        self.comments.push(comments);
                        let _ = write!(self.out, "(?{flags}:");
                    }
                    return Ok(());
                }
                other => return Err(format!("Unknown inline modifier '{other}'")),
            }
        }
    }

    /// After `\`.
    fn escape(&mut self) -> Result<(), String> {
        let Some(c) = self.peek(0) else {
            return Err("trailing backslash".to_owned());
        };
        self.pos += 1;
        let in_class = self.class_depth > 0;
        match c {
            'd' => self.out.push_str("[0-9]"),
            'D' => self.out.push_str("[^0-9]"),
            'w' => self.out.push_str("[0-9A-Za-z_]"),
            'W' => self.out.push_str("[^0-9A-Za-z_]"),
            's' => self.out.push_str(JAVA_SPACE),
            'S' => self.out.push_str(&negate(JAVA_SPACE)),
            'h' => self.out.push_str(JAVA_HORIZONTAL),
            'H' => self.out.push_str(&negate(JAVA_HORIZONTAL)),
            'v' => self.out.push_str(JAVA_VERTICAL),
            'V' => self.out.push_str(&negate(JAVA_VERTICAL)),
            't' | 'n' | 'r' | 'f' | 'a' => {
                self.out.push('\\');
                self.out.push(c);
            }
            'e' => self.out.push_str(r"\x1B"),
            'x' | 'u' => {
                // `\xhh`, `\x{h…}`, `\uhhhh`: the same in both dialects; copied whole so that
                // the braces are not taken for a repetition.
                self.out.push('\\');
                self.out.push(c);
                let len = match (c, self.peek(0)) {
                    ('x', Some('{')) => self.chars[self.pos..]
                        .iter()
                        .position(|c| *c == '}')
                        .map_or(self.chars.len() - self.pos, |end| end + 1),
                    ('x', _) => 2,
                    _ => 4,
                };
                let end = (self.pos + len).min(self.chars.len());
                self.out.extend(&self.chars[self.pos..end]);
                self.pos = end;
            }
            'c' => {
                let Some(control) = self.peek(0) else {
                    return Err("Illegal control escape sequence".to_owned());
                };
                self.pos += 1;
                push_literal(&mut self.out, char::from_u32(control as u32 ^ 64).unwrap_or(control));
            }
            '0' => {
                let mut value = 0u32;
                let mut digits = 0;
                while let Some(d) = self.peek(0).and_then(|d| d.to_digit(8)) {
                    // `\0mnn` takes a third digit only while the value stays ≤ 0377.
                    if digits == 2 && value > 0o37 || digits == 3 {
                        break;
                    }
                    value = value * 8 + d;
                    digits += 1;
                    self.pos += 1;
                }
                if digits == 0 {
                    return Err("Illegal octal escape sequence".to_owned());
                }
                push_literal(&mut self.out, char::from_u32(value).unwrap_or('\0'));
            }
            'Q' => {
                while let Some(q) = self.peek(0) {
                    if q == '\\' && self.peek(1) == Some('E') {
                        self.pos += 2;
                        return Ok(());
                    }
                    self.pos += 1;
                    push_literal(&mut self.out, q);
                }
            }
            'p' | 'P' => self.property(c == 'P')?,
            'b' | 'B' | 'A' | 'z' if !in_class => {
                self.out.push('\\');
                self.out.push(c);
            }
            'Z' if !in_class => self.out.push_str(r"\z"),
            '1'..='9' | 'k' => return Err("back-references are not supported".to_owned()),
            'G' | 'R' | 'X' | 'N' => return Err(format!(r"\{c} is not supported")),
            c if c.is_ascii_alphanumeric() => {
                return Err(format!(r"Illegal/unsupported escape sequence \{c}"));
            }
            // Any other escaped character is itself, in Java.
            c => push_literal(&mut self.out, c),
        }
        Ok(())
    }

    /// `\p{Name}`, `\pL`, `\P…`, with the cursor after the `p`.
    fn property(&mut self, negated: bool) -> Result<(), String> {
        let name: String = if self.peek(0) == Some('{') {
            let Some(len) = self.chars[self.pos..].iter().position(|c| *c == '}') else {
                return Err("Unclosed character family".to_owned());
            };
            let name = self.chars[self.pos + 1..self.pos + len].iter().collect();
            self.pos += len + 1;
            name
        } else {
            let Some(c) = self.peek(0) else {
                return Err("Illegal character family".to_owned());
            };
            self.pos += 1;
            c.to_string()
        };
        if let Some(class) = posix_class(&name) {
            self.out
                .push_str(&if negated { negate(class) } else { class.to_owned() });
            return Ok(());
        }
        if name.starts_with("java") || name.starts_with("In") || name.starts_with("blk") {
            return Err(format!("character class \\p{{{name}}} is not supported"));
        }
        let name = name.strip_prefix("Is").unwrap_or(&name);
        let _ = write!(self.out, "\\{}{{{name}}}", if negated { 'P' } else { 'p' });
        Ok(())
    }
}

/// Java's `\s`.
const JAVA_SPACE: &str = r"[\t\n\x0B\x0C\r\x20]";
/// Java's `\h`.
const JAVA_HORIZONTAL: &str =
    r"[\t\x20\xA0\x{1680}\x{180E}\x{2000}-\x{200A}\x{202F}\x{205F}\x{3000}]";
/// Java's `\v`.
const JAVA_VERTICAL: &str = r"[\n\x0B\x0C\r\x{85}\x{2028}\x{2029}]";

/// `[…]` → `[^…]`.
fn negate(class: &str) -> String {
    format!("[^{}", &class[1..])
}

/// The POSIX classes of `java.util.regex.Pattern`, which are US-ASCII only.
fn posix_class(name: &str) -> Option<&'static str> {
    Some(match name {
        "Lower" => "[a-z]",
        "Upper" => "[A-Z]",
        "ASCII" => r"[\x00-\x7F]",
        "Alpha" => "[A-Za-z]",
        "Digit" => "[0-9]",
        "Alnum" => "[0-9A-Za-z]",
        "Punct" => r"[\x21-\x2F\x3A-\x40\x5B-\x60\x7B-\x7E]",
        "Graph" => r"[\x21-\x7E]",
        "Print" => r"[\x20-\x7E]",
        "Blank" => r"[\x20\t]",
        "Cntrl" => r"[\x00-\x1F\x7F]",
        "XDigit" => "[0-9a-fA-F]",
        "Space" => JAVA_SPACE,
        _ => return None,
    })
}

/// Appends `c` so that it means itself, in a class or out of one, in any mode.
fn push_literal(out: &mut String, c: char) {
    if c.is_ascii_alphanumeric() {
        out.push(c);
    } else {
        let _ = write!(out, "\\x{{{:X}}}", c as u32);
    }
}

/// A replacement string as `java.util.regex.Matcher#appendReplacement` reads it: `$n` and
/// `${name}` insert a group, `\x` inserts `x`, anything else is literal.
///
/// Java resolves the group references of a replacement when it applies it; a transform whose
/// pattern is fixed resolves them once, when it is configured, so a bad reference is a
/// configuration error rather than a failure on every record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Replacement {
    pieces: Vec<Piece>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Literal(String),
    Group(usize),
}

impl Replacement {
    /// Parses `replacement` for a pattern with `group_count` capturing groups (not counting
    /// group 0) whose named groups `group_index` resolves. The errors are Java's messages.
    ///
    /// As in Java, `$12` means group 12 if the pattern has 12 groups and otherwise group 1
    /// followed by `2`, and `$1a` is group 1 followed by `a`.
    pub fn parse(
        replacement: &str,
        group_count: usize,
        group_index: impl Fn(&str) -> Option<usize>,
    ) -> Result<Self, String> {
        let chars: Vec<char> = replacement.chars().collect();
        let mut pieces = Vec::new();
        let mut literal = String::new();
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            i += 1;
            match c {
                '\\' => {
                    let Some(&escaped) = chars.get(i) else {
                        return Err("character to be escaped is missing".to_owned());
                    };
                    literal.push(escaped);
                    i += 1;
                }
                '$' => {
                    let Some(&next) = chars.get(i) else {
                        return Err("Illegal group reference: group index is missing".to_owned());
                    };
                    let group = if next == '{' {
                        i += 1;
                        let name: String = chars[i..]
                            .iter()
                            .take_while(|c| c.is_ascii_alphanumeric())
                            .collect();
                        i += name.len();
                        if name.is_empty() {
                            return Err("named capturing group has 0 length name".to_owned());
                        }
                        if chars.get(i) != Some(&'}') {
                            return Err("named capturing group is missing trailing '}'".to_owned());
                        }
                        i += 1;
                        if name.starts_with(|c: char| c.is_ascii_digit()) {
                            return Err(format!(
                                "capturing group name {{{name}}} starts with digit character"
                            ));
                        }
                        group_index(&name).ok_or_else(|| format!("No group with name {{{name}}}"))?
                    } else {
                        let Some(first) = next.to_digit(10) else {
                            return Err("Illegal group reference".to_owned());
                        };
                        i += 1;
                        let mut group = first as usize;
                        while let Some(digit) = chars.get(i).and_then(|c| c.to_digit(10)) {
                            let longer = group * 10 + digit as usize;
                            if longer > group_count {
                                break;
                            }
                            group = longer;
                            i += 1;
                        }
                        if group > group_count {
                            return Err(format!("No group {group}"));
                        }
                        group
                    };
                    if !literal.is_empty() {
                        pieces.push(Piece::Literal(std::mem::take(&mut literal)));
                    }
                    pieces.push(Piece::Group(group));
                }
                c => literal.push(c),
            }
        }
        if !literal.is_empty() {
            pieces.push(Piece::Literal(literal));
        }
        Ok(Replacement { pieces })
    }

    /// Appends the replacement to `out`, taking each group's text from `group` (`None` for a
    /// group that did not take part in the match, which inserts nothing, as in Java).
    pub fn expand<'t>(&self, group: impl Fn(usize) -> Option<&'t str>, out: &mut String) {
        for piece in &self.pieces {
            match piece {
                Piece::Literal(s) => out.push_str(s),
                Piece::Group(n) => out.push_str(group(*n).unwrap_or("")),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(p: &str) -> String {
        translate_regex(p).unwrap_or_else(|e| panic!("{p}: {e}"))
    }

    #[test]
    fn plain_patterns_pass_through() {
        assert_eq!(t("(.*)"), "(.*)");
        assert_eq!(t("foo"), "foo");
        assert_eq!(t(r"prefix\.(.*)"), r"prefix\x{2E}(.*)");
        assert_eq!(t("a{2,3}?b*?"), "a{2,3}?b*?");
        assert_eq!(t("(?<name>x)"), "(?<name>x)");
        assert_eq!(t("(?:x)|[^a-z]"), "(?:x)|[^a-z]");
    }

    #[test]
    fn ascii_classes() {
        assert_eq!(t(r"\d+"), "[0-9]+");
        assert_eq!(t(r"[\w-]"), "[[0-9A-Za-z_]-]");
        assert_eq!(t(r"\S"), r"[^\t\n\x0B\x0C\r\x20]");
        assert_eq!(t(r"\p{Lower}\P{Digit}"), "[a-z][^0-9]");
        assert_eq!(t(r"\p{IsLatin}\pL"), r"\p{Latin}\p{L}");
    }

    #[test]
    fn escapes_become_literals() {
        assert_eq!(t(r"\<\>"), r"\x{3C}\x{3E}");
        assert_eq!(t(r"\Qa.b\E"), r"a\x{2E}b");
        assert_eq!(t(r"\Qa.b"), r"a\x{2E}b");
        assert_eq!(t(r"\e\cA\011"), r"\x1B\x{1}\x{9}");
        assert_eq!(t(r"\0101"), "A");
        assert_eq!(t(r"\0400"), r"\x{20}0");
        assert_eq!(t("[~~]"), r"[\~\~]");
        assert_eq!(t(r"\x{41}+\x41\u0041{2}"), r"\x{41}+\x41\u0041{2}");
    }

    #[test]
    fn flags() {
        assert_eq!(t("(?i)abc"), "(?i)abc");
        assert_eq!(t("(?U)abc"), "abc");
        assert_eq!(t("(?iU:a)"), "(?i:a)");
        assert_eq!(t("(?-U:a)"), "(?:a)");
        assert_eq!(t("(?i-sU)a"), "(?i-s)a");
        assert!(translate_regex("(?Z)a").is_err());
    }

    #[test]
    fn comments_are_removed() {
        assert_eq!(t("(?x) a b # trailing"), "(?x)ab");
        assert_eq!(t("(?x: a # c\n b) c d"), "(?x:ab) c d");
        assert_eq!(t("(?x)a(?-x) b"), "(?x)a(?-x) b");
    }

    #[test]
    fn unsupported_features_are_rejected() {
        for p in [
            r"(a)\1",
            r"(?<n>a)\k<n>",
            "(?=a)",
            "(?!a)",
            "(?<=a)b",
            "(?<!a)b",
            "(?>a)",
            "a*+",
            "a++",
            "a?+",
            "a{2}+",
            r"\G",
            r"\p{javaLowerCase}",
            r"\p{InGreek}",
            r"\y",
        ] {
            assert!(translate_regex(p).is_err(), "{p}");
        }
    }

    #[test]
    fn full_match_wraps() {
        assert_eq!(full_match("a|ab"), r"\A(?:a|ab)\z");
    }

    fn parse(r: &str, groups: usize) -> Result<Replacement, String> {
        Replacement::parse(r, groups, |name| match name {
            "name" => Some(1),
            _ => None,
        })
    }

    fn expand(r: &Replacement, groups: &[Option<&str>]) -> String {
        let mut out = String::new();
        r.expand(|n| groups.get(n).copied().flatten(), &mut out);
        out
    }

    #[test]
    fn replacement_syntax() {
        let groups = [Some("all"), Some("one"), Some("two")];
        let cases = [
            ("$1", "one"),
            ("prefix-$1", "prefix-one"),
            ("$1-suffix", "one-suffix"),
            ("$1a", "onea"),
            ("$12", "one2"),
            ("${name}", "one"),
            (r"\$1", "$1"),
            (r"\\$2", r"\two"),
            ("$0", "all"),
            ("bar", "bar"),
            ("", ""),
        ];
        for (r, want) in cases {
            let parsed = parse(r, 2).unwrap_or_else(|e| panic!("{r}: {e}"));
            assert_eq!(expand(&parsed, &groups), want, "{r}");
        }
    }

    #[test]
    fn multi_digit_groups_when_they_exist() {
        let mut groups = vec![Some("x"); 13];
        groups[12] = Some("twelve");
        let parsed = parse("$12", 12).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(expand(&parsed, &groups), "twelve");
    }

    #[test]
    fn unmatched_group_inserts_nothing() {
        let parsed = parse("<$1>", 1).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(expand(&parsed, &[Some("x"), None]), "<>");
    }

    #[test]
    fn replacement_errors_are_javas() {
        let cases = [
            ("$", "Illegal group reference: group index is missing"),
            ("$a", "Illegal group reference"),
            ("a\\", "character to be escaped is missing"),
            ("$2", "No group 2"),
            ("${}", "named capturing group has 0 length name"),
            ("${name", "named capturing group is missing trailing '}'"),
            ("${1a}", "capturing group name {1a} starts with digit character"),
            ("${other}", "No group with name {other}"),
        ];
        for (r, want) in cases {
            assert_eq!(parse(r, 1), Err(want.to_owned()), "{r}");
        }
    }
}
