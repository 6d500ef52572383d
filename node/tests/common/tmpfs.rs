//! A tmpfs the test mounts (root only) to hold a node's data, so that the test can make the disk
//! full and give the space back.

use std::path::{Path, PathBuf};
use std::process::Command;

/// A tmpfs mounted for the test, unmounted when dropped.
pub struct Tmpfs {
    /// Where it is mounted.
    pub dir: PathBuf,
    size: String,
    _parent: tempfile::TempDir,
}

impl Tmpfs {
    /// A tmpfs of `size` (`1m`, `256m`, as `mount -o size=` takes it), or `None` (with the skip
    /// message printed) where it cannot be mounted.
    pub fn mount(size: &str) -> Option<Self> {
        let parent = tempfile::tempdir().unwrap();
        let dir = parent.path().join("disk");
        std::fs::create_dir(&dir).unwrap();
        let options = format!("size={size},mode=0700");
        let ok = super::succeeds(
            Command::new("mount")
                .args(["-t", "tmpfs", "-o", &options, "tmpfs"])
                .arg(&dir),
        );
        if !ok {
            eprintln!("skipping: cannot mount a tmpfs (needs root)");
            return None;
        }
        Some(Self {
            dir,
            size: size.to_string(),
            _parent: parent,
        })
    }

    /// Makes it `size` large (it cannot become smaller than what it holds).
    pub fn resize(&self, size: &str) {
        let remount = format!("remount,size={size}");
        assert!(
            super::succeeds(Command::new("mount").args(["-o", &remount]).arg(&self.dir)),
            "remounting the tmpfs at {size}"
        );
    }

    /// Bytes in use.
    pub fn used(&self) -> u64 {
        let out = Command::new("stat")
            .args(["-f", "--format=%b %f %S"])
            .arg(&self.dir)
            .output()
            .expect("run stat");
        let v: Vec<u64> = String::from_utf8_lossy(&out.stdout)
            .split_whitespace()
            .filter_map(|n| n.parse().ok())
            .collect();
        assert_eq!(v.len(), 3, "stat -f of the tmpfs: {out:?}");
        (v[0] - v[1]) * v[2]
    }

    /// Deallocates every page of its files that holds only zeros (`fallocate --dig-holes`): the
    /// files read the same, and writing there needs space again. Whoever writes to these files
    /// must be stopped meanwhile: a page it writes between the look and the hole would be lost.
    pub fn dig_holes(&self) {
        let out = Command::new("find")
            .arg(&self.dir)
            .args(["-type", "f", "-exec", "fallocate", "--dig-holes", "{}", ";"])
            .output()
            .expect("run find");
        assert!(
            out.status.success(),
            "digging holes in the files on the tmpfs: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Makes it exactly as large as what it holds, so that the next write that needs a page
    /// more fails; [`Tmpfs::give_back`] undoes it.
    pub fn make_full(&self) {
        // Whoever writes there may take a page between the look and the remount, which then
        // fails (a tmpfs does not shrink below what it holds): look again.
        for _ in 0..20 {
            let size = format!("remount,size={}", self.used());
            if super::succeeds(Command::new("mount").args(["-o", &size]).arg(&self.dir)) {
                return;
            }
        }
        panic!("could not shrink the tmpfs to what it holds");
    }

    /// Gives back the size it was mounted with.
    pub fn give_back(&self) {
        self.resize(&self.size);
    }

    /// Copies what it holds into `to` (for a failing test, before the tmpfs goes).
    pub fn copy_to(&self, to: &Path) {
        let _ = Command::new("cp").arg("-a").arg(&self.dir).arg(to).status();
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.dir).status();
    }
}
