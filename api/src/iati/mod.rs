//! IATI 2.03: the codes the portfolio's IATI data is checked against.

pub mod codelists;
