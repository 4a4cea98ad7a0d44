from django.urls import include, path

from tickets.desk import articles, attachments, bulk, contacts, gaps, mail_drafts, privacy, views

urlpatterns = [
    path("desk/", views.home, name="desk-home"),
    path("desk/q/<slug:queue>/", views.queue, name="desk-queue"),
    path("desk/q/<slug:queue>/bulk", bulk.bulk_action, name="desk-bulk"),
    path("desk/c/<uuid:conversation_id>/", views.conversation_page, name="desk-conversation"),
    path("desk/c/<uuid:conversation_id>/takeover", views.takeover, name="desk-takeover"),
    path("desk/c/<uuid:conversation_id>/handback", views.handback, name="desk-handback"),
    path("desk/c/<uuid:conversation_id>/resolve", views.resolve, name="desk-resolve"),
    path("desk/c/<uuid:conversation_id>/reply", views.reply, name="desk-reply"),
    path("desk/attachments/<str:token>", attachments.desk_attachment, name="desk-attachment"),
    path("desk/c/<uuid:conversation_id>/suggest", views.suggest, name="desk-suggest"),
    path("desk/c/<uuid:conversation_id>/note", views.add_note, name="desk-conversation-note"),
    path(
        "desk/c/<uuid:conversation_id>/ticket", views.update_ticket, name="desk-conversation-ticket"
    ),
    path(
        "desk/c/<uuid:conversation_id>/mail-drafts/",
        mail_drafts.drafts_fragment,
        name="desk-mail-drafts",
    ),
    path(
        "desk/c/<uuid:conversation_id>/mail-drafts/<int:draft_id>/send",
        mail_drafts.send,
        name="desk-mail-draft-send",
    ),
    path(
        "desk/c/<uuid:conversation_id>/mail-drafts/<int:draft_id>/discard",
        mail_drafts.discard,
        name="desk-mail-draft-discard",
    ),
    path("desk/c/<uuid:conversation_id>/canned/<int:canned_id>", views.canned, name="desk-canned"),
    path("desk/t/new/", views.new_ticket, name="desk-new-ticket"),
    path("desk/t/<int:ticket_id>/", views.ticket_page, name="desk-ticket"),
    path("desk/t/<int:ticket_id>/note", views.add_note, name="desk-ticket-note"),
    path("desk/t/<int:ticket_id>/update", views.update_ticket, name="desk-ticket-update"),
    path("desk/availability", views.availability, name="desk-availability"),
    path("desk/articles/", articles.article_list, name="desk-articles"),
    path("desk/articles/new/", articles.article_edit, name="desk-article-new"),
    path("desk/articles/<int:article_id>/", articles.article_edit, name="desk-article-edit"),
    path("desk/articles/preview", articles.article_preview, name="desk-article-preview"),
    path("desk/gaps/", gaps.gap_list, name="desk-gaps"),
    path("desk/gaps/draft", gaps.gap_article_draft, name="desk-gap-draft"),
    path("desk/contacts/<uuid:contact_id>/export", contacts.export, name="desk-contact-export"),
    path("desk/contacts/<uuid:contact_id>/erase", contacts.erase, name="desk-contact-erase"),
    path("desk/erasures/<int:record_id>/", contacts.erasure, name="desk-erasure"),
    path("desk/inboxes/", privacy.inbox_list, name="desk-inboxes"),
    path("desk/inboxes/<int:inbox_id>/", privacy.inbox_detail, name="desk-inbox"),
    path(
        "desk/inboxes/<int:inbox_id>/assistant",
        privacy.inbox_assistant,
        name="desk-inbox-assistant",
    ),
    path("", include("tickets.desk.settings.urls")),
]
