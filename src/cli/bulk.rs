//! `resetdesk bulk FILE.csv`: many resets after a phishing wave. Every row is judged
//! first (the dry run: user, source of authority, verdict, method), a summary is shown,
//! and only after confirmation (or `--yes`) are the allowed ones reset — each with its own
//! generated password, in Graph batches (`service::bulk`). Each outcome is journaled with
//! the file, so running the same file again skips what is done and never resends a
//! reset whose outcome is unknown unless asked to (`--retry-unconfirmed`).

use std::collections::{HashMap, HashSet};
use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;

use clap::Args;
use futures::StreamExt;
use serde_json::{Value, json};

use super::csv_input::{self, Row};
use super::{Exit, Failure, GlobalArgs, Session};
use crate::journal;
use crate::policy::eligibility::Method;
use crate::sanitize::sanitize_line;
use crate::secret::ExposeSecret;
use crate::service::bulk::{Planned, Stop, execute_until};
use crate::service::facts::Assessment;
use crate::service::reset::{ResetOutcome, ResetRequest, ResetStatus};

#[derive(Debug, Args)]
pub struct BulkArgs {
    /// The CSV: a UserPrincipalName (or id, or mail) column, and optionally ticket.
    pub file: PathBuf,
    /// Judge every row and show what would happen; change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Do not ask for confirmation (needed when there is no terminal to ask on).
    #[arg(long)]
    pub yes: bool,
    /// Write the results with the temporary passwords to this new CSV (mode 0600).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    #[command(flatten)]
    pub options: super::reset::ResetOptions,
    /// Send again the resets an earlier run of this file left unconfirmed (verify first:
    /// they may have been set).
    #[arg(long)]
    pub retry_unconfirmed: bool,
    /// Print one JSON document.
    #[arg(long)]
    pub json: bool,
}

/// What the dry run found for one row.
enum Judged {
    /// No one user to reset: none or several match (`user-not-found`, `ambiguous-user`),
    /// or Graph failed while looking (then `code` is the fault's: `throttled`, `network`…,
    /// and the row is `not-checked`, never taken for a missing user).
    Unresolved {
        code: String,
        why: String,
    },
    Refused(Box<Assessment>),
    /// Done by an earlier run of this file (its outcome).
    Before(Box<Assessment>, String),
    /// A user an earlier row (this line) already named, by another form (an id and a
    /// UPN, say): reset once, for that row.
    Duplicate(Box<Assessment>, usize),
    /// Allowed, but `--force-change-only` cannot be done for them (a synced user).
    NoChangeOnly(Box<Assessment>),
    Allowed(Box<Assessment>),
}

struct Line {
    row: Row,
    judged: Judged,
    outcome: Option<ResetOutcome>,
    /// Sent to Graph (journaled as sending): without an outcome, the run was interrupted
    /// before Graph answered.
    sent: bool,
    /// `--force-change-only`: no password is set, a change is required.
    change_only: bool,
}

const MAX_CSV_BYTES: u64 = 16 * 1024 * 1024;

