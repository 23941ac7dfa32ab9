"""The one Settings object of twin.

Built once, by the CLI or by whoever calls ``scene_api.create_app(settings)``,
and passed down. Nothing reads the environment at import time.

Environment variables use the prefix ``TWIN_``; nested models use ``__``
(``TWIN_SERVER__PORT=9000``, ``TWIN_TILING__MAX_FEATURES_PER_TILE=4000``).
"""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Literal
from urllib.parse import parse_qs, urlparse

from pydantic import BaseModel, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from twin.auth.throttle import ThrottlePolicy
from twin.errors import ConfigError


class ServerSettings(BaseModel):
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    workers: int = Field(default=1, ge=1, le=64)
    cors_origins: list[str] = Field(default_factory=list)
    presign_redirect: bool = False
    presign_expiry_s: int = Field(default=900, ge=1, le=7 * 24 * 3600)
    tileset_max_age_s: int = Field(default=10, ge=0)


class TilingSettings(BaseModel):
    max_features_per_tile: int = Field(default=2000, ge=1, le=65535)
    max_bytes_per_tile: int = Field(default=2_000_000, ge=10_000)
    scheduler: str | None = None
    n_workers: int | None = Field(default=None, ge=1)
    # Worker processes by default: tiles build in parallel with the catalog load in the main
    # process (threads would share one GIL); ``n_workers`` defaults to cores - 1.
    processes: bool = True
    gzip_level: int = Field(default=1, ge=1, le=9)  # meshopt data: level 1 is within 5% of 9
    # A layer of at most this many features, with no scheduler, is tiled by a local pool of
    # forked workers: on one machine it beats a LocalCluster, whose start-up (~2 s) and
    # scheduler share the main process's cores (200k: 20,000/s against 14,000/s); bigger
    # layers and --scheduler go to Dask; 0: always Dask.
    local_max_features: int = Field(default=500_000, ge=0)

    def runs_on_dask(self, features: int) -> bool:
        """Whether ``features`` buildings are tiled on Dask (else by a local pool)."""
        return self.scheduler is not None or features > self.local_max_features

    def local_workers(self, cpus: int) -> int:
        """Local workers: processes (cores - 1, at most 8: the main process loads the
        catalog meanwhile) or one worker of ``cpus`` threads."""
        if self.n_workers is not None:
            return self.n_workers
        return max(1, min(cpus - 1, 8)) if self.processes else 1


class BimSettings(BaseModel):
    """BIM (IFC) submissions."""

    #: lon, lat, ellipsoidal height (m) where a model with no georeference is placed, with a
    #: warning; None (the default) refuses such a model unless --origin is given
    default_origin: tuple[float, float, float] | None = None
    geometry_threads: int | None = Field(default=None, ge=1)  # None: every core
    max_elements_per_tile: int = Field(default=4000, ge=1, le=65535)
    max_bytes_per_tile: int = Field(default=3_000_000, ge=10_000)
    max_upload_mb: int = Field(default=1024, ge=1)  # a submitted model, IDS or BCF file


ROLES = (
    "viewer",
    "submitter",
    "reviewer",
    "planner",
    "district_reporter",
    "department_editor",
    "leader",
    "admin",
)


class ApiToken(BaseModel):
    """A bearer token of an API client or user: who it is and what roles it holds."""

    token: SecretStr = Field(min_length=24)
    user: str = Field(min_length=1, max_length=100)
    roles: list[str] = Field(default_factory=lambda: ["viewer"])
    department: str | None = Field(default=None, max_length=100)

    @field_validator("roles")
    @classmethod
    def _known_roles(cls, roles: list[str]) -> list[str]:
        unknown = [r for r in roles if r not in ROLES]
        if unknown:
            raise ValueError(f"unknown role {unknown[0]!r} (roles: {', '.join(ROLES)})")
        return roles


class OidcSettings(BaseModel):
    """OpenID Connect login (authorization code flow with PKCE); off unless ``issuer`` is set."""

    issuer: str | None = None  # e.g. https://sso.example.gov.cn/realms/city
    client_id: str = ""
    client_secret: SecretStr | None = None
    scopes: str = "openid profile email"
    #: the claim holding the user's roles (a list or a space-separated string)
    role_claim: str = "roles"
    #: identity-provider role -> twin role; unmapped provider roles are ignored
    role_map: dict[str, str] = Field(default_factory=dict)
    #: roles every OIDC user gets (besides the mapped ones)
    default_roles: list[str] = Field(default_factory=lambda: ["viewer"])
    department_claim: str = "department"
    #: the callback URL registered with the provider; None: derived from the request
    redirect_url: str | None = None


