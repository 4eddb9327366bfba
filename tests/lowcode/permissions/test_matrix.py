"""The permission matrix: roles × data scopes × verbs × who owns the document.

The expected outcomes are written out below by hand from the permission
tables of ``tests/engine_app/doctype/test_order/test_order.json`` and
``apps/kuaicrm/doctype/lead/lead.json``; they are never read back from the
metadata, so a wrong rule, a wrong scope or a leaky read path fails here.

Departments (conftest): 销售中心 → 华东销售部 → 苏州组, and 销售中心 → 华南销售部.
Users: rep, rep2 (苏州组, Sales User), manager (华东销售部, Sales Manager),
south (华南销售部, Sales User), sysman (销售中心, System Manager), nobody (no roles).
"""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest

from lowcode import context
from lowcode.documents.actions import do_assign_doc, do_insert_doc, do_submit_doc
from lowcode.exceptions import PermissionError as FrappePermissionError
from lowcode.permissions.core import permitted_queryset
from lowcode.storage.factory import get_model

TEST_ORDER, LEAD = "Test Order", "Lead"
DOCTYPES = (TEST_ORDER, LEAD)
VERBS = ("read", "write", "create", "delete", "submit", "cancel", "export", "import", "report")
ACTORS = ("rep", "manager", "sysman", "nobody")
ROLE_OF = {"rep": "Sales User", "manager": "Sales Manager", "sysman": "System Manager"}

# The verbs each role holds at permlevel 0, copied from the JSON files.
GRANTED = {
    TEST_ORDER: {
        "Sales User": {"read", "write", "create", "report"},
        "Sales Manager": {
            "read",
            "write",
            "create",
            "delete",
            "submit",
            "cancel",
            "export",
            "report",
        },
        "System Manager": set(VERBS),
    },
    LEAD: {
        "Sales User": {"read", "write", "create", "report"},
        "Sales Manager": {"read", "write", "create", "delete", "export", "import", "report"},
        "System Manager": {"read", "write", "create", "delete", "export", "import", "report"},
    },
}

# The documents every test starts with: key → (owner, assignee or None).
DOCS = {
    "own": ("rep", None),  # owned by rep
    "colleague": ("rep2", None),  # same sub-department (苏州组) as rep
    "parent_dept": ("manager", None),  # the parent department 华东销售部
    "other_dept": ("south", None),  # another department 华南销售部
    "assigned": ("south", "rep"),  # owned elsewhere, assigned to rep
    "top_dept": ("sysman", None),  # 销售中心, above manager's department
    "no_dept": ("Administrator", None),  # a user with no department at all
}
ALL_DOCS = frozenset(DOCS)

# Which documents each actor sees under its role's declared scope.
VISIBLE = {
    # own: owned by or assigned to rep
    "rep": {"own", "assigned"},
    # department: owned by or assigned to anyone in 华东销售部 or 苏州组
    "manager": {"own", "colleague", "parent_dept", "assigned"},
    # all
    "sysman": set(ALL_DOCS),
    "nobody": set(),
}

# Visibility when a Custom DocPerm gives the actor's role each scope in turn.
VISIBLE_BY_SCOPE = {
    "rep": {
        "own": {"own", "assigned"},
        "department": {"own", "colleague", "assigned"},  # 苏州组 only
        "all": set(ALL_DOCS),
    },
    "manager": {
        "own": {"parent_dept"},
        "department": {"own", "colleague", "parent_dept", "assigned"},
        "all": set(ALL_DOCS),
    },
    "sysman": {
        "own": {"top_dept"},
        "department": set(ALL_DOCS) - {"no_dept"},  # 销售中心 holds every department
        "all": set(ALL_DOCS),
    },
}

TITLE = {TEST_ORDER: "title", LEAD: "lead_name"}
SUCCESS = {"read": 200, "write": 200, "delete": 202, "submit": 200, "cancel": 200}


def granted(doctype: str, actor: str, verb: str) -> bool:
    role = ROLE_OF.get(actor)
    return role is not None and verb in GRANTED[doctype][role]


