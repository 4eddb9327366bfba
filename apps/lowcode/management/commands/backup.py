"""Write a backup archive: every table's rows as exact JSON plus the files folder."""

import gzip
import io
import tarfile
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.utils import timezone

# Restore empties every table, so content types and permissions are kept (ids and
# all); django_rq's Dashboard is an unmanaged model without a table.
EXCLUDE = ["sessions", "django_rq", "lowcode_runtime"]  # runtime rows: runtime_rows() below
# Neither Django's JSON (datetimes cut to milliseconds: every ``modified`` would change and
# optimistic locking break) nor its XML (the loader strips every value's whitespace).
FORMAT = "exactjson"
RUNTIME_MEMBER = f"runtime.{FORMAT}.gz"


def runtime_rows() -> str:
    """Every row of every runtime DocType's table, serialised like the main dump."""
    from django.core import serializers

    from lowcode.meta.runtime import load_rows
    from lowcode.storage.factory import get_model

    rows: list = []
    for name in load_rows():
        rows.extend(get_model(name).objects.order_by("name"))
    return serializers.serialize(FORMAT, rows)


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument(
            "--output", help="archive path (default sites/<site>/backups/<time>.tar.gz)"
        )

    def handle(self, *args, **o):
        target = Path(
            o["output"] or settings.SITE_DIR / "backups" / f"{timezone.now():%Y%m%d-%H%M%S}.tar.gz"
        )
        target.parent.mkdir(parents=True, exist_ok=True)
        buffer = io.StringIO()
        call_command(
            "dumpdata",
            exclude=EXCLUDE,
            natural_foreign=True,
            format=FORMAT,
            stdout=buffer,
            verbosity=0,
        )
        data = gzip.compress(buffer.getvalue().encode())
        # Rows of DocTypes made at run time: their tables are not Django's (unmanaged), so
        # dumpdata skips them; their definitions (tabDocType) are in the dump above.
        runtime = gzip.compress(runtime_rows().encode())
        with tarfile.open(target, "w:gz") as archive:
            for member, content in ((f"data.{FORMAT}.gz", data), (RUNTIME_MEMBER, runtime)):
                info = tarfile.TarInfo(member)
                info.size = len(content)
                archive.addfile(info, io.BytesIO(content))
            if settings.FILES_PATH.exists():
                archive.add(settings.FILES_PATH, arcname="files")
        self.stdout.write(str(target))
