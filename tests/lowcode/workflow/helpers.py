"""Small API helpers for workflow tests."""

from __future__ import annotations


def act(client, doctype: str, name: str, action: str, **extra):
    return client.post(
        "/api/method/lowcode.workflow.apply_action",
        {"doctype": doctype, "name": name, "action": action, **extra},
    )


def state_after(client, doctype: str, name: str, action: str, **extra) -> str:
    response = act(client, doctype, name, action, **extra)
    assert response.status_code == 200, response.content
    return response.json()["message"]["workflow_state"]


def actions_of(client, doctype: str, name: str) -> list[str]:
    response = client.get(
        "/api/method/lowcode.workflow.get_transitions", {"doctype": doctype, "name": name}
    )
    assert response.status_code == 200, response.content
    return [t["action"] for t in response.json()["message"]]


def inbox(client, box: str) -> dict:
    response = client.get("/api/method/lowcode.workflow.inbox", {"box": box})
    assert response.status_code == 200, response.content
    return {item["name"]: item for item in response.json()["message"]}


SIGNED_PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def attach_signed_scan(client, name: str) -> None:
    """Upload a signed contract's scan into its ``signed_scan`` field (needed before Signed)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = client.client.post(
        "/api/method/upload_file",
        {
            "file": SimpleUploadedFile("signed.pdf", SIGNED_PDF, content_type="application/pdf"),
            "doctype": "Contract",
            "docname": name,
            "fieldname": "signed_scan",
            "is_private": 1,
        },
        HTTP_AUTHORIZATION=client.header,
    )
    assert upload.status_code == 200, upload.content.decode()


def set_workflow_setting(setting_name: str, value) -> None:
    """Set a Workflow Setting as an administrator would (the fixture may have shipped it)."""
    from lowcode.documents.actions import do_insert_doc, do_save_doc
    from lowcode.storage.factory import get_model

    if get_model("Workflow Setting").objects.filter(name=setting_name).exists():
        do_save_doc("Administrator", "Workflow Setting", setting_name, {"value": value})
    else:
        do_insert_doc(
            "Administrator", "Workflow Setting", {"setting_name": setting_name, "value": value}
        )
