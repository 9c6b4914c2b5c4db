//! The `GraphApi` calls: which path, query and body each Graph request of the console
//! uses, and what of the answer it keeps.

use std::sync::atomic::Ordering;
use std::time::Duration;

use async_trait::async_trait;
use percent_encoding::utf8_percent_encode;
use reqwest::{Method, StatusCode};
use zeroize::Zeroize;

use super::{GraphClient, OPTIONAL_USER_PROPS, QUERY_VALUE, enc};
use crate::graph::budget::Priority;
use crate::graph::model::*;
use crate::graph::query::{self, MAX_PAGE};
use crate::graph::retry;
use crate::graph::{
    AuditPage, BatchRequest, BatchResponse, GraphApi, GraphError, PASSWORD_METHOD_ID,
    PasswordProfileUpdate, ResetAccepted, SearchResult, TapCreated, WriteReceipt,
};
use crate::secret::{ExposeSecret, SecretString, secret};

#[async_trait]
impl GraphApi for GraphClient {
    fn cloud(&self) -> crate::cloud::Cloud {
        self.opts.cloud
    }

    async fn batch(&self, requests: &[BatchRequest]) -> Result<Vec<BatchResponse>, GraphError> {
        // json-batching.md: a body needs its Content-Type in the item's headers. The
        // bodies (passwords) are spliced in as text and the buffer wiped once sent.
        let mut body = zeroize::Zeroizing::new(String::from("{\"requests\":["));
        for (n, r) in requests.iter().enumerate() {
            if n > 0 {
                body.push(',');
            }
            let mut item = serde_json::json!({"id": r.id, "method": r.method, "url": r.url});
            if r.body.is_some() {
                item["headers"] = serde_json::json!({"Content-Type": "application/json"});
            }
            let text = item.to_string();
            match &r.body {
                Some(b) => {
                    body.push_str(&text[..text.len() - 1]);
                    body.push_str(",\"body\":");
                    body.push_str(b.expose_secret());
                    body.push('}');
                }
                None => body.push_str(&text),
            }
        }
        body.push_str("]}");
        let url = self.url("/$batch", "")?;
        let r = self
            .write(Method::POST, url, Some(body.as_bytes().to_vec()))
            .await?;
        #[derive(serde::Deserialize)]
        struct Item {
            id: String,
            status: u16,
            #[serde(default)]
            headers: std::collections::HashMap<String, serde_json::Value>,
            #[serde(default)]
            body: serde_json::Value,
        }
        #[derive(serde::Deserialize)]
        struct Doc {
            responses: Vec<Item>,
        }
        let doc: Doc = serde_json::from_slice(&r.body).map_err(|e| GraphError::Decode {
            status: r.status,
            message: e.to_string(),
            request_id: r.request_id.clone(),
        })?;
        Ok(doc
            .responses
            .into_iter()
            .map(|i| BatchResponse {
                id: i.id,
                status: i.status,
                headers: i
                    .headers
                    .into_iter()
                    .map(|(k, v)| {
                        let v = v
                            .as_str()
                            .map(str::to_string)
                            .unwrap_or_else(|| v.to_string());
                        (k.to_ascii_lowercase(), v)
                    })
                    .collect(),
                body: i.body,
            })
            .collect())
    }

    async fn me(&self) -> Result<User, GraphError> {
        let q = format!("$select={}", enc(query::USER_SELECT));
        self.get_json(self.url("/me", &q)?, false).await
    }

    async fn search_users(&self, text: &str, top: u32) -> Result<SearchResult, GraphError> {
        let top = top.max(1);
        let q = format!(
            "$search={}&$select={}&$top={}&$count=true",
            enc(&query::user_search_expression(text)),
            enc(query::SEARCH_SELECT),
            top.min(MAX_PAGE)
        );
        let (users, count) = self
            .get_all(self.url("/users", &q)?, true, Some(top as usize))
            .await?;
        Ok(SearchResult { users, count })
    }

    async fn filter_users(&self, filter: &str, top: u32) -> Result<Vec<User>, GraphError> {
        let top = top.clamp(1, MAX_PAGE);
        let q = format!(
            "$filter={}&$select={}&$top={top}&$count=true",
            enc(filter),
            enc(query::SEARCH_SELECT),
        );
        let (users, _) = self
            .get_all(self.url("/users", &q)?, true, Some(top as usize))
            .await?;
        Ok(users)
    }

