//! Opening a report on a grant and changing its period, kind, due date or author.

use chrono::{NaiveDate, Utc};
use entity::enums::{ReportKind, ReportStatus};
use entity::report;
use sea_orm::ActiveValue::{NotSet, Set};
use serde_json::{Value, json};
use uuid::Uuid;

use super::{Lock, report_in};
use crate::domain::actor::Actor;
use crate::domain::idempotency;
use crate::domain::policy::{ensure_can_edit_report, ensure_can_write};
use crate::domain::portfolio::{grant_for_write, grant_of, grant_period};
use crate::domain::scope;
use crate::domain::values::{
    DateRange, caps, date_range, limits, optional_date, optional_text, parse_date, required_text,
};
use crate::domain::write::{Owner, Tx, Write, ensure_current_version};
use crate::error::{Problems, Result};

/// Who prepared a report, as a client sends it.
#[derive(Clone, Debug, serde::Deserialize)]
pub struct PersonText {
    pub name: String,
    pub role: Option<String>,
}

/// A checked person: a name, and a role if given.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Person {
    pub name: String,
    pub role: Option<String>,
}

impl PersonText {
    fn check(&self, p: &mut Problems, field: &str) -> Option<Person> {
        let name = p.take(required_text(
            &format!("{field}.name"),
            &self.name,
            limits::PERSON,
        ));
        let role = p.take(optional_text(
            &format!("{field}.role"),
            self.role.as_deref(),
            limits::NAME,
        ));
        Some(Person {
            name: name?,
            role: role?,
        })
    }
}

/// `createReport`: a new DRAFT report on a grant, its period inside the grant's.
#[derive(Clone, Debug)]
pub struct CreateReport {
    pub grant_id: Uuid,
    pub kind: ReportKind,
    pub period_start: String,
    pub period_end: String,
    pub due_date: String,
    pub prepared_by: PersonText,
    pub idempotency_key: Option<String>,
}

#[derive(Clone, Debug)]
pub struct NewReport {
    pub grant_id: Uuid,
    pub kind: ReportKind,
    pub period: DateRange,
    pub due_date: NaiveDate,
    pub prepared_by: Person,
}

impl Write for CreateReport {
    const ACTION: &'static str = "createReport";
    type Checked = NewReport;
    type Output = report::Model;

    fn check(&self) -> Result<NewReport> {
        let mut p = Problems::new();
        let period = date_range(
            &mut p,
            "periodStart",
            &self.period_start,
            "periodEnd",
            &self.period_end,
        );
        let due_date = p.take(parse_date("dueDate", &self.due_date));
        let prepared_by = self.prepared_by.check(&mut p, "preparedBy");
        p.into_result()?;
        Ok(NewReport {
            grant_id: self.grant_id,
            kind: self.kind,
            period: Problems::checked(period)?,
            due_date: Problems::checked(due_date)?,
            prepared_by: Problems::checked(prepared_by)?,
        })
    }

    fn authorize(actor: &Actor) -> Result<()> {
        ensure_can_write(actor)
    }

    fn idempotency_key(&self) -> Option<&str> {
        self.idempotency_key.as_deref()
    }

    fn canonical(new: &NewReport) -> Option<Value> {
        Some(json!({
            "grantId": new.grant_id,
            "kind": new.kind.as_str(),
            "periodStart": new.period.start(),
            "periodEnd": new.period.end(),
            "dueDate": new.due_date,
            "preparedBy": { "name": new.prepared_by.name, "role": new.prepared_by.role },
        }))
    }

    async fn replay(tx: &Tx<'_>, id: Uuid) -> Result<report::Model> {
        scope::find_visible::<report::Entity, _>(tx.db(), tx.actor(), report::Column::Id, id)
            .await?
            .ok_or_else(idempotency::created_object_gone)
    }

    fn created_id(report: &report::Model) -> Option<Uuid> {
        Some(report.id)
    }

