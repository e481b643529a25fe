"""A large, real-world-shaped database for tests: Pagila plus a generated multi-tenant SaaS schema.

:func:`build` creates (dropping it first) a database on a test server, loads the public Pagila schema
from ``shared/datasets`` and extends it with SQL generated here, so that the database has what a
production database of a few years has and a toy schema has not:

* 1,000+ entries in the ``pg_restore -l`` TOC of its ``pg_dump -Fc`` (ten tenant schemas of eight
  tables each, with indexes, FKs, triggers, comments, grants and RLS policies);
* declarative partitions: Pagila's ``payment`` (range, 55 monthly partitions), ``rw_ops.events``
  (range, 8 monthly partitions and a default) and ``rw_ops.accounts`` (list), with an FK from the
  partitioned ``rw_ops.events`` to the partitioned ``rw_ops.accounts`` and to ``public.customer``;
* RLS policies ``TO`` non-superuser roles (one table with FORCE ROW LEVEL SECURITY);
* objects owned by roles other than the superuser (schemas, tables, sequences, functions, types);
* table, column-level and default privileges;
* an event trigger (``ddl_command_end``, SECURITY DEFINER function logging into ``rw_ops.ddl_log``);
* a publication, casts (WITH FUNCTION and WITH INOUT), domains with CHECK constraints, aggregates,
  a SECURITY DEFINER function, materialized views, a view over a view, a standalone sequence,
  non-ASCII identifiers (``rw_ops."café_commandes"."prix_€"``);
* synthetic rows respecting every FK (``pg_dump -Fc`` archive of a few MB).

No extension is used: Pagila's pgvector parts are cut out on every server. On PostgreSQL < 18
Pagila's 18-only syntax is adapted (``VIRTUAL`` generated column -> ``STORED``, ``uuidv7()`` ->
``gen_random_uuid()``).

Roles are cluster-wide: they are created (NOLOGIN) when missing and never dropped, so :func:`build`
can run again on the same server. All their names start with ``rw_``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import psycopg
from psycopg import conninfo

from tests.conftest import PAGILA_PARTS, shared_dataset

OWNER = "rw_owner"  # owns rw_ops and every tenant table
ROLES = (OWNER, "rw_app", "rw_reader", "rw_tenant_admin", "rw_auditor")
TENANTS = tuple(f"tenant_{i:02d}" for i in range(1, 11))


@dataclass(frozen=True)
class RealWorld:
    dbname: str
    fk: tuple[str, str]  # (schema.table, constraint name) of one FOREIGN KEY constraint
    column_grant: tuple[str, str, str]  # (schema.table, column, grantee role) of one column-level GRANT SELECT
    policy: tuple[str, str]  # (schema.table, policy name) of one RLS policy TO a non-superuser role
    row_table: str  # schema.table that has rows and no FK pointing at it (safe to delete one row)
    roles: tuple[str, ...]  # the roles the fixture created


def pagila_script(major: int) -> tuple[str, str]:
    """Pagila's pg_dump script, made loadable through psycopg on ``major`` without any extension, and
    split where pg_dump's post-data section starts (the first CONSTRAINT), so that the rows can be
    loaded in between, before the indexes, triggers and FKs, as pg_restore does.

    psql meta-commands (``\\restrict`` and the like, in newer pg_dump output) are dropped; so are the
    TOC blocks that mention pgvector (``vector``, ``film_embedding``): each block starts with a
    ``-- Name: ...; Type: ...`` comment, so whole statements go, never parts of one.
    """
    text = shared_dataset(*PAGILA_PARTS).read_text(encoding="utf-8")
    text = "".join(line for line in text.splitlines(keepends=True) if not line.startswith("\\"))
    if major < 18:
        text = re.sub(r"(GENERATED ALWAYS AS \(.*\)) VIRTUAL$", r"\1 STORED", text, flags=re.M)
        text = text.replace("uuidv7()", "gen_random_uuid()")
    blocks = re.split(r"(?m)^(?=--\n-- Name: )", text)
    blocks = [b for b in blocks if not re.search(r"\A--\n-- Name: [^\n]*(vector|film_embedding)", b)]
    cut = next((i for i, b in enumerate(blocks) if re.match(r"--\n-- Name: [^\n]*; Type: CONSTRAINT;", b)), len(blocks))
    return "".join(blocks[:cut]), "".join(blocks[cut:])


ROLES_SQL = "\n".join(
    f"""DO $$ BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{r}') THEN CREATE ROLE {r} NOLOGIN; END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;  -- another session made it meanwhile
