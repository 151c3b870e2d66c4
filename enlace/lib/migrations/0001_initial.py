from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
    ]

    operations = [
        migrations.CreateModel(
            name='RateCounter',
            fields=[
                ('key', models.CharField(max_length=80, primary_key=True, serialize=False)),
                ('window_start', models.DateTimeField()),
                ('count', models.IntegerField(default=0)),
            ],
            options={
                'db_table': 'enlace_rate_counter',
            },
        ),
    ]
