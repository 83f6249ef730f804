//! The fault matrix: each of the four operations against each fault, over
//! real sockets. The shared loopback server (raw TCP, so it can misbehave
//! in ways an HTTP framework will not: reset mid-body, endless bodies) plays
//! the Hub, one request per connection. Each cell checks the outcome, the number of requests the server
//! received (this is how "never a duplicate create" is proven) and that the
//! call returned within its deadline.
//!
//! The same expectations render the table in `docs/reliability.md`; the
//! `matrix_doc_is_current` test fails when the two disagree (rewrite the doc
//! with `KATAVEN_BLESS=1 cargo test --test it faults::`).

use std::time::{Duration, Instant};

use crate::support::hub::quick_backoff;
use crate::support::loopback::{Close, LoopbackServer, Response, Step};

const ID: &str = "0b6f8e2a-4c1d-4e7b-9a3f-2d5c8e1f7a90";
const CREATED: &str = r#"{"id":"0b6f8e2a-4c1d-4e7b-9a3f-2d5c8e1f7a90","name":"k","key_last8":"Q7rT2xZ9","domain_allowlist":[],"agent_id":null,"created_at":"2026-11-02T09:15:27Z","updated_at":"2026-11-02T09:15:27Z","disabled_at":null,"last_used_at":null,"public_key":"pk_live_acme_3Jm9vXc2LpW8nKd4Q7rT2xZ9"}"#;
const ATTEMPT_TIMEOUT: Duration = Duration::from_millis(400);
const TOTAL_TIMEOUT: Duration = Duration::from_secs(3);
const MAX_RETRIES: u32 = 2;
const MAX_RESPONSE_BYTES: usize = 256 * 1024;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    List,
    Create,
    Update,
    Delete,
}

impl Op {
    const ALL: [Op; 4] = [Op::List, Op::Create, Op::Update, Op::Delete];
    fn name(self) -> &'static str {
        match self {
            Op::List => "list (GET)",
            Op::Create => "create (POST)",
            Op::Update => "update (PATCH)",
            Op::Delete => "delete (DELETE)",
        }
    }
    /// The good answer the server gives once its script of faults is used up.
    fn good_response(self) -> Response {
        match self {
            Op::List => Response::json(200, "[]"),
            Op::Create => Response::json(201, CREATED),
            Op::Update => Response::json(200, "\"Updated\""),
            Op::Delete => Response::json(200, "\"Deleted\""),
        }
    }
    async fn call(self, client: &kataven::Client) -> Result<(), kataven::Error> {
        let keys = client.widget_keys();
        match self {
            Op::List => keys.list().await.map(drop),
            Op::Create => keys.create("k").await.map(drop),
            Op::Update => keys.update(ID).name("renamed").await,
            Op::Delete => keys.delete(ID).await,
        }
    }
}

#[derive(Clone, Copy, Debug)]
enum Fault {
    ConnectionRefused,
    ResetMidBody,
    Status500,
    Status502,
    Status503,
    Status504,
    RateLimited,
    SlowerThanAttemptTimeout,
    TruncatedJson,
    InvalidJson,
    HtmlWith200,
    OversizedBody,
    RateLimitedNoRoomForAWrite,
    ClaimedTerabyte,
    BrokenBeforeTheKey,
    ResetBeforeAnswer,
}

