//! The WebAssembly engine: compiles transform and predicate components once, instantiates them
//! with bounded memory and time, and implements the `connect-record` resource they call.
//!
//! Every step of a chain gets its own [`wasmtime::Store`], so each guest has its own memory
//! limit; a record moves between stores by being pushed into and taken out of the store's
//! resource table, which costs no copy of its data. A trap, an exhausted memory limit or a call
//! that outlives its deadline (epoch interruption) is returned as a [`StepError`] for that record;
//! the instance is then discarded and instantiated afresh before the next record.
#![deny(missing_docs)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use wasmtime::component::{
    Component, ComponentExportIndex, ComponentNamedList, HasSelf, InstancePre, Lift, Linker, Lower,
    Resource, ResourceTable, TypedFunc,
};
use wasmtime::{Store, StoreLimits, StoreLimitsBuilder};
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

use crate::lookup::{GetError, Lookups};
use switchyard_convert::JsonConverter;
use switchyard_convert::json;
use switchyard_convert::record::{self, Converters, Header, PartError, Record, Which};
use switchyard_data::{ConnectData, DataError, Schema, SchemaType, Value};

/// Bindings generated from `wit/`; only the types re-exported below are part of the API.
mod generated {
    wasmtime::component::bindgen!({
        path: "../../wit",
        world: "transform",
        with: { "switchyard:transform/connect.connect-record": switchyard_convert::record::Record },
        imports: { default: trappable },
        additional_derives: [PartialEq],
    });

    /// Bindings of the `condition` world (predicates), sharing the imported interfaces.
    pub mod condition {
        wasmtime::component::bindgen!({
            path: "../../wit",
            world: "condition",
            with: {
                "switchyard:transform/connect": super::switchyard::transform::connect,
                "switchyard:transform/host": super::switchyard::transform::host,
                "switchyard:transform/types": super::switchyard::transform::types,
            },
            imports: { default: trappable },
        });
    }
}

pub mod lookup;
mod packed;
mod replay;

use generated::switchyard::transform::connect as wit;
use generated::switchyard::transform::host::Level;
use generated::switchyard::transform::lookup as wit_lookup;
use generated::switchyard::transform::types as wit_types;

/// One operation of a batch as the host runs it: an `op` of the typed `batch`, or a
/// `packed-op`, which only `batch-packed` carries (WIT 0.1.3).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Op {
    /// An operation of 0.1.1's `op`.
    Wit(wit::Op),
    /// A packed-only operation.
    Packed(wit::PackedOp),
}

/// How much memory and time a guest may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The most linear memory one guest instance may grow to, in bytes.
    pub memory_bytes: usize,
    /// The longest one call into a guest may run.
    pub call_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            memory_bytes: 64 << 20,
            call_timeout: Duration::from_secs(1),
        }
    }
}

/// The interval at which the engine's epoch advances; deadlines are counted in it.
const EPOCH_TICK: Duration = Duration::from_millis(5);

/// What a component exports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ComponentKind {
    /// Exports `switchyard:transform/transformer`.
    Transform,
    /// Exports `switchyard:transform/predicate`.
    Predicate,
}

/// A component that failed to load or configure, or an engine that failed to start.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The component could not be compiled or linked.
    #[error("component {component}: {message}")]
    Load {
        /// The component's name or path.
        component: String,
        /// What went wrong.
        message: String,
    },
    /// The component rejected its configuration.
    #[error("{key}: {message}")]
    Config {
        /// The configuration key at fault.
        key: String,
        /// What was expected.
        message: String,
    },
    /// The component exports the wrong interface for how it is used.
    #[error("component {component} is a {found:?}, but is configured as a {expected:?}")]
    Kind {
        /// The component's name or path.
        component: String,
        /// What the configuration needs.
        expected: ComponentKind,
        /// What the component exports.
        found: ComponentKind,
    },
}

/// Why a step failed on one record.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum StepError {
    /// The guest reported the record as bad.
    #[error("{0}")]
    BadRecord(String),
    /// The guest reported itself as broken.
    #[error("transform is broken: {0}")]
    Broken(String),
    /// The guest reported a transient failure.
    #[error("transient failure: {0}")]
    Transient(String),
    /// The guest cannot handle the record yet (an event it does not know, e.g. a new table or
    /// `op`): a newer version of the transform may. The pipeline parks the record when it has
    /// a parking lot, and otherwise treats it as a bad record.
    #[error("not handled yet: {0}")]
    Unhandled(String),
    /// The guest trapped (a panic, an out-of-bounds access, `unreachable`).
    #[error("transform trapped: {0}")]
    Trap(String),
    /// The guest ran past its deadline.
    #[error("transform exceeded its time limit of {0:?}")]
    Timeout(Duration),
    /// The guest tried to grow its memory past the limit.
    #[error("transform exceeded its memory limit of {0} bytes")]
    OutOfMemory(usize),
    /// The record's key or value could not be decoded by the pipeline's converter when the
    /// step asked for it (Connect's `KEY_CONVERTER` / `VALUE_CONVERTER` stage).
    #[error("cannot convert the record {}: {message}", if *.key { "key" } else { "value" })]
    Conversion {
        /// Whether the key (rather than the value) failed.
        key: bool,
        /// The converter's message.
        message: String,
    },
}

/// Compiles components once and instantiates them.
pub struct Engine {
    engine: wasmtime::Engine,
    transform_linker: Linker<StepState>,
    condition_linker: Linker<StepState>,
    limits: Limits,
    /// Compiled components by name and a hash of their bytes: a component file that changes
    /// on disk (a hot reload) is compiled again, an unchanged one is not.
    compiled: Mutex<HashMap<(String, u64), (Component, ComponentKind)>>,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("limits", &self.limits)
            .finish()
    }
}

impl Engine {
    /// An engine whose guests run within `limits`.
    pub fn new(limits: Limits) -> Result<Self, EngineError> {
        let err = |e: wasmtime::Error| EngineError::Load {
            component: "engine".into(),
            message: format!("{e:#}"),
        };
        let mut config = wasmtime::Config::new();
        config.wasm_component_model(true);
        config.epoch_interruption(true);
        // `SWITCHYARD_PERF_MAP=1` names the guests' compiled functions for `perf` (a
        // /tmp/perf-<pid>.map file), so profiles show where time goes inside a guest.
        if std::env::var_os("SWITCHYARD_PERF_MAP").is_some_and(|v| v == "1") {
            config.profiler(wasmtime::ProfilingStrategy::PerfMap);
        }
        // The on-disk cache makes the second start of a pipeline skip compilation; a machine
        // without a writable cache directory simply compiles every time.
        if let Ok(cache) = wasmtime::Cache::from_file(None) {
            config.cache(Some(cache));
        }
        let engine = wasmtime::Engine::new(&config).map_err(err)?;
        start_epoch_ticker(&engine);

        let mut transform_linker = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_sync(&mut transform_linker).map_err(err)?;
        generated::Transform::add_to_linker::<_, HasSelf<_>>(&mut transform_linker, |s| s)
            .map_err(err)?;
        let mut condition_linker = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_sync(&mut condition_linker).map_err(err)?;
        generated::condition::Condition::add_to_linker::<_, HasSelf<_>>(
            &mut condition_linker,
            |s| s,
        )
        .map_err(err)?;
        Ok(Engine {
            engine,
            transform_linker,
            condition_linker,
            limits,
            compiled: Mutex::new(HashMap::new()),
        })
    }

    /// The limits every guest runs within.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// Compiles `wasm` (once per `name`) and tells what it exports.
    pub fn load(&self, name: &str, wasm: &[u8]) -> Result<ComponentKind, EngineError> {
        Ok(self.compile(name, wasm)?.1)
    }

    fn compile(&self, name: &str, wasm: &[u8]) -> Result<(Component, ComponentKind), EngineError> {
        let key = (name.to_string(), content_hash(wasm));
        let mut compiled = self.compiled.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(found) = compiled.get(&key) {
            return Ok(found.clone());
        }
        let load_err = |message: String| EngineError::Load {
            component: name.to_string(),
            message,
        };
        let component =
            Component::new(&self.engine, wasm).map_err(|e| load_err(format!("{e:#}")))?;
        let ty = component.component_type();
        let exports: Vec<String> = ty
            .exports(&self.engine)
            .map(|(n, _)| n.to_string())
            .collect();
        let kind = if exports
            .iter()
            .any(|e| e.starts_with("switchyard:transform/transformer@"))
        {
            ComponentKind::Transform
        } else if exports
            .iter()
            .any(|e| e.starts_with("switchyard:transform/predicate@"))
        {
            ComponentKind::Predicate
        } else {
            return Err(load_err(format!(
                "exports neither switchyard:transform/transformer nor switchyard:transform/predicate (it exports: {})",
                if exports.is_empty() {
                    "nothing".to_string()
                } else {
                    exports.join(", ")
                }
            )));
        };
        compiled.insert(key, (component.clone(), kind));
        Ok((component, kind))
    }

    /// Instantiates a transform component and configures it; its `lookup` calls read
    /// `lookups`.
    pub fn transform(
        &self,
        name: &str,
        wasm: &[u8],
        context: StepContext,
        converters: Arc<Converters>,
        lookups: Arc<Lookups>,
    ) -> Result<TransformInstance, EngineError> {
        let (component, kind) = self.compile(name, wasm)?;
        if kind != ComponentKind::Transform {
            return Err(EngineError::Kind {
                component: name.into(),
                expected: ComponentKind::Transform,
                found: kind,
            });
        }
        let pre = self
            .transform_linker
            .instantiate_pre(&component)
            .map_err(|e| link_error(name, e))?;
        let exports =
            Exports::find(&component, TRANSFORMER, "apply").map_err(|e| link_error(name, e))?;
        let mut instance = TransformInstance {
            name: name.to_string(),
            pre,
            exports,
            engine: self.engine.clone(),
            limits: self.limits,
            context,
            converters,
            lookups,
            live: None,
            baseline: 0,
            by_topic: None,
            traces: None,
            answered: replay::Answered::default(),
            deferred: Vec::new(),
        };
        instance.instantiate()?;
        Ok(instance)
    }

    /// Instantiates a predicate component and configures it.
    pub fn predicate(
        &self,
        name: &str,
        wasm: &[u8],
        context: StepContext,
        converters: Arc<Converters>,
    ) -> Result<PredicateInstance, EngineError> {
        let (component, kind) = self.compile(name, wasm)?;
        if kind != ComponentKind::Predicate {
            return Err(EngineError::Kind {
                component: name.into(),
                expected: ComponentKind::Predicate,
                found: kind,
            });
        }
        let pre = self
            .condition_linker
            .instantiate_pre(&component)
            .map_err(|e| link_error(name, e))?;
        let exports =
            Exports::find(&component, PREDICATE, "test").map_err(|e| link_error(name, e))?;
        let mut instance = PredicateInstance {
            name: name.to_string(),
            pre,
            exports,
            engine: self.engine.clone(),
            limits: self.limits,
            context,
            converters,
            live: None,
            baseline: 0,
            by_topic: None,
        };
        instance.instantiate()?;
        Ok(instance)
    }
}

