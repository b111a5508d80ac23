//! The GraphQL clients people already use: the standard introspection query, Relay nodes,
//! Apollo's automatic persisted queries, queries over GET, and GraphQL over HTTP's media types
//! and status codes.

use portfolio_tests::{TestApp, on_both_databases, on_one_database};
use reqwest::StatusCode;
use reqwest::header::{ACCEPT, ALLOW, CONTENT_TYPE};
use serde_json::{Value, json};
use uuid::Uuid;

/// graphql-js 16's `getIntrospectionQuery` with every option on (descriptions, `specifiedByURL`,
/// `isRepeatable`, the schema's description, deprecated input values): what GraphiQL,
/// graphql-codegen and Apollo's tools send.
const INTROSPECTION: &str = include_str!("../fixtures/introspection.graphql");

/// `{ me { sub } }`, and its SHA-256 as Apollo's `PersistedQueryLink` sends it.
const ME: &str = "{ me { sub } }";
const ME_SHA256: &str = "cd20086fc1ec36690fc447f1b609baa7954175069891335042ac73dc6d5dabc7";

async fn post(
    app: &TestApp,
    token: Option<&str>,
    accept: Option<&str>,
    body: Value,
) -> (StatusCode, String, Value) {
    let mut request = app
        .http()
        .post(format!("{}/graphql", app.address))
        .json(&body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(accept) = accept {
        request = request.header(ACCEPT, accept);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let content_type = response
        .headers()
        .get(CONTENT_TYPE)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, content_type, response.json().await.unwrap())
}

async fn get(app: &TestApp, token: &str, params: &[(&str, &str)]) -> reqwest::Response {
    app.http()
        .get(format!("{}/graphql", app.address))
        .query(params)
        .bearer_auth(token)
        .header(ACCEPT, "application/json")
        .send()
        .await
        .unwrap()
}

on_one_database! {
    async fn the_standard_introspection_query_answers_every_role_and_only_with_a_token(app) {
        let tokens = [app.analyst(), app.manager(), app.grantee(app.new_organisation("Grantee", "GRANTEE").await)];
        for token in &tokens {
            let (status, _, body) = post(&app, Some(token), None, json!({ "query": INTROSPECTION })).await;
            assert_eq!(status, StatusCode::OK);
            assert!(body.get("errors").is_none(), "{body}");
            let types = body["data"]["__schema"]["types"].as_array().unwrap();
            assert!(types.iter().any(|t| t["name"] == "Node" && t["kind"] == "INTERFACE"));
        }
        let (status, _, _) = post(&app, None, None, json!({ "query": INTROSPECTION })).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }

    async fn ordinary_queries_are_still_bounded_in_depth(app) {
        // 13 fields deep: grants > edges > node > reports > activities > grant > reports > ...
        let deep = "{ grants { edges { node { reports { activities { grant { reports { activities { grant { reports { activities { grant { id } } } } } } } } } } } } }";
        let (status, _, body) = post(&app, Some(&app.analyst()), None, json!({ "query": deep })).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body["errors"][0]["extensions"]["code"], "GRAPHQL_VALIDATION_FAILED");
        assert!(body["errors"][0]["message"].as_str().unwrap().contains("at most 12"), "{body}");
        assert!(body.get("data").is_none(), "a request that did not run has no data");
        // Introspection nested past its own bound is refused too.
        let nested = format!("{{ __schema {{ types {{ {} name {} }} }} }}", "ofType { ".repeat(20), "}".repeat(20));
        let (_, _, body) = post(&app, Some(&app.analyst()), None, json!({ "query": nested })).await;
        assert_eq!(body["errors"][0]["extensions"]["code"], "GRAPHQL_VALIDATION_FAILED");
    }

    async fn an_apollo_persisted_query_is_registered_once_then_runs_by_its_hash(app) {
        let token = app.analyst();
        let hash_only = json!({ "extensions": { "persistedQuery": { "version": 1, "sha256Hash": ME_SHA256 } } });
        let (status, _, body) = post(&app, Some(&token), None, hash_only.clone()).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body["errors"][0]["extensions"]["code"], "PERSISTED_QUERY_NOT_FOUND");
        assert_eq!(body["errors"][0]["message"], "PersistedQueryNotFound");

        // A hash that is not the query's is refused and remembers nothing.
        let mut wrong = hash_only.clone();
        wrong["query"] = json!("{ me { role } }");
        let (status, _, body) = post(&app, Some(&token), None, wrong).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(body["errors"][0]["extensions"]["field"], "extensions.persistedQuery");

        let mut register = hash_only.clone();
        register["query"] = json!(ME);
        let (_, _, body) = post(&app, Some(&token), None, register).await;
        assert_eq!(body["data"]["me"]["sub"], "analyst@dfat");
        let (_, _, body) = post(&app, Some(&token), None, hash_only).await;
        assert_eq!(body["data"]["me"]["sub"], "analyst@dfat");

        // And over GET, as `useGETForHashedQueries` sends it.
        let extensions = json!({ "persistedQuery": { "version": 1, "sha256Hash": ME_SHA256 } }).to_string();
        let response = get(&app, &token, &[("extensions", &extensions)]).await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers().get("cache-control").unwrap(), "private, no-cache");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["data"]["me"]["sub"], "analyst@dfat");
    }

    async fn get_runs_queries_and_never_mutations(app) {
        let token = app.manager();
        let response = get(&app, &token, &[("query", "query Me($kind: OrganisationKind) { organisations(kind: $kind) { kind } me { role } }"),
            ("operationName", "Me"), ("variables", r#"{"kind": "GRANTEE"}"#)]).await;
        assert_eq!(response.status(), StatusCode::OK);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["data"], json!({ "organisations": [], "me": { "role": "SCHEME_MANAGER" } }));

        let organisations = app.count("organisations").await;
        let mutation = r#"mutation { createOrganisation(input: { name: "Over GET", kind: PARTNER }) { id } }"#;
        let response = get(&app, &token, &[("query", mutation)]).await;
        assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(response.headers().get(ALLOW).unwrap(), "POST");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["errors"][0]["extensions"]["code"], "METHOD_NOT_ALLOWED");
        assert_eq!(app.count("organisations").await, organisations, "nothing was written");

        let refused = app.http().get(format!("{}/graphql", app.address)).query(&[("query", "{ me { role } }")])
            .send().await.unwrap();
        assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
        let bad = get(&app, &token, &[("query", "{ me { role } }"), ("variables", "[1]")]).await;
        assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    }

    async fn graphql_response_json_is_answered_when_accepted_with_4xx_for_requests_that_cannot_run(app) {
        let token = app.analyst();
        let modern = "application/graphql-response+json, application/json;q=0.9";
        let (status, content_type, body) = post(&app, Some(&token), Some(modern), json!({ "query": ME })).await;
        assert_eq!((status, content_type.as_str()), (StatusCode::OK, "application/graphql-response+json; charset=utf-8"));
        assert_eq!(body["data"]["me"]["sub"], "analyst@dfat");
        for broken in ["{ me { sub }", "{ nope }"] {
            let (status, content_type, body) = post(&app, Some(&token), Some(modern), json!({ "query": broken })).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{broken}");
            assert!(content_type.starts_with("application/graphql-response+json"));
            assert!(body.get("data").is_none());
            assert_eq!(body["errors"][0]["extensions"]["code"], "GRAPHQL_VALIDATION_FAILED");
        }
        // Older clients keep application/json and 200.
        for accept in [None, Some("application/json"), Some("*/*")] {
            let (status, content_type, body) = post(&app, Some(&token), accept, json!({ "query": "{ nope }" })).await;
            assert_eq!((status, content_type.as_str()), (StatusCode::OK, "application/json"), "{accept:?}");
            assert!(body["errors"].is_array());
        }
        let (status, _, _) = post(&app, Some(&token), Some("text/html"), json!({ "query": ME })).await;
        assert_eq!(status, StatusCode::NOT_ACCEPTABLE);
        // Null variables, operation name and extensions are the same as none.
        let (status, _, body) = post(&app, Some(&token), None,
            json!({ "query": ME, "variables": null, "operationName": null, "extensions": null })).await;
        assert_eq!((status, body["data"]["me"]["sub"].as_str()), (StatusCode::OK, Some("analyst@dfat")));
    }
}

