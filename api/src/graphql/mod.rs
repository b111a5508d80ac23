//! The GraphQL schema: one module per area, joined with `MergedObject`. Resolvers are thin:
//! each turns its input into the domain's write (or query) and maps the result. Each module
//! holds one part of the schema: its types, its queries and its mutations.

pub mod activity;
pub mod audit;
pub mod case_study;
pub mod common;
pub mod correction;
pub mod cost;
pub mod depth;
pub mod grant;
pub mod indicator_result;
pub mod input;
pub mod lesson;
pub mod loaders;
pub mod node;
pub mod operation;
pub mod organisation;
pub mod outcome;
pub mod report;
pub mod scalars;
pub mod summary;

use async_graphql::extensions::Tracing;
use async_graphql::{EmptySubscription, MergedObject, Schema, SchemaBuilder};
use sea_orm::DatabaseConnection;

use std::sync::Arc;

use crate::domain::write::Writer;
use crate::settings::Environment;
use cost::{Costing, RateLimiter};

#[derive(MergedObject, Default)]
pub struct QueryRoot(
    organisation::OrganisationQuery,
    grant::GrantQuery,
    report::ReportQuery,
    activity::ActivityQuery,
    summary::SummaryQuery,
    audit::AuditQuery,
    node::NodeQuery,
);

#[derive(MergedObject, Default)]
pub struct MutationRoot(
    organisation::OrganisationMutation,
    grant::GrantMutation,
    report::ReportMutation,
    activity::ActivityMutation,
    outcome::OutcomeMutation,
    indicator_result::IndicatorResultMutation,
    lesson::LessonMutation,
    case_study::CaseStudyMutation,
    correction::CorrectionMutation,
);

pub type AppSchema = Schema<QueryRoot, MutationRoot, EmptySubscription>;

fn builder() -> SchemaBuilder<QueryRoot, MutationRoot, EmptySubscription> {
    Schema::build(
        QueryRoot::default(),
        MutationRoot::default(),
        EmptySubscription,
    )
    // Depth is bounded by `depth::DepthLimit`, which measures introspection apart.
    .extension(depth::DepthLimit)
    .limit_recursive_depth(32)
    .limit_directives(20)
}

/// The schema the service runs. In production an unknown field is refused without "Did you
/// mean …" suggestions, which would spell out the schema to a caller exploring it.
pub fn schema(
    db: DatabaseConnection,
    writer: Writer,
    limiter: Arc<RateLimiter>,
    environment: Environment,
) -> AppSchema {
    let builder = builder()
        .extension(Tracing)
        .extension(Costing::new(limiter))
        .extension(operation::OperationName)
        .data(db)
        .data(writer);
    match environment {
        Environment::Production => builder.disable_suggestions().finish(),
        Environment::Development => builder.finish(),
    }
}

/// The SDL, as `portfolio-api schema` prints it and `schema.graphql` holds it.
pub fn sdl() -> String {
    builder().finish().sdl()
}
