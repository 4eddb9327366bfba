"""A document the user may not read answers exactly like one that does not exist.

The two responses may differ only in the document name itself; status,
``exc_type``, message, ``_server_messages`` and headers must be the same,
so nobody can probe which names exist outside their scope.
"""

from __future__ import annotations

from urllib.parse import quote

import pytest

from lowcode import context
from lowcode.documents.actions import do_insert_doc, do_submit_doc
from lowcode.storage.factory import get_model

TITLE = {"Test Order": "title", "Lead": "lead_name"}
MISSING = {"Test Order": "TO-2099-99999", "Lead": "LEAD-2099-99999"}
PLACEHOLDER = b"<NAME>"


def resource(doctype: str, name: str) -> str:
    return f"/api/resource/{quote(doctype)}/{quote(name)}"


# Every way to address one document by name: (label, call(client, doctype, name)).
REQUESTS = {
    "GET resource": lambda c, dt, n: c.get(resource(dt, n)),
    "PUT resource": lambda c, dt, n: c.put(resource(dt, n), {TITLE[dt]: "probe"}),
    "DELETE resource": lambda c, dt, n: c.delete(resource(dt, n)),
    "frappe.client.get": lambda c, dt, n: c.get(
        "/api/method/frappe.client.get", {"doctype": dt, "name": n}
    ),
    "frappe.client.get by filters": lambda c, dt, n: c.get(
        "/api/method/frappe.client.get", {"doctype": dt, "filters": {"name": n}}
    ),
    "frappe.client.get_value": lambda c, dt, n: c.get(
        "/api/method/frappe.client.get_value", {"doctype": dt, "fieldname": TITLE[dt], "filters": n}
    ),
    "frappe.client.get_value dict": lambda c, dt, n: c.get(
        "/api/method/frappe.client.get_value",
        {"doctype": dt, "fieldname": [TITLE[dt], "owner"], "filters": {"name": n}},
    ),
    "frappe.client.get_count": lambda c, dt, n: c.get(
        "/api/method/frappe.client.get_count", {"doctype": dt, "filters": {"name": n}}
    ),
    "frappe.client.set_value": lambda c, dt, n: c.post(
        "/api/method/frappe.client.set_value",
        {"doctype": dt, "name": n, "fieldname": TITLE[dt], "value": "probe"},
    ),
    "frappe.client.save": lambda c, dt, n: c.post(
        "/api/method/frappe.client.save", {"doc": {"doctype": dt, "name": n, TITLE[dt]: "p"}}
    ),
    "frappe.client.delete": lambda c, dt, n: c.post(
        "/api/method/frappe.client.delete", {"doctype": dt, "name": n}
    ),
    "assign_to.add": lambda c, dt, n: c.post(
        "/api/method/frappe.desk.form.assign_to.add",
        {"doctype": dt, "name": n, "assign_to": ["rep"]},
    ),
    "get_versions": lambda c, dt, n: c.get(
        "/api/method/lowcode.api.get_versions", {"doctype": dt, "name": n}
    ),
}
SUBMITTABLE_REQUESTS = {
    "frappe.client.submit": lambda c, dt, n: c.post(
        "/api/method/frappe.client.submit", {"doc": {"doctype": dt, "name": n}}
    ),
    "frappe.client.cancel": lambda c, dt, n: c.post(
        "/api/method/frappe.client.cancel", {"doctype": dt, "name": n}
    ),
}
CASES = [("Test Order", label) for label in [*REQUESTS, *SUBMITTABLE_REQUESTS]]
CASES += [("Lead", label) for label in REQUESTS]


class _Lang:
    """Wrap an ApiClient so every call carries the same Accept-Language."""

    def __init__(self, client, extra: dict):
        self.client, self.extra = client, extra

    def get(self, path, data=None):
        return self.client.get(path, data, **self.extra)

    def post(self, path, data=None):
        return self.client.post(path, data, **self.extra)

    def put(self, path, data=None):
        return self.client.put(path, data, **self.extra)

    def delete(self, path):
        return self.client.delete(path, **self.extra)


def normalised(response, name: str) -> tuple:
    """What a client can observe, with the probed name blanked out."""
    encoded = name.encode()
    headers = {k: v for k, v in response.headers.items() if k.lower() not in ("date",)}
    return (
        response.status_code,
        response.content.replace(encoded, PLACEHOLDER),
        sorted((k, v.replace(name, "<NAME>")) for k, v in headers.items()),
    )


@pytest.fixture
def forbidden(users):
    """Documents of south (华南销售部), outside rep's and manager's scopes; one submitted."""
    context.reset()
    names = {
        doctype: do_insert_doc("south", doctype, {TITLE[doctype]: "south only"}).name
        for doctype in TITLE
    }
    submitted = do_insert_doc("south", "Test Order", {TITLE["Test Order"]: "submitted"}).name
    do_submit_doc("Administrator", "Test Order", submitted)
    context.reset()
    return {**names, "submitted": submitted}


@pytest.mark.parametrize("language", ["zh", "en"])
@pytest.mark.parametrize("actor", ["rep", "manager", "nobody"])
@pytest.mark.parametrize(("doctype", "label"), CASES)
def test_forbidden_answers_like_missing(api, forbidden, actor, language, doctype, label):
    # given: the same request for a forbidden and for a missing name
    client = api(actor)
    call = {**REQUESTS, **SUBMITTABLE_REQUESTS}[label]
    name = forbidden["submitted"] if label == "frappe.client.cancel" else forbidden[doctype]
    missing = MISSING[doctype]
    assert len(missing) == len(name)  # equal lengths keep Content-Length comparable
    lang = {"HTTP_ACCEPT_LANGUAGE": language}

    # when
    for_forbidden = call(_Lang(client, lang), doctype, name)
    for_missing = call(_Lang(client, lang), doctype, missing)

    # then: indistinguishable, and a refusal (or an empty answer) rather than data
    assert normalised(for_forbidden, name) == normalised(for_missing, missing)
    assert for_forbidden.status_code in (200, 403, 404), for_forbidden.content
    if for_forbidden.status_code == 200:
        assert for_forbidden.json()["message"] in (None, 0), for_forbidden.content
    row = get_model(doctype).objects.get(name=name)
    assert getattr(row, TITLE[doctype]) in ("south only", "submitted")  # nothing changed


def test_missing_document_is_a_404_not_a_500(api, forbidden):
    """The baseline the comparison relies on: a missing name is a clean 404."""
    response = api("rep").get(
        resource("Test Order", MISSING["Test Order"]), HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.status_code == 404
    body = response.json()
    assert body["exc_type"] == "DoesNotExistError"
    assert MISSING["Test Order"] in body["message"]


def test_readable_document_is_not_reported_missing(api, forbidden):
    """The comparison is not vacuous: south, the owner, does see the document."""
    response = api("south").get(resource("Test Order", forbidden["Test Order"]))

    assert response.status_code == 200
    assert response.json()["data"]["title"] == "south only"
