//! Prometheus text metrics, kept in process with atomics: requests by outcome, request latency,
//! SQL statements and GraphQL errors by code. Each replica exposes its own; Prometheus sums them.

use std::fmt::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// The label of operations past the first `MAX_OPERATIONS` names.
const OTHER: &str = "other";

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
        self.render_labelled(name, "", out);
    }

    /// The histogram's lines, each with `labels` (`key="value"`, or nothing) beside `le`.
    fn render_labelled(&self, name: &str, labels: &str, out: &mut String) {
        let (prefix, braces) = if labels.is_empty() {
            (String::new(), String::new())
        } else {
            (format!("{labels},"), format!("{{{labels}}}"))
        };
        for (bound, count) in BUCKETS.iter().zip(&self.counts) {
            let _ = writeln!(
                out,
                "{name}_bucket{{{prefix}le=\"{bound}\"}} {}",
                count.load(Ordering::Relaxed)
            );
        }
        let count = self.count.load(Ordering::Relaxed);
        let _ = writeln!(out, "{name}_bucket{{{prefix}le=\"+Inf\"}} {count}");
        let sum = self.sum_micros.load(Ordering::Relaxed) as f64 / 1e6;
        let _ = writeln!(out, "{name}_sum{braces} {sum}");
        let _ = writeln!(out, "{name}_count{braces} {count}");
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
    /// By operation name (at most `MAX_OPERATIONS`, then `other`): answers with and without
    /// errors, and latency.
    operations: Mutex<Vec<Operation>>,
}

struct Operation {
    name: String,
    ok: u64,
    failed: u64,
    latency: Histogram,
}

/// Series of operations at most: the first names seen each have one, and every later name is
/// counted as `other`, so a client inventing names cannot grow the metrics without bound.
pub const MAX_OPERATIONS: usize = 100;

/// What `/metrics` reports of the connection pool at the moment it is read.
#[derive(Clone, Copy, Debug, Default)]
pub struct PoolGauges {
    pub open: u32,
    pub idle: u32,
    pub max: u32,
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

    /// One GraphQL operation answered: its name (as the client named it, or `anonymous`), whether
    /// the answer carried errors, and how long it took.
    pub fn record_operation(&self, name: &str, failed: bool, elapsed: Duration) {
        let Ok(mut operations) = self.operations.lock() else {
            return;
        };
        // The first `MAX_OPERATIONS - 1` names each get their own series, the rest share `other`.
        let named = operations.iter().filter(|o| o.name != OTHER).count();
        let label = match operations.iter().any(|o| o.name == name) {
            true => name,
            false if named < MAX_OPERATIONS - 1 => name,
            false => OTHER,
        };
        let index = match operations.iter().position(|o| o.name == label) {
            Some(i) => i,
            None => {
                operations.push(Operation {
                    name: label.to_owned(),
                    ok: 0,
                    failed: 0,
                    latency: Histogram::default(),
                });
                operations.len() - 1
            }
        };
        let op = &mut operations[index];
        if failed {
            op.failed += 1;
        } else {
            op.ok += 1;
        }
        op.latency.observe(elapsed);
    }

    /// SQL statements run so far by this process.
    pub fn statements(&self) -> u64 {
        self.db_statements.load(Ordering::Relaxed)
    }

    pub fn render(&self, pool: PoolGauges) -> String {
        let mut out = String::new();
        out.push_str("# HELP portfolio_build_info The running build: its version.\n");
        out.push_str("# TYPE portfolio_build_info gauge\n");
        let _ = writeln!(
            out,
            "portfolio_build_info{{version=\"{}\"}} 1",
            env!("CARGO_PKG_VERSION")
        );
        for (name, help, value) in [
            (
                "portfolio_db_pool_connections",
                "Connections the pool holds open.",
                pool.open,
            ),
            (
                "portfolio_db_pool_idle_connections",
                "Open connections not in use.",
                pool.idle,
            ),
            (
                "portfolio_db_pool_max_connections",
                "The most connections the pool opens.",
                pool.max,
            ),
        ] {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {value}"
            );
        }
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
        out.push_str("# HELP portfolio_graphql_operations_total GraphQL operations answered, by operation name and outcome.\n");
        out.push_str("# TYPE portfolio_graphql_operations_total counter\n");
        if let Ok(operations) = self.operations.lock() {
            for op in operations.iter() {
                for (outcome, n) in [("ok", op.ok), ("error", op.failed)] {
                    let _ = writeln!(
                        out,
                        "portfolio_graphql_operations_total{{operation=\"{}\",outcome=\"{outcome}\"}} {n}",
                        op.name
                    );
                }
            }
            out.push_str("# HELP portfolio_graphql_operation_duration_seconds Time to run one GraphQL operation, by operation name.\n");
            out.push_str("# TYPE portfolio_graphql_operation_duration_seconds histogram\n");
            for op in operations.iter() {
                op.latency.render_labelled(
                    "portfolio_graphql_operation_duration_seconds",
                    &format!("operation=\"{}\"", op.name),
                    &mut out,
                );
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operation_names_past_the_bound_are_counted_as_other() {
        let metrics = Metrics::new();
        for i in 0..MAX_OPERATIONS + 50 {
            metrics.record_operation(&format!("Op{i}"), false, Duration::from_millis(1));
        }
        let text = metrics.render(PoolGauges::default());
        let names = text
            .lines()
            .filter(|l| {
                l.starts_with("portfolio_graphql_operations_total{") && l.contains("outcome=\"ok\"")
            })
            .count();
        assert_eq!(names, MAX_OPERATIONS);
        assert!(
            text.contains(
                "portfolio_graphql_operations_total{operation=\"other\",outcome=\"ok\"} 51"
            ),
            "{text}"
        );
        assert!(text.contains("operation=\"Op0\""));
    }
}
