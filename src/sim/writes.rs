//! The simulator's write calls: the two reset paths, the long-running operation behind
//! `resetPassword`, and `revokeSignInSessions` — each enforcing who may reset whom.

use tokio::time::Instant;

use axum::body::Bytes;
use axum::http::{HeaderValue, Method, StatusCode};
use serde_json::{Value, json};

use super::authorize::{self, Decision};
use super::odata::{Ctx, Reply};
use super::server::SimState;
use super::tenant::{SimUser, Tenant};
use super::token::Claims;

/// The one password method every user has (authenticationmethod-resetpassword.md).
pub const PASSWORD_METHOD_ID: &str = "28c10230-6103-485e-b985-444c60001490";

/// A long-running `resetPassword` operation.
#[derive(Debug, Clone)]
pub struct SimOperation {
    pub user_id: String,
    pub created: Instant,
    pub created_at: String,
    /// `Some(detail)` when it will end `failed`.
    pub failure: Option<String>,
    pub applied: bool,
    /// Who asked for it, for its audit entry.
    pub claims: Claims,
}

/// Operations finish on their own, whether or not anyone polls them (a helpdesk operator
/// may not be allowed to): on each request, every operation past its delay takes effect.
fn settle_operations(t: &mut Tenant) {
    let due: Vec<(String, String, Option<String>, Claims)> = t
        .operations
        .iter()
        .filter(|(_, o)| !o.applied && o.created.elapsed() >= t.operation_delay)
        .map(|(id, o)| {
            (
                id.clone(),
                o.user_id.clone(),
                o.failure.clone(),
                o.claims.clone(),
            )
        })
        .collect();
    for (op_id, user_id, failure, claims) in due {
        if let Some(index) = t.user_index(&user_id) {
            if failure.is_none() {
                apply_reset(t, index, true, false);
            }
            audit_reset(t, &claims, index, "resetPassword", failure.as_deref());
        }
        if let Some(o) = t.operations.get_mut(&op_id) {
            o.applied = true;
        }
    }
}

/// Roles that may read another user's authentication operation
/// (https://learn.microsoft.com/graph/api/longrunningoperation-get): a Helpdesk, Password
/// or User Administrator may reset, but not read the reset's progress.
const OPERATION_READERS: &[&str] = &[
    "Global Administrator",
    "Global Reader",
    "Privileged Authentication Administrator",
    "Authentication Administrator",
];

const MASTERED: &str = "Unable to update the specified properties for on-premises mastered Directory Sync objects or objects currently undergoing migration.";
const EXTERNAL: &str = "Unable to update the specified properties for objects that have originated within an external service.";
const COMPLEXITY: &str = "The specified password does not comply with password complexity requirements. Please provide a different password.";

/// A few terms standing in for Entra's global banned-password list (which is not
/// published): common words after Entra's normalisation (0→o, 1→l, $→s, @→a).
const BANNED: &[&str] = &[
    "password", "contoso", "welcome", "letmein", "qwerty", "summer", "winter", "spring", "autumn",
    "admin",
];

fn banned(p: &str) -> bool {
    let normal: String = p
        .to_lowercase()
        .chars()
        .map(|c| match c {
            '0' => 'o',
            '1' => 'l',
            '$' => 's',
            '@' => 'a',
            c => c,
        })
        .collect();
    BANNED.iter().any(|b| normal.contains(b))
}

fn now() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

