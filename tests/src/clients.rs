//! The client checks of `tests/clients/`: scripts that drive the GraphQL clients people use
//! (graphql-js, GraphiQL's and Apollo's introspection, Apollo Client, the graphql-http audit,
//! GraphQL Code Generator, Python's gql) against a test server, each run as
//! `<runtime> <script> <base-url> <token>` and judged by its exit status.
//!
//! They need Node.js with `npm ci` run in `tests/clients`, and for Python the virtual
//! environment `tests/clients/.venv` (`.ci/run` sets both up). Without them a check is
//! skipped with `CLIENT TESTS SKIPPED` in capitals, or fails under `CI=true`.

use std::io::{Read, Seek, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::TestApp;

/// No script takes this long; one that does is stopped and fails.
const TIMEOUT: Duration = Duration::from_secs(300);

/// Which interpreter runs a script.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Runtime {
    Node,
    Python,
}

/// `tests/clients/`.
pub fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("clients")
}

/// What a script printed, and whether it passed.
#[derive(Debug)]
pub struct ClientRun {
    pub passed: bool,
    pub output: String,
}

impl ClientRun {
    /// Fails the test with the script's output unless it passed.
    pub fn assert_passed(&self, what: &str) {
        assert!(self.passed, "{what} failed:\n{}", self.output);
    }
}

/// Why a runtime cannot be used here, if it cannot.
fn missing(runtime: Runtime) -> Option<String> {
    let dir = dir();
    match runtime {
        Runtime::Node => {
            let node = Command::new("node")
                .arg("--version")
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
            if !node.is_ok_and(|s| s.success()) {
                return Some("node is not installed (Node.js 20 or later)".to_owned());
            }
            if !dir.join("node_modules").is_dir() {
                return Some(
                    "tests/clients/node_modules is missing (run `npm ci` in tests/clients)"
                        .to_owned(),
                );
            }
            None
        }
        Runtime::Python => (!python().is_file()).then(|| {
            "tests/clients/.venv is missing (run `python3 -m venv tests/clients/.venv && \
             tests/clients/.venv/bin/pip install -r tests/clients/requirements.txt`)"
                .to_owned()
        }),
    }
}

fn python() -> PathBuf {
    dir().join(".venv").join("bin").join("python")
}

/// Runs `script` of `tests/clients/` against `app` with `token`; `None` when it was skipped
/// because its runtime is missing (a failure instead under `CI=true`).
pub async fn run(app: &TestApp, runtime: Runtime, script: &str, token: &str) -> Option<ClientRun> {
    if let Some(why) = missing(runtime) {
        let ci = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
        assert!(
            !ci,
            "CI=true and the client checks cannot run: {why}. `.ci/run` installs them."
        );
        // Written straight to stderr, past the test harness's output capture.
        let _ = writeln!(
            std::io::stderr(),
            "\n*** CLIENT TESTS SKIPPED: {script}: {why}.\n*** CI=true makes this a failure.\n"
        );
        return None;
    }
    let mut command = match runtime {
        Runtime::Node => Command::new("node"),
        Runtime::Python => Command::new(python()),
    };
    command
        .current_dir(dir())
        .arg(script)
        .arg(&app.address)
        .arg(token)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null());
    let script = script.to_owned();
    let run = tokio::task::spawn_blocking(move || run_to_end(command, &script))
        .await
        .expect("the script runner does not panic");
    // Shown by the harness when the test fails.
    println!("{}", run.output);
    Some(run)
}

/// Runs a command to its end (or `TIMEOUT`), its stdout and stderr together in one file so the
/// output reads in order and no pipe can fill up.
fn run_to_end(mut command: Command, script: &str) -> ClientRun {
    let mut log = tempfile::tempfile().expect("a temporary file");
    command
        .stdout(log.try_clone().expect("the file is shared"))
        .stderr(log.try_clone().expect("the file is shared"));
    let mut child = command
        .spawn()
        .unwrap_or_else(|err| panic!("cannot start {script}: {err}"));
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("the script can be waited for") {
            break Some(status);
        }
        if started.elapsed() > TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut output = String::new();
    log.rewind().expect("the file can be read again");
    log.read_to_string(&mut output)
        .expect("the script prints text");
    match status {
        Some(status) => ClientRun {
            passed: status.success(),
            output: format!("$ {script} ({status})\n{output}"),
        },
        None => ClientRun {
            passed: false,
            output: format!(
                "$ {script}: stopped after {} s\n{output}",
                TIMEOUT.as_secs()
            ),
        },
    }
}
