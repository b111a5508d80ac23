//! Validated values: once built, they cannot hold a bad value. Each constructor names the input
//! field it checks, so its error tells the client exactly what to fix.

use chrono::NaiveDate;
use entity::enums::AttendanceMode;
use unicode_normalization::UnicodeNormalization;

use crate::error::{Error, Problems, Result};

/// ISO 4217 currencies the service accepts, with their number of minor-unit digits.
const CURRENCIES: &[(&str, u32)] = &[
    ("AUD", 2),
    ("CAD", 2),
    ("CHF", 2),
    ("CNY", 2),
    ("EUR", 2),
    ("GBP", 2),
    ("IDR", 2),
    ("INR", 2),
    ("JPY", 0),
    ("KHR", 2),
    ("KRW", 0),
    ("LAK", 2),
    ("MMK", 2),
    ("MYR", 2),
    ("NZD", 2),
    ("PGK", 2),
    ("PHP", 2),
    ("SBD", 2),
    ("SGD", 2),
    ("THB", 2),
    ("TLS", 2),
    ("TOP", 2),
    ("USD", 2),
    ("VND", 0),
    ("VUV", 0),
    ("WST", 2),
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Currency {
    code: &'static str,
    minor_digits: u32,
}

impl Currency {
    pub fn parse(field: &str, code: &str) -> Result<Self> {
        let upper = code.trim().to_ascii_uppercase();
        CURRENCIES
            .iter()
            .find(|(c, _)| *c == upper)
            .map(|&(code, minor_digits)| Self { code, minor_digits })
            .ok_or_else(|| {
                Error::bad_input(
                    field,
                    format!("{code:?} is not a supported ISO 4217 currency code (e.g. \"AUD\")"),
                )
            })
    }

    pub fn code(self) -> &'static str {
        self.code
    }

    pub fn minor_digits(self) -> u32 {
        self.minor_digits
    }
}

/// The largest amount accepted, in a currency's major units: a trillion, far beyond any grant,
/// and small enough that no sum of amounts the service adds up can overflow (sums are taken in
/// 128-bit integers; see `summary`).
pub const MAX_MAJOR_UNITS: i64 = 1_000_000_000_000;

/// An exact, non-negative amount of one currency, held in integer minor units.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Money {
    minor: i64,
    currency: Currency,
}

impl Money {
    /// Parses a decimal string such as `"90000.00"`: no sign, no exponent, no more decimals
    /// than the currency has.
    pub fn parse(field: &str, amount: &str, currency: Currency) -> Result<Self> {
        let minor = parse_minor(field, amount, currency.minor_digits)?;
        Ok(Self { minor, currency })
    }

    pub fn from_minor(minor: i64, currency: Currency) -> Self {
        Self { minor, currency }
    }

    pub fn minor(self) -> i64 {
        self.minor
    }

    pub fn currency(self) -> Currency {
        self.currency
    }
}

fn parse_minor(field: &str, amount: &str, digits: u32) -> Result<i64> {
    let text = amount.trim();
    let bad = |why: &str| Error::bad_input(field, format!("{amount:?} {why}"));
    if text.starts_with('-') {
        return Err(bad("is negative; amounts must be zero or more"));
    }
    let (whole, fraction) = match text.split_once('.') {
        Some((w, f)) => (w, f),
        None => (text, ""),
    };
    let digits_only = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits_only(whole) || (text.contains('.') && !digits_only(fraction)) {
        return Err(bad("is not a decimal amount like \"90000.00\""));
    }
    let significant = fraction.trim_end_matches('0');
    if significant.len() > digits as usize {
        return Err(bad(&format!(
            "has more decimal places than the currency's {digits}"
        )));
    }
    let scale = 10_i64.pow(digits);
    let too_large = || {
        bad(&format!(
            "is more than the largest amount accepted, {MAX_MAJOR_UNITS}"
        ))
    };
    let whole: i64 = whole.parse().map_err(|_| too_large())?;
    if whole > MAX_MAJOR_UNITS || (whole == MAX_MAJOR_UNITS && !significant.is_empty()) {
        return Err(too_large());
    }
    let mut frac: i64 = 0;
    for (i, b) in significant.bytes().enumerate() {
        frac += i64::from(b - b'0') * 10_i64.pow(digits - 1 - i as u32);
    }
    whole
        .checked_mul(scale)
        .and_then(|w| w.checked_add(frac))
        .ok_or_else(too_large)
}

