//! Finding the user a ticket names (issue 11, item 1): every form through the real
//! client against the simulator, the odd characters escaped, and the CLI's answers for
//! several matches and for none.

use crate::support::{Setup, start};
use resetdesk::service::resolve::{Resolved, resolve};
use resetdesk::sim::tenant::SimUser;

fn add(t: &mut resetdesk::sim::Tenant, props: serde_json::Value) {
    let serde_json::Value::Object(map) = props else {
        panic!()
    };
    t.push_user(SimUser::new(map).unwrap()).unwrap();
}

async fn one(env: &crate::support::Env, key: &str) -> String {
    match resolve(&env.client, key).await.unwrap() {
        Resolved::One(u) => u.user_principal_name.unwrap(),
        other => panic!("{key}: {other:?}"),
    }
}

#[tokio::test]
async fn every_form_a_ticket_uses_finds_the_user() {
    let env = start(Setup {
        tweak: |t| {
            add(t, serde_json::json!({"displayName": "Liam O'Brien", "userPrincipalName": "liam.o'brien@contoso.com"}));
            add(t, serde_json::json!({"displayName": "Backup Service", "userPrincipalName": "$svc.backup@contoso.com"}));
            add(t, serde_json::json!({"displayName": "R&D Team", "userPrincipalName": "rnd.team@contoso.com", "mail": "r&d.team@contoso.com"}));
        },
        ..Setup::default()
    })
    .await;
    let adele = "adele.vance@contoso.com";
    let id = {
        let t = env.sim.state.tenant.read().unwrap();
        t.user_by_key(adele).unwrap().id.clone()
    };
    assert_eq!(one(&env, &id).await, adele, "object id");
    assert_eq!(one(&env, adele).await, adele, "UPN");
    assert_eq!(
        one(&env, "ADELE.VANCE@contoso.com").await,
        adele,
        "UPN, any case"
    );
    assert_eq!(
        one(&env, "adele@contoso.com").await,
        adele,
        "proxy address (alias)"
    );
    assert_eq!(
        one(&env, "adele.vance.home@example.org").await,
        adele,
        "otherMails"
    );
    assert_eq!(
        one(&env, "tom.baker@outlook.com").await,
        "tom.baker_outlook.com#EXT#@contoso.onmicrosoft.com",
        "a guest by their own email"
    );
    assert_eq!(
        one(&env, "tom.baker_outlook.com#EXT#@contoso.onmicrosoft.com").await,
        "tom.baker_outlook.com#EXT#@contoso.onmicrosoft.com",
        "a guest's UPN with #"
    );
    assert_eq!(
        one(&env, "Megan Bowen").await,
        "megan.bowen@contoso.com",
        "display name"
    );
    assert_eq!(
        one(&env, "liam.o'brien@contoso.com").await,
        "liam.o'brien@contoso.com",
        "'"
    );
    assert_eq!(
        one(&env, "Liam O'Brien").await,
        "liam.o'brien@contoso.com",
        "' in a name"
    );
    assert_eq!(
        one(&env, "$svc.backup@contoso.com").await,
        "$svc.backup@contoso.com",
        "$"
    );
    assert_eq!(
        one(&env, "r&d.team@contoso.com").await,
        "rnd.team@contoso.com",
        "&"
    );
    assert_eq!(
        one(&env, "R&D Team").await,
        "rnd.team@contoso.com",
        "& in a name"
    );
    match resolve(&env.client, "Hans Becker").await.unwrap() {
        Resolved::Many(users) => assert_eq!(users.len(), 2),
        other => panic!("{other:?}"),
    }
    match resolve(&env.client, "nobody@contoso.com").await.unwrap() {
        Resolved::None(tried) => {
            assert!(tried.contains(&"user principal name") && tried.contains(&"display name"))
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_cli_lists_candidates_for_an_ambiguous_name_and_says_what_it_tried_for_none() {
    let home = crate::support::home::Home::new();
    let run = |args: &[&str]| home.run(args, &[]);
    for cmd in [
        vec!["--demo", "show", "Hans Becker", "--json"],
        vec!["--demo", "reset", "Hans Becker", "--yes", "--json"],
    ] {
        let o = run(&cmd);
        assert_eq!(o.status.code(), Some(1), "{cmd:?}");
        let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(doc["status"], "failed");
        assert_eq!(doc["exitCode"], 1);
        assert_eq!(doc["error"]["code"], "ambiguous-user");
        let c = doc["candidates"].as_array().unwrap();
        assert_eq!(c.len(), 2, "{doc}");
        assert!(
            c.iter()
                .all(|u| u["userPrincipalName"].is_string() && u["sourceOfAuthority"].is_string())
        );
        assert!(!doc["error"]["fix"].as_str().unwrap().is_empty());
    }
    let o = run(&["--demo", "show", "Hans Becker"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("hans.becker@eu.contoso.com") && err.contains("hans.becker2@contoso.com"),
        "{err}"
    );
    let o = run(&["--demo", "show", "adele@fabrikam.com", "--json"]);
    assert_eq!(o.status.code(), Some(0), "a guest by their home email");
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(doc["user"]["sourceOfAuthority"], "external");
    let o = run(&["--demo", "show", "nobody at all", "--json"]);
    assert_eq!(o.status.code(), Some(1));
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(doc["error"]["code"], "user-not-found");
    assert!(
        doc["error"]["message"].as_str().unwrap().contains("tried"),
        "{doc}"
    );
}

/// Microsoft's known issue 18185: on v1.0 a `$search` holding an encoded `&` is a 400
/// unless the request sends `Prefer: legacySearch=false`. The simulator enforces it, and
/// the client's search for "R&D" finds the team.
#[tokio::test]
async fn a_search_with_an_ampersand_uses_the_documented_workaround() {
    use resetdesk::graph::GraphApi;
    let env = start(Setup {
        tweak: |t| {
            add(t, serde_json::json!({"displayName": "R&D Team", "userPrincipalName": "rnd.team@contoso.com"}));
        },
        ..Setup::default()
    })
    .await;
    let (status, _, body) = env
        .raw("/users?$search=%22displayName:R%26D%22&$select=id", true)
        .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(
        body["error"]["message"],
        "Unrecognized query argument specified: ''."
    );
    let found = env.client.search_users("R&D", 10).await.unwrap();
    let upns: Vec<_> = found
        .users
        .iter()
        .filter_map(|u| u.user_principal_name.as_deref())
        .collect();
    assert!(upns.contains(&"rnd.team@contoso.com"), "{upns:?}");
    // Searches without one are unchanged.
    assert!(
        !env.client
            .search_users("adele", 10)
            .await
            .unwrap()
            .users
            .is_empty()
    );
}

/// Issue 17, goal 2: when Graph's answer for a query was complete, the console narrows it
/// as the admin types on instead of waiting for the round trip. Over many random queries
/// typed on from complete ones, the narrowed list is exactly the set the simulator (its
/// own `$search` code) returns for the longer query.
#[tokio::test]
async fn a_complete_answer_narrowed_as_the_admin_types_on_is_what_graph_returns() {
    use rand::{RngExt, SeedableRng};
    use resetdesk::graph::GraphApi;
    let env = start(Setup {
        users: 3000,
        ..Setup::default()
    })
    .await;
    let names: Vec<(String, String)> = {
        let t = env.sim.state.tenant.read().unwrap();
        t.users
            .iter()
            .map(|u| (u.display_name().to_string(), u.upn().to_string()))
            .collect()
    };
    let sorted = |ids: &mut dyn Iterator<Item = &str>| {
        let mut v: Vec<String> = ids.map(str::to_string).collect();
        v.sort();
        v
    };
    let mut rng = rand::rngs::StdRng::seed_from_u64(17);
    let (mut compared, mut narrowed_to_fewer) = (0, 0);
    while compared < 150 {
        // Text an admin types: the start of a name or UPN, then on to more of it (or
        // to a letter no one has next).
        let (name, upn) = &names[rng.random_range(0..names.len())];
        let source: Vec<char> = if rng.random_bool(0.7) { name } else { upn }
            .chars()
            .collect();
        if source.len() < 4 {
            continue;
        }
        let cut = rng.random_range(2..source.len() - 1);
        let earlier: String = source[..cut].iter().collect();
        let mut later: String = source[..rng.random_range(cut + 1..=source.len())]
            .iter()
            .collect();
        if rng.random_bool(0.15) {
            later.push(['q', 'x', ' ', '1'][rng.random_range(0..4)]);
        }
        if later.trim().len() <= earlier.trim().len() {
            continue; // a space typed: the same query
        }
        let first = env.client.search_users(&earlier, 999).await.unwrap();
        if first.count.is_none_or(|c| c as usize > first.users.len()) {
            continue; // not complete: nothing to narrow
        }
        let mut s = resetdesk::app::search::Search::default();
        s.input.set(&earlier);
        s.set_results(first.users.clone(), earlier.clone(), first.count);
        s.input.set(&later);
        s.rerank();
        assert!(s.narrowed(), "{earlier:?} → {later:?}");
        let narrowed = sorted(&mut s.rows.iter().map(|r| r.user.id.as_str()));
        let graph = env.client.search_users(&later, 999).await.unwrap();
        assert_eq!(
            narrowed,
            sorted(&mut graph.users.iter().map(|u| u.id.as_str())),
            "{earlier:?} → {later:?}: narrowed locally against the simulator's answer"
        );
        if narrowed.len() < first.users.len() {
            narrowed_to_fewer += 1;
        }
        compared += 1;
    }
    // The comparisons were not all trivial.
    assert!(narrowed_to_fewer > 50, "{narrowed_to_fewer}");
}
