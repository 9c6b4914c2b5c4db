//! Configuration: defaults < TOML file < `RESETDESK_*` environment < command line.
//!
//! Every key is validated while it is read so that an error can name the key and where
//! it came from (file and line, or environment variable, or option).

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

pub use crate::cloud::Cloud;
use crate::keymap::KeyOverrides;
use crate::theme::{ColorOverrides, ThemeName};

/// The resolved configuration the rest of the program uses.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    pub tenant: Option<String>,
    pub auth: AuthMethod,
    pub cloud: Cloud,
    pub client_id: Option<String>,
    /// `client-secret`: a file (mode 0600) holding the secret, when it is not in
    /// `RESETDESK_CLIENT_SECRET`.
    pub client_secret_file: Option<PathBuf>,
    /// `client-certificate`: a PEM file (mode 0600) with the certificate and its key.
    pub client_certificate_file: Option<PathBuf>,
    /// `browser-paste`: the port of the `http://localhost` redirect (and of the listener
    /// that an `ssh -L` forward reaches).
    pub redirect_port: u16,
    /// Graph base URL including the version segment, e.g. `https://graph.microsoft.com/v1.0`.
    pub graph_url: String,
    pub authority_url: String,
    pub timeout: Duration,
    pub max_attempts: u32,
    pub max_retry_wait: Duration,
    pub search_top: u32,
    /// No resets from this session: the action is hidden and explains itself.
    pub read_only: bool,
    pub theme: ThemeName,
    pub colors: ColorOverrides,
    pub keys: KeyOverrides,
    pub clipboard: ClipboardMode,
    pub clipboard_clear: Duration,
    pub password_length: usize,
    pub operation_timeout: Duration,
    pub journal_path: Option<PathBuf>,
    pub audit_poll: Duration,
    pub audit_lookback: Duration,
    pub audit_activities: Vec<String>,
    /// Where the file layer came from, if any (for messages and `doctor`).
    pub source_file: Option<PathBuf>,
    /// The `[profiles.NAME]` section in use (`--profile`, `:profile`).
    pub profile: Option<String>,
    /// Every profile the file defines.
    pub profiles: Vec<String>,
}

/// One layer of settings; `None` means "not set here".
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Layer {
    pub tenant: Option<NonEmpty>,
    pub auth: Option<AuthMethod>,
    pub cloud: Option<Cloud>,
    pub client_id: Option<NonEmpty>,
    pub client_secret_file: Option<NonEmpty>,
    pub client_certificate_file: Option<NonEmpty>,
    pub redirect_port: Option<Ranged<1024, 65535>>,
    pub graph_url: Option<BaseUrl>,
    pub authority_url: Option<BaseUrl>,
    pub timeout_secs: Option<Ranged<1, 600>>,
    pub max_attempts: Option<Ranged<1, 10>>,
    pub max_retry_wait_secs: Option<Ranged<0, 600>>,
    pub search_top: Option<Ranged<1, 999>>,
    pub read_only: Option<bool>,
    pub theme: Option<ThemeName>,
    pub colors: Option<ColorOverrides>,
    pub keys: Option<KeyOverrides>,
    pub clipboard: Option<ClipboardMode>,
    pub clipboard_clear_secs: Option<Ranged<0, 3600>>,
    pub password_length: Option<Ranged<12, 64>>,
    pub operation_timeout_secs: Option<Ranged<5, 900>>,
    pub journal_path: Option<NonEmpty>,
    pub audit_poll_secs: Option<Ranged<1, 3600>>,
    pub audit_lookback_secs: Option<Ranged<0, 86400>>,
    pub audit_activities: Option<Vec<NonEmpty>>,
    /// `[profiles.NAME]`: settings for one tenant (or one way of signing in), laid over
    /// the file's top level by `--profile NAME`.
    pub profiles: Option<std::collections::BTreeMap<String, Layer>>,
}

/// How a password reaches the admin's clipboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum ClipboardMode {
    /// The system clipboard when a display is reachable, else the terminal (OSC 52).
    #[default]
    Auto,
    Osc52,
    Native,
    Off,
}