/// Formats integer minor units as a decimal string with the currency's digits: `"90000.00"`.
/// Takes sums too, which are 128-bit.
pub fn format_minor(minor: impl Into<i128>, digits: u32) -> String {
    let minor: i128 = minor.into();
    if digits == 0 {
        return minor.to_string();
    }
    let sign = if minor < 0 { "-" } else { "" };
    let abs = minor.unsigned_abs();
    let scale = 10_u128.pow(digits);
    format!(
        "{sign}{}.{:0width$}",
        abs / scale,
        abs % scale,
        width = digits as usize
    )
}

/// The number of minor digits of a stored currency code (2 when unknown).
pub fn minor_digits_of(code: &str) -> u32 {
    CURRENCIES
        .iter()
        .find(|(c, _)| *c == code)
        .map_or(2, |&(_, d)| d)
}

/// An inclusive range of calendar days whose end is not before its start.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DateRange {
    start: NaiveDate,
    end: NaiveDate,
}

impl DateRange {
    /// `end_field` names the field blamed when the end comes first: the end is the value that
    /// contradicts the start.
    pub fn new(start: NaiveDate, end: NaiveDate, end_field: &str) -> Result<Self> {
        if end < start {
            return Err(Error::bad_input(
                end_field,
                format!("ends on {end}, before the start on {start}"),
            ));
        }
        Ok(Self { start, end })
    }

    pub fn start(self) -> NaiveDate {
        self.start
    }

    pub fn end(self) -> NaiveDate {
        self.end
    }

    pub fn contains(self, other: DateRange) -> bool {
        self.start <= other.start && other.end <= self.end
    }

    /// The one rule for dates that must lie inside another period (a report's or an activity's
    /// inside its grant's, a tranche inside its grant): each end that falls outside is a problem
    /// on its own field.
    pub fn ensure_within(
        self,
        outer: DateRange,
        outer_name: &str,
        start_field: &str,
        end_field: &str,
    ) -> Result<()> {
        let mut problems = Problems::new();
        if self.start < outer.start {
            problems.push(
                start_field,
                format!(
                    "{} is before the {outer_name} starts on {}",
                    self.start, outer.start
                ),
            );
        } else if self.start > outer.end {
            problems.push(
                start_field,
                format!(
                    "{} is after the {outer_name} ends on {}",
                    self.start, outer.end
                ),
            );
        }
        if self.end > outer.end {
            problems.push(
                end_field,
                format!(
                    "{} is after the {outer_name} ends on {}",
                    self.end, outer.end
                ),
            );
        }
        problems.into_result()
    }
}

/// Both ends of a range given as text: each a calendar date, the end not before the start.
pub fn date_range(
    p: &mut Problems,
    start_field: &str,
    start: &str,
    end_field: &str,
    end: &str,
) -> Option<DateRange> {
    let start = p.take(parse_date(start_field, start));
    let end = p.take(parse_date(end_field, end));
    let (start, end) = (start?, end?);
    p.take(DateRange::new(start, end, end_field))
}

/// An optional calendar date given as text.
pub fn optional_date(
    p: &mut Problems,
    field: &str,
    text: Option<&str>,
) -> Option<Option<NaiveDate>> {
    match text {
        None => Some(None),
        Some(t) => p.take(parse_date(field, t)).map(Some),
    }
}

/// Optional text that an update may leave (`None`), clear (`Some(None)`) or set; yields `None`
/// only when the new text is bad (its problem recorded).
pub fn text_change(
    p: &mut Problems,
    field: &str,
    value: &Option<Option<String>>,
    max: usize,
) -> Option<Option<Option<String>>> {
    match value {
        None => Some(None),
        Some(None) => Some(Some(None)),
        Some(Some(v)) => p.take(optional_text(field, Some(v), max)).map(Some),
    }
}

/// Money as a client sends it: a decimal string and an ISO 4217 code.
#[derive(Clone, Debug, PartialEq, Eq, serde::Deserialize)]
pub struct MoneyText {
    pub amount: String,
    pub currency: String,
}

