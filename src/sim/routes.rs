//! The Graph v1.0 routes the simulator serves, each following the documented contract
//! (research/graph-api.md), including its errors.

use axum::body::Bytes;
use axum::http::{Method, StatusCode};
use percent_encoding::percent_decode_str;
use serde_json::{Map, Value, json};

use super::filter::{self, Filter};
use super::odata::{Ctx, Reply, project, select_list};
use super::search;
use super::server::SimState;
use super::tenant::{SimAssignment, SimAu, SimGroup, SimUser, Tenant, known_user_property};
use super::token::Claims;
use crate::policy::roles::RoleDef;

const USER_READ: &[&str] = &[
    "User.ReadBasic.All",
    "User.Read.All",
    "User.ReadWrite.All",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
];
const ROLE_READ: &[&str] = &[
    "RoleManagement.Read.Directory",
    "RoleManagement.Read.All",
    "RoleManagement.ReadWrite.Directory",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
];
const AU_READ: &[&str] = &[
    "AdministrativeUnit.Read.All",
    "AdministrativeUnit.ReadWrite.All",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
];
/// Roles that may list other principals' PIM schedules (rbac-pim-entra-roles-apis).
const PIM_READER_ROLES: &[&str] = &[
    "Global Administrator",
    "Global Reader",
    "Privileged Role Administrator",
    "Security Administrator",
    "Security Reader",
    "Security Operator",
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
/// onPremisesSynchronization: the page names Global Administrator for delegated access.
const SYNC_READER_ROLES: &[&str] = &["Global Administrator", "Hybrid Identity Administrator"];

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
const ROLE_FILTERABLE: &[&str] = &[
    "id",
    "principalId",
    "roleDefinitionId",
    "directoryScopeId",
    "appScopeId",
];
const PASSWORD_ROLES: &[&str] = &[
    "Helpdesk Administrator",
    "Password Administrator",
    "User Administrator",
    "Authentication Administrator",
    "Privileged Authentication Administrator",
    "Global Administrator",
    "Partner Tier1 Support",
    "Partner Tier2 Support",
];

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
        .collect();
    let segs: Vec<&str> = owned.iter().map(String::as_str).collect();
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
                return Err(super::server::throttled(ctx, wait.as_secs_f64().max(0.1)));
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

fn users_list(ctx: &Ctx, t: &Tenant, claims: &Claims) -> Reply {
    require(ctx, claims, USER_READ)?;
    let select = user_select(ctx, t, claims)?;
    let search = match ctx.param("$search") {
        None => None,
        Some(_) if !ctx.eventual => {
            return Err(ctx.unsupported(
                "Request with $search query parameter only works through MSGraph with a special request header: 'ConsistencyLevel: eventual'",
            ));
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
    let mut hits: Vec<&SimUser> = t
        .users
        .iter()
        .filter(|u| search.as_ref().is_none_or(|s| s.matches(u)))
        .filter(|u| filter.as_ref().is_none_or(|f| f.matches(&u.props)))
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
        hits.sort_by_key(|u| u.str(&prop).unwrap_or_default().to_lowercase());
        if desc {
            hits.reverse();
        }
    }
    ctx.page("users", hits, |u| project(&u.props, Some(&select)))
}

fn find_user<'a>(
    ctx: &Ctx,
    t: &'a Tenant,
    key: &str,
) -> Result<&'a SimUser, axum::response::Response> {
    t.user_by_key(key).ok_or_else(|| ctx.not_found(key))
}

fn user_get(ctx: &Ctx, t: &Tenant, claims: &Claims, key: &str) -> Reply {
    // Reading oneself needs only User.Read.
    let own = key == claims.oid;
    if !own {
        require(ctx, claims, USER_READ)?;
    }
    let select = user_select(ctx, t, claims)?;
    let u = find_user(ctx, t, key)?;
    let body = project(&u.props, Some(&select));
    ctx.ok(with_context(body, ctx.context("users/$entity")))
}

fn group_json(g: &SimGroup) -> Value {
    json!({"@odata.type": "#microsoft.graph.group", "id": g.id, "displayName": g.display_name,
           "description": g.description, "isAssignableToRole": g.is_assignable_to_role,
           "mailNickname": g.display_name.to_lowercase().replace(' ', "-"), "mail": null,
           "securityEnabled": true, "mailEnabled": false, "groupTypes": [], "visibility": "Private",
           "createdDateTime": "2024-02-01T10:00:00Z", "deletedDateTime": null})
}

fn au_json(a: &SimAu) -> Value {
    json!({"@odata.type": "#microsoft.graph.administrativeUnit", "id": a.id, "deletedDateTime": null, "displayName": a.display_name,
           "description": a.description, "visibility": null, "membershipType": null, "membershipRule": null,
           "membershipRuleProcessingState": null, "isMemberManagementRestricted": a.restricted})
}

