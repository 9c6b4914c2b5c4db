//! `POST /users/{id}/authentication/temporaryAccessPassMethods`: the simulator's own
//! reading of who may create a pass for whom and what the tenant's pass policy allows
//! (authentication-post-temporaryaccesspassmethods.md,
//! howto-authentication-temporary-access-pass.md). It shares no code with the client's
//! `policy::tap`: the client is checked against it.

use axum::body::Bytes;
use axum::http::StatusCode;
use rand::RngExt;
use serde_json::{Value, json};

use super::audit::ReportLimit;
use super::odata::{Ctx, Reply};
use super::tenant::Tenant;
use super::token::Claims;
use super::writes::{actor, audit_entry};

const PRIVILEGED_AUTH_ADMIN: &str = "Privileged Authentication Administrator";
const AUTH_ADMIN: &str = "Authentication Administrator";
const GLOBAL_ADMIN: &str = "Global Administrator";
/// The pass's characters: no look-alikes.
const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789@#$%&*+=";
const NOT_ALLOWED: &str = "Converged UserCredentialPolicy does not allow creating or updating this authentication method. AuthMethodType [TemporaryAccessPass].";

fn bad(ctx: &Ctx, message: &str) -> axum::response::Response {
    ctx.error(StatusCode::BAD_REQUEST, "badRequest", message)
}

/// Does the caller hold a role that covers this target? Privileged Authentication and
/// Global Administrators: anyone. Authentication Administrators: the users their column
/// of the sensitive-actions table covers, tenant-wide or within their unit.
fn may_create(t: &Tenant, caller: &str, target_index: usize) -> bool {
    let target = &t.users[target_index];
    if target.id == caller {
        return false; // "(except themselves)"
    }
    // A restricted-management unit's members are managed from that unit's scope only
    // (admin-units-restricted-management.md), Global Administrators included.
    let restricted: Vec<&str> = t
        .aus_of(&target.id)
        .filter(|u| u.restricted)
        .map(|u| u.id.as_str())
        .collect();
    let in_rmau = !restricted.is_empty() || target.is("isManagementRestricted");
    t.active_roles_of(caller).iter().any(|a| {
        let Some(def) = t.roles.by_id(&a.role_definition_id) else {
            return false;
        };
        let unit = a.directory_scope_id.strip_prefix("/administrativeUnits/");
        if in_rmau {
            return unit.is_some_and(|u| restricted.contains(&u))
                && [AUTH_ADMIN, PRIVILEGED_AUTH_ADMIN].contains(&def.display_name.as_str())
                && super::authorize::column_covers(t, &def.template_id, target_index);
        }
        let in_scope = unit.is_none_or(|u| {
            t.aus
                .iter()
                .any(|x| x.id == u && x.members.contains(&target.id))
        });
        match def.display_name.as_str() {
            PRIVILEGED_AUTH_ADMIN | GLOBAL_ADMIN => unit.is_none(),
            AUTH_ADMIN => {
                in_scope && super::authorize::column_covers(t, &def.template_id, target_index)
            }
            _ => false,
        }
    })
}

fn external_guest(props: &serde_json::Map<String, Value>) -> bool {
    props.get("userType").and_then(Value::as_str) == Some("Guest")
        && (props.get("externalUserState").and_then(Value::as_str) == Some("PendingAcceptance")
            || props
                .get("identities")
                .and_then(Value::as_array)
                .is_some_and(|ids| {
                    ids.iter().any(|i| {
                        let issuer = i.get("issuer").and_then(Value::as_str).unwrap_or_default();
                        !issuer.ends_with(".onmicrosoft.com") && !issuer.contains("contoso")
                    })
                }))
}

fn u32_of(p: &serde_json::Map<String, Value>, k: &str) -> Option<u32> {
    p.get(k).and_then(Value::as_u64).map(|n| n as u32)
}

