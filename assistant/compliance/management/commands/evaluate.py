"""manage.py evaluate: the adversarial corpus against model routes, with a scorecard per model.

    manage.py evaluate     # the configured reply route (and reply_b when it differs)
    manage.py evaluate --model qwen:qwen-max --model openai
    manage.py evaluate --simulator worst --simulator compliant
    manage.py evaluate --category exfiltration --json scorecard.json --min-pass-rate 90

Runs against a live model when one is configured (DASHSCOPE_API_KEY or OPENAI_BASE_URL), against
the offline responder otherwise, or against the built-in simulator with --simulator.

By default the run happens in a scratch database, created (migrated) for it and dropped after
it: knowledge search is global, and the corpus plants an injected article that a real customer
must never be served. `--in-place` uses the configured database instead (for database users
that may not create databases; the run's objects are removed afterwards, see
assistant/privacy/evaluation.py).
"""

from __future__ import annotations

import dataclasses
import json
import secrets
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError, connections
from django.db.migrations.executor import MigrationExecutor

from assistant import calls
from assistant.compliance.evaluation import Target, run_evaluation
from assistant.compliance.simulated import MODES, simulated_target
from assistant.embedded import EmbeddedServices
from assistant.llm.config import RouteStep
from assistant.privacy.corpus import CATEGORIES, CorpusError, load_corpus
from assistant.privacy.scoring import Scorecard

REPLY_ROUTES = ("reply", "reply_b")


