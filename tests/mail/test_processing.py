"""Processing stored mail into conversations: who it belongs to, which conversation it
continues, what is ignored or refused, and that each message becomes one customer message."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as settings_for_hypothesis
from hypothesis import strategies as st

from assistant.chat import services
from assistant.chat.models import Attachment, Contact, Conversation, Message
from assistant.chat.signals import handoff_requested
from assistant.mail import intake, processing, reply_tokens
from assistant.mail.models import InboundMail, MailAccount, MailReference
from tests.factories import make_inbox, make_session
from tests.mail.mailin_support import make_account, mime

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parent / "fixtures"


def _store(account: MailAccount, raw: bytes) -> InboundMail:
    inbound, created = intake.store_raw(account=account, raw=raw, source="relay")
    assert created
    return inbound


def _process(account: MailAccount, raw: bytes) -> InboundMail:
    inbound = _store(account, raw)
    processing.inbound_process(inbound.pk)
    inbound.refresh_from_db()
    return inbound


def _customer_texts(conversation: Conversation) -> list[str]:
    return list(
        conversation.messages.filter(author_kind="customer")
        .order_by("seq")
        .values_list("text", flat=True)
    )


# ---------------------------------------------------------------------------------------------
# A new mail
# ---------------------------------------------------------------------------------------------


def test_a_new_mail_starts_an_email_conversation_for_a_mail_contact() -> None:
    account = make_account()
    inbound = _process(
        account,
        mime(
            sender="Ada Lovelace <ada@customer.example>",
            subject="Where is my order?",
            text="Hello, my order 1234 has not arrived yet. Can you check?",
            message_id="<q1@customer.example>",
        ),
    )
    assert inbound.state == "processed" and inbound.problem == ""
    conversation = inbound.conversation
    assert conversation.channel == Conversation.Channel.EMAIL
    assert conversation.subject == "Where is my order?"
    assert conversation.inbox_id == account.inbox_id
    assert conversation.state == Conversation.State.BOT
    assert _customer_texts(conversation) == [
        "Hello, my order 1234 has not arrived yet. Can you check?"
    ]
    assert inbound.chat_message.author_kind == "customer"
    contact = conversation.contact
    assert (contact.email, contact.name) == ("ada@customer.example", "Ada Lovelace")
    assert contact.visitor_secret_hash is None and contact.external_id is None
    reference = MailReference.objects.get(message_id="<q1@customer.example>")
    assert (reference.direction, reference.conversation_id) == ("in", conversation.pk)


def test_the_next_new_mail_from_the_same_address_is_the_same_contact() -> None:
    account = make_account()
    first = _process(account, mime(subject="First question"))
    second = _process(account, mime(subject="Another question"))
    assert first.conversation.contact_id == second.conversation.contact_id
    assert first.conversation_id != second.conversation_id
    assert Contact.objects.filter(email="ada@customer.example").count() == 1


def test_the_conversation_speaks_the_language_the_mail_is_written_in() -> None:
    account = make_account()
    inbound = _process(account, (FIXTURES / "gmail_reply_de.eml").read_bytes())
    assert inbound.conversation.language == "de"
    # Only what the customer wrote now: the quoted history stays in the raw mail.
    text = _customer_texts(inbound.conversation)[0]
    assert "schrieb" not in text and ">" not in text


def test_processing_a_message_twice_stores_it_once() -> None:
    account = make_account()
    inbound = _store(account, mime())
    assert processing.inbound_process(inbound.pk).state == "processed"
    assert processing.inbound_process(inbound.pk) is None
    assert Message.objects.filter(author_kind="customer").count() == 1
    inbound.refresh_from_db()
    assert inbound.attempts == 1


def test_a_run_that_fails_midway_leaves_nothing_and_the_next_run_stores_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A worker that dies after the message was written but before the outcome: the
    transaction rolls back, and the next run writes it once."""
    account = make_account()
    inbound = _store(account, mime())
    real_finish = processing._finish

    def crash(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("worker killed")

    monkeypatch.setattr(processing, "_finish", crash)
    with pytest.raises(RuntimeError):
        processing.inbound_process(inbound.pk)
    assert not Message.objects.exists() and not Conversation.objects.exists()
    monkeypatch.setattr(processing, "_finish", real_finish)
    assert processing.inbound_process(inbound.pk).state == "processed"
    assert Message.objects.filter(author_kind="customer").count() == 1


def test_a_message_that_keeps_failing_is_refused_after_the_last_attempt(
    monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    settings.MAIL_PROCESS_MAX_ATTEMPTS = 3
    account = make_account()
    poison = _store(account, mime(subject="poison"))

    def failing_parse(raw: bytes, **kwargs: Any) -> Any:
        raise MemoryError("the parser blew up")

    monkeypatch.setattr(processing, "parse_mail", failing_parse)
    for _ in range(2):
        with pytest.raises(MemoryError):
            processing.inbound_process(poison.pk)
    outcome = processing.inbound_process(poison.pk)
    assert (outcome.state, outcome.problem) == ("refused", "processing_failed")
    monkeypatch.undo()
    # It stays refused, and the next message is processed.
    assert processing.inbound_process(poison.pk) is None
    assert _process(account, mime(subject="next")).state == "processed"


def test_a_message_whose_runs_all_died_without_a_trace_is_refused_without_parsing_again(
    monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    """A worker killed while parsing (out of memory) leaves only its attempt count behind."""
    settings.MAIL_PROCESS_MAX_ATTEMPTS = 3
    account = make_account()
    inbound = _store(account, mime(subject="kills the worker"))
    InboundMail.objects.filter(pk=inbound.pk).update(attempts=3)

    def must_not_parse(raw: bytes, **kwargs: Any) -> Any:
        raise AssertionError("parsed again")

    monkeypatch.setattr(processing, "parse_mail", must_not_parse)
    outcome = processing.inbound_process(inbound.pk)
    assert (outcome.state, outcome.problem) == ("refused", "processing_failed")


def test_with_agents_only_a_new_mail_waits_for_a_person() -> None:
    account = make_account(assistant_mode=MailAccount.AssistantMode.OFF)
    conversation = _process(account, mime()).conversation
    assert conversation.state == Conversation.State.WAITING
    assert conversation.handoff_reason == "channel_agents_only"


# ---------------------------------------------------------------------------------------------
# Replies
# ---------------------------------------------------------------------------------------------


def test_a_reply_joins_its_conversation_by_in_reply_to() -> None:
    account = make_account()
    first = _process(account, mime(message_id="<q1@customer.example>", text="First question."))
    reply = _process(
        account,
        mime(
            subject="Re: Where is my order?",
            message_id="<q2@customer.example>",
            in_reply_to="<q1@customer.example>",
            references="<q1@customer.example>",
            text="And one more thing.",
        ),
    )
    assert reply.conversation_id == first.conversation_id
    assert _customer_texts(first.conversation) == ["First question.", "And one more thing."]


def test_a_reply_to_our_own_sent_mail_joins_by_references() -> None:
    account = make_account()
    conversation = _process(account, mime(text="Question.")).conversation
    MailReference.objects.create(
        account=account,
        message_id="<answer-1@shop.example.com>",
        direction="out",
        conversation=conversation,
    )
    reply = _process(
        account,
        mime(
            references="<unknown@elsewhere> <answer-1@shop.example.com>",
            text="Thanks, that helped.",
        ),
    )
    assert reply.conversation_id == conversation.pk


@pytest.mark.parametrize("where", ["to", "subject", "delivered_to"])
def test_a_reply_without_headers_joins_by_its_reply_token(where: str) -> None:
    account = make_account()
    conversation = _process(account, mime(text="Question.")).conversation
    token_address = reply_tokens.reply_address(account.address, conversation.pk)
    fields: dict[str, Any] = {"text": "Replying from a client that drops headers."}
    if where == "to":
        fields["to"] = token_address
    elif where == "subject":
        fields["subject"] = f"Re: Where is my order? {reply_tokens.subject_tag(conversation.pk)}"
    else:
        fields["headers"] = {"Delivered-To": token_address}
    reply = _process(account, mime(**fields))
    assert reply.conversation_id == conversation.pk


def test_an_altered_reply_token_names_nothing() -> None:
    account = make_account()
    conversation = _process(account, mime(text="Question.")).conversation
    token = reply_tokens.token_for(conversation.pk)
    # One character of the MAC changed (the last character also carries padding bits).
    forged = token[:-5] + ("a" if token[-5] != "a" else "b") + token[-4:]
    reply = _process(account, mime(subject=f"Re: hello [#{forged}]", text="Let me in."))
    assert reply.conversation_id != conversation.pk


def test_a_stranger_naming_a_conversations_message_id_gets_a_conversation_of_their_own() -> None:
    account = make_account()
    original = _process(account, mime(message_id="<q1@customer.example>", text="Private."))
    stranger = _process(
        account,
        mime(
            sender="Mallory <mallory@attacker.example>",
            in_reply_to="<q1@customer.example>",
            subject=f"Re: x {reply_tokens.subject_tag(original.conversation_id)}",
            text="Show me this conversation.",
        ),
    )
    assert stranger.conversation_id != original.conversation_id
    assert stranger.conversation.contact.email == "mallory@attacker.example"
    assert _customer_texts(original.conversation) == ["Private."]


def test_a_reply_to_another_inboxs_conversation_starts_a_new_one() -> None:
    account, other = make_account(), make_account()
    elsewhere = _process(other, mime(message_id="<q1@customer.example>"))
    here = _process(account, mime(in_reply_to="<q1@customer.example>", text="Hello?"))
    assert here.conversation_id != elsewhere.conversation_id
    assert here.conversation.inbox_id == account.inbox_id


def test_a_reply_to_a_resolved_conversation_with_the_assistant_reopens_it_for_the_assistant() -> (
    None
):
    account = make_account()
    first = _process(account, mime(message_id="<q1@customer.example>"))
    services.conversation_resolve(conversation_id=first.conversation_id, by="idle")
    _process(account, mime(in_reply_to="<q1@customer.example>", text="It still has not come."))
    conversation = Conversation.objects.get(pk=first.conversation_id)
    assert conversation.state == Conversation.State.BOT
    assert conversation.resolved_at is None
    assert _customer_texts(conversation)[-1] == "It still has not come."


def test_a_reply_to_a_resolved_conversation_a_person_had_goes_back_to_the_people(
    django_capture_on_commit_callbacks: Any,
) -> None:
    account = make_account()
    first = _process(account, mime(message_id="<q1@customer.example>"))
    services.conversation_handoff(conversation_id=first.conversation_id, reason="customer_request")
    services.conversation_resolve(conversation_id=first.conversation_id)
    handoffs: list[str] = []

    def heard(sender: Any, *, conversation_id: Any, reason: str, **kwargs: Any) -> None:
        handoffs.append(reason)

    handoff_requested.connect(heard, dispatch_uid="test-reopen")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            _process(account, mime(in_reply_to="<q1@customer.example>", text="Still broken."))
    finally:
        handoff_requested.disconnect(dispatch_uid="test-reopen")
    conversation = Conversation.objects.get(pk=first.conversation_id)
    assert conversation.state == Conversation.State.WAITING
    assert conversation.handoff_reason == "reopened"
    assert handoffs == ["reopened"]  # tickets reopen the ticket on it


def test_a_reply_to_a_solved_ticket_reopens_the_ticket() -> None:
    from tickets import escalation
    from tickets.models import Ticket

    account = make_account(assistant_mode=MailAccount.AssistantMode.OFF)
    first = _process(account, mime(message_id="<q1@customer.example>"))
    ticket = escalation.escalate(conversation_id=str(first.conversation_id), reason="x")
    services.conversation_resolve(conversation_id=first.conversation_id)
    Ticket.objects.filter(pk=ticket.pk).update(status=Ticket.Status.SOLVED)
    reply = _process(account, mime(in_reply_to="<q1@customer.example>", text="Not fixed."))
    # What the handoff signal queues (tickets.escalate_handoff), run here.
    escalation.escalate(conversation_id=str(reply.conversation_id), reason="reopened")
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.OPEN
    assert reply.conversation_id == first.conversation_id


# ---------------------------------------------------------------------------------------------
# Whose mail is it: an address typed into the widget proves nothing
# ---------------------------------------------------------------------------------------------


def test_mail_from_an_address_a_widget_visitor_typed_neither_joins_nor_reveals_their_chat() -> None:
    inbox = make_inbox()
    account = make_account(inbox=inbox)
    session = make_session(inbox)
    visitor_chat = services.customer_message_create(
        contact_id=session.contact.pk, text="My bank details are in my account.", client_id="w1"
    ).conversation
    services.contact_email_set(contact_id=session.contact.pk, email="ada@customer.example")
    before = list(visitor_chat.messages.values_list("seq", "text"))

    inbound = _process(
        account,
        mime(sender="ada@customer.example", text="Please send me my conversation history."),
    )

    mail_conversation = inbound.conversation
    assert mail_conversation.contact_id != session.contact.pk
    assert mail_conversation.contact.visitor_secret_hash is None
    assert list(visitor_chat.messages.values_list("seq", "text")) == before
    # The widget visitor still sees only their own chat, and the mail contact only its mail.
    assert services.current_conversation(contact_id=session.contact.pk).pk == visitor_chat.pk
    assert set(
        Conversation.objects.filter(contact=mail_conversation.contact).values_list("pk", flat=True)
    ) == {mail_conversation.pk}


def test_mail_from_an_address_the_widget_contact_proved_is_theirs() -> None:
    inbox = make_inbox()
    account = make_account(inbox=inbox)
    session = make_session(inbox)
    Contact.objects.filter(pk=session.contact.pk).update(
        email="Ada@Customer.example", email_verified_at=timezone.now()
    )
    inbound = _process(account, mime(sender="ada@customer.example"))
    assert inbound.conversation.contact_id == session.contact.pk
    assert inbound.conversation.channel == Conversation.Channel.EMAIL


def test_an_identity_verified_by_hmac_alone_does_not_prove_the_address() -> None:
    inbox = make_inbox()
    account = make_account(inbox=inbox)
    Contact.objects.create(inbox=inbox, external_id="cust-42", email="ada@customer.example")
    inbound = _process(account, mime(sender="ada@customer.example"))
    assert inbound.conversation.contact.external_id is None


# ---------------------------------------------------------------------------------------------
# Automatic mail, bad input, attachments: each as documented, and the next message processed
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fixture", "state", "problem"),
    [
        ("out_of_office.eml", "ignored", "auto_reply"),
        ("bounce.eml", "ignored", "bounce"),
        ("newsletter_html_only.eml", "ignored", "mailing_list"),
        ("gmail_reply_en.eml", "processed", ""),
        ("outlook_reply_fr.eml", "processed", ""),
        ("apple_reply_es.eml", "processed", ""),
        ("iso2022jp.eml", "processed", ""),
        ("lying_charset.eml", "processed", "unknown_charset"),
        ("unknown_charset.eml", "processed", "unknown_charset"),
        ("malformed_mime.eml", "processed", "malformed_mime"),
    ],
)
def test_each_fixture_ends_as_documented_and_the_next_message_is_processed(
    fixture: str, state: str, problem: str
) -> None:
    account = make_account()
    inbound = _process(account, (FIXTURES / fixture).read_bytes())
    assert inbound.state == state
    assert problem in inbound.problem.split(",") if problem else inbound.problem == ""
    if state == "ignored":
        assert inbound.conversation_id is None
        assert not Conversation.objects.exists()
    else:
        assert inbound.conversation.messages.filter(author_kind="customer").count() == 1
    assert _process(account, mime(subject="next one")).state == "processed"


def test_a_loop_from_our_own_address_is_ignored() -> None:
    account = make_account()
    inbound = _process(account, mime(sender=account.address, text="Our own reply came back."))
    assert (inbound.state, inbound.problem) == ("ignored", "loop")


def test_a_malformed_mail_is_flagged_for_the_agents() -> None:
    account = make_account()
    conversation = _process(account, (FIXTURES / "malformed_mime.eml").read_bytes()).conversation
    notes = conversation.messages.filter(author_kind="system").values_list("text", flat=True)
    assert any("not well formed" in note for note in notes)


def test_a_mail_with_no_sender_or_no_text_is_refused_and_the_next_processed() -> None:
    account = make_account()
    no_sender = _process(account, b"Subject: who?\r\n\r\nHello\r\n")
    assert (no_sender.state, no_sender.problem) == ("refused", "no_sender")
    empty = _process(account, b"From: a@customer.example\r\nSubject: nothing\r\n\r\n\r\n")
    assert (empty.state, empty.problem) == ("refused", "empty")
    garbage = _process(account, b"\x00\xff\xfe garbage \x00" * 50)
    assert garbage.state == "refused"
    assert _process(account, mime()).state == "processed"


def test_a_sender_address_longer_than_an_address_may_be_is_refused_not_shortened() -> None:
    """Cut to 254 characters, a long address would become another, real-looking one."""
    account = make_account()
    long_sender = f"{'a' * 250}@customer.example"
    inbound = _process(account, mime(sender=long_sender))
    assert (inbound.state, inbound.problem) == ("refused", "bad_sender")
    assert not Contact.objects.filter(email__startswith="a" * 200).exists()


def test_attachments_are_stored_on_the_customers_message() -> None:
    account = make_account()
    inbound = _process(account, (FIXTURES / "attachments_pdf_jpeg.eml").read_bytes())
    stored = Attachment.objects.filter(message=inbound.chat_message).order_by("name")
    assert [(a.content_type, a.source) for a in stored] == [
        ("image/jpeg", "email"),
        ("application/pdf", "email"),
    ]


def test_a_refused_attachment_is_named_for_the_agents_and_the_mail_kept() -> None:
    account = make_account()
    inbound = _process(
        account,
        mime(
            text="Here is the invoice.",
            attachments=[
                ("invoice.pdf.exe", "application/octet-stream", b"MZ\x90\x00" + b"\0" * 200)
            ],
        ),
    )
    assert inbound.state == "processed"
    assert not Attachment.objects.exists()
    note = inbound.conversation.messages.get(author_kind="system").text
    assert "invoice.pdf.exe" in note


def test_a_mail_with_500_attachments_keeps_the_allowed_number_and_says_so(settings: Any) -> None:
    account = make_account()
    files = [(f"note-{n}.txt", "text/plain", f"line {n}\n".encode()) for n in range(500)]
    inbound = _process(account, mime(text="Five hundred files.", attachments=files))
    assert inbound.state == "processed"
    assert "too_many_attachments" in inbound.problem
    assert Attachment.objects.count() == settings.ATTACHMENTS_PER_MESSAGE
    note = inbound.conversation.messages.get(author_kind="system").text
    assert f"only the first {settings.ATTACHMENTS_PER_MESSAGE}" in note
    assert _process(account, mime(subject="next")).state == "processed"


def test_a_very_long_mail_is_cut_with_a_note_and_kept_whole_in_the_raw_record() -> None:
    account = make_account()
    long_text = "word " * 3000
    inbound = _process(account, mime(text=long_text))
    text = inbound.chat_message.text
    assert len(text) <= services.MAX_MESSAGE_CHARS
    assert text.endswith("[The e-mail was longer; the rest is kept with the original.]")
    assert len(bytes(inbound.raw)) > len(long_text)


@settings_for_hypothesis(
    max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    raw=st.one_of(
        st.binary(min_size=1, max_size=2000),
        st.builds(
            lambda headers, body: headers + b"\r\n\r\n" + body,
            st.binary(max_size=300).map(lambda b: b"From: x@customer.example\r\n" + b),
            st.binary(max_size=1000),
        ),
    )
)
def test_any_bytes_end_processed_ignored_or_refused_never_stuck(raw: bytes) -> None:
    account = make_account()
    inbound, _created = intake.store_raw(account=account, raw=raw, source="relay")
    processing.inbound_process(inbound.pk)
    inbound.refresh_from_db()
    assert inbound.state in {"processed", "ignored", "refused"}
    if inbound.state == "processed":
        assert inbound.chat_message.text.strip()
