//! The operator's journal: one JSON line per action, appended to a file only its owner may
//! read (mode 0600) in the platform data directory. It records who reset whom, how, why
//! (ticket) and with what outcome and request ids — never a password.

use std::fs::OpenOptions;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Person {
    pub id: String,
    pub user_principal_name: Option<String>,
    /// An application operator's application (client) id; `id` is its service principal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Options {
    pub force_change: bool,
    pub force_change_with_mfa: bool,
    pub revoke_sessions: bool,
    pub generated: bool,
    /// No new password: only a change at next sign-in was required (`--force-change-only`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub change_only: bool,
}

/// Which tenant an entry was made in: its id (the token's `tid`), the tenant as it was
/// asked for (`--tenant`, config), and its name when known.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TenantRef {
    pub id: Option<String>,
    pub requested: Option<String>,
    pub name: Option<String>,
}

impl TenantRef {
    /// Whether `tenant` (an id or a domain, as given to `--tenant`) names this one.
    pub fn is(&self, tenant: &str) -> bool {
        let t = tenant.trim();
        [&self.id, &self.requested]
            .into_iter()
            .flatten()
            .any(|v| v.eq_ignore_ascii_case(t))
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Entry {
    /// RFC 3339, UTC.
    pub time: String,
    /// The tenant the action was made in (absent in entries of older versions).
    #[serde(default)]
    pub tenant: Option<TenantRef>,
    /// Made in the demo's simulated tenant.
    #[serde(default)]
    pub demo: bool,
    /// `reset`, or `confirmed` when the audit log later shows it.
    pub action: String,
    pub operator: Person,
    pub target: Person,
    pub method: String,
    pub options: Options,
    pub ticket: Option<String>,
    /// `succeeded`, `failed`, `unconfirmed` (or `confirmed`).
    pub outcome: String,
    /// What went wrong, in words, when not succeeded.
    pub error: Option<String>,
    /// The Graph error code, or `network`, `timeout`, `interrupted`, … when not succeeded.
    #[serde(default)]
    pub error_code: Option<String>,
    /// What to do about it, when resetdesk knows.
    #[serde(default)]
    pub fix: Option<String>,
    #[serde(default)]
    pub request_ids: Vec<String>,
    /// Sessions revoked after the reset: true, false (it failed), or null (not asked).
    #[serde(default)]
    pub sessions_revoked: Option<bool>,
    /// Made by `resetdesk bulk` from this file (its canonical path): what a rerun of the
    /// same file skips; `console` for a bulk reset of marked users in the console.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bulk: Option<String>,
    /// A Temporary Access Pass (`action: "tap"`): its lifetime and use — never its code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pass: Option<PassFacts>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PassFacts {
    pub lifetime_minutes: Option<u32>,
    pub one_time: Option<bool>,
    pub start_date_time: Option<String>,
}

/// One journal file. Every entry appended is stamped with the tenant and whether it was
/// the demo; the demo has a file of its own (`journal.demo.jsonl`).
pub struct Journal {
    path: PathBuf,
    demo: bool,
    tenant: std::sync::Mutex<Option<TenantRef>>,
}

pub fn now() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

impl Journal {
    pub fn at(path: PathBuf) -> Journal {
        Journal {
            path,
            demo: false,
            tenant: std::sync::Mutex::new(None),
        }
    }

    /// The tenant stamped on entries from now on (known once signed in).
    pub fn set_tenant(&self, tenant: TenantRef) {
        *self.tenant.lock().unwrap_or_else(|e| e.into_inner()) = Some(tenant);
    }

    pub fn is_demo(&self) -> bool {
        self.demo
    }

    /// `<data dir>/resetdesk/journal.jsonl` (Linux: ~/.local/share/resetdesk/).
    pub fn default_path() -> Option<PathBuf> {
        directories::ProjectDirs::from("", "", "resetdesk")
            .map(|d| d.data_local_dir().join("journal.jsonl"))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The journal decides what a rerun skips and what the audit log confirms: one that
    /// others can read or write is refused, not quietly tightened (someone may already
    /// have read it, or written an entry that makes a rerun skip a user).
    pub fn check_private(&self) -> std::io::Result<()> {
        refuse_loose(&self.path)
    }

    pub fn append(&self, entry: &Entry) -> std::io::Result<()> {
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        self.check_private()?;
        let mut opts = OpenOptions::new();
        opts.create(true).append(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let mut entry = entry.clone();
        entry.demo = self.demo;
        if entry.tenant.is_none() {
            entry.tenant = self
                .tenant
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .clone();
        }
        let mut f = opts.open(&self.path)?;
        let mut line = serde_json::to_string(&entry)?;
        line.push('\n');
        // A write torn earlier (a full disk, a crash) left a line without its end: this
        // entry starts its own line instead of being glued to it and lost with it.
        if !ends_with_newline(&self.path).unwrap_or(true) {
            line.insert(0, '\n');
        }
        f.write_all(line.as_bytes())
    }

    /// Every entry; a line that does not parse is reported, not fatal.
    pub fn read(&self) -> std::io::Result<(Vec<Entry>, Vec<String>)> {
        self.check_private()?;
        let f = match std::fs::File::open(&self.path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok((vec![], vec![])),
            Err(e) => return Err(e),
        };
        let mut entries = Vec::new();
        let mut bad = Vec::new();
        // By bytes: a line that is not UTF-8 (a torn write, an editor) is one bad line,
        // not a journal that cannot be read — which would leave a rerun knowing nothing.
        for (n, line) in BufReader::new(f).split(b'\n').enumerate() {
            let line = line?;
            let Ok(line) = std::str::from_utf8(&line) else {
                bad.push(format!("line {}: not UTF-8", n + 1));
                continue;
            };
            if line.trim().is_empty() {
                continue;
            }
            match serde_json::from_str(line) {
                Ok(e) => entries.push(e),
                Err(e) => bad.push(format!("line {}: {e}", n + 1)),
            }
        }
        Ok((entries, bad))
    }
}

impl Entry {
    /// An entry about `target` with nothing else known yet; the builders below fill in
    /// what their action knows.
    fn about(action: &str, operator: &Person, target_id: &str, target_upn: Option<&str>) -> Entry {
        Entry {
            time: now(),
            tenant: None,
            demo: false,
            action: action.into(),
            operator: operator.clone(),
            target: Person {
                id: target_id.to_string(),
                user_principal_name: target_upn.map(str::to_string),
                app_id: None,
            },
            method: String::new(),
            options: Options {
                force_change: false,
                force_change_with_mfa: false,
                revoke_sessions: false,
                generated: false,
                change_only: false,
            },
            ticket: None,
            outcome: String::new(),
            error: None,
            error_code: None,
            fix: None,
            request_ids: vec![],
            sessions_revoked: None,
            bulk: None,
            pass: None,
        }
    }
}

/// The journal entry for a reset (the CLI and the console write the same thing).
pub fn reset_entry(
    operator: &Person,
    target_id: &str,
    target_upn: Option<&str>,
    o: &crate::service::reset::ResetOutcome,
    ticket: Option<&str>,
    revoke: bool,
) -> Entry {
    use crate::service::reset::ResetStatus;
    Entry {
        method: o.method.name().into(),
        options: Options {
            force_change: o.force_change,
            force_change_with_mfa: o.force_change_with_mfa,
            revoke_sessions: revoke,
            generated: o.generated,
            change_only: o.change_only,
        },
        ticket: ticket.filter(|t| !t.trim().is_empty()).map(str::to_string),
        outcome: o.status.name().into(),
        error: o.error.as_ref().map(|e| e.to_string()).or_else(|| {
            (!matches!(o.status, ResetStatus::Succeeded | ResetStatus::Accepted))
                .then(|| o.detail.clone())
                .flatten()
        }),
        // Graph's own code when it gave one, else the kind of failure.
        error_code: o.error.as_ref().map(graph_code).or_else(|| match o.status {
            ResetStatus::Succeeded | ResetStatus::Accepted => None,
            ResetStatus::Unconfirmed => Some("unconfirmed".into()),
            // The flag was read back unchanged after a 204.
            ResetStatus::Failed if o.change_only => Some("change-not-applied".into()),
            // resetPassword's long-running operation ended in `failed`.
            ResetStatus::Failed => Some("operation-failed".into()),
        }),
        fix: match (o.error.is_none(), o.status, o.change_only, o.method) {
            (true, ResetStatus::Failed, true, _) => {
                Some(crate::service::reset::CHANGE_ONLY_ALTERNATIVE.to_string())
            }
            (
                true,
                ResetStatus::Failed,
                false,
                crate::policy::eligibility::Method::ResetPassword,
            ) => Some(crate::service::explain::WRITEBACK_REFUSED_FIX.to_string()),
            _ => None,
        },
        request_ids: o.request_ids.clone(),
        sessions_revoked: o.revoked.as_ref().map(|r| r.is_ok()),
        ..Entry::about("reset", operator, target_id, target_upn)
    }
}

/// The entry recording that the audit log showed a reset made earlier.
/// Graph's own error code when it gave one, else the kind of failure.
fn graph_code(e: &crate::graph::GraphError) -> String {
    e.code()
        .filter(|c| !c.is_empty())
        .unwrap_or(e.kind())
        .to_string()
}

/// A Temporary Access Pass created, refused or lost in flight (never the pass itself).
pub fn tap_entry(
    operator: &Person,
    target_id: &str,
    target_upn: Option<&str>,
    o: &crate::service::tap::TapOutcome,
    ticket: Option<&str>,
) -> Entry {
    use crate::service::tap::TapStatus;
    Entry {
        method: "temporaryAccessPass".into(),
        ticket: ticket.filter(|t| !t.trim().is_empty()).map(str::to_string),
        outcome: match o.status {
            TapStatus::Succeeded => "succeeded",
            TapStatus::Failed => "failed",
            TapStatus::Unconfirmed => "unconfirmed",
        }
        .into(),
        error: (o.status != TapStatus::Succeeded)
            .then(|| o.detail.clone())
            .flatten(),
        error_code: o
            .error
            .as_ref()
            .map(graph_code)
            .or_else(|| (o.status == TapStatus::Unconfirmed).then(|| "unconfirmed".into())),
        request_ids: o.request_id.iter().cloned().collect(),
        pass: o.method.as_ref().map(|m| PassFacts {
            lifetime_minutes: m.lifetime_in_minutes,
            one_time: m.is_usable_once,
            start_date_time: m
                .start_date_time
                .map(crate::graph::model::lenient_time::format),
        }),
        ..Entry::about("tap", operator, target_id, target_upn)
    }
}

pub fn confirmed_entry(operator: &Person, target_id: &str, target_upn: &str) -> Entry {
    Entry {
        method: "audit".into(),
        outcome: "confirmed".into(),
        ..Entry::about("confirmed", operator, target_id, Some(target_upn))
    }
}

/// A reset that was sent when the console had to exit (a signal, Ctrl-C) before its
/// outcome came back: unconfirmed, to be verified.
pub fn interrupted_entry(
    operator: &Person,
    target_id: &str,
    target_upn: &str,
    method: &str,
    options: Options,
    ticket: Option<&str>,
) -> Entry {
    Entry {
        method: method.into(),
        options,
        ticket: ticket.map(str::to_string),
        outcome: "unconfirmed".into(),
        error: Some(
            "the console exited while the reset was in flight; verify the user's last password change".into(),
        ),
        error_code: Some("interrupted".into()),
        fix: Some("verify with `resetdesk show` (last password change) or `resetdesk audit`".into()),
        ..Entry::about("reset", operator, target_id, Some(target_upn))
    }
}

/// `journal.jsonl` → `journal.demo.jsonl`: the demo never writes to the real journal.
pub fn demo_path(path: &Path) -> PathBuf {
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "journal".into());
    let name = match path.extension() {
        Some(ext) => format!("{stem}.demo.{}", ext.to_string_lossy()),
        None => format!("{stem}.demo"),
    };
    path.with_file_name(name)
}

/// Whether the file is empty, missing, or ends its last line.
fn ends_with_newline(path: &Path) -> std::io::Result<bool> {
    use std::io::{Read, Seek, SeekFrom};
    let mut f = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(true),
        Err(e) => return Err(e),
    };
    if f.metadata()?.len() == 0 {
        return Ok(true);
    }
    f.seek(SeekFrom::End(-1))?;
    let mut last = [0u8];
    f.read_exact(&mut last)?;
    Ok(last[0] == b'\n')
}

/// A file resetdesk keeps private (the journal, the console log) that exists with any
/// permission for the group or others is refused, with the command that mends it.
pub fn refuse_loose(path: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(m) = std::fs::symlink_metadata(path) {
            let mode = m.permissions().mode() & 0o777;
            if mode & 0o077 != 0 {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::PermissionDenied,
                    format!(
                        "{} is open to others (mode {mode:o}); resetdesk does not use it — check who else could read or change it, then `chmod 600 {}`",
                        path.display(),
                        path.display()
                    ),
                ));
            }
        }
    }
    let _ = path;
    Ok(())
}

