//! What the records an exchange moves must be: [`Wire`].
//!
//! In one process an exchange moves `Vec`s, so any `Send` record will do. With the `cluster`
//! feature the same exchange may send a bucket to another process, serialised: the records
//! must then implement serde's `Serialize` and `Deserialize`. The bound is one trait with a
//! blanket impl whose requirements depend on the feature, so single-process programs keep
//! using records that are not serialisable, and a cluster program that exchanges such a
//! record fails to compile at the operator that exchanges it.
//!
//! `Deserialize<'de>` (not `DeserializeOwned`): a record that borrows text (`&str` keys of a
//! text source) is deserialised borrowing the received bytes, which the executor keeps until
//! the batch ends (see `exec::cluster::Kept`), as a text batch keeps its lines.

/// A record an exchange can move: `Send`, and with the `cluster` feature also serde
/// `Serialize + Deserialize<'de>`, where `'de` is the executor's borrow for the batch.
#[cfg(feature = "cluster")]
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot cross between the processes of a cluster",
    note = "with the `cluster` feature, the records an exchange moves (a source's, shuffles, joins, state, `repartition`, gathers to the driver) must implement serde's `Serialize` and `Deserialize`: add `#[derive(serde::Serialize, serde::Deserialize)]` to your type"
)]
pub trait Wire<'de>: Send + serde::Serialize + serde::Deserialize<'de> {}

// Not recommended: an error names `Wire` and its message, not serde's two traits. (Generated
// code asks `dstream::requirements::ClusterRecord` first, on the same token, so this message
// shows only where no such check precedes an exchange.)
#[cfg(feature = "cluster")]
#[diagnostic::do_not_recommend]
impl<'de, T: Send + serde::Serialize + serde::Deserialize<'de>> Wire<'de> for T {}

/// A record an exchange can move: `Send` (with the `cluster` feature, also serde
/// `Serialize + Deserialize<'de>`).
#[cfg(not(feature = "cluster"))]
pub trait Wire<'de>: Send {}

#[cfg(not(feature = "cluster"))]
impl<T: Send> Wire<'_> for T {}
