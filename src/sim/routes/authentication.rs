//! The sign-in log and what users registered: `GET /auditLogs/signIns`,
//! `/reports/authenticationMethods/userRegistrationDetails/{id}`,
//! `/users/{id}/authentication/methods` and the Temporary Access Pass policy — each with
//! the permission, role and licence its reference page asks for, inside the reports
//! budget where throttling-limits.md puts it.

use axum::http::StatusCode;
use serde_json::{Value, json};

use super::{parse_filter, require, with_context};
use crate::sim::audit::ReportLimit;
use crate::sim::odata::{Ctx, Reply};
use crate::sim::server;
use crate::sim::tenant::Tenant;
use crate::sim::token::Claims;

/// signin-list.md: "Global Administrator, Global Reader, Reports Reader, Security
/// Administrator, Security Operator, Security Reader".
const SIGN_IN_READERS: &[&str] = &[
    "Global Administrator",
    "Global Reader",
    "Reports Reader",
    "Security Administrator",
    "Security Operator",
    "Security Reader",
];
/// userregistrationdetails-get.md: Reports Reader, Security Reader, Security
/// Administrator, Global Reader (and Global Administrator, who holds every permission).
const REGISTRATION_READERS: &[&str] = &[
    "Global Administrator",
    "Global Reader",
    "Reports Reader",
    "Security Administrator",
    "Security Reader",
];
/// rbac-authentication-methods-apis-read-others.md.
const METHOD_READERS: &[&str] = &[
    "Global Administrator",
    "Global Reader",
    "Authentication Administrator",
    "Privileged Authentication Administrator",
];
/// rbac-authentication-methods-policy-apis-read.md.
const POLICY_READERS: &[&str] = &[
    "Global Administrator",
    "Global Reader",
    "Authentication Policy Administrator",
];
/// signin.md's filterable properties.
const SIGN_IN_FILTERABLE: &[&str] = &[
    "id",
    "userId",
    "appId",
    "createdDateTime",
    "userPrincipalName",
    "userDisplayName",
    "appDisplayName",
    "ipAddress",
    "status/errorCode",
    "clientAppUsed",
    "conditionalAccessStatus",
    "correlationId",
];

fn no_premium(ctx: &Ctx) -> axum::response::Response {
    ctx.error(
        StatusCode::FORBIDDEN,
        "Authentication_RequestFromNonPremiumTenantOrB2CTenant",
        "Neither tenant is B2C or tenant doesn't have premium license",
    )
}

/// A delegated caller needs one of the roles; an app its permissions only.
fn role(
    ctx: &Ctx,
    t: &Tenant,
    claims: &Claims,
    roles: &[&str],
) -> Result<(), axum::response::Response> {
    if claims.is_app() || t.has_tenant_role(&claims.oid, roles) {
        Ok(())
    } else {
        Err(ctx.denied())
    }
}

fn budget(ctx: &Ctx, limit: &ReportLimit) -> Result<(), axum::response::Response> {
    limit
        .admit()
        .map_err(|wait| server::throttled(ctx, server::whole_seconds(wait)))
}

/// A premium report: the reader role, the P1/P2 licence, then a slot of the budget.
fn report(
    ctx: &Ctx,
    t: &Tenant,
    claims: &Claims,
    roles: &[&str],
    limit: &ReportLimit,
) -> Result<(), axum::response::Response> {
    role(ctx, t, claims, roles)?;
    if !t.premium {
        return Err(no_premium(ctx));
    }
    budget(ctx, limit)
}

