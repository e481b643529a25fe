"""Preflight: predict, against the live catalog and read-only, what PostgreSQL will refuse.

``run_preflight(package, conn, kit)`` checks a whole package (``check --dsn`` calls it);
``predict(conn, sql)`` is the statement-level engine the differential tests drive directly.
"""

from pgwarden.preflight.engine import predict
from pgwarden.preflight.model import CatalogState
from pgwarden.preflight.prediction import Prediction
from pgwarden.preflight.run import PreflightReport, run_preflight, sidecar_targets

__all__ = ["CatalogState", "Prediction", "PreflightReport", "predict", "run_preflight", "sidecar_targets"]
