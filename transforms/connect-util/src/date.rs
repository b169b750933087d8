//! Java's `java.text.SimpleDateFormat` in the UTC time zone, English names, as Kafka's
//! `TimestampConverter` and `TimestampRouter` use it.
//!
//! Supported pattern letters: `G` (era), `y` (year; `yy` is two digits), `M` / `L` (month:
//! number, `MMM` short name, `MMMM` full name), `d`, `D` (day of year), `F` (day of week in
//! month), `E` (day name), `u` (day number, Monday = 1), `a` (AM/PM), `H`, `k`, `K`, `h`, `m`,
//! `s`, `S` (milliseconds), `z` (`UTC`, `zzzz` → `Coordinated Universal Time`), `Z` (`+0000`),
//! `X` (`Z`); text in single quotes, `''` for a quote. Parsing follows `SimpleDateFormat`'s
//! lenient mode: spaces before a field are skipped, out-of-range numbers roll over (month 13 is
//! January of the next year), adjacent numeric fields (`yyyyMMdd`) take exactly their width,
//! text after the pattern is ignored, and a parsed zone (`UTC`, `GMT`, `GMT+01:00`, `+0100`,
//! `Z`) shifts the result.
//!
//! The week-based letters `Y` (week-based year), `w` (week of year) and `W` (week of month),
//! whose meaning depends on the JVM's locale, are those of a JVM with the default en_US locale:
//! weeks start on Sunday and one day of a new year (or month) makes its first week. Parsed,
//! the date is resolved as `GregorianCalendar` resolves it: from the fields set last among the
//! combinations that decide a date (`Calendar.selectFields`: day of month, week of month with
//! day of week, day of week in month, day of year, week of year with day of week), and from a
//! week date when `Y` comes after any `y` (`CalendarBuilder.establish`, so `YYYY-MM-dd` reads
//! the first day of the week-based year, as Java does); `E` and `u` set the day of the week.
//!
//! Not supported: named time zones other than UTC and GMT are not parsed. Dates before the
//! Gregorian reform (1582-10-15) use the proleptic Gregorian calendar where Java switches to
//! the Julian one; a two-digit year (`yy`) is read in the century starting in 1945, where
//! Java's window starts 80 years before the current date.

/// Milliseconds in a day.
pub const MILLIS_PER_DAY: i64 = 86_400_000;

/// The first year of the century two-digit years are read in (Java: 80 years ago).
const TWO_DIGIT_YEAR_START: i64 = 1945;

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const DAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];

/// The pattern letters `SimpleDateFormat` knows.
const JAVA_LETTERS: &str = "GyMdkHmsSEDFwWahKzZYuXL";

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Field(char, usize),
    Literal(String),
}

/// A compiled `SimpleDateFormat` pattern, in UTC.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DateFormat {
    pattern: String,
    tokens: Vec<Token>,
}

/// Why a pattern cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PatternError {
    /// `SimpleDateFormat` rejects it too (`IllegalArgumentException`); the message is Java's.
    Invalid(String),
}

impl std::fmt::Display for PatternError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PatternError::Invalid(m) => f.write_str(m),
        }
    }
}

impl DateFormat {
    /// Compiles `pattern` as `new SimpleDateFormat(pattern)` does.
    pub fn new(pattern: &str) -> Result<DateFormat, PatternError> {
        let chars: Vec<char> = pattern.chars().collect();
        let mut tokens: Vec<Token> = Vec::new();
        let mut literal = String::new();
        let mut in_quote = false;
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            if c == '\'' {
                if chars.get(i + 1) == Some(&'\'') {
                    literal.push('\'');
                    i += 2;
                } else {
                    in_quote = !in_quote;
                    i += 1;
                }
                continue;
            }
            if in_quote || !c.is_ascii_alphabetic() {
                literal.push(c);
                i += 1;
                continue;
            }
            if !JAVA_LETTERS.contains(c) {
                return Err(PatternError::Invalid(format!(
                    "Illegal pattern character '{c}'"
                )));
            }
            let mut count = 1;
            while chars.get(i + count) == Some(&c) {
                count += 1;
            }
            match c {
                'X' if count > 3 => {
                    return Err(PatternError::Invalid(format!(
                        "invalid ISO 8601 format: length={count}"
                    )));
                }
                _ => {}
            }
            if !literal.is_empty() {
                tokens.push(Token::Literal(std::mem::take(&mut literal)));
            }
            tokens.push(Token::Field(c, count));
            i += count;
        }
        if in_quote {
            return Err(PatternError::Invalid("Unterminated quote".into()));
        }
        if !literal.is_empty() {
            tokens.push(Token::Literal(literal));
        }
        Ok(DateFormat {
            pattern: pattern.to_owned(),
            tokens,
        })
    }

    /// The pattern (`toPattern()`).
    pub fn pattern(&self) -> &str {
        &self.pattern
    }

    /// Formats an instant, in milliseconds since the epoch (`format(new Date(millis))`).
    pub fn format(&self, millis: i64) -> String {
        let t = Civil::from_millis(millis);
        let mut out = String::with_capacity(self.pattern.len() + 8);
        for token in &self.tokens {
            match token {
                Token::Literal(text) => out.push_str(text),
                Token::Field(c, n) => t.format_field(*c, *n, &mut out),
            }
        }
        out
    }

    /// Parses text from its start (`parse(text)`), ignoring what follows the pattern; `None`
    /// where Java throws `ParseException`.
    pub fn parse(&self, text: &str) -> Option<i64> {
        let text: Vec<char> = text.chars().collect();
        let mut fields = Parsed::default();
        let mut pos = 0;
        for (i, token) in self.tokens.iter().enumerate() {
            match token {
                Token::Literal(literal) => {
                    for c in literal.chars() {
                        if text.get(pos) != Some(&c) {
                            return None;
                        }
                        pos += 1;
                    }
                }
                Token::Field(c, count) => {
                    let obey_count = match self.tokens.get(i + 1) {
                        Some(Token::Field(next, next_count)) => is_numeric(*next, *next_count),
                        _ => false,
                    };
                    pos = fields.parse_field(&text, pos, *c, *count, obey_count)?;
                }
            }
        }
        fields.resolve()
    }
}

