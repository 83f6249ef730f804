//! What the end-to-end tests share: the built `kataven` binary run against
//! a mock Hub on a loopback port, as a script or a person would run it.

#![allow(dead_code)] // each test file uses its own part of it

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[allow(unused_imports)]
pub use kataven::mock::{Fault, MockHub};
#[allow(unused_imports)]
pub use serde_json::{Value, json};

/// One mock Hub, its runtime, and a scratch directory.
pub struct Hub {
    pub hub: MockHub,
    pub runtime: tokio::runtime::Runtime,
    pub dir: tempfile::TempDir,
}

/// What a run of the binary left.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn json(&self) -> Value {
        match serde_json::from_str(&self.stdout) {
            Ok(value) => value,
            Err(err) => panic!("stdout is not one JSON document ({err}): {self:#?}"),
        }
    }
}

pub fn kataven_bin() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_kataven"));
    command
        .env_remove("KATAVEN_API_KEY")
        .env_remove("KATAVEN_BASE_URL")
        .env_remove("KATAVEN_ACCOUNT_ID")
        // A developer's exported session would win over the mock's key.
        .env_remove("KATAVEN_TOKEN");
    command
}

/// Runs `command` with a directory where its keys file `keys_name` would
/// get its temporary file (`.NAME.PID.tmp`, made under the process's own
/// id: `exec` keeps the shell's), so that every save fails after the file
/// was opened and checked. Works as root too.
pub fn with_broken_save(command: &Command, keys_name: &str) -> Run {
    let mut wrapped = Command::new("sh");
    wrapped
        .arg("-c")
        .arg("mkdir \".$1.$$.tmp\" && shift && exec \"$@\"")
        .arg("sh")
        .arg(keys_name)
        .arg(command.get_program())
        .args(command.get_args());
    for (name, value) in command.get_envs() {
        match value {
            Some(value) => wrapped.env(name, value),
            None => wrapped.env_remove(name),
        };
    }
    if let Some(dir) = command.get_current_dir() {
        wrapped.current_dir(dir);
    }
    finish(&mut wrapped)
}

pub fn finish(command: &mut Command) -> Run {
    let output = command.stdin(Stdio::null()).output().unwrap();
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    }
}

/// Runs the binary without any Hub configuration.
pub fn offline(args: &[&str]) -> Run {
    finish(kataven_bin().args(args))
}

impl Hub {
    pub fn start() -> Hub {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let hub = runtime.block_on(MockHub::builder().api_key("sk_live_acme_clitests").start());
        Hub {
            hub,
            runtime,
            dir: tempfile::tempdir().unwrap(),
        }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn write(&self, name: &str, text: &str) -> String {
        let path = self.path(name);
        std::fs::write(&path, text).unwrap();
        path.display().to_string()
    }

    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = kataven_bin();
        command
            .args(args)
            .env("KATAVEN_API_KEY", self.hub.api_key())
            .env("KATAVEN_BASE_URL", self.hub.base_url())
            .current_dir(self.dir.path());
        command
    }

    pub fn run(&self, args: &[&str]) -> Run {
        finish(&mut self.command(args))
    }

    /// Creates a key directly through the SDK; returns its id.
    pub fn create(&self, name: &str, allowlist: &[&str]) -> String {
        let client = kataven::Client::builder()
            .api_key(self.hub.api_key())
            .base_url(self.hub.base_url())
            .build()
            .unwrap();
        let created = self
            .runtime
            .block_on(
                client
                    .widget_keys()
                    .create(name)
                    .domain_allowlist(allowlist.iter().copied())
                    .send(),
            )
            .unwrap();
        created.widget_key.id.to_string()
    }

    pub fn methods(&self) -> Vec<String> {
        self.hub.requests().into_iter().map(|r| r.method).collect()
    }

    pub fn names(&self) -> Vec<(String, bool)> {
        self.hub
            .widget_keys()
            .list()
            .into_iter()
            .map(|k| (k.name.clone(), k.is_disabled()))
            .collect()
    }
}

