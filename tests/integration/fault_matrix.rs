//! Issue 16, item 1: the fault matrix. Every operation × every fault, the real binary
//! against the simulator over HTTP, one test per operation (a row). Each cell is run with
//! the fault striking the operation's own request every time (`sim --faults KIND:1@SCOPE`),
//! so the outcome is certain, not a roll of the dice; the other requests are answered.
//!
//! Every cell must: not panic; end (a hung run is killed and fails); say on stderr, in
//! one line, what happened, naming the fault; exit with the code RELIABILITY.md's table
//! gives; send no write that took effect twice (the simulator counts them); keep the
//! password of an unknown outcome (`unconfirmed`, the password printed and journaled as
//! such); never turn a transient fault into a refusal. RELIABILITY.md's table is compared
//! with what the cells did, so the document cannot drift from the product.

use std::collections::BTreeMap;
use std::process::Stdio;
use std::time::Duration;

use serde_json::Value;
use tokio::io::AsyncWriteExt;

use crate::support::home::Home;
use crate::support::{Env, Setup, start};
use resetdesk::secret::ExposeSecret;

/// One column: a fault, its spec for a scope, and the words that must name it.
struct Fault {
    name: &'static str,
    spec: fn(&str) -> String,
    env: &'static [(&'static str, &'static str)],
    /// Does this fault leave the outcome of a write unknown?
    after_sending: bool,
    /// Is it transient (never a refusal)?
    transient: bool,
    /// The stderr line must contain one of these (lowercased).
    names: &'static [&'static str],
}

const FAULTS: &[Fault] = &[
    Fault {
        name: "429 storm (Retry-After 0.05)",
        spec: |s| format!("429:1:0.05@{s}"),
        env: &[],
        after_sending: false,
        transient: true,
        names: &["429", "throttl", "too many"],
    },
    Fault {
        name: "429 (Retry-After 3600)",
        spec: |s| format!("429:1:3600@{s}"),
        env: &[],
        after_sending: false,
        transient: true,
        names: &["3600 s"],
    },
    Fault {
        name: "503 storm",
        spec: |s| format!("503:1:0.05@{s}"),
        env: &[],
        after_sending: false,
        transient: true,
        names: &["503", "unavailable"],
    },
    Fault {
        name: "dropped before processing",
        spec: |s| format!("reset-before:1@{s}"),
        env: &[],
        after_sending: true,
        transient: true,
        names: &["connection", "network"],
    },
    Fault {
        name: "dropped after processing",
        spec: |s| format!("reset:1@{s}"),
        env: &[],
        after_sending: true,
        transient: true,
        names: &["connection", "network"],
    },
    Fault {
        name: "slower than the timeout",
        spec: |s| format!("slow:1:2500@{s}"),
        env: &[("RESETDESK_TIMEOUT_SECS", "1")],
        after_sending: true,
        transient: true,
        names: &["timed out", "timeout"],
    },
    Fault {
        name: "malformed JSON",
        spec: |s| format!("garbage:1@{s}"),
        env: &[],
        after_sending: true,
        transient: true,
        names: &["malformed", "json", "parse"],
    },
    Fault {
        name: "truncated JSON",
        spec: |s| format!("malformed:1@{s}"),
        env: &[],
        after_sending: true,
        transient: true,
        names: &["malformed", "json", "parse", "connection", "eof"],
    },
    Fault {
        name: "401 mid-session",
        spec: |s| format!("401:1@{s}"),
        env: &[],
        after_sending: false,
        transient: false,
        names: &["401", "sign-in", "sign in", "invalidauthenticationtoken"],
    },
    Fault {
        name: "403 missing scope",
        spec: |s| format!("403:1@{s}"),
        env: &[],
        after_sending: false,
        transient: false,
        names: &[
            "403",
            "permission",
            "privileges",
            "authorization_requestdenied",
        ],
    },
];

/// One row: an operation, who runs it, and which of its requests the fault strikes.
struct Op {
    name: &'static str,
    persona: &'static str,
    args: &'static [&'static str],
    stdin: Option<&'static str>,
    /// The operation's own request: every fault but the single-fact one strikes it.
    scope: &'static str,
    /// One fact among several (the 403 on a single fact), if the operation has any.
    fact: Option<&'static str>,
    /// A CSV for `bulk`.
    csv: Option<&'static str>,
    /// Faults that cannot strike this operation (RELIABILITY.md says why).
    skip: &'static [&'static str],
    writes: bool,
    /// Signs in with the device code against the simulator's identity platform, instead
    /// of a token from the environment.
    device_code: bool,
    /// Was the password resetdesk's (generated here), so that an unknown outcome keeps it?
    keeps_password: bool,
}

