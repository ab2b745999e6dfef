//! A fault-injecting HTTP proxy between mdl and moto_server: it forwards
//! each request, or instead answers with a throttling error, a 500, a
//! dropped connection, and it can add latency. It also counts requests by
//! service and operation.
//!
//! With `replay` set it answers a read it has seen before from memory, as
//! moto_server first answered it: a no-op plan run again then takes only
//! the latency added per call, and none of the emulator's own time.
//!
//! Plain HTTP/1.1 over std threads, one client connection per request (it
//! answers `Connection: close`). Upstream it keeps connections open and
//! reuses them: moto_server starts a Python thread per connection, which
//! costs it more than many calls, and would be counted as latency.

use std::collections::{BTreeMap, HashMap};
use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What to inject, as chances out of 100 per request.
#[derive(Clone, Debug, Default)]
pub struct Faults {
    pub throttle_pct: u32,
    pub server_error_pct: u32,
    pub reset_pct: u32,
    /// Added to every answer, after AWS has acted on the request: the
    /// window in which a killed client never hears what it caused.
    pub latency: Duration,
    /// Every request for this operation (`CreateSecurityGroup`) fails with
    /// a non-retryable error.
    pub deny_operation: Option<String>,
    /// Answers to this operation (`DeleteNatGateway`) come this much later
    /// again, after AWS has acted: a window to kill mdl in.
    pub slow_operation: Option<(String, Duration)>,
    /// Reads (Describe*, Get*, List*, REST GETs) answered with success are
    /// kept; the same read again (same service, request line, target and
    /// body) is answered from memory, after the latency, without asking
    /// moto_server. Only for runs that change nothing in between.
    pub replay: bool,
}

#[derive(Default)]
pub struct Counts {
    /// Requests being handled now.
    pub in_flight: AtomicU64,
    /// The most requests handled at once.
    pub max_in_flight: AtomicU64,
    pub forwarded: AtomicU64,
    pub throttled: AtomicU64,
    pub server_errors: AtomicU64,
    pub resets: AtomicU64,
    pub denied: AtomicU64,
    /// Reads answered from memory (`replay`).
    pub replayed: AtomicU64,
    /// Forwarded or replayed requests by `service operation`.
    pub by_operation: Mutex<BTreeMap<String, u64>>,
    /// The bodies of the changes forwarded (requests that are not reads),
    /// with their `service operation`: what mdl asked of AWS where moto
    /// keeps no trace of it (a final snapshot's name).
    pub changes: Mutex<Vec<(String, String)>>,
}

pub struct Proxy {
    pub endpoint: String,
    pub counts: Arc<Counts>,
    faults: Arc<Mutex<Faults>>,
    stop: Arc<AtomicBool>,
    port: u16,
}

/// Answers to reads, by request (`Faults::replay`).
type Recorded = Mutex<HashMap<Vec<u8>, Vec<u8>>>;