/// A link failure names the import the host does not grant first, then wasmtime's detail.
fn link_error(name: &str, e: wasmtime::Error) -> EngineError {
    let detail = format!("{e:#}");
    let import = ungranted_import(&detail)
        .map(|import| format!("imports `{import}`, which the host does not grant; "))
        .unwrap_or_default();
    EngineError::Load {
        component: name.to_string(),
        message: format!(
            "cannot be linked: {import}a transform may import only the host, connect, lookup and types interfaces of switchyard:transform, and WASI, which is granted nothing ({detail})"
        ),
    }
}

/// The import named by wasmtime's link error (`component imports instance `wasi:http/types@0.2.10`,
/// but a matching implementation was not found in the linker…`).
fn ungranted_import(detail: &str) -> Option<&str> {
    let rest = &detail[detail.find("component imports ")?..];
    let start = rest.find('`')? + 1;
    let len = rest[start..].find('`')?;
    Some(&rest[start..start + len])
}

fn start_epoch_ticker(engine: &wasmtime::Engine) {
    let weak = engine.weak();
    let spawned = std::thread::Builder::new()
        .name("switchyard-epoch".into())
        .spawn(move || {
            while let Some(engine) = weak.upgrade() {
                engine.increment_epoch();
                drop(engine);
                std::thread::sleep(EPOCH_TICK);
            }
        });
    if let Err(e) = spawned {
        tracing::warn!("cannot start the epoch thread, guest time limits are off: {e}");
    }
}

/// What a step is told about itself: the WIT `context`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepContext {
    /// The alias of the step.
    pub alias: String,
    /// The class it was configured with.
    pub class: String,
    /// Its configuration, prefix removed, in file order.
    pub config: Vec<(String, String)>,
}

impl From<&StepContext> for wit_types::Context {
    fn from(c: &StepContext) -> Self {
        wit_types::Context {
            alias: c.alias.clone(),
            class: c.class.clone(),
            config: c.config.clone(),
        }
    }
}

/// The state of one guest's store: its resource table, its empty WASI context and its limits.
pub struct StepState {
    table: ResourceTable,
    /// The record a replay runs on, under the handle [`REPLAYED`]: never handed to the guest,
    /// so kept out of its table (a push and a delete there box and move the record).
    replayed: Option<Record>,
    wasi: WasiCtx,
    limits: GuestLimits,
    converters: Arc<Converters>,
    json: JsonConverter,
    alias: Arc<str>,
    /// The pipeline's lookup tables.
    lookups: Arc<Lookups>,
    /// The last conversion failure a guest saw during the current call.
    conversion_failure: Option<(Which, String)>,
    /// Whether the guest is running `configure`.
    configuring: bool,
    /// Whether the guest declared, while configuring, that its outcome depends only on the
    /// record's topic (`host.depends-only-on-topic`).
    topic_only: bool,
    /// Whether the guest declared, while configuring, that its `apply` is a function of what
    /// the record answers (`host.depends-only-on-answers`).
    answers_only: bool,
    /// The host calls of the `apply` being recorded for replay (see `replay`).
    recording: Option<replay::Recording>,
    /// The schemas the guest described in its recent `put` calls, built once each: a guest
    /// passes the same few descriptions record after record, and an equal description must
    /// yield the same `Arc` for the derived schemas to be remembered (see `derive`).
    described: Vec<(wit::SchemaInfo, Arc<Schema>)>,
    /// The paths the guest registered for its batches.
    paths: Paths,
}

/// How many schema descriptions a guest's store keeps built.
const DESCRIBED_CAPACITY: usize = 64;

impl StepState {
    /// The schema a guest described, built once per distinct description.
    fn described_schema(&mut self, info: &wit::SchemaInfo) -> Result<Arc<Schema>, DataError> {
        if let Some((_, schema)) = self.described.iter().find(|(i, _)| i == info) {
            return Ok(Arc::clone(schema));
        }
        let schema = Arc::new(schema_from_info(info.clone(), &self.json)?);
        if self.described.len() >= DESCRIBED_CAPACITY {
            self.described.clear();
        }
        self.described.push((info.clone(), Arc::clone(&schema)));
        Ok(schema)
    }
}

impl StepState {
    /// Replaces a guest's failure by the conversion failure that caused it, if there was one.
    fn blame_conversion(&mut self, error: StepError) -> StepError {
        match self.conversion_failure.take() {
            Some((which, message))
                if !matches!(error, StepError::Timeout(_) | StepError::OutOfMemory(_)) =>
            {
                StepError::Conversion {
                    key: which == Which::Key,
                    message,
                }
            }
            _ => error,
        }
    }
}

impl WasiView for StepState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

/// A clock that always reads zero: guests get no clock unless a pipeline grants one.
struct FrozenClock;

impl wasmtime_wasi::HostWallClock for FrozenClock {
    fn resolution(&self) -> Duration {
        Duration::from_secs(1)
    }
    fn now(&self) -> Duration {
        Duration::ZERO
    }
}

impl wasmtime_wasi::HostMonotonicClock for FrozenClock {
    fn resolution(&self) -> u64 {
        1_000_000_000
    }
    fn now(&self) -> u64 {
        0
    }
}

fn new_store(
    engine: &wasmtime::Engine,
    limits: Limits,
    context: &StepContext,
    converters: &Arc<Converters>,
    lookups: &Arc<Lookups>,
) -> Store<StepState> {
    // No arguments, environment, preopened directories, network or clock; stdout and stderr go
    // nowhere. Random numbers stay (Rust's std seeds its hash maps from them).
    let wasi = WasiCtx::builder()
        .wall_clock(FrozenClock)
        .monotonic_clock(FrozenClock)
        .allow_tcp(false)
        .allow_udp(false)
        .allow_ip_name_lookup(false)
        .build();
    let state = StepState {
        table: ResourceTable::new(),
        replayed: None,
        wasi,
        limits: GuestLimits {
            limits: StoreLimitsBuilder::new()
                .memory_size(limits.memory_bytes)
                .build(),
            memory_bytes: 0,
        },
        converters: Arc::clone(converters),
        json: JsonConverter::new(json::JsonConverterConfig::default(), false),
        alias: Arc::from(context.alias.as_str()),
        lookups: Arc::clone(lookups),
        conversion_failure: None,
        configuring: false,
        topic_only: false,
        answers_only: false,
        recording: None,
        described: Vec::new(),
        paths: Paths::default(),
    };
    let mut store = Store::new(engine, state);
    store.limiter(|s| &mut s.limits);
    store.epoch_deadline_trap();
    store
}

/// A guest asked for more linear memory than its limit (`limits.memory_bytes`) allows, or the
/// host could not give it: the trap error the limiter raises, found again by its type when
/// the call's failure is classified.
#[derive(Debug, thiserror::Error)]
#[error("the guest's memory cannot grow to {desired} bytes")]
struct MemoryExhausted {
    /// The size asked for (0 when the host's allocation failed).
    desired: usize,
}

/// A guest's resource limits (wasmtime's [`StoreLimits`]), and the memory it has grown to.
struct GuestLimits {
    limits: StoreLimits,
    /// The size of all the guest's linear memories, in bytes.
    memory_bytes: usize,
}

impl wasmtime::ResourceLimiter for GuestLimits {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        // A growth past the limit traps with a typed error rather than letting `memory.grow`
        // answer -1: most guest allocators abort on -1 anyway, and the trap tells the record's
        // failure apart as `StepError::OutOfMemory`.
        if !self.limits.memory_growing(current, desired, maximum)? {
            return Err(wasmtime::Error::new(MemoryExhausted { desired }));
        }
        self.memory_bytes += desired.saturating_sub(current);
        Ok(true)
    }

    fn memory_grow_failed(&mut self, error: wasmtime::Error) -> wasmtime::Result<()> {
        Err(error.context(MemoryExhausted { desired: 0 }))
    }

    fn table_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        self.limits.table_growing(current, desired, maximum)
    }

    fn table_grow_failed(&mut self, error: wasmtime::Error) -> wasmtime::Result<()> {
        self.limits.table_grow_failed(error)
    }

    fn instances(&self) -> usize {
        self.limits.instances()
    }

    fn tables(&self) -> usize {
        self.limits.tables()
    }

    fn memories(&self) -> usize {
        self.limits.memories()
    }
}

/// Whether a guest that used `baseline` bytes once configured and has grown to `now` should be
/// replaced by a fresh instance before its next record: once it has used half of the room its
/// limit left it. Guests are stateless between records (Kafka Connect's `Transformation`
/// contract), so a fresh instance changes nothing but memory — a guest runtime that leaks (a
/// few hundred bytes a call, seen with componentize-js) is recycled between two records
/// instead of failing a record when it reaches its limit.
fn worn_out(baseline: usize, now: usize, limit: usize) -> bool {
    now > baseline + limit.saturating_sub(baseline) / 2
}

fn deadline_ticks(limits: Limits) -> u64 {
    (limits.call_timeout.as_millis() / EPOCH_TICK.as_millis()).max(1) as u64 + 1
}

/// Turns a trap or host error out of a guest call into a [`StepError`].
fn classify(error: wasmtime::Error, limits: Limits) -> StepError {
    if let Some(trap) = error.downcast_ref::<wasmtime::Trap>()
        && *trap == wasmtime::Trap::Interrupt
    {
        return StepError::Timeout(limits.call_timeout);
    }
    if error.chain().any(|e| e.is::<MemoryExhausted>()) {
        return StepError::OutOfMemory(limits.memory_bytes);
    }
    StepError::Trap(format!("{error:#}"))
}

impl From<wit_types::TransformError> for StepError {
    fn from(e: wit_types::TransformError) -> Self {
        match e {
            wit_types::TransformError::BadRecord(m) => StepError::BadRecord(m),
            wit_types::TransformError::Broken(m) => StepError::Broken(m),
            wit_types::TransformError::Transient(m) => StepError::Transient(m),
            wit_types::TransformError::Unhandled(m) => StepError::Unhandled(m),
        }
    }
}

/// `transform-error` as components built against 0.1.0 to 0.1.3 return it, before
/// `unhandled`. The component model checks a variant by its exact list of cases, so the
/// bindings generated from the current WIT cannot lift this one: such a component's `apply`
/// and `test` are called with this type instead.
#[derive(Debug, wasmtime::component::ComponentType, wasmtime::component::Lift)]
#[component(variant)]
enum LegacyTransformError {
    /// `bad-record`.
    #[component(name = "bad-record")]
    BadRecord(String),
    /// `broken`.
    #[component(name = "broken")]
    Broken(String),
    /// `transient`.
    #[component(name = "transient")]
    Transient(String),
}

impl From<LegacyTransformError> for StepError {
    fn from(e: LegacyTransformError) -> Self {
        match e {
            LegacyTransformError::BadRecord(m) => StepError::BadRecord(m),
            LegacyTransformError::Broken(m) => StepError::Broken(m),
            LegacyTransformError::Transient(m) => StepError::Transient(m),
        }
    }
}

