//! Scheme Portfolio API: a GraphQL service over donor grant schemes, their grants and what
//! grantees report. `main.rs` only parses the command line; everything else lives here so the
//! end-to-end tests run the very same application.

pub mod auth;
pub mod cli;
pub mod db;
pub mod domain;
pub mod error;
pub mod export;
pub mod graphiql;
pub mod graphql;
pub mod http;
pub mod iati;
pub mod metrics;
pub mod persisted;
pub mod seed;
pub mod settings;
pub mod shutdown;
pub mod startup;
pub mod telemetry;
