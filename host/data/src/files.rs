//! Reading the files a user names (a pipeline, a component, a worker file, a lookup table, a
//! schema) with bounds: a path that is a FIFO, a device (`/dev/zero`), a directory or a symlink
//! to one is refused before it is opened, and a file larger than its limit is refused instead
//! of read into memory. Record input (`apply --input`) is a stream, read line by line with
//! [`read_line`] under a bound on each line.

use std::fs::File;
use std::io::{BufRead, Read};
use std::os::unix::fs::FileTypeExt as _;
use std::path::Path;

/// The most a configuration file (pipeline, connector JSON, worker file, schema) may hold.
pub const CONFIG_LIMIT: u64 = 16 << 20;

/// The most a WebAssembly component file may hold (a Python guest carries CPython: 18 MB).
pub const COMPONENT_LIMIT: u64 = 256 << 20;

/// The most a lookup table file may hold.
pub const TABLE_LIMIT: u64 = 1 << 30;

/// The longest line of record input: no Kafka record comes near it.
pub const LINE_LIMIT: usize = 64 << 20;

/// Why a file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    /// Opening or reading failed.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// The path is not a regular file.
    #[error("not a regular file (a {0})")]
    NotAFile(&'static str),
    /// The file is larger than its limit.
    #[error("larger than {limit} bytes")]
    TooLarge {
        /// The limit.
        limit: u64,
    },
    /// The file is not UTF-8 text.
    #[error("not UTF-8 text (from byte {0})")]
    NotText(usize),
}

/// The bytes of the regular file at `path` (symlinks followed), at most `limit` of them.
pub fn read(path: &Path, limit: u64) -> Result<Vec<u8>, FileError> {
    let metadata = std::fs::metadata(path)?;
    if !metadata.is_file() {
        let kind = metadata.file_type();
        let name = if kind.is_dir() {
            "directory"
        } else if kind.is_fifo() {
            "named pipe"
        } else if kind.is_char_device() || kind.is_block_device() {
            "device"
        } else {
            "socket or other special file"
        };
        return Err(FileError::NotAFile(name));
    }
    if metadata.len() > limit {
        return Err(FileError::TooLarge { limit });
    }
    let mut bytes = Vec::with_capacity(metadata.len() as usize);
    // The file may have grown since: never read past the limit.
    File::open(path)?.take(limit + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(FileError::TooLarge { limit });
    }
    Ok(bytes)
}

/// [`read`] as UTF-8 text.
pub fn read_text(path: &Path, limit: u64) -> Result<String, FileError> {
    String::from_utf8(read(path, limit)?)
        .map_err(|e| FileError::NotText(e.utf8_error().valid_up_to()))
}

/// What [`read_line`] read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Line {
    /// The end of the input: nothing was read.
    End,
    /// A line (with its newline, if it had one) is in the buffer.
    Read,
    /// A line longer than the limit was read and dropped (its first `limit` bytes are in the
    /// buffer); `len` is its length.
    TooLong {
        /// Its length in bytes.
        len: usize,
    },
}

/// Reads one line into `buf` (cleared first), keeping at most `limit` bytes of it in memory:
/// the rest of a longer line is read and dropped up to its newline.
pub fn read_line(
    reader: &mut impl BufRead,
    buf: &mut Vec<u8>,
    limit: usize,
) -> std::io::Result<Line> {
    buf.clear();
    let mut len = 0usize;
    loop {
        let available = match reader.fill_buf() {
            Ok(available) => available,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if available.is_empty() {
            break;
        }
        let (chunk, done) = match available.iter().position(|&b| b == b'\n') {
            Some(i) => (&available[..=i], true),
            None => (available, false),
        };
        let room = limit.saturating_sub(buf.len());
        buf.extend_from_slice(&chunk[..chunk.len().min(room)]);
        len += chunk.len();
        let used = chunk.len();
        reader.consume(used);
        if done {
            break;
        }
    }
    Ok(match len {
        0 => Line::End,
        len if len > limit => Line::TooLong { len },
        _ => Line::Read,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn special_files_and_large_files_are_refused() {
        assert!(matches!(
            read(Path::new("/dev/zero"), 10),
            Err(FileError::NotAFile("device"))
        ));
        assert!(matches!(
            read(Path::new("/"), 10),
            Err(FileError::NotAFile("directory"))
        ));
        let dir = std::env::temp_dir().join(format!("switchyard-files-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("f");
        std::fs::write(&file, b"0123456789").unwrap();
        assert_eq!(read(&file, 10).unwrap(), b"0123456789");
        assert!(matches!(
            read(&file, 9),
            Err(FileError::TooLarge { limit: 9 })
        ));
        let link = dir.join("zero");
        let _ = std::fs::remove_file(&link);
        std::os::unix::fs::symlink("/dev/zero", &link).unwrap();
        assert!(matches!(
            read(&link, 10),
            Err(FileError::NotAFile("device"))
        ));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn lines_are_bounded() {
        let mut input = std::io::BufReader::with_capacity(4, &b"ab\nabcdefgh\nxyz"[..]);
        let mut buf = Vec::new();
        assert_eq!(read_line(&mut input, &mut buf, 5).unwrap(), Line::Read);
        assert_eq!(buf, b"ab\n");
        assert_eq!(
            read_line(&mut input, &mut buf, 5).unwrap(),
            Line::TooLong { len: 9 }
        );
        assert_eq!(buf, b"abcde");
        assert_eq!(read_line(&mut input, &mut buf, 5).unwrap(), Line::Read);
        assert_eq!(buf, b"xyz");
        assert_eq!(read_line(&mut input, &mut buf, 5).unwrap(), Line::End);
    }
}
