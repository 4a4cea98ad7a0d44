"""E-mail: an inbox's address, every raw message as it arrived, and the ids that thread replies.

The raw message is stored before anything else happens to it (docs/email.md, "Guarantees"), so a
crash between fetching and processing loses nothing, and its Message-ID and content hash are
unique per address, so a message fetched twice is stored once.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class MailAccount(models.Model):
    """An inbox's e-mail address: how mail comes in (IMAP or a relay) and how replies go out."""

    class Security(models.TextChoices):
        SSL = "ssl", _("SSL/TLS")
        STARTTLS = "starttls", _("STARTTLS")
        # Only for a server on the same machine (tests, a local relay).
        NONE = "none", _("None (local servers only)")

    class AssistantMode(models.TextChoices):
        ANSWER = "answer", _("The assistant answers")
        DRAFT = "draft", _("The assistant drafts, an agent approves")
        OFF = "off", _("Agents only")

    inbox = models.OneToOneField(
        "chat.Inbox", on_delete=models.CASCADE, related_name="mail_account"
    )
    address = models.EmailField(_("address"), unique=True)
    enabled = models.BooleanField(_("enabled"), default=True)
    assistant_mode = models.CharField(
        _("assistant on e-mail"),
        max_length=16,
        choices=AssistantMode.choices,
        default=AssistantMode.ANSWER,
    )
    signature = models.TextField(_("signature"), blank=True, default="")
    # Fetching from the company's mailbox; empty host: mail arrives only through the relay.
    imap_host = models.CharField(_("IMAP server"), max_length=255, blank=True, default="")
    imap_port = models.PositiveIntegerField(_("IMAP port"), default=993)
    imap_security = models.CharField(
        _("IMAP security"), max_length=16, choices=Security.choices, default=Security.SSL
    )
    imap_username = models.CharField(_("IMAP user"), max_length=255, blank=True, default="")
    # Encrypted at rest like actions' secret headers; never shown again once saved.
    imap_password_encrypted = models.TextField(blank=True, default="", editable=False)
    imap_folder = models.CharField(_("IMAP folder"), max_length=255, default="INBOX")
    # Where fetching stopped: UIDs are only comparable within one UIDVALIDITY of the folder.
    imap_uidvalidity = models.BigIntegerField(null=True, blank=True, editable=False)
    imap_last_uid = models.BigIntegerField(default=0, editable=False)
    # The relay's key, stored as an API token is: a prefix to find it, a SHA-256 to check it.
    relay_key_prefix = models.CharField(max_length=16, blank=True, default="", editable=False)
    relay_key_hash = models.CharField(max_length=64, blank=True, default="", editable=False)
    last_fetch_at = models.DateTimeField(_("last fetched"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True, default="")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("e-mail address")
        verbose_name_plural = _("e-mail addresses")

    def __str__(self) -> str:
        return self.address


class InboundMail(models.Model):
    """One message as it arrived, raw, and what processing made of it."""

    class Source(models.TextChoices):
        IMAP = "imap", _("IMAP")
        RELAY = "relay", _("Relay")

    class State(models.TextChoices):
        STORED = "stored", _("Stored, not yet processed")
        PROCESSED = "processed", _("Added to a conversation")
        # An auto-reply, a bounce or a loop: kept for the record, never answered.
        IGNORED = "ignored", _("Ignored (automatic mail)")
        # Stored but not readable as a customer's message (documented reasons in ``problem``).
        REFUSED = "refused", _("Refused")

    account = models.ForeignKey(MailAccount, on_delete=models.CASCADE, related_name="inbound")
    source = models.CharField(max_length=16, choices=Source.choices)
    message_id = models.CharField(max_length=998, blank=True, default="")
    sha256 = models.CharField(max_length=64)
    raw = models.BinaryField()
    size = models.PositiveIntegerField()
    state = models.CharField(max_length=16, choices=State.choices, default=State.STORED)
    problem = models.CharField(max_length=200, blank=True, default="")
    # Processing is retried after a crash; this counts the tries so a poison message stops.
    attempts = models.PositiveSmallIntegerField(default=0)
    conversation = models.ForeignKey(
        "chat.Conversation", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The chat message it became (``message_id`` is the mail's Message-ID header).
    chat_message = models.ForeignKey(
        "chat.Message", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("incoming e-mail")
        verbose_name_plural = _("incoming e-mails")
        constraints = [
            models.UniqueConstraint(fields=["account", "sha256"], name="inbound_unique_content"),
            models.UniqueConstraint(
                fields=["account", "message_id"],
                condition=~Q(message_id=""),
                name="inbound_unique_message_id",
            ),
        ]
        indexes = [
            # What is left to process after a crash.
            models.Index(
                fields=["received_at"], condition=Q(state="stored"), name="inbound_unprocessed"
            ),
        ]

    def __str__(self) -> str:
        return self.message_id or self.sha256[:12]


class MailReference(models.Model):
    """A Message-ID that belongs to a conversation: replies name it in In-Reply-To/References."""

    class Direction(models.TextChoices):
        IN = "in", _("Received")
        OUT = "out", _("Sent")

    account = models.ForeignKey(MailAccount, on_delete=models.CASCADE, related_name="references")
    message_id = models.CharField(max_length=998)
    direction = models.CharField(max_length=8, choices=Direction.choices)
    conversation = models.ForeignKey(
        "chat.Conversation", on_delete=models.CASCADE, related_name="mail_references"
    )
    # The chat message it became (``message_id`` is the mail's Message-ID header).
    chat_message = models.ForeignKey(
        "chat.Message", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["account", "message_id"], name="mail_reference_unique_id"
            ),
        ]

    def __str__(self) -> str:
        return self.message_id


class OutboundMail(models.Model):
    """One e-mail to send for one message of a conversation: a message is mailed at most once."""

    class State(models.TextChoices):
        # Waiting for its time (a chat visitor may still come back within the grace period).
        SCHEDULED = "scheduled", _("Scheduled")
        SENT = "sent", _("Sent")
        # Not needed after all (the visitor read it in the widget, the address was removed).
        CANCELLED = "cancelled", _("Cancelled")
        FAILED = "failed", _("Failed")

    account = models.ForeignKey(MailAccount, on_delete=models.CASCADE, related_name="outbound")
    conversation = models.ForeignKey(
        "chat.Conversation", on_delete=models.CASCADE, related_name="outbound_mail"
    )
    chat_message = models.OneToOneField(
        "chat.Message", on_delete=models.CASCADE, related_name="outbound_mail"
    )
    to_address = models.EmailField()
    # Made when the row is created, so a retried send carries the same id.
    message_id = models.CharField(max_length=998, unique=True)
    state = models.CharField(max_length=16, choices=State.choices, default=State.SCHEDULED)
    send_after = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["send_after"], condition=Q(state="scheduled"), name="outbound_due"
            ),
        ]

    def __str__(self) -> str:
        return self.message_id


class MailAnswer(models.Model):
    """The assistant's answer to one customer e-mail: the guard that makes it one, and, in
    "draft" mode, the draft an agent sends or discards.

    One row per customer message (``question`` is unique): the task that answers it claims the
    row first, and the answer is stored in the same transaction that moves the row out of
    ``pending``, so a task that runs twice answers once. A draft is kept here, not as a chat
    message, because the customer must never see it (the widget, the transcript's exports and
    the model's history read messages); it becomes the assistant's message when an agent
    approves it, and ``decided_by`` records who did."""

    class Mode(models.TextChoices):
        ANSWER = "answer", _("Answer")
        DRAFT = "draft", _("Draft")

    class State(models.TextChoices):
        # Claimed by a task that is writing it (or crashed doing so: reclaimed after a while).
        PENDING = "pending", _("Being written")
        ANSWERED = "answered", _("Answered")
        DRAFTED = "drafted", _("Waiting for an agent's approval")
        SENT = "sent", _("Approved and sent")
        DISCARDED = "discarded", _("Discarded")
        # A person should answer (a handoff rule, the model, a failure); ``reason`` says why.
        HANDED_OFF = "handed_off", _("Handed to a person")
        # Nothing to answer any more: a later message is answered instead, or a person took
        # the conversation over meanwhile.
        SKIPPED = "skipped", _("Not answered")

    conversation = models.ForeignKey(
        "chat.Conversation", on_delete=models.CASCADE, related_name="mail_answers"
    )
    question = models.OneToOneField(
        "chat.Message", on_delete=models.CASCADE, related_name="mail_answer"
    )
    mode = models.CharField(max_length=8, choices=Mode.choices)
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
    reason = models.CharField(max_length=40, blank=True, default="")
    attempts = models.PositiveSmallIntegerField(default=1)
    # The draft as the assistant wrote it (checked by the output guardrails), its sources and
    # the language it is written in.
    text = models.TextField(blank=True, default="")
    citations = models.JSONField(default=list, blank=True)
    language = models.CharField(max_length=16, blank=True, default="")
    dont_know = models.BooleanField(default=False)
    # The assistant's message it became (answered, or sent after approval).
    answer = models.OneToOneField(
        "chat.Message", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Who sent or discarded the draft, when, and whether they changed its text first.
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    edited = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("assistant's e-mail answer")
        verbose_name_plural = _("assistant's e-mail answers")
        indexes = [
            # The desk asks for a conversation's open drafts on every page view.
            models.Index(
                fields=["conversation"], condition=Q(state="drafted"), name="mail_answer_drafts"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.mode}:{self.state}"
