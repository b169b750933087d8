//! `switchyard schema check`: the CI gate for schema changes.
//!
//! Offline, a new schema is checked against earlier versions (files, or `REF:PATH` read with
//! `git show`) at a Confluent compatibility level with [`switchyard_schema`], with the rules
//! Confluent's registry applies to its type: Avro Java's `SchemaCompatibility` for Avro, the
//! `SchemaDiff` of Confluent's `ProtobufSchema` and `JsonSchema` for Protobuf (`.proto`) and
//! JSON Schema. The files a schema refers to (Protobuf imports, JSON Schema `$ref`s, Avro named
//! types) are given as `--reference NAME=FILE`, and serve every version. Exit codes: 0
//! compatible, 1 incompatible, 2 a usage or input error (a missing or unparsable schema, a bad
//! git reference, a JSON Schema construct the offline rules do not check).
//!
//! With `--registry URL --subject S`, the registry decides instead: the new schema is sent to
//! its compatibility endpoint (`POST /compatibility/subjects/{S}/versions/{V}?verbose=true`),
//! with its references given as `--reference NAME=SUBJECT:VERSION`; the registry applies the
//! subject's configured level, and its reasons are printed.

use std::path::{Path, PathBuf};
use std::process::Command;

use clap::{ArgMatches, Args, FromArgMatches, Subcommand, ValueEnum};

use switchyard_registry::{
    self as registry, RegistryConfig, RegistryError, RegistrySchema, VersionRef,
};
use switchyard_schema::report::{RegistryReport, RegistryVerdict, Report};
use switchyard_schema::{self as schema, Comparison, Level, Schema, json_schema, protobuf};

/// `switchyard schema` commands.
#[derive(Debug, Subcommand)]
pub enum SchemaCommand {
    /// Check a new Avro, Protobuf or JSON Schema schema against its earlier versions, offline
    /// with Confluent's rules for its type, or against a registry.
    Check(CheckArgs),
}

/// A schema's type, as the registry names them (`schemaType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
#[value(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SchemaType {
    /// An Avro schema (`.avsc`).
    Avro,
    /// A Protobuf schema (`.proto`).
    Protobuf,
    /// A JSON Schema.
    Json,
}

impl SchemaType {
    /// The registry's name (`schemaType`).
    pub fn as_str(self) -> &'static str {
        match self {
            SchemaType::Avro => "AVRO",
            SchemaType::Protobuf => "PROTOBUF",
            SchemaType::Json => "JSON",
        }
    }

    /// The type of the schema file `path` with text `text`, when `--schema-type` is not
    /// given: `.proto` is Protobuf, `.avsc` Avro; any other file is Avro when it parses as an
    /// Avro schema and JSON Schema otherwise (`{"type": "string"}` is both: it is taken as
    /// Avro, and `--schema-type JSON` says otherwise).
    pub fn infer(path: &Path, text: &str) -> SchemaType {
        match path.extension().and_then(|e| e.to_str()) {
            Some("proto") => SchemaType::Protobuf,
            Some("avsc") => SchemaType::Avro,
            _ if Schema::parse(text).is_ok() => SchemaType::Avro,
            _ => SchemaType::Json,
        }
    }
}

impl std::fmt::Display for SchemaType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How `schema check` writes its result on standard output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum ReportFormat {
    /// Lines for people.
    #[default]
    Text,
    /// A JSON document for programs.
    Json,
    /// GitHub Actions workflow commands (`::error file=…`), annotating the pull request.
    Github,
}

