//! The engine's inputs and its verdict.

use serde::Serialize;

use crate::policy::account::Account;

/// Why a reset is allowed, refused or worth a warning. The JSON name (kebab-case) is the
/// stable `code` scripts see; the wording lives in `wording.rs`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ReasonCode {
    Allowed,
    SelfReset,
    PendingInvite,
    ExternalUser,
    RestrictedAuGlobalAdmin,
    RestrictedManagementAu,
    ActivateInPim,
    CustomRoleUnpredictable,
    NoResetRole,
    RoleAssignableGroup,
    TargetRoleProtected,
    AuScopeTargetHasRole,
    OutsideAdministrativeUnit,
    FactsUnknown,
    EligibleRolesUnknown,
    OperatorRolesFromToken,
    EligibleTargetRole,
    FederatedDomain,
    CloudWithoutWriteback,
    MissingPermission,
    WritebackDisabled,
    SyncedWriteback,
    WritebackUnverified,
    ForceChangeIgnored,
    AccountDisabled,
    OnceSynced,
}

impl ReasonCode {
    pub fn as_str(self) -> &'static str {
        use ReasonCode::*;
        match self {
            Allowed => "allowed",
            SelfReset => "self-reset",
            PendingInvite => "pending-invite",
            ExternalUser => "external-user",
            RestrictedAuGlobalAdmin => "restricted-au-global-admin",
            RestrictedManagementAu => "restricted-management-au",
            ActivateInPim => "activate-in-pim",
            CustomRoleUnpredictable => "custom-role-unpredictable",
            NoResetRole => "no-reset-role",
            RoleAssignableGroup => "role-assignable-group",
            TargetRoleProtected => "target-role-protected",
            AuScopeTargetHasRole => "au-scope-target-has-role",
            OutsideAdministrativeUnit => "outside-administrative-unit",
            FactsUnknown => "facts-unknown",
            EligibleRolesUnknown => "eligible-roles-unknown",
            OperatorRolesFromToken => "operator-roles-from-token",
            EligibleTargetRole => "eligible-target-role",
            FederatedDomain => "federated-domain",
            CloudWithoutWriteback => "cloud-without-writeback",
            MissingPermission => "missing-permission",
            WritebackDisabled => "writeback-disabled",
            SyncedWriteback => "synced-writeback",
            WritebackUnverified => "writeback-unverified",
            ForceChangeIgnored => "force-change-ignored",
            AccountDisabled => "account-disabled",
            OnceSynced => "once-synced",
        }
    }

    /// A fact of the hybrid set-up or the cloud: Graph may accept the call and fail it
    /// later (federated, writeback off), or lacks the call (China).
    pub fn is_hybrid(self) -> bool {
        matches!(
            self,
            ReasonCode::FederatedDomain
                | ReasonCode::WritebackDisabled
                | ReasonCode::CloudWithoutWriteback
        )
    }

    /// The reason is not a missing role (a hybrid fact, or a permission the sign-in
    /// lacks): no role helps.
    pub fn no_role_helps(self) -> bool {
        self.is_hybrid() || self == ReasonCode::MissingPermission
    }

    /// The verdict rests on something the operator could not read.
    pub fn is_uncertain(self) -> bool {
        matches!(
            self,
            ReasonCode::FactsUnknown
                | ReasonCode::EligibleRolesUnknown
                | ReasonCode::OperatorRolesFromToken
        )
    }
}

impl std::fmt::Display for ReasonCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Scripts and tests compare codes with their JSON names.
impl PartialEq<&str> for ReasonCode {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

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
    /// The scope is a restricted-management administrative unit.
    pub scope_restricted: bool,
    pub state: RoleState,
    /// The role-assignable group the role comes through, if not direct.
    pub via_group: Option<String>,
    pub built_in: bool,
}

impl RoleHolding {
    pub fn unit_id(&self) -> Option<&str> {
        self.scope.strip_prefix("/administrativeUnits/")
    }
    /// "Helpdesk Administrator", or "Helpdesk Administrator @ Seattle Office" when scoped.
    pub fn short_label(&self) -> String {
        match self.unit_id() {
            None => self.name.clone(),
            Some(_) => format!("{} @ {}", self.name, self.scope_name),
        }
    }

    pub(super) fn scope_label(&self) -> String {
        match self.unit_id() {
            None => "tenant-wide".into(),
            Some(_) => format!("scoped to {}", self.scope_name),
        }
    }
}

/// A group or administrative unit the user belongs to.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Membership {
    pub id: String,
    pub display_name: String,
    /// Groups: role-assignable. Administrative units: restricted management.
    pub protected: bool,
}

/// The signed-in operator.
#[derive(Debug, Clone, Default)]
pub struct Operator {
    pub id: String,
    pub active: Vec<RoleHolding>,
    pub eligible: Vec<RoleHolding>,
    /// Role assignments were unreadable; `active` comes from the token's `wids` claim.
    pub roles_from_token: bool,
    /// The Graph permissions the operator's token carries (`None`: not readable, e.g. an
    /// opaque token; then Graph alone decides).
    pub grant: Option<Grant>,
}

