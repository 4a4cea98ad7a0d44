"""REST API views: parse, call one service of tickets.services, answer.

Every queryset starts from tickets.access, so an object outside the user's inboxes is simply
not there: 404, with the same body as an id that exists nowhere.
"""

from __future__ import annotations

from typing import Any

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer
from rest_framework.views import APIView

from assistant.chat.models import Contact, Conversation, Message
from assistant.chat.services import ChatError
from assistant.compliance import rights
from assistant.privacy.models import RightsRecord
from tickets import access, services
from tickets.api import serializers as s
from tickets.api.errors import Conflict, ErrorSerializer
from tickets.models import Ticket

CONFLICT = OpenApiResponse(ErrorSerializer, description="The conversation's state forbids it.")


def _validated(serializer_class: type[BaseSerializer], data: Any, **context: Any) -> Any:
    serializer = serializer_class(data=data, context=context)
    serializer.is_valid(raise_exception=True)
    return serializer


def _chat_error(error: ChatError) -> Exception:
    """A chat-side refusal as an API error: state conflicts are 409, bad text is 400."""
    if error.code in ("invalid", "too_long"):
        return ValidationError({"text": [error.message]})
    return Conflict(detail=error.message, code=error.code)


class _Paginated:
    """List helpers shared by the viewsets' own lists and their sub-resource lists."""

    def page_of(self, queryset: QuerySet[Any], serializer_class: type[BaseSerializer]) -> Response:
        view: Any = self
        page = view.paginate_queryset(queryset)
        # The request makes the absolute URLs some representations carry (attachments).
        serialized = serializer_class(page, many=True, context={"request": view.request})
        return view.get_paginated_response(serialized.data)


# ---------------------------------------------------------------------------------------------
# Tickets
# ---------------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        operation_id="tickets_list",
        summary="List tickets",
        parameters=[s.TicketFilterSerializer],
    ),
    retrieve=extend_schema(operation_id="tickets_retrieve", summary="Get a ticket"),
)
class TicketViewSet(_Paginated, viewsets.GenericViewSet):
    """Tickets of the inboxes your teams serve (all inboxes for admins)."""

    serializer_class = s.TicketSerializer
    lookup_value_converter = "int"

    def get_queryset(self) -> QuerySet[Ticket]:
        return (
            access.visible_tickets(self.request.user)
            .select_related("contact", "assignee", "team")
            .order_by("-updated_at", "-id")
        )

    def list(self, request: Request) -> Response:
        filters = _validated(s.TicketFilterSerializer, request.query_params)
        return self.page_of(filters.apply(self.get_queryset(), request.user), s.TicketSerializer)

    def retrieve(self, request: Request, pk: int) -> Response:
        return Response(s.TicketSerializer(self.get_object()).data)

    @extend_schema(
        operation_id="tickets_create",
        summary="Create a ticket (channel: api)",
        request=s.TicketCreateSerializer,
        responses={201: s.TicketSerializer},
    )
    def create(self, request: Request) -> Response:
        data = _validated(s.TicketCreateSerializer, request.data, request=request).validated_data
        try:
            ticket = services.ticket_open(
                inbox=data["inbox"],
                contact=data.get("contact"),
                contact_email=data.get("contact_email", ""),
                contact_name=data.get("contact_name", ""),
                subject=data["subject"],
                by=request.user,
                channel=Ticket.Channel.API,
                priority=data["priority"],
                tags=data["tags"],
                assignee=data.get("assignee"),
                team=data.get("team"),
                description=data["description"],
            )
        except services.TicketError as error:
            raise ValidationError({"non_field_errors": [error.message]}) from error
        ticket = self.get_queryset().get(pk=ticket.pk)
        return Response(s.TicketSerializer(ticket).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        operation_id="tickets_partial_update",
        summary="Change a ticket (each change is recorded in its events)",
        request=s.TicketUpdateSerializer,
        responses={200: s.TicketSerializer},
    )
    def partial_update(self, request: Request, pk: int) -> Response:
        ticket = self.get_object()
        changes = _validated(s.TicketUpdateSerializer, request.data, ticket=ticket).validated_data
        try:
            services.ticket_update(ticket=ticket, by=request.user, **changes)
        except services.TicketError as error:
            raise ValidationError({"non_field_errors": [error.message]}) from error
        return Response(s.TicketSerializer(self.get_object()).data)

    @extend_schema(
        methods=["GET"],
        operation_id="tickets_notes_list",
        summary="List a ticket's private notes",
        responses={200: s.NoteSerializer(many=True)},
    )
    @extend_schema(
        methods=["POST"],
        operation_id="tickets_notes_create",
        summary="Add a private note (never shown to the customer)",
        request=s.NoteCreateSerializer,
        responses={201: s.NoteSerializer},
    )
    @action(detail=True, methods=["get", "post"], url_path="notes")
    def notes(self, request: Request, pk: int) -> Response:
        ticket = self.get_object()
        if request.method == "GET":
            notes = ticket.notes.select_related("author").order_by("created_at", "id")
            return self.page_of(notes, s.NoteSerializer)
        text = _validated(s.NoteCreateSerializer, request.data).validated_data["text"]
        try:
            note = services.note_add(ticket=ticket, author=request.user, text=text)
        except services.TicketError as error:
            raise ValidationError({"text": [error.message]}) from error
        return Response(s.NoteSerializer(note).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        operation_id="tickets_events_list",
        summary="The ticket's audit trail, oldest first",
        responses={200: s.TicketEventSerializer(many=True)},
    )
    @action(detail=True, methods=["get"], url_path="events")
    def events(self, request: Request, pk: int) -> Response:
        ticket = self.get_object()
        events = ticket.events.select_related("actor").order_by("created_at", "id")
        return self.page_of(events, s.TicketEventSerializer)


