//! Request parameters as Telegram accepts them: JSON, url-encoded form, multipart, or a query
//! string. Everything becomes one JSON object; form values stay strings and the typed getters
//! accept both shapes (Telegram does the same: `chat_id=5` and `"chat_id":5` both work).

use std::collections::HashMap;

use serde_json::{Map, Value};

/// A Telegram error answer: HTTP status, description, optional `parameters`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ApiError {
    pub status: u16,
    pub description: String,
    pub parameters: Option<Value>,
}

impl ApiError {
    pub fn new(status: u16, description: impl Into<String>) -> ApiError {
        ApiError {
            status,
            description: description.into(),
            parameters: None,
        }
    }
    pub fn bad_request(what: &str) -> ApiError {
        ApiError::new(400, format!("Bad Request: {what}"))
    }
    pub fn forbidden(what: &str) -> ApiError {
        ApiError::new(403, format!("Forbidden: {what}"))
    }
    pub fn with_parameters(mut self, p: Value) -> ApiError {
        self.parameters = Some(p);
        self
    }
    pub fn body(&self) -> Value {
        let mut body = serde_json::json!({
            "ok": false,
            "error_code": self.status,
            "description": self.description,
        });
        if let (Some(p), Some(obj)) = (&self.parameters, body.as_object_mut()) {
            obj.insert("parameters".into(), p.clone());
        }
        body
    }
}

/// Parsed parameters plus any uploaded files (multipart parts with a filename).
#[derive(Debug, Default)]
pub(crate) struct Params {
    pub fields: Map<String, Value>,
    pub files: HashMap<String, Vec<u8>>,
}

impl Params {
    pub fn parse(
        content_type: Option<&str>,
        query: Option<&str>,
        body: &[u8],
    ) -> Result<Params, ApiError> {
        let mut p = Params::default();
        if let Some(q) = query {
            p.add_form(q.as_bytes());
        }
        let ct = content_type.unwrap_or("").to_ascii_lowercase();
        if body.iter().all(|b| b.is_ascii_whitespace()) {
            return Ok(p);
        }
        if ct.starts_with("application/json") || (ct.is_empty() && body.first() == Some(&b'{')) {
            match serde_json::from_slice::<Value>(body) {
                Ok(Value::Object(m)) => p.fields.extend(m),
                _ => return Err(ApiError::bad_request("can't parse JSON object")),
            }
        } else if ct.starts_with("application/x-www-form-urlencoded") || ct.is_empty() {
            p.add_form(body);
        } else if ct.starts_with("multipart/form-data") {
            let boundary = content_type
                .and_then(boundary_of)
                .ok_or_else(|| ApiError::bad_request("multipart boundary is missing"))?;
            p.add_multipart(&boundary, body)?;
        } else {
            return Err(ApiError::bad_request("unsupported content type"));
        }
        Ok(p)
    }

    fn add_form(&mut self, bytes: &[u8]) {
        for (k, v) in url::form_urlencoded::parse(bytes) {
            self.fields
                .insert(k.into_owned(), Value::String(v.into_owned()));
        }
    }

    fn add_multipart(&mut self, boundary: &str, body: &[u8]) -> Result<(), ApiError> {
        let bad = || ApiError::bad_request("malformed multipart body");
        let delim = format!("--{boundary}").into_bytes();
        let mut rest = body;
        // Skip the preamble up to the first delimiter.
        let start = find(rest, &delim).ok_or_else(bad)?;
        rest = &rest[start + delim.len()..];
        loop {
            if rest.starts_with(b"--") {
                return Ok(()); // closing delimiter
            }
            let next = find(rest, &delim).ok_or_else(bad)?;
            let part = &rest[..next];
            rest = &rest[next + delim.len()..];
            let part = part.strip_prefix(b"\r\n").unwrap_or(part);
            let part = part.strip_suffix(b"\r\n").unwrap_or(part);
            let split = find(part, b"\r\n\r\n").ok_or_else(bad)?;
            let headers = String::from_utf8_lossy(&part[..split]);
            let content = &part[split + 4..];
            let mut name = None;
            let mut filename = None;
            for line in headers.lines() {
                if line
                    .to_ascii_lowercase()
                    .starts_with("content-disposition:")
                {
                    name = disposition_param(line, "name");
                    filename = disposition_param(line, "filename");
                }
            }
            let name = name.ok_or_else(bad)?;
            if filename.is_some() {
                self.files.insert(name, content.to_vec());
            } else {
                let text = String::from_utf8(content.to_vec()).map_err(|_| bad())?;
                self.fields.insert(name, Value::String(text));
            }
        }
    }

    pub fn get(&self, key: &str) -> Option<&Value> {
        self.fields.get(key).filter(|v| !v.is_null())
    }

