//! Many resets at once, after a dry run has judged each: the `passwordProfile` resets go
//! in JSON batches of 20 (`POST /$batch`, concepts/json-batching.md), the responses
//! matched by id; a throttled item (429) or one the service did not take (503) waits its
//! own `Retry-After` and goes again; the writes are kept under the directory's write
//! quota (throttling-limits.md), the more so once Graph says it is spent; a
//! `resetPassword` reset (synced users) goes alone (a few at once), with its operation
//! followed within the shared reports budget. Nothing whose outcome is
//! unknown is ever sent twice: a batch whose answer was lost leaves each of its resets
//! `unconfirmed`.

use std::collections::VecDeque;
use std::time::Duration;

use tokio::time::Instant;

use super::reset::{
    ResetOutcome, ResetRequest, ResetStatus, reset_following, verify_change_required,
};
use crate::graph::{BatchRequest, GraphApi, GraphError, PasswordProfileUpdate};
use crate::policy::eligibility::Method;
use crate::secret::secret;

/// One reset the dry run allowed.
#[derive(Debug)]
pub struct Planned {
    /// Where it came from (a CSV line, a marked row): handed back with its outcome.
    pub key: usize,
    pub request: ResetRequest,
}

/// The longest a throttled item waits before it goes again: when Graph asks for longer,
/// the reset is not sent again (it was not made) rather than sent before Graph's time.
const MAX_WAIT: Duration = Duration::from_secs(120);

/// How often one reset may be throttled or declined for now (429, 503) before it is
/// given up as not made: a storm ends the run instead of holding it for ever. High
/// enough that a tight write quota, which turns items away while the pace adapts, never
/// gives one up (8 did, 1 run in 4, in the throttled 83-user batch test).
const MAX_THROTTLED: u32 = 24;

/// Asks a bulk run to stop: nothing more is sent, what is in flight finishes (a batch
/// Graph took still has its sessions revoked and its outcome, with the passwords, handed
/// back), and every reset not yet sent ends `failed` as not sent.
#[derive(Debug)]
pub struct Stop(tokio::sync::watch::Sender<bool>);

impl Default for Stop {
    fn default() -> Stop {
        Stop(tokio::sync::watch::Sender::new(false))
    }
}

impl Stop {
    pub fn stop(&self) {
        self.0.send_replace(true);
    }

    fn is_stopped(&self) -> bool {
        *self.0.borrow()
    }

    /// Resolves once `stop` was called (at once if it was).
    async fn stopped(&self) {
        let mut rx = self.0.subscribe();
        let _ = rx.wait_for(|s| *s).await;
    }
}

/// A reset the run was stopped before: never sent, nothing changed.
fn not_sent(req: &ResetRequest) -> ResetOutcome {
    let mut o = outcome(req, ResetStatus::Failed);
    o.detail = Some("not sent: the run was stopped before it went (nothing was changed)".into());
    o
}

/// Carries out `planned`, calling `sending` with the keys of the resets about to go out
/// (so that an interruption leaves them recorded as unknown, not as never sent) and
/// `done` once per reset with its outcome, in whatever order they end.
pub async fn execute(
    api: &dyn GraphApi,
    planned: Vec<Planned>,
    sending: impl FnMut(&[usize]),
    done: impl FnMut(usize, ResetOutcome),
) {
    execute_until(api, planned, &Stop::default(), sending, done).await
}

/// `execute`, until `stop` is asked: then what is in flight finishes and the rest is
/// handed back as not sent.
pub async fn execute_until(
    api: &dyn GraphApi,
    planned: Vec<Planned>,
    stop: &Stop,
    mut sending: impl FnMut(&[usize]),
    mut done: impl FnMut(usize, ResetOutcome),
) {
    let (batched, alone): (Vec<Planned>, Vec<Planned>) = planned
        .into_iter()
        .partition(|p| p.request.method == Method::PasswordProfile);
    batch_password_profiles(api, batched, stop, &mut sending, &mut done).await;
    // Each waits on its own long-running operation: a few at once, each journaled as
    // sent just before it goes.
    use futures::StreamExt;
    let unreadable = std::sync::atomic::AtomicBool::new(false);
    let unreadable = &unreadable;
    let mut lone = futures::stream::iter(alone)
        .map(|p| {
            let go = !stop.is_stopped();
            if go {
                sending(&[p.key]);
            }
            async move {
                if !go {
                    return (p.key, not_sent(&p.request));
                }
                (
                    p.key,
                    alone_until_taken(api, p.request, unreadable, stop).await,
                )
            }
        })
        .buffer_unordered(LONE_AT_ONCE);
    while let Some((key, outcome)) = lone.next().await {
        done(key, outcome);
    }
}

