//! One reporting budget for the whole client. Microsoft Graph limits the identity and
//! access reports — directory audits and the authentication-method operations a
//! `resetPassword` leaves behind — together, per app and tenant (5 requests per 10 s,
//! https://learn.microsoft.com/graph/throttling-limits). The audit poller and the reset's
//! operation polling spend it from one purse; a waiting operation poll goes first.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::time::Instant;

pub struct ReportBudget {
    max: usize,
    /// Counted a little wider than the service's window: requests arrive later than they
    /// leave, and the service counts by arrival.
    window: Duration,
    sent: Mutex<VecDeque<Instant>>,
    /// Operation polls waiting for a slot: the audit poller yields to them.
    urgent_waiting: AtomicUsize,
}

impl ReportBudget {
    pub fn new(max: usize, window: Duration) -> ReportBudget {
        ReportBudget {
            max: max.max(1),
            window: window + Duration::from_millis(250),
            sent: Mutex::new(VecDeque::new()),
            urgent_waiting: AtomicUsize::new(0),
        }
    }

    /// How long until a slot is free, taking it when one is (`None`).
    fn try_take(&self, urgent: bool) -> Option<Duration> {
        if !urgent && self.urgent_waiting.load(Ordering::Acquire) > 0 {
            return Some(Duration::from_millis(50));
        }
        let now = Instant::now();
        let mut sent = self.sent.lock().unwrap_or_else(|e| e.into_inner());
        while sent
            .front()
            .is_some_and(|t| now.duration_since(*t) >= self.window)
        {
            sent.pop_front();
        }
        match sent.front() {
            Some(&oldest) if sent.len() >= self.max => {
                Some((oldest + self.window).saturating_duration_since(now))
            }
            _ => {
                sent.push_back(now);
                None
            }
        }
    }

    /// Waits for a slot. `urgent`: an operation poll, served before the audit poller.
    pub async fn acquire(&self, urgent: bool) {
        if urgent {
            self.urgent_waiting.fetch_add(1, Ordering::AcqRel);
        }
        while let Some(wait) = self.try_take(urgent) {
            tokio::time::sleep(wait.max(Duration::from_millis(10))).await;
        }
        if urgent {
            self.urgent_waiting.fetch_sub(1, Ordering::AcqRel);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_more_than_the_limit_in_a_window_and_operation_polls_first() {
        let b = ReportBudget::new(5, Duration::from_secs(10));
        for _ in 0..5 {
            assert_eq!(b.try_take(false), None, "five fit at once");
        }
        let wait = b.try_take(true).expect("the sixth waits");
        assert!(wait > Duration::from_secs(9), "{wait:?}");
        // While an operation poll waits, the audit poller does not take its slot.
        let c = ReportBudget::new(5, Duration::from_secs(10));
        c.urgent_waiting.fetch_add(1, Ordering::AcqRel);
        assert!(c.try_take(false).is_some());
        assert_eq!(c.try_take(true), None);
    }
}