def expected_status(doctype: str, actor: str, key: str, verb: str) -> int:
    """Unreadable → 404 (as if missing); readable without the verb → 403; else success."""
    if key not in VISIBLE[actor]:
        return 404
    return SUCCESS[verb] if granted(doctype, actor, verb) else 403


def doc_path(doctype: str, name: str = "") -> str:
    path = f"/api/resource/{quote(doctype)}"
    return f"{path}/{quote(name)}" if name else path


def make_docs(api, doctype: str) -> dict[str, str]:
    """Create one document per DOCS key through actions and the API; return key → name."""
    names = {}
    for key, (owner, assignee) in DOCS.items():
        doc = do_insert_doc(owner, doctype, {TITLE[doctype]: f"{key} by {owner}"})
        names[key] = doc.name
        if assignee:
            # assignment through the Frappe endpoint, by the owner
            response = api(owner).post(
                "/api/method/frappe.desk.form.assign_to.add",
                {"doctype": doctype, "name": doc.name, "assign_to": [assignee]},
            )
            assert response.status_code == 200, response.content
    context.reset()
    return names


@pytest.fixture
def clients(api):
    """One token client per actor (issuing a key revokes that user's previous one)."""
    return {actor: api(actor) for actor in ACTORS}


@pytest.fixture
def order_docs(api):
    return make_docs(api, TEST_ORDER)


@pytest.fixture
def lead_docs(api):
    return make_docs(api, LEAD)


@pytest.fixture
def docs_of(order_docs, lead_docs):
    return {TEST_ORDER: order_docs, LEAD: lead_docs}


def keys_of(names: dict[str, str], returned) -> set[str]:
    by_name = {name: key for key, name in names.items()}
    return {by_name.get(name, f"?{name}") for name in returned}


# ---------------------------------------------------------------- reads


@pytest.mark.parametrize("doctype", DOCTYPES)
@pytest.mark.parametrize("actor", ["rep", "manager", "sysman"])
def test_every_read_path_shows_exactly_the_scope(clients, docs_of, doctype, actor):
    """List, get_list, get_count, GET, frappe.client.get and get_value agree with the scope."""
    names, client, expected = docs_of[doctype], clients[actor], VISIBLE[actor]

    # list: /api/resource
    response = client.get(doc_path(doctype), {"fields": ["name"], "limit_page_length": 0})
    assert response.status_code == 200, response.content
    assert keys_of(names, [r["name"] for r in response.json()["data"]]) == expected

    # frappe.client.get_list
    response = client.get(
        "/api/method/frappe.client.get_list",
        {"doctype": doctype, "fields": ["name"], "limit_page_length": 0},
    )
    assert response.status_code == 200, response.content
    assert keys_of(names, [r["name"] for r in response.json()["message"]]) == expected

    # frappe.client.get_count
    response = client.get("/api/method/frappe.client.get_count", {"doctype": doctype})
    assert response.status_code == 200, response.content
    assert response.json()["message"] == len(expected)

    for key, name in names.items():
        visible = key in expected
        # GET /api/resource/<doctype>/<name>
        response = client.get(doc_path(doctype, name))
        assert response.status_code == (200 if visible else 404), (key, response.content)
        if visible:
            assert response.json()["data"]["name"] == name
        # frappe.client.get
        response = client.get("/api/method/frappe.client.get", {"doctype": doctype, "name": name})
        assert response.status_code == (200 if visible else 404), (key, response.content)
        # frappe.client.get_value
        response = client.get(
            "/api/method/frappe.client.get_value",
            {"doctype": doctype, "fieldname": TITLE[doctype], "filters": name},
        )
        assert response.status_code == 200, response.content
        value = response.json()["message"]
        assert value == ({TITLE[doctype]: f"{key} by {DOCS[key][0]}"} if visible else None), key
        # a filtered count must not reveal the document either
        response = client.get(
            "/api/method/frappe.client.get_count", {"doctype": doctype, "filters": {"name": name}}
        )
        assert response.json()["message"] == int(visible), key


