//! The filter of an export: query parameters named like the fields of the GraphQL list filters
//! (`GrantFilter`, `ReportFilter`, `ActivityFilter`, `PortfolioFilter`), each checked before
//! anything is read. An unknown, repeated, empty or malformed parameter is `BAD_USER_INPUT`
//! naming it. A grantee's export is narrowed to its own organisation whatever its filter says:
//! filters narrow, they never widen (`domain::scope`). A parameter naming one grant (`grantId`,
//! and the IATI file's `grant`) is also checked against what the caller may see, by the access
//! layer: a grant it may not see is `NOT_FOUND`, as `grant(id:)` is in GraphQL.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use entity::enums::{ActivityKind, GrantStatus, ReportKind, ReportStatus};
use entity::grant;
use sea_orm::{ConnectionTrait, Iterable};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::ExportKind;
use crate::domain::actor::Actor;
use crate::domain::content::ActivityFilter;
use crate::domain::portfolio::GrantFilter;
use crate::domain::report::ReportFilter;
use crate::domain::scope;
use crate::domain::summary::PortfolioFilter;
use crate::domain::values::parse_date;
use crate::error::{Error, Problems, Result};

/// What a parameter holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Value {
    Id,
    /// The id of one grant, which the caller must be able to see (`NOT_FOUND` otherwise).
    Grant,
    Day,
    GrantStatus,
    ReportStatus,
    ReportKind,
    ActivityKind,
}

const ACTIVITY_PARAMETERS: &[(&str, Value)] = &[
    ("grantId", Value::Grant),
    ("granteeId", Value::Id),
    ("objectiveId", Value::Id),
    ("reportId", Value::Id),
    ("kind", Value::ActivityKind),
    ("from", Value::Day),
    ("to", Value::Day),
];

/// The parameters an export takes, each with what it holds.
type Parameters = &'static [(&'static str, Value)];

/// A date range's first and last parameter.
type Range = Option<(&'static str, &'static str)>;

/// The parameters an export takes, and (for a date range) which one starts and which one ends
/// the range.
fn parameters(kind: ExportKind) -> (Parameters, Range) {
    match kind {
        ExportKind::GrantsCsv => (
            &[
                ("schemeId", Value::Id),
                ("granteeId", Value::Id),
                ("status", Value::GrantStatus),
                ("activeFrom", Value::Day),
                ("activeTo", Value::Day),
            ],
            Some(("activeFrom", "activeTo")),
        ),
        ExportKind::ReportsCsv => (
            &[
                ("grantId", Value::Grant),
                ("granteeId", Value::Id),
                ("status", Value::ReportStatus),
                ("kind", Value::ReportKind),
                ("dueBefore", Value::Day),
            ],
            None,
        ),
        ExportKind::ActivitiesCsv | ExportKind::ParticipationCsv | ExportKind::OutcomesCsv => {
            (ACTIVITY_PARAMETERS, Some(("from", "to")))
        }
        ExportKind::PortfolioXlsx => (
            &[
                ("schemeId", Value::Id),
                ("granteeId", Value::Id),
                ("grantStatus", Value::GrantStatus),
                ("from", Value::Day),
                ("to", Value::Day),
                ("activityKind", Value::ActivityKind),
            ],
            Some(("from", "to")),
        ),
        ExportKind::IatiXml => (
            &[
                ("scheme", Value::Id),
                ("grantee", Value::Id),
                ("grant", Value::Grant),
                ("from", Value::Day),
                ("to", Value::Day),
            ],
            Some(("from", "to")),
        ),
    }
}

/// The names of the parameters an export takes, for messages and documentation.
pub fn parameter_names(kind: ExportKind) -> Vec<&'static str> {
    parameters(kind).0.iter().map(|(name, _)| *name).collect()
}

/// The grants an export's checked filter names by id (`grantId`, `grant`), with the parameter
/// naming each: each must be one the caller may see.
fn named_grants(kind: ExportKind, filters: &Filters) -> Vec<(&'static str, Uuid)> {
    parameters(kind)
        .0
        .iter()
        .filter(|(_, value)| *value == Value::Grant)
        .filter_map(|(name, _)| filters.id(name).map(|id| (*name, id)))
        .collect()
}

/// `NOT_FOUND` naming the parameter (`{prefix}{name}`) for a grant the filter names that `actor`
/// may not see, as `grant(id:)` answers in GraphQL: checked when a link is made and again when
/// any export runs, before it is recorded.
pub async fn ensure_named_grants_visible<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    kind: ExportKind,
    filters: &Filters,
    prefix: &str,
) -> Result<()> {
    for (name, id) in named_grants(kind, filters) {
        let found =
            scope::find_visible::<grant::Entity, _>(db, actor, grant::Column::Id, id).await?;
        if found.is_none() {
            return Err(Error::NotFoundAt {
                field: format!("{prefix}{name}"),
                message: format!("no grant has the id {id}"),
            });
        }
    }
    Ok(())
}

fn one_of<T: Iterable + Copy>(text: &str, name: impl Fn(T) -> &'static str) -> Option<T> {
    T::iter().find(|value| name(*value) == text)
}

fn spellings<T: Iterable + Copy>(name: impl Fn(T) -> &'static str) -> String {
    T::iter().map(name).collect::<Vec<_>>().join(", ")
}