pub fn create(
    t: &mut Tenant,
    ctx: &Ctx,
    claims: &Claims,
    key: &str,
    body: &Bytes,
    limit: &ReportLimit,
) -> Reply {
    if !claims.has_scope(&[
        "UserAuthenticationMethod.ReadWrite.All",
        "UserAuthMethod-TAP.ReadWrite.All",
    ]) {
        return Err(ctx.denied());
    }
    let index = t.user_index(key).ok_or_else(|| ctx.not_found(key))?;
    if !claims.is_app() && !may_create(t, &claims.oid, index) {
        return Err(ctx.denied());
    }
    if let Err(wait) = limit.admit() {
        return Err(super::server::throttled(
            ctx,
            super::server::whole_seconds(wait),
        ));
    }
    let req: serde_json::Map<String, Value> = if body.is_empty() {
        serde_json::Map::new()
    } else {
        match serde_json::from_slice::<Value>(body) {
            Ok(Value::Object(m)) => m,
            _ => return Err(ctx.bad_request("Invalid JSON in the request body.")),
        }
    };
    for k in req.keys().filter(|k| !k.starts_with('@')) {
        if !["startDateTime", "lifetimeInMinutes", "isUsableOnce"].contains(&k.as_str()) {
            return Err(ctx.bad_request(&format!(
                "Invalid property '{k}' for type 'microsoft.graph.temporaryAccessPassAuthenticationMethod'."
            )));
        }
    }
    if external_guest(&t.users[index].props()) {
        return Err(bad(
            ctx,
            "Temporary Access Pass cannot be added to an external guest user.",
        ));
    }
    let policy = t.tap_policy.clone();
    let enabled = policy.get("state").and_then(Value::as_str) == Some("enabled");
    let group_ids: Vec<String> = t
        .groups_of(&t.users[index].id)
        .map(|g| g.id.clone())
        .collect();
    let target_ids = |k: &str| -> Vec<String> {
        policy
            .get(k)
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.get("id").and_then(Value::as_str).map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    };
    // "Although you can create a TAP for any user, only users included in the policy can
    // sign-in with it" (howto-authentication-temporary-access-pass.md): outside the
    // included targets the pass is created, unusable (`DisabledByPolicy`).
    let user_id = t.users[index].id.clone();
    let names = |k: &str| {
        target_ids(k)
            .iter()
            .any(|i| i == "all_users" || *i == user_id || group_ids.contains(i))
    };
    let in_policy = names("includeTargets") && !names("excludeTargets");
    if !enabled {
        return Err(bad(ctx, NOT_ALLOWED));
    }
    let (lo, hi) = (
        u32_of(&policy, "minimumLifetimeInMinutes").unwrap_or(60),
        u32_of(&policy, "maximumLifetimeInMinutes").unwrap_or(480),
    );
    let lifetime = match req.get("lifetimeInMinutes") {
        None | Some(Value::Null) => u32_of(&policy, "defaultLifetimeInMinutes").unwrap_or(lo),
        Some(v) => match v.as_u64() {
            Some(n) if (lo as u64..=hi as u64).contains(&n) => n as u32,
            _ => {
                return Err(bad(
                    ctx,
                    &format!(
                        "Invalid LifetimeInMinutes specified. The valid range between {lo} and {hi}."
                    ),
                ));
            }
        },
    };
    let policy_once = policy.get("isUsableOnce").and_then(Value::as_bool) == Some(true);
    let once = match req.get("isUsableOnce") {
        None | Some(Value::Null) => policy_once,
        Some(Value::Bool(b)) => *b,
        Some(_) => return Err(ctx.bad_request("isUsableOnce must be a Boolean.")),
    };
    if policy_once && !once {
        return Err(bad(
            ctx,
            "Multi-use Temporary Access Pass is not allowed by the authentication method policy.",
        ));
    }
    let now = time::OffsetDateTime::now_utc();
    let start = match req.get("startDateTime").and_then(Value::as_str) {
        None => now,
        Some(s) => time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
            .map_err(|_| ctx.bad_request("Invalid startDateTime."))?,
    };
    let length = u32_of(&policy, "defaultLength").unwrap_or(8).clamp(8, 48) as usize;
    let mut rng = rand::rng();
    let pass: String = (0..length)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect();
    let fmt = |t: time::OffsetDateTime| {
        t.format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default()
    };
    let usable = start <= now && in_policy;
    let method = json!({
        "@odata.type": "#microsoft.graph.temporaryAccessPassAuthenticationMethod",
        "id": uuid::Uuid::new_v4().to_string(),
        "temporaryAccessPass": null,
        "createdDateTime": fmt(now),
        "startDateTime": fmt(start),
        "lifetimeInMinutes": lifetime,
        "isUsableOnce": once,
        "isUsable": usable,
        "methodUsabilityReason": if !in_policy {
            "DisabledByPolicy"
        } else if usable {
            "EnabledByPolicy"
        } else {
            "NotYetValid"
        },
    });
    // One pass per user: a new one replaces the old (the POST page).
    t.users[index].auth.tap = Some(method.clone());
    let by = actor(t, claims);
    let mut entry = audit_entry(
        &by,
        "Authentication Methods",
        "Admin registered security info",
        &t.users[index],
        None,
        &[],
    );
    entry["resultReason"] = json!("Admin registered temporary access pass method for user");
    entry["operationType"] = json!("Add");
    t.record_audit(entry);
    let mut reply = method;
    reply["temporaryAccessPass"] = json!(pass);
    Ok(ctx.json(StatusCode::CREATED, reply))
}
