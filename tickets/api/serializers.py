"""What the API reads and writes. Output serializers are also the webhook payloads' ``data``.

Fields that name customer-side objects (inbox, contact) look them up only among the objects this
user may see and answer "does not exist" for the others: the same words as for an id that exists
nowhere, so a 400 cannot reveal what a 404 hides. Assignees and teams are staff, not customer
data; for them the error says why they do not fit.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.validators import EmailValidator, RegexValidator
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from assistant.chat.models import Contact, Conversation, Inbox, Message
from assistant.chat.services import MAX_MESSAGE_CHARS
from assistant.compliance.rights import MAX_REASON_CHARS
from assistant.privacy.models import RightsRecord
from tickets import access
from tickets.api.attachments import MessageAttachmentSerializer
from tickets.api.fields import Text, object_id
from tickets.models import Note, Team, Ticket, TicketEvent

# The API's output representations, re-exported: views and the schema name them from here.
from tickets.representations import ContactSummarySerializer as ContactSummarySerializer
from tickets.representations import ConversationSerializer as ConversationSerializer
from tickets.representations import TeamSummarySerializer as TeamSummarySerializer
from tickets.representations import TicketSerializer as TicketSerializer
from tickets.representations import UserSummarySerializer

User = get_user_model()
MAX_TAGS = 20
MAX_NOTE_CHARS = 10_000


# ---------------------------------------------------------------------------------------------
# Small nested representations
# ---------------------------------------------------------------------------------------------


class ContactSerializer(serializers.ModelSerializer):
    class Meta:
        model = Contact
        fields = [
            "id", "inbox", "name", "email", "external_id", "language", "is_vip", "created_at",
            "last_seen_at",
        ]  # fmt: skip


class ErasureRequestSerializer(serializers.Serializer):
    reason = Text(
        max_length=MAX_REASON_CHARS,
        help_text=_(
            "Why the contact is erased, for the record (e.g. the request's reference). "
            "E-mail addresses, phone numbers and other detectable identifiers are replaced."
        ),
    )


class RightsRecordSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor_name", read_only=True)

    class Meta:
        model = RightsRecord
        fields = ["id", "kind", "channel", "created_at", "actor", "inbox", "contact_reference",
                  "reason", "counts"]  # fmt: skip


class ContactExportSerializer(serializers.Serializer):
    """The export format (docs/privacy.md, "Retention and the contact's rights")."""

    format = serializers.CharField(read_only=True)
    version = serializers.IntegerField(read_only=True)
    exported_at = serializers.DateTimeField(read_only=True)
    contact = serializers.DictField(read_only=True)
    conversations = serializers.ListField(child=serializers.DictField(), read_only=True)
    tickets = serializers.ListField(child=serializers.DictField(), read_only=True)
    outbound_model_calls = serializers.ListField(child=serializers.DictField(), read_only=True)


# ---------------------------------------------------------------------------------------------
# Tickets
# ---------------------------------------------------------------------------------------------


class _TicketFieldsMixin(serializers.Serializer):
    """Checks shared by create and update: the assignee and the team must fit the inbox."""

    def _check_people(self, attrs: dict[str, Any], inbox: Inbox) -> None:
        assignee = attrs.get("assignee")
        if (
            assignee is not None
            and not access.eligible_assignees(inbox).filter(pk=assignee.pk).exists()
        ):
            raise serializers.ValidationError(
                {"assignee": [_("This person does not work on this ticket's inbox.")]}
            )
        team = attrs.get("team")
        if team is not None and not team.inboxes.filter(pk=inbox.pk).exists():
            raise serializers.ValidationError(
                {"team": [_("This team does not serve this ticket's inbox.")]}
            )


class TicketCreateSerializer(_TicketFieldsMixin):
    inbox = serializers.PrimaryKeyRelatedField(queryset=Inbox.objects.none(), pk_field=object_id())
    contact = serializers.PrimaryKeyRelatedField(
        queryset=Contact.objects.none(),
        pk_field=serializers.UUIDField(),
        required=False,
        help_text=_("An existing contact of the inbox. Give this or contact_email."),
    )
    contact_email = Text(
        single_line=True,
        validators=[EmailValidator(message=_("Enter a valid email address."))],
        required=False,
        max_length=254,
        help_text=_("Find (or create) the inbox's contact with this email address."),
    )
    contact_name = Text(
        single_line=True, required=False, allow_blank=True, max_length=200, default=""
    )
    subject = Text(single_line=True, max_length=250)
    description = Text(required=False, allow_blank=True, max_length=MAX_NOTE_CHARS, default="")
    priority = serializers.ChoiceField(
        choices=Ticket.Priority.choices, required=False, default=Ticket.Priority.NORMAL
    )
    tags = serializers.ListField(
        child=Text(single_line=True, max_length=50),
        required=False,
        max_length=MAX_TAGS,
        default=list,
    )
    assignee = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.all(), pk_field=object_id(), required=False, allow_null=True
    )
    team = serializers.PrimaryKeyRelatedField(
        queryset=Team.objects.all(), pk_field=object_id(), required=False, allow_null=True
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            inboxes = access.visible_inboxes(request.user)
            self.fields["inbox"].queryset = inboxes
            self.fields["contact"].queryset = Contact.objects.filter(inbox__in=inboxes)

    def validate_subject(self, value: str) -> str:
        if not value.strip():
            raise serializers.ValidationError(_("A ticket needs a subject."))
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        contact, email = attrs.get("contact"), attrs.get("contact_email")
        if (contact is None) == (not email):
            raise serializers.ValidationError(
                {"contact": [_("Give either contact or contact_email.")]}
            )
        inbox = attrs["inbox"]
        if contact is not None and contact.inbox_id != inbox.pk:
            raise serializers.ValidationError(
                {"contact": [_("The contact belongs to another inbox.")]}
            )
        self._check_people(attrs, inbox)
        return attrs


class TicketUpdateSerializer(_TicketFieldsMixin):
    subject = Text(single_line=True, required=False, max_length=250)
    status = serializers.ChoiceField(choices=Ticket.Status.choices, required=False)
    priority = serializers.ChoiceField(choices=Ticket.Priority.choices, required=False)
    assignee = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.all(), pk_field=object_id(), required=False, allow_null=True
    )
    team = serializers.PrimaryKeyRelatedField(
        queryset=Team.objects.all(), pk_field=object_id(), required=False, allow_null=True
    )
    tags = serializers.ListField(
        child=Text(single_line=True, max_length=50), required=False, max_length=MAX_TAGS
    )

    def validate_subject(self, value: str) -> str:
        if not value.strip():
            raise serializers.ValidationError(_("A ticket needs a subject."))
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        self._check_people(attrs, self.context["ticket"].inbox)
        return attrs


class NoteSerializer(serializers.ModelSerializer):
    author = UserSummarySerializer(read_only=True, allow_null=True)

    class Meta:
        model = Note
        fields = ["id", "author", "text", "created_at"]
        read_only_fields = fields


class NoteCreateSerializer(serializers.Serializer):
    text = Text(max_length=MAX_NOTE_CHARS)


class TicketEventSerializer(serializers.ModelSerializer):
    actor = UserSummarySerializer(read_only=True, allow_null=True)
    before = serializers.JSONField(read_only=True, allow_null=True)
    after = serializers.JSONField(read_only=True, allow_null=True)

    class Meta:
        model = TicketEvent
        fields = ["id", "kind", "actor", "before", "after", "created_at"]
        read_only_fields = fields


# ---------------------------------------------------------------------------------------------
# Conversations and messages
# ---------------------------------------------------------------------------------------------


class MessageAuthorSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Message.Author.choices, read_only=True)
    name = serializers.CharField(read_only=True)


class MessageSerializer(serializers.ModelSerializer):
    id = serializers.SerializerMethodField()
    author = serializers.SerializerMethodField()
    citations = serializers.JSONField(read_only=True)
    attachments = MessageAttachmentSerializer(many=True, read_only=True)

    class Meta:
        model = Message
        fields = ["id", "seq", "author", "text", "citations", "attachments", "created_at"]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.STR)
    def get_id(self, message: Message) -> str:
        # The widget protocol's message id: stable, and meaningful only with its conversation.
        return f"{message.conversation_id}:{message.seq}"

    @extend_schema_field(MessageAuthorSerializer)
    def get_author(self, message: Message) -> dict[str, str]:
        return {"kind": message.author_kind, "name": message.author_name}


class MessageCreateSerializer(serializers.Serializer):
    text = Text(max_length=MAX_MESSAGE_CHARS)

    def validate_text(self, value: str) -> str:
        if not value.strip():
            raise serializers.ValidationError(_("The reply is empty."))
        return value


# ---------------------------------------------------------------------------------------------
# Query parameters (validated like bodies: a bad filter is a 400 naming the parameter)
# ---------------------------------------------------------------------------------------------


def _pattern(regex: str) -> RegexValidator:
    # Text trims surrounding whitespace and refuses line breaks first, so "$" cannot match
    # before a trailing newline here.
    return RegexValidator(regex, message=_("This value does not match the required pattern."))


class TicketFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Ticket.Status.choices, required=False)
    assignee = Text(
        single_line=True,
        validators=[_pattern(r"^(me|none|[1-9][0-9]{0,17})$")],
        required=False,
        help_text=_('A user id, "me" or "none" (unassigned).'),
    )
    team = Text(
        single_line=True,
        validators=[_pattern(r"^(none|[1-9][0-9]{0,17})$")],
        required=False,
        help_text=_('A team id or "none".'),
    )
    inbox = object_id(required=False)
    tag = Text(single_line=True, required=False, max_length=50)
    q = Text(
        single_line=True,
        required=False,
        max_length=200,
        help_text=_("Words in the subject or summary."),
    )

    def apply(self, tickets: QuerySet[Ticket], user: AbstractBaseUser) -> QuerySet[Ticket]:
        data = self.validated_data
        if "status" in data:
            tickets = tickets.filter(status=data["status"])
        if "assignee" in data:
            value = data["assignee"]
            if value == "none":
                tickets = tickets.filter(assignee__isnull=True)
            else:
                tickets = tickets.filter(assignee_id=user.pk if value == "me" else int(value))
        if "team" in data:
            value = data["team"]
            tickets = (
                tickets.filter(team__isnull=True)
                if value == "none"
                else tickets.filter(team_id=int(value))
            )
        if "inbox" in data:
            tickets = tickets.filter(inbox_id=data["inbox"])
        if data.get("tag"):
            tickets = tickets.filter(tags__contains=[" ".join(data["tag"].split()).lower()])
        if data.get("q", "").strip():
            words = data["q"].strip()
            tickets = tickets.filter(Q(subject__icontains=words) | Q(summary__icontains=words))
        return tickets


class ConversationFilterSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=Conversation.State.choices, required=False)
    inbox = object_id(required=False)

    def apply(self, conversations: QuerySet[Conversation]) -> QuerySet[Conversation]:
        data = self.validated_data
        if "state" in data:
            conversations = conversations.filter(state=data["state"])
        if "inbox" in data:
            conversations = conversations.filter(inbox_id=data["inbox"])
        return conversations


class MessageFilterSerializer(serializers.Serializer):
    after_seq = serializers.IntegerField(
        required=False,
        min_value=0,
        max_value=2**31 - 1,
        help_text=_("Only messages after this sequence number (to catch up)."),
    )
