//! `save_as_text_files`: its entry in the operator table.

use super::*;
use crate::codegen::hooks::*;
use crate::ir::{Op, Value};
use proc_macro2::TokenStream;
use quote::quote_spanned;

pub static SPEC: OpSpec = op(
    "save_as_text_files",
    Kind::Output,
    &[arg("prefix", Value), optional("suffix", Value)],
    "writes each batch to the directory `prefix-<ms>.suffix`, one `part-NNNNN` file per partition",
    r#"queue(vec![vec![1, 2]]) every 1s |> save_as_text_files("out/counts", "txt")"#,
    |a| Some(Op::own(Args { prefix: a.expr("prefix")?, suffix: a.opt_expr("suffix") })),
)
.emits(Emit::StageEnd(emit))
.documented(&PAGE);

/// Its arguments.
#[derive(Debug)]
struct Args {
    /// The start of each batch's directory name.
    prefix: Value,
    /// Its end, after a `.`.
    suffix: Option<Value>,
}

/// Each partition's records as lines of text, then written as the batch's directory.
fn emit(cg: &mut Codegen, op: &Op, cx: &EndCx) -> EndCode {
    let Some(Args { prefix, suffix }) = op.own_args::<Args>() else { return cx.collect(TokenStream::new()) };
    let EndCx { span, dp, sink, ctx, last, out, .. } = cx;
    let span = *span;
    let prefix = cg.string_arg(prefix);
    // An `s3://` prefix without the `s3` feature stops the job before its sources.
    let checked = cg.var("prefix");
    cg.hoist(quote_spanned!(span=> let #checked = ::core::clone::Clone::clone(&#prefix);));
    cg.check_at_start(quote_spanned!(span=> #dp::text_files::check_prefix(&#checked)?;));
    let suffix = match suffix {
        Some(expr) => cg.string_arg(expr),
        None => quote_spanned!(span=> ""),
    };
    EndCode {
        init: quote_spanned!(span=> let mut #sink = ::std::string::String::new();),
        consume: quote_spanned!(span=> #dp::text_files::push_line(&mut #sink, &#last, <_ as #dp::Render>::render);),
        finish: quote_spanned!(span=> #sink),
        after: quote_spanned!(span=> #dp::text_files::emit(#ctx, &#prefix, &#suffix, #out)?;),
        breaks_early: false,
    }
}

/// Its page of the language reference, `dstream::operators::save_as_text_files`.
static PAGE: Page = Page {
    spark: "`saveAsTextFiles`",
    output: "writes the directory `prefix-<ms>[.suffix]`",
    text: r#"
`save_as_text_files(prefix, [suffix])`: writes each batch to the directory
`prefix-<ms>.suffix`, one `part-NNNNN` file per partition; to an S3 bucket for a
prefix `s3://bucket/prefix` (feature `s3`).

**Spark:** `DStream.saveAsTextFiles(prefix, suffix)`.

# Semantics

An output operation: it ends a pipeline.

* `prefix` and `suffix` are `&str` or `String` expressions, evaluated once when the
  job is built. The batch at time `T` is written to the directory named as Spark's
  `rddToFileName` does: `prefix-<T in ms>.suffix`; without a suffix (or with `""`),
  `prefix-<T in ms>`; with an empty prefix, `<T in ms>[.suffix]`. A prefix with
  slashes puts the directories under that path, which is created if needed.
* The directory holds one file `part-00000`, `part-00001`, ... per partition of the
  stream, each with one record per line rendered as [`print`](mod@super::print)
  shows it, and an empty `_SUCCESS` marker. **Every batch writes a directory**: an
  empty batch gives empty `part-` files, as in Spark.
* The directory is written under a hidden temporary name and renamed into place, so a
  reader never sees half a batch; writing the same batch again replaces it.
* A write error (disk full, no permission) fails the batch: [`Job::run`](crate::Job::run)
  returns the error.

# S3 and S3-compatible object stores

With the cargo feature **`s3`**, a prefix `s3://bucket/path/prefix` writes the same
layout as objects: `path/prefix-<ms>.suffix/part-NNNNN` and `…/_SUCCESS` in `bucket`,
through the [`object_store`](https://docs.rs/object_store) crate. Without the
feature, such a prefix stops the job when it starts, before its sources, with an error
that names the feature.

* The client is configured by the standard AWS environment variables:
  `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` (and `AWS_SESSION_TOKEN`), `AWS_REGION`,
  and `AWS_ENDPOINT_URL` for a server other than AWS (MinIO, Garage, s3s-fs, …). An
  `http://` endpoint is allowed as written; `AWS_ALLOW_HTTP=true` allows plain HTTP
  elsewhere. Requests are path-style (`endpoint/bucket/key`) unless
  `AWS_VIRTUAL_HOSTED_STYLE_REQUEST=true`. The bucket must exist.
* A bucket has no atomic rename, but each PUT replaces one object atomically, so a
  batch is written in an order that keeps `_SUCCESS` honest: the batch's old
  `_SUCCESS` is deleted, every part is put, parts left by an earlier copy with more
  partitions are deleted, and `_SUCCESS` is put last. A reader who sees `_SUCCESS` sees
  a complete batch; a batch that runs again after a crash ends with the same objects.
* Each request is tried up to 5 times with a doubling backoff (0.2 s to 5 s), every
  failure logged as a warning; a request the server refuses (a wrong key or secret,
  no such bucket) is not retried. The error that stops the job names the request and
  the object, e.g. `PUT s3://bucket/path/prefix-1000.txt/part-00000 failed after 5
  tries: …`.

```no_run
# #[cfg(feature = "s3")] {
use dstream::prelude::*;

// AWS_ENDPOINT_URL=http://127.0.0.1:9000 AWS_REGION=us-east-1
// AWS_ACCESS_KEY_ID=… AWS_SECRET_ACCESS_KEY=… in the environment.
let job = stream! {
    socket("localhost", 9999) |> flat_map(split) |> map(|w| (w, 1)) |> reduce_by_key(+)
        every 10s |> save_as_text_files("s3://dstream/wordcount/counts", "txt")
};
job.run().unwrap();
# }
```

# Example

```
use dstream::prelude::*;
use dstream::testing::Harness;

let dir = std::env::temp_dir().join(format!("dstream-doc-save-{}", std::process::id()));
let prefix = dir.join("counts").to_string_lossy().into_owned();
let job = stream! {
    queue(vec![vec!["a b a"]]) |> flat_map(split) |> map(|w| (w, 1))
        |> reduce_by_key(+, 1) every 1s |> save_as_text_files(prefix, "txt")
};
Harness::new(job).run_batches(2).unwrap();
let first = dir.join("counts-1000.txt");
let mut lines: Vec<String> = std::fs::read_to_string(first.join("part-00000"))
    .unwrap()
    .lines()
    .map(str::to_owned)
    .collect();
lines.sort();
assert_eq!(lines, ["(a,2)", "(b,1)"]);
assert!(first.join("_SUCCESS").exists());
// The second batch is empty: its directory holds an empty part file.
let second = dir.join("counts-2000.txt");
assert_eq!(std::fs::read_to_string(second.join("part-00000")).unwrap(), "");
std::fs::remove_dir_all(&dir).unwrap();
```
"#,
};
