//! The container image and the Kubernetes manifests agree with the service: every file parses,
//! required fields are there, probes hit the real routes, every environment name is one the
//! configuration reads, and the example configuration loads for Slack and Teams together, and for
//! either alone as its comments describe.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

use coupa_approvals::app::SHUTDOWN_LIMIT;
use coupa_approvals::config::{ChatPlatform, ConfigError, Settings, VARIABLES};
use serde::Deserialize;
use serde_json::Value;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn documents(path: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_yaml_ng::Deserializer::from_str(&text)
        .map(|doc| Value::deserialize(doc).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
        .filter(|v| !v.is_null())
        .collect()
}

fn kubernetes() -> Vec<(String, Value)> {
    let dir = root().join("manifests/kubernetes");
    let mut all = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "yaml") {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            for doc in documents(&path) {
                all.push((name.clone(), doc));
            }
        }
    }
    all
}

fn of_kind<'a>(docs: &'a [(String, Value)], kind: &str) -> Vec<&'a Value> {
    docs.iter()
        .filter(|(_, d)| d["kind"] == kind)
        .map(|(_, d)| d)
        .collect()
}

#[test]
fn every_manifest_parses_and_names_its_kind_and_name() {
    let docs = kubernetes();
    assert!(docs.len() >= 8, "{} documents", docs.len());
    for (file, doc) in &docs {
        assert!(doc["apiVersion"].is_string(), "{file}: apiVersion");
        assert!(doc["kind"].is_string(), "{file}: kind");
        if doc["kind"] != "Kustomization" {
            assert!(doc["metadata"]["name"].is_string(), "{file}: metadata.name");
        }
    }
}

