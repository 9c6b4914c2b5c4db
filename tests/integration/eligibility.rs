//! Eligibility scenarios through the real client against the simulator, one persona each,
//! and the simulator's enforcement of the same rules on the write calls.

use crate::support::{Env, Setup, persona, start};
use resetdesk::graph::GraphApi;
use resetdesk::policy::eligibility::{Method, Verdict};
use resetdesk::secret::ExposeSecret;
use resetdesk::service::facts::{assess, operator_facts};
use serde_json::json;

async fn verdict(env: &Env, target: &str) -> Verdict {
    let op = operator_facts(&env.client, Default::default())
        .await
        .unwrap();
    assess(&env.client, &op, target).await.unwrap().verdict
}

fn check(v: &Verdict, allowed: bool, method: Option<Method>, code: &str, case: &str) {
    assert_eq!(v.allowed, allowed, "{case}: {:#?}", v.reasons);
    assert_eq!(v.method, method, "{case}");
    assert!(
        v.reasons.iter().any(|r| r.code == code),
        "{case}: expected reason {code}, got {:#?}",
        v.reasons
    );
    if !allowed {
        assert_eq!(
            v.reasons[0].code, code,
            "{case}: the deciding reason comes first"
        );
    }
}

const PP: Option<Method> = Some(Method::PasswordProfile);
const RP: Option<Method> = Some(Method::ResetPassword);

#[tokio::test]
async fn helpdesk_scenarios() {
    let env = persona("helpdesk").await;
    let cases: &[(&str, bool, Option<Method>, &str)] = &[
        ("henrietta.mueller@contoso.com", false, None, "self-reset"),
        (
            "adele_fabrikam.com#EXT#@contoso.onmicrosoft.com",
            false,
            None,
            "external-user",
        ),
        (
            "tom.baker_outlook.com#EXT#@contoso.onmicrosoft.com",
            false,
            None,
            "external-user",
        ),
        (
            "priya.nair_woodgrove.com#EXT#@contoso.onmicrosoft.com",
            false,
            None,
            "external-user",
        ),
        (
            "nadia.petrova_northwind.com#EXT#@contoso.onmicrosoft.com",
            false,
            None,
            "pending-invite",
        ),
        ("sam.ortega@contoso.com", true, PP, "allowed"),
        ("adele.vance@contoso.com", true, PP, "allowed"),
        ("wei.wang@contoso.com", false, None, "role-assignable-group"),
        (
            "olivia.brown@contoso.com",
            false,
            None,
            "role-assignable-group",
        ),
        (
            "sakura.watanabe@contoso.com",
            false,
            None,
            "target-role-protected",
        ),
        (
            "megan.bowen@contoso.com",
            false,
            None,
            "target-role-protected",
        ),
        ("patti.fernandez@contoso.com", true, PP, "allowed"),
        (
            "amy.alberts@contoso.com",
            false,
            None,
            "restricted-management-au",
        ),
        ("alan.steiner@contoso.com", true, RP, "synced-writeback"),
        (
            "hans.becker@eu.contoso.com",
            false,
            None,
            "federated-domain",
        ),
        ("kevin.moore@contoso.com", true, PP, "once-synced"),
        ("oliver.grant@contoso.com", true, PP, "account-disabled"),
        ("gregory.hart@contoso.com", true, RP, "account-disabled"),
    ];
    for (target, allowed, method, code) in cases {
        let v = verdict(&env, target).await;
        check(&v, *allowed, *method, code, target);
    }
    let v = verdict(&env, "megan.bowen@contoso.com").await;
    assert_eq!(
        v.least_privileged_role.as_deref(),
        Some("Privileged Authentication Administrator")
    );
}

