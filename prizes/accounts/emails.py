"""Email addresses: the canonical form that makes one account per mailbox, and domain checks.

Each provider below documents how its addresses reach one mailbox (sub-addressing with a
tag, ignored dots, subdomain addressing); an address of any other domain is kept as it is,
only lower-cased, since elsewhere "jane+x" may well be another person. The sources are
named in docs/security.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from disposable_email_domains import blocklist as _PACKAGE_BLOCKLIST
from sqlalchemy import select

from prizes.accounts.models import BlockedMailDomain
from prizes.db import db

# A country-code or generic ending of a provider's own domains: "com", "fr", "co.uk",
# "com.mx" (Microsoft and Yahoo run one domain per country).
_ENDING = r"(?:com|net|[a-z]{2}|co\.[a-z]{2}|com\.[a-z]{2})"


@dataclass(frozen=True)
class Provider:
    """How one provider's addresses map to a mailbox."""

    name: str
    domains: re.Pattern[str]
    tag_separator: str | None = None  # what starts a tag the mailbox ignores
    ignores_dots: bool = False
    subdomain_addressing: bool = False  # "anything@user.domain" reaches "user@domain"
    canonical_domain: str | None = None  # one name for the provider's equivalent domains


def _domains(*patterns: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{pattern})" for pattern in patterns))


PROVIDERS = (
    Provider(
        "Gmail",
        _domains(r"gmail\.com", r"googlemail\.com"),
        tag_separator="+",
        ignores_dots=True,
        canonical_domain="gmail.com",
    ),
    Provider(
        "Outlook.com (Microsoft)",
        _domains(rf"(?:outlook|hotmail|live|windowslive)\.{_ENDING}", r"msn\.com"),
        tag_separator="+",
    ),
    Provider(
        "Yahoo Mail",
        _domains(rf"yahoo\.{_ENDING}", r"ymail\.com", r"rocketmail\.com"),
        # Yahoo's disposable addresses are "basename-keyword"; its user names have no "-".
        tag_separator="-",
    ),
    Provider("iCloud Mail (Apple)", _domains(r"icloud\.com", r"me\.com", r"mac\.com"), "+"),
    Provider(
        "Fastmail",
        _domains(r"fastmail\.com", r"fastmail\.fm"),
        tag_separator="+",
        subdomain_addressing=True,
    ),
    Provider(
        "Proton Mail",
        _domains(r"proton\.me", r"protonmail\.com", r"protonmail\.ch", r"pm\.me"),
        tag_separator="+",
    ),
    Provider("Yandex Mail", _domains(r"yandex\.(?:com|ru)", r"ya\.ru"), tag_separator="+"),
    Provider("Zoho Mail", _domains(r"zoho\.com", r"zohomail\.com"), tag_separator="+"),
)


def provider_of(domain: str) -> tuple[Provider, str] | None:
    """The provider of ``domain`` and the mailbox's user name when the domain itself names
    it (subdomain addressing: "user" in "news@user.fastmail.com"), else an empty name."""
    for provider in PROVIDERS:
        if provider.domains.fullmatch(domain):
            return provider, ""
        if provider.subdomain_addressing:
            user, _, parent = domain.partition(".")
            if user and provider.domains.fullmatch(parent):
                return provider, user
    return None


def canonical_email(address: str) -> str:
    """The mailbox an address delivers to: lower case, aliases and ignored parts removed."""
    local, _, domain = address.strip().lower().rpartition("@")
    domain = domain.rstrip(".")
    found = provider_of(domain)
    if found is None:
        return f"{local}@{domain}"
    provider, subdomain_user = found
    if subdomain_user:
        local, domain = subdomain_user, domain.partition(".")[2]
    if provider.tag_separator:
        local = local.split(provider.tag_separator, 1)[0]
    if provider.ignores_dots:
        local = local.replace(".", "")
    return f"{local}@{provider.canonical_domain or domain}"


def email_domain(address: str) -> str:
    return address.strip().lower().rpartition("@")[2].rstrip(".")


# Read once, from the installed package, when the app starts: upgrading the package
# (``pip install -U disposable-email-domains``) and restarting refreshes it.
PACKAGE_DOMAINS: frozenset[str] = frozenset(_PACKAGE_BLOCKLIST)


def _suffixes(domain: str) -> list[str]:
    """The domain and each parent domain with two labels or more: a.b.c, b.c."""
    labels = domain.split(".")
    return [".".join(labels[i:]) for i in range(len(labels) - 1)]


def is_disposable(address: str) -> bool:
    """True for throw-away mail services, including their subdomains: the package's list,
    and the domains the secretariat added (one indexed query)."""
    suffixes = _suffixes(email_domain(address))
    if any(suffix in PACKAGE_DOMAINS for suffix in suffixes):
        return True
    if not suffixes:
        return False
    blocked = select(BlockedMailDomain.id).where(BlockedMailDomain.domain.in_(suffixes))
    return db.session.scalar(blocked.limit(1)) is not None
