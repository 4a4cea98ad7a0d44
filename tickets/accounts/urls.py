from django.contrib.auth import views as auth_views
from django.urls import path

from tickets.accounts import enrolment, reset, signin

urlpatterns = [
    path("accounts/login/", signin.PasswordStepView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/two-factor/verify/", signin.verify_code, name="accounts-verify"),
    path("accounts/two-factor/setup/", enrolment.setup, name="accounts-setup"),
    path("accounts/two-factor/", enrolment.manage, name="accounts-two-factor"),
    path(
        "accounts/two-factor/recovery-codes/",
        enrolment.recovery_codes_new,
        name="accounts-recovery-codes",
    ),
    path("accounts/two-factor/remove/", enrolment.remove, name="accounts-two-factor-remove"),
    path(
        "accounts/password-reset/",
        reset.RateLimitedPasswordResetView.as_view(),
        name="password_reset",
    ),
    path(
        "accounts/password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(
            template_name="registration/password_reset_done.html"
        ),
        name="password_reset_done",
    ),
    path(
        "accounts/reset/<uidb64>/<token>/",
        reset.AuditedPasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "accounts/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="registration/password_reset_complete.html"
        ),
        name="password_reset_complete",
    ),
]
