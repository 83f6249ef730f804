//! The generated PATCH body can say all three things the Hub understands:
//! absent (leave alone), `null` (unpin) and `[]` (block the key). progenitor
//! alone cannot (it skips `None` and empty lists); build.rs rewrites the
//! body types of PATCH operations, and this test holds it to that.

use kataven::raw::types::HandlersUpdateWidgetKeyRequest as Body;
use serde_json::json;

#[test]
fn three_patch_states_serialise_as_the_hub_expects() {
    let absent = Body {
        name: Some("n".parse().expect("a valid name")),
        ..Default::default()
    };
    assert_eq!(serde_json::to_value(&absent).unwrap(), json!({"name": "n"}));
    let null = Body {
        agent_id: Some(None),
        ..Default::default()
    };
    assert_eq!(
        serde_json::to_value(&null).unwrap(),
        json!({"agent_id": null})
    );
    let empty = Body {
        domain_allowlist: Some(vec![]),
        ..Default::default()
    };
    assert_eq!(
        serde_json::to_value(&empty).unwrap(),
        json!({"domain_allowlist": []})
    );
    // And back: null stays distinct from absent.
    let parsed: Body = serde_json::from_value(json!({"agent_id": null})).unwrap();
    assert_eq!(parsed.agent_id, Some(None));
    let parsed: Body = serde_json::from_value(json!({})).unwrap();
    assert_eq!(parsed.agent_id, None);
    assert_eq!(parsed.domain_allowlist, None);
}