/// Every key, with the environment variable that sets it.
pub const KEYS: &[&str] = &[
    "tenant",
    "auth",
    "cloud",
    "client_id",
    "client_secret_file",
    "client_certificate_file",
    "redirect_port",
    "graph_url",
    "authority_url",
    "timeout_secs",
    "max_attempts",
    "max_retry_wait_secs",
    "search_top",
    "read_only",
    "theme",
    "clipboard",
    "clipboard_clear_secs",
    "password_length",
    "operation_timeout_secs",
    "journal_path",
    "audit_poll_secs",
    "audit_lookback_secs",
    "audit_activities",
];

pub fn env_var_for(key: &str) -> String {
    format!("RESETDESK_{}", key.to_ascii_uppercase())
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ConfigError {
    #[error("config file {file}: line {line}: key `{key}`: {message}")]
    File {
        file: PathBuf,
        line: usize,
        key: String,
        message: String,
    },
    #[error("config file {file}: {message}")]
    Read { file: PathBuf, message: String },
    #[error("environment variable {var}: {message}")]
    Env { var: String, message: String },
    #[error("option --{option}: {message}")]
    Cli { option: String, message: String },
}

impl Layer {
    /// Parses a TOML document; errors name the file, line and key.
    pub fn from_toml(text: &str, file: &Path) -> Result<Layer, ConfigError> {
        toml::from_str::<Layer>(text).map_err(|e| {
            let (line, key) = match e.span() {
                Some(span) => locate(text, span.start),
                None => (0, String::new()),
            };
            ConfigError::File {
                file: file.to_path_buf(),
                line,
                key,
                message: e.message().to_string(),
            }
        })
    }

    /// Sets one key from its text form (environment or command line).
    pub fn set(&mut self, key: &str, raw: &str) -> Result<(), String> {
        fn parse<T: for<'de> Deserialize<'de>>(raw: &str) -> Result<T, String> {
            T::deserialize(serde::de::value::StrDeserializer::<serde::de::value::Error>::new(raw))
                .map_err(|e| e.to_string())
        }
        match key {
            "tenant" => self.tenant = Some(parse(raw)?),
            "auth" => self.auth = Some(parse(raw)?),
            "cloud" => self.cloud = Some(parse(raw)?),
            "client_id" => self.client_id = Some(parse(raw)?),
            "client_secret_file" => self.client_secret_file = Some(parse(raw)?),
            "client_certificate_file" => self.client_certificate_file = Some(parse(raw)?),
            "redirect_port" => self.redirect_port = Some(Ranged::parse_str(raw)?),
            "graph_url" => self.graph_url = Some(parse(raw)?),
            "authority_url" => self.authority_url = Some(parse(raw)?),
            "timeout_secs" => self.timeout_secs = Some(Ranged::parse_str(raw)?),
            "max_attempts" => self.max_attempts = Some(Ranged::parse_str(raw)?),
            "max_retry_wait_secs" => self.max_retry_wait_secs = Some(Ranged::parse_str(raw)?),
            "search_top" => self.search_top = Some(Ranged::parse_str(raw)?),
            "read_only" => {
                self.read_only = Some(match raw.trim() {
                    "true" | "1" | "yes" => true,
                    "false" | "0" | "no" => false,
                    other => return Err(format!("`{other}` is not true or false")),
                })
            }
            "theme" => self.theme = Some(parse(raw)?),
            "clipboard" => self.clipboard = Some(parse(raw)?),
            "clipboard_clear_secs" => self.clipboard_clear_secs = Some(Ranged::parse_str(raw)?),
            "password_length" => self.password_length = Some(Ranged::parse_str(raw)?),
            "operation_timeout_secs" => self.operation_timeout_secs = Some(Ranged::parse_str(raw)?),
            "journal_path" => self.journal_path = Some(parse(raw)?),
            "audit_poll_secs" => self.audit_poll_secs = Some(Ranged::parse_str(raw)?),
            "audit_lookback_secs" => self.audit_lookback_secs = Some(Ranged::parse_str(raw)?),
            // In the environment: a comma-separated list.
            "audit_activities" => {
                self.audit_activities = Some(
                    raw.split(',')
                        .map(|a| NonEmpty::try_from(a.trim().to_string()))
                        .collect::<Result<_, _>>()?,
                )
            }
            other => return Err(format!("unknown key `{other}`")),
        }
        Ok(())
    }

    /// Reads `RESETDESK_<KEY>` for every key.
    pub fn from_env(get: impl Fn(&str) -> Option<String>) -> Result<Layer, ConfigError> {
        let mut layer = Layer::default();
        for key in KEYS {
            let var = env_var_for(key);
            if let Some(raw) = get(&var) {
                layer
                    .set(key, &raw)
                    .map_err(|message| ConfigError::Env { var, message })?;
            }
        }
        Ok(layer)
    }

    /// Overlays `other` on `self`: what `other` sets wins.
    pub fn merge(mut self, other: Layer) -> Layer {
        macro_rules! take {
            ($($f:ident),*) => { $( if other.$f.is_some() { self.$f = other.$f; } )* };
        }
        take!(
            tenant,
            auth,
            cloud,
            client_id,
            client_secret_file,
            client_certificate_file,
            redirect_port,
            graph_url,
            authority_url,
            timeout_secs,
            max_attempts,
            max_retry_wait_secs,
            search_top,
            read_only,
            theme,
            colors,
            keys,
            clipboard,
            clipboard_clear_secs,
            password_length,
            operation_timeout_secs,
            journal_path,
            audit_poll_secs,
            audit_lookback_secs,
            audit_activities
        );
        self
    }

    /// The file's top level with profile `name` laid over it (no profile: the top level
    /// alone). An unknown name is an error that lists the known ones.
    pub fn with_profile(
        mut self,
        name: Option<&str>,
        file: Option<&Path>,
    ) -> Result<(Layer, Option<String>, Vec<String>), ConfigError> {
        let profiles = self.profiles.take().unwrap_or_default();
        let names: Vec<String> = profiles.keys().cloned().collect();
        if let Some((n, p)) = profiles.iter().find(|(_, p)| p.profiles.is_some()) {
            let _ = p;
            return Err(ConfigError::Read {
                file: file.map(Path::to_path_buf).unwrap_or_default(),
                message: format!("profile `{n}` holds profiles of its own; profiles do not nest"),
            });
        }
        let Some(name) = name else {
            return Ok((self, None, names));
        };
        match profiles.get(name) {
            Some(p) => Ok((self.merge(p.clone()), Some(name.to_string()), names)),
            None => Err(ConfigError::Cli {
                option: "profile".into(),
                message: format!(
                    "no profile `{name}` in {}; {}",
                    file.map(|f| f.display().to_string())
                        .unwrap_or_else(|| "the configuration (there is no config file)".into()),
                    if names.is_empty() {
                        "add a [profiles.NAME] section (README: Profiles)".to_string()
                    } else {
                        format!("known: {}", names.join(", "))
                    }
                ),
            }),
        }
    }

    pub fn resolve(self, source_file: Option<PathBuf>) -> Config {
        let cloud = self.cloud.unwrap_or_default();
        Config {
            tenant: self.tenant.map(|t| t.0),
            auth: self.auth.unwrap_or_default(),
            cloud,
            client_id: self.client_id.map(|c| c.0),
            client_secret_file: self.client_secret_file.map(|p| PathBuf::from(p.0)),
            client_certificate_file: self.client_certificate_file.map(|p| PathBuf::from(p.0)),
            redirect_port: self.redirect_port.map_or(8400, |p| p.0 as u16),
            graph_url: self
                .graph_url
                .map(|u| u.0)
                .unwrap_or_else(|| cloud.graph_base_url()),
            authority_url: self
                .authority_url
                .map(|u| u.0)
                .unwrap_or_else(|| cloud.login_authority().to_string()),
            timeout: Duration::from_secs(self.timeout_secs.map_or(30, |v| v.0)),
            max_attempts: self.max_attempts.map_or(5, |v| v.0 as u32),
            max_retry_wait: Duration::from_secs(self.max_retry_wait_secs.map_or(60, |v| v.0)),
            search_top: self.search_top.map_or(25, |v| v.0 as u32),
            read_only: self.read_only.unwrap_or(false),
            theme: self.theme.unwrap_or_default(),
            colors: self.colors.unwrap_or_default(),
            keys: self.keys.unwrap_or_default(),
            clipboard: self.clipboard.unwrap_or_default(),
            clipboard_clear: Duration::from_secs(self.clipboard_clear_secs.map_or(30, |v| v.0)),
            password_length: self.password_length.map_or(16, |v| v.0 as usize),
            operation_timeout: Duration::from_secs(
                self.operation_timeout_secs.map_or(120, |v| v.0),
            ),
            journal_path: self.journal_path.map(|p| PathBuf::from(p.0)),
            audit_poll: Duration::from_secs(self.audit_poll_secs.map_or(30, |v| v.0)),
            audit_lookback: Duration::from_secs(self.audit_lookback_secs.map_or(600, |v| v.0)),
            audit_activities: match self.audit_activities {
                Some(list) => list.into_iter().map(|a| a.0).collect(),
                None => DEFAULT_AUDIT_ACTIVITIES
                    .iter()
                    .map(|s| s.to_string())
                    .collect(),
            },
            source_file,
            profile: None,
            profiles: Vec::new(),
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Layer::default().resolve(None)
    }
}

/// The platform's default config path: `<config dir>/resetdesk/config.toml`.
pub fn default_path() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "resetdesk").map(|d| d.config_dir().join("config.toml"))
}

