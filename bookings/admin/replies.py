"""The appointment page's client side of the messages: whether the client confirmed,
their consent to texts (and a STOP since), and every mail and text about the visit
with its state and, when it failed or was not sent, why."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from bookings.models import Appointment, TextOptOut
from medspa.clock import staff_time


class ClientRepliesFields:
    """Read-only fields of the appointment admin's change page."""

    @admin.display(description="Client confirmed")
    def client_reply(self, appointment: Appointment) -> str:
        if appointment.client_confirmed_at is None:
            return "Not yet"
        return f"Yes, {staff_time(appointment.client_confirmed_at)}"

    @admin.display(description="Text reminders")
    def text_consent(self, appointment: Appointment) -> str:
        if appointment.sms_opt_in_at is None:
            words = "Not agreed: no texts."
        else:
            words = (
                f"Agreed {staff_time(appointment.sms_opt_in_at)} to: "
                f"“{appointment.sms_consent_wording}”"
            )
        phone = appointment.client_phone
        stopped = TextOptOut.objects.filter(phone=phone).first() if phone else None
        if stopped is not None:
            words += f" Texts off: the number opted out (STOP) {staff_time(stopped.at)}."
        return words

    @admin.display(description="Mail and texts")
    def messages_about(self, appointment: Appointment) -> str:
        sent = [
            *(("mail", "outboundemail", m) for m in appointment.emails.all()),
            *(("text", "outboundtext", t) for t in appointment.texts.all()),
        ]
        if not sent:
            return "None."
        sent.sort(key=lambda row: row[2].created_at)
        return format_html(
            '<ul class="message-list">{}</ul>',
            format_html_join(
                "",
                '<li><a href="{}">{}: {}</a>, {}: <span class="message-{}">{}</span>{}</li>',
                (
                    (
                        reverse(f"admin:bookings_{model}_change", args=[m.pk]),
                        what.capitalize(),
                        m.kind.removeprefix(f"{what}_").replace("_", " "),
                        staff_time(m.sent_at or m.created_at),
                        m.state,
                        m.get_state_display(),
                        f" ({m.last_error})" if m.last_error else "",
                    )
                    for what, model, m in sent
                ),
            ),
        )
