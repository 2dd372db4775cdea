//! `schemas/privlint-config.schema.json` (for editors: yaml-language-server) and the
//! configuration parser must describe the same file. The parser's side is read from its
//! behaviour: what it accepts, and the keys and values its errors say it expects.

use std::path::{Path, PathBuf};

use privlint::config::{self, Overrides};
use privlint::rules;
use serde_json::{Map, Value};

/// Keys the schema documents that the parser does not read yet. Each must still be refused
/// by the parser (checked below), so the list cannot go stale: when the parser learns a key,
/// this test fails until the key is taken off the list.
const NOT_YET_PARSED: &[&str] = &[];

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn schema() -> Value {
    let text = std::fs::read_to_string(root().join("schemas/privlint-config.schema.json"))
        .expect("the schema exists");
    serde_json::from_str(&text).expect("the schema is JSON")
}

fn validator() -> jsonschema::Validator {
    jsonschema::validator_for(&schema()).expect("the schema is a valid JSON Schema")
}

fn schema_errors(validator: &jsonschema::Validator, yaml: &str) -> Vec<String> {
    let instance: Value = serde_yaml::from_str(yaml).expect("YAML");
    validator
        .iter_errors(&instance)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect()
}

/// Parse `yaml` as a configuration file and resolve it against the built-in rules.
fn parse(yaml: &str) -> Result<(), String> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("privlint.yaml");
    std::fs::write(&path, yaml).unwrap();
    let loaded = config::load(&path).map_err(|e| e[0].message.clone())?;
    let rules = rules::load(&[]).expect("built-in rules");
    config::resolve(Some(&loaded), &Overrides::default(), &rules)
        .map(|_| ())
        .map_err(|e| e[0].message.clone())
}

/// The names in backquotes after "expected" in a serde error: what the parser accepts.
fn expected_names(message: &str) -> Vec<String> {
    let (_, list) = message
        .split_once("expected")
        .unwrap_or_else(|| panic!("no list of expected names in: {message}"));
    list.split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect()
}

fn sorted(mut names: Vec<String>) -> Vec<String> {
    names.sort();
    names
}

fn keys(object: &Value) -> Vec<String> {
    sorted(object.as_object().unwrap().keys().cloned().collect())
}

/// An example value for a schema property: its first example, else its default.
fn example(property: &Value) -> Value {
    property["examples"]
        .get(0)
        .or_else(|| property.get("default"))
        .cloned()
        .unwrap_or_else(|| panic!("no example or default in {property}"))
}

#[test]
fn fixture_configurations_follow_the_schema() {
    let validator = validator();
    let mut configs: Vec<PathBuf> = walkdir::WalkDir::new(root().join("fixtures"))
        .into_iter()
        .filter_map(Result::ok)
        .map(|e| e.into_path())
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| config::CONFIG_NAMES.iter().any(|c| n == *c))
        })
        .collect();
    configs.sort();
    assert!(!configs.is_empty());
    for path in configs {
        let text = std::fs::read_to_string(&path).unwrap();
        let errors = schema_errors(&validator, &text);
        assert!(errors.is_empty(), "{}: {errors:#?}", path.display());
        parse(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    }
}

#[test]
fn every_documented_key_is_parsed_and_every_parsed_key_is_documented() {
    let schema = schema();
    let validator = validator();
    let properties = &schema["properties"];

    // What the parser reads, from its own error for an unknown key.
    let unknown = parse("no_such_key: 1\n").expect_err("unknown keys are refused");
    let parsed = sorted(expected_names(&unknown));
    let documented: Vec<String> = keys(properties)
        .into_iter()
        .filter(|k| !NOT_YET_PARSED.contains(&k.as_str()))
        .collect();
    assert_eq!(parsed, documented, "top-level keys");
    let unknown = parse("files:\n  no_such_key: []\n").expect_err("unknown keys are refused");
    assert_eq!(
        sorted(expected_names(&unknown)),
        keys(&properties["files"]["properties"]),
        "files keys"
    );

    // Each documented key with its example value is valid for both.
    let mut everything = Map::new();
    for (key, property) in properties.as_object().unwrap() {
        let mut value = example(property);
        if key == "files" {
            value = properties["files"]["properties"]
                .as_object()
                .unwrap()
                .iter()
                .map(|(k, p)| (k.clone(), example(p)))
                .collect::<Map<_, _>>()
                .into();
        }
        let yaml = serde_yaml::to_string(&Value::Object(
            [(key.clone(), value.clone())].into_iter().collect(),
        ))
        .unwrap();
        assert!(
            schema_errors(&validator, &yaml).is_empty(),
            "{key}: the schema's own example"
        );
        let result = parse(&yaml);
        if NOT_YET_PARSED.contains(&key.as_str()) {
            let error = result.expect_err(key);
            assert!(
                error.contains(&format!("unknown field `{key}`")),
                "the parser now reads `{key}`: take it off NOT_YET_PARSED ({error})"
            );
            continue;
        }
        result.unwrap_or_else(|e| panic!("{key}: {e}\n{yaml}"));
        everything.insert(key.clone(), value);
    }
    let yaml = serde_yaml::to_string(&Value::Object(everything)).unwrap();
    assert!(schema_errors(&validator, &yaml).is_empty());
    parse(&yaml).unwrap_or_else(|e| panic!("{e}\n{yaml}"));

    // Both refuse what neither knows.
    assert!(!schema_errors(&validator, "no_such_key: 1\n").is_empty());
    assert!(!schema_errors(&validator, "files:\n  exlude: []\n").is_empty());
}

#[test]
fn enumerated_values_match_the_parser() {
    let schema = schema();
    let properties = &schema["properties"];
    let cases = [
        ("lang: no_such_value\n", &properties["lang"]["enum"]),
        ("fail_on: no_such_value\n", &properties["fail_on"]["enum"]),
        (
            "severity:\n  missing-contact: no_such_value\n",
            &properties["severity"]["additionalProperties"]["enum"],
        ),
    ];
    for (yaml, documented) in cases {
        let error = parse(yaml).expect_err(yaml);
        let documented: Vec<String> = documented
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect();
        assert_eq!(sorted(expected_names(&error)), sorted(documented), "{yaml}");
    }
}

#[test]
fn every_property_is_described() {
    fn walk(name: &str, node: &Value) {
        if let Some(properties) = node.get("properties").and_then(Value::as_object) {
            for (key, property) in properties {
                let path = format!("{name}.{key}");
                assert!(
                    property["description"]
                        .as_str()
                        .is_some_and(|d| d.len() > 20),
                    "{path} has no description"
                );
                walk(&path, property);
            }
        }
    }
    walk("privlint.yaml", &schema());
}

#[test]
fn readme_example_configuration_is_valid() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let example = readme
        .split("\n## Configuration\n")
        .nth(1)
        .and_then(|section| section.split("```yaml\n").nth(1))
        .and_then(|block| block.split("```").next())
        .expect("a YAML example in the README's Configuration section");
    let errors = schema_errors(&validator(), example);
    assert!(errors.is_empty(), "{errors:#?}");
    parse(example).unwrap_or_else(|e| panic!("{e}\n{example}"));
    // It shows every key the parser reads.
    let unknown = parse("no_such_key: 1\n").unwrap_err();
    for key in expected_names(&unknown) {
        assert!(
            example.lines().any(|l| l.starts_with(&format!("{key}:"))),
            "the README example does not show `{key}`"
        );
    }
}
