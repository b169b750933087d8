//! A strict fake of the Confluent Schema Registry REST API: a real HTTP server on 127.0.0.1 that
//! answers as the API reference documents (the status codes, the `{"error_code","message"}`
//! bodies and the `application/vnd.schemaregistry.v1+json` content type of each endpoint), with
//! controls to take it down, make it answer 5xx, reject a subject's schemas, require
//! credentials, and record every request. Registration enforces each subject's compatibility
//! level on Avro schemas (BACKWARD unless set, as Confluent's registry and Karapace default),
//! with the rules of `switchyard schema check`.
//!
//! ```ignore
//! let fake = RegistryFake::start();
//! let id = fake.register("orders-value", r#""string""#);   // seed a schema
//! let url = fake.url();                                    // http://127.0.0.1:PORT
//! fake.reject_subject("orders-value", "READER_FIELD_MISSING_DEFAULT_VALUE"); // 409 on register
//! fake.set_compatibility("orders-value", Level::None);     // PUT /config/orders-value
//! fake.fail_next(3);                                       // the next 3 requests get 500 50001
//! fake.go_down(); fake.come_up();                          // connection refused, then back
//! fake.require_basic("user", "pass");                      // 401 without these credentials
//! fake.registrations();                                    // [(subject, schema text)], in order
//! fake.requests();                                         // every request, in order
//! ```
//!
//! Endpoints served (paths also under a prefix such as Apicurio's `/apis/ccompat/v7` when
//! started with [`RegistryFake::start_with_prefix`]):
//! `GET /schemas/ids/{id}`, `POST /subjects/{s}/versions`, `POST /subjects/{s}`,
//! `GET /subjects/{s}/versions/{v}`, `GET /subjects`,
//! `POST /compatibility/subjects/{s}/versions/{v}`.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;

use serde_json::{Value, json};
use switchyard::schema::{Level, Schema, check_level};

/// The content type of every answer (the API reference's `application/vnd.schemaregistry.v1+json`).
pub const CONTENT_TYPE: &str = "application/vnd.schemaregistry.v1+json";

/// A request the fake received.
#[derive(Debug, Clone)]
pub struct RecordedRequest {
    /// `GET`, `POST`, …
    pub method: String,
    /// The path and query, as sent (prefix included).
    pub url: String,
    /// The `Authorization` header, if any.
    pub authorization: Option<String>,
    /// The `Content-Type` header, if any.
    pub content_type: Option<String>,
    /// The body.
    pub body: String,
    /// The HTTP status the fake answered.
    pub status: u16,
}

#[derive(Debug, Clone)]
struct Stored {
    schema: String,
    schema_type: Option<String>,
    references: Value,
}

#[derive(Default)]
struct State {
    /// Schemas by id (id = index + 1); one id per distinct (schema, type, references), as the
    /// registry deduplicates across subjects.
    schemas: Vec<Stored>,
    /// Each subject's versions: the ids, version = index + 1.
    subjects: BTreeMap<String, Vec<u32>>,
    /// Subjects whose new schemas are refused as incompatible, with the reason.
    rejected: BTreeMap<String, String>,
    /// Compatibility levels set per subject; the others have the global level.
    levels: BTreeMap<String, Level>,
    /// The global compatibility level (`None` until set: BACKWARD, the registry's default).
    global_level: Option<Level>,
    /// Answers with 500 / 50001 still to give.
    failures: u32,
    /// 200 answers with a body over 10 MB still to give.
    oversize: u32,
    /// The `Authorization` header every request must carry.
    authorization: Option<String>,
    requests: Vec<RecordedRequest>,
    registrations: Vec<(String, String)>,
}

/// The fake registry. Dropping it stops the server.
pub struct RegistryFake {
    addr: SocketAddr,
    prefix: String,
    state: Arc<Mutex<State>>,
    server: Option<(Arc<tiny_http::Server>, JoinHandle<()>)>,
}

impl RegistryFake {
    /// Starts a fake on a free port of 127.0.0.1, serving at the root.
    pub fn start() -> Self {
        Self::start_with_prefix("")
    }

    /// Starts a fake serving under `prefix` (e.g. Apicurio's `/apis/ccompat/v7`).
    pub fn start_with_prefix(prefix: &str) -> Self {
        let server = tiny_http::Server::http("127.0.0.1:0").expect("bind the fake registry");
        let addr = server
            .server_addr()
            .to_ip()
            .expect("the fake registry listens on TCP");
        let mut fake = RegistryFake {
            addr,
            prefix: prefix.trim_end_matches('/').to_owned(),
            state: Arc::new(Mutex::new(State::default())),
            server: None,
        };
        fake.serve(server);
        fake
    }

