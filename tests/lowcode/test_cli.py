"""The ``kuaicrm`` console command, run as a subprocess on throw-away SQLite sites."""

from __future__ import annotations

import hashlib
import json
import os
import re
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
KUAICRM = Path(sys.executable).with_name("kuaicrm")
ADMIN_PASSWORD = "Cli-admin-2026!"
# Volatile by design: login sessions and the database cache (rate-limit counters).
VOLATILE_TABLES = {"django_session", "lowcode_cache"}

# Runs inside `kuaicrm shell`: logs in and calls the API with tokens, prints one JSON line.
PROBE = """
import json, os
from django.contrib.auth import authenticate
from django.test import Client
from lowcode.permissions.core import get_roles
spec = json.loads(os.environ["PROBE"])
out = {"logins": [authenticate(username=u, password=p) is not None for u, p in spec["logins"]],
       "tokens": [], "roles": {u: sorted(get_roles(u)) for u in spec["roles"]}}
for header in spec["tokens"]:
    r = Client().get("/api/method/frappe.auth.get_logged_user", HTTP_AUTHORIZATION=header)
    out["tokens"].append([r.status_code, r.json().get("message")])
print("PROBE " + json.dumps(out))
"""


class Sites:
    """Run ``kuaicrm`` against sites in one temporary sites folder."""

    def __init__(self, folder: Path):
        self.folder = folder

    def run(
        self,
        *args: str,
        site: str = "alpha",
        admin_password: str | None = None,
        extra_env: dict | None = None,
        check: bool = True,
    ) -> subprocess.CompletedProcess:
        env = {
            key: value
            for key, value in os.environ.items()
            # the CLI must read its own site, not the test run's settings or database
            if key not in ("DJANGO_SETTINGS_MODULE", "KUAICRM_DB_NAME", "KUAICRM_ADMIN_PASSWORD")
        }
        env.update(KUAICRM_SITES_DIR=str(self.folder), KUAICRM_SITE=site, **(extra_env or {}))
        if admin_password:
            env["KUAICRM_ADMIN_PASSWORD"] = admin_password
        done = subprocess.run(  # noqa: S603 - fixed arguments, no shell
            [str(KUAICRM), *args],
            env=env,
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if check:
            assert done.returncode == 0, f"kuaicrm {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
        return done

    def probe(self, site: str = "alpha", logins=(), tokens=(), roles=()) -> dict:
        spec = {"logins": list(logins), "tokens": list(tokens), "roles": list(roles)}
        done = self.run("shell", "-c", PROBE, site=site, extra_env={"PROBE": json.dumps(spec)})
        line = next(x for x in done.stdout.splitlines() if x.startswith("PROBE "))
        return json.loads(line.removeprefix("PROBE "))

    def config(self, site: str = "alpha") -> dict:
        return json.loads((self.folder / site / "site_config.json").read_text(encoding="utf-8"))

    def checksum(self, site: str = "alpha") -> dict[str, tuple[int, str]]:
        """Row count and a digest of all rows (sorted) of every table of the site's database."""
        connection = sqlite3.connect(self.folder / site / "db.sqlite3")
        try:
            tables = [
                name
                for (name,) in connection.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
                )
                if name not in VOLATILE_TABLES
            ]
            result = {}
            for table in tables:
                rows = sorted(repr(row) for row in connection.execute(f'SELECT * FROM "{table}"'))  # noqa: S608
                digest = hashlib.sha256("\n".join(rows).encode()).hexdigest()
                result[table] = (len(rows), digest)
            return result
        finally:
            connection.close()


@pytest.fixture(scope="module")
def sites(tmp_path_factory) -> Sites:
    """Site "alpha" made with KUAICRM_ADMIN_PASSWORD, with demo data loaded once."""
    sites = Sites(tmp_path_factory.mktemp("sites"))
    created = sites.run("new-site", "alpha", admin_password=ADMIN_PASSWORD)
    assert "Created" in created.stdout
    sites.run("load-demo")
    return sites


def test_new_site_is_idempotent(sites):
    config = sites.config()

    again = sites.run("new-site", "alpha", admin_password="Another-pass-2026!")

    assert "already exists" in again.stdout
    assert sites.config() == config
    # the first password still works; the second run changed nothing
    assert sites.probe(
        logins=[("Administrator", ADMIN_PASSWORD), ("Administrator", "Another-pass-2026!")]
    )["logins"] == [True, False]


