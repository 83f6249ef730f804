//! `update-spec --url` against a loopback HTTP server started by the test:
//! 200, 404, slow, garbage, and nobody listening.

mod common;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::thread;
use std::time::Duration;

use common::{Repo, fixture};

/// Serves a few fixed routes on 127.0.0.1:<random port>; returns the base URL.
fn serve() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let address = listener.local_addr().expect("address");
    thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            thread::spawn(move || respond(stream));
        }
    });
    format!("http://{address}")
}

fn respond(mut stream: TcpStream) {
    let mut request = Vec::new();
    let mut buffer = [0u8; 1024];
    while !request.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut buffer) {
            Ok(0) | Err(_) => return,
            Ok(n) => request.extend_from_slice(&buffer[..n]),
        }
    }
    let request = String::from_utf8_lossy(&request);
    let path = request.split_whitespace().nth(1).unwrap_or("/").to_string();
    let (status, content_type, body): (&str, &str, Vec<u8>) = match path.as_str() {
        "/api-spec/openapi.yaml" => (
            "200 OK",
            "application/yaml",
            std::fs::read(fixture("hub-3.1.yaml")).expect("fixture"),
        ),
        "/slow" => {
            thread::sleep(Duration::from_secs(5));
            ("200 OK", "application/yaml", b"openapi: 3.1.0\n".to_vec())
        }
        "/garbage" => (
            "200 OK",
            "application/octet-stream",
            vec![0xff, 0xfe, 0x00, 0x9c, 0x81, 0x13, 0x37],
        ),
        "/html" => (
            "200 OK",
            "text/html",
            b"<html><body>Docs moved</body></html>".to_vec(),
        ),
        _ => ("404 Not Found", "text/plain", b"not found".to_vec()),
    };
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(&body);
}

fn update(repo: &Repo, url: &str) -> common::Run {
    repo.xtask(&[
        "update-spec",
        "--url",
        url,
        "--timeout",
        "1",
        "--skip-compile-proof",
    ])
}

#[test]
fn fetches_the_spec_over_http() {
    let base = serve();
    let repo = Repo::spec_only();
    let run = update(&repo, &format!("{base}/api-spec/openapi.yaml"));
    assert_eq!(run.code, Some(0), "{run}");
    let expected = std::fs::read(fixture("hub-3.1.expected.json")).expect("expected");
    assert!(repo.spec() == expected, "{run}");
    assert!(run.stdout.contains("response 409 added"), "{run}");
}

#[test]
fn http_failures_leave_the_spec_alone() {
    let base = serve();
    let repo = Repo::spec_only();
    let cases = [
        ("/missing.yaml", "the server answered HTTP 404"),
        ("/slow", "cannot fetch"),
        ("/garbage", "is not UTF-8 text"),
        ("/html", "is not an OpenAPI document"),
    ];
    for (path, message) in cases {
        let url = format!("{base}{path}");
        let run = update(&repo, &url);
        repo.assert_fails_unchanged(&run, message);
        assert!(
            run.stderr.contains(&url),
            "the message names the URL: {run}"
        );
    }
    let run = update(&repo, &format!("{base}/slow"));
    assert!(run.stderr.contains("--file"), "it says what to do: {run}");
}

#[test]
fn nobody_listening_is_a_network_error() {
    let port = TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let repo = Repo::spec_only();
    let run = update(&repo, &format!("http://127.0.0.1:{port}/openapi.yaml"));
    repo.assert_fails_unchanged(&run, "cannot fetch http://127.0.0.1:");
    assert!(
        run.stderr.contains("check the address and your network"),
        "{run}"
    );
}
