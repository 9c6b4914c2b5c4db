//! Resets through the real binary against the simulator over HTTP: every kind of demo
//! user, both Graph paths, the simulator's state afterwards, exit codes and JSON; secrets
//! kept out of logs and the journal; and a connection dropped after the reset was sent.

use std::path::PathBuf;
use std::process::Stdio;

use crate::support::{Env, Setup, persona, start};
use resetdesk::secret::ExposeSecret;
use serde_json::Value;
use tokio::io::AsyncWriteExt;

use crate::support::home::BIN;

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}\n{}", self.stdout, self.stderr))
    }
}

async fn cli(
    env: &Env,
    journal: &PathBuf,
    args: &[&str],
    stdin: Option<&str>,
    extra_env: &[(&str, &str)],
) -> Run {
    let mut c = tokio::process::Command::new(BIN);
    c.args(["--graph-url", &env.sim.base_url, "--auth", "access-token"])
        .args(args)
        .env("RESETDESK_ACCESS_TOKEN", env.sim.token.expose_secret())
        .env("RESETDESK_JOURNAL_PATH", journal)
        .env("XDG_CONFIG_HOME", journal.parent().unwrap())
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in extra_env {
        c.env(k, v);
    }
    let mut child = c.spawn().unwrap();
    if let Some(input) = stdin {
        let mut pipe = child.stdin.take().unwrap();
        pipe.write_all(input.as_bytes()).await.unwrap();
        drop(pipe);
    }
    let out = child.wait_with_output().await.unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// What the simulator holds for a user now.
async fn state(env: &Env, upn: &str) -> Value {
    let (status, _, body) = env
        .raw(
            &format!("/users/{upn}?$select=passwordProfile,lastPasswordChangeDateTime,signInSessionsValidFromDateTime"),
            false,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    body
}

fn journal_path() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("journal.jsonl");
    (dir, p)
}

#[tokio::test(flavor = "multi_thread")]
async fn every_kind_of_user_through_both_paths() {
    let env = persona("helpdesk").await;
    let (_dir, journal) = journal_path();

    // Cloud user, defaults: generated password, change required.
    let before = state(&env, "adele.vance@contoso.com").await;
    let r = cli(
        &env,
        &journal,
        &[
            "reset",
            "adele.vance@contoso.com",
            "--yes",
            "--json",
            "--ticket",
            "INC-1",
        ],
        None,
        &[],
    )
    .await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    let doc = r.json();
    assert_eq!(doc["status"], "succeeded");
    assert_eq!(doc["method"], "passwordProfile");
    assert_eq!(doc["forceChangePasswordNextSignIn"], true);
    let pw = doc["temporaryPassword"].as_str().unwrap().to_string();
    assert_eq!(pw.len(), 16);
    let after = state(&env, "adele.vance@contoso.com").await;
    assert_ne!(
        before["lastPasswordChangeDateTime"],
        after["lastPasswordChangeDateTime"]
    );
    assert_eq!(
        after["passwordProfile"]["forceChangePasswordNextSignIn"],
        true
    );

    // No forced change, sessions revoked.
    let before = state(&env, "mia.chen@contoso.com").await;
    let r = cli(
        &env,
        &journal,
        &[
            "reset",
            "mia.chen@contoso.com",
            "--yes",
            "--json",
            "--no-force-change",
            "--revoke-sessions",
        ],
        None,
        &[],
    )
    .await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.json()["sessionsRevoked"], true);
    let after = state(&env, "mia.chen@contoso.com").await;
    assert_eq!(
        after["passwordProfile"]["forceChangePasswordNextSignIn"],
        false
    );
    assert_ne!(
        before["signInSessionsValidFromDateTime"],
        after["signInSessionsValidFromDateTime"]
    );

    // Change after MFA.
    let r = cli(
        &env,
        &journal,
        &[
            "reset",
            "liam.murphy@contoso.com",
            "--yes",
            "--json",
            "--force-change-with-mfa",
        ],
        None,
        &[],
    )
    .await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    let after = state(&env, "liam.murphy@contoso.com").await;
    assert_eq!(
        after["passwordProfile"]["forceChangePasswordNextSignInWithMfa"],
        true
    );

    // Synced user: resetPassword, its operation followed to the end.
    let before = state(&env, "alan.steiner@contoso.com").await;
    let r = cli(
        &env,
        &journal,
        &["reset", "alan.steiner@contoso.com", "--yes", "--json"],
        None,
        &[],
    )
    .await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    let doc = r.json();
    assert_eq!(doc["method"], "resetPassword");
    // A helpdesk admin cannot read the operation: sent, accepted, settled by the audit log.
    assert_eq!(doc["status"], "accepted");
    assert_eq!(doc["exitCode"], 0);
    assert!(doc["temporaryPassword"].is_string());
    let after = state(&env, "alan.steiner@contoso.com").await;
    assert_ne!(
        before["lastPasswordChangeDateTime"],
        after["lastPasswordChangeDateTime"]
    );

    // Once-synced (cloud now), disabled (allowed, warned), local guest.
    for upn in [
        "kevin.moore@contoso.com",
        "oliver.grant@contoso.com",
        "sam.ortega@contoso.com",
    ] {
        let r = cli(
            &env,
            &journal,
            &["reset", upn, "--yes", "--json"],
            None,
            &[],
        )
        .await;
        assert_eq!(r.code, 0, "{upn}: {}", r.stderr);
        assert_eq!(r.json()["method"], "passwordProfile", "{upn}");
    }
    let r = cli(
        &env,
        &journal,
        &["reset", "oliver.grant@contoso.com", "--yes"],
        None,
        &[],
    )
    .await;
    assert!(r.stderr.contains("disabled"), "{}", r.stderr);

    // Synced, but on-premises refuses (AdminCount=1). A helpdesk admin cannot read the
    // operation: accepted, and the audit log records the failure.
    let r = cli(
        &env,
        &journal,
        &["reset", "nora.lindqvist@contoso.com", "--yes", "--json"],
        None,
        &[],
    )
    .await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.json()["status"], "accepted");
    let failures: Vec<_> = env
        .sim
        .state
        .tenant
        .read()
        .unwrap()
        .audit
        .iter()
        .filter(|a| a.entry["result"] == "failure")
        .map(|a| a.entry["resultReason"].to_string())
        .collect();
    assert!(
        failures.iter().any(|r| r.contains("AdminCount=1")),
        "the audit log settles it: {failures:?}"
    );
    // An Authentication Administrator reads the operation: failed at once.
    let reader = env.token_for("auth-admin");
    let r = cli(
        &env,
        &journal,
        &["reset", "nora.lindqvist@contoso.com", "--yes", "--json"],
        None,
        &[("RESETDESK_ACCESS_TOKEN", &reader)],
    )
    .await;
    assert_eq!(r.code, 1, "{}", r.stderr);
    let doc = r.json();
    assert_eq!(doc["status"], "failed");
    assert!(doc["detail"].as_str().unwrap().contains("AdminCount=1"));
    // …and says what to do, in --json, on the terminal and in the journal.
    assert_eq!(doc["error"]["code"], "writeback-refused", "{doc}");
    let fix = doc["error"]["fix"].as_str().unwrap();
    assert!(
        fix.contains("on-premises Active Directory") && fix.contains("adminCount"),
        "{fix}"
    );
    let last = std::fs::read_to_string(&journal)
        .unwrap()
        .lines()
        .last()
        .unwrap()
        .to_string();
    assert!(
        last.contains("adminCount"),
        "the journal has the fix: {last}"
    );
    assert!(
        doc.get("temporaryPassword").is_none(),
        "no password when the reset certainly failed"
    );

    // Refused before anything is sent: federated, external, pending invite, an admin.
    for upn in [
        "hans.becker@eu.contoso.com",
        "tom.baker_outlook.com#EXT#@contoso.onmicrosoft.com",
        "nadia.petrova_northwind.com#EXT#@contoso.onmicrosoft.com",
        "megan.bowen@contoso.com",
    ] {
        let before = state(&env, &upn.replace('#', "%23")).await;
        let r = cli(
            &env,
            &journal,
            &["reset", upn, "--yes", "--json"],
            None,
            &[],
        )
        .await;
        assert_eq!(r.code, 3, "{upn}: {}", r.stderr);
        let doc = r.json();
        assert_eq!(doc["status"], "refused");
        assert!(!doc["reasons"][0]["fix"].as_str().unwrap().is_empty());
        assert_eq!(
            before,
            state(&env, &upn.replace('#', "%23")).await,
            "{upn} unchanged"
        );
    }

    // Without --yes and without a terminal to ask on: refused, nothing changed.
    let before = state(&env, "ethan.clark@contoso.com").await;
    let r = cli(
        &env,
        &journal,
        &["reset", "ethan.clark@contoso.com"],
        None,
        &[],
    )
    .await;
    assert_eq!(r.code, 3);
    assert!(r.stderr.contains("--yes"), "{}", r.stderr);
    assert_eq!(before, state(&env, "ethan.clark@contoso.com").await);

    // The journal has every attempt that reached Graph, and the tickets.
    let text = std::fs::read_to_string(&journal).unwrap();
    let entries: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(entries.len(), 10);
    assert_eq!(entries[0]["ticket"], "INC-1");
    assert!(entries.iter().any(|e| e["outcome"] == "accepted"));
    assert_eq!(entries[0]["outcome"], "succeeded");
    assert!(entries.iter().any(|e| e["outcome"] == "failed"));
    let r = cli(&env, &journal, &["journal", "--json"], None, &[]).await;
    assert_eq!(r.json().as_array().unwrap().len(), 10);

    // A Privileged Authentication Administrator may reset the Global Administrator.
    let paa = persona("privileged-auth-admin").await;
    let r = cli(
        &paa,
        &journal,
        &["reset", "megan.bowen@contoso.com", "--yes", "--json"],
        None,
        &[],
    )
    .await;
    assert_eq!(r.code, 0, "{}", r.stderr);
}

