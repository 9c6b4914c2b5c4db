//! Gathering the facts the details pane and the eligibility engine need: the target and
//! their groups, administrative units and roles (active and PIM-eligible, direct and
//! through role-assignable groups); the operator's own roles; the tenant's domains and
//! writeback state. Independent calls run concurrently; a fact the operator may not read
//! is reported as unknown, never guessed.

use std::collections::HashMap;

use serde::Serialize;

use crate::auth::TokenFacts;
use crate::graph::model::{DirectoryObject, Domain, RoleAssignment, ScheduleInstance, User};
use crate::graph::{GraphApi, GraphError};
use crate::policy::eligibility::{
    self, Grant, Membership, Operator, RoleHolding, RoleState, Target, TenantFacts, Verdict,
};
use crate::policy::roles::RoleCatalog;

/// A fact that could not be read, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UnknownFact {
    pub fact: String,
    /// Why, without the request id (texts stay comparable from run to run).
    pub reason: String,
    /// Graph's request id, for support.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
}

#[derive(Debug, Clone)]
pub struct TargetFacts {
    pub user: User,
    /// Why the last sign-in is not shown, when it is not: not readable with your roles,
    /// or not available now (throttled). It never fails the details.
    pub sign_in_unavailable: Option<String>,
    pub groups: Vec<Membership>,
    pub owned_groups: Vec<Membership>,
    pub administrative_units: Vec<Membership>,
    pub roles: Vec<RoleHolding>,
    pub unknown: Vec<UnknownFact>,
}

impl TargetFacts {
    pub fn unknown_names(&self) -> Vec<String> {
        self.unknown.iter().map(|u| u.fact.clone()).collect()
    }
}

fn unknown(fact: &str, e: &GraphError) -> UnknownFact {
    UnknownFact {
        fact: fact.into(),
        reason: e.without_request_id(),
        request_id: e.request_id().map(str::to_string),
    }
}

/// A read that may be refused. Only a 403 means "you may not read this": that fact becomes
/// unknown and the verdict says so. Anything else — a 429 or 503 that outlasted the
/// retries, a dropped connection, a malformed body — is not a fact about the operator's
/// rights, so it fails the whole check ("could not check …; try again"), never a refusal.
fn readable<T>(
    fact: &str,
    r: Result<T, GraphError>,
    unknown_facts: &mut Vec<UnknownFact>,
) -> Result<Option<T>, GraphError> {
    match r {
        Ok(v) => Ok(Some(v)),
        Err(e) if e.is_forbidden() => {
            unknown_facts.push(unknown(fact, &e));
            Ok(None)
        }
        Err(e) => Err(e),
    }
}

fn memberships(objs: &[DirectoryObject]) -> Vec<Membership> {
    objs.iter()
        .map(|o| Membership {
            id: o.id.clone(),
            display_name: o.display_name.clone().unwrap_or_default(),
            protected: o.is_assignable_to_role == Some(true)
                || o.is_member_management_restricted == Some(true),
        })
        .collect()
}

/// Administrative units by id: (name, restricted), filled on demand.
type UnitCache = HashMap<String, (String, bool)>;

/// Names each role's scope and marks restricted-management units, looking up units the
/// caller does not already know. A unit the operator may not read keeps its id as its
/// name and is recorded in `unknown_facts` when given; a transient failure fails the call.
async fn resolve_scopes(
    api: &dyn GraphApi,
    roles: &mut [RoleHolding],
    cache: &mut UnitCache,
    mut unknown_facts: Option<&mut Vec<UnknownFact>>,
) -> Result<(), GraphError> {
    for r in roles.iter_mut() {
        let Some(unit) = r.unit_id().map(str::to_string) else {
            continue;
        };
        if !cache.contains_key(&unit) {
            let entry = match api.administrative_unit(&unit).await {
                Ok(au) => (
                    au.display_name.unwrap_or_else(|| unit.clone()),
                    au.is_member_management_restricted == Some(true),
                ),
                Err(e) if e.is_forbidden() => {
                    if let Some(u) = unknown_facts.as_deref_mut() {
                        u.push(unknown("administrativeUnits", &e));
                    }
                    (format!("administrative unit {unit}"), false)
                }
                Err(e) => return Err(e),
            };
            cache.insert(unit.clone(), entry);
        }
        let (name, restricted) = cache[&unit].clone();
        r.scope_name = name;
        r.scope_restricted = restricted;
    }
    Ok(())
}

