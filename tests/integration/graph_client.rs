//! The real Graph client against the simulator over HTTP: paging, the documented traps,
//! errors, retries under injected faults, and fact gathering.

use std::collections::HashSet;
use std::time::Duration;

use crate::support::{Setup, persona, start};
use resetdesk::graph::{GraphApi, GraphError};
use resetdesk::policy::eligibility::RoleState;
use resetdesk::service::facts::target_facts;

#[tokio::test]
async fn search_follows_next_links_past_999_with_the_header_on_every_page() {
    let env = start(Setup {
        users: 5000,
        ..Setup::default()
    })
    .await;
    let r = env.client.search_users("contractor", 5000).await.unwrap();
    assert_eq!(r.count, Some(2000));
    assert_eq!(r.users.len(), 2000);
    let ids: HashSet<_> = r.users.iter().map(|u| u.id.clone()).collect();
    assert_eq!(ids.len(), 2000, "no user twice");
    assert!(r.users.iter().all(|u| u.label().ends_with("(Contractor)")));
    // 999 + 999 + 2 = three pages.
    assert_eq!(env.sim.state.request_count(), 3);
    // --top below the total stops early and reads only what it needs.
    let r = env.client.search_users("contractor", 1500).await.unwrap();
    assert_eq!(r.users.len(), 1500);
}

