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
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Options {
    pub force_change: bool,
    pub force_change_with_mfa: bool,
    pub revoke_sessions: bool,
    pub generated: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Entry {
    /// RFC 3339, UTC.
    pub time: String,
    /// `reset`, or `confirmed` when the audit log later shows it.
    pub action: String,
    pub operator: Person,
    pub target: Person,
    pub method: String,
    pub options: Options,
    pub ticket: Option<String>,
    /// `succeeded`, `failed`, `unconfirmed` (or `confirmed`).
    pub outcome: String,
    /// The Graph error code or a short reason, when not succeeded.
    pub error: Option<String>,
    #[serde(default)]
    pub request_ids: Vec<String>,
    /// Sessions revoked after the reset: true, false (it failed), or null (not asked).
    #[serde(default)]
    pub sessions_revoked: Option<bool>,
}

pub struct Journal {
    path: PathBuf,
}

pub fn now() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

impl Journal {
    pub fn at(path: PathBuf) -> Journal {
        Journal { path }
    }

    /// `<data dir>/resetdesk/journal.jsonl` (Linux: ~/.local/share/resetdesk/).
    pub fn default_path() -> Option<PathBuf> {
        directories::ProjectDirs::from("", "", "resetdesk")
            .map(|d| d.data_local_dir().join("journal.jsonl"))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn append(&self, entry: &Entry) -> std::io::Result<()> {
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let mut opts = OpenOptions::new();
        opts.create(true).append(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let mut f = opts.open(&self.path)?;
        #[cfg(unix)]
        {
            // An existing file created by something else is tightened too.
            use std::os::unix::fs::PermissionsExt;
            let _ = f.set_permissions(std::fs::Permissions::from_mode(0o600));
        }
        let mut line = serde_json::to_string(entry)?;
        line.push('\n');
        f.write_all(line.as_bytes())
    }

    /// Every entry; a line that does not parse is reported, not fatal.
    pub fn read(&self) -> std::io::Result<(Vec<Entry>, Vec<String>)> {
        let f = match std::fs::File::open(&self.path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok((vec![], vec![])),
            Err(e) => return Err(e),
        };
        let mut entries = Vec::new();
        let mut bad = Vec::new();
        for (n, line) in BufReader::new(f).lines().enumerate() {
            let line = line?;
            if line.trim().is_empty() {
                continue;
            }
            match serde_json::from_str(&line) {
                Ok(e) => entries.push(e),
                Err(e) => bad.push(format!("line {}: {e}", n + 1)),
            }
        }
        Ok((entries, bad))
    }
}

/// The journal entry for a reset (the CLI and the console write the same thing).
pub fn reset_entry(
    operator: &crate::graph::model::User,
    target_id: &str,
    target_upn: Option<&str>,
    o: &crate::graph::reset::ResetOutcome,
    ticket: Option<&str>,
    revoke: bool,
) -> Entry {
    use crate::graph::reset::ResetStatus;
    Entry {
        time: now(),
        action: "reset".into(),
        operator: Person {
            id: operator.id.clone(),
            user_principal_name: operator.user_principal_name.clone(),
        },
        target: Person {
            id: target_id.to_string(),
            user_principal_name: target_upn.map(str::to_string),
        },
        method: o.method.name().into(),
        options: Options {
            force_change: o.force_change,
            force_change_with_mfa: o.force_change_with_mfa,
            revoke_sessions: revoke,
            generated: o.generated,
        },
        ticket: ticket.filter(|t| !t.trim().is_empty()).map(str::to_string),
        outcome: match o.status {
            ResetStatus::Succeeded => "succeeded",
            ResetStatus::Failed => "failed",
            ResetStatus::Unconfirmed => "unconfirmed",
        }
        .into(),
        error: o
            .error
            .as_ref()
            .map(|e| {
                e.code()
                    .filter(|c| !c.is_empty())
                    .map(str::to_string)
                    .unwrap_or_else(|| "transport".into())
            })
            .or_else(|| o.detail.clone()),
        request_ids: o.request_ids.clone(),
        sessions_revoked: o.revoked.as_ref().map(|r| r.is_ok()),
    }
}

/// The entry recording that the audit log showed a reset made earlier.
pub fn confirmed_entry(
    operator: &crate::graph::model::User,
    target_id: &str,
    target_upn: &str,
) -> Entry {
    Entry {
        time: now(),
        action: "confirmed".into(),
        operator: Person {
            id: operator.id.clone(),
            user_principal_name: operator.user_principal_name.clone(),
        },
        target: Person {
            id: target_id.to_string(),
            user_principal_name: Some(target_upn.to_string()),
        },
        method: "audit".into(),
        options: Options {
            force_change: false,
            force_change_with_mfa: false,
            revoke_sessions: false,
            generated: false,
        },
        ticket: None,
        outcome: "confirmed".into(),
        error: None,
        request_ids: vec![],
        sessions_revoked: None,
    }
}

/// The configured journal, or the platform default.
pub fn open(configured: Option<&Path>) -> Option<Journal> {
    configured
        .map(Path::to_path_buf)
        .or_else(Journal::default_path)
        .map(Journal::at)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(outcome: &str) -> Entry {
        Entry {
            time: now(),
            action: "reset".into(),
            operator: Person {
                id: "op".into(),
                user_principal_name: Some("op@x".into()),
            },
            target: Person {
                id: "t".into(),
                user_principal_name: Some("t@x".into()),
            },
            method: "passwordProfile".into(),
            options: Options {
                force_change: true,
                force_change_with_mfa: false,
                revoke_sessions: false,
                generated: true,
            },
            ticket: Some("INC-42".into()),
            outcome: outcome.into(),
            error: None,
            request_ids: vec!["r1".into()],
            sessions_revoked: None,
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
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(j.path()).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
    }
}
