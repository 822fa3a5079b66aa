//! The bot's secrets: one master key (the tip key), from which a keyed hash (tip drafts,
//! relay sessions, rate counters and receipt-code lookups are found by it, never by a chat
//! id) and the AEAD that seals a tipster's chat id and every ephemeral message are derived;
//! receipt codes and their Argon2id hashes, and the guard on guessing them (`guard`).
pub mod guard;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use rand::distributions::{Alphanumeric, DistString};
use rand::RngCore;
use sha2::Sha256;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Environment variable holding the key as 64 hex characters.
pub const KEY_ENV: &str = "LOOKOUT_TIP_KEY";
/// Otherwise the key lives in this file in the working directory, created on first run.
pub const KEY_FILE: &str = "lookout-tip.key";

/// 22 characters of [A-Za-z0-9]: 22 × log2(62) ≈ 131 random bits.
pub const CODE_LEN: usize = 22;

/// Argon2id parameters (OWASP's first recommendation: 19 MiB, 2 passes, 1 lane).
const ARGON_M_KIB: u32 = 19 * 1024;
const ARGON_T: u32 = 2;
const ARGON_P: u32 = 1;

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("{KEY_ENV} must be 64 hex characters (32 bytes)")]
    BadEnv,
    #[error("tip key file {path}: {detail}")]
    File { path: PathBuf, detail: String },
}

#[derive(Debug, thiserror::Error)]
pub enum CryptoError {
    #[error("sealed value is malformed")]
    Malformed,
    #[error("sealed value does not open with this key")]
    WrongKey,
    #[error("hashing a receipt code failed: {0}")]
    Hash(String),
}

/// The master key. Never printed: `Debug` shows nothing of it.
#[derive(Clone)]
pub struct TipKey([u8; 32]);

impl std::fmt::Debug for TipKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TipKey(…)")
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    let s = s.trim();
    if !s.len().is_multiple_of(2) || !s.is_ascii() {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).ok())
        .collect()
}

fn key32(s: &str) -> Option<[u8; 32]> {
    unhex(s).and_then(|v| v.try_into().ok())
}

impl TipKey {
    pub fn from_bytes(bytes: [u8; 32]) -> TipKey {
        TipKey(bytes)
    }

