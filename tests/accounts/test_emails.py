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
