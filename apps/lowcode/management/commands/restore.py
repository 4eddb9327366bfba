"""Replace the site's data (and files) with a backup archive, in one transaction."""

import gzip
import shutil
import tarfile
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from lowcode.documents.schema import rebuild_runtime_tables
from lowcode.meta import registry
from lowcode.meta.runtime import load_rows


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("archive")

    def handle(self, *args, **o):
        path = Path(o["archive"])
        if not path.exists():
            raise CommandError(f"No such backup: {path}")
        with tempfile.TemporaryDirectory() as tmp, tarfile.open(path, "r:gz") as archive:
            archive.extractall(tmp, filter="data")
            # data.exactjson.gz; older archives hold data.xml.gz or data.json.gz
            packed = next(Path(tmp).glob("data.*.gz"), None)
            if packed is None:
                raise CommandError(f"Not a backup archive (no data file): {path}")
            # a name of its own: loaddata refuses one that data.<fmt>.gz also matches
            dump = Path(tmp) / f"restore.{packed.name.split('.')[1]}"
            dump.write_bytes(gzip.decompress(packed.read_bytes()))
            before = set(load_rows())  # runtime DocTypes whose tables the restore replaces
            with transaction.atomic():
                call_command("flush", interactive=False, verbosity=0, inhibit_post_migrate=True)
                call_command("loaddata", str(dump), verbosity=0)
            # Runtime DocTypes' tables are not Django's: made again from the restored
            # definitions, then filled (schema changes cannot run inside the transaction).
            registry.clear_local_cache()
            runtime = Path(tmp) / "runtime.exactjson.gz"
            rebuild_runtime_tables(
                before, gzip.decompress(runtime.read_bytes()).decode() if runtime.exists() else ""
            )
            files = Path(tmp) / "files"
            if files.exists():
                shutil.rmtree(settings.FILES_PATH, ignore_errors=True)
                shutil.copytree(files, settings.FILES_PATH)
        registry.clear_local_cache()
        self.stdout.write(f"Restored {path}")
