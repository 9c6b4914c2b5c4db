//! The results of I/O arriving: the session, search and details answers, clipboard
//! outcomes, time passing. Stale answers (a newer request is out) are dropped.

use std::sync::Arc;
use std::time::Instant;

use super::*;
use crate::service::explain::Explanation;

impl App {
    pub fn update(&mut self, msg: Msg, now: Instant) -> Vec<Effect> {
        self.dirty = true;
        self.clock = now;
        match msg {
            Msg::Key(k) => self.on_key(k, now),
            Msg::Paste(text) => {
                // It may be a password: wiped once it is in its field.
                let text = zeroize::Zeroizing::new(text);
                if self.sign_in_paste(&text) {
                    return vec![];
                }
                if let Some(b) = self.bulk.as_mut() {
                    b.paste(&text);
                    return vec![];
                }
                // A pasted UPN often carries a newline or tab: one line, trimmed.
                if let ResetFlow::Dialog(d) = &mut self.reset {
                    if let Some(field) = d.text_field() {
                        field.paste(&text);
                    }
                    return vec![];
                }
                if let ResetFlow::Tap(d) = &mut self.reset {
                    d.paste(&text);
                    return vec![];
                }
                let reply = match self.mode {
                    Mode::Typing => self.search.paste(&text, now),
                    Mode::Command => {
                        self.command.input.paste(&text);
                        Reply::Done
                    }
                    Mode::Filtering => {
                        self.audit.filter.paste(&text);
                        self.audit.selected = 0;
                        Reply::Done
                    }
                    _ => Reply::Ignored,
                };
                self.on_reply(reply, now)
            }
            Msg::Resize => vec![],
            Msg::ScrollLimits(l) => {
                self.limits = l;
                self.details.scroll = self.details.scroll.min(l.details);
                self.help.scroll = self.help.scroll.min(l.help);
                vec![]
            }
            Msg::Tick => self.on_tick(now),
            Msg::Terminate(signal) => self.quit_now(128 + signal.clamp(0, 127) as u8),
            Msg::SessionLoaded(Ok(info)) => {
                self.connection = Connection::Connected;
                // New roles or another tenant: the pass policy is read again, and an
                // answer on its way for the old session is dropped.
                self.tap_policy = None;
                self.tap_after_policy = None;
                let op = Arc::new(info.operator.clone());
                self.operator = Some(op.clone());
                self.session = Some(*info);
                let mut start = vec![];
                if !self.audit_started {
                    self.audit_started = true;
                    start.push(Effect::StartAudit);
                }
                let more = match self.deferred_details.take() {
                    Some(key) => self.load_details(key),
                    None => match &self.details.shown {
                        // A refresh re-reads the open user with the new roles.
                        Details::Loaded(a) => {
                            let key = a.target.user.id.clone();
                            self.load_details(key)
                        }
                        _ => vec![],
                    },
                };
                start.extend(more);
                if let Some(missing) = self.options.cloud.missing_features()
                    && self.flash.is_none()
                {
                    self.flash(Level::Warn, missing, now);
                }
                start
            }
            Msg::SignInPrompt { text, paste } => self.on_sign_in_prompt(text, paste),
            Msg::SignedIn => self.on_signed_in(now),
            Msg::ProfileSwitched(result) => self.on_profile_switched(result, now),
            Msg::SessionLoaded(Err(e)) => {
                self.connection = Connection::Failed(e.clone());
                self.flash(
                    Level::Error,
                    format!("cannot read the signed-in operator: {e}"),
                    now,
                );
                vec![]
            }
            Msg::SearchDone { req, query, result } => {
                if self.search.pending != Some(req) {
                    return vec![]; // stale: a newer search is on its way
                }
                self.search.pending = None;
                match result {
                    Ok((users, count)) => {
                        self.search.error = None;
                        self.search.set_results(users, query, count);
                    }
                    Err(e) => {
                        let x = crate::service::explain::explain_read(&e, "the search failed");
                        self.flash(Level::Error, format!("{} — {}", x.cause, x.fix), now);
                        self.search.error = Some(x);
                    }
                }
                vec![]
            }
            Msg::ResetDone { req, outcome } => self.on_reset_done(req, *outcome, now),
            Msg::NotSent { req, why } => {
                self.on_not_sent(req, &why, now);
                vec![]
            }
            Msg::TriageDone { req, result } => {
                let current = self.triage_req == Some(req);
                if current {
                    self.triage_req = None;
                    self.details.triage = match result {
                        Ok(t) => details::TriageView::Loaded(t),
                        Err(why) => details::TriageView::Failed(why),
                    };
                    // Whether `t` could help, for the pass hint (the policy aside).
                    if let (Details::Loaded(a), Some(op)) = (&self.details.shown, &self.operator) {
                        let v = crate::policy::tap::judge(
                            &op.operator,
                            &crate::service::tap::target(op, a),
                            &crate::policy::tap::PolicyKnown::Unreadable(String::new()),
                            crate::policy::tap::TapAsk::default(),
                            crate::service::tap::cloud_has_tap(self.options.cloud),
                        );
                        self.details.can_create_pass = Some(v.allowed);
                    }
                }
                vec![]
            }
            Msg::TapPolicy {
                req,
                policy,
                lasting,
            } => self.on_tap_policy(req, policy, lasting, now),
            Msg::TapDone { req, outcome } => self.on_tap_done(req, *outcome, now),
            Msg::BulkJudged { req, index, result } => self.on_bulk_judged(req, index, result),
            Msg::BulkOne { req, key, outcome } => {
                self.on_bulk_one(req, key, *outcome);
                vec![]
            }
            Msg::BulkFinished { req } => {
                self.on_bulk_finished(req, now);
                vec![]
            }
            Msg::AuditBatch(batch) => self.on_audit_batch(batch, now),
            Msg::AuditStatus(s) => {
                self.audit.status = s;
                vec![]
            }
            Msg::Copied(Ok(how)) => {
                let clear = self.options.clipboard_clear;
                let at = (!clear.is_zero()).then(|| now + clear);
                let copied = self.copying.take();
                if let ResetFlow::Done(otp) = &mut self.reset {
                    otp.copied = Some(how.clone());
                    if let (Some(at), Some(pw)) = (at, &otp.password) {
                        otp.clear_at = Some(at);
                        self.pending_clear = Some((at, pw.clone()));
                    }
                } else if let Some(pw) = copied {
                    // Cleared later even if the window that copied it has closed since.
                    self.bulk_copied(&pw, at);
                    if let Some(at) = at {
                        self.pending_clear = Some((at, pw));
                    }
                }
                self.flash(Level::Info, how, now);
                vec![]
            }
            Msg::Copied(Err(e)) => {
                self.flash(Level::Error, format!("copy failed: {e}"), now);
                vec![]
            }
            Msg::ClipboardCleared(r) => {
                // Only the view whose copy was counting down is marked cleared: another
                // password's clear must not make this one look copied.
                if let ResetFlow::Done(otp) = &mut self.reset
                    && otp.clear_at.is_some()
                {
                    otp.clear_at = None;
                    otp.copied = Some("clipboard cleared".into());
                }
                if let Some(b) = self.bulk.as_mut() {
                    b.clear_at = None;
                }
                match r {
                    Ok(true) => self.flash(Level::Info, "clipboard cleared", now),
                    Ok(false) => self.flash(
                        Level::Info,
                        "the clipboard no longer held the password; left as it is",
                        now,
                    ),
                    Err(e) => self.flash(
                        Level::Warn,
                        format!("could not clear the clipboard: {e}; clear it yourself"),
                        now,
                    ),
                }
                vec![]
            }
            Msg::Ambiguous { req, key, users } => {
                let current =
                    matches!(&self.details.shown, Details::Loading { req: r, .. } if *r == req);
                if !current {
                    return vec![];
                }
                self.reset_after_load = None;
                let n = users.len();
                self.details.shown = Details::Failed {
                    key: key.clone(),
                    error: Explanation {
                        cause: format!("{n} users match {}", crate::sanitize::sanitize(&key)),
                        fix: "choose one in the list (Enter opens it)".into(),
                    },
                };
                // The candidates become the results list, highlighted from the top.
                self.search.input.set(&key);
                self.search.due = None;
                self.search.pending = None;
                self.search.set_candidates(users, key);
                self.search.selected = 0;
                self.focus = Focus::Search;
                self.mode = Mode::Normal;
                self.flash(
                    Level::Warn,
                    format!("{n} users match: pick one (Enter opens)"),
                    now,
                );
                vec![]
            }
            Msg::DetailsDone { req, result } => {
                let current =
                    matches!(&self.details.shown, Details::Loading { req: r, .. } if *r == req);
                if !current {
                    return vec![];
                }
                let key = match &self.details.shown {
                    Details::Loading { key, .. } => key.clone(),
                    _ => String::new(),
                };
                let then = self
                    .reset_after_load
                    .take()
                    .filter(|(r, _)| *r == req)
                    .map(|(_, a)| a);
                match result {
                    Ok(a) => {
                        self.search.remember(&a.target.user);
                        // The triage follows the details, for the same request.
                        let user = Box::new(a.target.user.clone());
                        self.details.shown = Details::Loaded(a);
                        self.details.triage = details::TriageView::Loading;
                        self.triage_req = Some(req);
                        let triage = Effect::LoadTriage { req, user };
                        if let Some(a) = then.filter(|_| !self.reset.is_open()) {
                            let mut fx = if a == crate::keymap::Action::Tap {
                                self.tap_key(now)
                            } else {
                                self.open_reset(now)
                            };
                            fx.push(triage);
                            return fx;
                        }
                        return vec![triage];
                    }
                    Err(e) => {
                        let shown = crate::sanitize::sanitize(&key);
                        let error = match e {
                            LoadError::NoMatch(tried) => Explanation {
                                cause: format!(
                                    "no user matches {shown} (tried: {})",
                                    tried.join(", ")
                                ),
                                fix:
                                    "check the spelling, or search with / (a name, UPN, mail or id)"
                                        .into(),
                            },
                            // A fault is not a verdict: say so, and offer a retry.
                            LoadError::Graph(e) => {
                                let mut x = crate::service::explain::explain_read(
                                    &e,
                                    &format!("could not check whether you may reset {shown}"),
                                );
                                x.fix = format!(
                                    "{} ({} re-reads)",
                                    x.fix,
                                    self.keymap.label(
                                        crate::keymap::KeyMode::Normal,
                                        crate::keymap::Action::Refresh
                                    )
                                );
                                x
                            }
                        };
                        self.details.shown = Details::Failed { key, error }
                    }
                }
                vec![]
            }
        }
    }

    pub(super) fn on_tick(&mut self, now: Instant) -> Vec<Effect> {
        let mut effects = vec![];
        if self.flash.as_ref().is_some_and(|f| f.expires <= now) {
            self.flash = None;
        }
        if self.busy() && self.spun.is_none_or(|s| now >= s + SPINNER_STEP) {
            self.spinner = self.spinner.wrapping_add(1);
            self.spun = Some(now);
        }
        if !self.busy() {
            self.spun = None;
        }
        if self.pending_clear.as_ref().is_some_and(|(t, _)| *t <= now)
            && let Some((_, pw)) = self.pending_clear.take()
        {
            effects.push(Effect::ClearClipboard(pw));
        }
        if self.search.due.is_some_and(|d| d <= now) {
            self.search.due = None;
            let query = self.search.query().trim().to_string();
            // While `:profile` signs in, the old tenant is still the executor's: no
            // search goes to it (its answers would show under the new profile).
            if !query.is_empty() && self.switching.is_none() {
                let req = self.req();
                self.search.pending = Some(req);
                effects.push(Effect::Search {
                    req,
                    query,
                    top: self.options.search_top,
                });
            }
        }
        effects
    }
}