#[tokio::test]
async fn operator_roles_decide() {
    let pim = persona("pim-eligible-helpdesk").await;
    check(
        &verdict(&pim, "adele.vance@contoso.com").await,
        false,
        None,
        "activate-in-pim",
        "pim",
    );
    let none = persona("no-role").await;
    check(
        &verdict(&none, "adele.vance@contoso.com").await,
        false,
        None,
        "no-reset-role",
        "no-role",
    );
    let paa = persona("privileged-auth-admin").await;
    check(
        &verdict(&paa, "megan.bowen@contoso.com").await,
        true,
        PP,
        "allowed",
        "paa → GA",
    );
    check(
        &verdict(&paa, "wei.wang@contoso.com").await,
        true,
        PP,
        "allowed",
        "paa → RAG member",
    );
    let partner = persona("partner-tier2").await;
    check(
        &verdict(&partner, "megan.bowen@contoso.com").await,
        true,
        PP,
        "allowed",
        "partner tier2 → GA",
    );
    let ua = persona("user-admin").await;
    check(
        &verdict(&ua, "henrietta.mueller@contoso.com").await,
        true,
        PP,
        "allowed",
        "UA → HDA",
    );
    check(
        &verdict(&ua, "nestor.wilke@contoso.com").await,
        false,
        None,
        "target-role-protected",
        "UA → AuthA",
    );
}

#[tokio::test]
async fn eligible_only_target_roles_count_when_readable() {
    // Password Administrator who also holds Security Reader (may read PIM schedules).
    let pwd = persona("password-admin").await;
    let v = verdict(&pwd, "lynne.robbins@contoso.com").await;
    check(
        &v,
        false,
        None,
        "target-role-protected",
        "PwdA → eligible HDA",
    );
    assert!(v.reasons[0].message.contains("PIM-eligible"));
    assert!(v.reasons.iter().any(|r| r.code == "eligible-target-role"));
    // A helpdesk admin cannot read them: allowed on active roles, and it says so.
    let hd = persona("helpdesk").await;
    let v = verdict(&hd, "lynne.robbins@contoso.com").await;
    check(
        &v,
        true,
        PP,
        "eligible-roles-unknown",
        "HDA → eligible HDA, unreadable",
    );
}

#[tokio::test]
async fn administrative_unit_scopes() {
    let au = persona("au-helpdesk").await;
    check(
        &verdict(&au, "adele.vance@contoso.com").await,
        true,
        PP,
        "allowed",
        "inside",
    );
    check(
        &verdict(&au, "liam.murphy@contoso.com").await,
        false,
        None,
        "outside-administrative-unit",
        "outside",
    );
    check(
        &verdict(&au, "lee.gu@contoso.com").await,
        false,
        None,
        "au-scope-target-has-role",
        "inside with role",
    );
    let ga = persona("global-admin").await;
    check(
        &verdict(&ga, "amy.alberts@contoso.com").await,
        false,
        None,
        "restricted-management-au",
        "GA → RMAU",
    );
    check(
        &verdict(&ga, "gregory.hart@contoso.com").await,
        true,
        RP,
        "synced-writeback",
        "GA reads writeback",
    );
    let rmau = persona("rmau-helpdesk").await;
    check(
        &verdict(&rmau, "amy.alberts@contoso.com").await,
        true,
        PP,
        "allowed",
        "RMAU admin → member",
    );
    check(
        &verdict(&rmau, "adele.vance@contoso.com").await,
        false,
        None,
        "outside-administrative-unit",
        "RMAU admin → outside",
    );
}

#[tokio::test]
async fn writeback_off_refuses_synced_users_when_readable() {
    let env = start(Setup {
        persona: "global-admin",
        tweak: |t| {
            t.on_premises_sync.as_mut().unwrap().insert(
                "features".into(),
                json!({"passwordWritebackEnabled": false}),
            );
        },
        ..Setup::default()
    })
    .await;
    check(
        &verdict(&env, "alan.steiner@contoso.com").await,
        false,
        None,
        "writeback-disabled",
        "writeback off",
    );
}

async fn send(
    env: &Env,
    method: reqwest::Method,
    path: &str,
    body: serde_json::Value,
) -> (u16, reqwest::header::HeaderMap, serde_json::Value) {
    let resp = reqwest::Client::new()
        .request(method, format!("{}{path}", env.sim.base_url))
        .bearer_auth(env.sim.token.expose_secret())
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let text = resp.text().await.unwrap();
    (
        status,
        headers,
        serde_json::from_str(&text).unwrap_or(serde_json::Value::Null),
    )
}

const RESET: &str = "/authentication/methods/28c10230-6103-485e-b985-444c60001490/resetPassword";

