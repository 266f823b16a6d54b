//! How records print: the text Scala's `toString` gives, which is what Spark's `print` and
//! `saveAsTextFiles` write. A pair prints as `(hello,1)`, a string without quotes.

use std::fmt::Write;

/// Writes a record the way Spark prints it. Implemented for strings, numbers, `bool`, `char`,
/// `Option`, tuples up to six elements, `Vec`, slices and references to any of these.
/// Implement it for your own record types to print them.
///
/// ```
/// use dstream_core::Render;
/// assert_eq!(("hello", 1).render_to_string(), "(hello,1)");
/// assert_eq!((Some(2.5), None::<u8>).render_to_string(), "(Some(2.5),None)");
/// ```
#[diagnostic::on_unimplemented(
    message = "records of type `{Self}` cannot be written as text: `{Self}` does not implement `Render`",
    label = "this output writes each record as text",
    note = "implement `dstream::Render` for `{Self}` (one method: `fn render(&self, out: &mut String)`), or `map` the records to strings, numbers or tuples first"
)]
pub trait Render {
    /// Appends the text of `self` to `out`.
    fn render(&self, out: &mut String);

    /// The text of `self` as a new string.
    fn render_to_string(&self) -> String {
        let mut s = String::new();
        self.render(&mut s);
        s
    }
}

macro_rules! render_with_display {
    ($($t:ty),*) => {$(
        impl Render for $t {
            #[inline]
            fn render(&self, out: &mut String) {
                let _ = write!(out, "{}", self);
            }
        }
    )*};
}

render_with_display!(str, String, bool, char, u8, u16, u32, u64, u128, usize, i8, i16, i32, i64, i128, isize);

macro_rules! render_float {
    ($($t:ty),*) => {$(
        /// Floats print with a fractional part, as Scala's do: `1.0`, not `1`.
        impl Render for $t {
            fn render(&self, out: &mut String) {
                let _ = write!(out, "{:?}", self);
            }
        }
    )*};
}

render_float!(f32, f64);

impl<T: Render + ?Sized> Render for &T {
    #[inline]
    fn render(&self, out: &mut String) {
        (**self).render(out)
    }
}

impl<T: Render + ?Sized> Render for Box<T> {
    fn render(&self, out: &mut String) {
        (**self).render(out)
    }
}

impl<T: Render> Render for Option<T> {
    fn render(&self, out: &mut String) {
        match self {
            Some(v) => {
                out.push_str("Some(");
                v.render(out);
                out.push(')');
            }
            None => out.push_str("None"),
        }
    }
}

impl<T: Render> Render for [T] {
    fn render(&self, out: &mut String) {
        out.push('[');
        for (i, v) in self.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            v.render(out);
        }
        out.push(']');
    }
}

impl<T: Render> Render for Vec<T> {
    fn render(&self, out: &mut String) {
        self.as_slice().render(out)
    }
}

macro_rules! render_tuple {
    ($($name:ident . $idx:tt),+) => {
        impl<$($name: Render),+> Render for ($($name,)+) {
            fn render(&self, out: &mut String) {
                out.push('(');
                render_tuple!(@fields self out $($idx)+);
                out.push(')');
            }
        }
    };
    (@fields $self:ident $out:ident $first:tt $($rest:tt)*) => {
        $self.$first.render($out);
        $( $out.push(','); $self.$rest.render($out); )*
    };
}

render_tuple!(A.0);
render_tuple!(A.0, B.1);
render_tuple!(A.0, B.1, C.2);
render_tuple!(A.0, B.1, C.2, D.3);
render_tuple!(A.0, B.1, C.2, D.3, E.4);
render_tuple!(A.0, B.1, C.2, D.3, E.4, F.5);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_like_scala_to_string() {
        assert_eq!(("hello", 1u64).render_to_string(), "(hello,1)");
        assert_eq!(String::from("x").render_to_string(), "x");
        assert_eq!(1.0f64.render_to_string(), "1.0");
        assert_eq!(("a", (1, Some("x"))).render_to_string(), "(a,(1,Some(x)))");
        assert_eq!(("", vec![1, 1]).render_to_string(), "(,[1, 1])");
        assert_eq!(None::<i32>.render_to_string(), "None");
    }
}
