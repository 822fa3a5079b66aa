//! WeCom's callback encryption (WXBizMsgCrypt, "加解密方案说明").
//!
//! - Signature: lowercase hex SHA-1 of the token, timestamp, nonce and ciphertext, sorted as
//!   byte strings and concatenated.
//! - Key: the 43-character EncodingAESKey plus "=", base64-decoded: 32 bytes. AES-256-CBC with
//!   the key's first 16 bytes as IV, PKCS#7 padding to a multiple of 32 bytes (not 16).
//! - Plaintext: 16 random bytes, the message's length as a big-endian u32, the message, then
//!   the receive id (the corp id for a self-built app's callback).
//!
//! Checked against the sample in WeCom's documentation (see the tests), not only against
//! itself.

use std::fmt;

use aes::Aes256;
use base64::alphabet;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use base64::Engine;
use cbc::cipher::block_padding::NoPadding;
use cbc::cipher::{BlockDecryptMut, BlockEncryptMut, KeyIvInit};
use rand::RngCore;
use sha1::{Digest, Sha1};
use subtle::ConstantTimeEq;

/// WeCom pads to 32 bytes, twice the AES block.
const PAD_TO: usize = 32;
/// 16 random bytes, then the 4-byte length.
const HEADER: usize = 20;

/// Decodes the EncodingAESKey. WeCom generates keys whose last character carries two
/// non-zero bits past the 32 bytes (the documented sample ends in "C"); its own libraries
/// ignore them, so a strict decoder would refuse real keys.
const KEY_ENGINE: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_allow_trailing_bits(true),
);

#[derive(thiserror::Error, Debug, Clone, PartialEq, Eq)]
pub enum CryptoError {
    #[error("the EncodingAESKey must be 43 characters of A-Z, a-z, 0-9")]
    BadKey,
    #[error("bad signature")]
    BadSignature,
    #[error("malformed ciphertext: {0}")]
    Malformed(&'static str),
    #[error("the message is for another corp")]
    ForeignCorp,
}

/// The callback's token, AES key and corp id. `Debug` shows the corp id only.
#[derive(Clone)]
pub struct Crypto {
    token: String,
    key: [u8; 32],
    corp_id: String,
}

impl fmt::Debug for Crypto {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Crypto")
            .field("corp_id", &self.corp_id)
            .finish_non_exhaustive()
    }
}

type Enc = cbc::Encryptor<Aes256>;
type Dec = cbc::Decryptor<Aes256>;

impl Crypto {
    pub fn new(token: &str, encoding_aes_key: &str, corp_id: &str) -> Result<Crypto, CryptoError> {
        if encoding_aes_key.len() != 43
            || !encoding_aes_key.bytes().all(|b| b.is_ascii_alphanumeric())
        {
            return Err(CryptoError::BadKey);
        }
        let bytes = KEY_ENGINE
            .decode(format!("{encoding_aes_key}="))
            .map_err(|_| CryptoError::BadKey)?;
        let key: [u8; 32] = bytes.try_into().map_err(|_| CryptoError::BadKey)?;
        Ok(Crypto {
            token: token.to_string(),
            key,
            corp_id: corp_id.to_string(),
        })
    }

    pub fn corp_id(&self) -> &str {
        &self.corp_id
    }

    /// The `msg_signature` of a callback carrying `encrypted`.
    pub fn sign(&self, timestamp: &str, nonce: &str, encrypted: &str) -> String {
        let mut parts = [self.token.as_str(), timestamp, nonce, encrypted];
        parts.sort_unstable();
        let mut h = Sha1::new();
        for p in parts {
            h.update(p.as_bytes());
        }
        h.finalize().iter().map(|b| format!("{b:02x}")).collect()
    }

    /// Whether `signature` signs these; compared in constant time.
    pub fn verify(&self, signature: &str, timestamp: &str, nonce: &str, encrypted: &str) -> bool {
        let expected = self.sign(timestamp, nonce, encrypted);
        expected.as_bytes().ct_eq(signature.as_bytes()).into()
    }

