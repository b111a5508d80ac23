//! One grant as an IATI 2.03 `iati-activity`, in the order the schema asks for its elements.

use chrono::NaiveDate;
use entity::enums::{GrantStatus, OutcomeKind};
use entity::{grant, organisation};

use super::codelists::{self, date_type, description_type, measure, result_type, role};
use super::data::Page;
use super::writer::XmlWriter;
use crate::domain::portfolio::grants::{policy_markers_of, sectors_of};
use crate::domain::summary::ParticipationTotals;
use crate::domain::values::iati::derived_activity_identifier;
use crate::domain::values::{format_minor, minor_digits_of};
use crate::error::Result;

/// Why a grant could not be written as an IATI activity (the export says so in a comment).
pub enum Skipped {
    /// The reporting organisation is not one the caller may see, or does not exist.
    NoReporter,
    /// The reporting organisation lacks what `reporting-org` needs (`what`).
    ReporterIncomplete {
        reporter: String,
        what: &'static str,
    },
    /// Neither the grant nor its reporting organisation has an IATI identifier.
    NoIdentifier { reporter: String },
}

impl Skipped {
    pub fn explain(&self, grant: &grant::Model) -> String {
        let reference = &grant.reference;
        match self {
            Self::NoReporter => {
                format!("grant {reference} is left out: its reporting organisation is unknown")
            }
            Self::ReporterIncomplete { reporter, what } => format!(
                "grant {reference} is left out: its reporting organisation ({reporter}) has no \
                 IATI {what}; set it with updateOrganisation"
            ),
            Self::NoIdentifier { reporter } => format!(
                "grant {reference} is left out: its reporting organisation ({reporter}) has no \
                 IATI identifier and neither has the grant; set Organisation.identifier or \
                 Grant.iatiIdentifier"
            ),
        }
    }
}

fn org_name(org: &organisation::Model) -> String {
    match &org.acronym {
        Some(acronym) => format!("{} ({acronym})", org.name),
        None => org.name.clone(),
    }
}

fn date(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// A participating organisation: its identifier and type where known.
fn participating(w: &mut XmlWriter, org: &organisation::Model, role_code: &str) {
    w.start("participating-org");
    if let Some(identifier) = &org.identifier {
        w.attr("ref", identifier);
    }
    if let Some(kind) = org.iati_type {
        w.attr("type", kind.as_str());
    }
    w.attr("role", role_code);
    w.narrative(&org_name(org));
    w.end();
}

fn outcome_kind(kind: OutcomeKind) -> &'static str {
    match kind {
        OutcomeKind::PolicyCommitment => "Policy commitment",
        OutcomeKind::PolicyChange => "Policy change",
        OutcomeKind::PracticeChange => "Practice change",
        OutcomeKind::Capacity => "Capacity",
        OutcomeKind::Partnership => "Partnership",
        OutcomeKind::Other => "Other outcome",
    }
}

