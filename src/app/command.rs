//! The `:` command line: its text and keys (`command` mode), and what its commands do:
//! `:user`, `:audit`, `:profile`, `:whoami`, `:help`, `:q`.

use std::time::Instant;

use ratatui::crossterm::event::{KeyCode, KeyEvent};

use super::input::TextInput;
use super::*;
use crate::keymap::{Action, KeyMode, Keymap};

/// The `:` line's text while it is open (the router's mode says whether it is).
#[derive(Debug)]
pub struct CommandLine {
    pub input: TextInput,
}

impl Default for CommandLine {
    fn default() -> Self {
        CommandLine {
            input: TextInput::new(256),
        }
    }
}

impl CommandLine {
    pub fn key(&mut self, k: &KeyEvent, keymap: &Keymap) -> Reply {
        let action = keymap.lookup_text(KeyMode::Command, k);
        match action {
            Some(Action::Back) => Reply::Leave,
            Some(Action::Select) => {
                let line = self.input.text().trim().to_string();
                self.input.clear();
                Reply::Run(line)
            }
            // Backspace on an empty line leaves it, as in vim.
            Some(Action::DeleteBack) if self.input.is_empty() => Reply::Leave,
            Some(a) => {
                self.input.edit(a);
                Reply::Done
            }
            None => match k.code {
                KeyCode::Char(c) if crate::keymap::is_plain_char(k) => {
                    self.input.insert(c);
                    Reply::Done
                }
                _ => Reply::Ignored,
            },
        }
    }
}

impl App {
    pub(super) fn run_command(&mut self, line: &str, now: Instant) -> Vec<Effect> {
        let (cmd, arg) = match line.split_once(' ') {
            Some((c, a)) => (c, a.trim()),
            None => (line, ""),
        };
        match cmd {
            "q" | "quit" | "q!" => self.on_action(Action::Quit, now),
            "user" | "u" if !arg.is_empty() => {
                if let Err(why) = crate::graph::query::check_user_key(arg) {
                    self.flash(Level::Warn, why, now);
                    return vec![];
                }
                self.focus = Focus::Details;
                self.load_details(arg.to_string())
            }
            "user" | "u" => {
                self.flash(
                    Level::Warn,
                    ":user needs a user: an id, UPN, mail address or display name, e.g. :user adele.vance@contoso.com",
                    now,
                );
                vec![]
            }
            "audit" => {
                self.focus = Focus::Audit;
                vec![]
            }
            "profile" => self.switch_profile(arg, now),
            "as" | "whoami" => {
                let text = match &self.session {
                    Some(s) => {
                        format!(
                            "signed in as {} by {} in {}{} — active roles: {}",
                            crate::sanitize::sanitize(&s.operator.who()),
                            self.options.auth,
                            crate::sanitize::sanitize(&s.tenant),
                            self.options
                                .profile
                                .as_deref()
                                .map(|p| format!(" (profile {p})"))
                                .unwrap_or_default(),
                            crate::sanitize::sanitize(&s.operator.active_roles_summary())
                        )
                    }
                    None => "still reading who is signed in…".into(),
                };
                self.flash(Level::Info, text, now);
                vec![]
            }
            "help" => {
                self.mode = Mode::Help;
                self.help.scroll = 0;
                vec![]
            }
            "" => vec![],
            other => {
                self.flash(
                    Level::Warn,
                    format!(
                        "unknown command :{} (try :user UPN, :audit, :profile NAME, :whoami, :q)",
                        crate::sanitize::sanitize_line(other, 40)
                    ),
                    now,
                );
                vec![]
            }
        }
    }
}
