//! Java compatibility for ports of Kafka Connect transforms: `java.util.regex` patterns and
//! `Matcher` replacement strings.
//!
//! [`translate_regex`] rewrites a Java pattern into one the [`regex-lite`] crate reads the same
//! way, and rejects, with a message, the Java features it lacks. `regex-lite` is the engine of
//! choice for a guest: it adds about 100 KB to a component where `regex` adds about 450 KB, its
//! `\d`, `\w`, `\s`, `\b` and `(?i)` are ASCII-only exactly as Java's are by default, and on
//! short texts such as topic names its speed does not matter.
//!
//! Rejected by [`translate_regex`] (the engine guarantees linear-time matching and has none of
//! them), and taken by [`translate_regex_backtracking`] for the `fancy-regex` crate, which
//! [`JavaRegex`] (feature `regex`) falls back to:
//!
//! * back-references (`\1`, `\k<name>`), look-around (`(?=`, `(?!`, `(?<=`, `(?<!`), atomic
//!   groups (`(?>`) and possessive quantifiers (`*+`, `++`, `?+`, `{n}+`).
//!
//! Rejected by both:
//!
//! * nested classes and class intersection (`[a-z[0-9]]`, `[a-z&&[^b]]`);
//! * Unicode properties and scripts (`\p{L}`, `\p{IsLatin}`, `\p{InGreek}`, `\p{javaLowerCase}`),
//!   and `\G`, `\R`, `\X`, `\N{name}`.
//!
//! Rewritten, so that the meaning stays Java's:
//!
//! * the POSIX classes `\p{Lower}`, `\p{Alpha}`, `\p{Punct}`, … (US-ASCII in Java);
//! * `\h`, `\H`, `\v`, `\V` (Java's horizontal and vertical whitespace; `\v` alone is a
//!   vertical tab in Rust), `\e`, `\cX`, `\0oct`, `\Q…\E`, and escaped punctuation such as `\<`
//!   (a literal in Java, a word boundary in Rust), which become the characters they stand for;
//! * the inline flags `d`, `u` and `U` (unix lines, Unicode case, Unicode classes) are dropped
//!   (`U` would mean "swap greed" in Rust), and comments of the `x` flag are removed.
//!
//! What stays different, and never matters for Kafka topic names (ASCII letters, digits, `.`,
//! `_` and `-`): Java's `.`, `$` and `\Z` also treat `\r`, `\u0085`, `\u2028` and `\u2029` as
//! line terminators, and `(?iu)` folds non-ASCII letters in Java, not here.
//!
//! [`regex-lite`]: https://docs.rs/regex-lite

use std::fmt::Write as _;

/// Rewrites a `java.util.regex.Pattern` into the syntax of the `regex-lite` crate, or says
/// which Java feature it uses that `regex-lite` cannot do. The result still has to be compiled,
/// which reports the syntax errors both dialects share.
pub fn translate_regex(pattern: &str) -> Result<String, String> {
    Translator::new(pattern, false).run()
}

/// Rewrites a `java.util.regex.Pattern` into the syntax of the `fancy-regex` crate, for the
/// patterns [`translate_regex`] refuses because they need a backtracking engine: look-ahead and
/// look-behind, back-references (`\1`, `\k<name>`), atomic groups and possessive quantifiers,
/// which `fancy-regex` runs with Java's meaning. `\d`, `\w` and `\s` become their ASCII
/// classes, as Java's are (that engine's are Unicode).
pub fn translate_regex_backtracking(pattern: &str) -> Result<String, String> {
    Translator::new(pattern, true).run()
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
    /// Whether the target is `fancy-regex` (backtracking) instead of `regex-lite`.
    backtracking: bool,
}

