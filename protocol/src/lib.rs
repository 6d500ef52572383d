//! Common Ground's pure core: identifiers, document schemas and the rules that every node (and
//! any other implementation) applies, with no IO, no async and no clock.
//!
//! - [`ids`]: group, document, issue, period and day identifiers with one text form each;
//! - [`doc`]: the document header and the single path for creating, reading and editing a
//!   document (changes carry the day, never the minute);
//! - [`tally`], [`meeting`], [`plan`]: the schemas of a group's counts, its meeting records and
//!   campaign plans, with the edits allowed on them and plain views for display;
//! - [`catalogue`]: the issues people raise, built-in and custom;
//! - [`text`]: long text kept as Automerge text and labels as whole values, both stored exactly
//!   as typed, and the three-way merge of an edit made from a form onto the text as it is now;
//! - [`privacy`]: the contact-free check that every free-text field passes before it is written;
//! - [`generation`]: a document re-issued without its history, so that text can be forgotten;
//! - [`history`]: received changes judged one by one for what they carry (the day only, no
//!   message, no personal data), in the state their own history produces;
//! - [`replica`]: the replication core: a node's documents with their signed heads, both sides
//!   of a sync session and its rounds, catch-ups, changes pushed with announcements, what it
//!   knows of each peer's sync, and the rule for passing news on;
//! - [`beacon`]: LAN beacons that only members of a network can read;
//! - [`error`]: refusals, each naming its field.
//!
//! The node (`commonground-node`) owns all IO: it passes in the day, random ids and the group's
//! key, and stores what these functions return.

#![cfg_attr(test, allow(clippy::unwrap_used))]

/// Defines a unit enum with a fixed text form per variant: `Display`, `FromStr` (whose error
/// lists the accepted values), serde and autosurgeon all use that text.
macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal,)+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        pub enum $name {
            $($(#[$vmeta])* #[cfg_attr(feature = "openapi", schema(rename = $text))] $variant,)+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            /// The text form.
            pub fn as_str(&self) -> &'static str {
                match self { $($name::$variant => $text,)+ }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.pad(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::error::EnumError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($text => Ok($name::$variant),)+
                    _ => Err($crate::error::EnumError {
                        given: s.chars().take(40).collect(),
                        expected: &[$($text,)+],
                    }),
                }
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                s.parse().map_err(serde::de::Error::custom)
            }
        }

        impl autosurgeon::Reconcile for $name {
            type Key<'a> = autosurgeon::reconcile::NoKey;
            fn reconcile<R: autosurgeon::Reconciler>(&self, mut r: R) -> Result<(), R::Error> {
                r.str(self.as_str())
            }
        }

        impl autosurgeon::Hydrate for $name {
            fn hydrate_string(s: &str) -> Result<Self, autosurgeon::HydrateError> {
                s.parse().map_err(|e: $crate::error::EnumError| {
                    autosurgeon::HydrateError::unexpected(stringify!($name), e.to_string())
                })
            }
        }
    };
}

pub mod announce;
pub mod auth;
pub mod beacon;
pub mod bundle;
pub mod catalogue;
pub mod doc;
pub mod error;
pub mod generation;
pub mod history;
pub mod ids;
pub mod inflate;
pub mod meeting;
pub mod network;
pub mod plan;
pub mod privacy;
pub mod publish;
pub mod replica;
pub mod schedule;
pub mod sync;
pub mod tally;
pub mod text;

pub use error::{IdError, ValidationError};
pub use ids::{Day, DocId, GroupId, IssueKey, ItemId, Period};
