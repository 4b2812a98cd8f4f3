"""Property-based: generated requests to every /api/v1 route never get a 500, and answers match the schema."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from api.app import create_app
from db.engine import async_url
from tests.api.conftest import TOKEN, api_settings

# The schema is static, so it is loaded when the module is (schemathesis parametrizes at collection);
# the database is attached when the tests run. (``schemathesis.pytest.from_fixture`` does not work
# with pytest 9 yet.)
app = create_app(api_settings(), "postgresql://nobody@127.0.0.1:1/unattached")
schema = schemathesis.openapi.from_asgi("/openapi.json", app).include(path_regex="^/api/v1/")


@pytest.fixture(scope="module", autouse=True)
def attached_database(stats_url: str) -> Iterator[None]:
    # Schemathesis runs the app on an event loop of its own: pooled connections must not outlive a request.
    unattached = app.state.engine
    engine = app.state.engine = create_async_engine(async_url(stats_url), poolclass=NullPool)
    yield
    app.state.engine = unattached
    engine.sync_engine.dispose()  # NullPool holds no connection, so no event loop is needed


@schema.parametrize()
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_input_makes_a_route_fail_or_break_its_schema(case: Any) -> None:
    case.call_and_validate(
        headers={"Authorization": f"Bearer {TOKEN}"},
        checks=[not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance],
    )
