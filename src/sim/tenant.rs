//! The simulator's in-memory tenant, loaded from a hand-written JSON file (see
//! `assets/demo-tenant.json`) plus optional generated users for scale tests.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use anyhow::{Context, bail};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::policy::roles::{RoleCatalog, RoleDef};

/// The embedded demo tenant.
pub const DEMO_TENANT: &str = include_str!("../../assets/demo-tenant.json");

/// Namespace for deriving stable user ids from UPNs.
const ID_NAMESPACE: uuid::Uuid = uuid::Uuid::from_u128(0x9b1f_4c1e_6a2d_4e8b_9f3a_5c7d_1e2f_3a4b);

/// Upper bound for `--users`.
pub const MAX_GENERATED_USERS: usize = 100_000;

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct TenantFile {
    #[serde(rename = "_comment", default)]
    _comment: Option<String>,
    organization: Map<String, Value>,
    domains: Vec<Map<String, Value>>,
    #[serde(default)]
    on_premises_synchronization: Option<Map<String, Value>>,
    #[serde(default)]
    custom_roles: Vec<CustomRoleFile>,
    #[serde(default)]
    groups: Vec<GroupFile>,
    #[serde(default)]
    administrative_units: Vec<AuFile>,
    #[serde(default)]
    roles: Vec<RoleFile>,
    personas: BTreeMap<String, PersonaFile>,
    users: Vec<Map<String, Value>>,
}

/// A persona: a user's UPN, or the UPN with the delegated scopes its token carries
/// (default: everything resetdesk asks for).
#[derive(Deserialize)]
#[serde(untagged)]
enum PersonaFile {
    Upn(String),
    Full { user: String, scopes: String },
}

