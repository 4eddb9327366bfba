"""``today`` in a condition: the site's date, or the ``as_of`` day a scheduled run acts for."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from lowcode.expressions import ExpressionError, as_of, compile_condition, evaluate, today

ENDED = "doc.end_date and doc.end_date < today"


def test_today_is_the_sites_date_and_compares_with_a_date_field():
    now = timezone.localdate()
    assert today() == now
    assert evaluate(ENDED, {"end_date": now - dt.timedelta(days=1)})
    assert not evaluate(ENDED, {"end_date": now})
    assert not evaluate(ENDED, {"end_date": None})  # no end date: never ended


def test_a_run_as_of_a_day_judges_today_as_that_day():
    now = timezone.localdate()
    later = now + dt.timedelta(days=30)
    with as_of(later):
        assert today() == later
        assert evaluate(ENDED, {"end_date": now})
    assert today() == now
    assert not evaluate(ENDED, {"end_date": now})


def test_other_bare_names_are_still_refused():
    with pytest.raises(ExpressionError, match="or today"):
        compile_condition("doc.end_date < yesterday")
