"""The built-in detectors: an RE2 pattern, a check that weeds out look-alikes, and a hint.

The pattern finds candidates; the check (Luhn for payment cards, mod-97 for IBANs, a parse
for IP addresses, a digit count for phone numbers) keeps the longest prefix of a candidate
that really is one, or refuses it. The hint is a looser pattern that matches wherever the
pattern could match in a value's JSON text (no word boundaries, nothing JSON escapes): the
engine scans a whole batch's JSON with the hints at once and looks closer only at the
records they flag.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from dataclasses import dataclass

#: A candidate's text → the length of its longest prefix that is what the detector looks
#: for, or None (the candidate is kept as it is).
Check = Callable[[str], int | None]


@dataclass(frozen=True, slots=True)
class Detector:
    name: str
    description: str
    pattern: str
    hint: str
    check: str | None = None


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def _luhn(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char) * (2 if index % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def _longest(text: str, accepts: Callable[[str], bool]) -> int | None:
    """The longest prefix of `text` ending in a letter or digit that `accepts`."""
    for end in range(len(text), 0, -1):
        if text[end - 1].isalnum() and accepts(text[:end]):
            return end
    return None


def check_card(text: str) -> int | None:
    """A payment card number: 13 to 19 digits passing the Luhn check."""
    return _longest(text, lambda part: 13 <= len(d := _digits(part)) <= 19 and _luhn(d))


def _iban_valid(text: str) -> bool:
    compact = text.replace(" ", "").upper()
    if not 15 <= len(compact) <= 34 or not compact.isalnum():
        return False
    rotated = compact[4:] + compact[:4]
    return int("".join(str(int(ch, 36)) for ch in rotated)) % 97 == 1


def check_iban(text: str) -> int | None:
    """An IBAN: country, check digits and account, passing the ISO 7064 mod-97 check."""
    return _longest(text, _iban_valid)


def check_ip(text: str) -> int | None:
    """An IPv4 or IPv6 address that parses."""
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return None
    return len(text)


def check_phone(text: str) -> int | None:
    """A phone number: 8 to 15 digits (E.164)."""
    return len(text) if 8 <= len(_digits(text)) <= 15 else None


CHECKS: dict[str, Check] = {
    "card": check_card,
    "iban": check_iban,
    "ip": check_ip,
    "phone": check_phone,
}

_IPV4 = r"(?:\d{1,3}\.){3}\d{1,3}"
_IPV6_FULL = r"[0-9A-Fa-f]{1,4}(?::[0-9A-Fa-f]{0,4}){2,7}"
_IPV6_SHORT = r"::[0-9A-Fa-f]{1,4}(?::[0-9A-Fa-f]{1,4}){0,6}"
_KEYS = (
    r"sk-(?:proj-|svcacct-|admin-|ant-)?[A-Za-z0-9_-]{20,}"
    r"|(?:AKIA|ASIA)[0-9A-Z]{16}"
    r"|gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{22,}"
    r"|xox[abposr]-[A-Za-z0-9-]{10,}"
    r"|[rs]k_(?:live|test)_[A-Za-z0-9]{16,}"
    r"|AIza[0-9A-Za-z_-]{35}"
)
_PHONE = (
    r"\+\d{1,3}[ .-]?(?:\(\d{1,4}\)[ .-]?)?\d{1,4}(?:[ .-]?\d{2,4}){1,4}"
    r"|\(\d{3}\)[ .-]?\d{3}[ .-]?\d{4}"
    r"|\d{3}[.-]\d{3}[.-]\d{4}"
)

#: In the order they apply: tokens before the numbers they contain, phone numbers last.
BUILT_IN: tuple[Detector, ...] = (
    Detector(
        "api_key",
        "API keys and tokens: OpenAI/Anthropic sk-, AWS AKIA/ASIA, GitHub ghp_/github_pat_, "
        "Slack xox*, Stripe sk_live_, Google AIza",
        rf"\b(?:{_KEYS})",
        _KEYS,
    ),
    Detector(
        "jwt",
        "JSON Web Tokens (eyJ….eyJ….signature)",
        r"\beyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*",
        r"eyJ[A-Za-z0-9_-]{5,}\.eyJ",
    ),
    Detector(
        "bearer",
        "Bearer credentials (`Bearer <token>`, as in an Authorization header)",
        r"(?i)\bbearer\s+[A-Za-z0-9._~+/-]{8,}=*",
        r"(?i)bearer",
    ),
    Detector(
        "email",
        "E-mail addresses",
        r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}",
        r"[A-Za-z0-9._%+-]@[A-Za-z0-9-]",
    ),
    Detector(
        "iban",
        "International bank account numbers (mod-97 checked)",
        r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}\b",
        r"[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}",
        "iban",
    ),
    Detector(
        "card",
        "Payment card numbers (13 to 19 digits, Luhn checked)",
        r"\b(?:\d[ -]?){12,18}\d\b",
        r"(?:\d[ -]?){12,18}\d",
        "card",
    ),
    Detector(
        "ip",
        "IP addresses (IPv4 and IPv6)",
        rf"\b{_IPV4}\b|\b{_IPV6_FULL}|{_IPV6_SHORT}",
        rf"{_IPV4}|{_IPV6_FULL}|{_IPV6_SHORT}",
        "ip",
    ),
    Detector(
        "phone",
        "Phone numbers (international +…, (555) 123-4567, 555-123-4567)",
        rf"(?:{_PHONE})\b",
        _PHONE,
        "phone",
    ),
)
BY_NAME = {detector.name: detector for detector in BUILT_IN}
ORDER = {detector.name: index for index, detector in enumerate(BUILT_IN)}
