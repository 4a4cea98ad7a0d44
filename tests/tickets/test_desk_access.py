"""Who may open which desk page and run which action: agent of team A vs B, manager, admin,
a signed-in user without a desk role, and anonymous. Foreign objects are 404, never 403."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

PEOPLE = ["agent_a", "agent_b", "manager", "admin", "outsider", "anonymous"]
# Who may see team A's conversation and ticket: its agents, its manager, and admins.
SEES_A = {"agent_a": True, "agent_b": False, "manager": True, "admin": True}


def client_for(world: Any, name: str) -> Client:
    client = Client()
    person = world.person(name)
    if person is not None:
        client.force_login(person)
    return client


def expected(name: str, *, for_a: bool, ok: int) -> int:
    if name == "anonymous":
        return 302  # to the sign-in page
    if name == "outsider":
        return 403
    if not for_a:
        return ok
    return ok if SEES_A[name] else 404


@pytest.mark.parametrize("name", PEOPLE)
@pytest.mark.parametrize("queue", ["mine", "waiting", "unassigned", "teams", "live", "solved"])
def test_queue_pages(world: Any, name: str, queue: str) -> None:
    response = client_for(world, name).get(f"/desk/q/{queue}/")
    assert response.status_code == expected(name, for_a=False, ok=200)


@pytest.mark.parametrize("name", PEOPLE)
def test_queues_list_only_visible_inboxes(world: Any, name: str) -> None:
    response = client_for(world, name).get("/desk/q/waiting/")
    if response.status_code != 200:
        return
    html = response.content.decode()
    assert (str(world.conversation_a.pk) in html) == SEES_A[name]
    assert (str(world.conversation_b.pk) in html) == (name in ("agent_b", "admin"))


@pytest.mark.parametrize("name", PEOPLE)
@pytest.mark.parametrize(
    ("method", "path", "ok"),
    [
        ("get", "/desk/c/{conversation}/", 200),
        ("post", "/desk/c/{conversation}/takeover", 204),
        ("post", "/desk/c/{conversation}/note", 200),
        ("post", "/desk/c/{conversation}/ticket", 200),
        ("post", "/desk/c/{conversation}/suggest", 200),
        ("post", "/desk/c/{conversation}/reply", 204),
        ("post", "/desk/c/{conversation}/handback", 204),
        ("post", "/desk/c/{conversation}/resolve", 204),
        ("get", "/desk/t/{ticket}/", 302),  # a chat ticket opens its conversation
    ],
)
def test_conversation_pages_and_actions(
    world: Any, name: str, method: str, path: str, ok: int
) -> None:
    url = path.format(conversation=world.conversation_a.pk, ticket=world.ticket_a.pk)
    data = {"text": "Hello from the desk", "priority": "3"}
    response = getattr(client_for(world, name), method)(url, data)
    assert response.status_code == expected(name, for_a=True, ok=ok), response.content[:300]


@pytest.mark.parametrize("name", ["agent_a", "agent_b"])
def test_a_missing_and_a_foreign_conversation_look_the_same(world: Any, name: str) -> None:
    client = client_for(world, name)
    foreign = world.conversation_b if name == "agent_a" else world.conversation_a
    missing = client.get("/desk/c/00000000-0000-4000-8000-000000000000/")
    hidden = client.get(f"/desk/c/{foreign.pk}/")
    assert missing.status_code == hidden.status_code == 404
    assert missing.content == hidden.content


def test_garbage_ids_are_404_not_500(world: Any) -> None:
    client = client_for(world, "agent_a")
    for url in ("/desk/c/not-a-uuid/", "/desk/t/99999999999999999999/", "/desk/q/nope/"):
        assert client.get(url).status_code == 404
