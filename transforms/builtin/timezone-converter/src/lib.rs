//! `io.debezium.transforms.TimezoneConverter` as a Switchyard transform: converts the timestamps
//! of a change event's rows (and, when asked, of its `source` block) to a time zone.
//!
//! | key | type | default |
//! |---|---|---|
//! | `converted.timezone` | an IANA zone (`America/Los_Angeles`) or an offset `+hh:mm[:ss]` | required |
//! | `include.list` | LIST of rules: `source:<table>[:<field>]`, `topic:<topic>[:<field>]`, `<name>:<field>` | none |
//! | `exclude.list` | LIST, the same rules; exclusive with `include.list` | none |
//!
//! Per record, as upstream: only Debezium envelopes are converted (anything else, tombstones
//! included, passes). The fields of `before` and `after` whose schema is one of these logical
//! types are converted — `source` fields only when a rule names them as `source.<field>`:
//!
//! | type | conversion |
//! |---|---|
//! | `io.debezium.time.ZonedTimestamp` (ISO string) | the same instant, written with the zone's offset (`2018-01-02T11:15:30.123456789+00:00` → `2018-01-02T16:45:30.123456789+05:30`) |
//! | `io.debezium.time.ZonedTime` (ISO string) | the same, for a time of day |
//! | `io.debezium.time.Timestamp`, `MicroTimestamp`, `NanoTimestamp`, Connect's `Timestamp` | the UTC wall clock read as local time in the zone: value − offset |
//! | `source.ts_ms`, `ts_us`, `ts_ns` (only when listed) | value + offset |
//!
//! `Date` and `Time` types are left alone (with a warning when selected). Offsets of named
//! zones follow the zone's rules at the value's date (daylight saving included); for a local
//! date-time in a gap or an overlap, the offset before the transition is used, as
//! `ZoneRules.getOffset(LocalDateTime)` does. The rules come from the IANA database bundled in
//! the component (`jiff`).
//!
//! Which fields: without rules, every supported field of every record. With `include.list`, a
//! record whose topic or `source.table` matches a rule (topic rules first, then table rules,
//! then prefix-less rules against the topic, then the table) has the rule's fields converted, or
//! all supported fields when the rule names none. With `exclude.list`, a matching rule's fields
//! are skipped, a rule without fields skips the record, and a record matching no rule is
//! converted entirely. A rule without a prefix after a prefixed one takes that prefix, as
//! upstream.
//!
//! Differences from upstream: a `ZonedTime` is converted with the zone's offset at the record's
//! timestamp (upstream takes the offset at the wall-clock time of the conversion, `Instant.now()`,
//! which a sandboxed guest cannot read; with a fixed offset both are the same); and the rules are
//! checked when the step is configured, as upstream does, but unknown zone ids are those the
//! bundled database lacks.

use std::collections::{BTreeMap, BTreeSet};

use debezium_support::config::{field_invalid, list};
use debezium_support::envelope::{AFTER, BEFORE, SOURCE, is_envelope};
use debezium_support::headers::TIMESTAMP;
use jiff::civil::DateTime;
use jiff::tz::{AmbiguousOffset, Offset, TimeZone};
use regex_lite::Regex;
use switchyard_sdk::log;
use switchyard_sdk::prelude::*;

const ZONED_TIMESTAMP: &str = "io.debezium.time.ZonedTimestamp";
const ZONED_TIME: &str = "io.debezium.time.ZonedTime";
const DEBEZIUM_TIMESTAMP: &str = "io.debezium.time.Timestamp";
const MICRO_TIMESTAMP: &str = "io.debezium.time.MicroTimestamp";
const NANO_TIMESTAMP: &str = "io.debezium.time.NanoTimestamp";

const SUPPORTED: &[&str] = &[
    MICRO_TIMESTAMP,
    NANO_TIMESTAMP,
    DEBEZIUM_TIMESTAMP,
    ZONED_TIMESTAMP,
    ZONED_TIME,
    TIMESTAMP,
];
const UNSUPPORTED: &[&str] = &[
    "io.debezium.time.Date",
    "io.debezium.time.MicroTime",
    "io.debezium.time.NanoTime",
    "io.debezium.time.Time",
    "org.apache.kafka.connect.data.Date",
    "org.apache.kafka.connect.data.Time",
];
const EPOCH_FIELDS: &[&str] = &["ts_ms", "ts_us", "ts_ns"];

