//! A client of the Confluent Schema Registry REST API, as Confluent's Schema Registry, Karapace
//! and Apicurio Registry (under `/apis/ccompat/v7`) serve it.
//!
//! It does what Confluent's `io.confluent.kafka.schemaregistry.client.CachedSchemaRegistryClient`
//! and `rest.RestService` do for the converters: schemas by id, registration, lookup, the latest
//! version of a subject and compatibility tests, with
//! - basic authentication (`basic.auth.credentials.source` = `USER_INFO` with
//!   `basic.auth.user.info`, or `URL` with the credentials in `schema.registry.url`) or a bearer
//!   token (`bearer.auth.credentials.source=STATIC_TOKEN`, `bearer.auth.token`);
//! - TLS through rustls, with the roots of `schema.registry.ssl.ca.location` (a PEM file) or
//!   Mozilla's roots;
//! - retries with exponential backoff on 5xx answers (and 408 / 429) and network errors
//!   (`max.retries`, `retries.wait.ms`, `retries.max.wait.ms`, as Confluent's client names them),
//!   trying the next of several comma-separated URLs after a network error;
//! - bounded caches (`max.schemas.per.subject`, Confluent's identity-map capacity) of schemas by
//!   id and of ids by (subject, schema).
//!
//! The HTTP client is `ureq`: a blocking client, which fits a host that runs on threads with no
//! async runtime (a `reqwest::blocking` client would start a tokio runtime of its own per
//! client), small, and with rustls built in.
//!
//! Errors keep what the registry said: its HTTP status, `error_code` and `message`
//! (`{"error_code":40401,"message":"Subject not found"}`), and tell a registry that is down
//! ([`RegistryError::is_transient`]) from one that refuses a request.
#![deny(missing_docs)]

mod settings;

use std::fmt;
use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex, PoisonError};

use base64::Engine as _;
use lru::LruCache;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde::{Deserialize, Serialize};

pub use settings::{Auth, REGISTRY_KEYS, RegistryConfig};

/// The media type of the registry's API (`application/vnd.schemaregistry.v1+json`), sent as the
/// content type of every request body.
pub const CONTENT_TYPE: &str = "application/vnd.schemaregistry.v1+json";

/// The `Accept` header Confluent's `RestService` sends.
const ACCEPT: &str = "application/vnd.schemaregistry.v1+json, application/vnd.schemaregistry+json; qs=0.9, application/json; qs=0.5";

/// A schema id: the registry-wide id a record's wire format carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SchemaId(pub u32);

impl fmt::Display for SchemaId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// The version of a schema under one subject (1, 2, …).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SchemaVersion(pub u32);

impl fmt::Display for SchemaVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A version as the API's paths name it: a number or `latest`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VersionRef {
    /// The subject's latest version (`latest`).
    Latest,
    /// One version.
    Number(SchemaVersion),
}

impl From<SchemaVersion> for VersionRef {
    fn from(version: SchemaVersion) -> Self {
        VersionRef::Number(version)
    }
}

impl fmt::Display for VersionRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VersionRef::Latest => f.write_str("latest"),
            VersionRef::Number(v) => v.fmt(f),
        }
    }
}

/// A reference from a schema to another registered schema (`{"name","subject","version"}`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SchemaReference {
    /// The name the referring schema uses (for Avro, the full name of the referenced type).
    pub name: String,
    /// The subject the referenced schema is registered under.
    pub subject: String,
    /// Its version under that subject.
    pub version: SchemaVersion,
}

/// A schema as the API carries it: its text, its type and its references.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RegistrySchema {
    /// The schema's text (for Avro, the schema JSON).
    pub schema: String,
    /// `AVRO`, `JSON` or `PROTOBUF`; absent means `AVRO`, and is left out of requests then, as
    /// Confluent's client does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema_type: Option<String>,
    /// The schemas this one refers to.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<SchemaReference>,
}

impl RegistrySchema {
    /// An Avro schema without references.
    pub fn avro(schema: impl Into<String>) -> Self {
        RegistrySchema {
            schema: schema.into(),
            schema_type: None,
            references: Vec::new(),
        }
    }
}

/// A schema registered under a subject (the answer of lookup and of `versions/{v}`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegisteredSchema {
    /// The subject.
    pub subject: String,
    /// The schema's id.
    pub id: SchemaId,
    /// Its version under the subject.
    pub version: SchemaVersion,
    /// The schema.
    pub schema: RegistrySchema,
}

