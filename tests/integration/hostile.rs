//! The hostile corpus (`tests/fixtures/hostile-corpus.json`: escape sequences with both
//! terminators, OSC 52/8/0/2, C1 controls, BEL, CR/LF, BS, NUL, DEL, tmux passthrough,
//! terminal queries, bidi overrides and isolates, zero-width characters, ZWJ and flag
//! emoji, 500 combining marks, wide CJK, 10,000 characters, …) as display names, job
//! titles, departments and user principal names of a tenant, and as the fields of audit
//! entries (initiator, target, activity, reason): the console draws no control character in any
//! cell and no row wider than the terminal, measured with the width ratatui draws with;
//! the human CLI prints no control byte; `--json` keeps the exact text.

use std::time::Instant;

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use serde_json::{Value, json};

use crate::support::console::{answer_search, app, code, session_of};
use crate::support::home::{Home, Sim, json as json_of, spawn_sim, stderr};
use crate::support::{Setup, start};
use ratatui::crossterm::event::KeyCode;
use resetdesk::graph::GraphApi;
use resetdesk::service::facts::{assess, operator_facts};
use resetdesk::sim::Tenant;
use resetdesk::sim::tenant::SimUser;
use resetdesk::theme::Theme;

const CORPUS: &str = include_str!("../fixtures/hostile-corpus.json");