# ---------------------------------------------------------------------------------------------
# Conversations
# ---------------------------------------------------------------------------------------------


def _conversations_for(user: Any) -> QuerySet[Conversation]:
    ticket = Ticket.objects.filter(conversation=OuterRef("pk")).values("pk")[:1]
    return (
        access.visible_conversations(user)
        .select_related("contact", "assigned_agent")
        .annotate(ticket_pk=Subquery(ticket))
        .order_by("-updated_at", "-id")
    )


_ACTION_RESPONSES = {200: s.ConversationSerializer, 409: CONFLICT}


@extend_schema_view(
    list=extend_schema(
        operation_id="conversations_list",
        summary="List conversations",
        parameters=[s.ConversationFilterSerializer],
    ),
    retrieve=extend_schema(operation_id="conversations_retrieve", summary="Get a conversation"),
)
class ConversationViewSet(_Paginated, viewsets.GenericViewSet):
    """Conversations of the inboxes your teams serve (all inboxes for admins)."""

    serializer_class = s.ConversationSerializer
    lookup_value_converter = "uuid"

    def get_queryset(self) -> QuerySet[Conversation]:
        return _conversations_for(self.request.user)

    def list(self, request: Request) -> Response:
        filters = _validated(s.ConversationFilterSerializer, request.query_params)
        return self.page_of(filters.apply(self.get_queryset()), s.ConversationSerializer)

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(s.ConversationSerializer(self.get_object()).data)

    def _answer(self, conversation: Conversation) -> Response:
        return Response(s.ConversationSerializer(self.get_queryset().get(pk=conversation.pk)).data)

    @extend_schema(
        methods=["GET"],
        operation_id="conversations_messages_list",
        summary="The transcript, in order (notes are never part of it)",
        parameters=[s.MessageFilterSerializer],
        responses={200: s.MessageSerializer(many=True)},
    )
    @extend_schema(
        methods=["POST"],
        operation_id="conversations_messages_create",
        summary="Reply to the customer as yourself (takes the conversation over)",
        request=s.MessageCreateSerializer,
        responses={201: s.MessageSerializer, 409: CONFLICT},
    )
    @action(detail=True, methods=["get", "post"], url_path="messages")
    def messages(self, request: Request, pk: str) -> Response:
        conversation = self.get_object()
        if request.method == "GET":
            after = _validated(s.MessageFilterSerializer, request.query_params).validated_data
            messages = (
                Message.objects.filter(conversation=conversation)
                .prefetch_related("attachments")
                .order_by("seq")
            )
            if "after_seq" in after:
                messages = messages.filter(seq__gt=after["after_seq"])
            return self.page_of(messages, s.MessageSerializer)
        text = _validated(s.MessageCreateSerializer, request.data).validated_data["text"]
        try:
            message = services.reply(conversation=conversation, agent=request.user, text=text)
        except ChatError as error:
            raise _chat_error(error) from error
        answer = s.MessageSerializer(message, context={"request": request})
        return Response(answer.data, status=status.HTTP_201_CREATED)

    @extend_schema(
        operation_id="conversations_takeover",
        summary="Take the conversation over from the assistant",
        request=None,
        responses=_ACTION_RESPONSES,
    )
    @action(detail=True, methods=["post"], url_path="takeover")
    def takeover(self, request: Request, pk: str) -> Response:
        conversation = self.get_object()
        try:
            services.takeover(conversation=conversation, agent=request.user)
        except ChatError as error:
            raise _chat_error(error) from error
        return self._answer(conversation)

    @extend_schema(
        operation_id="conversations_handback",
        summary="Give the conversation back to the assistant",
        request=None,
        responses=_ACTION_RESPONSES,
    )
    @action(detail=True, methods=["post"], url_path="handback")
    def handback(self, request: Request, pk: str) -> Response:
        conversation = self.get_object()
        try:
            services.handback(conversation=conversation, agent=request.user)
        except ChatError as error:
            raise _chat_error(error) from error
        return self._answer(conversation)

    @extend_schema(
        operation_id="conversations_resolve",
        summary="Resolve the conversation and solve its ticket",
        request=None,
        responses=_ACTION_RESPONSES,
    )
    @action(detail=True, methods=["post"], url_path="resolve")
    def resolve(self, request: Request, pk: str) -> Response:
        conversation = self.get_object()
        try:
            services.resolve(conversation=conversation, agent=request.user)
        except ChatError as error:
            raise _chat_error(error) from error
        return self._answer(conversation)


