//! Who took part: one count per attendance mode, each possible and bounded.

use entity::enums::AttendanceMode;

use crate::error::{Problems, Result};

/// The most participants one row may count: a million, more than any event or campaign a grant
/// reports in one attendance mode. Sums of rows are 64-bit and never clamped.
pub const MAX_PARTICIPANTS: i32 = 1_000_000;

/// How many people attended one way. `female`, `male` and `with_disability` are `None` when
/// not recorded, which is never the same as 0 (recorded as none).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ParticipantCount {
    pub mode: AttendanceMode,
    pub total: i32,
    pub female: Option<i32>,
    pub male: Option<i32>,
    pub with_disability: Option<i32>,
}

/// The breakdowns of one row as sent, each `None` when not recorded.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Breakdowns {
    pub female: Option<i32>,
    pub male: Option<i32>,
    pub with_disability: Option<i32>,
}

impl ParticipantCount {
    /// `field` is the row's path, e.g. `participation[1]`. Each breakdown lies within the total,
    /// and women and men together never outnumber it.
    pub fn new(field: &str, mode: AttendanceMode, total: i32, parts: Breakdowns) -> Result<Self> {
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
        let mut within_total = |name: &str, value: Option<i32>| match value {
            Some(n) if n < 0 => problems.push(
                format!("{field}.{name}"),
                format!("is {n}; counts cannot be negative"),
            ),
            Some(n) if total >= 0 && n > total => problems.push(
                format!("{field}.{name}"),
                format!("is {n}, more than the {total} participants in total"),
            ),
            _ => {}
        };
        within_total("female", parts.female);
        within_total("male", parts.male);
        within_total("withDisability", parts.with_disability);
        if let (Some(f), Some(m)) = (parts.female, parts.male)
            && f >= 0
            && m >= 0
            && f <= total
            && m <= total
            && i64::from(f) + i64::from(m) > i64::from(total)
        {
            problems.push(
                format!("{field}.male"),
                format!(
                    "is {m}; with {f} women that makes {}, more than the {total} participants in total",
                    i64::from(f) + i64::from(m)
                ),
            );
        }
        problems.into_result()?;
        Ok(Self {
            mode,
            total,
            female: parts.female,
            male: parts.male,
            with_disability: parts.with_disability,
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
