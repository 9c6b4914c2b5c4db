//! Keys per mode: each mode (the panes, typing in the search box, the reset dialog, the
//! one-time password view, the line editor every field shares, …) maps keys to actions.
//! The defaults and their words live in `defaults.rs`; the config's `[keys]` table
//! changes any of them. The help overlay and the command bar's hints are made from this
//! map, so they never drift from what the keys do.

mod action;
mod defaults;
mod key;

use std::collections::BTreeMap;

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde::Deserialize;

pub use action::Action;
pub use key::{Key, KeyList, KeySpec};

/// Where a key is read. A text mode (typing, filter, command, the dialog's text fields)
/// reads its own table first, then the line editor's (`Edit`); a plain character that
/// neither binds is text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum KeyMode {
    /// The panes: results list, details, audit.
    Normal,
    /// Typing in the search box.
    Typing,
    /// Typing the audit pane's filter.
    Filter,
    /// The `:` command line.
    Command,
    /// The reset dialog.
    Dialog,
    /// The one-time password view after a reset.
    Password,
    /// A bulk reset's results.
    Bulk,
    /// The verdict said no: reasons and fixes.
    Refusal,
    /// The help overlay.
    Help,
    /// The line editor of every text field.
    Edit,
}

impl KeyMode {
    pub const ALL: &'static [KeyMode] = &[
        KeyMode::Normal,
        KeyMode::Typing,
        KeyMode::Filter,
        KeyMode::Command,
        KeyMode::Dialog,
        KeyMode::Password,
        KeyMode::Bulk,
        KeyMode::Refusal,
        KeyMode::Help,
        KeyMode::Edit,
    ];

    /// The name the config file uses (`[keys.dialog]`).
    pub fn name(self) -> &'static str {
        match self {
            KeyMode::Normal => "normal",
            KeyMode::Typing => "typing",
            KeyMode::Filter => "filter",
            KeyMode::Command => "command",
            KeyMode::Dialog => "dialog",
            KeyMode::Password => "password",
            KeyMode::Bulk => "bulk",
            KeyMode::Refusal => "refusal",
            KeyMode::Help => "help",
            KeyMode::Edit => "edit",
        }
    }

    /// The help overlay's heading for the mode.
    pub fn title(self) -> &'static str {
        match self {
            KeyMode::Normal => "Panes (results, details, audit)",
            KeyMode::Typing => "Typing in the search box",
            KeyMode::Filter => "Typing the audit filter",
            KeyMode::Command => "The : command line",
            KeyMode::Dialog => "The reset dialog",
            KeyMode::Password => "The one-time password view",
            KeyMode::Bulk => "A bulk reset's results",
            KeyMode::Refusal => "A refusal",
            KeyMode::Help => "This help",
            KeyMode::Edit => "Every text field",
        }
    }

    /// Whether plain characters are text in this mode.
    pub fn is_text(self) -> bool {
        matches!(
            self,
            KeyMode::Typing | KeyMode::Filter | KeyMode::Command | KeyMode::Edit
        )
    }

    fn parse(name: &str) -> Option<KeyMode> {
        KeyMode::ALL.iter().copied().find(|m| m.name() == name)
    }
}

/// The config's `[keys]` table: per mode, the actions whose keys change. A plain
/// `action = keys` line at the top of the table is the `normal` mode's (the form before
/// modes existed keeps working); `[keys.dialog]` and the like are the other modes'.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct KeyOverrides(pub BTreeMap<KeyMode, BTreeMap<Action, KeyList>>);

impl<'de> Deserialize<'de> for KeyOverrides {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let raw = BTreeMap::<String, toml::Value>::deserialize(d)?;
        let mut out: BTreeMap<KeyMode, BTreeMap<Action, KeyList>> = BTreeMap::new();
        for (name, value) in raw {
            match value {
                toml::Value::Table(table) => {
                    let mode = KeyMode::parse(&name).ok_or_else(|| {
                        D::Error::custom(format!(
                            "keys.{name}: not a mode (modes: {})",
                            KeyMode::ALL
                                .iter()
                                .map(|m| m.name())
                                .collect::<Vec<_>>()
                                .join(", ")
                        ))
                    })?;
                    for (action, keys) in table {
                        let entry = binding(&action, &keys)
                            .map_err(|e| D::Error::custom(format!("keys.{name}.{action}: {e}")))?;
                        out.entry(mode).or_default().insert(entry.0, entry.1);
                    }
                }
                keys => {
                    let entry = binding(&name, &keys)
                        .map_err(|e| D::Error::custom(format!("keys.{name}: {e}")))?;
                    out.entry(KeyMode::Normal)
                        .or_default()
                        .insert(entry.0, entry.1);
                }
            }
        }
        Ok(KeyOverrides(out))
    }
}