    /// `plaintext` framed, padded and encrypted with a fresh random prefix; base64.
    pub fn encrypt(&self, plaintext: &[u8]) -> String {
        let mut random = [0u8; 16];
        rand::thread_rng().fill_bytes(&mut random);
        self.encrypt_with(random, plaintext)
    }

    fn encrypt_with(&self, random: [u8; 16], plaintext: &[u8]) -> String {
        let body = HEADER + plaintext.len() + self.corp_id.len();
        // PKCS#7 to 32: always 1..=32 bytes, each the pad's length.
        let pad = PAD_TO - body % PAD_TO;
        let mut buf = Vec::with_capacity(body + pad);
        buf.extend_from_slice(&random);
        // Callback bodies are bounded far below 4 GiB; saturate rather than wrap.
        buf.extend_from_slice(
            &u32::try_from(plaintext.len())
                .unwrap_or(u32::MAX)
                .to_be_bytes(),
        );
        buf.extend_from_slice(plaintext);
        buf.extend_from_slice(self.corp_id.as_bytes());
        buf.resize(body + pad, pad as u8);
        let len = buf.len();
        let out = Enc::new(&self.key.into(), self.iv().into())
            .encrypt_padded_mut::<NoPadding>(&mut buf, len)
            .map(|c| STANDARD.encode(c));
        // A multiple of 32 bytes is whole AES blocks: NoPadding cannot fail here.
        out.unwrap_or_default()
    }

    /// The message inside `encrypted`, after checking its framing and that the trailing
    /// receive id is our corp id. Does not check the signature: see [`Crypto::open`].
    pub fn decrypt(&self, encrypted: &str) -> Result<Vec<u8>, CryptoError> {
        let mut buf = STANDARD
            .decode(encrypted.trim())
            .map_err(|_| CryptoError::Malformed("not base64"))?;
        if buf.is_empty() || buf.len() % 16 != 0 {
            return Err(CryptoError::Malformed("not whole AES blocks"));
        }
        let plain = Dec::new(&self.key.into(), self.iv().into())
            .decrypt_padded_mut::<NoPadding>(&mut buf)
            .map_err(|_| CryptoError::Malformed("not whole AES blocks"))?;
        let pad = usize::from(*plain.last().unwrap_or(&0));
        if !(1..=PAD_TO).contains(&pad)
            || pad > plain.len()
            || !plain[plain.len() - pad..]
                .iter()
                .all(|&b| usize::from(b) == pad)
        {
            return Err(CryptoError::Malformed("bad padding"));
        }
        let framed = &plain[..plain.len() - pad];
        let Some(len) = framed.get(16..HEADER) else {
            return Err(CryptoError::Malformed("too short"));
        };
        let len = u32::from_be_bytes([len[0], len[1], len[2], len[3]]) as usize;
        let rest = &framed[HEADER..];
        if len > rest.len() {
            return Err(CryptoError::Malformed("length past the end"));
        }
        let (msg, receive_id) = rest.split_at(len);
        if receive_id != self.corp_id.as_bytes() {
            return Err(CryptoError::ForeignCorp);
        }
        Ok(msg.to_vec())
    }

    /// Verifies the signature, then decrypts: what a callback handler does.
    pub fn open(
        &self,
        signature: &str,
        timestamp: &str,
        nonce: &str,
        encrypted: &str,
    ) -> Result<Vec<u8>, CryptoError> {
        if !self.verify(signature, timestamp, nonce, encrypted) {
            return Err(CryptoError::BadSignature);
        }
        self.decrypt(encrypted)
    }

