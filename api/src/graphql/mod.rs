//! The GraphQL schema: one module per area, joined with `MergedObject`. Resolvers are thin:
//! each turns its input into the domain's write (or query) and maps the result. Each module
//! holds one part of the schema: its types, its queries and its mutations.

pub mod activity;
pub mod audit;
pub mod batch;
pub mod case_study;
pub mod common;
pub mod correction;
pub mod cost;
pub mod depth;
pub mod documents;
pub mod export;
pub mod grant;
pub mod indicator_result;
pub mod input;
pub mod lesson;
pub mod loaders;
pub mod node;
pub mod operation;
pub mod organisation;
pub mod outcome;
pub mod prefetch;
pub mod report;
pub mod scalars;
pub mod summary;

use async_graphql::extensions::Tracing;
use async_graphql::{
    EmptySubscription, MergedObject, Request, Response, SDLExportOptions, Schema, SchemaBuilder,
    ValidationMode,
};
use sea_orm::DatabaseConnection;

use std::sync::Arc;

use crate::domain::write::Writer;
use crate::settings::Environment;
use cost::{Costing, RateLimiter};

/// What a caller may read. Every list and lookup is scoped to the caller's token: scheme
/// managers and analysts see the whole portfolio, a grantee only its own organisation's grants
/// and everything under them (another grantee's object reads as if it did not exist). Needs
/// a valid bearer token; without one every request, introspection included, is
/// `UNAUTHENTICATED`.
#[derive(MergedObject, Default)]
#[graphql(name = "Query")]
pub struct QueryRoot(
    organisation::OrganisationQuery,
    grant::GrantQuery,
    report::ReportQuery,
    activity::ActivityQuery,
    summary::SummaryQuery,
    audit::AuditQuery,
    node::NodeQuery,
);

/// What a caller may change. Every mutation takes one `input` argument, runs in one transaction,
/// returns the changed object and records an audit event (`auditEvents`). Analysts may call only
/// `createExportLink` (any other is `FORBIDDEN`). Errors carry `extensions.code`: `BAD_USER_INPUT`
/// with `extensions.field` and `extensions.problems` listing every bad field, `NOT_FOUND` for an id
/// the caller may not see, `FORBIDDEN` for a role that may not make the change, `CONFLICT` for a
/// stale `version`, a report in the wrong state or a reused idempotency key, and `UNAVAILABLE`
/// (`extensions.retryable: true`) when the database could not take the write; nothing is written
/// unless the whole mutation succeeds. Text is trimmed and kept in Unicode NFC; tabs and line
/// breaks are kept, other control characters refused; optional text sent empty is stored as null;
/// lengths count characters.
#[derive(MergedObject, Default)]
#[graphql(name = "Mutation")]
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
    export::ExportMutation,
);

type Engine = Schema<QueryRoot, MutationRoot, EmptySubscription>;

fn builder() -> SchemaBuilder<QueryRoot, MutationRoot, EmptySubscription> {
    Schema::build(
        QueryRoot::default(),
        MutationRoot::default(),
        EmptySubscription,
    )
    .register_input_type::<scalars::LibraryScalars>()
    .limit_recursive_depth(32)
    .limit_directives(20)
}

/// The schema the service runs, as two engines over the same types.
///
/// The gate parses each request, bounds its depth (`depth::DepthLimit`, which measures
/// introspection apart), validates it, prices it and takes its cost from the caller's allowance
/// (`cost::Costing`), and names its operation (`operation::Gate`), then stops. Only a request it
/// lets through runs, on an engine without extensions: async-graphql passes every field of
/// every object through the extensions' hooks when there is any extension at all (a dashboard
/// page resolves some 6,000 fields), even hooks that do nothing. The document is parsed once.
pub struct AppSchema {
    gate: Engine,
    run: Engine,
    documents: documents::Documents,
}

impl AppSchema {
    /// Gives `request` its parsed document, kept from an earlier request with the same query
    /// when there was one (`documents`).
    pub fn parse(&self, request: &mut Request) {
        self.documents.parse(request);
    }

    /// Answers `request`, whose data must hold the caller's `Actor` (if any), the request's
    /// loaders and its `OperationSlot`; `per_run` adds the same data to the request that runs.
    pub async fn execute(
        &self,
        mut request: Request,
        slot: &operation::OperationSlot,
        per_run: impl FnOnce(Request) -> Request,
    ) -> Response {
        let document = request.parsed_query().ok().cloned();
        let mut run = Request::new(request.query.clone()).variables(request.variables.clone());
        run.operation_name.clone_from(&request.operation_name);
        run.introspection_mode = request.introspection_mode;
        let checked = self.gate.execute(request).await;
        if !checked.errors.is_empty() || slot.name().is_none() {
            return checked;
        }
        if let Some(document) = document {
            run.set_parsed_query(document);
        }
        let mut response = self.run.execute(per_run(run)).await;
        for (name, value) in checked.extensions {
            response.extensions.entry(name).or_insert(value);
        }
        response
    }
}

