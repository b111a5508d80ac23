//! Logs: `tracing` with an env filter (RUST_LOG), human-readable or JSON (LOG_FORMAT=json).
//! Nothing secret is logged: no token, no query string, no database password.

use std::io::IsTerminal;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::{Error, HttpMessage};
use tracing::Span;
use tracing_actix_web::{DefaultRootSpanBuilder, RequestId, RootSpanBuilder};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, fmt};

use crate::settings::{LogFormat, LogSettings};

/// Installs the global subscriber. Logs go to stderr, so `token` and `schema` print clean stdout.
pub fn init(settings: &LogSettings) {
    let filter = EnvFilter::try_new(&settings.filter).unwrap_or_else(|_| EnvFilter::new("info"));
    let registry = tracing_subscriber::registry().with(filter);
    let result = match settings.format {
        LogFormat::Json => registry
            .with(
                fmt::layer()
                    .json()
                    .flatten_event(true)
                    .with_current_span(true)
                    .with_writer(std::io::stderr),
            )
            .try_init(),
        // Colour codes only for a person at a terminal, never into a file or a log collector.
        LogFormat::Text => registry
            .with(
                fmt::layer()
                    .with_ansi(std::io::stderr().is_terminal())
                    .with_writer(std::io::stderr),
            )
            .try_init(),
    };
    // A second call (tests start many apps in one process) keeps the first subscriber.
    if result.is_ok() && settings.format == LogFormat::Json {
        // A panic, in any thread, is one more JSON log line rather than plain text on stderr.
        std::panic::set_hook(Box::new(|panic| {
            let location = panic
                .location()
                .map(ToString::to_string)
                .unwrap_or_default();
            let message = panic
                .payload()
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.payload().downcast_ref::<String>().cloned())
                .unwrap_or_default();
            let thread = std::thread::current();
            tracing::error!(
                panic = %message,
                %location,
                thread = thread.name().unwrap_or("unnamed"),
                "panic"
            );
        }));
    }
}

/// Prints a message that ends the process in the configured format: a JSON line when logs are
/// JSON (so that a log collector reads every line), plain text otherwise.
pub fn fatal(format: LogFormat, message: &str) {
    match format {
        LogFormat::Json => tracing::error!("{message}"),
        LogFormat::Text => {
            tracing::error!("{message}");
            eprintln!("portfolio-api: {message}");
        }
    }
}

/// The span of one HTTP request: tracing-actix-web's fields, except that `http.target` is the
/// path alone. A query string is never logged: a client may put a token there
/// (`?access_token=…`), and although the service ignores it, a log must not keep it.
pub struct RequestSpan;

impl RootSpanBuilder for RequestSpan {
    fn on_request_start(request: &ServiceRequest) -> Span {
        let request_id = request
            .extensions()
            .get::<RequestId>()
            .map(ToString::to_string)
            .unwrap_or_default();
        let route = request.match_pattern().unwrap_or_else(|| "default".into());
        let user_agent = request
            .headers()
            .get(actix_web::http::header::USER_AGENT)
            .and_then(|value| value.to_str().ok())
            .unwrap_or("");
        let client_ip = request
            .peer_addr()
            .map(|addr| addr.ip().to_string())
            .unwrap_or_default();
        tracing::info_span!(
            "HTTP request",
            http.method = %request.method(),
            http.route = %route,
            http.target = %request.path(),
            http.flavor = ?request.version(),
            http.client_ip = %client_ip,
            http.user_agent = %user_agent,
            http.status_code = tracing::field::Empty,
            otel.kind = "server",
            otel.status_code = tracing::field::Empty,
            request_id = %request_id,
            exception.message = tracing::field::Empty,
            exception.details = tracing::field::Empty,
        )
    }

    fn on_request_end<B: MessageBody>(span: Span, outcome: &Result<ServiceResponse<B>, Error>) {
        DefaultRootSpanBuilder::on_request_end(span, outcome);
    }
}