/// The exported interface of a transform. wasmtime finds an export by a semver-compatible
/// name, so this finds the `transformer` of a component built against any 0.1.x.
const TRANSFORMER: &str = "switchyard:transform/transformer@0.1.4";
/// The exported interface of a predicate, found as [`TRANSFORMER`] is.
const PREDICATE: &str = "switchyard:transform/predicate@0.1.4";

/// Where a component's `configure` and its per-record function (`apply` or `test`) are, found
/// once per component, and which `transform-error` the latter returns.
#[derive(Debug, Clone, Copy)]
struct Exports {
    configure: ComponentExportIndex,
    call: ComponentExportIndex,
    /// Whether the per-record function returns the three-case `transform-error` of 0.1.0 to
    /// 0.1.3 ([`LegacyTransformError`]).
    legacy: bool,
}

impl Exports {
    /// The exports of `interface` (a name of [`TRANSFORMER`] or [`PREDICATE`]) named
    /// `configure` and `call`.
    fn find(component: &Component, interface: &str, call: &str) -> wasmtime::Result<Exports> {
        let instance = component
            .get_export_index(None, interface)
            .ok_or_else(|| wasmtime::format_err!("no exported instance named `{interface}`"))?;
        let lookup = |name: &str| {
            component.get_export(Some(&instance), name).ok_or_else(|| {
                wasmtime::format_err!("instance export `{interface}` does not have export `{name}`")
            })
        };
        let (_, configure) = lookup("configure")?;
        let (item, call) = lookup(call)?;
        Ok(Exports {
            configure,
            call,
            legacy: !returns_unhandled(&item),
        })
    }
}

/// Whether `item` is a function whose result's error is a variant with the case `unhandled`
/// (a `transform-error` of 0.1.4 or later). A function of another shape answers true: it is
/// then typechecked against the current bindings, whose error names what does not fit.
fn returns_unhandled(item: &wasmtime::component::types::ComponentItem) -> bool {
    use wasmtime::component::types::{ComponentItem, Type};
    let ComponentItem::ComponentFunc(func) = item else {
        return true;
    };
    let Some(Type::Result(result)) = func.results().next() else {
        return true;
    };
    match result.err() {
        Some(Type::Variant(variant)) => variant.cases().any(|case| case.name == "unhandled"),
        _ => true,
    }
}

/// A per-record export (`apply`, `test`) taking `P` and answering `R` or a `transform-error`,
/// typed for the component's version of `transform-error`.
enum RecordFunc<P, R> {
    /// A component built against 0.1.4 or later.
    Current(TypedFunc<P, (Result<R, wit_types::TransformError>,)>),
    /// A component built against 0.1.0 to 0.1.3.
    Legacy(TypedFunc<P, (Result<R, LegacyTransformError>,)>),
}

impl<P, R> RecordFunc<P, R>
where
    P: ComponentNamedList + Lower,
    (Result<R, wit_types::TransformError>,): ComponentNamedList + Lift,
    (Result<R, LegacyTransformError>,): ComponentNamedList + Lift,
{
    /// The export `exports.call` of `instance`, typechecked once.
    fn get(
        instance: &wasmtime::component::Instance,
        store: &mut Store<StepState>,
        exports: &Exports,
    ) -> wasmtime::Result<Self> {
        Ok(if exports.legacy {
            RecordFunc::Legacy(instance.get_typed_func(store, exports.call)?)
        } else {
            RecordFunc::Current(instance.get_typed_func(store, exports.call)?)
        })
    }

    /// Calls the export; the outer error is a trap, the inner one the guest's answer.
    fn call(
        &self,
        store: &mut Store<StepState>,
        params: P,
    ) -> wasmtime::Result<Result<R, StepError>> {
        Ok(match self {
            RecordFunc::Current(f) => f.call(store, params)?.0.map_err(StepError::from),
            RecordFunc::Legacy(f) => f.call(store, params)?.0.map_err(StepError::from),
        })
    }
}

/// Instantiates a component and runs its `configure` with `context`; gives the instance and
/// whether the guest declared, while configuring, that it depends only on the topic.
fn instantiate_configured(
    name: &str,
    pre: &InstancePre<StepState>,
    exports: &Exports,
    store: &mut Store<StepState>,
    context: &StepContext,
    limits: Limits,
) -> Result<(wasmtime::component::Instance, bool), EngineError> {
    let load_err = |message: String| EngineError::Load {
        component: name.to_string(),
        message,
    };
    let instance = pre
        .instantiate(&mut *store)
        .map_err(|e| load_err(format!("cannot be instantiated: {e:#}")))?;
    let configure = instance
        .get_typed_func::<(&wit_types::Context,), (Result<(), wit_types::ConfigError>,)>(
            &mut *store,
            exports.configure,
        )
        .map_err(|e| load_err(format!("cannot be instantiated: {e:#}")))?;
    let context = wit_types::Context::from(context);
    let (configured, topic_only) = configuring(store, |store| configure.call(store, (&context,)));
    let (configured,) = configured
        .map_err(|e| load_err(format!("failed while configuring: {}", classify(e, limits))))?;
    configured.map_err(config_error)?;
    Ok((instance, topic_only))
}

fn config_error(e: wit_types::ConfigError) -> EngineError {
    EngineError::Config {
        key: e.key,
        message: e.message,
    }
}

/// One configured instance of a transform component.
pub struct TransformInstance {
    name: String,
    pre: InstancePre<StepState>,
    exports: Exports,
    engine: wasmtime::Engine,
    limits: Limits,
    context: StepContext,
    converters: Arc<Converters>,
    lookups: Arc<Lookups>,
    live: Option<(Store<StepState>, ApplyFunc)>,
    /// The memory the live instance used once configured.
    baseline: usize,
    /// Outcomes by input topic of a transform that declared it depends only on the topic: the
    /// new topic, or `None` for a filtered record. `None` while the guest made no such promise.
    by_topic: Option<TopicMemo<Option<String>>>,
    /// What earlier calls of a transform that declared `depends-only-on-answers` did, for
    /// replay (`None` while the guest made no such promise); they belong to the live instance.
    traces: Option<replay::Traces>,
    /// The answers of the reads replayed on the current record (buffers kept between records).
    answered: replay::Answered,
    /// The traces a replay tries after those recorded on the record's own schemas.
    deferred: Vec<usize>,
}

/// A transform's `apply`.
type ApplyFunc = RecordFunc<(Resource<Record>,), Vec<Resource<Record>>>;

/// A predicate's `test`.
type TestFunc = RecordFunc<(Resource<Record>,), bool>;

/// How many topics' outcomes a step remembers; past that, the memo starts afresh.
const TOPIC_MEMO_CAPACITY: usize = 4096;

/// Outcomes of a step by topic. Looked up once per record per memoised step: foldhash, not
/// the standard library's SipHash, which was most of a lookup's cost.
#[derive(Debug, Default)]
struct TopicMemo<T> {
    outcomes: HashMap<String, T, foldhash::fast::RandomState>,
}

impl<T: Clone> TopicMemo<T> {
    fn get(&self, topic: &str) -> Option<&T> {
        self.outcomes.get(topic)
    }

    fn insert(&mut self, topic: &str, outcome: T) {
        if self.outcomes.len() >= TOPIC_MEMO_CAPACITY {
            self.outcomes.clear();
        }
        self.outcomes.insert(topic.to_string(), outcome);
    }
}

/// Runs a guest's `configure` with `depends-only-on-topic` listened to; tells whether the
/// guest called it.
fn configuring<R>(
    store: &mut Store<StepState>,
    configure: impl FnOnce(&mut Store<StepState>) -> R,
) -> (R, bool) {
    store.data_mut().configuring = true;
    let result = configure(store);
    let state = store.data_mut();
    state.configuring = false;
    (result, state.topic_only)
}

impl TransformInstance {
    fn instantiate(&mut self) -> Result<(), EngineError> {
        let mut store = new_store(
            &self.engine,
            self.limits,
            &self.context,
            &self.converters,
            &self.lookups,
        );
        store.set_epoch_deadline(deadline_ticks(self.limits));
        let (instance, topic_only) = instantiate_configured(
            &self.name,
            &self.pre,
            &self.exports,
            &mut store,
            &self.context,
            self.limits,
        )?;
        let apply = ApplyFunc::get(&instance, &mut store, &self.exports).map_err(|e| {
            EngineError::Load {
                component: self.name.clone(),
                message: format!("cannot be instantiated: {e:#}"),
            }
        })?;
        if topic_only && self.by_topic.is_none() {
            self.by_topic = Some(TopicMemo::default());
        }
        // Traces name the paths this instance registered: a new instance starts without.
        self.traces = (store.data().answers_only && !topic_only).then(replay::Traces::default);
        self.baseline = store.data().limits.memory_bytes;
        self.live = Some((store, apply));
        Ok(())
    }

    /// Runs the transform on one record; a transform that depends only on the topic runs once
    /// per topic, and its outcome is reused for the topic's later records; one that depends
    /// only on what the record answers has its changes replayed where an earlier record
    /// answered alike (see `replay`).
    pub fn apply(&mut self, record: Record) -> Result<Vec<Record>, StepError> {
        let mut out = Vec::new();
        self.apply_into(record, &mut out)?;
        Ok(out)
    }

    /// [`TransformInstance::apply`], adding the records it passes on to `out` (a chain
    /// reuses its buffers from record to record).
    pub fn apply_into(
        &mut self,
        mut record: Record,
        out: &mut Vec<Record>,
    ) -> Result<(), StepError> {
        let Some(memo) = &self.by_topic else {
            if self.traces.as_ref().is_some_and(replay::Traces::active) {
                let Some((record, record_it)) = self.replay(record, out)? else {
                    return Ok(());
                };
                out.extend(self.call_recorded(record, record_it)?);
                return Ok(());
            }
            out.extend(self.call(record)?);
            return Ok(());
        };
        if let Some(outcome) = memo.get(&record.topic) {
            if let Some(topic) = outcome {
                topic.clone_into(&mut record.topic);
                out.push(record);
            }
            return Ok(());
        }
        let topic = record.topic.clone();
        let before = (record.partition, record.timestamp, record.headers.clone());
        // The parts as they came: an earlier step may have changed them already.
        let parts = |r: &Record| {
            (
                (r.key.is_changed(), r.key.edits()),
                (r.value.is_changed(), r.value.edits()),
            )
        };
        let parts_before = parts(&record);
        let outputs = self.call(record)?;
        let outcome = match outputs.as_slice() {
            [] => Some(None),
            [out]
                if parts(out) == parts_before
                    && (out.partition, out.timestamp) == (before.0, before.1)
                    && out.headers == before.2 =>
            {
                Some(Some(out.topic.clone()))
            }
            _ => None,
        };
        match (outcome, self.by_topic.as_mut()) {
            (Some(outcome), Some(memo)) => memo.insert(&topic, outcome),
            (None, _) => tracing::debug!(
                transform = %self.context.alias,
                "declared it depends only on the topic, but changed more of a record of {topic}: not memoised"
            ),
            _ => {}
        }
        out.extend(outputs);
        Ok(())
    }