    fn serve(&mut self, server: tiny_http::Server) {
        let server = Arc::new(server);
        let state = Arc::clone(&self.state);
        let prefix = self.prefix.clone();
        let listener = Arc::clone(&server);
        let thread = std::thread::spawn(move || {
            for request in listener.incoming_requests() {
                handle(&state, &prefix, request);
            }
        });
        self.server = Some((server, thread));
    }

    /// The base URL to configure as `schema.registry.url` (prefix included).
    pub fn url(&self) -> String {
        format!("http://{}{}", self.addr, self.prefix)
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().expect("fake registry state")
    }

    /// Stops listening: connections are refused until [`come_up`](Self::come_up).
    pub fn go_down(&mut self) {
        if let Some((server, thread)) = self.server.take() {
            server.unblock();
            thread.join().expect("the fake registry thread");
        }
    }

    /// Listens again on the same port, with the same schemas.
    pub fn come_up(&mut self) {
        if self.server.is_none() {
            let server = tiny_http::Server::http(self.addr).expect("rebind the fake registry");
            self.serve(server);
        }
    }

    /// The next `count` requests are answered `500` with error code 50001 ("Error in the
    /// backend data store"), as a registry whose storage fails answers.
    pub fn fail_next(&self, count: u32) {
        self.state().failures = count;
    }

    /// The next `count` requests get a 200 answer whose body is over 10 MB (a misconfigured
    /// URL that names some other service, say).
    pub fn answer_oversize_next(&self, count: u32) {
        self.state().oversize = count;
    }

    /// New schemas under `subject` are refused: registration answers 409 and compatibility
    /// tests answer `is_compatible: false` with `reason`.
    pub fn reject_subject(&self, subject: &str, reason: &str) {
        self.state()
            .rejected
            .insert(subject.to_owned(), reason.to_owned());
    }

    /// Sets the compatibility level of `subject` (`PUT /config/{subject}`); the others keep the
    /// global one, BACKWARD by default, as Confluent's registry and Karapace default to.
    pub fn set_compatibility(&self, subject: &str, level: Level) {
        self.state().levels.insert(subject.to_owned(), level);
    }

    /// Sets the global compatibility level (`PUT /config`).
    pub fn set_global_compatibility(&self, level: Level) {
        self.state().global_level = Some(level);
    }

    /// Every request must carry basic credentials `user:password`; others get 401.
    pub fn require_basic(&self, user: &str, password: &str) {
        use base64::Engine as _;
        let token = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
        self.state().authorization = Some(format!("Basic {token}"));
    }

    /// Every request must carry `Authorization: Bearer <token>`; others get 401.
    pub fn require_bearer(&self, token: &str) {
        self.state().authorization = Some(format!("Bearer {token}"));
    }

    /// Registers an Avro schema under `subject` directly (not through HTTP, not recorded);
    /// returns its id.
    pub fn register(&self, subject: &str, schema: &str) -> u32 {
        let mut state = self.state();
        let (id, _) = register(&mut state, subject, schema, None, &Value::Null);
        id
    }

    /// Registers a schema of another type (`PROTOBUF`, `JSON`) under `subject` directly, as
    /// [`RegistryFake::register`] does; returns its id.
    pub fn register_typed(&self, subject: &str, schema: &str, schema_type: &str) -> u32 {
        let mut state = self.state();
        let (id, _) = register(
            &mut state,
            subject,
            schema,
            Some(schema_type.to_owned()),
            &Value::Null,
        );
        id
    }

    /// Seeds an Avro schema that names other subjects' schemas (`references`: the registry's
    /// `[{"name","subject","version"}]`), without checks.
    pub fn register_with_references(&self, subject: &str, schema: &str, references: Value) -> u32 {
        let mut state = self.state();
        let (id, _) = register(&mut state, subject, schema, None, &references);
        id
    }

    /// Seeds a schema of another type that names other subjects' schemas, without checks.
    pub fn register_typed_with_references(
        &self,
        subject: &str,
        schema: &str,
        schema_type: &str,
        references: Value,
    ) -> u32 {
        let mut state = self.state();
        let (id, _) = register(
            &mut state,
            subject,
            schema,
            Some(schema_type.to_owned()),
            &references,
        );
        id
    }

