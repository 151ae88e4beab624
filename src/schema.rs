//! The JSON Schema of the topology format, generated from the Rust types so it can never
//! drift from what the parser accepts.

use crate::model::Topology;
use std::collections::BTreeSet;
use std::sync::OnceLock;

/// The JSON Schema (draft 2020-12) of a topology file.
pub fn json_schema() -> serde_json::Value {
    let mut schema = serde_json::to_value(schemars::schema_for!(Topology)).unwrap_or_default();
    if let Some(obj) = schema.as_object_mut() {
        obj.insert(
            "title".into(),
            "hostplan topology (schema_version 1)".into(),
        );
        // A JSON topology may name its schema for editors (`"$schema": "schema/v1.json"`).
        if let Some(props) = obj.get_mut("properties").and_then(|p| p.as_object_mut()) {
            props.insert(
                "$schema".into(),
                serde_json::json!({ "type": "string", "description": "The JSON Schema of this file, for editors (ignored by hostplan)." }),
            );
        }
    }
    schema
}

/// The published schema (`schema/v1.json`, built in): the same value as [`json_schema`] (a
/// test keeps the file current), read from its text instead of generated from the types, so
/// a program that needs only this does not carry the schema generator (the web page).
pub fn published() -> serde_json::Value {
    serde_json::from_str(include_str!("../schema/v1.json")).unwrap_or_default()
}

/// Every key name that appears anywhere in the format (for "did you mean" hints).
pub fn known_keys() -> impl Iterator<Item = &'static str> {
    static KEYS: OnceLock<BTreeSet<String>> = OnceLock::new();
    KEYS.get_or_init(|| {
        let mut keys = BTreeSet::new();
        collect_keys(&published(), &mut keys);
        keys
    })
    .iter()
    .map(String::as_str)
}

fn collect_keys(value: &serde_json::Value, keys: &mut BTreeSet<String>) {
    match value {
        serde_json::Value::Object(map) => {
            if let Some(serde_json::Value::Object(props)) = map.get("properties") {
                keys.extend(props.keys().cloned());
            }
            for v in map.values() {
                collect_keys(v, keys);
            }
        }
        serde_json::Value::Array(items) => {
            for v in items {
                collect_keys(v, keys);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_published_schema_is_the_generated_one() {
        let published = super::published();
        assert!(published.get("$defs").is_some());
        assert_eq!(published, super::json_schema());
    }
}
