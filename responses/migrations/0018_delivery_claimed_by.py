from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("responses", "0017_export_rows"),
    ]

    operations = [
        migrations.AddField(
            model_name="delivery",
            name="claimed_by",
            field=models.CharField(
                blank=True, max_length=80, verbose_name="opgenomen door"
            ),
        ),
    ]
