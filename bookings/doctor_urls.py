from django.urls import path

from bookings import doctor_views

app_name = "doctor"
urlpatterns = [
    path("doctor/", doctor_views.queue, name="queue"),
    path("doctor/reviews/<int:review_id>/", doctor_views.review_detail, name="review"),
    path("doctor/charts/<int:record_id>/", doctor_views.chart_detail, name="chart"),
    path("doctor/supervised/practitioners/", doctor_views.supervised, name="supervised"),
    path(
        "doctor/agreements/<int:agreement_id>/accept/",
        doctor_views.agreement_accept_view,
        name="agreement_accept",
    ),
    path(
        "doctor/agreements/<int:agreement_id>/export.csv",
        doctor_views.agreement_export,
        name="agreement_export",
    ),
    path("staff/", doctor_views.staff_home, name="staff_home"),
    path("accounts/home/", doctor_views.after_login, name="after_login"),
    path(
        "staff/appointments/<int:appointment_id>/record/",
        doctor_views.record_write,
        name="record_write",
    ),
]