/// The Graph permissions in a token's claims.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Grant {
    /// A signed-in user's token: its `scp` scopes.
    Delegated(Vec<String>),
    /// An app-only token: its `roles` (application permissions).
    Application(Vec<String>),
}

impl Grant {
    pub fn is_delegated(&self) -> bool {
        matches!(self, Grant::Delegated(_))
    }

    /// Holds any of these permissions (compared as Entra does, ignoring case).
    pub fn has_any(&self, wanted: &[&str]) -> bool {
        let (Grant::Delegated(p) | Grant::Application(p)) = self;
        p.iter()
            .any(|have| wanted.iter().any(|w| have.eq_ignore_ascii_case(w)))
    }
}

/// The user to be reset, with what is known about them.
#[derive(Debug, Clone)]
pub struct Target<'a> {
    pub user: &'a Account,
    pub roles: &'a [RoleHolding],
    pub groups: &'a [Membership],
    pub owned_groups: &'a [Membership],
    pub units: &'a [Membership],
    /// Facts that could not be read: `activeRoles`, `eligibleRoles`, `groups`,
    /// `ownedGroups`, `administrativeUnits`.
    pub unknown: &'a [String],
}

/// Facts about the tenant.
#[derive(Debug, Clone)]
pub struct TenantFacts {
    /// The tenant's cloud has Graph's `resetPassword`, the only API that writes a synced
    /// user's password back to AD (false in the China cloud: `Cloud::has_reset_password`).
    pub reset_password_api: bool,
    /// The target's UPN domain is federated (`None`: not known).
    pub domain_federated: Option<bool>,
    /// Password writeback as `/directory/onPremisesSynchronization` reports it (`None`:
    /// not readable with the operator's permissions).
    pub password_writeback: Option<bool>,
}

impl Default for TenantFacts {
    fn default() -> Self {
        TenantFacts {
            reset_password_api: true,
            domain_federated: None,
            password_writeback: None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Method {
    /// `PATCH /users/{id}` with `passwordProfile`: cloud users.
    #[serde(rename = "passwordProfile")]
    PasswordProfile,
    /// `POST …/methods/28c10230-…/resetPassword` with an admin-supplied password: synced
    /// users (the path that writes back to on-premises AD).
    #[serde(rename = "resetPassword")]
    ResetPassword,
}

impl Method {
    /// The path for this account: synced users go the way that writes back to AD.
    pub fn for_account(user: &crate::policy::account::Account) -> Method {
        if user.on_premises_sync_enabled == Some(true) {
            Method::ResetPassword
        } else {
            Method::PasswordProfile
        }
    }

    /// The Graph permissions this path accepts, least privileged first.
    /// - resetPassword: delegated `UserAuthenticationMethod.ReadWrite.All` only
    ///   (https://learn.microsoft.com/graph/api/authenticationmethod-resetpassword?view=graph-rest-1.0).
    /// - passwordProfile: least `User-PasswordProfile.ReadWrite.All`; the older
    ///   `Directory.AccessAsUser.All` and the broad write permissions are accepted too
    ///   (https://learn.microsoft.com/graph/api/user-update?view=graph-rest-1.0).
    pub fn permissions(self) -> &'static [&'static str] {
        match self {
            Method::ResetPassword => &["UserAuthenticationMethod.ReadWrite.All"],
            Method::PasswordProfile => &[
                "User-PasswordProfile.ReadWrite.All",
                "Directory.AccessAsUser.All",
                "User.ReadWrite.All",
                "Directory.ReadWrite.All",
            ],
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Method::PasswordProfile => "passwordProfile",
            Method::ResetPassword => "resetPassword",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Block,
    Warn,
    Info,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reason {
    /// Stable, for scripts: serialised as e.g. `target-role-protected`.
    pub code: ReasonCode,
    pub severity: Severity,
    pub message: String,
    /// What to do instead (empty for plain information).
    pub fix: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Verdict {
    pub allowed: bool,
    pub method: Option<Method>,
    /// Blocks first (the first one decides), then warnings, then information.
    pub reasons: Vec<Reason>,
    /// The least-privileged role that would allow this reset, if any would.
    pub least_privileged_role: Option<String>,
}

impl Verdict {
    pub fn blocks(&self) -> impl Iterator<Item = &Reason> {
        self.reasons
            .iter()
            .filter(|r| r.severity == Severity::Block)
    }
    /// The code of the reason that decides a refusal (`not-eligible` if none is given).
    pub fn refusal_code(&self) -> &'static str {
        self.blocks()
            .next()
            .map(|r| r.code.as_str())
            .unwrap_or("not-eligible")
    }
    pub fn warnings(&self) -> impl Iterator<Item = &Reason> {
        self.reasons.iter().filter(|r| r.severity == Severity::Warn)
    }
}
