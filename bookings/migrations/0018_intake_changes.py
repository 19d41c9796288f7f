from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('bookings', '0017_client_accounts'),
    ]

    operations = [
        migrations.AddField(
            model_name='intake',
            name='changes',
            field=models.JSONField(blank=True, default=dict, verbose_name='changes since the last visit'),
        ),
    ]
