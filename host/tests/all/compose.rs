//! `docker-compose.yml` cannot run here (no Docker engine): check that it parses, that the
//! stack's services are there with distinct host ports, and that every file it mounts or
//! builds from exists.

use std::collections::HashSet;
use std::path::Path;

use yaml_rust2::{Yaml, YamlLoader};

fn repo() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

fn strings(y: &Yaml) -> Vec<String> {
    y.as_vec()
        .map(|v| {
            v.iter()
                .filter_map(|s| s.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn the_compose_stack_parses_and_references_what_exists() {
    let text = std::fs::read_to_string(repo().join("docker-compose.yml")).expect("read");
    let docs = YamlLoader::load_from_str(&text).expect("docker-compose.yml parses");
    let services = docs[0]["services"].as_hash().expect("services");
    let names: HashSet<&str> = services.keys().filter_map(Yaml::as_str).collect();
    for expected in [
        "postgres",
        "kafka",
        "connect",
        "connect-register",
        "karapace",
        "apicurio",
        "kafka-ui",
        "switchyard",
    ] {
        assert!(names.contains(expected), "service {expected} missing");
    }
    let mut host_ports = HashSet::new();
    for (name, service) in services {
        let name = name.as_str().expect("service name");
        for port in strings(&service["ports"]) {
            let host = port.split(':').next().expect("host port").to_string();
            assert!(
                host_ports.insert(host),
                "{name}: host port of {port} used twice"
            );
        }
        for volume in strings(&service["volumes"]) {
            let source = volume.split(':').next().expect("source");
            if source.starts_with("./") {
                assert!(
                    repo().join(source).exists(),
                    "{name}: {source} does not exist"
                );
            }
        }
        if let Some(context) = service["build"].as_str() {
            assert!(
                repo().join(context).join("Dockerfile").is_file(),
                "{name}: no Dockerfile"
            );
        }
        for dependency in service["depends_on"]
            .as_hash()
            .map(|h| h.keys().filter_map(Yaml::as_str).collect::<Vec<_>>())
            .unwrap_or_else(|| {
                service["depends_on"]
                    .as_vec()
                    .map(|v| v.iter().filter_map(Yaml::as_str).collect())
                    .unwrap_or_default()
            })
        {
            assert!(
                names.contains(dependency),
                "{name} depends on unknown {dependency}"
            );
        }
    }
    // Kafka in KRaft mode, and switchyard running the seed's chain over the raw connector.
    let kafka = &services[&Yaml::String("kafka".into())];
    assert_eq!(
        kafka["environment"]["KAFKA_PROCESS_ROLES"].as_str(),
        Some("broker,controller")
    );
    let command = strings(&services[&Yaml::String("switchyard".into())]["command"]);
    assert_eq!(command[0], "run");
    assert!(command.contains(&"/config/postgres-product-connector.json".to_string()));
    let raw: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(repo().join("docker/connect/product-connector-raw.json"))
            .expect("raw connector"),
    )
    .expect("json");
    assert!(
        raw["config"].get("transforms").is_none(),
        "the raw connector has no SMTs"
    );
}
