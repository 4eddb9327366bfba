"""Administration actions (System Manager): users and roles, permission rules, viewing as.

Every write here is guarded by ``lowcode.permissions.core.require_system_manager`` and is
shared unchanged by the REST API (``lowcode.admin.api``) and the desk's admin screens, so a
rule such as "you cannot disable yourself" holds on every route.
"""
