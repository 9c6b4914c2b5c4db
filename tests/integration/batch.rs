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
