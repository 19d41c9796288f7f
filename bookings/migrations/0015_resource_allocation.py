"""Rooms and devices held by appointments, with the database refusing an overlap."""

import django.db.models.deletion
from django.db import migrations, models

from bookings.migrations._operations import PostgresOnlyRunSQL


class Migration(migrations.Migration):

    dependencies = [
        ('bookings', '0014_appointment_event_visit_steps'),
        ('treatments', '0008_resources'),
    ]

    operations = [
        migrations.CreateModel(
            name='ResourceAllocation',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('start', models.DateTimeField(verbose_name='from')),
                ('blocked_until', models.DateTimeField(verbose_name='until')),
                ('holds_time', models.BooleanField(default=True, verbose_name='holds the time')),
                ('appointment', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='allocations', to='bookings.appointment')),
                ('resource', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='allocations', to='treatments.resource', verbose_name='room or device')),
            ],
            options={
                'verbose_name': 'room or device held',
                'verbose_name_plural': 'rooms and devices held',
                'ordering': ['start', 'resource'],
                'indexes': [models.Index(fields=['resource', 'start'], name='allocation_resource_start')],
                'constraints': [models.CheckConstraint(condition=models.Q(('start__lt', models.F('blocked_until'))), name='allocation_times_ordered', violation_error_message='An allocation must start before it ends.')],
            },
        ),
        # The database refuses two allocations of one resource at overlapping times
        # while both hold time, however the rows got there (as 0002 does for
        # practitioners). btree_gist is already installed by 0002.
        PostgresOnlyRunSQL(
            sql="""
                ALTER TABLE bookings_resourceallocation
                ADD CONSTRAINT allocation_no_overlap
                EXCLUDE USING gist (
                    resource_id WITH =,
                    tstzrange(start, blocked_until, '[)') WITH &&
                )
                WHERE (holds_time)
            """,
            reverse_sql=(
                "ALTER TABLE bookings_resourceallocation DROP CONSTRAINT allocation_no_overlap"
            ),
        ),
    ]
