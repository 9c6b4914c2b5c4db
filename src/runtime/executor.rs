//! Turns effects into tokio tasks and their results into messages. Search and details are
//! "newest wins": a new request aborts the one before it.

use std::sync::Arc;

use tokio::sync::mpsc::UnboundedSender;
use tokio::task::JoinHandle;

use super::audit_stream::StreamTiming;
use crate::app::{Effect, Msg, SessionInfo};
use crate::auth::{self, TokenProvider};
use crate::clipboard::Clipboard;
use crate::graph::GraphApi;
use crate::graph::audit::{AuditPoller, PollerConfig};
use crate::graph::facts::{assess, operator_facts};
use crate::graph::reset::reset;
use crate::journal::{self, Journal};
use crate::secret::ExposeSecret;

pub struct Executor {
    graph: Arc<dyn GraphApi>,
    tokens: Arc<dyn TokenProvider>,
    clipboard: Clipboard,
    journal: Option<Arc<Journal>>,
    audit: PollerConfig,
    audit_timing: StreamTiming,
    audit_task: Option<JoinHandle<()>>,
    tx: UnboundedSender<Msg>,
    search: Option<JoinHandle<()>>,
    details: Option<JoinHandle<()>>,
    session: Option<JoinHandle<()>>,
}

impl Executor {
    pub fn new(io: super::Io, tx: UnboundedSender<Msg>) -> Executor {
        Executor {
            graph: io.graph,
            tokens: io.tokens,
            clipboard: io.clipboard,
            journal: io.journal.map(Arc::new),
            audit: io.audit,
            audit_timing: io.audit_timing,
            audit_task: None,
            tx,
            search: None,
            details: None,
            session: None,
        }
    }

    fn replace(slot: &mut Option<JoinHandle<()>>, task: JoinHandle<()>) {
        if let Some(old) = slot.replace(task) {
            old.abort();
        }
    }

    pub fn run(&mut self, effect: Effect) {
        let graph = self.graph.clone();
        let tx = self.tx.clone();
        match effect {
            Effect::Quit => self.shutdown(),
            Effect::Reset { req, request, note } => {
                let journal = self.journal.clone();
                // A reset is never aborted once sent: it runs to its outcome.
                tokio::spawn(async move {
                    let revoke = note.revoke;
                    let outcome = reset(graph.as_ref(), request).await;
                    if let Some(j) = journal {
                        let entry = journal::reset_entry(
                            &note.operator.user,
                            &note.target_id,
                            Some(&note.target_upn),
                            &outcome,
                            note.ticket.as_deref(),
                            revoke,
                        );
                        if let Err(e) = j.append(&entry) {
                            tracing::warn!(error = %e, "journal write failed");
                        }
                    }
                    let _ = tx.send(Msg::ResetDone {
                        req,
                        outcome: Box::new(outcome),
                    });
                });
            }
            // The clipboard is touched on this task, between frames: OSC 52 goes to the
            // same terminal ratatui draws on.
            Effect::Copy(secret) => {
                let result = self
                    .clipboard
                    .copy(&secret, &mut std::io::stdout())
                    .map(|via| via.describe().to_string());
                let _ = self.tx.send(Msg::Copied(result));
            }
            Effect::StartAudit => {
                // The last hour, so the pane is not empty at start.
                let since = time::OffsetDateTime::now_utc() - time::Duration::hours(1);
                let poller = AuditPoller::new(self.audit.clone(), since);
                let task = tokio::spawn(super::audit_stream::run(
                    graph,
                    poller,
                    self.audit_timing.clone(),
                    tx,
                ));
                Self::replace(&mut self.audit_task, task);
            }
            Effect::JournalConfirm {
                operator,
                target_id,
                target_upn,
            } => {
                // A file write: off the event loop.
                if let Some(j) = self.journal.clone() {
                    let entry = journal::confirmed_entry(&operator.user, &target_id, &target_upn);
                    tokio::task::spawn_blocking(move || {
                        if let Err(e) = j.append(&entry) {
                            tracing::warn!(error = %e, "journal write failed");
                        }
                    });
                }
            }
            Effect::ClearClipboard(secret) => {
                let result = self.clipboard.clear(&secret, &mut std::io::stdout());
                let _ = self.tx.send(Msg::ClipboardCleared(result));
            }
            Effect::Search { req, query, top } => {
                let task = tokio::spawn(async move {
                    let result = graph
                        .search_users(&query, top)
                        .await
                        .map(|r| (r.users, r.count))
                        .map_err(|e| e.to_string());
                    let _ = tx.send(Msg::SearchDone { req, query, result });
                });
                Self::replace(&mut self.search, task);
            }
            Effect::LoadDetails { req, key, operator } => {
                let task = tokio::spawn(async move {
                    let result = assess(graph.as_ref(), &operator, &key)
                        .await
                        .map(Box::new)
                        .map_err(|e| {
                            let key = crate::sanitize::sanitize(&key);
                            if e.is_not_found() {
                                format!("no user {key} in this tenant")
                            } else if e.is_unauthenticated() {
                                format!("{e} — sign in again")
                            } else {
                                // A fault is not a verdict: say so, and offer a retry.
                                format!(
                                    "could not check whether you may reset {key}: {e}; try again (Ctrl-R)"
                                )
                            }
                        });
                    let _ = tx.send(Msg::DetailsDone { req, result });
                });
                Self::replace(&mut self.details, task);
            }
            Effect::LoadSession => {
                let tokens = self.tokens.clone();
                let task = tokio::spawn(async move {
                    let wids = tokens
                        .token()
                        .await
                        .ok()
                        .and_then(|t| auth::token_wids(t.expose_secret()));
                    let (org, op) =
                        tokio::join!(graph.organization(), operator_facts(graph.as_ref(), wids));
                    let result = op.map_err(|e| e.to_string()).map(|operator| {
                        let tenant = org
                            .ok()
                            .and_then(|o| o.display_name)
                            .unwrap_or_else(|| "tenant".into());
                        Box::new(SessionInfo { tenant, operator })
                    });
                    let _ = tx.send(Msg::SessionLoaded(result));
                });
                Self::replace(&mut self.session, task);
            }
        }
    }

    /// Stops everything in flight.
    pub fn shutdown(&mut self) {
        for t in [
            self.search.take(),
            self.details.take(),
            self.session.take(),
            self.audit_task.take(),
        ]
        .into_iter()
        .flatten()
        {
            t.abort();
        }
    }
}
