//! The one error type of the SDK, and the value a failed call may still
//! carry ([`ShownOnce`]). Nothing here knows which resource a call was for:
//! the resource hands its words (what a 404 means, what was lost) to the
//! call runner, which puts them here.

use std::fmt;
use std::time::Duration;

use crate::rotation::state::RotationState;
use crate::shown_once::ShownOnce;

/// A `Result` whose error is [`kataven::Error`](Error).
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in a call, in one type. It is kept under
/// 128 bytes, so that `Result<T, kataven::Error>` in your code does not trip
/// clippy's `result_large_err`.
///
/// Match on the variant, or use the helpers ([`status`](Error::status),
/// [`is_not_found`](Error::is_not_found), [`retry_after`](Error::retry_after),
/// [`request_id`](Error::request_id), ...). `Display` is one line that says
/// what happened and what to do; the underlying error, when there is one, is
/// [`source`](std::error::Error::source) and is not repeated in it. No
/// variant ever holds the API key or a JWT.
///
/// ```
/// # #[cfg(feature = "mock")] {
/// # async fn run() -> Result<(), kataven::Error> {
/// # let hub = kataven::mock::MockHub::start().await;
/// # let client = hub.client()?;
/// match client.widget_keys().delete("0b6f8e2a-4c1d-4e7b-9a3f-2d5c8e1f7a90").await {
///     Ok(()) => println!("deleted"),
///     Err(err) if err.is_not_found() => println!("already gone"),
///     Err(err) => return Err(err),
/// }
/// # Ok(()) }
/// # tokio::runtime::Runtime::new().unwrap().block_on(run()).unwrap();
/// # }
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
        request_id: Option<Box<str>>,
        /// What this status means for this operation, when the SDK knows
        /// (e.g. for a 404 on an id).
        hint: Option<&'static str>,
        /// For a write answered with a server error (5xx): the Hub may have
        /// applied it all the same, and what to do about that; see
        /// [`is_possibly_applied`](Error::is_possibly_applied).
        possibly_applied: Option<&'static str>,
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
        /// What failed, in the SDK's words (no secrets); the details are in
        /// the [`source`](std::error::Error::source).
        message: String,
        /// How many requests were made in all.
        attempts: u32,
        /// The underlying error.
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
        /// For a write whose request may have reached the Hub before the
        /// connection broke: that it may have been applied, and what to do
        /// about that; see [`is_possibly_applied`](Error::is_possibly_applied).
        possibly_applied: Option<&'static str>,
    },
    /// A timeout ran out before the Hub answered.
    #[non_exhaustive]
    Timeout {
        /// The operation.
        operation: &'static str,
        /// Which timeout, with its length, e.g. `total timeout of 30s`.
        which: String,
        /// How many requests were made in all.
        attempts: u32,
        /// For a write: the Hub may have received and applied it before the
        /// timeout ran out, and what to do about that; see
        /// [`is_possibly_applied`](Error::is_possibly_applied).
        possibly_applied: Option<&'static str>,
    },
    /// The Hub answered with success, but the body did not decode as the
    /// spec says, or did not arrive whole. The operation happened: for a
    /// create, the new key exists. Do not retry a write on this error.
    #[non_exhaustive]
    Decode {
        /// The operation.
        operation: &'static str,
        /// The HTTP status of the response.
        status: u16,
        /// What went wrong with the body, and what it means (e.g. that the
        /// key was created and how to find it).
        problem: String,
        /// The raw body, or what arrived of it (bounded in size, lossily UTF-8).
        body: String,
        /// A value the Hub shows only once that the body still held: store it.
        shown_once: Option<ShownOnce>,
        /// How many requests were made in all.
        attempts: u32,
        /// The Hub's id for the request (`x-request-id`).
        request_id: Option<Box<str>>,
    },
    /// A key's rotation did not finish: what the Hub holds now is
    /// [`state`](Error::rotation_state), and a rerun continues from it.
    /// A plaintext the failed step still recovered is in
    /// [`shown_once`](Error::shown_once) (and `public_key()` /
    /// `secret_key()`), as for a create.
    #[non_exhaustive]
    Rotation {
        /// The id of the key being rotated.
        key: String,
        /// What the Hub holds now, and what to do.
        state: RotationState,
        /// What stopped the rotation, in words.
        problem: String,
        /// The error of the call that failed, when one did.
        cause: Option<Box<Error>>,
    },
}

impl Error {
    pub(crate) fn invalid(field: &'static str, problem: impl Into<String>) -> Self {
        Error::InvalidInput {
            field,
            problem: problem.into(),
        }
    }

