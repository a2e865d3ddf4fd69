"""Importing this module registers every route of the sandbox on its router."""

from centra_sandbox import (  # noqa: F401
    catalog,
    control_api,
    customers,
    general,
    hosted_payment,
    media,
    payment,
    selection,
    wishlists,
)