pub async fn run(global: &GlobalArgs, args: BulkArgs) -> Result<Exit, Failure> {
    let usage = |m: String| Failure::new(Exit::Usage, m);
    let meta = std::fs::metadata(&args.file)
        .map_err(|e| usage(format!("{}: {e}", args.file.display())))?;
    if !meta.is_file() || meta.len() > MAX_CSV_BYTES {
        return Err(usage(format!(
            "{}: not a CSV file of at most 16 MiB",
            args.file.display()
        )));
    }
    let text = std::fs::read(&args.file)
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .map_err(|e| usage(format!("{}: {e}", args.file.display())))?;
    let (rows, bad) =
        csv_input::read(&text).map_err(|m| usage(format!("{}: {m}", args.file.display())))?;
    let canonical = std::fs::canonicalize(&args.file)
        .unwrap_or_else(|_| args.file.clone())
        .display()
        .to_string();
    // The results file is taken before anything is done: never overwritten.
    let mut out = match &args.out {
        Some(p) if !args.dry_run => Some(create_private(p)?),
        _ => None,
    };
    let session = Session::open(global).await?;
    if !args.dry_run {
        session.refuse_if_read_only()?;
        session.check_journal().await?;
    }
    let operator = session.operator().await?;
    let before = earlier_outcomes(&session, &canonical, args.options.force_change_only).await?;
    let graph = session.graph.clone();
    let op = &operator;
    let before = &before;
    let session_ref = &session;
    let mut judged: Vec<Line> = futures::stream::iter(rows)
        .map(|row| {
            let graph = graph.clone();
            async move {
                let judged = match session_ref.resolve(&row.key).await {
                    Err(f) => Judged::Unresolved {
                        code: f.code,
                        why: f.message,
                    },
                    Ok(user) => {
                        match crate::service::facts::assess(graph.as_ref(), op, &user.id).await {
                            Err(e) => Judged::Unresolved {
                                code: e.kind().into(),
                                why: format!("could not check: {e}"),
                            },
                            Ok(a) => match before.get(&a.target.user.id) {
                                Some(o) if o != "unconfirmed" || !args.retry_unconfirmed => {
                                    Judged::Before(Box::new(a), o.clone())
                                }
                                _ if a.verdict.allowed
                                    && args.options.force_change_only
                                    && a.verdict.method == Some(Method::ResetPassword) =>
                                {
                                    Judged::NoChangeOnly(Box::new(a))
                                }
                                _ if a.verdict.allowed => Judged::Allowed(Box::new(a)),
                                _ => Judged::Refused(Box::new(a)),
                            },
                        }
                    }
                };
                Line {
                    row,
                    judged,
                    outcome: None,
                    sent: false,
                    change_only: args.options.force_change_only,
                }
            }
        })
        .buffer_unordered(6)
        .collect()
        .await;
    judged.sort_by_key(|l| l.row.line);
    // Rows naming the same user in different forms: the first one stands.
    let mut first_of: HashMap<String, usize> = HashMap::new();
    for l in judged.iter_mut() {
        let Some(id) = assessment(l).map(|a| a.target.user.id.clone()) else {
            continue;
        };
        if let Some(&first) = first_of.get(&id) {
            let judged = std::mem::replace(
                &mut l.judged,
                Judged::Unresolved {
                    code: String::new(),
                    why: String::new(),
                },
            );
            if let Judged::Refused(a)
            | Judged::Allowed(a)
            | Judged::Before(a, _)
            | Judged::NoChangeOnly(a) = judged
            {
                l.judged = Judged::Duplicate(a, first);
            }
        } else {
            first_of.insert(id, l.row.line);
        }
    }
    let would = judged
        .iter()
        .filter(|l| matches!(l.judged, Judged::Allowed(_)))
        .count();
    for b in &bad {
        eprintln!(
            "! line {}: {} (skipped)",
            b.line,
            sanitize_line(&b.why, 200)
        );
    }
    let summary = summary(&judged, bad.len(), would, args.options.force_change_only);
    if args.dry_run || would == 0 {
        report(&args, &judged, &bad, &summary, true);
        let refused = judged
            .iter()
            .filter(|l| matches!(l.judged, Judged::Refused(_) | Judged::NoChangeOnly(_)))
            .count();
        let done_before = judged
            .iter()
            .any(|l| matches!(l.judged, Judged::Before(..)));
        if let Some(f) = unchecked_failure(&judged) {
            eprintln!("{}", f.line());
            return Ok(Exit::Failed);
        }
        if would == 0 && !args.dry_run {
            if refused > 0 && !done_before {
                // Nothing was sent because every user was refused: a refusal (exit 3).
                eprintln!(
                    "{}",
                    Failure::new(
                        Exit::Refused,
                        format!("nothing to reset: {refused} refused, none allowed (see each row's reason)")
                    )
                    .line()
                );
                return Ok(Exit::Refused);
            }
            eprintln!("Nothing to reset.");
        }
        return Ok(Exit::Ok);
    }
    // The dry run's table ends with the summary; with --json it goes to stderr.
    if args.json {
        eprintln!("{summary}");
    } else {
        report(&args, &judged, &bad, &summary, true);
    }
    if !args.yes {
        confirm(would, args.options.force_change_only)?;
    }
    let plan: Vec<Planned> = judged
        .iter()
        .enumerate()
        .filter_map(|(key, l)| match &l.judged {
            Judged::Allowed(a) => Some(Planned {
                key,
                request: ResetRequest {
                    user_id: a.target.user.id.clone(),
                    method: a.verdict.method.unwrap_or(Method::PasswordProfile),
                    // Each user their own: never one password for many (and none at
                    // all when only a change is required).
                    password: (!args.options.force_change_only)
                        .then(|| crate::policy::password::generate(session.config.password_length)),
                    generated: !args.options.force_change_only,
                    force_change: !args.options.no_force_change,
                    force_change_with_mfa: args.options.force_change_with_mfa,
                    revoke_sessions: args.options.revoke_sessions,
                    operation_timeout: session.config.operation_timeout,
                },
            }),
            _ => None,
        })
        .collect();
    let bar = progress(plan.len());
    let journal = session.journal().await;
    let person = operator.person();
    let mut finished: Vec<(usize, ResetOutcome)> = Vec::new();
    let mut sent: HashSet<usize> = HashSet::new();
    // --out gets each reset's row the moment its outcome is known, flushed: a run that
    // ends early (a signal, a crash) has handed over every password it set. A write that
    // fails stops the file, never the run: the report on stdout still carries them.
    let mut results: Option<ResultsFile> = out.as_mut().map(csv::Writer::from_writer);
    let mut out_error: Option<std::io::Error> = None;
    if let Some(w) = results.as_mut()
        && let Err(e) = write_header(w)
    {
        eprintln!("! --out: {e}: the passwords will be in the report on stdout only");
        out_error = Some(e);
        results = None;
    }
    // Before each send, the resets going out are journaled as sent with the outcome
    // unknown: a run killed now leaves them `unconfirmed`, which a rerun does not resend.
    let sending = |keys: &[usize]| {
        sent.extend(keys);
        let Some(j) = &journal else { return };
        for &key in keys {
            if let Judged::Allowed(a) = &judged[key].judged {
                let u = &a.target.user;
                let mut entry = journal::interrupted_entry(
                    &person,
                    &u.id,
                    u.user_principal_name.as_deref().unwrap_or(&u.id),
                    a.verdict.method.unwrap_or(Method::PasswordProfile).name(),
                    journal::Options {
                        force_change: !args.options.no_force_change,
                        force_change_with_mfa: args.options.force_change_with_mfa,
                        revoke_sessions: args.options.revoke_sessions,
                        generated: !args.options.force_change_only,
                        change_only: args.options.force_change_only,
                    },
                    judged[key].row.ticket.as_deref(),
                );
                entry.action = "sending".into();
                entry.error = Some("sent by resetdesk bulk; its outcome follows in the next entry unless the run was interrupted".into());
                entry.bulk = Some(canonical.clone());
                if let Err(e) = j.append(&entry) {
                    eprintln!("! journal write failed: {e}");
                }
            }
        }
    };
    let done = |key: usize, outcome: ResetOutcome| {
        if let (Some(j), Judged::Allowed(a)) = (&journal, &judged[key].judged) {
            let u = &a.target.user;
            let mut entry = journal::reset_entry(
                &person,
                &u.id,
                u.user_principal_name.as_deref(),
                &outcome,
                judged[key].row.ticket.as_deref(),
                args.options.revoke_sessions,
            );
            entry.bulk = Some(canonical.clone());
            if let Err(e) = j.append(&entry) {
                eprintln!("! journal write failed: {e}");
            }
        }
        if let Some(w) = results.as_mut()
            && let Err(e) = write_result(w, &judged[key], Some(&outcome))
        {
            eprintln!("! --out: {e}: the passwords are in the report on stdout only");
            out_error = Some(e);
            results = None;
        }
        bar.inc(1);
        finished.push((key, outcome));
    };
    // A signal (Ctrl-C, SIGTERM, the SSH connection dropped) stops the run: nothing more
    // is sent, what is in flight finishes — a batch Graph took has its sessions revoked
    // and its passwords handed over, a synced user's operation is followed — and the rest
    // ends not sent. A second signal abandons what is in flight: those are `unconfirmed`.
    let stop = Stop::default();
    let signal = {
        let run = execute_until(session.graph.as_ref(), plan, &stop, sending, done);
        tokio::pin!(run);
        match tokio::select! {
            () = &mut run => None,
            s = super::signalled() => Some(s),
        } {
            None => None,
            Some(s) => {
                stop.stop();
                bar.suspend(|| {
                    eprintln!(
                        "! stopping: nothing more is sent; the resets in flight finish, with their passwords (a second signal quits at once, leaving them unconfirmed)"
                    )
                });
                tokio::select! {
                    () = &mut run => {}
                    _ = super::signalled() => {}
                }
                Some(s)
            }
        }
    };
    bar.finish_and_clear();
    for (key, o) in finished {
        judged[key].outcome = Some(o);
    }
    for &key in &sent {
        judged[key].sent = true;
    }
    // The rows no reset answered for, after those that were: every line is in the file.
    if let Some(w) = results.as_mut() {
        let rest = judged
            .iter()
            .filter(|l| l.outcome.is_none())
            .try_for_each(|l| write_result(w, l, None));
        if let Err(e) = rest {
            eprintln!("! --out: {e}: the rows after it are in the report on stdout only");
            out_error = Some(e);
        }
    }
    drop(results);
    if let Some(p) = &args.out
        && finished_any_password(&judged)
    {
        eprintln!(
            "! {} holds temporary passwords: hand them over and delete it (shred) as soon as you can",
            p.display()
        );
    }
    report(&args, &judged, &bad, &summary, false);
    if let Some(e) = &out_error {
        eprintln!(
            "{}",
            Failure::new(Exit::Failed, format!("--out: {e}"))
                .fix("the passwords are in the report above: hand them over from there")
                .line()
        );
    }
    if let Some(s) = signal {
        let made = judged
            .iter()
            .filter_map(|l| l.outcome.as_ref())
            .filter(|o| matches!(o.status, ResetStatus::Succeeded | ResetStatus::Accepted))
            .count();
        let unconfirmed = judged
            .iter()
            .filter(|l| {
                (l.sent && l.outcome.is_none())
                    || l.outcome
                        .as_ref()
                        .is_some_and(|o| o.status == ResetStatus::Unconfirmed)
            })
            .count();
        eprintln!(
            "{}",
            Failure::new(
                s,
                format!(
                    "interrupted: {made} of {would} resets made (above, with their passwords), {unconfirmed} unconfirmed, the others not made"
                )
            )
            .fix("run the same command again: what is done is skipped, what is unconfirmed is not resent")
            .line()
        );
        return Ok(s);
    }
    let unchecked = unchecked_failure(&judged);
    if let Some(f) = &unchecked {
        eprintln!("{}", f.line());
    }
    let not_ok: Vec<&crate::service::reset::ResetOutcome> = judged
        .iter()
        .filter_map(|l| l.outcome.as_ref())
        .filter(|o| !matches!(o.status, ResetStatus::Succeeded | ResetStatus::Accepted))
        .collect();
    if let Some(first) = not_ok.first() {
        // One line naming why, as every failing command says it.
        let mut counts = std::collections::BTreeMap::<&str, usize>::new();
        for o in &not_ok {
            *counts.entry(o.status.name()).or_default() += 1;
        }
        let counts: Vec<String> = counts.iter().map(|(k, n)| format!("{n} {k}")).collect();
        let cause = first
            .detail
            .clone()
            .or_else(|| first.error.as_ref().map(|e| e.to_string()))
            .unwrap_or_default();
        let cause = match (&first.detail, &first.error) {
            (Some(d), Some(e)) if !d.contains(&e.to_string()) => format!("{cause} ({e})"),
            _ => cause,
        };
        eprintln!(
            "{}",
            Failure::new(
                Exit::Failed,
                format!(
                    "{} of {} resets did not succeed ({}); the first: {cause}",
                    not_ok.len(),
                    judged.iter().filter(|l| l.outcome.is_some()).count(),
                    counts.join(", ")
                )
            )
            .line()
        );
        return Ok(Exit::Failed);
    }
    if unchecked.is_some() {
        return Ok(Exit::Failed);
    }
    Ok(if out_error.is_some() {
        Exit::Failed
    } else {
        Exit::Ok
    })
}