    /// A fresh random key (the demo's; a real deployment keeps its key).
    pub fn random() -> TipKey {
        let mut k = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut k);
        TipKey(k)
    }

    /// A key given as 64 hex characters (`LOOKOUT_TIP_KEY`).
    pub fn parse_hex(hex: &str) -> Result<[u8; 32], KeyError> {
        key32(hex).ok_or(KeyError::BadEnv)
    }

    /// The key file at `path`, created (0600) when missing.
    pub fn load_file(path: &Path) -> Result<TipKey, KeyError> {
        let err = |detail: String| KeyError::File {
            path: path.to_path_buf(),
            detail,
        };
        match std::fs::read_to_string(path) {
            Ok(text) => key32(&text)
                .map(TipKey)
                .ok_or_else(|| err("must hold 64 hex characters".into())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let key = TipKey::random();
                let mut opts = std::fs::OpenOptions::new();
                opts.write(true).create_new(true);
                #[cfg(unix)]
                {
                    use std::os::unix::fs::OpenOptionsExt;
                    opts.mode(0o600);
                }
                let mut f = opts.open(path).map_err(|e| err(e.to_string()))?;
                f.write_all(format!("{}\n", hex(&key.0)).as_bytes())
                    .and_then(|_| f.sync_all())
                    .map_err(|e| err(e.to_string()))?;
                tracing::info!(path = %path.display(), "created a new tip key file; back it up");
                Ok(key)
            }
            Err(e) => Err(err(e.to_string())),
        }
    }

    fn mac(&self, label: &str, data: &[u8]) -> [u8; 32] {
        // HMAC accepts any key length, so this cannot fail.
        let mut m = <Hmac<Sha256> as hmac::KeyInit>::new_from_slice(&self.0)
            .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
        m.update(label.as_bytes());
        m.update(&[0]);
        m.update(data);
        m.finalize().into_bytes().into()
    }

    /// Keyed hash of a chat id for one purpose (`label`): equal chats give equal values, but
    /// without the key the value says nothing about the chat.
    pub fn chat_key(&self, label: &str, chat_id: i64) -> String {
        hex(&self.mac(label, &chat_id.to_be_bytes()))
    }

    /// A stand-in chat id for an outbox row whose real recipient is sealed: stable per chat
    /// (so the sender keeps that chat's order and pace), far above any real Telegram id, and
    /// meaningless without the key.
    pub fn chat_pseudonym(&self, chat_id: i64) -> i64 {
        let mac = self.mac("outbox-lane", &chat_id.to_be_bytes());
        let mut b = [0u8; 8];
        b.copy_from_slice(&mac[..8]);
        (1i64 << 60) | (i64::from_be_bytes(b) & ((1i64 << 60) - 1))
    }

    /// The lookup value of a receipt code (the code itself is never stored).
    pub fn code_lookup(&self, code: &str) -> String {
        hex(&self.mac("code", code.as_bytes()))
    }

    fn aead(&self) -> XChaCha20Poly1305 {
        XChaCha20Poly1305::new(&self.mac("seal", b"").into())
    }

    /// Encrypt (a tipster's chat) for tip `tip_id`, bound to it: a sealed value moved to
    /// another tip does not open. Random 192-bit nonce; hex of nonce ‖ ciphertext.
    pub fn seal(&self, plain: &[u8], tip_id: i64) -> Result<String, CryptoError> {
        let mut nonce = [0u8; 24];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let aad = tip_id.to_be_bytes();
        let ct = self
            .aead()
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: plain,
                    aad: &aad,
                },
            )
            .map_err(|_| CryptoError::Malformed)?;
        Ok(format!("{}{}", hex(&nonce), hex(&ct)))
    }

    pub fn open(&self, sealed: &str, tip_id: i64) -> Result<Vec<u8>, CryptoError> {
        let bytes = unhex(sealed).ok_or(CryptoError::Malformed)?;
        if bytes.len() < 24 + 16 {
            return Err(CryptoError::Malformed);
        }
        let (nonce, ct) = bytes.split_at(24);
        let aad = tip_id.to_be_bytes();
        self.aead()
            .decrypt(XNonce::from_slice(nonce), Payload { msg: ct, aad: &aad })
            .map_err(|_| CryptoError::WrongKey)
    }
}

pub fn new_receipt_code() -> String {
    Alphanumeric.sample_string(&mut rand::rngs::OsRng, CODE_LEN)
}

pub fn looks_like_code(s: &str) -> bool {
    s.len() == CODE_LEN && s.bytes().all(|b| b.is_ascii_alphanumeric())
}

fn argon() -> Result<Argon2<'static>, CryptoError> {
    let params = Params::new(ARGON_M_KIB, ARGON_T, ARGON_P, None)
        .map_err(|e| CryptoError::Hash(e.to_string()))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// Argon2id PHC string of a receipt code. Slow on purpose: call it off the async threads.
pub fn hash_code(code: &str) -> Result<String, CryptoError> {
    let mut salt = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt).map_err(|e| CryptoError::Hash(e.to_string()))?;
    argon()?
        .hash_password(code.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| CryptoError::Hash(e.to_string()))
}

/// A fixed hash to verify against when no tip matched, so a wrong code costs what a right
/// one does and the answer time says nothing about which codes exist.
const DECOY: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$1PAtqGgb4zGaGhYRXozgLbC1r3W2wKNyuS6vTFVfWbM";