impl MoneyText {
    /// `field` is the input field holding the money, e.g. `totalFunding`.
    pub fn check(&self, field: &str) -> Result<Money> {
        let currency = Currency::parse(&format!("{field}.currency"), &self.currency)?;
        Money::parse(&format!("{field}.amount"), &self.amount, currency)
    }
}

/// An ISO 3166-1 alpha-2 country code, e.g. "KH".
pub fn country_code(field: &str, value: Option<&str>) -> Result<Option<String>> {
    let Some(code) = optional_text(field, value, 2)? else {
        return Ok(None);
    };
    if code.len() != 2 || !code.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(Error::bad_input(
            field,
            format!("{code:?} is not an ISO 3166-1 alpha-2 code such as \"KH\""),
        ));
    }
    Ok(Some(code))
}

/// The number a grant gives an objective ("Objective 2"): from 1.
pub fn objective_number(field: &str, number: i32) -> Result<i32> {
    if number < 1 {
        return Err(Error::bad_input(
            field,
            format!("is {number}; objectives are numbered from 1"),
        ));
    }
    Ok(number)
}

/// The years a date may fall in: every date of a grant, a report or an event is in this range,
/// and within it dates compare correctly as text (SQLite stores them so).
pub const YEARS: std::ops::RangeInclusive<i32> = 1900..=2200;

/// Parses a calendar date written exactly `YYYY-MM-DD` (ISO 8601, four-digit year from 1900 to
/// 2200), refusing impossible days such as 2025-02-30 and looser forms such as `2025-1-5`.
pub fn parse_date(field: &str, text: &str) -> Result<NaiveDate> {
    let bad = |why: &str| Error::bad_input(field, format!("{text:?} {why}"));
    let bytes = text.as_bytes();
    let shaped = bytes.len() == 10
        && bytes.iter().enumerate().all(|(i, b)| match i {
            4 | 7 => *b == b'-',
            _ => b.is_ascii_digit(),
        });
    if !shaped {
        return Err(bad("is not a calendar date written YYYY-MM-DD"));
    }
    let day = NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| bad("is not a calendar date (YYYY-MM-DD)"))?;
    if !YEARS.contains(&chrono::Datelike::year(&day)) {
        return Err(bad(&format!(
            "is outside the years {} to {} that dates may fall in",
            YEARS.start(),
            YEARS.end()
        )));
    }
    Ok(day)
}

/// How many items each list of a parent may hold: the bound on every list the API returns
/// unpaginated (a report's activities, an activity's outcomes …). Far above what a grant reports.
pub mod caps {
    pub const ORGANISATIONS: u64 = 10_000;
    pub const SCHEMES: u64 = 500;
    pub const TRANCHES_PER_GRANT: u64 = 100;
    pub const OBJECTIVES_PER_GRANT: u64 = 50;
    pub const INDICATORS_PER_OBJECTIVE: u64 = 50;
    pub const REPORTS_PER_GRANT: u64 = 100;
    pub const ACTIVITIES_PER_REPORT: u64 = 500;
    pub const OUTCOMES_PER_ACTIVITY: u64 = 100;
    pub const LESSONS_PER_REPORT: u64 = 200;
    pub const CASE_STUDIES_PER_REPORT: u64 = 100;
    pub const ORGANISERS_PER_ACTIVITY: usize = 50;
}

/// Text limits, in characters.
pub mod limits {
    pub const NAME: usize = 300;
    /// A person's name, a tranche's label.
    pub const PERSON: usize = 200;
    pub const SHORT: usize = 100;
    pub const TITLE: usize = 500;
    pub const STATEMENT: usize = 5_000;
    pub const NARRATIVE: usize = 50_000;
    pub const REASON: usize = 5_000;
}

/// Required text: trimmed, not empty, at most `max` characters.
pub fn required_text(field: &str, value: &str, max: usize) -> Result<String> {
    let value = value.trim();
    if value.is_empty() {
        return Err(Error::bad_input(field, "must not be empty"));
    }
    bounded(field, value, max)
}

/// Optional text: trimmed; empty becomes absent; at most `max` characters.
pub fn optional_text(field: &str, value: Option<&str>, max: usize) -> Result<Option<String>> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => bounded(field, v, max).map(Some),
    }
}