/// The configured journal, or the platform default; with `demo`, the demo's own file next
/// to it.
pub fn open(configured: Option<&Path>, demo: bool) -> Option<Journal> {
    let path = configured
        .map(Path::to_path_buf)
        .or_else(Journal::default_path)?;
    let mut j = Journal::at(if demo { demo_path(&path) } else { path });
    j.demo = demo;
    Some(j)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(outcome: &str) -> Entry {
        Entry {
            time: now(),
            tenant: None,
            demo: false,
            action: "reset".into(),
            operator: Person {
                id: "op".into(),
                user_principal_name: Some("op@x".into()),
                app_id: None,
            },
            target: Person {
                id: "t".into(),
                user_principal_name: Some("t@x".into()),
                app_id: None,
            },
            method: "passwordProfile".into(),
            options: Options {
                force_change: true,
                force_change_with_mfa: false,
                revoke_sessions: false,
                generated: true,
                change_only: false,
            },
            ticket: Some("INC-42".into()),
            outcome: outcome.into(),
            error: None,
            error_code: None,
            fix: None,
            request_ids: vec!["r1".into()],
            sessions_revoked: None,
            bulk: None,
            pass: None,
        }
    }

    #[test]
    fn appends_reads_and_is_private() {
        let dir = tempfile::tempdir().unwrap();
        let j = Journal::at(dir.path().join("sub/journal.jsonl"));
        j.append(&entry("succeeded")).unwrap();
        j.append(&entry("failed")).unwrap();
        std::fs::OpenOptions::new()
            .append(true)
            .open(j.path())
            .unwrap()
            .write_all(b"{broken\n")
            .unwrap();
        let (entries, bad) = j.read().unwrap();
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[1].outcome, "failed");
        assert_eq!(bad.len(), 1);
        assert!(entries.iter().all(|e| !e.demo && e.tenant.is_none()));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(j.path()).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
    }

    #[test]
    fn a_torn_or_foreign_line_costs_that_line_only() {
        let dir = tempfile::tempdir().unwrap();
        let j = Journal::at(dir.path().join("journal.jsonl"));
        j.append(&entry("succeeded")).unwrap();
        // A line of bytes that are not UTF-8, then a write torn midway (no newline).
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(j.path())
            .unwrap();
        f.write_all(b"\xff\xfe not text\n{\"time\":\"2026-")
            .unwrap();
        drop(f);
        j.append(&entry("unconfirmed")).unwrap();
        let (entries, bad) = j.read().unwrap();
        let outcomes: Vec<&str> = entries.iter().map(|e| e.outcome.as_str()).collect();
        assert_eq!(outcomes, ["succeeded", "unconfirmed"], "{bad:?}");
        assert_eq!(bad.len(), 2, "{bad:?}");
        assert!(bad[0].contains("not UTF-8"), "{bad:?}");
    }
}

