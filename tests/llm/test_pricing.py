"""Cost of a call from its real usage; unknown stays unknown."""

from __future__ import annotations

import tomllib
from decimal import Decimal

import pytest

from assistant.llm.pricing import DEFAULT_PRICE_FILE, PriceTable
from assistant.llm.types import Usage

PRICES = PriceTable.load()


def test_qwen_plus_costs_its_list_price_per_million_tokens():
    cost = PRICES.cost("qwen-plus", Usage(100_000, 1_000_000), region="intl")

    assert cost is not None
    assert (cost.amount, cost.currency) == (Decimal("0.04") + Decimal("1.20"), "USD")


def test_cached_input_is_billed_at_the_cached_price():
    usage = Usage(input_tokens=1_000, output_tokens=200, cached_input_tokens=400)

    cost = PRICES.cost("qwen-plus", usage, region="intl")

    expected = (600 * Decimal("0.40") + 400 * Decimal("0.08") + 200 * Decimal("1.20")) / 10**6
    assert cost is not None and cost.amount == expected


def test_long_prompts_are_billed_at_the_higher_tier():
    small = PRICES.cost("qwen-flash", Usage(200_000, 0), region="intl")
    large = PRICES.cost("qwen-flash", Usage(300_000, 0), region="intl")

    assert small is not None and large is not None
    assert small.amount == 200_000 * Decimal("0.05") / 10**6
    assert large.amount == 300_000 * Decimal("0.25") / 10**6


def test_mainland_prices_are_in_yuan():
    cost = PRICES.cost("qwen-flash", Usage(100_000, 100_000), region="cn")

    assert cost is not None and cost.currency == "CNY"
    assert cost.amount == (100_000 * Decimal("0.15") + 100_000 * Decimal("1.5")) / 10**6


@pytest.mark.parametrize(
    ("model", "region", "usage"),
    [
        ("Qwen/Qwen3-8B", None, Usage(100, 100)),  # self-hosted, not in the table
        ("qwen-plus", None, Usage(100, 100)),  # same name, but not Alibaba's regional list
        ("qwen-plus", "custom", Usage(100, 100)),  # explicit QWEN_BASE_URL
        ("qwen-plus", "intl", Usage(reported=False)),  # the provider sent no usage
    ],
)
def test_an_unknown_cost_is_none_never_zero(model, region, usage):
    assert PRICES.cost(model, usage, region=region) is None


def test_the_offline_responder_really_costs_nothing():
    cost = PRICES.cost("offline-extractive", Usage(500, 80))

    assert cost is not None and cost.amount == 0


def test_every_bundled_price_says_where_and_when_it_was_read():
    entries = tomllib.loads(DEFAULT_PRICE_FILE.read_text())["price"]

    assert entries
    for entry in entries:
        assert entry["source"] and entry["date"] and entry["currency"], entry["model"]


def test_an_operator_file_overrides_the_bundled_prices(tmp_path):
    own = tmp_path / "prices.toml"
    own.write_text(
        '[[price]]\nmodel = "qwen-plus"\nregions = ["intl"]\ncurrency = "EUR"\n'
        'input = "1"\noutput = "2"\nsource = "our contract"\ndate = "2026-01-01"\n'
        '[[price]]\nmodel = "Qwen/Qwen3-8B"\ncurrency = "EUR"\ninput = 0.01\noutput = 0.02\n'
    )
    table = PriceTable.load(own)

    contract = table.cost("qwen-plus", Usage(1_000_000, 1_000_000), region="intl")
    # A flat contract price applies to every prompt size, not only below the bundled tier.
    hosted = table.cost("Qwen/Qwen3-8B", Usage(1_000_000, 0))

    assert contract is not None and (contract.amount, contract.currency) == (Decimal(3), "EUR")
    assert hosted is not None and hosted.amount == Decimal("0.01")


def test_a_broken_price_file_is_reported_with_its_setting(tmp_path):
    broken = tmp_path / "prices.toml"
    broken.write_text('[[price]]\nmodel = "m"\ncurrency = "USD"\ninput = "cheap"\noutput = "1"\n')

    with pytest.raises(ValueError, match="LLM_PRICE_FILE"):
        PriceTable.load(broken)
    with pytest.raises(ValueError, match="does not exist"):
        PriceTable.load(tmp_path / "missing.toml")
