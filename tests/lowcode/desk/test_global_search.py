"""Global search (issue 17 item 8): any phone number, pinyin, initials, suggestions, permissions."""

from __future__ import annotations

import re

import pytest

from lowcode.documents.actions import do_delete_doc, do_insert_doc, do_save_doc
from lowcode.setup import run_after_migrate
from lowcode.storage.factory import get_model

HENGLI = "苏州恒力精密制造有限公司"


def _hits(page: str) -> list[str]:
    return re.findall(r'class="(?:search|suggest)-hit" href="[^"]+"><b>([^<]+)</b>', page)


@pytest.fixture
def hengli(users):
    """The rep's customer with a Suzhou landline, and a colleague's customer with a mobile."""
    do_insert_doc(
        "rep2",
        "Customer",
        {"customer_name": "宁波东海汽车零部件股份有限公司", "phone": "13912345678"},
    )
    return do_insert_doc(
        "rep", "Customer", {"customer_name": HENGLI, "phone": "0512-66881234"}
    ).name


@pytest.mark.parametrize(
    "typed", ["0512-66881234", "051266881234", "66881234", "0512 6688 1234", "+86 512 6688 1234"]
)
def test_a_customer_is_found_by_its_landline_however_it_is_typed(desk, hengli, typed):
    page = desk("rep").get("/app/search", {"q": typed}).content.decode()

    assert _hits(page) == [HENGLI]
    assert 'href="tel:+8651266881234"' in page  # the result dials with one tap


@pytest.mark.parametrize("typed", ["hengli", "HengLi", "heng li", "hl", "szhl", "恒力"])
def test_a_customer_is_found_by_pinyin_and_initials(desk, hengli, typed):
    page = desk("rep").get("/app/search", {"q": typed}).content.decode()

    assert HENGLI in _hits(page)


def test_a_mobile_number_is_found_and_a_number_nobody_has_is_not(desk, hengli):
    client = desk("rep2")

    found = client.get("/app/search", {"q": "139 1234 5678"}).content.decode()
    nothing = client.get("/app/search", {"q": "0512-99999999"}).content.decode()

    assert _hits(found) == ["宁波东海汽车零部件股份有限公司"]
    assert _hits(nothing) == []


def test_search_never_finds_or_suggests_a_record_the_user_may_not_read(desk, hengli):
    # rep2 may not read the rep's customer (a Sales User sees their own)
    client = desk("rep2")

    by_phone = client.get("/app/search", {"q": "66881234"}).content.decode()
    by_pinyin = client.get("/app/search/suggest", {"q": "hengli"}).content.decode()
    manager = desk("manager").get("/app/search", {"q": "66881234"}).content.decode()

    assert HENGLI not in by_phone and HENGLI not in by_pinyin
    assert _hits(manager) == [HENGLI]  # the rep's manager reads the department's customers


def test_suggestions_while_typing_are_a_fragment_with_links(desk, hengli):
    response = desk("rep").get("/app/search/suggest", {"q": "hl"}, headers={"HX-Request": "true"})

    page = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in page
    assert _hits(page) == [HENGLI]
    assert f'href="/app/customer/{hengli}"' in page


def test_a_changed_phone_is_found_by_its_new_number_only_and_a_deleted_record_not_at_all(
    desk, hengli
):
    client = desk("rep")
    do_save_doc("rep", "Customer", hengli, {"phone": "0512-62885566"})

    assert _hits(client.get("/app/search", {"q": "62885566"}).content.decode()) == [HENGLI]
    assert _hits(client.get("/app/search", {"q": "66881234"}).content.decode()) == []

    do_delete_doc("Administrator", "Customer", hengli)
    assert _hits(client.get("/app/search", {"q": "62885566"}).content.decode()) == []
    assert not get_model("Search Entry").objects.filter(reference_name=hengli).exists()


def test_a_contacts_numbers_in_its_phone_table_are_found(desk, hengli):
    do_insert_doc(
        "rep",
        "Contact",
        {
            "full_name": "张建国",
            "customer": hengli,
            "phone_nos": [{"phone": "0512-66880001", "phone_type": "Office"}],
        },
    )

    page = desk("rep").get("/app/search", {"q": "66880001"}).content.decode()

    assert _hits(page) == ["张建国"]


def test_records_written_before_the_index_are_found_after_migrate(desk, hengli):
    # given a site whose customers were written before the index existed
    get_model("Search Entry").objects.all().delete()
    client = desk("rep")
    assert _hits(client.get("/app/search", {"q": "hengli"}).content.decode()) == []

    # when the site is migrated
    run_after_migrate()

    # then they are found by pinyin and by phone
    assert _hits(client.get("/app/search", {"q": "hengli"}).content.decode()) == [HENGLI]
    assert _hits(client.get("/app/search", {"q": "051266881234"}).content.decode()) == [HENGLI]
