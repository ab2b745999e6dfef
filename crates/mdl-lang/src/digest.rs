//! SHA-256 digests: at the bottom, for every layer.
//!
//! Must not import any other mdl module.

/// A SHA-256 digest, `sha256:<hex>`: ids and names derived from a stack
/// and an address, and the digests of files.
pub fn digest(value: &str) -> String {
    use sha2::Digest;
    let hash = sha2::Sha256::digest(value.as_bytes());
    let hex: String = hash.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}