#[test]
fn kustomization_lists_exactly_the_files_beside_it() {
    let docs = kubernetes();
    let kustomization = of_kind(&docs, "Kustomization")[0];
    let listed: BTreeSet<String> = kustomization["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap().to_owned())
        .collect();
    let present: BTreeSet<String> = docs
        .iter()
        .filter(|(_, d)| d["kind"] != "Kustomization")
        .map(|(f, _)| f.clone())
        .collect();
    assert_eq!(listed, present);
}

#[test]
fn the_deployment_runs_two_replicas_with_probes_resources_and_a_long_enough_grace_period() {
    let docs = kubernetes();
    let deployment = of_kind(&docs, "Deployment")[0];
    assert_eq!(deployment["spec"]["replicas"], 2);
    let pod = &deployment["spec"]["template"]["spec"];
    let grace = pod["terminationGracePeriodSeconds"].as_u64().unwrap();
    assert!(
        Duration::from_secs(grace) > SHUTDOWN_LIMIT,
        "grace {grace}s must exceed the service's own shutdown bound, {SHUTDOWN_LIMIT:?}"
    );
    let container = &pod["containers"][0];
    assert_eq!(container["readinessProbe"]["httpGet"]["path"], "/readyz");
    assert_eq!(container["livenessProbe"]["httpGet"]["path"], "/healthz");
    for kind in ["requests", "limits"] {
        for resource in ["cpu", "memory"] {
            assert!(
                container["resources"][kind][resource].is_string(),
                "{kind}.{resource}"
            );
        }
    }
    assert_eq!(container["ports"][0]["containerPort"], 3000);
    assert_eq!(pod["securityContext"]["runAsNonRoot"], true);

    let labels = &deployment["spec"]["template"]["metadata"]["labels"];
    for kind in ["Service", "PodDisruptionBudget"] {
        let object = of_kind(&docs, kind)
            .into_iter()
            .find(|d| d["metadata"]["name"] == "coupa-approvals")
            .unwrap_or_else(|| panic!("no {kind} named coupa-approvals"));
        let selector = match kind {
            "Service" => &object["spec"]["selector"],
            _ => &object["spec"]["selector"]["matchLabels"],
        };
        for (key, value) in selector.as_object().unwrap() {
            assert_eq!(&labels[key], value, "{kind} selects the deployment's pods");
        }
    }
}

#[test]
fn configuration_names_are_the_services_and_secrets_are_placeholders() {
    let docs = kubernetes();
    let config = of_kind(&docs, "ConfigMap")[0];
    let secret = named(&docs, "Secret", "coupa-approvals");
    let mut names = BTreeSet::new();
    for (key, value) in config["data"].as_object().unwrap() {
        assert!(
            VARIABLES.contains(&key.as_str()),
            "ConfigMap sets unknown {key}"
        );
        assert!(value.is_string(), "{key} must be a string in a ConfigMap");
        names.insert(key.clone());
    }
    for (key, value) in secret["stringData"].as_object().unwrap() {
        assert!(
            VARIABLES.contains(&key.as_str()),
            "Secret sets unknown {key}"
        );
        assert!(
            value.as_str().unwrap().contains("REPLACE"),
            "{key} must be a placeholder"
        );
        names.insert(key.clone());
    }
    for required in [
        "SLACK_BOT_TOKEN",
        "SLACK_SIGNING_SECRET",
        "COUPA_INSTANCE_URL",
        "COUPA_CLIENT_ID",
        "COUPA_CLIENT_SECRET",
        "REDIS_URL",
    ] {
        assert!(names.contains(required), "{required} is not set anywhere");
    }
    // REDIS_URL carries the Redis password: it belongs in the Secret only.
    assert!(config["data"].get("REDIS_URL").is_none());
    assert!(secret["stringData"]["REDIS_URL"].is_string());
    // The port the pods listen on is the one the probes and the Service use.
    assert!(
        config["data"]["BIND_ADDR"]
            .as_str()
            .unwrap()
            .ends_with(":3000")
    );
}

#[test]
fn metrics_are_served_on_a_pod_port_that_the_service_does_not_expose() {
    let docs = kubernetes();
    let config = of_kind(&docs, "ConfigMap")[0];
    let metrics_addr = config["data"]["METRICS_ADDR"].as_str().unwrap();
    let port: u64 = metrics_addr.rsplit(':').next().unwrap().parse().unwrap();
    let deployment = of_kind(&docs, "Deployment")[0];
    let ports = deployment["spec"]["template"]["spec"]["containers"][0]["ports"]
        .as_array()
        .unwrap();
    assert!(
        ports
            .iter()
            .any(|p| p["name"] == "metrics" && p["containerPort"] == port),
        "{ports:?}"
    );
    let service = named(&docs, "Service", "coupa-approvals");
    for exposed in service["spec"]["ports"].as_array().unwrap() {
        assert_ne!(exposed["targetPort"], "metrics");
        assert_ne!(exposed["targetPort"], port);
    }
}

/// The variables that configure Microsoft Teams, and the choice of platforms that goes with them.
fn teams_variables() -> Vec<&'static str> {
    VARIABLES
        .iter()
        .copied()
        .filter(|v| {
            v.starts_with("MICROSOFT_") || v.starts_with("TEAMS_") || *v == "CHAT_PLATFORMS"
        })
        .collect()
}

#[test]
fn the_teams_client_secret_is_in_the_secret_and_never_in_a_config_map() {
    let docs = kubernetes();
    let secret = named(&docs, "Secret", "coupa-approvals");
    assert!(
        secret["stringData"]["MICROSOFT_APP_PASSWORD"]
            .as_str()
            .is_some_and(|v| v.contains("REPLACE")),
        "the Secret example holds a placeholder for MICROSOFT_APP_PASSWORD"
    );
    let config_maps = of_kind(&docs, "ConfigMap");
    assert!(!config_maps.is_empty());
    for config in config_maps {
        assert!(
            config["data"].get("MICROSOFT_APP_PASSWORD").is_none(),
            "MICROSOFT_APP_PASSWORD is a secret: it belongs in the Secret only"
        );
    }
}

