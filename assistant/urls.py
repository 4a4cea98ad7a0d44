from django.contrib import admin
from django.urls import include, path
from django.views.generic import TemplateView

from assistant import health
from assistant.demo_views import (
    demo_order_address,
    demo_order_return,
    demo_orders_list,
    demo_site,
)

urlpatterns = [
    path("", TemplateView.as_view(template_name="home.html"), name="home"),
    path("demo/", demo_site, name="demo"),
    path("demo/api/orders", demo_orders_list, name="demo-orders"),
    path("demo/api/orders/<str:number>/address", demo_order_address, name="demo-order-address"),
    path("demo/api/orders/<str:number>/return", demo_order_return, name="demo-order-return"),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("", include("assistant.chat.urls")),
    path("", include("tickets.accounts.urls")),
    path("", include("tickets.desk.urls")),
    path("help/", include("assistant.knowledge.urls")),
    path("", include("assistant.mail.verify_urls")),
    path("mail/", include("assistant.mail.urls")),
]
urlpatterns += [path("", include("tickets.api.urls"))]
urlpatterns += [path("analytics/", include("analytics.urls"))]
