//! `--keys-out FILE`: the plaintext keys, kept in a JSON file that only its
//! owner may read, `{"widget_keys": {"NAME": "pk_live_..."}, "api_keys":
//! {"NAME": "sk_live_..."}}`.
//!
//! - Checked before anything is sent: a directory, a symlink, a file or
//!   directory that cannot be written, or a file that is not such a JSON
//!   object fails the command before a key exists. A symlink is refused
//!   (not followed): the file is replaced by a rename, which would replace
//!   the link itself and leave its target stale; pass the target's path.
//! - Locked for the whole run (`FILE.lock`, an advisory lock next to it):
//!   a second run with the same file stops before it sends anything.
//! - Re-read before each save and rewritten atomically (a temporary file
//!   made 0600 from the start, synced, renamed over the old one), so a
//!   change another tool made meanwhile is kept.
//!
//! A file of the earlier flat form, `{"NAME": "pk_live_..."}`, is read as
//! widget keys and written in the new form.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use crate::output::CliError;

/// Which plaintexts: widget keys (public) or API keys (secrets).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Widget,
    Api,
}

impl Kind {
    fn section(self) -> &'static str {
        match self {
            Kind::Widget => "widget_keys",
            Kind::Api => "api_keys",
        }
    }

    /// `a widget key` / `an API key`, for messages.
    pub fn a_words(self) -> &'static str {
        match self {
            Kind::Widget => "a widget key",
            Kind::Api => "an API key",
        }
    }

    /// `widget key` / `API key`, for messages.
    pub fn words(self) -> &'static str {
        match self {
            Kind::Widget => "widget key",
            Kind::Api => "API key",
        }
    }
}

/// The keys file, checked and locked.
#[derive(Debug)]
pub struct KeysFile {
    path: PathBuf,
    /// Held (locked) until the run ends.
    _lock: fs::File,
}

/// The file's sections.
#[derive(Default)]
pub struct Contents {
    pub widget_keys: Map<String, Value>,
    pub api_keys: Map<String, Value>,
}