/// Loads the file layer. An explicit path must exist; the default path may be absent.
pub fn load_file(explicit: Option<&Path>) -> Result<(Layer, Option<PathBuf>), ConfigError> {
    let (path, required) = match explicit {
        Some(p) => (p.to_path_buf(), true),
        None => match default_path() {
            Some(p) => (p, false),
            None => return Ok((Layer::default(), None)),
        },
    };
    match read_config_text(&path) {
        Ok(text) => Ok((Layer::from_toml(&text, &path)?, Some(path))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !required => {
            Ok((Layer::default(), None))
        }
        Err(e) => Err(ConfigError::Read {
            file: path,
            message: e.to_string(),
        }),
    }
}

/// A configuration file is small text: anything else (`/dev/zero`, a FIFO, a directory, a
/// huge file) is refused before it is read, so a wrong `--config` fails at once.
pub const MAX_CONFIG_BYTES: u64 = 1024 * 1024;

fn read_config_text(path: &Path) -> std::io::Result<String> {
    use std::io::{Error, ErrorKind, Read};
    let meta = std::fs::metadata(path)?;
    if !meta.is_file() {
        return Err(Error::new(
            ErrorKind::InvalidInput,
            "not a regular file (a configuration file is a TOML text file)",
        ));
    }
    if meta.len() > MAX_CONFIG_BYTES {
        return Err(Error::new(
            ErrorKind::InvalidInput,
            format!("larger than {MAX_CONFIG_BYTES} bytes; this is not a configuration file"),
        ));
    }
    // The size is checked again while reading: the file may grow after the check.
    let mut text = String::new();
    std::fs::File::open(path)?
        .take(MAX_CONFIG_BYTES + 1)
        .read_to_string(&mut text)?;
    if text.len() as u64 > MAX_CONFIG_BYTES {
        return Err(Error::new(
            ErrorKind::InvalidInput,
            format!("larger than {MAX_CONFIG_BYTES} bytes; this is not a configuration file"),
        ));
    }
    Ok(text)
}

/// 1-based line of a byte offset, and the key written on that line (if any).
fn locate(text: &str, offset: usize) -> (usize, String) {
    let offset = offset.min(text.len());
    let line = text[..offset].matches('\n').count() + 1;
    let line_text = text.lines().nth(line - 1).unwrap_or("");
    let key = line_text
        .split_once('=')
        .map(|(k, _)| k.trim().trim_matches('"').to_string())
        .unwrap_or_default();
    (line, key)
}

/// A string that must not be empty.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(try_from = "String")]
pub struct NonEmpty(pub String);

impl TryFrom<String> for NonEmpty {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        if s.trim().is_empty() {
            Err("must not be empty".into())
        } else {
            Ok(NonEmpty(s))
        }
    }
}

