//! No JWT secret written in the repository can run in production: every one this scan finds
//! must be on `PUBLISHED_SECRETS`, which `APP_ENV=production` refuses.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use api::settings::{MIN_SECRET_BYTES, PUBLISHED_SECRETS};

fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Folders of generated files: the minified GraphiQL bundle is built from `graphiql/`, whose
/// sources are scanned.
const GENERATED: [&str; 1] = ["api/assets/graphiql"];

/// The repository's text files, without build output, version control, lock files or the
/// packages installed for the client checks (`tests/clients`).
fn text_files(dir: &Path, out: &mut Vec<(PathBuf, String)>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if path.is_dir() {
            let generated = GENERATED.iter().any(|folder| path.ends_with(folder));
            if !generated && !matches!(name.as_str(), "target" | ".git" | "node_modules" | ".venv")
            {
                text_files(&path, out);
            }
        } else if name != "Cargo.lock"
            && let Ok(text) = std::fs::read_to_string(&path)
        {
            out.push((path, text));
        }
    }
}

/// The contents of the double-quoted literals on a line.
fn quoted(line: &str) -> Vec<&str> {
    let mut found = Vec::new();
    let mut rest = line;
    while let Some(start) = rest.find('"') {
        let after = &rest[start + 1..];
        let mut end = None;
        let mut escaped = false;
        for (i, c) in after.char_indices() {
            match c {
                '\\' if !escaped => escaped = true,
                '"' if !escaped => {
                    end = Some(i);
                    break;
                }
                _ => escaped = false,
            }
        }
        let Some(end) = end else { break };
        found.push(&after[..end]);
        rest = &after[end + 1..];
    }
    found
}

/// What a line sets `JWT_SECRET` to, in the shapes a shell, an env file, a Dockerfile or a
/// compose file use: `JWT_SECRET=value`, `JWT_SECRET: value`, `${JWT_SECRET:-value}`.
fn assigned(line: &str) -> Vec<String> {
    let mut found = Vec::new();
    for (at, _) in line.match_indices("JWT_SECRET") {
        let rest = &line[at + "JWT_SECRET".len()..];
        let value = if let Some(default) = rest.strip_prefix(":-") {
            default.split('}').next()
        } else if let Some(value) = rest.strip_prefix('=') {
            value.split_whitespace().next()
        } else if let Some(value) = rest.strip_prefix(": ") {
            Some(value.trim()).filter(|v| !v.starts_with("${"))
        } else {
            None
        };
        if let Some(value) = value {
            found.push(value.trim_matches(['"', '\'', '`']).to_owned());
        }
    }
    found
}

/// Strings that look like JWT secrets: what `JWT_SECRET` is set to, and literals of a secret's
/// length (no spaces) on a line that names a secret or that call themselves one.
fn secrets_in(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    for line in text.lines() {
        found.extend(assigned(line));
        let names_a_secret = line.to_lowercase().contains("secret");
        found.extend(
            quoted(line)
                .into_iter()
                .filter(|literal| names_a_secret && !literal.contains(char::is_whitespace))
                .map(str::to_owned),
        );
    }
    found.retain(|s| s.len() >= MIN_SECRET_BYTES && !s.contains(['{', '$', '<', '…']));
    found
}

#[test]
fn every_jwt_secret_in_the_repository_is_one_production_refuses() {
    let mut files = Vec::new();
    text_files(&repository(), &mut files);
    assert!(files.len() > 20, "the scan found the repository's files");
    let mut unlisted = Vec::new();
    let mut seen = Vec::new();
    for (path, text) in &files {
        for secret in secrets_in(text) {
            seen.push(secret.clone());
            if !PUBLISHED_SECRETS.contains(&secret.as_str()) {
                unlisted.push(format!("{}: {secret}", path.display()));
            }
        }
    }
    assert!(
        unlisted.is_empty(),
        "secrets written in the repository that production would accept; add them to \
         api::settings::PUBLISHED_SECRETS (or stop writing them down):\n{}",
        unlisted.join("\n")
    );
    // The scan reads real files: it finds the secret the end-to-end tests sign with.
    assert!(
        seen.iter()
            .any(|s| s == "end-to-end-test-secret-0123456789abcdef"),
        "{seen:?}"
    );
}

#[test]
fn the_scan_finds_secrets_in_the_shapes_they_are_written() {
    let secret = "s".repeat(40);
    for line in [
        format!("JWT_SECRET={secret} cargo run"),
        format!("      JWT_SECRET: {secret}"),
        format!("      JWT_SECRET: ${{JWT_SECRET:-{secret}}}"),
        format!(".env(\"JWT_SECRET\", \"{secret}\")"),
        format!("const SECRET: &str = \"{secret}\";"),
    ] {
        assert_eq!(secrets_in(&line), vec![secret.clone()], "{line}");
    }
    for line in [
        "      JWT_SECRET: ${JWT_SECRET:?set JWT_SECRET to a secret of your own}",
        "JWT_SECRET=$(openssl rand -hex 32)",
        "| `JWT_SECRET` | development default | HS256 secret, at least 32 bytes |",
        "let message = \"JWT_SECRET must be at least 32 bytes\";",
    ] {
        assert!(
            secrets_in(line).is_empty(),
            "{line}: {:?}",
            secrets_in(line)
        );
    }
}

/// `docker compose up` must not start with a secret everyone can read.
#[test]
fn the_compose_file_requires_a_secret_of_your_own() {
    let compose = std::fs::read_to_string(repository().join("docker-compose.yml")).unwrap();
    let line = compose
        .lines()
        .find(|l| l.trim_start().starts_with("JWT_SECRET:"))
        .expect("the compose file sets JWT_SECRET");
    assert!(line.contains("${JWT_SECRET:?"), "{line}");
    assert!(!line.contains(":-"), "no default: {line}");
}
