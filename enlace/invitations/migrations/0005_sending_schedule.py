# The sending schedule was created by the mail app (mail 0002); this takes it over as it is, and
# moves delivery tasks queued under their former name.

import django.db.models.deletion
from django.db import migrations, models

FORMER_TASK = "enlace.mail.tasks.deliver_invitations"
TASK = "enlace.invitations.tasks.deliver_invitations"


def rename_queued_tasks(apps, schema_editor, old=FORMER_TASK, new=TASK):
    DBTaskResult = apps.get_model("django_tasks_database", "DBTaskResult")
    DBTaskResult.objects.filter(task_path=old).update(task_path=new)


def restore_task_names(apps, schema_editor):
    rename_queued_tasks(apps, schema_editor, old=TASK, new=FORMER_TASK)


class Migration(migrations.Migration):

    dependencies = [
        ('invitations', '0004_drop_redundant_indexes'),
        ('mail', '0002_heartbeat_and_schedule'),
        ('organizations', '0002_mail_rate_and_reminders'),
        ('django_tasks_database', '__latest__'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='SendingSchedule',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('next_at', models.DateTimeField()),
                        ('organization', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='organizations.organization')),
                    ],
                    options={'db_table': 'mail_sendingschedule'},
                ),
            ],
        ),
        migrations.RunPython(rename_queued_tasks, restore_task_names),
    ]
