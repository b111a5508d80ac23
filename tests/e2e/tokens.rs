//! Every way a token can be wrong, made by an implementation independent of the service's own
//! signer (HMAC here, OpenSSL for RS256). Each is `UNAUTHENTICATED`, and says no more.
//! Tokens are checked before any statement runs and `me { sub role }` reads only the token,
//! so these run on one database.

use std::process::Command;

use portfolio_tests::{Backend, SECRET, TestApp, error_code, sign_hs256, token};
use serde_json::{Value, json};
use uuid::Uuid;

const ME: &str = "{ me { sub role } }";

async fn refused(app: &TestApp, token: &str, why: &str) {
    let response = app.graphql(ME, json!({}), Some(token)).await;
    assert_eq!(
        error_code(&response),
        Some("UNAUTHENTICATED"),
        "{why}: {response}"
    );
    assert_eq!(
        response["errors"][0]["message"], "authentication required",
        "{why}: no detail is given"
    );
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

fn b64(value: &Value) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(serde_json::to_vec(value).unwrap())
}

portfolio_tests::on_one_database! {
    async fn bad_tokens_are_unauthenticated(app) {
        let hs = json!({ "alg": "HS256", "typ": "JWT" });
        let org = Uuid::new_v4().to_string();
        let good = json!({ "sub": "a", "role": "analyst", "exp": now() + 600 });
        assert_eq!(app.data(ME, json!({}), &sign_hs256(&hs, &good, SECRET.as_bytes())).await["me"]["role"], "ANALYST");

        refused(&app, &format!("{}.{}.", b64(&json!({ "alg": "none", "typ": "JWT" })), b64(&good)), "alg none").await;
        refused(&app, &sign_hs256(&json!({ "alg": "HS384", "typ": "JWT" }), &good, SECRET.as_bytes()), "another algorithm").await;
        refused(&app, &sign_hs256(&hs, &good, b"a-different-secret-of-sufficient-length!!"), "wrong secret").await;
        refused(&app, &sign_hs256(&hs, &json!({ "sub": "a", "role": "analyst", "exp": now() - 120 }), SECRET.as_bytes()), "expired").await;
        refused(&app, &sign_hs256(&hs, &json!({ "sub": "a", "role": "analyst" }), SECRET.as_bytes()), "no exp").await;
        refused(&app, &sign_hs256(&hs, &json!({ "sub": "a", "role": "analyst", "exp": now() + 600, "nbf": now() + 300 }), SECRET.as_bytes()), "not yet valid").await;
        refused(&app, &sign_hs256(&hs, &json!({ "sub": "a", "role": "admin", "exp": now() + 600 }), SECRET.as_bytes()), "unknown role").await;
        refused(&app, &sign_hs256(&hs, &json!({ "sub": "a", "role": "grantee", "exp": now() + 600 }), SECRET.as_bytes()), "grantee without org_id").await;
        refused(&app, &sign_hs256(&hs, &json!({ "sub": "a", "role": "grantee", "org_id": "API", "exp": now() + 600 }), SECRET.as_bytes()), "org_id not a UUID").await;
        refused(&app, &sign_hs256(&hs, &json!({ "role": "analyst", "exp": now() + 600 }), SECRET.as_bytes()), "no sub").await;
        let mut tampered = sign_hs256(&hs, &json!({ "sub": "a", "role": "grantee", "org_id": org, "exp": now() + 600 }), SECRET.as_bytes());
        let claims = b64(&json!({ "sub": "a", "role": "scheme_manager", "exp": now() + 600 }));
        let parts: Vec<&str> = tampered.split('.').collect();
        tampered = format!("{}.{}.{}", parts[0], claims, parts[2]);
        refused(&app, &tampered, "claims changed after signing").await;

        // A small clock skew is tolerated.
        let skewed = sign_hs256(&hs, &json!({ "sub": "a", "role": "analyst", "exp": now() - 5 }), SECRET.as_bytes());
        assert_eq!(app.data(ME, json!({}), &skewed).await["me"]["role"], "ANALYST");
    }

    async fn a_token_anywhere_but_the_authorization_header_is_ignored(app) {
        let t = token(json!({ "sub": "a", "role": "analyst" }));
        let url = format!("{}/graphql?access_token={t}&token={t}", app.address);
        let response: Value = app.http().post(url)
            .header("Cookie", format!("token={t}; access_token={t}; Authorization=Bearer {t}"))
            .json(&json!({ "query": ME })).send().await.unwrap().json().await.unwrap();
        assert_eq!(error_code(&response), Some("UNAUTHENTICATED"));
        let basic = app.http().post(format!("{}/graphql", app.address))
            .header("Authorization", format!("Basic {t}"))
            .json(&json!({ "query": ME })).send().await.unwrap();
        assert_eq!(basic.status(), 401);
    }

    async fn a_refused_token_is_told_why_and_nothing_more(app) {
        let hs = json!({ "alg": "HS256", "typ": "JWT" });
        let expired = sign_hs256(&hs, &json!({ "sub": "a", "role": "analyst", "exp": now() - 120 }), SECRET.as_bytes());
        let forged = sign_hs256(&hs, &json!({ "sub": "a", "role": "analyst", "exp": now() + 600 }), b"a-different-secret-of-sufficient-length!!");
        let roleless = token(json!({ "sub": "a", "role": "admin" }));
        let cases = [
            (Some(expired.as_str()), "invalid_token", "the token has expired"),
            (Some(forged.as_str()), "invalid_token", "the token's signature does not verify"),
            (Some(roleless.as_str()), "invalid_token", "the role claim is not scheme_manager, grantee or analyst"),
            (Some("not-a-jwt"), "invalid_token", "the token is malformed"),
        ];
        for (token, error, reason) in cases {
            let mut request = app.http().post(format!("{}/graphql", app.address)).json(&json!({ "query": ME }));
            if let Some(token) = token {
                request = request.bearer_auth(token);
            }
            let response = request.send().await.unwrap();
            assert_eq!(response.status(), 401);
            let challenge = response.headers()["www-authenticate"].to_str().unwrap().to_owned();
            assert_eq!(challenge, format!("Bearer error=\"{error}\", error_description=\"{reason}\""));
            let body: Value = response.json().await.unwrap();
            assert_eq!(body["errors"][0]["message"], "authentication required");
            assert_eq!(body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
            assert_eq!(body["errors"][0]["extensions"]["reason"], reason, "{body}");
        }
        let anonymous = app.http().post(format!("{}/graphql", app.address)).json(&json!({ "query": ME })).send().await.unwrap();
        assert_eq!(anonymous.headers()["www-authenticate"], "Bearer", "no token, no error code (RFC 6750)");
        let body: Value = anonymous.json().await.unwrap();
        assert_eq!(body["errors"][0]["extensions"]["reason"], "no bearer token");
        let basic = app.http().post(format!("{}/graphql", app.address))
            .header("Authorization", "Basic YTpi").json(&json!({ "query": ME })).send().await.unwrap();
        assert!(basic.headers()["www-authenticate"].to_str().unwrap().starts_with("Bearer error=\"invalid_request\""));
    }

    async fn a_request_with_two_authorization_headers_is_refused(app) {
        let analyst = app.analyst();
        let pairs = [(analyst.as_str(), "not-a-token"), ("not-a-token", analyst.as_str()), (analyst.as_str(), analyst.as_str())];
        for (first, second) in pairs {
            let mut headers = reqwest::header::HeaderMap::new();
            for token in [first, second] {
                headers.append("Authorization", format!("Bearer {token}").parse().unwrap());
            }
            let response = app.http().post(format!("{}/graphql", app.address))
                .headers(headers).json(&json!({ "query": ME })).send().await.unwrap();
            assert_eq!(response.status(), 401, "{first:.12} then {second:.12}");
            let body: Value = response.json().await.unwrap();
            assert_eq!(error_code(&body), Some("UNAUTHENTICATED"), "{body}");
        }
    }
}

// Tokens whose claims do not fit what the service records are refused at verification;
// the longest subject admitted must then fit every column that records it, on both databases.
portfolio_tests::on_one_database! {
    async fn claims_too_long_to_record_or_holding_control_characters_are_refused(app) {
        let claims = |sub: &str| json!({ "sub": sub, "role": "analyst" });
        assert_eq!(app.data(ME, json!({}), &token(claims(&"é".repeat(255)))).await["me"]["sub"], "é".repeat(255));
        refused(&app, &token(claims(&"é".repeat(256))), "a sub over 255 characters").await;
        refused(&app, &token(claims(&"x".repeat(5000))), "a sub of 5000 characters").await;
        refused(&app, &token(claims("alice\u{0}")), "a NUL in sub").await;
        refused(&app, &token(claims("alice\nlevel=ERROR forged")), "a line break in sub").await;
        refused(&app, &token(json!({ "sub": "a", "role": "analyst", "iss": "i".repeat(2000) })), "a long iss").await;
        refused(&app, &token(json!({ "sub": "a", "role": "analyst", "pad": "p".repeat(9000) })), "a token over 8 KiB").await;
    }
}

portfolio_tests::on_both_databases! {
    async fn a_grantee_token_must_name_an_existing_grantee_organisation(app) {
        let g = app.one_grant().await;
        let funder = app.new_organisation("A funder", "FUNDER").await;
        let partner = app.new_organisation("A partner", "PARTNER").await;
        let me = "{ me { role organisation { id kind } } }";
        let own = app.data(me, json!({}), &app.grantee(g.grantee)).await;
        assert_eq!(own["me"]["organisation"], json!({ "id": g.grantee, "kind": "GRANTEE" }));
        for (org, why) in [(Uuid::new_v4(), "an organisation that does not exist"), (funder, "a funder"), (partner, "a partner")] {
            let response = app.graphql(me, json!({}), Some(&app.grantee(org))).await;
            assert_eq!(error_code(&response), Some("UNAUTHENTICATED"), "{why}: {response}");
            let metrics = app.http().get(format!("{}/metrics", app.address)).bearer_auth(app.grantee(org)).send().await.unwrap();
            assert_eq!(metrics.status(), 401, "{why}");
        }
        // Asked again, the known grantee is still accepted (from memory or from the database).
        let again = app.data(me, json!({}), &app.grantee(g.grantee)).await;
        assert_eq!(again, own);
    }

    async fn the_longest_subject_a_token_may_carry_writes_with_an_idempotency_key(app) {
        let g = app.one_grant().await;
        let sub = "é".repeat(255);
        let grantee = token(json!({ "sub": sub, "role": "grantee", "org_id": g.grantee }));
        let mut input = portfolio_tests::report_input(g.grant, "PROGRESS", "2024-08-05", "2024-12-31");
        input["idempotencyKey"] = json!("k".repeat(200));
        let first = app.create_report(&grantee, input.clone()).await.unwrap();
        let again = app.create_report(&grantee, input).await.unwrap();
        assert_eq!(first.id, again.id, "the key replays the first result");
        let trail = app.audit_events(&app.manager(), json!({ "entityId": first.id })).await;
        assert_eq!(trail.events[0].actor, sub);
        let longer = token(json!({ "sub": "é".repeat(256), "role": "grantee", "org_id": g.grantee }));
        let refused = app.create_report(&longer, portfolio_tests::report_input(g.grant, "PROGRESS", "2025-01-01", "2025-01-31")).await.unwrap_err();
        assert_eq!(refused.code, "UNAUTHENTICATED");
        assert_eq!(app.count("reports").await, 1);
    }
}

fn openssl(args: &[&str], dir: &std::path::Path) {
    let status = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .status()
        .expect("openssl is installed");
    assert!(status.success(), "openssl {args:?}");
}

/// An RS256 token signed by OpenSSL with a key pair made for this test.
fn rs256(dir: &std::path::Path, claims: &Value) -> String {
    let input = format!(
        "{}.{}",
        b64(&json!({ "alg": "RS256", "typ": "JWT" })),
        b64(claims)
    );
    std::fs::write(dir.join("input"), &input).unwrap();
    openssl(
        &[
            "dgst",
            "-sha256",
            "-sign",
            "private.pem",
            "-out",
            "signature",
            "input",
        ],
        dir,
    );
    use base64::Engine;
    let signature = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(std::fs::read(dir.join("signature")).unwrap());
    format!("{input}.{signature}")
}

async fn identity_provider(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    openssl(
        &[
            "genpkey",
            "-algorithm",
            "RSA",
            "-pkeyopt",
            "rsa_keygen_bits:2048",
            "-out",
            "private.pem",
        ],
        dir.path(),
    );
    openssl(
        &[
            "pkey",
            "-in",
            "private.pem",
            "-pubout",
            "-out",
            "public.pem",
        ],
        dir.path(),
    );
    let public = dir.path().join("public.pem");
    let Some(app) = TestApp::spawn_with(backend, |s| {
        s.auth.key = api::settings::JwtKey::PublicKeyFile(public.clone());
        s.auth.issuer = Some("https://idp.example".into());
        s.auth.audience = Some("scheme-portfolio".into());
    })
    .await
    else {
        return;
    };
    let claims = |extra: Value| {
        let mut c = json!({ "sub": "analyst@idp", "role": "analyst", "exp": now() + 600, "iat": now(),
                            "iss": "https://idp.example", "aud": "scheme-portfolio" });
        for (k, v) in extra.as_object().unwrap() {
            c[k] = v.clone();
        }
        c
    };
    let good = rs256(dir.path(), &claims(json!({})));
    assert_eq!(
        app.data(ME, json!({}), &good).await["me"]["sub"],
        "analyst@idp"
    );
    refused(
        &app,
        &rs256(
            dir.path(),
            &claims(json!({ "iss": "https://evil.example" })),
        ),
        "wrong issuer",
    )
    .await;
    let for_another_api = rs256(dir.path(), &claims(json!({ "aud": "another-api" })));
    refused(&app, &for_another_api, "wrong audience").await;
    let response = app.graphql(ME, json!({}), Some(&for_another_api)).await;
    assert_eq!(
        response["errors"][0]["extensions"]["reason"],
        "the token is meant for another audience (aud)"
    );
    refused(
        &app,
        &rs256(dir.path(), &claims(json!({ "exp": now() - 600 }))),
        "expired",
    )
    .await;
    // Configured claims are required, not merely checked when present.
    for claim in ["iss", "aud"] {
        let mut without = claims(json!({}));
        without.as_object_mut().unwrap().remove(claim);
        refused(&app, &rs256(dir.path(), &without), &format!("no {claim}")).await;
    }
    let listed = rs256(
        dir.path(),
        &claims(json!({ "aud": ["another-api", "scheme-portfolio"] })),
    );
    assert_eq!(
        app.data(ME, json!({}), &listed).await["me"]["role"],
        "ANALYST",
        "aud may be a list"
    );
    // HS/RS confusion: an HS256 token keyed with the public key's bytes.
    let pem = std::fs::read(&public).unwrap();
    refused(
        &app,
        &sign_hs256(
            &json!({ "alg": "HS256", "typ": "JWT" }),
            &claims(json!({})),
            &pem,
        ),
        "HS256 with the public key",
    )
    .await;
    // And the service's own HS256 secret means nothing once a public key is configured.
    refused(
        &app,
        &sign_hs256(
            &json!({ "alg": "HS256", "typ": "JWT" }),
            &claims(json!({})),
            SECRET.as_bytes(),
        ),
        "HS256 with the old secret",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_identity_providers_rs256_tokens_are_verified_with_its_public_key_on_sqlite() {
    identity_provider(Backend::Sqlite).await;
}

/// A DER ECDSA signature (what OpenSSL writes) as the 64-byte `r || s` a JWS carries.
fn der_to_jws(der: &[u8]) -> Vec<u8> {
    assert_eq!(der[0], 0x30, "a DER sequence");
    let mut at = 2;
    let mut out = Vec::with_capacity(64);
    for _ in 0..2 {
        assert_eq!(der[at], 0x02, "a DER integer");
        let len = der[at + 1] as usize;
        let int = &der[at + 2..at + 2 + len];
        let int = &int[int.iter().position(|b| *b != 0).unwrap_or(int.len())..];
        out.extend(std::iter::repeat_n(0u8, 32 - int.len()));
        out.extend_from_slice(int);
        at += 2 + len;
    }
    out
}

async fn es256_identity_provider(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    openssl(
        &[
            "ecparam",
            "-name",
            "prime256v1",
            "-genkey",
            "-noout",
            "-out",
            "ec.pem",
        ],
        dir.path(),
    );
    openssl(
        &[
            "pkcs8",
            "-topk8",
            "-nocrypt",
            "-in",
            "ec.pem",
            "-out",
            "private.pem",
        ],
        dir.path(),
    );
    openssl(
        &[
            "pkey",
            "-in",
            "private.pem",
            "-pubout",
            "-out",
            "public.pem",
        ],
        dir.path(),
    );
    let public = dir.path().join("public.pem");
    let Some(app) = TestApp::spawn_with(backend, |s| {
        s.auth.key = api::settings::JwtKey::PublicKeyFile(public.clone());
    })
    .await
    else {
        return;
    };
    let sign = |header: Value, claims: Value| {
        let input = format!("{}.{}", b64(&header), b64(&claims));
        std::fs::write(dir.path().join("input"), &input).unwrap();
        openssl(
            &[
                "dgst",
                "-sha256",
                "-sign",
                "private.pem",
                "-out",
                "signature",
                "input",
            ],
            dir.path(),
        );
        let raw = der_to_jws(&std::fs::read(dir.path().join("signature")).unwrap());
        use base64::Engine;
        format!(
            "{input}.{}",
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw)
        )
    };
    let claims = json!({ "sub": "manager@idp", "role": "scheme_manager", "exp": now() + 600 });
    let good = sign(json!({ "alg": "ES256", "typ": "JWT" }), claims.clone());
    assert_eq!(
        app.data(ME, json!({}), &good).await["me"]["role"],
        "SCHEME_MANAGER"
    );
    // The same signature presented as another algorithm is refused.
    let relabelled = sign(json!({ "alg": "ES384", "typ": "JWT" }), claims);
    refused(&app, &relabelled, "ES384 against a P-256 key").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_identity_providers_es256_tokens_are_verified_with_its_public_key_on_sqlite() {
    es256_identity_provider(Backend::Sqlite).await;
}
