"""The demo catalog: a deterministic, seeded shop the sandbox serves out of the box.

Everything comes from one ``random.Random(seed)``, so the same seed and product count always give
the same rows. Besides random variety, some features are forced by product position so even a
small catalog (the tests use 60 products) has inactive, sold-out, unpriced and market-limited
products. The first product (id 101) is plain on purpose: active, full price in every pricelist,
sold in the public markets, every size in stock.
"""

from __future__ import annotations

import json
import random
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from centra_sandbox.size_charts import CHARTS
from centra_sandbox.store import Store

LANGUAGES = [("en", "English", 1), ("sv", "Swedish", 0), ("de", "German", 0)]

CURRENCIES = [
    # code, name, prefix, suffix, decimal point, digits, thousands separator, denominator, uri
    ("SEK", "Swedish krona", "", " SEK", ".", 2, " ", 100, "sek"),
    ("EUR", "Euro", "€", "", ",", 2, ".", 100, "eur"),
    ("USD", "US dollar", "$ ", " USD", ".", 2, ",", 100, "usd"),
]

MARKETS = [(1, "Europe", 1, 0), (2, "North America", 0, 0), (3, "VIP", 0, 1)]
VIP_MARKET = 3

PRICELISTS = [
    (1, "Sweden SEK", 1, "SEK"),
    (2, "Europe EUR", 0, "EUR"),
    (3, "North America USD", 0, "USD"),
    (4, "VIP SEK", 0, "SEK"),
]

COUNTRIES = [
    # code, name, eu, ship_to, market, pricelist, language, tax %, tax included
    ("SE", "Sweden", 1, 1, 1, 1, "sv", 25.0, 1),
    ("DK", "Denmark", 1, 1, 1, 2, "en", 25.0, 1),
    ("FI", "Finland", 1, 1, 1, 2, "en", 24.0, 1),
    ("DE", "Germany", 1, 1, 1, 2, "de", 19.0, 1),
    ("AT", "Austria", 1, 1, 1, 2, "de", 20.0, 1),
    ("FR", "France", 1, 1, 1, 2, "en", 20.0, 1),
    ("NL", "Netherlands", 1, 1, 1, 2, "en", 21.0, 1),
    ("NO", "Norway", 0, 1, 1, 2, "en", 25.0, 1),
    ("GB", "United Kingdom", 0, 1, 1, 2, "en", 20.0, 1),
    # North American sales tax is added on top of prices, per state where there are states.
    ("US", "United States", 0, 1, 2, 3, "en", 6.0, 0),
    ("CA", "Canada", 0, 1, 2, 3, "en", 5.0, 0),
    ("CH", "Switzerland", 0, 0, 1, 2, "de", 8.1, 1),
]