    /// Replays the changes of a trace whose reads the record answers alike; gives the record
    /// back when no trace matches (or a replayed change answers otherwise than it did).
    fn replay(
        &mut self,
        record: Record,
        out: &mut Vec<Record>,
    ) -> Result<Option<(Record, bool)>, StepError> {
        use replay::{Call, Outcome};
        let broken = |e: wasmtime::Error| StepError::Broken(e.to_string());
        let (Some(traces), Some((store, _))) = (self.traces.as_ref(), self.live.as_mut()) else {
            return Ok(Some((record, true)));
        };
        let candidates = traces.candidates();
        if candidates.is_empty() {
            if let Some(traces) = self.traces.as_mut() {
                traces.missed();
            }
            return Ok(Some((record, true)));
        }
        let state = store.data_mut();
        state.replayed = Some(record);
        let handle = Resource::new_own(REPLAYED);
        state.conversion_failure = None;
        // The answers of the reads run so far, by their shared operations.
        let answered = &mut self.answered;
        answered.clear();
        // Traces of records with the record's schemas whose first answers were the record's
        // but a later batch of reads answered otherwise.
        let mut alike_first = 0;
        let mut schemas = None;
        // Traces whose first answers are the record's are tried first where they were recorded
        // on the record's schemas (their reads of the schema alone are not run again), then
        // the others: records of several tables often answer the first reads alike.
        let deferred = &mut self.deferred;
        deferred.clear();
        let mut chosen: Option<Arc<replay::Trace>> = None;
        for (n, trace) in candidates.iter().enumerate() {
            let mut same_first = false;
            if let Some((ops, print, seen)) = trace.first_reads() {
                let got = match answered.print(ops) {
                    Some(got) => got,
                    None => {
                        let first = answered.batch(ops);
                        let got = state
                            .fingerprint(&handle, ops, answered, first)
                            .map_err(broken)?;
                        answered.set_print(ops, got);
                        got
                    }
                };
                if got != Some(print) {
                    continue;
                }
                let now = schemas.get_or_insert_with(|| state.part_schemas(&handle));
                same_first = replay::same_schemas(seen, now);
                if !same_first {
                    deferred.push(n);
                    continue;
                }
            }
            match state
                .later_calls_match(&handle, trace, answered)
                .map_err(broken)?
            {
                None => {
                    chosen = Some(Arc::clone(trace));
                    break;
                }
                Some(later) => alike_first += usize::from(same_first && later),
            }
        }
        if chosen.is_none() {
            for &n in deferred.iter() {
                let Some(trace) = candidates.get(n) else {
                    continue;
                };
                if state
                    .later_calls_match(&handle, trace, answered)
                    .map_err(broken)?
                    .is_none()
                {
                    chosen = Some(Arc::clone(trace));
                    break;
                }
            }
        }
        let Some(trace) = chosen else {
            let record = state.take_replayed().map_err(broken)?;
            if let Some(traces) = self.traces.as_mut() {
                traces.missed();
            }
            return Ok(Some((record, alike_first < replay::VALUE_DEPENDENT_AFTER)));
        };
        // A change that answers otherwise than it did leaves the record to the guest, as it
        // was: the record is copied first, unless its changes cannot answer otherwise.
        let changes = trace
            .calls
            .iter()
            .any(|c| matches!(c, Call::Changes { .. } | Call::SetTopic(_)));
        let before = match changes && !state.changes_cannot_differ(&handle, &trace.calls) {
            true => Some(state.record_ref(&handle).map_err(broken)?.snapshot()),
            false => None,
        };
        let mut alike = true;
        for call in &trace.calls {
            match call {
                Call::Changes {
                    ops,
                    answers,
                    plans,
                    ..
                } => {
                    let got = state.replay_changes(&handle, ops, plans).map_err(broken)?;
                    if got[..] != answers[..] || state.conversion_failure.is_some() {
                        alike = false;
                        break;
                    }
                }
                Call::SetTopic(topic) => {
                    let record = state.record(&handle).map_err(broken)?;
                    topic.as_ref().clone_into(&mut record.topic);
                }
                Call::Reads { .. } | Call::Topic(_) => {}
            }
        }
        let record = state.take_replayed().map_err(broken)?;
        if !alike {
            return match (before, changes) {
                (Some(before), _) => Ok(Some((before, true))),
                (None, false) => Ok(Some((record, true))),
                (None, true) => Err(StepError::Broken(format!(
                    "a replayed change of {} answered otherwise than it was recorded, on a \
                     record with the recorded schemas",
                    self.context.alias
                ))),
            };
        }
        if let Some(traces) = self.traces.as_mut() {
            traces.matched(&trace);
        }
        if trace.outcome == Outcome::Keep {
            out.push(record);
        }
        Ok(None)
    }

    /// Calls the guest on one record and returns the records it passes on.
    fn call(&mut self, record: Record) -> Result<Vec<Record>, StepError> {
        self.call_recorded(record, false)
    }

    /// [`TransformInstance::call`], recording what the call does for replay when
    /// `record_trace` is set.
    fn call_recorded(
        &mut self,
        record: Record,
        record_trace: bool,
    ) -> Result<Vec<Record>, StepError> {
        if self.live.is_none() {
            self.instantiate()
                .map_err(|e| StepError::Broken(format!("cannot restart after a failure: {e}")))?;
        }
        let limits = self.limits;
        let Some((store, apply)) = self.live.as_mut() else {
            return Err(StepError::Broken("no instance".into()));
        };
        let handle = store
            .data_mut()
            .table
            .push(record)
            .map_err(|e| StepError::Broken(e.to_string()))?;
        store.set_epoch_deadline(deadline_ticks(limits));
        store.data_mut().conversion_failure = None;
        let input = handle.rep();
        // The instance may be new (its traces too): record only into the traces it has.
        let record_trace = record_trace && self.traces.is_some();
        store.data_mut().recording = record_trace.then(replay::Recording::default);
        let outcome = apply.call(store, (handle,));
        if let Some(recording) = store.data_mut().recording.take() {
            let kept = match &outcome {
                Ok(Ok(handles)) if store.data().conversion_failure.is_none() => {
                    match handles.as_slice() {
                        [] => Some(replay::Outcome::Drop),
                        [out] if out.rep() == input => Some(replay::Outcome::Keep),
                        _ => None,
                    }
                }
                _ => None,
            };
            if let Some(traces) = self.traces.as_mut() {
                traces.add(recording.finish(kept));
            }
        }
        let result = match outcome {
            Ok(Ok(handles)) => {
                let table = &mut store.data_mut().table;
                handles
                    .into_iter()
                    .map(|h| {
                        table
                            .delete(h)
                            .map_err(|e| StepError::Broken(e.to_string()))
                    })
                    .collect()
            }
            Ok(Err(e)) => Err(store.data_mut().blame_conversion(e)),
            Err(e) => {
                let error = store.data_mut().blame_conversion(classify(e, limits));
                // The instance is unusable after a trap: start afresh for the next record.
                self.live = None;
                return Err(error);
            }
        };
        recycle_if_worn_out(&mut self.live, self.baseline, limits, &self.context.alias);
        result
    }
}

/// Drops a live instance that has grown past [`worn_out`]'s bound, so that the next record
/// runs on a fresh one.
fn recycle_if_worn_out<T>(
    live: &mut Option<(Store<StepState>, T)>,
    baseline: usize,
    limits: Limits,
    alias: &str,
) {
    if let Some((store, _)) = live.as_ref() {
        let used = store.data().limits.memory_bytes;
        if worn_out(baseline, used, limits.memory_bytes) {
            tracing::debug!(
                transform = alias,
                "the guest grew from {baseline} to {used} bytes of its {}: a fresh instance takes the next record",
                limits.memory_bytes
            );
            *live = None;
        }
    }
}

/// One configured instance of a predicate component.
pub struct PredicateInstance {
    name: String,
    pre: InstancePre<StepState>,
    exports: Exports,
    engine: wasmtime::Engine,
    limits: Limits,
    context: StepContext,
    converters: Arc<Converters>,
    live: Option<(Store<StepState>, TestFunc)>,
    /// The memory the live instance used once configured.
    baseline: usize,
    /// Answers by topic of a predicate that declared it depends only on the topic.
    by_topic: Option<TopicMemo<bool>>,
}

impl PredicateInstance {
    fn instantiate(&mut self) -> Result<(), EngineError> {
        // The `condition` world imports no lookup tables.
        let mut store = new_store(
            &self.engine,
            self.limits,
            &self.context,
            &self.converters,
            &Lookups::empty(),
        );
        store.set_epoch_deadline(deadline_ticks(self.limits));
        let (instance, topic_only) = instantiate_configured(
            &self.name,
            &self.pre,
            &self.exports,
            &mut store,
            &self.context,
            self.limits,
        )?;
        let test =
            TestFunc::get(&instance, &mut store, &self.exports).map_err(|e| EngineError::Load {
                component: self.name.clone(),
                message: format!("cannot be instantiated: {e:#}"),
            })?;
        if topic_only && self.by_topic.is_none() {
            self.by_topic = Some(TopicMemo::default());
        }
        self.baseline = store.data().limits.memory_bytes;
        self.live = Some((store, test));
        Ok(())
    }

    /// Tests one record. The record is handed back whatever the outcome. A predicate that
    /// depends only on the topic is asked once per topic.
    pub fn test(&mut self, record: Record) -> (Record, Result<bool, StepError>) {
        if let Some(memo) = &self.by_topic
            && let Some(&answer) = memo.get(&record.topic)
        {
            return (record, Ok(answer));
        }
        let (record, answer) = self.call(record);
        if let (Ok(answer), Some(memo)) = (&answer, self.by_topic.as_mut()) {
            memo.insert(&record.topic, *answer);
        }
        (record, answer)
    }

    /// Calls the guest's `test` on one record.
    fn call(&mut self, record: Record) -> (Record, Result<bool, StepError>) {
        if self.live.is_none()
            && let Err(e) = self.instantiate()
        {
            let e = StepError::Broken(format!("cannot restart after a failure: {e}"));
            return (record, Err(e));
        }
        let limits = self.limits;
        let Some((store, test)) = self.live.as_mut() else {
            return (record, Err(StepError::Broken("no instance".into())));
        };
        let handle = match store.data_mut().table.push(record) {
            Ok(h) => h,
            Err(e) => unreachable_table(e),
        };
        let rep = handle.rep();
        store.set_epoch_deadline(deadline_ticks(limits));
        store.data_mut().conversion_failure = None;
        let outcome = test.call(store, (Resource::<Record>::new_borrow(rep),));
        let record = match store
            .data_mut()
            .table
            .delete(Resource::<Record>::new_own(rep))
        {
            Ok(r) => r,
            Err(e) => unreachable_table(e),
        };
        let result = match outcome {
            Ok(r) => r.map_err(|e| store.data_mut().blame_conversion(e)),
            Err(e) => {
                let error = store.data_mut().blame_conversion(classify(e, limits));
                self.live = None;
                return (record, Err(error));
            }
        };
        recycle_if_worn_out(&mut self.live, self.baseline, limits, &self.context.alias);
        (record, result)
    }
}

