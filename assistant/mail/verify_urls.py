from django.urls import path

from assistant.mail.verify_views import verify_address

urlpatterns = [
    path("mail/verify/<str:token>/", verify_address, name="mail-verify"),
]
