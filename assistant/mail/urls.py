from django.urls import path

from assistant.mail import views

urlpatterns = [
    path("inbound/<str:target>/", views.relay_inbound, name="mail-relay-inbound"),
]