pub fn dispatch(
    sim: &SimState,
    ctx: &Ctx,
    claims: &Claims,
    method: &Method,
    segs: &[&str],
    body: &Bytes,
) -> Option<Reply> {
    let mut t = sim.tenant.write().unwrap_or_else(|e| e.into_inner());
    settle_operations(&mut t);
    let reply = match (method, segs) {
        (&Method::PATCH, ["users", key]) => update_user(&mut t, sim, ctx, claims, key, body),
        (&Method::PATCH, ["me"]) => {
            update_user(&mut t, sim, ctx, claims, &claims.oid.clone(), body)
        }
        (
            &Method::POST,
            [
                "users",
                key,
                "authentication",
                "methods",
                id,
                "resetPassword",
            ],
        ) => reset_password(&mut t, ctx, claims, key, id, body),
        (&Method::GET, ["users", key, "authentication", "operations", op]) => {
            // Authentication-method operations share the reports budget with the audit
            // log (throttling-limits, identity and access reports).
            match sim.reports.admit() {
                Err(wait) => Err(super::server::throttled(
                    ctx,
                    super::server::whole_seconds(wait),
                )),
                Ok(()) => operation(&mut t, ctx, claims, key, op),
            }
        }
        (&Method::POST, ["users", key, "authentication", "temporaryAccessPassMethods"]) => {
            super::tap::create(&mut t, ctx, claims, key, body, &sim.reports)
        }
        (&Method::POST, ["users", key, "revokeSignInSessions"]) => revoke(&mut t, ctx, claims, key),
        (&Method::POST, ["me", "revokeSignInSessions"]) => {
            revoke(&mut t, ctx, claims, &claims.oid.clone())
        }
        _ => return None,
    };
    Some(reply)
}

fn target(t: &Tenant, ctx: &Ctx, key: &str) -> Result<usize, axum::response::Response> {
    t.user_index(key).ok_or_else(|| ctx.not_found(key))
}

/// The service's decision, mapped to what Graph answers: 400 for accounts whose password
/// is not this tenant's to set, 403 for everything the caller's roles do not allow.
/// Allowed: why resetPassword's operation will fail on-premises, if it will.
fn authorize(
    t: &Tenant,
    ctx: &Ctx,
    claims: &Claims,
    index: usize,
) -> Result<Option<&'static str>, axum::response::Response> {
    match authorize::decide(t, &claims.oid, index) {
        Decision::Allowed { hybrid_failure } => Ok(hybrid_failure),
        Decision::Denied => Err(ctx.denied()),
        Decision::NotThisTenants => Err(ctx.bad_request(EXTERNAL)),
    }
}

fn check_password(
    ctx: &Ctx,
    t: &Tenant,
    index: usize,
    pw: &str,
) -> Result<(), axum::response::Response> {
    let u = &t.users[index];
    let (given, surname) = (u.text("givenName"), u.text("surname"));
    let alias = u.upn().split('@').next();
    let names: Vec<&str> = [given.as_deref(), surname.as_deref(), alias]
        .into_iter()
        .flatten()
        .collect();
    if !meets_policy(pw, &names) || banned(pw) {
        return Err(ctx.bad_request(COMPLEXITY));
    }
    Ok(())
}

/// The service's own reading of the cloud password policy (concept-sspr-policy.md):
/// 8–256 characters, letters, digits and the listed symbols only, three of the four
/// classes, not containing the user's names. Independent of the client's pre-check.
fn meets_policy(pw: &str, names: &[&str]) -> bool {
    const SYMBOLS: &str = "@#$%^&*-_!+=[]{}|\\:',.?/`~\"();<> ";
    let len = pw.chars().count();
    let allowed = pw
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || SYMBOLS.contains(c));
    let classes = [
        pw.chars().any(|c| c.is_ascii_lowercase()),
        pw.chars().any(|c| c.is_ascii_uppercase()),
        pw.chars().any(|c| c.is_ascii_digit()),
        pw.chars().any(|c| SYMBOLS.contains(c)),
    ]
    .iter()
    .filter(|b| **b)
    .count();
    let lower = pw.to_lowercase();
    let has_name = names
        .iter()
        .map(|n| n.trim().to_lowercase())
        .any(|n| n.chars().count() >= 4 && lower.contains(&n));
    (8..=256).contains(&len) && allowed && classes >= 3 && !has_name
}

/// A system-generated password as the service hands one out for cloud users when none
/// is sent (the docs' sample looks like "Cuyo5459"): letters then digits.
fn service_password() -> String {
    use rand::RngExt;
    let mut rng = rand::rng();
    let upper = b"ABCDEFGHJKLMNPQRSTUVWXYZ";
    let lower = b"abcdefghijkmnopqrstuvwxyz";
    let mut s = String::new();
    s.push(upper[rng.random_range(0..upper.len())] as char);
    for _ in 0..3 {
        s.push(lower[rng.random_range(0..lower.len())] as char);
    }
    for _ in 0..4 {
        s.push(char::from(b'0' + rng.random_range(0..10u8)));
    }
    s
}