# Every state of the two countries that have them. A state with a tax percent is taxed at it;
# the others at their country's percent.
STATES: dict[str, list[tuple[str, str, float | None]]] = {
    "US": [
        ("AL", "Alabama", None),
        ("AK", "Alaska", None),
        ("AZ", "Arizona", None),
        ("AR", "Arkansas", None),
        ("CA", "California", 7.25),
        ("CO", "Colorado", None),
        ("CT", "Connecticut", None),
        ("DE", "Delaware", None),
        ("DC", "District of Columbia", None),
        ("FL", "Florida", 6.0),
        ("GA", "Georgia", None),
        ("HI", "Hawaii", None),
        ("ID", "Idaho", None),
        ("IL", "Illinois", None),
        ("IN", "Indiana", None),
        ("IA", "Iowa", None),
        ("KS", "Kansas", None),
        ("KY", "Kentucky", None),
        ("LA", "Louisiana", None),
        ("ME", "Maine", None),
        ("MD", "Maryland", None),
        ("MA", "Massachusetts", None),
        ("MI", "Michigan", None),
        ("MN", "Minnesota", None),
        ("MS", "Mississippi", None),
        ("MO", "Missouri", None),
        ("MT", "Montana", None),
        ("NE", "Nebraska", None),
        ("NV", "Nevada", None),
        ("NH", "New Hampshire", None),
        ("NJ", "New Jersey", None),
        ("NM", "New Mexico", None),
        ("NY", "New York", 4.0),
        ("NC", "North Carolina", None),
        ("ND", "North Dakota", None),
        ("OH", "Ohio", None),
        ("OK", "Oklahoma", None),
        ("OR", "Oregon", 0.0),
        ("PA", "Pennsylvania", None),
        ("RI", "Rhode Island", None),
        ("SC", "South Carolina", None),
        ("SD", "South Dakota", None),
        ("TN", "Tennessee", None),
        ("TX", "Texas", 6.25),
        ("UT", "Utah", None),
        ("VT", "Vermont", None),
        ("VA", "Virginia", None),
        ("WA", "Washington", 6.5),
        ("WV", "West Virginia", None),
        ("WI", "Wisconsin", None),
        ("WY", "Wyoming", None),
    ],
    "CA": [
        ("AB", "Alberta", None),
        ("BC", "British Columbia", None),
        ("MB", "Manitoba", None),
        ("NB", "New Brunswick", None),
        ("NL", "Newfoundland and Labrador", None),
        ("NT", "Northwest Territories", None),
        ("NS", "Nova Scotia", None),
        ("NU", "Nunavut", None),
        ("ON", "Ontario", None),
        ("PE", "Prince Edward Island", None),
        ("QC", "Quebec", None),
        ("SK", "Saskatchewan", None),
        ("YT", "Yukon", None),
    ],
}

BRANDS = [
    (1, "Nordvik"),
    (2, "Björnstad"),
    (3, "Atelier Lumière"),
    (4, "Hale & Co"),
    (5, "Solberg"),
    (6, "Kestrel"),
    (7, "Maison Éclair"),
    (8, "Vanta"),
]

COLLECTIONS = [
    (21, "Spring Summer 2024", "ss24"),
    (22, "Autumn Winter 2024", "aw24"),
    (23, "Essentials", "essentials"),
    (24, "Studio Edition", "studio-edition"),
]


@dataclass
class Leaf:
    slug: str
    names: tuple[str, str, str]  # en, sv, de
    chart: str  # a size chart of size_charts.CHARTS
    nouns: list[tuple[str, str, str]]
    active: bool = True


@dataclass
class Root:
    slug: str
    names: tuple[str, str, str]
    leaves: list[Leaf] = field(default_factory=list)


CATEGORY_TREE = [
    Root(
        "womens",
        ("Womens", "Dam", "Damen"),
        [
            Leaf(
                "shoes",
                ("Shoes", "Skor", "Schuhe"),
                "shoes",
                [
                    ("Sneaker", "Sneaker", "Sneaker"),
                    ("Ankle Boot", "Boots", "Stiefelette"),
                    ("Loafer", "Loafer", "Loafer"),
                ],
            ),
            Leaf(
                "dresses",
                ("Dresses", "Klänningar", "Kleider"),
                "clothing",
                [
                    ("Midi Dress", "Midiklänning", "Midikleid"),
                    ("Wrap Dress", "Omlottklänning", "Wickelkleid"),
                ],
            ),
            Leaf(
                "jackets",
                ("Jackets", "Jackor", "Jacken"),
                "clothing",
                [("Parka", "Parkas", "Parka"), ("Blazer", "Kavaj", "Blazer")],
            ),
            Leaf(
                "jeans",
                ("Jeans", "Jeans", "Jeans"),
                "jeans",
                [
                    ("Straight Jeans", "Raka jeans", "Gerade Jeans"),
                    ("Wide Jeans", "Vida jeans", "Weite Jeans"),
                ],
            ),
            # Unpublished: only visible in preview.
            Leaf(
                "capsule",
                ("Capsule", "Kapsel", "Kapsel"),
                "clothing",
                [("Capsule Top", "Kapseltopp", "Kapsel-Top")],
                active=False,
            ),
        ],
    ),
    Root(
        "mens",
        ("Mens", "Herr", "Herren"),
        [
            Leaf(
                "shoes",
                ("Shoes", "Skor", "Schuhe"),
                "shoes",
                [("Runner", "Löparsko", "Laufschuh"), ("Derby", "Derbysko", "Derby-Schuh")],
            ),
            Leaf(
                "shirts",
                ("Shirts", "Skjortor", "Hemden"),
                "clothing",
                [
                    ("Oxford Shirt", "Oxfordskjorta", "Oxfordhemd"),
                    ("Linen Shirt", "Linneskjorta", "Leinenhemd"),
                ],
            ),
            Leaf(
                "jackets",
                ("Jackets", "Jackor", "Jacken"),
                "clothing",
                [("Field Jacket", "Fältjacka", "Feldjacke"), ("Puffer", "Dunjacka", "Daunenjacke")],
            ),
            Leaf(
                "jeans",
                ("Jeans", "Jeans", "Jeans"),
                "jeans",
                [
                    ("Slim Jeans", "Smala jeans", "Schmale Jeans"),
                    ("Loose Jeans", "Lösa jeans", "Lockere Jeans"),
                ],
            ),
        ],
    ),
    Root(
        "accessories",
        ("Accessories", "Accessoarer", "Accessoires"),
        [
            Leaf(
                "bags",
                ("Bags", "Väskor", "Taschen"),
                "one-size",
                [("Tote", "Tygkasse", "Tragetasche"), ("Backpack", "Ryggsäck", "Rucksack")],
            ),
            Leaf(
                "hats",
                ("Hats", "Mössor", "Mützen"),
                "one-size",
                [("Beanie", "Mössa", "Mütze"), ("Bucket Hat", "Buckethatt", "Fischerhut")],
            ),
        ],
    ),
]

