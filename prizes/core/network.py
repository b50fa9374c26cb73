"""Client addresses and devices, kept only as keyed hashes (HMAC with the secret key)."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress

from flask import current_app


def keyed_hash(value: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


def network_of(address: str | None) -> str | None:
    """The address's network as fraud checks group it: IPv4 /24, IPv6 /64."""
    if not address:
        return None
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return None
    prefix = 24 if ip.version == 4 else 64
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))


def network_hash(address: str | None) -> str | None:
    network = network_of(address)
    return keyed_hash(network) if network else None
