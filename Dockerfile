# Production image for web, Celery worker and Celery beat (one image, three commands).
FROM python:3.12-slim

# PYTHONPATH: settings.BASE_DIR must be the source tree (templates/, static/,
# reference data), not the copy that `pip install .` puts in site-packages.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONPATH=/app \
    STATIC_ROOT=/app/staticfiles

WORKDIR /app

# A home directory for gunicorn's control socket (~/.gunicorn).
RUN useradd --system --uid 10001 --create-home --home-dir /home/app \
    --shell /usr/sbin/nologin app

# WeasyPrint (the respondent's PDF copy) needs pango and a font with Dutch diacritics.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 \
       fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*
# Exact, hash-checked versions first (own layer: cached until the lock changes), then
# the project without resolving anything again.
COPY requirements/lock.txt /app/requirements/lock.txt
RUN pip install --require-hashes -r /app/requirements/lock.txt

COPY . /app
RUN pip install --no-deps --no-build-isolation . \
    && mkdir -p /app/staticfiles /app/var \
    && chown -R app:app /app/staticfiles /app/var

USER app

EXPOSE 8000

CMD ["gunicorn", "vvsg_survey.wsgi:application", "--bind", "0.0.0.0:8000", \
     "--workers", "3", "--access-logfile", "-"]
