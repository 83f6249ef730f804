//! Response bodies are bounded by the client's limit, never sized by what the
//! server claims (in a child process: a failure would abort the runner).

use std::time::Duration;

use kataven::Error;

use crate::fixtures::builder;
use crate::support::child;
use crate::support::loopback::{LoopbackServer, Step};

/// A server's `Content-Length` claim does not size the body buffer: with no
/// limit, a claim of a terabyte used to abort the process.
#[test]
fn a_claimed_length_never_decides_the_allocation() {
    let output = child::run("body_limits::child_claimed_terabyte", &[]);
    assert!(output.status.success(), "{}", child::describe(&output));
}

#[tokio::test]
#[ignore = "run by a_claimed_length_never_decides_the_allocation in a child process"]
async fn child_claimed_terabyte() {
    if !child::in_child() {
        return;
    }
    let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 1099511627776\r\nconnection: close\r\n\r\n";
    // Several frames: a single small frame is kept as it comes.
    let server = LoopbackServer::answering(Step::Trickle {
        pieces: vec![
            format!("{head}[").into_bytes(),
            b"[".to_vec(),
            b"[".to_vec(),
        ],
        pause: Duration::from_millis(50),
    })
    .await;
    let client = builder(&server.base_url())
        .max_response_bytes(usize::MAX)
        .max_retries(0)
        .build()
        .unwrap();
    let err = client.widget_keys().list().await.unwrap_err();
    assert!(
        matches!(err, Error::Transport { .. }),
        "the body broke off long before its claim: {err:?}"
    );
}