class AuthSettings(BaseModel):
    """Who may write: local users (``twin users add``) who log in for a session, and API
    clients with a bearer token listed here (``TWIN_AUTH__TOKENS`` as JSON). With neither,
    every write is refused and reads stay open."""

    tokens: list[ApiToken] = Field(default_factory=list)
    session_ttl_s: int = Field(default=8 * 3600, ge=60, le=30 * 24 * 3600)
    #: mark the session cookie Secure (HTTPS only); off for plain-HTTP intranet installs
    cookie_secure: bool = False
    max_failures: int = Field(default=5, ge=1, le=100)
    failure_window_s: int = Field(default=900, ge=1)
    lockout_s: int = Field(default=900, ge=1)
    max_failures_per_ip: int = Field(default=20, ge=1)
    #: addresses or networks (CIDR) allowed to reach the server; empty: any
    ip_allow: list[str] = Field(default_factory=list)
    #: who may read without logging in. auto: anyone when users or tokens exist (layers
    #: with a read permission are still filtered), only loopback clients when none exist
    #: (the embedded demo); all: anyone; localhost: loopback clients only; none: nobody
    anonymous_read: Literal["auto", "all", "localhost", "none"] = "auto"
    oidc: OidcSettings = Field(default_factory=OidcSettings)

    @field_validator("ip_allow")
    @classmethod
    def _networks(cls, nets: list[str]) -> list[str]:
        for net in nets:
            try:
                ipaddress.ip_network(net, strict=False)
            except ValueError:
                raise ValueError(f"ip_allow: {net!r} is not an address or network") from None
        return nets

    def throttle(self) -> ThrottlePolicy:
        return ThrottlePolicy(
            max_failures=self.max_failures,
            window_s=float(self.failure_window_s),
            lockout_s=float(self.lockout_s),
            max_failures_per_ip=self.max_failures_per_ip,
        )


class HealthcheckSettings(BaseModel):
    """City health-check (城市体检) data: problems, projects, indicators."""

    #: the bureau's time zone: "today" for due dates, overdue and idle land
    timezone: str = "Asia/Shanghai"
    #: a YAML stage definition replacing the shipped one (twin/healthcheck/stages.yaml)
    stages_file: Path | None = None
    #: how often the server looks for a new day to sweep overdue items (s)
    sweep_interval_s: int = Field(default=300, ge=1)
    max_photo_mb: int = Field(default=20, ge=1, le=500)
    max_import_mb: int = Field(default=100, ge=1)


class S3Location(BaseModel):
    """An ``s3://BUCKET/PREFIX?endpoint=HOST:PORT&secure=false&region=R`` URL, parsed."""

    bucket: str
    prefix: str = ""
    endpoint: str = "s3.amazonaws.com"
    secure: bool = True
    region: str = "us-east-1"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TWIN_", env_nested_delimiter="__", extra="ignore")

    data_dir: Path = Path("./twin-data")
    database_url: str | None = None
    storage_url: str | None = None
    s3_access_key: SecretStr | None = None
    s3_secret_key: SecretStr | None = None
    log_level: str = "INFO"
    log_json: bool = True
    server: ServerSettings = Field(default_factory=ServerSettings)
    tiling: TilingSettings = Field(default_factory=TilingSettings)
    bim: BimSettings = Field(default_factory=BimSettings)
    auth: AuthSettings = Field(default_factory=AuthSettings)
    healthcheck: HealthcheckSettings = Field(default_factory=HealthcheckSettings)

    @property
    def catalog_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'catalog.db').resolve()}"

    @property
    def object_store_url(self) -> str:
        if self.storage_url:
            return self.storage_url
        return (self.data_dir / "objects").resolve().as_uri()

    def s3_location(self) -> S3Location:
        return parse_s3_url(self.object_store_url)


def parse_s3_url(url: str) -> S3Location:
    parsed = urlparse(url)
    if parsed.scheme != "s3" or not parsed.netloc:
        raise ConfigError("storage URL must look like s3://BUCKET?endpoint=HOST:PORT")
    query = {k: v[-1] for k, v in parse_qs(parsed.query).items()}
    secure_text = query.get("secure", "true").lower()
    if secure_text not in {"true", "false", "1", "0", "yes", "no"}:
        raise ConfigError("storage URL: secure must be true or false")
    return S3Location(
        bucket=parsed.netloc,
        prefix=parsed.path.strip("/"),
        endpoint=query.get("endpoint", "s3.amazonaws.com"),
        secure=secure_text in {"true", "1", "yes"},
        region=query.get("region", "us-east-1"),
    )
