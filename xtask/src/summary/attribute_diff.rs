//! The attribute-level differences of two values, as the summary words them.

use super::model::{Field, Node, TYPE_KEYWORDS};

/// The attribute-level differences of two values, e.g. `pattern "^x$"
/// added`, `now nullable`, `items: format "uuid" dropped`.
pub(super) fn node_diffs(old: &Node, new: &Node, prefix: &str, out: &mut Vec<String>) {
    if old.kind != new.kind {
        out.push(format!(
            "{prefix}type changed from {} to {}",
            old.describe(),
            new.describe()
        ));
        return;
    }
    if old.nullable != new.nullable {
        out.push(format!(
            "{prefix}{}",
            if new.nullable {
                "now nullable"
            } else {
                "no longer nullable"
            }
        ));
    }
    for key in TYPE_KEYWORDS {
        match (old.attr(key), new.attr(key)) {
            (Some(a), None) => out.push(format!("{prefix}{key} {a} dropped")),
            (None, Some(b)) => out.push(format!("{prefix}{key} {b} added")),
            (Some(a), Some(b)) if a != b => {
                out.push(format!("{prefix}{key} changed from {a} to {b}"))
            }
            _ => {}
        }
    }
    if old.inline != new.inline {
        out.push(format!("{prefix}inline schema changed"));
    }
    if let (Some(a), Some(b)) = (&old.items, &new.items) {
        node_diffs(a, b, &format!("{prefix}items: "), out);
    }
}

pub(super) fn field_diffs(old: &Field, new: &Field) -> Vec<String> {
    let mut out = Vec::new();
    node_diffs(&old.node, &new.node, "", &mut out);
    if old.required != new.required {
        out.push(if new.required {
            "now required".into()
        } else {
            "now optional".into()
        });
    }
    out
}