    /// The schemas registered through `POST /subjects/{s}/versions`, as (subject, schema text),
    /// in order.
    pub fn registrations(&self) -> Vec<(String, String)> {
        self.state().registrations.clone()
    }

    /// Every request received, in order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.state().requests.clone()
    }

    /// The subjects, sorted.
    pub fn subjects(&self) -> Vec<String> {
        self.state().subjects.keys().cloned().collect()
    }
}

impl Drop for RegistryFake {
    fn drop(&mut self) {
        self.go_down();
    }
}

/// Registers a schema (deduplicated by text, type and references) under a subject; returns its
/// id and whether the subject got a new version.
fn register(
    state: &mut State,
    subject: &str,
    schema: &str,
    schema_type: Option<String>,
    references: &Value,
) -> (u32, bool) {
    let existing = state.schemas.iter().position(|s| {
        s.schema == schema && s.schema_type == schema_type && &s.references == references
    });
    let id = match existing {
        Some(index) => index as u32 + 1,
        None => {
            state.schemas.push(Stored {
                schema: schema.to_owned(),
                schema_type,
                references: references.clone(),
            });
            state.schemas.len() as u32
        }
    };
    let versions = state.subjects.entry(subject.to_owned()).or_default();
    if versions.contains(&id) {
        (id, false)
    } else {
        versions.push(id);
        (id, true)
    }
}

/// One answer: status and JSON body.
type Answer = (u16, Value);

/// Why an Avro schema new to `subject` breaks the subject's compatibility level (BACKWARD
/// unless set, as the real registries default), checked with the same rules as
/// `switchyard schema check` (Avro Java's `SchemaCompatibility`); `None` when it does not, or
/// for other schema types, which the fake does not check.
fn incompatible(
    state: &State,
    subject: &str,
    schema: &str,
    schema_type: Option<&str>,
) -> Option<String> {
    if schema_type.is_some_and(|t| t != "AVRO") {
        return None;
    }
    let level = state
        .levels
        .get(subject)
        .copied()
        .or(state.global_level)
        .unwrap_or(Level::Backward);
    let earlier: Vec<Schema> = state
        .subjects
        .get(subject)?
        .iter()
        .rev()
        .filter_map(|id| Schema::parse(&state.schemas[*id as usize - 1].schema).ok())
        .collect();
    let new = Schema::parse(schema).ok()?;
    let checks = check_level(&new, &earlier, level).ok()?;
    checks
        .iter()
        .find(|c| !c.incompatibilities.is_empty())
        .map(|c| format!("{:?}", c.incompatibilities[0]))
}

/// The documented error body `{"error_code":…,"message":…}`.
fn error(status: u16, code: u32, message: &str) -> Answer {
    (status, json!({ "error_code": code, "message": message }))
}

fn header(request: &tiny_http::Request, name: &str) -> Option<String> {
    request
        .headers()
        .iter()
        .find(|h| h.field.as_str().as_str().eq_ignore_ascii_case(name))
        .map(|h| h.value.as_str().to_owned())
}

fn handle(state: &Mutex<State>, prefix: &str, mut request: tiny_http::Request) {
    let mut body = String::new();
    let read = request.as_reader().read_to_string(&mut body);
    let method = request.method().as_str().to_owned();
    let url = request.url().to_owned();
    let authorization = header(&request, "Authorization");
    let content_type = header(&request, "Content-Type");
    let (status, answer) = {
        let mut state = state.lock().expect("fake registry state");
        let answer = if read.is_err() {
            error(400, 400, "the request body is not UTF-8")
        } else if state.authorization.is_some() && authorization != state.authorization {
            // Confluent's basic / bearer authentication: 401 with the error body when the
            // credentials are missing or wrong.
            error(401, 401, "Unauthorized")
        } else if state.oversize > 0 {
            state.oversize -= 1;
            (200, json!({ "padding": "x".repeat(11 << 20) }))
        } else if state.failures > 0 {
            // API reference: "500 Internal Server Error – Error code 50001 – Error in the
            // backend data store".
            state.failures -= 1;
            error(500, 50001, "Error in the backend data store")
        } else {
            route(
                &mut state,
                prefix,
                &method,
                &url,
                content_type.as_deref(),
                &body,
            )
        };
        state.requests.push(RecordedRequest {
            method,
            url,
            authorization,
            content_type,
            body,
            status: answer.0,
        });
        answer
    };
    let response = tiny_http::Response::from_string(answer.to_string())
        .with_status_code(status)
        .with_header(
            tiny_http::Header::from_bytes("Content-Type", CONTENT_TYPE).expect("a valid header"),
        );
    // The client may have gone; nothing to do then.
    let _ = request.respond(response);
}