/// The resource table of a fresh store cannot be full, and a record pushed into it stays there
/// until the host takes it out: failing either is a bug in the host, not bad input.
fn unreachable_table(e: wasmtime::component::ResourceTableError) -> ! {
    panic!("resource table invariant broken: {e}")
}

// ---------------------------------------------------------------------------------------------
// The `connect-record` resource and the `host` interface, implemented over `record`.

impl StepState {
    /// Marks the `apply` being recorded as one that cannot be replayed: the guest made a call
    /// a trace does not hold.
    fn untraceable(&mut self) {
        if let Some(recording) = &mut self.recording {
            recording.untraceable();
        }
    }

    fn record(&mut self, handle: &Resource<Record>) -> wasmtime::Result<&mut Record> {
        record_in(&mut self.table, &mut self.replayed, handle)
    }

    /// [`StepState::record`], read only.
    fn record_ref(&self, handle: &Resource<Record>) -> wasmtime::Result<&Record> {
        match handle.rep() {
            REPLAYED => self
                .replayed
                .as_ref()
                .ok_or_else(|| wasmtime::Error::msg("no record is being replayed")),
            _ => Ok(self.table.get(handle)?),
        }
    }

    /// The record a replay ran on, taken back.
    fn take_replayed(&mut self) -> wasmtime::Result<Record> {
        self.replayed
            .take()
            .ok_or_else(|| wasmtime::Error::msg("no record is being replayed"))
    }

    /// Runs `f` on the decoded data of one part; `change` marks the part as changed.
    fn with_data<R>(
        &mut self,
        handle: &Resource<Record>,
        part: wit::Part,
        change: bool,
        f: impl FnOnce(&mut ConnectData, &JsonConverter) -> Result<R, DataError>,
    ) -> wasmtime::Result<Result<R, wit::DataError>> {
        let which = which(part);
        // Borrow the table, converters and JSON converter apart: no clones per call.
        let StepState {
            table,
            replayed,
            converters,
            json,
            ..
        } = self;
        let record = record_in(table, replayed, handle)?;
        let (topic, part) = match which {
            Which::Key => (&record.topic, &mut record.key),
            Which::Value => (&record.topic, &mut record.value),
        };
        let converter = converters.get(which);
        let data = if change {
            part.data_mut(converter, topic)
        } else {
            part.data_in_place(converter, topic)
        };
        let result = match data {
            Ok(data) => f(data, json).map_err(wit_data_error),
            Err(e) => Err(part_error(e)),
        };
        Ok(self.note_conversion(which, result))
    }

    /// Remembers a conversion failure so the step's error can be blamed on the converter.
    fn note_conversion<R>(
        &mut self,
        which: Which,
        result: Result<R, wit::DataError>,
    ) -> Result<R, wit::DataError> {
        if let Err(wit::DataError::Conversion(message)) = &result {
            self.conversion_failure = Some((which, message.clone()));
        }
        result
    }
}

impl StepState {
    /// `put` of `value` at `path`, with the schema the guest described built once (see
    /// [`Self::described_schema`]): the method and the batch operation.
    fn put_at(
        &mut self,
        this: &Resource<Record>,
        part: wit::Part,
        path: &[String],
        schema: Option<&wit::SchemaInfo>,
        value: Value,
    ) -> wasmtime::Result<Result<(), wit::DataError>> {
        let schema = match schema.map(|info| self.described_schema(info)).transpose() {
            Ok(schema) => schema,
            Err(e) => return Ok(Err(wit_data_error(e))),
        };
        self.with_data(this, part, true, |data, _| {
            record::put(data, path, schema, value)
        })
    }

    /// Runs `ops` in order on `this`, as `batch` does, handing each answer to `answer` as soon
    /// as it is known: a failed read answers its error and the batch goes on, a failed change
    /// ends it. With `plans`, adds each operation's plan for replay ([`Self::plan`]).
    fn run_batch(
        &mut self,
        this: &Resource<Record>,
        ops: &[Op],
        mut plans: Option<&mut Vec<Option<replay::Planned>>>,
        mut answer: impl FnMut(Result<wit::Answer, wit::DataError>),
    ) -> wasmtime::Result<()> {
        for op in ops {
            let changes = is_change(op);
            let before = plans.is_some().then(|| self.part_schemas(this));
            let answered = self.run_op(this, op)?;
            if let (Some(plans), Some(before)) = (plans.as_mut(), before) {
                plans.push(match answered {
                    Ok(wit::Answer::Done) => self.plan(op, &before, &self.part_schemas(this)),
                    _ => None,
                });
            }
            let failed = answered.is_err();
            answer(answered);
            if changes && failed {
                break;
            }
        }
        Ok(())
    }

    /// The key's and the value's decoded schemas (see `replay::PartSchemas`).
    fn part_schemas(&self, this: &Resource<Record>) -> replay::PartSchemas {
        match self.record_ref(this) {
            Ok(r) => [r.key.decoded_schema(), r.value.decoded_schema()].map(|s| s.cloned()),
            Err(_) => [None, None],
        }
    }

    /// Whether the reads of `trace` up to its first change answer on the record `this` as
    /// they did (its first batch's fingerprint already matched): `None` when they all do, else
    /// whether what did not was a batch of reads after the first.
    fn later_calls_match(
        &mut self,
        this: &Resource<Record>,
        trace: &replay::Trace,
        answered: &mut replay::Answered,
    ) -> wasmtime::Result<Option<bool>> {
        for (i, call) in trace.calls.iter().enumerate() {
            match call {
                replay::Call::Reads {
                    ops,
                    answers,
                    ends,
                    schemas,
                } => {
                    let first = answered.batch(ops);
                    if !self.replay_reads(this, (ops, answers, ends, schemas), answered, first)? {
                        return Ok(Some(i > 0));
                    }
                }
                // A topic that differs is not a value that varies from record to record.
                replay::Call::Topic(topic) => {
                    if self.record_ref(this)?.topic != **topic {
                        return Ok(Some(false));
                    }
                }
                replay::Call::Changes { .. } | replay::Call::SetTopic(_) => break,
            }
        }
        Ok(None)
    }

    /// Runs the reads of a recorded batch on the record `this` and tells whether each answers
    /// as recorded (`answers`, each ending at its `ends`). A read that depends on the schema
    /// alone is skipped where the part's schema is the recorded `Arc`. `memo` keeps the
    /// answers run so far for the same operations (other recordings hold them too), from
    /// slot `first` on.
    fn replay_reads(
        &mut self,
        this: &Resource<Record>,
        (ops, answers, ends, schemas): (&[Op], &[u8], &[u32], &replay::PartSchemas),
        memo: &mut replay::Answered,
        first: usize,
    ) -> wasmtime::Result<bool> {
        // Whether each part's schema is the one the recording saw (then its reads of the
        // schema alone answer as they did).
        let seen = {
            let record = self.record_ref(this)?;
            let same = |current: Option<&Arc<Schema>>, seen: &Option<Arc<Schema>>| matches!((current, seen), (Some(c), Some(s)) if Arc::ptr_eq(c, s));
            [
                same(record.key.decoded_schema(), &schemas[0]),
                same(record.value.decoded_schema(), &schemas[1]),
            ]
        };
        // The list's answers start after its 4-byte count.
        let mut start = 4;
        for (i, op) in ops.iter().enumerate() {
            let end = ends.get(i).map_or(answers.len(), |&e| e as usize);
            let recorded = answers.get(start..end).unwrap_or_default();
            start = end;
            if let Some(part) = schema_only(op)
                && seen[usize::from(part == wit::Part::Value)]
            {
                continue;
            }
            let got = self.memoised_answer(this, op, memo, first + i)?;
            if got != recorded || self.conversion_failure.is_some() {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// The packed answer of the read `op` on the record `this`, run at most once per record:
    /// kept in `memo` at `slot`, where the other traces that share the read find it.
    fn memoised_answer<'m>(
        &mut self,
        this: &Resource<Record>,
        op: &Op,
        memo: &'m mut replay::Answered,
        slot: usize,
    ) -> wasmtime::Result<&'m [u8]> {
        if memo.get(slot).is_none() {
            let answer = self.run_op(this, op)?;
            memo.put(slot, |out| packed::pack_answer(out, &answer));
        }
        Ok(memo.get(slot).unwrap_or_default())
    }

    /// The record's fingerprint of a recorded batch of reads (`replay::Fingerprint`): its
    /// reads that do not depend on the schema alone, run (or taken from `memo`, from slot
    /// `first` on) and hashed; `None` when running them failed to convert the data.
    fn fingerprint(
        &mut self,
        this: &Resource<Record>,
        ops: &[Op],
        memo: &mut replay::Answered,
        first: usize,
    ) -> wasmtime::Result<Option<u64>> {
        let mut print = replay::Fingerprint::new();
        for (i, op) in ops.iter().enumerate() {
            if schema_only(op).is_some() {
                continue;
            }
            print.answer(self.memoised_answer(this, op, memo, first + i)?);
            if self.conversion_failure.is_some() {
                return Ok(None);
            }
        }
        Ok(Some(print.finish()))
    }

    /// Runs a batch the guest sent (`batch`, or `batch-packed` with `pack`), handing each
    /// answer to `answer`, and records it when the `apply` is being recorded: a replay
    /// compares packed answers, whichever of the two the guest called. Returns the packed
    /// answers (empty when neither packed nor recorded). The recording is set aside while the
    /// batch runs: the methods it runs the operations through are not the guest's calls.
    fn guest_batch(
        &mut self,
        this: &Resource<Record>,
        ops: Vec<Op>,
        pack: bool,
        mut answer: impl FnMut(Result<wit::Answer, wit::DataError>),
    ) -> wasmtime::Result<Vec<u8>> {
        let mut recording = self.recording.take();
        let kept = recording.as_mut().and_then(|r| r.batch_kind(&ops));
        // Changes are recorded with the schemas they started from, reads with those they saw.
        let before = (kept == Some(true)).then(|| self.part_schemas(this));
        let packing = pack || kept.is_some();
        let mut packed = packed::AnswerList::new(if packing { ops.len() } else { 0 });
        let mut ends = Vec::new();
        let mut plans = (kept == Some(true)).then(Vec::new);
        let ran = self.run_batch(this, &ops, plans.as_mut(), |a| {
            if packing {
                packed.push(&a);
            }
            if kept.is_some() {
                ends.push(packed.len() as u32);
            }
            answer(a);
        });
        let packed = if packing { packed.finish() } else { Vec::new() };
        if let (Some(r), Some(_)) = (recording.as_mut(), kept) {
            let schemas = before.unwrap_or_else(|| self.part_schemas(this));
            r.batch(ops, &packed, ends, schemas, plans);
        }
        self.recording = recording;
        ran?;
        Ok(packed)
    }

    /// Runs the changes of a recorded batch on the record `this` and packs their answers, as
    /// `batch-packed` does: each by its plan where it has one that can run (it answers done
    /// then, as when it was recorded), else as the operation.
    fn replay_changes(
        &mut self,
        this: &Resource<Record>,
        ops: &[Op],
        plans: &[Option<replay::Planned>],
    ) -> wasmtime::Result<Vec<u8>> {
        const DONE: Result<wit::Answer, wit::DataError> = Ok(wit::Answer::Done);
        let mut answers = packed::AnswerList::new(ops.len());
        for (i, op) in ops.iter().enumerate() {
            if let Some(Some(planned)) = plans.get(i)
                && record_in(&mut self.table, &mut self.replayed, this)?
                    .part_mut(planned.part)
                    .run_plan(&planned.plan)
            {
                answers.push(&DONE);
                continue;
            }
            let answered = self.run_op(this, op)?;
            answers.push(&answered);
            if answered.is_err() {
                break;
            }
        }
        Ok(answers.finish())
    }

    /// The plan of the change `op`, which answered done and took the parts from the schemas
    /// `before` to `after`; `None` where no plan can do it.
    fn plan(
        &self,
        op: &Op,
        before: &replay::PartSchemas,
        after: &replay::PartSchemas,
    ) -> Option<replay::Planned> {
        use record::plan::{Change, Plan};
        let planned = |part: wit::Part, change: Change<'_>| {
            let i = usize::from(part == wit::Part::Value);
            let plan = Plan::new(change, before[i].as_ref()?, after[i].as_ref()?)?;
            Some(replay::Planned {
                part: which(part),
                plan,
            })
        };
        let path = |id: u32| self.path(id).ok();
        match op {
            Op::Wit(wit::Op::Copy(c)) => {
                let (from, to) = (path(c.from)?, path(c.to)?);
                planned(
                    c.part,
                    Change::Copy {
                        from: &from,
                        to: &to,
                    },
                )
            }
            Op::Wit(wit::Op::Put(p)) => {
                let to = path(p.node.path)?;
                let value = scalar_from_wit(p.value.clone());
                planned(
                    p.node.part,
                    Change::Put {
                        to: &to,
                        value: &value,
                    },
                )
            }
            Op::Wit(wit::Op::Rebuild(r)) => {
                let at = path(r.node.path)?;
                planned(
                    r.node.part,
                    Change::Rebuild {
                        path: &at,
                        apply_defaults: r.apply_defaults,
                    },
                )
            }
            Op::Wit(wit::Op::Extract(e)) => {
                let at = path(e.node.path)?;
                planned(
                    e.node.part,
                    Change::Extract {
                        path: &at,
                        apply_defaults: e.apply_defaults,
                    },
                )
            }
            Op::Wit(wit::Op::Flatten(f)) => planned(f.part, Change::Flatten),
            Op::Packed(wit::PackedOp::Cast(c)) => {
                let at = path(c.node.path)?;
                planned(
                    c.node.part,
                    Change::Cast {
                        path: &at,
                        to: schema_type_from_wit(c.to),
                        apply_defaults: c.apply_defaults,
                    },
                )
            }
            _ => None,
        }
    }