/// The schema the service runs. In production an unknown field is refused without "Did you
/// mean …" suggestions, which would spell out the schema to a caller exploring it.
pub fn schema(
    db: DatabaseConnection,
    writer: Writer,
    limiter: Arc<RateLimiter>,
    environment: Environment,
    field_tracing: bool,
) -> AppSchema {
    let finish = |builder: SchemaBuilder<QueryRoot, MutationRoot, EmptySubscription>| {
        let builder = builder.data(db.clone()).data(writer.clone());
        match environment {
            Environment::Production => builder.disable_suggestions().finish(),
            Environment::Development => builder.finish(),
        }
    };
    let gate = builder()
        .extension(depth::DepthLimit)
        .extension(Costing::new(limiter))
        .extension(operation::Gate);
    let mut run = builder().validation_mode(ValidationMode::Fast);
    if field_tracing {
        run = run.extension(Tracing);
    }
    AppSchema {
        gate: finish(gate),
        run: finish(run),
        documents: documents::Documents::default(),
    }
}

/// The SDL, as `portfolio-api schema` prints it and `schema.graphql` holds it, with each
/// custom scalar's `@specifiedBy` URL.
pub fn sdl() -> String {
    builder()
        .finish()
        .sdl_with_options(SDLExportOptions::new().include_specified_by())
}

#[cfg(test)]
mod tests {
    //! The schema documents itself: what GraphiQL's docs explorer and generated client types
    //! show is every description read here, through the same introspection they use.

    use async_graphql::Request;
    use async_graphql::parser::parse_query;
    use async_graphql::parser::types::DocumentOperations;
    use serde_json::Value;

    use super::builder;

