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
