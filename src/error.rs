//! The one error type of the SDK.

use std::fmt;
use std::time::Duration;

use crate::widget_keys::PublicKey;

/// A `Result` whose error is [`kataven::Error`](Error).
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in a call, in one type.
///
/// Match on the variant, or use the helpers ([`status`](Error::status),
/// [`is_not_found`](Error::is_not_found), [`retry_after`](Error::retry_after),
/// ...). `Display` is one line that says what happened and what to do. No
/// variant ever holds the API key or a JWT.
///
/// ```
/// # async fn run() -> Result<(), kataven::Error> {
/// # let hub = kataven::mock::MockHub::start().await;
/// # let client = kataven::Client::builder().api_key(hub.api_key()).base_url(hub.base_url()).build()?;
/// match client.widget_keys().delete("0b6f8e2a-4c1d-4e7b-9a3f-2d5c8e1f7a90").await {
///     Ok(()) => println!("deleted"),
///     Err(err) if err.is_not_found() => println!("already gone"),
///     Err(err) => return Err(err),
/// }
/// # Ok(()) }
/// # tokio::runtime::Runtime::new().unwrap().block_on(run()).unwrap();
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The Hub answered with an error status.
    #[non_exhaustive]
    Api {
        /// The operation, e.g. `create_widget_key`.
        operation: &'static str,
        /// The HTTP status, e.g. 404.
        status: u16,
        /// The Hub's plain-text message (bounded in size; may be empty).
        message: String,
        /// The `Retry-After` hint, when the Hub sent one (on 429).
        retry_after: Option<Duration>,
        /// How many requests were made in all.
        attempts: u32,
        /// The Hub's id for the request (`x-request-id`), to quote to support.
        request_id: Option<String>,
    },
    /// The input was refused before any request was sent.
    #[non_exhaustive]
    InvalidInput {
        /// The field or setting at fault, e.g. `name` or `base_url`.
        field: &'static str,
        /// What is wrong with it.
        problem: String,
    },
    /// The Hub could not be reached, or the connection broke.
    #[non_exhaustive]
    Transport {
        /// The operation, or `client` while building one.
        operation: &'static str,
        /// What failed (no secrets).
        message: String,
        /// How many requests were made in all.
        attempts: u32,
        /// The underlying error.
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },
    /// A timeout ran out.
    #[non_exhaustive]
    Timeout {
        /// The operation.
        operation: &'static str,
        /// Which timeout, with its length, e.g. `total timeout of 30s`.
        which: String,
        /// How many requests were made in all.
        attempts: u32,
    },
    /// The Hub answered with success, but the body did not decode as the
    /// spec says. For a create, the plaintext key is kept if the body held one.
    #[non_exhaustive]
    Decode {
        /// The operation.
        operation: &'static str,
        /// The HTTP status of the response.
        status: u16,
        /// What did not decode.
        problem: String,
        /// The raw body (bounded in size, lossily UTF-8).
        body: String,
        /// The `pk_live_` key found in a create response's body, if any:
        /// it is shown only once, so store it.
        public_key: Option<PublicKey>,
    },
}

impl Error {
    pub(crate) fn invalid(field: &'static str, problem: impl Into<String>) -> Self {
        Error::InvalidInput {
            field,
            problem: problem.into(),
        }
    }

    /// Puts the recovered key into a decode error.
    pub(crate) fn with_key(mut self, key: PublicKey) -> Self {
        if let Error::Decode { public_key, .. } = &mut self {
            *public_key = Some(key);
        }
        self
    }

