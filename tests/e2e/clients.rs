//! The GraphQL clients people already use, run against the real server: each test starts it,
//! runs one script of `tests/clients/` with the server's address and a token, and passes when
//! the script does (see `portfolio_tests::clients`; skipped, or failed under `CI=true`, when
//! Node.js or the Python environment is missing).

use portfolio_tests::clients::{self, Runtime};
use portfolio_tests::{on_both_databases, on_one_database};

// A grantee's token is checked against its organisation, and persisted queries and the Python
// client read data: these run on both databases.
on_both_databases! {
    async fn graphiql_apollo_and_graphql_js_introspection_work_for_every_role_and_deep_queries_stay_refused(app) {
        let demo = app.demo().await;
        let roles = [
            ("analyst", app.analyst()),
            ("scheme manager", app.manager()),
            ("grantee", app.grantee(demo.grantee)),
        ];
        for (role, token) in roles {
            let Some(run) = clients::run(&app, Runtime::Node, "introspection.mjs", &token).await else {
                return;
            };
            run.assert_passed(&format!("introspection as {role}"));
        }
    }

    async fn apollo_client_sends_a_persisted_query_in_full_once_then_its_hash_alone(app) {
        app.seed_demo().await;
        if let Some(run) = clients::run(&app, Runtime::Node, "apollo.mjs", &app.analyst()).await {
            run.assert_passed("Apollo Client with persisted queries");
        }
    }

    async fn python_gql_fetches_the_schema_and_runs_the_readme_snippet(app) {
        let demo = app.demo().await;
        let token = app.grantee(demo.grantee);
        if let Some(run) = clients::run(&app, Runtime::Python, "gql_client.py", &token).await {
            run.assert_passed("Python gql");
            assert!(run.output.contains("totalCount 1"), "the grantee sees its one grant:\n{}", run.output);
        }
    }
}

// The audit and code generation read the schema and the request handling, never a table.
on_one_database! {
    async fn graphql_over_http_audit_passes_every_must_and_the_readme_explains_every_failing_should(app) {
        if let Some(run) = clients::run(&app, Runtime::Node, "http-audit.mjs", &app.analyst()).await {
            run.assert_passed("the graphql-http audit");
        }
    }

    async fn codegen_types_every_readme_operation_from_the_live_schema(app) {
        if let Some(run) = clients::run(&app, Runtime::Node, "codegen.mjs", &app.manager()).await {
            run.assert_passed("GraphQL Code Generator");
        }
    }
}
