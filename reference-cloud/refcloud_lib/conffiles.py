"""The configuration files of every service, rendered from code.

`render_all` returns {path relative to state/etc: text}. A cloud
configuration (configs/*.yaml) only changes `ServiceSettings`; comparing the
rendered text with what is on disk tells which services must restart.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Mapping

from . import inifile
from .addresses import AUTH_URL, HOST, PORTS, REGION, url
from .paths import Layout

SERVICE_PROJECT = "service"
SERVICE_USERS = ("glance", "placement", "neutron", "nova")
DATABASES = ("keystone", "glance", "placement", "neutron", "nova_api", "nova", "nova_cell0")
DB_USER = "openstack"
COMPUTE_HOST = "refcloud-compute"
# uWSGI worker processes per API (each worker costs 100-150 MiB RSS)
UWSGI_PROCESSES = {"keystone": 2, "placement": 1, "glance-api": 2, "neutron-api": 2,
                   "nova-api": 2}


@dataclass(frozen=True)
class ServiceSettings:
    """The part of a cloud configuration that lives in service config files."""

    glance_disk_formats: tuple[str, ...] | None = None   # None: glance's default list
    glance_policy: Mapping[str, str] = field(default_factory=dict)
    # base of the version documents' links; None: the request's own host (glance's default)
    glance_public_endpoint: str | None = None


def db_url(password: str, database: str) -> str:
    """oslo.db connection URL for one of DATABASES."""
    return (f"mysql+pymysql://{DB_USER}:{password}@{HOST}:{PORTS['mariadb']}/"
            f"{database}?charset=utf8mb4")


def rabbit_url() -> str:
    """The private RabbitMQ node's guest account (loopback only)."""
    return f"rabbit://guest:guest@{HOST}:{PORTS['rabbitmq']}/"


def service_auth(user: str, password: str) -> dict[str, str]:
    """keystoneauth password options for a service user in project `service`."""
    return {"auth_url": AUTH_URL, "auth_type": "password",
            "user_domain_name": "Default", "project_domain_name": "Default",
            "project_name": SERVICE_PROJECT, "username": user, "password": password,
            "region_name": REGION}


def authtoken(user: str, password: str) -> dict[str, str]:
    """[keystone_authtoken] for an API service running as `user`."""
    options = service_auth(user, password)
    options.pop("region_name")
    return {"www_authenticate_uri": AUTH_URL, **options,
            "service_token_roles_required": "true"}


def keystone_conf(lay: Layout, password: str) -> str:
    """keystone.conf: fernet tokens, keys under state/data."""
    keys = lay.data / "keystone"
    return inifile.render({
        "DEFAULT": {"log_file": lay.logs / "keystone.log"},
        "database": {"connection": db_url(password, "keystone")},
        "token": {"provider": "fernet"},
        "fernet_tokens": {"key_repository": keys / "fernet-keys"},
        "fernet_receipts": {"key_repository": keys / "fernet-keys"},
        "credential": {"key_repository": keys / "credential-keys"},
    })


def placement_conf(lay: Layout, password: str) -> str:
    """placement.conf."""
    return inifile.render({
        "DEFAULT": {"log_file": lay.logs / "placement.log"},
        "api": {"auth_strategy": "keystone"},
        "keystone_authtoken": authtoken("placement", password),
        "placement_database": {"connection": db_url(password, "placement")},
    })


def glance_conf(lay: Layout, password: str, settings: ServiceSettings) -> str:
    """glance-api.conf: file store, import methods, optional formats and public_endpoint."""
    store = lay.data / "glance"
    sections: dict[str, dict] = {
        "DEFAULT": {
            "log_file": lay.logs / "glance-api.log",
            "enabled_backends": "fs:file",
            "enabled_import_methods": "[glance-direct,web-download]",
            "worker_self_reference_url": url("glance-api"),
        },
        "database": {"connection": db_url(password, "glance")},
        "glance_store": {"default_backend": "fs"},
        "fs": {"filesystem_store_datadir": f"{store / 'images'}/"},
        "os_glance_staging_store": {"filesystem_store_datadir": f"{store / 'staging'}/"},
        "os_glance_tasks_store": {"filesystem_store_datadir": f"{store / 'tasks'}/"},
        # web-download refuses loopback sources unless allowed explicitly
        "import_filtering_opts": {"allowed_hosts": "[127.0.0.1,localhost]",
                                  "allowed_ports": "[80,443,8000]"},
        "keystone_authtoken": authtoken("glance", password),
        "paste_deploy": {"flavor": "keystone",
                         "config_file": lay.venv / "etc/glance/glance-api-paste.ini"},
        "oslo_policy": {"policy_file": lay.etc / "glance/policy.yaml"},
    }
    if settings.glance_disk_formats is not None:
        sections["image_format"] = {"disk_formats": list(settings.glance_disk_formats)}
    if settings.glance_public_endpoint is not None:
        sections["DEFAULT"]["public_endpoint"] = settings.glance_public_endpoint
    return inifile.render(sections)