/// One `action = keys` line: the action by name, and one key or a list of keys.
fn binding(action: &str, keys: &toml::Value) -> Result<(Action, KeyList), String> {
    let action: Action = toml::Value::String(action.to_string())
        .try_into()
        .map_err(|e: toml::de::Error| e.message().to_string())?;
    let one = |v: &toml::Value| match v {
        toml::Value::String(s) => Key::parse(s).map(KeySpec),
        other => Err(format!("a key is a string, not {}", other.type_str())),
    };
    let list = match keys {
        toml::Value::Array(items) => {
            KeyList::Many(items.iter().map(one).collect::<Result<_, _>>()?)
        }
        v => KeyList::One(one(v)?),
    };
    Ok((action, list))
}

#[derive(Debug, Clone)]
pub struct Keymap {
    modes: BTreeMap<KeyMode, Vec<(Key, Action)>>,
}

impl Default for Keymap {
    fn default() -> Self {
        let mut modes = BTreeMap::new();
        for mode in KeyMode::ALL {
            let mut bindings = Vec::new();
            for b in defaults::of(*mode) {
                for k in b.keys {
                    // The defaults are checked by the tests (each parses).
                    if let Ok(key) = Key::parse(k) {
                        bindings.push((key, b.action));
                    }
                }
            }
            modes.insert(*mode, bindings);
        }
        Keymap { modes }
    }
}

impl Keymap {
    /// Defaults with the config's `[keys]` applied: each action named there gets exactly
    /// the keys given, in its mode; a key moved to a new action leaves its old one.
    pub fn with_overrides(overrides: &KeyOverrides) -> Result<Keymap, String> {
        let mut map = Keymap::default();
        for (mode, actions) in &overrides.0 {
            let known: Vec<Action> = defaults::of(*mode).iter().map(|b| b.action).collect();
            let bindings = map.modes.entry(*mode).or_default();
            for (action, keys) in actions {
                if !known.contains(action) {
                    return Err(format!(
                        "keys.{}.{}: the {} mode has no such action (its actions: {})",
                        mode.name(),
                        action.name(),
                        mode.name(),
                        known
                            .iter()
                            .map(|a| a.name())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ));
                }
                let parsed: Vec<Key> = match keys {
                    KeyList::One(k) => vec![k.0],
                    KeyList::Many(v) => v.iter().map(|k| k.0).collect(),
                };
                for k in &parsed {
                    let name = format!("keys.{}.{}", mode.name(), action.name());
                    // Ctrl-c always quits before any keymap is read: bound, it would never act.
                    if k.ctrl && matches!(k.code, KeyCode::Char('c' | 'C')) {
                        return Err(format!("{name}: Ctrl-c always quits; choose another key"));
                    }
                    // In a text mode a plain character is text, so it could never act.
                    if mode.is_text() && !k.ctrl && matches!(k.code, KeyCode::Char(_)) {
                        return Err(format!(
                            "{name}: `{}` is text in the {} mode; choose a key with Ctrl- or a named key (Enter, Esc, F2, …)",
                            k.label(),
                            mode.name()
                        ));
                    }
                }
                bindings.retain(|(k, a)| a != action && !parsed.contains(k));
                bindings.extend(parsed.into_iter().map(|k| (k, *action)));
            }
        }
        // Every way out keeps a key (Ctrl-c always quits too).
        for mode in KeyMode::ALL {
            let way_out = if *mode == KeyMode::Normal {
                Action::Quit
            } else {
                Action::Back
            };
            let has = |a: Action| {
                map.modes
                    .get(mode)
                    .is_some_and(|b| b.iter().any(|(_, x)| *x == a))
            };
            if defaults::of(*mode).iter().any(|b| b.action == way_out) && !has(way_out) {
                return Err(format!(
                    "keys.{}.{}: it must keep a key (Ctrl-c always quits too)",
                    mode.name(),
                    way_out.name()
                ));
            }
        }
        Ok(map)
    }

