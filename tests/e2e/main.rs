//! End-to-end tests: each starts the real server on a random port with its own database and
//! speaks GraphQL over HTTP to it, once on SQLite and once on PostgreSQL (`on_both_databases!`),
//! or only on SQLite when the server answers without reading or writing any data
//! (`on_one_database!`). Mutations go through the helpers in `portfolio_tests::mutations`,
//! starting points come from `portfolio_tests::fixtures`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod access;
mod browser;
mod clients;
mod demo;
mod export;
mod figures;
mod filing;
mod hardening;
mod iati;
mod ops;
mod outage;
mod protocol;
mod queries;
mod shutdown;
mod tokens;
mod writes;