#[tokio::test]
async fn the_simulator_enforces_the_same_rules_on_writes() {
    let env = persona("helpdesk").await;
    let profile = json!({"passwordProfile": {"password": "Vx7#mQ2!pLw9", "forceChangePasswordNextSignIn": true}});
    // A client that skipped the check meets the real 403.
    let (status, _, body) = send(
        &env,
        reqwest::Method::PATCH,
        "/users/megan.bowen@contoso.com",
        profile.clone(),
    )
    .await;
    assert_eq!(status, 403);
    assert_eq!(body["error"]["code"], "Authorization_RequestDenied");
    let (status, _, _) = send(
        &env,
        reqwest::Method::PATCH,
        "/users/amy.alberts@contoso.com",
        profile.clone(),
    )
    .await;
    assert_eq!(status, 403);
    // Allowed: 204, no body, and the user's password change time moves.
    let before = env
        .client
        .get_user("adele.vance@contoso.com")
        .await
        .unwrap();
    let (status, _, body) = send(
        &env,
        reqwest::Method::PATCH,
        "/users/adele.vance@contoso.com",
        profile.clone(),
    )
    .await;
    assert_eq!(status, 204);
    assert!(body.is_null());
    let after = env
        .client
        .get_user("adele.vance@contoso.com")
        .await
        .unwrap();
    assert!(after.last_password_change_date_time > before.last_password_change_date_time);
    // Weak and banned passwords: the observed complexity 400.
    for weak in ["short1!", "Password123!", "Adele-2026-Vance!"] {
        let (status, _, body) = send(
            &env,
            reqwest::Method::PATCH,
            "/users/adele.vance@contoso.com",
            json!({"passwordProfile": {"password": weak}}),
        )
        .await;
        assert_eq!(status, 400, "{weak}");
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("complexity"),
            "{weak}"
        );
    }
    // Synced users: PATCH is refused as on-premises mastered; resetPassword works.
    let (status, _, body) = send(
        &env,
        reqwest::Method::PATCH,
        "/users/alan.steiner@contoso.com",
        profile.clone(),
    )
    .await;
    assert_eq!(status, 400);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("on-premises mastered")
    );
    let (status, _, _) = send(
        &env,
        reqwest::Method::POST,
        &format!("/users/alan.steiner@contoso.com{RESET}"),
        json!({}),
    )
    .await;
    assert_eq!(status, 400, "hybrid users need newPassword");
    let (status, headers, body) = send(
        &env,
        reqwest::Method::POST,
        &format!("/users/alan.steiner@contoso.com{RESET}"),
        json!({"newPassword": "Vx7#mQ2!pLw9"}),
    )
    .await;
    assert_eq!(status, 202);
    assert!(
        body.is_null(),
        "no body when the caller supplied the password"
    );
    let location = headers["location"].to_str().unwrap().to_string();
    assert!(
        location.contains("/authentication/operations/") && location.contains("?aadgdc="),
        "{location}"
    );
    assert_eq!(headers["retry-after"], "1");
    // A Helpdesk Administrator may reset but not read the progress: the documented
    // readers are Global Administrator, Global Reader, Privileged Authentication and
    // Authentication Administrator (longrunningoperation-get).
    let (status, _, _) = env.raw(&location, false).await;
    assert_eq!(status, 403);
    let reader = env.token_for("auth-admin");
    let (status, _, op) = env.raw_with_token(&location, false, Some(&reader)).await;
    assert_eq!(status, 200);
    assert!(
        op["status"] == "notStarted" || op["status"] == "running",
        "{op}"
    );
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    let (_, _, op) = env.raw_with_token(&location, false, Some(&reader)).await;
    assert_eq!(op["status"], "succeeded");
    // Cloud user without newPassword: a system-generated password in the 202 body.
    let (status, _, body) = send(
        &env,
        reqwest::Method::POST,
        &format!("/users/mia.chen@contoso.com{RESET}"),
        json!({}),
    )
    .await;
    assert_eq!(status, 202);
    assert!(body["newPassword"].as_str().unwrap().len() >= 8);
    // External users: not this tenant's password.
    let (status, _, _) = send(
        &env,
        reqwest::Method::PATCH,
        "/users/tom.baker_outlook.com%23EXT%23@contoso.onmicrosoft.com",
        profile.clone(),
    )
    .await;
    assert_eq!(status, 400);
    // Own account through the admin path.
    let (status, _, _) = send(
        &env,
        reqwest::Method::POST,
        &format!("/users/henrietta.mueller@contoso.com{RESET}"),
        json!({}),
    )
    .await;
    assert_eq!(status, 400);
    // Revoke sessions: the documented 200 with a Boolean.
    let (status, _, body) = send(
        &env,
        reqwest::Method::POST,
        "/users/adele.vance@contoso.com/revokeSignInSessions",
        json!({}),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["value"], true);
    let (status, _, _) = send(
        &env,
        reqwest::Method::POST,
        "/users/megan.bowen@contoso.com/revokeSignInSessions",
        json!({}),
    )
    .await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn a_federated_synced_reset_is_accepted_then_fails() {
    let env = persona("global-admin").await;
    let (status, headers, _) = send(
        &env,
        reqwest::Method::POST,
        &format!("/users/hans.becker@eu.contoso.com{RESET}"),
        json!({"newPassword": "Vx7#mQ2!pLw9"}),
    )
    .await;
    assert_eq!(status, 202);
    let location = headers["location"].to_str().unwrap().to_string();
    tokio::time::sleep(std::time::Duration::from_millis(1300)).await;
    let (_, _, op) = env.raw(&location, false).await;
    assert_eq!(op["status"], "failed");
    assert!(op["statusDetail"].as_str().unwrap().contains("federated"));
}

