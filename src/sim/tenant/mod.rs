//! The simulator's in-memory tenant, loaded from a hand-written JSON file (see
//! `assets/demo-tenant.json`) plus optional generated users for scale tests: the `Tenant`
//! type, its directory objects and the lookups the routes make.

mod auth;
mod generated;
mod load;
mod user;

pub use auth::SimAuth;
pub use generated::MAX_GENERATED_USERS;
pub use load::DEMO_TENANT;
pub use user::{SimUser, known_user_property, tokenize, user_id_for};

use std::collections::{BTreeMap, HashMap};

use anyhow::bail;
use serde_json::{Map, Value, json};

use crate::policy::roles::RoleCatalog;

#[derive(Debug, Clone)]
pub struct Persona {
    pub user_id: String,
    pub scopes: Option<String>,
}

#[derive(Debug, Clone)]
pub struct SimGroup {
    pub id: String,
    pub display_name: String,
    pub description: Option<String>,
    pub is_assignable_to_role: bool,
    pub members: Vec<String>,
    pub owners: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct SimAu {
    pub id: String,
    pub display_name: String,
    pub description: Option<String>,
    pub restricted: bool,
    pub members: Vec<String>,
}

/// An application registration with its service principal: a client that signs in as
/// itself (client credentials, managed identity, workload identity).
#[derive(Debug, Clone, Default)]
pub struct SimApp {
    /// The application (client) id.
    pub app_id: String,
    /// The service principal's object id: role assignments name it.
    pub sp_id: String,
    pub display_name: String,
    /// Application permissions consented for it (the token's `roles`).
    pub permissions: Vec<String>,
    /// A client secret it signs in with.
    pub secret: Option<String>,
    /// A certificate (PEM) whose key signs its client assertions.
    pub certificate_pem: Option<String>,
    /// The `sub` of a federated credential (workload identity): a token whose subject
    /// this is may stand in as the client assertion.
    pub federated_subject: Option<String>,
    /// A managed identity: the App Service identity endpoint hands out its tokens.
    pub managed_identity: bool,
}

#[derive(Debug, Clone)]
pub struct SimAssignment {
    pub id: String,
    pub principal_id: String,
    pub role_definition_id: String,
    /// `/` or `/administrativeUnits/{id}`.
    pub directory_scope_id: String,
    pub eligible: bool,
}

pub struct Tenant {
    pub organization: Map<String, Value>,
    pub domains: Vec<Map<String, Value>>,
    pub on_premises_sync: Option<Map<String, Value>>,
    pub users: Vec<SimUser>,
    by_id: HashMap<String, usize>,
    by_upn: HashMap<String, usize>,
    /// Built by `sim::start` before serving (or on the first `$search`), dropped when a
    /// user is added: users' names, UPNs and mail never change once in the tenant.
    search_index: std::sync::OnceLock<crate::sim::search_index::SearchIndex>,
    pub groups: Vec<SimGroup>,
    pub aus: Vec<SimAu>,
    pub roles: RoleCatalog,
    pub assignments: Vec<SimAssignment>,
    pub personas: BTreeMap<String, Persona>,
    pub apps: Vec<SimApp>,
    /// Long-running `resetPassword` operations by id.
    pub operations: HashMap<String, super::writes::SimOperation>,
    /// How long a `resetPassword` operation takes.
    pub operation_delay: std::time::Duration,
    /// Reads selecting `signInActivity` have a budget far below other user reads, as in
    /// Graph (throttling-limits, identity and access reports); this is the simulator's
    /// stand-in: 10 per 10 seconds.
    pub signin_limit: super::audit::ReportLimit,
    /// Directory audit entries, oldest first, each visible only after the arrival delay.
    pub audit: Vec<super::audit::AuditRecord>,
    /// How late entries appear in the log (real tenants: minutes).
    pub audit_delay: std::time::Duration,
    /// The Temporary Access Pass method's policy, as Graph returns it.
    pub tap_policy: Map<String, Value>,
    /// The tenant has Entra ID P1/P2: without it Graph serves no sign-in logs or
    /// registration reports (403 `Authentication_RequestFromNonPremiumTenantOrB2CTenant`).
    pub premium: bool,
}

impl Tenant {
    pub fn push_user(&mut self, u: SimUser) -> anyhow::Result<()> {
        if self.by_id.contains_key(&u.id) || self.by_upn.contains_key(&u.upn_lower) {
            bail!("duplicate user {}", u.upn_lower);
        }
        self.by_id.insert(u.id.clone(), self.users.len());
        self.by_upn.insert(u.upn_lower.clone(), self.users.len());
        self.users.push(u);
        self.search_index.take();
        Ok(())
    }

