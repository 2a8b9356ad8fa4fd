//! HMAC-SHA256 signatures of raw bodies, in base64 or hex, made and verified (in constant
//! time) here and nowhere else.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// How a signature is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    /// Standard base64 with padding (Shopify, ShipHero).
    Base64,
    /// Lowercase or uppercase hex.
    Hex,
    /// Either: hex when it parses as 64 hex digits, else base64.
    Any,
}

/// The raw HMAC-SHA256 of `message` under `key`.
pub fn hmac_sha256(key: &[u8], message: &[u8]) -> Vec<u8> {
    // HMAC takes keys of any length, so this cannot fail.
    let mut mac = match HmacSha256::new_from_slice(key) {
        Ok(m) => m,
        Err(_) => return Vec::new(),
    };
    mac.update(message);
    mac.finalize().into_bytes().to_vec()
}

/// base64(HMAC-SHA256(key, message)).
pub fn hmac_sha256_base64(key: &[u8], message: &[u8]) -> String {
    STANDARD.encode(hmac_sha256(key, message))
}

/// hex(HMAC-SHA256(key, message)), lowercase.
pub fn hmac_sha256_hex(key: &[u8], message: &[u8]) -> String {
    hex::encode(hmac_sha256(key, message))
}

/// Why a signature did not verify.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// The signature is not written in the expected encoding.
    #[error("the signature is neither hex nor base64")]
    Encoding,
    /// The signature is well formed but is not the body's.
    #[error("the signature does not match the body")]
    Mismatch,
}

/// Checks that `signature` (optionally prefixed `sha256=`, surrounding spaces ignored) is the
/// HMAC-SHA256 of `message` under `key`, compared in constant time. The one verification of
/// every webhook signature (Shopify, the warehouse profiles, `webhook.received`).
pub fn verify_hmac_sha256(
    key: &[u8],
    message: &[u8],
    signature: &str,
    encoding: Encoding,
) -> Result<(), SignatureError> {
    let sig = signature.trim();
    let sig = sig.strip_prefix("sha256=").unwrap_or(sig);
    let decoded = match encoding {
        Encoding::Base64 => STANDARD.decode(sig).ok(),
        Encoding::Hex => hex::decode(sig).ok(),
        Encoding::Any => {
            if sig.len() == 64 && sig.bytes().all(|b| b.is_ascii_hexdigit()) {
                hex::decode(sig).ok()
            } else {
                STANDARD.decode(sig).ok()
            }
        }
    };
    let decoded = decoded.ok_or(SignatureError::Encoding)?;
    let mut mac = HmacSha256::new_from_slice(key).map_err(|_| SignatureError::Mismatch)?;
    mac.update(message);
    mac.verify_slice(&decoded)
        .map_err(|_| SignatureError::Mismatch)
}

/// Compares two byte strings in constant time (for shared-secret headers).
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    // Compare MACs of both under a fixed key: equal-length digests, constant-time verify.
    let Ok(mut mac) = HmacSha256::new_from_slice(b"handled-constant-time-eq") else {
        return false;
    };
    mac.update(a);
    let expected = hmac_sha256(b"handled-constant-time-eq", b);
    mac.verify_slice(&expected).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_vector_and_verify() {
        // RFC 4231 test case 2.
        let hexsig = hmac_sha256_hex(b"Jefe", b"what do ya want for nothing?");
        assert_eq!(
            hexsig,
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        let b64 = hmac_sha256_base64(b"Jefe", b"what do ya want for nothing?");
        assert!(
            verify_hmac_sha256(
                b"Jefe",
                b"what do ya want for nothing?",
                &b64,
                Encoding::Base64
            )
            .is_ok()
        );
        assert!(
            verify_hmac_sha256(
                b"Jefe",
                b"what do ya want for nothing?",
                &hexsig,
                Encoding::Hex
            )
            .is_ok()
        );
        assert!(
            verify_hmac_sha256(
                b"Jefe",
                b"what do ya want for nothing?",
                &format!("sha256={hexsig}"),
                Encoding::Any
            )
            .is_ok()
        );
        assert!(
            verify_hmac_sha256(
                b"Jefe",
                b"what do ya want for nothing?",
                &b64,
                Encoding::Any
            )
            .is_ok()
        );
        assert_eq!(
            verify_hmac_sha256(
                b"Jefe",
                b"what do ya want for nothing!",
                &b64,
                Encoding::Base64
            ),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify_hmac_sha256(b"Jefe", b"x", "not base64!", Encoding::Base64),
            Err(SignatureError::Encoding)
        );
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"abcd"));
    }
}