#[tokio::test]
async fn paging_contract_count_on_first_page_and_header_not_carried_over() {
    let env = start(Setup {
        users: 3000,
        ..Setup::default()
    })
    .await;
    let (status, _, first) = env
        .raw(
            "/users?$search=%22displayName:contractor%22&$count=true&$top=999",
            true,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(first["@odata.count"], 1200);
    let next = first["@odata.nextLink"].as_str().unwrap().to_string();
    assert!(next.contains("$skiptoken="), "{next}");
    let (status, _, second) = env.raw(&next, true).await;
    assert_eq!(status, 200);
    assert!(
        second.get("@odata.count").is_none(),
        "count only on the first page"
    );
    assert_eq!(second["value"].as_array().unwrap().len(), 201);
    // Following the link without re-sending ConsistencyLevel fails, as in Graph.
    let (status, _, err) = env.raw(&next, false).await;
    assert_eq!(status, 400);
    assert_eq!(err["error"]["code"], "Request_UnsupportedQuery");
    // $count=true without the header is silently ignored.
    let (status, _, body) = env.raw("/users?$count=true&$top=1", false).await;
    assert_eq!(status, 200);
    assert!(body.get("@odata.count").is_none());
    // $top above 999 is rejected.
    let (status, _, err) = env.raw("/users?$top=1000", false).await;
    assert_eq!(status, 400);
    assert_eq!(err["error"]["code"], "Request_BadRequest");
    // $search matches tokens, not substrings, and needs quoted clauses.
    let (_, _, body) = env
        .raw("/users?$search=%22displayName:ntractor%22", true)
        .await;
    assert_eq!(body["value"].as_array().unwrap().len(), 0);
    let (status, _, _) = env.raw("/users?$search=displayName:contractor", true).await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn get_user_by_upn_and_by_id_and_b2b_upn() {
    let env = persona("helpdesk").await;
    let by_upn = env
        .client
        .get_user("adele.vance@contoso.com")
        .await
        .unwrap();
    let by_id = env.client.get_user(&by_upn.id).await.unwrap();
    assert_eq!(by_upn, by_id);
    assert_eq!(by_upn.on_premises_sync_enabled, None);
    let guest = env
        .client
        .get_user("adele_fabrikam.com#EXT#@contoso.onmicrosoft.com")
        .await
        .unwrap();
    assert_eq!(guest.creation_type.as_deref(), Some("Invitation"));
    let synced = env
        .client
        .get_user("alan.steiner@contoso.com")
        .await
        .unwrap();
    assert_eq!(synced.on_premises_sync_enabled, Some(true));
    assert_eq!(
        synced.on_premises_sam_account_name.as_deref(),
        Some("asteiner")
    );
    let once = env
        .client
        .get_user("kevin.moore@contoso.com")
        .await
        .unwrap();
    assert_eq!(once.on_premises_sync_enabled, Some(false));
    let me = env.client.me().await.unwrap();
    assert_eq!(
        me.user_principal_name.as_deref(),
        Some("henrietta.mueller@contoso.com")
    );
}

#[tokio::test]
async fn not_found_and_bad_tokens_are_typed_errors() {
    let env = persona("helpdesk").await;
    let e = env.client.get_user("nobody@contoso.com").await.unwrap_err();
    assert!(e.is_not_found());
    assert_eq!(e.code(), Some("Request_ResourceNotFound"));
    assert!(e.to_string().contains("[request-id "), "{e}");

    let (status, _, body) = env.raw_with_token("/me", false, None).await;
    assert_eq!(status, 401);
    assert_eq!(body["error"]["code"], "InvalidAuthenticationToken");
    let bad = resetdesk::graph::GraphClient::new(
        resetdesk::graph::ClientOptions {
            base_url: env.sim.base_url.clone(),
            timeout: Duration::from_secs(5),
            max_attempts: 3,
            max_retry_wait: Duration::from_secs(5),
            cloud: resetdesk::cloud::Cloud::Global,
        },
        std::sync::Arc::new(resetdesk::auth::StaticToken::new(
            resetdesk::secret::secret("eyJ0eXAiOiJKV1QifQ.e30.forged".into()),
        )),
    )
    .unwrap();
    let e = bad.me().await.unwrap_err();
    assert!(e.is_unauthenticated(), "{e}");
    assert!(
        !e.to_string().contains("forged"),
        "the token never appears in messages"
    );
}

#[tokio::test]
async fn sign_in_activity_is_read_when_permitted_and_skipped_when_not() {
    // Its own request (Graph reads it under a much tighter limit than the user).
    let admin = persona("global-admin").await;
    let u = admin
        .client
        .get_user("adele.vance@contoso.com")
        .await
        .unwrap();
    assert!(u.sign_in_activity.is_none(), "not part of the user read");
    let s = admin.client.sign_in_activity(&u.id).await.unwrap();
    assert!(s.unwrap().last_sign_in_date_time.is_some());
    let nobody = persona("no-role").await;
    let u = nobody
        .client
        .get_user("adele.vance@contoso.com")
        .await
        .unwrap();
    assert_eq!(
        u.user_principal_name.as_deref(),
        Some("adele.vance@contoso.com")
    );
    let e = nobody.client.sign_in_activity(&u.id).await.unwrap_err();
    assert!(e.is_forbidden(), "{e}");
    let f = target_facts(&nobody.client, "adele.vance@contoso.com")
        .await
        .unwrap();
    assert!(f.sign_in_unavailable.unwrap().contains("not readable"));
}

#[tokio::test]
async fn throttling_is_retried_a_bounded_number_of_times_then_named() {
    let env = start(Setup {
        faults: "429:1:0.05",
        max_attempts: 3,
        ..Setup::default()
    })
    .await;
    let e = env.client.me().await.unwrap_err();
    assert_eq!(e.code(), Some("TooManyRequests"));
    assert_eq!(e.status(), Some(429));
    assert_eq!(env.sim.state.request_count(), 3);
    let line = e.to_string();
    assert!(
        line.contains("TooManyRequests") && !line.contains('\n'),
        "{line}"
    );
}

#[tokio::test]
async fn a_retry_after_longer_than_the_limit_fails_at_once() {
    let env = start(Setup {
        faults: "429:1:120",
        max_attempts: 5,
        max_retry_wait: Duration::from_secs(60),
        ..Setup::default()
    })
    .await;
    let e = env.client.me().await.unwrap_err();
    match e {
        GraphError::Api { retry_after, .. } => {
            assert_eq!(retry_after, Some(Duration::from_secs(120)))
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(env.sim.state.request_count(), 1);
}

#[tokio::test]
async fn dropped_connections_and_timeouts_end_in_a_transport_error() {
    let env = start(Setup {
        faults: "reset:1",
        max_attempts: 2,
        ..Setup::default()
    })
    .await;
    match env.client.me().await.unwrap_err() {
        GraphError::Transport { maybe_sent, .. } => assert!(maybe_sent),
        other => panic!("{other:?}"),
    }
    assert_eq!(env.sim.state.request_count(), 2);

    let slow = start(Setup {
        faults: "slow:1:5000",
        max_attempts: 2,
        timeout: Duration::from_millis(300),
        ..Setup::default()
    })
    .await;
    let e = slow.client.me().await.unwrap_err();
    assert!(e.to_string().contains("timed out"), "{e}");
}

#[tokio::test]
async fn malformed_bodies_are_retried_for_reads() {
    let env = start(Setup {
        faults: "malformed:1",
        max_attempts: 2,
        ..Setup::default()
    })
    .await;
    let e = env.client.me().await.unwrap_err();
    assert!(matches!(e, GraphError::Decode { .. }), "{e:?}");
    assert_eq!(env.sim.state.request_count(), 2);
}

#[tokio::test]
async fn under_a_fault_storm_calls_succeed_or_fail_with_one_named_line() {
    let env = start(Setup {
        faults: "429:0.3:0.05,503:0.1:0.05,malformed:0.05",
        max_attempts: 5,
        ..Setup::default()
    })
    .await;
    let mut ok = 0;
    for _ in 0..30 {
        match env.client.search_users("a", 50).await {
            Ok(r) => {
                assert!(!r.users.is_empty());
                ok += 1;
            }
            Err(e) => {
                let line = e.to_string();
                assert!(!line.contains('\n'), "{line}");
                assert!(
                    ["TooManyRequests", "serviceNotAvailable", "malformed"]
                        .iter()
                        .any(|c| line.contains(c)),
                    "{line}"
                );
            }
        }
    }
    // With five attempts the chance of a failure is under 2 % per call.
    assert!(ok >= 20, "only {ok} of 30 succeeded");
}

#[tokio::test]
async fn facts_include_group_roles_scopes_and_eligibility() {
    let reader = persona("global-reader").await;
    let f = target_facts(&reader.client, "sakura.watanabe@contoso.com")
        .await
        .unwrap();
    let exch = f
        .roles
        .iter()
        .find(|r| r.name == "Exchange Administrator")
        .unwrap();
    assert_eq!(exch.via_group.as_deref(), Some("Tier0 Operators"));
    assert_eq!(exch.state, RoleState::Active);
    assert!(
        f.groups
            .iter()
            .any(|g| g.display_name == "Tier0 Operators" && g.protected)
    );
    let f = target_facts(&reader.client, "olivia.brown@contoso.com")
        .await
        .unwrap();
    assert!(
        f.owned_groups
            .iter()
            .any(|g| g.display_name == "PAW Users" && g.protected)
    );
    assert!(f.unknown.is_empty(), "{:?}", f.unknown);

    let f = target_facts(&reader.client, "grady.archie@contoso.com")
        .await
        .unwrap();
    let hda = &f.roles[0];
    assert_eq!(hda.name, "Helpdesk Administrator");
    assert_eq!(hda.scope_name, "Seattle Office");
    assert!(hda.scope.starts_with("/administrativeUnits/"));

    let f = target_facts(&reader.client, "lynne.robbins@contoso.com")
        .await
        .unwrap();
    assert_eq!(f.roles.len(), 1);
    assert_eq!(f.roles[0].state, RoleState::Eligible);

    let f = target_facts(&reader.client, "amy.alberts@contoso.com")
        .await
        .unwrap();
    assert!(
        f.administrative_units
            .iter()
            .any(|a| a.display_name == "Executive Office" && a.protected)
    );

    // A helpdesk admin cannot list other users' PIM data: that fact is unknown, not "none".
    let helpdesk = persona("helpdesk").await;
    let f = target_facts(&helpdesk.client, "lynne.robbins@contoso.com")
        .await
        .unwrap();
    assert!(f.roles.is_empty());
    assert_eq!(f.unknown.len(), 1);
    assert_eq!(f.unknown[0].fact, "eligibleRoles");
    assert!(f.unknown[0].reason.contains("Authorization_RequestDenied"));
}

#[tokio::test]
async fn a_request_that_cannot_be_built_fails_at_once_and_a_long_retry_after_is_named() {
    use resetdesk::auth::StaticToken;
    use resetdesk::graph::{ClientOptions, GraphClient, GraphError};
    let env = start(Setup::default()).await;
    // A token with a line break is not a valid header value: nothing can be sent.
    let bad = GraphClient::new(
        ClientOptions {
            base_url: env.sim.base_url.clone(),
            timeout: std::time::Duration::from_secs(5),
            max_attempts: 5,
            max_retry_wait: std::time::Duration::from_secs(60),
            cloud: resetdesk::cloud::Cloud::Global,
        },
        std::sync::Arc::new(StaticToken::new(resetdesk::secret::secret(
            "bad\ntoken".into(),
        ))),
    )
    .unwrap();
    let before = env.sim.state.request_count();
    let e = bad.get_user("adele.vance@contoso.com").await.unwrap_err();
    assert!(matches!(e, GraphError::Request(_)), "{e:?}");
    assert!(!e.is_transient());
    assert!(e.to_string().contains("could not build the request"), "{e}");
    assert_eq!(
        env.sim.state.request_count(),
        before,
        "nothing was sent, nothing retried"
    );

    // Throttled with a Retry-After beyond max_retry_wait: the message gives the wait.
    let slow = start(Setup {
        faults: "429:1.0:120",
        ..Setup::default()
    })
    .await;
    let e = slow
        .client
        .get_user("adele.vance@contoso.com")
        .await
        .unwrap_err();
    assert!(
        e.to_string().contains("wait 120 s") && e.to_string().contains("max_retry_wait_secs"),
        "{e}"
    );
}

/// Issue 12, item 2: `signInActivity` has a budget of its own, far below other reads. A
/// burst of lookups past it fails none of them: the sign-in is "not available now".
#[tokio::test]
async fn a_burst_of_lookups_past_the_sign_in_budget_fails_none() {
    use resetdesk::service::facts::{assess, operator_facts};
    let env = start(Setup::default()).await;
    let op = operator_facts(&env.client, Default::default())
        .await
        .unwrap();
    let (mut shown, mut limited) = (0, 0);
    for _ in 0..30 {
        let a = assess(&env.client, &op, "adele.vance@contoso.com")
            .await
            .expect("the lookup itself never fails on the sign-in budget");
        match (
            &a.target.user.sign_in_activity,
            &a.target.sign_in_unavailable,
        ) {
            (Some(_), None) => shown += 1,
            (None, Some(why)) => {
                assert!(why.contains("not available now"), "{why}");
                limited += 1
            }
            other => panic!("{other:?}"),
        }
    }
    assert!(shown > 0 && limited > 0, "{shown} shown, {limited} limited");
}
