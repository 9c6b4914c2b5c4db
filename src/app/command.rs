//! The `:` command line: `:user`, `:audit`, `:whoami`, `:help`, `:q`.

use std::time::Instant;

use ratatui::crossterm::event::{KeyCode, KeyEvent};

use super::input;
use super::*;
use crate::keymap::Action;

impl App {
    pub(super) fn on_command_key(
        &mut self,
        k: KeyEvent,
        mut line: String,
        now: Instant,
    ) -> Vec<Effect> {
        match k.code {
            KeyCode::Esc => self.mode = Mode::Normal,
            KeyCode::Enter => {
                self.mode = Mode::Normal;
                return self.run_command(line.trim(), now);
            }
            // Backspace on an empty line leaves it, as in vim.
            KeyCode::Backspace if line.is_empty() => self.mode = Mode::Normal,
            _ => {
                input::edit(&mut line, &k, 256);
                self.mode = Mode::Command(line);
            }
        }
        vec![]
    }

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
            "as" | "whoami" => {
                let text = match &self.session {
                    Some(s) => {
                        format!(
                            "signed in as {} in {} — active roles: {}",
                            crate::sanitize::sanitize(
                                s.operator
                                    .user
                                    .user_principal_name
                                    .as_deref()
                                    .unwrap_or("?")
                            ),
                            crate::sanitize::sanitize(&s.tenant),
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
                vec![]
            }
            "" => vec![],
            other => {
                self.flash(
                    Level::Warn,
                    format!(
                        "unknown command :{} (try :user UPN, :audit, :whoami, :q)",
                        crate::sanitize::sanitize_line(other, 40)
                    ),
                    now,
                );
                vec![]
            }
        }
    }
}
