//! Pictures that arrive as files keep their metadata (GPS position, camera, time). They are
//! referred to as `scrub:<file id>` and re-encoded from pixels when sent, so only the picture
//! itself ever reaches anyone.
//!
//! Files are untrusted: a 236 KB PNG can decode to 9000 × 9000 pixels (over 300 MB). So a
//! picture is looked at from its header before anything decodes it (`inspect`), refused past
//! `MAX_PIXELS` or `MAX_SIDE`, and decoded under `image::Limits` as a second guard.
use serde_json::Value;
use std::io::Cursor;

use crate::notice::SCRUB_PREFIX as PREFIX;
/// Telegram lets bots download files up to 20 MB; a file declared or found larger is refused.
pub const MAX_BYTES: usize = 20 * 1024 * 1024;
/// More pixels than this are refused before decoding (40 megapixels).
pub const MAX_PIXELS: u64 = 40_000_000;
/// A side longer than this is refused before decoding.
pub const MAX_SIDE: u32 = 8192;
/// The most the decoder may allocate: the largest picture allowed, at four bytes a pixel.
const MAX_ALLOC: u64 = MAX_PIXELS * 4;
/// What is sent is at most this on a side, as Telegram's own photos are (its sendPhoto also
/// refuses sides that add up to more than 10,000).
const SENT_SIDE: u32 = 2560;
/// Where a picture's size is to be found: every format we read gives it within this much of
/// its start (a JPEG's EXIF block may come before its frame header, at most 64 KB a segment).
pub const HEADER_BYTES: usize = 512 * 1024;

/// What a picture's header says about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inspection {
    /// Small enough to decode.
    Fits { width: u32, height: u32 },
    /// Too many pixels or too long a side.
    TooLarge { width: u32, height: u32 },
    /// Not a picture this bot can read (another format, or garbage).
    Unreadable(String),
    /// A picture, but its size is not within the bytes given (a longer prefix may tell).
    Incomplete,
}

/// Why a picture is not sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScrubError {
    #[error("picture of {width} × {height} pixels is too large to decode (at most {MAX_PIXELS} pixels, {MAX_SIDE} a side)")]
    TooLarge { width: u32, height: u32 },
    #[error("not a readable picture: {0}")]
    Unreadable(String),
}

/// The file id to scrub, when this is a sendPhoto of a `scrub:` picture, or of one a WeCom
/// member sent (`wecom:`, kept: Telegram cannot fetch it, so it is fetched and uploaded).
pub fn needed(method: &str, params: &Value) -> Option<String> {
    if !method.eq_ignore_ascii_case("sendPhoto") {
        return None;
    }
    let photo = params["photo"].as_str()?;
    match photo.strip_prefix(PREFIX) {
        Some(id) => Some(id.to_string()),
        None if photo.starts_with(crate::notice::WECOM_MEDIA_PREFIX) => Some(photo.to_string()),
        None => None,
    }
}

/// The picture's size from its header alone (`bytes` may be only the file's start); nothing
/// is decoded.
pub fn inspect(bytes: &[u8]) -> Inspection {
    let reader = match image::ImageReader::new(Cursor::new(bytes)).with_guessed_format() {
        Ok(r) => r,
        Err(e) => return Inspection::Unreadable(e.to_string()),
    };
    if reader.format().is_none() {
        // A format is told by its first few bytes: past those, it is none we read.
        return match bytes.len() < 64 {
            true => Inspection::Incomplete,
            false => Inspection::Unreadable("not a picture format this bot reads".into()),
        };
    }
    match reader.into_dimensions() {
        Ok((width, height)) if fits(width, height) => Inspection::Fits { width, height },
        Ok((width, height)) => Inspection::TooLarge { width, height },
        // Ran out of bytes before the size: a longer prefix may hold it.
        Err(image::ImageError::IoError(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
            Inspection::Incomplete
        }
        Err(e) if bytes.len() < HEADER_BYTES => match e {
            image::ImageError::Decoding(_) | image::ImageError::IoError(_) => {
                Inspection::Incomplete
            }
            other => Inspection::Unreadable(other.to_string()),
        },
        Err(e) => Inspection::Unreadable(e.to_string()),
    }
}

fn fits(width: u32, height: u32) -> bool {
    width <= MAX_SIDE && height <= MAX_SIDE && u64::from(width) * u64::from(height) <= MAX_PIXELS
}

/// Decode and encode again as JPEG: the encoder writes pixels only, no EXIF or XMP. The
/// header is checked first, and the decoder runs under limits, so a hostile file costs at
/// most one picture of `MAX_PIXELS`.
pub fn reencode(bytes: &[u8]) -> Result<Vec<u8>, ScrubError> {
    match inspect(bytes) {
        Inspection::Fits { .. } => {}
        Inspection::TooLarge { width, height } => {
            return Err(ScrubError::TooLarge { width, height })
        }
        Inspection::Unreadable(e) => return Err(ScrubError::Unreadable(e)),
        Inspection::Incomplete => return Err(ScrubError::Unreadable("the file ends early".into())),
    }
    let mut reader = image::ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| ScrubError::Unreadable(e.to_string()))?;
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_ALLOC);
    reader.limits(limits);
    let mut picture = reader
        .decode()
        .map_err(|e| ScrubError::Unreadable(e.to_string()))?;
    if picture.width() > SENT_SIDE || picture.height() > SENT_SIDE {
        // `thumbnail` samples straight into the small picture (`resize` would first build
        // a float copy of the large one).
        picture = picture.thumbnail(SENT_SIDE, SENT_SIDE);
    }
    let mut out = Vec::new();
    picture
        .to_rgb8()
        .write_to(&mut Cursor::new(&mut out), image::ImageFormat::Jpeg)
        .map_err(|e| ScrubError::Unreadable(e.to_string()))?;
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

