"""Shared fixtures: users, roles, departments and API clients, made through actions."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest
from django.core.cache import cache
from django.test import Client

from kuaicrm.setup import install_defaults
from lowcode import context
from lowcode.documents.actions import do_insert_doc, do_save_doc
from lowcode.meta import registry
from lowcode.setup import ensure_administrator, sync_roles
from lowcode.users import do_create_user, do_generate_api_key

PASSWORD = "Test-pass-2026!"


def new_graded_customer(owner: str, data: dict, grader: str = "Administrator"):
    """A customer created by ``owner`` and graded by ``grader``.

    Sales users may not set a customer's level (it routes sales order approvals), so a test
    that needs a rep's A-level customer has someone allowed to grade it do so, as in real life.
    """
    data = dict(data)
    level = data.pop("customer_level")
    created = do_insert_doc(owner, "Customer", data)
    return do_save_doc(grader, "Customer", created.name, {"customer_level": level})


@pytest.fixture(autouse=True)
def fresh_caches():
    """Each test starts like a new request: no cached roles or metadata."""
    context.reset()
    registry.clear_local_cache()
    cache.clear()
    yield
    context.reset()
    registry.clear_local_cache()


@pytest.fixture
def site(db):
    """Roles and Administrator, as `kuaicrm migrate` sets them up."""
    sync_roles()
    ensure_administrator(PASSWORD)
    install_defaults()
    return "Administrator"


@pytest.fixture
def departments(site):
    """销售中心 → 华东销售部 → 苏州组, and a separate 华南销售部."""
    for name, parent in (
        ("销售中心", None),
        ("华东销售部", "销售中心"),
        ("苏州组", "华东销售部"),
        ("华南销售部", "销售中心"),
    ):
        do_insert_doc(
            "Administrator", "Department", {"department_name": name, "parent_department": parent}
        )
    return ["销售中心", "华东销售部", "苏州组", "华南销售部"]


@pytest.fixture
def users(departments):
    """A manager, two sales users in the same subtree, one elsewhere, and an admin user."""
    spec = {
        "manager": ("华东销售部", ["Sales Manager"]),
        "rep": ("苏州组", ["Sales User"]),
        "rep2": ("苏州组", ["Sales User"]),
        "south": ("华南销售部", ["Sales User"]),
        "south_manager": ("华南销售部", ["Sales Manager"]),
        "sysman": ("销售中心", ["System Manager"]),
        "nobody": ("", []),
    }
    for username, (department, roles) in spec.items():
        do_create_user(username, PASSWORD, roles=roles, department=department, full_name=username)
    context.reset()
    return list(spec)


@dataclass
class ApiClient:
    """A real HTTP-level client (Django's test client) authenticated by API token."""

    client: Client
    user: str
    header: str

    def _call(self, method: str, path: str, data=None, **extra):
        kwargs = {"HTTP_AUTHORIZATION": self.header, **extra}
        if data is not None and method != "get":
            kwargs.update(data=json.dumps(data), content_type="application/json")
        elif data is not None:
            kwargs["data"] = {
                k: json.dumps(v) if isinstance(v, (list, dict)) else v for k, v in data.items()
            }
        return getattr(self.client, method)(path, **kwargs)

    def get(self, path, data=None, **extra):
        return self._call("get", path, data, **extra)

    def post(self, path, data=None, **extra):
        return self._call("post", path, data, **extra)

    def put(self, path, data=None, **extra):
        return self._call("put", path, data, **extra)

    def delete(self, path, **extra):
        return self._call("delete", path, None, **extra)


@pytest.fixture
def api(users):
    """``api("rep")`` returns a token-authenticated client for that user."""

    def make(username: str = "Administrator") -> ApiClient:
        key, secret = do_generate_api_key(username)
        return ApiClient(Client(), username, f"token {key}:{secret}")

    return make
