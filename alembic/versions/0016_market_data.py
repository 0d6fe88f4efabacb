"""market data: datasets and occupation benchmarks, with the BLS OEWS May 2024 national table
loaded as the default dataset

Revision ID: 0016
Revises: 0010
Create Date: 2026-11-29 15:03:16.987862
"""

import csv
import hashlib
import io
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from importlib import resources

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0016"
down_revision: str | Sequence[str] | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "market_datasets",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("source", sa.String(length=500), nullable=False),
        sa.Column("release", sa.String(length=100), nullable=False),
        sa.Column("area", sa.String(length=100), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("period", sa.String(length=30), nullable=False),
        sa.Column("top_code_floor", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("is_default", sa.Boolean(), nullable=False),
        sa.Column("builtin", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=30), nullable=False),
        sa.Column("row_count", sa.Integer(), nullable=False),
        sa.Column("error_count", sa.Integer(), nullable=False),
        sa.Column(
            "errors", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False
        ),
        sa.Column("checksum_sha256", sa.String(length=64), nullable=True),
        sa.Column("provenance", sa.Text(), nullable=True),
        sa.Column("created_by_id", sa.Uuid(), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_market_datasets")),
    )
    with op.batch_alter_table("market_datasets", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_market_datasets_is_default"), ["is_default"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_market_datasets_updated_at"), ["updated_at"], unique=False
        )

    op.create_table(
        "market_benchmarks",
        sa.Column("dataset_id", sa.Uuid(), nullable=False),
        sa.Column("soc_code", sa.String(length=7), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("soc_level", sa.String(length=30), nullable=False),
        sa.Column("employment", sa.Integer(), nullable=True),
        sa.Column("mean", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("p10", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("p25", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("median", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("p75", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("p90", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column(
            "top_coded", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False
        ),
        sa.Column("wages_available", sa.Boolean(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("period", sa.String(length=30), nullable=False),
        sa.ForeignKeyConstraint(
            ["dataset_id"],
            ["market_datasets.id"],
            name=op.f("fk_market_benchmarks_dataset_id_market_datasets"),
        ),
        sa.PrimaryKeyConstraint("dataset_id", "soc_code", name=op.f("pk_market_benchmarks")),
    )
    with op.batch_alter_table("market_benchmarks", schema=None) as batch_op:
        batch_op.create_index("ix_market_benchmarks_soc_code", ["soc_code"], unique=False)

    load_bls_national()


def downgrade() -> None:
    with op.batch_alter_table("market_benchmarks", schema=None) as batch_op:
        batch_op.drop_index("ix_market_benchmarks_soc_code")

    op.drop_table("market_benchmarks")
    with op.batch_alter_table("market_datasets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_market_datasets_updated_at"))
        batch_op.drop_index(batch_op.f("ix_market_datasets_is_default"))

    op.drop_table("market_datasets")


# The shipped table (app/data/market/PROVENANCE.md says where it comes from). The checksum is
# checked before anything is loaded: a changed file fails the migration rather than loading
# figures nobody verified.
BLS_DATASET_ID = uuid.UUID("01900000-0000-7000-8000-00000000b152")
BLS_FILE = "bls_oews_national_2024.csv"
BLS_SHA256 = "d51df7b2f82e40b7a606e2b9fd9927964bb371b570a641d435142bcc085e7025"
BLS_TOP_CODE_FLOOR = 239200
WAGE_COLUMNS = {
    "mean": "annual_mean",
    "p10": "annual_p10",
    "p25": "annual_p25",
    "median": "annual_median",
    "p75": "annual_p75",
    "p90": "annual_p90",
}


def _bls_rows() -> list[dict[str, object]]:
    data = resources.files("app.data").joinpath("market", BLS_FILE).read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if digest != BLS_SHA256:
        raise RuntimeError(f"{BLS_FILE}: SHA-256 {digest} is not the shipped {BLS_SHA256}")
    rows = []
    for record in csv.DictReader(io.StringIO(data.decode("utf-8"))):
        wages = {
            field: Decimal(record[column]) if record[column] else None
            for field, column in WAGE_COLUMNS.items()
        }
        # BLS prints `*` (no annual wage: every cell empty) or `#` (at or above the top-code
        # floor: the mean is published, the upper percentiles are not).
        available = wages["mean"] is not None
        top_coded = [f for f, v in wages.items() if v is None] if available else []
        rows.append(
            {
                "dataset_id": BLS_DATASET_ID,
                "soc_code": record["soc_code"],
                "title": record["title"],
                "soc_level": record["group"],
                "employment": int(record["employment"]) if record["employment"] else None,
                **wages,
                "top_coded": top_coded,
                "wages_available": available,
                "currency": "USD",
                "period": "year",
            }
        )
    return rows


def load_bls_national() -> None:
    """Load the shipped BLS OEWS May 2024 national table as the default dataset."""
    json_type = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
    money = sa.Numeric(14, 2)
    text = sa.String()
    datasets = sa.table(
        "market_datasets",
        sa.column("id", sa.Uuid()),
        sa.column("created_at", sa.DateTime(timezone=True)),
        sa.column("updated_at", sa.DateTime(timezone=True)),
        sa.column("completed_at", sa.DateTime(timezone=True)),
        sa.column("version", sa.Integer()),
        *(
            sa.column(name, text)
            for name in (
                "name",
                "source",
                "release",
                "area",
                "currency",
                "period",
                "status",
                "checksum_sha256",
                "provenance",
            )
        ),
        sa.column("top_code_floor", money),
        sa.column("is_default", sa.Boolean()),
        sa.column("builtin", sa.Boolean()),
        sa.column("row_count", sa.Integer()),
        sa.column("error_count", sa.Integer()),
        sa.column("errors", json_type),
    )
    benchmarks = sa.table(
        "market_benchmarks",
        sa.column("dataset_id", sa.Uuid()),
        *(
            sa.column(name, text)
            for name in ("soc_code", "title", "soc_level", "currency", "period")
        ),
        sa.column("employment", sa.Integer()),
        *(sa.column(name, money) for name in WAGE_COLUMNS),
        sa.column("top_coded", json_type),
        sa.column("wages_available", sa.Boolean()),
    )
    rows = _bls_rows()
    now = datetime.now(UTC)
    if op.get_bind().dialect.name == "sqlite":
        now = now.replace(tzinfo=None)  # stored naive in UTC, as the app's UTCDateTime does
    op.bulk_insert(
        datasets,
        [
            {
                "id": BLS_DATASET_ID,
                "created_at": now,
                "updated_at": now,
                "version": 1,
                "name": "BLS OEWS national, May 2024",
                "source": (
                    "U.S. Bureau of Labor Statistics, Occupational Employment and Wage Statistics"
                    " (www.bls.gov/oes), May 2024 national cross-industry estimates"
                ),
                "release": "May 2024",
                "area": "United States",
                "currency": "USD",
                "period": "year",
                "top_code_floor": Decimal(BLS_TOP_CODE_FLOOR),
                "is_default": True,
                "builtin": True,
                "status": "ready",
                "row_count": len(rows),
                "error_count": 0,
                "errors": [],
                "checksum_sha256": BLS_SHA256,
                "provenance": f"app/data/market/{BLS_FILE}; see app/data/market/PROVENANCE.md",
                "completed_at": now,
            }
        ],
    )
    op.bulk_insert(benchmarks, rows)