/// An http(s) base URL without a trailing slash. Plain http is accepted only for loopback
/// hosts (the simulator): a bearer token must never cross a network unencrypted.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(try_from = "String")]
pub struct BaseUrl(pub String);

impl TryFrom<String> for BaseUrl {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        let url = url::Url::parse(&s).map_err(|e| format!("`{s}` is not a URL: {e}"))?;
        match url.scheme() {
            "https" => {}
            "http" if is_loopback(&url) => {}
            "http" => {
                return Err(format!(
                    "`{s}` uses plain http for a host that is not loopback; use https"
                ));
            }
            other => return Err(format!("`{s}`: scheme `{other}` is not http(s)")),
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(format!("`{s}` must not carry a query or fragment"));
        }
        Ok(BaseUrl(s.trim_end_matches('/').to_string()))
    }
}

pub fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d == "localhost",
        None => false,
    }
}

/// An integer in `MIN..=MAX`.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(try_from = "i64")]
pub struct Ranged<const MIN: u64, const MAX: u64>(pub u64);

impl<const MIN: u64, const MAX: u64> TryFrom<i64> for Ranged<MIN, MAX> {
    type Error = String;
    fn try_from(v: i64) -> Result<Self, String> {
        if v < MIN as i64 || v > MAX as i64 {
            Err(format!("{v} is out of range {MIN}..={MAX}"))
        } else {
            Ok(Ranged(v as u64))
        }
    }
}

