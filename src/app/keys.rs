//! The key router: Ctrl-C and the quit question first, then the open modal (the reset
//! flow), then the mode's pane (typing in the search box, the audit filter, the `:`
//! line, help), then the `normal` keymap's action for the focused pane. Each pane reads
//! its keys in its own keymap mode and answers with a `Reply`; this file turns replies
//! into state changes and effects.

use std::time::Instant;

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::*;
use crate::keymap::{Action, KeyMode};

impl App {
    pub(super) fn on_key(&mut self, k: KeyEvent, now: Instant) -> Vec<Effect> {
        // Ctrl-C always quits, whatever is open, as the interrupt key does (130).
        if k.code == KeyCode::Char('c') && k.modifiers.contains(KeyModifiers::CONTROL) {
            return self.quit_now(130);
        }
        // The question "quit?" comes before whatever is open under it.
        if self.mode == Mode::ConfirmQuit {
            // The quit key of the panes, or of the password view that asked.
            let quit = |m| self.keymap.lookup(m, &k) == Some(Action::Quit);
            if quit(KeyMode::Normal)
                || (self.reset.is_open() && quit(KeyMode::Password))
                || (self.bulk.is_some() && quit(KeyMode::Bulk))
            {
                return self.quit_now(0);
            }
            self.mode = Mode::Normal;
            return vec![];
        }
        // A sign-in waiting for the admin is over everything else.
        if self.sign_in.is_some() {
            return self.sign_in_key(&k, now);
        }
        let reply = if let Some(b) = self.bulk.as_mut() {
            b.key(&k, &self.keymap)
        } else if self.reset.is_open() {
            self.reset.key(&k, &self.keymap)
        } else {
            match self.mode {
                Mode::Typing => self.search.typing_key(&k, &self.keymap, now),
                Mode::Filtering => self.audit.filter_key(&k, &self.keymap),
                Mode::Command => self.command.key(&k, &self.keymap),
                Mode::Help => self.help.key(&k, &self.keymap, self.limits.help),
                Mode::Normal | Mode::ConfirmQuit => {
                    return match self.keymap.lookup(KeyMode::Normal, &k) {
                        Some(a) => self.on_action(a, now),
                        None => vec![],
                    };
                }
            }
        };
        self.on_reply(reply, now)
    }

    /// What a pane asked for.
    pub(super) fn on_reply(&mut self, reply: Reply, now: Instant) -> Vec<Effect> {
        match reply {
            Reply::Done | Reply::Ignored => vec![],
            Reply::Leave => {
                self.mode = Mode::Normal;
                vec![]
            }
            Reply::Then(a) => {
                self.mode = Mode::Normal;
                self.on_action(a, now)
            }
            Reply::Open(key) => {
                self.focus = Focus::Details;
                self.mode = Mode::Normal;
                self.load_details(key)
            }
            Reply::Run(line) => {
                self.mode = Mode::Normal;
                self.run_command(&line, now)
            }
            // The passwords of the window go with it (zeroized on drop); a pending
            // clipboard clear still happens.
            Reply::Close if self.bulk.is_some() => {
                self.bulk = None;
                vec![]
            }
            Reply::Close => {
                self.reset = ResetFlow::Closed;
                vec![]
            }
            Reply::Submit if self.bulk.is_some() => self.submit_bulk(now),
            Reply::Submit if matches!(self.reset, ResetFlow::Tap(_)) => self.submit_tap(now),
            Reply::Submit => self.submit_reset(now),
            Reply::Copy(pw) => self.copy_password(pw),
            Reply::AskQuit => {
                self.mode = Mode::ConfirmQuit;
                vec![]
            }
        }
    }

    /// A `normal` mode action: the router's own (panes, modes, reset, quit), or the
    /// focused pane's movement.
    pub(super) fn on_action(&mut self, a: Action, now: Instant) -> Vec<Effect> {
        match a {
            Action::Search => {
                // In the audit pane, `/` filters what is shown there.
                if self.focus == Focus::Audit {
                    self.mode = Mode::Filtering;
                } else {
                    self.focus = Focus::Search;
                    self.mode = Mode::Typing;
                    // The text is selected: typing replaces it (one key, not / then Ctrl-u).
                    self.search.input.select_all();
                }
                vec![]
            }
            _ if a.is_movement() => {
                match self.focus {
                    Focus::Search => self.search.handle(a),
                    Focus::Details => self.details.handle(a, self.limits.details),
                    Focus::Audit => self.audit.handle(a),
                }
                vec![]
            }
            Action::Select => match self.search.selected_user() {
                Some(u) if self.focus == Focus::Search => {
                    let key = u.id.clone();
                    self.focus = Focus::Details;
                    self.load_details(key)
                }
                _ => vec![],
            },
            Action::NextPane | Action::PrevPane => {
                self.focus = self.focus.next(a == Action::NextPane);
                vec![]
            }
            Action::Reset => self.reset_key(now),
            Action::Mark if self.focus == Focus::Search => self.toggle_mark(now),
            Action::BulkReset => self.open_bulk(now),
            Action::Tap => self.pass_key(now),
            Action::Refresh => {
                self.connection = Connection::Connecting;
                self.flash(Level::Info, "re-reading your roles and the open user…", now);
                vec![Effect::LoadSession]
            }
            Action::Help => {
                self.mode = Mode::Help;
                self.help.scroll = 0;
                vec![]
            }
            Action::Command => {
                self.command.input.clear();
                self.mode = Mode::Command;
                vec![]
            }
            Action::Back => {
                if self.focus != Focus::Search {
                    self.focus = Focus::Search;
                } else if !self.search.input.is_empty() {
                    self.search.set_query("", now);
                }
                self.flash = None;
                vec![]
            }
            Action::Quit => {
                if self.quit_warning().is_some() {
                    self.mode = Mode::ConfirmQuit;
                    vec![]
                } else {
                    self.quit_now(0)
                }
            }
            _ => vec![],
        }
    }

    /// `r` (and `t`). From the list it acts on the highlighted user: open them first,
    /// then the dialog, so the dialog is never for a user other than the one shown.
    fn reset_key(&mut self, now: Instant) -> Vec<Effect> {
        match self.open_highlighted_first(Action::Reset) {
            Some(effects) => effects,
            None => self.open_reset(now),
        }
    }

    fn pass_key(&mut self, now: Instant) -> Vec<Effect> {
        match self.open_highlighted_first(Action::Tap) {
            Some(effects) => effects,
            None => self.tap_key(now),
        }
    }

    /// In the list, with another user highlighted than the one shown: open them, and
    /// do `then` once their details arrive (`Some`: the effects of opening).
    fn open_highlighted_first(&mut self, then: Action) -> Option<Vec<Effect>> {
        if self.focus == Focus::Search
            && !self.options.read_only
            && let Some(u) = self.search.selected_user()
        {
            if let Details::Loading { req, key } = &self.details.shown
                && *key == u.id
            {
                // Already on its way: the dialog follows it.
                self.reset_after_load = Some((*req, then));
                self.focus = Focus::Details;
                return Some(vec![]);
            }
            if self.details.key() != Some(u.id.as_str()) {
                let key = u.id.clone();
                self.focus = Focus::Details;
                let effects = self.load_details(key);
                if let Details::Loading { req, .. } = &self.details.shown {
                    self.reset_after_load = Some((*req, then));
                }
                return Some(effects);
            }
            self.focus = Focus::Details;
        }
        None
    }
}