/// The answer of a compatibility test.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Compatibility {
    /// Whether the schema is compatible under the subject's compatibility level.
    pub is_compatible: bool,
    /// The registry's reasons (with `verbose=true`), empty when compatible.
    #[serde(default)]
    pub messages: Vec<String>,
}

/// What went wrong talking to the registry.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RegistryError {
    /// The registry answered with an error (`{"error_code":…,"message":…}`).
    #[error("schema registry {url} answered {status}: {message} (error code {error_code})")]
    Registry {
        /// The request's URL.
        url: String,
        /// The HTTP status.
        status: u16,
        /// The registry's `error_code` (the status itself when the body had none).
        error_code: i64,
        /// The registry's `message`.
        message: String,
    },
    /// No registry could be reached (network errors on every URL and every attempt).
    #[error("schema registry {url} is unavailable after {attempts} attempts: {reason}")]
    Unavailable {
        /// The last URL tried.
        url: String,
        /// How many attempts were made.
        attempts: u32,
        /// The last network error.
        reason: String,
    },
    /// The registry answered something the API does not document.
    #[error("schema registry {url} sent an unexpected answer: {message}")]
    Protocol {
        /// The request's URL.
        url: String,
        /// What was wrong.
        message: String,
    },
    /// A registry setting is not valid.
    #[error("{key}: {message}")]
    Config {
        /// The setting's key (`schema.registry.url`, `basic.auth.user.info`, …).
        key: String,
        /// What was expected.
        message: String,
    },
}

impl RegistryError {
    /// Whether the failure may go away by itself (the registry is down, overloaded or
    /// answered 5xx), so the request should be tried again later rather than the record failed.
    pub fn is_transient(&self) -> bool {
        match self {
            RegistryError::Unavailable { .. } => true,
            RegistryError::Registry { status, .. } => is_retriable_status(*status),
            RegistryError::Protocol { .. } | RegistryError::Config { .. } => false,
        }
    }

    /// The registry's `error_code`, when it answered with one.
    pub fn error_code(&self) -> Option<i64> {
        match self {
            RegistryError::Registry { error_code, .. } => Some(*error_code),
            _ => None,
        }
    }

    /// The registry's `message`, or the whole error for failures that are not the registry's
    /// answer.
    pub fn reason(&self) -> String {
        match self {
            RegistryError::Registry { message, .. } => message.clone(),
            other => other.to_string(),
        }
    }
}

/// Statuses worth another attempt: 408, 429 and every 5xx.
fn is_retriable_status(status: u16) -> bool {
    status == 408 || status == 429 || status >= 500
}

/// What a path segment must escape: everything but RFC 3986's unreserved characters, so a
/// subject such as `a/b` or `topic-value` is one segment.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// A client of one registry (or of several URLs of one registry). Cheap to clone: clones share
/// the connection pool and the caches.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    config: RegistryConfig,
    agent: ureq::Agent,
    authorization: Option<String>,
    by_id: Mutex<LruCache<SchemaId, Arc<RegistrySchema>>>,
    ids: Mutex<LruCache<(String, String), SchemaId>>,
    lookups: Mutex<LruCache<(String, String), RegisteredSchema>>,
    versions: Mutex<LruCache<(String, SchemaVersion), RegisteredSchema>>,
    latest: Mutex<LruCache<String, RegisteredSchema>>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("urls", &self.inner.config.urls)
            .finish_non_exhaustive()
    }
}

/// An HTTP method the client uses.
#[derive(Debug, Clone, Copy)]
enum Method {
    Get,
    Post,
}