/// Writes `grant` as one `iati-activity`, or says why it cannot be one.
pub fn write(
    w: &mut XmlWriter,
    page: &Page,
    grant: &grant::Model,
    today: NaiveDate,
) -> Result<std::result::Result<(), Skipped>> {
    let scheme = page.schemes.get(&grant.scheme_id);
    let reporter_id = grant
        .reporting_org_id
        .or_else(|| scheme.map(|s| s.funder_id));
    let Some(reporter) = reporter_id.and_then(|id| page.organisations.get(&id)) else {
        return Ok(Err(Skipped::NoReporter));
    };
    let Some(reporter_ref) = &reporter.identifier else {
        return Ok(Err(match grant.iati_identifier {
            Some(_) => Skipped::ReporterIncomplete {
                reporter: reporter.name.clone(),
                what: "identifier",
            },
            None => Skipped::NoIdentifier {
                reporter: reporter.name.clone(),
            },
        }));
    };
    let Some(reporter_type) = reporter.iati_type else {
        return Ok(Err(Skipped::ReporterIncomplete {
            reporter: reporter.name.clone(),
            what: "organisation type (iatiType)",
        }));
    };
    let identifier = grant
        .iati_identifier
        .clone()
        .unwrap_or_else(|| derived_activity_identifier(reporter_ref, &grant.reference));
    let sectors = sectors_of(grant)?;
    let markers = policy_markers_of(grant)?;

    w.start("iati-activity")
        .attr(
            "last-updated-datetime",
            &grant.updated_at.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        )
        .attr("xml:lang", "en")
        .attr("default-currency", &grant.currency);
    w.start("iati-identifier").text(&identifier).end();
    w.start("reporting-org")
        .attr("ref", reporter_ref)
        .attr("type", reporter_type.as_str());
    w.narrative(&org_name(reporter));
    w.end();
    w.narrative_element("title", &grant.title);

    // Descriptions: the grant's own, and its objectives; IATI needs at least one, so a grant
    // with neither is described by its title.
    let objectives = page.objectives.get(&grant.id);
    if let Some(description) = &grant.description {
        w.start("description")
            .attr("type", description_type::GENERAL)
            .narrative(description)
            .end();
    }
    if let Some(objectives) = objectives.filter(|o| !o.is_empty()) {
        let text = objectives
            .iter()
            .map(|o| format!("Objective {}: {}", o.number, o.statement))
            .collect::<Vec<_>>()
            .join("\n");
        w.start("description")
            .attr("type", description_type::OBJECTIVES)
            .narrative(&text)
            .end();
    } else if grant.description.is_none() {
        w.start("description")
            .attr("type", description_type::GENERAL)
            .narrative(&grant.title)
            .end();
    }

    // Who takes part: the scheme's funder funds (1), its manager extends the grant (3), the
    // grantee implements it (4), and so do the organisations that co-organised its activities.
    if let Some(scheme) = scheme {
        if let Some(funder) = page.organisations.get(&scheme.funder_id) {
            participating(w, funder, role::FUNDING);
        }
        if let Some(manager) = page.organisations.get(&scheme.manager_id) {
            participating(w, manager, role::EXTENDING);
        }
    }
    if let Some(grantee) = page.organisations.get(&grant.grantee_id) {
        participating(w, grantee, role::IMPLEMENTING);
    }
    for id in page.organisers.get(&grant.id).into_iter().flatten() {
        if *id == grant.grantee_id {
            continue;
        }
        if let Some(org) = page.organisations.get(id) {
            participating(w, org, role::IMPLEMENTING);
        }
    }

    w.empty(
        "activity-status",
        &[("code", codelists::activity_status(grant.status))],
    );
    // Planned dates are the funding period; actual ones only once they have happened.
    let (start, end) = (date(grant.start_date), date(grant.end_date));
    w.empty(
        "activity-date",
        &[("type", date_type::PLANNED_START), ("iso-date", &start)],
    );
    if grant.start_date <= today {
        w.empty(
            "activity-date",
            &[("type", date_type::ACTUAL_START), ("iso-date", &start)],
        );
    }
    w.empty(
        "activity-date",
        &[("type", date_type::PLANNED_END), ("iso-date", &end)],
    );
    if grant.status == GrantStatus::Closed && grant.end_date <= today {
        w.empty(
            "activity-date",
            &[("type", date_type::ACTUAL_END), ("iso-date", &end)],
        );
    }

    if let Some(country) = &grant.recipient_country {
        w.empty(
            "recipient-country",
            &[("code", country), ("percentage", "100")],
        );
    }
    for sector in &sectors {
        w.start("sector")
            .attr("vocabulary", codelists::SECTOR_VOCABULARY_DAC)
            .attr("code", &sector.code)
            .attr("percentage", &sector.percentage.to_string());
        if let Some(name) = codelists::dac_sector_name(&sector.code) {
            w.narrative(name);
        }
        w.end();
    }
    for marker in &markers {
        w.empty(
            "policy-marker",
            &[
                ("vocabulary", codelists::POLICY_MARKER_VOCABULARY_DAC),
                ("code", marker.code.code()),
                ("significance", &marker.significance.to_string()),
            ],
        );
    }

    // A budget for each tranche: money awarded for part of the funding period.
    let digits = minor_digits_of(&grant.currency);
    for tranche in page.tranches.get(&grant.id).into_iter().flatten() {
        let from = date(tranche.start_date);
        w.start("budget")
            .attr("type", codelists::BUDGET_TYPE_ORIGINAL)
            .attr("status", codelists::BUDGET_STATUS_COMMITTED);
        w.empty("period-start", &[("iso-date", &from)]);
        w.empty("period-end", &[("iso-date", &date(tranche.end_date))]);
        w.start("value")
            .attr("currency", &tranche.currency)
            .attr("value-date", &from)
            .text(&format_minor(tranche.amount_minor, digits))
            .end();
        w.end();
    }

    write_results(w, page, grant);
    w.end();
    Ok(Ok(()))
}

