//! Reading what the sink received: envelope addresses, headers (unfolded, RFC 2047 words
//! decoded), and the text and HTML bodies of plain and `multipart/alternative` messages.

use base64::Engine as _;

use super::Received;

/// `MAIL FROM:<a@b> SIZE=…` → `a@b`.
pub(super) fn address(line: &str) -> String {
    let after = line.split_once(':').map(|(_, r)| r).unwrap_or("").trim();
    let inner = match (after.find('<'), after.find('>')) {
        (Some(a), Some(b)) if a < b => &after[a + 1..b],
        _ => after.split_whitespace().next().unwrap_or(""),
    };
    inner.to_string()
}

/// Splits headers (unfolded, names lowercased) from the body.
fn split_headers(raw: &str) -> (Vec<(String, String)>, String) {
    let (head, body) = match raw.find("\r\n\r\n") {
        Some(i) => (&raw[..i], raw[i + 4..].to_string()),
        None => match raw.find("\n\n") {
            Some(i) => (&raw[..i], raw[i + 2..].to_string()),
            None => (raw, String::new()),
        },
    };
    let mut headers: Vec<(String, String)> = Vec::new();
    for line in head.lines() {
        if line.starts_with([' ', '\t']) {
            if let Some(last) = headers.last_mut() {
                last.1.push(' ');
                last.1.push_str(line.trim());
            }
            continue;
        }
        if let Some((k, v)) = line.split_once(':') {
            headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
        }
    }
    (headers, body)
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

fn quoted_printable(s: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    let bytes = s.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'=' if bytes.get(i + 1) == Some(&b'\r') && bytes.get(i + 2) == Some(&b'\n') => i += 3,
            b'=' if bytes.get(i + 1) == Some(&b'\n') => i += 2,
            b'=' => match s
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
            {
                Some(b) => {
                    out.push(b);
                    i += 3;
                }
                None => {
                    out.push(b'=');
                    i += 1;
                }
            },
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    out
}

fn decode_body(headers: &[(String, String)], body: &str) -> String {
    let encoding = header(headers, "content-transfer-encoding")
        .unwrap_or("7bit")
        .to_ascii_lowercase();
    let bytes = match encoding.as_str() {
        "base64" => {
            let compact: String = body.chars().filter(|c| !c.is_whitespace()).collect();
            base64::engine::general_purpose::STANDARD
                .decode(compact)
                .unwrap_or_default()
        }
        "quoted-printable" => quoted_printable(body),
        _ => body.as_bytes().to_vec(),
    };
    String::from_utf8_lossy(&bytes).replace("\r\n", "\n")
}

/// Decodes RFC 2047 encoded words (`=?utf-8?b?…?=`, `=?utf-8?q?…?=`).
fn decode_words(value: &str) -> String {
    let mut out = String::new();
    let mut rest = value;
    let mut last_was_word = false;
    while let Some(start) = rest.find("=?") {
        let before = &rest[..start];
        if !(last_was_word && before.trim().is_empty()) {
            out.push_str(before);
        }
        let tail = &rest[start + 2..];
        let parts: Vec<&str> = tail.splitn(3, '?').collect();
        let (Some(enc), Some(rem)) = (parts.get(1), parts.get(2)) else {
            out.push_str(&rest[start..]);
            return out;
        };
        let Some(end) = rem.find("?=") else {
            out.push_str(&rest[start..]);
            return out;
        };
        let text = &rem[..end];
        let bytes = match enc.to_ascii_lowercase().as_str() {
            "b" => base64::engine::general_purpose::STANDARD
                .decode(text)
                .unwrap_or_default(),
            _ => quoted_printable(&text.replace('_', " ")),
        };
        out.push_str(&String::from_utf8_lossy(&bytes));
        rest = &rem[end + 2..];
        last_was_word = true;
    }
    out.push_str(rest);
    out
}

pub(super) fn parse_message(from: String, to: Vec<String>, raw: String) -> Received {
    let (headers, body) = split_headers(&raw);
    let subject = decode_words(header(&headers, "subject").unwrap_or(""));
    let message_id = header(&headers, "message-id")
        .unwrap_or("")
        .trim()
        .trim_start_matches('<')
        .trim_end_matches('>')
        .to_string();
    let ctype = header(&headers, "content-type")
        .unwrap_or("text/plain")
        .to_string();
    let (mut text, mut html) = (None, None);
    if ctype.to_ascii_lowercase().starts_with("multipart/") {
        let boundary = ctype
            .split(';')
            .filter_map(|p| p.trim().strip_prefix("boundary="))
            .next()
            .map(|b| b.trim_matches('"').to_string())
            .unwrap_or_default();
        if !boundary.is_empty() {
            for part in body.split(&format!("--{boundary}")).skip(1) {
                if part.starts_with("--") {
                    break;
                }
                let (ph, pb) = split_headers(part.trim_start_matches(['\r', '\n']));
                let pt = header(&ph, "content-type")
                    .unwrap_or("text/plain")
                    .to_ascii_lowercase();
                let decoded = decode_body(&ph, pb.trim_end_matches(['\r', '\n']));
                if pt.starts_with("text/html") {
                    html = Some(decoded);
                } else if pt.starts_with("text/plain") {
                    text = Some(decoded);
                }
            }
        }
    } else if ctype.to_ascii_lowercase().starts_with("text/html") {
        html = Some(decode_body(&headers, &body));
    } else {
        text = Some(decode_body(&headers, &body));
    }
    Received {
        from,
        to,
        subject,
        message_id,
        text,
        html,
        duplicate: false,
        raw,
    }
}
