//! `save_as_text_files(prefix, suffix)`: Spark's `saveAsTextFiles` (docs/semantics.md §a.6,
//! E25). Each batch becomes a directory `prefix-<ms>.suffix` of `part-NNNNN` files, one per
//! partition, each record on its own line as `print` shows it.
//!
//! A batch's directory is written under a hidden temporary name and renamed into place, so a
//! reader never sees half a batch; writing the same batch again replaces it with the same
//! content (idempotent by batch time).

use crate::error::Result;
use crate::job::BatchContext;
use crate::render::Render;
use crate::time::Time;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The directory of the batch at `time`: `prefix-<ms>.suffix`; an empty suffix drops the
/// `.suffix`, an empty prefix gives `<ms>[.suffix]` (Spark's `rddToFileName`).
pub fn batch_path(prefix: &str, suffix: &str, time: Time) -> PathBuf {
    let ms = time.as_millis();
    let mut name = if prefix.is_empty() { ms.to_string() } else { format!("{prefix}-{ms}") };
    if !suffix.is_empty() {
        name.push('.');
        name.push_str(suffix);
    }
    PathBuf::from(name)
}

/// Appends one record's line to a partition's text.
#[inline]
pub fn push_line<T: Render>(text: &mut String, record: &T) {
    record.render(text);
    text.push('\n');
}

/// Writes the batch's partitions as `part-00000`, `part-00001`, ... atomically.
/// In a cluster the driver writes every part file: the others send it their partitions' text.
pub fn emit(ctx: &mut BatchContext<'_>, prefix: &str, suffix: &str, partitions: Vec<String>) -> Result<()> {
    let exec = ctx.exec();
    if exec.in_cluster() {
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
        return write_batch(&batch_path(prefix, suffix, ctx.time()), parts);
    }
    write_batch(&batch_path(prefix, suffix, ctx.time()), partitions)
}

/// Writes `partitions` into the directory `target`, replacing any earlier copy.
pub fn write_batch(target: &Path, partitions: Vec<String>) -> Result<()> {
    let file_name = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let parent = target.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    fs::create_dir_all(parent)?;
    let staging = parent.join(format!(".{file_name}.tmp-{}", std::process::id()));
    if staging.exists() {
        fs::remove_dir_all(&staging)?;
    }
    fs::create_dir(&staging)?;
    for (i, text) in partitions.iter().enumerate() {
        let mut file = fs::File::create(staging.join(format!("part-{i:05}")))?;
        file.write_all(text.as_bytes())?;
        file.sync_all()?;
    }
    fs::File::create(staging.join("_SUCCESS"))?;
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
    fn writes_parts_and_replaces_on_rerun() {
        let dir = std::env::temp_dir().join(format!("dstream-text-files-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        let target = dir.join("out-1000.txt");
        write_batch(&target, vec!["a\n".into(), "b\nc\n".into()]).unwrap();
        assert_eq!(fs::read_to_string(target.join("part-00000")).unwrap(), "a\n");
        assert_eq!(fs::read_to_string(target.join("part-00001")).unwrap(), "b\nc\n");
        write_batch(&target, vec!["z\n".into()]).unwrap();
        assert_eq!(fs::read_to_string(target.join("part-00000")).unwrap(), "z\n");
        assert!(!target.join("part-00001").exists());
        let leftovers: Vec<_> = fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(leftovers, vec![std::ffi::OsString::from("out-1000.txt")]);
        fs::remove_dir_all(&dir).unwrap();
    }
}