/// What one cell did.
#[derive(Debug)]
struct Cell {
    code: i32,
    status: String,
    stderr: String,
    doc: Option<Value>,
    writes: BTreeMap<String, u32>,
    journal: String,
}

impl Cell {
    fn summary(&self) -> String {
        if self.status.is_empty() {
            format!("{}", self.code)
        } else {
            format!("{} · {}", self.code, self.status)
        }
    }
}

async fn run_cell(op: &Op, spec: &str, env: &[(&str, &str)]) -> Cell {
    let sim: Env = start(Setup {
        persona: op.persona,
        faults: Box::leak(spec.to_string().into_boxed_str()),
        max_attempts: 3,
        ..Setup::default()
    })
    .await;
    let home = Home::new();
    let journal = home.path("journal.jsonl");
    let mut args: Vec<String> = vec![
        "--graph-url".into(),
        sim.sim.base_url.clone(),
        "--auth".into(),
        if op.device_code {
            "device-code"
        } else {
            "access-token"
        }
        .into(),
    ];
    for a in op.args {
        if *a == "CSV" {
            let path = home.path("users.csv");
            std::fs::write(&path, op.csv.unwrap()).unwrap();
            args.push(path.display().to_string());
        } else {
            args.push(a.to_string());
        }
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let token = sim.sim.token.expose_secret().to_string();
    let authority = sim.authority();
    let mut envs = vec![
        ("RESETDESK_AUTHORITY_URL", authority.as_str()),
        (
            "RESETDESK_CLIENT_ID",
            "2f3c4d5e-0000-4000-8000-00000000c0de",
        ),
        ("RESETDESK_TENANT", "contoso.onmicrosoft.com"),
        ("RESETDESK_JOURNAL_PATH", journal.to_str().unwrap()),
        ("RESETDESK_MAX_ATTEMPTS", "3"),
    ];
    if !op.device_code {
        envs.push(("RESETDESK_ACCESS_TOKEN", token.as_str()));
    }
    envs.extend_from_slice(env);
    let mut cmd = tokio::process::Command::from(home.command(&args, &envs));
    cmd.stdin(if op.stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    })
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .kill_on_drop(true);
    let mut child = cmd.spawn().unwrap();
    if let Some(input) = op.stdin {
        let mut pipe = child.stdin.take().unwrap();
        pipe.write_all(input.as_bytes()).await.unwrap();
    }
    // A guard against a hang, not a timing check.
    let out = tokio::time::timeout(Duration::from_secs(90), child.wait_with_output())
        .await
        .unwrap_or_else(|_| panic!("{} under {spec} hung", op.name))
        .unwrap();
    let doc: Option<Value> = serde_json::from_slice(&out.stdout).ok();
    let status = match doc.as_ref() {
        // A bulk run: how many rows ended how.
        Some(d) if d["rows"].is_array() => {
            let mut counts = BTreeMap::<String, usize>::new();
            for r in d["rows"].as_array().unwrap() {
                *counts
                    .entry(r["status"].as_str().unwrap_or("?").into())
                    .or_default() += 1;
            }
            let parts: Vec<String> = counts.iter().map(|(k, n)| format!("{n} {k}")).collect();
            parts.join(", ")
        }
        Some(d) => d["status"].as_str().unwrap_or_default().to_string(),
        None => String::new(),
    };
    Cell {
        code: out.status.code().unwrap_or(-1),
        status,
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        doc,
        writes: sim.sim.state.writes().into_iter().collect(),
        journal: std::fs::read_to_string(&journal).unwrap_or_default(),
    }
}

