//! Documents: the immutable header every document carries, and the one way to create, read and
//! edit a document's body.
//!
//! A document's root holds two maps: `header` (kind, network, owner, creation day; written once)
//! and `body` (the schema of its kind, mapped with autosurgeon). Every change is committed with
//! its time coarsened to the start of the day, so a document's history says on which day an
//! organiser edited it, never at what minute.

use automerge::transaction::CommitOptions;
use automerge::{Automerge, ChangeHash, ROOT};
use autosurgeon::{Hydrate, Reconcile, hydrate_prop, reconcile_prop};
use thiserror::Error;

use crate::error::ValidationError;
use crate::ids::{Day, DocId, GroupId};

string_enum! {
    /// What a document is; decides its schema and, later, who may read and write it.
    DocKind {
        /// A group's raw issue counts. Never leaves the group's own nodes.
        Tally = "tally",
        /// A group's meeting records. Never leaves the group's own nodes.
        Meetings = "meetings",
        /// A campaign plan.
        Plan = "plan",
        /// A network: its name, members and roles, settings.
        Network = "network",
        /// A group's published (suppressed) counts in one network.
        Published = "published",
    }
}

/// The immutable header of a document.
#[derive(Debug, Clone, PartialEq, Eq, Hydrate, Reconcile, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Header {
    /// What the document is.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub kind: DocKind,
    /// The network it is shared in, if any.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub network: Option<DocId>,
    /// The group that created it.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub owner: GroupId,
    /// The day it was created.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub created: Day,
    /// Its generation: 0 as created, one more each time it is re-issued without its history
    /// (see [`crate::generation`]). Headers of earlier releases hold none: generation 0.
    #[autosurgeon(missing = "crate::generation::Generation::first")]
    #[serde(default)]
    pub generation: crate::generation::Generation,
    /// Random bytes (32 hex digits) from which, with the kind, network and owner, a plan's id
    /// is derived ([`Header::bound_id`]), so that no other group can issue a plan under that
    /// id: a node that does not hold a plan yet takes it only under its bound id. Plans of
    /// earlier releases (and other kinds, whose ids come from elsewhere) hold none.
    #[autosurgeon(missing = "no_salt")]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub salt: Option<String>,
}

fn no_salt() -> Option<String> {
    None
}

impl Header {
    /// The id this header's salt binds the document to: SHA-256 over a context, the kind, the
    /// network id (16 zero bytes for none), the owner's public key and the 16 salt bytes, cut to
    /// 16 bytes. `None` when it holds no well-formed salt.
    pub fn bound_id(&self) -> Option<DocId> {
        let mut salt = [0u8; 16];
        hex::decode_to_slice(self.salt.as_deref()?, &mut salt).ok()?;
        Some(DocId::bound(
            self.kind.as_str(),
            self.network.as_ref(),
            &self.owner,
            &salt,
        ))
    }
}

impl DocKind {
    /// Whether documents of this kind may ever leave the owning group's own node.
    pub fn is_shared(&self) -> bool {
        matches!(self, Self::Plan | Self::Network | Self::Published)
    }
}

/// The body of a document of one kind.
pub trait Schema: Hydrate + Reconcile {
    /// The kind of document whose body this is.
    const KIND: DocKind;

    /// This body, read from one document, made fit to be the first state of a new one (a new
    /// generation, [`crate::generation::reissue`]). Autosurgeon's counters, as read, reconcile
    /// as increments on what they were read from: put into a new document, a counter read as 5
    /// would hold 0. A body holding counters makes them plain values here.
    fn fresh(&self) -> Self
    where
        Self: Clone,
    {
        self.clone()
    }
}