def glance_policy(settings: ServiceSettings) -> str:
    """Policy overrides (JSON is valid YAML); `{}` keeps glance's defaults."""
    return json.dumps(dict(sorted(settings.glance_policy.items())), indent=1) + "\n"


def neutron_conf(lay: Layout, password: str) -> str:
    """neutron.conf: ML2 core plugin and the router service plugin."""
    return inifile.render({
        "DEFAULT": {
            "log_file": lay.logs / "neutron-api.log",
            "core_plugin": "ml2",
            "service_plugins": "router",
            "auth_strategy": "keystone",
            "api_paste_config": lay.venv / "etc/neutron/api-paste.ini",
            "transport_url": rabbit_url(),
            "notify_nova_on_port_status_changes": True,
            "notify_nova_on_port_data_changes": True,
        },
        "database": {"connection": db_url(password, "neutron")},
        "keystone_authtoken": authtoken("neutron", password),
        "nova": service_auth("nova", password),
        "oslo_concurrency": {"lock_path": lay.data / "neutron/lock"},
    })


def ml2_conf() -> str:
    """ml2_conf.ini: flat + vxlan, the loopback mechanism driver."""
    return inifile.render({
        "ml2": {
            "type_drivers": "flat,vxlan",
            "project_network_types": "vxlan",
            # refcloud's own stateless driver (reference-cloud/loopback-ml2)
            "mechanism_drivers": "loopback",
            "extension_drivers": "port_security",
        },
        "ml2_type_flat": {"flat_networks": "*"},
        "ml2_type_vxlan": {"vni_ranges": "1:10000"},
        "securitygroup": {"enable_security_group": True},
    })


def nova_conf(lay: Layout, password: str) -> str:
    """nova.conf, shared by every nova process."""
    state = lay.data / "nova"
    return inifile.render({
        "DEFAULT": {
            "host": COMPUTE_HOST,
            "my_ip": HOST,
            "transport_url": rabbit_url(),
            # FakeDriver that keeps its node identity in state_path/compute_id,
            # so nova-compute can restart (plain FakeDriver refuses to)
            "compute_driver": "fake.FakeDriverWithoutFakeNodes",
            "state_path": state,
            "instances_path": state / "instances",
            "allow_resize_to_same_host": True,
        },
        "api": {"auth_strategy": "keystone"},
        "keystone_authtoken": authtoken("nova", password),
        "service_user": {"send_service_user_token": True, **service_auth("nova", password)},
        "placement": service_auth("placement", password),
        "neutron": service_auth("neutron", password),
        "glance": {"region_name": REGION},
        "oslo_concurrency": {"lock_path": state / "lock"},
        "vnc": {"enabled": False},
        "conductor": {"workers": 1},
        "scheduler": {"workers": 1, "discover_hosts_in_cells_interval": 10},
    })


def nova_db_conf(password: str) -> str:
    """Database options, read by everything nova except nova-compute."""
    return inifile.render({
        "api_database": {"connection": db_url(password, "nova_api")},
        "database": {"connection": db_url(password, "nova")},
    }, header="not for nova-compute: it must not have database access")


def nova_api_conf(lay: Layout) -> str:
    """nova-api's own log file."""
    return inifile.render({"DEFAULT": {"log_file": lay.logs / "nova-api.log"}})


def my_cnf(lay: Layout) -> str:
    """MariaDB server options: data under state/mysql, loopback only."""
    mysql = lay.state / "mysql"
    return inifile.render({
        "mysqld": {
            "datadir": mysql / "data",
            "socket": mysql / "mysqld.sock",
            "log-error": lay.logs / "mariadb.log",
            "bind-address": HOST,
            "port": PORTS["mariadb"],
            "user": "root",
            "skip-name-resolve": "ON",
            "max_connections": 1000,
            "character-set-server": "utf8mb4",
            "collation-server": "utf8mb4_general_ci",
            "innodb_buffer_pool_size": "128M",
            "innodb_flush_log_at_trx_commit": 2,
        },
        "client": {"socket": mysql / "mysqld.sock"},
    })


