//! `<relay_log>.index`: the relay files in order, one `./name` per line as mysqld writes it.

use std::path::{Path, PathBuf};

use super::{io_err, RelayError};

/// The index file and its entries.
pub struct RelayIndex {
    /// Path of the index file.
    path: PathBuf,
    /// File name prefix.
    base: String,
    /// File names (no directory), oldest first.
    files: Vec<String>,
}

impl RelayIndex {
    /// Reads `<dir>/<base>.index` (absent means empty).
    pub fn open(dir: &Path, base: &str) -> Result<RelayIndex, RelayError> {
        let path = dir.join(format!("{base}.index"));
        let files = match std::fs::read_to_string(&path) {
            Ok(text) => text
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(|l| {
                    Path::new(l)
                        .file_name()
                        .map(|f| f.to_string_lossy().into_owned())
                        .unwrap_or_default()
                })
                .collect(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => return Err(io_err("read", &path)(e)),
        };
        Ok(RelayIndex {
            path,
            base: base.to_string(),
            files,
        })
    }

    /// Reads the index of `base` in `dir` without creating anything (for `relaylog list`).
    pub fn read(dir: &Path, base: &str) -> Result<RelayIndex, RelayError> {
        Self::open(dir, base)
    }

    /// Files in order.
    pub fn files(&self) -> &[String] {
        &self.files
    }

    /// The name the next file gets: one past the highest sequence number in the index.
    pub fn next_name(&self) -> String {
        let last = self
            .files
            .iter()
            .filter_map(|f| f.rsplit('.').next()?.parse::<u64>().ok())
            .max()
            .unwrap_or(0);
        format!("{}.{:06}", self.base, last + 1)
    }

    /// Adds a file and rewrites the index atomically (write, fsync, rename).
    pub fn append(&mut self, dir: &Path, name: &str) -> Result<(), RelayError> {
        self.files.push(name.to_string());
        self.store(dir)
    }

    /// Removes the files listed before `name` from the index (rewritten atomically) and
    /// returns them; nothing when `name` is not listed or is the first.
    pub fn remove_before(&mut self, dir: &Path, name: &str) -> Result<Vec<String>, RelayError> {
        let Some(i) = self.files.iter().position(|f| f == name) else {
            return Ok(Vec::new());
        };
        let gone: Vec<String> = self.files.drain(..i).collect();
        if !gone.is_empty() {
            self.store(dir)?;
        }
        Ok(gone)
    }

    /// Keeps the files up to `name` (included) and drops the later ones from the index
    /// (rewritten atomically); `name` not listed (or "") empties it.
    pub fn keep_upto(&mut self, dir: &Path, name: &str) -> Result<(), RelayError> {
        let n = self
            .files
            .iter()
            .position(|f| f == name)
            .map_or(0, |i| i + 1);
        self.files.truncate(n);
        self.store(dir)
    }

    fn store(&self, dir: &Path) -> Result<(), RelayError> {
        let mut text = String::new();
        for f in &self.files {
            text.push_str("./");
            text.push_str(f);
            text.push('\n');
        }
        super::checkpoint::write_atomic(dir, &self.path, text.as_bytes())
    }

    /// Sum of the sizes of the files that exist.
    pub fn total_size(&self, dir: &Path) -> u64 {
        self.files
            .iter()
            .filter_map(|f| std::fs::metadata(dir.join(f)).ok())
            .map(|m| m.len())
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_persistence() {
        let dir = tempfile::tempdir().unwrap();
        let mut idx = RelayIndex::open(dir.path(), "relay-bin").unwrap();
        assert_eq!(idx.next_name(), "relay-bin.000001");
        idx.append(dir.path(), "relay-bin.000001").unwrap();
        idx.append(dir.path(), "relay-bin.000002").unwrap();
        let again = RelayIndex::open(dir.path(), "relay-bin").unwrap();
        assert_eq!(again.files(), ["relay-bin.000001", "relay-bin.000002"]);
        assert_eq!(again.next_name(), "relay-bin.000003");
        let text = std::fs::read_to_string(dir.path().join("relay-bin.index")).unwrap();
        assert_eq!(text, "./relay-bin.000001\n./relay-bin.000002\n");
    }
}
