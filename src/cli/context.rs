//! Turning global options into a configured Graph client: the configuration layers, the
//! credential, and with `--demo` an in-process simulator.

use std::sync::Arc;

use super::{Exit, Failure, GlobalArgs};
use crate::auth::{self, TokenProvider};
use crate::config::{Config, ConfigError, Layer, load_file};
use crate::graph::{ClientOptions, GraphApi, GraphClient};

pub struct Session {
    pub config: Config,
    pub graph: Arc<dyn GraphApi>,
    pub tokens: Arc<dyn TokenProvider>,
    /// The in-process simulator of `--demo`; kept alive as long as the session.
    pub sim: Option<Box<dyn std::any::Any + Send + Sync>>,
}

/// The command-line layer of the configuration.
pub fn cli_layer(g: &GlobalArgs) -> Result<Layer, ConfigError> {
    let mut layer = Layer::default();
    for (key, option, value) in [
        ("graph_url", "graph-url", &g.graph_url),
        ("auth", "auth", &g.auth),
        ("tenant", "tenant", &g.tenant),
        ("cloud", "cloud", &g.cloud),
    ] {
        if let Some(v) = value {
            layer.set(key, v).map_err(|message| ConfigError::Cli {
                option: option.into(),
                message,
            })?;
        }
    }
    Ok(layer)
}

pub fn load_config(g: &GlobalArgs) -> Result<Config, ConfigError> {
    load_config_with(g, g.profile.as_deref())
}

/// The configuration with profile `profile` (the console's `:profile` switches with it).
pub fn load_config_with(g: &GlobalArgs, profile: Option<&str>) -> Result<Config, ConfigError> {
    let (file, source) = load_file(g.config.as_deref())?;
    let (file, profile, profiles) = file.with_profile(profile, source.as_deref())?;
    let env = Layer::from_env(|k| std::env::var(k).ok())?;
    let mut config = file.merge(env).merge(cli_layer(g)?).resolve(source);
    config.profile = profile;
    config.profiles = profiles;
    Ok(config)
}

/// The embedded demo tenant in-process: its base URL and the handle that keeps it alive.
#[cfg(feature = "demo")]
#[allow(clippy::type_complexity)]
async fn start_demo(
    g: &GlobalArgs,
    cloud: crate::cloud::Cloud,
) -> Result<
    (
        Arc<dyn TokenProvider>,
        (String, Box<dyn std::any::Any + Send + Sync>),
    ),
    Failure,
> {
    use crate::sim::{self, Faults, SimOptions, Tenant};
    let tenant = Tenant::demo().map_err(|e| Failure::new(Exit::Failed, e.to_string()))?;
    let running = sim::start(SimOptions {
        audit: sim::AuditOptions::default(),
        operation_delay: std::time::Duration::from_millis(1200),
        port: 0,
        tenant,
        persona: g.persona.clone().unwrap_or_else(|| "helpdesk".into()),
        faults: Faults::default(),
        latency: std::time::Duration::ZERO,
        cloud,
        token_lifetime: std::time::Duration::from_secs(3599),
        write_limit: (3000, std::time::Duration::from_secs(150)),
    })
    .await
    .map_err(|e| Failure::new(Exit::Usage, e.to_string()))?;
    let tokens: Arc<dyn TokenProvider> =
        Arc::new(crate::auth::StaticToken::new(running.token.clone()));
    Ok((tokens, (running.base_url.clone(), Box::new(running))))
}

#[cfg(not(feature = "demo"))]
#[allow(clippy::type_complexity)]
async fn start_demo(
    _: &GlobalArgs,
    _: crate::cloud::Cloud,
) -> Result<
    (
        Arc<dyn TokenProvider>,
        (String, Box<dyn std::any::Any + Send + Sync>),
    ),
    Failure,
> {
    Err(Failure::new(
        Exit::Usage,
        "this build has no demo tenant (built without the `demo` feature)",
    ))
}

impl Session {
    pub async fn open(g: &GlobalArgs) -> Result<Session, Failure> {
        Session::open_with(g, g.profile.as_deref(), None).await
    }

