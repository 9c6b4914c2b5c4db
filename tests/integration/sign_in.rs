//! Sign-in methods (issue 13) through the real binary: each method's token reaches
//! Graph (the simulator), and each way it can fail gives one clear line and exit 4.

use std::os::unix::fs::PermissionsExt;

use crate::support::home::{Home, Sim, assert_clean_failure, json, spawn_sim, stderr};

/// A fake `az` on PATH: it logs its arguments and prints what `az account
/// get-access-token -o json` prints, or fails as az does when nobody is signed in.
fn fake_az(home: &Home, token: Option<&str>) -> (String, std::path::PathBuf) {
    let bin = home.path("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let log = home.path("az-args.log");
    let script = match token {
        Some(t) => {
            let out = home.path("az-out.json");
            let expires = time::OffsetDateTime::now_utc().unix_timestamp() + 3600;
            std::fs::write(
                &out,
                format!(
                    r#"{{"accessToken": "{t}", "expiresOn": "", "expires_on": {expires}, "subscription": "x", "tenant": "x", "tokenType": "Bearer"}}"#
                ),
            )
            .unwrap();
            format!(
                "#!/bin/sh\necho \"$@\" >> '{}'\ncat '{}'\n",
                log.display(),
                out.display()
            )
        }
        None => format!(
            "#!/bin/sh\necho \"$@\" >> '{}'\necho \"ERROR: Please run 'az login' to setup account.\" >&2\nexit 1\n",
            log.display()
        ),
    };
    let az = bin.join("az");
    std::fs::write(&az, script).unwrap();
    std::fs::set_permissions(&az, std::fs::Permissions::from_mode(0o755)).unwrap();
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap());
    (path, log)
}

#[test]
fn azure_cli_reuses_az_login_and_asks_it_once_per_run() {
    let home = Home::new();
    let sim = spawn_sim(&home, &[]);
    let tid = resetdesk::auth::token_claim(&sim.token, "tid").unwrap();
    let (path, log) = fake_az(&home, Some(&sim.token));
    let o = home.run(
        &[
            "--graph-url",
            &sim.base_url,
            "--auth",
            "azure-cli",
            "--tenant",
            &tid,
            "show",
            "adele.vance@contoso.com",
            "--json",
        ],
        &[("PATH", &path)],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        json(&o)["user"]["userPrincipalName"],
        "adele.vance@contoso.com"
    );
    let calls = std::fs::read_to_string(&log).unwrap();
    // `show` makes a dozen Graph requests; az was asked once, for Graph's scope, in the
    // tenant asked for.
    assert_eq!(calls.lines().count(), 1, "{calls}");
    assert!(
        calls.contains("account get-access-token")
            && calls.contains("--scope https://graph.microsoft.com/.default")
            && calls.contains(&format!("--tenant {tid}")),
        "{calls}"
    );
}

#[test]
fn azure_cli_failures_say_what_to_do_and_exit_4() {
    let home = Home::new();
    let sim = spawn_sim(&home, &[]);
    // Nobody signed in to az.
    let (path, _) = fake_az(&home, None);
    let args = [
        "--graph-url",
        &sim.base_url,
        "--auth",
        "azure-cli",
        "search",
        "adele",
    ];
    let o = home.run(&args, &[("PATH", &path)]);
    assert_clean_failure(&o, 4);
    let err = stderr(&o);
    assert!(
        err.contains("azure-cli sign-in failed") && err.contains("az login"),
        "{err}"
    );
    // No az at all.
    let empty = home.path("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let o = home.run(&args, &[("PATH", empty.to_str().unwrap())]);
    assert_clean_failure(&o, 4);
    assert!(stderr(&o).contains("az"), "{}", stderr(&o));
    // The same as failure JSON.
    let mut with_json = args.to_vec();
    with_json.push("--json");
    let o = home.run(&with_json, &[("PATH", &path)]);
    assert_eq!(o.status.code(), Some(4));
    let doc: serde_json::Value = serde_json::from_slice(&o.stderr)
        .or_else(|_| serde_json::from_slice(&o.stdout))
        .unwrap();
    assert_eq!(doc["exitCode"], 4, "{doc}");
    assert!(
        doc["error"]["message"]
            .as_str()
            .unwrap()
            .contains("az login")
    );
}

// The demo tenant's applications (assets/demo-tenant.json).
const AUTOMATION_APP: &str = "7c1f3a52-9d04-4b1e-a6c2-3e8f5b0d9a11";
const AUTOMATION_SP: &str = "d2b6e8f0-4a13-4c57-9e21-0b7c3d5f8a26";
const AUTOMATION_SECRET: &str = "sim-helpdesk-automation-secret";
const RUNNER_APP: &str = "3f9e2d1c-6b5a-4e8d-9c7f-1a2b3c4d5e6f";

/// The options every app sign-in against `sim` takes: its Graph, its login endpoint, the
/// tenant, the app.
fn app_args<'a>(sim: &'a Sim, tid: &'a str, auth: &'a str) -> Vec<&'a str> {
    vec![
        "--graph-url",
        &sim.base_url,
        "--auth",
        auth,
        "--tenant",
        tid,
    ]
}

fn authority(sim: &Sim) -> String {
    sim.base_url.trim_end_matches("/v1.0").to_string()
}

