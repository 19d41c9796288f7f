"""Each appointment keeps the details typed for it; its client link waits for proof.

Existing appointments get their client's details as their snapshot and keep their
link (they were linked before proof existed; nothing tells which were proven)."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def copy_client_details(apps, schema_editor):
    Appointment = apps.get_model("bookings", "Appointment")
    Client = apps.get_model("bookings", "Client")
    client = Client.objects.filter(pk=OuterRef("client_id"))
    Appointment.objects.update(
        **{
            f"client_{name}": Subquery(client.values(name)[:1])
            for name in ("first_name", "last_name", "email", "phone", "date_of_birth")
        }
    )


class Migration(migrations.Migration):
    dependencies = [
        ("bookings", "0008_squashed_0013_appointment_practitioner_one_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="appointment",
            name="client_first_name",
            field=models.CharField(default="", max_length=80, verbose_name="first name"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="appointment",
            name="client_last_name",
            field=models.CharField(default="", max_length=80, verbose_name="last name"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="appointment",
            name="client_email",
            field=models.EmailField(default="", max_length=254, verbose_name="email"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="appointment",
            name="client_phone",
            field=models.CharField(default="", max_length=30, verbose_name="phone"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="appointment",
            name="client_date_of_birth",
            field=models.DateField(blank=True, null=True, verbose_name="date of birth"),
        ),
        migrations.AddField(
            model_name="appointment",
            name="email_proven_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="email proven"),
        ),
        migrations.RunPython(copy_client_details, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="appointment",
            name="client",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="appointments",
                to="bookings.client",
                verbose_name="client record",
            ),
        ),
        migrations.AlterField(
            model_name="goodfaithexam",
            name="client",
            field=models.ForeignKey(
                blank=True,
                help_text="Empty until the visit's email is proven: the exam is of that visit's client.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="good_faith_exams",
                to="bookings.client",
                verbose_name="client",
            ),
        ),
    ]
