//! The constructors behind the connector operators of the language (`kafka(..)`, `nats(..)`,
//! `to_sql(..)`, `to_kafka(..)`, …). The compiler turns `name(arg, ..)` into
//! `connectors::name(arg, .., Some(option) or None)`, called once when the job is built: a
//! source constructor returns a [`Source`](crate::source::Source), an output constructor a
//! [`Sink`](crate::sink::Sink). Each connector sits behind its cargo feature; without it, its
//! constructor takes a bound nothing satisfies, whose message names the feature (as
//! `dashboard(..)` does), so a program using it fails to compile instead of every build
//! compiling every client library.
//!
//! Adding a connector: its code in `source/` or `sink/`, one `pub use` (and the
//! feature-missing stub) here, and one entry in the compiler's operator table.

/// `to_sql(url, table, options)`: see [`sink::sql`](crate::sink::sql). Needs the `sqlite` or
/// `postgres` feature; without both, a use fails to compile with a message naming them.
pub use crate::sink::sql::to_sql;
