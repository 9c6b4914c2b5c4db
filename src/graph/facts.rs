//! Gathering what the console shows about a user: the user, their groups, administrative
//! units and roles (active and PIM-eligible, direct and through role-assignable groups).
//! Independent calls run concurrently; a fact the operator may not read is reported as
//! unknown rather than guessed.

use serde::Serialize;

use super::model::{DirectoryObject, RoleAssignment, ScheduleInstance, User};
use super::{GraphApi, GraphError};
use crate::policy::roles::RoleCatalog;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RoleState {
    Active,
    Eligible,
}

/// One role a principal holds.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RoleHolding {
    pub name: String,
    pub template_id: String,
    /// `/` or `/administrativeUnits/{id}`.
    pub scope: String,
    /// "tenant" or the administrative unit's display name.
    pub scope_name: String,
    pub state: RoleState,
    /// The role-assignable group the role comes through, if not direct.
    pub via_group: Option<String>,
    pub built_in: bool,
}

/// A fact that could not be read, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UnknownFact {
    pub fact: String,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MembershipRef {
    pub id: String,
    pub display_name: String,
    /// For groups: role-assignable. For AUs: restricted management.
    pub protected: bool,
}

#[derive(Debug, Clone)]
pub struct TargetFacts {
    pub user: User,
    pub groups: Vec<MembershipRef>,
    pub owned_groups: Vec<MembershipRef>,
    pub administrative_units: Vec<MembershipRef>,
    pub roles: Vec<RoleHolding>,
    pub unknown: Vec<UnknownFact>,
}

fn unknown(fact: &str, e: &GraphError) -> UnknownFact {
    UnknownFact {
        fact: fact.into(),
        reason: e.to_string(),
    }
}

/// Reads a user and everything the details pane and the eligibility engine need.
/// Only the user itself is required; a missing permission elsewhere becomes an `UnknownFact`.
pub async fn target_facts(api: &dyn GraphApi, key: &str) -> Result<TargetFacts, GraphError> {
    let user = api.get_user(key).await?;
    let id = user.id.clone();
    let (member_of, groups, owned) = tokio::join!(
        api.member_of(&id),
        api.transitive_groups(&id),
        api.owned_groups(&id)
    );
    let mut unknown_facts = Vec::new();
    let member_of = member_of.unwrap_or_else(|e| {
        unknown_facts.push(unknown("administrativeUnits", &e));
        Vec::new()
    });
    let groups = groups.unwrap_or_else(|e| {
        unknown_facts.push(unknown("groups", &e));
        Vec::new()
    });
    let owned = owned.unwrap_or_else(|e| {
        unknown_facts.push(unknown("ownedGroups", &e));
        Vec::new()
    });
    let aus: Vec<&DirectoryObject> = member_of
        .iter()
        .filter(|o| o.is_administrative_unit())
        .collect();
    // Role assignments made to role-assignable groups reach their members.
    let mut principals = vec![id.clone()];
    principals.extend(
        groups
            .iter()
            .filter(|g| g.is_assignable_to_role == Some(true))
            .map(|g| g.id.clone()),
    );
    let (active, eligible) = tokio::join!(
        api.role_assignments(&principals),
        api.role_eligibilities(&principals)
    );
    let catalog = RoleCatalog::builtin();
    let mut au_names: Vec<(String, String)> = aus
        .iter()
        .map(|a| (a.id.clone(), a.display_name.clone().unwrap_or_default()))
        .collect();
    let mut roles = Vec::new();
    match active {
        Ok(list) => roles.extend(
            list.iter()
                .map(|a| holding_from_assignment(a, &catalog, &groups)),
        ),
        Err(e) => unknown_facts.push(unknown("activeRoles", &e)),
    }
    match eligible {
        Ok(list) => roles.extend(
            list.iter()
                .map(|s| holding_from_instance(s, &catalog, &groups)),
        ),
        Err(e) => unknown_facts.push(unknown("eligibleRoles", &e)),
    }
    // Name the scopes; an AU the user is not a member of needs a lookup.
    for r in &mut roles {
        if let Some(au_id) = r.scope.strip_prefix("/administrativeUnits/") {
            let known = au_names
                .iter()
                .find(|(i, _)| i == au_id)
                .map(|(_, n)| n.clone());
            r.scope_name = match known {
                Some(n) => n,
                None => match api.administrative_unit(au_id).await {
                    Ok(au) => {
                        let n = au.display_name.unwrap_or_else(|| au_id.to_string());
                        au_names.push((au_id.to_string(), n.clone()));
                        n
                    }
                    Err(_) => format!("administrative unit {au_id}"),
                },
            };
        }
    }
    roles.sort_by(|a, b| (a.state as u8, &a.name).cmp(&(b.state as u8, &b.name)));
    let refs = |objs: &[DirectoryObject]| -> Vec<MembershipRef> {
        objs.iter()
            .map(|o| MembershipRef {
                id: o.id.clone(),
                display_name: o.display_name.clone().unwrap_or_default(),
                protected: o.is_assignable_to_role == Some(true)
                    || o.is_member_management_restricted == Some(true),
            })
            .collect()
    };
    let au_objs: Vec<DirectoryObject> = aus.into_iter().cloned().collect();
    Ok(TargetFacts {
        user,
        groups: refs(&groups),
        owned_groups: refs(&owned),
        administrative_units: refs(&au_objs),
        roles,
        unknown: unknown_facts,
    })
}

