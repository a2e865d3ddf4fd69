"""Customer accounts in the sandbox: passwords, profile validation, login and cart merge, and the
``loggedIn`` object of Centra's responses.

``customers.data`` holds the complete ``loggedIn`` object (``customer``, ``email`` and
``newsletter`` included, kept equal to their columns), so anything that reads the JSON directly
sees the same object as ``logged_in()``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
import sqlite3
from typing import Any, TypeGuard
from urllib.parse import urlencode

from centra_sandbox.http import ApiError
from centra_sandbox.selections import merge_lines

# Profile keys of Centra's LoggedIn model that a customer may set, all strings.
PROFILE_FIELDS = ("firstName", "lastName", "gender", "phoneNumber")
ADDRESS_FIELDS = (
    "firstName",
    "lastName",
    "address1",
    "address2",
    "zipCode",
    "city",
    "state",
    "country",
    "phoneNumber",
)
LOGGED_IN_STRINGS = (
    "firstName",
    "lastName",
    "gender",
    "address1",
    "address2",
    "zipCode",
    "city",
    "state",
    "country",
    "phoneNumber",
)
MAX_FIELD_LENGTH = 255
PASSWORD_MIN, PASSWORD_MAX = 4, 128
NOT_VALID = "not valid"

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# scrypt at 2**13 costs ~25 ms and 8 MB: real hashing, cheap enough for test suites that register
# many customers. The parameters travel with each hash, so raising them later breaks nothing.
_SCRYPT_N, _SCRYPT_R, _SCRYPT_P = 2**13, 8, 1
_LOCATION_COLUMNS = ("country", "state", "language", "market", "pricelist")


# -- passwords ------------------------------------------------------------------------------------


def hash_password(password: str) -> str:
    """``scrypt$<n>$<r>$<p>$<salt hex>$<hash hex>`` with a fresh per-customer salt."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(
        password.encode(), salt=salt, n=_SCRYPT_N, r=_SCRYPT_R, p=_SCRYPT_P, dklen=32
    )
    return f"scrypt${_SCRYPT_N}${_SCRYPT_R}${_SCRYPT_P}${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, expected = stored.split("$")
        if scheme != "scrypt":
            return False
        digest = hashlib.scrypt(
            password.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p), dklen=32
        )
    except ValueError:
        return False
    return hmac.compare_digest(digest.hex(), expected)


# Verified against when the email is unknown, so a wrong email costs as long as a wrong password.
_DUMMY_HASH = hash_password(secrets.token_hex(8))


def valid_password(value: Any) -> TypeGuard[str]:
    return isinstance(value, str) and PASSWORD_MIN <= len(value) <= PASSWORD_MAX


def valid_email(value: Any) -> TypeGuard[str]:
    return isinstance(value, str) and len(value) <= 254 and bool(_EMAIL.match(value))


# -- profile validation ---------------------------------------------------------------------------


def clean_fields(
    db: sqlite3.Connection, body: dict[str, Any], allowed: tuple[str, ...], current: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, str]]:
    """The changes ``body`` asks for among ``allowed`` keys, and the errors of the invalid ones.

    Strings are trimmed; ``country`` must be a known country, ``state`` one of its states when it
    has any, ``language`` a known language (or null), ``newsletter`` a boolean and ``consents`` a
    list of ``{key, consented}`` objects. Keys outside ``allowed`` are ignored, as Centra ignores
    fields it does not know.
    """
    changes: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for key in allowed:
        if key not in body:
            continue
        value = body[key]
        if key == "newsletter":
            if isinstance(value, bool):
                changes[key] = value
            else:
                errors[key] = NOT_VALID
        elif key == "language":
            if value is None or value == "":
                changes[key] = None
            elif isinstance(value, str) and _exists(db, "languages", "code", value):
                changes[key] = value
            else:
                errors[key] = NOT_VALID
        elif key == "consents":
            consents = _clean_consents(value)
            if consents is None:
                errors[key] = NOT_VALID
            else:
                changes[key] = consents
        elif isinstance(value, str) and len(value.strip()) <= MAX_FIELD_LENGTH:
            changes[key] = value.strip()
        elif value is None:
            changes[key] = ""
        else:
            errors[key] = NOT_VALID
    if changes.get("country"):
        changes["country"] = changes["country"].upper()
        if not _exists(db, "countries", "code", changes["country"]):
            errors["country"] = NOT_VALID
    if "country" not in errors and ("state" in changes or "country" in changes):
        country = changes.get("country", current.get("country", ""))
        state = changes.get("state", current.get("state", ""))
        if state and country and not _state_allowed(db, country, state):
            errors["state"] = NOT_VALID
    return changes, errors


