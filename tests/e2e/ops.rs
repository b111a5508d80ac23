//! What operators and browsers meet before GraphQL: health, readiness, metrics, GraphiQL.

use portfolio_tests::{error_code, on_both_databases, on_one_database};
use serde_json::json;

on_both_databases! {
    async fn readiness_answers_without_a_token_once_the_database_does(app) {
        let ready = app.http().get(format!("{}/readyz", app.address)).send().await.unwrap();
        assert_eq!(ready.status(), 200);
        assert_eq!(ready.text().await.unwrap().trim(), "ready");
    }

    async fn metrics_are_prometheus_text_and_count_requests_and_statements(app) {
        let org = app.new_organisation("A grantee", "GRANTEE").await;
        app.data("{ schemes { id } }", json!({}), &app.analyst()).await;
        let anonymous = app.http().get(format!("{}/metrics", app.address)).send().await.unwrap();
        assert_eq!(anonymous.status(), 401, "nothing but GraphiQL, /healthz and /readyz without a token");
        let grantee = app.http().get(format!("{}/metrics", app.address)).bearer_auth(app.grantee(org)).send().await.unwrap();
        assert_eq!(grantee.status(), 403, "portfolio-wide counters are not a grantee's");
        let text = app.http().get(format!("{}/metrics", app.address)).bearer_auth(app.analyst()).send().await.unwrap().text().await.unwrap();
        assert!(text.contains("# TYPE portfolio_http_requests_total counter"), "{text}");
        assert!(text.contains("portfolio_http_requests_total{method=\"POST\",status=\"200\"} 2"), "{text}");
        assert!(text.contains("portfolio_http_requests_total{method=\"GET\",status=\"401\"} 1"), "{text}");
        // Per operation (as the client named it), the pool, and the build.
        app.data("query Dashboard { me { role } }", json!({}), &app.analyst()).await;
        let text = app.http().get(format!("{}/metrics", app.address)).bearer_auth(app.analyst()).send().await.unwrap().text().await.unwrap();
        assert!(text.contains("portfolio_graphql_operations_total{operation=\"Dashboard\",outcome=\"ok\"} 1"), "{text}");
        assert!(text.contains("portfolio_graphql_operation_duration_seconds_count{operation=\"Dashboard\"} 1"), "{text}");
        assert!(text.contains("portfolio_graphql_operations_total{operation=\"anonymous\",outcome=\"ok\"}"), "{text}");
        assert!(text.contains("portfolio_db_pool_max_connections "), "{text}");
        assert!(text.contains(&format!("portfolio_build_info{{version=\"{}\"}} 1", env!("CARGO_PKG_VERSION"))), "{text}");
        let statements: u64 = text.lines()
            .find_map(|l| l.strip_prefix("portfolio_db_statements_total "))
            .unwrap().parse().unwrap();
        assert!(statements > 0);
    }
}

