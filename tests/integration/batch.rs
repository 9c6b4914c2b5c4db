//! The simulator's `POST /$batch` against Microsoft's JSON batching contract
//! (concepts/json-batching.md): ≤ 20 requests, unique ids, relative URLs, Content-Type
//! with a body, any order, per-item status and headers, dependsOn and 424, per-item
//! throttling (the write quota).

use std::time::Duration;

use resetdesk::secret::ExposeSecret;
use serde_json::{Value, json};

use crate::support::{self, Env, Setup};

async fn batch(env: &Env, body: Value) -> (u16, Value) {
    let resp = reqwest::Client::new()
        .post(format!("{}/$batch", env.sim.base_url))
        .bearer_auth(env.sim.token.expose_secret())
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

fn by_id<'a>(doc: &'a Value, id: &str) -> &'a Value {
    doc["responses"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == id)
        .unwrap_or_else(|| panic!("no response {id}: {doc}"))
}

fn reset_item(id: &str, upn: &str) -> Value {
    json!({"id": id, "method": "PATCH", "url": format!("/users/{upn}"),
           "headers": {"Content-Type": "application/json"},
           "body": {"passwordProfile": {"password": "Kq7#vLm2!xTz9pRwB4", "forceChangePasswordNextSignIn": true}}})
}

#[tokio::test]
async fn a_batch_answers_each_request_by_id_with_its_own_status() {
    let env = support::start(Setup::default()).await;
    let (status, doc) = batch(
        &env,
        json!({"requests": [
            {"id": "1", "method": "GET", "url": "/users/adele.vance@contoso.com?$select=id,displayName"},
            {"id": "2", "method": "GET", "url": "users/nobody@contoso.com"},
            reset_item("3", "mia.chen@contoso.com"),
            // A Global Administrator is beyond a Helpdesk Administrator.
            reset_item("4", "megan.bowen@contoso.com"),
            {"id": "5", "method": "GET", "url": "/users?$search=\"displayName:adele\"&$count=true",
             "headers": {"ConsistencyLevel": "eventual"}},
        ]}),
    )
    .await;
    assert_eq!(status, 200, "{doc}");
    assert_eq!(doc["responses"].as_array().unwrap().len(), 5);
    assert_eq!(by_id(&doc, "1")["status"], 200);
    assert_eq!(by_id(&doc, "1")["body"]["displayName"], "Adele Vance");
    assert_eq!(by_id(&doc, "2")["status"], 404);
    assert_eq!(
        by_id(&doc, "2")["body"]["error"]["code"],
        "Request_ResourceNotFound"
    );
    assert_eq!(by_id(&doc, "3")["status"], 204, "{doc}");
    assert!(by_id(&doc, "3").get("body").is_none());
    assert_eq!(by_id(&doc, "4")["status"], 403);
    assert_eq!(
        by_id(&doc, "4")["body"]["error"]["code"],
        "Authorization_RequestDenied"
    );
    // The inner ConsistencyLevel header counts: $search works.
    assert_eq!(by_id(&doc, "5")["status"], 200, "{doc}");
}

#[tokio::test]
async fn a_malformed_batch_is_a_400_and_dependencies_fail_with_424() {
    let env = support::start(Setup::default()).await;
    let many: Vec<Value> = (0..21)
        .map(|i| json!({"id": i.to_string(), "method": "GET", "url": "/organization"}))
        .collect();
    let (status, doc) = batch(&env, json!({ "requests": many })).await;
    assert_eq!(status, 400, "{doc}");
    assert!(doc["error"]["message"].as_str().unwrap().contains("20"));
    let (status, _) = batch(
        &env,
        json!({"requests": [
            {"id": "a", "method": "GET", "url": "/organization"},
            {"id": "A", "method": "GET", "url": "/domains"},
        ]}),
    )
    .await;
    assert_eq!(status, 400, "ids are unique, not case-sensitive");
    let mut no_type = reset_item("1", "mia.chen@contoso.com");
    no_type.as_object_mut().unwrap().remove("headers");
    let (status, _) = batch(&env, json!({"requests": [no_type]})).await;
    assert_eq!(status, 400, "a body needs its Content-Type");
    let (status, doc) = batch(
        &env,
        json!({"requests": [
            {"id": "1", "method": "GET", "url": "/users/nobody@contoso.com"},
            {"id": "2", "dependsOn": ["1"], "method": "GET", "url": "/organization"},
        ]}),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(by_id(&doc, "2")["status"], 424, "{doc}");
    // Not POST: a Graph error body all the same.
    let resp = reqwest::Client::new()
        .get(format!("{}/$batch", env.sim.base_url))
        .bearer_auth(env.sim.token.expose_secret())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 405);
    let body: Value = resp.json().await.unwrap();
    assert!(
        body["error"]["innerError"]["request-id"].is_string(),
        "{body}"
    );
}

