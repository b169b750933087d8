//! Real Kafka-protocol brokers for the `switchyard run` tests, and the processes around them:
//! librdkafka's mock cluster hosted by `switchyard-mock-cluster` (`host/testing/mock-cluster`,
//! so it outlives a runner that is killed), the `tansu` broker process, and `switchyard run` itself. Waits poll observable
//! state (a process's output, a topic's content) against deadlines.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::{Duration, Instant};

use rdkafka::ClientConfig;
use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::{Header, Headers, Message, OwnedHeaders};
use rdkafka::producer::{BaseRecord, DefaultProducerContext, Producer, ThreadedProducer};
use rdkafka::{Offset, TopicPartitionList};

/// Polls `check` until it returns `Some`, or panics with `what` at the deadline.
pub fn wait_for<T>(what: &str, timeout: Duration, mut check: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(value) = check() {
            return value;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A child process killed when dropped.
pub struct Process {
    /// The child.
    pub child: Child,
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The `switchyard-mock-cluster` binary, built once per test run by cargo (a no-op when it is
/// up to date) in a target directory of its own, as the language tests build guests: the
/// running `cargo test` holds the lock of its own.
fn mock_cluster_binary() -> PathBuf {
    static BINARY: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    BINARY
        .get_or_init(|| {
            let target = crate::toolchains::target_dir().join("switchyard-testing");
            crate::toolchains::run(
                crate::toolchains::cargo()
                    .current_dir(crate::toolchains::workspace())
                    .args(["build", "--locked", "-p", "switchyard-mock-cluster"])
                    .arg("--target-dir")
                    .arg(&target),
                "cargo build -p switchyard-mock-cluster",
            );
            target.join("debug/switchyard-mock-cluster")
        })
        .clone()
}

/// librdkafka's mock cluster in its own process.
pub struct MockCluster {
    /// The hosting process (killed on drop).
    _process: Process,
    stdin: ChildStdin,
    replies: BufReader<std::process::ChildStdout>,
    /// Its bootstrap servers.
    pub bootstrap: String,
}

impl MockCluster {
    /// Starts a cluster of `brokers` with the given `(topic, partitions)`.
    pub fn start(brokers: i32, topics: &[(&str, i32)]) -> MockCluster {
        let mut command = Command::new(mock_cluster_binary());
        command.args(["--brokers", &brokers.to_string()]);
        for (name, partitions) in topics {
            command.args(["--topic", &format!("{name}:{partitions}")]);
        }
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("start switchyard-mock-cluster");
        let stdin = child.stdin.take().expect("stdin");
        let mut replies = BufReader::new(child.stdout.take().expect("stdout"));
        let mut line = String::new();
        replies.read_line(&mut line).expect("read bootstrap line");
        let bootstrap = line
            .trim()
            .strip_prefix("bootstrap.servers=")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .to_string();
        MockCluster {
            _process: Process { child },
            stdin,
            replies,
            bootstrap,
        }
    }

    /// Sends a fault-injection command and waits for its reply.
    pub fn command(&mut self, command: &str) {
        writeln!(self.stdin, "{command}").expect("write command");
        self.stdin.flush().expect("flush");
        let mut reply = String::new();
        self.replies.read_line(&mut reply).expect("read reply");
        assert_eq!(reply.trim(), "ok", "{command}");
    }
}

/// The `tansu` binary: `$TANSU`, then `~/.cargo/bin/tansu`, then the `PATH`.
pub fn tansu_binary() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("TANSU") {
        return Some(PathBuf::from(path));
    }
    let cargo_bin = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cargo")))
        .map(|p| p.join("bin/tansu"));
    if let Some(path) = cargo_bin.filter(|p| p.is_file()) {
        return Some(path);
    }
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join("tansu"))
            .find(|p| p.is_file())
    })
}