    /// The HTTP status of an API error (or of an undecodable success).
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api { status, .. } | Error::Decode { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The Hub's message of an API error.
    pub fn message(&self) -> Option<&str> {
        match self {
            Error::Api { message, .. } => Some(message),
            _ => None,
        }
    }

    /// 404: no such widget key (or it was deleted).
    pub fn is_not_found(&self) -> bool {
        self.status() == Some(404)
    }

    /// 401: the API key or JWT is missing, wrong or expired.
    pub fn is_unauthorized(&self) -> bool {
        self.status() == Some(401)
    }

    /// 429: the account's rate limit was hit; see [`retry_after`](Error::retry_after).
    pub fn is_rate_limited(&self) -> bool {
        self.status() == Some(429)
    }

    /// Whether a timeout ran out.
    pub fn is_timeout(&self) -> bool {
        matches!(self, Error::Timeout { .. })
    }

    /// The `Retry-After` hint of the Hub, if it sent one.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Error::Api { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// How many requests were sent for the call (0 when the input was refused).
    pub fn attempts(&self) -> u32 {
        match self {
            Error::Api { attempts, .. }
            | Error::Transport { attempts, .. }
            | Error::Timeout { attempts, .. } => *attempts,
            Error::Decode { .. } => 1,
            Error::InvalidInput { .. } => 0,
        }
    }

    /// The Hub's id for the request that failed, from the response's
    /// `x-request-id` (or `request-id`) header: quote it to Kataven support.
    ///
    /// ```
    /// # fn show(err: &kataven::Error) {
    /// if let Some(id) = err.request_id() {
    ///     eprintln!("request id: {id}");
    /// }
    /// # }
    /// ```
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Error::Api { request_id, .. } => request_id.as_deref(),
            _ => None,
        }
    }

    /// The plaintext `pk_live_` key that a create response held although it
    /// did not decode. The Hub shows it only once: store it.
    pub fn public_key(&self) -> Option<&PublicKey> {
        match self {
            Error::Decode { public_key, .. } => public_key.as_ref(),
            _ => None,
        }
    }
}

fn attempts_note(attempts: u32) -> String {
    if attempts > 1 {
        format!(" (after {attempts} attempts)")
    } else {
        String::new()
    }
}

/// One line of at most `max` characters, for `Display`.
fn one_line(text: &str, max: usize) -> String {
    let flat: String = text
        .trim()
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if flat.chars().count() > max {
        let cut: String = flat.chars().take(max).collect();
        format!("{cut}…")
    } else {
        flat
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Api {
                operation,
                status,
                message,
                retry_after,
                attempts,
                request_id,
            } => {
                let reason = reqwest::StatusCode::from_u16(*status)
                    .ok()
                    .and_then(|s| s.canonical_reason())
                    .unwrap_or("");
                write!(f, "{operation}: the Hub answered {status} {reason}")?;
                if !message.trim().is_empty() {
                    write!(f, ": {}", one_line(message, 300))?;
                }
                let hint = match status {
                    401 => " (check KATAVEN_API_KEY, or the JWT and its X-Account-ID)",
                    403 => " (this account may not do this)",
                    404 => " (no widget key with this id in the account)",
                    _ => "",
                };
                f.write_str(hint)?;
                if let Some(delay) = retry_after {
                    write!(f, "; retry after {}s", delay.as_secs())?;
                }
                f.write_str(&attempts_note(*attempts))?;
                if let Some(id) = request_id {
                    write!(f, " [request id {}]", one_line(id, 100))?;
                }
                Ok(())
            }
            Error::InvalidInput { field, problem } => {
                write!(f, "invalid {field}: {problem} (nothing was sent)")
            }
            Error::Transport {
                operation,
                message,
                attempts,
                ..
            } => write!(
                f,
                "{operation}: could not talk to the Hub: {message}{}",
                attempts_note(*attempts)
            ),
            Error::Timeout {
                operation,
                which,
                attempts,
            } => write!(
                f,
                "{operation}: the {which} ran out{}",
                attempts_note(*attempts)
            ),
            Error::Decode {
                operation,
                status,
                problem,
                public_key,
                ..
            } => {
                write!(
                    f,
                    "{operation}: the Hub answered {status} but its body did not decode: {}",
                    one_line(problem, 300)
                )?;
                if let Some(key) = public_key {
                    write!(
                        f,
                        "; the body held the new widget key {key}: store it now, the Hub will not show it again"
                    )?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Transport {
                source: Some(source),
                ..
            } => Some(source.as_ref()),
            _ => None,
        }
    }
}
