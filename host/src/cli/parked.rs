//! `apply --parked FILE`: the parking lot of `apply` is a record JSONL file, the same log that
//! `run` keeps in its parking topic (see `switchyard_pipeline::parking`). The file is read
//! back when `apply` starts, the records the current chain has not tried are unparked before
//! the input, and new entries and releases are appended to it.

use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use switchyard_convert::jsonl::{self, Layout};
use switchyard_convert::record::OutputRecord;
use switchyard_pipeline::parking::{Destination, ParkingLot, UnparkSink};

use super::CliError;

fn io_err(path: &Path, e: std::io::Error) -> CliError {
    CliError::Io {
        path: path.to_path_buf(),
        message: e.to_string(),
    }
}

/// The parking file: the lot read from it, and the file opened for appending.
pub struct ParkedFile {
    /// The lot.
    pub lot: Arc<ParkingLot>,
    /// The file's path.
    pub path: PathBuf,
    file: BufWriter<File>,
    line: Vec<u8>,
}

impl ParkedFile {
    /// Reads the parking log at `path` (a missing file is an empty lot) and opens it for
    /// appending. A line that is not a parking-log record refuses the file: the lot would be
    /// wrong without it.
    pub fn open(path: &Path) -> Result<ParkedFile, CliError> {
        let lot = Arc::new(ParkingLot::new());
        match File::open(path) {
            Ok(file) => {
                for (n, line) in BufReader::new(file).lines().enumerate() {
                    let line = line.map_err(|e| io_err(path, e))?;
                    if line.trim().is_empty() {
                        continue;
                    }
                    let record = jsonl::parse_line(line.trim_end())
                        .map_err(|e| e.to_string())
                        .and_then(|input| lot.apply_log(input.record).map_err(|e| e.to_string()))
                        .map_err(|why| CliError::Io {
                            path: path.to_path_buf(),
                            message: format!("line {} is not a parking-log record: {why}", n + 1),
                        });
                    record?;
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(io_err(path, e)),
        }
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|e| io_err(path, e))?;
        Ok(ParkedFile {
            lot,
            path: path.to_path_buf(),
            file: BufWriter::new(file),
            line: Vec::new(),
        })
    }

    /// Appends one parking-log record.
    pub fn append(&mut self, record: &OutputRecord) -> Result<(), CliError> {
        self.line.clear();
        jsonl::write_line(&mut self.line, &Layout::default(), record);
        self.file
            .write_all(&self.line)
            .map_err(|e| io_err(&self.path, e))
    }

    /// Flushes what was appended.
    pub fn flush(&mut self) -> Result<(), CliError> {
        self.file.flush().map_err(|e| io_err(&self.path, e))
    }
}

/// Where `apply` writes what an unparking produces: outputs to its output, dead letters to
/// `--dlq`, releases to the parking file.
pub struct FileSink<'a> {
    /// The output.
    pub output: &'a mut dyn Write,
    /// The dead-letter file, if any.
    pub dlq: Option<&'a mut dyn Write>,
    /// The parking file.
    pub parked: &'a mut ParkedFile,
    /// A line being written.
    pub line: Vec<u8>,
}

impl UnparkSink for FileSink<'_> {
    fn write(&mut self, destination: Destination, record: OutputRecord) -> Result<(), String> {
        if destination == Destination::Log {
            return self.parked.append(&record).map_err(|e| e.to_string());
        }
        self.line.clear();
        jsonl::write_line(&mut self.line, &Layout::default(), &record);
        let to: &mut dyn Write = match (destination, self.dlq.as_mut()) {
            (Destination::DeadLetter, Some(dlq)) => *dlq,
            // The task gives dead letters only when it has somewhere to write them.
            (Destination::DeadLetter, None) => return Ok(()),
            _ => &mut *self.output,
        };
        to.write_all(&self.line).map_err(|e| e.to_string())
    }

    fn flush(&mut self) -> Result<(), String> {
        self.output.flush().map_err(|e| e.to_string())?;
        if let Some(dlq) = self.dlq.as_mut() {
            dlq.flush().map_err(|e| e.to_string())?;
        }
        self.parked.flush().map_err(|e| e.to_string())
    }
}