/// A home, a simulator in its own process, its tenant id and its login root.
fn app_sim() -> (Home, Sim, String, String) {
    let home = Home::new();
    let sim = spawn_sim(&home, &[]);
    let tid = resetdesk::auth::token_claim(&sim.token, "tid").unwrap();
    let auth = authority(&sim);
    (home, sim, tid, auth)
}

/// The demo's automation app signing in by its secret from the environment.
fn secret_env(authority: &str) -> [(&'static str, &str); 3] {
    [
        ("RESETDESK_AUTHORITY_URL", authority),
        ("RESETDESK_CLIENT_ID", AUTOMATION_APP),
        ("RESETDESK_CLIENT_SECRET", AUTOMATION_SECRET),
    ]
}

fn private_copy(home: &Home, fixture: &str, mode: u32) -> std::path::PathBuf {
    let path = home.path(fixture);
    std::fs::copy(
        format!("{}/tests/fixtures/{fixture}", env!("CARGO_MANIFEST_DIR")),
        &path,
    )
    .unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
    path
}

#[test]
fn client_secret_signs_in_as_the_app_whose_service_principal_roles_decide() {
    let (home, sim, tid, auth) = app_sim();
    let env = secret_env(&auth);
    let show = |user: &str| {
        let mut args = app_args(&sim, &tid, "client-secret");
        args.extend(["show", user, "--json"]);
        home.run(&args, &env)
    };
    // A cloud-only user without roles: the app's Helpdesk Administrator role suffices,
    // by passwordProfile (the path an app may take).
    let o = show("adele.vance@contoso.com");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let doc = json(&o);
    assert_eq!(doc["operator"]["id"], AUTOMATION_SP, "{doc}");
    assert_eq!(doc["operator"]["appId"], AUTOMATION_APP);
    assert_eq!(
        doc["operator"]["activeRoles"][0]["name"],
        "Helpdesk Administrator"
    );
    assert_eq!(doc["eligibility"]["allowed"], true, "{doc}");
    assert_eq!(doc["eligibility"]["method"], "passwordProfile");
    // A Global Administrator is beyond a Helpdesk Administrator, app or not.
    let o = show("megan.bowen@contoso.com");
    assert_eq!(json(&o)["eligibility"]["allowed"], false);
    // A synced user needs resetPassword, which takes no app-only token: refused, and
    // the reason says so.
    let o = show("alan.steiner@contoso.com");
    let doc = json(&o);
    assert_eq!(doc["eligibility"]["allowed"], false, "{doc}");
    let reasons = doc["eligibility"]["reasons"].to_string();
    assert!(
        reasons.contains("missing-permission") && reasons.contains("app-only"),
        "{reasons}"
    );
    // doctor says the same before anyone tries: who, how, and the path it cannot take.
    let mut args = app_args(&sim, &tid, "client-secret");
    args.extend(["doctor", "--json"]);
    let doc = json(&home.run(&args, &env));
    let find = |name: &str| {
        doc["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["check"] == name)
            .cloned()
            .unwrap_or_else(|| panic!("no {name} check: {doc}"))
    };
    let sign_in = find("sign-in");
    assert!(
        sign_in["detail"].as_str().unwrap().contains(&format!(
            "Helpdesk Automation (app {AUTOMATION_APP}) (client-secret)"
        )),
        "{sign_in}"
    );
    let permissions = find("permissions");
    assert_eq!(permissions["status"], "warn", "{permissions}");
    assert!(
        permissions["detail"]
            .as_str()
            .unwrap()
            .contains("cannot reset synced users (resetPassword)")
            && permissions["fix"]
                .as_str()
                .unwrap()
                .contains("delegated sign-in"),
        "{permissions}"
    );
}

#[test]
fn an_app_resets_by_password_profile_and_the_journal_names_the_app() {
    let (home, sim, tid, auth) = app_sim();
    let env = secret_env(&auth);
    let mut args = app_args(&sim, &tid, "client-secret");
    args.extend(["reset", "mia.chen@contoso.com", "--yes", "--json"]);
    let o = home.run(&args, &env);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(json(&o)["status"], "succeeded", "{}", json(&o));
    let mut args = app_args(&sim, &tid, "client-secret");
    args.extend(["journal", "--json"]);
    let o = home.run(&args, &env);
    let entries = json(&o);
    let entry = &entries[0];
    assert_eq!(entry["operator"]["id"], AUTOMATION_SP, "{entries}");
    assert_eq!(entry["operator"]["appId"], AUTOMATION_APP, "{entries}");
    // The audit log names the app, and the app knows the entry for its own.
    std::thread::sleep(std::time::Duration::from_millis(2500));
    let mut args = app_args(&sim, &tid, "client-secret");
    args.extend(["audit", "--since", "10m", "--json"]);
    let o = home.run(&args, &env);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let log = json(&o);
    let mine = log
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e.to_string().contains("mia.chen@contoso.com") && e["who"] == "you")
        .unwrap_or_else(|| panic!("{log}"));
    assert_eq!(
        mine["initiatedBy"]["app"]["appId"], AUTOMATION_APP,
        "{mine}"
    );
    assert_eq!(mine["confirmsJournal"], true, "{mine}");
}

#[test]
fn a_client_secret_comes_from_a_private_file_or_not_at_all() {
    let (home, sim, tid, auth) = app_sim();
    let file = home.path("secret");
    std::fs::write(&file, format!("{AUTOMATION_SECRET}\n")).unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    let file_s = file.to_str().unwrap();
    let env = [
        ("RESETDESK_AUTHORITY_URL", auth.as_str()),
        ("RESETDESK_CLIENT_ID", AUTOMATION_APP),
        ("RESETDESK_CLIENT_SECRET_FILE", file_s),
    ];
    let mut args = app_args(&sim, &tid, "client-secret");
    args.extend(["search", "adele"]);
    // Readable by others: refused before it is used, with the fix.
    let o = home.run(&args, &env);
    assert_clean_failure(&o, 2);
    assert!(stderr(&o).contains("chmod 600"), "{}", stderr(&o));
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
    let o = home.run(&args, &env);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // A wrong secret: Entra's reason, exit 4.
    std::fs::write(&file, "not-the-secret").unwrap();
    let o = home.run(&args, &env);
    assert_clean_failure(&o, 4);
    assert!(stderr(&o).contains("AADSTS7000215"), "{}", stderr(&o));
    // No secret anywhere.
    let o = home.run(&args, &env[..2]);
    assert_clean_failure(&o, 2);
    assert!(
        stderr(&o).contains("RESETDESK_CLIENT_SECRET"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn client_certificate_signs_a_client_assertion_the_simulator_verifies() {
    let (home, sim, tid, auth) = app_sim();
    let run = |pem: &std::path::Path| {
        let mut args = app_args(&sim, &tid, "client-certificate");
        args.extend(["show", "adele.vance@contoso.com", "--json"]);
        home.run(
            &args,
            &[
                ("RESETDESK_AUTHORITY_URL", auth.as_str()),
                ("RESETDESK_CLIENT_ID", AUTOMATION_APP),
                ("RESETDESK_CLIENT_CERTIFICATE_FILE", pem.to_str().unwrap()),
            ],
        )
    };
    let registered = private_copy(&home, "app-certificate.pem", 0o600);
    let o = run(&registered);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(json(&o)["operator"]["appId"], AUTOMATION_APP);
    // A certificate the app registration does not hold: Entra refuses the assertion.
    let other = private_copy(&home, "other-certificate.pem", 0o600);
    let o = run(&other);
    assert_clean_failure(&o, 4);
    assert!(stderr(&o).contains("not registered"), "{}", stderr(&o));
    // The key file must be private.
    let loose = private_copy(&home, "app-certificate.pem", 0o640);
    assert_clean_failure(&run(&loose), 2);
}

#[test]
fn managed_identity_takes_its_endpoint_from_the_environment() {
    let home = Home::new();
    let sim = spawn_sim(&home, &[]);
    let tid = resetdesk::auth::token_claim(&sim.token, "tid").unwrap();
    let endpoint = format!(
        "{}{}",
        authority(&sim),
        resetdesk::sim::login::IDENTITY_PATH
    );
    let mut args = app_args(&sim, &tid, "managed-identity");
    args.extend(["show", "adele.vance@contoso.com", "--json"]);
    let env = [
        ("IDENTITY_ENDPOINT", endpoint.as_str()),
        (
            "IDENTITY_HEADER",
            resetdesk::sim::login::IDENTITY_HEADER_VALUE,
        ),
    ];
    let o = home.run(&args, &env);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(json(&o)["operator"]["appId"], RUNNER_APP);
    // A wrong identity header: refused, exit 4 (and still no metadata-service call:
    // the endpoint comes from the environment).
    let o = home.run(
        &args,
        &[
            ("IDENTITY_ENDPOINT", endpoint.as_str()),
            ("IDENTITY_HEADER", "wrong"),
        ],
    );
    assert_eq!(o.status.code(), Some(4), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("managed-identity sign-in failed"),
        "{}",
        stderr(&o)
    );
}

fn federated_token(subject: &str) -> String {
    use base64::Engine;
    let b64 = |v: serde_json::Value| {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
    };
    let exp = time::OffsetDateTime::now_utc().unix_timestamp() + 3600;
    format!(
        "{}.{}.c2ln",
        b64(serde_json::json!({"alg": "RS256", "kid": "k8s"})),
        b64(
            serde_json::json!({"iss": "https://oidc.example/cluster", "sub": subject,
            "aud": ["api://AzureADTokenExchange"], "exp": exp})
        )
    )
}

#[test]
fn workload_identity_presents_the_federated_token_file() {
    let (home, sim, tid, auth) = app_sim();
    let file = home.path("federated-token");
    let mut args = app_args(&sim, &tid, "workload-identity");
    args.extend(["show", "adele.vance@contoso.com", "--json"]);
    let run = |subject: &str| {
        std::fs::write(&file, federated_token(subject)).unwrap();
        home.run(
            &args,
            &[
                ("RESETDESK_AUTHORITY_URL", auth.as_str()),
                ("AZURE_CLIENT_ID", AUTOMATION_APP),
                ("AZURE_FEDERATED_TOKEN_FILE", file.to_str().unwrap()),
            ],
        )
    };
    let o = run("system:serviceaccount:helpdesk:resetdesk");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(json(&o)["operator"]["appId"], AUTOMATION_APP);
    let o = run("system:serviceaccount:default:intruder");
    assert_clean_failure(&o, 4);
    assert!(stderr(&o).contains("AADSTS70021"), "{}", stderr(&o));
}

#[test]
fn a_dead_login_endpoint_fails_at_once_with_exit_4() {
    let home = Home::new();
    let sim = spawn_sim(&home, &[]);
    let tid = resetdesk::auth::token_claim(&sim.token, "tid").unwrap();
    // Nothing listens on port 9 of loopback: connection refused, no retries.
    let mut args = app_args(&sim, &tid, "client-secret");
    args.extend(["search", "adele"]);
    let o = home.run(
        &args,
        &[
            ("RESETDESK_AUTHORITY_URL", "http://127.0.0.1:9"),
            ("RESETDESK_CLIENT_ID", AUTOMATION_APP),
            ("RESETDESK_CLIENT_SECRET", AUTOMATION_SECRET),
        ],
    );
    assert_clean_failure(&o, 4);
    assert!(
        stderr(&o).contains("client-secret sign-in failed"),
        "{}",
        stderr(&o)
    );
}

// In-process: the credentials themselves against the simulator's identity platform.

mod in_process {
    use std::sync::Arc;
    use std::time::Duration;

    use resetdesk::auth::TokenProvider;
    use resetdesk::auth::browser_paste::Paste;
    use resetdesk::auth::delegated::{Delegated, Flow, Prompt};
    use resetdesk::graph::GraphApi;
    use resetdesk::secret::ExposeSecret;

    use crate::support::{self, Env, Setup};

    const CLIENT: &str = "0c4e2a8f-resetdesk-public-client";

    struct BrowserPaste {
        credential: Arc<Delegated>,
        paste: tokio::sync::mpsc::Sender<String>,
        prompts: tokio::sync::mpsc::UnboundedReceiver<String>,
        port: u16,
    }

    fn free_port() -> u16 {
        crate::support::home::free_port()
    }

    fn browser_paste(env: &Env) -> BrowserPaste {
        let (paste, lines) = tokio::sync::mpsc::channel(1);
        let (tx, prompts) = tokio::sync::mpsc::unbounded_channel();
        let prompt: Prompt = Arc::new(move |m: &str, _| {
            let _ = tx.send(m.to_string());
        });
        let port = free_port();
        let root = env.authority();
        let credential = Delegated::new(
            &root,
            "organizations",
            CLIENT,
            vec![format!("{root}/.default"), "offline_access".into()],
            None,
            Flow::BrowserPaste(Paste::lines(port, lines)),
            prompt,
        )
        .unwrap();
        BrowserPaste {
            credential: Arc::new(credential),
            paste,
            prompts,
            port,
        }
    }

    /// The admin's browser: opens the printed address and ends on the redirect, which
    /// it does not follow (nothing listens on the admin's laptop).
    async fn browser(prompt: &str) -> String {
        let url = prompt
            .lines()
            .map(str::trim)
            .find(|l| l.starts_with("http"))
            .unwrap_or_else(|| panic!("no address in {prompt:?}"));
        assert!(url.contains("code_challenge_method=S256"), "{url}");
        let resp = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap()
            .get(url)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 302);
        resp.headers()["location"].to_str().unwrap().to_string()
    }

    async fn sign_in(b: &mut BrowserPaste) -> resetdesk::secret::SecretString {
        let c = b.credential.clone();
        let task = tokio::spawn(async move { c.token().await });
        let landed = browser(&b.prompts.recv().await.unwrap()).await;
        assert!(
            landed.starts_with(&format!("http://localhost:{}/?code=", b.port)),
            "{landed}"
        );
        b.paste.send(landed).await.unwrap();
        task.await.unwrap().unwrap()
    }

    #[tokio::test]
    async fn browser_paste_signs_in_with_the_pasted_address_and_its_token_works() {
        let env = support::start(Setup::default()).await;
        let mut b = browser_paste(&env);
        let token = sign_in(&mut b).await;
        let upn = resetdesk::auth::token_claim(token.expose_secret(), "upn").unwrap();
        assert_eq!(upn, "henrietta.mueller@contoso.com");
        let client = env.client_with(b.credential.clone());
        assert!(
            !client
                .search_users("adele", 5)
                .await
                .unwrap()
                .users
                .is_empty()
        );
        assert_eq!(env.sim.state.login.served(), ["authorization_code"]);
    }

    #[tokio::test]
    async fn browser_paste_refuses_an_address_of_another_sign_in() {
        let env = support::start(Setup::default()).await;
        let mut b = browser_paste(&env);
        let c = b.credential.clone();
        let task = tokio::spawn(async move { c.token().await });
        let landed = browser(&b.prompts.recv().await.unwrap()).await;
        let (before, _) = landed.split_once("&state=").unwrap();
        b.paste
            .send(format!("{before}&state=someone-elses"))
            .await
            .unwrap();
        // Refused, unredeemed, and asked for again.
        let again = b.prompts.recv().await.unwrap();
        assert!(again.contains("state does not match"), "{again}");
        assert!(env.sim.state.login.served().is_empty());
        b.paste.send(landed).await.unwrap();
        assert!(task.await.unwrap().is_ok());
        assert_eq!(env.sim.state.login.served(), ["authorization_code"]);
    }

    #[tokio::test]
    async fn browser_paste_takes_the_redirect_on_a_forwarded_port() {
        let env = support::start(Setup::default()).await;
        let mut b = browser_paste(&env);
        let c = b.credential.clone();
        let task = tokio::spawn(async move { c.token().await });
        let landed = browser(&b.prompts.recv().await.unwrap()).await;
        // What `ssh -L` delivers: the browser's request for the redirect, on the port.
        let forwarded = landed.replacen("localhost", "127.0.0.1", 1);
        let page = reqwest::get(&forwarded).await.unwrap();
        assert_eq!(page.status().as_u16(), 200);
        assert!(page.text().await.unwrap().contains("close this tab"));
        assert!(task.await.unwrap().is_ok());
    }

    #[tokio::test]
    async fn a_token_near_its_expiry_is_refreshed_before_use() {
        let env = support::start(Setup {
            // Less than the five minutes before expiry at which a token is renewed.
            token_lifetime: Duration::from_secs(120),
            ..Setup::default()
        })
        .await;
        let mut b = browser_paste(&env);
        let first = sign_in(&mut b).await;
        let second = b.credential.token().await.unwrap();
        assert_ne!(first.expose_secret(), second.expose_secret());
        assert_eq!(
            env.sim.state.login.served(),
            ["authorization_code", "refresh_token"]
        );
    }

    #[tokio::test]
    async fn a_refused_token_is_refreshed_once_and_the_request_asked_again() {
        let env = support::start(Setup::default()).await;
        let mut b = browser_paste(&env);
        sign_in(&mut b).await;
        let client = env.client_with(b.credential.clone());
        // Revoked on the service side: the next call is a 401.
        env.sim.state.revoke_tokens();
        let found = client.search_users("adele", 5).await.unwrap();
        assert!(!found.users.is_empty());
        assert_eq!(
            env.sim.state.login.served(),
            ["authorization_code", "refresh_token"]
        );
    }

    #[tokio::test]
    async fn an_app_token_refused_mid_session_is_replaced_by_a_new_one() {
        let env = support::start(Setup::default()).await;
        let tid = resetdesk::auth::token_claim(env.sim.token.expose_secret(), "tid").unwrap();
        let app = resetdesk::auth::app::AppCredential::Secret {
            tenant: tid,
            client_id: super::AUTOMATION_APP.into(),
            secret: resetdesk::secret::secret(super::AUTOMATION_SECRET.into()),
            authority: env.authority(),
        };
        let credential = Arc::new(
            resetdesk::auth::azure::AzureCredential::app(
                app,
                "client-secret",
                "https://graph.microsoft.com/.default".into(),
            )
            .unwrap(),
        );
        let client = env.client_with(credential);
        let adele = client.get_user("adele.vance@contoso.com").await.unwrap();
        env.sim.state.revoke_tokens();
        // A write refused with 401 changed nothing: it is sent again with a new token,
        // and lands once.
        let password = resetdesk::secret::secret("Kq7#vLm2!xTz9pRwB4".into());
        let update = resetdesk::graph::PasswordProfileUpdate {
            password: Some(&password),
            force_change: true,
            force_change_with_mfa: false,
        };
        client
            .update_password_profile(&adele.id, &update)
            .await
            .unwrap();
        assert_eq!(
            env.sim.state.login.served(),
            ["client_credentials", "client_credentials"]
        );
    }

    #[tokio::test]
    async fn a_refused_token_that_cannot_be_renewed_is_reported_as_the_401() {
        let env = support::start(Setup::default()).await;
        env.sim.state.revoke_tokens();
        let err = env.client.search_users("adele", 5).await.unwrap_err();
        assert!(err.is_unauthenticated(), "{err}");
    }
}

/// The real binary: the address printed on stderr, opened by a "browser", the address it
/// ends on pasted into stdin; the sign-in is then cached for the next run.
#[test]
fn browser_paste_through_the_binary_prints_the_address_and_reads_the_paste() {
    let home = Home::new();
    let sim = spawn_sim(&home, &[]);
    let auth = authority(&sim);
    let port = crate::support::home::free_port().to_string();
    let base = ["--graph-url", &sim.base_url, "--auth", "browser-paste"];
    let env = [
        ("RESETDESK_AUTHORITY_URL", auth.as_str()),
        ("RESETDESK_CLIENT_ID", "0c4e2a8f-resetdesk-public-client"),
        ("RESETDESK_REDIRECT_PORT", port.as_str()),
    ];
    let ((_, stdout, _), _) = paste_sign_in(&home, &base, &env);
    let doc: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert!(doc.to_string().contains("adele.vance@contoso.com"), "{doc}");
    // The next run is signed in from the cache: no prompt, stdin never read.
    let args = [&base[..], &["search", "adele", "--json"]].concat();
    let o = home.run(&args, &env);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(!stderr(&o).contains("To sign in"), "{}", stderr(&o));
}

/// In the console, a sign-in that needs the admin — here a device-code sign-in the cache
/// cannot spare, as after a refresh token is revoked mid-shift — opens the sign-in window
/// (a message to the app, not text under the screen), and the request that needed it
/// resumes once the admin has signed in.
#[tokio::test]
async fn in_the_console_a_sign_in_opens_the_window_and_the_request_resumes() {
    use resetdesk::app::Msg;
    use std::sync::Arc;
    let env = crate::support::start(crate::support::Setup::default()).await;
    let root = env.authority();
    let credential: Arc<dyn resetdesk::auth::TokenProvider> = Arc::new(
        resetdesk::auth::delegated::Delegated::new(
            &root,
            "contoso.onmicrosoft.com",
            "2f3c4d5e-0000-4000-8000-00000000c0de",
            vec![format!("{root}/.default"), "offline_access".into()],
            None,
            resetdesk::auth::delegated::Flow::DeviceCode,
            Arc::new(|m: &str, _| panic!("the console must not write under the screen: {m}")),
        )
        .unwrap(),
    );
    let graph: Arc<dyn resetdesk::graph::GraphApi> = Arc::new(env.client_with(credential.clone()));
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let mut exec = resetdesk::runtime::Executor::new(
        resetdesk::runtime::Io {
            graph,
            tokens: credential,
            clipboard: resetdesk::clipboard::Clipboard::new(resetdesk::config::ClipboardMode::Off),
            journal: None,
            tenant: None,
            audit: Default::default(),
            audit_timing: Default::default(),
            switcher: None,
        },
        tx,
    );
    exec.run(resetdesk::app::Effect::LoadSession);
    let mut seen = Vec::new();
    loop {
        let m = tokio::time::timeout(std::time::Duration::from_secs(30), rx.recv())
            .await
            .expect("the session loads")
            .unwrap();
        match m {
            Msg::SignInPrompt { text, paste } => {
                assert!(text.contains("enter the code SIM") && !paste, "{text}");
                seen.push("prompt");
            }
            Msg::SignedIn => seen.push("signed in"),
            Msg::SessionLoaded(r) => {
                assert!(r.is_ok(), "{r:?}");
                seen.push("session");
                break;
            }
            _ => {}
        }
    }
    assert_eq!(seen, ["prompt", "signed in", "session"]);
}

// ---- issue 16, item 3: secret hygiene, one full session per sign-in method ------------

/// What one session printed and left behind, and the secrets it handled.
#[derive(Default)]
struct Session {
    /// (command, stdout, stderr) of every run.
    runs: Vec<(String, String, String)>,
    /// Secrets that may appear only on the stdout of the run that made them (index) and
    /// in bulk's --out file: generated passwords, the pass.
    made: Vec<(usize, String)>,
}

/// Sign-in, search, show, a reset with a generated and with a typed password, bulk with
/// and without --out, a pass, the audit log: everything at RESETDESK_LOG=trace.
fn full_session(home: &Home, base: &[&str], env: &[(&str, &str)], typed: &str) -> Session {
    let mut env: Vec<(&str, &str)> = env.to_vec();
    env.push(("RESETDESK_LOG", "trace"));
    let csv1 = home.path("bulk1.csv");
    std::fs::write(&csv1, "UserPrincipalName\ndaniel.evans@contoso.com\n").unwrap();
    let csv2 = home.path("bulk2.csv");
    std::fs::write(&csv2, "UserPrincipalName\nadele.vance@contoso.com\n").unwrap();
    let out = home.path("bulk-results.csv");
    let _ = std::fs::remove_file(&out);
    let commands: Vec<Vec<&str>> = vec![
        vec!["search", "adele", "--json"],
        vec!["show", "adele.vance@contoso.com", "--json"],
        vec!["reset", "adele.vance@contoso.com", "--yes", "--json"],
        vec![
            "reset",
            "mia.chen@contoso.com",
            "--password-stdin",
            "--yes",
            "--json",
        ],
        vec!["bulk", csv1.to_str().unwrap(), "--yes", "--json"],
        vec![
            "bulk",
            csv2.to_str().unwrap(),
            "--yes",
            "--out",
            out.to_str().unwrap(),
        ],
        vec!["tap", "noah.kim@contoso.com", "--yes", "--json"],
        vec!["audit", "--since", "1h", "--json"],
    ];
    let mut s = Session::default();
    for cmd in commands {
        let mut args: Vec<&str> = base.to_vec();
        args.extend(&cmd);
        let mut child = spawn_piped(home, &args, &env);
        {
            use std::io::Write;
            let mut stdin = child.stdin.take().unwrap();
            if cmd.contains(&"--password-stdin") {
                writeln!(stdin, "{typed}").unwrap();
            }
        }
        let o = child.wait_with_output().unwrap();
        let (stdout, stderr) = (
            String::from_utf8_lossy(&o.stdout).into_owned(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        );
        assert!(!stderr.contains("panicked"), "{cmd:?}: {stderr}");
        let n = s.runs.len();
        for v in serde_json::from_str::<serde_json::Value>(&stdout)
            .iter()
            .chain(
                serde_json::from_str::<serde_json::Value>(&stdout)
                    .ok()
                    .and_then(|d| d["rows"].as_array().cloned())
                    .unwrap_or_default()
                    .iter(),
            )
        {
            for key in ["temporaryPassword", "temporaryAccessPass"] {
                if let Some(p) = v[key].as_str() {
                    s.made.push((n, p.to_string()));
                }
            }
        }
        if cmd.contains(&"--out") {
            // bulk's human table and its --out file hold the password; take it from the file.
            if let Ok(text) = std::fs::read_to_string(&out) {
                for line in text.lines().skip(1) {
                    if let Some(p) = line.split(',').nth(3).filter(|p| p.len() >= 8) {
                        s.made.push((n, p.to_string()));
                    }
                }
            }
        }
        s.runs.push((cmd.join(" "), stdout, stderr));
    }
    s
}

/// The binary with stdin, stdout and stderr piped.
fn spawn_piped(home: &Home, args: &[&str], env: &[(&str, &str)]) -> std::process::Child {
    home.command(args, env)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap()
}

/// A browser-paste sign-in through the binary (`search adele --json`): the address it
/// prints on stderr opened by a "browser" that stops at the redirect, that address pasted
/// into stdin. The run (command, stdout, stderr) and the pasted address.
fn paste_sign_in(
    home: &Home,
    base: &[&str],
    env: &[(&str, &str)],
) -> ((String, String, String), String) {
    use std::io::{BufRead, Read, Write};
    let mut env = env.to_vec();
    env.push(("RESETDESK_LOG", "trace"));
    let mut args = base.to_vec();
    args.extend(["search", "adele", "--json"]);
    let mut child = spawn_piped(home, &args, &env);
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    let err = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut all = String::new();
        for line in std::io::BufReader::new(err).lines().map_while(Result::ok) {
            all.push_str(&line);
            all.push('\n');
            let _ = tx.send(line);
        }
        all
    });
    let url = loop {
        let line = rx
            .recv_timeout(std::time::Duration::from_secs(30))
            .expect("no sign-in address on stderr");
        if let Some(u) = line.trim().strip_prefix("http") {
            break format!("http{u}");
        }
    };
    let landed = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async {
            reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap()
                .get(&url)
                .send()
                .await
                .unwrap()
                .headers()["location"]
                .to_str()
                .unwrap()
                .to_string()
        });
    let mut stdin = child.stdin.take().unwrap();
    writeln!(stdin, "{landed}").unwrap();
    drop(stdin);
    let mut stdout = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut stdout)
        .unwrap();
    assert_eq!(child.wait().unwrap().code(), Some(0), "{stdout}");
    let stderr = reader.join().unwrap();
    assert!(!stderr.contains("panicked"), "{stderr}");
    ((args.join(" "), stdout, stderr), landed)
}

