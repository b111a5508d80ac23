//! The service layer: rules, permissions and transactions. It takes a database connection and
//! the [`actor::Actor`] asking, never a GraphQL context. Every change goes through the one write
//! frame in [`write`]; the rest is arranged by aggregate:
//!
//! - [`portfolio`]: organisations, schemes, grants, tranches, objectives and indicators;
//! - [`report`]: reports, their editing and their workflow;
//! - [`content`]: what a report contains (activities, outcomes, indicator results, lessons,
//!   case studies);
//! - [`summary`]: the dashboard's totals; [`audit`]: the trail every write leaves;
//! - [`scope`] (who sees what), [`policy`] (who may change what) and [`values`] (input that
//!   cannot hold a bad value).

pub mod actor;
pub mod audit;
pub mod bundle;
pub mod content;
pub mod idempotency;
pub mod page;
pub mod policy;
pub mod portfolio;
pub mod report;
pub mod scope;
pub mod summary;
pub mod totals;
pub mod values;
pub mod write;
