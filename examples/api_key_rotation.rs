//! Rotating a server's API key without downtime, against the built-in mock
//! Hub: a person's session creates the key, the server authenticates with
//! it, the session rotates it, the server moves to the new secret, and the
//! old key is revoked (and refused from then on).
//!
//! ```text
//! cargo run --example api_key_rotation --features mock
//! ```

use kataven::mock::MockHub;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    if let Err(err) = run().await {
        eprintln!("error: {err}");
        std::process::exit(1);
    }
}

async fn run() -> kataven::Result<()> {
    let hub = MockHub::start().await;
    // Managing API keys needs a person's session: a JWT and its account.
    let session = kataven::Client::builder()
        .bearer_token(hub.jwt())
        .account_id(hub.account())
        .base_url(hub.base_url())
        .build()?;
    let keys = session.api_keys();

    let created = keys.create("billing-server").expires_in_days(90).await?;
    println!(
        "1. created   {} …{} (expires {:?})",
        created.api_key.name,
        created.secret_key.last8(),
        created.api_key.expires_at.map(|t| t.date_naive())
    );

    // The server's own client, with the secret (never printed).
    let server = |secret: &kataven::ApiKeySecret| {
        kataven::Client::builder()
            .api_key(secret.expose_secret())
            .base_url(hub.base_url())
            .build()
    };
    let old = server(&created.secret_key)?;
    old.widget_keys().list().await?;
    println!("2. the server authenticates with it");

    let rotated = keys.rotate(&created.api_key.id).await?;
    println!(
        "3. rotated   new key …{}; the previous one is now {:?} and still works",
        rotated.replacement.secret_key.last8(),
        rotated.previous.name
    );
    let new = server(&rotated.replacement.secret_key)?;
    new.widget_keys().list().await?;
    old.widget_keys().list().await?;

    keys.revoke(&rotated.previous.id).await?;
    match old.widget_keys().list().await {
        Err(err) if err.is_unauthorized() => {
            println!("4. revoked   the old key is refused at once")
        }
        other => println!("4. revoked   unexpected: {other:?}"),
    }
    new.widget_keys().list().await?;
    println!("5. the server runs on the new key");
    Ok(())
}
