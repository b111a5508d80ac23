//! What the comparison starts and must clean up: a database per size, dropped when its guard
//! goes (a panic included), and child processes, stopped the same way. Ports are chosen free.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use uuid::Uuid;

const PREFIX: &str = "portfolio_compare_";
/// A comparison database older than this was left behind by a run that was killed.
const ABANDONED_AFTER: Duration = Duration::from_secs(24 * 3600);

/// `admin` with its database replaced by `name`. Unless `admin` says otherwise, without TLS: the
/// service (sqlx) and pgbench (libpq) would encrypt a local connection when the server offers it,
/// and PostGraphile (node-postgres) would not, so all three speak plain text to the local server.
pub fn with_database(admin: &str, name: &str) -> String {
    let mut url = url::Url::parse(admin).expect("the database URL parses");
    url.set_path(&format!("/{name}"));
    if !url.query_pairs().any(|(key, _)| key == "sslmode") {
        url.query_pairs_mut().append_pair("sslmode", "disable");
    }
    url.to_string()
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// A fresh database, dropped (with its connections) when this goes.
pub struct Database {
    admin: String,
    pub name: String,
    pub url: String,
}

impl Database {
    pub async fn create(admin_db: &DatabaseConnection, admin: &str) -> Self {
        let name = format!(
            "{PREFIX}{}_{}",
            now(),
            &Uuid::new_v4().simple().to_string()[..12]
        );
        admin_db
            .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
            .await
            .expect("the comparison database is created");
        Self {
            admin: admin.to_owned(),
            url: with_database(admin, &name),
            name,
        }
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        let status = Command::new("psql")
            .args(["-qAtX", "-v", "ON_ERROR_STOP=1", "-d", &self.admin, "-c"])
            .arg(format!(
                "DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)",
                self.name
            ))
            .stdout(Stdio::null())
            .status();
        if !matches!(status, Ok(s) if s.success()) {
            eprintln!("could not drop the database {}; drop it by hand", self.name);
        }
    }
}

/// Drops comparison databases that runs killed outright left behind (older than a day).
pub async fn drop_abandoned(admin_db: &DatabaseConnection) {
    let rows = admin_db
        .query_all_raw(Statement::from_string(
            admin_db.get_database_backend(),
            format!("SELECT datname FROM pg_database WHERE datname LIKE '{PREFIX}%'"),
        ))
        .await
        .unwrap_or_default();
    for row in rows {
        let Ok(name) = row.try_get::<String>("", "datname") else {
            continue;
        };
        let created = name
            .strip_prefix(PREFIX)
            .and_then(|rest| rest.split('_').next())
            .and_then(|secs| secs.parse::<u64>().ok());
        if created.is_some_and(|c| now().saturating_sub(c) > ABANDONED_AFTER.as_secs()) {
            let _ = admin_db
                .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                .await;
        }
    }
}

/// A port nothing listens on right now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free local port")
        .port()
}

/// A child process, stopped (SIGTERM, then SIGKILL after 5 s) when this goes.
pub struct Child {
    pub name: &'static str,
    child: std::process::Child,
    log: PathBuf,
}

impl Child {
    /// Starts `command` with its stdout and stderr in `log`.
    pub fn spawn(name: &'static str, command: &mut Command, log: &Path) -> Self {
        let out = File::create(log).expect("the log file is created");
        let err = out.try_clone().expect("the log file is shared");
        let child = command
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .unwrap_or_else(|e| panic!("{name} does not start ({command:?}): {e}"));
        Self {
            name,
            child,
            log: log.to_owned(),
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Panics, with the end of its log, if the process has exited.
    pub fn ensure_running(&mut self) {
        if let Ok(Some(status)) = self.child.try_wait() {
            panic!(
                "{} exited ({status}); the end of its log:\n{}",
                self.name,
                self.log_tail()
            );
        }
    }

    pub fn log_tail(&self) -> String {
        let mut text = String::new();
        if let Ok(mut file) = File::open(&self.log) {
            let len = file.metadata().map_or(0, |m| m.len());
            let _ = file.seek(SeekFrom::Start(len.saturating_sub(4000)));
            let _ = file.read_to_string(&mut text);
        }
        text
    }
}

impl Drop for Child {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = Command::new("kill")
                .args(["-TERM", &self.child.id().to_string()])
                .status();
            let deadline = Instant::now() + Duration::from_secs(5);
            while Instant::now() < deadline {
                if let Ok(Some(_)) = self.child.try_wait() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
    }
}

/// The resident set of a process, in MiB (VmRSS, or VmHWM for its peak so far).
pub fn memory_mib(pid: u32, field: &str) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|rest| {
            rest.trim()
                .trim_end_matches("kB")
                .trim()
                .parse::<f64>()
                .ok()
        })
        .map(|kb| kb / 1024.0)
}

/// Runs a command to completion and returns its stdout; panics with its stderr if it fails.
pub fn run(command: &mut Command) -> String {
    let output = command
        .output()
        .unwrap_or_else(|e| panic!("{command:?} does not start: {e}"));
    if !output.status.success() {
        panic!(
            "{command:?} failed ({}):\n{}{}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    String::from_utf8_lossy(&output.stdout).into_owned()
}
