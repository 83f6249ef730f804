//! Decoding a 2xx body of arbitrary bytes (over real HTTP, through the mock
//! Hub): it never panics, and a failure is a typed error, never a retried
//! create.

use kataven::mock::{Fault, MockHub};
use proptest::prelude::*;
use proptest::strategy::ValueTree;

/// Arbitrary bytes as a 2xx body: decoding never panics, and any failure is
/// a typed error (for create, never a retry that could mint a second key).
#[test]
fn arbitrary_success_bodies_decode_or_fail_typed() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let hub = MockHub::start().await;
        let client = crate::support::hub::client_for(&hub).build().unwrap();
        let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig::with_cases(128));
        let bodies = prop_oneof![
            proptest::collection::vec(any::<u8>(), 0..400)
                .prop_map(|b| String::from_utf8_lossy(&b).into_owned()),
            "[\\[\\]{}\":,a-z0-9 ]{0,80}",
            Just(String::from("[{\"id\":")),
        ];
        for _ in 0..128 {
            let body = bodies.new_tree(&mut runner).unwrap().current();
            hub.inject(Fault::respond(200, "application/json", body.clone()), 1);
            match client.widget_keys().list().await {
                Ok(_) | Err(kataven::Error::Decode { .. }) => {}
                Err(other) => panic!("list of {body:?}: unexpected {other:?}"),
            }
            hub.clear_requests();
            hub.inject(Fault::respond(201, "application/json", body.clone()), 1);
            match client.widget_keys().create("k").await {
                Ok(_) | Err(kataven::Error::Decode { .. }) => {}
                Err(other) => panic!("create of {body:?}: unexpected {other:?}"),
            }
            assert_eq!(hub.requests().len(), 1, "a create was retried");
        }
    });
}
