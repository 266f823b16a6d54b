//! Compile-time diagnostics of the `stream!` macro: every file under `tests/ui/<category>/`
//! is a program with one mistake (or, in `several_errors.rs`, several) and its `.stderr` is
//! exactly what the user sees. Bless changed messages with
//! `TRYBUILD=overwrite cargo test -p dstream-ui-tests`, then review the `.stderr` diff like
//! code.
//!
//! These tests live in a crate of their own because trybuild builds its programs with the
//! dev-dependencies of the crate whose test runs: here only dstream, trybuild and serde,
//! not the root crate's benchmark, browser and example dependencies.
//!
//! `tests/ui_features/` holds programs that use an optional feature of dstream which this
//! crate's dependency on dstream leaves out (trybuild's build is its own, whatever features
//! the workspace build turns on).

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    for category in ["syntax", "operators", "types", "durations", "streams", "windows", "state"] {
        t.compile_fail(format!("tests/ui/{category}/*.rs"));
    }
    t.pass("tests/ui/pass/*.rs");
}

/// Built without the `dashboard` feature, `dashboard(..)` is an error that names it; the
/// same for `to_sql(..)` and the `sqlite`/`postgres` features.
#[test]
fn features_left_out() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui_features/dashboard_without_feature.rs");
    t.compile_fail("tests/ui_features/to_sql_without_feature.rs");
}
