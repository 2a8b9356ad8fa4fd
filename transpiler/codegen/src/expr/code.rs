//! A compiled expression ([`Code`]: tokens, type, representation) and the literal tokens
//! the other files build from.

use crate::ty::{NumKind, Repr, Ty};
use proc_macro2::TokenStream;

/// Where a value lives, which decides whether reading it needs a clone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Place {
    /// A temporary: owned.
    Temp,
    /// A variable or field holding the value.
    Owned,
    /// A variable holding a reference to the value.
    Ref,
}

/// A compiled expression.
#[derive(Clone, Debug)]
pub struct Code {
    /// Rust tokens.
    pub ts: TokenStream,
    /// The static type.
    pub ty: Ty,
    /// How the value is held.
    pub repr: Repr,
    /// Whether `ts` names a place.
    pub place: Place,
}

impl Code {
    pub(super) fn temp(ts: TokenStream, ty: Ty, repr: Repr) -> Code {
        Code {
            ts,
            ty,
            repr,
            place: Place::Temp,
        }
    }

    pub(super) fn value_of(ts: TokenStream, ty: Ty) -> Code {
        Code::temp(ts, ty, Repr::Value)
    }

    /// A placeholder for an expression that failed to check.
    pub fn error() -> Code {
        Code::temp(
            q!(::handled_runtime::Value::Undefined),
            Ty::Error,
            Repr::Value,
        )
    }

    /// The value as an owned `Value`.
    pub fn value(&self) -> TokenStream {
        let ts = &self.ts;
        match (&self.repr, self.place) {
            (Repr::F64, _) => q!(::handled_runtime::Value::Number(#ts)),
            (Repr::Bool, _) => q!(::handled_runtime::Value::Bool(#ts)),
            (Repr::Value, Place::Temp) => ts.clone(),
            (Repr::Value, _) => q!(#ts.clone()),
            (Repr::Struct(_), _) => q!(#ts.to_value()),
        }
    }

    /// The value as a `&Value` argument.
    pub fn value_ref(&self) -> TokenStream {
        let ts = &self.ts;
        match (&self.repr, self.place) {
            (Repr::Value, Place::Ref) => ts.clone(),
            (Repr::Value, _) => q!(&#ts),
            _ => {
                let v = self.value();
                q!(&#v)
            }
        }
    }

    /// The value converted by ToNumber, as an `f64`.
    pub fn f64(&self) -> TokenStream {
        let ts = &self.ts;
        match &self.repr {
            Repr::F64 => ts.clone(),
            Repr::Bool => q!((if #ts { 1.0 } else { 0.0 })),
            Repr::Value => {
                let r = self.value_ref();
                q!(::handled_runtime::js::to_number(#r))
            }
            Repr::Struct(_) => q!({ let _ = &#ts; f64::NAN }),
        }
    }

    /// The value's truthiness, as a `bool`.
    pub fn truthy(&self) -> TokenStream {
        let ts = &self.ts;
        match &self.repr {
            Repr::F64 => q!(::handled_runtime::rt::truthy_num(#ts)),
            Repr::Bool => ts.clone(),
            Repr::Value => {
                let r = self.value_ref();
                q!(::handled_runtime::js::truthy(#r))
            }
            Repr::Struct(_) => q!({ let _ = &#ts; true }),
        }
    }
}

/// A number literal as Rust tokens of type `f64`.
pub fn num_lit(n: f64) -> TokenStream {
    if n.is_nan() {
        return q!(f64::NAN);
    }
    if n.is_infinite() {
        return if n > 0.0 {
            q!(f64::INFINITY)
        } else {
            q!(f64::NEG_INFINITY)
        };
    }
    let text = format!("{n:?}");
    let lit: TokenStream = text.parse().unwrap_or_else(|_| q!(f64::NAN));
    if n < 0.0 || (n == 0.0 && n.is_sign_negative()) {
        q!((#lit))
    } else {
        lit
    }
}

/// A string literal as a `Value`.
pub fn str_value(s: &str) -> TokenStream {
    q!(::handled_runtime::Value::from(#s))
}

pub(super) fn kind_of_literal(n: f64) -> NumKind {
    if n.is_finite() && n.fract() == 0.0 {
        NumKind::Int
    } else {
        NumKind::Frac
    }
}