impl Fault {
    const ALL: [Fault; 16] = [
        Fault::ConnectionRefused,
        Fault::ResetBeforeAnswer,
        Fault::ResetMidBody,
        Fault::Status500,
        Fault::Status502,
        Fault::Status503,
        Fault::Status504,
        Fault::RateLimited,
        Fault::SlowerThanAttemptTimeout,
        Fault::TruncatedJson,
        Fault::InvalidJson,
        Fault::HtmlWith200,
        Fault::OversizedBody,
        Fault::RateLimitedNoRoomForAWrite,
        Fault::ClaimedTerabyte,
        Fault::BrokenBeforeTheKey,
    ];
    fn name(self) -> &'static str {
        match self {
            Fault::ConnectionRefused => "connection refused",
            Fault::ResetBeforeAnswer => "connection reset after the request was read (once)",
            Fault::ResetMidBody => "connection reset mid-body (once)",
            Fault::Status500 => "500 (once)",
            Fault::Status502 => "502 (once)",
            Fault::Status503 => "503 (once)",
            Fault::Status504 => "504 (once)",
            Fault::RateLimited => "429 with Retry-After: 1 (once)",
            Fault::SlowerThanAttemptTimeout => "slower than the attempt timeout (once)",
            Fault::TruncatedJson => "truncated JSON with 2xx",
            Fault::InvalidJson => "invalid JSON with 2xx",
            Fault::HtmlWith200 => "HTML error page with 200",
            Fault::OversizedBody => "endless body with 200",
            Fault::RateLimitedNoRoomForAWrite => {
                "429 with Retry-After: 1 (once), 1.2 s total: no room for a write's whole attempt after it"
            }
            Fault::ClaimedTerabyte => {
                "2xx claiming a 1 TiB body, 2 bytes sent, no size limit (once)"
            }
            Fault::BrokenBeforeTheKey => {
                "2xx body cut early, closed (FIN): a create's before its key (once)"
            }
        }
    }

    /// The largest response body the cell's client accepts.
    fn max_response_bytes(self) -> usize {
        match self {
            // No limit: only the data that arrives may size the buffer.
            Fault::ClaimedTerabyte => usize::MAX,
            _ => MAX_RESPONSE_BYTES,
        }
    }

    /// The total timeout of the cell's client.
    fn total_timeout(self) -> Duration {
        match self {
            // The deadline leaves a read its retry but not a write, which
            // needs a whole attempt (ATTEMPT_TIMEOUT) after the wait.
            Fault::RateLimitedNoRoomForAWrite => Duration::from_millis(1200),
            _ => TOTAL_TIMEOUT,
        }
    }
    /// The server's script for this fault (faults that heal after one
    /// request are listed once); then it answers with `op.good_response()`.
    fn script(self, op: Op) -> Vec<Step> {
        let success = if op == Op::Create { 201 } else { 200 };
        let fault = |status| Step::Respond(Response::text(status, "fault"));
        match self {
            Fault::ConnectionRefused => vec![],
            Fault::ResetBeforeAnswer => vec![Step::Reset],
            // The headers and half the body, then a reset.
            Fault::ResetMidBody => {
                let response = op.good_response();
                let body_bytes = response.body.len() / 2;
                vec![Step::Cut {
                    response,
                    body_bytes,
                    close: Close::Reset,
                }]
            }
            Fault::Status500 => vec![fault(500)],
            Fault::Status502 => vec![fault(502)],
            Fault::Status503 => vec![fault(503)],
            Fault::Status504 => vec![fault(504)],
            Fault::RateLimited => vec![Step::Respond(
                Response::text(429, "fault").header("retry-after", 1),
            )],
            Fault::SlowerThanAttemptTimeout => vec![Step::slow(
                ATTEMPT_TIMEOUT * 2,
                Step::Respond(op.good_response()),
            )],
            Fault::TruncatedJson => {
                let body = match op {
                    Op::Create => &CREATED[..CREATED.len() - 1],
                    Op::List => "[{\"id\":\"0b6f",
                    _ => "\"Upd",
                };
                vec![Step::Respond(Response::json(success, body))]
            }
            Fault::InvalidJson => vec![Step::Respond(Response::json(success, "{not json"))],
            Fault::HtmlWith200 => vec![Step::Respond(Response::new(200).body(
                "text/html",
                "<html><body><h1>502 Bad Gateway</h1></body></html>",
            ))],
            // Bounded: the server gives up after a few seconds.
            Fault::OversizedBody => vec![Step::endless(success, "application/json")],
            Fault::RateLimitedNoRoomForAWrite => vec![Step::Respond(
                Response::text(429, "fault").header("retry-after", 1),
            )],
            // Memory follows what arrives, not what is claimed: two frames.
            Fault::ClaimedTerabyte => {
                let head = Response::new(success)
                    .header("content-type", "application/json")
                    .header("content-length", 1u64 << 40)
                    .head();
                vec![Step::Trickle {
                    pieces: vec![[head, b"[".to_vec()].concat(), b"[".to_vec()],
                    pause: Duration::from_millis(20),
                }]
            }
            Fault::BrokenBeforeTheKey => {
                let response = op.good_response();
                let body_bytes = (response.body.len() / 2).min(20);
                vec![Step::Cut {
                    response,
                    body_bytes,
                    close: Close::Fin,
                }]
            }
        }
    }
}

/// The outcome a cell expects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Outcome {
    /// Success, after this many requests.
    Ok(usize),
    /// An API error with this status after this many requests.
    Api(u16, usize),
    Transport(usize),
    Timeout(usize),
    /// A decode error; `true` if the plaintext key must be in it.
    Decode(bool, usize),
}

impl Outcome {
    fn requests(self) -> usize {
        match self {
            Outcome::Ok(n)
            | Outcome::Api(_, n)
            | Outcome::Transport(n)
            | Outcome::Timeout(n)
            | Outcome::Decode(_, n) => n,
        }
    }
    fn describe(self) -> String {
        let n = self.requests();
        let reqs = if n == 1 {
            "1 request".to_string()
        } else {
            format!("{n} requests")
        };
        match self {
            Outcome::Transport(0) => {
                format!("`Transport` after {} refused attempts", MAX_RETRIES + 1)
            }
            Outcome::Ok(_) => format!("ok after {reqs}"),
            Outcome::Api(status, _) => format!("`Api` {status}, {reqs}"),
            Outcome::Transport(_) => format!("`Transport`, {reqs}"),
            Outcome::Timeout(_) => format!("`Timeout`, {reqs}"),
            Outcome::Decode(true, _) => format!("`Decode` + key kept, {reqs}"),
            Outcome::Decode(false, _) => format!("`Decode`, {reqs}"),
        }
    }
}