/// The options of `schema check`, as clap sees them; [`CheckArgs`] orders the earlier
/// versions as they were given.
#[derive(Debug, Clone, clap::Args)]
struct CheckOptions {
    /// The new schema (`.avsc`, `.proto`, or a JSON Schema).
    #[arg(long, value_name = "NEW")]
    schema: PathBuf,
    /// The schema's type; by default `.proto` files are PROTOBUF, `.avsc` files AVRO, and
    /// other files AVRO when they parse as Avro, JSON otherwise.
    #[arg(long, value_enum, value_name = "AVRO|PROTOBUF|JSON")]
    schema_type: Option<SchemaType>,
    /// A schema the new one refers to (a Protobuf import, a JSON Schema `$ref`, an Avro named
    /// type), under the name the schema uses: offline, read from FILE (for every version);
    /// with `--registry`, registered as SUBJECT version VERSION. Repeatable.
    #[arg(long, value_name = "NAME=FILE|NAME=SUBJECT:VERSION")]
    reference: Vec<String>,
    /// An earlier version of the schema, from a file. Repeatable; newest first.
    #[arg(long, value_name = "OLD")]
    against: Vec<PathBuf>,
    /// An earlier version from git history, read with `git show REF:PATH` in the current
    /// directory (PATH from the repository's root, or `./…` from the current directory).
    /// Repeatable; newest first, in command-line order with `--against`.
    #[arg(long, value_name = "REF:PATH")]
    against_git: Vec<String>,
    /// The compatibility level: BACKWARD, BACKWARD_TRANSITIVE, FORWARD, FORWARD_TRANSITIVE,
    /// FULL, FULL_TRANSITIVE or NONE.
    #[arg(long, default_value_t = Level::Backward)]
    level: Level,
    /// How to write the result.
    #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
    format: ReportFormat,
    /// Ask this Confluent-compatible schema registry (Confluent, Karapace, Apicurio's
    /// `…/apis/ccompat/v7`) instead of checking offline; the subject's own level applies.
    #[arg(
        long,
        value_name = "URL",
        requires = "subject",
        conflicts_with_all = ["against", "against_git", "level"]
    )]
    registry: Option<String>,
    /// The registry subject (e.g. `product.public.products-value`).
    #[arg(long, requires = "registry")]
    subject: Option<String>,
    /// The registered version to test against: `latest` (the default), `all` (each version in
    /// turn) or a number.
    #[arg(long, value_name = "latest|all|N", requires = "registry")]
    version: Option<RegistryVersion>,
    /// A registry client setting as the converters take it (`basic.auth.credentials.source`,
    /// `basic.auth.user.info`, `bearer.auth.token`, `schema.registry.ssl.ca.location`,
    /// `max.retries`, …). Repeatable.
    #[arg(
        long = "registry-property",
        value_name = "KEY=VALUE",
        requires = "registry"
    )]
    registry_properties: Vec<String>,
}

/// Which registered versions `--registry` tests against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RegistryVersion {
    /// The latest version.
    #[default]
    Latest,
    /// Every version, one request each.
    All,
    /// One version.
    Number(u32),
}

impl std::str::FromStr for RegistryVersion {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "latest" => Ok(RegistryVersion::Latest),
            "all" => Ok(RegistryVersion::All),
            n => n
                .parse::<u32>()
                .ok()
                .filter(|n| *n >= 1)
                .map(RegistryVersion::Number)
                .ok_or_else(|| format!("`{s}`: expected latest, all or a version number")),
        }
    }
}

/// `schema check --registry`: where to ask and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistryArgs {
    /// The registry's URL (`schema.registry.url`).
    pub url: String,
    /// The subject.
    pub subject: String,
    /// The version(s) to test against.
    pub version: RegistryVersion,
    /// Further client settings, `KEY=VALUE`.
    pub properties: Vec<String>,
    /// The schema's references, `NAME=SUBJECT:VERSION`.
    pub references: Vec<String>,
}

/// Where an earlier version comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Earlier {
    /// A file.
    File(PathBuf),
    /// `REF:PATH` in git.
    Git(String),
}

