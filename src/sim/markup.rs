//! Telegram's parse modes, checked the way Telegram checks them, so a bot that forgets to
//! escape user text gets the same "can't parse entities" answer it would get in production.
//! Returns the plain text the person sees.

use super::params::ApiError;

const HTML_TAGS: &[&str] = &[
    "b",
    "strong",
    "i",
    "em",
    "u",
    "ins",
    "s",
    "strike",
    "del",
    "span",
    "tg-spoiler",
    "a",
    "code",
    "pre",
    "blockquote",
    "tg-emoji",
];

pub(crate) fn render(text: &str, parse_mode: Option<&str>) -> Result<String, ApiError> {
    match parse_mode {
        None | Some("") => Ok(text.to_string()),
        Some(m) if m.eq_ignore_ascii_case("html") => html(text),
        Some(m) if m.eq_ignore_ascii_case("markdownv2") => markdown_v2(text),
        Some(m) if m.eq_ignore_ascii_case("markdown") => Ok(text.replace(['*', '_', '`'], "")),
        Some(_) => Err(ApiError::bad_request("unsupported parse_mode")),
    }
}

fn entities_error(what: String) -> ApiError {
    ApiError::bad_request(&format!("can't parse entities: {what}"))
}

fn html(text: &str) -> Result<String, ApiError> {
    let mut out = String::with_capacity(text.len());
    let mut stack: Vec<String> = Vec::new();
    let mut i = 0;
    while i < text.len() {
        let rest = &text[i..];
        let Some(c) = rest.chars().next() else { break };
        if c == '<' {
            let Some(end) = rest.find('>') else {
                return Err(entities_error(format!(
                    "Unclosed start tag at byte offset {i}"
                )));
            };
            let inner = &rest[1..end];
            if let Some(name) = inner.strip_prefix('/') {
                let name = name.trim().to_ascii_lowercase();
                match stack.pop() {
                    Some(open) if open == name || name.is_empty() => {}
                    _ => {
                        return Err(entities_error(format!(
                            "Unexpected end tag at byte offset {i}"
                        )))
                    }
                }
            } else {
                let name = inner
                    .split_whitespace()
                    .next()
                    .unwrap_or("")
                    .to_ascii_lowercase();
                if !HTML_TAGS.contains(&name.as_str()) {
                    return Err(entities_error(format!(
                        "Unsupported start tag \"{name}\" at byte offset {i}"
                    )));
                }
                stack.push(name);
            }
            i += end + 1;
        } else if c == '&' {
            match decode_entity(rest) {
                Some((ch, len)) => {
                    out.push(ch);
                    i += len;
                }
                None => {
                    out.push('&');
                    i += 1;
                }
            }
        } else {
            out.push(c);
            i += c.len_utf8();
        }
    }
    if let Some(open) = stack.pop() {
        return Err(entities_error(format!(
            "Can't find end tag corresponding to start tag \"{open}\""
        )));
    }
    Ok(out)
}

fn decode_entity(s: &str) -> Option<(char, usize)> {
    let end = s.get(..12.min(s.len())).unwrap_or(s).find(';')?;
    let name = &s[1..end];
    let ch = match name {
        "lt" => '<',
        "gt" => '>',
        "amp" => '&',
        "quot" => '"',
        _ => {
            let num = name.strip_prefix('#')?;
            let code = match num.strip_prefix(['x', 'X']) {
                Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                None => num.parse().ok()?,
            };
            char::from_u32(code)?
        }
    };
    Some((ch, end + 1))
}

/// MarkdownV2: every reserved character outside markup must be escaped with `\`.
/// Formatting marks are stripped; link targets dropped. An approximation of Telegram's
/// parser that is strict where bots usually go wrong (unescaped `.`, `-`, `!`, `(`...).
fn markdown_v2(text: &str) -> Result<String, ApiError> {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.char_indices().peekable();
    let mut open: Vec<(char, usize)> = Vec::new();
    let mut in_code = false;
    let mut at_line_start = true;
    while let Some((i, c)) = chars.next() {
        let line_start = at_line_start;
        at_line_start = c == '\n';
        if c == '\\' {
            match chars.next() {
                Some((_, e)) if (e as u32) < 127 => out.push(e),
                _ => return Err(entities_error(format!("Character '\\' is reserved and must be escaped with the preceding '\\' at byte offset {i}"))),
            }
            continue;
        }
        if in_code {
            if c == '`' {
                in_code = false;
                open.pop();
            } else {
                out.push(c);
            }
            continue;
        }
        match c {
            '`' => {
                in_code = true;
                open.push(('`', i));
            }
            '*' | '_' | '~' => toggle(&mut open, c, i),
            '|' if chars.peek().map(|(_, n)| *n) == Some('|') => {
                chars.next();
                toggle(&mut open, '|', i);
            }
            '>' if line_start => {}
            '[' => open.push(('[', i)),
            ']' => {
                if open.last().map(|(k, _)| *k) != Some('[') {
                    return Err(reserved(c, i));
                }
                open.pop();
                // A link target "(...)" follows; drop it.
                if chars.peek().map(|(_, n)| *n) == Some('(') {
                    for (_, n) in chars.by_ref() {
                        if n == ')' {
                            break;
                        }
                    }
                }
            }
            '(' | ')' | '{' | '}' | '.' | '!' | '#' | '+' | '-' | '=' | '|' | '>' => {
                return Err(reserved(c, i))
            }
            _ => out.push(c),
        }
    }
    if let Some((_, at)) = open.pop() {
        return Err(entities_error(format!(
            "Can't find end of the entity starting at byte offset {at}"
        )));
    }
    Ok(out)
}

fn toggle(open: &mut Vec<(char, usize)>, c: char, i: usize) {
    if open.last().map(|(k, _)| *k) == Some(c) {
        open.pop();
    } else {
        open.push((c, i));
    }
}

fn reserved(c: char, i: usize) -> ApiError {
    entities_error(format!(
        "Character '{c}' is reserved and must be escaped with the preceding '\\' at byte offset {i}"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_is_checked_and_stripped() {
        assert_eq!(
            render("<b>Fire</b> at A&amp;B &lt;3", Some("HTML")).unwrap(),
            "Fire at A&B <3"
        );
        assert!(render("1 < 2", Some("HTML")).is_err());
        assert!(render("<b>open", Some("HTML")).is_err());
        assert!(render("<b>x</i>", Some("HTML")).is_err());
        assert!(render("<script>x</script>", Some("HTML")).is_err());
        assert_eq!(
            render("<a href=\"https://x\">link</a>", Some("HTML")).unwrap(),
            "link"
        );
    }

    #[test]
    fn markdown_v2_needs_escapes() {
        assert_eq!(
            render("*Fire* at 3\\.5 km\\!", Some("MarkdownV2")).unwrap(),
            "Fire at 3.5 km!"
        );
        assert!(render("done.", Some("MarkdownV2")).is_err());
        assert!(render("*bold", Some("MarkdownV2")).is_err());
        assert_eq!(
            render("[map](https://x.y/a)", Some("MarkdownV2")).unwrap(),
            "map"
        );
        assert!(render("x", Some("Klingon")).is_err());
    }
}