fn finished_any_password(lines: &[Line]) -> bool {
    lines
        .iter()
        .any(|l| l.outcome.as_ref().is_some_and(|o| o.password.is_some()))
}

/// Outcomes of earlier runs of this file of the same kind (a reset, or a change only
/// required), by user id (the latest wins): a change-only run does not count as a reset.
/// A journal that cannot be read stops the run: without it a rerun would reset again
/// everyone an earlier run reset (their passwords handed over already, or lost).
async fn earlier_outcomes(
    session: &Session,
    file: &str,
    change_only: bool,
) -> Result<HashMap<String, String>, Failure> {
    let mut done = HashMap::new();
    if let Some(j) = session.journal().await {
        let (entries, bad) = j.read().map_err(|e| {
            if e.kind() == std::io::ErrorKind::PermissionDenied {
                // Open to others: refused as the run itself refuses it.
                return Failure::new(Exit::Usage, e.to_string()).code("journal-not-private");
            }
            Failure::new(
                Exit::Failed,
                format!("the journal {} cannot be read: {e}", j.path().display()),
            )
            .code("journal-unreadable")
            .fix("bulk needs it to know what an earlier run did: repair or move it, then run again")
        })?;
        if let Some(first) = bad.first() {
            eprintln!(
                "! journal {}: {} unreadable lines ({}): what they recorded is unknown to this run",
                j.path().display(),
                bad.len(),
                sanitize_line(first, 120)
            );
        }
        for e in entries
            .into_iter()
            .filter(|e| e.bulk.as_deref() == Some(file) && e.options.change_only == change_only)
        {
            // In order: a `sending` entry (outcome unknown) is settled by the outcome
            // after it; a failed reset may be tried again.
            if e.outcome == "failed" {
                done.remove(&e.target.id);
            } else {
                done.insert(e.target.id.clone(), e.outcome.clone());
            }
        }
    }
    Ok(done)
}

