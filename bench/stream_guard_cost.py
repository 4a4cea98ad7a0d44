"""CPU that the stream guard costs per answer, next to the final check of the whole answer.

    python bench/stream_guard_cost.py [--repeats 200] [--results-dir bench/results]

The reply turn feeds every delta of the model's answer to `StreamGuard.feed` in the web
process's event loop, so whatever it costs is added to every customer's time to first token
under load. This feeds a realistic support answer of about 30 words, and one of about 300, word
by word (each word completes one, the worst case for the guard: it judges every word), through
a guard built as the reply turn builds it (passages, allowed domains, the customer's messages,
the inbox's instructions as confidential text), and times it with the process's CPU clock.

The floor is `check_answer` on the whole answer with the same arguments: what the checks cost
when they read each character once. The ratio is what to compare between runs: these machines
are noisy, milliseconds are only indicative. Pure Python: no database, no Django.
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from _harness import RESULTS, Report, ratio, summarize

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from assistant.privacy.guardrails import check_answer  # noqa: E402  (needs ROOT on sys.path)
from assistant.privacy.stream_guard import StreamGuard  # noqa: E402

# What the reply turn passes: the retrieved passages, the inbox's link domains, the customer's
# messages and the inbox's instructions (confidential: never repeated to the customer).
PASSAGES = [
    "Standard delivery within Germany takes 2-4 working days; express delivery takes 1 working "
    "day when ordered before 14:00. Tracking links are sent by e-mail once the parcel leaves "
    "our warehouse. Orders over 50 EUR ship free of charge.",
    "You can return any unused item within 30 days of delivery. Start a return from your "
    "account page; we refund the purchase price to the original payment method within 5 "
    "working days of receiving the item.",
    "Our bikes come with a 2-year warranty on the frame and 6 months on parts that wear, such "
    "as tyres, chains and brake pads. Keep your receipt: it is your proof of purchase.",
]
DOMAINS = ["shop.example.com", "help.example.com"]
CUSTOMER = [
    "Hi, I ordered a bike on Monday (order 48213) and still have no tracking link. When will it "
    "arrive? And can I return it if it does not fit?"
]
INSTRUCTIONS = (
    "You answer for Northwind Cycles. Be friendly and brief, address the customer by name when "
    "you know it, and always suggest the help center article that answers the question. Never "
    "discuss competitors or their prices. Internal note for agents only: escalate any order "
    "above 2,000 EUR to the VIP_ESCALATION queue and quote reference NW-7731-QX in the ticket."
)
SHORT = (
    "Standard delivery within Germany takes 2-4 working days, and your tracking link arrives by "
    "e-mail once the parcel leaves our warehouse. You can follow it on "
    "https://shop.example.com/track at any time."
)
LONG_PARAGRAPHS = (
    "Thanks for your patience, and sorry that the tracking link has not reached you yet. "
    "Standard delivery within Germany takes 2-4 working days from the moment your order is "
    "confirmed, and express delivery takes 1 working day when you order before 14:00. As soon "
    "as your parcel leaves our warehouse, we send the tracking link by e-mail, so it is worth "
    "checking your spam folder as well.",
    "You can follow every parcel on https://shop.example.com/track with your order number and "
    "the postcode of the delivery address. If the page says the label has been created but the "
    "parcel has not moved for a day, the carrier has not picked it up yet; that usually "
    "resolves itself by the next evening.",
    "If the bike does not fit, you can return it within 30 days of delivery as long as it is "
    "unused. Start the return from your account page, print the label, and pack the bike in its "
    "original box if you still have it. Once the item reaches us, the purchase price goes back "
    "to your original payment method within 5 working days. The article "
    "[Returns and exchanges](https://help.example.com/returns) explains each step with "
    "pictures.",
    "A few tips for the first ride: check the tyre pressure printed on the side of the tyre, "
    "make sure the quick-release levers are closed, and adjust the saddle so that your leg is "
    "almost straight at the bottom of the pedal stroke. Your bike comes with a 2-year warranty "
    "on the frame and 6 months on parts that wear, such as tyres, chains and brake pads, so "
    "please keep your receipt as proof of purchase. Is there anything else I can help you with "
    "today? I am happy to look into your order once the carrier has scanned it.",
)
LONG = "\n\n".join(LONG_PARAGRAPHS)


def words_of(answer: str) -> list[str]:
    """The answer as the deltas of a word-by-word stream (each ends with its white space)."""
    pieces = answer.split(" ")
    return [piece + " " for piece in pieces[:-1]] + [pieces[-1]]


def stream_once(deltas: Sequence[str]) -> str:
    """What the reply turn does with one answer: a guard, every delta, the held-back rest."""
    guard = StreamGuard(
        passages=PASSAGES, allowed_domains=DOMAINS, customer_text=CUSTOMER,
        confidential=[INSTRUCTIONS],
    )  # fmt: skip
    shown = "".join(guard.feed(delta) for delta in deltas)
    if guard.finding is not None:
        raise AssertionError(f"a false alarm on a clean answer: {guard.finding}")
    return shown + guard.rest()


def check_once(answer: str) -> str:
    """The floor: the final check of the whole answer, once."""
    result = check_answer(
        answer, passages=PASSAGES, allowed_domains=DOMAINS, customer_text=CUSTOMER,
        confidential=[INSTRUCTIONS],
    )  # fmt: skip
    if not result.shown_unchanged:
        raise AssertionError(f"the final check changed a clean answer: {result.findings}")
    return result.text


def cpu_ms(run: Callable[[], object], repeats: int) -> list[float]:
    """CPU milliseconds of each of `repeats` calls (after a few untimed ones to warm up)."""
    for _ in range(min(repeats, 5)):
        run()
    samples = []
    gc.collect()
    for _ in range(repeats):
        started = time.process_time_ns()
        run()
        samples.append((time.process_time_ns() - started) / 1e6)
    return samples


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=200, help="answers timed per case")
    parser.add_argument("--results-dir", type=Path, default=RESULTS)
    args = parser.parse_args(argv)

    report = Report("stream_guard_cost", params={"repeats": args.repeats})
    rows = []
    for name, answer in (("short", SHORT), ("long", LONG)):
        deltas = words_of(answer)
        # Both paths must end with the whole answer shown: otherwise a finding stopped the
        # guard early and the figure would flatter it.
        if stream_once(deltas) != answer or check_once(answer) != answer:
            raise SystemExit(f"the {name} answer did not come through whole")
        guard = summarize(cpu_ms(lambda d=deltas: stream_once(d), args.repeats))
        floor = summarize(cpu_ms(lambda a=answer: check_once(a), args.repeats))
        rows.append(
            [
                name, len(deltas), len(answer), guard["p50"], guard["mean"], floor["p50"],
                ratio(guard["p50"], floor["p50"]), round(guard["p50"] / len(deltas), 4),
            ]
        )  # fmt: skip
        report.data[name] = {"words": len(deltas), "stream_guard": guard, "check_answer": floor}
    report.table(
        "CPU per answer, fed word by word (ms)",
        ["answer", "words", "characters", "guard p50", "guard mean", "floor p50", "ratio p50",
         "guard per word"],
        rows,
    )  # fmt: skip
    report.note(
        "guard: StreamGuard built as the reply turn builds it, fed every word, then rest(). "
        "floor: check_answer on the whole answer with the same passages, domains, customer "
        "messages and confidential instructions. CPU time of this process (time.process_time)."
    )
    report.write(args.results_dir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
