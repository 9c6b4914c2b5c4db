//! Getting a one-time password to the admin's own clipboard, also over SSH.
//!
//! `auto` uses the system clipboard (arboard, one instance for the app's life, excluded from
//! clipboard history) when a display is reachable and this is not an SSH session; otherwise
//! the terminal's clipboard through OSC 52. Inside tmux the plain sequence is dropped by
//! tmux's default `set-clipboard external`, so resetdesk also sends the passthrough form and
//! loads the tmux buffer (`tmux load-buffer -w -`, the password on a pipe, never in argv).

use std::io::Write;
use std::process::{Command, Stdio};

use base64::Engine;
use zeroize::Zeroizing;

use crate::config::ClipboardMode;
use crate::secret::{ExposeSecret, SecretString};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    Native,
    Osc52,
    Tmux,
}

impl Via {
    pub fn describe(self) -> &'static str {
        match self {
            Via::Native => "copied to the system clipboard (kept out of clipboard history)",
            Via::Osc52 => "copied through the terminal (OSC 52) to your local clipboard",
            Via::Tmux => "copied through tmux (OSC 52 passthrough and the tmux buffer)",
        }
    }
}

enum Backend {
    Native(arboard::Clipboard),
    Terminal { tmux: bool },
    Off,
}

pub struct Clipboard {
    backend: Backend,
}

/// What the last copy reached, until it is cleared. Kept where the panic hook can find it
/// too: a password must not outlive the process in any clipboard it reached.
struct Held {
    secret: SecretString,
    native: bool,
    terminal: bool,
    tmux: bool,
}

/// Every copy not cleared yet (a second copy must not make the first one forgotten).
static HELD: std::sync::Mutex<Vec<Held>> = std::sync::Mutex::new(Vec::new());

fn held() -> std::sync::MutexGuard<'static, Vec<Held>> {
    HELD.lock().unwrap_or_else(|e| e.into_inner())
}

fn remember(h: Held) {
    let mut all = held();
    all.retain(|x| x.secret.expose_secret() != h.secret.expose_secret());
    all.push(h);
}

/// Whether a copied password is still waiting to be cleared.
pub fn holds_password() -> bool {
    !held().is_empty()
}

/// For the panic hook: clears what the last copy reached, without the `Clipboard` (which
/// the panicking code may hold). Never blocks on the lock; never panics.
pub fn clear_after_panic() {
    // The panicking thread may hold the lock for a moment: try for about 100 ms.
    let mut guard = None;
    for _ in 0..20 {
        match HELD.try_lock() {
            Ok(g) => {
                guard = Some(g);
                break;
            }
            Err(std::sync::TryLockError::Poisoned(p)) => {
                guard = Some(p.into_inner());
                break;
            }
            Err(std::sync::TryLockError::WouldBlock) => {
                std::thread::sleep(std::time::Duration::from_millis(5))
            }
        }
    }
    let Some(mut guard) = guard else { return };
    for h in guard.drain(..) {
        clear_one_after_panic(&h);
    }
}

fn clear_one_after_panic(h: &Held) {
    if h.terminal {
        let mut seq = Zeroizing::new(osc52(b"", false).to_string());
        if h.tmux {
            seq.push_str(&osc52(b"", true));
        }
        let mut out = std::io::stdout();
        let _ = out.write_all(seq.as_bytes()).and_then(|_| out.flush());
    }
    if h.tmux {
        scrub_tmux_buffers(&h.secret);
    }
    if h.native
        && let Ok(mut c) = arboard::Clipboard::new()
        && c.get_text()
            .is_ok_and(|t| Zeroizing::new(t).as_str() == h.secret.expose_secret())
    {
        let _ = c.clear();
    }
}

/// Deletes every tmux paste buffer that holds `secret`: the one `load-buffer` made and
/// the one tmux itself made from the OSC 52 sequence (`set-clipboard on`). Returns how
/// many were deleted.
fn scrub_tmux_buffers(secret: &SecretString) -> usize {
    let Ok(list) = Command::new("tmux")
        .args(["list-buffers", "-F", "#{buffer_name}"])
        .stderr(Stdio::null())
        .output()
    else {
        return 0;
    };
    let mut deleted = 0;
    for name in String::from_utf8_lossy(&list.stdout).lines() {
        let holds = Command::new("tmux")
            .args(["show-buffer", "-b", name])
            .stderr(Stdio::null())
            .output()
            .map(|o| Zeroizing::new(o.stdout).as_slice() == secret.expose_secret().as_bytes())
            .unwrap_or(false);
        if holds
            && Command::new("tmux")
                .args(["delete-buffer", "-b", name])
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success())
        {
            deleted += 1;
        }
    }
    deleted
}

fn in_ssh() -> bool {
    ["SSH_CONNECTION", "SSH_TTY", "SSH_CLIENT"]
        .iter()
        .any(|v| std::env::var_os(v).is_some())
}

fn in_tmux() -> bool {
    std::env::var_os("TMUX").is_some()
}

/// ESC ] 52 ; c ; <base64> BEL, optionally wrapped for tmux passthrough (ESC P tmux; … ESC \).
pub fn osc52(data: &[u8], tmux_passthrough: bool) -> Zeroizing<String> {
    let b64 = Zeroizing::new(base64::engine::general_purpose::STANDARD.encode(data));
    let inner = Zeroizing::new(format!("\x1b]52;c;{}\x07", b64.as_str()));
    if tmux_passthrough {
        Zeroizing::new(format!(
            "\x1bPtmux;{}\x1b\\",
            inner.replace('\x1b', "\x1b\x1b")
        ))
    } else {
        inner
    }
}

