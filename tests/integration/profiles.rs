//! Profiles for many tenants (issue 13): `[profiles.NAME]` in the config, `--profile`, and
//! `:profile NAME` in the console, which signs in afresh and leaves nothing of the old
//! tenant on screen, in the token cache's key or in the journal's tenant.

use std::time::Instant;

use resetdesk::app::{Effect, Msg, Options, ProfileInfo};
use resetdesk::keymap::Keymap;

use crate::support::console::{code, key, session_of, type_str};
use crate::support::home::{BIN, Home, Sim, json, spawn_sim, stderr};
use crate::support::tmux::Tmux;

const FABRIKAM_ID: &str = "7d2f0c44-2b8e-4f0a-9c13-5e6f7a8b9c0d";
const CLIENT: &str = "2f3c4d5e-0000-4000-8000-00000000c0de";

fn console_with_profiles() -> resetdesk::app::App {
    resetdesk::app::App::new(
        Options {
            profile: Some("contoso".into()),
            profiles: vec!["contoso".into(), "fabrikam".into()],
            ..Options::default()
        },
        Keymap::default(),
    )
}

fn operator() -> resetdesk::service::facts::OperatorFacts {
    resetdesk::service::facts::OperatorFacts {
        user: resetdesk::graph::model::User {
            id: "op".into(),
            user_principal_name: Some("henrietta.mueller@contoso.com".into()),
            ..Default::default()
        },
        operator: Default::default(),
        unknown: vec![],
        app: None,
    }
}

fn command(a: &mut resetdesk::app::App, line: &str, now: Instant) -> Vec<Effect> {
    a.update(code(ratatui::crossterm::event::KeyCode::Esc), now);
    a.update(key(':'), now);
    type_str(a, line, now);
    a.update(code(ratatui::crossterm::event::KeyCode::Enter), now)
}

fn screen(a: &resetdesk::app::App) -> String {
    let mut t = ratatui::Terminal::new(ratatui::backend::TestBackend::new(120, 40)).unwrap();
    let theme = resetdesk::theme::Theme::select(
        resetdesk::theme::ThemeName::Default,
        &Default::default(),
        false,
    );
    t.draw(|f| resetdesk::ui::render(a, &theme, f)).unwrap();
    format!("{}", t.backend())
}

#[test]
fn colon_profile_signs_in_afresh_and_forgets_the_old_tenant() {
    let now = Instant::now();
    let mut a = console_with_profiles();
    a.update(session_of("Contoso Ltd", operator()), now);
    assert!(screen(&a).contains(" contoso "), "{}", screen(&a));
    let fx = command(&mut a, "profile fabrikam", now);
    assert!(
        matches!(fx.as_slice(), [Effect::SwitchProfile(p)] if p == "fabrikam"),
        "{fx:?}"
    );
    assert!(a.session.is_none() && a.operator.is_none());
    assert!(
        screen(&a).contains("switching to fabrikam"),
        "{}",
        screen(&a)
    );
    // Its sign-in needs the admin: the window opens over the screen, and the pasted
    // address goes to the credential, never to the screen.
    a.update(
        Msg::SignInPrompt {
            text: "To sign in, open this address in a browser on your own computer:\n\n  https://login.example/authorize?x=1".into(),
            paste: true,
        },
        now,
    );
    let s = screen(&a);
    assert!(
        s.contains("Sign in — profile fabrikam") && s.contains("login.example"),
        "{s}"
    );
    a.update(
        Msg::Paste("http://localhost:8400/?code=secret-code&state=s".into()),
        now,
    );
    assert!(
        !screen(&a).contains("secret-code"),
        "the pasted address is masked"
    );
    let fx = a.update(code(ratatui::crossterm::event::KeyCode::Enter), now);
    assert!(matches!(fx.as_slice(), [Effect::SignInPaste(_)]), "{fx:?}");
    // Signed in: the new session is adopted and read.
    let fx = a.update(
        Msg::ProfileSwitched(Ok(Box::new(ProfileInfo {
            name: "fabrikam".into(),
            read_only: true,
            cloud: resetdesk::cloud::Cloud::Global,
            auth: "browser-paste".into(),
        }))),
        now,
    );
    assert!(
        matches!(fx.as_slice(), [Effect::AdoptProfile, Effect::LoadSession]),
        "{fx:?}"
    );
    assert!(a.sign_in.is_none());
    a.update(session_of("Fabrikam Inc", operator()), now);
    let s = screen(&a);
    assert!(
        s.contains(" fabrikam ") && s.contains("Fabrikam Inc") && s.contains("browser-paste"),
        "{s}"
    );
    assert!(
        s.contains("READ-ONLY"),
        "the profile's read_only applies: {s}"
    );
    assert_eq!(a.options.profile.as_deref(), Some("fabrikam"));
}

