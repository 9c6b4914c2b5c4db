//! The real binary: headless commands, `--json` documents, exit codes, and `resetdesk sim`
//! serving another process.

use crate::support::home::{json, run, stderr};

#[test]
fn demo_search_prints_one_json_document() {
    let o = run(&["--demo", "search", "adele", "--json"], &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let doc = json(&o);
    let upns: Vec<&str> = doc["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["userPrincipalName"].as_str().unwrap())
        .collect();
    assert!(upns.contains(&"adele.vance@contoso.com"), "{upns:?}");
    assert_eq!(doc["users"][0]["sourceOfAuthority"], "cloud");
}

#[test]
fn demo_search_table_has_no_control_characters() {
    let o = run(&["--demo", "search", "eve"], &[]);
    assert_eq!(o.status.code(), Some(0));
    let out = String::from_utf8(o.stdout).unwrap();
    assert!(out.contains("eve.mallory@contoso.com"), "{out}");
    assert!(
        out.chars().all(|c| c == '\n' || !c.is_control()),
        "escape sequences leaked: {out:?}"
    );
}

/// Reason texts are the same from run to run: Graph's request id has its own field.
#[test]
fn unreadable_facts_keep_the_request_id_out_of_the_reason() {
    let o = run(
        &["--demo", "show", "adele.vance@contoso.com", "--json"],
        &[],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let doc = json(&o);
    let unknown = doc["unknown"].as_array().unwrap();
    assert!(
        !unknown.is_empty(),
        "the helpdesk cannot read eligible roles: {doc}"
    );
    for u in unknown {
        let reason = u["reason"].as_str().unwrap();
        assert!(!reason.contains("request-id"), "{reason}");
        assert!(
            u["requestId"].as_str().is_some_and(|r| !r.is_empty()),
            "{u}"
        );
    }
}

#[test]
fn one_result_is_one_user_not_one_users() {
    let o = run(&["--demo", "search", "megan"], &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stderr(&o).trim(), "1 user.");
    let many = run(&["--demo", "search", "ade"], &[]);
    assert!(
        stderr(&many).trim().ends_with(" users."),
        "{}",
        stderr(&many)
    );
}

#[test]
fn demo_show_by_upn_and_by_id() {
    let o = run(
        &["--demo", "show", "alan.steiner@contoso.com", "--json"],
        &[],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let doc = json(&o);
    let user = &doc["user"];
    assert_eq!(user["sourceOfAuthority"], "synced");
    assert_eq!(user["onPremises"]["samAccountName"], "asteiner");
    assert_eq!(doc["eligibility"]["allowed"], true);
    assert_eq!(doc["eligibility"]["method"], "resetPassword");
    let id = user["id"].as_str().unwrap();
    let again = json(&run(&["--demo", "show", id, "--json"], &[]));
    assert_eq!(
        again["user"]["userPrincipalName"],
        "alan.steiner@contoso.com"
    );

    let o = run(
        &[
            "--demo",
            "--as",
            "global-reader",
            "show",
            "sakura.watanabe@contoso.com",
            "--json",
        ],
        &[],
    );
    let roles = json(&o)["user"]["roles"].clone();
    assert_eq!(roles[0]["name"], "Exchange Administrator");
    assert_eq!(
        roles[0]["templateId"],
        "29232cdf-9323-42fd-ade2-1d097af3e4de"
    );
    assert_eq!(roles[0]["scope"], "/");
    assert_eq!(roles[0]["state"], "active");
    assert_eq!(roles[0]["viaGroup"], "Tier0 Operators");

    let guest = json(&run(
        &[
            "--demo",
            "show",
            "tom.baker_outlook.com#EXT#@contoso.onmicrosoft.com",
            "--json",
        ],
        &[],
    ));
    assert_eq!(guest["user"]["sourceOfAuthority"], "external");
    let pending = json(&run(
        &[
            "--demo",
            "show",
            "nadia.petrova_northwind.com#EXT#@contoso.onmicrosoft.com",
            "--json",
        ],
        &[],
    ));
    assert_eq!(pending["user"]["sourceOfAuthority"], "pending-invite");
}

#[test]
fn unknown_user_fails_with_exit_1_and_one_line() {
    let o = run(&["--demo", "show", "nobody@contoso.com"], &[]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(
        err.contains("no user matches") && err.contains("tried"),
        "{err}"
    );
    let o = run(&["--demo", "show", "nobody@contoso.com", "--json"], &[]);
    assert_eq!(json(&o)["status"], "failed");
}

#[test]
fn configuration_errors_exit_2_naming_file_line_and_key() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    std::fs::write(&path, "tenant = \"contoso\"\ntimeout_secs = \"soon\"\n").unwrap();
    let o = run(
        &["--config", path.to_str().unwrap(), "--demo", "search", "x"],
        &[],
    );
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains("config.toml") && err.contains("line 2") && err.contains("timeout_secs"),
        "{err}"
    );
    let o = run(&["--demo", "search", "x"], &[("RESETDESK_CLOUD", "mars")]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("RESETDESK_CLOUD"));
    let o = run(
        &[
            "--demo",
            "--graph-url",
            "http://example.com/v1.0",
            "search",
            "x",
        ],
        &[],
    );
    assert_eq!(o.status.code(), Some(2));
    let o = run(&["frobnicate"], &[]);
    assert_eq!(o.status.code(), Some(2));
}

/// `resetdesk sim` in its own process, used by another process over HTTP.
/// `resetdesk sim` in its own process, in a home of its own.
fn spawn_sim(args: &[&str]) -> crate::support::home::Sim {
    crate::support::home::spawn_sim(&crate::support::home::Home::new(), args)
}

#[test]
fn sim_serves_5000_users_and_search_returns_more_than_999() {
    let sim = spawn_sim(&["--users", "5000"]);
    let o = run(
        &[
            "--graph-url",
            &sim.base_url,
            "--auth",
            "access-token",
            "search",
            "contractor",
            "--top",
            "5000",
            "--json",
        ],
        &[("RESETDESK_ACCESS_TOKEN", &sim.token)],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let doc = json(&o);
    assert_eq!(doc["returned"], 2000);
    assert_eq!(doc["count"], 2000);

    // The token comes from the environment only; without it, sign-in fails (exit 4).
    let o = run(
        &[
            "--graph-url",
            &sim.base_url,
            "--auth",
            "access-token",
            "search",
            "x",
        ],
        &[],
    );
    assert_eq!(o.status.code(), Some(4), "{}", stderr(&o));
    assert!(stderr(&o).contains("RESETDESK_ACCESS_TOKEN"));
    // A token the tenant does not accept: exit 4, and the token is not echoed.
    let o = run(
        &[
            "--graph-url",
            &sim.base_url,
            "--auth",
            "access-token",
            "show",
            "adele.vance@contoso.com",
        ],
        &[("RESETDESK_ACCESS_TOKEN", "not-a-real-token-xyz")],
    );
    assert_eq!(o.status.code(), Some(4));
    assert!(stderr(&o).contains("InvalidAuthenticationToken"));
    assert!(!stderr(&o).contains("not-a-real-token-xyz"));
}

#[test]
fn sim_with_faults_search_and_show_succeed_or_fail_in_one_named_line() {
    let sim = spawn_sim(&[
        "--users",
        "2000",
        "--faults",
        "429:0.3:0.05,503:0.1:0.05,malformed:0.05",
    ]);
    for args in [
        vec!["search", "contractor", "--top", "1500", "--json"],
        vec!["show", "adele.vance@contoso.com", "--json"],
    ] {
        for _ in 0..3 {
            let mut full = vec![
                "--graph-url",
                sim.base_url.as_str(),
                "--auth",
                "access-token",
            ];
            full.extend(args.iter().copied());
            let o = run(&full, &[("RESETDESK_ACCESS_TOKEN", &sim.token)]);
            match o.status.code() {
                Some(0) => {
                    json(&o);
                }
                Some(1) => {
                    let err = stderr(&o);
                    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
                    assert!(
                        ["TooManyRequests", "serviceNotAvailable", "malformed"]
                            .iter()
                            .any(|c| err.contains(c)),
                        "{err}"
                    );
                }
                other => panic!("exit {other:?}: {}", stderr(&o)),
            }
        }
    }
}

#[test]
fn demo_show_gives_a_verdict_for_every_kind_of_user() {
    let cases = [
        (
            "adele.vance@contoso.com",
            true,
            "passwordProfile",
            "allowed",
        ),
        ("alan.steiner@contoso.com", true, "resetPassword", "allowed"),
        ("hans.becker@eu.contoso.com", false, "", "federated-domain"),
        (
            "kevin.moore@contoso.com",
            true,
            "passwordProfile",
            "allowed",
        ),
        (
            "oliver.grant@contoso.com",
            true,
            "passwordProfile",
            "allowed",
        ),
        (
            "adele_fabrikam.com#EXT#@contoso.onmicrosoft.com",
            false,
            "",
            "external-user",
        ),
        (
            "nadia.petrova_northwind.com#EXT#@contoso.onmicrosoft.com",
            false,
            "",
            "pending-invite",
        ),
        (
            "megan.bowen@contoso.com",
            false,
            "",
            "target-role-protected",
        ),
        ("wei.wang@contoso.com", false, "", "role-assignable-group"),
        (
            "amy.alberts@contoso.com",
            false,
            "",
            "restricted-management-au",
        ),
        ("henrietta.mueller@contoso.com", false, "", "self-reset"),
        (
            "eve.mallory@contoso.com",
            true,
            "passwordProfile",
            "allowed",
        ),
    ];
    for (upn, allowed, method, code) in cases {
        let o = run(&["--demo", "show", upn, "--json"], &[]);
        assert_eq!(o.status.code(), Some(0), "{upn}: {}", stderr(&o));
        let e = &json(&o)["eligibility"];
        assert_eq!(e["allowed"], allowed, "{upn}: {e}");
        if allowed {
            assert_eq!(e["method"], method, "{upn}");
        } else {
            assert!(e["method"].is_null(), "{upn}");
        }
        let codes: Vec<&str> = e["reasons"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["code"].as_str().unwrap())
            .collect();
        if allowed {
            assert!(codes.contains(&code), "{upn}: {e}");
        } else {
            assert_eq!(
                codes[0], code,
                "{upn}: the deciding reason comes first: {e}"
            );
        }
        for r in e["reasons"].as_array().unwrap() {
            assert!(
                r["message"].is_string() && r["fix"].is_string(),
                "{upn}: {r}"
            );
        }
    }
    // The human form leads with the verdict.
    let o = run(&["--demo", "show", "megan.bowen@contoso.com"], &[]);
    let out = String::from_utf8(o.stdout).unwrap();
    assert!(out.starts_with("✗ You cannot reset Megan Bowen."), "{out}");
    assert!(
        out.contains("→ Ask a Privileged Authentication Administrator"),
        "{out}"
    );
}

#[test]
fn demo_audit_lists_password_activity_and_explains_missing_permission() {
    let o = run(&["--demo", "audit", "--since", "24h", "--json"], &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let doc = json(&o);
    let entries = doc.as_array().unwrap();
    assert!(!entries.is_empty(), "the demo has history");
    for e in entries {
        assert!(["self", "you", "admin"].contains(&e["who"].as_str().unwrap()));
        assert_eq!(e["confirmsJournal"], false);
        assert!(
            e["activityDisplayName"]
                .as_str()
                .unwrap()
                .to_lowercase()
                .contains("password")
        );
    }
    let o = run(&["--demo", "--as", "no-role", "audit"], &[]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("AuditLog.Read.All"), "{}", stderr(&o));
    let o = run(&["--demo", "audit", "--since", "yesterday"], &[]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn device_code_sign_in_prompts_once_caches_and_logout_forgets() {
    let sim = spawn_sim(&["--audit-every-secs", "0"]);
    let data = tempfile::tempdir().unwrap();
    let authority = sim.base_url.trim_end_matches("/v1.0").to_string();
    let env = [
        ("RESETDESK_AUTHORITY_URL", authority.as_str()),
        (
            "RESETDESK_CLIENT_ID",
            "2f3c4d5e-0000-4000-8000-00000000c0de",
        ),
        ("RESETDESK_TENANT", "contoso.onmicrosoft.com"),
        ("XDG_DATA_HOME", data.path().to_str().unwrap()),
    ];
    let args = [
        "--graph-url",
        &sim.base_url,
        "--auth",
        "device-code",
        "search",
        "adele",
        "--json",
    ];
    let o = run(&args, &env);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stderr(&o).contains("enter the code SIM"), "{}", stderr(&o));
    assert!(json(&o)["returned"].as_u64().unwrap() >= 1);
    let host = authority.trim_start_matches("http://").replace(':', "-");
    let cache = data.path().join(format!(
        "resetdesk/tokens/{host}_contoso.onmicrosoft.com_2f3c4d5e-0000-4000-8000-00000000c0de.json"
    ));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&cache).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    // The second run signs in from the cache: no prompt.
    let o = run(&args, &env);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(!stderr(&o).contains("enter the code"), "{}", stderr(&o));
    // A cache others can read is not used, and is rewritten for its owner alone.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&cache, std::fs::Permissions::from_mode(0o644)).unwrap();
        let o = run(&args, &env);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        assert!(
            stderr(&o).contains("readable by others") && stderr(&o).contains("enter the code"),
            "{}",
            stderr(&o)
        );
        assert_eq!(
            std::fs::metadata(&cache).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    let o = run(&["logout"], &env);
    assert_eq!(o.status.code(), Some(0));
    assert!(!cache.exists());
    // Without a client id the method says what it needs.
    let o = run(
        &[
            "--graph-url",
            &sim.base_url,
            "--auth",
            "device-code",
            "search",
            "x",
        ],
        &env[2..],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("client_id"), "{}", stderr(&o));
}

#[test]
fn doctor_reports_what_works_and_what_to_fix() {
    let o = run(&["--demo", "doctor", "--json"], &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let doc = json(&o);
    assert_eq!(doc["ok"], true);
    let checks = doc["checks"].as_array().unwrap();
    let by = |name: &str| {
        checks
            .iter()
            .find(|c| c["check"] == name)
            .unwrap_or_else(|| panic!("{name}"))
            .clone()
    };
    for name in [
        "configuration",
        "sign-in",
        "roles",
        "user search",
        "audit log",
        "writeback",
        "clipboard",
        "terminal",
    ] {
        by(name);
    }
    assert_eq!(by("roles")["status"], "ok");
    assert!(
        by("configuration")["detail"]
            .as_str()
            .unwrap()
            .contains("http://127.0.0.1:")
    );
    // An operator without a reset role or audit access gets warnings with fixes.
    let o = run(&["--demo", "--as", "no-role", "doctor", "--json"], &[]);
    assert_eq!(o.status.code(), Some(0));
    let doc = json(&o);
    let checks = doc["checks"].as_array().unwrap();
    let roles = checks.iter().find(|c| c["check"] == "roles").unwrap();
    assert_eq!(roles["status"], "warn");
    let audit = checks.iter().find(|c| c["check"] == "audit log").unwrap();
    assert_eq!(audit["status"], "warn");
    assert!(audit["fix"].as_str().unwrap().contains("AuditLog.Read.All"));
    let signins = checks
        .iter()
        .find(|c| c["check"] == "sign-in logs")
        .unwrap();
    assert_eq!(signins["status"], "warn");
    assert!(signins["fix"].as_str().unwrap().contains("Reports Reader"));
    let passes = checks.iter().find(|c| c["check"] == "passes").unwrap();
    assert_eq!(passes["status"], "warn");
    // The helpdesk persona reads sign-ins (Reports Reader) but creates no pass; an
    // Authentication Administrator does.
    let helpdesk = json(&run(&["--demo", "doctor", "--json"], &[]));
    let find = |doc: &serde_json::Value, name: &str| {
        doc["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["check"] == name)
            .unwrap()["status"]
            .clone()
    };
    assert_eq!(find(&helpdesk, "sign-in logs"), "ok");
    assert_eq!(find(&helpdesk, "passes"), "warn");
    let auth = json(&run(
        &["--demo", "--as", "auth-admin", "doctor", "--json"],
        &[],
    ));
    assert_eq!(find(&auth, "passes"), "ok");
    let o = run(&["--demo", "--as", "pim-eligible-helpdesk", "doctor"], &[]);
    assert!(String::from_utf8_lossy(&o.stdout).contains("eligible in PIM: Helpdesk Administrator"));
    // A sign-in that cannot work fails the doctor.
    let o = run(&["--auth", "access-token", "doctor", "--json"], &[]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(json(&o)["ok"], false);
}

#[test]
fn china_cloud_is_served_by_the_demo_and_named_by_doctor() {
    let o = run(
        &[
            "--demo",
            "--cloud",
            "china",
            "--as",
            "global-admin",
            "show",
            "alan.steiner@contoso.com",
            "--json",
        ],
        &[],
    );
    let doc = json(&o);
    assert_eq!(doc["eligibility"]["allowed"], false, "{doc}");
    assert_eq!(
        doc["eligibility"]["reasons"][0]["code"],
        "cloud-without-writeback"
    );
    let o = run(&["--demo", "--cloud", "china", "doctor", "--json"], &[]);
    let doc = json(&o);
    let cloud = doc["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["check"] == "cloud")
        .expect("a cloud check in china")
        .clone();
    assert_eq!(cloud["status"], "warn");
    assert!(
        cloud["detail"]
            .as_str()
            .unwrap()
            .contains("no resetPassword")
    );
    // The global cloud has nothing to warn about.
    let o = run(&["--demo", "doctor", "--json"], &[]);
    assert!(
        !json(&o)["checks"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["check"] == "cloud")
    );
}

#[test]
fn help_lists_every_demo_persona_and_every_sign_in_method() {
    let o = run(&["--help"], &[]);
    let help = String::from_utf8_lossy(&o.stdout).into_owned();
    let tenant = resetdesk::sim::Tenant::demo().unwrap();
    for p in tenant.personas.keys() {
        assert!(help.contains(p.as_str()), "--help lacks persona {p}");
    }
    for method in [
        "device-code",
        "browser-paste",
        "azure-cli",
        "client-secret",
        "client-certificate",
        "managed-identity",
        "workload-identity",
        "access-token",
    ] {
        assert!(help.contains(method), "--help lacks {method}: {help}");
    }
    assert!(!help.contains("not built"), "{help}");
}

/// Every command's failure paths give the one failure shape with `--json`:
/// `{"status": "failed"|"refused", "exitCode": N, "error": {"code", "message", "fix"}}`,
/// `exitCode` the process's exit status, `fix` a string or null.
#[test]
fn every_failure_has_the_same_json_shape() {
    let dead = "http://127.0.0.1:9/v1.0";
    // Arguments, environment, exit status, error.code.
    type Case<'a> = (&'a [&'a str], &'a [(&'a str, &'a str)], i32, &'a str);
    let cases: &[Case] = &[
        (&["--demo", "search", "", "--json"], &[], 2, "usage"),
        (&["search", "--json"], &[], 2, "usage"),
        (
            &[
                "--graph-url",
                dead,
                "--auth",
                "access-token",
                "search",
                "ade",
                "--json",
            ],
            &[("RESETDESK_ACCESS_TOKEN", "x.y.z")],
            1,
            "network",
        ),
        (
            &["--auth", "access-token", "search", "ade", "--json"],
            &[],
            4,
            "auth-failed",
        ),
        (
            &["--demo", "show", "nobody@contoso.com", "--json"],
            &[],
            1,
            "user-not-found",
        ),
        (
            &["--demo", "show", "Hans Becker", "--json"],
            &[],
            1,
            "ambiguous-user",
        ),
        (&["--demo", "show", "..", "--json"], &[], 2, "usage"),
        (
            &[
                "--demo",
                "reset",
                "megan.bowen@contoso.com",
                "--yes",
                "--json",
            ],
            &[],
            3,
            "target-role-protected",
        ),
        (
            &["--demo", "reset", "nobody@contoso.com", "--yes", "--json"],
            &[],
            1,
            "user-not-found",
        ),
        (
            &["--demo", "audit", "--since", "100d", "--json"],
            &[],
            2,
            "usage",
        ),
        (&["journal", "--since", "1d", "--json"], &[], 2, "usage"),
        (
            &["--demo", "--as", "nobody", "search", "ade", "--json"],
            &[],
            2,
            "usage",
        ),
    ];
    for (args, envs, exit, code) in cases {
        let o = run(args, envs);
        let doc = json(&o);
        assert_eq!(
            o.status.code(),
            Some(*exit),
            "{args:?}: {doc} {}",
            stderr(&o)
        );
        assert_eq!(doc["exitCode"], *exit, "{args:?}: {doc}");
        let status = doc["status"].as_str().unwrap_or_default();
        assert_eq!(
            status,
            if *exit == 3 { "refused" } else { "failed" },
            "{args:?}: {doc}"
        );
        let e = &doc["error"];
        assert_eq!(e["code"], *code, "{args:?}: {doc}");
        assert!(
            e["message"].as_str().is_some_and(|m| !m.is_empty()),
            "{args:?}: {doc}"
        );
        assert!(
            e["fix"].is_string() || e["fix"].is_null(),
            "{args:?}: {doc}"
        );
        assert!(!stderr(&o).contains("panicked"), "{args:?}");
    }
}