/// A started tansu broker for `test`, or `None` (the test then returns) when no tansu binary is
/// installed; with `SWITCHYARD_REQUIRE_TANSU` set, as `.ci/run` sets it, a missing binary
/// fails the test instead.
pub fn tansu_or_skip(test: &str) -> Option<Tansu> {
    tansu_with_or_skip(test, &Security::default())
}

/// [`tansu_or_skip`] for a broker reached as `security` says.
pub fn tansu_with_or_skip(test: &str, security: &Security) -> Option<Tansu> {
    let Some(binary) = tansu_binary() else {
        assert!(
            std::env::var_os("SWITCHYARD_REQUIRE_TANSU").is_none(),
            "SWITCHYARD_REQUIRE_TANSU is set but no tansu binary was found ($TANSU, ~/.cargo/bin, PATH)"
        );
        eprintln!(
            "SKIPPED {test}: no `tansu` binary (install it with `cargo install tansu --version 0.6.0 --locked --features dynostore,libsql` and point $TANSU at it; set SWITCHYARD_REQUIRE_TANSU=1 to make this a failure)"
        );
        return None;
    };
    Some(Tansu::start_with(&binary, security))
}

/// A free loopback port (bound, then released).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("bind")
        .port()
}

/// A tansu broker process: in-memory storage, or SQLite when it has users ([`Security::users`]).
pub struct Tansu {
    /// The broker process (killed on drop).
    _process: Process,
    /// The TLS front (socat), when there is one (killed on drop).
    _tls: Option<Process>,
    /// The folder of its SQLite database, when it has users (removed on drop).
    _database: Option<tempfile::TempDir>,
    /// Its bootstrap servers.
    pub bootstrap: String,
    /// What a client needs to reach it besides `bootstrap.servers` (TLS, SASL).
    pub client: Vec<(String, String)>,
}

/// How a [`Tansu`] is reached.
#[derive(Debug, Default)]
pub struct Security {
    /// Whether the broker requires SASL (`--authentication`; tansu 0.6.0 offers SCRAM).
    pub authentication: bool,
    /// SCRAM-SHA-512 users (name, password) the broker knows. tansu keeps users in its
    /// storage, and its in-memory storage keeps none, so a broker with users stores in SQLite:
    /// it is started once without authentication to create them (`tansu user create`), then
    /// again on the same database requiring it. Its clients ([`Tansu::config`]) log in as the
    /// first user.
    pub users: Vec<(String, String)>,
    /// TLS in front of the broker: the PEM file holding the certificate and its key, whose
    /// certificate is also the clients' CA (`ssl.ca.location`). tansu 0.6.0 cannot serve TLS
    /// itself (its `--cert` and `--key` options exclude each other), so `socat` terminates TLS
    /// and forwards to the broker, which advertises the TLS port.
    pub tls: Option<PathBuf>,
}

