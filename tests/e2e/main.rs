//! End-to-end tests: each starts the real server on a random port with its own database and
//! speaks GraphQL over HTTP to it, once on SQLite and once on PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod access;
mod demo;
mod filing;
mod ops;
mod queries;
mod tokens;
mod writes;
