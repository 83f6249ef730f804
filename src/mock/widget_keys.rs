//! The mock Hub's widget keys: their routes and store, the handle a test
//! reaches the store with ([`MockHub::widget_keys`]), and
//! [`WidgetKeyFixture`]. A key is held as the facade's [`WidgetKey`] and
//! written by its serde, which is the Hub's wire form (tests hold the two to
//! each other); requests are read with the generated request types (which
//! check the spec's constraints) through `request.rs`.

use http::Method;

use super::reply::{Call, Reply, Resource, Target, json, text};
use super::request::{has_null, json_object, now, plain, plain_field};
use super::{MockHub, Shared, random_token};
use crate::raw::types;
use crate::widget_keys::{CreatedWidgetKey, PublicKey, WidgetKey, WidgetKeyId};

/// `/api/v1/widget-keys` and `/api/v1/widget-keys/{id}`.
pub(super) const RESOURCE: Resource = Resource {
    collection_methods: &["GET", "POST"],
    item_methods: &["PATCH", "DELETE"],
    handle,
    credential: None,
};

/// What the Hub says when it could not find the key.
const NOT_FOUND: &str = "Widget key not found";

#[derive(Debug, Default)]
struct WidgetKeyStore {
    /// In creation order.
    keys: Vec<WidgetKey>,
    /// Every plaintext key that create returned, in order.
    issued: Vec<PublicKey>,
}

fn handle(hub: &Shared, call: &Call<'_>) -> Reply {
    match call.target {
        Target::Collection if *call.method == Method::GET => list(hub),
        Target::Collection => create(hub, call.body),
        Target::Item(id) => {
            let Ok(id) = uuid::Uuid::parse_str(id) else {
                return text(400, "Invalid widget key id");
            };
            let id = WidgetKeyId::from_uuid(id);
            if *call.method == Method::PATCH {
                update(hub, id, call.body)
            } else {
                delete(hub, id)
            }
        }
    }
}

fn list(hub: &Shared) -> Reply {
    hub.with_store(|store: &mut WidgetKeyStore| json(200, &store.keys))
}

fn create(hub: &Shared, body: &[u8]) -> Reply {
    const INVALID: &str = "Invalid body or name required";
    let Some(request) = json_object(body).and_then(|fields| {
        serde_json::from_value::<types::HandlersCreateWidgetKeyRequest>(fields).ok()
    }) else {
        return text(400, INVALID);
    };
    let (Some(name), Some(domain_allowlist), Some(agent_id)) = (
        plain(request.name),
        plain(request.domain_allowlist),
        plain(request.agent_id),
    ) else {
        return text(400, INVALID);
    };
    let public_key = new_public_key(&hub.account);
    let key = new_key(name, domain_allowlist, agent_id, &public_key);
    let created = CreatedWidgetKey {
        public_key: public_key.clone(),
        widget_key: key.clone(),
    };
    hub.with_store(|store: &mut WidgetKeyStore| {
        store.keys.push(key);
        store.issued.push(public_key);
    });
    json(201, &created)
}

fn update(hub: &Shared, id: WidgetKeyId, body: &[u8]) -> Reply {
    const INVALID: &str = "Invalid body";
    // The generated type reads a `null` in these fields as "absent"; the
    // Hub refuses it (only `agent_id` is nullable).
    const NOT_NULLABLE: [&str; 3] = ["name", "domain_allowlist", "disabled"];
    let Some(fields) = json_object(body) else {
        return text(400, INVALID);
    };
    if has_null(&fields, &NOT_NULLABLE) {
        return text(400, INVALID);
    }
    let Ok(request) = serde_json::from_value::<types::HandlersUpdateWidgetKeyRequest>(fields)
    else {
        return text(400, INVALID);
    };
    // Each field: absent, or its plain value (`agent_id`: `null` or a string).
    let (Some(name), Some(domain_allowlist), Some(agent_id)) = (
        plain_field::<_, String>(request.name),
        plain_field::<_, Vec<String>>(request.domain_allowlist),
        plain_field::<_, Option<String>>(request.agent_id),
    ) else {
        return text(400, INVALID);
    };

    hub.with_store(|store: &mut WidgetKeyStore| {
        let Some(key) = store.keys.iter_mut().find(|k| k.id == id) else {
            return text(404, NOT_FOUND);
        };
        let now = now();
        if let Some(name) = name {
            key.name = name;
        }
        if let Some(list) = domain_allowlist {
            key.domain_allowlist = list; // replaces, never merges
        }
        // Absent leaves the pin alone; `null` unpins; a string repins.
        if let Some(agent) = agent_id {
            key.agent_id = agent;
        }
        match request.disabled {
            // Idempotent: a second revoke keeps the first timestamp.
            Some(true) if key.disabled_at.is_none() => key.disabled_at = Some(now),
            Some(false) => key.disabled_at = None,
            _ => {}
        }
        key.updated_at = now;
        json(200, &"Updated")
    })
}