/// Role assignments made to role-assignable groups reach their members.
fn principals(id: &str, groups: &[DirectoryObject]) -> Vec<String> {
    let mut p = vec![id.to_string()];
    p.extend(
        groups
            .iter()
            .filter(|g| g.is_assignable_to_role == Some(true))
            .map(|g| g.id.clone()),
    );
    p
}

/// Reads a user and everything the details pane and the eligibility engine need.
/// Only the user itself is required; a missing permission elsewhere becomes an `UnknownFact`.
pub async fn target_facts(api: &dyn GraphApi, key: &str) -> Result<TargetFacts, GraphError> {
    let user = api.get_user(key).await?;
    let id = user.id.clone();
    let (member_of, groups, owned, sign_in) = tokio::join!(
        api.member_of(&id),
        api.transitive_groups(&id),
        api.owned_groups(&id),
        api.sign_in_activity(&id)
    );
    let mut user = user;
    let sign_in_unavailable = match sign_in {
        Ok(activity) => {
            user.sign_in_activity = activity;
            None
        }
        Err(e) if e.is_forbidden() => {
            Some("not readable with your roles (needs AuditLog.Read.All and a reports role)".into())
        }
        Err(e) if e.is_unauthenticated() => return Err(e),
        Err(_) => {
            Some("not available now (Graph is limiting sign-in reads); try again later".into())
        }
    };
    let mut unknown_facts = Vec::new();
    let member_of =
        readable("administrativeUnits", member_of, &mut unknown_facts)?.unwrap_or_default();
    let groups = readable("groups", groups, &mut unknown_facts)?.unwrap_or_default();
    let owned = readable("ownedGroups", owned, &mut unknown_facts)?.unwrap_or_default();
    let units: Vec<DirectoryObject> = member_of
        .into_iter()
        .filter(|o| o.is_administrative_unit())
        .collect();
    let principals = principals(&id, &groups);
    let (active, eligible) = tokio::join!(
        api.role_assignments(&principals),
        api.role_eligibilities(&principals)
    );
    let catalog = RoleCatalog::builtin();
    let mut roles = Vec::new();
    if let Some(list) = readable("activeRoles", active, &mut unknown_facts)? {
        roles.extend(list.iter().map(|a| from_assignment(a, &catalog, &groups)));
    }
    if let Some(list) = readable("eligibleRoles", eligible, &mut unknown_facts)? {
        roles.extend(list.iter().map(|s| from_instance(s, &catalog, &groups)));
    }
    let mut cache: UnitCache = units
        .iter()
        .map(|u| {
            (
                u.id.clone(),
                (
                    u.display_name.clone().unwrap_or_default(),
                    u.is_member_management_restricted == Some(true),
                ),
            )
        })
        .collect();
    resolve_scopes(api, &mut roles, &mut cache, Some(&mut unknown_facts)).await?;
    roles.sort_by(|a, b| (a.state as u8, &a.name).cmp(&(b.state as u8, &b.name)));
    Ok(TargetFacts {
        user,
        sign_in_unavailable,
        groups: memberships(&groups),
        owned_groups: memberships(&owned),
        administrative_units: memberships(&units),
        roles,
        unknown: unknown_facts,
    })
}

/// What the session knows about the signed-in operator. Cached by the caller and re-read
/// on demand (after a PIM activation).
#[derive(Debug, Clone)]
pub struct OperatorFacts {
    /// The signed-in user; for an application, its service principal's id and name.
    pub user: User,
    pub operator: Operator,
    pub unknown: Vec<UnknownFact>,
    /// Set when the operator is an application (an app-only token).
    pub app: Option<crate::auth::AppIdentity>,
}

impl OperatorFacts {
    /// Who acted, for the journal.
    pub fn person(&self) -> crate::journal::Person {
        crate::journal::Person {
            id: self.user.id.clone(),
            user_principal_name: self.user.user_principal_name.clone(),
            app_id: self.app.as_ref().map(|a| a.app_id.clone()),
        }
    }

    /// The operator's name for headers and messages: a UPN, or an app's name and id.
    pub fn who(&self) -> String {
        match &self.app {
            Some(a) => format!("{} (app {})", a.display_name, a.app_id),
            None => self
                .user
                .user_principal_name
                .clone()
                .unwrap_or_else(|| self.user.id.clone()),
        }
    }

    /// "Helpdesk Administrator, Reports Reader", or "no active role".
    pub fn active_roles_summary(&self) -> String {
        let roles: Vec<String> = self
            .operator
            .active
            .iter()
            .map(|r| r.short_label())
            .collect();
        if roles.is_empty() {
            "no active role".into()
        } else {
            roles.join(", ")
        }
    }
}

