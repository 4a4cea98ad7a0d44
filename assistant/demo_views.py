import json
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from assistant import demo_orders
from assistant.chat.models import Inbox
from assistant.chat.tokens import identity_hash
from assistant.demo import DEMO_INBOX_KEY


def demo_site(request: HttpRequest) -> HttpResponse:
    """The fictional company's website, with the widget embedded by its one script tag, and a
    switch to be signed in as one of the demo customers (the widget's HMAC identity, computed
    here as the company's own server would)."""
    customer = next(
        (c for c in demo_orders.DEMO_CUSTOMERS if c.id == request.GET.get("customer")), None
    )
    identity = None
    inbox = Inbox.objects.filter(public_key=DEMO_INBOX_KEY).only("identity_secret").first()
    if customer is not None and inbox is not None:
        identity = {
            "id": customer.id,
            "hash": identity_hash(secret=inbox.identity_secret, customer_id=customer.id),
            "name": customer.name,
            "email": customer.email,
        }
    context = {
        "inbox_key": DEMO_INBOX_KEY,
        "customers": demo_orders.DEMO_CUSTOMERS,
        "customer": customer,
        "identity": identity,
    }
    return render(request, "demo/index.html", context)


def _api(request: HttpRequest, work: Any) -> JsonResponse:
    """The demo order API's checks: the API key, then the customer the caller vouches for."""
    if not demo_orders.key_is_valid(request.headers.get("X-Demo-Key")):
        return JsonResponse({"error": "A valid X-Demo-Key is needed."}, status=401)
    customer = request.headers.get("X-Customer-Id", "")
    if not customer:
        return JsonResponse({"error": "Only signed-in customers have orders."}, status=401)
    try:
        return JsonResponse(work(customer))
    except demo_orders.OrderError as error:
        return JsonResponse({"error": error.message}, status=error.status)


def _body(request: HttpRequest) -> dict[str, Any]:
    try:
        data = json.loads(request.body or b"{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


@require_GET
def demo_orders_list(request: HttpRequest) -> JsonResponse:
    number = request.GET.get("order_id", "")
    return _api(request, lambda customer: demo_orders.orders_of(customer, number))


# Called by the assistant's actions with their secret header, never by a browser: no session,
# so no CSRF token to check.
@csrf_exempt
@require_POST
def demo_order_address(request: HttpRequest, number: str) -> JsonResponse:
    address = str(_body(request).get("address", ""))
    return _api(request, lambda customer: demo_orders.change_address(customer, number, address))


@csrf_exempt
@require_POST
def demo_order_return(request: HttpRequest, number: str) -> JsonResponse:
    reason = str(_body(request).get("reason", ""))
    return _api(request, lambda customer: demo_orders.start_return(customer, number, reason))