    /// The HTTP status of an API error (or of an undecodable success).
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api { status, .. } | Error::Decode { status, .. } => Some(*status),
            Error::Rotation { cause, .. } => cause.as_ref().and_then(|c| c.status()),
            _ => None,
        }
    }

    /// For a rotation that did not finish: what the Hub holds now.
    ///
    /// ```
    /// # async fn run(client: kataven::Client, id: kataven::WidgetKeyId) -> kataven::Result<()> {
    /// if let Err(err) = client.widget_keys().rotate(&id).await {
    ///     if let Some(state) = err.rotation_state() {
    ///         eprintln!("rotation stopped: {state}");
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    pub fn rotation_state(&self) -> Option<&RotationState> {
        match self {
            Error::Rotation { state, .. } => Some(state),
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

    /// 404: no such object (or it was deleted), or no such path.
    pub fn is_not_found(&self) -> bool {
        matches!(self, Error::Api { status: 404, .. })
    }

    /// 401: the API key or JWT is missing, wrong or expired.
    pub fn is_unauthorized(&self) -> bool {
        matches!(self, Error::Api { status: 401, .. })
    }

    /// 429: the account's rate limit was hit; see [`retry_after`](Error::retry_after).
    pub fn is_rate_limited(&self) -> bool {
        matches!(self, Error::Api { status: 429, .. })
    }

    /// Whether a timeout ran out before the Hub answered.
    pub fn is_timeout(&self) -> bool {
        matches!(self, Error::Timeout { .. })
    }

    /// Whether this failed write **may have taken effect** all the same: its
    /// request may have reached the Hub before the connection broke or a
    /// timeout ran out, or the Hub answered with a server error (5xx), which
    /// can come after the work was done. Do not simply retry it (for a
    /// create, that can mint a second key): look at the Hub's state first,
    /// as the error's message says. A write that provably never reached the
    /// Hub (the connection could not be made) is not possibly applied, and
    /// neither is a read. A write answered with success whose body broke
    /// ([`Error::Decode`]) *was* applied.
    ///
    /// ```
    /// # async fn run(client: kataven::Client) -> kataven::Result<()> {
    /// match client.widget_keys().create("acme.com production").await {
    ///     Ok(created) => println!("{}", created.public_key),
    ///     Err(err) if err.is_possibly_applied() => {
    ///         // A key may exist whose plaintext nobody has: find it by name.
    ///         let keys = client.widget_keys().list().await?;
    ///         for key in keys.iter().filter(|k| k.name == "acme.com production") {
    ///             println!("revoke {} if it is not yours", key.id);
    ///         }
    ///     }
    ///     Err(err) => return Err(err),
    /// }
    /// # Ok(()) }
    /// ```
    pub fn is_possibly_applied(&self) -> bool {
        matches!(
            self,
            Error::Api {
                possibly_applied: Some(_),
                ..
            } | Error::Transport {
                possibly_applied: Some(_),
                ..
            } | Error::Timeout {
                possibly_applied: Some(_),
                ..
            } | Error::Rotation {
                state: RotationState::ReplacementUnknown { .. },
                ..
            }
        )
    }

    /// 403: the caller may not do this (another account, or an operation
    /// that needs a person's session rather than an API key).
    pub fn is_forbidden(&self) -> bool {
        matches!(self, Error::Api { status: 403, .. })
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
            | Error::Timeout { attempts, .. }
            | Error::Decode { attempts, .. } => *attempts,
            Error::Rotation { cause, .. } => cause.as_ref().map_or(0, |c| c.attempts()),
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
            Error::Api { request_id, .. } | Error::Decode { request_id, .. } => {
                request_id.as_deref()
            }
            Error::Rotation { cause, .. } => cause.as_ref().and_then(|c| c.request_id()),
            _ => None,
        }
    }

    /// A value the Hub shows only once that a response still held although
    /// it did not decode (for a create: the new key's plaintext). Store it.
    pub fn shown_once(&self) -> Option<&ShownOnce> {
        match self {
            Error::Decode { shown_once, .. } => shown_once.as_ref(),
            Error::Rotation { cause, .. } => cause.as_ref().and_then(|c| c.shown_once()),
            _ => None,
        }
    }
}