fn delete(hub: &Shared, id: WidgetKeyId) -> Reply {
    hub.with_store(|store: &mut WidgetKeyStore| {
        let Some(index) = store.keys.iter().position(|k| k.id == id) else {
            return text(404, NOT_FOUND);
        };
        let used = store
            .keys
            .get(index)
            .is_some_and(|k| k.last_used_at.is_some());
        if !used {
            store.keys.remove(index);
        } else if let Some(key) = store.keys.get_mut(index) {
            let now = now();
            key.disabled_at.get_or_insert(now);
            key.updated_at = now;
        }
        json(200, &"Deleted")
    })
}

fn new_public_key(account: &str) -> PublicKey {
    PublicKey::from(format!("pk_live_{account}_{}", random_token(24)))
}

/// A fresh, active, never-used key.
fn new_key(
    name: String,
    domain_allowlist: Vec<String>,
    agent_id: Option<String>,
    public_key: &PublicKey,
) -> WidgetKey {
    let now = now();
    WidgetKey {
        id: WidgetKeyId::from_uuid(uuid::Uuid::new_v4()),
        name,
        key_last8: public_key.last8().to_string(),
        domain_allowlist,
        agent_id,
        created_at: now,
        updated_at: now,
        disabled_at: None,
        last_used_at: None,
    }
}

impl MockHub {
    /// The widget keys it holds, to look at or to seed.
    ///
    /// ```
    /// # #[cfg(feature = "mock")] {
    /// # async fn run() -> kataven::Result<()> {
    /// let hub = kataven::mock::MockHub::start().await;
    /// let created = hub.client()?.widget_keys().create("acme.com production").await?;
    /// assert_eq!(hub.widget_keys().list(), [created.widget_key]);
    /// # Ok(()) }
    /// # tokio::runtime::Runtime::new().unwrap().block_on(run()).unwrap();
    /// # }
    /// ```
    pub fn widget_keys(&self) -> MockWidgetKeys<'_> {
        MockWidgetKeys { hub: &self.state }
    }
}

/// The widget keys a [`MockHub`] holds; get it from [`MockHub::widget_keys`].
///
/// ```
/// # #[cfg(feature = "mock")] {
/// use kataven::mock::{MockHub, WidgetKeyFixture};
///
/// # async fn run() {
/// let hub = MockHub::start().await;
/// hub.widget_keys().seed(WidgetKeyFixture::new("in production").used());
/// assert_eq!(hub.widget_keys().list().len(), 1);
/// # }
/// # tokio::runtime::Runtime::new().unwrap().block_on(run());
/// # }
/// ```
#[derive(Clone, Copy)]
pub struct MockWidgetKeys<'a> {
    hub: &'a Shared,
}

impl std::fmt::Debug for MockWidgetKeys<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MockWidgetKeys").finish_non_exhaustive()
    }
}

