//! Microsoft Graph v1.0: the `GraphApi` trait the rest of the program uses, its reqwest
//! implementation, the serde models and typed errors.

mod client;
mod error;
pub mod facts;
pub mod model;
pub mod query;
pub mod retry;

pub use client::{ClientOptions, GraphClient};
pub use error::GraphError;

use async_trait::async_trait;

use model::*;

/// Result of a user search: the users, and the server's total when it sent one.
#[derive(Debug, Clone, Default)]
pub struct SearchResult {
    pub users: Vec<User>,
    pub count: Option<u64>,
}

/// Every Graph call the console makes. The TUI, the CLI and tests share this one trait.
#[async_trait]
pub trait GraphApi: Send + Sync {
    /// `GET /me`: the signed-in operator.
    async fn me(&self) -> Result<User, GraphError>;
    /// `GET /users?$search=…`: up to `top` users, following `@odata.nextLink` as needed.
    async fn search_users(&self, text: &str, top: u32) -> Result<SearchResult, GraphError>;
    /// `GET /users/{id | userPrincipalName}` with every source-of-authority property.
    async fn get_user(&self, id_or_upn: &str) -> Result<User, GraphError>;
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
}
