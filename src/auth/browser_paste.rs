//! `browser-paste`: the OAuth 2.0 authorization-code flow with PKCE and a `http://localhost`
//! redirect (https://learn.microsoft.com/entra/identity-platform/v2-oauth2-auth-code-flow),
//! for a server with no browser. The admin opens the printed address in the browser on
//! their own computer — where their passkey or phishing-resistant MFA is, and where a
//! Conditional Access policy that blocks device code is satisfied — and then either
//! pastes back the address the browser ends on (a `localhost` page that fails to load),
//! or, with the port forwarded (`ssh -L 8400:localhost:8400`), lets the browser deliver
//! it to the listener here. The `state` must come back unchanged and the code is redeemed
//! with the PKCE verifier only this process holds. The pasted address holds the code: it
//! is kept as a secret and never logged.

use std::time::Duration;

use oauth2::basic::BasicTokenResponse;
use oauth2::{AuthorizationCode, CsrfToken, PkceCodeChallenge, RedirectUrl, Scope};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::Mutex;

use super::AuthError;
use super::delegated::{UserClient, auth_err, hook};
use crate::secret::{ExposeSecret, SecretString, secret};

/// How long the admin has to sign in in the browser.
const WAIT: Duration = Duration::from_secs(600);

/// Where the address the browser ends on comes from.
pub struct Paste {
    /// The redirect's port: `http://localhost:{port}`; the listener's too.
    pub port: u16,
    /// Copy the sign-in address to the admin's clipboard through the terminal (OSC 52).
    pub copy: bool,
    source: std::sync::Mutex<Option<std::sync::Arc<Source>>>,
}

enum Source {
    /// Typed (pasted) into the terminal this runs in.
    Terminal,
    /// Lines sent by a test.
    Lines(Mutex<tokio::sync::mpsc::Receiver<String>>),
}

impl Paste {
    pub fn terminal(port: u16, copy: bool) -> Paste {
        Paste {
            port,
            copy,
            source: std::sync::Mutex::new(Some(std::sync::Arc::new(Source::Terminal))),
        }
    }

    /// Pasted lines arrive on `lines` (the console's sign-in window, or a test).
    pub fn lines(port: u16, lines: tokio::sync::mpsc::Receiver<String>) -> Paste {
        let p = Paste::terminal(port, false);
        p.read_from(lines);
        p
    }

    /// From now on the pasted address comes from `lines`.
    pub fn read_from(&self, lines: tokio::sync::mpsc::Receiver<String>) {
        *self.source.lock().unwrap_or_else(|e| e.into_inner()) =
            Some(std::sync::Arc::new(Source::Lines(Mutex::new(lines))));
    }

    /// Drops addresses pasted before this sign-in asked for one (they belong to none).
    fn discard_stale(&self) {
        let source = self
            .source
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        if let Some(Source::Lines(rx)) = source.as_deref()
            && let Ok(mut rx) = rx.try_lock()
        {
            while rx.try_recv().is_ok() {}
        }
    }

    async fn next_line(&self) -> Option<SecretString> {
        let source = self
            .source
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()?;
        match source.as_ref() {
            Source::Lines(rx) => rx.lock().await.recv().await.map(secret),
            // No terminal, or its input ended: nothing will be pasted; the listener (a
            // forwarded port) or the time limit decides.
            Source::Terminal => match read_terminal_line().await {
                Some(line) => Some(line),
                None => std::future::pending().await,
            },
        }
    }
}

/// One line from stdin, read on a thread that gives up as soon as it is no longer wanted:
/// a read left waiting would steal the console's first keystrokes.
async fn read_terminal_line() -> Option<SecretString> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let stop_thread = stop.clone();
    std::thread::spawn(move || {
        // The pasted address holds the sign-in code: not echoed to the screen (and so
        // not left in the scrollback).
        let _echo = EchoOff::new();
        let stopped = || stop_thread.load(std::sync::atomic::Ordering::Relaxed);
        while !stopped() {
            // Checked again after the wait: once the sign-in is over, stdin belongs to
            // the console, and a line read now would be the admin's keystrokes.
            if stdin_ready(Duration::from_millis(200)) && !stopped() {
                let mut line = String::new();
                let got = std::io::stdin()
                    .read_line(&mut line)
                    .ok()
                    .filter(|n| *n > 0);
                let _ = tx.send(got.map(|_| secret(line)));
                return;
            }
        }
    });
    struct StopOnDrop(std::sync::Arc<std::sync::atomic::AtomicBool>);
    impl Drop for StopOnDrop {
        fn drop(&mut self) {
            self.0.store(true, std::sync::atomic::Ordering::Relaxed);
        }
    }
    let _stop = StopOnDrop(stop);
    rx.await.ok().flatten()
}

