//! One loopback HTTP/1.1 server for the tests that need a peer the mock Hub
//! will not play: one that misbehaves on the socket (a body cut off, a
//! reset, a body that never ends, arbitrary bytes), or a relay in front of
//! another server.
//!
//! It listens on 127.0.0.1 (a free port), parses each request once (request
//! line, headers, a `Content-Length` body: all this SDK sends), records it
//! with its headers, and then either answers from a script, one [`Step`] per
//! request, or relays it to an upstream server.
//!
//! ```ignore
//! let server = LoopbackServer::start(
//!     [Step::Respond(Response::text(503, "busy"))],
//!     Step::Respond(Response::json(200, "[]")),
//! )
//! .await;
//! // ... a client against server.base_url() ...
//! assert_eq!(server.requests()[0].header("accept"), Some("application/json"));
//! ```
//!
//! Hand-written rather than a framework's server: the point is to break
//! HTTP in ways a framework will not.

use std::collections::VecDeque;
use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// Request heads longer than this are refused (no test needs more).
const MAX_HEAD_BYTES: usize = 64 * 1024;

/// A request as the server received it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    /// `GET`, `POST`, ...
    pub method: String,
    /// The request target as sent: a path with its query, or an absolute
    /// URL when the client talks to a proxy.
    pub target: String,
    /// `HTTP/1.1`.
    pub version: String,
    /// Every header, in order, names as sent.
    pub headers: Vec<(String, String)>,
    /// The body (`Content-Length` bytes).
    pub body: Vec<u8>,
}

impl Request {
    /// The first value of the header `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body as text (lossy).
    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The request on the wire again, with `Content-Length` set to the
    /// body's length (a relay may have changed the body).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = format!("{} {} {}\r\n", self.method, self.target, self.version);
        let mut has_length = false;
        for (name, value) in &self.headers {
            if name.eq_ignore_ascii_case("content-length") {
                has_length = true;
                out.push_str(&format!("{name}: {}\r\n", self.body.len()));
            } else {
                out.push_str(&format!("{name}: {value}\r\n"));
            }
        }
        if !has_length && !self.body.is_empty() {
            out.push_str(&format!("content-length: {}\r\n", self.body.len()));
        }
        out.push_str("\r\n");
        let mut bytes = out.into_bytes();
        bytes.extend_from_slice(&self.body);
        bytes
    }
}

/// Reads one request from `reader`; `buffer` keeps what was read past it
/// (the next request on a kept-alive connection). `Ok(None)` when the peer
/// closed the connection between requests.
pub async fn read_request<R: AsyncRead + Unpin>(
    reader: &mut R,
    buffer: &mut Vec<u8>,
) -> io::Result<Option<Request>> {
    let head_end = loop {
        if let Some(end) = find(buffer, b"\r\n\r\n") {
            break end + 4;
        }
        if buffer.len() > MAX_HEAD_BYTES {
            return Err(invalid(format!("request head over {MAX_HEAD_BYTES} bytes")));
        }
        if !read_more(reader, buffer).await? {
            return if buffer.is_empty() {
                Ok(None)
            } else {
                Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "connection closed inside a request head",
                ))
            };
        }
    };
    let head = String::from_utf8_lossy(&buffer[..head_end - 4]).into_owned();
    let mut lines = head.split("\r\n");
    let request_line = lines.next().unwrap_or_default();
    let mut parts = request_line.split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(invalid(format!("bad request line {request_line:?}")));
    };
    let headers = lines
        .map(|line| {
            line.split_once(':')
                .map(|(name, value)| (name.to_string(), value.trim().to_string()))
                .ok_or_else(|| invalid(format!("bad header line {line:?}")))
        })
        .collect::<io::Result<Vec<_>>>()?;
    let mut request = Request {
        method: method.to_string(),
        target: target.to_string(),
        version: version.to_string(),
        headers,
        body: Vec::new(),
    };
    if request.header("transfer-encoding").is_some() {
        return Err(invalid(
            "a Transfer-Encoding request body (this server reads Content-Length bodies only)",
        ));
    }
    let length = match request.header("content-length") {
        None => 0,
        Some(value) => value
            .parse::<usize>()
            .map_err(|_| invalid(format!("bad Content-Length {value:?}")))?,
    };
    while buffer.len() < head_end + length {
        if !read_more(reader, buffer).await? {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "connection closed inside a request body",
            ));
        }
    }
    request.body = buffer[head_end..head_end + length].to_vec();
    buffer.drain(..head_end + length);
    Ok(Some(request))
}

