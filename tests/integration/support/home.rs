//! The real binary, run the way a user runs it but isolated: each `Home` has its own
//! HOME and XDG config, data and cache directories (no journal, token cache or developer
//! config leaks between tests or in from the machine), no token in the environment, and
//! a guard that kills a hung run. `resetdesk sim` in its own process, too.

use std::io::{BufRead, BufReader};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

pub const BIN: &str = env!("CARGO_BIN_EXE_resetdesk");

/// A home of its own for each test: config, data and cache directories are inside it, so
/// journals and token caches never leak between tests or from the developer's machine.
pub struct Home {
    dir: tempfile::TempDir,
}

impl Home {
    pub fn new() -> Home {
        Home {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    pub fn path(&self, rel: &str) -> std::path::PathBuf {
        self.dir.path().join(rel)
    }

    pub fn command(&self, args: &[&str], envs: &[(&str, &str)]) -> Command {
        let mut c = Command::new(BIN);
        c.args(args)
            .env_remove("RESETDESK_ACCESS_TOKEN")
            .env_remove("RESETDESK_LOG")
            .env("HOME", self.dir.path())
            .env("XDG_CONFIG_HOME", self.path("config"))
            .env("XDG_DATA_HOME", self.path("data"))
            .env("XDG_CACHE_HOME", self.path("cache"));
        for (k, v) in envs {
            c.env(k, v);
        }
        c
    }

    /// Runs to completion; a run that hangs is killed after a minute (a guard against a
    /// hang, not a timing check). Output is read while the child runs, so a long one
    /// never blocks on a full pipe.
    pub fn run(&self, args: &[&str], envs: &[(&str, &str)]) -> Output {
        let mut child = self
            .command(args, envs)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let drain = |mut r: Box<dyn std::io::Read + Send>| {
            std::thread::spawn(move || {
                let mut v = Vec::new();
                let _ = r.read_to_end(&mut v);
                v
            })
        };
        let out = drain(Box::new(child.stdout.take().unwrap()));
        let err = drain(Box::new(child.stderr.take().unwrap()));
        let start = Instant::now();
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            if start.elapsed() > Duration::from_secs(60) {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "resetdesk {args:?} hung; stderr: {}",
                    String::from_utf8_lossy(&err.join().unwrap())
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        Output {
            status,
            stdout: out.join().unwrap(),
            stderr: err.join().unwrap(),
        }
    }
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

pub fn json(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not one JSON document ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&o.stdout),
            stderr(o)
        )
    })
}

/// No panic message, one line naming the problem.
pub fn assert_clean_failure(o: &Output, code: i32) {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(code), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
}

/// `resetdesk sim` in its own process.
pub struct Sim {
    child: std::process::Child,
    pub base_url: String,
    pub token: String,
}

impl Drop for Sim {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn spawn_sim(home: &Home, args: &[&str]) -> Sim {
    let mut full = vec!["sim"];
    full.extend_from_slice(args);
    let mut child = home
        .command(&full, &[])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let base_url = match lines.next() {
        Some(Ok(l)) => l,
        _ => {
            let _ = child.kill();
            let o = child.wait_with_output().unwrap();
            panic!("sim did not start: {}", stderr(&o));
        }
    };
    let token = lines
        .next()
        .unwrap()
        .unwrap()
        .strip_prefix("RESETDESK_ACCESS_TOKEN=")
        .unwrap()
        .to_string();
    Sim {
        child,
        base_url,
        token,
    }
}

/// One run in a fresh home (for tests that need nothing of the home afterwards).
pub fn run(args: &[&str], envs: &[(&str, &str)]) -> Output {
    Home::new().run(args, envs)
}

/// A port nothing listens on now (the OS's pick, released at once).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}