/// `resetPassword` resets (synced users) in flight at once: each is one write and then
/// reads of its operation.
const LONE_AT_ONCE: usize = 4;

/// One reset by itself; a 429 or 503 means Graph did not take it, so it goes again
/// after the wait Graph asked for (a few times), as a batched one would. Once an
/// operation proved unreadable (`unreadable`), the later ones are not read.
async fn alone_until_taken(
    api: &dyn GraphApi,
    request: ResetRequest,
    unreadable: &std::sync::atomic::AtomicBool,
    stop: &Stop,
) -> ResetOutcome {
    use std::sync::atomic::Ordering;
    let mut tries = 0;
    loop {
        tries += 1;
        let follow = !unreadable.load(Ordering::Relaxed);
        let outcome = reset_following(api, request.clone(), follow).await;
        if follow && outcome.status == ResetStatus::Accepted {
            unreadable.store(true, Ordering::Relaxed);
        }
        let not_taken = outcome.status == ResetStatus::Failed
            && outcome
                .error
                .as_ref()
                .is_some_and(|e| matches!(e.status(), Some(429 | 503)));
        let wait = outcome
            .error
            .as_ref()
            .and_then(|e| e.retry_after())
            .unwrap_or(Duration::from_secs(2));
        // Never sooner than Graph asked: a longer wait gives the reset up as not made.
        if !not_taken || tries >= 6 || wait > MAX_WAIT || stop.is_stopped() {
            return outcome;
        }
        // Stopped while waiting: Graph did not take it, so it ends not made.
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            () = stop.stopped() => return outcome,
        }
    }
}

struct Queued {
    planned: Planned,
    not_before: Instant,
    /// How often the whole batch carrying it could not even be sent.
    unsent: u32,
    /// How often it was throttled or declined for now (429, 503), alone or with its batch.
    throttled: u32,
}

/// A reset Graph did not take (429, 503) goes again after Graph's wait, unless it has
/// been turned away too often or Graph asks for longer than resetdesk waits: then it is
/// failed, certainly not made.
fn again_or_give_up(
    mut q: Queued,
    wait: Option<Duration>,
    error: GraphError,
    queue: &mut VecDeque<Queued>,
    done: &mut impl FnMut(usize, ResetOutcome),
) {
    q.throttled += 1;
    let wait = wait.unwrap_or(Duration::from_secs(2));
    if q.throttled < MAX_THROTTLED && wait <= MAX_WAIT {
        q.not_before = Instant::now() + wait;
        queue.push_back(q);
        return;
    }
    let mut o = outcome(&q.planned.request, ResetStatus::Failed);
    o.detail = Some(if wait > MAX_WAIT {
        format!(
            "Graph asks to wait {} s before sending it again, longer than resetdesk waits ({} s); it was not made",
            wait.as_secs(),
            MAX_WAIT.as_secs()
        )
    } else {
        format!(
            "Graph turned it away {} times (throttled or unavailable); it was not made",
            q.throttled
        )
    });
    o.error = Some(error);
    done(q.planned.key, o);
}

fn outcome(req: &ResetRequest, status: ResetStatus) -> ResetOutcome {
    let mut o = ResetOutcome::for_request(req);
    o.status = status;
    if status != ResetStatus::Failed {
        o.password = req.password.clone();
    }
    o
}

