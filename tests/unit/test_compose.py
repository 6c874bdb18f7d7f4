"""docker-compose.yml cannot run here (no Docker engine), so it is checked against the code:
the same commands as `make run`, variables the programs actually read, ports that line up."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlparse

import pytest
import yaml

from devtools.processes import (
    BOT_DIR,
    RASA_SERVER_ENV,
    ROOT,
    Ports,
    actions_command,
    intake_command,
    local_stack,
    rasa_command,
    service_command,
)
from sms_gateway.config import Settings

COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
ENV_REFERENCE = re.compile(r"\$\{([A-Z0-9_]+)\}")


COMPOSE_VARIABLE = re.compile(r"\$\{[^}]*\}")


def env(name: str) -> dict[str, str]:
    """A service's environment, with compose's ${VAR:?...} references filled with a value."""
    return {
        key: COMPOSE_VARIABLE.sub("secret", str(value))
        for key, value in SERVICES[name].get("environment", {}).items()
    }


def port_of(url: str) -> int:
    return urlparse(url).port


def test_the_expected_services_each_with_a_health_check() -> None:
    assert set(SERVICES) == {
        "postgres", "redis", "rasa-1", "rasa-2", "actions", "service", "intake"
    }  # fmt: skip
    for name, service in SERVICES.items():
        assert service.get("healthcheck", {}).get("test"), f"{name} has no health check"


def test_images_are_built_from_dockerfiles_in_the_repo() -> None:
    for name in ("rasa-1", "rasa-2", "actions", "service", "intake"):
        dockerfile = ROOT / SERVICES[name]["build"]["dockerfile"]
        assert dockerfile.is_file(), dockerfile
        for source in re.findall(r"^COPY (\S+)", dockerfile.read_text(), re.M):
            assert (ROOT / source).exists(), f"{dockerfile.name} copies missing {source}"


def test_commands_are_the_ones_make_run_uses() -> None:
    assert SERVICES["service"]["command"] == service_command()
    assert SERVICES["intake"]["command"] == intake_command()
    assert SERVICES["actions"]["command"] == actions_command(5055)
    for rasa in ("rasa-1", "rasa-2"):
        assert SERVICES[rasa]["command"] == rasa_command(
            5005, interface="0.0.0.0", endpoints="endpoints.production.yml"
        )
    local = {spec.name: spec.argv[1:] for spec in local_stack(Ports(), "sqlite://", Path("var"))}
    assert local["service"] == service_command()[1:]
    assert local["actions"] == actions_command(Ports().actions)[1:]
    assert local["rasa"] == rasa_command(Ports().rasa, interface="127.0.0.1")[1:]
    with_intake = local_stack(Ports(), "sqlite://", Path("var"), sms_intake=True)
    assert {s.name: s.argv[1:] for s in with_intake}["sms-intake"] == intake_command()[1:]


def test_service_variables_are_settings_it_reads() -> None:
    settings_names = {name.upper() for name in Settings.model_fields}
    service_env = env("service")
    assert set(service_env) <= settings_names
    # Production must not fall back to development defaults for these.
    for required in ("DATABASE_URL", "PUBLIC_BASE_URL", "RASA_URL", "TWILIO_ACCOUNT_SID",
                     "TWILIO_AUTH_TOKEN", "TWILIO_API_BASE_URL"):  # fmt: skip
        assert required in service_env


def test_the_intake_stores_where_the_service_reads_and_checks_the_same_signatures() -> None:
    settings_names = {name.upper() for name in Settings.model_fields}
    intake_env, service_env = env("intake"), env("service")
    assert set(intake_env) <= settings_names
    for shared in ("DATABASE_URL", "PUBLIC_BASE_URL", "TWILIO_AUTH_TOKEN", "DEFAULT_COUNCIL"):
        assert (
            SERVICES["intake"]["environment"][shared]
            == (SERVICES["service"]["environment"][shared])
        )
    assert SERVICES["intake"]["ports"] == [f"{intake_env['INTAKE_PORT']}:8001"]
    assert service_env["SERVICE_PORT"] != intake_env["INTAKE_PORT"]
    assert "service" in SERVICES["intake"]["depends_on"]


def test_each_process_that_takes_texts_keeps_its_spool_on_a_volume_of_its_own() -> None:
    """Texts taken while the database is down must outlive a container's restart, and two
    processes must not share a spool file."""
    dockerfile = (ROOT / SERVICES["service"]["build"]["dockerfile"]).read_text()
    volumes = {}
    for name in ("service", "intake"):
        path = Path(env(name)["SMS_SPOOL_PATH"])
        [mount] = [v for v in SERVICES[name]["volumes"] if v.endswith(f":{path.parent}")]
        volumes[name] = mount.split(":")[0]
        assert volumes[name] in COMPOSE["volumes"]
        # Made in the image and owned by the app's user, so the new volume is writable.
        assert f"mkdir -p {path.parent} && chown 1001 {path.parent}" in dockerfile
    assert volumes["service"] != volumes["intake"]
    local = {s.name: s.env for s in local_stack(Ports(), "", Path("var"), sms_intake=True)}
    assert local["service"]["SMS_SPOOL_PATH"] != local["sms-intake"]["SMS_SPOOL_PATH"]


def test_addresses_line_up() -> None:
    service_env, rasa_env = env("service"), env("rasa-1")
    # The service sends requests round every Rasa server, and only to those.
    rasa_urls = service_env["RASA_URL"].split(",")
    assert {urlparse(url).hostname for url in rasa_urls} == {
        name for name in SERVICES if name.startswith("rasa")
    }
    assert {port_of(url) for url in rasa_urls} == {5005}
    assert env("rasa-2") == rasa_env
    assert urlparse(rasa_env["ACTION_SERVER_URL"]).hostname == "actions"
    assert port_of(rasa_env["ACTION_SERVER_URL"]) == 5055
    assert urlparse(service_env["DATABASE_URL"]).hostname == "postgres"
    assert rasa_env["RASA_TRACKER_DB_HOST"] == "postgres" and rasa_env["REDIS_HOST"] == "redis"
    assert SERVICES["service"]["ports"] == [f"{service_env['SERVICE_PORT']}:8000"]


def test_rasa_runs_one_tensorflow_thread_and_cpu_priorities_are_as_locally() -> None:
    local = {s.name: s for s in local_stack(Ports(), "sqlite://", Path("var"))}
    assert RASA_SERVER_ENV.items() <= env("rasa-1").items()
    assert RASA_SERVER_ENV.items() <= local["rasa"].env.items()
    # Rasa gives way to the service, and the service to the SMS intake, which acknowledges
    # Twilio (compose's default weight is 1024).
    shares = {name: SERVICES[name].get("cpu_shares", 1024) for name in ("rasa-1", "service")}
    assert shares["rasa-1"] < shares["service"] < 1024 and "cpu_shares" not in SERVICES["intake"]
    with_intake = {s.name: s for s in local_stack(Ports(), "", Path("var"), sms_intake=True)}
    assert local["rasa"].niceness > local["service"].niceness > 0
    assert with_intake["sms-intake"].niceness == 0


def test_the_action_server_reaches_the_internal_api_with_the_services_token() -> None:
    actions_env, service_env = env("actions"), env("service")
    assert urlparse(actions_env["SERVICE_URL"]).hostname == "service"
    assert port_of(actions_env["SERVICE_URL"]) == int(service_env["SERVICE_PORT"])
    raw = {
        name: service["environment"]["INTERNAL_API_TOKEN"]
        for name, service in SERVICES.items()
        if "INTERNAL_API_TOKEN" in service.get("environment", {})
    }
    assert set(raw) == {"actions", "service"}
    # Required, from the same variable: no default token in production.
    assert len(set(raw.values())) == 1 and ":?" in raw["service"]


def test_local_stack_gives_the_action_server_and_service_one_token() -> None:
    def tokens(**kwargs: str) -> tuple[str, str, str]:
        specs = {s.name: s for s in local_stack(Ports(), "sqlite://", Path("var"), **kwargs)}
        assert specs["actions"].env["SERVICE_URL"] == f"http://127.0.0.1:{Ports().service}"
        return (
            specs["actions"].env["INTERNAL_API_TOKEN"],
            specs["service"].env["INTERNAL_API_TOKEN"],
            specs["rasa"].env.get("INTERNAL_API_TOKEN", ""),
        )

    actions, service, rasa = tokens()
    assert actions == service and len(actions) >= 32 and rasa == ""
    assert tokens()[0] != actions  # a new one per run
    assert tokens(internal_token="given")[:2] == ("given", "given")


@pytest.mark.parametrize(
    ("endpoints", "provided"),
    [
        ("endpoints.production.yml", lambda: env("rasa-1")),
        ("endpoints.yml", lambda: next(s for s in local_stack(Ports(), "", Path("var"))
                                       if s.name == "rasa").env),
    ],
)  # fmt: skip
def test_every_variable_rasa_endpoints_need_is_provided(endpoints, provided) -> None:
    needed = set(ENV_REFERENCE.findall((BOT_DIR / endpoints).read_text()))
    assert needed and needed <= set(provided())


def test_readme_documents_every_setting_with_its_default() -> None:
    readme = (ROOT / "README.md").read_text()
    for name, field in Settings.model_fields.items():
        assert f"| `{name.upper()}` | `{field.default}` |" in readme, name