impl Translator {
    fn new(pattern: &str, backtracking: bool) -> Self {
        Translator {
            chars: pattern.chars().collect(),
            pos: 0,
            out: String::with_capacity(pattern.len() + 8),
            class_depth: 0,
            comments: vec![false],
            backtracking,
        }
    }

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
                '[' if self.class_depth > 0 => {
                    return Err("nested character classes are not supported".to_owned());
                }
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
        if self.backtracking
            && matches!(last, Some('*' | '+' | '?' | '}'))
            && self.peek(0) == Some('+')
        {
            self.pos += 1;
            self.out.push('+');
            return Ok(());
        }
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
        let backtracking_group = match (self.peek(1), self.peek(2)) {
            (Some('=' | '!' | '>'), _) => Some(2),
            (Some('<'), Some('=' | '!')) => Some(3),
            _ => None,
        };
        if let (true, Some(len)) = (self.backtracking, backtracking_group) {
            // Look-around and atomic groups: the same syntax in both.
            self.comments.push(outer);
            self.out.push('(');
            self.out.extend(&self.chars[self.pos..self.pos + len]);
            self.pos += len;
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
            // ASCII in Java and in `regex-lite`, Unicode in `fancy-regex`.
            'd' | 'D' | 'w' | 'W' | 's' | 'S' if self.backtracking => {
                let (class, negated_in_class) = match c.to_ascii_lowercase() {
                    'd' => ("[:digit:]", "[:^digit:]"),
                    'w' => ("[:word:]", "[:^word:]"),
                    _ => ("[:space:]", "[:^space:]"),
                };
                if in_class && c.is_ascii_uppercase() {
                    self.out.push_str(negated_in_class);
                } else {
                    self.push_class(class, c.is_ascii_uppercase())?;
                }
            }
            '1'..='9' if self.backtracking => {
                // A back-reference: Java takes further digits while the group exists.
                self.out.push('\\');
                self.out.push(c);
            }
            'k' if self.backtracking && self.peek(0) == Some('<') => {
                let Some(len) = self.chars[self.pos..].iter().position(|c| *c == '>') else {
                    return Err("named capturing group is missing trailing '>'".to_owned());
                };
                self.out.push_str("\\k");
                self.out.extend(&self.chars[self.pos..=self.pos + len]);
                self.pos += len + 1;
            }
            // ASCII classes in both dialects.
            'd' | 'D' | 'w' | 'W' | 's' | 'S' | 't' | 'n' | 'r' | 'f' | 'a' => {
                self.out.push('\\');
                self.out.push(c);
            }
            'h' => self.push_class(JAVA_HORIZONTAL, false)?,
            'H' => self.push_class(JAVA_HORIZONTAL, true)?,
            'v' => self.push_class(JAVA_VERTICAL, false)?,
            'V' => self.push_class(JAVA_VERTICAL, true)?,
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
                push_literal(
                    &mut self.out,
                    char::from_u32(control as u32 ^ 64).unwrap_or(control),
                );
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
            return self.push_class(class, negated);
        }
        Err(format!(
            "character class \\{}{{{name}}} is not supported",
            if negated { 'P' } else { 'p' }
        ))
    }

    /// Appends the contents of a class (`a-z` or `[:lower:]`), bracketed outside a class,
    /// as is inside one, where it cannot be negated.
    fn push_class(&mut self, contents: &str, negated: bool) -> Result<(), String> {
        match (self.class_depth > 0, negated) {
            (true, true) => {
                return Err("a negated class inside a character class is not supported".to_owned());
            }
            (true, false) => self.out.push_str(contents),
            (false, true) => {
                let _ = write!(self.out, "[^{contents}]");
            }
            (false, false) => {
                let _ = write!(self.out, "[{contents}]");
            }
        }
        Ok(())
    }
}

/// The byte spans of a match's groups, by group number (`None`: the group did not take part).
#[cfg(feature = "regex")]
pub type GroupSpans = Vec<Option<(usize, usize)>>;

/// A compiled `java.util.regex.Pattern`: on `regex-lite` (linear time) when the pattern needs
/// nothing more, else on `fancy-regex`, a backtracking engine like Java's, for look-around,
/// back-references, atomic groups and possessive quantifiers. A backtracking match that
/// exceeds `fancy-regex`'s backtrack limit (a pattern that backtracks catastrophically on the
/// text) is an error where Java would keep going.
#[cfg(feature = "regex")]
#[derive(Debug, Clone)]
pub enum JavaRegex {
    /// On `regex-lite`.
    Linear(regex_lite::Regex),
    /// On `fancy-regex`.
    Backtracking(fancy_regex::Regex),
}