fn note(possibly_applied: Option<&'static str>) -> String {
    possibly_applied
        .map(|n| format!("; {n}"))
        .unwrap_or_default()
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

fn request_id_note(f: &mut fmt::Formatter<'_>, request_id: &Option<Box<str>>) -> fmt::Result {
    match request_id {
        Some(id) => write!(f, " [request id {}]", one_line(id, 100)),
        None => Ok(()),
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
                hint,
                possibly_applied,
            } => {
                let reason = http::StatusCode::from_u16(*status)
                    .ok()
                    .and_then(|s| s.canonical_reason())
                    .unwrap_or("");
                write!(f, "{operation}: the Hub answered {status} {reason}")?;
                if !message.trim().is_empty() {
                    write!(f, ": {}", one_line(message, 300))?;
                }
                let hint = hint.or(match status {
                    401 => Some("check KATAVEN_API_KEY, or the JWT and its X-Account-ID"),
                    403 => Some("this account may not do this"),
                    404 => Some("no such path: check the base URL and its path prefix"),
                    _ => None,
                });
                if let Some(hint) = hint {
                    write!(f, " ({hint})")?;
                }
                if let Some(note) = possibly_applied {
                    write!(f, "; {note}")?;
                }
                if let Some(delay) = retry_after {
                    write!(f, "; retry after {}s", delay.as_secs())?;
                }
                f.write_str(&attempts_note(*attempts))?;
                request_id_note(f, request_id)
            }
            Error::InvalidInput { field, problem } => {
                write!(f, "invalid {field}: {problem} (nothing was sent)")
            }
            Error::Transport {
                operation,
                message,
                attempts,
                possibly_applied,
                ..
            } => write!(
                f,
                "{operation}: could not talk to the Hub: {message}{}{}",
                note(*possibly_applied),
                attempts_note(*attempts)
            ),
            Error::Timeout {
                operation,
                which,
                attempts,
                possibly_applied,
            } => write!(
                f,
                "{operation}: the {which} ran out{}{}",
                note(*possibly_applied),
                attempts_note(*attempts)
            ),
            Error::Decode {
                operation,
                status,
                problem,
                shown_once,
                attempts,
                request_id,
                ..
            } => {
                write!(
                    f,
                    "{operation}: the Hub answered {status}, but {}",
                    one_line(problem, 300)
                )?;
                if let Some(once) = shown_once {
                    match once.printable() {
                        Some(value) => write!(
                            f,
                            "; it held the new {} {}: store it now, the Hub will not show it again",
                            once.field(),
                            one_line(value, 200)
                        )?,
                        None => write!(
                            f,
                            "; it held the new {} (Error::shown_once has it): store it now, the Hub will not show it again",
                            once.field()
                        )?,
                    }
                }
                f.write_str(&attempts_note(*attempts))?;
                request_id_note(f, request_id)
            }
            // The failed call's own line is part of this one: it is what
            // stopped the rotation, and a caller printing one line needs it.
            Error::Rotation {
                key,
                state,
                problem,
                cause,
            } => {
                write!(f, "rotate {}: {problem}", one_line(key, 100))?;
                if let Some(cause) = cause {
                    write!(f, " ({cause})")?;
                }
                write!(f, "; {state}")
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
            // Display already holds the cause's line; its source is next.
            Error::Rotation {
                cause: Some(cause), ..
            } => cause.source(),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Error, ShownOnce};
    use crate::shown_once::OnceField;

    /// Small enough for clippy's `result_large_err` (128 bytes) in users' code.
    #[test]
    fn the_error_stays_small() {
        assert!(std::mem::size_of::<Error>() < 128);
    }

    #[test]
    fn a_secret_shown_once_is_kept_but_never_printed() {
        let decode = |once| Error::Decode {
            operation: "create_thing",
            status: 201,
            problem: "its body did not decode".into(),
            body: String::new(),
            shown_once: Some(once),
            attempts: 1,
            request_id: None,
        };
        static SECRET: OnceField = OnceField {
            name: "secret",
            prefix: "sk_live_",
            tail_field: "key_last8",
            printable: false,
        };
        static PUBLIC: OnceField = OnceField {
            name: "public_key",
            prefix: "pk_live_",
            tail_field: "key_last8",
            printable: true,
        };
        let secret = decode(ShownOnce::new(&SECRET, "sk_live_acme_S3CRET".into()));
        let shown = format!("{secret} {secret:?}");
        assert!(!shown.contains("S3CRET"), "{shown}");
        assert!(shown.contains("Error::shown_once"), "{shown}");
        assert_eq!(
            secret.shown_once().map(ShownOnce::value),
            Some("sk_live_acme_S3CRET")
        );
        let public = decode(ShownOnce::new(&PUBLIC, "pk_live_acme_PUB".into()));
        assert!(public.to_string().contains("pk_live_acme_PUB"));
    }
}