impl Proxy {
    pub fn start(upstream: &str, faults: Faults) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let upstream = Arc::new(Upstream {
            addr: upstream
                .trim_start_matches("http://")
                .trim_end_matches('/')
                .to_string(),
            idle: Mutex::new(Vec::new()),
        });
        let recorded = Arc::new(Recorded::default());
        let counts = Arc::new(Counts::default());
        let faults = Arc::new(Mutex::new(faults));
        let stop = Arc::new(AtomicBool::new(false));
        let seed = Arc::new(AtomicU64::new(0x9E37_79B9_7F4A_7C15));
        {
            let (counts, faults, stop) = (counts.clone(), faults.clone(), stop.clone());
            std::thread::spawn(move || {
                for conn in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(conn) = conn else { continue };
                    let (counts, faults, upstream, seed, recorded) = (
                        counts.clone(),
                        faults.clone(),
                        upstream.clone(),
                        seed.clone(),
                        recorded.clone(),
                    );
                    let now = counts.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
                    counts.max_in_flight.fetch_max(now, Ordering::SeqCst);
                    std::thread::spawn(move || {
                        let ends = Ends {
                            upstream: &upstream,
                            recorded: &recorded,
                        };
                        let _ = handle(conn, ends, &faults, &counts, &seed);
                        counts.in_flight.fetch_sub(1, Ordering::SeqCst);
                    });
                }
            });
        }
        Proxy {
            endpoint: format!("http://127.0.0.1:{port}"),
            counts,
            faults,
            stop,
            port,
        }
    }

    pub fn set(&self, faults: Faults) {
        *self.faults.lock().unwrap() = faults;
    }

    /// Wait until no request is being handled (after a client was killed,
    /// the answers it will never read).
    pub fn settle(&self) {
        let start = std::time::Instant::now();
        while self.counts.in_flight.load(Ordering::SeqCst) > 0 {
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "proxy never settled"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

/// A number in 0..100 from a shared xorshift sequence.
fn roll(seed: &AtomicU64) -> u32 {
    let mut x = seed.load(Ordering::SeqCst);
    loop {
        let mut n = x;
        n ^= n << 13;
        n ^= n >> 7;
        n ^= n << 17;
        match seed.compare_exchange(x, n, Ordering::SeqCst, Ordering::SeqCst) {
            Ok(_) => return (n % 100) as u32,
            Err(current) => x = current,
        }
    }
}

struct Request {
    head: String,
    body: Vec<u8>,
}

impl Request {
    fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().skip(1).find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim().eq_ignore_ascii_case(name).then_some(v.trim())
        })
    }

    /// `service operation`, from the signature's scope and the action.
    fn operation(&self) -> (String, String) {
        let service = self
            .header("authorization")
            .and_then(|a| a.split("Credential=").nth(1))
            .and_then(|c| c.split('/').nth(3))
            .unwrap_or("?")
            .to_string();
        let body = String::from_utf8_lossy(&self.body);
        let action = if let Some(target) = self.header("x-amz-target") {
            target.rsplit('.').next().unwrap_or(target).to_string()
        } else if let Some(a) = body.split('&').find_map(|kv| kv.strip_prefix("Action=")) {
            a.to_string()
        } else {
            let line = self.head.lines().next().unwrap_or_default();
            let mut parts = line.split(' ');
            let method = parts.next().unwrap_or_default();
            let target = parts.next().unwrap_or_default();
            let path = target.split('?').next().unwrap_or_default();
            let query = target.split_once('?').map(|(_, q)| q).unwrap_or_default();
            if service == "s3" && path.len() > 1 {
                // S3 names the bucket in the path and the operation by the
                // query's first key: `GET /BUCKET?tagging`.
                let sub = query.split(['&', '=']).next().unwrap_or_default();
                let sub = if sub.is_empty() {
                    String::new()
                } else {
                    format!("?{sub}")
                };
                format!("{method} /BUCKET{sub}")
            } else {
                // Ids in REST paths are left out: `GET /2013-04-01/hostedzone`.
                let shape: Vec<&str> = path.split('/').take(3).collect();
                format!("{method} {}", shape.join("/"))
            }
        };
        (service, action)
    }

    /// JSON protocols (awsJson and restJson); the others speak XML.
    fn is_json(&self) -> bool {
        matches!(
            self.operation().0.as_str(),
            "elasticfilesystem"
                | "ecs"
                | "ssm"
                | "secretsmanager"
                | "application-autoscaling"
                | "events"
                | "acm"
                | "logs"
        )
    }

    fn is_ec2(&self) -> bool {
        self.operation().0 == "ec2"
    }

    /// What makes two reads of `service` the same: service, request line,
    /// target, body.
    fn key(&self, service: &str) -> Vec<u8> {
        let mut key = format!(
            "{service}\n{}\n{}\n",
            self.head.lines().next().unwrap_or_default(),
            self.header("x-amz-target").unwrap_or_default()
        )
        .into_bytes();
        key.extend_from_slice(&self.body);
        key
    }

    /// The request as it came, but for its connection header.
    fn to_upstream(&self) -> Vec<u8> {
        let mut head = String::new();
        for (i, line) in self.head.trim_end().lines().enumerate() {
            if i > 0 && line.to_ascii_lowercase().starts_with("connection:") {
                continue;
            }
            head.push_str(line);
            head.push_str("\r\n");
        }
        head.push_str("\r\n");
        let mut request = head.into_bytes();
        request.extend_from_slice(&self.body);
        request
    }
}