/// Arguments of `schema check`.
#[derive(Debug, Clone)]
pub struct CheckArgs {
    /// The new schema file.
    pub schema: PathBuf,
    /// The schema's type, when given.
    pub schema_type: Option<SchemaType>,
    /// The earlier versions, newest first, in the order given on the command line.
    pub earlier: Vec<Earlier>,
    /// The schemas it refers to, `NAME=FILE` offline (`NAME=SUBJECT:VERSION` with a registry).
    pub references: Vec<String>,
    /// The compatibility level.
    pub level: Level,
    /// The output format.
    pub format: ReportFormat,
    /// Ask a registry instead of checking offline.
    pub registry: Option<RegistryArgs>,
}

impl FromArgMatches for CheckArgs {
    fn from_arg_matches(matches: &ArgMatches) -> Result<Self, clap::Error> {
        let options = CheckOptions::from_arg_matches(matches)?;
        // `--against` and `--against-git` interleave: order them by their position.
        let mut earlier: Vec<(usize, Earlier)> = Vec::new();
        if let Some(indices) = matches.indices_of("against") {
            earlier.extend(indices.zip(options.against.iter().cloned().map(Earlier::File)));
        }
        if let Some(indices) = matches.indices_of("against_git") {
            earlier.extend(indices.zip(options.against_git.iter().cloned().map(Earlier::Git)));
        }
        earlier.sort_by_key(|(index, _)| *index);
        Ok(CheckArgs {
            schema: options.schema,
            schema_type: options.schema_type,
            earlier: earlier.into_iter().map(|(_, e)| e).collect(),
            references: options.reference.clone(),
            level: options.level,
            format: options.format,
            registry: match (options.registry, options.subject) {
                (Some(url), Some(subject)) => Some(RegistryArgs {
                    url,
                    subject,
                    version: options.version.unwrap_or_default(),
                    properties: options.registry_properties,
                    references: options.reference,
                }),
                _ => None,
            },
        })
    }

    fn update_from_arg_matches(&mut self, matches: &ArgMatches) -> Result<(), clap::Error> {
        *self = CheckArgs::from_arg_matches(matches)?;
        Ok(())
    }
}

impl Args for CheckArgs {
    fn augment_args(cmd: clap::Command) -> clap::Command {
        CheckOptions::augment_args(cmd)
    }

    fn augment_args_for_update(cmd: clap::Command) -> clap::Command {
        CheckOptions::augment_args_for_update(cmd)
    }
}

