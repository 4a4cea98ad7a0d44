"""Microsoft Presidio's rule-based recognizers, run directly, for the side-by-side comparison in
bench/redaction_recall.py. Never a product dependency: it runs in the benchmark's own
environment (a virtualenv with presidio-analyzer installed), in-process when importable there,
or as a subprocess:

    /path/to/bench-venv/bin/python bench/presidio_patterns.py < texts.json > results.json

What runs: every recognizer Presidio ships that needs no model, that is every `PatternRecognizer`
subclass among `presidio_analyzer.predefined_recognizers` (e-mail, cards, IBAN, IP, the national
ids, postcodes, dates, URLs, ...) plus `PhoneRecognizer`, which is rule-based too (it wraps
phonenumbers' matcher for Presidio's default regions). No NLP engine is loaded, so no spaCy
model is downloaded: names and street addresses, which Presidio finds with a language model,
are not part of this comparison, and the context words that an NLP engine would use to raise
scores are not applied. Each recognizer runs on every message whatever its language (the most
generous reading for recall). Results are (start, end, entity type, score).
"""

from __future__ import annotations

import inspect
import json
import sys
from collections.abc import Sequence
from typing import Any

# Presidio's entity types, as the kinds the benchmark scores. Everything else counts as "OTHER":
# a detection all the same (precision counts every detection).
KIND_OF_ENTITY = {
    "EMAIL_ADDRESS": "EMAIL",
    "PHONE_NUMBER": "PHONE",
    "CREDIT_CARD": "CARD",
    "IBAN_CODE": "IBAN",
    "IP_ADDRESS": "IP_ADDRESS",
    "US_SSN": "NATIONAL_ID",
    "US_ITIN": "NATIONAL_ID",
    "UK_NINO": "NATIONAL_ID",
    "UK_NHS": "NATIONAL_ID",
    "ES_NIF": "NATIONAL_ID",
    "ES_NIE": "NATIONAL_ID",
    "IT_FISCAL_CODE": "NATIONAL_ID",
    "IN_AADHAAR": "NATIONAL_ID",
    "IN_PAN": "NATIONAL_ID",
    "PL_PESEL": "NATIONAL_ID",
    "FI_PERSONAL_IDENTITY_CODE": "NATIONAL_ID",
    "SE_PERSONNUMMER": "NATIONAL_ID",
    "DE_SOCIAL_SECURITY_NUMBER": "NATIONAL_ID",
    "DE_TAX_ID": "NATIONAL_ID",
    "AU_TFN": "NATIONAL_ID",
    "CA_SIN": "NATIONAL_ID",
    "SG_NRIC_FIN": "NATIONAL_ID",
    "KR_RRN": "NATIONAL_ID",
    "TR_NATIONAL_ID": "NATIONAL_ID",
    "TH_TNIN": "NATIONAL_ID",
    "ZA_ID_NUMBER": "NATIONAL_ID",
    "NG_NIN": "NATIONAL_ID",
    "UK_POSTCODE": "ADDRESS",
    "CA_POSTAL_CODE": "ADDRESS",
    "DE_PLZ": "ADDRESS",
}


def _offline_suffix_list() -> None:
    """Presidio's e-mail recognizer calls `tldextract.extract`, which downloads the public suffix
    list on first use: use the snapshot bundled with tldextract instead (nothing is downloaded
    at run time)."""
    import tldextract

    tldextract.extract = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


def recognizers() -> list[Any]:
    """One instance of each rule-based recognizer Presidio ships."""
    _offline_suffix_list()
    from presidio_analyzer import PatternRecognizer
    from presidio_analyzer import predefined_recognizers as predefined
    from presidio_analyzer.predefined_recognizers import PhoneRecognizer

    found: list[Any] = []
    for _name, cls in sorted(vars(predefined).items()):
        if not inspect.isclass(cls) or not issubclass(cls, PatternRecognizer):
            continue
        try:
            found.append(cls())
        except Exception:  # a recognizer that needs arguments or a model is not rule-based
            continue
    found.append(PhoneRecognizer())
    return found


def analyze(texts: Sequence[str]) -> list[list[dict[str, Any]]]:
    active = recognizers()
    results: list[list[dict[str, Any]]] = []
    for text in texts:
        spans: list[dict[str, Any]] = []
        for recognizer in active:
            for result in recognizer.analyze(text, recognizer.supported_entities, None) or ():
                spans.append(
                    {
                        "start": result.start,
                        "end": result.end,
                        "entity": result.entity_type,
                        "kind": KIND_OF_ENTITY.get(result.entity_type, "OTHER"),
                        "score": round(float(result.score), 3),
                    }
                )
        results.append(spans)
    return results


def version() -> str:
    from importlib.metadata import version as package_version

    return package_version("presidio-analyzer")


def main() -> int:
    texts = json.load(sys.stdin)
    json.dump(
        {"version": version(), "recognizers": len(recognizers()), "results": analyze(texts)},
        sys.stdout,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