    const INTROSPECTION: &str = r#"{
      __schema {
        queryType { name }
        mutationType { name }
        types {
          kind name description specifiedByURL
          fields(includeDeprecated: true) { name description args { name description } }
          inputFields { name description }
          enumValues(includeDeprecated: true) { name description }
        }
      }
    }"#;

    /// The scalars GraphQL itself defines, described by the specification.
    const BUILT_IN_SCALARS: [&str; 5] = ["String", "Int", "Float", "Boolean", "ID"];

    async fn introspect() -> Value {
        let response = builder().finish().execute(INTROSPECTION).await;
        assert!(response.errors.is_empty(), "{:?}", response.errors);
        match response.data.into_json() {
            Ok(json) => json["__schema"].clone(),
            Err(err) => panic!("introspection is not JSON: {err}"),
        }
    }

    fn list(value: &Value) -> &[Value] {
        value.as_array().map_or(&[], Vec::as_slice)
    }

    fn text(value: &Value) -> &str {
        value.as_str().unwrap_or_default()
    }

    /// The words of a name or a sentence, lowercased, without articles: `totalFunding`,
    /// `TOTAL_FUNDING` and "The total funding." all read `total funding`.
    fn words(s: &str) -> Vec<String> {
        let mut spaced = String::new();
        let mut previous_lower = false;
        for c in s.chars() {
            if c.is_uppercase() && previous_lower {
                spaced.push(' ');
            }
            previous_lower = c.is_lowercase() || c.is_ascii_digit();
            spaced.push(if c.is_alphanumeric() { c } else { ' ' });
        }
        spaced
            .split_whitespace()
            .map(str::to_lowercase)
            .filter(|w| !matches!(w.as_str(), "the" | "a" | "an" | "its"))
            .collect()
    }

    /// Why a description does not help a reader, if it does not.
    fn fault(name: &str, description: &Value) -> Option<&'static str> {
        let description = text(description).trim();
        if description.is_empty() {
            Some("has no description")
        } else if words(description) == words(name) {
            Some("has a description that only repeats its name")
        } else {
            None
        }
    }

    /// Every element of the schema a reader meets, as (path, name, description).
    fn elements(schema: &Value) -> Vec<(String, String, Value)> {
        let mut found = Vec::new();
        for ty in list(&schema["types"]) {
            let name = text(&ty["name"]);
            if name.starts_with("__") || BUILT_IN_SCALARS.contains(&name) {
                continue;
            }
            found.push((name.to_owned(), name.to_owned(), ty["description"].clone()));
            for field in list(&ty["fields"]) {
                let field_name = text(&field["name"]);
                let path = format!("{name}.{field_name}");
                for arg in list(&field["args"]) {
                    let arg_name = text(&arg["name"]);
                    let arg_path = format!("{path}({arg_name}:)");
                    found.push((arg_path, arg_name.to_owned(), arg["description"].clone()));
                }
                found.push((path, field_name.to_owned(), field["description"].clone()));
            }
            for group in ["inputFields", "enumValues"] {
                for item in list(&ty[group]) {
                    let item_name = text(&item["name"]);
                    let path = format!("{name}.{item_name}");
                    found.push((path, item_name.to_owned(), item["description"].clone()));
                }
            }
        }
        found
    }

    #[tokio::test]
    async fn every_type_field_argument_and_enum_value_has_a_description_a_reader_can_use() {
        let schema = introspect().await;
        let elements = elements(&schema);
        let faults: Vec<String> = elements
            .iter()
            .filter_map(|(path, name, description)| {
                fault(name, description).map(|why| format!("{path} {why}"))
            })
            .collect();
        assert!(
            faults.is_empty(),
            "{} of {} schema elements are not documented:\n{}",
            faults.len(),
            elements.len(),
            faults.join("\n")
        );
    }

    #[tokio::test]
    async fn the_root_types_are_named_query_and_mutation() {
        let schema = introspect().await;
        assert_eq!(schema["queryType"]["name"], "Query");
        assert_eq!(schema["mutationType"]["name"], "Mutation");
    }

    #[tokio::test]
    async fn every_custom_scalar_states_its_format_with_specified_by() {
        let schema = introspect().await;
        let scalars: Vec<&Value> = list(&schema["types"])
            .iter()
            .filter(|ty| ty["kind"] == "SCALAR")
            .filter(|ty| !BUILT_IN_SCALARS.contains(&text(&ty["name"])))
            .collect();
        let names: Vec<&str> = scalars.iter().map(|ty| text(&ty["name"])).collect();
        assert_eq!(names, ["Date", "DateTime", "Decimal", "JSON", "UUID"]);
        for ty in scalars {
            let name = text(&ty["name"]);
            let url = text(&ty["specifiedByURL"]);
            assert!(
                url.starts_with("https://"),
                "{name} has no @specifiedBy URL"
            );
            let description = text(&ty["description"]);
            assert!(
                description.contains('"'),
                "{name} shows no example: {description}"
            );
        }
        let sdl = super::sdl();
        assert!(sdl.contains(
            r#"scalar UUID @specifiedBy(url: "https://www.rfc-editor.org/rfc/rfc9562")"#
        ));
    }

    /// The ```graphql blocks of the README, each one document.
    fn readme_documents() -> Vec<String> {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md");
        let readme = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let mut documents = Vec::new();
        let mut block: Option<String> = None;
        for line in readme.lines() {
            let fence = line.trim_start().starts_with("```");
            match &mut block {
                None if line.trim_start().starts_with("```graphql") => block = Some(String::new()),
                Some(_) if fence => documents.extend(block.take()),
                Some(text) => {
                    text.push_str(line);
                    text.push('\n');
                }
                None => {}
            }
        }
        documents
    }

    #[tokio::test]
    async fn every_readme_operation_is_named_and_fits_the_schema() {
        let schema = builder().finish();
        let documents = readme_documents();
        assert!(documents.len() >= 4, "the README's examples were not found");
        for document in documents {
            let parsed = parse_query(&document).unwrap_or_else(|e| panic!("{e}\n{document}"));
            let DocumentOperations::Multiple(operations) = parsed.operations else {
                panic!("the README has an anonymous operation; name it:\n{document}");
            };
            for name in operations.keys() {
                let request = Request::new(document.clone()).operation_name(name.as_str());
                let response = schema.execute(request).await;
                // Errors without a path are the schema's validation refusing the document;
                // errors with one come from resolvers, which run here with no caller.
                let invalid: Vec<String> = response
                    .errors
                    .iter()
                    .filter(|e| e.path.is_empty())
                    .map(|e| e.message.clone())
                    .collect();
                assert!(invalid.is_empty(), "README operation {name}: {invalid:?}");
            }
        }
    }

    #[test]
    fn a_description_that_repeats_the_name_is_no_description() {
        let undocumented = Value::Null;
        assert!(fault("reference", &undocumented).is_some());
        assert!(fault("reference", &Value::from("  ")).is_some());
        assert!(fault("grantId", &Value::from("The grant id.")).is_some());
        assert!(fault("TOTAL_FUNDING", &Value::from("Total funding")).is_some());
        let useful = Value::from("The scheme's reference for the grant, unique within its scheme.");
        assert!(fault("reference", &useful).is_none());
    }
}
