//! The registry client's settings, read from the keys Confluent's serializers and converters
//! take (`AbstractKafkaSchemaSerDeConfig` and `SchemaRegistryClientConfig`).

use std::num::NonZeroUsize;
use std::path::PathBuf;
use std::time::Duration;

use super::RegistryError;

/// How the client authenticates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Auth {
    /// No credentials.
    None,
    /// HTTP basic authentication.
    Basic {
        /// The user name.
        user: String,
        /// The password.
        password: String,
    },
    /// A bearer token (`bearer.auth.credentials.source=STATIC_TOKEN`).
    Bearer {
        /// The token.
        token: String,
        /// `bearer.auth.logical.cluster`, sent as the `target-sr-cluster` header.
        logical_cluster: Option<String>,
        /// `bearer.auth.identity.pool.id`, sent as the `Confluent-Identity-Pool-Id` header.
        identity_pool: Option<String>,
    },
}

impl Auth {
    /// Headers sent besides `Authorization` (Confluent Cloud's, for a bearer token).
    pub(super) fn extra_headers(&self) -> impl Iterator<Item = (&'static str, &str)> {
        let (cluster, pool) = match self {
            Auth::Bearer {
                logical_cluster,
                identity_pool,
                ..
            } => (logical_cluster.as_deref(), identity_pool.as_deref()),
            _ => (None, None),
        };
        cluster
            .map(|c| ("target-sr-cluster", c))
            .into_iter()
            .chain(pool.map(|p| ("Confluent-Identity-Pool-Id", p)))
    }
}

/// The settings of a [`Client`](super::Client).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistryConfig {
    /// The registry's base URLs (`schema.registry.url`, comma-separated), without credentials;
    /// for Apicurio, its `…/apis/ccompat/v7`.
    pub urls: Vec<String>,
    /// The credentials.
    pub auth: Auth,
    /// A PEM file of the CA certificates to trust (`schema.registry.ssl.ca.location`); Mozilla's
    /// roots when absent.
    pub ca_location: Option<PathBuf>,
    /// Retries after a failed attempt (`max.retries`, default 3).
    pub max_retries: u32,
    /// The first wait before a retry (`retries.wait.ms`, default 1000), doubled each time.
    pub retry_wait: Duration,
    /// The longest wait between retries (`retries.max.wait.ms`, default 20000).
    pub retry_max_wait: Duration,
    /// Entries per cache (`max.schemas.per.subject`, default 1000).
    pub cache_capacity: NonZeroUsize,
    /// The time one request may take (`http.read.timeout.ms`, default 60000 here).
    pub request_timeout: Duration,
}

/// The keys [`RegistryConfig::from_settings`] reads.
pub const REGISTRY_KEYS: &[&str] = &[
    "schema.registry.url",
    "basic.auth.credentials.source",
    "basic.auth.user.info",
    "schema.registry.basic.auth.user.info",
    "bearer.auth.credentials.source",
    "bearer.auth.token",
    "bearer.auth.logical.cluster",
    "bearer.auth.identity.pool.id",
    "schema.registry.ssl.ca.location",
    "max.retries",
    "retries.wait.ms",
    "retries.max.wait.ms",
    "max.schemas.per.subject",
    "http.read.timeout.ms",
];

impl RegistryConfig {
    /// Settings for the registry at `url`, with Confluent's defaults.
    pub fn new(url: impl Into<String>) -> Self {
        RegistryConfig {
            urls: vec![url.into()],
            auth: Auth::None,
            ca_location: None,
            max_retries: 3,
            retry_wait: Duration::from_millis(1000),
            retry_max_wait: Duration::from_millis(20_000),
            cache_capacity: NonZeroUsize::new(1000).unwrap_or(NonZeroUsize::MIN),
            request_timeout: Duration::from_secs(60),
        }
    }

    /// Reads the settings from converter / serializer keys (without their `value.converter.`
    /// prefix); keys outside [`REGISTRY_KEYS`] are left to the caller.
    pub fn from_settings(settings: &[(String, String)]) -> Result<Self, RegistryError> {
        let get = |key: &str| {
            settings
                .iter()
                .rev()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.trim())
        };
        let error = |key: &str, message: String| RegistryError::Config {
            key: key.into(),
            message,
        };
        let url_setting = get("schema.registry.url")
            .filter(|u| !u.is_empty())
            .ok_or_else(|| {
                error(
                    "schema.registry.url",
                    "missing: the URL of the schema registry (e.g. http://localhost:8081)".into(),
                )
            })?;
        let mut urls = Vec::new();
        let mut url_credentials = None;
        for url in url_setting
            .split(',')
            .map(str::trim)
            .filter(|u| !u.is_empty())
        {
            let Some((scheme, rest)) = url.split_once("://") else {
                return Err(error(
                    "schema.registry.url",
                    format!("`{url}` is not an http:// or https:// URL"),
                ));
            };
            if scheme != "http" && scheme != "https" {
                return Err(error(
                    "schema.registry.url",
                    format!("`{url}` is not an http:// or https:// URL"),
                ));
            }
            let authority_end = rest.find('/').unwrap_or(rest.len());
            match rest[..authority_end].rsplit_once('@') {
                Some((userinfo, host)) => {
                    url_credentials = Some(userinfo.to_owned());
                    urls.push(format!("{scheme}://{host}{}", &rest[authority_end..]));
                }
                None => urls.push(url.to_owned()),
            }
        }
        let mut config = RegistryConfig::new(String::new());
        config.urls = urls;