/// Every file under the home but the ones the test wrote and the token cache.
fn files_left(home: &Home) -> Vec<(String, String)> {
    let mut found = Vec::new();
    let mut stack = vec![home.path("")];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if let Ok(text) = std::fs::read(&p) {
                found.push((
                    p.display().to_string(),
                    String::from_utf8_lossy(&text).into_owned(),
                ));
            }
        }
    }
    found
}

/// Checks one session: no secret anywhere it must not be.
fn assert_hygienic(
    method: &str,
    home: &Home,
    s: &Session,
    never: &[(&str, &str)],
    inputs: &[&std::path::Path],
) {
    let ok = |c: &str| s.runs.iter().any(|(cmd, _, _)| cmd.starts_with(c));
    assert!(
        ok("reset") && ok("bulk") && ok("tap"),
        "{method}: the session ran"
    );
    let files = files_left(home);
    let is_input = |path: &str| inputs.iter().any(|p| p.display().to_string() == path);
    let is_cache = |path: &str| path.contains("/tokens/");
    let is_out = |path: &str| path.ends_with("bulk-results.csv");
    // A generated password or a pass: only on its own run's stdout (and in --out).
    for (n, secret) in &s.made {
        for (i, (cmd, out, err)) in s.runs.iter().enumerate() {
            assert!(
                !err.contains(secret.as_str()),
                "{method}: a password in the stderr of `{cmd}`"
            );
            if i != *n {
                assert!(
                    !out.contains(secret.as_str()),
                    "{method}: a password in the stdout of `{cmd}`"
                );
            }
        }
        for (path, text) in &files {
            if !is_out(path) && !is_input(path) {
                assert!(
                    !text.contains(secret.as_str()),
                    "{method}: a password in {path}"
                );
            }
        }
    }
    assert!(
        s.made.len() >= 3,
        "{method}: passwords were made ({})",
        s.made.len()
    );
    // The typed password, the tokens, the client secret, the key: nowhere at all (the
    // token cache holds tokens by design, and nothing else).
    for (what, secret) in never {
        for (cmd, out, err) in &s.runs {
            assert!(
                !out.contains(secret) && !err.contains(secret),
                "{method}: {what} in the output of `{cmd}`"
            );
        }
        for (path, text) in &files {
            let token = what.contains("token");
            if !(is_input(path) || token && is_cache(path)) {
                assert!(!text.contains(secret), "{method}: {what} in {path}");
            }
        }
    }
    // No JWT (every token is one) in any output, journal or log.
    for (cmd, out, err) in &s.runs {
        for text in [out, err] {
            assert!(
                !text.contains("eyJ"),
                "{method}: something like a token in the output of `{cmd}`"
            );
        }
    }
    for (path, text) in &files {
        if !is_cache(path) && !is_input(path) {
            assert!(
                !text.contains("eyJ"),
                "{method}: something like a token in {path}"
            );
        }
    }
}

