#!/usr/bin/env python3
"""The simulator answers Microsoft's own Graph SDK (msgraph-sdk for Python, its typed
request builders) as Graph would (issue 18).

    python tests/sdk/conformance.py --binary target/debug/resetdesk

It starts one simulator per persona it needs, drives every Graph call resetdesk makes
through the SDK, and checks for each: the SDK deserializes the answer; the properties
resetdesk reads are there; nothing lands in `additional_data` that Graph would not send;
errors are `ODataError` with the documented code. Exit 1 if any check fails.

Known SDK bugs worked around here (they are the SDK's, not the simulator's):
- `PageIterator.set_headers` raises TypeError: headers are added with `headers.add`.
- `BatchRequestItem` keeps absolute URLs (msgraph-sdk-python#1015): made relative.
- batch item bodies come back empty through `get_response_by_id` (kiota-python#737):
  the batch answer is read as bytes and each body parsed with `JsonParseNode`.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import traceback
from urllib.parse import urlparse

import httpx
from kiota_abstractions.authentication import (AccessTokenProvider, AllowedHostsValidator,
                                               BaseBearerTokenAuthenticationProvider)
from kiota_abstractions.base_request_configuration import RequestConfiguration
from kiota_abstractions.method import Method
from kiota_abstractions.request_information import RequestInformation
from kiota_http.middleware.options import HeadersInspectionHandlerOption
from kiota_serialization_json.json_parse_node import JsonParseNode
from msgraph import GraphRequestAdapter, GraphServiceClient
from msgraph.generated.models.o_data_errors.o_data_error import ODataError
from msgraph.generated.models.organization_collection_response import \
    OrganizationCollectionResponse
from msgraph.generated.models.password_profile import PasswordProfile
from msgraph.generated.models.temporary_access_pass_authentication_method import \
    TemporaryAccessPassAuthenticationMethod
from msgraph.generated.models.user import User
from msgraph.generated.users.item.authentication.methods.item.reset_password.reset_password_post_request_body import \
    ResetPasswordPostRequestBody
from msgraph.generated.users.users_request_builder import UsersRequestBuilder
from msgraph_core import GraphClientFactory
from msgraph_core.requests.batch_request_builder import BatchRequestBuilder
from msgraph_core.requests.batch_request_content import BatchRequestContent
from msgraph_core.requests.batch_request_item import BatchRequestItem
from msgraph_core.tasks.page_iterator import PageIterator

CLOUD = "adele.vance@contoso.com"
CLOUD2 = "zoe.angstrom@contoso.com"
SYNCED = "alan.steiner@contoso.com"
GLOBAL_ADMIN = "megan.bowen@contoso.com"
PASSWORD_METHOD = "28c10230-6103-485e-b985-444c60001490"
PASSWORD = "Tq7#vLm2!pXr9zKw"
# resetdesk's $select for one user (src/graph/query.rs).
USER_SELECT = ("id,displayName,userPrincipalName,mail,givenName,surname,jobTitle,department,"
               "officeLocation,accountEnabled,userType,creationType,externalUserState,identities,"
               "onPremisesSyncEnabled,onPremisesDistinguishedName,onPremisesSamAccountName,"
               "onPremisesUserPrincipalName,onPremisesDomainName,onPremisesSecurityIdentifier,"
               "onPremisesImmutableId,onPremisesLastSyncDateTime,lastPasswordChangeDateTime,"
               "createdDateTime,passwordPolicies,usageLocation").split(",")
# What `additional_data` may hold: the annotations Graph sends.
ANNOTATIONS = {"@odata.context", "@odata.type", "@odata.id", "@odata.etag"}

RESULTS: list[tuple[str, str, str]] = []


class StaticToken(AccessTokenProvider):
    def __init__(self, token: str, host: str):
        self._token, self._hosts = token, AllowedHostsValidator([host])

    async def get_authorization_token(self, uri, additional_authentication_context=None):
        return self._token if self._hosts.is_url_host_valid(uri) else ""

    def get_allowed_hosts_validator(self):
        return self._hosts


def client(base: str, token: str):
    auth = BaseBearerTokenAuthenticationProvider(StaticToken(token, urlparse(base).hostname))
    http = httpx.AsyncClient(base_url=base, trust_env=False, timeout=60)
    http = GraphClientFactory.create_with_default_middleware(client=http)
    adapter = GraphRequestAdapter(auth, http)
    adapter.base_url = base
    return GraphServiceClient(request_adapter=adapter), adapter


def extra(obj, path="", seen=None) -> list[str]:
    """Every key in `additional_data`, anywhere in a parsed model, that is no annotation."""
    seen = seen if seen is not None else set()
    if obj is None or id(obj) in seen or isinstance(obj, (str, int, float, bool, bytes)):
        return []
    seen.add(id(obj))
    if isinstance(obj, list):
        return [k for i, x in enumerate(obj) for k in extra(x, f"{path}[{i}]", seen)]
    out = []
    ad = getattr(obj, "additional_data", None)
    if isinstance(ad, dict):
        out += [f"{path}.{k}" for k in ad if k not in ANNOTATIONS]
    for name, value in vars(obj).items() if hasattr(obj, "__dict__") else []:
        if name != "additional_data" and not name.startswith("_"):
            out += extra(value, f"{path}.{name}", seen)
    return out


def clean(obj, allowed=()) -> None:
    bad = [k for k in extra(obj) if not any(k.endswith(a) for a in allowed)]
    assert not bad, f"in additional_data (Graph would not send them): {bad}"


async def check(name: str, fn, error: tuple[int, str] | None = None, says: str = ""):
    """Runs one check; `error` is the (status, code) the SDK must raise as ODataError."""
    try:
        await fn()
        if error:
            raise AssertionError(f"expected ODataError {error}, got an answer")
        RESULTS.append(("ok", name, ""))
    except ODataError as e:
        code = e.error.code if e.error else None
        if error and (e.response_status_code, code) == error and says in (e.error.message or ""):
            RESULTS.append(("ok", name, f"ODataError {error}"))
        else:
            RESULTS.append(("FAIL", name, f"ODataError {e.response_status_code} {code}: "
                                          f"{e.error.message if e.error else ''}"))
    except Exception as e:  # noqa: BLE001 - every other failure is a failed check
        RESULTS.append(("FAIL", name, f"{type(e).__name__}: {e}\n{traceback.format_exc(limit=3)}"))


async def odata_error(name: str, fn):
    """Runs a call that must fail: whatever its status, as an ODataError with a code and
    a message (Graph's error body), never a generic error."""
    try:
        await fn()
        RESULTS.append(("FAIL", name, "no error"))
    except ODataError as e:
        ok = e.error is not None and e.error.code and e.error.message
        RESULTS.append(("ok" if ok else "FAIL", name,
                        f"{e.response_status_code} {e.error.code if e.error else None}"))
    except Exception as e:  # noqa: BLE001 - a generic error is the failure this checks
        RESULTS.append(("FAIL", name, f"{type(e).__name__}: {e}"))


def q(builder, **kw):
    return RequestConfiguration(query_parameters=builder(**kw))


async def helpdesk(c: GraphServiceClient, adapter, base: str):
    ids = {}
    for upn in (CLOUD, CLOUD2, SYNCED, GLOBAL_ADMIN):
        ids[upn] = (await c.users.by_user_id(upn).get()).id

    async def search():
        cfg = q(UsersRequestBuilder.UsersRequestBuilderGetQueryParameters,
                search='"displayName:adele"', count=True,
                select=["id", "displayName", "userPrincipalName", "onPremisesSyncEnabled"])
        cfg.headers.add("ConsistencyLevel", "eventual")
        r = await c.users.get(cfg)
        assert r.value and r.odata_count == len(r.value), (len(r.value), r.odata_count)
        assert r.value[0].user_principal_name == CLOUD
        clean(r)
    await check("$search with ConsistencyLevel and $count", search)

    async def paging():
        cfg = q(UsersRequestBuilder.UsersRequestBuilderGetQueryParameters, top=999, count=True,
                select=["id", "displayName", "userPrincipalName"])
        cfg.headers.add("ConsistencyLevel", "eventual")
        first = await c.users.get(cfg)
        assert first.odata_next_link, "a nextLink on the first page"
        seen = []
        it = PageIterator(first, adapter)
        it.headers.add("ConsistencyLevel", "eventual")
        await it.iterate(lambda u: seen.append(u.id) or True)
        assert len(set(seen)) == first.odata_count, (len(set(seen)), first.odata_count)
    await check("paging every user with the SDK's PageIterator", paging)

    async def one_user():
        from msgraph.generated.users.item.user_item_request_builder import UserItemRequestBuilder
        for key in (CLOUD, ids[CLOUD]):
            u = await c.users.by_user_id(key).get(q(
                UserItemRequestBuilder.UserItemRequestBuilderGetQueryParameters, select=USER_SELECT))
            assert u.id == ids[CLOUD] and u.user_principal_name == CLOUD
            assert u.account_enabled is not None and u.identities
            clean(u)
    await check("a user by UPN and by id, with resetdesk's $select", one_user)

    async def memberships():
        for r in (await c.users.by_user_id(ids[CLOUD]).member_of.get(),
                  await c.users.by_user_id(ids[CLOUD]).transitive_member_of.get(),
                  await c.users.by_user_id(ids[GLOBAL_ADMIN]).member_of.get()):
            clean(r)
        cfg = RequestConfiguration()
        cfg.headers.add("ConsistencyLevel", "eventual")
        r = await c.users.by_user_id(ids[CLOUD]).transitive_member_of.graph_group.get(cfg)
        clean(r)
        r = await c.users.by_user_id(ids[CLOUD]).member_of.graph_administrative_unit.get()
        assert r.value, "adele is in an administrative unit"
        clean(r)
    await check("memberOf, transitiveMemberOf and their casts (graph.group alias)", memberships)

    async def roles():
        from msgraph.generated.role_management.directory.role_assignments.role_assignments_request_builder import \
            RoleAssignmentsRequestBuilder as B
        r = await c.role_management.directory.role_assignments.get(q(
            B.RoleAssignmentsRequestBuilderGetQueryParameters,
            filter=f"principalId eq '{ids[GLOBAL_ADMIN]}'", expand=["roleDefinition"]))
        assert any(a.role_definition and a.role_definition.template_id ==
                   "62e90394-69f5-4237-9190-012177145e10" for a in r.value)
        clean(r)
        r = await c.role_management.directory.role_eligibility_schedule_instances \
            .filter_by_current_user_with_on("principal").get()
        clean(r)
        from msgraph.generated.role_management.directory.role_assignment_schedule_instances.filter_by_current_user_with_on.filter_by_current_user_with_on_request_builder import \
            FilterByCurrentUserWithOnRequestBuilder as F
        r = await c.role_management.directory.role_assignment_schedule_instances \
            .filter_by_current_user_with_on("principal").get(q(
                F.FilterByCurrentUserWithOnRequestBuilderGetQueryParameters, expand=["roleDefinition"]))
        assert any(a.role_definition for a in r.value), "the Helpdesk role, expanded"
        clean(r)
    await check("role assignments with $filter and $expand; my PIM eligibility and assignments", roles)

    async def me():
        # The SDK's `me` builder asks for /users/me-token-to-replace and relies on a
        # UrlReplaceHandler that GraphClientFactory's default middleware lacks here.
        u = await c.me.with_url(f"{base}/me").get()
        assert u.user_principal_name == "henrietta.mueller@contoso.com", u.user_principal_name
        clean(u)
    await check("/me", me)

    async def directory():
        units = await c.directory.administrative_units.get()
        for r in (units, await c.organization.get(), await c.domains.get()):
            assert r.value
            clean(r)
        one = await c.directory.administrative_units.by_administrative_unit_id(units.value[0].id).get()
        assert one.id == units.value[0].id
        clean(one)
    await check("administrative units, organization, domains", directory)

    def profile():
        return User(password_profile=PasswordProfile(password=PASSWORD,
                                                     force_change_password_next_sign_in=True))

    async def patch_cloud():
        assert await c.users.by_user_id(ids[CLOUD2]).patch(profile()) is None
    await check("the SDK's PATCH (with @odata.type) resets a cloud user: 204", patch_cloud)
    await check("the SDK's PATCH of a synced user: the on-premises-mastered 400",
                lambda: c.users.by_user_id(ids[SYNCED]).patch(profile()),
                error=(400, "Request_BadRequest"), says="on-premises")
    await check("the SDK's PATCH of a Global Administrator as Helpdesk: 403",
                lambda: c.users.by_user_id(ids[GLOBAL_ADMIN]).patch(profile()),
                error=(403, "Authorization_RequestDenied"))

    async def revoke():
        r = await c.users.by_user_id(ids[CLOUD]).revoke_sign_in_sessions.post()
        assert r.value is True
    await check("revokeSignInSessions", revoke)

    async def audits():
        from msgraph.generated.audit_logs.directory_audits.directory_audits_request_builder import \
            DirectoryAuditsRequestBuilder as B
        r = await c.audit_logs.directory_audits.get(q(
            B.DirectoryAuditsRequestBuilderGetQueryParameters,
            filter="activityDateTime ge 2020-01-01T00:00:00Z and loggedByService eq 'Core Directory'",
            top=50))
        assert r.value
        # Graph's audit entries carry these on initiatedBy.user beyond v1.0's model
        # (directoryaudit-list.md's response example).
        clean(r, allowed=("homeTenantId", "homeTenantName", "userType"))
    await check("directory audits with $filter and $top", audits)

    async def batch():
        items = []
        for n, path in enumerate([f"/users/{ids[CLOUD]}?$select=id,displayName",
                                  "/organization", "/users/nobody@contoso.com"]):
            ri = RequestInformation()
            ri.http_method, ri.url = Method.GET, base + path
            items.append(BatchRequestItem(request_information=ri, id=str(n + 1)))
        items.append(BatchRequestItem(
            c.users.by_user_id(ids[CLOUD2]).to_patch_request_information(profile()), id="4"))
        for it in items:
            it.url = it.url.replace(base, "", 1)
        bb = BatchRequestBuilder(adapter)
        ri = await bb.to_post_request_information(BatchRequestContent({i.id: i for i in items}))
        doc = json.loads(await adapter.send_primitive_async(ri, "bytes", {"XXX": ODataError}))
        got = {r["id"]: r for r in doc["responses"]}
        assert {k: got[k]["status"] for k in "1234"} == {"1": 200, "2": 200, "3": 404, "4": 204}, got
        user = JsonParseNode(got["1"]["body"]).get_object_value(User)
        assert user.id == ids[CLOUD]
        orgs = JsonParseNode(got["2"]["body"]).get_object_value(OrganizationCollectionResponse)
        assert orgs.value
        err = JsonParseNode(got["3"]["body"]).get_object_value(ODataError)
        assert err.error.code == "Request_ResourceNotFound", err.error.code
    await check("$batch through BatchRequestContent (the SDK's typed PATCH inside)", batch)

    from msgraph.generated.users.users_request_builder import UsersRequestBuilder as U
    await check("a missing user: 404 Request_ResourceNotFound",
                lambda: c.users.by_user_id("nobody@contoso.com").get(),
                error=(404, "Request_ResourceNotFound"))
    await check("a bad $filter: 400",
                lambda: c.users.get(q(U.UsersRequestBuilderGetQueryParameters,
                                      filter="displayName eq")),
                error=(400, "Request_BadRequest"))
    await check("$top over 999: 400",
                lambda: c.users.get(q(U.UsersRequestBuilderGetQueryParameters, top=1000)),
                error=(400, "Request_BadRequest"))
    await check("$search without ConsistencyLevel: 400 Request_UnsupportedQuery",
                lambda: c.users.get(q(U.UsersRequestBuilderGetQueryParameters,
                                      search='"displayName:adele"')),
                error=(400, "Request_UnsupportedQuery"))

    await odata_error("an unknown route parses as ODataError",
                      lambda: c.users.with_url(f"{base}/noSuchResource").get())
    await odata_error("an unsupported method parses as ODataError",
                      lambda: c.users.by_user_id(ids[CLOUD2]).delete())


async def auth_admin(c: GraphServiceClient, adapter, base: str):
    ids = {upn: (await c.users.by_user_id(upn).get()).id for upn in (CLOUD, SYNCED, "noah.kim@contoso.com")}

    async def reset_password():
        hdr = HeadersInspectionHandlerOption(inspect_response_headers=True)
        await c.users.by_user_id(ids[SYNCED]).authentication.methods \
            .by_authentication_method_id(PASSWORD_METHOD).reset_password.post(
                ResetPasswordPostRequestBody(new_password=PASSWORD), RequestConfiguration(options=[hdr]))
        location = next(iter(hdr.response_headers.get("location")))
        op = location.split("/operations/")[1].split("?")[0]
        for _ in range(30):
            o = await c.users.by_user_id(ids[SYNCED]).authentication.operations \
                .by_long_running_operation_id(op).get()
            if o.status.value in ("succeeded", "failed"):
                break
            await asyncio.sleep(0.5)
        assert o.status.value == "succeeded", o.status
        clean(o)
    await check("resetPassword (Location, the operation polled to succeeded)", reset_password)

    async def reports():
        from msgraph.generated.audit_logs.sign_ins.sign_ins_request_builder import SignInsRequestBuilder as B
        r = await c.audit_logs.sign_ins.get(q(
            B.SignInsRequestBuilderGetQueryParameters,
            filter=f"userId eq '{ids['noah.kim@contoso.com']}' and createdDateTime ge 2020-01-01T00:00:00Z",
            top=10))
        clean(r)
        r = await c.reports.authentication_methods.user_registration_details \
            .by_user_registration_details_id(ids[CLOUD]).get()
        assert r.is_mfa_registered is not None
        clean(r)
        r = await c.users.by_user_id(ids[CLOUD]).authentication.methods.get()
        assert r.value
        clean(r)
    await check("sign-in logs, the registration report, authentication methods", reports)

    async def tap():
        body = TemporaryAccessPassAuthenticationMethod(lifetime_in_minutes=60, is_usable_once=True)
        r = await c.users.by_user_id(ids["noah.kim@contoso.com"]).authentication \
            .temporary_access_pass_methods.post(body)
        assert r.temporary_access_pass and r.lifetime_in_minutes == 60
        clean(r)
    await check("a Temporary Access Pass created", tap)


async def global_admin(c: GraphServiceClient, adapter, base: str):
    async def policy():
        r = await c.policies.authentication_methods_policy.authentication_method_configurations \
            .by_authentication_method_configuration_id("TemporaryAccessPass").get()
        assert r.state is not None
        clean(r)
    await check("the Temporary Access Pass policy", policy)

    async def sync():
        r = await c.directory.on_premises_synchronization.get()
        assert r.value and r.value[0].features is not None
        clean(r)
    await check("directory/onPremisesSynchronization (the writeback setting)", sync)

    async def eligibility():
        from msgraph.generated.role_management.directory.role_eligibility_schedule_instances.role_eligibility_schedule_instances_request_builder import \
            RoleEligibilityScheduleInstancesRequestBuilder as B
        cam = (await c.users.by_user_id("cameron.white@contoso.com").get()).id
        r = await c.role_management.directory.role_eligibility_schedule_instances.get(q(
            B.RoleEligibilityScheduleInstancesRequestBuilderGetQueryParameters,
            filter=f"principalId eq '{cam}'", expand=["roleDefinition"]))
        assert r.value and r.value[0].role_definition, "cameron's eligible role"
        clean(r)
    await check("a user's PIM-eligible roles with $filter and $expand", eligibility)


def start(binary: str, persona: str):
    p = subprocess.Popen([binary, "sim", "--port", "0", "--users", "1200", "--as", persona,
                          "--audit-delay-ms", "0", "--audit-every-secs", "0", "--op-delay-ms", "200"],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    url = p.stdout.readline().strip()
    token = p.stdout.readline().strip().split("=", 1)[1]
    return p, url, token


async def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default="target/debug/resetdesk")
    args = ap.parse_args()
    procs = []
    try:
        for persona, run in (("helpdesk", helpdesk), ("auth-admin", auth_admin),
                             ("global-admin", global_admin)):
            p, url, token = start(args.binary, persona)
            procs.append(p)
            c, adapter = client(url, token)
            await run(c, adapter, url)
    finally:
        for p in procs:
            p.terminate()
            p.wait(10)
    failed = [r for r in RESULTS if r[0] != "ok"]
    for verdict, name, detail in RESULTS:
        print(f"{verdict:4} {name}" + (f" — {detail}" if detail and verdict != "ok" else ""))
    print(f"{len(RESULTS) - len(failed)} of {len(RESULTS)} checks pass")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
