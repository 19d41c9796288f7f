"""iCalendar (RFC 5545) files for appointments.

Times are written in UTC, so every calendar shows the right local time, daylight
saving or not. Medical appointments say "Appointment at <spa>", never the treatment."""

import datetime
import hashlib

from django.conf import settings

from bookings.models import Appointment

ICS_STATUS = {
    Appointment.Status.PENDING_REVIEW: "TENTATIVE",
    Appointment.Status.CANCELLED: "CANCELLED",
    Appointment.Status.DECLINED: "CANCELLED",
}


def _escape(text: str) -> str:
    return (
        text.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def _fold(line: str) -> str:
    """Lines longer than 75 octets continue on the next line after a space."""
    encoded = line.encode()
    if len(encoded) <= 75:
        return line
    parts, current = [], b""
    for char in line:
        piece = char.encode()
        if len(current) + len(piece) > (75 if not parts else 74):
            parts.append(current.decode())
            current = b""
        current += piece
    parts.append(current.decode())
    return "\r\n ".join(parts)


def _utc(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")


def appointment_ics(appointment: Appointment, now: datetime.datetime | None = None) -> str:
    """A one-event calendar for the appointment, CRLF line ends as the RFC requires."""
    now = now or datetime.datetime.now(datetime.UTC)
    # The UID must stay the same across updates but must not reveal the token.
    uid = hashlib.sha256(appointment.token.encode()).hexdigest()[:32]
    manage_url = settings.SITE_URL + appointment.get_absolute_url()
    with_whom = "" if appointment.is_medical else f"With {appointment.practitioner.display_name}.\n"
    description = (
        f"{with_whom}To cancel or reschedule: {manage_url}\nQuestions: {settings.SPA_PHONE}"
    )
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:-//{_escape(settings.SPA_NAME)}//Booking//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:{uid}@medspa-booking",
        f"DTSTAMP:{_utc(now)}",
        f"DTSTART:{_utc(appointment.start)}",
        f"DTEND:{_utc(appointment.end)}",
        f"SEQUENCE:{int(appointment.updated_at.timestamp()) if appointment.updated_at else 0}",
        f"SUMMARY:{_escape(appointment.public_title)}",
        f"LOCATION:{_escape(settings.SPA_ADDRESS)}",
        f"DESCRIPTION:{_escape(description)}",
        f"STATUS:{ICS_STATUS.get(appointment.status, 'CONFIRMED')}",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"
