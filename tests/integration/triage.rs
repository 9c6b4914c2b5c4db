//! Triage and the Temporary Access Pass through the real client against the simulator
//! over HTTP: every listed sign-in error code explained and diagnosed; an unreadable
//! part that leaves the rest; a pass created by an operator allowed to, refused with the
//! reason for one who is not, and never in a log or the journal.

use std::time::{Duration, Instant};

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use serde_json::{Value, json};

use crate::support::console::{app, code, key, open, session_of};
use crate::support::home::{Home, json as json_of, spawn_sim, stderr};
use crate::support::{Setup, persona, start};
use ratatui::crossterm::event::KeyCode;
use resetdesk::app::{Effect, Msg, ResetFlow};
use resetdesk::graph::GraphApi;
use resetdesk::policy::tap::{PolicyKnown, TapAsk, TapVerdict};
use resetdesk::secret::ExposeSecret;
use resetdesk::service::facts::{assess, operator_facts};
use resetdesk::service::tap::{self, TapStatus};
use resetdesk::service::triage::{Section, triage};
use resetdesk::sim::Tenant;

/// The codes the issue lists, with the diagnosis each gives alone and a word of its
/// explanation.
const CODES: &[(i64, &str, &str)] = &[
    (50126, "password", "wrong user name or password"),
    (50053, "password", "smart lockout"),
    (50055, "password", "expired"),
    (50057, "disabled", "disabled"),
    (50074, "mfa", "MFA"),
    (50076, "mfa", "MFA"),
    (500121, "mfa", "MFA"),
    (53003, "policy", "Conditional Access"),
    (50158, "mfa", "external"),
    (700016, "none", "application"),
    (65001, "none", "consented"),
];

/// Users of the demo tenant without a story of their own, one per code.
const PLAIN: &[&str] = &[
    "ben.walters@contoso.com",
    "amy.alberts@contoso.com",
    "charlotte.davies@contoso.com",
    "harper.young@contoso.com",
    "mason.lee@contoso.com",
    "isabella.garcia@contoso.com",
    "lucas.silva@contoso.com",
    "ava.thompson@contoso.com",
    "lee.gu@contoso.com",
    "patti.fernandez@contoso.com",
    "christie.cline@contoso.com",
];

fn one_failure(t: &mut Tenant) {
    let now = time::OffsetDateTime::now_utc();
    for ((code, _, _), upn) in CODES.iter().zip(PLAIN) {
        let i = t.user_index(upn).unwrap();
        let id = t.users[i].id.clone();
        let at = (now - time::Duration::minutes(5))
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap();
        t.users[i].sign_ins = vec![json!({
            "id": format!("si-{code}"), "createdDateTime": at, "userId": id,
            "userPrincipalName": upn, "appDisplayName": "Office 365",
            "ipAddress": "198.51.100.7", "clientAppUsed": "Browser",
            "status": {"errorCode": code, "failureReason": "as Entra words it", "additionalDetails": null},
            "location": {"city": "Redmond", "state": "WA", "countryOrRegion": "US"}
        })];
    }
}

fn roomy() -> Setup {
    let mut s = Setup {
        tweak: one_failure,
        ..Setup::default()
    };
    // Two reads per user: keep the test from waiting on the 5-per-10 s budget.
    s.audit.limit = (200, Duration::from_secs(10));
    s
}

