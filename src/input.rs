//! Checks every resource makes on its caller's input before anything is sent:
//! a bad value is a clear [`Error::InvalidInput`] naming the parameter, and no
//! request leaves.

use crate::error::{Error, Result};
use crate::wire::{Param, PathParam};

/// An id of a resource whose ids are UUIDs (`noun` names the resource, as
/// in "widget key"), as the generated method takes it. The facade insists on
/// the Hub's UUID form whatever the spec says, so a typo fails before sending.
pub(crate) fn uuid_id<T: ?Sized + PathParam>(noun: &str, id: &str) -> Result<Param<T>> {
    let id = id.trim();
    if id.is_empty() {
        return Err(Error::invalid("id", format!("the {noun} id is empty")));
    }
    if uuid::Uuid::parse_str(id).is_err() {
        let article = if noun.starts_with(['a', 'e', 'i', 'o', 'u', 'A', 'E', 'I', 'O', 'U']) {
            "an"
        } else {
            "a"
        };
        return Err(Error::invalid(
            "id",
            format!(
                "`{}` is not {article} {noun} id (a UUID, as `list` returns it)",
                id.escape_debug()
            ),
        ));
    }
    Param::parse("id", id)
}

/// A name the Hub will show: not empty, not only whitespace.
pub(crate) fn check_name(name: &str) -> Result<()> {
    if name.trim().is_empty() {
        return Err(Error::invalid("name", "it is empty or only whitespace"));
    }
    Ok(())
}
