"""The conversational side's data: inboxes, contacts, conversations, messages, model calls."""

from __future__ import annotations

import secrets
import uuid

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector
from django.core.files.storage import Storage, storages
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


def new_public_key() -> str:
    # Public: it sits in the company's web page. It names the inbox, it proves nothing.
    return "pk_" + secrets.token_urlsafe(18)


def new_identity_secret() -> str:
    # Secret: the company's server signs customer ids with it (HMAC-SHA256).
    return secrets.token_urlsafe(32)


class Inbox(models.Model):
    """A website channel: one widget installation with its own settings."""

    class Tone(models.TextChoices):
        FRIENDLY = "friendly", _("Friendly")
        FORMAL = "formal", _("Formal")
        CONCISE = "concise", _("Short and to the point")

    name = models.CharField(_("name"), max_length=200)
    # What visitors see in the widget's header; the internal name when empty.
    display_name = models.CharField(_("public display name"), max_length=80, blank=True, default="")
    # The widget's accent colour as #rrggbb; empty: the widget's own blue (or the tag's data-color).
    color = models.CharField(_("colour"), max_length=7, blank=True, default="")
    # The avatar as the PNG this server re-encoded from the upload (never the uploaded bytes),
    # small enough to keep in the row: no media storage to configure or back up separately.
    avatar_png = models.BinaryField(_("avatar"), null=True, blank=True, editable=False)
    # Changes with every new avatar, so the widget's cached image URL changes with it.
    avatar_version = models.CharField(max_length=16, blank=True, default="", editable=False)
    public_key = models.CharField(
        _("public key"), max_length=64, unique=True, default=new_public_key
    )
    allowed_origins = models.JSONField(
        _("allowed origins"),
        default=list,
        blank=True,
        help_text=_("Origins (scheme://host[:port]) allowed to embed the widget."),
    )
    greeting = models.TextField(_("greeting"), blank=True, default="")
    instructions = models.TextField(_("assistant instructions"), blank=True, default="")
    tone = models.CharField(_("tone"), max_length=16, choices=Tone.choices, default=Tone.FRIENDLY)
    default_language = models.CharField(_("default language"), max_length=16, default="en")
    bot_enabled = models.BooleanField(_("assistant answers"), default=True)
    identity_secret = models.CharField(
        _("identity verification secret"), max_length=128, default=new_identity_secret
    )
    model_route = models.CharField(_("model route"), max_length=64, default="reply")
    model_split_percent = models.PositiveSmallIntegerField(
        _("share on the comparison route (%)"),
        default=0,
        validators=[MaxValueValidator(100)],
        help_text=_(
            "New conversations sent to the second reply route (LLM_ROUTE_REPLY_B), to compare "
            "two models in analytics."
        ),
    )
    token_budget = models.PositiveIntegerField(
        _("token budget per conversation"),
        default=60_000,
        help_text=_(
            "Model tokens (input and output) one conversation may use before a human takes over."
        ),
    )
    handoff_keywords = models.JSONField(
        _("handoff keywords"),
        default=list,
        blank=True,
        help_text=_(
            "Words or phrases (any language) that send a conversation straight to a person."
        ),
    )
    vip_to_person = models.BooleanField(
        _("VIP customers go straight to a person"),
        default=True,
        help_text=_("Customers marked VIP are handed to a person before the assistant answers."),
    )
    idle_resolve_minutes = models.PositiveIntegerField(
        _("resolve idle conversations after (minutes)"),
        default=24 * 60,
        help_text=_("0 keeps idle conversations open."),
    )
    answer_while_waiting = models.BooleanField(
        _("assistant answers while the customer waits for a person"),
        default=True,
        help_text=_(
            "Until an agent joins, the assistant keeps answering what the knowledge base covers."
        ),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("inbox")
        verbose_name_plural = _("inboxes")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def allows_origin(self, origin: str | None) -> bool:
        return bool(origin) and origin.rstrip("/") in {o.rstrip("/") for o in self.allowed_origins}

    @property
    def public_name(self) -> str:
        return self.display_name or self.name

    @property
    def prompt_instructions(self) -> str:
        """The company's instructions for the assistant, with the tone chosen for this inbox."""
        tone = TONE_PROMPTS.get(self.tone, "")
        return "\n\n".join(part for part in (tone, self.instructions.strip()) if part)


# Prompt text, not user-visible: the model reads English instructions best whatever the
# customer's language (the rules tell it to answer in theirs).
TONE_PROMPTS = {
    Inbox.Tone.FRIENDLY: "Tone: warm and friendly, as a helpful colleague would write.",
    Inbox.Tone.FORMAL: "Tone: formal and polite; address the customer formally where the "
    "language distinguishes it.",
    Inbox.Tone.CONCISE: "Tone: short and to the point; no small talk.",
}


class Contact(models.Model):
    """A person who wrote to an inbox: an anonymous visitor or a verified customer."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    inbox = models.ForeignKey(Inbox, on_delete=models.CASCADE, related_name="contacts")
    # The company's own customer id, set only through identity verification (HMAC).
    # NULL, not "": anonymous contacts must not collide in the unique constraint below.
    external_id = models.CharField(_("customer id"), max_length=200, null=True, blank=True)  # noqa: DJ001
    name = models.CharField(_("name"), max_length=200, blank=True, default="")
    email = models.EmailField(_("email"), blank=True, default="")
    # SHA-256 of the secret this visitor's browser holds; the secret itself is never stored.
    visitor_secret_hash = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001
    language = models.CharField(_("language"), max_length=16, blank=True, default="")
    # The visitor's IANA time zone as their browser reports it: when the team is back is told
    # in their own time.
    time_zone = models.CharField(_("time zone"), max_length=64, blank=True, default="")
    is_vip = models.BooleanField(_("VIP"), default=False)
    # When this contact proved they own ``email`` (a link sent to it was opened, or the company's
    # identity verification vouched for it). Only then may mail from that address join this
    # contact's conversations: an address merely typed into the widget never does.
    email_verified_at = models.DateTimeField(_("email verified"), null=True, blank=True)
    # Generated demo history (assistant/demo_history.py): its conversations hang off these
    # contacts, so `manage.py demo --remove-history` removes exactly them and nothing real.
    is_demo = models.BooleanField(_("demo data"), default=False, db_default=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_seen_at = models.DateTimeField(_("last seen"), auto_now=True)

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        constraints = [
            models.UniqueConstraint(
                fields=["inbox", "external_id"],
                condition=Q(external_id__isnull=False),
                name="contact_unique_external_id_per_inbox",
            ),
            models.UniqueConstraint(
                fields=["visitor_secret_hash"],
                condition=Q(visitor_secret_hash__isnull=False),
                name="contact_unique_visitor_secret",
            ),
        ]

    def __str__(self) -> str:
        return (
            self.name
            or self.email
            or self.external_id
            or _("Visitor %(id)s") % {"id": str(self.id)[:8]}
        )

    @property
    def display_name(self) -> str:
        return str(self)


class Conversation(models.Model):
    """One thread between a contact and the company, first with the assistant, maybe a human."""

    class State(models.TextChoices):
        BOT = "bot", _("With the assistant")
        WAITING = "waiting", _("Waiting for a human")
        AGENT = "agent", _("With an agent")
        RESOLVED = "resolved", _("Resolved")

    OPEN_STATES = (State.BOT, State.WAITING, State.AGENT)

    class Channel(models.TextChoices):
        CHAT = "chat", _("Chat")
        EMAIL = "email", _("E-mail")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    inbox = models.ForeignKey(Inbox, on_delete=models.CASCADE, related_name="conversations")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="conversations")
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.BOT)
    # Where the conversation started: the widget's chat or a mail to the inbox's address. A chat
    # may continue by e-mail when the visitor has left; its channel stays "chat".
    channel = models.CharField(
        _("channel"),
        max_length=16,
        choices=Channel.choices,
        default=Channel.CHAT,
        db_default=Channel.CHAT,
    )
    # The e-mail subject of a conversation that started by mail (replies keep it, "Re: ...").
    subject = models.CharField(_("subject"), max_length=255, blank=True, default="")
    language = models.CharField(_("language"), max_length=16, default="en")
    model_route = models.CharField(_("model route"), max_length=64, default="reply")
    # The highest sequence number given to a message; messages get last_seq + 1 under a row lock.
    last_seq = models.PositiveIntegerField(default=0)
    tokens_used = models.PositiveIntegerField(_("model tokens used"), default=0)
    assigned_agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_conversations",
    )
    handoff_reason = models.CharField(_("handoff reason"), max_length=64, blank=True, default="")
    # Consecutive assistant answers without support in the knowledge base.
    dont_know_streak = models.PositiveSmallIntegerField(default=0)
    # Written when the conversation is resolved (Celery), for the customer's history and analytics.
    summary = models.TextField(_("summary"), blank=True, default="")
    topic = models.CharField(_("topic"), max_length=64, blank=True, default="", db_index=True)
    csat_score = models.PositiveSmallIntegerField(_("rating"), null=True, blank=True)
    csat_comment = models.TextField(_("rating comment"), blank=True, default="")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    first_response_at = models.DateTimeField(_("first response"), null=True, blank=True)
    first_human_response_at = models.DateTimeField(_("first human response"), null=True, blank=True)
    handoff_at = models.DateTimeField(_("handed off"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)

    class Meta:
        verbose_name = _("conversation")
        verbose_name_plural = _("conversations")
        indexes = [
            # The desk's queues: open conversations of an inbox by state, newest activity first.
            models.Index(fields=["inbox", "state", "-updated_at"], name="conv_inbox_state_updated"),
            # A contact's current and earlier conversations.
            models.Index(fields=["contact", "-created_at"], name="conv_contact_created"),
            # Analytics scans by creation time, and its refresh finds changes by update time.
            models.Index(fields=["created_at"], name="conv_created"),
            models.Index(fields=["updated_at"], name="conv_updated"),
        ]

    def __str__(self) -> str:
        return f"{self.contact} ({self.get_state_display()})"

    @property
    def is_open(self) -> bool:
        return self.state in self.OPEN_STATES


class Message(models.Model):
    """One message in a conversation, in the order its sequence number gives."""

    class Author(models.TextChoices):
        CUSTOMER = "customer", _("Customer")
        ASSISTANT = "assistant", _("Assistant")
        AGENT = "agent", _("Agent")
        SYSTEM = "system", _("System")

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="messages"
    )
    seq = models.PositiveIntegerField()
    # The sending client's id for this message, so a retried send is stored once.
    client_id = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001
    author_kind = models.CharField(max_length=16, choices=Author.choices)
    author_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The name shown with the message, kept as it was when the message was sent.
    author_name = models.CharField(max_length=200, blank=True, default="")
    text = models.TextField()
    citations = models.JSONField(default=list, blank=True)
    # An assistant answer without support in the knowledge base (its "don't know"): the
    # knowledge-gaps page groups the questions these answered.
    unanswered = models.BooleanField(default=False, db_default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["conversation", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["conversation", "seq"], name="message_unique_seq"),
            models.UniqueConstraint(
                fields=["conversation", "client_id"],
                condition=Q(client_id__isnull=False),
                name="message_unique_client_id",
            ),
        ]
        indexes = [
            models.Index(fields=["created_at"], name="message_created"),
            # The knowledge-gaps page reads the unanswered few out of all answers, by date.
            models.Index(
                fields=["created_at"], condition=Q(unanswered=True), name="message_unanswered"
            ),
            # The desk's full-text search over everything customers and agents wrote.
            GinIndex(SearchVector("text", config="simple"), name="message_text_search"),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.author_kind}: {self.text[:40]}"


def attachment_storage() -> Storage:
    # A callable, so settings.STORAGES["attachments"] (local files or an S3-compatible bucket)
    # decides at run time and migrations do not record a backend.
    return storages["attachments"]


def attachment_path(instance: Attachment, filename: str) -> str:
    # A random name under the conversation's folder: nothing the uploader chose reaches the
    # storage path, and erasing a conversation can remove its folder as a whole.
    return f"attachments/{instance.conversation_id}/{uuid.uuid4().hex}{_suffix(filename)}"


def _suffix(filename: str) -> str:
    # The suffix attachment_store gave from the detected type (".jpg", ".pdf"...), never the
    # uploader's.
    dot = filename.rfind(".")
    return filename[dot:] if dot != -1 and len(filename) - dot <= 6 else ""


class Attachment(models.Model):
    """A file a customer, an agent or an e-mail brought into a conversation.

    Stored through Django's storage API (STORAGES["attachments"]); checked and, for images,
    re-encoded by ``assistant/chat/attachments.py`` before it is stored. Served only through
    signed, expiring URLs (docs/attachments.md).
    """

    class Source(models.TextChoices):
        CUSTOMER = "customer", _("Customer")
        AGENT = "agent", _("Agent")
        EMAIL = "email", _("E-mail")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="attachments"
    )
    # Empty between the upload and the message that carries it (the widget uploads first,
    # then sends the message frame naming the attachment ids).
    message = models.ForeignKey(
        Message, on_delete=models.CASCADE, null=True, blank=True, related_name="attachments"
    )
    file = models.FileField(
        _("file"), upload_to=attachment_path, storage=attachment_storage, max_length=255
    )
    # The uploader's file name, sanitised (no path, no control characters); shown, never used
    # as a path.
    name = models.CharField(_("name"), max_length=200)
    # Detected from the content (magic bytes), never taken from the name or the uploader.
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveIntegerField(_("size in bytes"))
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    source = models.CharField(_("source"), max_length=16, choices=Source.choices)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["created_at"]
        indexes = [models.Index(fields=["conversation", "created_at"], name="attachment_conv")]

    def __str__(self) -> str:
        return f"{self.name} ({self.content_type}, {self.size} bytes)"

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")
