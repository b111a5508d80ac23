//! Who took part: one count per attendance mode, each possible and bounded.

use entity::enums::AttendanceMode;

use crate::error::{Problems, Result};

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
