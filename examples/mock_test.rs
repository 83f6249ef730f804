//! Testing your own code against the mock Hub: an app's widget-key code
//! (`app` below) and its tests, as you would write them in your crate.
//!
//! Your `Cargo.toml`:
//!
//! ```toml
//! [dev-dependencies]
//! kataven = { version = "0.1", features = ["mock"] }
//! tokio = { version = "1", features = ["macros", "rt"] }
//! ```
//!
//! `cargo test` runs the tests below (this example is built with
//! `test = true`); `cargo run --example mock_test --features mock` runs the
//! app's code once against a mock Hub.

/// The app's code under test: it knows nothing of the mock.
mod app {
    use kataven::{Client, PublicKey, WidgetKey, WidgetKeyId};

    /// What provisioning a customer's site came to.
    #[derive(Debug, PartialEq)]
    pub enum Provisioned {
        /// The key to paste into the site.
        Key(PublicKey),
        /// The Hub is busy: tell the customer to try again shortly. A create
        /// is never retried on a 5xx (it may have happened), so the app
        /// decides what to do.
        TryLater,
    }

    /// Creates a key for `site`, allowed on the site and its subdomains.
    pub async fn provision(client: &Client, site: &str) -> kataven::Result<Provisioned> {
        let created = client
            .widget_keys()
            .create(format!("{site} production"))
            .domain_allowlist([site.to_string(), format!("*.{site}")])
            .await;
        match created {
            Ok(created) => Ok(Provisioned::Key(created.public_key)),
            Err(err) if err.status() == Some(503) => Ok(Provisioned::TryLater),
            Err(err) => Err(err),
        }
    }

    /// What retiring a key came to: the Hub deletes a never-used key, and
    /// only disables a used one (its answer does not say which).
    #[derive(Debug, PartialEq)]
    pub enum Retired {
        /// Gone for good.
        Deleted,
        /// Still listed, disabled.
        Disabled,
    }

    /// Deletes the key, then lists to find out which delete it was.
    pub async fn retire(client: &Client, id: &WidgetKeyId) -> kataven::Result<Retired> {
        client.widget_keys().delete(id).await?;
        let still_listed = client
            .widget_keys()
            .list()
            .await?
            .iter()
            .any(|k| &k.id == id);
        Ok(if still_listed {
            Retired::Disabled
        } else {
            Retired::Deleted
        })
    }

    /// A line for the app's key table.
    pub fn describe(key: &WidgetKey) -> String {
        let state = match (key.is_disabled(), key.domain_allowlist.is_empty()) {
            (true, _) => "revoked",
            (false, true) => "blocked (no allowed sites)",
            (false, false) => "active",
        };
        format!("{} …{}: {state}", key.name, key.key_last8)
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let hub = kataven::mock::MockHub::start().await;
    let client = hub.client()?;
    let provisioned = app::provision(&client, "acme.com").await?;
    println!("provisioned: {provisioned:?}");
    for key in client.widget_keys().list().await? {
        println!("{}", app::describe(&key));
        println!("retired: {:?}", app::retire(&client, &key.id).await?);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use kataven::mock::{Fault, MockHub, WidgetKeyFixture};

    use super::app::{self, Provisioned, Retired};

    #[tokio::test]
    async fn provisioning_tells_the_customer_to_retry_when_the_hub_is_busy() {
        let hub = MockHub::start().await;
        // hub.client(): a client of this Hub that retries without waiting.
        let client = hub.client().unwrap();

        // Only the next create meets the 503; the rest of the Hub works.
        hub.inject_on("POST", "/api/v1/widget-keys", Fault::status(503), 1);
        assert_eq!(
            app::provision(&client, "acme.com").await.unwrap(),
            Provisioned::TryLater
        );
        assert!(hub.widget_keys().list().is_empty(), "nothing was created");

        let Provisioned::Key(key) = app::provision(&client, "acme.com").await.unwrap() else {
            panic!("the second try should create the key");
        };
        assert_eq!(hub.widget_keys().issued(), [key]);
        assert_eq!(
            hub.widget_keys().list()[0].domain_allowlist,
            ["acme.com", "*.acme.com"]
        );
    }

    #[tokio::test]
    async fn a_used_key_is_only_disabled_and_a_fresh_one_deleted() {
        let hub = MockHub::start().await;
        let client = hub.client().unwrap();
        // Keys in the state the test needs, without going through create.
        let used = hub
            .widget_keys()
            .seed(WidgetKeyFixture::new("in production").used())
            .widget_key;
        let fresh = hub
            .widget_keys()
            .seed(WidgetKeyFixture::new("never used"))
            .widget_key;

        assert_eq!(
            app::retire(&client, &used.id).await.unwrap(),
            Retired::Disabled
        );
        assert_eq!(
            app::retire(&client, &fresh.id).await.unwrap(),
            Retired::Deleted
        );
        let left = hub.widget_keys().list();
        assert_eq!(left.len(), 1);
        assert!(left[0].id == used.id && left[0].is_disabled());
    }

    #[tokio::test]
    async fn a_failure_the_app_does_not_handle_reaches_the_caller() {
        let hub = MockHub::start().await;
        let client = hub.client().unwrap();
        hub.inject(Fault::status(500), 1);
        let err = app::provision(&client, "acme.com").await.unwrap_err();
        assert_eq!(err.status(), Some(500));
    }

    /// A unit test: no server, a key in any state from the fixture.
    #[test]
    fn keys_are_described_by_their_state() {
        let revoked = WidgetKeyFixture::new("old")
            .domain_allowlist(["acme.com"])
            .disabled()
            .build();
        assert!(app::describe(&revoked).ends_with(": revoked"));
        let blocked = WidgetKeyFixture::new("new").build();
        assert!(app::describe(&blocked).ends_with(": blocked (no allowed sites)"));
        let active = WidgetKeyFixture::new("live")
            .domain_allowlist(["acme.com"])
            .build();
        assert_eq!(
            app::describe(&active),
            format!("live …{}: active", active.key_last8)
        );
    }
}