END $$;"""
    for r in ROLES
)

# Pagila's data: Pagila ships its schema only. Deterministic (no random()), every FK respected.
PAGILA_DATA = """
SET search_path = public, pg_catalog;
INSERT INTO language (language_id, name)
SELECT g, (ARRAY['English', 'Italian', 'Japanese', 'Mandarin', 'French', 'German'])[g] FROM generate_series(1, 6) g;
INSERT INTO country (country_id, country) SELECT g, 'Country ' || g FROM generate_series(1, 109) g;
INSERT INTO city (city_id, city, country_id) SELECT g, 'City ' || md5(g::text), 1 + g % 109
FROM generate_series(1, 600) g;
INSERT INTO address (address_id, address, address2, district, city_id, postal_code, phone)
SELECT g, g || ' ' || left(md5('street' || g), 10) || ' Street', NULL, 'District ' || (g % 50),
       1 + g % 600, lpad((g * 37 % 99999)::text, 5, '0'), '+1' || lpad((g * 7919)::text, 10, '0')
FROM generate_series(1, 1200) g;
INSERT INTO store (store_id, manager_staff_id, address_id) VALUES (1, 1, 1), (2, 2, 2);
INSERT INTO staff (staff_id, first_name, last_name, address_id, email, store_id, username, password, picture)
SELECT g, 'Staff' || g, 'Member' || g, 2 + g, 'staff' || g || '@pagila.example', 1 + (g - 1) % 2,
       'staff' || g, md5('pw' || g), decode(md5('pic' || g), 'hex')
FROM generate_series(1, 6) g;
INSERT INTO customer (customer_id, store_id, first_name, last_name, email, address_id, activebool, create_date, active)
SELECT g, 1 + g % 2, 'First' || g, 'Last' || left(md5(g::text), 8), 'customer' || g || '@pagila.example',
       10 + g, g % 17 <> 0, date '2022-01-01' + g % 365, (g % 17 <> 0)::int
FROM generate_series(1, 1000) g;
INSERT INTO actor (actor_id, first_name, last_name)
SELECT g, 'Actor' || g, 'Surname' || left(md5('actor' || g), 6) FROM generate_series(1, 200) g;
INSERT INTO category (category_id, name)
SELECT g, (ARRAY['Action', 'Animation', 'Children', 'Classics', 'Comedy', 'Documentary', 'Drama', 'Family',
                 'Foreign', 'Games', 'Horror', 'Music', 'New', 'Sci-Fi', 'Sports', 'Travel'])[g]
FROM generate_series(1, 16) g;
-- film_fulltext_trigger is post-data, created after the rows: fulltext is computed here.
INSERT INTO film (film_id, title, description, release_year, language_id, original_language_id, rental_duration,
                  rental_rate, length, replacement_cost, rating, special_features, fulltext)
SELECT g, title, description, 2000 + g % 25, 1 + g % 6, CASE WHEN g % 5 = 0 THEN 1 + (g + 1) % 6 END, 3 + g % 5,
       0.99 + (g % 3) * 2, 46 + g % 140, 9.99 + g % 21, (enum_range(NULL::mpaa_rating))[1 + g % 5],
       ARRAY[(ARRAY['Trailers', 'Commentaries', 'Deleted Scenes', 'Behind the Scenes'])[1 + g % 4]],
       to_tsvector('pg_catalog.english', title || ' ' || description)
FROM generate_series(1, 1000) g,
     LATERAL (SELECT 'FILM ' || upper(left(md5('film' || g), 12)) AS title,
                     'A ' || (ARRAY['Epic', 'Touching', 'Brilliant', 'Boring'])[1 + g % 4] || ' story of '
                         || md5('description' || g) || ' in '
                         || (ARRAY['Canada', 'a Shark Tank', 'Ancient India'])[1 + g % 3] AS description) t;
INSERT INTO film_actor (actor_id, film_id)
SELECT DISTINCT 1 + (f * 7 + k * 31) % 200, f FROM generate_series(1, 1000) f, generate_series(1, 5) k;
INSERT INTO film_category (film_id, category_id) SELECT g, 1 + g % 16 FROM generate_series(1, 1000) g;
INSERT INTO inventory (inventory_id, film_id, store_id)
SELECT g, 1 + g % 1000, 1 + g % 2 FROM generate_series(1, 4500) g;
INSERT INTO rental (rental_id, rental_date, inventory_id, customer_id, return_date, staff_id)
SELECT g, timestamptz '2022-01-01 00:00+00' + g * interval '2 hours', 1 + g * 13 % 4500, 1 + g * 7 % 1000,
       CASE WHEN g % 50 <> 0 THEN timestamptz '2022-01-01 00:00+00' + g * interval '2 hours' + interval '3 days' END,
       1 + g % 6