# Name prefixes; "Crème" and "Fjäll" give searches something to fold ("creme", "fjall").
ADJECTIVES = [
    ("Classic", "Klassisk", "Klassisch"),
    ("Relaxed", "Avslappnad", "Lässig"),
    ("Crème", "Crème", "Crème"),
    ("Fjäll", "Fjäll", "Fjäll"),
    ("Urban", "Urban", "Urban"),
    ("Coastal", "Kust", "Küsten"),
    ("Studio", "Studio", "Studio"),
    ("Heritage", "Arv", "Erbe"),
]

COLOURS = [
    # en desc, hex, sv, de
    ("Red", "ff0000", "röd", "rot"),
    ("Green", "2e8b57", "grön", "grün"),
    ("Blue", "1f4e9c", "blå", "blau"),
    ("Black", "111111", "svart", "schwarz"),
    ("White", "f5f5f5", "vit", "weiß"),
    ("Beige", "d8c3a5", "beige", "beige"),
    ("Navy", "1b2a49", "marinblå", "marineblau"),
    ("Brown", "6b4226", "brun", "braun"),
]

MATERIALS = [
    ("Organic cotton", "ekologisk bomull", "Bio-Baumwolle"),
    ("Wool", "ull", "Wolle"),
    ("Leather", "läder", "Leder"),
    ("Linen", "linne", "Leinen"),
    ("Denim", "denim", "Denim"),
    ("Recycled polyester", "återvunnen polyester", "recyceltem Polyester"),
]

COUNTRIES_OF_ORIGIN = ["SE", "PT", "IT", "TR", "CN", "VN", "IN"]

SEK_PRICES = [199, 249, 299, 399, 499, 599, 799, 999, 1299, 1499, 1999, 2499, 2999]
DISCOUNTS = [10, 20, 25, 30, 40, 50]

VOUCHERS = [
    ("WELCOME10", "percent", 10.0, "10% off your order"),
    ("SAVE100", "fixed", 100.0, "100 off your order"),
    # A code with "+" exercises URL-encoding of path parameters (DELETE vouchers/TEST%2BCODE).
    ("TEST+CODE", "percent", 15.0, "Test code: 15% off"),
    # Everything off: with free delivery (pick-up in Sweden) the order costs nothing, and
    # Centra completes it without a payment provider.
    ("FREE100", "percent", 100.0, "Test code: 100% off"),
]

