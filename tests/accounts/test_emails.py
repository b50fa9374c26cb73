import pytest

from prizes.accounts.emails import canonical_email, is_disposable


@pytest.mark.parametrize(
    ("address", "canonical"),
    [
        ("Jane.Doe@Example.org", "jane.doe@example.org"),
        ("jane.doe+prizes@gmail.com", "janedoe@gmail.com"),
        ("J.A.N.E.doe@googlemail.com", "janedoe@gmail.com"),
        ("jane.doe+x@outlook.com", "jane.doe@outlook.com"),
        ("jane.doe+x@example.org", "jane.doe+x@example.org"),  # unknown providers keep tags
        (" jane@EXAMPLE.org. ", "jane@example.org"),
        # Microsoft's consumer mail keeps dots but drops +tags, on every country domain.
        ("jane.doe+prizes@hotmail.co.uk", "jane.doe@hotmail.co.uk"),
        ("Jane.Doe+x@outlook.fr", "jane.doe@outlook.fr"),
        ("jane+x@live.com.mx", "jane@live.com.mx"),
        ("jane+x@hotmail.de", "jane@hotmail.de"),
        ("jane+a+b@msn.com", "jane@msn.com"),
        # Yahoo's disposable addresses are "base-keyword"; its usernames have no hyphen.
        ("janedoe-prizes@yahoo.com", "janedoe@yahoo.com"),
        ("janedoe-vote@yahoo.co.uk", "janedoe@yahoo.co.uk"),
        ("jane.doe-x@ymail.com", "jane.doe@ymail.com"),
        ("jane+x@yahoo.fr", "jane+x@yahoo.fr"),  # not Yahoo's rule: kept
        # Fastmail: +tags, and subdomain addressing "anything@user.fastmail.com".
        ("jane+news@fastmail.com", "jane@fastmail.com"),
        ("news@jane.fastmail.com", "jane@fastmail.com"),
        ("news@jane.fastmail.fm", "jane@fastmail.fm"),
        # Proton, iCloud, and the others that document +tags.
        ("jane+x@proton.me", "jane@proton.me"),
        ("jane+x@protonmail.ch", "jane@protonmail.ch"),
        ("jane.doe+x@icloud.com", "jane.doe@icloud.com"),
        ("jane+x@gmx.de", "jane+x@gmx.de"),  # GMX documents no sub-addressing
        ("jane+x@yandex.ru", "jane@yandex.ru"),
        ("jane-x@yandex.ru", "jane-x@yandex.ru"),
    ],
)
def test_canonical_email(address, canonical):
    assert canonical_email(address) == canonical


@pytest.mark.parametrize(
    ("address", "disposable"),
    [
        ("someone@mailinator.com", True),
        ("someone@eu.mailinator.com", True),
        ("someone@MAILINATOR.COM", True),
        ("someone@itu.int", False),
        ("someone@gmail.com", False),
    ],
)
def test_disposable_domains(address, disposable):
    assert is_disposable(address) is disposable


def test_the_migrations_frozen_copy_agrees_with_the_app():
    """Migration 0011 recomputes existing accounts' canonical addresses with its own copy
    of the rules; on every address of the table above it must give the app's answer."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "migrations/versions/0011_blocked_mail_domains.py"
    spec = importlib.util.spec_from_file_location("migration_0011", path)
    assert spec and spec.loader
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    marks = test_canonical_email.pytestmark  # type: ignore[attr-defined]
    addresses = [address for address, _canonical in marks[0].args[1]]
    assert len(addresses) > 20
    for address in addresses:
        assert migration._canonical(address) == canonical_email(address), address


def test_the_migration_gives_existing_accounts_their_canonical_mailbox(app, tmp_path):
    """An account registered before 0011 as "jane+x@hotmail.co.uk" must still be found by
    its address afterwards (sign-in looks the canonical form up); where another account
    already holds that mailbox, the form stays as it was rather than break the unique key."""
    from sqlalchemy import create_engine, text

    from prizes.cli import upgrade_database

    engine = create_engine(f"sqlite:///{tmp_path / 'old.db'}")
    with engine.begin() as connection:
        upgrade_database(connection, "0008")
        addresses = ("jane+x@hotmail.co.uk", "jane@hotmail.co.uk", "bob-x@yahoo.com", "a+b@pm.me")
        for address in addresses:
            connection.execute(
                text(
                    "INSERT INTO users (email, email_canonical, password_hash, created_at,"
                    " session_version) VALUES (:email, :email, 'x', '2026-01-01', 1)"
                ),
                {"email": address},
            )
        upgrade_database(connection, "0011")
        rows = connection.execute(text("SELECT email_canonical FROM users ORDER BY id")).all()
    engine.dispose()
    assert [row for (row,) in rows] == [
        "jane+x@hotmail.co.uk",  # jane@hotmail.co.uk has its own account
        "jane@hotmail.co.uk",
        "bob@yahoo.com",
        "a@pm.me",
    ]
