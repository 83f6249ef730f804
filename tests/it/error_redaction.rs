//! What errors never show: a base URL's password or query, the client's own
//! token echoed back by a gateway.

use crate::fixtures::{KEY, builder};
use crate::support::loopback::{LoopbackServer, Response, Step};

/// A base URL in an error message never shows a password or a query.
#[test]
fn base_url_errors_never_echo_user_info_or_queries() {
    for (url, secret) in [
        ("ftp://user:PW-SECRET@host", "PW-SECRET"),
        ("https://user:PW-SECRET@host:99999", "PW-SECRET"),
        ("https://u:PW-SECRET@api.kataven.ai", "PW-SECRET"),
        ("https://api.kataven.ai/?token=Q-SECRET", "Q-SECRET"),
        ("https://api.kataven.ai/v1?token=Q-SECRET", "Q-SECRET"),
        ("http://example.com/?token=Q-SECRET", "Q-SECRET"),
        ("user:PW-SECRET@host", "PW-SECRET"),
    ] {
        let err = builder(url).build().unwrap_err();
        let shown = format!("{err} {err:?}");
        assert!(!shown.contains(secret), "{url}: {shown}");
    }
}

/// A gateway that echoes the request must not put the client's own token
/// into an error.
#[tokio::test]
async fn an_echoed_token_is_scrubbed_from_errors() {
    let echo = format!("bad request: Authorization: Bearer {KEY}");
    let server = LoopbackServer::start(
        [Step::Respond(Response::text(400, echo.clone()))],
        Step::Respond(Response::new(200).body("text/html", format!("<p>{echo}</p>"))),
    )
    .await;
    let client = builder(&server.base_url()).build().unwrap();
    for _ in 0..2 {
        let err = client.widget_keys().list().await.unwrap_err();
        let shown = format!("{err} {err:?} {:?}", err.message());
        assert!(!shown.contains(KEY), "{shown}");
        assert!(shown.contains("Bearer [redacted]"), "{shown}");
    }
}