#[cfg(test)]
mod stamp_tests {
    use super::*;

    #[test]
    fn the_demo_has_its_own_file_and_entries_carry_tenant_and_demo() {
        assert_eq!(
            demo_path(Path::new("/d/journal.jsonl")),
            PathBuf::from("/d/journal.demo.jsonl")
        );
        assert_eq!(demo_path(Path::new("/d/j")), PathBuf::from("/d/j.demo"));
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("journal.jsonl");
        let j = open(Some(&real), true).unwrap();
        assert_eq!(j.path(), dir.path().join("journal.demo.jsonl"));
        j.set_tenant(TenantRef {
            id: Some("4a6c2e18-9f0b-4d4c-8f5e-1f2a3b4c5d6e".into()),
            requested: None,
            name: Some("Contoso".into()),
        });
        let op = Person {
            id: "op".into(),
            user_principal_name: None,
            app_id: None,
        };
        j.append(&confirmed_entry(&op, "t", "t@x")).unwrap();
        let (entries, _) = j.read().unwrap();
        assert!(entries[0].demo);
        assert!(
            entries[0]
                .tenant
                .as_ref()
                .unwrap()
                .is("4A6C2E18-9F0B-4D4C-8F5E-1F2A3B4C5D6E")
        );
        assert!(!real.exists(), "the real journal is untouched");
    }
}
