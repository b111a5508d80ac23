//! sea-orm entities: one module a table, no rules. What a row may hold is decided in the `api`
//! crate's domain layer and, where the database can, by the migrations' constraints.

pub mod activity;
pub mod activity_organiser;
pub mod activity_total;
pub mod audit_event;
pub mod case_study;
pub mod correction;
pub mod enums;
pub mod export_link;
pub mod funding_period;
pub mod grant;
pub mod idempotency_key;
pub mod indicator;
pub mod indicator_result;
pub mod indicator_result_activity;
pub mod joint_membership;
pub mod lesson;
pub mod objective;
pub mod organisation;
pub mod outcome;
pub mod participation;
pub mod report;
pub mod scheme;
