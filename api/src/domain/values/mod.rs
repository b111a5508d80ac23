//! Validated values: once built, they cannot hold a bad value. Each constructor names the input
//! field it checks, so its error tells the client exactly what to fix.

mod dates;
pub mod iati;
mod money;
mod participation;
mod text;

pub use dates::*;
pub use money::*;
pub use participation::*;
pub use text::*;

use crate::error::{Error, Result};

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
    pub const CORRECTIONS_PER_REPORT: u64 = 200;
    pub const EVIDENCE_PER_RESULT: usize = 500;
    pub const ACTIVITIES_PER_JOINT_GROUP: usize = 20;
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

#[cfg(test)]
mod tests {
    use entity::enums::AttendanceMode;

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
        let sexes = |female, male| Breakdowns {
            female,
            male,
            with_disability: None,
        };
        let row = |m, t, f| ParticipantCount::new("participation[0]", m, t, sexes(Some(f), None));
        let twice = ParticipationRows::new(
            "participation",
            vec![
                row(AttendanceMode::Online, 5, 1),
                row(AttendanceMode::Online, 3, 1),
            ],
        );
        assert!(matches!(twice, Err(Error::BadInput(p)) if p[0].field == "participation[1].mode"));
        let too_many_women = row(AttendanceMode::Online, 5, 6);
        assert!(
            matches!(too_many_women, Err(Error::BadInput(p)) if p[0].field == "participation[0].female")
        );
        let more_than_everyone = ParticipantCount::new(
            "participation[0]",
            AttendanceMode::Online,
            5,
            sexes(Some(3), Some(3)),
        );
        assert!(
            matches!(more_than_everyone, Err(Error::BadInput(p)) if p[0].field == "participation[0].male")
        );
    }

    #[test]
    fn a_sex_split_not_recorded_stays_apart_from_none() {
        let unrecorded = ParticipantCount::new(
            "participation[0]",
            AttendanceMode::Unspecified,
            40,
            Breakdowns::default(),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((unrecorded.female, unrecorded.male), (None, None));
        let none = ParticipantCount::new(
            "participation[0]",
            AttendanceMode::Unspecified,
            40,
            Breakdowns {
                female: Some(0),
                male: Some(40),
                with_disability: Some(0),
            },
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(none.female, Some(0));
    }
}
