//! One SMTP session with the sink: the dialogue of the module doc, a reply per command.

use base64::Engine as _;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};

use super::Sink;
use super::parse::{address, parse_message};

const MAX_MESSAGE: usize = 10 * 1024 * 1024;

/// What a session has been told so far.
struct Envelope {
    authed: bool,
    from: Option<String>,
    to: Vec<String>,
}

/// Runs one session to its `QUIT` (or the client's hang-up).
pub(super) async fn run<R, W>(
    sink: &Sink,
    mut reader: BufReader<R>,
    mut w: W,
) -> std::io::Result<()>
where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin,
{
    w.write_all(b"220 handled-sink ESMTP ready\r\n").await?;
    let mut envelope = Envelope {
        authed: !sink.inner.require_auth,
        from: None,
        to: Vec::new(),
    };
    loop {
        let mut line = Vec::new();
        if reader.read_until(b'\n', &mut line).await? == 0 {
            return Ok(());
        }
        let text = String::from_utf8_lossy(&line).trim_end().to_string();
        let verb = text
            .split_whitespace()
            .next()
            .unwrap_or("")
            .to_ascii_uppercase();
        let reply: String = match verb.as_str() {
            "EHLO" => "250-handled-sink\r\n250-AUTH PLAIN LOGIN\r\n250-8BITMIME\r\n250-SIZE 10485760\r\n250 OK".into(),
            "HELO" => "250 handled-sink".into(),
            "NOOP" => "250 OK".into(),
            "RSET" => {
                envelope.from = None;
                envelope.to.clear();
                "250 OK".into()
            }
            "QUIT" => {
                w.write_all(b"221 Bye\r\n").await?;
                return Ok(());
            }
            "STARTTLS" => "454 4.7.0 TLS not available".into(),
            "AUTH" => auth(sink, &text, &mut reader, &mut w, &mut envelope).await?,
            "MAIL" => mail(&text, &mut envelope),
            "RCPT" => rcpt(sink, &text, &mut envelope),
            "DATA" => match data(sink, &mut reader, &mut w, &mut envelope).await? {
                Some(reply) => reply,
                None => return Ok(()),
            },
            _ => "502 5.5.2 Command not recognized".into(),
        };
        w.write_all(reply.as_bytes()).await?;
        w.write_all(b"\r\n").await?;
        w.flush().await?;
    }
}

fn b64(s: &str) -> Option<String> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(s.trim())
        .ok()?;
    String::from_utf8(bytes).ok()
}

async fn read_line<R: AsyncRead + Unpin>(reader: &mut BufReader<R>) -> std::io::Result<String> {
    let mut line = Vec::new();
    reader.read_until(b'\n', &mut line).await?;
    Ok(String::from_utf8_lossy(&line).trim_end().to_string())
}

/// The user and password an `AUTH` command carries (asking for what it left out).
async fn credentials<R, W>(
    text: &str,
    reader: &mut BufReader<R>,
    w: &mut W,
) -> std::io::Result<Option<(String, String)>>
where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin,
{
    let parts: Vec<&str> = text.split_whitespace().collect();
    let mech = parts
        .get(1)
        .map(|m| m.to_ascii_uppercase())
        .unwrap_or_default();
    match mech.as_str() {
        "PLAIN" => {
            let payload = match parts.get(2) {
                Some(p) => p.to_string(),
                None => {
                    w.write_all(b"334 \r\n").await?;
                    read_line(reader).await?
                }
            };
            Ok(b64(&payload).and_then(|s| {
                let mut it = s.split('\0');
                let _authz = it.next()?;
                Some((it.next()?.to_string(), it.next()?.to_string()))
            }))
        }
        "LOGIN" => {
            let user = match parts.get(2) {
                Some(u) => b64(u),
                None => {
                    w.write_all(b"334 VXNlcm5hbWU6\r\n").await?;
                    b64(&read_line(reader).await?)
                }
            };
            w.write_all(b"334 UGFzc3dvcmQ6\r\n").await?;
            let pass = b64(&read_line(reader).await?);
            Ok(user.zip(pass))
        }
        _ => Ok(None),
    }
}

async fn auth<R, W>(
    sink: &Sink,
    text: &str,
    reader: &mut BufReader<R>,
    w: &mut W,
    envelope: &mut Envelope,
) -> std::io::Result<String>
where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin,
{
    let reply = match credentials(text, reader, w).await? {
        Some((u, p))
            if Some(&u) == sink.inner.username.as_ref()
                && Some(&p) == sink.inner.password.as_ref() =>
        {
            envelope.authed = true;
            "235 2.7.0 Authentication successful"
        }
        Some(_) => "535 5.7.8 Authentication credentials invalid",
        None => "504 5.5.4 Unrecognized authentication type or bad payload",
    };
    Ok(reply.into())
}

fn mail(text: &str, envelope: &mut Envelope) -> String {
    if !envelope.authed {
        return "530 5.7.0 Authentication required".into();
    }
    envelope.from = Some(address(text));
    envelope.to.clear();
    "250 2.1.0 OK".into()
}

fn rcpt(sink: &Sink, text: &str, envelope: &mut Envelope) -> String {
    let addr = address(text);
    let lower = addr.to_ascii_lowercase();
    if envelope.from.is_none() {
        return "503 5.5.1 MAIL first".into();
    }
    if sink.inner.reject.contains(&lower) {
        return "550 5.1.1 No such user".into();
    }
    if sink.inner.defer.contains(&lower) {
        return "450 4.2.1 Mailbox busy, try again later".into();
    }
    envelope.to.push(addr);
    "250 2.1.5 OK".into()
}

/// Reads a message and keeps it; its reply, or `None` when a fault drops the connection.
async fn data<R, W>(
    sink: &Sink,
    reader: &mut BufReader<R>,
    w: &mut W,
    envelope: &mut Envelope,
) -> std::io::Result<Option<String>>
where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin,
{
    if envelope.from.is_none() || envelope.to.is_empty() {
        return Ok(Some("503 5.5.1 RCPT first".into()));
    }
    w.write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n")
        .await?;
    let raw = read_data(reader).await?;
    sink.inner.counters.received(sink.inner.op);
    Ok(match (raw, sink.take_fault()) {
        (_, Some(None)) => None,
        (_, Some(Some(reply))) => Some(reply),
        (None, None) => Some("552 5.3.4 Message too big".into()),
        (Some(raw), None) => {
            let from = envelope.from.take().unwrap_or_default();
            let to = std::mem::take(&mut envelope.to);
            Some(sink.keep(parse_message(from, to, raw)))
        }
    })
}

/// Reads a DATA section up to the lone dot; `None` when it was too large (still consumed).
async fn read_data<R: AsyncRead + Unpin>(
    reader: &mut BufReader<R>,
) -> std::io::Result<Option<String>> {
    let mut out = Vec::new();
    let mut line = Vec::new();
    let mut too_big = false;
    loop {
        line.clear();
        if reader.read_until(b'\n', &mut line).await? == 0 {
            return Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "connection closed in DATA",
            ));
        }
        if line == b".\r\n" || line == b".\n" {
            break;
        }
        let content = if line.starts_with(b"..") {
            &line[1..]
        } else {
            &line[..]
        };
        if out.len() + content.len() > MAX_MESSAGE {
            too_big = true;
        } else {
            out.extend_from_slice(content);
        }
    }
    Ok(if too_big {
        None
    } else {
        Some(String::from_utf8_lossy(&out).into_owned())
    })
}