#[tokio::test]
async fn without_role_read_consent_roles_come_from_the_token_and_nothing_is_guessed() {
    // Helpdesk Administrator whose token lacks RoleManagement.Read.Directory / Directory.Read.All.
    let env = persona("helpdesk-limited").await;
    let token = resetdesk::auth::TokenFacts::read(env.sim.token.expose_secret());
    let op = operator_facts(&env.client, token).await.unwrap();
    assert!(op.operator.roles_from_token);
    assert_eq!(op.operator.active[0].name, "Helpdesk Administrator");
    let v = assess(&env.client, &op, "adele.vance@contoso.com")
        .await
        .unwrap()
        .verdict;
    assert!(!v.allowed, "unknown target roles never give 'allowed'");
    assert_eq!(v.reasons[0].code, "facts-unknown");
    assert!(
        v.reasons
            .iter()
            .any(|r| r.code == "operator-roles-from-token")
    );
}

/// The client's verdict and the simulator's own decision are two independent readings of
/// the same documented rules (they share no code). For every persona and every demo user
/// they must agree, except where the client honestly cannot know: a fact it may not read
/// (then it says so, with `eligible-roles-unknown` or `facts-unknown`).
#[tokio::test]
async fn the_client_verdict_agrees_with_the_simulators_own_decision_everywhere() {
    use resetdesk::sim::authorize::{Decision, decide};
    let personas: Vec<String> = {
        let t = resetdesk::sim::Tenant::demo().unwrap();
        t.personas.keys().cloned().collect()
    };
    let mut compared = 0;
    for p in &personas {
        let env = start(Setup {
            persona: Box::leak(p.clone().into_boxed_str()),
            ..Setup::default()
        })
        .await;
        let Ok(op) = operator_facts(&env.client, Default::default()).await else {
            continue; // a persona that cannot even read itself
        };
        let (ids, op_id) = {
            let t = env.sim.state.tenant.read().unwrap();
            let op_id = t.personas[p].user_id.clone();
            (
                t.users.iter().map(|u| u.id.clone()).collect::<Vec<_>>(),
                op_id,
            )
        };
        for (i, id) in ids.iter().enumerate() {
            let Ok(a) = assess(&env.client, &op, id).await else {
                continue;
            };
            let sim = {
                let t = env.sim.state.tenant.read().unwrap();
                decide(&t, &op_id, i)
            };
            let sim_allows = matches!(sim, Decision::Allowed { .. });
            let unsure = a.verdict.reasons.iter().any(|r| r.code.is_uncertain());
            // Hybrid blocks (federated domain, writeback off) are the client's early
            // warning of an operation that the service accepts and then fails.
            let hybrid = a.verdict.reasons.iter().any(|r| r.code.is_hybrid());
            if unsure || hybrid {
                continue;
            }
            assert_eq!(
                a.verdict.allowed,
                sim_allows,
                "persona {p}, target {}: client {:?} vs simulator {sim:?}",
                a.target.user.label(),
                a.verdict.reasons.iter().map(|r| r.code).collect::<Vec<_>>()
            );
            compared += 1;
        }
    }
    assert!(compared > 300, "compared {compared} pairs");
}