fn create_private(path: &std::path::Path) -> Result<std::fs::File, Failure> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    opts.open(path).map_err(|e| {
        let why = if e.kind() == std::io::ErrorKind::AlreadyExists {
            "exists; resetdesk never overwrites a file that will hold passwords — choose a new name"
                .to_string()
        } else {
            e.to_string()
        };
        Failure::new(Exit::Usage, format!("--out {}: {why}", path.display()))
    })
}

fn confirm(n: usize, change_only: bool) -> Result<(), Failure> {
    if !(std::io::stdin().is_terminal() && std::io::stderr().is_terminal()) {
        return Err(Failure::new(
            Exit::Refused,
            "not confirmed: there is no terminal to ask on; pass --yes to reset without asking",
        ));
    }
    let mut err = std::io::stderr();
    let what = if change_only {
        "Require a password change at next sign-in of"
    } else {
        "Reset the passwords of"
    };
    let _ = write!(err, "{what} {n} users? Type yes to confirm: ");
    let _ = err.flush();
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer).ok();
    if answer.trim().eq_ignore_ascii_case("yes") {
        Ok(())
    } else {
        Err(Failure::new(
            Exit::Refused,
            "not confirmed: nothing was changed",
        ))
    }
}

fn progress(n: usize) -> indicatif::ProgressBar {
    if !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(n as u64);
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{bar:32} {pos}/{len} resets · {per_sec} · ETA {eta}",
    ) {
        bar.set_style(style);
    }
    bar
}