/// The rules, cell by cell. GET retries transient failures; writes retry only
/// what never reached the Hub (connection refused) or a 429.
fn expected(op: Op, fault: Fault) -> Outcome {
    let all = MAX_RETRIES as usize + 1;
    let read = op == Op::List;
    let status_only = matches!(op, Op::Update | Op::Delete);
    match fault {
        // Refused every time: retried to the limit (no request reaches the server).
        Fault::ConnectionRefused => Outcome::Transport(0),
        // The request arrived, then the connection died: a read is retried,
        // a write may have happened and is not repeated.
        Fault::ResetBeforeAnswer if read => Outcome::Ok(2),
        Fault::ResetBeforeAnswer => Outcome::Transport(1),
        Fault::ResetMidBody if read => Outcome::Ok(2),
        // The write may have happened: not repeated. For update and delete the
        // 2xx status arrived, and it is the answer.
        Fault::ResetMidBody if status_only => Outcome::Ok(1),
        // The key was in the half that never came: nothing to keep, but the
        // 201 arrived, and the error says the key exists (never a retry).
        Fault::ResetMidBody => Outcome::Decode(false, 1),
        Fault::Status500 => Outcome::Api(500, 1),
        Fault::Status502 if read => Outcome::Ok(2),
        Fault::Status503 if read => Outcome::Ok(2),
        Fault::Status504 if read => Outcome::Ok(2),
        Fault::Status502 => Outcome::Api(502, 1),
        Fault::Status503 => Outcome::Api(503, 1),
        Fault::Status504 => Outcome::Api(504, 1),
        Fault::RateLimited => Outcome::Ok(2),
        Fault::SlowerThanAttemptTimeout if read => Outcome::Ok(2),
        Fault::SlowerThanAttemptTimeout => Outcome::Timeout(1),
        Fault::TruncatedJson | Fault::InvalidJson | Fault::HtmlWith200 if status_only => {
            Outcome::Ok(1)
        }
        Fault::TruncatedJson => Outcome::Decode(op == Op::Create, 1),
        Fault::InvalidJson | Fault::HtmlWith200 => Outcome::Decode(false, 1),
        Fault::OversizedBody if status_only => Outcome::Ok(1),
        // Too large for a read is a transport problem; for a create, the 201
        // says the key exists.
        Fault::OversizedBody if read => {
            let _ = all;
            Outcome::Transport(1)
        }
        Fault::OversizedBody => Outcome::Decode(false, 1),
        Fault::RateLimitedNoRoomForAWrite if read => Outcome::Ok(2),
        // The write ends with the 429 and its hint instead of a retry that
        // the deadline could cut short after the Hub acted.
        Fault::RateLimitedNoRoomForAWrite => Outcome::Api(429, 1),
        // A body that broke off: reads retry; update and delete have their
        // answer (the 2xx); a create's 201 says the key exists, no retry.
        Fault::ClaimedTerabyte | Fault::BrokenBeforeTheKey if read => Outcome::Ok(2),
        Fault::ClaimedTerabyte | Fault::BrokenBeforeTheKey if status_only => Outcome::Ok(1),
        Fault::ClaimedTerabyte | Fault::BrokenBeforeTheKey => Outcome::Decode(false, 1),
    }
}

/// Whether a failed cell must say that its write may have been applied: a
/// write whose request reached the Hub, and then no answer came (a broken
/// connection, a timeout) or a server error did.
fn possibly_applied(op: Op, fault: Fault) -> bool {
    let reached = matches!(
        fault,
        Fault::ResetBeforeAnswer
            | Fault::Status500
            | Fault::Status502
            | Fault::Status503
            | Fault::Status504
            | Fault::SlowerThanAttemptTimeout
    );
    op != Op::List && reached && !matches!(expected(op, fault), Outcome::Ok(_))
}

fn client(base_url: &str, fault: Fault) -> kataven::Client {
    quick_backoff(kataven::Client::builder())
        .api_key("sk_live_acme_faulttests")
        .base_url(base_url)
        .max_retries(MAX_RETRIES)
        .attempt_timeout(ATTEMPT_TIMEOUT)
        .total_timeout(fault.total_timeout())
        .max_response_bytes(fault.max_response_bytes())
        .max_retry_after(Duration::from_secs(2))
        .build()
        .unwrap()
}

