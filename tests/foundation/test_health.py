import pytest
from django.test import Client

from assistant import health


def test_liveness_answers_without_touching_dependencies(client: Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
@pytest.mark.worker
def test_readiness_checks_every_dependency(client: Client, celery_worker_process) -> None:
    response = client.get("/readyz")
    body = response.json()
    assert response.status_code == 200, body
    assert set(body["checks"]) == {"database", "redis", "channel_layer", "worker"}
    assert all(check["ok"] for check in body["checks"].values())


@pytest.mark.django_db
def test_readiness_names_the_part_that_fails(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_worker() -> None:
        raise RuntimeError("no Celery worker answered within 1.0s")

    monkeypatch.setitem(health.CHECKS, "worker", no_worker)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["worker"] == {
        "ok": False,
        "error": "RuntimeError: no Celery worker answered within 1.0s",
        "ms": response.json()["checks"]["worker"]["ms"],
    }
    assert response.json()["checks"]["database"]["ok"] is True