fn summary(lines: &[Line], bad: usize, would: usize, change_only: bool) -> String {
    let mut refused: HashMap<String, usize> = HashMap::new();
    let (mut unresolved, mut unchecked, mut before, mut duplicates) = (0, 0, 0, 0);
    for l in lines {
        match &l.judged {
            Judged::Refused(a) => {
                *refused
                    .entry(a.verdict.refusal_code().to_string())
                    .or_default() += 1;
            }
            Judged::NoChangeOnly(_) => {
                *refused.entry("change-only-synced".into()).or_default() += 1;
            }
            Judged::Unresolved { code, .. } if not_checked(code) => unchecked += 1,
            Judged::Unresolved { .. } => unresolved += 1,
            Judged::Duplicate(..) => duplicates += 1,
            Judged::Before(..) => before += 1,
            Judged::Allowed(_) => {}
        }
    }
    let mut by_reason: Vec<String> = refused.iter().map(|(c, n)| format!("{n} {c}")).collect();
    by_reason.sort();
    // A change-only run sets no password: it says what it would do.
    let what = if change_only {
        "would require a change of"
    } else {
        "would reset"
    };
    let mut s = format!(
        "{what} {would}; refused {}{}; unresolved {unresolved}; done in an earlier run {before}; bad lines {bad}",
        refused.values().sum::<usize>(),
        if by_reason.is_empty() {
            String::new()
        } else {
            format!(" ({})", by_reason.join(", "))
        }
    );
    if duplicates > 0 {
        s.push_str(&format!("; the same user again {duplicates}"));
    }
    if unchecked > 0 {
        s.push_str(&format!(
            "; not checked {unchecked} (Graph failed: run the same file again)"
        ));
    }
    s
}