/// Checks one value; `field` is how errors name it.
fn check_value(field: &str, value: Value, text: &str) -> Result<()> {
    let bad = |what: String| Err(Error::bad_input(field, what));
    match value {
        Value::Id | Value::Grant => match Uuid::parse_str(text) {
            Ok(_) => Ok(()),
            Err(_) => bad(format!("{text:?} is not a UUID")),
        },
        Value::Day => parse_date(field, text).map(|_| ()),
        Value::GrantStatus => match one_of(text, GrantStatus::as_str) {
            Some(_) => Ok(()),
            None => bad(format!(
                "{text:?} is not a grant status; one of {}",
                spellings(GrantStatus::as_str)
            )),
        },
        Value::ReportStatus => match one_of(text, ReportStatus::as_str) {
            Some(_) => Ok(()),
            None => bad(format!(
                "{text:?} is not a report status; one of {}",
                spellings(ReportStatus::as_str)
            )),
        },
        Value::ReportKind => match one_of(text, ReportKind::as_str) {
            Some(_) => Ok(()),
            None => bad(format!(
                "{text:?} is not a report kind; one of {}",
                spellings(ReportKind::as_str)
            )),
        },
        Value::ActivityKind => match one_of(text, ActivityKind::as_str) {
            Some(_) => Ok(()),
            None => bad(format!(
                "{text:?} is not an activity kind; one of {}",
                spellings(ActivityKind::as_str)
            )),
        },
    }
}

/// An export's filter once checked: parameter name to value, in name order. This is what the
/// audit trail records and what an export link remembers.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Filters(BTreeMap<String, String>);

impl Filters {
    /// Checks `pairs` (name, value) as the filter of `kind`, reporting every problem at once;
    /// each problem names `{prefix}{name}` (the prefix is `filter.` for `createExportLink`,
    /// nothing for query parameters).
    pub fn check(
        kind: ExportKind,
        pairs: impl IntoIterator<Item = (String, String)>,
        prefix: &str,
    ) -> Result<Self> {
        let (accepted, range) = parameters(kind);
        let mut problems = Problems::new();
        let mut values = BTreeMap::new();
        for (name, text) in pairs {
            let field = format!("{prefix}{name}");
            let Some((_, value)) = accepted.iter().find(|(known, _)| *known == name) else {
                let hint = if matches!(
                    name.to_ascii_lowercase().as_str(),
                    "access_token" | "token" | "jwt" | "authorization" | "bearer"
                ) {
                    "tokens are never read from the URL; send `Authorization: Bearer <token>`, or make a single-use link with createExportLink".to_owned()
                } else {
                    format!(
                        "is not a filter of {}; it takes {}",
                        kind.path(),
                        parameter_names(kind).join(", ")
                    )
                };
                problems.push(field, hint);
                continue;
            };
            if values.contains_key(&name) {
                problems.push(field, "is given more than once");
                continue;
            }
            let text = text.trim().to_owned();
            if text.is_empty() {
                problems.push(field, "is empty; leave it out to not filter by it");
                continue;
            }
            if problems.take(check_value(&field, *value, &text)).is_some() {
                values.insert(name, text);
            }
        }
        if let Some((start, end)) = range
            && let (Some(from), Some(to)) = (values.get(start), values.get(end))
            && let (Ok(from), Ok(to)) = (parse_date(start, from), parse_date(end, to))
            && to < from
        {
            problems.push(
                format!("{prefix}{end}"),
                format!("{to} is before {start} ({from})"),
            );
        }
        problems.into_result()?;
        Ok(Self(values))
    }

    /// The filter as JSON: an object of strings.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(&self.0).unwrap_or_default()
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }

    /// The pairs, as query parameters.
    pub fn pairs(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    pub fn id(&self, name: &str) -> Option<Uuid> {
        self.get(name).and_then(|text| Uuid::parse_str(text).ok())
    }

    pub fn day(&self, name: &str) -> Option<NaiveDate> {
        self.get(name).and_then(|text| parse_date(name, text).ok())
    }

    fn value<T: Iterable + Copy>(
        &self,
        name: &str,
        spell: impl Fn(T) -> &'static str,
    ) -> Option<T> {
        self.get(name).and_then(|text| one_of(text, spell))
    }

    /// `grants.csv`'s filter, as the GraphQL `grants` list takes it.
    pub fn grants(&self) -> GrantFilter {
        GrantFilter {
            scheme_id: self.id("schemeId"),
            grantee_id: self.id("granteeId"),
            status: self.value("status", GrantStatus::as_str),
            active_from: self.day("activeFrom"),
            active_to: self.day("activeTo"),
        }
    }

    /// `reports.csv`'s filter, as the GraphQL `reports` list takes it.
    pub fn reports(&self) -> ReportFilter {
        ReportFilter {
            grant_id: self.id("grantId"),
            grantee_id: self.id("granteeId"),
            status: self.value("status", ReportStatus::as_str),
            kind: self.value("kind", ReportKind::as_str),
            due_before: self.day("dueBefore"),
        }
    }

    /// The activity lists' filter (activities, participation, outcomes), as the GraphQL
    /// `activities` list takes it.
    pub fn activities(&self) -> ActivityFilter {
        ActivityFilter {
            grant_id: self.id("grantId"),
            grantee_id: self.id("granteeId"),
            objective_id: self.id("objectiveId"),
            report_id: self.id("reportId"),
            kind: self.value("kind", ActivityKind::as_str),
            from: self.day("from"),
            to: self.day("to"),
        }
    }

    /// The workbook's filter, as `portfolioSummary` takes it.
    pub fn portfolio(&self) -> PortfolioFilter {
        PortfolioFilter {
            scheme_id: self.id("schemeId"),
            grantee_id: self.id("granteeId"),
            grant_status: self.value("grantStatus", GrantStatus::as_str),
            from: self.day("from"),
            to: self.day("to"),
            activity_kind: self.value("activityKind", ActivityKind::as_str),
        }
    }
}
