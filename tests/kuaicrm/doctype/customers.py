"""Helpers shared by the customer tests (pool, merge, 360°): records made through the API."""

from __future__ import annotations

import pytest

from lowcode import context
from lowcode.documents.actions import do_save_doc

CUSTOMERS = "/api/resource/Customer"
METHOD = "/api/method/"


@pytest.fixture
def regional_pools(users):
    """华东公海 is claimed from by 华东销售部 (and 苏州组), 华南公海 by 华南销售部."""
    for pool, department in (("华东公海", "华东销售部"), ("华南公海", "华南销售部")):
        do_save_doc("Administrator", "Customer Pool", pool, {"department": department})
    context.reset()
    return ["华东公海", "华南公海"]


def set_pool(pool: str, **values) -> None:
    do_save_doc("Administrator", "Customer Pool", pool, values)
    context.reset()


def new_customer(client, name: str, **values) -> dict:
    response = client.post(CUSTOMERS, {"customer_name": name, **values})
    assert response.status_code == 200, response.content.decode()
    return response.json()["data"]


def call(client, method: str, **params):
    return client.post(METHOD + method, params)


def message_of(response) -> str:
    """The error text the API answers (exception message), for asserting what users read."""
    body = response.json()
    return str(body.get("message") or body)