/// Why `schema check` did not pass.
#[derive(Debug, thiserror::Error)]
pub enum SchemaCheckError {
    /// The new schema is incompatible: exit 1.
    #[error("{0}")]
    Incompatible(String),
    /// A schema file could not be read: exit 2.
    #[error("{path}: {message}")]
    Read {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// `git show REF:PATH` failed: exit 2.
    #[error("--against-git {spec}: {message}")]
    Git {
        /// The `REF:PATH` given.
        spec: String,
        /// What git said.
        message: String,
    },
    /// A schema is not a valid Avro schema: exit 2.
    #[error("{source_name}: not a valid Avro schema: {error}")]
    Parse {
        /// The file or `REF:PATH`.
        source_name: String,
        /// Avro's objection.
        error: schema::ParseError,
    },
    /// A `.proto` file does not compile: exit 2.
    #[error("{source_name}: not a valid Protobuf schema: {error}{}", import_hint(.error))]
    Protobuf {
        /// The file or `REF:PATH`.
        source_name: String,
        /// The compiler's objection, with file, line and column.
        error: protobuf::ParseError,
    },
    /// A JSON Schema cannot be loaded, or uses what the offline rules do not check: exit 2.
    #[error("{source_name}: {}", json_schema_message(.error))]
    JsonSchema {
        /// The file or `REF:PATH`.
        source_name: String,
        /// What stopped the check.
        error: json_schema::LoadError,
    },
    /// Java's checker would abort on these schemas (an ambiguous field alias): exit 2.
    #[error("{0}")]
    Check(#[from] schema::CompatibilityError),
    /// The registry could not be asked, or refused the request: exit 2.
    #[error("{0}")]
    Registry(#[from] RegistryError),
    /// A malformed `--registry-property`: exit 2.
    #[error("--registry-property {0}: expected KEY=VALUE")]
    Property(String),
    /// A malformed `--reference` with `--registry`: exit 2.
    #[error("--reference {0}: expected NAME=SUBJECT:VERSION, with a version number from 1")]
    Reference(String),
    /// A malformed `--reference` offline: exit 2.
    #[error("--reference {0}: expected NAME=FILE (NAME=SUBJECT:VERSION with --registry)")]
    OfflineReference(String),
    /// A JSON Schema file that is not JSON: exit 2.
    #[error("{path}: not a JSON Schema: {message}")]
    NotJson {
        /// The schema file.
        path: PathBuf,
        /// serde_json's objection, with line and column.
        message: String,
    },
}

/// What to do about an import that is not found: give it as a reference.
fn import_hint(error: &protobuf::ParseError) -> &'static str {
    if error.0.contains("import") && error.0.contains("not found") {
        " (pass the file it names as --reference NAME=FILE)"
    } else {
        ""
    }
}

/// What a JSON Schema error says, with what to do about it.
fn json_schema_message(error: &json_schema::LoadError) -> String {
    use json_schema::LoadError as E;
    match error {
        E::NotJson(message) => format!("not a JSON Schema: {message}"),
        E::Invalid { .. } => format!("not a valid JSON Schema: {error}"),
        E::Unresolved { .. } => {
            format!("{error}: pass the document it names as --reference NAME=FILE")
        }
        E::NotChecked { .. } => format!(
            "{error}: check it against a schema registry instead (--registry URL --subject S)"
        ),
    }
}

impl SchemaCheckError {
    /// The process exit code.
    pub fn exit_code(&self) -> u8 {
        match self {
            SchemaCheckError::Incompatible(_) => 1,
            _ => 2,
        }
    }
}

/// Runs a `schema` command: prints the report on standard output and fails with
/// [`SchemaCheckError::Incompatible`] when the check fails.
pub fn run(command: &SchemaCommand) -> Result<(), SchemaCheckError> {
    match command {
        SchemaCommand::Check(args) => {
            let (output, outcome) = check(args)?;
            print!("{output}");
            outcome
        }
    }
}

/// Runs `schema check`: the rendered report, and whether it passed.
pub fn check(args: &CheckArgs) -> Result<(String, Result<(), SchemaCheckError>), SchemaCheckError> {
    let schema_name = args.schema.display().to_string();
    let text = read_file(&args.schema)?;
    let schema_type = args
        .schema_type
        .unwrap_or_else(|| SchemaType::infer(&args.schema, &text));
    if let Some(registry) = &args.registry {
        match schema_type {
            SchemaType::Avro => {
                parse(&schema_name, &text)?;
            }
            // The registry parses Protobuf itself (answering 422 with its reasons when it
            // cannot).
            SchemaType::Protobuf => {}
            SchemaType::Json => {
                if let Err(e) = serde_json::from_str::<serde_json::Value>(&text) {
                    return Err(SchemaCheckError::NotJson {
                        path: args.schema.clone(),
                        message: e.to_string(),
                    });
                }
            }
        }
        return ask_registry(&schema_name, text, schema_type, registry, args.format);
    }
    let references = args
        .references
        .iter()
        .map(|r| offline_reference(r))
        .collect::<Result<Vec<_>, _>>()?;
    let mut earlier = Vec::with_capacity(args.earlier.len());
    for version in &args.earlier {
        earlier.push(match version {
            Earlier::File(path) => (path.display().to_string(), read_file(path)?),
            Earlier::Git(spec) => (spec.clone(), git_show(spec)?),
        });
    }
    let checks = offline_checks(
        schema_type,
        (&schema_name, &text),
        &earlier,
        &references,
        args.level,
    )?;
    let names: Vec<String> = earlier.into_iter().map(|(name, _)| name).collect();
    let report = Report {
        schema: &schema_name,
        schema_type: match schema_type {
            SchemaType::Avro => schema::SchemaType::Avro,
            SchemaType::Protobuf => schema::SchemaType::Protobuf,
            SchemaType::Json => schema::SchemaType::Json,
        },
        level: args.level,
        earlier: &names,
        checks: &checks,
    };
    let output = match args.format {
        ReportFormat::Text => report.text(),
        ReportFormat::Json => report.json(),
        ReportFormat::Github => report.github(),
    };
    let outcome = if report.is_compatible() {
        Ok(())
    } else {
        Err(SchemaCheckError::Incompatible(report.summary()))
    };
    Ok((output, outcome))
}

/// The offline checks of `new` (name, text) against the `earlier` versions (each name, text)
/// at `level`, with the rules of `schema_type`; `references` (each name, text) serve every
/// version.
fn offline_checks(
    schema_type: SchemaType,
    (new_name, new_text): (&str, &str),
    earlier: &[(String, String)],
    references: &[(String, String)],
    level: Level,
) -> Result<Vec<Comparison>, SchemaCheckError> {
    Ok(match schema_type {
        SchemaType::Avro => {
            let texts: Vec<&str> = references.iter().map(|(_, t)| t.as_str()).collect();
            let avro = |name: &str, text: &str| {
                Schema::parse_with_references(text, &texts).map_err(|error| {
                    SchemaCheckError::Parse {
                        source_name: name.to_string(),
                        error,
                    }
                })
            };
            let new = avro(new_name, new_text)?;
            let earlier = earlier
                .iter()
                .map(|(name, text)| avro(name, text))
                .collect::<Result<Vec<_>, _>>()?;
            schema::check_level(&new, &earlier, level)?
                .iter()
                .map(|c| c.to_comparison(Some(new_text)))
                .collect()
        }
        SchemaType::Protobuf => {
            let proto = |name: &str, text: &str| {
                protobuf::Schema::parse(name, text, references).map_err(|error| {
                    SchemaCheckError::Protobuf {
                        source_name: name.to_string(),
                        error,
                    }
                })
            };
            let new = proto(new_name, new_text)?;
            let earlier = earlier
                .iter()
                .map(|(name, text)| proto(name, text))
                .collect::<Result<Vec<_>, _>>()?;
            protobuf::check_level(&new, &earlier, level)
        }
        SchemaType::Json => {
            let json = |name: &str, text: &str| {
                json_schema::Schema::parse(text, references).map_err(|error| {
                    SchemaCheckError::JsonSchema {
                        source_name: name.to_string(),
                        error,
                    }
                })
            };
            let new = json(new_name, new_text)?;
            let earlier = earlier
                .iter()
                .map(|(name, text)| json(name, text))
                .collect::<Result<Vec<_>, _>>()?;
            json_schema::check_level(&new, &earlier, level)
        }
    })
}

/// An offline `--reference NAME=FILE`: the name and the file's text.
fn offline_reference(spec: &str) -> Result<(String, String), SchemaCheckError> {
    match spec.split_once('=') {
        Some((name, file)) if !name.is_empty() && !file.is_empty() => {
            Ok((name.to_string(), read_file(Path::new(file))?))
        }
        _ => Err(SchemaCheckError::OfflineReference(spec.to_string())),
    }
}

/// `schema check --registry`: the registry's verdict on each version asked.
fn ask_registry(
    schema_name: &str,
    text: String,
    schema_type: SchemaType,
    args: &RegistryArgs,
    format: ReportFormat,
) -> Result<(String, Result<(), SchemaCheckError>), SchemaCheckError> {
    let mut settings = vec![("schema.registry.url".to_string(), args.url.clone())];
    for property in &args.properties {
        let (key, value) = property
            .split_once('=')
            .ok_or_else(|| SchemaCheckError::Property(property.clone()))?;
        settings.push((key.trim().to_string(), value.to_string()));
    }
    let client = registry::Client::new(RegistryConfig::from_settings(&settings)?)?;
    let versions: Vec<VersionRef> = match args.version {
        RegistryVersion::Latest => vec![VersionRef::Latest],
        RegistryVersion::Number(n) => vec![VersionRef::Number(registry::SchemaVersion(n))],
        RegistryVersion::All => {
            let latest = client.latest_version(&args.subject)?.version.0;
            (1..=latest)
                .map(|n| VersionRef::Number(registry::SchemaVersion(n)))
                .collect()
        }
    };
    let schema = RegistrySchema {
        schema: text,
        // Left out for Avro, as Confluent's clients do.
        schema_type: (schema_type != SchemaType::Avro).then(|| schema_type.as_str().to_string()),
        references: args
            .references
            .iter()
            .map(|r| reference(r))
            .collect::<Result<_, _>>()?,
    };
    let mut verdicts = Vec::with_capacity(versions.len());
    for version in versions {
        match client.test_compatibility(&args.subject, version, &schema) {
            Ok(answer) => verdicts.push(RegistryVerdict {
                version: version.to_string(),
                is_compatible: answer.is_compatible,
                messages: answer.messages,
            }),
            // A deleted version among `all`: nothing to test against.
            Err(e) if args.version == RegistryVersion::All && e.error_code() == Some(40402) => {}
            Err(e) => return Err(e.into()),
        }
    }
    let report = RegistryReport {
        schema: schema_name,
        registry: &args.url,
        subject: &args.subject,
        verdicts: &verdicts,
    };
    let output = match format {
        ReportFormat::Text => report.text(),
        ReportFormat::Json => report.json(),
        ReportFormat::Github => report.github(),
    };
    let outcome = if report.is_compatible() {
        Ok(())
    } else {
        Err(SchemaCheckError::Incompatible(report.summary()))
    };
    Ok((output, outcome))
}

/// A `--reference NAME=SUBJECT:VERSION`.
fn reference(spec: &str) -> Result<registry::SchemaReference, SchemaCheckError> {
    let malformed = || SchemaCheckError::Reference(spec.to_string());
    let (name, rest) = spec.split_once('=').ok_or_else(malformed)?;
    let (subject, version) = rest.rsplit_once(':').ok_or_else(malformed)?;
    let version: u32 = version
        .parse()
        .ok()
        .filter(|v| *v >= 1)
        .ok_or_else(malformed)?;
    if name.is_empty() || subject.is_empty() {
        return Err(malformed());
    }
    Ok(registry::SchemaReference {
        name: name.to_string(),
        subject: subject.to_string(),
        version: registry::SchemaVersion(version),
    })
}

/// The text of a schema file, within the size limit of configuration files.
fn read_file(path: &Path) -> Result<String, SchemaCheckError> {
    switchyard_data::files::read_text(path, switchyard_data::files::CONFIG_LIMIT).map_err(|e| {
        SchemaCheckError::Read {
            path: path.to_path_buf(),
            message: e.to_string(),
        }
    })
}

/// The Avro schema `text` of `name`.
fn parse(name: &str, text: &str) -> Result<Schema, SchemaCheckError> {
    Schema::parse(text).map_err(|error| SchemaCheckError::Parse {
        source_name: name.to_string(),
        error,
    })
}

/// `git show REF:PATH` in the current directory.
fn git_show(spec: &str) -> Result<String, SchemaCheckError> {
    let fail = |message: String| SchemaCheckError::Git {
        spec: spec.to_string(),
        message,
    };
    match spec.split_once(':') {
        Some((reference, path)) if !reference.is_empty() && !path.is_empty() => {}
        _ => {
            return Err(fail(
                "expected REF:PATH, e.g. origin/main:schemas/product.avsc".into(),
            ));
        }
    }
    let output = Command::new("git")
        .args(["show", spec])
        .output()
        .map_err(|e| fail(format!("cannot run git: {e}")))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        return Err(fail(stderr.trim().to_string()));
    }
    String::from_utf8(output.stdout).map_err(|_| fail("the file is not UTF-8 text".into()))
}
