//! What mdl agrees to read: the root file, params files, and the `.moodle`
//! modules a file `use`s, which must lie inside the root file's directory
//! tree. A contributed file checked in CI must not be able to make mdl
//! print another file (`use "/proc/self/environ"`, `use "../../etc/passwd"`)
//! or read without end (`use "/dev/zero"`).
//!
//! Every read is bounded twice: the size is checked before reading, and
//! the read itself stops past the bound (files under /proc claim a size
//! of 0).
//!
//! Must not import: `graph`, `provider`, `plan`, `apply`, `state`.

use std::io::Read;
use std::path::{Path, PathBuf};

/// The largest file mdl reads: far beyond any estate (10,000 resources
/// take about 2 MiB).
pub const MAX_FILE_BYTES: u64 = crate::syntax::parser::MAX_FILE_BYTES as u64;

/// Places that hold no estate, only the system's view of itself.
const SYSTEM_TREES: &[&str] = &["/proc", "/sys", "/dev"];

/// Why a file was not read.
#[derive(Debug)]
pub enum ReadError {
    /// Not there, or the system refused it.
    Io(std::io::Error),
    /// A device, FIFO, socket or directory, or a file under /proc, /sys or
    /// /dev.
    Special(PathBuf),
    /// Larger than [`MAX_FILE_BYTES`]; the size read so far.
    TooLarge(u64),
    /// Not UTF-8 text: the first byte that is not, and where it is (line
    /// and column from 1, the column counted in characters).
    NotText {
        byte: u8,
        line: usize,
        column: usize,
    },
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadError::Io(e) => write!(f, "{e}"),
            ReadError::Special(p) => write!(
                f,
                "`{}` is not a regular file (a device, a pipe, or part of /proc, /sys or /dev)",
                p.display()
            ),
            ReadError::TooLarge(n) => write!(
                f,
                "it is larger than {} MiB ({} MiB or more)",
                MAX_FILE_BYTES / (1024 * 1024),
                n / (1024 * 1024)
            ),
            ReadError::NotText { byte, line, column } => write!(
                f,
                "it is not UTF-8 text: the byte 0x{byte:02X} at line {line}, column {column} is not (save the file as UTF-8)"
            ),
        }
    }
}

/// Read a file given on the command line (the root file, a params file):
/// a regular file, not under /proc, /sys or /dev, of at most
/// [`MAX_FILE_BYTES`].
///
/// # Errors
/// See [`ReadError`].
pub fn read_given(path: &Path) -> Result<String, ReadError> {
    let real = std::fs::canonicalize(path).map_err(ReadError::Io)?;
    read_regular(&real)
}

fn read_regular(real: &Path) -> Result<String, ReadError> {
    if SYSTEM_TREES.iter().any(|t| real.starts_with(t)) {
        return Err(ReadError::Special(real.to_path_buf()));
    }
    let file = std::fs::File::open(real).map_err(ReadError::Io)?;
    let meta = file.metadata().map_err(ReadError::Io)?;
    if !meta.is_file() {
        return Err(ReadError::Special(real.to_path_buf()));
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(ReadError::TooLarge(meta.len()));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(ReadError::Io)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(ReadError::TooLarge(bytes.len() as u64));
    }
    let text = String::from_utf8(bytes).map_err(|e| {
        let bytes = e.as_bytes();
        let at = e.utf8_error().valid_up_to();
        // Everything before `at` is valid: its lines and characters count.
        let before = std::str::from_utf8(&bytes[..at]).unwrap_or_default();
        let line = before.matches('\n').count() + 1;
        let column = before
            .rsplit('\n')
            .next()
            .unwrap_or_default()
            .chars()
            .count()
            + 1;
        ReadError::NotText {
            byte: bytes[at],
            line,
            column,
        }
    })?;
    // A byte-order mark, as some Windows editors write, is not text.
    Ok(match text.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_string(),
        None => text,
    })
}

/// Why a `use` path was refused.
#[derive(Debug)]
pub enum UseError {
    /// `/etc/x.moodle`: a module is named relative to the file using it.
    Absolute,
    /// Not a `.moodle` file.
    NotModule,
    /// Resolves (through `..` or a symbolic link) outside the root file's
    /// directory tree.
    OutsideTree(PathBuf),
    Read(ReadError),
}

impl std::fmt::Display for UseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            UseError::Absolute => write!(f, "a module path cannot be absolute"),
            UseError::NotModule => write!(f, "a module is a `.moodle` file"),
            // The caller names the path as written.
            UseError::OutsideTree(_) => {
                write!(f, "it leads outside the directory of the root file")
            }
            UseError::Read(e) => write!(f, "{e}"),
        }
    }
}

/// Read the module `path` names, relative to `base` (the directory of the
/// file that uses it), if it lies inside `root` (the root file's directory,
/// canonical).
///
/// # Errors
/// See [`UseError`].
pub fn read_module(root: &Path, base: &Path, path: &str) -> Result<Module, UseError> {
    let given = Path::new(path);
    if given.is_absolute() {
        return Err(UseError::Absolute);
    }
    if given.extension().is_none_or(|e| e != "moodle") {
        return Err(UseError::NotModule);
    }
    let joined = base.join(given);
    let real = std::fs::canonicalize(&joined).map_err(|e| UseError::Read(ReadError::Io(e)))?;
    if !real.starts_with(root) {
        return Err(UseError::OutsideTree(joined));
    }
    let text = read_regular(&real).map_err(UseError::Read)?;
    Ok(Module {
        real,
        shown: joined,
        text,
    })
}

