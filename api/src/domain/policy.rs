//! Who may write what. Each rule is a named function, called first inside the write's
//! transaction with the row it guards, read there (through `scope`, so an object outside a
//! grantee's scope is already `NOT_FOUND` before any rule runs).

use entity::enums::ReportStatus;
use entity::report;

use super::actor::{Access, Actor};
use crate::error::{Error, Result};

/// Anything that writes: everyone but analysts, who read everything and write nothing.
pub fn ensure_can_write(actor: &Actor) -> Result<()> {
    match actor.access {
        Access::Analyst => Err(read_only()),
        Access::SchemeManager | Access::Grantee(_) => Ok(()),
    }
}

/// The service's own counters (`/metrics`) describe the whole portfolio: scheme managers and
/// analysts only.
pub fn ensure_can_read_metrics(actor: &Actor) -> Result<()> {
    match actor.access {
        Access::SchemeManager | Access::Analyst => Ok(()),
        Access::Grantee(_) => Err(Error::forbidden(
            "the service's metrics cover every grantee; grantees cannot read them",
        )),
    }
}

/// Exporting (CSV, Excel, IATI) and making export links: every role. An export is a read,
/// scoped like every read (a grantee's file holds only its own organisation's data); it is
/// recorded in the audit trail, which is why it passes through the write frame at all.
pub fn ensure_can_export(actor: &Actor) -> Result<()> {
    match actor.access {
        Access::SchemeManager | Access::Analyst | Access::Grantee(_) => Ok(()),
    }
}

fn read_only() -> Error {
    Error::forbidden("analysts have read-only access")
}

/// Organisations, schemes, grants and their money, objectives and indicators: scheme managers only.
pub fn ensure_can_manage_portfolio(actor: &Actor) -> Result<()> {
    match actor.access {
        Access::SchemeManager => Ok(()),
        Access::Analyst => Err(read_only()),
        Access::Grantee(_) => Err(Error::forbidden(
            "grantees cannot change grants, money, schemes or organisations",
        )),
    }
}

/// Changing a report or anything under it (activities, outcomes, results, lessons, case studies).
/// A grantee edits only while the report is `DRAFT` or `RETURNED`; nobody edits an `ACCEPTED` one.
pub fn ensure_can_edit_report(actor: &Actor, report: &report::Model) -> Result<()> {
    match actor.access {
        Access::Analyst => Err(read_only()),
        Access::Grantee(_) => match report.status {
            ReportStatus::Draft | ReportStatus::Returned => Ok(()),
            status => Err(Error::conflict(format!(
                "the report is {}; it can be changed only while DRAFT or RETURNED",
                status.as_str()
            ))),
        },
        Access::SchemeManager => match report.status {
            ReportStatus::Accepted => Err(Error::conflict(
                "the report is ACCEPTED, which is final; it can no longer be changed",
            )),
            _ => Ok(()),
        },
    }
}

/// Linking activities as one joint event, or unlinking one. It changes no report's content, only
/// how the portfolio counts the event: a grantee links its own activities while their reports
/// are `DRAFT` or `RETURNED`, as it edits them; a scheme manager links any, in any state,
/// because duplicates across grantees are found after the reports come in.
pub fn ensure_can_link_joint(actor: &Actor, report: &report::Model) -> Result<()> {
    match actor.access {
        Access::SchemeManager => Ok(()),
        Access::Analyst | Access::Grantee(_) => ensure_can_edit_report(actor, report),
    }
}

/// Submitting: the report's grantee (or a scheme manager on its behalf), from DRAFT or RETURNED.
pub fn ensure_can_submit_report(actor: &Actor, report: &report::Model) -> Result<()> {
    if actor.access == Access::Analyst {
        return Err(read_only());
    }
    match report.status {
        ReportStatus::Draft | ReportStatus::Returned => Ok(()),
        status => Err(Error::conflict(format!(
            "the report is {}; only a DRAFT or RETURNED report can be submitted",
            status.as_str()
        ))),
    }
}

/// Accepting or returning: scheme managers only, and only a SUBMITTED report.
pub fn ensure_can_review_report(actor: &Actor, report: &report::Model) -> Result<()> {
    match actor.access {
        Access::SchemeManager => {}
        Access::Analyst => return Err(read_only()),
        Access::Grantee(_) => {
            return Err(Error::forbidden(
                "only the scheme manager accepts or returns reports",
            ));
        }
    }
    match report.status {
        ReportStatus::Submitted => Ok(()),
        status => Err(Error::conflict(format!(
            "the report is {}; only a SUBMITTED report can be accepted or returned",
            status.as_str()
        ))),
    }
}
