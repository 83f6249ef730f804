//! The models' serde form is the Hub's, so an app can store them and send
//! them on.

use kataven::{CreatedWidgetKey, WidgetKey};

use crate::support::hub::hub_and_client;

/// The models' serde form is the Hub's: they round-trip to equal values,
/// and decode as the generated wire types do.
#[tokio::test]
async fn the_models_round_trip_through_serde_with_the_wire_names() {
    let (hub, client) = hub_and_client().await;
    let created = client
        .widget_keys()
        .create("acme.com production")
        .domain_allowlist(["acme.com"])
        .agent_id("agent_01HZ2N7G3K8M0Q5R7T9V2X4Y6Z")
        .await
        .unwrap();
    let used = client.widget_keys().create("used").await.unwrap();
    hub.widget_keys().mark_used(&used.widget_key.id);
    client
        .widget_keys()
        .revoke(&used.widget_key.id)
        .await
        .unwrap();

    let json = serde_json::to_value(&created).unwrap();
    assert_eq!(json["public_key"], created.public_key.as_str());
    assert_eq!(json["id"], created.widget_key.id.as_str());
    let back: CreatedWidgetKey = serde_json::from_value(json.clone()).unwrap();
    assert_eq!(back, created);
    // The wire form: the generated type reads it, and writes it back as the
    // facade reads it.
    let wire: kataven::raw::types::DataCreatedWidgetKey = serde_json::from_value(json).unwrap();
    let again: CreatedWidgetKey =
        serde_json::from_value(serde_json::to_value(&wire).unwrap()).unwrap();
    assert_eq!(again, created);

    for key in client.widget_keys().list().await.unwrap() {
        let json = serde_json::to_string(&key).unwrap();
        assert_eq!(serde_json::from_str::<WidgetKey>(&json).unwrap(), key);
        let wire: kataven::raw::types::DataWidgetKey = serde_json::from_str(&json).unwrap();
        let again: WidgetKey =
            serde_json::from_value(serde_json::to_value(&wire).unwrap()).unwrap();
        assert_eq!(again, key);
    }
    let listed = client.widget_keys().list().await.unwrap();
    assert!(
        listed
            .iter()
            .any(|k| k.is_disabled() && k.last_used_at.is_some())
    );
    assert!(listed.iter().any(|k| k.agent_id.is_some()));
}
