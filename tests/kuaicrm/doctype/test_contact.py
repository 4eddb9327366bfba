"""Contacts: a contact links only to a customer its author may read."""

from __future__ import annotations

from lowcode.storage.factory import get_model
from tests.kuaicrm.doctype.customers import new_customer

CONTACTS = "/api/resource/Contact"


def test_a_contact_cannot_be_linked_to_a_customer_the_user_may_not_read(api, users):
    # given: south's customer (another department); rep reads only their own customers
    theirs = new_customer(api("south"), "广州恒达机电有限公司")
    rep = api("rep")
    mine = new_customer(rep, "苏州精工机械有限公司")

    # when: rep links a new contact to it, and to a customer name that does not exist
    def attempt(customer: str):
        response = rep.post(CONTACTS, {"full_name": "王芳", "customer": customer})
        body = response.json()
        return response.status_code, body["exc_type"], body["message"].replace(customer, "<c>")

    forbidden = attempt(theirs["name"])
    missing = attempt("CUST-2026-99999")

    # then: refused exactly like a missing customer (same status, same message)
    assert forbidden == missing
    assert forbidden[0] == 417
    assert "不存在" in forbidden[2]
    assert not get_model("Contact").objects.filter(full_name="王芳").exists()
    # rep's own customer links as before
    own = rep.post(CONTACTS, {"full_name": "王芳", "customer": mine["name"]})
    assert own.status_code == 200, own.content