fn role_identity(
    def: Option<&super::model::RoleDefinition>,
    role_definition_id: &str,
    catalog: &RoleCatalog,
) -> (String, String, bool) {
    let known = catalog.by_id(role_definition_id);
    let name = def
        .and_then(|d| d.display_name.clone())
        .or_else(|| known.map(|k| k.display_name.clone()))
        .unwrap_or_else(|| format!("role {role_definition_id}"));
    let template = def
        .and_then(|d| d.template_id.clone())
        .unwrap_or_else(|| role_definition_id.to_string());
    let built_in = def.and_then(|d| d.is_built_in).unwrap_or(known.is_some());
    (name, template, built_in)
}

fn via(principal_id: &str, groups: &[DirectoryObject]) -> Option<String> {
    groups
        .iter()
        .find(|g| g.id == principal_id)
        .map(|g| g.display_name.clone().unwrap_or_else(|| g.id.clone()))
}

fn scope_of(s: Option<&String>) -> (String, String) {
    let scope = s.cloned().unwrap_or_else(|| "/".into());
    let name = if scope == "/" {
        "tenant".to_string()
    } else {
        scope.clone()
    };
    (scope, name)
}

fn holding_from_assignment(
    a: &RoleAssignment,
    catalog: &RoleCatalog,
    groups: &[DirectoryObject],
) -> RoleHolding {
    let (name, template_id, built_in) =
        role_identity(a.role_definition.as_ref(), &a.role_definition_id, catalog);
    let (scope, scope_name) = scope_of(a.directory_scope_id.as_ref());
    RoleHolding {
        name,
        template_id,
        scope,
        scope_name,
        state: RoleState::Active,
        via_group: via(&a.principal_id, groups),
        built_in,
    }
}

fn holding_from_instance(
    s: &ScheduleInstance,
    catalog: &RoleCatalog,
    groups: &[DirectoryObject],
) -> RoleHolding {
    let (name, template_id, built_in) =
        role_identity(s.role_definition.as_ref(), &s.role_definition_id, catalog);
    let (scope, scope_name) = scope_of(s.directory_scope_id.as_ref());
    RoleHolding {
        name,
        template_id,
        scope,
        scope_name,
        state: RoleState::Eligible,
        via_group: via(&s.principal_id, groups),
        built_in,
    }
}
