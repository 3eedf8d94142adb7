"""docker-compose.yml, Dockerfile and `check --deploy` agree with settings.py."""

import os
import re
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from tests.conftest import missing_service

ROOT = Path(__file__).resolve().parents[2]
NO_ISSUES = "System check identified no issues (0 silenced)."


def compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))


def settings_env_names() -> set[str]:
    """Every environment variable settings.py reads (env_* helpers and os.environ)."""
    source = (ROOT / "vvsg_survey" / "settings.py").read_text(encoding="utf-8")
    pattern = r'(?:env_\w+|os\.environ\.get)\(\s*"([A-Z_]+)"'
    return set(re.findall(pattern, source))


def run_check_deploy(env: dict[str, str]) -> subprocess.CompletedProcess:
    base = {
        key: os.environ[key] for key in ("PATH", "HOME", "LANG") if key in os.environ
    }
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_compose_defines_the_production_services():
    services = compose()["services"]

    assert set(services) == {"postgres", "redis", "web", "worker", "beat", "mailpit"}
    assert services["postgres"]["image"] == "postgres:16"
    assert services["redis"]["image"] == "redis:7"
    assert services["mailpit"]["image"].startswith("axllent/mailpit:")
    app_images = {services[name]["image"] for name in ("web", "worker", "beat")}
    assert app_images == {"vvsg-survey:latest"}
    assert all(services[name]["build"] == "." for name in ("web", "worker", "beat"))


def test_compose_commands_run_migrate_gunicorn_worker_and_beat():
    services = compose()["services"]
    web = " ".join(services["web"]["command"])

    assert re.search(
        r"migrate --noinput\s+&& python manage.py collectstatic --noinput", web
    )
    assert "exec gunicorn vvsg_survey.wsgi:application" in web
    assert services["worker"]["command"][:4] == [
        "celery",
        "-A",
        "vvsg_survey",
        "worker",
    ]
    assert services["beat"]["command"][:4] == ["celery", "-A", "vvsg_survey", "beat"]
    assert services["worker"]["depends_on"]["web"]["condition"] == "service_healthy"


def test_compose_environment_matches_settings():
    data = compose()
    known = settings_env_names()
    for name in ("web", "worker", "beat"):
        env = data["services"][name]["environment"]
        # The *_FILE variants are read by env_secret() for the same name.
        unknown = {key for key in env if key.removesuffix("_FILE") not in known}
        assert unknown == set(), f"{name} sets variables settings.py never reads"
    env = data["services"]["web"]["environment"]
    assert {key: env[key] for key in ("DB_ENGINE", "DB_HOST", "CELERY_BROKER_URL")} == {
        "DB_ENGINE": "postgresql",
        "DB_HOST": "postgres",
        "CELERY_BROKER_URL": "redis://redis:6379/0",
    }
    assert (env["EMAIL_HOST"], env["EMAIL_PORT"]) == ("mailpit", "1025")
    assert (env["HTTPS"], env["BEHIND_PROXY"], env["STATIC_MANIFEST"]) == ("true",) * 3
    assert env["SECRET_KEY_FILE"] == "/run/secrets/django_secret_key"
    assert set(data["secrets"]) == {"django_secret_key", "db_password"}


def test_dockerfile_installs_the_project_as_non_root():
    lines = (ROOT / "Dockerfile").read_text(encoding="utf-8").splitlines()

    assert lines[1] == "FROM python:3.12-slim"
    # Pinned, hash-checked dependencies from the lock, then the project alone.
    assert "RUN pip install --require-hashes -r /app/requirements/lock.txt" in lines
    assert any(
        line.strip().startswith("RUN pip install --no-deps --no-build-isolation .")
        for line in lines
    )
    user = [line for line in lines if line.startswith("USER ")]
    assert user == ["USER app"]


def test_compose_file_passes_docker_compose_config():
    if shutil.which("docker-compose"):
        argv = ["docker-compose", "config", "-q"]
    elif (
        shutil.which("docker")
        and subprocess.run(
            ["docker", "compose", "version"], capture_output=True, check=False
        ).returncode
        == 0
    ):
        argv = ["docker", "compose", "config", "-q"]
    else:
        missing_service(
            "neither docker-compose nor the docker compose plugin is installed"
        )

    done = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=60)

    assert (done.returncode, done.stderr) == (0, "")


def test_check_deploy_is_clean_for_production_env():
    done = run_check_deploy(
        {
            "DEBUG": "false",
            "HTTPS": "true",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "enquete.vvsg.be",
            # Production refuses to start without a shared cache (rate limits).
            "CACHE_URL": "redis://127.0.0.1:6379/1",
            # Production sends mail; without a relay Django 6.1's check mail.E001
            # rightly flags the console mailer (see the test below).
            "EMAIL_HOST": "smtp.vvsg.be",
        }
    )

    assert (done.returncode, done.stdout.strip(), done.stderr) == (0, NO_ISSUES, "")


def test_check_deploy_refuses_production_without_a_mail_relay():
    done = run_check_deploy(
        {
            "DEBUG": "false",
            "HTTPS": "true",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "enquete.vvsg.be",
            "CACHE_URL": "redis://127.0.0.1:6379/1",
        }
    )

    assert done.returncode == 1
    assert "mail.E001" in done.stderr and "console.EmailBackend" in done.stderr


def test_check_deploy_is_clean_with_the_compose_environment(tmp_path):
    secret_file = tmp_path / "django_secret_key"
    secret_file.write_text(secrets.token_urlsafe(50), encoding="utf-8")
    env = dict(compose()["services"]["web"]["environment"])
    env.pop("DB_PASSWORD_FILE")
    env["SECRET_KEY_FILE"] = str(secret_file)
    # ${VAR:-default} is compose interpolation; take the default.
    env = {k: re.sub(r"\$\{\w+:-(.*)\}", r"\1", v) for k, v in env.items()}

    done = run_check_deploy(env)

    assert (done.returncode, done.stdout.strip(), done.stderr) == (0, NO_ISSUES, "")


def test_collectstatic_with_manifest_storage_succeeds(tmp_path):
    """The web container runs this on start; a missing referenced file aborts it."""
    base = {
        key: os.environ[key] for key in ("PATH", "HOME", "LANG") if key in os.environ
    }
    done = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=ROOT,
        env={
            **base,
            "STATIC_MANIFEST": "true",
            "STATIC_ROOT": str(tmp_path / "static"),
        },
        capture_output=True,
        text=True,
        timeout=300,
    )

    assert (done.returncode, done.stderr) == (0, "")
    manifest = (tmp_path / "static" / "staticfiles.json").read_text(encoding="utf-8")
    assert '"vendor/bootstrap/bootstrap.min.css"' in manifest