/// Every text the service stores or searches for passes here: control characters (NUL among
/// them) are refused, since PostgreSQL cannot store NUL and neither database should hold the
/// others; tabs and line breaks are kept. Text is stored in Unicode NFC, so the same words typed
/// on two systems (composed or decomposed accents) are the same text. Zero-width characters are
/// kept: Khmer and other scripts need them.
fn bounded(field: &str, value: &str, max: usize) -> Result<String> {
    if let Some(c) = value
        .chars()
        .find(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
    {
        return Err(Error::bad_input(
            field,
            format!(
                "contains the control character U+{:04X}; text may hold tabs and line breaks but no other control characters",
                u32::from(c)
            ),
        ));
    }
    let value: String = value.nfc().collect();
    let count = value.chars().count();
    if count > max {
        return Err(Error::bad_input(
            field,
            format!("is {count} characters long; at most {max} are allowed"),
        ));
    }
    Ok(value)
}

/// Text a client searches by (a filter): checked like stored text, not trimmed.
pub fn search_text(field: &str, value: &str, max: usize) -> Result<String> {
    bounded(field, value, max)
}

/// A web address: an absolute `http` or `https` URL with a host, kept as given.
pub fn website(field: &str, value: Option<&str>) -> Result<Option<String>> {
    let Some(text) = optional_text(field, value, limits::NAME)? else {
        return Ok(None);
    };
    match url::Url::parse(&text) {
        Ok(url) if matches!(url.scheme(), "http" | "https") && url.host().is_some() => {
            Ok(Some(text))
        }
        _ => Err(Error::bad_input(
            field,
            format!("{text:?} is not a web address starting with https:// or http://"),
        )),
    }
}

/// An exact decimal quantity for indicators (baseline, target, actual), kept as canonical text.
pub fn quantity(field: &str, value: &str) -> Result<String> {
    let text = value.trim();
    let (sign, body) = match text.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", text),
    };
    let (whole, fraction) = body.split_once('.').unwrap_or((body, ""));
    let ok = !whole.is_empty()
        && whole.bytes().all(|b| b.is_ascii_digit())
        && fraction.bytes().all(|b| b.is_ascii_digit())
        && !(body.contains('.') && fraction.is_empty())
        && text.len() <= 40;
    if !ok {
        return Err(Error::bad_input(
            field,
            format!("{value:?} is not a decimal number like \"3\" or \"12.5\""),
        ));
    }
    let whole = whole.trim_start_matches('0');
    let whole = if whole.is_empty() { "0" } else { whole };
    let fraction = fraction.trim_end_matches('0');
    let sign = if whole == "0" && fraction.is_empty() {
        ""
    } else {
        sign
    };
    Ok(if fraction.is_empty() {
        format!("{sign}{whole}")
    } else {
        format!("{sign}{whole}.{fraction}")
    })
}

/// The most participants one row may count: a million, more than any event or campaign a grant
/// reports in one attendance mode. Sums of rows are 64-bit and never clamped.
pub const MAX_PARTICIPANTS: i32 = 1_000_000;

/// How many people attended one way.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ParticipantCount {
    pub mode: AttendanceMode,
    pub total: i32,
    pub female: i32,
    pub with_disability: Option<i32>,
}

impl ParticipantCount {
    /// `field` is the row's path, e.g. `participation[1]`.
    pub fn new(
        field: &str,
        mode: AttendanceMode,
        total: i32,
        female: i32,
        with_disability: Option<i32>,
    ) -> Result<Self> {
        let mut problems = Problems::new();
        if total < 0 {
            problems.push(
                format!("{field}.total"),
                format!("is {total}; counts cannot be negative"),
            );
        } else if total > MAX_PARTICIPANTS {
            problems.push(
                format!("{field}.total"),
                format!("is {total}; one row counts at most {MAX_PARTICIPANTS} participants"),
            );
        }
        if female < 0 {
            problems.push(
                format!("{field}.female"),
                format!("is {female}; counts cannot be negative"),
            );
        } else if total >= 0 && female > total {
            problems.push(
                format!("{field}.female"),
                format!("is {female}, more than the {total} participants in total"),
            );
        }
        match with_disability {
            Some(n) if n < 0 => problems.push(
                format!("{field}.withDisability"),
                format!("is {n}; counts cannot be negative"),
            ),
            Some(n) if total >= 0 && n > total => problems.push(
                format!("{field}.withDisability"),
                format!("is {n}, more than the {total} participants in total"),
            ),
            _ => {}
        }
        problems.into_result()?;
        Ok(Self {
            mode,
            total,
            female,
            with_disability,
        })
    }
}