#[derive(Deserialize)]
struct IdAnswer {
    id: SchemaId,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SubjectVersionAnswer {
    subject: String,
    id: SchemaId,
    version: SchemaVersion,
    schema: String,
    #[serde(default)]
    schema_type: Option<String>,
    #[serde(default)]
    references: Vec<SchemaReference>,
}

impl SubjectVersionAnswer {
    fn into_registered(self) -> RegisteredSchema {
        RegisteredSchema {
            subject: self.subject,
            id: self.id,
            version: self.version,
            schema: RegistrySchema {
                schema: self.schema,
                schema_type: self.schema_type,
                references: self.references,
            },
        }
    }
}

#[derive(Deserialize)]
struct ErrorAnswer {
    error_code: i64,
    message: String,
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panic while a cache was held cannot leave it inconsistent (every update is one call).
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Client {
    /// A client for the registry `config` describes (reads the CA file, if any).
    pub fn new(config: RegistryConfig) -> Result<Self, RegistryError> {
        let mut builder = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(config.request_timeout))
            .user_agent(concat!("switchyard/", env!("CARGO_PKG_VERSION")));
        if let Some(path) = &config.ca_location {
            let pem = std::fs::read(path).map_err(|e| RegistryError::Config {
                key: "schema.registry.ssl.ca.location".into(),
                message: format!("cannot read {}: {e}", path.display()),
            })?;
            let mut certs = Vec::new();
            for item in ureq::tls::parse_pem(&pem) {
                match item {
                    Ok(ureq::tls::PemItem::Certificate(cert)) => certs.push(cert),
                    Ok(_) => {}
                    Err(e) => {
                        return Err(RegistryError::Config {
                            key: "schema.registry.ssl.ca.location".into(),
                            message: format!("{}: {e}", path.display()),
                        });
                    }
                }
            }
            if certs.is_empty() {
                return Err(RegistryError::Config {
                    key: "schema.registry.ssl.ca.location".into(),
                    message: format!("{} holds no PEM certificate", path.display()),
                });
            }
            builder = builder.tls_config(
                ureq::tls::TlsConfig::builder()
                    .root_certs(ureq::tls::RootCerts::Specific(Arc::new(certs)))
                    .build(),
            );
        }
        let authorization = match &config.auth {
            Auth::None => None,
            Auth::Basic { user, password } => Some(format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
            )),
            Auth::Bearer { token, .. } => Some(format!("Bearer {token}")),
        };
        let capacity = config.cache_capacity;
        Ok(Client {
            inner: Arc::new(Inner {
                agent: builder.build().into(),
                authorization,
                by_id: Mutex::new(LruCache::new(capacity)),
                ids: Mutex::new(LruCache::new(capacity)),
                lookups: Mutex::new(LruCache::new(capacity)),
                versions: Mutex::new(LruCache::new(capacity)),
                latest: Mutex::new(LruCache::new(
                    NonZeroUsize::new(256).unwrap_or(NonZeroUsize::MIN),
                )),
                config,
            }),
        })
    }

    /// The client's settings.
    pub fn config(&self) -> &RegistryConfig {
        &self.inner.config
    }

    /// The schema with this id (`GET /schemas/ids/{id}`), cached. 40403 when there is none.
    pub fn schema_by_id(&self, id: SchemaId) -> Result<Arc<RegistrySchema>, RegistryError> {
        if let Some(schema) = lock(&self.inner.by_id).get(&id) {
            return Ok(Arc::clone(schema));
        }
        let answer: RegistrySchema = self.call(Method::Get, &format!("/schemas/ids/{id}"), None)?;
        let schema = Arc::new(answer);
        lock(&self.inner.by_id).put(id, Arc::clone(&schema));
        Ok(schema)
    }

    /// Registers `schema` under `subject` (`POST /subjects/{subject}/versions`) and returns its
    /// id; registering a schema the subject already has returns the existing id. Cached by
    /// (subject, schema). 409 when the schema is incompatible, 42201 when it is invalid.
    pub fn register(
        &self,
        subject: &str,
        schema: &RegistrySchema,
    ) -> Result<SchemaId, RegistryError> {
        let body = body_of(schema);
        let key = (subject.to_owned(), body);
        if let Some(id) = lock(&self.inner.ids).get(&key) {
            return Ok(*id);
        }
        let path = format!("/subjects/{}/versions", segment(subject));
        let answer: IdAnswer = self.call(Method::Post, &path, Some(&key.1))?;
        lock(&self.inner.by_id).put(answer.id, Arc::new(schema.clone()));
        lock(&self.inner.ids).put(key, answer.id);
        Ok(answer.id)
    }

    /// Looks `schema` up under `subject` (`POST /subjects/{subject}`): its id and version when
    /// it is registered there; 40401 when the subject does not exist, 40403 when the schema is
    /// not registered under it. Cached by (subject, schema).
    pub fn lookup(
        &self,
        subject: &str,
        schema: &RegistrySchema,
    ) -> Result<RegisteredSchema, RegistryError> {
        let body = body_of(schema);
        let key = (subject.to_owned(), body);
        if let Some(found) = lock(&self.inner.lookups).get(&key) {
            return Ok(found.clone());
        }
        let path = format!("/subjects/{}", segment(subject));
        let answer: SubjectVersionAnswer = self.call(Method::Post, &path, Some(&key.1))?;
        let found = answer.into_registered();
        lock(&self.inner.ids).put(key.clone(), found.id);
        lock(&self.inner.lookups).put(key, found.clone());
        Ok(found)
    }

