from django.apps import AppConfig
from django.db.models.signals import post_migrate

MESSAGE_SCHEDULE = "Messages: reminders and retries"


def ensure_message_schedule(sender, using: str = "default", **kwargs) -> None:
    """The worker's minute schedule, kept in django-q's own table by its own model (a
    migration of ours may touch only our tables). Run after every `migrate`, so a new
    database and an old one both have exactly one."""
    from django_q.models import Schedule

    Schedule.objects.using(using).update_or_create(
        name=MESSAGE_SCHEDULE,
        defaults={
            "func": "bookings.tasks.run_message_schedule",
            "schedule_type": Schedule.MINUTES,
            "minutes": 1,
            "repeats": -1,
        },
    )


class BookingsConfig(AppConfig):
    name = "bookings"
    verbose_name = "Bookings"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from bookings.views.client_session import drop_client_on_staff_login

        post_migrate.connect(ensure_message_schedule, sender=self)
        # A room or device back in service sooner frees time for the waitlist.
        from bookings.services import waitlist_hooks

        waitlist_hooks.connect()
        user_logged_in.connect(drop_client_on_staff_login, dispatch_uid="drop_client_session")