/// An activity's participation: at most one row per attendance mode.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ParticipationRows(Vec<ParticipantCount>);

impl ParticipationRows {
    pub fn new(field: &str, rows: Vec<Result<ParticipantCount>>) -> Result<Self> {
        let mut problems = Problems::new();
        let mut seen: Vec<AttendanceMode> = Vec::new();
        let mut kept = Vec::new();
        for (i, row) in rows.into_iter().enumerate() {
            if let Some(row) = problems.take(row) {
                if seen.contains(&row.mode) {
                    problems.push(
                        format!("{field}[{i}].mode"),
                        format!(
                            "{} is given twice; give one row per attendance mode",
                            row.mode.as_str()
                        ),
                    );
                }
                seen.push(row.mode);
                kept.push(row);
            }
        }
        problems.into_result()?;
        Ok(Self(kept))
    }

    pub fn rows(&self) -> &[ParticipantCount] {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn aud() -> Currency {
        Currency::parse("currency", "AUD").unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn money_parses_exact_minor_units() {
        let m = Money::parse("amount", "90000.00", aud()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(m.minor(), 9_000_000);
        assert_eq!(format_minor(m.minor(), 2), "90000.00");
        let m = Money::parse("amount", "0.1", aud()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(m.minor(), 10);
        let m = Money::parse("amount", "12.500", aud()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(m.minor(), 1250);
    }

    #[test]
    fn money_refuses_negative_overprecise_and_garbage() {
        for bad in [
            "-1.00",
            "1.001",
            "1e3",
            "",
            ".5",
            "5.",
            "abc",
            "99999999999999999999",
        ] {
            let err = Money::parse("totalFunding.amount", bad, aud()).err();
            assert!(
                matches!(&err, Some(Error::BadInput(p)) if p[0].field == "totalFunding.amount"),
                "{bad:?} gave {err:?}"
            );
        }
    }

    #[test]
    fn yen_has_no_minor_units() {
        let jpy = Currency::parse("c", "jpy").unwrap_or_else(|e| panic!("{e}"));
        assert!(Money::parse("a", "1.5", jpy).is_err());
        assert_eq!(format_minor(15, 0), "15");
    }

    #[test]
    fn a_range_ending_before_it_starts_names_the_end_field() {
        let start = parse_date("periodStart", "2025-08-05").unwrap_or_else(|e| panic!("{e}"));
        let end = parse_date("periodEnd", "2025-01-31").unwrap_or_else(|e| panic!("{e}"));
        match DateRange::new(start, end, "periodEnd") {
            Err(Error::BadInput(p)) => assert_eq!(p[0].field, "periodEnd"),
            other => panic!("expected BadInput, got {other:?}"),
        }
    }

    #[test]
    fn impossible_calendar_dates_are_refused() {
        assert!(parse_date("startDate", "2025-02-30").is_err());
        assert!(parse_date("startDate", "2024-02-29").is_ok());
    }

    #[test]
    fn quantities_are_canonical() {
        assert_eq!(quantity("q", "003").ok().as_deref(), Some("3"));
        assert_eq!(quantity("q", "12.50").ok().as_deref(), Some("12.5"));
        assert!(quantity("q", "three").is_err());
    }

    #[test]
    fn participation_refuses_two_rows_for_one_mode_and_impossible_counts() {
        let row = |m, t, f| ParticipantCount::new("participation[0]", m, t, f, None);
        let twice = ParticipationRows::new(
            "participation",
            vec![
                row(AttendanceMode::Online, 5, 1),
                row(AttendanceMode::Online, 3, 1),
            ],
        );
        assert!(matches!(twice, Err(Error::BadInput(p)) if p[0].field == "participation[1].mode"));
        let too_many_women =
            ParticipantCount::new("participation[0]", AttendanceMode::Online, 5, 6, None);
        assert!(
            matches!(too_many_women, Err(Error::BadInput(p)) if p[0].field == "participation[0].female")
        );
    }
}
