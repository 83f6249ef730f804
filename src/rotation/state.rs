//! What a rotation that did not finish left on the Hub, for
//! [`Error::Rotation`](crate::Error::Rotation). A leaf: the error type
//! holds it, and the rotation steps (`rotation/mod.rs`) produce it.

use std::fmt;

/// The state the Hub is in after a rotation that did not finish, and what to
/// do next. A rerun of `rotate` on the same key continues from any of them:
/// it never mints a second replacement.
///
/// ```
/// # async fn run(client: kataven::Client, id: kataven::WidgetKeyId) -> kataven::Result<()> {
/// use kataven::RotationState;
///
/// match client.widget_keys().rotate(&id).await {
///     Ok(rotated) => println!("new key: {}", rotated.replacement.public_key),
///     Err(err) => match err.rotation_state() {
///         Some(RotationState::Unchanged) => eprintln!("nothing changed: {err}"),
///         Some(state) => eprintln!("rotation stopped half-way ({state:?}): {err}"),
///         None => return Err(err),
///     },
/// }
/// # Ok(()) }
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RotationState {
    /// Nothing changed on the Hub: the key is as it was, and there is no
    /// replacement. Fix the cause and rerun.
    Unchanged,
    /// The previous key carries the name that says it is being replaced
    /// (it still works), and no replacement exists. Rerun to continue.
    PreviousMarked {
        /// The previous key's name now.
        name: String,
    },
    /// The rename of the previous key may or may not have been applied (its
    /// answer was lost), and there is no replacement. Rerun to continue.
    PreviousMaybeMarked,
    /// A replacement may have been created whose plaintext nobody has: list
    /// the keys; a key named `name` other than the previous one is it.
    /// Delete it, then rerun. (This is the one state the SDK could not
    /// settle itself: the Hub could not be asked.)
    ReplacementUnknown {
        /// The name the replacement would have.
        name: String,
    },
    /// The replacement was created and its plaintext is in the error
    /// ([`Error::shown_once`](crate::Error::shown_once)): store it. Its
    /// listing could not be read back; the previous key is marked.
    ReplacementRecovered,
    /// The key was already rotated: its replacement exists (a rerun after a
    /// rotation that finished, or a key named like it). Revoke the previous
    /// key once the replacement is in use.
    AlreadyRotated {
        /// The replacement's id.
        replacement: String,
    },
}

impl fmt::Display for RotationState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RotationState::Unchanged => f.write_str("nothing changed on the Hub"),
            RotationState::PreviousMarked { name } => write!(
                f,
                "the key is now named {name:?} and still works; no replacement exists: rerun rotate"
            ),
            RotationState::PreviousMaybeMarked => f.write_str(
                "the key may have been renamed to say it is being replaced (it still works); \
                 no replacement exists: rerun rotate",
            ),
            RotationState::ReplacementUnknown { name } => write!(
                f,
                "a replacement named {name:?} may have been created without anyone getting its \
                 plaintext: list the keys, delete a key of that name other than this one, then rerun rotate"
            ),
            RotationState::ReplacementRecovered => f.write_str(
                "the replacement was created and the error holds its plaintext: store it now",
            ),
            RotationState::AlreadyRotated { replacement } => write!(
                f,
                "the key was already rotated: its replacement is {replacement}; revoke this key once the replacement is in use"
            ),
        }
    }
}
