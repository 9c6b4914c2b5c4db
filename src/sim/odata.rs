//! Response plumbing shared by the simulator's handlers: Graph error bodies, collections
//! with `$top`/`$skiptoken` paging and `@odata.count`, and `$select` projection.

use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value, json};

/// Per-request facts every handler needs.
pub struct Ctx {
    pub request_id: String,
    pub client_request_id: Option<String>,
    /// `ConsistencyLevel: eventual` was sent.
    pub eventual: bool,
    /// `Prefer: legacySearch=false` was sent (the v1.0 workaround for `&` in `$search`).
    pub new_search: bool,
    /// Decoded query parameters in order.
    pub query: Vec<(String, String)>,
    /// `http://127.0.0.1:PORT/v1.0`
    pub base: String,
    /// The request path below the base, e.g. `/users`.
    pub path: String,
}

pub type Reply = Result<Response, Response>;

impl Ctx {
    pub fn param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn headers(&self) -> HeaderMap {
        let mut h = HeaderMap::new();
        if let Ok(v) = HeaderValue::from_str(&self.request_id) {
            h.insert("request-id", v);
        }
        if let Some(c) = self
            .client_request_id
            .as_deref()
            .and_then(|c| HeaderValue::from_str(c).ok())
        {
            h.insert("client-request-id", c);
        }
        h
    }

    pub fn json(&self, status: StatusCode, body: Value) -> Response {
        let mut h = self.headers();
        h.insert(
            "content-type",
            HeaderValue::from_static("application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8"),
        );
        (status, h, body.to_string()).into_response()
    }

    pub fn ok(&self, body: Value) -> Reply {
        Ok(self.json(StatusCode::OK, body))
    }

    /// A Graph error with the directory `innerError` shape.
    pub fn error(&self, status: StatusCode, code: &str, message: &str) -> Response {
        let date = time::OffsetDateTime::now_utc()
            .format(&time::macros::format_description!(
                "[year]-[month]-[day]T[hour]:[minute]:[second]"
            ))
            .unwrap_or_default();
        self.json(
            status,
            json!({"error": {"code": code, "message": message, "innerError": {
                "date": date,
                "request-id": self.request_id,
                "client-request-id": self.client_request_id.clone().unwrap_or_else(|| self.request_id.clone()),
            }}}),
        )
    }

    pub fn bad_request(&self, message: &str) -> Response {
        self.error(StatusCode::BAD_REQUEST, "Request_BadRequest", message)
    }

    pub fn unsupported(&self, message: &str) -> Response {
        self.error(StatusCode::BAD_REQUEST, "Request_UnsupportedQuery", message)
    }

    pub fn denied(&self) -> Response {
        self.error(
            StatusCode::FORBIDDEN,
            "Authorization_RequestDenied",
            "Insufficient privileges to complete the operation.",
        )
    }

    pub fn not_found(&self, key: &str) -> Response {
        self.error(
            StatusCode::NOT_FOUND,
            "Request_ResourceNotFound",
            &format!("Resource '{key}' does not exist or one of its queried reference-property objects are not present."),
        )
    }

    pub fn context(&self, fragment: &str) -> String {
        format!("{}/$metadata#{fragment}", self.base)
    }

    /// One page of `items`, honouring `$top` (1..=999, default 100) and `$skiptoken`, with
    /// `@odata.count` on the first page when `$count=true` came with `ConsistencyLevel:
    /// eventual` (without the header `$count=true` is silently ignored, as Graph does).
    pub fn page<T>(&self, context: &str, items: Vec<T>, render: impl Fn(T) -> Value) -> Reply {
        self.page_sized(context, items, 100, render)
    }

    /// `page` with another default page size.
    pub fn page_sized<T>(
        &self,
        context: &str,
        items: Vec<T>,
        default_top: usize,
        render: impl Fn(T) -> Value,
    ) -> Reply {
        let top = match self.param("$top") {
            None => default_top,
            Some(t) => match t.parse::<i64>() {
                Ok(n) if (1..=999).contains(&n) => n as usize,
                _ => {
                    return Err(self.bad_request(&format!(
                        "Invalid page size specified: '{t}'. Must be between 1 and 999 inclusive."
                    )));
                }
            },
        };
        let skip = match self.param("$skiptoken") {
            None => 0,
            Some(tok) => decode_skiptoken(tok).ok_or_else(|| {
                self.error(
                    StatusCode::BAD_REQUEST,
                    "Directory_ExpiredPageToken",
                    "The specified page token value has expired and can no longer be included in your request.",
                )
            })?,
        };
        let total = items.len();
        let page: Vec<Value> = items.into_iter().skip(skip).take(top).map(render).collect();
        let mut body = Map::new();
        body.insert("@odata.context".into(), json!(self.context(context)));
        let count_asked = self
            .param("$count")
            .is_some_and(|c| c.eq_ignore_ascii_case("true"));
        if count_asked && self.eventual && skip == 0 {
            body.insert("@odata.count".into(), json!(total));
        }
        if skip + top < total {
            body.insert("@odata.nextLink".into(), json!(self.next_link(skip + top)));
        }
        body.insert("value".into(), Value::Array(page));
        self.ok(Value::Object(body))
    }

