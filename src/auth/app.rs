//! Sign-in as an application (no user): `client-secret`, `client-certificate`,
//! `managed-identity` and `workload-identity`, each one of azure_identity's credentials on
//! our reqwest stack with azure_identity's retries off (its default retry waits about 80 s
//! on a dead network; `AzureCredential` adds the time budget).
//!
//! The certificate credential is ours, not azure_identity's (whose needs OpenSSL): a client
//! assertion signed with aws-lc-rs, rustls' own crypto, in the format Microsoft documents
//! (https://learn.microsoft.com/entra/identity-platform/certificate-credentials: PS256,
//! `x5t#S256`, `aud` the token endpoint, `iss` = `sub` = the client id, `jti`, `nbf`,
//! `exp`), handed to azure_identity's `ClientAssertionCredential`.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use azure_core::cloud::{CloudConfiguration, CustomConfiguration};
use azure_core::credentials::{Secret, TokenCredential};
use azure_core::http::{ClientOptions, RetryOptions, Transport};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::AuthError;

/// The environment variable `client-secret` reads the secret from.
pub const CLIENT_SECRET_VAR: &str = "RESETDESK_CLIENT_SECRET";

/// azure_identity requires an https authority. The simulator on loopback speaks http, so
/// its authority is named https and the transport takes the request back to http — for
/// 127.0.0.1 and localhost only, never for a remote host.
#[derive(Debug)]
struct LoopbackHttp {
    http: reqwest::Client,
    rewrite: bool,
}

#[async_trait::async_trait]
impl azure_core::http::HttpClient for LoopbackHttp {
    async fn execute_request(
        &self,
        request: &azure_core::http::Request,
    ) -> azure_core::Result<azure_core::http::AsyncRawResponse> {
        let loopback = matches!(
            request.url().host_str(),
            Some("127.0.0.1") | Some("localhost")
        );
        if self.rewrite && loopback && request.url().scheme() == "https" {
            let mut r = request.clone();
            let _ = r.url_mut().set_scheme("http");
            return self.http.execute_request(&r).await;
        }
        self.http.execute_request(request).await
    }
}

/// The authority as azure_identity wants it (https), and whether it is loopback http.
fn https_authority(authority: &str) -> Result<(String, bool), AuthError> {
    let url = url::Url::parse(authority)
        .map_err(|e| AuthError::NeedsConfig(format!("authority_url {authority}: {e}")))?;
    let loopback = matches!(url.host_str(), Some("127.0.0.1") | Some("localhost"));
    match url.scheme() {
        "https" => Ok((authority.trim_end_matches('/').to_string(), false)),
        "http" if loopback => Ok((
            authority
                .trim_end_matches('/')
                .replacen("http://", "https://", 1),
            true,
        )),
        _ => Err(AuthError::NeedsConfig(format!(
            "authority_url {authority} must be https (http only for a simulator on 127.0.0.1)"
        ))),
    }
}

/// Client options for every app credential: the authority, our reqwest, no retries.
fn client_options(authority: &str) -> Result<ClientOptions, AuthError> {
    let (host, rewrite) = https_authority(authority)?;
    let http = reqwest::Client::builder()
        .user_agent(concat!("resetdesk/", env!("CARGO_PKG_VERSION")))
        .redirect(reqwest::redirect::Policy::none())
        // A token endpoint answers in well under a second; a dead one fails fast.
        .connect_timeout(Duration::from_secs(5))
        .timeout(Duration::from_secs(10))
        .build()
        .map_err(|e| AuthError::NeedsConfig(format!("HTTP client: {e}")))?;
    let mut cloud = CustomConfiguration::default();
    cloud.authority_host = host;
    Ok(ClientOptions {
        cloud: Some(Arc::new(CloudConfiguration::Custom(cloud))),
        retry: RetryOptions::none(),
        transport: Some(Transport::new(Arc::new(LoopbackHttp { http, rewrite }))),
        ..Default::default()
    })
}

/// The tenant an app signs in to: an app has no "organizations" or "common".
fn app_tenant<'a>(method: &str, tenant: Option<&'a str>) -> Result<&'a str, AuthError> {
    match tenant {
        Some(t) if !matches!(t, "organizations" | "common" | "consumers") => Ok(t),
        _ => Err(AuthError::NeedsConfig(format!(
            "{method} signs in as an application, which needs its tenant: set tenant (config, RESETDESK_TENANT or --tenant) to the tenant id or its .onmicrosoft.com domain"
        ))),
    }
}

fn app_client_id<'a>(method: &str, client_id: Option<&'a str>) -> Result<&'a str, AuthError> {
    client_id.ok_or_else(|| {
        AuthError::NeedsConfig(format!(
            "{method} needs client_id: the application (client) id of the app registration (config file or RESETDESK_CLIENT_ID)"
        ))
    })
}