impl MockWidgetKeys<'_> {
    /// The keys it holds now, in creation order (deleted ones are gone;
    /// soft-deleted ones are disabled).
    ///
    /// ```
    /// # #[cfg(feature = "mock")] {
    /// # async fn run() -> kataven::Result<()> {
    /// let hub = kataven::mock::MockHub::start().await;
    /// hub.client()?.widget_keys().create("acme.com").await?;
    /// assert_eq!(hub.widget_keys().list()[0].name, "acme.com");
    /// # Ok(()) }
    /// # tokio::runtime::Runtime::new().unwrap().block_on(run()).unwrap();
    /// # }
    /// ```
    pub fn list(&self) -> Vec<WidgetKey> {
        self.hub
            .with_store(|store: &mut WidgetKeyStore| store.keys.clone())
    }

    /// Every plaintext key that create returned, in order (as a test oracle:
    /// the client should have seen each exactly once). Seeded keys are not
    /// among them.
    ///
    /// ```
    /// # #[cfg(feature = "mock")] {
    /// # async fn run() -> kataven::Result<()> {
    /// let hub = kataven::mock::MockHub::start().await;
    /// let created = hub.client()?.widget_keys().create("acme.com").await?;
    /// assert_eq!(hub.widget_keys().issued(), [created.public_key]);
    /// # Ok(()) }
    /// # tokio::runtime::Runtime::new().unwrap().block_on(run()).unwrap();
    /// # }
    /// ```
    pub fn issued(&self) -> Vec<PublicKey> {
        self.hub
            .with_store(|store: &mut WidgetKeyStore| store.issued.clone())
    }

    /// Puts a key in the state the fixture describes straight into the Hub,
    /// without a create request (none is recorded), and returns it with its
    /// plaintext key, as a create would.
    ///
    /// ```
    /// # #[cfg(feature = "mock")] {
    /// # async fn run() -> kataven::Result<()> {
    /// use kataven::mock::{MockHub, WidgetKeyFixture};
    ///
    /// let hub = MockHub::start().await;
    /// let used = hub.widget_keys().seed(WidgetKeyFixture::new("in production").used()).widget_key;
    /// let fresh = hub.widget_keys().seed(WidgetKeyFixture::new("never used")).widget_key;
    ///
    /// let client = hub.client()?;
    /// client.widget_keys().delete(&used.id).await?;
    /// client.widget_keys().delete(&fresh.id).await?;
    /// let left = client.widget_keys().list().await?;
    /// assert_eq!(left.len(), 1); // the used key stays, disabled
    /// assert!(left[0].id == used.id && left[0].is_disabled());
    /// # Ok(()) }
    /// # tokio::runtime::Runtime::new().unwrap().block_on(run()).unwrap();
    /// # }
    /// ```
    pub fn seed(&self, fixture: WidgetKeyFixture) -> CreatedWidgetKey {
        let (widget_key, public_key) = fixture.into_key(&self.hub.account);
        self.hub
            .with_store(|store: &mut WidgetKeyStore| store.keys.push(widget_key.clone()));
        CreatedWidgetKey {
            public_key,
            widget_key,
        }
    }

    /// Marks a key used, as a widget bootstrapping with it would: sets
    /// `last_used_at`, so that delete only disables it. Returns whether the
    /// key exists.
    ///
    /// ```
    /// # #[cfg(feature = "mock")] {
    /// # async fn run() -> kataven::Result<()> {
    /// let hub = kataven::mock::MockHub::start().await;
    /// let client = hub.client()?;
    /// let id = client.widget_keys().create("acme.com").await?.widget_key.id;
    /// assert!(hub.widget_keys().mark_used(&id));
    /// client.widget_keys().delete(&id).await?;
    /// assert!(hub.widget_keys().list()[0].is_disabled()); // soft-deleted
    /// # Ok(()) }
    /// # tokio::runtime::Runtime::new().unwrap().block_on(run()).unwrap();
    /// # }
    /// ```
    pub fn mark_used(&self, id: impl AsRef<str>) -> bool {
        let Ok(id) = uuid::Uuid::parse_str(id.as_ref()) else {
            return false;
        };
        let id = WidgetKeyId::from_uuid(id);
        self.hub.with_store(|store: &mut WidgetKeyStore| {
            match store.keys.iter_mut().find(|k| k.id == id) {
                Some(key) => {
                    key.last_used_at = Some(now());
                    true
                }
                None => false,
            }
        })
    }
}

/// A widget key in a chosen state: seed it into a [`MockHub`] with
/// [`MockWidgetKeys::seed`], or [`build`](Self::build) it for a unit test that
/// needs a [`WidgetKey`] without a server ([`WidgetKey`] cannot be built
/// otherwise outside this crate).
///
/// By default the key is active, never used, with no allowlist (blocked)
/// and no pinned agent.
///
/// ```
/// # #[cfg(feature = "mock")] {
/// use kataven::mock::WidgetKeyFixture;
///
/// let key = WidgetKeyFixture::new("acme.com production")
///     .domain_allowlist(["acme.com", "*.acme.com"])
///     .agent_id("agent_01HZ2N7G3K8M0Q5R7T9V2X4Y6Z")
///     .used()
///     .build();
/// assert!(key.last_used_at.is_some() && !key.is_disabled());
/// assert!(key.allows_origin("https://shop.acme.com"));
/// # }
/// ```
#[derive(Clone, Debug)]
#[must_use = "seed it with MockHub::widget_keys().seed, or build it"]
pub struct WidgetKeyFixture {
    name: String,
    domain_allowlist: Vec<String>,
    agent_id: Option<String>,
    used: bool,
    disabled: bool,
}