/// Why a document could not be read or edited.
#[derive(Debug, Error)]
pub enum DocError {
    /// The edit was refused by a rule; the document is unchanged.
    #[error(transparent)]
    Invalid(#[from] ValidationError),
    /// The document does not hold a readable header or body of the expected kind.
    #[error("document does not match its schema: {0}")]
    Schema(String),
}

impl From<autosurgeon::HydrateError> for DocError {
    fn from(e: autosurgeon::HydrateError) -> Self {
        Self::Schema(e.to_string())
    }
}

impl From<autosurgeon::ReconcileError> for DocError {
    fn from(e: autosurgeon::ReconcileError) -> Self {
        Self::Schema(e.to_string())
    }
}

/// Commit options for a change made on `today`: the change's time is the day's start.
/// (Public within the crate for [`crate::generation`].)
pub fn commit_options(today: Day) -> CommitOptions {
    CommitOptions::default().with_time(today.unix_start())
}

/// Creates a document of `T`'s kind, authored by `owner` on `today`, under an id the caller
/// chooses (a derived one, or a network's random one).
pub fn create<T: Schema>(
    owner: GroupId,
    network: Option<DocId>,
    today: Day,
    body: &T,
) -> Result<Automerge, DocError> {
    first_state(
        &new_header::<T>(owner, network, today, None),
        &owner,
        today,
        body,
    )
}

/// Creates a document of `T`'s kind (a plan) whose id is bound to its owner by `salt` (random
/// bytes the caller draws): returns the id with the document.
pub fn create_bound<T: Schema>(
    owner: GroupId,
    network: Option<DocId>,
    today: Day,
    body: &T,
    salt: [u8; 16],
) -> Result<(DocId, Automerge), DocError> {
    let header = new_header::<T>(owner, network, today, Some(hex::encode(salt)));
    let id = header
        .bound_id()
        .expect("a salt just written is well-formed");
    Ok((id, first_state(&header, &owner, today, body)?))
}

fn new_header<T: Schema>(
    owner: GroupId,
    network: Option<DocId>,
    today: Day,
    salt: Option<String>,
) -> Header {
    Header {
        kind: T::KIND,
        network,
        owner,
        created: today,
        generation: crate::generation::Generation::first(),
        salt,
    }
}

/// A document's first state: one change by `author` on `today` holding `header` and `body`
/// (a new document, or a new generation of one).
pub fn first_state<T: Schema>(
    header: &Header,
    author: &GroupId,
    today: Day,
    body: &T,
) -> Result<Automerge, DocError> {
    let mut doc = Automerge::new().with_actor(author.actor_id());
    doc.transact_with(
        |_| commit_options(today),
        |tx| -> Result<(), DocError> {
            reconcile_prop(tx, ROOT, "header", header)?;
            reconcile_prop(tx, ROOT, "body", body)?;
            Ok(())
        },
    )
    .map_err(|f| f.error)?;
    Ok(doc)
}

/// The header of a document.
pub fn header(doc: &impl autosurgeon::ReadDoc) -> Result<Header, DocError> {
    Ok(hydrate_prop(doc, ROOT, "header")?)
}

/// The document's kind, read alone: the whole [`header`] holds group ids, and making each
/// one checks its key (a curve point decompressed, ~20 µs), which the kind checks of every
/// read and edit do not need.
pub fn kind(doc: &impl autosurgeon::ReadDoc) -> Result<DocKind, DocError> {
    autosurgeon::hydrate_path(doc, &ROOT, ["header".into(), "kind".into()])?
        .ok_or_else(|| DocError::Schema("no kind in its header".into()))
}

/// The document's owner, read alone (see [`kind`]).
pub fn owner(doc: &impl autosurgeon::ReadDoc) -> Result<GroupId, DocError> {
    autosurgeon::hydrate_path(doc, &ROOT, ["header".into(), "owner".into()])?
        .ok_or_else(|| DocError::Schema("no owner in its header".into()))
}

/// The body of a document of `T`'s kind.
pub fn read<T: Schema>(doc: &impl autosurgeon::ReadDoc) -> Result<T, DocError> {
    let found = kind(doc)?;
    if found != T::KIND {
        return Err(DocError::Schema(format!(
            "a {found} document, not a {}",
            T::KIND
        )));
    }
    Ok(hydrate_prop(doc, ROOT, "body")?)
}

/// Edits a document's body as `author` on `today`: `f` changes the hydrated body and the
/// difference is committed as one change. When `f` refuses, the document is left unchanged.
/// Returns `f`'s result and the new change's hash (`None` when nothing changed).
pub fn edit<T: Schema, R>(
    doc: &mut Automerge,
    author: &GroupId,
    today: Day,
    f: impl FnOnce(&mut T) -> Result<R, ValidationError>,
) -> Result<(R, Option<ChangeHash>), DocError> {
    transact(doc, T::KIND, author, today, |tx| {
        let mut body: T = hydrate_prop(&*tx, ROOT, "body")?;
        let r = f(&mut body)?;
        reconcile_prop(tx, ROOT, "body", &body)?;
        Ok(r)
    })
}

/// The version an edit was made from, with the body as it was there.
pub struct Based<'a, T> {
    /// The version (heads) the edit was made from, in the document that holds it.
    pub version: crate::text::Base<'a>,
    /// The body as it was at that version.
    pub body: T,
}