def test_admin_password_from_environment_works(sites):
    assert "admin_password" not in sites.config()  # never written when chosen by the operator
    result = sites.probe(logins=[("Administrator", ADMIN_PASSWORD), ("Administrator", "wrong")])
    assert result["logins"] == [True, False]


def test_generated_admin_password_is_printed_once_and_stored_only_hashed(sites):
    # given: a site made without KUAICRM_ADMIN_PASSWORD
    created = sites.run("new-site", "beta", site="beta").stdout

    # then: new-site printed it; the site's config (owner-only) does not hold it
    match = re.search(r"password:\s+(\S+)", created)
    assert match, created
    password = match.group(1)
    config = sites.folder / "beta" / "site_config.json"
    assert stat.S_IMODE(config.stat().st_mode) == 0o600
    assert password not in config.read_text(encoding="utf-8")
    assert "admin_password" not in sites.config("beta")
    # and nothing prints it again
    assert password not in sites.run("load-demo", site="beta").stdout
    result = sites.probe(
        site="beta", logins=[("Administrator", password), ("Administrator", ADMIN_PASSWORD)]
    )
    assert result["logins"] == [True, False]


def test_migrate_drops_a_plain_admin_password_an_older_new_site_left(sites):
    # given: alpha's config as an earlier new-site wrote it, world-readable by mistake
    path = sites.folder / "alpha" / "site_config.json"
    path.write_text(json.dumps({**sites.config(), "admin_password": ADMIN_PASSWORD}))
    path.chmod(0o644)

    # when
    done = sites.run("migrate")

    # then: gone from the file (owner-only again); the password itself still works
    assert "admin_password" in done.stdout
    assert "admin_password" not in sites.config()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert sites.probe(logins=[("Administrator", ADMIN_PASSWORD)])["logins"] == [True]


def test_new_site_refuses_a_weak_admin_password_and_leaves_no_site(sites):
    # when: the operator picks a weak password
    refused = sites.run("new-site", "gamma", site="gamma", admin_password="admin123", check=False)

    # then: no site (new-site may simply be run again), the reason named
    assert refused.returncode != 0
    assert "KUAICRM_ADMIN_PASSWORD" in refused.stderr
    assert "密码太常见" in refused.stderr or "too common" in refused.stderr
    assert not (sites.folder / "gamma" / "site_config.json").exists()
    assert not (sites.folder / "gamma" / "db.sqlite3").exists()


def test_create_user_refuses_a_weak_password(sites):
    short = sites.run("create-user", "dave", "--password", "123", check=False)
    own_name = sites.run("create-user", "deskuser", "--password", "deskuser", check=False)

    assert short.returncode != 0 and own_name.returncode != 0
    assert "密码太短" in short.stderr or "too short" in short.stderr
    assert "太相似" in own_name.stderr or "too similar" in own_name.stderr
    result = sites.probe(logins=[("dave", "123"), ("deskuser", "deskuser")], roles=["dave"])
    assert result["logins"] == [False, False]


def test_load_demo_twice_changes_nothing(sites):
    before = sites.checksum()
    assert before["tabLead"][0] > 0 and before["tabDepartment"][0] == 5

    sites.run("load-demo")

    after = sites.checksum()
    assert {t: n for t, (n, _) in after.items()} == {t: n for t, (n, _) in before.items()}
    assert after == before


def test_create_user_with_roles_and_department(sites):
    done = sites.run(
        "create-user",
        "carol",
        "--password",
        "Carol-pass-2026!",
        "--roles",
        "Sales User, Sales Manager",
        "--department",
        "华东销售部",
        "--full-name",
        "卡罗",
    )

    assert "carol" in done.stdout
    result = sites.probe(
        logins=[("carol", "Carol-pass-2026!"), ("carol", "wrong")], roles=["carol"]
    )
    assert result["logins"] == [True, False]
    assert {"Sales User", "Sales Manager"} <= set(result["roles"]["carol"])
    assert "System Manager" not in result["roles"]["carol"]


def api_key(sites, username: str) -> str:
    shown = sites.run("api-key", username).stdout
    match = re.search(r"^Authorization: (token \S+:\S+)$", shown, re.MULTILINE)
    assert match, shown
    return match.group(1)


