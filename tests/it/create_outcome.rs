//! What a create whose response breaks reports: the new key, or that a key
//! exists (so the caller lists instead of minting another), never a wrong key.

use std::time::Duration;

use crate::fixtures::{builder, created};
use crate::support::loopback::{Close, LoopbackServer, Response, Step};

/// The key's `name` comes before `public_key` in the Hub's object, so a name
/// that holds another key must never be reported as the new key.
#[tokio::test]
async fn a_broken_create_body_never_yields_a_wrong_key() {
    let body = created("rotate pk_live_acme_OLDkey99 now", "pk_live_acme_NEWkey12");
    // Inside the `public_key` value (`key_last8` holds the same tail earlier).
    let cut_in_key = body.rfind("NEWkey12\"").unwrap();
    let server = LoopbackServer::answering(Step::Cut {
        response: Response::json(201, body.clone()),
        body_bytes: cut_in_key,
        close: Close::Reset,
    })
    .await;
    let err = builder(&server.base_url())
        .build()
        .unwrap()
        .widget_keys()
        .create("k")
        .await
        .unwrap_err();
    assert_eq!(err.public_key(), None, "{err}");
    assert!(!err.to_string().contains("pk_live_acme_OLD"), "{err}");

    // Cut after the key: the key is the new one.
    let after_key = body.find(",\"id\"").unwrap();
    let server = LoopbackServer::answering(Step::Cut {
        response: Response::json(201, body),
        body_bytes: after_key,
        close: Close::Reset,
    })
    .await;
    let err = builder(&server.base_url())
        .build()
        .unwrap()
        .widget_keys()
        .create("k")
        .await
        .unwrap_err();
    assert_eq!(
        err.public_key().as_ref().map(|k| k.as_str()),
        Some("pk_live_acme_NEWkey12")
    );
    assert!(err.to_string().contains("store it now"), "{err}");
}

/// A 201 whose body is lost still says that the key was created, so that
/// the caller lists instead of minting a second key.
#[tokio::test]
async fn a_create_whose_body_is_lost_says_the_key_exists() {
    let body = created("k", "pk_live_acme_3Jm9vXc2LpW8nKd4");
    let server = LoopbackServer::answering(Step::Cut {
        response: Response::json(201, body.clone()),
        body_bytes: 20,
        close: Close::Reset,
    })
    .await;
    let err = builder(&server.base_url())
        .build()
        .unwrap()
        .widget_keys()
        .create("k")
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(201), "{err}");
    assert_eq!(err.public_key(), None);
    assert!(
        err.to_string()
            .contains("the key was created: do not retry"),
        "{err}"
    );
    assert!(err.to_string().contains("list the keys"), "{err}");
    assert_eq!((err.attempts(), server.request_count()), (1, 1));

    // A body that stalls past the attempt timeout: the same, not a timeout.
    let (head, rest) = body.split_at(20);
    let stalled = LoopbackServer::answering(Step::Trickle {
        pieces: vec![
            [
                Response::json(201, body.clone()).head(),
                head.as_bytes().to_vec(),
            ]
            .concat(),
            rest.as_bytes().to_vec(),
        ],
        pause: Duration::from_secs(2),
    })
    .await;
    let err = builder(&stalled.base_url())
        .attempt_timeout(Duration::from_millis(300))
        .build()
        .unwrap()
        .widget_keys()
        .create("k")
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(201), "{err}");
    assert!(!err.is_timeout());
    assert!(err.to_string().contains("do not retry"), "{err}");
}
