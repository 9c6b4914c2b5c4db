//! `/roleManagement/directory`: role definitions, active role assignments and the PIM
//! schedule instances (eligible and active), with `$expand`.

use serde_json::{Map, Value, json};

use super::directory_objects::{au_json, group_json};
use super::{parse_filter, require, with_context};
use crate::policy::roles::RoleDef;
use crate::sim::odata::{Ctx, Reply};
use crate::sim::tenant::{SimAssignment, Tenant};
use crate::sim::token::Claims;

const ROLE_READ: &[&str] = &[
    "RoleManagement.Read.Directory",
    "RoleManagement.Read.All",
    "RoleManagement.ReadWrite.Directory",
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
                            full.extend(u.props());
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

pub(super) fn role_management(ctx: &Ctx, t: &Tenant, claims: &Claims, rest: &[&str]) -> Reply {
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
