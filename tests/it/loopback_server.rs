//! The shared loopback server (`tests/support/loopback.rs`) itself: what it
//! parses and records, and what each script step puts on the wire, seen
//! from a raw socket.

use std::io;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::support::loopback::{Close, LoopbackServer, Response, Step, read_request};

/// Sends `request` in pieces of `piece` bytes (so the parser sees it
/// arrive split), then reads until the server closes. Returns what arrived
/// and how the stream ended.
async fn exchange(
    server: &LoopbackServer,
    request: &[u8],
    piece: usize,
) -> (Vec<u8>, io::Result<()>) {
    let mut stream = TcpStream::connect(server.addr()).await.unwrap();
    for part in request.chunks(piece) {
        stream.write_all(part).await.unwrap();
        stream.flush().await.unwrap();
    }
    let mut received = Vec::new();
    let ended = stream.read_to_end(&mut received).await.map(drop);
    (received, ended)
}

const POST: &[u8] = b"POST /api/v1/widget-keys?x=1 HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Trace: a: b\r\ncontent-length: 13\r\n\r\n{\"name\":\"k\"}\n";

#[tokio::test]
async fn records_each_request_and_answers_from_the_script_then_otherwise() {
    let server = LoopbackServer::start(
        [Step::Respond(
            Response::text(503, "busy").header("retry-after", 1),
        )],
        Step::Respond(Response::json(200, "[]")),
    )
    .await;

    let (first, ended) = exchange(&server, POST, 7).await;
    ended.unwrap();
    assert_eq!(
        String::from_utf8(first).unwrap(),
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: text/plain\r\nretry-after: 1\r\ncontent-length: 4\r\nconnection: close\r\n\r\nbusy"
    );
    for _ in 0..2 {
        let (later, ended) = exchange(&server, b"GET / HTTP/1.1\r\n\r\n", 100).await;
        ended.unwrap();
        assert!(later.starts_with(b"HTTP/1.1 200 OK\r\n"));
        assert!(later.ends_with(b"\r\n\r\n[]"));
    }

    let requests = server.requests();
    assert_eq!(server.request_count(), 3);
    let post = &requests[0];
    assert_eq!(
        (
            post.method.as_str(),
            post.target.as_str(),
            post.version.as_str()
        ),
        ("POST", "/api/v1/widget-keys?x=1", "HTTP/1.1")
    );
    assert_eq!(post.header("HOST"), Some("127.0.0.1"));
    assert_eq!(post.header("x-trace"), Some("a: b"));
    assert_eq!(post.body_text(), "{\"name\":\"k\"}\n");
    assert_eq!(
        post.to_bytes(),
        POST,
        "a request is written back as it came"
    );
    assert_eq!(requests[1].method, "GET");
    assert!(requests[1].body.is_empty());
}

#[tokio::test]
async fn a_keep_alive_response_reads_the_next_request_on_the_connection() {
    let server = LoopbackServer::start(
        [Step::Respond(
            Response::json(200, "1").header("connection", "keep-alive"),
        )],
        Step::Respond(Response::json(200, "2")),
    )
    .await;
    let two = [POST, b"GET /second HTTP/1.1\r\n\r\n"].concat();
    let (received, ended) = exchange(&server, &two, two.len()).await;
    ended.unwrap();
    let text = String::from_utf8(received).unwrap();
    assert!(
        text.contains("content-length: 1\r\n\r\n1HTTP/1.1 200 OK\r\n"),
        "{text}"
    );
    assert!(text.ends_with("connection: close\r\n\r\n2"), "{text}");
    let targets: Vec<_> = server.requests().into_iter().map(|r| r.target).collect();
    assert_eq!(targets, ["/api/v1/widget-keys?x=1", "/second"]);
}