fn built(
    method: &str,
    r: azure_core::Result<Arc<impl TokenCredential + 'static>>,
) -> Result<Arc<dyn TokenCredential>, AuthError> {
    r.map(|c| c as Arc<dyn TokenCredential>).map_err(|e| {
        AuthError::NeedsConfig(format!(
            "{method}: {}",
            crate::sanitize::sanitize_line(&e.to_string(), 300)
        ))
    })
}

/// The inputs of an app credential, read once; `build` makes a fresh credential (a new
/// one is how a refused token is replaced: azure_identity caches tokens inside).
#[derive(Clone)]
pub enum AppCredential {
    Secret {
        tenant: String,
        client_id: String,
        secret: crate::secret::SecretString,
        authority: String,
    },
    Certificate {
        tenant: String,
        client_id: String,
        signer: Arc<CertificateSigner>,
        authority: String,
    },
    ManagedIdentity {
        client_id: Option<String>,
        authority: String,
    },
    WorkloadIdentity {
        tenant: Option<String>,
        client_id: Option<String>,
        authority: String,
    },
}

impl AppCredential {
    /// `client-secret`: the secret from `RESETDESK_CLIENT_SECRET` or a 0600 file.
    pub fn client_secret(
        tenant: Option<&str>,
        client_id: Option<&str>,
        secret_file: Option<&Path>,
        authority: &str,
    ) -> Result<AppCredential, AuthError> {
        let tenant = app_tenant("client-secret", tenant)?;
        let client_id = app_client_id("client-secret", client_id)?;
        let from_env = std::env::var(CLIENT_SECRET_VAR)
            .ok()
            .filter(|s| !s.trim().is_empty());
        let secret = match (from_env, secret_file) {
            (Some(s), _) => crate::secret::secret(s.trim().to_string()),
            (None, Some(path)) => {
                let text = read_private_file(path, "client_secret_file")?;
                crate::secret::secret(text.trim().to_string())
            }
            (None, None) => {
                let empty = std::env::var_os(CLIENT_SECRET_VAR).is_some();
                return Err(AuthError::NeedsConfig(format!(
                    "client-secret reads the secret from the environment variable {CLIENT_SECRET_VAR} or from client_secret_file (a file only you can read, mode 0600); {}",
                    if empty {
                        "the variable is empty and there is no file"
                    } else {
                        "neither is set"
                    }
                )));
            }
        };
        Ok(AppCredential::Secret {
            tenant: tenant.into(),
            client_id: client_id.into(),
            secret,
            authority: authority.into(),
        })
    }

    /// `client-certificate`: a PEM file holding the certificate and its RSA private key.
    pub fn client_certificate(
        tenant: Option<&str>,
        client_id: Option<&str>,
        certificate_file: Option<&Path>,
        authority: &str,
    ) -> Result<AppCredential, AuthError> {
        let tenant = app_tenant("client-certificate", tenant)?;
        let client_id = app_client_id("client-certificate", client_id)?;
        let path = certificate_file.ok_or_else(|| {
            AuthError::NeedsConfig(
                "client-certificate needs client_certificate_file: a PEM file with the certificate and its private key (mode 0600)".into(),
            )
        })?;
        let pem = read_private_file(path, "client_certificate_file")?;
        let (https, _) = https_authority(authority)?;
        let signer = CertificateSigner::from_pem(
            pem.as_bytes(),
            client_id,
            &format!("{https}/{tenant}/oauth2/v2.0/token"),
        )
        .map_err(|m| {
            AuthError::NeedsConfig(format!("client_certificate_file {}: {m}", path.display()))
        })?;
        Ok(AppCredential::Certificate {
            tenant: tenant.into(),
            client_id: client_id.into(),
            signer: Arc::new(signer),
            authority: authority.into(),
        })
    }

    pub fn build(&self) -> Result<Arc<dyn TokenCredential>, AuthError> {
        use crate::secret::ExposeSecret;
        match self {
            AppCredential::Secret {
                tenant,
                client_id,
                secret,
                authority,
            } => {
                let options = azure_identity::ClientSecretCredentialOptions {
                    client_options: client_options(authority)?,
                };
                built(
                    "client-secret",
                    azure_identity::ClientSecretCredential::new(
                        tenant,
                        client_id.clone(),
                        Secret::new(secret.expose_secret().to_string()),
                        Some(options),
                    ),
                )
            }
            AppCredential::Certificate {
                tenant,
                client_id,
                signer,
                authority,
            } => {
                let options = azure_identity::ClientAssertionCredentialOptions {
                    client_options: client_options(authority)?,
                };
                built(
                    "client-certificate",
                    azure_identity::ClientAssertionCredential::new(
                        tenant.clone(),
                        client_id.clone(),
                        SignedAssertion(signer.clone()),
                        Some(options),
                    ),
                )
            }
            AppCredential::ManagedIdentity {
                client_id,
                authority,
            } => {
                let options = azure_identity::ManagedIdentityCredentialOptions {
                    user_assigned_id: client_id
                        .clone()
                        .map(azure_identity::UserAssignedId::ClientId),
                    client_options: client_options(authority)?,
                };
                built(
                    "managed-identity",
                    azure_identity::ManagedIdentityCredential::new(Some(options)),
                )
            }
            AppCredential::WorkloadIdentity {
                tenant,
                client_id,
                authority,
            } => {
                let options = azure_identity::WorkloadIdentityCredentialOptions {
                    credential_options: azure_identity::ClientAssertionCredentialOptions {
                        client_options: client_options(authority)?,
                    },
                    client_id: client_id.clone(),
                    tenant_id: tenant.clone(),
                    ..Default::default()
                };
                built(
                    "workload-identity",
                    azure_identity::WorkloadIdentityCredential::new(Some(options)),
                )
            }
        }
    }
}