    async fn get_user(&self, id_or_upn: &str) -> Result<User, GraphError> {
        let path = query::user_path(id_or_upn);
        // Properties that need more than reading users: drop them one by one on a 403,
        // and the rest of the user is still read.
        loop {
            let n = self.optional_props.load(Ordering::Relaxed);
            let mut select = query::USER_SELECT.to_string();
            for p in &OPTIONAL_USER_PROPS[..n] {
                select.push(',');
                select.push_str(p);
            }
            let q = format!("$select={}", enc(&select));
            match self.get_json(self.url(&path, &q)?, false).await {
                Err(e) if e.is_forbidden() && n > 0 => {
                    self.optional_props.store(n - 1, Ordering::Relaxed);
                }
                other => return other,
            }
        }
    }

    async fn sign_in_activity(&self, user_id: &str) -> Result<Option<SignInActivity>, GraphError> {
        #[derive(serde::Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Only {
            sign_in_activity: Option<SignInActivity>,
        }
        let url = self.url(&query::user_path(user_id), "$select=signInActivity")?;
        let only: Only = self.get_json_tries(url, false, 1).await?;
        Ok(only.sign_in_activity)
    }

    async fn member_of(&self, user_id: &str) -> Result<Vec<DirectoryObject>, GraphError> {
        let path = format!("{}/memberOf", query::user_path(user_id));
        self.list(&path, "", false).await
    }

    async fn transitive_groups(&self, user_id: &str) -> Result<Vec<DirectoryObject>, GraphError> {
        // An OData cast on a transitive list is an advanced query.
        let path = format!(
            "{}/transitiveMemberOf/microsoft.graph.group",
            query::user_path(user_id)
        );
        let q = format!(
            "$count=true&$select={}",
            enc("id,displayName,isAssignableToRole")
        );
        self.list(&path, &q, true).await
    }

    async fn owned_groups(&self, user_id: &str) -> Result<Vec<DirectoryObject>, GraphError> {
        let path = format!(
            "{}/ownedObjects/microsoft.graph.group",
            query::user_path(user_id)
        );
        let q = format!(
            "$count=true&$select={}",
            enc("id,displayName,isAssignableToRole")
        );
        self.list(&path, &q, true).await
    }

    async fn role_assignments(
        &self,
        principal_ids: &[String],
    ) -> Result<Vec<RoleAssignment>, GraphError> {
        let mut out = Vec::new();
        // Keep each `in (...)` list short: URLs have length limits.
        for chunk in principal_ids.chunks(15) {
            let q = format!(
                "$filter={}&$expand=roleDefinition",
                enc(&query::principal_filter(chunk))
            );
            out.extend(
                self.list::<RoleAssignment>("/roleManagement/directory/roleAssignments", &q, false)
                    .await?,
            );
        }
        Ok(out)
    }

    async fn role_eligibilities(
        &self,
        principal_ids: &[String],
    ) -> Result<Vec<ScheduleInstance>, GraphError> {
        let calls = principal_ids.iter().map(|id| async move {
            let q = format!(
                "$filter={}&$expand=roleDefinition",
                enc(&query::principal_filter(std::slice::from_ref(id)))
            );
            self.list::<ScheduleInstance>(
                "/roleManagement/directory/roleEligibilityScheduleInstances",
                &q,
                false,
            )
            .await
        });
        let mut out = Vec::new();
        for r in futures::future::join_all(calls).await {
            out.extend(r?);
        }
        Ok(out)
    }

    async fn my_role_eligibilities(&self) -> Result<Vec<ScheduleInstance>, GraphError> {
        self.list(
            "/roleManagement/directory/roleEligibilityScheduleInstances/filterByCurrentUser(on='principal')",
            "$expand=roleDefinition",
            false,
        )
        .await
    }

    async fn my_role_assignments(&self) -> Result<Vec<ScheduleInstance>, GraphError> {
        self.list(
            "/roleManagement/directory/roleAssignmentScheduleInstances/filterByCurrentUser(on='principal')",
            "$expand=roleDefinition",
            false,
        )
        .await
    }

    async fn administrative_unit(&self, id: &str) -> Result<AdministrativeUnit, GraphError> {
        let path = format!(
            "/directory/administrativeUnits/{}",
            utf8_percent_encode(id, QUERY_VALUE)
        );
        self.get_json(self.url(&path, "")?, false).await
    }

    async fn organization(&self) -> Result<Organization, GraphError> {
        let orgs: Vec<Organization> = self.list("/organization", "", false).await?;
        orgs.into_iter().next().ok_or_else(|| GraphError::Decode {
            status: StatusCode::OK.as_u16(),
            message: "GET /organization returned no organization".into(),
            request_id: None,
        })
    }

    async fn domains(&self) -> Result<Vec<Domain>, GraphError> {
        self.list("/domains", "", false).await
    }

    async fn update_password_profile(
        &self,
        user_id: &str,
        update: &PasswordProfileUpdate<'_>,
    ) -> Result<WriteReceipt, GraphError> {
        let body = update.body();
        let url = self.url(&query::user_path(user_id), "")?;
        let r = self.write(Method::PATCH, url, Some(body.to_vec())).await?;
        Ok(WriteReceipt {
            request_id: r.request_id,
        })
    }

    async fn reset_password(
        &self,
        user_id: &str,
        new_password: Option<&SecretString>,
    ) -> Result<ResetAccepted, GraphError> {
        let body = zeroize::Zeroizing::new(match new_password {
            Some(p) => serde_json::to_vec(&serde_json::json!({"newPassword": p.expose_secret()}))
                .unwrap_or_default(),
            None => b"{}".to_vec(),
        });
        let path = format!(
            "{}/authentication/methods/{}/resetPassword",
            query::user_path(user_id),
            PASSWORD_METHOD_ID
        );
        let r = self
            .write(Method::POST, self.url(&path, "")?, Some(body.to_vec()))
            .await?;
        // A system-generated password comes only in this body (when none was sent).
        let generated = if r.body.is_empty() {
            None
        } else {
            let mut v: serde_json::Value = serde_json::from_slice(&r.body).unwrap_or_default();
            let pw = v
                .get_mut("newPassword")
                .and_then(|p| p.as_str().map(|s| secret(s.to_string())));
            if let Some(p) = v.get_mut("newPassword") {
                *p = serde_json::Value::Null;
            }
            pw
        };
        let mut raw = r.body;
        raw.zeroize();
        Ok(ResetAccepted {
            location: r.location,
            retry_after: r.retry_after,
            generated,
            request_id: r.request_id,
        })
    }

    async fn operation(&self, location: &str) -> Result<(Operation, Option<Duration>), GraphError> {
        // The Location is followed as given, query string included, but only to our host;
        // each try goes ahead of the audit poller and the triage reads.
        let url = self.follow(location)?;
        self.report_read(url, Priority::Operation).await
    }

    async fn sign_ins(
        &self,
        user_id: &str,
        since: time::OffsetDateTime,
        top: u32,
    ) -> Result<Vec<SignIn>, GraphError> {
        // signin.md: userId supports `eq`, createdDateTime `ge`; newest first by default
        // (signin-list.md), so no $orderby; a time filter keeps the read small, as the
        // throttling page advises.
        // Whole seconds, as Microsoft's examples write the literal.
        let since = since.replace_nanosecond(0).unwrap_or(since);
        let filter = format!(
            "userId eq {} and createdDateTime ge {}",
            query::odata_string(user_id),
            lenient_time::format(since)
        );
        let q = format!("$filter={}&$top={}", enc(&filter), top.clamp(1, 1000));
        let page: Page<SignIn> = self
            .report_read(self.url("/auditLogs/signIns", &q)?, Priority::Interactive)
            .await?
            .0;
        Ok(page.value)
    }

    async fn registration_details(&self, user_id: &str) -> Result<RegistrationDetails, GraphError> {
        // The docs' example wraps the entity in `value`; an entity GET returns it at the
        // top level. Both are accepted.
        #[derive(serde::Deserialize)]
        #[serde(untagged)]
        enum Shape {
            Wrapped { value: RegistrationDetails },
            Plain(RegistrationDetails),
        }
        let path = format!(
            "/reports/authenticationMethods/userRegistrationDetails/{}",
            utf8_percent_encode(user_id, QUERY_VALUE)
        );
        let shape: Shape = self
            .report_read(self.url(&path, "")?, Priority::Interactive)
            .await?
            .0;
        Ok(match shape {
            Shape::Wrapped { value } => value,
            Shape::Plain(d) => d,
        })
    }

    async fn auth_methods(&self, user_id: &str) -> Result<Vec<AuthMethod>, GraphError> {
        let path = format!("{}/authentication/methods", query::user_path(user_id));
        let page: Page<AuthMethod> = self
            .report_read(self.url(&path, "")?, Priority::Interactive)
            .await?
            .0;
        Ok(page.value)
    }

    async fn tap_policy(&self) -> Result<TapPolicy, GraphError> {
        self.get_json(
            self.url(
                "/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/TemporaryAccessPass",
                "",
            )?,
            false,
        )
        .await
    }

    async fn create_tap(
        &self,
        user_id: &str,
        request: &TapRequest,
    ) -> Result<TapCreated, GraphError> {
        let path = format!(
            "{}/authentication/temporaryAccessPassMethods",
            query::user_path(user_id)
        );
        let body = serde_json::to_vec(request).unwrap_or_default();
        // Authentication methods share the reports budget; a write goes ahead of reads.
        self.reports.acquire(Priority::Operation).await;
        let r = self
            .write(Method::POST, self.url(&path, "")?, Some(body))
            .await?;
        let mut raw = r.body;
        let parsed = serde_json::from_slice::<serde_json::Value>(&raw);
        raw.zeroize();
        // A 201 is a created pass even when its answer does not parse: no pass comes
        // back, and the caller calls it unconfirmed (never "not created").
        let Ok(mut v) = parsed else {
            return Ok(TapCreated {
                method: TapMethod::default(),
                pass: None,
                request_id: r.request_id,
            });
        };
        let pass = v
            .get_mut("temporaryAccessPass")
            .map(std::mem::take)
            .and_then(|p| match p {
                serde_json::Value::String(s) => Some(secret(s)),
                _ => None,
            });
        let method: TapMethod = serde_json::from_value(v).unwrap_or_default();
        Ok(TapCreated {
            method,
            pass,
            request_id: r.request_id,
        })
    }

    async fn directory_audits_page(
        &self,
        page: AuditPage<'_>,
    ) -> Result<Page<DirectoryAudit>, GraphError> {
        // One attempt per call, inside the shared reports budget: the audit poller retries
        // and would only be pushed over the limit by hidden retries here.
        let url = match page {
            AuditPage::First { filter, top } => self.url(
                "/auditLogs/directoryAudits",
                &format!("$filter={}&$top={top}", enc(filter)),
            )?,
            AuditPage::Next(link) => self.follow(link)?,
        };
        self.reports.acquire(Priority::Background).await;
        self.get_json_tries(url, false, 1).await
    }

    async fn revoke_sessions(&self, user_id: &str) -> Result<WriteReceipt, GraphError> {
        let path = format!("{}/revokeSignInSessions", query::user_path(user_id));
        let r = self.write(Method::POST, self.url(&path, "")?, None).await?;
        Ok(WriteReceipt {
            request_id: r.request_id,
        })
    }

    async fn on_premises_sync(&self) -> Result<Option<OnPremisesSync>, GraphError> {
        let all: Vec<OnPremisesSync> = self
            .list("/directory/onPremisesSynchronization", "", false)
            .await?;
        Ok(all.into_iter().next())
    }
}

impl GraphClient {
    /// A read of the identity and access reports (sign-ins, audits, registration,
    /// methods, operations): each try inside the shared budget at its priority,
    /// transient failures retried with Graph's `Retry-After`.
    async fn report_read<T: serde::de::DeserializeOwned>(
        &self,
        url: reqwest::Url,
        priority: Priority,
    ) -> Result<(T, Option<Duration>), GraphError> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            self.reports.acquire(priority).await;
            match self.get_json_full::<T>(url.clone(), false, 1).await {
                Err(e) if e.is_transient() && attempt < self.opts.max_attempts.max(1) => {
                    let wait = match e.retry_after() {
                        Some(ra) if ra > self.opts.max_retry_wait => {
                            return Err(retry::with_wait(e, ra, self.opts.max_retry_wait));
                        }
                        Some(ra) => retry::honour(ra),
                        None => retry::backoff(attempt),
                    };
                    tokio::time::sleep(wait).await;
                }
                other => return other,
            }
        }
    }
}
