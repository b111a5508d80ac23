//! The service layer: rules, permissions and transactions. It takes a database connection and
//! the [`actor::Actor`] asking, never a GraphQL context.

pub mod actor;
pub mod audit;
pub mod filing;
pub mod idempotency;
pub mod page;
pub mod policy;
pub mod portfolio;
pub mod reporting;
pub mod scope;
pub mod summary;
pub mod tx;
pub mod values;