fn check(
    op: Op,
    fault: Fault,
    result: &Result<(), kataven::Error>,
    requests: usize,
) -> Result<(), String> {
    let want = expected(op, fault);
    let got_kind = match result {
        Ok(()) => Outcome::Ok(requests),
        Err(err @ kataven::Error::Api { .. }) => Outcome::Api(err.status().unwrap_or(0), requests),
        Err(kataven::Error::Transport { .. }) => Outcome::Transport(requests),
        Err(kataven::Error::Timeout { .. }) => Outcome::Timeout(requests),
        Err(err @ kataven::Error::Decode { .. }) => {
            Outcome::Decode(err.public_key().is_some(), requests)
        }
        Err(other) => return Err(format!("unexpected error {other:?}")),
    };
    if got_kind != want {
        return Err(format!("expected {want:?}, got {got_kind:?} ({result:?})"));
    }
    if let Err(err) = result {
        let maybe = possibly_applied(op, fault);
        if err.is_possibly_applied() != maybe {
            return Err(format!(
                "is_possibly_applied: expected {maybe}, got {} ({err})",
                err.is_possibly_applied()
            ));
        }
        if maybe && op == Op::Create && !err.to_string().contains("may have been created") {
            return Err(format!("the message must say the key may exist: {err}"));
        }
        // Errors report every attempt they made (a refused connection counts).
        let attempts = if matches!(fault, Fault::ConnectionRefused) {
            MAX_RETRIES + 1
        } else {
            requests as u32
        };
        if err.attempts() != attempts {
            return Err(format!(
                "attempts: expected {attempts}, error says {}",
                err.attempts()
            ));
        }
        if let Some(key) = err.public_key() {
            if key.as_str() != "pk_live_acme_3Jm9vXc2LpW8nKd4Q7rT2xZ9" {
                return Err(format!("wrong key kept: {key}"));
            }
            if !err.to_string().contains("store it now") {
                return Err(format!(
                    "the message must tell the user to store the key: {err}"
                ));
            }
        }
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_operation_under_every_fault() {
    let mut failures = Vec::new();
    for fault in Fault::ALL {
        for op in Op::ALL {
            let started = Instant::now();
            let (result, requests) = if matches!(fault, Fault::ConnectionRefused) {
                let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
                let addr = listener.local_addr().unwrap();
                drop(listener);
                (op.call(&client(&format!("http://{addr}"), fault)).await, 0)
            } else {
                let server =
                    LoopbackServer::start(fault.script(op), Step::Respond(op.good_response()))
                        .await;
                let result = op.call(&client(&server.base_url(), fault)).await;
                (result, server.request_count())
            };
            let elapsed = started.elapsed();
            if let Err(problem) = check(op, fault, &result, requests) {
                failures.push(format!("{} × {}: {problem}", op.name(), fault.name()));
            }
            if elapsed > TOTAL_TIMEOUT + Duration::from_millis(500) {
                failures.push(format!(
                    "{} × {}: took {elapsed:?}, past the deadline",
                    op.name(),
                    fault.name()
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} cells failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Renders the matrix as Markdown, from `expected`.
fn matrix_markdown() -> String {
    let mut out = String::from("| fault | ");
    out.push_str(&Op::ALL.map(Op::name).join(" | "));
    out.push_str(" |\n|---|---|---|---|---|\n");
    for fault in Fault::ALL {
        out.push_str(&format!("| {} |", fault.name()));
        for op in Op::ALL {
            let applied = if possibly_applied(op, fault) {
                ", possibly applied"
            } else {
                ""
            };
            out.push_str(&format!(" {}{applied} |", expected(op, fault).describe()));
        }
        out.push('\n');
    }
    out
}

#[test]
fn matrix_doc_is_current() {
    const BEGIN: &str = "<!-- fault-matrix:begin (generated by tests/it/faults.rs) -->\n";
    const END: &str = "<!-- fault-matrix:end -->";
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/reliability.md");
    let doc = std::fs::read_to_string(path).expect("docs/reliability.md exists");
    let (Some(start), Some(end)) = (doc.find(BEGIN), doc.find(END)) else {
        panic!("docs/reliability.md lacks the fault-matrix markers");
    };
    let current = &doc[start + BEGIN.len()..end];
    let table = matrix_markdown();
    if current != table {
        if std::env::var_os("KATAVEN_BLESS").is_some() {
            let updated = format!("{}{BEGIN}{table}{}", &doc[..start], &doc[end..]);
            std::fs::write(path, updated).expect("docs/reliability.md is writable");
        } else {
            panic!(
                "docs/reliability.md's fault matrix is stale; run KATAVEN_BLESS=1 cargo test --test it faults::\n{table}"
            );
        }
    }
}
