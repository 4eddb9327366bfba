"""Translation records (Frappe's Translation DocType): an administrator's wording of a text,
read above the apps' csv rows of the same context, on every screen and every worker, while
the stored value and the API stay as they were."""

from __future__ import annotations

import re

import pytest
from django.apps import apps
from django.db.models import F
from django.utils.timezone import now

from lowcode.documents.actions import do_insert_doc
from lowcode.i18n import _, option_label, translate_in
from lowcode.meta.registry import get_meta
from tests.lowcode.dataio.conftest import METHOD, read_csv
from tests.lowcode.desk.test_boards import board
from tests.lowcode.desk.test_translation_context_screens import lost_stage, opportunity, pills

pytestmark = pytest.mark.django_db
WORD = "丢单"


def reword_lost(client) -> dict:
    """What an administrator posts: the opportunity status Lost worded 丢单."""
    response = client.post(
        "/api/resource/Translation",
        {"language": "zh", "source_text": "Lost", "translated_text": WORD,
         "context": "Opportunity:status"},
        content_type="application/json",
    )  # fmt: skip
    assert response.status_code == 200, response.content
    return response.json()["data"]


def test_a_translation_record_words_the_option_on_every_screen_while_the_value_stays(api, desk):
    name = opportunity(lost_stage(), lost_reason="Price", stage_reason="客户选了竞品")
    assert option_label(get_meta("Opportunity").get_field("status"), "Lost") == "输单"

    reword_lost(api("Administrator"))

    client = desk("manager")
    listed = client.get("/app/opportunity").content.decode()
    assert WORD in pills(listed) and "输单" not in pills(listed)
    assert re.search(rf'<option value="Lost"[^>]*>{WORD}</option>', listed)  # the list filter
    form = desk("rep").get(f"/app/opportunity/{name}").content.decode()
    shown = re.search(r'id="in-status"[^>]*>([^<]*)<', form)
    assert shown and shown.group(1).strip() == WORD
    columns = board(client, "/app/opportunity/view/kanban", field="status")
    assert columns["Lost"]["count"] == 1
    kanban = client.get("/app/opportunity/view/kanban", {"field": "status"}).content.decode()
    headings = re.findall(r'<h2[^>]*id="kanban-h-\d+"[^>]*>(.*?)</h2>', kanban, re.S)
    assert any(WORD in h for h in headings)
    exported = api("manager").get(
        METHOD + "export", {"doctype": "Opportunity", "fields": ["opportunity_name", "status"]}
    )
    assert read_csv(exported.content)[1:] == [["数控改造", WORD]]
    # the value stays: the API and its filters speak Lost
    stored = api("rep").get(f"/api/resource/Opportunity/{name}").json()["data"]
    assert stored["status"] == "Lost"
    # the record is worded for its context only: a customer's Lost is still 流失
    assert translate_in("Lost", "Customer:status", "Customer") == "流失"


def test_a_second_request_of_another_worker_sees_a_translation_saved_elsewhere(desk):
    """Another process saves the record and bumps the generation; this process never cleared
    its cache itself, yet its next request words the option the new way."""
    opportunity(lost_stage(), lost_reason="Price", stage_reason="客户选了竞品")
    client = desk("manager")
    assert "输单" in pills(client.get("/app/opportunity").content.decode())  # cached here now

    # what another worker's save leaves in the database: the row and a new generation
    Translation = apps.get_model("lowcode", "Translation")
    Translation.objects.create(
        name="other-worker", language="zh", source_text="Lost", translated_text=WORD,
        context="Opportunity:status", creation=now(), modified=now(),
    )  # fmt: skip
    MetaGeneration = apps.get_model("lowcode", "MetaGeneration")
    if not MetaGeneration.objects.filter(pk=1).update(generation=F("generation") + 1):
        MetaGeneration.objects.create(pk=1, generation=1)

    assert WORD in pills(client.get("/app/opportunity").content.decode())


def test_deleting_the_record_brings_back_the_files_wording(api):
    client = api("Administrator")
    row = reword_lost(client)
    field = get_meta("Opportunity").get_field("status")
    assert option_label(field, "Lost") == WORD

    assert client.delete(f"/api/resource/Translation/{row['name']}").status_code == 202

    assert option_label(field, "Lost") == "输单"


def test_a_record_without_context_words_a_text_everywhere_but_a_context_row_wins(api):
    do_insert_doc(
        "Administrator",
        "Translation",
        {"language": "zh", "source_text": "Lost", "translated_text": "没了", "context": ""},
    )

    assert _("Lost") == "没了"
    assert translate_in("Lost", "Opportunity:status") == "输单"  # the file's row in context


def test_only_a_system_manager_writes_translations_and_twins_are_refused(api):
    refused = api("manager").post(
        "/api/resource/Translation",
        {"language": "zh", "source_text": "Lost", "translated_text": "x", "context": "Lead"},
        content_type="application/json",
    )
    assert refused.status_code == 403, refused.content
    client = api("Administrator")
    reword_lost(client)
    twin = client.post(
        "/api/resource/Translation",
        {"language": "zh", "source_text": "Lost ", "translated_text": "又一个",
         "context": "Opportunity:status"},
        content_type="application/json",
    )  # fmt: skip
    assert twin.status_code == 417, twin.content
    assert "source_text" in twin.content.decode()


def test_a_system_manager_words_a_text_from_the_desk(desk):
    admin = desk("sysman")
    assert admin.get("/app/translation/new").status_code == 200

    saved = admin.post(
        "/app/translation/new",
        {"language": "zh", "source_text": "Lost", "translated_text": WORD,
         "context": "Opportunity:status"},
    )  # fmt: skip

    assert saved.status_code == 204, saved.content.decode()[:1500]
    listed = admin.get("/app/translation").content.decode()
    assert WORD in listed and "翻译" in listed
    field = get_meta("Opportunity").get_field("status")
    assert option_label(field, "Lost") == WORD
