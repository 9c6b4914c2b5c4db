//! End to end: the real binary in tmux, as an admin would use it over SSH. Types part of a
//! name, sees results, opens one, sees its details and verdict, opens help, quits, and
//! checks that the terminal left the alternate screen.

use std::process::Command;
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_resetdesk");

struct Tmux {
    socket: String,
}

impl Tmux {
    fn cmd(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .args(["-L", &self.socket, "-f", "/dev/null"])
            .args(args)
            .output()
            .expect("tmux runs");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn screen(&self) -> String {
        self.cmd(&["capture-pane", "-p", "-t", "t"])
    }

    /// Polls the screen until `pred` holds. The limit only guards against a hang; how
    /// fast the screen appears is not what this test checks.
    fn wait(&self, what: &str, pred: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let s = self.screen();
            if pred(&s) {
                return s;
            }
            if start.elapsed() > Duration::from_secs(60) {
                panic!("never saw {what}; screen:\n{s}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn wait_for(&self, text: &str) -> String {
        self.wait(text, |s| s.contains(text))
    }

    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "t"];
        args.extend_from_slice(keys);
        self.cmd(&args);
    }

    fn type_text(&self, text: &str) {
        self.cmd(&["send-keys", "-t", "t", "-l", text]);
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        self.cmd(&["kill-server"]);
    }
}

fn tmux_available() -> bool {
    Command::new("tmux")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn console_in_tmux_search_open_help_quit() {
    if !tmux_available() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must have tmux (.ci/run installs it)"
        );
        eprintln!("tmux not installed: skipping the end-to-end test");
        return;
    }
    let t = Tmux {
        socket: format!("resetdesk-e2e-{}", std::process::id()),
    };
    // The shell prints the exit status after the console ends, on the normal screen.
    let script =
        format!("env -u NO_COLOR TERM=xterm-256color {BIN} --demo; echo EXITED:$?; sleep 60");
    t.cmd(&[
        "new-session",
        "-d",
        "-s",
        "t",
        "-x",
        "120",
        "-y",
        "40",
        "sh",
        "-c",
        &script,
    ]);

    let s = t.wait_for("● connected");
    assert!(s.contains("Recent users"), "{s}");
    assert_eq!(
        t.cmd(&["display", "-p", "-t", "t", "#{alternate_on}"])
            .trim(),
        "1"
    );

    t.type_text("adele");
    let s = t.wait_for("▶ Adele Vance  adele.vance@contoso.com");
    assert!(s.contains("Adele Vance (Fabrikam)"), "{s}");

    t.keys(&["Enter"]);
    let s = t.wait_for("You can reset");
    assert!(
        s.contains("passwordProfile") && s.contains("cloud-only account"),
        "{s}"
    );

    t.keys(&["?"]);
    t.wait_for("Keys · Esc closes");
    t.keys(&["Escape"]);
    t.wait("help closed", |s| !s.contains("Keys · Esc closes"));

    // An admin the helpdesk may not reset: the verdict says why.
    t.keys(&["/"]);
    t.keys(&["C-u"]);
    t.type_text("megan");
    t.wait_for("▶ Megan Bowen  megan.bowen@contoso.com");
    t.keys(&["Enter"]);
    let s = t.wait_for("You cannot reset");
    assert!(s.contains("Privileged Authentication Administrator"), "{s}");

    t.keys(&["q"]);
    let s = t.wait_for("EXITED:");
    assert!(s.contains("EXITED:0"), "{s}");
    assert_eq!(
        t.cmd(&["display", "-p", "-t", "t", "#{alternate_on}"])
            .trim(),
        "0",
        "left the alternate screen"
    );
}

#[test]
fn console_restores_the_terminal_on_sigterm() {
    if !tmux_available() {
        return;
    }
    let t = Tmux {
        socket: format!("resetdesk-e2e-term-{}", std::process::id()),
    };
    let script = format!(
        "{BIN} --demo; echo EXITED:$?; stty -a | grep -o -- '-icanon\\|icanon' | head -1; sleep 60"
    );
    t.cmd(&[
        "new-session",
        "-d",
        "-s",
        "t",
        "-x",
        "100",
        "-y",
        "30",
        "sh",
        "-c",
        &script,
    ]);
    t.wait_for("● connected");
    // The console is the shell's child in the pane.
    let shell = t
        .cmd(&["display", "-p", "-t", "t", "#{pane_pid}"])
        .trim()
        .to_string();
    let out = Command::new("ps")
        .args(["-o", "pid=", "--ppid", &shell])
        .output()
        .unwrap();
    let pid = String::from_utf8_lossy(&out.stdout).trim().to_string();
    assert!(!pid.is_empty(), "console pid");
    Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    let s = t.wait("the exit status and the terminal mode", |s| {
        s.contains("EXITED:") && s.contains("icanon")
    });
    assert!(s.contains("EXITED:0"), "{s}");
    assert!(
        s.lines().any(|l| l.trim() == "icanon"),
        "cooked mode again: {s}"
    );
    assert_eq!(
        t.cmd(&["display", "-p", "-t", "t", "#{alternate_on}"])
            .trim(),
        "0"
    );
}

