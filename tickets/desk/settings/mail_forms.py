"""The e-mail settings page's form. It only parses what was sent; the rules are the service's
(tickets/workspace/mail_accounts.py)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from assistant.formfields import TextField
from assistant.mail.models import MailAccount
from tickets.workspace.mail_accounts import EDITABLE_FIELDS, MAX_LINE_CHARS, MAX_SIGNATURE_CHARS


class MailAccountForm(forms.Form):
    address = forms.EmailField(
        label=_("Address"),
        max_length=MAX_LINE_CHARS,
        help_text=_("Where customers write, e.g. support@your-company.com."),
    )
    enabled = forms.BooleanField(
        label=_("Receive e-mail"),
        required=False,
        help_text=_("Off: no mail is fetched or accepted for this inbox."),
    )
    assistant_mode = forms.ChoiceField(
        label=_("The assistant on e-mail"),
        choices=MailAccount.AssistantMode.choices,
        widget=forms.RadioSelect,
        help_text=_(
            "Drafts wait in the conversation until an agent sends or discards them; "
            "nothing goes out before."
        ),
    )
    signature = TextField(
        label=_("Signature"),
        required=False,
        max_length=MAX_SIGNATURE_CHARS,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Added under every reply sent by e-mail."),
    )
    imap_host = TextField(
        label=_("IMAP server"),
        required=False,
        single_line=True,
        max_length=MAX_LINE_CHARS,
        help_text=_("Leave empty if mail only arrives through the relay."),
    )
    imap_port = forms.IntegerField(label=_("IMAP port"), min_value=1, max_value=65535)
    imap_security = forms.ChoiceField(label=_("Security"), choices=MailAccount.Security.choices)
    imap_username = TextField(
        label=_("IMAP user"), required=False, single_line=True, max_length=MAX_LINE_CHARS
    )
    imap_password = forms.CharField(
        label=_("IMAP password"),
        required=False,
        max_length=MAX_LINE_CHARS,
        strip=False,
        # Write-only: never rendered back into the page.
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_("Stored encrypted and never shown again. Leave empty to keep the saved one."),
    )
    imap_folder = TextField(
        label=_("IMAP folder"), required=False, single_line=True, max_length=MAX_LINE_CHARS
    )

    @classmethod
    def for_account(cls, account: MailAccount | None, **kwargs: Any) -> MailAccountForm:
        shown = account or MailAccount()
        initial = {name: getattr(shown, name) for name in EDITABLE_FIELDS}
        return cls(initial=initial, **kwargs)

    def changes(self) -> dict[str, Any]:
        """The account's fields as sent (the password goes its own way)."""
        return {name: self.cleaned_data[name] for name in EDITABLE_FIELDS}