#[test]
fn every_sign_in_method_keeps_every_secret_out_of_logs_files_and_output() {
    let typed = "Quiet-Harbour-42-Lantern";
    let private_key = {
        let pem = std::fs::read_to_string(format!(
            "{}/tests/fixtures/app-certificate.pem",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap();
        // One line of the key's body stands for the key.
        pem.lines()
            .skip_while(|l| !l.contains("PRIVATE KEY"))
            .nth(2)
            .unwrap()
            .to_string()
    };
    for method in [
        "access-token",
        "device-code",
        "azure-cli",
        "client-secret",
        "client-certificate",
        "managed-identity",
        "workload-identity",
        "browser-paste",
    ] {
        let home = Home::new();
        let sim = spawn_sim(
            &home,
            &[
                "--as",
                "auth-admin",
                "--audit-every-secs",
                "0",
                "--audit-delay-ms",
                "0",
            ],
        );
        let tid = resetdesk::auth::token_claim(&sim.token, "tid").unwrap();
        let auth = authority(&sim);
        let identity = format!("{auth}{}", resetdesk::sim::login::IDENTITY_PATH);
        let cert = private_copy(&home, "app-certificate.pem", 0o600);
        let federated = home.path("federated-token");
        std::fs::write(
            &federated,
            federated_token("system:serviceaccount:helpdesk:resetdesk"),
        )
        .unwrap();
        let (path, az_log) = fake_az(&home, Some(&sim.token));
        let base = app_args(&sim, &tid, method);
        let port = crate::support::home::free_port().to_string();
        let env: Vec<(&str, &str)> = match method {
            "access-token" => vec![("RESETDESK_ACCESS_TOKEN", &sim.token)],
            "device-code" => vec![
                ("RESETDESK_AUTHORITY_URL", &auth),
                (
                    "RESETDESK_CLIENT_ID",
                    "2f3c4d5e-0000-4000-8000-00000000c0de",
                ),
            ],
            "azure-cli" => vec![("PATH", &path)],
            "client-secret" => secret_env(&auth).to_vec(),
            "client-certificate" => vec![
                ("RESETDESK_AUTHORITY_URL", &auth),
                ("RESETDESK_CLIENT_ID", AUTOMATION_APP),
                ("RESETDESK_CLIENT_CERTIFICATE_FILE", cert.to_str().unwrap()),
            ],
            "managed-identity" => vec![
                ("IDENTITY_ENDPOINT", &identity),
                (
                    "IDENTITY_HEADER",
                    resetdesk::sim::login::IDENTITY_HEADER_VALUE,
                ),
            ],
            "browser-paste" => vec![
                ("RESETDESK_AUTHORITY_URL", &auth),
                ("RESETDESK_CLIENT_ID", "0c4e2a8f-resetdesk-public-client"),
                ("RESETDESK_REDIRECT_PORT", &port),
            ],
            _ => vec![
                ("RESETDESK_AUTHORITY_URL", &auth),
                ("AZURE_CLIENT_ID", AUTOMATION_APP),
                ("AZURE_FEDERATED_TOKEN_FILE", federated.to_str().unwrap()),
            ],
        };
        // Browser-paste signs in once by hand (the address pasted into the first run);
        // the rest of the session runs from its cache.
        let pasted = (method == "browser-paste").then(|| paste_sign_in(&home, &base, &env));
        let mut s = full_session(&home, &base, &env, typed);
        let resets_ok = s
            .runs
            .iter()
            .filter(|(cmd, out, _)| cmd.starts_with("reset") && out.contains("\"succeeded\""))
            .count();
        assert_eq!(
            resets_ok, 2,
            "{method}: both resets went through: {:?}",
            s.runs
        );
        let mut never = vec![
            ("the typed password", typed),
            ("the client secret", AUTOMATION_SECRET),
            ("the private key", private_key.as_str()),
            (
                "the identity header",
                resetdesk::sim::login::IDENTITY_HEADER_VALUE,
            ),
            ("the simulator's token", sim.token.as_str()),
        ];
        let cached: Vec<String> = std::fs::read_dir(home.path("data/resetdesk/tokens"))
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|f| std::fs::read_to_string(f.path()).ok())
            .filter_map(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
            .flat_map(|v| {
                ["access_token", "refresh_token", "access", "refresh"]
                    .iter()
                    .filter_map(|k| v[*k].as_str().map(str::to_string))
                    .collect::<Vec<_>>()
            })
            .collect();
        if method == "device-code" {
            assert!(!cached.is_empty(), "the device-code tokens are cached");
        }
        for t in &cached {
            never.push(("a cached token", t.as_str()));
        }
        let (code, landed);
        if let Some((run, pasted)) = pasted {
            landed = pasted;
            assert!(run.1.contains("adele.vance@contoso.com"), "{run:?}");
            assert!(!cached.is_empty(), "the browser-paste tokens are cached");
            code = landed
                .split(['?', '&'])
                .find_map(|kv| kv.strip_prefix("code="))
                .expect("a code in the address")
                .to_string();
            never.push(("the pasted address", landed.as_str()));
            never.push(("the authorization code", code.as_str()));
            s.runs.push(run);
        }
        assert_hygienic(
            method,
            &home,
            &s,
            &never,
            &[&cert, &federated, &home.path("az-out.json")],
        );
        // The one child process (az) never got a secret in its argv.
        if method == "azure-cli" {
            let args = std::fs::read_to_string(&az_log).unwrap();
            assert!(args.contains("get-access-token"), "{args}");
            for (what, secret) in &never {
                assert!(!args.contains(secret), "az's argv holds {what}");
            }
        }
    }
}