#[test]
fn a_failed_switch_stays_in_the_old_profile_and_unknown_names_are_refused() {
    let now = Instant::now();
    let mut a = console_with_profiles();
    a.update(session_of("Contoso Ltd", operator()), now);
    assert!(command(&mut a, "profile nope", now).is_empty());
    assert!(
        a.flash
            .as_ref()
            .unwrap()
            .text
            .contains("known: contoso, fabrikam")
    );
    command(&mut a, "profile fabrikam", now);
    let fx = a.update(
        Msg::ProfileSwitched(Err("AADSTS50076: MFA required".into())),
        now,
    );
    assert!(matches!(fx.as_slice(), [Effect::LoadSession]), "{fx:?}");
    let flash = &a.flash.as_ref().unwrap().text;
    assert!(
        flash.contains("could not switch to profile fabrikam")
            && flash.contains("still in profile contoso"),
        "{flash}"
    );
    assert_eq!(a.options.profile.as_deref(), Some("contoso"));
}

fn fabrikam_tenant_file(home: &Home) -> std::path::PathBuf {
    let mut t: serde_json::Value =
        serde_json::from_str(resetdesk::sim::tenant::DEMO_TENANT).unwrap();
    t["organization"]["id"] = FABRIKAM_ID.into();
    t["organization"]["displayName"] = "Fabrikam Inc".into();
    let path = home.path("fabrikam.json");
    std::fs::write(&path, t.to_string()).unwrap();
    path
}

/// Two customers' tenants, each its own simulator, and a config with a profile for each.
fn two_tenants(home: &Home) -> (Sim, Sim, std::path::PathBuf) {
    let contoso = spawn_sim(home, &["--audit-every-secs", "0"]);
    let tenant_file = fabrikam_tenant_file(home);
    let fabrikam = spawn_sim(
        home,
        &[
            "--audit-every-secs",
            "0",
            "--tenant-file",
            tenant_file.to_str().unwrap(),
        ],
    );
    let config = two_profile_config(home, &contoso.base_url, &fabrikam.base_url);
    (contoso, fabrikam, config)
}

fn two_profile_config(home: &Home, contoso: &str, fabrikam: &str) -> std::path::PathBuf {
    let root = |u: &str| u.trim_end_matches("/v1.0").to_string();
    let path = home.path("config.toml");
    std::fs::write(
        &path,
        format!(
            "auth = \"device-code\"\nclient_id = \"{CLIENT}\"\n\n\
             [profiles.contoso]\ntenant = \"contoso.onmicrosoft.com\"\ngraph_url = \"{contoso}\"\nauthority_url = \"{}\"\n\n\
             [profiles.fabrikam]\ntenant = \"fabrikam.onmicrosoft.com\"\ngraph_url = \"{fabrikam}\"\nauthority_url = \"{}\"\n",
            root(contoso),
            root(fabrikam)
        ),
    )
    .unwrap();
    path
}

