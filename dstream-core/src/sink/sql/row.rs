//! How a record becomes a row: [`SqlRecord`] splits it into key columns and value columns,
//! [`SqlColumns`] flattens each part into typed columns. Implemented here for the common types;
//! a user's own type implements [`SqlColumns`] (and, to be a whole record, [`SqlRecord`]).

/// The SQL type of a column, derived from the Rust type written into it.
///
/// | Rust | `SqlType` | SQLite | PostgreSQL |
/// |---|---|---|---|
/// | `i8` … `i64`, `isize`, `u8` … `u64`, `usize` | `Integer` | `INTEGER` | `BIGINT` |
/// | `f32`, `f64` | `Real` | `REAL` | `DOUBLE PRECISION` |
/// | `bool` | `Boolean` | `BOOLEAN` (0 or 1) | `BOOLEAN` |
/// | `String`, `&str`, `Box<str>`, `Arc<str>`, `char` | `Text` | `TEXT` | `TEXT` |
/// | `Option<T>` | `T`'s, without `NOT NULL` | | |
///
/// An unsigned value above `i64::MAX` fails the batch with an error naming the table: both
/// databases store integers in 64 signed bits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SqlType {
    /// A 64-bit signed integer.
    Integer,
    /// A 64-bit float.
    Real,
    /// UTF-8 text.
    Text,
    /// A boolean.
    Boolean,
}

/// One value of a row, as it is bound to its statement.
#[derive(Clone, Debug, PartialEq)]
pub enum SqlValue {
    /// SQL `NULL` (a `None`).
    Null,
    /// A signed integer.
    Integer(i64),
    /// An unsigned integer: checked against `i64::MAX` when it is bound.
    Unsigned(u64),
    /// A float.
    Real(f64),
    /// Text.
    Text(String),
    /// A boolean.
    Boolean(bool),
}

/// One column a type contributes to a row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SqlColumn {
    /// Its name, when the type gives one (a struct's field); `None` names it by position:
    /// `key`/`value`, or `key_1`, `key_2`, … when the part has several columns.
    pub name: Option<&'static str>,
    /// Its type.
    pub ty: SqlType,
    /// Whether it may hold `NULL` (an `Option`).
    pub nullable: bool,
}

impl SqlColumn {
    /// An unnamed, non-null column of type `ty`.
    pub const fn of(ty: SqlType) -> SqlColumn {
        SqlColumn { name: None, ty, nullable: false }
    }

    /// A named, non-null column: what a struct's field contributes.
    pub const fn named(name: &'static str, ty: SqlType) -> SqlColumn {
        SqlColumn { name: Some(name), ty, nullable: false }
    }
}

/// A value that is one column: the integers, floats, `bool` and strings. `Option<T>` of one
/// is a nullable column.
pub trait SqlScalar {
    /// Its column type.
    const TYPE: SqlType;
    /// Its value.
    fn sql_value(&self) -> SqlValue;
}

/// A value that fills one or more columns, in order: every [`SqlScalar`], `Option` of one,
/// and tuples of `SqlColumns` (flattened). Implement it for your own type to write it with
/// `to_sql`, inside a `(key, value)` pair:
///
/// ```
/// use dstream_core::sink::sql::{SqlColumn, SqlColumns, SqlType, SqlValue};
///
/// struct Order { status: String, amount: f64 }
///
/// impl SqlColumns for Order {
///     fn columns(out: &mut Vec<SqlColumn>) {
///         out.push(SqlColumn::named("status", SqlType::Text));
///         out.push(SqlColumn::named("amount", SqlType::Real));
///     }
///     fn values(&self, out: &mut Vec<SqlValue>) {
///         out.push(SqlValue::Text(self.status.clone()));
///         out.push(SqlValue::Real(self.amount));
///     }
/// }
/// ```
#[diagnostic::on_unimplemented(
    message = "`to_sql` cannot write a `{Self}` into SQL columns",
    label = "no columns for `{Self}`",
    note = "`to_sql` writes integers, floats, `bool`, `String`/`&str`, `Option`s of those and tuples of them; for your own type implement `dstream::sink::sql::SqlColumns`"
)]
pub trait SqlColumns {
    /// Appends this type's columns, in order.
    fn columns(out: &mut Vec<SqlColumn>);
    /// Appends this value's values: one per column, in the same order.
    fn values(&self, out: &mut Vec<SqlValue>);
}

