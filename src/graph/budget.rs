//! One reporting budget for the whole client. Microsoft Graph limits the identity and
//! access reports — directory audits and the authentication-method operations a
//! `resetPassword` leaves behind — together, per app and tenant (5 requests per 10 s,
//! https://learn.microsoft.com/graph/throttling-limits). The reset's operation polling,
//! the triage of the user on screen and the audit poller spend it from one purse, in that
//! order of precedence: a waiting operation poll goes first, someone waiting for a triage
//! next, the background audit poll last.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::time::Instant;

/// Who is asking, most urgent first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Priority {
    /// A reset's long-running operation (and a pass creation): never starved.
    Operation,
    /// Someone is looking at the answer (the triage of the open user).
    Interactive,
    /// The audit poller.
    Background,
}

pub struct ReportBudget {
    max: usize,
    /// Counted a little wider than the service's window: requests arrive later than they
    /// leave, and the service counts by arrival.
    window: Duration,
    sent: Mutex<VecDeque<Instant>>,
    /// Requests waiting for a slot, per priority above background: lower ones yield.
    waiting: [AtomicUsize; 2],
}

impl ReportBudget {
    pub fn new(max: usize, window: Duration) -> ReportBudget {
        ReportBudget {
            max: max.max(1),
            window: window + Duration::from_millis(250),
            sent: Mutex::new(VecDeque::new()),
            waiting: [AtomicUsize::new(0), AtomicUsize::new(0)],
        }
    }

    /// How long until a slot is free, taking it when one is (`None`).
    fn try_take(&self, p: Priority) -> Option<Duration> {
        let ahead = match p {
            Priority::Operation => 0,
            Priority::Interactive => 1,
            Priority::Background => 2,
        };
        if self.waiting[..ahead]
            .iter()
            .any(|w| w.load(Ordering::Acquire) > 0)
        {
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
        // The background poll leaves two slots of each window free, so that an operation
        // poll or a triage rarely waits for a window to pass.
        let max = if p == Priority::Background && self.max >= 4 {
            self.max - 2
        } else {
            self.max
        };
        match sent.front() {
            Some(&oldest) if sent.len() >= max => {
                Some((oldest + self.window).saturating_duration_since(now))
            }
            _ => {
                sent.push_back(now);
                None
            }
        }
    }

    /// Waits for a slot, behind every waiting request of a higher priority.
    pub async fn acquire(&self, p: Priority) {
        let slot = match p {
            Priority::Operation => Some(&self.waiting[0]),
            Priority::Interactive => Some(&self.waiting[1]),
            Priority::Background => None,
        };
        // Counted while waiting, and uncounted even if the wait is dropped (aborted).
        struct Waiting<'a>(Option<&'a AtomicUsize>);
        impl Drop for Waiting<'_> {
            fn drop(&mut self) {
                if let Some(w) = self.0 {
                    w.fetch_sub(1, Ordering::AcqRel);
                }
            }
        }
        if let Some(w) = slot {
            w.fetch_add(1, Ordering::AcqRel);
        }
        let _waiting = Waiting(slot);
        while let Some(wait) = self.try_take(p) {
            tokio::time::sleep(wait.max(Duration::from_millis(10))).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_more_than_the_limit_in_a_window_operation_polls_first_audit_last() {
        let b = ReportBudget::new(5, Duration::from_secs(10));
        for _ in 0..5 {
            assert_eq!(b.try_take(Priority::Operation), None, "five fit at once");
        }
        let wait = b.try_take(Priority::Operation).expect("the sixth waits");
        assert!(wait > Duration::from_secs(9), "{wait:?}");
        // While an operation poll waits, neither the triage nor the audit poller takes its
        // slot; while a triage waits, the audit poller does not.
        let c = ReportBudget::new(5, Duration::from_secs(10));
        c.waiting[0].fetch_add(1, Ordering::AcqRel);
        assert!(c.try_take(Priority::Background).is_some());
        assert!(c.try_take(Priority::Interactive).is_some());
        assert_eq!(c.try_take(Priority::Operation), None);
        // The background poll keeps two slots of a window free.
        let e = ReportBudget::new(5, Duration::from_secs(10));
        for _ in 0..3 {
            assert_eq!(e.try_take(Priority::Background), None);
        }
        assert!(e.try_take(Priority::Background).is_some());
        assert_eq!(e.try_take(Priority::Interactive), None);
        assert_eq!(e.try_take(Priority::Operation), None);
        let d = ReportBudget::new(5, Duration::from_secs(10));
        d.waiting[1].fetch_add(1, Ordering::AcqRel);
        assert!(d.try_take(Priority::Background).is_some());
        assert_eq!(d.try_take(Priority::Interactive), None);
        assert_eq!(d.try_take(Priority::Operation), None);
    }
}
