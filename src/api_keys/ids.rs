//! The identifiers of an API key: its id, and its plaintext secret.
//! A leaf but for the id kit it is made of.

use std::fmt;

use secrecy::{ExposeSecret, SecretString};

use crate::id::{IdText, id_newtype, last8};

/// An API key's id (a UUID string), as the Hub returns it.
///
/// ```
/// use kataven::ApiKeyId;
///
/// let id = ApiKeyId::from("5d0c6f7e-2b1a-4c3d-8e9f-0a1b2c3d4e5f");
/// assert_eq!(id.as_str(), "5d0c6f7e-2b1a-4c3d-8e9f-0a1b2c3d4e5f");
/// let back: String = id.into();
/// ```
#[derive(Clone)]
pub struct ApiKeyId(IdText);
id_newtype!(ApiKeyId);

/// The plaintext API key, `sk_live_<account>_<secret>`: a **secret**, the
/// credential a server, an SDK or CI sends. The Hub shows it only once, at
/// creation: store it in your secret store.
///
/// Its `Debug` and `Display` never show the value, it has no serde form (so
/// that it cannot end up in a log or a cache by accident), and its memory is
/// zeroed when it is dropped. Ask for the value by name with
/// [`expose_secret`](Self::expose_secret), the [`secrecy`] convention.
///
/// ```
/// use kataven::ApiKeySecret;
///
/// let secret = ApiKeySecret::from("sk_live_acme_9fK2xLq7Vw3Zb8Yt1RmN4pQ8rS".to_string());
/// assert_eq!(secret.last8(), "mN4pQ8rS");
/// assert_eq!(format!("{secret}"), "[redacted]");
/// assert!(!format!("{secret:?}").contains("9fK2"));
/// let client = kataven::Client::builder().api_key(secret.expose_secret()).build();
/// ```
#[derive(Clone)]
pub struct ApiKeySecret(SecretString);

impl ApiKeySecret {
    /// The plaintext key, to store it or to authenticate with it.
    pub fn expose_secret(&self) -> &str {
        self.0.expose_secret()
    }

    /// Its last 8 characters, as [`ApiKey::key_last8`](super::ApiKey::key_last8)
    /// shows them: enough to tell keys apart, not to use one.
    pub fn last8(&self) -> &str {
        last8(self.0.expose_secret())
    }
}

impl From<String> for ApiKeySecret {
    fn from(value: String) -> Self {
        Self(SecretString::from(value))
    }
}

impl fmt::Debug for ApiKeySecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKeySecret([redacted])")
    }
}

impl fmt::Display for ApiKeySecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl PartialEq for ApiKeySecret {
    fn eq(&self, other: &Self) -> bool {
        self.expose_secret() == other.expose_secret()
    }
}

impl Eq for ApiKeySecret {}