/// Appends what the next read brings; `false` at the end of the stream.
async fn read_more<R: AsyncRead + Unpin>(reader: &mut R, buffer: &mut Vec<u8>) -> io::Result<bool> {
    let mut chunk = [0u8; 8192];
    let n = reader.read(&mut chunk).await?;
    buffer.extend_from_slice(&chunk[..n]);
    Ok(n > 0)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn invalid(message: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message.into())
}

/// A response to write. `Content-Length` (from the body) and
/// `connection: close` are added unless the headers set them: set
/// `content-length` to claim a length the body does not have, or
/// `connection: keep-alive` to read another request on the connection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Response {
    /// The status code.
    pub status: u16,
    /// Headers, in order.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl Response {
    /// A response with no headers and no body.
    pub fn new(status: u16) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    /// An `application/json` response.
    pub fn json(status: u16, body: impl Into<Vec<u8>>) -> Self {
        Self::new(status).body("application/json", body)
    }

    /// A `text/plain` response.
    pub fn text(status: u16, body: impl Into<Vec<u8>>) -> Self {
        Self::new(status).body("text/plain", body)
    }

    /// Adds a header.
    pub fn header(mut self, name: &str, value: impl ToString) -> Self {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    /// Sets the body and its `Content-Type`.
    pub fn body(self, content_type: &str, body: impl Into<Vec<u8>>) -> Self {
        let mut response = self.header("content-type", content_type);
        response.body = body.into();
        response
    }

    fn has_header(&self, name: &str) -> bool {
        self.headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case(name))
    }

    fn keeps_alive(&self) -> bool {
        self.headers
            .iter()
            .any(|(n, v)| n.eq_ignore_ascii_case("connection") && !v.eq_ignore_ascii_case("close"))
    }

    /// The status line and headers, through the blank line.
    pub fn head(&self) -> Vec<u8> {
        let reason = http::StatusCode::from_u16(self.status)
            .ok()
            .and_then(|s| s.canonical_reason())
            .unwrap_or("Unknown");
        let mut out = format!("HTTP/1.1 {} {reason}\r\n", self.status);
        for (name, value) in &self.headers {
            out.push_str(&format!("{name}: {value}\r\n"));
        }
        if !self.has_header("content-length") && !self.has_header("transfer-encoding") {
            out.push_str(&format!("content-length: {}\r\n", self.body.len()));
        }
        if !self.has_header("connection") {
            out.push_str("connection: close\r\n");
        }
        out.push_str("\r\n");
        out.into_bytes()
    }

    /// The whole response on the wire.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut bytes = self.head();
        bytes.extend_from_slice(&self.body);
        bytes
    }
}

/// How a connection ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Close {
    /// An orderly close (FIN): the peer reads the end of the stream.
    Fin,
    /// A TCP reset (RST, by a zero `SO_LINGER`): the peer's next read fails
    /// with "connection reset".
    Reset,
}