#[derive(Debug, Clone)]
pub struct Persona {
    pub user_id: String,
    pub scopes: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct CustomRoleFile {
    id: String,
    display_name: String,
    #[serde(default)]
    description: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct GroupFile {
    id: String,
    display_name: String,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    is_assignable_to_role: bool,
    #[serde(default)]
    members: Vec<String>,
    #[serde(default)]
    owners: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct AuFile {
    id: String,
    display_name: String,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    is_member_management_restricted: bool,
    #[serde(default)]
    members: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RoleFile {
    /// A user's UPN or a group's display name.
    principal: String,
    /// A role's display name (built-in or custom).
    role: String,
    /// An administrative unit's display name; absent for tenant scope.
    #[serde(default)]
    scope: Option<String>,
    /// `active` (default) or `eligible`.
    #[serde(default)]
    state: Option<String>,
}

#[derive(Debug, Clone)]
pub struct SimUser {
    pub id: String,
    /// Why password writeback fails for this user on-premises (e.g. AdminCount=1).
    pub writeback_failure: Option<String>,
    /// Every user property as Graph would return it on `$select`.
    pub props: Map<String, Value>,
    pub upn_lower: String,
    pub mail_lower: String,
    /// Lower-cased displayName tokens for `$search`.
    pub name_tokens: Vec<String>,
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
    pub groups: Vec<SimGroup>,
    pub aus: Vec<SimAu>,
    pub roles: RoleCatalog,
    pub assignments: Vec<SimAssignment>,
    pub personas: BTreeMap<String, Persona>,
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
}

pub fn user_id_for(upn: &str) -> String {
    uuid::Uuid::new_v5(&ID_NAMESPACE, upn.to_lowercase().as_bytes()).to_string()
}

/// Splits text the way directory `$search` tokenizes displayName: on spaces and symbols,
/// at a lower→upper case change and between letters and digits.
pub fn tokenize(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut prev: Option<char> = None;
    for c in s.chars() {
        if !c.is_alphanumeric() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            prev = None;
            continue;
        }
        if let Some(p) = prev {
            let case_change = p.is_lowercase() && c.is_uppercase();
            let digit_change = p.is_numeric() != c.is_numeric();
            if (case_change || digit_change) && !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
        }
        cur.extend(c.to_lowercase());
        prev = Some(c);
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// A deterministic timestamp derived from an id, so the demo looks lived-in but is stable.
fn derived_time(id: &str, salt: u8, max_days: i64) -> String {
    let h = id
        .bytes()
        .fold(u64::from(salt).wrapping_mul(0x100000001b3), |a, b| {
            (a ^ u64::from(b)).wrapping_mul(0x100000001b3)
        });
    let base = time::macros::datetime!(2026-11-20 09:00 UTC);
    let t = base - time::Duration::minutes((h % (max_days as u64 * 24 * 60)) as i64);
    crate::graph::model::lenient_time::format(t)
}

/// Every property the simulator knows for a user, with its default.
fn user_defaults(upn: &str, display_name: &str, id: &str) -> Map<String, Value> {
    let domain = upn.rsplit('@').next().unwrap_or_default().to_string();
    let (given, surname) = match display_name.split_once(' ') {
        Some((g, s)) => (json!(g), json!(s)),
        None => (Value::Null, Value::Null),
    };
    let v = json!({
        "id": id,
        "displayName": display_name,
        "userPrincipalName": upn,
        "mail": upn,
        "otherMails": [],
        "proxyAddresses": [],
        "mailNickname": upn.split('@').next().unwrap_or_default(),
        "givenName": given,
        "surname": surname,
        "jobTitle": null,
        "department": null,
        "officeLocation": null,
        "companyName": "Contoso Ltd",
        "employeeId": null,
        "streetAddress": null,
        "city": null,
        "state": null,
        "postalCode": null,
        "country": null,
        "businessPhones": [],
        "mobilePhone": null,
        "imAddresses": [],
        "preferredLanguage": "en-US",
        "accountEnabled": true,
        "userType": "Member",
        "creationType": null,
        "externalUserState": null,
        "externalUserStateChangeDateTime": null,
        "identities": [{"signInType": "userPrincipalName", "issuer": domain, "issuerAssignedId": upn}],
        "onPremisesSyncEnabled": null,
        "onPremisesDistinguishedName": null,
        "onPremisesSamAccountName": null,
        "onPremisesUserPrincipalName": null,
        "onPremisesDomainName": null,
        "onPremisesSecurityIdentifier": null,
        "onPremisesImmutableId": null,
        "onPremisesLastSyncDateTime": null,
        "onPremisesProvisioningErrors": [],
        "lastPasswordChangeDateTime": derived_time(id, 1, 200),
        "createdDateTime": derived_time(id, 2, 1500),
        "passwordPolicies": null,
        "passwordProfile": {"forceChangePasswordNextSignIn": false, "forceChangePasswordNextSignInWithMfa": false, "password": null},
        "signInActivity": {
            "lastSignInDateTime": derived_time(id, 3, 20),
            "lastSignInRequestId": uuid::Uuid::new_v5(&ID_NAMESPACE, format!("{id}/signin").as_bytes()).to_string(),
            "lastNonInteractiveSignInDateTime": derived_time(id, 4, 10),
            "lastNonInteractiveSignInRequestId": uuid::Uuid::new_v5(&ID_NAMESPACE, format!("{id}/ni").as_bytes()).to_string(),
            "lastSuccessfulSignInDateTime": derived_time(id, 3, 20),
            "lastSuccessfulSignInRequestId": uuid::Uuid::new_v5(&ID_NAMESPACE, format!("{id}/signin").as_bytes()).to_string()
        },
        "signInSessionsValidFromDateTime": derived_time(id, 2, 1500),
        "isManagementRestricted": null,
        "usageLocation": "US",
        "assignedLicenses": [],
    });
    match v {
        Value::Object(m) => m,
        _ => unreachable!("literal object"),
    }
}

/// The property names a `$select` on users may name.
pub fn known_user_property(name: &str) -> bool {
    static NAMES: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    NAMES
        .get_or_init(|| user_defaults("x@y", "x", "id").keys().cloned().collect())
        .iter()
        .any(|k| k.eq_ignore_ascii_case(name))
}

impl SimUser {
    pub fn new(mut given: Map<String, Value>) -> anyhow::Result<SimUser> {
        let upn = given
            .get("userPrincipalName")
            .and_then(Value::as_str)
            .context("a user has no userPrincipalName")?
            .to_string();
        let display_name = given
            .get("displayName")
            .and_then(Value::as_str)
            .unwrap_or(&upn)
            .to_string();
        // Simulator-only facts (not Graph properties) start with `_`.
        let writeback_failure = given
            .remove("_writebackFailure")
            .and_then(|v| v.as_str().map(str::to_string));
        let id = match given.remove("id") {
            Some(Value::String(id)) => id,
            _ => user_id_for(&upn),
        };
        let mut props = user_defaults(&upn, &display_name, &id);
        for (k, v) in given {
            if !props.contains_key(&k) {
                bail!("user {upn}: unknown property `{k}`");
            }
            if let (true, Some(Value::Object(into)), Value::Object(from)) =
                (k == "signInActivity", props.get_mut(&k), &v)
            {
                into.extend(from.clone());
                continue;
            }
            props.insert(k, v);
        }
        // Exchange gives every mail user its primary SMTP address (upper-case prefix).
        let no_proxies = props
            .get("proxyAddresses")
            .and_then(Value::as_array)
            .is_none_or(|a| a.is_empty());
        if no_proxies && let Some(mail) = props.get("mail").and_then(Value::as_str) {
            let primary = json!([format!("SMTP:{mail}")]);
            props.insert("proxyAddresses".into(), primary);
        }
        let mut u = SimUser {
            id,
            writeback_failure,
            props,
            upn_lower: String::new(),
            mail_lower: String::new(),
            name_tokens: Vec::new(),
        };
        u.reindex();
        Ok(u)
    }

    pub fn reindex(&mut self) {
        let s = |k: &str| {
            self.props
                .get(k)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_lowercase()
        };
        self.upn_lower = s("userPrincipalName");
        self.mail_lower = s("mail");
        // Tokenize before lower-casing: a lower→upper change splits tokens.
        self.name_tokens = tokenize(self.str("displayName").unwrap_or_default());
    }

    pub fn str(&self, key: &str) -> Option<&str> {
        self.props.get(key).and_then(Value::as_str)
    }

    pub fn display_name(&self) -> &str {
        self.str("displayName").unwrap_or_default()
    }
}

impl Tenant {
    pub fn demo() -> anyhow::Result<Tenant> {
        Tenant::parse(DEMO_TENANT).context("the embedded demo tenant is invalid")
    }

    pub fn from_file(path: &Path) -> anyhow::Result<Tenant> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read tenant file {}", path.display()))?;
        Tenant::parse(&text).with_context(|| format!("tenant file {}", path.display()))
    }

    pub fn parse(text: &str) -> anyhow::Result<Tenant> {
        let file: TenantFile = serde_json::from_str(text)?;
        let mut roles = RoleCatalog::builtin();
        for c in file.custom_roles {
            roles.add(RoleDef {
                id: c.id.clone(),
                template_id: c.id,
                display_name: c.display_name,
                description: c.description,
                built_in: false,
                privileged: false,
            });
        }
        let mut t = Tenant {
            organization: file.organization,
            domains: file.domains,
            on_premises_sync: file.on_premises_synchronization,
            users: Vec::new(),
            by_id: HashMap::new(),
            by_upn: HashMap::new(),
            groups: Vec::new(),
            aus: Vec::new(),
            roles,
            assignments: Vec::new(),
            personas: BTreeMap::new(),
            operations: HashMap::new(),
            operation_delay: std::time::Duration::from_millis(1200),
            signin_limit: super::audit::ReportLimit::new(10, std::time::Duration::from_secs(10)),
            audit: Vec::new(),
            audit_delay: std::time::Duration::ZERO,
        };
        for u in file.users {
            t.push_user(SimUser::new(u)?)?;
        }
        let resolve = |t: &Tenant, upn: &str| -> anyhow::Result<String> {
            t.user_by_key(upn)
                .map(|u| u.id.clone())
                .with_context(|| format!("no user {upn}"))
        };
        for g in file.groups {
            let members = g
                .members
                .iter()
                .map(|m| resolve(&t, m))
                .collect::<Result<_, _>>()?;
            let owners = g
                .owners
                .iter()
                .map(|m| resolve(&t, m))
                .collect::<Result<_, _>>()?;
            t.groups.push(SimGroup {
                id: g.id,
                display_name: g.display_name,
                description: g.description,
                is_assignable_to_role: g.is_assignable_to_role,
                members,
                owners,
            });
        }
        for a in file.administrative_units {
            let members = a
                .members
                .iter()
                .map(|m| resolve(&t, m))
                .collect::<Result<_, _>>()?;
            t.aus.push(SimAu {
                id: a.id,
                display_name: a.display_name,
                description: a.description,
                restricted: a.is_member_management_restricted,
                members,
            });
        }
        for (n, r) in file.roles.into_iter().enumerate() {
            let principal_id = match t.user_by_key(&r.principal) {
                Some(u) => u.id.clone(),
                None => t
                    .groups
                    .iter()
                    .find(|g| g.display_name == r.principal)
                    .map(|g| g.id.clone())
                    .with_context(|| {
                        format!("role holder {} is neither user nor group", r.principal)
                    })?,
            };
            let def = t
                .roles
                .by_name(&r.role)
                .with_context(|| format!("unknown role {}", r.role))?;
            let scope = match &r.scope {
                None => "/".to_string(),
                Some(name) => {
                    let au = t
                        .aus
                        .iter()
                        .find(|a| &a.display_name == name)
                        .with_context(|| format!("unknown administrative unit {name}"))?;
                    format!("/administrativeUnits/{}", au.id)
                }
            };
            let eligible = match r.state.as_deref() {
                None | Some("active") => false,
                Some("eligible") => true,
                Some(other) => bail!("role state `{other}` is neither active nor eligible"),
            };
            t.assignments.push(SimAssignment {
                id: format!("sim-assignment-{n}-{}", &principal_id[..8]),
                principal_id,
                role_definition_id: def.id.clone(),
                directory_scope_id: scope,
                eligible,
            });
        }
        for (name, p) in file.personas {
            let (upn, scopes) = match p {
                PersonaFile::Upn(u) => (u, None),
                PersonaFile::Full { user, scopes } => (user, Some(scopes)),
            };
            let user_id = resolve(&t, &upn)?;
            t.personas.insert(name, Persona { user_id, scopes });
        }
        Ok(t)
    }

    pub fn push_user(&mut self, u: SimUser) -> anyhow::Result<()> {
        if self.by_id.contains_key(&u.id) || self.by_upn.contains_key(&u.upn_lower) {
            bail!("duplicate user {}", u.upn_lower);
        }
        self.by_id.insert(u.id.clone(), self.users.len());
        self.by_upn.insert(u.upn_lower.clone(), self.users.len());
        self.users.push(u);
        Ok(())
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

    /// Adds `n` generated users with realistic names. About 40 % are contractors whose
    /// display name ends in "(Contractor)", so one search term matches thousands of them.
    pub fn add_generated_users(&mut self, n: usize) -> anyhow::Result<()> {
        if n > MAX_GENERATED_USERS {
            bail!("--users is limited to {MAX_GENERATED_USERS}");
        }
        const FIRST: &[&str] = &[
            "Aaliyah", "Aaron", "Abigail", "Adrian", "Aiden", "Alice", "Amir", "Ana", "Andre",
            "Anika", "Arjun", "Ben", "Bianca", "Caleb", "Camila", "Chen", "Chloe", "Daniel",
            "Diana", "Elena", "Eli", "Emma", "Farah", "Felix", "Gabriel", "Hana", "Ivan", "Jada",
            "Jonas", "Julia", "Kai", "Karin", "Leo", "Lina", "Malik", "Maya", "Mateo", "Nina",
            "Omar", "Paula", "Quinn", "Rosa", "Sami", "Sara", "Tariq", "Uma", "Victor", "Wen",
            "Yara", "Zane",
        ];
        const LAST: &[&str] = &[
            "Abbott",
            "Becker",
            "Castillo",
            "Dubois",
            "Eriksen",
            "Fischer",
            "Gonzalez",
            "Haddad",
            "Ito",
            "Jensen",
            "Kowalski",
            "Larsen",
            "Moreau",
            "Nakamura",
            "Okafor",
            "Petrov",
            "Quintero",
            "Rossi",
            "Santos",
            "Tanaka",
            "Ueda",
            "Varga",
            "Weber",
            "Xu",
            "Yilmaz",
            "Zhang",
            "Andersen",
            "Brennan",
            "Costa",
            "Dalton",
            "Esposito",
            "Farouk",
            "Gallagher",
            "Hoffman",
            "Ivanova",
            "Jovanovic",
            "Khan",
            "Lopez",
            "Meyer",
            "Novak",
            "Olsen",
            "Park",
            "Ramos",
            "Schmidt",
            "Torres",
            "Urban",
            "Vogel",
            "Walsh",
            "Young",
            "Ziegler",
        ];
        const DEPTS: &[&str] = &[
            "Retail",
            "Logistics",
            "Engineering",
            "Finance",
            "Sales",
            "Manufacturing",
            "Customer Service",
            "Operations",
        ];
        let start = self.users.len();
        for i in 0..n {
            let first = FIRST[i % FIRST.len()];
            let last = LAST[(i / FIRST.len() + i * 7) % LAST.len()];
            let contractor = i % 5 < 2;
            let upn = format!(
                "{}.{}.{:05}@contoso.com",
                first.to_lowercase(),
                last.to_lowercase(),
                i
            );
            let display = if contractor {
                format!("{first} {last} (Contractor)")
            } else {
                format!("{first} {last}")
            };
            let mut m = Map::new();
            m.insert("userPrincipalName".into(), json!(upn));
            m.insert("displayName".into(), json!(display));
            m.insert("givenName".into(), json!(first));
            m.insert("surname".into(), json!(last));
            m.insert("department".into(), json!(DEPTS[i % DEPTS.len()]));
            m.insert(
                "jobTitle".into(),
                json!(if contractor {
                    "Contractor"
                } else {
                    "Associate"
                }),
            );
            if i % 3 == 0 {
                m.insert("onPremisesSyncEnabled".into(), json!(true));
                m.insert(
                    "onPremisesSamAccountName".into(),
                    json!(format!("u{:06}", start + i)),
                );
                m.insert(
                    "onPremisesDistinguishedName".into(),
                    json!(format!(
                        "CN={first} {last},OU=Generated,DC=corp,DC=contoso,DC=com"
                    )),
                );
                m.insert("onPremisesDomainName".into(), json!("corp.contoso.com"));
                m.insert(
                    "onPremisesLastSyncDateTime".into(),
                    json!("2026-11-21T23:40:12Z"),
                );
            }
            self.push_user(SimUser::new(m)?)?;
        }
        Ok(())
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokenizer_follows_the_documented_rules() {
        assert_eq!(tokenize("contosoAdmin1"), ["contoso", "admin", "1"]);
        assert_eq!(tokenize("Oscar Ward"), ["oscar", "ward"]);
        assert_eq!(
            tokenize("Fitzgerald-Montgomery"),
            ["fitzgerald", "montgomery"]
        );
        assert_eq!(tokenize("Zoë Ångström"), ["zoë", "ångström"]);
    }

    #[test]
    fn demo_tenant_covers_what_the_issue_asks_for() {
        let t = Tenant::demo().unwrap();
        assert!(t.users.len() >= 60, "{}", t.users.len());
        let any = |f: &dyn Fn(&SimUser) -> bool| t.users.iter().any(f);
        assert!(any(&|u| u.props["onPremisesSyncEnabled"] == json!(true)));
        assert!(any(&|u| u.props["onPremisesSyncEnabled"] == json!(false)));
        assert!(any(
            &|u| u.str("externalUserState") == Some("PendingAcceptance")
        ));
        assert!(any(&|u| u.props["accountEnabled"] == json!(false)));
        assert!(any(&|u| u.display_name().contains('\u{1b}')));
        assert!(any(&|u| u.display_name().chars().count() >= 300));
        assert!(any(&|u| u.props["identities"]
            .to_string()
            .contains("MicrosoftAccount")));
        for persona in [
            "global-admin",
            "privileged-auth-admin",
            "user-admin",
            "helpdesk",
            "password-admin",
            "au-helpdesk",
            "no-role",
            "pim-eligible-helpdesk",
        ] {
            assert!(t.personas.contains_key(persona), "{persona}");
        }
        assert!(t.aus.iter().any(|a| a.restricted && !a.members.is_empty()));
        assert!(t.assignments.iter().any(|a| a.eligible));
        assert!(
            t.assignments
                .iter()
                .any(|a| a.directory_scope_id.starts_with("/administrativeUnits/"))
        );
    }

    #[test]
    fn every_role_in_the_matrix_has_a_holder() {
        let t = Tenant::demo().unwrap();
        let matrix = include_str!("../../assets/reset-permissions.csv");
        let mut names: Vec<&str> = Vec::new();
        for line in matrix.lines().skip(1) {
            let cols: Vec<&str> = line.splitn(4, ',').collect();
            names.push(cols[0]);
            names.push(cols[2]);
        }
        for name in names {
            let Some(def) = t.roles.by_name(name) else {
                continue; // a category such as "User (no admin role)", not a role
            };
            assert!(
                t.assignments.iter().any(|a| a.role_definition_id == def.id),
                "nobody holds {name}"
            );
        }
    }

    #[test]
    fn generated_users_scale_and_are_unique() {
        let mut t = Tenant::demo().unwrap();
        let before = t.users.len();
        t.add_generated_users(5000).unwrap();
        assert_eq!(t.users.len(), before + 5000);
        assert!(t.add_generated_users(MAX_GENERATED_USERS + 1).is_err());
    }
}