FROM generate_series(1, 16000) g;
INSERT INTO payment (payment_id, customer_id, staff_id, rental_id, amount, payment_date)
SELECT r.rental_id, r.customer_id, r.staff_id, r.rental_id, 0.99 + r.rental_id % 10, r.rental_date + interval '1 hour'
FROM rental r;
SELECT setval(s, m) FROM (VALUES
    ('language_language_id_seq', 6), ('country_country_id_seq', 109), ('city_city_id_seq', 600),
    ('address_address_id_seq', 1200), ('store_store_id_seq', 2), ('staff_staff_id_seq', 6),
    ('customer_customer_id_seq', 1000), ('actor_actor_id_seq', 200), ('category_category_id_seq', 16),
    ('film_film_id_seq', 1000), ('inventory_inventory_id_seq', 4500), ('rental_rental_id_seq', 16000),
    ('payment_payment_id_seq', 16000)) AS v(s, m);
"""

# Shared objects of the SaaS part: schema rw_ops, owned by rw_owner, and what the tenants use.
OPS_SQL = """
SET search_path = pg_catalog;
CREATE SCHEMA rw_ops AUTHORIZATION rw_owner;
COMMENT ON SCHEMA rw_ops IS 'Shared operational objects of the SaaS tenants';
GRANT USAGE ON SCHEMA rw_ops TO rw_app, rw_reader, rw_auditor, rw_tenant_admin;
GRANT SELECT, REFERENCES ON public.customer TO rw_owner;
ALTER DEFAULT PRIVILEGES FOR ROLE rw_owner IN SCHEMA rw_ops GRANT EXECUTE ON FUNCTIONS TO rw_app;
ALTER DEFAULT PRIVILEGES FOR ROLE rw_owner IN SCHEMA rw_ops GRANT SELECT ON TABLES TO rw_reader;
ALTER DEFAULT PRIVILEGES FOR ROLE rw_tenant_admin GRANT SELECT ON TABLES TO rw_auditor;
ALTER DEFAULT PRIVILEGES FOR ROLE rw_owner GRANT USAGE ON TYPES TO rw_app;

SET ROLE rw_owner;
CREATE DOMAIN rw_ops.email AS text CHECK (VALUE ~ '^[^@[:space:]]+@[^@[:space:]]+$');
COMMENT ON DOMAIN rw_ops.email IS 'An e-mail address, roughly checked';
CREATE DOMAIN rw_ops.positive_amount AS numeric(12, 2) NOT NULL DEFAULT 0 CHECK (VALUE >= 0);
CREATE DOMAIN rw_ops.country_code AS character(2) CONSTRAINT country_code_upper CHECK (VALUE ~ '^[A-Z]{2}$');
CREATE TYPE rw_ops.priority AS ENUM ('low', 'normal', 'high', 'urgent');
CREATE TYPE rw_ops.price AS (amount numeric(12, 2), currency character(3));
COMMENT ON TYPE rw_ops.price IS 'An amount of money in a currency';

CREATE FUNCTION rw_ops.priority_rank(p rw_ops.priority) RETURNS integer
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $f$ SELECT array_position(enum_range(NULL::rw_ops.priority), p) $f$;
CREATE CAST (rw_ops.priority AS integer) WITH FUNCTION rw_ops.priority_rank(rw_ops.priority) AS ASSIGNMENT;
CREATE CAST (text AS rw_ops.priority) WITH INOUT AS ASSIGNMENT;
CREATE FUNCTION rw_ops.price_text(p rw_ops.price) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT
    AS $f$ SELECT to_char((p).amount, 'FM999999990.00') || ' ' || (p).currency $f$;
CREATE CAST (rw_ops.price AS text) WITH FUNCTION rw_ops.price_text(rw_ops.price);
COMMENT ON FUNCTION rw_ops.price_text(rw_ops.price) IS 'Formats a price: 12.50 EUR';

CREATE FUNCTION rw_ops.touch_updated_at() RETURNS trigger
    LANGUAGE plpgsql
    AS $f$ BEGIN NEW.updated_at := now(); RETURN NEW; END $f$;
CREATE FUNCTION rw_ops.concat_line(acc text, line text) RETURNS text
    LANGUAGE sql IMMUTABLE
    AS $f$ SELECT CASE WHEN acc IS NULL THEN line ELSE acc || E'\\n' || line END $f$;
CREATE AGGREGATE rw_ops.concat_lines(text) (SFUNC = rw_ops.concat_line, STYPE = text);
COMMENT ON AGGREGATE rw_ops.concat_lines(text) IS 'Joins lines with newlines';

CREATE SEQUENCE rw_ops.invoice_number_seq AS bigint START WITH 100000 INCREMENT BY 1 CACHE 1;
COMMENT ON SEQUENCE rw_ops.invoice_number_seq IS 'Invoice numbers, shared by all tenants (no gaps wanted)';