/// An unresolved row's code that is a fault while looking, not an answer about the user.
fn not_checked(code: &str) -> bool {
    !matches!(code, "user-not-found" | "ambiguous-user" | "")
}

/// The rows Graph's faults left unchecked: a bulk run that could not judge them did not do
/// its job (exit 1), whatever else it did. One line naming how many and the first cause.
fn unchecked_failure(lines: &[Line]) -> Option<Failure> {
    let mut faults = lines.iter().filter_map(|l| match &l.judged {
        Judged::Unresolved { code, why } if not_checked(code) => Some((l.row.line, why)),
        _ => None,
    });
    let (line, first) = faults.next()?;
    let n = 1 + faults.count();
    Some(
        Failure::new(
            Exit::Failed,
            format!(
                "{n} rows could not be checked (Graph failed, not an answer about the user); the first, line {line}: {first}"
            ),
        )
        .fix("see each row's reason: a passing fault (throttled, network, service-unavailable) goes away when the same file is run again, and what is done is skipped"),
    )
}

fn status_of(l: &Line, dry: bool) -> (&'static str, Option<(String, String)>) {
    status_with(l, l.outcome.as_ref(), dry)
}

/// A row's status and reason with `outcome` as its reset's (known before it is stored).
fn status_with(
    l: &Line,
    outcome: Option<&ResetOutcome>,
    dry: bool,
) -> (&'static str, Option<(String, String)>) {
    match (&l.judged, outcome) {
        (Judged::Unresolved { code, why }, _) => (
            if not_checked(code) {
                "not-checked"
            } else {
                "unresolved"
            },
            Some((code.clone(), why.clone())),
        ),
        (Judged::Before(_, o), _) => (
            if o == "unconfirmed" {
                "unconfirmed-before"
            } else {
                "done-before"
            },
            None,
        ),
        (Judged::Refused(a), _) => {
            let r = a.verdict.blocks().next();
            (
                "refused",
                r.map(|r| {
                    (
                        r.code.as_str().to_string(),
                        format!("{} → {}", r.message, r.fix),
                    )
                }),
            )
        }
        (Judged::Duplicate(_, first), _) => (
            "duplicate",
            Some((
                "duplicate-user".into(),
                format!("the same user as line {first}; reset once, for that line"),
            )),
        ),
        (Judged::NoChangeOnly(_), _) => (
            "refused",
            Some((
                "change-only-synced".into(),
                crate::service::reset::CHANGE_ONLY_SYNCED.into(),
            )),
        ),
        (Judged::Allowed(_), None) if dry && l.change_only => ("would-require-change", None),
        (Judged::Allowed(_), None) if l.sent && !dry => (
            "unconfirmed",
            Some((
                "interrupted".into(),
                "sent, then the run was interrupted before Graph answered: check `resetdesk audit` before resetting again".into(),
            )),
        ),
        (Judged::Allowed(_), None) => (if dry { "would-reset" } else { "not-sent" }, None),
        (Judged::Allowed(_), Some(o)) => (
            o.status.name(),
            o.error
                .as_ref()
                .map(|e| {
                    (
                        super::graph_failure_kind(e).0.to_string(),
                        o.detail.clone().unwrap_or_else(|| e.to_string()),
                    )
                })
                .or_else(|| {
                    let code = match o.status {
                        ResetStatus::Accepted => "accepted",
                        ResetStatus::Failed => "failed",
                        _ => "unconfirmed",
                    };
                    o.detail.clone().map(|d| (code.into(), d))
                }),
        ),
    }
}