@pytest.mark.parametrize("doctype", DOCTYPES)
def test_user_without_roles_gets_403_on_list_and_404_on_get(clients, docs_of, doctype):
    client, names = clients["nobody"], docs_of[doctype]

    response = client.get(doc_path(doctype))
    assert response.status_code == 403, response.content
    assert response.json()["exc_type"] == "PermissionError"
    response = client.get("/api/method/frappe.client.get_list", {"doctype": doctype})
    assert response.status_code == 403
    response = client.get("/api/method/frappe.client.get_count", {"doctype": doctype})
    assert response.status_code == 403
    for name in names.values():
        response = client.get(doc_path(doctype, name))
        assert response.status_code == 404, response.content
        assert response.json()["exc_type"] == "DoesNotExistError"


# ---------------------------------------------------------------- document verbs


def attempt(client, doctype: str, name: str, verb: str):
    path = doc_path(doctype, name)
    if verb == "read":
        return client.get(path)
    if verb == "write":
        return client.put(path, {TITLE[doctype]: "changed"})
    if verb == "delete":
        return client.delete(path)
    if verb == "submit":
        return client.post(
            "/api/method/frappe.client.submit", {"doc": {"doctype": doctype, "name": name}}
        )
    return client.post("/api/method/frappe.client.cancel", {"doctype": doctype, "name": name})


def effect(doctype: str, name: str, verb: str) -> bool:
    """Whether the verb's change is in the database."""
    row = get_model(doctype).objects.filter(name=name).first()
    if verb == "delete":
        return row is None
    if verb == "write":
        return getattr(row, TITLE[doctype]) == "changed"
    if verb == "submit":
        return row.docstatus == 1
    if verb == "cancel":
        return row.docstatus == 2
    return False


DOC_VERB_CASES = [
    (doctype, actor, verb)
    for doctype in DOCTYPES
    for actor in ACTORS
    # submit and cancel only mean something on a submittable DocType
    for verb in ("read", "write", "delete", "submit", "cancel")
    if doctype == TEST_ORDER or verb not in ("submit", "cancel")
]


@pytest.mark.parametrize(("doctype", "actor", "verb"), DOC_VERB_CASES)
def test_document_verb(clients, docs_of, doctype, actor, verb):
    # given
    names = docs_of[doctype]
    if verb == "cancel":
        for name in names.values():
            do_submit_doc("Administrator", doctype, name)
        context.reset()

    # when
    outcome = {key: attempt(clients[actor], doctype, name, verb) for key, name in names.items()}

    # then
    statuses = {key: response.status_code for key, response in outcome.items()}
    assert statuses == {key: expected_status(doctype, actor, key, verb) for key in names}
    for key, response in outcome.items():
        if response.status_code == 403:
            assert response.json()["exc_type"] == "PermissionError"
        if response.status_code == 404:
            assert response.json()["exc_type"] == "DoesNotExistError"
        changed = effect(doctype, names[key], verb)
        assert changed == (response.status_code == SUCCESS[verb] and verb != "read"), key


@pytest.mark.parametrize("doctype", DOCTYPES)
def test_submit_only_on_submittable_doctypes(clients, docs_of, doctype):
    """Lead is not submittable: even a System Manager's submit is refused, nothing changes."""
    name = docs_of[doctype]["own"]
    response = attempt(clients["sysman"], doctype, name, "submit")
    if doctype == LEAD:
        assert response.status_code == 417, response.content
        assert response.json()["exc_type"] == "DocstatusTransitionError"
        assert get_model(doctype).objects.get(name=name).docstatus == 0
    else:
        assert response.status_code == 200, response.content
        assert get_model(doctype).objects.get(name=name).docstatus == 1


@pytest.mark.parametrize("doctype", DOCTYPES)
@pytest.mark.parametrize("actor", ACTORS)
def test_create(clients, doctype, actor):
    response = clients[actor].post(doc_path(doctype), {TITLE[doctype]: f"new by {actor}"})

    if granted(doctype, actor, "create"):
        assert response.status_code == 200, response.content
        name = response.json()["data"]["name"]
        assert get_model(doctype).objects.get(name=name).owner == actor
    else:
        assert response.status_code == 403, response.content
        assert response.json()["exc_type"] == "PermissionError"
        assert not get_model(doctype).objects.filter(**{TITLE[doctype]: f"new by {actor}"}).exists()