impl WidgetKeyFixture {
    /// A key named `name`: active, never used, blocked (no allowlist), no
    /// pinned agent.
    ///
    /// ```
    /// # #[cfg(feature = "mock")] {
    /// let key = kataven::mock::WidgetKeyFixture::new("acme.com").build();
    /// assert_eq!(key.name, "acme.com");
    /// assert!(key.domain_allowlist.is_empty() && key.agent_id.is_none());
    /// # }
    /// ```
    pub fn new(name: impl Into<String>) -> Self {
        WidgetKeyFixture {
            name: name.into(),
            domain_allowlist: Vec::new(),
            agent_id: None,
            used: false,
            disabled: false,
        }
    }

    /// Its allowlist, as given (not normalised or checked, so that a test
    /// can hold any entry).
    ///
    /// ```
    /// # #[cfg(feature = "mock")] {
    /// let key = kataven::mock::WidgetKeyFixture::new("k").domain_allowlist(["acme.com"]).build();
    /// assert_eq!(key.domain_allowlist, ["acme.com"]);
    /// # }
    /// ```
    pub fn domain_allowlist<I, S>(mut self, entries: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.domain_allowlist = entries.into_iter().map(Into::into).collect();
        self
    }

    /// Pins an agent.
    ///
    /// ```
    /// # #[cfg(feature = "mock")] {
    /// let key = kataven::mock::WidgetKeyFixture::new("k").agent_id("agent_01").build();
    /// assert_eq!(key.agent_id.as_deref(), Some("agent_01"));
    /// # }
    /// ```
    pub fn agent_id(mut self, agent_id: impl Into<String>) -> Self {
        self.agent_id = Some(agent_id.into());
        self
    }

    /// Used: a widget bootstrapped with it (`last_used_at` is set), so a
    /// delete only disables it.
    ///
    /// ```
    /// # #[cfg(feature = "mock")] {
    /// let key = kataven::mock::WidgetKeyFixture::new("k").used().build();
    /// assert!(key.last_used_at.is_some());
    /// # }
    /// ```
    pub fn used(mut self) -> Self {
        self.used = true;
        self
    }

    /// Disabled: revoked or soft-deleted (`disabled_at` is set).
    ///
    /// ```
    /// # #[cfg(feature = "mock")] {
    /// let key = kataven::mock::WidgetKeyFixture::new("k").disabled().build();
    /// assert!(key.is_disabled());
    /// # }
    /// ```
    pub fn disabled(mut self) -> Self {
        self.disabled = true;
        self
    }

    /// The key, as a Hub serving the account `acme` would list it: a fresh
    /// random id, created now.
    ///
    /// ```
    /// # #[cfg(feature = "mock")] {
    /// let key = kataven::mock::WidgetKeyFixture::new("k").used().disabled().build();
    /// assert!(key.is_disabled() && key.last_used_at.is_some());
    /// # }
    /// ```
    pub fn build(self) -> WidgetKey {
        self.into_key("acme").0
    }

    /// The key and its plaintext `pk_live_acme_...`, as a create in the
    /// account `acme` would return them.
    ///
    /// ```
    /// # #[cfg(feature = "mock")] {
    /// let created = kataven::mock::WidgetKeyFixture::new("k").build_created();
    /// assert!(created.public_key.as_str().starts_with("pk_live_acme_"));
    /// assert_eq!(created.widget_key.key_last8, created.public_key.last8());
    /// # }
    /// ```
    pub fn build_created(self) -> CreatedWidgetKey {
        let (widget_key, public_key) = self.into_key("acme");
        CreatedWidgetKey {
            public_key,
            widget_key,
        }
    }

    /// The stored key and its plaintext, in `account`.
    fn into_key(self, account: &str) -> (WidgetKey, PublicKey) {
        let public_key = new_public_key(account);
        let mut key = new_key(self.name, self.domain_allowlist, self.agent_id, &public_key);
        if self.used {
            key.last_used_at = Some(key.created_at);
        }
        if self.disabled {
            key.disabled_at = Some(key.created_at);
        }
        (key, public_key)
    }
}
