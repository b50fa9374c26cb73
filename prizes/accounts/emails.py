"""Email addresses: the canonical form that makes one account per mailbox, and domain checks."""

from __future__ import annotations

from disposable_email_domains import blocklist as _DISPOSABLE_DOMAINS

# Providers that deliver "a.b+tag@" to "ab@": dots and +tags are ignored there.
_IGNORES_DOTS_AND_TAGS = {"gmail.com", "googlemail.com"}
# Providers that deliver "name+tag@" to "name@" but treat dots as significant.
_IGNORES_TAGS = {
    "outlook.com",
    "hotmail.com",
    "live.com",
    "msn.com",
    "icloud.com",
    "me.com",
    "mac.com",
    "fastmail.com",
    "fastmail.fm",
    "proton.me",
    "protonmail.com",
    "pm.me",
    "yandex.com",
    "yandex.ru",
    "zoho.com",
}
_DOMAIN_ALIASES = {"googlemail.com": "gmail.com"}


def canonical_email(address: str) -> str:
    """The mailbox an address delivers to: lower case, aliases and ignored parts removed."""
    local, _, domain = address.strip().lower().rpartition("@")
    domain = domain.rstrip(".")
    if domain in _IGNORES_DOTS_AND_TAGS:
        local = local.split("+", 1)[0].replace(".", "")
    elif domain in _IGNORES_TAGS:
        local = local.split("+", 1)[0]
    domain = _DOMAIN_ALIASES.get(domain, domain)
    return f"{local}@{domain}"


def email_domain(address: str) -> str:
    return address.strip().lower().rpartition("@")[2].rstrip(".")


def is_disposable(address: str) -> bool:
    """True for throw-away mail services, including their subdomains."""
    labels = email_domain(address).split(".")
    return any(".".join(labels[i:]) in _DISPOSABLE_DOMAINS for i in range(len(labels) - 1))