def _clean_consents(value: Any) -> list[dict[str, Any]] | None:
    if not isinstance(value, list):
        return None
    cleaned = []
    for entry in value:
        if not isinstance(entry, dict):
            return None
        key, consented = entry.get("key"), entry.get("consented")
        if not isinstance(key, str) or not key or not isinstance(consented, bool):
            return None
        extra = {
            k: v
            for k, v in entry.items()
            if k in ("name", "text", "version", "language") and isinstance(v, str)
        }
        cleaned.append({"key": key, "consented": consented, **extra})
    return cleaned


def _exists(db: sqlite3.Connection, table: str, column: str, value: str) -> bool:
    # Table and column names come from this module only, never from a request.
    sql = f"SELECT 1 FROM {table} WHERE {column} = ?"  # noqa: S608
    return db.execute(sql, (value,)).fetchone() is not None


def _state_allowed(db: sqlite3.Connection, country: str, state: str) -> bool:
    states = db.execute("SELECT code FROM states WHERE country = ?", (country,)).fetchall()
    return not states or state in {row["code"] for row in states}


# -- customers ------------------------------------------------------------------------------------


def find_customer(db: sqlite3.Connection, email: str) -> sqlite3.Row | None:
    return db.execute("SELECT * FROM customers WHERE email = ?", (email.strip(),)).fetchone()


def authenticate(db: sqlite3.Connection, email: str, password: Any) -> int | None:
    """The customer's id when the password is right; None for a wrong password or unknown email."""
    customer = find_customer(db, email) if isinstance(email, str) else None
    stored = customer["password_hash"] if customer else _DUMMY_HASH
    ok = isinstance(password, str) and verify_password(password, stored)
    return customer["id"] if ok and customer else None


def create_customer(
    db: sqlite3.Connection,
    email: str,
    password: str,
    fields: dict[str, Any],
    now: float,
) -> int:
    cursor = db.execute(
        "INSERT INTO customers (email, password_hash, newsletter, created_at) VALUES (?, ?, ?, ?)",
        (email.strip(), hash_password(password), int(fields.get("newsletter", False)), now),
    )
    customer_id = int(cursor.lastrowid or 0)
    update_customer(db, customer_id, fields)
    return customer_id


def update_customer(db: sqlite3.Connection, customer_id: int, changes: dict[str, Any]) -> None:
    """Apply validated changes and rewrite ``data`` as the complete ``loggedIn`` object."""
    if "newsletter" in changes:
        db.execute(
            "UPDATE customers SET newsletter = ? WHERE id = ?",
            (int(changes["newsletter"]), customer_id),
        )
    if "email" in changes:
        db.execute("UPDATE customers SET email = ? WHERE id = ?", (changes["email"], customer_id))
    row = _customer_row(db, customer_id)
    data = json.loads(row["data"])
    data.update({k: v for k, v in changes.items() if k not in ("email", "newsletter")})
    snapshot = _serialize(row["id"], row["email"], row["newsletter"], data)
    db.execute("UPDATE customers SET data = ? WHERE id = ?", (json.dumps(snapshot), customer_id))


def set_password(db: sqlite3.Connection, customer_id: int, password: str) -> None:
    db.execute(
        "UPDATE customers SET password_hash = ? WHERE id = ?",
        (hash_password(password), customer_id),
    )


def logged_in(db: sqlite3.Connection, customer_id: int) -> dict[str, Any]:
    """Centra's ``loggedIn`` object: the customer id as a string, empty strings for unset text
    fields, ``language`` null when unset, ``consents`` only when the customer has any."""
    row = _customer_row(db, customer_id)
    return _serialize(row["id"], row["email"], row["newsletter"], json.loads(row["data"]))


