//! JSON pointers (RFC 6901), used to name the place of every problem.

/// `base` + `/` + the escaped `token`.
pub fn push(base: &str, token: &str) -> String {
    format!("{base}/{}", token.replace('~', "~0").replace('/', "~1"))
}

/// The unescaped tokens of a local reference such as `#/components/schemas/a~1b`.
pub fn tokens_of_ref(reference: &str) -> Option<Vec<String>> {
    let rest = reference.strip_prefix("#/")?;
    Some(
        rest.split('/')
            .map(|t| t.replace("~1", "/").replace("~0", "~"))
            .collect(),
    )
}

/// For a `#/components/<section>/<name>` reference, `(section, name)`.
pub fn component_of_ref(reference: &str) -> Option<(String, String)> {
    let tokens = tokens_of_ref(reference)?;
    match tokens.as_slice() {
        [components, section, name] if components == "components" => {
            Some((section.clone(), name.clone()))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_parses() {
        assert_eq!(push("/paths", "/api/v1/{id}"), "/paths/~1api~1v1~1{id}");
        assert_eq!(
            component_of_ref("#/components/schemas/data.WidgetKey"),
            Some(("schemas".into(), "data.WidgetKey".into()))
        );
        assert_eq!(component_of_ref("other.yaml#/x"), None);
    }
}