def test_api_key_prints_a_working_token(sites):
    first = api_key(sites, "zhang.wei")
    second = api_key(sites, "zhang.wei")  # issuing a new pair revokes the old one

    tokens = sites.probe(tokens=[first, second, "token nope:nope"])["tokens"]
    assert [status for status, _message in tokens] == [401, 200, 401]
    assert tokens[1] == [200, "zhang.wei"]

    revoked = sites.run("api-key", "zhang.wei", "--revoke").stdout
    assert "Revoked 1" in revoked
    assert sites.probe(tokens=[second])["tokens"][0][0] == 401


def test_check_passes_on_the_shipped_apps(sites):
    done = sites.run("check", check=False)

    assert done.returncode == 0, done.stdout + done.stderr
    assert "System check identified" in done.stdout


def test_backup_then_restore_round_trips(sites, tmp_path):
    # given: the demo site, one attachment, and the checksum of every table
    files = Path(sites.config()["files_path"])
    files.mkdir(parents=True, exist_ok=True)
    (files / "contract.txt").write_text("原件", encoding="utf-8")
    before = sites.checksum()
    archive = tmp_path / "site.tar.gz"

    # when: backed up, then changed in several ways
    sites.run("backup", "--output", str(archive))
    assert archive.exists()
    sites.run(
        "shell",
        "-c",
        (
            "from lowcode.documents.actions import do_delete_doc, do_save_doc\n"
            "from lowcode.storage.factory import get_model\n"
            "do_delete_doc('Administrator', 'Lead', get_model('Lead').objects.order_by('name')[0].name)\n"
            "do_save_doc('Administrator', 'Department', '华南销售部', {'region': '改了'})\n"
        ),
    )
    sites.run("create-user", "mallory", "--password", "Mallory-pass-2026!")
    (files / "contract.txt").unlink()
    changed = sites.checksum()
    assert changed["tabLead"][0] == before["tabLead"][0] - 1
    assert changed["tabDepartment"] != before["tabDepartment"]
    assert changed["auth_user"][0] == before["auth_user"][0] + 1

    # then: restoring gives back exactly the data and files of the backup
    sites.run("restore", str(archive))
    assert sites.checksum() == before
    assert (files / "contract.txt").read_text(encoding="utf-8") == "原件"
    assert sites.probe(
        logins=[("mallory", "Mallory-pass-2026!"), ("Administrator", ADMIN_PASSWORD)]
    )["logins"] == [False, True]


BREAK_METADATA = """
from django.utils import timezone
from lowcode.storage.factory import get_model
now = timezone.now()
# Stored the way a bad restore or a hand edit would leave it: the API refuses this record.
get_model("Property Setter").objects.create(
    name="Lead-lead_name-colour", doc_type="Lead", field_name="lead_name", property="colour",
    value="red", owner="Administrator", modified_by="Administrator", creation=now, modified=now)
"""


def test_start_refuses_to_serve_broken_metadata_and_names_the_problem(sites):
    # given: a separate site with an invalid stored customisation
    sites.run("new-site", "broken", site="broken", admin_password=ADMIN_PASSWORD)
    sites.run("shell", "-c", BREAK_METADATA, site="broken")

    # when
    done = sites.run("start", "--port", "1", site="broken", check=False)

    # then: no server; the check ID and the offending record are reported
    assert done.returncode != 0
    assert "meta.E016" in done.stderr
    assert "colour" in done.stderr
    assert "serving" not in done.stdout


def test_mail_goes_to_the_console_until_the_site_names_a_mail_server(sites):
    # given: "alpha" has no mail_server in site_config.json
    code = (
        "from django.core.mail import send_mail; from django.conf import settings;"
        "print('BACKEND', settings.EMAIL_BACKEND);"
        "send_mail('审批提醒', '请审批合同', None, ['rep@example.cn'])"
    )
    # when
    done = sites.run("shell", "-c", code)
    # then: nothing tried to reach an SMTP server; the message is readable on stdout
    assert "BACKEND django.core.mail.backends.console.EmailBackend" in done.stdout
    assert "To: rep@example.cn" in done.stdout