def _customer_row(db: sqlite3.Connection, customer_id: int) -> sqlite3.Row:
    row = db.execute(
        "SELECT id, email, newsletter, data FROM customers WHERE id = ?", (customer_id,)
    ).fetchone()
    if row is None:
        raise LookupError(f"no customer {customer_id}")
    return row


def _serialize(customer_id: int, email: str, newsletter: int, data: Any) -> dict[str, Any]:
    data = data if isinstance(data, dict) else {}
    result: dict[str, Any] = {"customer": str(customer_id), "email": email}
    for key in LOGGED_IN_STRINGS:
        value = data.get(key)
        result[key] = value if isinstance(value, str) else ""
    result["language"] = data.get("language") or None
    result["newsletter"] = bool(newsletter)
    if data.get("consents"):
        result["consents"] = data["consents"]
    return result


# -- sessions: login, cart merge, logout ----------------------------------------------------------


def log_in(db: sqlite3.Connection, token: str, customer_id: int, now: float) -> str:
    """Tie the session to the customer and return the selection it now uses.

    The pre-login cart merges into the customer's saved selection: lines of the same item and
    comment add up, other lines move over, and the saved selection takes the session's location
    (the shopper's current country and language win over where they last shopped). A cart that
    belonged to another logged-in customer is left to them: the new customer gets their own.
    """
    session = db.execute("SELECT * FROM sessions WHERE token = ?", (token,)).fetchone()
    current_id = session["selection_id"]
    customer = db.execute("SELECT * FROM customers WHERE id = ?", (customer_id,)).fetchone()
    saved_id = _saved_selection(db, customer)
    cart_is_someone_elses = session["customer_id"] not in (None, customer_id)

    if saved_id is None:
        saved_id = new_selection(db, current_id, now) if cart_is_someone_elses else current_id
    elif saved_id != current_id and not cart_is_someone_elses:
        merge_lines(db, current_id, saved_id)
        _copy_location(db, current_id, saved_id)

    db.execute("UPDATE customers SET saved_selection_id = ? WHERE id = ?", (saved_id, customer_id))
    db.execute("UPDATE selections SET customer_id = ? WHERE id = ?", (customer_id, saved_id))
    db.execute(
        "UPDATE sessions SET customer_id = ?, selection_id = ? WHERE token = ?",
        (customer_id, saved_id, token),
    )
    return saved_id


def log_out(db: sqlite3.Connection, token: str, now: float) -> str:
    """Remove the login from the token and give it a new, empty selection in the same location;
    the customer's saved selection stays theirs for the next login."""
    session = db.execute("SELECT selection_id FROM sessions WHERE token = ?", (token,)).fetchone()
    selection_id = new_selection(db, session["selection_id"], now)
    db.execute(
        "UPDATE sessions SET customer_id = NULL, selection_id = ? WHERE token = ?",
        (selection_id, token),
    )
    return selection_id


def new_selection(db: sqlite3.Connection, like_id: str, now: float) -> str:
    """An empty selection in the same country, language, market and pricelist as ``like_id``."""
    selection_id = secrets.token_hex(16)
    like = db.execute("SELECT * FROM selections WHERE id = ?", (like_id,)).fetchone()
    location = [like[c] if like else None for c in _LOCATION_COLUMNS]
    db.execute(
        "INSERT INTO selections (id, created_at, country, state, language, market, pricelist) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        (selection_id, now, *location),
    )
    return selection_id


def _copy_location(db: sqlite3.Connection, source_id: str, target_id: str) -> None:
    source = db.execute("SELECT * FROM selections WHERE id = ?", (source_id,)).fetchone()
    for column in _LOCATION_COLUMNS:
        if source[column] is not None:
            # Column names come from _LOCATION_COLUMNS, never from a request.
            db.execute(
                f"UPDATE selections SET {column} = ? WHERE id = ?",  # noqa: S608
                (source[column], target_id),
            )


