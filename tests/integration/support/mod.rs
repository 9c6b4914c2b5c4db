//! Shared test plumbing: an in-process simulator on 127.0.0.1 and the real Graph client
//! pointed at it over HTTP (here); the console fixture (`console`), the isolated CLI
//! runner (`home`) and the tmux driver (`tmux`).
#![allow(dead_code)]

pub mod console;
pub mod home;
pub mod tmux;

use std::sync::Arc;
use std::time::Duration;

use resetdesk::auth::StaticToken;
pub use resetdesk::cloud::Cloud;
use resetdesk::graph::{ClientOptions, GraphClient};
use resetdesk::secret::{ExposeSecret, secret};
use resetdesk::sim::{self, Faults, RunningSim, SimOptions, Tenant};

pub struct Env {
    pub sim: RunningSim,
    pub client: GraphClient,
}

pub struct Setup {
    pub persona: &'static str,
    pub users: usize,
    pub faults: &'static str,
    pub max_attempts: u32,
    pub timeout: Duration,
    pub max_retry_wait: Duration,
    /// Changes to the demo tenant before it is served.
    pub tweak: fn(&mut Tenant),
    pub op_delay: Duration,
    pub audit: sim::AuditOptions,
    /// The national cloud whose surface the simulator serves and the client speaks to.
    pub cloud: Cloud,
    /// How long the simulator's tokens last.
    pub token_lifetime: Duration,
    /// The simulator's write quota: writes per window.
    pub write_limit: (usize, Duration),
    /// Added to every request the simulator answers.
    pub latency: Duration,
}

impl Default for Setup {
    fn default() -> Self {
        Setup {
            persona: "helpdesk",
            users: 0,
            faults: "",
            max_attempts: 5,
            timeout: Duration::from_secs(10),
            max_retry_wait: Duration::from_secs(60),
            tweak: |_| {},
            op_delay: Duration::from_millis(300),
            // Quiet and immediate unless a test asks for more.
            audit: sim::AuditOptions {
                delay: Duration::ZERO,
                activity_every: None,
                history: 0,
                limit: (5, Duration::from_secs(10)),
            },
            cloud: Cloud::Global,
            token_lifetime: Duration::from_secs(3599),
            write_limit: (3000, Duration::from_secs(150)),
            latency: Duration::ZERO,
        }
    }
}

pub async fn start(setup: Setup) -> Env {
    let mut tenant = Tenant::demo().unwrap();
    tenant.add_generated_users(setup.users).unwrap();
    (setup.tweak)(&mut tenant);
    let sim = sim::start(SimOptions {
        audit: setup.audit.clone(),
        operation_delay: setup.op_delay,
        port: 0,
        tenant,
        persona: setup.persona.into(),
        faults: Faults::parse(setup.faults).unwrap(),
        latency: setup.latency,
        cloud: setup.cloud,
        token_lifetime: setup.token_lifetime,
        write_limit: setup.write_limit,
    })
    .await
    .unwrap();
    let client = GraphClient::new(
        ClientOptions {
            base_url: sim.base_url.clone(),
            timeout: setup.timeout,
            max_attempts: setup.max_attempts,
            max_retry_wait: setup.max_retry_wait,
            cloud: setup.cloud,
        },
        Arc::new(StaticToken::new(sim.token.clone())),
    )
    .unwrap()
    // As fast as the simulator's own reports limit in this setup.
    .with_reports_limit(setup.audit.limit.0, setup.audit.limit.1);
    Env { sim, client }
}

pub async fn persona(name: &'static str) -> Env {
    start(Setup {
        persona: name,
        ..Setup::default()
    })
    .await
}

impl Env {
    /// A raw GET with the persona's token, for checking the wire contract itself.
    pub async fn raw(
        &self,
        path_and_query: &str,
        eventual: bool,
    ) -> (u16, reqwest::header::HeaderMap, serde_json::Value) {
        self.raw_with_token(
            path_and_query,
            eventual,
            Some(self.sim.token.expose_secret()),
        )
        .await
    }

    pub async fn raw_with_token(
        &self,
        path_and_query: &str,
        eventual: bool,
        token: Option<&str>,
    ) -> (u16, reqwest::header::HeaderMap, serde_json::Value) {
        let url = if path_and_query.starts_with("http") {
            path_and_query.to_string()
        } else {
            format!("{}{}", self.sim.base_url, path_and_query)
        };
        let mut req = reqwest::Client::new().get(url);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if eventual {
            req = req.header("ConsistencyLevel", "eventual");
        }
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let body = resp.json().await.unwrap_or(serde_json::Value::Null);
        (status, headers, body)
    }

    /// The real client on this simulator with another credential.
    pub fn client_with(&self, tokens: Arc<dyn resetdesk::auth::TokenProvider>) -> GraphClient {
        GraphClient::new(
            ClientOptions {
                base_url: self.sim.base_url.clone(),
                timeout: Duration::from_secs(10),
                max_attempts: 3,
                max_retry_wait: Duration::from_secs(5),
                cloud: Cloud::Global,
            },
            tokens,
        )
        .unwrap()
    }

    /// The login root (`authority_url`) of this simulator.
    pub fn authority(&self) -> String {
        self.sim.base_url.trim_end_matches("/v1.0").to_string()
    }

    pub fn token_for(&self, persona: &str) -> String {
        secret(self.sim.state.mint_token(persona).unwrap())
            .expose_secret()
            .to_string()
    }
}
