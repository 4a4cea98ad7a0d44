"""The Celery application. Its configuration is the CELERY_* block of assistant/settings.py."""

import os

from celery import Celery

# The one place outside settings that touches the environment: Celery's own entry point needs
# the settings module named before Django is imported (this is Celery's documented pattern).
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "assistant.settings")

app = Celery("assistant")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Celery finds only modules named "tasks"; the e-mail app's tasks are split by job.
app.autodiscover_tasks(["assistant.mail"], related_name="outbound_tasks")