def _saved_selection(db: sqlite3.Connection, customer: sqlite3.Row) -> str | None:
    """The customer's saved selection; when it became an order, their newest selection that did
    not (the one a logged-in session was given after the order), if any."""
    open_selection = (
        "SELECT s.id FROM selections s LEFT JOIN orders o ON o.selection_id = s.id "
        "WHERE s.order_number IS NULL AND o.number IS NULL AND "
    )
    if customer["saved_selection_id"] is not None:
        row = db.execute(open_selection + "s.id = ?", (customer["saved_selection_id"],)).fetchone()
        if row:
            return row["id"]
    row = db.execute(
        open_selection + "s.customer_id = ? ORDER BY s.created_at DESC LIMIT 1", (customer["id"],)
    ).fetchone()
    return row["id"] if row else None


# -- password reset -------------------------------------------------------------------------------

RESET_LIFETIME = 24 * 3600
RESET_SUBJECT = "Reset your password"


def start_password_reset(
    db: sqlite3.Connection, email: str, link_uri: str, frontend_url: str, now: float
) -> None:
    """Mail a reset link to the customer, if there is one with this email.

    Only a digest of the link's secret is stored, and a new link voids the customer's earlier
    ones. Nothing observable differs for an unknown email except the absence of the mail.
    """
    customer = find_customer(db, email)
    if customer is None:
        return
    reset_id, secret = secrets.token_hex(16), secrets.token_urlsafe(24)
    db.execute(
        "UPDATE password_resets SET used = 1 WHERE customer_id = ? AND used = 0", (customer["id"],)
    )
    db.execute(
        "INSERT INTO password_resets (id, hash, customer_id, expires_at) VALUES (?, ?, ?, ?)",
        (reset_id, _digest(secret), customer["id"], now + RESET_LIFETIME),
    )
    link = reset_link(frontend_url, link_uri, reset_id, secret)
    body = (
        "Hello,\n\nSomeone asked to reset the password of your account. To choose a new one, "
        f"open this link within 24 hours:\n\n{link}\n\nIf it was not you, ignore this email.\n"
    )
    db.execute(
        "INSERT INTO outbox_emails (recipient, subject, body, link, created_at) "
        "VALUES (?, ?, ?, ?, ?)",
        (customer["email"], RESET_SUBJECT, body, link, now),
    )


def reset_link(frontend_url: str, link_uri: str, reset_id: str, secret: str) -> str:
    """``<frontendUrl>/<linkUri>?id=<id>&i=<hash>``, as Centra builds it."""
    query = urlencode({"id": reset_id, "i": secret})
    return f"{frontend_url.rstrip('/')}/{link_uri.strip('/')}?{query}"


def redeem_password_reset(db: sqlite3.Connection, reset_id: Any, secret: Any, now: float) -> int:
    """Check a reset link and mark it used; the customer's id, or a 406 naming why not.

    Whether a link was used or expired is only told to whoever holds its secret.
    """
    row = None
    if isinstance(reset_id, str) and isinstance(secret, str):
        row = db.execute("SELECT * FROM password_resets WHERE id = ?", (reset_id,)).fetchone()
    if row is None or not hmac.compare_digest(row["hash"], _digest(secret)):
        raise ApiError(406, {"i": NOT_VALID})
    if row["used"]:
        raise ApiError(406, {"i": "already used"})
    if row["expires_at"] <= now:
        raise ApiError(406, {"i": "expired"})
    db.execute("UPDATE password_resets SET used = 1 WHERE id = ?", (reset_id,))
    return int(row["customer_id"])


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


# -- newsletter -----------------------------------------------------------------------------------


def subscribe_newsletter(
    db: sqlite3.Connection, email: str, country: str | None, language: str | None, now: float
) -> None:
    """Record a subscription once per email; a repeat updates its country and language."""
    existing = db.execute(
        "SELECT rowid FROM newsletter_subscriptions WHERE email = ? COLLATE NOCASE", (email,)
    ).fetchone()
    if existing:
        db.execute(
            "UPDATE newsletter_subscriptions SET country = COALESCE(?, country), "
            "language = COALESCE(?, language) WHERE rowid = ?",
            (country, language, existing["rowid"]),
        )
    else:
        db.execute(
            "INSERT INTO newsletter_subscriptions (email, country, language, created_at) "
            "VALUES (?, ?, ?, ?)",
            (email, country, language, now),
        )