// The server answers these before any statement runs, whatever database is behind it.
on_one_database! {
    async fn health_answers_without_a_token(app) {
        let health = app.http().get(format!("{}/healthz", app.address)).send().await.unwrap();
        assert_eq!(health.status(), 200);
    }

    async fn a_browser_gets_graphiql_and_operations_over_get_are_refused(app) {
        let page = app.http().get(format!("{}/graphql", app.address)).send().await.unwrap();
        assert_eq!(page.status(), 200);
        assert!(page.text().await.unwrap().to_lowercase().contains("graphiql"));
        let mutation = app.http()
            .get(format!("{}/graphql?query=mutation%7BcreateOrganisation(input%3A%7Bname%3A%22x%22%2Ckind%3AFUNDER%7D)%7Bid%7D%7D", app.address))
            .bearer_auth(app.manager())
            .send().await.unwrap();
        assert_eq!(mutation.status(), 405);
        assert_eq!(app.count("organisations").await, 0);
    }

    async fn without_a_token_nothing_runs_not_even_introspection(app) {
        let response = app.graphql("{ __schema { types { name } } }", json!({}), None).await;
        assert_eq!(error_code(&response), Some("UNAUTHENTICATED"));
        assert!(response.get("data").is_none_or(|d| d.is_null()));
        let response = app.graphql("{ grants { totalCount } }", json!({}), Some("not-a-jwt")).await;
        assert_eq!(error_code(&response), Some("UNAUTHENTICATED"));
    }

    async fn every_answer_and_every_error_carries_its_request_id(app) {
        let request_id = |response: &reqwest::Response| {
            let id = response.headers()["x-request-id"].to_str().unwrap().to_owned();
            assert!(uuid::Uuid::parse_str(&id).is_ok(), "{id}");
            id
        };
        let health = app.http().get(format!("{}/healthz", app.address)).send().await.unwrap();
        request_id(&health);
        let invalid = app.http().post(format!("{}/graphql", app.address)).bearer_auth(app.analyst())
            .json(&json!({ "query": "{ grants { nope } }" })).send().await.unwrap();
        let id = request_id(&invalid);
        let body: serde_json::Value = invalid.json().await.unwrap();
        assert_eq!(body["errors"][0]["extensions"]["requestId"], id.as_str(), "{body}");
        let anonymous = app.http().post(format!("{}/graphql", app.address))
            .json(&json!({ "query": "{ me { sub } }" })).send().await.unwrap();
        let id = request_id(&anonymous);
        let body: serde_json::Value = anonymous.json().await.unwrap();
        assert_eq!(body["errors"][0]["extensions"]["requestId"], id.as_str(), "{body}");
        let ok = app.http().post(format!("{}/graphql", app.address)).bearer_auth(app.analyst())
            .json(&json!({ "query": "{ me { sub } }" })).send().await.unwrap();
        assert_ne!(request_id(&ok), id, "one id per request");
    }

    async fn a_body_not_sent_as_json_is_refused_unread(app) {
        let mutation = r#"{"query":"mutation { createOrganisation(input: { name: \"x\", kind: FUNDER }) { id } }"}"#;
        for content_type in [Some("text/plain"), Some("application/x-www-form-urlencoded"), Some("multipart/form-data; boundary=x"), None] {
            let mut request = app.http().post(format!("{}/graphql", app.address)).bearer_auth(app.manager()).body(mutation);
            if let Some(content_type) = content_type {
                request = request.header("Content-Type", content_type);
            }
            let response = request.send().await.unwrap();
            assert_eq!(response.status(), 415, "{content_type:?}");
            let body: serde_json::Value = response.json().await.unwrap();
            assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{body}");
        }
        assert_eq!(app.count("organisations").await, 0);
        let json = app.http().post(format!("{}/graphql", app.address)).bearer_auth(app.analyst())
            .header("Content-Type", "application/json; charset=utf-8")
            .body(r#"{"query":"{ me { role } }"}"#).send().await.unwrap();
        assert_eq!(json.status(), 200);
    }

    async fn engine_errors_carry_a_code_too(app) {
        let response = app.graphql("{ grants { nope } }", json!({}), Some(&app.analyst())).await;
        assert_eq!(error_code(&response), Some("GRAPHQL_VALIDATION_FAILED"));
    }

    async fn malformed_oversized_and_too_deep_requests_are_refused(app) {
        let post = |body: Vec<u8>| {
            let app = &app;
            async move {
                app.http().post(format!("{}/graphql", app.address))
                    .bearer_auth(app.analyst())
                    .header("Content-Type", "application/json")
                    .body(body).send().await.unwrap()
            }
        };
        let garbage = post(b"query { grants }".to_vec()).await;
        assert_eq!(garbage.status(), 400);
        let body: serde_json::Value = garbage.json().await.unwrap();
        assert_eq!(error_code(&body), Some("BAD_USER_INPUT"));
        let huge = post(format!("{{\"query\": \"{{ me {{ sub }} }}\", \"variables\": {{ \"pad\": \"{}\" }} }}", "x".repeat(2 << 20)).into_bytes()).await;
        assert_eq!(huge.status(), 413);
        let body: serde_json::Value = huge.json().await.unwrap();
        assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{body}");
        let mut deep = String::from("id");
        for _ in 0..5 {
            deep = format!("grants {{ edges {{ node {{ scheme {{ {deep} }} }} }} }}");
        }
        let response = app.graphql(&format!("{{ schemes {{ {deep} }} }}"), json!({}), Some(&app.analyst())).await;
        assert_eq!(error_code(&response), Some("GRAPHQL_VALIDATION_FAILED"), "{response}");
        assert!(response["errors"][0]["message"].as_str().unwrap().contains("levels deep; at most 12 are allowed"), "{response}");
    }
}

/// Field suggestions spell out the schema to whoever probes it: off in production.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn production_suggests_no_field_names() {
    let query = "{ grantz { totalCount } }";
    let development = portfolio_tests::TestApp::spawn(portfolio_tests::Backend::Sqlite)
        .await
        .unwrap();
    let response = development
        .graphql(query, json!({}), Some(&development.analyst()))
        .await;
    assert!(
        response["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("Did you mean"),
        "{response}"
    );
    let production = portfolio_tests::TestApp::spawn_with(portfolio_tests::Backend::Sqlite, |s| {
        s.environment = api::settings::Environment::Production;
    })
    .await
    .unwrap();
    let response = production
        .graphql(query, json!({}), Some(&production.analyst()))
        .await;
    assert_eq!(
        error_code(&response),
        Some("GRAPHQL_VALIDATION_FAILED"),
        "{response}"
    );
    let message = response["errors"][0]["message"].as_str().unwrap();
    assert!(!message.contains("Did you mean"), "{message}");
    assert!(!message.contains("grants"), "{message}");
}

/// Production PostgreSQL is reached over TLS when the URL asks for it (`sslmode=require`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_connections_use_tls_when_the_url_requires_it() {
    use sea_orm::{ConnectionTrait, Statement};
    use std::io::Write;
    let admin = portfolio_tests::postgres::admin_url();
    match sea_orm::Database::connect(format!("{admin}?sslmode=require")).await {
        Ok(conn) => drop(conn.close().await),
        Err(err) => {
            let _ = writeln!(
                std::io::stderr(),
                "*** TLS check skipped: this PostgreSQL offers no TLS ({err})"
            );
            return;
        }
    }
    let Some(app) = portfolio_tests::TestApp::spawn_with(portfolio_tests::Backend::Postgres, |s| {
        s.database.url = format!("{}?sslmode=require", s.database.url.expose()).into();
    })
    .await
    else {
        return;
    };
    let row = app
        .db
        .query_one_raw(Statement::from_string(
            app.db.get_database_backend(),
            "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
        ))
        .await
        .unwrap()
        .unwrap();
    assert!(
        row.try_get::<bool>("", "ssl").unwrap(),
        "the connection is encrypted"
    );
    let data = app.data("{ me { role } }", json!({}), &app.analyst()).await;
    assert_eq!(data["me"]["role"], "ANALYST");
}
