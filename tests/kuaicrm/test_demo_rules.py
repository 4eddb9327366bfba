"""``make run``'s order on a fresh site: migrate (no reps yet), then load-demo, then leads.

The default assignment rules need the sales users, which only the demo creates; they must
exist and assign after the first load-demo, not after a second migrate.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
KUAICRM = Path(sys.executable).with_name("kuaicrm")

PROBE = """
import json
from lowcode.documents.actions import do_insert_doc
from lowcode.documents.factory import get_model
from lowcode.models import Assignment
rules = sorted(get_model("Assignment Rule").objects.filter(document_type="Lead")
               .values_list("strategy", flat=True))
demo = list(get_model("Lead").objects.filter(lead_name__startswith="演示").values_list("name", flat=True))
assigned = Assignment.objects.filter(ref_doctype="Lead", docname__in=demo).values("docname").distinct()
lead = do_insert_doc("Administrator", "Lead", {"lead_name": "新线索", "territory": "华南"})
users = list(Assignment.objects.filter(ref_doctype="Lead", docname=lead.name)
             .values_list("user", flat=True))
print("PROBE " + json.dumps({"rules": rules, "demo": len(demo), "assigned": assigned.count(),
                             "new_lead_users": users}))
"""


def run(env: dict, *args: str) -> str:
    done = subprocess.run(  # noqa: S603 - our own CLI, fixed arguments
        [str(KUAICRM), *args],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, f"kuaicrm {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def test_first_load_demo_installs_the_assignment_rules_and_they_assign(tmp_path):
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DJANGO_SETTINGS_MODULE", "KUAICRM_DB_NAME", "KUAICRM_SITE")
    }
    env.update(KUAICRM_SITES_DIR=str(tmp_path), KUAICRM_SITE="fresh")
    # given: `make run` on a fresh site: new-site migrates before any rep exists
    run(env, "new-site", "fresh")
    run(env, "migrate")

    # when
    run(env, "load-demo")

    # then: both default rules exist, the demo's leads were assigned, and a new lead is too
    line = next(x for x in run(env, "shell", "-c", PROBE).splitlines() if x.startswith("PROBE "))
    result = json.loads(line.removeprefix("PROBE "))
    assert result["rules"] == ["Load Balancing", "Territory"]
    assert result["demo"] > 0
    assert result["assigned"] == result["demo"]
    assert result["new_lead_users"] == ["zhao.lei"]  # the demo's only 华南 rep