#[test]
fn every_teams_variable_the_configuration_reads_is_set_in_the_config_map_or_the_secret() {
    let docs = kubernetes();
    let config = of_kind(&docs, "ConfigMap")[0];
    let secret = named(&docs, "Secret", "coupa-approvals");
    let teams = teams_variables();
    for credential in [
        "MICROSOFT_APP_ID",
        "MICROSOFT_APP_PASSWORD",
        "MICROSOFT_APP_TENANT_ID",
    ] {
        assert!(teams.contains(&credential), "{credential} is read");
    }
    for variable in teams {
        assert!(
            config["data"].get(variable).is_some() || secret["stringData"].get(variable).is_some(),
            "{variable} is set neither in the ConfigMap nor in the Secret"
        );
    }
}

/// The ConfigMap's and the Secret's entries, as the pods' environment.
fn environment(docs: &[(String, Value)]) -> BTreeMap<String, String> {
    let config = of_kind(docs, "ConfigMap")[0];
    let secret = named(docs, "Secret", "coupa-approvals");
    config["data"]
        .as_object()
        .unwrap()
        .iter()
        .chain(secret["stringData"].as_object().unwrap())
        .map(|(key, value)| (key.clone(), value.as_str().unwrap().to_owned()))
        .collect()
}

/// `env` with every placeholder replaced by a value of the right form, as an admin does.
fn filled_in(mut env: BTreeMap<String, String>) -> BTreeMap<String, String> {
    for (key, value) in env.iter_mut() {
        if !(value.contains("REPLACE") || value.contains("YOUR-")) {
            continue;
        }
        *value = match key.as_str() {
            "MICROSOFT_APP_ID" => "0b5e2c4a-9d1f-4e37-8a6b-2f0c1d3e4a5b".into(),
            "MICROSOFT_APP_TENANT_ID" => "7c2d9e10-4b3a-4f5e-9a8b-1c2d3e4f5a6b".into(),
            "COUPA_INSTANCE_URL" => "https://acme.coupahost.com".into(),
            "SLACK_BOT_TOKEN" => "xoxb-1".into(),
            "REDIS_URL" => "redis://:0123abcd@coupa-approvals-redis:6379".into(),
            _ => "a-secret".into(),
        };
    }
    env
}

fn settings(env: &BTreeMap<String, String>) -> Result<Settings, ConfigError> {
    Settings::from_lookup(&|name| env.get(name).cloned())
}

#[test]
fn the_example_serves_slack_and_teams_once_its_placeholders_are_filled_in() {
    let docs = kubernetes();
    let env = environment(&docs);

    // A placeholder left in place stops the service at start, naming the variable.
    let problems = settings(&env)
        .expect_err("placeholders are refused")
        .problems;
    for variable in ["MICROSOFT_APP_ID", "MICROSOFT_APP_TENANT_ID"] {
        assert!(
            problems.iter().any(|p| p.variable == variable),
            "{variable} is reported: {problems:?}"
        );
    }

    let both = settings(&filled_in(env)).expect("a Slack and Teams configuration");
    assert!(both.slack.is_some() && both.teams.is_some());
    assert_eq!(
        both.chat_platforms,
        [ChatPlatform::Slack, ChatPlatform::Teams]
    );
}

