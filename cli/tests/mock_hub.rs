//! `kataven mock-hub` and `kataven completion`.

mod common;

use common::*;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

#[test]
fn mock_hub_serves_until_stopped() {
    let mut child = KillOnDrop(
        kataven_bin()
            .args(["mock-hub", "--port", "0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let mut lines = BufReader::new(child.0.stdout.take().unwrap()).lines();
    let mut env = Vec::new();
    for _ in 0..2 {
        let line = lines.next().unwrap().unwrap();
        let (name, value) = line
            .strip_prefix("export ")
            .unwrap()
            .split_once('=')
            .unwrap();
        env.push((name.to_string(), value.to_string()));
    }
    assert_eq!(env[0].0, "KATAVEN_BASE_URL");
    assert!(env[0].1.starts_with("http://127.0.0.1:"));
    assert_eq!(env[1].0, "KATAVEN_API_KEY");
    let run = finish(
        kataven_bin()
            .args(["widget-keys", "create", "tried", "--domain", "acme.com"])
            .envs(env.clone()),
    );
    assert_eq!(run.code, 0, "{run:#?}");
    let run = finish(
        kataven_bin()
            .args(["widget-keys", "list", "--output", "json"])
            .envs(env),
    );
    assert_eq!(run.json()["widget_keys"][0]["name"], "tried");
    // SIGTERM (not the SIGKILL of the guard) stops it cleanly.
    #[cfg(unix)]
    {
        let stopped = Command::new("kill")
            .arg(child.0.id().to_string())
            .status()
            .unwrap();
        assert!(stopped.success());
        assert_eq!(child.0.wait().unwrap().code(), Some(0));
    }
}

#[test]
fn completion_scripts() {
    for shell in ["bash", "zsh", "fish"] {
        let run = offline(&["completion", shell]);
        assert_eq!(run.code, 0, "{shell}");
        assert!(
            run.stdout.contains("widget-keys") && run.stdout.contains("keys-out"),
            "{shell}"
        );
    }
}

#[test]
fn mock_hub_with_a_session_lets_api_keys_be_tried() {
    let mut child = KillOnDrop(
        kataven_bin()
            .args(["mock-hub", "--session"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let mut lines = BufReader::new(child.0.stdout.take().unwrap()).lines();
    let mut env = Vec::new();
    for _ in 0..4 {
        let line = lines.next().unwrap().unwrap();
        let (name, value) = line
            .strip_prefix("export ")
            .unwrap()
            .split_once('=')
            .unwrap();
        env.push((name.to_string(), value.to_string()));
    }
    let names: Vec<&str> = env.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "KATAVEN_BASE_URL",
            "KATAVEN_API_KEY",
            "KATAVEN_TOKEN",
            "KATAVEN_ACCOUNT_ID"
        ]
    );
    let run = finish(
        kataven_bin()
            .args(["api-keys", "create", "tried", "--show-secret", "-o", "json"])
            .envs(env),
    );
    assert_eq!(run.code, 0, "{run:#?}");
    assert!(
        run.json()["secret_key"]
            .as_str()
            .unwrap()
            .starts_with("sk_live_")
    );
}
