//! The schema registry client against the strict fake of `registry_fake`.

use std::time::Duration;

use switchyard::registry::{
    Auth, Client, RegistryConfig, RegistryError, RegistrySchema, SchemaId, SchemaVersion,
    VersionRef,
};

use crate::registry_fake::RegistryFake;

const PRODUCT_V1: &str =
    r#"{"type":"record","name":"Product","fields":[{"name":"id","type":"int"}]}"#;
const PRODUCT_V2: &str = r#"{"type":"record","name":"Product","fields":[{"name":"id","type":"int"},{"name":"name","type":["null","string"],"default":null}]}"#;

/// A client of `fake` that retries quickly.
fn client_of(fake: &RegistryFake) -> Client {
    Client::new(quick(RegistryConfig::new(fake.url()))).expect("client")
}

fn quick(mut config: RegistryConfig) -> RegistryConfig {
    config.retry_wait = Duration::from_millis(1);
    config.retry_max_wait = Duration::from_millis(4);
    config
}

#[test]
fn test_compatibility_reports_the_registrys_verdict_and_reasons() {
    let fake = RegistryFake::start();
    fake.register("products-value", PRODUCT_V1);
    let client = client_of(&fake);

    let verdict = client
        .test_compatibility(
            "products-value",
            VersionRef::Latest,
            &RegistrySchema::avro(PRODUCT_V2),
        )
        .expect("compatible");
    assert!(verdict.is_compatible);
    assert!(verdict.messages.is_empty());

    fake.reject_subject(
        "products-value",
        "READER_FIELD_MISSING_DEFAULT_VALUE at /fields/1",
    );
    let verdict = client
        .test_compatibility(
            "products-value",
            SchemaVersion(1),
            &RegistrySchema::avro(PRODUCT_V2),
        )
        .expect("an answer");
    assert!(!verdict.is_compatible);
    assert_eq!(
        verdict.messages,
        ["READER_FIELD_MISSING_DEFAULT_VALUE at /fields/1"]
    );

    let request = fake.requests().pop().expect("a request");
    assert_eq!(request.method, "POST");
    assert_eq!(
        request.url,
        "/compatibility/subjects/products-value/versions/1?verbose=true"
    );
    assert_eq!(
        request.content_type.as_deref(),
        Some("application/vnd.schemaregistry.v1+json")
    );
}

#[test]
fn test_compatibility_keeps_the_registrys_error_code() {
    let fake = RegistryFake::start();
    fake.register("products-value", PRODUCT_V1);
    let client = client_of(&fake);
    let error = client
        .test_compatibility(
            "nothing-value",
            VersionRef::Latest,
            &RegistrySchema::avro(PRODUCT_V2),
        )
        .expect_err("no such subject");
    assert_eq!(error.error_code(), Some(40401));
    assert!(!error.is_transient());
    let error = client
        .test_compatibility(
            "products-value",
            SchemaVersion(7),
            &RegistrySchema::avro(PRODUCT_V2),
        )
        .expect_err("no such version");
    assert_eq!(error.error_code(), Some(40402));
    let error = client
        .test_compatibility(
            "products-value",
            VersionRef::Latest,
            &RegistrySchema::avro("{"),
        )
        .expect_err("not a schema");
    assert_eq!(error.error_code(), Some(42201));
    assert!(matches!(error, RegistryError::Registry { status: 422, .. }));
}

#[test]
fn register_lookup_and_fetch_by_id_agree_and_are_cached() {
    let fake = RegistryFake::start();
    let client = client_of(&fake);
    let schema = RegistrySchema::avro(PRODUCT_V1);
    let id = client
        .register("products-value", &schema)
        .expect("register");
    assert_eq!(
        client.register("products-value", &schema).expect("again"),
        id
    );
    let found = client.lookup("products-value", &schema).expect("lookup");
    assert_eq!((found.id, found.version), (id, SchemaVersion(1)));
    assert_eq!(client.schema_by_id(id).expect("by id").schema, PRODUCT_V1);
    assert_eq!(
        fake.registrations(),
        [("products-value".to_owned(), PRODUCT_V1.to_owned())]
    );
    let latest = client.latest_version("products-value").expect("latest");
    assert_eq!(latest.schema.schema, PRODUCT_V1);
    // One registration, one lookup, one latest: the repeated register and the fetch by id of a
    // schema just registered come from the caches.
    let urls: Vec<String> = fake.requests().into_iter().map(|r| r.url).collect();
    assert_eq!(
        urls,
        [
            "/subjects/products-value/versions",
            "/subjects/products-value",
            "/subjects/products-value/versions/latest"
        ]
    );
}

