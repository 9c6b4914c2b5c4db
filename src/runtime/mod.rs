//! The event loop: input and task results arrive as messages, `App::update` decides,
//! effects go to the executor, and the screen is redrawn only when something changed —
//! input at once, anything else at most ~60 frames a second, and not at all while nothing
//! happens.

pub mod audit_stream;
mod executor;
mod frames;
pub mod terminal;

use std::time::Instant;

use futures::StreamExt;
use ratatui::crossterm::event::{Event, EventStream, KeyEventKind};
use tokio::sync::mpsc;

use crate::app::{App, Effect, Msg};
use crate::auth::TokenProvider;
use crate::graph::GraphApi;
use crate::theme::Theme;
pub use executor::Executor;
use frames::Frames;
use terminal::TerminalGuard;

/// Reads terminal events into messages: key presses only (not repeats' releases), paste,
/// resize.
fn spawn_input(tx: mpsc::UnboundedSender<Msg>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut events = EventStream::new();
        while let Some(Ok(ev)) = events.next().await {
            let msg = match ev {
                Event::Key(k) if k.kind == KeyEventKind::Press => Msg::Key(k),
                Event::Paste(s) => Msg::Paste(s),
                Event::Resize(..) => Msg::Resize,
                _ => continue,
            };
            if tx.send(msg).is_err() {
                break;
            }
        }
    })
}

/// SIGINT, SIGTERM and SIGHUP (the SSH connection dropped) end the console through the
/// event loop like `q` does — the clipboard is cleared, a reset in flight is journaled,
/// the terminal restored — and the process then exits 128 + the signal. The handlers are
/// installed before the terminal is touched, so no signal finds it raw and unguarded.
fn spawn_signals(tx: mpsc::UnboundedSender<Msg>) -> std::io::Result<tokio::task::JoinHandle<()>> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut int = signal(SignalKind::interrupt())?;
        let mut term = signal(SignalKind::terminate())?;
        let mut hup = signal(SignalKind::hangup())?;
        Ok(tokio::spawn(async move {
            let n = tokio::select! {
                _ = int.recv() => libc::SIGINT,
                _ = term.recv() => libc::SIGTERM,
                _ = hup.recv() => libc::SIGHUP,
            };
            let _ = tx.send(Msg::Terminate(n));
        }))
    }
    #[cfg(not(unix))]
    Ok(tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            let _ = tx.send(Msg::Terminate(2));
        }
    }))
}

/// A fresh session for a profile: what the effects act on after `:profile`.
pub struct SessionIo {
    pub graph: std::sync::Arc<dyn GraphApi>,
    pub tokens: std::sync::Arc<dyn TokenProvider>,
    pub journal: Option<crate::journal::Journal>,
    pub tenant: Option<String>,
    pub info: crate::app::ProfileInfo,
    /// Kept alive as long as the session (the demo's simulator).
    pub keep: Option<Box<dyn std::any::Any + Send + Sync>>,
    /// The profile's clipboard (`clipboard = "off"` for a customer who forbids copies).
    pub clipboard: Option<crate::clipboard::Clipboard>,
    pub audit: crate::graph::audit::PollerConfig,
}

/// Signs in to a profile, its sign-in talking to the admin through the interaction.
pub type Switcher = std::sync::Arc<
    dyn Fn(
            String,
            crate::auth::Interaction,
        ) -> futures::future::BoxFuture<'static, Result<SessionIo, String>>
        + Send
        + Sync,
>;

/// What the console's effects act on.
pub struct Io {
    pub graph: std::sync::Arc<dyn GraphApi>,
    pub tokens: std::sync::Arc<dyn TokenProvider>,
    pub clipboard: crate::clipboard::Clipboard,
    pub journal: Option<crate::journal::Journal>,
    /// The tenant as configured (`--tenant`), recorded in the journal.
    pub tenant: Option<String>,
    pub audit: crate::graph::audit::PollerConfig,
    pub audit_timing: audit_stream::StreamTiming,
    /// `:profile NAME` (None: the console has no profiles to switch to).
    pub switcher: Option<Switcher>,
}

/// Runs the console until it quits; returns the process's exit status (0, or 128 + the
/// signal that ended it, 130 for Ctrl-C).
pub async fn run(mut app: App, theme: Theme, io: Io) -> std::io::Result<u8> {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let signals = spawn_signals(tx.clone())?;
    let mut guard = TerminalGuard::enter()?;
    let input = spawn_input(tx.clone());
    let mut exec = Executor::new(io, tx);
    exec.journal_on_panic();
    for e in app.start() {
        exec.run(e);
    }
    let mut frames = Frames::default();
    // A failed draw (the terminal went away) still leaves through `on_exit` below.
    let mut failure: Option<std::io::Error> = None;
    'outer: loop {
        let now = Instant::now();
        if app.dirty && frames.may_draw(now) {
            if let Err(e) = guard.terminal.draw(|f| crate::ui::render(&app, &theme, f)) {
                failure = Some(e);
                break 'outer;
            }
            app.dirty = false;
            frames.drawn(now);
            // What the screen as drawn lets the panes scroll: the app stops there.
            if let Ok(size) = guard.terminal.size() {
                let area = ratatui::layout::Rect::new(0, 0, size.width, size.height);
                let limits = crate::ui::scroll_limits(&app, area);
                if limits != app.limits {
                    app.update(Msg::ScrollLimits(limits), now);
                }
            }
            // Debug builds only: lets the end-to-end test prove that a panic restores the
            // terminal and exits non-zero.
            // `after-copy`: once a password has been copied, to prove the panic path
            // clears the clipboard too. `file:PATH`: once PATH exists, so that a test can
            // panic the console on whatever screen it has reached.
            #[cfg(debug_assertions)]
            if let Some(when) = std::env::var_os("RESETDESK_DEBUG_PANIC")
                && (app.session.is_some() || app.sign_in.is_some())
                && (when != "after-copy" || crate::clipboard::holds_password())
                && when
                    .to_str()
                    .and_then(|w| w.strip_prefix("file:"))
                    .is_none_or(|f| std::path::Path::new(f).exists())
            {
                panic!("RESETDESK_DEBUG_PANIC: deliberate panic for the terminal-restore test");
            }
        }
        // Wake for the app's next deadline, or when a draw owed is due.
        let deadline = [app.next_deadline(now), frames.wake(app.dirty, now)]
            .into_iter()
            .flatten()
            .min();
        let mut msgs = Vec::new();
        tokio::select! {
            m = rx.recv() => match m {
                Some(m) => msgs.push(m),
                None => break,
            },
            _ = async {
                match deadline {
                    Some(d) => tokio::time::sleep_until(d.into()).await,
                    None => std::future::pending().await,
                }
            } => msgs.push(Msg::Tick),
        }
        // Coalesce a burst (typing, paste) into one frame.
        while let Ok(m) = rx.try_recv() {
            msgs.push(m);
        }
        for m in msgs {
            if m.is_input() {
                frames.input();
            }
            for e in app.update(m, Instant::now()) {
                if matches!(e, Effect::Quit) {
                    break 'outer;
                }
                exec.run(e);
            }
            if app.quit {
                break 'outer;
            }
        }
    }
    // Every way out of the loop comes here: the clipboard is cleared and in-flight resets
    // journaled before the terminal is restored (the panic hook does both itself).
    exec.on_exit();
    input.abort();
    signals.abort();
    drop(guard);
    match failure {
        Some(e) => Err(e),
        None => Ok(app.exit_status),
    }
}