#[test]
fn the_manifests_comments_make_a_teams_only_and_a_slack_only_deployment() {
    let docs = kubernetes();
    let env = filled_in(environment(&docs));

    // Teams only: the Slack credentials left out of the Secret, CHAT_PLATFORMS "teams".
    let mut teams_only = env.clone();
    teams_only.remove("SLACK_BOT_TOKEN");
    teams_only.remove("SLACK_SIGNING_SECRET");
    teams_only.insert("CHAT_PLATFORMS".into(), "teams".into());
    let teams = settings(&teams_only).expect("a Teams-only configuration");
    assert!(teams.slack.is_none());
    assert_eq!(teams.chat_platforms, [ChatPlatform::Teams]);

    // Slack only: the Microsoft credentials left out of both, CHAT_PLATFORMS "slack".
    let mut slack_only = env;
    for variable in [
        "MICROSOFT_APP_ID",
        "MICROSOFT_APP_PASSWORD",
        "MICROSOFT_APP_TENANT_ID",
    ] {
        slack_only.remove(variable);
    }
    slack_only.insert("CHAT_PLATFORMS".into(), "slack".into());
    let slack = settings(&slack_only).expect("a Slack-only configuration");
    assert!(slack.teams.is_none());
    assert_eq!(slack.chat_platforms, [ChatPlatform::Slack]);

    // Those are the steps the files' comments give.
    for file in ["configmap.yaml", "secret.example.yaml"] {
        let text = std::fs::read_to_string(root().join("manifests/kubernetes").join(file)).unwrap();
        // The comments' words, read across their line breaks.
        let text = text
            .lines()
            .map(|line| line.trim_start().trim_start_matches('#'))
            .flat_map(str::split_whitespace)
            .collect::<Vec<_>>()
            .join(" ");
        for step in [
            "Teams only",
            "SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET",
            "CHAT_PLATFORMS to \"teams\"",
            "Slack only",
            "MICROSOFT_APP_ID and MICROSOFT_APP_TENANT_ID",
            "CHAT_PLATFORMS to \"slack\"",
        ] {
            assert!(text.contains(step), "{file} does not say {step:?}");
        }
    }
}

fn named<'a>(docs: &'a [(String, Value)], kind: &str, name: &str) -> &'a Value {
    of_kind(docs, kind)
        .into_iter()
        .find(|d| d["metadata"]["name"] == name)
        .unwrap_or_else(|| panic!("no {kind} named {name}"))
}

