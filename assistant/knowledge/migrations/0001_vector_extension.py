from django.contrib.postgres.operations import CreateExtension
from django.db import migrations


class Migration(migrations.Migration):
    """pgvector, for chunk embeddings. The embedded PostgreSQL ships it; so must production."""

    initial = True
    dependencies: list[tuple[str, str]] = []
    operations = [CreateExtension("vector")]
