from django.urls import path, register_converter

from bookings import views


class TokenConverter:
    regex = "[A-Za-z0-9_-]{20,64}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(TokenConverter, "token")

app_name = "bookings"
urlpatterns = [
    path("book/<slug:slug>/", views.book, name="book"),
    path("api/availability/", views.availability_api, name="availability"),
    path("bookings/<token:token>/", views.manage, name="manage"),
    path("bookings/<token:token>/cancel/", views.cancel, name="cancel"),
    path("bookings/<token:token>/reschedule/", views.reschedule, name="reschedule"),
    path("bookings/<token:token>/calendar.ics", views.calendar_file, name="calendar"),
]