impl<const MIN: u64, const MAX: u64> Ranged<MIN, MAX> {
    fn parse_str(raw: &str) -> Result<Self, String> {
        let v: i64 = raw
            .trim()
            .parse()
            .map_err(|_| format!("`{raw}` is not a whole number"))?;
        Self::try_from(v)
    }
}

/// How to sign in (`--auth`, `auth =`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum AuthMethod {
    AzureCli,
    /// The default: it works over SSH with no browser on the machine.
    #[default]
    DeviceCode,
    BrowserPaste,
    ClientSecret,
    ClientCertificate,
    ManagedIdentity,
    WorkloadIdentity,
    AccessToken,
}

impl AuthMethod {
    pub fn name(self) -> &'static str {
        match self {
            AuthMethod::AzureCli => "azure-cli",
            AuthMethod::DeviceCode => "device-code",
            AuthMethod::BrowserPaste => "browser-paste",
            AuthMethod::ClientSecret => "client-secret",
            AuthMethod::ClientCertificate => "client-certificate",
            AuthMethod::ManagedIdentity => "managed-identity",
            AuthMethod::WorkloadIdentity => "workload-identity",
            AuthMethod::AccessToken => "access-token",
        }
    }
}

/// Password activities followed in the audit log, by the services that log them
/// (research/graph-api.md §6, eligibility.md §10). Real tenants differ in the Core
/// Directory name of an admin reset ("Reset user password" or "Reset password"), so both
/// are here, and the list is configurable (`audit_activities`).
pub const DEFAULT_AUDIT_ACTIVITIES: &[&str] = &[
    "Reset password",
    "Reset user password",
    "Change user password",
    "Set force change user password",
    "Reset password (by admin)",
    "Reset password (self-service)",
    "Change password (self-service)",
    "Admin started password reset",
    "Admin registered security info",
];

#[cfg(test)]
mod tests {
    use super::*;

    fn file(text: &str) -> Result<Layer, ConfigError> {
        Layer::from_toml(text, Path::new("/etc/rd.toml"))
    }