impl Tansu {
    /// Starts tansu reached as `security` says, and waits until it answers metadata requests
    /// that way.
    pub fn start_with(binary: &Path, security: &Security) -> Tansu {
        let port = free_port();
        // Users live in a SQLite database kept as long as the broker.
        let database = (!security.users.is_empty())
            .then(|| tempfile::tempdir().expect("tempdir for the broker's database"));
        // tansu opens `sqlite://NAME` as NAME in its working directory.
        let storage = match &database {
            Some(_) => "sqlite://tansu.db",
            None => "memory://tansu/",
        };
        if let Some(dir) = &database {
            create_users(binary, dir.path(), &security.users);
        }
        let listener = format!("tcp://127.0.0.1:{port}");
        // With TLS the broker advertises the TLS front, by a name the certificate holds.
        let (advertised, tls) = match &security.tls {
            Some(pem) => {
                let front = free_port();
                let socat = Command::new("socat")
                    .arg(format!(
                        "OPENSSL-LISTEN:{front},bind=127.0.0.1,reuseaddr,fork,cert={},verify=0",
                        pem.display()
                    ))
                    .arg(format!("TCP:127.0.0.1:{port}"))
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .spawn()
                    .expect("start socat (apt-get install socat)");
                (format!("localhost:{front}"), Some(Process { child: socat }))
            }
            None => (format!("127.0.0.1:{port}"), None),
        };
        let mut command = Command::new(binary);
        command.args([
            "broker",
            "--listener-url",
            &listener,
            "--advertised-listener-url",
            &format!("tcp://{advertised}"),
            "--storage-engine",
            storage,
        ]);
        if let Some(dir) = &database {
            command.current_dir(dir.path());
        }
        if security.authentication {
            command.arg("--authentication");
        }
        let child = command
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start tansu");
        let mut client = Vec::new();
        if let Some(pem) = &security.tls {
            client.push(("security.protocol".into(), "SSL".into()));
            client.push(("ssl.ca.location".into(), pem.display().to_string()));
            // socat listens on IPv4 only; `localhost` may resolve to ::1 first.
            client.push(("broker.address.family".into(), "v4".into()));
        }
        if let Some((user, password)) = security.users.first() {
            client.push(("security.protocol".into(), "SASL_PLAINTEXT".into()));
            client.push(("sasl.mechanism".into(), "SCRAM-SHA-512".into()));
            client.push(("sasl.username".into(), user.clone()));
            client.push(("sasl.password".into(), password.clone()));
        }
        let tansu = Tansu {
            _process: Process { child },
            _tls: tls,
            _database: database,
            bootstrap: advertised,
            client,
        };
        if security.authentication && security.users.is_empty() {
            // No client can log in: it is up once it accepts connections.
            wait_for("tansu to listen", Duration::from_secs(30), || {
                std::net::TcpStream::connect(("127.0.0.1", port)).ok()
            });
            return tansu;
        }
        let consumer: BaseConsumer = tansu.config().create().expect("client");
        wait_for("tansu to answer", Duration::from_secs(30), || {
            consumer
                .fetch_metadata(None, Duration::from_millis(500))
                .ok()
        });
        tansu
    }

    /// A client configuration that reaches this broker.
    pub fn config(&self) -> ClientConfig {
        let mut config = client(&self.bootstrap);
        for (k, v) in &self.client {
            config.set(k, v);
        }
        config
    }
}

/// Creates SCRAM-SHA-512 `users` in the SQLite storage of a broker working in `dir`: a broker
/// on it without authentication, `tansu user create` for each user, then the broker is
/// stopped.
fn create_users(binary: &Path, dir: &Path, users: &[(String, String)]) {
    let port = free_port();
    let listener = format!("tcp://127.0.0.1:{port}");
    let broker = Process {
        child: Command::new(binary)
            .args([
                "broker",
                "--listener-url",
                &listener,
                "--advertised-listener-url",
                &listener,
                "--storage-engine",
                "sqlite://tansu.db",
            ])
            .current_dir(dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start tansu"),
    };
    let consumer: BaseConsumer = client(&format!("127.0.0.1:{port}"))
        .create()
        .expect("client");
    wait_for("tansu to answer", Duration::from_secs(30), || {
        consumer
            .fetch_metadata(None, Duration::from_millis(500))
            .ok()
    });
    for (user, password) in users {
        let out = Command::new(binary)
            .args([
                "user",
                "create",
                "--broker",
                &listener,
                "--mechanism",
                "scram512",
            ])
            .args([user, password])
            .output()
            .expect("run tansu user create");
        assert!(
            out.status.success(),
            "tansu user create {user}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    drop(consumer);
    drop(broker);
}

/// A PEM file holding a new self-signed certificate for `localhost` and its private key.
pub fn self_signed_pem(dir: &Path) -> PathBuf {
    let key =
        rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).expect("certificate");
    let pem = dir.join("localhost.pem");
    std::fs::write(
        &pem,
        format!("{}{}", key.cert.pem(), key.signing_key.serialize_pem()),
    )
    .expect("write the certificate");
    pem
}

/// A client configuration with nothing but `bootstrap.servers`.
pub fn client(bootstrap: &str) -> ClientConfig {
    let mut config = ClientConfig::new();
    config.set("bootstrap.servers", bootstrap);
    config
}

/// Creates topics (for brokers without auto-creation).
pub fn create_topics(bootstrap: &str, topics: &[(&str, i32)]) {
    create_topics_with(client(bootstrap), topics);
}

/// [`create_topics`] with a client configuration.
pub fn create_topics_with(config: ClientConfig, topics: &[(&str, i32)]) {
    let admin: AdminClient<DefaultClientContext> = config.create().expect("admin");
    let new: Vec<NewTopic<'_>> = topics
        .iter()
        .map(|(name, partitions)| NewTopic::new(name, *partitions, TopicReplication::Fixed(1)))
        .collect();
    let results = futures::executor::block_on(admin.create_topics(&new, &AdminOptions::new()))
        .expect("create topics");
    for result in results {
        result.expect("create topic");
    }
}

/// One record to produce or that was consumed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rec {
    /// The topic.
    pub topic: String,
    /// The partition (consumed records only).
    pub partition: i32,
    /// The key.
    pub key: Option<Vec<u8>>,
    /// The value.
    pub value: Option<Vec<u8>>,
    /// The headers, values as text.
    pub headers: Vec<(String, Option<String>)>,
}

impl Rec {
    /// A record with text key and value.
    pub fn text(topic: &str, key: &str, value: &str) -> Rec {
        Rec {
            topic: topic.into(),
            partition: -1,
            key: Some(key.as_bytes().to_vec()),
            value: Some(value.as_bytes().to_vec()),
            headers: Vec::new(),
        }
    }

    /// A header's value.
    pub fn header(&self, key: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == key)
            .and_then(|(_, v)| v.as_deref())
    }
}

