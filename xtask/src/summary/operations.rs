//! The changes to operations: parameters, request bodies, responses.

use std::collections::BTreeSet;

use super::attribute_diff::field_diffs;
use super::compat::{Side, shape_ok};
use super::model::{BodyType, Model, Node, body_type};
use super::usage::Usage;
use super::{Change, Mark, RAW_ONLY};

/// The changes to operations between two models.
pub(super) fn changes(old_m: &Model, new_m: &Model, usage: &Usage<'_>) -> Vec<Change> {
    let mut ops = Vec::new();
    let push = |list: &mut Vec<Change>, mark: Mark, what: String| list.push(Change { mark, what });

    for (key, o) in &old_m.ops {
        let called = usage.called(&o.id);
        let Some(n) = new_m.ops.get(key) else {
            if called {
                push(
                    &mut ops,
                    Mark::Breaking,
                    format!(
                        "{key} ({}): operation removed; remove the facade method that calls it in {}",
                        o.id,
                        usage.call_site(&o.id)
                    ),
                );
            } else {
                push(
                    &mut ops,
                    Mark::NonBreaking,
                    format!("{key} ({}): operation removed{RAW_ONLY}", o.id),
                );
            }
            continue;
        };
        let label = format!("{key} ({})", n.id);
        let site = usage.call_site(&o.id);
        // (mark, what, what to do when the facade calls it)
        let update = format!("update the call in {site}");
        let mut op_changes: Vec<(Mark, String, String)> = Vec::new();
        if o.id != n.id {
            op_changes.push((
                Mark::FacadeEdit,
                format!(
                    "operationId was {:?}: the generated method is renamed",
                    o.id
                ),
                update.clone(),
            ));
        }
        for (name, (place, of)) in &o.params {
            let Some((_, nf)) = n.params.get(name) else {
                let mark = if of.required {
                    Mark::Breaking
                } else {
                    Mark::FacadeEdit
                };
                op_changes.push((mark, format!("{name} removed"), update.clone()));
                continue;
            };
            let diffs = field_diffs(of, nf);
            if diffs.is_empty() {
                continue;
            }
            let what = format!("{name}: {}", diffs.join("; "));
            let mark = if of.required != nf.required {
                if nf.required {
                    Mark::Breaking
                } else {
                    Mark::FacadeEdit
                }
            } else {
                let ok = match place.as_str() {
                    // The facade passes optional headers as `None` (the
                    // client sends them itself).
                    "header" if !nf.required => true,
                    "path" => shape_ok(
                        Side::Path,
                        &of.node.shape().rendered(),
                        &nf.node.shape().rendered(),
                    ),
                    _ => shape_ok(Side::Request, &of.shape(false), &nf.shape(false)),
                };
                if ok {
                    Mark::NonBreaking
                } else if of.node.signature() != nf.node.signature() {
                    Mark::Breaking
                } else {
                    Mark::FacadeEdit
                }
            };
            op_changes.push((mark, what, update.clone()));
        }
        for (name, (_, nf)) in &n.params {
            if !o.params.contains_key(name) {
                // Positional methods: any new parameter is a new argument.
                let mark = if nf.required {
                    Mark::Breaking
                } else {
                    Mark::FacadeEdit
                };
                op_changes.push((
                    mark,
                    format!(
                        "{name} added ({}); the generated method takes one more argument",
                        nf.describe()
                    ),
                    update.clone(),
                ));
            }
        }
        match (&o.body, &n.body) {
            (Some(_), None) => op_changes.push((
                Mark::Breaking,
                "request body removed".into(),
                update.clone(),
            )),
            (None, Some(nb)) => op_changes.push((
                Mark::Breaking,
                format!("request body added ({})", nb.describe()),
                update.clone(),
            )),
            (Some(ob), Some(nb)) if ob != nb => {
                let mark = if ob.node.signature() != nb.node.signature() {
                    Mark::Breaking
                } else {
                    Mark::FacadeEdit
                };
                op_changes.push((
                    mark,
                    format!(
                        "request body changed from {} to {}",
                        ob.describe(),
                        nb.describe()
                    ),
                    update.clone(),
                ));
            }
            _ => {}
        }
        // Responses: the facade decodes a JSON success body into its
        // generated type unless it reads the status alone (`Call::status`
        // takes any type, and a non-JSON success can only be read so); it
        // reads every error body as raw bytes (`Error<ByteStream>`).
        let success_ok = match body_type(o, true) {
            old @ BodyType::Json(_) => usage.reads_status_only(&o.id) || body_type(n, true) == old,
            _ => true,
        };
        let error_ok = body_type(o, false) == body_type(n, false);
        let mut statuses: BTreeSet<&String> = o.responses.keys().collect();
        statuses.extend(n.responses.keys());
        for status in statuses {
            let describe = |r: &(String, Option<Node>)| match &r.1 {
                Some(schema) => format!("{} {}", r.0, schema.describe()),
                None => r.0.clone(),
            };
            let what = match (o.responses.get(status), n.responses.get(status)) {
                (Some(_), None) => format!("response {status} removed"),
                (None, Some(nr)) => format!("response {status} added ({})", describe(nr)),
                (Some(or), Some(nr)) if or != nr => format!(
                    "response {status} changed from {} to {}",
                    describe(or),
                    describe(nr)
                ),
                _ => continue,
            };
            let (ok, mark) = if status.starts_with('2') {
                (success_ok, Mark::Breaking)
            } else {
                (error_ok, Mark::FacadeEdit)
            };
            let mark = if ok { Mark::NonBreaking } else { mark };
            op_changes.push((
                mark,
                what,
                format!("the generated method returns another type: adapt the call in {site}"),
            ));
        }
        for (mark, what, todo) in op_changes {
            if !called {
                push(
                    &mut ops,
                    Mark::NonBreaking,
                    format!("{label}: {what}{RAW_ONLY}"),
                );
            } else if mark == Mark::NonBreaking {
                push(&mut ops, mark, format!("{label}: {what}"));
            } else {
                push(&mut ops, mark, format!("{label}: {what}; {todo}"));
            }
        }
    }
    for (key, n) in &new_m.ops {
        if !old_m.ops.contains_key(key) {
            push(
                &mut ops,
                Mark::NonBreaking,
                format!(
                    "{key} ({}): operation added; the facade does not call it yet",
                    n.id
                ),
            );
        }
    }
    ops
}