fn directory_role_json(d: &RoleDef) -> Value {
    let id = uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_OID, d.template_id.as_bytes()).to_string();
    json!({"@odata.type": "#microsoft.graph.directoryRole", "id": id, "deletedDateTime": null,
           "description": d.description, "displayName": d.display_name, "roleTemplateId": d.template_id})
}

fn user_ref_json(u: &SimUser) -> Value {
    json!({"@odata.type": "#microsoft.graph.user", "id": u.id, "displayName": u.display_name(),
           "userPrincipalName": u.str("userPrincipalName"), "mail": u.str("mail")})
}

fn user_sub(ctx: &Ctx, t: &Tenant, claims: &Claims, key: &str, rest: &[&str]) -> Reply {
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

fn role_def_json(d: &RoleDef) -> Value {
    let actions: Vec<&str> = if PASSWORD_ROLES.contains(&d.display_name.as_str()) {
        vec![
            "microsoft.directory/users/basic/update",
            "microsoft.directory/users/password/update",
        ]
    } else {
        vec!["microsoft.directory/users/standard/read"]
    };
    json!({"id": d.id, "description": d.description, "displayName": d.display_name,
           "isBuiltIn": d.built_in, "isEnabled": true, "resourceScopes": ["/"],
           "templateId": d.template_id, "version": "1",
           "rolePermissions": [{"allowedResourceActions": actions, "excludedResourceActions": [], "condition": null}]})
}

fn assignment_json(a: &SimAssignment) -> Map<String, Value> {
    let v = json!({"id": a.id, "principalId": a.principal_id, "roleDefinitionId": a.role_definition_id,
                   "directoryScopeId": a.directory_scope_id, "appScopeId": null});
    let Value::Object(m) = v else { unreachable!() };
    m
}

fn instance_json(a: &SimAssignment, eligible: bool, member_type: &str) -> Map<String, Value> {
    let mut m = assignment_json(a);
    m.insert("id".into(), json!(format!("{}-instance", a.id)));
    m.insert("startDateTime".into(), json!("2026-01-15T08:00:00Z"));
    m.insert("endDateTime".into(), Value::Null);
    m.insert("memberType".into(), json!(member_type));
    if eligible {
        m.insert("roleEligibilityScheduleId".into(), json!(a.id));
    } else {
        m.insert("assignmentType".into(), json!("Assigned"));
        m.insert("roleAssignmentOriginId".into(), json!(a.id));
        m.insert("roleAssignmentScheduleId".into(), json!(a.id));
    }
    m
}

/// Applies `$expand` (roleDefinition, principal, directoryScope) to an assignment-like object.
fn expand(
    ctx: &Ctx,
    t: &Tenant,
    mut m: Map<String, Value>,
) -> Result<Value, axum::response::Response> {
    if let Some(raw) = ctx.param("$expand") {
        for e in raw.split(',').map(str::trim) {
            match e {
                "roleDefinition" => {
                    let d = m["roleDefinitionId"]
                        .as_str()
                        .and_then(|id| t.roles.by_id(id));
                    m.insert(
                        "roleDefinition".into(),
                        d.map(role_def_json).unwrap_or(Value::Null),
                    );
                }
                "principal" => {
                    let id = m["principalId"].as_str().unwrap_or_default();
                    let p = t
                        .user_by_key(id)
                        .map(|u| {
                            let mut full = Map::new();
                            full.insert("@odata.type".into(), json!("#microsoft.graph.user"));
                            full.extend(u.props.clone());
                            Value::Object(full)
                        })
                        .or_else(|| t.groups.iter().find(|g| g.id == id).map(group_json))
                        .unwrap_or(Value::Null);
                    m.insert("principal".into(), p);
                }
                "directoryScope" => {
                    let scope = m["directoryScopeId"].as_str().unwrap_or("/");
                    let au = scope
                        .strip_prefix("/administrativeUnits/")
                        .and_then(|id| t.aus.iter().find(|a| a.id == id))
                        .map(au_json)
                        .unwrap_or(Value::Null);
                    m.insert("directoryScope".into(), au);
                }
                other => {
                    return Err(ctx.bad_request(&format!(
                        "Could not find a property named '{other}' on type 'microsoft.graph.unifiedRoleAssignment'."
                    )));
                }
            }
        }
    }
    Ok(Value::Object(m))
}

fn role_management(ctx: &Ctx, t: &Tenant, claims: &Claims, rest: &[&str]) -> Reply {
    require(ctx, claims, ROLE_READ)?;
    let current_user = "filterByCurrentUser(on='principal')";
    match rest {
        ["roleDefinitions"] => {
            let f = parse_filter(
                ctx,
                &["id", "displayName", "templateId", "isBuiltIn"],
                "unifiedRoleDefinition",
            )?;
            let defs: Vec<Value> = t
                .roles
                .all()
                .iter()
                .map(role_def_json)
                .filter(|v| {
                    f.as_ref()
                        .is_none_or(|f| v.as_object().is_some_and(|m| f.matches(m)))
                })
                .collect();
            ctx.page("roleManagement/directory/roleDefinitions", defs, |v| v)
        }
        ["roleDefinitions", id] => match t.roles.by_id(id) {
            Some(d) => ctx.ok(with_context(
                role_def_json(d),
                ctx.context("roleManagement/directory/roleDefinitions/$entity"),
            )),
            None => Err(ctx.not_found(id)),
        },
        ["roleAssignments"] => {
            let f = parse_filter(ctx, ROLE_FILTERABLE, "unifiedRoleAssignment")?;
            let mut out = Vec::new();
            for a in t.assignments.iter().filter(|a| !a.eligible) {
                let m = assignment_json(a);
                if f.as_ref().is_none_or(|f| f.matches(&m)) {
                    out.push(expand(ctx, t, m)?);
                }
            }
            ctx.page("roleManagement/directory/roleAssignments", out, |v| v)
        }
        ["roleAssignments", id] => {
            match t.assignments.iter().find(|a| !a.eligible && a.id == *id) {
                Some(a) => {
                    let mut m = assignment_json(a);
                    m.insert(
                        "@odata.type".into(),
                        json!("#microsoft.graph.unifiedRoleAssignment"),
                    );
                    let v = expand(ctx, t, m)?;
                    ctx.ok(with_context(
                        v,
                        ctx.context("roleManagement/directory/roleAssignments/$entity"),
                    ))
                }
                None => Err(ctx.not_found(id)),
            }
        }
        [
            kind @ ("roleEligibilityScheduleInstances" | "roleAssignmentScheduleInstances"),
            tail @ ..,
        ] => {
            let eligible = *kind == "roleEligibilityScheduleInstances";
            let entity = if eligible {
                "unifiedRoleEligibilityScheduleInstance"
            } else {
                "unifiedRoleAssignmentScheduleInstance"
            };
            let mine = match tail {
                [] => false,
                [f] if *f == current_user => true,
                [other] => {
                    return Err(
                        ctx.bad_request(&format!("Resource not found for the segment '{other}'."))
                    );
                }
                _ => return Err(ctx.bad_request("Resource not found.")),
            };
            if !mine && !t.has_tenant_role(&claims.oid, PIM_READER_ROLES) {
                return Err(ctx.denied());
            }
            let f = parse_filter(ctx, ROLE_FILTERABLE, "unifiedRoleScheduleInstance")?;
            let principals = t.principals_of(&claims.oid);
            let mut out = Vec::new();
            for a in t.assignments.iter().filter(|a| a.eligible == eligible) {
                if mine && !principals.contains(&a.principal_id) {
                    continue;
                }
                let member_type = if t.groups.iter().any(|g| g.id == a.principal_id) {
                    "Group"
                } else {
                    "Direct"
                };
                let mut m = instance_json(a, eligible, member_type);
                if f.as_ref().is_none_or(|f| f.matches(&m)) {
                    if mine {
                        // A function's result is a typed collection: items carry @odata.type.
                        m.insert(
                            "@odata.type".into(),
                            json!(format!("#microsoft.graph.{entity}")),
                        );
                    }
                    out.push(expand(ctx, t, m)?);
                }
            }
            let context = if mine {
                format!("Collection({entity})")
            } else {
                format!("roleManagement/directory/{kind}")
            };
            ctx.page(&context, out, |v| v)
        }
        [first, ..] => {
            Err(ctx.bad_request(&format!("Resource not found for the segment '{first}'.")))
        }
        [] => Err(ctx.bad_request("Resource not found for the segment 'directory'.")),
    }
}

fn administrative_units(ctx: &Ctx, t: &Tenant, claims: &Claims, rest: &[&str]) -> Reply {
    require(ctx, claims, AU_READ)?;
    let find = |id: &str| {
        t.aus
            .iter()
            .find(|a| a.id == id)
            .ok_or_else(|| ctx.not_found(id))
    };
    let strip = |mut v: Value| {
        if let Value::Object(m) = &mut v {
            m.remove("@odata.type");
        }
        v
    };
    match rest {
        [] => ctx.page(
            "directory/administrativeUnits",
            t.aus.iter().map(au_json).map(strip).collect(),
            |v| v,
        ),
        [id] => {
            let au = find(id)?;
            ctx.ok(with_context(
                strip(au_json(au)),
                ctx.context("directory/administrativeUnits/$entity"),
            ))
        }
        [id, "members"] => {
            let au = find(id)?;
            let members: Vec<Value> = au
                .members
                .iter()
                .filter_map(|m| t.user_by_key(m))
                .map(user_ref_json)
                .collect();
            ctx.page("directoryObjects", members, |v| v)
        }
        [_, other, ..] => {
            Err(ctx.bad_request(&format!("Resource not found for the segment '{other}'.")))
        }
    }
}

fn organization(t: &Tenant) -> Value {
    let mut m = t.organization.clone();
    m.insert("verifiedDomains".into(), t.verified_domains());
    for (k, v) in [
        ("deletedDateTime", Value::Null),
        ("businessPhones", json!(["+1 425 555 0100"])),
        ("city", json!("Redmond")),
        ("country", json!("United States")),
        ("countryLetterCode", json!("US")),
        ("createdDateTime", json!("2019-03-14T17:02:44Z")),
        ("defaultUsageLocation", json!("US")),
        ("marketingNotificationEmails", json!([])),
        ("onPremisesLastSyncDateTime", Value::Null),
        ("onPremisesSyncEnabled", Value::Null),
        ("partnerTenantType", Value::Null),
        ("postalCode", json!("98052")),
        ("preferredLanguage", json!("en")),
        ("securityComplianceNotificationMails", json!([])),
        ("securityComplianceNotificationPhones", json!([])),
        ("state", json!("WA")),
        ("street", json!("1 Contoso Way")),
        (
            "technicalNotificationMails",
            json!(["it-alerts@contoso.com"]),
        ),
        ("tenantType", json!("AAD")),
        (
            "assignedPlans",
            json!([
                {"assignedDateTime": "2019-03-14T17:10:00Z", "capabilityStatus": "Enabled", "service": "exchange", "servicePlanId": "113feb6c-3fe4-4440-bddc-54d774bf0318"},
                {"assignedDateTime": "2019-03-14T17:10:00Z", "capabilityStatus": "Enabled", "service": "AADPremiumService", "servicePlanId": "41781fb2-bc02-4b7c-bd55-b576c07bb09d"}
            ]),
        ),
        (
            "provisionedPlans",
            json!([
                {"capabilityStatus": "Enabled", "provisioningStatus": "Success", "service": "exchange"}
            ]),
        ),
        (
            "privacyProfile",
            json!({"contactEmail": "privacy@contoso.com", "statementUrl": "https://contoso.com/privacy"}),
        ),
    ] {
        m.entry(k).or_insert(v);
    }
    Value::Object(m)
}

fn domain(d: &Map<String, Value>) -> Value {
    let mut m = d.clone();
    for (k, v) in [
        ("authenticationType", json!("Managed")),
        ("availabilityStatus", Value::Null),
        ("isAdminManaged", json!(true)),
        ("isDefault", json!(false)),
        ("isInitial", json!(false)),
        ("isRoot", json!(true)),
        ("isVerified", json!(true)),
        ("passwordNotificationWindowInDays", json!(14)),
        ("passwordValidityPeriodInDays", json!(2147483647)),
        (
            "supportedServices",
            json!(["Email", "OfficeCommunicationsOnline"]),
        ),
        ("state", Value::Null),
    ] {
        m.entry(k).or_insert(v);
    }
    Value::Object(m)
}

/// The tenant file names only the features it cares about; the rest are off.
fn on_premises_sync(given: &Map<String, Value>) -> Value {
    let mut features = Map::new();
    for f in [
        "passwordSyncEnabled",
        "passwordWritebackEnabled",
        "directoryExtensionsEnabled",
        "quarantineUponUpnConflictEnabled",
        "quarantineUponProxyAddressesConflictEnabled",
        "softMatchOnUpnEnabled",
        "cloudPasswordPolicyForPasswordSyncedUsersEnabled",
        "fopeConflictResolutionEnabled",
        "unifiedGroupWritebackEnabled",
        "userWritebackEnabled",
        "deviceWritebackEnabled",
        "synchronizeUpnForManagedUsersEnabled",
        "userForcePasswordChangeOnLogonEnabled",
        "concurrentOrgIdProvisioningEnabled",
        "concurrentCredentialUpdateEnabled",
        "groupWriteBackEnabled",
        "blockSoftMatchEnabled",
        "blockCloudObjectTakeoverThroughHardMatchEnabled",
        "bypassDirSyncOverridesEnabled",
    ] {
        features.insert(f.into(), json!(false));
    }
    if let Some(Value::Object(g)) = given.get("features") {
        features.extend(g.clone());
    }
    json!({
        "id": given.get("id"),
        "configuration": {"accidentalDeletionPrevention": {"synchronizationPreventionType": "enabledForCount", "alertThreshold": 500}},
        "features": features,
    })
}
