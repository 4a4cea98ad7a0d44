"""The price table as data, and the cost of a call from its real usage.

Prices live in `prices.toml` beside this module (and optionally an operator's own file, whose
entries take precedence). An unknown model, or a call whose provider reported no usage, has an
unknown cost: None, never a guessed zero, so dashboards can show the gap instead of hiding it.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from .types import Usage

DEFAULT_PRICE_FILE = Path(__file__).with_name("prices.toml")
_MILLION = Decimal(1_000_000)


@dataclass(frozen=True, slots=True)
class Price:
    model: str
    currency: str
    input: Decimal
    output: Decimal
    cached_input: Decimal | None = None
    regions: tuple[str, ...] = ()
    max_input_tokens: int | None = None
    source: str = ""
    date: str = ""
    origin: str = ""  # the file this entry was read from

    def applies_to(self, model: str, region: str | None, input_tokens: int) -> bool:
        if model != self.model:
            return False
        if self.regions and region not in self.regions:
            return False
        return self.max_input_tokens is None or input_tokens <= self.max_input_tokens


@dataclass(frozen=True, slots=True)
class Cost:
    amount: Decimal
    currency: str


class PriceTable:
    """Looks up the price entry that applies to a model, region and prompt size."""

    def __init__(self, prices: Iterable[Price]) -> None:
        self._prices: tuple[Price, ...] = tuple(prices)

    @classmethod
    def load(cls, *extra_files: str | Path) -> PriceTable:
        """The bundled table plus operator files; later files win over earlier ones."""
        prices: list[Price] = []
        # Operator files come first in lookup order so their entries shadow the bundled ones.
        for path in (*reversed([Path(p) for p in extra_files]), DEFAULT_PRICE_FILE):
            prices.extend(_read_file(path))
        return cls(prices)

    def lookup(
        self, model: str, *, region: str | None = None, input_tokens: int = 0
    ) -> Price | None:
        """The first file that prices this model wins; within it, the smallest fitting tier."""
        matches = [p for p in self._prices if p.applies_to(model, region, input_tokens)]
        if not matches:
            return None
        # Tiers are only compared within one file, so an operator's flat price for a model is not
        # undercut by a cheaper bundled tier.
        same_file = [p for p in matches if p.origin == matches[0].origin]
        return min(
            same_file,
            key=lambda p: p.max_input_tokens if p.max_input_tokens is not None else 2**63,
        )

    def cost(self, model: str, usage: Usage, *, region: str | None = None) -> Cost | None:
        if not usage.reported:
            return None
        price = self.lookup(model, region=region, input_tokens=usage.input_tokens)
        if price is None:
            return None
        return Cost(compute_cost(price, usage), price.currency)

    def __len__(self) -> int:
        return len(self._prices)


def compute_cost(price: Price, usage: Usage) -> Decimal:
    """Cached input tokens are part of input_tokens (as every OpenAI-compatible API reports them),
    so they are billed at the cached price and the rest at the normal input price."""
    cached = min(max(usage.cached_input_tokens, 0), usage.input_tokens)
    uncached = usage.input_tokens - cached
    cached_price = price.cached_input if price.cached_input is not None else price.input
    total = uncached * price.input + cached * cached_price + usage.output_tokens * price.output
    return total / _MILLION


def _read_file(path: Path) -> list[Price]:
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError:
        raise ValueError(f"LLM_PRICE_FILE: price file {str(path)!r} does not exist") from None
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"LLM_PRICE_FILE: {path} is not valid TOML: {exc}") from None
    entries = data.get("price", [])
    if not isinstance(entries, list):
        raise ValueError(f"LLM_PRICE_FILE: {path}: [[price]] must be an array of tables")
    return [_parse_entry(entry, path, index) for index, entry in enumerate(entries)]


def _parse_entry(entry: Mapping[str, Any], path: Path, index: int) -> Price:
    where = f"{path} entry {index + 1}"
    try:
        model = str(entry["model"])
        currency = str(entry["currency"])
        regions: Sequence[str] = entry.get("regions", ())
        max_input = entry.get("max_input_tokens")
        return Price(
            model=model,
            currency=currency,
            input=_decimal(entry["input"]),
            output=_decimal(entry["output"]),
            cached_input=_decimal(entry["cached_input"]) if "cached_input" in entry else None,
            regions=tuple(str(r) for r in regions),
            max_input_tokens=int(max_input) if max_input is not None else None,
            source=str(entry.get("source", path.name)) or path.name,
            date=str(entry.get("date", "")),
            origin=str(path),
        )
    except KeyError as exc:
        raise ValueError(f"LLM_PRICE_FILE: {where} lacks {exc.args[0]!r}") from None
    except (InvalidOperation, TypeError, ValueError) as exc:
        raise ValueError(f"LLM_PRICE_FILE: {where} has an invalid value: {exc}") from None


def _decimal(value: object) -> Decimal:
    # Floats are converted through str() so 0.4 becomes Decimal("0.4"), not 0.4000000000000000222.
    result = Decimal(str(value))
    if result < 0 or not result.is_finite():
        raise ValueError(f"price {value!r} must be a non-negative number")
    return result
