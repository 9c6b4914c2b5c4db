//! The Graph v1.0 routes the simulator serves, each following the documented contract
//! (research/graph-api.md), including its errors.
//!
//! This file is the router (`dispatch`) and what every route shares: scope checks,
//! `@odata.context` and `$filter` validation. The routes are grouped by Graph resource.

mod administrative_units;
mod authentication;
mod directory_objects;
mod organization;
mod roles;
mod users;

use axum::body::Bytes;
use axum::http::{Method, StatusCode};
use percent_encoding::percent_decode_str;
use serde_json::{Map, Value, json};

use super::filter::{self, Filter};
use super::odata::{Ctx, Reply};
use super::server::SimState;
use super::token::Claims;
use administrative_units::administrative_units;
use organization::{SYNC_READER_ROLES, domain, on_premises_sync, organization};
use roles::role_management;
use users::{user_get, user_sub, users_list};

pub fn dispatch(
    sim: &SimState,
    ctx: &Ctx,
    claims: &Claims,
    method: &Method,
    body: &Bytes,
) -> Reply {
    let owned: Vec<String> = ctx
        .path
        .split('/')
        .filter(|s| !s.is_empty())
        .map(|s| percent_decode_str(s).decode_utf8_lossy().into_owned())
        // `graph` is the alias of the `microsoft.graph` namespace in Graph's $metadata
        // (`<Schema Namespace="microsoft.graph" Alias="graph">`): Microsoft's SDKs cast
        // with `graph.group`, as valid as `microsoft.graph.group`.
        .map(|s| match s.strip_prefix("graph.") {
            Some(rest) => format!("microsoft.graph.{rest}"),
            None => s,
        })
        .collect();
    let segs: Vec<&str> = owned.iter().map(String::as_str).collect();
    // A cloud whose schema lacks a navigation answers as Graph answers any unknown
    // segment (`sim --cloud china`: no resetPassword, no operations).
    if let Some(seg) = segs
        .windows(2)
        .find(|w| w[0] == "authentication")
        .map(|w| w[1])
        .filter(|s| sim.cloud.missing_authentication_segments().contains(s))
    {
        return Err(ctx.bad_request(&format!("Resource not found for the segment '{seg}'.")));
    }
    // `/me` is the signed-in user: an app-only token has none (user-get.md: "Calling the
    // /me endpoint requires a signed-in user and therefore a delegated permission").
    if claims.is_app() && segs.first() == Some(&"me") {
        return Err(
            ctx.bad_request("/me request is only valid with delegated authentication flow.")
        );
    }
    if let Some(reply) = super::writes::dispatch(sim, ctx, claims, method, &segs, body) {
        return reply;
    }
    let t = sim.tenant.read().unwrap_or_else(|e| e.into_inner());
    if method != Method::GET {
        return Err(ctx.error(
            StatusCode::METHOD_NOT_ALLOWED,
            "Request_BadRequest",
            "Specified HTTP method is not allowed for the request target.",
        ));
    }
    match segs.as_slice() {
        ["me", "authentication", "methods"] => {
            authentication::methods(ctx, &t, claims, &sim.reports, &claims.oid)
        }
        ["users", key, "authentication", "methods"] => {
            authentication::methods(ctx, &t, claims, &sim.reports, key)
        }
        ["auditLogs", "signIns"] => authentication::sign_ins(ctx, &t, claims, &sim.reports),
        [
            "reports",
            "authenticationMethods",
            "userRegistrationDetails",
            key,
        ] => authentication::registration(ctx, &t, claims, &sim.reports, key),
        [
            "policies",
            "authenticationMethodsPolicy",
            "authenticationMethodConfigurations",
            id,
        ] => authentication::tap_policy(ctx, &t, claims, id),
        ["me"] => user_get(ctx, &t, claims, &claims.oid),
        ["me", rest @ ..] => user_sub(ctx, &t, claims, &claims.oid, rest),
        ["users"] => users_list(ctx, &t, claims),
        [first, rest @ ..] if first.starts_with("users(") => {
            let key = first
                .strip_prefix("users('")
                .and_then(|k| k.strip_suffix("')"))
                .map(|k| k.replace("''", "'"))
                .ok_or_else(|| ctx.bad_request("Invalid key syntax in users(...)"))?;
            match rest {
                [] => user_get(ctx, &t, claims, &key),
                _ => user_sub(ctx, &t, claims, &key, rest),
            }
        }
        ["users", key] => user_get(ctx, &t, claims, key),
        ["users", key, rest @ ..] => user_sub(ctx, &t, claims, key, rest),
        ["roleManagement", "directory", rest @ ..] => role_management(ctx, &t, claims, rest),
        ["directory", "administrativeUnits", rest @ ..] => {
            administrative_units(ctx, &t, claims, rest)
        }
        ["auditLogs", "directoryAudits"] => super::audit::list(ctx, &t, claims, &sim.reports),
        ["directory", "onPremisesSynchronization"] => {
            if !t.has_tenant_role(&claims.oid, SYNC_READER_ROLES) {
                return Err(ctx.denied());
            }
            let items: Vec<Value> = t.on_premises_sync.iter().map(on_premises_sync).collect();
            ctx.page("directory/onPremisesSynchronization", items, |v| v)
        }
        ["organization"] => ctx.page("organization", vec![organization(&t)], |v| v),
        ["organization", id] => {
            let org = organization(&t);
            if org["id"].as_str() != Some(*id) {
                return Err(ctx.not_found(id));
            }
            ctx.ok(with_context(org, ctx.context("organization/$entity")))
        }
        ["domains"] => ctx.page("domains", t.domains.iter().map(domain).collect(), |v| v),
        ["domains", id] => match t.domains.iter().find(|d| {
            d.get("id")
                .and_then(Value::as_str)
                .is_some_and(|d| d.eq_ignore_ascii_case(id))
        }) {
            Some(d) => ctx.ok(with_context(domain(d), ctx.context("domains/$entity"))),
            None => Err(ctx.not_found(id)),
        },
        [first, ..] => {
            Err(ctx.bad_request(&format!("Resource not found for the segment '{first}'.")))
        }
        [] => Err(ctx.bad_request("Resource not found for the segment ''.")),
    }
}

fn require(ctx: &Ctx, claims: &Claims, scopes: &[&str]) -> Result<(), axum::response::Response> {
    if claims.has_scope(scopes) {
        Ok(())
    } else {
        Err(ctx.denied())
    }
}

fn with_context(mut v: Value, context: String) -> Value {
    if let Value::Object(m) = &mut v {
        let mut out = Map::new();
        out.insert("@odata.context".into(), json!(context));
        out.extend(std::mem::take(m));
        *m = out;
    }
    v
}

fn parse_filter(
    ctx: &Ctx,
    allowed: &[&str],
    resource: &str,
) -> Result<Option<Filter>, axum::response::Response> {
    let Some(raw) = ctx.param("$filter") else {
        return Ok(None);
    };
    let f =
        filter::parse(raw).map_err(|e| ctx.bad_request(&format!("Invalid filter clause: {e}")))?;
    for p in f.paths() {
        if !allowed.iter().any(|a| a.eq_ignore_ascii_case(p)) {
            return Err(ctx.unsupported(&format!(
                "Unsupported or invalid query filter clause specified for property '{p}' of resource '{resource}'."
            )));
        }
    }
    Ok(Some(f))
}