pub(super) fn sign_ins(ctx: &Ctx, t: &Tenant, claims: &Claims, limit: &ReportLimit) -> Reply {
    // "requires consent to both the AuditLog.Read.All and Directory.Read.All permissions"
    require(ctx, claims, &["AuditLog.Read.All"])?;
    require(
        ctx,
        claims,
        &["Directory.Read.All", "Directory.ReadWrite.All"],
    )?;
    report(ctx, t, claims, SIGN_IN_READERS, limit)?;
    if let Some(o) = ctx.param("$orderby") {
        let field = o.split_whitespace().next().unwrap_or_default();
        if !field.eq_ignore_ascii_case("createdDateTime") {
            return Err(ctx.unsupported(&format!(
                "Unsupported or invalid query order by clause specified for property '{field}' of resource 'signIn'."
            )));
        }
    }
    let f = parse_filter(ctx, SIGN_IN_FILTERABLE, "signIn")?;
    let mut items: Vec<&Value> = t
        .users
        .iter()
        .flat_map(|u| u.sign_ins.iter())
        .filter(|s| {
            f.as_ref()
                .is_none_or(|f| s.as_object().is_some_and(|m| f.matches(m)))
        })
        .collect();
    let asc = ctx
        .param("$orderby")
        .is_some_and(|o| o.to_ascii_lowercase().ends_with(" asc"));
    items.sort_by(|a, b| {
        let (ka, kb) = (
            a["createdDateTime"].as_str().unwrap_or_default(),
            b["createdDateTime"].as_str().unwrap_or_default(),
        );
        if asc { ka.cmp(kb) } else { kb.cmp(ka) }
    });
    // "The maximum and default page size is 1,000 objects" (signin-list.md).
    ctx.page_sized("auditLogs/signIns", items, 1000, |v| v.clone())
}

fn is_admin(t: &Tenant, user_id: &str) -> bool {
    let principals = t.principals_of(user_id);
    t.assignments
        .iter()
        .any(|a| principals.contains(&a.principal_id))
}

pub(super) fn registration(
    ctx: &Ctx,
    t: &Tenant,
    claims: &Claims,
    limit: &ReportLimit,
    key: &str,
) -> Reply {
    require(
        ctx,
        claims,
        &["AuditLog.Read.All", "UserAuthenticationMethod.Read.All"],
    )?;
    report(ctx, t, claims, REGISTRATION_READERS, limit)?;
    let u = t.user_by_key(key).ok_or_else(|| ctx.not_found(key))?;
    let body = u
        .auth
        .registration(&u.id, u.upn(), u.display_name(), is_admin(t, &u.id));
    ctx.ok(with_context(
        body,
        ctx.context("reports/authenticationMethods/userRegistrationDetails/$entity"),
    ))
}

pub(super) fn methods(
    ctx: &Ctx,
    t: &Tenant,
    claims: &Claims,
    limit: &ReportLimit,
    key: &str,
) -> Reply {
    let u = t.user_by_key(key).ok_or_else(|| ctx.not_found(key))?;
    if u.id == claims.oid {
        require(
            ctx,
            claims,
            &[
                "UserAuthenticationMethod.Read",
                "UserAuthenticationMethod.Read.All",
                "UserAuthenticationMethod.ReadWrite",
                "UserAuthenticationMethod.ReadWrite.All",
            ],
        )?;
    } else {
        require(
            ctx,
            claims,
            &[
                "UserAuthenticationMethod.Read.All",
                "UserAuthenticationMethod.ReadWrite.All",
            ],
        )?;
        role(ctx, t, claims, METHOD_READERS)?;
    }
    budget(ctx, limit)?;
    let items = u.auth.methods_json(&u.id);
    ctx.page(
        &format!("users('{}')/authentication/methods", u.id),
        items,
        |v| v,
    )
}

pub(super) fn tap_policy(ctx: &Ctx, t: &Tenant, claims: &Claims, id: &str) -> Reply {
    if !id.eq_ignore_ascii_case("TemporaryAccessPass") {
        return Err(ctx.not_found(id));
    }
    require(
        ctx,
        claims,
        &["Policy.Read.All", "Policy.ReadWrite.AuthenticationMethod"],
    )?;
    role(ctx, t, claims, POLICY_READERS)?;
    let body = Value::Object(t.tap_policy.clone());
    let mut body = with_context(
        body,
        ctx.context("authenticationMethodConfigurations/$entity"),
    );
    if body.get("includeTargets").is_none() {
        body["includeTargets"] = json!([]);
    }
    ctx.ok(body)
}
