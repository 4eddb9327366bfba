"""Select options are stable values with translatable labels: each options line is the value
stored and sent through the API, its label the translation in context "<DocType>:<fieldname>".
meta.E025 refuses lines that cannot serve as such values."""

from __future__ import annotations

import pytest

from lowcode.meta.checks import select_options_problem
from tests.lowcode.meta.test_checks import only, tmp_app, widget  # noqa: F401 - fixture


@pytest.mark.django_db  # the checks read run-time DocTypes from the database too
@pytest.mark.parametrize(
    ("options", "detail"),
    [
        ("Open\nWon \nLost", "'Won ' has spaces around it"),
        ("Open\nWon\nOpen", "'Open' is written twice"),
        ("Open\n\nLost", "an empty line that is not the first"),
    ],
)
def test_e025_select_options_that_are_not_stable_values(tmp_app, options, detail):  # noqa: F811
    raw = widget(fields=[{"fieldname": "kind", "fieldtype": "Select", "options": options}])

    message = only(tmp_app.check("widget", raw), "meta.E025")

    assert detail in message.msg and "'kind'" in message.msg


def test_an_empty_first_line_means_not_set_and_is_fine():
    assert select_options_problem(["", "Price", "Competitor"]) == ""
    assert select_options_problem(["Open", "Won", "Lost"]) == ""