@pytest.mark.parametrize("doctype", DOCTYPES)
@pytest.mark.parametrize("verb", VERBS)
def test_scope_of_every_verb(docs_of, doctype, verb):
    """The permission layer's query (used by export, import, report …) per verb and actor."""
    names = docs_of[doctype]
    found = {}
    for actor in ACTORS:
        context.reset()
        try:
            found[actor] = keys_of(
                names, permitted_queryset(actor, doctype, verb).values_list("name", flat=True)
            )
        except FrappePermissionError:
            found[actor] = "refused"

    assert found == {
        actor: VISIBLE[actor] if granted(doctype, actor, verb) else "refused" for actor in ACTORS
    }


# ---------------------------------------------------------------- field permlevels


@pytest.fixture
def margin_doc(order_docs):
    """rep's own order with a secret margin, set by the System Manager."""
    from lowcode.documents.actions import do_save_doc

    do_save_doc("sysman", TEST_ORDER, order_docs["own"], {"secret_margin": 123.5})
    context.reset()
    return order_docs["own"]


def test_permlevel_field_hidden_from_sales_user_everywhere(clients, margin_doc):
    rep = clients["rep"]
    en = {"HTTP_ACCEPT_LANGUAGE": "en"}

    # get: the field is absent, not null
    data = rep.get(doc_path(TEST_ORDER, margin_doc)).json()["data"]
    assert "secret_margin" not in data
    assert data["title"] == "own by rep"
    data = rep.get(
        "/api/method/frappe.client.get", {"doctype": TEST_ORDER, "name": margin_doc}
    ).json()["message"]
    assert "secret_margin" not in data

    # list with "*": every other column, not this one
    rows = rep.get(doc_path(TEST_ORDER), {"fields": ["*"]}).json()["data"]
    assert rows and all("secret_margin" not in row and "title" in row for row in rows)

    # naming it anywhere is a 400 that names it, never silently ignored
    refusals = {
        "fields": rep.get(doc_path(TEST_ORDER), {"fields": ["name", "secret_margin"]}, **en),
        "filters": rep.get(doc_path(TEST_ORDER), {"filters": [["secret_margin", ">", 100]]}, **en),
        "dict filters": rep.get(doc_path(TEST_ORDER), {"filters": {"secret_margin": 123.5}}, **en),
        "or_filters": rep.get(
            doc_path(TEST_ORDER), {"or_filters": [["secret_margin", "=", 123.5]]}, **en
        ),
        "order_by": rep.get(doc_path(TEST_ORDER), {"order_by": "secret_margin desc"}, **en),
        "get_list": rep.get(
            "/api/method/frappe.client.get_list",
            {"doctype": TEST_ORDER, "fields": ["secret_margin"]},
            **en,
        ),
        "get_count": rep.get(
            "/api/method/frappe.client.get_count",
            {"doctype": TEST_ORDER, "filters": {"secret_margin": 123.5}},
            **en,
        ),
        "get_value": rep.get(
            "/api/method/frappe.client.get_value",
            {"doctype": TEST_ORDER, "fieldname": "secret_margin", "filters": margin_doc},
            **en,
        ),
        "get_value filter": rep.get(
            "/api/method/frappe.client.get_value",
            {"doctype": TEST_ORDER, "fieldname": "name", "filters": {"secret_margin": 123.5}},
            **en,
        ),
    }
    for where, response in refusals.items():
        assert response.status_code == 400, (where, response.content)
        body = response.json()
        assert body["exc_type"] == "DataError", where
        assert "secret_margin" in body["message"], where


