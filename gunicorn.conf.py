"""gunicorn settings, loaded automatically from the working directory.

Respondent URLs carry the personal invitation token in their path, so the access log
records method, status, size and duration but never the path.
"""

access_log_format = '%(h)s %(t)s "%(m)s" %(s)s %(B)s %(L)ss'