/// Replaces what changes from run to run (ids, times, keys) with markers,
/// so that snapshots compare. The widths of the replaced values are fixed,
/// so table alignment is stable too. Hand-written: insta's `filters` would
/// bring the regex crate into the build for these four patterns.
pub fn redact(text: &str) -> String {
    let mut out = String::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    let is_uuid = |s: &[char]| {
        s.len() == 36
            && s.iter().enumerate().all(|(j, c)| match j {
                8 | 13 | 18 | 23 => *c == '-',
                _ => c.is_ascii_hexdigit(),
            })
    };
    let is_time = |s: &[char]| {
        let t: String = s.iter().collect();
        t.len() == 20
            && t.ends_with(" UTC")
            && t.chars().enumerate().all(|(j, c)| match j {
                4 | 7 => c == '-',
                10 => c == ' ',
                13 => c == ':',
                16..=19 => true,
                _ => c.is_ascii_digit(),
            })
    };
    while i < chars.len() {
        if i + 36 <= chars.len() && is_uuid(&chars[i..i + 36]) {
            out.push_str("<id>");
            i += 36;
        } else if i + 20 <= chars.len() && is_time(&chars[i..i + 20]) {
            out.push_str("<time>");
            i += 20;
        } else if chars[i..].starts_with(&['p', 'k', '_', 'l', 'i', 'v', 'e', '_'])
            || chars[i..].starts_with(&['s', 'k', '_', 'l', 'i', 'v', 'e', '_'])
        {
            out.push(chars[i]);
            out.push_str("k_live_<key>");
            i += 8;
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
        } else if chars[i..].starts_with(&['1', '2', '7', '.', '0', '.', '0', '.', '1', ':']) {
            out.push_str("127.0.0.1:<port>");
            i += 10;
            while i < chars.len() && chars[i].is_ascii_digit() {
                i += 1;
            }
        } else if chars[i..].starts_with(&['r', 'e', 'q', '_']) {
            out.push_str("req_<id>");
            i += 4;
            while i < chars.len() && chars[i].is_ascii_alphanumeric() {
                i += 1;
            }
        } else if chars[i] == '…' && i + 9 <= chars.len() {
            out.push_str("…<last8>");
            i += 9;
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    out
}

pub fn mode(path: &Path) -> u32 {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        0o600
    }
}

/// Kills the child when the test ends, even when it fails.
pub struct KillOnDrop(pub std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Hub {
    /// The binary with a person's session (KATAVEN_TOKEN and
    /// KATAVEN_ACCOUNT_ID) instead of the API key: what API-key writes need.
    pub fn session_command(&self, args: &[&str]) -> Command {
        let mut command = kataven_bin();
        command
            .args(args)
            .env("KATAVEN_TOKEN", self.hub.jwt())
            .env("KATAVEN_ACCOUNT_ID", self.hub.account())
            .env("KATAVEN_BASE_URL", self.hub.base_url())
            .current_dir(self.dir.path());
        command
    }

    pub fn session(&self, args: &[&str]) -> Run {
        finish(&mut self.session_command(args))
    }

    /// Every API-key secret the Hub has issued.
    pub fn secrets(&self) -> Vec<String> {
        self.hub
            .api_keys()
            .issued()
            .iter()
            .map(|s| s.expose_secret().to_string())
            .collect()
    }

    /// Reads a JSON file of the scratch directory.
    pub fn read_json(&self, name: &str) -> Value {
        let text = std::fs::read_to_string(self.path(name)).unwrap();
        serde_json::from_str(&text).unwrap()
    }

    /// Runs the binary in a pseudo-terminal (util-linux `script`), typing
    /// `answer` and a newline at it. stdout and stderr arrive merged, as on
    /// a terminal.
    pub fn on_terminal(&self, args: &[&str], answer: &str) -> Run {
        let line: Vec<String> = std::iter::once(env!("CARGO_BIN_EXE_kataven").to_string())
            .chain(args.iter().map(|a| shell_quote(a)))
            .collect();
        let mut child = Command::new("script")
            .args(["-q", "-e", "-c", &line.join(" "), "/dev/null"])
            .env("SHELL", "/bin/sh")
            .env_remove("KATAVEN_TOKEN")
            .env_remove("KATAVEN_ACCOUNT_ID")
            .env("KATAVEN_API_KEY", self.hub.api_key())
            .env("KATAVEN_BASE_URL", self.hub.base_url())
            .current_dir(self.dir.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|err| panic!("the prompt tests need util-linux `script`: {err}"));
        let mut stdin = child.stdin.take().unwrap();
        // The transcript is read as it comes; the answer is typed once the
        // question is on the terminal (or the binary has ended without
        // asking), so the transcript's order does not depend on timing.
        let mut stdout = child.stdout.take().unwrap();
        let transcript = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let reader = {
            let transcript = transcript.clone();
            std::thread::spawn(move || {
                let mut buffer = [0u8; 4096];
                while let Ok(n) = std::io::Read::read(&mut stdout, &mut buffer) {
                    if n == 0 {
                        break;
                    }
                    transcript.lock().unwrap().extend_from_slice(&buffer[..n]);
                }
            })
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        let asked = |t: &std::sync::Mutex<Vec<u8>>| {
            String::from_utf8_lossy(&t.lock().unwrap()).contains("Only 'yes' is accepted: ")
        };
        while !asked(&transcript) && child.try_wait().unwrap().is_none() {
            assert!(
                Instant::now() < deadline,
                "the binary neither asked nor ended"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
        if child.try_wait().unwrap().is_none() {
            stdin.write_all(format!("{answer}\n").as_bytes()).unwrap();
            stdin.flush().unwrap();
        }
        // stdin stays open until the child ends: `script` ends the session
        // at its end.
        while child.try_wait().unwrap().is_none() {
            assert!(Instant::now() < deadline, "the binary did not end");
            std::thread::sleep(Duration::from_millis(10));
        }
        drop(stdin);
        let output = child.wait_with_output().unwrap();
        reader.join().unwrap();
        let transcript = transcript.lock().unwrap().clone();
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&transcript).replace("\r\n", "\n"),
            stderr: String::from_utf8_lossy(&output.stderr).to_string(),
        }
    }
}

fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "'\\''"))
}

pub const FILE_V1: &str = r#"
[[widget_key]]
name = "acme.com production"             # identity: unique in the file
domain_allowlist = ["acme.com", "*.acme.com"]
agent_id = "agent_01HZ2N7G3K8M0Q5R7T9V2X4Y6Z"   # optional; absent = unpinned
disabled = false                          # optional; default false

[[widget_key]]
name = "staging"
domain_allowlist = ["staging.acme.com", "localhost:*"]
"#;

pub const FILE_V2: &str = r#"
[[widget_key]]
name = "acme.com production"
domain_allowlist = ["*.acme.com", "ACME.com", "https://acme.io"]

[[widget_key]]
name = "staging"
domain_allowlist = ["staging.acme.com", "localhost:*"]
disabled = true

[[widget_key]]
name = "docs"
domain_allowlist = ["docs.acme.com"]
agent_id = "agent_docs"
"#;
