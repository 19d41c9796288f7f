"""Staff sign-in: password plus, when STAFF_MFA is on, a TOTP code in the same form.

django-otp verifies the code (replay protection, throttling after failures); we only
pick the device, since our staff have one authenticator each and the contract's form
has no device field.
"""

import time

from axes.models import AccessAttempt
from django import forms
from django.conf import settings
from django.contrib.admin import AdminSite
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django_otp.forms import OTPAuthenticationFormMixin
from django_otp.plugins.otp_totp.models import TOTPDevice

from medspa.sessions import SIGNED_IN_KEY


@receiver(user_logged_in)
def clear_own_login_failures(sender, request, user, **kwargs) -> None:
    """A sign-in clears this user's failed attempts, and nobody else's at its address
    (django-axes' own reset would clear the address's: everyone behind one proxy)."""
    AccessAttempt.objects.filter(username=user.get_username()).delete()
    # The session's absolute lifetime starts here (medspa/sessions.py).
    request.session[SIGNED_IN_KEY] = int(time.time())


def user_is_verified(request: HttpRequest) -> bool:
    """Signed in with a second factor, or the second factor is switched off."""
    if not settings.STAFF_MFA:
        return True
    is_verified = getattr(request.user, "is_verified", None)
    return bool(is_verified and is_verified())


def otp_token_field() -> forms.CharField:
    return forms.CharField(
        label=_("Authenticator code"),
        required=False,
        max_length=8,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "pattern": "[0-9]*"}
        ),
        help_text=_("The 6-digit code from your authenticator app (staff and doctors)."),
    )


class TotpCodeMixin(OTPAuthenticationFormMixin):
    """Checks `otp_token` (declared on each form) against the user's one TOTP device."""

    def _chosen_device(self, user):
        return TOTPDevice.objects.devices_for_user(user, confirmed=True).order_by("pk").first()

    def _verify_token(self, user, token, device=None):
        if device is None:
            raise forms.ValidationError(
                _("This account has no authenticator set up. Ask an administrator."),
                code="no_device",
            )
        return super()._verify_token(user, token, device)

    def _update_form(self, user):
        # Keep the password in the re-rendered form only for the OTP step's sake; we
        # ask for everything at once, so never echo it back.
        return None

    def clean(self):
        cleaned_data = super().clean()
        if settings.STAFF_MFA:
            try:
                self.clean_otp(self.get_user())
            except forms.ValidationError:
                # The same words as a wrong password: a different message would tell an
                # attacker the password was right. It counts as a failed sign-in
                # (django-axes locks the account after repeated failures).
                user_login_failed.send(
                    sender=__name__,
                    credentials={"username": cleaned_data.get("username")},
                    request=self.request,
                )
                raise self.get_invalid_login_error() from None
        return cleaned_data


class StaffLoginForm(TotpCodeMixin, AuthenticationForm):
    """The /accounts/login/ form: username, password, otp_token."""

    otp_token = otp_token_field()


class StaffAdminLoginForm(TotpCodeMixin, AdminAuthenticationForm):
    """The /admin/login/ form: the same fields, staff only."""

    otp_token = otp_token_field()


class MedspaAdminSite(AdminSite):
    """The front desk's admin: a second factor is required when STAFF_MFA is on."""

    login_form = StaffAdminLoginForm
    login_template = "admin/medspa_login.html"

    def has_permission(self, request: HttpRequest) -> bool:
        return super().has_permission(request) and user_is_verified(request)

    def index(self, request, extra_context=None):
        # The front desk's dashboard opens the admin (bookings/admin/day.py).
        from bookings.admin.day import dashboard

        return super().index(request, {**(extra_context or {}), **dashboard(request)})