/// A one-colour PNG of `width` × `height`, for tests and benchmarks: it compresses to a few
/// hundred KB even at 9000 × 9000 (written row by row, never held whole).
pub fn large_png(width: u32, height: u32) -> Vec<u8> {
    let mut out = Vec::new();
    // Writing into memory fails only on a bad size, which leaves a file to refuse anyway.
    let _ = write_png(&mut out, width, height);
    out
}

fn write_png(out: &mut Vec<u8>, width: u32, height: u32) -> Result<(), png::EncodingError> {
    let mut encoder = png::Encoder::new(out, width, height);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_compression(png::Compression::High);
    let mut writer = encoder.write_header()?;
    let mut stream = writer.stream_writer()?;
    let row = vec![90u8; width as usize * 3];
    for _ in 0..height {
        std::io::Write::write_all(&mut stream, &row)?;
    }
    stream.finish()
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
        assert!(matches!(
            reencode(b"not a picture at all"),
            Err(ScrubError::Unreadable(_))
        ));
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

    #[test]
    fn a_huge_picture_is_told_from_its_first_bytes_and_never_decoded() {
        let png = large_png(9000, 9000);
        assert!(png.len() < 1024 * 1024, "{} bytes", png.len());
        assert_eq!(
            inspect(&png[..100]),
            Inspection::TooLarge {
                width: 9000,
                height: 9000
            }
        );
        assert_eq!(
            reencode(&png),
            Err(ScrubError::TooLarge {
                width: 9000,
                height: 9000
            })
        );
        // One side too long, few pixels.
        assert!(matches!(
            inspect(&large_png(9000, 10)),
            Inspection::TooLarge { .. }
        ));
        assert!(matches!(
            inspect(&large_png(8000, 5000)),
            Inspection::Fits { .. }
        ));
    }

    #[test]
    fn a_prefix_tells_what_it_can() {
        let jpeg = jpeg_with_exif();
        assert_eq!(inspect(&jpeg[..4]), Inspection::Incomplete);
        assert_eq!(inspect(&jpeg[..40]), Inspection::Incomplete);
        assert_eq!(
            inspect(&jpeg),
            Inspection::Fits {
                width: 16,
                height: 16
            }
        );
        assert!(matches!(inspect(&[b'x'; 200]), Inspection::Unreadable(_)));
    }

    #[test]
    fn a_large_picture_is_sent_smaller_and_a_broken_one_is_refused() {
        let png = large_png(3000, 1000);
        let clean = reencode(&png).expect("decodes");
        let back = image::load_from_memory(&clean).expect("a picture");
        assert_eq!((back.width(), back.height()), (2560, 853));
        // A sound header over broken pixel data: inspected fine, refused when decoded.
        let mut broken = png[..png.len() / 2].to_vec();
        broken.extend_from_slice(&[0u8; 64]);
        assert!(matches!(inspect(&broken), Inspection::Fits { .. }));
        assert!(matches!(reencode(&broken), Err(ScrubError::Unreadable(_))));
    }
}
