//! The `dashboard(addr)` output of a build without the `dashboard` feature: the functions
//! generated code calls, with a bound nothing satisfies, so that a program using
//! `dashboard(..)` fails to compile with an error naming the feature instead of compiling
//! axum and tokio into every build.

use crate::error::Result;
use crate::job::BatchContext;

/// What `dashboard(addr)` needs: dstream's `dashboard` feature. Never implemented.
#[diagnostic::on_unimplemented(
    message = "the `dashboard(..)` output needs dstream's `dashboard` feature",
    label = "`dashboard` is not compiled in",
    note = "enable it in Cargo.toml: `dstream = {{ version = \"0.1\", features = [\"dashboard\"] }}`, or build with `--features dashboard`"
)]
pub trait DashboardFeature {
    /// The dashboard an implementation would build.
    fn dashboard(self) -> Dashboard;
}

/// No dashboard can be built without the feature: this type has no values.
#[derive(Debug)]
pub enum Dashboard {}

impl Dashboard {
    /// Rejected at compile time: see [`DashboardFeature`].
    pub fn new<A: DashboardFeature>(addr: A) -> Dashboard {
        addr.dashboard()
    }
}

/// Never called: no [`Dashboard`] exists.
pub fn emit<R>(dashboard: &Dashboard, _ctx: &mut BatchContext<'_>, _parts: Vec<Vec<R>>) -> Result<()> {
    match *dashboard {}
}
