//! [`listed_enum!`](crate::listed_enum): an enum declared with the list of all its variants, so
//! that a check over every variant (each sentence translated, say) cannot miss a new one.

/// Declares a field-less enum as written and `ALL`, its variants in the order declared.
#[macro_export]
macro_rules! listed_enum {
    ($(#[$meta:meta])* $vis:vis enum $name:ident { $($(#[$variant_meta:meta])* $variant:ident,)* }) => {
        $(#[$meta])*
        $vis enum $name {
            $($(#[$variant_meta])* $variant,)*
        }

        impl $name {
            /// Every variant, in the order declared.
            pub const ALL: &'static [$name] = &[$($name::$variant,)*];
        }
    };
}
