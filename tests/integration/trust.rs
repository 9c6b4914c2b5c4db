//! Trust defects found by hostile testing (issue 9), each pinned by the real binary:
//! crashes and overflows on bad input, transient faults that must never pose as refusals,
//! audit reads that retry, private files, per-tenant token caches and journals.

use std::io::{BufRead, BufReader};
use std::process::{Output, Stdio};
use std::time::Duration;

use serde_json::Value;

use crate::support::home::{Home, Sim, assert_clean_failure, json, spawn_sim, stderr};

// ---- item 6: crashes and overflows ----------------------------------------------------

#[test]
fn sim_loads_a_tenant_file() {
    let home = Home::new();
    let mut tenant: Value =
        serde_json::from_str(&std::fs::read_to_string("assets/demo-tenant.json").unwrap()).unwrap();
    let users = tenant["users"].as_array_mut().unwrap();
    let adele = users
        .iter_mut()
        .find(|u| u["userPrincipalName"] == "adele.vance@contoso.com")
        .unwrap();
    adele["displayName"] = "Adele Fromfile".into();
    let file = home.path("tenant.json");
    std::fs::write(&file, tenant.to_string()).unwrap();
    let sim = spawn_sim(&home, &["--tenant-file", file.to_str().unwrap()]);
    let o = home.run(
        &[
            "--graph-url",
            &sim.base_url,
            "--auth",
            "access-token",
            "search",
            "fromfile",
            "--json",
        ],
        &[("RESETDESK_ACCESS_TOKEN", &sim.token)],
    );
    assert_eq!(
        json(&o)["users"][0]["userPrincipalName"],
        "adele.vance@contoso.com",
        "{}",
        stderr(&o)
    );

    // A file that is not a tenant is a usage error, not a panic.
    std::fs::write(&file, "{not json").unwrap();
    let o = home.run(&["sim", "--tenant-file", file.to_str().unwrap()], &[]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(!stderr(&o).contains("panicked"), "{}", stderr(&o));
}

#[test]
fn audit_since_beyond_retention_is_a_usage_error() {
    let home = Home::new();
    for since in [
        "10000000d",
        "99999999999999999999d",
        "213503982334601d",
        "31d",
    ] {
        let o = home.run(&["--demo", "audit", "--since", since], &[]);
        assert_clean_failure(&o, 2);
        assert!(stderr(&o).contains("30 days"), "{since}: {}", stderr(&o));
    }
    let o = home.run(&["--demo", "audit", "--since", "30d", "--json"], &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

#[test]
fn show_and_reset_refuse_what_is_not_a_user() {
    let home = Home::new();
    for key in [".", "..", "", "   ", "...", "a\u{1b}[2J"] {
        let o = home.run(&["--demo", "show", key], &[]);
        assert_clean_failure(&o, 2);
        let o = home.run(&["--demo", "reset", key, "--yes"], &[]);
        assert_clean_failure(&o, 2);
        let o = home.run(&["--demo", "show", key, "--json"], &[]);
        assert_eq!(json(&o)["exitCode"], 2, "{key:?}");
        assert_eq!(json(&o)["error"]["code"], "usage", "{key:?}");
    }
    // Anything else may be a name: looked up, never used as a path, and not found.
    for key in ["users", "../groups", "a@b"] {
        let o = home.run(&["--demo", "show", key, "--json"], &[]);
        assert_eq!(o.status.code(), Some(1), "{key:?}: {}", stderr(&o));
        assert_eq!(json(&o)["error"]["code"], "user-not-found", "{key:?}");
    }
}

#[test]
fn a_config_that_is_not_a_small_regular_file_is_refused_at_once() {
    let home = Home::new();
    for path in ["/dev/zero", "/tmp"] {
        let o = home.run(&["--config", path, "--demo", "search", "x"], &[]);
        assert_clean_failure(&o, 2);
        assert!(stderr(&o).contains(path), "{}", stderr(&o));
    }
    let big = home.path("big.toml");
    std::fs::write(&big, "# padding\n".repeat(120_000)).unwrap();
    let o = home.run(
        &["--config", big.to_str().unwrap(), "--demo", "search", "x"],
        &[],
    );
    assert_clean_failure(&o, 2);
    assert!(stderr(&o).contains("larger than"), "{}", stderr(&o));
}

// ---- item 4: transient faults never become refusals ----------------------------------

/// Users the helpdesk persona may reset (one per Graph path).
const ALLOWED: [&str; 2] = ["adele.vance@contoso.com", "alan.steiner@contoso.com"];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transient_faults_while_gathering_facts_are_errors_not_refusals() {
    use resetdesk::service::facts::{assess, operator_facts};
    let clean = crate::support::start(crate::support::Setup::default()).await;
    let op = operator_facts(&clean.client, Default::default())
        .await
        .unwrap();
    for upn in ALLOWED {
        let a = assess(&clean.client, &op, upn).await.unwrap();
        assert!(a.verdict.allowed, "baseline: {upn} is allowed");
    }
    // Faults on reads, with few retries, so that some survive them.
    let faulty = crate::support::start(crate::support::Setup {
        faults: "503:0.15:0.01,429:0.1:0.01,malformed:0.02",
        max_attempts: 2,
        ..crate::support::Setup::default()
    })
    .await;
    let (mut ok, mut failed) = (0, 0);
    for i in 0..50 {
        let upn = ALLOWED[i % 2];
        let result = match operator_facts(&faulty.client, Default::default()).await {
            Ok(op) => assess(&faulty.client, &op, upn).await,
            Err(e) => Err(e),
        };
        match result {
            Ok(a) => {
                assert!(
                    a.verdict.allowed,
                    "run {i}: a fault became a refusal of {upn}: {:#?}",
                    a.verdict.reasons
                );
                ok += 1;
            }
            Err(e) => {
                assert!(
                    !e.is_forbidden() && !e.is_not_found(),
                    "run {i}: only transient errors are expected: {e}"
                );
                failed += 1;
            }
        }
    }
    assert!(
        ok > 0 && failed > 0,
        "the faults bit: {ok} ok, {failed} failed"
    );
}

#[test]
fn reset_under_a_503_storm_never_exits_refused() {
    let home = Home::new();
    let sim = spawn_sim(&home, &["--faults", "503:0.35:0.01,429:0.15:0.01"]);
    let mut codes = std::collections::BTreeMap::new();
    std::thread::scope(|scope| {
        let runs: Vec<_> = (0..5)
            .map(|t| {
                let (home, sim) = (&home, &sim);
                scope.spawn(move || {
                    let mut seen = Vec::new();
                    for i in 0..10 {
                        let upn = ALLOWED[(t + i) % 2];
                        let o = home.run(
                            &[
                                "--graph-url",
                                &sim.base_url,
                                "--auth",
                                "access-token",
                                "reset",
                                upn,
                                "--yes",
                                "--json",
                            ],
                            &[("RESETDESK_ACCESS_TOKEN", &sim.token)],
                        );
                        let doc = json(&o);
                        let code = o.status.code().unwrap();
                        assert_ne!(code, 3, "a fault became a refusal: {doc}\n{}", stderr(&o));
                        assert!(
                            !stderr(&o).contains("Consent to"),
                            "a consent fix for a fault: {}",
                            stderr(&o)
                        );
                        if code == 1 {
                            assert_eq!(doc["exitCode"], 1, "{doc}");
                            let message = doc["error"]["message"].as_str().unwrap_or_default();
                            let fix = doc["error"]["fix"].as_str().unwrap_or_default();
                            assert!(!fix.is_empty(), "a failure says what to do: {doc}");
                            assert!(
                                doc["status"] == "failed" || doc["status"] == "unconfirmed",
                                "{doc}"
                            );
                            assert!(!message.is_empty(), "{doc}");
                        }
                        seen.push(code);
                    }
                    seen
                })
            })
            .collect();
        for r in runs {
            for code in r.join().unwrap() {
                *codes.entry(code).or_insert(0) += 1;
            }
        }
    });
    assert_eq!(codes.values().sum::<i32>(), 50);
    assert!(!codes.contains_key(&3), "{codes:?}");
    assert!(
        codes.contains_key(&0) && codes.contains_key(&1),
        "{codes:?}"
    );
}

// ---- item 5: the audit log is read like every other read ------------------------------

#[tokio::test]
async fn audit_pages_are_retried_through_faults_and_throttling() {
    use resetdesk::graph::audit::{AuditPoller, PollerConfig};
    let env = crate::support::start(crate::support::Setup {
        faults: "503:0.3:0.01,429:0.1:0.01",
        audit: resetdesk::sim::AuditOptions {
            delay: Duration::ZERO,
            activity_every: None,
            history: 20,
            limit: (50, Duration::from_secs(1)),
        },
        ..crate::support::Setup::default()
    })
    .await;
    let mut p = AuditPoller::new(
        PollerConfig {
            limit: (50, Duration::from_secs(1)),
            max_attempts: 10,
            ..Default::default()
        },
        time::OffsetDateTime::now_utc() - time::Duration::days(1),
    );
    let mut total = 0;
    for i in 0..10 {
        total += p
            .poll(&env.client)
            .await
            .unwrap_or_else(|e| panic!("poll {i} gave up: {e}"))
            .len();
    }
    assert!(total > 0, "the history arrived");
    assert!(
        env.sim.state.request_count() > 10,
        "faults were met and retried: {} requests for 10 polls",
        env.sim.state.request_count()
    );
}

#[test]
fn six_audit_runs_in_ten_seconds_all_succeed() {
    let home = Home::new();
    let sim = spawn_sim(&home, &[]);
    for i in 0..7 {
        let o = home.run(
            &[
                "--graph-url",
                &sim.base_url,
                "--auth",
                "access-token",
                "audit",
                "--since",
                "1h",
                "--json",
            ],
            &[("RESETDESK_ACCESS_TOKEN", &sim.token)],
        );
        assert_eq!(o.status.code(), Some(0), "run {i}: {}", stderr(&o));
        assert!(json(&o).is_array(), "run {i}");
    }
}

#[test]
fn audit_follow_keeps_going_through_a_503_storm() {
    let home = Home::new();
    let sim = spawn_sim(
        &home,
        &[
            "--faults",
            "503:0.3:0.01",
            "--audit-every-secs",
            "1",
            "--audit-delay-ms",
            "0",
            "--audit-history",
            "0",
        ],
    );
    let mut child = home
        .command(
            &[
                "--graph-url",
                &sim.base_url,
                "--auth",
                "access-token",
                "audit",
                "--since",
                "1m",
                "--follow",
                "--json",
            ],
            &[
                ("RESETDESK_ACCESS_TOKEN", &sim.token),
                ("RESETDESK_AUDIT_POLL_SECS", "1"),
                ("RESETDESK_MAX_ATTEMPTS", "10"),
            ],
        )
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    // Entries keep arriving poll after poll; before the fix the follower died within a
    // few polls of the first 503.
    for n in 0..6 {
        let line = lines
            .next()
            .unwrap_or_else(|| panic!("the follower stopped after {n} entries"))
            .unwrap();
        let v: Value = serde_json::from_str(&line).unwrap();
        assert!(v["activityDisplayName"].is_string(), "{line}");
    }
    assert!(child.try_wait().unwrap().is_none(), "still following");
    let _ = child.kill();
    let _ = child.wait();
}

// ---- item 7: files and tokens ---------------------------------------------------------

#[cfg(unix)]
fn mode(p: &std::path::Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

#[cfg(unix)]
#[test]
fn the_console_log_is_private() {
    use std::os::unix::fs::PermissionsExt;
    let home = Home::new();
    // The console logs to its data directory even when it then refuses a non-terminal.
    let log = home.path("data/resetdesk/resetdesk.log");
    let _ = home.run(&["--demo"], &[("RESETDESK_LOG", "debug")]);
    assert_eq!(mode(&log), 0o600);
    // A log others can read is refused: not written to, and the run says so.
    std::fs::set_permissions(&log, std::fs::Permissions::from_mode(0o644)).unwrap();
    let before = std::fs::metadata(&log).unwrap().len();
    let o = home.run(&["--demo"], &[("RESETDESK_LOG", "debug")]);
    assert!(stderr(&o).contains("chmod 600"), "{}", stderr(&o));
    assert_eq!(std::fs::metadata(&log).unwrap().len(), before, "written to");
    assert_eq!(
        mode(&log),
        0o644,
        "left as it was, for its owner to look into"
    );
}

/// Every file resetdesk creates is its owner's only (the journal, the token cache, the
/// console log, bulk's --out), and a journal open to others is refused before anything
/// is sent: it decides what a rerun skips.
#[cfg(unix)]
#[test]
fn every_file_resetdesk_creates_is_0600_and_a_loose_journal_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let home = Home::new();
    let sim = spawn_sim(
        &home,
        &[
            "--audit-every-secs",
            "0",
            "--audit-history",
            "0",
            "--audit-delay-ms",
            "0",
        ],
    );
    let journal = home.path("data/resetdesk/journal.jsonl");
    let out = home.path("results.csv");
    let csv = home.path("users.csv");
    std::fs::write(&csv, "UserPrincipalName\nadele.vance@contoso.com\n").unwrap();
    let run = |args: &[&str]| {
        let mut all = vec![
            "--graph-url",
            sim.base_url.as_str(),
            "--auth",
            "access-token",
        ];
        all.extend_from_slice(args);
        home.run(&all, &[("RESETDESK_ACCESS_TOKEN", &sim.token)])
    };
    let o = run(&["reset", "mia.chen@contoso.com", "--yes"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = run(&[
        "bulk",
        csv.to_str().unwrap(),
        "--yes",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = device_code_search(&home, &sim, "contoso.onmicrosoft.com");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let mut created = vec![journal.clone(), out.clone()];
    for dir in ["data/resetdesk/tokens"] {
        for f in std::fs::read_dir(home.path(dir)).unwrap() {
            created.push(f.unwrap().path());
        }
    }
    assert!(created.len() >= 3, "{created:?}");
    for f in &created {
        assert_eq!(mode(f), 0o600, "{}", f.display());
    }
    // The journal opened to the group: the reset is refused before it is sent.
    std::fs::set_permissions(&journal, std::fs::Permissions::from_mode(0o660)).unwrap();
    let before = std::fs::read_to_string(&journal).unwrap();
    let o = run(&["reset", "adele.vance@contoso.com", "--yes", "--json"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert_eq!(
        json(&o)["error"]["code"],
        "journal-not-private",
        "{}",
        json(&o)
    );
    assert!(stderr(&o).contains("chmod 600"), "{}", stderr(&o));
    let o = run(&["bulk", csv.to_str().unwrap(), "--yes"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert_eq!(std::fs::read_to_string(&journal).unwrap(), before);
    // Nothing was reset: the audit log holds only the first two resets.
    std::fs::set_permissions(&journal, std::fs::Permissions::from_mode(0o600)).unwrap();
    let o = run(&["audit", "--since", "1h", "--json"]);
    let resets = json(&o)
        .as_array()
        .map(|a| {
            a.iter()
                .filter(|e| e["activityDisplayName"] == "Reset user password")
                .count()
        })
        .unwrap_or_default();
    assert_eq!(resets, 2, "the two resets before, and no third");
    // bulk --out never overwrites: the file exists.
    let o = run(&[
        "bulk",
        csv.to_str().unwrap(),
        "--yes",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
}

const CLIENT: &str = "2f3c4d5e-0000-4000-8000-00000000c0de";

fn device_code_search(home: &Home, sim: &Sim, tenant: &str) -> Output {
    let authority = sim.base_url.trim_end_matches("/v1.0").to_string();
    home.run(
        &[
            "--graph-url",
            &sim.base_url,
            "--auth",
            "device-code",
            "--tenant",
            tenant,
            "search",
            "adele",
            "--json",
        ],
        &[
            ("RESETDESK_AUTHORITY_URL", &authority),
            ("RESETDESK_CLIENT_ID", CLIENT),
        ],
    )
}

#[test]
fn the_token_cache_is_per_tenant_and_checks_the_tenant_id() {
    let home = Home::new();
    let sim = spawn_sim(&home, &["--audit-every-secs", "0"]);
    let o = device_code_search(&home, &sim, "contoso.onmicrosoft.com");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("enter the code"),
        "signed in: {}",
        stderr(&o)
    );
    let o = device_code_search(&home, &sim, "contoso.onmicrosoft.com");
    assert!(
        !stderr(&o).contains("enter the code"),
        "cached: {}",
        stderr(&o)
    );
    // Another tenant never gets the first one's token: it signs in afresh.
    let o = device_code_search(&home, &sim, "fabrikam.onmicrosoft.com");
    assert!(stderr(&o).contains("enter the code"), "{}", stderr(&o));
    let files: Vec<_> = std::fs::read_dir(home.path("data/resetdesk/tokens"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(files.len(), 2, "{files:?}");
    #[cfg(unix)]
    for f in &files {
        assert_eq!(mode(&home.path("data/resetdesk/tokens").join(f)), 0o600);
    }
    // A tenant asked for by id must be the tenant the token is for (the simulator's
    // tenant is Contoso's id, not this one): refused with exit 4, nothing done.
    let other = "0b0b0b0b-1111-4222-8333-444444444444";
    let o = device_code_search(&home, &sim, other);
    assert_eq!(o.status.code(), Some(4), "{}", stderr(&o));
    let last = stderr(&o)
        .trim_end()
        .lines()
        .last()
        .unwrap_or_default()
        .to_string();
    assert!(last.contains(other) && last.contains("asked for"), "{last}");
    // The tenant it is for, by id, is accepted.
    let contoso = "4a6c2e18-9f0b-4d4c-8f5e-1f2a3b4c5d6e";
    let o = device_code_search(&home, &sim, contoso);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // logout forgets the current tenant's sign-in; --all forgets every one.
    let authority = sim.base_url.trim_end_matches("/v1.0").to_string();
    let env = [
        ("RESETDESK_AUTHORITY_URL", authority.as_str()),
        ("RESETDESK_CLIENT_ID", CLIENT),
    ];
    let o = home.run(&["--tenant", contoso, "logout"], &env);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        std::fs::read_dir(home.path("data/resetdesk/tokens"))
            .unwrap()
            .count(),
        2
    );
    let o = home.run(&["logout", "--all"], &env);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(!home.path("data/resetdesk/tokens").exists());
}

// ---- item 8: the journal -------------------------------------------------------------

fn journal_entries(o: &Output) -> Vec<Value> {
    assert_eq!(o.status.code(), Some(0), "{}", stderr(o));
    json(o).as_array().unwrap().clone()
}

#[test]
fn demo_resets_have_their_own_journal_and_entries_name_their_tenant() {
    let home = Home::new();
    let o = home.run(
        &[
            "--demo",
            "reset",
            "adele.vance@contoso.com",
            "--yes",
            "--json",
        ],
        &[],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let demo_file = home.path("data/resetdesk/journal.demo.jsonl");
    assert!(demo_file.exists());
    assert!(
        !home.path("data/resetdesk/journal.jsonl").exists(),
        "the real journal is untouched"
    );
    let demo = journal_entries(&home.run(&["--demo", "journal", "--json"], &[]));
    assert_eq!(demo.len(), 1);
    assert_eq!(demo[0]["demo"], true);
    assert_eq!(
        demo[0]["tenant"]["id"],
        "4a6c2e18-9f0b-4d4c-8f5e-1f2a3b4c5d6e"
    );
    let real = journal_entries(&home.run(&["journal", "--all", "--json"], &[]));
    assert!(real.is_empty(), "{real:?}");

    // A real session's entries carry the tenant; `journal` shows the current tenant's.
    // An Authentication Administrator can read the reset's progress, so a writeback
    // failure is known at once (a helpdesk admin would get "accepted").
    let sim = spawn_sim(
        &home,
        &[
            "--as",
            "auth-admin",
            "--faults",
            "",
            "--audit-every-secs",
            "0",
        ],
    );
    let token = [("RESETDESK_ACCESS_TOKEN", sim.token.as_str())];
    let real_reset = |user: &str| {
        home.run(
            &[
                "--graph-url",
                &sim.base_url,
                "--auth",
                "access-token",
                "reset",
                user,
                "--yes",
                "--json",
            ],
            &token,
        )
    };
    assert_eq!(real_reset("adele.vance@contoso.com").status.code(), Some(0));
    // A failed write (writeback refuses a protected on-premises account) is journaled
    // with its code.
    let failed = real_reset("nora.lindqvist@contoso.com");
    assert_eq!(failed.status.code(), Some(1), "{}", stderr(&failed));
    let contoso = "4a6c2e18-9f0b-4d4c-8f5e-1f2a3b4c5d6e";
    let current =
        journal_entries(&home.run(&["--auth", "access-token", "journal", "--json"], &token));
    assert!(!current.is_empty());
    assert!(
        current
            .iter()
            .all(|e| e["tenant"]["id"] == contoso && e["demo"] == false),
        "{current:?}"
    );
    let by_id = journal_entries(&home.run(&["--tenant", contoso, "journal", "--json"], &[]));
    assert_eq!(by_id.len(), current.len());
    let other = journal_entries(&home.run(
        &[
            "--tenant",
            "0b0b0b0b-1111-4222-8333-444444444444",
            "journal",
            "--json",
        ],
        &[],
    ));
    assert!(
        other.is_empty(),
        "another tenant's entries are not shown: {other:?}"
    );
    let all = journal_entries(&home.run(
        &[
            "--tenant",
            "0b0b0b0b-1111-4222-8333-444444444444",
            "journal",
            "--all",
            "--json",
        ],
        &[],
    ));
    assert_eq!(all.len(), current.len());
    let failures: Vec<_> = current
        .iter()
        .filter(|e| e["outcome"] == "failed")
        .collect();
    assert_eq!(failures.len(), 1, "{current:?}");
    assert!(
        failures[0]["errorCode"].is_string(),
        "a failure records its code: {}",
        failures[0]
    );
    assert!(
        failures[0]["error"].is_string(),
        "and what happened: {}",
        failures[0]
    );
}

// ---- item 3: SIGPIPE ---------------------------------------------------------------

#[test]
fn https_to_a_plain_http_port_is_an_error_not_a_silent_death() {
    let home = Home::new();
    let sim = spawn_sim(&home, &[]);
    let https = sim.base_url.replacen("http://", "https://", 1);
    let o = home.run(
        &[
            "--graph-url",
            &https,
            "--auth",
            "access-token",
            "search",
            "adele",
            "--json",
        ],
        &[
            ("RESETDESK_ACCESS_TOKEN", &sim.token),
            ("RESETDESK_MAX_ATTEMPTS", "2"),
        ],
    );
    assert_ne!(o.status.code(), None, "killed by a signal: {:?}", o.status);
    assert_ne!(o.status.code(), Some(141));
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("network error"), "{}", stderr(&o));
    assert_eq!(json(&o)["error"]["code"], "network");
}

#[test]
fn an_access_token_of_another_tenant_is_refused_when_a_tenant_id_is_given() {
    let home = Home::new();
    let sim = spawn_sim(&home, &["--audit-every-secs", "0"]);
    let run = |tenant: &str| {
        home.run(
            &[
                "--graph-url",
                &sim.base_url,
                "--auth",
                "access-token",
                "--tenant",
                tenant,
                "show",
                "adele.vance@contoso.com",
                "--json",
            ],
            &[("RESETDESK_ACCESS_TOKEN", &sim.token)],
        )
    };
    let o = run("0b0b0b0b-1111-4222-8333-444444444444");
    assert_eq!(o.status.code(), Some(4), "{}", stderr(&o));
    assert_eq!(json(&o)["error"]["code"], "wrong-tenant");
    let o = run("4a6c2e18-9f0b-4d4c-8f5e-1f2a3b4c5d6e");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}