    /// The latest version registered under `subject` (`GET /subjects/{subject}/versions/latest`),
    /// fetched once and then cached (Confluent's `latest.cache.ttl.sec` default of -1, no
    /// expiry). 40401 when the subject does not exist.
    pub fn latest_version(&self, subject: &str) -> Result<RegisteredSchema, RegistryError> {
        if let Some(found) = lock(&self.inner.latest).get(subject) {
            return Ok(found.clone());
        }
        let found = self.fetch_version(subject, VersionRef::Latest)?;
        lock(&self.inner.latest).put(subject.to_owned(), found.clone());
        Ok(found)
    }

    /// One version of `subject` (`GET /subjects/{subject}/versions/{version}`), cached: how
    /// schema references are resolved. 40401 / 40402 when the subject / version does not exist.
    pub fn version(
        &self,
        subject: &str,
        version: SchemaVersion,
    ) -> Result<RegisteredSchema, RegistryError> {
        let key = (subject.to_owned(), version);
        if let Some(found) = lock(&self.inner.versions).get(&key) {
            return Ok(found.clone());
        }
        let found = self.fetch_version(subject, VersionRef::Number(version))?;
        lock(&self.inner.versions).put(key, found.clone());
        Ok(found)
    }

    fn fetch_version(
        &self,
        subject: &str,
        version: VersionRef,
    ) -> Result<RegisteredSchema, RegistryError> {
        let path = format!("/subjects/{}/versions/{version}", segment(subject));
        let answer: SubjectVersionAnswer = self.call(Method::Get, &path, None)?;
        let found = answer.into_registered();
        lock(&self.inner.by_id).put(found.id, Arc::new(found.schema.clone()));
        Ok(found)
    }

    /// Tests `schema` against `version` of `subject` under the subject's compatibility level
    /// (`POST /compatibility/subjects/{subject}/versions/{version}?verbose=true`), with the
    /// registry's reasons when it is not compatible. Not cached. 40401 / 40402 when the subject
    /// / version does not exist, 42201 when the schema is invalid.
    pub fn test_compatibility(
        &self,
        subject: &str,
        version: impl Into<VersionRef>,
        schema: &RegistrySchema,
    ) -> Result<Compatibility, RegistryError> {
        let path = format!(
            "/compatibility/subjects/{}/versions/{}?verbose=true",
            segment(subject),
            version.into()
        );
        self.call(Method::Post, &path, Some(&body_of(schema)))
    }

    /// Sends one request with retries, and reads a JSON answer.
    fn call<T: serde::de::DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&str>,
    ) -> Result<T, RegistryError> {
        let (url, text) = self.send(method, path, body)?;
        serde_json::from_str(&text).map_err(|e| RegistryError::Protocol {
            url,
            message: format!("{e} in {text}"),
        })
    }

    /// Sends a request, retrying 5xx / 408 / 429 answers and network errors with exponential
    /// backoff (`retries.wait.ms` doubling up to `retries.max.wait.ms`, `max.retries` times),
    /// moving to the next URL after a network error. Returns the URL and the body of a 2xx
    /// answer.
    fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<&str>,
    ) -> Result<(String, String), RegistryError> {
        let config = &self.inner.config;
        let attempts = config.max_retries.saturating_add(1);
        let mut url_index = 0;
        let mut wait = config.retry_wait;
        let mut last: Option<RegistryError> = None;
        for attempt in 0..attempts {
            if attempt > 0 {
                tracing::debug!(?wait, attempt, "retrying a schema registry request");
                std::thread::sleep(wait);
                wait = wait.saturating_mul(2).min(config.retry_max_wait);
            }
            let base = &config.urls[url_index % config.urls.len()];
            let url = format!("{}{path}", base.trim_end_matches('/'));
            match self.send_once(method, &url, body) {
                Ok((status, text)) if (200..300).contains(&status) => return Ok((url, text)),
                Ok((status, text)) => {
                    let error = error_of(&url, status, &text);
                    if !is_retriable_status(status) {
                        return Err(error);
                    }
                    last = Some(error);
                }
                // Waiting cannot mend a URL that does not parse or an answer over the size
                // limit: the record fails now, with the reason.
                Err(e) if is_permanent(&e) => {
                    return Err(RegistryError::Protocol {
                        url,
                        message: e.to_string(),
                    });
                }
                Err(e) => {
                    url_index += 1;
                    last = Some(RegistryError::Unavailable {
                        url,
                        attempts,
                        reason: e.to_string(),
                    });
                }
            }
        }
        Err(last.unwrap_or_else(|| RegistryError::Unavailable {
            url: config.urls.join(","),
            attempts,
            reason: "no attempt was made".into(),
        }))
    }

    fn send_once(
        &self,
        method: Method,
        url: &str,
        body: Option<&str>,
    ) -> Result<(u16, String), ureq::Error> {
        let inner = &self.inner;
        let mut response = match method {
            Method::Get => {
                let mut request = inner.agent.get(url).header("Accept", ACCEPT);
                if let Some(value) = &inner.authorization {
                    request = request.header("Authorization", value);
                }
                for (name, value) in inner.config.auth.extra_headers() {
                    request = request.header(name, value);
                }
                request.call()?
            }
            Method::Post => {
                let mut request = inner
                    .agent
                    .post(url)
                    .header("Accept", ACCEPT)
                    .header("Content-Type", CONTENT_TYPE);
                if let Some(value) = &inner.authorization {
                    request = request.header("Authorization", value);
                }
                for (name, value) in inner.config.auth.extra_headers() {
                    request = request.header(name, value);
                }
                request.send(body.unwrap_or_default())?
            }
        };
        let status = response.status().as_u16();
        let text = response.body_mut().read_to_string()?;
        Ok((status, text))
    }
}

