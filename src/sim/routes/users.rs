//! `/users`, `/users/{id | userPrincipalName}` and `/me`: listing with `$search`,
//! `$filter` and `$orderby`, reading one user, and its memberships (`memberOf`,
//! `transitiveMemberOf`, `ownedObjects`) with their OData casts.

use serde_json::Value;

use super::directory_objects::{au_json, directory_role_json, group_json};
use super::{parse_filter, require, with_context};
use crate::sim::odata::{Ctx, Reply, project, project_user, select_list};
use crate::sim::search;
use crate::sim::server;
use crate::sim::tenant::{SimUser, Tenant, known_user_property};
use crate::sim::token::Claims;

const USER_READ: &[&str] = &[
    "User.ReadBasic.All",
    "User.Read.All",
    "User.ReadWrite.All",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
];
/// Roles that may read users' sign-in activity.
const SIGNIN_READER_ROLES: &[&str] = &[
    "Global Administrator",
    "Global Reader",
    "Reports Reader",
    "Security Administrator",
    "Security Reader",
    "Security Operator",
];

/// Returned without `$select` (user-list docs).
const DEFAULT_USER_PROPS: &[&str] = &[
    "businessPhones",
    "displayName",
    "givenName",
    "id",
    "jobTitle",
    "mail",
    "mobilePhone",
    "officeLocation",
    "preferredLanguage",
    "surname",
    "userPrincipalName",
];
const USER_FILTERABLE: &[&str] = &[
    "id",
    "userPrincipalName",
    "displayName",
    "mail",
    "otherMails",
    "proxyAddresses",
    "identities",
    "givenName",
    "surname",
    "accountEnabled",
    "userType",
    "creationType",
    "externalUserState",
    "onPremisesSyncEnabled",
    "onPremisesSamAccountName",
    "jobTitle",
    "department",
];

/// Validates a user `$select`; `signInActivity` needs AuditLog.Read.All and a reports role.
fn user_select(
    ctx: &Ctx,
    t: &Tenant,
    claims: &Claims,
) -> Result<Vec<String>, axum::response::Response> {
    let select = select_list(ctx.param("$select"))
        .unwrap_or_else(|| DEFAULT_USER_PROPS.iter().map(|s| s.to_string()).collect());
    for p in &select {
        if !known_user_property(p) {
            return Err(ctx.bad_request(&format!(
                "Could not find a property named '{p}' on type 'Microsoft.DirectoryServices.User'."
            )));
        }
        if p.eq_ignore_ascii_case("signInActivity") {
            if !(claims.has_scope(&["AuditLog.Read.All"])
                && t.has_tenant_role(&claims.oid, SIGNIN_READER_ROLES))
            {
                return Err(ctx.denied());
            }
            if let Err(wait) = t.signin_limit.admit() {
                return Err(server::throttled(ctx, server::whole_seconds(wait)));
            }
        }
        if p.eq_ignore_ascii_case("passwordProfile") {
            // Readable only with User-PasswordProfile.ReadWrite.All or higher.
            require(
                ctx,
                claims,
                &[
                    "User-PasswordProfile.ReadWrite.All",
                    "User.ReadWrite.All",
                    "Directory.ReadWrite.All",
                ],
            )?;
        }
    }
    Ok(select)
}

pub(super) fn users_list(ctx: &Ctx, t: &Tenant, claims: &Claims) -> Reply {
    require(ctx, claims, USER_READ)?;
    let select = user_select(ctx, t, claims)?;
    let search = match ctx.param("$search") {
        None => None,
        Some(_) if !ctx.eventual => {
            return Err(ctx.unsupported(
                "Request with $search query parameter only works through MSGraph with a special request header: 'ConsistencyLevel: eventual'",
            ));
        }
        // Known issue 18185: v1.0's legacy search fails on an encoded `&` unless the
        // request says `Prefer: legacySearch=false`.
        Some(s) if s.contains('&') && !ctx.new_search => {
            return Err(ctx.bad_request("Unrecognized query argument specified: ''."));
        }
        Some(s) => Some(
            search::parse(s.trim())
                .map_err(|e| ctx.unsupported(&format!("Invalid $search query: {e}")))?,
        ),
    };
    let filter = parse_filter(ctx, USER_FILTERABLE, "User")?;
    if ctx.param("$skip").is_some() {
        return Err(ctx.bad_request("The query parameter '$skip' is not supported."));
    }
    let searched: Vec<&SimUser> = match &search {
        Some(s) => t
            .search_index()
            .hits(s, &t.users)
            .into_iter()
            .map(|i| &t.users[i])
            .collect(),
        None => t.users.iter().collect(),
    };
    let mut hits: Vec<&SimUser> = searched
        .into_iter()
        .filter(|u| filter.as_ref().is_none_or(|f| f.matches(*u)))
        .collect();
    if let Some(order) = ctx.param("$orderby") {
        if filter.is_some() && !ctx.eventual {
            return Err(ctx.unsupported("Sorting not supported for current query."));
        }
        let (prop, desc) = match order.trim().split_once(' ') {
            Some((p, d)) => (p.to_string(), d.trim().eq_ignore_ascii_case("desc")),
            None => (order.trim().to_string(), false),
        };
        if !["displayName", "userPrincipalName"].contains(&prop.as_str()) {
            return Err(ctx.unsupported(&format!("Sorting by '{prop}' is not supported.")));
        }
        hits.sort_by_cached_key(|u| u.text(&prop).unwrap_or_default().to_lowercase());
        if desc {
            hits.reverse();
        }
    }
    ctx.page("users", hits, |u| project_user(u, Some(&select)))
}

