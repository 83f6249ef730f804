//! `--keys-out FILE`: the plaintext keys, `{"NAME": "pk_live_..."}`, merged
//! into a JSON file that is replaced atomically and readable by its owner
//! only.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use kataven::PublicKey;
use serde_json::{Map, Value};

use crate::output::CliError;

/// The keys file, read once before anything is sent (so a file that cannot
/// be merged fails the command before a key is minted) and rewritten after
/// each new key.
#[derive(Debug)]
pub struct KeysFile {
    path: PathBuf,
    keys: Map<String, Value>,
}

impl KeysFile {
    /// Reads `path`; a missing file is an empty one, but its directory must
    /// exist.
    pub fn load(path: &Path) -> Result<Self, CliError> {
        if let Some(dir) = path
            .parent()
            .filter(|dir| !dir.as_os_str().is_empty() && !dir.is_dir())
        {
            return Err(CliError::msg(format!(
                "the keys file's directory {} does not exist; nothing was sent",
                dir.display()
            )));
        }
        let keys = match fs::read(path) {
            Err(err) if err.kind() == io::ErrorKind::NotFound => Map::new(),
            Err(err) => {
                return Err(CliError::msg(format!(
                    "cannot read the keys file {}: {err}",
                    path.display()
                )));
            }
            Ok(bytes) if bytes.iter().all(u8::is_ascii_whitespace) => Map::new(),
            Ok(bytes) => match serde_json::from_slice::<Value>(&bytes) {
                Ok(Value::Object(keys)) if keys.values().all(Value::is_string) => keys,
                _ => {
                    return Err(CliError::msg(format!(
                        "the keys file {} is not a JSON object of names and keys ({{\"NAME\": \"pk_live_...\"}}); nothing was sent",
                        path.display()
                    )));
                }
            },
        };
        Ok(Self {
            path: path.to_path_buf(),
            keys,
        })
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Adds (or replaces) `name`'s key and rewrites the file. Returns the
    /// key it replaced, if any.
    pub fn save(&mut self, name: &str, key: &PublicKey) -> Result<Option<String>, CliError> {
        let replaced = self
            .keys
            .insert(name.to_string(), Value::String(key.as_str().to_string()))
            .and_then(|old| old.as_str().map(str::to_string))
            .filter(|old| old != key.as_str());
        let mut text = serde_json::to_string_pretty(&self.keys)
            .map_err(|e| CliError::msg(format!("cannot encode the keys file: {e}")))?;
        text.push('\n');
        write_atomically(&self.path, text.as_bytes()).map_err(|err| {
            CliError::msg(format!(
                "cannot write the keys file {}: {err}",
                self.path.display()
            ))
        })?;
        Ok(replaced)
    }
}

/// Writes `bytes` to a new file next to `path` (mode 0600 from the start),
/// flushes it to disk, and renames it over `path`: readers see the old file
/// or the new one, never a part. Hand-written: `tempfile` would do the same
/// with more code than these lines.
fn write_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let file_name = path
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "the path names no file"))?;
    let mut temp_name = std::ffi::OsString::from(".");
    temp_name.push(file_name);
    temp_name.push(format!(".{}.tmp", std::process::id()));
    let temp = dir.join(temp_name);

    let written = (|| {
        let mut file = create_private(&temp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        drop(file);
        fs::rename(&temp, path)
    })();
    if written.is_err() {
        let _ = fs::remove_file(&temp);
        return written;
    }
    // The rename itself is durable once the directory is.
    if let Ok(dir) = fs::File::open(&dir) {
        let _ = dir.sync_all();
    }
    Ok(())
}

fn create_private(path: &Path) -> io::Result<fs::File> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    match options.open(path) {
        // A leftover of a run of ours that died mid-write: replace it.
        Err(err) if err.kind() == io::ErrorKind::AlreadyExists => {
            fs::remove_file(path)?;
            options.open(path)
        }
        other => other,
    }
}
