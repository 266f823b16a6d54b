//! Lists the operators: every file `src/ops/defs/<name>.rs` (but `mod.rs`) is the module of the
//! operator `<name>`, so adding an operator is adding its file. Writes the module declarations
//! and the table, `OPERATORS` (by name), to `$OUT_DIR/operators.rs`, which `defs/mod.rs`
//! includes.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    println!("cargo:rerun-if-changed=src/ops/defs");
    let manifest = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let dir = Path::new(&manifest).join("src/ops/defs");
    let mut operators: Vec<(String, String)> = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap_or_else(|e| panic!("{}: {e}", dir.display())).path();
        let Some(name) = path.file_stem().and_then(|s| s.to_str()) else { continue };
        if path.extension().is_none_or(|e| e != "rs") || name == "mod" {
            continue;
        }
        let valid = name.starts_with(|c: char| c.is_ascii_lowercase())
            && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        assert!(valid, "{}: an operator's file is named `<name>.rs`, in snake_case", path.display());
        operators.push((name.to_string(), path.display().to_string()));
    }
    operators.sort();
    let out_dir = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    let mut out = String::new();
    for (name, path) in &operators {
        let path = relative_to(Path::new(&out_dir), Path::new(path));
        writeln!(out, "#[path = {path:?}]\nmod {name};").unwrap();
    }
    out.push_str("\n/// Every operator of the language, by name.\npub static OPERATORS: &[&OpSpec] = &[\n");
    for (name, _) in &operators {
        writeln!(out, "    &{name}::SPEC,").unwrap();
    }
    out.push_str("];\n");
    let target = Path::new(&out_dir).join("operators.rs");
    // Written beside and renamed over: a build directory copied with hard links (one per git
    // worktree) then gets its own file, instead of every copy's changing with this one.
    let written = target.with_extension("rs.new");
    std::fs::write(&written, out).unwrap_or_else(|e| panic!("{}: {e}", written.display()));
    std::fs::rename(&written, &target).unwrap_or_else(|e| panic!("{}: {e}", target.display()));
}

/// `path` as seen from `dir` (`../../src/ops/defs/map.rs`), both absolute. Relative, because a
/// build directory copied into another checkout's `target` (one per git worktree) must compile
/// that checkout's operators, and cargo does not always rerun this script there.
fn relative_to(dir: &Path, path: &Path) -> String {
    let (dir, path): (Vec<_>, Vec<_>) = (dir.components().collect(), path.components().collect());
    let common = dir.iter().zip(&path).take_while(|(a, b)| a == b).count();
    let mut relative = std::path::PathBuf::new();
    for _ in common..dir.len() {
        relative.push("..");
    }
    relative.extend(&path[common..]);
    relative.display().to_string()
}
