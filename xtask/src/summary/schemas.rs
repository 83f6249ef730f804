//! The changes to component schemas: renamed, removed, added, and field by
//! field, marked by the side of the facade each schema is met on.

use std::collections::{BTreeMap, BTreeSet};

use crate::facade::rust_type_name;

use super::attribute_diff::field_diffs;
use super::compat::{Side, shape_ok};
use super::model::Model;
use super::reach::Reach;
use super::usage::Usage;
use super::{Change, Mark, RAW_ONLY};

/// The changes to component schemas between two models.
pub(super) fn changes(
    renames: &BTreeMap<String, String>,
    (old_m, new_m): (&Model, &Model),
    (old_reach, new_reach): (&Reach, &Reach),
    usage: &Usage<'_>,
) -> Vec<Change> {
    let mut schemas = Vec::new();
    let push = |list: &mut Vec<Change>, mark: Mark, what: String| list.push(Change { mark, what });

    let in_set = |set: fn(&Reach) -> &BTreeSet<String>, name: &str| {
        set(old_reach).contains(name) || set(new_reach).contains(name)
    };
    for (old_name, new_name) in renames {
        let reached = in_set(|r| &r.request, new_name) || in_set(|r| &r.response, new_name);
        match usage.names_type(old_name, reached) {
            Some(files) => push(
                &mut schemas,
                Mark::FacadeEdit,
                format!(
                    "{old_name}: renamed to {new_name}: rename types::{} to types::{} in {files}",
                    rust_type_name(old_name),
                    rust_type_name(new_name)
                ),
            ),
            None => push(
                &mut schemas,
                Mark::NonBreaking,
                format!("{old_name}: renamed to {new_name}"),
            ),
        }
    }
    for (schema, old_fields) in &old_m.schemas {
        let Some(new_fields) = new_m.schemas.get(schema) else {
            let reached = in_set(|r| &r.request, schema) || in_set(|r| &r.response, schema);
            match usage.names_type(schema, reached) {
                Some(files) => push(
                    &mut schemas,
                    Mark::Breaking,
                    format!("{schema}: schema removed; the facade names its type in {files}"),
                ),
                None => push(
                    &mut schemas,
                    Mark::NonBreaking,
                    format!("{schema}: schema removed (nothing the facade names)"),
                ),
            }
            continue;
        };
        let request = in_set(|r| &r.request, schema);
        let patch = in_set(|r| &r.patch_body, schema);
        let response = in_set(|r| &r.response, schema);
        let by: BTreeSet<String> = [old_reach, new_reach]
            .iter()
            .filter_map(|r| r.by.get(schema))
            .flatten()
            .cloned()
            .collect();
        let site = usage.type_site(schema, Some(&by));
        let mut names: BTreeSet<&String> = old_fields.keys().collect();
        names.extend(new_fields.keys());
        for name in names {
            let at = format!("{schema}.{name}");
            let (of, nf) = (old_fields.get(name), new_fields.get(name));
            let (what, request_mark, response_mark) = match (of, nf) {
                (Some(of), None) => (
                    format!("field removed (was {})", of.describe()),
                    Mark::Breaking,
                    Mark::Breaking,
                ),
                (None, Some(nf)) => (
                    format!("field added ({})", nf.describe()),
                    if nf.required {
                        Mark::Breaking
                    } else {
                        Mark::FacadeEdit
                    },
                    Mark::FacadeEdit,
                ),
                (Some(of), Some(nf)) => {
                    let diffs = field_diffs(of, nf);
                    if diffs.is_empty() {
                        continue;
                    }
                    let kind_changed = of.node.signature() != nf.node.signature();
                    let request_mark =
                        if shape_ok(Side::Request, &of.shape(patch), &nf.shape(patch)) {
                            Mark::NonBreaking
                        } else if kind_changed
                            || (nf.required && !of.required)
                            || (of.node.nullable && !nf.node.nullable)
                        {
                            Mark::Breaking
                        } else {
                            Mark::FacadeEdit
                        };
                    let response_mark =
                        if shape_ok(Side::Response, &of.shape(false), &nf.shape(false)) {
                            Mark::NonBreaking
                        } else if kind_changed
                            || (of.required && !nf.required)
                            || (nf.node.nullable && !of.node.nullable)
                        {
                            Mark::Breaking
                        } else {
                            Mark::FacadeEdit
                        };
                    (diffs.join("; "), request_mark, response_mark)
                }
                (None, None) => continue,
            };
            if !request && !response {
                push(
                    &mut schemas,
                    Mark::NonBreaking,
                    format!("{at}: {what}{RAW_ONLY}"),
                );
                continue;
            }
            let request_mark = if request {
                request_mark
            } else {
                Mark::NonBreaking
            };
            let response_mark = if response {
                response_mark
            } else {
                Mark::NonBreaking
            };
            let mut hints = Vec::new();
            let verb = match (of, nf) {
                (None, _) => ("add it to the body in", "map it in"),
                (_, None) => (
                    "remove it from the body in",
                    "remove it from the conversion in",
                ),
                _ => ("adapt the body in", "adapt the conversion in"),
            };
            if request_mark != Mark::NonBreaking {
                hints.push(format!("{} {site}", verb.0));
            }
            if response_mark != Mark::NonBreaking {
                hints.push(format!("{} {site}", verb.1));
            }
            let mark = request_mark.max(response_mark);
            let what = if hints.is_empty() {
                format!("{at}: {what}")
            } else {
                format!("{at}: {what}; {}", hints.join("; "))
            };
            push(&mut schemas, mark, what);
        }
    }
    for schema in new_m.schemas.keys() {
        if !old_m.schemas.contains_key(schema) {
            push(
                &mut schemas,
                Mark::NonBreaking,
                format!("{schema}: schema added"),
            );
        }
    }
    schemas
}
