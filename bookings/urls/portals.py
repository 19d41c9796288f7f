"""The doctor's portal (/doctor/) and the practitioner's pages (/staff/)."""

from django.urls import path

from bookings.views import doctor, practitioner, staff_access

app_name = "doctor"
urlpatterns = [
    path("doctor/", doctor.queue, name="queue"),
    path("doctor/reviews/<int:review_id>/", doctor.review_detail, name="review"),
    path("doctor/charts/<int:record_id>/", doctor.chart_detail, name="chart"),
    path("doctor/supervised/practitioners/", doctor.supervised, name="supervised"),
    path(
        "doctor/agreements/<int:agreement_id>/accept/",
        doctor.agreement_accept_view,
        name="agreement_accept",
    ),
    path(
        "doctor/agreements/<int:agreement_id>/export.csv",
        doctor.agreement_export,
        name="agreement_export",
    ),
    path("staff/", practitioner.staff_home, name="staff_home"),
    path(
        "staff/appointments/<int:appointment_id>/intake/",
        practitioner.intake_read,
        name="staff_intake",
    ),
    path(
        "staff/appointments/<int:appointment_id>/record/",
        practitioner.record_write,
        name="record_write",
    ),
    path(
        "staff/appointments/<int:appointment_id>/exam/",
        practitioner.exam_write,
        name="exam_write",
    ),
    path(
        "staff/appointments/<int:appointment_id>/complete/",
        practitioner.visit_complete,
        name="visit_complete",
    ),
    path("accounts/home/", staff_access.after_login, name="after_login"),
]
