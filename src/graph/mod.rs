//! Microsoft Graph v1.0: the `GraphApi` trait the rest of the program uses, its reqwest
//! implementation, the serde models and typed errors.

pub mod audit;
pub mod budget;
mod client;
mod error;
pub mod model;
pub mod query;
pub mod retry;

pub use client::{ClientOptions, GraphClient};
pub use error::GraphError;

use std::time::Duration;

use async_trait::async_trait;

use crate::secret::{ExposeSecret, SecretString};
use model::*;

/// The one password method every user has (authenticationmethod-resetpassword.md).
pub const PASSWORD_METHOD_ID: &str = "28c10230-6103-485e-b985-444c60001490";

/// `PATCH /users/{id}` with `passwordProfile` (user-update.md; passwordprofile.md).
pub struct PasswordProfileUpdate<'a> {
    /// The new password; `None` sends the change flags alone ("require a change at next
    /// sign-in" without a new password: not documented either way — passwordprofile.md
    /// requires a password on create only — so the caller reads the flag back).
    pub password: Option<&'a SecretString>,
    pub force_change: bool,
    pub force_change_with_mfa: bool,
}

/// The wire shape, borrowing the password: no copy of it but the zeroized body.
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct ProfileBody<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    password: Option<&'a str>,
    force_change_password_next_sign_in: bool,
    force_change_password_next_sign_in_with_mfa: bool,
}

#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct UpdateBody<'a> {
    password_profile: ProfileBody<'a>,
}

impl PasswordProfileUpdate<'_> {
    /// The request body; the password is in plain text only inside this zeroized buffer
    /// (sized up front, so that it is never reallocated and left behind).
    pub fn body(&self) -> zeroize::Zeroizing<Vec<u8>> {
        let mut body = zeroize::Zeroizing::new(Vec::with_capacity(1024));
        let _ = serde_json::to_writer(
            &mut *body,
            &UpdateBody {
                password_profile: ProfileBody {
                    password: self.password.map(|p| p.expose_secret()),
                    force_change_password_next_sign_in: self.force_change,
                    force_change_password_next_sign_in_with_mfa: self.force_change_with_mfa,
                },
            },
        );
        body
    }
}

/// Requests a `$batch` may hold (json-batching.md, "Batch size limitations").
pub const BATCH_MAX: usize = 20;

/// One request of a `POST /$batch`: an id, a method, a URL relative to the version
/// (`/users/{id}`) and a JSON body — a secret, since it may hold a password.
pub struct BatchRequest {
    pub id: String,
    pub method: &'static str,
    pub url: String,
    pub body: Option<SecretString>,
}

/// One response of a `$batch`, matched to its request by `id`.
#[derive(Debug, Clone)]
pub struct BatchResponse {
    pub id: String,
    pub status: u16,
    /// Header names lower-cased.
    pub headers: Vec<(String, String)>,
    pub body: serde_json::Value,
}

impl BatchResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn retry_after(&self) -> Option<Duration> {
        self.header("retry-after")
            .and_then(retry::parse_retry_after)
    }

    /// The item's error as the client's error type (for a status ≥ 400).
    pub fn error(&self) -> GraphError {
        GraphError::from_response(
            self.status,
            self.body.to_string().as_bytes(),
            self.header("request-id").map(str::to_string),
            self.retry_after(),
        )
    }
}

/// A write Graph accepted.
#[derive(Debug, Clone, Default)]
pub struct WriteReceipt {
    pub request_id: Option<String>,
}

/// The 202 of `resetPassword`: where to poll, how soon, and the system-generated password
/// when none was sent.
#[derive(Debug)]
pub struct ResetAccepted {
    pub location: Option<String>,
    pub retry_after: Option<Duration>,
    pub generated: Option<SecretString>,
    pub request_id: Option<String>,
}

/// The 201 of a Temporary Access Pass creation: the method, and the pass itself — shown
/// by Graph only in this answer, never again.
#[derive(Debug)]
pub struct TapCreated {
    pub method: TapMethod,
    pub pass: Option<SecretString>,
    pub request_id: Option<String>,
}

/// Result of a user search: the users, and the server's total when it sent one.
#[derive(Debug, Clone, Default)]
pub struct SearchResult {
    pub users: Vec<User>,
    pub count: Option<u64>,
}

