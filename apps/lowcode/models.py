"""Engine storage: the engine's own DocTypes (built from JSON) and its plain tables."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from lowcode.storage.factory import build_models

# Role, Custom Field, Property Setter, Custom DocPerm: DocTypes like any other,
# so the REST API, permissions and validation serve them unchanged.
globals().update(build_models("lowcode", __name__))


class MetaGeneration(models.Model):
    """A single row whose number changes whenever customisations change."""

    generation = models.BigIntegerField(default=0)

    class Meta:
        db_table = "lowcode_meta_generation"

    def __str__(self) -> str:
        return f"generation {self.generation}"


class UserProfile(models.Model):
    """What the engine knows about a user beyond Django's auth table."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile"
    )
    full_name = models.CharField(max_length=140, blank=True, default="")
    department = models.CharField(max_length=140, blank=True, default="", db_index=True)
    language = models.CharField(max_length=10, blank=True, default="")

    class Meta:
        db_table = "lowcode_user_profile"

    def __str__(self) -> str:
        return self.user.username


class HasRole(models.Model):
    """A role granted to a user."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="has_roles"
    )
    role = models.CharField(max_length=140, db_index=True)

    class Meta:
        db_table = "lowcode_has_role"
        constraints = [models.UniqueConstraint(fields=["user", "role"], name="uniq_user_role")]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.role}"


class ApiKey(models.Model):
    """An API key pair; only a SHA-256 of the secret is stored."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_keys"
    )
    api_key = models.CharField(max_length=40, unique=True)
    secret_hash = models.CharField(max_length=64)
    created = models.DateTimeField(auto_now_add=True)
    revoked = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "lowcode_api_key"

    def __str__(self) -> str:
        return self.api_key


class NamingSeriesCounter(models.Model):
    """The last number used by one naming-series prefix."""

    prefix = models.CharField(max_length=140, primary_key=True)
    current = models.BigIntegerField(default=0)

    class Meta:
        db_table = "lowcode_naming_series"

    def __str__(self) -> str:
        return f"{self.prefix} {self.current}"


class Version(models.Model):
    """One save of a track_changes document: who changed which fields how."""

    ref_doctype = models.CharField(max_length=140)
    docname = models.CharField(max_length=140)
    owner = models.CharField(max_length=140)
    creation = models.DateTimeField()
    data = models.JSONField(default=dict)

    class Meta:
        db_table = "lowcode_version"
        indexes = [
            models.Index(fields=["ref_doctype", "docname", "creation"], name="ix_version_ref")
        ]

    def __str__(self) -> str:
        return f"{self.ref_doctype} {self.docname} {self.creation}"


class Assignment(models.Model):
    """A user assigned to a document; assignees see it under the 'own' scope."""

    ref_doctype = models.CharField(max_length=140)
    docname = models.CharField(max_length=140)
    user = models.CharField(max_length=140)
    creation = models.DateTimeField(auto_now_add=True)
    # Whether the assigned work is still open (Frappe's ToDo status), kept by the rules
    # capability from the document's status field so load balancing counts an index range.
    is_open = models.BooleanField(default=True)

    class Meta:
        db_table = "lowcode_assignment"
        indexes = [
            models.Index(fields=["ref_doctype", "user", "docname"], name="ix_assign_user"),
            models.Index(fields=["ref_doctype", "user", "is_open"], name="ix_assign_open"),
            models.Index(fields=["ref_doctype", "docname"], name="ix_assign_doc"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["ref_doctype", "docname", "user"], name="uniq_assignment"
            )
        ]

    def __str__(self) -> str:
        return f"{self.ref_doctype} {self.docname} → {self.user}"


class SchedulerRun(models.Model):
    """When each scheduled event last ran, so restarts neither skip nor repeat."""

    event = models.CharField(max_length=255, primary_key=True)
    last_run = models.DateTimeField()

    class Meta:
        db_table = "lowcode_scheduler_run"

    def __str__(self) -> str:
        return self.event


class SchedulerHeartbeat(models.Model):
    """One scheduler process's health: last tick and last error, for ``status`` and the desk.

    Kept in the database, not in the process, so any process (the CLI, every web worker)
    can tell whether some scheduler is alive.
    """

    process = models.CharField(max_length=140, primary_key=True)  # host:pid
    started = models.DateTimeField()
    last_tick = models.DateTimeField(null=True)
    last_error = models.TextField(blank=True, default="")
    last_error_at = models.DateTimeField(null=True)
    # Consecutive failed ticks; 0 once a tick succeeds again.
    failures = models.IntegerField(default=0)

    class Meta:
        db_table = "lowcode_scheduler_heartbeat"

    def __str__(self) -> str:
        return self.process