    /// The action a key has in a mode.
    pub fn lookup(&self, mode: KeyMode, e: &KeyEvent) -> Option<Action> {
        let k = Key::from_event(e);
        self.modes
            .get(&mode)?
            .iter()
            .find(|(b, _)| *b == k)
            .map(|(_, a)| *a)
    }

    /// A key in a text mode: the mode's own action, else the line editor's; `None` for a
    /// plain character (text) or an unbound key.
    pub fn lookup_text(&self, mode: KeyMode, e: &KeyEvent) -> Option<Action> {
        if is_plain_char(e) {
            return None;
        }
        self.lookup(mode, e)
            .or_else(|| self.lookup(KeyMode::Edit, e))
    }

    pub fn keys_for(&self, mode: KeyMode, action: Action) -> Vec<Key> {
        self.modes
            .get(&mode)
            .map(|b| {
                b.iter()
                    .filter(|(_, a)| *a == action)
                    .map(|(k, _)| *k)
                    .collect()
            })
            .unwrap_or_default()
    }

    /// "j/↓" — every key of an action in a mode, for hints and help.
    pub fn label(&self, mode: KeyMode, action: Action) -> String {
        self.keys_for(mode, action)
            .iter()
            .map(Key::label)
            .collect::<Vec<_>>()
            .join("/")
    }

    /// The command bar's hints for a mode: (keys, label) of each bound action that has a
    /// hint, in the table's order.
    pub fn hints(&self, mode: KeyMode) -> Vec<(String, &'static str)> {
        defaults::of(mode)
            .iter()
            .filter_map(|b| b.hint.map(|h| (b.action, h)))
            .map(|(a, h)| (self.label(mode, a), h))
            .filter(|(k, _)| !k.is_empty())
            .collect()
    }

    /// The help overlay's rows for a mode: (keys, what the action does there).
    pub fn help(&self, mode: KeyMode) -> Vec<(String, &'static str)> {
        defaults::of(mode)
            .iter()
            .map(|b| (self.label(mode, b.action), b.does))
            .filter(|(k, _)| !k.is_empty())
            .collect()
    }
}