    /// A session with profile `profile`; a sign-in that needs the admin goes through
    /// `interaction` when given (the console), else stderr and stdin.
    pub async fn open_with(
        g: &GlobalArgs,
        profile: Option<&str>,
        interaction: Option<auth::Interaction>,
    ) -> Result<Session, Failure> {
        let mut config = load_config_with(g, profile)?;
        if g.persona.is_some() && !g.demo {
            return Err(Failure::new(
                Exit::Usage,
                "--as chooses a demo persona; use it with --demo",
            ));
        }
        let (tokens, sim): (
            Arc<dyn TokenProvider>,
            Option<Box<dyn std::any::Any + Send + Sync>>,
        ) = if g.demo {
            if g.graph_url.is_some() {
                return Err(Failure::new(
                    Exit::Usage,
                    "--demo runs its own simulator; drop --graph-url",
                ));
            }
            let (tokens, running) = start_demo(g, config.cloud).await?;
            config.graph_url = running.0;
            (tokens, Some(running.1))
        } else {
            let provider = auth::provider_for(&config)?;
            if let Some(i) = interaction {
                provider.interact_via(i);
            }
            // Sign in now, before any screen is drawn: a device-code prompt goes to stderr.
            let token = provider.token().await?;
            // Whatever the method, a token from another tenant than the one asked for (by
            // id) is refused: an MSP helpdesk must never act in the wrong customer's
            // directory. (A tenant given as a domain cannot be compared offline.)
            if let Some(want) = config
                .tenant
                .as_deref()
                .filter(|t| uuid::Uuid::try_parse(t).is_ok())
            {
                use crate::secret::ExposeSecret;
                if let Some(tid) = auth::token_claim(token.expose_secret(), "tid")
                    && !tid.eq_ignore_ascii_case(want)
                {
                    return Err(Failure::new(
                        Exit::AuthFailed,
                        format!(
                            "the token is for tenant {} but tenant {want} was asked for; nothing was done",
                            crate::sanitize::sanitize_line(&tid, 64)
                        ),
                    )
                    .code("wrong-tenant")
                    .fix("sign in to the tenant you mean, or drop --tenant"));
                }
            }
            (provider, None)
        };
        let client = GraphClient::new(ClientOptions::from_config(&config), tokens.clone())?;
        Ok(Session {
            config,
            graph: Arc::new(client),
            tokens,
            sim,
        })
    }
}

impl Session {
    /// The operator and the assessment of one user, with "no such user" as a one-line
    /// failure that says what to do.
    pub async fn assess(
        &self,
        key: &str,
    ) -> Result<
        (
            crate::service::facts::OperatorFacts,
            crate::service::facts::Assessment,
        ),
        Failure,
    > {
        crate::graph::query::check_user_key(key).map_err(|m| Failure::new(Exit::Usage, m))?;
        let operator = self.operator().await?;
        let user = self.resolve(key).await?;
        match crate::service::facts::assess(self.graph.as_ref(), &operator, &user.id).await {
            Ok(a) => Ok((operator, a)),
            Err(e) if e.is_unauthenticated() => Err(e.into()),
            // A fault while gathering the facts is not a verdict: exit 1, never 3.
            Err(e) => {
                let mut f = Failure::from(e);
                f.message = format!(
                    "could not check whether you may reset {}: {}",
                    crate::sanitize::sanitize(key.trim()),
                    f.message
                );
                if f.fix.is_empty() {
                    f.fix = "try again; nothing was changed".into();
                }
                Err(f)
            }
        }
    }

