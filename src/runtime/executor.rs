//! Turns effects into tokio tasks and their results into messages. Search and details are
//! "newest wins": a new request aborts the one before it.

use std::collections::HashMap;
use std::sync::Arc;

use tokio::sync::mpsc::UnboundedSender;
use tokio::task::JoinHandle;

use super::audit_stream::StreamTiming;
use crate::app::{Effect, Msg, SessionInfo};
use crate::auth::{self, TokenProvider};
use crate::clipboard::Clipboard;
use crate::graph::GraphApi;
use crate::graph::audit::{AuditPoller, PollerConfig};
use crate::journal::{self, Journal};
use crate::secret::ExposeSecret;
use crate::service::facts::{assess, operator_facts};
use crate::service::reset::reset;
use crate::service::triage::TriageCache;

/// What the journal's `bulk` field says of a bulk run made in the console (the CLI's
/// names its file, by which a rerun finds what is done).
const BULK_SOURCE: &str = "console";

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
    /// The bulk dry run (aborted by a newer one or a switch; a run is never aborted).
    bulk_judge: Option<JoinHandle<()>>,
    /// The open user's triage (newest wins), and the answers kept a minute per user so
    /// that going back and forth spends none of the reports budget.
    triage: Option<JoinHandle<()>>,
    triage_cache: Arc<TriageCache>,
    session: Option<JoinHandle<()>>,
    /// The tenant as configured, for the journal.
    requested_tenant: Option<String>,
    /// Resets sent whose outcome has not come back, so that an exit in the meantime
    /// journals them as unconfirmed.
    /// Keyed by request and, in a bulk run, row.
    in_flight: Arc<InFlight>,
    switcher: Option<super::Switcher>,
    /// The session a `:profile` switch signed in to, until the app adopts it.
    pending: Arc<std::sync::Mutex<Option<super::SessionIo>>>,
    /// Where the sign-in window's pasted address goes: every credential that may be
    /// waiting for one (the current one, one being switched to).
    pastes: Vec<tokio::sync::mpsc::Sender<String>>,
    /// What keeps the session's resources alive (the demo's simulator).
    keep: Option<Box<dyn std::any::Any + Send + Sync>>,
}

/// A sign-in that needs the admin talks to them through the console's sign-in window.
fn interaction(
    tx: &UnboundedSender<Msg>,
) -> (auth::Interaction, tokio::sync::mpsc::Sender<String>) {
    let (paste_tx, paste) = tokio::sync::mpsc::channel(4);
    let (prompt_tx, done_tx) = (tx.clone(), tx.clone());
    let i = auth::Interaction {
        prompt: Arc::new(move |text: &str, paste: bool| {
            let _ = prompt_tx.send(Msg::SignInPrompt {
                text: text.to_string(),
                paste,
            });
        }),
        paste,
        done: Arc::new(move || {
            let _ = done_tx.send(Msg::SignedIn);
        }),
    };
    (i, paste_tx)
}

type InFlight = std::sync::Mutex<HashMap<(u64, usize), journal::Entry>>;

/// The console's resets in flight and its journal, for the panic hook: a panic never
/// reaches `on_exit`, and a reset sent must not vanish from the record with the process.
static ON_PANIC: std::sync::Mutex<Option<(Arc<InFlight>, Arc<Journal>)>> =
    std::sync::Mutex::new(None);

/// Called by the panic hook: journals every reset still out as unconfirmed, as an exit
/// does. Never waits for a lock (the panic may have struck while one was held).
pub fn journal_in_flight_after_panic() {
    use std::sync::TryLockError;
    let slot = match ON_PANIC.try_lock() {
        Ok(s) => s,
        Err(TryLockError::Poisoned(p)) => p.into_inner(),
        Err(TryLockError::WouldBlock) => return,
    };
    let Some((in_flight, journal)) = slot.as_ref() else {
        return;
    };
    let mut held = match in_flight.try_lock() {
        Ok(h) => h,
        Err(TryLockError::Poisoned(p)) => p.into_inner(),
        Err(TryLockError::WouldBlock) => return,
    };
    for (_, e) in held.drain() {
        let _ = journal.append(&e);
    }
}

