//! Timing: closed-loop HTTP clients against one service for a while, and `pgbench` for the
//! SQL floor. Each answer under load is checked against the length of the answer that was
//! verified field by field, so an error or a different answer cannot pass as a fast one.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::harness;

/// One GraphQL endpoint and the request to send it.
pub struct Target {
    pub name: &'static str,
    pub url: String,
    pub token: Option<String>,
    pub http: reqwest::Client,
}

impl Target {
    pub fn new(name: &'static str, url: String, token: Option<String>) -> Self {
        let http = reqwest::Client::builder()
            .pool_max_idle_per_host(64)
            .timeout(Duration::from_secs(300))
            .build()
            .expect("an HTTP client");
        Self {
            name,
            url,
            token,
            http,
        }
    }

    /// Sends a body and returns the status and the answer's bytes.
    pub async fn send(&self, body: &[u8]) -> Result<(u16, Vec<u8>), String> {
        let mut request = self
            .http
            .post(&self.url)
            .header("content-type", "application/json")
            .body(body.to_vec());
        if let Some(token) = &self.token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.map_err(|e| e.to_string())?;
        let status = response.status().as_u16();
        let bytes = response.bytes().await.map_err(|e| e.to_string())?;
        Ok((status, bytes.to_vec()))
    }

    /// The answer's `data`; panics on any error.
    pub async fn data(&self, query: &str, variables: &Value) -> (Value, usize) {
        let body = serde_json::to_vec(&json!({ "query": query, "variables": variables }))
            .expect("a request body");
        let (status, bytes) = self
            .send(&body)
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", self.name));
        let answer: Value = serde_json::from_slice(&bytes).unwrap_or_else(|_| {
            panic!(
                "{} answered HTTP {status} with something that is not JSON: {}",
                self.name,
                String::from_utf8_lossy(&bytes)
            )
        });
        if status != 200 || answer.get("errors").is_some() {
            panic!("{} answered HTTP {status}: {answer:#}", self.name);
        }
        (answer["data"].clone(), bytes.len())
    }
}

/// What a run of clients did: the answers that were right (and how long each took), and the
/// ones refused, by why.
#[derive(Default)]
pub struct Tally {
    pub requests: u64,
    pub busy: Duration,
    pub latencies: Vec<Duration>,
    pub refused: BTreeMap<String, u64>,
}

impl Tally {
    pub fn add(&mut self, other: Tally) {
        self.requests += other.requests;
        self.busy += other.busy;
        self.latencies.extend(other.latencies);
        for (why, n) in other.refused {
            *self.refused.entry(why).or_default() += n;
        }
    }

    pub fn per_second(&self) -> f64 {
        self.requests as f64 / self.busy.as_secs_f64().max(1e-9)
    }

    pub fn percentile_ms(&self, p: f64) -> f64 {
        percentile_ms(&self.latencies, p)
    }
}

pub fn percentile_ms(latencies: &[Duration], p: f64) -> f64 {
    if latencies.is_empty() {
        return f64::NAN;
    }
    let mut sorted = latencies.to_vec();
    sorted.sort();
    sorted[((sorted.len() - 1) as f64 * p).round() as usize].as_secs_f64() * 1000.0
}

/// Why an answer under load was not the answer checked: its first error's code (or, without
/// one, its message), or the transport's failure.
fn refusal(status: u16, bytes: &[u8]) -> Option<String> {
    let answer: Value = serde_json::from_slice(bytes).ok()?;
    let error = answer.get("errors")?.get(0)?;
    let why = error["extensions"]["code"]
        .as_str()
        .map(str::to_owned)
        .unwrap_or_else(|| {
            error["message"]
                .as_str()
                .unwrap_or("error")
                .chars()
                .take(80)
                .collect()
        });
    Some(format!("HTTP {status} {why}"))
}