/// Results: one output per objective with its indicators' baselines, targets and actuals per
/// published report; the people who took part, per report, with the women, men and people
/// with disabilities among them where recorded; and the qualitative outcomes.
fn write_results(w: &mut XmlWriter, page: &Page, grant: &grant::Model) {
    let reports = page.reports.get(&grant.id).map_or(&[][..], Vec::as_slice);
    for objective in page.objectives.get(&grant.id).into_iter().flatten() {
        let Some(indicators) = page.indicators.get(&objective.id).filter(|i| !i.is_empty()) else {
            continue;
        };
        w.start("result").attr("type", result_type::OUTPUT);
        w.narrative_element(
            "title",
            &format!("Objective {}: {}", objective.number, objective.statement),
        );
        for indicator in indicators {
            w.start("indicator").attr("measure", measure::UNIT);
            w.narrative_element("title", &indicator.statement);
            w.narrative_element("description", &format!("Counted in {}.", indicator.unit));
            if let Some(baseline) = &indicator.baseline {
                w.start("baseline")
                    .attr("year", &grant.start_date.format("%Y").to_string())
                    .attr("iso-date", &date(grant.start_date))
                    .attr("value", baseline)
                    .end();
            }
            for result in page.results.get(&indicator.id).into_iter().flatten() {
                let Some(report) = reports.iter().find(|r| r.id == result.report_id) else {
                    continue;
                };
                w.start("period");
                w.empty("period-start", &[("iso-date", &date(report.period_start))]);
                w.empty("period-end", &[("iso-date", &date(report.period_end))]);
                if let Some(target) = &indicator.target {
                    w.empty("target", &[("value", target)]);
                }
                w.start("actual").attr("value", &result.actual);
                if let Some(narrative) = &result.narrative {
                    w.narrative_element("comment", narrative);
                }
                w.end();
                w.end();
            }
            w.end();
        }
        w.end();
    }

    let counted: Vec<(&entity::report::Model, &ParticipationTotals)> = reports
        .iter()
        .filter_map(|r| page.participation.get(&r.id).map(|t| (r, t)))
        .filter(|(_, t)| t.total > 0)
        .collect();
    if !counted.is_empty() {
        w.start("result").attr("type", result_type::OUTPUT);
        w.narrative_element("title", "Participation in the grant's activities");
        w.start("indicator").attr("measure", measure::UNIT);
        w.narrative_element(
            "title",
            "People who took part in the grant's activities (each joint event counted once)",
        );
        for (report, totals) in counted {
            w.start("period");
            w.empty("period-start", &[("iso-date", &date(report.period_start))]);
            w.empty("period-end", &[("iso-date", &date(report.period_end))]);
            w.empty("actual", &[("value", &totals.total.to_string())]);
            let parts = [
                (
                    "sex",
                    "female",
                    totals.female,
                    totals.female_recorded_of,
                    "Sex",
                ),
                ("sex", "male", totals.male, totals.male_recorded_of, "Sex"),
                (
                    "disability",
                    "with disability",
                    totals.with_disability,
                    totals.with_disability_recorded_of,
                    "Disability",
                ),
            ];
            for (name, value, count, recorded_of, what) in parts {
                if recorded_of == 0 {
                    continue;
                }
                w.start("actual").attr("value", &count.to_string());
                w.empty("dimension", &[("name", name), ("value", value)]);
                if recorded_of < totals.total {
                    w.narrative_element(
                        "comment",
                        &format!(
                            "{what} recorded for {recorded_of} of the {} participants",
                            totals.total
                        ),
                    );
                }
                w.end();
            }
            w.end();
        }
        w.end();
        w.end();
    }

    let outcomes = page.outcomes.get(&grant.id).map_or(&[][..], Vec::as_slice);
    if !outcomes.is_empty() {
        w.start("result").attr("type", result_type::OUTCOME);
        w.narrative_element("title", "Outcomes the grant's activities led to");
        for outcome in outcomes {
            let Some(report) = reports.iter().find(|r| r.id == outcome.report_id) else {
                continue;
            };
            w.start("indicator").attr("measure", measure::QUALITATIVE);
            w.narrative_element("title", outcome_kind(outcome.kind));
            let mut details = vec![outcome.statement.clone()];
            if let Some(actor) = &outcome.actor {
                details.push(format!("Who: {actor}"));
            }
            if let Some(institution) = &outcome.institution {
                details.push(format!("Institution: {institution}"));
            }
            if let Some(evidence) = &outcome.evidence {
                details.push(format!("Evidence: {evidence}"));
            }
            if let Some(activity) = page.activities.get(&outcome.activity_id) {
                details.push(format!(
                    "Following: {} ({})",
                    activity.title,
                    date(activity.start_date)
                ));
            }
            if let Some(on) = outcome.date {
                details.push(format!("Date: {}", date(on)));
            }
            w.narrative_element("description", &details.join("\n"));
            w.start("period");
            w.empty("period-start", &[("iso-date", &date(report.period_start))]);
            w.empty("period-end", &[("iso-date", &date(report.period_end))]);
            w.start("actual");
            w.narrative_element("comment", &outcome.statement);
            w.end();
            w.end();
            w.end();
        }
        w.end();
    }
}