def test_permlevel_field_sales_user_cannot_write(clients, margin_doc):
    rep = clients["rep"]

    response = rep.put(
        doc_path(TEST_ORDER, margin_doc), {"secret_margin": 1}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 403, response.content
    assert "Secret Margin" in response.json()["message"]
    response = rep.post(doc_path(TEST_ORDER), {"title": "sneaky", "secret_margin": 5})
    assert response.status_code == 403, response.content

    assert get_model(TEST_ORDER).objects.get(name=margin_doc).secret_margin == 123.5
    assert not get_model(TEST_ORDER).objects.filter(title="sneaky").exists()


def test_permlevel_field_readable_not_writable_by_sales_manager(clients, margin_doc):
    manager = clients["manager"]

    # readable: get, list, filter and sort on it
    assert manager.get(doc_path(TEST_ORDER, margin_doc)).json()["data"]["secret_margin"] == 123.5
    response = manager.get(
        doc_path(TEST_ORDER),
        {
            "fields": ["name", "secret_margin"],
            "filters": [["secret_margin", ">", 100]],
            "order_by": "secret_margin desc",
        },
    )
    assert response.status_code == 200, response.content
    assert response.json()["data"] == [{"name": margin_doc, "secret_margin": 123.5}]
    response = manager.get(
        "/api/method/frappe.client.get_value",
        {"doctype": TEST_ORDER, "fieldname": "secret_margin", "filters": margin_doc},
    )
    assert response.json()["message"] == {"secret_margin": 123.5}

    # sending the unchanged value back (a whole form) is fine
    response = manager.put(
        doc_path(TEST_ORDER, margin_doc), {"title": "renamed", "secret_margin": 123.5}
    )
    assert response.status_code == 200, response.content

    # changing it is refused, naming the field, and nothing is written
    response = manager.put(
        doc_path(TEST_ORDER, margin_doc),
        {"title": "again", "secret_margin": 1},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 403, response.content
    assert response.json()["exc_type"] == "PermissionError"
    assert "Secret Margin" in response.json()["message"]
    row = get_model(TEST_ORDER).objects.get(name=margin_doc)
    assert (row.title, row.secret_margin) == ("renamed", 123.5)


def test_permlevel_field_writable_by_system_manager(clients, margin_doc):
    response = clients["sysman"].put(doc_path(TEST_ORDER, margin_doc), {"secret_margin": 7})

    assert response.status_code == 200, response.content
    assert response.json()["data"]["secret_margin"] == 7
    assert get_model(TEST_ORDER).objects.get(name=margin_doc).secret_margin == 7


def test_lead_permlevel_field_writable_by_sales_manager_hidden_from_sales_user(clients, lead_docs):
    """Lead's internal_rating: permlevel 1 with read+write for Sales Manager."""
    name = lead_docs["own"]

    response = clients["manager"].put(doc_path(LEAD, name), {"internal_rating": "Hot"})
    assert response.status_code == 200, response.content
    assert get_model(LEAD).objects.get(name=name).internal_rating == "Hot"

    assert "internal_rating" not in clients["rep"].get(doc_path(LEAD, name)).json()["data"]
    response = clients["rep"].get(doc_path(LEAD), {"filters": {"internal_rating": "Hot"}})
    assert response.status_code == 400
    response = clients["rep"].put(doc_path(LEAD, name), {"internal_rating": "Cold"})
    assert response.status_code == 403
    assert get_model(LEAD).objects.get(name=name).internal_rating == "Hot"


# ---------------------------------------------------------------- Custom DocPerm


def add_custom_perm(client, doctype: str, role: str, scope: str, **verbs) -> str:
    """Create a Custom DocPerm through the API; Frappe's delete/import are stored renamed."""
    body = {"parent_doctype": doctype, "role": role, "scope": scope, "permlevel": 0}
    renamed = {"delete": "allow_delete", "import": "allow_import"}
    body.update({renamed.get(verb, verb): 1 for verb, on in verbs.items() if on})
    response = client.post(doc_path("Custom DocPerm"), body)
    assert response.status_code == 200, response.content
    return response.json()["data"]["name"]


def listed(client, doctype: str, names: dict[str, str]):
    response = client.get(doc_path(doctype), {"fields": ["name"], "limit_page_length": 0})
    if response.status_code != 200:
        return response.status_code
    return keys_of(names, [r["name"] for r in response.json()["data"]])


def test_custom_docperm_overrides_json_rules_at_once(clients, order_docs):
    sysman, rep, manager = clients["sysman"], clients["rep"], clients["manager"]
    assert listed(rep, TEST_ORDER, order_docs) == VISIBLE["rep"]

    # when: the admin gives Sales User a read-only department scope
    perm = add_custom_perm(sysman, TEST_ORDER, "Sales User", "department", read=1)
    # System Manager keeps access only if a rule says so: custom rules replace the JSON
    add_custom_perm(sysman, TEST_ORDER, "System Manager", "all", read=1, write=1, delete=1)

    # then: the very next requests follow the custom rules
    assert listed(rep, TEST_ORDER, order_docs) == {"own", "colleague", "assigned"}
    response = rep.put(doc_path(TEST_ORDER, order_docs["own"]), {"title": "x"})
    assert response.status_code == 403, response.content  # write no longer granted
    response = rep.post(doc_path(TEST_ORDER), {"title": "new"})
    assert response.status_code == 403, response.content  # nor create
    assert listed(manager, TEST_ORDER, order_docs) == 403  # Sales Manager has no custom rule
    response = manager.get(doc_path(TEST_ORDER, order_docs["colleague"]))
    assert response.status_code == 404

    # when: the custom rule is removed again
    response = sysman.delete(doc_path("Custom DocPerm", perm))
    assert response.status_code == 202, response.content
    # only the System Manager row is left: Sales User lost everything
    assert listed(rep, TEST_ORDER, order_docs) == 403
    remaining = sysman.get(doc_path("Custom DocPerm"), {"fields": ["name"]}).json()["data"]
    for row in remaining:
        assert sysman.delete(doc_path("Custom DocPerm", row["name"])).status_code == 202

    # then: with no custom rules left, the JSON rules apply again
    assert listed(rep, TEST_ORDER, order_docs) == VISIBLE["rep"]
    assert listed(manager, TEST_ORDER, order_docs) == VISIBLE["manager"]


def test_custom_docperm_requires_system_manager(clients, order_docs):
    response = clients["manager"].post(
        doc_path("Custom DocPerm"),
        {"parent_doctype": TEST_ORDER, "role": "Sales Manager", "scope": "all", "read": 1},
    )

    assert response.status_code == 403, response.content
    assert not get_model("Custom DocPerm").objects.exists()
    assert listed(clients["manager"], TEST_ORDER, order_docs) == VISIBLE["manager"]


@pytest.mark.parametrize("actor", ["rep", "manager", "sysman"])
@pytest.mark.parametrize("scope", ["own", "department", "all"])
def test_each_role_under_each_scope(clients, order_docs, actor, scope):
    """Roles × scopes: the same role sees exactly what each data scope allows."""
    # the sysman client posts before the rule replaces System Manager's own JSON rules
    add_custom_perm(clients["sysman"], TEST_ORDER, ROLE_OF[actor], scope, read=1, write=1)
    if actor != "sysman":
        add_custom_perm(clients["sysman"], TEST_ORDER, "System Manager", "all", read=1)

    assert listed(clients[actor], TEST_ORDER, order_docs) == VISIBLE_BY_SCOPE[actor][scope]
    # writes follow the same scope, and out-of-scope documents look missing
    for key, name in order_docs.items():
        response = clients[actor].put(doc_path(TEST_ORDER, name), {"title": f"{scope} edit"})
        in_scope = key in VISIBLE_BY_SCOPE[actor][scope]
        assert response.status_code == (200 if in_scope else 404), (key, response.content)


def test_assignment_through_action_widens_own_scope(api, clients, order_docs):
    """do_assign_doc (the action) works like the API: the assignee now sees the document."""
    name = order_docs["colleague"]
    assert clients["rep"].get(doc_path(TEST_ORDER, name)).status_code == 404

    do_assign_doc("rep2", TEST_ORDER, name, "rep")
    context.reset()

    assert clients["rep"].get(doc_path(TEST_ORDER, name)).status_code == 200
    assert listed(clients["rep"], TEST_ORDER, order_docs) == {"own", "assigned", "colleague"}
    # south's manager does not see it: neither owner nor assignee is in 华南销售部
    assert api("south_manager").get(doc_path(TEST_ORDER, name)).status_code == 404


def test_assignment_needs_write_access(clients, order_docs):
    """A Sales User cannot assign someone else's document to themselves."""
    response = clients["rep"].post(
        "/api/method/frappe.desk.form.assign_to.add",
        {"doctype": TEST_ORDER, "name": order_docs["other_dept"], "assign_to": json.dumps(["rep"])},
    )

    assert response.status_code == 404, response.content
    assert clients["rep"].get(doc_path(TEST_ORDER, order_docs["other_dept"])).status_code == 404