/// Decodes one percent-encoded path segment.
fn decode(segment: &str) -> String {
    percent_encoding::percent_decode_str(segment)
        .decode_utf8_lossy()
        .into_owned()
}

/// The schema text, type and references of a request body `{"schema": …}`.
fn schema_of(body: &str) -> Result<(String, Option<String>, Value), Answer> {
    let value: Value = serde_json::from_str(body)
        // Jersey's answer to a body that is not JSON.
        .map_err(|_| error(400, 400, "Unrecognized token: was expecting a JSON body"))?;
    let schema = value
        .get("schema")
        .and_then(Value::as_str)
        .ok_or_else(|| {
            error(
                422,
                42201,
                "Invalid schema: the body has no `schema` string",
            )
        })?
        .to_owned();
    let schema_type = value
        .get("schemaType")
        .and_then(Value::as_str)
        .map(str::to_owned);
    let references = value.get("references").cloned().unwrap_or(Value::Null);
    let references = match references {
        Value::Array(ref list) if list.is_empty() => Value::Null,
        other => other,
    };
    if schema_type.as_deref().unwrap_or("AVRO") == "AVRO" && references.is_null() {
        // API reference: "422 Unprocessable Entity – Error code 42201 – Invalid schema".
        if let Err(e) = apache_avro::Schema::parse_str(&schema) {
            return Err(error(422, 42201, &format!("Invalid schema {schema}: {e}")));
        }
    }
    Ok((schema, schema_type, references))
}

/// The answer body describing a stored schema (`schemaType` only when not AVRO, `references`
/// only when there are some, as Confluent writes them).
fn describe(stored: &Stored, mut answer: serde_json::Map<String, Value>) -> Value {
    answer.insert("schema".into(), Value::String(stored.schema.clone()));
    if let Some(t) = &stored.schema_type {
        answer.insert("schemaType".into(), Value::String(t.clone()));
    }
    if !stored.references.is_null() {
        answer.insert("references".into(), stored.references.clone());
    }
    Value::Object(answer)
}