/// Reads a file that holds a secret, refusing one that others may read: a secret left
/// group- or world-readable is already exposed, and using it would hide that.
pub fn read_private_file(path: &Path, key: &str) -> Result<zeroize::Zeroizing<String>, AuthError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let meta = std::fs::metadata(path)
            .map_err(|e| AuthError::NeedsConfig(format!("{key} {}: {e}", path.display())))?;
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(AuthError::NeedsConfig(format!(
                "{key} {} is readable by others (mode {mode:o}); it holds a secret: `chmod 600 {}`, and replace the secret or certificate if others could have read it",
                path.display(),
                path.display()
            )));
        }
    }
    std::fs::read_to_string(path)
        .map(zeroize::Zeroizing::new)
        .map_err(|e| AuthError::NeedsConfig(format!("{key} {}: {e}", path.display())))
}

/// Signs client assertions with an app's certificate key.
pub struct CertificateSigner {
    key: aws_lc_rs::signature::RsaKeyPair,
    /// base64url SHA-256 of the certificate's DER (`x5t#S256`).
    thumbprint: String,
    client_id: String,
    /// The token endpoint: the assertion's audience.
    audience: String,
}

impl std::fmt::Debug for CertificateSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CertificateSigner")
            .field("thumbprint", &self.thumbprint)
            .finish_non_exhaustive()
    }
}

impl CertificateSigner {
    pub fn from_pem(
        pem: &[u8],
        client_id: &str,
        audience: &str,
    ) -> Result<CertificateSigner, String> {
        use rustls_pki_types::pem::PemObject;
        use rustls_pki_types::{CertificateDer, PrivateKeyDer};
        let cert = CertificateDer::pem_slice_iter(pem)
            .next()
            .ok_or("no CERTIFICATE block")?
            .map_err(|e| format!("the certificate cannot be read: {e}"))?;
        let key = PrivateKeyDer::from_pem_slice(pem)
            .map_err(|_| "no PRIVATE KEY block (the PEM must hold the certificate and its private key, unencrypted)")?;
        let key = match &key {
            PrivateKeyDer::Pkcs8(k) => aws_lc_rs::signature::RsaKeyPair::from_pkcs8(k.secret_pkcs8_der()),
            PrivateKeyDer::Pkcs1(k) => aws_lc_rs::signature::RsaKeyPair::from_der(k.secret_pkcs1_der()),
            _ => return Err("the private key is not an RSA key; Microsoft Entra certificate credentials are RSA".into()),
        }
        .map_err(|_| "the private key is not a usable RSA key (2048 bits or more)".to_string())?;
        let thumbprint = URL_SAFE_NO_PAD.encode(aws_lc_rs::digest::digest(
            &aws_lc_rs::digest::SHA256,
            cert.as_ref(),
        ));
        Ok(CertificateSigner {
            key,
            thumbprint,
            client_id: client_id.into(),
            audience: audience.into(),
        })
    }

    /// A fresh assertion, valid for ten minutes.
    pub fn assertion(&self) -> Result<String, String> {
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let header = serde_json::json!({"alg": "PS256", "typ": "JWT", "x5t#S256": self.thumbprint});
        let claims = serde_json::json!({
            "aud": self.audience, "iss": self.client_id, "sub": self.client_id,
            "jti": uuid::Uuid::new_v4().to_string(), "nbf": now, "iat": now, "exp": now + 600,
        });
        let signed = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let mut signature = vec![0; self.key.public_modulus_len()];
        self.key
            .sign(
                &aws_lc_rs::signature::RSA_PSS_SHA256,
                &aws_lc_rs::rand::SystemRandom::new(),
                signed.as_bytes(),
                &mut signature,
            )
            .map_err(|_| "signing the client assertion failed".to_string())?;
        Ok(format!("{signed}.{}", URL_SAFE_NO_PAD.encode(signature)))
    }
}

#[derive(Debug)]
struct SignedAssertion(Arc<CertificateSigner>);

#[async_trait::async_trait]
impl azure_identity::ClientAssertion for SignedAssertion {
    async fn secret(
        &self,
        _: Option<azure_core::http::ClientMethodOptions<'_>>,
    ) -> azure_core::Result<String> {
        self.0.assertion().map_err(|m| {
            azure_core::Error::with_message(azure_core::error::ErrorKind::Credential, m)
        })
    }
}