/// Whether `SimpleDateFormat.shouldObeyCount` holds for a field: a numeric field.
fn is_numeric(c: char, count: usize) -> bool {
    match c {
        'M' | 'L' => count <= 2,
        'y' | 'Y' | 'w' | 'W' | 'd' | 'k' | 'H' | 'm' | 's' | 'S' | 'D' | 'F' | 'K' | 'h' | 'u' => {
            true
        }
        _ => false,
    }
}

/// `Values.dateFormatFor(date).format(date)` in a UTC JVM: `HH:mm:ss.SSS'Z'` before one day
/// after the epoch, `yyyy-MM-dd` on a day boundary, else `yyyy-MM-dd'T'HH:mm:ss.SSS'Z'`.
pub fn format_for(millis: i64) -> String {
    let t = Civil::from_millis(millis);
    if millis < MILLIS_PER_DAY {
        format!(
            "{:02}:{:02}:{:02}.{:03}Z",
            t.hour, t.minute, t.second, t.millis
        )
    } else if millis % MILLIS_PER_DAY == 0 {
        format!("{:04}-{:02}-{:02}", t.year_of_era(), t.month, t.day)
    } else {
        format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
            t.year_of_era(),
            t.month,
            t.day,
            t.hour,
            t.minute,
            t.second,
            t.millis
        )
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (month 1–12).
pub fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The proleptic Gregorian date (year, month 1–12, day) of a day since 1970-01-01.
pub fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// An instant broken down in UTC.
struct Civil {
    year: i64,
    month: i64,
    day: i64,
    day_of_year: i64,
    /// 0 = Sunday.
    weekday: i64,
    hour: i64,
    minute: i64,
    second: i64,
    millis: i64,
}

impl Civil {
    fn from_millis(millis: i64) -> Civil {
        let days = millis.div_euclid(MILLIS_PER_DAY);
        let in_day = millis.rem_euclid(MILLIS_PER_DAY);
        let (year, month, day) = civil_from_days(days);
        Civil {
            year,
            month,
            day,
            day_of_year: days - days_from_civil(year, 1, 1) + 1,
            weekday: (days + 4).rem_euclid(7),
            hour: in_day / 3_600_000,
            minute: in_day / 60_000 % 60,
            second: in_day / 1000 % 60,
            millis: in_day % 1000,
        }
    }

    /// The weekday (0 = Sunday) of day `day` of this date's month.
    fn weekday_of(&self, day: i64) -> i64 {
        (self.weekday - (self.day - day)).rem_euclid(7)
    }

    /// The week-based year and the week of year (`Y`, `w`) with weeks starting on Sunday and
    /// one day of the new year enough to make week 1 (en_US): the days of the week that holds
    /// January 1st belong to week 1 of that year, also those in the December before.
    fn week_of_year(&self) -> (i64, i64) {
        let days = days_from_civil(self.year, self.month, self.day);
        let sunday = days - self.weekday;
        let next_year = days_from_civil(self.year + 1, 1, 1);
        if sunday + 6 >= next_year {
            return (self.year + 1, 1);
        }
        let jan1 = days_from_civil(self.year, 1, 1);
        let jan1_weekday = (jan1 + 4).rem_euclid(7);
        (self.year, (self.day_of_year - 1 + jan1_weekday) / 7 + 1)
    }

    /// The week-based year in the era (`Y`).
    fn week_year_of_era(&self) -> i64 {
        let year = self.week_of_year().0;
        if year > 0 { year } else { 1 - year }
    }

    fn year_of_era(&self) -> i64 {
        if self.year > 0 {
            self.year
        } else {
            1 - self.year
        }
    }

    fn format_field(&self, c: char, count: usize, out: &mut String) {
        let pad = |out: &mut String, v: i64| {
            let digits = v.unsigned_abs().to_string();
            if v < 0 {
                out.push('-');
            }
            out.extend(std::iter::repeat_n('0', count.saturating_sub(digits.len())));
            out.push_str(&digits);
        };
        match c {
            'G' => out.push_str(if self.year > 0 { "AD" } else { "BC" }),
            'y' if count == 2 => {
                let v = self.year_of_era() % 100;
                out.push_str(&format!("{v:02}"));
            }
            'y' => pad(out, self.year_of_era()),
            'M' | 'L' if count >= 4 => out.push_str(MONTHS[(self.month - 1) as usize]),
            'M' | 'L' if count == 3 => out.push_str(&MONTHS[(self.month - 1) as usize][..3]),
            'M' | 'L' => pad(out, self.month),
            'd' => pad(out, self.day),
            'D' => pad(out, self.day_of_year),
            'F' => pad(out, (self.day - 1) / 7 + 1),
            // Week fields as a JVM with the default en_US locale computes them: weeks start on
            // Sunday, and the week holding January 1st (or the 1st of the month) is week 1.
            'w' => pad(out, self.week_of_year().1),
            'W' => pad(out, (self.day - 1 + self.weekday_of(1)) / 7 + 1),
            'Y' if count == 2 => {
                let v = self.week_year_of_era() % 100;
                out.push_str(&format!("{v:02}"));
            }
            'Y' => pad(out, self.week_year_of_era()),
            'E' if count >= 4 => out.push_str(DAYS[self.weekday as usize]),
            'E' => out.push_str(&DAYS[self.weekday as usize][..3]),
            'u' => pad(out, if self.weekday == 0 { 7 } else { self.weekday }),
            'a' => out.push_str(if self.hour < 12 { "AM" } else { "PM" }),
            'H' => pad(out, self.hour),
            'k' => pad(out, if self.hour == 0 { 24 } else { self.hour }),
            'K' => pad(out, self.hour % 12),
            'h' => pad(
                out,
                if self.hour % 12 == 0 {
                    12
                } else {
                    self.hour % 12
                },
            ),
            'm' => pad(out, self.minute),
            's' => pad(out, self.second),
            'S' => pad(out, self.millis),
            'z' if count >= 4 => out.push_str("Coordinated Universal Time"),
            'z' => out.push_str("UTC"),
            'Z' => out.push_str("+0000"),
            'X' => out.push('Z'),
            _ => {}
        }
    }
}

/// A calendar field a parse set: its value and when (`CalendarBuilder`'s stamp, 0 when unset;
/// a later field wins where two could decide the date).
#[derive(Default, Clone, Copy)]
struct Set {
    value: i64,
    stamp: u32,
}

impl Set {
    /// The value, when set.
    fn get(self) -> Option<i64> {
        (self.stamp != 0).then_some(self.value)
    }
}

/// `Calendar.SUNDAY`, the first day of the week in the en_US locale; `Calendar`'s days of the
/// week run from 1 (Sunday) to 7 (Saturday).
const SUNDAY: i64 = 1;

/// The calendar fields a parse has set (`CalendarBuilder`).
#[derive(Default)]
struct Parsed {
    /// The last stamp given.
    stamp: u32,
    bc: bool,
    year: Set,
    week_year: Set,
    month0: Set,
    day: Set,
    day_of_year: Set,
    week_of_year: Set,
    week_of_month: Set,
    day_of_week: Set,
    day_of_week_in_month: Set,
    hour_of_day: Option<i64>,
    hour: Option<i64>,
    pm: Option<bool>,
    /// Which was set last: hour of day (false) or hour / AM-PM (true).
    half_day_last: bool,
    minute: i64,
    second: i64,
    millis: i64,
    offset_millis: i64,
}

/// Sets a calendar field of `$parsed`, stamped after every field set before it.
macro_rules! set {
    ($parsed:ident . $field:ident = $value:expr) => {{
        $parsed.stamp += 1;
        $parsed.$field = Set {
            value: $value,
            stamp: $parsed.stamp,
        };
    }};
}

impl Parsed {
    fn parse_field(
        &mut self,
        text: &[char],
        start: usize,
        c: char,
        count: usize,
        obey_count: bool,
    ) -> Option<usize> {
        let mut pos = start;
        while matches!(text.get(pos), Some(' ' | '\t')) {
            pos += 1;
        }
        if pos >= text.len() {
            return None;
        }
        let number = |pos: usize| -> Option<(i64, usize)> {
            let end = if obey_count {
                if pos + count > text.len() {
                    return None;
                }
                pos + count
            } else {
                text.len()
            };
            // `Number.intValue()` of what `DecimalFormat` parsed.
            parse_number(&text[pos..end]).map(|(v, n)| (i64::from(v as i32), pos + n))
        };
        match c {
            'G' => {
                let (index, next) = match_names(text, pos, &["AD", "BC"])?;
                self.bc = index == 1;
                Some(next)
            }
            'y' | 'Y' => {
                let (mut v, next) = number(pos)?;
                if count <= 2
                    && next - pos == 2
                    && text[pos].is_ascii_digit()
                    && text[pos + 1].is_ascii_digit()
                {
                    let ambiguous = TWO_DIGIT_YEAR_START % 100;
                    v += TWO_DIGIT_YEAR_START / 100 * 100 + if v < ambiguous { 100 } else { 0 };
                }
                match c {
                    'y' => set!(self.year = v),
                    _ => set!(self.week_year = v),
                }
                Some(next)
            }
            'M' | 'L' if count <= 2 => {
                let (v, next) = number(pos)?;
                set!(self.month0 = v - 1);
                Some(next)
            }
            'M' | 'L' => {
                let (index, next) = match_names(text, pos, &MONTHS)
                    .or_else(|| match_names(text, pos, &MONTHS.map(|m| &m[..3])))?;
                set!(self.month0 = index as i64);
                Some(next)
            }
            'E' => {
                let (index, next) = match_names(text, pos, &DAYS)
                    .or_else(|| match_names(text, pos, &DAYS.map(|d| &d[..3])))?;
                set!(self.day_of_week = index as i64 + SUNDAY);
                Some(next)
            }
            'a' => {
                let (index, next) = match_names(text, pos, &["AM", "PM"])?;
                self.pm = Some(index == 1);
                self.half_day_last = true;
                Some(next)
            }
            'z' | 'Z' => {
                let (offset, next) = parse_zone(text, pos)?;
                self.offset_millis = offset;
                Some(next)
            }
            'X' => {
                let (offset, next) = parse_iso_zone(text, pos, count)?;
                self.offset_millis = offset;
                Some(next)
            }
            _ => {
                let (v, next) = number(pos)?;
                match c {
                    'd' => set!(self.day = v),
                    'D' => set!(self.day_of_year = v),
                    'w' => set!(self.week_of_year = v),
                    'W' => set!(self.week_of_month = v),
                    'F' => set!(self.day_of_week_in_month = v),
                    // `CalendarBuilder.toCalendarDayOfWeek`: ISO 1 (Monday) to 7 (Sunday); a
                    // number outside them is kept as it is, for the lenient resolution.
                    'u' => set!(
                        self.day_of_week = if v == 7 {
                            SUNDAY
                        } else if (1..=6).contains(&v) {
                            v + 1
                        } else {
                            v
                        }
                    ),
                    'H' => {
                        self.hour_of_day = Some(v);
                        self.half_day_last = false;
                    }
                    'k' => {
                        self.hour_of_day = Some(if v == 24 { 0 } else { v });
                        self.half_day_last = false;
                    }
                    'K' => {
                        self.hour = Some(v);
                        self.half_day_last = true;
                    }
                    'h' => {
                        self.hour = Some(if v == 12 { 0 } else { v });
                        self.half_day_last = true;
                    }
                    'm' => self.minute = v,
                    's' => self.second = v,
                    'S' => self.millis = v,
                    _ => {}
                }
                Some(next)
            }
        }
    }

    /// The year `year` names in the parsed era.
    fn in_era(&self, year: i64) -> i64 {
        if self.bc { 1 - year } else { year }
    }

    /// The day (since the epoch) the date fields describe, computed leniently as a JVM with
    /// the en_US locale does: by a week date when the week-based year (`Y`) was set after the
    /// year (`CalendarBuilder.establish`, `GregorianCalendar.setWeekDate`), else by the fields
    /// `Calendar.selectFields` picks and `GregorianCalendar.getFixedDate` reads.
    fn date(&self) -> i64 {
        if self.week_year.stamp > self.year.stamp {
            return self.week_date();
        }
        let year = self.in_era(self.year.get().unwrap_or(1970));
        let unset = |s: Set| s.stamp == 0;
        // `aggregateStamp`: a pair decides only when both are set, as late as the later one.
        let both = |a: Set, b: Set| {
            if unset(a) || unset(b) {
                0
            } else {
                a.stamp.max(b.stamp)
            }
        };
        let (dow, wom, dowim, woy) = (
            self.day_of_week,
            self.week_of_month,
            self.day_of_week_in_month,
            self.week_of_year,
        );
        let mut dom_stamp = self.day.stamp;
        let mut wom_stamp = both(wom, dow);
        let mut dowim_stamp = both(dowim, dow);
        let doy_stamp = self.day_of_year.stamp;
        let mut woy_stamp = both(woy, dow);
        let mut best = dom_stamp
            .max(wom_stamp)
            .max(dowim_stamp)
            .max(doy_stamp)
            .max(woy_stamp);
        if best == 0 {
            // No complete pair: a week field alone, or the day of the week alone (as the day
            // of the week in the month), or else the month alone (as its first day).
            wom_stamp = wom.stamp;
            dowim_stamp = dowim.stamp.max(dow.stamp);
            woy_stamp = woy.stamp;
            best = wom_stamp.max(dowim_stamp).max(woy_stamp);
            if best == 0 {
                best = self.month0.stamp;
                dom_stamp = best;
            }
        }
        let month_based = best == dom_stamp
            || (best == wom_stamp && wom.stamp >= woy.stamp)
            || (best == dowim_stamp && dowim.stamp >= woy.stamp);
        if !month_based {
            let first = days_from_civil(year, 1, 1);
            if best == doy_stamp {
                return first + self.day_of_year.value - 1;
            }
            let mut week = first_week_start(first);
            if let Some(d) = dow.get().filter(|&d| d != SUNDAY) {
                week = day_of_week_on_or_before(week + 6, d);
            }
            return week + 7 * (woy.value - 1);
        }
        let month0 = self.month0.value;
        let year = year + month0.div_euclid(12);
        let month = month0.rem_euclid(12) + 1;
        let first = days_from_civil(year, month, 1);
        if best == dom_stamp {
            return first + self.day.get().map_or(0, |d| d - 1);
        }
        let by_week_of_month = if wom_stamp == dowim_stamp {
            wom.stamp >= dowim.stamp
        } else {
            best == wom_stamp
        };
        if by_week_of_month {
            let mut week = first_week_start(first);
            if let Some(d) = dow.get() {
                week = day_of_week_on_or_before(week + 6, d);
            }
            return week + 7 * (wom.value - 1);
        }
        // By the day of the week in the month (the first such day when `F` is unset).
        let day_of_week = dow.get().unwrap_or(SUNDAY);
        let in_month = dowim.get().unwrap_or(1);
        if in_month >= 0 {
            day_of_week_on_or_before(first + 7 * in_month - 1, day_of_week)
        } else {
            let length = days_from_civil(year + month / 12, month % 12 + 1, 1) - first;
            day_of_week_on_or_before(first + length + 7 * (in_month + 1) - 1, day_of_week)
        }
    }

    /// `CalendarBuilder.establish`'s week date: week `w` (1 when unset) of the week-based year,
    /// on the parsed day of the week (Sunday when unset), an out-of-range day moving the week
    /// as a lenient calendar does; then `GregorianCalendar.setWeekDate`.
    fn week_date(&self) -> i64 {
        let mut week = self.week_of_year.get().unwrap_or(1);
        let mut day = self.day_of_week.get().unwrap_or(SUNDAY);
        if !(1..=7).contains(&day) {
            // An ISO day number `u` left as it was parsed.
            if day >= 8 {
                day -= 1;
                week += day / 7;
                day = day % 7 + 1;
            } else {
                while day <= 0 {
                    day += 7;
                    week -= 1;
                }
            }
            day = if day == 7 { SUNDAY } else { day + 1 };
        }
        let year = self.in_era(self.week_year.value);
        let first = first_week_start(days_from_civil(year, 1, 1));
        first + (day - SUNDAY).rem_euclid(7) + 7 * (week - 1)
    }

    /// The instant the fields describe, computed leniently as `GregorianCalendar` does.
    fn resolve(&self) -> Option<i64> {
        let days = self.date();
        let hour = match (self.hour_of_day, self.half_day_last) {
            (Some(h), false) => h,
            _ => match (self.hour, self.pm) {
                (None, None) => self.hour_of_day.unwrap_or(0),
                (h, pm) => h.unwrap_or(0) + if pm == Some(true) { 12 } else { 0 },
            },
        };
        let local = days
            .checked_mul(MILLIS_PER_DAY)?
            .checked_add(hour.checked_mul(3_600_000)?)?
            .checked_add(self.minute.checked_mul(60_000)?)?
            .checked_add(self.second.checked_mul(1000)?)?
            .checked_add(self.millis)?;
        local.checked_sub(self.offset_millis)
    }
}

/// The first day of week 1 of the year or month starting on day `first`, in the en_US locale
/// (weeks start on Sunday; one day is enough for a first week): the Sunday on or before it.
fn first_week_start(first: i64) -> i64 {
    let sunday = day_of_week_on_or_before(first + 6, SUNDAY);
    if sunday - first >= 1 {
        sunday - 7
    } else {
        sunday
    }
}

/// `AbstractCalendar.getDayOfWeekDateOnOrBefore`: the last day on or before `day` that falls
/// on `day_of_week` (1 = Sunday; a lenient number outside 1..=7 counts modulo 7).
fn day_of_week_on_or_before(day: i64, day_of_week: i64) -> i64 {
    // 1970-01-01 was a Thursday (weekday 4, counting from Sunday = 0).
    let weekday = (day + 4).rem_euclid(7);
    day - (weekday - (day_of_week - 1)).rem_euclid(7)
}

/// A `DecimalFormat` integer: an optional `-` and ASCII digits; the value and chars used.
fn parse_number(text: &[char]) -> Option<(i64, usize)> {
    let negative = text.first() == Some(&'-');
    let start = usize::from(negative);
    let digits = text[start..]
        .iter()
        .take_while(|c| c.is_ascii_digit())
        .count();
    if digits == 0 {
        return None;
    }
    let mut v: i64 = 0;
    for c in &text[start..start + digits] {
        v = v
            .saturating_mul(10)
            .saturating_add(i64::from(*c as u8 - b'0'));
    }
    Some((if negative { -v } else { v }, start + digits))
}

/// The longest of `names` the text continues with, ignoring case (`matchString`).
fn match_names(text: &[char], pos: usize, names: &[&str]) -> Option<(usize, usize)> {
    let mut best: Option<(usize, usize)> = None;
    for (index, name) in names.iter().enumerate() {
        let len = name.chars().count();
        let matches = text.len() >= pos + len
            && text[pos..pos + len]
                .iter()
                .zip(name.chars())
                .all(|(a, b)| a.eq_ignore_ascii_case(&b));
        if matches && best.is_none_or(|(_, l)| len > l) {
            best = Some((index, len));
        }
    }
    best.map(|(index, len)| (index, pos + len))
}

/// A `z` / `Z` zone: `GMT` with an optional `+hh:mm`, `+hhmm` (RFC 822), or the names of UTC.
fn parse_zone(text: &[char], pos: usize) -> Option<(i64, usize)> {
    match text.get(pos) {
        Some('+') => return numeric_zone(text, pos + 1, 1, 0, false),
        Some('-') => return numeric_zone(text, pos + 1, -1, 0, false),
        _ => {}
    }
    if let Some((_, next)) = match_names(text, pos, &["GMT"]) {
        return match text.get(next) {
            Some('+') => numeric_zone(text, next + 1, 1, 0, true),
            Some('-') => numeric_zone(text, next + 1, -1, 0, true),
            _ => Some((0, next)),
        };
    }
    let (_, next) = match_names(
        text,
        pos,
        &[
            "UTC",
            "Coordinated Universal Time",
            "Greenwich Mean Time",
            "UT",
            "Z",
        ],
    )?;
    Some((0, next))
}

/// An `X` zone: `Z`, or `+hh` / `+hhmm` / `+hh:mm` by the letter count.
fn parse_iso_zone(text: &[char], pos: usize, count: usize) -> Option<(i64, usize)> {
    match text.get(pos)? {
        'Z' => Some((0, pos + 1)),
        '+' => numeric_zone(text, pos + 1, 1, count, count == 3),
        '-' => numeric_zone(text, pos + 1, -1, count, count == 3),
        _ => None,
    }
}

/// `subParseNumericZone`: hours (one digit allowed only with a colon and no count), then
/// minutes unless `count` is 1; the offset in milliseconds.
fn numeric_zone(
    text: &[char],
    start: usize,
    sign: i64,
    count: usize,
    colon: bool,
) -> Option<(i64, usize)> {
    let digit = |i: usize| text.get(i).and_then(|c| c.to_digit(10)).map(i64::from);
    let mut i = start;
    let mut hours = digit(i)?;
    i += 1;
    match digit(i) {
        Some(d) => {
            hours = hours * 10 + d;
            i += 1;
        }
        None if count > 0 || !colon => return None,
        None => {}
    }
    if hours > 23 {
        return None;
    }
    let mut minutes = 0;
    if count != 1 {
        if colon {
            if text.get(i) != Some(&':') {
                return None;
            }
            i += 1;
        }
        minutes = digit(i)? * 10 + digit(i + 1)?;
        i += 2;
        if minutes > 59 {
            return None;
        }
    }
    Some((sign * (hours * 60 + minutes) * 60_000, i))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fmt(pattern: &str) -> DateFormat {
        DateFormat::new(pattern).unwrap_or_else(|e| panic!("{pattern}: {e}"))
    }

    /// 1970-01-02T00:00:01.234Z, `TimestampConverterTest.DATE_PLUS_TIME`.
    const DATE_PLUS_TIME: i64 = 86_401_234;

    #[test]
    fn formats_the_kafka_test_patterns() {
        let f = fmt("yyyy MM dd HH mm ss SSS z");
        assert_eq!(f.format(DATE_PLUS_TIME), "1970 01 02 00 00 01 234 UTC");
        assert_eq!(fmt("yyyyMMdd").format(1_483_425_001_864), "20170103");
        assert_eq!(
            fmt("yyyy-MM-dd'T'HH:mm:ss.SSSXXX").format(1_705_314_600_123),
            "2024-01-15T10:30:00.123Z"
        );
        assert_eq!(
            fmt("EEE, d MMM yyyy hh:mm a Z").format(1_705_314_600_123),
            "Mon, 15 Jan 2024 10:30 AM +0000"
        );
        assert_eq!(
            fmt("EEEE MMMM yy G D F u k K zzzz").format(0),
            "Thursday January 70 AD 1 1 4 24 0 Coordinated Universal Time"
        );
        assert_eq!(fmt("''h 'o''clock'").format(13 * 3_600_000), "'1 o'clock");
        assert_eq!(fmt("y S SSSS").format(-1), "1969 999 0999");
        assert_eq!(fmt("yyyy G").format(-62_167_219_200_000), "0001 BC");
    }

    #[test]
    fn parses_what_it_formats() {
        let f = fmt("yyyy MM dd HH mm ss SSS z");
        assert_eq!(f.parse("1970 01 02 00 00 01 234 UTC"), Some(DATE_PLUS_TIME));
        for pattern in [
            "yyyyMMddHHmmssSSS",
            "yyyy-MM-dd'T'HH:mm:ss.SSSXXX",
            "EEE, d MMM yyyy hh:mm:ss.SSS a Z",
            "dd MMMM yyyy HH:mm:ss.SSS zzzz",
            "D yyyy HH:mm:ss.SSS",
        ] {
            let f = fmt(pattern);
            for millis in [0, DATE_PLUS_TIME, 1_705_314_600_123, 951_782_400_000] {
                assert_eq!(
                    f.parse(&f.format(millis)),
                    Some(millis),
                    "{pattern} {millis}"
                );
            }
        }
    }

    #[test]
    fn parses_leniently() {
        let f = fmt("yyyy-MM-dd");
        assert_eq!(f.parse("1970-13-01"), Some(365 * MILLIS_PER_DAY));
        assert_eq!(f.parse("1970-01-02 trailing"), Some(MILLIS_PER_DAY));
        assert_eq!(f.parse("  1970-01-02"), Some(MILLIS_PER_DAY));
        assert_eq!(f.parse("1970/01/02"), None);
        assert_eq!(f.parse(""), None);
        let z = fmt("yyyy-MM-dd HH:mm z");
        assert_eq!(z.parse("1970-01-01 01:00 GMT+01:00"), Some(0));
        assert_eq!(z.parse("1970-01-01 01:00 +0100"), Some(0));
        assert_eq!(z.parse("1970-01-01 01:00 GMT"), Some(3_600_000));
        assert_eq!(z.parse("1970-01-01 01:00 PST"), None);
        assert_eq!(fmt("yy").parse("44"), fmt("yyyy").parse("2044"));
        assert_eq!(fmt("yy").parse("45"), fmt("yyyy").parse("1945"));
        assert_eq!(fmt("yy").parse("2017"), fmt("yyyy").parse("2017"));
        assert_eq!(fmt("hh a").parse("12 AM"), Some(0));
        assert_eq!(fmt("hh a").parse("01 pm"), Some(13 * 3_600_000));
    }

    #[test]
    fn rejects_what_java_rejects_and_what_is_unsupported() {
        assert_eq!(
            DateFormat::new("yyyy-bb"),
            Err(PatternError::Invalid(
                "Illegal pattern character 'b'".into()
            ))
        );
        assert_eq!(
            DateFormat::new("'open"),
            Err(PatternError::Invalid("Unterminated quote".into()))
        );
        assert!(matches!(
            DateFormat::new("XXXX"),
            Err(PatternError::Invalid(_))
        ));
    }

    /// Week fields as a JVM with the default en_US locale prints them (checked against Java
    /// 17's `SimpleDateFormat` with the UTC zone): weeks start on Sunday, the week holding
    /// January 1st is week 1 of its year, also for the December days in it.
    #[test]
    fn week_fields_print_as_java_en_us() {
        let format = DateFormat::new("YYYY-ww-W YY").unwrap_or_else(|e| panic!("{e:?}"));
        for (date, text) in [
            ((2025, 11, 25), "2025-48-5 25"),
            ((2025, 12, 27), "2025-52-4 25"),
            ((2025, 12, 28), "2026-01-5 26"),
            ((2026, 1, 1), "2026-01-1 26"),
            ((2026, 1, 4), "2026-02-2 26"),
            ((2020, 12, 31), "2021-01-5 21"),
            ((2021, 1, 1), "2021-01-1 21"),
            ((2022, 1, 1), "2022-01-1 22"),
            ((2022, 1, 2), "2022-02-2 22"),
        ] {
            let millis = days_from_civil(date.0, date.1, date.2) * MILLIS_PER_DAY;
            assert_eq!(format.format(millis), text, "{date:?}");
        }
    }

    /// Dates read through week fields and the day of the week, as Java 17's `SimpleDateFormat`
    /// (en_US, UTC, lenient) reads them through Kafka's `TimestampConverter` (each recorded with
    /// the real classes): the fields set last decide, a week-based year after the year makes a
    /// week date, out-of-range numbers roll over.
    #[test]
    fn week_dates_parse_as_java_en_us() {
        for (pattern, text, millis) in [
            ("YYYY-ww", "2025-48", Some(1_763_856_000_000)),
            ("YYYY-ww", "2025-01", Some(1_735_430_400_000)),
            ("YYYY-ww", "2025-53", Some(1_766_880_000_000)),
            ("YYYY-w", "2025-0", Some(1_734_825_600_000)),
            ("YYYY-ww-u", "2026-01-3", Some(1_767_139_200_000)),
            ("YYYY-ww-u", "2024-12-29", Some(1_713_139_200_000)),
            ("YYYY-ww-u", "2025-3-0", Some(1_736_035_200_000)),
            ("YYYY-ww-u", "2025-3--9", Some(1_735_862_400_000)),
            ("YYYY-ww-u", "2025-48", None),
            ("YYYY-ww-EEE", "2025-48-Wed", Some(1_764_115_200_000)),
            ("YYYY-ww HH:mm", "2025-48 10:30", Some(1_763_893_800_000)),
            ("YY-ww", "25-10", Some(1_740_873_600_000)),
            ("G YYYY-ww", "BC 0001-01", Some(-62_167_737_600_000)),
            ("YYYY-MM-dd", "2025-11-25", Some(1_735_430_400_000)),
            ("YYYY-yyyy", "2020-2025", Some(1_735_689_600_000)),
            ("yyyy-YYYY", "2020-2025", Some(1_735_430_400_000)),
            ("yyyy-ww", "2025-48", Some(1_763_856_000_000)),
            ("yyyy-ww-u", "2025-01-29", Some(1_735_430_400_000)),
            ("yyyy-MM-W", "2026-01-3", Some(1_768_089_600_000)),
            ("yyyy-MM-W", "2024-12-29", Some(1_749_945_600_000)),
            ("yyyy-MM-W", "2025-11-0", Some(1_760_832_000_000)),
            ("yyyy-MM-W-u", "2025-11-2-1", Some(1_762_128_000_000)),
            ("yyyy-W", "2025-3", Some(1_736_640_000_000)),
            ("yyyy-MM-dd-ww", "2025-11-25-02", Some(1_764_028_800_000)),
            ("yyyy-ww-MM-dd", "2025-02-03-15", Some(1_741_996_800_000)),
            (
                "yyyy-MM-dd-EEE-ww",
                "2025-03-15-Mon-02",
                Some(1_736_121_600_000),
            ),
            ("yyyy-MM-dd-u", "2025-11-25-1", Some(1_764_028_800_000)),
            ("yyyy-MM F EEE", "2025-11 2 Tue", Some(1_762_819_200_000)),
            ("yyyy-MM F EEE", "2025-11 -1 Fri", Some(1_764_288_000_000)),
            ("yyyy-MM EEE", "2025-11 Fri", Some(1_762_473_600_000)),
            (
                "yyyy-MM-W-F-EEE",
                "2025-11-2-3-Tue",
                Some(1_763_424_000_000),
            ),
            (
                "yyyy-MM-F-W-EEE",
                "2025-11-3-2-Tue",
                Some(1_762_214_400_000),
            ),
            ("yyyy-ww-EEE-W", "2025-10-Tue-2", Some(1_736_208_000_000)),
            ("yyyy-D-MM", "2025-40-03", Some(1_739_059_200_000)),
            ("yyyy-MM-D", "2025-03-40", Some(1_739_059_200_000)),
        ] {
            assert_eq!(fmt(pattern).parse(text), millis, "{pattern} {text}");
        }
    }

    #[test]
    fn values_date_format_for() {
        assert_eq!(format_for(1234), "00:00:01.234Z");
        assert_eq!(format_for(MILLIS_PER_DAY), "1970-01-02");
        assert_eq!(format_for(DATE_PLUS_TIME), "1970-01-02T00:00:01.234Z");
        assert_eq!(format_for(0), "00:00:00.000Z");
        assert_eq!(format_for(-1), "23:59:59.999Z");
    }

    #[test]
    fn civil_round_trip() {
        for days in [-719_468, -1, 0, 1, 59, 365, 10_957, 19_737, 2_932_896] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
    }
}