    fn next_link(&self, offset: usize) -> String {
        use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
        const VALUE: &percent_encoding::AsciiSet = &NON_ALPHANUMERIC
            .remove(b'-')
            .remove(b'.')
            .remove(b'_')
            .remove(b'~')
            .remove(b',');
        // Like Graph's own links: `$` names as they are, values percent-encoded.
        let mut pairs: Vec<String> = self
            .query
            .iter()
            .filter(|(k, _)| !k.eq_ignore_ascii_case("$skiptoken"))
            .map(|(k, v)| format!("{k}={}", utf8_percent_encode(v, VALUE)))
            .collect();
        pairs.push(format!("$skiptoken={}", encode_skiptoken(offset)));
        format!("{}{}?{}", self.base, self.path, pairs.join("&"))
    }
}

/// Opaque to clients, as Graph's are; a client that builds one itself is wrong.
fn encode_skiptoken(offset: usize) -> String {
    format!(
        "RFNwdAIAAQ{}",
        URL_SAFE_NO_PAD.encode(format!("sim-offset:{offset}"))
    )
}

fn decode_skiptoken(tok: &str) -> Option<usize> {
    let raw = URL_SAFE_NO_PAD
        .decode(tok.strip_prefix("RFNwdAIAAQ")?)
        .ok()?;
    String::from_utf8(raw)
        .ok()?
        .strip_prefix("sim-offset:")?
        .parse()
        .ok()
}

/// A user with only the `$select`ed properties, in the order asked; every property
/// without `$select`.
pub fn project_user(u: &super::tenant::SimUser, select: Option<&[String]>) -> Value {
    match select {
        None => Value::Object(u.props()),
        Some(props) => Value::Object(
            props
                .iter()
                .filter_map(|p| {
                    let (k, v) = u.get_ignore_case(p)?;
                    Some((k.to_string(), v.into_owned()))
                })
                .collect(),
        ),
    }
}

/// Keeps only the `$select`ed properties (plus `@odata.type`), in the order asked.
pub fn project(obj: &Map<String, Value>, select: Option<&[String]>) -> Value {
    match select {
        None => Value::Object(obj.clone()),
        Some(props) => {
            let mut out = Map::new();
            if let Some(t) = obj.get("@odata.type") {
                out.insert("@odata.type".into(), t.clone());
            }
            for p in props {
                if let Some((k, v)) = obj.iter().find(|(k, _)| k.eq_ignore_ascii_case(p)) {
                    out.insert(k.clone(), v.clone());
                }
            }
            Value::Object(out)
        }
    }
}

pub fn select_list(raw: Option<&str>) -> Option<Vec<String>> {
    raw.map(|s| {
        s.split(',')
            .map(|p| p.trim().to_string())
            .filter(|p| !p.is_empty())
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skiptoken_round_trips_and_rejects_forgeries() {
        assert_eq!(decode_skiptoken(&encode_skiptoken(1998)), Some(1998));
        assert_eq!(decode_skiptoken("1998"), None);
        assert_eq!(decode_skiptoken("RFNwdAIAAQ!!"), None);
    }
}

/// A request body without its instance annotations (`@odata.type`, `@odata.context`, any
/// `@…` key) and property type annotations (`name@odata.type`), at every level: Graph
/// ignores them, and Microsoft's SDKs send `"@odata.type": "#microsoft.graph.user"` with
/// every typed PATCH (https://learn.microsoft.com/graph/api/user-update shows the bare
/// body; OData JSON format §4.5 defines the annotations). Anything that is not a JSON
/// object is left as it came, for the route to judge.
pub fn without_annotations(body: &[u8]) -> Option<Vec<u8>> {
    fn strip(v: &mut Value) -> bool {
        let mut changed = false;
        match v {
            Value::Object(m) => {
                let before = m.len();
                m.retain(|k, _| !k.starts_with('@') && !k.ends_with("@odata.type"));
                changed |= m.len() != before;
                for x in m.values_mut() {
                    changed |= strip(x);
                }
            }
            Value::Array(a) => {
                for x in a {
                    changed |= strip(x);
                }
            }
            _ => {}
        }
        changed
    }
    let mut v: Value = serde_json::from_slice(body).ok()?;
    strip(&mut v).then(|| v.to_string().into_bytes())
}

#[cfg(test)]
mod annotation_tests {
    use super::without_annotations;

    #[test]
    fn annotations_go_at_every_level_and_the_rest_stays() {
        let body = br##"{"@odata.type":"#microsoft.graph.user","passwordProfile":{"@odata.type":"#microsoft.graph.passwordProfile","password":"x","forceChangePasswordNextSignIn":true},"a@odata.type":"#String","list":[{"@x":1,"k":2}]}"##;
        let out: serde_json::Value =
            serde_json::from_slice(&without_annotations(body).unwrap()).unwrap();
        assert_eq!(
            out,
            serde_json::json!({"passwordProfile":{"password":"x","forceChangePasswordNextSignIn":true},"list":[{"k":2}]})
        );
        assert_eq!(without_annotations(br#"{"passwordProfile":{}}"#), None);
        assert_eq!(without_annotations(b"not json"), None);
    }
}