#[tokio::test]
async fn every_listed_error_code_is_explained_and_diagnosed_through_the_client() {
    let env = start(roomy()).await;
    for ((code, kind, word), upn) in CODES.iter().zip(PLAIN) {
        let user = env.client.get_user(upn).await.unwrap();
        let t = triage(&env.client, &user).await.unwrap();
        let lines = t.sign_in_lines();
        assert_eq!(lines.len(), 1, "{upn}: {t:?}");
        assert_eq!(lines[0].error_code as i64, *code);
        let explanation = lines[0].explanation.as_deref().unwrap_or_default();
        assert!(
            explanation.to_lowercase().contains(&word.to_lowercase()),
            "{code}: {explanation}"
        );
        assert_eq!(t.diagnosis.kind, *kind, "{code}: {:?}", t.diagnosis);
        assert_eq!(lines[0].location.as_deref(), Some("Redmond, WA, US"));
        assert_eq!(t.offer_tap, *kind == "mfa", "{code}");
    }
    // The demo's stories, as the issue tells them.
    for (upn, kind, message) in [
        (
            "adele.vance@contoso.com",
            "password",
            "password problem — a reset helps",
        ),
        (
            "noah.kim@contoso.com",
            "mfa",
            "MFA problem — a reset won't help; consider a Temporary Access Pass",
        ),
        (
            "olivia.brown@contoso.com",
            "policy",
            "blocked by policy — not a password problem",
        ),
        (
            "liam.murphy@contoso.com",
            "none",
            "the last sign-in succeeded",
        ),
        ("kevin.moore@contoso.com", "none", "no recent sign-ins"),
    ] {
        let user = env.client.get_user(upn).await.unwrap();
        let t = triage(&env.client, &user).await.unwrap();
        assert_eq!(t.diagnosis.kind, kind, "{upn}");
        assert!(
            t.diagnosis.message.starts_with(message),
            "{upn}: {:?}",
            t.diagnosis
        );
        if upn.starts_with("liam") {
            assert!(t.self_service, "Liam may use SSPR");
            let r = t.registration.read().unwrap();
            assert_eq!(r.sspr_capable, Some(true));
            assert!(r.methods.iter().any(|m| m == "mobilePhone"), "{r:?}");
        }
    }
}

