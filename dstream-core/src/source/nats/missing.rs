//! `nats(..)` in a build without the `nats` feature: a bound nothing satisfies, so a program
//! using it fails to compile with an error naming the feature.

use super::NatsOptions;

/// What `nats(..)` needs: dstream's `nats` feature. Never implemented.
#[diagnostic::on_unimplemented(
    message = "`nats(..)` needs dstream's `nats` feature",
    label = "`nats` is not compiled in",
    note = "enable it in Cargo.toml: `dstream = {{ version = \"0.1\", features = [\"nats\"] }}`, or build with `--features nats`"
)]
pub trait NatsFeature {
    /// The source an implementation would build.
    fn nats_source(self) -> NatsSource;
}

/// No source can be built without the feature: this type has no values.
pub type NatsSource = crate::source::unavailable::Unavailable;

/// Rejected at compile time: see [`NatsFeature`].
pub fn nats<U: NatsFeature>(
    url: U,
    _subject: impl Into<String>,
    _options: Option<NatsOptions>,
) -> NatsSource {
    url.nats_source()
}
