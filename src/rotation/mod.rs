//! Rotation of a key whose plaintext the Hub shows once, for any resource of
//! that shape: the Hub has no rotate endpoint, so it is built from list,
//! update, create and delete, in an order that loses nothing.
//!
//! 1. List, and find the key (enabled, and no other enabled key already
//!    named like its replacement).
//! 2. Rename it to `<name> (being replaced)`: it keeps working.
//! 3. Create the replacement with its settings, under its old name.
//!
//! Nothing comes after the create: the new plaintext is handed over the
//! moment it exists, and revoking the previous key is the caller's own,
//! later step. Every failure is settled before it is reported: a create
//! whose answer broke is looked up (by name and `key_last8`) to hand the
//! plaintext back all the same; one whose plaintext is lost is deleted, so
//! that nobody holds a key nobody can use; one that certainly failed puts
//! the old name back. What is left is an [`Error::Rotation`] whose
//! [`RotationState`] says what the Hub holds, and a rerun continues from
//! there without ever minting a second replacement.

pub(crate) mod state;

pub use state::RotationState;

use crate::error::{Error, Result};
use crate::shown_once::ShownOnce;

/// What a key's name ends with while its replacement takes over.
pub(crate) const MARKER: &str = " (being replaced)";

/// What a resource gives the rotation steps: its key type, a few of its
/// fields, and its calls.
pub(crate) trait Rotate {
    /// The key as listed.
    type Key: Clone;
    /// A created key with its plaintext.
    type Created;

    fn id(key: &Self::Key) -> &str;
    fn name(key: &Self::Key) -> &str;
    fn key_last8(key: &Self::Key) -> &str;
    fn is_disabled(key: &Self::Key) -> bool;
    /// `key` as it is after a rename to `name`.
    fn renamed(key: Self::Key, name: String) -> Self::Key;
    /// The created key for `key` (as listed) and its recovered plaintext,
    /// if the plaintext is this resource's.
    fn created_from(key: Self::Key, plaintext: &ShownOnce) -> Option<Self::Created>;
    /// Whether a replacement of `key` can be created as it is (its settings
    /// pass the create's own checks), before anything is changed.
    fn check_replacement(key: &Self::Key) -> Result<()>;

    async fn list(&self) -> Result<Vec<Self::Key>>;
    async fn rename(&self, id: &str, name: &str) -> Result<()>;
    /// Creates a key named `name` with the settings of `like`.
    async fn create_replacement(&self, like: &Self::Key, name: &str) -> Result<Self::Created>;
    async fn delete(&self, id: &str) -> Result<()>;
}

/// Rotates the key `id` of `keys`: the previous key (renamed) and its
/// replacement.
pub(crate) async fn rotate<R: Rotate>(keys: &R, id: &str) -> Result<(R::Key, R::Created)> {
    let fail = |state, problem: &str, cause: Option<Error>| Error::Rotation {
        key: id.to_string(),
        state,
        problem: problem.to_string(),
        cause: cause.map(Box::new),
    };
    let before = keys.list().await.map_err(|err| {
        fail(
            RotationState::Unchanged,
            "listing the keys failed",
            Some(err),
        )
    })?;
    let Some(key) = before.iter().find(|k| R::id(k) == id).cloned() else {
        return Err(fail(
            RotationState::Unchanged,
            "no key with this id in the account",
            None,
        ));
    };
    if R::is_disabled(&key) {
        return Err(fail(
            RotationState::Unchanged,
            "the key is revoked; only an enabled key is rotated (create a new one instead)",
            None,
        ));
    }
    let (base, marked) = match R::name(&key).strip_suffix(MARKER) {
        Some(base) => (base.to_string(), true),
        None => (R::name(&key).to_string(), false),
    };
    let marked_name = format!("{base}{MARKER}");
    let namesakes: Vec<&R::Key> = before
        .iter()
        .filter(|k| R::id(k) != id && R::name(k) == base && !R::is_disabled(k))
        .collect();
    match namesakes.as_slice() {
        [] => {}
        [replacement] if marked => {
            return Err(fail(
                RotationState::AlreadyRotated {
                    replacement: R::id(replacement).to_string(),
                },
                "an enabled key already has the replacement's name",
                None,
            ));
        }
        _ => {
            return Err(fail(
                RotationState::Unchanged,
                "another enabled key has the name the replacement would take; rename or revoke it, \
                 so that the replacement can be told apart",
                None,
            ));
        }
    }
    crate::input::check_name(&base).map_err(|err| {
        fail(
            RotationState::Unchanged,
            "the replacement's name would be empty",
            Some(err),
        )
    })?;
    R::check_replacement(&key).map_err(|err| {
        fail(
            RotationState::Unchanged,
            "the key's settings would not pass a create as they are",
            Some(err),
        )
    })?;

    if !marked && let Err(err) = keys.rename(id, &marked_name).await {
        let state = if err.is_possibly_applied() {
            RotationState::PreviousMaybeMarked
        } else {
            RotationState::Unchanged
        };
        return Err(fail(
            state,
            "renaming the key to say it is being replaced failed",
            Some(err),
        ));
    }
    let previous = R::renamed(key.clone(), marked_name.clone());
    let err = match keys.create_replacement(&key, &base).await {
        Ok(created) => return Ok((previous, created)),
        Err(err) => err,
    };

    let settled = Settle {
        keys,
        id,
        before: &before,
        base: &base,
        previous_name: if marked { &marked_name } else { R::name(&key) },
        marked_name: &marked_name,
    };
    match settled.after_failed_create(err).await {
        Ok(created) => Ok((previous, created)),
        Err((state, problem, cause)) => Err(fail(state, &problem, Some(cause))),
    }
}

