//! The whole widget-key lifecycle: create, list, update, rotate, revoke,
//! delete.
//!
//! With `KATAVEN_API_KEY` set it talks to the real Hub (and cleans up the key
//! it creates); without it, to the built-in mock Hub on a loopback port.
//!
//! ```text
//! cargo run --example quickstart --features mock
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
    // Keep the mock alive for the whole run when it is used.
    let (client, _mock) = if std::env::var_os(kataven::ENV_API_KEY).is_some() {
        let client = kataven::Client::from_env()?;
        println!(
            "Using the Kataven Hub at {} (KATAVEN_API_KEY is set).",
            client.base_url()
        );
        (client, None)
    } else {
        let hub = MockHub::start().await;
        let client = kataven::Client::builder()
            .api_key(hub.api_key())
            .base_url(hub.base_url())
            .build()?;
        println!(
            "KATAVEN_API_KEY is not set: using the built-in mock Hub at {}.",
            hub.base_url()
        );
        (client, Some(hub))
    };
    let keys = client.widget_keys();

    let created = keys
        .create("quickstart example")
        .domain_allowlist(["example.com", "*.example.com", "localhost:*"])
        .await?;
    let id = created.widget_key.id.clone();
    println!("1. created   {id}");
    println!(
        "   public key {} (shown once: store it now)",
        created.public_key
    );
    println!("   allowlist  {:?}", created.widget_key.domain_allowlist);

    let listed = keys.list().await?;
    println!(
        "2. listed    {} key(s); ours ends in …{}",
        listed.len(),
        created.widget_key.key_last8
    );

    keys.update(&id)
        .name("quickstart example (renamed)")
        .domain_allowlist(["example.com"])
        .await?;
    let renamed = find(&keys.list().await?, &id);
    println!(
        "3. updated   name={:?} allowlist={:?}",
        renamed.0, renamed.1
    );

    // Rotate: the replacement takes over the name and allowlist; the previous
    // key keeps working until it is revoked, once pages use the new one.
    let rotated = keys.rotate(&id).await?;
    let id = rotated.replacement.widget_key.id.clone();
    println!(
        "4. rotated   new key {} (shown once); the previous one is now {:?}",
        rotated.replacement.public_key, rotated.previous.name
    );
    keys.revoke(&rotated.previous.id).await?;
    keys.delete(&rotated.previous.id).await?;

    keys.revoke(&id).await?;
    let revoked = keys.list().await?.into_iter().find(|k| k.id == id);
    println!(
        "5. revoked   disabled={}",
        revoked.map(|k| k.is_disabled()).unwrap_or(false)
    );

    keys.delete(&id).await?;
    let still_there = keys.list().await?.iter().any(|k| k.id == id);
    println!(
        "6. deleted   {}",
        if still_there {
            "(it was used, so the Hub only disabled it)"
        } else {
            "(gone for good: it was never used)"
        }
    );
    Ok(())
}

fn find(keys: &[kataven::WidgetKey], id: &kataven::WidgetKeyId) -> (String, Vec<String>) {
    keys.iter()
        .find(|k| &k.id == id)
        .map(|k| (k.name.clone(), k.domain_allowlist.clone()))
        .unwrap_or_default()
}