/// Every Graph call the console makes. The TUI, the CLI and tests share this one trait.
#[async_trait]
pub trait GraphApi: Send + Sync {
    /// The national cloud this client speaks to: some calls do not exist in every cloud.
    fn cloud(&self) -> crate::cloud::Cloud {
        crate::cloud::Cloud::Global
    }
    /// `GET /me`: the signed-in operator.
    async fn me(&self) -> Result<User, GraphError>;
    /// `GET /users?$search=…`: up to `top` users, following `@odata.nextLink` as needed.
    async fn search_users(&self, text: &str, top: u32) -> Result<SearchResult, GraphError>;
    /// `GET /users?$filter=…` (advanced query: `ConsistencyLevel: eventual`, `$count`):
    /// up to `top` users with the search properties.
    async fn filter_users(&self, filter: &str, top: u32) -> Result<Vec<User>, GraphError>;
    /// `GET /users/{id | userPrincipalName}` with every source-of-authority property.
    async fn get_user(&self, id_or_upn: &str) -> Result<User, GraphError>;
    /// `GET /users/{id}?$select=signInActivity`, one attempt: a 429 or 403 here is the
    /// caller's to tolerate, never a reason to fail the user's details.
    async fn sign_in_activity(&self, user_id: &str) -> Result<Option<SignInActivity>, GraphError>;
    /// Direct memberships (`memberOf`): groups, directory roles and administrative units.
    async fn member_of(&self, user_id: &str) -> Result<Vec<DirectoryObject>, GraphError>;
    /// Transitive group memberships (`transitiveMemberOf/microsoft.graph.group`).
    async fn transitive_groups(&self, user_id: &str) -> Result<Vec<DirectoryObject>, GraphError>;
    /// Groups the user owns (`ownedObjects/microsoft.graph.group`).
    async fn owned_groups(&self, user_id: &str) -> Result<Vec<DirectoryObject>, GraphError>;
    /// Active role assignments of these principals, with `roleDefinition` expanded.
    async fn role_assignments(
        &self,
        principal_ids: &[String],
    ) -> Result<Vec<RoleAssignment>, GraphError>;
    /// PIM eligibility instances of these principals, with `roleDefinition` expanded.
    async fn role_eligibilities(
        &self,
        principal_ids: &[String],
    ) -> Result<Vec<ScheduleInstance>, GraphError>;
    /// The signed-in operator's own eligible roles (`filterByCurrentUser(on='principal')`).
    async fn my_role_eligibilities(&self) -> Result<Vec<ScheduleInstance>, GraphError>;
    /// The signed-in operator's own active role instances (`filterByCurrentUser`).
    async fn my_role_assignments(&self) -> Result<Vec<ScheduleInstance>, GraphError>;
    async fn administrative_unit(&self, id: &str) -> Result<AdministrativeUnit, GraphError>;
    async fn organization(&self) -> Result<Organization, GraphError>;
    async fn domains(&self) -> Result<Vec<Domain>, GraphError>;
    /// `GET /directory/onPremisesSynchronization`; `None` when the tenant has none.
    async fn on_premises_sync(&self) -> Result<Option<OnPremisesSync>, GraphError>;
    /// `PATCH /users/{id}` with `passwordProfile` (204). Sent once, never retried.
    async fn update_password_profile(
        &self,
        user_id: &str,
        update: &PasswordProfileUpdate<'_>,
    ) -> Result<WriteReceipt, GraphError>;
    /// `POST /users/{id}/authentication/methods/{passwordMethodId}/resetPassword` (202).
    /// Sent once, never retried.
    async fn reset_password(
        &self,
        user_id: &str,
        new_password: Option<&SecretString>,
    ) -> Result<ResetAccepted, GraphError>;
    /// `GET` the long-running operation at a 202's `Location` (query string kept).
    async fn operation(&self, location: &str) -> Result<(Operation, Option<Duration>), GraphError>;
    /// `POST /users/{id}/revokeSignInSessions`.
    async fn revoke_sessions(&self, user_id: &str) -> Result<WriteReceipt, GraphError>;
    /// `POST /$batch` with at most 20 requests: the responses, in any order (match them by
    /// id). Sent once, never retried: its requests may be writes.
    async fn batch(&self, requests: &[BatchRequest]) -> Result<Vec<BatchResponse>, GraphError>;
    /// `GET /auditLogs/signIns?$filter=userId eq '…' and createdDateTime ge …&$top=N`: the
    /// user's latest interactive sign-ins, newest first (signin-list.md), inside the
    /// reports budget.
    async fn sign_ins(
        &self,
        user_id: &str,
        since: time::OffsetDateTime,
        top: u32,
    ) -> Result<Vec<SignIn>, GraphError>;
    /// `GET /reports/authenticationMethods/userRegistrationDetails/{id}`.
    async fn registration_details(&self, user_id: &str) -> Result<RegistrationDetails, GraphError>;
    /// `GET /users/{id}/authentication/methods`.
    async fn auth_methods(&self, user_id: &str) -> Result<Vec<AuthMethod>, GraphError>;
    /// `GET /policies/authenticationMethodsPolicy/authenticationMethodConfigurations/TemporaryAccessPass`.
    async fn tap_policy(&self) -> Result<TapPolicy, GraphError>;
    /// `POST /users/{id}/authentication/temporaryAccessPassMethods` (201). Sent once,
    /// never retried: a second pass would replace the first.
    async fn create_tap(
        &self,
        user_id: &str,
        request: &TapRequest,
    ) -> Result<TapCreated, GraphError>;
    /// One page of `GET /auditLogs/directoryAudits`, one attempt (the caller paces).
    async fn directory_audits_page(
        &self,
        page: AuditPage<'_>,
    ) -> Result<Page<DirectoryAudit>, GraphError>;
}

/// Which page of the audit log to read.
#[derive(Debug, Clone, Copy)]
pub enum AuditPage<'a> {
    First { filter: &'a str, top: u32 },
    Next(&'a str),
}
