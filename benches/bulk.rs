//! 1,000 resets against the simulator (30 ms latency per request, 5 % of requests
//! throttled with 429): batched (`resetdesk bulk`'s executor, 20 per `$batch`) against one
//! at a time (the reset guides' `foreach` loop, with the same client, waiting out each
//! 429 as the batched run does). `cargo bench --bench bulk`; results go in BENCHMARKS.md.
//! A bench command, not criterion: one run of each takes a minute or more.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use resetdesk::graph::{ClientOptions, GraphApi, GraphClient};
use resetdesk::policy::eligibility::Method;
use resetdesk::service::bulk::{Planned, execute};
use resetdesk::service::reset::{ResetRequest, ResetStatus, reset};
use resetdesk::sim::Tenant;

mod common;

const N: usize = 1000;

fn request(user_id: &str) -> ResetRequest {
    ResetRequest {
        user_id: user_id.into(),
        method: Method::PasswordProfile,
        password: Some(resetdesk::policy::password::generate(16)),
        generated: true,
        force_change: true,
        force_change_with_mfa: false,
        revoke_sessions: false,
        operation_timeout: Duration::from_secs(60),
    }
}

async fn start() -> (resetdesk::sim::RunningSim, Arc<dyn GraphApi>, Vec<String>) {
    let mut tenant = Tenant::demo().unwrap();
    tenant.add_generated_users(N * 2).unwrap();
    // Cloud users without roles: the passwordProfile path.
    let ids: Vec<String> = tenant
        .users
        .iter()
        .rev()
        .filter(|u| !u.is("onPremisesSyncEnabled"))
        .take(N)
        .map(|u| u.id.clone())
        .collect();
    let sim = common::start_sim(tenant, "429:0.05", Duration::from_millis(30)).await;
    let client = GraphClient::new(
        ClientOptions {
            base_url: sim.base_url.clone(),
            timeout: Duration::from_secs(30),
            max_attempts: 5,
            max_retry_wait: Duration::from_secs(30),
            cloud: resetdesk::cloud::Cloud::Global,
        },
        Arc::new(resetdesk::auth::StaticToken::new(sim.token.clone())),
    )
    .unwrap();
    (sim, Arc::new(client), ids)
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let (_sim, api, ids) = start().await;
        let t0 = Instant::now();
        let mut ok = 0;
        let planned = ids
            .iter()
            .enumerate()
            .map(|(key, id)| Planned {
                key,
                request: request(id),
            })
            .collect();
        execute(
            api.as_ref(),
            planned,
            |_| {},
            |_, o| {
                ok += (o.status == ResetStatus::Succeeded) as usize;
            },
        )
        .await;
        let batched = t0.elapsed();
        println!("batched: {N} resets in {batched:.2?} ({ok} succeeded)");

        let (_sim, api, ids) = start().await;
        let t0 = Instant::now();
        let mut ok = 0;
        for id in &ids {
            loop {
                let o = reset(api.as_ref(), request(id)).await;
                match o.error.as_ref().and_then(|e| e.status()) {
                    Some(429) => {
                        let wait = o.error.as_ref().and_then(|e| e.retry_after());
                        tokio::time::sleep(wait.unwrap_or(Duration::from_secs(1))).await;
                    }
                    _ => {
                        ok += (o.status == ResetStatus::Succeeded) as usize;
                        break;
                    }
                }
            }
        }
        let single = t0.elapsed();
        println!("one at a time: {N} resets in {single:.2?} ({ok} succeeded)");
        println!(
            "batched is {:.1}x faster",
            single.as_secs_f64() / batched.as_secs_f64()
        );
    });
}
