//! `save_as_text_files(prefix, suffix)`: Spark's `saveAsTextFiles` (docs/semantics.md §a.6,
//! E25). Each batch becomes a directory `prefix-<ms>.suffix` of `part-NNNNN` files, one per
//! partition, each record on its own line as `print` shows it, and an empty `_SUCCESS` file
//! that says the batch is complete.
//!
//! The layout (names, order, `_SUCCESS` last) is decided here, once; where the files go is a
//! [`BatchStore`]: a local directory, or an object store bucket for an `s3://bucket/prefix`
//! prefix (feature `s3`, `sink/s3.rs`). Both make a re-run of a batch replace the
//! batch's directory with the same content (idempotent by batch time), and neither lets a
//! reader who sees `_SUCCESS` see half a batch.

use crate::error::{Error, Result};
use crate::job::BatchContext;
use crate::time::Time;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The name of the file that marks a batch's directory complete, written last.
pub const SUCCESS: &str = "_SUCCESS";

/// The scheme of prefixes written to an S3 bucket: `s3://bucket/prefix`.
pub const S3_SCHEME: &str = "s3://";

/// The name of the batch at `time`: `prefix-<ms>.suffix`; an empty suffix drops the
/// `.suffix`, an empty prefix gives `<ms>[.suffix]` (Spark's `rddToFileName`).
pub fn batch_name(prefix: &str, suffix: &str, time: Time) -> String {
    let ms = time.as_millis();
    let mut name = if prefix.is_empty() { ms.to_string() } else { format!("{prefix}-{ms}") };
    if !suffix.is_empty() {
        name.push('.');
        name.push_str(suffix);
    }
    name
}

/// The local directory of the batch at `time` (see [`batch_name`]).
pub fn batch_path(prefix: &str, suffix: &str, time: Time) -> PathBuf {
    PathBuf::from(batch_name(prefix, suffix, time))
}

/// The files of one batch, in the order they are written: `part-00000`, `part-00001`, … one
/// per partition, then the empty `_SUCCESS` marker.
pub fn batch_files(partitions: Vec<String>) -> Vec<(String, String)> {
    let mut files: Vec<(String, String)> =
        partitions.into_iter().enumerate().map(|(i, text)| (format!("part-{i:05}"), text)).collect();
    files.push((SUCCESS.to_owned(), String::new()));
    files
}

/// Where `save_as_text_files` puts a batch's files.
pub trait BatchStore {
    /// Makes the directory `dir` hold exactly `files` (the last one being the `_SUCCESS`
    /// marker), replacing an earlier copy, such that a reader who sees the marker sees every
    /// file of this copy.
    fn replace_dir(&mut self, dir: &str, files: Vec<(String, String)>) -> Result<()>;
}

/// The local file system: the batch's directory is written under a hidden temporary name
/// and renamed into place.
pub struct LocalDir;

impl BatchStore for LocalDir {
    fn replace_dir(&mut self, dir: &str, files: Vec<(String, String)>) -> Result<()> {
        write_batch_files(Path::new(dir), files)
    }
}

/// Appends one record's line to a partition's text, rendered by `render` (generated code
/// passes `Render::render`, so that records that cannot be rendered are reported with the
/// trait's message alone; see `print::Take::push`).
#[inline]
pub fn push_line<T>(text: &mut String, record: &T, render: fn(&T, &mut String)) {
    render(record, text);
    text.push('\n');
}

/// Writes the batch's partitions as `part-00000`, `part-00001`, ... and `_SUCCESS`, to the
/// local directory or, for an `s3://bucket/prefix` prefix, to the bucket. In a cluster the
/// driver writes every part file: the others send it their partitions' text. Called by
/// generated code.
pub fn emit(ctx: &mut BatchContext<'_>, prefix: &str, suffix: &str, partitions: Vec<String>) -> Result<()> {
    let time = ctx.time();
    let exec = ctx.exec();
    let partitions = if exec.in_cluster() {
        let n = partitions.len();
        let filled =
            partitions.into_iter().enumerate().filter(|(_, text)| !text.is_empty()).map(|(i, t)| [(i, t)]);
        let mut parts = vec![String::new(); n];
        for (i, text) in exec.gather(filled.collect()) {
            parts[i].push_str(&text);
        }
        if !exec.is_driver() || exec.batch_failed() {
            return Ok(());
        }
        parts
    } else {
        let mut partitions = partitions;
        // A batch that ran as one partition writes the job's part files, the others empty.
        let shown = exec.shown_partitions(partitions.len());
        if partitions.len() < shown {
            partitions.resize(shown, String::new());
        }
        partitions
    };
    match prefix.strip_prefix(S3_SCHEME) {
        Some(location) => write_to_s3(location, suffix, time, partitions),
        None => LocalDir.replace_dir(&batch_name(prefix, suffix, time), batch_files(partitions)),
    }
}