HTTPS_PROBE = """
import json
from django.test import Client
r = Client().post("/api/method/login", json.dumps({"usr": "Administrator", "pwd": "%s"}),
                  content_type="application/json", secure=True)
print("PROBE " + json.dumps({"status": r.status_code,
    "secure": {n: bool(r.cookies[n]["secure"]) for n in ("sid", "csrftoken")},
    "hsts": r.headers.get("Strict-Transport-Security", "")}))
"""


@pytest.mark.parametrize("https", [{"https": True}, {"host_name": "https://crm.example.cn"}, {}])
def test_cookies_are_secure_and_hsts_sent_when_the_site_is_served_over_https(sites, https):
    # given: alpha's config saying (or not) that the site is served over HTTPS
    path = sites.folder / "alpha" / "site_config.json"
    original = path.read_text(encoding="utf-8")
    path.write_text(json.dumps({**json.loads(original), **https}), encoding="utf-8")
    try:
        # when: someone logs in
        done = sites.run("shell", "-c", HTTPS_PROBE % ADMIN_PASSWORD)
    finally:
        path.write_text(original, encoding="utf-8")

    # then
    line = next(x for x in done.stdout.splitlines() if x.startswith("PROBE "))
    result = json.loads(line.removeprefix("PROBE "))
    assert result["status"] == 200
    assert result["secure"] == {"sid": bool(https), "csrftoken": bool(https)}
    assert result["hsts"].startswith("max-age=31536000") is bool(https)


def _processes() -> dict[int, tuple[int, bytes]]:
    """Every process: pid → (parent pid, command line) (Linux /proc)."""
    found = {}
    for folder in Path("/proc").glob("[0-9]*"):
        try:
            rest = (folder / "stat").read_text().rsplit(")", 1)[1]
            found[int(folder.name)] = (int(rest.split()[1]), (folder / "cmdline").read_bytes())
        except (OSError, IndexError):
            continue  # ended meanwhile
    return found


def test_start_replaces_a_web_worker_after_max_requests(sites):
    """Whatever a worker's memory does, it is recycled after --max-requests (with jitter)."""
    import socket
    import time
    import urllib.request

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DJANGO_SETTINGS_MODULE", "KUAICRM_DB_NAME")
    }
    env.update(KUAICRM_SITES_DIR=str(sites.folder), KUAICRM_SITE="alpha")
    server = subprocess.Popen(  # noqa: S603 - fixed arguments, no shell
        [str(KUAICRM), "start", "--port", str(port), "--workers", "1",
         "--max-requests", "4", "--max-requests-jitter", "1"],
        env=env, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}/login"

    def get() -> int:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status

    def gunicorn_workers() -> tuple[bytes, set[int]]:
        """The gunicorn master's command line and its workers' pids."""
        processes = _processes()
        family, grown = {server.pid}, True
        while grown:  # the server's descendants: it may supervise gunicorn or be it
            grown = False
            for pid, (parent, _cmd) in processes.items():
                if parent in family and pid not in family:
                    family.add(pid)
                    grown = True
        masters = [
            pid
            for pid in family
            if b"gunicorn" in processes.get(pid, (0, b""))[1]
            and b"gunicorn" not in processes.get(processes[pid][0], (0, b""))[1]
        ]
        assert len(masters) == 1, "one gunicorn master expected"
        master = masters[0]
        workers = {pid for pid, (parent, _cmd) in processes.items() if parent == master}
        return processes[master][1], workers

    try:
        deadline = time.monotonic() + 60
        while True:  # bounded wait for gunicorn to answer
            try:
                assert get() == 200
                break
            except OSError:
                assert time.monotonic() < deadline, "kuaicrm start did not answer"
                time.sleep(0.2)
        cmdline, first = gunicorn_workers()
        assert b"--max-requests" in cmdline.split(b"\0")
        assert b"--max-requests-jitter" in cmdline.split(b"\0")

        # when: more requests than one worker may serve
        for _ in range(12):
            assert get() == 200

        # then: the master replaced its worker (bounded wait: the new one boots)
        deadline = time.monotonic() + 30
        while (workers := gunicorn_workers()[1]) & first or not workers:
            assert time.monotonic() < deadline, "the worker was never replaced"
            time.sleep(0.2)
    finally:
        os.killpg(server.pid, 15)  # the server and what it started
        server.wait(timeout=30)