/// Reads the operator's active roles (direct and through role-assignable groups, with
/// scopes) and eligible roles. If role assignments are unreadable, the tenant-wide roles in
/// the token's `wids` claim stand in.
pub async fn operator_facts(
    api: &dyn GraphApi,
    token: TokenFacts,
) -> Result<OperatorFacts, GraphError> {
    if let Some(app) = token.app.clone() {
        return app_operator_facts(api, token, app).await;
    }
    let user = api.me().await?;
    let catalog = RoleCatalog::builtin();
    let mut unknown_facts = Vec::new();
    let (groups, eligible) =
        tokio::join!(api.transitive_groups(&user.id), api.my_role_eligibilities());
    let groups = readable("groups", groups, &mut unknown_facts)?.unwrap_or_default();
    let mut roles_from_token = false;
    let assignments = api.role_assignments(&principals(&user.id, &groups)).await;
    let mut active: Vec<RoleHolding> =
        match readable("activeRoles", assignments, &mut unknown_facts)? {
            Some(list) => list
                .iter()
                .map(|a| from_assignment(a, &catalog, &groups))
                .collect(),
            None => {
                roles_from_token = true;
                roles_in_token(&token, &catalog)
            }
        };
    let mut eligible: Vec<RoleHolding> = readable("eligibleRoles", eligible, &mut unknown_facts)?
        .unwrap_or_default()
        .iter()
        .map(|s| from_instance(s, &catalog, &groups))
        .collect();
    let mut cache = UnitCache::new();
    resolve_scopes(api, &mut active, &mut cache, None).await?;
    resolve_scopes(api, &mut eligible, &mut cache, None).await?;
    // The "User" role every member holds is not worth showing.
    active.retain(|r| r.template_id != "b79fbf4d-3ef9-4689-8143-76b194e85509");
    Ok(OperatorFacts {
        operator: Operator {
            id: user.id.clone(),
            active,
            eligible,
            roles_from_token,
            grant: match (token.scopes, token.app_permissions) {
                (Some(s), _) => Some(Grant::Delegated(s)),
                (None, Some(r)) => Some(Grant::Application(r)),
                (None, None) => None,
            },
        },
        user,
        unknown: unknown_facts,
        app: None,
    })
}

/// An application operator (app-only token): its service principal's directory roles,
/// assigned directly (`principalId eq` the token's `oid`), feed the verdict. There is no
/// `/me` for an app (user-get.md: `/me` needs a signed-in user) and no PIM view of its
/// own eligibilities (`filterByCurrentUser` is for signed-in users).
async fn app_operator_facts(
    api: &dyn GraphApi,
    token: TokenFacts,
    app: crate::auth::AppIdentity,
) -> Result<OperatorFacts, GraphError> {
    let catalog = RoleCatalog::builtin();
    let mut unknown_facts = Vec::new();
    let mut roles_from_token = false;
    let assignments = api
        .role_assignments(std::slice::from_ref(&app.object_id))
        .await;
    let mut active: Vec<RoleHolding> =
        match readable("activeRoles", assignments, &mut unknown_facts)? {
            Some(list) => list
                .iter()
                .map(|a| from_assignment(a, &catalog, &[]))
                .collect(),
            None => {
                roles_from_token = true;
                roles_in_token(&token, &catalog)
            }
        };
    let mut cache = UnitCache::new();
    resolve_scopes(api, &mut active, &mut cache, None).await?;
    let user = User {
        id: app.object_id.clone(),
        display_name: Some(app.display_name.clone()),
        ..User::default()
    };
    Ok(OperatorFacts {
        operator: Operator {
            id: app.object_id.clone(),
            active,
            eligible: Vec::new(),
            roles_from_token,
            // No `roles` claim: no application permission was consented.
            grant: Some(Grant::Application(
                token.app_permissions.unwrap_or_default(),
            )),
        },
        user,
        unknown: unknown_facts,
        app: Some(app),
    })
}

/// The tenant-wide roles named in the token's `wids`: the stand-in when role
/// assignments are unreadable.
fn roles_in_token(token: &TokenFacts, catalog: &RoleCatalog) -> Vec<RoleHolding> {
    token
        .wids
        .clone()
        .unwrap_or_default()
        .iter()
        .filter_map(|w| catalog.by_id(w))
        .map(|d| RoleHolding {
            name: d.display_name.clone(),
            template_id: d.template_id.clone(),
            scope: "/".into(),
            scope_name: "tenant".into(),
            scope_restricted: false,
            state: RoleState::Active,
            via_group: None,
            built_in: true,
        })
        .collect()
}

