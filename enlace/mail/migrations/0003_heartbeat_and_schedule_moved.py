# The heartbeat went to the worker app and the sending schedule to invitations; their tables stay.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('mail', '0002_heartbeat_and_schedule'),
        ('worker', '0001_initial'),
        ('invitations', '0005_sending_schedule'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name='WorkerHeartbeat'),
                migrations.DeleteModel(name='SendingSchedule'),
            ],
        ),
    ]
