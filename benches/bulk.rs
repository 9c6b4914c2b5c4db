//! N resets against the simulator (30 ms latency per request, 5 % of requests throttled
//! with 429): batched (`resetdesk bulk`'s executor, 20 per `$batch`) against one at a time
//! (the reset guides' `foreach` loop, with the same client, waiting out each 429 as the
//! batched run does). `cargo bench --bench bulk` runs 1,000; `cargo bench --bench bulk --
//! 10000` runs 10,000 batched (about 8 minutes: past 3,000 the directory's write quota
//! sets the pace) and times one at a time on the first 1,000 only, its pace being steady
//! (10,000 would take over 10 minutes). Results go in BENCHMARKS.md. A bench command, not
//! criterion: one run of each takes a minute or more.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use resetdesk::graph::{ClientOptions, GraphApi, GraphClient};
use resetdesk::policy::eligibility::Method;
use resetdesk::service::bulk::{Planned, execute};
use resetdesk::service::reset::{ResetRequest, ResetStatus, reset};
use resetdesk::sim::Tenant;

mod common;

/// The directory's write quota (throttling-limits.md), as the simulator enforces it.
const QUOTA: (usize, Duration) = (3000, Duration::from_secs(150));

/// The most writes that completed within any one quota window.
fn busiest_window(done: &[Instant]) -> usize {
    let mut start = 0;
    let mut most = 0;
    for (i, t) in done.iter().enumerate() {
        while *t - done[start] >= QUOTA.1 {
            start += 1;
        }
        most = most.max(i + 1 - start);
    }
    most
}

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

async fn start(n: usize) -> (resetdesk::sim::RunningSim, Arc<dyn GraphApi>, Vec<String>) {
    let mut tenant = Tenant::demo().unwrap();
    tenant.add_generated_users(n * 2).unwrap();
    // Cloud users without roles: the passwordProfile path.
    let ids: Vec<String> = tenant
        .users
        .iter()
        .rev()
        .filter(|u| !u.is("onPremisesSyncEnabled"))
        .take(n)
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
    let n: usize = std::env::args()
        .find_map(|a| a.parse().ok())
        .unwrap_or(1000);
    let single_n = n.min(1000);
    rt.block_on(async {
        let (_sim, api, ids) = start(n).await;
        let t0 = Instant::now();
        let mut ok = 0;
        let mut done = Vec::with_capacity(n);
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
                done.push(Instant::now());
            },
        )
        .await;
        let batched = t0.elapsed();
        let batched_rate = n as f64 / batched.as_secs_f64();
        println!(
            "batched: {n} resets in {batched:.2?} ({ok} succeeded), {batched_rate:.1} a second; \
             at most {} completed in any {} s (the quota: {})",
            busiest_window(&done),
            QUOTA.1.as_secs(),
            QUOTA.0
        );

        let (_sim, api, ids) = start(single_n).await;
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
        let single_rate = single_n as f64 / single.as_secs_f64();
        println!(
            "one at a time: {single_n} resets in {single:.2?} ({ok} succeeded), \
             {single_rate:.1} a second"
        );
        println!("batched is {:.1}x faster", batched_rate / single_rate);
    });
}