#[test]
fn the_bundled_redis_requires_the_password_from_its_secret() {
    let docs = kubernetes();
    let redis = named(&docs, "StatefulSet", "coupa-approvals-redis");
    let container = &redis["spec"]["template"]["spec"]["containers"][0];
    let args: Vec<&str> = container["args"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    let at = args
        .iter()
        .position(|a| *a == "--requirepass")
        .expect("redis-server is started with --requirepass");
    assert_eq!(args[at + 1], "$(REDIS_PASSWORD)");
    let secret = named(&docs, "Secret", "coupa-approvals-redis");
    for variable in ["REDIS_PASSWORD", "REDISCLI_AUTH"] {
        let env = container["env"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["name"] == variable)
            .unwrap_or_else(|| panic!("{variable} is not set"));
        let reference = &env["valueFrom"]["secretKeyRef"];
        assert_eq!(reference["name"], "coupa-approvals-redis", "{variable}");
        let key = reference["key"].as_str().unwrap();
        assert!(
            secret["stringData"][key]
                .as_str()
                .is_some_and(|v| v.contains("REPLACE")),
            "{variable}: the Secret holds a placeholder under {key}"
        );
    }
    // The bot's URL carries a password for that Redis.
    let bot_secret = named(&docs, "Secret", "coupa-approvals");
    let url = url::Url::parse(bot_secret["stringData"]["REDIS_URL"].as_str().unwrap()).unwrap();
    assert_eq!(url.host_str(), Some("coupa-approvals-redis"));
    assert!(url.password().is_some(), "REDIS_URL carries the password");
}

#[test]
fn only_the_bots_pods_reach_the_bundled_redis() {
    let docs = kubernetes();
    let policy = named(&docs, "NetworkPolicy", "coupa-approvals-redis");
    let redis = named(&docs, "StatefulSet", "coupa-approvals-redis");
    let bot = named(&docs, "Deployment", "coupa-approvals");
    assert_eq!(
        policy["spec"]["podSelector"]["matchLabels"],
        redis["spec"]["template"]["metadata"]["labels"],
        "the policy covers the Redis pods"
    );
    assert_eq!(
        policy["spec"]["policyTypes"],
        serde_json::json!(["Ingress"])
    );
    let rules = policy["spec"]["ingress"].as_array().unwrap();
    assert_eq!(rules.len(), 1, "one way in");
    let sources = rules[0]["from"].as_array().unwrap();
    assert_eq!(sources.len(), 1, "one source");
    let selected = sources[0]["podSelector"]["matchLabels"]
        .as_object()
        .unwrap();
    assert!(sources[0].get("namespaceSelector").is_none());
    assert!(sources[0].get("ipBlock").is_none());
    assert!(
        !selected.is_empty(),
        "an empty selector would admit every pod"
    );
    let bot_labels = &bot["spec"]["template"]["metadata"]["labels"];
    for (key, value) in selected {
        assert_eq!(&bot_labels[key], value, "the policy admits the bot's pods");
    }
    assert_eq!(
        rules[0]["ports"],
        serde_json::json!([{"protocol": "TCP", "port": 6379}])
    );
}

#[test]
fn the_bundled_redis_keeps_its_data_on_a_volume() {
    let docs = kubernetes();
    let redis = of_kind(&docs, "StatefulSet")[0];
    assert!(
        redis["spec"]["volumeClaimTemplates"][0]["spec"]["resources"]["requests"]["storage"]
            .is_string()
    );
}

#[test]
fn the_image_is_multi_stage_non_root_and_checks_healthz() {
    let dockerfile = std::fs::read_to_string(root().join("Dockerfile")).unwrap();
    let froms = dockerfile
        .lines()
        .filter(|l| l.starts_with("FROM "))
        .count();
    assert!(froms >= 2, "multi-stage");
    assert!(
        dockerfile
            .lines()
            .any(|l| l.starts_with("USER ") && !l.contains("root"))
    );
    assert!(dockerfile.contains("EXPOSE 3000"));
    assert!(dockerfile.lines().any(|l| l.starts_with("HEALTHCHECK")));
    assert!(dockerfile.contains("/healthz"));
    assert!(dockerfile.contains("--locked"), "the build uses Cargo.lock");
    // Every target Cargo.toml declares needs a file in the dependency-caching layer.
    let manifest = std::fs::read_to_string(root().join("Cargo.toml")).unwrap();
    let manifest: toml_like::Manifest = toml_like::parse(&manifest);
    assert!(!manifest.benches.is_empty() && !manifest.examples.is_empty());
    for bench in manifest.benches {
        assert!(
            dockerfile.contains(&format!("benches/{bench}.rs")),
            "the Dockerfile's placeholder layer lacks benches/{bench}.rs"
        );
    }
    for example in manifest.examples {
        assert!(
            dockerfile.contains(&format!("examples/{example}.rs")),
            "the Dockerfile's placeholder layer lacks examples/{example}.rs"
        );
    }
    for test in manifest.tests {
        assert!(
            dockerfile.contains(test.as_str()),
            "the Dockerfile's placeholder layer lacks {test}"
        );
    }
}

#[test]
fn the_image_is_the_service_alone_without_the_simulated_world() {
    let dockerfile = std::fs::read_to_string(root().join("Dockerfile")).unwrap();
    let builds: Vec<&str> = dockerfile
        .lines()
        .filter(|l| l.contains("cargo build"))
        .collect();
    assert!(!builds.is_empty());
    for build in builds {
        assert!(build.contains("--no-default-features"), "{build}");
    }
}

/// Just enough of Cargo.toml to list the declared benchmark, example and test targets.
mod toml_like {
    pub struct Manifest {
        pub benches: Vec<String>,
        pub examples: Vec<String>,
        /// Paths of the test targets.
        pub tests: Vec<String>,
    }

    pub fn parse(text: &str) -> Manifest {
        let mut manifest = Manifest {
            benches: Vec::new(),
            examples: Vec::new(),
            tests: Vec::new(),
        };
        let mut section = "";
        for line in text.lines().map(str::trim) {
            if line.starts_with('[') {
                section = line;
            } else if let Some(name) = line.strip_prefix("name = ") {
                let name = name.trim_matches('"').to_owned();
                match section {
                    "[[bench]]" => manifest.benches.push(name),
                    "[[example]]" => manifest.examples.push(name),
                    _ => {}
                }
            } else if section == "[[test]]"
                && let Some(path) = line.strip_prefix("path = ")
            {
                manifest.tests.push(path.trim_matches('"').to_owned());
            }
        }
        manifest
    }
}
