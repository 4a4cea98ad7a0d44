"""Settings come from the environment, fail loudly, and pass Django's deployment checks."""

import os
import subprocess
import sys

from tests.conftest import ROOT

PRODUCTION = {
    "DEBUG": "false",
    "DJANGO_SECRET_KEY": "k3y-" + "q9Zr2vX8mW4tL7pB1nC6yH0sJ5dF3gK" * 2,
    "ALLOWED_HOSTS": "support.example.com",
    "CSRF_TRUSTED_ORIGINS": "https://support.example.com",
    "DATABASE_URL": "postgres://assistant:secret@db.internal:5432/assistant",
    "REDIS_URL": "redis://redis.internal:6379/0",
}


def _run(args: list[str], environment: dict[str, str]) -> subprocess.CompletedProcess[str]:
    # A clean environment: only what the test gives, plus what Python needs to start.
    base = {key: os.environ[key] for key in ("PATH", "HOME", "LANG") if key in os.environ}
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env={**base, "DJANGO_SETTINGS_MODULE": "assistant.settings", **environment},
        capture_output=True,
        text=True,
        timeout=60,
    )


def _load_settings(environment: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return _run(["-c", "import django; django.setup()"], environment)


def test_production_settings_pass_the_deploy_check() -> None:
    result = _run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], PRODUCTION)
    assert result.returncode == 0, result.stderr + result.stdout


def test_a_missing_production_variable_is_named() -> None:
    for name in ("DJANGO_SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "REDIS_URL"):
        environment = {key: value for key, value in PRODUCTION.items() if key != name}
        result = _load_settings(environment)
        assert result.returncode != 0
        assert f"{name} must be set when DEBUG is false" in result.stderr


def test_a_malformed_variable_is_named() -> None:
    result = _load_settings({**PRODUCTION, "DATABASE_POOL_MAX_SIZE": "many"})
    assert result.returncode != 0
    assert "DATABASE_POOL_MAX_SIZE is malformed" in result.stderr


def test_a_non_postgres_database_is_refused() -> None:
    result = _load_settings({**PRODUCTION, "DATABASE_URL": "sqlite:///db.sqlite3"})
    assert "DATABASE_URL must be a postgres:// URL" in result.stderr


def test_a_bad_model_region_is_refused_at_start() -> None:
    result = _load_settings({**PRODUCTION, "DASHSCOPE_API_KEY": "sk-test", "QWEN_REGION": "mars"})
    assert result.returncode != 0
    assert "QWEN_REGION" in result.stderr


def test_development_needs_no_configuration() -> None:
    result = _load_settings({"DEBUG": "true"})
    assert result.returncode == 0, result.stderr


def test_database_threads_must_leave_room_in_the_pool() -> None:
    result = _load_settings({**PRODUCTION, "DATABASE_POOL_MAX_SIZE": "4", "DATABASE_THREADS": "4"})
    assert result.returncode != 0
    assert "DATABASE_THREADS must be at least 1 and below DATABASE_POOL_MAX_SIZE" in result.stderr


def test_a_malformed_human_cost_is_named_instead_of_becoming_zero() -> None:
    for value in ("four", "4,00", "NaN", "Infinity", "-1"):
        result = _load_settings({**PRODUCTION, "ANALYTICS_HUMAN_COST_PER_CONVERSATION": value})
        assert result.returncode != 0, value
        assert "ANALYTICS_HUMAN_COST_PER_CONVERSATION is malformed" in result.stderr, value


def test_the_human_cost_is_read_as_a_decimal() -> None:
    script = (
        "import django; django.setup(); from django.conf import settings; "
        "print(repr(settings.ANALYTICS_HUMAN_COST_PER_CONVERSATION))"
    )
    result = _run(["-c", script], {**PRODUCTION, "ANALYTICS_HUMAN_COST_PER_CONVERSATION": "12.50"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "Decimal('12.50')"


def test_apps_and_periodic_tasks_are_each_listed_once() -> None:
    script = (
        "import django; django.setup(); from django.conf import settings; "
        "apps = settings.INSTALLED_APPS; print(len(apps) == len(set(apps))); "
        "print(sorted(settings.CELERY_BEAT_SCHEDULE))"
    )
    result = _run(["-c", script], PRODUCTION)
    assert result.returncode == 0, result.stderr
    unique, schedule = result.stdout.strip().splitlines()
    assert unique == "True"
    assert schedule == str(
        sorted(
            [
                "analytics.refresh_rollups",
                "apply-retention",
                "check-sla",
                "delete-orphaned-attachments",
                "mail.send_due",
                "mail.sweep_stored",
                "recover-stalled-replies",
                "resolve-idle-conversations",
                "webhooks.prune_deliveries",
                "webhooks.requeue_overdue",
            ]
        )
    )


def test_the_file_mail_path_is_read_as_written() -> None:
    """filemail://var/mail is a folder under the checkout and filemail:///srv/mail an absolute
    one (django-environ alone takes "var" for a host and writes to <checkout>/mail)."""
    script = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.EMAIL_BACKEND); print(settings.EMAIL_FILE_PATH)"
    )
    relative = _run(["-c", script], {"EMAIL_URL": "filemail://var/mail"})
    assert relative.returncode == 0, relative.stderr
    backend, path = relative.stdout.split()
    assert backend == "django.core.mail.backends.filebased.EmailBackend"
    assert path == str(ROOT / "var" / "mail")
    absolute = _run(["-c", script], {"EMAIL_URL": "filemail:///srv/mail"})
    assert absolute.stdout.split()[1] == "/srv/mail"