fn route(
    state: &mut State,
    prefix: &str,
    method: &str,
    url: &str,
    content_type: Option<&str>,
    body: &str,
) -> Answer {
    let (path, query) = url.split_once('?').unwrap_or((url, ""));
    let Some(path) = path.strip_prefix(prefix) else {
        return error(404, 404, "HTTP 404 Not Found");
    };
    if method == "POST"
        && !matches!(
            content_type.map(|c| c.split(';').next().unwrap_or(c).trim()),
            Some(
                "application/vnd.schemaregistry.v1+json"
                    | "application/vnd.schemaregistry+json"
                    | "application/json"
                    | "application/octet-stream"
            )
        )
    {
        // Jersey's answer to a body of another media type.
        return error(415, 415, "HTTP 415 Unsupported Media Type");
    }
    let segments: Vec<String> = path
        .trim_start_matches('/')
        .split('/')
        .map(decode)
        .collect();
    let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
    let verbose = query.split('&').any(|p| p == "verbose=true");
    match (method, segments.as_slice()) {
        // GET /schemas/ids/{id}: 200 {"schema": …}; 404 40403 "Schema not found".
        ("GET", ["schemas", "ids", id]) => {
            let stored = id
                .parse::<usize>()
                .ok()
                .and_then(|id| id.checked_sub(1))
                .and_then(|index| state.schemas.get(index));
            match stored {
                Some(stored) => (200, describe(stored, serde_json::Map::new())),
                None => error(404, 40403, &format!("Schema {id} not found")),
            }
        }
        // GET /subjects: 200 ["subject", …].
        ("GET", ["subjects"]) => (200, json!(state.subjects.keys().collect::<Vec<_>>())),
        // POST /subjects/{s}/versions: 200 {"id": …}; 409 incompatible; 422 42201 invalid.
        ("POST", ["subjects", subject, "versions"]) => {
            let (schema, schema_type, references) = match schema_of(body) {
                Ok(parts) => parts,
                Err(answer) => return answer,
            };
            let known = state.subjects.get(*subject).is_some_and(|versions| {
                versions.iter().any(|id| {
                    let s = &state.schemas[*id as usize - 1];
                    s.schema == schema && s.schema_type == schema_type && s.references == references
                })
            });
            let refused = match state.rejected.get(*subject) {
                Some(reason) => Some(reason.clone()),
                None if !known => incompatible(state, subject, &schema, schema_type.as_deref()),
                None => None,
            };
            if !known && let Some(reason) = refused {
                // API reference: "409 Conflict – Incompatible schema".
                return error(
                    409,
                    409,
                    &format!(
                        "Schema being registered is incompatible with an earlier schema for subject \"{subject}\", details: [{reason}]"
                    ),
                );
            }
            let (id, _) = register(state, subject, &schema, schema_type, &references);
            state
                .registrations
                .push(((*subject).to_owned(), schema.clone()));
            (200, json!({ "id": id }))
        }
        // POST /subjects/{s}: 200 {"subject","id","version","schema"}; 404 40401 subject not
        // found; 404 40403 schema not found.
        ("POST", ["subjects", subject]) => {
            let (schema, schema_type, references) = match schema_of(body) {
                Ok(parts) => parts,
                Err(answer) => return answer,
            };
            let Some(versions) = state.subjects.get(*subject) else {
                return error(404, 40401, &format!("Subject '{subject}' not found."));
            };
            let found = versions.iter().enumerate().find(|(_, id)| {
                let s = &state.schemas[**id as usize - 1];
                s.schema == schema && s.schema_type == schema_type && s.references == references
            });
            match found {
                Some((index, id)) => {
                    let stored = &state.schemas[*id as usize - 1];
                    let mut answer = serde_json::Map::new();
                    answer.insert("subject".into(), json!(subject));
                    answer.insert("version".into(), json!(index + 1));
                    answer.insert("id".into(), json!(id));
                    (200, describe(stored, answer))
                }
                None => error(404, 40403, "Schema not found"),
            }
        }
        // GET /subjects/{s}/versions/{v}: 200; 404 40401 subject, 40402 version not found;
        // 422 42202 invalid version.
        ("GET", ["subjects", subject, "versions", version]) => {
            let Some(versions) = state.subjects.get(*subject) else {
                return error(404, 40401, &format!("Subject '{subject}' not found."));
            };
            let index = match *version {
                "latest" | "-1" => versions.len().checked_sub(1),
                v => match v.parse::<usize>() {
                    Ok(n) if n >= 1 => Some(n - 1),
                    _ => {
                        return error(
                            422,
                            42202,
                            &format!(
                                "The specified version '{v}' is not a valid version id. Allowed values are between [1, 2^31-1] and the string \"latest\""
                            ),
                        );
                    }
                },
            };
            match index.and_then(|i| versions.get(i).map(|id| (i, *id))) {
                Some((index, id)) => {
                    let stored = &state.schemas[id as usize - 1];
                    let mut answer = serde_json::Map::new();
                    answer.insert("subject".into(), json!(subject));
                    answer.insert("version".into(), json!(index + 1));
                    answer.insert("id".into(), json!(id));
                    (200, describe(stored, answer))
                }
                None => error(404, 40402, &format!("Version {version} not found.")),
            }
        }
        // POST /compatibility/subjects/{s}/versions/{v}: 200 {"is_compatible", "messages"
        // (with verbose=true)}; 404 40401 / 40402; 422 42201 invalid schema.
        ("POST", ["compatibility", "subjects", subject, "versions", version]) => {
            if let Err(answer) = schema_of(body) {
                return answer;
            }
            let Some(versions) = state.subjects.get(*subject) else {
                return error(404, 40401, &format!("Subject '{subject}' not found."));
            };
            let exists = match *version {
                "latest" => !versions.is_empty(),
                v => v
                    .parse::<usize>()
                    .is_ok_and(|n| n >= 1 && n <= versions.len()),
            };
            if !exists {
                return error(404, 40402, &format!("Version {version} not found."));
            }
            match state.rejected.get(*subject) {
                Some(reason) if verbose => {
                    (200, json!({ "is_compatible": false, "messages": [reason] }))
                }
                Some(_) => (200, json!({ "is_compatible": false })),
                None if verbose => (200, json!({ "is_compatible": true, "messages": [] })),
                None => (200, json!({ "is_compatible": true })),
            }
        }
        _ => error(404, 404, "HTTP 404 Not Found"),
    }
}