    async fn apply(new: &NewReport, tx: &Tx<'_>) -> Result<report::Model> {
        let grant = grant_for_write(tx.db(), tx.actor(), "grantId", new.grant_id).await?;
        tx.ensure_room::<report::Entity>(
            report::Column::GrantId,
            grant.id,
            caps::REPORTS_PER_GRANT,
            "grantId",
            "reports",
        )
        .await?;
        new.period
            .ensure_within(grant_period(&grant)?, "grant", "periodStart", "periodEnd")?;
        let now = Utc::now();
        let row = report::ActiveModel {
            id: Set(Uuid::now_v7()),
            grant_id: Set(grant.id),
            kind: Set(new.kind),
            period_start: Set(new.period.start()),
            period_end: Set(new.period.end()),
            due_date: Set(new.due_date),
            prepared_by_name: Set(new.prepared_by.name.clone()),
            prepared_by_role: Set(new.prepared_by.role.clone()),
            submitted_at: Set(None),
            status: Set(ReportStatus::Draft),
            return_reason: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
            version: Set(1),
        };
        let model = tx.insert(Self::ACTION, Owner::grant(&grant), row).await?;
        Ok(model)
    }
}

/// `updateReport`: the report's kind, period, due date or author, while it may be edited.
#[derive(Clone, Debug)]
pub struct UpdateReport {
    pub id: Uuid,
    pub version: i32,
    pub kind: Option<ReportKind>,
    pub period_start: Option<String>,
    pub period_end: Option<String>,
    pub due_date: Option<String>,
    pub prepared_by: Option<PersonText>,
}

#[derive(Clone, Debug)]
pub struct ReportChanges {
    pub id: Uuid,
    pub version: i32,
    pub kind: Option<ReportKind>,
    pub period_start: Option<NaiveDate>,
    pub period_end: Option<NaiveDate>,
    pub due_date: Option<NaiveDate>,
    pub prepared_by: Option<Person>,
}

impl Write for UpdateReport {
    const ACTION: &'static str = "updateReport";
    type Checked = ReportChanges;
    type Output = report::Model;

    fn check(&self) -> Result<ReportChanges> {
        let mut p = Problems::new();
        let period_start = optional_date(&mut p, "periodStart", self.period_start.as_deref());
        let period_end = optional_date(&mut p, "periodEnd", self.period_end.as_deref());
        let due_date = optional_date(&mut p, "dueDate", self.due_date.as_deref());
        let prepared_by = match &self.prepared_by {
            Some(person) => person.check(&mut p, "preparedBy").map(Some),
            None => Some(None),
        };
        p.into_result()?;
        Ok(ReportChanges {
            id: self.id,
            version: self.version,
            kind: self.kind,
            period_start: Problems::checked(period_start)?,
            period_end: Problems::checked(period_end)?,
            due_date: Problems::checked(due_date)?,
            prepared_by: Problems::checked(prepared_by)?,
        })
    }

    fn authorize(actor: &Actor) -> Result<()> {
        ensure_can_write(actor)
    }

    async fn apply(changes: &ReportChanges, tx: &Tx<'_>) -> Result<report::Model> {
        let (db, actor) = (tx.db(), tx.actor());
        let before = report_in(db, actor, "id", changes.id, Lock::Exclusive).await?;
        ensure_can_edit_report(actor, &before)?;
        ensure_current_version("report", before.version, changes.version)?;
        let grant = grant_of(db, actor, before.grant_id).await?;
        let period = DateRange::new(
            changes.period_start.unwrap_or(before.period_start),
            changes.period_end.unwrap_or(before.period_end),
            if changes.period_end.is_some() {
                "periodEnd"
            } else {
                "periodStart"
            },
        )?;
        period.ensure_within(grant_period(&grant)?, "grant", "periodStart", "periodEnd")?;
        tx.bump_version::<report::Entity>(before.id, changes.version)
            .await?;
        let mut model: report::ActiveModel = before.clone().into();
        model.version = NotSet;
        if let Some(kind) = changes.kind {
            model.kind = Set(kind);
        }
        model.period_start = Set(period.start());
        model.period_end = Set(period.end());
        if let Some(due) = changes.due_date {
            model.due_date = Set(due);
        }
        if let Some(person) = &changes.prepared_by {
            model.prepared_by_name = Set(person.name.clone());
            model.prepared_by_role = Set(person.role.clone());
        }
        model.updated_at = Set(Utc::now());
        let after = tx
            .update(Self::ACTION, Owner::grant(&grant), &before, model)
            .await?;
        Ok(after)
    }
}