/// Which fields of a matched record are converted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Selection {
    All,
    Include,
    Exclude,
}

/// The transform, configured.
#[derive(Debug, Clone)]
pub struct TimezoneConverter {
    zone: TimeZone,
    include: bool,
    exclude: bool,
    topic_fields: BTreeMap<String, BTreeSet<String>>,
    table_fields: BTreeMap<String, BTreeSet<String>>,
    other_fields: BTreeMap<String, BTreeSet<String>>,
}

/// `LIST_PATTERN`, applied to the list's `toString()` (`[a, b]`).
const LIST_PATTERN: &str =
    r#"^\[(source|topic|[".\w\s_-]+):([".\w\s_-]+(?::[".\w\s_-]+)?(?:,|]$))+$"#;

/// `TIMEZONE_OFFSET_PATTERN`.
const OFFSET_PATTERN: &str = r"^[+-]\d{2}:\d{2}(:\d{2})?$";

/// The zone named by `converted.timezone`: a fixed offset or a zone of the bundled database.
pub fn parse_zone(name: &str) -> Option<TimeZone> {
    if Regex::new(OFFSET_PATTERN).ok()?.is_match(name) {
        let sign = if name.starts_with('-') { -1 } else { 1 };
        let parts: Vec<i32> = name[1..]
            .split(':')
            .map(|p| p.parse().unwrap_or(0))
            .collect();
        let seconds = parts.first().copied().unwrap_or(0) * 3600
            + parts.get(1).copied().unwrap_or(0) * 60
            + parts.get(2).copied().unwrap_or(0);
        return Offset::from_seconds(sign * seconds)
            .ok()
            .map(TimeZone::fixed);
    }
    jiff::tz::db().get(name).ok()
}

impl TimezoneConverter {
    /// Reads the configuration (`TimezoneConverter.configure`).
    pub fn from_config(config: &Config) -> Result<Self, ConfigError> {
        let key = "converted.timezone";
        let name = match config.raw(key) {
            Some(v) if !v.trim().is_empty() => v.to_owned(),
            _ => return Err(field_invalid(key, "null", "A value is required")),
        };
        let include = list(config, "include.list").unwrap_or_default();
        let exclude = list(config, "exclude.list").unwrap_or_default();
        let pattern = Regex::new(LIST_PATTERN)
            .map_err(|e| ConfigError::new("include.list", e.to_string()))?;
        let rules = "Please specify a list of rules in the format of \"source:<tablename>:<fieldnames>\", \
                     \"topic:<topicname>:<fieldnames>\", \"<matchname>:<fieldnames>\"";
        if !include.is_empty() {
            if !pattern.is_match(&format!("[{}]", include.join(", "))) {
                return Err(ConfigError::new(
                    "include.list",
                    format!("Invalid include list format. {rules}"),
                ));
            }
        } else if !exclude.is_empty() && !pattern.is_match(&format!("[{}]", exclude.join(", "))) {
            return Err(ConfigError::new(
                "exclude.list",
                format!("Invalid exclude list format. {rules}"),
            ));
        }
        let zone = parse_zone(&name).ok_or_else(|| {
            ConfigError::new(
                key,
                "Invalid timezone format. Please specify either a geographic timezone (e.g. \
                 America/Los_Angeles) or a UTC offset in the format of +/-hh:mm, (e.g. +08:00).",
            )
        })?;
        if !include.is_empty() && !exclude.is_empty() {
            return Err(ConfigError::new(
                "exclude.list",
                "Both include and exclude lists are specified. Please specify only one.",
            ));
        }
        let mut converter = TimezoneConverter {
            zone,
            include: !include.is_empty(),
            exclude: include.is_empty() && !exclude.is_empty(),
            topic_fields: BTreeMap::new(),
            table_fields: BTreeMap::new(),
            other_fields: BTreeMap::new(),
        };
        let rules = if converter.exclude { exclude } else { include };
        converter.collect(&rules);
        Ok(converter)
    }

