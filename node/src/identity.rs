//! The group's key: an ed25519 keypair whose public key is the group's id (and, later, its libp2p
//! peer id). The 32-byte secret is kept hex-encoded in the data directory with mode 0600.

use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::Path;

use commonground_protocol::GroupId;
use ed25519_dalek::SigningKey;
use thiserror::Error;

/// A problem with the key file.
#[derive(Debug, Error)]
pub enum IdentityError {
    /// The key file cannot be read or written.
    #[error("cannot use the group key file {path}: {reason}")]
    Io {
        /// The file.
        path: String,
        /// Why.
        reason: String,
    },
    /// The key file does not hold a key.
    #[error("the group key file {path} is damaged (expected 64 hex digits)")]
    Damaged {
        /// The file.
        path: String,
    },
}

/// The group's keypair.
pub struct Identity {
    key: SigningKey,
}

impl Identity {
    /// Loads the key from `path`, or creates one there (mode 0600) if there is none.
    pub fn load_or_create(path: &Path) -> Result<Self, IdentityError> {
        let io = |e: std::io::Error| IdentityError::Io {
            path: path.display().to_string(),
            reason: e.to_string(),
        };
        match std::fs::read_to_string(path) {
            Ok(text) => {
                let mut secret = [0u8; 32];
                hex::decode_to_slice(text.trim(), &mut secret).map_err(|_| {
                    IdentityError::Damaged {
                        path: path.display().to_string(),
                    }
                })?;
                let mode = std::fs::metadata(path).map_err(io)?.permissions().mode();
                if mode & 0o077 != 0 {
                    tracing::warn!(
                        mode = format!("{mode:o}"),
                        "group key file was readable by others; setting it to 0600"
                    );
                    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
                        .map_err(io)?;
                }
                Ok(Self {
                    key: SigningKey::from_bytes(&secret),
                })
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let key = SigningKey::generate(&mut rand::rngs::OsRng);
                let mut f = std::fs::OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .mode(0o600)
                    .open(path)
                    .map_err(io)?;
                f.write_all(hex::encode(key.to_bytes()).as_bytes())
                    .and_then(|()| f.sync_all())
                    .map_err(io)?;
                tracing::info!("created a new group key");
                Ok(Self { key })
            }
            Err(e) => Err(io(e)),
        }
    }

    /// The group's id.
    pub fn group(&self) -> GroupId {
        GroupId::from_public_key(self.key.verifying_key().to_bytes())
            .expect("a signing key's public key is a valid point")
    }

    /// The signing key.
    pub fn signing_key(&self) -> &SigningKey {
        &self.key
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_is_created_private_and_reloaded() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("identity.key");
        let a = Identity::load_or_create(&path).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        let b = Identity::load_or_create(&path).unwrap();
        assert_eq!(a.group(), b.group());
        std::fs::write(&path, "not hex").unwrap();
        assert!(matches!(
            Identity::load_or_create(&path),
            Err(IdentityError::Damaged { .. })
        ));
    }
}
