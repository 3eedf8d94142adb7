"""gunicorn settings, loaded automatically from the working directory.

Respondent URLs carry the personal invitation token in their path, so the access log
records method, status, size and duration but never the path.
"""

access_log_format = '%(h)s %(t)s "%(m)s" %(s)s %(B)s %(L)ss'


def on_starting(server):
    """Redact tokens from gunicorn's error log ("Error handling request /b/...")."""
    from vvsg_survey.logging import RedactSecretsFilter, install_record_factory

    install_record_factory()
    for handler in server.log.error_log.handlers:
        handler.addFilter(RedactSecretsFilter())
