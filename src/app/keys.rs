//! The key dispatcher: Ctrl-C and the quit question first, then the open modal (the reset
//! flow), then the mode (typing, filtering, the `:` line, help), then the keymap's action
//! for the focused pane.

use std::time::Instant;

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::input::{self, Edit};
use super::*;
use crate::keymap::Action;

impl App {
    pub(super) fn on_key(&mut self, k: KeyEvent, now: Instant) -> Vec<Effect> {
        // Ctrl-C always quits, whatever is open, as the interrupt key does (130).
        if k.code == KeyCode::Char('c') && k.modifiers.contains(KeyModifiers::CONTROL) {
            return self.quit_now(130);
        }
        // The question "quit?" comes before whatever is open under it.
        if self.mode == Mode::ConfirmQuit {
            if self.keymap.lookup(&k) == Some(Action::Quit) {
                return self.quit_now(0);
            }
            self.mode = Mode::Normal;
            return vec![];
        }
        if self.reset.is_open() {
            return self.on_reset_key(k, now);
        }
        match self.mode.clone() {
            Mode::Typing => self.on_typing_key(k, now),
            Mode::Filtering => {
                match k.code {
                    KeyCode::Esc => {
                        self.audit.filter.clear();
                        self.mode = Mode::Normal;
                    }
                    KeyCode::Enter => self.mode = Mode::Normal,
                    _ => {
                        input::edit(&mut self.audit.filter, &k, 64);
                    }
                }
                self.audit.selected = 0;
                vec![]
            }
            Mode::Command(line) => self.on_command_key(k, line, now),
            Mode::Help => {
                if matches!(
                    self.keymap.lookup(&k),
                    Some(Action::Back | Action::Help | Action::Quit)
                ) || k.code == KeyCode::Esc
                {
                    self.mode = Mode::Normal;
                }
                vec![]
            }
            Mode::ConfirmQuit => vec![],
            Mode::Normal => match self.keymap.lookup(&k) {
                Some(a) => self.on_action(a, now),
                None => vec![],
            },
        }
    }

    pub(super) fn on_typing_key(&mut self, k: KeyEvent, now: Instant) -> Vec<Effect> {
        let selected = std::mem::take(&mut self.search.replace_on_type);
        let ctrl = k.modifiers.contains(KeyModifiers::CONTROL);
        match k.code {
            // `/` is the key that opens the box, not a search character, when it is empty.
            KeyCode::Char('/') if self.search.query.is_empty() => return vec![],
            // Typing over the selected text replaces it; Backspace deletes it.
            KeyCode::Char(_) | KeyCode::Backspace if selected && !ctrl => {
                self.search.query.clear();
                if k.code == KeyCode::Backspace {
                    self.query_changed(now);
                    return vec![];
                }
            }
            _ => {}
        }
        match k.code {
            KeyCode::Esc => {
                self.mode = Mode::Normal;
                vec![]
            }
            KeyCode::Enter => {
                self.mode = Mode::Normal;
                self.on_action(Action::Select, now)
            }
            KeyCode::Up => self.on_action(Action::Up, now),
            KeyCode::Down => self.on_action(Action::Down, now),
            KeyCode::PageUp => self.on_action(Action::PageUp, now),
            KeyCode::PageDown => self.on_action(Action::PageDown, now),
            KeyCode::Tab => {
                self.mode = Mode::Normal;
                self.on_action(Action::NextPane, now)
            }
            _ => {
                if input::edit(&mut self.search.query, &k, 256) == Edit::Changed {
                    self.query_changed(now);
                }
                vec![]
            }
        }
    }

    pub(super) fn on_action(&mut self, a: Action, now: Instant) -> Vec<Effect> {
        let page = 10;
        match a {
            Action::Search => {
                // In the audit pane, `/` filters what is shown there.
                if self.focus == Focus::Audit {
                    self.mode = Mode::Filtering;
                } else {
                    self.focus = Focus::Search;
                    self.mode = Mode::Typing;
                    // The text is selected: typing replaces it (one key, not / then Ctrl-u).
                    self.search.replace_on_type = !self.search.query.is_empty();
                }
                vec![]
            }
            Action::Up
            | Action::Down
            | Action::PageUp
            | Action::PageDown
            | Action::Top
            | Action::Bottom => {
                self.scroll_details(a, page as usize);
                if self.focus == Focus::Audit {
                    let last = self.audit.visible().len().saturating_sub(1);
                    self.audit.selected = moved(a, self.audit.selected, page as usize, last);
                }
                if self.focus == Focus::Search {
                    match a {
                        Action::Up => self.search.move_by(-1),
                        Action::Down => self.search.move_by(1),
                        Action::PageUp => self.search.move_by(-page),
                        Action::PageDown => self.search.move_by(page),
                        Action::Top => self.search.move_to_end(false),
                        _ => self.search.move_to_end(true),
                    }
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
            Action::Reset => {
                // From the list, `r` acts on the highlighted user: open them first, then
                // the dialog, so the dialog is never for a user other than the one shown.
                if self.focus == Focus::Search
                    && !self.options.read_only
                    && let Some(u) = self.search.selected_user()
                {
                    let shown = match &self.details {
                        Details::Loaded(a) => Some(a.target.user.id.as_str()),
                        Details::Loading { key, .. } => Some(key.as_str()),
                        _ => None,
                    };
                    if let Details::Loading { req, key } = &self.details
                        && *key == u.id
                    {
                        // Already on its way: the dialog follows it.
                        self.reset_after_load = Some(*req);
                        self.focus = Focus::Details;
                        return vec![];
                    }
                    if shown != Some(u.id.as_str()) {
                        let key = u.id.clone();
                        self.focus = Focus::Details;
                        let effects = self.load_details(key);
                        if let Details::Loading { req, .. } = &self.details {
                            self.reset_after_load = Some(*req);
                        }
                        return effects;
                    }
                    self.focus = Focus::Details;
                }
                self.open_reset(now)
            }
            Action::Refresh => {
                self.connection = Connection::Connecting;
                self.flash(Level::Info, "re-reading your roles and the open user…", now);
                vec![Effect::LoadSession]
            }
            Action::Help => {
                self.mode = Mode::Help;
                vec![]
            }
            Action::Command => {
                self.mode = Mode::Command(String::new());
                vec![]
            }
            Action::Back => {
                if self.focus != Focus::Search {
                    self.focus = Focus::Search;
                } else if !self.search.query.is_empty() {
                    self.search.query.clear();
                    self.query_changed(now);
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
        }
    }
}
