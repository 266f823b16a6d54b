//! Compile-time diagnostics of a `stream!` program built with dstream's `cluster` feature:
//! records that cross between the processes of a cluster must implement serde's `Serialize`
//! and `Deserialize`, and a program whose records do not is one error per place they cross,
//! on the source or operator there, naming `dstream::requirements::ClusterRecord`'s
//! requirement and never the runtime (`dstream-macros/src/diag_coverage.rs` checks the
//! `.stderr` files for internal paths). Each file under `tests/ui_cluster/` is one shape of
//! crossing; `tests/ui_cluster/pass/` holds programs whose records need no serde because they
//! never cross, or have it.
//!
//! A crate of its own, beside `dstream-ui-tests`, because trybuild builds its programs with
//! the dev-dependencies of the crate whose test runs: here dstream with `cluster`, there
//! without any feature, and both run in every `cargo test --workspace`, with or without
//! `--all-features`. Bless changed messages with
//! `TRYBUILD=overwrite cargo test -p dstream-ui-tests-cluster`, then review the diff.

#[test]
fn ui_cluster() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui_cluster/*.rs");
    t.pass("tests/ui_cluster/pass/*.rs");
}