    pub fn opt_i64(&self, key: &str) -> Result<Option<i64>, ApiError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Number(n)) => n.as_i64().map(Some).ok_or_else(|| {
                ApiError::bad_request(&format!("field \"{key}\" must be an integer"))
            }),
            Some(Value::String(s)) => {
                s.trim().parse().map(Some).map_err(|_| {
                    ApiError::bad_request(&format!("field \"{key}\" must be an integer"))
                })
            }
            Some(_) => Err(ApiError::bad_request(&format!(
                "field \"{key}\" must be an integer"
            ))),
        }
    }

    pub fn opt_f64(&self, key: &str) -> Result<Option<f64>, ApiError> {
        let err = || ApiError::bad_request(&format!("field \"{key}\" must be a number"));
        match self.get(key) {
            None => Ok(None),
            Some(Value::Number(n)) => n.as_f64().map(Some).ok_or_else(err),
            Some(Value::String(s)) => s.trim().parse().map(Some).map_err(|_| err()),
            Some(_) => Err(err()),
        }
    }

    pub fn opt_str(&self, key: &str) -> Result<Option<String>, ApiError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(Value::Number(n)) => Ok(Some(n.to_string())),
            Some(Value::Bool(b)) => Ok(Some(b.to_string())),
            Some(_) => Err(ApiError::bad_request(&format!(
                "field \"{key}\" must be a string"
            ))),
        }
    }

    pub fn opt_bool(&self, key: &str) -> Result<Option<bool>, ApiError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(Value::String(s)) if s == "true" => Ok(Some(true)),
            Some(Value::String(s)) if s == "false" => Ok(Some(false)),
            Some(_) => Err(ApiError::bad_request(&format!(
                "field \"{key}\" must be a boolean"
            ))),
        }
    }

    /// An object or array parameter; form encodings carry it as a JSON string.
    pub fn opt_json(&self, key: &str) -> Result<Option<Value>, ApiError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::String(s)) => serde_json::from_str(s)
                .map(Some)
                .map_err(|_| ApiError::bad_request(&format!("can't parse {key} JSON object"))),
            Some(v) => Ok(Some(v.clone())),
        }
    }

    /// `chat_id`, which must be numeric here: the simulator has no public @usernames.
    pub fn chat_id(&self) -> Result<i64, ApiError> {
        match self.get("chat_id") {
            None => Err(ApiError::bad_request("chat_id is empty")),
            Some(Value::String(s)) if s.starts_with('@') => {
                Err(ApiError::bad_request("chat not found"))
            }
            Some(_) => self
                .opt_i64("chat_id")?
                .ok_or_else(|| ApiError::bad_request("chat_id is empty")),
        }
    }
}

fn boundary_of(content_type: &str) -> Option<String> {
    content_type.split(';').find_map(|p| {
        let p = p.trim();
        let (k, v) = p.split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case("boundary")
            .then(|| v.trim().trim_matches('"').to_string())
    })
}

fn disposition_param(line: &str, key: &str) -> Option<String> {
    line.split(';').skip(1).find_map(|p| {
        let (k, v) = p.trim().split_once('=')?;
        (k.trim() == key).then(|| v.trim().trim_matches('"').to_string())
    })
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() || hay.len() < needle.len() {
        return None;
    }
    hay.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_form_and_multipart_agree() {
        let j = Params::parse(
            Some("application/json"),
            None,
            br#"{"chat_id":5,"text":"hi"}"#,
        )
        .unwrap();
        let f = Params::parse(
            Some("application/x-www-form-urlencoded"),
            None,
            b"chat_id=5&text=hi",
        )
        .unwrap();
        let body = b"--XX\r\nContent-Disposition: form-data; name=\"chat_id\"\r\n\r\n5\r\n--XX\r\nContent-Disposition: form-data; name=\"text\"\r\n\r\nhi\r\n--XX\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"a.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n\xff\xd8\r\n--XX--\r\n";
        let m = Params::parse(Some("multipart/form-data; boundary=XX"), None, body).unwrap();
        for p in [&j, &f, &m] {
            assert_eq!(p.chat_id().unwrap(), 5);
            assert_eq!(p.opt_str("text").unwrap().as_deref(), Some("hi"));
        }
        assert_eq!(
            m.files.get("photo").map(Vec::as_slice),
            Some(&b"\xff\xd8"[..])
        );
    }

    #[test]
    fn garbage_is_a_bad_request_not_a_panic() {
        assert!(Params::parse(Some("application/json"), None, b"[1,2").is_err());
        assert!(Params::parse(Some("application/json"), None, b"[1,2]").is_err());
        assert!(Params::parse(
            Some("multipart/form-data; boundary=XX"),
            None,
            b"--XX\r\nnope"
        )
        .is_err());
        assert!(Params::parse(Some("multipart/form-data"), None, b"x").is_err());
        let p = Params::parse(Some("application/json"), None, br#"{"chat_id":{"a":1}}"#).unwrap();
        assert!(p.chat_id().is_err());
    }
}
