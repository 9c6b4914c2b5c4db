//! A tmux driver for end-to-end tests: the real binary in a detached tmux session, as an
//! admin runs it over SSH; keys in, the screen, paste buffers, signals and the terminal
//! modes after exit out.

use std::process::Command;
use std::time::{Duration, Instant};

use super::home::BIN;

pub struct Tmux {
    socket: String,
}

/// These tests are the proof that the terminal and the clipboard are left clean: without
/// tmux they fail, never pass silently (`.ci/run` installs it).
pub fn require_tmux() {
    let ok = Command::new("tmux")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        ok,
        "tmux is required for the end-to-end tests (apt-get install tmux)"
    );
}

impl Tmux {
    /// A detached session running `script` in `sh -c`, `w`×`h`, with OSC 52 from the
    /// pane turned into tmux paste buffers (as `set-clipboard on` does for users).
    pub fn start(name: &str, w: u16, h: u16, script: &str) -> Tmux {
        require_tmux();
        let t = Tmux {
            socket: format!("resetdesk-e2e-{name}-{}", std::process::id()),
        };
        t.cmd(&[
            "new-session",
            "-d",
            "-s",
            "t",
            "-x",
            &w.to_string(),
            "-y",
            &h.to_string(),
            "sh",
            "-c",
            script,
        ]);
        t.cmd(&["set", "-s", "set-clipboard", "on"]);
        t
    }

    pub fn cmd(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .args(["-L", &self.socket, "-f", "/dev/null"])
            .args(args)
            .output()
            .expect("tmux runs");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub fn screen(&self) -> String {
        self.cmd(&["capture-pane", "-p", "-t", "t"])
    }

    /// Polls the screen until `pred` holds. The limit only guards against a hang; how
    /// fast the screen appears is not what this test checks.
    pub fn wait(&self, what: &str, pred: impl Fn(&str) -> bool) -> String {
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

    pub fn wait_for(&self, text: &str) -> String {
        self.wait(text, |s| s.contains(text))
    }

    pub fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "t"];
        args.extend_from_slice(keys);
        self.cmd(&args);
    }

    pub fn type_text(&self, text: &str) {
        self.cmd(&["send-keys", "-t", "t", "-l", text]);
    }

    pub fn format(&self, f: &str) -> String {
        self.cmd(&["display", "-p", "-t", "t", f])
            .trim()
            .to_string()
    }

    /// The console's pid: the pane's shell's child.
    pub fn console_pid(&self) -> String {
        let shell = self.format("#{pane_pid}");
        let out = Command::new("ps")
            .args(["-o", "pid=", "--ppid", &shell])
            .output()
            .unwrap();
        let pid = String::from_utf8_lossy(&out.stdout).trim().to_string();
        assert!(!pid.is_empty(), "console pid");
        pid
    }

    pub fn signal(&self, sig: &str) {
        let pid = self.console_pid();
        assert!(
            Command::new("kill")
                .args([sig, &pid])
                .status()
                .unwrap()
                .success()
        );
    }

    /// Every tmux paste buffer's contents.
    pub fn buffers(&self) -> Vec<String> {
        self.cmd(&["list-buffers", "-F", "#{buffer_name}"])
            .lines()
            .map(|b| self.cmd(&["show-buffer", "-b", b]))
            .collect()
    }

    /// After the console ended: the shell's report of exit status and terminal modes.
    pub fn after_exit(&self) -> (i32, String) {
        let s = self.wait("the exit status and the terminal modes", |s| {
            s.contains("EXITED:") && s.contains("MODES:")
        });
        let code = s
            .split("EXITED:")
            .nth(1)
            .and_then(|r| r.split_whitespace().next())
            .and_then(|c| c.parse().ok())
            .unwrap_or_else(|| panic!("{s}"));
        let modes = s
            .lines()
            .find(|l| l.starts_with("MODES:"))
            .unwrap_or_default()
            .to_string();
        (code, modes)
    }

    /// The terminal is as the shell needs it: main screen, cooked mode, echo, cursor.
    pub fn assert_restored(&self, modes: &str) {
        assert_eq!(
            self.format("#{alternate_on}"),
            "0",
            "left the alternate screen"
        );
        assert_eq!(self.format("#{cursor_flag}"), "1", "the cursor is visible");
        let words: Vec<&str> = modes.split_whitespace().collect();
        assert!(
            words.contains(&"icanon") && words.contains(&"echo"),
            "cooked mode with echo: {modes}"
        );
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        self.cmd(&["kill-server"]);
    }
}

/// The console on the demo tenant, then the exit status and the terminal modes the shell
/// sees afterwards.
pub fn console_script(env: &str) -> String {
    console_script_with(env, "--demo")
}

/// `console_script` with other arguments than `--demo`.
pub fn console_script_with(env: &str, args: &str) -> String {
    format!(
        "env -u NO_COLOR -u RESETDESK_ACCESS_TOKEN TERM=xterm-256color {env} {BIN} {args} 2>/dev/null; echo EXITED:$?; \
         printf 'MODES: %s\\n' \"$(stty -a | tr ' ;' '\\n\\n' | grep -x -e icanon -e -icanon -e echo -e -echo | tr '\\n' ' ')\"; sleep 60"
    )
}