SHIPPING_METHODS = [
    ("standard", "Standard delivery", 1),
    ("express", "Express delivery", 2),
    ("pickup", "Pick up in store", 3),
]
# Price per method and pricelist currency; the VIP pricelist ships standard for free.
SHIPPING_PRICES = {
    "standard": {1: 49.0, 2: 4.9, 3: 5.9, 4: 0.0},
    "express": {1: 129.0, 2: 12.9, 3: 14.9, 4: 99.0},
    "pickup": {1: 0.0, 2: 0.0, 3: 0.0, 4: 0.0},
}
PICKUP_COUNTRIES = {"SE"}

PAYMENT_METHODS = [
    ("sandbox-redirect", "Card (sandbox redirect)", "redirect", 1, 0.0),
    ("sandbox-form", "Invoice (sandbox form)", "form", 2, 0.0),
    ("sandbox-direct", "Direct (sandbox)", "direct", 3, 0.0),
    ("sandbox-widget", "Card (sandbox widget)", "widget", 4, 0.0),
]

SUBSCRIPTION_PLANS = [
    # id, name, interval value, interval type, discount %, shipping type, status
    (1, "1 month subscription", 1, "month", 10.0, "DYNAMIC", "ACTIVE"),
    (2, "3 months subscription", 3, "month", 15.0, "DYNAMIC", "ACTIVE"),
    (3, "1 year subscription", 1, "year", 20.0, "DYNAMIC", "ACTIVE"),
]
# Accessories of the Essentials collection (bags and hats, the one-size chart) can be
# subscribed to: each offers every plan.
SUBSCRIBABLE_COLLECTION = 23
SUBSCRIBABLE_CHART = "one-size"

CMS_TEXTS: dict[str, dict[str, tuple[str, str]]] = {
    # uri -> language -> (title, body html)
    "home": {
        "en": ("Welcome", "<p>New arrivals every week, delivered from Stockholm.</p>"),
        "sv": ("Välkommen", "<p>Nyheter varje vecka, levererade från Stockholm.</p>"),
        "de": ("Willkommen", "<p>Jede Woche Neuheiten, geliefert aus Stockholm.</p>"),
    },
    "about": {
        "en": ("About us", "<p>We make clothes that last, in small batches.</p>"),
        "sv": ("Om oss", "<p>Vi gör kläder som håller, i små serier.</p>"),
        "de": ("Über uns", "<p>Wir machen langlebige Kleidung in kleinen Serien.</p>"),
    },
    "customer-service/shipping": {
        "en": ("Shipping", "<p>Orders ship within two working days.</p>"),
        "sv": ("Frakt", "<p>Beställningar skickas inom två arbetsdagar.</p>"),
        "de": ("Versand", "<p>Bestellungen werden innerhalb von zwei Werktagen versandt.</p>"),
    },
    "summer-preview": {
        "en": ("Summer preview", "<p>Our summer collection, before anyone else.</p>"),
        "sv": ("Sommarförhandsvisning", "<p>Vår sommarkollektion, före alla andra.</p>"),
        "de": ("Sommervorschau", "<p>Unsere Sommerkollektion, vor allen anderen.</p>"),
    },
    # The footer's other pages (FOOTER_PAGES, LEGAL_PAGES): added last, so the ids above stay.
    "customer-service/returns": {
        "en": ("Returns", "<p>Return anything unworn within 30 days, free of charge.</p>"),
        "sv": ("Returer", "<p>Returnera oanvända varor inom 30 dagar, utan kostnad.</p>"),
        "de": ("Rücksendungen", "<p>Ungetragene Ware innerhalb von 30 Tagen kostenlos zurück.</p>"),
    },
    "terms": {
        "en": ("Terms and conditions", "<p>These terms apply to every order in this shop.</p>"),
        "sv": ("Köpvillkor", "<p>Dessa villkor gäller för varje beställning i butiken.</p>"),
        "de": ("AGB", "<p>Diese Bedingungen gelten für jede Bestellung in diesem Shop.</p>"),
    },
    "privacy": {
        "en": ("Privacy policy", "<p>We keep only what your orders need.</p>"),
        "sv": ("Integritetspolicy", "<p>Vi sparar bara det som dina beställningar kräver.</p>"),
        "de": ("Datenschutz", "<p>Wir speichern nur, was Ihre Bestellungen brauchen.</p>"),
    },
}
INACTIVE_ARTICLES = {"summer-preview"}

