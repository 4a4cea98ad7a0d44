"""What a ticket and a conversation look like to other programs: the REST API's output
(tickets/api/serializers.py) and the ``data`` of the webhook payloads (tickets/webhooks), one
representation so that one client model fits both. Here rather than in the API package so that
webhooks need not import the API (which uses the settings services that manage webhooks)."""

from __future__ import annotations

from django.contrib.auth.base_user import AbstractBaseUser
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from assistant.chat.models import Contact, Conversation
from tickets.models import Team, Ticket


class UserSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    username = serializers.CharField(read_only=True)
    name = serializers.SerializerMethodField()

    def get_name(self, user: AbstractBaseUser) -> str:
        return user.get_full_name() or user.get_username()


class TeamSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Team
        fields = ["id", "name"]


class ContactSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Contact
        fields = ["id", "name", "email", "external_id"]


class TicketSerializer(serializers.ModelSerializer):
    contact = ContactSummarySerializer(read_only=True)
    conversation = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True, pk_field=serializers.UUIDField()
    )
    assignee = UserSummarySerializer(read_only=True, allow_null=True)
    team = TeamSummarySerializer(read_only=True, allow_null=True)

    class Meta:
        model = Ticket
        fields = [
            "id", "subject", "status", "priority", "channel", "inbox", "contact", "conversation",
            "assignee", "team", "tags", "summary", "handoff_reason", "created_at", "updated_at",
            "solved_at", "first_response_due_at", "next_response_due_at", "resolution_due_at",
        ]  # fmt: skip
        read_only_fields = fields


class ConversationSerializer(serializers.ModelSerializer):
    contact = ContactSummarySerializer(read_only=True)
    assigned_agent = UserSummarySerializer(read_only=True, allow_null=True)
    ticket = serializers.SerializerMethodField()

    class Meta:
        model = Conversation
        fields = [
            "id", "inbox", "contact", "state", "language", "assigned_agent", "handoff_reason",
            "ticket", "last_seq", "csat_score", "csat_comment", "created_at", "updated_at",
            "first_response_at", "first_human_response_at", "handoff_at", "resolved_at",
        ]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field({"type": "integer", "nullable": True})
    def get_ticket(self, conversation: Conversation) -> int | None:
        # List views annotate ticket_pk (one query for the page); single objects look it up.
        if hasattr(conversation, "ticket_pk"):
            return conversation.ticket_pk
        return Ticket.objects.filter(conversation=conversation).values_list("pk", flat=True).first()
