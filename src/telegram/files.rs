//! Pictures people send as files (documents), looked at before any handler takes them: the
//! file's declared size, then its header, fetched with a capped download at intake, so the
//! sender is told at once when it is too large ("send it as a photo") rather than nothing
//! reaching anyone later. Nothing is decoded here; `crate::scrub` decodes, under limits,
//! only when a picture is sent.
use super::api::BotApi;
use crate::scrub::{self, Inspection};
use serde_json::Value;
use std::time::Duration;

/// What intake learned of a picture sent as a file. A handler gets `NotChecked` for every
/// other update, and when the header could not be fetched (Telegram unreachable): the
/// sender checks the picture again before decoding it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FileCheck {
    #[default]
    NotChecked,
    Fits,
    /// Over `scrub::MAX_BYTES` as declared, or too many pixels or too long a side.
    TooLarge,
    /// Not a picture the bot can read (HEIC, RAW, garbage).
    Unreadable,
}

/// The longest a header check may take: the chat's next update waits for it.
const CHECK_TIME: Duration = Duration::from_secs(15);

const IMAGE_EXTENSIONS: [&str; 12] = [
    "jpg", "jpeg", "png", "heic", "heif", "webp", "tif", "tiff", "gif", "bmp", "dng", "raw",
];

/// Is a document with this MIME type and name a picture?
pub fn is_image(mime: Option<&str>, file_name: Option<&str>) -> bool {
    let mime_image = mime.is_some_and(|t| t.starts_with("image/"));
    let ext_image = file_name
        .and_then(|n| n.rsplit_once('.'))
        .is_some_and(|(_, e)| IMAGE_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()));
    mime_image || ext_image
}

/// Is a file of this declared size refused without looking further?
pub fn declared_too_large(size: u64) -> bool {
    size > scrub::MAX_BYTES as u64
}

/// The file id of a picture sent as a file in a private chat whose header is worth fetching
/// (one declared too large is refused from its size alone).
pub fn to_inspect(payload: &str) -> Option<String> {
    // Most updates are told apart without parsing them twice.
    if !payload.contains("\"document\"") {
        return None;
    }
    let update: Value = serde_json::from_str(payload).ok()?;
    let message = &update["message"];
    let document = &message["document"];
    if message["chat"]["type"].as_str() != Some("private")
        || !is_image(
            document["mime_type"].as_str(),
            document["file_name"].as_str(),
        )
        || declared_too_large(document["file_size"].as_u64().unwrap_or(0))
    {
        return None;
    }
    document["file_id"].as_str().map(str::to_string)
}

/// Fetch the picture's first bytes (at most `scrub::HEADER_BYTES`, stopping as soon as they
/// tell its size) and judge it from its header.
pub async fn check(api: &BotApi, file_id: &str) -> FileCheck {
    let head = api.download_head(file_id, scrub::HEADER_BYTES, |bytes| {
        scrub::inspect(bytes) != Inspection::Incomplete
    });
    match tokio::time::timeout(CHECK_TIME, head).await {
        Ok(Ok(bytes)) => match scrub::inspect(&bytes) {
            Inspection::Fits { .. } => FileCheck::Fits,
            Inspection::TooLarge { .. } => FileCheck::TooLarge,
            Inspection::Unreadable(_) => FileCheck::Unreadable,
            // The whole file, and still no size: no picture.
            Inspection::Incomplete if bytes.len() < scrub::HEADER_BYTES => FileCheck::Unreadable,
            // Its size lies further in: the sender's check before decoding decides.
            Inspection::Incomplete => FileCheck::NotChecked,
        },
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "fetching a picture's header failed; it is checked when sent");
            FileCheck::NotChecked
        }
        Err(_) => {
            tracing::warn!("fetching a picture's header took too long; it is checked when sent");
            FileCheck::NotChecked
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn pictures_sent_as_files_in_private_chats_are_inspected() {
        let doc = |chat: &str, mime: &str, name: &str, size: u64| {
            json!({"update_id": 1, "message": {"chat": {"id": 5, "type": chat},
                "document": {"file_id": "F", "file_size": size, "mime_type": mime, "file_name": name}}})
            .to_string()
        };
        assert_eq!(
            to_inspect(&doc("private", "image/png", "a.png", 300)).as_deref(),
            Some("F")
        );
        assert_eq!(
            to_inspect(&doc("private", "application/octet-stream", "a.JPG", 300)).as_deref(),
            Some("F")
        );
        assert_eq!(
            to_inspect(&doc("private", "application/pdf", "a.pdf", 300)),
            None
        );
        assert_eq!(to_inspect(&doc("group", "image/png", "a.png", 300)), None);
        assert_eq!(
            to_inspect(&doc("private", "image/png", "a.png", 21 * 1024 * 1024)),
            None,
            "refused from its declared size"
        );
        assert_eq!(
            to_inspect(r#"{"update_id": 2, "message": {"text": "hi"}}"#),
            None
        );
    }
}