/// Journals a write's outcome unless shutdown already journaled it as interrupted:
/// whoever takes the in-flight entry out writes the line, so there is exactly one.
fn journal_once(
    in_flight: &InFlight,
    key: (u64, usize),
    journal: Option<&Journal>,
    entry: impl FnOnce() -> journal::Entry,
) {
    let mine = in_flight
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .remove(&key)
        .is_some();
    if let (true, Some(j)) = (mine, journal)
        && let Err(e) = j.append(&entry())
    {
        tracing::warn!(error = %e, "journal write failed");
    }
}

impl Executor {
    pub fn new(io: super::Io, tx: UnboundedSender<Msg>) -> Executor {
        // Once the console runs, a sign-in the admin must complete (a refresh that
        // failed) opens the sign-in window instead of writing under the screen.
        let (i, paste) = interaction(&tx);
        io.tokens.interact_via(i);
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
            bulk_judge: None,
            triage: None,
            triage_cache: Arc::new(TriageCache::new(std::time::Duration::from_secs(60))),
            session: None,
            requested_tenant: io.tenant,
            in_flight: Arc::default(),
            switcher: io.switcher,
            pending: Arc::default(),
            pastes: vec![paste],
            keep: None,
        }
    }

    /// This executor's resets in flight are journaled even if the console panics.
    pub fn journal_on_panic(&self) {
        if let Some(j) = &self.journal {
            *ON_PANIC.lock().unwrap_or_else(|e| e.into_inner()) =
                Some((self.in_flight.clone(), j.clone()));
        }
    }

    /// A write is about to go out but the journal is open to others: nothing is sent
    /// (as the CLI refuses before a reset, `journal-not-private`), and the console says
    /// why. True when refused.
    fn refuse_unprivate_journal(&self, req: u64) -> bool {
        let Some((journal, e)) = self
            .journal
            .as_ref()
            .and_then(|j| j.check_private().err().map(|e| (j, e)))
        else {
            return false;
        };
        tracing::warn!(error = %e, "write refused: journal not private");
        // The flash has three rows: the fix before the detail.
        let path = journal.path().display();
        let _ = self.tx.send(Msg::NotSent {
            req,
            why: format!(
                "the journal is open to others — check who else could read or change it, then `chmod 600 {path}`"
            ),
        });
        true
    }

    /// A write goes out: until its task journals the outcome, an exit journals this.
    fn hold(&self, key: (u64, usize), interrupted: journal::Entry) {
        self.in_flight
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(key, interrupted);
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
            Effect::Reset { req, .. }
            | Effect::CreateTap { req, .. }
            | Effect::BulkReset { req, .. }
                if self.refuse_unprivate_journal(req) => {}
            Effect::Reset { req, request, note } => {
                let journal = self.journal.clone();
                let pending = journal::interrupted_entry(
                    &note.operator.person(),
                    &note.target_id,
                    &note.target_upn,
                    request.method.name(),
                    journal::Options {
                        force_change: request.force_change,
                        force_change_with_mfa: request.force_change_with_mfa,
                        revoke_sessions: request.revoke_sessions,
                        generated: request.generated,
                        change_only: request.password.is_none(),
                    },
                    note.ticket.as_deref(),
                );
                self.hold((req, 0), pending);
                let in_flight = self.in_flight.clone();
                let cache = self.triage_cache.clone();
                // A reset is never aborted once sent: it runs to its outcome.
                tokio::spawn(async move {
                    let revoke = note.revoke;
                    let outcome = reset(graph.as_ref(), request).await;
                    cache.forget(&note.target_id);
                    journal_once(&in_flight, (req, 0), journal.as_deref(), || {
                        journal::reset_entry(
                            &note.operator.person(),
                            &note.target_id,
                            Some(&note.target_upn),
                            &outcome,
                            note.ticket.as_deref(),
                            revoke,
                        )
                    });
                    let _ = tx.send(Msg::ResetDone {
                        req,
                        outcome: Box::new(outcome),
                    });
                });
            }
            Effect::BulkJudge { req, ids, operator } => {
                let task = tokio::spawn(async move {
                    use futures::StreamExt;
                    let graph = graph.as_ref();
                    let op = operator.as_ref();
                    let mut judged = futures::stream::iter(ids.into_iter().enumerate())
                        .map(|(index, id)| async move {
                            let result = assess(graph, op, &id).await.map(Box::new).map_err(|e| {
                                let x = crate::service::explain::explain_read(
                                    &e,
                                    "could not check this user",
                                );
                                format!("{} — {}", x.cause, x.fix)
                            });
                            (index, result)
                        })
                        // As the CLI's dry run: a few at once, within Graph's limits.
                        .buffer_unordered(6);
                    while let Some((index, result)) = judged.next().await {
                        let _ = tx.send(Msg::BulkJudged { req, index, result });
                    }
                });
                Self::replace(&mut self.bulk_judge, task);
            }
            Effect::BulkReset { req, plan, notes } => self.bulk_reset(req, plan, notes),
            Effect::LoadTriage { req, user } => {
                let cache = self.triage_cache.clone();
                let task = tokio::spawn(async move {
                    let result = match cache.get(&user.id) {
                        Some(t) => Ok(t),
                        None => match crate::service::triage::triage(graph.as_ref(), &user).await {
                            Ok(t) => {
                                let t = Arc::new(t);
                                cache.put(t.clone());
                                Ok(t)
                            }
                            Err(e) => {
                                let x = crate::service::explain::explain_read(
                                    &e,
                                    "could not read the sign-ins",
                                );
                                Err(format!("{} — {}", x.cause, x.fix))
                            }
                        },
                    };
                    let _ = tx.send(Msg::TriageDone { req, result });
                });
                Self::replace(&mut self.triage, task);
            }
            Effect::ReadTapPolicy { req } => {
                tokio::spawn(async move {
                    let (policy, lasting) =
                        match crate::service::tap::read_policy_lasting(graph.as_ref()).await {
                            Ok(p) => p,
                            Err(e) => (
                                crate::policy::tap::PolicyKnown::Unreadable(
                                    crate::service::explain::explain_read(&e, "not read").cause,
                                ),
                                false,
                            ),
                        };
                    let _ = tx.send(Msg::TapPolicy {
                        req,
                        policy,
                        lasting,
                    });
                });
            }
            Effect::CreateTap {
                req,
                user_id,
                verdict,
                note,
            } => {
                let journal = self.journal.clone();
                let lost = crate::service::tap::TapOutcome {
                    status: crate::service::tap::TapStatus::Unconfirmed,
                    pass: None,
                    method: None,
                    started_at: time::OffsetDateTime::now_utc(),
                    error: None,
                    detail: Some(
                        "the console exited while the pass was being created; its code is lost: create another (it replaces this one)".into(),
                    ),
                    request_id: None,
                };
                let mut pending = journal::tap_entry(
                    &note.operator.person(),
                    &note.target_id,
                    Some(&note.target_upn),
                    &lost,
                    note.ticket.as_deref(),
                );
                // As an interrupted reset is journaled.
                pending.error_code = Some("interrupted".into());
                self.hold((req, 0), pending);
                let in_flight = self.in_flight.clone();
                let cache = self.triage_cache.clone();
                // Sent once and never aborted, like a reset.
                tokio::spawn(async move {
                    let outcome =
                        crate::service::tap::create(graph.as_ref(), &user_id, &verdict).await;
                    cache.forget(&user_id);
                    journal_once(&in_flight, (req, 0), journal.as_deref(), || {
                        journal::tap_entry(
                            &note.operator.person(),
                            &note.target_id,
                            Some(&note.target_upn),
                            &outcome,
                            note.ticket.as_deref(),
                        )
                    });
                    let _ = tx.send(Msg::TapDone {
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
                    let entry =
                        journal::confirmed_entry(&operator.person(), &target_id, &target_upn);
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
                        .map(|r| (r.users, r.count));
                    let _ = tx.send(Msg::SearchDone { req, query, result });
                });
                Self::replace(&mut self.search, task);
            }
            Effect::LoadDetails { req, key, operator } => {
                let task = tokio::spawn(async move {
                    use crate::app::LoadError;
                    use crate::service::resolve::{Resolved, resolve};
                    let result = match resolve(graph.as_ref(), &key).await {
                        Ok(Resolved::One(u)) => assess(graph.as_ref(), &operator, &u.id)
                            .await
                            .map(Box::new)
                            .map_err(LoadError::Graph),
                        Ok(Resolved::Many(users)) => {
                            let _ = tx.send(Msg::Ambiguous { req, key, users });
                            return;
                        }
                        Ok(Resolved::None(tried)) => Err(LoadError::NoMatch(
                            tried.into_iter().map(str::to_string).collect(),
                        )),
                        Err(e) => Err(LoadError::Graph(e)),
                    };
                    let _ = tx.send(Msg::DetailsDone { req, result });
                });
                Self::replace(&mut self.details, task);
            }
            Effect::SwitchProfile(name) => {
                // Nothing of the old tenant goes on arriving.
                self.abort_tasks();
                let Some(switcher) = self.switcher.clone() else {
                    let _ = tx.send(Msg::ProfileSwitched(Err(
                        "this console has no profiles".into()
                    )));
                    return;
                };
                let (i, paste) = interaction(&tx);
                self.pastes.retain(|p| !p.is_closed());
                self.pastes.push(paste);
                let pending = self.pending.clone();
                let task = tokio::spawn(async move {
                    let result = switcher(name, i).await.map(|sio| {
                        let info = Box::new(sio.info.clone());
                        *pending.lock().unwrap_or_else(|e| e.into_inner()) = Some(sio);
                        info
                    });
                    let _ = tx.send(Msg::ProfileSwitched(result));
                });
                Self::replace(&mut self.session, task);
            }
            Effect::AdoptProfile => {
                let adopted = self
                    .pending
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .take();
                // Nothing the old session still had in flight may answer into the new one.
                self.abort_tasks();
                self.triage_cache.clear();
                if let Some(sio) = adopted {
                    self.graph = sio.graph;
                    self.tokens = sio.tokens;
                    self.journal = sio.journal.map(Arc::new);
                    self.requested_tenant = sio.tenant;
                    self.keep = sio.keep;
                    if let Some(c) = sio.clipboard {
                        self.clipboard = c;
                    }
                    self.audit = sio.audit;
                }
            }
            Effect::SignInPaste(pasted) => {
                self.pastes.retain(|p| !p.is_closed());
                for p in &self.pastes {
                    let _ = p.try_send(pasted.expose_secret().to_string());
                }
            }
            Effect::LoadSession => {
                // New roles (a PIM activation) read differently: nothing kept from before.
                self.triage_cache.clear();
                let tokens = self.tokens.clone();
                let journal = self.journal.clone();
                let requested = self.requested_tenant.clone();
                let task = tokio::spawn(async move {
                    let token = tokens.token().await.ok();
                    let facts = token
                        .as_ref()
                        .map(|t| auth::TokenFacts::read(t.expose_secret()))
                        .unwrap_or_default();
                    let tid = token
                        .as_ref()
                        .and_then(|t| auth::token_claim(t.expose_secret(), "tid"));
                    let (org, op) =
                        tokio::join!(graph.organization(), operator_facts(graph.as_ref(), facts));
                    let org = org.ok();
                    if let Some(j) = journal {
                        j.set_tenant(journal::TenantRef {
                            id: tid.or_else(|| org.as_ref().map(|o| o.id.clone())),
                            requested,
                            name: org.as_ref().and_then(|o| o.display_name.clone()),
                        });
                    }
                    let result = op.map_err(|e| e.to_string()).map(|operator| {
                        let tenant = org
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

    /// A bulk run in a task of its own, never aborted: each reset is recorded as in
    /// flight as it goes out (an exit meanwhile journals it unconfirmed) and journaled
    /// with its outcome as it ends.
    fn bulk_reset(
        &mut self,
        req: u64,
        plan: Vec<crate::service::bulk::Planned>,
        notes: Vec<crate::app::JournalNote>,
    ) {
        let graph = self.graph.clone();
        let tx = self.tx.clone();
        let journal = self.journal.clone();
        let in_flight = self.in_flight.clone();
        let notes: HashMap<usize, (crate::app::JournalNote, journal::Entry)> = plan
            .iter()
            .zip(notes)
            .map(|(p, note)| {
                let r = &p.request;
                let mut pending = journal::interrupted_entry(
                    &note.operator.person(),
                    &note.target_id,
                    &note.target_upn,
                    r.method.name(),
                    journal::Options {
                        force_change: r.force_change,
                        force_change_with_mfa: r.force_change_with_mfa,
                        revoke_sessions: r.revoke_sessions,
                        generated: r.generated,
                        change_only: r.password.is_none(),
                    },
                    note.ticket.as_deref(),
                );
                pending.bulk = Some(BULK_SOURCE.into());
                (p.key, (note, pending))
            })
            .collect();
        tokio::spawn(async move {
            let sending = |keys: &[usize]| {
                let mut held = in_flight.lock().unwrap_or_else(|e| e.into_inner());
                for k in keys {
                    if let Some((_, pending)) = notes.get(k) {
                        held.insert((req, *k), pending.clone());
                    }
                }
            };
            let done = |key: usize, outcome: crate::service::reset::ResetOutcome| {
                let journal = journal.as_deref().filter(|_| notes.contains_key(&key));
                journal_once(&in_flight, (req, key), journal, || {
                    let (note, _) = &notes[&key];
                    let mut entry = journal::reset_entry(
                        &note.operator.person(),
                        &note.target_id,
                        Some(&note.target_upn),
                        &outcome,
                        note.ticket.as_deref(),
                        note.revoke,
                    );
                    entry.bulk = Some(BULK_SOURCE.into());
                    entry
                });
                let _ = tx.send(Msg::BulkOne {
                    req,
                    key,
                    outcome: Box::new(outcome),
                });
            };
            // However the run ends (a panic included), the window learns it is over.
            struct Finished(UnboundedSender<Msg>, u64);
            impl Drop for Finished {
                fn drop(&mut self) {
                    let _ = self.0.send(Msg::BulkFinished { req: self.1 });
                }
            }
            let _finished = Finished(tx.clone(), req);
            crate::service::bulk::execute(graph.as_ref(), plan, sending, done).await;
        });
    }

    /// The console is ending: a copied password is cleared from every clipboard it
    /// reached, and work in flight is stopped.
    pub fn on_exit(&mut self) {
        if let Err(e) = self.clipboard.clear_held(&mut std::io::stdout()) {
            tracing::warn!(error = %e, "clipboard clear at exit failed");
        }
        self.shutdown();
    }

    /// Stops everything in flight. A reset still out is journaled as unconfirmed
    /// ("interrupted"): the process is about to end and its outcome will never arrive here.
    pub fn shutdown(&mut self) {
        let pending: Vec<journal::Entry> = self
            .in_flight
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .drain()
            .map(|(_, e)| e)
            .collect();
        if let Some(j) = &self.journal {
            for e in pending {
                if let Err(err) = j.append(&e) {
                    tracing::warn!(error = %err, "journal write failed");
                }
            }
        }
        self.abort_tasks();
    }

    /// Stops the reads in flight (a reset is never aborted: it runs to its outcome).
    fn abort_tasks(&mut self) {
        for t in [
            self.search.take(),
            self.details.take(),
            self.bulk_judge.take(),
            self.triage.take(),
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