        let basic_source = get("basic.auth.credentials.source");
        let bearer_source = get("bearer.auth.credentials.source");
        config.auth = match (basic_source, bearer_source) {
            (Some(_), Some(_)) => {
                return Err(error(
                    "bearer.auth.credentials.source",
                    "basic.auth.credentials.source is set too: choose one".into(),
                ));
            }
            (Some(source), None) => {
                let info = match source {
                    "USER_INFO" => get("basic.auth.user.info")
                        .or_else(|| get("schema.registry.basic.auth.user.info"))
                        .map(str::to_owned)
                        .ok_or_else(|| {
                            error(
                                "basic.auth.user.info",
                                "missing: `user:password` for basic.auth.credentials.source=USER_INFO"
                                    .into(),
                            )
                        })?,
                    "URL" => url_credentials.clone().ok_or_else(|| {
                        error(
                            "schema.registry.url",
                            "has no `user:password@` for basic.auth.credentials.source=URL".into(),
                        )
                    })?,
                    other => {
                        return Err(error(
                            "basic.auth.credentials.source",
                            format!("`{other}` is not supported; expected USER_INFO or URL"),
                        ));
                    }
                };
                let (user, password) = info.split_once(':').ok_or_else(|| {
                    error("basic.auth.user.info", "expected `user:password`".into())
                })?;
                Auth::Basic {
                    user: user.to_owned(),
                    password: password.to_owned(),
                }
            }
            (None, Some(source)) => {
                if source != "STATIC_TOKEN" {
                    return Err(error(
                        "bearer.auth.credentials.source",
                        format!("`{source}` is not supported; expected STATIC_TOKEN"),
                    ));
                }
                let token = get("bearer.auth.token")
                    .filter(|t| !t.is_empty())
                    .ok_or_else(|| {
                        error(
                            "bearer.auth.token",
                            "missing: the token for bearer.auth.credentials.source=STATIC_TOKEN"
                                .into(),
                        )
                    })?;
                Auth::Bearer {
                    token: token.to_owned(),
                    logical_cluster: get("bearer.auth.logical.cluster").map(str::to_owned),
                    identity_pool: get("bearer.auth.identity.pool.id").map(str::to_owned),
                }
            }
            (None, None) => Auth::None,
        };

        config.ca_location = get("schema.registry.ssl.ca.location")
            .filter(|p| !p.is_empty())
            .map(PathBuf::from);
        let number = |key: &str, default: u64| -> Result<u64, RegistryError> {
            match get(key) {
                None => Ok(default),
                Some(text) => text
                    .parse::<u64>()
                    .map_err(|_| error(key, format!("`{text}` is not a non-negative integer"))),
            }
        };
        config.max_retries = u32::try_from(number("max.retries", 3)?).unwrap_or(u32::MAX);
        config.retry_wait = Duration::from_millis(number("retries.wait.ms", 1000)?);
        config.retry_max_wait = Duration::from_millis(number("retries.max.wait.ms", 20_000)?);
        config.cache_capacity = NonZeroUsize::new(
            usize::try_from(number("max.schemas.per.subject", 1000)?).unwrap_or(usize::MAX),
        )
        .ok_or_else(|| error("max.schemas.per.subject", "must be at least 1".into()))?;
        config.request_timeout = Duration::from_millis(number("http.read.timeout.ms", 60_000)?);
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn user_info_gives_basic_credentials() {
        let config = RegistryConfig::from_settings(&settings(&[
            ("schema.registry.url", "http://a:8081,http://b:8081"),
            ("basic.auth.credentials.source", "USER_INFO"),
            ("basic.auth.user.info", "fred:s3:cret"),
        ]))
        .expect("valid");
        assert_eq!(config.urls, ["http://a:8081", "http://b:8081"]);
        assert_eq!(
            config.auth,
            Auth::Basic {
                user: "fred".into(),
                password: "s3:cret".into()
            }
        );
    }

    #[test]
    fn url_credentials_are_taken_out_of_the_url() {
        let config = RegistryConfig::from_settings(&settings(&[
            (
                "schema.registry.url",
                "https://u:p@registry:8443/apis/ccompat/v7",
            ),
            ("basic.auth.credentials.source", "URL"),
        ]))
        .expect("valid");
        assert_eq!(config.urls, ["https://registry:8443/apis/ccompat/v7"]);
        assert_eq!(
            config.auth,
            Auth::Basic {
                user: "u".into(),
                password: "p".into()
            }
        );
    }

    #[test]
    fn a_static_token_needs_its_token() {
        let error = RegistryConfig::from_settings(&settings(&[
            ("schema.registry.url", "http://r"),
            ("bearer.auth.credentials.source", "STATIC_TOKEN"),
        ]))
        .expect_err("no token");
        assert!(
            matches!(error, RegistryError::Config { ref key, .. } if key == "bearer.auth.token")
        );
    }

    #[test]
    fn a_missing_url_is_named() {
        let error = RegistryConfig::from_settings(&[]).expect_err("no url");
        assert!(
            error
                .to_string()
                .starts_with("schema.registry.url: missing")
        );
    }
}
