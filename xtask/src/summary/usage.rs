//! What the facade uses of the generated code: the operations it calls, the
//! types it names, and the files to edit for each.

use std::collections::BTreeSet;

use crate::facade::{Facade, rust_type_name};

/// What the facade uses: the operations it calls and the files to edit.
pub(super) struct Usage<'a> {
    pub(super) facade: Option<&'a Facade>,
}

impl Usage<'_> {
    pub(super) fn called(&self, id: &str) -> bool {
        self.facade.is_none_or(|f| !f.calls(id).is_empty())
    }

    pub(super) fn files(list: Vec<&str>) -> Option<String> {
        (!list.is_empty()).then(|| list.join(", "))
    }

    /// Where the facade calls `id`.
    pub(super) fn call_site(&self, id: &str) -> String {
        self.facade
            .and_then(|f| Self::files(f.calls(id)))
            .unwrap_or_else(|| "src/".into())
    }

    /// Where the facade names the type of `schema`, else where it calls the
    /// operations that reach it.
    pub(super) fn type_site(&self, schema: &str, by: Option<&BTreeSet<String>>) -> String {
        let Some(facade) = self.facade else {
            return "src/".into();
        };
        if let Some(files) = Self::files(facade.names(&rust_type_name(schema))) {
            return files;
        }
        let mut files: Vec<&str> = by
            .into_iter()
            .flatten()
            .flat_map(|id| facade.calls(id))
            .collect();
        files.sort();
        files.dedup();
        Self::files(files).unwrap_or_else(|| "src/".into())
    }

    /// Whether every call of `id` reads only the answer's status.
    pub(super) fn reads_status_only(&self, id: &str) -> bool {
        self.facade.is_some_and(|f| f.reads_status_only(id))
    }

    /// Whether the facade names the generated type of `schema`.
    pub(super) fn names_type(&self, schema: &str, reached: bool) -> Option<String> {
        match self.facade {
            Some(facade) => Self::files(facade.names(&rust_type_name(schema))),
            None => reached.then(|| "src/".into()),
        }
    }
}
