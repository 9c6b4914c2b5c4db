//! Actions a user can bind, their default keys, and lookup. The help overlay and the
//! command bar's hints are generated from this table, so they never drift from it.

use std::collections::BTreeMap;

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde::Deserialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    Search,
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    Select,
    NextPane,
    PrevPane,
    Reset,
    Refresh,
    Help,
    Command,
    Back,
    Quit,
}

impl Action {
    pub const ALL: &'static [Action] = &[
        Action::Search,
        Action::Up,
        Action::Down,
        Action::PageUp,
        Action::PageDown,
        Action::Top,
        Action::Bottom,
        Action::Select,
        Action::NextPane,
        Action::PrevPane,
        Action::Reset,
        Action::Refresh,
        Action::Help,
        Action::Command,
        Action::Back,
        Action::Quit,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Action::Search => "search",
            Action::Up => "up",
            Action::Down => "down",
            Action::PageUp => "page-up",
            Action::PageDown => "page-down",
            Action::Top => "top",
            Action::Bottom => "bottom",
            Action::Select => "select",
            Action::NextPane => "next-pane",
            Action::PrevPane => "prev-pane",
            Action::Reset => "reset",
            Action::Refresh => "refresh",
            Action::Help => "help",
            Action::Command => "command",
            Action::Back => "back",
            Action::Quit => "quit",
        }
    }

    /// What the help overlay says it does.
    pub fn describe(self) -> &'static str {
        match self {
            Action::Search => "search users (type a name, UPN or mail)",
            Action::Up => "move up",
            Action::Down => "move down",
            Action::PageUp => "page up",
            Action::PageDown => "page down",
            Action::Top => "first item",
            Action::Bottom => "last item",
            Action::Select => "open the selected user's details",
            Action::NextPane => "next pane",
            Action::PrevPane => "previous pane",
            Action::Reset => "reset the highlighted/open user's password",
            Action::Refresh => "re-read the user and your roles",
            Action::Help => "this help",
            Action::Command => "command (:user UPN, :audit, :whoami, :q)",
            Action::Back => "back / close",
            Action::Quit => "quit",
        }
    }

    /// The short label in the command bar; `None` keeps it out of the bar.
    pub fn hint(self) -> Option<&'static str> {
        Some(match self {
            Action::Search => "search",
            Action::Down => "move",
            Action::Select => "open",
            Action::NextPane => "pane",
            Action::Reset => "reset",
            Action::Help => "help",
            Action::Command => "cmd",
            Action::Quit => "quit",
            _ => return None,
        })
    }
}

/// One key, as written in the config file: `j`, `/`, `Enter`, `Ctrl-c`, `Shift-Tab`, `F5`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    pub code: KeyCode,
    pub ctrl: bool,
}

impl Key {
    pub fn parse(s: &str) -> Result<Key, String> {
        let (ctrl, rest) = match s.strip_prefix("Ctrl-").or_else(|| s.strip_prefix("C-")) {
            Some(r) => (true, r),
            None => (false, s),
        };
        let code = match rest {
            "Enter" => KeyCode::Enter,
            "Esc" | "Escape" => KeyCode::Esc,
            "Tab" => KeyCode::Tab,
            "Shift-Tab" | "BackTab" => KeyCode::BackTab,
            "Up" => KeyCode::Up,
            "Down" => KeyCode::Down,
            "Left" => KeyCode::Left,
            "Right" => KeyCode::Right,
            "PageUp" => KeyCode::PageUp,
            "PageDown" => KeyCode::PageDown,
            "Home" => KeyCode::Home,
            "End" => KeyCode::End,
            "Space" => KeyCode::Char(' '),
            f if f.len() > 1 && f.starts_with('F') && f[1..].parse::<u8>().is_ok() => {
                KeyCode::F(f[1..].parse().unwrap_or(1))
            }
            c if c.chars().count() == 1 => KeyCode::Char(c.chars().next().unwrap_or(' ')),
            other => {
                return Err(format!(
                    "`{other}` is not a key (examples: j, /, Enter, Ctrl-c, Shift-Tab, F5)"
                ));
            }
        };
        Ok(Key { code, ctrl })
    }

    pub fn from_event(e: &KeyEvent) -> Key {
        Key {
            code: e.code,
            ctrl: e.modifiers.contains(KeyModifiers::CONTROL),
        }
    }

    pub fn label(&self) -> String {
        let base = match self.code {
            KeyCode::Enter => "⏎".into(),
            KeyCode::Esc => "Esc".into(),
            KeyCode::Tab => "Tab".into(),
            KeyCode::BackTab => "S-Tab".into(),
            KeyCode::Up => "↑".into(),
            KeyCode::Down => "↓".into(),
            KeyCode::Left => "←".into(),
            KeyCode::Right => "→".into(),
            KeyCode::PageUp => "PgUp".into(),
            KeyCode::PageDown => "PgDn".into(),
            KeyCode::Home => "Home".into(),
            KeyCode::End => "End".into(),
            KeyCode::F(n) => format!("F{n}"),
            KeyCode::Char(' ') => "Space".into(),
            KeyCode::Char(c) => c.to_string(),
            _ => "?".into(),
        };
        if self.ctrl { format!("^{base}") } else { base }
    }
}

/// A key as the config file writes it, checked while the file is read.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(try_from = "String")]
pub struct KeySpec(pub Key);

