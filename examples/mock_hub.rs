//! Serves the mock Hub as a process, for tools that test it from outside
//! (schemathesis, Prism's proxy) or for trying the API with curl.
//!
//! ```text
//! cargo run --example mock_hub --features mock -- --port 4011 --api-key sk_live_acme_test [--jwt TOKEN]
//! curl -H 'Authorization: Bearer sk_live_acme_test' http://127.0.0.1:4011/api/v1/widget-keys
//! ```

use std::net::SocketAddr;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let mut port = 0u16;
    let mut api_key = None;
    let mut jwt = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match (arg.as_str(), args.next()) {
            ("--port", Some(value)) => match value.parse() {
                Ok(p) => port = p,
                Err(_) => exit(&format!("--port: `{value}` is not a port number")),
            },
            ("--api-key", Some(value)) => api_key = Some(value),
            ("--jwt", Some(value)) => jwt = Some(value),
            _ => exit("usage: mock_hub [--port N] [--api-key KEY] [--jwt TOKEN]"),
        }
    }
    let mut builder =
        kataven::mock::MockHub::builder().bind(SocketAddr::from(([127, 0, 0, 1], port)));
    if let Some(key) = api_key {
        builder = builder.api_key(key);
    }
    if let Some(jwt) = jwt {
        builder = builder.jwt(jwt);
    }
    let hub = match builder.try_start().await {
        Ok(hub) => hub,
        Err(err) => exit(&format!("cannot listen on 127.0.0.1:{port}: {err}")),
    };
    println!("mock Hub listening on {}", hub.base_url());
    println!("API key: {}", hub.api_key());
    if tokio::signal::ctrl_c().await.is_err() {
        std::future::pending::<()>().await;
    }
}

fn exit(message: &str) -> ! {
    eprintln!("mock_hub: {message}");
    std::process::exit(2);
}