/// Every kind of node, and what `node` gives each caller: the object, or null.
async fn node_types(app: &TestApp, token: &str, ids: &[Uuid]) -> Vec<Value> {
    let ids: Vec<String> = ids.iter().map(Uuid::to_string).collect();
    let data = app
        .data(
            "query($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }",
            json!({ "ids": ids }),
            token,
        )
        .await;
    data["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["__typename"].clone())
        .collect()
}

on_both_databases! {
    async fn every_object_is_a_node_found_by_its_id_and_scoped_like_every_other_read(app) {
        let grant = app.seed_demo().await;
        let manager = app.manager();
        let data = app.data(r#"query($id: UUID!) { grant(id: $id) {
            id grantee { id } scheme { id } fundingPeriods { id } objectives { id indicators { id } }
            reports { id corrections { id } indicatorResults { id } lessons { id } caseStudies { id }
              activities { id outcomes { id } } } } auditEvents(first: 1) { edges { node { id } } } }"#,
            json!({ "id": grant }), &manager).await;
        let g = &data["grant"];
        let r = &g["reports"][0];
        let id = |v: &Value| v.as_str().unwrap().parse::<Uuid>().unwrap();
        let expected = [
            (id(&g["grantee"]["id"]), "Organisation"), (id(&g["scheme"]["id"]), "Scheme"), (grant, "Grant"),
            (id(&g["fundingPeriods"][0]["id"]), "FundingPeriod"), (id(&g["objectives"][0]["id"]), "Objective"),
            (id(&g["objectives"][0]["indicators"][0]["id"]), "Indicator"), (id(&r["id"]), "Report"),
            (id(&r["activities"][0]["id"]), "Activity"), (id(&r["activities"][0]["outcomes"][0]["id"]), "Outcome"),
            (id(&r["indicatorResults"][0]["id"]), "IndicatorResult"), (id(&r["lessons"][0]["id"]), "Lesson"),
            (id(&r["caseStudies"][0]["id"]), "CaseStudy"), (id(&r["corrections"][0]["id"]), "Correction"),
            (id(&data["auditEvents"]["edges"][0]["node"]["id"]), "AuditEvent"),
        ];
        let ids: Vec<Uuid> = expected.iter().map(|(id, _)| *id).collect();
        let types = node_types(&app, &manager, &ids).await;
        assert_eq!(types, expected.iter().map(|(_, t)| json!(t)).collect::<Vec<_>>());
        assert_eq!(app.data("query($id: ID!) { node(id: $id) { id } }", json!({ "id": grant }), &manager).await["node"]["id"], json!(grant));

        // Another grantee sees none of it: null, exactly as an id that does not exist or is
        // not a UUID. The demo's funder and manager are not grantees, so they are visible.
        let other = app.new_organisation("Other Rights NGO", "GRANTEE").await;
        let theirs = app.grantee(other);
        let mut asked = ids.clone();
        asked.push(Uuid::now_v7());
        let types = node_types(&app, &theirs, &asked).await;
        assert!(types.iter().all(Value::is_null), "{types:?}");
        let lookups = app.data(r#"query($g: UUID!, $o: UUID!, $a: UUID!, $s: UUID!) {
            grant(id: $g) { id } organisation(id: $o) { id } activity(id: $a) { id } scheme(id: $s) { id }
            bad: nodes(ids: ["not-a-uuid"]) { id } }"#,
            json!({ "g": grant, "o": expected[0].0, "a": expected[7].0, "s": expected[1].0 }), &theirs).await;
        assert_eq!(lookups, json!({ "grant": null, "organisation": null, "activity": null, "scheme": null, "bad": [null] }));
        // The demo grantee sees its own.
        let own = app.grantee(expected[0].0);
        let types = node_types(&app, &own, &ids).await;
        assert!(types.iter().all(Value::is_string), "{types:?}");

        let too_many: Vec<String> = (0..101).map(|_| Uuid::now_v7().to_string()).collect();
        let refused = app.graphql("query($ids: [ID!]!) { nodes(ids: $ids) { id } }", json!({ "ids": too_many }), Some(&manager)).await;
        assert_eq!(refused["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    }
}
