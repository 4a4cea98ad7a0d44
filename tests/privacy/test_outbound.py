"""prepare_call: the one step the reply turn takes before calling a model."""

from __future__ import annotations

import pytest

from assistant.llm.types import Message, ProviderInfo
from assistant.privacy.outbound import prepare_call
from assistant.privacy.policy import PrivacySettings, ResidencyError

QWEN = ProviderInfo("qwen", "openai_compatible", "qwen-plus", "external", "Singapore", "intl")
OFFLINE = ProviderInfo("offline", "offline", "offline-extractive", "internal", "in-process")
PROMPT = [Message.system("Be kind."), Message.user("Call me on 13812345678 please")]


def test_a_chain_with_an_external_provider_gets_placeholders_and_restores_them() -> None:
    prepared = prepare_call(PROMPT, chain=[QWEN, OFFLINE], settings=PrivacySettings())
    assert prepared.redacted and prepared.counts == {"PHONE": 1}
    assert prepared.messages[1].content == "Call me on [PHONE_1] please"
    restorer = prepared.restorer()
    shown = restorer.feed("We'll call [PHO") + restorer.feed("NE_1].") + restorer.flush()
    assert shown == "We'll call 13812345678."


def test_a_self_hosted_chain_is_sent_as_it_is_unless_the_inbox_redacts_everything() -> None:
    prepared = prepare_call(PROMPT, chain=[OFFLINE], settings=PrivacySettings())
    assert not prepared.redacted and prepared.messages == PROMPT and prepared.counts == {}
    strict = PrivacySettings(redact_internal=True)
    assert prepare_call(PROMPT, chain=[OFFLINE], settings=strict).redacted


def test_the_stored_state_keeps_placeholders_stable_from_turn_to_turn() -> None:
    first = prepare_call(PROMPT, chain=[QWEN], settings=PrivacySettings())
    later = [*PROMPT, Message.user("and my wife: 13912345678")]
    second = prepare_call(later, chain=[QWEN], settings=PrivacySettings(), state=first.state())
    assert second.messages[1].content == "Call me on [PHONE_1] please"
    assert second.messages[2].content == "and my wife: [PHONE_2]"


def test_a_provider_outside_the_allowed_jurisdictions_stops_the_call() -> None:
    settings = PrivacySettings(allowed_jurisdictions=("China",))
    with pytest.raises(ResidencyError, match="Singapore"):
        prepare_call(PROMPT, chain=[QWEN, OFFLINE], settings=settings)
