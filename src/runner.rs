//! Runs one generated call for a resource and returns one outcome: the
//! decoded value (or the success status), or an [`Error`] that says what
//! happened, with the attempts, the Hub's message and the request id.
//!
//! A resource describes each of its operations with an [`Operation`]: what a
//! 404 means there, whether the request may be repeated although its method
//! says otherwise, and, for a write that creates something, how to find a
//! value the Hub shows only once in a body that did not decode. Nothing here
//! knows which resource it runs for.

use std::future::Future;

use progenitor_client::{ByteStream, ClientInfo};
use serde::de::DeserializeOwned;

use crate::error::{Error, Result};
use crate::http::{Answer, BodyProblem, Bound, Failure, Reply, Step, Transport};
use crate::raw;
use crate::shown_once::{self, OnceField};
use crate::wire::{FromGenerated, decode_each};

/// A builder's `send()` future, boxed for its `IntoFuture` (whose type must
/// be named, and an `async fn`'s future cannot be on stable Rust). The
/// allocation is made first and the future written into it: `Box::pin(f)`
/// builds the future on the stack and copies all of it in, and a facade
/// call's future is several KB (the generated method's, reqwest's and the
/// timer's state); the copy was a measurable part of create's cost
/// (BENCHMARKS.md, "Instructions and allocations per call").
pub(crate) fn boxed_send<F: Future>(send: impl FnOnce() -> F) -> std::pin::Pin<Box<F>> {
    Box::into_pin(Box::write(Box::new_uninit(), send()))
}

/// What a generated method returns.
pub(crate) type Generated<T> =
    std::result::Result<progenitor_client::ResponseValue<T>, progenitor_client::Error<ByteStream>>;

/// How a resource's operation is judged.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Operation {
    /// Repeating the request can do no harm, although its method says
    /// otherwise (an idempotent write): it is retried like a read.
    pub(crate) repeatable: bool,
    /// What a 404 means for this operation, for the error message.
    pub(crate) not_found: Option<&'static str>,
    /// The value the Hub shows only once in this operation's answer (a new
    /// key), to look for in a success body that did not decode or did not
    /// arrive whole, and to keep out of the error when it is a secret.
    pub(crate) shown_once: Option<&'static OnceField>,
    /// What to tell the caller when a success body is lost and nothing was
    /// recovered (e.g. that the key exists and how to find it).
    pub(crate) lost_body: Option<&'static str>,
    /// What to tell the caller when a write may have been applied although
    /// it failed (it may have reached the Hub; see
    /// [`Error::is_possibly_applied`]): how to find out.
    pub(crate) possibly_applied: &'static str,
    /// What a 403 means for this operation when the caller used an API key
    /// (an operation that needs a person's session).
    pub(crate) forbidden_with_api_key: Option<&'static str>,
}

impl Operation {
    /// An operation with no special rules.
    pub(crate) const PLAIN: Operation = Operation {
        repeatable: false,
        not_found: None,
        shown_once: None,
        lost_body: None,
        possibly_applied: "the Hub may have applied it: check its state before retrying",
        forbidden_with_api_key: None,
    };
}

/// One call of a generated method, under the SDK's rules.
pub(crate) struct Call<'c> {
    operation: &'c Operation,
    /// A copy of the client whose transport keeps this call's attempts.
    raw: raw::Client,
}

impl<'c> Call<'c> {
    /// A call of `operation` on (a per-call copy of) `raw`.
    pub(crate) fn new(raw: &raw::Client, operation: &'c Operation) -> Self {
        // The fields themselves: the base URL is shared (an `Arc`, build.rs),
        // where `new_with_client` would copy it.
        Call {
            operation,
            raw: raw::Client {
                baseurl: raw.baseurl.clone(),
                client: raw.client.clone(),
                inner: raw.inner.for_call(operation.repeatable),
            },
        }
    }

    fn transport(&self) -> &Transport {
        self.raw.inner()
    }

