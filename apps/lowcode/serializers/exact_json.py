"""Django's JSON serialisation, but exact: datetimes keep their microseconds.

Backups need every value back as it was. Django's JSON encoder cuts datetimes to
milliseconds, which would change each ``modified`` and break optimistic locking after a
restore; its XML deserialiser strips every value, which loses leading and trailing
whitespace (a Select's options start with a newline). This format has neither fault.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.serializers import json as django_json
from django.core.serializers.json import DjangoJSONEncoder


class ExactJSONEncoder(DjangoJSONEncoder):
    """DjangoJSONEncoder with full-precision datetimes and times."""

    def default(self, o: Any) -> Any:
        if isinstance(o, (dt.datetime, dt.time)):
            return o.isoformat()
        return super().default(o)


class Serializer(django_json.Serializer):
    def serialize(self, queryset: Any, **options: Any) -> Any:
        # json.dump(cls=…) is one of the options Django passes through to the encoder.
        return super().serialize(queryset, **{**options, "cls": ExactJSONEncoder})


Deserializer = django_json.Deserializer