fn find_user<'a>(
    ctx: &Ctx,
    t: &'a Tenant,
    key: &str,
) -> Result<&'a SimUser, axum::response::Response> {
    t.user_by_key(key).ok_or_else(|| ctx.not_found(key))
}

pub(super) fn user_get(ctx: &Ctx, t: &Tenant, claims: &Claims, key: &str) -> Reply {
    // Reading oneself needs only User.Read.
    let own = key == claims.oid;
    if !own {
        require(ctx, claims, USER_READ)?;
    }
    let select = user_select(ctx, t, claims)?;
    let u = find_user(ctx, t, key)?;
    let body = project_user(u, Some(&select));
    ctx.ok(with_context(body, ctx.context("users/$entity")))
}

pub(super) fn user_sub(ctx: &Ctx, t: &Tenant, claims: &Claims, key: &str, rest: &[&str]) -> Reply {
    if key != claims.oid {
        require(ctx, claims, USER_READ)?;
    }
    let u = find_user(ctx, t, key)?;
    let (nav, cast) = match rest {
        [nav] => (*nav, None),
        [nav, cast] => (*nav, Some(*cast)),
        _ => {
            return Err(ctx.bad_request(&format!(
                "Resource not found for the segment '{}'.",
                rest.last().unwrap_or(&"")
            )));
        }
    };
    let mut objects: Vec<Value> = Vec::new();
    match nav {
        "memberOf" | "transitiveMemberOf" => {
            if nav == "transitiveMemberOf" && cast.is_some() && !ctx.eventual {
                return Err(ctx.unsupported("OData cast on transitive membership requires the advanced query header 'ConsistencyLevel: eventual' and $count=true."));
            }
            objects.extend(t.groups_of(&u.id).map(group_json));
            objects.extend(t.aus_of(&u.id).map(au_json));
            // memberOf shows only active, tenant-scoped roles; direct ones here, and with
            // group-inherited ones in the transitive list.
            let roles = t.active_roles_of(&u.id);
            for a in roles {
                let direct = a.principal_id == u.id;
                let shown = a.directory_scope_id == "/" && (direct || nav == "transitiveMemberOf");
                if let Some(d) = t
                    .roles
                    .by_id(&a.role_definition_id)
                    .filter(|d| shown && d.built_in)
                {
                    objects.push(directory_role_json(d));
                }
            }
        }
        "ownedObjects" => objects.extend(t.groups_owned_by(&u.id).map(group_json)),
        other => {
            return Err(ctx.bad_request(&format!("Resource not found for the segment '{other}'.")));
        }
    }
    if let Some(cast) = cast {
        let ty = match cast {
            "microsoft.graph.group" => "#microsoft.graph.group",
            "microsoft.graph.administrativeUnit" => "#microsoft.graph.administrativeUnit",
            "microsoft.graph.directoryRole" => "#microsoft.graph.directoryRole",
            "microsoft.graph.user" => "#microsoft.graph.user",
            other => {
                return Err(
                    ctx.bad_request(&format!("Resource not found for the segment '{other}'."))
                );
            }
        };
        objects.retain(|o| o["@odata.type"] == ty);
    }
    let select = select_list(ctx.param("$select"));
    ctx.page("directoryObjects", objects, |o| match &o {
        Value::Object(m) => project(m, select.as_deref()),
        _ => o,
    })
}