    /// Whether replaying `calls`' changes on the record `this` cannot answer otherwise than
    /// they did when recorded, so that the record need not be copied first to be given back
    /// as it was. That holds for one batch of changes of schema'd parts made of operations
    /// whose answers follow from the parts' schemas alone, either
    /// - recorded on parts with the schemas the record's parts have now (the same `Arc`s):
    ///   `flatten` (it fails only on a schema it cannot flatten, and leaves a null part as
    ///   it is), `cast` of the part or a top-level field (the field's parent is the part,
    ///   not null when a cast is made, and a value has its schema's type), and `fill-defaults`
    ///   of the part when none of its fields has a struct, map or array default (it answers
    ///   `false` then, and cannot fail);
    /// - or a lone `flatten`, recorded as done, of a part whose schema flattens.
    fn changes_cannot_differ(&self, this: &Resource<Record>, calls: &[replay::Call]) -> bool {
        let mut changes = calls.iter().filter_map(|c| match c {
            replay::Call::Changes {
                ops,
                answers,
                schemas,
                ..
            } => Some((ops, answers, schemas)),
            _ => None,
        });
        let (Some((ops, answers, recorded)), None) = (changes.next(), changes.next()) else {
            return false;
        };
        let now = self.part_schemas(this);
        let schema = |part: wit::Part| now[usize::from(part == wit::Part::Value)].as_ref();
        if !replay::same_schemas(recorded, &now) {
            return match &ops[..] {
                [Op::Wit(wit::Op::Flatten(f))] => {
                    answers[..] == packed::ONE_DONE
                        && schema(f.part)
                            .is_some_and(|s| record::flattened_schema(s, &f.delimiter).is_ok())
                }
                _ => false,
            };
        }
        ops.iter().all(|op| match op {
            Op::Wit(wit::Op::Flatten(f)) => schema(f.part).is_some(),
            Op::Packed(wit::PackedOp::Cast(c)) => {
                schema(c.node.part).is_some() && self.path(c.node.path).is_ok_and(|p| p.len() <= 1)
            }
            Op::Wit(wit::Op::FillDefaults(f)) => {
                schema(f.node.part).is_some_and(|s| {
                    s.fields.iter().all(|field| {
                        f.skip.contains(&field.name)
                            || !matches!(
                                field.schema.default,
                                Some(Value::Struct(_) | Value::Map(_) | Value::Array(_))
                            )
                    })
                }) && self.path(f.node.path).is_ok_and(|p| p.is_empty())
            }
            _ => false,
        })
    }

    /// The path registered as `id`.
    fn path(&self, id: u32) -> Result<Arc<[String]>, wit::DataError> {
        self.paths
            .list
            .get(id as usize)
            .cloned()
            .ok_or_else(|| wit::DataError::Invalid(format!("no path is registered as {id}")))
    }

    /// Runs one operation of a batch on the record `this`, as the method of its name does.
    fn run_op(
        &mut self,
        this: &Resource<Record>,
        op: &Op,
    ) -> wasmtime::Result<Result<wit::Answer, wit::DataError>> {
        use wit::HostConnectRecord as _;
        let op = match op {
            Op::Wit(op) => op,
            Op::Packed(wit::PackedOp::Cast(c)) => return self.run_cast(this, c),
            Op::Packed(wit::PackedOp::Diff(d)) => return self.run_diff(this, d),
        };
        let node = |state: &Self, node: &wit::Node| state.path(node.path).map(|p| (node.part, p));
        macro_rules! path {
            ($node:expr) => {
                match node(self, &$node) {
                    Ok(found) => found,
                    Err(e) => return Ok(Err(e)),
                }
            };
        }
        let done = |r: Result<(), wit::DataError>| r.map(|()| wit::Answer::Done);
        Ok(match op {
            wit::Op::IsNull(part) => self
                .is_null(Resource::new_borrow(this.rep()), *part)?
                .map(wit::Answer::Flag),
            wit::Op::HasSchema(part) => self
                .with_data(this, *part, false, |data, _| Ok(data.schema.is_some()))?
                .map(wit::Answer::Flag),
            wit::Op::IsNullAt(n) => {
                let (part, path) = path!(n);
                self.with_data(this, part, false, |data, _| record::is_null_at(data, &path))?
                    .map(wit::Answer::Flag)
            }
            wit::Op::Exists(n) => {
                let (part, path) = path!(n);
                self.with_data(this, part, false, |data, _| Ok(record::exists(data, &path)))?
                    .map(wit::Answer::Flag)
            }
            wit::Op::Schema(n) => {
                let (part, path) = path!(n);
                self.with_data(this, part, false, |data, _| {
                    Ok(record::schema_at(data, &path)?.map(|s| schema_info(&s)))
                })?
                .map(wit::Answer::Schema)
            }
            wit::Op::FieldNames(n) => {
                let (part, path) = path!(n);
                self.with_data(this, part, false, |data, _| {
                    record::field_names(data, &path)
                })?
                .map(wit::Answer::Names)
            }
            wit::Op::Get(n) => {
                let (part, path) = path!(n);
                self.with_data(this, part, false, |data, _| {
                    record::get(data, &path).map(scalar_to_wit)
                })?
                .map(wit::Answer::Scalar)
            }
            wit::Op::GetTyped(n) => {
                let (part, path) = path!(n);
                self.with_data(this, part, false, |data, _| record::get_typed(data, &path))?
                    .map(|(schema, value)| {
                        wit::Answer::Typed(wit::Typed {
                            schema: schema.as_deref().map(schema_info),
                            value: scalar_to_wit(value),
                        })
                    })
            }
            wit::Op::Set(op) => {
                let (part, path) = path!(op.node);
                let value = scalar_from_wit(op.value.clone());
                done(self.with_data(this, part, true, |data, _| record::set(data, &path, value))?)
            }
            wit::Op::Reshape(op) => {
                let (part, path) = path!(op.node);
                let fields: Vec<(String, String)> = op
                    .fields
                    .iter()
                    .map(|f| (f.source.clone(), f.target.clone()))
                    .collect();
                done(self.with_data(this, part, true, |data, _| {
                    record::reshape(data, &path, &fields, op.apply_defaults)
                })?)
            }
            wit::Op::Extract(op) => {
                let (part, path) = path!(op.node);
                done(self.with_data(this, part, true, |data, _| {
                    record::extract(data, &path, op.apply_defaults)
                })?)
            }
            wit::Op::Hoist(op) => done(self.with_data(this, op.part, true, |data, _| {
                record::hoist(data, &op.field)
            })?),
            wit::Op::Put(op) => {
                let (part, path) = path!(op.node);
                done(self.put_at(
                    this,
                    part,
                    &path,
                    op.schema.as_ref(),
                    scalar_from_wit(op.value.clone()),
                )?)
            }
            wit::Op::RenameSchema(op) => {
                let (part, path) = path!(op.node);
                done(self.with_data(this, part, true, |data, _| {
                    record::rename_schema(data, &path, op.name.clone(), op.version)
                })?)
            }
            wit::Op::Copy(op) => {
                let (from, to) = match (self.path(op.from), self.path(op.to)) {
                    (Ok(from), Ok(to)) => (from, to),
                    (Err(e), _) | (_, Err(e)) => return Ok(Err(e)),
                };
                done(self.with_data(this, op.part, true, |data, _| {
                    record::copy(data, &from, &to, op.optional)
                })?)
            }
            wit::Op::Rebuild(op) => {
                let (part, path) = path!(op.node);
                done(self.with_data(this, part, true, |data, _| {
                    record::rebuild(data, &path, op.apply_defaults)
                })?)
            }
            wit::Op::Flatten(op) => done(self.with_data(this, op.part, true, |data, _| {
                record::flatten(data, &op.delimiter)
            })?),
            wit::Op::FillDefaults(op) => {
                let (part, path) = path!(op.node);
                // Read in place: a part gets encoded again only if a default was given.
                let filled = self.with_data(this, part, false, |data, _| {
                    record::fill_defaults(data, &path, &op.skip)
                })?;
                if let Ok((true, _)) = filled {
                    // Decoded already: marking it changed cannot fail.
                    let _ = self.with_data(this, part, true, |_, _| Ok(()))?;
                }
                filled.map(|(_, container)| wit::Answer::Flag(container))
            }
        })
    }

