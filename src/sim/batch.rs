//! `POST /$batch`, JSON batching as Microsoft documents it (concepts/json-batching.md):
//! at most 20 requests, each with a unique id (not case-sensitive), a method and a URL
//! relative to the version; `headers` must hold `Content-Type` when there is a `body`;
//! `dependsOn` orders requests and a request whose dependency failed answers 424; the
//! batch is 400 only when it is malformed, otherwise 200 with one response per request —
//! in any order, each with its own status, headers and body. "Requests in a batch are
//! evaluated individually against the applicable throttling limits": each item may be
//! throttled (429 with its own `Retry-After`) by the fault plan or the write quota.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::http::{Method, StatusCode};
use axum::response::Response;
use rand::seq::SliceRandom;
use serde_json::{Map, Value, json};

use super::faults::Fault;
use super::odata::Ctx;
use super::server::SimState;
use super::token::Claims;

pub const MAX_REQUESTS: usize = 20;

struct Item {
    id: String,
    method: Method,
    url: String,
    headers: Map<String, Value>,
    body: Option<Value>,
    depends_on: Vec<String>,
}

fn malformed(ctx: &Ctx, message: &str) -> Response {
    ctx.error(StatusCode::BAD_REQUEST, "BadRequest", message)
}

fn parse(ctx: &Ctx, body: &Bytes) -> Result<Vec<Item>, Response> {
    let doc: Value = serde_json::from_slice(body)
        .map_err(|_| malformed(ctx, "Invalid batch payload format."))?;
    let Some(list) = doc.get("requests").and_then(Value::as_array) else {
        return Err(malformed(
            ctx,
            "Invalid batch payload format: 'requests' is required.",
        ));
    };
    if list.is_empty() {
        return Err(malformed(ctx, "Invalid batch payload format: no requests."));
    }
    if list.len() > MAX_REQUESTS {
        return Err(malformed(
            ctx,
            &format!("The batch request exceeds the maximum of {MAX_REQUESTS} requests."),
        ));
    }
    let mut items = Vec::new();
    for r in list {
        let text = |k: &str| r.get(k).and_then(Value::as_str).map(str::to_string);
        let (Some(id), Some(method), Some(url)) = (text("id"), text("method"), text("url")) else {
            return Err(malformed(
                ctx,
                "Every batch request needs an id, a method and a url.",
            ));
        };
        let method = Method::from_bytes(method.to_ascii_uppercase().as_bytes())
            .map_err(|_| malformed(ctx, &format!("Unknown method '{method}'.")))?;
        let headers = r
            .get("headers")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        let body = r.get("body").cloned();
        if body.is_some()
            && !headers
                .keys()
                .any(|k| k.eq_ignore_ascii_case("content-type"))
        {
            return Err(malformed(
                ctx,
                &format!("Request '{id}' has a body but no Content-Type header."),
            ));
        }
        let depends_on = r
            .get("dependsOn")
            .and_then(Value::as_array)
            .map(|d| {
                d.iter()
                    .filter_map(|x| x.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        items.push(Item {
            id,
            method,
            url,
            headers,
            body,
            depends_on,
        });
    }
    let mut seen = std::collections::HashSet::new();
    for i in &items {
        if !seen.insert(i.id.to_lowercase()) {
            return Err(malformed(
                ctx,
                &format!("Duplicate request id '{}' in the batch.", i.id),
            ));
        }
    }
    for i in &items {
        if let Some(d) = i
            .depends_on
            .iter()
            .find(|d| !seen.contains(&d.to_lowercase()))
        {
            return Err(malformed(
                ctx,
                &format!(
                    "Request '{}' depends on '{d}', which is not in the batch.",
                    i.id
                ),
            ));
        }
    }
    Ok(items)
}

/// Requests in an order that honours `dependsOn`; independent ones shuffled, as Graph
/// "processes requests in the batch in the most efficient order". A cycle is malformed.
fn order(ctx: &Ctx, items: Vec<Item>) -> Result<Vec<Item>, Response> {
    let mut pending = items;
    pending.shuffle(&mut rand::rng());
    let mut done: Vec<String> = Vec::new();
    let mut out = Vec::new();
    while !pending.is_empty() {
        let Some(pos) = pending.iter().position(|i| {
            i.depends_on
                .iter()
                .all(|d| done.contains(&d.to_lowercase()))
        }) else {
            return Err(malformed(
                ctx,
                "The dependsOn of the batch requests form a cycle.",
            ));
        };
        let i = pending.remove(pos);
        done.push(i.id.to_lowercase());
        out.push(i);
    }
    Ok(out)
}

pub async fn run(sim: &SimState, ctx: &Ctx, claims: &Claims, body: &Bytes) -> Response {
    let items = match parse(ctx, body).and_then(|items| order(ctx, items)) {
        Ok(i) => i,
        Err(r) => return r,
    };
    let mut statuses: HashMap<String, u16> = HashMap::new();
    let mut responses = Vec::new();
    for item in items {
        let failed_dependency = item
            .depends_on
            .iter()
            .any(|d| statuses.get(&d.to_lowercase()).is_none_or(|s| *s >= 400));
        let (status, headers, body) = if failed_dependency {
            item_error(
                ctx,
                424,
                "FailedDependency",
                "A request this request depends on failed.",
            )
        } else {
            answer(sim, ctx, claims, &item).await
        };
        statuses.insert(item.id.to_lowercase(), status);
        let mut r = json!({"id": item.id, "status": status, "headers": headers});
        if !body.is_null() {
            r["body"] = body;
        }
        responses.push(r);
    }
    responses.shuffle(&mut rand::rng());
    ctx.json(StatusCode::OK, json!({"responses": responses}))
}

fn item_error(ctx: &Ctx, status: u16, code: &str, message: &str) -> (u16, Value, Value) {
    let body = json!({"error": {"code": code, "message": message, "innerError": {
        "date": time::OffsetDateTime::now_utc().unix_timestamp(),
        "request-id": uuid::Uuid::new_v4().to_string(),
        "client-request-id": ctx.client_request_id.clone().unwrap_or_else(|| ctx.request_id.clone()),
    }}});
    (status, json!({"Content-Type": "application/json"}), body)
}

fn throttled(ctx: &Ctx, retry_after: f64, why: &str) -> (u16, Value, Value) {
    let (_, mut headers, body) =
        item_error(ctx, 429, "TooManyRequests", "Please retry again later.");
    headers["Retry-After"] = json!(format!("{}", retry_after.ceil().max(1.0) as u64));
    headers["x-ms-throttle-information"] = json!(why);
    (429, headers, body)
}

/// One request of the batch, answered by the same routes a lone request reaches.
async fn answer(sim: &SimState, ctx: &Ctx, claims: &Claims, item: &Item) -> (u16, Value, Value) {
    if item.url.starts_with("http://") || item.url.starts_with("https://") {
        return item_error(
            ctx,
            400,
            "BadRequest",
            "Batch request URLs are relative to the version, e.g. /users.",
        );
    }
    // Inside a batch only throttling is per item (json-batching: each item may be a
    // 429 of its own); the other faults strike the whole batch at its entry.
    if let Fault::Throttle(ra) = sim.faults.roll(item.method.as_str(), &item.url) {
        return throttled(ctx, ra, "ResourceUnitLimitExceeded");
    }
    if item.method != Method::GET
        && let Err(wait) = sim.write_limit.admit()
    {
        return throttled(
            ctx,
            super::server::whole_seconds(wait),
            "WriteLimitExceeded",
        );
    }
    let relative = format!("/{}", item.url.trim_start_matches('/'));
    let (path, query) = match relative.split_once('?') {
        Some((p, q)) => (p.to_string(), q.to_string()),
        None => (relative.clone(), String::new()),
    };
    let header = |name: &str| {
        item.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .and_then(|(_, v)| v.as_str())
    };
    let ictx = Ctx {
        request_id: uuid::Uuid::new_v4().to_string(),
        client_request_id: ctx.client_request_id.clone(),
        eventual: header("ConsistencyLevel").is_some_and(|v| v.eq_ignore_ascii_case("eventual")),
        new_search: header("Prefer").is_some_and(|v| {
            v.split(',')
                .any(|p| p.trim().eq_ignore_ascii_case("legacySearch=false"))
        }),
        query: url::form_urlencoded::parse(query.as_bytes())
            .into_owned()
            .collect(),
        base: ctx.base.clone(),
        path: path.clone(),
    };
    let body = item
        .body
        .as_ref()
        .map(|b| {
            let raw = b.to_string().into_bytes();
            Bytes::from(super::odata::without_annotations(&raw).unwrap_or(raw))
        })
        .unwrap_or_default();
    let resp =
        super::routes::dispatch(sim, &ictx, claims, &item.method, &body).unwrap_or_else(|e| e);
    let status = resp.status().as_u16();
    if item.method != Method::GET {
        sim.note_write(item.method.as_str(), &path, status);
    }
    let mut headers = Map::new();
    for (k, v) in resp.headers() {
        if matches!(k.as_str(), "location" | "retry-after" | "content-type")
            && let Ok(v) = v.to_str()
        {
            let name = match k.as_str() {
                "location" => "Location",
                "retry-after" => "Retry-After",
                _ => "Content-Type",
            };
            headers.insert(name.into(), json!(v));
        }
    }
    let bytes = axum::body::to_bytes(resp.into_body(), 1 << 22)
        .await
        .unwrap_or_default();
    let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    (status, Value::Object(headers), body)
}