impl TryFrom<String> for KeySpec {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        Key::parse(&s).map(KeySpec)
    }
}

/// Keys for one action in the config: one key or a list.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum KeyList {
    One(KeySpec),
    Many(Vec<KeySpec>),
}

#[derive(Debug, Clone)]
pub struct Keymap {
    bindings: Vec<(Key, Action)>,
}

impl Default for Keymap {
    fn default() -> Self {
        let mut bindings = Vec::new();
        for (action, keys) in DEFAULTS {
            for k in *keys {
                // The defaults are checked by the tests (each parses).
                if let Ok(key) = Key::parse(k) {
                    bindings.push((key, *action));
                }
            }
        }
        Keymap { bindings }
    }
}

const DEFAULTS: &[(Action, &[&str])] = &[
    (Action::Search, &["/"]),
    (Action::Up, &["k", "Up"]),
    (Action::Down, &["j", "Down"]),
    (Action::PageUp, &["PageUp", "Ctrl-u"]),
    (Action::PageDown, &["PageDown", "Ctrl-d"]),
    (Action::Top, &["g", "Home"]),
    (Action::Bottom, &["G", "End"]),
    (Action::Select, &["Enter"]),
    (Action::NextPane, &["Tab"]),
    (Action::PrevPane, &["Shift-Tab"]),
    (Action::Reset, &["r"]),
    (Action::Refresh, &["Ctrl-r", "F5"]),
    (Action::Help, &["?"]),
    (Action::Command, &[":"]),
    (Action::Back, &["Esc"]),
    (Action::Quit, &["q"]),
];

impl Keymap {
    /// Defaults with the config's `[keys]` table applied: each action named there gets
    /// exactly the keys given.
    pub fn with_overrides(overrides: &BTreeMap<Action, KeyList>) -> Result<Keymap, String> {
        let mut map = Keymap::default();
        for (action, keys) in overrides {
            let parsed: Vec<Key> = match keys {
                KeyList::One(k) => vec![k.0],
                KeyList::Many(v) => v.iter().map(|k| k.0).collect(),
            };
            map.bindings.retain(|(_, a)| a != action);
            // A key moved to a new action leaves its old one.
            map.bindings.retain(|(k, _)| !parsed.contains(k));
            map.bindings
                .extend(parsed.into_iter().map(|k| (k, *action)));
        }
        if !map.bindings.iter().any(|(_, a)| *a == Action::Quit) {
            return Err("keys.quit: quit must keep a key (Ctrl-c always quits too)".into());
        }
        Ok(map)
    }

    pub fn lookup(&self, e: &KeyEvent) -> Option<Action> {
        let k = Key::from_event(e);
        // Terminals send Shift-letters as the upper-case char, with or without SHIFT.
        self.bindings.iter().find(|(b, _)| *b == k).map(|(_, a)| *a)
    }

    pub fn keys_for(&self, action: Action) -> Vec<Key> {
        self.bindings
            .iter()
            .filter(|(_, a)| *a == action)
            .map(|(k, _)| *k)
            .collect()
    }

    /// "j/↓" — every key of an action, for hints and help.
    pub fn label(&self, action: Action) -> String {
        self.keys_for(action)
            .iter()
            .map(Key::label)
            .collect::<Vec<_>>()
            .join("/")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(code: KeyCode, mods: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, mods)
    }

    #[test]
    fn defaults_and_lookup() {
        let k = Keymap::default();
        assert_eq!(
            k.lookup(&ev(KeyCode::Char('j'), KeyModifiers::NONE)),
            Some(Action::Down)
        );
        assert_eq!(
            k.lookup(&ev(KeyCode::Char('G'), KeyModifiers::SHIFT)),
            Some(Action::Bottom)
        );
        assert_eq!(
            k.lookup(&ev(KeyCode::Char('r'), KeyModifiers::CONTROL)),
            Some(Action::Refresh)
        );
        assert_eq!(k.lookup(&ev(KeyCode::Char('x'), KeyModifiers::NONE)), None);
        assert_eq!(k.label(Action::Down), "j/↓");
        for a in Action::ALL {
            assert!(!k.keys_for(*a).is_empty(), "{a:?} has a key");
        }
    }

    #[test]
    fn overrides_replace_and_move_keys() {
        let o: BTreeMap<Action, KeyList> =
            toml::from_str("reset = \"R\"\ndown = [\"n\", \"Down\"]").unwrap();
        let k = Keymap::with_overrides(&o).unwrap();
        assert_eq!(k.lookup(&ev(KeyCode::Char('r'), KeyModifiers::NONE)), None);
        assert_eq!(
            k.lookup(&ev(KeyCode::Char('R'), KeyModifiers::SHIFT)),
            Some(Action::Reset)
        );
        assert_eq!(
            k.lookup(&ev(KeyCode::Char('n'), KeyModifiers::NONE)),
            Some(Action::Down)
        );
        assert_eq!(k.lookup(&ev(KeyCode::Char('j'), KeyModifiers::NONE)), None);
        assert!(toml::from_str::<BTreeMap<Action, KeyList>>("help = \"Hyper-x\"").is_err());
        assert!(toml::from_str::<BTreeMap<Action, KeyList>>("fly = \"x\"").is_err());
        let o: BTreeMap<Action, KeyList> = toml::from_str("quit = []").unwrap();
        assert!(
            Keymap::with_overrides(&o)
                .unwrap_err()
                .contains("keys.quit")
        );
    }
}