#[tokio::test]
async fn writes_past_the_quota_are_throttled_one_by_one_with_their_own_retry_after() {
    let env = support::start(Setup {
        write_limit: (2, Duration::from_secs(150)),
        ..Setup::default()
    })
    .await;
    let (status, doc) = batch(
        &env,
        json!({"requests": [
            reset_item("1", "mia.chen@contoso.com"),
            reset_item("2", "adele.vance@contoso.com"),
            reset_item("3", "diego.siciliani@contoso.com"),
        ]}),
    )
    .await;
    assert_eq!(status, 200, "{doc}");
    let statuses: Vec<u64> = doc["responses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_u64().unwrap())
        .collect();
    assert_eq!(statuses.iter().filter(|s| **s == 429).count(), 1, "{doc}");
    let throttled = doc["responses"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["status"] == 429)
        .unwrap();
    assert!(
        throttled["headers"]["Retry-After"]
            .as_str()
            .unwrap()
            .parse::<u64>()
            .unwrap()
            > 0
    );
    assert_eq!(
        throttled["headers"]["x-ms-throttle-information"],
        "WriteLimitExceeded"
    );
    // The quota holds for lone writes too.
    let resp = reqwest::Client::new()
        .patch(format!("{}/users/mia.chen@contoso.com", env.sim.base_url))
        .bearer_auth(env.sim.token.expose_secret())
        .json(&json!({"passwordProfile": {"password": "Kq7#vLm2!xTz9pRwB4"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 429);
}

/// One of the generated users: first.last.NNNNN@contoso.com, without roles.
fn generated(u: &resetdesk::sim::tenant::SimUser) -> bool {
    u.upn()
        .split('@')
        .next()
        .unwrap_or_default()
        .rsplit('.')
        .next()
        .is_some_and(|n| n.len() == 5 && n.bytes().all(|b| b.is_ascii_digit()))
}

/// Resets per user in the simulator's audit log (its record of what it did).
/// Row `key`: a generated password for `id`, a change required at next sign-in.
fn planned_reset(
    key: usize,
    id: &str,
    method: resetdesk::policy::eligibility::Method,
) -> resetdesk::service::bulk::Planned {
    resetdesk::service::bulk::Planned {
        key,
        request: resetdesk::service::reset::ResetRequest {
            user_id: id.to_string(),
            method,
            password: Some(resetdesk::policy::password::generate(16)),
            generated: true,
            force_change: true,
            force_change_with_mfa: false,
            revoke_sessions: false,
            operation_timeout: Duration::from_secs(30),
        },
    }
}

pub(crate) fn resets_of(env: &Env) -> std::collections::HashMap<String, usize> {
    let t = env.sim.state.tenant.read().unwrap();
    let mut n = std::collections::HashMap::new();
    for r in &t.audit {
        if r.entry["activityDisplayName"] == "Reset user password" {
            let id = r.entry["targetResources"][0]["id"]
                .as_str()
                .unwrap()
                .to_string();
            *n.entry(id).or_insert(0) += 1;
        }
    }
    n
}

#[tokio::test]
async fn a_bulk_run_through_throttling_and_refusals_resets_each_user_exactly_once() {
    use resetdesk::policy::eligibility::Method;
    use resetdesk::service::bulk::{Planned, execute};
    use resetdesk::service::reset::ResetStatus;
    let env = support::start(Setup {
        users: 120,
        faults: "429:0.15,503:0.1",
        // Fewer writes than resets in the window: the quota throttles too.
        write_limit: (70, Duration::from_secs(2)),
        max_attempts: 6,
        ..Setup::default()
    })
    .await;
    type Users = Vec<(String, bool)>;
    let (cloud, synced): (Users, Users) = {
        let t = env.sim.state.tenant.read().unwrap();
        t.users
            .iter()
            .filter(|u| generated(u))
            .map(|u| (u.id.clone(), u.is("onPremisesSyncEnabled")))
            .partition(|(_, synced)| !synced)
    };
    assert!(cloud.len() > 60, "{}", cloud.len());
    let planned: Vec<Planned> = cloud
        .iter()
        .chain(synced.iter().take(3))
        .enumerate()
        .map(|(key, (id, synced))| {
            let method = if *synced {
                Method::ResetPassword
            } else {
                Method::PasswordProfile
            };
            planned_reset(key, id, method)
        })
        .collect();
    let total = planned.len();
    let ids: Vec<String> = planned.iter().map(|p| p.request.user_id.clone()).collect();
    let mut outcomes = Vec::new();
    execute(
        &env.client,
        planned,
        |_| {},
        |key, o| outcomes.push((key, o.status)),
    )
    .await;
    assert_eq!(outcomes.len(), total, "every row accounted for");
    let mut keys: Vec<usize> = outcomes.iter().map(|(k, _)| *k).collect();
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), total, "each once");
    let resets = resets_of(&env);
    for ((key, status), id) in outcomes.iter().map(|o| (o, &ids[o.0])) {
        let n = resets.get(id).copied().unwrap_or(0);
        match status {
            ResetStatus::Succeeded => assert_eq!(n, 1, "row {key}: reset {n} times"),
            ResetStatus::Failed => assert_eq!(n, 0, "row {key}: failed, yet reset"),
            other => assert!(n <= 1, "row {key} {other:?}: reset {n} times"),
        }
    }
    // 429s and 503s are waited out: nothing ends failed for them.
    let succeeded = outcomes
        .iter()
        .filter(|(_, s)| *s == ResetStatus::Succeeded)
        .count();
    assert!(
        succeeded >= total - 3,
        "{succeeded} of {total}: {outcomes:?}"
    );
}

mod cli {
    use std::os::unix::fs::PermissionsExt;

    use crate::support::home::{Home, Sim, json, spawn_sim, stderr};

    fn run_bulk(
        home: &Home,
        sim: &Sim,
        csv: &std::path::Path,
        extra: &[&str],
    ) -> std::process::Output {
        let mut args = vec![
            "--graph-url",
            &sim.base_url,
            "--auth",
            "access-token",
            "bulk",
            csv.to_str().unwrap(),
            "--json",
        ];
        args.extend_from_slice(extra);
        home.run(&args, &[("RESETDESK_ACCESS_TOKEN", &sim.token)])
    }

    fn rows(doc: &serde_json::Value) -> Vec<(u64, String)> {
        doc["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["line"].as_u64().unwrap(),
                    r["status"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    }

    /// A journal bulk cannot read stops the run before anything is sent (and the dry
    /// run too): without it, a rerun would reset again everyone an earlier run reset.
    #[test]
    fn a_journal_that_cannot_be_read_stops_the_run_before_anything_is_sent() {
        use std::os::unix::fs::DirBuilderExt;
        let home = Home::new();
        let sim = spawn_sim(&home, &["--audit-every-secs", "0"]);
        let csv = home.path("wave.csv");
        std::fs::write(&csv, "UserPrincipalName\nadele.vance@contoso.com\n").unwrap();
        // Private, but not a file: opening works, reading does not.
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(home.path("data/resetdesk/journal.jsonl"))
            .unwrap();
        for extra in [&["--dry-run"][..], &["--yes"][..]] {
            let o = run_bulk(&home, &sim, &csv, extra);
            assert_eq!(o.status.code(), Some(1), "{extra:?}: {}", stderr(&o));
            let doc = json(&o);
            assert_eq!(doc["error"]["code"], "journal-unreadable", "{doc}");
            assert!(doc.get("rows").is_none(), "nothing judged or sent: {doc}");
        }
    }

    /// A lookup Graph throttles through every retry is `not-checked` with the fault's
    /// code, never `unresolved`/`user-not-found`; the run exits 1 and says to run again.
    #[test]
    fn a_throttled_lookup_is_not_checked_and_never_a_missing_user() {
        let home = Home::new();
        let sim = spawn_sim(
            &home,
            // Only the rows' own lookups (`GET /users/{upn}`): the operator reads fine.
            &[
                "--audit-every-secs",
                "0",
                "--faults",
                "429:1:0.1@/users/adele,429:1:0.1@/users/alan",
            ],
        );
        let csv = home.path("wave.csv");
        std::fs::write(
            &csv,
            "UserPrincipalName\nadele.vance@contoso.com\nalan.steiner@contoso.com\n",
        )
        .unwrap();
        for extra in [&["--dry-run"][..], &["--yes"][..]] {
            let o = run_bulk(&home, &sim, &csv, extra);
            let err = stderr(&o);
            assert_eq!(o.status.code(), Some(1), "{extra:?}: {err}");
            let doc = json(&o);
            for r in doc["rows"]
                .as_array()
                .unwrap_or_else(|| panic!("{doc}: {err}"))
            {
                assert_eq!(r["status"], "not-checked", "{r}");
                assert_eq!(r["reason"]["code"], "throttled", "{r}");
            }
            assert!(
                doc["summary"].as_str().unwrap().contains("not checked 2"),
                "{}",
                doc["summary"]
            );
            let last = err.lines().last().unwrap_or_default();
            assert!(last.contains("2 rows could not be checked"), "{err}");
        }
    }

    #[test]
    fn the_dry_run_judges_every_row_and_names_the_bad_lines() {
        let home = Home::new();
        let sim = spawn_sim(&home, &["--audit-every-secs", "0"]);
        let csv = home.path("wave.csv");
        std::fs::write(
            &csv,
            "\u{feff}userprincipalname;Ticket\n\
             adele.vance@contoso.com;INC-1\n\
             alan.steiner@contoso.com;INC-2\n\
             \n\
             megan.bowen@contoso.com;INC-3\n\
             henrietta.mueller@contoso.com;INC-4\n\
             nobody@contoso.com;INC-5\n\
             ;INC-6\n\
             Adele.Vance@contoso.com;INC-7\n",
        )
        .unwrap();
        let o = run_bulk(&home, &sim, &csv, &["--dry-run"]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        let doc = json(&o);
        assert_eq!(doc["dryRun"], true);
        assert_eq!(
            rows(&doc),
            [
                (2, "would-reset".to_string()),
                (3, "would-reset".to_string()),
                (5, "refused".to_string()),
                (6, "refused".to_string()),
                (7, "unresolved".to_string()),
            ],
            "{doc}"
        );
        let r = &doc["rows"];
        assert_eq!(r[0]["method"], "passwordProfile");
        assert_eq!(r[1]["method"], "resetPassword");
        assert_eq!(r[1]["user"]["sourceOfAuthority"], "synced");
        assert_eq!(
            r[3]["reason"]["code"], "self-reset",
            "the operator's own account"
        );
        assert!(r[0]["temporaryPassword"].is_null());
        let bad: Vec<u64> = doc["badLines"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b["line"].as_u64().unwrap())
            .collect();
        assert_eq!(bad, [8, 9], "{doc}");
        let summary = doc["summary"].as_str().unwrap();
        assert!(summary.starts_with("would reset 2; refused 2"), "{summary}");
        assert!(
            summary.contains("unresolved 1") && summary.contains("bad lines 2"),
            "{summary}"
        );
    }

    #[test]
    fn a_run_resets_each_once_with_its_own_password_writes_a_private_out_file_and_resumes() {
        let home = Home::new();
        let sim = spawn_sim(
            &home,
            &[
                "--audit-every-secs",
                "0",
                "--users",
                "40",
                "--faults",
                "429:0.1,503:0.05",
            ],
        );
        // Twenty-odd cloud users found the way an admin would.
        let o = home.run(
            &[
                "--graph-url",
                &sim.base_url,
                "--auth",
                "access-token",
                "search",
                "contractor",
                "--top",
                "30",
                "--json",
            ],
            &[("RESETDESK_ACCESS_TOKEN", &sim.token)],
        );
        let found = json(&o);
        let mut upns: Vec<String> = found["users"]
            .as_array()
            .unwrap_or_else(|| panic!("{found}"))
            .iter()
            .map(|u| u["userPrincipalName"].as_str().unwrap().to_string())
            .collect();
        upns.push("megan.bowen@contoso.com".into());
        let csv = home.path("wave.csv");
        std::fs::write(&csv, format!("UserPrincipalName\n{}\n", upns.join("\n"))).unwrap();
        // Without a terminal and without --yes: refused, nothing sent.
        let o = run_bulk(&home, &sim, &csv, &[]);
        assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
        let out = home.path("results.csv");
        let o = run_bulk(
            &home,
            &sim,
            &csv,
            &["--yes", "--out", out.to_str().unwrap()],
        );
        assert!(
            o.status.code() == Some(0) || o.status.code() == Some(1),
            "{}",
            stderr(&o)
        );
        let doc = json(&o);
        let reset: Vec<&serde_json::Value> = doc["rows"]
            .as_array()
            .unwrap()
            .iter()
            // Synced users go by resetPassword: accepted, as their operation is not
            // readable by a Helpdesk Administrator.
            .filter(|r| r["status"] == "succeeded" || r["status"] == "accepted")
            .collect();
        assert_eq!(
            reset.len(),
            upns.len() - 1,
            "every eligible row, not the refused one: {doc}"
        );
        let mut passwords: Vec<&str> = reset
            .iter()
            .map(|r| r["temporaryPassword"].as_str().unwrap())
            .collect();
        passwords.sort();
        passwords.dedup();
        assert_eq!(passwords.len(), reset.len(), "each user their own password");
        assert_eq!(
            std::fs::metadata(&out).unwrap().permissions().mode() & 0o777,
            0o600
        );
        let written = std::fs::read_to_string(&out).unwrap();
        assert!(written.starts_with("UserPrincipalName,status,method,temporaryPassword,errorCode"));
        assert!(written.contains(passwords[0]));
        // The results file is never overwritten.
        let o = run_bulk(
            &home,
            &sim,
            &csv,
            &["--yes", "--out", out.to_str().unwrap()],
        );
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        assert!(stderr(&o).contains("never overwrites"), "{}", stderr(&o));
        // The same file again: what was done is skipped, nothing is sent twice.
        let o = run_bulk(&home, &sim, &csv, &["--dry-run"]);
        let again = json(&o);
        let done = again["rows"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["status"] == "done-before")
            .count();
        assert_eq!(done, reset.len(), "{again}");
        assert!(
            again["summary"]
                .as_str()
                .unwrap()
                .starts_with("would reset 0"),
            "{again}"
        );
    }

    /// A run whose answers are lost (the connection drops after Graph took each batch):
    /// every reset is `unconfirmed`, journaled as such, and a rerun of the file sends
    /// none of them again unless told to.
    #[test]
    fn resets_whose_answer_was_lost_are_never_sent_again_on_a_rerun() {
        let home = Home::new();
        let sim = spawn_sim(
            &home,
            &["--audit-every-secs", "0", "--faults", "drop-write:1"],
        );
        let csv = home.path("wave.csv");
        std::fs::write(
            &csv,
            "UserPrincipalName\nadele.vance@contoso.com\nmia.chen@contoso.com\n",
        )
        .unwrap();
        let o = run_bulk(&home, &sim, &csv, &["--yes"]);
        assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
        let doc = json(&o);
        assert!(rows(&doc).iter().all(|(_, s)| s == "unconfirmed"), "{doc}");
        let o = run_bulk(&home, &sim, &csv, &["--yes"]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        let again = json(&o);
        assert!(
            rows(&again).iter().all(|(_, s)| s == "unconfirmed-before"),
            "{again}"
        );
        assert!(
            again["summary"]
                .as_str()
                .unwrap()
                .starts_with("would reset 0"),
            "{again}"
        );
    }
}

/// Issue 14's done-when: a CSV of 500 rows naming users of every kind (cloud and synced,
/// admins, guests, invitees, the operator, unknown names, one user twice in two forms)
/// plus broken and blank lines, through 429s and 503s. The dry run judges every row; a
/// run killed midway and run again resets every eligible user exactly once (the
/// simulator counts), repeats none, and accounts for every row; `--out` is 0600 and is
/// never overwritten.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_hundred_rows_of_every_kind_through_faults_an_interruption_and_a_resume() {
    use std::os::unix::fs::PermissionsExt;

    use crate::support::home::Home;
    let env = support::start(Setup {
        users: 600,
        // Writes slow enough to be interrupted midway: 300 ms a batch.
        faults: "429:0.02,503:0.01,slow-write:1:300",
        op_delay: Duration::from_millis(100),
        // The synced users' operations are read under the reports budget; a generous
        // one keeps the test short (the budget itself is tested in audit.rs).
        audit: resetdesk::sim::AuditOptions {
            limit: (100, Duration::from_secs(10)),
            ..Setup::default().audit
        },
        ..Setup::default()
    })
    .await;
    let (cloud, synced, demo, adele_id) = {
        let t = env.sim.state.tenant.read().unwrap();
        let synced_of = |u: &resetdesk::sim::tenant::SimUser| u.is("onPremisesSyncEnabled");
        let upn = |u: &resetdesk::sim::tenant::SimUser| u.upn().to_string();
        let cloud: Vec<String> = t
            .users
            .iter()
            .filter(|u| generated(u))
            .filter(|u| !synced_of(u))
            .map(upn)
            .take(330)
            .collect();
        let synced: Vec<String> = t
            .users
            .iter()
            .filter(|u| generated(u))
            .filter(|u| synced_of(u))
            .map(upn)
            .take(10)
            .collect();
        // Every user of the demo tenant: admins, guests, invitees, synced, the operator.
        let demo: Vec<String> = t
            .users
            .iter()
            .filter(|u| !generated(u))
            .map(|u| u.upn().to_string())
            .collect();
        let adele = t.user_by_key("adele.vance@contoso.com").unwrap().id.clone();
        (cloud, synced, demo, adele)
    };
    assert_eq!(cloud.len(), 330);
    assert_eq!(synced.len(), 10);
    assert!(demo.len() >= 25, "{}", demo.len());
    // The file, as a spreadsheet writes it: a BOM, a ticket column, blank lines.
    let home = Home::new();
    let csv = home.path("phished.csv");
    let mut text = String::from("\u{feff}UserPrincipalName,ticket\n");
    let mut users: Vec<&String> = cloud.iter().chain(&synced).chain(&demo).collect();
    // Mixed in, not in blocks.
    users.sort_by_key(|u| u.bytes().rev().take(3).collect::<Vec<u8>>());
    for (i, u) in users.iter().enumerate() {
        text.push_str(&format!("{u},INC-{}\n", 9000 + i));
        if i % 97 == 0 {
            text.push('\n');
        }
    }
    // Adele again by id; the same UPN again in capitals; names no one has; a row
    // without a user; a row that is not CSV (an unterminated quote, last: it runs to the
    // end of the file).
    text.push_str(&format!("{adele_id},INC-1\n"));
    text.push_str(&format!("{},INC-2\n", cloud[0].to_uppercase()));
    for i in 0..(500 - users.len() - 4) {
        text.push_str(&format!("nobody.{i}@contoso.com,INC-3\n"));
    }
    text.push_str(",INC-4\n");
    text.push_str("\"unterminated@contoso.com,INC-5\n");
    std::fs::write(&csv, &text).unwrap();
    let rows_in_file = text
        .lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .count();
    assert_eq!(rows_in_file, 500);
    // Patient with throttled reads, as an admin's config would be for a storm.
    std::fs::create_dir_all(home.path("config/resetdesk")).unwrap();
    std::fs::write(
        home.path("config/resetdesk/config.toml"),
        "max_attempts = 10\n",
    )
    .unwrap();
    let token = env.sim.token.expose_secret().to_string();
    let base = env.sim.base_url.clone();
    let csv_s = csv.to_str().unwrap().to_string();
    let args = |extra: &[&str]| -> Vec<String> {
        let mut a: Vec<String> = [
            "--graph-url",
            &base,
            "--auth",
            "access-token",
            "bulk",
            &csv_s,
            "--json",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        a.extend(extra.iter().map(|s| s.to_string()));
        a
    };
    let run = |extra: &[&str]| {
        let a = args(extra);
        let refs: Vec<&str> = a.iter().map(String::as_str).collect();
        home.run(&refs, &[("RESETDESK_ACCESS_TOKEN", &token)])
    };

    // 1. The dry run: every row judged, every line accounted for.
    let o = tokio::task::block_in_place(|| run(&["--dry-run"]));
    assert_eq!(o.status.code(), Some(0), "{}", support::home::stderr(&o));
    let doc: Value = serde_json::from_slice(&o.stdout).unwrap();
    let rows = doc["rows"].as_array().unwrap();
    let bad = doc["badLines"].as_array().unwrap();
    assert_eq!(rows.len() + bad.len(), rows_in_file, "{}", doc["summary"]);
    let status_of = |upn: &str| -> String {
        rows.iter()
            .find(|r| r["key"] == upn)
            .map(|r| r["status"].as_str().unwrap().to_string())
            .unwrap_or_else(|| panic!("no row for {upn}"))
    };
    for u in &cloud {
        assert_eq!(status_of(u), "would-reset", "{u}");
    }
    for u in &synced {
        let r = rows.iter().find(|r| &r["key"] == u).unwrap();
        assert_eq!(r["status"], "would-reset", "{r}");
        assert_eq!(r["method"], "resetPassword", "{r}");
    }
    // The demo tenant's users each get a verdict (none is lost to a fault), the
    // operator and the Global Administrator a refusal with its reason.
    for u in &demo {
        let s = status_of(u);
        assert!(s == "would-reset" || s == "refused", "{u}: {s}");
    }
    let reason = |upn: &str| {
        rows.iter().find(|r| r["key"] == upn).unwrap()["reason"]["code"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(reason("henrietta.mueller@contoso.com"), "self-reset");
    assert_eq!(status_of("megan.bowen@contoso.com"), "refused");
    assert_eq!(status_of(&adele_id), "duplicate");
    assert_eq!(reason(&adele_id), "duplicate-user");
    assert!(rows.iter().filter(|r| r["status"] == "unresolved").count() >= 1);
    // The same UPN in capitals, the row without a user, the broken line: bad lines, by
    // line number.
    assert_eq!(bad.len(), 3, "{bad:?}");
    let last = text.lines().count() as u64;
    assert!(bad.iter().any(|b| b["line"] == last), "{bad:?}");
    let would: Vec<String> = rows
        .iter()
        .filter(|r| r["status"] == "would-reset")
        .map(|r| r["user"]["id"].as_str().unwrap().to_string())
        .collect();
    assert!(would.len() >= 340, "{}", would.len());
    assert!(resets_of(&env).is_empty(), "the dry run changed nothing");

    // 2. A run killed once a good part of it is done.
    let journal = home.path("data/resetdesk/journal.jsonl");
    let a = args(&["--yes"]);
    let mut child = home
        .command(
            &a.iter().map(String::as_str).collect::<Vec<_>>(),
            &[("RESETDESK_ACCESS_TOKEN", &token)],
        )
        .stdout(std::process::Stdio::null())
        .stderr(std::fs::File::create(home.path("killed-run.stderr")).unwrap())
        .spawn()
        .unwrap();
    let killed_stderr =
        || std::fs::read_to_string(home.path("killed-run.stderr")).unwrap_or_default();
    let outcomes = |j: &str| {
        j.lines()
            .filter(|l| l.contains("\"action\":\"reset\""))
            .count()
    };
    // Only a guard against a hang: a loaded CI machine may take minutes.
    let deadline = std::time::Instant::now() + Duration::from_secs(600);
    loop {
        let j = std::fs::read_to_string(&journal).unwrap_or_default();
        if outcomes(&j) >= 150 {
            break;
        }
        if let Some(status) = child.try_wait().unwrap() {
            panic!(
                "the run ended ({status}) before it could be interrupted, {} resets journaled:\n{}",
                outcomes(&j),
                killed_stderr()
            );
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the run never got going ({} resets journaled):\n{}",
            outcomes(&j),
            killed_stderr()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let after_kill = resets_of(&env);
    assert!(after_kill.len() < would.len(), "interrupted midway");

    // 3. The same file again: what was done is skipped, what is unknown is not resent,
    // the rest is done; --out holds the results, 0600.
    let out = home.path("results.csv");
    let o = tokio::task::block_in_place(|| run(&["--yes", "--out", out.to_str().unwrap()]));
    let doc: Value = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", support::home::stderr(&o)));
    let rows = doc["rows"].as_array().unwrap();
    let mut count = std::collections::HashMap::<String, usize>::new();
    for r in rows {
        *count
            .entry(r["status"].as_str().unwrap().to_string())
            .or_default() += 1;
    }
    assert!(
        count.get("done-before").copied().unwrap_or(0) >= 150,
        "{count:?}"
    );
    assert!(
        count.get("succeeded").copied().unwrap_or(0) > 0,
        "{count:?}"
    );
    // The simulator settles (and logs) a resetPassword operation on the next request
    // after it has run its course, read or not — a request it answers: this file's
    // faults turn 3 % of them away before anything runs (the count read 0 for an
    // `accepted` row once when the settling request drew a 429).
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut settled = false;
    for _ in 0..50 {
        if env.raw("/me", false).await.0 == 200 {
            settled = true;
            break;
        }
    }
    assert!(settled, "the simulator answered /me");
    let done = resets_of(&env);
    for id in &would {
        let n = done.get(id).copied().unwrap_or(0);
        let row = rows
            .iter()
            .find(|r| r["user"]["id"] == id.as_str() && r["status"] != "duplicate")
            .unwrap();
        match row["status"].as_str().unwrap() {
            // Sent while the run was killed: maybe set, never sent twice.
            "unconfirmed-before" => assert!(n <= 1, "{row}"),
            "succeeded" | "accepted" | "done-before" => assert_eq!(n, 1, "{row}: reset {n} times"),
            // Graph refused what the verdict allowed (the demo has such a user: Graph
            // stays the final authority): not reset, and said so.
            "failed" => {
                assert_eq!(n, 0, "{row}");
                assert!(row["reason"]["code"].is_string(), "{row}");
            }
            other => panic!("{other}: {row}\n{}", doc["summary"]),
        }
    }
    assert!(done.values().all(|n| *n == 1), "no user reset twice");
    assert_eq!(
        std::fs::metadata(&out).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let results = std::fs::read_to_string(&out).unwrap();
    assert!(results.starts_with("UserPrincipalName,status,method,temporaryPassword,errorCode"));
    // Never overwritten.
    let o = tokio::task::block_in_place(|| run(&["--yes", "--out", out.to_str().unwrap()]));
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(std::fs::read_to_string(&out).unwrap(), results);
}

/// Ctrl-C (or a dropped SSH session) midway through a bulk run: nothing more is sent, the
/// batch in flight finishes (its sessions revoked), every password Graph took is in
/// --out and on stdout, the rest is `failed` as not sent, the exit is 130; the same file
/// again skips what is done and makes the rest, each user reset once.
#[tokio::test(flavor = "multi_thread")]
async fn an_interrupted_bulk_run_hands_over_every_password_it_set() {
    use std::os::unix::fs::PermissionsExt;

    use crate::support::home::Home;
    let env = support::start(Setup {
        users: 160,
        // Each $batch held 800 ms: the run is still going when the signal comes.
        faults: "slow-write:1:800@/$batch",
        ..Setup::default()
    })
    .await;
    let cloud: Vec<(String, String)> = {
        let t = env.sim.state.tenant.read().unwrap();
        t.users
            .iter()
            .filter(|u| generated(u) && !u.is("onPremisesSyncEnabled"))
            .map(|u| (u.id.clone(), u.upn().to_string()))
            .take(100)
            .collect()
    };
    assert_eq!(cloud.len(), 100);
    let home = Home::new();
    let csv = home.path("wave.csv");
    let mut text = String::from("UserPrincipalName\n");
    for (_, upn) in &cloud {
        text.push_str(&format!("{upn}\n"));
    }
    std::fs::write(&csv, &text).unwrap();
    let out = home.path("results.csv");
    let token = env.sim.token.expose_secret().to_string();
    let args = |extra: &[&str]| -> Vec<String> {
        let mut a: Vec<String> = [
            "--graph-url",
            env.sim.base_url.as_str(),
            "--auth",
            "access-token",
            "bulk",
            csv.to_str().unwrap(),
            "--yes",
            "--json",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        a.extend(extra.iter().map(|s| s.to_string()));
        a
    };
    let a = args(&["--out", out.to_str().unwrap(), "--revoke-sessions"]);
    let child = home
        .command(
            &a.iter().map(String::as_str).collect::<Vec<_>>(),
            &[("RESETDESK_ACCESS_TOKEN", &token)],
        )
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Once the first batch's outcomes are journaled, Ctrl-C.
    let journal = home.path("data/resetdesk/journal.jsonl");
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    loop {
        let j = std::fs::read_to_string(&journal).unwrap_or_default();
        if j.lines().any(|l| l.contains("\"action\":\"reset\"")) {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "no reset journaled");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // SAFETY: kill(2) on our own child's pid, which has not been waited for.
    assert_eq!(
        unsafe { libc::kill(child.id() as i32, libc::SIGINT) },
        0,
        "SIGINT sent"
    );
    let o = tokio::task::block_in_place(|| child.wait_with_output().unwrap());
    let err = support::home::stderr(&o);
    assert_eq!(o.status.code(), Some(130), "{err}");
    assert!(
        err.contains("stopping:") && err.contains("interrupted:"),
        "{err}"
    );
    // --out: 0600, every line of the file, a password with every success.
    let mode = std::fs::metadata(&out).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let mut r = csv::Reader::from_path(&out).unwrap();
    let records: Vec<csv::StringRecord> = r.records().map(|r| r.unwrap()).collect();
    assert_eq!(records.len(), cloud.len(), "every line in --out");
    let upns: std::collections::HashSet<&str> = records.iter().map(|r| &r[0]).collect();
    assert_eq!(upns.len(), cloud.len(), "each line once");
    let status = |rec: &csv::StringRecord| rec[1].to_string();
    let succeeded: Vec<&csv::StringRecord> = records
        .iter()
        .filter(|r| status(r) == "succeeded")
        .collect();
    assert!(!succeeded.is_empty());
    for rec in &succeeded {
        assert!(rec[3].len() >= 12, "a password for {}", &rec[0]);
    }
    // Every user Graph reset is handed over with their password; no one else was reset.
    let resets = resets_of(&env);
    let mut not_made = 0;
    for (id, upn) in &cloud {
        let rec = records.iter().find(|r| &r[0] == upn).unwrap();
        match resets.get(id).copied().unwrap_or(0) {
            0 => {
                assert_eq!(status(rec), "failed", "{upn} was not reset: {rec:?}");
                assert!(rec[3].is_empty(), "no password for {upn}");
                not_made += 1;
            }
            1 => assert!(
                status(rec) == "succeeded" && !rec[3].is_empty(),
                "{upn} was reset: {rec:?}"
            ),
            n => panic!("{upn} reset {n} times"),
        }
    }
    assert!(not_made > 0, "interrupted midway");
    // stdout: the same report, with the same passwords.
    let doc: Value = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {err}"));
    for rec in &succeeded {
        let row = doc["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["user"]["userPrincipalName"] == rec[0])
            .unwrap();
        assert_eq!(row["status"], "succeeded");
        assert_eq!(row["temporaryPassword"], &rec[3]);
    }
    // The same file again: done is skipped, unconfirmed is not resent, the rest is done.
    let a = args(&[]);
    let o = tokio::task::block_in_place(|| {
        home.run(
            &a.iter().map(String::as_str).collect::<Vec<_>>(),
            &[("RESETDESK_ACCESS_TOKEN", &token)],
        )
    });
    let doc: Value = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", support::home::stderr(&o)));
    let done_before = doc["rows"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["status"] == "done-before")
        .count();
    assert_eq!(done_before, succeeded.len(), "{}", doc["summary"]);
    assert_eq!(o.status.code(), Some(0), "{}", support::home::stderr(&o));
    let resets = resets_of(&env);
    for (id, upn) in &cloud {
        assert_eq!(resets.get(id).copied(), Some(1), "{upn}: reset once in all");
    }
}

/// A credential that hands out one token, then cannot (the sign-in expired and could not
/// be renewed).
struct OneToken(std::sync::Mutex<Option<resetdesk::secret::SecretString>>);

#[async_trait::async_trait]
impl resetdesk::auth::TokenProvider for OneToken {
    async fn token(&self) -> Result<resetdesk::secret::SecretString, resetdesk::auth::AuthError> {
        self.0
            .lock()
            .unwrap()
            .take()
            .ok_or_else(|| resetdesk::auth::AuthError::Missing("the sign-in expired".into()))
    }
}

/// A batch that could not get a token was never sent: its resets are `failed` (a rerun
/// sends them), not `unconfirmed` (which a rerun would not send again).
#[tokio::test]
async fn resets_without_a_token_are_failed_as_not_sent_never_unconfirmed() {
    use resetdesk::policy::eligibility::Method;
    use resetdesk::service::bulk::{Planned, execute};
    use resetdesk::service::reset::ResetStatus;
    let env = support::start(Setup {
        users: 80,
        ..Setup::default()
    })
    .await;
    let ids: Vec<String> = {
        let t = env.sim.state.tenant.read().unwrap();
        t.users
            .iter()
            .filter(|u| generated(u) && !u.is("onPremisesSyncEnabled"))
            .map(|u| u.id.clone())
            .take(40)
            .collect()
    };
    assert_eq!(ids.len(), 40);
    let client = resetdesk::graph::GraphClient::new(
        resetdesk::graph::ClientOptions {
            base_url: env.sim.base_url.clone(),
            timeout: Duration::from_secs(30),
            max_attempts: 3,
            max_retry_wait: Duration::from_secs(5),
            cloud: resetdesk::cloud::Cloud::Global,
        },
        std::sync::Arc::new(OneToken(std::sync::Mutex::new(Some(env.sim.token.clone())))),
    )
    .unwrap();
    let planned: Vec<Planned> = ids
        .iter()
        .enumerate()
        .map(|(key, id)| planned_reset(key, id, Method::PasswordProfile))
        .collect();
    let mut outcomes = Vec::new();
    execute(&client, planned, |_| {}, |key, o| outcomes.push((key, o))).await;
    assert_eq!(outcomes.len(), 40);
    let resets = resets_of(&env);
    let (sent, not_sent): (Vec<_>, Vec<_>) = outcomes
        .iter()
        .partition(|(key, _)| resets.contains_key(&ids[*key]));
    assert_eq!(sent.len(), 20, "the first batch, with the one token");
    for (_, o) in &sent {
        assert_eq!(o.status, ResetStatus::Succeeded);
    }
    for (key, o) in &not_sent {
        assert_eq!(o.status, ResetStatus::Failed, "row {key}: {:?}", o.detail);
        assert!(
            o.detail.as_deref().unwrap_or("").contains("not sent"),
            "{:?}",
            o.detail
        );
    }
}