/// A character typed without Ctrl or Alt: text in a text field.
pub fn is_plain_char(e: &KeyEvent) -> bool {
    matches!(e.code, KeyCode::Char(c) if !c.is_control())
        && !e
            .modifiers
            .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(code: KeyCode, mods: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, mods)
    }

    fn over(toml_text: &str) -> Result<Keymap, String> {
        #[derive(Deserialize)]
        struct File {
            keys: KeyOverrides,
        }
        let f: File = toml::from_str(toml_text).map_err(|e| e.to_string())?;
        Keymap::with_overrides(&f.keys)
    }

    #[test]
    fn defaults_and_lookup() {
        let k = Keymap::default();
        let n = KeyMode::Normal;
        assert_eq!(
            k.lookup(n, &ev(KeyCode::Char('j'), KeyModifiers::NONE)),
            Some(Action::Down)
        );
        assert_eq!(
            k.lookup(n, &ev(KeyCode::Char('G'), KeyModifiers::SHIFT)),
            Some(Action::Bottom)
        );
        assert_eq!(
            k.lookup(n, &ev(KeyCode::Char('r'), KeyModifiers::CONTROL)),
            Some(Action::Refresh)
        );
        assert_eq!(
            k.lookup(n, &ev(KeyCode::Char('x'), KeyModifiers::NONE)),
            None
        );
        assert_eq!(k.label(n, Action::Down), "j/↓");
        // Every default key parses, in every mode.
        for mode in KeyMode::ALL {
            for b in defaults::of(*mode) {
                for key in b.keys {
                    assert!(Key::parse(key).is_ok(), "{mode:?} {key}");
                }
                assert!(
                    !k.keys_for(*mode, b.action).is_empty(),
                    "{mode:?} {:?}",
                    b.action
                );
            }
        }
    }

    #[test]
    fn text_modes_read_their_own_keys_then_the_editor_and_type_characters() {
        let k = Keymap::default();
        let t = KeyMode::Typing;
        assert_eq!(
            k.lookup_text(t, &ev(KeyCode::Enter, KeyModifiers::NONE)),
            Some(Action::Select)
        );
        assert_eq!(
            k.lookup_text(t, &ev(KeyCode::Left, KeyModifiers::NONE)),
            Some(Action::CursorLeft)
        );
        assert_eq!(
            k.lookup_text(t, &ev(KeyCode::Char('u'), KeyModifiers::CONTROL)),
            Some(Action::ClearLine)
        );
        // `q` and `j` are text here, not quit and down.
        assert_eq!(
            k.lookup_text(t, &ev(KeyCode::Char('q'), KeyModifiers::NONE)),
            None
        );
        assert_eq!(
            k.lookup_text(t, &ev(KeyCode::Char('J'), KeyModifiers::SHIFT)),
            None
        );
    }

    #[test]
    fn overrides_per_mode_replace_and_move_keys() {
        let k = over("[keys]\nreset = \"R\"\ndown = [\"n\", \"Down\"]\n[keys.dialog]\ntoggle = \"x\"\n[keys.edit]\nline-start = \"Ctrl-h\"").unwrap();
        let n = KeyMode::Normal;
        assert_eq!(
            k.lookup(n, &ev(KeyCode::Char('r'), KeyModifiers::NONE)),
            None
        );
        assert_eq!(
            k.lookup(n, &ev(KeyCode::Char('R'), KeyModifiers::SHIFT)),
            Some(Action::Reset)
        );
        assert_eq!(
            k.lookup(n, &ev(KeyCode::Char('n'), KeyModifiers::NONE)),
            Some(Action::Down)
        );
        assert_eq!(
            k.lookup(n, &ev(KeyCode::Char('j'), KeyModifiers::NONE)),
            None
        );
        assert_eq!(
            k.lookup(KeyMode::Dialog, &ev(KeyCode::Char('x'), KeyModifiers::NONE)),
            Some(Action::Toggle)
        );
        assert_eq!(
            k.lookup(KeyMode::Dialog, &ev(KeyCode::Char(' '), KeyModifiers::NONE)),
            None
        );
        assert_eq!(k.label(KeyMode::Edit, Action::LineStart), "^h");
        // Help and hints follow.
        assert!(k.help(KeyMode::Dialog).iter().any(|(keys, _)| keys == "x"));
        assert!(
            k.hints(n)
                .iter()
                .any(|(keys, h)| keys == "R" && *h == "reset")
        );
    }

    #[test]
    fn bad_overrides_name_the_key() {
        assert!(
            over("[keys]\nhelp = \"Hyper-x\"")
                .unwrap_err()
                .contains("Hyper-x")
        );
        assert!(over("[keys]\nfly = \"x\"").unwrap_err().contains("fly"));
        assert!(
            over("[keys.bogus]\nback = \"x\"")
                .unwrap_err()
                .contains("not a mode")
        );
        assert!(
            over("[keys.dialog]\nreset = \"x\"")
                .unwrap_err()
                .contains("keys.dialog.reset")
        );
        assert!(
            over("[keys]\nquit = []")
                .unwrap_err()
                .contains("keys.normal.quit")
        );
        assert!(
            over("[keys.password]\nback = []")
                .unwrap_err()
                .contains("keys.password.back")
        );
        // A key that could never act is refused, not silently dead.
        assert!(
            over("[keys.filter]\nback = \"x\"")
                .unwrap_err()
                .contains("is text")
        );
        assert!(
            over("[keys.edit]\nline-start = \"a\"")
                .unwrap_err()
                .contains("is text")
        );
        assert!(
            over("[keys.password]\nback = \"Ctrl-c\"")
                .unwrap_err()
                .contains("always quits")
        );
    }

    /// The help box is 76 columns inside; keys take 19: every description fits in one row.
    #[test]
    fn every_description_fits_the_help_box() {
        for mode in KeyMode::ALL {
            for b in defaults::of(*mode) {
                assert!(
                    b.does.chars().count() <= 56,
                    "{mode:?} {:?}: {}",
                    b.action,
                    b.does
                );
            }
        }
    }
}
