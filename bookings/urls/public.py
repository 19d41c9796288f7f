"""The public booking URLs (CONTRACT.md)."""

from django.urls import path, register_converter

from bookings.views import account, messaging, public, waitlist


class TokenConverter:
    regex = "[A-Za-z0-9_-]{20,64}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(TokenConverter, "token")


app_name = "bookings"


urlpatterns = [
    path("book/<slug:slug>/", public.book, name="book"),
    path("api/availability/", public.availability_api, name="availability"),
    path("bookings/email-proof/<str:proof>/", public.email_proof, name="email_proof"),
    path("bookings/<token:token>/", public.manage, name="manage"),
    path("bookings/<token:token>/cancel/", public.cancel, name="cancel"),
    path("bookings/<token:token>/reschedule/", public.reschedule, name="reschedule"),
    path("bookings/<token:token>/calendar.ics", public.calendar_file, name="calendar"),
    path("bookings/<token:token>/confirm/", messaging.confirm, name="confirm"),
    # The book-again mail's links.
    path("bookings/<token:token>/book-again/", messaging.book_again, name="book_again"),
    # The waitlist (CONTRACT.md): join, the mailed offer, the mailed link to leave.
    path("waitlist/<slug:slug>/", waitlist.join, name="waitlist_join"),
    path("waitlist/<slug:slug>/joined/", waitlist.joined, name="waitlist_joined"),
    path("waitlist/offers/<token:token>/", waitlist.offer, name="waitlist_offer"),
    path("waitlist/leave/<token:token>/", waitlist.leave, name="waitlist_leave"),
    path("mail/unsubscribe/<str:token>/", messaging.mail_unsubscribe, name="mail_unsubscribe"),
    # The client's account: sign-in by a mailed link, no password.
    path("account/", account.account, name="account"),
    path("account/sign-in/", account.sign_in, name="account_sign_in"),
    path("account/sign-in/<token:token>/", account.sign_in_link, name="account_sign_in_link"),
    path("account/sign-out/", account.sign_out, name="account_sign_out"),
    path("account/find-my-booking/", account.find_booking, name="account_find_booking"),
    path("account/details/", account.details, name="account_details"),
    path("account/preferences/", account.preferences, name="account_preferences"),
    path("account/my-data.json", account.export, name="account_export"),
    path("account/close/", account.close, name="account_close"),
    # Twilio's webhooks (set in the Twilio console for the sending number).
    path("sms/inbound/", messaging.text_inbound, name="text_inbound"),
    path("sms/status/", messaging.text_status, name="text_status"),
]