#[test]
fn profile_chooses_the_tenant_and_an_unknown_one_is_a_usage_error() {
    let home = Home::new();
    let (_contoso, fabrikam, config) = two_tenants(&home);
    let cfg = config.to_str().unwrap();
    let o = home.run(
        &["--config", cfg, "--profile", "fabrikam", "doctor", "--json"],
        &[],
    );
    let doc = json(&o);
    let checks = doc["checks"].to_string();
    assert!(checks.contains(&fabrikam.base_url), "{checks}");
    // read_only refuses the CLI's resets too, before anything is sent.
    let o = home.run(
        &[
            "--config",
            cfg,
            "--profile",
            "fabrikam",
            "reset",
            "adele.vance@contoso.com",
            "--yes",
        ],
        &[("RESETDESK_READ_ONLY", "true")],
    );
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("profile fabrikam is read-only"),
        "{}",
        stderr(&o)
    );
    let o = home.run(
        &["--config", cfg, "--profile", "northwind", "search", "x"],
        &[],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("no profile `northwind`")
            && stderr(&o).contains("known: contoso, fabrikam"),
        "{}",
        stderr(&o)
    );
}

/// The real console in tmux: signed in to one customer's tenant, `:profile` to the other's,
/// a reset there; the token cache has one file per tenant and the journal entry is the
/// new tenant's.
#[test]
fn switching_profile_in_the_console_changes_tenant_token_cache_and_journal() {
    let home = Home::new();
    let (_contoso, _fabrikam, config) = two_tenants(&home);
    let h = home.path("");
    let script = format!(
        "env -u NO_COLOR -u RESETDESK_ACCESS_TOKEN TERM=xterm-256color HOME={h} XDG_CONFIG_HOME={h}/config XDG_DATA_HOME={h}/data \
         {BIN} --config {} --profile contoso 2>/dev/null; echo EXITED:$?; echo MODES: -; sleep 60",
        config.display(),
        h = h.display()
    );
    let t = Tmux::start("profiles", 120, 40, &script);
    let s = t.wait_for("● connected");
    assert!(s.contains(" contoso ") && s.contains("Contoso Ltd"), "{s}");
    t.keys(&["Escape"]);
    t.type_text(":profile fabrikam");
    t.keys(&["Enter"]);
    // A device-code sign-in in the window, approved by the simulator a poll later.
    let s = t.wait("the fabrikam session", |s| {
        s.contains("Fabrikam Inc") && s.contains("● connected")
    });
    assert!(
        s.contains(" fabrikam ") && !s.contains("Contoso Ltd"),
        "{s}"
    );
    crate::e2e_tmux::submit_reset_in(&t, "adele v", "▶ Adele Vance");
    t.wait_for("Temporary password:");
    // Not copied: the first Esc warns, the second forgets it.
    t.keys(&["Escape"]);
    t.wait_for("forgets the password for good");
    t.keys(&["Escape"]);
    t.wait("the view closed", |s| !s.contains("Temporary password:"));
    t.keys(&["q"]);
    assert_eq!(t.after_exit().0, 0);
    let tokens: Vec<String> = std::fs::read_dir(home.path("data/resetdesk/tokens"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(tokens.len(), 2, "{tokens:?}");
    assert!(
        tokens
            .iter()
            .any(|f| f.contains("_contoso.onmicrosoft.com_")),
        "{tokens:?}"
    );
    assert!(
        tokens
            .iter()
            .any(|f| f.contains("_fabrikam.onmicrosoft.com_")),
        "{tokens:?}"
    );
    let journal = std::fs::read_to_string(home.path("data/resetdesk/journal.jsonl")).unwrap();
    let entry: serde_json::Value = journal
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .find(|e| e["target"]["userPrincipalName"] == "adele.vance@contoso.com")
        .unwrap_or_else(|| panic!("{journal}"));
    assert_eq!(entry["tenant"]["id"], FABRIKAM_ID, "{entry}");
    assert_eq!(
        entry["tenant"]["requested"], "fabrikam.onmicrosoft.com",
        "{entry}"
    );
}