fn apply_reset(t: &mut Tenant, index: usize, force: bool, force_mfa: bool) {
    let u = t.user_mut(index);
    u.insert("lastPasswordChangeDateTime", json!(now()));
    u.insert(
        "passwordProfile",
        json!({"password": null, "forceChangePasswordNextSignIn": force, "forceChangePasswordNextSignInWithMfa": force_mfa}),
    );
}

fn update_user(
    t: &mut Tenant,
    sim: &SimState,
    ctx: &Ctx,
    claims: &Claims,
    key: &str,
    body: &Bytes,
) -> Reply {
    let body: Value = serde_json::from_slice(body)
        .map_err(|_| ctx.bad_request("Invalid JSON in the request body."))?;
    let Some(obj) = body.as_object() else {
        return Err(ctx.bad_request("The request body must be a JSON object."));
    };
    if let Some(other) = obj.keys().find(|k| k.as_str() != "passwordProfile") {
        return Err(ctx.bad_request(&format!(
            "The resetdesk simulator updates only passwordProfile, not '{other}'."
        )));
    }
    let Some(profile) = obj.get("passwordProfile").and_then(Value::as_object) else {
        return Err(ctx.bad_request("Empty update."));
    };
    if !claims.has_scope(&[
        "User-PasswordProfile.ReadWrite.All",
        "User.ReadWrite.All",
        "Directory.ReadWrite.All",
        "Directory.AccessAsUser.All",
    ]) {
        return Err(ctx.denied());
    }
    let index = target(t, ctx, key)?;
    authorize(t, ctx, claims, index)?;
    // passwordProfile does not write back: synced users are refused (observed 400).
    if t.users[index].is("onPremisesSyncEnabled") {
        return Err(ctx.bad_request(MASTERED));
    }
    let flag = |k: &str| profile.get(k).and_then(Value::as_bool).unwrap_or(false);
    let (force, force_mfa) = (
        flag("forceChangePasswordNextSignIn"),
        flag("forceChangePasswordNextSignInWithMfa"),
    );
    match profile.get("password") {
        // Only the flags (passwordprofile.md: the password is required when a user is
        // created; an update may leave it out): the password stays as it is.
        None | Some(Value::Null) => {
            if !profile.contains_key("forceChangePasswordNextSignIn")
                && !profile.contains_key("forceChangePasswordNextSignInWithMfa")
            {
                return Err(ctx.bad_request("Empty passwordProfile update."));
            }
            // The reported trap: 204, and nothing changes.
            if !sim.faults.ignore_this_change_only(&ctx.path) {
                t.user_mut(index).insert(
                    "passwordProfile",
                    json!({"password": null, "forceChangePasswordNextSignIn": force || force_mfa, "forceChangePasswordNextSignInWithMfa": force_mfa}),
                );
                let actor = actor(t, claims);
                let entry = audit_entry(
                    &actor,
                    "Core Directory",
                    "Set force change user password",
                    &t.users[index],
                    None,
                    &[],
                );
                t.record_audit(entry);
            }
        }
        Some(pw) => {
            check_password(ctx, t, index, pw.as_str().unwrap_or_default())?;
            apply_reset(t, index, force, force_mfa);
            audit_reset(t, claims, index, "passwordProfile", None);
        }
    }
    let mut r = ctx.json(StatusCode::NO_CONTENT, Value::Null);
    *r.body_mut() = axum::body::Body::empty();
    r.headers_mut().remove("content-type");
    Ok(r)
}

