//! Where the API key may travel in cleartext: plain HTTP only to loopback
//! hosts unless the caller opts in, and never through an environment proxy
//! to a loopback host (in child processes, which get the proxy variables).

use kataven::Error;

use crate::fixtures::builder;
use crate::support::child;
use crate::support::loopback::{LoopbackServer, Response, Step};

/// Plain HTTP would send the API key in cleartext: only loopback hosts may
/// use it, unless the caller opts in.
#[test]
fn plain_http_is_for_loopback_hosts_unless_the_caller_opts_in() {
    for url in [
        "http://api.kataven.ai",
        "http://10.1.2.3:8080",
        "http://[2001:db8::1]",
    ] {
        let err = builder(url).build().unwrap_err();
        assert!(
            matches!(
                err,
                Error::InvalidInput {
                    field: "base_url",
                    ..
                }
            ),
            "{url}: {err}"
        );
        assert!(err.to_string().contains("cleartext"), "{err}");
        assert!(
            builder(url).allow_insecure_http(true).build().is_ok(),
            "{url}"
        );
    }
    for url in [
        "http://127.0.0.1:8080",
        "http://localhost:3000",
        "http://[::1]:9000",
    ] {
        assert!(builder(url).build().is_ok(), "{url}");
    }
}

const PROXY_VARIABLES: [&str; 6] = [
    "HTTP_PROXY",
    "http_proxy",
    "HTTPS_PROXY",
    "https_proxy",
    "ALL_PROXY",
    "all_proxy",
];

/// A proxy from the environment would see a local Hub's traffic, API key
/// included, in cleartext: loopback hosts never go through one. Other hosts
/// do, as documented on the builder.
#[tokio::test(flavor = "multi_thread")]
async fn loopback_hosts_never_go_through_an_environment_proxy() {
    let proxy = LoopbackServer::answering(Step::Respond(Response::json(200, "[]"))).await;
    let url = proxy.base_url();
    let run = move |name: &'static str| {
        let url = url.clone();
        tokio::task::spawn_blocking(move || {
            let envs: Vec<(&str, &str)> =
                PROXY_VARIABLES.iter().map(|v| (*v, url.as_str())).collect();
            child::run(name, &envs)
        })
    };
    let output = run("plain_http_and_proxies::child_loopback_with_proxy")
        .await
        .unwrap();
    assert!(output.status.success(), "{}", child::describe(&output));
    assert_eq!(proxy.request_count(), 0, "{:?}", proxy.requests());

    let output = run("plain_http_and_proxies::child_remote_with_proxy")
        .await
        .unwrap();
    assert!(output.status.success(), "{}", child::describe(&output));
    let requests = proxy.requests();
    assert_eq!(requests.len(), 1, "{requests:?}");
    assert_eq!(
        requests[0].target,
        "http://hub.kataven.test/api/v1/widget-keys"
    );
}

#[tokio::test]
#[ignore = "run by loopback_hosts_never_go_through_an_environment_proxy in a child process"]
async fn child_loopback_with_proxy() {
    if !child::in_child() {
        return;
    }
    let hub = kataven::mock::MockHub::start().await;
    let keys = hub.client().unwrap().widget_keys().list().await.unwrap();
    assert!(keys.is_empty());
}

#[tokio::test]
#[ignore = "run by loopback_hosts_never_go_through_an_environment_proxy in a child process"]
async fn child_remote_with_proxy() {
    if !child::in_child() {
        return;
    }
    let client = builder("http://hub.kataven.test")
        .allow_insecure_http(true)
        .build()
        .unwrap();
    assert!(client.widget_keys().list().await.unwrap().is_empty());
}