/// Terminal echo off on stdin while it lives (nothing when stdin is not a terminal).
struct EchoOff(#[cfg(unix)] Option<libc::termios>);

impl EchoOff {
    #[cfg(unix)]
    fn new() -> EchoOff {
        // SAFETY: tcgetattr/tcsetattr on fd 0 with a termios we own.
        unsafe {
            let mut t: libc::termios = std::mem::zeroed();
            if libc::isatty(0) != 1 || libc::tcgetattr(0, &mut t) != 0 {
                return EchoOff(None);
            }
            let saved = t;
            t.c_lflag &= !libc::ECHO;
            t.c_lflag |= libc::ECHONL;
            if libc::tcsetattr(0, libc::TCSANOW, &t) != 0 {
                return EchoOff(None);
            }
            EchoOff(Some(saved))
        }
    }

    #[cfg(not(unix))]
    fn new() -> EchoOff {
        EchoOff()
    }
}

impl Drop for EchoOff {
    fn drop(&mut self) {
        #[cfg(unix)]
        if let Some(saved) = self.0.take() {
            // SAFETY: restores the settings read in `new`.
            unsafe {
                libc::tcsetattr(0, libc::TCSANOW, &saved);
            }
        }
    }
}

#[cfg(unix)]
fn stdin_ready(wait: Duration) -> bool {
    let mut fds = libc::pollfd {
        fd: 0,
        events: libc::POLLIN,
        revents: 0,
    };
    // SAFETY: one valid pollfd for the duration of the call.
    let n = unsafe { libc::poll(&mut fds, 1, wait.as_millis() as libc::c_int) };
    n > 0
}

#[cfg(not(unix))]
fn stdin_ready(_: Duration) -> bool {
    true
}

/// Runs the flow once and redeems the code.
pub async fn sign_in(
    client: &UserClient,
    http: &reqwest::Client,
    scopes: &[String],
    paste: &Paste,
    prompt: &(dyn Fn(&str, bool) + Send + Sync),
) -> Result<BasicTokenResponse, AuthError> {
    paste.discard_stale();
    let redirect = format!("http://localhost:{}", paste.port);
    let client = client.clone().set_redirect_uri(
        RedirectUrl::new(redirect.clone()).map_err(|e| auth_err("redirect URI", e))?,
    );
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, state) = client
        .authorize_url(CsrfToken::new_random)
        .add_scopes(scopes.iter().map(|s| Scope::new(s.clone())))
        .set_pkce_challenge(challenge)
        .url();
    // The listener is a convenience for a forwarded port; without it, paste.
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", paste.port))
        .await
        .ok();
    let copied = paste.copy && copy_to_terminal_clipboard(url.as_str());
    prompt(
        &format!(
            "To sign in, open this address in a browser on your own computer{}:\n\n  {url}\n\nAfter signing in, the browser ends on a {redirect}/?code=… page that does not load. Copy that whole address from the address bar and paste it here (it is not shown), then press Enter.{}",
            if copied {
                " (it is on your clipboard)"
            } else {
                ""
            },
            if listener.is_some() {
                format!(
                    " (With the port forwarded, `ssh -L {0}:localhost:{0} this-host`, the browser delivers it by itself.)",
                    paste.port
                )
            } else {
                String::new()
            }
        ),
        true,
    );
    // An address of another sign-in (a stale tab, a mistyped paste, another local
    // process knocking on the port) is refused and the wait goes on; Entra's own refusal
    // (`error=`) ends it.
    let code = tokio::time::timeout(WAIT, async {
        let listener = listener.map(std::sync::Arc::new);
        loop {
            let answer = tokio::select! {
                line = paste.next_line() => line,
                got = listen(listener.clone()) => got,
            };
            let Some(answer) = answer else {
                return Err(AuthError::Missing(
                    "browser-paste sign-in: no address was pasted".into(),
                ));
            };
            match code_from(&answer, state.secret()) {
                Ok(code) => return Ok(code),
                Err(e) if e.to_string().contains("was refused") => return Err(e),
                Err(e) => prompt(&format!("{e}; paste the address again"), true),
            }
        }
    })
    .await
    .map_err(|_| {
        AuthError::Missing(format!(
            "browser-paste sign-in: nothing came back within {} minutes; run the command again",
            WAIT.as_secs() / 60
        ))
    })??;
    client
        .exchange_code(AuthorizationCode::new(code.expose_secret().to_string()))
        .set_pkce_verifier(verifier)
        .request_async(&hook(http))
        .await
        .map_err(|e| auth_err("browser-paste sign-in: redeeming the code", e))
}

