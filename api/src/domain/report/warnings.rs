//! Data warnings: doubts about a report's data that never block a write, computed when read and
//! over only what the caller may see (a grantee is never warned about another grantee's data).

use std::collections::HashMap;

use entity::enums::AttendanceMode;
use entity::{
    activity, grant, indicator_result, indicator_result_activity, joint_membership, report,
};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use crate::domain::actor::Actor;
use crate::domain::scope::{self, scoped};
use crate::error::Result;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum WarningCode {
    PossibleDuplicateActivity,
    OverlappingModes,
    OverlappingReportPeriod,
    IndicatorEvidenceMismatch,
    SexNotRecorded,
    ActivityOutsidePeriod,
}

/// One doubt: what kind, in words, the input field it is about, and the objects involved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DataWarning {
    pub code: WarningCode,
    pub message: String,
    pub field: Option<String>,
    pub related_ids: Vec<Uuid>,
}

fn same_text(a: Option<&str>, b: Option<&str>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => !a.trim().is_empty() && a.trim().eq_ignore_ascii_case(b.trim()),
        _ => false,
    }
}

/// The warnings of one report, in a stable order.
pub async fn of_report<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    report: &report::Model,
) -> Result<Vec<DataWarning>> {
    let mut warnings = Vec::new();
    let activities = scoped::<activity::Entity>(actor)
        .filter(activity::Column::ReportId.eq(report.id))
        .order_by_asc(activity::Column::StartDate)
        .order_by_asc(activity::Column::Id)
        .all(db)
        .await?;
    let ids: Vec<Uuid> = activities.iter().map(|a| a.id).collect();
    let mut rows: HashMap<Uuid, Vec<entity::participation::Model>> = HashMap::new();
    for row in scope::participation(actor)
        .filter(entity::participation::Column::ActivityId.is_in(ids.clone()))
        .all(db)
        .await?
    {
        rows.entry(row.activity_id).or_default().push(row);
    }

    // Per activity: modes that overlap, dates outside the report's period.
    let (mut total, mut unrecorded) = (0i64, 0i64);
    let mut without_sex = Vec::new();
    for a in &activities {
        let mine = rows.get(&a.id).map(Vec::as_slice).unwrap_or_default();
        let has = |m: AttendanceMode| mine.iter().any(|r| r.mode == m);
        if has(AttendanceMode::Unspecified)
            && (has(AttendanceMode::InPerson) || has(AttendanceMode::Online))
        {
            warnings.push(DataWarning {
                code: WarningCode::OverlappingModes,
                message: format!(
                    "\"{}\" has a row without a mode beside rows in person or online; they may count the same people",
                    a.title
                ),
                field: Some("participation".into()),
                related_ids: vec![a.id],
            });
        }
        if a.end_date < report.period_start || a.start_date > report.period_end {
            warnings.push(DataWarning {
                code: WarningCode::ActivityOutsidePeriod,
                message: format!(
                    "\"{}\" ({} to {}) lies outside the reporting period {} to {}",
                    a.title, a.start_date, a.end_date, report.period_start, report.period_end
                ),
                field: Some("startDate".into()),
                related_ids: vec![a.id],
            });
        }
        let mut missing = false;
        for r in mine {
            total += i64::from(r.total);
            if r.female.is_none() {
                unrecorded += i64::from(r.total);
                missing |= r.total > 0;
            }
        }
        if missing {
            without_sex.push(a.id);
        }
    }
    if unrecorded * 2 > total {
        warnings.push(DataWarning {
            code: WarningCode::SexNotRecorded,
            message: format!(
                "the sex of {unrecorded} of the report's {total} participants is not recorded"
            ),
            field: Some("participation".into()),
            related_ids: without_sex,
        });
    }

    // Results whose actual is not the number of activities they name as evidence.
    let results = scoped::<indicator_result::Entity>(actor)
        .filter(indicator_result::Column::ReportId.eq(report.id))
        .order_by_asc(indicator_result::Column::CreatedAt)
        .order_by_asc(indicator_result::Column::Id)
        .all(db)
        .await?;
    let result_ids: Vec<Uuid> = results.iter().map(|r| r.id).collect();
    let mut evidence: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    for link in scoped::<indicator_result_activity::Entity>(actor)
        .filter(indicator_result_activity::Column::IndicatorResultId.is_in(result_ids))
        .order_by_asc(indicator_result_activity::Column::Position)
        .all(db)
        .await?
    {
        evidence
            .entry(link.indicator_result_id)
            .or_default()
            .push(link.activity_id);
    }
    for r in &results {
        let Some(linked) = evidence.get(&r.id) else {
            continue;
        };
        if r.actual != linked.len().to_string() {
            let mut related = vec![r.id];
            related.extend(linked);
            warnings.push(DataWarning {
                code: WarningCode::IndicatorEvidenceMismatch,
                message: format!(
                    "the result reports {} but names {} activities as its evidence",
                    r.actual,
                    linked.len()
                ),
                field: Some("activityIds".into()),
                related_ids: related,
            });
        }
    }

    // Other reports of the same kind on the grant covering part of the same period.
    let overlapping = scoped::<report::Entity>(actor)
        .filter(report::Column::GrantId.eq(report.grant_id))
        .filter(report::Column::Kind.eq(report.kind))
        .filter(report::Column::Id.ne(report.id))
        .filter(report::Column::PeriodStart.lte(report.period_end))
        .filter(report::Column::PeriodEnd.gte(report.period_start))
        .order_by_asc(report::Column::PeriodStart)
        .order_by_asc(report::Column::Id)
        .all(db)
        .await?;
    if !overlapping.is_empty() {
        warnings.push(DataWarning {
            code: WarningCode::OverlappingReportPeriod,
            message: format!(
                "{} other {} report(s) of the grant cover part of the same period",
                overlapping.len(),
                report.kind.as_str()
            ),
            field: Some("periodStart".into()),
            related_ids: overlapping.iter().map(|r| r.id).collect(),
        });
    }

    // Activities elsewhere in the scheme (that the caller may see) on overlapping dates at the
    // same venue or with the same title, unless linked to it as one joint event.
    if let (Some(first), Some(last)) = (
        activities.iter().map(|a| a.start_date).min(),
        activities.iter().map(|a| a.end_date).max(),
    ) && let Some(grant) = scoped::<grant::Entity>(actor)
        .filter(grant::Column::Id.eq(report.grant_id))
        .one(db)
        .await?
    {
        let in_scheme = scope::grant_ids_where(
            actor,
            Condition::all().add(grant::Column::SchemeId.eq(grant.scheme_id)),
        );
        let candidates = scoped::<activity::Entity>(actor)
            .filter(activity::Column::GrantId.in_subquery(in_scheme))
            .filter(activity::Column::StartDate.lte(last))
            .filter(activity::Column::EndDate.gte(first))
            .order_by_asc(activity::Column::StartDate)
            .order_by_asc(activity::Column::Id)
            .all(db)
            .await?;
        // Activities linked as one joint event are known to be the same event.
        let group_of: HashMap<Uuid, Uuid> = scoped::<joint_membership::Entity>(actor)
            .filter(
                joint_membership::Column::ActivityId
                    .is_in(ids.iter().chain(candidates.iter().map(|c| &c.id)).copied()),
            )
            .all(db)
            .await?
            .into_iter()
            .map(|m| (m.activity_id, m.group_id))
            .collect();
        let linked = |a: Uuid, b: Uuid| {
            group_of
                .get(&a)
                .is_some_and(|g| group_of.get(&b) == Some(g))
        };
        for a in &activities {
            let matches: Vec<Uuid> = candidates
                .iter()
                .filter(|b| b.id != a.id && !linked(a.id, b.id))
                .filter(|b| b.start_date <= a.end_date && b.end_date >= a.start_date)
                .filter(|b| {
                    same_text(a.venue.as_deref(), b.venue.as_deref())
                        || same_text(Some(&a.title), Some(&b.title))
                })
                .map(|b| b.id)
                .collect();
            if !matches.is_empty() {
                let mut related = vec![a.id];
                related.extend(&matches);
                warnings.push(DataWarning {
                    code: WarningCode::PossibleDuplicateActivity,
                    message: format!(
                        "\"{}\" may be the same event as {} other activit{} on overlapping dates at the same venue or with the same title",
                        a.title,
                        matches.len(),
                        if matches.len() == 1 { "y" } else { "ies" }
                    ),
                    field: None,
                    related_ids: related,
                });
            }
        }
    }
    Ok(warnings)
}
