//! GraphiQL, served entirely from the binary: the page (`GET /graphql` from a browser) and its
//! script and stylesheet (`GET /graphiql/<asset>`), built from `graphiql/` in the repository and
//! embedded here, so nothing is fetched from anywhere but this service. The page's
//! Content-Security-Policy holds the browser to that.

use std::sync::OnceLock;

use actix_web::dev::HttpServiceFactory;
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Compress;
use actix_web::{HttpRequest, HttpResponse, web};
use sha2::{Digest, Sha256};

/// Where the page may load anything from: this service alone. GraphiQL's fonts and icons
/// are `data:` URLs inside its stylesheet. Its dialogs (settings, shortcuts) lock scrolling
/// with a `<style>` element they add, hence `'unsafe-inline'` for styles; scripts stay
/// `'self'` only, and a style cannot load anything from elsewhere either (`img-src`,
/// `font-src`).
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
    style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; \
    connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; \
    frame-ancestors 'none'";

const PAGE: &str = include_str!("../assets/graphiql/index.html");

/// A file the page loads, under `/graphiql/`.
struct Asset {
    name: &'static str,
    content_type: &'static str,
    body: &'static [u8],
}

const ASSETS: [Asset; 2] = [
    Asset {
        name: "graphiql.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../assets/graphiql/graphiql.js"),
    },
    Asset {
        name: "graphiql.css",
        content_type: "text/css; charset=utf-8",
        body: include_bytes!("../assets/graphiql/graphiql.css"),
    },
];

/// The page. It holds a token in the browser, so it may not be framed by another site.
pub fn page() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::REFERRER_POLICY, "no-referrer"))
        .body(PAGE)
}

/// `GET /graphiql/<asset>`, compressed when the browser accepts it.
pub fn assets() -> impl HttpServiceFactory {
    web::scope("/graphiql")
        .wrap(Compress::default())
        .route("/{name}", web::get().to(asset))
}

/// One asset. Its name does not change with its content, so browsers keep it but ask again
/// each time (`no-cache`), and get `304 Not Modified` while its ETag still matches.
async fn asset(http: HttpRequest, name: web::Path<String>) -> HttpResponse {
    let found = ASSETS
        .iter()
        .zip(etags())
        .find(|(a, _)| a.name == name.as_str());
    let Some((asset, etag)) = found else {
        return HttpResponse::NotFound()
            .content_type("text/plain; charset=utf-8")
            .body("no such GraphiQL asset\n");
    };
    let unchanged = matches(http.headers().get(header::IF_NONE_MATCH), etag);
    let mut response = if unchanged {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    response
        .insert_header((header::ETAG, etag.as_str()))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"));
    if unchanged {
        return response.finish();
    }
    response.content_type(asset.content_type).body(asset.body)
}

/// Each asset's ETag, from a hash of its bytes (weak, as the body may be sent compressed).
fn etags() -> &'static [String; 2] {
    static ETAGS: OnceLock<[String; 2]> = OnceLock::new();
    ETAGS.get_or_init(|| {
        ASSETS.each_ref().map(|asset| {
            let digest = Sha256::digest(asset.body);
            let hex: String = digest[..12].iter().map(|b| format!("{b:02x}")).collect();
            format!("W/\"{hex}\"")
        })
    })
}

/// Whether `If-None-Match` names the current ETag (or `*`). Weak comparison, as RFC 9110
/// asks for this header.
fn matches(if_none_match: Option<&HeaderValue>, etag: &str) -> bool {
    let Some(value) = if_none_match.and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let opaque = |tag: &str| tag.trim().trim_start_matches("W/").to_owned();
    value
        .split(',')
        .any(|tag| tag.trim() == "*" || opaque(tag) == opaque(etag))
}

#[cfg(test)]
mod tests {
    use actix_web::test::{TestRequest, call_service, init_service};
    use actix_web::{App, body::MessageBody};

    use super::*;

    #[test]
    fn the_page_loads_only_assets_served_here() {
        for reference in ["/graphiql/graphiql.js", "/graphiql/graphiql.css"] {
            assert!(PAGE.contains(reference), "{reference}");
        }
        assert!(
            !PAGE.contains("http://") && !PAGE.contains("https://"),
            "{PAGE}"
        );
        assert!(PAGE.contains("<title>Scheme Portfolio API</title>"));
    }

    #[test]
    fn the_assets_are_a_minified_production_build() {
        // An unminified or development build of the same bundle is several times larger.
        let [script, style] = &ASSETS;
        assert!(
            (100_000..2_500_000).contains(&script.body.len()),
            "{}",
            script.body.len()
        );
        assert!(
            (10_000..1_000_000).contains(&style.body.len()),
            "{}",
            style.body.len()
        );
    }

    #[actix_web::test]
    async fn an_asset_is_served_with_its_type_and_revalidated_by_etag() {
        let app = init_service(App::new().service(assets())).await;
        let response = call_service(
            &app,
            TestRequest::get()
                .uri("/graphiql/graphiql.css")
                .to_request(),
        )
        .await;
        assert_eq!(response.status(), 200);
        assert_eq!(
            response.headers().get(header::CONTENT_TYPE).unwrap(),
            "text/css; charset=utf-8"
        );
        let etag = response.headers().get(header::ETAG).unwrap().clone();
        let request = TestRequest::get()
            .uri("/graphiql/graphiql.css")
            .insert_header((header::IF_NONE_MATCH, etag))
            .to_request();
        let response = call_service(&app, request).await;
        assert_eq!(response.status(), 304);
        assert!(
            response
                .into_body()
                .try_into_bytes()
                .is_ok_and(|b| b.is_empty())
        );
        let request = TestRequest::get()
            .uri("/graphiql/graphiql.js")
            .insert_header((header::ACCEPT_ENCODING, "gzip"))
            .to_request();
        let response = call_service(&app, request).await;
        assert_eq!(response.status(), 200);
        assert_eq!(
            response.headers().get(header::CONTENT_TYPE).unwrap(),
            "text/javascript; charset=utf-8"
        );
        assert_eq!(
            response.headers().get(header::CONTENT_ENCODING).unwrap(),
            "gzip"
        );
        let missing = call_service(
            &app,
            TestRequest::get().uri("/graphiql/other.js").to_request(),
        )
        .await;
        assert_eq!(missing.status(), 404);
    }

    #[test]
    fn if_none_match_compares_weakly_and_accepts_lists() {
        let etag = "W/\"abc\"";
        let value = |s: &'static str| HeaderValue::from_static(s);
        assert!(matches(Some(&value("\"abc\"")), etag));
        assert!(matches(Some(&value("\"x\", W/\"abc\"")), etag));
        assert!(matches(Some(&value("*")), etag));
        assert!(!matches(Some(&value("\"abcd\"")), etag));
        assert!(!matches(None, etag));
    }
}
