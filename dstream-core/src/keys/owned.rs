//! Records that outlive their batch. Text records are `&str` slices of the batch's buffer;
//! a window or a state store keeps records across batches, so at that boundary (and only
//! there: after per-batch combining, once per key rather than once per record) they become
//! owned values: `&str` becomes `String`, tuples convert field by field.

/// A record that can be turned into a value that owns its data.
///
/// Implemented for references (through `ToOwned`), `String`, numbers, `bool`, `char`,
/// `Option`, `Vec`, `Box` and tuples up to six elements. For your own record types that hold
/// no references, `dstream::owned_as_self!(MyType);` implements it as the identity.
#[diagnostic::on_unimplemented(
    message = "records of type `{Self}` cannot be kept across batches",
    label = "a window or a state store keeps its records after the batch ends",
    note = "implement `dstream::owned::IntoOwned` for `{Self}`; for a type without references, write `dstream::owned_as_self!({Self});`"
)]
pub trait IntoOwned {
    /// The owned form.
    type Owned: Clone + Send + 'static;
    /// Converts the record.
    fn into_owned(self) -> Self::Owned;
}

impl<T: ?Sized + ToOwned> IntoOwned for &T
where
    T::Owned: Clone + Send + 'static,
{
    type Owned = T::Owned;
    #[inline]
    fn into_owned(self) -> T::Owned {
        self.to_owned()
    }
}

/// Implements [`IntoOwned`] as the identity for types that own all their data.
#[macro_export]
macro_rules! owned_as_self {
    ($($t:ty),* $(,)?) => {$(
        impl $crate::IntoOwned for $t {
            type Owned = $t;
            #[inline]
            fn into_owned(self) -> $t {
                self
            }
        }
    )*};
}

owned_as_self!(
    String,
    bool,
    char,
    u8,
    u16,
    u32,
    u64,
    u128,
    usize,
    i8,
    i16,
    i32,
    i64,
    i128,
    isize,
    f32,
    f64,
    ()
);

impl<T: IntoOwned> IntoOwned for Option<T> {
    type Owned = Option<T::Owned>;
    fn into_owned(self) -> Self::Owned {
        self.map(IntoOwned::into_owned)
    }
}

impl<T: IntoOwned> IntoOwned for Vec<T> {
    type Owned = Vec<T::Owned>;
    fn into_owned(self) -> Self::Owned {
        self.into_iter().map(IntoOwned::into_owned).collect()
    }
}

impl<T: IntoOwned> IntoOwned for Box<T> {
    type Owned = Box<T::Owned>;
    fn into_owned(self) -> Self::Owned {
        Box::new((*self).into_owned())
    }
}

macro_rules! owned_tuple {
    ($($name:ident . $idx:tt),+) => {
        impl<$($name: IntoOwned),+> IntoOwned for ($($name,)+) {
            type Owned = ($($name::Owned,)+);
            #[inline]
            fn into_owned(self) -> Self::Owned {
                ($(self.$idx.into_owned(),)+)
            }
        }
    };
}

owned_tuple!(A.0);
owned_tuple!(A.0, B.1);
owned_tuple!(A.0, B.1, C.2);
owned_tuple!(A.0, B.1, C.2, D.3);
owned_tuple!(A.0, B.1, C.2, D.3, E.4);
owned_tuple!(A.0, B.1, C.2, D.3, E.4, F.5);

/// Every record of every partition converted to its owned form.
pub fn own_partitions<P>(parts: Vec<P>) -> Vec<Vec<<P::Item as IntoOwned>::Owned>>
where
    P: IntoIterator,
    P::Item: IntoOwned,
{
    parts.into_iter().map(|p| p.into_iter().map(IntoOwned::into_owned).collect()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn borrowed_text_becomes_string() {
        let line = String::from("a b");
        let word: &str = &line[..1];
        let owned: (String, u64) = (word, 3u64).into_owned();
        assert_eq!(owned, ("a".to_string(), 3));
        assert_eq!(own_partitions(vec![vec!["x"], vec![]]), vec![vec!["x".to_string()], vec![]]);
    }
}
