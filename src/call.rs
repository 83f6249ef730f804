//! Runs one generated call and turns whatever it returns into the facade's
//! [`Error`]: reads the Hub's plain-text error body (bounded), its
//! `Retry-After`, and keeps the plaintext key of a create response that does
//! not decode.

use std::future::{Future, poll_fn};

use bytes::Bytes;
use progenitor_client::{ByteStream, ResponseValue};

use crate::error::Error;
use crate::transport::{
    BodyProblem, BodyProblemKind, CallState, MAX_ERROR_BODY, parse_retry_after, with_call,
};
use crate::widget_keys::PublicKey;

/// A 2xx status that the spec does not list for the operation, with its body.
pub(crate) struct OtherSuccess {
    pub(crate) status: u16,
    pub(crate) body: Bytes,
}

/// What a call is, for error reports.
#[derive(Clone, Copy)]
pub(crate) struct Call {
    pub(crate) operation: &'static str,
    /// The documented success status.
    pub(crate) status: u16,
    /// Revoke is the one write that may be retried like a GET.
    pub(crate) idempotent: bool,
    /// Whether the success body carries data. Update and delete answer with
    /// a bare "Updated"/"Deleted": there the 2xx status is the answer, and a
    /// body that does not decode or breaks off must not turn a write that
    /// happened into an error the caller would retry.
    pub(crate) body_matters: bool,
}

impl Call {
    pub(crate) const fn new(operation: &'static str, status: u16) -> Self {
        Self {
            operation,
            status,
            idempotent: false,
            body_matters: true,
        }
    }

    /// A call whose success body carries nothing the caller needs.
    pub(crate) const fn status_only(operation: &'static str, status: u16) -> Self {
        Self {
            body_matters: false,
            ..Self::new(operation, status)
        }
    }

    /// Runs `future` (a generated method) under this call's retry state.
    pub(crate) async fn run<T, F>(self, future: F) -> Result<Result<T, OtherSuccess>, Error>
    where
        F: Future<Output = Result<ResponseValue<T>, progenitor_client::Error<ByteStream>>>,
    {
        let state = CallState::new(self.idempotent);
        let result = with_call(state.clone(), future).await;
        // A success whose body did not arrive whole is judged on what did.
        if let Some(problem) = state
            .body_problem()
            .filter(|p| (200..300).contains(&p.status))
        {
            return self.incomplete_success(&state, problem);
        }
        match result {
            Ok(value) => Ok(Ok(value.into_inner())),
            Err(err) => self.convert(&state, err).await,
        }
    }

    /// A 2xx whose body broke off, timed out or was too large.
    fn incomplete_success<T>(
        self,
        state: &CallState,
        problem: BodyProblem,
    ) -> Result<Result<T, OtherSuccess>, Error> {
        if !self.body_matters {
            // The status is the answer: the write happened.
            return Ok(Err(OtherSuccess {
                status: problem.status,
                body: problem.partial,
            }));
        }
        let text = String::from_utf8_lossy(&problem.partial);
        if let Some(key) = find_public_key(&text) {
            let what = match &problem.kind {
                BodyProblemKind::Broken(how) => format!("the body broke off: {how}"),
                BodyProblemKind::TimedOut => "the body did not arrive in time".to_string(),
                BodyProblemKind::TooLarge(limit) => {
                    format!("the body is larger than {limit} bytes")
                }
            };
            return Err(self
                .decode_error(problem.status, &what, &problem.partial)
                .with_key(key));
        }
        let attempts = state.attempts().max(1);
        Err(match problem.kind {
            BodyProblemKind::TimedOut => self.timeout(state),
            BodyProblemKind::TooLarge(limit) => Error::Transport {
                operation: self.operation,
                message: format!(
                    "the response body is larger than max_response_bytes ({limit}); raise it on the ClientBuilder if this is expected"
                ),
                attempts,
                source: None,
            },
            BodyProblemKind::Broken(how) => Error::Transport {
                operation: self.operation,
                message: format!("the connection broke while the response was read: {how}"),
                attempts,
                source: None,
            },
        })
    }

    async fn convert<T>(
        self,
        state: &CallState,
        err: progenitor_client::Error<ByteStream>,
    ) -> Result<Result<T, OtherSuccess>, Error> {
        use progenitor_client::Error as E;
        let attempts = state.attempts().max(1);
        Err(match err {
            E::ErrorResponse(value) => {
                let status = value.status().as_u16();
                let retry_after = parse_retry_after(value.headers());
                let request_id = request_id(value.headers());
                let mut stream = value.into_inner().into_inner();
                let mut body = Vec::new();
                while body.len() < MAX_ERROR_BODY {
                    let next = poll_fn(|cx| stream.as_mut().poll_next(cx)).await;
                    match next {
                        Some(Ok(chunk)) => body.extend_from_slice(&chunk),
                        _ => break,
                    }
                }
                self.api_error(status, &body, retry_after, attempts, request_id)
            }
            E::UnexpectedResponse(response) => {
                let status = response.status().as_u16();
                let retry_after = parse_retry_after(response.headers());
                let request_id = request_id(response.headers());
                // The transport already buffered the body (bounded).
                let body = response.bytes().await.unwrap_or_default();
                if (200..300).contains(&status) {
                    return Ok(Err(OtherSuccess { status, body }));
                }
                self.api_error(status, &body, retry_after, attempts, request_id)
            }
            // Both arise only after a documented success status matched.
            E::InvalidResponsePayload(..) | E::ResponseBodyError(..) if !self.body_matters => {
                return Ok(Err(OtherSuccess {
                    status: self.status,
                    body: Bytes::new(),
                }));
            }
            E::InvalidResponsePayload(body, err) => {
                self.decode_error(self.status, &err.to_string(), &body)
            }
            E::ResponseBodyError(err) => self.reqwest_error(state, err),
            E::CommunicationError(err) | E::InvalidUpgrade(err) => self.reqwest_error(state, err),
            E::InvalidRequest(problem) => Error::invalid("request", problem),
            E::Custom(message) => Error::Transport {
                operation: self.operation,
                message,
                attempts,
                source: None,
            },
        })
    }