#[tokio::test]
async fn unreadable_sign_ins_say_why_and_leave_the_rest_of_the_pane() {
    // A User Administrator holds no reports role: neither the sign-ins nor the
    // registration report nor the methods list are readable.
    let (env, operator) = signed_in("user-admin").await;
    let user = env.client.get_user("noah.kim@contoso.com").await.unwrap();
    let t = triage(&env.client, &user).await.unwrap();
    match &t.sign_ins {
        Section::Unreadable { reason, fix, .. } => {
            assert_eq!(reason, "not readable with your roles");
            assert!(
                fix.contains("AuditLog.Read.All") && fix.contains("Reports Reader"),
                "{fix}"
            );
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(t.registration, Section::Unreadable { .. }));
    assert_eq!(t.diagnosis.kind, "unknown");
    // In the console: the verdict and the facts stay, the sign-ins say why not.
    let a = assess(&env.client, &operator, &user.id).await.unwrap();
    let now = Instant::now();
    let mut c = app();
    c.update(session_of("Contoso", operator.clone()), now);
    open_with_triage(&mut c, a, t, now);
    let screen = draw(&c, 100, 60);
    for want in [
        "You can reset",
        "Source",
        "Recent sign-ins",
        "not readable with your roles",
        "sign-ins not readable",
    ] {
        assert!(screen.contains(want), "{want} missing:\n{screen}");
    }
    // No licence: the reason names it.
    let unlicensed = start(Setup {
        tweak: |t| t.premium = false,
        ..Setup::default()
    })
    .await;
    let t = triage(&unlicensed.client, &user).await.unwrap();
    match &t.sign_ins {
        Section::Unreadable { reason, .. } => assert!(reason.contains("P1 or P2"), "{reason}"),
        other => panic!("{other:?}"),
    }
}

/// The persona's client and what the session knows of them.
async fn signed_in(
    name: &'static str,
) -> (
    crate::support::Env,
    resetdesk::service::facts::OperatorFacts,
) {
    let env = persona(name).await;
    let op = operator_facts(&env.client, Default::default())
        .await
        .unwrap();
    (env, op)
}

/// Opens the user in the console, then answers the triage that follows the details.
fn open_with_triage(
    c: &mut resetdesk::app::App,
    a: resetdesk::service::facts::Assessment,
    t: resetdesk::service::triage::Triage,
    now: Instant,
) {
    let fx = open(c, Box::new(a), now);
    let req = fx
        .iter()
        .find_map(|e| match e {
            Effect::LoadTriage { req, .. } => Some(*req),
            _ => None,
        })
        .expect("the triage follows the details");
    c.update(
        Msg::TriageDone {
            req,
            result: Ok(std::sync::Arc::new(t)),
        },
        now,
    );
}

fn draw(a: &resetdesk::app::App, w: u16, h: u16) -> String {
    let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
    term.draw(|f| resetdesk::ui::render(a, &resetdesk::theme::Theme::monochrome(), f))
        .unwrap();
    let buf = term.backend().buffer().clone();
    (0..h)
        .map(|y| {
            (0..w)
                .map(|x| buf[(x, y)].symbol().to_string())
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::test]
async fn an_authentication_administrator_creates_a_pass_a_helpdesk_admin_is_refused() {
    let (env, operator) = signed_in("auth-admin").await;
    let noah = env.client.get_user("noah.kim@contoso.com").await.unwrap();
    let a = assess(&env.client, &operator, &noah.id).await.unwrap();
    // An Authentication Administrator may not read the pass policy: Graph decides.
    let policy = tap::read_policy(&env.client).await.unwrap();
    assert!(matches!(policy, PolicyKnown::Unreadable(_)), "{policy:?}");
    let v = tap::judge(&env.client, &operator, &a, &policy, TapAsk::default());
    assert!(v.allowed, "{v:?}");
    let o = tap::create(&env.client, &noah.id, &v).await;
    assert_eq!(o.status, TapStatus::Succeeded, "{:?}", o.detail);
    let pass = o.pass.as_ref().unwrap().expose_secret().to_string();
    assert_eq!(pass.chars().count(), 8, "the policy's default length");
    assert_eq!(o.method.as_ref().unwrap().lifetime_in_minutes, Some(60));
    // Graph never shows it again: the methods list holds the pass without its code.
    let methods = env.client.auth_methods(&noah.id).await.unwrap();
    assert!(
        methods.iter().any(|m| m.kind() == "temporaryAccessPass"),
        "{methods:?}"
    );
    // The audit log records it, and it confirms this pass.
    let page = env
        .client
        .directory_audits_page(resetdesk::graph::AuditPage::First {
            filter: "activityDisplayName eq 'Admin registered security info'",
            top: 10,
        })
        .await
        .unwrap();
    assert!(
        page.value
            .iter()
            .any(|e| resetdesk::graph::audit::confirms_pass(
                e,
                &operator.user.id,
                &noah.id,
                o.started_at
            )),
        "{:?}",
        page.value
    );
    // A user whose role the Authentication Administrator's column covers (Reports
    // Reader) is a "member" for the pass: allowed, and Graph agrees.
    let alex = env
        .client
        .get_user("alex.wilber@contoso.com")
        .await
        .unwrap();
    let a = assess(&env.client, &operator, &alex.id).await.unwrap();
    assert!(a.privileged(), "Alex holds a role");
    let v = tap::judge(&env.client, &operator, &a, &policy, TapAsk::default());
    assert!(v.allowed, "{v:?}");
    assert_eq!(
        tap::create(&env.client, &alex.id, &v).await.status,
        TapStatus::Succeeded
    );
    // A restricted-management unit's member: refused, as the reset is, and by Graph.
    let amy = env
        .client
        .get_user("amy.alberts@contoso.com")
        .await
        .unwrap();
    let a = assess(&env.client, &operator, &amy.id).await.unwrap();
    let v = tap::judge(&env.client, &operator, &a, &policy, TapAsk::default());
    let r = v.refusal().expect("refused");
    assert!(r.message.contains("restricted-management"), "{r:?}");
    assert!(
        tap::create(&env.client, &amy.id, &v)
            .await
            .error
            .unwrap()
            .is_forbidden()
    );
    // A disabled account: allowed, with a warning.
    let oliver = env
        .client
        .get_user("oliver.grant@contoso.com")
        .await
        .unwrap();
    let a = assess(&env.client, &operator, &oliver.id).await.unwrap();
    let v = tap::judge(&env.client, &operator, &a, &policy, TapAsk::default());
    assert!(v.allowed);
    assert!(
        v.reasons.iter().any(|r| r.code == "tap-account-disabled"),
        "{v:?}"
    );
    // An admin target needs a Privileged Authentication Administrator.
    let megan = env
        .client
        .get_user("megan.bowen@contoso.com")
        .await
        .unwrap();
    let a = assess(&env.client, &operator, &megan.id).await.unwrap();
    let v = tap::judge(&env.client, &operator, &a, &policy, TapAsk::default());
    assert_eq!(v.refusal().map(|r| r.code), Some("tap-role-missing"));
    assert_eq!(
        v.least_role,
        Some("Privileged Authentication Administrator")
    );
    // The simulator agrees on its own: 403 if sent anyway.
    let o = tap::create(&env.client, &megan.id, &v).await;
    assert_eq!(o.status, TapStatus::Failed);
    assert!(o.error.as_ref().unwrap().is_forbidden());

    // A Helpdesk Administrator: refused locally, with why and who can.
    let (helpdesk, op) = signed_in("helpdesk").await;
    let a = assess(&helpdesk.client, &op, &noah.id).await.unwrap();
    let policy = tap::read_policy(&helpdesk.client).await.unwrap();
    let v = tap::judge(&helpdesk.client, &op, &a, &policy, TapAsk::default());
    let r = v.refusal().expect("refused");
    assert_eq!(r.code, "tap-role-missing");
    assert!(
        r.message.contains("Helpdesk Administrators cannot"),
        "{r:?}"
    );
    assert!(r.fix.contains("Authentication Administrator"), "{r:?}");
    let o = tap::create(&helpdesk.client, &noah.id, &v).await;
    assert!(o.error.unwrap().is_forbidden(), "Graph refuses it too");
}

/// Noah's pass as `setup`'s persona sees it: the client, and the verdict for `ask`.
async fn noah_pass(setup: Setup, ask: TapAsk) -> (crate::support::Env, String, TapVerdict) {
    let env = start(setup).await;
    let op = operator_facts(&env.client, Default::default())
        .await
        .unwrap();
    let noah = env.client.get_user("noah.kim@contoso.com").await.unwrap();
    let a = assess(&env.client, &op, &noah.id).await.unwrap();
    let policy = tap::read_policy(&env.client).await.unwrap();
    let v = tap::judge(&env.client, &op, &a, &policy, ask);
    (env, noah.id, v)
}

#[tokio::test]
async fn the_policy_decides_what_graph_accepts_and_a_reader_of_it_refuses_first() {
    // Disabled: a Global Administrator (who may read the policy) is refused locally; an
    // Authentication Administrator (who may not) gets Graph's 400, never a pass.
    let off = |t: &mut Tenant| {
        t.tap_policy.insert("state".into(), json!("disabled"));
    };
    let as_ = |persona| Setup {
        persona,
        tweak: off,
        ..Setup::default()
    };
    let (_, _, v) = noah_pass(as_("global-admin"), TapAsk::default()).await;
    assert_eq!(v.refusal().map(|r| r.code), Some("tap-policy-disabled"));
    let (env, noah, v) = noah_pass(as_("auth-admin"), TapAsk::default()).await;
    assert!(v.allowed);
    let o = tap::create(&env.client, &noah, &v).await;
    assert_eq!(o.status, TapStatus::Failed);
    assert_eq!(o.error.as_ref().unwrap().status(), Some(400));
    assert!(o.pass.is_none());
    // A lifetime outside the policy: refused locally when it is readable.
    let long = TapAsk {
        lifetime: Some(900),
        one_time: false,
    };
    let readable = Setup {
        persona: "global-admin",
        ..Setup::default()
    };
    let (_, _, v) = noah_pass(readable, long).await;
    let r = v.refusal().unwrap();
    assert_eq!(r.code, "tap-lifetime-out-of-range");
    assert!(r.message.contains("60 to 480"), "{r:?}");
}

fn files_under(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                files_under(&p, out);
            } else {
                out.push(p);
            }
        }
    }
}