fn reset_password(
    t: &mut Tenant,
    ctx: &Ctx,
    claims: &Claims,
    key: &str,
    method_id: &str,
    body: &Bytes,
) -> Reply {
    // Delegated only: "Application: Not supported" (authenticationmethod-resetpassword.md).
    if claims.is_app() || !claims.has_scope(&["UserAuthenticationMethod.ReadWrite.All"]) {
        return Err(ctx.denied());
    }
    let index = target(t, ctx, key)?;
    if method_id != PASSWORD_METHOD_ID {
        return Err(ctx.not_found(method_id));
    }
    if t.users[index].id == claims.oid {
        return Err(ctx.bad_request(
            "This operation can't be performed on the signed-in user's own account.",
        ));
    }
    let hybrid_failure = authorize(t, ctx, claims, index)?;
    let body: Value = if body.is_empty() {
        json!({})
    } else {
        serde_json::from_slice(body)
            .map_err(|_| ctx.bad_request("Invalid JSON in the request body."))?
    };
    let new_password = body
        .get("newPassword")
        .and_then(Value::as_str)
        .map(str::to_string);
    let synced = t.users[index].is("onPremisesSyncEnabled");
    let generated = match &new_password {
        Some(pw) => {
            check_password(ctx, t, index, pw)?;
            None
        }
        None if synced => {
            return Err(
                ctx.bad_request("newPassword is required for users in hybrid password scenarios.")
            );
        }
        // The service generates one for cloud-only users (docs' sample: "Cuyo5459").
        None => Some(service_password()),
    };
    let failure = hybrid_failure.map(str::to_string).or_else(|| {
        synced
            .then(|| t.users[index].writeback_failure.clone())
            .flatten()
    });
    let op_id = uuid::Uuid::new_v4().to_string();
    let user_id = t.users[index].id.clone();
    t.operations.insert(
        op_id.clone(),
        SimOperation {
            user_id: user_id.clone(),
            created: Instant::now(),
            created_at: now(),
            failure,
            applied: false,
            claims: claims.clone(),
        },
    );
    let location = format!(
        "{}/users/{user_id}/authentication/operations/{op_id}?aadgdc=SIM01&aadgsu=ssprprod-a",
        ctx.base
    );
    let mut r = match generated {
        Some(pw) => ctx.json(
            StatusCode::ACCEPTED,
            json!({"@odata.context": ctx.context("microsoft.graph.passwordResetResponse"), "newPassword": pw}),
        ),
        None => {
            let mut r = ctx.json(StatusCode::ACCEPTED, Value::Null);
            *r.body_mut() = axum::body::Body::empty();
            r.headers_mut().remove("content-type");
            r
        }
    };
    if let Ok(v) = HeaderValue::from_str(&location) {
        r.headers_mut().insert("location", v);
    }
    r.headers_mut()
        .insert("retry-after", HeaderValue::from_static("1"));
    Ok(r)
}

fn operation(t: &mut Tenant, ctx: &Ctx, claims: &Claims, key: &str, op_id: &str) -> Reply {
    if !claims.has_scope(&[
        "UserAuthenticationMethod.Read.All",
        "UserAuthenticationMethod.ReadWrite.All",
    ]) {
        return Err(ctx.denied());
    }
    let index = target(t, ctx, key)?;
    let user_id = t.users[index].id.clone();
    if user_id != claims.oid && !t.has_tenant_role(&claims.oid, OPERATION_READERS) {
        return Err(ctx.denied());
    }
    let Some(op) = t
        .operations
        .get(op_id)
        .filter(|o| o.user_id == user_id)
        .cloned()
    else {
        return Err(ctx.not_found(op_id));
    };
    // notStarted for the first quarter of the delay, then running, then the outcome.
    let elapsed = op.created.elapsed();
    let done = elapsed >= t.operation_delay;
    let status = match (&op.failure, done) {
        (_, false) if elapsed < t.operation_delay / 4 => "notStarted",
        (_, false) => "running",
        (None, true) => "succeeded",
        (Some(_), true) => "failed",
    };
    let mut r = ctx.json(
        StatusCode::OK,
        json!({
            "@odata.context": ctx.context(&format!("users('{user_id}')/authentication/operations/$entity")),
            "id": op_id,
            "createdDateTime": op.created_at,
            "lastActionDateTime": now(),
            "resourceLocation": null,
            "status": status,
            "statusDetail": if done { op.failure.clone() } else { None },
        }),
    );
    if !done {
        r.headers_mut()
            .insert("retry-after", HeaderValue::from_static("1"));
    }
    Ok(r)
}