/// Produces records with the Java partitioner, and waits for every acknowledgement.
pub fn produce(bootstrap: &str, records: &[Rec]) {
    produce_with(client(bootstrap), records);
}

/// [`produce`] with a client configuration.
pub fn produce_with(mut config: ClientConfig, records: &[Rec]) {
    let producer: ThreadedProducer<DefaultProducerContext> = config
        .set("partitioner", "murmur2_random")
        .set("enable.idempotence", "true")
        .set("linger.ms", "5")
        .create()
        .expect("producer");
    for r in records {
        let mut headers = OwnedHeaders::new();
        for (k, v) in &r.headers {
            headers = headers.insert(Header {
                key: k,
                value: v.as_deref(),
            });
        }
        let mut base = BaseRecord::<[u8], [u8]>::to(&r.topic).headers(headers);
        if let Some(k) = &r.key {
            base = base.key(k);
        }
        if let Some(v) = &r.value {
            base = base.payload(v);
        }
        let mut pending = base;
        loop {
            match producer.send(pending) {
                Ok(()) => break,
                Err((e, back)) => {
                    assert!(
                        matches!(
                            e,
                            rdkafka::error::KafkaError::MessageProduction(
                                rdkafka::types::RDKafkaErrorCode::QueueFull
                            )
                        ),
                        "{e}"
                    );
                    pending = back;
                    producer.poll(Duration::from_millis(10));
                }
            }
        }
    }
    producer.flush(Duration::from_secs(30)).expect("flush");
}

/// Reads whole topics from the beginning, without a group.
pub struct Reader {
    consumer: BaseConsumer,
    /// Everything read so far, in arrival order.
    pub records: Vec<Rec>,
}

impl Reader {
    /// A reader of every partition of `topics`.
    pub fn new(bootstrap: &str, topics: &[(&str, i32)]) -> Reader {
        Reader::with(client(bootstrap), topics)
    }