fn assessment(l: &Line) -> Option<&Assessment> {
    match &l.judged {
        Judged::Refused(a)
        | Judged::Allowed(a)
        | Judged::Before(a, _)
        | Judged::NoChangeOnly(a)
        | Judged::Duplicate(a, _) => Some(a),
        Judged::Unresolved { .. } => None,
    }
}

fn row_json(l: &Line, dry: bool) -> Value {
    let (status, why) = status_of(l, dry);
    let a = assessment(l);
    json!({
        "line": l.row.line,
        "key": l.row.key,
        "ticket": l.row.ticket,
        "status": status,
        "user": a.map(|a| json!({
            "id": a.target.user.id,
            "userPrincipalName": a.target.user.user_principal_name,
            "displayName": a.target.user.display_name,
            "sourceOfAuthority": crate::policy::authority::source_of_authority(&crate::service::account(&a.target.user)).name(),
        })),
        "method": a.and_then(|a| a.verdict.method).map(|m| m.name()),
        "reason": why.map(|(code, message)| json!({"code": code, "message": message})),
        "temporaryPassword": l.outcome.as_ref().and_then(|o| o.password.as_ref()).map(|p| p.expose_secret().to_string()),
    })
}

fn report(args: &BulkArgs, lines: &[Line], bad: &[csv_input::BadRow], summary: &str, dry: bool) {
    if args.json {
        let rows: Vec<Value> = lines.iter().map(|l| row_json(l, dry)).collect();
        let doc = json!({
            "dryRun": dry,
            "summary": summary,
            "rows": rows,
            "badLines": bad.iter().map(|b| json!({"line": b.line, "reason": b.why})).collect::<Vec<_>>(),
        });
        outln!("{doc}");
        return;
    }
    let mut t = super::table::Table::new(&[
        ("LINE", 5),
        ("USER", 40),
        ("SOURCE", 8),
        ("STATUS", 18),
        ("METHOD", 15),
        ("PASSWORD / REASON", 60),
    ]);
    for l in lines {
        let (status, why) = status_of(l, dry);
        let a = assessment(l);
        let user = a
            .and_then(|a| a.target.user.user_principal_name.clone())
            .unwrap_or_else(|| l.row.key.clone());
        let source = a
            .map(|a| {
                crate::policy::authority::source_of_authority(&crate::service::account(
                    &a.target.user,
                ))
                .name()
            })
            .unwrap_or("-");
        let method = a
            .and_then(|a| a.verdict.method)
            .map(|m| m.name())
            .unwrap_or("-");
        let last = match (l.outcome.as_ref().and_then(|o| o.password.as_ref()), why) {
            (Some(p), _) => p.expose_secret().to_string(),
            (None, Some((_, w))) => w,
            (None, None) => String::new(),
        };
        t.row(vec![
            l.row.line.to_string(),
            user,
            source.into(),
            status.into(),
            method.into(),
            last,
        ]);
    }
    out!("{}", t.render());
    if dry {
        outln!("{summary}");
    }
}

type ResultsFile<'a> = csv::Writer<&'a mut std::fs::File>;

fn write_header(w: &mut ResultsFile) -> std::io::Result<()> {
    w.write_record([
        "UserPrincipalName",
        "status",
        "method",
        "temporaryPassword",
        "errorCode",
    ])?;
    w.flush()
}

/// One row of --out, written through to the file at once.
fn write_result(
    w: &mut ResultsFile,
    l: &Line,
    outcome: Option<&ResetOutcome>,
) -> std::io::Result<()> {
    let (status, why) = status_with(l, outcome, false);
    let a = assessment(l);
    let upn = a
        .and_then(|a| a.target.user.user_principal_name.clone())
        .unwrap_or_else(|| l.row.key.clone());
    let pw = zeroize::Zeroizing::new(
        outcome
            .and_then(|o| o.password.as_ref())
            .map(|p| p.expose_secret().to_string())
            .unwrap_or_default(),
    );
    w.write_record([
        upn.as_str(),
        status,
        a.and_then(|a| a.verdict.method)
            .map(|m| m.name())
            .unwrap_or(""),
        pw.as_str(),
        why.as_ref().map(|(c, _)| c.as_str()).unwrap_or(""),
    ])?;
    w.flush()
}