/// Edits a document's body as [`edit`] does, for an edit made from a form: with `base` (the
/// hex heads the form was made from), `f` also receives the body as it was there, so that it
/// writes only what the person changed (see [`crate::text`]). Heads the document does not hold
/// are refused, naming the field `base`.
pub fn edit_based<T: Schema, R>(
    doc: &mut Automerge,
    author: &GroupId,
    today: Day,
    base: Option<&[String]>,
    f: impl FnOnce(&mut T, Option<&Based<'_, T>>) -> Result<R, ValidationError>,
) -> Result<(R, Option<ChangeHash>), DocError> {
    let found = kind(doc)?;
    if found != T::KIND {
        return Err(DocError::Schema(format!(
            "a {found} document, not a {}",
            T::KIND
        )));
    }
    let mut body: T = hydrate_prop(&*doc, ROOT, "body")?;
    let r = match base {
        Some(heads) => {
            let version = crate::text::Base::new(doc, crate::text::parse_heads(heads)?)?;
            let at = version.fork()?;
            let based = Based {
                body: hydrate_prop(&at, ROOT, "body")?,
                version,
            };
            f(&mut body, Some(&based))?
        }
        None => f(&mut body, None)?,
    };
    let ((), hash) = transact(doc, T::KIND, author, today, |tx| {
        reconcile_prop(tx, ROOT, "body", &body)?;
        Ok(())
    })?;
    Ok((r, hash))
}

/// Runs `f` in one transaction on a document of `kind`, as `author` on `today`, for schema
/// modules whose edits touch a few values of a large body. When `f` fails, nothing changes.
pub(crate) fn transact<R>(
    doc: &mut Automerge,
    expected: DocKind,
    author: &GroupId,
    today: Day,
    f: impl FnOnce(&mut automerge::transaction::Transaction<'_>) -> Result<R, DocError>,
) -> Result<(R, Option<ChangeHash>), DocError> {
    let found = kind(doc)?;
    if found != expected {
        return Err(DocError::Schema(format!(
            "a {found} document, not a {expected}"
        )));
    }
    doc.set_actor(author.actor_id());
    let ok = doc
        .transact_with(|_| commit_options(today), f)
        .map_err(|f| f.error)?;
    Ok((ok.result, ok.hash))
}

impl From<automerge::AutomergeError> for DocError {
    fn from(e: automerge::AutomergeError) -> Self {
        Self::Schema(e.to_string())
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::tally::Tally;

    pub(crate) fn group(seed: u8) -> GroupId {
        let key = ed25519_dalek::SigningKey::from_bytes(&[seed; 32]);
        GroupId::from_public_key(key.verifying_key().to_bytes()).unwrap()
    }

    #[test]
    fn the_kind_and_owner_read_alone_are_the_headers() {
        let today: Day = "2026-12-02".parse().unwrap();
        let plan = create(group(1), None, today, &crate::plan::Plan::default()).unwrap();
        let tally = create(group(1), None, today, &Tally::default()).unwrap();
        for d in [&plan, &tally] {
            assert_eq!(kind(d).unwrap(), header(d).unwrap().kind);
            assert_eq!(owner(d).unwrap(), header(d).unwrap().owner);
        }
        assert!(owner(&Automerge::new()).is_err());
        assert_eq!(kind(&plan).unwrap(), DocKind::Plan);
        // A document with no header has no kind; reading or editing it as a plan is refused.
        assert!(kind(&Automerge::new()).is_err());
        assert!(read::<crate::plan::Plan>(&Automerge::new()).is_err());
        assert!(read::<crate::plan::Plan>(&tally).is_err());
    }

    #[test]
    fn a_plans_id_is_bound_to_its_header() {
        let (a, b) = (group(1), group(2));
        let today: Day = "2026-12-02".parse().unwrap();
        let net = Some(DocId::from_bytes([7; 16]));
        let plan = crate::plan::Plan::default();
        let (id, doc) = create_bound(a, net, today, &plan, [5; 16]).unwrap();
        let h = header(&doc).unwrap();
        assert_eq!(h.bound_id(), Some(id));
        assert_eq!(h.salt.as_deref(), Some("05".repeat(16).as_str()));
        // Another owner, network, salt or kind binds another id.
        for other in [
            create_bound(b, net, today, &plan, [5; 16]).unwrap().0,
            create_bound(a, None, today, &plan, [5; 16]).unwrap().0,
            create_bound(a, net, today, &plan, [6; 16]).unwrap().0,
        ] {
            assert_ne!(other, id);
        }
        let as_network = Header {
            kind: DocKind::Network,
            ..h.clone()
        };
        assert_ne!(as_network.bound_id(), Some(id));
        // A header of an earlier release holds no salt key at all: it reads as none.
        let mut old = Automerge::new().with_actor(a.actor_id());
        old.transact::<_, _, automerge::AutomergeError>(|tx| {
            use automerge::transaction::Transactable;
            let hdr = tx.put_object(ROOT, "header", automerge::ObjType::Map)?;
            tx.put(&hdr, "kind", "plan")?;
            tx.put(&hdr, "network", automerge::ScalarValue::Null)?;
            tx.put(&hdr, "owner", a.to_string())?;
            tx.put(&hdr, "created", "2026-01-01")?;
            Ok(())
        })
        .unwrap();
        let legacy = header(&old).unwrap();
        assert_eq!((legacy.salt, legacy.generation.n), (None, 0));
        // Documents of other kinds are created with none.
        let tally = create(a, None, today, &Tally::default()).unwrap();
        assert_eq!(header(&tally).unwrap().bound_id(), None);
    }

    #[test]
    fn every_change_carries_the_day_only_and_the_groups_actor() {
        let g = group(3);
        let today: Day = "2026-11-25".parse().unwrap();
        let mut doc = create(g, None, today, &Tally::default()).unwrap();
        edit::<Tally, _>(&mut doc, &g, today, |t| {
            t.custom_issues.insert("food".into(), "Food".into());
            Ok(())
        })
        .unwrap();
        let changes = doc.get_changes(&[]);
        assert_eq!(changes.len(), 2);
        for c in changes {
            assert_eq!(c.timestamp(), today.unix_start());
            assert_eq!(c.timestamp() % 86_400, 0);
            assert_eq!(GroupId::from_actor(c.actor_id()), Some(g));
        }
        let h = header(&doc).unwrap();
        assert_eq!((h.kind, h.owner, h.created), (DocKind::Tally, g, today));
    }

    #[test]
    fn a_refused_edit_leaves_no_change() {
        let g = group(3);
        let today: Day = "2026-11-25".parse().unwrap();
        let mut doc = create(g, None, today, &Tally::default()).unwrap();
        let heads = doc.get_heads();
        let r = edit::<Tally, ()>(&mut doc, &g, today, |t| {
            t.custom_issues.insert("food".into(), "Food".into());
            Err(ValidationError::Empty { field: "x" })
        });
        assert!(matches!(r, Err(DocError::Invalid(_))));
        assert_eq!(doc.get_heads(), heads);
    }

    #[test]
    fn reading_the_wrong_kind_is_refused() {
        let g = group(3);
        let today: Day = "2026-11-25".parse().unwrap();
        let doc = create(g, None, today, &Tally::default()).unwrap();
        assert!(read::<crate::plan::Plan>(&doc).is_err());
        assert!(read::<Tally>(&Automerge::new()).is_err());
    }
}