#[tokio::test(flavor = "multi_thread")]
async fn typed_passwords_come_from_stdin_and_are_checked() {
    let env = persona("helpdesk").await;
    let (_dir, journal) = journal_path();
    let r = cli(
        &env,
        &journal,
        &[
            "reset",
            "ava.thompson@contoso.com",
            "--password-stdin",
            "--yes",
            "--json",
        ],
        Some("Qm7#vT2!pLw9zR\n"),
        &[],
    )
    .await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    let doc = r.json();
    assert_eq!(doc["status"], "succeeded");
    assert!(
        doc.get("temporaryPassword").is_none(),
        "never echo a password that came in on stdin"
    );
    assert!(!r.stdout.contains("Qm7#vT2!pLw9zR") && !r.stderr.contains("Qm7#vT2!pLw9zR"));
    // Weak: refused locally with the policy's words, nothing sent.
    let r = cli(
        &env,
        &journal,
        &[
            "reset",
            "ava.thompson@contoso.com",
            "--password-stdin",
            "--yes",
        ],
        Some("weak\n"),
        &[],
    )
    .await;
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("at least 8 characters"), "{}", r.stderr);
    // Banned by Graph (the simulator's list): the complexity 400, explained.
    let r = cli(
        &env,
        &journal,
        &[
            "reset",
            "ava.thompson@contoso.com",
            "--password-stdin",
            "--yes",
            "--json",
        ],
        Some("Welcome2026!Now\n"),
        &[],
    )
    .await;
    assert_eq!(r.code, 1, "{}", r.stderr);
    let doc = r.json();
    assert_eq!(doc["status"], "failed");
    assert_eq!(
        doc["error"]["code"], "graph-error",
        "a stable code for scripts"
    );
    assert_eq!(doc["error"]["graphCode"], "Request_BadRequest");
    assert!(doc["error"]["fix"].as_str().unwrap().contains("generate"));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_password_is_in_no_log_journal_or_output_but_the_one_field() {
    let env = persona("helpdesk").await;
    let (_dir, journal) = journal_path();
    let trace = [("RESETDESK_LOG", "trace")];
    let r = cli(
        &env,
        &journal,
        &[
            "reset",
            "james.wilson@contoso.com",
            "--yes",
            "--json",
            "--revoke-sessions",
        ],
        None,
        &trace,
    )
    .await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    let doc = r.json();
    let pw = doc["temporaryPassword"].as_str().unwrap().to_string();
    assert!(
        r.stderr.contains("graph write"),
        "trace logging was on: {}",
        r.stderr
    );
    assert!(!r.stderr.contains(&pw), "password in the log");
    assert!(
        !r.stderr.contains(env.sim.token.expose_secret()),
        "token in the log"
    );
    assert_eq!(
        r.stdout.matches(&pw).count(),
        1,
        "only the temporaryPassword field"
    );
    let j = std::fs::read_to_string(&journal).unwrap();
    assert!(!j.contains(&pw), "password in the journal");
    // The synced path too (the password travels in a resetPassword body).
    let r = cli(
        &env,
        &journal,
        &["reset", "brian.johnson@contoso.com", "--yes"],
        None,
        &trace,
    )
    .await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    let line = r
        .stdout
        .lines()
        .find(|l| l.contains("Temporary password:"))
        .unwrap();
    let pw = line.rsplit(' ').next().unwrap();
    assert!(!r.stderr.contains(pw));
    assert!(!std::fs::read_to_string(&journal).unwrap().contains(pw));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_connection_dropped_after_sending_gives_unconfirmed_and_keeps_the_password() {
    let env = start(Setup {
        faults: "drop-write:1",
        ..Setup::default()
    })
    .await;
    let (_dir, journal) = journal_path();
    let audit_before = env.sim.state.tenant.read().unwrap().audit.len();
    let r = cli(
        &env,
        &journal,
        &["reset", "daniel.evans@contoso.com", "--yes", "--json"],
        None,
        &[],
    )
    .await;
    assert_eq!(r.code, 1, "{}", r.stderr);
    let doc = r.json();
    assert_eq!(doc["status"], "unconfirmed");
    assert!(
        doc["temporaryPassword"].as_str().unwrap().len() >= 12,
        "the password is kept"
    );
    assert!(doc["error"]["fix"].as_str().unwrap().contains("verify"));
    // Exactly one reset happened in the tenant: it was not retried.
    let t = env.sim.state.tenant.read().unwrap();
    let resets = t.audit[audit_before..]
        .iter()
        .filter(|e| e.entry["activityDisplayName"] == "Reset user password")
        .count();
    assert_eq!(resets, 1);
    drop(t);
    let j = std::fs::read_to_string(&journal).unwrap();
    assert!(
        j.lines()
            .last()
            .unwrap()
            .contains("\"outcome\":\"unconfirmed\"")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn audit_marks_entries_that_confirm_a_journaled_reset() {
    let env = persona("helpdesk").await;
    let (_dir, journal) = journal_path();
    let r = cli(
        &env,
        &journal,
        &["reset", "samuel.turner@contoso.com", "--yes", "--json"],
        None,
        &[],
    )
    .await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = cli(
        &env,
        &journal,
        &["audit", "--since", "1h", "--json"],
        None,
        &[],
    )
    .await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    let entries = r.json();
    let mine: Vec<&Value> = entries
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["targetResources"][0]["userPrincipalName"] == "samuel.turner@contoso.com")
        .collect();
    assert_eq!(
        mine.len(),
        2,
        "Core Directory and the password service both log it"
    );
    assert!(
        mine.iter()
            .all(|e| e["who"] == "you" && e["confirmsJournal"] == true)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn show_reads_back_that_a_change_is_pending() {
    let env = persona("helpdesk").await;
    let (_dir, journal) = journal_path();
    let r = cli(
        &env,
        &journal,
        &["show", "evelyn.hughes@contoso.com", "--json"],
        None,
        &[],
    )
    .await;
    assert_eq!(r.json()["user"]["forceChangePasswordNextSignIn"], false);
    let r = cli(
        &env,
        &journal,
        &[
            "reset",
            "evelyn.hughes@contoso.com",
            "--yes",
            "--force-change-with-mfa",
        ],
        None,
        &[],
    )
    .await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = cli(
        &env,
        &journal,
        &["show", "evelyn.hughes@contoso.com", "--json"],
        None,
        &[],
    )
    .await;
    let user = &r.json()["user"];
    assert_eq!(user["forceChangePasswordNextSignIn"], true);
    assert_eq!(user["forceChangePasswordNextSignInWithMfa"], true);
    let r = cli(
        &env,
        &journal,
        &["show", "evelyn.hughes@contoso.com"],
        None,
        &[],
    )
    .await;
    assert!(
        r.stdout
            .contains("change (after MFA) pending at next sign-in"),
        "{}",
        r.stdout
    );
}
