//! `text_files`: its entry in the operator table.

use super::*;
use crate::codegen::hooks::*;
use crate::ir::{Op, Source};
use proc_macro2::TokenStream;
use quote::quote_spanned;

pub static SPEC: OpSpec = op(
    "text_files",
    Kind::Source,
    &[arg("dir", Value)],
    "lines of the new files that appear in a directory (by modification time), exactly once",
    r#"text_files("in") every 1s |> print"#,
    |a| Some(Op::Source(Source::TextFiles(a.expr("dir")?))),
)
.emits(Emit::Source(emit))
.documented(&PAGE);

/// `sources::text_files(dir)`.
fn emit(_: &mut Codegen, op: &Op, cx: &SourceCx) -> TokenStream {
    let SourceCx { span, dp } = cx;
    let span = *span;
    let Op::Source(Source::TextFiles(dir)) = op else { return quote_spanned!(span=> ()) };
    quote_spanned!(span=> #dp::sources::text_files(#dir))
}

/// Its page of the language reference, `dstream::operators::text_files`.
static PAGE: Page = Page {
    spark: "`textFileStream`",
    output: "the lines of the files new in `dir`, as `&str`",
    text: r#"
`text_files(dir)`: the lines of the new files that appear in a directory, one record per
line.

**Spark:** `StreamingContext.textFileStream(directory)`.

# Semantics

* `dir` is any expression of a type that is `Into<PathBuf>`, evaluated once when the job is
  built. Every batch, the source lists the directory (not its sub-directories) and reads
  the files that are new. It needs no receiver thread: the listing happens when the batch
  is cut.
* Every line of a new file is one record of type `&str`, without its `\n` and without a
  `\r` before it; a final line without a terminator counts. A line that is not valid UTF-8
  is dropped, counted (`malformed_not_utf8` in the job's [metrics](crate::metrics)) and
  logged. The files of a batch are read oldest first (by modification time, then name),
  each in order.
* Spark's rules, which users rely on:
  * A file belongs to a batch by its **modification time**, not by when it was created:
    the batch at time `T` reads the new files modified at or before `T`. Setting a file's
    modification time can therefore move it into a later batch.
  * Files should appear **atomically**: write them elsewhere (or under an ignored name),
    then rename them into `dir`. A file that was read is never read again, so appending to
    it or rewriting it later is ignored.
  * Names starting with `.` are ignored, and so are names ending in `.tmp` or `_COPYING_`
    and sub-directories.
  * Files modified more than 60 seconds (Spark's `minRememberDuration`) before the batch are
    ignored, and so are the files that were already there when the job first started
    (Spark's `newFilesOnly`).
* A directory that cannot be listed, or a file that cannot be read, is logged and tried
  again at the next batch.
* **Exactly once across crashes**, with a checkpoint (see
  [Program settings](super#program-settings)): the names of the files read are the
  source's checkpoint position. A restarted job reads none of the files it had read by the
  checkpoint, and a batch that runs again after the crash reads the files it read the first
  time, so no line is lost or read twice. This is the only source for which Spark promises
  it too.

# Example

A job that counts the words of the files dropped into a directory, until Ctrl-C:

```no_run
use dstream::prelude::*;

fn main() -> dstream::Result<()> {
    let job = stream! {
        #![checkpoint("/var/lib/wordcount/checkpoints")]
        text_files("/var/lib/wordcount/incoming")
            |> flat_map(split) |> map(|w| (w, 1))
            |> reduce_by_key(+) every 10s
            |> print
    };
    job.run()
}
```

Under the [`Harness`](crate::testing::Harness), whose clock starts at 0, the example sets
the files' modification times to place them in batches; a real job sees files written now,
at the current batch. The job is then dropped and rebuilt from its checkpoint, and reads
only the file that is new:

```
use dstream::prelude::*;
use dstream::testing::Harness;
use std::path::{Path, PathBuf};
use std::time::{Duration as StdDuration, UNIX_EPOCH};

let root = std::env::temp_dir().join(format!("dstream-doc-files-{}", std::process::id()));
let (input, checkpoints) = (root.join("in"), root.join("checkpoints"));
let _ = std::fs::remove_dir_all(&root);
std::fs::create_dir_all(&input).unwrap();
// Writes a file and sets its modification time to `ms` after the epoch.
let put = |name: &str, text: &str, ms: u64| {
    std::fs::write(input.join(name), text).unwrap();
    let file = std::fs::File::options().write(true).open(input.join(name)).unwrap();
    file.set_modified(UNIX_EPOCH + StdDuration::from_millis(ms)).unwrap();
};
let job = |input: &Path, checkpoints: &Path| {
    let (input, checkpoints): (PathBuf, PathBuf) = (input.into(), checkpoints.into());
    stream! {
        #![checkpoint(checkpoints, 1s)]
        text_files(input) every 1s |> print
    }
};

put("a.txt", "one\ntwo\n", 1500); // modified at 1500 ms: the batch at 2000 ms
put(".a.txt.swp", "hidden\n", 1500); // ignored: a hidden name
put("b.txt", "three\r\nfour", 2500); // the batch at 3000 ms
let out = Harness::new(job(&input, &checkpoints)).run_batches(3).unwrap();
assert!(out[0].printed_records().is_empty());
assert_eq!(out[1].printed_records(), ["one", "two"]);
assert_eq!(out[2].printed_records(), ["three", "four"]);

// The job is gone. A new file arrives, and a file already read is rewritten.
put("c.txt", "five\n", 3500);
put("a.txt", "one\ntwo\nsix\n", 3600);
let out = Harness::new(job(&input, &checkpoints)).step().unwrap();
assert_eq!(out.time, Time::from_millis(4000));
assert_eq!(out.printed_records(), ["five"]); // a.txt is not read again
std::fs::remove_dir_all(&root).unwrap();
```
"#,
};