/// The code in the address the browser ended on, once its `state` is ours.
pub fn code_from(pasted: &SecretString, state: &str) -> Result<SecretString, AuthError> {
    let text = pasted.expose_secret().trim();
    // The whole address, or only its query.
    let query = match text.split_once('?') {
        Some((_, q)) => q,
        None => text,
    };
    let query = query.split('#').next().unwrap_or_default();
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect();
    let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    if let Some(error) = get("error") {
        return Err(AuthError::Missing(format!(
            "browser-paste sign-in was refused: {} ({})",
            crate::sanitize::sanitize_line(&get("error_description").unwrap_or_default(), 300),
            crate::sanitize::sanitize_line(&error, 60)
        )));
    }
    let Some(code) = get("code").filter(|c| !c.is_empty()) else {
        return Err(AuthError::Missing(
            "browser-paste sign-in: that is not the address the browser ended on (it has no code=…); paste the whole address of the localhost page".into(),
        ));
    };
    // The state ties the answer to this sign-in: anything else may be an attacker's
    // code, pasted to sign this console in to their tenant.
    if get("state").as_deref() != Some(state) {
        return Err(AuthError::Missing(
            "browser-paste sign-in: the address belongs to another sign-in (its state does not match); nothing was signed in — start again and paste the address of this sign-in".into(),
        ));
    }
    Ok(secret(code))
}

/// Waits for the browser's request on the forwarded port: `GET /?code=…&state=…`.
async fn listen(listener: Option<std::sync::Arc<tokio::net::TcpListener>>) -> Option<SecretString> {
    let Some(listener) = listener else {
        return std::future::pending().await;
    };
    loop {
        let Ok((mut stream, _)) = listener.accept().await else {
            continue;
        };
        let mut buf = vec![0u8; 8192];
        let mut len = 0;
        while len < buf.len() {
            match tokio::time::timeout(Duration::from_secs(5), stream.read(&mut buf[len..])).await {
                Ok(Ok(0)) | Ok(Err(_)) | Err(_) => break,
                Ok(Ok(n)) => {
                    len += n;
                    if buf[..len].windows(4).any(|w| w == b"\r\n\r\n") {
                        break;
                    }
                }
            }
        }
        let head = String::from_utf8_lossy(&buf[..len]).to_string();
        zeroize::Zeroize::zeroize(&mut buf);
        let target = head
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("GET "))
            .and_then(|l| l.split(' ').next())
            .unwrap_or_default()
            .to_string();
        if !target.contains("code=") && !target.contains("error=") {
            let _ = stream
                .write_all(
                    b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
                )
                .await;
            continue;
        }
        let page = "<!doctype html><title>resetdesk</title><p>resetdesk received the sign-in. You can close this tab and return to the terminal.</p>";
        let _ = stream
            .write_all(
                format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: text/html; charset=utf-8\r\ncontent-length: {}\r\ncache-control: no-store\r\nconnection: close\r\n\r\n{page}",
                    page.len()
                )
                .as_bytes(),
            )
            .await;
        return Some(secret(format!("http://localhost{target}")));
    }
}

/// Puts the sign-in address on the admin's own clipboard through their terminal, when
/// stderr is one.
fn copy_to_terminal_clipboard(text: &str) -> bool {
    use std::io::{IsTerminal, Write};
    let mut err = std::io::stderr();
    if !err.is_terminal() {
        return false;
    }
    let seq = crate::clipboard::osc52(text.as_bytes(), std::env::var_os("TMUX").is_some());
    err.write_all(seq.as_bytes()).is_ok() && err.flush().is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_code_is_taken_only_with_this_sign_ins_state() {
        let pasted = |s: &str| secret(s.to_string());
        let code = code_from(&pasted("http://localhost:8400/?code=abc&state=s1"), "s1").unwrap();
        assert_eq!(code.expose_secret(), "abc");
        let only_query = code_from(&pasted("  code=abc&state=s1\n"), "s1").unwrap();
        assert_eq!(only_query.expose_secret(), "abc");
        let wrong = code_from(&pasted("http://localhost:8400/?code=abc&state=evil"), "s1");
        assert!(
            wrong
                .unwrap_err()
                .to_string()
                .contains("state does not match")
        );
        let none = code_from(&pasted("http://localhost:8400/?code=abc"), "s1");
        assert!(none.is_err());
        let refused = code_from(
            &pasted(
                "http://localhost:8400/?error=access_denied&error_description=AADSTS65004%3A+declined&state=s1",
            ),
            "s1",
        );
        assert!(
            refused
                .unwrap_err()
                .to_string()
                .contains("AADSTS65004: declined")
        );
        assert!(code_from(&pasted("hello"), "s1").is_err());
    }
}