#[test]
fn unknown_ids_subjects_and_schemas_keep_their_error_codes() {
    let fake = RegistryFake::start();
    let client = client_of(&fake);
    let error = client.schema_by_id(SchemaId(42)).expect_err("no schema 42");
    assert_eq!(error.error_code(), Some(40403));
    assert!(
        matches!(error, RegistryError::Registry { status: 404, ref message, .. } if message == "Schema 42 not found")
    );
    let error = client
        .lookup("products-value", &RegistrySchema::avro(PRODUCT_V1))
        .expect_err("no subject");
    assert_eq!(error.error_code(), Some(40401));
    fake.register("products-value", PRODUCT_V1);
    let error = client
        .lookup("products-value", &RegistrySchema::avro(PRODUCT_V2))
        .expect_err("not registered there");
    assert_eq!(error.error_code(), Some(40403));
    let error = client
        .version("products-value", SchemaVersion(3))
        .expect_err("no v3");
    assert_eq!(error.error_code(), Some(40402));
}

#[test]
fn an_incompatible_registration_is_refused_with_the_registrys_reason() {
    let fake = RegistryFake::start();
    fake.register("products-value", PRODUCT_V1);
    fake.reject_subject("products-value", "READER_FIELD_MISSING_DEFAULT_VALUE");
    let client = client_of(&fake);
    let error = client
        .register("products-value", &RegistrySchema::avro(PRODUCT_V2))
        .expect_err("refused");
    assert!(matches!(error, RegistryError::Registry { status: 409, .. }));
    assert!(
        error
            .reason()
            .contains("READER_FIELD_MISSING_DEFAULT_VALUE")
    );
    assert!(!error.is_transient());
}

#[test]
fn server_errors_are_retried_until_the_registry_answers() {
    let fake = RegistryFake::start();
    let id = fake.register("products-value", PRODUCT_V1);
    fake.fail_next(3);
    let client = client_of(&fake);
    let schema = client
        .schema_by_id(SchemaId(id))
        .expect("the fourth attempt");
    assert_eq!(schema.schema, PRODUCT_V1);
    let statuses: Vec<u16> = fake.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses, [500, 500, 500, 200]);
}

/// An answer over the 10 MB body limit cannot get smaller by waiting: the request fails at
/// once, not transient, naming the limit, and is not retried.
#[test]
fn an_answer_over_the_size_limit_fails_at_once() {
    let fake = RegistryFake::start();
    let id = fake.register("products-value", PRODUCT_V1);
    fake.answer_oversize_next(10);
    let client = client_of(&fake);
    let error = client.schema_by_id(SchemaId(id)).expect_err("too large");
    assert!(!error.is_transient(), "{error}");
    assert!(error.to_string().contains("limit"), "{error}");
    assert_eq!(fake.requests().len(), 1, "not retried");
}

#[test]
fn server_errors_beyond_max_retries_are_transient_errors() {
    let fake = RegistryFake::start();
    let id = fake.register("products-value", PRODUCT_V1);
    fake.fail_next(10);
    let mut config = quick(RegistryConfig::new(fake.url()));
    config.max_retries = 2;
    let client = Client::new(config).expect("client");
    let error = client
        .schema_by_id(SchemaId(id))
        .expect_err("still failing");
    assert_eq!(error.error_code(), Some(50001));
    assert!(error.is_transient());
    assert_eq!(fake.requests().len(), 3);
}

