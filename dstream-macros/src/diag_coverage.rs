//! Every diagnostic the compiler emits has a UI test: each message written at a call of
//! `diag.error`, `diag.warn`, `input.error` or `syn::Error::new` in this crate (and each
//! message built before such a call, listed in [`INDIRECT`]) must appear, in its longest
//! fixed part, in some `.stderr` under `ui-tests/tests/ui`.

use std::path::{Path, PathBuf};

/// Messages built into a variable before the call that reports them: their longest fixed
/// part, and where they are built.
const INDIRECT: &[(&str, &str)] = &[
    ("did you mean `", "check.rs unknown_operator, graph.rs closest_stream"),
    ("; the operators are: ", "check.rs unknown_operator"),
    ("is defined before this point: define it first with `let ", "graph.rs undefined stream"),
    ("needs a unit: write `", "check.rs duration_millis"),
    ("unknown duration unit `", "check.rs duration_millis"),
    ("is not a whole number of milliseconds", "check.rs duration_millis"),
    ("as Spark requires: ", "slides.rs window_multiple"),
];

/// Messages no program can reach, with why: the test skips them.
const UNREACHABLE: &[(&str, &str)] = &[
    (
        "could not read its arguments",
        "check.rs: a node's arguments are built only after `arity` and `argument_kinds` passed",
    ),
    ("expected a duration such as `1s`", "parse.rs: `every` replaces it with its own message"),
];

/// The calls whose arguments are a diagnostic's message.
const CALLS: &[&str] = &["diag.error(", "diag.warn(", "input.error(", "syn::Error::new("];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Every file under `dir` whose name ends in `ext`, recursively, with its text.
fn files(dir: &Path, ext: &str) -> Vec<(PathBuf, String)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(files(&path, ext));
        } else if path.to_string_lossy().ends_with(ext) {
            out.push((path.clone(), std::fs::read_to_string(&path).unwrap_or_default()));
        }
    }
    out
}

/// The text between the `(` that ends `text[..start]` and its matching `)`.
fn call_arguments(text: &str, start: usize) -> &str {
    let mut depth = 1;
    for (i, c) in text[start..].char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            _ => {}
        }
        if depth == 0 {
            return &text[start..start + i];
        }
    }
    &text[start..]
}

/// The string literals in `code` (plain `"..."` ones), unescaped.
fn literals(code: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = code.chars();
    while let Some(c) = chars.next() {
        if c != '"' {
            continue;
        }
        let mut literal = String::new();
        while let Some(c) = chars.next() {
            match c {
                '\\' => match chars.next() {
                    Some('n') => literal.push('\n'),
                    Some(other) => literal.push(other),
                    None => {}
                },
                '"' => break,
                c => literal.push(c),
            }
        }
        out.push(literal);
    }
    out
}

/// The longest part of a `format!` string without placeholders or line breaks.
fn fixed_part(message: &str) -> String {
    let mut parts = vec![String::new()];
    let mut current = String::new();
    let mut chars = message.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' | '}' if chars.peek() == Some(&c) => {
                chars.next();
                current.push(c);
            }
            '{' => {
                for c in chars.by_ref() {
                    if c == '}' {
                        break;
                    }
                }
                parts.push(std::mem::take(&mut current));
            }
            '\n' => parts.push(std::mem::take(&mut current)),
            c => current.push(c),
        }
    }
    parts.push(current);
    parts.into_iter().max_by_key(|p| p.len()).unwrap_or_default()
}