/// Whether a request failure comes from the request or the answer itself (a URL that does not
/// parse, an answer over ureq's 10 MB body limit or its header limit, redirects without end, a
/// certificate file that does not parse) rather than from a registry that cannot be reached:
/// retrying it gives the same failure.
fn is_permanent(error: &ureq::Error) -> bool {
    use ureq::Error as E;
    matches!(
        error,
        E::BadUri(_)
            | E::Http(_)
            | E::InvalidProxyUrl
            | E::BodyExceedsLimit(_)
            | E::TooManyRedirects
            | E::Pem(_)
            | E::RequireHttpsOnly(_)
            | E::LargeResponseHeader(..)
            | E::TlsRequired
    )
}

/// The JSON body of a request carrying `schema`.
fn body_of(schema: &RegistrySchema) -> String {
    // Serializing a struct of strings cannot fail.
    serde_json::to_string(schema).unwrap_or_default()
}

/// A path segment, percent-encoded.
fn segment(text: &str) -> String {
    utf8_percent_encode(text, SEGMENT).to_string()
}

/// The error an answer with a non-2xx status stands for.
fn error_of(url: &str, status: u16, text: &str) -> RegistryError {
    match serde_json::from_str::<ErrorAnswer>(text) {
        Ok(answer) => RegistryError::Registry {
            url: url.to_owned(),
            status,
            error_code: answer.error_code,
            message: answer.message,
        },
        Err(_) => RegistryError::Registry {
            url: url.to_owned(),
            status,
            error_code: i64::from(status),
            message: undocumented_answer(status, text),
        },
    }
}

/// What an error answer without the documented `{"error_code","message"}` body says: its
/// `message` when it is JSON with one (Karapace's 401), else the HTTP status and at most 200
/// characters of the body on one line (a proxy's HTML page, say), and for 401 and 403 which
/// settings carry the credentials.
fn undocumented_answer(status: u16, text: &str) -> String {
    const EXCERPT: usize = 200;
    let message = serde_json::from_str::<serde_json::Value>(text)
        .ok()
        .and_then(|v| v.get("message").and_then(|m| m.as_str()).map(str::to_owned));
    let mut said = match message {
        Some(message) => message,
        None => {
            let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
            let mut excerpt: String = line.chars().take(EXCERPT).collect();
            if line.chars().count() > EXCERPT {
                excerpt.push('…');
            }
            if excerpt.is_empty() {
                format!("HTTP {status}")
            } else {
                format!("HTTP {status}: {excerpt}")
            }
        }
    };
    if matches!(status, 401 | 403) {
        said.push_str(
            " (the credentials come from basic.auth.credentials.source with \
             basic.auth.user.info, or bearer.auth.token)",
        );
    }
    said
}

#[cfg(test)]
mod answers {
    use super::undocumented_answer;

    #[test]
    fn answers_without_an_error_code_are_summarised_on_one_line() {
        assert_eq!(
            undocumented_answer(401, r#"{"message":"Unauthorized"}"#),
            "Unauthorized (the credentials come from basic.auth.credentials.source with \
             basic.auth.user.info, or bearer.auth.token)"
        );
        let html = format!("<html>\n  <body>{}</body>\n</html>", "x".repeat(400));
        let said = undocumented_answer(502, &html);
        assert!(said.starts_with("HTTP 502: <html> <body>xxx"), "{said}");
        assert!(said.ends_with('…') && said.chars().count() < 230, "{said}");
        assert_eq!(undocumented_answer(500, "  "), "HTTP 500");
    }
}
