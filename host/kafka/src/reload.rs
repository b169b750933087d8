//! Hot reload for `switchyard run`: when a component file of the pipeline changes on disk, or
//! the process receives SIGHUP, the chain is rebuilt from the component files between two
//! records. Records already handed to the producer are unaffected, and the next record goes
//! through the new chain, so nothing is lost or processed twice. A chain that fails to build
//! (a truncated file, a component that no longer loads or configures) leaves the running chain
//! in place, and the reason is logged.
//!
//! The pipeline file itself is not re-read: converters, error handling and the subscription
//! are fixed for the life of the process (restart to change them).

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime};

use switchyard_pipeline::config::{ComponentRef, Pipeline};

/// How often component files are checked for changes.
pub const CHECK_INTERVAL: Duration = Duration::from_secs(1);

/// A component file as last seen: its modification time and length.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Seen {
    path: PathBuf,
    modified: Option<SystemTime>,
    len: Option<u64>,
}

impl Seen {
    fn look(path: PathBuf) -> Seen {
        let metadata = std::fs::metadata(&path).ok();
        Seen {
            modified: metadata.as_ref().and_then(|m| m.modified().ok()),
            len: metadata.map(|m| m.len()),
            path,
        }
    }
}

/// Why a reload is due.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Trigger {
    /// The process received SIGHUP.
    Signal,
    /// These component files changed.
    Changed(Vec<PathBuf>),
}

impl std::fmt::Display for Trigger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Trigger::Signal => f.write_str("on SIGHUP"),
            Trigger::Changed(paths) => {
                f.write_str("after a change of ")?;
                for (i, p) in paths.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{}", p.display())?;
                }
                Ok(())
            }
        }
    }
}

/// Watches a pipeline's component files and a SIGHUP flag.
#[derive(Debug)]
pub struct Watcher {
    files: Vec<Seen>,
    signal: Arc<AtomicBool>,
    interval: Duration,
    last_check: Instant,
}

impl Watcher {
    /// Watches the component files `pipeline` loads (built-ins never change) and `signal`,
    /// which a SIGHUP handler sets.
    pub fn new(pipeline: &Pipeline, signal: Arc<AtomicBool>) -> Watcher {
        let base = pipeline.folder();
        let mut files: Vec<Seen> = Vec::new();
        for step in pipeline.transforms.iter().chain(&pipeline.predicates) {
            if let ComponentRef::File(path) = &step.component {
                let full = base.join(path);
                if !files.iter().any(|s| s.path == full) {
                    files.push(Seen::look(full));
                }
            }
        }
        Watcher {
            files,
            signal,
            interval: CHECK_INTERVAL,
            last_check: Instant::now(),
        }
    }

    /// Checks files at most every `interval` instead of [`CHECK_INTERVAL`].
    #[cfg(test)]
    pub fn with_interval(mut self, interval: Duration) -> Watcher {
        self.interval = interval;
        self
    }

    /// Whether a reload is due, and why. Cheap enough to call before every record: the files
    /// are looked at once per interval. A change is reported once; a file that is still being
    /// written is reported again when its size or time changes again.
    pub fn due(&mut self) -> Option<Trigger> {
        if self.signal.swap(false, Ordering::Relaxed) {
            self.refresh();
            return Some(Trigger::Signal);
        }
        if self.files.is_empty() || self.last_check.elapsed() < self.interval {
            return None;
        }
        self.last_check = Instant::now();
        let mut changed = Vec::new();
        for seen in &mut self.files {
            let now = Seen::look(seen.path.clone());
            if now != *seen {
                changed.push(now.path.clone());
                *seen = now;
            }
        }
        (!changed.is_empty()).then_some(Trigger::Changed(changed))
    }

    fn refresh(&mut self) {
        for seen in &mut self.files {
            *seen = Seen::look(seen.path.clone());
        }
        self.last_check = Instant::now();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use switchyard_pipeline::config::StepSpec;

    fn pipeline(dir: &std::path::Path) -> Pipeline {
        let step = |alias: &str, component: ComponentRef| StepSpec {
            alias: alias.into(),
            component,
            config: Vec::new(),
            predicate: None,
            negate: false,
        };
        Pipeline {
            name: "p".into(),
            file: dir.join("pipeline.toml"),
            key_converter: switchyard_pipeline::config::ConverterSpec::json(),
            value_converter: switchyard_pipeline::config::ConverterSpec::json(),
            transforms: vec![
                step("a", ComponentRef::File("a.wasm".into())),
                step(
                    "b",
                    ComponentRef::Class("org.apache.kafka.connect.transforms.RegexRouter".into()),
                ),
                step("c", ComponentRef::File("a.wasm".into())),
            ],
            predicates: Vec::new(),
            errors: Default::default(),
            limits: Default::default(),
            lookups: Vec::new(),
            source: Default::default(),
        }
    }

    #[test]
    fn a_changed_file_and_a_signal_are_reported_once() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.wasm"), b"one").unwrap();
        let signal = Arc::new(AtomicBool::new(false));
        let mut watcher =
            Watcher::new(&pipeline(dir.path()), Arc::clone(&signal)).with_interval(Duration::ZERO);
        assert_eq!(
            watcher.files.len(),
            1,
            "built-ins and repeats are not watched"
        );
        assert_eq!(watcher.due(), None);

        std::fs::write(dir.path().join("a.wasm"), b"two, longer").unwrap();
        assert_eq!(
            watcher.due(),
            Some(Trigger::Changed(vec![dir.path().join("a.wasm")]))
        );
        assert_eq!(watcher.due(), None, "a change is reported once");

        std::fs::remove_file(dir.path().join("a.wasm")).unwrap();
        assert!(
            matches!(watcher.due(), Some(Trigger::Changed(_))),
            "a removed file is a change (its reload fails and keeps the running chain)"
        );

        signal.store(true, Ordering::Relaxed);
        assert_eq!(watcher.due(), Some(Trigger::Signal));
        assert_eq!(watcher.due(), None);
    }
}
