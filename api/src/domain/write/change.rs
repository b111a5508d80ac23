//! What the frame needs to know of the tables it writes (their `version` column, their name in
//! the audit trail) and how a change is described for the audit trail.

use sea_orm::{DbErr, EntityTrait};
use serde::Serialize;
use serde_json::Value;
use uuid::Uuid;

use crate::error::{Error, Result};

/// A table whose rows carry an optimistic-locking `version`.
pub trait Versioned: EntityTrait {
    /// How an error names it: "activity", "indicator result".
    const WHAT: &'static str;
    fn id_column() -> Self::Column;
    fn version_column() -> Self::Column;
}

macro_rules! versioned {
    ($($module:ident => $what:literal),+ $(,)?) => {
        $(impl Versioned for entity::$module::Entity {
            const WHAT: &'static str = $what;
            fn id_column() -> Self::Column {
                entity::$module::Column::Id
            }
            fn version_column() -> Self::Column {
                entity::$module::Column::Version
            }
        })+
    };
}

versioned!(
    organisation => "organisation",
    grant => "grant",
    report => "report",
    activity => "activity",
    outcome => "outcome",
    indicator_result => "indicator result",
    lesson => "lesson",
    case_study => "case study",
);

/// A table whose rows the audit trail names.
pub trait Audited: EntityTrait {
    /// Its name in the audit trail: "Activity", "IndicatorResult".
    const NAME: &'static str;
    fn id(model: &Self::Model) -> Uuid;
}

macro_rules! audited {
    ($($module:ident => $name:literal),+ $(,)?) => {
        $(impl Audited for entity::$module::Entity {
            const NAME: &'static str = $name;
            fn id(model: &Self::Model) -> Uuid {
                model.id
            }
        })+
    };
}

audited!(
    organisation => "Organisation",
    scheme => "Scheme",
    grant => "Grant",
    funding_period => "FundingPeriod",
    objective => "Objective",
    indicator => "Indicator",
    report => "Report",
    activity => "Activity",
    outcome => "Outcome",
    indicator_result => "IndicatorResult",
    lesson => "Lesson",
    case_study => "CaseStudy",
);

/// Turns a unique-constraint violation into a `BAD_USER_INPUT` on the field that must be unique.
pub fn unique_as(err: DbErr, field: &str, message: &str) -> Error {
    match err.sql_err() {
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => Error::bad_input(field, message),
        _ => err.into(),
    }
}

/// Whose object a change is: who else may read its audit event.
#[derive(Clone, Copy, Debug, Default)]
pub struct Owner {
    /// The grantee organisation the object belongs to, if any.
    pub org_id: Option<Uuid>,
    pub grant_id: Option<Uuid>,
}

impl Owner {
    /// Everything under a grant belongs to its grantee.
    pub fn grant(grant: &entity::grant::Model) -> Self {
        Self {
            org_id: Some(grant.grantee_id),
            grant_id: Some(grant.id),
        }
    }

    /// Organisations and schemes belong to no grant.
    pub fn portfolio() -> Self {
        Self::default()
    }
}

/// What a write changed, for the audit trail.
pub struct Change {
    pub action: &'static str,
    pub entity: &'static str,
    pub entity_id: Uuid,
    pub owner: Owner,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

impl Change {
    pub fn created(
        action: &'static str,
        entity: &'static str,
        id: Uuid,
        owner: Owner,
        after: &impl Serialize,
    ) -> Result<Self> {
        Ok(Self {
            action,
            entity,
            entity_id: id,
            owner,
            before: None,
            after: Some(snapshot(after)?),
        })
    }

    pub fn updated(
        action: &'static str,
        entity: &'static str,
        id: Uuid,
        owner: Owner,
        before: &impl Serialize,
        after: &impl Serialize,
    ) -> Result<Self> {
        Ok(Self {
            action,
            entity,
            entity_id: id,
            owner,
            before: Some(snapshot(before)?),
            after: Some(snapshot(after)?),
        })
    }

    pub fn deleted(
        action: &'static str,
        entity: &'static str,
        id: Uuid,
        owner: Owner,
        before: &impl Serialize,
    ) -> Result<Self> {
        Ok(Self {
            action,
            entity,
            entity_id: id,
            owner,
            before: Some(snapshot(before)?),
            after: None,
        })
    }
}

/// The JSON image of an object for `before`/`after`.
pub fn snapshot<T: Serialize>(value: &T) -> Result<Value> {
    serde_json::to_value(value).map_err(Error::internal)
}