    fn iv(&self) -> &[u8; 16] {
        self.key[..16]
            .try_into()
            .unwrap_or_else(|_| unreachable!("a 32-byte key has a 16-byte prefix"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // The sample of WeCom's "加解密方案说明" (also in its C#/Java/Python SDK samples).
    const TOKEN: &str = "QDG6eK";
    const KEY: &str = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C";
    const CORP: &str = "wx5823bf96d3bd56c7";

    fn sample() -> Crypto {
        Crypto::new(TOKEN, KEY, CORP).expect("the documented key")
    }

    #[test]
    fn verifies_and_decrypts_the_documented_url_check() {
        let c = sample();
        let echostr = "P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ==";
        assert_eq!(
            c.sign("1409659589", "263014780", echostr),
            "5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3"
        );
        let plain = c
            .open(
                "5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3",
                "1409659589",
                "263014780",
                echostr,
            )
            .expect("the documented echostr opens");
        assert_eq!(plain, b"1616140317555161061");
    }

    const SAMPLE_ENCRYPT: &str = "RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHHhGd3QczcdCUpj911L3vg3W/sYYvuJTs3TUUkSUXxaccAS0qhxchrRYt66wiSpGLYL42aM6A8dTT+6k4aSknmPj48kzJs8qLjvd4Xgpue06DOdnLxAUHzM6+kDZ+HMZfJYuR+LtwGc2hgf5gsijff0ekUNXZiqATP7PF5mZxZ3Izoun1s4zG4LUMnvw2r+KqCKIw+3IQH03v+BCA9nMELNqbSf6tiWSrXJB3LAVGUcallcrw8V2t9EL4EhzJWrQUax5wLVMNS0+rUPA3k22Ncx4XXZS9o0MBH27Bo6BpNelZpS+/uh9KsNlY6bHCmJU9p8g7m3fVKn28H3KDYA5Pl/T8Z1ptDAVe0lXdQ2YoyyH2uyPIGHBZZIs2pDBS8R07+qN+E7Q==";

    #[test]
    fn verifies_and_decrypts_the_documented_message() {
        let c = sample();
        assert_eq!(
            c.sign("1409659813", "1372623149", SAMPLE_ENCRYPT),
            "477715d11cdb4164915debcba66cb864d751f3e6"
        );
        let plain = c
            .open(
                "477715d11cdb4164915debcba66cb864d751f3e6",
                "1409659813",
                "1372623149",
                SAMPLE_ENCRYPT,
            )
            .expect("the documented message opens");
        let xml = String::from_utf8(plain).expect("utf-8");
        // The fields the documentation shows for it (message.rs parses it fully).
        for field in [
            "<ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName>",
            "<FromUserName><![CDATA[mycreate]]></FromUserName>",
            "<CreateTime>1409659813</CreateTime>",
            "<Content><![CDATA[hello]]></Content>",
            "<MsgId>4561255354251345929</MsgId>",
            "<AgentID>218</AgentID>",
        ] {
            assert!(xml.contains(field), "{field} in {xml}");
        }
    }

    #[test]
    fn refuses_a_signature_off_by_one_character_or_of_another_length() {
        let c = sample();
        let good = "477715d11cdb4164915debcba66cb864d751f3e6";
        for bad in [
            "477715d11cdb4164915debcba66cb864d751f3e7",
            "477715d11cdb4164915debcba66cb864d751f3e",
            "477715D11CDB4164915DEBCBA66CB864D751F3E6",
            "",
        ] {
            assert!(
                !c.verify(bad, "1409659813", "1372623149", SAMPLE_ENCRYPT),
                "{bad}"
            );
            assert_eq!(
                c.open(bad, "1409659813", "1372623149", SAMPLE_ENCRYPT),
                Err(CryptoError::BadSignature)
            );
        }
        assert!(c.verify(good, "1409659813", "1372623149", SAMPLE_ENCRYPT));
        assert!(!c.verify(good, "1409659814", "1372623149", SAMPLE_ENCRYPT));
    }

    #[test]
    fn round_trips_any_length_and_pads_to_32() {
        let c = sample();
        for n in 0..100 {
            let msg: Vec<u8> = (0..n).map(|i| (i * 7) as u8).collect();
            let enc = c.encrypt(&msg);
            let raw = STANDARD.decode(&enc).expect("base64");
            assert_eq!(raw.len() % 32, 0, "length {n}");
            assert!(raw.len() > HEADER + n + CORP.len());
            assert_eq!(c.decrypt(&enc).expect("round trip"), msg);
        }
        // The random prefix makes two encryptions of one message differ.
        assert_ne!(c.encrypt(b"same"), c.encrypt(b"same"));
    }

    #[test]
    fn a_fixed_prefix_encrypts_like_the_reference() {
        // Re-encrypting the documented plaintext with its own random prefix gives back the
        // documented ciphertext: our framing and padding are WeCom's byte for byte.
        let c = sample();
        let mut raw = STANDARD.decode(SAMPLE_ENCRYPT).expect("base64");
        let plain = Dec::new(&c.key.into(), c.iv().into())
            .decrypt_padded_mut::<NoPadding>(&mut raw)
            .expect("blocks")
            .to_vec();
        let random: [u8; 16] = plain[..16].try_into().expect("16 bytes");
        let msg = c.decrypt(SAMPLE_ENCRYPT).expect("opens");
        assert_eq!(c.encrypt_with(random, &msg), SAMPLE_ENCRYPT);
    }

    #[test]
    fn refuses_another_corps_message() {
        let ours = sample();
        let theirs = Crypto::new(TOKEN, KEY, "wwsomeoneelse").expect("key");
        let enc = theirs.encrypt(b"<xml/>");
        assert_eq!(ours.decrypt(&enc), Err(CryptoError::ForeignCorp));
        // A corp id that is a prefix of ours is still foreign.
        let prefix = Crypto::new(TOKEN, KEY, "wx5823bf96d3bd56").expect("key");
        assert_eq!(
            ours.decrypt(&prefix.encrypt(b"x")),
            Err(CryptoError::ForeignCorp)
        );
    }

    #[test]
    fn refuses_bad_keys() {
        for k in [
            "",
            "short",
            "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2",
            "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2CC",
            "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2+",
            "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2=",
        ] {
            assert_eq!(
                Crypto::new(TOKEN, k, CORP).err(),
                Some(CryptoError::BadKey),
                "{k}"
            );
        }
    }

    #[test]
    fn debug_shows_no_secret() {
        let shown = format!("{:?}", sample());
        assert!(shown.contains(CORP));
        assert!(!shown.contains(TOKEN));
        assert!(!shown.contains("key"), "{shown}");
    }

    #[test]
    fn garbage_never_panics() {
        let c = sample();
        let real = c.encrypt(b"<xml><a>1</a></xml>");
        let mut inputs: Vec<String> = vec![
            String::new(),
            "=".into(),
            "AAAA".into(),
            "!!!!".into(),
            STANDARD.encode([0u8; 16]),
            STANDARD.encode([0u8; 32]),
            STANDARD.encode([0xffu8; 64]),
            real[..real.len() - 4].to_string(),
            format!("{real}AAAA"),
        ];
        // Every single-character change of a real ciphertext.
        let bytes = real.as_bytes();
        for i in 0..bytes.len() {
            for sub in [b'A', b'/', b'z', b'='] {
                let mut b = bytes.to_vec();
                b[i] = sub;
                inputs.push(String::from_utf8_lossy(&b).into_owned());
            }
        }
        // Valid blocks whose plaintext claims a huge length or has a bad pad.
        for len in [0u32, 5, 1 << 31, u32::MAX] {
            let mut buf = vec![0u8; 64];
            buf[16..20].copy_from_slice(&len.to_be_bytes());
            let n = buf.len();
            let enc = Enc::new(&c.key.into(), c.iv().into())
                .encrypt_padded_mut::<NoPadding>(&mut buf, n)
                .map(|x| STANDARD.encode(x))
                .expect("blocks");
            inputs.push(enc);
        }
        for s in &inputs {
            let _ = c.decrypt(s);
            let _ = c.open("x", "1", "2", s);
        }
    }
}