/// A module file read.
#[derive(Debug)]
pub struct Module {
    /// Its canonical path: one module, however it is named.
    pub real: PathBuf,
    /// Its path as the `use` names it, for diagnostics.
    pub shown: PathBuf,
    pub text: String,
}

/// The tree a root file's modules must lie in: its directory, canonical.
/// A source with no path (a test, standard input) has the current
/// directory.
pub fn tree_of(root_file: Option<&Path>) -> PathBuf {
    let dir = root_file
        .and_then(Path::parent)
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree() -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let root = std::fs::canonicalize(dir.path()).unwrap();
        std::fs::create_dir(root.join("modules")).unwrap();
        std::fs::write(root.join("modules/net.moodle"), "vpc a {}\n").unwrap();
        std::fs::write(root.join("notes.txt"), "secret\n").unwrap();
        (dir, root)
    }

    #[test]
    fn modules_inside_the_tree_are_read() {
        let (_dir, root) = tree();
        let module = read_module(&root, &root, "modules/net.moodle").unwrap();
        assert_eq!(module.real, root.join("modules/net.moodle"));
        assert_eq!(module.text, "vpc a {}\n");
        // `..` that stays inside is fine.
        let inner = root.join("modules");
        assert!(read_module(&root, &inner, "../modules/net.moodle").is_ok());
    }

    #[test]
    fn paths_that_leave_the_tree_or_name_no_module_are_refused() {
        let (_dir, root) = tree();
        let refused = |path: &str| read_module(&root, &root, path).unwrap_err().to_string();
        assert_eq!(
            refused("/proc/self/environ"),
            "a module path cannot be absolute"
        );
        assert_eq!(refused("/etc/x.moodle"), "a module path cannot be absolute");
        assert_eq!(refused("notes.txt"), "a module is a `.moodle` file");
        assert_eq!(
            refused("../../../etc/passwd"),
            "a module is a `.moodle` file"
        );
        let outside = tempfile::tempdir().unwrap();
        let other = std::fs::canonicalize(outside.path())
            .unwrap()
            .join("x.moodle");
        std::fs::write(&other, "vpc b {}\n").unwrap();
        let rel = format!(
            "../{}/x.moodle",
            other
                .parent()
                .unwrap()
                .file_name()
                .unwrap()
                .to_string_lossy()
        );
        assert_eq!(
            refused(&rel),
            "it leads outside the directory of the root file"
        );
        // A symbolic link inside the tree that points out of it.
        std::os::unix::fs::symlink(&other, root.join("link.moodle")).unwrap();
        assert!(refused("link.moodle").contains("leads outside the directory"));
        std::os::unix::fs::symlink("/proc/self/environ", root.join("env.moodle")).unwrap();
        assert!(refused("env.moodle").contains("leads outside the directory"));
    }

    #[test]
    fn special_and_oversized_files_are_not_read() {
        for path in [
            "/proc/self/environ",
            "/dev/zero",
            "/dev/null",
            "/sys/kernel/mm",
        ] {
            if Path::new(path).exists() {
                assert!(
                    matches!(read_given(Path::new(path)), Err(ReadError::Special(_))),
                    "{path}"
                );
            }
        }
        let dir = tempfile::tempdir().unwrap();
        // A root file that is a link to the process environment.
        let link = dir.path().join("site.moodle");
        std::os::unix::fs::symlink("/proc/self/environ", &link).unwrap();
        assert!(matches!(read_given(&link), Err(ReadError::Special(_))));
        assert!(matches!(read_given(dir.path()), Err(ReadError::Special(_))));
        let big = dir.path().join("big.moodle");
        let f = std::fs::File::create(&big).unwrap();
        f.set_len(MAX_FILE_BYTES + 1).unwrap();
        assert!(matches!(read_given(&big), Err(ReadError::TooLarge(_))));
        let bad = dir.path().join("bad.moodle");
        std::fs::write(&bad, [0xff, 0xfe, b'a']).unwrap();
        assert!(matches!(
            read_given(&bad),
            Err(ReadError::NotText {
                byte: 0xff,
                line: 1,
                column: 1
            })
        ));
        // The first byte that is not UTF-8, where an editor finds it.
        std::fs::write(&bad, b"vpc main {\n  cidr_block = \"10.0.\xe9.0/16\"\n}\n").unwrap();
        let e = read_given(&bad).unwrap_err();
        assert!(
            matches!(
                e,
                ReadError::NotText {
                    byte: 0xe9,
                    line: 2,
                    column: 22
                }
            ),
            "{e:?}"
        );
        assert!(e.to_string().contains("0xE9 at line 2, column 22"), "{e}");
        // A byte-order mark is accepted and left out.
        std::fs::write(&bad, "\u{feff}vpc main {}\n").unwrap();
        assert_eq!(read_given(&bad).unwrap(), "vpc main {}\n");
    }
}