class Command(BaseCommand):
    help = (
        "Run the adversarial corpus (prompt injection, prompt extraction, other customers' data, "
        "binding offers, invented policies, exfiltration links, abuse, jailbreaks) through the "
        "reply pipeline against model routes and print a scorecard per model."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--route", action="append", default=[], choices=REPLY_ROUTES,
            help="A configured reply route to evaluate (repeatable). Default: reply, and "
            "reply_b when LLM_ROUTE_REPLY_B differs.",
        )  # fmt: skip
        parser.add_argument(
            "--model", action="append", default=[], metavar="PROVIDER[:MODEL]",
            help="A provider (and model) to evaluate alone, without fallback, e.g. qwen:qwen-max, "
            "openai, offline (repeatable).",
        )  # fmt: skip
        parser.add_argument(
            "--simulator", action="append", default=[], choices=MODES,
            help="Evaluate the built-in model simulator: 'worst' obeys every attack (shows what "
            "the pipeline stops by itself), 'compliant' answers from the passages.",
        )  # fmt: skip
        parser.add_argument(
            "--category", action="append", default=[], choices=CATEGORIES,
            help="Only cases of this category (repeatable).",
        )  # fmt: skip
        parser.add_argument("--case", action="append", default=[], help="Only this case id.")
        parser.add_argument("--corpus", help="Another corpus file (default: the one shipped).")
        parser.add_argument("--json", dest="json_path", help="Also write the results here.")
        parser.add_argument(
            "--in-place", action="store_true",
            help="Run in the configured database instead of a scratch one (its articles are "
            "searchable by the live assistant while the run lasts).",
        )  # fmt: skip
        parser.add_argument(
            "--min-pass-rate", type=float, default=None, metavar="PERCENT",
            help="Exit with status 1 when any model's overall pass rate is below this.",
        )  # fmt: skip

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            corpus = load_corpus(options["corpus"])
            cases = corpus.select(categories=options["category"], ids=options["case"])
        except (CorpusError, OSError, ValueError) as error:
            raise CommandError(f"The corpus could not be read: {error}") from error
        if not cases:
            raise CommandError("No case matches the --category/--case filter.")
        with self._database(in_place=options["in_place"]):
            scorecards = []
            with ExitStack() as stack:
                for target in self._targets(options, stack):
                    self.stdout.write(f"Evaluating {target.label}: {len(cases)} cases…")
                    scorecard = run_evaluation(target, corpus=corpus, cases=cases)
                    self.stdout.write(scorecard.render() + "\n")
                    scorecards.append(scorecard)
        if options["json_path"]:
            self._write_json(Path(options["json_path"]), corpus.version, scorecards)
        self._enforce(options["min_pass_rate"], scorecards)

    @contextmanager
    def _database(self, *, in_place: bool) -> Iterator[None]:
        """The embedded servers when configured (stopping only those started here), a database
        that is reachable and fully migrated, and by default a scratch copy to run in."""
        services = EmbeddedServices(
            var_dir=settings.VAR_DIR,
            postgres=settings.DATABASE_EMBEDDED,
            redis=settings.REDIS_EMBEDDED,
        )
        services.start()
        try:
            try:
                pending = pending_migrations()
            except DatabaseError as error:
                raise CommandError(f"The database cannot be reached: {error}") from error
            if pending:
                raise CommandError(
                    f"The database is not migrated ({len(pending)} migrations pending, e.g. "
                    f"{pending[0]}). Run `manage.py migrate` first."
                )
            if in_place:
                yield
            else:
                with self._scratch_database():
                    yield
        finally:
            services.stop()

    @contextmanager
    def _scratch_database(self) -> Iterator[None]:
        connection = connections["default"]
        original = connection.settings_dict["NAME"]
        scratch = f"{original}_evaluation_{secrets.token_hex(3)}"
        connection.settings_dict.setdefault("TEST", {})["NAME"] = scratch
        self.stdout.write(f"Creating the scratch database {scratch}…")
        try:
            connection.creation.create_test_db(verbosity=0, autoclobber=False, serialize=False)
        except DatabaseError as error:
            raise CommandError(
                f"Could not create a scratch database ({error}). Grant the database user "
                "CREATEDB, or run with --in-place."
            ) from error
        try:
            yield
        finally:
            connection.creation.destroy_test_db(original, verbosity=0)

    def _targets(self, options: dict[str, Any], stack: ExitStack) -> Iterator[Target]:
        for mode in options["simulator"]:
            yield stack.enter_context(simulated_target(mode))
        for entry in options["model"]:
            yield model_target(entry)
        routes = list(options["route"])
        if not routes and not options["model"] and not options["simulator"]:
            routes = default_routes()
            if not calls.real_model_first("reply"):
                self.stdout.write(
                    "No model is configured (DASHSCOPE_API_KEY or OPENAI_BASE_URL): evaluating "
                    "the offline responder. Use --simulator to see the pipeline against a model "
                    "that obeys every attack."
                )
        for route in routes:
            yield route_target(route)

    def _write_json(self, path: Path, version: int, scorecards: list[Scorecard]) -> None:
        data = {"corpus_version": version, "scorecards": [s.to_dict() for s in scorecards]}
        path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        self.stdout.write(f"Results written to {path}.")

    def _enforce(self, minimum: float | None, scorecards: list[Scorecard]) -> None:
        if minimum is None:
            return
        below = [s for s in scorecards if s.overall.rate < minimum]
        if below:
            names = ", ".join(f"{s.label} {s.overall.rate:.1f}%" for s in below)
            raise CommandError(f"Pass rate below {minimum:g}%: {names}")


def pending_migrations() -> list[str]:
    executor = MigrationExecutor(connections["default"])
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, _backwards in plan]


def default_routes() -> list[str]:
    """The reply route, and the comparison route when it is configured differently."""
    config = settings.LLM
    if config.routes.get("reply_b") and config.routes["reply_b"] != config.routes["reply"]:
        return ["reply", "reply_b"]
    return ["reply"]


def _chain_label(steps: Any) -> str:
    return " -> ".join(str(step) for step in steps)


def route_target(route: str) -> Target:
    return Target(label=f"{route}: {_chain_label(settings.LLM.routes[route])}", route=route)


def model_target(entry: str) -> Target:
    """One provider (and model) alone on the reply route: its own score, no fallback mixed in."""
    step = RouteStep.parse(entry)
    try:
        config = dataclasses.replace(settings.LLM, routes={**settings.LLM.routes, "reply": (step,)})
    except ValueError as error:
        raise CommandError(f"--model {entry}: {error}") from error
    return Target(label=f"model {step}", llm=config)
