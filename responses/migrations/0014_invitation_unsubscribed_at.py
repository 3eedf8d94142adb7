from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("responses", "0013_delivery_kinds"),
    ]

    operations = [
        migrations.AddField(
            model_name="invitation",
            name="unsubscribed_at",
            field=models.DateTimeField(
                blank=True, null=True, verbose_name="afgemeld voor herinneringen"
            ),
        ),
    ]
