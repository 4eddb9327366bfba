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