    /// `collectTablesAndTopics`.
    fn collect(&mut self, rules: &[String]) {
        let mut common_prefix: Option<String> = None;
        for item in rules {
            let parts: Vec<&str> = item.split(':').collect();
            let (prefix, name, field) = match parts.len() {
                1 => (None, parts[0], None),
                2 | 3
                    if parts[0].eq_ignore_ascii_case(SOURCE)
                        || parts[0].eq_ignore_ascii_case("topic") =>
                {
                    (Some(parts[0]), parts[1], parts.get(2).copied())
                }
                2 | 3 => (None, parts[0], Some(parts[1])),
                _ => continue,
            };
            if let Some(p) = prefix {
                common_prefix = Some(p.to_owned());
            }
            let map = match common_prefix.as_deref() {
                Some("topic") => &mut self.topic_fields,
                Some("source") => &mut self.table_fields,
                _ => &mut self.other_fields,
            };
            let fields = map.entry(name.to_owned()).or_default();
            if let Some(f) = field {
                fields.insert(f.to_owned());
            }
        }
    }

    /// `handleMatchNameAndFields`: the fields of the rule matching this record, if any.
    fn matching(&self, table: Option<&str>, topic: &str) -> Option<&BTreeSet<String>> {
        self.topic_fields
            .get(topic)
            .or_else(|| table.and_then(|t| self.table_fields.get(t)))
            .or_else(|| self.other_fields.get(topic))
            .or_else(|| table.and_then(|t| self.other_fields.get(t)))
    }

    /// What to convert in a record from `table` on `topic`: the selection and its fields, or
    /// `None` for nothing.
    fn selection(&self, table: Option<&str>, topic: &str) -> Option<(Selection, BTreeSet<String>)> {
        let none = BTreeSet::new();
        if self.include {
            let fields = self.matching(table, topic)?;
            return Some(if fields.is_empty() {
                (Selection::All, none)
            } else {
                (Selection::Include, fields.clone())
            });
        }
        if self.exclude {
            return match self.matching(table, topic) {
                None => Some((Selection::All, none)),
                Some(fields) if !fields.is_empty() => Some((Selection::Exclude, fields.clone())),
                Some(_) => None,
            };
        }
        // `handleAllRecords`: without rules every record.
        Some((Selection::All, none))
    }

    /// The offset of the zone for a local date-time (`ZoneRules.getOffset(LocalDateTime)`).
    fn offset_for_local(&self, local: DateTime) -> Offset {
        match self.zone.to_ambiguous_timestamp(local).offset() {
            AmbiguousOffset::Unambiguous { offset } => offset,
            AmbiguousOffset::Gap { before, .. } | AmbiguousOffset::Fold { before, .. } => before,
        }
    }

    /// The offset of the zone at an instant, in seconds since the epoch.
    fn offset_at(&self, epoch_second: i64) -> Result<i64, String> {
        let ts = jiff::Timestamp::from_second(epoch_second).map_err(|e| e.to_string())?;
        Ok(i64::from(self.zone.to_offset(ts).seconds()))
    }

    /// The UTC wall clock of an instant, read as local time in the zone: the offset to subtract.
    fn local_offset(&self, epoch_second: i64) -> Result<i64, String> {
        let ts = jiff::Timestamp::from_second(epoch_second).map_err(|e| e.to_string())?;
        let local = ts.to_zoned(TimeZone::UTC).datetime();
        Ok(i64::from(self.offset_for_local(local).seconds()))
    }

    /// Converts one value of a logical type (`getTimestampWithTimezone`).
    pub fn convert(
        &self,
        logical: &str,
        value: &Scalar,
        now: i64,
    ) -> Result<Option<Scalar>, String> {
        Ok(Some(match (logical, value) {
            (ZONED_TIMESTAMP, Scalar::String(s)) => {
                let (local, nanos, _) = parse_offset_date_time(s)?;
                let offset = self.offset_for_local(local);
                Scalar::String(format_offset_date_time(local, nanos, s, offset)?)
            }
            (ZONED_TIME, Scalar::String(s)) => {
                let offset = self.offset_at(now.div_euclid(1000))?;
                Scalar::String(convert_offset_time(s, offset)?)
            }
            (MICRO_TIMESTAMP, Scalar::Int64(v)) => {
                let off = self.local_offset(v.div_euclid(1_000_000))?;
                Scalar::Int64(v - off * 1_000_000)
            }
            (NANO_TIMESTAMP, Scalar::Int64(v)) => {
                let off = self.local_offset(v.div_euclid(1_000_000_000))?;
                Scalar::Int64(v - off * 1_000_000_000)
            }
            (DEBEZIUM_TIMESTAMP | TIMESTAMP, Scalar::Int64(v)) => {
                let off = self.local_offset(v.div_euclid(1000))?;
                Scalar::Int64(v - off * 1000)
            }
            _ => return Ok(None),
        }))
    }

