//! Sign-in methods (issue 13) through the real binary: each method's token reaches
//! Graph (the simulator), and each way it can fail gives one clear line and exit 4.

use std::os::unix::fs::PermissionsExt;

use crate::support::home::{Home, assert_clean_failure, json, spawn_sim, stderr};

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