async fn batch_password_profiles(
    api: &dyn GraphApi,
    planned: Vec<Planned>,
    stop: &Stop,
    sending: &mut impl FnMut(&[usize]),
    done: &mut impl FnMut(usize, ResetOutcome),
) {
    let now = Instant::now();
    let mut queue: VecDeque<Queued> = planned
        .into_iter()
        .map(|planned| Queued {
            planned,
            not_before: now,
            unsent: 0,
            throttled: 0,
        })
        .collect();
    // The directory's write quota (throttling-limits.md: 3,000 writes per 2.5 minutes per
    // app and tenant), kept on our side as a sliding window; halved whenever Graph says
    // the quota is spent (others share it), never below a tenth, and grown back a batch
    // at a time while batches go through.
    let mut quota = WriteQuota::new(3000, Duration::from_secs(150));
    while !queue.is_empty() {
        // Stopped: what waits to go is not sent (a throttled item was not carried out).
        if stop.is_stopped() {
            for q in queue.drain(..) {
                done(q.planned.key, not_sent(&q.planned.request));
            }
            break;
        }
        // The next batch: up to 20 items whose wait is over (or the soonest one's).
        let soonest = queue.iter().map(|q| q.not_before).min().unwrap_or(now);
        tokio::select! {
            () = tokio::time::sleep_until(soonest.max(Instant::now())) => {}
            () = stop.stopped() => continue,
        }
        let ready = queue
            .iter()
            .filter(|q| q.not_before <= Instant::now())
            .count()
            .clamp(1, crate::graph::BATCH_MAX);
        tokio::select! {
            () = quota.wait_for(ready) => {}
            () = stop.stopped() => continue,
        }
        let now = Instant::now();
        let mut batch: Vec<Queued> = Vec::new();
        let mut rest = VecDeque::new();
        while let Some(q) = queue.pop_front() {
            if batch.len() < crate::graph::BATCH_MAX && q.not_before <= now {
                batch.push(q);
            } else {
                rest.push_back(q);
            }
        }
        queue = rest;
        let requests: Vec<BatchRequest> = batch
            .iter()
            .enumerate()
            .map(|(n, q)| {
                let r = &q.planned.request;
                let update = PasswordProfileUpdate {
                    password: r.password.as_ref(),
                    force_change: r.force_change || r.password.is_none(),
                    force_change_with_mfa: r.force_change_with_mfa,
                };
                BatchRequest {
                    id: n.to_string(),
                    method: "PATCH",
                    url: crate::graph::query::user_path(&r.user_id),
                    body: Some(secret(String::from_utf8_lossy(&update.body()).into_owned())),
                }
            })
            .collect();
        let keys: Vec<usize> = batch.iter().map(|q| q.planned.key).collect();
        sending(&keys);
        let sent_at = time::OffsetDateTime::now_utc();
        match api.batch(&requests).await {
            Ok(responses) => {
                let mut quota_spent = false;
                for (n, q) in batch.into_iter().enumerate() {
                    let Some(r) = responses.iter().find(|r| r.id == n.to_string()) else {
                        // No answer for it: it may have been carried out.
                        let mut o = outcome(&q.planned.request, ResetStatus::Unconfirmed);
                        o.started_at = sent_at;
                        o.detail = Some("the batch's answer had no response for this reset; it may or may not be set".into());
                        done(q.planned.key, o);
                        continue;
                    };
                    match r.status {
                        200..=299 => {
                            let mut o = outcome(&q.planned.request, ResetStatus::Succeeded);
                            o.started_at = sent_at;
                            o.request_ids
                                .extend(r.header("request-id").map(str::to_string));
                            // A change required without a new password is read back
                            // before it counts (the 204 alone has been seen to lie).
                            if q.planned.request.password.is_none() {
                                o.force_change = true;
                                o.status =
                                    verify_change_required(api, &q.planned.request.user_id, &mut o)
                                        .await;
                            }
                            if o.status != ResetStatus::Failed {
                                revoke_if_asked(api, &q.planned.request, &mut o).await;
                            }
                            done(q.planned.key, o);
                        }
                        // Not taken: throttled, or the service declined it for now.
                        429 | 503 => {
                            quota_spent |= r
                                .header("x-ms-throttle-information")
                                .is_some_and(|i| i.contains("WriteLimitExceeded"));
                            again_or_give_up(q, r.retry_after(), r.error(), &mut queue, done);
                        }
                        500 | 502 | 504 => {
                            let mut o = outcome(&q.planned.request, ResetStatus::Unconfirmed);
                            o.started_at = sent_at;
                            o.detail = Some(format!(
                                "Graph answered {} for this reset; it may or may not be set",
                                r.status
                            ));
                            o.error = Some(r.error());
                            done(q.planned.key, o);
                        }
                        _ => {
                            let mut o = outcome(&q.planned.request, ResetStatus::Failed);
                            o.started_at = sent_at;
                            o.error = Some(r.error());
                            done(q.planned.key, o);
                        }
                    }
                }
                if quota_spent {
                    quota.halve();
                } else {
                    quota.grow();
                }
            }
            // The batch as a whole was throttled or refused for now: nothing in it was
            // carried out; all of it waits and goes again.
            Err(e) if matches!(e.status(), Some(429 | 503)) => {
                for q in batch {
                    again_or_give_up(q, e.retry_after(), e.clone(), &mut queue, done);
                }
            }
            // Certainly not sent (no connection): again, a few times.
            Err(
                e @ GraphError::Transport {
                    maybe_sent: false, ..
                },
            ) => {
                for mut q in batch {
                    q.unsent += 1;
                    if q.unsent >= 3 {
                        let mut o = outcome(&q.planned.request, ResetStatus::Failed);
                        o.error = Some(e.clone());
                        done(q.planned.key, o);
                    } else {
                        q.not_before = Instant::now() + Duration::from_secs(1 << q.unsent);
                        queue.push_back(q);
                    }
                }
            }
            // Never sent: no token to send it with (the sign-in expired and could not be
            // renewed) or a request that could not be built. Nothing changed, so each is
            // failed — not unconfirmed, which a rerun would not send again.
            Err(e @ (GraphError::Auth(_) | GraphError::Request(_))) => {
                for q in batch {
                    let mut o = outcome(&q.planned.request, ResetStatus::Failed);
                    o.detail = Some(format!("not sent, nothing was changed: {e}"));
                    o.error = Some(e.clone());
                    done(q.planned.key, o);
                }
            }
            // Sent, and the answer lost or an error that may stand for work done: every
            // reset in it is unconfirmed, and none is sent again.
            Err(e) => {
                let certain_failure = matches!(e.status(), Some(400..=499));
                for q in batch {
                    let status = if certain_failure {
                        ResetStatus::Failed
                    } else {
                        ResetStatus::Unconfirmed
                    };
                    let mut o = outcome(&q.planned.request, status);
                    o.started_at = sent_at;
                    if status == ResetStatus::Unconfirmed {
                        o.detail = Some(format!(
                            "the batch was sent but its answer was lost or an error ({e}); the password may or may not be set"
                        ));
                    }
                    o.error = Some(e.clone());
                    done(q.planned.key, o);
                }
            }
        }
    }
}