/// The checks every cell must pass, whatever its outcome.
fn check(op: &Op, fault: Option<&Fault>, cell: &Cell) -> Vec<String> {
    let mut bad = Vec::new();
    let name = fault.map_or("403 on one fact", |f| f.name);
    if cell.stderr.contains("panicked") {
        bad.push("panicked".into());
    }
    // Warnings (`! …`) may precede it; the cause is one line of its own.
    let lines: Vec<&str> = cell
        .stderr
        .lines()
        .filter(|l| l.starts_with("resetdesk:"))
        .collect();
    if cell.code != 0 {
        if lines.len() != 1 {
            bad.push(format!("{} lines naming a failure", lines.len()));
        }
        if let Some(f) = fault {
            let text = cell.stderr.to_lowercase();
            if !f.names.iter().any(|n| text.contains(n)) {
                bad.push(format!("the cause is not named ({:?})", f.names));
            }
        }
        if cell.doc.is_none() {
            bad.push("stdout is not one JSON document".into());
        }
    }
    if cell.writes.values().any(|n| *n > 1) {
        bad.push(format!("a write took effect twice: {:?}", cell.writes));
    }
    if fault.is_some_and(|f| f.transient) && (cell.code == 3 || cell.status == "refused") {
        bad.push("a transient fault became a refusal".into());
    }
    let unconfirmed: Vec<&Value> = match &cell.doc {
        Some(d) if d["rows"].is_array() => d["rows"].as_array().unwrap().iter().collect(),
        Some(d) => vec![d],
        None => Vec::new(),
    }
    .into_iter()
    .filter(|d| d["status"] == "unconfirmed")
    .collect();
    if op.writes && !unconfirmed.is_empty() {
        if op.keeps_password
            && unconfirmed
                .iter()
                .any(|d| d["temporaryPassword"].as_str().is_none_or(str::is_empty))
        {
            bad.push("an unconfirmed reset lost its password".into());
        }
        // A bulk run journals each reset as `sending` before it goes; the outcome follows.
        let journaled = cell
            .journal
            .lines()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .filter(|e| e["outcome"] == "unconfirmed" && e["action"] != "sending")
            .count();
        if journaled != unconfirmed.len() {
            bad.push(format!(
                "{} unconfirmed, {journaled} journaled as unconfirmed",
                unconfirmed.len()
            ));
        }
    }
    // When the fault strikes the write itself and answers before processing it, the
    // outcome is known: not made.
    let strikes_write = !op.scope.starts_with("GET");
    if strikes_write && fault.is_some_and(|f| !f.after_sending) && !unconfirmed.is_empty() {
        bad.push(format!("{name}: nothing was processed, yet unconfirmed"));
    }
    bad
}

/// The row's cells, run at once (each has its own simulator and home): they mostly wait.
async fn row(op: &Op) -> Vec<(String, String, Vec<String>)> {
    let cells = FAULTS.iter().map(|f| async move {
        if op.skip.contains(&f.name) {
            return (f.name.to_string(), "—".into(), Vec::new());
        }
        let cell = run_cell(op, &(f.spec)(op.scope), f.env).await;
        let bad = check(op, Some(f), &cell);
        (f.name.to_string(), cell.summary(), bad_with(&cell, bad))
    });
    let mut out = futures::future::join_all(cells).await;
    let name = "403 on one fact".to_string();
    match op.fact {
        Some(fact) => {
            let cell = run_cell(op, &format!("403:1@{fact}"), &[]).await;
            let bad = check(op, None, &cell);
            out.push((name, cell.summary(), bad_with(&cell, bad)));
        }
        None => out.push((name, "—".into(), Vec::new())),
    }
    out
}

fn bad_with(cell: &Cell, mut bad: Vec<String>) -> Vec<String> {
    if !bad.is_empty() {
        bad.push(format!("stderr: {}", cell.stderr.trim_end()));
    }
    bad
}

async fn assert_row(op: &Op) {
    let cells = row(op).await;
    let mut report = format!("| {} |", op.name);
    let mut failures = Vec::new();
    for (fault, summary, bad) in &cells {
        report.push_str(&format!(" {summary} |"));
        if !bad.is_empty() {
            failures.push(format!("{fault}: {summary}: {}", bad.join("; ")));
        }
    }
    eprintln!("{report}");
    assert!(failures.is_empty(), "{}:\n{}", op.name, failures.join("\n"));
    assert_documented(op.name, &report);
}

/// RELIABILITY.md's fault matrix holds this row exactly as the cells ran.
fn assert_documented(name: &str, row: &str) {
    let doc =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/RELIABILITY.md")).unwrap();
    let prefix = format!("| {name} |");
    let documented = doc.lines().find(|l| l.starts_with(&prefix));
    assert_eq!(
        documented,
        Some(row),
        "RELIABILITY.md's fault matrix differs from what the cells did; the row is:\n{row}"
    );
}

const CLOUD_CSV: &str = "UserPrincipalName\nadele.vance@contoso.com\nalan.steiner@contoso.com\ndaniel.evans@contoso.com\n";