/// The China cloud's v1.0 schema has no resetPassword and no authentication operations:
/// synced users are refused with the reason (no role helps), cloud-only users still go the
/// passwordProfile way, and the simulator answers the missing segments as Graph answers
/// an unknown one.
#[tokio::test]
async fn china_cloud_refuses_synced_users_and_has_no_reset_password() {
    use crate::support::Cloud;
    let env = start(Setup {
        persona: "global-admin",
        cloud: Cloud::China,
        ..Setup::default()
    })
    .await;
    let v = verdict(&env, "alan.steiner@contoso.com").await;
    check(&v, false, None, "cloud-without-writeback", "china, synced");
    assert!(v.least_privileged_role.is_none(), "no role helps");
    assert!(v.reasons[0].fix.contains("on-premises Active Directory"));
    check(
        &verdict(&env, "mia.chen@contoso.com").await,
        true,
        PP,
        "allowed",
        "china, cloud-only",
    );
    let (status, _, body) = send(
        &env,
        reqwest::Method::POST,
        &format!("/users/alan.steiner@contoso.com{RESET}"),
        json!({"newPassword": "Vx7#mQ2!pLw9"}),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(
        body["error"]["message"],
        "Resource not found for the segment 'methods'."
    );
    let (status, _, _) = env
        .raw(
            "/users/alan.steiner@contoso.com/authentication/operations/x",
            false,
        )
        .await;
    assert_eq!(status, 400);

    // The same tenant in the US Government cloud has both.
    let gov = start(Setup {
        persona: "global-admin",
        cloud: Cloud::Usgov,
        ..Setup::default()
    })
    .await;
    check(
        &verdict(&gov, "alan.steiner@contoso.com").await,
        true,
        RP,
        "synced-writeback",
        "usgov, synced",
    );
}

/// Each reset path needs its own Graph permission (resetPassword: delegated
/// UserAuthenticationMethod.ReadWrite.All only). A sign-in without it is told so before
/// anything is sent, with no role suggested; and the simulator, judging alone, agrees.
#[tokio::test]
async fn a_sign_in_without_the_paths_permission_is_refused_with_the_reason() {
    let env = start(Setup {
        persona: "helpdesk-password-only",
        tweak: |t| {
            let helpdesk = t.personas["helpdesk"].user_id.clone();
            t.personas.insert(
                "helpdesk-password-only".into(),
                resetdesk::sim::tenant::Persona {
                    user_id: helpdesk,
                    scopes: Some(
                        "User.Read User.Read.All User-PasswordProfile.ReadWrite.All \
                         RoleManagement.Read.Directory Directory.Read.All"
                            .into(),
                    ),
                },
            );
        },
        ..Setup::default()
    })
    .await;
    let token = resetdesk::auth::TokenFacts::read(env.sim.token.expose_secret());
    assert!(token.scopes.is_some());
    let op = operator_facts(&env.client, token).await.unwrap();
    let v = assess(&env.client, &op, "alan.steiner@contoso.com")
        .await
        .unwrap()
        .verdict;
    check(
        &v,
        false,
        None,
        "missing-permission",
        "synced, no methods permission",
    );
    assert!(
        v.reasons[0]
            .message
            .contains("UserAuthenticationMethod.ReadWrite.All")
    );
    assert!(v.least_privileged_role.is_none(), "a role would not help");
    // The cloud-only path's permission is there.
    let v = assess(&env.client, &op, "adele.vance@contoso.com")
        .await
        .unwrap()
        .verdict;
    check(&v, true, PP, "allowed", "cloud, password permission");
    // Graph (here the simulator, with its own check) refuses the same call.
    let (status, _, _) = send(
        &env,
        reqwest::Method::POST,
        &format!("/users/alan.steiner@contoso.com{RESET}"),
        json!({"newPassword": "Vx7#mQ2!pLw9"}),
    )
    .await;
    assert_eq!(status, 403);
}