/// `clients` clients send `body` back to back for `seconds`. An answer must be HTTP 200 and
/// `expected_len` bytes long (the answer checked field by field) to count; an error answer
/// (a refusal under load, such as the service's `UNAVAILABLE` when no database connection
/// frees up in time) is counted by its code; any other answer stops the run.
pub async fn clients(
    target: &Arc<Target>,
    body: &Arc<Vec<u8>>,
    expected_len: usize,
    clients: usize,
    seconds: f64,
) -> Tally {
    let started = Instant::now();
    let deadline = started + Duration::from_secs_f64(seconds);
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..clients {
        let (target, body) = (target.clone(), body.clone());
        tasks.spawn(async move {
            let mut latencies = Vec::new();
            let mut refused: BTreeMap<String, u64> = BTreeMap::new();
            while Instant::now() < deadline {
                let sent = Instant::now();
                let (status, bytes) = match target.send(&body).await {
                    Ok(answer) => answer,
                    Err(e) => {
                        *refused.entry(format!("transport: {e}")).or_default() += 1;
                        continue;
                    }
                };
                let elapsed = sent.elapsed();
                if status == 200 && bytes.len() == expected_len {
                    latencies.push(elapsed);
                } else if let Some(why) = refusal(status, &bytes) {
                    *refused.entry(why).or_default() += 1;
                } else {
                    panic!(
                        "{} answered HTTP {status} with {} bytes instead of the {expected_len} checked: {}",
                        target.name,
                        bytes.len(),
                        String::from_utf8_lossy(&bytes[..bytes.len().min(2000)])
                    );
                }
            }
            (latencies, refused)
        });
    }
    let mut tally = Tally::default();
    while let Some(done) = tasks.join_next().await {
        let (latencies, refused) =
            done.unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()));
        tally.requests += latencies.len() as u64;
        tally.latencies.extend(latencies);
        for (why, n) in refused {
            *tally.refused.entry(why).or_default() += n;
        }
    }
    tally.busy = started.elapsed();
    tally
}

/// The largest resident set a process reaches while `during` runs, sampled every 50 ms.
pub async fn peak_rss<T>(pid: u32, during: impl Future<Output = T>) -> (T, f64) {
    let stop = Arc::new(AtomicBool::new(false));
    let sampler = {
        let stop = stop.clone();
        tokio::spawn(async move {
            let mut peak: f64 = 0.0;
            while !stop.load(Ordering::Relaxed) {
                if let Some(rss) = harness::memory_mib(pid, "VmRSS") {
                    peak = peak.max(rss);
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            peak
        })
    };
    let out = during.await;
    stop.store(true, Ordering::Relaxed);
    let peak = sampler.await.unwrap_or(0.0);
    (out, peak)
}

/// What pgbench measured for one statement.
pub struct Floor {
    pub per_second: f64,
    pub latencies: Vec<Duration>,
}

/// Runs `sql` with pgbench for `seconds` over `clients` connections (prepared statements), and
/// reads every transaction's latency from its log.
pub fn pgbench(url: &str, sql: &str, clients: usize, seconds: u64, dir: &Path, key: &str) -> Floor {
    let script = dir.join(format!("{key}.sql"));
    std::fs::write(&script, sql).expect("the pgbench script is written");
    let prefix = dir.join(format!("pgbench_{key}_{clients}"));
    let threads = clients.min(2);
    let out = harness::run(
        Command::new("pgbench")
            .args(["-n", "-M", "prepared", "-l"])
            .arg(format!("--log-prefix={}", prefix.display()))
            .arg("-f")
            .arg(&script)
            .args(["-T", &seconds.to_string()])
            .args(["-c", &clients.to_string()])
            .args(["-j", &threads.to_string()])
            .arg(url),
    );
    let per_second = out
        .lines()
        .find_map(|l| l.strip_prefix("tps = "))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse::<f64>().ok())
        .unwrap_or_else(|| panic!("no tps in pgbench's output:\n{out}"));
    let mut latencies = Vec::new();
    let name = prefix
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default()
        .to_owned();
    for entry in std::fs::read_dir(dir)
        .expect("the work folder is readable")
        .flatten()
    {
        if !entry.file_name().to_string_lossy().starts_with(&name) {
            continue;
        }
        let log = std::fs::read_to_string(entry.path()).unwrap_or_default();
        for line in log.lines() {
            // client_id transaction_no time script_no time_epoch time_us; time in µs.
            if let Some(us) = line
                .split_whitespace()
                .nth(2)
                .and_then(|t| t.parse::<u64>().ok())
            {
                latencies.push(Duration::from_micros(us));
            }
        }
        let _ = std::fs::remove_file(entry.path());
    }
    Floor {
        per_second,
        latencies,
    }
}
