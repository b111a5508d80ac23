//! Prometheus text metrics, kept in process with atomics: requests by outcome, request latency,
//! SQL statements and GraphQL errors by code. Each replica exposes its own; Prometheus sums them.

use std::fmt::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Upper bounds of the latency histogram buckets, in seconds.
const BUCKETS: [f64; 10] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0];

#[derive(Default)]
struct Histogram {
    counts: [AtomicU64; BUCKETS.len()],
    count: AtomicU64,
    sum_micros: AtomicU64,
}

impl Histogram {
    fn observe(&self, elapsed: Duration) {
        let secs = elapsed.as_secs_f64();
        for (bound, count) in BUCKETS.iter().zip(&self.counts) {
            if secs <= *bound {
                count.fetch_add(1, Ordering::Relaxed);
            }
        }
        self.count.fetch_add(1, Ordering::Relaxed);
        self.sum_micros
            .fetch_add(elapsed.as_micros() as u64, Ordering::Relaxed);
    }

    fn render(&self, name: &str, out: &mut String) {
        for (bound, count) in BUCKETS.iter().zip(&self.counts) {
            let _ = writeln!(
                out,
                "{name}_bucket{{le=\"{bound}\"}} {}",
                count.load(Ordering::Relaxed)
            );
        }
        let count = self.count.load(Ordering::Relaxed);
        let _ = writeln!(out, "{name}_bucket{{le=\"+Inf\"}} {count}");
        let sum = self.sum_micros.load(Ordering::Relaxed) as f64 / 1e6;
        let _ = writeln!(out, "{name}_sum {sum}");
        let _ = writeln!(out, "{name}_count {count}");
    }
}

#[derive(Default)]
pub struct Metrics {
    http_requests: Mutex<Vec<((String, u16), u64)>>,
    http_latency: Histogram,
    db_statements: AtomicU64,
    db_failed_statements: AtomicU64,
    db_latency: Histogram,
    graphql_errors: Mutex<Vec<(String, u64)>>,
}

impl Metrics {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn record_request(&self, method: &str, status: u16, elapsed: Duration) {
        self.http_latency.observe(elapsed);
        if let Ok(mut map) = self.http_requests.lock() {
            match map
                .iter_mut()
                .find(|((m, s), _)| m == method && *s == status)
            {
                Some((_, n)) => *n += 1,
                None => map.push(((method.to_owned(), status), 1)),
            }
        }
    }

    pub fn record_statement(&self, elapsed: Duration, failed: bool) {
        self.db_statements.fetch_add(1, Ordering::Relaxed);
        if failed {
            self.db_failed_statements.fetch_add(1, Ordering::Relaxed);
        }
        self.db_latency.observe(elapsed);
    }

    pub fn record_graphql_error(&self, code: &str) {
        if let Ok(mut map) = self.graphql_errors.lock() {
            match map.iter_mut().find(|(c, _)| c == code) {
                Some((_, n)) => *n += 1,
                None => map.push((code.to_owned(), 1)),
            }
        }
    }

    /// SQL statements run so far by this process.
    pub fn statements(&self) -> u64 {
        self.db_statements.load(Ordering::Relaxed)
    }

    pub fn render(&self) -> String {
        let mut out = String::new();
        out.push_str(
            "# HELP portfolio_http_requests_total HTTP requests served, by method and status.\n",
        );
        out.push_str("# TYPE portfolio_http_requests_total counter\n");
        if let Ok(map) = self.http_requests.lock() {
            for ((method, status), n) in map.iter() {
                let _ = writeln!(
                    out,
                    "portfolio_http_requests_total{{method=\"{method}\",status=\"{status}\"}} {n}"
                );
            }
        }
        out.push_str(
            "# HELP portfolio_http_request_duration_seconds Time to answer an HTTP request.\n",
        );
        out.push_str("# TYPE portfolio_http_request_duration_seconds histogram\n");
        self.http_latency
            .render("portfolio_http_request_duration_seconds", &mut out);
        out.push_str("# HELP portfolio_db_statements_total SQL statements executed.\n");
        out.push_str("# TYPE portfolio_db_statements_total counter\n");
        let _ = writeln!(out, "portfolio_db_statements_total {}", self.statements());
        out.push_str("# HELP portfolio_db_statement_errors_total SQL statements that failed.\n");
        out.push_str("# TYPE portfolio_db_statement_errors_total counter\n");
        let _ = writeln!(
            out,
            "portfolio_db_statement_errors_total {}",
            self.db_failed_statements.load(Ordering::Relaxed)
        );
        out.push_str(
            "# HELP portfolio_db_statement_duration_seconds Time to run one SQL statement.\n",
        );
        out.push_str("# TYPE portfolio_db_statement_duration_seconds histogram\n");
        self.db_latency
            .render("portfolio_db_statement_duration_seconds", &mut out);
        out.push_str(
            "# HELP portfolio_graphql_errors_total GraphQL errors returned, by extensions.code.\n",
        );
        out.push_str("# TYPE portfolio_graphql_errors_total counter\n");
        if let Ok(map) = self.graphql_errors.lock() {
            for (code, n) in map.iter() {
                let _ = writeln!(out, "portfolio_graphql_errors_total{{code=\"{code}\"}} {n}");
            }
        }
        out
    }
}