    fn api_error(
        self,
        status: u16,
        body: &[u8],
        retry_after: Option<std::time::Duration>,
        attempts: u32,
        request_id: Option<String>,
    ) -> Error {
        let body = &body[..body.len().min(MAX_ERROR_BODY)];
        Error::Api {
            operation: self.operation,
            status,
            message: String::from_utf8_lossy(body).trim().to_string(),
            retry_after,
            attempts,
            request_id,
        }
    }

    /// A success body that does not decode; the key it may hold is kept.
    pub(crate) fn decode_error(self, status: u16, problem: &str, body: &[u8]) -> Error {
        let text = String::from_utf8_lossy(body);
        let public_key = find_public_key(&text);
        if let Some(key) = &public_key {
            tracing::warn!(
                operation = self.operation,
                "kataven: the create response did not decode, but it held the new key {key}: store it"
            );
        }
        let kept: String = text.chars().take(MAX_ERROR_BODY).collect();
        Error::Decode {
            operation: self.operation,
            status,
            problem: problem.to_string(),
            body: kept,
            public_key,
        }
    }

    fn reqwest_error(self, state: &CallState, err: reqwest::Error) -> Error {
        if err.is_timeout() {
            return self.timeout(state);
        }
        Error::Transport {
            operation: self.operation,
            message: describe(&err),
            attempts: state.attempts().max(1),
            source: Some(Box::new(err)),
        }
    }

    fn timeout(self, state: &CallState) -> Error {
        Error::Timeout {
            operation: self.operation,
            which: state.timeout().unwrap_or_else(|| "timeout".to_string()),
            attempts: state.attempts().max(1),
        }
    }
}

/// The Hub's request id, from `x-request-id` or `request-id`.
fn request_id(headers: &reqwest::header::HeaderMap) -> Option<String> {
    ["x-request-id", "request-id"]
        .iter()
        .find_map(|name| headers.get(*name)?.to_str().ok())
        .map(str::to_string)
}

/// The error and its causes in one line, e.g. `error sending request for url
/// (...): client error (Connect): tcp connect error: Connection refused`.
pub(crate) fn describe(err: &(dyn std::error::Error + 'static)) -> String {
    let mut message = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !message.contains(&text) {
            message.push_str(": ");
            message.push_str(&text);
        }
        source = cause.source();
    }
    message
}

/// Finds a plaintext `pk_live_...` key in a body that did not decode: the
/// `public_key` field if the body is JSON, else the first such token.
pub(crate) fn find_public_key(text: &str) -> Option<PublicKey> {
    if let Ok(serde_json::Value::Object(map)) = serde_json::from_str::<serde_json::Value>(text)
        && let Some(serde_json::Value::String(key)) = map.get("public_key")
        && key.starts_with("pk_live_")
    {
        return Some(PublicKey::from(key.clone()));
    }
    let start = text.find("pk_live_")?;
    let rest = &text[start..];
    let key: String = rest
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
        .collect();
    // A key that runs to the end of a cut-off body may itself be cut off:
    // claiming it would hand the user a wrong key.
    let terminated = rest.len() > key.len();
    (terminated && key.len() > "pk_live_".len()).then(|| PublicKey::from(key))
}

#[cfg(test)]
mod tests {
    use super::find_public_key;

    #[test]
    fn finds_the_key_in_json_text_and_truncated_bodies() {
        let json = r#"{"public_key":"pk_live_acme_abc123","id":5}"#;
        assert_eq!(
            find_public_key(json).map(|k| k.to_string()),
            Some("pk_live_acme_abc123".into())
        );
        let truncated = r#"{"id":"x","public_key":"pk_live_acme_Zz9","na"#;
        assert_eq!(
            find_public_key(truncated).map(|k| k.to_string()),
            Some("pk_live_acme_Zz9".into())
        );
        let renamed = r#"{"key":"pk_live_acme_q1"}"#;
        assert_eq!(
            find_public_key(renamed).map(|k| k.to_string()),
            Some("pk_live_acme_q1".into())
        );
        assert!(find_public_key("<html>oops</html>").is_none());
        assert!(find_public_key("pk_live_").is_none());
        // Cut inside the key: not claimed.
        assert!(find_public_key(r#"{"public_key":"pk_live_acme_Zz"#).is_none());
    }
}
