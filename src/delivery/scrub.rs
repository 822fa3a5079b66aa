//! Pictures that arrive as files keep their metadata (GPS position, camera, time). They are
//! referred to as `scrub:<file id>` and re-encoded from pixels when sent, so only the picture
//! itself ever reaches anyone.
use serde_json::Value;
use std::io::Cursor;

pub const PREFIX: &str = "scrub:";
/// Telegram lets bots download files up to 20 MB.
pub const MAX_BYTES: usize = 20 * 1024 * 1024;

/// The file id to scrub, when this is a sendPhoto of a `scrub:` picture.
pub fn needed(method: &str, params: &Value) -> Option<String> {
    if !method.eq_ignore_ascii_case("sendPhoto") {
        return None;
    }
    params["photo"]
        .as_str()?
        .strip_prefix(PREFIX)
        .map(str::to_string)
}

/// Decode and encode again as JPEG: the encoder writes pixels only, no EXIF or XMP.
pub fn reencode(bytes: &[u8]) -> Result<Vec<u8>, String> {
    let reader = image::ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| e.to_string())?;
    let picture = reader
        .decode()
        .map_err(|e| format!("not a readable picture: {e}"))?;
    let mut out = Vec::new();
    picture
        .to_rgb8()
        .write_to(&mut Cursor::new(&mut out), image::ImageFormat::Jpeg)
        .map_err(|e| e.to_string())?;
    Ok(out)
}

/// A small JPEG carrying an EXIF block with a GPS tag and a camera name, for tests.
pub fn jpeg_with_exif() -> Vec<u8> {
    let mut plain = Vec::new();
    let img = image::RgbImage::from_pixel(16, 16, image::Rgb([200, 40, 40]));
    let _ = img.write_to(&mut Cursor::new(&mut plain), image::ImageFormat::Jpeg);
    let payload = b"Exif\0\0GPSLatitude 36.8 N GPSLongitude 117.9 E CameraModel SecretPhone";
    let len = (payload.len() + 2) as u16;
    let mut with = vec![0xFF, 0xD8, 0xFF, 0xE1];
    with.extend_from_slice(&len.to_be_bytes());
    with.extend_from_slice(payload);
    with.extend_from_slice(&plain[2..]);
    with
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reencoding_drops_metadata_and_keeps_the_picture() {
        let original = jpeg_with_exif();
        assert!(original.windows(11).any(|w| w == b"GPSLatitude"));
        let clean = reencode(&original).expect("a picture");
        assert!(!clean.windows(4).any(|w| w == b"Exif"));
        assert!(!clean.windows(11).any(|w| w == b"GPSLatitude"));
        let back = image::load_from_memory(&clean).expect("still a picture");
        assert_eq!((back.width(), back.height()), (16, 16));
        assert!(reencode(b"not a picture at all").is_err());
    }

    #[test]
    fn only_scrub_photos_are_scrubbed() {
        assert_eq!(
            needed("sendPhoto", &json!({"photo": "scrub:F1"})).as_deref(),
            Some("F1")
        );
        assert_eq!(needed("sendPhoto", &json!({"photo": "F1"})), None);
        assert_eq!(needed("sendMessage", &json!({"photo": "scrub:F1"})), None);
    }
}