    /// Converts a `source.ts_*` epoch (`getEpochWithTimezone`): value + offset at that instant.
    pub fn convert_epoch(&self, field: &str, value: &Scalar) -> Result<Scalar, String> {
        let Scalar::Int64(v) = value else {
            return Err("Epoch field value should be a java.lang.Long".into());
        };
        let (per_second, unit) = match field {
            "ts_ms" => (1000, 1000),
            "ts_us" => (1_000_000, 1_000_000),
            _ => (1_000_000_000, 1_000_000_000),
        };
        let offset = self.offset_at(v.div_euclid(per_second))?;
        Ok(Scalar::Int64(v + offset * unit))
    }

    /// `handleValueForFields` on one struct of the envelope.
    fn convert_struct(
        &self,
        record: &mut Record,
        row: &str,
        selection: Selection,
        fields: &BTreeSet<String>,
    ) -> Result<(), Error> {
        let names = record.value().field_names(&[row])?;
        let now = record.timestamp().unwrap_or(0);
        for name in names {
            let path = [row, name.as_str()];
            let Some(schema) = record.value().schema(&path)? else {
                continue;
            };
            let epoch = row == SOURCE && EPOCH_FIELDS.contains(&name.as_str());
            let logical = schema.name.as_deref();
            if logical.is_none() && !epoch {
                continue;
            }
            let selected = match selection {
                Selection::All => true,
                Selection::Include => fields.contains(&name),
                Selection::Exclude => !fields.contains(&name),
            };
            if !selected {
                continue;
            }
            if let Some(l) = logical
                && UNSUPPORTED.contains(&l)
            {
                log::warn(&format!(
                    "Skipping conversion for unsupported logical type: {l} for field: {name}"
                ));
                continue;
            }
            let supported = logical.is_some_and(|l| SUPPORTED.contains(&l));
            if !supported && !epoch {
                continue;
            }
            let value = match record.value().get(&path) {
                Ok(Scalar::Null) => continue,
                Ok(v) => v,
                Err(DataError::WrongType(_)) => continue,
                Err(e) => return Err(e.into()),
            };
            let converted = match logical {
                Some(l) => self.convert(l, &value, now),
                None => self.convert_epoch(&name, &value).map(Some),
            }
            .map_err(|m| Error::bad_record(format!("converting {row}.{name}: {m}")))?;
            if let Some(new) = converted
                && new != value
            {
                record.value_mut().set(&path, new)?;
            }
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// ISO-8601 text as `DateTimeFormatter.ISO_OFFSET_DATE_TIME` / `ISO_OFFSET_TIME` read and write it.

/// Parses `HH:mm[:ss[.fffffffff]]`: seconds of the day and nanoseconds.
fn parse_time(s: &str) -> Result<(i64, i64), String> {
    let bad = || format!("Text '{s}' could not be parsed");
    let (hms, fraction) = s.split_once('.').map_or((s, None), |(a, b)| (a, Some(b)));
    let parts: Vec<&str> = hms.split(':').collect();
    if !(2..=3).contains(&parts.len()) || parts.iter().any(|p| p.len() != 2) {
        return Err(bad());
    }
    let num = |p: &str| p.parse::<i64>().map_err(|_| bad());
    let (h, m) = (num(parts[0])?, num(parts[1])?);
    let sec = if parts.len() == 3 { num(parts[2])? } else { 0 };
    if h > 23 || m > 59 || sec > 59 || (fraction.is_some() && parts.len() != 3) {
        return Err(bad());
    }
    let nanos = match fraction {
        None => 0,
        Some(f) if !f.is_empty() && f.len() <= 9 && f.bytes().all(|b| b.is_ascii_digit()) => {
            num(f)? * 10i64.pow(9 - f.len() as u32)
        }
        Some(_) => return Err(bad()),
    };
    Ok((h * 3600 + m * 60 + sec, nanos))
}

/// Splits `<time><offset>` where the offset is `Z` or `±HH:MM[:SS]`; returns the offset in
/// seconds.
fn split_offset(s: &str) -> Result<(&str, i64), String> {
    let bad = || format!("Text '{s}' could not be parsed");
    if let Some(time) = s.strip_suffix('Z') {
        return Ok((time, 0));
    }
    let at = s.rfind(['+', '-']).ok_or_else(bad)?;
    let (time, offset) = s.split_at(at);
    let sign = if offset.starts_with('-') { -1 } else { 1 };
    let parts: Vec<&str> = offset[1..].split(':').collect();
    if !(1..=3).contains(&parts.len()) || parts.iter().any(|p| p.len() != 2) {
        return Err(bad());
    }
    let mut seconds = 0;
    for (i, p) in parts.iter().enumerate() {
        let v: i64 = p.parse().map_err(|_| bad())?;
        seconds += v * [3600, 60, 1][i];
    }
    Ok((time, sign * seconds))
}

/// Parses an ISO offset date-time: its local date-time (whole seconds), nanoseconds and
/// offset in seconds.
fn parse_offset_date_time(s: &str) -> Result<(DateTime, i64, i64), String> {
    let bad = || format!("Text '{s}' could not be parsed");
    let (rest, offset) = split_offset(s)?;
    let (date, time) = rest.split_once('T').ok_or_else(bad)?;
    let date_parts: Vec<&str> = date.split('-').collect();
    let [y, m, d] = date_parts[..] else {
        return Err(bad());
    };
    let (secs, nanos) = parse_time(time)?;
    let local = DateTime::new(
        y.parse().map_err(|_| bad())?,
        m.parse().map_err(|_| bad())?,
        d.parse().map_err(|_| bad())?,
        (secs / 3600) as i8,
        (secs / 60 % 60) as i8,
        (secs % 60) as i8,
        0,
    )
    .map_err(|_| bad())?;
    Ok((local, nanos, offset))
}

/// `HH:mm:ss[.fraction]` as `ISO_LOCAL_TIME` prints it: the fraction without trailing zeros.
fn format_time(seconds_of_day: i64, nanos: i64) -> String {
    let mut out = format!(
        "{:02}:{:02}:{:02}",
        seconds_of_day / 3600,
        seconds_of_day / 60 % 60,
        seconds_of_day % 60
    );
    if nanos != 0 {
        let fraction = format!("{nanos:09}");
        out.push('.');
        out.push_str(fraction.trim_end_matches('0'));
    }
    out
}

/// An offset as `appendOffsetId` prints it: `Z`, `+05:30`, `-03:00:15`.
fn format_offset(seconds: i64) -> String {
    if seconds == 0 {
        return "Z".into();
    }
    let sign = if seconds < 0 { '-' } else { '+' };
    let a = seconds.abs();
    let mut out = format!("{sign}{:02}:{:02}", a / 3600, a / 60 % 60);
    if a % 60 != 0 {
        out.push_str(&format!(":{:02}", a % 60));
    }
    out
}

/// `OffsetDateTime.withOffsetSameInstant(offset)` printed by `ISO_OFFSET_DATE_TIME`.
fn format_offset_date_time(
    local: DateTime,
    nanos: i64,
    original: &str,
    target: Offset,
) -> Result<String, String> {
    let (_, _, from) = parse_offset_date_time(original)?;
    let shift = i64::from(target.seconds()) - from;
    let moved = local
        .checked_add(jiff::Span::new().seconds(shift))
        .map_err(|e| e.to_string())?;
    let year = moved.year();
    let date = if year > 9999 {
        format!("+{year}-{:02}-{:02}", moved.month(), moved.day())
    } else {
        format!("{year:04}-{:02}-{:02}", moved.month(), moved.day())
    };
    let secs =
        i64::from(moved.hour()) * 3600 + i64::from(moved.minute()) * 60 + i64::from(moved.second());
    Ok(format!(
        "{date}T{}{}",
        format_time(secs, nanos),
        format_offset(i64::from(target.seconds()))
    ))
}

/// `OffsetTime.withOffsetSameInstant(offset)` printed by `ISO_OFFSET_TIME`.
fn convert_offset_time(s: &str, target_seconds: i64) -> Result<String, String> {
    let (time, from) = split_offset(s)?;
    let (secs, nanos) = parse_time(time)?;
    let moved = (secs + target_seconds - from).rem_euclid(86_400);
    Ok(format!(
        "{}{}",
        format_time(moved, nanos),
        format_offset(target_seconds)
    ))
}

/// `source.table` (`getTableFromSource`), `None` without a source block or table field.
fn table_of(record: &Record) -> Option<String> {
    match record.value().get(&[SOURCE, "table"]) {
        Ok(Scalar::String(s)) => Some(s),
        _ => None,
    }
}

/// Whether the envelope field `row` is a non-null struct (`getStruct` / `requireStructOrNull`).
fn is_struct(record: &Record, row: &str) -> bool {
    record
        .value()
        .schema(&[row])
        .ok()
        .flatten()
        .is_some_and(|s| s.type_ == SchemaType::Struct)
        && record.value().get(&[row]) != Ok(Scalar::Null)
}

impl Transform for TimezoneConverter {
    fn configure(ctx: &Context) -> Result<Self, ConfigError> {
        TimezoneConverter::from_config(ctx.config())
    }

    fn apply(&self, mut record: Record) -> Result<Output, Error> {
        if record.value().is_null()? || !is_envelope(&record)? {
            return Ok(Output::One(record));
        }
        let table = table_of(&record);
        let topic = record.topic();
        let Some((selection, fields)) = self.selection(table.as_deref(), &topic) else {
            return Ok(Output::One(record));
        };
        // `handleStructs`: `source.x` rules go to `source`, `before.x` / `after.x` to one row,
        // bare names to both rows.
        let mut rows: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
        for f in &fields {
            if let Some(rest) = f.strip_prefix("source.") {
                rows.entry(SOURCE).or_default().insert(rest.to_owned());
            } else if let Some(rest) = f.strip_prefix("before.") {
                rows.entry(BEFORE).or_default().insert(rest.to_owned());
            } else if let Some(rest) = f.strip_prefix("after.") {
                rows.entry(AFTER).or_default().insert(rest.to_owned());
            } else {
                rows.entry(BEFORE).or_default().insert(f.clone());
                rows.entry(AFTER).or_default().insert(f.clone());
            }
        }
        let empty = BTreeSet::new();
        for row in [BEFORE, AFTER] {
            if is_struct(&record, row) {
                let fields = rows.get(row).unwrap_or(&empty);
                self.convert_struct(&mut record, row, selection, fields)?;
            }
        }
        if let Some(source_fields) = rows.get(SOURCE)
            && !source_fields.is_empty()
            && is_struct(&record, SOURCE)
        {
            self.convert_struct(&mut record, SOURCE, selection, source_fields)?;
        }
        Ok(Output::One(record))
    }
}

switchyard_sdk::export_transform!(TimezoneConverter);

#[cfg(test)]
mod tests {
    use super::*;

    fn converter(entries: &[(&str, &str)]) -> Result<TimezoneConverter, ConfigError> {
        TimezoneConverter::from_config(&entries.iter().copied().collect())
    }

    fn zone(name: &str) -> TimezoneConverter {
        converter(&[("converted.timezone", name)]).unwrap_or_else(|e| panic!("{e}"))
    }

    fn convert(c: &TimezoneConverter, logical: &str, value: Scalar) -> Scalar {
        c.convert(logical, &value, 0)
            .unwrap_or_else(|e| panic!("{e}"))
            .unwrap_or_else(|| panic!("unsupported"))
    }

    /// `testMultipleDebeziumTimestamps`.
    #[test]
    fn fixed_offset() {
        let c = zone("+05:30");
        assert_eq!(
            convert(&c, MICRO_TIMESTAMP, Scalar::Int64(1_529_507_596_945_104)),
            Scalar::Int64(1_529_487_796_945_104)
        );
        assert_eq!(
            convert(&c, NANO_TIMESTAMP, Scalar::Int64(1_531_481_025_340_000_104)),
            Scalar::Int64(1_531_461_225_340_000_104)
        );
        assert_eq!(
            convert(&c, DEBEZIUM_TIMESTAMP, Scalar::Int64(1_514_908_810_123)),
            Scalar::Int64(1_514_889_010_123)
        );
        assert_eq!(
            convert(
                &c,
                ZONED_TIMESTAMP,
                Scalar::String("2018-01-02T11:15:30.123456789+00:00".into())
            ),
            Scalar::String("2018-01-02T16:45:30.123456789+05:30".into())
        );
        assert_eq!(
            convert(
                &c,
                ZONED_TIME,
                Scalar::String("11:15:30.123456789+00:00".into())
            ),
            Scalar::String("16:45:30.123456789+05:30".into())
        );
        assert_eq!(
            c.convert_epoch("ts_ms", &Scalar::Int64(0)),
            Ok(Scalar::Int64(19_800_000))
        );
    }

    /// `testSingleDebeziumTimestamp` (`Pacific/Easter`, summer time) and
    /// `testKafkaConnectTimestamp` (`Africa/Cairo`).
    #[test]
    fn named_zones() {
        let c = zone("Pacific/Easter");
        assert_eq!(
            convert(
                &c,
                ZONED_TIMESTAMP,
                Scalar::String("2011-01-11T16:40:30.123456789+00:00".into())
            ),
            Scalar::String("2011-01-11T11:40:30.123456789-05:00".into())
        );
        assert_eq!(
            convert(
                &c,
                ZONED_TIMESTAMP,
                Scalar::String("2011-02-02T11:04:30.123456789+00:00".into())
            ),
            Scalar::String("2011-02-02T06:04:30.123456789-05:00".into())
        );
        let cairo = zone("Africa/Cairo");
        // 2018-03-27T02:00:00Z → 2018-03-27T00:00:00Z.
        assert_eq!(
            convert(&cairo, TIMESTAMP, Scalar::Int64(1_522_116_000_000)),
            Scalar::Int64(1_522_108_800_000)
        );
        let utc = zone("UTC");
        assert_eq!(
            convert(
                &utc,
                ZONED_TIMESTAMP,
                Scalar::String("2018-01-02T11:15:30+02:00".into())
            ),
            Scalar::String("2018-01-02T09:15:30Z".into())
        );
    }

    #[test]
    fn config() {
        let message =
            |entries: &[(&str, &str)]| converter(entries).map(|_| ()).unwrap_err().message;
        assert!(message(&[]).contains("A value is required"));
        assert!(
            message(&[("converted.timezone", "Mars/Olympus")]).contains("Invalid timezone format")
        );
        assert!(message(&[("converted.timezone", "+5:30")]).contains("Invalid timezone format"));
        assert!(
            message(&[
                ("converted.timezone", "UTC"),
                ("include.list", "source:a"),
                ("exclude.list", "source:b")
            ])
            .contains("Both include and exclude lists")
        );
        assert!(
            message(&[("converted.timezone", "UTC"), ("include.list", "a:b:c:d")])
                .contains("Invalid include list format")
        );
        let c = converter(&[
            ("converted.timezone", "UTC"),
            ("include.list", "source:orders:order_date,customers"),
        ])
        .unwrap_or_else(|e| panic!("{e}"));
        assert!(c.table_fields.contains_key("orders"));
        assert!(
            c.table_fields.contains_key("customers"),
            "inherits the source prefix"
        );
        // Only the first rule may have three parts (`LIST_PATTERN`).
        assert!(
            message(&[
                ("converted.timezone", "UTC"),
                ("include.list", "source:a:b,topic:t1:c")
            ])
            .contains("Invalid include list format")
        );
        let t = converter(&[
            ("converted.timezone", "UTC"),
            ("include.list", "topic:t1:created_at"),
        ])
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(t.topic_fields.get("t1").map(|f| f.len()), Some(1));
        assert_eq!(
            c.selection(Some("orders"), "x").map(|s| s.0),
            Some(Selection::Include)
        );
        assert_eq!(
            c.selection(Some("customers"), "x").map(|s| s.0),
            Some(Selection::All)
        );
        assert_eq!(c.selection(Some("other"), "x"), None);
    }
}
