"""Facts about the database itself, such as whether it is a demo or a real one."""

from sqlmodel import Field, SQLModel


class AppMeta(SQLModel, table=True):
    __tablename__ = "app_meta"

    key: str = Field(max_length=40, primary_key=True)
    value: str = Field(max_length=200)