    /// Runs the packed-only `diff` on the record `this`: a read.
    fn run_diff(
        &mut self,
        this: &Resource<Record>,
        op: &wit::DiffOp,
    ) -> wasmtime::Result<Result<wit::Answer, wit::DataError>> {
        let (from, to) = match (self.path(op.from), self.path(op.to)) {
            (Ok(from), Ok(to)) => (from, to),
            (Err(e), _) | (_, Err(e)) => return Ok(Err(e)),
        };
        Ok(self
            .with_data(this, op.part, false, |data, _| {
                record::diff(data, &from, &to)
            })?
            .map(wit::Answer::Names))
    }

    /// Runs the packed-only `cast` on the record `this`.
    fn run_cast(
        &mut self,
        this: &Resource<Record>,
        op: &wit::CastOp,
    ) -> wasmtime::Result<Result<wit::Answer, wit::DataError>> {
        let path = match self.path(op.node.path) {
            Ok(path) => path,
            Err(e) => return Ok(Err(e)),
        };
        let to = schema_type_from_wit(op.to);
        Ok(self
            .with_data(this, op.node.part, true, |data, _| {
                record::cast(data, &path, to, op.apply_defaults)
            })?
            .map(|()| wit::Answer::Done))
    }
}

/// The handle of the record a replay runs on ([`StepState::replayed`]); the guest's table
/// never numbers a record so (it would need four billion of them).
const REPLAYED: u32 = u32::MAX;

/// The record `handle` names: the replayed one, or one of the guest's table.
fn record_in<'a>(
    table: &'a mut ResourceTable,
    replayed: &'a mut Option<Record>,
    handle: &Resource<Record>,
) -> wasmtime::Result<&'a mut Record> {
    match handle.rep() {
        REPLAYED => replayed
            .as_mut()
            .ok_or_else(|| wasmtime::Error::msg("no record is being replayed")),
        _ => Ok(table.get_mut(handle)?),
    }
}

/// Whether a batch operation changes the record: a failed change ends the batch, a failed
/// read does not.
fn is_change(op: &Op) -> bool {
    let op = match op {
        Op::Wit(op) => op,
        Op::Packed(wit::PackedOp::Cast(_)) => return true,
        Op::Packed(wit::PackedOp::Diff(_)) => return false,
    };
    !matches!(
        op,
        wit::Op::IsNull(_)
            | wit::Op::IsNullAt(_)
            | wit::Op::Exists(_)
            | wit::Op::HasSchema(_)
            | wit::Op::Schema(_)
            | wit::Op::FieldNames(_)
            | wit::Op::Get(_)
            | wit::Op::GetTyped(_)
    )
}

/// The part whose schema alone answers `op` when the part has a schema (`exists` and `schema`
/// walk the schema, `has-schema` asks for it); `None` for any other operation.
fn schema_only(op: &Op) -> Option<wit::Part> {
    match op {
        Op::Wit(wit::Op::Exists(n) | wit::Op::Schema(n)) => Some(n.part),
        Op::Wit(wit::Op::HasSchema(part)) => Some(*part),
        _ => None,
    }
}

/// The paths a guest registered (`connect.register-path`), numbered in registration order.
#[derive(Default)]
struct Paths {
    list: Vec<Arc<[String]>>,
    numbers: HashMap<Arc<[String]>, u32>,
}

/// How many distinct paths one guest instance may register.
const PATHS_CAPACITY: usize = 1 << 16;

fn which(part: wit::Part) -> Which {
    match part {
        wit::Part::Key => Which::Key,
        wit::Part::Value => Which::Value,
    }
}

fn wit_data_error(e: DataError) -> wit::DataError {
    match e {
        DataError::Invalid(m) => wit::DataError::Invalid(m),
        DataError::NoSuchField(m) => wit::DataError::NoSuchField(m),
        DataError::WrongType(m) => wit::DataError::WrongType(m),
    }
}

fn part_error(e: PartError) -> wit::DataError {
    match e {
        PartError::Conversion(c) => wit::DataError::Conversion(c.into_message()),
        PartError::Data(d) => wit_data_error(d),
    }
}

fn schema_type(kind: SchemaType) -> wit::SchemaType {
    match kind {
        SchemaType::Int8 => wit::SchemaType::Int8,
        SchemaType::Int16 => wit::SchemaType::Int16,
        SchemaType::Int32 => wit::SchemaType::Int32,
        SchemaType::Int64 => wit::SchemaType::Int64,
        SchemaType::Float32 => wit::SchemaType::Float32,
        SchemaType::Float64 => wit::SchemaType::Float64,
        SchemaType::Boolean => wit::SchemaType::Boolean,
        SchemaType::String => wit::SchemaType::String,
        SchemaType::Bytes => wit::SchemaType::Bytes,
        SchemaType::Array => wit::SchemaType::Array,
        SchemaType::Map => wit::SchemaType::Map,
        SchemaType::Struct => wit::SchemaType::Struct,
    }
}

fn schema_info(schema: &Schema) -> wit::SchemaInfo {
    wit::SchemaInfo {
        type_: schema_type(schema.kind),
        optional: schema.optional,
        name: schema.name.clone(),
        version: schema.version,
        doc: schema.doc.clone(),
        parameters: schema.parameters.clone(),
        default_json: json::default_to_json(schema),
    }
}

fn schema_type_from_wit(kind: wit::SchemaType) -> SchemaType {
    match kind {
        wit::SchemaType::Int8 => SchemaType::Int8,
        wit::SchemaType::Int16 => SchemaType::Int16,
        wit::SchemaType::Int32 => SchemaType::Int32,
        wit::SchemaType::Int64 => SchemaType::Int64,
        wit::SchemaType::Float32 => SchemaType::Float32,
        wit::SchemaType::Float64 => SchemaType::Float64,
        wit::SchemaType::Boolean => SchemaType::Boolean,
        wit::SchemaType::String => SchemaType::String,
        wit::SchemaType::Bytes => SchemaType::Bytes,
        wit::SchemaType::Array => SchemaType::Array,
        wit::SchemaType::Map => SchemaType::Map,
        wit::SchemaType::Struct => SchemaType::Struct,
    }
}

/// A scalar schema described by a guest; its default is parsed as JsonConverter would.
fn schema_from_info(info: wit::SchemaInfo, json: &JsonConverter) -> Result<Schema, DataError> {
    let mut schema = Schema::new(schema_type_from_wit(info.type_));
    schema.optional = info.optional;
    schema.name = info.name;
    schema.version = info.version;
    schema.doc = info.doc;
    schema.parameters = info.parameters;
    if let Some(default) = info.default_json {
        let without_default = Arc::new(schema.clone());
        let value = json
            .payload_from_json(Some(&without_default), &default)
            .map_err(|e| DataError::Invalid(format!("default: {}", e.message())))?;
        schema.default = Some(value);
    }
    Ok(schema)
}

fn scalar_to_wit(value: Value) -> wit::Scalar {
    match value {
        Value::Boolean(b) => wit::Scalar::Boolean(b),
        Value::Int8(v) => wit::Scalar::Int8(v),
        Value::Int16(v) => wit::Scalar::Int16(v),
        Value::Int32(v) => wit::Scalar::Int32(v),
        Value::Int64(v) => wit::Scalar::Int64(v),
        Value::Float32(v) => wit::Scalar::Float32(v),
        Value::Float64(v) => wit::Scalar::Float64(v),
        Value::String(s) => wit::Scalar::String(s.into_string()),
        Value::Bytes(b) => wit::Scalar::Bytes(b),
        Value::Null | Value::Array(_) | Value::Map(_) | Value::Struct(_) => wit::Scalar::Null,
    }
}

fn scalar_from_wit(value: wit::Scalar) -> Value {
    match value {
        wit::Scalar::Null => Value::Null,
        wit::Scalar::Boolean(b) => Value::Boolean(b),
        wit::Scalar::Int8(v) => Value::Int8(v),
        wit::Scalar::Int16(v) => Value::Int16(v),
        wit::Scalar::Int32(v) => Value::Int32(v),
        wit::Scalar::Int64(v) => Value::Int64(v),
        wit::Scalar::Float32(v) => Value::Float32(v),
        wit::Scalar::Float64(v) => Value::Float64(v),
        wit::Scalar::String(s) => Value::String(s.into()),
        wit::Scalar::Bytes(b) => Value::Bytes(b),
    }
}

fn header_to_wit(h: &Header) -> wit::Header {
    wit::Header {
        key: h.key.clone(),
        value: h.value.as_ref().map(|v| v.to_vec()),
    }
}

impl wit::Host for StepState {
    fn register_path(
        &mut self,
        path: Vec<String>,
    ) -> wasmtime::Result<Result<u32, wit::DataError>> {
        let path: Arc<[String]> = path.into();
        if let Some(&id) = self.paths.numbers.get(&path) {
            return Ok(Ok(id));
        }
        if self.paths.list.len() >= PATHS_CAPACITY {
            return Ok(Err(wit::DataError::Invalid(format!(
                "a transform may register at most {PATHS_CAPACITY} paths"
            ))));
        }
        let id = self.paths.list.len() as u32;
        self.paths.list.push(Arc::clone(&path));
        self.paths.numbers.insert(path, id);
        Ok(Ok(id))
    }
}
impl wit_types::Host for StepState {}

fn lookup_error(e: GetError) -> wit_lookup::LookupError {
    match e {
        GetError::NoSuchTable(m) => wit_lookup::LookupError::NoSuchTable(m),
        GetError::NoSuchField(m) => wit_lookup::LookupError::NoSuchField(m),
        GetError::WrongType(m) => wit_lookup::LookupError::WrongType(m),
        GetError::Unavailable(m) => wit_lookup::LookupError::Unavailable(m),
    }
}

impl wit_lookup::Host for StepState {
    fn get(
        &mut self,
        table: String,
        key: String,
    ) -> wasmtime::Result<Result<Option<String>, wit_lookup::LookupError>> {
        self.untraceable();
        Ok(self.lookups.get_json(&table, &key).map_err(lookup_error))
    }

    fn get_field(
        &mut self,
        table: String,
        key: String,
        path: Vec<String>,
    ) -> wasmtime::Result<Result<Option<wit_lookup::TypedScalar>, wit_lookup::LookupError>> {
        self.untraceable();
        Ok(self
            .lookups
            .get_field(&table, &key, &path)
            .map(|found| {
                found.map(|(schema, value)| wit_lookup::TypedScalar {
                    schema: schema.as_deref().map(schema_info),
                    value: scalar_to_wit(value),
                })
            })
            .map_err(lookup_error))
    }
}

