"""The countries whose personal data the detectors look for by default.

The product's widget speaks English, Chinese, Spanish, German, French and Japanese, and it is sold
in the EU/EEA, the UK, Switzerland, North America, Australia, China, Japan, India and Brazil:
customers write phone numbers in their own national format and national identifiers of their own
country, so every one of those countries is on by default. An inbox can narrow the list (fewer
regions, fewer false alarms on its own order numbers) or extend it to any region phonenumbers
knows.
"""

from __future__ import annotations

EU_EEA: tuple[str, ...] = (
    "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT",
    "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE",
    "IS", "LI", "NO",
)  # fmt: skip

# The order matters for speed only: a national-format number is tried against the regions in
# this order and accepted at the first region that says it is a personal number, so the markets
# with the most customers come first.
DEFAULT_REGIONS: tuple[str, ...] = (
    "US", "GB", "DE", "CN", "FR", "ES", "JP", "IN", "IT", "NL", "BR",
    "CA", "AU", "CH",
    *(r for r in EU_EEA if r not in ("DE", "FR", "ES", "IT", "NL")),
)  # fmt: skip
