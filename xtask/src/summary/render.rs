//! The report `update-spec` prints: the count line and the marked changes.

use std::fmt::Write as _;

use serde_json::Value;

use crate::facade::Facade;

use super::usage::Usage;
use super::{Mark, changes};

/// The summary printed by `update-spec`. `facade` is what `src/` uses of
/// the generated code; `None` (no `src/`) counts every operation as called.
pub fn summarize(old: Option<&Value>, new: &Value, facade: Option<&Facade>) -> String {
    let empty = Value::Object(Default::default());
    let mut out = String::new();
    if old.is_none() {
        out.push_str("no previous openapi.json (or it is not JSON): everything below is new\n");
    }
    let usage = Usage { facade };
    let (ops, schemas) = changes(old.unwrap_or(&empty), new, &usage);
    let all = || ops.iter().chain(&schemas);
    let count = |mark: Mark| all().filter(|c| c.mark == mark).count();
    let (users, edits) = (count(Mark::Breaking), count(Mark::FacadeEdit));
    let breaking = users + edits;
    let total = ops.len() + schemas.len();
    if total == 0 {
        out.push_str(
            "API changes: none (only descriptions, examples or other annotations differ)\n",
        );
        return out;
    }
    if breaking == 0 {
        let _ = writeln!(
            out,
            "API changes: 0 breaking, {} non-breaking (the SDK compiles as is)",
            total
        );
    } else {
        let _ = writeln!(
            out,
            "API changes: {breaking} breaking ({users} for users of the facade, {edits} facade \
             edit{} only), {} non-breaking",
            if edits == 1 { "" } else { "s" },
            total - breaking
        );
        out.push_str(
            "  breaking = the SDK does not compile with this spec until the facade is edited \
             (the compile proof will refuse it);\n  BREAKING: users of the facade will see the \
             change; FACADE EDIT: they see nothing until the facade exposes it\n",
        );
    }
    if facade.is_none() {
        out.push_str("  (no src/ to read: every operation counts as called by the facade)\n");
    }
    for (title, list) in [("operations", &ops), ("schemas", &schemas)] {
        if list.is_empty() {
            continue;
        }
        let _ = writeln!(out, "  {title}:");
        for change in list {
            let _ = writeln!(out, "    [{}] {}", change.mark.label(), change.what);
        }
    }
    out
}
