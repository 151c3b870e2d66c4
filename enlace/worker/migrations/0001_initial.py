# The heartbeat table was created by the mail app (mail 0002); this takes it over as it is.

from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('mail', '0002_heartbeat_and_schedule'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='WorkerHeartbeat',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('worker_id', models.CharField(max_length=64, unique=True)),
                        ('hostname', models.CharField(blank=True, max_length=200)),
                        ('pid', models.PositiveIntegerField(default=0)),
                        ('started_at', models.DateTimeField(auto_now_add=True)),
                        ('beat_at', models.DateTimeField(db_index=True)),
                    ],
                    options={'db_table': 'mail_workerheartbeat'},
                ),
            ],
        ),
    ]
