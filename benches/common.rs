//! What the benches share: the simulator started in process, and generated users.
#![allow(clippy::unwrap_used, dead_code)]

use std::time::Duration;

use resetdesk::graph::model::User;
use resetdesk::sim::Tenant;

/// The simulator on `tenant` with no background activity or history, `faults` and
/// `latency` on every request, the default write quota.
pub async fn start_sim(
    tenant: Tenant,
    faults: &str,
    latency: Duration,
) -> resetdesk::sim::RunningSim {
    resetdesk::sim::start(resetdesk::sim::SimOptions {
        port: 0,
        tenant,
        operation_delay: Duration::from_millis(100),
        audit: resetdesk::sim::AuditOptions {
            activity_every: None,
            history: 0,
            ..Default::default()
        },
        persona: "helpdesk".into(),
        faults: resetdesk::sim::Faults::parse(faults).unwrap(),
        latency,
        cloud: resetdesk::cloud::Cloud::Global,
        token_lifetime: Duration::from_secs(3599),
        write_limit: (3000, Duration::from_secs(150)),
    })
    .await
    .unwrap()
}

/// `n` generated users as Graph's model.
pub fn users(n: usize) -> Vec<User> {
    let mut t = Tenant::demo().unwrap();
    t.add_generated_users(n).unwrap();
    t.users
        .iter()
        .rev()
        .take(n)
        .map(|u| serde_json::from_value(serde_json::Value::Object(u.props())).unwrap())
        .collect()
}