/// What the server does with one request. Every step but a kept-alive
/// [`Step::Respond`] closes the connection afterwards.
#[derive(Clone, Debug)]
pub enum Step {
    /// Answer with this response.
    Respond(Response),
    /// Wait, then take the step (a slow answer).
    Delay(Duration, Box<Step>),
    /// Write the response's head and the first `body_bytes` of its body,
    /// then close.
    Cut {
        /// The response to cut.
        response: Response,
        /// How much of the body to send.
        body_bytes: usize,
        /// FIN or RST.
        close: Close,
    },
    /// Answer nothing: close with a reset.
    Reset,
    /// Write the response's head with `transfer-encoding: chunked`, then
    /// `piece` as a chunk over and over, for at most `give_up_after` (or
    /// until the peer goes away).
    Endless {
        /// The head to send (its body is ignored).
        response: Response,
        /// One chunk's bytes.
        piece: Vec<u8>,
        /// When the server stops writing.
        give_up_after: Duration,
    },
    /// Write these bytes as they are, then close (FIN).
    Raw(Vec<u8>),
    /// Write each piece as it is, pausing between them (so that the peer
    /// reads them as separate frames), then close (FIN).
    Trickle {
        /// The pieces, in order.
        pieces: Vec<Vec<u8>>,
        /// The pause after each piece.
        pause: Duration,
    },
}

impl Step {
    /// Waits `delay`, then takes `step`.
    pub fn slow(delay: Duration, step: Step) -> Self {
        Step::Delay(delay, Box::new(step))
    }

    /// This status and content type, and a body of `[`s that never ends
    /// (not valid JSON however far one reads), for 5 seconds at most.
    pub fn endless(status: u16, content_type: &str) -> Self {
        Step::Endless {
            response: Response::new(status).header("content-type", content_type),
            piece: b"[".repeat(8192),
            give_up_after: Duration::from_secs(5),
        }
    }

    /// Takes the step on `stream`; `Ok(true)` if the connection stays open
    /// for another request.
    async fn take(self, stream: &mut TcpStream) -> io::Result<bool> {
        match self {
            Step::Respond(response) => {
                stream.write_all(&response.to_bytes()).await?;
                if response.keeps_alive() {
                    return Ok(true);
                }
                stream.shutdown().await?;
            }
            Step::Delay(delay, step) => {
                tokio::time::sleep(delay).await;
                return Box::pin(step.take(stream)).await;
            }
            Step::Cut {
                response,
                body_bytes,
                close,
            } => {
                let mut bytes = response.head();
                bytes.extend_from_slice(&response.body[..body_bytes.min(response.body.len())]);
                stream.write_all(&bytes).await?;
                stream.flush().await?;
                end(stream, close).await?;
            }
            Step::Reset => end(stream, Close::Reset).await?,
            Step::Endless {
                response,
                piece,
                give_up_after,
            } => {
                let response = response.header("transfer-encoding", "chunked");
                stream.write_all(&response.head()).await?;
                let mut chunk = format!("{:x}\r\n", piece.len()).into_bytes();
                chunk.extend_from_slice(&piece);
                chunk.extend_from_slice(b"\r\n");
                let stop = Instant::now() + give_up_after;
                while Instant::now() < stop {
                    stream.write_all(&chunk).await?;
                }
            }
            Step::Raw(bytes) => {
                stream.write_all(&bytes).await?;
                stream.shutdown().await?;
            }
            Step::Trickle { pieces, pause } => {
                for piece in pieces {
                    stream.write_all(&piece).await?;
                    stream.flush().await?;
                    tokio::time::sleep(pause).await;
                }
                stream.shutdown().await?;
            }
        }
        Ok(false)
    }
}

async fn end(stream: &mut TcpStream, close: Close) -> io::Result<()> {
    match close {
        Close::Fin => stream.shutdown().await,
        // A zero linger turns the close (when the caller drops the stream)
        // into a reset, without blocking. `set_zero_linger` says the same
        // but needs tokio 1.50, and the manifest asks for any tokio 1.
        #[allow(deprecated)]
        Close::Reset => stream.set_linger(Some(Duration::ZERO)),
    }
}

struct State {
    requests: Vec<Request>,
    script: VecDeque<Step>,
    otherwise: Step,
}

/// A loopback HTTP/1.1 server; stops accepting when dropped.
pub struct LoopbackServer {
    addr: SocketAddr,
    state: Arc<Mutex<State>>,
    accept: JoinHandle<()>,
}