impl generated::switchyard::transform::host::Host for StepState {
    fn log(&mut self, level: Level, message: String) -> wasmtime::Result<()> {
        self.untraceable();
        let alias = &*self.alias;
        match level {
            Level::Trace => tracing::trace!(transform = alias, "{message}"),
            Level::Debug => tracing::debug!(transform = alias, "{message}"),
            Level::Info => tracing::info!(transform = alias, "{message}"),
            Level::Warn => tracing::warn!(transform = alias, "{message}"),
            Level::Error => tracing::error!(transform = alias, "{message}"),
        }
        Ok(())
    }

    fn depends_only_on_topic(&mut self) -> wasmtime::Result<()> {
        if self.configuring {
            self.topic_only = true;
        }
        Ok(())
    }

    fn depends_only_on_answers(&mut self) -> wasmtime::Result<()> {
        if self.configuring {
            self.answers_only = true;
        }
        Ok(())
    }
}

impl wit::HostConnectRecord for StepState {
    fn new(&mut self, topic: String) -> wasmtime::Result<Resource<Record>> {
        self.untraceable();
        Ok(self.table.push(Record::new(topic, None, None))?)
    }

    fn duplicate(&mut self, this: Resource<Record>) -> wasmtime::Result<Resource<Record>> {
        self.untraceable();
        let copy = self.record(&this)?.clone();
        Ok(self.table.push(copy)?)
    }

    fn topic(&mut self, this: Resource<Record>) -> wasmtime::Result<String> {
        let topic = self.record(&this)?.topic.clone();
        if let Some(recording) = &mut self.recording {
            recording.topic(&topic);
        }
        Ok(topic)
    }

    fn set_topic(&mut self, this: Resource<Record>, topic: String) -> wasmtime::Result<()> {
        if let Some(recording) = &mut self.recording {
            recording.set_topic(&topic);
        }
        self.record(&this)?.topic = topic;
        Ok(())
    }

    fn kafka_partition(&mut self, this: Resource<Record>) -> wasmtime::Result<Option<i32>> {
        self.untraceable();
        Ok(self.record(&this)?.partition)
    }

    fn set_kafka_partition(
        &mut self,
        this: Resource<Record>,
        partition: Option<i32>,
    ) -> wasmtime::Result<()> {
        self.untraceable();
        self.record(&this)?.partition = partition;
        Ok(())
    }

    fn timestamp(&mut self, this: Resource<Record>) -> wasmtime::Result<Option<i64>> {
        self.untraceable();
        Ok(self.record(&this)?.timestamp)
    }

    fn set_timestamp(
        &mut self,
        this: Resource<Record>,
        timestamp: Option<i64>,
    ) -> wasmtime::Result<()> {
        self.untraceable();
        self.record(&this)?.timestamp = timestamp;
        Ok(())
    }

    fn headers(&mut self, this: Resource<Record>) -> wasmtime::Result<Vec<wit::Header>> {
        self.untraceable();
        Ok(self
            .record(&this)?
            .headers
            .iter()
            .map(header_to_wit)
            .collect())
    }

    fn has_header(&mut self, this: Resource<Record>, key: String) -> wasmtime::Result<bool> {
        self.untraceable();
        Ok(self.record(&this)?.headers.iter().any(|h| h.key == key))
    }

    fn last_header(
        &mut self,
        this: Resource<Record>,
        key: String,
    ) -> wasmtime::Result<Option<wit::Header>> {
        self.untraceable();
        let record = self.record(&this)?;
        Ok(record
            .headers
            .iter()
            .rev()
            .find(|h| h.key == key)
            .map(header_to_wit))
    }

    fn add_header(&mut self, this: Resource<Record>, header: wit::Header) -> wasmtime::Result<()> {
        self.untraceable();
        self.record(&this)?.headers.push(Header {
            key: header.key,
            value: header.value.map(Bytes::from),
        });
        Ok(())
    }

    fn remove_headers(&mut self, this: Resource<Record>, key: String) -> wasmtime::Result<()> {
        self.untraceable();
        self.record(&this)?.headers.retain(|h| h.key != key);
        Ok(())
    }

    fn is_null(
        &mut self,
        this: Resource<Record>,
        part: wit::Part,
    ) -> wasmtime::Result<Result<bool, wit::DataError>> {
        self.untraceable();
        let which = which(part);
        let StepState {
            table,
            replayed,
            converters,
            ..
        } = self;
        let record = record_in(table, replayed, &this)?;
        let (topic, part) = match which {
            Which::Key => (&record.topic, &mut record.key),
            Which::Value => (&record.topic, &mut record.value),
        };
        let result = part
            .is_null(converters.get(which), topic)
            .map_err(part_error);
        Ok(self.note_conversion(which, result))
    }

    fn has_schema(
        &mut self,
        this: Resource<Record>,
        part: wit::Part,
    ) -> wasmtime::Result<Result<bool, wit::DataError>> {
        self.untraceable();
        self.with_data(&this, part, false, |data, _| Ok(data.schema.is_some()))
    }

    fn schema(
        &mut self,
        this: Resource<Record>,
        part: wit::Part,
        path: Vec<String>,
    ) -> wasmtime::Result<Result<Option<wit::SchemaInfo>, wit::DataError>> {
        self.untraceable();
        self.with_data(&this, part, false, |data, _| {
            Ok(record::schema_at(data, &path)?.map(|s| schema_info(&s)))
        })
    }

    fn field_names(
        &mut self,
        this: Resource<Record>,
        part: wit::Part,
        path: Vec<String>,
    ) -> wasmtime::Result<Result<Vec<String>, wit::DataError>> {
        self.untraceable();
        self.with_data(&this, part, false, |data, _| {
            record::field_names(data, &path)
        })
    }

    fn get(
        &mut self,
        this: Resource<Record>,
        part: wit::Part,
        path: Vec<String>,
    ) -> wasmtime::Result<Result<wit::Scalar, wit::DataError>> {
        self.untraceable();
        self.with_data(&this, part, false, |data, _| {
            record::get(data, &path).map(scalar_to_wit)
        })
    }

    fn set(
        &mut self,
        this: Resource<Record>,
        part: wit::Part,
        path: Vec<String>,
        value: wit::Scalar,
    ) -> wasmtime::Result<Result<(), wit::DataError>> {
        self.untraceable();
        self.with_data(&this, part, true, |data, _| {
            record::set(data, &path, scalar_from_wit(value))
        })
    }

    fn reshape(
        &mut self,
        this: Resource<Record>,
        part: wit::Part,
        path: Vec<String>,
        fields: Vec<wit::FieldMapping>,
        apply_defaults: bool,
    ) -> wasmtime::Result<Result<(), wit::DataError>> {
        self.untraceable();
        let fields: Vec<(String, String)> =
            fields.into_iter().map(|f| (f.source, f.target)).collect();
        self.with_data(&this, part, true, |data, _| {
            record::reshape(data, &path, &fields, apply_defaults)
        })
    }

    fn extract(
        &mut self,
        this: Resource<Record>,
        part: wit::Part,
        path: Vec<String>,
        apply_defaults: bool,
    ) -> wasmtime::Result<Result<(), wit::DataError>> {
        self.untraceable();
        self.with_data(&this, part, true, |data, _| {
            record::extract(data, &path, apply_defaults)
        })
    }

    fn hoist(
        &mut self,
        this: Resource<Record>,
        part: wit::Part,
        field: String,
    ) -> wasmtime::Result<Result<(), wit::DataError>> {
        self.untraceable();
        self.with_data(&this, part, true, |data, _| record::hoist(data, &field))
    }

    fn put(
        &mut self,
        this: Resource<Record>,
        part: wit::Part,
        path: Vec<String>,
        schema: Option<wit::SchemaInfo>,
        value: wit::Scalar,
    ) -> wasmtime::Result<Result<(), wit::DataError>> {
        self.untraceable();
        self.put_at(&this, part, &path, schema.as_ref(), scalar_from_wit(value))
    }

    fn rename_schema(
        &mut self,
        this: Resource<Record>,
        part: wit::Part,
        path: Vec<String>,
        name: Option<String>,
        version: Option<i32>,
    ) -> wasmtime::Result<Result<(), wit::DataError>> {
        self.untraceable();
        self.with_data(&this, part, true, |data, _| {
            record::rename_schema(data, &path, name, version)
        })
    }

    fn to_json(
        &mut self,
        this: Resource<Record>,
        part: wit::Part,
    ) -> wasmtime::Result<Result<wit::JsonData, wit::DataError>> {
        self.untraceable();
        self.with_data(&this, part, false, |data, json| {
            Ok(wit::JsonData {
                schema: data.schema.as_deref().map(json::schema_to_json),
                payload: json
                    .payload_to_json(data.schema.as_deref(), &data.value)
                    .map_err(|e| DataError::Invalid(e.into_message()))?,
            })
        })
    }

    fn set_json(
        &mut self,
        this: Resource<Record>,
        part: wit::Part,
        new: wit::JsonData,
    ) -> wasmtime::Result<Result<(), wit::DataError>> {
        self.untraceable();
        let parsed = (|| {
            let json = &self.json;
            let schema = match &new.schema {
                Some(text) => Some(
                    json::schema_from_json(text)
                        .map_err(|e| DataError::Invalid(e.into_message()))?,
                ),
                None => None,
            };
            let value = json
                .payload_from_json(schema.as_ref(), &new.payload)
                .map_err(|e| DataError::Invalid(e.into_message()))?;
            Ok::<_, DataError>(ConnectData { schema, value })
        })();
        let new_data = match parsed {
            Ok(d) => d,
            Err(e) => return Ok(Err(wit_data_error(e))),
        };
        let which = which(part);
        self.record(&this)?.part_mut(which).set_data(new_data);
        Ok(Ok(()))
    }

    fn batch(
        &mut self,
        this: Resource<Record>,
        ops: Vec<wit::Op>,
    ) -> wasmtime::Result<Vec<Result<wit::Answer, wit::DataError>>> {
        let mut answers = Vec::with_capacity(ops.len());
        let ops = ops.into_iter().map(Op::Wit).collect();
        self.guest_batch(&this, ops, false, |a| answers.push(a))?;
        Ok(answers)
    }

    fn batch_packed(&mut self, this: Resource<Record>, ops: Vec<u8>) -> wasmtime::Result<Vec<u8>> {
        let ops = match packed::decode_ops(&ops) {
            Ok(ops) => ops,
            Err(e) => {
                return Ok(packed::encode_answers(&[Err(wit::DataError::Invalid(
                    e.to_string(),
                ))]));
            }
        };
        // Each answer is packed as soon as it is known.
        self.guest_batch(&this, ops, true, |_| {})
    }

    fn drop(&mut self, this: Resource<Record>) -> wasmtime::Result<()> {
        self.table.delete(this)?;
        Ok(())
    }
}

/// A hash of a component's bytes, to tell a changed component file from the one compiled
/// before (not a security boundary: the file is the operator's own). FxHash, not SipHash:
/// every step of a chain hashes its component, and a connector with thousands of steps spent
/// most of its start-up hashing built-in components of a few hundred kilobytes.
fn content_hash(wasm: &[u8]) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut hasher = rustc_hash::FxHasher::default();
    wasm.hash(&mut hasher);
    hasher.finish()
}