fn revoke(t: &mut Tenant, ctx: &Ctx, claims: &Claims, key: &str) -> Reply {
    if !claims.has_scope(&[
        "User.RevokeSessions.All",
        "User.ReadWrite.All",
        "Directory.ReadWrite.All",
    ]) {
        return Err(ctx.denied());
    }
    let index = target(t, ctx, key)?;
    // The roles that reset a password also invalidate refresh tokens (the same matrix).
    if t.users[index].id != claims.oid {
        authorize(t, ctx, claims, index)?;
    }
    t.user_mut(index)
        .insert("signInSessionsValidFromDateTime", json!(now()));
    let actor = actor(t, claims);
    let e = audit_entry(
        &actor,
        "Core Directory",
        "Update StsRefreshTokenValidFrom Timestamp",
        &t.users[index],
        None,
        &[],
    );
    t.record_audit(e);
    // Documented known issue: 200 with a Boolean body where 204 was intended.
    ctx.ok(json!({"@odata.context": ctx.context("Edm.Boolean"), "value": true}))
}

/// `initiatedBy` for the caller: a user, or an app (directoryaudit.md, initiatedBy:
/// auditActivityInitiator with `user` or `app`).
pub(super) fn actor(t: &Tenant, claims: &Claims) -> Value {
    if claims.is_app() {
        return json!({"user": null,
            "app": {"appId": claims.appid, "displayName": claims.name,
                    "servicePrincipalId": claims.oid, "servicePrincipalName": claims.name}});
    }
    let upn = t
        .user_by_key(&claims.oid)
        .map(|u| u.upn())
        .unwrap_or(&claims.upn)
        .to_string();
    json!({"user": {"id": claims.oid, "displayName": claims.name, "userPrincipalName": upn,
                    "ipAddress": "203.0.113.24", "userType": "Member", "homeTenantId": claims.tid,
                    "homeTenantName": null},
           "app": null})
}

/// A directoryAudit entry in the documented shape (directoryaudit resource). Every
/// password activity is category UserManagement, operation Update.
pub fn audit_entry(
    initiated_by: &Value,
    service: &str,
    activity: &str,
    target: &SimUser,
    failure: Option<&str>,
    details: &[(&str, &str)],
) -> Value {
    let additional: Vec<Value> = details
        .iter()
        .map(|(k, v)| json!({"key": k, "value": v}))
        .collect();
    json!({
        "id": format!("Directory_{}_{}", uuid::Uuid::new_v4().simple(), rand::random::<u32>()),
        "category": "UserManagement",
        "correlationId": uuid::Uuid::new_v4().to_string(),
        "result": if failure.is_some() { "failure" } else { "success" },
        "resultReason": failure.unwrap_or(""),
        "activityDisplayName": activity,
        "activityDateTime": now(),
        "loggedByService": service,
        "operationType": "Update",
        "initiatedBy": initiated_by,
        "targetResources": [{
            "id": target.id,
            "displayName": target.display_name(),
            "type": "User",
            "userPrincipalName": target.upn(),
            "groupType": null,
            "modifiedProperties": []
        }],
        "additionalDetails": additional,
    })
}

/// What a real tenant logs for an admin reset: Core Directory's "Reset user password",
/// plus the password-management service's "Reset password (by admin)" with the on-premises
/// agent that wrote it back (research/graph-api.md §6).
fn audit_reset(t: &mut Tenant, claims: &Claims, index: usize, path: &str, failure: Option<&str>) {
    let actor = actor(t, claims);
    let agent = if path == "resetPassword" {
        "Microsoft Entra Connect"
    } else {
        "None"
    };
    let u = &t.users[index];
    let core = audit_entry(
        &actor,
        "Core Directory",
        "Reset user password",
        u,
        failure,
        &[],
    );
    let sspm = audit_entry(
        &actor,
        "Self-service Password Management",
        "Reset password (by admin)",
        u,
        failure,
        &[("OnPremisesAgent", agent)],
    );
    t.record_audit(core);
    t.record_audit(sspm);
}