impl LoopbackServer {
    /// Answers the requests, in the order they arrive, with the steps of
    /// `script`, then every later one with `otherwise`.
    pub async fn start(script: impl IntoIterator<Item = Step>, otherwise: Step) -> Self {
        let state = Arc::new(Mutex::new(State {
            requests: Vec::new(),
            script: script.into_iter().collect(),
            otherwise,
        }));
        let shared = state.clone();
        Self::listen(state, move |stream| {
            let state = shared.clone();
            async move { answer(stream, state).await }
        })
        .await
    }

    /// Answers every request with `step`.
    pub async fn answering(step: Step) -> Self {
        Self::start([], step).await
    }

    /// Relays each connection to `upstream` (`host:port`) over an upstream
    /// connection of its own: every request is recorded as received, passed
    /// through `rewrite` and written upstream; the responses are copied back
    /// as they come, unparsed.
    pub async fn relay(
        upstream: &str,
        rewrite: impl Fn(&mut Request) + Send + Sync + 'static,
    ) -> Self {
        let state = Arc::new(Mutex::new(State {
            requests: Vec::new(),
            // A relay answers nothing itself: no script is ever read.
            script: VecDeque::new(),
            otherwise: Step::Reset,
        }));
        let shared = state.clone();
        let upstream = upstream.to_string();
        let rewrite = Arc::new(rewrite);
        Self::listen(state, move |stream| {
            let (state, upstream, rewrite) = (shared.clone(), upstream.clone(), rewrite.clone());
            async move { relay(stream, &upstream, state, &*rewrite).await }
        })
        .await
    }

    async fn listen<F, Fut>(state: Arc<Mutex<State>>, serve: F) -> Self
    where
        F: Fn(TcpStream) -> Fut + Send + 'static,
        Fut: std::future::Future<Output = io::Result<()>> + Send + 'static,
    {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind a loopback port");
        let addr = listener.local_addr().expect("the bound address");
        let accept = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let served = serve(stream);
                tokio::spawn(async move {
                    // The peer hanging up mid-step is routine in these
                    // tests; anything else is worth a line in the output.
                    if let Err(err) = served.await
                        && !matches!(
                            err.kind(),
                            io::ErrorKind::BrokenPipe | io::ErrorKind::ConnectionReset
                        )
                    {
                        eprintln!("loopback server: {err}");
                    }
                });
            }
        });
        Self {
            addr,
            state,
            accept,
        }
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Every request received so far, in order.
    pub fn requests(&self) -> Vec<Request> {
        self.state.lock().expect("state lock").requests.clone()
    }

    /// How many requests arrived so far.
    pub fn request_count(&self) -> usize {
        self.state.lock().expect("state lock").requests.len()
    }
}

impl Drop for LoopbackServer {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

async fn answer(mut stream: TcpStream, state: Arc<Mutex<State>>) -> io::Result<()> {
    let mut buffer = Vec::new();
    while let Some(request) = read_request(&mut stream, &mut buffer).await? {
        let step = {
            let mut state = state.lock().expect("state lock");
            state.requests.push(request);
            match state.script.pop_front() {
                Some(step) => step,
                None => state.otherwise.clone(),
            }
        };
        if !step.take(&mut stream).await? {
            break;
        }
    }
    Ok(())
}

async fn relay(
    client: TcpStream,
    upstream: &str,
    state: Arc<Mutex<State>>,
    rewrite: &(dyn Fn(&mut Request) + Send + Sync),
) -> io::Result<()> {
    let upstream = TcpStream::connect(upstream).await?;
    let (mut client_read, mut client_write) = client.into_split();
    let (mut upstream_read, mut upstream_write) = upstream.into_split();
    let back = tokio::spawn(async move {
        let _ = tokio::io::copy(&mut upstream_read, &mut client_write).await;
    });
    let mut buffer = Vec::new();
    let relayed = async {
        while let Some(mut request) = read_request(&mut client_read, &mut buffer).await? {
            state
                .lock()
                .expect("state lock")
                .requests
                .push(request.clone());
            rewrite(&mut request);
            upstream_write.write_all(&request.to_bytes()).await?;
        }
        Ok(())
    }
    .await;
    back.abort();
    relayed
}
