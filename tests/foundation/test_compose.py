"""The production compose file: the right services, commands, health checks and shared config."""

import shutil
import subprocess

import pytest
import yaml

from tests.conftest import ROOT

COMPOSE = ROOT / "docker" / "compose.yaml"
APP_SERVICES = ("migrate", "web", "worker", "beat", "mail")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


def test_it_has_the_production_services(compose: dict) -> None:
    assert set(compose["services"]) == {"postgres", "redis", "proxy", *APP_SERVICES}


def test_web_and_worker_are_scaled_out_behind_a_proxy_and_beat_is_not(compose: dict) -> None:
    services = compose["services"]
    assert services["web"]["deploy"]["replicas"] >= 2
    assert services["worker"]["deploy"]["replicas"] >= 2
    assert "deploy" not in services["beat"] and "ports" not in services["web"]
    # The proxy re-reads the web replicas from Docker's DNS, so --scale web=N needs no change.
    caddyfile = compose["configs"]["caddyfile"]["content"]
    assert "dynamic a" in caddyfile and "name web" in caddyfile and "port 8000" in caddyfile
    assert services["proxy"]["depends_on"]["web"] == {"condition": "service_healthy"}


def test_every_long_running_service_has_a_health_check(compose: dict) -> None:
    for name, service in compose["services"].items():
        if name == "migrate":
            continue
        assert service["healthcheck"]["test"], name


def test_app_services_share_one_image_and_one_configuration(compose: dict) -> None:
    services = compose["services"]
    images = {services[name]["image"] for name in APP_SERVICES}
    assert images == {"assistant:latest"}
    for name in APP_SERVICES:
        environment = services[name]["environment"]
        assert environment["DATABASE_URL"].startswith("postgres://")
        assert environment["REDIS_URL"] == "redis://redis:6379/0"
        assert services[name]["env_file"] == services["web"]["env_file"]


def test_migration_runs_once_before_web_worker_and_beat(compose: dict) -> None:
    services = compose["services"]
    assert services["migrate"]["command"] == ["python", "manage.py", "migrate", "--noinput"]
    for name in ("web", "worker", "beat", "mail"):
        depends = services[name]["depends_on"]
        assert depends["migrate"] == {"condition": "service_completed_successfully"}
        assert depends["redis"] == {"condition": "service_healthy"}
    assert services["worker"]["command"][:4] == ["celery", "-A", "assistant", "worker"]
    assert services["beat"]["command"][:4] == ["celery", "-A", "assistant", "beat"]


def test_the_database_image_provides_pgvector(compose: dict) -> None:
    assert compose["services"]["postgres"]["image"].startswith("pgvector/pgvector:")


def _compose_plugin_available() -> bool:
    docker = shutil.which("docker")
    if docker is None:
        return False
    return subprocess.run([docker, "compose", "version"], capture_output=True).returncode == 0


@pytest.mark.skipif(
    not _compose_plugin_available(), reason="the docker compose plugin is not installed"
)
def test_docker_compose_accepts_the_file() -> None:
    result = subprocess.run(
        ["docker", "compose", "-f", str(COMPOSE), "config", "--quiet"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