/// A record `to_sql` writes as one row: a pair `(key, value)` is key columns then value
/// columns (the key is what upsert mode keeps unique); a tuple `(key, v1, v2, ..)` the same
/// with several value parts; anything else value columns only. Implement it (with
/// [`SqlColumns`]) to write your own type as a whole record.
#[diagnostic::on_unimplemented(
    message = "`to_sql` cannot write records of type `{Self}` as rows",
    label = "records of type `{Self}` reach `to_sql` here",
    note = "a record is a `(key, value)` pair, a tuple `(key, value, ..)`, or one value; each part an integer, float, `bool`, string, `Option` of one, a tuple of those, or a type implementing `dstream::sink::sql::SqlColumns`"
)]
pub trait SqlRecord {
    /// Appends the key's columns (none by default).
    fn key_columns(_out: &mut Vec<SqlColumn>) {}
    /// Appends the value columns.
    fn value_columns(out: &mut Vec<SqlColumn>);
    /// Appends the key's values, then the values, in column order.
    fn row(&self, out: &mut Vec<SqlValue>);
}

impl<T: SqlScalar> SqlColumns for T {
    fn columns(out: &mut Vec<SqlColumn>) {
        out.push(SqlColumn::of(T::TYPE));
    }
    fn values(&self, out: &mut Vec<SqlValue>) {
        out.push(self.sql_value());
    }
}

impl<T: SqlScalar> SqlColumns for Option<T> {
    fn columns(out: &mut Vec<SqlColumn>) {
        out.push(SqlColumn { nullable: true, ..SqlColumn::of(T::TYPE) });
    }
    fn values(&self, out: &mut Vec<SqlValue>) {
        out.push(self.as_ref().map_or(SqlValue::Null, T::sql_value));
    }
}

macro_rules! scalar {
    ($ty:expr, $to:expr; $($t:ty),*) => {$(
        impl SqlScalar for $t {
            const TYPE: SqlType = $ty;
            fn sql_value(&self) -> SqlValue {
                #[allow(clippy::redundant_closure_call)]
                ($to)(self)
            }
        }
        impl SqlRecord for $t {
            fn value_columns(out: &mut Vec<SqlColumn>) {
                <Self as SqlColumns>::columns(out);
            }
            fn row(&self, out: &mut Vec<SqlValue>) {
                <Self as SqlColumns>::values(self, out);
            }
        }
        impl SqlRecord for Option<$t> {
            fn value_columns(out: &mut Vec<SqlColumn>) {
                <Self as SqlColumns>::columns(out);
            }
            fn row(&self, out: &mut Vec<SqlValue>) {
                <Self as SqlColumns>::values(self, out);
            }
        }
    )*};
}

scalar!(SqlType::Integer, |v: &Self| SqlValue::Integer(i64::from(*v)); i8, i16, i32, u8, u16, u32);
scalar!(SqlType::Integer, |v: &i64| SqlValue::Integer(*v); i64);
scalar!(SqlType::Integer, |v: &isize| SqlValue::Integer(*v as i64); isize);
scalar!(SqlType::Integer, |v: &u64| SqlValue::Unsigned(*v); u64);
scalar!(SqlType::Integer, |v: &usize| SqlValue::Unsigned(*v as u64); usize);
scalar!(SqlType::Real, |v: &f32| SqlValue::Real(f64::from(*v)); f32);
scalar!(SqlType::Real, |v: &f64| SqlValue::Real(*v); f64);
scalar!(SqlType::Boolean, |v: &bool| SqlValue::Boolean(*v); bool);
scalar!(SqlType::Text, |v: &char| SqlValue::Text(v.to_string()); char);
scalar!(SqlType::Text, |v: &Self| SqlValue::Text(v.to_string()); String, Box<str>, std::sync::Arc<str>, std::rc::Rc<str>);
scalar!(SqlType::Text, |v: &&str| SqlValue::Text((*v).to_owned()); &str);