CATALOG_TABLES = [
    # Children before parents, for the foreign keys.
    "product_subscription_plans",
    "related_products",
    "media",
    "items",
    "product_categories",
    "product_prices",
    "product_markets",
    "product_texts",
    "products",
    "subscription_plans",
    "category_texts",
    "categories",
    "collections",
    "brands",
    "cms_texts",
    "cms_articles",
    "vouchers",
    "shipping_rates",
    "shipping_methods",
    "payment_methods",
    "states",
    "countries",
    "languages",
    "pricelists",
    "markets",
    "currencies",
]

FIRST_PRODUCT_ID = 101
FIRST_CENTRA_PRODUCT = 5001
FIRST_CENTRA_VARIANT = 9001
FIRST_CATEGORY_ID = 41


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def ean13(number: int) -> str:
    digits = f"73{number:010d}"
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(digits))
    return digits + str((10 - total % 10) % 10)


def load_demo(store: Store, products: int = 60, seed: int = 1) -> None:
    """Replace the store's catalog with the demo catalog; runtime tables are left alone."""
    if products < 1:
        raise ValueError("the demo catalog needs at least one product")
    rows = _DemoBuilder(random.Random(seed), products).build()
    db = store.db
    # A control call may reload the demo inside its own request transaction.
    owns_transaction = not db.in_transaction
    if owns_transaction:
        db.execute("BEGIN")
    try:
        for table in CATALOG_TABLES:
            db.execute(f"DELETE FROM {table}")  # noqa: S608 - table names are constants
        for table in reversed(CATALOG_TABLES):
            table_rows = rows.get(table)
            if table_rows:
                marks = ", ".join("?" * len(table_rows[0]))
                db.executemany(f"INSERT INTO {table} VALUES ({marks})", table_rows)  # noqa: S608
        store.set_meta("demo_seed", seed)
        store.set_meta("demo_products", products)
    except BaseException:
        if owns_transaction:
            db.execute("ROLLBACK")
        raise
    if owns_transaction:
        db.execute("COMMIT")