#[test]
fn every_diagnostic_has_a_ui_test() {
    let stderr: String =
        files(&root().join("ui-tests/tests/ui"), ".stderr").into_iter().map(|(_, t)| t).collect();
    let mut messages: Vec<(String, String)> =
        INDIRECT.iter().map(|(part, at)| (part.to_string(), at.to_string())).collect();
    for (path, text) in files(&root().join("dstream-macros/src"), ".rs") {
        if path.ends_with("diag_coverage.rs") {
            continue;
        }
        // Test modules report nothing.
        let code = text.split("#[cfg(test)]").next().unwrap_or_default();
        for call in CALLS {
            for (at, _) in code.match_indices(call) {
                let line = code[..at].lines().count();
                for literal in literals(call_arguments(code, at + call.len())) {
                    let part = fixed_part(&literal);
                    if part.trim().len() >= 8 {
                        let name =
                            path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
                        messages.push((part, format!("{name}:{line}")));
                    }
                }
            }
        }
    }
    assert!(messages.len() > 30, "found only {} messages: is the scan broken?", messages.len());
    let untested: Vec<String> = messages
        .iter()
        .filter(|(part, _)| !stderr.contains(part.as_str()))
        .filter(|(part, _)| !UNREACHABLE.iter().any(|(unreachable, _)| part.contains(unreachable)))
        .map(|(part, at)| format!("{at}: {part:?}"))
        .collect();
    assert!(
        untested.is_empty(),
        "diagnostics without a UI test (ui-tests/tests/ui/**/*.stderr):\n{}",
        untested.join("\n")
    );
}

/// Paths of the generated code's runtime that a user never wrote: `__private` and its
/// re-export `generated` (both hidden), the runtime crate under its own name, and the hidden
/// modules of the outputs that generated code calls.
const INTERNAL_PATHS: &[&str] =
    &["__private", "generated::", "dstream_core::", "sink::print::", "sink::text_files::", "sink::foreach::"];

/// With the `cluster` feature (`ui-tests/cluster`), also the executor and every output
/// module: no error about records that cross between processes names the runtime that moves
/// them, not even a public output module (`dstream::sink::..`).
const CLUSTER_INTERNAL_PATHS: &[&str] = &["exec::", "sink::", "exec/", "Executor"];

/// The internal paths rustc still prints, each a `.stderr` file and the text of its line, with
/// why it cannot be helped. Any other line that names an internal
/// path fails the test, and so does an entry here that no longer matches (it is then to be
/// removed).
/// None is left: the list stays so that an exception, if one is ever needed, comes with its
/// reason.
const ACCEPTED: &[(&str, &str, &str)] = &[];

/// Every error and warning a user sees names the user's words (their tokens, their types, the
/// traits of `dstream::requirements`), never a path into the generated code's runtime: no
/// `.stderr` of the UI tests contains one.
#[test]
fn no_diagnostic_names_an_internal_path() {
    let mut stderr = files(&root().join("ui-tests/tests/ui"), ".stderr");
    stderr.extend(files(&root().join("ui-tests/tests/ui_features"), ".stderr"));
    let cluster = files(&root().join("ui-tests/cluster/tests/ui_cluster"), ".stderr");
    assert!(stderr.len() > 10, "the UI tests' .stderr files are where they were: {}", stderr.len());
    assert!(cluster.len() >= 5, "the cluster UI tests' .stderr files are where they were: {}", cluster.len());
    let first_cluster = stderr.len();
    stderr.extend(cluster);
    let mut found = Vec::new();
    let mut accepted_seen = vec![false; ACCEPTED.len()];
    for (i, (path, text)) in stderr.iter().enumerate() {
        let internal = |line: &str| {
            INTERNAL_PATHS.iter().any(|p| line.contains(p))
                || (i >= first_cluster && CLUSTER_INTERNAL_PATHS.iter().any(|p| line.contains(p)))
        };
        for (n, line) in text.lines().enumerate() {
            if !internal(line) {
                continue;
            }
            let accepted = ACCEPTED.iter().position(|(file, part, _)| {
                path.to_string_lossy().replace('\\', "/").ends_with(file) && line.contains(part)
            });
            match accepted {
                Some(i) => accepted_seen[i] = true,
                None => found.push(format!("{}:{}: {line}", path.display(), n + 1)),
            }
        }
    }
    assert!(found.is_empty(), "diagnostics that name an internal path:\n{}", found.join("\n"));
    let stale: Vec<_> =
        ACCEPTED.iter().zip(&accepted_seen).filter(|(_, seen)| !**seen).map(|(a, _)| a.0).collect();
    assert!(stale.is_empty(), "accepted internal paths no longer printed (remove them): {stale:?}");
}