fn corpus() -> Vec<(String, String)> {
    let v: Vec<Value> = serde_json::from_str(CORPUS).unwrap();
    v.into_iter()
        .map(|e| {
            (
                e["name"].as_str().unwrap().to_string(),
                e["text"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn hostile_user(n: usize, text: &str) -> Value {
    json!({
        "userPrincipalName": format!("hostile.{n:02}@contoso.com"),
        "displayName": text,
        "jobTitle": text,
        "department": text,
    })
}

/// The same strings inside user principal names (Graph refuses such a UPN when a user is
/// created; a tool reading a directory still must not trust it).
fn upn_user(n: usize, text: &str) -> Value {
    json!({
        "userPrincipalName": format!("upn.{n:02}.{text}@contoso.com"),
        "displayName": format!("Upn Hostile {n:02}"),
        "mail": format!("{text}@contoso.com"),
    })
}

fn with_upns(t: &mut Tenant) {
    for (n, (_, text)) in corpus().iter().enumerate() {
        let Value::Object(m) = upn_user(n, text) else {
            unreachable!()
        };
        t.push_user(SimUser::new(m).unwrap()).unwrap();
    }
}

/// An audit entry whose every text field is hostile.
fn hostile_audit(n: usize, text: &str) -> resetdesk::graph::model::DirectoryAudit {
    use resetdesk::graph::model::{AuditInitiator, AuditTarget, AuditUser, DirectoryAudit};
    DirectoryAudit {
        id: format!("hostile-{n}"),
        activity_display_name: format!("Reset user password {text}"),
        activity_date_time: Some(time::OffsetDateTime::now_utc()),
        result: Some("failure".into()),
        result_reason: Some(text.to_string()),
        initiated_by: Some(AuditInitiator {
            user: Some(AuditUser {
                id: Some(format!("op-{n}")),
                display_name: Some(text.to_string()),
                user_principal_name: Some(format!("{text}@contoso.com")),
                ip_address: Some(text.to_string()),
            }),
            app: None,
        }),
        target_resources: vec![AuditTarget {
            id: Some(format!("target-{n}")),
            display_name: Some(text.to_string()),
            kind: Some("User".into()),
            user_principal_name: Some(format!("{text}@contoso.com")),
        }],
        ..Default::default()
    }
}

fn with_corpus(t: &mut Tenant) {
    for (n, (_, text)) in corpus().iter().enumerate() {
        let Value::Object(m) = hostile_user(n, text) else {
            unreachable!()
        };
        t.push_user(SimUser::new(m).unwrap()).unwrap();
    }
}

/// No cell holds a control character, and no grapheme runs past the right edge.
fn assert_fits(term: &Terminal<TestBackend>, what: &str) {
    let buf = term.backend().buffer();
    let (w, h) = (buf.area.width, buf.area.height);
    for y in 0..h {
        let mut x = 0u16;
        while x < w {
            let sym = buf[(x, y)].symbol();
            assert!(
                !sym.chars().any(|c| c.is_control()),
                "{what}: control character in row {y} at {x}: {sym:?}"
            );
            let cols = resetdesk::sanitize::width(sym).max(1) as u16;
            assert!(
                x + cols <= w,
                "{what}: row {y} is wider than {w} columns ({sym:?} at {x})"
            );
            // A wide grapheme covers the cells after it: were another character drawn
            // there, the terminal would push the rest of the row right.
            for c in x + 1..x + cols {
                assert_eq!(
                    buf[(c, y)].symbol(),
                    " ",
                    "{what}: row {y}: {sym:?} at {x} is {cols} columns wide, but the next cell holds text"
                );
            }
            x += cols;
        }
    }
}

fn draw(a: &resetdesk::app::App, theme: &Theme, w: u16, h: u16) -> Terminal<TestBackend> {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| resetdesk::ui::render(a, theme, f)).unwrap();
    t
}

/// `resetdesk sim` serving the demo tenant plus the users `users` makes of each string
/// of the corpus, with a quiet audit log (no history, no background activity, no delay).
fn hostile_sim(home: &Home, users: impl Fn(usize, &str) -> Vec<Value>) -> Sim {
    let mut tenant: Value = serde_json::from_str(resetdesk::sim::tenant::DEMO_TENANT).unwrap();
    let list = tenant["users"].as_array_mut().unwrap();
    for (n, (_, text)) in corpus().iter().enumerate() {
        list.extend(users(n, text));
    }
    let file = home.path("hostile-tenant.json");
    std::fs::write(&file, tenant.to_string()).unwrap();
    spawn_sim(
        home,
        &[
            "--tenant-file",
            file.to_str().unwrap(),
            "--audit-every-secs",
            "0",
            "--audit-delay-ms",
            "0",
            "--audit-history",
            "0",
        ],
    )
}

/// The binary against `sim`, signed in with its token.
fn run_on(home: &Home, sim: &Sim, args: &[&str]) -> std::process::Output {
    let mut all = vec![
        "--graph-url",
        sim.base_url.as_str(),
        "--auth",
        "access-token",
    ];
    all.extend_from_slice(args);
    home.run(&all, &[("RESETDESK_ACCESS_TOKEN", sim.token.as_str())])
}

/// Human output: no control character but newlines.
fn assert_printable(bytes: &[u8], what: &str) {
    let text = String::from_utf8_lossy(bytes);
    for c in text.chars() {
        assert!(
            c == '\n' || !c.is_control(),
            "{what}: control character {c:?} in\n{text}"
        );
    }
}

/// Each of `users` opened (every `step`-th): its details pane fits at 120×40 and 80×24.
async fn assert_details_fit(
    env: &crate::support::Env,
    operator: &resetdesk::service::facts::OperatorFacts,
    a: &mut resetdesk::app::App,
    users: &[resetdesk::graph::model::User],
    step: usize,
    now: Instant,
) {
    for (u, (name, _)) in users.iter().zip(corpus()).step_by(step) {
        let assessment = assess(&env.client, operator, &u.id).await.unwrap();
        crate::support::console::open(a, Box::new(assessment), now);
        for (w, h) in [(120, 40), (80, 24)] {
            assert_fits(
                &draw(a, &Theme::ansi(), w, h),
                &format!("{name}: the details at {w}x{h}"),
            );
        }
    }
}

#[tokio::test]
async fn the_console_draws_every_hostile_string_inert_and_within_the_terminal() {
    let env = start(Setup {
        tweak: with_corpus,
        ..Setup::default()
    })
    .await;
    assert!(corpus().len() >= 40, "the corpus has at least 40 strings");
    let operator = operator_facts(&env.client, Default::default())
        .await
        .unwrap();
    let users = env
        .client
        .filter_users("startswith(userPrincipalName,'hostile.')", 999)
        .await
        .unwrap();
    assert_eq!(users.len(), corpus().len());
    let now = Instant::now();
    let mut a = app();
    a.update(session_of("Contoso Ltd", operator.clone()), now);
    let n = users.len() as u64;
    let later = answer_search(&mut a, "hostile", users.clone(), Some(n), now);
    a.update(code(KeyCode::Esc), later);
    // 120x90 shows every row at once.
    for (w, h) in [(120, 90), (120, 40), (80, 24), (60, 15)] {
        for theme in [Theme::ansi(), Theme::monochrome()] {
            let t = draw(&a, &theme, w, h);
            assert_fits(&t, &format!("the list at {w}x{h}"));
            // Each row is laid out with the width ratatui draws with: the source badge
            // ends exactly at the pane's border, never cut or pushed past it.
            let buf = t.backend().buffer();
            let rows: Vec<String> = (0..h)
                .map(|y| (0..w).map(|x| buf[(x, y)].symbol().to_string()).collect())
                .collect();
            let listed: Vec<&String> = rows.iter().filter(|r| r.contains("hostile.")).collect();
            assert!(!listed.is_empty(), "{w}x{h}:\n{}", rows.join("\n"));
            for r in listed {
                let pane = r.split(['│', '┃']).nth(1).unwrap_or_default();
                assert!(
                    pane.trim_end().ends_with(']'),
                    "{w}x{h}: the badge is cut: {r:?}"
                );
            }
        }
    }
    // Each one opened: the details pane (name, title, department) and its verdict.
    assert_details_fit(&env, &operator, &mut a, &users, 1, later).await;
}

#[test]
fn the_cli_prints_no_control_byte_and_json_keeps_the_exact_text() {
    let home = Home::new();
    let sim = hostile_sim(&home, |n, text| vec![hostile_user(n, text)]);
    let run = |args: &[&str]| run_on(&home, &sim, args);
    let o = run(&["search", "hostile", "--top", "100"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_printable(&o.stdout, "search");
    let o = run(&["search", "hostile", "--top", "100", "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let doc = json_of(&o);
    let found = doc.as_array().or_else(|| doc["users"].as_array()).unwrap();
    for (n, (name, text)) in corpus().iter().enumerate() {
        let upn = format!("hostile.{n:02}@contoso.com");
        let u = found
            .iter()
            .find(|u| u["userPrincipalName"] == upn.as_str())
            .unwrap_or_else(|| panic!("{upn} in {doc}"));
        assert_eq!(u["displayName"].as_str(), Some(text.as_str()), "{name}");
    }
    for n in [0, 4, 10, 17, 21, 30, 34, 36] {
        let upn = format!("hostile.{n:02}@contoso.com");
        let o = run(&["show", &upn]);
        assert!(o.status.success(), "{}", stderr(&o));
        assert_printable(&o.stdout, &upn);
        assert_printable(&o.stderr, &upn);
        let o = run(&["show", &upn, "--json"]);
        assert_eq!(
            json_of(&o)["user"]["jobTitle"].as_str(),
            Some(corpus()[n].1.as_str())
        );
    }
    // CSV cells: every hostile string as a user and as a ticket of a bulk dry run.
    let mut csv = String::from("UserPrincipalName,ticket\n");
    for (n, (_, text)) in corpus().iter().enumerate() {
        let cell = text.replace('"', "\"\"");
        csv.push_str(&format!("\"{cell}\",\"{cell}\"\n"));
        csv.push_str(&format!("hostile.{n:02}@contoso.com,\"{cell}\"\n"));
    }
    let file = home.path("hostile.csv");
    std::fs::write(&file, csv).unwrap();
    let o = run(&["bulk", file.to_str().unwrap(), "--dry-run"]);
    assert!(o.status.code().is_some_and(|c| c < 4), "{}", stderr(&o));
    assert_printable(&o.stdout, "bulk dry run");
    assert_printable(&o.stderr, "bulk dry run (stderr)");
    // Config values: each hostile string as a value the error message names.
    for (name, text) in corpus().iter().take(25) {
        let config = home.path("hostile.toml");
        let value = serde_json::to_string(text).unwrap();
        std::fs::write(&config, format!("graph_url = {value}\ntenant = {value}\n")).unwrap();
        let o = home.run(&["--config", config.to_str().unwrap(), "search", "x"], &[]);
        assert_ne!(o.status.code(), Some(0), "{name}");
        assert_printable(&o.stdout, name);
        assert_printable(&o.stderr, name);
    }
}

#[tokio::test]
async fn hostile_upns_and_audit_entries_are_drawn_inert_and_within_the_terminal() {
    let env = start(Setup {
        tweak: with_upns,
        ..Setup::default()
    })
    .await;
    let operator = operator_facts(&env.client, Default::default())
        .await
        .unwrap();
    let users = env
        .client
        .filter_users("startswith(userPrincipalName,'upn.')", 999)
        .await
        .unwrap();
    assert_eq!(users.len(), corpus().len());
    // The directory's answer keeps every UPN exactly (sanitizing is for the screen only).
    for (n, (name, text)) in corpus().iter().enumerate() {
        let upn = format!("upn.{n:02}.{text}@contoso.com");
        assert!(
            users
                .iter()
                .any(|u| u.user_principal_name.as_deref() == Some(upn.as_str())),
            "{name}: the UPN came back changed"
        );
    }
    let now = Instant::now();
    let mut a = app();
    a.update(session_of("Contoso Ltd", operator.clone()), now);
    let n = users.len() as u64;
    let later = answer_search(&mut a, "upn", users.clone(), Some(n), now);
    // The audit pane, filled with entries whose every field is hostile.
    let entries: Vec<_> = corpus()
        .iter()
        .enumerate()
        .map(|(n, (_, text))| hostile_audit(n, text))
        .collect();
    a.update(resetdesk::app::Msg::AuditBatch(entries), later);
    a.update(code(KeyCode::Esc), later);
    for (w, h) in [(120, 90), (120, 40), (80, 24), (60, 15)] {
        for theme in [Theme::ansi(), Theme::monochrome()] {
            let t = draw(&a, &theme, w, h);
            assert_fits(&t, &format!("UPNs and audit entries at {w}x{h}"));
            let buf = t.backend().buffer();
            let screen: String = (0..h)
                .flat_map(|y| (0..w).map(move |x| (x, y)))
                .map(|p| buf[p].symbol().to_string())
                .collect();
            assert!(screen.contains("Upn Hostile"), "{w}x{h}: the list is drawn");
            if h >= 40 {
                assert!(
                    screen.contains("Reset user password"),
                    "{w}x{h}: the audit pane is drawn"
                );
            }
        }
    }
    assert_details_fit(&env, &operator, &mut a, &users, 3, later).await;
}

/// The CLI with hostile UPNs, and with audit entries written by resets of users with
/// hostile names: human output has no control byte, `--json` keeps the exact text.
#[test]
fn the_cli_prints_hostile_upns_and_audit_fields_inert() {
    let home = Home::new();
    let sim = hostile_sim(&home, |n, text| {
        vec![upn_user(n, text), hostile_user(n, text)]
    });
    let run = |args: &[&str]| run_on(&home, &sim, args);
    let o = run(&["search", "upn", "--top", "100"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_printable(&o.stdout, "search by UPN");
    let o = run(&["search", "upn", "--top", "100", "--json"]);
    let doc = json_of(&o);
    let found = doc.as_array().or_else(|| doc["users"].as_array()).unwrap();
    for (n, (name, text)) in corpus().iter().enumerate() {
        let upn = format!("upn.{n:02}.{text}@contoso.com");
        assert!(
            found.iter().any(|u| u["userPrincipalName"] == upn.as_str()),
            "{name}: the UPN is not kept exactly in --json"
        );
    }
    // Resets of users with hostile names write audit entries naming them.
    let picked = [0usize, 4, 10, 17, 21, 30, 34, 36];
    for n in picked {
        let upn = format!("hostile.{n:02}@contoso.com");
        let o = run(&["reset", &upn, "--yes"]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        assert_printable(&o.stdout, &format!("reset of {upn}"));
        assert_printable(&o.stderr, &format!("reset of {upn} (stderr)"));
    }
    let o = run(&["audit", "--since", "1h"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_printable(&o.stdout, "audit");
    assert_printable(&o.stderr, "audit (stderr)");
    let o = run(&["audit", "--since", "1h", "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let doc = json_of(&o);
    let entries = doc
        .as_array()
        .or_else(|| doc["entries"].as_array())
        .unwrap();
    for n in picked {
        let text = corpus()[n].1.clone();
        assert!(
            // The field, serialized, appears whole: the exact text, escaped as JSON escapes it.
            entries.iter().any(|e| e
                .to_string()
                .contains(&serde_json::to_string(&text).unwrap())),
            "{}: the audit entry's target name is not kept exactly in --json",
            corpus()[n].0
        );
    }
}