#[test]
fn console_restores_the_terminal_on_panic_and_exits_non_zero() {
    if !tmux_available() {
        return;
    }
    let t = Tmux {
        socket: format!("resetdesk-e2e-panic-{}", std::process::id()),
    };
    let script = format!(
        "RESETDESK_DEBUG_PANIC=1 {BIN} --demo 2>/dev/null; echo EXITED:$?; stty -a | grep -o -- '-icanon\\|icanon' | head -1; sleep 60"
    );
    t.cmd(&[
        "new-session",
        "-d",
        "-s",
        "t",
        "-x",
        "100",
        "-y",
        "30",
        "sh",
        "-c",
        &script,
    ]);
    let s = t.wait("the exit status and the terminal mode", |s| {
        s.contains("EXITED:") && s.contains("icanon")
    });
    assert!(!s.contains("EXITED:0"), "a panic exits non-zero: {s}");
    assert!(
        s.lines().any(|l| l.trim() == "icanon"),
        "cooked mode again: {s}"
    );
    assert_eq!(
        t.cmd(&["display", "-p", "-t", "t", "#{alternate_on}"])
            .trim(),
        "0"
    );
}

#[test]
fn console_resets_a_user_and_copies_the_password_through_tmux() {
    if !tmux_available() {
        assert!(std::env::var_os("CI").is_none(), "CI must have tmux");
        return;
    }
    let t = Tmux {
        socket: format!("resetdesk-e2e-reset-{}", std::process::id()),
    };
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal.jsonl");
    let script = format!(
        "RESETDESK_JOURNAL_PATH={} {BIN} --demo; echo EXITED:$?; sleep 60",
        journal.display()
    );
    t.cmd(&[
        "new-session",
        "-d",
        "-s",
        "t",
        "-x",
        "120",
        "-y",
        "40",
        "sh",
        "-c",
        &script,
    ]);
    // An OSC 52 written inside the pane becomes a tmux paste buffer.
    t.cmd(&["set", "-s", "set-clipboard", "on"]);
    t.wait_for("● connected");
    t.type_text("adele v");
    t.wait_for("▶ Adele Vance  adele.vance@contoso.com");
    t.keys(&["Enter"]);
    t.wait_for("You can reset");
    t.keys(&["r"]);
    let s = t.wait_for("[ Cancel ]");
    assert!(s.contains("[ Cancel ]"), "Cancel has the focus: {s}");
    t.keys(&["BTab"]);
    t.wait_for("[ Reset password ]");
    t.keys(&["Enter"]);
    let s = t.wait_for("Temporary password:");
    assert!(s.contains("••••••••••••••••"), "masked by default: {s}");
    t.keys(&["v"]);
    let s = t.wait("the revealed password", |s| {
        s.lines()
            .any(|l| l.contains("Temporary password:") && !l.contains('•'))
    });
    let line = s
        .lines()
        .find(|l| l.contains("Temporary password:"))
        .unwrap();
    // The password is the first word after the label (borders follow it).
    let password = line
        .split("Temporary password:")
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_string();
    assert_eq!(password.len(), 16, "{line}");
    t.keys(&["y"]);
    t.wait_for("clears in");
    let buffer = t.cmd(&["show-buffer"]);
    assert_eq!(buffer, password, "the copied text is the revealed password");
    // The audit stream shows this reset, confirmed, a few seconds later (the demo's log
    // lags by two seconds, a real one by minutes).
    let s = t.wait_for("[you ✓]");
    assert!(s.contains("confirmed by the audit log"), "{s}");
    // Esc forgets it; the journal has the reset and not the password.
    t.keys(&["Escape"]);
    t.wait("the view closed", |s| !s.contains("Temporary password:"));
    // The demo keeps its own journal beside the configured one.
    let j = std::fs::read_to_string(dir.path().join("journal.demo.jsonl")).unwrap();
    assert!(!journal.exists(), "the real journal is untouched");
    assert!(
        j.contains("adele.vance@contoso.com") && j.contains("\"outcome\":\"succeeded\""),
        "{j}"
    );
    assert!(!j.contains(&password));
    t.keys(&["q"]);
    t.wait_for("EXITED:0");
}
