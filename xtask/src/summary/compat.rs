//! Whether the facade's conversions still accept a generated type that
//! changed, per side of the facade a value is on.

use super::model::{Leaf, Shape};

/// Where a value meets the facade.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Side {
    /// A request field: the facade hands a `String` through `TryFrom<String>`
    /// (other types as they are).
    Request,
    /// A response field: the facade takes it through `Into<String>` (a
    /// `uuid` id also as `Uuid` or `String`; other types as they are).
    Response,
    /// A path parameter: parsed with `FromStr`, passed by reference.
    Path,
}

pub(super) fn leaf_ok(side: Side, old: &Leaf, new: &Leaf) -> bool {
    if old == new {
        return true;
    }
    match side {
        Side::Request => {
            let from_string =
                |l: &Leaf| matches!(l, Leaf::Text { .. } | Leaf::Uuid | Leaf::Enum(_));
            from_string(old) && from_string(new)
        }
        Side::Response => match old {
            Leaf::Text { .. } => matches!(new, Leaf::Text { .. } | Leaf::Uuid),
            Leaf::Uuid => matches!(new, Leaf::Text { constrained: false }),
            _ => false,
        },
        Side::Path => {
            // Simple enums and primitives are passed by value, the rest as `&T`.
            let parsed = |l: &Leaf| {
                matches!(
                    l,
                    Leaf::Text { .. } | Leaf::Uuid | Leaf::DateTime | Leaf::Date | Leaf::Ip(_)
                )
            };
            parsed(old) && parsed(new)
        }
    }
}

pub(super) fn shape_ok(side: Side, old: &Shape, new: &Shape) -> bool {
    match (old, new) {
        (Shape::Leaf(a), Shape::Leaf(b)) => leaf_ok(side, a, b),
        (Shape::Vec(a), Shape::Vec(b))
        | (Shape::Set(a), Shape::Set(b))
        | (Shape::Option(a), Shape::Option(b)) => shape_ok(side, a, b),
        (Shape::Array(n, a), Shape::Array(m, b)) => n == m && shape_ok(side, a, b),
        _ => false,
    }
}