CREATE TABLE rw_ops.audit (
    audit_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at timestamptz NOT NULL DEFAULT now(),
    actor name NOT NULL DEFAULT session_user,
    kind text NOT NULL,
    payload jsonb
);
CREATE FUNCTION rw_ops.record_audit(p_kind text, p_payload jsonb) RETURNS bigint
    LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
    AS $f$ INSERT INTO rw_ops.audit (kind, payload) VALUES (p_kind, p_payload) RETURNING audit_id $f$;
REVOKE EXECUTE ON FUNCTION rw_ops.record_audit(text, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION rw_ops.record_audit(text, jsonb) TO rw_tenant_admin;
COMMENT ON FUNCTION rw_ops.record_audit(text, jsonb) IS 'Writes rw_ops.audit on behalf of roles that cannot';

CREATE SEQUENCE rw_ops.account_id_seq AS bigint;
CREATE TABLE rw_ops.accounts (
    region text NOT NULL,
    account_id bigint NOT NULL DEFAULT nextval('rw_ops.account_id_seq'),
    name text NOT NULL,
    country rw_ops.country_code,
    opened_on date NOT NULL DEFAULT current_date,
    PRIMARY KEY (region, account_id)
) PARTITION BY LIST (region);
ALTER SEQUENCE rw_ops.account_id_seq OWNED BY rw_ops.accounts.account_id;
CREATE TABLE rw_ops.accounts_eu PARTITION OF rw_ops.accounts FOR VALUES IN ('eu');
CREATE TABLE rw_ops.accounts_us PARTITION OF rw_ops.accounts FOR VALUES IN ('us', 'ca');
CREATE TABLE rw_ops.accounts_apac PARTITION OF rw_ops.accounts FOR VALUES IN ('apac', 'au');
CREATE TABLE rw_ops.accounts_other PARTITION OF rw_ops.accounts DEFAULT;
COMMENT ON TABLE rw_ops.accounts IS 'Customer accounts, list-partitioned by region';

CREATE TABLE rw_ops.events (
    event_id bigint NOT NULL,
    occurred_at timestamptz NOT NULL,
    region text NOT NULL,
    account_id bigint NOT NULL,
    customer_id integer,
    priority rw_ops.priority NOT NULL DEFAULT 'normal',
    payload jsonb,
    PRIMARY KEY (event_id, occurred_at)
) PARTITION BY RANGE (occurred_at);
CREATE INDEX events_account_idx ON rw_ops.events (region, account_id);
CREATE INDEX events_payload_idx ON rw_ops.events USING gin (payload);
COMMENT ON TABLE rw_ops.events IS 'Product events, range-partitioned by month';
CREATE TABLE rw_ops.events_default PARTITION OF rw_ops.events DEFAULT;

CREATE TABLE rw_ops."café_commandes" (
    "commande_n°" integer GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    "client_id" integer NOT NULL,
    "libellé" text NOT NULL,
    "prix_€" rw_ops.positive_amount,
    "créée_le" timestamptz NOT NULL DEFAULT now(),
    "état" rw_ops.priority NOT NULL DEFAULT 'normal'
);
CREATE INDEX "café_commandes_créée_le_idx" ON rw_ops."café_commandes" ("créée_le");
COMMENT ON TABLE rw_ops."café_commandes" IS 'Commandes du café — identifiants non ASCII';
COMMENT ON COLUMN rw_ops."café_commandes"."prix_€" IS 'Prix TTC en euros';

CREATE VIEW rw_ops.active_customers AS
    SELECT customer_id, store_id, first_name, last_name, email FROM public.customer WHERE activebool;
CREATE VIEW rw_ops.active_customer_emails AS
    SELECT customer_id, lower(email) AS email FROM rw_ops.active_customers WHERE email IS NOT NULL;
COMMENT ON VIEW rw_ops.active_customer_emails IS 'A view over a view';
RESET ROLE;
"""

# One tenant schema; @S@ is its name. Owned by rw_tenant_admin, its tables by rw_owner.
TENANT_DDL = """
CREATE SCHEMA @S@ AUTHORIZATION rw_tenant_admin;
COMMENT ON SCHEMA @S@ IS 'Tenant @S@';
GRANT USAGE, CREATE ON SCHEMA @S@ TO rw_owner;
GRANT USAGE ON SCHEMA @S@ TO rw_app, rw_reader, rw_auditor;
ALTER DEFAULT PRIVILEGES FOR ROLE rw_owner IN SCHEMA @S@ GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO rw_app;
ALTER DEFAULT PRIVILEGES FOR ROLE rw_owner IN SCHEMA @S@ GRANT SELECT ON TABLES TO rw_reader;
ALTER DEFAULT PRIVILEGES FOR ROLE rw_owner IN SCHEMA @S@ GRANT USAGE ON SEQUENCES TO rw_app;
SET ROLE rw_owner;
CREATE TABLE @S@.customers (
    customer_id integer GENERATED ALWAYS AS IDENTITY,
    pagila_customer_id integer,
    display_name text NOT NULL,
    email rw_ops.email,
    country rw_ops.country_code,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz,
    CONSTRAINT customers_pkey PRIMARY KEY (customer_id)
);
CREATE UNIQUE INDEX customers_email_key ON @S@.customers (lower(email));
CREATE INDEX customers_pagila_customer_idx ON @S@.customers (pagila_customer_id);
CREATE TRIGGER customers_touch BEFORE UPDATE ON @S@.customers
    FOR EACH ROW EXECUTE FUNCTION rw_ops.touch_updated_at();
COMMENT ON TABLE @S@.customers IS 'The customers of tenant @S@';
COMMENT ON COLUMN @S@.customers.email IS 'Personal data: visible to auditors';
GRANT SELECT (customer_id, display_name, email) ON @S@.customers TO rw_auditor;
GRANT UPDATE (display_name, email) ON @S@.customers TO rw_tenant_admin;

CREATE TABLE @S@.products (
    product_id integer GENERATED ALWAYS AS IDENTITY,
    sku text NOT NULL,
    name text NOT NULL,
    price rw_ops.positive_amount,
    active boolean NOT NULL DEFAULT true,
    CONSTRAINT products_pkey PRIMARY KEY (product_id),
    CONSTRAINT products_sku_key UNIQUE (sku)
);
COMMENT ON TABLE @S@.products IS 'Catalogue of tenant @S@';

CREATE TABLE @S@.orders (
    order_id bigint GENERATED ALWAYS AS IDENTITY,
    customer_id integer NOT NULL,
    ordered_at timestamptz NOT NULL,
    status text NOT NULL DEFAULT 'new',
    priority rw_ops.priority NOT NULL DEFAULT 'normal',
    total rw_ops.positive_amount,
    updated_at timestamptz,
    CONSTRAINT orders_pkey PRIMARY KEY (order_id),
    CONSTRAINT orders_status_check CHECK (status IN ('new', 'paid', 'shipped', 'cancelled'))
);
CREATE INDEX orders_customer_id_idx ON @S@.orders (customer_id);
CREATE INDEX orders_ordered_at_idx ON @S@.orders (ordered_at) WHERE status <> 'cancelled';
CREATE TRIGGER orders_touch BEFORE UPDATE ON @S@.orders FOR EACH ROW EXECUTE FUNCTION rw_ops.touch_updated_at();
COMMENT ON TABLE @S@.orders IS 'Orders of tenant @S@';
ALTER TABLE @S@.orders ENABLE ROW LEVEL SECURITY;
CREATE POLICY orders_app_open ON @S@.orders FOR SELECT TO rw_app USING (status <> 'cancelled');
CREATE POLICY orders_tenant_admin_all ON @S@.orders TO rw_tenant_admin USING (true) WITH CHECK (true);

CREATE TABLE @S@.order_items (
    order_id bigint NOT NULL,
    line_no integer NOT NULL,
    product_id integer NOT NULL,
    qty integer NOT NULL,
    unit_price rw_ops.positive_amount,
    CONSTRAINT order_items_pkey PRIMARY KEY (order_id, line_no),
    CONSTRAINT order_items_qty_check CHECK (qty > 0)
);
CREATE INDEX order_items_product_id_idx ON @S@.order_items (product_id);
COMMENT ON TABLE @S@.order_items IS 'Lines of the orders of tenant @S@';

CREATE TABLE @S@.invoices (
    invoice_id bigint GENERATED ALWAYS AS IDENTITY,
    order_id bigint NOT NULL,
    invoice_no bigint NOT NULL DEFAULT nextval('rw_ops.invoice_number_seq'),
    issued_on date NOT NULL,
    amount rw_ops.positive_amount,
    CONSTRAINT invoices_pkey PRIMARY KEY (invoice_id),
    CONSTRAINT invoices_order_id_key UNIQUE (order_id)
);
COMMENT ON TABLE @S@.invoices IS 'Invoices of tenant @S@';
COMMENT ON COLUMN @S@.invoices.invoice_no IS 'From rw_ops.invoice_number_seq';

CREATE TABLE @S@.documents (
    document_id bigint GENERATED ALWAYS AS IDENTITY,
    customer_id integer NOT NULL,
    owner_role name NOT NULL DEFAULT current_user,
    title text NOT NULL,
    body text,
    CONSTRAINT documents_pkey PRIMARY KEY (document_id)
);
CREATE INDEX documents_customer_id_idx ON @S@.documents (customer_id);
COMMENT ON TABLE @S@.documents IS 'Documents of tenant @S@: each role sees its own';
ALTER TABLE @S@.documents ENABLE ROW LEVEL SECURITY;
CREATE POLICY documents_app_own ON @S@.documents TO rw_app
    USING (owner_role = current_user) WITH CHECK (owner_role = current_user);
CREATE POLICY documents_auditor_read ON @S@.documents FOR SELECT TO rw_auditor USING (true);

CREATE TABLE @S@.audit_log (
    audit_id bigint GENERATED ALWAYS AS IDENTITY,
    at timestamptz NOT NULL,
    actor text NOT NULL,
    action text NOT NULL,
    detail text,
    CONSTRAINT audit_log_pkey PRIMARY KEY (audit_id)
);
CREATE INDEX audit_log_at_idx ON @S@.audit_log USING brin (at);
COMMENT ON TABLE @S@.audit_log IS 'Append-only log of tenant @S@';
GRANT SELECT ON @S@.audit_log TO rw_auditor;
REVOKE UPDATE, DELETE ON @S@.audit_log FROM rw_app;

CREATE TABLE @S@.settings (
    key text NOT NULL,
    value jsonb NOT NULL DEFAULT '{}',
    updated_at timestamptz,
    CONSTRAINT settings_pkey PRIMARY KEY (key)
);
CREATE TRIGGER settings_touch BEFORE UPDATE ON @S@.settings FOR EACH ROW EXECUTE FUNCTION rw_ops.touch_updated_at();
COMMENT ON TABLE @S@.settings IS 'Settings of tenant @S@';

CREATE VIEW @S@.open_orders AS
    SELECT o.order_id, o.ordered_at, c.display_name, o.total FROM @S@.orders o
    JOIN @S@.customers c USING (customer_id) WHERE o.status IN ('new', 'paid');
RESET ROLE;
"""

# Added after the rows, as pg_restore does: one validating scan per FK instead of a check per row.
TENANT_FKS = """
SET ROLE rw_owner;
ALTER TABLE @S@.customers ADD CONSTRAINT customers_pagila_customer_fkey
    FOREIGN KEY (pagila_customer_id) REFERENCES public.customer (customer_id);
ALTER TABLE @S@.orders ADD CONSTRAINT orders_customer_id_fkey
    FOREIGN KEY (customer_id) REFERENCES @S@.customers (customer_id);
ALTER TABLE @S@.order_items ADD CONSTRAINT order_items_order_id_fkey
    FOREIGN KEY (order_id) REFERENCES @S@.orders (order_id) ON DELETE CASCADE;
ALTER TABLE @S@.order_items ADD CONSTRAINT order_items_product_id_fkey
    FOREIGN KEY (product_id) REFERENCES @S@.products (product_id);
ALTER TABLE @S@.invoices ADD CONSTRAINT invoices_order_id_fkey
    FOREIGN KEY (order_id) REFERENCES @S@.orders (order_id);
ALTER TABLE @S@.documents ADD CONSTRAINT documents_customer_id_fkey
    FOREIGN KEY (customer_id) REFERENCES @S@.customers (customer_id) ON UPDATE CASCADE;
RESET ROLE;
"""

# @N@: the tenant's scale (1..3), so tenants differ in size as real ones do.
TENANT_DATA = """
INSERT INTO @S@.customers (pagila_customer_id, display_name, email, country)
SELECT CASE WHEN g % 4 = 0 THEN 1 + g % 1000 END, 'Customer ' || g || ' of @S@',
       'c' || g || '.' || left(md5('@S@' || g), 6) || '@example.com',
       (ARRAY['FR', 'DE', 'US', 'JP', 'BR', NULL])[1 + g % 6]
FROM generate_series(1, 150 * @N@) g;
INSERT INTO @S@.products (sku, name, price, active)
SELECT 'SKU-' || lpad(g::text, 6, '0'), 'Product ' || left(md5('p@S@' || g), 10), 1 + (g * 37 % 20000) / 100.0,
       g % 11 <> 0
FROM generate_series(1, 100 * @N@) g;
INSERT INTO @S@.orders (customer_id, ordered_at, status, priority, total)
SELECT 1 + g * 7 % (150 * @N@), timestamptz '2024-01-01 00:00+00' + g * interval '5 hours 17 minutes',
       (ARRAY['new', 'paid', 'shipped', 'cancelled'])[1 + g % 4], (enum_range(NULL::rw_ops.priority))[1 + g % 4],
       (g * 131 % 100000) / 100.0
FROM generate_series(1, 800 * @N@) g;
INSERT INTO @S@.order_items (order_id, line_no, product_id, qty, unit_price)
SELECT o, l, 1 + (o * 13 + l) % (100 * @N@), 1 + (o + l) % 5, 1 + (o * l * 17 % 9000) / 100.0
FROM generate_series(1, 800 * @N@) o, generate_series(1, 3) l;
INSERT INTO @S@.invoices (order_id, issued_on, amount)
SELECT g, date '2024-01-02' + g / 40, (g * 131 % 100000) / 100.0 FROM generate_series(1, 800 * @N@) g WHERE g % 4 <> 0;
INSERT INTO @S@.documents (customer_id, owner_role, title, body)
SELECT 1 + g % (150 * @N@), (ARRAY['rw_app', 'rw_tenant_admin'])[1 + g % 2], 'Document ' || g,
       (SELECT string_agg(md5('@S@' || g || ':' || k), ' ') FROM generate_series(1, 4) k)
FROM generate_series(1, 200 * @N@) g;
INSERT INTO @S@.audit_log (at, actor, action, detail)
SELECT timestamptz '2024-01-01 00:00+00' + g * interval '11 minutes', (ARRAY['rw_app', 'rw_tenant_admin'])[1 + g % 2],
       (ARRAY['login', 'update', 'export', 'delete'])[1 + g % 4], 'request ' || left(md5('a@S@' || g), 12)
FROM generate_series(1, 1000 * @N@) g;
INSERT INTO @S@.settings (key, value)
SELECT 'setting_' || g, jsonb_build_object('enabled', g % 2 = 0, 'limit', g * 10) FROM generate_series(1, 20) g;
"""

OPS_DATA = """
INSERT INTO rw_ops.accounts (region, name, country)
SELECT (ARRAY['eu', 'us', 'ca', 'apac', 'au', 'latam'])[1 + g % 6], 'Account ' || g,
       (ARRAY['FR', 'US', 'CA', 'SG', 'AU', 'BR'])[1 + g % 6]
FROM generate_series(1, 600) g;
INSERT INTO rw_ops.events (event_id, occurred_at, region, account_id, customer_id, priority, payload)
SELECT g, timestamptz '2025-01-01 00:00+00' + g * interval '25 minutes', a.region, a.account_id,
       CASE WHEN g % 3 = 0 THEN 1 + g % 1000 END, (enum_range(NULL::rw_ops.priority))[1 + g % 4],
       jsonb_build_object('kind', (ARRAY['click', 'view', 'buy'])[1 + g % 3], 'n', g, 'tag', left(md5(g::text), 8))
FROM generate_series(1, 15000) g JOIN rw_ops.accounts a ON a.account_id = 1 + g % 600;
INSERT INTO rw_ops."café_commandes" ("client_id", "libellé", "prix_€", "créée_le", "état")
SELECT 1 + g % 1000, (ARRAY['café crème', 'thé à la menthe', 'croissant', 'pain au chocolat'])[1 + g % 4],
       1.5 + (g % 8) * 0.5, timestamptz '2025-03-01 08:00+00' + g * interval '3 minutes',
       (enum_range(NULL::rw_ops.priority))[1 + g % 4]
FROM generate_series(1, 800) g;
INSERT INTO rw_ops.audit (kind, payload) SELECT 'seed', jsonb_build_object('n', g) FROM generate_series(1, 50) g;
"""


def _events_partitions() -> str:
    """``rw_ops.events``: 8 monthly partitions (2025-01 .. 2025-08), created as rw_owner."""
    out = ["SET ROLE rw_owner;"]
    for m in range(1, 9):
        out.append(
            f"CREATE TABLE rw_ops.events_2025_{m:02d} PARTITION OF rw_ops.events "
            f"FOR VALUES FROM ('2025-{m:02d}-01 00:00+00') TO ('2025-{m + 1:02d}-01 00:00+00');"
        )
    out.append("RESET ROLE;")
    return "\n".join(out)


POST_SQL = """
SET ROLE rw_owner;
-- A partitioned table referencing a partitioned table, and a plain one.
ALTER TABLE rw_ops.events ADD CONSTRAINT events_account_fkey
    FOREIGN KEY (region, account_id) REFERENCES rw_ops.accounts (region, account_id);
ALTER TABLE rw_ops.events ADD CONSTRAINT events_customer_fkey
    FOREIGN KEY (customer_id) REFERENCES public.customer (customer_id);
ALTER TABLE rw_ops."café_commandes" ADD CONSTRAINT "café_commandes_client_fkey"
    FOREIGN KEY ("client_id") REFERENCES public.customer (customer_id);
CREATE MATERIALIZED VIEW rw_ops.monthly_events AS
    SELECT date_trunc('month', occurred_at) AS month, region, count(*) AS events, count(DISTINCT account_id) AS accounts
    FROM rw_ops.events GROUP BY 1, 2;
CREATE UNIQUE INDEX monthly_events_key ON rw_ops.monthly_events (month, region);
COMMENT ON MATERIALIZED VIEW rw_ops.monthly_events IS 'Events per month and region (refreshed nightly)';
CREATE FUNCTION rw_ops.tenant_revenue(p_since date) RETURNS TABLE (tenant text, revenue numeric)
    LANGUAGE sql STABLE
    AS $f$ @REVENUE@ $f$;
RESET ROLE;
REFRESH MATERIALIZED VIEW public.rental_by_category;
ALTER TABLE tenant_01.documents FORCE ROW LEVEL SECURITY;
GRANT SELECT ON rw_ops.monthly_events TO rw_auditor;

CREATE PUBLICATION rw_pub FOR TABLE rw_ops."café_commandes", rw_ops.events, tenant_01.orders, tenant_01.order_items;
COMMENT ON PUBLICATION rw_pub IS 'Orders and events, for the analytics replica';

CREATE TABLE rw_ops.ddl_log (
    ddl_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at timestamptz NOT NULL DEFAULT now(),
    actor name NOT NULL DEFAULT session_user,
    command_tag text NOT NULL,
    object_identity text
);
CREATE FUNCTION rw_ops.log_ddl() RETURNS event_trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
    AS $f$
BEGIN
    INSERT INTO rw_ops.ddl_log (command_tag, object_identity)
    SELECT command_tag, object_identity FROM pg_event_trigger_ddl_commands();
END
$f$;
CREATE EVENT TRIGGER rw_ddl_audit ON ddl_command_end
    WHEN TAG IN ('CREATE TABLE', 'ALTER TABLE', 'CREATE INDEX', 'CREATE VIEW', 'CREATE FUNCTION', 'ALTER FUNCTION')
    EXECUTE FUNCTION rw_ops.log_ddl();
COMMENT ON EVENT TRIGGER rw_ddl_audit IS 'Logs schema changes into rw_ops.ddl_log';
"""


def _revenue_query() -> str:
    parts = [
        f"SELECT '{s}'::text, coalesce(sum(total), 0) FROM {s}.orders WHERE ordered_at >= p_since "
        f"AND status <> 'cancelled'"
        for s in TENANTS
    ]
    return "\n    UNION ALL ".join(parts)


def script(major: int) -> list[str]:
    """Every SQL script :func:`build` runs in the new database, in order (Pagila's first)."""
    pre, post = pagila_script(major)
    tenants_ddl = "\n".join(TENANT_DDL.replace("@S@", s) for s in TENANTS)
    tenants_data = "\n".join(
        TENANT_DATA.replace("@S@", s).replace("@N@", str(1 + i % 3)) for i, s in enumerate(TENANTS)
    )
    tenants_fks = "\n".join(TENANT_FKS.replace("@S@", s) for s in TENANTS)
    return [
        pre,
        PAGILA_DATA,
        post,
        OPS_SQL,
        _events_partitions(),
        tenants_ddl,
        OPS_DATA,
        tenants_data,
        tenants_fks,
        POST_SQL.replace("@REVENUE@", _revenue_query()),
    ]


def _dsn_for(admin_dsn: str, dbname: str) -> str:
    return conninfo.make_conninfo(admin_dsn, dbname=dbname)


def build(admin_dsn: str, dbname: str = "realworld") -> RealWorld:
    """Create database ``dbname`` (dropped first if it exists) on the server of ``admin_dsn`` (a
    superuser's), and fill it. Takes a few seconds; can run again on the same server."""
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        major = conn.info.server_version // 10000
        conn.execute(ROLES_SQL)
        conn.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
        conn.execute(f"CREATE DATABASE \"{dbname}\" TEMPLATE template0 ENCODING 'UTF8'")
    for sql in script(major):
        # A new session each: Pagila's script empties search_path and sets check_function_bodies off.
        with psycopg.connect(_dsn_for(admin_dsn, dbname), autocommit=True) as conn:
            conn.execute("SET client_min_messages = warning")
            conn.execute(sql)  # a literal script, no parameters
    return RealWorld(
        dbname=dbname,
        fk=("tenant_01.order_items", "order_items_order_id_fkey"),
        column_grant=("tenant_01.customers", "email", "rw_auditor"),
        policy=("tenant_01.documents", "documents_app_own"),
        row_table="tenant_01.audit_log",
        roles=ROLES,
    )