/// A call that changes nothing (by its `operation`): its answer can be
/// given again. Route 53 lists the tags of several zones with a POST.
fn is_read(operation: &str) -> bool {
    ["Describe", "Get", "List", "BatchGet", "GET "]
        .iter()
        .any(|p| operation.starts_with(p))
        || operation == "POST /2013-04-01/tags"
}

/// Where answers come from: moto_server, or the reads kept for `replay`.
#[derive(Clone, Copy)]
struct Ends<'a> {
    upstream: &'a Upstream,
    recorded: &'a Recorded,
}

fn read_request(conn: &mut TcpStream) -> std::io::Result<Option<Request>> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        let n = conn.read(&mut chunk)?;
        if n == 0 {
            return Ok(None);
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(p) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break p + 4;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let mut body = buf[head_end..].to_vec();
    let req = Request {
        head,
        body: Vec::new(),
    };
    let length: usize = req
        .header("content-length")
        .and_then(|l| l.parse().ok())
        .unwrap_or(0);
    while body.len() < length {
        let n = conn.read(&mut chunk)?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    Ok(Some(Request {
        head: req.head,
        body,
    }))
}

fn respond(conn: &mut TcpStream, status: &str, content_type: &str, extra: &str, body: &str) {
    let _ = write!(
        conn,
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n{extra}Connection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = conn.flush();
}

/// An error in the shape the request's protocol expects.
fn error(conn: &mut TcpStream, req: &Request, status: &str, code: &str, message: &str) {
    if req.is_json() {
        let body = format!("{{\"__type\":\"{code}\",\"message\":\"{message}\"}}");
        respond(
            conn,
            status,
            "application/x-amz-json-1.1",
            &format!("x-amzn-ErrorType: {code}\r\n"),
            &body,
        );
    } else if req.operation().0 == "s3" {
        // S3's errors stand alone, without the query protocols' wrapper.
        let body = format!(
            "<Error><Code>{code}</Code><Message>{message}</Message><RequestId>fault</RequestId></Error>"
        );
        respond(conn, status, "application/xml", "", &body);
    } else if req.is_ec2() {
        let body = format!(
            "<Response><Errors><Error><Code>{code}</Code><Message>{message}</Message></Error></Errors><RequestID>fault</RequestID></Response>"
        );
        respond(conn, status, "text/xml", "", &body);
    } else {
        let body = format!(
            "<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error><RequestId>fault</RequestId></ErrorResponse>"
        );
        respond(conn, status, "text/xml", "", &body);
    }
}

fn handle(
    mut conn: TcpStream,
    ends: Ends<'_>,
    faults: &Mutex<Faults>,
    counts: &Counts,
    seed: &AtomicU64,
) -> std::io::Result<()> {
    conn.set_nodelay(true)?;
    let Some(req) = read_request(&mut conn)? else {
        return Ok(());
    };
    let faults = faults.lock().unwrap().clone();
    let (service, operation) = req.operation();
    if faults.deny_operation.as_deref() == Some(operation.as_str()) {
        counts.denied.fetch_add(1, Ordering::SeqCst);
        error(
            &mut conn,
            &req,
            "403 Forbidden",
            "UnauthorizedOperation",
            "You are not authorized to perform this operation (injected)",
        );
        return Ok(());
    }
    let r = roll(seed);
    if r < faults.throttle_pct {
        counts.throttled.fetch_add(1, Ordering::SeqCst);
        // S3 throttles with 503 SlowDown; the others with a 400.
        let (status, code) = if service == "s3" {
            ("503 Slow Down", "SlowDown")
        } else if req.is_ec2() {
            ("400 Bad Request", "RequestLimitExceeded")
        } else if req.is_json() {
            ("400 Bad Request", "ThrottlingException")
        } else {
            ("400 Bad Request", "Throttling")
        };
        error(&mut conn, &req, status, code, "Rate exceeded (injected)");
        return Ok(());
    }
    if r < faults.throttle_pct + faults.server_error_pct {
        counts.server_errors.fetch_add(1, Ordering::SeqCst);
        error(
            &mut conn,
            &req,
            "500 Internal Server Error",
            "InternalError",
            "injected",
        );
        return Ok(());
    }
    if r < faults.throttle_pct + faults.server_error_pct + faults.reset_pct {
        counts.resets.fetch_add(1, Ordering::SeqCst);
        let _ = conn.shutdown(Shutdown::Both);
        return Ok(());
    }
    *counts
        .by_operation
        .lock()
        .unwrap()
        .entry(format!("{service} {operation}"))
        .or_default() += 1;
    if let Some((slow, extra)) = &faults.slow_operation
        && *slow == operation
    {
        // Acted on first, answered late.
        let response = ends
            .upstream
            .exchange(&req.to_upstream(), req.head.starts_with("HEAD "))?;
        std::thread::sleep(faults.latency + *extra);
        counts.forwarded.fetch_add(1, Ordering::SeqCst);
        conn.write_all(&response)?;
        return Ok(());
    }
    if !is_read(&operation) {
        counts.changes.lock().unwrap().push((
            format!("{service} {operation}"),
            String::from_utf8_lossy(&req.body).to_string(),
        ));
    }
    // Set when the answer may come from memory, or be kept for later.
    let key = (faults.replay && is_read(&operation)).then(|| req.key(&service));
    let kept = key
        .as_ref()
        .and_then(|k| ends.recorded.lock().unwrap().get(k).cloned());
    let response = if let Some(response) = kept {
        counts.replayed.fetch_add(1, Ordering::SeqCst);
        response
    } else {
        counts.forwarded.fetch_add(1, Ordering::SeqCst);
        let response = ends
            .upstream
            .exchange(&req.to_upstream(), req.head.starts_with("HEAD "))?;
        if let Some(key) = key
            && response.starts_with(b"HTTP/1.1 2")
        {
            ends.recorded.lock().unwrap().insert(key, response.clone());
        }
        response
    };
    if !faults.latency.is_zero() {
        std::thread::sleep(faults.latency);
    }
    // Tell the client not to reuse this connection.
    let split = response
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map_or(response.len(), |p| p + 4);
    let head = String::from_utf8_lossy(&response[..split]).to_string();
    let mut out = String::new();
    for line in head.trim_end().lines() {
        if line.to_ascii_lowercase().starts_with("connection:") {
            continue;
        }
        out.push_str(line);
        out.push_str("\r\n");
    }
    out.push_str("Connection: close\r\n\r\n");
    // One write: a head and a body written apart wait on the client's
    // delayed acknowledgement (Nagle), which would add its own latency.
    let mut answer = out.into_bytes();
    answer.extend_from_slice(&response[split..]);
    conn.write_all(&answer)?;
    conn.flush()
}

/// The server behind the proxy, with its idle keep-alive connections.
struct Upstream {
    addr: String,
    idle: Mutex<Vec<TcpStream>>,
}

impl Upstream {
    /// Send one request and read its whole answer, on an idle connection
    /// when there is one. A pooled connection the server has closed fails
    /// before any answer: the request is sent again on a new one.
    fn exchange(&self, request: &[u8], head_only: bool) -> std::io::Result<Vec<u8>> {
        let pooled = self.idle.lock().unwrap().pop();
        if let Some(mut conn) = pooled
            && let Ok((response, reusable)) = round_trip(&mut conn, request, head_only)
        {
            if reusable {
                self.idle.lock().unwrap().push(conn);
            }
            return Ok(response);
        }
        let mut conn = TcpStream::connect(&self.addr)?;
        conn.set_nodelay(true)?;
        let (response, reusable) = round_trip(&mut conn, request, head_only)?;
        if reusable {
            self.idle.lock().unwrap().push(conn);
        }
        Ok(response)
    }
}

/// Write a request and read its answer: the head, then a body of its
/// Content-Length, or chunks, or (neither) everything until the server
/// closes. Whether the connection can carry another request.
fn round_trip(
    conn: &mut TcpStream,
    request: &[u8],
    head_only: bool,
) -> std::io::Result<(Vec<u8>, bool)> {
    conn.write_all(request)?;
    let mut response = Vec::new();
    let mut chunk = [0u8; 16384];
    let head_end = loop {
        if let Some(p) = response.windows(4).position(|w| w == b"\r\n\r\n") {
            // An interim answer (100 Continue) is followed by the real one.
            if response.starts_with(b"HTTP/1.1 1") || response.starts_with(b"HTTP/1.0 1") {
                response.drain(..p + 4);
                continue;
            }
            break p + 4;
        }
        let n = conn.read(&mut chunk)?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        response.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&response[..head_end]).to_ascii_lowercase();
    let header = |name: &str| {
        head.lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix(':'))
            .map(str::trim)
            .map(ToString::to_string)
    };
    let status = head
        .split_whitespace()
        .nth(1)
        .unwrap_or_default()
        .to_string();
    let closes = header("connection").as_deref() == Some("close");
    if head_only || status == "204" || status == "304" {
        response.truncate(head_end);
        return Ok((response, !closes));
    }
    if let Some(length) = header("content-length").and_then(|l| l.parse::<usize>().ok()) {
        while response.len() < head_end + length {
            let n = conn.read(&mut chunk)?;
            if n == 0 {
                return Err(std::io::ErrorKind::UnexpectedEof.into());
            }
            response.extend_from_slice(&chunk[..n]);
        }
        response.truncate(head_end + length);
        return Ok((response, !closes));
    }
    if header("transfer-encoding").is_some_and(|t| t.contains("chunked")) {
        // The answer goes on with a length of its own, so the client
        // gets it unchunked.
        let mut body = Vec::new();
        let mut raw = response.split_off(head_end);
        loop {
            let Some(line_end) = raw.windows(2).position(|w| w == b"\r\n") else {
                let n = conn.read(&mut chunk)?;
                if n == 0 {
                    return Err(std::io::ErrorKind::UnexpectedEof.into());
                }
                raw.extend_from_slice(&chunk[..n]);
                continue;
            };
            let size_text = String::from_utf8_lossy(&raw[..line_end]).to_string();
            let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16)
                .map_err(|_| std::io::Error::other("bad chunk size"))?;
            // The chunk, its CRLF; the last chunk is followed by an empty
            // trailer line.
            let need = line_end + 2 + size + 2;
            while raw.len() < need {
                let n = conn.read(&mut chunk)?;
                if n == 0 {
                    return Err(std::io::ErrorKind::UnexpectedEof.into());
                }
                raw.extend_from_slice(&chunk[..n]);
            }
            body.extend_from_slice(&raw[line_end + 2..line_end + 2 + size]);
            raw.drain(..need);
            if size == 0 {
                break;
            }
        }
        let mut head = String::new();
        for line in String::from_utf8_lossy(&response).trim_end().lines() {
            if !line.to_ascii_lowercase().starts_with("transfer-encoding:") {
                head.push_str(line);
                head.push_str("\r\n");
            }
        }
        head.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
        let mut response = head.into_bytes();
        response.extend_from_slice(&body);
        return Ok((response, !closes));
    }
    conn.read_to_end(&mut response)?;
    Ok((response, false))
}
