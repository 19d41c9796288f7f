from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('bookings', '0018_waitlist'),
    ]

    operations = [
        migrations.AddField(
            model_name='intake',
            name='changes',
            field=models.JSONField(blank=True, default=dict, verbose_name='changes since the last visit'),
        ),
    ]