    /// Runs `generated` (a generated method, called on the client it is
    /// given) once per attempt, until the attempts are over. The runner
    /// drives the retries, so that no request is copied in case one is
    /// needed (see `http/hooks.rs`); the generated method builds each
    /// request, the hooks send it.
    async fn attempts<'s, T, G, F>(&'s self, generated: G) -> Result<Reply>
    where
        G: Fn(&'s raw::Client) -> F,
        F: Future<Output = Generated<T>>,
    {
        loop {
            let result = generated(&self.raw).await;
            match self.transport().after_attempt().await {
                Step::Again => {}
                Step::Done(reply) => return Ok(reply),
                // The hook never ran: the request could not even be built.
                Step::NotSent => {
                    return Err(match result {
                        Err(err) => before_sending(err),
                        Ok(_) => Error::Transport {
                            operation: "request",
                            message: "no answer".to_string(),
                            attempts: 0,
                            source: None,
                            possibly_applied: None,
                        },
                    });
                }
            }
        }
    }

    /// Runs `generated` and returns its decoded body (through the generated
    /// type `T`) as the facade's `V`. Any 2xx status is success, also one the
    /// spec does not list, as long as the body decodes.
    pub(crate) async fn one<'s, T, V, G, F>(&'s self, generated: G) -> Result<V>
    where
        G: Fn(&'s raw::Client) -> F,
        F: Future<Output = Generated<T>>,
        T: DeserializeOwned,
        V: FromGenerated<T>,
    {
        let reply = self.attempts(generated).await?;
        self.decoded(reply, |body| {
            serde_json::from_slice::<T>(body).map(V::from_generated)
        })
    }

    /// Like [`one`](Self::one), for a generated method that returns a list:
    /// each element is decoded through the generated type and converted as
    /// it is read ([`decode_each`]).
    pub(crate) async fn list<'s, T, V, G, F>(&'s self, generated: G) -> Result<Vec<V>>
    where
        G: Fn(&'s raw::Client) -> F,
        F: Future<Output = Generated<Vec<T>>>,
        T: DeserializeOwned,
        V: FromGenerated<T>,
    {
        let reply = self.attempts(generated).await?;
        self.decoded(reply, decode_each::<V, T>)
    }

    /// Judges a call's reply whose success body is to be decoded by `decode`.
    fn decoded<V>(
        &self,
        reply: Reply,
        decode: impl FnOnce(&[u8]) -> serde_json::Result<V>,
    ) -> Result<V> {
        if let Some(origin) = &reply.redirected_to {
            return Err(self.redirected(&reply, origin));
        }
        let Reply {
            operation,
            attempts,
            bound,
            write,
            applied_earlier,
            answer,
            failure,
            ..
        } = reply;
        let write = Written {
            write,
            earlier: applied_earlier,
        };
        let Some(answer) = answer else {
            return Err(self.no_answer(operation, attempts, bound, write, failure));
        };
        if !answer.is_success() {
            return Err(self.api_error(operation, attempts, write, answer));
        }
        match &answer.problem {
            Some(problem) => Err(self.incomplete(operation, attempts, bound, &answer, problem)),
            None => decode(&answer.body).map_err(|e| {
                let problem = format!("its body did not decode: {e}");
                self.lost(operation, attempts, &answer, problem)
            }),
        }
    }

    /// Runs `generated` and returns the success status: for operations
    /// whose answer is the status alone ("Updated"), where a body that does
    /// not decode or breaks off after a 2xx must not turn a write that
    /// happened into an error the caller would retry.
    pub(crate) async fn status<'s, T, G, F>(&'s self, generated: G) -> Result<u16>
    where
        G: Fn(&'s raw::Client) -> F,
        F: Future<Output = Generated<T>>,
    {
        let reply = self.attempts(generated).await?;
        if let Some(origin) = &reply.redirected_to {
            return Err(self.redirected(&reply, origin));
        }
        let written = Written {
            write: reply.write,
            earlier: reply.applied_earlier,
        };
        match reply.answer {
            Some(answer) if answer.is_success() => Ok(answer.status),
            Some(answer) => Err(self.api_error(reply.operation, reply.attempts, written, answer)),
            None => Err(self.no_answer(
                reply.operation,
                reply.attempts,
                reply.bound,
                written,
                reply.failure,
            )),
        }
    }

    /// The caller's client followed a redirect: whatever came back is not
    /// the Hub's answer, and a write may have been applied where it went.
    fn redirected(&self, reply: &Reply, origin: &str) -> Error {
        Error::Transport {
            operation: reply.operation,
            message: format!(
                "the answer came from {origin} after a redirect, not from the URL sent; \
                 the SDK refuses it (build your reqwest client with redirect::Policy::none(), \
                 or start from Client::http_client_builder())"
            ),
            attempts: reply.attempts,
            source: None,
            possibly_applied: self.possibly_applied(
                Written {
                    write: reply.write,
                    earlier: reply.applied_earlier,
                },
                true,
            ),
        }
    }

    /// The note of a write that may have been applied: when its last
    /// attempt may have been (`maybe`), or an earlier one.
    fn possibly_applied(&self, written: Written, maybe: bool) -> Option<&'static str> {
        (written.write && (maybe || written.earlier)).then_some(self.operation.possibly_applied)
    }

    fn api_error(
        &self,
        operation: &'static str,
        attempts: u32,
        write: Written,
        answer: Answer,
    ) -> Error {
        let message = String::from_utf8_lossy(&answer.body).trim().to_string();
        Error::Api {
            operation,
            status: answer.status,
            message: self.transport().scrub(message),
            retry_after: answer.retry_after,
            attempts,
            request_id: self.request_id(&answer),
            hint: match answer.status {
                404 => self.operation.not_found,
                403 if self.transport().uses_api_key() => self.operation.forbidden_with_api_key,
                _ => None,
            },
            // A server error can come after the work was done (a gateway
            // timing out on a slow Hub, a failure after the write).
            possibly_applied: self.possibly_applied(write, answer.status >= 500),
        }
    }

    /// No response at all: the connection failed, broke or timed out. Only
    /// a connection that could not be made proves a write never reached the
    /// Hub; after any other failure it may have been applied.
    fn no_answer(
        &self,
        operation: &'static str,
        attempts: u32,
        bound: Bound,
        write: Written,
        failure: Option<Failure>,
    ) -> Error {
        let err = match failure {
            Some(Failure::Failed(err)) => err,
            Some(Failure::TimedOut) => {
                return Error::Timeout {
                    operation,
                    which: bound.to_string(),
                    attempts,
                    possibly_applied: self.possibly_applied(write, true),
                };
            }
            None => {
                return Error::Transport {
                    operation,
                    message: "no answer".to_string(),
                    attempts,
                    source: None,
                    possibly_applied: self.possibly_applied(write, true),
                };
            }
        };
        if err.is_timeout() {
            return Error::Timeout {
                operation,
                which: bound.to_string(),
                attempts,
                possibly_applied: self.possibly_applied(write, true),
            };
        }
        let (message, reached) = if err.is_connect() {
            ("the connection could not be made", false)
        } else if err.is_redirect() {
            (
                "the Hub answered with a redirect, which the SDK does not follow",
                true,
            )
        } else if err.is_builder() {
            ("the request could not be built", false)
        } else if err.is_request() {
            (
                "the connection failed while the request was sent or awaited its answer",
                true,
            )
        } else {
            ("the connection broke", true)
        };
        Error::Transport {
            operation,
            message: message.to_string(),
            attempts,
            source: Some(Box::new(err)),
            possibly_applied: self.possibly_applied(write, reached),
        }
    }

    /// A 2xx whose body broke off, timed out or was too large.
    fn incomplete(
        &self,
        operation: &'static str,
        attempts: u32,
        bound: Bound,
        answer: &Answer,
        problem: &BodyProblem,
    ) -> Error {
        let what = match problem {
            BodyProblem::Broken(how) => format!(
                "its body broke off after {} bytes ({how})",
                answer.body.len()
            ),
            BodyProblem::TimedOut => format!("its body did not arrive within the {bound}"),
            BodyProblem::TooLarge(limit) => format!(
                "its body is larger than max_response_bytes ({limit}); raise it on the ClientBuilder if this is expected"
            ),
        };
        let writes = self.operation.shown_once.is_some() || self.operation.lost_body.is_some();
        if writes {
            // The write happened: say so, and keep what the body held.
            return self.lost(operation, attempts, answer, what);
        }
        match problem {
            BodyProblem::TimedOut => Error::Timeout {
                operation,
                which: bound.to_string(),
                attempts,
                possibly_applied: None,
            },
            BodyProblem::Broken(_) | BodyProblem::TooLarge(_) => Error::Transport {
                operation,
                message: what,
                attempts,
                source: None,
                possibly_applied: None,
            },
        }
    }

    /// A success whose body cannot be used: the operation happened. Keeps
    /// whatever the resource can recover from what arrived.
    fn lost(
        &self,
        operation: &'static str,
        attempts: u32,
        answer: &Answer,
        problem: String,
    ) -> Error {
        let complete = answer.problem.is_none();
        let shown_once = self
            .operation
            .shown_once
            .and_then(|field| shown_once::find(field, &answer.body, complete));
        if let Some(once) = &shown_once {
            tracing::warn!(
                operation,
                field = once.field(),
                "kataven: the response did not decode, but it held a value the Hub shows only once: \
                 the error carries it (Error::shown_once); store it"
            );
        }
        // With nothing recovered, say what the loss means (the key exists).
        let problem = match (&shown_once, self.operation.lost_body) {
            (None, Some(note)) => format!("{problem}; {note}"),
            _ => problem,
        };
        let text = String::from_utf8_lossy(&answer.body);
        let kept: String = text.chars().take(crate::http::MAX_ERROR_BODY).collect();
        // What arrived of a secret (all of it, or the part before a cut)
        // stays out of the error, also out of a decoder's message that
        // quotes a value; the recovered value is kept apart.
        let redact = |text: String| match self.operation.shown_once {
            Some(field) => shown_once::redact(field, text),
            None => text,
        };
        Error::Decode {
            operation,
            status: answer.status,
            problem: self.transport().scrub(redact(problem)),
            body: self.transport().scrub(redact(kept)),
            shown_once,
            attempts,
            request_id: self.request_id(answer),
        }
    }

    fn request_id(&self, answer: &Answer) -> Option<Box<str>> {
        let id = answer.request_id.as_ref()?.to_str().ok()?;
        Some(self.transport().scrub(id.to_string()).into_boxed_str())
    }
}

/// What a call's attempts say about a write having been applied.
#[derive(Clone, Copy)]
struct Written {
    /// The request is a write (its method is not safe).
    write: bool,
    /// An attempt before the last may have been applied.
    earlier: bool,
}

/// An error from a generated method before anything was sent.
fn before_sending(err: progenitor_client::Error<ByteStream>) -> Error {
    match err {
        progenitor_client::Error::InvalidRequest(problem) => Error::invalid("request", problem),
        other => Error::Transport {
            operation: "request",
            message: other.to_string(),
            attempts: 0,
            source: None,
            possibly_applied: None,
        },
    }
}