#[cfg(feature = "regex")]
impl JavaRegex {
    /// Compiles `pattern`, anchored at both ends (`Matcher.matches()`) when `whole`. The error
    /// is `regex-lite`'s reason when the backtracking engine cannot take the pattern either.
    pub fn new(pattern: &str, whole: bool) -> Result<Self, String> {
        let anchor = |t: String| if whole { full_match(&t) } else { t };
        let linear = translate_regex(pattern)
            .and_then(|t| regex_lite::Regex::new(&anchor(t)).map_err(|e| e.to_string()));
        match linear {
            Ok(re) => Ok(JavaRegex::Linear(re)),
            Err(reason) => translate_regex_backtracking(pattern)
                .ok()
                .and_then(|t| fancy_regex::Regex::new(&anchor(t)).ok())
                .map(JavaRegex::Backtracking)
                .ok_or(reason),
        }
    }

    /// Whether the pattern matches in `text` (the whole of it when compiled `whole`).
    pub fn is_match(&self, text: &str) -> Result<bool, String> {
        match self {
            JavaRegex::Linear(re) => Ok(re.is_match(text)),
            JavaRegex::Backtracking(re) => re.is_match(text).map_err(|e| e.to_string()),
        }
    }

    /// The spans of the groups of the first match in `text` (group 0 is the match).
    pub fn first_match(&self, text: &str) -> Result<Option<GroupSpans>, String> {
        Ok(match self {
            JavaRegex::Linear(re) => re.captures(text).map(|c| {
                (0..c.len())
                    .map(|i| c.get(i).map(|m| (m.start(), m.end())))
                    .collect()
            }),
            JavaRegex::Backtracking(re) => re.captures(text).map_err(|e| e.to_string())?.map(|c| {
                (0..c.len())
                    .map(|i| c.get(i).map(|m| (m.start(), m.end())))
                    .collect()
            }),
        })
    }

    /// How many groups the pattern has, the whole match not counted.
    pub fn group_count(&self) -> usize {
        match self {
            JavaRegex::Linear(re) => re.captures_len(),
            JavaRegex::Backtracking(re) => re.captures_len(),
        }
        .saturating_sub(1)
    }

    /// The number of the group named `name`.
    pub fn group_index(&self, name: &str) -> Option<usize> {
        match self {
            JavaRegex::Linear(re) => re.capture_names().position(|n| n == Some(name)),
            JavaRegex::Backtracking(re) => re.capture_names().position(|n| n == Some(name)),
        }
    }
}

/// A Java regex with a Java replacement as Kafka's `RegexRouter` and Debezium's routers apply
/// them: when the whole text matches (`Matcher.matches()`), its first match is replaced
/// (`replaceFirst`, which searches again from the start).
#[cfg(feature = "regex")]
#[derive(Debug, Clone)]
pub struct JavaRewrite {
    whole: JavaRegex,
    first: JavaRegex,
    replacement: Replacement,
}

/// Why a [`JavaRewrite`] cannot be built.
#[cfg(feature = "regex")]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RewriteError {
    /// The regex (the engine's reason).
    Regex(String),
    /// The replacement (Java's message: `No group 2`, `Illegal group reference`).
    Replacement(String),
}

#[cfg(feature = "regex")]
impl JavaRewrite {
    /// Compiles `regex` and parses `replacement` against its groups.
    pub fn new(regex: &str, replacement: &str) -> Result<Self, RewriteError> {
        let first = JavaRegex::new(regex, false).map_err(RewriteError::Regex)?;
        let whole = JavaRegex::new(regex, true).map_err(RewriteError::Regex)?;
        let replacement =
            Replacement::parse(replacement, first.group_count(), |n| first.group_index(n))
                .map_err(RewriteError::Replacement)?;
        Ok(JavaRewrite {
            whole,
            first,
            replacement,
        })
    }