#[tokio::test(flavor = "multi_thread")]
async fn search() {
    assert_row(&Op {
        name: "search",
        persona: "helpdesk",
        args: &["search", "adele", "--json"],
        stdin: None,
        scope: "GET:/users",
        fact: None,
        csv: None,
        skip: &[],
        writes: false,
        device_code: false,
        keeps_password: false,
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn show() {
    assert_row(&Op {
        name: "show",
        persona: "helpdesk",
        args: &["show", "adele.vance@contoso.com", "--json"],
        stdin: None,
        scope: "GET",
        fact: Some("/transitiveMemberOf"),
        csv: None,
        skip: &[],
        writes: false,
        device_code: false,
        keeps_password: false,
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn reset_password_profile() {
    assert_row(&Op {
        name: "reset (passwordProfile, generated)",
        persona: "helpdesk",
        args: &["reset", "adele.vance@contoso.com", "--yes", "--json"],
        stdin: None,
        scope: "PATCH:/users/",
        fact: Some("/transitiveMemberOf"),
        csv: None,
        skip: &[],
        writes: true,
        device_code: false,
        keeps_password: true,
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn reset_password_profile_typed() {
    assert_row(&Op {
        name: "reset (passwordProfile, typed)",
        persona: "helpdesk",
        args: &[
            "reset",
            "adele.vance@contoso.com",
            "--password-stdin",
            "--yes",
            "--json",
        ],
        stdin: Some("Quiet-Harbour-42-Lantern\n"),
        scope: "PATCH:/users/",
        fact: Some("/transitiveMemberOf"),
        csv: None,
        skip: &[],
        writes: true,
        device_code: false,
        keeps_password: false,
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn reset_reset_password() {
    assert_row(&Op {
        name: "reset (resetPassword, synced)",
        persona: "helpdesk",
        args: &["reset", "brian.johnson@contoso.com", "--yes", "--json"],
        stdin: None,
        scope: "POST:/resetPassword",
        fact: Some("/transitiveMemberOf"),
        csv: None,
        skip: &[],
        writes: true,
        device_code: false,
        keeps_password: true,
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn reset_operation_poll() {
    assert_row(&Op {
        name: "reset (resetPassword, its operation polled)",
        persona: "auth-admin",
        args: &["reset", "brian.johnson@contoso.com", "--yes", "--json"],
        stdin: None,
        scope: "GET:/authentication/operations/",
        fact: None,
        csv: None,
        skip: &[],
        writes: true,
        device_code: false,
        keeps_password: true,
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn force_change_only() {
    assert_row(&Op {
        name: "reset --force-change-only",
        persona: "helpdesk",
        args: &[
            "reset",
            "adele.vance@contoso.com",
            "--force-change-only",
            "--yes",
            "--json",
        ],
        stdin: None,
        scope: "PATCH:/users/",
        fact: Some("/transitiveMemberOf"),
        csv: None,
        skip: &[],
        writes: true,
        device_code: false,
        keeps_password: false,
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn bulk() {
    assert_row(&Op {
        name: "bulk (3 cloud users, one $batch)",
        persona: "helpdesk",
        args: &["bulk", "CSV", "--yes", "--json"],
        stdin: None,
        scope: "POST:/$batch",
        fact: Some("/transitiveMemberOf"),
        csv: Some(CLOUD_CSV),
        skip: &[],
        writes: true,
        device_code: false,
        keeps_password: true,
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn temporary_access_pass() {
    assert_row(&Op {
        name: "Temporary Access Pass",
        persona: "auth-admin",
        args: &["tap", "noah.kim@contoso.com", "--yes", "--json"],
        stdin: None,
        scope: "POST:/temporaryAccessPassMethods",
        fact: Some("/transitiveMemberOf"),
        csv: None,
        skip: &[],
        writes: true,
        device_code: false,
        keeps_password: false,
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn audit() {
    assert_row(&Op {
        name: "audit",
        persona: "helpdesk",
        args: &["audit", "--json"],
        stdin: None,
        scope: "GET:/auditLogs/directoryAudits",
        fact: None,
        csv: None,
        skip: &[],
        writes: false,
        device_code: false,
        keeps_password: false,
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn triage() {
    assert_row(&Op {
        name: "triage",
        persona: "helpdesk",
        args: &["triage", "noah.kim@contoso.com", "--json"],
        stdin: None,
        scope: "GET:/users",
        fact: Some("/auditLogs/signIns"),
        csv: None,
        skip: &[],
        writes: false,
        device_code: false,
        keeps_password: false,
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn sign_in() {
    assert_row(&Op {
        name: "sign-in (device code), then search",
        persona: "helpdesk",
        args: &["search", "adele", "--json"],
        stdin: None,
        scope: "POST:/oauth2/v2.0/",
        fact: None,
        csv: None,
        // The identity platform refuses clients and grants, never a bearer token.
        skip: &["401 mid-session", "403 missing scope"],
        writes: false,
        device_code: true,
        keeps_password: false,
    })
    .await;
}

/// `audit --follow` under each fault: it says on stderr what struck, keeps following,
/// and ends on Ctrl-C with 130; a fault that no wait can mend (a refused sign-in, a
/// missing permission) ends it at once with its own exit code.
#[tokio::test(flavor = "multi_thread")]
async fn audit_follow() {
    let cells = futures::future::join_all(FAULTS.iter().map(follow_cell)).await;
    let mut report = String::from("| audit --follow |");
    let mut failures = Vec::new();
    for (f, (summary, bad)) in FAULTS.iter().zip(cells) {
        report.push_str(&format!(" {summary} |"));
        if !bad.is_empty() {
            failures.push(format!("{}: {summary}: {}", f.name, bad.join("; ")));
        }
    }
    report.push_str(" — |");
    eprintln!("{report}");
    assert!(
        failures.is_empty(),
        "audit --follow:\n{}",
        failures.join("\n")
    );
    assert_documented("audit --follow", &report);
}

async fn follow_cell(f: &Fault) -> (String, Vec<String>) {
    use tokio::io::AsyncBufReadExt;
    {
        let spec = (f.spec)("GET:/auditLogs/directoryAudits");
        let sim: Env = start(Setup {
            faults: Box::leak(spec.clone().into_boxed_str()),
            max_attempts: 3,
            ..Setup::default()
        })
        .await;
        let home = Home::new();
        let token = sim.sim.token.expose_secret().to_string();
        let mut envs = vec![
            ("RESETDESK_ACCESS_TOKEN", token.as_str()),
            ("RESETDESK_AUDIT_POLL_SECS", "1"),
            ("RESETDESK_MAX_ATTEMPTS", "3"),
        ];
        envs.extend_from_slice(f.env);
        let args = [
            "--graph-url",
            sim.sim.base_url.as_str(),
            "--auth",
            "access-token",
            "audit",
            "--since",
            "1h",
            "--follow",
            "--json",
        ];
        let mut child = tokio::process::Command::from(home.command(&args, &envs))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let mut lines = tokio::io::BufReader::new(child.stderr.take().unwrap()).lines();
        let mut stderr = Vec::new();
        // A transient fault is named with "still following" and the wait; one no wait
        // mends is named, and the follower ends. The timeout is a guard against a hang,
        // not a timing check.
        let named = tokio::time::timeout(Duration::from_secs(60), async {
            while let Ok(Some(l)) = lines.next_line().await {
                let lower = l.to_lowercase();
                let hit = f.names.iter().any(|n| lower.contains(n))
                    && (!f.transient || lower.contains("still following"));
                stderr.push(l);
                if hit {
                    return true;
                }
            }
            false
        })
        .await
        .unwrap_or(false);
        if !f.transient {
            let _ = tokio::time::timeout(Duration::from_secs(30), child.wait()).await;
        }
        let running = child.try_wait().unwrap().is_none();
        if running {
            let pid = child.id().unwrap().to_string();
            std::process::Command::new("kill")
                .args(["-INT", &pid])
                .status()
                .unwrap();
        }
        let status = tokio::time::timeout(Duration::from_secs(30), child.wait())
            .await
            .unwrap_or_else(|_| panic!("audit --follow under {spec} did not end on SIGINT"))
            .unwrap();
        while let Ok(Ok(Some(l))) =
            tokio::time::timeout(Duration::from_secs(5), lines.next_line()).await
        {
            stderr.push(l);
        }
        let code = status.code().unwrap_or(-1);
        let text = stderr.join("\n");
        let mut bad = Vec::new();
        if text.contains("panicked") {
            bad.push("panicked".to_string());
        }
        if !named {
            bad.push(format!("the fault is not named ({:?})", f.names));
        }
        if f.transient && !(running && code == 130) {
            bad.push(format!(
                "a transient fault ended the follower (exit {code})"
            ));
        }
        if !f.transient && (running || code == 0) {
            bad.push(format!(
                "it went on through a fault no wait mends (exit {code})"
            ));
        }
        let summary = if running {
            format!("{code} · followed on")
        } else {
            format!("{code} · stopped")
        };
        if !bad.is_empty() {
            bad.push(format!("stderr: {text}"));
        }
        (summary, bad)
    }
}