    #[test]
    fn defaults_follow_the_cloud() {
        let c = Config::default();
        assert_eq!(c.graph_url, "https://graph.microsoft.com/v1.0");
        assert_eq!(c.auth, AuthMethod::DeviceCode);
        let mut l = Layer::default();
        l.set("cloud", "usgov").unwrap();
        let c = l.resolve(None);
        assert_eq!(c.graph_url, "https://graph.microsoft.us/v1.0");
        assert_eq!(c.authority_url, "https://login.microsoftonline.us");
    }

    #[test]
    fn unknown_key_names_file_line_and_key() {
        let err = file("tenant = \"contoso\"\n\ncolour = \"red\"\n").unwrap_err();
        match &err {
            ConfigError::File { line, key, .. } => {
                assert_eq!(*line, 3);
                assert_eq!(key, "colour");
            }
            other => panic!("{other:?}"),
        }
        let text = err.to_string();
        assert!(
            text.contains("/etc/rd.toml") && text.contains("line 3"),
            "{text}"
        );
    }

    #[test]
    fn bad_value_names_the_key() {
        let err = file("timeout_secs = 0\n").unwrap_err().to_string();
        assert!(
            err.contains("timeout_secs") && err.contains("line 1"),
            "{err}"
        );
        let err = file("auth = \"password\"\n").unwrap_err().to_string();
        assert!(err.contains("`auth`"), "{err}");
        let err = file("graph_url = \"http://graph.example.com/v1.0\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("plain http"), "{err}");
    }

    #[test]
    fn precedence_defaults_file_env_cli() {
        let f = file("tenant = \"from-file\"\ntimeout_secs = 10\nsearch_top = 50\n").unwrap();
        let env = Layer::from_env(|v| match v {
            "RESETDESK_TIMEOUT_SECS" => Some("20".into()),
            "RESETDESK_TENANT" => Some("from-env".into()),
            _ => None,
        })
        .unwrap();
        let mut cli = Layer::default();
        cli.set("tenant", "from-cli").unwrap();
        let c = f.merge(env).merge(cli).resolve(None);
        assert_eq!(c.tenant.as_deref(), Some("from-cli"));
        assert_eq!(c.timeout, Duration::from_secs(20));
        assert_eq!(c.search_top, 50);
        assert_eq!(c.max_attempts, 5);
    }

    #[test]
    fn bad_env_value_names_the_variable() {
        let err = Layer::from_env(|v| (v == "RESETDESK_MAX_ATTEMPTS").then(|| "many".into()))
            .unwrap_err();
        assert!(err.to_string().contains("RESETDESK_MAX_ATTEMPTS"), "{err}");
    }

    #[test]
    fn loopback_http_is_allowed_and_trailing_slash_trimmed() {
        let mut l = Layer::default();
        l.set("graph_url", "http://127.0.0.1:4000/v1.0/").unwrap();
        assert_eq!(l.resolve(None).graph_url, "http://127.0.0.1:4000/v1.0");
    }

    #[test]
    fn example_config_documents_every_key_and_parses() {
        let text = include_str!("../config.example.toml");
        for key in KEYS {
            assert!(
                text.contains(&format!("# {key} =")) || text.contains(&format!("\n{key} =")),
                "config.example.toml lacks {key}"
            );
        }
        assert!(text.contains("# [colors]") && text.contains("# [keys]"));
        // The example with every commented setting switched on must be a valid config.
        let setting = |r: &str| {
            let name = r.split(" = ").next().unwrap_or("");
            (r.contains(" = ")
                && !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c == '_' || c == '-'))
                || (r.starts_with('[') && r.ends_with(']'))
        };
        let uncommented: String = text
            .lines()
            .map(|l| l.strip_prefix("# ").filter(|r| setting(r)).unwrap_or(l))
            .collect::<Vec<_>>()
            .join("\n");
        let layer = file(&uncommented).unwrap();
        assert!(layer.colors.is_some() && layer.keys.is_some());
    }
}