    /// The one user `key` names (service::resolve): several are `ambiguous-user` with the
    /// candidates, none is `user-not-found` with what was tried.
    pub async fn resolve(&self, key: &str) -> Result<crate::graph::model::User, Failure> {
        use crate::service::resolve::{Resolved, resolve};
        let shown = crate::sanitize::sanitize_line(key.trim(), 120);
        let resolved = resolve(self.graph.as_ref(), key).await.map_err(|e| {
            if e.is_unauthenticated() {
                Failure::from(e)
            } else {
                let mut f = Failure::from(e);
                f.message = format!("could not look up {shown:?}: {}", f.message);
                if f.fix.is_empty() {
                    f.fix = "try again".into();
                }
                f
            }
        })?;
        match resolved {
            Resolved::One(u) => Ok(*u),
            Resolved::Many(users) => {
                let list: Vec<String> = users
                    .iter()
                    .map(|u| {
                        format!(
                            "{} ({}, {})",
                            crate::sanitize::sanitize_line(
                                u.user_principal_name.as_deref().unwrap_or(&u.id),
                                80
                            ),
                            crate::sanitize::sanitize_line(u.label(), 60),
                            crate::policy::authority::source_of_authority(
                                &crate::service::account(u)
                            )
                            .name()
                        )
                    })
                    .collect();
                let mut f = Failure::new(
                    Exit::Failed,
                    format!("{} users match {shown:?}: {}", users.len(), list.join("; ")),
                )
                .code("ambiguous-user")
                .fix("name one of them by its user principal name or object id");
                f.candidates = users
                    .iter()
                    .map(|u| {
                        serde_json::json!({
                            "id": u.id,
                            "userPrincipalName": u.user_principal_name,
                            "displayName": u.display_name,
                            "mail": u.mail,
                            "sourceOfAuthority": crate::policy::authority::source_of_authority(&crate::service::account(u)).name(),
                        })
                    })
                    .collect();
                Err(f)
            }
            Resolved::None(tried) => Err(Failure::new(
                Exit::Failed,
                format!("no user matches {shown:?} (tried: {})", tried.join(", ")),
            )
            .code("user-not-found")
            .fix("search with `resetdesk search`")),
        }
    }

    /// The tenant this session acts in, for the journal: the token's `tid` and the tenant
    /// as configured. No request is made.
    pub async fn tenant_ref(&self) -> crate::journal::TenantRef {
        use crate::secret::ExposeSecret;
        let tid = self
            .tokens
            .token()
            .await
            .ok()
            .and_then(|t| auth::token_claim(t.expose_secret(), "tid"));
        crate::journal::TenantRef {
            id: tid,
            requested: self.config.tenant.clone(),
            name: None,
        }
    }

    /// The journal of this session: the demo's own, or the configured one.
    pub async fn journal(&self) -> Option<crate::journal::Journal> {
        let j = crate::journal::open(self.config.journal_path.as_deref(), self.sim.is_some())?;
        j.set_tenant(self.tenant_ref().await);
        Some(j)
    }

    /// Before anything is sent: a journal open to others is refused (exit 2), so that no
    /// reset goes out unrecorded or recorded where others read it.
    pub async fn check_journal(&self) -> Result<(), Failure> {
        match self.journal().await {
            Some(j) => j
                .check_private()
                .map_err(|e| Failure::new(Exit::Usage, e.to_string()).code("journal-not-private")),
            None => Ok(()),
        }
    }

    /// `read_only` (a profile's "inspection only for this customer") refuses every reset
    /// of this session, in the CLI as in the console.
    pub fn refuse_if_read_only(&self) -> Result<(), Failure> {
        if !self.config.read_only {
            return Ok(());
        }
        Err(Failure::new(
            Exit::Refused,
            match &self.config.profile {
                Some(p) => format!(
                    "profile {p} is read-only (read_only = true): no resets from this session"
                ),
                None => "this session is read-only (read_only = true): no resets".to_string(),
            },
        )
        .code("read-only")
        .fix("use a profile or configuration without read_only to reset"))
    }

    /// The operator's object id: the signed-in user's (`/me`), or an application's
    /// service principal's (from its token: an app has no `/me`).
    pub async fn operator_id(&self) -> Result<String, Failure> {
        use crate::secret::ExposeSecret;
        let app = self
            .tokens
            .token()
            .await
            .ok()
            .and_then(|t| auth::TokenFacts::read(t.expose_secret()).app);
        match app {
            Some(a) => Ok(a.object_id),
            None => Ok(self.graph.me().await?.id),
        }
    }

    /// The operator's roles, read once per command.
    pub async fn operator(&self) -> Result<crate::service::facts::OperatorFacts, Failure> {
        use crate::secret::ExposeSecret;
        let token = self
            .tokens
            .token()
            .await
            .ok()
            .map(|t| auth::TokenFacts::read(t.expose_secret()))
            .unwrap_or_default();
        Ok(crate::service::facts::operator_facts(self.graph.as_ref(), token).await?)
    }
}
