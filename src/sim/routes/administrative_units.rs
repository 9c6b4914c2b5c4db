//! `/directory/administrativeUnits`: the list, one unit and its members.

use serde_json::Value;

use super::directory_objects::{au_json, user_ref_json};
use super::{require, with_context};
use crate::sim::odata::{Ctx, Reply};
use crate::sim::tenant::Tenant;
use crate::sim::token::Claims;

const AU_READ: &[&str] = &[
    "AdministrativeUnit.Read.All",
    "AdministrativeUnit.ReadWrite.All",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
];

pub(super) fn administrative_units(ctx: &Ctx, t: &Tenant, claims: &Claims, rest: &[&str]) -> Reply {
    require(ctx, claims, AU_READ)?;
    let find = |id: &str| {
        t.aus
            .iter()
            .find(|a| a.id == id)
            .ok_or_else(|| ctx.not_found(id))
    };
    let strip = |mut v: Value| {
        if let Value::Object(m) = &mut v {
            m.remove("@odata.type");
        }
        v
    };
    match rest {
        [] => ctx.page(
            "directory/administrativeUnits",
            t.aus.iter().map(au_json).map(strip).collect(),
            |v| v,
        ),
        [id] => {
            let au = find(id)?;
            ctx.ok(with_context(
                strip(au_json(au)),
                ctx.context("directory/administrativeUnits/$entity"),
            ))
        }
        [id, "members"] => {
            let au = find(id)?;
            let members: Vec<Value> = au
                .members
                .iter()
                .filter_map(|m| t.user_by_key(m))
                .map(user_ref_json)
                .collect();
            ctx.page("directoryObjects", members, |v| v)
        }
        [_, other, ..] => {
            Err(ctx.bad_request(&format!("Resource not found for the segment '{other}'.")))
        }
    }
}
