from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from assistant.demo import DEMO_INBOX_KEY


def demo_site(request: HttpRequest) -> HttpResponse:
    """The fictional company's website, with the widget embedded by its one script tag."""
    return render(request, "demo/index.html", {"inbox_key": DEMO_INBOX_KEY})
