//! Calendar dates and ranges of them, and the rule for dates that must lie inside a period.

use chrono::NaiveDate;

use crate::error::{Error, Problems, Result};

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