async fn revoke_if_asked(api: &dyn GraphApi, req: &ResetRequest, o: &mut ResetOutcome) {
    if req.revoke_sessions {
        o.revoked = Some(api.revoke_sessions(&req.user_id).await.map(|r| {
            o.request_ids.extend(r.request_id);
        }));
    }
}

/// Writes sent in the last window, against the quota.
struct WriteQuota {
    /// The documented quota: what `max` grows back to.
    full: usize,
    max: usize,
    window: Duration,
    sent: VecDeque<Instant>,
}

impl WriteQuota {
    fn new(max: usize, window: Duration) -> WriteQuota {
        WriteQuota {
            full: max,
            max,
            window,
            sent: VecDeque::new(),
        }
    }

    /// Waits until `n` more writes fit in the window, then counts them as sent.
    async fn wait_for(&mut self, n: usize) {
        loop {
            let now = Instant::now();
            while self
                .sent
                .front()
                .is_some_and(|t| now.duration_since(*t) >= self.window)
            {
                self.sent.pop_front();
            }
            if self.sent.len() + n <= self.max {
                self.sent.extend(std::iter::repeat_n(now, n));
                return;
            }
            let oldest = self.sent.front().copied().unwrap_or(now);
            tokio::time::sleep_until(oldest + self.window).await;
        }
    }

    fn halve(&mut self) {
        self.max = (self.max / 2)
            .max(self.full / 10)
            .max(crate::graph::BATCH_MAX);
    }

    fn grow(&mut self) {
        self.max = (self.max + crate::graph::BATCH_MAX).min(self.full);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_quota_halves_to_a_tenth_at_most_and_grows_back_a_batch_at_a_time() {
        let mut q = WriteQuota::new(3000, Duration::from_secs(150));
        for _ in 0..10 {
            q.halve();
        }
        assert_eq!(q.max, 300);
        for _ in 0..5 {
            q.grow();
        }
        assert_eq!(q.max, 400);
        for _ in 0..1000 {
            q.grow();
        }
        assert_eq!(q.max, 3000);
    }

    #[tokio::test(start_paused = true)]
    async fn writes_past_the_window_wait_for_it_to_slide() {
        let mut q = WriteQuota::new(40, Duration::from_secs(150));
        let t0 = Instant::now();
        q.wait_for(20).await;
        q.wait_for(20).await;
        assert_eq!(t0.elapsed(), Duration::ZERO);
        q.wait_for(20).await;
        assert!(t0.elapsed() >= Duration::from_secs(150));
    }
}