impl Clipboard {
    pub fn new(mode: ClipboardMode) -> Clipboard {
        let terminal = Backend::Terminal { tmux: in_tmux() };
        let backend = match mode {
            ClipboardMode::Off => Backend::Off,
            ClipboardMode::Osc52 => terminal,
            ClipboardMode::Native => match arboard::Clipboard::new() {
                Ok(c) => Backend::Native(c),
                Err(_) => Backend::Off,
            },
            // arboard fails within microseconds without a display: that is the signal to
            // use the terminal, not an error to show.
            ClipboardMode::Auto if in_ssh() => terminal,
            ClipboardMode::Auto => match arboard::Clipboard::new() {
                Ok(c) => Backend::Native(c),
                Err(_) => terminal,
            },
        };
        Clipboard { backend }
    }

    /// Copies; `out` is the terminal (stdout) for OSC 52.
    pub fn copy(&mut self, text: &SecretString, out: &mut dyn Write) -> Result<Via, String> {
        match &mut self.backend {
            Backend::Off => Err("the clipboard is off (clipboard = \"off\", or no clipboard reachable): select the revealed password instead".into()),
            Backend::Native(c) => {
                #[cfg(target_os = "linux")]
                let r = {
                    use arboard::SetExtLinux;
                    c.set().exclude_from_history().text(text.expose_secret().to_string())
                };
                #[cfg(not(target_os = "linux"))]
                let r = c.set_text(text.expose_secret().to_string());
                r.map(|_| {
                    remember(Held { secret: text.clone(), native: true, terminal: false, tmux: false });
                    Via::Native
                })
                .map_err(|e| format!("the system clipboard refused: {e}"))
            }
            Backend::Terminal { tmux } => {
                let bytes = text.expose_secret().as_bytes();
                let mut seq = Zeroizing::new(osc52(bytes, false).to_string());
                if *tmux {
                    seq.push_str(&osc52(bytes, true));
                }
                out.write_all(seq.as_bytes()).and_then(|_| out.flush()).map_err(|e| format!("cannot write to the terminal: {e}"))?;
                remember(Held { secret: text.clone(), native: false, terminal: true, tmux: *tmux });
                if *tmux {
                    tmux_load_buffer(bytes)?;
                    return Ok(Via::Tmux);
                }
                Ok(Via::Osc52)
            }
        }
    }

    /// Clears the clipboard if it still holds `text` where that can be checked (the system
    /// clipboard, the tmux buffer). A terminal's own clipboard cannot be read back, so it is
    /// overwritten with nothing: leaving a password there is the worse risk. Returns whether
    /// something was cleared.
    pub fn clear(&mut self, text: &SecretString, out: &mut dyn Write) -> Result<bool, String> {
        let result = self.clear_backend(text, out);
        if result.is_ok() {
            held().retain(|h| h.secret.expose_secret() != text.expose_secret());
        }
        result
    }

    /// On the way out (quit, Ctrl-C, a signal): clears whatever the last copy reached and
    /// is not cleared yet. Returns whether there was something to clear.
    pub fn clear_held(&mut self, out: &mut dyn Write) -> Result<bool, String> {
        let secrets: Vec<SecretString> = held().iter().map(|h| h.secret.clone()).collect();
        let mut result = Ok(!secrets.is_empty());
        for s in &secrets {
            if let Err(e) = self.clear(s, out) {
                result = Err(e);
            }
        }
        result
    }

    fn clear_backend(&mut self, text: &SecretString, out: &mut dyn Write) -> Result<bool, String> {
        match &mut self.backend {
            Backend::Off => Ok(false),
            Backend::Native(c) => match c.get_text() {
                Ok(current) if current == text.expose_secret() => {
                    let mut current = Zeroizing::new(current);
                    current.clear();
                    c.clear().map(|_| true).map_err(|e| e.to_string())
                }
                Ok(_) | Err(_) => Ok(false),
            },
            Backend::Terminal { tmux } => {
                let mut seq = Zeroizing::new(osc52(b"", false).to_string());
                if *tmux {
                    seq.push_str(&osc52(b"", true));
                }
                out.write_all(seq.as_bytes())
                    .and_then(|_| out.flush())
                    .map_err(|e| e.to_string())?;
                if *tmux {
                    scrub_tmux_buffers(text);
                }
                Ok(true)
            }
        }
    }
}

fn tmux_load_buffer(bytes: &[u8]) -> Result<(), String> {
    let mut child = Command::new("tmux")
        .args(["load-buffer", "-w", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("tmux load-buffer: {e}"))?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(bytes)
            .map_err(|e| format!("tmux load-buffer: {e}"))?;
    }
    child.wait().map_err(|e| format!("tmux load-buffer: {e}"))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn osc52_sequences() {
        assert_eq!(
            osc52(b"Secret-OTP-1", false).as_str(),
            "\x1b]52;c;U2VjcmV0LU9UUC0x\x07"
        );
        let wrapped = osc52(b"Secret-OTP-1", true);
        assert!(wrapped.starts_with("\x1bPtmux;\x1b\x1b]52;c;"));
        assert!(wrapped.ends_with("\x07\x1b\\"));
    }

    #[test]
    fn terminal_copy_writes_osc52_and_off_refuses() {
        let mut c = Clipboard {
            backend: Backend::Terminal { tmux: false },
        };
        let mut out = Vec::new();
        let via = c
            .copy(&crate::secret::secret("Pw-123456!x".into()), &mut out)
            .unwrap();
        assert_eq!(via, Via::Osc52);
        assert_eq!(out, osc52(b"Pw-123456!x", false).as_bytes());
        let mut off = Clipboard {
            backend: Backend::Off,
        };
        assert!(
            off.copy(&crate::secret::secret("x".into()), &mut Vec::new())
                .is_err()
        );
    }
}