class _DemoBuilder:
    """Builds every catalog row in memory, in the column order of store.SCHEMA."""

    def __init__(self, rng: random.Random, count: int) -> None:
        self.rng = rng
        self.count = count
        self.rows: dict[str, list[tuple[Any, ...]]] = {table: [] for table in CATALOG_TABLES}

    def build(self) -> dict[str, list[tuple[Any, ...]]]:
        self._settings()
        leaves = self._categories()
        self._brands_and_collections()
        self._products(leaves)
        self._cms()
        self._checkout()
        return self.rows

    # -- settings -----------------------------------------------------------------------------

    def _settings(self) -> None:
        self.rows["currencies"] = list(CURRENCIES)
        self.rows["markets"] = list(MARKETS)
        self.rows["pricelists"] = list(PRICELISTS)
        self.rows["languages"] = list(LANGUAGES)
        self.rows["countries"] = list(COUNTRIES)
        self.rows["states"] = [
            (country, code, name, tax)
            for country, states in STATES.items()
            for code, name, tax in states
        ]

    def _categories(self) -> list[tuple[int, int, Leaf]]:
        """Insert the tree; returns (leaf id, root id, leaf) for product placement."""
        leaves = []
        next_id = FIRST_CATEGORY_ID
        for root_pos, root in enumerate(CATEGORY_TREE):
            root_id = next_id
            next_id += 1
            self.rows["categories"].append((root_id, None, root.slug, root_pos + 1, 1))
            self._category_texts(root_id, root.names, None)
            for leaf_pos, leaf in enumerate(root.leaves):
                leaf_id = next_id
                next_id += 1
                uri = f"{root.slug}/{leaf.slug}"
                self.rows["categories"].append(
                    (leaf_id, root_id, uri, leaf_pos + 1, int(leaf.active))
                )
                self._category_texts(leaf_id, leaf.names, root.names)
                leaves.append((leaf_id, root_id, leaf))
        # A sale category filled with discounted products later on.
        self.sale_id = next_id
        self.rows["categories"].append((self.sale_id, None, "sale", len(CATEGORY_TREE) + 1, 1))
        self._category_texts(self.sale_id, ("Sale", "Rea", "Sale"), None)
        return leaves

    def _category_texts(
        self, category_id: int, names: tuple[str, ...], parent: tuple[str, ...] | None
    ) -> None:
        for lang_index, (lang, _, _) in enumerate(LANGUAGES):
            name = names[lang_index]
            full = f"{parent[lang_index]} {name}" if parent else name
            self.rows["category_texts"].append(
                (category_id, lang, name, full, f"{full}: shop online", full.lower())
            )

    def _brands_and_collections(self) -> None:
        for brand_id, name in BRANDS:
            self.rows["brands"].append(
                (brand_id, name, slugify(name), name, f"Shop {name} online", name.lower())
            )
        self.rows["collections"] = list(COLLECTIONS)

    # -- products -----------------------------------------------------------------------------

    def _products(self, leaves: list[tuple[int, int, Leaf]]) -> None:
        rng = self.rng
        start = datetime(2023, 1, 1)
        used_uris: set[str] = set()
        category_members: dict[int, list[int]] = {}
        groups: list[list[int]] = []
        index = 0
        centra_product = FIRST_CENTRA_PRODUCT
        published = [leaf for leaf in leaves if leaf[2].active]
        unpublished = [leaf for leaf in leaves if not leaf[2].active]
        capsule_done = False
        while index < self.count:
            # The unpublished category gets a small share, and always some product.
            if (index >= 2 and not capsule_done) or (index > 0 and rng.random() < 0.02):
                capsule_done = True
                leaf_id, root_id, leaf = unpublished[rng.randrange(len(unpublished))]
            else:
                leaf_id, root_id, leaf = published[rng.randrange(len(published))]
            adjective = ADJECTIVES[rng.randrange(len(ADJECTIVES))]
            noun = leaf.nouns[rng.randrange(len(leaf.nouns))]
            brand_id = BRANDS[rng.randrange(len(BRANDS))][0]
            collection = (
                COLLECTIONS[rng.randrange(len(COLLECTIONS))][0] if rng.random() < 0.8 else None
            )
            material = MATERIALS[rng.randrange(len(MATERIALS))]
            sizes = self._pick_sizes(leaf.chart)
            base_sek = SEK_PRICES[rng.randrange(len(SEK_PRICES))]
            origin = COUNTRIES_OF_ORIGIN[rng.randrange(len(COUNTRIES_OF_ORIGIN))]
            colours = rng.sample(COLOURS, k=min(rng.choice([1, 1, 2, 3]), self.count - index))
            group = []
            for colour in colours:
                pid = FIRST_PRODUCT_ID + index
                created = start + timedelta(days=rng.randrange(700), seconds=rng.randrange(86400))
                modified = created + timedelta(
                    days=rng.randrange(120), seconds=rng.randrange(86400)
                )
                names = tuple(f"{a} {n}" for a, n in zip(adjective, noun, strict=True))
                uri = slugify(f"{names[0]} {colour[0]}")
                while uri in used_uris:
                    uri = f"{slugify(f'{names[0]} {colour[0]}')}-{pid}"
                used_uris.add(uri)
                variant_sku = f"{colour[0][:3].upper()}"
                product_sku = f"P{centra_product:05d}"
                self.rows["products"].append(
                    (
                        pid,
                        centra_product,
                        FIRST_CENTRA_VARIANT + index,
                        uri,
                        f"{product_sku}{variant_sku}",
                        product_sku,
                        colour[0],
                        brand_id,
                        collection,
                        leaf_id,
                        origin,
                        # A category that is itself unpublished only holds unpublished products.
                        0
                        if not leaf.active or index % 29 == 4 or (index > 0 and rng.random() < 0.01)
                        else 1,
                        created.strftime("%Y-%m-%d %H:%M:%S"),
                        modified.strftime("%Y-%m-%d %H:%M:%S"),
                        index + 1,
                        json.dumps(
                            {
                                "swatch": {"desc": colour[0], "hex": colour[1]},
                                "pr_material": material[0],
                            }
                        ),
                        # The chart the sizes come from: itemTable and measurementChart.
                        leaf.chart,
                    )
                )
                self._texts(pid, names, colour, material)
                discounted = index % 7 == 3 or (index > 0 and rng.random() < 0.12)
                self._prices(
                    pid, index, base_sek, discounted, created >= start + timedelta(days=600)
                )
                self._markets(pid, index)
                self._items(pid, index, sizes, f"{product_sku}{variant_sku}")
                self._media(pid, index, names[0], colour[0])
                for cat in (leaf_id, root_id):
                    category_members.setdefault(cat, []).append(pid)
                if discounted:
                    category_members.setdefault(self.sale_id, []).append(pid)
                group.append(pid)
                index += 1
            groups.append(group)
            centra_product += 1
        for category_id, members in category_members.items():
            order = list(members)
            rng.shuffle(order)
            for position, pid in enumerate(order):
                self.rows["product_categories"].append((pid, category_id, position + 1))
        self._relations(groups)
        self._subscription_plans()

    def _subscription_plans(self) -> None:
        # Derived from rows already drawn, so the random sequence is not touched.
        self.rows["subscription_plans"] = list(SUBSCRIPTION_PLANS)
        self.rows["product_subscription_plans"] = [
            (row[0], plan[0])
            for row in self.rows["products"]
            if row[8] == SUBSCRIBABLE_COLLECTION and row[16] == SUBSCRIBABLE_CHART
            for plan in SUBSCRIPTION_PLANS
        ]

    def _pick_sizes(self, chart: str) -> list[tuple[int, str]]:
        sizes = list(CHARTS[chart].sizes)
        if len(sizes) == 1:
            return sizes
        count = self.rng.randint(1, min(6, len(sizes)))
        first = self.rng.randint(0, len(sizes) - count)
        return sizes[first : first + count]

    def _texts(
        self,
        pid: int,
        names: tuple[str, ...],
        colour: tuple[str, str, str, str],
        material: tuple[str, str, str],
    ) -> None:
        texts = {
            "en": (
                f"{names[0]} in {colour[0].lower()}.",
                f"{names[0]} in {colour[0].lower()}, made from {material[0].lower()}. "
                "Cut for everyday wear.",
            ),
            "sv": (
                f"{names[1]} i {colour[2]}.",
                f"{names[1]} i {colour[2]}, tillverkad av {material[1]}. Skuren för vardagsbruk.",
            ),
            "de": (
                f"{names[2]} in {colour[3]}.",
                f"{names[2]} in {colour[3]}, aus {material[2]}. Geschnitten für jeden Tag.",
            ),
        }
        for lang_index, (lang, _, _) in enumerate(LANGUAGES):
            excerpt, description = texts[lang]
            name = names[lang_index]
            self.rows["product_texts"].append(
                (pid, lang, name, excerpt, description, name, excerpt, name.lower())
            )

    def _prices(self, pid: int, index: int, base_sek: int, discounted: bool, new: bool) -> None:
        rng = self.rng
        pct = DISCOUNTS[rng.randrange(len(DISCOUNTS))] if discounted else 0
        bases = {
            1: float(base_sek),
            2: round(base_sek / 11) + 0.95,
            3: round(base_sek / 10) + 0.99,
            4: float(round(base_sek * 0.8)),
        }
        missing = set()
        if index > 0 and (index % 17 == 6 or rng.random() < 0.04):
            missing.add(3)
        if index > 0 and (index % 19 == 7 or rng.random() < 0.03):
            missing.add(2)
        show_new = int(new or rng.random() < 0.1)
        for pricelist, before in bases.items():
            if pricelist in missing:
                continue
            digits = 0 if pricelist in (1, 4) else 2
            price = round(before * (100 - pct) / 100, digits) if pct else before
            # Some full-price products were cheaper within the last 30 days (EU lowest price).
            lowest = round(price * 0.9, digits) if not pct and rng.random() < 0.05 else price
            self.rows["product_prices"].append(
                (pid, pricelist, float(price), before, show_new, int(price < before), float(lowest))
            )

    def _markets(self, pid: int, index: int) -> None:
        rng = self.rng
        if index == 0:
            markets = [1, 2, VIP_MARKET]
        elif index % 31 == 9:
            # A VIP exclusive: only the hidden market sells it.
            markets = [VIP_MARKET]
        else:
            markets = [1] if rng.random() < 0.97 or index % 23 == 8 else []
            if index % 23 != 8 and rng.random() < 0.9:
                markets.append(2)
            if not markets:
                markets.append(1)
            markets.append(VIP_MARKET)
        self.rows["product_markets"].extend((pid, market) for market in markets)

    def _items(self, pid: int, index: int, sizes: list[tuple[int, str]], variant_sku: str) -> None:
        rng = self.rng
        sold_out = index > 0 and (index % 13 == 5 or rng.random() < 0.05)
        for position, (size_id, label) in enumerate(sizes):
            if sold_out:
                stock = 0
            else:
                roll = rng.random()
                if roll < 0.2 and index > 0:
                    stock = 0
                elif roll < 0.35 and index > 0:
                    stock = rng.randint(1, 3)
                elif roll < 0.85:
                    stock = rng.randint(5, 50)
                else:
                    stock = rng.randint(100, 500)
            size_sku = slugify(label).upper() or "OS"
            self.rows["items"].append(
                (
                    f"{pid}-{size_id}",
                    pid,
                    size_id,
                    label,
                    ean13(pid * 100 + size_id),
                    f"{variant_sku}{size_sku}",
                    stock,
                    position + 1,
                )
            )

    def _media(self, pid: int, index: int, name: str, colour: str) -> None:
        count = 0 if index % 37 == 11 else self.rng.randint(1, 4)
        for position in range(count):
            self.rows["media"].append(
                (pid, position + 1, f"p{pid}-{position + 1}", f"{name}, {colour.lower()}")
            )

    def _relations(self, groups: list[list[int]]) -> None:
        rng = self.rng
        all_ids = [pid for group in groups for pid in group]
        for group in groups:
            for pid in group:
                for other in group:
                    if other != pid:
                        self.rows["related_products"].append((pid, other, "variant"))
                picks = rng.sample(all_ids, k=min(len(all_ids), rng.randint(0, 3)))
                for other in picks:
                    if other not in group:
                        self.rows["related_products"].append((pid, other, "standard"))

    # -- CMS and checkout ---------------------------------------------------------------------

    def _cms(self) -> None:
        in_europe = {pid for pid, market in self.rows["product_markets"] if market == 1}
        featured = [str(row[0]) for row in self.rows["products"] if row[11] and row[0] in in_europe]
        featured = featured[:4]
        for article_id, (uri, texts) in enumerate(CMS_TEXTS.items(), start=1):
            active = 0 if uri in INACTIVE_ARTICLES else 1
            self.rows["cms_articles"].append((article_id, uri, active, int(uri == "home")))
            for lang, (title, html) in texts.items():
                parts: list[dict[str, Any]] = [{"type": "text", "html": html}]
                if uri in ("home", "summer-preview"):
                    # A root-relative url: the sandbox makes it absolute when it answers.
                    parts.append(
                        {
                            "type": "image",
                            "url": f"/media/standard/cms-{slugify(uri)}.svg",
                            "alt": title,
                        }
                    )
                    parts.append({"type": "products", "products": featured})
                self.rows["cms_texts"].append(
                    (article_id, lang, title, title, title, json.dumps(parts))
                )

    def _checkout(self) -> None:
        self.rows["vouchers"] = list(VOUCHERS)
        self.rows["shipping_methods"] = list(SHIPPING_METHODS)
        for method, _, _ in SHIPPING_METHODS:
            for country in COUNTRIES:
                code, ship_to = country[0], country[3]
                if not ship_to or (method == "pickup" and code not in PICKUP_COUNTRIES):
                    continue
                for pricelist, price in SHIPPING_PRICES[method].items():
                    self.rows["shipping_rates"].append((method, code, pricelist, price))
        self.rows["payment_methods"] = list(PAYMENT_METHODS)