    /// [`Reader::new`] with a client configuration.
    pub fn with(mut config: ClientConfig, topics: &[(&str, i32)]) -> Reader {
        let consumer: BaseConsumer = config
            .set("group.id", "switchyard-test-reader")
            .set("enable.auto.commit", "false")
            .create()
            .expect("consumer");
        let mut list = TopicPartitionList::new();
        for (topic, partitions) in topics {
            for p in 0..*partitions {
                list.add_partition_offset(topic, p, Offset::Beginning)
                    .expect("partition");
            }
        }
        consumer.assign(&list).expect("assign");
        Reader {
            consumer,
            records: Vec::new(),
        }
    }

    /// Reads what is available for a moment.
    pub fn poll(&mut self) {
        self.poll_up_to(usize::MAX);
    }

    /// Reads what is available for a moment, returning as soon as `n` records have arrived in
    /// all: a stream that keeps coming does not keep the caller waiting (as [`Reader::poll`]
    /// would until the stream pauses).
    pub fn poll_up_to(&mut self, n: usize) {
        while self.records.len() < n
            && let Some(m) = self.consumer.poll(Duration::from_millis(50))
        {
            // Error events (a broker down, say) are transient for a reader.
            let Ok(m) = m else { continue };
            self.records.push(Rec {
                topic: m.topic().to_string(),
                partition: m.partition(),
                key: m.key().map(<[u8]>::to_vec),
                value: m.payload().map(<[u8]>::to_vec),
                headers: m
                    .headers()
                    .map(|h| {
                        h.iter()
                            .map(|h| {
                                (
                                    h.key.to_string(),
                                    h.value.map(|v| String::from_utf8_lossy(v).into_owned()),
                                )
                            })
                            .collect()
                    })
                    .unwrap_or_default(),
            });
        }
    }

    /// Reads until at least `n` records arrived.
    pub fn read_at_least(&mut self, n: usize, timeout: Duration) {
        wait_for(&format!("{n} records"), timeout, || {
            self.poll();
            (self.records.len() >= n).then_some(())
        });
    }
}

/// Groups records' values by key, in order.
pub fn values_by_key(records: &[Rec]) -> HashMap<Option<Vec<u8>>, Vec<Option<Vec<u8>>>> {
    let mut map: HashMap<_, Vec<_>> = HashMap::new();
    for r in records {
        map.entry(r.key.clone()).or_default().push(r.value.clone());
    }
    map
}

/// A `switchyard run` process whose standard error goes to a file.
pub struct Runner {
    /// The process.
    pub process: Process,
    /// Its log.
    pub log: PathBuf,
}

impl Runner {
    /// Starts `switchyard run` with `args`, logging to `log`.
    pub fn start(args: &[&str], log: &Path) -> Runner {
        Runner::start_command("run", args, log)
    }

    /// Starts `switchyard <command>` with `args`, logging to `log`.
    pub fn start_command(command: &str, args: &[&str], log: &Path) -> Runner {
        let file = std::fs::File::create(log).expect("log file");
        let child = Command::new(env!("CARGO_BIN_EXE_switchyard"))
            .arg(command)
            .args(args)
            .env("SWITCHYARD_LOG", "info")
            .stdout(Stdio::null())
            .stderr(file)
            .spawn()
            .expect("start switchyard");
        Runner {
            process: Process { child },
            log: log.to_path_buf(),
        }
    }

    /// The log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Panics with the log if the process has exited.
    pub fn assert_running(&mut self) {
        if let Some(status) = self.process.child.try_wait().expect("try_wait") {
            panic!("switchyard run exited with {status}:\n{}", self.log());
        }
    }

    /// Kills the process with SIGKILL.
    pub fn kill(&mut self) {
        self.process.child.kill().expect("kill -9");
        self.process.child.wait().expect("wait");
    }

    /// Sends SIGTERM and waits for the exit status.
    pub fn terminate(&mut self, timeout: Duration) -> std::process::ExitStatus {
        let status = Command::new("kill")
            .args(["-TERM", &self.process.child.id().to_string()])
            .status()
            .expect("kill -TERM");
        assert!(status.success());
        wait_for("switchyard run to exit", timeout, || {
            self.process.child.try_wait().expect("try_wait")
        })
    }
}