/// Names only: the API keys' plaintexts are secrets.
impl std::fmt::Debug for Contents {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Contents")
            .field("widget_keys", &self.widget_keys.keys().collect::<Vec<_>>())
            .field("api_keys", &self.api_keys.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl Contents {
    fn section(&self, kind: Kind) -> &Map<String, Value> {
        match kind {
            Kind::Widget => &self.widget_keys,
            Kind::Api => &self.api_keys,
        }
    }

    fn section_mut(&mut self, kind: Kind) -> &mut Map<String, Value> {
        match kind {
            Kind::Widget => &mut self.widget_keys,
            Kind::Api => &mut self.api_keys,
        }
    }

    /// The plaintext kept for `name`.
    pub fn get(&self, kind: Kind, name: &str) -> Option<&str> {
        self.section(kind).get(name).and_then(Value::as_str)
    }
}

impl KeysFile {
    /// Checks `path` (see the module docs), takes the lock and reads the
    /// file once to check its form. Nothing has been sent when it fails.
    pub fn open(path: &Path) -> Result<Self, CliError> {
        let shown = path.display();
        let refuse =
            |why: String| CliError::msg(format!("--keys-out {shown}: {why}; nothing was sent"));
        let dir = match path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
            _ => PathBuf::from("."),
        };
        if path.file_name().is_none() {
            return Err(refuse("the path names no file".into()));
        }
        if !dir.is_dir() {
            return Err(refuse(format!(
                "the directory {} does not exist",
                dir.display()
            )));
        }
        match fs::symlink_metadata(path) {
            Ok(meta) if meta.file_type().is_symlink() => {
                return Err(refuse(
                    "it is a symlink, which the CLI does not follow (the file is replaced by a rename, which would replace the link); pass the target's path".into(),
                ));
            }
            Ok(meta) if meta.is_dir() => return Err(refuse("it is a directory".into())),
            Ok(_) => {
                // It is replaced, not written in place, but a read-only file
                // says its owner does not want it changed.
                if let Err(err) = fs::OpenOptions::new().append(true).open(path) {
                    return Err(refuse(format!("it cannot be written ({err})")));
                }
            }
            Err(err) if err.kind() == io::ErrorKind::NotFound => {}
            Err(err) => return Err(refuse(format!("it cannot be read ({err})"))),
        }
        // Creating the lock file proves the directory can be written, which
        // the atomic replace needs. A symlink there is refused, not
        // followed (it could point anywhere the user may write).
        let lock_path = lock_path(path);
        if fs::symlink_metadata(&lock_path).is_ok_and(|m| m.file_type().is_symlink()) {
            return Err(refuse(format!(
                "its lock file {} is a symlink, which the CLI does not follow; remove it",
                lock_path.display()
            )));
        }
        let lock = fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|err| {
                refuse(format!(
                    "its directory cannot be written (creating {} failed: {err})",
                    lock_path.display()
                ))
            })?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(fs::TryLockError::WouldBlock) => {
                return Err(refuse(format!(
                    "another kataven run holds its lock ({}); wait for it to finish",
                    lock_path.display()
                )));
            }
            Err(fs::TryLockError::Error(err)) => {
                return Err(refuse(format!(
                    "it cannot be locked ({}: {err})",
                    lock_path.display()
                )));
            }
        }
        let file = Self {
            path: path.to_path_buf(),
            _lock: lock,
        };
        file.read().map_err(|err| refuse(err.to_string()))?;
        Ok(file)
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Reads the file as it is now; a missing or empty file is empty.
    pub fn read(&self) -> Result<Contents, CliError> {
        let bytes = match fs::read(&self.path) {
            Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(Contents::default()),
            Err(err) => {
                return Err(CliError::msg(format!(
                    "cannot read the keys file {}: {err}",
                    self.path.display()
                )));
            }
            Ok(bytes) => bytes,
        };
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(Contents::default());
        }
        let bad = || {
            CliError::msg(format!(
                "the keys file {} is not a JSON object of the form {{\"widget_keys\": {{\"NAME\": \"pk_live_...\"}}, \"api_keys\": {{\"NAME\": \"sk_live_...\"}}}}",
                self.path.display()
            ))
        };
        let Ok(Value::Object(doc)) = serde_json::from_slice::<Value>(&bytes) else {
            return Err(bad());
        };
        let strings = |section: &Value| match section {
            Value::Object(keys) if keys.values().all(Value::is_string) => Some(keys.clone()),
            _ => None,
        };
        if doc.values().all(Value::is_string) {
            // The earlier flat form: widget keys.
            return Ok(Contents {
                widget_keys: doc,
                api_keys: Map::new(),
            });
        }
        let mut contents = Contents::default();
        for (name, section) in &doc {
            match (name.as_str(), strings(section)) {
                ("widget_keys", Some(keys)) => contents.widget_keys = keys,
                ("api_keys", Some(keys)) => contents.api_keys = keys,
                _ => return Err(bad()),
            }
        }
        Ok(contents)
    }

    /// Re-reads the file, sets `name`'s plaintext and rewrites it. Another
    /// plaintext already under `name` (a key of the same name, made with
    /// `--allow-duplicate-name`) is never dropped: it moves to `NAME …last8`,
    /// as a rotation's previous key does. Returns the name it moved to.
    pub fn save(
        &self,
        kind: Kind,
        name: &str,
        plaintext: &str,
    ) -> Result<Option<String>, CliError> {
        self.edit(|contents| {
            let section = contents.section_mut(kind);
            let old = section
                .insert(name.to_string(), Value::String(plaintext.to_string()))
                .and_then(|old| old.as_str().map(str::to_string))
                .filter(|old| old != plaintext)?;
            let mut to = format!("{name} …{}", self::last8(&old));
            // Taken by yet another plaintext: number it, never overwrite.
            let mut n: u32 = 2;
            while section
                .get(&to)
                .and_then(Value::as_str)
                .is_some_and(|held| held != old)
            {
                to = format!("{name} …{} ({n})", self::last8(&old));
                n = n.saturating_add(1);
            }
            section.insert(to.clone(), Value::String(old));
            Some(to)
        })
    }

    /// A rotation's first step in the file: the plaintext kept under
    /// `name`, if it is the previous key's (its last 8 characters are
    /// `last8`), moves to the previous key's new name `to`, so that saving
    /// the replacement under `name` replaces nothing still in use.
    pub fn move_previous(
        &self,
        kind: Kind,
        name: &str,
        last8: &str,
        to: &str,
    ) -> Result<(), CliError> {
        let held = self.read()?;
        if held.get(kind, name).is_none_or(|p| self::last8(p) != last8) {
            return Ok(());
        }
        self.edit(|contents| {
            let section = contents.section_mut(kind);
            if let Some(old) = section.remove(name) {
                // Another previous key may hold that name already: neither
                // plaintext is dropped.
                let to = if section.contains_key(to) {
                    format!("{to} …{last8}")
                } else {
                    to.to_string()
                };
                section.insert(to, old);
            }
        })
    }

    /// Drops the plaintext of a revoked key, kept under `name` or under
    /// `name …last8` (see [`move_previous`](Self::move_previous)).
    pub fn forget(&self, kind: Kind, name: &str, last8: &str) -> Result<(), CliError> {
        let marked = format!("{name} …{last8}");
        let held = self.read()?;
        let Some(entry) = [name, marked.as_str()]
            .into_iter()
            .find(|n| held.get(kind, n).is_some_and(|p| self::last8(p) == last8))
        else {
            return Ok(());
        };
        self.edit(|contents| {
            contents.section_mut(kind).remove(entry);
        })
    }

    /// Re-reads the file, changes it, and rewrites it atomically.
    fn edit<R>(&self, change: impl FnOnce(&mut Contents) -> R) -> Result<R, CliError> {
        let mut contents = self.read()?;
        let result = change(&mut contents);
        let doc = serde_json::json!({
            Kind::Widget.section(): contents.widget_keys,
            Kind::Api.section(): contents.api_keys,
        });
        let mut text = serde_json::to_string_pretty(&doc)
            .map_err(|e| CliError::msg(format!("cannot encode the keys file: {e}")))?;
        text.push('\n');
        write_atomically(&self.path, text.as_bytes()).map_err(|err| {
            CliError::msg(format!(
                "cannot write the keys file {}: {err}",
                self.path.display()
            ))
        })?;
        Ok(result)
    }
}

/// `FILE.lock`, next to the file.
fn lock_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_os_string();
    name.push(".lock");
    PathBuf::from(name)
}

/// Writes `bytes` to a new file next to `path` (mode 0600 from the start),
/// flushes it to disk, and renames it over `path`: readers see the old file
/// or the new one, never a part. Hand-written: `tempfile` would do the same
/// with more code than these lines.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
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

/// The last 8 characters of a plaintext, as the Hub's `key_last8` shows
/// them: how a kept plaintext is matched to a listed key.
pub fn last8(plaintext: &str) -> &str {
    let start = plaintext
        .char_indices()
        .rev()
        .nth(7)
        .map_or(0, |(at, _)| at);
    plaintext.get(start..).unwrap_or(plaintext)
}

#[cfg(test)]
mod tests {
    use super::last8;

    #[test]
    fn last8_takes_the_tail() {
        assert_eq!(last8("pk_live_acme_0123456789"), "23456789");
        assert_eq!(last8("short"), "short");
    }
}