# ---------------------------------------------------------------------------------------------
# Contacts
# ---------------------------------------------------------------------------------------------


@extend_schema_view(
    retrieve=extend_schema(operation_id="contacts_retrieve", summary="Get a contact"),
)
class ContactViewSet(_Paginated, viewsets.GenericViewSet):
    """People who wrote to the inboxes your teams serve."""

    serializer_class = s.ContactSerializer
    lookup_value_converter = "uuid"

    def get_queryset(self) -> QuerySet[Contact]:
        return Contact.objects.filter(inbox__in=access.visible_inboxes(self.request.user))

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(s.ContactSerializer(self.get_object()).data)

    def _managed_object(self) -> Contact:
        """The contact (404 outside the user's inboxes), for a manager or admin only (403)."""
        contact = self.get_object()
        if not access.is_manager(self.request.user):
            raise PermissionDenied(_("Only managers and admins may export or erase contacts."))
        return contact

    @extend_schema(
        operation_id="contacts_export",
        summary="Everything kept about the contact, as JSON (managers and admins; recorded)",
        responses={200: s.ContactExportSerializer},
    )
    @action(detail=True, methods=["get"], url_path="export")
    def export(self, request: Request, pk: str) -> Response:
        contact = self._managed_object()
        data = rights.export_contact(
            contact=contact, by=request.user, channel=RightsRecord.Channel.API
        )
        return Response(data, headers={"Cache-Control": "no-store"})

    @extend_schema(
        operation_id="contacts_erase",
        summary="Erase the contact and everything about them (managers and admins; recorded)",
        request=s.ErasureRequestSerializer,
        responses={200: s.RightsRecordSerializer},
    )
    @action(detail=True, methods=["post"], url_path="erase")
    def erase(self, request: Request, pk: str) -> Response:
        contact = self._managed_object()
        reason = _validated(s.ErasureRequestSerializer, request.data).validated_data["reason"]
        record = rights.erase_contact(
            contact=contact, by=request.user, channel=RightsRecord.Channel.API, reason=reason
        )
        return Response(s.RightsRecordSerializer(record).data)

    @extend_schema(
        operation_id="contacts_conversations_list",
        summary="The contact's conversations, newest activity first",
        responses={200: s.ConversationSerializer(many=True)},
    )
    @action(detail=True, methods=["get"], url_path="conversations")
    def conversations(self, request: Request, pk: str) -> Response:
        contact = self.get_object()
        return self.page_of(
            _conversations_for(request.user).filter(contact=contact), s.ConversationSerializer
        )


@extend_schema(exclude=True)
class NotFoundView(APIView):
    """Any other path under /api/v1/: a JSON 404 after the usual 401/403 checks, so a malformed
    id (not a number, not a UUID) answers like a missing one."""

    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        raise NotFound()

    post = put = patch = delete = get