#[test]
fn the_pass_is_printed_once_and_never_logged_or_journaled() {
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
    let token = sim.token.clone();
    let envs = [
        ("RESETDESK_ACCESS_TOKEN", token.as_str()),
        ("RESETDESK_LOG", "trace"),
    ];
    let base = [
        "--graph-url",
        sim.base_url.as_str(),
        "--auth",
        "access-token",
    ];
    let args = |rest: &[&'static str]| -> Vec<String> {
        base.iter()
            .chain(rest)
            .map(|s| s.to_string())
            .collect::<Vec<_>>()
    };
    let run = |rest: &[&'static str]| {
        let a = args(rest);
        let a: Vec<&str> = a.iter().map(String::as_str).collect();
        home.run(&a, &envs)
    };
    // Triage first, as an admin would.
    let t = run(&["triage", "noah.kim@contoso.com", "--json"]);
    assert!(t.status.success(), "{}", stderr(&t));
    let doc = json_of(&t);
    assert_eq!(doc["diagnosis"]["kind"], "mfa");
    assert_eq!(doc["temporaryAccessPassSuggested"], true);
    let codes: Vec<i64> = doc["signIns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["errorCode"].as_i64().unwrap())
        .collect();
    assert!(codes.contains(&500121), "{codes:?}");
    assert!(
        doc["signIns"][0]["explanation"]
            .as_str()
            .unwrap()
            .contains("MFA")
    );
    assert_eq!(doc["registration"]["mfaRegistered"], true);
    // Without a terminal and without --yes: refused, nothing created.
    let o = run(&["tap", "noah.kim@contoso.com", "--json"]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    let o = run(&[
        "tap",
        "noah.kim@contoso.com",
        "--yes",
        "--one-time",
        "--json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let doc = json_of(&o);
    assert_eq!(doc["status"], "succeeded");
    assert_eq!(doc["isUsableOnce"], true);
    assert_eq!(doc["lifetimeInMinutes"], 60);
    let pass = doc["temporaryAccessPass"].as_str().unwrap().to_string();
    assert!(pass.len() >= 8);
    // Not in stderr's trace log, nor in any file resetdesk wrote.
    assert!(!stderr(&o).contains(&pass), "the pass is in the log");
    let mut files = Vec::new();
    files_under(home.path("").as_path(), &mut files);
    let mut journal = None;
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap_or_default();
        assert!(!text.contains(&pass), "the pass is in {}", f.display());
        if f.to_string_lossy().contains("journal") {
            journal = Some(text);
        }
    }
    let journal = journal.expect("a journal");
    let entry: Value = serde_json::from_str(journal.lines().last().unwrap()).unwrap();
    assert_eq!(entry["action"], "tap");
    assert_eq!(entry["outcome"], "succeeded");
    assert_eq!(entry["pass"]["oneTime"], true);
    // A lifetime outside the policy this operator may not read: Graph refuses it, and
    // the code says so.
    let o = run(&[
        "tap",
        "noah.kim@contoso.com",
        "--yes",
        "--lifetime",
        "600",
        "--json",
    ]);
    assert_eq!(o.status.code(), Some(1));
    let doc = json_of(&o);
    assert_eq!(doc["error"]["code"], "tap-lifetime-out-of-range", "{doc}");
    assert!(doc["temporaryAccessPass"].is_null());
    // `audit` shows the pass's entry and that it confirms the journal's.
    let log = run(&["audit", "--since", "10m", "--json"]);
    assert!(log.status.success(), "{}", stderr(&log));
    let log = json_of(&log);
    let entry = log
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["activityDisplayName"] == "Admin registered security info")
        .unwrap_or_else(|| panic!("{log}"));
    assert_eq!(entry["who"], "you");
    assert_eq!(entry["confirmsJournal"], true, "{entry}");
    assert!(!log.to_string().contains(&pass));
    // A helpdesk admin is refused with the reason, exit 3.
    let hd = spawn_sim(&home, &["--as", "helpdesk", "--audit-every-secs", "0"]);
    let o = home.run(
        &[
            "--graph-url",
            &hd.base_url,
            "--auth",
            "access-token",
            "tap",
            "noah.kim@contoso.com",
            "--yes",
            "--json",
        ],
        &[("RESETDESK_ACCESS_TOKEN", hd.token.as_str())],
    );
    assert_eq!(o.status.code(), Some(3));
    let doc = json_of(&o);
    assert_eq!(doc["status"], "refused");
    assert_eq!(doc["error"]["code"], "tap-role-missing");
    assert!(doc["temporaryAccessPass"].is_null());
}

#[tokio::test]
async fn the_console_creates_a_pass_for_the_mfa_failing_user_and_shows_it_once() {
    let (env, operator) = signed_in("auth-admin").await;
    let noah = env.client.get_user("noah.kim@contoso.com").await.unwrap();
    let a = assess(&env.client, &operator, &noah.id).await.unwrap();
    let t = triage(&env.client, &noah).await.unwrap();
    let now = Instant::now();
    let mut c = app();
    c.update(session_of("Contoso", operator.clone()), now);
    open_with_triage(&mut c, a, t, now);
    let screen = draw(&c, 110, 50);
    assert!(screen.contains("MFA problem"), "{screen}");
    assert!(screen.contains("t: a Temporary Access Pass"), "{screen}");
    // `t` reads the policy first, then opens the dialog on Cancel.
    let fx = c.update(key('t'), now);
    let req = fx
        .iter()
        .find_map(|e| match e {
            Effect::ReadTapPolicy { req } => Some(*req),
            _ => None,
        })
        .unwrap_or_else(|| panic!("{fx:?}"));
    let policy = tap::read_policy(&env.client).await.unwrap();
    // An answer for another request (an older session's) opens nothing.
    c.update(
        Msg::TapPolicy {
            req: req + 100,
            policy: policy.clone(),
            lasting: true,
        },
        now,
    );
    assert!(matches!(c.reset, ResetFlow::Closed));
    c.update(
        Msg::TapPolicy {
            req,
            policy,
            lasting: true,
        },
        now,
    );
    assert!(matches!(c.reset, ResetFlow::Tap(_)));
    assert!(
        c.update(code(KeyCode::Enter), now).is_empty(),
        "Enter on Cancel sends nothing"
    );
    assert!(matches!(c.reset, ResetFlow::Closed));
    c.update(key('t'), now);
    c.update(code(KeyCode::BackTab), now);
    let fx = c.update(code(KeyCode::Enter), now);
    let (req, user_id, verdict) = fx
        .into_iter()
        .find_map(|e| match e {
            Effect::CreateTap {
                req,
                user_id,
                verdict,
                ..
            } => Some((req, user_id, verdict)),
            _ => None,
        })
        .expect("the pass is asked for");
    let outcome = tap::create(&env.client, &user_id, &verdict).await;
    let pass = outcome.pass.as_ref().unwrap().expose_secret().to_string();
    c.update(
        Msg::TapDone {
            req,
            outcome: Box::new(outcome),
        },
        now,
    );
    let screen = draw(&c, 110, 50);
    assert!(
        screen.contains("Temporary Access Pass: ••••••••"),
        "{screen}"
    );
    assert!(!screen.contains(&pass), "masked until v");
    c.update(key('v'), now);
    assert!(draw(&c, 110, 50).contains(&pass));
    // `y` copies the pass itself.
    let fx = c.update(key('y'), now);
    assert!(
        fx.iter()
            .any(|e| matches!(e, Effect::Copy(p) if p.expose_secret() == pass)),
        "{fx:?}"
    );
    // `q` asks first, and the whole warning fits the bottom line at 80 columns.
    assert!(c.update(key('q'), now).is_empty(), "nothing quits yet");
    let screen = draw(&c, 80, 24);
    assert!(
        screen.contains("A pass is on screen: quitting forgets it."),
        "{screen}"
    );
}
