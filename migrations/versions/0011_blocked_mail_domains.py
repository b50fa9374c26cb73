"""The secretariat's own throw-away mail domains, added to the package's list; and the
canonical mailboxes of existing accounts under the providers' rules as now written.

Revision ID: 0011
Revises: 0008

The canonical form is a frozen copy of ``prizes.accounts.emails.canonical_email`` as of
this revision (a migration never imports the app). An account whose address now maps to a
mailbox another account already holds keeps its old canonical form (the unique key would
refuse the change); the step says how many in the log.

Downgrade drops data: the table ``blocked_mail_domains`` (the domains the secretariat
added; the package's list stays). The canonical mailboxes keep their new form, which the
older code reads as it is.
"""

import logging
import re

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0008"
branch_labels = None
depends_on = None

# What downgrade() loses, and what upgrade() rewrites on purpose (docs/migrations.md).
downgrade_drops = {"blocked_mail_domains": "data"}
upgrade_changes = {
    "users.email_canonical": "recomputed under the providers' rules as now written",
    "expert_invitations.email_canonical": "recomputed under the same rules",
}

_ENDING = r"(?:com|net|[a-z]{2}|co\.[a-z]{2}|com\.[a-z]{2})"
# (domains, tag separator, ignores dots, subdomain addressing, one domain name)
_PROVIDERS = (
    (r"gmail\.com|googlemail\.com", "+", True, False, "gmail.com"),
    (rf"(?:outlook|hotmail|live|windowslive)\.{_ENDING}|msn\.com", "+", False, False, None),
    (rf"yahoo\.{_ENDING}|ymail\.com|rocketmail\.com", "-", False, False, None),
    (r"icloud\.com|me\.com|mac\.com", "+", False, False, None),
    (r"fastmail\.com|fastmail\.fm", "+", False, True, None),
    (r"proton\.me|protonmail\.com|protonmail\.ch|pm\.me", "+", False, False, None),
    (r"yandex\.(?:com|ru)|ya\.ru", "+", False, False, None),
    (r"zoho\.com|zohomail\.com", "+", False, False, None),
)


def _canonical(address: str) -> str:
    local, _, domain = address.strip().lower().rpartition("@")
    domain = domain.rstrip(".")
    for pattern, separator, ignores_dots, subdomains, one_name in _PROVIDERS:
        user, _, parent = domain.partition(".")
        if re.fullmatch(pattern, domain):
            pass
        elif subdomains and user and re.fullmatch(pattern, parent):
            local, domain = user, parent
        else:
            continue
        local = local.split(separator, 1)[0]
        if ignores_dots:
            local = local.replace(".", "")
        return f"{local}@{one_name or domain}"
    return f"{local}@{domain}"


def upgrade() -> None:
    op.create_table(
        "blocked_mail_domains",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("domain", sa.String(length=253), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=True),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("added_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["added_by_id"], ["users.id"], name=op.f("fk_blocked_mail_domains_added_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_blocked_mail_domains")),
        sa.UniqueConstraint("domain", name=op.f("uq_blocked_mail_domains_domain")),
    )
    _recompute_canonical_addresses()


def _recompute_canonical_addresses() -> None:
    connection = op.get_bind()
    users = sa.table(
        "users",
        sa.column("id", sa.Integer()),
        sa.column("email", sa.String()),
        sa.column("email_canonical", sa.String()),
    )
    rows = connection.execute(
        sa.select(users.c.id, users.c.email, users.c.email_canonical).order_by(users.c.id)
    ).all()
    taken = {row.email_canonical for row in rows}
    changes, kept = [], 0
    for row in rows:  # oldest first; a form some account holds is never given to another
        canonical = _canonical(row.email)
        if canonical == row.email_canonical:
            continue
        if canonical in taken:
            kept += 1
            continue
        taken.discard(row.email_canonical)
        taken.add(canonical)
        changes.append({"user_id": row.id, "email_canonical": canonical})
    if changes:
        connection.execute(
            users.update().where(users.c.id == sa.bindparam("user_id")), changes
        )
    if kept:
        logging.getLogger("alembic").warning(
            "%d accounts share a mailbox with another account and keep their old canonical "
            "address; the secretariat may disable the duplicates",
            kept,
        )
    invitations = sa.table(
        "expert_invitations",
        sa.column("id", sa.Integer()),
        sa.column("email", sa.String()),
        sa.column("email_canonical", sa.String()),
    )
    pending = [
        {"invitation_id": row.id, "email_canonical": _canonical(row.email)}
        for row in connection.execute(
            sa.select(invitations.c.id, invitations.c.email, invitations.c.email_canonical)
        )
        if _canonical(row.email) != row.email_canonical
    ]
    if pending:
        connection.execute(
            invitations.update().where(invitations.c.id == sa.bindparam("invitation_id")),
            pending,
        )


def downgrade() -> None:
    op.drop_table("blocked_mail_domains")
