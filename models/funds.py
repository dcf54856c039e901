"""Budgets and expenses. Money is integer fen (分); services convert to Decimal yuan."""

from datetime import date

from sqlalchemy import BigInteger, Column, Index, UniqueConstraint
from sqlmodel import Field

from models.base import Recorded


class Budget(Recorded, table=True):
    __table_args__ = (UniqueConstraint("township_id", "year", "category"),)

    id: int | None = Field(default=None, primary_key=True)
    township_id: int = Field(foreign_key="township.id", index=True)
    year: int
    category: str = Field(max_length=40)
    amount_fen: int = Field(sa_column=Column(BigInteger, nullable=False))
    district_share_fen: int = Field(sa_column=Column(BigInteger, nullable=False))
    township_share_fen: int = Field(sa_column=Column(BigInteger, nullable=False))
    # Why a line that breaks a fund rule was saved anyway; it stays listed as an exception.
    exception_reason: str = Field(default="", max_length=500)


class Expense(Recorded, table=True):
    __table_args__ = (
        Index("ix_expense_township_occurred", "township_id", "occurred_on"),
        Index("ix_expense_receipt", "receipt_no"),
    )

    id: int | None = Field(default=None, primary_key=True)
    township_id: int = Field(foreign_key="township.id")
    occurred_on: date
    budget_year: int
    category: str = Field(max_length=40)
    amount_fen: int = Field(sa_column=Column(BigInteger, nullable=False))
    payee: str = Field(max_length=100)
    purpose: str = Field(max_length=300)
    receipt_no: str = Field(max_length=60)
    presidium_approved: bool = False
    approval_ref: str = Field(default="", max_length=100)
    exception_reason: str = Field(default="", max_length=500)