    /// The rewritten text if the whole `text` matches, else `None`; an error when a
    /// backtracking match gives up.
    pub fn apply(&self, text: &str) -> Result<Option<String>, String> {
        if !self.whole.is_match(text)? {
            return Ok(None);
        }
        let Some(groups) = self.first.first_match(text)? else {
            return Ok(None);
        };
        let Some(Some((start, end))) = groups.first().copied() else {
            return Ok(None);
        };
        let mut out = String::with_capacity(text.len() + 16);
        out.push_str(&text[..start]);
        self.replacement.expand(
            |n| groups.get(n).copied().flatten().map(|(s, e)| &text[s..e]),
            &mut out,
        );
        out.push_str(&text[end..]);
        Ok(Some(out))
    }
}

/// Java's `\h`, as the contents of a class.
const JAVA_HORIZONTAL: &str =
    r"\t\x20\xA0\x{1680}\x{180E}\x{2000}-\x{200A}\x{202F}\x{205F}\x{3000}";
/// Java's `\v`, as the contents of a class.
const JAVA_VERTICAL: &str = r"\n\x0B\x0C\r\x{85}\x{2028}\x{2029}";

/// The POSIX classes of `java.util.regex.Pattern` (US-ASCII only), as the contents of a class.
fn posix_class(name: &str) -> Option<&'static str> {
    Some(match name {
        "Lower" => "[:lower:]",
        "Upper" => "[:upper:]",
        "ASCII" => "[:ascii:]",
        "Alpha" => "[:alpha:]",
        "Digit" => "[:digit:]",
        "Alnum" => "[:alnum:]",
        "Punct" => "[:punct:]",
        "Graph" => "[:graph:]",
        "Print" => "[:print:]",
        "Blank" => "[:blank:]",
        "Cntrl" => "[:cntrl:]",
        "XDigit" => "[:xdigit:]",
        "Space" => "[:space:]",
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
                        group_index(&name)
                            .ok_or_else(|| format!("No group with name {{{name}}}"))?
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
        assert_eq!(t(r"\d+\W"), r"\d+\W");
        assert_eq!(t(r"[\w-]"), r"[\w-]");
        assert_eq!(t(r"\p{Lower}\P{Digit}"), "[[:lower:]][^[:digit:]]");
        assert_eq!(t(r"[\p{Alpha}_]"), "[[:alpha:]_]");
        assert_eq!(
            t(r"\h[\v]"),
            format!("[{JAVA_HORIZONTAL}][{JAVA_VERTICAL}]")
        );
        assert!(translate_regex(r"[\H]").is_err());
        assert!(translate_regex(r"\pL").is_err());
        assert!(translate_regex(r"\p{IsLatin}").is_err());
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
            "[a-z[0-9]]",
            r"\y",
        ] {
            assert!(translate_regex(p).is_err(), "{p}");
        }
    }

    /// The translations compile with `regex-lite` and mean what they mean in Java.
    #[test]
    fn translations_behave_like_java() {
        let cases: &[(&str, &str, bool)] = &[
            (r"\<a\>", "<a>", true),
            (r"\v", "\u{0B}", true),
            (r"\v", "\u{2028}", true),
            (r"\h+", " \t\u{A0}", true),
            (r"\d", "\u{0663}", false),
            (r"\w+", "caf\u{E9}", false),
            (r"(?i)K", "k", true),
            (r"(?U)a+", "aaa", true),
            (r"\Qa.b\E", "a.b", true),
            (r"\Qa.b\E", "axb", false),
            (r"[\p{Punct}]+", "!-~", true),
            (r"\P{Alpha}", "1", true),
            (r"(?x) a b # c", "ab", true),
            (r"[~]", "~", true),
            (r"a{2}", "aa", true),
            (r"\x{41}\u0042", "AB", true),
            (r"(?<db>[^.]+)\..*", "a.b", true),
        ];
        for (pattern, text, want) in cases {
            let re = regex_lite::Regex::new(&full_match(&t(pattern)))
                .unwrap_or_else(|e| panic!("{pattern}: {e}"));
            assert_eq!(re.is_match(text), *want, "{pattern} on {text:?}");
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
            (
                "${1a}",
                "capturing group name {1a} starts with digit character",
            ),
            ("${other}", "No group with name {other}"),
        ];
        for (r, want) in cases {
            assert_eq!(parse(r, 1), Err(want.to_owned()), "{r}");
        }
    }
}