/// Does `code` match `phc`? With `None`, verifies against a decoy and answers false.
pub fn verify_code(code: &str, phc: Option<&str>) -> bool {
    let Ok(a) = argon() else { return false };
    let target = phc.unwrap_or(DECOY);
    let Ok(parsed) = PasswordHash::new(target) else {
        return false;
    };
    let ok = a.verify_password(code.as_bytes(), &parsed).is_ok();
    ok && phc.is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_round_trips_and_is_bound_to_key_and_tip() {
        let k = TipKey::from_bytes([7; 32]);
        let s1 = k.seal(b"123456789 en", 5).expect("seal");
        let s2 = k.seal(b"123456789 en", 5).expect("seal");
        assert_ne!(s1, s2, "random nonces");
        assert!(!s1.contains("123456789"));
        assert_eq!(k.open(&s1, 5).expect("open"), b"123456789 en");
        assert!(k.open(&s1, 6).is_err(), "bound to the tip");
        assert!(TipKey::from_bytes([8; 32]).open(&s1, 5).is_err());
        assert!(k.open("zz", 5).is_err());
        assert!(k.open("", 5).is_err());
    }

    #[test]
    fn keyed_hashes_differ_by_label_and_key() {
        let k = TipKey::from_bytes([1; 32]);
        assert_eq!(k.chat_key("draft", 42), k.chat_key("draft", 42));
        assert_ne!(k.chat_key("draft", 42), k.chat_key("rate", 42));
        assert_ne!(
            k.chat_key("draft", 42),
            TipKey::from_bytes([2; 32]).chat_key("draft", 42)
        );
        assert_eq!(k.code_lookup("abc").len(), 64);
    }

    #[test]
    fn codes_are_long_random_and_verify() {
        let c = new_receipt_code();
        assert!(looks_like_code(&c), "{c}");
        assert_ne!(c, new_receipt_code());
        assert!(!looks_like_code("short"));
        assert!(!looks_like_code(&"a-".repeat(11)));
        let h = hash_code(&c).expect("hash");
        assert!(h.starts_with("$argon2id$"), "{h}");
        assert!(!h.contains(&c));
        assert!(verify_code(&c, Some(&h)));
        assert!(!verify_code("x", Some(&h)));
        assert!(!verify_code(&c, None));
        assert!(PasswordHash::new(DECOY).is_ok(), "the decoy parses");
    }

    #[test]
    fn a_wrong_code_costs_what_a_right_one_does() {
        // The decoy is hashed with the same parameters as real codes, so verifying against it
        // does the same work...
        let decoy = PasswordHash::new(DECOY).expect("decoy");
        let real_code = new_receipt_code();
        let real = hash_code(&real_code).expect("hash");
        let real = PasswordHash::new(&real).expect("real");
        let params = |h: &PasswordHash| {
            h.params
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
        };
        assert_eq!(params(&decoy), params(&real));
        assert_eq!(decoy.algorithm, real.algorithm);
        // ...which shows in the time taken (loosely bounded: this is a machine, not a lab).
        let phc = hash_code(&real_code).expect("hash");
        let time = |code: &str, phc: Option<&str>| {
            let started = std::time::Instant::now();
            verify_code(code, phc);
            started.elapsed().as_secs_f64()
        };
        // Taken in turns and the fastest of each kept: a machine busy with other tests slows
        // one sample now and then, never the fastest of seven of all three kinds alike.
        let (mut right, mut unknown, mut wrong) = (f64::MAX, f64::MAX, f64::MAX);
        for _ in 0..7 {
            right = right.min(time(&real_code, Some(&phc)));
            unknown = unknown.min(time("NoSuchCode0000000000000", None));
            wrong = wrong.min(time("NoSuchCode0000000000000", Some(&phc)));
        }
        for other in [unknown, wrong] {
            let ratio = other / right;
            assert!(
                (0.33..3.0).contains(&ratio),
                "right {right:.4}s vs {other:.4}s"
            );
        }
    }

    #[test]
    fn key_file_is_created_private_and_read_back() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join(KEY_FILE);
        let a = TipKey::load_file(&path).expect("created");
        let b = TipKey::load_file(&path).expect("read");
        assert_eq!(a.0, b.0);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).expect("meta").permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        std::fs::write(&path, "nothex").expect("write");
        assert!(TipKey::load_file(&path).is_err());
        assert_eq!(format!("{a:?}"), "TipKey(…)");
    }
}
