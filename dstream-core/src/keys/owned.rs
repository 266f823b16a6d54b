//! Records that outlive their batch. Text records are `&str` slices of the batch's buffer;
//! a window or a state store keeps records across batches, so at that boundary (and only
//! there: after per-batch combining, once per key rather than once per record) they become
//! owned values: `&str` becomes `String`, tuples convert field by field.
//!
//! A window hands its records back in the type they had before it ([`BorrowBack`]): a kept
//! `String` is emitted as a `&str` borrowed from the window's state for the batch, so a
//! window's output allocates nothing per record and its users see the type they wrote.

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
    /// Converts the record into `target`, reusing what `target` owns where it can (a
    /// `String`'s buffer): how a window keeps a batch's keys in the lists of a batch that left.
    #[inline]
    fn own_into(self, target: &mut Self::Owned)
    where
        Self: Sized,
    {
        *target = self.into_owned();
    }
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
    #[inline]
    fn own_into(self, target: &mut T::Owned) {
        self.clone_into(target);
    }
}

/// The reverse of [`IntoOwned`]: a kept (owned) record seen again as the record type it was
/// made from, borrowing from the kept value for `'a`. A window emits its records this way, so
/// `&str` words are `&str` after a window (borrowed from the window's state for the batch),
/// `(&str, u32)` stays `(&str, u32)`, and owned types are cloned (a copy for numbers).
///
/// `Borrowed` is `Self` with its references' lifetimes set to `'a`.
#[diagnostic::on_unimplemented(
    message = "records of type `{Self}` cannot be kept in a window and read back",
    label = "a window keeps its records after the batch ends, and emits them in the type they had before it",
    note = "implement `dstream::IntoOwned` and `dstream::BorrowBack` for `{Self}`; for a type without references, write `dstream::owned_as_self!({Self});`"
)]
pub trait BorrowBack<'a>: IntoOwned {
    /// `Self`, borrowing from a kept value for `'a`.
    type Borrowed;
    /// The record `owned` was made from, borrowing from it.
    fn borrow_back(owned: &'a Self::Owned) -> Self::Borrowed;
}

impl<'a, T: ?Sized + ToOwned + 'a> BorrowBack<'a> for &T
where
    T::Owned: Clone + Send + 'static,
{
    type Borrowed = &'a T;
    #[inline]
    fn borrow_back(owned: &'a T::Owned) -> &'a T {
        std::borrow::Borrow::borrow(owned)
    }
}

/// Implements [`IntoOwned`] and [`BorrowBack`] as the identity (a clone) for types that own
/// all their data.
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
        impl<'a> $crate::BorrowBack<'a> for $t {
            type Borrowed = $t;
            #[inline]
            fn borrow_back(owned: &'a $t) -> $t {
                ::core::clone::Clone::clone(owned)
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
    fn own_into(self, target: &mut Self::Owned) {
        match (self, target) {
            (Some(value), Some(kept)) => value.own_into(kept),
            (value, target) => *target = value.into_owned(),
        }
    }
}

impl<'a, T: BorrowBack<'a>> BorrowBack<'a> for Option<T> {
    type Borrowed = Option<T::Borrowed>;
    #[inline]
    fn borrow_back(owned: &'a Self::Owned) -> Self::Borrowed {
        owned.as_ref().map(T::borrow_back)
    }
}

impl<T: IntoOwned> IntoOwned for Vec<T> {
    type Owned = Vec<T::Owned>;
    fn into_owned(self) -> Self::Owned {
        self.into_iter().map(IntoOwned::into_owned).collect()
    }
}

impl<'a, T: BorrowBack<'a>> BorrowBack<'a> for Vec<T> {
    type Borrowed = Vec<T::Borrowed>;
    fn borrow_back(owned: &'a Self::Owned) -> Self::Borrowed {
        owned.iter().map(T::borrow_back).collect()
    }
}

impl<T: IntoOwned> IntoOwned for Box<T> {
    type Owned = Box<T::Owned>;
    fn into_owned(self) -> Self::Owned {
        Box::new((*self).into_owned())
    }
}

impl<'a, T: BorrowBack<'a>> BorrowBack<'a> for Box<T> {
    type Borrowed = Box<T::Borrowed>;
    fn borrow_back(owned: &'a Self::Owned) -> Self::Borrowed {
        Box::new(T::borrow_back(owned))
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
            #[inline]
            fn own_into(self, target: &mut Self::Owned) {
                $(self.$idx.own_into(&mut target.$idx);)+
            }
        }

        impl<'a, $($name: BorrowBack<'a>),+> BorrowBack<'a> for ($($name,)+) {
            type Borrowed = ($($name::Borrowed,)+);
            #[inline]
            fn borrow_back(owned: &'a Self::Owned) -> Self::Borrowed {
                ($($name::borrow_back(&owned.$idx),)+)
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

    /// Each owned form reads back as the type it was made from, borrowing its text.
    #[test]
    fn owned_records_borrow_back_as_their_type() {
        let kept: (String, u32) = ("ab", 2u32).into_owned();
        let back: (&str, u32) = <(&str, u32)>::borrow_back(&kept);
        assert_eq!(back, ("ab", 2));
        assert!(std::ptr::eq(back.0, kept.0.as_str()), "the text is borrowed, not copied");
        let tag: Option<String> = Some("t").into_owned();
        assert_eq!(<Option<&str>>::borrow_back(&tag), Some("t"));
        let owned = String::from("s");
        assert_eq!(<String as BorrowBack<'_>>::borrow_back(&owned), "s");
        let nested: Vec<Option<String>> = vec![Some("a"), None].into_owned();
        assert_eq!(<Vec<Option<&str>>>::borrow_back(&nested), [Some("a"), None]);
        assert_eq!(<Box<u64>>::borrow_back(&Box::new(7)), Box::new(7));
    }

    /// `own_into` gives what `into_owned` gives, in the kept value's own buffer where it can.
    #[test]
    fn own_into_reuses_the_kept_buffer() {
        let mut kept: (String, u32) = ("longer word", 1u32).into_owned();
        let buffer = kept.0.as_ptr();
        ("ab", 2u32).own_into(&mut kept);
        assert_eq!(kept, ("ab".to_string(), 2));
        assert_eq!(kept.0.as_ptr(), buffer, "the String's buffer is reused");
        let mut tag: Option<String> = None;
        Some("t").own_into(&mut tag);
        assert_eq!(tag.as_deref(), Some("t"));
        None::<&str>.own_into(&mut tag);
        assert_eq!(tag, None);
    }
}