/// The tenant facts that matter for one target: is its UPN domain federated, and is
/// password writeback on (where readable).
pub async fn tenant_facts(api: &dyn GraphApi, target: &User) -> Result<TenantFacts, GraphError> {
    let (domains, sync) = tokio::join!(api.domains(), api.on_premises_sync());
    // Unreadable (403) is unknown; a transient failure fails the check.
    let mut ignored = Vec::new();
    let domains = readable("domains", domains, &mut ignored)?;
    let sync = readable("onPremisesSynchronization", sync, &mut ignored)?;
    let domain = target
        .user_principal_name
        .as_deref()
        .and_then(|u| u.rsplit_once('@'))
        .map(|(_, d)| d.to_lowercase());
    let domain_federated = match (domains, domain) {
        (Some(list), Some(d)) => federated(&list, &d),
        _ => None,
    };
    let password_writeback = match sync {
        Some(Some(s)) => s.features.and_then(|f| f.password_writeback_enabled),
        Some(None) => Some(false),
        None => None,
    };
    Ok(TenantFacts {
        reset_password_api: api.cloud().has_reset_password(),
        domain_federated,
        password_writeback,
    })
}

fn federated(domains: &[Domain], domain: &str) -> Option<bool> {
    domains
        .iter()
        .find(|d| d.id.eq_ignore_ascii_case(domain))
        .map(Domain::is_federated)
}

/// Everything `show` and the details pane present: the facts and the verdict.
#[derive(Debug, Clone)]
pub struct Assessment {
    pub target: TargetFacts,
    pub tenant: TenantFacts,
    pub verdict: Verdict,
}

impl Assessment {
    /// The target holds a role or sits in a role-assignable group: a reset needs their
    /// UPN typed to confirm (a bulk one, the count; the row says so).
    pub fn privileged(&self) -> bool {
        !self.target.roles.is_empty()
            || self
                .target
                .groups
                .iter()
                .chain(&self.target.owned_groups)
                .any(|g| g.protected)
    }
}

pub async fn assess(
    api: &dyn GraphApi,
    operator: &OperatorFacts,
    key: &str,
) -> Result<Assessment, GraphError> {
    let target = target_facts(api, key).await?;
    let tenant = tenant_facts(api, &target.user).await?;
    let unknown = target.unknown_names();
    let account = super::account(&target.user);
    let verdict = eligibility::evaluate(
        &operator.operator,
        &Target {
            user: &account,
            roles: &target.roles,
            groups: &target.groups,
            owned_groups: &target.owned_groups,
            units: &target.administrative_units,
            unknown: &unknown,
        },
        &tenant,
    );
    Ok(Assessment {
        target,
        tenant,
        verdict,
    })
}

fn role_identity(
    def: Option<&crate::graph::model::RoleDefinition>,
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

fn holding(
    def: Option<&crate::graph::model::RoleDefinition>,
    role_definition_id: &str,
    scope: Option<&String>,
    principal_id: &str,
    state: RoleState,
    catalog: &RoleCatalog,
    groups: &[DirectoryObject],
) -> RoleHolding {
    let (name, template_id, built_in) = role_identity(def, role_definition_id, catalog);
    let scope = scope.cloned().unwrap_or_else(|| "/".into());
    RoleHolding {
        name,
        template_id,
        scope_name: if scope == "/" {
            "tenant".into()
        } else {
            scope.clone()
        },
        scope,
        scope_restricted: false,
        state,
        via_group: via(principal_id, groups),
        built_in,
    }
}

fn from_assignment(
    a: &RoleAssignment,
    catalog: &RoleCatalog,
    groups: &[DirectoryObject],
) -> RoleHolding {
    holding(
        a.role_definition.as_ref(),
        &a.role_definition_id,
        a.directory_scope_id.as_ref(),
        &a.principal_id,
        RoleState::Active,
        catalog,
        groups,
    )
}

fn from_instance(
    s: &ScheduleInstance,
    catalog: &RoleCatalog,
    groups: &[DirectoryObject],
) -> RoleHolding {
    holding(
        s.role_definition.as_ref(),
        &s.role_definition_id,
        s.directory_scope_id.as_ref(),
        &s.principal_id,
        RoleState::Eligible,
        catalog,
        groups,
    )
}