/// What the rotation knows when its create failed.
struct Settle<'a, R: Rotate> {
    keys: &'a R,
    id: &'a str,
    /// The keys as they were before anything changed.
    before: &'a [R::Key],
    /// The replacement's name.
    base: &'a str,
    /// The previous key's name before this call.
    previous_name: &'a str,
    marked_name: &'a str,
}

type Unsettled = (RotationState, String, Error);

impl<R: Rotate> Settle<'_, R> {
    async fn after_failed_create(&self, err: Error) -> std::result::Result<R::Created, Unsettled> {
        // The answer broke, but held the plaintext: find the key it belongs
        // to (new, named like the replacement, same last 8 characters).
        if let Some(plaintext) = err.shown_once() {
            let last8 = crate::id::last8(plaintext.value());
            let found = match self.keys.list().await {
                Ok(after) => self
                    .new_keys(after)
                    .into_iter()
                    .find(|k| R::key_last8(k) == last8),
                Err(_) => None,
            };
            if let Some(created) = found.and_then(|key| R::created_from(key, plaintext)) {
                return Ok(created);
            }
            return Err((
                RotationState::ReplacementRecovered,
                "creating the replacement succeeded, but its answer broke".to_string(),
                err,
            ));
        }
        // Created without a plaintext (a 2xx whose body was lost), or maybe
        // created (no answer, a timeout, a 5xx): ask the Hub.
        let created_maybe = err.is_possibly_applied() || matches!(err, Error::Decode { .. });
        if !created_maybe {
            return Err(self
                .put_name_back(err, "creating the replacement failed")
                .await);
        }
        let after = match self.keys.list().await {
            Ok(after) => after,
            Err(_) => {
                return Err((
                    RotationState::ReplacementUnknown {
                        name: self.base.to_string(),
                    },
                    "creating the replacement may have succeeded, and listing the keys to find out failed"
                        .to_string(),
                    err,
                ));
            }
        };
        match self.new_keys(after).as_slice() {
            [] => Err(self
                .put_name_back(
                    err,
                    "creating the replacement failed (the Hub holds no replacement)",
                )
                .await),
            [orphan] => {
                // Nobody has its plaintext, so nobody can use it: delete it
                // (never used, so it goes for good) rather than leave a key
                // that only confuses the next rotation.
                let orphan_id = R::id(orphan).to_string();
                match self.keys.delete(&orphan_id).await {
                    Ok(()) => Err((
                        RotationState::PreviousMarked {
                            name: self.marked_name.to_string(),
                        },
                        format!(
                            "the replacement was created but its answer was lost, so nobody has its plaintext; \
                             it ({orphan_id}) was deleted"
                        ),
                        err,
                    )),
                    Err(_) => Err((
                        RotationState::ReplacementUnknown {
                            name: self.base.to_string(),
                        },
                        format!(
                            "the replacement ({orphan_id}) was created but its answer was lost, and deleting it failed"
                        ),
                        err,
                    )),
                }
            }
            _ => Err((
                RotationState::ReplacementUnknown {
                    name: self.base.to_string(),
                },
                "creating the replacement may have succeeded, and several new keys have its name"
                    .to_string(),
                err,
            )),
        }
    }

    /// The keys of `after` that were not there before, named like the
    /// replacement.
    fn new_keys(&self, after: Vec<R::Key>) -> Vec<R::Key> {
        after
            .into_iter()
            .filter(|k| R::name(k) == self.base)
            .filter(|k| !self.before.iter().any(|old| R::id(old) == R::id(k)))
            .collect()
    }

    /// No replacement exists: give the previous key its name back, so that
    /// nothing is half-done.
    async fn put_name_back(&self, err: Error, problem: &str) -> Unsettled {
        if self.previous_name == self.marked_name {
            let state = RotationState::PreviousMarked {
                name: self.marked_name.to_string(),
            };
            return (state, problem.to_string(), err);
        }
        let state = match self.keys.rename(self.id, self.previous_name).await {
            Ok(()) => RotationState::Unchanged,
            Err(_) => RotationState::PreviousMarked {
                name: self.marked_name.to_string(),
            },
        };
        (state, problem.to_string(), err)
    }
}