def rabbitmq_conf() -> str:
    """RabbitMQ: loopback listener, guest allowed (loopback only)."""
    return (f"listeners.tcp.1 = {HOST}:{PORTS['rabbitmq']}\n"
            "loopback_users = none\n"
            "log.console = false\n")


def uwsgi_ini(lay: Layout, service: str, module: str, env: Mapping[str, str],
              threads: int = 1, router: bool = False) -> str:
    """uWSGI serving `module` on loopback; `router` puts uWSGI's HTTP router in
    front (glance needs it for chunked uploads)."""
    bind = f"{HOST}:{PORTS[service]}"
    if router:
        listen = {"http": bind, "http-raw-body": True, "http-chunked-input": True,
                  "http-auto-chunked": True, "http-keepalive": False,
                  "socket-timeout": 30}
    else:
        listen = {"http-socket": bind}
    return inifile.render({"uwsgi": {
        **listen,
        "module": module,
        "virtualenv": lay.venv,
        "env[]": [f"{k}={v}" for k, v in env.items()],
        "master": True,
        "processes": UWSGI_PROCESSES[service],
        "threads": threads,
        "enable-threads": True,
        "lazy-apps": True,
        "thunder-lock": True,
        "die-on-term": True,
        "exit-on-reload": False,
        "hook-master-start": "unix_signal:15 gracefully_kill_them_all",
        "worker-reload-mercy": 30,
        "buffer-size": 65535,
        "add-header": "Connection: close",
        "procname-prefix-spaced": f"refcloud-{service}",
    }})


def uwsgi_files(lay: Layout) -> dict[str, str]:
    """The uWSGI ini of each API service."""
    etc = lay.etc
    return {
        "uwsgi/keystone.ini": uwsgi_ini(
            lay, "keystone", "keystone.wsgi.api:application",
            {"OS_KEYSTONE_CONFIG_DIR": etc / "keystone"}),
        "uwsgi/placement.ini": uwsgi_ini(
            lay, "placement", "placement.wsgi.api:application",
            {"OS_PLACEMENT_CONFIG_DIR": etc / "placement"}),
        "uwsgi/glance-api.ini": uwsgi_ini(
            lay, "glance-api", "glance.wsgi.api:application",
            {"OS_GLANCE_CONFIG_DIR": etc / "glance"}, router=True),
        "uwsgi/neutron-api.ini": uwsgi_ini(
            lay, "neutron-api", "neutron.wsgi.api:application",
            {"OS_NEUTRON_CONFIG_DIR": etc / "neutron",
             "OS_NEUTRON_CONFIG_FILES": "neutron.conf;ml2_conf.ini"},
            threads=2),
        "uwsgi/nova-api.ini": uwsgi_ini(
            lay, "nova-api", "nova.wsgi.osapi_compute:application",
            {"OS_NOVA_CONFIG_DIR": etc / "nova",
             # the first file must be the paste config (nova loads the app from it)
             "OS_NOVA_CONFIG_FILES": f"{lay.venv / 'etc/nova/api-paste.ini'};"
                                     "nova.conf;nova-db.conf;nova-api.conf"}),
    }


def render_all(lay: Layout, password: str, settings: ServiceSettings) -> dict[str, str]:
    """Every config file, keyed by its path relative to state/etc."""
    return {
        "my.cnf": my_cnf(lay),
        "rabbitmq/rabbitmq.conf": rabbitmq_conf(),
        "rabbitmq/enabled_plugins": "[].\n",
        "keystone/keystone.conf": keystone_conf(lay, password),
        "placement/placement.conf": placement_conf(lay, password),
        "glance/glance-api.conf": glance_conf(lay, password, settings),
        "glance/policy.yaml": glance_policy(settings),
        "neutron/neutron.conf": neutron_conf(lay, password),
        "neutron/ml2_conf.ini": ml2_conf(),
        "nova/nova.conf": nova_conf(lay, password),
        "nova/nova-db.conf": nova_db_conf(password),
        "nova/nova-api.conf": nova_api_conf(lay),
        **uwsgi_files(lay),
    }