    /// The sorted `$search` keys of every user.
    pub fn search_index(&self) -> &crate::sim::search_index::SearchIndex {
        self.search_index
            .get_or_init(|| crate::sim::search_index::SearchIndex::build(&self.users))
    }

    /// A user by id or (case-insensitive) UPN.
    pub fn user_by_key(&self, key: &str) -> Option<&SimUser> {
        self.user_index(key).map(|i| &self.users[i])
    }

    pub fn user_index(&self, key: &str) -> Option<usize> {
        self.by_id
            .get(key)
            .or_else(|| self.by_upn.get(&key.to_lowercase()))
            .copied()
    }

    pub fn user_mut(&mut self, index: usize) -> &mut SimUser {
        &mut self.users[index]
    }

    /// Groups whose members include `user_id` (the demo has no nested groups, so direct
    /// and transitive membership are the same).
    pub fn groups_of(&self, user_id: &str) -> impl Iterator<Item = &SimGroup> {
        self.groups
            .iter()
            .filter(move |g| g.members.iter().any(|m| m == user_id))
    }

    pub fn groups_owned_by(&self, user_id: &str) -> impl Iterator<Item = &SimGroup> {
        self.groups
            .iter()
            .filter(move |g| g.owners.iter().any(|m| m == user_id))
    }

    pub fn aus_of(&self, user_id: &str) -> impl Iterator<Item = &SimAu> {
        self.aus
            .iter()
            .filter(move |a| a.members.iter().any(|m| m == user_id))
    }

    /// The principal ids whose assignments apply to a user: the user and their groups.
    pub fn principals_of(&self, user_id: &str) -> Vec<String> {
        let mut ids = vec![user_id.to_string()];
        ids.extend(self.groups_of(user_id).map(|g| g.id.clone()));
        ids
    }

    pub fn app_by_id(&self, app_id: &str) -> Option<&SimApp> {
        self.apps
            .iter()
            .find(|a| a.app_id.eq_ignore_ascii_case(app_id))
    }

    /// Active role assignments that apply to a user, direct or through a group.
    pub fn active_roles_of(&self, user_id: &str) -> Vec<&SimAssignment> {
        let principals = self.principals_of(user_id);
        self.assignments
            .iter()
            .filter(|a| !a.eligible && principals.contains(&a.principal_id))
            .collect()
    }

    /// Does the user hold one of these roles (by display name), active, at tenant scope?
    pub fn has_tenant_role(&self, user_id: &str, names: &[&str]) -> bool {
        self.active_roles_of(user_id).iter().any(|a| {
            a.directory_scope_id == "/"
                && self
                    .roles
                    .by_id(&a.role_definition_id)
                    .is_some_and(|d| names.contains(&d.display_name.as_str()))
        })
    }

    /// Verified domains as the organization resource lists them.
    pub fn verified_domains(&self) -> Value {
        Value::Array(
            self.domains
                .iter()
                .map(|d| {
                    json!({
                        "name": d.get("id"),
                        "type": d.get("authenticationType"),
                        "isDefault": d.get("isDefault").cloned().unwrap_or(json!(false)),
                        "isInitial": d.get("isInitial").cloned().unwrap_or(json!(false)),
                        "capabilities": "Email, OfficeCommunicationsOnline",
                    })
                })
                .collect(),
        )
    }

    pub fn password_writeback(&self) -> bool {
        self.on_premises_sync
            .as_ref()
            .and_then(|s| s.get("features"))
            .and_then(|f| f.get("passwordWritebackEnabled"))
            .and_then(Value::as_bool)
            .unwrap_or(false)
    }
}