#[test]
fn a_registry_that_is_down_is_a_transient_error_and_is_used_again_when_it_returns() {
    let mut fake = RegistryFake::start();
    let id = fake.register("products-value", PRODUCT_V1);
    let client = client_of(&fake);
    fake.go_down();
    let error = client.schema_by_id(SchemaId(id)).expect_err("down");
    assert!(
        matches!(error, RegistryError::Unavailable { attempts: 4, .. }),
        "{error}"
    );
    assert!(error.is_transient());
    fake.come_up();
    assert_eq!(
        client.schema_by_id(SchemaId(id)).expect("up").schema,
        PRODUCT_V1
    );
}

#[test]
fn basic_and_bearer_credentials_are_sent() {
    let fake = RegistryFake::start();
    let id = fake.register("products-value", PRODUCT_V1);
    fake.require_basic("fred", "s3cret");
    let error = client_of(&fake)
        .schema_by_id(SchemaId(id))
        .expect_err("no credentials");
    assert!(matches!(
        error,
        RegistryError::Registry {
            status: 401,
            error_code: 401,
            ..
        }
    ));

    let mut config = quick(RegistryConfig::new(fake.url()));
    config.auth = Auth::Basic {
        user: "fred".into(),
        password: "s3cret".into(),
    };
    let client = Client::new(config).expect("client");
    assert_eq!(
        client
            .schema_by_id(SchemaId(id))
            .expect("authorised")
            .schema,
        PRODUCT_V1
    );

    fake.require_bearer("t0ken");
    let settings: Vec<(String, String)> = [
        ("schema.registry.url", fake.url().as_str()),
        ("bearer.auth.credentials.source", "STATIC_TOKEN"),
        ("bearer.auth.token", "t0ken"),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect();
    let client =
        Client::new(RegistryConfig::from_settings(&settings).expect("settings")).expect("client");
    let found = client
        .lookup("products-value", &RegistrySchema::avro(PRODUCT_V1))
        .expect("authorised");
    assert_eq!(found.id, SchemaId(id));
    assert_eq!(
        fake.requests()
            .last()
            .and_then(|r| r.authorization.clone())
            .as_deref(),
        Some("Bearer t0ken")
    );
}

#[test]
fn an_apicurio_style_prefix_and_odd_subject_names_are_kept_in_paths() {
    let fake = RegistryFake::start_with_prefix("/apis/ccompat/v7");
    let client = client_of(&fake);
    let id = client
        .register("a/b c-value", &RegistrySchema::avro(PRODUCT_V1))
        .expect("register");
    assert_eq!(fake.subjects(), ["a/b c-value"]);
    assert_eq!(
        fake.requests()[0].url,
        "/apis/ccompat/v7/subjects/a%2Fb%20c-value/versions"
    );
    assert_eq!(id, SchemaId(1));
}

#[test]
fn references_are_sent_and_resolved_by_version() {
    let fake = RegistryFake::start();
    fake.register("price", r#"{"type":"fixed","name":"Price","size":8}"#);
    let client = client_of(&fake);
    let mut schema = RegistrySchema::avro(
        r#"{"type":"record","name":"Item","fields":[{"name":"price","type":"Price"}]}"#,
    );
    schema
        .references
        .push(switchyard::registry::SchemaReference {
            name: "Price".into(),
            subject: "price".into(),
            version: SchemaVersion(1),
        });
    let id = client.register("items-value", &schema).expect("register");
    let fetched = client.schema_by_id(id).expect("by id");
    assert_eq!(fetched.references, schema.references);
    let referenced = client
        .version("price", SchemaVersion(1))
        .expect("reference");
    assert!(referenced.schema.schema.contains("Price"));
    let body: serde_json::Value =
        serde_json::from_str(&fake.requests()[0].body).expect("json body");
    assert_eq!(body["references"][0]["subject"], "price");
}

#[test]
fn a_ca_file_without_certificates_is_a_configuration_error() {
    let (_dir, path) = crate::common::temp_file("ca.pem", "not a certificate\n");
    let mut config = RegistryConfig::new("https://registry:8081");
    config.ca_location = Some(path);
    let error = Client::new(config).expect_err("no certificate");
    assert!(
        matches!(error, RegistryError::Config { ref key, .. } if key == "schema.registry.ssl.ca.location")
    );
}