#[tokio::test]
async fn a_cut_body_ends_in_a_fin_or_a_reset() {
    let response = Response::json(201, r#"{"public_key":"pk_live_acme_x"}"#);
    let whole = response.to_bytes();
    let cut_at = whole.len() - response.body.len() + 5;

    let server = LoopbackServer::answering(Step::Cut {
        response: response.clone(),
        body_bytes: 5,
        close: Close::Fin,
    })
    .await;
    let (received, ended) = exchange(&server, POST, POST.len()).await;
    ended.unwrap();
    assert_eq!(received, whole[..cut_at]);

    let server = LoopbackServer::answering(Step::Cut {
        response,
        body_bytes: 5,
        close: Close::Reset,
    })
    .await;
    let (received, ended) = exchange(&server, POST, POST.len()).await;
    assert_eq!(
        ended.unwrap_err().kind(),
        io::ErrorKind::ConnectionReset,
        "a reset, not an orderly end"
    );
    assert!(whole[..cut_at].starts_with(&received));
}

#[tokio::test]
async fn a_reset_answers_nothing() {
    let server = LoopbackServer::answering(Step::Reset).await;
    let (received, ended) = exchange(&server, POST, POST.len()).await;
    assert_eq!(ended.unwrap_err().kind(), io::ErrorKind::ConnectionReset);
    assert!(received.is_empty());
    assert_eq!(server.request_count(), 1, "the request was read first");
}

#[tokio::test]
async fn a_slow_answer_comes_after_its_delay() {
    let delay = Duration::from_millis(300);
    let server =
        LoopbackServer::answering(Step::slow(delay, Step::Respond(Response::new(204)))).await;
    let started = Instant::now();
    let (received, ended) = exchange(&server, POST, POST.len()).await;
    ended.unwrap();
    assert!(started.elapsed() >= delay);
    assert!(received.starts_with(b"HTTP/1.1 204 No Content\r\n"));
}

#[tokio::test]
async fn an_endless_body_keeps_coming_in_chunks() {
    let server = LoopbackServer::answering(Step::endless(200, "application/json")).await;
    let mut stream = TcpStream::connect(server.addr()).await.unwrap();
    stream.write_all(POST).await.unwrap();
    let mut received = Vec::new();
    let mut chunk = [0u8; 65536];
    while received.len() < 1 << 20 {
        let n = stream.read(&mut chunk).await.unwrap();
        assert!(n > 0, "the body ended after {} bytes", received.len());
        received.extend_from_slice(&chunk[..n]);
    }
    let text = String::from_utf8_lossy(&received);
    assert!(
        text.starts_with("HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n2000\r\n[[["),
        "{}",
        &text[..200]
    );
    assert!(!text.contains("content-length"));
}

#[tokio::test]
async fn raw_bytes_go_out_as_they_are() {
    // A head that claims more body than there is.
    let raw = b"HTTP/1.1 201 Created\r\ncontent-length: 1000000\r\n\r\n{\"id\":".to_vec();
    let server = LoopbackServer::answering(Step::Raw(raw.clone())).await;
    let (received, ended) = exchange(&server, POST, POST.len()).await;
    ended.unwrap();
    assert_eq!(received, raw);

    // The same through a Response: a content-length header of its own wins.
    let claimed = Response::json(201, "{\"id\":").header("content-length", 1_000_000);
    assert!(
        String::from_utf8(claimed.head())
            .unwrap()
            .contains("content-length: 1000000\r\nconnection: close\r\n\r\n")
    );
}

#[tokio::test]
async fn a_relay_records_rewrites_and_forwards_on_kept_alive_connections() {
    let upstream = LoopbackServer::answering(Step::Respond(
        Response::json(200, "\"ok\"").header("connection", "keep-alive"),
    ))
    .await;
    let relay = LoopbackServer::relay(&upstream.addr().to_string(), |request| {
        request
            .headers
            .push(("Prefer".to_string(), "code=500".to_string()));
    })
    .await;
    // The SDK's own reqwest client (a plain one would need a TLS provider).
    let http = kataven::raw::ClientInfo::client(
        kataven::Client::builder()
            .api_key("sk_live_acme_relay")
            .base_url(relay.base_url())
            .build()
            .unwrap()
            .raw(),
    )
    .clone();
    for body in ["one", "two, longer"] {
        let answer = http
            .post(format!("{}/path", relay.base_url()))
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 200);
        assert_eq!(answer.text().await.unwrap(), "\"ok\"");
    }
    let received = relay.requests();
    let forwarded = upstream.requests();
    assert_eq!(received.len(), 2);
    assert_eq!(forwarded.len(), 2);
    for (before, after) in received.iter().zip(&forwarded) {
        assert_eq!(before.header("prefer"), None);
        assert_eq!(after.header("prefer"), Some("code=500"));
        assert_eq!(after.body, before.body);
        assert_eq!(after.target, "/path");
    }
    assert_eq!(forwarded[1].body_text(), "two, longer");
}

#[tokio::test]
async fn the_parser_refuses_what_it_does_not_handle() {
    async fn parse(bytes: &[u8]) -> io::Result<Option<crate::support::loopback::Request>> {
        let mut reader = bytes;
        read_request(&mut reader, &mut Vec::new()).await
    }
    assert_eq!(parse(b"").await.unwrap(), None, "a close between requests");
    for (bytes, kind) in [
        (
            &b"POST / HTTP/1.1\r\ntransfer-encoding: chunked\r\n\r\n"[..],
            io::ErrorKind::InvalidData,
        ),
        (b"GET /\r\n\r\n", io::ErrorKind::InvalidData),
        (
            b"GET / HTTP/1.1\r\nno colon\r\n\r\n",
            io::ErrorKind::InvalidData,
        ),
        (
            b"POST / HTTP/1.1\r\ncontent-length: x\r\n\r\n",
            io::ErrorKind::InvalidData,
        ),
        (
            b"POST / HTTP/1.1\r\ncontent-length: 9\r\n\r\nshort",
            io::ErrorKind::UnexpectedEof,
        ),
        (
            b"GET / HTTP/1.1\r\nhost: x\r\n",
            io::ErrorKind::UnexpectedEof,
        ),
    ] {
        let err = parse(bytes).await.unwrap_err();
        assert_eq!(
            err.kind(),
            kind,
            "{:?}: {err}",
            String::from_utf8_lossy(bytes)
        );
    }
}