/// Writes the batch to `bucket/prefix` (the prefix without `s3://`).
#[cfg(feature = "s3")]
fn write_to_s3(location: &str, suffix: &str, time: Time, partitions: Vec<String>) -> Result<()> {
    let (mut store, prefix) = super::s3::S3Bucket::for_location(location, time)?;
    store.replace_dir(&batch_name(&prefix, suffix, time), batch_files(partitions))
}

/// Without the `s3` feature: the error that names it.
#[cfg(not(feature = "s3"))]
fn write_to_s3(location: &str, _suffix: &str, time: Time, _partitions: Vec<String>) -> Result<()> {
    Err(Error::Output {
        operator: "save_as_text_files",
        time,
        message: format!(
            "`s3://{location}` is an S3 location, and writing to S3 needs the cargo feature `s3` \
             of `dstream` (e.g. `dstream = {{ version = \"..\", features = [\"s3\"] }}`)"
        ),
    })
}

/// Checks, when the job starts, that `prefix` names a place this build can write to: an
/// `s3://` prefix needs the feature `s3`, and a bucket name. Called by generated code.
pub fn check_prefix(prefix: &str) -> Result<()> {
    let Some(location) = prefix.strip_prefix(S3_SCHEME) else { return Ok(()) };
    if cfg!(not(feature = "s3")) {
        return Err(Error::Config(format!(
            "save_as_text_files(\"{prefix}\"): writing to S3 needs the cargo feature `s3` of `dstream` \
             (e.g. `dstream = {{ version = \"..\", features = [\"s3\"] }}`)"
        )));
    }
    if location.split('/').next().unwrap_or("").is_empty() {
        return Err(Error::Config(format!(
            "save_as_text_files(\"{prefix}\"): an S3 location is `s3://bucket/prefix`, and this one names no bucket"
        )));
    }
    Ok(())
}

/// Writes `partitions` into the local directory `target`, replacing any earlier copy.
pub fn write_batch(target: &Path, partitions: Vec<String>) -> Result<()> {
    write_batch_files(target, batch_files(partitions))
}

/// Writes `files` into a hidden staging directory beside `target`, then renames it into
/// place, replacing any earlier copy.
fn write_batch_files(target: &Path, files: Vec<(String, String)>) -> Result<()> {
    let file_name = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let parent = target.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    fs::create_dir_all(parent)?;
    let staging = parent.join(format!(".{file_name}.tmp-{}", std::process::id()));
    if staging.exists() {
        fs::remove_dir_all(&staging)?;
    }
    fs::create_dir(&staging)?;
    for (name, text) in &files {
        let mut file = fs::File::create(staging.join(name))?;
        file.write_all(text.as_bytes())?;
        file.sync_all()?;
    }
    if target.exists() {
        // A re-run of the same batch: replace the earlier copy with this one.
        fs::remove_dir_all(target)?;
    }
    fs::rename(&staging, target)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_spark() {
        let t = Time::from_millis(1000);
        assert_eq!(batch_path("out", "txt", t), PathBuf::from("out-1000.txt"));
        assert_eq!(batch_path("out", "", t), PathBuf::from("out-1000"));
        assert_eq!(batch_path("", "", t), PathBuf::from("1000"));
        assert_eq!(batch_path("/tmp/x/counts", "", t), PathBuf::from("/tmp/x/counts-1000"));
    }

    #[test]
    fn the_marker_comes_last() {
        let files = batch_files(vec!["a\n".into(), "b\n".into()]);
        let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["part-00000", "part-00001", "_SUCCESS"]);
        assert_eq!(files[2].1, "");
    }

    #[test]
    fn s3_prefixes_are_checked_at_start() {
        assert!(check_prefix("out/counts").is_ok());
        let err = check_prefix("s3:///counts").unwrap_err().to_string();
        if cfg!(feature = "s3") {
            assert!(err.contains("names no bucket"), "{err}");
            assert!(check_prefix("s3://dstream/counts").is_ok());
        } else {
            assert!(err.contains("cargo feature `s3`"), "{err}");
        }
    }

    #[test]
    fn writes_parts_and_replaces_on_rerun() {
        let dir = std::env::temp_dir().join(format!("dstream-text-files-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        let target = dir.join("out-1000.txt");
        write_batch(&target, vec!["a\n".into(), "b\nc\n".into()]).unwrap();
        assert_eq!(fs::read_to_string(target.join("part-00000")).unwrap(), "a\n");
        assert_eq!(fs::read_to_string(target.join("part-00001")).unwrap(), "b\nc\n");
        assert!(target.join(SUCCESS).exists());
        write_batch(&target, vec!["z\n".into()]).unwrap();
        assert_eq!(fs::read_to_string(target.join("part-00000")).unwrap(), "z\n");
        assert!(!target.join("part-00001").exists());
        let leftovers: Vec<_> = fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(leftovers, vec![std::ffi::OsString::from("out-1000.txt")]);
        fs::remove_dir_all(&dir).unwrap();
    }
}