/// Tuples of `SqlColumns` flatten into their elements' columns.
macro_rules! columns_tuple {
    ($($t:ident $i:tt),+) => {
        impl<$($t: SqlColumns),+> SqlColumns for ($($t,)+) {
            fn columns(out: &mut Vec<SqlColumn>) {
                $($t::columns(out);)+
            }
            fn values(&self, out: &mut Vec<SqlValue>) {
                $(self.$i.values(out);)+
            }
        }
    };
}

columns_tuple!(A 0);
columns_tuple!(A 0, B 1);
columns_tuple!(A 0, B 1, C 2);
columns_tuple!(A 0, B 1, C 2, D 3);
columns_tuple!(A 0, B 1, C 2, D 3, E 4);
columns_tuple!(A 0, B 1, C 2, D 3, E 4, F 5);
columns_tuple!(A 0, B 1, C 2, D 3, E 4, F 5, G 6);
columns_tuple!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7);

/// A tuple record: its first element is the key, the others the values.
macro_rules! record_tuple {
    ($($t:ident $i:tt),+) => {
        impl<K: SqlColumns, $($t: SqlColumns),+> SqlRecord for (K, $($t,)+) {
            fn key_columns(out: &mut Vec<SqlColumn>) {
                K::columns(out);
            }
            fn value_columns(out: &mut Vec<SqlColumn>) {
                $($t::columns(out);)+
            }
            fn row(&self, out: &mut Vec<SqlValue>) {
                self.0.values(out);
                $(self.$i.values(out);)+
            }
        }
    };
}

record_tuple!(A 1);
record_tuple!(A 1, B 2);
record_tuple!(A 1, B 2, C 3);
record_tuple!(A 1, B 2, C 3, D 4);
record_tuple!(A 1, B 2, C 3, D 4, E 5);
record_tuple!(A 1, B 2, C 3, D 4, E 5, F 6);
record_tuple!(A 1, B 2, C 3, D 4, E 5, F 6, G 7);

#[cfg(test)]
mod tests {
    use super::*;

    fn columns<R: SqlRecord>() -> (Vec<SqlColumn>, Vec<SqlColumn>) {
        let (mut key, mut value) = (Vec::new(), Vec::new());
        R::key_columns(&mut key);
        R::value_columns(&mut value);
        (key, value)
    }

    #[test]
    fn pairs_are_key_then_value_columns_and_tuples_flatten() {
        let (key, value) = columns::<(String, (u64, Option<f64>))>();
        assert_eq!(key, vec![SqlColumn::of(SqlType::Text)]);
        assert_eq!(
            value,
            vec![
                SqlColumn::of(SqlType::Integer),
                SqlColumn { nullable: true, ..SqlColumn::of(SqlType::Real) }
            ]
        );
        let mut row = Vec::new();
        ("a".to_string(), (7u64, None::<f64>)).row(&mut row);
        assert_eq!(row, vec![SqlValue::Text("a".into()), SqlValue::Unsigned(7), SqlValue::Null]);
    }

    #[test]
    fn a_scalar_is_one_value_column_and_no_key() {
        let (key, value) = columns::<&str>();
        assert!(key.is_empty());
        assert_eq!(value, vec![SqlColumn::of(SqlType::Text)]);
        let mut row = Vec::new();
        true.row(&mut row);
        (-3i32).row(&mut row);
        'x'.row(&mut row);
        assert_eq!(row, vec![SqlValue::Boolean(true), SqlValue::Integer(-3), SqlValue::Text("x".into())]);
    }
}
